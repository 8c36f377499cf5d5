/* inputs.c - input matrices for the learners: dataset columns plus derived inputs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "inputs.h"

#define INV_KBT "inv_kBT"

#define TIMES_INV_KBT "*inv_kBT"

static int name_index(const char *const *names, int n, const char *name, size_t len)
{
    for (int j = 0; j < n; j++)
        if (strlen(names[j]) == len && strncmp(names[j], name, len) == 0) return j;
    return -1;
}

/* Where an input comes from: a dataset column, 1/kBT, a compositional feature or an extra
 * composition statistic; times_inv_kBT marks the product "<name>*inv_kBT". */
typedef enum src_kind { SRC_COLUMN, SRC_INV_KBT, SRC_COMPFEAT, SRC_COMPEXTRA } src_kind;
typedef struct source { src_kind kind; int index; int times_inv_kBT; } source;

/* 0 when the name cannot be resolved against d (d may be NULL: derivable inputs only). */
static int find_source(const vt_dataset *d, const char *name, source *src)
{
    size_t len = strlen(name), suffix = strlen(TIMES_INV_KBT);
    src->times_inv_kBT = len > suffix && strcmp(name + len - suffix, TIMES_INV_KBT) == 0;
    if (src->times_inv_kBT) len -= suffix;
    int j;
    if (d && (j = name_index((const char *const *)d->col_names, (int)d->n_cols, name, len)) >= 0)
        *src = (source){SRC_COLUMN, j, src->times_inv_kBT};
    else if ((j = name_index(vt_compfeat_names(), VT_N_COMPFEAT, name, len)) >= 0)
        *src = (source){SRC_COMPFEAT, j, src->times_inv_kBT};
    else if (len == 3 && strncmp(name, "ENS", 3) == 0) /* ENS = avg X of the non-Li atoms */
        *src = (source){SRC_COMPFEAT, name_index(vt_compfeat_names(), VT_N_COMPFEAT, "avg_X_wiout_Li", 14), src->times_inv_kBT};
    else if ((j = name_index(vt_compextra_names(), VT_N_COMPEXTRA, name, len)) >= 0)
        *src = (source){SRC_COMPEXTRA, j, src->times_inv_kBT};
    else if (!src->times_inv_kBT && strcmp(name, INV_KBT) == 0)
        *src = (source){SRC_INV_KBT, 0, 0};
    else
        return 0;
    return 1;
}

int vt_input_derivable(const char *name)
{
    source src;
    return find_source(NULL, name, &src);
}

static const struct { const char *name, *unit; } units[] = {
    {"temperature", "K"}, {INV_KBT, "1/eV"}, {"Li_percentage", "atom fraction"},
    {"avg_B_with_Li", "GPa"}, {"avg_B_wiout_Li", "GPa"}, {"avg_G_with_Li", "GPa"},
    {"avg_G_wiout_Li", "GPa"}, {"avg_Ecoh_with_Li", "eV/atom"}, {"avg_Echo_wiout_Li", "eV/atom"},
    {"atomic_radius_avg", "A"}, {"atomic_radius_avg_exclude_Li", "A"}, {"avg_m_with_Li", "amu"},
    {"avg_m_wiout_Li", "amu"}, {"avg_X_with_Li", "Pauling"}, {"avg_X_wiout_Li", "Pauling"},
    {"avg_diff_of_X_Li_rest", "Pauling"}, {"ENS", "Pauling"}, {"AAV", "A^3/atom"}, {"VPA", "A^3"},
    {"PF", "1"}, {"SPF", "1"}, {"ratio_r_without_Li_with", "1"},
};

const char *vt_input_unit(const char *name)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].name, name) == 0) return units[i].unit;
    return "paper Table 1";
}

static vt_status resolve(const vt_dataset *d, char *const *inputs, size_t n_inputs, source *src,
                         int *needs_comp)
{
    char missing[512] = "";
    size_t n_missing = 0, used = 0;
    *needs_comp = 0;
    for (size_t i = 0; i < n_inputs; i++) {
        if (find_source(d, inputs[i], &src[i])) {
            *needs_comp |= src[i].kind == SRC_COMPFEAT || src[i].kind == SRC_COMPEXTRA;
            continue;
        }
        int w = snprintf(missing + used, sizeof missing - used, "%s%s", n_missing ? ", " : "", inputs[i]);
        if (w > 0 && (size_t)w < sizeof missing - used) used += (size_t)w;
        n_missing++;
    }
    if (n_missing)
        VT_FAIL(VT_EINVAL, "the model needs %zu input%s that the data neither has nor vitrum can derive: %s",
                n_missing, n_missing > 1 ? "s" : "", missing);
    return VT_OK;
}

static vt_status fill_row(const vt_dataset *d, size_t r, const source *src, size_t n_inputs,
                          int needs_comp, double *x)
{
    double comp[VT_N_COMPFEAT], extra[VT_N_COMPEXTRA];
    if (needs_comp) {
        vt_composition c;
        VT_TRY(vt_composition_parse(d->formula[r], &c));
        if (vt_compfeat_compute(&c, comp) != VT_OK || vt_compextra_compute(&c, extra) != VT_OK)
            VT_FAIL(VT_ERANGE, "row %zu (%s): %s", r + 1, d->formula[r], vt_errmsg());
    }
    const double *row = d->X + r * d->n_cols;
    double inv_kBT = 1.0 / (VT_KB_EV_PER_K * row[0]);
    for (size_t i = 0; i < n_inputs; i++) {
        double v = src[i].kind == SRC_COLUMN     ? row[src[i].index]
                   : src[i].kind == SRC_COMPFEAT ? comp[src[i].index]
                   : src[i].kind == SRC_COMPEXTRA ? extra[src[i].index]
                                                  : inv_kBT;
        x[i] = src[i].times_inv_kBT ? v * inv_kBT : v;
    }
    return VT_OK;
}

vt_status vt_inputs_build(const vt_dataset *d, const size_t *rows, size_t n_rows,
                          char *const *inputs, size_t n_inputs, double **out)
{
    *out = NULL;
    source *src = vt_calloc(n_inputs, sizeof *src);
    double *X = vt_calloc(n_rows * n_inputs, sizeof *X);
    vt_status s = VT_OK;
    int needs_comp = 0;
    if (!src || !X) s = vt_err_set_(VT_ENOMEM, "inputs: out of memory");
    if (s == VT_OK) s = resolve(d, inputs, n_inputs, src, &needs_comp);
    for (size_t i = 0; s == VT_OK && i < n_rows; i++)
        s = fill_row(d, rows ? rows[i] : i, src, n_inputs, needs_comp, X + i * n_inputs);
    vt_free(src);
    if (s != VT_OK) {
        vt_free(X);
        return s;
    }
    *out = X;
    return VT_OK;
}

vt_status vt_inputs_check(const vt_dataset *d, char *const *inputs, size_t n_inputs)
{
    source *src = vt_calloc(n_inputs, sizeof *src);
    int needs_comp;
    vt_status s = src ? resolve(d, inputs, n_inputs, src, &needs_comp) : vt_err_set_(VT_ENOMEM, "inputs: out of memory");
    vt_free(src);
    return s;
}

void vt_inputs_free(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) vt_free(names[i]);
    vt_free(names);
}

/* Appends a copy of name (with an optional suffix) to the list. */
static vt_status push(char **v, size_t *n, const char *name, const char *suffix)
{
    size_t len = strlen(name) + strlen(suffix) + 1;
    if (!(v[*n] = vt_malloc(len))) VT_FAIL(VT_ENOMEM, "inputs: out of memory");
    snprintf(v[*n], len, "%s%s", name, suffix);
    (*n)++;
    return VT_OK;
}

static vt_status fill_names(const vt_dataset *d, int composition_only, int vitrum_inputs, char **v, size_t *n)
{
    if (!vitrum_inputs) VT_TRY(push(v, n, "temperature", ""));
    if (composition_only) {
        for (int j = 0; j < VT_N_COMPFEAT; j++) VT_TRY(push(v, n, vt_compfeat_names()[j], ""));
        if (vitrum_inputs) {
            VT_TRY(push(v, n, "ENS", ""));
            for (int j = 0; j < VT_N_COMPEXTRA; j++) VT_TRY(push(v, n, vt_compextra_names()[j], ""));
        }
    } else {
        for (size_t c = 1; c < d->n_cols; c++) VT_TRY(push(v, n, d->col_names[c], ""));
        for (size_t c = 1; vitrum_inputs && c < d->n_cols; c++) VT_TRY(push(v, n, d->col_names[c], TIMES_INV_KBT));
    }
    if (vitrum_inputs) VT_TRY(push(v, n, INV_KBT, ""));
    return VT_OK;
}

vt_status vt_inputs_default(const vt_dataset *d, int composition_only, int vitrum_inputs,
                            char ***names, size_t *n)
{
    size_t cap = 2 * d->n_cols + VT_N_COMPFEAT + VT_N_COMPEXTRA + 3, count = 0;
    char **v = vt_calloc(cap, sizeof *v);
    if (!v) VT_FAIL(VT_ENOMEM, "inputs: out of memory");
    vt_status s = fill_names(d, composition_only, vitrum_inputs, v, &count);
    if (s != VT_OK) {
        vt_inputs_free(v, count);
        return s;
    }
    *names = v;
    *n = count;
    return VT_OK;
}
