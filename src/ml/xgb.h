/* xgb.h - internal: gradient boosting through the XGBoost C API (Debian libxgboost-dev). Boosting
** itself is never hand-written here: this file only moves data in and out of libxgboost, adds the
** bootstrap ensemble the paper used for error bars, and the paper's grid search. */
#ifndef VT_ML_XGB_H
#define VT_ML_XGB_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "vitrum.h"

typedef struct vt_xgb_params {
    int n_estimators;        /* boosting rounds; paper 100 */
    int max_depth;           /* paper 4 */
    double eta;              /* learning rate; paper 0.1 */
    double alpha;            /* L1 (reg_alpha); paper 0.8 */
    double lambda;           /* L2 (reg_lambda); xgboost default 1 */
    double subsample;        /* row subsampling per tree; 1 */
    double colsample;        /* colsample_bytree; 1 */
    double min_child_weight; /* 1 */
    int n_bootstrap;         /* extra models on bootstrap resamples for sigma; 0 = none */
    uint64_t seed;           /* xgboost "seed" and the bootstrap draws */
    int n_threads;           /* 0 = all cores */
} vt_xgb_params;

typedef struct vt_xgb vt_xgb;

/* The paper's settings (tree_method=hist), its 100 bootstrap models, seed 0, all cores. */
vt_xgb_params vt_xgb_params_default(void);

/* Fit the main model (base_score = mean of y) and n_bootstrap resampled models. NaN in X is a
 * missing value; other values must fit in float32, libxgboost's type. Same params (seed and
 * n_threads included) give the same bytes; another thread count may change the last bits. */
vt_status vt_xgb_fit(const double *X, const double *y, size_t n_rows, size_t n_features,
                     const vt_xgb_params *p, vt_xgb **out);
/* Predictions of the main model; sd = standard deviation over the bootstrap models (ddof = 0;
 * NaN when there are none; sd may be NULL). X row-major n_rows x n_features. */
vt_status vt_xgb_predict(const vt_xgb *m, const double *X, size_t n_rows, double *pred, double *sd);
/* Total gain per feature of the main model, normalised to sum 1 (all 0 for a model that never
 * splits). importance has n_features entries. */
vt_status vt_xgb_importance(const vt_xgb *m, double *importance);
void vt_xgb_free(vt_xgb *m);

/* {"params": {...}, "boosters": [base64 of XGBoost's UBJSON model, main model first],
 * "booster_fnv1a64": [hash of each model's bytes, 16 hex digits]}. NULL on failure, with
 * vt_errmsg() saying why. The caller owns the result (cJSON_Delete). */
cJSON *vt_xgb_to_json(const vt_xgb *m);
/* Inverse of vt_xgb_to_json; predictions of the result are bit-identical. Malformed input (wrong
 * type, unknown or missing key, bad base64, a booster that fails its hash or is not a model, a
 * booster count other than 1 + n_bootstrap, a model with other than n_features inputs) is
 * VT_EPARSE. libxgboost trusts model bytes: the hash keeps damaged ones away from it, but a file
 * forged with a matching hash is trusted input. */
vt_status vt_xgb_from_json(const cJSON *obj, size_t n_features, vt_xgb **out);

/* The paper's grid: n_estimators {50,100,150} x eta {0.01,0.1,0.5} x max_depth {2,4,6}, scored by
 * the mean over folds of the fold RMSE (fold_of_row[i] in 0..k-1, k >= 2, no fold empty), without
 * bootstrap models. *best = base with the best three values (ties: the first in that order). */
vt_status vt_xgb_grid_search(const double *X, const double *y, size_t n_rows, size_t n_features,
                             const int *fold_of_row, int k, const vt_xgb_params *base,
                             vt_xgb_params *best, double *best_rmse);
#endif
