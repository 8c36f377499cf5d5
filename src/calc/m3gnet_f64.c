/* m3gnet_f64.c - the M3GNet network in double precision (finite-difference tests, reference runs):
** the template m3gnet_net.h with double weights and activations and OpenBLAS dgemm. */
#define REAL double
#define GEMM cblas_dgemm
#define EXP exp
#define NET_API m3g_net_f64
#define PRECISION "double"
#include "calc/m3gnet_net.h"
