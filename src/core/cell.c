/*
** cell.c - periodic cells: lattice algebra, wrapping, minimum image for any cell shape, density and
** composition; vt_traj, frames of the same atoms.
**   Conventions (vitrum.h): lattice rows a, b, c in Angstrom; cart = frac * lattice and
**   frac = cart * inv with row vectors; velocities Angstrom/fs; unwrapped = pos + image * lattice.
**   Minimum image (vt_mic): the basis is reduced by pairwise Lagrange steps (b_i -= k b_j with
**   k = round(b_i.b_j / b_j.b_j) while that shortens b_i), which keeps the lattice. A displacement
**   is wrapped to fractional [-1/2, 1/2] in that basis, giving d. Any image d + n * basis at most
**   as long as d has |f_i + n_i| <= |d| / w_i along every direction i (w_i: the distance between
**   lattice planes i, 1 / |column i of inv|), so searching that box is exact for every shape; when
**   |d| <= min(w) / 2 the box holds only n = 0 and the search is skipped.
**   Tests: tests/core/test_cell.c (brute force over up to 13^3 images on skewed cells).
*/
#include <limits.h>
#include <math.h>
#include <string.h>

#include "cell.h"
#include "error.h"

#define MAX_IMAGE_SHIFT 1e9   /* cells a wrapped atom may be away: beyond, the input is broken */
#define MAX_IMAGES_SUMMED 1e8 /* images vt_mic_sum_images() may visit */

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross3(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

/* ---------------------------------------------------------------------------------------------
** Lifetime
*/
static vt_status alloc_array(void **p, size_t n, size_t size)
{
    if (*p) return VT_OK;
    if (!(*p = vt_calloc(n, size))) VT_FAIL(VT_ENOMEM, "cell: out of memory (%zu atoms)", n);
    return VT_OK;
}

vt_status vt_cell_add_arrays(vt_cell *c, unsigned flags)
{
    if (flags & VT_CELL_VEL) VT_TRY(alloc_array((void **)&c->vel, c->n_atoms, sizeof *c->vel));
    if (flags & VT_CELL_IMAGE) VT_TRY(alloc_array((void **)&c->image, c->n_atoms, sizeof *c->image));
    return VT_OK;
}

vt_status vt_cell_new(size_t n_atoms, const double lattice[3][3], unsigned flags, vt_cell **out)
{
    *out = NULL;
    if (n_atoms > VT_MAX_ATOMS) VT_FAIL(VT_ERANGE, "cell: %zu atoms, more than %d", n_atoms, VT_MAX_ATOMS);
    vt_cell *c = vt_calloc(1, sizeof *c);
    if (!c) VT_FAIL(VT_ENOMEM, "cell: out of memory");
    c->n_atoms = n_atoms;
    memcpy(c->lattice, lattice, sizeof c->lattice);
    vt_status s = alloc_array((void **)&c->pos, n_atoms, sizeof *c->pos);
    if (s == VT_OK) s = alloc_array((void **)&c->Z, n_atoms, sizeof *c->Z);
    if (s == VT_OK) s = vt_cell_add_arrays(c, flags);
    if (s != VT_OK) {
        vt_cell_free(c);
        return s;
    }
    *out = c;
    return VT_OK;
}

void vt_cell_free(vt_cell *c)
{
    if (!c) return;
    vt_free(c->pos);
    vt_free(c->Z);
    vt_free(c->vel);
    vt_free(c->image);
    vt_free(c);
}

vt_status vt_cell_copy(const vt_cell *c, vt_cell **out)
{
    unsigned flags = (c->vel ? VT_CELL_VEL : 0u) | (c->image ? VT_CELL_IMAGE : 0u);
    VT_TRY(vt_cell_new(c->n_atoms, c->lattice, flags, out));
    vt_cell *d = *out;
    size_t n = c->n_atoms;
    memcpy(d->pos, c->pos, n * sizeof *d->pos);
    memcpy(d->Z, c->Z, n * sizeof *d->Z);
    if (c->vel) memcpy(d->vel, c->vel, n * sizeof *d->vel);
    if (c->image) memcpy(d->image, c->image, n * sizeof *d->image);
    return VT_OK;
}

/* Resize one array of old_n elements to n, zeroing new elements; NULL arrays stay NULL. */
static vt_status resize_array(void **p, size_t old_n, size_t n, size_t size)
{
    if (!*p) return VT_OK;
    char *q = vt_realloc(*p, n * size);
    if (!q) VT_FAIL(VT_ENOMEM, "cell: out of memory (%zu atoms)", n);
    if (n > old_n) memset(q + old_n * size, 0, (n - old_n) * size);
    *p = q;
    return VT_OK;
}

vt_status vt_cell_resize(vt_cell *c, size_t n)
{
    if (n > VT_MAX_ATOMS) VT_FAIL(VT_ERANGE, "cell: %zu atoms, more than %d", n, VT_MAX_ATOMS);
    size_t old = c->n_atoms;
    VT_TRY(resize_array((void **)&c->pos, old, n, sizeof *c->pos));
    VT_TRY(resize_array((void **)&c->Z, old, n, sizeof *c->Z));
    VT_TRY(resize_array((void **)&c->vel, old, n, sizeof *c->vel));
    VT_TRY(resize_array((void **)&c->image, old, n, sizeof *c->image));
    c->n_atoms = n;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Lattice algebra
*/
double vt_lattice_volume(const double lattice[3][3])
{
    double bc[3];
    cross3(lattice[1], lattice[2], bc);
    return fabs(dot3(lattice[0], bc));
}

vt_status vt_lattice_inverse(const double lattice[3][3], double inv[3][3])
{
    /* Columns of inv are (b x c, c x a, a x b) / det: then (f a + g b + h c) * inv = (f, g, h). */
    double bc[3], ca[3], ab[3];
    cross3(lattice[1], lattice[2], bc);
    cross3(lattice[2], lattice[0], ca);
    cross3(lattice[0], lattice[1], ab);
    double det = dot3(lattice[0], bc);
    double scale =
        sqrt(dot3(lattice[0], lattice[0]) * dot3(lattice[1], lattice[1]) * dot3(lattice[2], lattice[2]));
    if (!isfinite(det) || !isfinite(scale) || !(fabs(det) > 1e-10 * scale))
        VT_FAIL(VT_ERANGE, "lattice: singular or not finite (volume %g A^3)", fabs(det));
    for (int i = 0; i < 3; i++) {
        inv[i][0] = bc[i] / det;
        inv[i][1] = ca[i] / det;
        inv[i][2] = ab[i] / det;
    }
    return VT_OK;
}

void vt_frac_to_cart(const double lattice[3][3], const double frac[3], double cart[3])
{
    for (int k = 0; k < 3; k++)
        cart[k] = frac[0] * lattice[0][k] + frac[1] * lattice[1][k] + frac[2] * lattice[2][k];
}

void vt_cart_to_frac(const double inv[3][3], const double cart[3], double frac[3])
{
    for (int k = 0; k < 3; k++) frac[k] = cart[0] * inv[0][k] + cart[1] * inv[1][k] + cart[2] * inv[2][k];
}

void vt_lattice_parameters(const double lattice[3][3], double par[6])
{
    for (int i = 0; i < 3; i++) par[i] = sqrt(dot3(lattice[i], lattice[i]));
    for (int i = 0; i < 3; i++) { /* alpha = angle(b, c), beta = angle(a, c), gamma = angle(a, b) */
        int j = (i + 1) % 3, k = (i + 2) % 3;
        par[3 + i] = acos(dot3(lattice[j], lattice[k]) / (par[j] * par[k])) * (180.0 / M_PI);
    }
}

/* 1 / (distance between lattice planes i) = |column i of inv|, 1/Angstrom. */
static void inverse_widths(const double inv[3][3], double inv_width[3])
{
    for (int i = 0; i < 3; i++)
        inv_width[i] = sqrt(inv[0][i] * inv[0][i] + inv[1][i] * inv[1][i] + inv[2][i] * inv[2][i]);
}

double vt_cell_volume(const vt_cell *c) { return vt_lattice_volume(c->lattice); }

double vt_cell_max_cutoff(const vt_cell *c)
{
    double inv[3][3], iw[3];
    if (vt_lattice_inverse(c->lattice, inv) != VT_OK) return 0.0;
    inverse_widths(inv, iw);
    return 0.5 / fmax(iw[0], fmax(iw[1], iw[2]));
}

vt_status vt_cell_get_frac(const vt_cell *c, double (*frac)[3])
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    for (size_t i = 0; i < c->n_atoms; i++) vt_cart_to_frac(inv, c->pos[i], frac[i]);
    return VT_OK;
}

void vt_cell_set_frac(vt_cell *c, const double (*frac)[3])
{
    for (size_t i = 0; i < c->n_atoms; i++) vt_frac_to_cart(c->lattice, frac[i], c->pos[i]);
}

/* ---------------------------------------------------------------------------------------------
** Wrapping
*/
/* Whole cells n to subtract from fractional f to land in [0, 1); a value within rounding below 0
 * stays (adding a cell would give 1.0 exactly). */
static double cells_outside(double f)
{
    double n = floor(f);
    return f - n >= 1.0 ? n + 1.0 : n;
}

/* VT_ERANGE naming the first atom whose shift is not finite or too large for the image counts. */
static vt_status check_wrappable(const vt_cell *c, const double inv[3][3])
{
    for (size_t i = 0; i < c->n_atoms; i++) {
        double f[3];
        vt_cart_to_frac(inv, c->pos[i], f);
        for (int k = 0; k < 3; k++) {
            double n = cells_outside(f[k]);
            double total = n + (c->image ? c->image[i][k] : 0);
            if (!(fabs(n) <= MAX_IMAGE_SHIFT) || !(fabs(total) <= INT_MAX))
                VT_FAIL(VT_ERANGE, "wrap: atom %zu is not finite or more than 1e9 cells away", i + 1);
        }
    }
    return VT_OK;
}

vt_status vt_cell_wrap(vt_cell *c)
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    VT_TRY(check_wrappable(c, inv));
    for (size_t i = 0; i < c->n_atoms; i++) {
        double f[3], n[3], shift[3];
        vt_cart_to_frac(inv, c->pos[i], f);
        for (int k = 0; k < 3; k++) n[k] = cells_outside(f[k]);
        if (n[0] == 0.0 && n[1] == 0.0 && n[2] == 0.0) continue;
        vt_frac_to_cart(c->lattice, n, shift);
        for (int k = 0; k < 3; k++) {
            c->pos[i][k] -= shift[k];
            if (c->image) c->image[i][k] += (int)n[k];
        }
    }
    return VT_OK;
}

vt_status vt_cell_unwrap(vt_cell *c)
{
    if (!c->image) VT_FAIL(VT_EINVAL, "unwrap: the cell has no image counts");
    for (size_t i = 0; i < c->n_atoms; i++) {
        double n[3] = {c->image[i][0], c->image[i][1], c->image[i][2]}, shift[3];
        vt_frac_to_cart(c->lattice, n, shift);
        for (int k = 0; k < 3; k++) c->pos[i][k] += shift[k];
        memset(c->image[i], 0, sizeof c->image[i]);
    }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Minimum image
*/
/* One Lagrange step: b_i -= k b_j when that makes b_i shorter (by more than rounding). */
static int shorten(double bi[3], const double bj[3])
{
    double k = nearbyint(dot3(bi, bj) / dot3(bj, bj));
    if (k == 0.0) return 0;
    double t[3] = {bi[0] - k * bj[0], bi[1] - k * bj[1], bi[2] - k * bj[2]};
    if (!(dot3(t, t) < dot3(bi, bi) * (1.0 - 1e-12))) return 0;
    memcpy(bi, t, sizeof t);
    return 1;
}

/* Pairwise reduction until no step shortens a vector; each step is unimodular, so the lattice
 * (and the sign of the determinant) is unchanged. The cap only guards against rounding cycles. */
static void reduce_basis(double b[3][3])
{
    for (int pass = 0; pass < 100; pass++) {
        int changed = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (i != j) changed |= shorten(b[i], b[j]);
        if (!changed) return;
    }
}

vt_status vt_mic_init(vt_mic *m, const double lattice[3][3])
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(lattice, inv)); /* rejects singular lattices before reducing */
    memcpy(m->basis, lattice, sizeof m->basis);
    reduce_basis(m->basis);
    VT_TRY(vt_lattice_inverse(m->basis, m->inv));
    inverse_widths(m->inv, m->inv_width);
    m->r_quick = 0.5 / fmax(m->inv_width[0], fmax(m->inv_width[1], m->inv_width[2]));
    return VT_OK;
}

/* Fractional displacement from ri to rj in the reduced basis, wrapped to [-1/2, 1/2]. */
static void wrapped_frac(const vt_mic *m, const double ri[3], const double rj[3], double f[3])
{
    double d[3] = {rj[0] - ri[0], rj[1] - ri[1], rj[2] - ri[2]};
    vt_cart_to_frac(m->inv, d, f);
    for (int k = 0; k < 3; k++) f[k] -= nearbyint(f[k]);
}

/* Image box holding every n with |f_k + n_k| <= r * inv_width_k; returns the number of images. */
static double image_box(const vt_mic *m, const double f[3], double r, int lo[3], int hi[3])
{
    double count = 1.0;
    for (int k = 0; k < 3; k++) {
        double reach = r * m->inv_width[k];
        lo[k] = (int)ceil(-f[k] - reach);
        hi[k] = (int)floor(-f[k] + reach);
        count *= hi[k] >= lo[k] ? hi[k] - lo[k] + 1 : 0;
    }
    return count;
}

double vt_mic_delta(const vt_mic *m, const double ri[3], const double rj[3], double d[3])
{
    double f[3];
    wrapped_frac(m, ri, rj, f);
    vt_frac_to_cart(m->basis, f, d);
    double r2 = dot3(d, d);
    if (!isfinite(r2)) {
        d[0] = d[1] = d[2] = NAN;
        return NAN;
    }
    if (r2 <= m->r_quick * m->r_quick) return sqrt(r2);
    int lo[3], hi[3];
    image_box(m, f, sqrt(r2), lo, hi);
    for (int a = lo[0]; a <= hi[0]; a++)
        for (int b = lo[1]; b <= hi[1]; b++)
            for (int c = lo[2]; c <= hi[2]; c++) {
                double g[3] = {f[0] + a, f[1] + b, f[2] + c}, e[3];
                vt_frac_to_cart(m->basis, g, e);
                double e2 = dot3(e, e);
                if (e2 < r2) {
                    r2 = e2;
                    memcpy(d, e, sizeof e);
                }
            }
    return sqrt(r2);
}

vt_status vt_mic_sum_images(const vt_mic *m, const double ri[3], const double rj[3], double r_cut_A,
                            vt_image_fn fn, void *arg, double *sum)
{
    *sum = 0.0;
    if (!(r_cut_A >= 0.0) || !isfinite(r_cut_A) ||
        r_cut_A * fmax(m->inv_width[0], fmax(m->inv_width[1], m->inv_width[2])) > 1e6)
        VT_FAIL(VT_ERANGE, "image sum: cutoff %g A is negative, not finite or too large", r_cut_A);
    double f[3];
    wrapped_frac(m, ri, rj, f);
    if (!isfinite(f[0] + f[1] + f[2])) VT_FAIL(VT_ERANGE, "image sum: position not finite");
    int lo[3], hi[3];
    if (image_box(m, f, r_cut_A, lo, hi) > MAX_IMAGES_SUMMED)
        VT_FAIL(VT_ERANGE, "image sum: cutoff %g A needs more than 1e8 images", r_cut_A);
    double total = 0.0, rc2 = r_cut_A * r_cut_A;
    for (int a = lo[0]; a <= hi[0]; a++)
        for (int b = lo[1]; b <= hi[1]; b++)
            for (int c = lo[2]; c <= hi[2]; c++) {
                double g[3] = {f[0] + a, f[1] + b, f[2] + c}, e[3];
                vt_frac_to_cart(m->basis, g, e);
                double e2 = dot3(e, e);
                if (e2 < rc2 && e2 > 0.0) total += fn(e, sqrt(e2), arg);
            }
    *sum = total;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Density and composition
*/
double vt_cell_density_g_cm3(const vt_cell *c)
{
    double mass_amu = 0.0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        if (!e) return NAN;
        mass_amu += e->mass_amu;
    }
    double V = vt_cell_volume(c);
    return V > 0.0 ? mass_amu / V * VT_AMU_PER_A3_IN_G_CM3 : NAN;
}

vt_status vt_cell_composition(const vt_cell *c, vt_composition *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < c->n_atoms; i++) {
        int Z = c->Z[i];
        if (!vt_element_by_Z(Z))
            VT_FAIL(VT_EINVAL, "cell: atom %zu has Z = %d, outside 1..%d", i + 1, Z, VT_MAX_Z);
        size_t k = 0;
        while (k < out->n_species && out->Z[k] != Z) k++;
        if (k == VT_MAX_SPECIES) VT_FAIL(VT_ERANGE, "cell: more than %d elements", VT_MAX_SPECIES);
        if (k == out->n_species) out->Z[out->n_species++] = Z;
        out->amount[k] += 1.0;
    }
    return VT_OK;
}

vt_status vt_cell_formula(const vt_cell *c, char *buf, size_t size)
{
    vt_composition comp;
    VT_TRY(vt_cell_composition(c, &comp));
    return vt_composition_reduced_formula(&comp, buf, size);
}

/* ---------------------------------------------------------------------------------------------
** Trajectories
*/
vt_status vt_traj_new(vt_traj **out)
{
    if (!(*out = vt_calloc(1, sizeof **out))) VT_FAIL(VT_ENOMEM, "trajectory: out of memory");
    return VT_OK;
}

vt_status vt_traj_append(vt_traj *t, vt_cell *frame)
{
    if (t->n_frames > 0) {
        const vt_cell *first = t->frames[0];
        if (frame->n_atoms != first->n_atoms ||
            memcmp(frame->Z, first->Z, frame->n_atoms * sizeof *frame->Z) != 0)
            VT_FAIL(VT_EINVAL, "trajectory: frame %zu has other atoms than frame 1", t->n_frames + 1);
    }
    if (t->n_frames == t->cap_frames) {
        size_t cap = t->cap_frames ? 2 * t->cap_frames : 16;
        vt_cell **frames = vt_realloc(t->frames, cap * sizeof *frames);
        if (!frames) VT_FAIL(VT_ENOMEM, "trajectory: out of memory (%zu frames)", cap);
        t->frames = frames;
        t->cap_frames = cap;
    }
    t->frames[t->n_frames++] = frame;
    return VT_OK;
}

void vt_traj_free(vt_traj *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_frames; i++) vt_cell_free(t->frames[i]);
    vt_free(t->frames);
    vt_free(t);
}
