/* test_fire.c - FIRE relaxation of a Lennard-Jones fcc crystal against its analytic lattice
** constant: for the shifted-force potential E(r) of tests/md/lj.h the energy per atom is
** e(a) = 1/2 sum_R E(|R|) over fcc lattice vectors R (|R| < rc), minimal where
** sum_R |R| E'(|R|) = 0, solved here by bisection (about 1.09 sigma nearest-neighbour distance
** for the full potential, 2^(1/6) sigma for a single pair; the cutoff shifts it). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "md/lj.h"
#include "test.h"
#include "vitrum.h"

/* e(a) (eV/atom) and its derivative de/da (eV/atom/A) from the lattice sum. */
static void lattice_sum(const lj_params *p, double a, double *e, double *de)
{
    int m = (int)ceil(2.0 * p->rc_A / a) + 1;
    *e = *de = 0.0;
    for (int i = -m; i <= m; i++)
        for (int j = -m; j <= m; j++)
            for (int k = -m; k <= m; k++) {
                if ((i + j + k) % 2 != 0 || (i == 0 && j == 0 && k == 0)) continue;
                double r = 0.5 * a * sqrt((double)(i * i + j * j + k * k)), u, du;
                lj_pair(p, r, &u, &du);
                *e += 0.5 * u;
                *de += 0.5 * du * r / a;
            }
}

static double analytic_a(const lj_params *p)
{
    double lo = 1.3 * p->sigma_A, hi = 1.8 * p->sigma_A, e, de;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        lattice_sum(p, mid, &e, &de);
        if (de > 0) hi = mid; else lo = mid;
    }
    return 0.5 * (lo + hi);
}

/* The test calculator's stress equals (1/V) dE/d(strain) by central differences. */
static void test_stress_fd(const lj_params *p0)
{
    lj_params p = *p0;
    vt_cell *c = lj_fcc(3, 5.5, 18, 0.3);
    vt_calc *calc = lj_open(&p);
    vt_calc_result r;
    memset(&r, 0, sizeof r);
    r.want_stress = 1;
    CHECK(vt_calc_compute(calc, c, &r) == VT_OK);
    double worst = 0.0, h = 1e-5, V = vt_cell_volume(c);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double E[2];
            for (int s = 0; s < 2; s++) {
                vt_cell *d = NULL;
                CHECK(vt_cell_copy(c, &d) == VT_OK);
                double eps = (s ? h : -h) * 0.5; /* symmetric strain (eps_ab = eps_ba) */
                for (int k = 0; k < 3; k++) { /* x' = (I + eps) x for lattice rows and positions */
                    double ra = c->lattice[k][a], rb = c->lattice[k][b];
                    d->lattice[k][a] += eps * rb, d->lattice[k][b] += eps * ra;
                }
                for (size_t i = 0; i < c->n_atoms; i++) {
                    double xa = c->pos[i][a], xb = c->pos[i][b];
                    d->pos[i][a] += eps * xb, d->pos[i][b] += eps * xa;
                }
                vt_calc_result rr;
                memset(&rr, 0, sizeof rr);
                CHECK(vt_calc_compute(calc, d, &rr) == VT_OK);
                E[s] = rr.energy_eV;
                vt_cell_free(d);
            }
            /* a == b: eps_aa = +-h; a != b: eps_ab = eps_ba = +-h/2; either way dE = V sigma_ab h */
            double fd = (E[1] - E[0]) / (2 * h) / V * VT_EV_PER_A3_IN_GPA;
            worst = fmax(worst, fabs(fd - r.stress_GPa[a][b]));
        }
    printf("test LJ stress vs finite differences of the energy: max error %.2g GPa\n", worst);
    CHECK(worst < 1e-6);
    vt_calc_free(calc);
    vt_cell_free(c);
}

static void test_positions(const lj_params *p0, double a0)
{
    lj_params p = *p0;
    double e0, de0;
    lattice_sum(&p, a0, &e0, &de0);
    vt_cell *c = lj_fcc(4, a0, 18, 0.15);
    vt_calc *calc = lj_open(&p);
    vt_relax_opts o = vt_relax_opts_default();
    o.fmax_eV_A = 2e-5;
    vt_relax_result res;
    CHECK(vt_relax(c, calc, &o, &res) == VT_OK);
    printf("FIRE positions (256 atoms, +-0.15 A): %llu steps, converged %d, fmax %.2g eV/A, E/atom %.12f eV "
           "(lattice sum %.12f)\n", (unsigned long long)res.steps, res.is_converged, res.fmax_eV_A,
           res.energy_eV / 256.0, e0);
    CHECK(res.is_converged && res.fmax_eV_A < 2e-5);
    CHECK(fabs(res.energy_eV / 256.0 - e0) < 1e-8);
    /* not converging is reported, not an error */
    vt_cell *d = lj_fcc(4, a0, 18, 0.15);
    o.max_steps = 3;
    CHECK(vt_relax(d, calc, &o, &res) == VT_OK);
    CHECK(!res.is_converged && res.steps == 3);
    vt_calc_free(calc);
    vt_cell_free(c);
    vt_cell_free(d);
}

static void test_cell(const lj_params *p0, double a0)
{
    lj_params p = *p0;
    vt_cell *c = lj_fcc(4, 1.04 * a0, 18, 0.1);
    vt_calc *calc = lj_open(&p);
    vt_relax_opts o = vt_relax_opts_default();
    o.fmax_eV_A = 1e-5;
    o.stress_tol_GPa = 1e-5;
    o.relax_cell = 1;
    o.max_steps = 5000;
    vt_relax_result res;
    CHECK(vt_relax(c, calc, &o, &res) == VT_OK);
    double a = cbrt(vt_cell_volume(c)) / 4.0, par[6];
    vt_lattice_parameters(c->lattice, par);
    printf("FIRE cell (start 1.04 a0): %llu steps, converged %d, a = %.8f A (analytic %.8f, %.1e rel), P = %.2g GPa, "
           "angles %.6f %.6f %.6f\n", (unsigned long long)res.steps, res.is_converged, a, a0, a / a0 - 1.0,
           res.pressure_GPa, par[3], par[4], par[5]);
    CHECK(res.is_converged);
    CHECK(fabs(a / a0 - 1.0) < 3e-6); /* da/a = P / (3 B) with B ~ 3 GPa */
    CHECK(fabs(res.pressure_GPa) < 1e-5);
    for (int k = 3; k < 6; k++) CHECK(fabs(par[k] - 90.0) < 1e-3);
    /* under 1 GPa the crystal shrinks: P_static = 1 GPa at the end */
    o.pressure_GPa = 1.0;
    CHECK(vt_relax(c, calc, &o, &res) == VT_OK);
    printf("FIRE cell at 1 GPa: a = %.6f A, P = %.6f GPa\n", cbrt(vt_cell_volume(c)) / 4.0, res.pressure_GPa);
    CHECK(res.is_converged && fabs(res.pressure_GPa - 1.0) < 1e-5 && cbrt(vt_cell_volume(c)) / 4.0 < a);
    vt_calc_free(calc);
    vt_cell_free(c);
}

int main(void)
{
    lj_params p = lj_argon();
    double a0 = analytic_a(&p);
    printf("analytic fcc lattice constant (shifted-force LJ, rc 2.5 sigma): a0 = %.10f A, r_nn = %.6f sigma "
           "(2^(1/6) = %.6f)\n", a0, a0 / sqrt(2.0) / p.sigma_A, pow(2.0, 1.0 / 6.0));
    test_stress_fd(&p);
    test_positions(&p, a0);
    test_cell(&p, a0);
    TEST_DONE();
}
