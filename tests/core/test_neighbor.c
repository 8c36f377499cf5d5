/* test_neighbor.c - Verlet neighbour lists against brute force over every image: random skewed
** triclinic cells, cutoffs from a fraction of the cell up to several cells (self-images), atoms
** outside the cell, full and half lists, the skin rule (no pair within the cutoff is missed after
** moves below skin / 2; a rebuild after larger ones), and the error paths. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testcell.h"
#include "vitrum.h"

typedef struct pair {
    uint32_t i, j;
    int n[3];
} pair;

static int cmp_pair(const void *pa, const void *pb)
{
    const pair *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->n[k] != b->n[k]) return a->n[k] < b->n[k] ? -1 : 1;
    return 0;
}

static double pair_distance(const vt_cell *c, uint32_t i, uint32_t j, const int n[3])
{
    double d2 = 0;
    for (int k = 0; k < 3; k++) {
        double d = c->pos[j][k] - c->pos[i][k] + n[0] * c->lattice[0][k] + n[1] * c->lattice[1][k] +
                   n[2] * c->lattice[2][k];
        d2 += d * d;
    }
    return sqrt(d2);
}

/* Every ordered (i, j, n) with distance <= range, n over a box wide enough for any skew:
 * |n_k| <= range / width_k + 2 (positions are within a cell or two of the origin). */
static size_t brute_force(const vt_cell *c, double range, pair **out)
{
    double inv[3][3];
    vt_lattice_inverse(c->lattice, inv);
    int m[3];
    for (int k = 0; k < 3; k++) {
        double w = 1.0 / sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
        m[k] = (int)ceil(range / w) + 3;
    }
    size_t n = 0, cap = 1024;
    pair *p = malloc(cap * sizeof *p);
    for (uint32_t i = 0; i < c->n_atoms; i++)
        for (uint32_t j = 0; j < c->n_atoms; j++)
            for (int a = -m[0]; a <= m[0]; a++)
                for (int b = -m[1]; b <= m[1]; b++)
                    for (int d = -m[2]; d <= m[2]; d++) {
                        int s[3] = {a, b, d};
                        if (i == j && !a && !b && !d) continue;
                        if (pair_distance(c, i, j, s) > range) continue;
                        if (n == cap) p = realloc(p, (cap *= 2) * sizeof *p);
                        p[n++] = (pair){i, j, {a, b, d}};
                    }
    qsort(p, n, sizeof *p, cmp_pair);
    *out = p;
    return n;
}

static size_t listed(const vt_nlist *nl, pair **out)
{
    pair *p = malloc((nl->n_pairs + 1) * sizeof *p);
    size_t n = 0;
    for (uint32_t i = 0; i < nl->n_atoms; i++)
        for (size_t q = nl->start[i]; q < nl->start[i + 1]; q++)
            p[n++] = (pair){i, nl->j[q], {nl->shift[q][0], nl->shift[q][1], nl->shift[q][2]}};
    qsort(p, n, sizeof *p, cmp_pair);
    *out = p;
    return n;
}

static vt_cell *random_cell(vt_rng *rng, size_t n_atoms, double skew, double spread)
{
    double L[3][3];
    random_lattice(rng, skew, L);
    vt_cell *c = NULL;
    vt_cell_new(n_atoms, L, 0, &c);
    for (size_t i = 0; i < n_atoms; i++) {
        double f[3] = {uniform(rng, -spread, 1 + spread), uniform(rng, -spread, 1 + spread),
                       uniform(rng, -spread, 1 + spread)};
        vt_frac_to_cart(L, f, c->pos[i]);
        c->Z[i] = 3;
    }
    return c;
}

/* The full list equals brute force over cutoff + skin exactly; the half list is the full list
 * with each unordered pair once. */
static void against_brute_force(vt_rng *rng, size_t n_atoms, double skew, double cutoff, double skin)
{
    vt_cell *c = random_cell(rng, n_atoms, skew, 1.5);
    vt_nlist *full = NULL, *half = NULL;
    CHECK(vt_nlist_new(cutoff, skin, 1, &full) == VT_OK);
    CHECK(vt_nlist_new(cutoff, skin, 0, &half) == VT_OK);
    int rebuilt = 0;
    CHECK(vt_nlist_update(full, c, &rebuilt) == VT_OK && rebuilt);
    CHECK(vt_nlist_update(half, c, NULL) == VT_OK);
    pair *want, *got_full, *got_half;
    size_t n_want = brute_force(c, cutoff + skin, &want);
    size_t n_full = listed(full, &got_full), n_half = listed(half, &got_half);
    CHECK(n_want > 0);
    CHECK(n_full == n_want);
    CHECK(n_full == n_want && memcmp(got_full, want, n_want * sizeof *want) == 0);
    CHECK(2 * n_half == n_want);
    for (size_t q = 0; q < n_half; q++) { /* each half pair and its mirror are in the full list */
        pair mirror = {got_half[q].j, got_half[q].i, {-got_half[q].n[0], -got_half[q].n[1], -got_half[q].n[2]}};
        CHECK(bsearch(&got_half[q], want, n_want, sizeof *want, cmp_pair) != NULL);
        CHECK(bsearch(&mirror, want, n_want, sizeof *want, cmp_pair) != NULL);
        CHECK(cmp_pair(&mirror, &got_half[q]) != 0);
    }
    free(want);
    free(got_full);
    free(got_half);
    vt_nlist_free(full);
    vt_nlist_free(half);
    vt_cell_free(c);
}

/* Moves below skin / 2 keep the list (and it still holds every pair within the cutoff); a larger
 * move, a changed lattice or an invalidation rebuild it. */
static void skin_rule(vt_rng *rng)
{
    vt_cell *c = random_cell(rng, 60, 0.3, 0.0);
    double cutoff = 3.0, skin = 1.0;
    vt_nlist *nl = NULL;
    vt_nlist_new(cutoff, skin, 1, &nl);
    int rebuilt = 0;
    vt_nlist_update(nl, c, &rebuilt);
    CHECK(rebuilt && nl->n_builds == 1);
    for (size_t i = 0; i < c->n_atoms; i++) /* every atom moves 0.49 A in a random direction */
        for (int k = 0; k < 3; k++) c->pos[i][k] += 0.49 / sqrt(3.0) * (vt_rng_uniform(rng) < 0.5 ? -1 : 1);
    CHECK(vt_nlist_update(nl, c, &rebuilt) == VT_OK && !rebuilt);
    pair *want, *got;
    size_t n_want = brute_force(c, cutoff, &want), n_got = listed(nl, &got), missing = 0;
    for (size_t q = 0; q < n_want; q++) missing += bsearch(&want[q], got, n_got, sizeof *got, cmp_pair) == NULL;
    CHECK(missing == 0);
    free(want);
    free(got);
    c->pos[7][1] += 1.2; /* now over 0.9 A from where it was at the build */
    CHECK(vt_nlist_update(nl, c, &rebuilt) == VT_OK && rebuilt && nl->n_builds == 2);
    c->lattice[2][2] *= 1.0 + 1e-12;
    CHECK(vt_nlist_update(nl, c, &rebuilt) == VT_OK && rebuilt);
    vt_nlist_invalidate(nl);
    CHECK(vt_nlist_update(nl, c, &rebuilt) == VT_OK && rebuilt && nl->n_builds == 4);
    c->pos[3][0] = NAN;
    CHECK(vt_nlist_update(nl, c, &rebuilt) == VT_ERANGE);
    vt_nlist_free(nl);
    vt_cell_free(c);
}

static void errors(void)
{
    vt_nlist *nl = (vt_nlist *)1;
    CHECK(vt_nlist_new(0.0, 1.0, 1, &nl) == VT_EINVAL && nl == NULL);
    CHECK(vt_nlist_new(3.0, -1.0, 1, &nl) == VT_EINVAL);
    CHECK(vt_nlist_new(NAN, 1.0, 1, &nl) == VT_EINVAL);
    CHECK(vt_nlist_new(3.0, 0.0, 1, &nl) == VT_OK);
    double flat[3][3] = {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}};
    vt_cell *c = NULL;
    vt_cell_new(2, flat, 0, &c);
    CHECK(vt_nlist_update(nl, c, NULL) == VT_ERANGE);
    vt_cell_free(c);
    vt_nlist_free(nl);
    vt_nlist_free(NULL);
}

int main(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 20261125);
    for (int t = 0; t < 6; t++) against_brute_force(&rng, 40, 0.2 * t, 2.0 + 0.5 * t, 0.3 * (t % 2));
    against_brute_force(&rng, 3, 0.9, 9.0, 1.0);   /* cutoff over two cells: many self-images */
    against_brute_force(&rng, 1, 0.5, 12.0, 0.0);  /* one atom, only its own images */
    against_brute_force(&rng, 200, 0.1, 4.0, 0.5); /* several bins per direction */
    skin_rule(&rng);
    errors();
    TEST_DONE();
}
