/* run.c - the MPMorph melt-quench workflow of the paper as one resumable computation.
**
** Schedule (Zheng et al. 2024, Methods; MPMorph): pack the composition; at the melt temperature
** run short NVT simulations at scaled volumes, fit P(V), and repeat at the volume where P = 0
** until energy and density have converged; then a production run. For each lower temperature the
** last melt frame is quenched instantly (velocities rescaled), and the same volume search,
** convergence and production follow. Frames of one production run are relaxed (positions and
** cell) for the amorphous-limit energy.
**
** Every MD run is a stage with its own folder under the run directory: checkpoint, trajectory,
** thermo log, final state (final.extxyz) and a result.json written last and atomically. A stage
** with a result.json is done and is read back instead of run; a stage without one resumes from its
** checkpoint. Given the same settings every decision (which volume to try next) is a function of
** earlier results, so a killed run that is restarted retraces the same stages and ends with the
** same bytes.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/rng.h"
#include "io/atomic.h"
#include "io/text.h"

vt_run_schedule vt_run_schedule_paper(void)
{
    vt_run_schedule s = {
        .n_atoms_min = 100,
        .pack_min_dist_A = 2.0,
        .dt_fs = 2.0,
        .melt_T_K = 5000.0,
        .n_T = 4,
        .T_K = {1000.0, 1500.0, 2000.0, 2500.0},
        .n_scales = 3,
        .volume_scales = {0.8, 1.0, 1.2},
        .eos = VT_EOS_BM3,
        .max_volume_runs = 20,
        .eos_ps = 4.0,
        .converge_ps = 4.0,
        .production_ps = 20.0,
        .volume_tol = 0.01,
        .energy_drift_tol_eV_atom_ps = 1e-3,
        .amorphous_frames = 10,
        .amorphous_every_ps = 2.0,
        .traj_every = 10,
        .log_every = 10,
        .checkpoint_every = 500,
        .tdamp_fs = 100.0,
        .seed = 1,
    };
    return s;
}

vt_run_schedule vt_run_schedule_quick(void)
{
    vt_run_schedule s = vt_run_schedule_paper();
    s.n_atoms_min = 24;
    s.n_T = 2;
    s.T_K[0] = 1500.0, s.T_K[1] = 2500.0;
    s.max_volume_runs = 16;
    s.eos_ps = 0.4, s.converge_ps = 0.4, s.production_ps = 2.0;
    s.volume_tol = 0.05;
    s.energy_drift_tol_eV_atom_ps = 0.05;
    s.amorphous_frames = 2;
    s.amorphous_every_ps = 0.4;
    s.checkpoint_every = 50;
    return s;
}

static vt_status check_schedule(const vt_run_schedule *s)
{
    if (s->n_atoms_min < 2 || s->n_atoms_min > 100000)
        VT_FAIL(VT_EINVAL, "--atoms: %zu, expected 2..100000", s->n_atoms_min);
    if (!(s->pack_min_dist_A >= 0 && s->pack_min_dist_A < 5))
        VT_FAIL(VT_EINVAL, "--min-dist: %g A, expected 0..5", s->pack_min_dist_A);
    if (!(s->dt_fs > 0 && s->dt_fs <= 10)) VT_FAIL(VT_EINVAL, "--dt: %g fs, expected (0, 10]", s->dt_fs);
    if (!(s->melt_T_K > 0 && s->melt_T_K < 1e5)) VT_FAIL(VT_EINVAL, "--melt-temp: %g K", s->melt_T_K);
    if (s->n_T > VT_RUN_MAX_T) VT_FAIL(VT_EINVAL, "--temps: at most %d temperatures", VT_RUN_MAX_T);
    for (size_t i = 0; i < s->n_T; i++)
        if (!(s->T_K[i] > 0 && s->T_K[i] < 1e5)) VT_FAIL(VT_EINVAL, "--temps: %g K", s->T_K[i]);
    if (s->n_scales < 2 || s->n_scales > VT_RUN_MAX_SCALES)
        VT_FAIL(VT_EINVAL, "--volume-scales: 2 to %d values", VT_RUN_MAX_SCALES);
    for (size_t i = 0; i < s->n_scales; i++)
        if (!(s->volume_scales[i] > 0.2 && s->volume_scales[i] < 5))
            VT_FAIL(VT_EINVAL, "--volume-scales: %g, expected 0.2..5", s->volume_scales[i]);
    if (s->eos == VT_EOS_BM3 && s->n_scales < 3)
        VT_FAIL(VT_EINVAL, "--eos bm3 needs 3 or more --volume-scales");
    if (s->max_volume_runs < (int)s->n_scales + 1 || s->max_volume_runs > 100)
        VT_FAIL(VT_EINVAL, "--max-volume-runs: %d, expected %zu..100", s->max_volume_runs, s->n_scales + 1);
    if (!(s->eos_ps > 0 && s->converge_ps > 0 && s->production_ps > 0))
        VT_FAIL(VT_EINVAL, "run lengths (ps) must be positive");
    if (!(s->volume_tol > 0 && s->volume_tol < 1)) VT_FAIL(VT_EINVAL, "--volume-tol: %g", s->volume_tol);
    if (!(s->energy_drift_tol_eV_atom_ps > 0)) VT_FAIL(VT_EINVAL, "--drift-tol must be positive");
    if (s->amorphous_frames < 0 || s->amorphous_frames > 1000 || !(s->amorphous_every_ps > 0))
        VT_FAIL(VT_EINVAL, "--amorphous-frames: 0..1000 frames, a positive interval");
    if (!s->traj_every || !s->log_every || !s->checkpoint_every)
        VT_FAIL(VT_EINVAL, "output intervals must be positive");
    return VT_OK;
}

static uint64_t steps_of(const vt_run_schedule *s, double ps)
{
    double n = ceil(ps * 1000.0 / s->dt_fs - 1e-9);
    return n < 1 ? 1 : (uint64_t)n;
}

/* ---- folders and stage records ---------------------------------------------------------- */

static vt_status make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return VT_OK;
    VT_FAIL(VT_EIO, "%s: cannot create folder: %s", path, strerror(errno));
}

static vt_status join(char *buf, size_t size, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) VT_FAIL(VT_ERANGE, "%s/%s: path too long", dir, name);
    return VT_OK;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static vt_status read_json(const char *path, cJSON **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: %s", path, strerror(errno));
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int big = !feof(f);
    fclose(f);
    if (big) VT_FAIL(VT_EPARSE, "%s: larger than %zu bytes", path, sizeof buf - 1);
    buf[n] = 0;
    *out = cJSON_Parse(buf);
    if (!*out) VT_FAIL(VT_EPARSE, "%s: not valid JSON", path);
    return VT_OK;
}

static vt_status write_json(const char *path, const cJSON *o)
{
    char *text = cJSON_Print(o);
    if (!text) VT_FAIL(VT_ENOMEM, "%s: out of memory", path);
    vt_status s = vt_write_file_atomic(path, text, strlen(text));
    cJSON_free(text);
    return s;
}

/* Numbers go into the stage records with 17 significant digits, so that a resumed run reads back
 * exactly the doubles it wrote (cJSON's own printing may drop the last bit); non-finite as null. */
static void json_put(cJSON *o, const char *key, double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v);
    if (isfinite(v)) cJSON_AddRawToObject(o, key, buf);
    else cJSON_AddNullToObject(o, key);
}

static int json_num(const cJSON *o, const char *key, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNull(x)) return *v = NAN, 1;
    if (!cJSON_IsNumber(x)) return 0;
    *v = x->valuedouble;
    return 1;
}

/* ---- one MD stage --------------------------------------------------------------------------- */

/* Means over the second half of a stage's thermo log (the first half is equilibration). */
typedef struct stage_stats {
    double volume_A3;
    double P_GPa, P_sem_GPa;       /* mean pressure and its standard error (naive, per sample) */
    double Epot_eV;                /* mean potential energy */
    double drift_eV_atom_ps;       /* slope of Epot per atom over the second half */
    double drift_sem_eV_atom_ps;   /* its standard error */
    double T_K;
} stage_stats;

static const char *const stats_keys[] = {"volume_A3", "P_GPa", "P_sem_GPa", "Epot_eV",
                                         "drift_eV_atom_ps", "drift_sem_eV_atom_ps", "T_K"};

static double *stats_field(stage_stats *st, int k)
{
    double *f[] = {&st->volume_A3, &st->P_GPa, &st->P_sem_GPa, &st->Epot_eV, &st->drift_eV_atom_ps,
                   &st->drift_sem_eV_atom_ps, &st->T_K};
    return f[k];
}

enum { N_STATS = sizeof stats_keys / sizeof stats_keys[0] };

/* Column index of name in the thermo log's header ("# step time_fs T_K ..."), or -1. */
static int column_of(char *header, const char *name)
{
    char *tok[64];
    size_t n = vt_split(header + 1, tok, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        if (strcmp(tok[i], name) == 0) return (int)i;
    return -1;
}

/* Least-squares slope of y over x and its standard error. */
static void slope_fit(size_t n, const double *x, const double *y, double *slope, double *sem)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += x[i] / (double)n, my += y[i] / (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
    *slope = sxx > 0 ? sxy / sxx : 0.0;
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - my - *slope * (x[i] - mx);
        rss += r * r;
    }
    *sem = n > 2 && sxx > 0 ? sqrt(rss / (double)(n - 2) / sxx) : INFINITY;
}

typedef struct log_rows {
    size_t n, cap;
    double *t_fs, *T_K, *Epot_eV, *P_GPa;
} log_rows;

static void log_rows_free(log_rows *r)
{
    vt_free(r->t_fs), vt_free(r->T_K), vt_free(r->Epot_eV), vt_free(r->P_GPa);
}

static vt_status log_rows_push(log_rows *r, const double v[4])
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        double **cols[4] = {&r->t_fs, &r->T_K, &r->Epot_eV, &r->P_GPa};
        for (int k = 0; k < 4; k++) {
            double *p = vt_realloc(*cols[k], cap * sizeof *p);
            if (!p) VT_FAIL(VT_ENOMEM, "thermo log: out of memory");
            *cols[k] = p;
        }
        r->cap = cap;
    }
    r->t_fs[r->n] = v[0], r->T_K[r->n] = v[1], r->Epot_eV[r->n] = v[2], r->P_GPa[r->n] = v[3];
    r->n++;
    return VT_OK;
}

/* Read time, T, Epot and P from a thermo log (columns found by their header names). */
static vt_status read_log(const char *path, log_rows *rows)
{
    static const char *const names[4] = {"time_fs", "T_K", "Epot_eV", "P_GPa"};
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: %s", path, strerror(errno));
    vt_lines r;
    vt_lines_init(&r, f, path);
    int col[4] = {-1, -1, -1, -1};
    vt_status s = VT_OK;
    char *line;
    while (s == VT_OK && (s = vt_lines_next(&r, &line)) == VT_OK && line) {
        if (line[0] == '#') {
            for (int k = 0; k < 4; k++) {
                char copy[1024];
                snprintf(copy, sizeof copy, "%s", line);
                int c = column_of(copy, names[k]);
                if (c >= 0) col[k] = c;
            }
            continue;
        }
        char *tok[64];
        size_t n = vt_split(line, tok, 64);
        double v[4];
        for (int k = 0; k < 4 && s == VT_OK; k++) {
            if (col[k] < 0 || (size_t)col[k] >= n || n > 64) {
                s = vt_err_at_(VT_EPARSE, path, r.line, names[k], "column missing");
                break;
            }
            s = vt_parse_double(&r, names[k], tok[col[k]], &v[k]);
        }
        if (s == VT_OK) s = log_rows_push(rows, v);
    }
    vt_lines_clear(&r);
    fclose(f);
    return s;
}

static vt_status stats_from_log(const char *log_path, const vt_cell *c, stage_stats *st)
{
    log_rows rows = {0};
    vt_status s = read_log(log_path, &rows);
    if (s == VT_OK && rows.n < 4) s = vt_err_set_(VT_EPARSE, "%s: %zu samples, need 4 or more", log_path, rows.n);
    if (s == VT_OK) {
        size_t h = rows.n / 2, m = rows.n - h;
        double sumP = 0, sumP2 = 0, sumE = 0, sumT = 0, *e_atom = vt_malloc(m * sizeof *e_atom);
        if (!e_atom) s = vt_err_set_(VT_ENOMEM, "thermo log: out of memory");
        for (size_t i = h; s == VT_OK && i < rows.n; i++) {
            sumP += rows.P_GPa[i], sumP2 += rows.P_GPa[i] * rows.P_GPa[i];
            sumE += rows.Epot_eV[i], sumT += rows.T_K[i];
            e_atom[i - h] = rows.Epot_eV[i] / (double)c->n_atoms;
        }
        if (s == VT_OK) {
            st->volume_A3 = vt_cell_volume(c);
            st->P_GPa = sumP / (double)m;
            st->P_sem_GPa = sqrt(fmax(sumP2 / (double)m - st->P_GPa * st->P_GPa, 0.0) / (double)(m - 1));
            st->Epot_eV = sumE / (double)m;
            st->T_K = sumT / (double)m;
            double *t_ps = rows.t_fs + h; /* fs -> ps in place */
            for (size_t i = 0; i < m; i++) t_ps[i] *= 1e-3;
            slope_fit(m, t_ps, e_atom, &st->drift_eV_atom_ps, &st->drift_sem_eV_atom_ps);
        }
        vt_free(e_atom);
    }
    log_rows_free(&rows);
    return s;
}

typedef struct stage_plan {
    const char *name;          /* folder under the run directory: "melt/eos-1" */
    double T_K;
    uint64_t n_steps;
    vt_md_velocities velocities;
} stage_plan;

typedef struct run_ctx {
    const vt_run_schedule *s;
    const char *dir;
    vt_calc *calc;
    const char *calc_spec;     /* to open fresh calculators (fresh_calc, vt_md_opts.open_calc) */
    vt_run_progress_fn progress;
    void *progress_arg;
    int n_stages_run;          /* MD stages run (not read back) by this call */
} run_ctx;

static uint64_t stage_seed(uint64_t seed, const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the stage name */
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return vt_rng_derive(seed, h);
}

static vt_status save_stage(const char *result_path, const char *final_path, const vt_cell *c, const stage_stats *st)
{
    VT_TRY(vt_structure_write(final_path, "extxyz", c));
    cJSON *o = cJSON_CreateObject();
    if (!o) VT_FAIL(VT_ENOMEM, "%s: out of memory", result_path);
    for (int k = 0; k < N_STATS; k++) json_put(o, stats_keys[k], *stats_field((stage_stats *)st, k));
    vt_status s = write_json(result_path, o);
    cJSON_Delete(o);
    return s;
}

static vt_status load_stage(const char *result_path, const char *final_path, vt_cell **c, stage_stats *st)
{
    cJSON *o;
    VT_TRY(read_json(result_path, &o));
    for (int k = 0; k < N_STATS; k++)
        if (!json_num(o, stats_keys[k], stats_field(st, k))) {
            cJSON_Delete(o);
            VT_FAIL(VT_EPARSE, "%s: \"%s\" missing", result_path, stats_keys[k]);
        }
    cJSON_Delete(o);
    vt_cell *next;
    VT_TRY(vt_structure_read(final_path, "extxyz", &next));
    vt_cell_free(*c);
    *c = next;
    return VT_OK;
}

/* vt_md_opts.open_calc: a fresh calculator of the run's spec, so that a stage resumed from a
 * checkpoint computes exactly what the uninterrupted stage did (docs/md.md). */
static vt_status reopen_calc(void *arg, vt_calc **out) { return vt_calc_open(arg, out); }

/* An external engine (ipi:) stays connected; every other back end is reopened. */
static int reopens(const char *calc_spec) { return strncmp(calc_spec, "ipi:", 4) != 0; }

/* The calculator for one relaxation or reference: a freshly opened one, so that the result does
 * not depend on what this process computed before (a resumed run redoes the computation in another
 * process and must write the same bytes); the run's own for ipi:. Release with close_fresh. */
static vt_status fresh_calc(const run_ctx *x, vt_calc **calc)
{
    if (!reopens(x->calc_spec)) return *calc = x->calc, VT_OK;
    return vt_calc_open(x->calc_spec, calc);
}

static void close_fresh(const run_ctx *x, vt_calc *calc)
{
    if (calc != x->calc) vt_calc_free(calc);
}

/* vt_relax on a fresh calculator (fresh_calc). */
static vt_status relax_fresh(const run_ctx *x, vt_cell *c, const vt_relax_opts *ro, vt_relax_result *rr)
{
    vt_calc *calc;
    VT_TRY(fresh_calc(x, &calc));
    vt_status s = vt_relax(c, calc, ro, rr);
    close_fresh(x, calc);
    return s;
}

/* Run (or read back) one NVT stage starting from *c; *c becomes its final state. */
static vt_status run_stage(run_ctx *x, const stage_plan *p, vt_cell **c, stage_stats *st)
{
    char sdir[4096], result[4200], final[4200], chk[4200], traj[4200], log[4200], bad[4200];
    VT_TRY(join(sdir, sizeof sdir, x->dir, p->name));
    VT_TRY(join(result, sizeof result, sdir, "result.json"));
    VT_TRY(join(final, sizeof final, sdir, "final.extxyz"));
    if (file_exists(result)) return load_stage(result, final, c, st);
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", sdir);
    char *slash = strrchr(parent, '/');
    if (slash && slash > parent + strlen(x->dir)) {
        *slash = 0;
        VT_TRY(make_dir(parent));
    }
    VT_TRY(make_dir(sdir));
    VT_TRY(join(chk, sizeof chk, sdir, "md.chk"));
    VT_TRY(join(traj, sizeof traj, sdir, "traj.vtraj"));
    VT_TRY(join(log, sizeof log, sdir, "thermo.log"));
    VT_TRY(join(bad, sizeof bad, sdir, "last-good.extxyz"));
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = x->s->dt_fs;
    o.n_steps = p->n_steps;
    o.thermostat = VT_THERMOSTAT_NHC;
    o.T_start_K = p->T_K;
    o.tdamp_fs = x->s->tdamp_fs;
    o.velocities = p->velocities;
    o.seed = stage_seed(x->s->seed, p->name);
    o.traj_path = traj, o.traj_format = "vtraj", o.traj_every = x->s->traj_every;
    o.log_path = log, o.log_every = x->s->log_every;
    o.checkpoint_path = chk, o.checkpoint_every = x->s->checkpoint_every;
    o.last_good_path = bad;
    if (reopens(x->calc_spec)) o.open_calc = reopen_calc, o.open_calc_arg = (void *)x->calc_spec;
    if (x->progress) x->progress(x->progress_arg, p->name, p->T_K, vt_cell_volume(*c), p->n_steps);
    vt_status s = vt_md_run(*c, x->calc, &o, NULL);
    if (s != VT_OK) return vt_err_set_(s, "stage %s: %s", p->name, vt_errmsg());
    VT_TRY(stats_from_log(log, *c, st));
    x->n_stages_run++;
    return save_stage(result, final, *c, st);
}

/* ---- volume search -------------------------------------------------------------------------- */

/* Copy of c with its volume scaled to V_A3 (fractional coordinates kept, image counts zeroed). */
static vt_status scaled_copy(const vt_cell *c, double V_A3, vt_cell **out)
{
    VT_TRY(vt_cell_copy(c, out));
    vt_cell *s = *out;
    double *frac = vt_malloc(3 * c->n_atoms * sizeof *frac);
    if (!frac) {
        vt_cell_free(s), *out = NULL;
        VT_FAIL(VT_ENOMEM, "volume scaling: out of memory");
    }
    vt_status st = vt_cell_get_frac(s, (double(*)[3])frac);
    double f = cbrt(V_A3 / vt_cell_volume(c));
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) s->lattice[i][k] *= f;
    if (st == VT_OK) vt_cell_set_frac(s, (const double(*)[3])frac);
    if (s->image) memset(s->image, 0, c->n_atoms * sizeof *s->image);
    vt_free(frac);
    if (st != VT_OK) vt_cell_free(s), *out = NULL;
    return st;
}

typedef struct eos_points {
    size_t n;
    double V[VT_RUN_MAX_VOLUME_RUNS], P[VT_RUN_MAX_VOLUME_RUNS];
    double P_sem[VT_RUN_MAX_VOLUME_RUNS];  /* standard error of each mean pressure */
    vt_cell *last[VT_RUN_MAX_VOLUME_RUNS]; /* final state of each run */
} eos_points;

static void eos_points_clear(eos_points *pts)
{
    for (size_t i = 0; i < pts->n; i++) vt_cell_free(pts->last[i]);
    pts->n = 0;
}

/* Index of the sampled run nearest to volume V (in log volume). */
static size_t nearest_run(const eos_points *pts, double V)
{
    size_t near = 0;
    for (size_t i = 1; i < pts->n; i++)
        if (fabs(log(pts->V[i] / V)) < fabs(log(pts->V[near] / V))) near = i;
    return near;
}

/* The start of a run at volume V: `from` scaled to V and, when that compresses it, relaxed a
 * little (FIRE, positions) so that no pair starts inside the repulsive wall (a bonded pair of a
 * boiled 5000 K melt squeezed to a quarter of its volume starts at tens of GPa and runs away). */
static vt_status start_at(run_ctx *x, const vt_cell *from, double V, vt_cell **out)
{
    VT_TRY(scaled_copy(from, V, out));
    if (V >= vt_cell_volume(from)) return VT_OK;
    vt_relax_opts ro = vt_relax_opts_default();
    ro.fmax_eV_A = 1.0, ro.max_steps = 50;
    vt_relax_result rr;
    vt_status s = relax_fresh(x, *out, &ro, &rr);
    if (s != VT_OK) vt_cell_free(*out), *out = NULL;
    return s;
}

/* One EOS run at volume V; its point is added. The first runs start from the base cell; later ones
 * from the final state of the run nearest in volume (already at T, closer to V). */
static vt_status eos_run(run_ctx *x, const char *label, double T_K, vt_md_velocities vel, const vt_cell *base,
                         double V, eos_points *pts)
{
    char name[256];
    snprintf(name, sizeof name, "%s/eos-%zu", label, pts->n);
    const vt_cell *from = base;
    if (pts->n >= x->s->n_scales) from = pts->last[nearest_run(pts, V)], vel = VT_VEL_RESCALE;
    vt_cell *c;
    VT_TRY(start_at(x, from, V, &c));
    stage_plan p = {name, T_K, steps_of(x->s, x->s->eos_ps), vel};
    stage_stats st;
    vt_status s = run_stage(x, &p, &c, &st);
    if (s != VT_OK) return vt_cell_free(c), s;
    pts->V[pts->n] = st.volume_A3, pts->P[pts->n] = st.P_GPa, pts->P_sem[pts->n] = st.P_sem_GPa;
    pts->last[pts->n] = c, pts->n++;
    return VT_OK;
}

static vt_status fit_points(const run_ctx *x, const char *label, const eos_points *pts, vt_eos *e)
{
    vt_eos_kind kind = pts->n >= 3 ? x->s->eos : VT_EOS_POLY;
    vt_status s = vt_eos_fit(pts->n, pts->V, pts->P, kind, e);
    if (s == VT_ENOCONV && kind == VT_EOS_BM3) /* noisy points can leave B0' undetermined */
        s = vt_eos_fit(pts->n, pts->V, pts->P, VT_EOS_POLY, e);
    if (s == VT_OK && !(e->B0_GPa > 0))
        s = vt_err_set_(VT_ENOCONV, "pressure does not fall with volume (B0 = %.3g GPa)", e->B0_GPa);
    if (s != VT_OK) return vt_err_set_(s, "%s: volume search: %s", label, vt_errmsg());
    return VT_OK;
}

/* Next volume when every pressure has the same sign and no fit crosses zero: from the outermost
 * point on that side, a Newton step on the line through the two outermost points, 20% to 50% of
 * its volume out when expanding, 20% to 30% in when compressing (20% when the line slopes the
 * wrong way). */
static double extrapolate(const eos_points *pts, int expand)
{
    size_t a = 0, b = 1; /* the outermost and the next on the side to step to */
    for (size_t i = 0; i < pts->n; i++) {
        int beyond_a = expand ? pts->V[i] > pts->V[a] : pts->V[i] < pts->V[a];
        if (beyond_a) a = i;
    }
    b = a == 0 ? 1 : 0;
    for (size_t i = 0; i < pts->n; i++) {
        if (i == a) continue;
        int beyond_b = expand ? pts->V[i] > pts->V[b] : pts->V[i] < pts->V[b];
        if (beyond_b) b = i;
    }
    double slope = (pts->P[a] - pts->P[b]) / (pts->V[a] - pts->V[b]); /* GPa per A^3, < 0 normally */
    double factor = slope < 0 ? 1.0 - pts->P[a] / (slope * pts->V[a]) : (expand ? 1.2 : 0.8);
    factor = expand ? fmin(fmax(factor, 1.2), 1.5) : fmax(fmin(factor, 0.8), 0.7);
    return pts->V[a] * factor;
}

/* Where the pressure crosses zero between two sampled volumes next to each other (linear
 * interpolation), preferring a crossing from positive (smaller volume) to negative. Called only
 * when the pressures have both signs. */
static double bracketed_root(const eos_points *pts)
{
    double best = NAN;
    for (size_t i = 0; i < pts->n; i++) /* the next larger volume after point i */
        for (size_t j = 0; j < pts->n; j++) {
            int next = pts->V[j] > pts->V[i];
            for (size_t k = 0; next && k < pts->n; k++)
                if (pts->V[k] > pts->V[i] && pts->V[k] < pts->V[j]) next = 0;
            if (!next || !(pts->P[i] * pts->P[j] < 0)) continue;
            double V = pts->V[i] + pts->P[i] * (pts->V[j] - pts->V[i]) / (pts->P[i] - pts->P[j]);
            if (pts->P[i] > 0) return V;
            if (isnan(best)) best = V;
        }
    return best;
}

/* The volume search at one temperature: EOS points until V0 lies within the sampled range, then
 * convergence runs at V0 until the mean pressure is within volume_tol * B0 of zero and the energy
 * no longer drifts. *c: in, the base cell; out, the converged state. */
static vt_status search_points(run_ctx *x, const char *label, double T_K, vt_md_velocities vel, vt_cell **c,
                               vt_run_stage_result *out, eos_points *pts)
{
    const vt_run_schedule *s = x->s;
    double V_base = vt_cell_volume(*c);
    for (size_t k = 0; k < s->n_scales; k++)
        VT_TRY(eos_run(x, label, T_K, vel, *c, V_base * s->volume_scales[k], pts));
    vt_eos e;
    for (;;) { /* until V0 lies within the sampled volumes: sample toward it (at most 20% beyond) */
        double lo = INFINITY, hi = 0, P_lo = INFINITY, P_hi = -INFINITY;
        for (size_t i = 0; i < pts->n; i++) {
            lo = fmin(lo, pts->V[i]), hi = fmax(hi, pts->V[i]);
            P_lo = fmin(P_lo, pts->P[i]), P_hi = fmax(P_hi, pts->P[i]);
        }
        vt_status fit = fit_points(x, label, pts, &e);
        if (fit == VT_OK && e.V0_A3 >= lo && e.V0_A3 <= hi) break;
        size_t q = 0; /* the run whose pressure is closest to zero in units of its noise */
        for (size_t i = 1; i < pts->n; i++)
            if (fabs(pts->P[i]) / pts->P_sem[i] < fabs(pts->P[q]) / pts->P_sem[q]) q = i;
        if (fit != VT_OK && fabs(pts->P[q]) <= 2.0 * pts->P_sem[q]) {
            /* P(V) is flat within the noise (a very compressible fluid): no fit will resolve it,
             * and a run with P = 0 within its noise is a volume with P = 0 */
            e = (vt_eos){.kind = VT_EOS_POLY, .V0_A3 = pts->V[q], .B0_GPa = NAN, .B0_prime = NAN};
            break;
        }
        if ((int)pts->n >= s->max_volume_runs)
            VT_FAIL(VT_ENOCONV, "%s: volume search: no volume with P = 0 within %.1f..%.1f A^3 (P %.3g..%.3g GPa) "
                    "after %zu runs", label, lo, hi, P_lo, P_hi, pts->n);
        double V;
        if (fit == VT_OK) V = fmin(fmax(e.V0_A3, lo * 0.8), hi * 1.2);
        else if (P_lo > 0 || P_hi < 0) V = extrapolate(pts, P_lo > 0); /* no root: step out */
        else V = bracketed_root(pts); /* noise made the fit non-monotonic: sample the crossing */
        VT_TRY(eos_run(x, label, T_K, vel, *c, V, pts));
    }
    /* convergence runs: first from the final state of the EOS run nearest V0 (already at T; the
     * base cell may be far away, e.g. a boiled melt), then from each run's final state */
    double V = e.V0_A3;
    vt_cell *cur = NULL;
    for (int j = 0;; j++) {
        if ((int)pts->n >= s->max_volume_runs) {
            vt_cell_free(cur);
            VT_FAIL(VT_ENOCONV, "%s: volume search: not converged after %d runs", label, s->max_volume_runs);
        }
        char name[256];
        snprintf(name, sizeof name, "%s/converge-%d", label, j);
        vt_cell *next;
        vt_status st = start_at(x, cur ? cur : pts->last[nearest_run(pts, V)], V, &next);
        vt_cell_free(cur);
        VT_TRY(st);
        cur = next;
        stage_plan p = {name, T_K, steps_of(s, s->converge_ps), j == 0 ? VT_VEL_RESCALE : VT_VEL_KEEP};
        stage_stats ss;
        st = run_stage(x, &p, &cur, &ss);
        if (st != VT_OK) return vt_cell_free(cur), st;
        /* converged: P is zero within the volume tolerance (times B0) or within its noise, and
         * the energy does not drift beyond the tolerance or its noise */
        double P_limit = fmax(s->volume_tol * e.B0_GPa, 2.0 * ss.P_sem_GPa);
        double drift_limit = fmax(s->energy_drift_tol_eV_atom_ps, 3.0 * ss.drift_sem_eV_atom_ps);
        if (fabs(ss.P_GPa) <= P_limit && fabs(ss.drift_eV_atom_ps) <= drift_limit) {
            out->V0_A3 = ss.volume_A3;
            out->B0_GPa = e.B0_GPa;
            out->P_GPa = ss.P_GPa;
            out->volume_runs = (int)pts->n + 1;
            break;
        }
        /* not converged: the run is one more P(V) point; refit and go to the new V0 (at most 20%
         * away), or step by -P/B0 when the refit fails */
        if (pts->n < VT_RUN_MAX_VOLUME_RUNS) pts->V[pts->n] = ss.volume_A3, pts->P[pts->n] = ss.P_GPa, pts->n++;
        vt_eos refit;
        double target = fit_points(x, label, pts, &refit) == VT_OK ? refit.V0_A3
                                                                    : ss.volume_A3 * (1.0 + ss.P_GPa / e.B0_GPa);
        if (isfinite(target) && refit.B0_GPa > 0) e = refit;
        if (!isfinite(target)) target = ss.volume_A3; /* no B0 yet: rerun at this volume */
        V = fmin(fmax(target, 0.8 * ss.volume_A3), 1.2 * ss.volume_A3);
    }
    vt_cell_free(*c);
    *c = cur;
    return VT_OK;
}

static vt_status volume_search(run_ctx *x, const char *label, double T_K, vt_md_velocities vel, vt_cell **c,
                               vt_run_stage_result *out)
{
    eos_points pts = {0};
    vt_status s = search_points(x, label, T_K, vel, c, out, &pts);
    eos_points_clear(&pts);
    return s;
}

/* ---- temperatures, amorphous limit, the whole run --------------------------------------------- */

/* Volume search and production at one temperature; *c in: the starting cell; out: the last
 * production frame. */
static vt_status temperature_stage(run_ctx *x, const char *label, double T_K, vt_md_velocities vel, vt_cell **c,
                                   vt_run_stage_result *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->label, sizeof r->label, "%s", label);
    r->T_K = T_K;
    VT_TRY(volume_search(x, label, T_K, vel, c, r));
    char name[256];
    snprintf(name, sizeof name, "%s/production", label);
    stage_plan p = {name, T_K, steps_of(x->s, x->s->production_ps), VT_VEL_KEEP};
    stage_stats st;
    VT_TRY(run_stage(x, &p, c, &st));
    r->density_g_cm3 = vt_cell_density_g_cm3(*c);
    r->T_mean_K = st.T_K;
    r->P_mean_GPa = st.P_GPa;
    r->Epot_eV_atom = st.Epot_eV / (double)(*c)->n_atoms;
    char traj[300];
    snprintf(traj, sizeof traj, "%s/traj.vtraj", name);
    return join(r->traj_path, sizeof r->traj_path, x->dir, traj);
}

/* Relax frames of a production trajectory, positions and cell, one every amorphous_every_ps:
 * their mean energy per atom and its spread. */
static vt_status amorphous_limit(run_ctx *x, const vt_run_stage_result *prod, vt_run_result *res)
{
    const vt_run_schedule *s = x->s;
    res->n_amorphous = 0;
    if (s->amorphous_frames == 0) return VT_OK;
    vt_traj *t;
    VT_TRY(vt_traj_read(prod->traj_path, "vtraj", &t));
    double frame_fs = s->dt_fs * (double)s->traj_every;
    size_t every = (size_t)fmax(1.0, round(s->amorphous_every_ps * 1000.0 / frame_fs));
    double sum = 0, sum2 = 0;
    vt_status st = VT_OK;
    for (int k = 1; k <= s->amorphous_frames && st == VT_OK; k++) {
        size_t f = (size_t)k * every;
        if (f >= t->n_frames) break;
        char name[256], sdir[4096], result[4200], final[4200];
        snprintf(name, sizeof name, "%s/amorphous-%d", prod->label, k);
        if ((st = join(sdir, sizeof sdir, x->dir, name)) != VT_OK) break;
        if ((st = join(result, sizeof result, sdir, "result.json")) != VT_OK) break;
        if ((st = join(final, sizeof final, sdir, "relaxed.extxyz")) != VT_OK) break;
        double E = NAN;
        if (file_exists(result)) {
            cJSON *o;
            if ((st = read_json(result, &o)) != VT_OK) break;
            if (!json_num(o, "energy_eV_atom", &E)) st = vt_err_set_(VT_EPARSE, "%s: \"energy_eV_atom\" missing", result);
            cJSON_Delete(o);
        } else {
            vt_cell *c;
            if ((st = make_dir(sdir)) != VT_OK || (st = vt_cell_copy(t->frames[f], &c)) != VT_OK) break;
            vt_relax_opts ro = vt_relax_opts_default();
            ro.relax_cell = 1, ro.fmax_eV_A = 0.05, ro.stress_tol_GPa = 0.1, ro.max_steps = 500;
            vt_relax_result rr;
            if (x->progress) x->progress(x->progress_arg, name, 0, vt_cell_volume(c), 0);
            st = relax_fresh(x, c, &ro, &rr);
            if (st == VT_OK) st = vt_structure_write(final, "extxyz", c);
            if (st == VT_OK) {
                E = rr.energy_eV / (double)c->n_atoms;
                cJSON *o = cJSON_CreateObject();
                json_put(o, "energy_eV_atom", E);
                cJSON_AddNumberToObject(o, "steps", (double)rr.steps);
                cJSON_AddBoolToObject(o, "converged", rr.is_converged);
                json_put(o, "fmax_eV_A", rr.fmax_eV_A);
                json_put(o, "volume_A3", vt_cell_volume(c));
                st = write_json(result, o);
                cJSON_Delete(o);
            }
            vt_cell_free(c);
        }
        if (st == VT_OK) sum += E, sum2 += E * E, res->n_amorphous++;
    }
    vt_traj_free(t);
    VT_TRY(st);
    if (res->n_amorphous) {
        double n = res->n_amorphous;
        res->amorphous_eV_atom = sum / n;
        res->amorphous_std_eV_atom = n > 1 ? sqrt(fmax(sum2 / n - res->amorphous_eV_atom * res->amorphous_eV_atom, 0) * n / (n - 1)) : 0;
    }
    return VT_OK;
}

/* Formation energy of the amorphous limit against elemental references of the same back end,
 * each computed once per run directory (refs/<El>.json). */
static vt_status formation_energy(run_ctx *x, const vt_composition *comp, vt_run_result *res)
{
    res->formation_eV_atom = NAN;
    if (!res->n_amorphous) return VT_OK;
    char refs[4200];
    VT_TRY(join(refs, sizeof refs, x->dir, "refs"));
    VT_TRY(make_dir(refs));
    double total = 0, sum = 0;
    for (size_t i = 0; i < comp->n_species; i++) total += comp->amount[i];
    res->n_elements = comp->n_species;
    for (size_t i = 0; i < comp->n_species; i++) {
        const char *sym = vt_element_by_Z(comp->Z[i])->symbol;
        char name[64], path[4300];
        snprintf(name, sizeof name, "%s.json", sym);
        VT_TRY(join(path, sizeof path, refs, name));
        double E;
        if (file_exists(path)) {
            cJSON *o;
            VT_TRY(read_json(path, &o));
            int ok = json_num(o, "energy_eV_atom", &E);
            cJSON_Delete(o);
            if (!ok) VT_FAIL(VT_EPARSE, "%s: \"energy_eV_atom\" missing", path);
        } else {
            const char *structure;
            if (x->progress) x->progress(x->progress_arg, name, 0, 0, 0);
            vt_calc *calc;
            VT_TRY(fresh_calc(x, &calc));
            vt_status s = vt_element_reference(calc, comp->Z[i], &E, &structure);
            close_fresh(x, calc);
            VT_TRY(s);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "element", sym);
            cJSON_AddStringToObject(o, "structure", structure);
            json_put(o, "energy_eV_atom", E);
            s = write_json(path, o);
            cJSON_Delete(o);
            VT_TRY(s);
        }
        res->Z[i] = comp->Z[i];
        res->E_ref_eV_atom[i] = E;
        sum += comp->amount[i] / total * E;
    }
    res->formation_eV_atom = res->amorphous_eV_atom - sum;
    return VT_OK;
}

/* The settings a run directory was made with; a resume with other settings is refused. */
static vt_status settings_json(const char *formula, const vt_run_schedule *s, vt_calc *calc, char **text)
{
    cJSON *o = cJSON_CreateObject(), *sc = cJSON_CreateObject(), *T = cJSON_CreateArray(), *v = cJSON_CreateArray();
    if (!o || !sc || !T || !v) {
        cJSON_Delete(o), cJSON_Delete(sc), cJSON_Delete(T), cJSON_Delete(v);
        VT_FAIL(VT_ENOMEM, "run settings: out of memory");
    }
    cJSON_AddStringToObject(o, "vitrum_version", vt_version());
    cJSON_AddStringToObject(o, "formula", formula);
    cJSON_AddStringToObject(o, "calculator", vt_calc_name(calc));
    cJSON_AddStringToObject(o, "calculator_settings", vt_calc_settings(calc));
    for (size_t i = 0; i < s->n_T; i++) cJSON_AddItemToArray(T, cJSON_CreateNumber(s->T_K[i]));
    for (size_t i = 0; i < s->n_scales; i++) cJSON_AddItemToArray(v, cJSON_CreateNumber(s->volume_scales[i]));
    cJSON_AddNumberToObject(sc, "atoms_min", (double)s->n_atoms_min);
    cJSON_AddNumberToObject(sc, "density_g_cm3", s->density_g_cm3);
    cJSON_AddNumberToObject(sc, "pack_min_dist_A", s->pack_min_dist_A);
    cJSON_AddNumberToObject(sc, "dt_fs", s->dt_fs);
    cJSON_AddNumberToObject(sc, "melt_T_K", s->melt_T_K);
    cJSON_AddItemToObject(sc, "T_K", T);
    cJSON_AddItemToObject(sc, "volume_scales", v);
    cJSON_AddStringToObject(sc, "eos", s->eos == VT_EOS_BM3 ? "bm3" : "poly");
    cJSON_AddNumberToObject(sc, "max_volume_runs", s->max_volume_runs);
    cJSON_AddNumberToObject(sc, "eos_ps", s->eos_ps);
    cJSON_AddNumberToObject(sc, "converge_ps", s->converge_ps);
    cJSON_AddNumberToObject(sc, "production_ps", s->production_ps);
    cJSON_AddNumberToObject(sc, "volume_tol", s->volume_tol);
    cJSON_AddNumberToObject(sc, "energy_drift_tol_eV_atom_ps", s->energy_drift_tol_eV_atom_ps);
    cJSON_AddNumberToObject(sc, "amorphous_frames", s->amorphous_frames);
    cJSON_AddNumberToObject(sc, "amorphous_every_ps", s->amorphous_every_ps);
    cJSON_AddNumberToObject(sc, "traj_every", (double)s->traj_every);
    cJSON_AddNumberToObject(sc, "log_every", (double)s->log_every);
    cJSON_AddNumberToObject(sc, "checkpoint_every", (double)s->checkpoint_every);
    cJSON_AddNumberToObject(sc, "tdamp_fs", s->tdamp_fs);
    cJSON_AddNumberToObject(sc, "seed", (double)s->seed);
    cJSON_AddStringToObject(sc, "thermostat", "nhc");
    cJSON_AddItemToObject(o, "schedule", sc);
    char *p = cJSON_Print(o);
    cJSON_Delete(o);
    if (!p) VT_FAIL(VT_ENOMEM, "run settings: out of memory");
    *text = vt_strdup(p);
    cJSON_free(p);
    if (!*text) VT_FAIL(VT_ENOMEM, "run settings: out of memory");
    return VT_OK;
}

/* Write settings.json in a new run directory, or check that an existing one holds the same. */
static vt_status claim_dir(const char *dir, const char *settings)
{
    char path[4200];
    VT_TRY(make_dir(dir));
    VT_TRY(join(path, sizeof path, dir, "settings.json"));
    if (!file_exists(path)) return vt_write_file_atomic(path, settings, strlen(settings));
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: %s", path, strerror(errno));
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    if (strcmp(buf, settings) != 0)
        VT_FAIL(VT_EINVAL, "%s: the run directory was made with other settings (formula, schedule or back end); "
                "use another --dir or the same settings", path);
    return VT_OK;
}

static vt_status pack_start(const run_ctx *x, const vt_composition *comp, vt_cell **c)
{
    const vt_run_schedule *s = x->s;
    char path[4200];
    VT_TRY(join(path, sizeof path, x->dir, "packed.extxyz"));
    if (file_exists(path)) return vt_structure_read(path, "extxyz", c);
    vt_pack_opts po = vt_pack_opts_default();
    po.density_g_cm3 = s->density_g_cm3;
    po.min_dist_A = s->pack_min_dist_A;
    po.seed = vt_rng_derive(s->seed, 0x7061636bu); /* "pack" */
    VT_TRY(vt_pack(comp, s->n_atoms_min, &po, c, NULL));
    /* A few FIRE steps take the packing's worst contacts out before the melt, so that its first
     * steps do not heat the cell far above the target (the paper's AIMD starts from PACKMOL's
     * cell directly; with runs of a few hundred fs that spike would dominate the means). */
    vt_relax_opts ro = vt_relax_opts_default();
    ro.fmax_eV_A = 0.5, ro.max_steps = 200;
    vt_relax_result rr;
    vt_status st = relax_fresh(x, *c, &ro, &rr);
    if (st == VT_OK) st = vt_structure_write(path, "extxyz", *c);
    if (st != VT_OK) vt_cell_free(*c), *c = NULL;
    return st;
}

static vt_status run_with(const char *formula, const vt_run_schedule *s, const char *calc_spec, vt_calc *calc,
                          const char *dir, vt_run_progress_fn progress, void *progress_arg, vt_run_result *res);

vt_status vt_run(const char *formula, const vt_run_schedule *s, const char *calc_spec, const char *dir,
                 vt_run_progress_fn progress, void *progress_arg, vt_run_result *res)
{
    memset(res, 0, sizeof *res);
    VT_TRY(check_schedule(s));
    vt_calc *calc;
    VT_TRY(vt_calc_open(calc_spec, &calc));
    vt_status st = run_with(formula, s, calc_spec, calc, dir, progress, progress_arg, res);
    vt_calc_free(calc);
    return st;
}

static vt_status run_with(const char *formula, const vt_run_schedule *s, const char *calc_spec, vt_calc *calc,
                          const char *dir, vt_run_progress_fn progress, void *progress_arg, vt_run_result *res)
{
    vt_composition comp;
    VT_TRY(vt_composition_parse(formula, &comp));
    char *settings;
    VT_TRY(settings_json(formula, s, calc, &settings));
    vt_status st = claim_dir(dir, settings);
    vt_free(settings);
    VT_TRY(st);
    run_ctx x = {s, dir, calc, calc_spec, progress, progress_arg, 0};
    vt_cell *melt = NULL;
    VT_TRY(pack_start(&x, &comp, &melt));
    res->n_atoms = melt->n_atoms;
    st = temperature_stage(&x, "melt", s->melt_T_K, VT_VEL_MB, &melt, &res->stage[0]);
    res->n_stages = st == VT_OK ? 1 : 0;
    for (size_t i = 0; i < s->n_T && st == VT_OK; i++) {
        char label[32];
        snprintf(label, sizeof label, "T%g", s->T_K[i]);
        vt_cell *c = NULL;
        st = vt_cell_copy(melt, &c);
        if (st == VT_OK) st = temperature_stage(&x, label, s->T_K[i], VT_VEL_RESCALE, &c, &res->stage[1 + i]);
        if (st == VT_OK) res->n_stages++;
        vt_cell_free(c);
    }
    vt_cell_free(melt);
    VT_TRY(st);
    /* the amorphous limit from the coldest production run (the melt's when there is no other) */
    const vt_run_stage_result *coldest = &res->stage[0];
    for (size_t i = 1; i < res->n_stages; i++)
        if (res->stage[i].T_K < coldest->T_K) coldest = &res->stage[i];
    VT_TRY(amorphous_limit(&x, coldest, res));
    VT_TRY(formation_energy(&x, &comp, res));
    res->n_md_stages_run = x.n_stages_run;
    return VT_OK;
}
