/* m3gnet_f32.c - the M3GNet network in single precision (the production path): the template
** m3gnet_net.h with float weights and activations, OpenBLAS sgemm, double accumulators. */
#include <stdint.h>
#include <string.h>

/* exp(x) in float for the sigmoids, written out so that the activation loops vectorize: libm's
 * expf is a scalar call (glibc's vector variants need -ffast-math / OpenMP simd, which vitrum's
 * build does not use). exp(x) = 2^k p(r), k = round(x / ln 2), r = x - k ln 2 (Cody-Waite split of
 * ln 2), p the degree-7 Taylor polynomial: relative error 1.2e-7 (1 ulp) on |r| <= ln(2)/2.
 * x is clamped to [-87, 88], where 2^k stays a normal float; sigmoid and SiLU saturate there. */
static inline float m3g_expf(float x)
{
    x = x > -87.0f ? x : -87.0f; /* maxps/minps form (NaN -> the bound) */
    x = x < 88.0f ? x : 88.0f;
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
    float kf = (x * 1.44269504088896341f + shift) - shift;
    float r = x - kf * 0.693145751953125f - kf * 1.428606765330187e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.66666667e-1f + r * (4.16666667e-2f +
              r * (8.33333333e-3f + r * (1.38888889e-3f + r * 1.98412698e-4f))))));
    int32_t bits = ((int32_t)kf + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#define REAL float
#define GEMM cblas_sgemm
#define EXP m3g_expf
#define NET_API m3g_net_f32
#define PRECISION "float"
#include "calc/m3gnet_net.h"
