/* ipi_driver.c - test helper: open a calculator by its --calc spec and print what it computes for
** the frames of a structure file, or along a few velocity-Verlet steps, as JSON on stdout.
**   ipi_driver SPEC FILE            every frame of FILE (any format vitrum reads)
**   ipi_driver SPEC FILE md N DT    the last frame of FILE, N NVE steps of DT fs of vitrum's MD
**                                   engine from rest, printing every step's frame and results
** JSON: {"frames": [{"lattice": 3x3 A, "positions": n x 3 A, "energy_eV": E,
**                    "forces": n x 3 eV/A, "stress_GPa": 3x3}, ...]}
** Numbers are printed with 17 significant digits (they read back to the same double).
** Used by tests/calc/test_ipi.sh and tests/calc/test_cp2k.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vitrum.h"


static void print_matrix(const char *name, size_t n, const double (*m)[3], int last)
{
    printf("\"%s\": [", name);
    for (size_t i = 0; i < n; i++)
        printf("%s[%.17g, %.17g, %.17g]", i ? ", " : "", m[i][0], m[i][1], m[i][2]);
    printf("]%s", last ? "" : ", ");
}

static int compute_and_print(vt_calc *calc, const vt_cell *c, double (*f)[3], int first)
{
    vt_calc_result r = {.forces = f, .want_stress = 1};
    if (vt_calc_compute(calc, c, &r) != VT_OK) {
        fprintf(stderr, "ipi_driver: %s\n", vt_errmsg());
        return 1;
    }
    printf("%s{", first ? "" : ",\n");
    print_matrix("lattice", 3, (const double(*)[3])c->lattice, 0);
    print_matrix("positions", c->n_atoms, (const double(*)[3])c->pos, 0);
    printf("\"energy_eV\": %.17g, ", r.energy_eV);
    print_matrix("forces", c->n_atoms, (const double(*)[3])f, 0);
    print_matrix("stress_GPa", 3, (const double(*)[3])r.stress_GPa, 1);
    printf("}");
    fflush(stdout);
    return 0;
}

/* A calculator that prints every result of the one it wraps, so that the frames vitrum's MD
 * engine evaluates are the frames printed, with nothing computed twice. */
typedef struct printing {
    vt_calc *inner;
    int first;
} printing;

static vt_status printing_compute(void *state, const vt_cell *c, vt_calc_result *r)
{
    printing *p = state;
    r->want_stress = 1;
    vt_status s = vt_calc_compute(p->inner, c, r);
    if (s != VT_OK || !r->forces) return s;
    printf("%s{", p->first ? "" : ",\n");
    print_matrix("lattice", 3, (const double(*)[3])c->lattice, 0);
    print_matrix("positions", c->n_atoms, (const double(*)[3])c->pos, 0);
    printf("\"energy_eV\": %.17g, ", r->energy_eV);
    print_matrix("forces", c->n_atoms, (const double(*)[3])r->forces, 0);
    print_matrix("stress_GPa", 3, (const double(*)[3])r->stress_GPa, 1);
    printf("}");
    fflush(stdout);
    p->first = 0;
    return VT_OK;
}

/* N NVE steps of vitrum's MD engine (velocity Verlet) from rest. */
static int run_md(vt_calc *calc, vt_cell *c, long n_steps, double dt_fs)
{
    static const vt_calc_ops ops = {"printing", printing_compute, NULL};
    printing state = {calc, 1};
    vt_calc *wrap = NULL;
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = dt_fs, o.n_steps = (uint64_t)n_steps, o.velocities = VT_VEL_KEEP;
    vt_status s = vt_cell_add_arrays(c, VT_CELL_VEL); /* zero velocities: from rest */
    if (s == VT_OK) s = vt_calc_new_custom(&ops, &state, "", &wrap);
    if (s == VT_OK) s = vt_md_run(c, wrap, &o, NULL);
    if (s != VT_OK) fprintf(stderr, "ipi_driver: %s\n", vt_errmsg());
    vt_calc_free(wrap);
    return s != VT_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 6 && strcmp(argv[3], "md") == 0)) {
        fprintf(stderr, "usage: ipi_driver SPEC FILE [md N DT_FS]\n");
        return 2;
    }
    vt_traj *t = NULL;
    vt_calc *calc = NULL;
    if (vt_traj_read(argv[2], NULL, &t) != VT_OK || vt_calc_open(argv[1], &calc) != VT_OK) {
        fprintf(stderr, "ipi_driver: %s\n", vt_errmsg());
        vt_traj_free(t);
        return 1;
    }
    fprintf(stderr, "ipi_driver: settings:\n%s", vt_calc_settings(calc));
    int rc = 0;
    printf("{\"frames\": [\n");
    if (argc == 6) {
        rc = run_md(calc, t->frames[t->n_frames - 1], atol(argv[4]), atof(argv[5]));
    } else {
        for (size_t k = 0; !rc && k < t->n_frames; k++) {
            double(*f)[3] = calloc(t->frames[k]->n_atoms, sizeof *f);
            rc = !f || compute_and_print(calc, t->frames[k], f, k == 0);
            free(f);
        }
    }
    printf("\n]}\n");
    vt_calc_free(calc);
    vt_traj_free(t);
    return rc;
}
