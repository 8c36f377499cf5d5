/* neighbor.c - Verlet neighbour lists over cell lists binned in fractional coordinates.
**
** Why binning in fractional coordinates: the bins are parallelepipeds spanned by the lattice
** vectors, so one rule serves every triclinic cell. Along direction k the cell is h_k thick
** (perpendicular width), and a sphere of radius R spans at most R / h_k of it; with nb_k bins along
** k, every neighbour within R lies at most m_k = ceil(R nb_k / h_k) bins away. Walking bin offsets
** -m_k..m_k past the cell edge (an offset past the edge is the same bin one cell over, i.e. with an
** image shift) finds every image of every atom within R, also when R exceeds the cell itself, with
** no image found twice (bin + offset -> (bin, shift) is one-to-one).
** Written here rather than taken from a library: no Debian C library does periodic triclinic
** neighbour lists with image shifts (LAMMPS and ASE do it inside their own programs).
*/
#include <math.h>
#include <string.h>

#include "core/error.h"

enum { BINS_PER_RANGE = 2 }; /* bins per cutoff length: 2 searches 5^3 bins of R/2 each */

typedef struct vt_nlist_work {
    double lattice[3][3];    /* lattice at the last build, Angstrom */
    double (*pos0)[3];       /* positions at the last build, Angstrom */
    double (*wrapped)[3];    /* Cartesian positions folded into the cell, Angstrom */
    int (*base)[3];          /* pos = wrapped + base * lattice */
    size_t *bin_of;          /* bin of each atom */
    size_t *bin_start;       /* n_bins + 1 offsets into by_bin */
    uint32_t *by_bin;        /* atoms sorted by bin */
    double (*binned)[3];     /* wrapped positions in by_bin order (contiguous per bin) */
    size_t n_bins_alloc;
    size_t cap_pairs;
    int valid;               /* 0: rebuild at the next update */
} nlist_work;

vt_status vt_nlist_new(double cutoff_A, double skin_A, int full, vt_nlist **out)
{
    *out = NULL;
    if (!(cutoff_A > 0) || !isfinite(cutoff_A) || !(skin_A >= 0) || !isfinite(skin_A))
        VT_FAIL(VT_EINVAL, "neighbour list: cutoff %g A and skin %g A must be finite, cutoff > 0, skin >= 0",
                cutoff_A, skin_A);
    vt_nlist *nl = vt_calloc(1, sizeof *nl);
    nlist_work *w = vt_calloc(1, sizeof *w);
    if (!nl || !w) {
        vt_free(nl);
        vt_free(w);
        VT_FAIL(VT_ENOMEM, "neighbour list: out of memory");
    }
    nl->cutoff_A = cutoff_A;
    nl->skin_A = skin_A;
    nl->full = full ? 1 : 0;
    nl->work = w;
    *out = nl;
    return VT_OK;
}

static void free_atom_arrays(vt_nlist *nl)
{
    nlist_work *w = nl->work;
    vt_free(w->pos0);
    vt_free(w->wrapped);
    vt_free(w->base);
    vt_free(w->bin_of);
    vt_free(nl->start);
    w->pos0 = w->wrapped = NULL;
    w->base = NULL;
    w->bin_of = NULL;
    nl->start = NULL;
}

void vt_nlist_free(vt_nlist *nl)
{
    if (!nl) return;
    free_atom_arrays(nl);
    vt_free(nl->work->bin_start);
    vt_free(nl->work->by_bin);
    vt_free(nl->work->binned);
    vt_free(nl->work);
    vt_free(nl->j);
    vt_free(nl->shift);
    vt_free(nl);
}

void vt_nlist_invalidate(vt_nlist *nl) { nl->work->valid = 0; }

static vt_status ensure_atoms(vt_nlist *nl, size_t n)
{
    if (nl->start && nl->n_atoms == n) return VT_OK;
    free_atom_arrays(nl);
    nlist_work *w = nl->work;
    nl->n_atoms = 0;
    if (n > UINT32_MAX) VT_FAIL(VT_ERANGE, "neighbour list: %zu atoms, at most %u", n, UINT32_MAX);
    w->pos0 = vt_malloc(n * sizeof *w->pos0);
    w->wrapped = vt_malloc(n * sizeof *w->wrapped);
    w->base = vt_malloc(n * sizeof *w->base);
    w->bin_of = vt_malloc(n * sizeof *w->bin_of);
    nl->start = vt_calloc(n + 1, sizeof *nl->start);
    vt_free(w->by_bin);
    vt_free(w->binned);
    w->by_bin = vt_malloc(n * sizeof *w->by_bin);
    w->binned = vt_malloc(n * sizeof *w->binned);
    if (!w->pos0 || !w->wrapped || !w->base || !w->bin_of || !nl->start || !w->by_bin || !w->binned) {
        free_atom_arrays(nl);
        VT_FAIL(VT_ENOMEM, "neighbour list: out of memory for %zu atoms", n);
    }
    nl->n_atoms = n;
    return VT_OK;
}

/* Bin layout for range R: bins per direction and how many bins to search each way. */
typedef struct grid {
    long nb[3];     /* bins along a, b, c */
    long reach[3];  /* bin offsets searched: -reach..reach */
    size_t n_bins;
} grid;

static vt_status make_grid(const double inv[3][3], double range_A, size_t n_atoms, grid *g)
{
    g->n_bins = 1;
    for (int k = 0; k < 3; k++) {
        /* column k of inv is the reciprocal vector of direction k; its length is 1 / width */
        double width = 1.0 / sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
        double nb = floor(width * BINS_PER_RANGE / range_A);
        /* more bins than atoms only costs memory: cap at ~n^(1/3) * 2 per direction */
        double cap = 2.0 * cbrt((double)n_atoms) + 1.0;
        g->nb[k] = (long)fmax(1.0, fmin(nb, cap));
        double reach = ceil(range_A * (double)g->nb[k] / width);
        if (!(reach < 1e4)) VT_FAIL(VT_ERANGE, "neighbour list: cutoff %g A spans over 10^4 cells", range_A);
        g->reach[k] = (long)reach;
        g->n_bins *= (size_t)g->nb[k];
    }
    return VT_OK;
}

static long floor_div(long a, long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Fold every atom into the cell, keep the integer part, and sort atoms by bin (counting sort). */
static vt_status bin_atoms(vt_nlist *nl, const vt_cell *c, const double inv[3][3], const grid *g)
{
    nlist_work *w = nl->work;
    size_t n = c->n_atoms;
    if (g->n_bins > w->n_bins_alloc) {
        vt_free(w->bin_start);
        w->bin_start = vt_malloc((g->n_bins + 1) * sizeof *w->bin_start);
        w->n_bins_alloc = w->bin_start ? g->n_bins : 0;
        if (!w->bin_start) VT_FAIL(VT_ENOMEM, "neighbour list: out of memory for %zu bins", g->n_bins);
    }
    memset(w->bin_start, 0, (g->n_bins + 1) * sizeof *w->bin_start);
    for (size_t i = 0; i < n; i++) {
        double f[3];
        vt_cart_to_frac(inv, c->pos[i], f);
        size_t bin = 0;
        for (int k = 0; k < 3; k++) {
            if (!(fabs(f[k]) < 1e9))
                VT_FAIL(VT_ERANGE, "neighbour list: atom %zu: position not finite or over 10^9 cells away", i + 1);
            double fl = floor(f[k]);
            f[k] -= fl;
            w->base[i][k] = (int)fl;
            long b = (long)(f[k] * (double)g->nb[k]);
            if (b >= g->nb[k]) b = g->nb[k] - 1; /* f rounded up to 1.0 */
            bin = bin * (size_t)g->nb[k] + (size_t)b;
        }
        vt_frac_to_cart(c->lattice, f, w->wrapped[i]);
        w->bin_of[i] = bin;
        w->bin_start[bin + 1]++;
    }
    for (size_t b = 0; b < g->n_bins; b++) w->bin_start[b + 1] += w->bin_start[b];
    for (size_t i = 0; i < n; i++) w->by_bin[w->bin_start[w->bin_of[i]]++] = (uint32_t)i;
    for (size_t b = g->n_bins; b > 0; b--) w->bin_start[b] = w->bin_start[b - 1]; /* undo the fill shift */
    w->bin_start[0] = 0;
    for (size_t q = 0; q < n; q++) memcpy(w->binned[q], w->wrapped[w->by_bin[q]], sizeof w->binned[q]);
    return VT_OK;
}

static vt_status push_pair(vt_nlist *nl, uint32_t j, const int shift[3])
{
    nlist_work *w = nl->work;
    if (nl->n_pairs == w->cap_pairs) {
        size_t cap = w->cap_pairs ? 2 * w->cap_pairs : 1024;
        if (cap > ((size_t)1 << 31)) VT_FAIL(VT_ERANGE, "neighbour list: more than 2^31 pairs");
        uint32_t *jj = vt_realloc(nl->j, cap * sizeof *jj);
        if (!jj) VT_FAIL(VT_ENOMEM, "neighbour list: out of memory for %zu pairs", cap);
        nl->j = jj;
        int16_t(*sh)[3] = vt_realloc(nl->shift, cap * sizeof *sh);
        if (!sh) VT_FAIL(VT_ENOMEM, "neighbour list: out of memory for %zu pairs", cap);
        nl->shift = sh;
        w->cap_pairs = cap;
    }
    nl->j[nl->n_pairs] = j;
    for (int k = 0; k < 3; k++) {
        if (shift[k] < INT16_MIN || shift[k] > INT16_MAX)
            VT_FAIL(VT_ERANGE, "neighbour list: image shift %d beyond 16 bits", shift[k]);
        nl->shift[nl->n_pairs][k] = (int16_t)shift[k];
    }
    nl->n_pairs++;
    return VT_OK;
}

/* Lexicographic sign of a bin offset. A half list visits only offsets >= 0: the pair (i, j) seen
 * from i's bin at offset o is the pair (j, i) seen from j's bin at -o, so exactly one of the two is
 * visited, and at offset 0 the lower index keeps it (an atom's images are never at offset 0). */
static int offset_sign(long o0, long o1, long o2)
{
    if (o0) return o0 > 0 ? 1 : -1;
    if (o1) return o1 > 0 ? 1 : -1;
    return o2 > 0 ? 1 : o2 < 0 ? -1 : 0;
}

/* Append the atoms of one bin (seen with lattice shift cell_shift) within range of atom i. */
static vt_status scan_bin(vt_nlist *nl, const vt_cell *c, uint32_t i, size_t bin, const int cell_shift[3],
                          int same_bin, double range2)
{
    const nlist_work *w = nl->work;
    const double(*binned)[3] = w->binned;
    const uint32_t *by_bin = w->by_bin;
    const double *ri = w->wrapped[i];
    double sv[3];
    for (int k = 0; k < 3; k++)
        sv[k] = cell_shift[0] * c->lattice[0][k] + cell_shift[1] * c->lattice[1][k] + cell_shift[2] * c->lattice[2][k];
    double ox = sv[0] - ri[0], oy = sv[1] - ri[1], oz = sv[2] - ri[2];
    for (size_t q = w->bin_start[bin], end = w->bin_start[bin + 1]; q < end; q++) {
        double dx = binned[q][0] + ox, dy = binned[q][1] + oy, dz = binned[q][2] + oz;
        if (dx * dx + dy * dy + dz * dz > range2) continue;
        uint32_t j = by_bin[q];
        if (same_bin && (nl->full ? j == i : j <= i)) continue; /* itself, or kept from j */
        /* shift for the caller's (unfolded) positions: pos = wrapped + base * lattice */
        int n[3];
        for (int k = 0; k < 3; k++) n[k] = cell_shift[k] + w->base[i][k] - w->base[j][k];
        VT_TRY(push_pair(nl, j, n));
    }
    return VT_OK;
}

/* Every neighbour of atom i within range: walk the bins around its own. */
static vt_status list_atom(vt_nlist *nl, const vt_cell *c, const grid *g, uint32_t i, double range2)
{
    size_t home = nl->work->bin_of[i];
    long hb[3] = {(long)(home / (size_t)(g->nb[1] * g->nb[2])), (long)(home / (size_t)g->nb[2] % (size_t)g->nb[1]),
                  (long)(home % (size_t)g->nb[2])};
    for (long o0 = -g->reach[0]; o0 <= g->reach[0]; o0++)
        for (long o1 = -g->reach[1]; o1 <= g->reach[1]; o1++)
            for (long o2 = -g->reach[2]; o2 <= g->reach[2]; o2++) {
                int sign = offset_sign(o0, o1, o2);
                if (!nl->full && sign < 0) continue;
                long at[3] = {hb[0] + o0, hb[1] + o1, hb[2] + o2};
                int cell_shift[3];
                size_t bin = 0;
                for (int k = 0; k < 3; k++) {
                    long s = floor_div(at[k], g->nb[k]);
                    cell_shift[k] = (int)s;
                    bin = bin * (size_t)g->nb[k] + (size_t)(at[k] - s * g->nb[k]);
                }
                VT_TRY(scan_bin(nl, c, i, bin, cell_shift, sign == 0, range2));
            }
    return VT_OK;
}

static vt_status build(vt_nlist *nl, const vt_cell *c)
{
    nlist_work *w = nl->work;
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    double range = nl->cutoff_A + nl->skin_A;
    grid g;
    VT_TRY(make_grid(inv, range, c->n_atoms, &g));
    VT_TRY(bin_atoms(nl, c, inv, &g));
    nl->n_pairs = 0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        nl->start[i] = nl->n_pairs;
        VT_TRY(list_atom(nl, c, &g, (uint32_t)i, range * range));
    }
    nl->start[c->n_atoms] = nl->n_pairs;
    memcpy(w->lattice, c->lattice, sizeof w->lattice);
    memcpy(w->pos0, c->pos, c->n_atoms * sizeof *w->pos0);
    nl->n_builds++;
    w->valid = 1;
    return VT_OK;
}

/* Whether some atom moved more than skin / 2 since the last build (then a pair from outside
 * cutoff + skin may have come within the cutoff). */
static int moved_too_far(const vt_nlist *nl, const vt_cell *c)
{
    double limit2 = 0.25 * nl->skin_A * nl->skin_A;
    const double(*p0)[3] = nl->work->pos0;
    for (size_t i = 0; i < c->n_atoms; i++) {
        double dx = c->pos[i][0] - p0[i][0], dy = c->pos[i][1] - p0[i][1], dz = c->pos[i][2] - p0[i][2];
        if (!(dx * dx + dy * dy + dz * dz <= limit2)) return 1; /* NaN counts as too far */
    }
    return 0;
}

vt_status vt_nlist_update(vt_nlist *nl, const vt_cell *c, int *rebuilt)
{
    if (rebuilt) *rebuilt = 0;
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "neighbour list: empty cell");
    nlist_work *w = nl->work;
    int stale = !w->valid || nl->n_atoms != c->n_atoms || memcmp(w->lattice, c->lattice, sizeof w->lattice) != 0 ||
                moved_too_far(nl, c);
    if (!stale) return VT_OK;
    w->valid = 0;
    VT_TRY(ensure_atoms(nl, c->n_atoms));
    VT_TRY(build(nl, c));
    if (rebuilt) *rebuilt = 1;
    return VT_OK;
}
