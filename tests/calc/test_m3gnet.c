/* test_m3gnet.c - the native M3GNet back end (src/calc/m3gnet*.c).
**   1. Energies against matgl (REFERENCE.md of the model folder): MoS -10.824362 eV within 1e-5;
**      the AcAla3NHMe molecule -250.16828 eV (consistent indexing) and -250.16803 eV (matgl
**      indexing) within 3e-5; float and double precision.
**   2. Forces and stress equal central finite differences of the energy (double precision,
**      positions h = 1e-4 A, symmetric strain h = 1e-5) to 1e-5 relative (CHECK_REL: absolute
**      below 1) on random periodic triclinic cells of Li-Si, Li-P-S, Li-La-Zr-O and Li-Cu-Si with
**      50-150 atoms packed at >= 1.8 A, some narrower than the cutoff (several images).
**   3. Invariants: 1 and 2 threads agree; float agrees with double (measured and printed); the
**      forces sum to zero; a 2x1x1 supercell has twice the energy.
**   4. Loader: a truncated weights.bin, a wrong shape, a missing tensor and an unknown option fail
**      with messages naming the problem; an element outside the model is VT_ENOTSUP.
**   5. The TF m3gnet model MP-2021.2.8-EFS (model=efs): the values the m3gnet repository's own tests
**      assert (m3gnet/models/tests/test_model.py, test_calculator.py), which TF computed in float32:
**        bcc Mo a = 3.30 A: E = -21.3307 eV (TF: 3 decimals; here within 1e-4 eV), forces 0 (1e-6),
**          stress xx = yy = zz = 28.519585 GPa (TF: atol 1e-2; here 1e-4 GPa), off-diagonal 0;
**        the same cube with Cartesian positions (0,0,0), (0.5,0.5,0.5) A: E = 325.37271 eV
**          (here within 1e-4 eV: 3e-7 relative, float32 rounding of TF's own sum), F_0 = -673.525
**          (1,1,1) eV/A (TF's 3 decimals; here 1e-3 eV/A), F_1 = -F_0;
**      in float and double precision; two heteroatomic cells (NaCl, a triclinic Li2OSi) against the
**      numpy oracle (E 2e-5 eV, F 1e-4 eV/A, stress 1e-4 GPa), which the Mo cells, all atoms
**      equivalent, cannot replace; then 2. and the float/double and thread checks on random cells,
**      and the loader on a damaged copy of its folder. The numpy oracle of the same model:
**      test_m3gnet_tf.sh.
** Needs the weights (models/ of the source tree or ../shared/models): exit 77 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "testcell.h"
#include "vitrum.h"

static char model_dir[1024], efs_dir[1024]; /* matgl's PES model, the TF model */

static int has_weights(const char *dir)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/weights.bin", dir);
    return access(p, R_OK) == 0;
}

static void find_model(const char *name, char dir[1024])
{
    const char *src = getenv("VT_SOURCE"), *shared = getenv("VT_SHARED");
    snprintf(dir, 1024, "%s/models/%s", src ? src : ".", name);
    if (has_weights(dir)) return;
    snprintf(dir, 1024, "%s/models/%s", shared ? shared : "../shared", name);
    if (has_weights(dir)) return;
    printf("skipped: no %s weights in models/ or ../shared/models\n", name);
    exit(77);
}

static vt_calc *open_calc(const char *dir, const char *opts)
{
    char spec[1400];
    snprintf(spec, sizeof spec, "m3gnet:dir=%s%s%s", dir, opts && *opts ? "," : "", opts ? opts : "");
    vt_calc *c = NULL;
    if (vt_calc_open(spec, &c) != VT_OK) {
        fprintf(stderr, "open %s: %s\n", spec, vt_errmsg());
        exit(1);
    }
    return c;
}

static double energy(vt_calc *calc, const vt_cell *c)
{
    vt_calc_result r = {0};
    if (vt_calc_compute(calc, c, &r) != VT_OK) {
        fprintf(stderr, "compute: %s\n", vt_errmsg());
        exit(1);
    }
    return r.energy_eV;
}

static vt_cell *new_cell(size_t n, const double L[3][3])
{
    vt_cell *c = NULL;
    if (vt_cell_new(n, L, 0, &c) != VT_OK) exit(1);
    return c;
}

/* ---------------------------------------------------------------------------------------------
** 1. Energies against matgl
*/
static void test_mos(void)
{
    const double L[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};
    vt_cell *c = new_cell(2, L);
    c->Z[0] = 42, c->Z[1] = 16;
    for (int k = 0; k < 3; k++) c->pos[1][k] = 2.0;
    const char *modes[2] = {"precision=float", "precision=double"};
    for (int m = 0; m < 2; m++) {
        vt_calc *calc = open_calc(model_dir, modes[m]);
        double f[2][3];
        vt_calc_result r = {.forces = f, .want_stress = 1};
        CHECK(vt_calc_compute(calc, c, &r) == VT_OK);
        printf("MoS %s: E = %.7f eV (matgl -10.824362), stress xx %.6f yy %.6f zz %.6f GPa\n", modes[m],
               r.energy_eV, r.stress_GPa[0][0], r.stress_GPa[1][1], r.stress_GPa[2][2]);
        CHECK(fabs(r.energy_eV - -10.824362) <= 1e-5);
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++) CHECK(fabs(f[i][k]) < 1e-5); /* zero by symmetry */
        CHECK(fabs(r.stress_GPa[0][0] - r.stress_GPa[1][1]) < 1e-5 && fabs(r.stress_GPa[0][0] - r.stress_GPa[2][2]) < 1e-5);
        CHECK(fabs(r.stress_GPa[0][1]) < 1e-5);
        vt_calc_free(calc);
    }
    vt_cell_free(c);
}

/* matgl's tests/ext/test_ase_dgl.py molecule (coordinates in Angstrom), non-periodic. */
static const struct { int Z; double x, y, z; } acala[42] = {
    {1, 2.04866, 3.0397, -1.90538}, {1, 2.57508, 1.72268, -0.856315}, {1, 2.17184, 3.30896, -0.152382},
    {6, 1.90655, 2.58401, -0.92348}, {8, 0.037714, 1.25465, -1.59488}, {6, 0.483967, 2.10062, -0.827513},
    {7, -0.289728, 2.66225, 0.136071}, {1, 0.161037, 3.23064, 0.832326}, {6, -1.66536, 2.24227, 0.388567},
    {1, -1.9808, 2.78577, 1.282}, {6, -2.60093, 2.60713, -0.760946}, {6, -1.65737, 0.769353, 0.840767},
    {8, -1.07671, 0.464849, 1.87157}, {1, -3.62795, 2.3159, -0.527314}, {1, -2.58345, 3.68786, -0.912033},
    {1, -2.28934, 2.13627, -1.69468}, {7, -2.28796, -0.137832, 0.065975}, {1, -2.61433, 0.150844, -0.842711},
    {6, -2.21633, -1.56248, 0.355258}, {1, -2.49106, -1.71026, 1.40128}, {6, -3.17539, -2.32986, -0.547194},
    {6, -0.796612, -2.1518, 0.244173}, {8, -0.545385, -3.20721, 0.795462}, {1, -3.09773, -3.39555, -0.33182},
    {1, -4.20586, -2.01059, -0.375903}, {1, -2.92852, -2.17659, -1.60274}, {7, 0.085186, -1.43854, -0.489616},
    {1, -0.203936, -0.57022, -0.92587}, {6, 1.4937, -1.76346, -0.597477}, {1, 1.62352, -2.74612, -0.134396},
    {6, 1.93595, -1.80971, -2.05523}, {6, 2.37375, -0.79291, 0.212842}, {8, 3.55545, -0.639111, -0.056601},
    {1, 3.00626, -2.00417, -2.11517}, {1, 1.39238, -2.59759, -2.5804}, {1, 1.73079, -0.853384, -2.54426},
    {7, 1.77244, -0.143217, 1.23186}, {1, 0.795387, -0.298277, 1.437}, {6, 2.52442, 0.707989, 2.12658},
    {1, 3.17617, 0.124743, 2.7838}, {1, 3.1563, 1.39339, 1.55717}, {1, 1.81944, 1.27508, 2.73527},
};

static void test_acala(void)
{
    /* a 30 A box: no image within the 5 A cutoff of any atom (the molecule spans < 9 A) */
    const double L[3][3] = {{30, 0, 0}, {0, 30, 0}, {0, 0, 30}};
    vt_cell *c = new_cell(42, L);
    for (int i = 0; i < 42; i++) {
        c->Z[i] = acala[i].Z;
        c->pos[i][0] = acala[i].x, c->pos[i][1] = acala[i].y, c->pos[i][2] = acala[i].z;
    }
    const struct { const char *opts; double want; } cases[4] = {
        {"precision=float", -250.16828}, {"precision=double", -250.16828},
        {"precision=float,indexing=matgl", -250.16803}, {"precision=double,indexing=matgl", -250.16803},
    };
    for (int k = 0; k < 4; k++) {
        vt_calc *calc = open_calc(model_dir, cases[k].opts);
        double E = energy(calc, c);
        printf("AcAla3NHMe %s: E = %.6f eV (want %.5f)\n", cases[k].opts, E, cases[k].want);
        CHECK(fabs(E - cases[k].want) <= 3e-5);
        vt_calc_free(calc);
    }
    vt_cell_free(c);
}

/* ---------------------------------------------------------------------------------------------
** 2. Finite differences on random cells
*/
/* Random triclinic cell of n atoms, volume vol_per_atom * n, elements drawn from Z[] with weights
 * w[], no two atoms (any images) closer than 1.8 A (rejection; minimum image over 27 images). */
static vt_cell *random_cell(vt_rng *rng, size_t n, double vol_per_atom, const int *Z, const double *w, int nz)
{
    double L[3][3];
    for (;;) {
        random_lattice(rng, 0.3, L);
        double s = cbrt(vol_per_atom * n / vt_lattice_volume(L));
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) L[i][k] *= s;
        double par[6];
        vt_lattice_parameters(L, par);
        if (par[0] > 4.5 && par[1] > 4.5 && par[2] > 4.5) break; /* room for 1.8 A spacing */
    }
    vt_cell *c = new_cell(n, L);
    double wsum = 0;
    for (int k = 0; k < nz; k++) wsum += w[k];
    for (size_t i = 0; i < n; i++) {
        double u = uniform(rng, 0, wsum);
        int k = 0;
        while (k < nz - 1 && u >= w[k]) u -= w[k++];
        c->Z[i] = Z[k];
        for (int tries = 0;; tries++) {
            double f[3] = {vt_rng_uniform(rng), vt_rng_uniform(rng), vt_rng_uniform(rng)};
            for (int x = 0; x < 3; x++) c->pos[i][x] = f[0] * L[0][x] + f[1] * L[1][x] + f[2] * L[2][x];
            double dmin = 1e9;
            double inv[3][3];
            vt_lattice_inverse(L, inv);
            for (size_t j = 0; j < i; j++) {
                double df[3];
                for (int x = 0; x < 3; x++) {
                    double dr[3] = {c->pos[j][0] - c->pos[i][0], c->pos[j][1] - c->pos[i][1], c->pos[j][2] - c->pos[i][2]};
                    df[x] = dr[0] * inv[0][x] + dr[1] * inv[1][x] + dr[2] * inv[2][x];
                    df[x] -= floor(df[x] + 0.5);
                }
                for (int a = -1; a <= 1; a++)
                    for (int b = -1; b <= 1; b++)
                        for (int cc = -1; cc <= 1; cc++) {
                            double g[3] = {df[0] + a, df[1] + b, df[2] + cc}, d2 = 0;
                            for (int x = 0; x < 3; x++) {
                                double v = g[0] * L[0][x] + g[1] * L[1][x] + g[2] * L[2][x];
                                d2 += v * v;
                            }
                            if (d2 < dmin) dmin = d2;
                        }
            }
            if (dmin >= 1.8 * 1.8) break;
            if (tries > 100000) {
                fprintf(stderr, "random_cell: cannot place atom %zu\n", i);
                exit(1);
            }
        }
    }
    return c;
}

static void strain_cell(const vt_cell *c0, vt_cell *c, int a, int b, double h)
{
    double e[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    e[a][b] += a == b ? h : h / 2;
    e[b][a] += a == b ? 0 : h / 2;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            c->lattice[i][k] = c0->lattice[i][0] * e[0][k] + c0->lattice[i][1] * e[1][k] + c0->lattice[i][2] * e[2][k];
    for (size_t n = 0; n < c0->n_atoms; n++)
        for (int k = 0; k < 3; k++)
            c->pos[n][k] = c0->pos[n][0] * e[0][k] + c0->pos[n][1] * e[1][k] + c0->pos[n][2] * e[2][k];
}

static void fd_check(vt_calc *calc, vt_cell *c, vt_rng *rng, const char *name)
{
    size_t n = c->n_atoms;
    double (*f)[3] = malloc(n * sizeof *f);
    vt_calc_result r = {.forces = f, .want_stress = 1};
    CHECK(vt_calc_compute(calc, c, &r) == VT_OK);
    double sum[3] = {0, 0, 0}, fbig = 0, err_f = 0, err_s = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) sum[k] += f[i][k], fbig = fbig > fabs(f[i][k]) ? fbig : fabs(f[i][k]);
    for (int k = 0; k < 3; k++) CHECK(fabs(sum[k]) < 1e-9 * (1 + fbig));
    const double h = 1e-4;
    for (int q = 0; q < 6; q++) { /* six random force components */
        size_t i = vt_rng_below(rng, n);
        int k = (int)vt_rng_below(rng, 3);
        double x0 = c->pos[i][k];
        c->pos[i][k] = x0 + h;
        double ep = energy(calc, c);
        c->pos[i][k] = x0 - h;
        double em = energy(calc, c);
        c->pos[i][k] = x0;
        double fd = -(ep - em) / (2 * h);
        CHECK_REL(f[i][k], fd, 1e-5);
        double e = fabs(f[i][k] - fd) / fmax(1, fabs(fd));
        err_f = e > err_f ? e : err_f;
    }
    vt_cell *s = NULL;
    CHECK(vt_cell_copy(c, &s) == VT_OK);
    const double hs = 1e-5, V = vt_lattice_volume(c->lattice);
    const int ab[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
    for (int q = 0; q < 6; q++) {
        int a = ab[q][0], b = ab[q][1];
        strain_cell(c, s, a, b, hs);
        double ep = energy(calc, s);
        strain_cell(c, s, a, b, -hs);
        double em = energy(calc, s);
        double fd = (ep - em) / (2 * hs) / V * VT_EV_PER_A3_IN_GPA;
        CHECK_REL(r.stress_GPa[a][b], fd, 1e-5);
        double e = fabs(r.stress_GPa[a][b] - fd) / fmax(1, fabs(fd));
        err_s = e > err_s ? e : err_s;
    }
    printf("%-12s %3zu atoms, E = %.6f eV, |F|max %.3f eV/A, P = %.3f GPa: FD error forces %.1e, stress %.1e "
           "(relative, absolute below 1)\n", name, n, r.energy_eV, fbig,
           -(r.stress_GPa[0][0] + r.stress_GPa[1][1] + r.stress_GPa[2][2]) / 3, err_f, err_s);
    vt_cell_free(s);
    free(f);
}

/* Float against double, and 1 against 2 threads, on the same cell. */
static void compare_modes(const char *dir, vt_calc *dbl, vt_cell *c)
{
    size_t n = c->n_atoms;
    double (*fd)[3] = malloc(n * sizeof *fd), (*ff)[3] = malloc(n * sizeof *ff), (*f1)[3] = malloc(n * sizeof *f1);
    vt_calc_result rd = {.forces = fd, .want_stress = 1}, rf = {.forces = ff, .want_stress = 1},
                   r1 = {.forces = f1, .want_stress = 1};
    vt_calc *flt = open_calc(dir, "precision=float,threads=2");
    vt_calc *one = open_calc(dir, "precision=double,threads=1");
    CHECK(vt_calc_compute(dbl, c, &rd) == VT_OK);
    CHECK(vt_calc_compute(flt, c, &rf) == VT_OK);
    CHECK(vt_calc_compute(one, c, &r1) == VT_OK);
    double df = 0, d1 = 0, ds = 0, fbig = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            df = fmax(df, fabs(ff[i][k] - fd[i][k]));
            d1 = fmax(d1, fabs(f1[i][k] - fd[i][k]));
            fbig = fmax(fbig, fabs(fd[i][k]));
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) ds = fmax(ds, fabs(rf.stress_GPa[a][b] - rd.stress_GPa[a][b]));
    printf("float vs double: |dE| %.2e eV (%.2e eV/atom), max |dF| %.2e eV/A (|F|max %.2f), max |dsigma| %.2e GPa\n",
           fabs(rf.energy_eV - rd.energy_eV), fabs(rf.energy_eV - rd.energy_eV) / n, df, fbig, ds);
    printf("1 vs 2 threads (double): |dE| %.2e eV, max |dF| %.2e eV/A\n", fabs(r1.energy_eV - rd.energy_eV), d1);
    CHECK(fabs(rf.energy_eV - rd.energy_eV) < 1e-5 * n); /* float: < 10 ueV/atom */
    CHECK(df < 1e-3);
    CHECK(fabs(r1.energy_eV - rd.energy_eV) < 1e-10 * n);
    CHECK(d1 < 1e-10);
    vt_calc_free(flt);
    vt_calc_free(one);
    free(fd), free(ff), free(f1);
}

static void test_fd(const char *dir, int n_systems)
{
    vt_rng rng;
    vt_rng_seed(&rng, 20240601);
    vt_calc *calc = open_calc(dir, "precision=double");
    const struct { const char *name; int nz; int Z[4]; double w[4]; size_t n; double vpa; } sys[4] = {
        {"Li-Si", 2, {3, 14}, {3, 1}, 64, 18},
        {"Li-P-S", 3, {3, 15, 16}, {3, 1, 4}, 96, 17},
        {"Li-La-Zr-O", 4, {3, 57, 40, 8}, {7, 3, 2, 12}, 120, 14},
        {"Li-Cu-Si", 3, {3, 29, 14}, {2, 1, 1}, 150, 15},
    };
    for (int s = 0; s < n_systems; s++) {
        vt_cell *c = random_cell(&rng, sys[s].n, sys[s].vpa, sys[s].Z, sys[s].w, sys[s].nz);
        fd_check(calc, c, &rng, sys[s].name);
        if (s == 2) compare_modes(dir, calc, c);
        vt_cell_free(c);
    }
    vt_calc_free(calc);
}

/* 2x1x1 supercell of a small random cell: twice the energy, same forces (float path). */
static void test_supercell(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 7);
    const int Z[2] = {3, 8};
    const double w[2] = {2, 1};
    vt_cell *c = random_cell(&rng, 24, 14, Z, w, 2);
    double L2[3][3];
    memcpy(L2, c->lattice, sizeof L2);
    for (int k = 0; k < 3; k++) L2[0][k] *= 2;
    vt_cell *s = new_cell(48, L2);
    for (size_t i = 0; i < 48; i++) {
        s->Z[i] = c->Z[i % 24];
        for (int k = 0; k < 3; k++) s->pos[i][k] = c->pos[i % 24][k] + (i >= 24 ? c->lattice[0][k] : 0);
    }
    vt_calc *calc = open_calc(model_dir, NULL);
    double e1 = energy(calc, c), e2 = energy(calc, s);
    printf("supercell 2x1x1: E = %.6f, 2 E(cell) = %.6f eV\n", e2, 2 * e1);
    CHECK(fabs(e2 - 2 * e1) < 2e-5 * 48);
    vt_calc_free(calc);
    vt_cell_free(c), vt_cell_free(s);
}

/* A structure's energy, forces and stress are the same bytes whatever the calculator evaluated
 * before it: here a calculator whose neighbour list (kept between calls with its 1 A skin) was
 * built on a displaced copy, whose pairs come in another order, against a fresh one. Before the
 * bonds were sorted, the energy of this cell differed by ~1e-7 eV between the two (float path). */
static void test_history(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 11);
    const int Z[3] = {3, 14, 8};
    const double w[3] = {2, 1, 3};
    vt_cell *c = random_cell(&rng, 102, 13, Z, w, 3);
    vt_cell *moved = NULL;
    CHECK(vt_cell_copy(c, &moved) == VT_OK);
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) moved->pos[i][k] += 0.4 * (vt_rng_uniform(&rng) - 0.5); /* < skin / 2 */
    vt_calc *fresh = open_calc(model_dir, NULL), *used = open_calc(model_dir, NULL);
    double (*f0)[3] = calloc(c->n_atoms, sizeof *f0), (*f1)[3] = calloc(c->n_atoms, sizeof *f1);
    vt_calc_result r0 = {.forces = f0, .want_stress = 1}, r1 = {.forces = f1, .want_stress = 1};
    CHECK(vt_calc_compute(fresh, c, &r0) == VT_OK);
    energy(used, moved);
    CHECK(vt_calc_compute(used, c, &r1) == VT_OK);
    printf("history: E %.9f (fresh) %.9f (after a displaced copy) eV\n", r0.energy_eV, r1.energy_eV);
    CHECK(memcmp(&r0.energy_eV, &r1.energy_eV, sizeof r0.energy_eV) == 0);
    CHECK(memcmp(f0, f1, c->n_atoms * sizeof *f0) == 0);
    CHECK(memcmp(r0.stress_GPa, r1.stress_GPa, sizeof r0.stress_GPa) == 0);
    vt_calc_free(fresh), vt_calc_free(used);
    vt_cell_free(c), vt_cell_free(moved);
    free(f0), free(f1);
}

/* Graphs with nothing to sum over, run under ASan/UBSan by every sanitizer build:
 * - Cs BCC at a = 6 A has no pair within the 5 A cutoff: no bonds, so the energy is the same at
 *   any larger lattice constant, twice a lone Cs's, and forces and stress are exactly zero;
 * - K simple cubic at a = 4.5 A has 6 bonds per atom (4.5 A < 5 A) but no triplet (the three-body
 *   cutoff is 4 A): forces zero by symmetry, stress equal to the strain derivative of E. */
static void test_sparse_graphs(void)
{
    vt_calc *calc = open_calc(model_dir, "precision=double");
    const double a6[3][3] = {{6, 0, 0}, {0, 6, 0}, {0, 0, 6}}, a7[3][3] = {{7, 0, 0}, {0, 7, 0}, {0, 0, 7}};
    const double big[3][3] = {{12, 0, 0}, {0, 12, 0}, {0, 0, 12}};
    vt_cell *bcc6 = new_cell(2, a6), *bcc7 = new_cell(2, a7), *lone = new_cell(1, big);
    bcc6->Z[0] = bcc6->Z[1] = bcc7->Z[0] = bcc7->Z[1] = lone->Z[0] = 55;
    for (int k = 0; k < 3; k++) bcc6->pos[1][k] = 3.0, bcc7->pos[1][k] = 3.5;
    double f[2][3] = {{1, 1, 1}, {1, 1, 1}};
    vt_calc_result r = {.forces = f, .want_stress = 1};
    CHECK(vt_calc_compute(calc, bcc6, &r) == VT_OK);
    double e_lone = energy(calc, lone), e7 = energy(calc, bcc7);
    printf("Cs BCC without bonds: E = %.9f eV at a = 6 A, %.9f at 7 A, 2 x lone Cs %.9f\n", r.energy_eV, e7, 2 * e_lone);
    CHECK(fabs(r.energy_eV - e7) < 1e-9 && fabs(r.energy_eV - 2 * e_lone) < 1e-9);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 3; k++) CHECK(f[i][k] == 0 && r.stress_GPa[i][k] == 0 && r.stress_GPa[2][k] == 0);
    const double a45[3][3] = {{4.5, 0, 0}, {0, 4.5, 0}, {0, 0, 4.5}};
    vt_cell *sc = new_cell(1, a45);
    sc->Z[0] = 19;
    vt_rng rng;
    vt_rng_seed(&rng, 3);
    fd_check(calc, sc, &rng, "K sc, no triplets");
    vt_cell_free(bcc6), vt_cell_free(bcc7), vt_cell_free(lone), vt_cell_free(sc);
    vt_calc_free(calc);
}

/* ---------------------------------------------------------------------------------------------
** 4. Loader and options
*/
static void copy_file(const char *from, const char *to, long truncate_to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) exit(1);
    char buf[65536];
    long total = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (truncate_to >= 0 && total + (long)n > truncate_to) n = (size_t)(truncate_to - total);
        fwrite(buf, 1, n, out);
        total += (long)n;
        if (truncate_to >= 0 && total >= truncate_to) break;
    }
    fclose(in), fclose(out);
}

/* A copy of the model folder src with weights.json edited (replace first `from` by `to`) or
 * weights.bin cut to bin_bytes (-1: whole). */
static void damaged_copy(const char *src, const char *dir, const char *from, const char *to, long bin_bytes)
{
    char a[1400], b[1400];
    mkdir(dir, 0700);
    snprintf(a, sizeof a, "%s/model.json", src), snprintf(b, sizeof b, "%s/model.json", dir);
    copy_file(a, b, -1);
    snprintf(a, sizeof a, "%s/weights.bin", src), snprintf(b, sizeof b, "%s/weights.bin", dir);
    copy_file(a, b, bin_bytes);
    snprintf(a, sizeof a, "%s/weights.json", src), snprintf(b, sizeof b, "%s/weights.json", dir);
    FILE *in = fopen(a, "rb");
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    FILE *out = fopen(b, "wb");
    char *p = from ? strstr(text, from) : NULL;
    if (p) {
        fwrite(text, 1, (size_t)(p - text), out);
        fputs(to, out);
        fputs(p + strlen(from), out);
    } else {
        fputs(text, out);
    }
    fclose(out);
}

static void remove_copy(const char *dir)
{
    const char *files[3] = {"model.json", "weights.json", "weights.bin"};
    for (int i = 0; i < 3; i++) {
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void expect_open_error(const char *spec, vt_status code, const char *needle)
{
    vt_calc *c = NULL;
    vt_status s = vt_calc_open(spec, &c);
    printf("open %s -> %s: %s\n", spec, vt_status_name(s), s ? vt_errmsg() : "");
    CHECK(s == code && c == NULL);
    CHECK(s != VT_OK && strstr(vt_errmsg(), needle) != NULL);
    vt_calc_free(c);
}

static void test_loader(void)
{
    char dir[256], spec[400];
    snprintf(dir, sizeof dir, "/tmp/vt_m3g_test_%d", (int)getpid());
    snprintf(spec, sizeof spec, "m3gnet:%s", dir);
    damaged_copy(model_dir, dir, NULL, NULL, 1000000);
    expect_open_error(spec, VT_EPARSE, "truncated");
    damaged_copy(model_dir, dir, "\n    192\n", "\n    191\n", -1); /* first [64, 192] weight */
    expect_open_error(spec, VT_EPARSE, "graph_layers.0.conv.edge_update_func.layers.0.weight: expected shape [64, 192]");
    damaged_copy(model_dir, dir, "model.final_layer.gated.gates.6.bias", "model.final_layer.gated.gates.6.bias_x", -1);
    expect_open_error(spec, VT_EPARSE, "not part of the architecture");
    damaged_copy(model_dir, dir, NULL, NULL, -1);
    vt_calc *c = NULL;
    CHECK(vt_calc_open(spec, &c) == VT_OK); /* the undamaged copy loads */
    if (c) CHECK(strstr(vt_calc_settings(c), "FNV-1a 64") != NULL);
    vt_calc_free(c);
    remove_copy(dir);
    char bad[1400];
    snprintf(bad, sizeof bad, "m3gnet:dir=%s,colour=blue", model_dir);
    expect_open_error(bad, VT_EINVAL, "unknown option 'colour'");
    snprintf(bad, sizeof bad, "m3gnet:dir=%s,indexing=odd", model_dir);
    expect_open_error(bad, VT_EINVAL, "indexing");
    /* Po (Z = 84) is not among the model's 89 elements */
    const double L[3][3] = {{6, 0, 0}, {0, 6, 0}, {0, 0, 6}};
    vt_cell *cell = new_cell(2, L);
    cell->Z[0] = 3, cell->Z[1] = 84;
    cell->pos[1][0] = 2.5;
    vt_calc *calc = open_calc(model_dir, NULL);
    vt_calc_result r = {0};
    CHECK(vt_calc_compute(calc, cell, &r) == VT_ENOTSUP && strstr(vt_errmsg(), "Po") != NULL);
    vt_calc_free(calc);
    vt_cell_free(cell);
}

/* ---------------------------------------------------------------------------------------------
** 5. The TF m3gnet model (MP-2021.2.8-EFS)
*/
/* Two Mo atoms in a 3.30 A cube, the second at (x, x, x) A. */
static vt_cell *mo2(double x)
{
    const double L[3][3] = {{3.3, 0, 0}, {0, 3.3, 0}, {0, 0, 3.3}};
    vt_cell *c = new_cell(2, L);
    c->Z[0] = c->Z[1] = 42;
    for (int k = 0; k < 3; k++) c->pos[1][k] = x;
    return c;
}

static void test_tf_values(void)
{
    vt_cell *bcc = mo2(1.65), *cart = mo2(0.5);
    const char *modes[2] = {"precision=float", "precision=double"};
    for (int m = 0; m < 2; m++) {
        vt_calc *calc = open_calc(efs_dir, modes[m]);
        double f[2][3], g[2][3];
        vt_calc_result r = {.forces = f, .want_stress = 1}, q = {.forces = g, .want_stress = 1};
        CHECK(vt_calc_compute(calc, bcc, &r) == VT_OK);
        CHECK(vt_calc_compute(calc, cart, &q) == VT_OK);
        printf("TF model, %s: bcc Mo E = %.7f eV (TF test -21.3307), stress xx %.6f yy %.6f zz %.6f GPa "
               "(TF test 28.519585)\n", modes[m], r.energy_eV, r.stress_GPa[0][0], r.stress_GPa[1][1],
               r.stress_GPa[2][2]);
        printf("  Mo2 Cartesian: E = %.6f eV (TF test 325.37271), F0 = %.5f %.5f %.5f eV/A (TF test -673.525)\n",
               q.energy_eV, g[0][0], g[0][1], g[0][2]);
        CHECK(fabs(r.energy_eV - -21.3307) <= 1e-4);
        for (int a = 0; a < 3; a++) {
            CHECK(fabs(r.stress_GPa[a][a] - 28.519585) <= 1e-4);
            CHECK(fabs(r.stress_GPa[a][(a + 1) % 3]) <= 1e-6);
            for (int i = 0; i < 2; i++) CHECK(fabs(f[i][a]) <= 1e-6);
            CHECK(fabs(g[0][a] - -673.525) <= 1e-3 && fabs(g[1][a] + g[0][a]) <= 1e-9);
        }
        CHECK(fabs(q.energy_eV - 325.37271) <= 1e-4);
        vt_calc_free(calc);
    }
    vt_cell_free(bcc), vt_cell_free(cart);
}

/* Two heteroatomic cells against the numpy oracle (tests/calc/m3gnet_tf_numpy.py with the TF
 * checkpoint, float64; forces and stress by its finite differences): in a monatomic crystal the
 * atoms are equivalent, so the Mo values cannot tell messages summed onto the centre atom (TF) from
 * ones summed onto the end atom (matgl); here they differ by eV. */
static void test_tf_oracle_values(void)
{
    const double a = 5.695, fcc[3][3] = {{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}};
    vt_cell *nacl = new_cell(2, fcc);
    nacl->Z[0] = 11, nacl->Z[1] = 17, nacl->pos[1][0] = a / 2;
    const double L[3][3] = {{4.2, 0.3, -0.2}, {0.5, 4.6, 0.1}, {-0.3, 0.4, 5.0}};
    const double xyz[4][3] = {{0.1, 0.2, 0.3}, {2.0, 1.1, 0.4}, {1.0, 2.9, 2.6}, {3.1, 2.5, 3.9}};
    vt_cell *tri = new_cell(4, L);
    const int Z[4] = {3, 3, 8, 14};
    for (int i = 0; i < 4; i++) tri->Z[i] = Z[i], memcpy(tri->pos[i], xyz[i], sizeof xyz[i]);
    const double F0[3] = {0.046270, -2.580694, 0.636836}, F2[3] = {1.387462, -1.308601, 2.569288};
    const char *modes[2] = {"precision=float", "precision=double"};
    for (int m = 0; m < 2; m++) {
        vt_calc *calc = open_calc(efs_dir, modes[m]);
        double f[4][3];
        vt_calc_result r = {.forces = f, .want_stress = 1};
        double e_nacl = energy(calc, nacl);
        CHECK(vt_calc_compute(calc, tri, &r) == VT_OK);
        printf("TF model, %s: NaCl E = %.7f eV (oracle -6.7771218); Li2OSi E = %.7f eV (oracle -12.1021176), "
               "F0y %.6f (oracle -2.580694), sigma_xy %.6f GPa (oracle -2.462035)\n", modes[m], e_nacl,
               r.energy_eV, f[0][1], r.stress_GPa[0][1]);
        CHECK(fabs(e_nacl - -6.7771218) <= 2e-5 && fabs(r.energy_eV - -12.1021176) <= 2e-5);
        for (int k = 0; k < 3; k++) CHECK(fabs(f[0][k] - F0[k]) <= 1e-4 && fabs(f[2][k] - F2[k]) <= 1e-4);
        CHECK(fabs(r.stress_GPa[0][1] - -2.462035) <= 1e-4 && fabs(r.stress_GPa[2][2] - 12.572898) <= 1e-4);
        vt_calc_free(calc);
    }
    vt_cell_free(nacl), vt_cell_free(tri);
}

/* The TF model's loader and options: its own architecture is checked (K2 = 3 two-body inputs),
 * and matgl's indexing is refused. */
static void test_tf_loader(void)
{
    char dir[256], spec[400];
    snprintf(dir, sizeof dir, "/tmp/vt_m3g_tf_test_%d", (int)getpid());
    snprintf(spec, sizeof spec, "m3gnet:%s", dir);
    damaged_copy(efs_dir, dir, "\n    3\n", "\n    9\n", -1); /* first [64, 3]: the edge embedding */
    expect_open_error(spec, VT_EPARSE, "layer_edge_embedding.layers.0.weight: expected shape [64, 3]");
    damaged_copy(efs_dir, dir, "model.final_layer.gated.gates.4.bias", "model.final_layer.gated.gates.6.bias", -1);
    expect_open_error(spec, VT_EPARSE, "gates.6.bias: tensor not part of the architecture");
    remove_copy(dir);
    char bad[1400];
    snprintf(bad, sizeof bad, "m3gnet:dir=%s,indexing=matgl", efs_dir);
    expect_open_error(bad, VT_EINVAL, "not a matgl model");
    expect_open_error("m3gnet:model=tf", VT_EINVAL, "expected pes (matgl) or efs");
    vt_calc *c = NULL; /* the short selector: the shipped folder of the source tree */
    CHECK(vt_calc_open("m3gnet:model=efs,threads=1", &c) == VT_OK);
    if (c) CHECK(strstr(vt_calc_settings(c), "m3gnet-mp-2021.2.8-efs") && strstr(vt_calc_settings(c), "variant = m3gnet-tf"));
    vt_calc_free(c);
}

int main(void)
{
    find_model("m3gnet-mp-2021.2.8-pes", model_dir);
    find_model("m3gnet-mp-2021.2.8-efs", efs_dir);
    test_tf_values();
    test_tf_oracle_values();
    test_tf_loader();
    test_fd(efs_dir, 3);
    test_mos();
    test_acala();
    test_loader();
    test_supercell();
    test_history();
    test_sparse_graphs();
    test_fd(model_dir, 4);
    TEST_DONE();
}
