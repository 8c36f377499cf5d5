/* lj.h - test back ends for tests/md: shifted-force Lennard-Jones and a harmonic spring, by brute
** force over all pairs with the minimum image of near-orthogonal cells (cutoff below half the
** cell's width). Analytic, independent of vitrum's calculators.
**   LJ:     phi(r) = 4 eps [(s/r)^12 - (s/r)^6],  E(r) = phi(r) - phi(rc) - (r - rc) phi'(rc), r < rc
**           (energy and force continuous at rc: NVE conserves energy to the integrator's accuracy)
**   spring: E = k/2 (|r2 - r1| - r0)^2 between atoms 0 and 1 only
** Units: eV, A, eV/A, stress in GPa with ASE's sign, sigma_ab = (1/V) sum_pairs E'(r) d_a d_b / r. */
#ifndef VT_TEST_MD_LJ_H
#define VT_TEST_MD_LJ_H
#include <math.h>
#include <string.h>
#include "vitrum.h"

typedef struct lj_params {
    double eps_eV, sigma_A, rc_A;  /* LJ */
    double k_eV_A2, r0_A;          /* spring (when k_eV_A2 > 0, LJ is off) */
    long n_calls;                  /* computes so far */
    int has_history;               /* sum the pairs in reverse order in every other block of 37
                                      calls, as a neighbour list rebuilt now and then would: the
                                      result depends on the calls before (last bits) */
    long bad_call;                 /* > 0: this call sets the x force on atom 2 to bad_force_eV_A */
    double bad_force_eV_A;         /* (guard tests: NaN, or a huge kick) */
} lj_params;

static inline void lj_phi(const lj_params *p, double r, double *e, double *de)
{
    double sr6 = pow(p->sigma_A / r, 6.0);
    *e = 4.0 * p->eps_eV * (sr6 * sr6 - sr6);
    *de = -24.0 * p->eps_eV * (2.0 * sr6 * sr6 - sr6) / r;
}

/* Shifted-force pair energy and dE/dr (eV, eV/A); 0 beyond rc. */
static inline void lj_pair(const lj_params *p, double r, double *e, double *de)
{
    if (p->k_eV_A2 > 0.0) {
        *e = 0.5 * p->k_eV_A2 * (r - p->r0_A) * (r - p->r0_A);
        *de = p->k_eV_A2 * (r - p->r0_A);
        return;
    }
    if (r >= p->rc_A) {
        *e = *de = 0.0;
        return;
    }
    double ec, dec;
    lj_phi(p, p->rc_A, &ec, &dec);
    lj_phi(p, r, e, de);
    *e -= ec + (r - p->rc_A) * dec;
    *de -= dec;
}

static inline void lj_inverse(const double m[3][3], double inv[3][3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
        }
}

static inline vt_status lj_compute(void *state, const vt_cell *c, vt_calc_result *res)
{
    lj_params *p = state;
    p->n_calls++;
    double inv[3][3], E = 0.0, W[3][3] = {{0}};
    lj_inverse(c->lattice, inv);
    size_t n = p->k_eV_A2 > 0.0 ? 2 : c->n_atoms;
    if (res->forces) memset(res->forces, 0, c->n_atoms * sizeof *res->forces);
    int reverse = p->has_history && (p->n_calls / 37) % 2;
    for (size_t ii = 0; ii < n; ii++)
        for (size_t jj = ii + 1; jj < n; jj++) {
            size_t i = reverse ? n - 1 - jj : ii, j = reverse ? n - 1 - ii : jj;
            double d[3], f[3];
            for (int a = 0; a < 3; a++) d[a] = c->pos[j][a] - c->pos[i][a];
            for (int b = 0; b < 3; b++) f[b] = d[0] * inv[0][b] + d[1] * inv[1][b] + d[2] * inv[2][b];
            for (int b = 0; b < 3; b++) f[b] -= nearbyint(f[b]);
            for (int a = 0; a < 3; a++) d[a] = f[0] * c->lattice[0][a] + f[1] * c->lattice[1][a] + f[2] * c->lattice[2][a];
            double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), e, de;
            lj_pair(p, r, &e, &de);
            if (e == 0.0 && de == 0.0) continue;
            E += e;
            for (int a = 0; a < 3; a++) {
                double fa = de * d[a] / r; /* dE/d(r_j) */
                if (res->forces) {
                    res->forces[i][a] += fa;
                    res->forces[j][a] -= fa;
                }
                for (int b = 0; b < 3; b++) W[a][b] += fa * d[b];
            }
        }
    double V = vt_lattice_volume(c->lattice);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) res->stress_GPa[a][b] = W[a][b] / V * VT_EV_PER_A3_IN_GPA;
    res->energy_eV = E;
    if (p->bad_call > 0 && p->n_calls == p->bad_call && res->forces) res->forces[1][0] = p->bad_force_eV_A;
    return VT_OK;
}

static const vt_calc_ops lj_ops = {"test-lj", lj_compute, NULL};
static const vt_calc_ops lj_owned_ops = {"test-lj", lj_compute, vt_free};

static inline vt_calc *lj_new(const vt_calc_ops *ops, lj_params *p)
{
    vt_calc *calc = NULL;
    char settings[256];
    snprintf(settings, sizeof settings, "eps %.17g sigma %.17g rc %.17g k %.17g r0 %.17g\n", p->eps_eV, p->sigma_A,
             p->rc_A, p->k_eV_A2, p->r0_A);
    if (vt_calc_new_custom(ops, p, settings, &calc) != VT_OK) return NULL;
    return calc;
}

/* A calculator over caller-owned params (not freed by the calculator). */
static inline vt_calc *lj_open(lj_params *p) { return lj_new(&lj_ops, p); }

/* A calculator over its own copy of *p, counting calls from 0 (vt_md_opts.open_calc). */
static inline vt_status lj_open_fresh(void *p, vt_calc **out)
{
    lj_params *own = vt_malloc(sizeof *own);
    if (!own) return VT_ENOMEM;
    *own = *(const lj_params *)p;
    own->n_calls = 0;
    *out = lj_new(&lj_owned_ops, own);
    if (!*out) vt_free(own);
    return *out ? VT_OK : VT_ENOMEM;
}

/* Argon-like LJ (eps/kB = 120 K, sigma 3.4 A, rc 2.5 sigma). */
static inline lj_params lj_argon(void)
{
    lj_params p;
    memset(&p, 0, sizeof p);
    p.eps_eV = 120.0 * VT_KB_EV_PER_K;
    p.sigma_A = 3.4;
    p.rc_A = 2.5 * 3.4;
    return p;
}

/* fcc lattice of n x n x n conventional cells of side a (A), element Z, optionally displaced by
 * uniform noise of +-jitter_A (deterministic sequence). */
static inline vt_cell *lj_fcc(int n, double a, int Z, double jitter_A)
{
    static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    double L[3][3] = {{n * a, 0, 0}, {0, n * a, 0}, {0, 0, n * a}};
    vt_cell *c = NULL;
    if (vt_cell_new((size_t)(4 * n * n * n), L, 0, &c) != VT_OK) return NULL;
    size_t k = 0;
    unsigned long long x = 12345;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int l = 0; l < n; l++)
                for (int b = 0; b < 4; b++, k++) {
                    c->Z[k] = Z;
                    double cell[3] = {i, j, l};
                    for (int d = 0; d < 3; d++) {
                        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                        double u = (double)(x >> 11) * 0x1.0p-53 - 0.5;
                        c->pos[k][d] = (cell[d] + basis[b][d]) * a + 2.0 * jitter_A * u;
                    }
                }
    return c;
}
#endif
