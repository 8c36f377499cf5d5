/* cmd_campaign.c - `vitrum campaign create|work|status`: many `vitrum run`s through the store's
** work queue (src/store/queue.c). `report` is in campaign_report.c. Docs: docs/campaign.md.
**   create  one job per formula of a file and one schedule (a file of `vitrum run` options),
**           idempotent: the job key is the formula plus a hash of formula and schedule.
**   work    claim, run in-process with `vitrum run`'s own handler (cli_run: the same option table,
**           checks, run directory, analysis and check-then-store under the run's identifier), mark.
**           Run directories are WORKDIR/<job key>: a job claimed again resumes from the
**           checkpoints its previous holder left there (WORKDIR on a file system all workers see).
**   status  counts per state, throughput, ETA, running jobs and failures with their messages. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/campaign.h"
#include "core/error.h"
#include "io/text.h"

#define DB_HELP "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"

const cli_opt cli_campaign_create_opts[] = {
    {"db", "URL", DB_HELP},
    {"formulas", "FILE", "compositions, one formula per line ('#' comments) (required)"},
    {"schedule", "FILE", "`vitrum run` options, one per line: 'key = value', '--key value' or a flag (default: none)"},
    {NULL, NULL, NULL}};
const cli_opt cli_campaign_work_opts[] = {
    {"db", "URL", DB_HELP},
    {"workdir", "DIR", "run directories go to DIR/<job key>, shared by all workers (default campaign)"},
    {"max-jobs", "N", "stop after N jobs (default: until the queue is drained)"},
    {"heartbeat", "S", "extend the job's lease every S seconds (default 10)"},
    {"timeout", "S", "lease length: a job not heartbeaten for S seconds is claimed again (default 60)"},
    {"max-attempts", "N", "a job lost N times (its workers died) is failed (default 3)"},
    {"no-wait", NULL, "exit when nothing is queued, without waiting for other workers' jobs"},
    {"worker", "NAME", "worker name in the queue (default host[:rankN][:taskN]:pid)"},
    {NULL, NULL, NULL}};
const cli_opt cli_campaign_status_opts[] = {{"db", "URL", DB_HELP}, {NULL, NULL, NULL}};

/* `vitrum run`'s handler and options, called in-process for every job. */
static const cli_cmd run_cmd = {"run", "FORMULA [options]", "", cli_run_opts, 1, 1, cli_run};
/* Options the worker sets itself: never in a schedule. */
static const char *const worker_owned[] = {"dir", "db", "no-db", "dry-run"};

const char *campaign_db_url(const cli_cmd *cmd, const cli_args *a)
{
    const char *url = cli_get(cmd, a, "db");
    if (!url) url = getenv("VITRUM_DB");
    return url && url[0] ? url : VT_STORE_DEFAULT_URL;
}

void campaign_url_shown(const char *url, char *buf, size_t size)
{
    const char *auth = strstr(url, "://"), *at = auth ? strchr(auth + 3, '@') : NULL;
    const char *colon = auth ? strchr(auth + 3, ':') : NULL;
    if (!at || !colon || colon > at || strchr(auth + 3, '/') < at) snprintf(buf, size, "%s", url);
    else snprintf(buf, size, "%.*s:***%s", (int)(colon - url), url, at);
}

int campaign_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return cli_usage_error("%.80s...: path too long", path);
    for (char *p = buf + 1;; p++) { /* every parent, then the folder itself */
        int end = *p == '\0';
        if (*p != '/' && !end) continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "vitrum: error: %s: cannot create folder: %s\n", buf, strerror(errno));
            return 1;
        }
        if (end) return 0;
        *p = '/';
    }
}

/* ---------------------------------------------------------------------------------------------
** create
*/

/* Trim blanks and a '#' comment in place. */
static char *trim(char *s)
{
    char *hash = strchr(s, '#');
    if (hash) *hash = '\0';
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

static int run_opt_index(const char *name)
{
    for (int k = 0; cli_run_opts[k].name; k++)
        if (strcmp(cli_run_opts[k].name, name) == 0) return k;
    return -1;
}

/* One schedule line ("key = value", "--key value", "key" or "--key") into values[k]. */
static vt_status schedule_line(const char *path, size_t line, char *s, char **values)
{
    if (s[0] == '-' && s[1] == '-') s += 2;
    size_t n = strcspn(s, "= \t");
    char *v = s + n;
    int has_eq = 0;
    while (*v == ' ' || *v == '\t' || (*v == '=' && !has_eq)) has_eq |= *v++ == '=';
    s[n] = '\0';
    int k = run_opt_index(s);
    if (k < 0) VT_FAIL_AT(VT_EPARSE, path, line, s, "not a `vitrum run` option (see vitrum run --help)");
    for (size_t i = 0; i < sizeof worker_owned / sizeof worker_owned[0]; i++)
        if (strcmp(s, worker_owned[i]) == 0)
            VT_FAIL_AT(VT_EPARSE, path, line, s, "set by each worker (vitrum campaign work --workdir/--db), not by a schedule");
    if (values[k]) VT_FAIL_AT(VT_EPARSE, path, line, s, "given twice");
    if (!cli_run_opts[k].arg && (has_eq || *v)) VT_FAIL_AT(VT_EPARSE, path, line, s, "a flag: takes no value");
    if (cli_run_opts[k].arg && !*v) VT_FAIL_AT(VT_EPARSE, path, line, s, "needs a value %s", cli_run_opts[k].arg);
    if (!(values[k] = vt_strdup(*v ? v : ""))) VT_FAIL(VT_ENOMEM, "out of memory");
    return VT_OK;
}

/* The schedule file as canonical text: "--key value" or "--key" lines in `vitrum run`'s option
 * order, so that equal schedules hash equally whatever their layout. path NULL: the empty
 * schedule (vitrum run's defaults). */
static vt_status read_schedule_file(const char *path, char **out)
{
    char *values[CLI_MAX_OPTS] = {0};
    vt_status s = VT_OK;
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
        vt_lines rd;
        vt_lines_init(&rd, f, path);
        char *line;
        while (s == VT_OK && (s = vt_lines_next(&rd, &line)) == VT_OK && line) {
            char *t = trim(line);
            if (*t) s = schedule_line(path, rd.line, t, values);
        }
        vt_lines_clear(&rd);
        fclose(f);
    }
    vt_text t = {0};
    for (int k = 0; cli_run_opts[k].name; k++) {
        if (values[k]) vt_text_printf(&t, "--%s%s%s\n", cli_run_opts[k].name, values[k][0] ? " " : "", values[k]);
        vt_free(values[k]);
    }
    vt_text_put(&t, "", 1); /* the NUL */
    if (s == VT_OK && t.is_oom) s = vt_err_set_(VT_ENOMEM, "out of memory");
    if (s != VT_OK) {
        vt_text_clear(&t);
        return s;
    }
    *out = t.p;
    return VT_OK;
}

/* argv of `vitrum run FORMULA <schedule> <extra...>`, pointing into a copy of the schedule
 * (*buf, caller frees): each line is an option and, after its first blank, its value. */
static vt_status run_argv(const char *formula, const char *schedule, char **extra, size_t n_extra, char **argv,
                          int *argc, char **buf)
{
    if (!(*buf = vt_strdup(schedule))) VT_FAIL(VT_ENOMEM, "out of memory");
    int n = 0;
    argv[n++] = (char *)formula;
    for (char *line = strtok(*buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (n + 2 + (int)n_extra > CLI_MAX_POS) VT_FAIL(VT_EINVAL, "schedule: too many options");
        char *sp = strchr(line, ' ');
        if (sp) *sp = '\0';
        argv[n++] = line;
        if (sp) argv[n++] = sp + 1;
    }
    for (size_t i = 0; i < n_extra; i++) argv[n++] = extra[i];
    *argc = n;
    return VT_OK;
}

/* Every value of the schedule checked by `vitrum run --dry-run` itself (which prints the resolved
 * schedule for formula): one parser for both commands. */
static int check_schedule(const char *formula, const char *schedule)
{
    char *argv[CLI_MAX_POS], *buf = NULL, dry[] = "--dry-run", *extra[] = {dry};
    int argc = 0, rc = 0;
    vt_status s = run_argv(formula, schedule, extra, 1, argv, &argc, &buf);
    if (s != VT_OK) rc = cli_fail(s);
    cli_args a;
    if (!rc) rc = cli_parse(&run_cmd, "vitrum run (schedule)", argc, argv, &a);
    if (!rc) rc = cli_run(&run_cmd, &a);
    vt_free(buf);
    return rc < 0 ? 0 : rc;
}

/* The formulas of a file, each checked by the formula parser; one per line. */
static vt_status read_formulas(const char *path, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_lines rd;
    vt_lines_init(&rd, f, path);
    vt_status s = VT_OK;
    char *line;
    size_t cap = 0;
    while (s == VT_OK && (s = vt_lines_next(&rd, &line)) == VT_OK && line) {
        char *t = trim(line);
        vt_composition c;
        if (!*t) continue;
        if (vt_count_tokens(t) != 1) s = vt_err_at_(VT_EPARSE, path, rd.line, "formula", "one formula per line, got '%.60s'", t);
        else if (vt_composition_parse(t, &c) != VT_OK) s = vt_err_at_(VT_EPARSE, path, rd.line, "formula", "%s", vt_errmsg());
        else if (*n == cap) {
            char **g = vt_realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof *g);
            if (!g) s = vt_err_set_(VT_ENOMEM, "out of memory");
            else *out = g;
        }
        if (s == VT_OK && !((*out)[*n] = vt_strdup(t))) s = vt_err_set_(VT_ENOMEM, "out of memory");
        if (s == VT_OK) (*n)++;
    }
    vt_lines_clear(&rd);
    fclose(f);
    if (s == VT_OK && *n == 0) s = vt_err_at_(VT_EPARSE, path, 0, NULL, "no formula");
    return s;
}

/* All jobs in one transaction: a failure adds none. */
static vt_status add_jobs(const char *url, char **formulas, size_t n, const char *schedule, size_t *added,
                          int64_t *total)
{
    vt_store *st;
    VT_TRY(vt_store_open(url, &st));
    vt_status s = vt_store_begin(st);
    *added = 0;
    for (size_t i = 0; s == VT_OK && i < n; i++) {
        int is_new = 0;
        s = vt_campaign_add(st, formulas[i], schedule, &is_new);
        *added += (size_t)is_new;
    }
    if (s == VT_OK) s = vt_store_commit(st);
    else vt_store_rollback(st);
    vt_campaign_summary m;
    if (s == VT_OK) s = vt_campaign_summary_get(st, &m);
    if (s == VT_OK) *total = m.n_queued + m.n_running + m.n_done + m.n_failed;
    vt_store_close(st);
    return s;
}

int cli_campaign_create(const cli_cmd *cmd, cli_args *a)
{
    const char *fpath = cli_get(cmd, a, "formulas"), *url = campaign_db_url(cmd, a);
    if (!fpath) return cli_usage_error("%s: --formulas FILE is required", a->prog);
    char **formulas = NULL, *schedule = NULL;
    size_t n = 0, added = 0;
    int64_t total = 0;
    vt_status s = read_formulas(fpath, &formulas, &n);
    if (s == VT_OK) s = read_schedule_file(cli_get(cmd, a, "schedule"), &schedule);
    int rc = s == VT_OK ? check_schedule(formulas[0], schedule) : cli_fail(s);
    if (!rc) {
        fflush(stdout);
        s = add_jobs(url, formulas, n, schedule, &added, &total);
        if (s == VT_OK)
            printf("campaign: %zu formulas, %zu new jobs, %zu already there; %lld jobs in the database\n", n, added,
                   n - added, (long long)total);
        else rc = cli_fail(s);
    }
    for (size_t i = 0; i < n; i++) vt_free(formulas[i]);
    vt_free(formulas);
    vt_free(schedule);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
** work
*/
typedef struct runner {
    const char *url, *workdir;
} runner;

/* runs.identifier of the run `vitrum run` stored from dir: the one with this formula and the
 * directory's settings.json as its settings (its identifier is derived from them). "" if none. */
static vt_status stored_identifier(vt_store *st, const char *formula, const char *dir, char *id, size_t size)
{
    char path[4200];
    id[0] = '\0';
    snprintf(path, sizeof path, "%s/settings.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return VT_OK; /* the run never started */
    vt_lines rd;
    vt_lines_init(&rd, f, path);
    char *settings = NULL;
    size_t n = 0;
    vt_status s = vt_lines_slurp(&rd, 1 << 20, &settings, &n);
    vt_lines_clear(&rd);
    fclose(f);
    vt_sql_value p[2] = {vt_sql_text(formula), vt_sql_text(settings)};
    vt_store_rows *r = NULL;
    if (s == VT_OK)
        s = vt_store_query(st, "SELECT r.identifier FROM runs r JOIN compositions c ON c.id = r.composition_id"
                               " WHERE c.formula = ? AND r.settings = ?", 2, p, &r);
    if (s == VT_OK && vt_store_rows_count(r) && vt_store_rows_get(r, 0, 0)->type == VT_SQL_TEXT)
        snprintf(id, size, "%s", vt_store_rows_get(r, 0, 0)->text);
    vt_store_rows_free(r);
    vt_free(settings);
    return s;
}

/* `vitrum run` of one job with its directory locked: a worker that lost its lease but still runs
 * (hung, then woke up) on this machine finishes before the new holder resumes the directory. */
static int run_locked(const vt_campaign_job *job, const char *dir, const char *url, char *errbuf, size_t size)
{
    char lock[4200], dir_opt[] = "--dir", db_opt[] = "--db", *argv[CLI_MAX_POS], *buf = NULL;
    char *extra[] = {dir_opt, (char *)dir, db_opt, (char *)url};
    int argc = 0, rc = EXIT_USAGE;
    snprintf(lock, sizeof lock, "%s.lock", dir);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        snprintf(errbuf, size, "%.900s: cannot lock: %s", lock, strerror(errno));
        if (fd >= 0) close(fd);
        return 1;
    }
    vt_err_set_(VT_OK, "bad schedule: `vitrum run` refused its options (see the worker's output)");
    cli_args a;
    if (run_argv(job->formula, job->schedule, extra, 4, argv, &argc, &buf) == VT_OK &&
        cli_parse(&run_cmd, "vitrum run", argc, argv, &a) == 0)
        rc = cli_run(&run_cmd, &a);
    fflush(stdout);
    if (rc) snprintf(errbuf, size, "%s", vt_errmsg());
    vt_free(buf);
    close(fd); /* releases the lock */
    return rc;
}

static vt_status run_job(void *arg, vt_store *st, const vt_campaign_job *job, char *run_id, size_t size)
{
    const runner *r = arg;
    char dir[4096], err[1024] = "";
    snprintf(dir, sizeof dir, "%s/%s", r->workdir, job->key);
    int rc = run_locked(job, dir, r->url, err, sizeof err);
    /* Failed, but stored anyway: another holder of this job stored the same result first. */
    VT_TRY(stored_identifier(st, job->formula, dir, run_id, size));
    if (rc && !run_id[0]) VT_FAIL(VT_EINVAL, "%s", err);
    return VT_OK;
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    printf("campaign: %s\n", line);
    fflush(stdout);
}

int cli_campaign_work(const cli_cmd *cmd, cli_args *a)
{
    vt_campaign_work_opts o = vt_campaign_work_opts_default();
    uint64_t max_jobs = 0, attempts = 0;
    int rc = cli_get_u64(cmd, a, "max-jobs", 0, UINT32_MAX, &max_jobs);
    rc = rc ? rc : cli_get_u64(cmd, a, "max-attempts", (uint64_t)o.max_attempts, 1000, &attempts);
    rc = rc ? rc : cli_get_double(cmd, a, "heartbeat", o.heartbeat_s, 0.01, 86400, &o.heartbeat_s);
    rc = rc ? rc : cli_get_double(cmd, a, "timeout", o.timeout_s, 0.02, 864000, &o.timeout_s);
    if (rc) return rc;
    if (attempts < 1) return cli_usage_error("--max-attempts: at least 1");
    if (!(o.timeout_s >= 2 * o.heartbeat_s))
        return cli_usage_error("--timeout %g s: at least twice --heartbeat (%g s), or live jobs would be re-queued",
                               o.timeout_s, o.heartbeat_s);
    o.max_jobs = (size_t)max_jobs;
    o.max_attempts = (int)attempts;
    o.no_wait = cli_flag(cmd, a, "no-wait");
    o.poll_s = fmin(2.0, o.heartbeat_s);
    o.worker = cli_get(cmd, a, "worker");
    o.log = log_line;
    runner r = {campaign_db_url(cmd, a), cli_get(cmd, a, "workdir")};
    if (!r.workdir) r.workdir = "campaign";
    if ((rc = campaign_mkdirs(r.workdir))) return rc;
    vt_campaign_work_stats stats;
    vt_status s = vt_campaign_work(r.url, &o, run_job, &r, &stats);
    printf("campaign: worker finished: %zu done, %zu failed, %zu lost to other workers\n", stats.n_done,
           stats.n_failed, stats.n_lost);
    return s == VT_OK ? 0 : cli_fail(s);
}

/* ---------------------------------------------------------------------------------------------
** status
*/
static void print_duration(const char *label, double s)
{
    long t = isfinite(s) && s > 0 ? lround(s) : 0;
    printf("%s%ld:%02ld:%02ld", label, t / 3600, t / 60 % 60, t % 60);
}

static void print_rates(const vt_campaign_summary *m)
{
    double span = m->last_finish_s - m->first_start_s;
    int64_t left = m->n_queued + m->n_running;
    if (!(m->n_done > 0 && span > 0)) {
        printf("throughput  - (no job done yet)\n");
        return;
    }
    double rate = (double)m->n_done / span; /* jobs per second over the campaign so far */
    printf("throughput  %.1f jobs/h", rate * 3600.0);
    print_duration(" over ", span);
    print_duration(" (mean job ", m->busy_s / (double)m->n_done);
    printf(" of worker time)\n");
    if (left) {
        print_duration("ETA         ", (double)left / rate);
        printf(" for %lld jobs left, at this rate\n", (long long)left);
    } else {
        printf("ETA         finished\n");
    }
}

/* Running jobs and failures, one line each. */
static vt_status print_jobs(vt_store *st, double now_s)
{
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, "SELECT job_key, worker, attempts, heartbeat_ms, lease_ms FROM campaign_jobs"
                              " WHERE state = 'running' ORDER BY id", 0, NULL, &r));
    for (size_t i = 0; i < vt_store_rows_count(r); i++) {
        double beat = now_s - vt_store_rows_real(r, i, 3) / 1000.0, lease = vt_store_rows_real(r, i, 4) / 1000.0;
        printf("running     %s  %s  attempt %.0f  heartbeat %.0f s ago%s\n", vt_store_rows_get(r, i, 0)->text,
               vt_store_rows_get(r, i, 1)->text, vt_store_rows_real(r, i, 2), beat,
               lease < now_s ? "  (lease expired: claimed again by the next worker)" : "");
    }
    vt_store_rows_free(r);
    VT_TRY(vt_store_query(st, "SELECT job_key, worker, attempts, error FROM campaign_jobs"
                              " WHERE state = 'failed' ORDER BY id", 0, NULL, &r));
    if (vt_store_rows_count(r)) printf("failures:\n");
    for (size_t i = 0; i < vt_store_rows_count(r); i++) {
        const vt_sql_value *w = vt_store_rows_get(r, i, 1), *e = vt_store_rows_get(r, i, 3);
        printf("  %s (attempt %.0f, %s): %s\n", vt_store_rows_get(r, i, 0)->text, vt_store_rows_real(r, i, 2),
               w->type == VT_SQL_TEXT ? w->text : "-", e->type == VT_SQL_TEXT ? e->text : "-");
    }
    vt_store_rows_free(r);
    return VT_OK;
}

int cli_campaign_status(const cli_cmd *cmd, cli_args *a)
{
    vt_store *st;
    const char *url = campaign_db_url(cmd, a);
    vt_status s = vt_store_open(url, &st);
    if (s != VT_OK) return cli_fail(s);
    vt_campaign_summary m;
    s = vt_campaign_summary_get(st, &m);
    if (s == VT_OK) {
        int64_t total = m.n_queued + m.n_running + m.n_done + m.n_failed;
        char shown[512];
        campaign_url_shown(url, shown, sizeof shown);
        printf("campaign    %s (%s)\njobs        %lld: %lld done, %lld failed, %lld running", shown,
               vt_store_backend(st), (long long)total, (long long)m.n_done, (long long)m.n_failed,
               (long long)m.n_running);
        if (m.n_expired) printf(" (%lld with an expired lease)", (long long)m.n_expired);
        printf(", %lld queued\n", (long long)m.n_queued);
        print_rates(&m);
        s = print_jobs(st, m.now_s);
    }
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}
