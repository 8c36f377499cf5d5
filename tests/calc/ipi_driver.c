/* ipi_driver.c - test helper: open a calculator by its --calc spec and print what it computes for
** the frames of a structure file, or along a few velocity-Verlet steps, as JSON on stdout.
**   ipi_driver SPEC FILE            every frame of FILE (any format vitrum reads)
**   ipi_driver SPEC FILE md N DT    the last frame of FILE, N velocity-Verlet steps of DT fs from
**                                   rest (velocities 0), printing every step's frame and results
** JSON: {"frames": [{"lattice": 3x3 A, "positions": n x 3 A, "energy_eV": E,
**                    "forces": n x 3 eV/A, "stress_GPa": 3x3}, ...]}
** Numbers are printed with 17 significant digits (they read back to the same double).
** Used by tests/calc/test_ipi.sh and tests/calc/test_cp2k.sh until `vitrum calc`/`vitrum md`
** cover these cases; the integrator here is a test fixture, not vitrum's MD engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vitrum.h"

#define EV_PER_AMU_A2_FS2 103.642696562 /* 1 amu A^2/fs^2 in eV: a (A/fs^2) = F / (m * this) */

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

/* N velocity-Verlet steps from rest: x += v dt + a dt^2/2, v += (a + a') dt/2. */
static int run_md(vt_calc *calc, vt_cell *c, long n_steps, double dt_fs)
{
    size_t n = c->n_atoms;
    double(*f)[3] = calloc(n, sizeof *f), (*v)[3] = calloc(n, sizeof *v);
    int rc = !f || !v;
    if (!rc) rc = compute_and_print(calc, c, f, 1);
    for (long step = 0; !rc && step < n_steps; step++) {
        for (size_t i = 0; i < n; i++) {
            double inv_m = 1.0 / (EV_PER_AMU_A2_FS2 * vt_element_by_Z(c->Z[i])->mass_amu);
            for (int k = 0; k < 3; k++) {
                double a = f[i][k] * inv_m;
                c->pos[i][k] += v[i][k] * dt_fs + 0.5 * a * dt_fs * dt_fs;
                v[i][k] += 0.5 * a * dt_fs;
            }
        }
        rc = compute_and_print(calc, c, f, 0);
        for (size_t i = 0; !rc && i < n; i++) {
            double inv_m = 1.0 / (EV_PER_AMU_A2_FS2 * vt_element_by_Z(c->Z[i])->mass_amu);
            for (int k = 0; k < 3; k++) v[i][k] += 0.5 * f[i][k] * inv_m * dt_fs;
        }
    }
    free(f);
    free(v);
    return rc;
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
