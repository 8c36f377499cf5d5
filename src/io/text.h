/* text.h - internal: line-oriented reading with file:line: field: errors, strict number parsing,
** and an in-memory output buffer for the structure writers (written atomically at the end). */
#ifndef VT_IO_TEXT_H
#define VT_IO_TEXT_H
#include <stdio.h>
#include "vitrum.h"

/* ---- reading ---- */
typedef struct vt_lines {
    FILE *f;          /* borrowed */
    const char *path; /* name shown in messages (borrowed) */
    size_t line;      /* 1-based number of the line last returned; 0 before the first */
    char *buf;        /* that line, without its line end (getline's buffer, owned) */
    size_t cap;
    int is_pushed_back; /* vt_lines_unread() was called: the next call returns buf again */
} vt_lines;

void vt_lines_init(vt_lines *r, FILE *f, const char *path);
void vt_lines_clear(vt_lines *r);
/* Next line (CR/LF stripped) or *line = NULL at the end of the file. VT_EPARSE for a NUL byte
 * (binary data), VT_EIO for a read error. The text stays valid until the next call. */
vt_status vt_lines_next(vt_lines *r, char **line);
/* As vt_lines_next(), but the end of the file is VT_EPARSE "field: unexpected end of file". */
vt_status vt_lines_need(vt_lines *r, const char *field, char **line);
/* Give the line last returned back, unmodified: the next call returns it again. */
void vt_lines_unread(vt_lines *r);
/* The file's remaining bytes (up to max_bytes; more is VT_EPARSE) as a NUL-terminated string
 * the caller frees with vt_free(); *n gets the length. */
vt_status vt_lines_slurp(vt_lines *r, size_t max_bytes, char **text, size_t *n);

/* Split s in place at blanks (space, tab, CR, LF, VT, FF); stores at most max tokens and returns
 * how many there are, which may exceed max. */
size_t vt_split(char *s, char **tok, size_t max);
/* Next blank-separated token of *cursor, NUL-terminated in place, or NULL when none is left. */
char *vt_next_token(char **cursor);
/* Number of blank-separated tokens in s. */
size_t vt_count_tokens(const char *s);
/* Whether s holds only blanks. */
int vt_is_blank(const char *s);
/* Whether s ends with suffix, case-insensitively (".XYZ" matches ".xyz"). */
int vt_has_suffix(const char *s, const char *suffix);

/* Parse a whole token as a finite double / an integer in [lo, hi]; errors name line and field. */
vt_status vt_parse_double(const vt_lines *r, const char *field, const char *tok, double *v);
vt_status vt_parse_long(const vt_lines *r, const char *field, const char *tok, long lo, long hi, long *v);
/* Three tokens as a finite vector. */
vt_status vt_parse_vec3(const vt_lines *r, const char *field, char *const *tok, double v[3]);
/* An atom count token in 1..VT_MAX_ATOMS. */
vt_status vt_parse_count(const vt_lines *r, const char *field, const char *tok, size_t *n);
/* Z of an element symbol token; a POTCAR-style suffix after '_' or '/' ("Li_sv") is ignored. */
vt_status vt_parse_symbol(const vt_lines *r, const char *field, const char *tok, int *Z);
/* VT_EPARSE unless a vector computed from parsed numbers (scaled, shifted) is still finite. */
vt_status vt_check_finite(const vt_lines *r, const char *field, const double v[3]);
/* VT_EPARSE unless the lattice (Angstrom) is finite and non-singular. */
vt_status vt_check_lattice(const vt_lines *r, const char *field, const double lattice[3][3]);
/* Grow c (a cell being read atom by atom) so that atom index i exists: capacity doubles up to the
 * n_declared atoms the file announced, so a false count cannot allocate beyond the data read. */
vt_status vt_reserve_atom(vt_cell *c, size_t i, size_t n_declared);

/* ---- writing ---- */
typedef struct vt_text {
    char *p;
    size_t len, cap;
    int is_oom; /* an append failed: later appends do nothing, vt_text_save reports it */
} vt_text;

void vt_text_printf(vt_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n raw bytes of s. */
void vt_text_put(vt_text *t, const char *s, size_t n);
/* v with the fewest significant digits (15 to 17) that read back to the same double. */
void vt_shortest(double v, char buf[32]);
/* " <v>", formatted by vt_shortest(). */
void vt_text_num(vt_text *t, double v);
/* Write the text to path atomically, then free it (also on failure). */
vt_status vt_text_save(vt_text *t, const char *path);
void vt_text_clear(vt_text *t);
#endif
