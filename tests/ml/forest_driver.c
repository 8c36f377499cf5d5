/* forest_driver.c - test helper for tests/ml/test_forest_sklearn.sh: fits vitrum's forest on a CSV
** file and reports the test RMSE and timings, so that the forest can be set beside scikit-learn
** without the CLI. Usage:
**   forest_driver TRAIN.csv TEST.csv [key=value ...]
** keys: trees seed max_features min_samples_leaf min_samples_split max_depth bootstrap extra
** threads (defaults: vt_forest_params_default(), threads=1). CSV: a header line, then numbers,
** target first. Prints "rmse R", "fit_s T" and "predict_s T" (seconds, wall clock). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ml/forest.h"

typedef struct table { size_t n_rows, n_cols; double *v; } table; /* row-major, target first */

static int read_csv(const char *path, table *t)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, n_alloc = 0;
    int ok = fp && getline(&line, &cap, fp) > 0;
    t->n_cols = 1;
    for (const char *c = line; ok && *c; c++) t->n_cols += *c == ',';
    while (ok && getline(&line, &cap, fp) > 0) {
        if (line[0] == '\n') continue;
        if ((t->n_rows + 1) * t->n_cols > n_alloc) {
            n_alloc = 2 * (t->n_rows + 1) * t->n_cols;
            double *v = vt_realloc(t->v, n_alloc * sizeof *v);
            if (!v) { ok = 0; break; }
            t->v = v;
        }
        char *p = line, *end;
        for (size_t j = 0; j < t->n_cols; j++, p = end + 1) {
            t->v[t->n_rows * t->n_cols + j] = strtod(p, &end);
            if (end == p || (j + 1 < t->n_cols && *end != ',')) ok = 0;
        }
        t->n_rows++;
    }
    if (!ok) fprintf(stderr, "forest_driver: cannot read %s\n", path);
    free(line); /* getline's buffer comes from libc malloc */
    if (fp) fclose(fp);
    return ok && t->n_rows > 0;
}

/* Split a table into X (n x (cols-1)) and y. */
static int split_xy(const table *t, double **X, double **y)
{
    size_t p = t->n_cols - 1;
    *X = vt_malloc(t->n_rows * p * sizeof **X);
    *y = vt_malloc(t->n_rows * sizeof **y);
    if (!*X || !*y) return 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        (*y)[i] = t->v[i * t->n_cols];
        memcpy(*X + i * p, t->v + i * t->n_cols + 1, p * sizeof **X);
    }
    return 1;
}

static int set_param(vt_forest_params *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq) return 0;
    size_t k = (size_t)(eq - arg);
    double v = strtod(eq + 1, NULL);
#define KEY(name) (k == strlen(name) && strncmp(arg, name, k) == 0)
    if (KEY("trees")) p->n_trees = (size_t)v;
    else if (KEY("seed")) p->seed = (uint64_t)v;
    else if (KEY("max_features")) p->max_features = v;
    else if (KEY("min_samples_leaf")) p->min_samples_leaf = (size_t)v;
    else if (KEY("min_samples_split")) p->min_samples_split = (size_t)v;
    else if (KEY("max_depth")) p->max_depth = (int)v;
    else if (KEY("bootstrap")) p->bootstrap = (int)v;
    else if (KEY("extra")) p->extra_random = (int)v;
    else if (KEY("threads")) p->n_threads = (int)v;
    else return 0;
#undef KEY
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    vt_forest_params par = vt_forest_params_default();
    table tr = {0}, te = {0};
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL, *pred = NULL, *sd = NULL;
    vt_forest *f = NULL;
    int rc = 2;
    par.n_threads = 1;
    if (argc < 3) {
        fprintf(stderr, "usage: forest_driver TRAIN.csv TEST.csv [key=value ...]\n");
        return 2;
    }
    for (int i = 3; i < argc; i++)
        if (!set_param(&par, argv[i])) {
            fprintf(stderr, "forest_driver: unknown option %s\n", argv[i]);
            return 2;
        }
    if (!read_csv(argv[1], &tr) || !read_csv(argv[2], &te) || tr.n_cols != te.n_cols ||
        tr.n_cols < 2 || !split_xy(&tr, &Xtr, &ytr) || !split_xy(&te, &Xte, &yte))
        goto cleanup;
    pred = vt_malloc(te.n_rows * sizeof *pred);
    sd = vt_malloc(te.n_rows * sizeof *sd);
    if (!pred || !sd) goto cleanup;
    size_t p = tr.n_cols - 1;
    double t0 = now_s();
    if (vt_forest_fit(Xtr, ytr, tr.n_rows, p, &par, &f) != VT_OK) {
        fprintf(stderr, "forest_driver: %s\n", vt_errmsg());
        goto cleanup;
    }
    double t1 = now_s(), sse = 0;
    vt_forest_predict(f, Xte, te.n_rows, pred, sd);
    double t2 = now_s();
    for (size_t i = 0; i < te.n_rows; i++) sse += (pred[i] - yte[i]) * (pred[i] - yte[i]);
    printf("rmse %.17g\nfit_s %.6f\npredict_s %.6f\n", sqrt(sse / (double)te.n_rows), t1 - t0,
           t2 - t1);
    rc = 0;
cleanup:
    vt_forest_free(f);
    vt_free(tr.v);
    vt_free(te.v);
    vt_free(Xtr);
    vt_free(ytr);
    vt_free(Xte);
    vt_free(yte);
    vt_free(pred);
    vt_free(sd);
    return rc;
}
