/* test_integrators.c - Maxwell-Boltzmann start, velocity Verlet against the analytic harmonic
** oscillator, and NVE energy conservation of a Lennard-Jones liquid. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "md/lj.h"
#include "test.h"
#include "vitrum.h"

/* ---- Maxwell-Boltzmann: zero momentum, exact T, equipartition per species, seeded ---- */
static void test_maxwell_boltzmann(void)
{
    const int n = 3000;
    double L[3][3] = {{30, 0, 0}, {0, 30, 0}, {0, 0, 30}};
    vt_cell *c = NULL, *d = NULL;
    CHECK(vt_cell_new(n, L, 0, &c) == VT_OK);
    for (int i = 0; i < n; i++) c->Z[i] = i % 2 ? 8 : 3; /* Li, O */
    CHECK(vt_md_maxwell_boltzmann(c, 1500.0, 7) == VT_OK);
    double p[3] = {0, 0, 0}, pscale = 0.0, mv2[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        double m = vt_element_by_Z(c->Z[i])->mass_amu;
        for (int k = 0; k < 3; k++) {
            p[k] += m * c->vel[i][k];
            pscale += m * fabs(c->vel[i][k]);
            mv2[i % 2] += m * c->vel[i][k] * c->vel[i][k];
        }
    }
    printf("MB: |P| / sum|p| = %.3g, T = %.15g K (want 1500)\n", sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]) / pscale,
           vt_md_temperature(c));
    for (int k = 0; k < 3; k++) CHECK(fabs(p[k]) < 1e-13 * pscale);
    CHECK_REL(vt_md_temperature(c), 1500.0, 1e-12);
    /* equipartition: <m v_x^2> = kB T for each species (3 x 1500 samples each: 2% sigma) */
    double kT = VT_KB_EV_PER_K * 1500.0;
    for (int s = 0; s < 2; s++) {
        double ratio = mv2[s] * VT_AMU_A2_PER_FS2_IN_EV / (3.0 * n / 2) / kT;
        printf("MB: species %d: <m v^2> / kB T = %.4f (want 1 +- 0.02)\n", s, ratio);
        CHECK(fabs(ratio - 1.0) < 0.06);
    }
    CHECK(vt_cell_copy(c, &d) == VT_OK);
    CHECK(vt_md_maxwell_boltzmann(d, 1500.0, 7) == VT_OK);
    CHECK(memcmp(c->vel, d->vel, n * sizeof *c->vel) == 0);
    CHECK(vt_md_maxwell_boltzmann(d, 1500.0, 8) == VT_OK);
    CHECK(memcmp(c->vel, d->vel, n * sizeof *c->vel) != 0);
    CHECK(vt_md_maxwell_boltzmann(d, -1.0, 8) == VT_EINVAL);
    vt_cell_free(c);
    vt_cell_free(d);
}

/* ---- harmonic oscillator ---- */
typedef struct osc_obs {
    double u0, omega, theta; /* amplitude A, 1/fs, discrete phase per step */
    double r0;
    double err_exact;        /* max |u - u0 cos(omega t)| */
    double err_discrete;     /* max |u - u0 cos(n theta)| (velocity Verlet's own solution) */
} osc_obs;

static vt_status osc_observe(void *arg, const vt_md_frame *f)
{
    osc_obs *o = arg;
    double u = f->cell->pos[1][0] - f->cell->pos[0][0] - o->r0;
    o->err_exact = fmax(o->err_exact, fabs(u - o->u0 * cos(o->omega * f->time_fs)));
    o->err_discrete = fmax(o->err_discrete, fabs(u - o->u0 * cos(o->theta * (double)f->step)));
    return VT_OK;
}

/* Two argon atoms on a spring k = 1 eV/A^2, stretched by u0 = 0.1 A, released at rest: the bond
 * length is r0 + u0 cos(omega t), omega = sqrt(k / mu), mu = m/2. Returns the max error. */
static double oscillator(double dt, osc_obs *o)
{
    double L[3][3] = {{40, 0, 0}, {0, 40, 0}, {0, 0, 40}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(2, L, VT_CELL_VEL, &c) == VT_OK);
    c->Z[0] = c->Z[1] = 18;
    lj_params p;
    memset(&p, 0, sizeof p);
    p.k_eV_A2 = 1.0;
    p.r0_A = 2.5;
    double m = vt_element_by_Z(18)->mass_amu, mu = 0.5 * m;
    memset(o, 0, sizeof *o);
    o->u0 = 0.1;
    o->r0 = p.r0_A;
    o->omega = sqrt(p.k_eV_A2 / (mu * VT_AMU_A2_PER_FS2_IN_EV));
    o->theta = acos(1.0 - 0.5 * (o->omega * dt) * (o->omega * dt));
    c->pos[0][0] = 10.0;
    c->pos[1][0] = 10.0 + p.r0_A + o->u0;
    vt_calc *calc = lj_open(&p);
    vt_md_opts opts = vt_md_opts_default();
    opts.dt_fs = dt;
    opts.n_steps = (uint64_t)(10.0 * 2.0 * M_PI / o->omega / dt); /* ten periods */
    opts.velocities = VT_VEL_KEEP;
    opts.min_distance_A = 0.0;
    opts.observe = osc_observe;
    opts.observe_arg = o;
    CHECK(vt_md_run(c, calc, &opts, NULL) == VT_OK);
    vt_calc_free(calc);
    vt_cell_free(c);
    return o->err_exact;
}

static void test_harmonic(void)
{
    osc_obs a, b;
    double e1 = oscillator(1.0, &a), e2 = oscillator(0.5, &b);
    printf("harmonic: period %.2f fs; max |u - u0 cos wt| / u0 = %.3g (dt 1 fs), %.3g (dt 0.5 fs), ratio %.3f "
           "(second order: 4); vs Verlet's discrete solution %.2g, %.2g\n",
           2 * M_PI / a.omega, e1 / a.u0, e2 / b.u0, e1 / e2, a.err_discrete / a.u0, b.err_discrete / b.u0);
    /* phase error of velocity Verlet after ten periods: (w dt)^2 / 24 x 20 pi = 1.3e-3 at dt = 1 fs */
    CHECK(e1 / a.u0 < 2e-3 && e1 / a.u0 > 5e-4);
    CHECK(e1 / e2 > 3.8 && e1 / e2 < 4.2);
    CHECK(a.err_discrete / a.u0 < 1e-9 && b.err_discrete / b.u0 < 1e-9);
}

/* ---- NVE: energy drift of a Lennard-Jones liquid ---- */
typedef struct series {
    size_t n, cap;
    double *t, *y;
} series;

static vt_status record_conserved(void *arg, const vt_md_frame *f)
{
    series *s = arg;
    if (s->n == s->cap) return VT_ERANGE;
    s->t[s->n] = f->time_fs;
    s->y[s->n++] = f->conserved_eV;
    return VT_OK;
}

static double slope(const series *s)
{
    double mt = 0, my = 0, stt = 0, sty = 0;
    for (size_t i = 0; i < s->n; i++) mt += s->t[i], my += s->y[i];
    mt /= (double)s->n, my /= (double)s->n;
    for (size_t i = 0; i < s->n; i++) stt += (s->t[i] - mt) * (s->t[i] - mt), sty += (s->t[i] - mt) * (s->y[i] - my);
    return sty / stt;
}

static void test_nve_drift(void)
{
    lj_params p = lj_argon();
    vt_cell *c = lj_fcc(3, 5.8, 18, 0.0); /* 108 atoms, rho sigma^3 = 0.81 */
    vt_calc *calc = lj_open(&p);
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = 4.0;
    o.n_steps = 2500; /* 10 ps */
    o.T_start_K = 240.0; /* melts: T settles near 120 K = eps / kB */
    o.min_distance_A = 0.0;
    series s = {0, 4096, NULL, NULL};
    double t[4096], y[4096];
    s.t = t, s.y = y;
    o.observe = record_conserved;
    o.observe_arg = &s;
    vt_md_summary sum;
    CHECK(vt_md_run(c, calc, &o, &sum) == VT_OK);
    double lo = y[0], hi = y[0];
    for (size_t i = 0; i < s.n; i++) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    double drift = slope(&s) * 1000.0 / (double)c->n_atoms; /* eV/atom/ps */
    printf("NVE LJ liquid (108 Ar, dt 4 fs, 10 ps, <T> %.1f K): drift %.3g eV/atom/ps, spread %.3g eV/atom "
           "(eps = %.4f eV)\n", sum.T_mean_K, drift, (hi - lo) / (double)c->n_atoms, p.eps_eV);
    CHECK(fabs(drift) < 2e-7);
    CHECK((hi - lo) / (double)c->n_atoms < 1e-4);
    CHECK(sum.T_mean_K > 90.0 && sum.T_mean_K < 150.0);
    vt_calc_free(calc);
    vt_cell_free(c);
}

int main(void)
{
    test_maxwell_boltzmann();
    test_harmonic();
    test_nve_drift();
    TEST_DONE();
}
