/* analysis_driver.c - bench/analysis.sh's timing side for vitrum: reads a raw trajectory written by
** bench/analysis_reference.py and times vt_diffusion_compute (every species, "max" mode) or
** vt_rdf_compute (all partial RDFs) in-process, best of 3, so file reading does not count.
**   raw file: int64 n_frames, int64 n_atoms, 9 float64 lattice (rows, A), n_atoms int32 Z,
**             n_frames x n_atoms x 3 float64 positions (A)
**   usage: analysis_driver msd FILE DT_FS | rdf FILE RMAX_A DR_A      -> "seconds S" and results */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vitrum.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static vt_traj *load(const char *path)
{
    FILE *f = fopen(path, "rb");
    int64_t nf, na;
    double L[3][3];
    if (!f || fread(&nf, 8, 1, f) != 1 || fread(&na, 8, 1, f) != 1 || fread(L, 8, 9, f) != 9) return NULL;
    int32_t *Z = malloc(na * sizeof *Z);
    if (fread(Z, 4, na, f) != (size_t)na) return NULL;
    vt_traj *t = NULL;
    vt_traj_new(&t);
    for (int64_t i = 0; i < nf; i++) {
        vt_cell *c = NULL;
        if (vt_cell_new(na, L, 0, &c) != VT_OK || fread(c->pos, 24, na, f) != (size_t)na) return NULL;
        for (int64_t k = 0; k < na; k++) c->Z[k] = Z[k];
        if (vt_traj_append(t, c) != VT_OK) return NULL;
    }
    free(Z);
    fclose(f);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    vt_traj *t = load(argv[2]);
    if (!t) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
    double best = 1e30;
    if (strcmp(argv[1], "msd") == 0) {
        vt_diffusion_opts o = vt_diffusion_opts_default();
        o.dt_fs = atof(argv[3]);
        vt_composition comp;
        vt_cell_composition(t->frames[0], &comp);
        vt_diffusion *d[VT_MAX_SPECIES] = {0};
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now();
            for (size_t s = 0; s < comp.n_species; s++) {
                vt_diffusion_free(d[s]);
                if (vt_diffusion_compute(t, comp.Z[s], &o, &d[s]) != VT_OK) { fprintf(stderr, "%s\n", vt_errmsg()); return 1; }
            }
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        printf("seconds %.6f\n", best);
        for (size_t s = 0; s < comp.n_species; s++) {
            printf("D %s %.12e\n", vt_element_by_Z(comp.Z[s])->symbol, d[s]->D.value);
            vt_diffusion_free(d[s]);
        }
    } else {
        vt_rdf_opts o = vt_rdf_opts_default();
        o.r_max_A = atof(argv[3]), o.dr_A = atof(argv[4]), o.grid = VT_RDF_BINS;
        vt_rdf *r = NULL;
        for (int rep = 0; rep < 3; rep++) {
            vt_rdf_free(r);
            double t0 = now();
            if (vt_rdf_compute(t, &o, &r) != VT_OK) { fprintf(stderr, "%s\n", vt_errmsg()); return 1; }
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        printf("seconds %.6f\n", best);
        double s = 0;
        for (size_t i = 0; i < r->n_pairs * r->n_r; i++) s += r->g[i];
        printf("checksum %.10e\n", s);
        vt_rdf_free(r);
    }
    vt_traj_free(t);
    return 0;
}
