/*
** ml/forest.c - random forests and extra-trees of squared-error regression trees (CART), with the
** semantics of scikit-learn 1.2 RandomForestRegressor / ExtraTreesRegressor (sklearn/tree/_tree.pyx,
** _splitter.pyx, _criterion.pyx).
**   A node holds rows i with weights w_i (bootstrap draw counts, else 1); W = sum w_i,
**   value = sum w_i y_i / W, impurity I = sum w_i (y_i - value)^2 / W.
**   A split into L and R maximises S_L^2 / W_L + S_R^2 / W_R (S = sum w_i y_i), which ranks splits
**   as the impurity decrease W I - W_L I_L - W_R I_R does, without computing I_L and I_R.
**   Best splits: thresholds at midpoints between consecutive distinct sorted values. Extra-trees:
**   one threshold uniform in [min, max] of the node's values per tried feature.
**   Features per node: max(1, floor(max_features * p)) drawn without replacement; as sklearn does,
**   drawing goes on past that while every drawn feature was constant in the node.
**   Importance: per tree the sum over splits of W I - W_L I_L - W_R I_R per feature, normalised to
**   sum 1; averaged over the trees; normalised to sum 1 again.
**   Speed: each feature column is sorted once per fit; a tree filters those orders to its bootstrap
**   rows and every split partitions them stably, so a node scans sorted lists and never sorts:
**   O(p n) work per tree level instead of sklearn's O(p n log n). Extra-trees use the same lists:
**   min and max are their ends, the left side a prefix.
**   Prediction walks several rows through a tree at once (walk_group); JSON numbers are written
**   as exact text (exact_number).
**   Tests: tests/ml/test_forest.c (analytic cases, seeds, threads, JSON);
**   tests/ml/test_forest_sklearn.sh (test RMSE against scikit-learn).
*/
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/rng.h"
#include "ml/forest.h"

/* sklearn's FEATURE_THRESHOLD: values closer than this count as equal (no threshold between them),
 * and a feature whose range in a node is within it counts as constant there. */
#define FEATURE_EQ 1e-7

vt_forest_params vt_forest_params_default(void)
{
    return (vt_forest_params){
        .n_trees = 100, .max_features = 1.0, .min_samples_leaf = 1, .min_samples_split = 2,
        .max_depth = 0, .bootstrap = 1, .extra_random = 0, .seed = 0, .n_threads = 0,
    };
}

/* ---------------------------------------------------------------------------------------------
** Trees and forests
*/
static void tree_clear(vt_tree *t)
{
    vt_free(t->feature);
    vt_free(t->threshold);
    vt_free(t->left);
    vt_free(t->right);
    vt_free(t->value);
    vt_free(t->packed);
    memset(t, 0, sizeof *t);
}

/* The prediction layout of a tree, breadth first so that siblings sit side by side. */
static vt_status tree_pack(vt_tree *t)
{
    int32_t *order = vt_malloc(t->n_nodes * sizeof *order);
    t->packed = vt_malloc(t->n_nodes * sizeof *t->packed);
    if (!order || !t->packed) {
        vt_free(order);
        VT_FAIL(VT_ENOMEM, "forest: out of memory for a tree of %zu nodes", t->n_nodes);
    }
    size_t head = 0, next = 1;
    order[0] = 0; /* order[k]: the original node placed at packed index k */
    for (; head < next; head++) {
        int32_t o = order[head];
        vt_pnode *q = &t->packed[head];
        if (t->feature[o] < 0) {
            *q = (vt_pnode){t->value[o], -1, (int32_t)head};
            continue;
        }
        *q = (vt_pnode){t->threshold[o], t->feature[o], (int32_t)next};
        order[next++] = t->left[o];
        order[next++] = t->right[o];
    }
    vt_free(order);
    return VT_OK;
}

static vt_status forest_pack(vt_forest *f)
{
    for (size_t t = 0; t < f->n_trees; t++) VT_TRY(tree_pack(&f->trees[t]));
    return VT_OK;
}

static vt_status tree_alloc(vt_tree *t, size_t n_nodes)
{
    t->n_nodes = n_nodes;
    t->feature = vt_malloc(n_nodes * sizeof *t->feature);
    t->threshold = vt_malloc(n_nodes * sizeof *t->threshold);
    t->left = vt_malloc(n_nodes * sizeof *t->left);
    t->right = vt_malloc(n_nodes * sizeof *t->right);
    t->value = vt_malloc(n_nodes * sizeof *t->value);
    if (t->feature && t->threshold && t->left && t->right && t->value) return VT_OK;
    tree_clear(t);
    VT_FAIL(VT_ENOMEM, "forest: out of memory for a tree of %zu nodes", n_nodes);
}

static vt_status forest_alloc(size_t n_trees, size_t n_features, vt_forest **out)
{
    vt_forest *f = vt_calloc(1, sizeof *f);
    if (f) {
        f->n_trees = n_trees;
        f->n_features = n_features;
        f->trees = vt_calloc(n_trees, sizeof *f->trees);
        f->importance = vt_calloc(n_features, sizeof *f->importance);
    }
    if (!f || !f->trees || !f->importance) {
        vt_forest_free(f);
        VT_FAIL(VT_ENOMEM, "forest: out of memory for %zu trees", n_trees);
    }
    *out = f;
    return VT_OK;
}

void vt_forest_free(vt_forest *f)
{
    if (!f) return;
    for (size_t t = 0; f->trees && t < f->n_trees; t++) tree_clear(&f->trees[t]);
    vt_free(f->trees);
    vt_free(f->importance);
    vt_free(f);
}

/* ---------------------------------------------------------------------------------------------
** Growing one tree
*/

/* Read-only data shared by the threads of one fit. */
typedef struct fit_data {
    const vt_forest_params *par;
    size_t n, p, mtry;
    const double *y;
    double y_mean;  /* subtracted in the split sums, which would lose digits to a large mean */
    double *xcol;   /* p x n column-major: a scan reads one feature's values from one small block */
    int32_t *order; /* p x n: rows sorted by each feature */
} fit_data;

/* A node waiting to be grown: its rows are [start, end) of each list, its index is preassigned. */
typedef struct pending { int32_t start, end, depth, id; } pending;

/* Scratch of one thread, reused from tree to tree. */
typedef struct work {
    vt_rng rng;
    double *w;              /* n: weight (bootstrap draw count) per row; 0 = not in this tree */
    double *wy;             /* n: w * (y - y_mean) */
    int32_t *rows;          /* p lists of n: the tree's rows sorted by each feature. A node's
                             * rows are the same segment of every list; list 0 serves the stats */
    int32_t *tmp;           /* n: the right-hand rows during a stable partition */
    unsigned char *is_left; /* n: side of each row of the node being split */
    int32_t *feat;          /* p: features, partly shuffled at each node to draw them */
    pending *stack;         /* n: pending nodes hold disjoint non-empty row sets */
    vt_tree t;              /* 2n - 1 nodes: the most a tree of n rows can have */
    double *node_w, *node_imp; /* 2n - 1: W and I per node, for the importances */
} work;

typedef struct split {
    int32_t feature;
    size_t pos;       /* first right-hand position in the feature's sorted list */
    double threshold; /* go left when x <= threshold */
    double proxy;     /* S_L^2 / W_L + S_R^2 / W_R */
} split;

static void work_free(work *wk)
{
    vt_free(wk->w);
    vt_free(wk->wy);
    vt_free(wk->rows);
    vt_free(wk->tmp);
    vt_free(wk->is_left);
    vt_free(wk->feat);
    vt_free(wk->stack);
    tree_clear(&wk->t);
    vt_free(wk->node_w);
    vt_free(wk->node_imp);
}

static vt_status work_init(work *wk, const fit_data *d)
{
    size_t n = d->n, max_nodes = 2 * n - 1;
    memset(wk, 0, sizeof *wk);
    wk->w = vt_malloc(n * sizeof *wk->w);
    wk->wy = vt_malloc(n * sizeof *wk->wy);
    wk->rows = vt_malloc(d->p * n * sizeof *wk->rows);
    wk->tmp = vt_malloc(n * sizeof *wk->tmp);
    wk->is_left = vt_malloc(n);
    wk->feat = vt_malloc(d->p * sizeof *wk->feat);
    wk->stack = vt_malloc(n * sizeof *wk->stack);
    wk->node_w = vt_malloc(max_nodes * sizeof *wk->node_w);
    wk->node_imp = vt_malloc(max_nodes * sizeof *wk->node_imp);
    if (wk->w && wk->wy && wk->rows && wk->tmp && wk->is_left && wk->feat && wk->stack &&
        wk->node_w && wk->node_imp && tree_alloc(&wk->t, max_nodes) == VT_OK)
        return VT_OK;
    work_free(wk);
    VT_FAIL(VT_ENOMEM, "forest: out of memory for the scratch of %zu rows", n);
}

/* Draw the tree's rows: n draws with replacement kept as counts (sklearn's sample_weight), so a
 * row drawn twice is one row of weight 2 and min_samples_leaf counts distinct rows. */
static void draw_rows(const fit_data *d, work *wk)
{
    size_t n = d->n, m = 0;
    if (d->par->bootstrap) {
        memset(wk->w, 0, n * sizeof *wk->w);
        for (size_t i = 0; i < n; i++) wk->w[vt_rng_below(&wk->rng, n)] += 1.0;
    } else {
        for (size_t i = 0; i < n; i++) wk->w[i] = 1.0;
    }
    for (size_t i = 0; i < n; i++) wk->wy[i] = wk->w[i] * (d->y[i] - d->y_mean);
    for (size_t f = 0; f < d->p; f++) {
        const int32_t *o = d->order + f * n;
        int32_t *r = wk->rows + f * n;
        m = 0;
        for (size_t k = 0; k < n; k++)
            if (wk->w[o[k]] > 0) r[m++] = o[k];
    }
    wk->stack[0] = (pending){0, (int32_t)m, 0, 0};
    /* The feature order starts afresh per tree: a tree must not depend on the trees its thread
     * grew before it. */
    for (size_t f = 0; f < d->p; f++) wk->feat[f] = (int32_t)f;
}

/* W, value and impurity of the node's rows (two passes: a constant target gives I = 0 exactly),
 * and S of the centred target for the split sums. */
static void node_stats(const fit_data *d, const work *wk, const pending *nd, double *W,
                       double *value, double *imp, double *S)
{
    const int32_t *r = wk->rows;
    double sw = 0, swy = 0, swyc = 0, ss = 0;
    for (int32_t k = nd->start; k < nd->end; k++) {
        sw += wk->w[r[k]];
        swy += wk->w[r[k]] * d->y[r[k]];
        swyc += wk->wy[r[k]];
    }
    double mean = swy / sw;
    for (int32_t k = nd->start; k < nd->end; k++) {
        double e = d->y[r[k]] - mean;
        ss += wk->w[r[k]] * e * e;
    }
    *W = sw;
    *value = mean;
    *imp = ss / sw;
    *S = swyc;
}

/* Midpoint as sklearn takes it; when a and b are adjacent doubles the midpoint rounds to b, which
 * would send b left, so a is used instead. */
static double midpoint(double a, double b)
{
    double t = a / 2.0 + b / 2.0;
    return (t == b || isinf(t)) ? a : t;
}

/* Best split of one feature over its sorted segment. Returns 0 when the feature is constant in
 * the node (it then does not count towards "one varying feature"). */
static int try_sorted(const fit_data *d, const work *wk, int32_t f, const pending *nd, double W,
                      double S, split *best)
{
    const int32_t *r = wk->rows + (size_t)f * d->n;
    const double *x = d->xcol + (size_t)f * d->n;
    size_t start = (size_t)nd->start, end = (size_t)nd->end, msl = d->par->min_samples_leaf;
    if (x[r[end - 1]] <= x[r[start]] + FEATURE_EQ) return 0;
    double wl = 0, sl = 0;
    for (size_t k = start; k + msl < end; k++) {
        wl += wk->w[r[k]];
        sl += wk->wy[r[k]];
        if (x[r[k + 1]] <= x[r[k]] + FEATURE_EQ || k + 1 - start < msl) continue;
        double sr = S - sl, proxy = sl * sl / wl + sr * sr / (W - wl);
        if (proxy > best->proxy) {
            *best = (split){f, k + 1, midpoint(x[r[k]], x[r[k + 1]]), proxy};
        }
    }
    return 1;
}

/* Extra-trees: one uniform threshold in [min, max] of the node's values. Returns 0 when the
 * feature is constant in the node. The sorted list gives min and max at its ends and the left
 * rows as a prefix, whose length a branch-free count finds faster than a bisection in the small
 * nodes that make most of a tree; then only the shorter side is summed. */
static int try_random(const fit_data *d, work *wk, int32_t f, const pending *nd, double W,
                      double S, split *best)
{
    const int32_t *r = wk->rows + (size_t)f * d->n;
    const double *x = d->xcol + (size_t)f * d->n;
    size_t start = (size_t)nd->start, end = (size_t)nd->end, msl = d->par->min_samples_leaf;
    double lo = x[r[start]], hi = x[r[end - 1]];
    if (hi <= lo + FEATURE_EQ) return 0;
    double thr = lo + (hi - lo) * vt_rng_uniform(&wk->rng);
    if (thr >= hi) thr = lo; /* rounding reached hi: nothing would go right */
    size_t a = start; /* first position with x > thr */
    for (size_t k = start; k < end; k++) a += x[r[k]] <= thr;
    if (a - start < msl || end - a < msl) return 1;
    int left_shorter = a - start <= end - a;
    double ws = 0, ss = 0;
    for (size_t k = left_shorter ? start : a; k < (left_shorter ? a : end); k++) {
        ws += wk->w[r[k]];
        ss += wk->wy[r[k]];
    }
    double wl = left_shorter ? ws : W - ws, sl = left_shorter ? ss : S - ss, sr = S - sl;
    double proxy = sl * sl / wl + sr * sr / (W - wl);
    if (proxy > best->proxy) *best = (split){f, a, thr, proxy};
    return 1;
}

/* Draw features without replacement until mtry are tried and at least one varied in the node. */
static int find_split(const fit_data *d, work *wk, const pending *nd, double W, double S,
                      split *best)
{
    size_t p = d->p, n_varying = 0;
    *best = (split){-1, 0, 0.0, -INFINITY};
    for (size_t i = 0; i < p && (i < d->mtry || n_varying == 0); i++) {
        size_t j = i + vt_rng_below(&wk->rng, p - i);
        int32_t f = wk->feat[j];
        wk->feat[j] = wk->feat[i];
        wk->feat[i] = f;
        n_varying += (size_t)(d->par->extra_random ? try_random(d, wk, f, nd, W, S, best)
                                                   : try_sorted(d, wk, f, nd, W, S, best));
    }
    return best->feature >= 0;
}

/* Move the node's rows so that the left child is [start, pos) and the right [pos, end) of every
 * list; the sorted lists stay sorted (stable partition). Returns pos. */
static int32_t apply_split(const fit_data *d, work *wk, const pending *nd, const split *s)
{
    int32_t start = nd->start, end = nd->end;
    int32_t pos = (int32_t)s->pos;
    const int32_t *rs = wk->rows + (size_t)s->feature * d->n;
    for (int32_t k = start; k < end; k++) wk->is_left[rs[k]] = k < pos;
    for (size_t f = 0; f < d->p; f++) {
        if ((int32_t)f == s->feature) continue; /* split along its own order: already in place */
        int32_t *r = wk->rows + f * d->n;
        int32_t nl = start, nr = 0;
        for (int32_t k = start; k < end; k++) {
            int32_t row = r[k];
            r[nl] = row; /* branch-free: write both ways, advance one */
            wk->tmp[nr] = row;
            nl += wk->is_left[row];
            nr += !wk->is_left[row];
        }
        memcpy(r + nl, wk->tmp, (size_t)nr * sizeof *r);
    }
    return pos;
}

static int is_leaf(const vt_forest_params *par, const pending *nd, double imp)
{
    size_t cnt = (size_t)(nd->end - nd->start);
    return (par->max_depth > 0 && nd->depth >= par->max_depth) || cnt < par->min_samples_split ||
           cnt < 2 * par->min_samples_leaf || imp <= DBL_EPSILON; /* sklearn's purity test */
}

/* Impurity decrease per feature, normalised to sum 1 (all 0 for a single leaf). */
static void tree_importance(const work *wk, size_t n_nodes, size_t p, double *imp)
{
    const vt_tree *t = &wk->t;
    double total = 0;
    memset(imp, 0, p * sizeof *imp);
    for (size_t i = 0; i < n_nodes; i++) {
        if (t->feature[i] < 0) continue;
        int32_t l = t->left[i], r = t->right[i];
        imp[t->feature[i]] += wk->node_w[i] * wk->node_imp[i] - wk->node_w[l] * wk->node_imp[l] -
                              wk->node_w[r] * wk->node_imp[r];
    }
    for (size_t f = 0; f < p; f++) total += imp[f];
    for (size_t f = 0; total > 0 && f < p; f++) imp[f] /= total;
}

/* Depth-first, left child first as sklearn; children get their indices when the parent splits,
 * so they always point forward and siblings are adjacent. */
static vt_status grow_tree(const fit_data *d, work *wk, size_t tree_idx, vt_tree *out,
                           double *importance)
{
    vt_tree *t = &wk->t;
    size_t n_nodes = 1, top = 1;
    vt_rng_seed(&wk->rng, vt_rng_derive(d->par->seed, tree_idx));
    draw_rows(d, wk);
    while (top > 0) {
        pending nd = wk->stack[--top];
        double W, value, imp, S;
        split s;
        node_stats(d, wk, &nd, &W, &value, &imp, &S);
        t->feature[nd.id] = -1;
        t->threshold[nd.id] = 0.0;
        t->left[nd.id] = t->right[nd.id] = -1;
        t->value[nd.id] = value;
        wk->node_w[nd.id] = W;
        wk->node_imp[nd.id] = imp;
        if (is_leaf(d->par, &nd, imp) || !find_split(d, wk, &nd, W, S, &s)) continue;
        int32_t pos = apply_split(d, wk, &nd, &s), l = (int32_t)n_nodes;
        n_nodes += 2;
        t->feature[nd.id] = s.feature;
        t->threshold[nd.id] = s.threshold;
        t->left[nd.id] = l;
        t->right[nd.id] = l + 1;
        wk->stack[top++] = (pending){pos, nd.end, nd.depth + 1, l + 1};
        wk->stack[top++] = (pending){nd.start, pos, nd.depth + 1, l};
    }
    tree_importance(wk, n_nodes, d->p, importance);
    VT_TRY(tree_alloc(out, n_nodes));
    memcpy(out->feature, t->feature, n_nodes * sizeof *t->feature);
    memcpy(out->threshold, t->threshold, n_nodes * sizeof *t->threshold);
    memcpy(out->left, t->left, n_nodes * sizeof *t->left);
    memcpy(out->right, t->right, n_nodes * sizeof *t->right);
    memcpy(out->value, t->value, n_nodes * sizeof *t->value);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Fitting: threads take trees from a shared counter; tree t depends only on t and the seed.
*/
typedef struct fit_job {
    const fit_data *d;
    vt_forest *f;
    double *tree_imp;    /* n_trees x p, averaged in tree order afterwards */
    atomic_size_t next;  /* next tree to grow */
    atomic_int failed;   /* out of memory in some thread (its message is thread-local) */
} fit_job;

static void *fit_worker(void *arg)
{
    fit_job *job = arg;
    work wk;
    if (work_init(&wk, job->d) != VT_OK) {
        atomic_store(&job->failed, 1);
        return NULL;
    }
    for (;;) {
        size_t t = atomic_fetch_add(&job->next, 1);
        if (t >= job->f->n_trees || atomic_load(&job->failed)) break;
        if (grow_tree(job->d, &wk, t, &job->f->trees[t], job->tree_imp + t * job->d->p) != VT_OK) {
            atomic_store(&job->failed, 1);
            break;
        }
    }
    work_free(&wk);
    return NULL;
}

/* The calling thread works too; a thread that cannot be started leaves its trees to the others. */
static void run_threads(fit_job *job, long n_threads)
{
    pthread_t tid[256];
    size_t n_extra = 0, want = n_threads > 1 ? (size_t)n_threads - 1 : 0;
    if (want > job->f->n_trees - 1) want = job->f->n_trees - 1;
    if (want > sizeof tid / sizeof tid[0]) want = sizeof tid / sizeof tid[0];
    while (n_extra < want && pthread_create(&tid[n_extra], NULL, fit_worker, job) == 0) n_extra++;
    fit_worker(job);
    for (size_t i = 0; i < n_extra; i++) pthread_join(tid[i], NULL);
}

static vt_status check_params(const vt_forest_params *p, size_t n_rows, size_t n_features)
{
    if (n_rows < 1 || n_features < 1)
        VT_FAIL(VT_EINVAL, "forest: need at least one row and one feature, got %zu x %zu", n_rows,
                n_features);
    if (n_rows > INT32_MAX / 2 || n_features > INT32_MAX ||
        n_features > SIZE_MAX / sizeof(double) / n_rows) /* node indices are int32_t */
        VT_FAIL(VT_ERANGE, "forest: %zu x %zu is too large", n_rows, n_features);
    if (p->n_trees < 1) VT_FAIL(VT_EINVAL, "forest: n_trees must be >= 1");
    if (!(p->max_features > 0 && p->max_features <= 1))
        VT_FAIL(VT_EINVAL, "forest: max_features must be in (0, 1], got %g", p->max_features);
    if (p->min_samples_leaf < 1) VT_FAIL(VT_EINVAL, "forest: min_samples_leaf must be >= 1");
    if (p->min_samples_split < 2) VT_FAIL(VT_EINVAL, "forest: min_samples_split must be >= 2");
    if (p->max_depth < 0) VT_FAIL(VT_EINVAL, "forest: max_depth must be >= 0 (0 = unlimited)");
    if (p->n_threads < 0) VT_FAIL(VT_EINVAL, "forest: n_threads must be >= 0 (0 = all cores)");
    return VT_OK;
}

static vt_status check_finite(const double *X, const double *y, size_t n, size_t p)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) VT_FAIL(VT_ERANGE, "forest: target of row %zu is not finite", i);
        for (size_t f = 0; f < p; f++)
            if (!isfinite(X[i * p + f]))
                VT_FAIL(VT_ERANGE, "forest: row %zu, feature %zu is not finite", i, f);
    }
    return VT_OK;
}

typedef struct keyed { double x; int32_t row; } keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *u = a, *v = b;
    if (u->x != v->x) return u->x < v->x ? -1 : 1;
    return (u->row > v->row) - (u->row < v->row); /* ties by row: the same order on any libc */
}

/* Column-major copy of X and each column's row order. */
static vt_status prepare_data(fit_data *d, const double *X)
{
    size_t n = d->n, p = d->p;
    keyed *buf = vt_malloc(n * sizeof *buf);
    d->xcol = vt_malloc(n * p * sizeof *d->xcol);
    d->order = vt_malloc(n * p * sizeof *d->order);
    if (!d->xcol || !d->order || !buf) {
        vt_free(buf);
        VT_FAIL(VT_ENOMEM, "forest: out of memory for %zu x %zu data", n, p);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < p; f++) d->xcol[f * n + i] = X[i * p + f];
    for (size_t f = 0; f < p; f++) {
        for (size_t i = 0; i < n; i++) buf[i] = (keyed){d->xcol[f * n + i], (int32_t)i};
        qsort(buf, n, sizeof *buf, keyed_cmp);
        for (size_t i = 0; i < n; i++) d->order[f * n + i] = buf[i].row;
    }
    vt_free(buf);
    return VT_OK;
}

/* Mean of the per-tree importances, normalised to sum 1 (sklearn): the mean's 1/n_trees cancels
 * in the normalisation, and a tree that never split adds zeros. */
static void forest_importance(vt_forest *f, const double *tree_imp)
{
    size_t p = f->n_features;
    double total = 0;
    for (size_t t = 0; t < f->n_trees; t++)
        for (size_t j = 0; j < p; j++) f->importance[j] += tree_imp[t * p + j];
    for (size_t j = 0; j < p; j++) total += f->importance[j];
    for (size_t j = 0; total > 0 && j < p; j++) f->importance[j] /= total;
}

vt_status vt_forest_fit(const double *X, const double *y, size_t n_rows, size_t n_features,
                        const vt_forest_params *p, vt_forest **out)
{
    *out = NULL;
    VT_TRY(check_params(p, n_rows, n_features));
    VT_TRY(check_finite(X, y, n_rows, n_features));
    size_t mtry = (size_t)floor(p->max_features * (double)n_features);
    fit_data d = {.par = p, .n = n_rows, .p = n_features, .mtry = mtry < 1 ? 1 : mtry, .y = y};
    vt_forest *f = NULL;
    fit_job job = {.d = &d};
    vt_status s;
    for (size_t i = 0; i < n_rows; i++) d.y_mean += y[i] / (double)n_rows;
    if ((s = prepare_data(&d, X)) != VT_OK) goto cleanup;
    if ((s = forest_alloc(p->n_trees, n_features, &f)) != VT_OK) goto cleanup;
    job.f = f;
    job.tree_imp = vt_calloc(p->n_trees * n_features, sizeof *job.tree_imp);
    if (!job.tree_imp) {
        s = vt_err_set_(VT_ENOMEM, "forest: out of memory for %zu trees", p->n_trees);
        goto cleanup;
    }
    run_threads(&job, p->n_threads > 0 ? p->n_threads : sysconf(_SC_NPROCESSORS_ONLN));
    if (atomic_load(&job.failed)) {
        s = vt_err_set_(VT_ENOMEM, "forest: out of memory growing %zu trees", p->n_trees);
        goto cleanup;
    }
    forest_importance(f, job.tree_imp);
    if ((s = forest_pack(f)) != VT_OK) goto cleanup;
    *out = f;
    f = NULL;
cleanup:
    vt_forest_free(f);
    vt_free(job.tree_imp);
    vt_free(d.xcol);
    vt_free(d.order);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Prediction
*/
/* Rows walked through a tree together (see walk_group). */
#define WALK_GROUP 8

/* Walk g <= WALK_GROUP rows through a tree in lockstep until all stand on leaves; out[j] is row
 * j's prediction. One row's walk is a chain of dependent loads; several rows side by side give
 * the CPU independent chains to overlap, and a row that reached its leaf stays there without a
 * branch (its feature index is masked to 0 and its node kept). */
static void walk_group(const vt_tree *t, const double *X, size_t p, size_t g, double *out)
{
    const vt_pnode *pn = t->packed;
    int32_t node[WALK_GROUP] = {0}, active;
    do {
        active = 0;
        for (size_t j = 0; j < g; j++) {
            const vt_pnode *q = &pn[node[j]];
            int32_t is_split = -(int32_t)(q->feature >= 0); /* all ones or 0 */
            double xv = X[j * p + (size_t)(q->feature & is_split)];
            int32_t next = q->left + (int32_t)!(xv <= q->threshold); /* right = left + 1 */
            node[j] = (next & is_split) | (node[j] & ~is_split);
            active |= is_split;
        }
    } while (active);
    for (size_t j = 0; j < g; j++) out[j] = pn[node[j]].threshold; /* a leaf's value */
}

/* Rows per block: a tree stays in L1 while a block's rows walk it, the block's inputs in L2. */
#define PREDICT_BLOCK 256

/* Every tree's predictions for every row, handed to use() a tree and a group of rows at a time,
 * trees in order for each row. */
typedef void (*tree_sink)(void *ctx, size_t t, size_t row, size_t g, const double *v);

static void predict_blocks(const vt_forest *f, const double *X, size_t n_rows, tree_sink use,
                           void *ctx)
{
    size_t p = f->n_features;
    double v[WALK_GROUP];
    for (size_t b = 0; b < n_rows; b += PREDICT_BLOCK) {
        size_t e = n_rows - b < PREDICT_BLOCK ? n_rows : b + PREDICT_BLOCK;
        for (size_t t = 0; t < f->n_trees; t++)
            for (size_t r = b; r < e; r += WALK_GROUP) {
                size_t g = e - r < WALK_GROUP ? e - r : WALK_GROUP;
                walk_group(&f->trees[t], X + r * p, p, g, v);
                use(ctx, t, r, g, v);
            }
    }
}

typedef struct moments { double *mean, *m2; } moments;

/* Welford's update: mean and spread in the two output arrays, without cancellation. */
static void add_moments(void *ctx, size_t t, size_t row, size_t g, const double *v)
{
    moments *m = ctx;
    double inv_k = 1.0 / (double)(t + 1);
    for (size_t j = 0; j < g; j++) {
        double *mean = &m->mean[row + j], *m2 = &m->m2[row + j];
        if (t == 0) *mean = *m2 = 0.0;
        double delta = v[j] - *mean;
        *mean += delta * inv_k;
        *m2 += delta * (v[j] - *mean);
    }
}

void vt_forest_predict(const vt_forest *f, const double *X, size_t n_rows, double *mean, double *sd)
{
    moments m = {mean, sd};
    predict_blocks(f, X, n_rows, add_moments, &m);
    for (size_t i = 0; i < n_rows; i++) sd[i] = sqrt(sd[i] / (double)f->n_trees);
}

typedef struct per_tree { double *out; size_t n_trees; } per_tree;

static void store_per_tree(void *ctx, size_t t, size_t row, size_t g, const double *v)
{
    per_tree *pt = ctx;
    for (size_t j = 0; j < g; j++) pt->out[(row + j) * pt->n_trees + t] = v[j];
}

void vt_forest_predict_trees(const vt_forest *f, const double *X, size_t n_rows, double *out)
{
    per_tree pt = {out, f->n_trees};
    predict_blocks(f, X, n_rows, store_per_tree, &pt);
}

void vt_forest_predict_row(const vt_forest *f, const double *x, double *mean, double *sd)
{
    vt_forest_predict(f, x, 1, mean, sd);
}

/* ---------------------------------------------------------------------------------------------
** JSON
*/

/* cJSON 1.7.15 prints a double with 15 digits whenever those read back within a relative
 * DBL_EPSILON, which changes the last bit of about one value in six; a raw item carries text that
 * reads back exactly (15 digits when they suffice, else 17). */
static cJSON *exact_number(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static cJSON *double_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = exact_number(v[i]);
        if (!x) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

static cJSON *int_array(const int32_t *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateNumber(v[i]);
        if (!x) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

static cJSON *tree_to_json(const vt_tree *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON *parts[5] = {int_array(t->feature, t->n_nodes), double_array(t->threshold, t->n_nodes),
                       int_array(t->left, t->n_nodes), int_array(t->right, t->n_nodes),
                       double_array(t->value, t->n_nodes)};
    static const char *const names[5] = {"feature", "threshold", "left", "right", "value"};
    int ok = 1;
    for (int k = 0; k < 5; k++) {
        if (parts[k]) cJSON_AddItemToObject(o, names[k], parts[k]);
        ok = ok && parts[k];
    }
    if (ok) return o;
    cJSON_Delete(o);
    return NULL;
}

cJSON *vt_forest_to_json(const vt_forest *f)
{
    cJSON *o = cJSON_CreateObject(), *trees = cJSON_CreateArray();
    cJSON *imp = double_array(f->importance, f->n_features);
    int ok = o && trees && imp && cJSON_AddNumberToObject(o, "n_features", (double)f->n_features);
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(trees);
        cJSON_Delete(imp);
        return NULL;
    }
    cJSON_AddItemToObject(o, "importance", imp);
    cJSON_AddItemToObject(o, "trees", trees);
    for (size_t t = 0; t < f->n_trees; t++) {
        cJSON *tj = tree_to_json(&f->trees[t]);
        if (!tj) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToArray(trees, tj);
    }
    return o;
}

/* A number item, or a raw item as vt_forest_to_json makes them (the caller may pass its result
 * on without printing it). */
static int json_double(const cJSON *item, double *v)
{
    if (cJSON_IsNumber(item)) {
        *v = item->valuedouble;
        return 1;
    }
    if (!cJSON_IsRaw(item) || !item->valuestring) return 0;
    char *end;
    *v = strtod(item->valuestring, &end);
    return end != item->valuestring && *end == '\0';
}

/* Read n finite numbers from array a into v (lo <= v <= hi and whole when is_int). */
static vt_status read_numbers(const cJSON *a, const char *where, const char *name, int is_int,
                              double lo, double hi, size_t n, double *dv, int32_t *iv)
{
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, a) {
        double v;
        if (!json_double(item, &v) || !isfinite(v))
            VT_FAIL(VT_EPARSE, "forest JSON: %s\"%s\"[%zu]: expected a finite number", where, name, i);
        if (is_int && !(v == floor(v) && v >= lo && v <= hi))
            VT_FAIL(VT_EPARSE, "forest JSON: %s\"%s\"[%zu] = %.17g: expected a whole number in "
                    "%.0f..%.0f", where, name, i, v, lo, hi);
        if (is_int) iv[i] = (int32_t)v;
        else dv[i] = v;
        i++;
    }
    if (i != n) /* cJSON_GetArraySize counted them before: only a broken invariant lands here */
        VT_FAIL(VT_EINTERNAL, "forest JSON: %s\"%s\": %zu entries, expected %zu", where, name, i, n);
    return VT_OK;
}

/* Every split node's children lie after it and inside the tree, and every node but the root has
 * exactly one parent: the nodes form one tree and a walk from the root always ends at a leaf. */
static vt_status check_tree(const vt_tree *t, size_t ti, size_t n_features)
{
    unsigned char *has_parent = vt_calloc(t->n_nodes, 1);
    vt_status s = VT_OK;
    if (!has_parent) VT_FAIL(VT_ENOMEM, "forest JSON: out of memory");
    for (size_t i = 0; i < t->n_nodes && s == VT_OK; i++) {
        int32_t f = t->feature[i], l = t->left[i], r = t->right[i];
        if (f < 0) {
            if (l != -1 || r != -1)
                s = vt_err_set_(VT_EPARSE, "forest JSON: tree %zu: node %zu is a leaf (feature -1) "
                                "but has children %d, %d", ti, i, l, r);
            continue;
        }
        if ((size_t)f >= n_features)
            s = vt_err_set_(VT_EPARSE, "forest JSON: tree %zu: node %zu: feature %d, the model has "
                            "%zu", ti, i, f, n_features);
        else if (l <= (int32_t)i || r <= (int32_t)i || (size_t)l >= t->n_nodes ||
                 (size_t)r >= t->n_nodes || l == r)
            s = vt_err_set_(VT_EPARSE, "forest JSON: tree %zu: node %zu: children %d, %d must be "
                            "two nodes after it and before %zu", ti, i, l, r, t->n_nodes);
        else if (has_parent[l] || has_parent[r])
            s = vt_err_set_(VT_EPARSE, "forest JSON: tree %zu: node %d has two parents", ti,
                            has_parent[l] ? l : r);
        else
            has_parent[l] = has_parent[r] = 1;
    }
    for (size_t i = 1; i < t->n_nodes && s == VT_OK; i++)
        if (!has_parent[i])
            s = vt_err_set_(VT_EPARSE, "forest JSON: tree %zu: node %zu is not reachable from the "
                            "root", ti, i);
    vt_free(has_parent);
    return s;
}

static vt_status tree_from_json(const cJSON *o, size_t ti, size_t n_features, vt_tree *t)
{
    static const char *const names[5] = {"feature", "threshold", "left", "right", "value"};
    const cJSON *a[5];
    char where[48];
    int n = 0;
    snprintf(where, sizeof where, "tree %zu: ", ti);
    if (!cJSON_IsObject(o)) VT_FAIL(VT_EPARSE, "forest JSON: %sexpected an object", where);
    for (int k = 0; k < 5; k++) {
        a[k] = cJSON_GetObjectItemCaseSensitive(o, names[k]);
        if (!cJSON_IsArray(a[k]))
            VT_FAIL(VT_EPARSE, "forest JSON: %smissing array \"%s\"", where, names[k]);
        int len = cJSON_GetArraySize(a[k]);
        if (k == 0) n = len;
        if (len != n)
            VT_FAIL(VT_EPARSE, "forest JSON: %s\"%s\" has %d entries, \"feature\" has %d", where,
                    names[k], len, n);
    }
    if (n < 1) VT_FAIL(VT_EPARSE, "forest JSON: %sno nodes", where);
    VT_TRY(tree_alloc(t, (size_t)n));
    VT_TRY(read_numbers(a[0], where, names[0], 1, -1, fmin((double)n_features - 1, INT32_MAX),
                        (size_t)n, NULL, t->feature));
    VT_TRY(read_numbers(a[1], where, names[1], 0, 0, 0, (size_t)n, t->threshold, NULL));
    VT_TRY(read_numbers(a[2], where, names[2], 1, -1, n - 1, (size_t)n, NULL, t->left));
    VT_TRY(read_numbers(a[3], where, names[3], 1, -1, n - 1, (size_t)n, NULL, t->right));
    VT_TRY(read_numbers(a[4], where, names[4], 0, 0, 0, (size_t)n, t->value, NULL));
    return check_tree(t, ti, n_features);
}

vt_status vt_forest_from_json(const cJSON *obj, size_t n_features, vt_forest **out)
{
    *out = NULL;
    if (!cJSON_IsObject(obj)) VT_FAIL(VT_EPARSE, "forest JSON: expected an object");
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(obj, "n_features");
    const cJSON *imp = cJSON_GetObjectItemCaseSensitive(obj, "importance");
    const cJSON *trees = cJSON_GetObjectItemCaseSensitive(obj, "trees");
    double v;
    if (!json_double(nf, &v) || v != (double)n_features)
        VT_FAIL(VT_EPARSE, "forest JSON: \"n_features\" must be %zu, the model's inputs", n_features);
    if (!cJSON_IsArray(imp) || (size_t)cJSON_GetArraySize(imp) != n_features)
        VT_FAIL(VT_EPARSE, "forest JSON: \"importance\" must be an array of %zu numbers", n_features);
    if (!cJSON_IsArray(trees) || cJSON_GetArraySize(trees) < 1)
        VT_FAIL(VT_EPARSE, "forest JSON: \"trees\" must be a non-empty array");
    vt_forest *f = NULL;
    VT_TRY(forest_alloc((size_t)cJSON_GetArraySize(trees), n_features, &f));
    vt_status s = read_numbers(imp, "", "importance", 0, 0, 0, n_features, f->importance, NULL);
    size_t t = 0;
    const cJSON *tj;
    cJSON_ArrayForEach(tj, trees) {
        if (s != VT_OK) break;
        s = tree_from_json(tj, t, n_features, &f->trees[t]);
        t++;
    }
    if (s == VT_OK) s = forest_pack(f);
    if (s == VT_OK) *out = f;
    else vt_forest_free(f);
    return s;
}
