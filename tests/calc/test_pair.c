/* test_pair.c - the built-in pair calculator (src/calc/pair.c, pairforms.c, ewald.c, potfile.c).
**   1. Forces and stress equal minus the finite-difference gradient of the energy (5-point central
**      differences in positions and in symmetric strain), to 1e-6 of the largest component, for
**      every form (lj, buck, morse, B12, ZBL guard, DSF, Ewald), tabulated and analytic, on random
**      triclinic cells narrower than twice the cutoff (several images of a neighbour, self-images).
**   2. Tables against the analytic forms: energies and forces to 1e-7 relative (PMMCS SiO2).
**   3. Ewald: Madelung constants of NaCl and CsCl (analytic reference values to 1e-10), the same
**      energy, forces and stress for three splitting parameters alpha, neutral and charged cells.
**   4. A shifted pair has zero energy at its cutoff; a 2x2x2 supercell has 8x the energy.
**   5. Parameter files: malformed ones fail with "path:line: field: message"; uncovered elements
**      are refused with VT_ENOTSUP; --calc pmmcs opens the shipped file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "testcell.h"
#include "vitrum.h"

#define KE 14.3996454784 /* e^2/(4 pi eps0), eV A */

static char pot_path[256];

/* Write text as the potential file and open it. */
static vt_calc *open_pot(const char *text)
{
    FILE *f = fopen(pot_path, "w");
    fputs(text, f);
    fclose(f);
    char spec[300];
    snprintf(spec, sizeof spec, "pair:%s", pot_path);
    vt_calc *calc = NULL;
    if (vt_calc_open(spec, &calc) != VT_OK) fprintf(stderr, "open: %s\n", vt_errmsg());
    return calc;
}

/* A random triclinic cell of n atoms of the given elements (cycled), vpa A^3 per atom, no pair
 * closer than dmin. */
static vt_cell *random_cell(vt_rng *rng, size_t n, const int *Z, size_t nZ, double skew, double vpa, double dmin)
{
    double L[3][3];
    random_lattice(rng, skew, L);
    double scale = cbrt(vpa * (double)n / vt_lattice_volume(L));
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] *= scale;
    vt_cell *c = NULL;
    vt_cell_new(n, L, 0, &c);
    vt_mic mic;
    vt_mic_init(&mic, L);
    for (size_t i = 0; i < n; i++) {
        c->Z[i] = Z[i % nZ];
        for (int tries = 0;; tries++) {
            double fr[3] = {uniform(rng, -0.2, 1.2), uniform(rng, -0.2, 1.2), uniform(rng, -0.2, 1.2)};
            vt_frac_to_cart(L, fr, c->pos[i]);
            int ok = 1;
            for (size_t j = 0; j < i && ok; j++) {
                double d[3];
                ok = vt_mic_delta(&mic, c->pos[i], c->pos[j], d) >= dmin;
            }
            if (ok || tries > 10000) break;
        }
    }
    return c;
}

static double energy_of(vt_calc *calc, const vt_cell *c)
{
    vt_calc_result r = {0};
    if (vt_calc_compute(calc, c, &r) != VT_OK) fprintf(stderr, "compute: %s\n", vt_errmsg());
    return r.energy_eV;
}

/* d/dh of g(h) by the 5-point stencil. */
#define STENCIL(g, h) ((8.0 * ((g)(h) - (g)(-(h))) - ((g)(2 * (h)) - (g)(-2 * (h)))) / (12.0 * (h)))

static vt_calc *fd_calc;
static vt_cell *fd_cell, *fd_work;
static size_t fd_atom;
static int fd_a, fd_b;

static double moved(double h)
{
    memcpy(fd_work->pos, fd_cell->pos, fd_cell->n_atoms * sizeof *fd_cell->pos);
    fd_work->pos[fd_atom][fd_a] += h;
    return energy_of(fd_calc, fd_work);
}

/* Symmetric strain eps_ab = eps_ba = h/2 (eps_aa = h): positions and lattice rows x -> x (1 + eps). */
static double strained(double h)
{
    double eps[3][3] = {{0}};
    eps[fd_a][fd_b] += 0.5 * h;
    eps[fd_b][fd_a] += 0.5 * h;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            double v = fd_cell->lattice[i][k];
            for (int m = 0; m < 3; m++) v += fd_cell->lattice[i][m] * eps[m][k];
            fd_work->lattice[i][k] = v;
        }
    for (size_t i = 0; i < fd_cell->n_atoms; i++)
        for (int k = 0; k < 3; k++) {
            double v = fd_cell->pos[i][k];
            for (int m = 0; m < 3; m++) v += fd_cell->pos[i][m] * eps[m][k];
            fd_work->pos[i][k] = v;
        }
    return energy_of(fd_calc, fd_work);
}

/* Forces and stress of calc on c against finite differences; returns the worst relative error. */
static double check_fd(const char *label, vt_calc *calc, vt_cell *c)
{
    size_t n = c->n_atoms;
    double(*f)[3] = calloc(n, sizeof *f);
    vt_calc_result r = {.forces = f, .want_stress = 1};
    CHECK(vt_calc_compute(calc, c, &r) == VT_OK);
    vt_cell_copy(c, &fd_work);
    fd_calc = calc, fd_cell = c;
    double fm = 0, smax = 0, ferr = 0, serr = 0, V = vt_cell_volume(c);
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) fm = fmax(fm, fabs(f[i][a]));
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) smax = fmax(smax, fabs(r.stress_GPa[a][b]));
    for (fd_atom = 0; fd_atom < n; fd_atom++)
        for (fd_a = 0; fd_a < 3; fd_a++) ferr = fmax(ferr, fabs(f[fd_atom][fd_a] + STENCIL(moved, 1e-4)));
    memcpy(fd_work->pos, c->pos, n * sizeof *c->pos);
    for (fd_a = 0; fd_a < 3; fd_a++)
        for (fd_b = fd_a; fd_b < 3; fd_b++) {
            double dE = STENCIL(strained, 1e-5); /* eV */
            serr = fmax(serr, fabs(r.stress_GPa[fd_a][fd_b] - dE / V * VT_EV_PER_A3_IN_GPA));
            CHECK(r.stress_GPa[fd_a][fd_b] == r.stress_GPa[fd_b][fd_a]);
        }
    double rel = fmax(ferr / fm, serr / smax);
    printf("%-34s E %14.8f eV  |F|max %9.4f eV/A  |s|max %9.4f GPa  FD err: F %.1e  s %.1e (rel %.1e)\n", label,
           r.energy_eV, fm, smax, ferr, serr, rel);
    CHECK(rel < 1e-6);
    CHECK(fm > 1e-3 && smax > 1e-3); /* the check compared something */
    vt_cell_free(fd_work);
    free(f);
    return rel;
}

/* ---- 1. every form against finite differences ---- */

static const char *forms[][2] = {
    {"lj, shifted", "cutoff 6.0\npair Ar Ar lj epsilon 0.0104 sigma 3.4\npair Ar Kr lj epsilon 0.014 sigma 3.5 "
                    "cutoff 5.5\npair Kr Kr lj epsilon 0.017 sigma 3.6\n"},
    {"buck + B12 + zbl, unshifted", "shift no\ncutoff 5.0\npair O O buck A 9000 rho 0.265 C 85.0 B12 50 "
                                    "zbl_inner 0.8 zbl_outer 1.6\npair Si O buck A 18000 rho 0.205 C 133.5 "
                                    "zbl_inner 0.7 zbl_outer 1.3\npair Si Si buck A 800 rho 0.3 C 10 B12 5\n"},
    {"morse + B12 + dsf (PMMCS-like)", "coulomb dsf alpha 0.2 cutoff 7.0\ncutoff 5.5\ncharge Si 2.4\ncharge O -1.2\n"
                                       "pair O O morse D 0.042395 a 1.379316 r0 3.618701 B12 22\n"
                                       "pair Si O morse D 0.340554 a 2.0067 r0 2.1 B12 1\n"},
    {"buck + ewald, charged cell", "coulomb ewald cutoff 6.0 accuracy 1e-10\ncutoff 5.0\ncharge Li 0.7\n"
                                   "charge O -1.1\npair Li O buck A 426.48 rho 0.3 C 0 B12 2\n"
                                   "pair O O buck A 9000 rho 0.265 C 85.0 B12 50\n"},
    {"dsf only, alpha 0", "coulomb dsf alpha 0 cutoff 6.5\ncharge Na 1\ncharge Cl -1\n"},
};
static const int form_Z[][3] = {{18, 36, 18}, {14, 8, 8}, {14, 8, 8}, {3, 8, 3}, {11, 17, 17}};
static const double form_vpa[] = {40, 15, 15, 12, 22}, form_dmin[] = {3.0, 0.6, 1.4, 1.5, 2.2};

static void test_forms(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 7);
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
        for (int table = 0; table < 2; table++) {
            char text[2048], label[80];
            snprintf(text, sizeof text, "table %s\n%s", table ? "yes" : "no", forms[k][1]);
            snprintf(label, sizeof label, "%s, %s", forms[k][0], table ? "table" : "analytic");
            vt_calc *calc = open_pot(text);
            CHECK(calc != NULL);
            if (!calc) continue;
            /* 9-14 atoms in a cell 5-8 A wide: cutoffs of 5-7 A reach several images */
            vt_cell *c = random_cell(&rng, 9 + 5 * (size_t)table, form_Z[k], 3, 0.4, form_vpa[k], form_dmin[k]);
            if (k == 1) { /* one pair inside the ZBL switch and one below the table's 0.5 A */
                memcpy(c->pos[1], c->pos[0], sizeof c->pos[0]);
                c->pos[1][0] += 1.1;
                memcpy(c->pos[4], c->pos[3], sizeof c->pos[0]);
                c->pos[4][1] += 0.45;
            }
            CHECK(vt_cell_max_cutoff(c) < 5.0);
            check_fd(label, calc, c);
            vt_cell_free(c);
            vt_calc_free(calc);
        }
}

/* ---- 2. tables against the analytic forms ---- */

static void test_table_accuracy(void)
{
    const char *base = "coulomb dsf alpha 0.2 cutoff 8.0\ncutoff 5.5\ncharge Si 2.4\ncharge O -1.2\n"
                       "pair O O morse D 0.042395 a 1.379316 r0 3.618701 B12 22\n"
                       "pair Si O morse D 0.340554 a 2.0067 r0 2.1 B12 1\n";
    char text[1024];
    snprintf(text, sizeof text, "table no\n%s", base);
    vt_calc *exact = open_pot(text);
    snprintf(text, sizeof text, "table yes\n%s", base);
    vt_calc *tab = open_pot(text);
    vt_rng rng;
    vt_rng_seed(&rng, 11);
    const int Z[3] = {14, 8, 8};
    vt_cell *c = random_cell(&rng, 60, Z, 3, 0.3, 15.0, 1.5); /* about the density of silica */
    double(*f1)[3] = calloc(60, sizeof *f1), (*f2)[3] = calloc(60, sizeof *f2);
    vt_calc_result r1 = {.forces = f1, .want_stress = 1}, r2 = {.forces = f2, .want_stress = 1};
    CHECK(vt_calc_compute(exact, c, &r1) == VT_OK);
    CHECK(vt_calc_compute(tab, c, &r2) == VT_OK);
    double fm = 0, ferr = 0, serr = 0, smax = 0;
    for (int i = 0; i < 60; i++)
        for (int k = 0; k < 3; k++) {
            fm = fmax(fm, fabs(f1[i][k]));
            ferr = fmax(ferr, fabs(f1[i][k] - f2[i][k]));
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            smax = fmax(smax, fabs(r1.stress_GPa[a][b]));
            serr = fmax(serr, fabs(r1.stress_GPa[a][b] - r2.stress_GPa[a][b]));
        }
    printf("table vs analytic, 60-atom SiO2: E %.10f vs %.10f eV (rel %.1e), F rel %.1e, stress rel %.1e\n",
           r2.energy_eV, r1.energy_eV, fabs(r2.energy_eV / r1.energy_eV - 1), ferr / fm, serr / smax);
    CHECK(fabs(r2.energy_eV / r1.energy_eV - 1) < 1e-7);
    CHECK(ferr / fm < 1e-7);
    CHECK(serr / smax < 1e-7);
    free(f1);
    free(f2);
    vt_cell_free(c);
    vt_calc_free(exact);
    vt_calc_free(tab);
}

/* ---- 3. Ewald ---- */

static double ewald_energy(const vt_cell *c, const char *charges, double alpha, double rc, double stress[3][3],
                           double (*f)[3])
{
    char text[512];
    if (alpha > 0)
        snprintf(text, sizeof text, "coulomb ewald cutoff %g accuracy 1e-13 alpha %g\n%s", rc, alpha, charges);
    else
        snprintf(text, sizeof text, "coulomb ewald cutoff %g accuracy 1e-13\n%s", rc, charges);
    vt_calc *calc = open_pot(text);
    vt_calc_result r = {.forces = f, .want_stress = 1};
    CHECK(calc && vt_calc_compute(calc, c, &r) == VT_OK);
    if (stress) memcpy(stress, r.stress_GPa, sizeof r.stress_GPa);
    vt_calc_free(calc);
    return r.energy_eV;
}

static void test_madelung(void)
{
    /* NaCl: conventional cell a = 2 r0, 4 Na + 4 Cl; E = -4 M ke / r0 (4 ion pairs) */
    const double M_nacl = 1.747564594633182, M_cscl = 1.76267477307099, r0 = 2.8;
    double L[3][3] = {{2 * r0, 0, 0}, {0, 2 * r0, 0}, {0, 0, 2 * r0}};
    vt_cell *c = NULL;
    vt_cell_new(8, L, 0, &c);
    const double fr[8][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                             {.5, .5, .5}, {.5, 0, 0}, {0, .5, 0}, {0, 0, .5}};
    for (int i = 0; i < 8; i++) {
        c->Z[i] = i < 4 ? 11 : 17;
        vt_frac_to_cart(L, fr[i], c->pos[i]);
    }
    const char *q = "charge Na 1\ncharge Cl -1\n";
    double E = ewald_energy(c, q, 0, 9.0, NULL, NULL);
    printf("NaCl Madelung: %.12f (reference %.12f)\n", -E * r0 / (4 * KE), M_nacl);
    CHECK(fabs(-E * r0 / (4 * KE) / M_nacl - 1) < 1e-10);
    vt_cell_free(c);
    /* CsCl: simple cubic a, Cs at 0, Cl at the centre, r0 = a sqrt(3)/2; E = -M ke / r0 */
    double a = 4.1, L2[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    vt_cell_new(2, L2, 0, &c);
    c->Z[0] = 55, c->Z[1] = 17;
    c->pos[1][0] = c->pos[1][1] = c->pos[1][2] = a / 2;
    E = ewald_energy(c, "charge Cs 1\ncharge Cl -1\n", 0, 8.0, NULL, NULL);
    double rr = a * sqrt(3) / 2;
    printf("CsCl Madelung: %.12f (reference %.12f)\n", -E * rr / KE, M_cscl);
    CHECK(fabs(-E * rr / KE / M_cscl - 1) < 1e-10);
    vt_cell_free(c);
}

static void test_alpha_independence(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 3);
    const int Z[4] = {3, 8, 3, 14};
    for (int charged = 0; charged < 2; charged++) {
        vt_cell *c = random_cell(&rng, 8, Z, 4, 0.5, 12.0, 1.5); /* Li4 O2 Si2: +2 e when charged */
        const char *q = charged ? "charge Li 0.6\ncharge O -1.2\ncharge Si 1.0\n"
                                : "charge Li 0.6\ncharge O -1.2\ncharge Si 0.0\n";
        /* erfc(alpha rc) < 1e-14: the real-space sums are complete */
        const double alpha[3] = {0.35, 0.6, 0.9}, rc[3] = {16.5, 9.6, 6.4};
        double E[3], S[3][3][3], (*F[3])[3];
        for (int k = 0; k < 3; k++) {
            F[k] = calloc(8, sizeof *F[k]);
            E[k] = ewald_energy(c, q, alpha[k], rc[k], S[k], F[k]);
        }
        double de = 0, df = 0, ds = 0;
        for (int k = 1; k < 3; k++) {
            de = fmax(de, fabs(E[k] - E[0]) / fabs(E[0]));
            for (int i = 0; i < 8; i++)
                for (int a = 0; a < 3; a++) df = fmax(df, fabs(F[k][i][a] - F[0][i][a]));
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) ds = fmax(ds, fabs(S[k][a][b] - S[0][a][b]));
        }
        printf("Ewald, %s cell, alpha 0.35/0.6/0.9: E %.10f %.10f %.10f eV; max diff E %.1e rel, F %.1e eV/A, "
               "s %.1e GPa\n", charged ? "charged" : "neutral", E[0], E[1], E[2], de, df, ds);
        CHECK(de < 1e-9 && df < 1e-8 && ds < 1e-7);
        for (int k = 0; k < 3; k++) free(F[k]);
        vt_cell_free(c);
    }
}

/* ---- 4. shift and supercell ---- */

static void test_shift_and_supercell(void)
{
    vt_calc *calc = open_pot("cutoff 4.0\npair Ar Ar buck A 1000 rho 0.3 C 20\n");
    double L[3][3] = {{30, 0, 0}, {0, 30, 0}, {0, 0, 30}};
    vt_cell *c = NULL;
    vt_cell_new(2, L, 0, &c);
    c->Z[0] = c->Z[1] = 18;
    c->pos[1][0] = 4.0 - 1e-9;
    double E = energy_of(calc, c);
    printf("shifted buck at r = rc - 1e-9: E = %.3e eV\n", E);
    CHECK(fabs(E) < 1e-9);
    c->pos[1][0] = 3.0;
    double want = 1000 * exp(-3.0 / 0.3) - 20 / pow(3.0, 6) - (1000 * exp(-4.0 / 0.3) - 20 / pow(4.0, 6));
    CHECK_REL(energy_of(calc, c), want, 1e-12);
    vt_cell_free(c);
    vt_calc_free(calc);

    calc = open_pot("coulomb dsf alpha 0.25 cutoff 6\ncutoff 5.5\ncharge Si 2.4\ncharge O -1.2\n"
                    "pair Si O morse D 0.340554 a 2.0067 r0 2.1 B12 1\npair O O morse D 0.042395 a 1.379316 "
                    "r0 3.618701 B12 22\n");
    vt_rng rng;
    vt_rng_seed(&rng, 5);
    const int Z[3] = {14, 8, 8};
    vt_cell *small = random_cell(&rng, 6, Z, 3, 0.3, 15.0, 1.4), *big = NULL;
    vt_cell_new(48, small->lattice, 0, &big);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) big->lattice[i][k] = 2 * small->lattice[i][k];
    for (int m = 0; m < 8; m++)
        for (int i = 0; i < 6; i++) {
            int s[3] = {m & 1, (m >> 1) & 1, (m >> 2) & 1};
            big->Z[m * 6 + i] = small->Z[i];
            for (int k = 0; k < 3; k++)
                big->pos[m * 6 + i][k] = small->pos[i][k] + s[0] * small->lattice[0][k] +
                                         s[1] * small->lattice[1][k] + s[2] * small->lattice[2][k];
        }
    double e1 = energy_of(calc, small), e8 = energy_of(calc, big);
    printf("2x2x2 supercell: %.10f eV = 8 x %.10f eV\n", e8, e1);
    CHECK_REL(e8, 8 * e1, 1e-11);
    vt_cell_free(small);
    vt_cell_free(big);
    vt_calc_free(calc);
}

/* ---- 5. files and coverage ---- */

static void expect_error(const char *text, const char *want)
{
    FILE *f = fopen(pot_path, "w");
    fputs(text, f);
    fclose(f);
    char spec[300];
    snprintf(spec, sizeof spec, "pair:%s", pot_path);
    vt_calc *calc = NULL;
    vt_status s = vt_calc_open(spec, &calc);
    int ok = s == VT_EPARSE && strstr(vt_errmsg(), want) && strstr(vt_errmsg(), pot_path);
    if (!ok) fprintf(stderr, "bad file gave '%s', want '%s'\n", vt_errmsg(), want);
    CHECK(ok);
    CHECK(calc == NULL);
    vt_calc_free(calc);
}

static void test_files(void)
{
    expect_error("cutoff 5\nfoo 1\n", ":2: keyword: unknown");
    expect_error("cutoff 5\npair Si O morse D 1 a 2\n", ":2: morse: missing key 'r0'");
    expect_error("cutoff 5\npair Si O morse D 1 a 2 r0 2 eps 3\n", ":2: morse: unknown key 'eps'");
    expect_error("cutoff 5\npair Si O morse D 1 a 2 r0 2 a 3\n", ":2: morse: repeated key 'a'");
    expect_error("pair Si O morse D 1 a 2 r0 2\n", ":1: cutoff: no cutoff");
    expect_error("cutoff 5\npair Si O morse D x a 2 r0 2\n", ":2: D: expected a number");
    expect_error("cutoff 5\npair Si Xx lj epsilon 1 sigma 2\n", ":2: pair: unknown element 'Xx'");
    expect_error("cutoff 5\npair Si O lj epsilon 1 sigma 2\npair O Si lj epsilon 1 sigma 2\n", ":3: pair: O-Si repeated");
    expect_error("cutoff 5\npair O O buck A 1 rho 0 C 1\n", ":2: rho: must be > 0");
    expect_error("cutoff 5\npair O O buck A 1 rho 0.3 C 1 zbl_inner 1\n", ":2: zbl_inner: zbl_inner and zbl_outer");
    expect_error("cutoff 5\npair O O buck A 1 rho 0.3 C 1 zbl_inner 1 zbl_outer 6\n", ":2: zbl_outer: must be below");
    expect_error("coulomb dsf cutoff 8\n", ":1: coulomb: dsf needs alpha");
    expect_error("coulomb ewald cutoff 8 alpha 0.3\n", ":1: coulomb: ewald needs accuracy");
    expect_error("coulomb dsf alpha 0.2 cutoff 8 accuracy 1e-5\n", ":1: coulomb: unknown key 'accuracy'");
    expect_error("coulomb dsf alpha 0.2 cutoff 8\ncoulomb none\n", ":2: coulomb: repeated");
    expect_error("charge O -1\ncharge O -2\n", ":2: O: repeated");
    expect_error("shift maybe\n", ":1: shift: expected yes or no");
    expect_error("cutoff -1\n", ":1: cutoff: -1 is outside");
    expect_error("# nothing\n", "nothing to compute");

    /* uncovered elements */
    vt_calc *calc = open_pot("coulomb dsf alpha 0.2 cutoff 8\ncutoff 5\ncharge O -1\npair Si O morse D 1 a 2 r0 2\n");
    double L[3][3] = {{5, 0, 0}, {0, 5, 0}, {0, 0, 5}};
    vt_cell *c = NULL;
    vt_cell_new(2, L, 0, &c);
    c->Z[0] = 14, c->Z[1] = 8;
    c->pos[1][0] = 1.6;
    vt_calc_result r = {0};
    CHECK(vt_calc_compute(calc, c, &r) == VT_ENOTSUP && strstr(vt_errmsg(), "no charge for Si"));
    c->Z[0] = 3;
    CHECK(vt_calc_compute(calc, c, &r) == VT_ENOTSUP && strstr(vt_errmsg(), "Li is not in"));
    vt_calc_free(calc);
    CHECK(vt_calc_open("pair", &calc) == VT_EINVAL);
    CHECK(vt_calc_open("pair:/nonexistent/x.pot", &calc) == VT_EIO);

    /* the shipped PMMCS set */
    const char *src = getenv("VT_SOURCE");
    if (src) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/data", src);
        setenv("VITRUM_DATA_DIR", dir, 1);
    }
    CHECK(vt_calc_open("pmmcs", &calc) == VT_OK);
    if (calc) {
        c->Z[0] = 14;
        CHECK(vt_calc_compute(calc, c, &r) == VT_OK);
        CHECK(strcmp(vt_calc_name(calc), "pmmcs") == 0);
        CHECK(strstr(vt_calc_settings(calc), "coulomb dsf alpha 0.20000000000000001 cutoff 8") != NULL);
        printf("pmmcs Si-O dimer at 1.6 A in a 5 A cube: E = %.6f eV\n", r.energy_eV);
    }
    vt_calc_free(calc);
    CHECK(vt_calc_open("pmmcs:x", &calc) == VT_EINVAL);
    vt_cell_free(c);
}

int main(void)
{
    snprintf(pot_path, sizeof pot_path, "/tmp/vt_test_pair_%ld.pot", (long)getpid());
    test_forms();
    test_table_accuracy();
    test_madelung();
    test_alpha_independence();
    test_shift_and_supercell();
    test_files();
    remove(pot_path);
    TEST_DONE();
}
