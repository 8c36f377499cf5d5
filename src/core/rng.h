/* rng.h - internal seeded pseudo-random numbers: xoshiro256** (Blackman & Vigna 2018) seeded
** through splitmix64. Hand-written: a few lines, and every random choice in vitrum must be
** reproducible bit for bit from a seed on any platform, which libc rand() does not promise. */
#ifndef VT_CORE_RNG_H
#define VT_CORE_RNG_H
#include <stdint.h>
#include <stddef.h>

typedef struct vt_rng { uint64_t s[4]; } vt_rng;

void vt_rng_seed(vt_rng *r, uint64_t seed);
uint64_t vt_rng_u64(vt_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double vt_rng_uniform(vt_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
size_t vt_rng_below(vt_rng *r, size_t n);
/* Fisher-Yates shuffle of n size_t values. */
void vt_rng_shuffle(vt_rng *r, size_t *v, size_t n);
/* An independent stream: the seed mixed with a stream number (e.g. a tree index). */
uint64_t vt_rng_derive(uint64_t seed, uint64_t stream);

#endif
