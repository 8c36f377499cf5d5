/*
** structfeat.c - the paper's 21 structural features (Zheng et al. 2024, Table 1; definitions after
** Sendek et al., Energy Environ. Sci. 10, 306 (2017), SI, with the facts recovered from the paper's
** table in ../shared/paper/README.md). Every sum runs over all periodic images, so a small cell,
** a supercell of it, a rotated, permuted or wrapped copy give the same numbers.
**
** Notation: N atoms in volume V (A^3); L = the Li atoms, S = the non-Li atoms ("set of non-Li
** atoms", Sendek's "sublattice"), A = the "anion" atoms (see below); X_i Pauling electronegativity,
** r_i Cordero covalent radius (A, low-spin Mn/Fe/Co; vt_element.covalent_radius_A);
** nb(i) = bonds of atom i = every image j of every atom with 0 < |r_ij| <= rc (rc = 4 A, plus
** pymatgen's 1e-8 A tolerance), an atom's own images included; nn_Y(i) = distance from i to the
** nearest image of an atom of set Y (itself excluded, its own images not).
**   AAV   = V / N                                                   A^3
**   VPA   = V / |A|                                                 A^3
**   ENS   = mean_{i in S} X_i
**   PF    = sum_i (4/3) pi r_i^3 / V,   SPF = the same over S        (overlaps not removed)
**   LNC   = mean_{i in L} |nb(i)|,      SDLC = population std of |nb(i)| over L
**   SNC   = mean_{i in S} |nb(i)|,      RNC = LNC / SNC
**   LLB   = mean_{i in L} |nb(i) and L|                             (Li-Li bonds per Li)
**   LBI   = mean of |X_i - X_j| over the n Li bonds (i in L, j in nb(i), Li-Li bonds included)
**   SDLI  = population std of the same n values
**           (paper_bond_stats: LBI = sum / (n - 1), SDLI = sqrt(sum (x - LBI)^2 / (n - 1)), which
**           is what the table holds: checked to 1e-10 on its binary compounds)
**   SBI   = mean of |X_i - X_j| over the bonds of the S atoms (i in S, j in nb(i), Li included)
**   RBI   = LBI / SBI
**   AASD  = mean_{i in A} nn_A(i)                                   A
**   AFC   = mean_{i in A} #{j image in A: |r_ij| <= nn_A(i) + 1 A}   (Sendek: r0 <= r <= r0 + 1 A)
**   LASD  = mean_{i in L} nn_A(i),      LLSD = mean_{i in L} nn_L(i)  A
**   SLPW, SLPW_pp, SLPE: for each Li i, the path to the nearest Li image j (d = r_ij). Each
**           obstacle k lies at h_k from the path's line; SLPW_i = min_k (h_k - r_k) (negative when
**           an atom's sphere cuts the line), SLPW_pp_i = min_k h_k (point to point), SLPE_i = X of
**           the k giving SLPW_i; each feature is the mean over the Li that have an obstacle.
**           Obstacles, path_radius_A = p > 0 (default 3 A): every other atom image within p of i,
**           h_k = its distance to the infinite line through i and j. This is not Sendek's
**           geometry but it is what reproduces the paper's table: on Pedone-potential melts of
**           Li2O, LiAlO2, LiAlSiO4, Li2GeO3 at the table's densities and 1500 K it gives SLPW_pp
**           within 0.03 A rms of the table (SLPW 0.08 A, SLPE 0.27), where the slab rule below
**           gives 1.6-1.7 A against the table's 0.9-1.05 (docs/features.md).
**           p = 0: Sendek's path, atoms between the two Li: 0 <= t <= 1, t = r_ik.d / d.d, and
**           h_k = |r_ik - t d|. Several nearest Li at the same distance (1e-9 A): the widest of
**           their paths. Equal h_k - r_k (1e-12 A): the larger X.
** The "anion": the paper's VPA divides by the count of the element whose symbol sorts last
** (Li2Si2Os: Si, not Os; LiF: Li), and its AASD/LASD/AFC follow the same element; vitrum keeps
** that as the default (VT_ANION_ALPHABETICAL) and offers the most electronegative non-Li element.
** Integer-count checks on the table (LNC N_Li, LLB N_Li and SLPE N_Li are whole numbers on every
** row) show the table's features come from single frames; vt_structfeat_traj() averages frames.
**
** Geometry: one full neighbour list (core/neighbor.c) at a search radius R >= rc, distances
** recomputed from the cell's positions. Every nearest-image search, the AFC window and the path
** obstacles are checked to lie within R; if one does not, R doubles and the frame is redone, so
** the result is exact for any cell (also far beyond half the box). No Voronoi or other library
** geometry is needed: all 21 are distances, counts and sphere volumes.
** Tests: tests/analysis/test_structfeat.c (hand-worked crystals, invariances),
** tests/analysis/test_structfeat_pymatgen.sh (pymatgen's neighbour finder as oracle).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

enum { LI = 3 };
enum {
    F_AAV, F_LBI, F_SDLI, F_SBI, F_ENS, F_RBI, F_AFC, F_AASD, F_VPA, F_LASD, F_LLSD,
    F_LNC, F_SDLC, F_LLB, F_SNC, F_RNC, F_PF, F_SPF, F_SLPW, F_SLPW_PP, F_SLPE
};

static const char *const names[VT_N_STRUCTFEAT] = {
    "AAV", "LBI", "SDLI", "SBI", "ENS", "RBI", "AFC", "AASD", "VPA", "LASD", "LLSD",
    "LNC", "SDLC", "LLB", "SNC", "RNC", "PF", "SPF", "SLPW", "SLPW_pp", "SLPE",
};

#define DIST_TOL_A 1e-8   /* pymatgen's numerical_tol: r <= cutoff + 1e-8 A is a bond */
#define TIE_NEAREST_A 1e-9 /* nearest Li partners closer than this in distance are tied */
#define TIE_WIDTH_A 1e-12  /* obstacles closer than this in h - r are tied */
#define T_TOL 1e-9         /* slack on 0 <= t <= 1 so atoms on the end planes count stably */
#define R_SEARCH0_A 8.0    /* first search radius, Angstrom */
#define R_SEARCH_MAX_A 4096.0

const char *const *vt_structfeat_names(void) { return names; }

vt_structfeat_opts vt_structfeat_opts_default(void)
{
    vt_structfeat_opts o = {4.0, VT_ANION_ALPHABETICAL, 3.0, 0, 0, 1};
    return o;
}

/* Per-frame state: atom properties and the neighbour list with its distances. */
typedef struct frame {
    const vt_cell *c;
    const vt_structfeat_opts *o;
    int anion_Z;
    double *X, *r;        /* per atom: Pauling X, covalent radius (A) */
    double *scratch;      /* n_atoms doubles */
    unsigned char *is_li, *is_anion;
    double r_max;         /* largest covalent radius in the cell, A */
    vt_nlist *nl;
    double (*vec)[3];     /* per list entry: image displacement r_ij, Angstrom */
    double *dist;         /* |vec| */
    size_t cap;
    double R;             /* search radius of the list, A */
    double R_ok;          /* R less a margin for rounding: anything needed must lie within it */
} frame;

/* The anion element of a composition under rule. */
static int pick_anion(const vt_composition *comp, vt_anion_rule rule)
{
    int best = 0;
    for (size_t s = 0; s < comp->n_species; s++) {
        const vt_element *e = vt_element_by_Z(comp->Z[s]);
        if (rule == VT_ANION_ELECTRONEGATIVE && e->Z == LI) continue;
        if (!best) { best = e->Z; continue; }
        const vt_element *b = vt_element_by_Z(best);
        int later = strcmp(e->symbol, b->symbol) > 0;
        if (rule == VT_ANION_ELECTRONEGATIVE
                ? (e->X_pauling > b->X_pauling || (e->X_pauling == b->X_pauling && later))
                : later)
            best = e->Z;
    }
    return best;
}

/* Validate the cell and fill the per-atom arrays (allocated by the caller, n_atoms each). */
static vt_status atom_props(frame *f)
{
    const vt_cell *c = f->c;
    vt_composition comp;
    VT_TRY(vt_cell_composition(c, &comp));
    size_t n_li = 0;
    for (size_t s = 0; s < comp.n_species; s++) {
        const vt_element *e = vt_element_by_Z(comp.Z[s]);
        if (!isfinite(e->X_pauling))
            VT_FAIL(VT_ERANGE, "structural features: element %s has no Pauling electronegativity", e->symbol);
        if (e->Z == LI) n_li = (size_t)comp.amount[s];
    }
    if (n_li == 0) VT_FAIL(VT_ERANGE, "structural features: cell has no Li");
    if (n_li == c->n_atoms) VT_FAIL(VT_ERANGE, "structural features: cell has no non-Li atom");
    f->anion_Z = pick_anion(&comp, f->o->anion);
    f->r_max = 0.0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        f->X[i] = e->X_pauling;
        f->r[i] = e->covalent_radius_A;
        f->is_li[i] = c->Z[i] == LI;
        f->is_anion[i] = c->Z[i] == f->anion_Z;
        if (f->r[i] > f->r_max) f->r_max = f->r[i];
    }
    return VT_OK;
}

/* (Re)build the list at radius R and the displacement of every entry. */
static vt_status build_list(frame *f, double R)
{
    const vt_cell *c = f->c;
    vt_nlist_free(f->nl);
    f->nl = NULL;
    VT_TRY(vt_nlist_new(R, 0.0, 1, &f->nl));
    VT_TRY(vt_nlist_update(f->nl, c, NULL));
    size_t n = f->nl->n_pairs;
    if (n > f->cap) {
        double(*v)[3] = vt_realloc(f->vec, n * sizeof *v);
        if (!v) VT_FAIL(VT_ENOMEM, "structural features: out of memory");
        f->vec = v;
        double *d = vt_realloc(f->dist, n * sizeof *d);
        if (!d) VT_FAIL(VT_ENOMEM, "structural features: out of memory");
        f->dist = d;
        f->cap = n;
    }
    for (size_t i = 0; i < c->n_atoms; i++)
        for (size_t k = f->nl->start[i]; k < f->nl->start[i + 1]; k++) {
            size_t j = f->nl->j[k];
            const int16_t *s = f->nl->shift[k];
            double d2 = 0.0;
            for (int x = 0; x < 3; x++) {
                double v = c->pos[j][x] - c->pos[i][x] + s[0] * c->lattice[0][x] + s[1] * c->lattice[1][x] +
                           s[2] * c->lattice[2][x];
                f->vec[k][x] = v;
                d2 += v * v;
            }
            f->dist[k] = sqrt(d2);
        }
    f->R = R;
    f->R_ok = R * (1.0 - 1e-9) - 1e-9; /* the list's own rounding may differ by ~1e-15 A */
    return VT_OK;
}

static int is_bond(const frame *f, size_t k) { return f->dist[k] > DIST_TOL_A && f->dist[k] <= f->o->cutoff_A + DIST_TOL_A; }

/* Mean and population std of values v[0..n-1]: two passes, so a constant set gives exactly 0. */
static void mean_std(const double *v, size_t n, double *mean, double *std)
{
    double s = 0.0, q = 0.0;
    for (size_t i = 0; i < n; i++) s += v[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *std = sqrt(q / (double)n);
}

/* LNC, SDLC, LLB, SNC, RNC: neighbour counts within the cutoff. buf: n_atoms doubles. */
static void counts(const frame *f, double *buf, double out[VT_N_STRUCTFEAT])
{
    const vt_nlist *nl = f->nl;
    size_t n_li = 0, n_s = 0;
    double li_li = 0.0, s_sum = 0.0;
    for (size_t i = 0; i < f->c->n_atoms; i++) {
        size_t nb = 0, nb_li = 0;
        for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++)
            if (is_bond(f, k)) {
                nb++;
                nb_li += f->is_li[nl->j[k]];
            }
        if (f->is_li[i]) {
            buf[n_li++] = (double)nb;
            li_li += (double)nb_li;
        } else {
            s_sum += (double)nb;
            n_s++;
        }
    }
    mean_std(buf, n_li, &out[F_LNC], &out[F_SDLC]);
    out[F_LLB] = li_li / (double)n_li;
    out[F_SNC] = s_sum / (double)n_s;
    out[F_RNC] = out[F_LNC] / out[F_SNC];
}

/* Bond ionicities |X_i - X_j| of the bonds of Li atoms (li = 1) or of non-Li atoms (li = 0):
 * their sum, count and sum of squared deviations from mean_about (second pass). */
static void ionicity_sums(const frame *f, int li, double mean_about, double *sum, double *sq, size_t *n)
{
    const vt_nlist *nl = f->nl;
    *sum = *sq = 0.0;
    *n = 0;
    for (size_t i = 0; i < f->c->n_atoms; i++) {
        if (f->is_li[i] != li) continue;
        for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++)
            if (is_bond(f, k)) {
                double x = fabs(f->X[i] - f->X[nl->j[k]]);
                *sum += x;
                *sq += (x - mean_about) * (x - mean_about);
                (*n)++;
            }
    }
}

/* LBI, SDLI, SBI, RBI (NaN when a set has no bond). */
static void ionicities(const frame *f, double out[VT_N_STRUCTFEAT])
{
    double sum, sq;
    size_t n;
    ionicity_sums(f, 1, 0.0, &sum, &sq, &n);
    /* the paper's table divides by n - 1 (its LBI and the mean its SDLI is taken about) */
    double denom = f->o->paper_bond_stats ? (double)n - 1.0 : (double)n;
    double lbi = n ? sum / denom : NAN;
    ionicity_sums(f, 1, lbi, &sum, &sq, &n);
    out[F_LBI] = lbi;
    out[F_SDLI] = n ? sqrt(sq / denom) : NAN;
    ionicity_sums(f, 0, 0.0, &sum, &sq, &n);
    out[F_SBI] = n ? sum / (double)n : NAN;
    out[F_RBI] = out[F_LBI] / out[F_SBI];
}

/* *k_best = the entry of atom i's list nearest to i among atoms of the set mask. Returns 0 when
 * there is none within the list's sure radius. */
static int nearest_in(const frame *f, size_t i, const unsigned char *mask, size_t *k_best)
{
    const vt_nlist *nl = f->nl;
    double best = INFINITY;
    for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++)
        if (mask[nl->j[k]] && f->dist[k] > DIST_TOL_A && f->dist[k] < best) {
            best = f->dist[k];
            *k_best = k;
        }
    return best <= f->R_ok;
}

/* AASD, AFC, LASD, LLSD. Returns 0 when the list is too short for an exact answer. */
static int separations(const frame *f, double out[VT_N_STRUCTFEAT])
{
    const vt_nlist *nl = f->nl;
    double aasd = 0.0, afc = 0.0, lasd = 0.0, llsd = 0.0;
    size_t n_a = 0, n_li = 0, k = 0;
    for (size_t i = 0; i < f->c->n_atoms; i++) {
        if (f->is_anion[i]) {
            if (!nearest_in(f, i, f->is_anion, &k)) return 0;
            double r0 = f->dist[k], edge = r0 + 1.0 + DIST_TOL_A;
            if (edge > f->R_ok) return 0;
            for (size_t q = nl->start[i]; q < nl->start[i + 1]; q++)
                afc += f->is_anion[nl->j[q]] && f->dist[q] > DIST_TOL_A && f->dist[q] <= edge;
            aasd += r0;
            n_a++;
        }
        if (f->is_li[i]) {
            if (!nearest_in(f, i, f->is_anion, &k)) return 0;
            lasd += f->dist[k];
            if (!nearest_in(f, i, f->is_li, &k)) return 0;
            llsd += f->dist[k];
            n_li++;
        }
    }
    out[F_AASD] = aasd / (double)n_a;
    out[F_AFC] = afc / (double)n_a;
    out[F_LASD] = lasd / (double)n_li;
    out[F_LLSD] = llsd / (double)n_li;
    return 1;
}

/* The straight path from Li atom i along list entry p (its partner): narrowest width w (h - r),
 * point-to-point width w_pp (h) and the X of the atom giving w; w = INFINITY when no atom is an
 * obstacle (radius rule only). Returns 0 when the list is too short to be sure of the minima. */
static int path_width(const frame *f, size_t i, size_t p, double *w, double *w_pp, double *x_w)
{
    const vt_nlist *nl = f->nl;
    const double *d = f->vec[p], rp = f->o->path_radius_A;
    double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    *w = *w_pp = INFINITY;
    *x_w = NAN;
    for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++) {
        if (k == p || !(f->dist[k] > DIST_TOL_A)) continue;
        if (rp > 0.0 && f->dist[k] > rp + DIST_TOL_A) continue;
        const double *v = f->vec[k];
        double t = (v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / dd;
        if (rp == 0.0 && (t < -T_TOL || t > 1.0 + T_TOL)) continue; /* slab rule: between the two Li */
        double h2 = 0.0;
        for (int x = 0; x < 3; x++) h2 += (v[x] - t * d[x]) * (v[x] - t * d[x]);
        double h = sqrt(h2), wk = h - f->r[nl->j[k]], xk = f->X[nl->j[k]];
        if (h < *w_pp) *w_pp = h;
        if (wk < *w - TIE_WIDTH_A || (wk <= *w + TIE_WIDTH_A && !(xk <= *x_w))) {
            if (wk < *w) *w = wk;
            *x_w = xk;
        }
    }
    if (rp > 0.0) return rp + DIST_TOL_A <= f->R_ok;
    /* slab rule: an atom that could beat a minimum lies within sqrt(dd + h^2) of i */
    double need_w = sqrt(dd + (*w + f->r_max) * (*w + f->r_max)), need_pp = sqrt(dd + *w_pp * *w_pp);
    return isfinite(*w) && need_w <= f->R_ok && need_pp <= f->R_ok;
}

/* SLPW, SLPW_pp, SLPE over the Li atoms whose path has an obstacle (NaN when none has). Returns 0
 * when the list is too short for an exact answer. */
static int paths(const frame *f, double out[VT_N_STRUCTFEAT])
{
    const vt_nlist *nl = f->nl;
    double sw = 0.0, spp = 0.0, sx = 0.0;
    size_t n_paths = 0, k0 = 0;
    for (size_t i = 0; i < f->c->n_atoms; i++) {
        if (!f->is_li[i]) continue;
        if (!nearest_in(f, i, f->is_li, &k0)) return 0;
        double best_w = -INFINITY, best_pp = NAN, best_x = NAN;
        for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
            if (!f->is_li[nl->j[p]] || !(f->dist[p] > DIST_TOL_A) || f->dist[p] > f->dist[k0] + TIE_NEAREST_A)
                continue;
            double w, w_pp, x_w;
            if (!path_width(f, i, p, &w, &w_pp, &x_w)) return 0;
            if (isfinite(w) && w > best_w) {
                best_w = w;
                best_pp = w_pp;
                best_x = x_w;
            }
        }
        if (!isfinite(best_w)) continue; /* nothing near this Li's path */
        sw += best_w;
        spp += best_pp;
        sx += best_x;
        n_paths++;
    }
    out[F_SLPW] = n_paths ? sw / (double)n_paths : NAN;
    out[F_SLPW_PP] = n_paths ? spp / (double)n_paths : NAN;
    out[F_SLPE] = n_paths ? sx / (double)n_paths : NAN;
    return 1;
}

/* AAV, VPA, ENS, PF, SPF: no neighbours needed. */
static void volumes(const frame *f, double out[VT_N_STRUCTFEAT])
{
    const vt_cell *c = f->c;
    double V = vt_cell_volume(c), pf = 0.0, spf = 0.0, ens = 0.0;
    size_t n_s = 0, n_a = 0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        double v = 4.0 / 3.0 * M_PI * f->r[i] * f->r[i] * f->r[i];
        pf += v;
        n_a += f->is_anion[i];
        if (f->is_li[i]) continue;
        spf += v;
        ens += f->X[i];
        n_s++;
    }
    out[F_AAV] = V / (double)c->n_atoms;
    out[F_VPA] = V / (double)n_a;
    out[F_ENS] = ens / (double)n_s;
    out[F_PF] = pf / V;
    out[F_SPF] = spf / V;
}

static vt_status check_opts(const vt_structfeat_opts *o)
{
    if (!(o->cutoff_A > 0.0) || !isfinite(o->cutoff_A))
        VT_FAIL(VT_EINVAL, "structural features: cutoff %g A must be finite and > 0", o->cutoff_A);
    if (o->anion != VT_ANION_ALPHABETICAL && o->anion != VT_ANION_ELECTRONEGATIVE)
        VT_FAIL(VT_EINVAL, "structural features: unknown anion rule %d", (int)o->anion);
    if (!(o->path_radius_A >= 0.0) || !isfinite(o->path_radius_A))
        VT_FAIL(VT_EINVAL, "structural features: path radius %g A must be finite and >= 0", o->path_radius_A);
    if (o->stride == 0) VT_FAIL(VT_EINVAL, "structural features: frame stride must be >= 1");
    return VT_OK;
}

/* The 21 features of one cell with reusable state f (arrays sized for the cell). */
static vt_status frame_compute(frame *f, double out[VT_N_STRUCTFEAT])
{
    VT_TRY(atom_props(f));
    if (!(vt_cell_volume(f->c) > 0.0)) VT_FAIL(VT_ERANGE, "structural features: cell volume is zero");
    volumes(f, out);
    double R = fmax(R_SEARCH0_A, fmax(f->o->cutoff_A, f->o->path_radius_A) + 1.0);
    for (;;) {
        VT_TRY(build_list(f, R));
        if (separations(f, out) && paths(f, out)) break;
        R *= 2.0;
        if (R > R_SEARCH_MAX_A)
            VT_FAIL(VT_ERANGE, "structural features: no Li or anion neighbour within %g A", R_SEARCH_MAX_A);
    }
    counts(f, f->scratch, out);
    ionicities(f, out);
    return VT_OK;
}

static void frame_free(frame *f)
{
    vt_free(f->X);
    vt_free(f->is_li);
    vt_free(f->vec);
    vt_free(f->dist);
    vt_nlist_free(f->nl);
    memset(f, 0, sizeof *f);
}

/* State for cells of c's atom count: one block for X, r and scratch (3 n doubles), one for the
 * two masks. */
static vt_status frame_alloc(frame *f, const vt_cell *c, const vt_structfeat_opts *o)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->o = o;
    f->X = vt_malloc(3 * c->n_atoms * sizeof *f->X);
    f->is_li = vt_malloc(2 * c->n_atoms);
    if (!f->X || !f->is_li) {
        frame_free(f); /* leaves f zeroed: safe to free again */
        VT_FAIL(VT_ENOMEM, "structural features: out of memory");
    }
    f->r = f->X + c->n_atoms;
    f->scratch = f->r + c->n_atoms;
    f->is_anion = f->is_li + c->n_atoms;
    return VT_OK;
}

vt_status vt_structfeat_compute(const vt_cell *c, const vt_structfeat_opts *opts, double out[VT_N_STRUCTFEAT])
{
    vt_structfeat_opts def = vt_structfeat_opts_default();
    const vt_structfeat_opts *o = opts ? opts : &def;
    VT_TRY(check_opts(o));
    if (c->n_atoms == 0) VT_FAIL(VT_ERANGE, "structural features: empty cell");
    frame f;
    VT_TRY(frame_alloc(&f, c, o));
    vt_status s = frame_compute(&f, out);
    frame_free(&f);
    return s;
}

vt_status vt_structfeat_traj(const vt_traj *t, const vt_structfeat_opts *opts, vt_estimate out[VT_N_STRUCTFEAT])
{
    vt_structfeat_opts def = vt_structfeat_opts_default();
    const vt_structfeat_opts *o = opts ? opts : &def;
    VT_TRY(check_opts(o));
    if (o->first_frame >= t->n_frames)
        VT_FAIL(VT_EINVAL, "structural features: no frame selected (first frame %zu of %zu)", o->first_frame,
                t->n_frames);
    if (t->frames[0]->n_atoms == 0) VT_FAIL(VT_ERANGE, "structural features: empty cell");
    size_t n = (t->n_frames - o->first_frame + o->stride - 1) / o->stride;
    double(*v)[VT_N_STRUCTFEAT] = vt_malloc(n * sizeof *v);
    if (!v) VT_FAIL(VT_ENOMEM, "structural features: out of memory");
    frame f;
    vt_status s = frame_alloc(&f, t->frames[0], o); /* every frame has frame 0's atoms */
    for (size_t m = 0; m < n && s == VT_OK; m++) {
        size_t fr = o->first_frame + m * o->stride;
        f.c = t->frames[fr];
        s = frame_compute(&f, v[m]);
        if (s != VT_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", vt_errmsg());
            s = vt_err_set_(s, "frame %zu: %s", fr, msg);
        }
    }
    for (int j = 0; j < VT_N_STRUCTFEAT && s == VT_OK; j++) {
        double sum = 0.0, sq = 0.0;
        for (size_t m = 0; m < n; m++) sum += v[m][j];
        double mean = sum / (double)n;
        for (size_t m = 0; m < n; m++) sq += (v[m][j] - mean) * (v[m][j] - mean);
        out[j].value = mean;
        out[j].sigma = n > 1 ? sqrt(sq / (double)(n - 1)) : 0.0;
    }
    frame_free(&f);
    vt_free(v);
    return s;
}
