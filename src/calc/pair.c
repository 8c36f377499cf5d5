/*
** pair.c - the built-in classical calculator: `--calc pair:FILE` and `--calc pmmcs`.
**   E = sum_{pairs i<j, images} [E_sr,ij(r) + ke q_i q_j c(r)] + sum_i q_i^2 e_self + E_recip
**   with the short-range forms, guard, shift and Coulomb kernels c(r) of pairforms.c, the self
**   energy of DSF or Ewald, and the Ewald reciprocal sum of ewald.c. Units: eV, A, e, eV/A, GPa.
**   Per pair of elements present in the cell, the whole pair function (short range plus Coulomb
**   real space) is one function E(s) of s = r^2. With "table yes" (default) it is tabulated in s
**   (see "Tables" below); else the analytic forms are evaluated per pair (erfc, exp, pow).
**   One fused loop over a half neighbour list (vt_nlist) sums energy, forces and, only when asked,
**   the virial W_ab = sum 2 E'(s) d_a d_b, giving stress = W / V (ASE's sign).
**
**   Tables. The knots are the doubles s whose mantissa has only its top K bits set (K per table):
**   2^K intervals per octave of s, so the spacing follows s (fine where r^-12 is steep, coarse
**   near the cutoff), and the interval of s is found from its bits with one shift, no division,
**   log or sqrt. Each interval holds the quintic Hermite polynomial E(t) = e0 + t(e1 + ... t e5)
**   (t in [0,1): the low mantissa bits) matching E, dE/ds and d2E/ds2 at both knots, and the pair
**   force factor -2 dE/ds = f0 + t(f1 + ... t f4), the exact derivative of that polynomial: forces
**   are exactly minus the gradient of the tabulated energy, which is C2 across knots. K starts at
**   TABLE_K_MIN and grows until, at t = 1/4, 1/2, 3/4 of every interval, energy and force agree with
**   the analytic form to TABLE_TOL relative (plus TABLE_FLOOR_EV absolute); PMMCS needs K = 6, so
**   its tables take ~150 kB and stay in cache (a cubic table needed K = 10-12 and 2 MB for the same
**   accuracy, and was slower for it). Where the function has a kink (a short-range cutoff below the
**   Coulomb cutoff) the table is split in two there. Below r = TABLE_R_MIN the analytic form is used.
**   Why not a library spline: the bit-indexed knots and the fused force coefficients are the
**   point; GSL's splines search the interval and interpolate one function at a time.
**   Tests: tests/calc/test_pair.c, tests/calc/test_lammps_oracle.sh; speed: bench/md.sh.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc/calc.h"
#include "calc/pair.h"
#include "core/error.h"

#define TABLE_R_MIN 0.5        /* A: below, analytic */
#define TABLE_K_MIN 4          /* mantissa bits: 2^K intervals per octave of r^2 */
#define TABLE_K_MAX 12
#define TABLE_TOL 1e-8         /* relative error of tabulated energy and force ... */
#define TABLE_FLOOR_EV 1e-10   /* ... plus this, eV or eV/A */
#define IV 12                  /* doubles per interval: e0..e5, f0..f4, padding */

typedef struct seg_table {
    double *c;          /* n intervals of IV doubles, 64-byte aligned inside raw */
    void *raw;
    uint64_t key0;      /* key of the first interval */
    int shift;          /* 52 - K */
    size_t n;
} seg_table;

/* Everything about one ordered pair of species of the current cell. */
typedef struct pair_fn {
    double cut2;            /* A^2: nothing beyond */
    double split2;          /* A^2: table 0 below, table 1 from here on */
    const vt_sr_term *sr;   /* short-range term, NULL: none */
    double sr_cut2;         /* A^2 */
    double qq;              /* q_i q_j, e^2 (0 without Coulomb) */
    double coul_cut2;       /* A^2 (0 without Coulomb) */
    double tab_s_min;       /* A^2: tables from here on; INFINITY: analytic everywhere */
    seg_table tab[2];       /* owned by the lower-triangle entry; mirrored */
} pair_fn;

typedef struct pair_state {
    vt_potential *pot;
    vt_nlist *nl;
    vt_coul coul;           /* Coulomb kernel (Ewald alpha derived from the accuracy) */
    double kc;              /* Ewald reciprocal cutoff, 1/A */
    double self;            /* self energy per e^2, eV */
    /* species of the current cell, by increasing Z */
    int n_species;
    int Z_of[VT_MAX_Z];
    int species_of_Z[VT_MAX_Z + 1];
    pair_fn *fn;            /* n_species^2 */
    unsigned char *type;    /* species of each atom */
    double *q;              /* charge of each atom, e */
    size_t n_alloc;         /* atoms type and q hold */
} pair_state;

/* ---- the pair function of two species ---- */

/* E and dE/dr of the terms of fn selected by mask (1: short range, 2: Coulomb) at r. */
static void fn_eval(const pair_state *st, const pair_fn *fn, unsigned mask, double r, double *e, double *dedr)
{
    *e = *dedr = 0.0;
    if ((mask & 1) && fn->sr) vt_sr_eval(fn->sr, r, e, dedr);
    if ((mask & 2) && fn->qq != 0.0) {
        double ec, dc;
        vt_coul_eval(&st->coul, r, &ec, &dc);
        *e += fn->qq * ec;
        *dedr += fn->qq * dc;
    }
}

/* Terms active at s (r^2). */
static unsigned fn_mask(const pair_fn *fn, double s)
{
    return (s < fn->sr_cut2 ? 1u : 0u) | (s < fn->coul_cut2 ? 2u : 0u);
}

static double bits_to_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Energy and -2 dE/ds at s of the terms in mask. */
static void eval_s(const pair_state *st, const pair_fn *fn, unsigned mask, double s, double *e, double *fp)
{
    double r = sqrt(s), dedr;
    fn_eval(st, fn, mask, r, e, &dedr);
    *fp = -dedr / r; /* -2 dE/ds = -2 (dE/dr) / (2r) */
}

/* E, dE/ds and d2E/ds2 at s; the second derivative by central differences of the analytic first
 * derivative (step 1e-5 s: truncation and rounding both near 1e-10 relative), which spares a
 * second analytic derivative of every form, switch and Coulomb kernel. */
static void eval_s2(const pair_state *st, const pair_fn *fn, unsigned mask, double s, double d[3])
{
    double fp, ep, fm, em, h = 1e-5 * s;
    eval_s(st, fn, mask, s, &d[0], &d[1]);
    eval_s(st, fn, mask, s + h, &ep, &fp);
    eval_s(st, fn, mask, s - h, &em, &fm);
    d[1] *= -0.5;                     /* fp = -2 dE/ds */
    d[2] = -0.25 * (fp - fm) / h;
}

/* Fill interval k of table t: the quintic Hermite polynomial in t matching E, dE/ds and d2E/ds2
 * at both knots, and the force factor -2 dE/ds of that polynomial. */
static void fill_interval(const pair_state *st, const pair_fn *fn, unsigned mask, const seg_table *t, size_t k)
{
    uint64_t key = t->key0 + k;
    double s0 = bits_to_double(key << t->shift), s1 = bits_to_double((key + 1) << t->shift), ds = s1 - s0;
    double a[3], b[3];
    eval_s2(st, fn, mask, s0, a);
    eval_s2(st, fn, mask, s1, b);
    double p0 = a[0], m0 = a[1] * ds, c0 = a[2] * ds * ds; /* derivatives in t */
    double p1 = b[0], m1 = b[1] * ds, c1 = b[2] * ds * ds;
    double *c = t->c + k * IV;
    c[0] = p0;
    c[1] = m0;
    c[2] = 0.5 * c0;
    c[3] = 10.0 * (p1 - p0) - 6.0 * m0 - 4.0 * m1 - 1.5 * c0 + 0.5 * c1;
    c[4] = 15.0 * (p0 - p1) + 8.0 * m0 + 7.0 * m1 + 1.5 * c0 - c1;
    c[5] = 6.0 * (p1 - p0) - 3.0 * m0 - 3.0 * m1 - 0.5 * c0 + 0.5 * c1;
    for (int q = 1; q <= 5; q++) c[5 + q] = -2.0 * q * c[q] / ds; /* -2 dE/ds = -2/ds dE/dt */
    c[11] = 0.0;
}

static inline void table_lookup(const seg_table *t, double s, double *e, double *fp)
{
    uint64_t u = double_bits(s);
    const double *c = t->c + ((u >> t->shift) - t->key0) * IV;
    double x = (double)(u & ((UINT64_C(1) << t->shift) - 1)) * bits_to_double((uint64_t)(1023 - t->shift) << 52);
    *e = c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * (c[4] + x * c[5]))));
    *fp = c[6] + x * (c[7] + x * (c[8] + x * (c[9] + x * c[10])));
}

/* Whether the table meets TABLE_TOL inside every interval. */
static int table_ok(const pair_state *st, const pair_fn *fn, unsigned mask, const seg_table *t)
{
    for (size_t k = 0; k < t->n; k++) {
        uint64_t key = t->key0 + k;
        double s0 = bits_to_double(key << t->shift), s1 = bits_to_double((key + 1) << t->shift);
        for (int q = 1; q <= 3; q++) {
            double s = s0 + 0.25 * q * (s1 - s0), e, fp, et, ft;
            eval_s(st, fn, mask, s, &e, &fp);
            table_lookup(t, s, &et, &ft);
            /* compare forces as |fp| r = |dE/dr| * 2 */
            double r = sqrt(s);
            if (!(fabs(et - e) <= TABLE_TOL * fabs(e) + TABLE_FLOOR_EV) ||
                !(fabs(ft - fp) * r <= TABLE_TOL * fabs(fp) * r + TABLE_FLOOR_EV))
                return 0;
        }
    }
    return 1;
}

static void table_free(seg_table *t)
{
    vt_free(t->raw);
    memset(t, 0, sizeof *t);
}

/* Tabulate the terms of mask over [s_lo, s_hi); *ok = 0 when even K_MAX misses TABLE_TOL. */
static vt_status table_build(const pair_state *st, const pair_fn *fn, unsigned mask, double s_lo, double s_hi,
                             seg_table *t, int *ok)
{
    for (int K = TABLE_K_MIN; K <= TABLE_K_MAX; K++) {
        table_free(t);
        t->shift = 52 - K;
        t->key0 = double_bits(s_lo) >> t->shift;
        t->n = (double_bits(s_hi) >> t->shift) - t->key0 + 1;
        t->raw = vt_malloc(t->n * IV * sizeof(double) + 64);
        if (!t->raw) VT_FAIL(VT_ENOMEM, "pair: out of memory for a table of %zu intervals", t->n);
        t->c = (double *)(((uintptr_t)t->raw + 63) & ~(uintptr_t)63);
        for (size_t k = 0; k < t->n; k++) fill_interval(st, fn, mask, t, k);
        if (table_ok(st, fn, mask, t)) return VT_OK;
    }
    *ok = 0;
    return VT_OK;
}

/* ---- species of the cell ---- */

static void clear_species(pair_state *st)
{
    int ns = st->n_species;
    for (int a = 0; a < ns; a++)
        for (int b = 0; b <= a; b++) {
            table_free(&st->fn[a * ns + b].tab[0]);
            table_free(&st->fn[a * ns + b].tab[1]);
        }
    vt_free(st->fn);
    st->fn = NULL;
    st->n_species = 0;
    memset(st->species_of_Z, 0xff, sizeof st->species_of_Z); /* -1 */
}

static const vt_sr_term *find_term(const vt_potential *p, int Za, int Zb)
{
    int lo = Za < Zb ? Za : Zb, hi = Za < Zb ? Zb : Za;
    for (size_t k = 0; k < p->n_terms; k++)
        if (p->terms[k].Z1 == lo && p->terms[k].Z2 == hi) return &p->terms[k];
    return NULL;
}

/* Cutoffs and tables of the pair function of species a >= b. */
static vt_status setup_fn(pair_state *st, int a, int b)
{
    const vt_potential *p = st->pot;
    pair_fn *fn = &st->fn[a * st->n_species + b];
    int Za = st->Z_of[a], Zb = st->Z_of[b];
    fn->sr = find_term(p, Za, Zb);
    fn->sr_cut2 = fn->sr ? fn->sr->cutoff * fn->sr->cutoff : 0.0;
    fn->qq = p->coul != VT_COUL_NONE ? p->charge[Za] * p->charge[Zb] : 0.0;
    double cc2 = fn->qq != 0.0 ? p->coul_cutoff * p->coul_cutoff : 0.0;
    fn->coul_cut2 = cc2;
    fn->cut2 = fmax(fn->sr_cut2, cc2);
    /* the kink: the lower of the two cutoffs when both terms exist */
    fn->split2 = fn->sr && fn->qq != 0.0 ? fmin(fn->sr_cut2, cc2) : fn->cut2;
    fn->tab_s_min = INFINITY;
    if (p->use_table && fn->cut2 > TABLE_R_MIN * TABLE_R_MIN) {
        double s0 = TABLE_R_MIN * TABLE_R_MIN;
        int ok = 1;
        VT_TRY(table_build(st, fn, 3u, s0, fmax(fn->split2, s0), &fn->tab[0], &ok));
        if (fn->split2 < fn->cut2) {
            unsigned outer = fn->sr_cut2 > cc2 ? 1u : 2u;
            VT_TRY(table_build(st, fn, outer, fmax(fn->split2, s0), fn->cut2, &fn->tab[1], &ok));
        }
        fn->tab_s_min = ok ? s0 : INFINITY; /* a function too wild to tabulate stays analytic */
    }
    st->fn[b * st->n_species + a] = *fn; /* the mirror shares the tables */
    return VT_OK;
}

/* Species of c, charges and types per atom, and, when the set of elements changed, the pair
 * functions. VT_ENOTSUP for an element the file does not cover. */
static vt_status prepare(pair_state *st, const vt_cell *c)
{
    const vt_potential *p = st->pot;
    unsigned char present[VT_MAX_Z + 1] = {0};
    for (size_t i = 0; i < c->n_atoms; i++) {
        int Z = c->Z[i];
        if (Z < 1 || Z > VT_MAX_Z) VT_FAIL(VT_EINVAL, "pair: atom %zu: Z = %d out of range", i + 1, Z);
        present[Z] = 1;
    }
    int changed = 0, ns = 0;
    for (int Z = 1; Z <= VT_MAX_Z; Z++) {
        if (!present[Z]) continue;
        const char *sym = vt_element_by_Z(Z)->symbol;
        if (!p->has_charge[Z] && !p->has_pair[Z])
            VT_FAIL(VT_ENOTSUP, "pair: %s: element %s is not in the parameter file", p->path, sym);
        if (p->coul != VT_COUL_NONE && !p->has_charge[Z])
            VT_FAIL(VT_ENOTSUP, "pair: %s: no charge for %s (needed by coulomb)", p->path, sym);
        if (ns >= st->n_species || st->Z_of[ns] != Z) changed = 1;
        ns++;
    }
    if (changed || ns != st->n_species) {
        clear_species(st);
        st->fn = vt_calloc((size_t)ns * (size_t)ns, sizeof *st->fn);
        if (!st->fn) VT_FAIL(VT_ENOMEM, "pair: out of memory");
        for (int Z = 1; Z <= VT_MAX_Z; Z++)
            if (present[Z]) {
                st->species_of_Z[Z] = st->n_species;
                st->Z_of[st->n_species++] = Z;
            }
        for (int a = 0; a < ns; a++)
            for (int b = 0; b <= a; b++) {
                vt_status s = setup_fn(st, a, b);
                if (s != VT_OK) {
                    clear_species(st);
                    return s;
                }
            }
    }
    if (c->n_atoms > st->n_alloc) {
        vt_free(st->type);
        vt_free(st->q);
        st->type = vt_malloc(c->n_atoms);
        st->q = vt_malloc(c->n_atoms * sizeof *st->q);
        st->n_alloc = st->type && st->q ? c->n_atoms : 0;
        if (!st->n_alloc) VT_FAIL(VT_ENOMEM, "pair: out of memory for %zu atoms", c->n_atoms);
    }
    for (size_t i = 0; i < c->n_atoms; i++) {
        st->type[i] = (unsigned char)st->species_of_Z[c->Z[i]];
        st->q[i] = p->charge[c->Z[i]];
    }
    return VT_OK;
}

/* ---- the pair loop ---- */

/* Energy and force factor fp (F_j = fp d, F_i = -fp d) of one pair at s < fn->cut2. */
static inline void pair_term(const pair_state *st, const pair_fn *fn, double s, int tabled, double *e, double *fp)
{
    if (tabled && s >= fn->tab_s_min) {
        table_lookup(&fn->tab[s >= fn->split2], s, e, fp);
        return;
    }
    eval_s(st, fn, fn_mask(fn, s), s, e, fp);
}

/* Sum over the half list; stress and table choice are compile-time constants at each call site. */
static inline __attribute__((always_inline)) double pair_loop(const pair_state *st, const vt_cell *c,
                                                              double (*f)[3], double w[3][3],
                                                              const int want_stress, const int tabled)
{
    const vt_nlist *nl = st->nl;
    const double(*pos)[3] = (const double(*)[3])c->pos;
    const double(*L)[3] = (const double(*)[3])c->lattice;
    const unsigned char *type = st->type;
    const uint32_t *jl = nl->j;
    const int16_t(*shift)[3] = (const int16_t(*)[3])nl->shift;
    const int ns = st->n_species;
    double energy = 0.0, wxx = 0, wyy = 0, wzz = 0, wyz = 0, wxz = 0, wxy = 0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        const double xi = pos[i][0], yi = pos[i][1], zi = pos[i][2];
        const pair_fn *row = st->fn + (size_t)type[i] * (size_t)ns;
        double fxi = 0.0, fyi = 0.0, fzi = 0.0;
        for (size_t k = nl->start[i], end = nl->start[i + 1]; k < end; k++) {
            const uint32_t j = jl[k];
            const double s0 = shift[k][0], s1 = shift[k][1], s2 = shift[k][2];
            const double dx = pos[j][0] - xi + s0 * L[0][0] + s1 * L[1][0] + s2 * L[2][0];
            const double dy = pos[j][1] - yi + s0 * L[0][1] + s1 * L[1][1] + s2 * L[2][1];
            const double dz = pos[j][2] - zi + s0 * L[0][2] + s1 * L[1][2] + s2 * L[2][2];
            const double s = dx * dx + dy * dy + dz * dz;
            const pair_fn *fn = row + type[j];
            if (s >= fn->cut2) continue;
            double e, fp;
            pair_term(st, fn, s, tabled, &e, &fp);
            energy += e;
            const double fx = fp * dx, fy = fp * dy, fz = fp * dz;
            fxi -= fx, fyi -= fy, fzi -= fz;
            f[j][0] += fx, f[j][1] += fy, f[j][2] += fz;
            if (want_stress) {
                wxx -= fx * dx, wyy -= fy * dy, wzz -= fz * dz;
                wyz -= fy * dz, wxz -= fx * dz, wxy -= fx * dy;
            }
        }
        f[i][0] += fxi, f[i][1] += fyi, f[i][2] += fzi;
    }
    if (want_stress) {
        w[0][0] += wxx, w[1][1] += wyy, w[2][2] += wzz;
        w[1][2] += wyz, w[2][1] += wyz, w[0][2] += wxz, w[2][0] += wxz, w[0][1] += wxy, w[1][0] += wxy;
    }
    return energy;
}

static double run_loop(const pair_state *st, const vt_cell *c, double (*f)[3], double w[3][3], int want_stress)
{
    if (st->pot->use_table)
        return want_stress ? pair_loop(st, c, f, w, 1, 1) : pair_loop(st, c, f, w, 0, 1);
    return want_stress ? pair_loop(st, c, f, w, 1, 0) : pair_loop(st, c, f, w, 0, 0);
}

static vt_status pair_compute(void *state, const vt_cell *c, vt_calc_result *r)
{
    pair_state *st = state;
    VT_TRY(prepare(st, c));
    VT_TRY(vt_nlist_update(st->nl, c, NULL));
    size_t n = c->n_atoms;
    double(*f)[3] = r->forces;
    double(*scratch)[3] = NULL;
    if (!f) { /* forces not wanted: the loop still needs somewhere to put them */
        scratch = vt_malloc(n * sizeof *scratch);
        if (!scratch) VT_FAIL(VT_ENOMEM, "pair: out of memory for %zu atoms", n);
        f = scratch;
    }
    memset(f, 0, n * sizeof *f);
    double w[3][3] = {{0}};
    double energy = run_loop(st, c, f, w, r->want_stress);
    double q2 = 0.0;
    for (size_t i = 0; i < n; i++) q2 += st->q[i] * st->q[i];
    energy += st->self * q2;
    vt_status s = VT_OK;
    if (st->pot->coul == VT_COUL_EWALD)
        s = vt_ewald_recip(c, st->q, st->coul.alpha, st->kc, &energy, f, r->want_stress ? w : NULL);
    vt_free(scratch);
    VT_TRY(s);
    r->energy_eV = energy;
    if (r->want_stress) {
        double V = vt_cell_volume(c);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) r->stress_GPa[a][b] = w[a][b] / V * VT_EV_PER_A3_IN_GPA;
    }
    return VT_OK;
}

static void pair_free(void *state)
{
    pair_state *st = state;
    if (!st) return;
    clear_species(st);
    vt_nlist_free(st->nl);
    vt_potential_free(st->pot);
    vt_free(st->type);
    vt_free(st->q);
    vt_free(st);
}

static const vt_calc_ops pair_ops = {"pair", pair_compute, pair_free};
static const vt_calc_ops pmmcs_ops = {"pmmcs", pair_compute, pair_free};

static vt_status open_file(const char *path, const vt_calc_ops *my_ops, const vt_calc_ops **ops, void **state,
                           char **settings)
{
    pair_state *st = vt_calloc(1, sizeof *st);
    if (!st) VT_FAIL(VT_ENOMEM, "pair: out of memory");
    memset(st->species_of_Z, 0xff, sizeof st->species_of_Z);
    vt_status s = vt_potential_read(path, &st->pot);
    if (s == VT_OK) {
        const vt_potential *p = st->pot;
        double cut = p->coul != VT_COUL_NONE ? p->coul_cutoff : 0.0;
        for (size_t k = 0; k < p->n_terms; k++) cut = fmax(cut, p->terms[k].cutoff);
        double alpha = p->coul_alpha;
        if (p->coul == VT_COUL_EWALD) vt_ewald_params(p->coul_cutoff, p->ewald_accuracy, p->coul_alpha, &alpha, &st->kc);
        vt_coul_init(&st->coul, p->coul, alpha, p->coul_cutoff);
        st->self = vt_coul_self(&st->coul);
        st->pot->coul_alpha = alpha; /* resolved, for the settings text */
        s = vt_nlist_new(cut, p->skin_A, 0, &st->nl);
    }
    char *text = NULL;
    if (s == VT_OK) s = vt_potential_text(st->pot, &text);
    if (s != VT_OK) {
        pair_free(st);
        return s;
    }
    *ops = my_ops;
    *state = st;
    *settings = text;
    return VT_OK;
}

vt_status vt_calc_open_pair(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    if (!arg || !*arg) VT_FAIL(VT_EINVAL, "--calc pair:FILE: no parameter file given (docs/potentials.md)");
    return open_file(arg, &pair_ops, ops, state, settings);
}

/* data/potentials/pmmcs.pot: under $VITRUM_DATA_DIR, else under the build's VT_DATA_DIR (the
 * source tree's data/, set by CMakeLists.txt). */
static void pmmcs_path(char *buf, size_t size)
{
    const char *dir = getenv("VITRUM_DATA_DIR");
    snprintf(buf, size, "%s/potentials/pmmcs.pot", dir ? dir : VT_DATA_DIR);
}

vt_status vt_calc_open_pmmcs(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    if (arg) VT_FAIL(VT_EINVAL, "--calc pmmcs takes no argument (use pair:FILE for a modified set)");
    char path[4096];
    pmmcs_path(path, sizeof path);
    return open_file(path, &pmmcs_ops, ops, state, settings);
}
