/* test_rdf.c - partial RDFs: shell counts of crystals worked out by hand (simple cubic with a cell
** far smaller than r_max, rock-salt LiF), a skewed random cell against a brute-force sum over
** images written here, grids and smoothing, the CSV layout, R^2 of the paper's statistic, and bad
** input. (ASE's get_rdf: test_rdf_ase.sh; the paper's CSVs against numpy: test_rdf_compare.sh.) */
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "vitrum.h"

static vt_traj *one_frame(vt_cell *c)
{
    vt_traj *t = NULL;
    if (vt_traj_new(&t) != VT_OK || vt_traj_append(t, c) != VT_OK) return NULL;
    return t;
}

static size_t bin_of(double r) { return (size_t)floor(r / 0.1 + 0.5); } /* points grid, dr 0.1 */

/* Simple cubic, a = 3 A, one atom: the cell is 1.5 A from its centre to a face, r_max 10 A.
 * Lattice points at distance a sqrt(m): r3(m) of them (sums of three squares), by hand. */
static void simple_cubic(void)
{
    const double a = 3.0, L[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    static const int r3[12] = {0, 6, 12, 8, 6, 24, 24, 0, 12, 30, 24, 24};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(1, L, 0, &c) == VT_OK);
    c->Z[0] = 84;
    vt_traj *t = one_frame(c);
    vt_rdf *r = NULL;
    CHECK(vt_rdf_compute(t, NULL, &r) == VT_OK);
    if (!r) return;
    CHECK(r->n_r == 101 && r->n_pairs == 1 && r->r_A[100] == 10.0 && r->r_A[3] == 3 * 0.1);
    int cum = 0;
    for (int m = 1; m <= 11; m++) {
        if (!r3[m]) continue;
        cum += r3[m];
        double d = a * sqrt(m), lo = (bin_of(d) - 0.5) * 0.1, hi = lo + 0.1;
        double shell = 4.0 / 3.0 * M_PI * (hi * hi * hi - lo * lo * lo);
        CHECK_REL(r->cn[bin_of(d)], (double)cum, 1e-12);
        CHECK_REL(r->g[bin_of(d)], r3[m] / (shell / (a * a * a)), 1e-12);
    }
    CHECK_REL(r->cn[100], 170.0, 1e-12); /* every point with |n|^2 <= 11: 3 sqrt(11) < 10.05 A */
    vt_rdf_shell sh = vt_rdf_first_shell(r, 0);
    CHECK_REL(sh.r_peak_A, 3.0, 1e-12);
    CHECK_REL(sh.cn, 6.0, 1e-12);
    vt_rdf_free(r);
    vt_traj_free(t);
}

/* Rock-salt LiF (a = 4.03 A, conventional cell of 8 atoms). Li-F: 6 at a/2, 8 at a sqrt(3)/2, 24 at
 * a sqrt(5)/2; Li-Li (fcc): 12 at a/sqrt(2), 6 at a, 24 at a sqrt(3/2). */
static void rock_salt(void)
{
    const double a = 4.03, L[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    static const double fcc[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(8, L, 0, &c) == VT_OK);
    for (int i = 0; i < 4; i++) {
        double f[3] = {fcc[i][0] + .5, fcc[i][1], fcc[i][2]};
        vt_frac_to_cart(L, fcc[i], c->pos[i]);
        vt_frac_to_cart(L, f, c->pos[4 + i]);
        c->Z[i] = 3, c->Z[4 + i] = 9;
    }
    vt_cell_wrap(c);
    vt_traj *t = one_frame(c);
    vt_rdf *r = NULL;
    CHECK(vt_rdf_compute(t, NULL, &r) == VT_OK);
    if (!r) return;
    CHECK(r->n_pairs == 3 && r->Z[0] == 3 && r->Z[1] == 9 && r->count[0] == 4);
    const double *cn_LiLi = r->cn, *cn_LiF = r->cn + r->n_r, *cn_FF = r->cn + 2 * r->n_r;
    CHECK_REL(cn_LiF[bin_of(a / 2)], 6.0, 1e-12);
    CHECK_REL(cn_LiF[bin_of(a * sqrt(3) / 2)], 14.0, 1e-12);
    CHECK_REL(cn_LiF[bin_of(a * sqrt(5) / 2)], 38.0, 1e-12);
    CHECK_REL(cn_LiLi[bin_of(a / sqrt(2))], 12.0, 1e-12);
    CHECK_REL(cn_LiLi[bin_of(a)], 18.0, 1e-12);
    CHECK_REL(cn_LiLi[bin_of(a * sqrt(1.5))], 42.0, 1e-12);
    for (size_t k = 0; k < r->n_r; k++) CHECK_REL(cn_FF[k], cn_LiLi[k], 1e-12);
    CHECK(cn_LiF[bin_of(a / 2) - 1] == 0.0);
    vt_rdf_free(r);
    vt_traj_free(t);
}

/* Brute force over images n in [-m, m]^3, written here: ordered pair counts per bin. */
static void brute_counts(const vt_cell *c, const int *spec, int S, double r_cut, double dr, double off,
                         size_t n_r, double *cnt)
{
    int m = 6;
    for (size_t i = 0; i < c->n_atoms; i++)
        for (size_t j = 0; j < c->n_atoms; j++)
            for (int x = -m; x <= m; x++)
                for (int y = -m; y <= m; y++)
                    for (int z = -m; z <= m; z++) {
                        double d2 = 0;
                        for (int k = 0; k < 3; k++) {
                            double d = c->pos[j][k] - c->pos[i][k] + x * c->lattice[0][k] + y * c->lattice[1][k] +
                                       z * c->lattice[2][k];
                            d2 += d * d;
                        }
                        double d = sqrt(d2);
                        if (d == 0 || d >= r_cut) continue;
                        size_t b = (size_t)((d + off) / dr);
                        if (b < n_r) cnt[((size_t)spec[i] * S + (size_t)spec[j]) * n_r + b] += 1;
                    }
}

/* A skewed cell 4-5 A wide with 9 atoms of two elements, r_max 7 A (beyond half the box), on both
 * grids, with the volume changing between two frames. */
static void skewed_brute_force(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 17);
    vt_traj *t = NULL;
    CHECK(vt_traj_new(&t) == VT_OK);
    for (int f = 0; f < 2; f++) {
        double s = 1.0 + 0.05 * f, L[3][3] = {{4.6 * s, 0, 0}, {1.9, 4.2 * s, 0}, {-1.3, 1.1, 5.0 * s}};
        vt_cell *c = NULL;
        CHECK(vt_cell_new(9, L, 0, &c) == VT_OK);
        for (int i = 0; i < 9; i++) {
            double fr[3] = {vt_rng_uniform(&rng), vt_rng_uniform(&rng), vt_rng_uniform(&rng)};
            vt_frac_to_cart(L, fr, c->pos[i]);
            c->Z[i] = i % 3 ? 14 : 3;
        }
        CHECK(vt_traj_append(t, c) == VT_OK);
    }
    for (int grid = 0; grid < 2; grid++) {
        vt_rdf_opts o = vt_rdf_opts_default();
        o.r_max_A = 7.0, o.dr_A = 0.25, o.grid = grid ? VT_RDF_BINS : VT_RDF_POINTS;
        vt_rdf *r = NULL;
        CHECK(vt_rdf_compute(t, &o, &r) == VT_OK);
        if (!r) continue;
        int spec[9];
        for (int i = 0; i < 9; i++) spec[i] = i % 3 ? 1 : 0; /* Li first (atom 0) */
        double *want = calloc(4 * r->n_r, sizeof *want);
        double off = grid ? 0.0 : 0.125, r_cut = grid ? 7.0 : 7.125;
        for (size_t f = 0; f < 2; f++) {
            double *cnt = calloc(4 * r->n_r, sizeof *cnt), V = vt_cell_volume(t->frames[f]);
            brute_counts(t->frames[f], spec, 2, r_cut, 0.25, off, r->n_r, cnt);
            for (size_t p = 0; p < 3; p++) {
                size_t a = (size_t)r->pair[p][0], b = (size_t)r->pair[p][1];
                for (size_t k = 0; k < r->n_r; k++) {
                    double lo = grid ? k * 0.25 : fmax(0, (k - 0.5) * 0.25), hi = grid ? lo + 0.25 : (k + 0.5) * 0.25;
                    double shell = 4.0 / 3.0 * M_PI * (hi * hi * hi - lo * lo * lo);
                    want[p * r->n_r + k] += cnt[(a * 2 + b) * r->n_r + k] * V / (r->count[a] * r->count[b] * shell) / 2;
                }
            }
            free(cnt);
        }
        double worst = 0;
        for (size_t i = 0; i < 3 * r->n_r; i++) worst = fmax(worst, fabs(r->g[i] - want[i]) / fmax(1.0, want[i]));
        printf("skewed 9-atom cell, grid %s, r_max 7 A: max |g - brute force| = %.2e\n", grid ? "bins" : "points", worst);
        CHECK(worst < 1e-12);
        free(want);
        vt_rdf_free(r);
    }
    vt_traj_free(t);
}

/* Smoothing conserves the area (mirrored ends), spreads a peak as a Gaussian, never touches cn. */
static void smoothing_and_csv(void)
{
    const double L[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(1, L, 0, &c) == VT_OK);
    c->Z[0] = 3;
    vt_traj *t = one_frame(c);
    vt_rdf *raw = NULL, *sm = NULL;
    vt_rdf_opts o = vt_rdf_opts_default();
    CHECK(vt_rdf_compute(t, &o, &raw) == VT_OK);
    o.smooth_A = 0.1;
    CHECK(vt_rdf_compute(t, &o, &sm) == VT_OK);
    if (!raw || !sm) return;
    double a = 0, b = 0;
    for (size_t k = 0; k < raw->n_r; k++) {
        a += raw->g[k], b += sm->g[k];
        CHECK(raw->cn[k] == sm->cn[k]);
    }
    CHECK_REL(b, a, 1e-12);
    /* the isolated shell at 3 A (bin 30): neighbours 1 and 2 bins away get exp(-1/2), exp(-2) of it */
    CHECK_REL(sm->g[31] / sm->g[30], exp(-0.5), 1e-12);
    CHECK_REL(sm->g[32] / sm->g[30], exp(-2.0), 1e-12);
    CHECK(sm->g[25] == 0.0); /* truncated at 4 sigma */
    const char *p1 = "test_rdf_a.csv", *p2 = "test_rdf_b.csv";
    CHECK(vt_rdf_write_csv(raw, p1) == VT_OK && vt_rdf_write_csv(sm, p2) == VT_OK);
    double r2 = 0;
    size_t np = 0;
    CHECK(vt_rdf_compare_csv(p1, p1, &r2, &np) == VT_OK && r2 == 1.0 && np == 1);
    CHECK(vt_rdf_compare_csv(p1, p2, &r2, &np) == VT_OK && r2 < 1.0);
    /* R^2 by hand over the one column */
    double mean = 0, sse = 0, sst = 0;
    for (size_t k = 0; k < raw->n_r; k++) mean += raw->g[k] / raw->n_r;
    for (size_t k = 0; k < raw->n_r; k++)
        sse += pow(raw->g[k] - sm->g[k], 2), sst += pow(raw->g[k] - mean, 2);
    CHECK_REL(r2, 1 - sse / sst, 1e-12);
    FILE *f = fopen(p2, "w");
    fprintf(f, ",Li-Li,r\n0,0.0,0.0\n1,abc,0.1\n");
    fclose(f);
    CHECK(vt_rdf_compare_csv(p1, p2, &r2, &np) == VT_EPARSE);
    CHECK(strstr(vt_errmsg(), "test_rdf_b.csv:3: Li-Li:") != NULL);
    printf("refused: %s\n", vt_errmsg());
    f = fopen(p2, "w");
    fprintf(f, ",Li-Na,r\n0,0.0,0.0\n");
    fclose(f);
    CHECK(vt_rdf_compare_csv(p1, p2, &r2, &np) == VT_EINVAL);
    remove(p1), remove(p2);
    vt_rdf_free(raw), vt_rdf_free(sm);
    /* bad options */
    vt_rdf *r = NULL;
    o = vt_rdf_opts_default(), o.dr_A = 0.3;
    CHECK(vt_rdf_compute(t, &o, &r) == VT_EINVAL && !r);
    o = vt_rdf_opts_default(), o.first_frame = 1;
    CHECK(vt_rdf_compute(t, &o, &r) == VT_EINVAL && !r);
    vt_traj_free(t);
}

int main(void)
{
    simple_cubic();
    rock_salt();
    skewed_brute_force();
    smoothing_and_csv();
    TEST_DONE();
}
