/* campaign_report.c - `vitrum campaign report --out DIR`: one HTML page over the campaign's jobs
** and their stored results, with three SVG figures in the manner of Zheng et al. (2024):
**   d_vs_T.svg       D_Li (cm^2/s, log) against 1000/T (1/K) of every done job, one series per
**                    anion group (their Fig. 2), every stored temperature (the melt included)
**   ea_by_anion.svg  Ea of Li (eV, Arrhenius over the temperatures after the melt) of every done
**                    job, one bar each, grouped by anion
**   coverage.svg     a periodic table coloured by the number of compositions holding each element
**                    (their Fig. 1)
** The anion group of a composition is its most electronegative non-Li element (Pauling; ties: the
** symbol that sorts last), as VT_ANION_ELECTRONEGATIVE: Li3PS4 is a sulfide, Li2SiO3 an oxide.
** Every file is written atomically; the same database gives the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/campaign.h"
#include "core/error.h"
#include "io/svg.h"
#include "io/text.h"

const cli_opt cli_campaign_report_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {"out", "DIR", "folder for index.html and the SVG figures (required; created when missing)"},
    {NULL, NULL, NULL}};

/* Anion groups in the paper's order of discussion; others follow by atomic number. */
static const int anion_order[] = {9, 17, 35, 53, 8, 16, 34, 52, 7, 15};
#define MAX_GROUPS 64

typedef struct job {
    const char *key, *formula, *state, *error; /* borrowed from the job rows */
    int attempts;
    int anion_Z;                               /* 0: no non-Li element */
    vt_estimate Ea;                            /* eV; NaN: none stored */
} job;

typedef struct report {
    vt_store_rows *jobs, *diff, *arr;
    job *job;
    size_t n_jobs;
    int group_Z[MAX_GROUPS];                   /* anion groups present, in display order */
    size_t n_groups;
} report;

static const char *text_or(const vt_sql_value *v, const char *def) { return v->type == VT_SQL_TEXT ? v->text : def; }

static int anion_of(const char *formula)
{
    vt_composition c;
    if (vt_composition_parse(formula, &c) != VT_OK) return 0;
    int best = 0;
    for (size_t i = 0; i < c.n_species; i++) {
        const vt_element *e = vt_element_by_Z(c.Z[i]), *b = vt_element_by_Z(best);
        if (c.Z[i] == 3 || !isfinite(e->X_pauling)) continue;
        if (!b || e->X_pauling > b->X_pauling || (e->X_pauling == b->X_pauling && strcmp(e->symbol, b->symbol) > 0))
            best = c.Z[i];
    }
    return best;
}

static int group_rank(int Z)
{
    for (size_t i = 0; i < sizeof anion_order / sizeof anion_order[0]; i++)
        if (anion_order[i] == Z) return (int)i;
    return 100 + Z;
}

static int by_rank(const void *a, const void *b) { return group_rank(*(const int *)a) - group_rank(*(const int *)b); }

static size_t group_index(const report *r, int Z)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if (r->group_Z[g] == Z) return g;
    return r->n_groups;
}

static const char *group_name(int Z) { return Z ? vt_element_by_Z(Z)->symbol : "none"; }

/* ---- loading ---------------------------------------------------------------------------------- */

static vt_status load(vt_store *st, report *r)
{
    VT_TRY(vt_store_query(st, "SELECT job_key, formula, state, attempts, error, run_identifier FROM campaign_jobs"
                              " ORDER BY id", 0, NULL, &r->jobs));
    VT_TRY(vt_store_query(st, "SELECT j.job_key, d.t_k, d.d_cm2_s, d.sigma_cm2_s FROM campaign_jobs j"
                              " JOIN runs u ON u.identifier = j.run_identifier JOIN diffusivities d ON d.run_id = u.id"
                              " WHERE j.state = 'done' AND d.element = 'Li' ORDER BY j.id, d.t_k", 0, NULL, &r->diff));
    VT_TRY(vt_store_query(st, "SELECT j.job_key, a.ea_ev, a.ea_sigma_ev FROM campaign_jobs j"
                              " JOIN runs u ON u.identifier = j.run_identifier JOIN arrhenius a ON a.run_id = u.id"
                              " WHERE j.state = 'done' AND a.element = 'Li' ORDER BY j.id", 0, NULL, &r->arr));
    r->n_jobs = vt_store_rows_count(r->jobs);
    if (!(r->job = vt_calloc(r->n_jobs ? r->n_jobs : 1, sizeof *r->job))) VT_FAIL(VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_jobs; i++) {
        job *j = &r->job[i];
        j->key = text_or(vt_store_rows_get(r->jobs, i, 0), "");
        j->formula = text_or(vt_store_rows_get(r->jobs, i, 1), "");
        j->state = text_or(vt_store_rows_get(r->jobs, i, 2), "");
        j->attempts = (int)vt_store_rows_real(r->jobs, i, 3);
        j->error = text_or(vt_store_rows_get(r->jobs, i, 4), NULL);
        j->anion_Z = anion_of(j->formula);
        j->Ea = (vt_estimate){NAN, NAN};
        for (size_t k = 0; k < vt_store_rows_count(r->arr); k++)
            if (strcmp(text_or(vt_store_rows_get(r->arr, k, 0), ""), j->key) == 0)
                j->Ea = (vt_estimate){vt_store_rows_real(r->arr, k, 1), vt_store_rows_real(r->arr, k, 2)};
        if (group_index(r, j->anion_Z) == r->n_groups && r->n_groups < MAX_GROUPS) r->group_Z[r->n_groups++] = j->anion_Z;
    }
    qsort(r->group_Z, r->n_groups, sizeof r->group_Z[0], by_rank);
    return VT_OK;
}

static void report_clear(report *r)
{
    vt_store_rows_free(r->jobs);
    vt_store_rows_free(r->diff);
    vt_store_rows_free(r->arr);
    vt_free(r->job);
}

static const job *job_by_key(const report *r, const char *key)
{
    for (size_t i = 0; i < r->n_jobs; i++)
        if (strcmp(r->job[i].key, key) == 0) return &r->job[i];
    return NULL;
}

/* ---- figures ---------------------------------------------------------------------------------- */

/* Points of one chart, one series per anion group; x, y owned here. */
typedef struct series_set {
    vt_svg_series s[MAX_GROUPS];
    char label[MAX_GROUPS][32];
    double *x, *y, *err;
} series_set;

static void series_set_clear(series_set *p)
{
    vt_free(p->x);
    vt_free(p->y);
    vt_free(p->err);
}

/* Allocate n points per group at most, and name the series "O (12)". */
static vt_status series_set_init(series_set *p, const report *r, size_t n)
{
    memset(p, 0, sizeof *p);
    size_t total = (n ? n : 1) * (r->n_groups ? r->n_groups : 1);
    p->x = vt_malloc(total * sizeof *p->x);
    p->y = vt_malloc(total * sizeof *p->y);
    p->err = vt_malloc(total * sizeof *p->err);
    if (!p->x || !p->y || !p->err) {
        series_set_clear(p);
        VT_FAIL(VT_ENOMEM, "out of memory");
    }
    for (size_t g = 0; g < r->n_groups; g++) {
        size_t members = 0;
        for (size_t i = 0; i < r->n_jobs; i++) members += r->job[i].anion_Z == r->group_Z[g];
        snprintf(p->label[g], sizeof p->label[g], "%s (%zu)", group_name(r->group_Z[g]), members);
        p->s[g] = (vt_svg_series){.label = p->label[g], .x = p->x + g * n, .y = p->y + g * n, .yerr = p->err + g * n};
    }
    return VT_OK;
}

static vt_status plot_d_vs_T(const report *r, const char *dir)
{
    size_t n = vt_store_rows_count(r->diff);
    series_set p;
    VT_TRY(series_set_init(&p, r, n));
    for (size_t k = 0; k < n; k++) {
        const job *j = job_by_key(r, text_or(vt_store_rows_get(r->diff, k, 0), ""));
        size_t g = j ? group_index(r, j->anion_Z) : r->n_groups;
        if (g == r->n_groups) continue;
        vt_svg_series *s = &p.s[g];
        double *x = (double *)s->x, *y = (double *)s->y, *e = (double *)s->yerr;
        x[s->n] = 1000.0 / vt_store_rows_real(r->diff, k, 1);
        y[s->n] = vt_store_rows_real(r->diff, k, 2);
        e[s->n++] = vt_store_rows_real(r->diff, k, 3); /* NaN sigma: no bar */
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/d_vs_T.svg", dir);
    vt_svg_axes ax = {.title = "Li diffusivity by anion group", .xlabel = "1000 / T (1/K)",
                      .ylabel = "D_Li (cm^2/s)", .log_y = 1};
    vt_status s = vt_svg_plot(path, &ax, p.s, r->n_groups);
    series_set_clear(&p);
    return s;
}

/* Order of the Ea bars: anion group, then Ea ascending (qsort_r, glibc: r is the report). */
static int by_group_then_ea(const void *a, const void *b, void *arg)
{
    const report *r = arg;
    const job *x = &r->job[*(const size_t *)a], *y = &r->job[*(const size_t *)b];
    size_t gx = group_index(r, x->anion_Z), gy = group_index(r, y->anion_Z);
    if (gx != gy) return gx < gy ? -1 : 1;
    return (x->Ea.value > y->Ea.value) - (x->Ea.value < y->Ea.value);
}

/* One bar per job with an Ea, labelled "O  Li2SiO3", grouped by anion. */
static vt_status plot_ea(const report *r, const char *dir)
{
    size_t n = 0, *order = vt_malloc((r->n_jobs ? r->n_jobs : 1) * sizeof *order);
    double *v = vt_malloc((r->n_jobs ? r->n_jobs : 1) * sizeof *v), *e = vt_malloc((r->n_jobs ? r->n_jobs : 1) * sizeof *e);
    char (*label)[80] = vt_malloc((r->n_jobs ? r->n_jobs : 1) * sizeof *label);
    const char **labels = vt_malloc((r->n_jobs ? r->n_jobs : 1) * sizeof *labels);
    vt_status s = order && v && e && label && labels ? VT_OK : vt_err_set_(VT_ENOMEM, "out of memory");
    for (size_t i = 0; s == VT_OK && i < r->n_jobs; i++)
        if (isfinite(r->job[i].Ea.value)) order[n++] = i;
    if (s == VT_OK) {
        qsort_r(order, n, sizeof *order, by_group_then_ea, (void *)r);
        for (size_t k = 0; k < n; k++) {
            const job *j = &r->job[order[k]];
            snprintf(label[k], sizeof label[k], "%s  %.60s", group_name(j->anion_Z), j->formula);
            labels[k] = label[k];
            v[k] = j->Ea.value;
            e[k] = isfinite(j->Ea.sigma) ? j->Ea.sigma : 0.0;
        }
        char path[4200];
        snprintf(path, sizeof path, "%s/ea_by_anion.svg", dir);
        s = vt_svg_bars(path, "Li activation energy by anion group (anion, formula)", "Ea (eV), 1 sigma", labels, v,
                        e, n);
    }
    vt_free(order);
    vt_free(v);
    vt_free(e);
    vt_free(label);
    vt_free(labels);
    return s;
}

/* Row and column (1-based) of element Z in the 18-column table; lanthanides and actinides in two
 * rows below it (8.5 and 9.5). */
static void table_cell(int Z, double *row, double *col)
{
    const vt_element *e = vt_element_by_Z(Z);
    if (Z >= 57 && Z <= 71) *row = 8.5, *col = 3 + (Z - 57);
    else if (Z >= 89 && Z <= 103) *row = 9.5, *col = 3 + (Z - 89);
    else *row = e->row, *col = e->group;
}

/* A light-to-dark blue for count / max (0: grey). */
static void fill_of(int count, int max, char buf[8])
{
    if (!count) {
        snprintf(buf, 8, "#eeeeee");
        return;
    }
    double t = max > 1 ? (double)(count - 1) / (double)(max - 1) : 1.0;
    static const int lo[3] = {0xde, 0xeb, 0xf7}, hi[3] = {0x08, 0x51, 0x9c};
    snprintf(buf, 8, "#%02x%02x%02x", (int)lround(lo[0] + t * (hi[0] - lo[0])),
             (int)lround(lo[1] + t * (hi[1] - lo[1])), (int)lround(lo[2] + t * (hi[2] - lo[2])));
}

static vt_status plot_coverage(const report *r, const char *dir, int count[VT_MAX_Z + 1])
{
    int max = 0;
    for (size_t i = 0; i < r->n_jobs; i++) {
        vt_composition c;
        if (vt_composition_parse(r->job[i].formula, &c) != VT_OK) continue;
        for (size_t k = 0; k < c.n_species; k++) count[c.Z[k]]++;
    }
    for (int Z = 1; Z <= VT_MAX_Z; Z++) max = count[Z] > max ? count[Z] : max;
    const double cell = 36, left = 10, top = 40;
    vt_text t = {0};
    vt_text_printf(&t, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" font-family=\"sans-serif\">\n"
                       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                       "<text x=\"%g\" y=\"24\" font-size=\"15\">Compositions per element (%zu jobs; darkest: %d)</text>\n",
                   2 * left + 18 * cell, top + 10 * cell + 10, left, r->n_jobs, max);
    for (int Z = 1; Z <= VT_MAX_Z; Z++) {
        double row, col;
        char fill[8];
        table_cell(Z, &row, &col);
        fill_of(count[Z], max, fill);
        double x = left + (col - 1) * cell, y = top + (row - 1) * cell;
        const char *ink = count[Z] && max > 1 && (double)(count[Z] - 1) / (max - 1) > 0.5 ? "white" : "black";
        const char *sym = vt_element_by_Z(Z)->symbol;
        vt_text_printf(&t, "<g><title>%s: %d</title><rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"%s\" "
                           "stroke=\"white\"/><text x=\"%g\" y=\"%g\" font-size=\"13\" text-anchor=\"middle\" fill=\"%s\">"
                           "%s</text>",
                       sym, count[Z], x, y, cell, cell, fill, x + cell / 2, y + 16, ink, sym);
        if (count[Z])
            vt_text_printf(&t, "<text x=\"%g\" y=\"%g\" font-size=\"10\" text-anchor=\"middle\" fill=\"%s\">%d</text>",
                           x + cell / 2, y + 30, ink, count[Z]);
        vt_text_printf(&t, "</g>\n");
    }
    vt_text_printf(&t, "</svg>\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/coverage.svg", dir);
    return vt_text_save(&t, path);
}

/* ---- the page --------------------------------------------------------------------------------- */

static void html_escaped(vt_text *t, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': vt_text_printf(t, "&lt;"); break;
        case '>': vt_text_printf(t, "&gt;"); break;
        case '&': vt_text_printf(t, "&amp;"); break;
        case '"': vt_text_printf(t, "&quot;"); break;
        default: vt_text_put(t, s, 1);
        }
    }
}

static void html_summary(vt_text *t, const vt_campaign_summary *m)
{
    double span = m->last_finish_s - m->first_start_s;
    vt_text_printf(t, "<table><tr><th>queued</th><th>running</th><th>done</th><th>failed</th><th>throughput</th></tr>\n"
                      "<tr><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
                   (long long)m->n_queued, (long long)m->n_running, (long long)m->n_done, (long long)m->n_failed);
    if (m->n_done > 0 && span > 0) vt_text_printf(t, "%.1f jobs/h", 3600.0 * (double)m->n_done / span);
    else vt_text_printf(t, "-");
    vt_text_printf(t, "</td></tr></table>\n");
}

/* Li diffusivities of a job, "T K: D" items. */
static void html_d_cell(vt_text *t, const report *r, const char *key)
{
    int any = 0;
    for (size_t k = 0; k < vt_store_rows_count(r->diff); k++) {
        if (strcmp(text_or(vt_store_rows_get(r->diff, k, 0), ""), key) != 0) continue;
        vt_text_printf(t, "%s%.0f K: %.3e", any++ ? "<br>" : "", vt_store_rows_real(r->diff, k, 1),
                       vt_store_rows_real(r->diff, k, 2));
    }
    if (!any) vt_text_printf(t, "-");
}

static void html_jobs(vt_text *t, const report *r)
{
    vt_text_printf(t, "<h2>Jobs</h2>\n<table><tr><th>formula</th><th>anion</th><th>state</th><th>attempts</th>"
                      "<th>D<sub>Li</sub> (cm<sup>2</sup>/s)</th><th>E<sub>a</sub> (eV)</th><th>job key / error</th></tr>\n");
    for (size_t i = 0; i < r->n_jobs; i++) {
        const job *j = &r->job[i];
        vt_text_printf(t, "<tr class=\"%s\"><td>", j->state);
        html_escaped(t, j->formula);
        vt_text_printf(t, "</td><td>%s</td><td>%s</td><td>%d</td><td>", group_name(j->anion_Z), j->state, j->attempts);
        html_d_cell(t, r, j->key);
        if (isfinite(j->Ea.value)) vt_text_printf(t, "</td><td>%.3f &plusmn; %.3f</td><td>", j->Ea.value, j->Ea.sigma);
        else vt_text_printf(t, "</td><td>-</td><td>");
        html_escaped(t, j->key);
        if (j->error) {
            vt_text_printf(t, "<br><span class=\"err\">");
            html_escaped(t, j->error);
            vt_text_printf(t, "</span>");
        }
        vt_text_printf(t, "</td></tr>\n");
    }
    vt_text_printf(t, "</table>\n");
}

static vt_status write_page(const report *r, const vt_campaign_summary *m, const char *url, const char *dir)
{
    vt_text t = {0};
    vt_text_printf(&t, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>vitrum campaign report</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
                       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                       "font-size:13px;vertical-align:top}tr.failed{background:#fde0dd}.err{color:#a50f15}"
                       "figure{display:inline-block;margin:0 1em 1em 0}</style></head>\n<body>\n"
                       "<h1>vitrum campaign report</h1>\n<p>database: ");
    char shown[512];
    campaign_url_shown(url, shown, sizeof shown);
    html_escaped(&t, shown);
    vt_text_printf(&t, " (%zu jobs, vitrum %s)</p>\n", r->n_jobs, vt_version());
    html_summary(&t, m);
    vt_text_printf(&t, "<figure><img src=\"d_vs_T.svg\" alt=\"D of Li against 1000/T by anion group\">"
                       "<figcaption>D<sub>Li</sub> of every done job at every stored temperature (melt included), "
                       "by anion group (cf. Zheng et al. 2024, Fig. 2)</figcaption></figure>\n"
                       "<figure><img src=\"ea_by_anion.svg\" alt=\"Ea of Li by anion group\">"
                       "<figcaption>E<sub>a</sub> of Li (Arrhenius fit after the melt) by anion group</figcaption></figure>\n"
                       "<figure><img src=\"coverage.svg\" alt=\"compositions per element\">"
                       "<figcaption>Coverage: compositions per element (cf. Fig. 1)</figcaption></figure>\n");
    html_jobs(&t, r);
    vt_text_printf(&t, "</body></html>\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/index.html", dir);
    return vt_text_save(&t, path);
}

int cli_campaign_report(const cli_cmd *cmd, cli_args *a)
{
    const char *out = cli_get(cmd, a, "out"), *url = campaign_db_url(cmd, a);
    if (!out) return cli_usage_error("%s: --out DIR is required", a->prog);
    int rc = campaign_mkdirs(out);
    if (rc) return rc;
    vt_store *st;
    vt_status s = vt_store_open(url, &st);
    if (s != VT_OK) return cli_fail(s);
    report r = {0};
    vt_campaign_summary m;
    int count[VT_MAX_Z + 1] = {0};
    s = vt_campaign_summary_get(st, &m);
    if (s == VT_OK) s = load(st, &r);
    if (s == VT_OK) s = plot_d_vs_T(&r, out);
    if (s == VT_OK) s = plot_ea(&r, out);
    if (s == VT_OK) s = plot_coverage(&r, out, count);
    if (s == VT_OK) s = write_page(&r, &m, url, out);
    if (s == VT_OK) {
        printf("report: %s/index.html: %zu jobs (%lld done), %zu Li diffusivities, anion groups", out, r.n_jobs,
               (long long)m.n_done, vt_store_rows_count(r.diff));
        for (size_t g = 0; g < r.n_groups; g++) printf(" %s", group_name(r.group_Z[g]));
        printf("\n");
    }
    report_clear(&r);
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}
