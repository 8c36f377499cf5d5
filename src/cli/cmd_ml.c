/* cmd_ml.c - `vitrum ml train|predict|cv`: learning on the paper's feature table or plain CSV.
** All scores are of D x 1000 (cm^2/s x 1000), as the paper reports them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "core/error.h"
#include "io/atomic.h"
#include "io/svg.h"

/* Options shared by train and cv: the learner and its hyper-parameters. */
#define LEARNER_OPTS \
    {"data", "FILE", "feature table: the paper's feature_target.dat format or CSV (required)"}, \
    {"algo", "et|rf|xgb|l0|sisso", "extra-trees on vitrum's inputs (default), the paper's random forest or XGBoost, best-subset L0 or SISSO equations"}, \
    {"config", "FILE", "l0/sisso: settings file (key = value); unknown keys are errors"}, \
    {"target", "D|lnD", "fit D x 1000 (default, the paper's RF/XGB) or ln(D / cm^2/s)"}, \
    {"features", "all|composition", "all columns of the table (default) or formula-derived only"}, \
    {"input-set", "paper|vitrum", "raw columns and T, or 1/kBT with feature x 1/kBT products and extra composition statistics (default: vitrum for et, paper for rf/xgb)"}, \
    {"arrhenius-ref", "EV|auto", "fit D exp(EV/kBT), a reference activation energy in eV; auto = 0.2 with structural features, the training formulas' median Ea without (default auto for et, 0 for rf/xgb)"}, \
    {"seed", "N", "random seed (default 62, the paper's)"}, \
    {"threads", "N", "threads (default 0: all cores); results do not depend on it"}, \
    {"trees", "N", "forest: number of trees (default 500 for et, 100 for rf)"}, \
    {"max-features", "F", "forest: fraction of inputs tried per split, (0,1] (default 1)"}, \
    {"min-samples-leaf", "N", "forest: minimum rows per leaf (default 1)"}, \
    {"max-depth", "N", "tree depth limit (forest default 0 = none; xgb default 4)"}, \
    {"n-estimators", "N", "xgb: boosting rounds (default 100)"}, \
    {"learning-rate", "F", "xgb: eta (default 0.1)"}, \
    {"reg-alpha", "F", "xgb: L1 regularisation (default 0.8, the paper's)"}, \
    {"subsample", "F", "xgb: row subsample per tree (default 1)"}, \
    {"colsample", "F", "xgb: column subsample per tree (default 1)"}, \
    {"bootstrap-models", "N", "xgb: bootstrap models for sigma (default 100 in train, 0 in cv)"}

const cli_opt cli_train_opts[] = {
    LEARNER_OPTS,
    {"out", "MODEL.json", "where to write the model (required)"},
    {"test-rows", "FILE", "0-based data-row positions held out as a test set ('#' comments)"},
    {"grid", NULL, "xgb: the paper's grid search (5-fold CV on the training rows) first"},
    {"permutation", "N", "also permutation importance with N repeats (test rows if given)"},
    {"plot", "DIR", "write parity.svg and importance.svg into DIR"},
    {NULL, NULL, NULL},
};

const cli_opt cli_cv_opts[] = {
    LEARNER_OPTS,
    {"folds", "K", "number of folds (default 5)"},
    {"group", "formula|none", "keep every formula in one fold (GroupKFold) or split rows (default none)"},
    {"fold-file", "FILE", "fold index (0..K-1) of every data row, one per line, instead of drawing"},
    {NULL, NULL, NULL},
};

const cli_opt cli_mlpredict_opts[] = {
    {"model", "MODEL.json", "a model written by vitrum ml train (required)"},
    {"data", "FILE", "rows to predict; the target column may be absent (required)"},
    {"out", "FILE", "write the CSV here (atomically) instead of standard output"},
    {NULL, NULL, NULL},
};

static int need(const cli_cmd *cmd, const cli_args *a, const char *name, const char **v)
{
    *v = cli_get(cmd, a, name);
    return *v ? 0 : cli_usage_error("%s: --%s is required", a->prog, name);
}

static int parse_choice(const char *opt, const char *v, const char *const *names, int n, int def, int *out)
{
    *out = def;
    if (!v) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) return *out = i, 0;
    return cli_usage_error("--%s: unknown value '%s'", opt, v);
}

/* Every learner option into vt_train_opts, each range-checked with the option named. */
static int learner_opts(const cli_cmd *cmd, const cli_args *a, int is_train, vt_train_opts *o)
{
    static const char *const algos[] = {"rf", "et", "xgb", "l0", "sisso"}, *const targets[] = {"D", "lnD"};
    static const char *const feats[] = {"all", "composition"}, *const sets[] = {"paper", "vitrum"};
    int algo, target, comp, set;
    if (parse_choice("algo", cli_get(cmd, a, "algo"), algos, 5, VT_ALGO_ET, &algo) ||
        parse_choice("target", cli_get(cmd, a, "target"), targets, 2, 0, &target) ||
        parse_choice("features", cli_get(cmd, a, "features"), feats, 2, 0, &comp) ||
        parse_choice("input-set", cli_get(cmd, a, "input-set"), sets, 2, algo == VT_ALGO_ET, &set))
        return EXIT_USAGE;
    *o = vt_train_opts_default((vt_algo)algo);
    o->sisso_config = cli_get(cmd, a, "config");
    if (o->sisso_config && algo != VT_ALGO_L0 && algo != VT_ALGO_SISSO)
        return cli_usage_error("--config is for --algo l0 or sisso");
    o->target = (vt_target)target;
    o->composition_only = comp;
    o->vitrum_inputs = set;
    const char *ref = cli_get(cmd, a, "arrhenius-ref");
    if (ref && strcmp(ref, "auto") == 0) o->arrhenius_ref_eV = NAN;
    else if (cli_get_double(cmd, a, "arrhenius-ref", o->arrhenius_ref_eV, -10.0, 10.0, &o->arrhenius_ref_eV)) return EXIT_USAGE;
    uint64_t u, depth;
    double f;
    if (cli_get_u64(cmd, a, "seed", o->seed, UINT64_MAX, &o->seed)) return EXIT_USAGE;
    if (cli_get_u64(cmd, a, "threads", 0, 1024, &u)) return EXIT_USAGE;
    o->n_threads = (int)u;
    if (cli_get_u64(cmd, a, "trees", o->n_trees, 100000, &u)) return EXIT_USAGE;
    o->n_trees = u;
    if (cli_get_double(cmd, a, "max-features", o->max_features, 1e-9, 1.0, &o->max_features)) return EXIT_USAGE;
    if (cli_get_u64(cmd, a, "min-samples-leaf", o->min_samples_leaf, 1000000, &u)) return EXIT_USAGE;
    o->min_samples_leaf = u;
    int is_xgb = algo == VT_ALGO_XGB;
    if (cli_get_u64(cmd, a, "max-depth", is_xgb ? (uint64_t)o->xgb_max_depth : (uint64_t)o->max_depth, 1000, &depth)) return EXIT_USAGE;
    if (is_xgb) o->xgb_max_depth = (int)depth;
    else o->max_depth = (int)depth;
    if (cli_get_u64(cmd, a, "n-estimators", (uint64_t)o->xgb_n_estimators, 100000, &u)) return EXIT_USAGE;
    o->xgb_n_estimators = (int)u;
    if (cli_get_double(cmd, a, "learning-rate", o->xgb_eta, 1e-9, 1.0, &o->xgb_eta) ||
        cli_get_double(cmd, a, "reg-alpha", o->xgb_alpha, 0.0, 1e9, &o->xgb_alpha) ||
        cli_get_double(cmd, a, "subsample", o->xgb_subsample, 1e-9, 1.0, &o->xgb_subsample) ||
        cli_get_double(cmd, a, "colsample", o->xgb_colsample, 1e-9, 1.0, &f))
        return EXIT_USAGE;
    o->xgb_colsample = f;
    if (cli_get_u64(cmd, a, "bootstrap-models", is_train ? 100 : 0, 10000, &u)) return EXIT_USAGE;
    o->xgb_n_bootstrap = (int)u;
    return 0;
}

/* Integers from a file, one per line, each in [0, limit); '#' starts a comment. */
static vt_status read_index_file(const char *path, const char *what, size_t limit, size_t **out, size_t *n_out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 64, n = 0, line = 0;
    size_t *v = vt_malloc(cap * sizeof *v);
    char buf[256];
    vt_status s = v ? VT_OK : vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
    while (s == VT_OK && fgets(buf, sizeof buf, f)) {
        line++;
        char *p = buf, *end;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        errno = 0;
        unsigned long long r = strtoull(p, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        if (end == p || *end || errno || *p == '-' || r >= limit) {
            s = vt_err_at_(VT_EPARSE, path, line, what, "expected a whole number 0..%zu", limit - 1);
            break;
        }
        if (n == cap) {
            size_t *nv = vt_realloc(v, 2 * cap * sizeof *v);
            if (!nv) { s = vt_err_set_(VT_ENOMEM, "%s: out of memory", path); break; }
            v = nv, cap *= 2;
        }
        v[n++] = (size_t)r;
    }
    fclose(f);
    if (s != VT_OK) { vt_free(v); return s; }
    *out = v, *n_out = n;
    return VT_OK;
}

/* Train/test row lists from an optional file of test rows. */
static vt_status split_rows(const vt_dataset *d, const char *test_file, size_t **train, size_t *n_train,
                            size_t **test, size_t *n_test)
{
    *train = *test = NULL;
    *n_train = *n_test = 0;
    if (test_file) VT_TRY(read_index_file(test_file, "row", d->n_rows, test, n_test));
    char *is_test = vt_calloc(d->n_rows, 1);
    *train = vt_calloc(d->n_rows, sizeof **train);
    if (!is_test || !*train) { vt_free(is_test); VT_FAIL(VT_ENOMEM, "out of memory"); }
    for (size_t i = 0; i < *n_test; i++) {
        if (is_test[(*test)[i]]) { vt_free(is_test); VT_FAIL(VT_EPARSE, "%s: row %zu listed twice", test_file, (*test)[i]); }
        is_test[(*test)[i]] = 1;
    }
    for (size_t r = 0; r < d->n_rows; r++)
        if (!is_test[r]) (*train)[(*n_train)++] = r;
    vt_free(is_test);
    return VT_OK;
}

static void print_scores(const char *label, size_t n, const double *truth, const double *pred)
{
    vt_scores sc = vt_scores_compute(n, truth, pred);
    printf("%-6s rows %4zu   RMSE %.4f   MAE %.4f   R^2 %.4f   (D x 1000, cm^2/s x 1000)\n",
           label, n, sc.rmse, sc.mae, sc.r2);
}

typedef struct eval {
    size_t n;
    double *truth, *pred, *sigma;
} eval;

static void eval_clear(eval *e)
{
    vt_free(e->truth), vt_free(e->pred), vt_free(e->sigma);
    *e = (eval){0};
}

static vt_status evaluate(const vt_model *m, const vt_dataset *d, const size_t *rows, size_t n, eval *e)
{
    e->n = n;
    if (n == 0) return VT_OK; /* no test rows (NULL rows would mean "all rows" below) */
    e->truth = vt_malloc(n * sizeof *e->truth), e->pred = vt_malloc(n * sizeof *e->pred);
    e->sigma = vt_malloc(n * sizeof *e->sigma);
    if (!e->truth || !e->pred || !e->sigma) VT_FAIL(VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) e->truth[i] = d->y[rows[i]];
    return vt_model_predict(m, d, rows, n, e->pred, e->sigma);
}

/* The ten largest importances, largest first. */
static void print_importance(const char *title, const vt_model *m, const double *imp)
{
    size_t n = vt_model_n_inputs(m), order[256], k = n < 256 ? n : 256;
    for (size_t i = 0; i < k; i++) order[i] = i;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if (imp[order[j]] > imp[order[i]]) { size_t t = order[i]; order[i] = order[j]; order[j] = t; }
    printf("%s (top %zu of %zu):\n", title, k < 10 ? k : 10, n);
    for (size_t i = 0; i < k && i < 10; i++) printf("  %-30s %.4f\n", vt_model_input_name(m, order[i]), imp[order[i]]);
}

static vt_status write_plots(const char *dir, const vt_model *m, const eval *tr, const eval *te, const double *imp)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) VT_FAIL(VT_EIO, "%s: cannot create: %s", dir, strerror(errno));
    char path[4096];
    vt_svg_series s[2] = {
        {"train", tr->truth, tr->pred, tr->sigma, tr->n, 0},
        {"test", te->truth, te->pred, te->sigma, te->n, 0},
    };
    vt_svg_axes ax = {"Li diffusivity: parity", "computed D x 1000 (cm^2/s x 1000)",
                      "predicted D x 1000 (cm^2/s x 1000)", 0, 0, 1};
    snprintf(path, sizeof path, "%s/parity.svg", dir);
    VT_TRY(vt_svg_plot(path, &ax, s, te->n ? 2 : 1));
    if (!imp) return VT_OK; /* equations have no importance chart */
    size_t n = vt_model_n_inputs(m);
    const char **labels = vt_malloc(n * sizeof *labels);
    if (!labels) VT_FAIL(VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) labels[i] = vt_model_input_name(m, i);
    snprintf(path, sizeof path, "%s/importance.svg", dir);
    vt_status st = vt_svg_bars(path, "Feature importance", "importance", labels, imp, NULL, n);
    vt_free(labels);
    return st;
}

static vt_status grid_then_train(const vt_dataset *d, const size_t *rows, size_t n, int grid,
                                 vt_train_opts *o, vt_model **m)
{
    if (grid) {
        double rmse;
        VT_TRY(vt_model_grid_search(d, rows, n, o, &rmse));
        printf("grid search (5-fold CV on the training rows): n_estimators %d, learning rate %g, "
               "max depth %d, CV RMSE %.4f\n", o->xgb_n_estimators, o->xgb_eta, o->xgb_max_depth, rmse);
    }
    return vt_model_train(d, rows, n, o, m);
}

static vt_status print_settings(const vt_train_opts *o)
{
    char *text;
    VT_TRY(vt_train_sisso_settings_text(o, &text));
    printf("# resolved settings\n%s", text);
    vt_free(text);
    return VT_OK;
}

/* The best three models of every dimension, then the final law (the best of the highest). */
static vt_status print_equation(const vt_model *m)
{
    char *eq;
    double rmse, maxae;
    for (int dim = 1;; dim++) {
        for (int rank = 0; rank < 3; rank++) {
            vt_status s = vt_model_equation_at(m, dim, rank, &eq, &rmse, &maxae);
            if (s == VT_ERANGE && rank == 0) goto final;
            if (s == VT_ERANGE) break;
            VT_TRY(s);
            printf("%dD #%d  RMSE %.6f  MaxAE %.6f  %s\n", dim, rank + 1, rmse, maxae, eq);
            vt_free(eq);
        }
    }
final:
    VT_TRY(vt_model_equation(m, &eq));
    printf("%s\n", eq);
    vt_free(eq);
    return VT_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static vt_status train_run(const cli_cmd *cmd, const cli_args *a, vt_train_opts *o, vt_dataset *d)
{
    size_t *train = NULL, *test = NULL, n_train, n_test;
    vt_model *m = NULL;
    eval tr = {0}, te = {0};
    double *imp = NULL;
    uint64_t n_perm;
    const char *plot = cli_get(cmd, a, "plot");
    vt_status s = cli_get_u64(cmd, a, "permutation", 0, 1000, &n_perm) ? VT_EINVAL : VT_OK;
    if (s == VT_OK) s = split_rows(d, cli_get(cmd, a, "test-rows"), &train, &n_train, &test, &n_test);
    if (s == VT_OK && cli_flag(cmd, a, "grid") && o->algo != VT_ALGO_XGB)
        s = vt_err_set_(VT_EINVAL, "--grid is for --algo xgb (the paper's XGBoost grid)");
    int is_eq = o->algo == VT_ALGO_L0 || o->algo == VT_ALGO_SISSO;
    if (s == VT_OK && is_eq) s = print_settings(o);
    double t0 = now_s();
    if (s == VT_OK) s = grid_then_train(d, train, n_train, cli_flag(cmd, a, "grid"), o, &m);
    double fit_s = now_s() - t0, predict_s = INFINITY;
    for (int rep = 0; s == VT_OK && rep < 5; rep++) { /* best of 5, as a benchmark would time it */
        eval_clear(&te);
        double t1 = now_s();
        s = evaluate(m, d, test, n_test, &te);
        predict_s = fmin(predict_s, now_s() - t1);
    }
    if (s == VT_OK) s = evaluate(m, d, train, n_train, &tr);
    if (s == VT_OK && !(imp = vt_calloc(vt_model_n_inputs(m), sizeof *imp))) s = vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK) {
        print_scores("train", tr.n, tr.truth, tr.pred);
        if (te.n) print_scores("test", te.n, te.truth, te.pred);
        printf("timing: fit %.4f s", fit_s);
        if (te.n) printf(", predict %.6f s for %zu test rows (best of 5)", predict_s, te.n);
        printf("\n");
        s = is_eq ? print_equation(m) : vt_model_importance(m, imp);
    }
    if (s == VT_OK && !is_eq) print_importance(o->algo == VT_ALGO_XGB ? "gain importance" : "impurity importance", m, imp);
    if (s == VT_OK && plot) s = write_plots(plot, m, &tr, &te, is_eq ? NULL : imp);
    if (s == VT_OK && n_perm && is_eq) s = vt_err_set_(VT_EINVAL, "--permutation is for tree models");
    if (s == VT_OK && n_perm) {
        s = te.n ? vt_model_permutation_importance(m, d, test, n_test, (int)n_perm, o->seed, imp)
                 : vt_model_permutation_importance(m, d, train, n_train, (int)n_perm, o->seed, imp);
        if (s == VT_OK) print_importance("permutation importance (RMSE increase)", m, imp);
    }
    if (s == VT_OK) s = vt_model_set_provenance(m, "data", cli_get(cmd, a, "data"));
    if (s == VT_OK && cli_get(cmd, a, "test-rows")) s = vt_model_set_provenance(m, "test_rows", cli_get(cmd, a, "test-rows"));
    if (s == VT_OK) s = vt_model_save(m, cli_get(cmd, a, "out"));
    if (s == VT_OK) printf("model written to %s\n", cli_get(cmd, a, "out"));
    eval_clear(&tr), eval_clear(&te);
    vt_free(imp), vt_free(train), vt_free(test);
    vt_model_free(m);
    return s;
}

int cli_ml_train(const cli_cmd *cmd, cli_args *a)
{
    const char *data, *out;
    vt_train_opts o;
    if (need(cmd, a, "data", &data) || need(cmd, a, "out", &out) || learner_opts(cmd, a, 1, &o)) return EXIT_USAGE;
    vt_dataset *d;
    vt_status s = vt_dataset_read(data, &d);
    if (s == VT_OK) s = train_run(cmd, a, &o, d);
    vt_dataset_free(d);
    return s == VT_OK ? 0 : cli_fail(s);
}

/* ---- cv ---- */

static vt_status fold_assignment(const cli_cmd *cmd, const cli_args *a, const vt_dataset *d, int k,
                                 int group, uint64_t seed, int *fold)
{
    const char *file = cli_get(cmd, a, "fold-file");
    if (!file) return vt_folds_assign(d, k, group, seed, fold);
    size_t *v, n;
    VT_TRY(read_index_file(file, "fold", (size_t)k, &v, &n));
    if (n != d->n_rows) {
        vt_free(v);
        VT_FAIL(VT_EPARSE, "%s: %zu fold indices for %zu data rows", file, n, d->n_rows);
    }
    for (size_t i = 0; i < n; i++) fold[i] = (int)v[i];
    vt_free(v);
    return VT_OK;
}

/* Train on all folds but f, predict fold f; pooled predictions land in pred/sigma by row. */
static vt_status run_fold(const vt_dataset *d, const int *fold, int f, const vt_train_opts *o,
                          double *pred, double *sigma, vt_scores *sc)
{
    size_t *tr = vt_malloc(d->n_rows * sizeof *tr), *te = vt_malloc(d->n_rows * sizeof *te), ntr = 0, nte = 0;
    double *p = vt_malloc(d->n_rows * sizeof *p), *sg = vt_malloc(d->n_rows * sizeof *sg), *truth = vt_malloc(d->n_rows * sizeof *truth);
    vt_model *m = NULL;
    vt_status s = tr && te && p && sg && truth ? VT_OK : vt_err_set_(VT_ENOMEM, "out of memory");
    for (size_t r = 0; s == VT_OK && r < d->n_rows; r++) {
        if (fold[r] == f) te[nte++] = r;
        else tr[ntr++] = r;
    }
    if (s == VT_OK && nte == 0) s = vt_err_set_(VT_EINVAL, "fold %d is empty", f);
    if (s == VT_OK) s = vt_model_train(d, tr, ntr, o, &m);
    if (s == VT_OK) s = vt_model_predict(m, d, te, nte, p, sg);
    if (s == VT_OK) {
        for (size_t i = 0; i < nte; i++) pred[te[i]] = p[i], sigma[te[i]] = sg[i], truth[i] = d->y[te[i]];
        *sc = vt_scores_compute(nte, truth, p);
    }
    vt_model_free(m);
    vt_free(tr), vt_free(te), vt_free(p), vt_free(sg), vt_free(truth);
    return s;
}

static vt_status cv_run(const cli_cmd *cmd, const cli_args *a, const vt_dataset *d, const vt_train_opts *o,
                        int k, int group)
{
    int *fold = vt_malloc(d->n_rows * sizeof *fold);
    double *pred = vt_malloc(d->n_rows * sizeof *pred), *sigma = vt_malloc(d->n_rows * sizeof *sigma);
    vt_status s = fold && pred && sigma ? VT_OK : vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK && !d->y) s = vt_err_set_(VT_EINVAL, "cv: the data has no target column diff_coeff_mul_thousand");
    if (s == VT_OK) s = fold_assignment(cmd, a, d, k, group, o->seed, fold);
    double sum = 0.0, sum2 = 0.0;
    for (int f = 0; s == VT_OK && f < k; f++) {
        vt_scores sc;
        s = run_fold(d, fold, f, o, pred, sigma, &sc);
        if (s != VT_OK) break;
        printf("fold %d   RMSE %.4f   MAE %.4f   R^2 %.4f\n", f + 1, sc.rmse, sc.mae, sc.r2);
        sum += sc.rmse, sum2 += sc.rmse * sc.rmse;
    }
    if (s == VT_OK) {
        double mean = sum / k, sd = sqrt(fmax(0.0, sum2 / k - mean * mean));
        vt_scores all = vt_scores_compute(d->n_rows, d->y, pred);
        printf("cv %d-fold%s: RMSE %.4f +- %.4f (mean +- sd over folds); pooled RMSE %.4f MAE %.4f R^2 %.4f"
               "   (D x 1000, cm^2/s x 1000)\n", k, group ? " grouped by formula" : "", mean, sd, all.rmse, all.mae, all.r2);
    }
    vt_free(fold), vt_free(pred), vt_free(sigma);
    return s;
}

int cli_ml_cv(const cli_cmd *cmd, cli_args *a)
{
    static const char *const groups[] = {"none", "formula"};
    const char *data;
    vt_train_opts o;
    uint64_t k;
    int group;
    if (need(cmd, a, "data", &data) || learner_opts(cmd, a, 0, &o) ||
        cli_get_u64(cmd, a, "folds", 5, 64, &k) ||
        parse_choice("group", cli_get(cmd, a, "group"), groups, 2, 0, &group))
        return EXIT_USAGE;
    if (k < 2) return cli_usage_error("--folds: need at least 2");
    vt_dataset *d;
    vt_status s = vt_dataset_read(data, &d);
    if (s == VT_OK) s = cv_run(cmd, a, d, &o, (int)k, group);
    vt_dataset_free(d);
    return s == VT_OK ? 0 : cli_fail(s);
}

/* ---- predict ---- */

/* Columns the model does not use, or needs and cannot find, are named and refused (an equation
 * picked its few inputs from the table it was trained on, so only missing ones count there). */
static vt_status check_columns(const vt_model *m, const vt_dataset *d)
{
    VT_TRY(vt_model_check_inputs(m, d));
    if (vt_model_is_equation(m)) return VT_OK;
    for (size_t c = 1; c < d->n_cols; c++) { /* column 0, temperature, every model uses */
        int used = 0;
        for (size_t i = 0; i < vt_model_n_inputs(m); i++) used |= strcmp(vt_model_input_name(m, i), d->col_names[c]) == 0;
        if (!used) VT_FAIL(VT_EINVAL, "column '%s' is not an input of this model (extra column)", d->col_names[c]);
    }
    return VT_OK;
}

static vt_status predict_csv(const vt_model *m, const vt_dataset *d, char **text, size_t *len)
{
    double *p = vt_malloc(d->n_rows * sizeof *p), *sg = vt_malloc(d->n_rows * sizeof *sg);
    vt_status s = p && sg ? VT_OK : vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK) s = vt_model_predict(m, d, NULL, 0, p, sg);
    FILE *f = s == VT_OK ? open_memstream(text, len) : NULL;
    if (s == VT_OK && !f) s = vt_err_set_(VT_ENOMEM, "out of memory");
    if (f) {
        fprintf(f, "formula,temperature,prediction,sigma\n");
        for (size_t r = 0; r < d->n_rows; r++)
            fprintf(f, "%s,%.10g,%.10g,%.10g\n", d->formula[r], d->X[r * d->n_cols], p[r], sg[r]);
        fclose(f);
    }
    vt_free(p), vt_free(sg);
    return s;
}

int cli_ml_predict(const cli_cmd *cmd, cli_args *a)
{
    const char *model, *data, *out = cli_get(cmd, a, "out");
    if (need(cmd, a, "model", &model) || need(cmd, a, "data", &data)) return EXIT_USAGE;
    vt_model *m = NULL;
    vt_dataset *d = NULL;
    char *text = NULL;
    size_t len = 0;
    vt_status s = vt_model_load(model, &m);
    if (s == VT_OK) s = vt_dataset_read(data, &d);
    if (s == VT_OK) s = check_columns(m, d);
    if (s == VT_OK) s = predict_csv(m, d, &text, &len);
    if (s == VT_OK) {
        if (out) s = vt_write_file_atomic(out, text, len);
        else fwrite(text, 1, len, stdout);
    }
    free(text); /* from open_memstream */
    vt_model_free(m);
    vt_dataset_free(d);
    return s == VT_OK ? 0 : cli_fail(s);
}
