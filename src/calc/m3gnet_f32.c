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

/* 1 / d for d >= 1, without a division: vdivps is the slowest instruction of the activation loops
 * (a third of their time on the AMD EPYC development VM). A first guess from the bits of d
 * (relative error <= 5.1%), then three Newton steps, each of which squares the error. With FMA
 * (the AVX2 and AVX-512 clones) the last step takes the residual 1 - d y exactly: the correctly
 * rounded 1 / d for 99.98% of d, within 6.0e-8 relative for all (checked for 1 <= d <= 1e30);
 * without FMA within 1.5e-7. d is capped at 1e30, where the guess stays a normal float; 1 / d is
 * then 1e-30 too large, which no sigmoid here can see. */
static inline float m3g_recipf(float d)
{
    d = d < 1e30f ? d : 1e30f;
    int32_t bits;
    memcpy(&bits, &d, sizeof bits);
    bits = 0x7EF311C3 - bits;
    float y;
    memcpy(&y, &bits, sizeof y);
    y = y * (2 - d * y);
    y = y * (2 - d * y);
    return y + y * (1 - d * y); /* FMA: -ffp-contract=fast (CMakeLists.txt) */
}

static inline float m3g_sigmoidf(float x) { return m3g_recipf(1 + m3g_expf(-x)); }

#define REAL float
#define GEMM cblas_sgemm
#define SIGMOID m3g_sigmoidf
#define NET_API m3g_net_f32
#define PRECISION "float"
#include "calc/m3gnet_net.h"
