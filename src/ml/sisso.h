/* sisso.h - internal: SISSO (sure independence screening + sparsifying operator; R. Ouyang et al.,
** Phys. Rev. Mater. 2, 083802, 2018) for the diffusivity law D_Li(T) (issue 4).
**   1. Feature space: primary features (dataset columns and inv_kBT = 1/(kB T), 1/eV) combined
**      rung by rung with operators; optional units keep only dimensionally consistent expressions;
**      duplicates, constants and out-of-range features (non-finite, max |f| > fmax_max or
**      < fmax_min, spread below min_spread x max |f|) are dropped.
**   2. SIS: the sis_size features most correlated (|Pearson r|) with the target, then with the
**      residual of the best model of each further dimension.
**   3. L0 (src/ml/l0.h) over the union of the SIS subspaces: the best linear model of each
**      dimension, printed as an equation, e.g. "lnD = -3.55 - 0.334 * (1/kBT) - 0.106 * LNC".
** The fitted model keeps expression trees over named primaries: it is evaluated on any dataset that
** has (or lets vitrum derive, src/ml/inputs.h) those names, and serialised to JSON.
** Settings come from a file of "key = value" lines ('#' starts a comment); an unknown key is an
** error naming file:line (SISSO 3.3 ignored misspelled keys, and the paper lost its operators).
** Units used here: T in K, D in cm^2/s; "D x 1000" as in the paper's table. */
#ifndef VT_ML_SISSO_H
#define VT_ML_SISSO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "vitrum.h"
#include "ml/l0.h"

/* Operators. Binary a - b is built once per pair (b - a only flips the sign); a / b and b / a both. */
typedef enum vt_sisso_op {
    VT_OP_VAR = 0,   /* a primary feature: the leaf of every tree */
    VT_OP_ADD,       /* a + b      (same unit) */
    VT_OP_SUB,       /* a - b      (same unit) */
    VT_OP_MUL,       /* a * b */
    VT_OP_DIV,       /* a / b */
    VT_OP_ABSDIFF,   /* |a - b|    (same unit); "|-|" in settings */
    VT_OP_EXP,       /* exp(a)     (dimensionless a) */
    VT_OP_EXPNEG,    /* exp(-a)    (dimensionless a); "exp-" */
    VT_OP_INV,       /* a^-1 */
    VT_OP_SQ,        /* a^2 */
    VT_OP_CUBE,      /* a^3 */
    VT_OP_SIXTH,     /* a^6 */
    VT_OP_SQRT,      /* sqrt(a) */
    VT_OP_CBRT,      /* cbrt(a) */
    VT_OP_LOG,       /* ln(a)      (dimensionless a) */
    VT_OP_ABS,       /* |a| (not in the default set: on positive data it only makes duplicates) */
    VT_OP_COUNT
} vt_sisso_op;

#define VT_SISSO_OPS_DEFAULT (((1u << VT_OP_COUNT) - 1u) & ~1u & ~(1u << VT_OP_ABS))

/* Settings; every field has a key of the same name in the settings file (see
 * vt_sisso_settings_format() for the list with its documentation). */
typedef struct vt_sisso_settings {
    vt_target target;       /* target: lnD = ln(D / (cm^2/s)) (default) or D (D x 1000) */
    char primaries[4096];   /* names separated by blanks or commas; "" (default): inv_kBT and
                             * every dataset column except temperature */
    int rung;               /* 0..3 operator applications in depth (default 2) */
    unsigned ops;           /* bit (1u << op) for every operator allowed; "ops = + - * / exp ..." */
    int max_dim;            /* descriptor dimensions 1..max_dim (default 4, at most VT_L0_MAX_DIM) */
    int sis_size;           /* features screened per dimension (default 100) */
    int top_n;              /* models kept per dimension (default 10) */
    vt_l0_metric metric;    /* rmse (default) or maxae */
    int threads;            /* 0 = all cores; results do not depend on it */
    double memory_gib;      /* budget for cached feature values (default 4 GiB); the rest of the
                             * stored feature space is evaluated on demand from its trees */
    double fmax_max;        /* drop a feature whose max |value| exceeds this (1e5) */
    double fmax_min;        /* drop a feature whose max |value| is below this (1e-3) */
    double min_spread;      /* drop a feature whose standard deviation is below this times its
                             * max |value| (1e-6): constants and rounding noise such as a/b*b/a */
    double eps;             /* L0 singular-subset threshold (1e-10, see l0.h) */
    char units[4096];       /* "" (default): no dimensional analysis; else "name: unit, ..." for
                             * every primary, units as products of symbols with integer powers,
                             * e.g. "inv_kBT: 1/eV, AAV: A^3, PF: 1" */
    int progress;           /* 1 (default): progress on stderr, only when stderr is a terminal */
} vt_sisso_settings;

vt_sisso_settings vt_sisso_settings_default(void);
/* Read a settings file over the defaults. An unknown or repeated key, a bad value or a line without
 * '=' is VT_EINVAL naming path:line and the key; an unreadable file is VT_EIO. */
vt_status vt_sisso_settings_read(const char *path, vt_sisso_settings *out);
/* Set one key from its text (as in the file); VT_EINVAL naming the key when unknown or bad. */
vt_status vt_sisso_settings_set(vt_sisso_settings *s, const char *key, const char *value);
/* All settings as "key = value" lines with a comment each: a settings file that reads back to s.
 * The caller frees the text with vt_free(); NULL when out of memory. */
char *vt_sisso_settings_format(const vt_sisso_settings *s);
/* Write vt_sisso_settings_format() to f (for the CLI). */
vt_status vt_sisso_settings_print(const vt_sisso_settings *s, FILE *f);
/* The operator's settings name ("+", "exp-", "|-|", ...), or NULL when op is out of range. */
const char *vt_sisso_op_name(int op);

/* A fitted model: expression trees over named primaries, and the best top_n linear models of
 * every dimension. Nodes are topologically ordered (children before parents). */
typedef struct vt_sisso_node {
    int32_t op;              /* vt_sisso_op */
    int32_t a, b;            /* VT_OP_VAR: a = primary index; unary: a = child node; binary: a, b */
} vt_sisso_node;

typedef struct vt_sisso_desc {
    int dim;
    int32_t root[VT_L0_MAX_DIM];  /* node of each feature */
    double coef[VT_L0_MAX_DIM];   /* target = intercept + sum_j coef[j] * feature_j */
    double intercept;
    double rmse, maxae;           /* training errors on the target scale (lnD or D x 1000) */
} vt_sisso_desc;

typedef struct vt_sisso_model {
    vt_target target;
    size_t n_primaries;
    char **primaries;             /* names: dataset columns or derived inputs ("inv_kBT") */
    size_t n_nodes;
    vt_sisso_node *nodes;
    int max_dim, top_n;
    int n_desc[VT_L0_MAX_DIM];    /* models of dimension k at [k - 1] (fewer than top_n possible) */
    vt_sisso_desc *desc;          /* dimension k, rank r (0 = best) at [(k - 1) * top_n + r]; ranked
                                   * by the L0 metric, except that models fitting as well as the best
                                   * to within 1e-9 of the target's spread rank by fewer operators */
    size_t n_train;               /* training rows */
    double n_space;               /* features SIS scored in the last dimension (finite and not
                                   * constant; the value-range limits are checked for the best) */
} vt_sisso_model;

/* Fit on rows (NULL = all) of a dataset with a target. */
vt_status vt_sisso_fit(const vt_dataset *d, const size_t *rows, size_t n_rows,
                       const vt_sisso_settings *s, vt_sisso_model **out);
void vt_sisso_model_free(vt_sisso_model *m);
/* The highest dimension fitted (the model predictions use). */
int vt_sisso_model_dim(const vt_sisso_model *m);
/* Model of dimension dim (1..max_dim), rank (0 = best), or NULL. Borrowed: valid while m lives. */
const vt_sisso_desc *vt_sisso_model_desc(const vt_sisso_model *m, int dim, int rank);

/* The target (lnD or D x 1000, as fitted) by the model of dimension dim (0 = highest) and rank
 * (0 = best) for rows (NULL = all). An input neither in d nor derivable, or a non-finite value, is
 * an error naming it (and the row and formula). */
vt_status vt_sisso_eval(const vt_sisso_model *m, int dim, int rank, const vt_dataset *d,
                        const size_t *rows, size_t n_rows, double *out);
/* D x 1000 (cm^2/s x 1000) as vt_model_predict() reports it: exp(lnD) x 1000 for a lnD model. */
vt_status vt_sisso_predict(const vt_sisso_model *m, const vt_dataset *d, const size_t *rows,
                           size_t n_rows, double *D_x1000);

/* A feature or the descriptor of dimension dim, rank as text, e.g.
 * "lnD = -3.55 - 0.334 * (1/kBT) - 0.106 * LNC + 0.112 * LLB - 1.95 * PF" (inv_kBT is printed as
 * (1/kBT)). Caller frees with vt_free(); NULL when out of memory or out of range. */
char *vt_sisso_feature_text(const vt_sisso_model *m, int32_t node);
char *vt_sisso_equation(const vt_sisso_model *m, int dim, int rank);

/* JSON object {"kind": "sisso", "target", "primaries", "nodes", "models", ...}; doubles exact.
 * NULL when out of memory. from_json validates every field (VT_EPARSE naming it). */
cJSON *vt_sisso_to_json(const vt_sisso_model *m);
vt_status vt_sisso_from_json(const cJSON *obj, vt_sisso_model **out);

/* k-fold cross-validation grouped by formula (vt_folds_assign(d, k, 1, seed, ...)), the whole
 * search rerun on the training part of every fold. pred (n_rows of d, may be NULL) gets the
 * out-of-fold target of every row; rmse the RMSE of all rows on the target scale; fold_rmse (k
 * values, may be NULL) per fold. */
vt_status vt_sisso_cv(const vt_dataset *d, const vt_sisso_settings *s, int k, uint64_t seed,
                      double *pred, double *rmse, double *fold_rmse);
#endif
