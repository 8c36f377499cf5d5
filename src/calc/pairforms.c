/*
** pairforms.c - the analytic pair functions of the built-in calculator, energy and dE/dr.
**   Short-range forms (r in A, energies in eV):
**     lj     E = 4 epsilon [(sigma/r)^12 - (sigma/r)^6]               epsilon eV, sigma A
**     buck   E = A exp(-r/rho) - C / r^6                               A eV, rho A, C eV A^6
**     morse  E = D [(1 - exp(-a (r - r0)))^2 - 1]                     D eV, a 1/A, r0 A
**            (= D [exp(-2a(r-r0)) - 2 exp(-a(r-r0))], LAMMPS morse and pedone)
**     each plus B12 / r^12 (eV A^12) when given: PMMCS's guard against the Buckingham catastrophe.
**   ZBL guard (Ziegler, Biersack, Littmark, The Stopping and Range of Ions in Solids, 1985):
**     Ezbl = ke Z1 Z2 / r * phi(r / as),  as = 0.46850 / (Z1^0.23 + Z2^0.23) A,
**     phi(x) = 0.18175 e^-3.19980x + 0.50986 e^-0.94229x + 0.28022 e^-0.40290x + 0.02817 e^-0.20162x
**     below zbl_inner the short-range term is Ezbl; between zbl_inner and zbl_outer it is
**     (1 - S) Ezbl + S E with S(x) = x^3 (10 - 15x + 6x^2), x = (r - inner) / (outer - inner): S and
**     its first two derivatives are 0 at inner and 1, 0, 0 at outer, so energy, force and force
**     derivative are continuous. The Coulomb term is not switched.
**   Shift: with "shift yes" (default) the short-range energy at the cutoff is subtracted, so E(rc) = 0;
**     the force is not shifted (it jumps at rc, as with LAMMPS pair_modify shift yes).
**   Coulomb, per unit charge product, ke = VT_COULOMB_EV_A:
**     dsf    ke [erfc(alpha r)/r - e_shift - r f_shift]   (Fennell & Gezelter, J. Chem. Phys. 124,
**            234104 (2006)) with LAMMPS coul/dsf's constants
**              f_shift = -(erfc(alpha rc)/rc^2 + 2 alpha/sqrt(pi) exp(-alpha^2 rc^2)/rc)
**              e_shift = erfc(alpha rc)/rc - f_shift rc
**            and self energy -(e_shift/2 + alpha/sqrt(pi)) ke q_i^2 per atom.
**     ewald  ke erfc(alpha r)/r (real-space part; self energy -alpha/sqrt(pi) ke q_i^2).
**   Tests: tests/calc/test_pair.c (finite differences), tests/calc/test_lammps_oracle.sh.
*/
#include <math.h>

#include "calc/pair.h"

#define TWO_OVER_SQRT_PI 1.1283791670955126 /* 2 / sqrt(pi) */

/* ZBL universal screening function coefficients and exponents. */
static const double zbl_c[4] = {0.18175, 0.50986, 0.28022, 0.02817};
static const double zbl_d[4] = {3.19980, 0.94229, 0.40290, 0.20162};

static void zbl_eval(int Z1, int Z2, double r, double *e, double *dedr)
{
    double as = 0.46850 / (pow(Z1, 0.23) + pow(Z2, 0.23));
    double x = r / as, phi = 0.0, dphi = 0.0;
    for (int k = 0; k < 4; k++) {
        double t = zbl_c[k] * exp(-zbl_d[k] * x);
        phi += t;
        dphi -= zbl_d[k] * t;
    }
    double pre = VT_COULOMB_EV_A * Z1 * Z2;
    *e = pre * phi / r;
    *dedr = pre * (dphi / (as * r) - phi / (r * r));
}

/* The form plus B12/r^12, unshifted, without the guard. */
static void form_eval(const vt_sr_term *t, double r, double *e, double *dedr)
{
    double ir = 1.0 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    switch (t->form) {
    case VT_SR_LJ: {
        double s6 = pow(t->p[1], 6.0) * ir6;
        *e = 4.0 * t->p[0] * (s6 * s6 - s6);
        *dedr = 4.0 * t->p[0] * (-12.0 * s6 * s6 + 6.0 * s6) * ir;
        break;
    }
    case VT_SR_BUCK: {
        double ex = t->p[0] * exp(-r / t->p[1]);
        *e = ex - t->p[2] * ir6;
        *dedr = -ex / t->p[1] + 6.0 * t->p[2] * ir6 * ir;
        break;
    }
    case VT_SR_MORSE: {
        double x = exp(-t->p[1] * (r - t->p[2]));
        *e = t->p[0] * (x * x - 2.0 * x);
        *dedr = 2.0 * t->p[0] * t->p[1] * (x - x * x);
        break;
    }
    }
    if (t->B12 != 0.0) {
        double b = t->B12 * ir6 * ir6;
        *e += b;
        *dedr -= 12.0 * b * ir;
    }
}

void vt_sr_eval(const vt_sr_term *t, double r, double *e, double *dedr)
{
    if (t->zbl_outer > 0 && r < t->zbl_outer) {
        double ez, dz;
        zbl_eval(t->Z1, t->Z2, r, &ez, &dz);
        if (r <= t->zbl_inner) {
            *e = ez - t->e_shift;
            *dedr = dz;
            return;
        }
        double ef, df, w = t->zbl_outer - t->zbl_inner, x = (r - t->zbl_inner) / w;
        form_eval(t, r, &ef, &df);
        double S = x * x * x * (10.0 + x * (-15.0 + 6.0 * x));
        double dS = 30.0 * x * x * (1.0 - x) * (1.0 - x) / w;
        *e = (1.0 - S) * ez + S * ef - t->e_shift;
        *dedr = (1.0 - S) * dz + S * df + dS * (ef - ez);
        return;
    }
    form_eval(t, r, e, dedr);
    *e -= t->e_shift;
}

void vt_coul_init(vt_coul *k, vt_coul_kind kind, double alpha, double cutoff)
{
    k->kind = kind, k->alpha = alpha, k->cutoff = cutoff, k->e_shift = k->f_shift = 0.0;
    if (kind == VT_COUL_DSF) { /* LAMMPS coul/dsf constants (see the file header) */
        double ec = erfc(alpha * cutoff);
        k->f_shift = -(ec / (cutoff * cutoff) + TWO_OVER_SQRT_PI * alpha * exp(-alpha * alpha * cutoff * cutoff) / cutoff);
        k->e_shift = ec / cutoff - k->f_shift * cutoff;
    }
}

void vt_coul_eval(const vt_coul *k, double r, double *e, double *dedr)
{
    double ec = erfc(k->alpha * r), ir = 1.0 / r;
    double g = TWO_OVER_SQRT_PI * k->alpha * exp(-k->alpha * k->alpha * r * r);
    *e = VT_COULOMB_EV_A * (ec * ir - k->e_shift - r * k->f_shift);
    *dedr = -VT_COULOMB_EV_A * ((ec * ir + g) * ir + k->f_shift);
}

double vt_coul_self(const vt_coul *k)
{
    if (k->kind == VT_COUL_NONE) return 0.0;
    return -(0.5 * k->e_shift + k->alpha / sqrt(M_PI)) * VT_COULOMB_EV_A;
}
