/* test_eos.c - P(V) equations of state: exact recovery of a Birch-Murnaghan law and of a quadratic,
** a noisy liquid-like data set against scipy's curve_fit and numpy's polyfit, and the errors. */
#include "test.h"
#include "vitrum.h"

static void exact_bm3(void)
{
    vt_eos want = {VT_EOS_BM3, 1234.5, 42.0, 5.3, {0}, 0}, got;
    double V[7], P[7];
    for (int i = 0; i < 7; i++) {
        V[i] = 1234.5 * (0.8 + 0.07 * i);
        P[i] = vt_eos_pressure(&want, V[i]);
    }
    CHECK(vt_eos_pressure(&want, 1234.5) == 0.0);
    CHECK(vt_eos_fit(7, V, P, VT_EOS_BM3, &got) == VT_OK);
    CHECK_REL(got.V0_A3, 1234.5, 1e-9);
    CHECK_REL(got.B0_GPa, 42.0, 1e-7);
    CHECK_REL(got.B0_prime, 5.3, 1e-6);
    CHECK(got.rms_GPa < 1e-10);
}

/* P = 3 - 0.004 V + 1e-6 V^2 has roots 1000 and 3000 A^3; the one nearest the data is taken. */
static void exact_quadratic(void)
{
    double V[4] = {900, 950, 1050, 1100}, P[4];
    for (int i = 0; i < 4; i++) P[i] = 3.0 - 0.004 * V[i] + 1e-6 * V[i] * V[i];
    vt_eos e;
    CHECK(vt_eos_fit(4, V, P, VT_EOS_POLY, &e) == VT_OK);
    CHECK_REL(e.V0_A3, 1000.0, 1e-10);
    CHECK_REL(e.B0_GPa, -1000.0 * (-0.004 + 2e-6 * 1000.0), 1e-9); /* -V dP/dV = 2 GPa */
    CHECK_REL(vt_eos_pressure(&e, 1100.0), P[3], 1e-10);
    double V2[2] = {900, 1100}, P2[2] = {1.0, -1.0}; /* two points: a line */
    CHECK(vt_eos_fit(2, V2, P2, VT_EOS_POLY, &e) == VT_OK);
    CHECK_REL(e.V0_A3, 1000.0, 1e-12);
    CHECK_REL(e.B0_GPa, 10.0, 1e-12);
}

/* A noisy P(V) of a melt. The reference numbers come from Debian's python3-scipy 1.10.1 and numpy:
 *   curve_fit(bm3, V, P, p0=(1000, 30, 4), xtol=ftol=gtol=1e-14) -> 1012.59171545, 14.87085865, 4.63659594
 *   np.roots(np.polyfit(V, P, 2)) -> 1368.78042163, 1009.21957837 (the second lies in the data) */
static void noisy_against_scipy(void)
{
    double V[5] = {800, 900, 1000, 1100, 1200}, P[5] = {6.1, 2.2, 0.35, -1.1, -1.7};
    vt_eos e;
    CHECK(vt_eos_fit(5, V, P, VT_EOS_BM3, &e) == VT_OK);
    CHECK_REL(e.V0_A3, 1012.59171545, 1e-7);
    CHECK_REL(e.B0_GPa, 14.87085865, 1e-6);
    CHECK_REL(e.B0_prime, 4.63659594, 1e-6);
    CHECK(vt_eos_fit(5, V, P, VT_EOS_POLY, &e) == VT_OK);
    CHECK_REL(e.V0_A3, 1009.21957837, 1e-9);
}

static void errors(void)
{
    vt_eos e;
    double V[3] = {900, 1000, 1100}, P[3] = {3, 2, 1}, flat[3] = {1000, 1000, 1000}, up[3] = {1, 2, 4};
    CHECK(vt_eos_fit(2, V, P, VT_EOS_BM3, &e) == VT_EINVAL);
    CHECK(vt_eos_fit(3, flat, P, VT_EOS_POLY, &e) == VT_ERANGE);
    CHECK(vt_eos_fit(3, V, up, VT_EOS_POLY, &e) == VT_ENOCONV); /* P = 2 + 15 u + 50 u^2, u = V/1000 - 1: no root */
    double bad[3] = {900, -1, 1100};
    CHECK(vt_eos_fit(3, bad, P, VT_EOS_POLY, &e) == VT_ERANGE);
}

int main(void)
{
    exact_bm3();
    exact_quadratic();
    noisy_against_scipy();
    errors();
    TEST_DONE();
}
