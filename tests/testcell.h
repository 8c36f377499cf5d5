/* testcell.h - random cells for tests: uniform numbers and random triclinic lattices. */
#ifndef VT_TESTCELL_H
#define VT_TESTCELL_H
#include <math.h>

#include "core/rng.h"

static inline double uniform(vt_rng *rng, double lo, double hi) { return lo + (hi - lo) * vt_rng_uniform(rng); }

/* A random right- or left-handed cell: lower-triangular with diagonal 3..8 A and tilts up to
 * skew times the diagonal, then rotated by a random orthogonal matrix (Gram-Schmidt). */
static inline void random_lattice(vt_rng *rng, double skew, double L[3][3])
{
    double T[3][3] = {{0}}, Q[3][3];
    for (int i = 0; i < 3; i++) {
        T[i][i] = uniform(rng, 3.0, 8.0);
        for (int k = 0; k < i; k++) T[i][k] = uniform(rng, -skew, skew) * T[k][k];
    }
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3; k++) Q[i][k] = uniform(rng, -1.0, 1.0);
        for (int j = 0; j < i; j++) {
            double d = Q[i][0] * Q[j][0] + Q[i][1] * Q[j][1] + Q[i][2] * Q[j][2];
            for (int k = 0; k < 3; k++) Q[i][k] -= d * Q[j][k];
        }
        double n = sqrt(Q[i][0] * Q[i][0] + Q[i][1] * Q[i][1] + Q[i][2] * Q[i][2]);
        for (int k = 0; k < 3; k++) Q[i][k] /= n;
    }
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = T[i][0] * Q[0][k] + T[i][1] * Q[1][k] + T[i][2] * Q[2][k];
}

#endif
