/* m3gnet_f32.c - the M3GNet network in single precision (the production path): the template
** m3gnet_net.h with float weights and activations, libxsmm's small-matrix sgemm, double
** accumulators. */
#include <stdint.h>
#include <string.h>

#include <cblas.h>
#include <libxsmm.h>

/* C = alpha op(A) op(B) + beta C, as cblas_sgemm. The network's products are row-major, without
 * transposes, alpha 1, beta 0 or 1, m bond rows by n, k <= 512 columns: libxsmm (Debian's
 * libxsmm-dev, the small-matrix library of CP2K) generates a kernel for each such shape at its
 * first use and caches it. They need no packing of the operands and no separate pass that zeroes
 * C (a lone 256 x 128 x 64 product: 91 GFLOP/s against OpenBLAS's 62 on the development VM;
 * docs/m3gnet.md has the effect on an MD step). libxsmm is column-major: row-major C (m x n) is the
 * column-major C^T (n x m) = B^T A^T, whose operands are B and A as stored. Other calls, and
 * shapes without a kernel (libxsmm_smmdispatch returns NULL), go to OpenBLAS. */
static void m3g_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n,
                      blasint k, float alpha, const float *A, blasint lda, const float *B, blasint ldb,
                      float beta, float *C, blasint ldc)
{
    if (order == CblasRowMajor && ta == CblasNoTrans && tb == CblasNoTrans && alpha == 1 &&
        (beta == 0 || beta == 1)) {
        libxsmm_blasint xm = n, xn = m, xk = k, xlda = ldb, xldb = lda, xldc = ldc;
        libxsmm_smmfunction kernel = libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta, NULL, NULL);
        if (kernel) {
            kernel(B, A, C);
            return;
        }
    }
    cblas_sgemm(order, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

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
#define GEMM m3g_sgemm
#define SIGMOID m3g_sigmoidf
#define NET_API m3g_net_f32
#define PRECISION "float"
#include "calc/m3gnet_net.h"
