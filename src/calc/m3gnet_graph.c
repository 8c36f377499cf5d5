/*
** m3gnet_graph.c - the M3GNet graph of a periodic cell, in double precision (Angstrom).
**   Bonds: every ordered pair i -> j, periodic images and an atom's own images included (not the
**   exact self pair), with d = |r_j + n.L - r_i| <= rc = 5 A. A bond and its reverse get exactly
**   opposite vectors (computed once, for the canonical direction), so both pass the cutoff or
**   neither does. An atom's bonds are ordered by end atom, then image (sort_bonds).
**   Radial basis (9 functions, index l*3 + n, l, n = 0..2):
**       e_ln(d) = sqrt(2 / rc^3) j_l(z_ln d / rc) / |j_{l+1}(z_ln)|,   d clipped to rc
**   z_ln: n-th positive root of the spherical Bessel function j_l. No envelope (as matgl).
**   The TF model (m3g_model.smooth_rbf) uses these 9 only for the three-body radial part; its
**   two-body basis is the smooth Bessel basis of Kocer et al. (J. Chem. Phys. 150, 154102 (2019)),
**   3 functions that vanish at rc with their first and second derivatives (smooth_basis).
**   Three-body cutoff weight: f(d) = 1 - 10 x^3 + 15 x^4 - 6 x^5, x = d / rc3 (rc3 = 4 A), 0 beyond.
**   Triplets: ordered pairs of distinct bonds i->j, i->k of one atom, both with d <= rc3.
**   Consistent indexing (default): the triplet's angle, weights and receiving bond all refer to
**   i->j and i->k. matgl indexing (compatibility): matgl numbers the bonds with d <= rc3 on their
**   own (0..M-1, in bond order) and then uses these numbers as indices into the full bond list in
**   three places: the bond that receives the triplet (a instead of P[a]), the cutoff weights f and
**   the end atom k (b instead of P[b]); the angle and radial part use the right bonds. Where no bond
**   lies between rc3 and rc the two agree (REFERENCE.md of the model folder).
** Ref: C. Chen and S. P. Ong, Nat. Comput. Sci. 2, 718 (2022); matgl's _three_body.py, _basis.py.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calc/m3gnet.h"
#include "core/error.h"

/* Positive roots z_ln of j_l, l = 0..2, n = 0..2 (matgl's SPHERICAL_BESSEL_ROOTS). */
static const double bessel_root[3][3] = {
    {3.141592653589793, 6.283185307179586, 9.42477796076938},
    {4.493409457909103, 7.725251836937707, 10.90412165942925},
    {5.7634591968945506, 9.095011330476355, 12.322940970567036},
};

/* Spherical Bessel functions j_0..j_3 at x > 0 by their closed forms; the small-x cancellation of
 * j_2 costs ~4 digits at x = 0.3 (d = 0.5 A), harmless in double. */
static void sph_bessel(double x, double j[4])
{
    double s = sin(x), c = cos(x), ix = 1.0 / x;
    j[0] = s * ix;
    j[1] = (s * ix - c) * ix;
    j[2] = (3.0 * ix * ix - 1.0) * s * ix - 3.0 * c * ix * ix;
    j[3] = (15.0 * ix * ix * ix - 6.0 * ix) * s * ix - (15.0 * ix * ix - 1.0) * c * ix;
}

/* norm[l*3 + n] = sqrt(2 / rc^3) / |j_{l+1}(z_ln)| */
static void radial_norms(double rc, double norm[M3G_N_BASIS])
{
    for (int l = 0; l < 3; l++)
        for (int n = 0; n < 3; n++) {
            double jz[4];
            sph_bessel(bessel_root[l][n], jz);
            norm[l * 3 + n] = sqrt(2.0 / (rc * rc * rc)) / fabs(jz[l + 1]);
        }
}

/* e_ln(d) and d e_ln / dd for d in (0, rc]; beyond rc the clipped d gives a constant. */
static void radial_basis(double d, double rc, const double norm_ln[M3G_N_BASIS], double e[M3G_N_BASIS],
                         double de[M3G_N_BASIS])
{
    int clipped = d > rc;
    if (clipped) d = rc;
    for (int l = 0; l < 3; l++)
        for (int n = 0; n < 3; n++) {
            double z = bessel_root[l][n], j[4];
            sph_bessel(z * d / rc, j);
            double x = z * d / rc, norm = norm_ln[l * 3 + n];
            /* j_l' = j_{l-1} - (l + 1)/x j_l, and j_0' = -j_1 */
            double djl = l == 0 ? -j[1] : j[l - 1] - (l + 1) / x * j[l];
            e[l * 3 + n] = norm * j[l];
            de[l * 3 + n] = clipped ? 0.0 : norm * djl * z / rc;
        }
}

/* The smooth two-body basis g_n(d), n = 0..2, and d g_n / dd (m3gnet's SmoothBesselBasis):
 *   f_n = (-1)^n sqrt(2) pi / rc^1.5 (n+1)(n+2) / sqrt((n+1)^2 + (n+2)^2)
 *         [sinc((n+1) pi d / rc) + sinc((n+2) pi d / rc)],   sinc x = sin(x) / x
 *   e_n = n^2 (n+2)^2 / (4 (n+1)^4 + 1),  q_0 = 1,  q_n = 1 - e_n / q_{n-1}
 *   g_0 = f_0,  g_n = (f_n + sqrt(e_n / q_{n-1}) g_{n-1}) / sqrt(q_n)
 * Units: d, rc in A; g in A^-1.5. No envelope: every f_n is already zero at rc. */
static void smooth_basis(double d, double rc, double g[M3G_N_SMOOTH], double dg[M3G_N_SMOOTH])
{
    const double pi = 3.14159265358979323846;
    double q_prev = 1.0;
    for (int n = 0; n < M3G_N_SMOOTH; n++) {
        double f = 0, df = 0;
        for (int m = n + 1; m <= n + 2; m++) { /* the two sinc terms */
            double a = m * pi / rc, x = a * d, s = sin(x);
            f += s / x;
            df += (cos(x) - s / x) / d; /* d/dd sin(a d) / (a d) */
        }
        double c = (n % 2 ? -1.0 : 1.0) * sqrt(2.0) * pi / pow(rc, 1.5) * (n + 1) * (n + 2) /
                   sqrt((double)(n + 1) * (n + 1) + (double)(n + 2) * (n + 2));
        f *= c, df *= c;
        if (n == 0) {
            g[0] = f, dg[0] = df;
            continue;
        }
        double e = (double)n * n * (n + 2) * (n + 2) / (4.0 * pow(n + 1, 4) + 1.0), q = 1.0 - e / q_prev;
        double w = sqrt(e / q_prev), iq = 1.0 / sqrt(q);
        g[n] = (f + w * g[n - 1]) * iq;
        dg[n] = (df + w * dg[n - 1]) * iq;
        q_prev = q;
    }
}

static void cutoff_weight(double d, double rc3, double *f, double *df)
{
    if (d > rc3) {
        *f = *df = 0.0;
        return;
    }
    double x = d / rc3, x2 = x * x;
    *f = 1.0 - x2 * x * (10.0 - 15.0 * x + 6.0 * x2);
    *df = -30.0 * x2 * (1.0 - 2.0 * x + x2) / rc3;
}

void m3g_angle(const double rij[3], double dij, const double rik[3], double dik, double eps, double *cos_t,
               double dcos_ij[3], double dcos_ik[3], double Y[3], double dY[3])
{
    double inv = 1.0 / (dij * dik);
    double c = (rij[0] * rik[0] + rij[1] * rik[1] + rij[2] * rik[2]) * inv;
    int clamped = 0;
    if (c > 1.0 - eps) c = 1.0 - eps, clamped = 1;
    if (c < -1.0 + eps) c = -1.0 + eps, clamped = 1;
    for (int a = 0; a < 3; a++) {
        dcos_ij[a] = clamped ? 0.0 : rik[a] * inv - c * rij[a] / (dij * dij);
        dcos_ik[a] = clamped ? 0.0 : rij[a] * inv - c * rik[a] / (dik * dik);
    }
    const double y0 = 0.28209479177387814;  /* 1 / (2 sqrt(pi)) */
    const double y1 = 0.4886025119029199;   /* sqrt(3 / (4 pi)) */
    const double y2 = 0.31539156525252005;  /* sqrt(5 / (16 pi)) */
    *cos_t = c;
    Y[0] = y0;
    Y[1] = y1 * c;
    Y[2] = y2 * (3.0 * c * c - 1.0);
    dY[0] = 0.0;
    dY[1] = y1;
    dY[2] = y2 * 6.0 * c;
}

/* ---------------------------------------------------------------------------------------------
** Storage
*/
#define GROW(ptr, n)                                          \
    do {                                                      \
        void *q_ = vt_realloc((ptr), (n) * sizeof *(ptr));    \
        if (!q_) return VT_ENOMEM;                            \
        (ptr) = q_;                                           \
    } while (0)

static vt_status reserve_atoms(m3g_graph *g, size_t n)
{
    if (n <= g->cap_atoms) return VT_OK;
    GROW(g->bond_start, n + 1);
    GROW(g->type, n);
    g->cap_atoms = n;
    return VT_OK;
}

static vt_status reserve_bonds(m3g_graph *g, size_t n, int smooth)
{
    if (n <= g->cap_bonds) return VT_OK;
    if (smooth) {
        GROW(g->smooth, n + n / 4 + 64);
        GROW(g->dsmooth, n + n / 4 + 64);
    }
    n += n / 4 + 64;
    GROW(g->src, n);
    GROW(g->dst, n);
    GROW(g->rev, n);
    GROW(g->r, n);
    GROW(g->d, n);
    GROW(g->rbf, n);
    GROW(g->drbf, n);
    GROW(g->fc, n);
    GROW(g->dfc, n);
    GROW(g->trip_start, n + 1);
    g->cap_bonds = n;
    return VT_OK;
}

static vt_status reserve_trip(m3g_graph *g, size_t n)
{
    if (n <= g->cap_trip) return VT_OK;
    n += n / 4 + 256;
    GROW(g->trip, n);
    g->cap_trip = n;
    return VT_OK;
}

void m3g_graph_clear(m3g_graph *g)
{
    vt_free(g->bond_start), vt_free(g->type), vt_free(g->src), vt_free(g->dst), vt_free(g->rev);
    vt_free(g->r), vt_free(g->d), vt_free(g->rbf), vt_free(g->drbf), vt_free(g->fc), vt_free(g->dfc);
    vt_free(g->trip_start), vt_free(g->trip), vt_free(g->smooth), vt_free(g->dsmooth);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------------------------------------
** Bonds
*/
/* The first of (i, j, n) and (j, i, -n) in a fixed order computes the vector; the other negates it. */
static int is_canonical(uint32_t i, uint32_t j, const int16_t n[3])
{
    if (i != j) return i < j;
    for (int a = 0; a < 3; a++)
        if (n[a] != 0) return n[a] > 0;
    return 1;
}

static void bond_vector(const vt_cell *c, uint32_t i, uint32_t j, const int16_t n[3], double r[3])
{
    int canon = is_canonical(i, j, n);
    uint32_t from = canon ? i : j, to = canon ? j : i;
    double sign = canon ? 1.0 : -1.0;
    for (int a = 0; a < 3; a++) {
        double img = sign * (n[0] * c->lattice[0][a] + n[1] * c->lattice[1][a] + n[2] * c->lattice[2][a]);
        r[a] = sign * (c->pos[to][a] + img - c->pos[from][a]);
    }
}

typedef struct bond_key {
    uint32_t j;
    int16_t n[3];
    uint32_t slot;
} bond_key;

static int cmp_key(const void *pa, const void *pb)
{
    const bond_key *a = pa, *b = pb;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->n[k] != b->n[k]) return a->n[k] < b->n[k] ? -1 : 1;
    return 0;
}

/* Reorder the bonds [b0, b1) of one atom by neighbour index, then image (matgl's molecule order).
 * Always done: the neighbour list's order depends on the positions at its last build, and the
 * network's results on the bond order (BLAS blocking of the rows, sums of bonds onto atoms), so
 * without it a structure's energy and forces would depend on the evaluations before it. */
static vt_status sort_bonds(m3g_graph *g, size_t b0, size_t b1, int16_t (*img)[3])
{
    size_t n = b1 - b0;
    bond_key *k = vt_malloc((n ? n : 1) * sizeof *k);
    double (*r)[3] = vt_malloc((n ? n : 1) * sizeof *r);
    if (!k || !r) {
        vt_free(k), vt_free(r);
        return VT_ENOMEM;
    }
    for (size_t b = 0; b < n; b++) {
        k[b].j = g->dst[b0 + b];
        memcpy(k[b].n, img[b0 + b], sizeof k[b].n);
        k[b].slot = (uint32_t)b;
        memcpy(r[b], g->r[b0 + b], sizeof r[b]);
    }
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t b = 0; b < n; b++) {
        g->dst[b0 + b] = k[b].j;
        memcpy(img[b0 + b], k[b].n, sizeof k[b].n);
        memcpy(g->r[b0 + b], r[k[b].slot], sizeof r[b]);
    }
    vt_free(k), vt_free(r);
    return VT_OK;
}

/* rev[b]: the bond j -> i with the opposite image, searched among the bonds of j. */
static vt_status find_reverse(m3g_graph *g, int16_t (*img)[3])
{
    for (size_t b = 0; b < g->n_bonds; b++) {
        uint32_t i = g->src[b], j = g->dst[b];
        size_t found = SIZE_MAX;
        for (size_t c = g->bond_start[j]; c < g->bond_start[j + 1] && found == SIZE_MAX; c++)
            if (g->dst[c] == i && img[c][0] == -img[b][0] && img[c][1] == -img[b][1] && img[c][2] == -img[b][2])
                found = c;
        if (found == SIZE_MAX)
            VT_FAIL(VT_EINTERNAL, "m3gnet: bond %u -> %u has no reverse in the neighbour list", i, j);
        g->rev[b] = (uint32_t)found;
    }
    return VT_OK;
}

static vt_status collect_bonds(m3g_graph *g, const m3g_model *m, const vt_cell *c, const vt_nlist *nl,
                               int16_t (**img_out)[3])
{
    *img_out = NULL;
    size_t n = c->n_atoms;
    if (!nl->full || nl->n_atoms != n || nl->cutoff_A + nl->skin_A < m->cutoff_A)
        VT_FAIL(VT_EINTERNAL, "m3gnet: neighbour list not full or shorter than the cutoff");
    if (reserve_atoms(g, n) || reserve_bonds(g, nl->n_pairs, m->smooth_rbf)) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
    int16_t (*img)[3] = vt_malloc((nl->n_pairs ? nl->n_pairs : 1) * sizeof *img);
    if (!img) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
    const double rc2 = m->cutoff_A * m->cutoff_A;
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        g->bond_start[i] = nb;
        for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++) {
            uint32_t j = nl->j[k];
            const int16_t *s = nl->shift[k];
            if (j == i && s[0] == 0 && s[1] == 0 && s[2] == 0) continue;
            double r[3];
            bond_vector(c, (uint32_t)i, j, s, r);
            double d2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
            if (d2 > rc2) continue;
            if (d2 < 1e-16) {
                vt_free(img);
                VT_FAIL(VT_ERANGE, "m3gnet: atoms %zu and %u are on top of each other", i + 1, j + 1);
            }
            g->src[nb] = (uint32_t)i;
            g->dst[nb] = j;
            memcpy(img[nb], s, sizeof img[nb]);
            memcpy(g->r[nb], r, sizeof r);
            nb++;
        }
        if (sort_bonds(g, g->bond_start[i], nb, img) != VT_OK) {
            vt_free(img);
            VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
        }
    }
    g->bond_start[n] = nb;
    g->n_bonds = nb;
    *img_out = img;
    return VT_OK;
}

static void bond_terms(m3g_graph *g, const m3g_model *m)
{
    double norm[M3G_N_BASIS];
    radial_norms(m->cutoff_A, norm);
    for (size_t b = 0; b < g->n_bonds; b++) {
        const double *r = g->r[b];
        g->d[b] = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
        radial_basis(g->d[b], m->cutoff_A, norm, g->rbf[b], g->drbf[b]);
        cutoff_weight(g->d[b], m->cutoff3_A, &g->fc[b], &g->dfc[b]);
        if (m->smooth_rbf) smooth_basis(g->d[b], m->cutoff_A, g->smooth[b], g->dsmooth[b]);
    }
}

/* ---------------------------------------------------------------------------------------------
** Triplets
*/
static vt_status build_triplets(m3g_graph *g, const m3g_model *m, int matgl_indexing)
{
    size_t n_trip = 0;
    for (size_t i = 0; i < g->n_atoms; i++) {
        size_t m3 = 0;
        for (size_t b = g->bond_start[i]; b < g->bond_start[i + 1]; b++) m3 += g->d[b] <= m->cutoff3_A;
        n_trip += m3 * (m3 ? m3 - 1 : 0);
    }
    if (n_trip > UINT32_MAX || g->n_bonds > UINT32_MAX)
        VT_FAIL(VT_ERANGE, "m3gnet: %zu triplets, more than this build handles", n_trip);
    if (reserve_trip(g, n_trip)) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory (%zu triplets)", n_trip);
    uint32_t *p = vt_malloc((g->n_bonds ? g->n_bonds : 1) * sizeof *p); /* short bonds of one atom */
    if (!p) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
    memset(g->trip_start, 0, (g->n_bonds + 1) * sizeof *g->trip_start);
    size_t t = 0, base = 0; /* base: short bonds of the atoms before i (matgl's numbering) */
    for (size_t i = 0; i < g->n_atoms; i++) {
        size_t m3 = 0;
        for (size_t b = g->bond_start[i]; b < g->bond_start[i + 1]; b++)
            if (g->d[b] <= m->cutoff3_A) p[m3++] = (uint32_t)b;
        for (size_t a = 0; a < m3; a++) {
            size_t recv = matgl_indexing ? base + a : p[a];
            for (size_t b = 0; b < m3; b++) {
                if (b == a) continue;
                g->trip[t][0] = p[a];
                g->trip[t][1] = p[b];
                g->trip[t][2] = matgl_indexing ? (uint32_t)(base + b) : p[b];
                g->trip_start[recv + 1]++;
                t++;
            }
        }
        base += m3;
    }
    vt_free(p);
    /* counts -> offsets; triplets were made in order of their receiving bond */
    for (size_t b = 0; b < g->n_bonds; b++) g->trip_start[b + 1] += g->trip_start[b];
    g->n_triplets = t;
    return VT_OK;
}

vt_status m3g_graph_build(m3g_graph *g, const m3g_model *m, const vt_cell *c, const vt_nlist *nl,
                          int matgl_indexing)
{
    g->n_atoms = c->n_atoms;
    if (reserve_atoms(g, c->n_atoms)) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
    for (size_t i = 0; i < c->n_atoms; i++) {
        int z = c->Z[i];
        g->type[i] = z >= 1 && z <= VT_MAX_Z ? m->type_of_Z[z] : -1;
        if (g->type[i] < 0) {
            const vt_element *el = vt_element_by_Z(z);
            VT_FAIL(VT_ENOTSUP, "--calc m3gnet: element %s (atom %zu) is not covered by the model",
                    el ? el->symbol : "?", i + 1);
        }
    }
    int16_t (*img)[3] = NULL;
    VT_TRY(collect_bonds(g, m, c, nl, &img));
    vt_status s = find_reverse(g, img);
    vt_free(img);
    VT_TRY(s);
    bond_terms(g, m);
    return build_triplets(g, m, matgl_indexing);
}
