/* test_structfeat_table.c - loose sanity against the paper's table (../shared/paper): the 21
** structural features of a plausible disordered Li2O cell (a 3x3x3 antifluorite supercell at the
** table's 2500 K volume per atom, every atom displaced by a seeded Gaussian of 0.25 A per
** direction, i.e. a hot, disordered crystal) each lie within the min..max of that column over the
** whole table, and the features that only count and average (AAV, VPA, ENS, PF, SPF) equal the
** table's Li2O 2500 K row where the volume fixes them. Not the main test (test_structfeat.c):
** the table's structures are not public, so this only catches gross unit or definition errors. */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "vitrum.h"

/* Gaussian by Box-Muller from the seeded generator. */
static double gauss(vt_rng *r)
{
    double u = 1.0 - vt_rng_uniform(r), v = vt_rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

static vt_cell *disordered_li2o(double aav_A3, double sigma_A, uint64_t seed)
{
    const int n = 3;
    double a = cbrt(12.0 * aav_A3), L[3][3] = {{n * a, 0, 0}, {0, n * a, 0}, {0, 0, n * a}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(12 * n * n * n, L, 0, &c) == VT_OK);
    if (!c) return NULL;
    static const double fcc[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    vt_rng rng;
    vt_rng_seed(&rng, seed);
    size_t m = 0;
    for (int p = 0; p < n; p++)
        for (int q = 0; q < n; q++)
            for (int r = 0; r < n; r++)
                for (int s = 0; s < 12; s++, m++) {
                    double f[3];
                    for (int k = 0; k < 3; k++) f[k] = s < 4 ? fcc[s][k] : ((s - 4) >> k & 1) ? 0.75 : 0.25;
                    int cell[3] = {p, q, r};
                    for (int k = 0; k < 3; k++) c->pos[m][k] = (f[k] + cell[k]) * a + sigma_A * gauss(&rng);
                    c->Z[m] = s < 4 ? 8 : 3;
                }
    return c;
}

int main(void)
{
    const char *path = vt_test_shared("paper/feature_target.dat");
    vt_dataset *d = NULL;
    CHECK(vt_dataset_read(path, &d) == VT_OK);
    if (!d) TEST_DONE();
    const char *const *names = vt_structfeat_names();
    size_t row = d->n_rows;
    int col_T = vt_dataset_col(d, "temperature");
    for (size_t r = 0; r < d->n_rows; r++)
        if (strcmp(d->formula[r], "Li2O") == 0 && d->X[r * d->n_cols + (size_t)col_T] == 2500) row = r;
    CHECK(row < d->n_rows);
    if (row == d->n_rows) TEST_DONE();
    double aav = d->X[row * d->n_cols + (size_t)vt_dataset_col(d, "AAV")];
    vt_cell *c = disordered_li2o(aav, 0.25, 5);
    double f[VT_N_STRUCTFEAT];
    CHECK(vt_structfeat_compute(c, NULL, f) == VT_OK);
    printf("%-8s %12s %12s %12s %14s\n", "feature", "vitrum", "table min", "table max", "Li2O 2500 K");
    for (int j = 0; j < VT_N_STRUCTFEAT; j++) {
        int col = vt_dataset_col(d, names[j]);
        CHECK(col > 0);
        double lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < d->n_rows; r++) {
            double v = d->X[r * d->n_cols + (size_t)col];
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        double own = d->X[row * d->n_cols + (size_t)col];
        printf("%-8s %12.5f %12.5f %12.5f %14.5f\n", names[j], f[j], lo, hi, own);
        CHECK(f[j] >= lo && f[j] <= hi);
        /* fixed by the composition and the volume alone */
        if (!strcmp(names[j], "AAV") || !strcmp(names[j], "VPA") || !strcmp(names[j], "ENS") ||
            !strcmp(names[j], "PF") || !strcmp(names[j], "SPF"))
            CHECK_REL(f[j], own, 1e-9);
    }
    vt_cell_free(c);
    vt_dataset_free(d);
    TEST_DONE();
}
