/* io_driver.c - helper of tests/io/oracle_io.sh (not a test itself): writes a random triclinic
** cell in every format vitrum writes, and dumps what vitrum reads from a file, as JSON with
** every number in %.17g (exact), for python's ASE and pymatgen to compare against.
**   io_driver write SEED DIR       DIR/vt.vasp vt.xyz vt.cif vt.data vt.json (one cell),
**                                  DIR/XDATCAR and DIR/vt_traj.xyz (3 frames), DIR/ref.json
**   io_driver dump PATH FORMAT [Z_type1 Z_type2 ...]   (the Zs: LAMMPS element map)
** Dump: {"frames": [{"lattice": [[...] x3], "Z": [...], "pos": [[x, y, z], ...], "vel": ... or
** null}]}; Angstrom and Angstrom/fs. Exit 1 with vitrum's message on any error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "vitrum.h"

static void dump_rows(FILE *f, const double (*v)[3], size_t n)
{
    fprintf(f, "[");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s[%.17g, %.17g, %.17g]", i ? ", " : "", v[i][0], v[i][1], v[i][2]);
    fprintf(f, "]");
}

static void dump_traj(FILE *f, const vt_traj *t)
{
    fprintf(f, "{\"frames\": [");
    for (size_t k = 0; k < t->n_frames; k++) {
        const vt_cell *c = t->frames[k];
        fprintf(f, "%s\n{\"lattice\": ", k ? "," : "");
        dump_rows(f, (const double (*)[3])c->lattice, 3);
        fprintf(f, ", \"Z\": [");
        for (size_t i = 0; i < c->n_atoms; i++) fprintf(f, "%s%d", i ? ", " : "", c->Z[i]);
        fprintf(f, "], \"pos\": ");
        dump_rows(f, (const double (*)[3])c->pos, c->n_atoms);
        fprintf(f, ", \"vel\": ");
        if (c->vel)
            dump_rows(f, (const double (*)[3])c->vel, c->n_atoms);
        else
            fprintf(f, "null");
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}

static int fail(void)
{
    fprintf(stderr, "io_driver: %s\n", vt_errmsg());
    return 1;
}

static double uniform(vt_rng *rng, double lo, double hi) { return lo + (hi - lo) * vt_rng_uniform(rng); }

/* 16 atoms of Li, O, Si, P, La in runs, a general triclinic lattice, velocities; 3 frames. */
static vt_status random_traj(unsigned long seed, vt_traj **out)
{
    static const int Zs[] = {3, 8, 14, 15, 57};
    vt_rng rng;
    vt_rng_seed(&rng, seed);
    double L[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = i == k ? uniform(&rng, 6, 11) : uniform(&rng, -2.5, 2.5);
    vt_cell *c;
    vt_status s = vt_traj_new(out);
    for (int frame = 0; s == VT_OK && frame < 3; frame++) {
        if ((s = vt_cell_new(16, L, VT_CELL_VEL, &c)) != VT_OK) break;
        for (size_t i = 0; i < c->n_atoms; i++) {
            double f[3] = {uniform(&rng, -0.2, 1.2), uniform(&rng, -0.2, 1.2), uniform(&rng, -0.2, 1.2)};
            vt_frac_to_cart(L, f, c->pos[i]);
            c->Z[i] = Zs[(i * 5 / 16 + (i == 13)) % 5]; /* runs, and one atom out of order */
            for (int k = 0; k < 3; k++) c->vel[i][k] = uniform(&rng, -0.05, 0.05);
        }
        if ((s = vt_traj_append(*out, c)) != VT_OK) vt_cell_free(c);
    }
    return s;
}

static int cmd_write(unsigned long seed, const char *dir)
{
    static const char *const single[] = {"vt.vasp", "vt.xyz", "vt.cif", "vt.data", "vt.json"};
    char path[4096];
    vt_traj *t = NULL;
    if (random_traj(seed, &t) != VT_OK) return fail();
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, single[i]);
        if (vt_structure_write(path, NULL, t->frames[0]) != VT_OK) return fail();
    }
    snprintf(path, sizeof path, "%s/XDATCAR", dir);
    if (vt_traj_write(path, NULL, t) != VT_OK) return fail();
    snprintf(path, sizeof path, "%s/vt_traj.xyz", dir);
    if (vt_traj_write(path, NULL, t) != VT_OK) return fail();
    snprintf(path, sizeof path, "%s/ref.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) return perror(path), 1;
    dump_traj(f, t);
    fclose(f);
    vt_traj_free(t);
    return 0;
}

static int cmd_dump(const char *path, const char *format, int n_types, char **types)
{
    vt_traj *t = NULL;
    if (n_types == 0) {
        if (vt_traj_read(path, format, &t) != VT_OK) return fail();
    } else {
        int Z[64];
        vt_cell *c;
        for (int k = 0; k < n_types && k < 64; k++) Z[k] = atoi(types[k]);
        if (vt_lammps_data_read(path, (size_t)n_types, Z, &c) != VT_OK) return fail();
        if (vt_traj_new(&t) != VT_OK || vt_traj_append(t, c) != VT_OK) return fail();
    }
    dump_traj(stdout, t);
    vt_traj_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "write") == 0) return cmd_write(strtoul(argv[2], NULL, 10), argv[3]);
    if (argc >= 4 && argc <= 64 && strcmp(argv[1], "dump") == 0)
        return cmd_dump(argv[2], argv[3], argc - 4, argv + 4);
    fprintf(stderr, "usage: io_driver write SEED DIR | io_driver dump PATH FORMAT [Z_type1 ...]\n");
    return 2;
}
