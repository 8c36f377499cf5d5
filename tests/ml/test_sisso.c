/* test_sisso.c - SISSO (src/ml/sisso.c):
**   1. planted laws over 40 formulas x 3 temperatures are recovered exactly: lnD = 2 AAV/PF -
**      3 exp(-LNC) with rung 1 (features, coefficients to 1e-9, RMSE ~ 0), with rung 2 as an
**      exact model equal to the law on unseen points; the rung-2 feature lnD = 2 - 0.3 LNC/(PF kB T)
**      (inv_kBT varies per row, the rest per formula); models evaluated on the data reproduce
**      their training RMSE;
**   2. the result does not depend on the thread count nor on the value cache (memory_gib = 0
**      recomputes stored features from their trees; rung 3 recurses two levels);
**   3. units: exp(-PF) with PF in A is never built, so a law made of it is not recovered, while
**      the same law is without units; a primary without a unit, or a bad power, is rejected;
**   4. settings: an unknown key (the paper's failure), a repeated key, a bad operator, a bad value
**      are VT_EINVAL naming file:line; a file that sets nothing gives the defaults; the printed
**      settings read back to the same struct;
**   5. JSON: save, print, parse, load gives identical predictions and equations; a corrupt node is
**      VT_EPARSE; a dataset lacking a primary is an error naming it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "ml/sisso.h"
#include "test.h"

#define N_FORMULAS 40
#define N_TEMPS 3

static const char *const cols[] = {"temperature", "AAV", "PF", "LNC", "SNC"};
#define N_COLS 5

/* 40 formulas x 3 temperatures; every column but temperature is a property of the formula. */
static vt_dataset *make_data_seeded(double (*law)(const double *x, double inv_kBT), uint64_t seed)
{
    static const double T_K[N_TEMPS] = {1000.0, 1500.0, 2500.0};
    vt_dataset *d = vt_calloc(1, sizeof *d);
    size_t n = N_FORMULAS * N_TEMPS;
    d->n_rows = n;
    d->n_cols = N_COLS;
    d->col_names = vt_calloc(N_COLS, sizeof *d->col_names);
    d->X = vt_calloc(n * N_COLS, sizeof *d->X);
    d->formula = vt_calloc(n, sizeof *d->formula);
    d->y = vt_calloc(n, sizeof *d->y);
    for (int j = 0; j < N_COLS; j++) d->col_names[j] = vt_strdup(cols[j]);
    vt_rng r;
    vt_rng_seed(&r, seed);
    for (size_t f = 0; f < N_FORMULAS; f++) {
        double x[N_COLS] = {0, 10.0 + 10.0 * vt_rng_uniform(&r), 0.3 + 0.4 * vt_rng_uniform(&r),
                            0.5 + 2.5 * vt_rng_uniform(&r), 2.0 + 4.0 * vt_rng_uniform(&r)};
        for (size_t t = 0; t < N_TEMPS; t++) {
            size_t i = f * N_TEMPS + t;
            char name[32];
            snprintf(name, sizeof name, "Li%zuO", f + 1);
            d->formula[i] = vt_strdup(name);
            x[0] = T_K[t];
            memcpy(d->X + i * N_COLS, x, sizeof x);
            d->y[i] = 1000.0 * exp(law(x, 1.0 / (VT_KB_EV_PER_K * T_K[t])));
        }
    }
    return d;
}

/* The brief's example, over formula-level primaries. */
static vt_dataset *make_data(double (*law)(const double *x, double inv_kBT)) { return make_data_seeded(law, 7); }
static vt_dataset *make_unseen(double (*law)(const double *x, double inv_kBT)) { return make_data_seeded(law, 8); }

static double planted(const double *x, double inv_kBT)
{
    (void)inv_kBT;
    return 2.0 * x[1] / x[2] - 3.0 * exp(-x[3]);
}

/* A rung-2 feature mixing a per-row primary (inv_kBT) with per-formula ones. */
static double planted_T(const double *x, double inv_kBT)
{
    return 2.0 - 0.3 * inv_kBT * x[3] / x[2];
}

static vt_sisso_settings small_settings(void)
{
    vt_sisso_settings s = vt_sisso_settings_default();
    s.max_dim = 3;
    s.sis_size = 20;
    s.top_n = 20;
    s.progress = 0;
    return s;
}

/* The index of the model feature whose text is `text`, or -1. */
static int find_feature(const vt_sisso_model *m, const vt_sisso_desc *d, const char *text)
{
    for (int q = 0; q < d->dim; q++) {
        char *t = vt_sisso_feature_text(m, d->root[q]);
        int same = t && strcmp(t, text) == 0;
        vt_free(t);
        if (same) return q;
    }
    return -1;
}

/* The model evaluated on the data reproduces its training errors, for every dimension. */
static void check_training_rmse(const vt_sisso_model *m, const vt_dataset *d)
{
    double pred[N_FORMULAS * N_TEMPS];
    for (int k = 1; k <= vt_sisso_model_dim(m); k++) {
        const vt_sisso_desc *dk = vt_sisso_model_desc(m, k, 0);
        double sse = 0.0;
        CHECK(vt_sisso_eval(m, k, 0, d, NULL, 0, pred) == VT_OK);
        for (size_t i = 0; i < d->n_rows; i++) sse += pow(pred[i] - log(d->y[i] / 1000.0), 2);
        CHECK(fabs(sqrt(sse / (double)d->n_rows) - dk->rmse) <= 1e-12 * fmax(1.0, dk->rmse) + 1e-12);
    }
}

/* A fresh dataset drawn from law with another seed: unseen points. */
static vt_dataset *make_unseen(double (*law)(const double *x, double inv_kBT));

static void test_planted(void)
{
    vt_dataset *d = make_data(planted), *unseen = make_unseen(planted);
    vt_sisso_settings s = small_settings();
    vt_sisso_model *m = NULL;
    /* rung 1: the planted features themselves */
    s.rung = 1;
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK);
    const vt_sisso_desc *dsc = m ? vt_sisso_model_desc(m, 2, 0) : NULL;
    CHECK(dsc != NULL);
    if (!dsc) {
        vt_dataset_free(d);
        vt_dataset_free(unseen);
        return;
    }
    int a = find_feature(m, dsc, "(AAV / PF)"), b = find_feature(m, dsc, "exp(-LNC)");
    CHECK(a >= 0 && b >= 0);
    if (a >= 0 && b >= 0) {
        CHECK_REL(dsc->coef[a], 2.0, 1e-9);
        CHECK_REL(dsc->coef[b], -3.0, 1e-9);
        CHECK(fabs(dsc->intercept) < 1e-9);
    }
    CHECK(dsc->rmse < 1e-10);
    char *eq = vt_sisso_equation(m, 2, 0);
    printf("rung 1 recovered: %s (RMSE %.2g)\n", eq ? eq : "?", dsc->rmse);
    vt_free(eq);
    check_training_rmse(m, d);
    double pred[N_FORMULAS * N_TEMPS];
    CHECK(vt_sisso_predict(m, d, NULL, 0, pred) == VT_OK);
    CHECK_REL(pred[7], d->y[7], 1e-8);
    vt_sisso_model_free(m);
    /* rung 2 finds an exact 2D model too (maybe in another basis, such as {a - b, a}): it must be
     * the planted law on unseen points */
    s.rung = 2;
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK);
    dsc = m ? vt_sisso_model_desc(m, 2, 0) : NULL;
    CHECK(dsc && dsc->rmse < 1e-10);
    eq = m ? vt_sisso_equation(m, 2, 0) : NULL;
    printf("rung 2 recovered: %s (RMSE %.2g)\n", eq ? eq : "?", dsc ? dsc->rmse : NAN);
    vt_free(eq);
    CHECK(m && vt_sisso_eval(m, 2, 0, unseen, NULL, 0, pred) == VT_OK);
    for (size_t i = 0; m && i < unseen->n_rows; i++) CHECK_REL(pred[i], log(unseen->y[i] / 1000.0), 1e-9);
    vt_sisso_model_free(m);
    vt_dataset_free(d);
    vt_dataset_free(unseen);

    d = make_data(planted_T);
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK);
    dsc = m ? vt_sisso_model_desc(m, 1, 0) : NULL;
    CHECK(dsc && dsc->rmse < 1e-10);
    eq = m ? vt_sisso_equation(m, 1, 0) : NULL;
    printf("recovered: %s (RMSE %.2g)\n", eq ? eq : "?", dsc ? dsc->rmse : NAN);
    CHECK(eq && strstr(eq, "(1/kBT)") && strstr(eq, "LNC") && strstr(eq, "PF"));
    vt_free(eq);
    if (m) check_training_rmse(m, d);
    vt_sisso_model_free(m);
    vt_dataset_free(d);
}

/* The JSON text of a fit; NULL on failure. */
static char *fit_text(const vt_dataset *d, const vt_sisso_settings *s)
{
    vt_sisso_model *m = NULL;
    if (vt_sisso_fit(d, NULL, 0, s, &m) != VT_OK) return NULL;
    cJSON *j = vt_sisso_to_json(m);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    vt_sisso_model_free(m);
    return text;
}

static double noisy_law(const double *x, double inv_kBT)
{
    return 1.0 - 0.3 * inv_kBT * x[3] / x[2] + 0.2 * sqrt(x[1]) * x[4] + 0.05 * sin(7.0 * x[1]);
}

static void test_invariance(void)
{
    vt_dataset *d = make_data(noisy_law);
    vt_sisso_settings s = small_settings();
    s.threads = 1;
    char *ref = fit_text(d, &s);
    s.threads = 3;
    char *threads3 = fit_text(d, &s);
    s.memory_gib = 0.0;
    char *uncached = fit_text(d, &s);
    CHECK(ref && threads3 && uncached);
    CHECK(ref && threads3 && strcmp(ref, threads3) == 0);
    CHECK(ref && uncached && strcmp(ref, uncached) == 0);
    free(ref);
    free(threads3);
    free(uncached);
    /* rung 3 over two primaries: stored rung-2 features recomputed two levels deep */
    s = small_settings();
    s.rung = 3;
    snprintf(s.primaries, sizeof s.primaries, "AAV, LNC");
    vt_sisso_settings_set(&s, "ops", "* / exp- ^-1");
    char *r3 = fit_text(d, &s);
    s.memory_gib = 0.0;
    s.threads = 2;
    char *r3u = fit_text(d, &s);
    CHECK(r3 && r3u && strcmp(r3, r3u) == 0);
    /* rung 3 builds one feature in several ways (((LNC / AAV) / AAV) * (exp(-LNC) * LNC) and
     * ((LNC / AAV) * LNC) * (exp(-LNC) / AAV)): the one kept must not depend on the threads */
    for (int t = 1; t <= 5; t += 2) {
        s.threads = t;
        char *rt = fit_text(d, &s);
        CHECK(r3 && rt && strcmp(r3, rt) == 0);
        free(rt);
    }
    free(r3);
    free(r3u);
    vt_dataset_free(d);
}

static double exp_law(const double *x, double inv_kBT)
{
    (void)inv_kBT;
    return 1.0 + 2.0 * exp(-x[2]);
}

static void test_units(void)
{
    vt_dataset *d = make_data(exp_law);
    vt_sisso_settings s = small_settings();
    s.max_dim = 1;
    snprintf(s.primaries, sizeof s.primaries, "AAV PF LNC");
    vt_sisso_model *m = NULL;
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK); /* no units: exp(-PF) is built */
    CHECK(m && vt_sisso_model_desc(m, 1, 0)->rmse < 1e-9);
    vt_sisso_model_free(m);
    CHECK(vt_sisso_settings_set(&s, "units", "AAV: A^3, PF: A, LNC: 1") == VT_OK);
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK);
    CHECK(m && vt_sisso_model_desc(m, 1, 0)->rmse > 1e-6); /* sqrt(PF) comes close, not exactly */
    char *eq = m ? vt_sisso_equation(m, 1, 0) : NULL;
    CHECK(eq && !strstr(eq, "exp(-PF)"));
    vt_free(eq);
    vt_sisso_model_free(m);
    snprintf(s.units, sizeof s.units, "AAV: A^3, PF: A");
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_EINVAL && m == NULL);
    CHECK(strstr(vt_errmsg(), "'LNC'") != NULL);
    snprintf(s.units, sizeof s.units, "AAV: A^0.3, PF: A, LNC: 1");
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_EINVAL && m == NULL);
    vt_dataset_free(d);
}

static int same_settings(const vt_sisso_settings *a, const vt_sisso_settings *b)
{
    return a->target == b->target && !strcmp(a->primaries, b->primaries) && a->rung == b->rung && a->ops == b->ops &&
           a->max_dim == b->max_dim && a->sis_size == b->sis_size && a->top_n == b->top_n && a->metric == b->metric &&
           a->threads == b->threads && a->memory_gib == b->memory_gib && a->fmax_max == b->fmax_max &&
           a->fmax_min == b->fmax_min && a->min_spread == b->min_spread && a->eps == b->eps &&
           !strcmp(a->units, b->units) && a->progress == b->progress;
}

/* Write text to a temporary settings file and read it. */
static vt_status read_text(const char *text, vt_sisso_settings *s, char *path, size_t size)
{
    snprintf(path, size, "/tmp/vt_test_sisso_%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f) return VT_EIO;
    fputs(text, f);
    fclose(f);
    vt_status st = vt_sisso_settings_read(path, s);
    remove(path);
    return st;
}

static void test_settings(void)
{
    char path[256];
    vt_sisso_settings s, def = vt_sisso_settings_default();
    CHECK(read_text("# nothing set\n\n   # still nothing\n", &s, path, sizeof path) == VT_OK);
    CHECK(same_settings(&s, &def));
    CHECK(def.rung == 2 && def.max_dim == 4 && def.sis_size == 100 && def.target == VT_TARGET_LND);
    CHECK(read_text("rung = 1\nopps = + - exp\n", &s, path, sizeof path) == VT_EINVAL);
    printf("unknown key: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), ":2: opps: unknown setting") != NULL);
    CHECK(read_text("rung = 1\nrung = 2\n", &s, path, sizeof path) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), ":2: rung: set twice (first on line 1)") != NULL);
    CHECK(read_text("ops = + - exp(-)\n", &s, path, sizeof path) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), "unknown operator 'exp(-)'") != NULL);
    CHECK(read_text("rung = 4\n", &s, path, sizeof path) == VT_EINVAL);
    CHECK(read_text("sis_size = 10.5\n", &s, path, sizeof path) == VT_EINVAL);
    CHECK(read_text("rung 2\n", &s, path, sizeof path) == VT_EINVAL);
    CHECK(vt_sisso_settings_read("/nonexistent/sisso.conf", &s) == VT_EIO);
    CHECK(vt_sisso_settings_set(&s, "metirc", "maxae") == VT_EINVAL);
    /* printed settings read back to the same struct, defaults and otherwise */
    char *text = vt_sisso_settings_format(&def);
    CHECK(text && strstr(text, "\nrung = 2\n") && strstr(text, "\nops = + - * / |-| exp exp- ^-1 ^2 ^3 ^6 sqrt cbrt log\n"));
    CHECK(text && read_text(text, &s, path, sizeof path) == VT_OK && same_settings(&s, &def));
    vt_free(text);
    vt_sisso_settings odd = def;
    CHECK(vt_sisso_settings_set(&odd, "ops", "sqrt, /  abs") == VT_OK && vt_sisso_settings_set(&odd, "target", "D") == VT_OK &&
          vt_sisso_settings_set(&odd, "fmax_min", "1e-7") == VT_OK && vt_sisso_settings_set(&odd, "metric", "maxae") == VT_OK &&
          vt_sisso_settings_set(&odd, "units", "inv_kBT: 1/eV, AAV: A^3") == VT_OK);
    text = vt_sisso_settings_format(&odd);
    CHECK(text && read_text(text, &s, path, sizeof path) == VT_OK && same_settings(&s, &odd));
    vt_free(text);
}

static void test_json(void)
{
    vt_dataset *d = make_data(noisy_law);
    vt_sisso_settings s = small_settings();
    vt_sisso_model *m = NULL, *back = NULL;
    CHECK(vt_sisso_fit(d, NULL, 0, &s, &m) == VT_OK);
    if (!m) {
        vt_dataset_free(d);
        return;
    }
    cJSON *j = vt_sisso_to_json(m);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON *parsed = text ? cJSON_Parse(text) : NULL;
    CHECK(parsed && vt_sisso_from_json(parsed, &back) == VT_OK);
    double p1[N_FORMULAS * N_TEMPS], p2[N_FORMULAS * N_TEMPS];
    for (int k = 1; back && k <= 3; k++)
        for (int r = 0; r < m->n_desc[k - 1]; r++) {
            CHECK(vt_sisso_eval(m, k, r, d, NULL, 0, p1) == VT_OK && vt_sisso_eval(back, k, r, d, NULL, 0, p2) == VT_OK);
            CHECK(memcmp(p1, p2, sizeof p1) == 0);
            char *e1 = vt_sisso_equation(m, k, r), *e2 = vt_sisso_equation(back, k, r);
            CHECK(e1 && e2 && strcmp(e1, e2) == 0);
            vt_free(e1);
            vt_free(e2);
        }
    /* a child that points forward is refused */
    cJSON *nodes = cJSON_GetObjectItem(parsed, "nodes");
    int n = cJSON_GetArraySize(nodes);
    for (int k = 0; k < n; k++) {
        cJSON *node = cJSON_GetArrayItem(nodes, k);
        if (cJSON_GetArraySize(node) == 3) {
            cJSON_ReplaceItemInArray(node, 1, cJSON_CreateNumber(k));
            break;
        }
    }
    vt_sisso_model *bad = NULL;
    CHECK(vt_sisso_from_json(parsed, &bad) == VT_EPARSE && bad == NULL);
    printf("corrupt node: %s\n", vt_errmsg());
    /* data without a primary the model needs */
    vt_free(d->col_names[2]);
    d->col_names[2] = vt_strdup("SPF");
    CHECK(vt_sisso_eval(m, 0, 0, d, NULL, 0, p1) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), "PF") != NULL);
    free(text);
    cJSON_Delete(j);
    cJSON_Delete(parsed);
    vt_sisso_model_free(m);
    vt_sisso_model_free(back);
    vt_dataset_free(d);
}

int main(void)
{
    test_planted();
    test_invariance();
    test_units();
    test_settings();
    test_json();
    TEST_DONE();
}
