/*
** rdf.c - partial radial distribution functions, exact beyond half the box, coordination numbers,
** the paper's CSV layout and its R^2 agreement statistic.
**   g_ab(r_k) = n_ab(k) V / (N_a N_b V_k)   per frame, then averaged over frames
**     n_ab(k): ordered (a atom, b atom or periodic image) pairs with distance in bin k, from a half
**     neighbour list over every image within the last bin's upper edge (vt_nlist: any cutoff, so
**     radii beyond half the box count every image); a == b pairs count twice (both orders).
**     V_k: exact volume of bin k's spherical shell (4 pi dr (r_c^2 + dr^2 / 12) for a shell centred
**     at r_c), so an ideal gas has g = 1 in every bin. pymatgen's RadialDistributionFunctionFast
**     divides by 4 pi r_k^2 dr instead (1 + dr^2 / (12 r^2) apart: < 0.1 % beyond 1 A at dr 0.1 A)
**     and zeroes the r = 0 bin; ASE's get_rdf uses the exact shell but normalises a partial by
**     N_a N / V (all atoms), i.e. its partial is g_ab N_b / N.
**   cn_ab(r_k) = sum_{k' <= k} n_ab(k') / (N_a n_frames): b neighbours within the upper edge of
**     bin k of an a atom (unsmoothed).
**   The paper's CSVs (../shared/paper/rdf, README there) hold 101 points r = 0, 0.1, ..., 10 A,
**   bins centred on the points (VT_RDF_POINTS), with exact zeros below the first contact and
**   smooth onsets, as pymatgen-analysis-diffusion's RadialDistributionFunctionFast gives; whether
**   its Gaussian smoothing was on cannot be told from the files, so smoothing is off by default.
**   Agreement (the paper, Fig. 6): all pair columns concatenated, R^2 = 1 - SSE / SST, the first
**   file as truth.
**   Tests: tests/analysis/test_rdf.c (crystal shells by hand, beyond half the box against a
**   supercell), test_rdf_ase.sh (ASE's get_rdf), test_rdf_compare.sh (numpy R^2 of the paper's CSVs).
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/csv.h"
#include "core/error.h"
#include "io/text.h"

#define MAX_RDF_POINTS 1000000 /* grid points at most (r_max / dr) */
#define MAX_CSV_COLS (VT_MAX_SPECIES * (VT_MAX_SPECIES + 1) / 2 + 2)

vt_rdf_opts vt_rdf_opts_default(void)
{
    return (vt_rdf_opts){.r_max_A = 10.0, .dr_A = 0.1, .grid = VT_RDF_POINTS, .smooth_A = 0.0,
                         .first_frame = 0, .stride = 1};
}

void vt_rdf_free(vt_rdf *r)
{
    if (!r) return;
    vt_free(r->r_A);
    vt_free(r->pair);
    vt_free(r->g);
    vt_free(r->cn);
    vt_free(r);
}

static vt_status check_opts(const vt_traj *t, const vt_rdf_opts *o, size_t *n_r)
{
    if (!t || t->n_frames == 0) VT_FAIL(VT_EINVAL, "rdf: empty trajectory");
    if (!(o->dr_A > 0) || !(o->r_max_A > 0) || !isfinite(o->r_max_A) || o->r_max_A / o->dr_A > MAX_RDF_POINTS)
        VT_FAIL(VT_EINVAL, "rdf: need 0 < dr <= r_max and r_max / dr <= %d (dr = %g A, r_max = %g A)",
                MAX_RDF_POINTS, o->dr_A, o->r_max_A);
    double steps = o->r_max_A / o->dr_A;
    if (fabs(steps - nearbyint(steps)) > 1e-9 * steps || nearbyint(steps) < 1)
        VT_FAIL(VT_EINVAL, "rdf: r_max / dr must be a whole number (r_max = %g A, dr = %g A)", o->r_max_A, o->dr_A);
    if (o->grid != VT_RDF_POINTS && o->grid != VT_RDF_BINS) VT_FAIL(VT_EINVAL, "rdf: unknown grid %d", (int)o->grid);
    if (!(o->smooth_A >= 0) || !isfinite(o->smooth_A)) VT_FAIL(VT_EINVAL, "rdf: smoothing width must be >= 0 A");
    if (o->stride < 1) VT_FAIL(VT_EINVAL, "rdf: frame stride must be >= 1");
    if (o->first_frame >= t->n_frames)
        VT_FAIL(VT_EINVAL, "rdf: first frame %zu beyond the trajectory's %zu frames", o->first_frame + 1, t->n_frames);
    *n_r = (size_t)nearbyint(steps) + (o->grid == VT_RDF_POINTS);
    return VT_OK;
}

/* Bin edges [lo, hi) of grid point k, Angstrom. */
static void bin_edges(const vt_rdf_opts *o, size_t k, double *lo, double *hi)
{
    double c = o->grid == VT_RDF_POINTS ? (double)k * o->dr_A : ((double)k + 0.5) * o->dr_A;
    *lo = fmax(0.0, c - 0.5 * o->dr_A), *hi = c + 0.5 * o->dr_A;
}

static size_t pair_index(size_t S, size_t a, size_t b)
{
    if (a > b) { size_t t = a; a = b; b = t; }
    return a * (2 * S - a + 1) / 2 + (b - a); /* rows a = 0, 1, .. hold S, S - 1, .. pairs */
}

/* Species of frame 0 in order of first appearance; species[i] per atom. */
static vt_status species_of(const vt_cell *c, vt_rdf *r, size_t *species)
{
    for (size_t i = 0; i < c->n_atoms; i++) {
        size_t s = 0;
        while (s < r->n_species && r->Z[s] != c->Z[i]) s++;
        if (s == r->n_species) {
            if (s == VT_MAX_SPECIES) VT_FAIL(VT_ERANGE, "rdf: more than %d elements", VT_MAX_SPECIES);
            r->Z[r->n_species++] = c->Z[i];
        }
        r->count[s]++;
        species[i] = s;
    }
    return VT_OK;
}

/* Add one frame's pair counts, scaled by V / (N_a N_b) (the frame's own density), into acc; raw
 * ordered counts into cnt. */
static vt_status add_frame(const vt_cell *c, vt_nlist *nl, const vt_rdf *r, const size_t *species,
                           const vt_rdf_opts *o, double *hist, double *acc, double *cnt)
{
    VT_TRY(vt_nlist_update(nl, c, NULL));
    size_t n_r = r->n_r, S = r->n_species;
    double r_cut = o->grid == VT_RDF_POINTS ? o->r_max_A + 0.5 * o->dr_A : o->r_max_A;
    double offset = o->grid == VT_RDF_POINTS ? 0.5 * o->dr_A : 0.0, inv_dr = 1.0 / o->dr_A;
    memset(hist, 0, r->n_pairs * n_r * sizeof *hist);
    const double(*L)[3] = (const double(*)[3])c->lattice;
    for (size_t i = 0; i < c->n_atoms; i++) {
        const double *pi = c->pos[i];
        for (size_t k = nl->start[i]; k < nl->start[i + 1]; k++) {
            size_t j = nl->j[k];
            const int16_t *sh = nl->shift[k];
            double d2 = 0;
            for (int x = 0; x < 3; x++) {
                double d = c->pos[j][x] - pi[x] + sh[0] * L[0][x] + sh[1] * L[1][x] + sh[2] * L[2][x];
                d2 += d * d;
            }
            double dist = sqrt(d2);
            if (!(dist < r_cut) || dist == 0.0) continue;
            size_t bin = (size_t)((dist + offset) * inv_dr);
            if (bin >= n_r) continue;
            size_t a = species[i], b = species[j];
            hist[pair_index(S, a, b) * n_r + bin] += 1.0;
        }
    }
    double V = vt_cell_volume(c);
    for (size_t p = 0; p < r->n_pairs; p++) {
        size_t a = (size_t)r->pair[p][0], b = (size_t)r->pair[p][1];
        double both = a == b ? 2.0 : 1.0; /* a half list holds each a-a pair once */
        double scale = both * V / ((double)r->count[a] * (double)r->count[b]);
        for (size_t k = 0; k < n_r; k++) {
            acc[p * n_r + k] += hist[p * n_r + k] * scale;
            cnt[p * n_r + k] += hist[p * n_r + k] * both;
        }
    }
    return VT_OK;
}

/* Gaussian filter of width sigma (grid points), truncated at 4 sigma, mirrored at both ends
 * (scipy.ndimage "reflect"), as pymatgen's RadialDistributionFunctionFast smooths. */
static vt_status smooth(double *y, size_t n, double sigma)
{
    long R = (long)(4.0 * sigma + 0.5);
    if (R < 1) return VT_OK;
    double *w = vt_malloc((size_t)(2 * R + 1) * sizeof *w), *src = vt_malloc(n * sizeof *src);
    if (!w || !src) {
        vt_free(w), vt_free(src);
        VT_FAIL(VT_ENOMEM, "rdf: out of memory");
    }
    double ws = 0;
    for (long j = -R; j <= R; j++) ws += w[j + R] = exp(-0.5 * (double)(j * j) / (sigma * sigma));
    memcpy(src, y, n * sizeof *src);
    long N = (long)n;
    for (long i = 0; i < N; i++) {
        double s = 0;
        for (long j = -R; j <= R; j++) {
            long m = i + j;
            while (m < 0 || m >= N) m = m < 0 ? -m - 1 : 2 * N - m - 1;
            s += w[j + R] * src[m];
        }
        y[i] = s / ws;
    }
    vt_free(w), vt_free(src);
    return VT_OK;
}

static vt_status alloc_result(vt_rdf *r, size_t n_r, const vt_rdf_opts *o)
{
    r->n_r = n_r;
    r->n_pairs = r->n_species * (r->n_species + 1) / 2;
    r->r_A = vt_malloc(n_r * sizeof *r->r_A);
    r->pair = vt_malloc(r->n_pairs * sizeof *r->pair);
    r->g = vt_calloc(r->n_pairs * n_r, sizeof *r->g);
    r->cn = vt_calloc(r->n_pairs * n_r, sizeof *r->cn);
    if (!r->r_A || !r->pair || !r->g || !r->cn) VT_FAIL(VT_ENOMEM, "rdf: out of memory");
    for (size_t k = 0; k < n_r; k++)
        r->r_A[k] = o->grid == VT_RDF_POINTS ? (double)k * o->dr_A : ((double)k + 0.5) * o->dr_A;
    if (o->grid == VT_RDF_POINTS) r->r_A[n_r - 1] = o->r_max_A; /* as numpy.linspace ends */
    for (size_t a = 0, p = 0; a < r->n_species; a++)
        for (size_t b = a; b < r->n_species; b++, p++) r->pair[p][0] = (int)a, r->pair[p][1] = (int)b;
    return VT_OK;
}

vt_status vt_rdf_compute(const vt_traj *t, const vt_rdf_opts *opts, vt_rdf **out)
{
    *out = NULL;
    vt_rdf_opts o = opts ? *opts : vt_rdf_opts_default();
    size_t n_r = 0;
    VT_TRY(check_opts(t, &o, &n_r));
    const vt_cell *c0 = t->frames[0];
    vt_status s = VT_ENOMEM;
    vt_nlist *nl = NULL;
    double *hist = NULL;
    vt_rdf *r = vt_calloc(1, sizeof *r);
    size_t *species = vt_malloc(c0->n_atoms * sizeof *species);
    if (!r || !species) {
        s = vt_err_set_(VT_ENOMEM, "rdf: out of memory");
        goto done;
    }
    if ((s = species_of(c0, r, species)) != VT_OK || (s = alloc_result(r, n_r, &o)) != VT_OK) goto done;
    hist = vt_malloc(r->n_pairs * n_r * sizeof *hist);
    if (!hist) {
        s = vt_err_set_(VT_ENOMEM, "rdf: out of memory");
        goto done;
    }
    double r_cut = o.grid == VT_RDF_POINTS ? o.r_max_A + 0.5 * o.dr_A : o.r_max_A;
    if ((s = vt_nlist_new(r_cut, 0.0, 0, &nl)) != VT_OK) goto done;
    for (size_t f = o.first_frame; f < t->n_frames; f += o.stride) {
        vt_nlist_invalidate(nl);
        if ((s = add_frame(t->frames[f], nl, r, species, &o, hist, r->g, r->cn)) != VT_OK) {
            s = vt_err_set_(s, "rdf: frame %zu: %s", f + 1, vt_errmsg());
            goto done;
        }
        r->n_frames++;
    }
    for (size_t p = 0; p < r->n_pairs; p++) {
        double cum = 0;
        size_t a = (size_t)r->pair[p][0];
        for (size_t k = 0; k < n_r; k++) {
            double lo, hi;
            bin_edges(&o, k, &lo, &hi);
            double shell = 4.0 / 3.0 * M_PI * (hi * hi * hi - lo * lo * lo);
            r->g[p * n_r + k] /= shell * (double)r->n_frames;
            cum += r->cn[p * n_r + k];
            r->cn[p * n_r + k] = cum / ((double)r->count[a] * (double)r->n_frames);
        }
        if (o.smooth_A > 0 && (s = smooth(r->g + p * n_r, n_r, o.smooth_A / o.dr_A)) != VT_OK) goto done;
    }
    *out = r;
    r = NULL;
    s = VT_OK;
done:
    vt_nlist_free(nl);
    vt_free(hist);
    vt_free(species);
    vt_rdf_free(r);
    return s;
}

vt_rdf_shell vt_rdf_first_shell(const vt_rdf *r, size_t pair)
{
    vt_rdf_shell sh = {NAN, NAN, NAN, NAN};
    const double *g = r->g + pair * r->n_r;
    size_t k = 0, n = r->n_r;
    while (k < n && !(g[k] > 1.0)) k++;
    if (k == n) return sh;
    size_t peak = k;
    for (; k < n && g[k] > 1.0; k++)
        if (g[k] > g[peak]) peak = k;
    size_t m = peak; /* first local minimum after the peak */
    while (m + 1 < n && !(g[m + 1] > g[m])) m++;
    sh.r_peak_A = r->r_A[peak], sh.g_peak = g[peak];
    if (m + 1 < n) sh.r_min_A = r->r_A[m], sh.cn = r->cn[pair * n + m];
    return sh;
}

/* ---------------------------------------------------------------------------------------------
** The paper's CSV layout
*/
vt_status vt_rdf_write_csv(const vt_rdf *r, const char *path)
{
    vt_text t = {0};
    for (size_t p = 0; p < r->n_pairs; p++)
        vt_text_printf(&t, ",%s-%s", vt_element_by_Z(r->Z[r->pair[p][0]])->symbol,
                       vt_element_by_Z(r->Z[r->pair[p][1]])->symbol);
    vt_text_printf(&t, ",r\n");
    char buf[32];
    for (size_t k = 0; k < r->n_r; k++) {
        vt_text_printf(&t, "%zu", k);
        for (size_t p = 0; p < r->n_pairs; p++) {
            vt_shortest(r->g[p * r->n_r + k], buf);
            vt_text_printf(&t, ",%s", buf);
        }
        vt_shortest(r->r_A[k], buf);
        vt_text_printf(&t, ",%s\n", buf);
    }
    return vt_text_save(&t, path);
}

typedef struct rdf_table {
    size_t n_cols, n_rows;     /* pair columns; rows */
    int Z[MAX_CSV_COLS][2];    /* the pair of each column */
    char name[MAX_CSV_COLS][16];
    double *g;                 /* n_cols x n_rows, column-major */
    double *r;                 /* n_rows */
} rdf_table;

static vt_status parse_pair(const vt_lines *lr, const char *tok, int Z[2])
{
    char a[8], b[8], extra;
    if (strlen(tok) > 15 || sscanf(tok, "%7[A-Za-z]-%7[A-Za-z]%c", a, b, &extra) != 2)
        VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header", "expected a pair column like 'Li-O', got '%s'", tok);
    const vt_element *ea = vt_element_by_symbol(a), *eb = vt_element_by_symbol(b);
    if (!ea || !eb) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header", "unknown element in column '%s'", tok);
    Z[0] = ea->Z < eb->Z ? ea->Z : eb->Z, Z[1] = ea->Z < eb->Z ? eb->Z : ea->Z; /* "B-A" = "A-B" */
    return VT_OK;
}

/* Header ",A-B,...,r" (the unnamed index column first, r last). */
static vt_status read_header(vt_lines *lr, rdf_table *tb)
{
    char *line, *f[MAX_CSV_COLS + 1];
    size_t n;
    VT_TRY(vt_lines_need(lr, "header", &line));
    VT_TRY(vt_csv_split(lr, "header", line, f, MAX_CSV_COLS + 1, &n));
    if (n < 3 || f[0][0] != '\0' || strcmp(f[n - 1], "r") != 0)
        VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "header",
                   "expected the paper's layout ',A-B,...,r' (unnamed index, pair columns, r)");
    tb->n_cols = n - 2;
    for (size_t c = 0; c < tb->n_cols; c++) {
        VT_TRY(parse_pair(lr, f[c + 1], tb->Z[c]));
        snprintf(tb->name[c], sizeof tb->name[c], "%s", f[c + 1]);
        for (size_t d = 0; d < c; d++)
            if (tb->Z[d][0] == tb->Z[c][0] && tb->Z[d][1] == tb->Z[c][1])
                VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, f[c + 1], "pair repeated");
    }
    return VT_OK;
}

static vt_status read_rows(vt_lines *lr, rdf_table *tb)
{
    size_t cap = 0, nc = tb->n_cols;
    char *line, *f[MAX_CSV_COLS + 1];
    for (;;) {
        VT_TRY(vt_lines_next(lr, &line));
        if (!line) break;
        if (vt_is_blank(line)) continue;
        size_t n;
        VT_TRY(vt_csv_split(lr, "row", line, f, MAX_CSV_COLS + 1, &n));
        if (n != nc + 2)
            VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "row", "expected %zu fields, got %zu", nc + 2, n);
        long idx;
        VT_TRY(vt_parse_long(lr, "index", f[0], 0, 100000000, &idx));
        if ((size_t)idx != tb->n_rows)
            VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "index", "expected %zu, got %ld", tb->n_rows, idx);
        if (tb->n_rows == cap) {
            cap = cap ? 2 * cap : 128;
            double *g = vt_realloc(tb->g, cap * nc * sizeof *g), *r = g ? vt_realloc(tb->r, cap * sizeof *r) : NULL;
            if (g) tb->g = g;
            if (!g || !r) VT_FAIL(VT_ENOMEM, "%s: out of memory", lr->path);
            tb->r = r;
        }
        for (size_t c = 0; c < nc; c++) VT_TRY(vt_parse_double(lr, tb->name[c], f[c + 1], &tb->g[tb->n_rows * nc + c]));
        VT_TRY(vt_parse_double(lr, "r", f[nc + 1], &tb->r[tb->n_rows]));
        tb->n_rows++;
    }
    if (tb->n_rows == 0) VT_FAIL_AT(VT_EPARSE, lr->path, lr->line, "row", "no data rows");
    return VT_OK;
}

static vt_status read_table(const char *path, rdf_table *tb)
{
    memset(tb, 0, sizeof *tb);
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_lines lr;
    vt_lines_init(&lr, f, path);
    vt_status s = read_header(&lr, tb);
    if (s == VT_OK) s = read_rows(&lr, tb);
    vt_lines_clear(&lr);
    fclose(f);
    return s;
}

static size_t find_col(const rdf_table *tb, const int Z[2])
{
    for (size_t c = 0; c < tb->n_cols; c++)
        if (tb->Z[c][0] == Z[0] && tb->Z[c][1] == Z[1]) return c;
    return (size_t)-1;
}

static vt_status compare(const rdf_table *a, const rdf_table *b, const char *pa, const char *pb, double *r2)
{
    if (a->n_rows != b->n_rows) VT_FAIL(VT_EINVAL, "rdf compare: %s has %zu rows, %s has %zu", pa, a->n_rows, pb, b->n_rows);
    for (size_t k = 0; k < a->n_rows; k++)
        if (!(fabs(a->r[k] - b->r[k]) <= 1e-9))
            VT_FAIL(VT_EINVAL, "rdf compare: row %zu: r = %g A in %s but %g A in %s", k, a->r[k], pa, b->r[k], pb);
    if (a->n_cols != b->n_cols) VT_FAIL(VT_EINVAL, "rdf compare: %s has %zu pairs, %s has %zu", pa, a->n_cols, pb, b->n_cols);
    double mean = 0, sse = 0, sst = 0;
    size_t n = a->n_rows * a->n_cols;
    for (size_t i = 0; i < n; i++) mean += a->g[i];
    mean /= (double)n;
    for (size_t c = 0; c < a->n_cols; c++) {
        size_t cb = find_col(b, a->Z[c]);
        if (cb == (size_t)-1) VT_FAIL(VT_EINVAL, "rdf compare: pair %s of %s is not in %s", a->name[c], pa, pb);
        for (size_t k = 0; k < a->n_rows; k++) {
            double y = a->g[k * a->n_cols + c], e = y - b->g[k * b->n_cols + cb];
            sse += e * e, sst += (y - mean) * (y - mean);
        }
    }
    if (!(sst > 0)) VT_FAIL(VT_ERANGE, "rdf compare: %s is constant (R^2 undefined)", pa);
    *r2 = 1.0 - sse / sst;
    return VT_OK;
}

vt_status vt_rdf_compare_csv(const char *truth_path, const char *other_path, double *r2, size_t *n_pairs)
{
    rdf_table *tb = vt_calloc(2, sizeof *tb);
    if (!tb) VT_FAIL(VT_ENOMEM, "rdf compare: out of memory");
    vt_status s = read_table(truth_path, &tb[0]);
    if (s == VT_OK) s = read_table(other_path, &tb[1]);
    if (s == VT_OK) s = compare(&tb[0], &tb[1], truth_path, other_path, r2);
    if (s == VT_OK && n_pairs) *n_pairs = tb[0].n_cols;
    for (int i = 0; i < 2; i++) vt_free(tb[i].g), vt_free(tb[i].r);
    vt_free(tb);
    return s;
}
