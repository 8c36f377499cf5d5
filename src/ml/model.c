/* model.c - trained models: which inputs, which target transform, which learner; training,
** prediction (always reported as D x 1000, cm^2/s x 1000), importances, and the JSON file.
**
** Model file (JSON, written atomically):
**   { "format": "vitrum-model", "format_version": 1, "vitrum_version": "0.1.0",
**     "algo": "rf"|"et"|"xgb", "target": "D_x1000"|"lnD", "target_unit": ...,
**     "prediction_unit": "cm^2/s x 1000",
**     "inputs": [ {"name": "temperature", "unit": "K"}, ... ],
**     "training": { "n_rows": N, "seed": S, "params": {...}, "provenance": {...} },
**     "forest": {...} | "xgb": {...} }
** The file holds no time stamp: the same data, options and seed give the same bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/rng.h"
#include "forest.h"
#include "inputs.h"
#include "io/atomic.h"
#include "sisso.h"
#include "xgb.h"

#define FORMAT_NAME "vitrum-model"
#define FORMAT_VERSION 1
#define MAX_MODEL_BYTES (1u << 30)

struct vt_model {
    vt_train_opts opts;
    size_t n_inputs;
    char **inputs;
    size_t n_train_rows;
    size_t n_train_T;
    double *train_T;       /* distinct training temperatures, K, ascending */
    vt_forest *forest;     /* RF, ET */
    vt_xgb *xgb;           /* XGB */
    vt_sisso_model *sisso; /* L0, SISSO */
    cJSON *provenance;     /* object of strings */
};

static const char *const algo_names[] = {"rf", "et", "xgb", "l0", "sisso"};
#define N_ALGOS (sizeof algo_names / sizeof algo_names[0])

static int is_sisso(vt_algo a) { return a == VT_ALGO_L0 || a == VT_ALGO_SISSO; }

/* The settings of an L0/SISSO fit: the file's over the defaults; L0 is SISSO without operators. */
static vt_status sisso_settings(const vt_train_opts *o, vt_sisso_settings *s)
{
    *s = vt_sisso_settings_default();
    if (o->sisso_config) VT_TRY(vt_sisso_settings_read(o->sisso_config, s));
    if (o->algo == VT_ALGO_L0) s->rung = 0;
    s->threads = o->n_threads;
    return VT_OK;
}

vt_status vt_train_sisso_settings_text(const vt_train_opts *opts, char **text)
{
    vt_sisso_settings s;
    VT_TRY(sisso_settings(opts, &s));
    if (!(*text = vt_sisso_settings_format(&s))) VT_FAIL(VT_ENOMEM, "out of memory");
    return VT_OK;
}

int vt_model_is_equation(const vt_model *m) { return m->sisso != NULL; }

vt_status vt_model_equation_at(const vt_model *m, int dim, int rank, char **text, double *rmse, double *maxae)
{
    if (!m->sisso) VT_FAIL(VT_ENOTSUP, "only L0 and SISSO models have equations");
    const vt_sisso_desc *dsc = vt_sisso_model_desc(m->sisso, dim, rank);
    if (!dsc) VT_FAIL(VT_ERANGE, "no model of dimension %d and rank %d", dim, rank + 1);
    if (!(*text = vt_sisso_equation(m->sisso, dim, rank))) VT_FAIL(VT_ENOMEM, "out of memory");
    *rmse = dsc->rmse, *maxae = dsc->maxae;
    return VT_OK;
}

vt_status vt_model_equation(const vt_model *m, char **text)
{
    if (!m->sisso) VT_FAIL(VT_ENOTSUP, "only L0 and SISSO models have an equation");
    if (!(*text = vt_sisso_equation(m->sisso, vt_sisso_model_dim(m->sisso), 0))) VT_FAIL(VT_ENOMEM, "out of memory");
    return VT_OK;
}

vt_train_opts vt_train_opts_default(vt_algo algo)
{
    vt_forest_params fp = vt_forest_params_default();
    vt_xgb_params xp = vt_xgb_params_default();
    vt_train_opts o = {
        .algo = algo, .target = VT_TARGET_D, .composition_only = 0, .seed = 62, .n_threads = 0,
        .vitrum_inputs = algo == VT_ALGO_ET, .arrhenius_ref_eV = algo == VT_ALGO_ET ? NAN : 0.0,
        .n_trees = algo == VT_ALGO_ET ? 500 : fp.n_trees, .max_features = fp.max_features,
        .min_samples_leaf = fp.min_samples_leaf, .max_depth = fp.max_depth,
        .bootstrap = algo != VT_ALGO_ET,
        .xgb_n_estimators = xp.n_estimators, .xgb_max_depth = xp.max_depth, .xgb_eta = xp.eta,
        .xgb_alpha = xp.alpha, .xgb_lambda = xp.lambda, .xgb_subsample = xp.subsample,
        .xgb_colsample = xp.colsample, .xgb_n_bootstrap = 0,
    };
    return o;
}

static vt_forest_params forest_params(const vt_train_opts *o)
{
    vt_forest_params p = vt_forest_params_default();
    p.n_trees = o->n_trees;
    p.max_features = o->max_features;
    p.min_samples_leaf = o->min_samples_leaf;
    p.max_depth = o->max_depth;
    p.bootstrap = o->bootstrap;
    p.extra_random = o->algo == VT_ALGO_ET;
    p.seed = o->seed;
    p.n_threads = o->n_threads;
    return p;
}

static vt_xgb_params xgb_params(const vt_train_opts *o)
{
    vt_xgb_params p = vt_xgb_params_default();
    p.n_estimators = o->xgb_n_estimators;
    p.max_depth = o->xgb_max_depth;
    p.eta = o->xgb_eta;
    p.alpha = o->xgb_alpha;
    p.lambda = o->xgb_lambda;
    p.subsample = o->xgb_subsample;
    p.colsample = o->xgb_colsample;
    p.n_bootstrap = o->xgb_n_bootstrap;
    p.seed = o->seed;
    p.n_threads = o->n_threads;
    return p;
}

void vt_model_free(vt_model *m)
{
    if (!m) return;
    vt_inputs_free(m->inputs, m->n_inputs);
    vt_free(m->train_T);
    vt_forest_free(m->forest);
    vt_xgb_free(m->xgb);
    vt_sisso_model_free(m->sisso);
    cJSON_Delete(m->provenance);
    vt_free(m);
}

size_t vt_model_n_inputs(const vt_model *m) { return m->n_inputs; }

const double *vt_model_training_temperatures(const vt_model *m, size_t *n)
{
    *n = m->n_train_T;
    return m->train_T;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct temperatures of the training rows (column 0 of every dataset is temperature). */
static vt_status collect_temperatures(vt_model *m, const vt_dataset *d, const size_t *rows, size_t n)
{
    if (!(m->train_T = vt_malloc(n * sizeof *m->train_T))) VT_FAIL(VT_ENOMEM, "train: out of memory");
    for (size_t i = 0; i < n; i++) m->train_T[i] = d->X[(rows ? rows[i] : i) * d->n_cols];
    qsort(m->train_T, n, sizeof *m->train_T, by_value);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || m->train_T[i] != m->train_T[k - 1]) m->train_T[k++] = m->train_T[i];
    m->n_train_T = k;
    return VT_OK;
}
const char *vt_model_input_name(const vt_model *m, size_t i) { return i < m->n_inputs ? m->inputs[i] : NULL; }

/* D x 1000 -> the fitted quantity z, and back; lnD = ln(D / (cm^2/s)). With a reference
 * activation energy Ea_ref, z = D exp(Ea_ref / (kB T)) (or ln D + Ea_ref / (kB T)). */
static double to_target(const vt_train_opts *o, double inv_kBT, double d_x1000)
{
    double shift = o->arrhenius_ref_eV * inv_kBT;
    return o->target == VT_TARGET_LND ? log(d_x1000 / 1000.0) + shift : d_x1000 * exp(shift);
}

static double from_target(const vt_train_opts *o, double inv_kBT, double z)
{
    double shift = o->arrhenius_ref_eV * inv_kBT;
    return o->target == VT_TARGET_LND ? 1000.0 * exp(z - shift) : z * exp(-shift);
}

/* 1/(kB T) of a dataset row, 1/eV (column 0 is the temperature in K). */
static double row_inv_kBT(const vt_dataset *d, size_t r) { return 1.0 / (VT_KB_EV_PER_K * d->X[r * d->n_cols]); }

static vt_status check_opts(const vt_train_opts *o)
{
    if ((unsigned)o->algo >= N_ALGOS) VT_FAIL(VT_EINVAL, "train: unknown algorithm %d", (int)o->algo);
    if (is_sisso(o->algo)) return VT_OK; /* the settings file is checked when read */
    if (o->algo != VT_ALGO_XGB) {
        if (o->n_trees < 1 || o->n_trees > 100000) VT_FAIL(VT_EINVAL, "train: n_trees must be 1..100000");
        if (!(o->max_features > 0.0 && o->max_features <= 1.0)) VT_FAIL(VT_EINVAL, "train: max_features must be in (0, 1]");
        if (o->min_samples_leaf < 1) VT_FAIL(VT_EINVAL, "train: min_samples_leaf must be >= 1");
        if (o->max_depth < 0) VT_FAIL(VT_EINVAL, "train: max_depth must be >= 0");
    } else {
        if (o->xgb_n_estimators < 1 || o->xgb_n_estimators > 100000) VT_FAIL(VT_EINVAL, "train: n_estimators must be 1..100000");
        if (o->xgb_max_depth < 1 || o->xgb_max_depth > 30) VT_FAIL(VT_EINVAL, "train: max_depth must be 1..30 for xgb");
        if (!(o->xgb_eta > 0.0 && o->xgb_eta <= 1.0)) VT_FAIL(VT_EINVAL, "train: learning rate must be in (0, 1]");
        if (o->xgb_n_bootstrap < 0 || o->xgb_n_bootstrap > 10000) VT_FAIL(VT_EINVAL, "train: bootstrap models must be 0..10000");
    }
    return VT_OK;
}

/* L0/SISSO fit on the dataset itself; the model's inputs are its primary features. */
static vt_status fit_sisso(vt_model *m, const vt_train_opts *opts, const vt_dataset *d,
                           const size_t *rows, size_t n)
{
    vt_sisso_settings s;
    VT_TRY(sisso_settings(opts, &s)); /* opts, not m->opts: the model keeps no borrowed path */
    VT_TRY(vt_sisso_fit(d, rows, n, &s, &m->sisso));
    m->opts.target = m->sisso->target;
    m->opts.arrhenius_ref_eV = 0.0;
    if (!(m->inputs = vt_calloc(m->sisso->n_primaries, sizeof *m->inputs))) VT_FAIL(VT_ENOMEM, "train: out of memory");
    for (; m->n_inputs < m->sisso->n_primaries; m->n_inputs++)
        if (!(m->inputs[m->n_inputs] = vt_strdup(m->sisso->primaries[m->n_inputs]))) VT_FAIL(VT_ENOMEM, "train: out of memory");
    return VT_OK;
}

static vt_status fit_learner(vt_model *m, const double *X, const double *y, size_t n)
{
    if (m->opts.algo == VT_ALGO_XGB) {
        vt_xgb_params p = xgb_params(&m->opts);
        return vt_xgb_fit(X, y, n, m->n_inputs, &p, &m->xgb);
    }
    vt_forest_params p = forest_params(&m->opts);
    return vt_forest_fit(X, y, n, m->n_inputs, &p, &m->forest);
}

/* Median activation energy (eV) of the training formulas that have 3 or more temperatures:
 * the "auto" reference of vt_train_opts.arrhenius_ref_eV; 0 when no formula qualifies. */
static vt_status median_Ea(const vt_dataset *d, const size_t *rows, size_t n, double *out)
{
    double *T = vt_malloc(n * sizeof *T), *D = vt_malloc(n * sizeof *D), *ea = vt_malloc(n * sizeof *ea);
    char *done = vt_calloc(n, 1);
    size_t n_ea = 0;
    vt_status s = T && D && ea && done ? VT_OK : vt_err_set_(VT_ENOMEM, "train: out of memory");
    for (size_t i = 0; s == VT_OK && i < n; i++) {
        if (done[i]) continue;
        size_t k = 0, ri = rows ? rows[i] : i;
        for (size_t j = i; j < n; j++) {
            size_t rj = rows ? rows[j] : j;
            if (done[j] || strcmp(d->formula[rj], d->formula[ri]) != 0) continue;
            done[j] = 1, T[k] = d->X[rj * d->n_cols], D[k] = d->y[rj], k++;
        }
        vt_arrhenius fit;
        if (k >= 3 && vt_arrhenius_fit(k, T, D, NULL, &fit) == VT_OK) ea[n_ea++] = fit.Ea_eV.value;
    }
    if (s == VT_OK) {
        qsort(ea, n_ea, sizeof *ea, by_value);
        *out = n_ea == 0 ? 0.0 : n_ea % 2 ? ea[n_ea / 2] : 0.5 * (ea[n_ea / 2 - 1] + ea[n_ea / 2]);
    }
    vt_free(T), vt_free(D), vt_free(ea), vt_free(done);
    return s;
}

/* Tree learners: inputs from the table, the (Arrhenius-normalised) target, then the fit. */
static vt_status fit_trees(vt_model *m, const vt_dataset *d, const size_t *rows, size_t n_rows)
{
    const vt_train_opts *o = &m->opts;
    VT_TRY(vt_inputs_default(d, o->composition_only, o->vitrum_inputs, &m->inputs, &m->n_inputs));
    if (isnan(o->arrhenius_ref_eV)) {
        /* auto: with structural inputs (which themselves change with T) 0.2 eV did best in grouped
         * CV over several fold schemes; from a formula alone, the median Ea of the training data */
        if (o->composition_only) VT_TRY(median_Ea(d, rows, n_rows, &m->opts.arrhenius_ref_eV));
        else m->opts.arrhenius_ref_eV = 0.2;
    }
    double *X = NULL, *y = vt_malloc(n_rows * sizeof *y);
    vt_status s = y ? vt_inputs_build(d, rows, n_rows, m->inputs, m->n_inputs, &X)
                    : vt_err_set_(VT_ENOMEM, "train: out of memory");
    for (size_t i = 0; s == VT_OK && i < n_rows; i++) {
        size_t r = rows ? rows[i] : i;
        y[i] = to_target(o, row_inv_kBT(d, r), d->y[r]);
    }
    if (s == VT_OK) s = fit_learner(m, X, y, n_rows);
    vt_free(X);
    vt_free(y);
    return s;
}

vt_status vt_model_train(const vt_dataset *d, const size_t *rows, size_t n_rows,
                         const vt_train_opts *opts, vt_model **out)
{
    *out = NULL;
    if (!d->y) VT_FAIL(VT_EINVAL, "train: the data has no target column diff_coeff_mul_thousand");
    VT_TRY(check_opts(opts));
    if (!rows) n_rows = d->n_rows;
    if (n_rows < 2) VT_FAIL(VT_EINVAL, "train: need at least 2 rows, got %zu", n_rows);
    vt_model *m = vt_calloc(1, sizeof *m);
    if (!m) VT_FAIL(VT_ENOMEM, "train: out of memory");
    m->opts = *opts;
    m->opts.sisso_config = NULL; /* borrowed: not kept beyond this call */
    m->n_train_rows = n_rows;
    vt_status s = collect_temperatures(m, d, rows, n_rows);
    if (s == VT_OK) s = is_sisso(opts->algo) ? fit_sisso(m, opts, d, rows, n_rows) : fit_trees(m, d, rows, n_rows);
    if (s != VT_OK) {
        vt_model_free(m);
        return s;
    }
    *out = m;
    return VT_OK;
}

/* Forest rows: mean and spread of the per-tree predictions in D x 1000. A D target is a per-row
 * scale factor away from z, so mean and spread scale with it; an lnD forest is averaged in D,
 * each tree back-transformed first (blocks of rows bound the per-tree buffer). */
static vt_status forest_predict(const vt_model *m, const double *X, const double *inv_kBT, size_t n,
                                double *pred, double *sigma)
{
    enum { BLOCK = 256 };
    const vt_forest *f = m->forest;
    if (m->opts.target == VT_TARGET_D) {
        vt_forest_predict(f, X, n, pred, sigma);
        for (size_t i = 0; m->opts.arrhenius_ref_eV != 0.0 && i < n; i++) {
            double scale = exp(-m->opts.arrhenius_ref_eV * inv_kBT[i]);
            pred[i] *= scale, sigma[i] *= scale;
        }
        return VT_OK;
    }
    size_t nt = f->n_trees;
    double *v = vt_malloc(BLOCK * nt * sizeof *v);
    if (!v) VT_FAIL(VT_ENOMEM, "predict: out of memory");
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t rows = n - start < BLOCK ? n - start : BLOCK;
        vt_forest_predict_trees(f, X + start * m->n_inputs, rows, v);
        for (size_t i = 0; i < rows; i++) {
            double sum = 0.0, sum2 = 0.0;
            for (size_t t = 0; t < nt; t++) {
                double d = from_target(&m->opts, inv_kBT[start + i], v[i * nt + t]);
                sum += d;
                sum2 += d * d;
            }
            double mean = sum / (double)nt;
            pred[start + i] = mean;
            sigma[start + i] = sqrt(fmax(0.0, sum2 / (double)nt - mean * mean));
        }
    }
    vt_free(v);
    return VT_OK;
}

/* Predictions for a built input matrix. */
static vt_status predict_matrix(const vt_model *m, const double *X, const double *inv_kBT, size_t n,
                                double *pred, double *sigma)
{
    if (m->forest) return forest_predict(m, X, inv_kBT, n, pred, sigma);
    VT_TRY(vt_xgb_predict(m->xgb, X, n, pred, sigma));
    for (size_t i = 0; i < n; i++) {
        double p = from_target(&m->opts, inv_kBT[i], pred[i]);
        /* spreads by the delta method: sd(D) ~ D sd(lnD), or the scale factor exp(-shift) */
        sigma[i] *= m->opts.target == VT_TARGET_LND ? p : exp(-m->opts.arrhenius_ref_eV * inv_kBT[i]);
        pred[i] = p;
    }
    return VT_OK;
}

/* Input matrix and 1/(kB T) of the given rows. */
static vt_status build(const vt_model *m, const vt_dataset *d, const size_t *rows, size_t n,
                       double **X, double **inv_kBT)
{
    *inv_kBT = NULL;
    VT_TRY(vt_inputs_build(d, rows, n, m->inputs, m->n_inputs, X));
    if (!(*inv_kBT = vt_malloc(n * sizeof **inv_kBT))) {
        vt_free(*X);
        *X = NULL;
        VT_FAIL(VT_ENOMEM, "predict: out of memory");
    }
    for (size_t i = 0; i < n; i++) (*inv_kBT)[i] = row_inv_kBT(d, rows ? rows[i] : i);
    return VT_OK;
}

vt_status vt_model_predict(const vt_model *m, const vt_dataset *d, const size_t *rows,
                           size_t n_rows, double *pred, double *sigma)
{
    if (!rows) n_rows = d->n_rows;
    if (m->sisso) { /* an equation has no spread of its own */
        for (size_t i = 0; i < n_rows; i++) sigma[i] = NAN;
        return vt_sisso_predict(m->sisso, d, rows, n_rows, pred);
    }
    double *X, *inv_kBT;
    VT_TRY(build(m, d, rows, n_rows, &X, &inv_kBT));
    vt_status s = predict_matrix(m, X, inv_kBT, n_rows, pred, sigma);
    vt_free(X);
    vt_free(inv_kBT);
    return s;
}

vt_status vt_model_check_inputs(const vt_model *m, const vt_dataset *d)
{
    return vt_inputs_check(d, m->inputs, m->n_inputs);
}

vt_status vt_model_grid_search(const vt_dataset *d, const size_t *rows, size_t n_rows,
                               vt_train_opts *opts, double *best_cv_rmse)
{
    if (opts->algo != VT_ALGO_XGB) VT_FAIL(VT_EINVAL, "grid search: only for xgb");
    if (!d->y) VT_FAIL(VT_EINVAL, "grid search: the data has no target column");
    if (!rows) n_rows = d->n_rows;
    char **names = NULL;
    size_t n_in = 0;
    double *X = NULL, *y = vt_malloc(n_rows * sizeof *y);
    size_t *perm = vt_malloc(n_rows * sizeof *perm);
    int *fold = vt_malloc(n_rows * sizeof *fold);
    vt_status s = y && perm && fold ? VT_OK : vt_err_set_(VT_ENOMEM, "grid search: out of memory");
    if (s == VT_OK) s = vt_inputs_default(d, opts->composition_only, opts->vitrum_inputs, &names, &n_in);
    if (s == VT_OK) s = vt_inputs_build(d, rows, n_rows, names, n_in, &X);
    if (s == VT_OK) {
        vt_rng rng;
        vt_rng_seed(&rng, opts->seed);
        for (size_t i = 0; i < n_rows; i++) {
            size_t r = rows ? rows[i] : i;
            perm[i] = i, y[i] = to_target(opts, row_inv_kBT(d, r), d->y[r]);
        }
        vt_rng_shuffle(&rng, perm, n_rows);
        for (size_t i = 0; i < n_rows; i++) fold[perm[i]] = (int)(i * 5 / n_rows);
        vt_xgb_params base = xgb_params(opts), best;
        base.n_bootstrap = 0;
        s = vt_xgb_grid_search(X, y, n_rows, n_in, fold, 5, &base, &best, best_cv_rmse);
        if (s == VT_OK) {
            opts->xgb_n_estimators = best.n_estimators;
            opts->xgb_eta = best.eta;
            opts->xgb_max_depth = best.max_depth;
        }
    }
    vt_inputs_free(names, n_in);
    vt_free(X), vt_free(y), vt_free(perm), vt_free(fold);
    return s;
}

vt_status vt_model_importance(const vt_model *m, double *importance)
{
    if (m->sisso) VT_FAIL(VT_ENOTSUP, "no importance for L0/SISSO models: read the equation");
    if (m->forest) {
        memcpy(importance, m->forest->importance, m->n_inputs * sizeof *importance);
        return VT_OK;
    }
    return vt_xgb_importance(m->xgb, importance);
}

static double rmse_of(const vt_model *m, const double *X, const double *inv_kBT, size_t n,
                      const double *truth, double *pred, double *sigma, vt_status *s)
{
    *s = predict_matrix(m, X, inv_kBT, n, pred, sigma);
    return vt_scores_compute(n, truth, pred).rmse;
}

vt_status vt_model_permutation_importance(const vt_model *m, const vt_dataset *d,
                                          const size_t *rows, size_t n_rows, int n_repeats,
                                          uint64_t seed, double *importance)
{
    if (!d->y) VT_FAIL(VT_EINVAL, "permutation importance: the data has no target column");
    if (m->sisso) VT_FAIL(VT_ENOTSUP, "permutation importance: not for L0/SISSO models");
    if (n_repeats < 1) VT_FAIL(VT_EINVAL, "permutation importance: n_repeats must be >= 1");
    if (!rows) n_rows = d->n_rows;
    size_t p = m->n_inputs;
    double *X = NULL, *inv_kBT = NULL, *Xp = vt_malloc(n_rows * p * sizeof *Xp), *truth = vt_malloc(n_rows * sizeof *truth);
    double *pred = vt_malloc(n_rows * sizeof *pred), *sigma = vt_malloc(n_rows * sizeof *sigma);
    size_t *perm = vt_malloc(n_rows * sizeof *perm);
    vt_status s = Xp && truth && pred && sigma && perm ? VT_OK : vt_err_set_(VT_ENOMEM, "permutation importance: out of memory");
    if (s == VT_OK) s = build(m, d, rows, n_rows, &X, &inv_kBT);
    for (size_t i = 0; s == VT_OK && i < n_rows; i++) truth[i] = d->y[rows ? rows[i] : i];
    double base = s == VT_OK ? rmse_of(m, X, inv_kBT, n_rows, truth, pred, sigma, &s) : 0.0;
    vt_rng rng;
    vt_rng_seed(&rng, seed);
    for (size_t j = 0; s == VT_OK && j < p; j++) {
        importance[j] = 0.0;
        for (int rep = 0; s == VT_OK && rep < n_repeats; rep++) {
            memcpy(Xp, X, n_rows * p * sizeof *Xp);
            for (size_t i = 0; i < n_rows; i++) perm[i] = i;
            vt_rng_shuffle(&rng, perm, n_rows);
            for (size_t i = 0; i < n_rows; i++) Xp[i * p + j] = X[perm[i] * p + j];
            importance[j] += (rmse_of(m, Xp, inv_kBT, n_rows, truth, pred, sigma, &s) - base) / n_repeats;
        }
    }
    vt_free(X), vt_free(inv_kBT), vt_free(Xp), vt_free(truth), vt_free(pred), vt_free(sigma), vt_free(perm);
    return s;
}

vt_status vt_model_set_provenance(vt_model *m, const char *key, const char *value)
{
    if (!m->provenance && !(m->provenance = cJSON_CreateObject())) VT_FAIL(VT_ENOMEM, "model: out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(m->provenance, key);
    if (!cJSON_AddStringToObject(m->provenance, key, value)) VT_FAIL(VT_ENOMEM, "model: out of memory");
    return VT_OK;
}

/* ---- JSON ---- */

static cJSON *params_json(const vt_train_opts *o)
{
    cJSON *p = cJSON_CreateObject();
    if (!p) return NULL;
    if (o->algo == VT_ALGO_XGB) {
        cJSON_AddNumberToObject(p, "n_estimators", o->xgb_n_estimators);
        cJSON_AddNumberToObject(p, "max_depth", o->xgb_max_depth);
        cJSON_AddNumberToObject(p, "learning_rate", o->xgb_eta);
        cJSON_AddNumberToObject(p, "reg_alpha", o->xgb_alpha);
        cJSON_AddNumberToObject(p, "reg_lambda", o->xgb_lambda);
        cJSON_AddNumberToObject(p, "subsample", o->xgb_subsample);
        cJSON_AddNumberToObject(p, "colsample_bytree", o->xgb_colsample);
        cJSON_AddNumberToObject(p, "n_bootstrap", o->xgb_n_bootstrap);
    } else if (!is_sisso(o->algo)) {
        cJSON_AddNumberToObject(p, "n_trees", (double)o->n_trees);
        cJSON_AddNumberToObject(p, "max_features", o->max_features);
        cJSON_AddNumberToObject(p, "min_samples_leaf", (double)o->min_samples_leaf);
        cJSON_AddNumberToObject(p, "max_depth", o->max_depth);
        cJSON_AddBoolToObject(p, "bootstrap", o->bootstrap);
    }
    cJSON_AddBoolToObject(p, "composition_only", o->composition_only);
    cJSON_AddBoolToObject(p, "vitrum_inputs", o->vitrum_inputs);
    return p;
}

static cJSON *model_json(const vt_model *m)
{
    cJSON *root = cJSON_CreateObject(), *inputs = cJSON_AddArrayToObject(root, "inputs");
    cJSON_AddStringToObject(root, "format", FORMAT_NAME);
    cJSON_AddNumberToObject(root, "format_version", FORMAT_VERSION);
    cJSON_AddStringToObject(root, "vitrum_version", vt_version());
    cJSON_AddStringToObject(root, "algo", algo_names[m->opts.algo]);
    int lnd = m->opts.target == VT_TARGET_LND;
    cJSON_AddStringToObject(root, "target", lnd ? "lnD" : "D_x1000");
    cJSON_AddStringToObject(root, "target_unit", lnd ? "ln(D / (cm^2/s))" : "cm^2/s x 1000");
    /* the fitted quantity is D exp(Ea_ref/(kB T)), or ln D + Ea_ref/(kB T); 0 = D or ln D */
    cJSON_AddNumberToObject(root, "target_arrhenius_ref_eV", m->opts.arrhenius_ref_eV);
    cJSON_AddStringToObject(root, "prediction_unit", "cm^2/s x 1000");
    for (size_t i = 0; inputs && i < m->n_inputs; i++) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "name", m->inputs[i]);
        cJSON_AddStringToObject(in, "unit", vt_input_unit(m->inputs[i]));
        cJSON_AddItemToArray(inputs, in);
    }
    cJSON *tr = cJSON_AddObjectToObject(root, "training");
    cJSON_AddNumberToObject(tr, "n_rows", (double)m->n_train_rows);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->opts.seed);
    cJSON_AddStringToObject(tr, "seed", seed); /* a string: 64-bit seeds do not fit a double */
    cJSON_AddItemToObject(tr, "temperatures_K", cJSON_CreateDoubleArray(m->train_T, (int)m->n_train_T));
    cJSON_AddItemToObject(tr, "params", params_json(&m->opts));
    if (m->provenance) cJSON_AddItemReferenceToObject(tr, "provenance", m->provenance);
    cJSON *learner = m->forest ? vt_forest_to_json(m->forest) : m->xgb ? vt_xgb_to_json(m->xgb) : vt_sisso_to_json(m->sisso);
    const char *key = m->forest ? "forest" : m->xgb ? "xgb" : "sisso";
    if (!learner || !cJSON_AddItemToObject(root, key, learner)) {
        cJSON_Delete(learner);
        cJSON_Delete(root);
        return NULL; /* out of memory: the caller reports it, no partial model is written */
    }
    return root;
}

vt_status vt_model_save(const vt_model *m, const char *path)
{
    cJSON *root = model_json(m);
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) VT_FAIL(VT_ENOMEM, "%s: out of memory while writing the model", path);
    size_t n = strlen(text);
    text[n] = '\n'; /* cJSON's buffer ends in the NUL we overwrite; length stays n + 1 */
    vt_status s = vt_write_file_atomic(path, text, n + 1);
    cJSON_free(text);
    return s;
}

/* Whole file into a NUL-terminated buffer (bounded, so a huge file is an error, not an OOM). */
static vt_status read_text(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = vt_malloc(cap);
    vt_status s = buf ? VT_OK : vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
    while (s == VT_OK) {
        if (n + 1 >= cap) {
            char *b = cap < MAX_MODEL_BYTES ? vt_realloc(buf, cap * 2) : NULL;
            if (!b) {
                s = vt_err_set_(cap < MAX_MODEL_BYTES ? VT_ENOMEM : VT_ERANGE, "%s: file too large for a model", path);
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0) break;
    }
    if (s == VT_OK && ferror(f)) s = vt_err_set_(VT_EIO, "%s: read error", path);
    fclose(f);
    if (s != VT_OK) {
        vt_free(buf);
        return s;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        vt_free(buf);
        VT_FAIL(VT_EPARSE, "%s: binary data (NUL byte): not a model file", path);
    }
    *out = buf;
    return VT_OK;
}

static const char *get_string(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int get_number(const cJSON *obj, const char *key, double *v)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsBool(it)) return *v = cJSON_IsTrue(it), 1;
    return cJSON_IsNumber(it) && isfinite(it->valuedouble) ? (*v = it->valuedouble, 1) : 0;
}

static vt_status read_temperatures(const char *path, const cJSON *arr, vt_model *m)
{
    if (!cJSON_IsArray(arr)) VT_FAIL_AT(VT_EPARSE, path, 0, "training.temperatures_K", "expected an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (!(m->train_T = vt_calloc(n, sizeof *m->train_T))) VT_FAIL(VT_ENOMEM, "model: out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsNumber(it) || !(it->valuedouble > 0.0) || !isfinite(it->valuedouble))
            VT_FAIL_AT(VT_EPARSE, path, 0, "training.temperatures_K", "expected temperatures > 0 K");
        m->train_T[m->n_train_T++] = it->valuedouble;
    }
    return VT_OK;
}

/* Parameters back into opts: only what prediction and provenance need. */
static vt_status read_params(const char *path, const cJSON *tr, vt_model *m)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(tr, "params");
    double v;
    const char *seed = get_string(tr, "seed");
    if (!cJSON_IsObject(p) || !seed || !get_number(tr, "n_rows", &v) || v < 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, "training", "missing or malformed params, seed or n_rows");
    m->n_train_rows = (size_t)v;
    m->opts.seed = strtoull(seed, NULL, 10);
    if (get_number(p, "composition_only", &v)) m->opts.composition_only = v != 0;
    VT_TRY(read_temperatures(path, cJSON_GetObjectItemCaseSensitive(tr, "temperatures_K"), m));
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(tr, "provenance");
    if (prov && !(m->provenance = cJSON_Duplicate(prov, 1))) VT_FAIL(VT_ENOMEM, "model: out of memory");
    return VT_OK;
}

static vt_status read_inputs(const char *path, const cJSON *arr, vt_model *m)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        VT_FAIL_AT(VT_EPARSE, path, 0, "inputs", "expected a non-empty array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (!(m->inputs = vt_calloc(n, sizeof *m->inputs))) VT_FAIL(VT_ENOMEM, "model: out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        const char *name = get_string(it, "name");
        if (!name || !*name) VT_FAIL_AT(VT_EPARSE, path, 0, "inputs", "entry %zu has no name", m->n_inputs + 1);
        if (!(m->inputs[m->n_inputs] = vt_strdup(name))) VT_FAIL(VT_ENOMEM, "model: out of memory");
        m->n_inputs++;
    }
    return VT_OK;
}

static vt_status parse_model(const char *path, const cJSON *root, vt_model *m)
{
    double version;
    const char *format = get_string(root, "format"), *algo = get_string(root, "algo");
    const char *target = get_string(root, "target");
    if (!cJSON_IsObject(root) || !format || strcmp(format, FORMAT_NAME) != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, "format", "not a vitrum model file");
    if (!get_number(root, "format_version", &version) || version != FORMAT_VERSION)
        VT_FAIL_AT(VT_EPARSE, path, 0, "format_version", "unsupported (this vitrum reads version %d)", FORMAT_VERSION);
    int a = -1;
    for (size_t i = 0; algo && i < N_ALGOS; i++)
        if (strcmp(algo, algo_names[i]) == 0) a = (int)i;
    if (a < 0) VT_FAIL_AT(VT_EPARSE, path, 0, "algo", "expected rf, et, xgb, l0 or sisso");
    if (!target || (strcmp(target, "D_x1000") != 0 && strcmp(target, "lnD") != 0))
        VT_FAIL_AT(VT_EPARSE, path, 0, "target", "expected D_x1000 or lnD");
    m->opts = vt_train_opts_default((vt_algo)a);
    m->opts.target = strcmp(target, "lnD") == 0 ? VT_TARGET_LND : VT_TARGET_D;
    if (!get_number(root, "target_arrhenius_ref_eV", &m->opts.arrhenius_ref_eV) || fabs(m->opts.arrhenius_ref_eV) > 100)
        VT_FAIL_AT(VT_EPARSE, path, 0, "target_arrhenius_ref_eV", "expected a number of eV (|Ea| <= 100)");
    VT_TRY(read_inputs(path, cJSON_GetObjectItemCaseSensitive(root, "inputs"), m));
    VT_TRY(read_params(path, cJSON_GetObjectItemCaseSensitive(root, "training"), m));
    vt_status s = a == VT_ALGO_XGB ? vt_xgb_from_json(cJSON_GetObjectItemCaseSensitive(root, "xgb"), m->n_inputs, &m->xgb)
                  : is_sisso((vt_algo)a) ? vt_sisso_from_json(cJSON_GetObjectItemCaseSensitive(root, "sisso"), &m->sisso)
                  : vt_forest_from_json(cJSON_GetObjectItemCaseSensitive(root, "forest"), m->n_inputs, &m->forest);
    if (s == VT_OK && m->sisso && m->sisso->n_primaries != m->n_inputs)
        s = vt_err_set_(VT_EPARSE, "sisso: %zu primary features but %zu inputs", m->sisso->n_primaries, m->n_inputs);
    if (s != VT_OK) VT_FAIL_AT(s, path, 0, NULL, "%s", vt_errmsg());
    return VT_OK;
}

vt_status vt_model_load(const char *path, vt_model **out)
{
    *out = NULL;
    char *text;
    VT_TRY(read_text(path, &text));
    cJSON *root = cJSON_Parse(text);
    vt_free(text);
    if (!root) VT_FAIL_AT(VT_EPARSE, path, 0, NULL, "not valid JSON");
    vt_model *m = vt_calloc(1, sizeof *m);
    vt_status s = m ? parse_model(path, root, m) : vt_err_set_(VT_ENOMEM, "model: out of memory");
    cJSON_Delete(root);
    if (s != VT_OK) {
        vt_model_free(m);
        return s;
    }
    *out = m;
    return VT_OK;
}
