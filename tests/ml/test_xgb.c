/* test_xgb.c - the XGBoost wrapper: learns a step exactly, is reproducible from its seed, survives
** a JSON round trip bit for bit, gives a finite positive bootstrap spread, rejects malformed model
** JSON with VT_EPARSE, and its grid search scores what a direct cross-validation scores.
** The python oracle comparison is tests/ml/oracle_xgb_python.sh. */
#include <string.h>

#include "core/base64.h"
#include "core/rng.h"
#include "ml/xgb.h"
#include "test.h"

#define N_ROWS 200
#define N_FEAT 3

/* x0 uniform in [0, 1) decides y; x1, x2 are uniform distractors. noise = 0: an exact step. */
static void make_data(double *X, double *y, size_t n, double noise, uint64_t seed)
{
    vt_rng r;
    vt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < N_FEAT; j++) X[i * N_FEAT + j] = vt_rng_uniform(&r);
        y[i] = (X[i * N_FEAT] > 0.5 ? 2.0 : 1.0) + noise * (vt_rng_uniform(&r) - 0.5);
    }
}

static vt_xgb_params params(int n_bootstrap, uint64_t seed)
{
    vt_xgb_params p = vt_xgb_params_default();
    p.n_bootstrap = n_bootstrap;
    p.seed = seed;
    p.n_threads = 1;
    return p;
}

static double rmse(const double *a, const double *b, size_t n)
{
    double sse = 0.0;
    for (size_t i = 0; i < n; i++) sse += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(sse / (double)n);
}

static void test_step(void)
{
    static double X[N_ROWS * N_FEAT], y[N_ROWS], pred[N_ROWS];
    make_data(X, y, N_ROWS, 0.0, 1);
    vt_xgb_params p = params(0, 0);
    /* No L1 term: with reg_alpha a leaf stops moving once |sum of residuals| < alpha, leaving a
     * residual of ~alpha / n_leaf; without it the error shrinks by (1 - eta) per round. */
    p.alpha = 0.0;
    vt_xgb *m = NULL;
    CHECK(vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, &m) == VT_OK);
    if (!m) return;
    CHECK(vt_xgb_predict(m, X, N_ROWS, pred, NULL) == VT_OK);
    double train_rmse = rmse(pred, y, N_ROWS);
    CHECK(train_rmse < 1e-3);
    printf("step: training RMSE %.3g\n", train_rmse);
    double probe[2 * N_FEAT] = {0.25, 0.5, 0.5, 0.75, 0.5, 0.5}, out[2];
    CHECK(vt_xgb_predict(m, probe, 2, out, NULL) == VT_OK);
    CHECK_REL(out[0], 1.0, 1e-3);
    CHECK_REL(out[1], 2.0, 1e-3);
    double imp[N_FEAT];
    CHECK(vt_xgb_importance(m, imp) == VT_OK);
    CHECK_REL(imp[0] + imp[1] + imp[2], 1.0, 1e-12);
    CHECK(imp[0] > 0.99);
    vt_xgb_free(m);
}

/* Fit on noisy data and predict it: pred and sd. */
static int fit_predict(const vt_xgb_params *p, double *pred, double *sd)
{
    static double X[N_ROWS * N_FEAT], y[N_ROWS];
    make_data(X, y, N_ROWS, 0.5, 2);
    vt_xgb *m = NULL;
    vt_status st = vt_xgb_fit(X, y, N_ROWS, N_FEAT, p, &m);
    if (st == VT_OK) st = vt_xgb_predict(m, X, N_ROWS, pred, sd);
    vt_xgb_free(m);
    return st == VT_OK;
}

static void test_seed_and_sigma(void)
{
    static double pred1[N_ROWS], sd1[N_ROWS], pred2[N_ROWS], sd2[N_ROWS];
    vt_xgb_params p = params(10, 7);
    CHECK(fit_predict(&p, pred1, sd1));
    CHECK(fit_predict(&p, pred2, sd2));
    CHECK(memcmp(pred1, pred2, sizeof pred1) == 0);
    CHECK(memcmp(sd1, sd2, sizeof sd1) == 0);
    int sd_ok = 1;
    double sd_mean = 0.0;
    for (size_t i = 0; i < N_ROWS; i++) {
        sd_ok &= isfinite(sd1[i]) && sd1[i] > 0.0;
        sd_mean += sd1[i] / N_ROWS;
    }
    CHECK(sd_ok);
    /* Noise of sd 0.5 / sqrt(12) = 0.14 on ~100 rows per side: the spread is a few hundredths. */
    CHECK(sd_mean > 0.005 && sd_mean < 0.2);
    printf("bootstrap: mean sd %.4f over %d rows\n", sd_mean, N_ROWS);

    /* Another seed draws other resamples (the main model, without subsampling, stays). */
    p.seed = 8;
    CHECK(fit_predict(&p, pred2, sd2));
    CHECK(memcmp(pred1, pred2, sizeof pred1) == 0);
    CHECK(memcmp(sd1, sd2, sizeof sd1) != 0);

    p.n_bootstrap = 0;
    CHECK(fit_predict(&p, pred2, sd2));
    CHECK(isnan(sd2[0]) && isnan(sd2[N_ROWS - 1]));
}

static void test_bad_params(void)
{
    static double X[N_ROWS * N_FEAT], y[N_ROWS];
    make_data(X, y, N_ROWS, 0.0, 1);
    vt_xgb *m = (vt_xgb *)&m;
    vt_xgb_params p = params(0, 0);
    p.eta = NAN;
    CHECK(vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, &m) == VT_EINVAL && m == NULL);
    p = params(0, 0);
    p.subsample = 1.5;
    CHECK(vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, &m) == VT_EINVAL);
    p = params(0, 0);
    y[3] = INFINITY;
    CHECK(vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, &m) == VT_ERANGE);
    y[3] = 1.0;
    X[5] = 1e300; /* finite, but not a float32 */
    CHECK(vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, &m) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "row 1, feature 2") != NULL);
}

/* A fitted model with one bootstrap model, and its JSON text. */
static char *model_json(vt_xgb **m, double *X)
{
    static double y[N_ROWS];
    make_data(X, y, N_ROWS, 0.5, 3);
    vt_xgb_params p = params(2, 11);
    p.seed = UINT64_MAX; /* the largest seed must survive the text round trip */
    *m = NULL;
    if (vt_xgb_fit(X, y, N_ROWS, N_FEAT, &p, m) != VT_OK) return NULL;
    cJSON *j = vt_xgb_to_json(*m);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return text;
}

static void test_json_round_trip(void)
{
    static double X[N_ROWS * N_FEAT], pred1[N_ROWS], sd1[N_ROWS], pred2[N_ROWS], sd2[N_ROWS];
    vt_xgb *m = NULL, *m2 = NULL;
    char *text = model_json(&m, X);
    CHECK(text != NULL);
    if (!text) return;
    cJSON *j = cJSON_Parse(text);
    CHECK(vt_xgb_from_json(j, N_FEAT, &m2) == VT_OK);
    CHECK(m2 != NULL);
    if (m2) {
        CHECK(vt_xgb_predict(m, X, N_ROWS, pred1, sd1) == VT_OK);
        CHECK(vt_xgb_predict(m2, X, N_ROWS, pred2, sd2) == VT_OK);
        CHECK(memcmp(pred1, pred2, sizeof pred1) == 0);
        CHECK(memcmp(sd1, sd2, sizeof sd1) == 0);
        double imp1[N_FEAT], imp2[N_FEAT];
        CHECK(vt_xgb_importance(m, imp1) == VT_OK && vt_xgb_importance(m2, imp2) == VT_OK);
        CHECK(memcmp(imp1, imp2, sizeof imp1) == 0);
        /* Saving the loaded model gives the same text again. */
        cJSON *j2 = vt_xgb_to_json(m2);
        char *text2 = j2 ? cJSON_PrintUnformatted(j2) : NULL;
        CHECK(text2 && strcmp(text, text2) == 0);
        cJSON_free(text2);
        cJSON_Delete(j2);
    }
    cJSON_Delete(j);
    cJSON_free(text);
    vt_xgb_free(m);
    vt_xgb_free(m2);
}

/* Parse text, apply edit, and expect vt_xgb_from_json to reject it with VT_EPARSE. */
static void expect_rejected(const char *text, size_t n_features, void (*edit)(cJSON *),
                            const char *what)
{
    cJSON *j = cJSON_Parse(text);
    if (edit) edit(j);
    vt_xgb *m = (vt_xgb *)&m;
    vt_status st = vt_xgb_from_json(j, n_features, &m);
    CHECK(st == VT_EPARSE && m == NULL);
    if (st == VT_EPARSE) printf("rejected %-22s %s\n", what, vt_errmsg());
    else fprintf(stderr, "%s: got %s\n", what, vt_status_name(st));
    if (st == VT_OK) vt_xgb_free(m);
    cJSON_Delete(j);
}

static cJSON *params_of(cJSON *j) { return cJSON_GetObjectItemCaseSensitive(j, "params"); }
static cJSON *booster0(cJSON *j)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "boosters"), 0);
}
static cJSON *hash0(cJSON *j)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "booster_fnv1a64"), 0);
}
static void set_booster0(cJSON *j, const char *s) { cJSON_SetValuestring(booster0(j), s); }

/* Replace booster 0 by these bytes and their hash (64-bit FNV-1a, written out again here), so
 * that they reach libxgboost. */
static void forge_booster0(cJSON *j, const unsigned char *raw, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ raw[i]) * 0x100000001b3ULL;
    char hex[17], *text = vt_base64_encode(raw, n);
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    if (text) set_booster0(j, text);
    cJSON_SetValuestring(hash0(j), hex);
    vt_free(text);
}

static void bad_char(cJSON *j)
{
    char *s = strdup(booster0(j)->valuestring);
    s[10] = '!';
    set_booster0(j, s);
    free(s);
}
static void truncated(cJSON *j) /* valid base64, half a model */
{
    char *s = strdup(booster0(j)->valuestring);
    s[strlen(s) / 8 * 4] = '\0';
    set_booster0(j, s);
    free(s);
}
static void not_a_model(cJSON *j) /* libxgboost's legacy binary reader refuses it */
{
    forge_booster0(j, (const unsigned char *)"hello world", 11);
}
static void json_not_a_model(cJSON *j) /* UBJSON {"a": null}: libxgboost finds no learner */
{
    static const unsigned char ubj[] = {'{', 'L', 0, 0, 0, 0, 0, 0, 0, 1, 'a', 'Z', '}'};
    forge_booster0(j, ubj, sizeof ubj);
}
static void hash_changed(cJSON *j) { cJSON_SetValuestring(hash0(j), "0123456789abcdef"); }
static void hash_upper(cJSON *j)
{
    char *s = strdup(hash0(j)->valuestring);
    for (char *c = s; *c; c++)
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    cJSON_SetValuestring(hash0(j), s);
    free(s);
}
static void no_hashes(cJSON *j) { cJSON_DeleteItemFromObject(j, "booster_fnv1a64"); }
static void one_hash_short(cJSON *j)
{
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(j, "booster_fnv1a64"), 1);
}
static void empty_model(cJSON *j) { set_booster0(j, ""); }
static void booster_number(cJSON *j)
{
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(j, "boosters"), 0,
                             cJSON_CreateNumber(1));
}
static void no_params(cJSON *j) { cJSON_DeleteItemFromObject(j, "params"); }
static void no_boosters(cJSON *j) { cJSON_DeleteItemFromObject(j, "boosters"); }
static void no_eta(cJSON *j) { cJSON_DeleteItemFromObject(params_of(j), "eta"); }
static void depth_text(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "max_depth", cJSON_CreateString("4"));
}
static void depth_fraction(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "max_depth", cJSON_CreateNumber(4.5));
}
static void seed_negative(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "seed", cJSON_CreateString("-1"));
}
static void seed_too_big(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "seed", cJSON_CreateString("18446744073709551616"));
}
static void eta_zero(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "eta", cJSON_CreateNumber(0));
}
static void unknown_key(cJSON *j) { cJSON_AddNumberToObject(params_of(j), "etaa", 0.1); }
static void extra_booster(cJSON *j)
{
    cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "boosters");
    cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "booster_fnv1a64");
    cJSON_AddItemToArray(b, cJSON_Duplicate(cJSON_GetArrayItem(b, 0), 1));
    cJSON_AddItemToArray(h, cJSON_Duplicate(cJSON_GetArrayItem(h, 0), 1));
}
static void n_bootstrap_huge(cJSON *j)
{
    cJSON_ReplaceItemInObject(params_of(j), "n_bootstrap", cJSON_CreateNumber(2147483647.0));
}
static void top_is_array(cJSON *j)
{
    cJSON *b = cJSON_DetachItemFromObject(j, "boosters");
    cJSON_Delete(b);
    cJSON_DeleteItemFromObject(j, "params");
    cJSON_AddItemToObject(j, "params", cJSON_CreateArray());
}

static void test_malformed_json(void)
{
    static double X[N_ROWS * N_FEAT];
    vt_xgb *m = NULL;
    char *text = model_json(&m, X);
    vt_xgb_free(m);
    CHECK(text != NULL);
    if (!text) return;
    expect_rejected(text, N_FEAT + 1, NULL, "wrong n_features");
    expect_rejected(text, N_FEAT - 1, NULL, "wrong n_features");
    expect_rejected(text, N_FEAT, bad_char, "bad base64");
    expect_rejected(text, N_FEAT, truncated, "truncated model");
    expect_rejected(text, N_FEAT, not_a_model, "not a model");
    expect_rejected(text, N_FEAT, json_not_a_model, "UBJSON, not a model");
    expect_rejected(text, N_FEAT, hash_changed, "other hash");
    expect_rejected(text, N_FEAT, hash_upper, "hash in upper case");
    expect_rejected(text, N_FEAT, no_hashes, "missing hashes");
    expect_rejected(text, N_FEAT, one_hash_short, "one hash short");
    expect_rejected(text, N_FEAT, empty_model, "empty model");
    expect_rejected(text, N_FEAT, booster_number, "booster not a string");
    expect_rejected(text, N_FEAT, no_params, "missing params");
    expect_rejected(text, N_FEAT, no_boosters, "missing boosters");
    expect_rejected(text, N_FEAT, no_eta, "missing params.eta");
    expect_rejected(text, N_FEAT, depth_text, "max_depth a string");
    expect_rejected(text, N_FEAT, depth_fraction, "max_depth 4.5");
    expect_rejected(text, N_FEAT, seed_negative, "seed -1");
    expect_rejected(text, N_FEAT, seed_too_big, "seed 2^64");
    expect_rejected(text, N_FEAT, eta_zero, "eta 0");
    expect_rejected(text, N_FEAT, unknown_key, "unknown key");
    expect_rejected(text, N_FEAT, extra_booster, "one booster too many");
    expect_rejected(text, N_FEAT, n_bootstrap_huge, "n_bootstrap INT_MAX");
    expect_rejected(text, N_FEAT, top_is_array, "params an array");
    expect_rejected("[1, 2]", N_FEAT, NULL, "not an object");
    vt_xgb *none = (vt_xgb *)&none;
    CHECK(vt_xgb_from_json(NULL, N_FEAT, &none) == VT_EPARSE && none == NULL);
    cJSON_free(text);
}

/* Change one base64 character of booster 0 into another valid one, at a random place: before
 * the hash, libxgboost crashed or hung on about one such booster in eight. Every one must be
 * refused with VT_EPARSE. */
static void test_damaged_boosters(void)
{
    static double X[N_ROWS * N_FEAT];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    vt_xgb *m = NULL;
    char *text = model_json(&m, X);
    vt_xgb_free(m);
    CHECK(text != NULL);
    if (!text) return;
    cJSON *j = cJSON_Parse(text);
    char *good = strdup(booster0(j)->valuestring);
    size_t len = strlen(good), n_eparse = 0, n_tried = 200;
    vt_rng r;
    vt_rng_seed(&r, 99);
    for (size_t t = 0; t < n_tried; t++) {
        char *bad = strdup(good);
        size_t at = vt_rng_below(&r, len - 2); /* not the last two: they may be '=' padding */
        bad[at] = alphabet[(strchr(alphabet, bad[at]) - alphabet + 1 + vt_rng_below(&r, 63)) % 64];
        set_booster0(j, bad);
        vt_xgb *m2 = NULL;
        vt_status st = vt_xgb_from_json(j, N_FEAT, &m2);
        n_eparse += st == VT_EPARSE;
        vt_xgb_free(m2);
        free(bad);
    }
    CHECK(n_eparse == n_tried);
    printf("damaged boosters: %zu of %zu refused\n", n_eparse, n_tried);
    free(good);
    cJSON_Delete(j);
    cJSON_free(text);
}

/* Mean fold RMSE of p by separate fits: what the grid search must have scored for p. */
static double cv_rmse(const double *X, const double *y, size_t n, const int *fold, int k,
                      const vt_xgb_params *p)
{
    double Xtr[N_ROWS * N_FEAT], ytr[N_ROWS], Xte[N_ROWS * N_FEAT], yte[N_ROWS], pred[N_ROWS];
    double sum = 0.0;
    for (int f = 0; f < k; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            double *Xd = fold[i] == f ? Xte + nte * N_FEAT : Xtr + ntr * N_FEAT;
            memcpy(Xd, X + i * N_FEAT, N_FEAT * sizeof *X);
            if (fold[i] == f) yte[nte++] = y[i];
            else ytr[ntr++] = y[i];
        }
        vt_xgb *m = NULL;
        if (vt_xgb_fit(Xtr, ytr, ntr, N_FEAT, p, &m) != VT_OK) return NAN;
        vt_status st = vt_xgb_predict(m, Xte, nte, pred, NULL);
        vt_xgb_free(m);
        if (st != VT_OK) return NAN;
        sum += rmse(pred, yte, nte);
    }
    return sum / k;
}

static void test_grid_search(void)
{
    enum { N = 90, K = 3 };
    static double X[N_ROWS * N_FEAT], y[N_ROWS];
    int fold[N];
    make_data(X, y, N, 0.5, 4);
    for (int i = 0; i < N; i++) fold[i] = i % K;
    vt_xgb_params base = params(5, 1), best;
    double best_rmse = NAN;
    CHECK(vt_xgb_grid_search(X, y, N, N_FEAT, fold, K, &base, &best, &best_rmse) == VT_OK);
    printf("grid: best n_estimators %d, eta %g, max_depth %d, CV RMSE %.5f\n", best.n_estimators,
           best.eta, best.max_depth, best_rmse);
    CHECK(best.n_estimators == 50 || best.n_estimators == 100 || best.n_estimators == 150);
    CHECK(best.eta == 0.01 || best.eta == 0.1 || best.eta == 0.5);
    CHECK(best.max_depth == 2 || best.max_depth == 4 || best.max_depth == 6);
    CHECK(best.n_bootstrap == 5 && best.alpha == base.alpha); /* the rest is base's */
    /* The search's shortcut (one 150-round fit scored after 50, 100, 150 rounds) must give what
     * separate fits give, to float rounding of the RMSE sums. */
    vt_xgb_params q = best;
    q.n_bootstrap = 0;
    CHECK_REL(best_rmse, cv_rmse(X, y, N, fold, K, &q), 1e-12);
    /* And no grid point beats it: check the paper's default point and a corner. */
    q.n_estimators = 100, q.eta = 0.1, q.max_depth = 4;
    CHECK(best_rmse <= cv_rmse(X, y, N, fold, K, &q));
    q.n_estimators = 50, q.eta = 0.01, q.max_depth = 2;
    CHECK(best_rmse <= cv_rmse(X, y, N, fold, K, &q));

    fold[7] = K; /* outside 0..k-1 */
    CHECK(vt_xgb_grid_search(X, y, N, N_FEAT, fold, K, &base, &best, &best_rmse) == VT_EINVAL);
    for (int i = 0; i < N; i++) fold[i] = i % 2; /* fold 2 of 3 empty */
    CHECK(vt_xgb_grid_search(X, y, N, N_FEAT, fold, K, &base, &best, &best_rmse) == VT_EINVAL);
}

int main(void)
{
    test_step();
    test_seed_and_sigma();
    test_bad_params();
    test_json_round_trip();
    test_malformed_json();
    test_damaged_boosters();
    test_grid_search();
    TEST_DONE();
}
