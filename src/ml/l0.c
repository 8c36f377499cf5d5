/* l0.c - exhaustive best-subset (L0) linear regression (issue 4; SISSO's final step).
**   For every subset S of k = 1..K features: y ~ b0 + sum_{j in S} b_j x_j by least squares,
**   ranked by SSE (equivalently RMSE) or MaxAE; the top N per k are kept.
** Method. Standardise once: z_j = (x_j - mean x_j) / |x_j - mean x_j|, u = (y - mean y) / |...|,
**   which makes the intercept implicit; C = Z^T Z (unit diagonal), c = Z^T u, u^T u = 1. For a
**   subset with Cholesky factor C_S = L L^T and w = L^-1 c_S, SSE / SST = 1 - |w|^2: a few flops
**   per subset and no pass over the rows. Subsets are walked depth first in lexicographic order so
**   that a prefix f_0 < ... < f_{m-1} shares its factor with all its extensions. For every later
**   candidate l the walk keeps
**     a_q[l] = L[l][q] (q < m),   d_m[l] = C_ll - sum_q a_q[l]^2   (the next squared pivot),
**     t_m[l] = c_l - sum_q a_q[l] w_q,
**   so that the extension by l has SSE / SST = r_m - t_m[l]^2 / d_m[l] with r_m = 1 - sum_q w_q^2,
**   and choosing f_m = l costs one pass over the later candidates l' > l:
**     a_m[l'] = (C_{l l'} - sum_{q<m} a_q[l] a_q[l']) / sqrt(d_m[l]),
**     d_{m+1}[l'] = d_m[l'] - a_m[l']^2,  t_{m+1}[l'] = t_m[l'] - a_m[l'] w_m,  w_m = t_m[l] / sqrt(d_m[l]).
**   MaxAE needs the coefficients: back substitution through the same factor and a pass over rows.
** Singular subsets: a squared pivot below eps (relative to C_ll = 1; default 1e-10) skips the
**   subset and every extension of it (ENS = avg_X_wiout_Li to 1e-11 in the paper's table).
** Threads take prefixes (f_0, f_1) in turn; each keeps its own top N per k, and the lists are
**   merged in the total order (score, then lexicographic subset): results do not depend on the
**   number of threads. The kept models are refitted from the original columns (vt_l0_fit_subset)
**   so that the reported RMSE and MaxAE come from a pass over the rows.
** Tests: tests/ml/test_l0.c (planted model, singular duplicate, 1 vs 2 threads), tests/ml/
**   test_l0_paper.sh (numpy oracle bench/l0_numpy.py); speed: bench/l0.sh. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "l0.h"

vt_l0_opts vt_l0_opts_default(void)
{
    return (vt_l0_opts){.max_dim = 4, .top_n = 10, .n_threads = 0, .metric = VT_L0_RMSE, .eps = 1e-10};
}

/* ---------------------------------------------------------------------------------------------
** Ranked lists
*/
typedef struct entry { double score; int feat[VT_L0_MAX_DIM]; } entry;

/* The best entries of one dimension, ascending in (score, subset). */
typedef struct topn { int n, cap, dim; entry *e; } topn;

static int entry_before(const entry *x, const entry *y, int dim)
{
    if (x->score != y->score) return x->score < y->score;
    for (int q = 0; q < dim; q++)
        if (x->feat[q] != y->feat[q]) return x->feat[q] < y->feat[q];
    return 0;
}

static void topn_insert(topn *t, double score, const int *feat)
{
    entry x = {.score = score};
    memcpy(x.feat, feat, (size_t)t->dim * sizeof *feat);
    if (t->n == t->cap && !entry_before(&x, &t->e[t->n - 1], t->dim)) return;
    int i = t->n < t->cap ? t->n++ : t->n - 1;
    for (; i > 0 && entry_before(&x, &t->e[i - 1], t->dim); i--) t->e[i] = t->e[i - 1];
    t->e[i] = x;
}

/* Scores must beat this to enter. */
static double topn_worst(const topn *t) { return t->n < t->cap ? INFINITY : t->e[t->n - 1].score; }

/* ---------------------------------------------------------------------------------------------
** The standardised problem
*/
typedef struct problem {
    size_t n_rows, p;
    int max_dim, top_n;
    vt_l0_metric metric;
    double eps;
    double *Z;          /* p x n_rows standardised features (zero for constant ones) */
    double *u;          /* n_rows standardised target */
    double *C;          /* p x p: Z^T Z */
    double *c;          /* p: Z^T u */
    double *diag;       /* p: the diagonal of C, the squared pivots of the empty prefix */
    double uu;          /* u^T u: 1, or 0 for a constant target */
} problem;

/* z = (x - mean) / |x - mean|; zero when x is constant: its spread is below 1e-12 of its largest
 * magnitude, where rounding of the mean alone would make a spurious direction. */
static void standardise(const double *x, size_t n, double *z, double *mean_out, double *norm_out)
{
    double mean = 0.0, ss = 0.0, big = 0.0;
    for (size_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        ss += (x[i] - mean) * (x[i] - mean);
        big = fmax(big, fabs(x[i]));
    }
    double norm = sqrt(ss);
    int constant = !(norm > 1e-12 * big * sqrt((double)n));
    for (size_t i = 0; i < n; i++) z[i] = constant ? 0.0 : (x[i] - mean) / norm;
    if (mean_out) *mean_out = mean;
    if (norm_out) *norm_out = constant ? 0.0 : norm;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s0 = 0.0, s1 = 0.0; /* two chains: half the add latency, same result on every run */
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
    }
    if (i < n) s0 += a[i] * b[i];
    return s0 + s1;
}

static vt_status check_finite(const double *X, size_t n_rows, size_t p, const double *y)
{
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n_rows; i++)
            if (!isfinite(X[j * n_rows + i]))
                VT_FAIL(VT_EINVAL, "l0: feature %zu, row %zu: value %g is not finite", j, i, X[j * n_rows + i]);
    for (size_t i = 0; i < n_rows; i++)
        if (!isfinite(y[i])) VT_FAIL(VT_EINVAL, "l0: target, row %zu: value %g is not finite", i, y[i]);
    return VT_OK;
}

static vt_status problem_init(problem *pb, const double *X, size_t n_rows, size_t p, const double *y)
{
    pb->Z = vt_malloc(p * n_rows * sizeof *pb->Z);
    pb->u = vt_malloc(n_rows * sizeof *pb->u);
    pb->C = vt_malloc(p * p * sizeof *pb->C);
    pb->c = vt_malloc(p * sizeof *pb->c);
    pb->diag = vt_malloc(p * sizeof *pb->diag);
    if (!pb->Z || !pb->u || !pb->C || !pb->c || !pb->diag) VT_FAIL(VT_ENOMEM, "l0: out of memory (%zu features)", p);
    for (size_t j = 0; j < p; j++) standardise(X + j * n_rows, n_rows, pb->Z + j * n_rows, NULL, NULL);
    standardise(y, n_rows, pb->u, NULL, NULL);
    pb->uu = dot(pb->u, pb->u, n_rows);
    for (size_t j = 0; j < p; j++) {
        const double *zj = pb->Z + j * n_rows;
        for (size_t k = j; k < p; k++) pb->C[j * p + k] = pb->C[k * p + j] = dot(zj, pb->Z + k * n_rows, n_rows);
        pb->c[j] = dot(zj, pb->u, n_rows);
        pb->diag[j] = pb->C[j * p + j];
    }
    return VT_OK;
}

static void problem_clear(problem *pb)
{
    vt_free(pb->Z);
    vt_free(pb->u);
    vt_free(pb->C);
    vt_free(pb->c);
    vt_free(pb->diag);
}

/* ---------------------------------------------------------------------------------------------
** The walk
*/
typedef struct shared {
    pthread_mutex_t lock;
    size_t f0, f1;      /* next prefix to hand out */
} shared;

typedef struct worker {
    const problem *pb;
    shared *sh;
    topn top[VT_L0_MAX_DIM];
    double *a[VT_L0_MAX_DIM];   /* a[q][l] = L[l][q] */
    double *d[VT_L0_MAX_DIM];   /* d[m][l]: squared pivot of l after m chosen features */
    double *t[VT_L0_MAX_DIM];   /* t[m][l] */
    double r[VT_L0_MAX_DIM + 1];/* SSE / SST of the prefix of m features */
    double w[VT_L0_MAX_DIM], piv[VT_L0_MAX_DIM];
    int f[VT_L0_MAX_DIM];       /* the prefix */
    uint64_t n_scored[VT_L0_MAX_DIM];
} worker;

/* Choose f_m = l: its pivot and, unless the walk stops at m + 1 features, the update of every
 * later candidate. 0 when the prefix becomes singular. */
static int extend(worker *w, int m, size_t l)
{
    const problem *pb = w->pb;
    double dl = w->d[m][l];
    if (!(dl >= pb->eps)) return 0;
    double piv = sqrt(dl), wm = w->t[m][l] / piv, inv = 1.0 / piv;
    w->f[m] = (int)l;
    w->piv[m] = piv;
    w->w[m] = wm;
    w->r[m + 1] = w->r[m] - wm * wm;
    if (m + 1 >= pb->max_dim) return 1;
    const double *Cl = pb->C + l * pb->p, *dm = w->d[m], *tm = w->t[m];
    double *am = w->a[m], *dn = w->d[m + 1], *tn = w->t[m + 1];
    double Ll[VT_L0_MAX_DIM];
    for (int q = 0; q < m; q++) Ll[q] = w->a[q][l];
    for (size_t j = l + 1; j < pb->p; j++) {
        double s = Cl[j];
        for (int q = 0; q < m; q++) s -= Ll[q] * w->a[q][j];
        double a = s * inv;
        am[j] = a;
        dn[j] = dm[j] - a * a;
        tn[j] = tm[j] - a * wm;
    }
    return 1;
}

/* Models prefix + l for l >= start, ranked by SSE / SST. */
static void leaves_sse(worker *w, int m, size_t start)
{
    const problem *pb = w->pb;
    const double *d = w->d[m], *t = w->t[m];
    double r = w->r[m], eps = pb->eps;
    topn *top = &w->top[m];
    double worst = topn_worst(top);
    for (size_t l = start; l < pb->p; l++) {
        double sse = r - t[l] * t[l] / d[l]; /* inf or NaN when d = 0: rejected below */
        if (sse < worst && d[l] >= eps) {
            w->f[m] = (int)l;
            topn_insert(top, sse, w->f);
            worst = topn_worst(top);
        }
    }
    w->n_scored[m] += pb->p > start ? pb->p - start : 0;
}

/* Models prefix + l for l >= start, ranked by the largest absolute residual of their least-squares
 * fit: coefficients by back substitution (L^T b = w), then a pass over the rows. */
static void leaves_maxae(worker *w, int m, size_t start)
{
    const problem *pb = w->pb;
    topn *top = &w->top[m];
    for (size_t l = start; l < pb->p; l++) {
        double dl = w->d[m][l];
        if (!(dl >= pb->eps)) continue;
        double b[VT_L0_MAX_DIM], pl = sqrt(dl);
        b[m] = w->t[m][l] / pl / pl;
        for (int q = m - 1; q >= 0; q--) {
            double s = w->w[q] - w->a[q][l] * b[m];
            for (int k = q + 1; k < m; k++) s -= w->a[q][w->f[k]] * b[k];
            b[q] = s / w->piv[q];
        }
        double worst = topn_worst(top), maxae = 0.0;
        const double *zl = pb->Z + l * pb->n_rows;
        for (size_t i = 0; i < pb->n_rows && maxae < worst; i++) {
            double e = pb->u[i] - b[m] * zl[i];
            for (int q = 0; q < m; q++) e -= b[q] * pb->Z[(size_t)w->f[q] * pb->n_rows + i];
            maxae = fmax(maxae, fabs(e));
        }
        if (maxae < worst) {
            w->f[m] = (int)l;
            topn_insert(top, maxae, w->f);
        }
    }
    w->n_scored[m] += pb->p > start ? pb->p - start : 0;
}

static void leaves(worker *w, int m, size_t start)
{
    if (w->pb->metric == VT_L0_MAXAE) leaves_maxae(w, m, start);
    else leaves_sse(w, m, start);
}

/* All models that extend the prefix f_0..f_{m-1} by features >= start. */
static void walk(worker *w, int m, size_t start)
{
    leaves(w, m, start);
    if (m + 1 >= w->pb->max_dim) return;
    for (size_t l = start; l < w->pb->p; l++)
        if (extend(w, m, l)) walk(w, m + 1, l + 1);
}

static int next_prefix(shared *sh, size_t p, size_t *f0, size_t *f1)
{
    pthread_mutex_lock(&sh->lock);
    int ok = sh->f0 + 1 < p;
    if (ok) {
        *f0 = sh->f0;
        *f1 = sh->f1;
        if (++sh->f1 >= p) sh->f1 = ++sh->f0 + 1;
    }
    pthread_mutex_unlock(&sh->lock);
    return ok;
}

/* Prefixes (f_0, f_1) in turn until none is left: every model of 3 or more features. */
static void *walk_worker(void *arg)
{
    worker *w = arg;
    size_t f0, f1, done_f0 = (size_t)-1;
    int ok0 = 0;
    while (next_prefix(w->sh, w->pb->p, &f0, &f1)) {
        if (f0 != done_f0) ok0 = extend(w, 0, f0), done_f0 = f0;
        if (ok0 && extend(w, 1, f1)) walk(w, 2, f1 + 1);
    }
    return NULL;
}

static vt_status worker_init(worker *w, const problem *pb, shared *sh)
{
    memset(w, 0, sizeof *w);
    w->pb = pb;
    w->sh = sh;
    w->d[0] = pb->diag;
    w->t[0] = pb->c;
    w->r[0] = pb->uu;
    for (int m = 0; m < pb->max_dim; m++) {
        w->top[m] = (topn){.cap = pb->top_n, .dim = m + 1, .e = vt_malloc((size_t)pb->top_n * sizeof(entry))};
        if (!w->top[m].e) VT_FAIL(VT_ENOMEM, "l0: out of memory");
        if (m + 1 < pb->max_dim && !(w->a[m] = vt_calloc(pb->p, sizeof(double))))
            VT_FAIL(VT_ENOMEM, "l0: out of memory");
        if (m >= 1 && (!(w->d[m] = vt_calloc(pb->p, sizeof(double))) || !(w->t[m] = vt_calloc(pb->p, sizeof(double)))))
            VT_FAIL(VT_ENOMEM, "l0: out of memory");
    }
    return VT_OK;
}

static void worker_clear(worker *w)
{
    for (int m = 0; m < VT_L0_MAX_DIM; m++) {
        vt_free(w->top[m].e);
        vt_free(w->a[m]);
        if (m >= 1) {
            vt_free(w->d[m]);
            vt_free(w->t[m]);
        }
    }
}

/* Models of 1 and 2 features (a few p^2 flops) on the calling thread, the rest in threads. */
static void run_walk(worker *ws, int n_threads)
{
    worker *w = &ws[0];
    const problem *pb = w->pb;
    leaves(w, 0, 0);
    for (size_t l = 0; pb->max_dim >= 2 && l < pb->p; l++)
        if (extend(w, 0, l)) leaves(w, 1, l + 1);
    if (pb->max_dim < 3) return;
    pthread_t tid[256];
    int n_extra = 0;
    while (n_extra + 1 < n_threads && n_extra < 256 &&
           pthread_create(&tid[n_extra], NULL, walk_worker, &ws[n_extra + 1]) == 0)
        n_extra++;
    walk_worker(w);
    for (int i = 0; i < n_extra; i++) pthread_join(tid[i], NULL);
}

/* ---------------------------------------------------------------------------------------------
** Refit and report
*/
static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Cholesky solve of the k x k system G b = g in place (G is overwritten by L); 0 when a squared
 * pivot is below eps. */
static int cholesky_solve(double *G, double *g, int k, double eps)
{
    for (int i = 0; i < k; i++) {
        for (int j = 0; j <= i; j++) {
            double s = G[i * k + j];
            for (int q = 0; q < j; q++) s -= G[i * k + q] * G[j * k + q];
            if (i == j) {
                if (!(s >= eps)) return 0;
                G[i * k + i] = sqrt(s);
            } else {
                G[i * k + j] = s / G[j * k + j];
            }
        }
    }
    for (int i = 0; i < k; i++) {
        for (int q = 0; q < i; q++) g[i] -= G[i * k + q] * g[q];
        g[i] /= G[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        for (int q = i + 1; q < k; q++) g[i] -= G[q * k + i] * g[q];
        g[i] /= G[i * k + i];
    }
    return 1;
}

/* The fit in standardised columns (as the search ranks it), mapped back to the original units. */
static vt_status fit_standardised(const double *X, size_t n, const double *y, int dim,
                                  const int *feat, double eps, double *z, vt_l0_model *out)
{
    double mean[VT_L0_MAX_DIM], norm[VT_L0_MAX_DIM], G[VT_L0_MAX_DIM * VT_L0_MAX_DIM];
    double b[VT_L0_MAX_DIM], ymean, ynorm;
    double *u = z + (size_t)dim * n;
    standardise(y, n, u, &ymean, &ynorm);
    for (int a = 0; a < dim; a++) standardise(X + (size_t)feat[a] * n, n, z + (size_t)a * n, &mean[a], &norm[a]);
    for (int a = 0; a < dim; a++) {
        for (int c = 0; c <= a; c++) G[a * dim + c] = G[c * dim + a] = dot(z + (size_t)a * n, z + (size_t)c * n, n);
        b[a] = dot(z + (size_t)a * n, u, n);
    }
    if (!cholesky_solve(G, b, dim, eps)) VT_FAIL(VT_ERANGE, "l0: the subset of %d features is singular", dim);
    out->intercept = ymean;
    for (int a = 0; a < dim; a++) {
        out->coef[a] = b[a] * ynorm / norm[a];
        out->intercept -= out->coef[a] * mean[a];
    }
    double sse = 0.0, maxae = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - out->intercept;
        for (int a = 0; a < dim; a++) e -= out->coef[a] * X[(size_t)feat[a] * n + i];
        sse += e * e;
        maxae = fmax(maxae, fabs(e));
    }
    out->rmse = sqrt(sse / (double)n);
    out->maxae = maxae;
    return VT_OK;
}

vt_status vt_l0_fit_subset(const double *X, size_t n_rows, const double *y, int dim,
                           const int *feat, double eps, vt_l0_model *out)
{
    if (dim < 1 || dim > VT_L0_MAX_DIM) VT_FAIL(VT_EINVAL, "l0: %d features (1..%d)", dim, VT_L0_MAX_DIM);
    if (n_rows < 2) VT_FAIL(VT_EINVAL, "l0: %zu rows, need at least 2", n_rows);
    memset(out, 0, sizeof *out);
    out->dim = dim;
    memcpy(out->feat, feat, (size_t)dim * sizeof *feat);
    qsort(out->feat, (size_t)dim, sizeof *feat, cmp_int);
    for (int a = 1; a < dim; a++)
        if (out->feat[a] == out->feat[a - 1]) VT_FAIL(VT_ERANGE, "l0: feature %d twice in a subset", out->feat[a]);
    double *z = vt_malloc(((size_t)dim + 1) * n_rows * sizeof *z);
    if (!z) VT_FAIL(VT_ENOMEM, "l0: out of memory");
    vt_status s = fit_standardised(X, n_rows, y, dim, out->feat, eps, z, out);
    vt_free(z);
    return s;
}

/* Every worker's list of each dimension merged in the total order, then refitted. */
static vt_status collect(const worker *ws, int n_workers, const double *X, const double *y,
                         const problem *pb, vt_l0_result *res)
{
    entry *e = vt_malloc((size_t)pb->top_n * sizeof *e);
    if (!e) VT_FAIL(VT_ENOMEM, "l0: out of memory");
    vt_status s = VT_OK;
    for (int m = 0; s == VT_OK && m < pb->max_dim; m++) {
        topn all = {.cap = pb->top_n, .dim = m + 1, .e = e};
        for (int k = 0; k < n_workers; k++) {
            for (int i = 0; i < ws[k].top[m].n; i++) topn_insert(&all, ws[k].top[m].e[i].score, ws[k].top[m].e[i].feat);
            res->n_scored[m] += ws[k].n_scored[m];
        }
        res->n_models[m] = all.n;
        for (int i = 0; s == VT_OK && i < all.n; i++)
            s = vt_l0_fit_subset(X, pb->n_rows, y, m + 1, all.e[i].feat, 0.5 * pb->eps,
                                 &res->models[(size_t)m * (size_t)pb->top_n + (size_t)i]);
    }
    vt_free(e);
    return s;
}

vt_status vt_l0_search(const double *X, size_t n_rows, size_t n_feat, const double *y,
                       const vt_l0_opts *o, vt_l0_result **out)
{
    *out = NULL;
    if (o->max_dim < 1 || o->max_dim > VT_L0_MAX_DIM) VT_FAIL(VT_EINVAL, "l0: max_dim %d (1..%d)", o->max_dim, VT_L0_MAX_DIM);
    if (o->top_n < 1) VT_FAIL(VT_EINVAL, "l0: top_n %d, need >= 1", o->top_n);
    if (o->n_threads < 0) VT_FAIL(VT_EINVAL, "l0: n_threads %d (0 = all cores)", o->n_threads);
    if (!(o->eps > 0.0 && o->eps < 1.0)) VT_FAIL(VT_EINVAL, "l0: eps %g, need 0 < eps < 1", o->eps);
    if (n_rows < 2) VT_FAIL(VT_EINVAL, "l0: %zu rows, need at least 2", n_rows);
    VT_TRY(check_finite(X, n_rows, n_feat, y));
    int n_threads = o->n_threads > 0 ? o->n_threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    n_threads = n_threads < 1 ? 1 : n_threads > 256 ? 256 : n_threads;
    problem pb = {.n_rows = n_rows, .p = n_feat, .max_dim = o->max_dim, .top_n = o->top_n,
                  .metric = o->metric, .eps = o->eps};
    shared sh = {.f0 = 0, .f1 = 1};
    worker *ws = vt_calloc((size_t)n_threads, sizeof *ws);
    vt_l0_result *res = vt_calloc(1, sizeof *res);
    vt_status s = ws && res ? VT_OK : vt_err_set_(VT_ENOMEM, "l0: out of memory");
    if (s == VT_OK && !(res->models = vt_calloc((size_t)o->max_dim * (size_t)o->top_n, sizeof *res->models)))
        s = vt_err_set_(VT_ENOMEM, "l0: out of memory");
    if (s == VT_OK) s = problem_init(&pb, X, n_rows, n_feat, y);
    for (int k = 0; s == VT_OK && k < n_threads; k++) s = worker_init(&ws[k], &pb, &sh);
    if (s == VT_OK) {
        pthread_mutex_init(&sh.lock, NULL);
        run_walk(ws, n_threads);
        pthread_mutex_destroy(&sh.lock);
        res->max_dim = o->max_dim;
        res->top_n = o->top_n;
        s = collect(ws, n_threads, X, y, &pb, res);
    }
    for (int k = 0; ws && k < n_threads; k++) worker_clear(&ws[k]);
    vt_free(ws);
    problem_clear(&pb);
    if (s != VT_OK) {
        vt_l0_result_free(res);
        return s;
    }
    *out = res;
    return VT_OK;
}

const vt_l0_model *vt_l0_model_at(const vt_l0_result *r, int dim, int rank)
{
    if (!r || dim < 1 || dim > r->max_dim || rank < 0 || rank >= r->n_models[dim - 1]) return NULL;
    return &r->models[(size_t)(dim - 1) * (size_t)r->top_n + (size_t)rank];
}

void vt_l0_result_free(vt_l0_result *r)
{
    if (!r) return;
    vt_free(r->models);
    vt_free(r);
}
