/* cmd_run.c - `vitrum run FORMULA`: the paper's melt-quench workflow in a run directory, resumable.
** Every schedule parameter has the paper's default and a flag; --quick starts from the short
** schedule instead; --dry-run prints the resolved schedule and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli/run_report.h"

const cli_opt cli_run_opts[] = {
    {"calc", "SPEC", "energy/force back end (default m3gnet; see `vitrum help md`)"},
    {"dir", "DIR", "run directory; an existing one is resumed (default run-FORMULA)"},
    {"quick", NULL, "start from the short schedule (24 atoms, 1500 and 2500 K, 2 ps productions)"},
    {"dry-run", NULL, "print the resolved schedule and exit"},
    {"atoms", "N", "at least N atoms, whole formula units (default 100)"},
    {"density", "RHO", "starting density, g/cm^3 (default: from elemental volumes)"},
    {"min-dist", "A", "no pair closer than A in the packed cell (default 2, PACKMOL's tolerance in MPMorph)"},
    {"dt", "FS", "time step, fs (default 2)"},
    {"melt-temp", "K", "melt temperature (default 5000)"},
    {"temps", "LIST", "temperatures after the melt, K, comma-separated (default 1000,1500,2000,2500; 'none')"},
    {"volume-scales", "LIST", "starting volumes of the search, times the current (default 0.8,1,1.2)"},
    {"eos", "bm3|poly", "P(V) law of the volume search (default bm3)"},
    {"max-volume-runs", "N", "EOS and convergence runs per temperature (default 20)"},
    {"eos-ps", "PS", "length of each EOS run (default 4)"},
    {"converge-ps", "PS", "length of each convergence run (default 4)"},
    {"production-ps", "PS", "length of each production run (default 20)"},
    {"volume-tol", "X", "converged when |<P>|/B0 <= X (default 0.01)"},
    {"amorphous-frames", "N", "frames relaxed for the amorphous limit (default 10)"},
    {"amorphous-every", "PS", "one frame every PS of the coldest production run (default 2)"},
    {"traj-every", "N", "trajectory frame every N steps (default 10)"},
    {"checkpoint-every", "N", "checkpoint every N steps (default 500)"},
    {"seed", "S", "seed of packing and velocities (default 1)"},
    {"db", "URL", "database for the results: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {"no-db", NULL, "keep the results in the run directory only"},
    {NULL, NULL, NULL},
};

/* A comma-separated list of numbers in (lo, hi); "none" is the empty list when allowed. */
static int parse_list(const char *opt, const char *text, double lo, double hi, int allow_none, double *v,
                      size_t max, size_t *n)
{
    *n = 0;
    if (allow_none && strcmp(text, "none") == 0) return 0;
    const char *p = text;
    for (;;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || !(x > lo && x < hi))
            return cli_usage_error("--%s: '%s': expected numbers in (%g, %g) separated by commas", opt, text, lo, hi);
        if (*n == max) return cli_usage_error("--%s: more than %zu values", opt, max);
        v[(*n)++] = x;
        if (*end == 0) return 0;
        if (*end != ',') return cli_usage_error("--%s: '%s': expected numbers separated by commas", opt, text);
        p = end + 1;
    }
}

static int read_schedule(const cli_cmd *cmd, const cli_args *a, vt_run_schedule *s)
{
    *s = cli_flag(cmd, a, "quick") ? vt_run_schedule_quick() : vt_run_schedule_paper();
    uint64_t u;
    int rc = 0;
    if (!rc && !(rc = cli_get_u64(cmd, a, "atoms", s->n_atoms_min, 100000, &u))) s->n_atoms_min = u;
    rc = rc ? rc : cli_get_double(cmd, a, "density", s->density_g_cm3, 0, 50, &s->density_g_cm3);
    rc = rc ? rc : cli_get_double(cmd, a, "min-dist", s->pack_min_dist_A, 0, 5, &s->pack_min_dist_A);
    rc = rc ? rc : cli_get_double(cmd, a, "dt", s->dt_fs, 0, 10, &s->dt_fs);
    rc = rc ? rc : cli_get_double(cmd, a, "melt-temp", s->melt_T_K, 0, 1e5, &s->melt_T_K);
    rc = rc ? rc : cli_get_double(cmd, a, "eos-ps", s->eos_ps, 0, 1e6, &s->eos_ps);
    rc = rc ? rc : cli_get_double(cmd, a, "converge-ps", s->converge_ps, 0, 1e6, &s->converge_ps);
    rc = rc ? rc : cli_get_double(cmd, a, "production-ps", s->production_ps, 0, 1e6, &s->production_ps);
    rc = rc ? rc : cli_get_double(cmd, a, "volume-tol", s->volume_tol, 0, 1, &s->volume_tol);
    rc = rc ? rc : cli_get_double(cmd, a, "amorphous-every", s->amorphous_every_ps, 0, 1e6, &s->amorphous_every_ps);
    if (!rc && !(rc = cli_get_u64(cmd, a, "max-volume-runs", (uint64_t)s->max_volume_runs, 100, &u)))
        s->max_volume_runs = (int)u;
    if (!rc && !(rc = cli_get_u64(cmd, a, "amorphous-frames", (uint64_t)s->amorphous_frames, 1000, &u)))
        s->amorphous_frames = (int)u;
    rc = rc ? rc : cli_get_u64(cmd, a, "traj-every", s->traj_every, 1000000, &s->traj_every);
    rc = rc ? rc : cli_get_u64(cmd, a, "checkpoint-every", s->checkpoint_every, 100000000, &s->checkpoint_every);
    rc = rc ? rc : cli_get_u64(cmd, a, "seed", s->seed, UINT64_MAX, &s->seed);
    const char *v;
    if (!rc && (v = cli_get(cmd, a, "temps"))) rc = parse_list("temps", v, 0, 1e5, 1, s->T_K, VT_RUN_MAX_T, &s->n_T);
    if (!rc && (v = cli_get(cmd, a, "volume-scales")))
        rc = parse_list("volume-scales", v, 0.2, 5, 0, s->volume_scales, VT_RUN_MAX_SCALES, &s->n_scales);
    if (!rc && (v = cli_get(cmd, a, "eos"))) {
        if (strcmp(v, "bm3") == 0) s->eos = VT_EOS_BM3;
        else if (strcmp(v, "poly") == 0) s->eos = VT_EOS_POLY;
        else rc = cli_usage_error("--eos: expected bm3 or poly, got '%s'", v);
    }
    return rc;
}

static void print_schedule(const char *formula, const char *calc, const char *dir, const vt_run_schedule *s)
{
    printf("vitrum run %s\n  back end        %s\n  run directory   %s\n  atoms           >= %zu (whole formula units)\n",
           formula, calc, dir, s->n_atoms_min);
    if (s->density_g_cm3 > 0) printf("  packing         %g g/cm^3", s->density_g_cm3);
    else printf("  packing         density from elemental volumes");
    printf(", no pair closer than %g A\n", s->pack_min_dist_A);
    printf("  MD              NVT, Nose-Hoover chain (tau %g fs), dt %g fs\n", s->tdamp_fs, s->dt_fs);
    printf("  temperatures    melt %g K, then", s->melt_T_K);
    for (size_t i = 0; i < s->n_T; i++) printf(" %g", s->T_K[i]);
    printf(s->n_T ? " K (instant quench from the last melt frame)\n" : " none\n");
    printf("  volume search   volumes x");
    for (size_t i = 0; i < s->n_scales; i++) printf(" %g", s->volume_scales[i]);
    printf(", %s fit of P(V), %g ps per run, up to %d runs per temperature\n",
           s->eos == VT_EOS_BM3 ? "Birch-Murnaghan" : "polynomial", s->eos_ps, s->max_volume_runs);
    printf("  convergence     %g ps runs until |<P>|/B0 <= %g and |dE/dt| <= %g eV/atom/ps\n", s->converge_ps,
           s->volume_tol, s->energy_drift_tol_eV_atom_ps);
    printf("  production      %g ps per temperature, a frame every %llu steps\n", s->production_ps,
           (unsigned long long)s->traj_every);
    printf("  amorphous limit %d frames, one every %g ps of the coldest production, relaxed with the cell\n",
           s->amorphous_frames, s->amorphous_every_ps);
    printf("  checkpoints     every %llu steps; seed %llu\n", (unsigned long long)s->checkpoint_every,
           (unsigned long long)s->seed);
}

typedef struct progress {
    int tty;
    time_t start;
} progress;

static void on_stage(void *arg, const char *stage, double T_K, double V, uint64_t n_steps)
{
    progress *p = arg;
    if (!p->tty) return;
    long el = (long)(time(NULL) - p->start);
    if (n_steps) fprintf(stderr, "[%3ld:%02ld] %-22s %6.0f K  V %9.1f A^3  %llu steps\n", el / 60, el % 60, stage, T_K,
                         V, (unsigned long long)n_steps);
    else fprintf(stderr, "[%3ld:%02ld] %-22s relaxing\n", el / 60, el % 60, stage);
}

static void print_result(const vt_run_result *r, const run_report *rep)
{
    printf("%-8s %8s %10s %9s %5s %9s %10s %12s\n", "stage", "<T> (K)", "V0 (A^3)", "B0 (GPa)", "runs",
           "rho g/cm3", "<P> (GPa)", "Epot eV/at");
    for (size_t i = 0; i < r->n_stages; i++) {
        const vt_run_stage_result *s = &r->stage[i];
        printf("%-8s %8.0f %10.2f %9.2f %5d %9.4f %10.3f %12.5f\n", s->label, s->T_mean_K, s->V0_A3, s->B0_GPa,
               s->volume_runs, s->density_g_cm3, s->P_mean_GPa, s->Epot_eV_atom);
    }
    const run_stage_report *melt = &rep->stage[0];
    printf("\ndiffusivity D (cm^2/s) +- 1 sigma, production runs\n%-8s", "stage");
    for (size_t j = 0; j < melt->n_species; j++) printf(" %24s", vt_element_by_Z(melt->Z[j])->symbol);
    for (size_t i = 0; i < r->n_stages; i++) {
        printf("\n%-8s", r->stage[i].label);
        for (size_t j = 0; j < rep->stage[i].n_species; j++)
            printf("    %10.3e +- %9.2e", rep->stage[i].D[j].value, rep->stage[i].D[j].sigma);
    }
    printf("\n");
    for (size_t j = 0; j < melt->n_species; j++) {
        const vt_arrhenius *a = &rep->arrhenius[j];
        if (!a->n_points) continue;
        vt_estimate D300 = vt_arrhenius_eval(a, 300.0);
        printf("Arrhenius %-3s Ea = %.3f +- %.3f eV, D(300 K) = %.3e +- %.2e cm^2/s (%zu temperatures, R^2 %.3f)\n",
               vt_element_by_Z(melt->Z[j])->symbol, a->Ea_eV.value, a->Ea_eV.sigma, D300.value, D300.sigma,
               a->n_points, a->r2);
    }
    if (r->n_amorphous)
        printf("amorphous limit: %.5f +- %.5f eV/atom over %d relaxed frames; formation energy %.5f eV/atom\n",
               r->amorphous_eV_atom, r->amorphous_std_eV_atom, r->n_amorphous, r->formation_eV_atom);
}

/* The run's identifier in the database: the formula (characters the store refuses become '.')
 * and the FNV-1a hash of its settings.json, so a re-run of the same directory is recognised. */
static vt_status record_of(const char *dir, const char *formula, const char *spec, uint64_t seed, char *id,
                           size_t id_size, char **settings, run_record *rec)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/settings.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot read", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    *settings = vt_strdup(buf);
    if (!*settings) VT_FAIL(VT_ENOMEM, "out of memory");
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    snprintf(id, id_size, "%.40s-%016llx", formula, (unsigned long long)h);
    for (char *p = id; *p; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:+-", *p)) *p = '.';
    *rec = (run_record){id, formula, spec, *settings, seed};
    return VT_OK;
}

static vt_status report_and_store(const cli_cmd *cmd, const cli_args *a, const vt_run_schedule *s, const char *dir,
                                  const char *spec, const vt_run_result *r)
{
    run_report *rep = vt_calloc(1, sizeof *rep);
    if (!rep) VT_FAIL(VT_ENOMEM, "out of memory");
    vt_status st = run_report_make(s, r, rep);
    if (st == VT_OK) print_result(r, rep);
    if (st == VT_OK && !cli_flag(cmd, a, "no-db")) {
        const char *url = cli_get(cmd, a, "db");
        if (!url) url = getenv("VITRUM_DB");
        if (!url || !url[0]) url = VT_STORE_DEFAULT_URL;
        char id[80], *settings = NULL;
        run_record rec;
        int already = 0;
        st = record_of(dir, a->pos[0], spec, s->seed, id, sizeof id, &settings, &rec);
        if (st == VT_OK) st = run_report_store(url, &rec, r, rep, &already);
        if (st == VT_OK) printf("%s run %s in %s\n", already ? "already stored:" : "stored:", id, url);
        vt_free(settings);
    }
    run_report_clear(rep);
    vt_free(rep);
    return st;
}

int cli_run(const cli_cmd *cmd, cli_args *a)
{
    const char *formula = a->pos[0], *spec = cli_get(cmd, a, "calc"), *dir = cli_get(cmd, a, "dir");
    if (!spec) spec = "m3gnet";
    char dir_buf[512];
    if (!dir) {
        snprintf(dir_buf, sizeof dir_buf, "run-%s", formula);
        dir = dir_buf;
    }
    vt_run_schedule s;
    if (read_schedule(cmd, a, &s)) return EXIT_USAGE;
    if (cli_flag(cmd, a, "dry-run")) {
        print_schedule(formula, spec, dir, &s);
        return 0;
    }
    progress p = {isatty(STDERR_FILENO), time(NULL)}; /* stage lines on a terminal only */
    vt_run_result *r = vt_calloc(1, sizeof *r);
    vt_status st = r ? vt_run(formula, &s, spec, dir, on_stage, &p, r) : VT_ENOMEM;
    if (st == VT_OK) st = report_and_store(cmd, a, &s, dir, spec, r);
    vt_free(r);
    return st == VT_OK ? 0 : cli_fail(st);
}
