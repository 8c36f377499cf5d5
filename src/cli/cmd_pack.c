/* cmd_pack.c - `vitrum pack FORMULA --atoms N [--density RHO | --volume V] --out FILE`: a random
** periodic cell of a composition (vt_pack() in src/workflow/pack.c), written in any structure
** format vitrum writes, and a one-line summary on stdout. Test: tests/workflow/test_pack_cli.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const cli_opt cli_pack_opts[] = {
    {"atoms", "N", "at least this many atoms (whole formula units; required)"},
    {"density", "RHO", "density in g/cm^3 (default: from the elements' volumes)"},
    {"volume", "V", "cell volume in A^3 (instead of --density)"},
    {"tolerance", "T", "pair minimum distance T * (r_cov,i + r_cov,j) (default 0.75)"},
    {"min-dist", "A", "floor on every pair minimum distance, Angstrom (default 0)"},
    {"shape", "a,b,c[,al,be,ga]", "cell shape: length ratios and angles in degrees (default cubic)"},
    {"seed", "S", "random seed (default 1); same seed, same file"},
    {"out", "FILE", "structure file to write (format from the extension; required)"},
    {"format", "NAME", "structure format: poscar, extxyz, lammps-data, pmg-json, cif, vtraj"},
    {NULL, NULL, NULL},
};

/* "a,b,c[,alpha,beta,gamma]" -> lattice rows with a along x and b in the xy plane. */
static int parse_shape(const char *text, double L[3][3])
{
    double v[6] = {0, 0, 0, 90, 90, 90};
    int n = 0;
    const char *p = text;
    for (char *end; n < 6; n++) {
        v[n] = strtod(p, &end);
        if (end == p) break;
        p = end;
        if (*p != ',') {
            n++;
            break;
        }
        p++;
    }
    if (*p || (n != 3 && n != 6) || !(v[0] > 0 && v[1] > 0 && v[2] > 0))
        return cli_usage_error("--shape: expected a,b,c or a,b,c,alpha,beta,gamma (positive lengths, degrees), got '%s'", text);
    double ca = cos(v[3] * M_PI / 180), cb = cos(v[4] * M_PI / 180), cg = cos(v[5] * M_PI / 180),
           sg = sin(v[5] * M_PI / 180), cy = (ca - cb * cg) / sg, cz2 = 1.0 - cb * cb - cy * cy;
    if (!(v[3] > 0 && v[3] < 180 && v[4] > 0 && v[4] < 180 && v[5] > 0 && v[5] < 180 && cz2 > 1e-6))
        return cli_usage_error("--shape: the angles do not make a cell: '%s'", text);
    double rows[3][3] = {{v[0], 0, 0}, {v[1] * cg, v[1] * sg, 0}, {v[2] * cb, v[2] * cy, v[2] * sqrt(cz2)}};
    memcpy(L, rows, sizeof rows);
    return 0;
}

static int read_opts(const cli_cmd *cmd, cli_args *a, uint64_t *n_atoms, vt_pack_opts *o)
{
    const char *shape = cli_get(cmd, a, "shape");
    if (!cli_get(cmd, a, "atoms")) return cli_usage_error("%s: --atoms N is required", a->prog);
    if (!cli_get(cmd, a, "out")) return cli_usage_error("%s: --out FILE is required", a->prog);
    if (cli_get(cmd, a, "density") && cli_get(cmd, a, "volume"))
        return cli_usage_error("%s: give --density or --volume, not both", a->prog);
    if (cli_get_u64(cmd, a, "atoms", 0, VT_MAX_ATOMS, n_atoms) ||
        cli_get_double(cmd, a, "density", 0, 1e-6, 1e3, &o->density_g_cm3) ||
        cli_get_double(cmd, a, "volume", 0, 1e-6, 1e15, &o->volume_A3) ||
        cli_get_double(cmd, a, "tolerance", o->tolerance, 0, 10, &o->tolerance) ||
        cli_get_double(cmd, a, "min-dist", o->min_dist_A, 0, 100, &o->min_dist_A) ||
        cli_get_u64(cmd, a, "seed", o->seed, UINT64_MAX, &o->seed) || (shape && parse_shape(shape, o->shape)))
        return EXIT_USAGE;
    if (*n_atoms == 0) return cli_usage_error("--atoms: expected at least 1");
    return 0;
}

int cli_pack(const cli_cmd *cmd, cli_args *a)
{
    vt_pack_opts o = vt_pack_opts_default();
    vt_composition comp;
    vt_pack_info info;
    vt_cell *c = NULL;
    uint64_t n_atoms = 0;
    char formula[256];
    int rc = read_opts(cmd, a, &n_atoms, &o);
    if (rc) return rc;
    vt_status s = vt_composition_parse(a->pos[0], &comp);
    if (s == VT_OK) s = vt_composition_reduced_formula(&comp, formula, sizeof formula);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (s == VT_OK) s = vt_pack(&comp, (size_t)n_atoms, &o, &c, &info);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (s == VT_OK) s = vt_structure_write(cli_get(cmd, a, "out"), cli_get(cmd, a, "format"), c);
    if (s != VT_OK) {
        vt_cell_free(c);
        return cli_fail(s);
    }
    double par[6];
    vt_lattice_parameters(c->lattice, par);
    printf("%s: %zu formula units, %zu atoms, a = %.4f A, V = %.2f A^3, %.4f g/cm^3, phi = %.3f, "
           "closest pair %.3f A, tightest pair %s-%s at %.4f x its minimum distance; packed in %.4f s\n",
           cli_get(cmd, a, "out"), info.n_units, info.n_atoms, par[0], info.volume_A3, info.density_g_cm3,
           info.phi, info.min_dist_A, info.min_Z[0] ? vt_element_by_Z(info.min_Z[0])->symbol : "-",
           info.min_Z[1] ? vt_element_by_Z(info.min_Z[1])->symbol : "-", info.min_ratio,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    vt_cell_free(c);
    return 0;
}
