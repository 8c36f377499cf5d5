/* forest.h - internal: random forests and extra-trees of squared-error regression trees (CART).
** Written in C for vitrum (issue 3): bootstrap, exact best splits (or extra-randomized splits),
** max_features, min_samples_leaf, max_depth, seeded, threads; the spread of the per-tree
** predictions is the error bar. Semantics follow scikit-learn's RandomForestRegressor /
** ExtraTreesRegressor so that results are comparable side by side. */
#ifndef VT_ML_FOREST_H
#define VT_ML_FOREST_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "vitrum.h"

typedef struct vt_forest_params {
    size_t n_trees;          /* >= 1 */
    double max_features;     /* fraction of features tried per split, (0,1]; max(1, floor(f * p)) */
    size_t min_samples_leaf; /* >= 1 */
    size_t min_samples_split;/* >= 2 */
    int max_depth;           /* 0 = unlimited */
    int bootstrap;           /* 1: each tree on n draws with replacement */
    int extra_random;        /* 1: one uniform random threshold per tried feature (extra-trees) */
    uint64_t seed;           /* tree t uses vt_rng_derive(seed, t): same seed, same bytes */
    int n_threads;           /* 0 = all cores; results do not depend on it */
} vt_forest_params;

/* One tree as flat arrays; node 0 is the root; leaves have feature = -1. */
/* A node of the prediction layout: siblings adjacent (right child = left + 1), 16 bytes, so each
 * step of a walk touches one cache line instead of four arrays. Leaves: feature -1, threshold
 * holds the value, left points to the leaf itself. */
typedef struct vt_pnode { double threshold; int32_t feature, left; } vt_pnode;

typedef struct vt_tree {
    size_t n_nodes;
    int32_t *feature;        /* split feature index, -1 for a leaf */
    double *threshold;       /* go left when x[feature] <= threshold */
    int32_t *left, *right;   /* child node indices (-1 for leaves) */
    double *value;           /* mean target of the training samples in the node */
    vt_pnode *packed;        /* the same tree in prediction layout (n_nodes), derived after fit/load */
} vt_tree;

typedef struct vt_forest {
    size_t n_trees, n_features;
    vt_tree *trees;
    double *importance;      /* n_features; mean decrease in impurity, normalised to sum 1 */
} vt_forest;

/* Prediction of one tree for one row (NaN goes right). */
static inline double vt_tree_predict(const vt_tree *t, const double *x)
{
    int32_t node = 0;
    while (t->feature[node] >= 0) {
        /* A mask, not a branch, picks the child: the side taken is a coin flip to a branch
         * predictor, and gcc compiles "cond ? left : right" here to a branch (2x slower). */
        int32_t go_right = -(int32_t)!(x[t->feature[node]] <= t->threshold[node]);
        node = (t->left[node] & ~go_right) | (t->right[node] & go_right);
    }
    return t->value[node];
}

vt_forest_params vt_forest_params_default(void); /* sklearn RandomForestRegressor defaults, 100 trees */

/* Fit on row-major X (n_rows x n_features) and y. */
vt_status vt_forest_fit(const double *X, const double *y, size_t n_rows, size_t n_features,
                        const vt_forest_params *p, vt_forest **out);
/* Mean over trees and the standard deviation of the per-tree predictions (ddof = 0) for one row. */
void vt_forest_predict_row(const vt_forest *f, const double *x, double *mean, double *sd);
/* The same for n_rows rows of row-major X, faster than row by row (same results). */
void vt_forest_predict(const vt_forest *f, const double *X, size_t n_rows, double *mean, double *sd);
/* Every tree's prediction for n_rows rows of row-major X: out[i * n_trees + t] (for callers that
 * transform per-tree predictions before averaging); faster than vt_tree_predict row by row. */
void vt_forest_predict_trees(const vt_forest *f, const double *X, size_t n_rows, double *out);
void vt_forest_free(vt_forest *f);

/* Serialise to / from a JSON object: {"n_features", "importance": [...], "trees": [{"feature",
 * "threshold", "left", "right", "value"}, ...]}, arrays per tree as in vt_tree. Doubles are cJSON
 * raw items with the shortest of %.15g and %.17g that reads back exactly (cJSON's own number
 * printing drops the last bits of some); from_json takes them or plain numbers. to_json returns
 * NULL when out of memory. from_json validates every field, the lengths, index ranges and that
 * each tree is a tree (children after their parent, one parent each): VT_EPARSE naming the tree,
 * node and field, never a crash. */
cJSON *vt_forest_to_json(const vt_forest *f);
vt_status vt_forest_from_json(const cJSON *obj, size_t n_features, vt_forest **out);
#endif
