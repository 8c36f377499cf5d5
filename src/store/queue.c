/*
** queue.c - the campaign work queue in the store: table campaign_jobs (schema version 2), claims,
** leases kept alive by a heartbeat thread, fenced completion, and the worker loop.
** Lives in the store layer (it is SQL over vt_store); what a job *does* is the caller's callback
** (`vitrum campaign work` runs `vitrum run` in-process: src/cli/cmd_campaign.c).
**
**   queued --claim--> running --finish--> done | failed
**      ^                 |  lease_ms passed (no heartbeat for timeout_s)
**      +-- claimed again (attempt + 1) by the next claimer, or failed after max_attempts
**
** Invariants (tests/campaign/test_campaign_sqlite.sh and test_campaign_pg.sh check them with
** workers killed by SIGKILL):
**  (1) A claim is one short transaction: PostgreSQL SELECT ... FOR UPDATE SKIP LOCKED (claimers
**      never wait for each other), SQLite BEGIN IMMEDIATE (claimers serialise on the write lock).
**      A job is claimable when queued, or running with lease_ms < now.
**  (2) Times come from the database's clock (milliseconds since 1970 UTC), never a worker's, so
**      workers on machines with skewed clocks agree on whose lease has expired.
**  (3) Heartbeats and finishes are fenced by (id, worker, attempts, state = 'running'): a worker
**      that lost its job to another claimer changes nothing, and learns it (*is_held = 0).
**  (4) The queue does not make results exactly-once by itself: the runner stores them under a
**      unique identifier and checks it first (check-then-store), so a re-run stores nothing.
*/
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "queue.h"
#include "store.h"

/* Schema version 2. Times in ms since 1970 UTC by the database's clock (invariant 2). */
const char vt_store_queue_ddl[] =
    "CREATE TABLE campaign_jobs ("
    " id @ID@,"
    " job_key TEXT NOT NULL UNIQUE,"      /* formula + hash of formula and schedule */
    " formula TEXT NOT NULL,"             /* as written */
    " schedule TEXT NOT NULL,"            /* `vitrum run` options, one per line */
    " state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),"
    " worker TEXT,"                       /* holder (running) or last holder */
    " attempts INTEGER NOT NULL,"         /* claims so far */
    " created_ms BIGINT NOT NULL, started_ms BIGINT, heartbeat_ms BIGINT,"
    " lease_ms BIGINT,"                   /* running: claimable again once now > lease_ms */
    " finished_ms BIGINT,"
    " run_identifier TEXT,"               /* runs.identifier of the result (done) */
    " error TEXT);"                       /* failed: one line */
    "CREATE INDEX campaign_jobs_state ON campaign_jobs(state, id);";

/* ---------------------------------------------------------------------------------------------
** Dialect: @NOW@ is the database clock in ms; @SKIP@ the row lock of a claim (invariant 1).
*/
static vt_status dialect_sql(const vt_store *st, const char *tmpl, char *out, size_t size)
{
    int pg = strcmp(vt_store_backend(st), "postgresql") == 0;
    const char *now = pg ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
                         : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
    const char *skip = pg ? " FOR UPDATE SKIP LOCKED" : "";
    size_t len = 0;
    for (const char *p = tmpl; *p;) {
        const char *rep = NULL;
        if (strncmp(p, "@NOW@", 5) == 0) rep = now, p += 5;
        else if (strncmp(p, "@SKIP@", 6) == 0) rep = skip, p += 6;
        size_t n = rep ? strlen(rep) : 1;
        if (len + n >= size) VT_FAIL(VT_EINTERNAL, "campaign: statement too long");
        memcpy(out + len, rep ? rep : p++, n);
        len += n;
    }
    out[len] = '\0';
    return VT_OK;
}

/* One statement in the back end's dialect; rows as vt_store_query (NULL: discarded). */
static vt_status query(vt_store *st, const char *tmpl, size_t n, const vt_sql_value *p, vt_store_rows **rows)
{
    char sql[1024];
    VT_TRY(dialect_sql(st, tmpl, sql, sizeof sql));
    return vt_store_query(st, sql, n, p, rows);
}

static int64_t ms_of(double s) { return (int64_t)llround(s * 1000.0); }

/* ---------------------------------------------------------------------------------------------
** Jobs
*/
void vt_campaign_job_key(const char *formula, const char *schedule, char key[VT_CAMPAIGN_KEY_MAX + 1])
{
    /* FNV-1a, 64 bit, over formula '\n' schedule: a name, not a security boundary. */
    uint64_t h = 1469598103934665603ull;
    for (const char *s = formula; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ '\n') * 1099511628211ull;
    for (const char *s = schedule; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    size_t n = strlen(formula) < 40 ? strlen(formula) : 40;
    snprintf(key, VT_CAMPAIGN_KEY_MAX + 1, "%.*s-%016llx", (int)n, formula, (unsigned long long)h);
    for (size_t i = 0; i < n; i++) /* a file name and a store identifier; '-' only before the hash */
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:+", key[i])) key[i] = '.';
}

vt_status vt_campaign_add(vt_store *st, const char *formula, const char *schedule, int *added)
{
    *added = 0;
    if (!formula || !formula[0] || !schedule) VT_FAIL(VT_EINVAL, "campaign: a job needs a formula and a schedule");
    char key[VT_CAMPAIGN_KEY_MAX + 1];
    vt_campaign_job_key(formula, schedule, key);
    vt_sql_value p[3] = {vt_sql_text(key), vt_sql_text(formula), vt_sql_text(schedule)};
    vt_store_rows *r = NULL;
    VT_TRY(query(st,
                 "INSERT INTO campaign_jobs (job_key, formula, schedule, state, attempts, created_ms)"
                 " VALUES (?, ?, ?, 'queued', 0, @NOW@) ON CONFLICT (job_key) DO NOTHING RETURNING id",
                 3, p, &r));
    *added = vt_store_rows_count(r) == 1;
    vt_store_rows_free(r);
    return VT_OK;
}

void vt_campaign_job_free(vt_campaign_job *job)
{
    if (!job) return;
    vt_free(job->formula);
    vt_free(job->schedule);
    vt_free(job);
}

/* Row (id, job_key, formula, schedule, attempts) as a job claimed by worker. */
static vt_status job_of(const vt_store_rows *r, const char *worker, vt_campaign_job **out)
{
    vt_campaign_job *j = vt_calloc(1, sizeof *j);
    const vt_sql_value *key = vt_store_rows_get(r, 0, 1), *f = vt_store_rows_get(r, 0, 2),
                       *s = vt_store_rows_get(r, 0, 3);
    if (!j) VT_FAIL(VT_ENOMEM, "campaign: out of memory");
    j->id = (int64_t)vt_store_rows_real(r, 0, 0);
    j->attempt = (int)vt_store_rows_real(r, 0, 4) + 1;
    snprintf(j->key, sizeof j->key, "%s", key->type == VT_SQL_TEXT ? key->text : "");
    snprintf(j->worker, sizeof j->worker, "%s", worker);
    j->formula = vt_strdup(f->type == VT_SQL_TEXT ? f->text : "");
    j->schedule = vt_strdup(s->type == VT_SQL_TEXT ? s->text : "");
    if (!j->formula || !j->schedule) {
        vt_campaign_job_free(j);
        VT_FAIL(VT_ENOMEM, "campaign: out of memory");
    }
    *out = j;
    return VT_OK;
}

/* Inside the claim transaction: jobs whose lease expired on their last allowed attempt fail. */
static vt_status fail_abandoned(vt_store *st, int max_attempts)
{
    vt_sql_value p = vt_sql_int(max_attempts);
    return query(st,
                 "UPDATE campaign_jobs SET state = 'failed', finished_ms = @NOW@, lease_ms = NULL,"
                 " error = 'abandoned: every worker that claimed it stopped heartbeating (last: '"
                 " || COALESCE(worker, '?') || ')'"
                 " WHERE state = 'running' AND lease_ms < @NOW@ AND attempts >= ?",
                 1, &p, NULL);
}

/* Inside the claim transaction: the next claimable job, expired leases first (they have waited
 * longest and have checkpoints), then queued ones in creation order. Both selects use the
 * (state, id) index, so a claim costs the same at 10 or 10^5 jobs. */
static vt_status pick(vt_store *st, vt_store_rows **r)
{
    VT_TRY(query(st,
                 "SELECT id, job_key, formula, schedule, attempts FROM campaign_jobs"
                 " WHERE state = 'running' AND lease_ms < @NOW@ ORDER BY id LIMIT 1@SKIP@",
                 0, NULL, r));
    if (vt_store_rows_count(*r)) return VT_OK;
    vt_store_rows_free(*r);
    *r = NULL;
    return query(st,
                 "SELECT id, job_key, formula, schedule, attempts FROM campaign_jobs"
                 " WHERE state = 'queued' ORDER BY id LIMIT 1@SKIP@",
                 0, NULL, r);
}

vt_status vt_campaign_claim(vt_store *st, const char *worker, double timeout_s, int max_attempts,
                            vt_campaign_job **job)
{
    *job = NULL;
    if (!worker || !worker[0] || !(timeout_s > 0) || max_attempts < 1)
        VT_FAIL(VT_EINVAL, "campaign: claim needs a worker name, a timeout > 0 s and max_attempts >= 1");
    VT_TRY(vt_store_begin(st));
    vt_store_rows *r = NULL;
    vt_status s = fail_abandoned(st, max_attempts);
    if (s == VT_OK) s = pick(st, &r);
    if (s == VT_OK && vt_store_rows_count(r)) {
        vt_sql_value p[3] = {vt_sql_text(worker), vt_sql_int(ms_of(timeout_s)), *vt_store_rows_get(r, 0, 0)};
        s = query(st,
                  "UPDATE campaign_jobs SET state = 'running', worker = ?, attempts = attempts + 1,"
                  " started_ms = @NOW@, heartbeat_ms = @NOW@, lease_ms = @NOW@ + ?, error = NULL WHERE id = ?",
                  3, p, NULL);
        if (s == VT_OK) s = job_of(r, worker, job);
    }
    vt_store_rows_free(r);
    if (s == VT_OK) s = vt_store_commit(st);
    else vt_store_rollback(st);
    if (s != VT_OK && *job) {
        vt_campaign_job_free(*job);
        *job = NULL;
    }
    return s;
}

vt_status vt_campaign_heartbeat(vt_store *st, const vt_campaign_job *job, double timeout_s, int *is_held)
{
    *is_held = 0;
    vt_sql_value p[4] = {vt_sql_int(ms_of(timeout_s)), vt_sql_int(job->id), vt_sql_text(job->worker),
                         vt_sql_int(job->attempt)};
    vt_store_rows *r = NULL;
    VT_TRY(query(st,
                 "UPDATE campaign_jobs SET heartbeat_ms = @NOW@, lease_ms = @NOW@ + ?"
                 " WHERE id = ? AND worker = ? AND attempts = ? AND state = 'running' RETURNING id",
                 4, p, &r));
    *is_held = vt_store_rows_count(r) == 1;
    vt_store_rows_free(r);
    return VT_OK;
}

vt_status vt_campaign_finish(vt_store *st, const vt_campaign_job *job, const char *run_identifier,
                             const char *error, int *is_held)
{
    *is_held = 0;
    vt_sql_value p[6] = {vt_sql_text(error ? "failed" : "done"), vt_sql_text(error ? NULL : run_identifier),
                         vt_sql_text(error), vt_sql_int(job->id), vt_sql_text(job->worker),
                         vt_sql_int(job->attempt)};
    vt_store_rows *r = NULL;
    VT_TRY(query(st,
                 "UPDATE campaign_jobs SET state = ?, finished_ms = @NOW@, lease_ms = NULL,"
                 " run_identifier = ?, error = ?"
                 " WHERE id = ? AND worker = ? AND attempts = ? AND state = 'running' RETURNING id",
                 6, p, &r));
    *is_held = vt_store_rows_count(r) == 1;
    vt_store_rows_free(r);
    return VT_OK;
}

vt_status vt_campaign_summary_get(vt_store *st, vt_campaign_summary *out)
{
    vt_store_rows *r = NULL;
    VT_TRY(query(st,
                 "SELECT COUNT(CASE WHEN state = 'queued' THEN 1 END),"
                 " COUNT(CASE WHEN state = 'running' THEN 1 END),"
                 " COUNT(CASE WHEN state = 'done' THEN 1 END),"
                 " COUNT(CASE WHEN state = 'failed' THEN 1 END),"
                 " COUNT(CASE WHEN state = 'running' AND lease_ms < @NOW@ THEN 1 END),"
                 " @NOW@, MIN(started_ms),"
                 " MAX(CASE WHEN state IN ('done', 'failed') THEN finished_ms END),"
                 " SUM(CASE WHEN state = 'done' THEN finished_ms - started_ms END)"
                 " FROM campaign_jobs",
                 0, NULL, &r));
    int64_t *n[] = {&out->n_queued, &out->n_running, &out->n_done, &out->n_failed, &out->n_expired};
    for (size_t k = 0; k < 5; k++) *n[k] = (int64_t)vt_store_rows_real(r, 0, k);
    out->now_s = vt_store_rows_real(r, 0, 5) / 1000.0;
    out->first_start_s = vt_store_rows_real(r, 0, 6) / 1000.0;
    out->last_finish_s = vt_store_rows_real(r, 0, 7) / 1000.0;
    out->busy_s = out->n_done ? vt_store_rows_real(r, 0, 8) / 1000.0 : 0.0;
    vt_store_rows_free(r);
    return VT_OK;
}

void vt_campaign_worker_name(char *buf, size_t size)
{
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    /* MPI launchers name the rank (Open MPI, MPICH/Hydra, PMIx); Slurm names an array task. */
    static const char *const rank_vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    const char *rank = NULL, *task = getenv("SLURM_ARRAY_TASK_ID");
    for (size_t k = 0; k < 3 && !rank; k++) rank = getenv(rank_vars[k]);
    snprintf(buf, size, "%s%s%.16s%s%.16s:%ld", host, rank ? ":rank" : "", rank ? rank : "", task ? ":task" : "",
             task ? task : "", (long)getpid());
}

/* ---------------------------------------------------------------------------------------------
** The worker loop. The heartbeat runs in a thread of its own with its own connection (a vt_store
** is single-threaded), opened at the first beat: jobs shorter than one heartbeat interval never
** open it. The main thread hands it the current job under the mutex; `seq` tells the thread
** whether the job it beat for is still the current one.
*/
typedef struct beat {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *url;
    const vt_campaign_work_opts *o;
    const vt_campaign_job *job; /* borrowed from the main thread; NULL between jobs */
    uint64_t seq;               /* incremented at each hand-over */
    int stop, is_lost;          /* is_lost: a beat found the job no longer held (for seq) */
    vt_store *st;               /* the thread's connection */
} beat;

static void logf_(const vt_campaign_work_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const vt_campaign_work_opts *o, const char *fmt, ...)
{
    if (!o->log) return;
    char line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->log(o->log_arg, line);
}

static struct timespec deadline_in(double s)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double ns = (double)t.tv_nsec + s * 1e9;
    t.tv_sec += (time_t)(ns / 1e9);
    t.tv_nsec = (long)fmod(ns, 1e9);
    return t;
}

/* One beat for job (a copy taken under the mutex). Returns is_held, or -1 when the database
 * could not be reached (logged; the next beat retries, and the lease covers the gap). */
static int beat_once(beat *b, const vt_campaign_job *job)
{
    int held = 0;
    vt_status s = b->st ? VT_OK : vt_store_open(b->url, &b->st);
    if (s == VT_OK) s = vt_campaign_heartbeat(b->st, job, b->o->timeout_s, &held);
    if (s == VT_OK) return held;
    logf_(b->o, "job %s: heartbeat failed: %s", job->key, vt_errmsg());
    vt_store_close(b->st); /* reconnect at the next beat */
    b->st = NULL;
    return -1;
}

static void *beat_main(void *arg)
{
    beat *b = arg;
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        if (!b->job) {
            pthread_cond_wait(&b->cv, &b->mu);
            continue;
        }
        uint64_t seq = b->seq;
        struct timespec due = deadline_in(b->o->heartbeat_s);
        while (!b->stop && b->seq == seq && pthread_cond_timedwait(&b->cv, &b->mu, &due) == 0) {
        }
        if (b->stop || b->seq != seq) continue;
        vt_campaign_job copy = *b->job; /* key, id, worker, attempt: what the beat needs */
        copy.formula = copy.schedule = NULL;
        pthread_mutex_unlock(&b->mu);
        int held = beat_once(b, &copy);
        pthread_mutex_lock(&b->mu);
        if (held == 0 && b->seq == seq && !b->is_lost) {
            b->is_lost = 1;
            logf_(b->o, "job %s: lost (its lease expired and another worker claimed it); its result will not be "
                        "marked by this worker", copy.key);
        }
    }
    pthread_mutex_unlock(&b->mu);
    vt_store_close(b->st);
    return NULL;
}

static void beat_set(beat *b, const vt_campaign_job *job)
{
    pthread_mutex_lock(&b->mu);
    b->job = job;
    b->seq++;
    b->is_lost = 0;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

vt_campaign_work_opts vt_campaign_work_opts_default(void)
{
    return (vt_campaign_work_opts){.heartbeat_s = 10, .timeout_s = 60, .max_attempts = 3, .poll_s = 2};
}

/* Run one claimed job and mark it; a failure of the runner is the job's failure, not the loop's. */
static vt_status run_job(vt_store *st, const vt_campaign_work_opts *o, vt_campaign_run_fn run, void *arg,
                         const vt_campaign_job *job, vt_campaign_work_stats *stats)
{
    char run_id[128] = "", error[1024] = "";
    logf_(o, "job %s: claimed by %s (attempt %d): %s", job->key, job->worker, job->attempt, job->formula);
    if (run(arg, st, job, run_id, sizeof run_id) != VT_OK) snprintf(error, sizeof error, "%s", vt_errmsg());
    int held = 0;
    VT_TRY(vt_campaign_finish(st, job, run_id[0] ? run_id : NULL, error[0] ? error : NULL, &held));
    if (!held) {
        stats->n_lost++;
        logf_(o, "job %s: no longer held by this worker: left to its new holder", job->key);
    } else if (error[0]) {
        stats->n_failed++;
        logf_(o, "job %s: failed: %s", job->key, error);
    } else {
        stats->n_done++;
        logf_(o, "job %s: done (run %s)", job->key, run_id[0] ? run_id : "-");
    }
    return VT_OK;
}

/* Nothing claimable: 1 when some job is still running elsewhere (its lease may expire). */
static vt_status others_running(vt_store *st, int *any)
{
    int64_t n = 0;
    VT_TRY(vt_store_query_int(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'running'", 0, NULL, &n));
    *any = n > 0;
    return VT_OK;
}

static vt_status work_loop(vt_store *st, beat *b, const vt_campaign_work_opts *o, const char *worker,
                           vt_campaign_run_fn run, void *arg, vt_campaign_work_stats *stats)
{
    for (size_t n = 0; !o->max_jobs || n < o->max_jobs;) {
        vt_campaign_job *job = NULL;
        VT_TRY(vt_campaign_claim(st, worker, o->timeout_s, o->max_attempts, &job));
        if (!job) {
            int any = 0;
            if (!o->no_wait) VT_TRY(others_running(st, &any));
            if (!any) break;
            struct timespec t = {(time_t)o->poll_s, (long)(fmod(o->poll_s, 1.0) * 1e9)};
            nanosleep(&t, NULL);
            continue;
        }
        beat_set(b, job);
        vt_status s = run_job(st, o, run, arg, job, stats);
        beat_set(b, NULL);
        vt_campaign_job_free(job);
        VT_TRY(s);
        n++;
    }
    return VT_OK;
}

vt_status vt_campaign_work(const char *url, const vt_campaign_work_opts *o, vt_campaign_run_fn run, void *arg,
                           vt_campaign_work_stats *stats)
{
    *stats = (vt_campaign_work_stats){0};
    if (!(o->heartbeat_s > 0) || !(o->timeout_s >= 2 * o->heartbeat_s) || !(o->poll_s > 0) || o->max_attempts < 1)
        VT_FAIL(VT_EINVAL, "campaign: need heartbeat > 0 s, timeout >= 2 x heartbeat, poll > 0 s, max attempts >= 1 "
                           "(got %g s, %g s, %g s, %d)", o->heartbeat_s, o->timeout_s, o->poll_s, o->max_attempts);
    char worker[128];
    if (o->worker && o->worker[0]) snprintf(worker, sizeof worker, "%s", o->worker);
    else vt_campaign_worker_name(worker, sizeof worker);
    vt_store *st = NULL;
    VT_TRY(vt_store_open(url, &st));
    beat b = {.url = url, .o = o};
    pthread_condattr_t ca;
    pthread_t th;
    int ok = pthread_condattr_init(&ca) == 0;
    ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
    ok = ok && pthread_mutex_init(&b.mu, NULL) == 0;
    ok = ok && pthread_cond_init(&b.cv, &ca) == 0;
    ok = ok && pthread_create(&th, NULL, beat_main, &b) == 0;
    vt_status s = ok ? work_loop(st, &b, o, worker, run, arg, stats)
                     : vt_err_set_(VT_ENOMEM, "campaign: cannot start the heartbeat thread");
    if (ok) {
        pthread_mutex_lock(&b.mu);
        b.stop = 1;
        pthread_cond_signal(&b.cv);
        pthread_mutex_unlock(&b.mu);
        pthread_join(th, NULL);
        pthread_cond_destroy(&b.cv);
        pthread_mutex_destroy(&b.mu);
    }
    pthread_condattr_destroy(&ca);
    vt_store_close(st);
    return s;
}
