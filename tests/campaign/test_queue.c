/* test_queue.c - the campaign queue (src/store/queue.c) on the database named by $VT_STORE_URL (an
** empty one: tests/campaign/test_campaign_pg.sh passes a fresh PostgreSQL database), else a new
** SQLite file: schema step 1 -> 2 on an existing database, idempotent adds and job keys, claim
** order, lease expiry and re-claim (attempt + 1), fencing of a worker that lost its job
** (queue.c invariant 3), abandoned jobs failed after max_attempts, the worker loop with its
** heartbeat thread, and 4 processes draining 40 jobs with every job claimed exactly once
** (invariant 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "test.h"
#include "vitrum.h"

static char tmpdir[] = "/tmp/vt-queue-test.XXXXXX";
static char url[4200];

static int64_t count(vt_store *st, const char *sql, const char *text)
{
    vt_sql_value p = vt_sql_text(text);
    vt_store_rows *r = NULL;
    if (vt_store_query(st, sql, text ? 1 : 0, &p, &r) != VT_OK) {
        fprintf(stderr, "query failed: %s\n", vt_errmsg());
        return -1;
    }
    int64_t n = (int64_t)vt_store_rows_real(r, 0, 0);
    vt_store_rows_free(r);
    return n;
}

static void sleep_s(double s)
{
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}

/* A database at schema version 1 (the table dropped, the version put back) migrates to 2. */
static void test_migration(void)
{
    vt_store *st = NULL;
    CHECK(vt_store_open(url, &st) == VT_OK);
    CHECK(vt_store_query(st, "DROP TABLE campaign_jobs", 0, NULL, NULL) == VT_OK);
    CHECK(vt_store_query(st, "UPDATE schema_version SET version = 1", 0, NULL, NULL) == VT_OK);
    vt_store_close(st);
    CHECK(vt_store_open(url, &st) == VT_OK);
    int v = 0;
    CHECK(vt_store_schema_version(st, &v) == VT_OK && v == 2);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs", NULL) == 0);
    vt_store_close(st);
}

static void test_keys_and_add(vt_store *st)
{
    char k1[VT_CAMPAIGN_KEY_MAX + 1], k2[VT_CAMPAIGN_KEY_MAX + 1], k3[VT_CAMPAIGN_KEY_MAX + 1];
    vt_campaign_job_key("Li2O", "--quick\n", k1);
    vt_campaign_job_key("Li2O", "--quick\n--seed 2\n", k2);
    vt_campaign_job_key("Li2(SO4)-x", "--quick\n", k3);
    CHECK(strncmp(k1, "Li2O-", 5) == 0 && strlen(k1) == 5 + 16);
    CHECK(strcmp(k1, k2) != 0);
    CHECK(strncmp(k3, "Li2.SO4..x-", 11) == 0); /* '(' ')' '-' are not file-name safe here */
    /* FNV-1a 64 of "Li2O\n--quick\n", by hand: a stable key across versions and machines. */
    uint64_t h = 1469598103934665603ull;
    for (const char *s = "Li2O\n--quick\n"; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    char want[64];
    snprintf(want, sizeof want, "Li2O-%016llx", (unsigned long long)h);
    CHECK(strcmp(k1, want) == 0);

    int added = -1;
    CHECK(vt_campaign_add(st, "Li2O", "--quick\n", &added) == VT_OK && added == 1);
    CHECK(vt_campaign_add(st, "Li2O", "--quick\n", &added) == VT_OK && added == 0);
    CHECK(vt_campaign_add(st, "Li2O", "--quick\n--seed 2\n", &added) == VT_OK && added == 1);
    CHECK(vt_campaign_add(st, "Li3N", "--quick\n", &added) == VT_OK && added == 1);
    CHECK(vt_campaign_add(st, "", "--quick\n", &added) == VT_EINVAL);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'queued' AND attempts = 0", NULL) == 3);
}

/* Claims in creation order; an expired lease is claimed again first, with attempt + 1; the old
 * holder can neither heartbeat nor finish it any more. */
static void test_claim_lease_fence(vt_store *st)
{
    vt_campaign_job *a = NULL, *b = NULL, *c = NULL, *none = NULL;
    CHECK(vt_campaign_claim(st, "A", 0.3, 3, &a) == VT_OK && a && a->attempt == 1);
    CHECK(a && strcmp(a->formula, "Li2O") == 0 && strcmp(a->schedule, "--quick\n") == 0 && strcmp(a->worker, "A") == 0);
    CHECK(vt_campaign_claim(st, "B", 60, 3, &b) == VT_OK && b && strcmp(b->schedule, "--quick\n--seed 2\n") == 0);
    int held = -1;
    CHECK(a && vt_campaign_heartbeat(st, a, 0.3, &held) == VT_OK && held == 1);
    sleep_s(0.5); /* A's lease (0.3 s) expires */
    vt_campaign_summary m;
    CHECK(vt_campaign_summary_get(st, &m) == VT_OK && m.n_running == 2 && m.n_expired == 1 && m.n_queued == 1);
    CHECK(vt_campaign_claim(st, "C", 60, 3, &c) == VT_OK && c && a && c->id == a->id && c->attempt == 2);
    CHECK(a && vt_campaign_heartbeat(st, a, 60, &held) == VT_OK && held == 0);
    CHECK(a && vt_campaign_finish(st, a, NULL, NULL, &held) == VT_OK && held == 0);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'running' AND worker = ?", "C") == 1);
    CHECK(c && vt_campaign_finish(st, c, NULL, NULL, &held) == VT_OK && held == 1);
    CHECK(b && vt_campaign_finish(st, b, NULL, "volume search: not converged", &held) == VT_OK && held == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'failed' AND error = ?",
                "volume search: not converged") == 1);
    vt_campaign_job_free(a);
    vt_campaign_job_free(b);
    vt_campaign_job_free(c);
    /* Li3N is left; after it nothing is claimable. */
    CHECK(vt_campaign_claim(st, "A", 60, 3, &a) == VT_OK && a && strcmp(a->formula, "Li3N") == 0);
    CHECK(vt_campaign_claim(st, "B", 60, 3, &none) == VT_OK && none == NULL);
    CHECK(a && vt_campaign_finish(st, a, NULL, NULL, &held) == VT_OK && held == 1);
    vt_campaign_job_free(a);
    CHECK(vt_campaign_claim(st, "", 60, 3, &none) == VT_EINVAL && none == NULL);
    CHECK(vt_campaign_summary_get(st, &m) == VT_OK && m.n_done == 2 && m.n_failed == 1 && m.n_queued == 0 &&
          m.n_running == 0 && m.busy_s >= 0 && m.busy_s < 0.4 && m.last_finish_s >= m.first_start_s);
}

/* A job lost on its last allowed attempt is failed by the next claimer, which takes another. */
static void test_abandoned(vt_store *st)
{
    int added = 0;
    vt_campaign_job *a = NULL, *b = NULL;
    CHECK(vt_campaign_add(st, "Li4SiO4", "--quick\n", &added) == VT_OK && added);
    CHECK(vt_campaign_add(st, "Li2S", "--quick\n", &added) == VT_OK && added);
    CHECK(vt_campaign_claim(st, "dying", 0.1, 1, &a) == VT_OK && a && strcmp(a->formula, "Li4SiO4") == 0);
    sleep_s(0.3);
    CHECK(vt_campaign_claim(st, "B", 60, 1, &b) == VT_OK && b && strcmp(b->formula, "Li2S") == 0);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'failed' AND formula = 'Li4SiO4'"
                    " AND error LIKE 'abandoned:%' AND error LIKE ?", "%(last: dying)") == 1);
    int held = 0;
    CHECK(b && vt_campaign_finish(st, b, NULL, NULL, &held) == VT_OK && held);
    vt_campaign_job_free(a);
    vt_campaign_job_free(b);
}

/* The worker loop: a runner that fails one job, and long jobs kept alive by the heartbeat. */
typedef struct calls { int n; double sleep_s; } calls;

static vt_status runner(void *arg, vt_store *st, const vt_campaign_job *job, char *run_id, size_t size)
{
    calls *c = arg;
    (void)st;
    c->n++;
    sleep_s(c->sleep_s);
    if (strcmp(job->formula, "LiNbO3") == 0) return vt_err_set_(VT_EINVAL, "element Nb is not in the parameter file");
    snprintf(run_id, size, "%s", job->key);
    return VT_OK;
}

static void test_work_loop(vt_store *st)
{
    static const char *const f[] = {"Li2ZrO3", "LiNbO3", "Li3PO4"};
    int added = 0;
    for (int i = 0; i < 3; i++) CHECK(vt_campaign_add(st, f[i], "--work\n", &added) == VT_OK && added);
    vt_campaign_work_opts o = vt_campaign_work_opts_default();
    o.worker = "loop";
    o.heartbeat_s = 0.05; /* jobs of 0.3 s: several beats each, the lease (0.15 s) never expires */
    o.timeout_s = 0.15;
    o.no_wait = 1;
    calls c = {0, 0.3};
    vt_campaign_work_stats ws;
    CHECK(vt_campaign_work(url, &o, runner, &c, &ws) == VT_OK);
    CHECK(c.n == 3 && ws.n_done == 2 && ws.n_failed == 1 && ws.n_lost == 0);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE worker = ? AND attempts = 1 AND"
                    " heartbeat_ms >= started_ms + 200", "loop") == 3);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'done' AND run_identifier = job_key"
                    " AND schedule = ?", "--work\n") == 2);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE state = 'failed' AND formula = 'LiNbO3'"
                    " AND run_identifier IS NULL AND error = ?", "element Nb is not in the parameter file") == 1);
    o.timeout_s = 0.05; /* not >= 2 x heartbeat */
    CHECK(vt_campaign_work(url, &o, runner, &c, &ws) == VT_EINVAL);
}

/* 4 processes drain 40 jobs; each job is claimed once (recorded in a table by the runner). */
static vt_status record_claim(void *arg, vt_store *st, const vt_campaign_job *job, char *run_id, size_t size)
{
    (void)arg, (void)run_id, (void)size;
    sleep_s(0.01); /* a job long enough for the 4 processes to overlap */
    vt_sql_value p[2] = {vt_sql_int(job->id), vt_sql_text(job->worker)};
    return vt_store_query(st, "INSERT INTO claims_seen (job_id, worker) VALUES (?, ?)", 2, p, NULL);
}

static void test_processes(vt_store **stp)
{
    vt_store *st = *stp;
    CHECK(vt_store_query(st, "CREATE TABLE claims_seen (job_id BIGINT NOT NULL, worker TEXT NOT NULL)", 0, NULL,
                         NULL) == VT_OK);
    CHECK(vt_store_begin(st) == VT_OK);
    for (int i = 0; i < 40; i++) {
        char f[32];
        int added = 0;
        snprintf(f, sizeof f, "Li%dO", i + 1);
        CHECK(vt_campaign_add(st, f, "--race\n", &added) == VT_OK && added);
    }
    CHECK(vt_store_commit(st) == VT_OK);
    vt_store_close(st); /* no connection crosses the fork (SQLite forbids it) */
    fflush(stdout);
    pid_t pid[4];
    for (int w = 0; w < 4; w++) {
        if ((pid[w] = fork()) == 0) {
            vt_campaign_work_opts o = vt_campaign_work_opts_default();
            o.no_wait = 1;
            vt_campaign_work_stats ws;
            _exit(vt_campaign_work(url, &o, record_claim, NULL, &ws) == VT_OK ? 0 : 1);
        }
    }
    int ok = 1;
    for (int w = 0; w < 4; w++) {
        int status = 0;
        ok &= waitpid(pid[w], &status, 0) == pid[w] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK(ok);
    CHECK(vt_store_open(url, stp) == VT_OK);
    if (!(st = *stp)) return;
    CHECK(count(st, "SELECT COUNT(*) FROM claims_seen", NULL) == 40);
    CHECK(count(st, "SELECT COUNT(DISTINCT job_id) FROM claims_seen", NULL) == 40);
    CHECK(count(st, "SELECT COUNT(*) FROM campaign_jobs WHERE schedule = ? AND state = 'done' AND attempts = 1",
                "--race\n") == 40);
    int64_t workers = count(st, "SELECT COUNT(DISTINCT worker) FROM claims_seen", NULL);
    printf("40 jobs drained by %lld of 4 processes\n", (long long)workers);
    CHECK(workers >= 2);
}

static void test_worker_name(void)
{
    char name[128];
    setenv("OMPI_COMM_WORLD_RANK", "3", 1);
    setenv("SLURM_ARRAY_TASK_ID", "17", 1);
    vt_campaign_worker_name(name, sizeof name);
    char tail[64];
    snprintf(tail, sizeof tail, ":rank3:task17:%ld", (long)getpid());
    CHECK(strlen(name) > strlen(tail) && strcmp(name + strlen(name) - strlen(tail), tail) == 0);
    unsetenv("OMPI_COMM_WORLD_RANK");
    unsetenv("SLURM_ARRAY_TASK_ID");
    vt_campaign_worker_name(name, sizeof name);
    CHECK(strstr(name, ":rank") == NULL && strstr(name, ":task") == NULL);
}

int main(void)
{
    const char *env = getenv("VT_STORE_URL");
    if (env && env[0]) {
        snprintf(url, sizeof url, "%s", env);
    } else {
        if (!mkdtemp(tmpdir)) return 1;
        snprintf(url, sizeof url, "%s/queue.db", tmpdir);
    }
    test_migration();
    vt_store *st = NULL;
    CHECK(vt_store_open(url, &st) == VT_OK);
    if (st) {
        printf("back end: %s\n", vt_store_backend(st));
        test_keys_and_add(st);
        test_claim_lease_fence(st);
        test_abandoned(st);
        test_work_loop(st);
        test_processes(&st);
    }
    vt_store_close(st);
    test_worker_name();
    if (!env || !env[0]) {
        char cmd[4300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    TEST_DONE();
}
