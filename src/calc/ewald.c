/*
** ewald.c - reciprocal-space part of the Ewald sum, any triclinic cell.
**   E_rec = (2 pi / V) ke sum_{k != 0, |k| < kc} exp(-k^2 / (4 alpha^2)) / k^2 |S(k)|^2,
**   S(k) = sum_j q_j exp(i k.r_j),  k = 2 pi (m0 b0 + m1 b1 + m2 b2)  (b: reciprocal vectors
**   without 2 pi, the columns of the lattice inverse), summed over half of k-space times 2.
**   F_j = (4 pi / V) ke sum_k A(k) q_j Im(conj(S) exp(i k.r_j)) k,    A(k) = exp(-k^2/4alpha^2)/k^2
**   dE_k/d(strain_ab) = E_k [-delta_ab + 2 k_a k_b (1/(4 alpha^2) + 1/k^2)]  (V grows, k shrinks)
**   A cell with net charge Q gets the neutralising background E_Q = -pi ke Q^2 / (2 V alpha^2).
**   The real-space part (erfc(alpha r)/r) and the self energy are in pairforms.c and pair.c.
**   Parameters: alpha from erfc(alpha rc) = accuracy (unless given), kc from
**   exp(-kc^2/(4 alpha^2)) = accuracy; |m_k| <= kc |a_k| / (2 pi) bounds the k-vectors.
**   Written here: no Debian C library offers Ewald sums (LAMMPS has one inside its program).
**   Tests: tests/calc/test_pair.c (Madelung constants of NaCl and CsCl, independence of alpha,
**   finite differences), tests/calc/test_lammps_oracle.sh (kspace_style ewald).
*/
#include <complex.h>
#include <math.h>
#include <string.h>

#include "calc/pair.h"
#include "core/error.h"

#define MAX_KVEC_INDEX 2000 /* |m| beyond this: the accuracy asked for is unreasonable */

void vt_ewald_params(double rc, double acc, double alpha_given, double *alpha, double *kc)
{
    double a = alpha_given;
    if (!(a > 0)) { /* bisection of erfc(a rc) = acc; erfc is decreasing */
        double lo = 0.0, hi = 10.0 / rc;
        while (erfc(hi * rc) > acc) hi *= 2.0;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (erfc(mid * rc) > acc) lo = mid;
            else hi = mid;
        }
        a = hi;
    }
    *alpha = a;
    *kc = 2.0 * a * sqrt(-log(acc));
}

/* exp(i 2 pi m f) for m = -M..M, one row per atom: ph[i * (2M+1) + M + m]. */
static void phases(size_t n, const double (*frac)[3], int dir, int M, double complex *ph)
{
    size_t w = 2 * (size_t)M + 1;
    for (size_t i = 0; i < n; i++) {
        double complex *row = ph + i * w + M;
        double complex step = cexp(2.0 * M_PI * I * frac[i][dir]);
        row[0] = 1.0;
        for (int m = 1; m <= M; m++) {
            row[m] = row[m - 1] * step;
            row[-m] = conj(row[m]);
        }
    }
}

typedef struct kspace {
    size_t n;
    const double *q;
    int M[3];
    double complex *ph[3]; /* per direction, see phases() */
    double complex *pj;    /* exp(i k.r_j) of the current k */
} kspace;

/* One k-vector (and its mirror -k): energy, forces, virial. */
static void add_k(const kspace *ks, const int m[3], const double k[3], double pre, double alpha, double *energy,
                  double (*f)[3], double virial[3][3])
{
    double k2 = k[0] * k[0] + k[1] * k[1] + k[2] * k[2];
    double A = exp(-k2 / (4.0 * alpha * alpha)) / k2;
    double complex S = 0.0;
    size_t w[3];
    for (int d = 0; d < 3; d++) w[d] = 2 * (size_t)ks->M[d] + 1;
    for (size_t j = 0; j < ks->n; j++) {
        double complex p = ks->ph[0][j * w[0] + ks->M[0] + m[0]] * ks->ph[1][j * w[1] + ks->M[1] + m[1]] *
                           ks->ph[2][j * w[2] + ks->M[2] + m[2]];
        ks->pj[j] = p;
        S += ks->q[j] * p;
    }
    double S2 = creal(S) * creal(S) + cimag(S) * cimag(S);
    double Ek = 2.0 * pre * A * S2; /* k and -k */
    *energy += Ek;
    if (f) {
        double complex cS = conj(S);
        for (size_t j = 0; j < ks->n; j++) {
            double g = 4.0 * pre * A * ks->q[j] * cimag(cS * ks->pj[j]);
            for (int a = 0; a < 3; a++) f[j][a] += g * k[a];
        }
    }
    if (virial) {
        double c = 2.0 * (0.25 / (alpha * alpha) + 1.0 / k2);
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++) {
                double v = Ek * ((a == b ? -1.0 : 0.0) + c * k[a] * k[b]);
                virial[a][b] += v;
                if (b != a) virial[b][a] += v; /* bit-symmetric */
            }
    }
}

vt_status vt_ewald_recip(const vt_cell *c, const double *q, double alpha, double kc, double *energy,
                         double (*f)[3], double virial[3][3])
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    double V = vt_lattice_volume(c->lattice);
    kspace ks = {.n = c->n_atoms, .q = q};
    for (int d = 0; d < 3; d++) {
        double len = sqrt(c->lattice[d][0] * c->lattice[d][0] + c->lattice[d][1] * c->lattice[d][1] +
                          c->lattice[d][2] * c->lattice[d][2]);
        double M = floor(kc * len / (2.0 * M_PI));
        if (!(M <= MAX_KVEC_INDEX))
            VT_FAIL(VT_ERANGE, "ewald: %g k-vectors along lattice vector %d (at most %d): lower the accuracy or "
                    "raise the real-space cutoff", M, d + 1, MAX_KVEC_INDEX);
        ks.M[d] = (int)M;
    }
    double(*frac)[3] = vt_malloc(c->n_atoms * sizeof *frac);
    vt_status s = frac ? vt_cell_get_frac(c, frac) : vt_err_set_(VT_ENOMEM, "ewald: out of memory");
    for (int d = 0; d < 3 && s == VT_OK; d++) {
        ks.ph[d] = vt_malloc(c->n_atoms * (2 * (size_t)ks.M[d] + 1) * sizeof *ks.ph[d]);
        if (!ks.ph[d]) s = vt_err_set_(VT_ENOMEM, "ewald: out of memory for %zu atoms", c->n_atoms);
        else phases(c->n_atoms, (const double(*)[3])frac, d, ks.M[d], ks.ph[d]);
    }
    ks.pj = s == VT_OK ? vt_malloc(c->n_atoms * sizeof *ks.pj) : NULL;
    if (s == VT_OK && !ks.pj) s = vt_err_set_(VT_ENOMEM, "ewald: out of memory");
    if (s == VT_OK) {
        double pre = 2.0 * M_PI / V * VT_COULOMB_EV_A;
        for (int m0 = 0; m0 <= ks.M[0]; m0++)
            for (int m1 = -ks.M[1]; m1 <= ks.M[1]; m1++)
                for (int m2 = -ks.M[2]; m2 <= ks.M[2]; m2++) {
                    if (m0 == 0 && (m1 < 0 || (m1 == 0 && m2 <= 0))) continue; /* the other half, k = 0 */
                    int m[3] = {m0, m1, m2};
                    double k[3];
                    for (int a = 0; a < 3; a++) k[a] = 2.0 * M_PI * (m0 * inv[a][0] + m1 * inv[a][1] + m2 * inv[a][2]);
                    if (k[0] * k[0] + k[1] * k[1] + k[2] * k[2] > kc * kc) continue;
                    add_k(&ks, m, k, pre, alpha, energy, f, virial);
                }
        double Q = 0.0;
        for (size_t j = 0; j < c->n_atoms; j++) Q += q[j];
        double EQ = -M_PI * VT_COULOMB_EV_A * Q * Q / (2.0 * V * alpha * alpha);
        *energy += EQ;
        if (virial)
            for (int a = 0; a < 3; a++) virial[a][a] -= EQ; /* E_Q ~ 1/V */
    }
    vt_free(frac);
    for (int d = 0; d < 3; d++) vt_free(ks.ph[d]);
    vt_free(ks.pj);
    return s;
}
