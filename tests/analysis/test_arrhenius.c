/* test_arrhenius.c - Arrhenius fits: exact recovery of an analytic law, weighting, the covariance
** against an independent closed form, and refusal of bad points. */
#include <string.h>

#include "test.h"
#include "vitrum.h"

static void exact_law(void)
{
    double T[4] = {1000, 1500, 2000, 2500}, D[4];
    for (int i = 0; i < 4; i++) D[i] = 2.5e-3 * exp(-0.37 / (VT_KB_EV_PER_K * T[i]));
    vt_arrhenius fit;
    CHECK(vt_arrhenius_fit(4, T, D, NULL, &fit) == VT_OK);
    CHECK_REL(fit.Ea_eV.value, 0.37, 1e-12);
    CHECK_REL(fit.lnD0.value, log(2.5e-3), 1e-12);
    CHECK(fit.Ea_eV.sigma < 1e-10);
    CHECK_REL(fit.r2, 1.0, 1e-12);
    vt_estimate at300 = vt_arrhenius_eval(&fit, 300.0);
    CHECK_REL(at300.value / (2.5e-3 * exp(-0.37 / (VT_KB_EV_PER_K * 300.0))), 1.0, 1e-10);
}

/* Weighted fit with sigma(ln D) = 0.1 everywhere: var(Ea) = 0.01 / sum (x - xbar)^2. */
static void weighted_sigmas(void)
{
    double T[4] = {1000, 1500, 2000, 2500}, D[4], sD[4], x[4], xbar = 0, sxx = 0;
    for (int i = 0; i < 4; i++) {
        x[i] = 1.0 / (VT_KB_EV_PER_K * T[i]);
        D[i] = 1e-3 * exp(-0.3 * x[i]) * (1 + 0.05 * (i % 2 ? 1 : -1));
        sD[i] = 0.1 * D[i];
        xbar += x[i] / 4;
    }
    for (int i = 0; i < 4; i++) sxx += (x[i] - xbar) * (x[i] - xbar);
    vt_arrhenius fit;
    CHECK(vt_arrhenius_fit(4, T, D, sD, &fit) == VT_OK);
    CHECK_REL(fit.Ea_eV.sigma, sqrt(0.01 / sxx), 1e-12);
    /* at x = xbar the variance of ln D is 0.01 / 4 (the slope term vanishes) */
    vt_estimate mid = vt_arrhenius_eval(&fit, 1.0 / (VT_KB_EV_PER_K * xbar));
    CHECK_REL(mid.sigma / mid.value, sqrt(0.01 / 4), 1e-10);
}

static void refusals(void)
{
    double T[2] = {1000, 1000}, D[2] = {1e-4, 2e-4}, Dneg[2] = {1e-4, -1};
    vt_arrhenius fit;
    CHECK(vt_arrhenius_fit(2, T, D, NULL, &fit) == VT_ERANGE);
    double T2[2] = {1000, 2000};
    CHECK(vt_arrhenius_fit(2, T2, Dneg, NULL, &fit) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "point 2") != NULL);
    CHECK(vt_arrhenius_fit(1, T2, D, NULL, &fit) == VT_EINVAL);
}

int main(void)
{
    exact_law();
    weighted_sigmas();
    refusals();
    TEST_DONE();
}
