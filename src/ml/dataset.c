/* dataset.c - the learning table: the paper's feature_target.dat (space separated, a quoted
** "Unnamed: 0" id column) or plain CSV (comma separated, the same column names).
**   columns: [id] formula [diff_coeff_mul_thousand] temperature <feature>...
**   diff_coeff_mul_thousand: D_Li in cm^2/s x 1000 (> 0); temperature in K (> 0);
**   features: any of the paper's 42 (Table 1), each at most once.
** Every rejection names file, line and column: unknown or duplicate columns, ragged rows, text
** where a number belongs, NaN/inf, non-positive targets or temperatures, binary data. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dataset.h"

#define TARGET_COL "diff_coeff_mul_thousand"
#define MAX_FIELDS 256

static const char *const structural_names[21] = {
    "AAV", "LBI", "SDLI", "SBI", "ENS", "RBI", "AFC", "AASD", "VPA", "LASD", "LLSD",
    "LNC", "SDLC", "LLB", "SNC", "RNC", "PF", "SPF", "SLPW", "SLPW_pp", "SLPE",
};

int vt_feature_known(const char *name)
{
    for (int i = 0; i < 21; i++)
        if (strcmp(name, structural_names[i]) == 0) return 1;
    const char *const *comp = vt_compfeat_names();
    for (int i = 0; i < VT_N_COMPFEAT; i++)
        if (strcmp(name, comp[i]) == 0) return 1;
    return 0;
}

int vt_dataset_col(const vt_dataset *d, const char *name)
{
    for (size_t i = 0; i < d->n_cols; i++)
        if (strcmp(d->col_names[i], name) == 0) return (int)i;
    return -1;
}

void vt_dataset_free(vt_dataset *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n_cols; i++) vt_free(d->col_names[i]);
    if (d->formula)
        for (size_t i = 0; i < d->n_rows; i++) vt_free(d->formula[i]);
    vt_free(d->col_names);
    vt_free(d->X);
    vt_free(d->formula);
    vt_free(d->y);
    vt_free(d);
}

/* ---- tokenizer: one line into fields, double quotes allowed, in place ---- */
typedef struct line_ctx {
    const char *path;
    size_t line;
    char sep;                 /* ',' for CSV, ' ' for runs of blanks */
} line_ctx;

static vt_status split_fields(const line_ctx *lc, char *s, char **fields, size_t *n_fields)
{
    size_t n = 0;
    for (;;) {
        if (lc->sep == ' ')
            while (*s == ' ' || *s == '\t') s++;
        if (*s == '\0' && (lc->sep == ' ' || n == 0)) break;
        if (n == MAX_FIELDS) VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, NULL, "more than %d fields", MAX_FIELDS);
        char *start = s, *w = s;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') *w++ = *s++;
            if (*s != '"') VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, NULL, "unterminated quote");
            s++;
        } else {
            while (*s && *s != lc->sep && !(lc->sep == ' ' && *s == '\t')) *w++ = *s++;
        }
        fields[n++] = start;
        char end = *s;
        *w = '\0';
        if (end == '\0') break;
        if (end != lc->sep && !(lc->sep == ' ' && end == '\t'))
            VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, NULL, "text after a closing quote");
        s++;
        if (lc->sep == ',' && *s == '\0') { /* a trailing comma: one more, empty field */
            if (n == MAX_FIELDS) VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, NULL, "more than %d fields", MAX_FIELDS);
            fields[n++] = s;
            break;
        }
    }
    *n_fields = n;
    return VT_OK;
}

/* ---- header: which field is what ---- */
typedef enum col_kind { COL_ID, COL_FORMULA, COL_TARGET, COL_NUMERIC } col_kind;

typedef struct layout {
    size_t n_fields;
    col_kind kind[MAX_FIELDS];
    int x_index[MAX_FIELDS];  /* column in X for COL_NUMERIC */
    int has_target;
} layout;

static int is_id_name(const char *name)
{
    return strcmp(name, "Unnamed: 0") == 0 || strcmp(name, "id") == 0 || name[0] == '\0';
}

static vt_status add_col(vt_dataset *d, const char *name)
{
    char **names = vt_realloc(d->col_names, (d->n_cols + 1) * sizeof *names);
    if (!names) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    d->col_names = names;
    if (!(names[d->n_cols] = vt_strdup(name))) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    d->n_cols++;
    return VT_OK;
}

static vt_status parse_header(const line_ctx *lc, char **fields, size_t n, vt_dataset *d, layout *lay)
{
    int has_formula = 0, has_temp = 0;
    VT_TRY(add_col(d, "temperature"));
    lay->n_fields = n;
    for (size_t i = 0; i < n; i++) {
        const char *name = fields[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(fields[j], name) == 0)
                VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, name, "duplicate column");
        if (i == 0 && is_id_name(name)) {
            lay->kind[i] = COL_ID;
        } else if (strcmp(name, "formula") == 0) {
            lay->kind[i] = COL_FORMULA;
            has_formula = 1;
        } else if (strcmp(name, TARGET_COL) == 0) {
            lay->kind[i] = COL_TARGET;
            lay->has_target = 1;
        } else if (strcmp(name, "temperature") == 0) {
            lay->kind[i] = COL_NUMERIC;
            lay->x_index[i] = 0;
            has_temp = 1;
        } else if (vt_feature_known(name)) {
            lay->kind[i] = COL_NUMERIC;
            lay->x_index[i] = (int)d->n_cols;
            VT_TRY(add_col(d, name));
        } else {
            VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, name,
                       "unknown column (expected formula, temperature, " TARGET_COL
                       " or one of the paper's 42 feature names)");
        }
    }
    if (!has_formula) VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, "formula", "required column missing");
    if (!has_temp) VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, "temperature", "required column missing");
    return VT_OK;
}

/* ---- rows ---- */
typedef struct rows_buf {
    size_t cap;
    int has_target;
} rows_buf;

static vt_status grow(vt_dataset *d, rows_buf *rb)
{
    if (d->n_rows < rb->cap) return VT_OK;
    size_t cap = rb->cap ? rb->cap * 2 : 256;
    double *X = vt_realloc(d->X, cap * d->n_cols * sizeof *X);
    if (!X) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    d->X = X;
    char **f = vt_realloc(d->formula, cap * sizeof *f);
    if (!f) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    d->formula = f;
    if (rb->has_target) {
        double *y = vt_realloc(d->y, cap * sizeof *y);
        if (!y) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
        d->y = y;
    }
    rb->cap = cap;
    return VT_OK;
}

static vt_status parse_number(const line_ctx *lc, const char *col, const char *text, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    if (end == text || *end != '\0')
        VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, col, "expected a number, got '%.40s'", text);
    if (!isfinite(*v) || errno == ERANGE)
        VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, col, "number out of range or not finite: '%.40s'", text);
    return VT_OK;
}

static vt_status parse_row(const line_ctx *lc, char **fields, size_t n, const layout *lay,
                           vt_dataset *d, rows_buf *rb)
{
    if (n != lay->n_fields)
        VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, NULL, "%zu fields, the header has %zu", n, lay->n_fields);
    VT_TRY(grow(d, rb));
    size_t r = d->n_rows;
    double *x = d->X + r * d->n_cols;
    char *formula = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *col = i == 0 && lay->kind[0] == COL_ID ? "id" : NULL;
        switch (lay->kind[i]) {
        case COL_ID: break;
        case COL_FORMULA: {
            vt_composition c;
            if (vt_composition_parse(fields[i], &c) != VT_OK)
                VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, "formula", "%s", vt_errmsg());
            formula = fields[i];
            break;
        }
        case COL_TARGET: {
            double v;
            VT_TRY(parse_number(lc, TARGET_COL, fields[i], &v));
            if (!(v > 0.0)) VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, TARGET_COL, "target must be > 0, got %g", v);
            d->y[r] = v;
            break;
        }
        case COL_NUMERIC: {
            col = d->col_names[lay->x_index[i]];
            double v;
            VT_TRY(parse_number(lc, col, fields[i], &v));
            if (lay->x_index[i] == 0 && !(v > 0.0))
                VT_FAIL_AT(VT_EPARSE, lc->path, lc->line, "temperature", "must be > 0 K, got %g", v);
            x[lay->x_index[i]] = v;
            break;
        }
        }
    }
    if (!(d->formula[r] = vt_strdup(formula))) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    d->n_rows++;
    return VT_OK;
}

static int blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    return *s == '\0';
}

static vt_status read_lines(FILE *f, const char *path, vt_dataset *d)
{
    char *buf = NULL, *fields[MAX_FIELDS];
    size_t cap = 0, n;
    ssize_t len;
    line_ctx lc = {path, 0, ' '};
    layout lay = {0};
    rows_buf rb = {0, 0};
    vt_status s = VT_OK;
    int have_header = 0;
    while ((len = getline(&buf, &cap, f)) >= 0) {
        lc.line++;
        if (memchr(buf, '\0', (size_t)len)) {
            s = vt_err_at_(VT_EPARSE, path, lc.line, NULL, "binary data (NUL byte): not a text table");
            break;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
        if (blank(buf)) continue;
        if (!have_header) {
            lc.sep = strchr(buf, ',') ? ',' : ' ';
            if ((s = split_fields(&lc, buf, fields, &n)) != VT_OK) break;
            if ((s = parse_header(&lc, fields, n, d, &lay)) != VT_OK) break;
            rb.has_target = lay.has_target;
            have_header = 1;
            continue;
        }
        if ((s = split_fields(&lc, buf, fields, &n)) != VT_OK) break;
        if ((s = parse_row(&lc, fields, n, &lay, d, &rb)) != VT_OK) break;
    }
    if (s == VT_OK && ferror(f)) s = vt_err_set_(VT_EIO, "%s: read error: %s", path, strerror(errno));
    if (s == VT_OK && !have_header) s = vt_err_at_(VT_EPARSE, path, 0, NULL, "empty file: no header line");
    if (s == VT_OK && d->n_rows == 0) s = vt_err_at_(VT_EPARSE, path, 0, NULL, "no data rows");
    free(buf); /* allocated by getline */
    return s;
}

vt_status vt_dataset_read(const char *path, vt_dataset **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_status s = vt_dataset_read_stream(f, path, out);
    fclose(f);
    return s;
}

vt_status vt_dataset_read_stream(FILE *f, const char *path, vt_dataset **out)
{
    *out = NULL;
    vt_dataset *d = vt_calloc(1, sizeof *d);
    vt_status s = d ? read_lines(f, path, d) : vt_err_set_(VT_ENOMEM, "dataset: out of memory");
    if (s != VT_OK) {
        vt_dataset_free(d);
        return s;
    }
    *out = d;
    return VT_OK;
}

vt_status vt_dataset_from_formulas(size_t n_formulas, const char *const *formulas, size_t n_temps,
                                   const double *T_K, vt_dataset **out)
{
    *out = NULL;
    vt_dataset *d = vt_calloc(1, sizeof *d);
    if (!d) VT_FAIL(VT_ENOMEM, "dataset: out of memory");
    size_t n = n_formulas * n_temps;
    vt_status s = add_col(d, "temperature");
    if (s == VT_OK && (!(d->X = vt_calloc(n, sizeof *d->X)) || !(d->formula = vt_calloc(n, sizeof *d->formula))))
        s = vt_err_set_(VT_ENOMEM, "dataset: out of memory");
    for (size_t i = 0; s == VT_OK && i < n_formulas; i++) {
        vt_composition c;
        if ((s = vt_composition_parse(formulas[i], &c)) != VT_OK) break;
        for (size_t t = 0; s == VT_OK && t < n_temps; t++) {
            if (!(T_K[t] > 0.0) || !isfinite(T_K[t])) {
                s = vt_err_set_(VT_ERANGE, "temperature must be > 0 K, got %g", T_K[t]);
                break;
            }
            d->X[d->n_rows] = T_K[t];
            if (!(d->formula[d->n_rows] = vt_strdup(formulas[i]))) s = vt_err_set_(VT_ENOMEM, "dataset: out of memory");
            else d->n_rows++;
        }
    }
    if (s != VT_OK) {
        vt_dataset_free(d);
        return s;
    }
    *out = d;
    return VT_OK;
}
