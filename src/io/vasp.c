/*
** vasp.c - VASP 5 POSCAR/CONTCAR and XDATCAR, read and write.
**   POSCAR: comment | scale: s > 0, s < 0 = cell volume in A^3, or three per-axis factors > 0 |
**   a | b | c (Angstrom after scaling) | species symbols (required: VASP 4 files are refused) |
**   counts | [Selective dynamics] | Direct or Cartesian (first letter D, or C/K) | n positions:
**   3 numbers, then T/F flags when selective, then anything (a label); Cartesian positions are
**   scaled like the lattice | optionally a blank line (or "Cartesian") and n Cartesian velocities
**   in A/fs (CONTCAR of an MD run); what follows (predictor-corrector block) is ignored.
**   XDATCAR: the same header, then frames "Direct configuration= k" + n fractional positions; a
**   variable-cell (NpT) file repeats the header, with its lattice, before every frame.
**   Writers: scale 1; POSCAR Cartesian (positions exactly as stored), XDATCAR Direct (round trip
**   to ~1e-15 relative). Species go out as runs in atom order ("Li O Li" / "2 1 1"), so atoms are
**   never reordered. Image counts are not stored in either format.
*/
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "structure.h"

typedef struct vasp_header {
    double lattice[3][3]; /* scaled, Angstrom */
    double scale[3];      /* per-axis factor of Cartesian positions */
    size_t n_groups;      /* runs of one species */
    int *Z;               /* n_groups atomic numbers */
    size_t *count;        /* n_groups atom counts */
    size_t n_atoms;
} vasp_header;

static void header_clear(vasp_header *h)
{
    vt_free(h->Z);
    vt_free(h->count);
    memset(h, 0, sizeof *h);
}

static const char *skip_blanks(const char *s)
{
    while (*s && strchr(" \t\r\n\v\f", *s)) s++;
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Header
*/
static vt_status read_scale(vt_lines *r, double sc[3], int *is_volume)
{
    char *line, *tok[3];
    VT_TRY(vt_lines_need(r, "scale", &line));
    size_t n = vt_split(line, tok, 3);
    *is_volume = 0;
    if (n == 3) {
        VT_TRY(vt_parse_vec3(r, "scale", tok, sc));
        if (!(sc[0] > 0.0 && sc[1] > 0.0 && sc[2] > 0.0))
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "scale", "three scale factors must all be > 0");
        return VT_OK;
    }
    if (n != 1) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "scale", "expected 1 or 3 numbers, got %zu", n);
    VT_TRY(vt_parse_double(r, "scale", tok[0], &sc[0]));
    if (sc[0] == 0.0) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "scale", "must not be 0");
    *is_volume = sc[0] < 0.0;
    sc[0] = sc[1] = sc[2] = fabs(sc[0]);
    return VT_OK;
}

static vt_status read_lattice(vt_lines *r, double lattice[3][3])
{
    for (int i = 0; i < 3; i++) {
        char *line, *tok[3];
        VT_TRY(vt_lines_need(r, "lattice", &line));
        size_t n = vt_split(line, tok, 3);
        if (n != 3) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "lattice", "expected 3 numbers, got %zu", n);
        VT_TRY(vt_parse_vec3(r, "lattice", tok, lattice[i]));
    }
    return VT_OK;
}

/* Scale the raw lattice: per axis, or to the volume |sc| (A^3) when is_volume. */
static vt_status apply_scale(vt_lines *r, vasp_header *h, double sc[3], int is_volume)
{
    if (is_volume) {
        double s = cbrt(sc[0] / vt_lattice_volume(h->lattice));
        sc[0] = sc[1] = sc[2] = s;
    }
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) h->lattice[i][k] *= sc[k];
    memcpy(h->scale, sc, sizeof h->scale);
    return vt_check_lattice(r, "lattice", h->lattice);
}

static vt_status read_species(vt_lines *r, vasp_header *h)
{
    char *line;
    VT_TRY(vt_lines_need(r, "species", &line));
    size_t n = vt_count_tokens(line);
    if (n == 0) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "species", "empty line");
    if (!(h->Z = vt_calloc(n, sizeof *h->Z)) || !(h->count = vt_calloc(n, sizeof *h->count)))
        VT_FAIL(VT_ENOMEM, "%s: out of memory", r->path);
    h->n_groups = n;
    char *cursor = line;
    for (size_t i = 0; i < n; i++) {
        const char *tok = vt_next_token(&cursor);
        if (isdigit((unsigned char)tok[0]))
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "species",
                       "expected element symbols, got '%.40s' (VASP 4 files without a species line are not "
                       "supported)",
                       tok);
        VT_TRY(vt_parse_symbol(r, "species", tok, &h->Z[i]));
    }
    return VT_OK;
}

static vt_status read_counts(vt_lines *r, vasp_header *h)
{
    char *line, *cursor;
    VT_TRY(vt_lines_need(r, "counts", &line));
    size_t n = vt_count_tokens(line);
    if (n != h->n_groups)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "counts", "%zu counts for %zu species", n, h->n_groups);
    cursor = line;
    h->n_atoms = 0;
    for (size_t i = 0; i < n; i++) {
        VT_TRY(vt_parse_count(r, "counts", vt_next_token(&cursor), &h->count[i]));
        h->n_atoms += h->count[i];
        if (h->n_atoms > VT_MAX_ATOMS)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "counts", "more than %d atoms in all", VT_MAX_ATOMS);
    }
    return VT_OK;
}

/* Header from the scale line on (the comment line is already consumed). */
static vt_status read_header_body(vt_lines *r, vasp_header *h)
{
    double sc[3];
    int is_volume;
    VT_TRY(read_scale(r, sc, &is_volume));
    VT_TRY(read_lattice(r, h->lattice));
    VT_TRY(apply_scale(r, h, sc, is_volume));
    VT_TRY(read_species(r, h));
    return read_counts(r, h);
}

static vt_status read_header(vt_lines *r, vasp_header *h)
{
    char *line;
    VT_TRY(vt_lines_need(r, "comment", &line));
    return read_header_body(r, h);
}

/* ---------------------------------------------------------------------------------------------
** Positions and velocities
*/
static vt_status check_flags(const vt_lines *r, char *const *tok)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(tok[k], "T") != 0 && strcmp(tok[k], "F") != 0)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "selective dynamics", "expected T or F, got '%.40s'",
                       tok[k]);
    return VT_OK;
}

/* One frame of h->n_atoms positions into c (grown as lines arrive). */
static vt_status read_positions(vt_lines *r, const vasp_header *h, int is_cart, int is_selective, vt_cell *c)
{
    size_t group = 0, left = h->count[0];
    for (size_t i = 0; i < h->n_atoms; i++) {
        char *line, *tok[6];
        VT_TRY(vt_lines_next(r, &line));
        if (!line)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line + 1, "positions", "file ends after %zu of %zu atoms", i,
                       h->n_atoms);
        size_t n = vt_split(line, tok, 6);
        if (n < 3) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "positions", "expected 3 numbers, got %zu", n);
        double v[3];
        VT_TRY(vt_parse_vec3(r, "positions", tok, v));
        if (is_selective && n < 6)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "selective dynamics",
                       "expected 3 T/F flags after the position");
        if (is_selective) VT_TRY(check_flags(r, tok + 3));
        VT_TRY(vt_reserve_atom(c, i, h->n_atoms));
        if (is_cart)
            for (int k = 0; k < 3; k++) c->pos[i][k] = v[k] * h->scale[k];
        else
            vt_frac_to_cart(h->lattice, v, c->pos[i]);
        VT_TRY(vt_check_finite(r, "positions", c->pos[i]));
        if (left == 0) left = h->count[++group];
        c->Z[i] = h->Z[group];
        left--;
    }
    return VT_OK;
}

/* The optional CONTCAR velocity block (Cartesian, A/fs) after a separator line. */
static vt_status read_velocities(vt_lines *r, vt_cell *c)
{
    char *line;
    VT_TRY(vt_lines_next(r, &line));
    if (!line) return VT_OK;
    const char *s = skip_blanks(line);
    if (*s == 'D' || *s == 'd')
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "velocities",
                   "Direct velocities (lattice units per step) are not supported; use Cartesian A/fs");
    if (*s && !strchr("CcKk", *s))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "positions",
                   "more lines than the %zu atoms of the counts line (velocities follow a blank line)",
                   c->n_atoms);
    VT_TRY(vt_lines_next(r, &line));
    if (!line || vt_is_blank(line)) return VT_OK; /* separator without velocities */
    vt_lines_unread(r);
    VT_TRY(vt_cell_add_arrays(c, VT_CELL_VEL));
    for (size_t i = 0; i < c->n_atoms; i++) {
        char *tok[3];
        VT_TRY(vt_lines_next(r, &line));
        if (!line)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line + 1, "velocities", "file ends after %zu of %zu atoms", i,
                       c->n_atoms);
        size_t n = vt_split(line, tok, 3);
        if (n != 3) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "velocities", "expected 3 numbers, got %zu", n);
        VT_TRY(vt_parse_vec3(r, "velocities", tok, c->vel[i]));
    }
    return VT_OK;
}

/* "[Selective dynamics]" then "Direct" or "Cartesian". */
static vt_status read_mode(vt_lines *r, int *is_cart, int *is_selective)
{
    char *line;
    VT_TRY(vt_lines_need(r, "mode", &line));
    const char *s = skip_blanks(line);
    *is_selective = *s == 'S' || *s == 's';
    if (*is_selective) {
        VT_TRY(vt_lines_need(r, "mode", &line));
        s = skip_blanks(line);
    }
    *is_cart = *s && strchr("CcKk", *s);
    if (!*is_cart && *s != 'D' && *s != 'd')
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "mode", "expected Direct or Cartesian, got '%.40s'", s);
    return VT_OK;
}

vt_status vt_poscar_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    (void)o;
    vasp_header h = {0};
    vt_cell *c = NULL;
    int is_cart = 0, is_selective = 0;
    vt_status s = read_header(r, &h);
    if (s == VT_OK) s = read_mode(r, &is_cart, &is_selective);
    if (s == VT_OK) s = vt_cell_new(0, h.lattice, 0, &c);
    if (s == VT_OK) s = read_positions(r, &h, is_cart, is_selective, c);
    if (s == VT_OK) s = read_velocities(r, c);
    if (s == VT_OK && (s = vt_traj_append(t, c)) == VT_OK) c = NULL;
    vt_cell_free(c);
    header_clear(&h);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** XDATCAR
*/
static int is_config_line(const char *line)
{
    const char *s = skip_blanks(line);
    return strncasecmp(s, "direct", 6) == 0 || strncasecmp(s, "cartesian", 9) == 0;
}

static int same_atoms(const vasp_header *a, const vasp_header *b)
{
    return a->n_groups == b->n_groups && memcmp(a->Z, b->Z, a->n_groups * sizeof *a->Z) == 0 &&
           memcmp(a->count, b->count, a->n_groups * sizeof *a->count) == 0;
}

static vt_status read_frame(vt_lines *r, const vasp_header *h, vt_traj *t)
{
    char *line;
    VT_TRY(vt_lines_need(r, "configuration", &line));
    if (!is_config_line(line))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "configuration",
                   "expected 'Direct configuration=', got '%.40s'", line);
    int is_cart = toupper((unsigned char)*skip_blanks(line)) == 'C';
    vt_cell *c = NULL;
    vt_status s = vt_cell_new(0, h->lattice, 0, &c);
    if (s == VT_OK) s = read_positions(r, h, is_cart, 0, c);
    if (s == VT_OK && (s = vt_traj_append(t, c)) == VT_OK) c = NULL;
    vt_cell_free(c);
    return s;
}

/* After a frame: *is_done at the end of the file (trailing blank lines allowed); a configuration
 * line keeps the lattice; anything else starts a variable-cell header, read into next. */
static vt_status next_block(vt_lines *r, const vasp_header *first, vasp_header *next, const vasp_header **cur,
                            int *is_done)
{
    char *line;
    size_t comment_line;
    VT_TRY(vt_lines_next(r, &line));
    *is_done = !line;
    if (!line) return VT_OK;
    if (is_config_line(line)) {
        vt_lines_unread(r);
        return VT_OK;
    }
    comment_line = r->line;
    if (vt_is_blank(line)) {
        VT_TRY(vt_lines_next(r, &line));
        *is_done = !line;
        if (!line) return VT_OK;
        vt_lines_unread(r);
    }
    header_clear(next);
    VT_TRY(read_header_body(r, next));
    if (!same_atoms(first, next))
        VT_FAIL_AT(VT_EPARSE, r->path, comment_line, "header",
                   "species or counts differ from the first header");
    *cur = next;
    return VT_OK;
}

vt_status vt_xdatcar_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    (void)o;
    vasp_header first = {0}, next = {0};
    const vasp_header *cur = &first;
    int is_done = 0;
    vt_status s = read_header(r, &first);
    while (s == VT_OK && !is_done) {
        s = read_frame(r, cur, t);
        if (s == VT_OK) s = next_block(r, &first, &next, &cur, &is_done);
    }
    header_clear(&first);
    header_clear(&next);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Writers
*/
static void write_header(vt_text *out, const vt_cell *c)
{
    char formula[256];
    if (vt_cell_formula(c, formula, sizeof formula) != VT_OK) strcpy(formula, "structure");
    vt_text_printf(out, "%s (vitrum %s)\n1.0\n", formula, vt_version());
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3; k++) vt_text_num(out, c->lattice[i][k]);
        vt_text_printf(out, "\n");
    }
    for (size_t i = 0; i < c->n_atoms; i++)
        if (i == 0 || c->Z[i] != c->Z[i - 1]) vt_text_printf(out, " %s", vt_element_by_Z(c->Z[i])->symbol);
    vt_text_printf(out, "\n");
    size_t run = 0;
    for (size_t i = 0; i < c->n_atoms; i++)
        if (++run, i + 1 == c->n_atoms || c->Z[i + 1] != c->Z[i]) {
            vt_text_printf(out, " %zu", run);
            run = 0;
        }
    vt_text_printf(out, "\n");
}

static void write_rows(vt_text *out, const double (*v)[3], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++) vt_text_num(out, v[i][k]);
        vt_text_printf(out, "\n");
    }
}

/* VT_EINVAL unless every atom has a known element and there is at least one atom. */
static vt_status check_writable(const vt_cell *c)
{
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "VASP files need at least one atom");
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!vt_element_by_Z(c->Z[i])) VT_FAIL(VT_EINVAL, "atom %zu has Z = %d, no element", i + 1, c->Z[i]);
    return VT_OK;
}

vt_status vt_poscar_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    (void)n_frames;
    const vt_cell *c = frames[0];
    VT_TRY(check_writable(c));
    write_header(out, c);
    vt_text_printf(out, "Cartesian\n");
    write_rows(out, (const double (*)[3])c->pos, c->n_atoms);
    if (c->vel) {
        vt_text_printf(out, "\n");
        write_rows(out, (const double (*)[3])c->vel, c->n_atoms);
    }
    return VT_OK;
}

static int same_lattice(const vt_cell *a, const vt_cell *b)
{
    return memcmp(a->lattice, b->lattice, sizeof a->lattice) == 0;
}

vt_status vt_xdatcar_write_frac(vt_text *out, const vt_cell *c)
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    for (size_t i = 0; i < c->n_atoms; i++) {
        double f[3];
        vt_cart_to_frac(inv, c->pos[i], f);
        for (int k = 0; k < 3; k++) vt_text_num(out, f[k]);
        vt_text_printf(out, "\n");
    }
    return VT_OK;
}

vt_status vt_xdatcar_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    int is_constant = 1;
    for (size_t k = 1; k < n_frames; k++) is_constant &= same_lattice(frames[0], frames[k]);
    VT_TRY(check_writable(frames[0]));
    for (size_t k = 0; k < n_frames; k++) {
        if (k == 0 || !is_constant) write_header(out, frames[k]);
        vt_text_printf(out, "Direct configuration= %zu\n", k + 1);
        VT_TRY(vt_xdatcar_write_frac(out, frames[k]));
    }
    return VT_OK;
}
