/* xgb_driver.c - helper of tests/ml/oracle_xgb_python.sh (not a test itself): fits vt_xgb with the
** paper's settings on a training table, predicts a test table, writes the predictions one per line
** (%.17g: exact) and prints the test RMSE.
**   usage: xgb_driver train.txt test.txt pred.txt
** Tables: one row per line, the target then the inputs, whitespace separated, no header. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml/xgb.h"

typedef struct table { size_t n_rows, n_cols; double *y, *X; } table;

/* Read a numeric table; the first line fixes the column count. 0 on failure (message printed). */
static int read_table(const char *path, table *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return fprintf(stderr, "%s: %s\n", path, strerror(errno)), 0;
    char line[65536];
    size_t cap = 0;
    int ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        double row[256];
        size_t n = 0;
        char *p = line, *end = NULL;
        for (double v; n < 256 && (v = strtod(p, &end), end != p); p = end) row[n++] = v;
        if (t->n_rows == 0) t->n_cols = n - 1;
        ok = n >= 2 && n == t->n_cols + 1 && strspn(p, " \t\r\n") == strlen(p);
        if (ok && t->n_rows == cap) {
            cap = cap ? 2 * cap : 256;
            double *y = vt_realloc(t->y, cap * sizeof *y);
            if (y) t->y = y;
            double *X = y ? vt_realloc(t->X, cap * t->n_cols * sizeof *X) : NULL;
            if (X) t->X = X;
            ok = y && X;
        }
        if (!ok) break;
        t->y[t->n_rows] = row[0];
        memcpy(t->X + t->n_rows * t->n_cols, row + 1, t->n_cols * sizeof *row);
        t->n_rows++;
    }
    if (!ok || t->n_rows == 0) fprintf(stderr, "%s:%zu: bad or missing row\n", path, t->n_rows + 1);
    fclose(f);
    return ok && t->n_rows > 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) return fprintf(stderr, "usage: xgb_driver train.txt test.txt pred.txt\n"), 2;
    table tr, te;
    int ok = read_table(argv[1], &tr) && read_table(argv[2], &te) && tr.n_cols == te.n_cols;
    vt_xgb *m = NULL;
    double *pred = ok ? vt_calloc(te.n_rows, sizeof *pred) : NULL;
    vt_xgb_params p = vt_xgb_params_default();
    p.n_bootstrap = 0; /* python's single XGBRegressor */
    /* One thread, as python's n_jobs=1: OpenMP threads spinning on a busy test machine made a
     * two-thread fit ten times slower; this data gives the same predictions either way. */
    p.n_threads = 1;
    if (ok && (!pred || vt_xgb_fit(tr.X, tr.y, tr.n_rows, tr.n_cols, &p, &m) != VT_OK
               || vt_xgb_predict(m, te.X, te.n_rows, pred, NULL) != VT_OK)) {
        fprintf(stderr, "xgb_driver: %s\n", vt_errmsg());
        ok = 0;
    }
    FILE *out = ok ? fopen(argv[3], "w") : NULL;
    double sse = 0.0;
    for (size_t i = 0; out && i < te.n_rows; i++) {
        fprintf(out, "%.17g\n", pred[i]);
        sse += (pred[i] - te.y[i]) * (pred[i] - te.y[i]);
    }
    if (out && fclose(out) == 0)
        printf("vitrum: %zu train rows, %zu test rows, %zu inputs, test RMSE %.6f\n", tr.n_rows,
               te.n_rows, tr.n_cols, sqrt(sse / (double)te.n_rows));
    else ok = 0;
    vt_xgb_free(m);
    vt_free(pred);
    vt_free(tr.X), vt_free(tr.y), vt_free(te.X), vt_free(te.y);
    return ok ? 0 : 1;
}
