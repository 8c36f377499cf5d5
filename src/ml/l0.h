/* l0.h - internal: exhaustive best-subset (L0) linear regression, the search at the heart of SISSO
** (issue 4). For every subset S of k = 1..max_dim features it fits y = b0 + sum_{j in S} b_j x_j
** by least squares and keeps the top_n subsets per k by training RMSE (or by MaxAE). Method and
** cost in l0.c: one Gram matrix, then a few flops per subset, no pass over the rows per subset. */
#ifndef VT_ML_L0_H
#define VT_ML_L0_H
#include <stddef.h>
#include <stdint.h>
#include "vitrum.h"

#define VT_L0_MAX_DIM 8

typedef enum vt_l0_metric { VT_L0_RMSE = 0, VT_L0_MAXAE = 1 } vt_l0_metric;

typedef struct vt_l0_opts {
    int max_dim;          /* models of 1..max_dim features, max_dim <= VT_L0_MAX_DIM (default 4) */
    int top_n;            /* models kept per dimension, >= 1 (default 10) */
    int n_threads;        /* 0 = all cores; the results do not depend on it */
    vt_l0_metric metric;  /* ranking: least-squares fits ranked by RMSE or by MaxAE */
    double eps;           /* a subset is singular, and skipped, when a squared Cholesky pivot of
                           * its standardised Gram matrix (unit diagonal) is below eps (1e-10) */
} vt_l0_opts;

vt_l0_opts vt_l0_opts_default(void);

typedef struct vt_l0_model {
    int dim;                      /* number of features */
    int feat[VT_L0_MAX_DIM];      /* feature indices, ascending */
    double coef[VT_L0_MAX_DIM];   /* y = intercept + sum_j coef[j] * x[feat[j]] */
    double intercept;
    double rmse, maxae;           /* training errors, in the unit of y, from a pass over the rows */
} vt_l0_model;

typedef struct vt_l0_result {
    int max_dim, top_n;
    int n_models[VT_L0_MAX_DIM];  /* models kept for dimension k at [k - 1] (fewer than top_n when
                                   * fewer subsets are non-singular) */
    vt_l0_model *models;          /* dimension k, rank r (0 = best) at [(k - 1) * top_n + r] */
    uint64_t n_scored[VT_L0_MAX_DIM]; /* non-singular subsets scored per dimension */
} vt_l0_result;

/* Search a feature-major matrix: X[j * n_rows + i] is feature j of row i (n_feat features, each
 * a contiguous column), y[i] the target. Every value must be finite (VT_EINVAL naming feature and
 * row otherwise); constant features are never selected. Ties in the score go to the subset that
 * comes first in lexicographic order of the indices. */
vt_status vt_l0_search(const double *X, size_t n_rows, size_t n_feat, const double *y,
                       const vt_l0_opts *opts, vt_l0_result **out);
/* Model of dimension dim (1..max_dim) and rank (0-based), or NULL when there is none. Borrowed:
 * valid while r lives. */
const vt_l0_model *vt_l0_model_at(const vt_l0_result *r, int dim, int rank);
void vt_l0_result_free(vt_l0_result *r);

/* Least-squares fit of the given features (indices into X, any order, 1..VT_L0_MAX_DIM of them):
 * coefficients, intercept, RMSE and MaxAE; feat is copied in ascending order. VT_ERANGE when the
 * subset is singular by the eps rule above. */
vt_status vt_l0_fit_subset(const double *X, size_t n_rows, const double *y, int dim,
                           const int *feat, double eps, vt_l0_model *out);
#endif
