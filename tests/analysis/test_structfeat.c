/* test_structfeat.c - the 21 structural features (acceptance 6 of issue 6).
** 1. Hand-built crystals: rock-salt LiF, antifluorite Li2O and CsCl-type LiTl, every feature equal
**    to a value worked out by hand below (tolerance 1e-12 relative: same arithmetic, rounding only),
**    the path features under both rules (default: obstacles within 3 A; "slab": Sendek's).
** 2. Invariances on a random triclinic Li3PS4 packing (no symmetric ties) and on the crystals: a
**    supercell, a rotation, a permutation of the atoms and wrapping give the same 21 values (1e-10).
** 3. The paper's n - 1 bond statistics, trajectory averages, and the failures.
** Element data (pymatgen / Cordero): X Li 0.98, F 3.98, O 3.44, Tl 1.62; r Li 1.28, F 0.57,
** O 0.66, Tl 1.45 A. Bonds: d <= 4 A. The oracle for the geometry on amorphous cells is pymatgen
** (test_structfeat_pymatgen.sh). */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "testcell.h"
#include "vitrum.h"

enum {
    AAV, LBI, SDLI, SBI, ENS, RBI, AFC, AASD, VPA, LASD, LLSD,
    LNC, SDLC, LLB, SNC, RNC, PF, SPF, SLPW, SLPW_PP, SLPE
};
#define TOL 1e-12
static const double PI = 3.14159265358979323846;

/* A cubic cell of edge a (A) with atoms at fractional positions f of elements Z. */
static vt_cell *cubic(double a, size_t n, const double (*f)[3], const int *Z)
{
    double L[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(n, L, 0, &c) == VT_OK);
    vt_cell_set_frac(c, f);
    memcpy(c->Z, Z, n * sizeof *Z);
    return c;
}

/* Rock salt: Li on fcc (0,0,0)+, F on (1/2,0,0)+. */
static vt_cell *lif(double a)
{
    static const double f[8][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                                   {.5, 0, 0}, {0, .5, 0}, {0, 0, .5}, {.5, .5, .5}};
    static const int Z[8] = {3, 3, 3, 3, 9, 9, 9, 9};
    return cubic(a, 8, f, Z);
}

/* Antifluorite: O on fcc, Li on all 8 tetrahedral sites (+-1/4, +-1/4, +-1/4). */
static vt_cell *li2o(double a)
{
    double f[12][3];
    int Z[12];
    static const double fcc[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    for (int i = 0; i < 4; i++) {
        memcpy(f[i], fcc[i], sizeof f[i]);
        Z[i] = 8;
    }
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 3; k++) f[4 + i][k] = (i >> k & 1) ? 0.75 : 0.25;
        Z[4 + i] = 3;
    }
    return cubic(a, 12, (const double(*)[3])f, Z);
}

/* CsCl type: Li at (0,0,0), Tl at (1/2,1/2,1/2): one Li, so its nearest Li is its own image. */
static vt_cell *litl(double a)
{
    static const double f[2][3] = {{0, 0, 0}, {.5, .5, .5}};
    static const int Z[2] = {3, 81};
    return cubic(a, 2, f, Z);
}

static void compute(const vt_cell *c, const vt_structfeat_opts *o, double f[VT_N_STRUCTFEAT])
{
    vt_status s = vt_structfeat_compute(c, o, f);
    if (s != VT_OK) fprintf(stderr, "vt_structfeat_compute: %s\n", vt_errmsg());
    CHECK(s == VT_OK);
}

/* Sendek's path rule (atoms between the two Li): the values worked out as "slab" below. */
static vt_structfeat_opts slab_opts(void)
{
    vt_structfeat_opts o = vt_structfeat_opts_default();
    o.path_radius_A = 0.0;
    return o;
}

/* The default path rule: obstacles within 3 A of the Li, distance to the path's line. */
static void check_paths(const char *what, const double *f, double w, double w_pp, double x)
{
    double want[3] = {w, w_pp, x};
    for (int k = 0; k < 3; k++)
        if (!(fabs(f[SLPW + k] - want[k]) <= TOL * fmax(1.0, fabs(want[k])))) {
            fprintf(stderr, "%s: %s = %.17g, want %.17g\n", what, vt_structfeat_names()[SLPW + k], f[SLPW + k], want[k]);
            CHECK(0);
        }
}

static void check_all(const char *what, const double *got, const double *want, double tol)
{
    const char *const *names = vt_structfeat_names();
    for (int j = 0; j < VT_N_STRUCTFEAT; j++)
        if (!(fabs(got[j] - want[j]) <= tol * fmax(1.0, fabs(want[j])))) {
            fprintf(stderr, "%s: %s = %.17g, want %.17g\n", what, names[j], got[j], want[j]);
            CHECK(0);
        } else {
            CHECK(1);
        }
}

static void test_names(void)
{
    const char *want = "AAV LBI SDLI SBI ENS RBI AFC AASD VPA LASD LLSD LNC SDLC LLB SNC RNC PF SPF SLPW "
                       "SLPW_pp SLPE"; /* the structural columns of feature_target.dat, in order */
    char got[256] = "";
    for (int j = 0; j < VT_N_STRUCTFEAT; j++) {
        if (j) strcat(got, " ");
        strcat(got, vt_structfeat_names()[j]);
    }
    CHECK(strcmp(got, want) == 0);
}

/* Rock-salt LiF, a = 4.03 A (conventional cell: 4 Li + 4 F, V = a^3).
 * Shells around any atom: 6 unlike at a/2 = 2.015, 12 like at a/sqrt2 = 2.8496, 8 unlike at
 * a sqrt3/2 = 3.4901, 6 like at a = 4.03 > 4 (out). So every atom has 26 bonds: 14 to the other
 * element (|dX| = 3.98 - 0.98 = 3), 12 to its own (|dX| = 0).
 *   AAV = a^3/8;  LNC = SNC = 26, SDLC = 0, LLB = 12, RNC = 1
 *   LBI = SBI = 14*3/26 = 21/13, RBI = 1;  SDLI = 3 sqrt(14/26 * 12/26) = 3 sqrt(42)/13
 *   ENS = 3.98;  PF = 4 (4/3) pi (1.28^3 + 0.57^3) / a^3, SPF = 4 (4/3) pi 0.57^3 / a^3
 *   Anion, paper rule: "Li" sorts after "F", so the anion is Li: VPA = a^3/4, AASD = a/sqrt2,
 *   AFC = 12 (window a/sqrt2 + 1 = 3.85 A holds the 12 Li at a/sqrt2 only), LASD = LLSD = a/sqrt2.
 *   Path: Li(0,0,0) -> Li (a/2)(1,1,0), d.d = a^2/2. An atom at (a/2)(i,j,k) has t = (i+j)/2 and
 *   h^2 = (a/2)^2 ((i-j)^2/2 + k^2). In 0 <= t <= 1 the narrowest is F at (a/2)(1,0,0):
 *   t = 1/2, h = a/(2 sqrt2) = 1.42482, h - r = 0.85482; next Li at (a/2)(1,0,1): h = (a/2)
 *   sqrt(3/2) = 2.468, h - r = 1.188; F on the end planes, (a/2)(0,0,1): h = a/2, h - r = 1.445.
 *   Slab: SLPW = a/(2 sqrt2) - 0.57, SLPW_pp = a/(2 sqrt2), SLPE = X(F) = 3.98 (12 paths alike).
 *   Default (within 3 A of the Li, to the line): the Li at -(a/2)(1,1,0), 2.85 A away, sits on
 *   the line: SLPW = 0 - 1.28, SLPW_pp = 0, SLPE = 0.98. */
static void test_lif(void)
{
    const double a = 4.03, V = a * a * a, s2 = sqrt(2.0);
    vt_cell *c = lif(a);
    double f[VT_N_STRUCTFEAT], w[VT_N_STRUCTFEAT];
    compute(c, NULL, f);
    check_paths("LiF", f, -1.28, 0.0, 0.98);
    vt_structfeat_opts so = slab_opts();
    compute(c, &so, f);
    w[AAV] = V / 8;
    w[LBI] = w[SBI] = 21.0 / 13.0;
    w[SDLI] = 3 * sqrt(42.0) / 13;
    w[ENS] = 3.98;
    w[RBI] = 1;
    w[AFC] = 12;
    w[AASD] = w[LASD] = w[LLSD] = a / s2;
    w[VPA] = V / 4;
    w[LNC] = w[SNC] = 26;
    w[SDLC] = 0;
    w[LLB] = 12;
    w[RNC] = 1;
    w[PF] = 4 * 4.0 / 3 * PI * (pow(1.28, 3) + pow(0.57, 3)) / V;
    w[SPF] = 4 * 4.0 / 3 * PI * pow(0.57, 3) / V;
    w[SLPW] = a / (2 * s2) - 0.57;
    w[SLPW_PP] = a / (2 * s2);
    w[SLPE] = 3.98;
    check_all("LiF", f, w, TOL);
    /* The chemically right anion is F: same count (VPA), F-F = a/sqrt2 (AASD, AFC 12 as for Li),
     * but Li-F nearest = a/2. */
    vt_structfeat_opts o = slab_opts();
    o.anion = VT_ANION_ELECTRONEGATIVE;
    compute(c, &o, f);
    w[LASD] = a / 2;
    check_all("LiF electronegative anion", f, w, TOL);
    /* The table's n - 1 statistics: 4 Li x 26 = 104 Li bonds, 56 of |dX| 3 and 48 of 0:
     * LBI = 168/103, SDLI = sqrt((56 (3 - LBI)^2 + 48 LBI^2) / 103). */
    o = vt_structfeat_opts_default();
    o.paper_bond_stats = 1;
    compute(c, &o, f);
    double lbi = 168.0 / 103;
    CHECK_REL(f[LBI], lbi, TOL);
    CHECK_REL(f[SDLI], sqrt((56 * (3 - lbi) * (3 - lbi) + 48 * lbi * lbi) / 103), TOL);
    CHECK_REL(f[SBI], 21.0 / 13.0, TOL); /* SBI has no such quirk in the table */
    CHECK_REL(f[RBI], lbi / (21.0 / 13.0), TOL);
    vt_cell_free(c);
}

/* Antifluorite Li2O, a = 4.60 A (4 O + 8 Li, V = a^3; dX = 3.44 - 0.98 = 2.46).
 * Li sublattice: simple cubic of edge a/2 = 2.3: Li-Li 6 at 2.3, 12 at 3.2527, 8 at 3.9837 (in),
 * then 6 at 4.6 (out) -> 26 Li. Li-O: 4 at a sqrt3/4 = 1.9919, 12 at a sqrt11/4 = 3.8140, then at
 * a sqrt19/4 = 5.02 (out) -> 16 O. So LNC = 42, LLB = 26, SDLC = 0.
 * O: 12 O at a/sqrt2 = 3.2527 (next 4.6 out); O-Li pairs 8 x (4 + 12) = 128 over 4 O = 32 Li.
 * So SNC = 44, RNC = 42/44.
 *   LBI = 16*2.46/42, SDLI = 2.46 sqrt(16/42 * 26/42), SBI = 32*2.46/44, RBI = LBI/SBI
 *   AAV = a^3/12; ENS = 3.44; anion O ("O" sorts after "Li"): VPA = a^3/4, AASD = a/sqrt2,
 *   AFC = 12 (window to 4.2527 A: next O-O at 4.6), LASD = a sqrt3/4, LLSD = a/2
 *   PF = (8 (4/3) pi 1.28^3 + 4 (4/3) pi 0.66^3) / a^3, SPF = 4 (4/3) pi 0.66^3 / a^3
 *   Path: Li -> Li along x, d = (a/2, 0, 0). O relative to Li at (a/4)(odd, odd, odd); with
 *   0 <= t <= 1 only x = a/4 (t = 1/2), h = (a/4) sqrt(1 + 1) = a/(2 sqrt2) = 1.6263,
 *   h - r = 0.9663. Li only on the end planes (t = 0, 1) at h >= a/2 = 2.3, h - r = 1.02.
 *   Slab: SLPW = a/(2 sqrt2) - 0.66, SLPW_pp = a/(2 sqrt2), SLPE = 3.44.
 *   Default: the Li at (-a/2, 0, 0), 2.3 A away, is on the line: SLPW = -1.28, SLPW_pp = 0,
 *   SLPE = 0.98. */
static void test_li2o(void)
{
    const double a = 4.60, V = a * a * a, dx = 3.44 - 0.98, v = 4.0 / 3 * PI;
    vt_cell *c = li2o(a);
    double f[VT_N_STRUCTFEAT], w[VT_N_STRUCTFEAT];
    compute(c, NULL, f);
    check_paths("Li2O", f, -1.28, 0.0, 0.98);
    vt_structfeat_opts so = slab_opts();
    compute(c, &so, f);
    w[AAV] = V / 12;
    w[LBI] = 16 * dx / 42;
    w[SDLI] = dx * sqrt(16.0 / 42 * 26.0 / 42);
    w[SBI] = 32 * dx / 44;
    w[ENS] = 3.44;
    w[RBI] = w[LBI] / w[SBI];
    w[AFC] = 12;
    w[AASD] = a / sqrt(2.0);
    w[VPA] = V / 4;
    w[LASD] = a * sqrt(3.0) / 4;
    w[LLSD] = a / 2;
    w[LNC] = 42;
    w[SDLC] = 0;
    w[LLB] = 26;
    w[SNC] = 44;
    w[RNC] = 42.0 / 44;
    w[PF] = (8 * v * pow(1.28, 3) + 4 * v * pow(0.66, 3)) / V;
    w[SPF] = 4 * v * pow(0.66, 3) / V;
    w[SLPW] = a / (2 * sqrt(2.0)) - 0.66;
    w[SLPW_PP] = a / (2 * sqrt(2.0));
    w[SLPE] = 3.44;
    check_all("Li2O", f, w, TOL);
    vt_structfeat_opts o = slab_opts();
    o.anion = VT_ANION_ELECTRONEGATIVE; /* O either way */
    double g[VT_N_STRUCTFEAT];
    compute(c, &o, g);
    check_all("Li2O electronegative anion", g, w, TOL);
    vt_cell_free(c);
}

/* CsCl-type LiTl, a = 3.42 A, one Li and one Tl (V = a^3; dX = 1.62 - 0.98 = 0.64).
 * Around either atom: 8 unlike at a sqrt3/2 = 2.9618, 6 like (own images) at a = 3.42, then
 * 12 like at a sqrt2 = 4.837 (out). So LNC = SNC = 14, LLB = 6, SDLC = 0, RNC = 1.
 *   LBI = SBI = 8*0.64/14, RBI = 1; SDLI = 0.64 sqrt(8/14 * 6/14)
 *   AAV = a^3/2; ENS = 1.62; anion Tl (both rules): VPA = a^3, AASD = a (Tl's own image),
 *   AFC = 6 (window to a + 1 = 4.42 A), LASD = a sqrt3/2, LLSD = a
 *   PF = (4/3) pi (1.28^3 + 1.45^3) / a^3, SPF = (4/3) pi 1.45^3 / a^3
 *   Path: Li -> its own image at (a, 0, 0). Tl at (a/2)(+-1, +-1, +-1) with x = a/2 (t = 1/2):
 *   h = (a/2) sqrt2 = a/sqrt2 = 2.4183, h - r = 0.9683; Li images only on the end planes,
 *   h >= a. SLPW = a/sqrt2 - 1.45, SLPW_pp = a/sqrt2, SLPE = 1.62. The default rule gives the
 *   same: within 3 A of Li there are only the 8 Tl (its Li images are 3.42 A away). */
static void test_litl(void)
{
    const double a = 3.42, V = a * a * a, dx = 1.62 - 0.98;
    vt_cell *c = litl(a);
    double f[VT_N_STRUCTFEAT], w[VT_N_STRUCTFEAT];
    compute(c, NULL, f);
    w[AAV] = V / 2;
    w[LBI] = w[SBI] = 8 * dx / 14;
    w[SDLI] = dx * sqrt(8.0 / 14 * 6.0 / 14);
    w[ENS] = 1.62;
    w[RBI] = 1;
    w[AFC] = 6;
    w[AASD] = a;
    w[VPA] = V;
    w[LASD] = a * sqrt(3.0) / 2;
    w[LLSD] = a;
    w[LNC] = w[SNC] = 14;
    w[SDLC] = 0;
    w[LLB] = 6;
    w[RNC] = 1;
    w[PF] = 4.0 / 3 * PI * (pow(1.28, 3) + pow(1.45, 3)) / V;
    w[SPF] = 4.0 / 3 * PI * pow(1.45, 3) / V;
    w[SLPW] = a / sqrt(2.0) - 1.45;
    w[SLPW_PP] = a / sqrt(2.0);
    w[SLPE] = 1.62;
    check_all("LiTl", f, w, TOL);
    vt_structfeat_opts so = slab_opts();
    compute(c, &so, f);
    check_all("LiTl slab", f, w, TOL);
    vt_cell_free(c);
}

/* ---- invariances ---- */

static vt_cell *supercell(const vt_cell *c, const int n[3])
{
    double L[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = n[i] * c->lattice[i][k];
    vt_cell *s = NULL;
    CHECK(vt_cell_new(c->n_atoms * (size_t)(n[0] * n[1] * n[2]), L, 0, &s) == VT_OK);
    size_t m = 0;
    for (int p = 0; p < n[0]; p++)
        for (int q = 0; q < n[1]; q++)
            for (int r = 0; r < n[2]; r++)
                for (size_t i = 0; i < c->n_atoms; i++, m++) {
                    for (int k = 0; k < 3; k++)
                        s->pos[m][k] = c->pos[i][k] + p * c->lattice[0][k] + q * c->lattice[1][k] + r * c->lattice[2][k];
                    s->Z[m] = c->Z[i];
                }
    return s;
}

/* Rotate (random orthogonal matrix, rows r -> r Q), permute the atoms, and move each by a
 * random whole lattice vector (-3..3 of each). */
static vt_cell *scramble(const vt_cell *c, vt_rng *rng)
{
    double Q[3][3];
    random_lattice(rng, 0.0, Q); /* diagonal times a random orthogonal matrix: normalise the rows */
    for (int i = 0; i < 3; i++) {
        double n = sqrt(Q[i][0] * Q[i][0] + Q[i][1] * Q[i][1] + Q[i][2] * Q[i][2]);
        for (int k = 0; k < 3; k++) Q[i][k] /= n;
    }
    double L[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = c->lattice[i][0] * Q[0][k] + c->lattice[i][1] * Q[1][k] + c->lattice[i][2] * Q[2][k];
    vt_cell *s = NULL;
    CHECK(vt_cell_new(c->n_atoms, L, 0, &s) == VT_OK);
    size_t *perm = malloc(c->n_atoms * sizeof *perm);
    for (size_t i = 0; i < c->n_atoms; i++) perm[i] = i;
    vt_rng_shuffle(rng, perm, c->n_atoms);
    for (size_t m = 0; m < c->n_atoms; m++) {
        size_t i = perm[m];
        int sh[3];
        for (int k = 0; k < 3; k++) sh[k] = (int)vt_rng_below(rng, 7) - 3;
        for (int k = 0; k < 3; k++)
            s->pos[m][k] = c->pos[i][0] * Q[0][k] + c->pos[i][1] * Q[1][k] + c->pos[i][2] * Q[2][k] +
                           sh[0] * L[0][k] + sh[1] * L[1][k] + sh[2] * L[2][k];
        s->Z[m] = c->Z[i];
    }
    free(perm);
    return s;
}

static void check_invariant(const char *what, const vt_cell *c, const int rep[3], vt_rng *rng,
                            const vt_structfeat_opts *o)
{
    double f0[VT_N_STRUCTFEAT], f1[VT_N_STRUCTFEAT], f2[VT_N_STRUCTFEAT], f3[VT_N_STRUCTFEAT];
    compute(c, o, f0);
    vt_cell *s = supercell(c, rep), *r = scramble(c, rng), *w = NULL;
    compute(s, o, f1);
    compute(r, o, f2);
    CHECK(vt_cell_copy(r, &w) == VT_OK);
    CHECK(vt_cell_wrap(w) == VT_OK);
    compute(w, o, f3);
    char msg[128];
    snprintf(msg, sizeof msg, "%s supercell %dx%dx%d", what, rep[0], rep[1], rep[2]);
    check_all(msg, f1, f0, 1e-10);
    snprintf(msg, sizeof msg, "%s rotated+permuted+shifted", what);
    check_all(msg, f2, f0, 1e-10);
    snprintf(msg, sizeof msg, "%s wrapped", what);
    check_all(msg, f3, f0, 1e-10);
    vt_cell_free(s);
    vt_cell_free(r);
    vt_cell_free(w);
}

/* A random triclinic packing (vt_pack): no symmetry, so no ties anywhere. */
static vt_cell *random_cell(const char *formula, size_t n, double density, uint64_t seed)
{
    vt_composition comp;
    CHECK(vt_composition_parse(formula, &comp) == VT_OK);
    vt_pack_opts o = vt_pack_opts_default();
    o.density_g_cm3 = density;
    o.seed = seed;
    double shape[3][3] = {{1.0, 0, 0}, {0.3, 1.1, 0}, {-0.2, 0.25, 0.9}};
    memcpy(o.shape, shape, sizeof shape);
    vt_cell *c = NULL;
    vt_status s = vt_pack(&comp, n, &o, &c, NULL);
    if (s != VT_OK) fprintf(stderr, "vt_pack %s: %s\n", formula, vt_errmsg());
    CHECK(s == VT_OK);
    return c;
}

static void test_invariances(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 2024);
    vt_cell *c = random_cell("Li3PS4", 48, 1.9, 7);
    if (c) {
        vt_structfeat_opts so = slab_opts();
        check_invariant("Li3PS4", c, (const int[3]){2, 1, 2}, &rng, NULL);
        check_invariant("Li3PS4 slab", c, (const int[3]){1, 3, 1}, &rng, &so);
        vt_cell_free(c);
    }
    const int rep[3] = {1, 2, 3};
    c = lif(4.03);
    check_invariant("LiF", c, rep, &rng, NULL);
    vt_cell_free(c);
    c = li2o(4.60);
    check_invariant("Li2O", c, rep, &rng, NULL);
    vt_cell_free(c);
    c = litl(3.42);
    check_invariant("LiTl", c, (const int[3]){3, 2, 2}, &rng, NULL);
    vt_cell_free(c);
}

/* A cutoff larger than the cell (counts over many images of each atom): LiTl with rc = 5 A adds
 * the 12 Li at a sqrt2 = 4.837 to Li's bonds (and 12 Tl to Tl's): LNC = 26, LLB = 18. */
static void test_long_cutoff(void)
{
    vt_cell *c = litl(3.42);
    vt_structfeat_opts o = vt_structfeat_opts_default();
    o.cutoff_A = 5.0;
    double f[VT_N_STRUCTFEAT];
    compute(c, &o, f);
    CHECK_REL(f[LNC], 26, TOL);
    CHECK_REL(f[LLB], 18, TOL);
    CHECK_REL(f[SNC], 26, TOL);
    CHECK_REL(f[LBI], 8 * 0.64 / 26, TOL);
    vt_cell_free(c);
}

/* Trajectory: LiF at a = 4.03, 4.05, 4.07 A. AAV = a^3/8 and LLSD = a/sqrt2 average over frames
 * with their sample std; LNC stays 26 (std 0). Frame selection skips and strides. */
static void test_traj(void)
{
    const double as[3] = {4.03, 4.05, 4.07};
    vt_traj *t = NULL;
    CHECK(vt_traj_new(&t) == VT_OK);
    for (int i = 0; i < 3; i++) CHECK(vt_traj_append(t, lif(as[i])) == VT_OK);
    vt_estimate e[VT_N_STRUCTFEAT];
    CHECK(vt_structfeat_traj(t, NULL, e) == VT_OK);
    double v[3], m = 0, s = 0;
    for (int i = 0; i < 3; i++) m += (v[i] = as[i] * as[i] * as[i] / 8) / 3;
    for (int i = 0; i < 3; i++) s += (v[i] - m) * (v[i] - m) / 2;
    CHECK_REL(e[AAV].value, m, TOL);
    CHECK_REL(e[AAV].sigma, sqrt(s), 1e-10);
    CHECK_REL(e[LLSD].value, 4.05 / sqrt(2.0), TOL);
    CHECK_REL(e[LLSD].sigma, 0.02 / sqrt(2.0), 1e-10); /* std of 4.03, 4.05, 4.07 = 0.02 */
    CHECK(e[LNC].value == 26 && e[LNC].sigma == 0);
    vt_structfeat_opts o = vt_structfeat_opts_default();
    o.first_frame = 1;
    o.stride = 2; /* frame 1 only */
    CHECK(vt_structfeat_traj(t, &o, e) == VT_OK);
    CHECK_REL(e[AAV].value, v[1], TOL);
    CHECK(e[AAV].sigma == 0);
    o.first_frame = 3;
    CHECK(vt_structfeat_traj(t, &o, e) == VT_EINVAL);
    vt_traj_free(t);
}

static void test_errors(void)
{
    double f[VT_N_STRUCTFEAT];
    static const double pos2[2][3] = {{0, 0, 0}, {.5, .5, .5}};
    vt_cell *c = cubic(3.0, 2, pos2, (const int[2]){11, 17}); /* NaCl: no Li */
    CHECK(vt_structfeat_compute(c, NULL, f) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "no Li") != NULL);
    vt_cell_free(c);
    c = cubic(3.0, 2, pos2, (const int[2]){3, 3}); /* only Li */
    CHECK(vt_structfeat_compute(c, NULL, f) == VT_ERANGE);
    vt_cell_free(c);
    c = cubic(3.0, 2, pos2, (const int[2]){3, 18}); /* Ar has no electronegativity */
    CHECK(vt_structfeat_compute(c, NULL, f) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "Ar") != NULL);
    vt_cell_free(c);
    c = litl(3.42);
    vt_structfeat_opts o = vt_structfeat_opts_default();
    o.cutoff_A = -1;
    CHECK(vt_structfeat_compute(c, &o, f) == VT_EINVAL);
    o = vt_structfeat_opts_default();
    o.anion = (vt_anion_rule)7;
    CHECK(vt_structfeat_compute(c, &o, f) == VT_EINVAL);
    o = vt_structfeat_opts_default();
    o.path_radius_A = -1;
    CHECK(vt_structfeat_compute(c, &o, f) == VT_EINVAL);
    o = vt_structfeat_opts_default();
    o.stride = 0;
    CHECK(vt_structfeat_compute(c, &o, f) == VT_EINVAL);
    for (int k = 0; k < 3; k++) c->lattice[2][k] = c->lattice[0][k]; /* singular */
    CHECK(vt_structfeat_compute(c, NULL, f) == VT_ERANGE);
    vt_cell_free(c);
}

/* A dilute cell: 1 Li and 1 O (body centre) in a 30 A box, far beyond the first search radius
 * (8 A), which must grow. Nearest like atoms are the 6 own images at 30 A: LLSD = AASD = 30 and
 * AFC = 6 (the next shell, 30 sqrt2, is outside 31 A); LASD = 30 sqrt3/2. No bond within 4 A:
 * LNC = SNC = 0, LBI and SBI NaN. */
static void test_dilute(void)
{
    static const double pos2[2][3] = {{0, 0, 0}, {.5, .5, .5}};
    vt_cell *c = cubic(30.0, 2, pos2, (const int[2]){3, 8});
    double f[VT_N_STRUCTFEAT];
    compute(c, NULL, f);
    CHECK(isnan(f[SLPW]) && isnan(f[SLPW_PP]) && isnan(f[SLPE])); /* nothing within 3 A */
    vt_structfeat_opts so = slab_opts();
    compute(c, &so, f);
    CHECK_REL(f[LLSD], 30, TOL);
    CHECK_REL(f[AASD], 30, TOL);
    CHECK_REL(f[AFC], 6, TOL);
    CHECK_REL(f[LASD], 15 * sqrt(3.0), TOL);
    CHECK(f[LNC] == 0 && f[SNC] == 0);
    CHECK(isnan(f[LBI]) && isnan(f[SBI]));
    /* path Li -> Li image at (30,0,0): O at (15, +-15, +-15): h = 15 sqrt2 */
    CHECK_REL(f[SLPW_PP], 15 * sqrt(2.0), TOL);
    CHECK_REL(f[SLPW], 15 * sqrt(2.0) - 0.66, TOL);
    vt_cell_free(c);
}

int main(void)
{
    test_names();
    test_lif();
    test_li2o();
    test_litl();
    test_invariances();
    test_long_cutoff();
    test_traj();
    test_errors();
    test_dilute();
    TEST_DONE();
}
