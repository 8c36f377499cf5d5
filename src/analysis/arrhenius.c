/* arrhenius.c - weighted Arrhenius fits: ln D = ln D0 - Ea x, x = 1/(kB T) in 1/eV.
** Weighted least squares with weights w = 1/sigma(ln D)^2; with no sigmas, w = 1 and the
** parameter covariance is scaled by the residual variance (n - 2 degrees of freedom), as
** numpy.polyfit(cov=True) does. The covariance gives sigma(ln D(T)) at any T:
**   var = var(lnD0) + x^2 var(Ea) - 2 x cov(lnD0, Ea).
** Also: D0 with its error, and the CSV tables of D(T) that `vitrum arrhenius` reads. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/csv.h"
#include "core/error.h"

vt_status vt_arrhenius_fit(size_t n, const double *T_K, const double *D, const double *sigma_D,
                           vt_arrhenius *out)
{
    if (n < 2) VT_FAIL(VT_EINVAL, "Arrhenius fit: need at least 2 temperatures, got %zu", n);
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(T_K[i] > 0.0) || !(D[i] > 0.0) || !isfinite(D[i]))
            VT_FAIL(VT_ERANGE, "Arrhenius fit: point %zu: need T > 0 K and D > 0 (T = %g, D = %g)", i + 1, T_K[i], D[i]);
        double w = 1.0;
        if (sigma_D) {
            if (!(sigma_D[i] > 0.0)) VT_FAIL(VT_ERANGE, "Arrhenius fit: point %zu: sigma must be > 0", i + 1);
            double s = sigma_D[i] / D[i];
            w = 1.0 / (s * s);
        }
        double x = 1.0 / (VT_KB_EV_PER_K * T_K[i]), y = log(D[i]);
        sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
    }
    double det = sw * sxx - sx * sx;
    if (!(det > 1e-300 * sw * sxx)) VT_FAIL(VT_ERANGE, "Arrhenius fit: all temperatures are equal");
    double slope = (sw * sxy - sx * sy) / det, icept = (sxx * sy - sx * sxy) / det;
    /* residuals: the scale for unweighted fits, and R^2 */
    double ybar = sy / sw, ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < n; i++) {
        double x = 1.0 / (VT_KB_EV_PER_K * T_K[i]), y = log(D[i]);
        double w = sigma_D ? 1.0 / pow(sigma_D[i] / D[i], 2) : 1.0;
        ss_res += w * pow(y - (icept + slope * x), 2);
        ss_tot += w * pow(y - ybar, 2);
    }
    double scale = sigma_D ? 1.0 : (n > 2 ? ss_res / (double)(n - 2) : NAN);
    out->Ea_eV = (vt_estimate){-slope, sqrt(scale * sw / det)};
    out->lnD0 = (vt_estimate){icept, sqrt(scale * sxx / det)};
    out->cov_lnD0_Ea = scale * sx / det; /* cov(icept, slope) = -sx/det; Ea = -slope */
    out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
    out->n_points = n;
    return VT_OK;
}

vt_estimate vt_arrhenius_eval(const vt_arrhenius *fit, double T_K)
{
    double x = 1.0 / (VT_KB_EV_PER_K * T_K);
    double lnD = fit->lnD0.value - fit->Ea_eV.value * x;
    double var = fit->lnD0.sigma * fit->lnD0.sigma + x * x * fit->Ea_eV.sigma * fit->Ea_eV.sigma
                 - 2.0 * x * fit->cov_lnD0_Ea;
    double D = exp(lnD);
    return (vt_estimate){D, D * sqrt(fmax(0.0, var))};
}

vt_estimate vt_arrhenius_D0(const vt_arrhenius *fit)
{
    double D0 = exp(fit->lnD0.value);
    return (vt_estimate){D0, D0 * fit->lnD0.sigma};
}

/* ---------------------------------------------------------------------------------------------
** Diffusivity tables (vitrum.h, vt_dtable): CSV with named columns label, T_K, D_cm2_s,
** sigma_cm2_s; strict: every error names file, line and column.
*/
enum { COL_LABEL, COL_T, COL_D, COL_SIGMA, N_COLS };
static const char *const col_names[N_COLS] = {"label", "T_K", "D_cm2_s", "sigma_cm2_s"};

void vt_dtable_free(vt_dtable *t)
{
    if (!t) return;
    if (t->label)
        for (size_t i = 0; i < t->n; i++) vt_free(t->label[i]);
    vt_free(t->label);
    vt_free(t->T_K);
    vt_free(t->D_cm2_s);
    vt_free(t->sigma_cm2_s);
    vt_free(t);
}

/* Next line that is neither blank nor a '#' comment, or NULL at the end. */
static vt_status next_content(vt_lines *lr, char **line)
{
    do VT_TRY(vt_lines_next(lr, line));
    while (*line && (vt_is_blank(*line) || (*line)[strspn(*line, " \t")] == '#'));
    return VT_OK;
}

static vt_status dtable_header(vt_lines *lr, int col_of_field[N_COLS], size_t *n_fields)
{
    char *line, *f[N_COLS + 1];
    VT_TRY(next_content(lr, &line));
    if (!line) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header", "empty file (expected a header: T_K,D_cm2_s[,sigma_cm2_s][,label])");
    VT_TRY(vt_csv_split(lr, "header", line, f, N_COLS + 1, n_fields));
    for (int c = 0; c < N_COLS; c++) col_of_field[c] = -1;
    for (size_t i = 0; i < *n_fields; i++) {
        int c = 0;
        while (c < N_COLS && strcmp(f[i], col_names[c]) != 0) c++;
        if (c == N_COLS)
            VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header",
                       "unknown column '%s' (known: label, T_K, D_cm2_s, sigma_cm2_s)", f[i]);
        if (col_of_field[c] >= 0) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header", "column '%s' repeated", f[i]);
        col_of_field[c] = (int)i;
    }
    if (col_of_field[COL_T] < 0 || col_of_field[COL_D] < 0)
        VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header", "columns T_K and D_cm2_s are required");
    return VT_OK;
}

static vt_status dtable_grow(vt_dtable *t, size_t *cap, int has_label, int has_sigma)
{
    if (t->n < *cap) return VT_OK;
    size_t nc = *cap ? 2 * *cap : 16;
    double *T = vt_realloc(t->T_K, nc * sizeof *T);
    if (T) t->T_K = T;
    double *D = T ? vt_realloc(t->D_cm2_s, nc * sizeof *D) : NULL;
    if (D) t->D_cm2_s = D;
    int ok = T && D;
    if (ok && has_sigma) {
        double *s = vt_realloc(t->sigma_cm2_s, nc * sizeof *s);
        if (s) t->sigma_cm2_s = s;
        ok = s != NULL;
    }
    if (ok && has_label) {
        char **l = vt_realloc(t->label, nc * sizeof *l);
        if (l) t->label = l;
        ok = l != NULL;
    }
    if (!ok) VT_FAIL(VT_ENOMEM, "diffusivity table: out of memory");
    *cap = nc;
    return VT_OK;
}

static vt_status positive(const vt_lines *lr, const char *col, const char *tok, double *v)
{
    VT_TRY(vt_parse_double(lr, col, tok, v));
    if (!(*v > 0)) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, col, "must be > 0, got %s", tok);
    return VT_OK;
}

static vt_status dtable_rows(vt_lines *lr, const int col[N_COLS], size_t n_fields, vt_dtable *t)
{
    size_t cap = 0;
    char *line, *f[N_COLS + 1];
    for (;;) {
        VT_TRY(next_content(lr, &line));
        if (!line) break;
        size_t n;
        VT_TRY(vt_csv_split(lr, "row", line, f, N_COLS + 1, &n));
        if (n != n_fields) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "row", "expected %zu fields, got %zu", n_fields, n);
        VT_TRY(dtable_grow(t, &cap, col[COL_LABEL] >= 0, col[COL_SIGMA] >= 0));
        VT_TRY(positive(lr, "T_K", f[col[COL_T]], &t->T_K[t->n]));
        VT_TRY(positive(lr, "D_cm2_s", f[col[COL_D]], &t->D_cm2_s[t->n]));
        if (col[COL_SIGMA] >= 0) VT_TRY(positive(lr, "sigma_cm2_s", f[col[COL_SIGMA]], &t->sigma_cm2_s[t->n]));
        if (col[COL_LABEL] >= 0) {
            const char *l = f[col[COL_LABEL]];
            if (!*l) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "label", "empty label");
            if (!(t->label[t->n] = vt_strdup(l))) VT_FAIL(VT_ENOMEM, "diffusivity table: out of memory");
        }
        t->n++;
    }
    if (t->n == 0) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "row", "no data rows");
    return VT_OK;
}

vt_status vt_dtable_read(const char *path, vt_dtable **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_dtable *t = vt_calloc(1, sizeof *t);
    vt_lines lr;
    vt_lines_init(&lr, f, path);
    int col[N_COLS];
    size_t n_fields = 0;
    vt_status s = t ? dtable_header(&lr, col, &n_fields) : vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
    if (s == VT_OK) s = dtable_rows(&lr, col, n_fields, t);
    vt_lines_clear(&lr);
    fclose(f);
    if (s != VT_OK) {
        vt_dtable_free(t);
        return s;
    }
    *out = t;
    return VT_OK;
}
