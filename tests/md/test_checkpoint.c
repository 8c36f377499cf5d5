/* test_checkpoint.c - kill-and-resume is bit-identical (invariants (1)-(4) of md/checkpoint.c).
** For NVE and each thermostat: a reference run, then the same run in a child process killed with
** SIGKILL at random points (twice) and resumed; thermo log, trajectory and final state must be
** byte-identical. Also: a resume with other settings, other atoms, a damaged checkpoint or a
** checkpoint beyond the last step is refused with a message; extending a finished NVE run gives
** the bytes of one longer run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "md/lj.h"
#include "test.h"
#include "vitrum.h"

static char dir[256];

typedef struct paths {
    char log[300], traj[300], ckpt[300];
} paths;

static void make_paths(paths *p, const char *tag)
{
    snprintf(p->log, sizeof p->log, "%s/%s.log", dir, tag);
    snprintf(p->traj, sizeof p->traj, "%s/%s.xyz", dir, tag);
    snprintf(p->ckpt, sizeof p->ckpt, "%s/%s.ckpt", dir, tag);
}

static vt_md_opts options(vt_thermostat th, const paths *p, uint64_t n_steps)
{
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = 5.0;
    o.n_steps = n_steps;
    o.thermostat = th;
    o.T_start_K = 100.0;
    o.T_stop_K = th == VT_THERMOSTAT_NONE ? 100.0 : 140.0; /* a ramp: the target depends on the step */
    o.seed = 5;
    o.log_path = p->log;
    o.log_every = 7;
    o.traj_path = p->traj;
    o.traj_every = 50;
    o.checkpoint_path = p->ckpt;
    o.checkpoint_every = 40;
    return o;
}

static int with_history;   /* use a calculator with a history (lj.h) */
static int with_refresh;   /* ... and vt_md_opts.open_calc */
static int caller_calls;   /* computations on the caller's calculator before the run (as the
                              workflow's relaxations make on its calculator) */

static lj_params params(void)
{
    lj_params p = lj_argon();
    p.rc_A = 2.0 * p.sigma_A;
    p.has_history = with_history;
    return p;
}

static uint64_t last_first_step; /* where the last run_to_end() started (resumed) */

/* Run (or resume) to the end in this process; the final cell in *out. */
static vt_status run_to_end(vt_thermostat th, const paths *p, uint64_t n_steps, vt_cell **out)
{
    lj_params lj = params();
    vt_cell *c = lj_fcc(2, 7.3, 18, 0.0);
    vt_calc *calc = lj_open(&lj);
    for (int i = 0; i < caller_calls; i++) {
        vt_calc_result r = {0};
        vt_status s = vt_calc_compute(calc, c, &r);
        if (s != VT_OK) return s;
    }
    vt_md_opts o = options(th, p, n_steps);
    if (with_refresh) {
        o.open_calc = lj_open_fresh;
        o.open_calc_arg = &lj;
    }
    vt_md_summary sum;
    vt_status s = vt_md_run(c, calc, &o, &sum);
    last_first_step = sum.first_step;
    vt_calc_free(calc);
    *out = c;
    return s;
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

static int same_state(const vt_cell *a, const vt_cell *b)
{
    size_t n = a->n_atoms;
    return memcmp(a->lattice, b->lattice, sizeof a->lattice) == 0 && memcmp(a->pos, b->pos, n * sizeof *a->pos) == 0 &&
           memcmp(a->vel, b->vel, n * sizeof *a->vel) == 0 && memcmp(a->image, b->image, n * sizeof *a->image) == 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Start the run in a child and SIGKILL it as soon as its log holds kill_bytes (a random point of
 * its progress, whatever the machine's speed); 1 if it was killed before finishing. */
static int run_and_kill(vt_thermostat th, const paths *p, uint64_t n_steps, long kill_bytes)
{
    pid_t pid = fork();
    if (pid == 0) {
        vt_cell *c;
        vt_status s = run_to_end(th, p, n_steps, &c);
        vt_cell_free(c);
        _exit(s == VT_OK ? 0 : 3);
    }
    int status = 0;
    struct timespec tick = {0, 200000}; /* 0.2 ms */
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (file_size(p->log) >= kill_bytes) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        nanosleep(&tick, NULL);
    }
    return WIFSIGNALED(status);
}

/* 1 when log, trajectory and final state are identical. */
static int test_kill_resume(const char *name, vt_thermostat th)
{
    const uint64_t n_steps = 3000;
    paths ref, k;
    make_paths(&ref, "ref");
    make_paths(&k, "killed");
    const char *old[] = {ref.ckpt, ref.log, ref.traj, k.ckpt, k.log, k.traj};
    for (int i = 0; i < 6; i++) unlink(old[i]);
    vt_cell *a = NULL, *b = NULL;
    CHECK(run_to_end(th, &ref, n_steps, &a) == VT_OK);
    long size = file_size(ref.log);
    double f1 = 0.1 + 0.35 * rand() / (double)RAND_MAX, f2 = f1 + 0.1 + 0.35 * rand() / (double)RAND_MAX;
    int kills = run_and_kill(th, &k, n_steps, (long)(f1 * (double)size)); /* twice, at random points */
    kills += run_and_kill(th, &k, n_steps, (long)(f2 * (double)size));
    CHECK(run_to_end(th, &k, n_steps, &b) == VT_OK);
    int log_same = same_file(ref.log, k.log), traj_same = same_file(ref.traj, k.traj), state_same = same_state(a, b);
    printf("%-8s killed %d times (at %.0f%% and %.0f%% of the log), resumed from step %llu; log %s, trajectory %s, "
           "final state %s\n", name, kills, 100 * f1, 100 * f2, (unsigned long long)last_first_step, log_same ? "identical" : "DIFFERENT", traj_same ? "identical" : "DIFFERENT", state_same ? "identical" : "DIFFERENT");
    CHECK(kills == 2 && last_first_step > 0 && last_first_step < n_steps);
    vt_cell_free(a);
    vt_cell_free(b);
    return log_same && traj_same && state_same;
}

/* Resuming the killed run's checkpoint with other settings, atoms or a damaged file is refused. */
static void test_refusals(void)
{
    paths k;
    make_paths(&k, "killed"); /* the Langevin run of test_kill_resume, finished at step 3000 */
    lj_params lj = params();
    vt_calc *calc = lj_open(&lj);
    vt_cell *c = lj_fcc(2, 7.3, 18, 0.0);
    vt_md_opts o = options(VT_THERMOSTAT_LANGEVIN, &k, 3000);
    o.dt_fs = 4.0;
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EINVAL);
    printf("other dt: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "'dt_fs 5' there, 'dt_fs 4' now") != NULL);
    o = options(VT_THERMOSTAT_LANGEVIN, &k, 2000);
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EINVAL); /* with a ramp n_steps is a setting */
    CHECK(strstr(vt_errmsg(), "n_steps") != NULL);
    o.T_stop_K = o.T_start_K = 140.0; /* other temperatures */
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EINVAL);
    vt_cell_free(c);
    c = lj_fcc(2, 7.3, 18, 0.0);
    c->Z[3] = 36;
    o = options(VT_THERMOSTAT_LANGEVIN, &k, 3000);
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EINVAL);
    printf("other atoms: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "atom 4 is Z = 18 in the checkpoint") != NULL);
    c->Z[3] = 18;
    /* damaged: flip one byte in the middle */
    FILE *f = fopen(k.ckpt, "r+b");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    int byte = fgetc(f);
    fseek(f, size / 2, SEEK_SET);
    fputc(byte ^ 0x10, f);
    fclose(f);
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EPARSE);
    printf("damaged: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "checksum") != NULL);
    vt_calc_free(calc);
    vt_cell_free(c);
}

/* NVE without a ramp: n_steps is not a setting, so a finished run can be extended, giving the
 * bytes of one longer run. */
static void test_extend(void)
{
    paths one, two;
    make_paths(&one, "one");
    make_paths(&two, "two");
    unlink(one.ckpt), unlink(two.ckpt);
    vt_cell *a = NULL, *b = NULL;
    CHECK(run_to_end(VT_THERMOSTAT_NONE, &one, 1000, &a) == VT_OK);
    CHECK(run_to_end(VT_THERMOSTAT_NONE, &two, 600, &b) == VT_OK);
    vt_cell_free(b);
    CHECK(run_to_end(VT_THERMOSTAT_NONE, &two, 1000, &b) == VT_OK);
    CHECK(same_file(one.log, two.log) && same_file(one.traj, two.traj) && same_state(a, b));
    vt_cell_free(b);
    CHECK(run_to_end(VT_THERMOSTAT_NONE, &two, 900, &b) == VT_EINVAL); /* checkpoint beyond the end */
    printf("extended 600 -> 1000 steps: identical to one run; shortening refused: %s\n", vt_errmsg());
    vt_cell_free(a);
    vt_cell_free(b);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vt_test_ckpt_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    CHECK(test_kill_resume("NVE", VT_THERMOSTAT_NONE));
    CHECK(test_kill_resume("NHC", VT_THERMOSTAT_NHC));
    CHECK(test_kill_resume("CSVR", VT_THERMOSTAT_CSVR));
    CHECK(test_kill_resume("Langevin", VT_THERMOSTAT_LANGEVIN));
    test_refusals(); /* on the Langevin run's checkpoint */
    /* a calculator whose last bits depend on its history: resumed runs differ, unless a fresh
     * calculator is opened after every checkpoint (open_calc) */
    with_history = 1;
    CHECK(!test_kill_resume("history", VT_THERMOSTAT_NHC));
    with_refresh = 1;
    CHECK(test_kill_resume("history+open_calc", VT_THERMOSTAT_NHC));
    /* ... also when the caller's calculator has computed before the run (37 calls: the other
     * order): with open_calc the run never uses it for forces */
    caller_calls = 37;
    CHECK(test_kill_resume("history+open_calc+used", VT_THERMOSTAT_NHC));
    with_history = with_refresh = caller_calls = 0;
    test_extend();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    TEST_DONE();
}
