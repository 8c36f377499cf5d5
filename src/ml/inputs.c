/* inputs.c - input matrices for the learners: dataset columns plus derived inputs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "inputs.h"

#define INV_KBT "inv_kBT"

static int compfeat_index(const char *name)
{
    const char *const *names = vt_compfeat_names();
    for (int j = 0; j < VT_N_COMPFEAT; j++)
        if (strcmp(names[j], name) == 0) return j;
    return -1;
}

int vt_input_derivable(const char *name)
{
    return strcmp(name, INV_KBT) == 0 || compfeat_index(name) >= 0;
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

/* Where each input comes from: a dataset column (>= 0), or a derived source. */
enum { SRC_INV_KBT = -1, SRC_COMPFEAT = -2 };

static vt_status resolve(const vt_dataset *d, char *const *inputs, size_t n_inputs, int *src,
                         int *comp_j, int *needs_comp)
{
    char missing[512] = "";
    size_t n_missing = 0, used = 0;
    *needs_comp = 0;
    for (size_t i = 0; i < n_inputs; i++) {
        src[i] = vt_dataset_col(d, inputs[i]);
        comp_j[i] = compfeat_index(inputs[i]);
        if (src[i] >= 0) continue;
        if (strcmp(inputs[i], INV_KBT) == 0) {
            src[i] = SRC_INV_KBT;
        } else if (comp_j[i] >= 0) {
            src[i] = SRC_COMPFEAT;
            *needs_comp = 1;
        } else {
            int w = snprintf(missing + used, sizeof missing - used, "%s%s", n_missing ? ", " : "", inputs[i]);
            if (w > 0 && (size_t)w < sizeof missing - used) used += (size_t)w;
            n_missing++;
        }
    }
    if (n_missing)
        VT_FAIL(VT_EINVAL, "the model needs %zu input%s that the data neither has nor vitrum can derive: %s",
                n_missing, n_missing > 1 ? "s" : "", missing);
    return VT_OK;
}

static vt_status fill_row(const vt_dataset *d, size_t r, const int *src, const int *comp_j,
                          size_t n_inputs, int needs_comp, double *x)
{
    double comp[VT_N_COMPFEAT];
    if (needs_comp) {
        vt_composition c;
        VT_TRY(vt_composition_parse(d->formula[r], &c));
        if (vt_compfeat_compute(&c, comp) != VT_OK)
            VT_FAIL(VT_ERANGE, "row %zu (%s): %s", r + 1, d->formula[r], vt_errmsg());
    }
    const double *row = d->X + r * d->n_cols;
    for (size_t i = 0; i < n_inputs; i++) {
        if (src[i] >= 0) x[i] = row[src[i]];
        else if (src[i] == SRC_INV_KBT) x[i] = 1.0 / (VT_KB_EV_PER_K * row[0]);
        else x[i] = comp[comp_j[i]];
    }
    return VT_OK;
}

vt_status vt_inputs_build(const vt_dataset *d, const size_t *rows, size_t n_rows,
                          char *const *inputs, size_t n_inputs, double **out)
{
    *out = NULL;
    int *src = vt_calloc(n_inputs, sizeof *src), *comp_j = vt_calloc(n_inputs, sizeof *comp_j);
    double *X = vt_calloc(n_rows * n_inputs, sizeof *X);
    vt_status s = VT_OK;
    int needs_comp = 0;
    if (!src || !comp_j || !X) s = vt_err_set_(VT_ENOMEM, "inputs: out of memory");
    if (s == VT_OK) s = resolve(d, inputs, n_inputs, src, comp_j, &needs_comp);
    for (size_t i = 0; s == VT_OK && i < n_rows; i++)
        s = fill_row(d, rows ? rows[i] : i, src, comp_j, n_inputs, needs_comp, X + i * n_inputs);
    vt_free(src);
    vt_free(comp_j);
    if (s != VT_OK) {
        vt_free(X);
        return s;
    }
    *out = X;
    return VT_OK;
}

vt_status vt_inputs_check(const vt_dataset *d, char *const *inputs, size_t n_inputs)
{
    int *src = vt_calloc(n_inputs, sizeof *src), *comp_j = vt_calloc(n_inputs, sizeof *comp_j), needs_comp;
    vt_status s = src && comp_j ? resolve(d, inputs, n_inputs, src, comp_j, &needs_comp)
                                : vt_err_set_(VT_ENOMEM, "inputs: out of memory");
    vt_free(src);
    vt_free(comp_j);
    return s;
}

void vt_inputs_free(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) vt_free(names[i]);
    vt_free(names);
}

vt_status vt_inputs_default(const vt_dataset *d, int composition_only, char ***names, size_t *n)
{
    size_t count = composition_only ? 1 + VT_N_COMPFEAT : d->n_cols;
    char **v = vt_calloc(count, sizeof *v);
    if (!v) VT_FAIL(VT_ENOMEM, "inputs: out of memory");
    for (size_t i = 0; i < count; i++) {
        const char *name = !composition_only ? d->col_names[i]
                           : i == 0          ? "temperature"
                                             : vt_compfeat_names()[i - 1];
        if (!(v[i] = vt_strdup(name))) {
            vt_inputs_free(v, i);
            VT_FAIL(VT_ENOMEM, "inputs: out of memory");
        }
    }
    *names = v;
    *n = count;
    return VT_OK;
}
