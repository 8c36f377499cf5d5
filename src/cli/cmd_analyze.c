/* cmd_analyze.c - `vitrum analyze TRAJ` (diffusivity per species, conductivity, RDF summary, plots),
** `vitrum arrhenius FILE` (Arrhenius fits of D(T) tables) and `vitrum rdf TRAJ` / `vitrum rdf
** compare A.csv B.csv` (partial RDFs in the paper's CSV layout and its R^2 statistic).
** Units: fs, Angstrom, K, cm^2/s, mS/cm, eV. Docs: docs/analysis.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/error.h"
#include "io/svg.h"

enum { FMT_TABLE = 0, FMT_JSON = 2 };
#define MAX_PLOT_POINTS 2000 /* points drawn per MSD curve (the curve is subsampled evenly) */

/* JSON number, or null for NaN/inf. */
static void jnum(double v)
{
    if (isfinite(v)) printf("%.17g", v);
    else printf("null");
}

static int table_or_json(const cli_cmd *cmd, const cli_args *a, int *format)
{
    if (cli_parse_format(cli_get(cmd, a, "format"), format)) return EXIT_USAGE;
    if (*format != FMT_TABLE && *format != FMT_JSON) return cli_usage_error("--format: expected table or json");
    return 0;
}

static vt_status make_dir(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) VT_FAIL(VT_EIO, "%s: cannot create: %s", dir, strerror(errno));
    return VT_OK;
}

/* Read a trajectory and drop its first `skip` frames. */
static int read_traj(const char *path, const char *format, uint64_t skip, vt_traj **out)
{
    vt_status s = vt_traj_read(path, format, out);
    if (s != VT_OK) return cli_fail(s);
    vt_traj *t = *out;
    if (skip >= t->n_frames) {
        size_t n = t->n_frames;
        vt_traj_free(t);
        *out = NULL;
        return cli_usage_error("--skip: %llu frames skipped but %s has %zu", (unsigned long long)skip, path, n);
    }
    for (size_t i = 0; i < skip; i++) vt_cell_free(t->frames[i]);
    memmove(t->frames, t->frames + skip, (t->n_frames - skip) * sizeof *t->frames);
    t->n_frames -= skip;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
** vitrum rdf
*/
const cli_opt cli_rdf_opts[] = {
    {"out", "FILE", "CSV to write in the paper's layout (required unless `compare`)"},
    {"rmax", "A", "largest r, Angstrom (default 10)"},
    {"dr", "A", "grid step, Angstrom (default 0.1)"},
    {"grid", "points|bins", "points: r = 0, dr, .., rmax, bins centred on them (the paper's CSVs); "
                            "bins: [k dr, (k+1) dr) as ASE (default points)"},
    {"smooth", "A", "Gaussian smoothing width, Angstrom (default 0: none)"},
    {"skip", "N", "frames dropped at the start (default 0)"},
    {"every", "N", "use every N-th frame (default 1)"},
    {"traj-format", "FMT", "trajectory format (default: by file name)"},
    {"plot", "DIR", "also write DIR/rdf.svg"},
    {NULL, NULL, NULL},
};

static int rdf_options(const cli_cmd *cmd, const cli_args *a, vt_rdf_opts *o)
{
    *o = vt_rdf_opts_default();
    uint64_t every = 1;
    const char *grid = cli_get(cmd, a, "grid");
    if (cli_get_double(cmd, a, "rmax", o->r_max_A, 1e-3, 1e4, &o->r_max_A) ||
        cli_get_double(cmd, a, "dr", o->dr_A, 1e-6, 1e4, &o->dr_A) ||
        cli_get_double(cmd, a, "smooth", 0.0, 0.0, 1e3, &o->smooth_A) ||
        cli_get_u64(cmd, a, "every", 1, 1000000000, &every))
        return EXIT_USAGE;
    o->stride = (size_t)(every ? every : 1);
    if (every == 0) return cli_usage_error("--every: must be >= 1");
    if (grid && strcmp(grid, "points") != 0 && strcmp(grid, "bins") != 0)
        return cli_usage_error("--grid: expected points or bins, got '%s'", grid);
    o->grid = grid && strcmp(grid, "bins") == 0 ? VT_RDF_BINS : VT_RDF_POINTS;
    return 0;
}

static const char *sym(int Z) { return vt_element_by_Z(Z)->symbol; }

static vt_status plot_rdf(const char *dir, const vt_rdf *r)
{
    VT_TRY(make_dir(dir));
    vt_svg_series s[64];
    char labels[64][16];
    size_t n = r->n_pairs < 64 ? r->n_pairs : 64;
    for (size_t p = 0; p < n; p++) {
        snprintf(labels[p], sizeof labels[p], "%s-%s", sym(r->Z[r->pair[p][0]]), sym(r->Z[r->pair[p][1]]));
        s[p] = (vt_svg_series){labels[p], r->r_A, r->g + p * r->n_r, NULL, r->n_r, 1};
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/rdf.svg", dir);
    vt_svg_axes ax = {"Partial radial distribution functions", "r (A)", "g(r)", 0, 0, 0};
    return vt_svg_plot(path, &ax, s, n);
}

static int rdf_compare(const cli_cmd *cmd, cli_args *a)
{
    for (int k = 0; cmd->opts[k].name; k++)
        if (a->value[k]) return cli_usage_error("vitrum rdf compare: takes no options (got --%s)", cmd->opts[k].name);
    if (a->n_pos != 3) return cli_usage_error("vitrum rdf compare: expected two CSV files (truth first)");
    double r2;
    size_t n_pairs;
    vt_status s = vt_rdf_compare_csv(a->pos[1], a->pos[2], &r2, &n_pairs);
    if (s != VT_OK) return cli_fail(s);
    printf("R^2 = %.9f  (%zu pair columns concatenated; truth: %s)\n", r2, n_pairs, a->pos[1]);
    return 0;
}

int cli_rdf(const cli_cmd *cmd, cli_args *a)
{
    if (strcmp(a->pos[0], "compare") == 0) return rdf_compare(cmd, a);
    if (a->n_pos != 1) return cli_usage_error("vitrum rdf: expected one trajectory (or: compare A.csv B.csv)");
    const char *out = cli_get(cmd, a, "out");
    if (!out) return cli_usage_error("vitrum rdf: --out FILE is required");
    vt_rdf_opts o;
    uint64_t skip;
    if (rdf_options(cmd, a, &o) || cli_get_u64(cmd, a, "skip", 0, 1000000000, &skip)) return EXIT_USAGE;
    vt_traj *t = NULL;
    int rc = read_traj(a->pos[0], cli_get(cmd, a, "traj-format"), skip, &t);
    if (rc) return rc;
    vt_rdf *r = NULL;
    vt_status s = vt_rdf_compute(t, &o, &r);
    if (s == VT_OK) s = vt_rdf_write_csv(r, out);
    if (s == VT_OK && cli_get(cmd, a, "plot")) s = plot_rdf(cli_get(cmd, a, "plot"), r);
    if (s == VT_OK) printf("wrote %s: %zu pairs x %zu points, %zu frames\n", out, r->n_pairs, r->n_r, r->n_frames);
    vt_rdf_free(r);
    vt_traj_free(t);
    return s == VT_OK ? 0 : cli_fail(s);
}

/* ---------------------------------------------------------------------------------------------
** vitrum arrhenius
*/
const cli_opt cli_arrhenius_opts[] = {
    {"at", "T[,T...]", "temperatures (K) to extrapolate D to (default 300)"},
    {"format", "table|json", "output format (default table)"},
    {"plot", "DIR", "also write DIR/arrhenius.svg (D vs 1000/T with error bars and fits)"},
    {NULL, NULL, NULL},
};

typedef struct series { const char *label; size_t n, *rows; vt_arrhenius fit; vt_status status; } series;

/* Rows grouped by label in order of first appearance (one group without a label column). */
static vt_status group_rows(const vt_dtable *t, series **out, size_t *n_out)
{
    series *g = vt_calloc(t->n, sizeof *g);
    size_t *rows = vt_malloc(t->n * sizeof *rows);
    if (!g || !rows) {
        vt_free(g), vt_free(rows);
        VT_FAIL(VT_ENOMEM, "out of memory");
    }
    size_t n = 0, used = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t k = 0;
        while (k < n && t->label && strcmp(g[k].label, t->label[i]) != 0) k++;
        if (k == n) g[n++].label = t->label ? t->label[i] : "all";
        if (!t->label) break;
    }
    for (size_t k = 0; k < n; k++) { /* contiguous row lists per group; rows[] is owned by g[0] */
        g[k].rows = rows + used;
        for (size_t i = 0; i < t->n; i++)
            if (!t->label || strcmp(t->label[i], g[k].label) == 0) g[k].rows[g[k].n++] = i;
        used += g[k].n;
    }
    *out = g, *n_out = n;
    return VT_OK;
}

static vt_status fit_series(const vt_dtable *t, series *g)
{
    double *T = vt_malloc(3 * g->n * sizeof *T);
    if (!T) VT_FAIL(VT_ENOMEM, "out of memory");
    double *D = T + g->n, *sg = D + g->n;
    for (size_t i = 0; i < g->n; i++) {
        T[i] = t->T_K[g->rows[i]], D[i] = t->D_cm2_s[g->rows[i]];
        sg[i] = t->sigma_cm2_s ? t->sigma_cm2_s[g->rows[i]] : NAN;
    }
    g->status = vt_arrhenius_fit(g->n, T, D, t->sigma_cm2_s ? sg : NULL, &g->fit);
    vt_free(T);
    return VT_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile q (0..100) of sorted v, linear interpolation (numpy's default). */
static double percentile(const double *v, size_t n, double q)
{
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

static int parse_temps(const char *s, double *T, size_t max, size_t *n)
{
    *n = 0;
    if (!s) return T[(*n)++] = 300.0, 0;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !(v > 0) || !isfinite(v) || (*end && *end != ',') || *n == max)
            return cli_usage_error("--at: expected up to %zu temperatures > 0 K separated by commas, got '%s'", max, s);
        T[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

static void print_fit_table(const series *g, const double *at, size_t n_at)
{
    if (g->status != VT_OK) {
        printf("%-20s %3zu  fit failed: %s\n", g->label, g->n, vt_status_name(g->status));
        return;
    }
    vt_estimate D0 = vt_arrhenius_D0(&g->fit);
    printf("%-20s %3zu  %9.4f %8.4f  %11.4e %11.4e  %7.4f", g->label, g->n, g->fit.Ea_eV.value, g->fit.Ea_eV.sigma,
           D0.value, D0.sigma, g->fit.r2);
    for (size_t i = 0; i < n_at; i++) {
        vt_estimate D = vt_arrhenius_eval(&g->fit, at[i]);
        printf("  %11.4e %11.4e", D.value, D.sigma);
    }
    printf("\n");
}

static void print_fit_json(const series *g, const double *at, size_t n_at, int first)
{
    printf("%s\n    {\"label\": \"%s\", \"n\": %zu", first ? "" : ",", g->label, g->n);
    if (g->status == VT_OK) {
        vt_estimate D0 = vt_arrhenius_D0(&g->fit);
        printf(", \"Ea_eV\": "), jnum(g->fit.Ea_eV.value), printf(", \"Ea_sigma_eV\": "), jnum(g->fit.Ea_eV.sigma);
        printf(", \"D0_cm2_s\": "), jnum(D0.value), printf(", \"D0_sigma_cm2_s\": "), jnum(D0.sigma);
        printf(", \"r2\": "), jnum(g->fit.r2), printf(", \"extrapolated\": [");
        for (size_t i = 0; i < n_at; i++) {
            vt_estimate D = vt_arrhenius_eval(&g->fit, at[i]);
            printf("%s{\"T_K\": %g, \"D_cm2_s\": ", i ? ", " : "", at[i]), jnum(D.value);
            printf(", \"sigma_cm2_s\": "), jnum(D.sigma), printf("}");
        }
        printf("]");
    } else {
        printf(", \"error\": \"%s\"", vt_status_name(g->status));
    }
    printf("}");
}

static vt_status plot_arrhenius(const char *dir, const vt_dtable *t, const series *g, size_t n_g)
{
    VT_TRY(make_dir(dir));
    size_t n_s = n_g < 8 ? n_g : 8; /* the first 8 series: more would not be readable */
    vt_svg_series s[16];
    double *buf = vt_calloc(t->n * 3 + n_s * 4, sizeof *buf);
    if (!buf) VT_FAIL(VT_ENOMEM, "out of memory");
    double *x = buf, *y = x + t->n, *e = y + t->n, *fx = e + t->n;
    size_t m = 0, off = 0;
    for (size_t k = 0; k < n_s; k++) {
        double Tmin = INFINITY, Tmax = 0;
        for (size_t i = 0; i < g[k].n; i++) {
            size_t r = g[k].rows[i];
            x[off + i] = 1000.0 / t->T_K[r], y[off + i] = t->D_cm2_s[r];
            e[off + i] = t->sigma_cm2_s ? t->sigma_cm2_s[r] : NAN;
            Tmin = fmin(Tmin, t->T_K[r]), Tmax = fmax(Tmax, t->T_K[r]);
        }
        s[m++] = (vt_svg_series){g[k].label, x + off, y + off, e + off, g[k].n, 0};
        if (g[k].status == VT_OK) { /* the fitted line across the measured range */
            double *lx = fx + 4 * k, *ly = lx + 2;
            lx[0] = 1000.0 / Tmax, lx[1] = 1000.0 / Tmin;
            ly[0] = vt_arrhenius_eval(&g[k].fit, Tmax).value, ly[1] = vt_arrhenius_eval(&g[k].fit, Tmin).value;
            s[m++] = (vt_svg_series){NULL, lx, ly, NULL, 2, 1};
        }
        off += g[k].n;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/arrhenius.svg", dir);
    vt_svg_axes ax = {"Arrhenius plot", "1000 / T (1/K)", "D (cm^2/s)", 0, 1, 0};
    vt_status st = vt_svg_plot(path, &ax, s, m);
    vt_free(buf);
    return st;
}

/* Median and interquartile range of Ea over the series with >= 3 points. */
static void ea_summary(const series *g, size_t n_g, int format)
{
    double *ea = vt_malloc((n_g ? n_g : 1) * sizeof *ea);
    size_t n = 0;
    for (size_t k = 0; ea && k < n_g; k++)
        if (g[k].status == VT_OK && g[k].n >= 3) ea[n++] = g[k].fit.Ea_eV.value;
    if (n > 0) {
        qsort(ea, n, sizeof *ea, cmp_double);
        double med = percentile(ea, n, 50), q1 = percentile(ea, n, 25), q3 = percentile(ea, n, 75);
        if (format == FMT_JSON) {
            printf(",\n  \"Ea_summary\": {\"n_series\": %zu, \"median_eV\": ", n), jnum(med);
            printf(", \"q25_eV\": "), jnum(q1), printf(", \"q75_eV\": "), jnum(q3), printf(", \"iqr_eV\": "), jnum(q3 - q1);
            printf("}");
        } else {
            printf("\nEa over %zu series with >= 3 temperatures: median %.6f eV, IQR %.6f eV (q25 %.6f, q75 %.6f)\n",
                   n, med, q3 - q1, q1, q3);
        }
    }
    vt_free(ea);
}

int cli_arrhenius(const cli_cmd *cmd, cli_args *a)
{
    int format;
    double at[16];
    size_t n_at;
    if (table_or_json(cmd, a, &format) || parse_temps(cli_get(cmd, a, "at"), at, 16, &n_at)) return EXIT_USAGE;
    vt_dtable *t = NULL;
    vt_status s = vt_dtable_read(a->pos[0], &t);
    if (s != VT_OK) return cli_fail(s);
    series *g = NULL;
    size_t n_g = 0;
    if ((s = group_rows(t, &g, &n_g)) != VT_OK) {
        vt_dtable_free(t);
        return cli_fail(s);
    }
    for (size_t k = 0; k < n_g && s == VT_OK; k++) s = fit_series(t, &g[k]);
    if (s == VT_OK && format == FMT_TABLE) {
        printf("Arrhenius D = D0 exp(-Ea / kB T), fit of ln D vs 1/(kB T)%s\n",
               t->sigma_cm2_s ? ", weighted by 1/sigma(ln D)^2" : " (unweighted; sigmas from the scatter)");
        printf("%-20s %3s  %9s %8s  %11s %11s  %7s", "label", "n", "Ea (eV)", "+-", "D0 (cm2/s)", "+-", "R^2");
        for (size_t i = 0; i < n_at; i++) {
            char h[32];
            snprintf(h, sizeof h, "D(%g K)", at[i]);
            printf("  %11s %11s", h, "+-");
        }
        printf("\n");
        for (size_t k = 0; k < n_g; k++) print_fit_table(&g[k], at, n_at);
        if (n_g > 1) ea_summary(g, n_g, format);
    } else if (s == VT_OK) {
        printf("{\n  \"fits\": [");
        for (size_t k = 0; k < n_g; k++) print_fit_json(&g[k], at, n_at, k == 0);
        printf("\n  ]");
        if (n_g > 1) ea_summary(g, n_g, format);
        printf("\n}\n");
    }
    if (s == VT_OK && cli_get(cmd, a, "plot")) s = plot_arrhenius(cli_get(cmd, a, "plot"), t, g, n_g);
    int rc = s == VT_OK ? 0 : cli_fail(s);
    if (n_g == 1 && g[0].status != VT_OK && rc == 0) rc = cli_fail(g[0].status); /* the only series failed */
    if (g) vt_free(g[0].rows);
    vt_free(g);
    vt_dtable_free(t);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
** vitrum analyze
*/
const cli_opt cli_analyze_opts[] = {
    {"dt", "FS", "time between frames, fs (MD step x steps between frames); required"},
    {"species", "EL[,EL...]", "species to analyse (default: every element)"},
    {"temp", "K", "temperature, for the Nernst-Einstein conductivity"},
    {"charge", "Q", "ion charge, e (default +1 for group 1, +2 for group 2)"},
    {"mode", "max|constant|none", "MSD time origins as pymatgen's smoothed=\"max\", \"constant\", False (default max)"},
    {"drift", "framework|com|none", "drift removed (default framework: the other species' mean)"},
    {"min-obs", "N", "max mode: fit up to the lag where each ion is seen min-obs / n_ions times (default 30)"},
    {"avg-steps", "N", "constant mode: time origins (default 1000)"},
    {"fit-start", "FS", "max mode: first lag fitted, fs (default 1000)"},
    {"skip", "N", "frames dropped at the start (equilibration; default 0)"},
    {"rdf-every", "N", "RDF from every N-th frame (default 1); 0: no RDF"},
    {"rmax", "A", "RDF range, Angstrom (default 10)"},
    {"traj-format", "FMT", "trajectory format (default: by file name)"},
    {"msd-csv", "FILE", "write MSD(t) per species: species,t_fs,msd,msd_x,msd_y,msd_z (A^2)"},
    {"plot", "DIR", "write DIR/msd_<El>.svg (MSD with the fit window) and DIR/rdf.svg"},
    {"format", "table|json", "output format (default table)"},
    {NULL, NULL, NULL},
};

static int parse_choice(const char *v, const char *opt, const char *const *names, int n, int *out)
{
    if (!v) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) return *out = i, 0;
    return cli_usage_error("--%s: unknown value '%s'", opt, v);
}

static int analyze_options(const cli_cmd *cmd, const cli_args *a, vt_diffusion_opts *o, uint64_t *skip,
                           uint64_t *rdf_every, double *rmax)
{
    static const char *const modes[] = {"max", "constant", "none"}, *const drifts[] = {"framework", "com", "none"};
    *o = vt_diffusion_opts_default();
    uint64_t min_obs, avg;
    int mode = 0, drift = 0;
    if (!cli_get(cmd, a, "dt")) return cli_usage_error("vitrum analyze: --dt FS (time between frames) is required");
    if (cli_get_double(cmd, a, "dt", NAN, 1e-6, 1e9, &o->dt_fs) ||
        cli_get_double(cmd, a, "temp", NAN, 1e-6, 1e6, &o->T_K) ||
        cli_get_double(cmd, a, "charge", NAN, -100, 100, &o->charge_e) ||
        cli_get_double(cmd, a, "fit-start", o->min_fit_fs, 0, 1e12, &o->min_fit_fs) ||
        cli_get_u64(cmd, a, "min-obs", o->min_obs, 1000000000, &min_obs) ||
        cli_get_u64(cmd, a, "avg-steps", o->avg_nsteps, 1000000000, &avg) ||
        cli_get_u64(cmd, a, "skip", 0, 1000000000, skip) || cli_get_u64(cmd, a, "rdf-every", 1, 1000000000, rdf_every) ||
        cli_get_double(cmd, a, "rmax", 10.0, 0.1, 1e4, rmax) ||
        parse_choice(cli_get(cmd, a, "mode"), "mode", modes, 3, &mode) ||
        parse_choice(cli_get(cmd, a, "drift"), "drift", drifts, 3, &drift))
        return EXIT_USAGE;
    if (min_obs < 1 || avg < 1) return cli_usage_error("--min-obs and --avg-steps must be >= 1");
    o->min_obs = (size_t)min_obs, o->avg_nsteps = (size_t)avg;
    o->mode = (vt_msd_mode)mode, o->drift = (vt_drift)drift;
    return 0;
}

/* Elements to analyse: --species, or every element of the first frame. */
static int select_species(const char *list, const vt_cell *c, int *Z, size_t *n)
{
    *n = 0;
    if (!list) {
        vt_composition comp;
        vt_status s = vt_cell_composition(c, &comp);
        if (s != VT_OK) return cli_fail(s);
        for (size_t i = 0; i < comp.n_species; i++) Z[(*n)++] = comp.Z[i];
        return 0;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        const vt_element *e = vt_element_by_symbol(tok);
        if (!e) return cli_usage_error("--species: unknown element '%s'", tok);
        if (*n == VT_MAX_SPECIES) return cli_usage_error("--species: more than %d elements", VT_MAX_SPECIES);
        Z[(*n)++] = e->Z;
    }
    return 0;
}

static vt_status write_msd_csv(const char *path, vt_diffusion *const *d, size_t n)
{
    FILE *f = NULL;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(f = fopen(tmp, "w"))) VT_FAIL(VT_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    fprintf(f, "species,t_fs,msd_A2,msd_x_A2,msd_y_A2,msd_z_A2\n");
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; d[i] && k < d[i]->n_lags; k++)
            fprintf(f, "%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", sym(d[i]->Z), (double)k * d[i]->dt_fs, d[i]->msd_A2[k],
                    d[i]->msd_xyz_A2[k][0], d[i]->msd_xyz_A2[k][1], d[i]->msd_xyz_A2[k][2]);
    int bad = ferror(f) | (fclose(f) != 0);
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        VT_FAIL(VT_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return VT_OK;
}

static vt_status plot_msd(const char *dir, const vt_diffusion *d)
{
    VT_TRY(make_dir(dir));
    size_t step = d->n_lags > MAX_PLOT_POINTS ? (d->n_lags + MAX_PLOT_POINTS - 1) / MAX_PLOT_POINTS : 1;
    size_t m = (d->n_lags + step - 1) / step;
    double *buf = vt_malloc((5 * m + 4) * sizeof *buf);
    if (!buf) VT_FAIL(VT_ENOMEM, "out of memory");
    double *t = buf, *y[4] = {t + m, t + 2 * m, t + 3 * m, t + 4 * m}, *fx = t + 5 * m, *fy = fx + 2;
    for (size_t i = 0; i < m; i++) {
        size_t k = i * step;
        t[i] = (double)k * d->dt_fs / 1000.0;
        y[0][i] = d->msd_A2[k];
        for (int c = 0; c < 3; c++) y[c + 1][i] = d->msd_xyz_A2[k][c];
    }
    size_t last = d->fit_first + (d->fit_stop - 1 - d->fit_first) / d->fit_stride * d->fit_stride;
    double slope = d->D.value * 60.0; /* A^2/fs: D = slope x 0.1 / 6 */
    fx[0] = (double)d->fit_first * d->dt_fs, fx[1] = (double)last * d->dt_fs;
    fy[0] = slope * fx[0] + d->msd_intercept_A2, fy[1] = slope * fx[1] + d->msd_intercept_A2;
    fx[0] /= 1000.0, fx[1] /= 1000.0;
    vt_svg_series s[5] = {{"total", t, y[0], NULL, m, 1}, {"x", t, y[1], NULL, m, 1}, {"y", t, y[2], NULL, m, 1},
                          {"z", t, y[3], NULL, m, 1}, {"fit window", fx, fy, NULL, 2, 1}};
    char path[4096], title[128];
    snprintf(path, sizeof path, "%s/msd_%s.svg", dir, sym(d->Z));
    snprintf(title, sizeof title, "MSD of %s: D = %.3e +- %.1e cm^2/s", sym(d->Z), d->D.value, d->D.sigma);
    vt_svg_axes ax = {title, "t (ps)", "MSD (A^2)", 0, 0, 0};
    vt_status st = vt_svg_plot(path, &ax, s, 5);
    vt_free(buf);
    return st;
}

/* A species whose run was too short for its fit window is listed with the reason (why). */
typedef char reason[256];

static void print_diffusion_table(vt_diffusion *const *d, const int *Z, const reason *why, size_t n,
                                  const vt_diffusion_opts *o)
{
    static const char *const modes[] = {"max", "constant", "none"};
    printf("Diffusion (mode %s, %g fs between frames); D in cm^2/s, sigma: standard error over ions\n",
           modes[o->mode], o->dt_fs);
    printf("%-4s %6s %12s %10s %10s %12s %12s %12s %13s  %s\n", "el", "ions", "D", "sigma", "sigma_pmg", "D_x", "D_y",
           "D_z", "cond (mS/cm)", "fit lags");
    for (size_t i = 0; i < n; i++) {
        const vt_diffusion *x = d[i];
        if (!x) {
            printf("%-4s not analysed: %s\n", sym(Z[i]), why[i]);
            continue;
        }
        printf("%-4s %6zu %12.4e %10.2e %10.2e %12.4e %12.4e %12.4e %13.4g  %zu..%zu/%zu\n", sym(x->Z), x->n_ions,
               x->D.value, x->D.sigma, x->D_sigma_pmg, x->D_xyz[0].value, x->D_xyz[1].value, x->D_xyz[2].value,
               x->sigma_mS_cm.value, x->fit_first, x->fit_stop, x->fit_stride);
    }
}

static void print_rdf_table(const vt_rdf *r)
{
    printf("\nRDF (%zu frames, %g..%g A): first shell per pair; CN = neighbours B around A at the minimum\n",
           r->n_frames, r->r_A[0], r->r_A[r->n_r - 1]);
    printf("%-8s %10s %8s %10s %8s %8s\n", "pair", "r_peak(A)", "g_peak", "r_min(A)", "CN(A-B)", "CN(B-A)");
    for (size_t p = 0; p < r->n_pairs; p++) {
        vt_rdf_shell sh = vt_rdf_first_shell(r, p);
        size_t a = (size_t)r->pair[p][0], b = (size_t)r->pair[p][1];
        char name[16];
        snprintf(name, sizeof name, "%s-%s", sym(r->Z[a]), sym(r->Z[b]));
        printf("%-8s %10.3f %8.3f %10.3f %8.3f %8.3f\n", name, sh.r_peak_A, sh.g_peak, sh.r_min_A, sh.cn,
               sh.cn * (double)r->count[a] / (double)r->count[b]);
    }
}

/* A JSON string: quotes and backslashes escaped, control characters dropped. */
static void jstr(const char *s)
{
    putchar('"');
    for (; *s; s++)
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s >= 0x20) putchar(*s);
    putchar('"');
}

static void print_json(vt_diffusion *const *d, const int *Z, const reason *why, size_t n, const vt_rdf *r,
                       const vt_diffusion_opts *o)
{
    static const char *const modes[] = {"max", "constant", "none"};
    printf("{\n  \"dt_fs\": %.17g, \"mode\": \"%s\",\n  \"diffusion\": [", o->dt_fs, modes[o->mode]);
    for (size_t i = 0; i < n; i++) {
        const vt_diffusion *x = d[i];
        if (!x) {
            printf("%s\n    {\"species\": \"%s\", \"error\": ", i ? "," : "", sym(Z[i])), jstr(why[i]), printf("}");
            continue;
        }
        printf("%s\n    {\"species\": \"%s\", \"n_ions\": %zu, \"D_cm2_s\": ", i ? "," : "", sym(x->Z), x->n_ions);
        jnum(x->D.value), printf(", \"D_sigma_cm2_s\": "), jnum(x->D.sigma);
        printf(", \"D_sigma_pmg_cm2_s\": "), jnum(x->D_sigma_pmg), printf(", \"D_xyz_cm2_s\": [");
        for (int c = 0; c < 3; c++) printf("%s", c ? ", " : ""), jnum(x->D_xyz[c].value);
        printf("], \"D_xyz_sigma_cm2_s\": [");
        for (int c = 0; c < 3; c++) printf("%s", c ? ", " : ""), jnum(x->D_xyz[c].sigma);
        printf("], \"D_xyz_sigma_pmg_cm2_s\": [");
        for (int c = 0; c < 3; c++) printf("%s", c ? ", " : ""), jnum(x->D_xyz_sigma_pmg[c]);
        printf("], \"msd_intercept_A2\": "), jnum(x->msd_intercept_A2);
        printf(", \"fit_lags\": {\"first\": %zu, \"stop\": %zu, \"stride\": %zu}", x->fit_first, x->fit_stop, x->fit_stride);
        printf(", \"charge_e\": "), jnum(x->charge_e), printf(", \"conductivity_mS_cm\": "), jnum(x->sigma_mS_cm.value);
        printf(", \"conductivity_sigma_mS_cm\": "), jnum(x->sigma_mS_cm.sigma), printf("}");
    }
    printf("\n  ]");
    if (r) {
        printf(",\n  \"rdf\": {\"n_frames\": %zu, \"pairs\": [", r->n_frames);
        for (size_t p = 0; p < r->n_pairs; p++) {
            vt_rdf_shell sh = vt_rdf_first_shell(r, p);
            printf("%s\n    {\"pair\": \"%s-%s\", \"r_peak_A\": ", p ? "," : "", sym(r->Z[r->pair[p][0]]),
                   sym(r->Z[r->pair[p][1]]));
            jnum(sh.r_peak_A), printf(", \"g_peak\": "), jnum(sh.g_peak), printf(", \"r_min_A\": "), jnum(sh.r_min_A);
            printf(", \"cn\": "), jnum(sh.cn), printf("}");
        }
        printf("\n  ]}");
    }
    printf("\n}\n");
}

int cli_analyze(const cli_cmd *cmd, cli_args *a)
{
    vt_diffusion_opts o;
    uint64_t skip, rdf_every;
    double rmax;
    int format, Z[VT_MAX_SPECIES];
    size_t n_sp = 0;
    if (table_or_json(cmd, a, &format) || analyze_options(cmd, a, &o, &skip, &rdf_every, &rmax)) return EXIT_USAGE;
    vt_traj *t = NULL;
    int rc = read_traj(a->pos[0], cli_get(cmd, a, "traj-format"), skip, &t);
    if (rc || (rc = select_species(cli_get(cmd, a, "species"), t->frames[0], Z, &n_sp))) {
        vt_traj_free(t);
        return rc;
    }
    vt_diffusion *d[VT_MAX_SPECIES] = {0};
    reason why[VT_MAX_SPECIES] = {""};
    vt_rdf *r = NULL;
    vt_status s = VT_OK;
    int is_every_species = cli_get(cmd, a, "species") == NULL;
    for (size_t i = 0; i < n_sp && s == VT_OK; i++) {
        s = vt_diffusion_compute(t, Z[i], &o, &d[i]);
        if (s == VT_ERANGE && is_every_species) { /* e.g. a minority species: report, go on */
            snprintf(why[i], sizeof why[i], "%s", vt_errmsg());
            s = VT_OK;
        }
    }
    if (s == VT_OK && rdf_every > 0) {
        vt_rdf_opts ro = vt_rdf_opts_default();
        ro.r_max_A = rmax, ro.stride = (size_t)rdf_every;
        s = vt_rdf_compute(t, &ro, &r);
    }
    const char *dir = cli_get(cmd, a, "plot"), *csv = cli_get(cmd, a, "msd-csv");
    for (size_t i = 0; s == VT_OK && dir && i < n_sp; i++)
        if (d[i]) s = plot_msd(dir, d[i]);
    if (s == VT_OK && dir && r) s = plot_rdf(dir, r);
    if (s == VT_OK && csv) s = write_msd_csv(csv, d, n_sp);
    if (s == VT_OK && format == FMT_JSON) print_json(d, Z, (const reason *)why, n_sp, r, &o);
    else if (s == VT_OK) {
        print_diffusion_table(d, Z, (const reason *)why, n_sp, &o);
        if (r) print_rdf_table(r);
    }
    for (size_t i = 0; i < n_sp; i++) vt_diffusion_free(d[i]);
    vt_rdf_free(r);
    vt_traj_free(t);
    return s == VT_OK ? 0 : cli_fail(s);
}
