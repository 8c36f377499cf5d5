/*
** ml/xgb.c - gradient-boosted regression trees through the XGBoost 1.7 C API (Debian
** libxgboost-dev); boosting itself is libxgboost's, never re-implemented here.
**   Main model: objective reg:squarederror, tree_method hist, base_score = mean of the training y,
**   the rest from vt_xgb_params. With the paper's settings it is python's
**   XGBRegressor(tree_method="hist", base_score=y.mean(), n_estimators=100, max_depth=4,
**   learning_rate=0.1, reg_alpha=0.8): tests/ml/oracle_xgb_python.sh compares the two.
**   Error bar (the paper's bootstrap): model b = 0..n_bootstrap-1 is fitted on n rows drawn with
**   replacement by vt_rng_derive(seed, b); sd = population standard deviation of their predictions.
**   JSON: the params and each booster in XGBoost's UBJSON model format, base64-encoded, with a
**   hash of its bytes (see fnv1a64).
**   Tests: tests/ml/test_xgb.c.
*/
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "xgb.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/rng.h"

struct vt_xgb {
    vt_xgb_params params;
    size_t n_features;
    size_t n_boosters;       /* 1 + params.n_bootstrap */
    BoosterHandle *boosters; /* [0] the main model, then the bootstrap models */
};

/* The paper's grid (vt_xgb_grid_search). */
static const int grid_rounds[] = {50, 100, 150};
static const double grid_eta[] = {0.01, 0.1, 0.5};
static const int grid_depth[] = {2, 4, 6};
#define GRID_N 3

vt_xgb_params vt_xgb_params_default(void)
{
    return (vt_xgb_params){.n_estimators = 100, .max_depth = 4, .eta = 0.1, .alpha = 0.8,
                           .lambda = 1.0, .subsample = 1.0, .colsample = 1.0,
                           .min_child_weight = 1.0, .n_bootstrap = 100, .seed = 0,
                           .n_threads = 0};
}

/* ---------------------------------------------------------------------------------------------
** libxgboost plumbing
*/

/* The first line of libxgboost's last error without its "[hh:mm:ss] " stamp: the other lines are
 * a stack trace, too long for vitrum's one-line message. */
static const char *xgb_last_error(int *len)
{
    const char *msg = XGBGetLastError();
    const char *end = msg[0] == '[' ? strstr(msg, "] ") : NULL;
    if (end) msg = end + 2;
    *len = (int)strcspn(msg, "\n");
    return msg;
}

/* Record a failed libxgboost call: call is the stringised call, named up to its '('. */
static vt_status xgb_error(const char *call)
{
    int len = 0;
    const char *msg = xgb_last_error(&len);
    return vt_err_set_(VT_EINTERNAL, "xgboost %.*s: %.*s", (int)strcspn(call, "("), call, len, msg);
}

/* Run a libxgboost call in a function with vt_status st and a cleanup label. */
#define XGB_CALL(call) do { if ((call) != 0) { st = xgb_error(#call); goto cleanup; } } while (0)

/* libxgboost prints warnings to stderr unless told otherwise, and vitrum never prints. Its global
 * configuration is per thread (dmlc ThreadLocalStore), so one call at start-up would not cover
 * other threads: every entry point sets it on the calling thread (cheap). */
static vt_status quiet(void)
{
    if (XGBSetGlobalConfig("{\"verbosity\":0}") != 0) return xgb_error("XGBSetGlobalConfig");
    return VT_OK;
}

/* Handles are freed on cleanup paths where nothing could be done about a failure; libxgboost's
 * free functions fail only for a NULL handle, which these never pass. */
static void free_booster(BoosterHandle b)
{
    if (b) (void)XGBoosterFree(b);
}

static void free_dmatrix(DMatrixHandle d)
{
    if (d) (void)XGDMatrixFree(d);
}

/* Shortest "%.*g" that reads back as x, as python's repr(): libxgboost parses parameters from
 * text straight to float32, so the same text as python's gives the same float bit for bit. */
static void format_double(char *buf, size_t size, double x)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

static vt_status set_param(BoosterHandle b, const char *key, const char *value)
{
    if (XGBoosterSetParam(b, key, value) != 0) return xgb_error("XGBoosterSetParam");
    return VT_OK;
}

static vt_status set_number(BoosterHandle b, const char *key, double x)
{
    char text[32];
    format_double(text, sizeof text, x);
    return set_param(b, key, text);
}

static vt_status configure(BoosterHandle b, const vt_xgb_params *p, double base_score)
{
    /* libxgboost's seed is an int64 and rejects larger text: pass the same 64 bits as signed. */
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRId64, (int64_t)p->seed);
    VT_TRY(set_param(b, "objective", "reg:squarederror"));
    VT_TRY(set_param(b, "tree_method", "hist"));
    VT_TRY(set_number(b, "base_score", base_score));
    VT_TRY(set_number(b, "max_depth", p->max_depth));
    VT_TRY(set_number(b, "eta", p->eta));
    VT_TRY(set_number(b, "alpha", p->alpha));
    VT_TRY(set_number(b, "lambda", p->lambda));
    VT_TRY(set_number(b, "subsample", p->subsample));
    VT_TRY(set_number(b, "colsample_bytree", p->colsample));
    VT_TRY(set_number(b, "min_child_weight", p->min_child_weight));
    VT_TRY(set_number(b, "nthread", p->n_threads));
    return set_param(b, "seed", seed);
}

/* A DMatrix of rows (NULL = 0..n_rows-1) of X in float32, the type libxgboost stores, and of y as
 * the label unless y is NULL. NaN in X is a missing value. */
static vt_status make_dmatrix(const double *X, const double *y, const size_t *rows, size_t n_rows,
                              size_t n_features, DMatrixHandle *out)
{
    *out = NULL;
    if (n_rows > SIZE_MAX / sizeof(float) / n_features)
        VT_FAIL(VT_ENOMEM, "xgb: %zu x %zu inputs do not fit in memory", n_rows, n_features);
    vt_status st = VT_OK;
    DMatrixHandle dm = NULL;
    float *xf = vt_malloc(n_rows * n_features * sizeof *xf);
    float *yf = y ? vt_malloc(n_rows * sizeof *yf) : NULL;
    if (!xf || (y && !yf)) {
        st = vt_err_set_(VT_ENOMEM, "xgb: out of memory for %zu x %zu inputs", n_rows, n_features);
        goto cleanup;
    }
    for (size_t i = 0; i < n_rows; i++) {
        size_t r = rows ? rows[i] : i;
        for (size_t j = 0; j < n_features; j++) {
            double v = X[r * n_features + j];
            if (!isnan(v) && !(fabs(v) <= FLT_MAX)) {
                st = vt_err_set_(VT_ERANGE, "xgb: input row %zu, feature %zu: %g is not a finite "
                                 "float32 (NaN marks a missing value)", r, j, v);
                goto cleanup;
            }
            xf[i * n_features + j] = (float)v;
        }
        if (yf) yf[i] = (float)y[r];
    }
    XGB_CALL(XGDMatrixCreateFromMat(xf, n_rows, n_features, NAN, &dm));
    if (yf) XGB_CALL(XGDMatrixSetFloatInfo(dm, "label", yf, n_rows));
    *out = dm;
    dm = NULL;
cleanup:
    free_dmatrix(dm);
    vt_free(xf);
    vt_free(yf);
    return st;
}

static double mean_of(const double *y, const size_t *rows, size_t n_rows)
{
    double sum = 0.0;
    for (size_t i = 0; i < n_rows; i++) sum += y[rows ? rows[i] : i];
    return sum / (double)n_rows;
}

/* One booster of p->n_estimators rounds on rows (NULL = all) of X, y; base_score = their mean y. */
static vt_status train_one(const double *X, const double *y, const size_t *rows, size_t n_rows,
                           size_t n_features, const vt_xgb_params *p, BoosterHandle *out)
{
    *out = NULL;
    BoosterHandle b = NULL;
    DMatrixHandle dm = NULL;
    vt_status st = make_dmatrix(X, y, rows, n_rows, n_features, &dm);
    if (st != VT_OK) return st;
    XGB_CALL(XGBoosterCreate(&dm, 1, &b));
    st = configure(b, p, mean_of(y, rows, n_rows));
    if (st != VT_OK) goto cleanup;
    for (int it = 0; it < p->n_estimators; it++) XGB_CALL(XGBoosterUpdateOneIter(b, it, dm));
    *out = b;
    b = NULL;
cleanup:
    free_booster(b);
    free_dmatrix(dm);
    return st;
}

/* Predictions of the first iteration_end rounds (0 = all) of b; *out is libxgboost's buffer, valid
 * until the next call on b. */
static vt_status predict_rounds(BoosterHandle b, DMatrixHandle dm, size_t n_rows, int iteration_end,
                                const float **out)
{
    char config[160];
    snprintf(config, sizeof config, "{\"type\":0,\"training\":false,\"iteration_begin\":0,"
             "\"iteration_end\":%d,\"strict_shape\":false}", iteration_end);
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    if (XGBoosterPredictFromDMatrix(b, dm, config, &shape, &dim, out) != 0)
        return xgb_error("XGBoosterPredictFromDMatrix");
    if (dim != 1 || shape[0] != n_rows)
        VT_FAIL(VT_EINTERNAL, "xgboost predicted a %" PRIu64 "-dimensional result for %zu rows",
                (uint64_t)dim, n_rows);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Fit, predict, importance
*/

/* Why p is unusable, or NULL. The negated comparisons also reject NaN. */
static const char *params_problem(const vt_xgb_params *p)
{
    if (p->n_estimators < 1) return "n_estimators must be >= 1";
    if (p->max_depth < 1) return "max_depth must be >= 1";
    if (!(p->eta > 0.0 && p->eta < INFINITY)) return "eta must be finite and > 0";
    if (!(p->alpha >= 0.0 && p->alpha < INFINITY)) return "alpha must be finite and >= 0";
    if (!(p->lambda >= 0.0 && p->lambda < INFINITY)) return "lambda must be finite and >= 0";
    if (!(p->subsample > 0.0 && p->subsample <= 1.0)) return "subsample must be in (0, 1]";
    if (!(p->colsample > 0.0 && p->colsample <= 1.0)) return "colsample must be in (0, 1]";
    if (!(p->min_child_weight >= 0.0 && p->min_child_weight < INFINITY))
        return "min_child_weight must be finite and >= 0";
    if (p->n_bootstrap < 0) return "n_bootstrap must be >= 0";
    if (p->n_threads < 0) return "n_threads must be >= 0";
    return NULL;
}

/* Common checks of fit and grid search: sizes, params, targets representable in float32. */
static vt_status check_training(const double *X, const double *y, size_t n_rows, size_t n_features,
                                const vt_xgb_params *p)
{
    if (!X || !y || !p) VT_FAIL(VT_EINVAL, "xgb: NULL inputs, targets or params");
    if (n_rows == 0 || n_features == 0)
        VT_FAIL(VT_EINVAL, "xgb: need at least one row and one feature, got %zu x %zu", n_rows,
                n_features);
    const char *problem = params_problem(p);
    if (problem) VT_FAIL(VT_EINVAL, "xgb: %s", problem);
    for (size_t i = 0; i < n_rows; i++)
        if (!(fabs(y[i]) <= FLT_MAX))
            VT_FAIL(VT_ERANGE, "xgb: target of row %zu is %g, not a finite float32", i, y[i]);
    return VT_OK;
}

static vt_status model_new(const vt_xgb_params *p, size_t n_features, vt_xgb **out)
{
    *out = NULL;
    vt_xgb *m = vt_calloc(1, sizeof *m);
    if (m) m->boosters = vt_calloc((size_t)p->n_bootstrap + 1, sizeof *m->boosters);
    if (!m || !m->boosters) {
        vt_free(m);
        VT_FAIL(VT_ENOMEM, "xgb: out of memory for %d bootstrap models", p->n_bootstrap);
    }
    m->params = *p;
    m->n_features = n_features;
    m->n_boosters = (size_t)p->n_bootstrap + 1;
    *out = m;
    return VT_OK;
}

void vt_xgb_free(vt_xgb *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_boosters; i++) free_booster(m->boosters[i]);
    vt_free(m->boosters);
    vt_free(m);
}

/* Bootstrap models 1..n_boosters-1: model 1 + b on rows drawn by vt_rng_derive(seed, b). */
static vt_status fit_bootstrap(vt_xgb *m, const double *X, const double *y, size_t n_rows)
{
    size_t *rows = vt_malloc(n_rows * sizeof *rows);
    if (!rows) VT_FAIL(VT_ENOMEM, "xgb: out of memory for %zu bootstrap rows", n_rows);
    vt_status st = VT_OK;
    for (size_t b = 0; b + 1 < m->n_boosters && st == VT_OK; b++) {
        vt_rng rng;
        vt_rng_seed(&rng, vt_rng_derive(m->params.seed, b));
        for (size_t i = 0; i < n_rows; i++) rows[i] = vt_rng_below(&rng, n_rows);
        st = train_one(X, y, rows, n_rows, m->n_features, &m->params, &m->boosters[b + 1]);
    }
    vt_free(rows);
    return st;
}

vt_status vt_xgb_fit(const double *X, const double *y, size_t n_rows, size_t n_features,
                     const vt_xgb_params *p, vt_xgb **out)
{
    *out = NULL;
    VT_TRY(check_training(X, y, n_rows, n_features, p));
    VT_TRY(quiet());
    vt_xgb *m = NULL;
    VT_TRY(model_new(p, n_features, &m));
    vt_status st = train_one(X, y, NULL, n_rows, n_features, p, &m->boosters[0]);
    if (st == VT_OK) st = fit_bootstrap(m, X, y, n_rows);
    if (st != VT_OK) {
        vt_xgb_free(m);
        return st;
    }
    *out = m;
    return VT_OK;
}

/* sd[i] = population standard deviation of the bootstrap models' predictions (Welford's update:
 * one pass, no catastrophic cancellation). */
static vt_status predict_sd(const vt_xgb *m, DMatrixHandle dm, size_t n_rows, double *sd)
{
    double *mean = vt_calloc(n_rows, sizeof *mean);
    if (!mean) VT_FAIL(VT_ENOMEM, "xgb: out of memory for %zu predictions", n_rows);
    for (size_t i = 0; i < n_rows; i++) sd[i] = 0.0; /* holds the sum of squared deviations */
    vt_status st = VT_OK;
    for (size_t b = 1; b < m->n_boosters && st == VT_OK; b++) {
        const float *res = NULL;
        st = predict_rounds(m->boosters[b], dm, n_rows, 0, &res);
        for (size_t i = 0; st == VT_OK && i < n_rows; i++) {
            double delta = res[i] - mean[i];
            mean[i] += delta / (double)b;
            sd[i] += delta * (res[i] - mean[i]);
        }
    }
    double n_boot = (double)(m->n_boosters - 1);
    for (size_t i = 0; i < n_rows; i++) sd[i] = st == VT_OK ? sqrt(sd[i] / n_boot) : NAN;
    vt_free(mean);
    return st;
}

vt_status vt_xgb_predict(const vt_xgb *m, const double *X, size_t n_rows, double *pred, double *sd)
{
    if (!m || !X || !pred) VT_FAIL(VT_EINVAL, "xgb predict: NULL model, inputs or output");
    if (n_rows == 0) return VT_OK;
    VT_TRY(quiet());
    DMatrixHandle dm = NULL;
    const float *res = NULL;
    vt_status st = make_dmatrix(X, NULL, NULL, n_rows, m->n_features, &dm);
    if (st != VT_OK) return st;
    st = predict_rounds(m->boosters[0], dm, n_rows, 0, &res);
    if (st != VT_OK) goto cleanup;
    for (size_t i = 0; i < n_rows; i++) pred[i] = res[i];
    if (sd && m->n_boosters == 1)
        for (size_t i = 0; i < n_rows; i++) sd[i] = NAN;
    else if (sd)
        st = predict_sd(m, dm, n_rows, sd);
cleanup:
    free_dmatrix(dm);
    return st;
}

/* Feature index from libxgboost's default feature name "f<index>" (vitrum never names them). */
static vt_status feature_index(const char *name, size_t n_features, size_t *j)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = name[0] == 'f' ? strtoull(name + 1, &end, 10) : ULLONG_MAX;
    if (!end || end == name + 1 || *end != '\0' || errno != 0 || v >= n_features)
        VT_FAIL(VT_EINTERNAL, "xgboost scored an unexpected feature '%s' (%zu features)", name,
                n_features);
    *j = (size_t)v;
    return VT_OK;
}

vt_status vt_xgb_importance(const vt_xgb *m, double *importance)
{
    if (!m || !importance) VT_FAIL(VT_EINVAL, "xgb importance: NULL model or output");
    VT_TRY(quiet());
    bst_ulong n_scored = 0, dim = 0;
    const char **names = NULL;
    const bst_ulong *shape = NULL;
    const float *scores = NULL;
    if (XGBoosterFeatureScore(m->boosters[0], "{\"importance_type\":\"total_gain\"}", &n_scored,
                              &names, &dim, &shape, &scores) != 0)
        return xgb_error("XGBoosterFeatureScore");
    if (dim != 1 || shape[0] != n_scored)
        VT_FAIL(VT_EINTERNAL, "xgboost returned feature scores of an unexpected shape");
    for (size_t j = 0; j < m->n_features; j++) importance[j] = 0.0;
    /* Only features used in some split are listed. */
    double total = 0.0;
    for (bst_ulong i = 0; i < n_scored; i++) {
        size_t j = 0;
        VT_TRY(feature_index(names[i], m->n_features, &j));
        importance[j] += scores[i];
        total += scores[i];
    }
    /* A model without any split has no gain to share out: all zeros rather than 0/0. */
    if (total > 0.0)
        for (size_t j = 0; j < m->n_features; j++) importance[j] /= total;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** JSON: {"params": {...}, "boosters": ["<base64 UBJSON>", ...], "booster_fnv1a64": ["<hex>", ...]}
** with the main model first.
*/

/* Adds o.params; 0 when out of memory. */
static int add_params(cJSON *o, const vt_xgb_params *p)
{
    /* The seed is text: a JSON number is a double and cannot hold every uint64. */
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, p->seed);
    cJSON *q = cJSON_AddObjectToObject(o, "params");
    return q && cJSON_AddNumberToObject(q, "n_estimators", p->n_estimators)
           && cJSON_AddNumberToObject(q, "max_depth", p->max_depth)
           && cJSON_AddNumberToObject(q, "eta", p->eta)
           && cJSON_AddNumberToObject(q, "alpha", p->alpha)
           && cJSON_AddNumberToObject(q, "lambda", p->lambda)
           && cJSON_AddNumberToObject(q, "subsample", p->subsample)
           && cJSON_AddNumberToObject(q, "colsample", p->colsample)
           && cJSON_AddNumberToObject(q, "min_child_weight", p->min_child_weight)
           && cJSON_AddNumberToObject(q, "n_bootstrap", p->n_bootstrap)
           && cJSON_AddStringToObject(q, "seed", seed)
           && cJSON_AddNumberToObject(q, "n_threads", p->n_threads);
}

/* 64-bit FNV-1a of a booster's bytes, stored beside them. libxgboost 1.7 trusts model bytes: one
 * random byte changed in a saved booster made about one load-and-predict in eight crash or hang
 * (and a truncated booster made it read past its buffer), where vitrum must fail with VT_EPARSE.
 * The hash catches such damage before libxgboost sees it. It is no defence against a file forged
 * on purpose, hash and all: model files are trusted input. Hand-written: a loop, and no library in
 * our dependency set offers a checksum. */
static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* Append booster b as base64 of its UBJSON model to boosters, its hash (16 hex digits) to sums. */
static vt_status add_booster(BoosterHandle b, cJSON *boosters, cJSON *sums)
{
    bst_ulong len = 0;
    const char *raw = NULL;
    if (XGBoosterSaveModelToBuffer(b, "{\"format\":\"ubj\"}", &len, &raw) != 0)
        return xgb_error("XGBoosterSaveModelToBuffer");
    char hash[17];
    snprintf(hash, sizeof hash, "%016" PRIx64, fnv1a64((const unsigned char *)raw, (size_t)len));
    char *text = vt_base64_encode((const unsigned char *)raw, (size_t)len);
    cJSON *s = text ? cJSON_CreateString(text) : NULL;
    cJSON *h = s ? cJSON_CreateString(hash) : NULL;
    vt_free(text);
    if (!h) {
        cJSON_Delete(s);
        VT_FAIL(VT_ENOMEM, "xgb: out of memory encoding a %" PRIu64 "-byte booster", (uint64_t)len);
    }
    cJSON_AddItemToArray(boosters, s);
    cJSON_AddItemToArray(sums, h);
    return VT_OK;
}

cJSON *vt_xgb_to_json(const vt_xgb *m)
{
    if (!m) {
        vt_err_set_(VT_EINVAL, "xgb to_json: NULL model");
        return NULL;
    }
    if (quiet() != VT_OK) return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *boosters = o && add_params(o, &m->params) ? cJSON_AddArrayToObject(o, "boosters") : NULL;
    cJSON *sums = boosters ? cJSON_AddArrayToObject(o, "booster_fnv1a64") : NULL;
    vt_status st = sums ? VT_OK : vt_err_set_(VT_ENOMEM, "xgb: out of memory building JSON");
    for (size_t i = 0; i < m->n_boosters && st == VT_OK; i++)
        st = add_booster(m->boosters[i], boosters, sums);
    if (st != VT_OK) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Every key of o must be in known (NULL-terminated): a misspelt key is an error, not ignored. */
static vt_status check_keys(const cJSON *o, const char *const *known, const char *where)
{
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, o) {
        size_t k = 0;
        while (known[k] && strcmp(known[k], item->string) != 0) k++;
        if (!known[k]) VT_FAIL(VT_EPARSE, "xgb model: %s: unknown key '%s'", where, item->string);
    }
    return VT_OK;
}

static vt_status json_double(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) VT_FAIL(VT_EPARSE, "xgb model: params.%s: missing", key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        VT_FAIL(VT_EPARSE, "xgb model: params.%s: expected a finite number", key);
    *out = v->valuedouble;
    return VT_OK;
}

static vt_status json_int(const cJSON *o, const char *key, int *out)
{
    double d = 0.0;
    VT_TRY(json_double(o, key, &d));
    if (!(d >= INT_MIN && d <= INT_MAX) || d != floor(d))
        VT_FAIL(VT_EPARSE, "xgb model: params.%s: expected an integer, got %g", key, d);
    *out = (int)d;
    return VT_OK;
}

static vt_status json_seed(const cJSON *o, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "seed");
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    char *end = NULL;
    errno = 0;
    unsigned long long seed = s && s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
    if (!end || *end != '\0' || errno != 0)
        VT_FAIL(VT_EPARSE, "xgb model: params.seed: expected a string of decimal digits < 2^64");
    *out = (uint64_t)seed;
    return VT_OK;
}

static vt_status params_from_json(const cJSON *o, vt_xgb_params *p)
{
    static const char *const known[] = {"n_estimators", "max_depth", "eta", "alpha", "lambda",
                                        "subsample", "colsample", "min_child_weight",
                                        "n_bootstrap", "seed", "n_threads", NULL};
    if (!cJSON_IsObject(o)) VT_FAIL(VT_EPARSE, "xgb model: params: missing or not an object");
    VT_TRY(check_keys(o, known, "params"));
    VT_TRY(json_int(o, "n_estimators", &p->n_estimators));
    VT_TRY(json_int(o, "max_depth", &p->max_depth));
    VT_TRY(json_double(o, "eta", &p->eta));
    VT_TRY(json_double(o, "alpha", &p->alpha));
    VT_TRY(json_double(o, "lambda", &p->lambda));
    VT_TRY(json_double(o, "subsample", &p->subsample));
    VT_TRY(json_double(o, "colsample", &p->colsample));
    VT_TRY(json_double(o, "min_child_weight", &p->min_child_weight));
    VT_TRY(json_int(o, "n_bootstrap", &p->n_bootstrap));
    VT_TRY(json_seed(o, &p->seed));
    VT_TRY(json_int(o, "n_threads", &p->n_threads));
    const char *problem = params_problem(p);
    if (problem) VT_FAIL(VT_EPARSE, "xgb model: params: %s", problem);
    return VT_OK;
}

/* Decode boosters[i] and check it against its hash; a decoding error keeps its text behind the
 * position in the model. */
static vt_status decode_booster(const cJSON *item, const cJSON *sum, size_t i, unsigned char **raw,
                                size_t *n_raw)
{
    if (!cJSON_IsString(item))
        VT_FAIL(VT_EPARSE, "xgb model: boosters[%zu]: expected a base64 string", i);
    const char *hex = cJSON_IsString(sum) ? sum->valuestring : "";
    if (strlen(hex) != 16 || strspn(hex, "0123456789abcdef") != 16)
        VT_FAIL(VT_EPARSE, "xgb model: booster_fnv1a64[%zu]: expected 16 lowercase hex digits", i);
    vt_status st = vt_base64_decode(item->valuestring, raw, n_raw);
    if (st != VT_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", vt_errmsg());
        VT_FAIL(st, "xgb model: boosters[%zu]: %s", i, why);
    }
    if (*n_raw == 0) VT_FAIL(VT_EPARSE, "xgb model: boosters[%zu]: empty", i);
    if (fnv1a64(*raw, *n_raw) != strtoull(hex, NULL, 16))
        VT_FAIL(VT_EPARSE, "xgb model: boosters[%zu]: does not match its hash (damaged or "
                "truncated)", i);
    return VT_OK;
}

static vt_status load_booster(const cJSON *item, const cJSON *sum, size_t i, size_t n_features,
                              int n_threads, BoosterHandle *out)
{
    *out = NULL;
    unsigned char *raw = NULL;
    size_t n_raw = 0;
    bst_ulong n_model_features = 0;
    BoosterHandle b = NULL;
    vt_status st = decode_booster(item, sum, i, &raw, &n_raw);
    if (st != VT_OK) goto cleanup; /* raw may hold a decoding that failed a later check */
    XGB_CALL(XGBoosterCreate(NULL, 0, &b));
    if (XGBoosterLoadModelFromBuffer(b, raw, n_raw) != 0) {
        int len = 0;
        const char *msg = xgb_last_error(&len);
        st = vt_err_set_(VT_EPARSE, "xgb model: boosters[%zu]: not an XGBoost model: %.*s", i, len,
                         msg);
        goto cleanup;
    }
    XGB_CALL(XGBoosterGetNumFeature(b, &n_model_features));
    if (n_model_features != n_features) {
        st = vt_err_set_(VT_EPARSE, "xgb model: boosters[%zu]: has %" PRIu64 " features, expected "
                         "%zu", i, (uint64_t)n_model_features, n_features);
        goto cleanup;
    }
    /* The UBJSON model holds no training configuration; the thread count is not the model's. */
    st = set_number(b, "nthread", n_threads);
    if (st != VT_OK) goto cleanup;
    *out = b;
    b = NULL;
cleanup:
    free_booster(b);
    vt_free(raw);
    return st;
}

vt_status vt_xgb_from_json(const cJSON *obj, size_t n_features, vt_xgb **out)
{
    static const char *const known[] = {"params", "boosters", "booster_fnv1a64", NULL};
    *out = NULL;
    if (!cJSON_IsObject(obj)) VT_FAIL(VT_EPARSE, "xgb model: expected a JSON object");
    VT_TRY(check_keys(obj, known, "model"));
    vt_xgb_params p;
    VT_TRY(params_from_json(cJSON_GetObjectItemCaseSensitive(obj, "params"), &p));
    const cJSON *boosters = cJSON_GetObjectItemCaseSensitive(obj, "boosters");
    const cJSON *sums = cJSON_GetObjectItemCaseSensitive(obj, "booster_fnv1a64");
    if (!cJSON_IsArray(boosters) || !cJSON_IsArray(sums))
        VT_FAIL(VT_EPARSE, "xgb model: boosters and booster_fnv1a64: missing or not arrays");
    int n = cJSON_GetArraySize(boosters);
    if (n - 1 != p.n_bootstrap || cJSON_GetArraySize(sums) != n)
        VT_FAIL(VT_EPARSE, "xgb model: %d boosters and %d hashes, expected 1 + n_bootstrap (%d) "
                "of each", n, cJSON_GetArraySize(sums), p.n_bootstrap);
    VT_TRY(quiet());
    vt_xgb *m = NULL;
    VT_TRY(model_new(&p, n_features, &m));
    vt_status st = VT_OK;
    size_t i = 0;
    const cJSON *item = NULL, *sum = sums->child;
    cJSON_ArrayForEach(item, boosters) {
        st = load_booster(item, sum, i, n_features, p.n_threads, &m->boosters[i]);
        if (st != VT_OK) break;
        sum = sum->next;
        i++;
    }
    if (st != VT_OK) {
        vt_xgb_free(m);
        return st;
    }
    *out = m;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Grid search
*/

/* Fold assignment valid, k >= 2 and every fold non-empty (so every training set is too). */
static vt_status check_folds(const int *fold_of_row, size_t n_rows, int k)
{
    if (!fold_of_row || k < 2) VT_FAIL(VT_EINVAL, "xgb grid search: need k >= 2 folds, got %d", k);
    size_t *count = vt_calloc((size_t)k, sizeof *count);
    if (!count) VT_FAIL(VT_ENOMEM, "xgb grid search: out of memory for %d folds", k);
    vt_status st = VT_OK;
    for (size_t i = 0; i < n_rows && st == VT_OK; i++) {
        if (fold_of_row[i] < 0 || fold_of_row[i] >= k)
            st = vt_err_set_(VT_EINVAL, "xgb grid search: row %zu is in fold %d, outside 0..%d", i,
                             fold_of_row[i], k - 1);
        else
            count[fold_of_row[i]]++;
    }
    for (int f = 0; f < k && st == VT_OK; f++)
        if (count[f] == 0) st = vt_err_set_(VT_EINVAL, "xgb grid search: fold %d is empty", f);
    vt_free(count);
    return st;
}

/* Fold f's RMSE for every entry of grid_rounds, added to rmse_sum. Boosting is sequential, so the
 * first r rounds of a 150-round model are exactly the r-round model: one fit serves all three. */
static vt_status score_fold(const double *X, const double *y, size_t n_rows, size_t n_features,
                            const int *fold_of_row, int f, const vt_xgb_params *q, size_t *rows,
                            double rmse_sum[GRID_N])
{
    size_t n_train = 0, n_test = 0;
    for (size_t i = 0; i < n_rows; i++)
        if (fold_of_row[i] != f) rows[n_train++] = i;
    size_t *test = rows + n_train;
    for (size_t i = 0; i < n_rows; i++)
        if (fold_of_row[i] == f) test[n_test++] = i;
    BoosterHandle b = NULL;
    DMatrixHandle dm = NULL;
    vt_status st = train_one(X, y, rows, n_train, n_features, q, &b);
    if (st == VT_OK) st = make_dmatrix(X, NULL, test, n_test, n_features, &dm);
    for (int r = 0; r < GRID_N && st == VT_OK; r++) {
        const float *res = NULL;
        st = predict_rounds(b, dm, n_test, grid_rounds[r], &res);
        if (st != VT_OK) break;
        double sse = 0.0;
        for (size_t i = 0; i < n_test; i++) sse += (res[i] - y[test[i]]) * (res[i] - y[test[i]]);
        rmse_sum[r] += sqrt(sse / (double)n_test);
    }
    free_dmatrix(dm);
    free_booster(b);
    return st;
}

/* Mean fold RMSE of every grid point, mean_rmse[rounds][eta][depth]. */
static vt_status score_grid(const double *X, const double *y, size_t n_rows, size_t n_features,
                            const int *fold_of_row, int k, const vt_xgb_params *base,
                            double mean_rmse[GRID_N][GRID_N][GRID_N])
{
    size_t *rows = vt_malloc(n_rows * sizeof *rows);
    if (!rows) VT_FAIL(VT_ENOMEM, "xgb grid search: out of memory for %zu rows", n_rows);
    vt_status st = VT_OK;
    vt_xgb_params q = *base;
    q.n_estimators = grid_rounds[GRID_N - 1];
    q.n_bootstrap = 0;
    for (int e = 0; e < GRID_N && st == VT_OK; e++) {
        for (int d = 0; d < GRID_N && st == VT_OK; d++) {
            q.eta = grid_eta[e];
            q.max_depth = grid_depth[d];
            double rmse_sum[GRID_N] = {0.0, 0.0, 0.0};
            for (int f = 0; f < k && st == VT_OK; f++)
                st = score_fold(X, y, n_rows, n_features, fold_of_row, f, &q, rows, rmse_sum);
            for (int r = 0; r < GRID_N; r++) mean_rmse[r][e][d] = rmse_sum[r] / k;
        }
    }
    vt_free(rows);
    return st;
}

vt_status vt_xgb_grid_search(const double *X, const double *y, size_t n_rows, size_t n_features,
                             const int *fold_of_row, int k, const vt_xgb_params *base,
                             vt_xgb_params *best, double *best_rmse)
{
    if (!best || !best_rmse) VT_FAIL(VT_EINVAL, "xgb grid search: NULL output");
    VT_TRY(check_training(X, y, n_rows, n_features, base));
    VT_TRY(check_folds(fold_of_row, n_rows, k));
    VT_TRY(quiet());
    double mean_rmse[GRID_N][GRID_N][GRID_N];
    VT_TRY(score_grid(X, y, n_rows, n_features, fold_of_row, k, base, mean_rmse));
    /* Lowest mean RMSE; a tie goes to the earlier point in (n_estimators, eta, max_depth) order. */
    int br = 0, be = 0, bd = 0;
    for (int r = 0; r < GRID_N; r++)
        for (int e = 0; e < GRID_N; e++)
            for (int d = 0; d < GRID_N; d++)
                if (mean_rmse[r][e][d] < mean_rmse[br][be][bd]) br = r, be = e, bd = d;
    *best = *base;
    best->n_estimators = grid_rounds[br];
    best->eta = grid_eta[be];
    best->max_depth = grid_depth[bd];
    *best_rmse = mean_rmse[br][be][bd];
    return VT_OK;
}
