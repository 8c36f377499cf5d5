/*
** pack.c - random periodic packing of a composition with per-pair minimum distances.
**   d_ij = max(tolerance * (r_i + r_j), min_dist_A)   r: Cordero covalent radii (A), over every
**   periodic image (vt_mic_delta: exact for any cell shape).
**   Default tolerance 0.75: the shortest common bonds are ~0.8-0.9 of the covalent-radius sum
**   (C=O 0.80, S=O 0.84, P-O 0.88, Si-O 0.91, Li-O 1.0, Li-Li in the metal 1.18), so 0.75 keeps
**   every pair below any real bond length out, while leaving room to reach experimental densities:
**   Li2O at 2.01 g/cm^3 fills phi = 0.32, metals and silicides 0.1-0.2. (PACKMOL in MPMorph uses
**   one 2 A distance for all pairs instead: too long for O-H or Si-O, too short for Cs-Cs.)
**   Steps (each in its own function below):
**   (1) integer formula and formula units; (2) volume and cell (cubic unless a shape is given);
**   (3) feasibility: phi = sum (4/3) pi sigma_i^3 / V with sigma_i = max(tol r_i, floor / 2) (the
**       d_ij are additive in sigma unless the floor binds) must be <= VT_PACK_PHI_MAX, and the
**       shortest lattice vector >= max d_ii (an atom and its own image);
**   (4) random sequential insertion, largest spheres first, through a cell list binned in
**       fractional coordinates (bins at least max d_ij wide, so a +-1 bin search is exact); an atom
**       that finds no free spot in max_tries keeps the try with the least overlap;
**   (5) overlap removal (only when (4) left overlaps): Jacobi sweeps that move both atoms of every
**       overlapping pair apart along their minimum-image vector to (1 + PUSH_MARGIN) d_ij; a sweep
**       that finds no pair closer than d_ij moved nothing, so its cell list was exact and the
**       packing is proven. Random sequential addition jams near phi = 0.38 for equal spheres;
**       (5) takes it to ~0.55 (random loose packing); beyond, VT_ENOCONV after max_sweeps.
**   Hand-written: no Debian library packs periodic cells (PACKMOL packs a box with walls).
**   Tests: tests/workflow/test_pack.c (brute force over images), test_pack_cli.sh (ASE oracle).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

#define MAX_DENOMINATOR 1000 /* largest multiplier tried to make a formula integer */
#define PUSH_MARGIN 1e-3     /* overlap removal pushes pairs to (1 + margin) d_ij */
#define NONE SIZE_MAX        /* end of a bin's atom list */

vt_pack_opts vt_pack_opts_default(void)
{
    vt_pack_opts o;
    memset(&o, 0, sizeof o);
    o.tolerance = 0.75;
    o.seed = 1;
    o.max_tries = 200;
    o.max_sweeps = 5000;
    return o;
}

/* Per-species data and the cell being packed. */
typedef struct packer {
    size_t n_species;
    int Z[VT_MAX_SPECIES];
    double sigma[VT_MAX_SPECIES];                 /* sphere radius, A */
    double d[VT_MAX_SPECIES][VT_MAX_SPECIES];     /* minimum distance of a pair, A */
    double d_max;                                 /* largest d */
    size_t *species;                              /* per atom */
    vt_cell *cell;                                /* owned until handed out */
    vt_mic mic;
    /* cell list */
    size_t nb[3], n_bins;
    size_t *head, *next;  /* head[bin] and next[atom]: atoms per bin, NONE-terminated */
    double (*disp)[3];    /* overlap removal: accumulated displacement per atom */
    size_t *list;         /* overlap removal: atoms moved by the last sweep */
    unsigned char *is_listed; /* per atom: in list */
} packer;

static void packer_clear(packer *p)
{
    vt_free(p->species);
    vt_free(p->head);
    vt_free(p->next);
    vt_free(p->disp);
    vt_free(p->list);
    vt_free(p->is_listed);
    vt_cell_free(p->cell);
}

/* ---------------------------------------------------------------------------------------------
** (1) Formula
*/
static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The smallest integer formula: counts[s] atoms of species s per unit. */
static vt_status integer_formula(const vt_composition *c, size_t counts[])
{
    for (size_t m = 1; m <= MAX_DENOMINATOR; m++) {
        size_t g = 0, s;
        for (s = 0; s < c->n_species; s++) {
            double v = c->amount[s] * (double)m, r = nearbyint(v);
            if (!(r >= 1.0 && fabs(v - r) <= 1e-6 * r && r < 1e6)) break;
            counts[s] = (size_t)r;
            g = gcd(g, counts[s]);
        }
        if (s < c->n_species) continue;
        for (s = 0; s < c->n_species; s++) counts[s] /= g;
        return VT_OK;
    }
    VT_FAIL(VT_EINVAL, "pack: the formula has no integer form with a multiplier up to %d", MAX_DENOMINATOR);
}

/* ---------------------------------------------------------------------------------------------
** (2) Volume and cell
*/
static vt_status check_opts(const vt_pack_opts *o)
{
    if (!(o->density_g_cm3 >= 0.0 && o->density_g_cm3 < 1e3))
        VT_FAIL(VT_EINVAL, "pack: density %g g/cm^3 must be in (0, 1000)", o->density_g_cm3);
    if (!(o->volume_A3 >= 0.0 && o->volume_A3 < 1e15))
        VT_FAIL(VT_EINVAL, "pack: volume %g A^3 must be in (0, 1e15)", o->volume_A3);
    if (o->density_g_cm3 > 0.0 && o->volume_A3 > 0.0)
        VT_FAIL(VT_EINVAL, "pack: give a density or a volume, not both");
    if (!(o->tolerance >= 0.0 && o->tolerance <= 10.0))
        VT_FAIL(VT_EINVAL, "pack: tolerance %g must be in [0, 10]", o->tolerance);
    if (!(o->min_dist_A >= 0.0 && o->min_dist_A <= 100.0))
        VT_FAIL(VT_EINVAL, "pack: minimum distance %g A must be in [0, 100]", o->min_dist_A);
    if (o->max_tries == 0) VT_FAIL(VT_EINVAL, "pack: max_tries must be at least 1");
    return VT_OK;
}

/* Cell volume, A^3, from the options or the elemental volumes. */
static vt_status cell_volume(const packer *p, const size_t counts[], size_t n_units, const vt_pack_opts *o,
                             double *V)
{
    double mass = 0.0, vol = 0.0;
    for (size_t s = 0; s < p->n_species; s++) {
        const vt_element *e = vt_element_by_Z(p->Z[s]);
        mass += e->mass_amu * (double)(counts[s] * n_units);
        vol += e->atomic_volume_A3 * (double)(counts[s] * n_units);
        if (!o->density_g_cm3 && !o->volume_A3 && !isfinite(e->atomic_volume_A3))
            VT_FAIL(VT_EINVAL, "pack: no elemental volume for %s; give a density or a volume", e->symbol);
    }
    *V = o->volume_A3 > 0.0       ? o->volume_A3
         : o->density_g_cm3 > 0.0 ? mass * VT_AMU_PER_A3_IN_G_CM3 / o->density_g_cm3
                                  : vol;
    return VT_OK;
}

/* Lattice of volume V: the shape scaled, or a cube. */
static vt_status make_lattice(const vt_pack_opts *o, double V, double L[3][3])
{
    static const double zero[3][3];
    int is_cubic = memcmp(o->shape, zero, sizeof zero) == 0;
    double v0 = is_cubic ? 1.0 : vt_lattice_volume(o->shape), inv[3][3];
    if (!is_cubic && vt_lattice_inverse(o->shape, inv) != VT_OK)
        VT_FAIL(VT_EINVAL, "pack: the cell shape is singular or not finite");
    double scale = cbrt(V / v0);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = is_cubic ? (i == k ? scale : 0.0) : o->shape[i][k] * scale;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** (3) Distances and feasibility
*/
static vt_status set_distances(packer *p, const vt_pack_opts *o)
{
    p->d_max = 0.0;
    for (size_t s = 0; s < p->n_species; s++) {
        const vt_element *e = vt_element_by_Z(p->Z[s]);
        if (!isfinite(e->covalent_radius_A)) VT_FAIL(VT_EINVAL, "pack: no covalent radius for %s", e->symbol);
        p->sigma[s] = fmax(o->tolerance * e->covalent_radius_A, 0.5 * o->min_dist_A);
    }
    for (size_t s = 0; s < p->n_species; s++)
        for (size_t t = 0; t < p->n_species; t++) {
            double rs = vt_element_by_Z(p->Z[s])->covalent_radius_A, rt = vt_element_by_Z(p->Z[t])->covalent_radius_A;
            p->d[s][t] = fmax(o->tolerance * (rs + rt), o->min_dist_A);
            p->d_max = fmax(p->d_max, p->d[s][t]);
        }
    return VT_OK;
}

/* Length of the shortest lattice vector, A: searched over small combinations of the reduced basis. */
static double shortest_vector(const vt_mic *m)
{
    double best = INFINITY;
    for (int a = -2; a <= 2; a++)
        for (int b = -2; b <= 2; b++)
            for (int c = -2; c <= 2; c++) {
                if (!a && !b && !c) continue;
                double v[3];
                for (int k = 0; k < 3; k++) v[k] = a * m->basis[0][k] + b * m->basis[1][k] + c * m->basis[2][k];
                best = fmin(best, sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
            }
    return best;
}

static double packing_fraction(const packer *p, const size_t counts[], size_t n_units, double V)
{
    double vs = 0.0;
    for (size_t s = 0; s < p->n_species; s++)
        vs += (double)(counts[s] * n_units) * 4.0 / 3.0 * M_PI * pow(p->sigma[s], 3);
    return vs / V;
}

static vt_status check_feasible(const packer *p, double phi, double V)
{
    double rho = vt_cell_density_g_cm3(p->cell);
    if (phi > VT_PACK_PHI_MAX)
        VT_FAIL(VT_ERANGE,
                "pack: density %.4g g/cm^3 (%.4g A^3) is too high for the minimum distances: their spheres "
                "would fill %.3f of the cell, above random close packing (%.2f); lower the density or the "
                "tolerance",
                rho, V, phi, VT_PACK_PHI_MAX);
    double shortest = shortest_vector(&p->mic);
    for (size_t s = 0; s < p->n_species; s++)
        if (p->d[s][s] > shortest)
            VT_FAIL(VT_ERANGE,
                    "pack: the cell (shortest lattice vector %.3g A) is smaller than the %.3g A minimum "
                    "distance of %s to its own periodic image; use more atoms or a lower density",
                    shortest, p->d[s][s], vt_element_by_Z(p->Z[s])->symbol);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Cell list in fractional coordinates
*/
static vt_status grid_init(packer *p)
{
    double inv[3][3];
    size_t n = p->cell->n_atoms;
    VT_TRY(vt_lattice_inverse(p->cell->lattice, inv));
    /* about one bin per atom at most: finer bins only cost memory */
    double cap = fmax(1.0, ceil(cbrt((double)n)));
    p->n_bins = 1;
    for (int k = 0; k < 3; k++) {
        double width = 1.0 / sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
        p->nb[k] = (size_t)fmax(1.0, fmin(floor(width / p->d_max), cap));
        p->n_bins *= p->nb[k];
    }
    p->head = vt_malloc(p->n_bins * sizeof *p->head);
    p->next = vt_malloc(n * sizeof *p->next);
    if (!p->head || !p->next) VT_FAIL(VT_ENOMEM, "pack: out of memory for the cell list (%zu atoms)", n);
    for (size_t b = 0; b < p->n_bins; b++) p->head[b] = NONE;
    return VT_OK;
}

/* Bin coordinates of a Cartesian position (any image). */
static void bin_of(const packer *p, const double inv[3][3], const double x[3], size_t b[3])
{
    double f[3];
    vt_cart_to_frac(inv, x, f);
    for (int k = 0; k < 3; k++) {
        double g = f[k] - floor(f[k]);
        size_t i = (size_t)(g * (double)p->nb[k]);
        b[k] = i < p->nb[k] ? i : p->nb[k] - 1; /* g rounds to 1.0 for f just below an integer */
    }
}

static size_t bin_index(const packer *p, const size_t b[3]) { return (b[0] * p->nb[1] + b[1]) * p->nb[2] + b[2]; }

static void grid_add(packer *p, const double inv[3][3], size_t i)
{
    size_t b[3];
    bin_of(p, inv, p->cell->pos[i], b);
    size_t k = bin_index(p, b);
    p->next[i] = p->head[k];
    p->head[k] = i;
}

/* The distinct bins within +-1 of b along each direction (all of them when a direction has fewer
 * than 3 bins); returns their number, at most 27. */
static size_t bins_near(const packer *p, const size_t b[3], size_t out[27])
{
    size_t idx[3][3], cnt[3], n = 0;
    for (int k = 0; k < 3; k++) {
        if (p->nb[k] < 3) {
            for (cnt[k] = 0; cnt[k] < p->nb[k]; cnt[k]++) idx[k][cnt[k]] = cnt[k];
        } else {
            cnt[k] = 3;
            for (int o = 0; o < 3; o++) idx[k][o] = (b[k] + p->nb[k] - 1 + (size_t)o) % p->nb[k];
        }
    }
    for (size_t x = 0; x < cnt[0]; x++)
        for (size_t y = 0; y < cnt[1]; y++)
            for (size_t z = 0; z < cnt[2]; z++) {
                size_t bb[3] = {idx[0][x], idx[1][y], idx[2][z]};
                out[n++] = bin_index(p, bb);
            }
    return n;
}

/* ---------------------------------------------------------------------------------------------
** (4) Random sequential insertion
*/
/* Worst overlap 1 - r/d (0 when none) of a sphere of species s at x with the atoms in the list;
 * stops early once it reaches bound. */
static double worst_overlap(const packer *p, const double inv[3][3], const double x[3], size_t s, double bound)
{
    size_t b[3], near[27], n = 0;
    bin_of(p, inv, x, b);
    n = bins_near(p, b, near);
    double worst = 0.0;
    for (size_t q = 0; q < n; q++)
        for (size_t j = p->head[near[q]]; j != NONE; j = p->next[j]) {
            double dv[3], r = vt_mic_delta(&p->mic, x, p->cell->pos[j], dv), dij = p->d[s][p->species[j]];
            if (r < dij) {
                worst = fmax(worst, 1.0 - r / dij);
                if (worst >= bound) return worst;
            }
        }
    return worst;
}

static void random_point(const vt_cell *c, vt_rng *rng, double x[3])
{
    double f[3];
    for (int k = 0; k < 3; k++) f[k] = vt_rng_uniform(rng);
    vt_frac_to_cart(c->lattice, f, x);
}

/* Insertion order: species by decreasing sphere radius (stable), atoms in index order. */
static void insertion_order(const packer *p, size_t order[])
{
    size_t by_size[VT_MAX_SPECIES], n = 0;
    for (size_t s = 0; s < p->n_species; s++) by_size[s] = s;
    for (size_t s = 1; s < p->n_species; s++)
        for (size_t t = s; t > 0 && p->sigma[by_size[t]] > p->sigma[by_size[t - 1]]; t--) {
            size_t u = by_size[t];
            by_size[t] = by_size[t - 1];
            by_size[t - 1] = u;
        }
    for (size_t q = 0; q < p->n_species; q++)
        for (size_t i = 0; i < p->cell->n_atoms; i++)
            if (p->species[i] == by_size[q]) order[n++] = i;
}

static vt_status insert_all(packer *p, uint64_t seed, size_t max_tries, size_t *n_overlapping)
{
    double inv[3][3];
    vt_cell *c = p->cell;
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    size_t *order = vt_malloc(c->n_atoms * sizeof *order);
    if (!order) VT_FAIL(VT_ENOMEM, "pack: out of memory");
    insertion_order(p, order);
    vt_rng rng;
    vt_rng_seed(&rng, seed);
    *n_overlapping = 0;
    for (size_t q = 0; q < c->n_atoms; q++) {
        size_t i = order[q], s = p->species[i];
        /* once atoms start failing the cell is near jamming: overlap removal is cheaper than tries */
        size_t tries = *n_overlapping ? (max_tries < 10 ? max_tries : 10) : max_tries;
        double best = INFINITY, x[3];
        for (size_t t = 0; t < tries && best > 0.0; t++) {
            random_point(c, &rng, x);
            double w = worst_overlap(p, inv, x, s, best);
            if (w < best) {
                best = w;
                memcpy(c->pos[i], x, sizeof x);
            }
        }
        *n_overlapping += best > 0.0;
        grid_add(p, inv, i);
    }
    vt_free(order);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** (5) Overlap removal, and the final measurement
*/
typedef struct pair_stats {
    size_t n_close;     /* pairs closer than d_ij */
    double min_r;       /* closest pair, A */
    double min_ratio;   /* smallest r / d_ij */
    size_t min_i, min_j;
} pair_stats;

static void grid_rebuild(packer *p, const double inv[3][3])
{
    for (size_t b = 0; b < p->n_bins; b++) p->head[b] = NONE;
    for (size_t i = 0; i < p->cell->n_atoms; i++) grid_add(p, inv, i);
}

/* Visit, once, every pair within the +-1 bins that has an atom in the list (NULL: every atom;
 * is_listed marks the list's atoms); with push, accumulate the displacements that take each close
 * pair to (1 + PUSH_MARGIN) d_ij. */
static pair_stats scan_pairs(packer *p, const double inv[3][3], const size_t *list, size_t n_list,
                             const unsigned char *is_listed, int push)
{
    pair_stats st = {0, INFINITY, INFINITY, 0, 0};
    vt_cell *c = p->cell;
    for (size_t q = 0; q < n_list; q++) {
        size_t i = list ? list[q] : q, b[3], near[27], n;
        bin_of(p, inv, c->pos[i], b);
        n = bins_near(p, b, near);
        for (size_t m = 0; m < n; m++)
            for (size_t j = p->head[near[m]]; j != NONE; j = p->next[j]) {
                if (j == i || ((!is_listed || is_listed[j]) && j < i)) continue; /* pair seen from j */
                double dv[3], r = vt_mic_delta(&p->mic, c->pos[i], c->pos[j], dv);
                double dij = p->d[p->species[i]][p->species[j]], ratio = dij > 0.0 ? r / dij : INFINITY;
                st.min_r = fmin(st.min_r, r);
                if (ratio < st.min_ratio) st.min_ratio = ratio, st.min_i = i, st.min_j = j;
                if (!(r < dij)) continue;
                st.n_close++;
                if (!push) continue;
                /* coincident atoms: push along a fixed axis (deterministic) */
                double u[3] = {1.0, 0.0, 0.0};
                if (r > 0.0)
                    for (int k = 0; k < 3; k++) u[k] = dv[k] / r;
                double h = 0.5 * ((1.0 + PUSH_MARGIN) * dij - r);
                for (int k = 0; k < 3; k++) {
                    p->disp[i][k] -= h * u[k];
                    p->disp[j][k] += h * u[k];
                }
            }
    }
    return st;
}

/* Sweeps until no pair is closer than d_ij. Only pairs with an atom moved by the previous sweep
 * can have become close, so after the first (full) sweep only those are scanned. */
static vt_status remove_overlaps(packer *p, size_t max_sweeps, size_t *n_sweeps)
{
    double inv[3][3];
    vt_cell *c = p->cell;
    size_t n = c->n_atoms, n_list = n;
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    p->disp = vt_calloc(n, sizeof *p->disp);
    p->list = vt_malloc(n * sizeof *p->list);
    p->is_listed = vt_calloc(n, 1);
    if (!p->disp || !p->list || !p->is_listed) VT_FAIL(VT_ENOMEM, "pack: out of memory");
    for (size_t i = 0; i < n; i++) p->list[i] = i, p->is_listed[i] = 1;
    for (*n_sweeps = 1; *n_sweeps <= max_sweeps; ++*n_sweeps) {
        grid_rebuild(p, inv);
        pair_stats st = scan_pairs(p, inv, p->list, n_list, p->is_listed, 1);
        if (st.n_close == 0) return VT_OK;
        memset(p->is_listed, 0, n);
        n_list = 0;
        for (size_t i = 0; i < n; i++) {
            if (!p->disp[i][0] && !p->disp[i][1] && !p->disp[i][2]) continue;
            for (int k = 0; k < 3; k++) c->pos[i][k] += p->disp[i][k];
            memset(p->disp[i], 0, sizeof p->disp[i]);
            p->list[n_list++] = i;
            p->is_listed[i] = 1;
        }
        VT_TRY(vt_cell_wrap(c));
    }
    VT_FAIL(VT_ENOCONV,
            "pack: overlaps remain after %zu sweeps: the density is too high for these distances with "
            "random packing; lower the density or the tolerance",
            max_sweeps);
}

/* Closest pair and tightest r / d_ij over every pair and every atom with its own images; a pair
 * closer than d_ij left now would be a bug. */
static vt_status measure(packer *p, vt_pack_info *info)
{
    double inv[3][3], shortest = shortest_vector(&p->mic);
    VT_TRY(vt_lattice_inverse(p->cell->lattice, inv));
    grid_rebuild(p, inv);
    pair_stats st = scan_pairs(p, inv, NULL, p->cell->n_atoms, NULL, 0);
    if (st.n_close) VT_FAIL(VT_EINTERNAL, "pack: %zu pairs closer than their minimum", st.n_close);
    info->min_dist_A = fmin(st.min_r, shortest);
    info->min_ratio = st.min_ratio;
    if (isfinite(st.min_ratio)) info->min_Z[0] = p->cell->Z[st.min_i], info->min_Z[1] = p->cell->Z[st.min_j];
    for (size_t s = 0; s < p->n_species; s++)
        if (shortest / p->d[s][s] < info->min_ratio) {
            info->min_ratio = shortest / p->d[s][s];
            info->min_Z[0] = info->min_Z[1] = p->Z[s];
        }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Entry point
*/
static vt_status setup(packer *p, const vt_composition *comp, size_t n_atoms_min, const vt_pack_opts *o,
                       vt_pack_info *info)
{
    size_t counts[VT_MAX_SPECIES], per_unit = 0;
    VT_TRY(check_opts(o));
    if (comp->n_species == 0 || comp->n_species > VT_MAX_SPECIES) VT_FAIL(VT_EINVAL, "pack: empty formula");
    if (n_atoms_min == 0 || n_atoms_min > VT_MAX_ATOMS)
        VT_FAIL(VT_EINVAL, "pack: the number of atoms must be in 1..%d", VT_MAX_ATOMS);
    VT_TRY(integer_formula(comp, counts));
    p->n_species = comp->n_species;
    for (size_t s = 0; s < p->n_species; s++) {
        if (!vt_element_by_Z(comp->Z[s])) VT_FAIL(VT_EINVAL, "pack: Z = %d is no element", comp->Z[s]);
        p->Z[s] = comp->Z[s];
        per_unit += counts[s];
    }
    info->n_units = (n_atoms_min + per_unit - 1) / per_unit;
    info->n_atoms = info->n_units * per_unit;
    if (info->n_atoms > VT_MAX_ATOMS) VT_FAIL(VT_EINVAL, "pack: more than %d atoms", VT_MAX_ATOMS);
    VT_TRY(set_distances(p, o));
    double V = 0.0, L[3][3];
    VT_TRY(cell_volume(p, counts, info->n_units, o, &V));
    VT_TRY(make_lattice(o, V, L));
    VT_TRY(vt_cell_new(info->n_atoms, L, 0, &p->cell));
    if (!(p->species = vt_malloc(info->n_atoms * sizeof *p->species))) VT_FAIL(VT_ENOMEM, "pack: out of memory");
    for (size_t s = 0, i = 0; s < p->n_species; s++) /* grouped by element, formula order */
        for (size_t k = 0; k < counts[s] * info->n_units; k++, i++) {
            p->species[i] = s;
            p->cell->Z[i] = p->Z[s];
        }
    VT_TRY(vt_mic_init(&p->mic, L));
    info->volume_A3 = vt_cell_volume(p->cell);
    info->density_g_cm3 = vt_cell_density_g_cm3(p->cell);
    info->phi = packing_fraction(p, counts, info->n_units, info->volume_A3);
    return check_feasible(p, info->phi, info->volume_A3);
}

vt_status vt_pack(const vt_composition *comp, size_t n_atoms_min, const vt_pack_opts *opts, vt_cell **out,
                  vt_pack_info *info)
{
    packer p;
    vt_pack_info local;
    memset(&p, 0, sizeof p);
    *out = NULL;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    vt_status s = setup(&p, comp, n_atoms_min, opts, info);
    if (s == VT_OK) s = grid_init(&p);
    if (s == VT_OK) s = insert_all(&p, opts->seed, opts->max_tries, &info->n_overlapping);
    if (s == VT_OK && info->n_overlapping) s = remove_overlaps(&p, opts->max_sweeps, &info->n_sweeps);
    if (s == VT_OK) s = measure(&p, info);
    if (s == VT_OK) {
        *out = p.cell;
        p.cell = NULL;
    }
    packer_clear(&p);
    return s;
}
