/* m3gnet_f64.c - the M3GNet network in double precision (finite-difference tests, reference runs):
** the template m3gnet_net.h with double weights and activations and OpenBLAS dgemm. */
#include <math.h>

static inline double m3g_sigmoid(double x) { return 1 / (1 + exp(-x)); }

#define REAL double
#define GEMM cblas_dgemm
#define SIGMOID m3g_sigmoid
#define NET_API m3g_net_f64
#define PRECISION "double"
#include "calc/m3gnet_net.h"
