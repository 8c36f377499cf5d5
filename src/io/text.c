/* text.c - line reader, strict number parsing and the output buffer of the structure formats.
**   Numbers: strtod in the C locale (vitrum never calls setlocale); NaN, inf, overflow and trailing
**   text are errors. Output: each double with the fewest of 15, 16 or 17 significant digits that
**   strtod maps back to the same value, so a write/read round trip is exact. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "atomic.h"
#include "core/cell.h"
#include "core/error.h"
#include "text.h"

void vt_lines_init(vt_lines *r, FILE *f, const char *path)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->path = path;
}

void vt_lines_clear(vt_lines *r)
{
    free(r->buf); /* allocated by getline */
    r->buf = NULL;
    r->cap = 0;
}

vt_status vt_lines_next(vt_lines *r, char **line)
{
    *line = NULL;
    if (r->is_pushed_back) {
        r->is_pushed_back = 0;
        r->line++;
        *line = r->buf;
        return VT_OK;
    }
    errno = 0;
    ssize_t len = getline(&r->buf, &r->cap, r->f);
    if (len < 0) {
        if (ferror(r->f)) VT_FAIL(VT_EIO, "%s: read error: %s", r->path, strerror(errno));
        return VT_OK;
    }
    r->line++;
    if (memchr(r->buf, '\0', (size_t)len))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, NULL, "binary data (NUL byte): not a text file");
    while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r')) r->buf[--len] = '\0';
    *line = r->buf;
    return VT_OK;
}

vt_status vt_lines_need(vt_lines *r, const char *field, char **line)
{
    VT_TRY(vt_lines_next(r, line));
    if (!*line) VT_FAIL_AT(VT_EPARSE, r->path, r->line + 1, field, "unexpected end of file");
    return VT_OK;
}

void vt_lines_unread(vt_lines *r)
{
    r->is_pushed_back = 1;
    r->line--;
}

vt_status vt_lines_slurp(vt_lines *r, size_t max_bytes, char **text, size_t *n)
{
    size_t len = 0, cap = 1 << 16;
    char *p = vt_malloc(cap);
    if (!p) VT_FAIL(VT_ENOMEM, "%s: out of memory", r->path);
    size_t got;
    while ((got = fread(p + len, 1, cap - len - 1, r->f)) > 0) {
        len += got;
        if (len > max_bytes) break;
        if (len + 1 < cap) continue;
        char *q = vt_realloc(p, cap *= 2);
        if (!q) {
            vt_free(p);
            VT_FAIL(VT_ENOMEM, "%s: out of memory", r->path);
        }
        p = q;
    }
    vt_status s = VT_OK;
    if (ferror(r->f))
        s = vt_err_set_(VT_EIO, "%s: read error: %s", r->path, strerror(errno));
    else if (len > max_bytes)
        s = vt_err_at_(VT_EPARSE, r->path, 0, NULL, "larger than %zu bytes", max_bytes);
    if (s != VT_OK) {
        vt_free(p);
        return s;
    }
    p[len] = '\0';
    *text = p;
    *n = len;
    return VT_OK;
}

static int is_blank_char(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

size_t vt_split(char *s, char **tok, size_t max)
{
    size_t n = 0;
    for (char *t; (t = vt_next_token(&s)); n++)
        if (n < max) tok[n] = t;
    return n;
}

char *vt_next_token(char **cursor)
{
    char *s = *cursor;
    while (is_blank_char(*s)) s++;
    if (!*s) return NULL;
    char *tok = s;
    while (*s && !is_blank_char(*s)) s++;
    if (*s) *s++ = '\0';
    *cursor = s;
    return tok;
}

size_t vt_count_tokens(const char *s)
{
    size_t n = 0;
    for (;;) {
        while (is_blank_char(*s)) s++;
        if (!*s) return n;
        n++;
        while (*s && !is_blank_char(*s)) s++;
    }
}

int vt_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int vt_is_blank(const char *s)
{
    while (is_blank_char(*s)) s++;
    return *s == '\0';
}

vt_status vt_parse_double(const vt_lines *r, const char *field, const char *tok, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(tok, &end);
    if (end == tok || *end != '\0')
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "expected a number, got '%.40s'", tok);
    if (!isfinite(*v) || (errno == ERANGE && fabs(*v) > 1.0))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "number out of range or not finite: '%.40s'", tok);
    return VT_OK;
}

vt_status vt_parse_long(const vt_lines *r, const char *field, const char *tok, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(tok, &end, 10);
    if (end == tok || *end != '\0')
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "expected an integer, got '%.40s'", tok);
    if (errno == ERANGE || *v < lo || *v > hi)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "%.40s is outside %ld..%ld", tok, lo, hi);
    return VT_OK;
}

vt_status vt_parse_vec3(const vt_lines *r, const char *field, char *const *tok, double v[3])
{
    for (int k = 0; k < 3; k++) VT_TRY(vt_parse_double(r, field, tok[k], &v[k]));
    return VT_OK;
}

vt_status vt_parse_count(const vt_lines *r, const char *field, const char *tok, size_t *n)
{
    long v;
    VT_TRY(vt_parse_long(r, field, tok, 1, VT_MAX_ATOMS, &v));
    *n = (size_t)v;
    return VT_OK;
}

vt_status vt_parse_symbol(const vt_lines *r, const char *field, const char *tok, int *Z)
{
    char sym[3] = {0};
    size_t n = strcspn(tok, "_/");
    if (n >= 1 && n <= 2) memcpy(sym, tok, n);
    const vt_element *e = vt_element_by_symbol(sym);
    if (!e) VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "unknown element '%.40s'", tok);
    *Z = e->Z;
    return VT_OK;
}

vt_status vt_check_finite(const vt_lines *r, const char *field, const double v[3])
{
    if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "out of range once scaled or shifted");
    return VT_OK;
}

vt_status vt_check_lattice(const vt_lines *r, const char *field, const double lattice[3][3])
{
    double inv[3][3];
    if (vt_lattice_inverse(lattice, inv) != VT_OK)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, field, "singular or not finite (volume %g A^3)",
                   vt_lattice_volume(lattice));
    return VT_OK;
}

vt_status vt_reserve_atom(vt_cell *c, size_t i, size_t n_declared)
{
    if (i < c->n_atoms) return VT_OK;
    size_t n = c->n_atoms ? 2 * c->n_atoms : 1024;
    return vt_cell_resize(c, n < n_declared ? n : n_declared);
}

/* ---- writing ---- */
static int reserve(vt_text *t, size_t extra)
{
    if (t->is_oom) return 0;
    if (t->len + extra < t->cap) return 1;
    size_t cap = t->cap ? t->cap : 1 << 16;
    while (cap <= t->len + extra) cap *= 2;
    char *p = vt_realloc(t->p, cap);
    if (!p) {
        t->is_oom = 1;
        return 0;
    }
    t->p = p;
    t->cap = cap;
    return 1;
}

void vt_text_printf(vt_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(t, (size_t)n + 1)) return;
    va_start(ap, fmt);
    vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void vt_text_put(vt_text *t, const char *s, size_t n)
{
    if (!reserve(t, n + 1)) return;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0'; /* as after vt_text_printf */
}

void vt_shortest(double v, char buf[32])
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) return;
    }
}

void vt_text_num(vt_text *t, double v)
{
    char buf[32];
    vt_shortest(v, buf);
    vt_text_printf(t, " %s", buf);
}

vt_status vt_text_save(vt_text *t, const char *path)
{
    vt_status s = t->is_oom ? vt_err_set_(VT_ENOMEM, "%s: out of memory building the file", path)
                            : vt_write_file_atomic(path, t->p ? t->p : "", t->len);
    vt_text_clear(t);
    return s;
}

void vt_text_clear(vt_text *t)
{
    vt_free(t->p);
    memset(t, 0, sizeof *t);
}
