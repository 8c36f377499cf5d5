/* cmd_predict.c - `vitrum predict FORMULA... --temp LIST`: D_Li(T) from a formula alone, or
** `vitrum predict --structure FILE`: from a simulated structure (the paper's proposal), through a
** model trained on all 42 features with the structural features computed from the file.
** The composition-only model predicts D (with the spread of its trees) at the temperatures it was
** trained on (1000-2500 K for the paper's data); an Arrhenius law fitted through those points,
** weighted by their sigmas, gives D and sigma at any requested T (trees alone cannot extrapolate
** in T: below the lowest training temperature they would return a constant) and the Ea. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"

#ifndef VT_DEFAULT_MODEL
#define VT_DEFAULT_MODEL "models/vitrum-composition.json"
#endif
#ifndef VT_DEFAULT_STRUCTURE_MODEL
#define VT_DEFAULT_STRUCTURE_MODEL "models/vitrum-structure.json"
#endif
#define MAX_TEMPS 1000

const cli_opt cli_predict_opts[] = {
    {"temp", "LIST", "temperatures in K: values and ranges FROM:TO:STEP (default 300,1000:2500:500)"},
    {"model", "MODEL.json", "model (default: $VITRUM_MODEL or the shipped composition-only one; with\n"
                            "                 --structure the shipped 42-feature one)"},
    {"structure", "FILE", "predict from a structure or trajectory (features averaged over frames; the\n"
                          "                 formula argument is then left out)"},
    {"format", "table|csv|json", "output format (default table)"},
    {NULL, NULL, NULL},
};

static int add_temp(double *T, size_t *n, double v, const char *item)
{
    if (!(v > 0.0 && v < 1e5)) return cli_usage_error("--temp: '%s': temperatures must be in (0, 1e5) K", item);
    if (*n == MAX_TEMPS) return cli_usage_error("--temp: more than %d temperatures", MAX_TEMPS);
    T[(*n)++] = v;
    return 0;
}

/* "300,1000:2500:500" -> 300 1000 1500 2000 2500 */
static int parse_temps(const char *text, double *T, size_t *n)
{
    char buf[1024];
    *n = 0;
    if (strlen(text) >= sizeof buf) return cli_usage_error("--temp: list too long");
    strcpy(buf, text);
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        double v[3] = {0, 0, 0};
        int k = 0;
        char *p = item, *end;
        for (; k < 3; k++) {
            v[k] = strtod(p, &end);
            if (end == p) return cli_usage_error("--temp: '%s': expected a number or FROM:TO:STEP", item);
            p = end;
            if (*p != ':') break;
            p++;
        }
        if (*p || k == 1 || k == 3) return cli_usage_error("--temp: '%s': expected a number or FROM:TO:STEP", item);
        if (k == 0) {
            if (add_temp(T, n, v[0], item)) return EXIT_USAGE;
            continue;
        }
        if (!(v[2] > 0.0) || !(v[1] >= v[0])) return cli_usage_error("--temp: '%s': need FROM <= TO and STEP > 0", item);
        for (double t = v[0]; t <= v[1] * (1 + 1e-12); t += v[2])
            if (add_temp(T, n, t, item)) return EXIT_USAGE;
    }
    return *n ? 0 : cli_usage_error("--temp: no temperature given");
}

typedef struct formula_result {
    vt_arrhenius fit;
} formula_result;

/* Predictions at the model's training temperatures, then one Arrhenius fit per formula. */
static vt_status fit_formulas(const vt_model *m, size_t n_f, char **formulas, formula_result *res)
{
    size_t n_t;
    const double *T = vt_model_training_temperatures(m, &n_t);
    if (n_t < 2) VT_FAIL(VT_EINVAL, "the model was trained on %zu temperature(s); an Arrhenius law needs 2 or more", n_t);
    vt_dataset *d;
    VT_TRY(vt_dataset_from_formulas(n_f, (const char *const *)formulas, n_t, T, &d));
    double *p = vt_malloc(d->n_rows * sizeof *p), *sg = vt_malloc(d->n_rows * sizeof *sg);
    vt_status s = p && sg ? vt_model_check_inputs(m, d) : vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK) s = vt_model_predict(m, d, NULL, 0, p, sg);
    for (size_t i = 0; s == VT_OK && i < n_f; i++) {
        for (size_t t = 0; t < n_t; t++) /* a zero tree spread would give an infinite weight */
            sg[i * n_t + t] = fmax(sg[i * n_t + t], 1e-3 * p[i * n_t + t]);
        s = vt_arrhenius_fit(n_t, T, p + i * n_t, sg + i * n_t, &res[i].fit);
    }
    vt_free(p), vt_free(sg);
    vt_dataset_free(d);
    return s;
}

static void print_results(int format, size_t n_f, char **formulas, const formula_result *res, size_t n_T, const double *T)
{
    if (format == 1) printf("formula,temperature_K,D_cm2_s,sigma_cm2_s,Ea_eV,sigma_Ea_eV\n");
    if (format == 2) printf("[");
    for (size_t i = 0; i < n_f; i++) {
        const vt_arrhenius *f = &res[i].fit;
        if (format == 0)
            printf("%s%s   Ea = %.3f +- %.3f eV   (Arrhenius through the model's %zu training temperatures)\n"
                   "  %10s  %14s  %14s\n", i ? "\n" : "", formulas[i], f->Ea_eV.value, f->Ea_eV.sigma,
                   f->n_points, "T (K)", "D (cm^2/s)", "sigma (cm^2/s)");
        if (format == 2)
            printf("%s\n  {\"formula\": \"%s\", \"Ea_eV\": %.6g, \"sigma_Ea_eV\": %.6g, \"D_cm2_s\": [", i ? "," : "",
                   formulas[i], f->Ea_eV.value, f->Ea_eV.sigma);
        for (size_t t = 0; t < n_T; t++) {
            vt_estimate D = vt_arrhenius_eval(f, T[t]); /* the fit is in D x 1000 */
            double v = D.value / 1000.0, sg = D.sigma / 1000.0;
            if (format == 0) printf("  %10.1f  %14.4e  %14.4e\n", T[t], v, sg);
            if (format == 1) printf("%s,%.10g,%.6e,%.6e,%.6g,%.6g\n", formulas[i], T[t], v, sg, f->Ea_eV.value, f->Ea_eV.sigma);
            if (format == 2) printf("%s{\"T_K\": %.10g, \"D\": %.6e, \"sigma\": %.6e}", t ? ", " : "", T[t], v, sg);
        }
        if (format == 2) printf("]}");
    }
    if (format == 2) printf("\n]\n");
}

/* One row per training temperature holding the 42 features of the structure file. */
static vt_status structure_rows(const vt_model *m, const char *path, char *formula, size_t size, vt_dataset **out)
{
    size_t n_t;
    const double *T = vt_model_training_temperatures(m, &n_t);
    if (n_t < 2) VT_FAIL(VT_EINVAL, "the model was trained on %zu temperature(s); an Arrhenius law needs 2 or more", n_t);
    vt_traj *t;
    VT_TRY(vt_traj_read(path, NULL, &t));
    vt_estimate sf[VT_N_STRUCTFEAT];
    double cf[VT_N_COMPFEAT];
    vt_composition comp;
    vt_structfeat_opts so = vt_structfeat_opts_default();
    vt_status s = vt_structfeat_traj(t, &so, sf);
    if (s == VT_OK) s = vt_cell_composition(t->frames[0], &comp);
    if (s == VT_OK) s = vt_compfeat_compute(&comp, cf);
    if (s == VT_OK) s = vt_cell_formula(t->frames[0], formula, size);
    vt_traj_free(t);
    VT_TRY(s);
    vt_dataset *d = vt_calloc(1, sizeof *d);
    size_t n_cols = 1 + VT_N_STRUCTFEAT + VT_N_COMPFEAT;
    if (d) {
        d->n_rows = n_t, d->n_cols = n_cols;
        d->col_names = vt_calloc(n_cols, sizeof *d->col_names);
        d->X = vt_calloc(n_t * n_cols, sizeof *d->X);
        d->formula = vt_calloc(n_t, sizeof *d->formula);
    }
    int ok = d && d->col_names && d->X && d->formula;
    for (size_t c = 0; ok && c < n_cols; c++) {
        const char *name = c == 0 ? "temperature" : c <= VT_N_STRUCTFEAT ? vt_structfeat_names()[c - 1]
                                                                         : vt_compfeat_names()[c - 1 - VT_N_STRUCTFEAT];
        ok = (d->col_names[c] = vt_strdup(name)) != NULL;
    }
    for (size_t r = 0; ok && r < n_t; r++) {
        double *x = d->X + r * n_cols;
        x[0] = T[r];
        for (int k = 0; k < VT_N_STRUCTFEAT; k++) x[1 + k] = sf[k].value;
        for (int k = 0; k < VT_N_COMPFEAT; k++) x[1 + VT_N_STRUCTFEAT + k] = cf[k];
        ok = (d->formula[r] = vt_strdup(formula)) != NULL;
    }
    if (!ok) {
        vt_dataset_free(d);
        VT_FAIL(VT_ENOMEM, "out of memory");
    }
    *out = d;
    return VT_OK;
}

/* D at the model's training temperatures for the structure, then the Arrhenius fit. */
static vt_status fit_structure(const vt_model *m, const char *path, char *formula, size_t size, formula_result *res)
{
    vt_dataset *d;
    VT_TRY(structure_rows(m, path, formula, size, &d));
    double *p = vt_malloc(d->n_rows * sizeof *p), *sg = vt_malloc(d->n_rows * sizeof *sg);
    vt_status s = p && sg ? vt_model_check_inputs(m, d) : vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK) s = vt_model_predict(m, d, NULL, 0, p, sg);
    for (size_t t = 0; s == VT_OK && t < d->n_rows; t++) sg[t] = fmax(sg[t], 1e-3 * p[t]);
    size_t n_t;
    const double *T = vt_model_training_temperatures(m, &n_t);
    if (s == VT_OK) s = vt_arrhenius_fit(n_t, T, p, sg, &res->fit);
    vt_free(p), vt_free(sg);
    vt_dataset_free(d);
    return s;
}

int cli_predict(const cli_cmd *cmd, cli_args *a)
{
    static double T[MAX_TEMPS];
    size_t n_T;
    int format = 0;
    const char *temps = cli_get(cmd, a, "temp"), *path = cli_get(cmd, a, "model");
    const char *structure = cli_get(cmd, a, "structure");
    if (parse_temps(temps ? temps : "300,1000:2500:500", T, &n_T) || cli_parse_format(cli_get(cmd, a, "format"), &format))
        return EXIT_USAGE;
    if (!structure == !a->n_pos) return cli_usage_error("give formulas or --structure FILE, not both or neither");
    if (!path) path = getenv("VITRUM_MODEL");
    if (!path) path = structure ? VT_DEFAULT_STRUCTURE_MODEL : VT_DEFAULT_MODEL;
    vt_model *m = NULL;
    size_t n = structure ? 1 : a->n_pos;
    formula_result *res = vt_calloc(n, sizeof *res);
    static char formula[256];
    char *names[1] = {formula};
    vt_status s = res ? vt_model_load(path, &m) : vt_err_set_(VT_ENOMEM, "out of memory");
    if (s == VT_OK) s = structure ? fit_structure(m, structure, formula, sizeof formula, res) : fit_formulas(m, n, a->pos, res);
    if (s == VT_OK) print_results(format, n, structure ? names : a->pos, res, n_T, T);
    vt_model_free(m);
    vt_free(res);
    return s == VT_OK ? 0 : cli_fail(s);
}
