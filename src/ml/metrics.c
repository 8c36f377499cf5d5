/* metrics.c - regression scores (RMSE, MAE, R^2) and fold assignment for cross-validation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

vt_scores vt_scores_compute(size_t n, const double *truth, const double *pred)
{
    vt_scores s = {NAN, NAN, NAN};
    if (n == 0) return s;
    double mean = 0.0, sse = 0.0, sae = 0.0, sst = 0.0;
    for (size_t i = 0; i < n; i++) mean += truth[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double e = pred[i] - truth[i];
        sse += e * e;
        sae += fabs(e);
        sst += (truth[i] - mean) * (truth[i] - mean);
    }
    s.rmse = sqrt(sse / (double)n);
    s.mae = sae / (double)n;
    s.r2 = sst > 0.0 ? 1.0 - sse / sst : NAN;
    return s;
}

typedef struct group { size_t id, size, order; } group;

/* Largest first; equal sizes keep their (shuffled) order, so the seed breaks ties. */
static int by_size_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Group id of each row (rows with equal formula text share one), and the groups. */
static size_t collect_groups(const vt_dataset *d, size_t *group_of_row, size_t *first_row, group *g)
{
    size_t n = 0;
    for (size_t r = 0; r < d->n_rows; r++) {
        size_t k = 0;
        while (k < n && strcmp(d->formula[first_row[k]], d->formula[r]) != 0) k++;
        if (k == n) first_row[n] = r, g[n] = (group){n, 0, 0}, n++;
        g[k].size++;
        group_of_row[r] = k;
    }
    return n;
}

/* GroupKFold's rule: groups by decreasing size, each into the fold with the fewest rows. */
static vt_status group_folds(const vt_dataset *d, int k, uint64_t seed, int *fold_of_row)
{
    size_t n_rows = d->n_rows, fold_rows[64] = {0};
    size_t *group_of_row = vt_malloc(n_rows * sizeof *group_of_row), *first_row = vt_malloc(n_rows * sizeof *first_row);
    size_t *perm = vt_malloc(n_rows * sizeof *perm);
    group *g = vt_malloc(n_rows * sizeof *g);
    int *fold_of_group = vt_malloc(n_rows * sizeof *fold_of_group);
    vt_status s = group_of_row && first_row && perm && g && fold_of_group ? VT_OK : vt_err_set_(VT_ENOMEM, "folds: out of memory");
    size_t n = s == VT_OK ? collect_groups(d, group_of_row, first_row, g) : 0;
    if (s == VT_OK && (size_t)k > n) s = vt_err_set_(VT_EINVAL, "folds: %d folds but only %zu formulas", k, n);
    if (s == VT_OK) {
        vt_rng rng;
        vt_rng_seed(&rng, seed);
        for (size_t i = 0; i < n; i++) perm[i] = i;
        vt_rng_shuffle(&rng, perm, n);
        for (size_t i = 0; i < n; i++) g[perm[i]].order = i;
        qsort(g, n, sizeof *g, by_size_desc);
        for (size_t i = 0; i < n; i++) {
            int best = 0;
            for (int f = 1; f < k; f++)
                if (fold_rows[f] < fold_rows[best]) best = f;
            fold_of_group[g[i].id] = best;
            fold_rows[best] += g[i].size;
        }
        for (size_t r = 0; r < n_rows; r++) fold_of_row[r] = fold_of_group[group_of_row[r]];
    }
    vt_free(group_of_row), vt_free(first_row), vt_free(perm), vt_free(g), vt_free(fold_of_group);
    return s;
}

vt_status vt_folds_assign(const vt_dataset *d, int k, int group_by_formula, uint64_t seed, int *fold_of_row)
{
    if (k < 2 || k > 64) VT_FAIL(VT_EINVAL, "folds: need 2..64 folds, got %d", k);
    if ((size_t)k > d->n_rows) VT_FAIL(VT_EINVAL, "folds: %d folds but only %zu rows", k, d->n_rows);
    if (group_by_formula) return group_folds(d, k, seed, fold_of_row);
    size_t *perm = vt_calloc(d->n_rows, sizeof *perm);
    if (!perm) VT_FAIL(VT_ENOMEM, "folds: out of memory");
    vt_rng rng;
    vt_rng_seed(&rng, seed);
    for (size_t i = 0; i < d->n_rows; i++) perm[i] = i;
    vt_rng_shuffle(&rng, perm, d->n_rows);
    for (size_t i = 0; i < d->n_rows; i++) fold_of_row[perm[i]] = (int)(i * (size_t)k / d->n_rows);
    vt_free(perm);
    return VT_OK;
}
