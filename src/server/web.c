/*
** web.c - the browsable page: its files (the folder web/, embedded at build time), and what it loads besides
** the OPTIMADE API: the Arrhenius and RDF plots of a run as SVG (drawn by io/svg.c, the charts of
** `vitrum analyze`) and downloads of its representative structure through the structure writers
** of io/ (POSCAR, extxyz, CIF, pymatgen JSON).
**   /plot/arrhenius.svg?id=ID      D (cm^2/s, log) against 1000/T (1/K), one series per element,
**                                  with the stored Arrhenius line (else a fit of the points)
**   /plot/rdf.svg?id=ID[&t_k=T]    the partial g(r) stored at T (default: the lowest T)
**   /download?id=ID&format=F       F = poscar | extxyz | cif | json
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "io/structure.h"
#include "io/svg.h"
#include "optimade.h"
#include "store/store.h"

int vt_web_asset(vt_http_req *rq, vt_http_resp *rs)
{
    const char *path = strcmp(rq->path, "/") == 0 ? "/index.html" : rq->path;
    for (size_t k = 0; k < vt_web_n_files; k++)
        if (strcmp(vt_web_files[k].path, path) == 0)
            return vt_http_reply(rs, 200, vt_web_files[k].type, (const char *)vt_web_files[k].data, vt_web_files[k].len);
    return vt_optimade_error(rq, rs, 404, "no such page");
}

/* The run of ?id=, with a 400/404 reply when there is none (*run_id 0 then). */
static int run_arg(vt_http_req *rq, vt_http_resp *rs, int64_t *run_id)
{
    const char *id = vt_http_arg_get(rq, "id", NULL);
    *run_id = 0;
    if (!id || !*id) return vt_optimade_error(rq, rs, 400, "id: required (the entry id, as in /v1/structures)");
    vt_status s = vt_optimade_run_of_id(rq->st, id, run_id);
    if (s != VT_OK) return vt_optimade_error(rq, rs, s == VT_EINVAL ? 404 : vt_http_status_of(s), vt_errmsg());
    return 200;
}

/* Draw through a temporary file (vt_svg_plot writes files) and reply with its bytes. */
static int reply_svg(vt_http_req *rq, vt_http_resp *rs, const vt_svg_axes *axes, const vt_svg_series *series,
                     size_t n)
{
    char path[320];
    vt_server_tmpname(rq->srv, "plot", ".svg", path);
    vt_status s = vt_svg_plot(path, axes, series, n);
    FILE *f = s == VT_OK ? fopen(path, "rb") : NULL;
    vt_text t = {0};
    char buf[8192];
    size_t got;
    while (f && (got = fread(buf, 1, sizeof buf, f)) > 0) vt_text_put(&t, buf, got);
    if (f) fclose(f);
    unlink(path);
    if (s != VT_OK) return vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    int status = t.is_oom || !f ? vt_optimade_error(rq, rs, 500, "plot: cannot read the drawn file")
                                : vt_http_reply(rs, 200, "image/svg+xml", t.p ? t.p : "", t.len);
    vt_text_clear(&t);
    return status;
}

static const char *formula_of(vt_store *st, int64_t run_id, char *buf, size_t size)
{
    vt_store_rows *r = NULL;
    vt_sql_value p = vt_sql_int(run_id);
    buf[0] = '\0';
    if (vt_store_query(st, "SELECT c.formula FROM runs r JOIN compositions c ON c.id = r.composition_id WHERE r.id = ?",
                       1, &p, &r) == VT_OK && vt_store_rows_count(r) && vt_store_rows_get(r, 0, 0)->text)
        snprintf(buf, size, "%s", vt_store_rows_get(r, 0, 0)->text);
    vt_store_rows_free(r);
    return buf;
}

#define MAX_SERIES 16 /* elements per plot (points + line each) */
#define LINE_POINTS 32

int vt_web_arrhenius_svg(vt_http_req *rq, vt_http_resp *rs)
{
    int64_t run;
    if (run_arg(rq, rs, &run) != 200) return rs->status;
    vt_sql_value p = vt_sql_int(run);
    vt_store_rows *d = NULL, *ea = NULL;
    vt_status s = vt_store_query(rq->st, "SELECT element, t_k, d_cm2_s, sigma_cm2_s FROM diffusivities WHERE run_id = ?"
                                 " ORDER BY element = 'Li' DESC, element, t_k", 1, &p, &d);
    if (s == VT_OK) s = vt_store_query(rq->st, "SELECT element, ea_ev, d0_cm2_s FROM arrhenius WHERE run_id = ?", 1, &p, &ea);
    size_t n = vt_store_rows_count(d);
    double *x = vt_calloc(n + 1, sizeof *x), *y = vt_calloc(n + 1, sizeof *y), *err = vt_calloc(n + 1, sizeof *err);
    double lx[MAX_SERIES][LINE_POINTS], ly[MAX_SERIES][LINE_POINTS];
    char labels[MAX_SERIES][96];
    vt_svg_series series[2 * MAX_SERIES];
    size_t n_series = 0;
    if (s == VT_OK && (!x || !y || !err)) s = vt_err_set_(VT_ENOMEM, "plot: out of memory");
    for (size_t i = 0; s == VT_OK && i < n && n_series < 2 * MAX_SERIES;) {
        const char *el = vt_store_rows_get(d, i, 0)->text;
        size_t j = i;
        for (; j < n && el && vt_store_rows_get(d, j, 0)->text && !strcmp(vt_store_rows_get(d, j, 0)->text, el); j++) {
            x[j] = 1000.0 / vt_store_rows_real(d, j, 1); /* 1000/T, 1/K */
            y[j] = vt_store_rows_real(d, j, 2);
            err[j] = vt_store_rows_real(d, j, 3);          /* NaN: no bar */
        }
        if (j == i) j = i + 1;
        /* The stored fit, else a fit of these points: Ea (eV) and D0 (cm^2/s). */
        double Ea = NAN, D0 = NAN, Tmin = INFINITY, Tmax = 0;
        for (size_t k = 0; k < vt_store_rows_count(ea); k++)
            if (el && vt_store_rows_get(ea, k, 0)->text && !strcmp(vt_store_rows_get(ea, k, 0)->text, el)) {
                Ea = vt_store_rows_real(ea, k, 1);
                D0 = vt_store_rows_real(ea, k, 2);
            }
        double T[64], D[64];
        size_t m = 0;
        for (size_t k = i; k < j && m < 64; k++, m++) {
            T[m] = 1000.0 / x[k], D[m] = y[k];
            Tmin = fmin(Tmin, T[m]), Tmax = fmax(Tmax, T[m]);
        }
        vt_arrhenius fit;
        if (!isfinite(D0) && m >= 2 && vt_arrhenius_fit(m, T, D, NULL, &fit) == VT_OK) {
            Ea = fit.Ea_eV.value;
            D0 = exp(fit.lnD0.value);
        }
        size_t si = n_series / 2;
        if (isfinite(Ea)) snprintf(labels[si], sizeof labels[si], "%s (Ea = %.3f eV)", el ? el : "?", Ea);
        else snprintf(labels[si], sizeof labels[si], "%s", el ? el : "?");
        series[n_series++] = (vt_svg_series){.label = labels[si], .x = x + i, .y = y + i, .yerr = err + i, .n = j - i};
        if (isfinite(Ea) && isfinite(D0) && Tmax > Tmin) {
            for (int k = 0; k < LINE_POINTS; k++) { /* D0 exp(-Ea / (kB T)) across the measured T range */
                double Tk = 1.0 / (1.0 / Tmax + (1.0 / Tmin - 1.0 / Tmax) * k / (LINE_POINTS - 1));
                lx[si][k] = 1000.0 / Tk;
                ly[si][k] = D0 * exp(-Ea / (VT_KB_EV_PER_K * Tk));
            }
            series[n_series++] = (vt_svg_series){.label = NULL, .x = lx[si], .y = ly[si], .n = LINE_POINTS, .style = 1};
        }
        i = j;
    }
    char formula[128], title[160];
    snprintf(title, sizeof title, "Arrhenius plot: %s", formula_of(rq->st, run, formula, sizeof formula));
    vt_svg_axes axes = {.title = title, .xlabel = "1000/T (1/K)", .ylabel = "D (cm^2/s)", .log_y = 1};
    int status = s == VT_OK ? reply_svg(rq, rs, &axes, series, n_series) : vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    vt_free(x), vt_free(y), vt_free(err);
    vt_store_rows_free(d);
    vt_store_rows_free(ea);
    return status;
}

int vt_web_rdf_svg(vt_http_req *rq, vt_http_resp *rs)
{
    int64_t run;
    if (run_arg(rq, rs, &run) != 200) return rs->status;
    const char *t_arg = vt_http_arg_get(rq, "t_k", NULL);
    char *end = NULL;
    double T = t_arg ? strtod(t_arg, &end) : 0;
    if (t_arg && (end == t_arg || *end || !(T > 0))) return vt_optimade_error(rq, rs, 400, "t_k: expected a temperature in K");
    vt_sql_value p[2] = {vt_sql_int(run), vt_sql_real(T)};
    vt_store_rows *r = NULL;
    vt_status s = vt_store_query(rq->st, t_arg ? "SELECT t_k, columns, n_r, data FROM rdfs WHERE run_id = ? AND t_k = ?"
                                               : "SELECT t_k, columns, n_r, data FROM rdfs WHERE run_id = ? ORDER BY t_k LIMIT 1",
                                 t_arg ? 2 : 1, p, &r);
    if (s != VT_OK) return vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    if (!vt_store_rows_count(r)) {
        vt_store_rows_free(r);
        return vt_optimade_error(rq, rs, 404, "no RDF stored for this entry at this temperature");
    }
    const char *cols = vt_store_rows_get(r, 0, 1)->text;
    size_t n_r = (size_t)vt_store_rows_get(r, 0, 2)->i, n_cols = 1;
    const vt_sql_value *blob = vt_store_rows_get(r, 0, 3);
    for (const char *c = cols ? cols : ""; *c; c++) n_cols += *c == ',';
    double *data = vt_malloc(n_r * n_cols * sizeof *data + 1);
    char names[MAX_SERIES][64], title[160], formula[128];
    vt_svg_series series[MAX_SERIES];
    size_t n_series = 0;
    if (!data || blob->type != VT_SQL_BLOB || blob->n_bytes != 8 * n_r * n_cols) s = vt_err_set_(VT_EDB, "rdf: stored table is inconsistent");
    /* column-major copies: x = r (A), one series per pair */
    for (size_t k = 0; s == VT_OK && k < n_r * n_cols; k++) data[(k % n_cols) * n_r + k / n_cols] = vt_store_blob_f64(blob->blob, k);
    const char *c = cols ? cols : "";
    for (size_t j = 0; s == VT_OK && j < n_cols; j++) {
        size_t len = strcspn(c, ",");
        if (j && n_series < MAX_SERIES) {
            snprintf(names[n_series], sizeof names[n_series], "%.*s", (int)(len < 63 ? len : 63), c);
            series[n_series] = (vt_svg_series){.label = names[n_series], .x = data, .y = data + j * n_r, .n = n_r, .style = 1};
            n_series++;
        }
        c += len + (c[len] == ',');
    }
    snprintf(title, sizeof title, "Partial RDFs: %s at %g K", formula_of(rq->st, run, formula, sizeof formula),
             vt_store_rows_real(r, 0, 0));
    vt_svg_axes axes = {.title = title, .xlabel = "r (A)", .ylabel = "g(r)"};
    int status = s == VT_OK ? reply_svg(rq, rs, &axes, series, n_series) : vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    vt_free(data);
    vt_store_rows_free(r);
    return status;
}

int vt_web_download(vt_http_req *rq, vt_http_resp *rs)
{
    static const struct { const char *arg, *format, *ext, *type; } formats[] = {
        {"poscar", "poscar", ".vasp", "text/plain"}, {"extxyz", "extxyz", ".extxyz", "text/plain"},
        {"cif", "cif", ".cif", "chemical/x-cif"}, {"json", "pmg-json", ".json", "application/json"}};
    int64_t run;
    if (run_arg(rq, rs, &run) != 200) return rs->status;
    const char *f = vt_http_arg_get(rq, "format", NULL), *id = vt_http_arg_get(rq, "id", NULL);
    size_t k = 0;
    while (k < 4 && (!f || strcmp(f, formats[k].arg) != 0)) k++;
    if (k == 4) return vt_optimade_error(rq, rs, 400, "format: expected poscar, extxyz, cif or json");
    vt_sql_value p = vt_sql_int(run);
    vt_store_rows *r = NULL;
    vt_status s = vt_store_query(rq->st, "SELECT id FROM structures WHERE run_id = ? ORDER BY t_k, frame DESC LIMIT 1", 1, &p, &r);
    int64_t sid = s == VT_OK && vt_store_rows_count(r) ? vt_store_rows_get(r, 0, 0)->i : 0;
    vt_store_rows_free(r);
    if (s == VT_OK && !sid) return vt_optimade_error(rq, rs, 404, "this entry has no stored structure");
    vt_cell *c = NULL;
    vt_text t = {0};
    if (s == VT_OK) s = vt_store_structure_get(rq->st, sid, &c);
    if (s == VT_OK) {
        const vt_cell *frames[1] = {c};
        s = vt_traj_write_text(&t, "download", formats[k].format, frames, 1);
    }
    if (s == VT_OK && t.is_oom) s = vt_err_set_(VT_ENOMEM, "download: out of memory");
    int status;
    if (s == VT_OK) {
        status = vt_http_reply(rs, 200, formats[k].type, t.p ? t.p : "", t.len);
        /* the id is [A-Za-z0-9._:+()[]-] (store identifiers) or run<N>: safe inside quotes */
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"%.100s%s\"", id, formats[k].ext);
    } else {
        status = vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    }
    vt_text_clear(&t);
    vt_cell_free(c);
    return status;
}
