/* test_thermostats.c - NVT by Nose-Hoover chains, CSVR and Langevin on a Lennard-Jones liquid:
** <T> within 1% of the target and the variance of the kinetic energy equal to the canonical one,
** Var(K) = (Nf / 2) (kB T)^2, i.e. Var(T) / T^2 = 2 / Nf; temperature ramps; instant quench. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "md/lj.h"
#include "test.h"
#include "vitrum.h"

enum { N_BLOCKS = 20 };

typedef struct stats {
    uint64_t skip;                /* equilibration steps not sampled */
    uint64_t per_block;
    double sum[N_BLOCKS], n[N_BLOCKS];
    double sum_T, sum_T2, n_T;
    double ramp_err;              /* max |T_target - linear ramp| */
    double T0, T1;
    uint64_t n_steps;
} stats;

static vt_status sample(void *arg, const vt_md_frame *f)
{
    stats *s = arg;
    double want = s->T0 + (s->T1 - s->T0) * (double)f->step / (double)s->n_steps;
    s->ramp_err = fmax(s->ramp_err, fabs(f->T_target_K - want));
    if (f->step < s->skip) return VT_OK;
    size_t b = (size_t)((f->step - s->skip) / s->per_block);
    if (b >= N_BLOCKS) b = N_BLOCKS - 1;
    s->sum[b] += f->T_K;
    s->n[b] += 1;
    s->sum_T += f->T_K;
    s->sum_T2 += f->T_K * f->T_K;
    s->n_T += 1;
    return VT_OK;
}

/* 64 argon atoms at rho sigma^3 = 0.8 (cutoff 2 sigma, below half the 14.6 A box). */
static vt_cell *liquid(void) { return lj_fcc(2, 7.3, 18, 0.0); }

static void run_nvt(const char *name, vt_thermostat th, double tdamp, uint64_t n_steps)
{
    const double T = 120.0;
    lj_params p = lj_argon();
    p.rc_A = 2.0 * p.sigma_A;
    vt_cell *c = liquid();
    vt_calc *calc = lj_open(&p);
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = 5.0;
    o.n_steps = n_steps;
    o.thermostat = th;
    o.T_start_K = T;
    o.tdamp_fs = tdamp;
    o.seed = 11;
    o.min_distance_A = 0.0;
    stats s;
    memset(&s, 0, sizeof s);
    s.skip = n_steps / 10;
    s.per_block = (n_steps - s.skip) / N_BLOCKS;
    s.T0 = s.T1 = T;
    s.n_steps = n_steps;
    o.observe = sample;
    o.observe_arg = &s;
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_OK);
    double mean = s.sum_T / s.n_T, var = s.sum_T2 / s.n_T - mean * mean, bm = 0.0, bv = 0.0;
    for (int b = 0; b < N_BLOCKS; b++) bm += s.sum[b] / s.n[b] / N_BLOCKS;
    for (int b = 0; b < N_BLOCKS; b++) bv += pow(s.sum[b] / s.n[b] - bm, 2) / (N_BLOCKS - 1);
    double sem = sqrt(bv / N_BLOCKS), n_dof = 3.0 * (double)c->n_atoms - 3.0;
    double var_ratio = var / (mean * mean) / (2.0 / n_dof);
    printf("%-8s <T> = %.2f K +- %.2f (target %.0f K, %+.2f%%); Var(K) / canonical = %.3f (want 1)\n", name, mean, sem, T,
           100.0 * (mean / T - 1.0), var_ratio);
    CHECK(fabs(mean / T - 1.0) < 0.01);
    CHECK(sem / T < 0.004); /* the 1% test must be able to fail */
    CHECK(fabs(var_ratio - 1.0) < 0.15);
    vt_calc_free(calc);
    vt_cell_free(c);
}

/* Linear ramp 60 -> 180 K: targets follow the line; the temperature follows the target. */
static void test_ramp(void)
{
    lj_params p = lj_argon();
    p.rc_A = 2.0 * p.sigma_A;
    vt_cell *c = liquid();
    vt_calc *calc = lj_open(&p);
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = 5.0;
    o.n_steps = 20000;
    o.thermostat = VT_THERMOSTAT_LANGEVIN;
    o.T_start_K = 60.0;
    o.T_stop_K = 180.0;
    o.tdamp_fs = 200.0;
    o.min_distance_A = 0.0;
    stats s;
    memset(&s, 0, sizeof s);
    s.skip = 18000; /* the last tenth: targets 168 .. 180 K, mean 174 K */
    s.per_block = 100;
    s.T0 = 60.0, s.T1 = 180.0, s.n_steps = o.n_steps;
    o.observe = sample;
    o.observe_arg = &s;
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_OK);
    double mean = s.sum_T / s.n_T;
    printf("ramp 60 -> 180 K: target off the line by %.2g K; <T> over the last tenth %.1f K (target mean 174)\n",
           s.ramp_err, mean);
    CHECK(s.ramp_err < 1e-9);
    CHECK(fabs(mean - 174.0) < 0.05 * 174.0);
    vt_calc_free(calc);
    vt_cell_free(c);
}

/* Instant quench: the cell's velocities rescaled to exactly the new temperature; keep leaves them. */
static void test_quench(void)
{
    lj_params p = lj_argon();
    p.rc_A = 2.0 * p.sigma_A;
    vt_cell *c = liquid(), *d = NULL;
    vt_calc *calc = lj_open(&p);
    CHECK(vt_md_maxwell_boltzmann(c, 500.0, 3) == VT_OK);
    CHECK(vt_cell_copy(c, &d) == VT_OK);
    vt_md_opts o = vt_md_opts_default();
    o.n_steps = 0;
    o.velocities = VT_VEL_RESCALE;
    o.T_start_K = 50.0;
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_OK);
    printf("quench 500 -> 50 K: T = %.15g K\n", vt_md_temperature(c));
    CHECK_REL(vt_md_temperature(c), 50.0, 1e-12);
    for (int k = 0; k < 3; k++) CHECK_REL(c->vel[5][k], d->vel[5][k] * sqrt(0.1), 1e-12);
    o.velocities = VT_VEL_KEEP;
    CHECK(vt_md_run(d, calc, &o, NULL) == VT_OK);
    CHECK_REL(vt_md_temperature(d), 500.0, 1e-12);
    vt_calc_free(calc);
    vt_cell_free(c);
    vt_cell_free(d);
}

int main(void)
{
    run_nvt("NHC", VT_THERMOSTAT_NHC, 100.0, 100000);
    run_nvt("CSVR", VT_THERMOSTAT_CSVR, 100.0, 100000);
    run_nvt("Langevin", VT_THERMOSTAT_LANGEVIN, 100.0, 100000);
    test_ramp();
    test_quench();
    TEST_DONE();
}
