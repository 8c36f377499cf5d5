/* test_pack.c - vt_pack(): every pair distance checked by brute force over all images (no vt_mic),
** atom counts and order, density and the elemental-volume estimate against pymatgen's molar
** volumes, same seed -> same bytes, impossible densities refused with a clear message. */
#include <string.h>

#include "core/error.h"
#include "io/structure.h"
#include "test.h"

/* Cordero covalent radii (A), as in ase.data.covalent_radii, for the elements used here. */
static double r_cov(int Z)
{
    switch (Z) {
    case 3: return 1.28;
    case 8: return 0.66;
    case 9: return 0.57;
    case 14: return 1.11;
    case 22: return 1.60;
    case 55: return 2.44;
    case 57: return 2.07;
    default: return NAN;
    }
}

/* Smallest r_ij / d_ij over every pair and every image n in [-R, R]^3 (an atom with its own images
 * included), without vt_mic: plain loops over lattice translations. */
static double brute_min_ratio(const vt_cell *c, double tol, double floor_A, int R)
{
    double worst = INFINITY;
    for (size_t i = 0; i < c->n_atoms; i++)
        for (size_t j = i; j < c->n_atoms; j++) {
            double dij = fmax(tol * (r_cov(c->Z[i]) + r_cov(c->Z[j])), floor_A);
            for (int a = -R; a <= R; a++)
                for (int b = -R; b <= R; b++)
                    for (int e = -R; e <= R; e++) {
                        if (i == j && !a && !b && !e) continue;
                        double d2 = 0.0;
                        for (int k = 0; k < 3; k++) {
                            double d = c->pos[j][k] - c->pos[i][k] + a * c->lattice[0][k] + b * c->lattice[1][k] +
                                       e * c->lattice[2][k];
                            d2 += d * d;
                        }
                        worst = fmin(worst, sqrt(d2) / dij);
                    }
        }
    return worst;
}

static vt_cell *pack(const char *formula, size_t n, vt_pack_opts o, vt_pack_info *info, vt_status want)
{
    vt_composition comp;
    vt_cell *c = NULL;
    CHECK(vt_composition_parse(formula, &comp) == VT_OK);
    vt_status s = vt_pack(&comp, n, &o, &c, info);
    if (s != want) fprintf(stderr, "%s: status %d, want %d: %s\n", formula, s, want, vt_errmsg());
    CHECK(s == want);
    CHECK((c != NULL) == (want == VT_OK));
    return c;
}

/* Every pair at least its minimum distance, checked by brute force; the reported ratio agrees. */
static void check_distances(const char *formula, size_t n, vt_pack_opts o, int R)
{
    vt_pack_info info;
    vt_cell *c = pack(formula, n, o, &info, VT_OK);
    if (!c) return;
    double ratio = brute_min_ratio(c, o.tolerance, o.min_dist_A, R);
    printf("%-8s %5zu atoms  phi %.3f  overlapping after insertion %zu  sweeps %zu  min r/d %.6f (brute %.6f)\n",
           formula, info.n_atoms, info.phi, info.n_overlapping, info.n_sweeps, info.min_ratio, ratio);
    CHECK(ratio >= 1.0);
    CHECK_REL(info.min_ratio, ratio, 1e-12); /* brute force sees the same tightest pair */
    vt_cell_free(c);
}

static void test_distances(void)
{
    vt_pack_opts o = vt_pack_opts_default();
    o.density_g_cm3 = 2.01; /* amorphous Li2O: phi 0.32, insertion alone leaves overlaps */
    check_distances("Li2O", 100, o, 1);
    o.density_g_cm3 = 3.3; /* phi 0.53, well past random sequential addition jamming */
    check_distances("Li2O", 150, o, 1);
    o.density_g_cm3 = 0; /* elemental volumes, mixed sizes */
    check_distances("CsLiF2", 80, o, 1);
    o = vt_pack_opts_default(); /* a skewed cell: images beyond the nearest shell matter */
    double shape[3][3] = {{1, 0, 0}, {0.9, 0.5, 0}, {0.4, 0.3, 0.6}};
    memcpy(o.shape, shape, sizeof shape);
    o.density_g_cm3 = 2.33;
    check_distances("Si", 60, o, 3);
    o = vt_pack_opts_default(); /* PACKMOL-like: one 2 A distance for every pair */
    o.tolerance = 0.0, o.min_dist_A = 2.0, o.density_g_cm3 = 2.0, o.seed = 7;
    check_distances("LiF", 64, o, 1);
    o = vt_pack_opts_default(); /* two atoms: a cell barely wider than d_LiLi */
    o.volume_A3 = 2.2 * 2.2 * 2.2;
    check_distances("Li", 1, o, 2);
}

static void test_counts_and_volume(void)
{
    vt_pack_info info;
    vt_pack_opts o = vt_pack_opts_default();
    /* no density: pymatgen molar volumes Li 13.02, O 17.36 cm^3/mol over N_A = 6.02214076e23 */
    vt_cell *c = pack("Li2O", 100, o, &info, VT_OK);
    if (c) {
        CHECK(info.n_units == 34 && info.n_atoms == 102 && c->n_atoms == 102);
        for (size_t i = 0; i < c->n_atoms; i++) CHECK(c->Z[i] == (i < 68 ? 3 : 8)); /* grouped, formula order */
        double V = (68 * 13.02 + 34 * 17.36) * 1e24 / 6.02214076e23;
        CHECK_REL(info.volume_A3, V, 1e-6);
        CHECK_REL(vt_cell_volume(c), V, 1e-6);
        CHECK(fabs(c->lattice[0][1]) == 0.0 && c->lattice[0][0] == c->lattice[1][1]); /* cubic */
        vt_cell_free(c);
    }
    o.density_g_cm3 = 2.01;
    if ((c = pack("Li2O", 100, o, &info, VT_OK))) {
        CHECK_REL(vt_cell_density_g_cm3(c), 2.01, 1e-12);
        CHECK_REL(info.density_g_cm3, 2.01, 1e-12);
        vt_cell_free(c);
    }
    o.density_g_cm3 = 0, o.volume_A3 = 1234.5;
    if ((c = pack("Li0.5La0.5TiO3", 25, o, &info, VT_OK))) { /* -> LiLaTi2O6, 10 atoms a unit */
        CHECK(info.n_units == 3 && c->n_atoms == 30);
        CHECK_REL(vt_cell_volume(c), 1234.5, 1e-12);
        vt_cell_free(c);
    }
}

static void test_same_seed_same_bytes(void)
{
    vt_pack_opts o = vt_pack_opts_default();
    o.density_g_cm3 = 2.5, o.seed = 42;
    vt_text t[3] = {{0}, {0}, {0}};
    for (int k = 0; k < 3; k++) {
        vt_pack_info info;
        if (k == 2) o.seed = 43;
        vt_cell *c = pack("Li2O", 90, o, &info, VT_OK);
        if (!c) return;
        const vt_cell *frames[1] = {c};
        CHECK(vt_traj_write_text(&t[k], "x.xyz", NULL, frames, 1) == VT_OK);
        vt_cell_free(c);
    }
    CHECK(t[0].len == t[1].len && memcmp(t[0].p, t[1].p, t[0].len) == 0);
    CHECK(t[0].len != t[2].len || memcmp(t[0].p, t[2].p, t[0].len) != 0);
    for (int k = 0; k < 3; k++) vt_text_clear(&t[k]);
}

static void test_refusals(void)
{
    vt_pack_opts o = vt_pack_opts_default();
    o.density_g_cm3 = 5.0; /* Li2O spheres would fill 0.80 of the cell */
    pack("Li2O", 100, o, NULL, VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "too high for the minimum distances") && strstr(vt_errmsg(), "random close packing"));
    CHECK(strchr(vt_errmsg(), '\n') == NULL);
    o.density_g_cm3 = 0, o.volume_A3 = 0.1; /* one Cs atom, a 0.46 A cube: closer than d_CsCs = 0.49 A to itself */
    o.tolerance = 0.1;
    pack("Cs", 1, o, NULL, VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "own periodic image") != NULL);
    o = vt_pack_opts_default();
    o.density_g_cm3 = 2, o.volume_A3 = 100;
    pack("Li2O", 10, o, NULL, VT_EINVAL);
    o = vt_pack_opts_default();
    o.tolerance = -1;
    pack("Li2O", 10, o, NULL, VT_EINVAL);
    o = vt_pack_opts_default();
    pack("Li2O", 0, o, NULL, VT_EINVAL);
    pack("Li0.3333O", 10, o, NULL, VT_EINVAL); /* no integer formula below 1000 */
    o.density_g_cm3 = 4.0, o.max_sweeps = 3; /* feasible in principle, but not in 3 sweeps */
    pack("Li2O", 100, o, NULL, VT_ENOCONV);
}

int main(void)
{
    test_distances();
    test_counts_and_volume();
    test_same_seed_same_bytes();
    test_refusals();
    TEST_DONE();
}
