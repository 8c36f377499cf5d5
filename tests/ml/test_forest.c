/* test_forest.c - random forest / extra-trees (src/ml/forest.c): analytic cases (a step learned
** exactly, a constant target, importances by hand), the limits min_samples_leaf, min_samples_split
** and max_depth, feature draws past constant features, seeds and threads (bit-identical), the
** prediction paths against each other, JSON round trip (bit-identical) and malformed JSON. The
** comparison with scikit-learn is tests/ml/test_forest_sklearn.sh. */
#include <float.h>
#include <string.h>

#include "core/rng.h"
#include "ml/forest.h"
#include "test.h"

/* Uniform X in [0, 1), y = a smooth function of the first two columns plus noise. */
static void make_data(size_t n, size_t p, uint64_t seed, double *X, double *y)
{
    vt_rng r;
    vt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++) X[i * p + j] = vt_rng_uniform(&r);
        y[i] = sin(6 * X[i * p]) + 2 * X[i * p + 1] * X[i * p + 1] + 0.1 * vt_rng_uniform(&r);
    }
}

static vt_forest_params one_tree(void)
{
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 1;
    par.bootstrap = 0;
    par.n_threads = 1;
    return par;
}

static vt_forest *fit(const double *X, const double *y, size_t n, size_t p,
                      const vt_forest_params *par)
{
    vt_forest *f = NULL;
    vt_status s = vt_forest_fit(X, y, n, p, par, &f);
    if (s != VT_OK) fprintf(stderr, "fit: %s\n", vt_errmsg());
    CHECK(s == VT_OK && f != NULL);
    return f;
}

static int trees_identical(const vt_tree *a, const vt_tree *b)
{
    size_t n = a->n_nodes;
    return n == b->n_nodes && !memcmp(a->feature, b->feature, n * sizeof *a->feature) &&
           !memcmp(a->threshold, b->threshold, n * sizeof *a->threshold) &&
           !memcmp(a->left, b->left, n * sizeof *a->left) &&
           !memcmp(a->right, b->right, n * sizeof *a->right) &&
           !memcmp(a->value, b->value, n * sizeof *a->value);
}

static int forests_identical(const vt_forest *a, const vt_forest *b)
{
    if (!a || !b || a->n_trees != b->n_trees || a->n_features != b->n_features) return 0;
    for (size_t t = 0; t < a->n_trees; t++)
        if (!trees_identical(&a->trees[t], &b->trees[t])) return 0;
    return !memcmp(a->importance, b->importance, a->n_features * sizeof *a->importance);
}

/* The leaf a row reaches. */
static int32_t leaf_of(const vt_tree *t, const double *x)
{
    int32_t i = 0;
    while (t->feature[i] >= 0) i = x[t->feature[i]] <= t->threshold[i] ? t->left[i] : t->right[i];
    return i;
}

/* Depth of every node (children always come after their parent). */
static void node_depths(const vt_tree *t, int *depth)
{
    depth[0] = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->feature[i] >= 0) depth[t->left[i]] = depth[t->right[i]] = depth[i] + 1;
}

/* y = -1.25 below x0 = 10, 3.5 from there; x1 is noise. One tree, no bootstrap: one split at the
 * midpoint 9.5, two pure leaves, all importance on x0. Extra-trees split at random thresholds but
 * still end with pure leaves, so they too reproduce the training targets exactly. */
static void test_step(void)
{
    enum { N = 20, P = 2 };
    double X[N * P], y[N], mean, sd;
    vt_rng r;
    vt_rng_seed(&r, 5);
    for (int i = 0; i < N; i++) {
        X[i * P] = i;
        X[i * P + 1] = vt_rng_uniform(&r);
        y[i] = i >= 10 ? 3.5 : -1.25;
    }
    vt_forest_params par = one_tree();
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    CHECK(f->trees[0].n_nodes == 3);
    CHECK(f->trees[0].feature[0] == 0);
    CHECK(f->trees[0].threshold[0] == 9.5);
    CHECK(f->importance[0] == 1.0 && f->importance[1] == 0.0);
    for (int i = 0; i < N; i++) {
        vt_forest_predict_row(f, X + i * P, &mean, &sd);
        CHECK(mean == y[i] && sd == 0.0);
    }
    double at[P] = {9.5, 0.5}; /* on the threshold: left */
    vt_forest_predict_row(f, at, &mean, &sd);
    CHECK(mean == -1.25);
    at[0] = 9.5000001;
    vt_forest_predict_row(f, at, &mean, &sd);
    CHECK(mean == 3.5);
    vt_forest_free(f);

    par.extra_random = 1;
    par.n_trees = 10;
    f = fit(X, y, N, P, &par);
    if (!f) return;
    for (int i = 0; i < N; i++) {
        vt_forest_predict_row(f, X + i * P, &mean, &sd);
        CHECK(mean == y[i] && sd == 0.0);
    }
    int n_not_midpoint = 0;
    for (size_t t = 0; t < f->n_trees; t++) {
        const vt_tree *tr = &f->trees[t];
        CHECK(tr->feature[0] == 0); /* the noise feature cannot beat the step */
        CHECK(tr->threshold[0] >= 0 && tr->threshold[0] < N - 1);
        n_not_midpoint += tr->threshold[0] != floor(tr->threshold[0]) + 0.5;
    }
    CHECK(n_not_midpoint > 0); /* random thresholds in [min, max), not midpoints */
    vt_forest_free(f);
}

/* A constant target: no split anywhere (impurity 0), the value exactly, zero importances. */
static void test_constant(void)
{
    enum { N = 50, P = 3 };
    double X[N * P], y[N], mean, sd;
    make_data(N, P, 2, X, y);
    for (int i = 0; i < N; i++) y[i] = 2.75;
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 10;
    par.n_threads = 1;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    for (size_t t = 0; t < f->n_trees; t++) CHECK(f->trees[t].n_nodes == 1);
    for (int j = 0; j < P; j++) CHECK(f->importance[j] == 0.0);
    vt_forest_predict_row(f, X, &mean, &sd);
    CHECK(mean == 2.75 && sd == 0.0);
    vt_forest_free(f);
}

/* Importances by hand: x0 = 0 0 1 1, x1 = 0 1 0 1, y = 0 1 10 11. The root split on x0 lowers
 * sum (y - mean)^2 from 101 to 1 (a decrease of 100), each child's split on x1 by 0.5: x0 gets
 * 100/101, x1 1/101, whatever the seed. */
static void test_importance(void)
{
    double X[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 10, 11};
    vt_forest_params par = one_tree();
    par.n_trees = 5;
    vt_forest *f = fit(X, y, 4, 2, &par);
    if (!f) return;
    CHECK_REL(f->importance[0], 100.0 / 101.0, 4 * DBL_EPSILON);
    CHECK_REL(f->importance[1], 1.0 / 101.0, 4 * DBL_EPSILON);
    CHECK(f->trees[0].feature[0] == 0 && f->trees[0].n_nodes == 7);
    vt_forest_free(f);

    /* On random data importances sum to 1 and the features y ignores get least. */
    enum { N = 300, P = 4 };
    double Xr[N * P], yr[N];
    make_data(N, P, 3, Xr, yr);
    par = vt_forest_params_default();
    par.n_trees = 20;
    f = fit(Xr, yr, N, P, &par);
    if (!f) return;
    double sum = 0;
    for (int j = 0; j < P; j++) sum += f->importance[j];
    CHECK_REL(sum, 1.0, 8 * DBL_EPSILON);
    CHECK(f->importance[0] > f->importance[2] && f->importance[0] > f->importance[3]);
    CHECK(f->importance[1] > f->importance[2] && f->importance[1] > f->importance[3]);
    vt_forest_free(f);
}

/* Importances recomputed from the trees and the training rows (no bootstrap, so every row has
 * weight 1): per node W I = sum (y - mean)^2 of the rows through it; per tree the decreases per
 * feature normalised to sum 1; averaged; normalised. Depth-limited trees on a third of the
 * features differ in their total decrease, so the per-tree normalisation shows. */
static void test_importance_recomputed(void)
{
    enum { N = 200, P = 4, T = 10 };
    static double X[N * P], y[N], cnt[2 * N], sum[2 * N], sq[2 * N];
    double want[P] = {0}, total = 0;
    make_data(N, P, 11, X, y);
    vt_forest_params par = one_tree();
    par.n_trees = T;
    par.max_depth = 3;
    par.max_features = 0.34;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    for (size_t t = 0; t < T; t++) {
        const vt_tree *tr = &f->trees[t];
        double dec[P] = {0}, tree_total = 0;
        memset(cnt, 0, sizeof cnt);
        memset(sum, 0, sizeof sum);
        memset(sq, 0, sizeof sq);
        for (int i = 0; i < N; i++)
            for (int32_t k = 0;; k = X[i * P + tr->feature[k]] <= tr->threshold[k] ? tr->left[k]
                                                                                  : tr->right[k]) {
                cnt[k] += 1;
                sum[k] += y[i];
                sq[k] += y[i] * y[i];
                if (tr->feature[k] < 0) break;
            }
        for (size_t k = 0; k < tr->n_nodes; k++) sq[k] -= sum[k] * sum[k] / cnt[k]; /* W I */
        for (size_t k = 0; k < tr->n_nodes; k++)
            if (tr->feature[k] >= 0) dec[tr->feature[k]] += sq[k] - sq[tr->left[k]] - sq[tr->right[k]];
        for (int j = 0; j < P; j++) tree_total += dec[j];
        for (int j = 0; j < P; j++) want[j] += dec[j] / tree_total / T;
    }
    for (int j = 0; j < P; j++) total += want[j];
    for (int j = 0; j < P; j++) CHECK_REL(f->importance[j], want[j] / total, 1e-10);
    vt_forest_free(f);
}

/* Bootstrap draws are weights: n draws with replacement, so a root-only tree's value is
 * sum c_i y_i / n with whole counts c_i; with whole y_i, n times the value is whole. */
static void test_bootstrap_weights(void)
{
    enum { N = 50, P = 2 };
    double X[N * P], y[N];
    make_data(N, P, 12, X, y);
    for (int i = 0; i < N; i++) y[i] = (double)(i * 7 % 23);
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 20;
    par.min_samples_split = 1000; /* root-only trees */
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    int n_differ = 0;
    for (size_t t = 0; t < f->n_trees; t++) {
        double v = f->trees[t].value[0] * N;
        CHECK(f->trees[t].n_nodes == 1);
        CHECK(fabs(v - round(v)) < 1e-9);
        n_differ += f->trees[t].value[0] != f->trees[0].value[0];
    }
    CHECK(n_differ > 0); /* every tree its own draw */
    vt_forest_free(f);
}

/* Every leaf holds at least min_samples_leaf rows; every split node at least min_samples_split;
 * no node is deeper than max_depth (and the limit is reached, so the checks can fail). */
static void test_limits(void)
{
    enum { N = 300, P = 4 };
    static double X[N * P], y[N];
    static int32_t leaf_rows[2 * N];
    static int depth[2 * N];
    make_data(N, P, 4, X, y);
    for (int bootstrap = 0; bootstrap <= 1; bootstrap++) {
        for (int extra = 0; extra <= 1; extra++) {
            vt_forest_params par = vt_forest_params_default();
            par.n_trees = 5;
            par.min_samples_leaf = 7;
            par.bootstrap = bootstrap;
            par.extra_random = extra;
            vt_forest *f = fit(X, y, N, P, &par);
            if (!f) return;
            for (size_t t = 0; t < f->n_trees; t++) {
                const vt_tree *tr = &f->trees[t];
                size_t n_leaves = 0;
                int32_t fewest = N;
                memset(leaf_rows, 0, sizeof leaf_rows);
                /* Out-of-bag rows only add to the in-bag rows a leaf was grown from. */
                for (int i = 0; i < N; i++) leaf_rows[leaf_of(tr, X + i * P)]++;
                for (size_t i = 0; i < tr->n_nodes; i++) {
                    if (tr->feature[i] >= 0) continue;
                    n_leaves++;
                    if (leaf_rows[i] < fewest) fewest = leaf_rows[i];
                }
                CHECK(fewest >= 7);
                CHECK(n_leaves >= 10);
            }
            vt_forest_free(f);
        }
    }

    vt_forest_params par = one_tree();
    par.min_samples_split = 50;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    const vt_tree *tr = &f->trees[0];
    memset(leaf_rows, 0, sizeof leaf_rows);
    for (int i = 0; i < N; i++) { /* count the rows through every node on the way to the leaf */
        int32_t k = 0;
        for (;;) {
            leaf_rows[k]++;
            if (tr->feature[k] < 0) break;
            k = X[i * P + tr->feature[k]] <= tr->threshold[k] ? tr->left[k] : tr->right[k];
        }
    }
    int n_small_leaves = 0;
    for (size_t i = 0; i < tr->n_nodes; i++) {
        if (tr->feature[i] >= 0) CHECK(leaf_rows[i] >= 50);
        else n_small_leaves += leaf_rows[i] < 25;
    }
    CHECK(n_small_leaves > 0);
    vt_forest_free(f);

    for (int max_depth = 1; max_depth <= 4; max_depth += 3) {
        par = vt_forest_params_default();
        par.n_trees = 5;
        par.max_depth = max_depth;
        f = fit(X, y, N, P, &par);
        if (!f) return;
        for (size_t t = 0; t < f->n_trees; t++) {
            int deepest = 0;
            node_depths(&f->trees[t], depth);
            for (size_t i = 0; i < f->trees[t].n_nodes; i++)
                if (depth[i] > deepest) deepest = depth[i];
            CHECK(deepest == max_depth);
        }
        if (max_depth == 1) CHECK(f->trees[0].n_nodes == 3);
        vt_forest_free(f);
    }
}

/* Features 0..3 constant, feature 4 a step; one feature per node (max_features 0.2 of 5): as in
 * sklearn the draw goes on past constant features, so every tree still finds the step. */
static void test_constant_features(void)
{
    enum { N = 30, P = 5 };
    double X[N * P], y[N], mean, sd;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 4; j++) X[i * P + j] = 1.0;
        X[i * P + 4] = i;
        y[i] = i < 12 ? 1.0 : 4.0;
    }
    vt_forest_params par = one_tree();
    par.n_trees = 20;
    par.max_features = 0.2;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    for (size_t t = 0; t < f->n_trees; t++)
        CHECK(f->trees[t].n_nodes == 3 && f->trees[t].feature[0] == 4);
    for (int i = 0; i < N; i++) {
        vt_forest_predict_row(f, X + i * P, &mean, &sd);
        CHECK(mean == y[i]);
    }
    vt_forest_free(f);
}

/* The same seed gives the same bytes whatever the thread count; another seed other trees. Trees
 * take long enough for every thread to grow some, so state leaking from one tree to the next
 * that a thread grows shows. */
static void test_seeds_threads(void)
{
    enum { N = 1000, P = 6 };
    static double X[N * P], y[N];
    make_data(N, P, 6, X, y);
    for (int extra = 0; extra <= 1; extra++) {
        vt_forest_params par = vt_forest_params_default();
        par.n_trees = 24;
        par.max_features = 0.5;
        par.extra_random = extra;
        par.seed = 42;
        par.n_threads = 1;
        vt_forest *a = fit(X, y, N, P, &par);
        par.n_threads = 2;
        vt_forest *b = fit(X, y, N, P, &par);
        par.n_threads = 3;
        vt_forest *c = fit(X, y, N, P, &par);
        par.n_threads = 0;
        vt_forest *d = fit(X, y, N, P, &par);
        par.n_threads = 1;
        vt_forest *e = fit(X, y, N, P, &par);
        par.seed = 43;
        vt_forest *g = fit(X, y, N, P, &par);
        CHECK(forests_identical(a, b));
        CHECK(forests_identical(a, c));
        CHECK(forests_identical(a, d));
        CHECK(forests_identical(a, e));
        CHECK(!forests_identical(a, g));
        if (a && g) {
            double ma, sa, mg, sg;
            vt_forest_predict_row(a, X, &ma, &sa);
            vt_forest_predict_row(g, X, &mg, &sg);
            CHECK(ma != mg);
        }
        vt_forest_free(a);
        vt_forest_free(b);
        vt_forest_free(c);
        vt_forest_free(d);
        vt_forest_free(e);
        vt_forest_free(g);
    }
}

/* vt_forest_predict, vt_forest_predict_row, vt_forest_predict_trees and vt_tree_predict agree:
 * per-tree values bit for bit, mean and sd to rounding (different summation orders). */
static void test_predict_paths(void)
{
    enum { N = 300, P = 4, M = 37 };
    static double X[N * P], y[N], mean[M], sd[M], per_tree[M * 30];
    make_data(N, P, 7, X, y);
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 30;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    vt_forest_predict(f, X, M, mean, sd);
    vt_forest_predict_trees(f, X, M, per_tree);
    int sd_positive = 1;
    for (int i = 0; i < M; i++) {
        double m1, s1, sum = 0, ss = 0;
        vt_forest_predict_row(f, X + i * P, &m1, &s1);
        CHECK(m1 == mean[i] && s1 == sd[i]);
        for (size_t t = 0; t < f->n_trees; t++) {
            double v = vt_tree_predict(&f->trees[t], X + i * P);
            CHECK(v == per_tree[i * 30 + t]);
            sum += v;
        }
        for (size_t t = 0; t < f->n_trees; t++) {
            double e = per_tree[i * 30 + t] - sum / 30;
            ss += e * e;
        }
        CHECK_REL(mean[i], sum / 30, 16 * DBL_EPSILON);
        CHECK_REL(sd[i], sqrt(ss / 30), 1e-12);
        sd_positive = sd_positive && sd[i] > 0;
    }
    CHECK(sd_positive);
    vt_forest_free(f);
}

/* Bad parameters and inputs are refused with a message, and *out stays NULL. */
static void test_bad_params(void)
{
    double X[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[4] = {1, 2, 3, 4};
    vt_forest_params good = vt_forest_params_default(), par;
    vt_forest *f = (vt_forest *)1;
#define REFUSED(field, v, code) do { par = good; par.field = v; f = (vt_forest *)1; \
    CHECK(vt_forest_fit(X, y, 4, 2, &par, &f) == code && f == NULL && strlen(vt_errmsg()) > 0); \
    } while (0)
    REFUSED(n_trees, 0, VT_EINVAL);
    REFUSED(max_features, 0.0, VT_EINVAL);
    REFUSED(max_features, 1.5, VT_EINVAL);
    REFUSED(max_features, NAN, VT_EINVAL);
    REFUSED(min_samples_leaf, 0, VT_EINVAL);
    REFUSED(min_samples_split, 1, VT_EINVAL);
    REFUSED(max_depth, -1, VT_EINVAL);
    REFUSED(n_threads, -2, VT_EINVAL);
#undef REFUSED
    X[5] = NAN;
    CHECK(vt_forest_fit(X, y, 4, 2, &good, &f) == VT_ERANGE && f == NULL);
    X[5] = 5;
    y[2] = INFINITY;
    CHECK(vt_forest_fit(X, y, 4, 2, &good, &f) == VT_ERANGE && f == NULL);
    CHECK(vt_forest_fit(X, y, 0, 2, &good, &f) == VT_EINVAL && f == NULL);
}

/* Print, parse, load: the same bytes in every array, the same predictions. The data make
 * thresholds and values whose 15-digit form does not read back, which cJSON's own number
 * printing would round. */
static void test_json_round_trip(void)
{
    enum { N = 200, P = 5 };
    static double X[N * P], y[N];
    make_data(N, P, 8, X, y);
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 10;
    vt_forest *f = fit(X, y, N, P, &par), *g = NULL, *h = NULL;
    if (!f) return;
    cJSON *j = vt_forest_to_json(f);
    CHECK(j != NULL);
    char *text = cJSON_PrintUnformatted(j);
    cJSON *parsed = cJSON_Parse(text);
    CHECK(parsed != NULL);
    CHECK(vt_forest_from_json(parsed, P, &g) == VT_OK);
    CHECK(forests_identical(f, g));
    CHECK(vt_forest_from_json(j, P, &h) == VT_OK); /* unprinted, straight from to_json */
    CHECK(forests_identical(f, h));
    if (g) {
        for (int i = 0; i < N; i += 7) {
            double m1, s1, m2, s2;
            vt_forest_predict_row(f, X + i * P, &m1, &s1);
            vt_forest_predict_row(g, X + i * P, &m2, &s2);
            CHECK(m1 == m2 && s1 == s2);
        }
    }
    /* The data must exercise the 17-digit case, or this test proves nothing about it. */
    int n_long = 0;
    for (size_t t = 0; t < f->n_trees; t++)
        for (size_t i = 0; i < f->trees[t].n_nodes; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%.15g", f->trees[t].value[i]);
            n_long += strtod(buf, NULL) != f->trees[t].value[i];
        }
    CHECK(n_long > 0);
    vt_forest *wrong = (vt_forest *)1;
    CHECK(vt_forest_from_json(parsed, P + 1, &wrong) == VT_EPARSE && wrong == NULL);
    free(text); /* cJSON allocates with libc malloc */
    cJSON_Delete(parsed);
    cJSON_Delete(j);
    vt_forest_free(f);
    vt_forest_free(g);
    vt_forest_free(h);
}

/* A valid two-feature forest of one tree (x0 <= 1.5: 2, else 3), then broken copies of it. */
#define TREE_OK "{\"feature\":[0,-1,-1],\"threshold\":[1.5,0,0],\"left\":[1,-1,-1]," \
                "\"right\":[2,-1,-1],\"value\":[1,2,3]}"
#define FOREST(imp, trees) "{\"n_features\":2,\"importance\":" imp ",\"trees\":" trees "}"
#define TREE(feature, threshold, left, right, value) "[{\"feature\":" feature ",\"threshold\":" \
    threshold ",\"left\":" left ",\"right\":" right ",\"value\":" value "}]"

static void test_json_malformed(void)
{
    const char *ok = FOREST("[0.5,0.5]", "[" TREE_OK "]");
    cJSON *j = cJSON_Parse(ok);
    vt_forest *f = NULL;
    CHECK(vt_forest_from_json(j, 2, &f) == VT_OK);
    if (f) {
        double x[2] = {1.5, 0}, mean, sd;
        vt_forest_predict_row(f, x, &mean, &sd);
        CHECK(mean == 2);
        x[0] = 1.6;
        vt_forest_predict_row(f, x, &mean, &sd);
        CHECK(mean == 3);
    }
    vt_forest_free(f);
    cJSON_Delete(j);

    static const char *const bad[] = {
        "[]",
        "{\"importance\":[0.5,0.5],\"trees\":[" TREE_OK "]}",
        "{\"n_features\":3,\"importance\":[0.5,0.5],\"trees\":[" TREE_OK "]}",
        "{\"n_features\":\"2\",\"importance\":[0.5,0.5],\"trees\":[" TREE_OK "]}",
        FOREST("[0.5]", "[" TREE_OK "]"),
        FOREST("[0.5,\"a\"]", "[" TREE_OK "]"),
        FOREST("{}", "[" TREE_OK "]"),
        "{\"n_features\":2,\"importance\":[0.5,0.5]}",
        FOREST("[0.5,0.5]", "[]"),
        FOREST("[0.5,0.5]", "{}"),
        FOREST("[0.5,0.5]", "[1]"),
        FOREST("[0.5,0.5]", "[" TREE_OK ",null]"),
        FOREST("[0.5,0.5]", "[{\"feature\":[0,-1,-1],\"threshold\":[1.5,0,0],"
                            "\"left\":[1,-1,-1],\"right\":[2,-1,-1]}]"),
        FOREST("[0.5,0.5]", TREE("[]", "[]", "[]", "[]", "[]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[2,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[-2,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0.5,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[1e10,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[0,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[3,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[1,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[-1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,2,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[-1,-1,-1]", "[0,0,0]", "[-1,-1,-1]", "[-1,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,0,-1,-1]", "[1,1,0,0]", "[1,2,-1,-1]", "[2,3,-1,-1]",
                                 "[1,2,3,4]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1e999,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[\"x\",0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,2,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,null,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,-1e400,3]")),
        FOREST("[0.5,0.5]", TREE("[0,-1,-1]", "[1.5,0,0]", "[1,-1,-1]", "[2,-1,-1]", "[1,[2],3]")),
        FOREST("[0.5,0.5]", "[{\"feature\":[0,-1,-1],\"threshold\":[1.5,0,0],"
                            "\"left\":[1,-1,-1],\"right\":{\"a\":2},\"value\":[1,2,3]}]"),
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        j = cJSON_Parse(bad[k]);
        CHECK(j != NULL); /* valid JSON, invalid forest */
        f = (vt_forest *)1;
        vt_status s = vt_forest_from_json(j, 2, &f);
        if (s != VT_EPARSE) fprintf(stderr, "case %zu: %s accepted (%d)\n", k, bad[k], (int)s);
        CHECK(s == VT_EPARSE && f == NULL && strstr(vt_errmsg(), "forest JSON") != NULL);
        cJSON_Delete(j);
    }
    CHECK(vt_forest_from_json(NULL, 2, &f) == VT_EPARSE && f == NULL);
}

/* Random damage to the arrays of a real forest: every load either fails with VT_EPARSE or gives
 * a forest whose walks end (run under ASan/valgrind, this is where a crash would show). */
static void test_json_fuzz(void)
{
    enum { N = 40, P = 3 };
    static const char *const names[] = {"feature", "left", "right", "threshold", "value"};
    double X[N * P], y[N];
    make_data(N, P, 9, X, y);
    vt_forest_params par = vt_forest_params_default();
    par.n_trees = 3;
    vt_forest *f = fit(X, y, N, P, &par);
    if (!f) return;
    cJSON *base = vt_forest_to_json(f);
    char *text = cJSON_PrintUnformatted(base);
    vt_rng r;
    vt_rng_seed(&r, 10);
    int n_refused = 0, n_loaded = 0;
    for (int iter = 0; iter < 3000; iter++) {
        cJSON *j = cJSON_Parse(text);
        cJSON *tree = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "trees"), (int)vt_rng_below(&r, 3));
        cJSON *arr = cJSON_GetObjectItem(tree, names[vt_rng_below(&r, 5)]);
        int n = cJSON_GetArraySize(arr), k = (int)vt_rng_below(&r, (size_t)n);
        double v = (double)vt_rng_below(&r, (size_t)n + 4) - 2.0;
        switch (vt_rng_below(&r, 4)) {
        case 0: cJSON_ReplaceItemInArray(arr, k, cJSON_CreateNumber(v)); break;
        case 1: cJSON_ReplaceItemInArray(arr, k, cJSON_CreateNumber(v + 0.5)); break;
        case 2: cJSON_DeleteItemFromArray(arr, k); break;
        default: cJSON_ReplaceItemInArray(arr, k, cJSON_CreateString("1")); break;
        }
        vt_forest *g = NULL;
        vt_status s = vt_forest_from_json(j, P, &g);
        CHECK(s == VT_OK || s == VT_EPARSE);
        if (s == VT_OK) {
            double mean, sd;
            for (int i = 0; i < N; i++) vt_forest_predict_row(g, X + i * P, &mean, &sd);
            n_loaded++;
        } else {
            n_refused++;
        }
        vt_forest_free(g);
        cJSON_Delete(j);
    }
    CHECK(n_refused > 1000 && n_loaded > 100); /* both outcomes happen */
    free(text);
    cJSON_Delete(base);
    vt_forest_free(f);
}

int main(void)
{
    test_step();
    test_constant();
    test_importance();
    test_importance_recomputed();
    test_bootstrap_weights();
    test_limits();
    test_constant_features();
    test_seeds_threads();
    test_predict_paths();
    test_bad_params();
    test_json_round_trip();
    test_json_malformed();
    test_json_fuzz();
    TEST_DONE();
}
