/* cmd_md.c - `vitrum md` (molecular dynamics with checkpoints), `vitrum relax` (FIRE) and
** `vitrum calc` (energy, forces, stress of one structure), over vt_md_run(), vt_relax() and
** vt_calc_compute(). Units: A, fs, K, eV, GPa. Docs: docs/md.md. Tests: tests/md/test_md_cli.sh,
** tests/md/test_resume.sh. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const cli_opt cli_md_opts[] = {
    {"in", "CELL", "starting structure (any format vitrum reads; required)"},
    {"calc", "SPEC", "calculator: pair:FILE, pmmcs, xtb:METHOD, cp2k[:FILE], ipi:... (required)"},
    {"ensemble", "nve|nvt", "ensemble (required)"},
    {"thermostat", "NAME", "NVT thermostat: nhc (Nose-Hoover chain, default), csvr, langevin"},
    {"temp", "K", "target temperature, and that of new velocities (required for nvt)"},
    {"temp-end", "K", "target at the last step: linear ramp from --temp (default: --temp)"},
    {"steps", "N", "last step of the run (required)"},
    {"dt", "FS", "time step in fs (default 2)"},
    {"tdamp", "FS", "thermostat time constant in fs (default 100)"},
    {"nhc-chain", "N", "Nose-Hoover chain length (default 3)"},
    {"velocities", "MODE", "auto (the file's, else mb; default), mb, keep, rescale (the file's to --temp)"},
    {"seed", "S", "random seed for velocities and thermostat noise (default 1)"},
    {"traj", "FILE", "trajectory: .vtraj (binary, unwrapped), .xyz/.extxyz, XDATCAR"},
    {"traj-every", "M", "steps between frames (default 100)"},
    {"log", "FILE", "thermo log: step time_fs T_K Epot_eV Ekin_eV Etot_eV P_GPa conserved_eV"},
    {"log-every", "K", "steps between log lines (default 100)"},
    {"checkpoint", "FILE", "checkpoint file; when it exists the run resumes from it"},
    {"checkpoint-every", "N", "steps between checkpoints (default 1000)"},
    {"out", "FILE", "final structure with velocities (format from the extension)"},
    {"min-distance", "A", "stop when two atoms come closer, Angstrom (default 0.5; 0 = off)"},
    {"tmax", "K", "stop above this temperature (default 10 x target, at least 1000 K)"},
    {NULL, NULL, NULL},
};

const cli_opt cli_relax_opts[] = {
    {"in", "CELL", "starting structure (required)"},
    {"calc", "SPEC", "calculator (required)"},
    {"out", "FILE", "relaxed structure (format from the extension; required)"},
    {"cell", NULL, "relax the cell too (default: positions only)"},
    {"fmax", "EV_A", "converged when every force is below this, eV/A (default 0.01)"},
    {"stress-tol", "GPa", "with --cell: and every stress component below this, GPa (default 0.01)"},
    {"pressure", "GPa", "with --cell: target pressure, GPa (default 0)"},
    {"steps", "N", "at most this many FIRE steps (default 1000)"},
    {NULL, NULL, NULL},
};

const cli_opt cli_calc_opts[] = {
    {"calc", "SPEC", "calculator (required)"},
    {"format", "table|json", "output format (default table)"},
    {NULL, NULL, NULL},
};

static const char *required(const cli_cmd *cmd, const cli_args *a, const char *name, int *rc)
{
    const char *v = cli_get(cmd, a, name);
    if (!v && !*rc) *rc = cli_usage_error("%s: --%s is required", a->prog, name);
    return v;
}

/* Index of v in a NULL-terminated list of names, or -1 after printing the error. */
static int choice(const char *opt, const char *v, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) return i;
    char list[256] = "";
    for (int i = 0; names[i]; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    cli_usage_error("--%s: expected one of %s, got '%s'", opt, list, v);
    return -1;
}

/* Open the structure and the calculator; 0 or the exit code. */
static int open_inputs(const char *in, const char *spec, vt_cell **c, vt_calc **calc)
{
    vt_status s = vt_structure_read(in, NULL, c);
    if (s == VT_OK) s = vt_calc_open(spec, calc);
    if (s == VT_OK) return 0;
    vt_cell_free(*c);
    *c = NULL;
    return cli_fail(s);
}

/* ---- md ---- */

typedef struct progress {
    double t0;          /* wall clock at the first observation, s */
    double last;        /* last print, s */
    uint64_t first;     /* step of the first observation; UINT64_MAX before it */
    uint64_t n_steps;
    double dt_fs;
} progress;

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Simulated ns per wall-clock day. */
static double ns_per_day(uint64_t n_steps, double dt_fs, double wall)
{
    return (double)n_steps * dt_fs * 1e-6 / (wall / 86400.0);
}

/* Progress line on stderr (only installed when stderr is a terminal), at most twice a second. */
static vt_status show_progress(void *arg, const vt_md_frame *f)
{
    progress *p = arg;
    double now = wall_s();
    if (p->first == UINT64_MAX) {
        p->first = f->step;
        p->t0 = p->last = now;
    }
    if (now - p->last < 0.5 || f->step == p->first) return VT_OK;
    p->last = now;
    double rate = (double)(f->step - p->first) / (now - p->t0), eta = (double)(p->n_steps - f->step) / rate;
    fprintf(stderr, "\rmd: step %llu/%llu  T %.0f K  %.3g ns/day  ETA %d:%02d:%02d   ", (unsigned long long)f->step,
            (unsigned long long)p->n_steps, f->T_K, ns_per_day(f->step - p->first, p->dt_fs, now - p->t0),
            (int)(eta / 3600), (int)fmod(eta / 60, 60), (int)fmod(eta, 60));
    return VT_OK;
}

/* vt_md_opts.open_calc: the calculator of --calc, freshly opened (arg: the spec). */
static vt_status reopen_calc(void *arg, vt_calc **out) { return vt_calc_open(arg, out); }

/* "<prefix>.last-good.extxyz" beside the first output given (its extension dropped). */
static void last_good_path(const vt_md_opts *o, const char *out, char *buf, size_t size)
{
    const char *base = out ? out : o->checkpoint_path ? o->checkpoint_path : o->traj_path ? o->traj_path : o->log_path;
    if (!base) base = "md";
    const char *slash = strrchr(base, '/'), *dot = strrchr(base, '.');
    int len = dot && (!slash || dot > slash + 1) ? (int)(dot - base) : (int)strlen(base);
    snprintf(buf, size, "%.*s.last-good.extxyz", len, base);
}

static int md_options(const cli_cmd *cmd, cli_args *a, vt_md_opts *o)
{
    static const char *const ensembles[] = {"nve", "nvt", NULL};
    static const char *const thermostats[] = {"nhc", "csvr", "langevin", NULL};
    static const char *const velocities[] = {"auto", "mb", "keep", "rescale", NULL};
    int rc = 0;
    const char *ens = required(cmd, a, "ensemble", &rc), *th = cli_get(cmd, a, "thermostat"), *vel = cli_get(cmd, a, "velocities");
    if (!cli_get(cmd, a, "steps") && !rc) rc = cli_usage_error("%s: --steps is required", a->prog);
    if (rc) return rc;
    int e = choice("ensemble", ens, ensembles), t = th ? choice("thermostat", th, thermostats) : 0;
    int v = vel ? choice("velocities", vel, velocities) : 0;
    if (e < 0 || t < 0 || v < 0) return EXIT_USAGE;
    if (e == 0 && th) return cli_usage_error("--thermostat: only with --ensemble nvt");
    if (e == 1 && !cli_get(cmd, a, "temp")) return cli_usage_error("%s: --ensemble nvt needs --temp", a->prog);
    o->thermostat = e == 0 ? VT_THERMOSTAT_NONE : (vt_thermostat)(VT_THERMOSTAT_NHC + t);
    o->velocities = (vt_md_velocities)v;
    uint64_t chain = 3;
    if (cli_get_double(cmd, a, "temp", NAN, 0, 1e6, &o->T_start_K) ||
        cli_get_double(cmd, a, "temp-end", NAN, 0, 1e6, &o->T_stop_K) ||
        cli_get_u64(cmd, a, "steps", 0, UINT64_MAX / 2, &o->n_steps) ||
        cli_get_double(cmd, a, "dt", o->dt_fs, 1e-6, 100, &o->dt_fs) ||
        cli_get_double(cmd, a, "tdamp", o->tdamp_fs, 1e-6, 1e9, &o->tdamp_fs) ||
        cli_get_u64(cmd, a, "nhc-chain", chain, 10, &chain) || cli_get_u64(cmd, a, "seed", o->seed, UINT64_MAX, &o->seed) ||
        cli_get_u64(cmd, a, "traj-every", o->traj_every, UINT64_MAX, &o->traj_every) ||
        cli_get_u64(cmd, a, "log-every", o->log_every, UINT64_MAX, &o->log_every) ||
        cli_get_u64(cmd, a, "checkpoint-every", o->checkpoint_every, UINT64_MAX, &o->checkpoint_every) ||
        cli_get_double(cmd, a, "min-distance", o->min_distance_A, 0, 99, &o->min_distance_A) ||
        cli_get_double(cmd, a, "tmax", 0, 0, 1e9, &o->T_max_K))
        return EXIT_USAGE;
    if (chain < 1) return cli_usage_error("--nhc-chain: expected 1..10");
    if (!o->traj_every || !o->log_every || !o->checkpoint_every) return cli_usage_error("--*-every: expected at least 1 step");
    o->nhc_length = (int)chain;
    o->traj_path = cli_get(cmd, a, "traj");
    o->log_path = cli_get(cmd, a, "log");
    o->checkpoint_path = cli_get(cmd, a, "checkpoint");
    return 0;
}

static void md_report(const vt_md_opts *o, const vt_md_summary *s, const vt_cell *c, double wall)
{
    static const char *const names[] = {"NVE", "NVT (Nose-Hoover chain)", "NVT (CSVR)", "NVT (Langevin)"};
    double ps = (double)(s->last_step - s->first_step) * o->dt_fs / 1000.0;
    printf("md: %s, %zu atoms, steps %llu -> %llu%s, dt %g fs\n", names[o->thermostat], c->n_atoms,
           (unsigned long long)s->first_step, (unsigned long long)s->last_step, s->is_resumed ? " (resumed)" : "", o->dt_fs);
    printf("final: T %.2f K, Epot %.6f eV (%.6f eV/atom), Ekin %.6f eV\n", vt_md_temperature(c), s->Epot_eV,
           s->Epot_eV / (double)c->n_atoms, s->Ekin_eV);
    if (ps > 0)
        printf("this run: <T> %.2f K; conserved quantity drift %.3g eV/atom/ps; %.3g ns/day\n", s->T_mean_K,
               (s->conserved_last_eV - s->conserved_first_eV) / (double)c->n_atoms / ps,
               ns_per_day(s->last_step - s->first_step, o->dt_fs, wall));
}

int cli_md(const cli_cmd *cmd, cli_args *a)
{
    int rc = 0;
    const char *in = required(cmd, a, "in", &rc), *spec = required(cmd, a, "calc", &rc), *out = cli_get(cmd, a, "out");
    vt_md_opts o = vt_md_opts_default();
    if (rc || (rc = md_options(cmd, a, &o))) return rc;
    char good[4096];
    last_good_path(&o, out, good, sizeof good);
    o.last_good_path = good;
    /* bit-identical resumption whatever the calculator's history; not for ipi, whose client
     * engine stays connected to one server */
    if (strncmp(spec, "ipi", 3) != 0) {
        o.open_calc = reopen_calc;
        o.open_calc_arg = (void *)spec;
    }
    vt_cell *c = NULL;
    vt_calc *calc = NULL;
    if ((rc = open_inputs(in, spec, &c, &calc))) return rc;
    double t_start = wall_s();
    progress p = {0, 0, UINT64_MAX, o.n_steps, o.dt_fs};
    int is_tty = isatty(STDERR_FILENO);
    if (is_tty) {
        o.observe = show_progress;
        o.observe_arg = &p;
        o.observe_every = 10;
    }
    vt_md_summary sum;
    vt_status s = vt_md_run(c, calc, &o, &sum);
    if (is_tty) fputs("\r\033[K", stderr);
    if (s == VT_OK && out) s = vt_structure_write(out, NULL, c);
    if (s == VT_OK) md_report(&o, &sum, c, wall_s() - t_start);
    vt_calc_free(calc);
    vt_cell_free(c);
    return s == VT_OK ? 0 : cli_fail(s);
}

/* ---- relax ---- */

int cli_relax(const cli_cmd *cmd, cli_args *a)
{
    int rc = 0;
    const char *in = required(cmd, a, "in", &rc), *spec = required(cmd, a, "calc", &rc), *out = required(cmd, a, "out", &rc);
    vt_relax_opts o = vt_relax_opts_default();
    if (rc) return rc;
    if (cli_get_double(cmd, a, "fmax", o.fmax_eV_A, 1e-12, 1e6, &o.fmax_eV_A) ||
        cli_get_double(cmd, a, "stress-tol", o.stress_tol_GPa, 1e-12, 1e6, &o.stress_tol_GPa) ||
        cli_get_double(cmd, a, "pressure", o.pressure_GPa, -1e4, 1e4, &o.pressure_GPa) ||
        cli_get_u64(cmd, a, "steps", o.max_steps, UINT64_MAX, &o.max_steps))
        return EXIT_USAGE;
    o.relax_cell = cli_flag(cmd, a, "cell");
    vt_cell *c = NULL;
    vt_calc *calc = NULL;
    if ((rc = open_inputs(in, spec, &c, &calc))) return rc;
    vt_relax_result r;
    vt_status s = vt_relax(c, calc, &o, &r);
    if (s == VT_OK) s = vt_structure_write(out, NULL, c);
    if (s == VT_OK) {
        printf("relax: %s after %llu steps: E %.8f eV (%.8f eV/atom), fmax %.3g eV/A", r.is_converged ? "converged" : "NOT converged",
               (unsigned long long)r.steps, r.energy_eV, r.energy_eV / (double)c->n_atoms, r.fmax_eV_A);
        if (o.relax_cell) printf(", P %.4f GPa, max |stress + P_target| %.3g GPa, V %.4f A^3", r.pressure_GPa, r.stress_max_GPa, vt_cell_volume(c));
        printf("\n");
    }
    vt_calc_free(calc);
    vt_cell_free(c);
    if (s != VT_OK) return cli_fail(s);
    if (!r.is_converged) {
        fprintf(stderr, "vitrum: error: relax: not converged within %llu steps (fmax %.3g eV/A, wanted %g); last structure "
                        "written to %s\n", (unsigned long long)o.max_steps, r.fmax_eV_A, o.fmax_eV_A, out);
        return 1;
    }
    return 0;
}

/* ---- calc ---- */

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s < 0x20) printf("\\u%04x", (unsigned)*s);
        else putchar(*s);
    }
    putchar('"');
}

/* A JSON number, or null when not finite (JSON has no NaN). */
static void json_num(double v)
{
    if (isfinite(v)) printf("%.17g", v);
    else printf("null");
}

static void json_vec3(const char *sep, const double v[3])
{
    printf("%s[", sep);
    for (int k = 0; k < 3; k++) {
        if (k) printf(", ");
        json_num(v[k]);
    }
    printf("]");
}

static void print_json(const char *path, const vt_cell *c, const vt_calc *calc, const vt_calc_result *r, double P)
{
    printf("{\"structure\": ");
    json_string(path);
    printf(", \"calculator\": ");
    json_string(vt_calc_name(calc));
    printf(", \"n_atoms\": %zu,\n \"energy_eV\": ", c->n_atoms);
    json_num(r->energy_eV);
    printf(", \"energy_eV_per_atom\": ");
    json_num(r->energy_eV / (double)c->n_atoms);
    printf(", \"pressure_GPa\": ");
    json_num(P);
    printf(",\n \"stress_GPa\": [");
    for (int a = 0; a < 3; a++) json_vec3(a ? ", " : "", r->stress_GPa[a]);
    printf("],\n \"forces_eV_A\": [");
    for (size_t i = 0; i < c->n_atoms; i++) json_vec3(i ? ",\n   " : "", r->forces[i]);
    printf("]}\n");
}

static void print_table(const char *path, const vt_cell *c, const vt_calc *calc, const vt_calc_result *r, double P)
{
    char formula[128] = "?";
    vt_cell_formula(c, formula, sizeof formula);
    printf("structure   %s (%zu atoms, %s)\ncalculator  %s\n", path, c->n_atoms, formula, vt_calc_name(calc));
    printf("energy      %.10f eV   (%.10f eV/atom)\npressure    %.6f GPa\n", r->energy_eV, r->energy_eV / (double)c->n_atoms, P);
    const double(*s)[3] = r->stress_GPa;
    printf("stress GPa  xx %.6f  yy %.6f  zz %.6f  yz %.6f  xz %.6f  xy %.6f\n", s[0][0], s[1][1], s[2][2], s[1][2], s[0][2],
           s[0][1]);
    printf("forces eV/A\n");
    for (size_t i = 0; i < c->n_atoms; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        printf("%6zu %-2s %16.10f %16.10f %16.10f\n", i + 1, e ? e->symbol : "?", r->forces[i][0], r->forces[i][1], r->forces[i][2]);
    }
}

int cli_calc(const cli_cmd *cmd, cli_args *a)
{
    int rc = 0, format;
    const char *spec = required(cmd, a, "calc", &rc), *fmt = cli_get(cmd, a, "format");
    if (rc) return rc;
    if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "json") != 0)
        return cli_usage_error("--format: expected table or json, got '%s'", fmt);
    format = fmt && strcmp(fmt, "json") == 0;
    vt_cell *c = NULL;
    vt_calc *calc = NULL;
    if ((rc = open_inputs(a->pos[0], spec, &c, &calc))) return rc;
    vt_calc_result r;
    memset(&r, 0, sizeof r);
    r.want_stress = 1;
    r.forces = vt_calloc(c->n_atoms, sizeof *r.forces);
    if (!r.forces) {
        vt_calc_free(calc);
        vt_cell_free(c);
        fprintf(stderr, "vitrum: error: out of memory\n");
        return 1;
    }
    vt_status s = vt_calc_compute(calc, c, &r);
    if (s == VT_OK) {
        double P = -(r.stress_GPa[0][0] + r.stress_GPa[1][1] + r.stress_GPa[2][2]) / 3.0;
        (format ? print_json : print_table)(a->pos[0], c, calc, &r, P);
    }
    vt_free(r.forces);
    vt_calc_free(calc);
    vt_cell_free(c);
    return s == VT_OK ? 0 : cli_fail(s);
}
