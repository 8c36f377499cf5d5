/* eos.c - pressure-volume equations of state for the MPMorph volume search: the volume V0 where a
** liquid's mean pressure vanishes, from short NVT runs at a few volumes.
**
** Birch-Murnaghan (third order) in its pressure form, with x = (V0 / V)^(1/3):
**     P(V) = 3/2 B0 (x^7 - x^5) [1 + 3/4 (B0' - 4)(x^2 - 1)]
** fitted by Levenberg-Marquardt on (V0, B0, B0'), started, as MPMorph does, from a quadratic
** P(V) fit (V0 its root, B0 = -V dP/dV there, B0' = 4). The polynomial form is that quadratic
** itself (a line through two points). Hand-written: three parameters and a handful of points,
** where a general solver (GSL's multifit, GPL) would be the larger dependency.
** Units: V in A^3, P and B0 in GPa, B0' dimensionless.
*/
#include <math.h>
#include <string.h>

#include "core/error.h"

enum { MAX_POINTS = 10000, MAX_LM_ITER = 500 };

double vt_eos_pressure(const vt_eos *e, double V_A3)
{
    if (e->kind == VT_EOS_POLY) {
        double u = V_A3 / e->V0_A3 - 1.0;
        return e->poly[0] + u * (e->poly[1] + u * e->poly[2]);
    }
    double x = cbrt(e->V0_A3 / V_A3), x2 = x * x, x5 = x2 * x2 * x;
    return 1.5 * e->B0_GPa * (x5 * x2 - x5) * (1.0 + 0.75 * (e->B0_prime - 4.0) * (x2 - 1.0));
}

/* Solve the 3x3 system A s = b by Gaussian elimination with partial pivoting; 0 if singular. */
static int solve3(double A[3][3], double b[3], double s[3])
{
    for (int c = 0; c < 3; c++) {
        int p = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(A[r][c]) > fabs(A[p][c])) p = r;
        if (!(fabs(A[p][c]) > 1e-300)) return 0;
        for (int k = 0; k < 3; k++) {
            double t = A[c][k];
            A[c][k] = A[p][k], A[p][k] = t;
        }
        double t = b[c];
        b[c] = b[p], b[p] = t;
        for (int r = c + 1; r < 3; r++) {
            double f = A[r][c] / A[c][c];
            for (int k = c; k < 3; k++) A[r][k] -= f * A[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int c = 2; c >= 0; c--) {
        double v = b[c];
        for (int k = c + 1; k < 3; k++) v -= A[c][k] * s[k];
        s[c] = v / A[c][c];
    }
    return 1;
}

/* Least-squares polynomial P = c0 + c1 u + c2 u^2 in u = V / Vref - 1 (degree 1 with two points). */
static int fit_poly(size_t n, const double *V, const double *P, double Vref, double c[3])
{
    int deg = n >= 3 ? 2 : 1;
    double A[3][3] = {{0}}, b[3] = {0};
    for (size_t i = 0; i < n; i++) {
        double u = V[i] / Vref - 1.0, pw[3] = {1.0, u, u * u};
        for (int r = 0; r <= deg; r++) {
            for (int k = 0; k <= deg; k++) A[r][k] += pw[r] * pw[k];
            b[r] += pw[r] * P[i];
        }
    }
    if (deg == 1) A[2][2] = 1.0; /* c2 = 0 */
    return solve3(A, b, c);
}

/* The root of the quadratic nearest u = 0 (the middle of the data); 0 when there is none. */
static int poly_root(const double c[3], double *u)
{
    if (fabs(c[2]) < 1e-12 * (fabs(c[1]) + 1e-300)) {
        if (c[1] == 0) return 0;
        *u = -c[0] / c[1];
        return 1;
    }
    double disc = c[1] * c[1] - 4.0 * c[2] * c[0];
    if (disc < 0) return 0;
    double q = -0.5 * (c[1] + copysign(sqrt(disc), c[1])); /* the stable pair of roots */
    double u1 = q / c[2], u2 = c[0] / q;
    *u = fabs(u1) < fabs(u2) ? u1 : u2;
    return 1;
}

static double sum_sq(const vt_eos *e, size_t n, const double *V, const double *P)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double r = vt_eos_pressure(e, V[i]) - P[i];
        s += r * r;
    }
    return s;
}

/* Levenberg-Marquardt on (V0, B0, B0') with forward-difference Jacobians. */
static vt_status fit_bm3(size_t n, const double *V, const double *P, vt_eos *e)
{
    double lambda = 1e-3, s = sum_sq(e, n, V, P);
    for (int it = 0; it < MAX_LM_ITER; it++) {
        double *par[3] = {&e->V0_A3, &e->B0_GPa, &e->B0_prime}, JtJ[3][3] = {{0}}, Jtr[3] = {0};
        for (size_t i = 0; i < n; i++) {
            double r = vt_eos_pressure(e, V[i]) - P[i], J[3];
            for (int k = 0; k < 3; k++) {
                double keep = *par[k], h = 1e-7 * fmax(fabs(keep), 1e-3);
                *par[k] = keep + h;
                J[k] = (vt_eos_pressure(e, V[i]) - P[i] - r) / h;
                *par[k] = keep;
            }
            for (int a = 0; a < 3; a++) {
                Jtr[a] -= J[a] * r;
                for (int b = 0; b < 3; b++) JtJ[a][b] += J[a] * J[b];
            }
        }
        int improved = 0;
        while (!improved && lambda < 1e12) {
            double A[3][3], b[3] = {Jtr[0], Jtr[1], Jtr[2]}, step[3];
            memcpy(A, JtJ, sizeof A);
            for (int k = 0; k < 3; k++) A[k][k] += lambda * fmax(JtJ[k][k], 1e-300);
            if (!solve3(A, b, step)) break;
            vt_eos trial = *e;
            trial.V0_A3 += step[0], trial.B0_GPa += step[1], trial.B0_prime += step[2];
            double st = trial.V0_A3 > 0 ? sum_sq(&trial, n, V, P) : INFINITY;
            if (st < s) {
                double rel_step = fabs(step[0] / e->V0_A3) + fabs(step[1]) / fmax(fabs(e->B0_GPa), 1e-3) +
                                  fabs(step[2]) / fmax(fabs(e->B0_prime), 1.0);
                int converged = s - st <= 1e-12 * s + 1e-300 || rel_step < 1e-10;
                *e = trial, s = st, lambda *= 0.3, improved = 1;
                if (converged) return VT_OK;
            } else {
                lambda *= 10.0;
            }
        }
        if (!improved) return VT_OK; /* no step lowers the residual: at the minimum */
    }
    VT_FAIL(VT_ENOCONV, "equation of state: Birch-Murnaghan fit did not converge in %d iterations", MAX_LM_ITER);
}

vt_status vt_eos_fit(size_t n, const double *V_A3, const double *P_GPa, vt_eos_kind kind, vt_eos *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    size_t need = kind == VT_EOS_BM3 ? 3 : 2;
    if (n < need || n > MAX_POINTS)
        VT_FAIL(VT_EINVAL, "equation of state: %zu points; the %s fit needs %zu to %d", n,
                kind == VT_EOS_BM3 ? "Birch-Murnaghan" : "polynomial", need, MAX_POINTS);
    double Vmean = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(V_A3[i] > 0) || !isfinite(V_A3[i]) || !isfinite(P_GPa[i]))
            VT_FAIL(VT_ERANGE, "equation of state: point %zu: V = %g A^3, P = %g GPa", i + 1, V_A3[i], P_GPa[i]);
        Vmean += V_A3[i] / (double)n;
    }
    double c[3], u;
    if (!fit_poly(n, V_A3, P_GPa, Vmean, c))
        VT_FAIL(VT_ERANGE, "equation of state: the volumes must differ");
    if (!poly_root(c, &u) || !(u > -1.0))
        VT_FAIL(VT_ENOCONV, "equation of state: the fitted pressure never crosses zero (P from %g to %g GPa)",
                P_GPa[0], P_GPa[n - 1]);
    /* re-centre the polynomial on its root: P = p0 + p1 w + p2 w^2, w = V / V0 - 1 */
    double V0 = Vmean * (1.0 + u), s = V0 / Vmean;
    out->V0_A3 = V0;
    out->poly[0] = 0.0;
    out->poly[1] = (c[1] + 2.0 * c[2] * u) * s;
    out->poly[2] = c[2] * s * s;
    out->B0_GPa = -out->poly[1]; /* -V dP/dV at V0 */
    out->B0_prime = 4.0;
    if (kind == VT_EOS_BM3) VT_TRY(fit_bm3(n, V_A3, P_GPa, out));
    out->rms_GPa = sqrt(sum_sq(out, n, V_A3, P_GPa) / (double)n);
    return VT_OK;
}
