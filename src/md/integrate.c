/*
** integrate.c - velocity Verlet and the thermostats: Nose-Hoover chains, CSVR, Langevin (BAOAB).
** Units: A, A/fs, fs, amu, eV, K. a = F * acc with acc = 1 / (m VT_AMU_A2_PER_FS2_IN_EV).
**
** One step of length dt (the thermostat's "half" parts act for dt/2 each):
**     half(dt/2)  kick(dt/2)  drift(dt)  forces  kick(dt/2)  half(dt/2)      NVE, NHC, CSVR
**     kick(dt/2)  drift(dt/2) O(dt) drift(dt/2)  forces  kick(dt/2)          Langevin (BAOAB)
**
** Nose-Hoover chains (Martyna, Tuckerman, Klein, Mol. Phys. 87, 1117 (1996); Tuckerman,
** "Statistical Mechanics", OUP 2010, sec. 4.11): masses Q1 = Nf kB T tau^2, Qj = kB T tau^2
** (j > 1, tau = tdamp_fs, as LAMMPS fix nvt sets them from Tdamp, recomputed every step so that
** temperature ramps keep the chain's frequency); the chain propagator of each half step is split
** into nhc_loops sub-steps of nhc_order Suzuki-Yoshida weights. Conserved:
**     H = Ekin + Epot + sum_j Qj vxi_j^2 / 2 + Nf kB T xi_1 + kB T sum_{j>1} xi_j.
** CSVR (Bussi, Donadio, Parrinello, J. Chem. Phys. 126, 014101 (2007), eq. A7): the kinetic
** energy K is resampled exactly from the Ornstein-Uhlenbeck process of time constant tau:
**     K' = (sqrt(c K) + sqrt((1 - c) K_t / Nf) R1)^2 + (1 - c) (K_t / Nf) S,   c = exp(-t / tau),
** R1 normal, S chi-squared with Nf - 1 degrees of freedom, K_t = Nf kB T / 2; velocities are
** scaled by alpha = sqrt(K' / K) with the sign of the first bracket.
** Langevin BAOAB (Leimkuhler, Matthews, Appl. Math. Res. Express 2013, 34): the O part is exact,
**     v <- c1 v + sqrt((1 - c1^2) kB T / m) R,   c1 = exp(-dt / tdamp),
** followed by removing the centre-of-mass velocity: in mass-weighted velocities the O part is an
** isotropic Ornstein-Uhlenbeck process, which commutes with that projection, so the 3N - 3
** remaining degrees of freedom are sampled exactly and Nf = 3N - 3 holds for every thermostat.
** CSVR and Langevin count the kinetic energy they add as heat: conserved = Etot - heat.
**
** Random numbers: the stream of step s is seeded from (seed, s) (vt_rng_derive), so a run resumed
** from a checkpoint draws the same numbers without storing generator state. Gaussian and gamma
** variates are written here because vitrum's generator must give the same bits on every platform
** (Box-Muller; Marsaglia & Tsang, ACM TOMS 26, 363 (2000), for the gamma distribution).
** Tests: tests/md/test_integrators.c, tests/md/test_thermostats.c.
*/
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "md/md.h"

enum { STREAM_MB = 1, STREAM_THERMOSTAT = 2 }; /* independent random streams of a seed */

/* ---- state ---- */

vt_status md_state_init(md_state *s, vt_cell *c, const vt_md_opts *o)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->o = o;
    s->n = c->n_atoms;
    if (s->n < 2) VT_FAIL(VT_EINVAL, "md: a cell of %zu atom(s); molecular dynamics needs at least 2", s->n);
    s->n_dof = 3.0 * (double)s->n - 3.0;
    s->mass_amu = vt_malloc(s->n * sizeof *s->mass_amu);
    s->acc = vt_malloc(s->n * sizeof *s->acc);
    s->f = vt_calloc(s->n, sizeof *s->f);
    s->noise = vt_malloc(3 * s->n * sizeof *s->noise);
    if (!s->mass_amu || !s->acc || !s->f || !s->noise) {
        md_state_clear(s);
        VT_FAIL(VT_ENOMEM, "md: out of memory for %zu atoms", s->n);
    }
    for (size_t i = 0; i < s->n; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        if (!e || !(e->mass_amu > 0.0)) {
            md_state_clear(s);
            VT_FAIL(VT_EINVAL, "md: atom %zu: no mass for Z = %d", i + 1, c->Z[i]);
        }
        s->mass_amu[i] = e->mass_amu;
        s->acc[i] = 1.0 / (e->mass_amu * VT_AMU_A2_PER_FS2_IN_EV);
    }
    return VT_OK;
}

void md_state_clear(md_state *s)
{
    vt_free(s->mass_amu);
    vt_free(s->acc);
    vt_free(s->f);
    vt_free(s->noise);
    s->mass_amu = s->acc = s->noise = NULL;
    s->f = NULL;
}

double md_kinetic_eV(const md_state *s)
{
    double sum = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        const double *v = s->c->vel[i];
        sum += s->mass_amu[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    return 0.5 * sum * VT_AMU_A2_PER_FS2_IN_EV;
}

double md_temperature(const md_state *s, double Ekin_eV) { return 2.0 * Ekin_eV / (s->n_dof * VT_KB_EV_PER_K); }

void md_zero_momentum(md_state *s)
{
    double p[3] = {0, 0, 0}, M = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        for (int k = 0; k < 3; k++) p[k] += s->mass_amu[i] * s->c->vel[i][k];
        M += s->mass_amu[i];
    }
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++) s->c->vel[i][k] -= p[k] / M;
}

static void scale_velocities(md_state *s, double alpha)
{
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++) s->c->vel[i][k] *= alpha;
}

void md_rescale_to(md_state *s, double T_K)
{
    double T = md_temperature(s, md_kinetic_eV(s));
    if (T > 0.0) scale_velocities(s, sqrt(T_K / T));
}

/* ---- random variates ---- */

/* Uniform in (0, 1]: safe for log(). */
static double uniform_open0(vt_rng *r) { return 1.0 - vt_rng_uniform(r); }

/* n standard normal numbers, Box-Muller in pairs. */
static void fill_gauss(vt_rng *r, double *out, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        double rad = sqrt(-2.0 * log(uniform_open0(r))), phi = 2.0 * M_PI * vt_rng_uniform(r);
        out[i] = rad * cos(phi);
        if (i + 1 < n) out[i + 1] = rad * sin(phi);
    }
}

static double gauss(vt_rng *r)
{
    double x;
    fill_gauss(r, &x, 1);
    return x;
}

/* Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang 2000). */
static double gamma_variate(vt_rng *r, double shape)
{
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = gauss(r), v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double u = uniform_open0(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

/* Sum of k squared standard normals (chi-squared, k >= 2): 2 Gamma(k/2). */
static double chi2_variate(vt_rng *r, double k) { return 2.0 * gamma_variate(r, 0.5 * k); }

void md_maxwell_boltzmann(md_state *s, double T_K, uint64_t seed)
{
    vt_rng r;
    vt_rng_seed(&r, vt_rng_derive(seed, STREAM_MB));
    fill_gauss(&r, s->noise, 3 * s->n);
    for (size_t i = 0; i < s->n; i++) {
        double sd = sqrt(VT_KB_EV_PER_K * T_K * s->acc[i]); /* sqrt(kT/m) in A/fs */
        for (int k = 0; k < 3; k++) s->c->vel[i][k] = sd * s->noise[3 * i + k];
    }
    md_zero_momentum(s);
    md_rescale_to(s, T_K);
}

vt_status vt_md_maxwell_boltzmann(vt_cell *c, double T_K, uint64_t seed)
{
    if (!(T_K >= 0.0 && T_K < 1e7)) VT_FAIL(VT_EINVAL, "Maxwell-Boltzmann: temperature %g K out of [0, 1e7)", T_K);
    VT_TRY(vt_cell_add_arrays(c, VT_CELL_VEL));
    md_state s;
    vt_md_opts o = vt_md_opts_default();
    VT_TRY(md_state_init(&s, c, &o));
    md_maxwell_boltzmann(&s, T_K, seed);
    md_state_clear(&s);
    return VT_OK;
}

double vt_md_temperature(const vt_cell *c)
{
    if (!c->vel || c->n_atoms < 2) return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        const double *v = c->vel[i];
        sum += (e ? e->mass_amu : NAN) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    return sum * VT_AMU_A2_PER_FS2_IN_EV / ((3.0 * (double)c->n_atoms - 3.0) * VT_KB_EV_PER_K);
}

/* ---- Nose-Hoover chain ---- */

static void nhc_masses(const md_state *s, double kT, double Q[MD_NHC_MAX])
{
    double tau2 = s->o->tdamp_fs * s->o->tdamp_fs;
    for (int j = 0; j < s->th.n_chain; j++) Q[j] = (j == 0 ? s->n_dof : 1.0) * kT * tau2; /* eV fs^2 */
}

/* Force on chain element j, 1/fs^2: the first is driven by the particles' kinetic energy K, the
 * others by the kinetic energy of the element before them. */
static double nhc_force(const md_state *s, const double Q[], int j, double K, double kT)
{
    if (j == 0) return (2.0 * K - s->n_dof * kT) / Q[0];
    return (Q[j - 1] * s->th.vxi[j - 1] * s->th.vxi[j - 1] - kT) / Q[j];
}

/* Update vxi[j] over d/2, between two exp(-d/4 vxi[j+1]) friction factors from the next element. */
static void nhc_kick(md_state *s, const double Q[], int j, double K, double kT, double d)
{
    double a = j + 1 < s->th.n_chain ? exp(-0.25 * d * s->th.vxi[j + 1]) : 1.0;
    s->th.vxi[j] = (s->th.vxi[j] * a + 0.5 * d * nhc_force(s, Q, j, K, kT)) * a;
}

static void nhc_half(md_state *s, vt_rng *r, double h)
{
    (void)r;
    static const double w3 = 1.3512071919596578, w5 = 0.41449077179437573; /* 1/(2-2^(1/3)), 1/(4-4^(1/3)) */
    static const double weights[3][5] = {{1.0}, {w3, 1.0 - 2.0 * w3, w3}, {w5, w5, 1.0 - 4.0 * w5, w5, w5}};
    const double *w = weights[s->o->nhc_order == 5 ? 2 : s->o->nhc_order == 3 ? 1 : 0];
    int n_w = s->o->nhc_order, M = s->th.n_chain;
    double kT = VT_KB_EV_PER_K * s->T_target_K, Q[MD_NHC_MAX];
    nhc_masses(s, kT, Q);
    double K = md_kinetic_eV(s), scale = 1.0;
    for (int loop = 0; loop < s->o->nhc_loops; loop++) {
        for (int k = 0; k < n_w; k++) {
            double d = w[k] * h / s->o->nhc_loops;
            for (int j = M - 1; j >= 0; j--) nhc_kick(s, Q, j, K, kT, d);
            double f = exp(-d * s->th.vxi[0]);
            scale *= f;
            K *= f * f;
            for (int j = 0; j < M; j++) s->th.xi[j] += d * s->th.vxi[j];
            for (int j = 0; j < M; j++) nhc_kick(s, Q, j, K, kT, d);
        }
    }
    scale_velocities(s, scale);
}

static double nhc_energy(const md_state *s)
{
    double kT = VT_KB_EV_PER_K * s->T_target_K, Q[MD_NHC_MAX], e = 0.0;
    nhc_masses(s, kT, Q);
    for (int j = 0; j < s->th.n_chain; j++)
        e += 0.5 * Q[j] * s->th.vxi[j] * s->th.vxi[j] + (j == 0 ? s->n_dof : 1.0) * kT * s->th.xi[j];
    return e;
}

/* ---- CSVR ---- */

static void csvr_half(md_state *s, vt_rng *r, double h)
{
    double K = md_kinetic_eV(s), Kt = 0.5 * s->n_dof * VT_KB_EV_PER_K * s->T_target_K;
    double c = exp(-h / s->o->tdamp_fs), R1 = gauss(r), S = chi2_variate(r, s->n_dof - 1.0);
    if (!(K > 0.0)) return; /* no velocities to scale: the direction is undefined */
    double first = sqrt(c * K) + sqrt((1.0 - c) * Kt / s->n_dof) * R1;
    double K_new = first * first + (1.0 - c) * Kt / s->n_dof * S;
    scale_velocities(s, copysign(sqrt(K_new / K), first));
    s->th.heat_eV += K_new - K;
}

/* ---- Langevin (the O of BAOAB) ---- */

static void langevin_mid(md_state *s, vt_rng *r, double dt)
{
    double K0 = md_kinetic_eV(s), c1 = exp(-dt / s->o->tdamp_fs), c2 = sqrt(1.0 - c1 * c1);
    double kT = VT_KB_EV_PER_K * s->T_target_K;
    fill_gauss(r, s->noise, 3 * s->n);
    for (size_t i = 0; i < s->n; i++) {
        double sd = c2 * sqrt(kT * s->acc[i]);
        for (int k = 0; k < 3; k++) s->c->vel[i][k] = c1 * s->c->vel[i][k] + sd * s->noise[3 * i + k];
    }
    md_zero_momentum(s);
    s->th.heat_eV += md_kinetic_eV(s) - K0;
}

static double heat_energy(const md_state *s) { return -s->th.heat_eV; }

/* Thermostats as data: the parts a step calls; NULL = none. */
typedef struct thermostat_type {
    void (*half)(md_state *s, vt_rng *r, double h);   /* at both ends of a step, h = dt / 2 */
    void (*middle)(md_state *s, vt_rng *r, double dt); /* between two half drifts */
    double (*energy)(const md_state *s);               /* its term of the conserved quantity, eV */
} thermostat_type;

static const thermostat_type thermostats[] = {
    [VT_THERMOSTAT_NONE] = {NULL, NULL, NULL},
    [VT_THERMOSTAT_NHC] = {nhc_half, NULL, nhc_energy},
    [VT_THERMOSTAT_CSVR] = {csvr_half, NULL, heat_energy},
    [VT_THERMOSTAT_LANGEVIN] = {NULL, langevin_mid, heat_energy},
};

void md_thermostat_start(md_state *s)
{
    memset(&s->th, 0, sizeof s->th);
    if (s->o->thermostat == VT_THERMOSTAT_NHC) s->th.n_chain = s->o->nhc_length;
}

double md_thermostat_energy(const md_state *s)
{
    const thermostat_type *t = &thermostats[s->o->thermostat];
    return t->energy ? t->energy(s) : 0.0;
}

/* ---- velocity Verlet ---- */

static void kick(md_state *s, double h)
{
    for (size_t i = 0; i < s->n; i++) {
        double a = h * s->acc[i];
        for (int k = 0; k < 3; k++) s->c->vel[i][k] += a * s->f[i][k];
    }
}

static void drift(md_state *s, double h)
{
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++) s->c->pos[i][k] += h * s->c->vel[i][k];
}

vt_status md_compute(md_state *s, vt_calc *calc, int want_stress)
{
    vt_calc_result r;
    memset(&r, 0, sizeof r);
    r.forces = s->f;
    r.want_stress = want_stress;
    VT_TRY(vt_calc_compute(calc, s->c, &r));
    s->Epot_eV = r.energy_eV;
    s->has_stress = want_stress;
    memcpy(s->stress_GPa, r.stress_GPa, sizeof s->stress_GPa);
    return VT_OK;
}

vt_status md_step(md_state *s, vt_calc *calc, int want_stress)
{
    const thermostat_type *t = &thermostats[s->o->thermostat];
    double dt = s->o->dt_fs;
    vt_rng r;
    vt_rng_seed(&r, vt_rng_derive(vt_rng_derive(s->o->seed, STREAM_THERMOSTAT), s->step + 1));
    if (t->half) t->half(s, &r, 0.5 * dt);
    kick(s, 0.5 * dt);
    if (t->middle) {
        drift(s, 0.5 * dt);
        t->middle(s, &r, dt);
        drift(s, 0.5 * dt);
    } else {
        drift(s, dt);
    }
    s->step++;
    VT_TRY(md_compute(s, calc, want_stress));
    kick(s, 0.5 * dt);
    if (t->half) t->half(s, &r, 0.5 * dt);
    return VT_OK;
}
