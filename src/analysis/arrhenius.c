/* arrhenius.c - weighted Arrhenius fits: ln D = ln D0 - Ea x, x = 1/(kB T) in 1/eV.
** Weighted least squares with weights w = 1/sigma(ln D)^2; with no sigmas, w = 1 and the
** parameter covariance is scaled by the residual variance (n - 2 degrees of freedom), as
** numpy.polyfit(cov=True) does. The covariance gives sigma(ln D(T)) at any T:
**   var = var(lnD0) + x^2 var(Ea) - 2 x cov(lnD0, Ea). */
#include <math.h>

#include "core/error.h"

vt_status vt_arrhenius_fit(size_t n, const double *T_K, const double *D, const double *sigma_D,
                           vt_arrhenius *out)
{
    if (n < 2) VT_FAIL(VT_EINVAL, "Arrhenius fit: need at least 2 temperatures, got %zu", n);
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(T_K[i] > 0.0) || !(D[i] > 0.0) || !isfinite(D[i]))
            VT_FAIL(VT_ERANGE, "Arrhenius fit: point %zu: need T > 0 K and D > 0 (T = %g, D = %g)", i + 1, T_K[i], D[i]);
        double w = 1.0;
        if (sigma_D) {
            if (!(sigma_D[i] > 0.0)) VT_FAIL(VT_ERANGE, "Arrhenius fit: point %zu: sigma must be > 0", i + 1);
            double s = sigma_D[i] / D[i];
            w = 1.0 / (s * s);
        }
        double x = 1.0 / (VT_KB_EV_PER_K * T_K[i]), y = log(D[i]);
        sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
    }
    double det = sw * sxx - sx * sx;
    if (!(det > 1e-300 * sw * sxx)) VT_FAIL(VT_ERANGE, "Arrhenius fit: all temperatures are equal");
    double slope = (sw * sxy - sx * sy) / det, icept = (sxx * sy - sx * sxy) / det;
    /* residuals: the scale for unweighted fits, and R^2 */
    double ybar = sy / sw, ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < n; i++) {
        double x = 1.0 / (VT_KB_EV_PER_K * T_K[i]), y = log(D[i]);
        double w = sigma_D ? 1.0 / pow(sigma_D[i] / D[i], 2) : 1.0;
        ss_res += w * pow(y - (icept + slope * x), 2);
        ss_tot += w * pow(y - ybar, 2);
    }
    double scale = sigma_D ? 1.0 : (n > 2 ? ss_res / (double)(n - 2) : NAN);
    out->Ea_eV = (vt_estimate){-slope, sqrt(scale * sw / det)};
    out->lnD0 = (vt_estimate){icept, sqrt(scale * sxx / det)};
    out->cov_lnD0_Ea = scale * sx / det; /* cov(icept, slope) = -sx/det; Ea = -slope */
    out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
    out->n_points = n;
    return VT_OK;
}

vt_estimate vt_arrhenius_eval(const vt_arrhenius *fit, double T_K)
{
    double x = 1.0 / (VT_KB_EV_PER_K * T_K);
    double lnD = fit->lnD0.value - fit->Ea_eV.value * x;
    double var = fit->lnD0.sigma * fit->lnD0.sigma + x * x * fit->Ea_eV.sigma * fit->Ea_eV.sigma
                 - 2.0 * x * fit->cov_lnD0_Ea;
    double D = exp(lnD);
    return (vt_estimate){D, D * sqrt(fmax(0.0, var))};
}
