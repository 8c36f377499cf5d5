/* sisso_driver.c - helper for tests/ml/test_l0_paper.sh, bench/l0.sh and bench/sisso_cv.sh: runs
** vitrum's L0 search (src/ml/l0.c) and SISSO (src/ml/sisso.c) without the CLI. Usage:
**   sisso_driver l0 DATA [key=value ...]         the paper's table: target lnD, inputs inv_kBT + 42
**   sisso_driver l0-pool CSV [key=value ...]     CSV: header, then rows "target,feature,..."
**       keys: max_dim (4) top (5) threads (0 = all cores) metric (rmse | maxae) repeat (1)
**       prints "model dim=k rank=r rmse=R maxae=M features=a|b|..." as bench/l0_numpy.py does,
**       then "time dim=K n_feat=P subsets=S threads=T seconds=X" (the fastest of `repeat` runs)
**   SETTINGS is a settings file or "-" for the defaults; key=value arguments after the fixed ones
**   override settings (vt_sisso_settings_set).
**   sisso_driver pool SETTINGS DATA N OUT.csv    the N features of the feature space (rung and
**       operators from SETTINGS) most correlated with lnD, as a CSV for l0-pool (the bench's
**       larger pool): the N best 1D models, which are affine in their feature
**   sisso_driver fit SETTINGS DATA               fit on all rows: settings, then per dimension the
**       best model's training RMSE, MaxAE and equation, and the fit time
**   sisso_driver cv SETTINGS DATA K SEED         K-fold GroupKFold by formula, the whole search
**       rerun in every fold: per fold and pooled RMSE of lnD (out-of-fold), and the time */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ml/l0.h"
#include "ml/sisso.h"

typedef struct l0_args { int max_dim, top, threads, repeat; vt_l0_metric metric; } l0_args;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_l0_args(int argc, char **argv, l0_args *a)
{
    *a = (l0_args){.max_dim = 4, .top = 5, .threads = 0, .repeat = 1, .metric = VT_L0_RMSE};
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) return 0;
        const char *v = eq + 1;
        size_t n = (size_t)(eq - argv[i]);
        if (n == 7 && !strncmp(argv[i], "max_dim", n)) a->max_dim = atoi(v);
        else if (n == 3 && !strncmp(argv[i], "top", n)) a->top = atoi(v);
        else if (n == 7 && !strncmp(argv[i], "threads", n)) a->threads = atoi(v);
        else if (n == 6 && !strncmp(argv[i], "repeat", n)) a->repeat = atoi(v);
        else if (n == 6 && !strncmp(argv[i], "metric", n)) a->metric = !strcmp(v, "maxae") ? VT_L0_MAXAE : VT_L0_RMSE;
        else return 0;
    }
    return 1;
}

/* The paper's table as a feature-major matrix: inv_kBT (1/eV) in place of temperature, then the
 * other columns; y = lnD = ln(D x 1000 / 1000), D in cm^2/s. */
static vt_status paper_matrix(const char *path, double **X, double **y, char ***names, size_t *n, size_t *p)
{
    vt_dataset *d = NULL;
    vt_status s = vt_dataset_read(path, &d);
    if (s != VT_OK) return s;
    *n = d->n_rows;
    *p = d->n_cols;
    *X = vt_malloc(d->n_rows * d->n_cols * sizeof **X);
    *y = vt_malloc(d->n_rows * sizeof **y);
    *names = vt_calloc(d->n_cols, sizeof **names);
    if (!*X || !*y || !*names || !d->y) {
        vt_dataset_free(d);
        return VT_ENOMEM;
    }
    for (size_t i = 0; i < d->n_rows; i++) {
        (*y)[i] = log(d->y[i] / 1000.0);
        for (size_t j = 0; j < d->n_cols; j++) {
            double v = d->X[i * d->n_cols + j];
            (*X)[j * d->n_rows + i] = j == 0 ? 1.0 / (VT_KB_EV_PER_K * v) : v;
        }
    }
    for (size_t j = 0; j < d->n_cols; j++) (*names)[j] = vt_strdup(j == 0 ? "inv_kBT" : d->col_names[j]);
    vt_dataset_free(d);
    return VT_OK;
}

/* CSV: a header "target,name,...", then numbers; feature-major X. */
static vt_status pool_matrix(const char *path, double **X, double **y, char ***names, size_t *n, size_t *p)
{
    FILE *f = fopen(path, "r");
    if (!f) return VT_EIO;
    char *line = NULL;
    size_t cap = 0, n_rows = 0, n_alloc = 0;
    double *rows = NULL;
    *p = 0;
    if (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        for (char *c = line; *c; c++) *p += *c == ',';
        *names = vt_calloc(*p ? *p : 1, sizeof **names);
        char *tok = strtok(line, ",");
        for (size_t j = 0; (tok = strtok(NULL, ",")) && j < *p; j++) (*names)[j] = vt_strdup(tok);
    }
    while (*p && getline(&line, &cap, f) > 0) {
        if (line[0] == '\n') continue;
        if ((n_rows + 1) * (*p + 1) > n_alloc) {
            n_alloc = 2 * (n_rows + 1) * (*p + 1);
            rows = vt_realloc(rows, n_alloc * sizeof *rows);
        }
        char *c = line;
        for (size_t j = 0; j <= *p; j++) rows[n_rows * (*p + 1) + j] = strtod(c, &c), c += *c == ',';
        n_rows++;
    }
    free(line); /* getline's buffer comes from libc malloc */
    fclose(f);
    *n = n_rows;
    *X = vt_malloc(n_rows * *p * sizeof **X);
    *y = vt_malloc(n_rows * sizeof **y);
    for (size_t i = 0; i < n_rows; i++) {
        (*y)[i] = rows[i * (*p + 1)];
        for (size_t j = 0; j < *p; j++) (*X)[j * n_rows + i] = rows[i * (*p + 1) + 1 + j];
    }
    vt_free(rows);
    return n_rows ? VT_OK : VT_EPARSE;
}

static double choose(size_t p, int k)
{
    double c = 1.0;
    for (int i = 0; i < k; i++) c = c * (double)(p - (size_t)i) / (double)(i + 1);
    return c;
}

static int run_l0(const double *X, const double *y, char **names, size_t n, size_t p, const l0_args *a)
{
    vt_l0_opts o = vt_l0_opts_default();
    o.max_dim = a->max_dim;
    o.top_n = a->top;
    o.n_threads = a->threads;
    o.metric = a->metric;
    vt_l0_result *r = NULL;
    double best = INFINITY;
    for (int rep = 0; rep < (a->repeat > 0 ? a->repeat : 1); rep++) {
        vt_l0_result_free(r);
        r = NULL;
        double t0 = now_s();
        if (vt_l0_search(X, n, p, y, &o, &r) != VT_OK) {
            fprintf(stderr, "sisso_driver: %s\n", vt_errmsg());
            return 1;
        }
        best = fmin(best, now_s() - t0);
    }
    for (int k = 1; k <= a->max_dim; k++)
        for (int rank = 0; rank < r->n_models[k - 1]; rank++) {
            const vt_l0_model *m = vt_l0_model_at(r, k, rank);
            printf("model dim=%d rank=%d rmse=%.10f maxae=%.10f features=", k, rank + 1, m->rmse, m->maxae);
            for (int q = 0; q < k; q++) printf("%s%s", q ? "|" : "", names[m->feat[q]]);
            printf("\n");
        }
    printf("time dim=%d n_feat=%zu subsets=%.0f threads=%d seconds=%.6f\n", a->max_dim, p,
           choose(p, a->max_dim), a->threads, best);
    vt_l0_result_free(r);
    return 0;
}

static int cmd_l0(int argc, char **argv, int is_pool)
{
    l0_args a;
    if (argc < 1 || !parse_l0_args(argc - 1, argv + 1, &a)) {
        fprintf(stderr, "usage: sisso_driver l0|l0-pool FILE [max_dim= top= threads= metric= repeat=]\n");
        return 2;
    }
    double *X = NULL, *y = NULL;
    char **names = NULL;
    size_t n = 0, p = 0;
    vt_status s = is_pool ? pool_matrix(argv[0], &X, &y, &names, &n, &p)
                          : paper_matrix(argv[0], &X, &y, &names, &n, &p);
    int rc = 1;
    if (s != VT_OK) fprintf(stderr, "sisso_driver: cannot read %s: %s\n", argv[0], vt_errmsg());
    else rc = run_l0(X, y, names, n, p, &a);
    for (size_t j = 0; names && j < p; j++) vt_free(names[j]);
    vt_free(names);
    vt_free(X);
    vt_free(y);
    return rc;
}

/* Settings from a file ("-": defaults) and key=value overrides. */
static int load_settings(const char *path, int argc, char **argv, vt_sisso_settings *s)
{
    *s = vt_sisso_settings_default();
    if (strcmp(path, "-") != 0 && vt_sisso_settings_read(path, s) != VT_OK) {
        fprintf(stderr, "sisso_driver: %s\n", vt_errmsg());
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof key) {
            fprintf(stderr, "sisso_driver: expected key=value, got '%s'\n", argv[i]);
            return 0;
        }
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = '\0';
        if (vt_sisso_settings_set(s, key, eq + 1) != VT_OK) {
            fprintf(stderr, "sisso_driver: %s\n", vt_errmsg());
            return 0;
        }
    }
    return 1;
}

static int fail(void)
{
    fprintf(stderr, "sisso_driver: %s\n", vt_errmsg());
    return 1;
}

static int cmd_fit(int argc, char **argv)
{
    vt_sisso_settings s;
    vt_dataset *d = NULL;
    vt_sisso_model *m = NULL;
    if (argc < 2) return fprintf(stderr, "usage: sisso_driver fit SETTINGS DATA [key=value ...]\n"), 2;
    if (!load_settings(argv[0], argc - 2, argv + 2, &s)) return 1;
    if (vt_dataset_read(argv[1], &d) != VT_OK) return fail();
    vt_sisso_settings_print(&s, stdout);
    double t0 = now_s();
    int rc = 0;
    if (vt_sisso_fit(d, NULL, 0, &s, &m) != VT_OK) rc = fail();
    for (int k = 1; rc == 0 && k <= vt_sisso_model_dim(m); k++) {
        const vt_sisso_desc *dsc = vt_sisso_model_desc(m, k, 0);
        char *eq = vt_sisso_equation(m, k, 0);
        printf("dim %d train_rmse %.6f maxae %.6f  %s\n", k, dsc->rmse, dsc->maxae, eq ? eq : "?");
        vt_free(eq);
    }
    if (rc == 0) printf("features_screened %.0f\nfit_seconds %.2f\n", m->n_space, now_s() - t0);
    vt_sisso_model_free(m);
    vt_dataset_free(d);
    return rc;
}

static int cmd_cv(int argc, char **argv)
{
    vt_sisso_settings s;
    vt_dataset *d = NULL;
    if (argc < 4) return fprintf(stderr, "usage: sisso_driver cv SETTINGS DATA K SEED [key=value ...]\n"), 2;
    if (!load_settings(argv[0], argc - 4, argv + 4, &s)) return 1;
    if (vt_dataset_read(argv[1], &d) != VT_OK) return fail();
    int k = atoi(argv[2]), rc = 0;
    double rmse = NAN, fold[64], t0 = now_s();
    if (k < 2 || k > 64 || vt_sisso_cv(d, &s, k, strtoull(argv[3], NULL, 10), NULL, &rmse, fold) != VT_OK) rc = fail();
    for (int f = 0; rc == 0 && f < k; f++) printf("fold %d rmse %.6f\n", f, fold[f]);
    if (rc == 0) printf("cv_rmse %.6f\ncv_seconds %.1f\n", rmse, now_s() - t0);
    vt_dataset_free(d);
    return rc;
}

static int cmd_pool(int argc, char **argv)
{
    vt_sisso_settings s;
    vt_dataset *d = NULL;
    vt_sisso_model *m = NULL;
    if (argc < 4) return fprintf(stderr, "usage: sisso_driver pool SETTINGS DATA N OUT.csv [key=value ...]\n"), 2;
    if (!load_settings(argv[0], argc - 4, argv + 4, &s)) return 1;
    s.max_dim = 1;
    s.sis_size = s.top_n = atoi(argv[2]);
    if (vt_dataset_read(argv[1], &d) != VT_OK || vt_sisso_fit(d, NULL, 0, &s, &m) != VT_OK) return fail();
    int n_feat = m->n_desc[0], rc = 0;
    double *cols = vt_malloc((size_t)n_feat * d->n_rows * sizeof *cols);
    FILE *f = fopen(argv[3], "w");
    for (int r = 0; rc == 0 && r < n_feat; r++)
        if (!cols || !f || vt_sisso_eval(m, 1, r, d, NULL, 0, cols + (size_t)r * d->n_rows) != VT_OK) rc = fail();
    if (rc == 0) {
        fprintf(f, "lnD");
        for (int r = 0; r < n_feat; r++) fprintf(f, ",f%d", r);
        fprintf(f, "\n");
        for (size_t i = 0; i < d->n_rows; i++) {
            fprintf(f, "%.17g", log(d->y[i] / 1000.0));
            for (int r = 0; r < n_feat; r++) fprintf(f, ",%.17g", cols[(size_t)r * d->n_rows + i]);
            fprintf(f, "\n");
        }
        printf("pool %d features written to %s\n", n_feat, argv[3]);
    }
    if (f) fclose(f);
    vt_free(cols);
    vt_sisso_model_free(m);
    vt_dataset_free(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "fit")) return cmd_fit(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "cv")) return cmd_cv(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "pool")) return cmd_pool(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "l0")) return cmd_l0(argc - 2, argv + 2, 0);
    if (argc >= 2 && !strcmp(argv[1], "l0-pool")) return cmd_l0(argc - 2, argv + 2, 1);
    fprintf(stderr, "usage: sisso_driver l0|l0-pool|pool|fit|cv ... (see the file header)\n");
    return 2;
}
