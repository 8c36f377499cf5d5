/* test_cell.c - cells: frac/cart, a triclinic volume by hand, minimum image and image sums against
** brute force (up to 2e5 images per pair) on random strongly skewed cells, wrap/unwrap round trips,
** the density of rock-salt LiF, compositions, trajectories, and the error paths. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "testcell.h"
#include "vitrum.h"

static void frac_cart(void)
{
    double L[3][3] = {{2, 1, 0}, {0, 3, 1}, {1, 0, 4}}, inv[3][3];
    /* det = 2 (3*4 - 1*0) - 1 (0*4 - 1*1) + 0 = 25 A^3 */
    CHECK_REL(vt_lattice_volume(L), 25.0, 4 * DBL_EPSILON);
    CHECK(vt_lattice_inverse(L, inv) == VT_OK);
    double f[3] = {0.25, -0.5, 1.5}, r[3], g[3];
    vt_frac_to_cart(L, f, r); /* 0.25 a - 0.5 b + 1.5 c = (0.5+1.5, 0.25-1.5, -0.5+6) */
    CHECK_REL(r[0], 2.0, 4 * DBL_EPSILON);
    CHECK_REL(r[1], -1.25, 4 * DBL_EPSILON);
    CHECK_REL(r[2], 5.5, 4 * DBL_EPSILON);
    vt_cart_to_frac(inv, r, g);
    for (int k = 0; k < 3; k++) CHECK_REL(g[k], f[k], 16 * DBL_EPSILON);
    double tri[3][3] = {{4, 0, 0}, {1, 5, 0}, {0.5, 1, 6}}; /* lower triangular: 4 * 5 * 6 */
    CHECK_REL(vt_lattice_volume(tri), 120.0, 4 * DBL_EPSILON);
    double par[6], cube[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
    vt_lattice_parameters(cube, par);
    CHECK_REL(par[0], 3.0, 0);
    CHECK_REL(par[4], 90.0, 4 * DBL_EPSILON);
    double hex[3][3] = {{2, 0, 0}, {-1, sqrt(3.0), 0}, {0, 0, 5}};
    vt_lattice_parameters(hex, par);
    CHECK_REL(par[5], 120.0, 1e-13);
    double flat[3][3] = {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}};
    CHECK(vt_lattice_inverse(flat, inv) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "singular") != NULL);
    double nan_l[3][3] = {{NAN, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    CHECK(vt_lattice_inverse(nan_l, inv) == VT_ERANGE);
}

/* Brute force: shortest image and the sum of 1/r over images within rc, over the box
 * |n_k| <= R[k] around d0. */
static double brute(const double L[3][3], const double d0[3], double rc, const int R[3], double *sum)
{
    double best = INFINITY;
    *sum = 0.0;
    for (int a = -R[0]; a <= R[0]; a++)
        for (int b = -R[1]; b <= R[1]; b++)
            for (int c = -R[2]; c <= R[2]; c++) {
                double e[3];
                for (int k = 0; k < 3; k++) e[k] = d0[k] + a * L[0][k] + b * L[1][k] + c * L[2][k];
                double r = sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
                best = fmin(best, r);
                if (r < rc && r > 0.0) *sum += 1.0 / r;
            }
    return best;
}

static double inv_r(const double d[3], double r, void *arg)
{
    (void)d;
    ++*(int *)arg;
    return 1.0 / r;
}

/* Brute-force box in the original basis: with d0 wrapped to fractional [-1/2, 1/2], every image
 * of length <= r has |n_k| <= 1/2 + r / w_k (w_k: distance between lattice planes k). r covers
 * both the cutoff and |d0| (an upper bound of the shortest image). Returns the number of images. */
static double brute_box(const double inv[3][3], double r, int R[3])
{
    double count = 1;
    for (int k = 0; k < 3; k++) {
        double iw = sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
        R[k] = (int)ceil(0.5 + r * iw);
        count *= 2 * R[k] + 1;
    }
    return count;
}

/* One random pair in cell L: vt_mic_delta and vt_mic_sum_images against brute force. */
static int check_pair(vt_rng *rng, const double L[3][3], const double inv[3][3], const vt_mic *m,
                      double max_cut)
{
    const double rc = 8.0;
    double ri[3], rj[3], d0[3], f[3], d[3], want_sum, got_sum;
    for (int k = 0; k < 3; k++) {
        ri[k] = uniform(rng, -20, 20);
        rj[k] = uniform(rng, -20, 20);
        d0[k] = rj[k] - ri[k];
    }
    vt_cart_to_frac(inv, d0, f);
    for (int k = 0; k < 3; k++) f[k] -= nearbyint(f[k]);
    vt_frac_to_cart(L, f, d0); /* wrapped in the original basis: same set of images */
    int R[3], count = 0;
    if (brute_box(inv, fmax(rc, sqrt(d0[0] * d0[0] + d0[1] * d0[1] + d0[2] * d0[2])), R) > 2e5) return 0;
    double want = brute(L, d0, rc, R, &want_sum);
    double got = vt_mic_delta(m, ri, rj, d);
    CHECK_REL(got, want, 1e-12);
    CHECK_REL(sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), got, 1e-12);
    double dd[3] = {d[0] - d0[0], d[1] - d0[1], d[2] - d0[2]}, g[3];
    vt_cart_to_frac(inv, dd, g); /* d is an image: d - d0 is a lattice vector */
    for (int k = 0; k < 3; k++) CHECK(fabs(g[k] - nearbyint(g[k])) < 1e-9);
    CHECK(vt_mic_sum_images(m, ri, rj, rc, inv_r, &count, &got_sum) == VT_OK);
    CHECK_REL(got_sum, want_sum, 1e-12);
    if (want < max_cut) { /* below the max cutoff the minimum image is the only one */
        CHECK(vt_mic_sum_images(m, ri, rj, max_cut, inv_r, &count, &got_sum) == VT_OK);
        CHECK_REL(got_sum, 1.0 / want, 1e-12);
    }
    return 1 + (got > m->r_quick);
}

static void minimum_image(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 42);
    int n_pairs = 0, n_searched = 0;
    for (int cell = 0; cell < 60; cell++) {
        double L[3][3], inv[3][3];
        random_lattice(&rng, cell < 10 ? 0.3 : 2.5, L); /* from mild to strongly skewed */
        vt_cell c = {0};
        memcpy(c.lattice, L, sizeof L);
        vt_mic m;
        CHECK(vt_mic_init(&m, L) == VT_OK);
        CHECK(vt_lattice_inverse(L, inv) == VT_OK);
        CHECK(m.r_quick >= vt_cell_max_cutoff(&c) * (1 - 1e-12)); /* reduction never hurts */
        for (int p = 0; p < 30; p++) {
            int k = check_pair(&rng, L, inv, &m, vt_cell_max_cutoff(&c));
            n_pairs += k > 0;
            n_searched += k == 2;
        }
    }
    printf("minimum image: %d pairs against brute force, %d beyond the quick case\n", n_pairs, n_searched);
    CHECK(n_pairs > 1000);
    CHECK(n_searched > 100); /* the search beyond the quick case was exercised */
    vt_mic m;
    double cube[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}}, d[3], s;
    CHECK(vt_mic_init(&m, cube) == VT_OK);
    CHECK_REL(vt_mic_delta(&m, (double[3]){1, 1, 1}, (double[3]){9, 1, 1}, d), 2.0, 1e-15);
    CHECK_REL(d[0], -2.0, 1e-15);
    int count = 0;
    CHECK(vt_mic_sum_images(&m, (double[3]){0, 0, 0}, (double[3]){0, 0, 0}, 10.5, inv_r, &count, &s) ==
          VT_OK);
    CHECK(count == 6); /* an atom's own images: the 6 face neighbours at 10 A */
    CHECK(vt_mic_sum_images(&m, (double[3]){0, 0, 0}, (double[3]){0, 0, 0}, NAN, inv_r, &count, &s) ==
          VT_ERANGE);
    CHECK(vt_mic_sum_images(&m, (double[3]){0, 0, 0}, (double[3]){0, 0, 0}, 1e9, inv_r, &count, &s) ==
          VT_ERANGE);
    CHECK(isnan(vt_mic_delta(&m, (double[3]){NAN, 0, 0}, (double[3]){0, 0, 0}, d)));
    double flat[3][3] = {{1, 0, 0}, {2, 0, 0}, {0, 0, 1}};
    CHECK(vt_mic_init(&m, flat) == VT_ERANGE);
}

static void wrap_unwrap(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 7);
    double L[3][3];
    random_lattice(&rng, 1.5, L);
    vt_cell *c, *orig, *unwrapped;
    CHECK(vt_cell_new(200, L, VT_CELL_IMAGE, &c) == VT_OK);
    for (size_t i = 0; i < c->n_atoms; i++) {
        double f[3];
        for (int k = 0; k < 3; k++) {
            f[k] = i % 4 == 0 ? uniform(&rng, 0.0, 1.0) : uniform(&rng, -5.0, 5.0);
            c->image[i][k] = (int)(i % 7) - 3;
        }
        vt_frac_to_cart(L, f, c->pos[i]);
        c->Z[i] = 3;
    }
    CHECK(vt_cell_copy(c, &orig) == VT_OK);
    CHECK(vt_cell_copy(c, &unwrapped) == VT_OK);
    CHECK(vt_cell_unwrap(unwrapped) == VT_OK);
    CHECK(vt_cell_wrap(c) == VT_OK);
    double (*f)[3] = vt_malloc(c->n_atoms * sizeof *f);
    CHECK(vt_cell_get_frac(c, f) == VT_OK);
    int inside = 1, untouched = 1;
    for (size_t i = 0; i < c->n_atoms; i++) {
        for (int k = 0; k < 3; k++) inside &= f[i][k] >= -1e-14 && f[i][k] < 1.0 + 1e-14;
        if (i % 4 == 0) untouched &= memcmp(c->pos[i], orig->pos[i], sizeof c->pos[i]) == 0;
    }
    CHECK(inside);
    CHECK(untouched); /* atoms already inside keep their bits */
    CHECK(vt_cell_unwrap(c) == VT_OK);
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) CHECK_REL(c->pos[i][k], unwrapped->pos[i][k], 1e-13);
    vt_cell_set_frac(c, (const double (*)[3])f); /* set_frac(get_frac) is the identity */
    double (*g)[3] = vt_malloc(c->n_atoms * sizeof *g);
    CHECK(vt_cell_get_frac(c, g) == VT_OK);
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) CHECK_REL(g[i][k], f[i][k], 1e-14);
    c->pos[3][1] = NAN;
    memcpy(g[0], c->pos[0], sizeof g[0]);
    CHECK(vt_cell_wrap(c) == VT_ERANGE);
    CHECK(memcmp(g[0], c->pos[0], sizeof g[0]) == 0); /* unchanged on failure */
    vt_free(orig->image);
    orig->image = NULL;
    CHECK(vt_cell_unwrap(orig) == VT_EINVAL);
    vt_free(f);
    vt_free(g);
    vt_cell_free(c);
    vt_cell_free(orig);
    vt_cell_free(unwrapped);
}

/* Rock-salt LiF, a = 4.0263 A: 4 formula units of 6.941 + 18.9984032 amu (pymatgen's masses) in
 * a^3 = 65.2697 A^3 -> 2.63968 g/cm^3 (measured: 2.635). */
static void density_lif(void)
{
    const double a = 4.0263, L[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    const double fcc[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    vt_cell *c;
    CHECK(vt_cell_new(8, L, 0, &c) == VT_OK);
    for (int i = 0; i < 4; i++) {
        double f_F[3] = {fcc[i][0] + 0.5, fcc[i][1], fcc[i][2]};
        vt_frac_to_cart(L, fcc[i], c->pos[i]);
        vt_frac_to_cart(L, f_F, c->pos[4 + i]);
        c->Z[i] = 3;
        c->Z[4 + i] = 9;
    }
    CHECK_REL(vt_cell_density_g_cm3(c), 2.6396763134594097, 1e-13);
    CHECK_REL(vt_cell_density_g_cm3(c), 2.635, 0.005);
    CHECK_REL(vt_cell_max_cutoff(c), a / 2, 1e-15);
    vt_composition comp;
    CHECK(vt_cell_composition(c, &comp) == VT_OK);
    CHECK(comp.n_species == 2 && comp.Z[0] == 3 && comp.amount[0] == 4.0 && comp.amount[1] == 4.0);
    char formula[16];
    CHECK(vt_cell_formula(c, formula, sizeof formula) == VT_OK);
    CHECK(strcmp(formula, "LiF") == 0);
    c->Z[2] = 0;
    CHECK(isnan(vt_cell_density_g_cm3(c)));
    CHECK(vt_cell_composition(c, &comp) == VT_EINVAL);
    vt_cell_free(c);
}

static void max_cutoff_skewed(void)
{
    /* a = (10,0,0), b = (9,1,0), c = (0,0,10): V = 100 A^3, widths 10/sqrt(82), 1 and 10 A */
    double L[3][3] = {{10, 0, 0}, {9, 1, 0}, {0, 0, 10}};
    vt_cell c = {0};
    memcpy(c.lattice, L, sizeof L);
    double w_a = 10.0 / sqrt(1.0 + 81.0); /* V / |b x c| = 10 / |(10, -90, 0)| * 10 */
    CHECK_REL(vt_cell_max_cutoff(&c), 0.5 * fmin(w_a, 1.0), 1e-14);
    vt_mic m;
    CHECK(vt_mic_init(&m, L) == VT_OK); /* reduced basis (-1, 1, 0), (5, 5, 0), c: widths 1.41, 7.07, 10 */
    CHECK_REL(m.r_quick, sqrt(0.5), 1e-14);
    double d[3];
    CHECK_REL(vt_mic_delta(&m, (double[3]){0, 0, 0}, (double[3]){9, 1, 0}, d), 0.0, 1e-12);
}

static void trajectories(void)
{
    double L[3][3] = {{5, 0, 0}, {0, 5, 0}, {0, 0, 5}};
    vt_traj *t;
    vt_cell *a, *b, *c;
    CHECK(vt_traj_new(&t) == VT_OK);
    CHECK(vt_cell_new(2, L, 0, &a) == VT_OK);
    CHECK(vt_cell_new(2, L, 0, &b) == VT_OK);
    CHECK(vt_cell_new(3, L, 0, &c) == VT_OK);
    a->Z[0] = b->Z[0] = c->Z[0] = 3;
    a->Z[1] = b->Z[1] = 8;
    CHECK(vt_traj_append(t, a) == VT_OK);
    CHECK(vt_traj_append(t, b) == VT_OK);
    CHECK(vt_traj_append(t, c) == VT_EINVAL); /* other atoms: caller keeps c */
    CHECK(t->n_frames == 2);
    vt_cell_free(c);
    vt_traj_free(t);
    vt_traj_free(NULL);
    vt_cell_free(NULL);
    CHECK(vt_cell_new((size_t)VT_MAX_ATOMS + 1, L, 0, &c) == VT_ERANGE && c == NULL);
}

int main(void)
{
    frac_cart();
    minimum_image();
    wrap_unwrap();
    density_lif();
    max_cutoff_skewed();
    trajectories();
    TEST_DONE();
}
