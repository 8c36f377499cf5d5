/*
** extxyz.c - extended XYZ as ASE writes it, any number of frames.
**   frame := count line | comment line of key=value pairs | count atom lines
**   Lattice="ax ay az bx by bz cx cy cz" (rows a, b, c, Angstrom; required: cells are periodic)
**   pbc="T T T" (optional; anything but three true values is refused)
**   Properties=name:type:ncols:... (type S, R, I or L; default species:S:1:pos:R:3). vitrum reads
**   species (S:1) or Z (I:1), pos (R:3, Angstrom), vel (R:3, Angstrom/fs) and image (I:3, image
**   counts); other columns (forces, ...) and other keys (energy, ...) are skipped, as vitrum has no
**   place for them. Values may be "quoted" (backslash escapes), {braced} or bare; a key without
**   "=" (an ASE flag) has an empty value.
**   Writer: species, pos, then vel and image when the cell has them, pbc="T T T"; numbers exact.
**   One frame at a time through vt_extxyz_write_frame() (also used by io/trajout.c, which adds
**   step= and time_fs= keys).
**   ASE itself writes positions with 8 decimals, so its files carry 1e-8 A.
*/
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "structure.h"

#define MAX_PAIRS 256 /* key=value pairs per comment line */
#define MAX_COLS 256  /* columns per atom line */

typedef struct kv {
    char *key, *value;
} kv;

/* Columns of the atom lines; first column of each property, -1 when absent. */
typedef struct layout {
    size_t n_cols;
    int species, Z, pos, vel, image;
} layout;

/* ---------------------------------------------------------------------------------------------
** Comment line
*/
/* One key or value at *s, unquoted and NUL-terminated in place; *s moves past it and past the
 * character that ended it, returned in *end ('\0' at the end of the line). */
static vt_status read_word(const vt_lines *r, char **s, int stop_at_eq, char **word, char *end)
{
    char *p = *s, *w = p;
    char close = *p == '"' ? '"' : *p == '{' ? '}' : '\0';
    *word = p;
    if (close) {
        for (p++; *p && *p != close; p++) {
            if (*p == '\\' && p[1]) p++;
            *w++ = *p;
        }
        if (*p != close)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "comment", "unterminated %s",
                       close == '"' ? "quote" : "brace");
        p++;
        if (*p && *p != ' ' && *p != '\t' && *p != '=')
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "comment", "text right after a closing %c", close);
    } else {
        while (*p && *p != ' ' && *p != '\t' && !(stop_at_eq && *p == '=')) p++;
        w = p;
    }
    *end = *p;
    if (*p) p++;
    *w = '\0';
    *s = p;
    return VT_OK;
}

static char *skip(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

static vt_status parse_pairs(const vt_lines *r, char *s, kv *pairs, size_t *n)
{
    *n = 0;
    for (s = skip(s); *s; s = skip(s)) {
        if (*n == MAX_PAIRS)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "comment", "more than %d key=value pairs", MAX_PAIRS);
        kv *p = &pairs[(*n)++];
        char end = 0;
        VT_TRY(read_word(r, &s, 1, &p->key, &end));
        if (!p->key[0]) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "comment", "empty key");
        if (end == ' ' || end == '\t') {
            s = skip(s);
            if (*s == '=') end = *s++;
        }
        if (end != '=') {
            p->value = p->key + strlen(p->key); /* a bare key: empty value, in the writable line */
            continue;
        }
        s = skip(s);
        VT_TRY(read_word(r, &s, 0, &p->value, &end));
    }
    return VT_OK;
}

static char *find(const kv *pairs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(pairs[i].key, key) == 0) return pairs[i].value;
    return NULL;
}

static vt_status parse_lattice(const vt_lines *r, char *value, double lattice[3][3])
{
    char *tok[9];
    if (!value) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Lattice", "missing (vitrum needs a periodic cell)");
    size_t n = vt_split(value, tok, 9);
    if (n != 9) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Lattice", "expected 9 numbers, got %zu", n);
    for (int i = 0; i < 3; i++) VT_TRY(vt_parse_vec3(r, "Lattice", tok + 3 * i, lattice[i]));
    return vt_check_lattice(r, "Lattice", lattice);
}

static int is_true(const char *s)
{
    return strcasecmp(s, "T") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0;
}

static vt_status check_pbc(const vt_lines *r, char *value)
{
    char *tok[3];
    if (!value) return VT_OK;
    size_t n = vt_split(value, tok, 3);
    if (n != 3 || !is_true(tok[0]) || !is_true(tok[1]) || !is_true(tok[2]))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "pbc",
                   "vitrum cells are periodic along a, b and c: expected \"T T T\"");
    return VT_OK;
}

/* The column of a property vitrum reads, checked for its type and width; NULL when not one. */
static int *known_column(layout *lay, const char *name, char type, long ncols, int *is_bad)
{
    static const struct {
        const char *name;
        char type;
        long ncols;
        size_t offset;
    } known[] = {
        {"species", 'S', 1, offsetof(layout, species)},
        {"Z", 'I', 1, offsetof(layout, Z)},
        {"pos", 'R', 3, offsetof(layout, pos)},
        {"vel", 'R', 3, offsetof(layout, vel)},
        {"image", 'I', 3, offsetof(layout, image)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0) {
            *is_bad = type != known[i].type || ncols != known[i].ncols;
            return (int *)((char *)lay + known[i].offset);
        }
    return NULL;
}

static vt_status parse_properties(const vt_lines *r, const char *value, layout *lay)
{
    char spec[1024], *save = NULL;
    if (!value) value = "species:S:1:pos:R:3";
    if (strlen(value) >= sizeof spec)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties", "longer than %zu characters", sizeof spec - 1);
    strcpy(spec, value);
    *lay = (layout){0, -1, -1, -1, -1, -1};
    for (char *name = strtok_r(spec, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
        char *type = strtok_r(NULL, ":", &save), *width = strtok_r(NULL, ":", &save);
        long ncols;
        if (!type || !width || strlen(type) != 1 || !strchr("SRIL", type[0]))
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties",
                       "expected name:type:columns with type S, R, I or L at '%.40s'", name);
        VT_TRY(vt_parse_long(r, "Properties", width, 1, MAX_COLS, &ncols));
        int is_bad = 0, *col = known_column(lay, name, type[0], ncols, &is_bad);
        if (is_bad)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties", "'%s' has type %s:%ld", name, type, ncols);
        if (col) *col = (int)lay->n_cols;
        lay->n_cols += (size_t)ncols;
        if (lay->n_cols > MAX_COLS)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties", "more than %d columns", MAX_COLS);
    }
    if (lay->pos < 0) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties", "no pos:R:3 column");
    if (lay->species < 0 && lay->Z < 0)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Properties", "no species:S:1 or Z:I:1 column");
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Frames
*/
static vt_status parse_atom(const vt_lines *r, const layout *lay, char *line, vt_cell *c, size_t i)
{
    char *tok[MAX_COLS];
    size_t n = vt_split(line, tok, MAX_COLS);
    if (n != lay->n_cols)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "atoms", "%zu columns, Properties say %zu", n, lay->n_cols);
    if (lay->species >= 0)
        VT_TRY(vt_parse_symbol(r, "species", tok[lay->species], &c->Z[i]));
    else {
        long Z;
        VT_TRY(vt_parse_long(r, "Z", tok[lay->Z], 1, VT_MAX_Z, &Z));
        c->Z[i] = (int)Z;
    }
    VT_TRY(vt_parse_vec3(r, "pos", tok + lay->pos, c->pos[i]));
    if (lay->vel >= 0) VT_TRY(vt_parse_vec3(r, "vel", tok + lay->vel, c->vel[i]));
    for (int k = 0; lay->image >= 0 && k < 3; k++) {
        long v;
        VT_TRY(vt_parse_long(r, "image", tok[lay->image + k], -1000000000L, 1000000000L, &v));
        c->image[i][k] = (int)v;
    }
    return VT_OK;
}

static vt_status read_atoms(vt_lines *r, const layout *lay, size_t n, vt_cell *c)
{
    for (size_t i = 0; i < n; i++) {
        char *line;
        VT_TRY(vt_lines_next(r, &line));
        if (!line)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line + 1, "atoms", "file ends after %zu of %zu atoms", i, n);
        VT_TRY(vt_reserve_atom(c, i, n));
        VT_TRY(parse_atom(r, lay, line, c, i));
    }
    return VT_OK;
}

/* Comment line into a new cell (no atoms yet) and the column layout. */
static vt_status read_comment(vt_lines *r, layout *lay, vt_cell **c)
{
    char *line;
    kv pairs[MAX_PAIRS];
    size_t n;
    double lattice[3][3];
    VT_TRY(vt_lines_need(r, "comment", &line));
    VT_TRY(parse_pairs(r, line, pairs, &n));
    VT_TRY(parse_lattice(r, find(pairs, n, "Lattice"), lattice));
    VT_TRY(check_pbc(r, find(pairs, n, "pbc")));
    VT_TRY(parse_properties(r, find(pairs, n, "Properties"), lay));
    unsigned flags = (lay->vel >= 0 ? VT_CELL_VEL : 0u) | (lay->image >= 0 ? VT_CELL_IMAGE : 0u);
    return vt_cell_new(0, lattice, flags, c);
}

/* One frame after its count line; frames after the first must hold the same atoms. */
static vt_status read_frame(vt_lines *r, size_t n, size_t count_line, vt_traj *t)
{
    layout lay;
    vt_cell *c = NULL;
    vt_status s = read_comment(r, &lay, &c);
    if (s == VT_OK) s = read_atoms(r, &lay, n, c);
    if (s == VT_OK && t->n_frames > 0 &&
        (c->n_atoms != t->frames[0]->n_atoms || memcmp(c->Z, t->frames[0]->Z, n * sizeof *c->Z) != 0))
        s = vt_err_at_(VT_EPARSE, r->path, count_line, "atoms", "frame %zu has other atoms than frame 1",
                       t->n_frames + 1);
    if (s == VT_OK && (s = vt_traj_append(t, c)) == VT_OK) c = NULL;
    vt_cell_free(c);
    return s;
}

vt_status vt_extxyz_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    (void)o;
    for (;;) {
        char *line, *tok[2];
        size_t n;
        VT_TRY(vt_lines_next(r, &line));
        while (line && vt_is_blank(line)) VT_TRY(vt_lines_next(r, &line)); /* blank lines between frames */
        if (!line) break;
        if (vt_split(line, tok, 2) != 1)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "count",
                       "expected the number of atoms alone on the line");
        VT_TRY(vt_parse_count(r, "count", tok[0], &n));
        VT_TRY(read_frame(r, n, r->line, t));
    }
    if (t->n_frames == 0) VT_FAIL_AT(VT_EPARSE, r->path, 0, NULL, "no frames (empty file)");
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Writer
*/
vt_status vt_extxyz_write_frame(vt_text *out, const vt_cell *c, size_t frame_no, const char *extra_keys)
{
    char num[32];
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!vt_element_by_Z(c->Z[i]))
            VT_FAIL(VT_EINVAL, "frame %zu: atom %zu has Z = %d, no element", frame_no, i + 1, c->Z[i]);
    vt_text_printf(out, "%zu\nLattice=\"", c->n_atoms);
    for (int i = 0; i < 9; i++) {
        vt_shortest(c->lattice[i / 3][i % 3], num);
        vt_text_printf(out, "%s%s", i ? " " : "", num);
    }
    vt_text_printf(out, "\" Properties=species:S:1:pos:R:3%s%s %s%spbc=\"T T T\"\n", c->vel ? ":vel:R:3" : "",
                   c->image ? ":image:I:3" : "", extra_keys ? extra_keys : "", extra_keys ? " " : "");
    for (size_t i = 0; i < c->n_atoms; i++) {
        vt_text_printf(out, "%s", vt_element_by_Z(c->Z[i])->symbol);
        for (int k = 0; k < 3; k++) vt_text_num(out, c->pos[i][k]);
        for (int k = 0; c->vel && k < 3; k++) vt_text_num(out, c->vel[i][k]);
        for (int k = 0; c->image && k < 3; k++) vt_text_printf(out, " %d", c->image[i][k]);
        vt_text_printf(out, "\n");
    }
    return VT_OK;
}

vt_status vt_extxyz_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    for (size_t k = 0; k < n_frames; k++) VT_TRY(vt_extxyz_write_frame(out, frames[k], k + 1, NULL));
    return VT_OK;
}
