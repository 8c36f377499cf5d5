/*
** run.c - the MD run loop: start or resume, step, guard, log, trajectory, checkpoints.
** Units: A, A/fs, fs, amu, eV, K, GPa.
**
** Order of one step k (k = first_step + 1 .. n_steps):
**   keep the state of step k - 1 as the last good one; integrate (md/integrate.c); check the
**   guards (non-finite energy, forces or positions, an atom moving more than max_move_A, T above
**   T_max_K, a pair closer than min_distance_A); then, at multiples of their intervals, thermo-log
**   line, trajectory frame, observer call, checkpoint (trajectory and log flushed and fsync'ed
**   first, so the files always hold at least what the checkpoint records).
** Positions are integrated unwrapped (image counts untouched) so that no atom ever jumps by a
** lattice vector during the run; frames go out wrapped, with image counts, through a scratch copy.
** Thermo log: a '#' header line, then per line
**   step  time_fs  T_K  Epot_eV  Ekin_eV  Etot_eV  P_GPa  conserved_eV
** with P = -trace(stress)/3 + 2 Ekin / (3 V). Tests: tests/md/test_checkpoint.c,
** tests/md/test_resume.sh, tests/md/test_guards.c.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "md/md.h"

vt_md_opts vt_md_opts_default(void)
{
    vt_md_opts o;
    memset(&o, 0, sizeof o);
    o.dt_fs = 2.0;
    o.thermostat = VT_THERMOSTAT_NONE;
    o.T_start_K = NAN;
    o.T_stop_K = NAN;
    o.tdamp_fs = 100.0;
    o.nhc_length = 3;
    o.nhc_loops = 1;
    o.nhc_order = 3;
    o.velocities = VT_VEL_AUTO;
    o.seed = 1;
    o.min_distance_A = 0.5;
    o.max_move_A = 1.0;
    o.traj_every = 100;
    o.log_every = 100;
    o.checkpoint_every = 1000;
    o.observe_every = 1;
    return o;
}

static const char *symbol(int Z)
{
    const vt_element *e = vt_element_by_Z(Z);
    return e ? e->symbol : "?";
}

typedef struct run {
    md_state s;
    vt_md_opts o;           /* resolved copy of the caller's options */
    vt_calc *calc;          /* the caller's, or owned_calc */
    vt_calc *owned_calc;    /* opened through o.open_calc, or NULL */
    char *settings;         /* md_settings_text() */
    vt_cell *good;          /* the last good step (positions, velocities, image counts) */
    uint64_t good_step;
    vt_cell *frame;         /* scratch: the state wrapped for output */
    vt_trajout *traj;
    int log_fd;             /* -1: no log */
    uint64_t log_bytes;
    vt_nlist *nl;           /* pairs within min_distance_A (guard) */
    double T_max_K;
    double T_sum;           /* summary: sum of T over the steps run */
    uint64_t n_T;
} run;

/* ---- options ---- */

static vt_status check_opts(vt_md_opts *o, int has_vel)
{
    if (!(o->dt_fs > 0.0 && o->dt_fs <= 100.0)) VT_FAIL(VT_EINVAL, "md: dt_fs: expected a time step in (0, 100] fs, got %g", o->dt_fs);
    if ((unsigned)o->thermostat > VT_THERMOSTAT_LANGEVIN) VT_FAIL(VT_EINVAL, "md: thermostat: unknown value %d", (int)o->thermostat);
    if ((unsigned)o->velocities > VT_VEL_RESCALE) VT_FAIL(VT_EINVAL, "md: velocities: unknown value %d", (int)o->velocities);
    if (isnan(o->T_stop_K)) o->T_stop_K = o->T_start_K;
    int needs_T = o->thermostat != VT_THERMOSTAT_NONE || o->velocities == VT_VEL_MB || o->velocities == VT_VEL_RESCALE ||
                  (o->velocities == VT_VEL_AUTO && !has_vel);
    double T_lo = o->thermostat != VT_THERMOSTAT_NONE ? 1e-6 : 0.0;
    if (needs_T && !(o->T_start_K >= T_lo && o->T_start_K < 1e6 && o->T_stop_K >= T_lo && o->T_stop_K < 1e6))
        VT_FAIL(VT_EINVAL, "md: temperature: expected %s K below 1e6, got %g to %g", T_lo > 0 ? "> 0" : ">= 0", o->T_start_K, o->T_stop_K);
    if (o->velocities == VT_VEL_KEEP && !has_vel) VT_FAIL(VT_EINVAL, "md: velocities: 'keep' but the cell has no velocities");
    if (o->thermostat != VT_THERMOSTAT_NONE && !(o->tdamp_fs >= o->dt_fs && o->tdamp_fs < 1e9))
        VT_FAIL(VT_EINVAL, "md: tdamp_fs: expected at least the time step (%g fs), got %g", o->dt_fs, o->tdamp_fs);
    if (o->thermostat == VT_THERMOSTAT_NHC &&
        (o->nhc_length < 1 || o->nhc_length > MD_NHC_MAX || o->nhc_loops < 1 || o->nhc_loops > 100 ||
         (o->nhc_order != 1 && o->nhc_order != 3 && o->nhc_order != 5)))
        VT_FAIL(VT_EINVAL, "md: Nose-Hoover chain: length 1..%d, loops 1..100, order 1, 3 or 5 (got %d, %d, %d)",
                MD_NHC_MAX, o->nhc_length, o->nhc_loops, o->nhc_order);
    if (!(o->min_distance_A >= 0.0 && o->min_distance_A < 100.0)) VT_FAIL(VT_EINVAL, "md: min_distance_A: expected [0, 100) A, got %g", o->min_distance_A);
    if (!(o->max_move_A > 0.0)) VT_FAIL(VT_EINVAL, "md: max_move_A: expected > 0 A, got %g", o->max_move_A);
    if (!(o->T_max_K >= 0.0)) VT_FAIL(VT_EINVAL, "md: T_max_K: expected >= 0 K, got %g", o->T_max_K);
    if ((o->traj_path && !o->traj_every) || (o->log_path && !o->log_every) || (o->checkpoint_path && !o->checkpoint_every) ||
        (o->observe && !o->observe_every) || !o->log_every)
        VT_FAIL(VT_EINVAL, "md: output intervals must be at least 1 step");
    return VT_OK;
}

static double target_T(const vt_md_opts *o, uint64_t step)
{
    if (o->T_stop_K == o->T_start_K || o->n_steps == 0) return o->T_start_K;
    return o->T_start_K + (o->T_stop_K - o->T_start_K) * ((double)step / (double)o->n_steps);
}

static int is_every(uint64_t step, uint64_t every) { return every && step % every == 0; }

/* ---- output ---- */

static double pressure_GPa(const md_state *s, double Ekin_eV)
{
    if (!s->has_stress) return NAN;
    double static_P = -(s->stress_GPa[0][0] + s->stress_GPa[1][1] + s->stress_GPa[2][2]) / 3.0;
    return static_P + 2.0 * Ekin_eV / (3.0 * vt_cell_volume(s->c)) * VT_EV_PER_A3_IN_GPA;
}

static vt_md_frame observe_frame(const run *r)
{
    const md_state *s = &r->s;
    vt_md_frame f;
    f.step = s->step;
    f.time_fs = (double)s->step * r->o.dt_fs;
    f.Ekin_eV = md_kinetic_eV(s);
    f.T_K = md_temperature(s, f.Ekin_eV);
    f.T_target_K = s->T_target_K;
    f.Epot_eV = s->Epot_eV;
    f.Etot_eV = f.Epot_eV + f.Ekin_eV;
    f.P_GPa = pressure_GPa(s, f.Ekin_eV);
    f.conserved_eV = f.Etot_eV + md_thermostat_energy(s);
    f.cell = s->c;
    return f;
}

static vt_status log_write(run *r, const char *text, size_t n)
{
    while (n > 0) {
        ssize_t w = write(r->log_fd, text, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) VT_FAIL(VT_EIO, "%s: write failed: %s", r->o.log_path, strerror(errno));
        text += w;
        n -= (size_t)w;
        r->log_bytes += (uint64_t)w;
    }
    return VT_OK;
}

static vt_status log_line(run *r, const vt_md_frame *f)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%10llu %12.2f %10.3f %18.8f %16.8f %18.8f %12.6f %18.8f\n",
                     (unsigned long long)f->step, f->time_fs, f->T_K, f->Epot_eV, f->Ekin_eV, f->Etot_eV, f->P_GPa,
                     f->conserved_eV);
    return log_write(r, line, (size_t)n);
}

/* The state, wrapped into the cell with image counts, into r->frame. */
static vt_status wrapped_copy(run *r, const vt_cell *from)
{
    size_t n = from->n_atoms;
    memcpy(r->frame->lattice, from->lattice, sizeof from->lattice);
    memcpy(r->frame->pos, from->pos, n * sizeof *from->pos);
    memcpy(r->frame->vel, from->vel, n * sizeof *from->vel);
    memcpy(r->frame->image, from->image, n * sizeof *from->image);
    return vt_cell_wrap(r->frame);
}

/* Every trajectory call of the run goes through here. */
static vt_status traj_frame(run *r)
{
    VT_TRY(wrapped_copy(r, r->s.c));
    return vt_trajout_append(r->traj, r->frame, r->s.step, (double)r->s.step * r->o.dt_fs);
}

static vt_status outputs(run *r)
{
    uint64_t k = r->s.step;
    int want_log = r->log_fd >= 0 && is_every(k, r->o.log_every);
    int want_obs = r->o.observe && is_every(k, r->o.observe_every);
    if (want_log || want_obs) {
        vt_md_frame f = observe_frame(r);
        if (want_log) VT_TRY(log_line(r, &f));
        if (want_obs) VT_TRY(r->o.observe(r->o.observe_arg, &f));
    }
    if (r->traj && is_every(k, r->o.traj_every)) VT_TRY(traj_frame(r));
    return VT_OK;
}

static vt_status checkpoint(run *r)
{
    if (r->traj) VT_TRY(vt_trajout_flush(r->traj));
    if (r->log_fd >= 0 && fsync(r->log_fd) != 0) VT_FAIL(VT_EIO, "%s: fsync failed: %s", r->o.log_path, strerror(errno));
    md_ckpt_info info = {r->s.step, r->traj ? vt_trajout_frames(r->traj) : 0, r->log_bytes, r->T_max_K};
    return md_checkpoint_write(r->o.checkpoint_path, &r->s, r->settings, &info);
}

/* Open the log: a new file with its header, or the old one cut back to keep_bytes. */
static vt_status log_open(run *r, int is_resumed, uint64_t keep_bytes)
{
    const char *path = r->o.log_path;
    r->log_fd = open(path, is_resumed ? O_WRONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (r->log_fd < 0) VT_FAIL(VT_EIO, "%s: cannot open the thermo log: %s", path, strerror(errno));
    if (!is_resumed) {
        static const char head[] = "#     step      time_fs        T_K            Epot_eV          Ekin_eV"
                                   "            Etot_eV        P_GPa       conserved_eV\n";
        return log_write(r, head, sizeof head - 1);
    }
    off_t end = lseek(r->log_fd, 0, SEEK_END);
    if (end < 0 || (uint64_t)end < keep_bytes)
        VT_FAIL(VT_EPARSE, "%s: the thermo log is shorter (%lld bytes) than the checkpoint records (%llu)", path,
                (long long)end, (unsigned long long)keep_bytes);
    if (ftruncate(r->log_fd, (off_t)keep_bytes) != 0 || lseek(r->log_fd, (off_t)keep_bytes, SEEK_SET) < 0)
        VT_FAIL(VT_EIO, "%s: cannot cut the log back: %s", path, strerror(errno));
    r->log_bytes = keep_bytes;
    return VT_OK;
}

/* ---- guards ---- */

/* Stop: put the last good step back into the cell, write it out, and report msg. */
static vt_status unstable(run *r, const char *msg)
{
    char where[4200] = "";
    vt_cell *c = r->s.c;
    size_t n = c->n_atoms;
    memcpy(c->pos, r->good->pos, n * sizeof *c->pos);
    memcpy(c->vel, r->good->vel, n * sizeof *c->vel);
    memcpy(c->image, r->good->image, n * sizeof *c->image);
    if (r->o.last_good_path) {
        vt_status st = wrapped_copy(r, r->good);
        if (st == VT_OK) st = vt_structure_write(r->o.last_good_path, "extxyz", r->frame);
        if (st == VT_OK)
            snprintf(where, sizeof where, "; last good frame (step %llu) written to %s", (unsigned long long)r->good_step,
                     r->o.last_good_path);
        else
            snprintf(where, sizeof where, "; writing the last good frame failed: %s", vt_errmsg());
    }
    VT_FAIL(VT_EUNSTABLE, "md: step %llu: %s%s", (unsigned long long)r->s.step, msg, where);
}

static vt_status check_close_pairs(run *r, char *msg, size_t size)
{
    const vt_cell *c = r->s.c;
    VT_TRY(vt_nlist_update(r->nl, c, NULL));
    double floor2 = r->o.min_distance_A * r->o.min_distance_A;
    for (size_t i = 0; i < c->n_atoms; i++)
        for (size_t k = r->nl->start[i]; k < r->nl->start[i + 1]; k++) {
            size_t j = r->nl->j[k];
            double d2 = 0.0;
            for (int a = 0; a < 3; a++) {
                double d = c->pos[j][a] - c->pos[i][a];
                for (int b = 0; b < 3; b++) d += r->nl->shift[k][b] * c->lattice[b][a];
                d2 += d * d;
            }
            if (d2 < floor2) {
                size_t lo = i < j ? i : j, hi = i < j ? j : i;
                snprintf(msg, size, "atoms %zu (%s) and %zu (%s) are %.3f A apart (floor %g A)", lo + 1, symbol(c->Z[lo]),
                         hi + 1, symbol(c->Z[hi]), sqrt(d2), r->o.min_distance_A);
                return VT_OK;
            }
        }
    return VT_OK;
}

/* Writes a message into msg when a guard trips (msg[0] stays 0 otherwise). moves: compare with
 * the last good positions; T: the current temperature, K. */
static vt_status check_guards(run *r, int moves, double T, char *msg, size_t size)
{
    const md_state *s = &r->s;
    const vt_cell *c = s->c;
    msg[0] = '\0';
    if (!isfinite(s->Epot_eV)) {
        snprintf(msg, size, "the potential energy is not finite (%g eV)", s->Epot_eV);
        return VT_OK;
    }
    double limit2 = r->o.max_move_A * r->o.max_move_A;
    for (size_t i = 0; i < s->n; i++) {
        const double *f = s->f[i], *x = c->pos[i], *v = c->vel[i];
        if (!isfinite(f[0] + f[1] + f[2]) || !isfinite(x[0] + x[1] + x[2]) || !isfinite(v[0] + v[1] + v[2])) {
            snprintf(msg, size, "atom %zu (%s): non-finite force, position or velocity", i + 1, symbol(c->Z[i]));
            return VT_OK;
        }
        if (!moves) continue;
        const double *x0 = r->good->pos[i];
        double d2 = (x[0] - x0[0]) * (x[0] - x0[0]) + (x[1] - x0[1]) * (x[1] - x0[1]) + (x[2] - x0[2]) * (x[2] - x0[2]);
        if (d2 > limit2) {
            snprintf(msg, size, "atom %zu (%s) moved %.3g A in one step (limit %g A): lost", i + 1, symbol(c->Z[i]), sqrt(d2),
                     r->o.max_move_A);
            return VT_OK;
        }
    }
    if (T > r->T_max_K) {
        snprintf(msg, size, "temperature %.4g K above the runaway limit %g K", T, r->T_max_K);
        return VT_OK;
    }
    if (r->nl) VT_TRY(check_close_pairs(r, msg, size));
    return VT_OK;
}

/* Check the guards at the current step; VT_EUNSTABLE when one trips. */
static vt_status guard(run *r, int moves, double T)
{
    char msg[512];
    VT_TRY(check_guards(r, moves, T, msg, sizeof msg));
    return msg[0] ? unstable(r, msg) : VT_OK;
}

static void keep_good(run *r)
{
    const vt_cell *c = r->s.c;
    size_t n = c->n_atoms;
    memcpy(r->good->pos, c->pos, n * sizeof *c->pos);
    memcpy(r->good->vel, c->vel, n * sizeof *c->vel);
    memcpy(r->good->image, c->image, n * sizeof *c->image);
    r->good_step = r->s.step;
}

/* ---- start ---- */

static void start_velocities(run *r, int had_vel)
{
    md_state *s = &r->s;
    vt_md_velocities v = r->o.velocities;
    if (v == VT_VEL_AUTO) v = had_vel ? VT_VEL_KEEP : VT_VEL_MB;
    if (v == VT_VEL_MB) {
        md_maxwell_boltzmann(s, r->o.T_start_K, r->o.seed);
        return;
    }
    md_zero_momentum(s);
    if (v == VT_VEL_RESCALE) md_rescale_to(s, r->o.T_start_K);
}

static vt_status start(run *r, vt_cell *c, int had_vel, int *is_resumed, md_ckpt_info *ck)
{
    const vt_md_opts *o = &r->o;
    VT_TRY(md_state_init(&r->s, c, &r->o));
    md_thermostat_start(&r->s);
    VT_TRY(md_settings_text(&r->s, r->calc, &r->settings));
    *is_resumed = o->checkpoint_path && access(o->checkpoint_path, F_OK) == 0;
    if (*is_resumed) {
        VT_TRY(md_checkpoint_read(o->checkpoint_path, &r->s, r->settings, ck));
        if (ck->step > o->n_steps)
            VT_FAIL(VT_EINVAL, "%s: the checkpoint is at step %llu, beyond the run's last step %llu", o->checkpoint_path,
                    (unsigned long long)ck->step, (unsigned long long)o->n_steps);
        r->s.step = ck->step;
    } else {
        start_velocities(r, had_vel);
    }
    r->s.T_target_K = target_T(o, r->s.step);
    double T0 = md_temperature(&r->s, md_kinetic_eV(&r->s));
    if (o->T_max_K > 0.0) r->T_max_K = o->T_max_K;
    else if (*is_resumed) r->T_max_K = ck->T_max_K;
    else r->T_max_K = fmax(1000.0, 10.0 * fmax(T0, fmax(o->T_start_K, o->T_stop_K)));
    VT_TRY(vt_cell_copy(c, &r->good));
    VT_TRY(vt_cell_copy(c, &r->frame));
    r->good_step = r->s.step;
    if (o->min_distance_A > 0.0) VT_TRY(vt_nlist_new(o->min_distance_A, 1.0, 0, &r->nl));
    if (o->log_path) VT_TRY(log_open(r, *is_resumed, ck->log_bytes));
    if (o->traj_path) VT_TRY(vt_trajout_open(o->traj_path, o->traj_format, *is_resumed ? ck->traj_frames : 0, &r->traj));
    return VT_OK;
}

/* From here on a freshly opened calculator (o.open_calc): at the start of every run, fresh or
 * resumed, and after every checkpoint, so that each stretch between checkpoints starts from a
 * calculator without a past, whichever process runs it. */
static vt_status use_fresh_calc(run *r)
{
    vt_calc *fresh = NULL;
    VT_TRY(r->o.open_calc(r->o.open_calc_arg, &fresh));
    vt_calc_free(r->owned_calc);
    r->owned_calc = r->calc = fresh;
    return VT_OK;
}

/* A fresh calculator after a checkpoint, and the forces of this step from it, as a resumed run
 * has them. */
static vt_status refresh_calc(run *r)
{
    VT_TRY(use_fresh_calc(r));
    return md_compute(&r->s, r->calc, is_every(r->s.step, r->o.log_every));
}

static vt_status loop(run *r)
{
    md_state *s = &r->s;
    const vt_md_opts *o = &r->o;
    while (s->step < o->n_steps) {
        keep_good(r);
        s->T_target_K = target_T(o, s->step + 1);
        VT_TRY(md_step(s, r->calc, is_every(s->step + 1, o->log_every)));
        double T = md_temperature(s, md_kinetic_eV(s));
        VT_TRY(guard(r, 1, T));
        r->T_sum += T;
        r->n_T++;
        VT_TRY(outputs(r));
        if (o->checkpoint_path && (is_every(s->step, o->checkpoint_every) || s->step == o->n_steps)) {
            VT_TRY(checkpoint(r));
            if (o->open_calc && s->step < o->n_steps) VT_TRY(refresh_calc(r));
        }
    }
    return VT_OK;
}

static vt_status run_md(run *r, vt_cell *c, vt_md_summary *sum)
{
    int had_vel = c->vel != NULL, is_resumed = 0;
    md_ckpt_info ck = {0, 0, 0, 0.0};
    VT_TRY(check_opts(&r->o, had_vel));
    VT_TRY(vt_cell_add_arrays(c, VT_CELL_VEL | VT_CELL_IMAGE));
    VT_TRY(start(r, c, had_vel, &is_resumed, &ck));
    if (r->o.open_calc) VT_TRY(use_fresh_calc(r));
    /* forces of the starting state, with the stress an uninterrupted run had at this step */
    VT_TRY(md_compute(&r->s, r->calc, is_every(r->s.step, r->o.log_every)));
    VT_TRY(guard(r, 0, md_temperature(&r->s, md_kinetic_eV(&r->s))));
    if (!is_resumed) VT_TRY(outputs(r));
    sum->first_step = r->s.step;
    sum->is_resumed = is_resumed;
    sum->conserved_first_eV = observe_frame(r).conserved_eV;
    VT_TRY(loop(r));
    vt_md_frame f = observe_frame(r);
    sum->last_step = r->s.step;
    sum->T_mean_K = r->n_T ? r->T_sum / (double)r->n_T : NAN;
    sum->Epot_eV = f.Epot_eV;
    sum->Ekin_eV = f.Ekin_eV;
    sum->conserved_last_eV = f.conserved_eV;
    if (r->traj) VT_TRY(vt_trajout_flush(r->traj));
    return vt_cell_wrap(c);
}

vt_status vt_md_run(vt_cell *c, vt_calc *calc, const vt_md_opts *opts, vt_md_summary *summary)
{
    run r;
    memset(&r, 0, sizeof r);
    r.o = *opts;
    r.calc = calc;
    r.log_fd = -1;
    vt_md_summary local;
    vt_md_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    vt_status st = run_md(&r, c, sum);
    vt_status st_close = vt_trajout_close(r.traj);
    if (r.log_fd >= 0 && close(r.log_fd) != 0 && st_close == VT_OK)
        st_close = vt_err_set_(VT_EIO, "%s: close failed: %s", r.o.log_path, strerror(errno));
    if (st == VT_OK) st = st_close;
    vt_calc_free(r.owned_calc);
    vt_nlist_free(r.nl);
    vt_cell_free(r.good);
    vt_cell_free(r.frame);
    vt_free(r.settings);
    md_state_clear(&r.s);
    return st;
}
