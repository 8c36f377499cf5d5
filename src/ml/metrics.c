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

typedef struct group { size_t first_row, size, order; } group;

/* Largest first; equal sizes keep their (shuffled) order, so the seed breaks ties. */
static int by_size_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Group id of each row (rows with equal formula text share one), and the groups. */
static vt_status collect_groups(const vt_dataset *d, size_t *group_of_row, group **out, size_t *n_out)
{
    group *g = vt_calloc(d->n_rows, sizeof *g);
    if (!g) VT_FAIL(VT_ENOMEM, "folds: out of memory");
    size_t n = 0;
    for (size_t r = 0; r < d->n_rows; r++) {
        size_t k = 0;
        while (k < n && strcmp(d->formula[g[k].first_row], d->formula[r]) != 0) k++;
        if (k == n) g[n++] = (group){r, 0, 0};
        g[k].size++;
        group_of_row[r] = k;
    }
    *out = g;
    *n_out = n;
    return VT_OK;
}

/* GroupKFold's rule: groups by decreasing size, each into the fold with the fewest rows. */
static vt_status group_folds(const vt_dataset *d, int k, uint64_t seed, int *fold_of_row)
{
    size_t *group_of_row = vt_calloc(d->n_rows, sizeof *group_of_row), *perm = NULL, n = 0;
    group *g = NULL;
    size_t fold_rows[64] = {0};
    int *fold_of_group = NULL;
    vt_status s = group_of_row ? collect_groups(d, group_of_row, &g, &n)
                               : vt_err_set_(VT_ENOMEM, "folds: out of memory");
    if (s == VT_OK && (size_t)k > n) s = vt_err_set_(VT_EINVAL, "folds: %d folds but only %zu formulas", k, n);
    if (s == VT_OK && (!(perm = vt_calloc(n, sizeof *perm)) || !(fold_of_group = vt_calloc(n, sizeof *fold_of_group))))
        s = vt_err_set_(VT_ENOMEM, "folds: out of memory");
    if (s == VT_OK) {
        vt_rng rng;
        vt_rng_seed(&rng, seed);
        for (size_t i = 0; i < n; i++) perm[i] = i;
        vt_rng_shuffle(&rng, perm, n);
        for (size_t i = 0; i < n; i++) g[perm[i]].order = i;
        size_t *id = perm; /* reuse: group index sorted by size */
        group *sorted = vt_calloc(n, sizeof *sorted);
        if (!sorted) s = vt_err_set_(VT_ENOMEM, "folds: out of memory");
        for (size_t i = 0; s == VT_OK && i < n; i++) sorted[i] = g[i], sorted[i].first_row = i;
        if (s == VT_OK) {
            qsort(sorted, n, sizeof *sorted, by_size_desc);
            for (size_t i = 0; i < n; i++) {
                int best = 0;
                for (int f = 1; f < k; f++)
                    if (fold_rows[f] < fold_rows[best]) best = f;
                id[i] = sorted[i].first_row;
                fold_of_group[id[i]] = best;
                fold_rows[best] += sorted[i].size;
            }
            for (size_t r = 0; r < d->n_rows; r++) fold_of_row[r] = fold_of_group[group_of_row[r]];
        }
        vt_free(sorted);
    }
    vt_free(group_of_row);
    vt_free(perm);
    vt_free(g);
    vt_free(fold_of_group);
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
