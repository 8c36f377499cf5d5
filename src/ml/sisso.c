/* sisso.c - SISSO for D_Li(T) (issue 4): feature space, SIS, L0, models. Overview in sisso.h.
** Feature space. A feature is a node {op, a, b} whose children are earlier features; rung 0 are the
**   primaries. Rungs 1..R-1 are built and stored (trees always; values while they fit in
**   memory_gib, beyond it evaluated on demand from the trees); the last rung R, by far the largest,
**   is never stored: SIS enumerates it on the fly in every dimension and keeps only the best
**   sis_size. Rung r is built from pairs (a, b), b < a, where a has rung r-1: every expression
**   once. 43 primaries, R = 2: about 5e3 stored features, 7.3e7 screened per dimension (18 s of
**   one core), 30 MB resident.
** Rows and groups. Every primary but inv_kBT is a property of the formula, so most features take
**   one value per formula: such a feature is kept at one value per group (rows of equal formula)
**   and scored with group weights, 3.8x less work on the paper's table (637 rows, 166 formulas);
**   a feature involving a row-varying primary is kept per row.
** Scoring. For target (or residual) r centred, |corr(f, r)| = |sum (f - K) r| / (sqrt(SS_f) |r|)
**   with SS_f = sum (f - K)^2 - (sum (f - K))^2 / n, K = f_0 (a shift against cancellation), in
**   one vectorised pass per operation; the value-range limits need max |f| and are checked only
**   for the features whose score would enter a list (the score does not depend on them).
** Duplicates: two features are the same for a linear model when |corr| > 1 - 5e-11 (then their
**   Gram block is singular at L0's eps = 1e-10). Equal scores (1e-9 relative) flag candidates, the
**   correlation decides; the feature built first (lower rung, earlier pair) is kept. |a - b| is
**   not built when the ranges of a and b do not overlap (it is then +-(a - b)).
** Determinism: threads split the enumeration round-robin (a fixed share each, not first come first
**   served), and merge their lists in thread order, so a result never depends on timing. Every
**   ranked list is ordered by (score, build order), and a candidate that ties the last entry of a
**   full list goes through the duplicate check whatever came first, so results do not depend on
**   the number of threads either.
** Tests: tests/ml/test_sisso.c; bench/sisso_cv.sh (acceptance: beats L0 in GroupKFold). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/rng.h"
#include "inputs.h"
#include "sisso.h"

#define INV_KBT "inv_kBT"
#define DUP_CORR (1.0 - 5e-11)  /* |corr| above which two features are one (see the header) */
#define TIE_REL 1e-9            /* scores this close (relative) are checked for duplicates */

/* ---------------------------------------------------------------------------------------------
** Operators
*/
static const struct op_info {
    const char *name;      /* in settings files and JSON */
    int arity;
} op_table[VT_OP_COUNT] = {
    [VT_OP_VAR] = {"var", 0},    [VT_OP_ADD] = {"+", 2},     [VT_OP_SUB] = {"-", 2},
    [VT_OP_MUL] = {"*", 2},      [VT_OP_DIV] = {"/", 2},     [VT_OP_ABSDIFF] = {"|-|", 2},
    [VT_OP_EXP] = {"exp", 1},    [VT_OP_EXPNEG] = {"exp-", 1}, [VT_OP_INV] = {"^-1", 1},
    [VT_OP_SQ] = {"^2", 1},      [VT_OP_CUBE] = {"^3", 1},   [VT_OP_SIXTH] = {"^6", 1},
    [VT_OP_SQRT] = {"sqrt", 1},  [VT_OP_CBRT] = {"cbrt", 1}, [VT_OP_LOG] = {"log", 1},
    [VT_OP_ABS] = {"abs", 1},
};

const char *vt_sisso_op_name(int op) { return op >= 0 && op < VT_OP_COUNT ? op_table[op].name : NULL; }

static int op_by_name(const char *name, size_t len)
{
    for (int op = 1; op < VT_OP_COUNT; op++)
        if (strlen(op_table[op].name) == len && strncmp(op_table[op].name, name, len) == 0) return op;
    return -1;
}

static inline double apply1(int op, double x)
{
    switch (op) {
    case VT_OP_EXP: return exp(x);
    case VT_OP_EXPNEG: return exp(-x);
    case VT_OP_INV: return 1.0 / x;
    case VT_OP_SQ: return x * x;
    case VT_OP_CUBE: return x * x * x;
    case VT_OP_SIXTH: { double c = x * x * x; return c * c; }
    case VT_OP_SQRT: return sqrt(x);
    case VT_OP_CBRT: return cbrt(x);
    case VT_OP_LOG: return log(x);
    case VT_OP_ABS: return fabs(x);
    default: return NAN;
    }
}

static inline double apply2(int op, double x, double y)
{
    switch (op) {
    case VT_OP_ADD: return x + y;
    case VT_OP_SUB: return x - y;
    case VT_OP_MUL: return x * y;
    case VT_OP_DIV: return x / y;
    case VT_OP_ABSDIFF: return fabs(x - y);
    default: return NAN;
    }
}

/* out[i] = op(x[i], y[i]) (y unused for unary operators); the switch is outside the loops, which
 * is where the enumeration of the last rung spends its time. Out-of-domain values (log of a
 * negative, 1/0) become NaN or inf and are dropped by the range check. */
static void eval_op(int op, const double *x, const double *y, size_t n, double *out)
{
    switch (op) {
    case VT_OP_ADD: for (size_t i = 0; i < n; i++) out[i] = x[i] + y[i]; break;
    case VT_OP_SUB: for (size_t i = 0; i < n; i++) out[i] = x[i] - y[i]; break;
    case VT_OP_MUL: for (size_t i = 0; i < n; i++) out[i] = x[i] * y[i]; break;
    case VT_OP_DIV: for (size_t i = 0; i < n; i++) out[i] = x[i] / y[i]; break;
    case VT_OP_ABSDIFF: for (size_t i = 0; i < n; i++) out[i] = fabs(x[i] - y[i]); break;
    default: for (size_t i = 0; i < n; i++) out[i] = apply1(op, x[i]); break;
    }
}

/* ---------------------------------------------------------------------------------------------
** Settings
*/
vt_sisso_settings vt_sisso_settings_default(void)
{
    vt_sisso_settings s;
    memset(&s, 0, sizeof s);
    s.target = VT_TARGET_LND;
    s.rung = 2;
    s.ops = VT_SISSO_OPS_DEFAULT;
    s.max_dim = 4;
    s.sis_size = 100;
    s.top_n = 10;
    s.metric = VT_L0_RMSE;
    s.threads = 0;
    s.memory_gib = 4.0;
    s.fmax_max = 1e5;
    s.fmax_min = 1e-3;
    s.min_spread = 1e-6;
    s.eps = 1e-10;
    s.progress = 1;
    return s;
}

typedef enum key_kind { K_INT, K_DOUBLE, K_TEXT, K_OPS, K_TARGET, K_METRIC } key_kind;

static const struct key {
    const char *name;
    key_kind kind;
    size_t off;
    double lo, hi;        /* range of a number */
    const char *doc;
} keys[] = {
    {"target", K_TARGET, offsetof(vt_sisso_settings, target), 0, 0,
     "lnD = ln(D / (cm^2/s)), or D (D x 1000 as in the table)"},
    {"primaries", K_TEXT, offsetof(vt_sisso_settings, primaries), 0, 0,
     "primary features, blank or comma separated; empty: inv_kBT and every column but temperature"},
    {"rung", K_INT, offsetof(vt_sisso_settings, rung), 0, 3, "depth of operator application, 0..3"},
    {"ops", K_OPS, offsetof(vt_sisso_settings, ops), 0, 0,
     "operators: + - * / |-| exp exp- ^-1 ^2 ^3 ^6 sqrt cbrt log abs"},
    {"max_dim", K_INT, offsetof(vt_sisso_settings, max_dim), 1, VT_L0_MAX_DIM, "descriptor dimensions 1..max_dim"},
    {"sis_size", K_INT, offsetof(vt_sisso_settings, sis_size), 1, 100000, "features screened per dimension"},
    {"top_n", K_INT, offsetof(vt_sisso_settings, top_n), 1, 1000, "models kept per dimension"},
    {"metric", K_METRIC, offsetof(vt_sisso_settings, metric), 0, 0, "L0 ranking: rmse or maxae"},
    {"threads", K_INT, offsetof(vt_sisso_settings, threads), 0, 256, "0 = all cores"},
    {"memory_gib", K_DOUBLE, offsetof(vt_sisso_settings, memory_gib), 0, 1e6,
     "GiB of cached feature values; beyond, values are recomputed from the trees"},
    {"fmax_max", K_DOUBLE, offsetof(vt_sisso_settings, fmax_max), 0, INFINITY, "drop features with max |value| above"},
    {"fmax_min", K_DOUBLE, offsetof(vt_sisso_settings, fmax_min), 0, INFINITY, "drop features with max |value| below"},
    {"min_spread", K_DOUBLE, offsetof(vt_sisso_settings, min_spread), 0, 1,
     "drop features whose standard deviation is below this times their max |value|"},
    {"eps", K_DOUBLE, offsetof(vt_sisso_settings, eps), 1e-300, 0.5, "L0: singular when a squared pivot is below"},
    {"units", K_TEXT, offsetof(vt_sisso_settings, units), 0, 0,
     "empty: none; else 'name: unit, ...' for every primary, e.g. 'inv_kBT: 1/eV, AAV: A^3, PF: 1'"},
    {"progress", K_INT, offsetof(vt_sisso_settings, progress), 0, 1, "1: progress on stderr when it is a terminal"},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static const struct key *key_find(const char *name)
{
    for (size_t k = 0; k < N_KEYS; k++)
        if (strcmp(keys[k].name, name) == 0) return &keys[k];
    return NULL;
}

static vt_status parse_ops(const char *v, unsigned *ops)
{
    unsigned mask = 0;
    while (*v) {
        size_t n = strcspn(v, " \t,");
        if (n > 0) {
            int op = op_by_name(v, n);
            if (op < 0) VT_FAIL(VT_EINVAL, "unknown operator '%.*s' (known: + - * / |-| exp exp- ^-1 ^2 ^3 ^6 sqrt cbrt log abs)", (int)n, v);
            mask |= 1u << op;
        }
        v += n;
        v += strspn(v, " \t,");
    }
    *ops = mask;
    return VT_OK;
}

static vt_status parse_number(const struct key *k, const char *v, double *x)
{
    char *end;
    *x = strtod(v, &end);
    if (end == v || *end != '\0' || isnan(*x)) VT_FAIL(VT_EINVAL, "expected a number, got '%s'", v);
    if (*x < k->lo || *x > k->hi) VT_FAIL(VT_EINVAL, "%s out of range [%g, %g]", v, k->lo, k->hi);
    if (k->kind == K_INT && *x != floor(*x)) VT_FAIL(VT_EINVAL, "expected a whole number, got '%s'", v);
    return VT_OK;
}

/* The value of one key, with the error message (no file position) on failure. */
static vt_status set_value(vt_sisso_settings *s, const struct key *k, const char *v)
{
    char *field = (char *)s + k->off;
    double x;
    switch (k->kind) {
    case K_INT: VT_TRY(parse_number(k, v, &x)); *(int *)field = (int)x; return VT_OK;
    case K_DOUBLE: VT_TRY(parse_number(k, v, &x)); *(double *)field = x; return VT_OK;
    case K_OPS: return parse_ops(v, (unsigned *)field);
    case K_TEXT:
        if (strlen(v) >= sizeof s->units) VT_FAIL(VT_EINVAL, "longer than %zu characters", sizeof s->units - 1);
        strcpy(field, v);
        return VT_OK;
    case K_TARGET:
        if (strcmp(v, "lnD") && strcmp(v, "D")) VT_FAIL(VT_EINVAL, "expected lnD or D, got '%s'", v);
        *(vt_target *)field = strcmp(v, "lnD") == 0 ? VT_TARGET_LND : VT_TARGET_D;
        return VT_OK;
    case K_METRIC:
        if (strcmp(v, "rmse") && strcmp(v, "maxae")) VT_FAIL(VT_EINVAL, "expected rmse or maxae, got '%s'", v);
        *(vt_l0_metric *)field = strcmp(v, "rmse") == 0 ? VT_L0_RMSE : VT_L0_MAXAE;
        return VT_OK;
    }
    VT_FAIL(VT_EINTERNAL, "setting kind %d", (int)k->kind);
}

static vt_status unknown_key(const char *path, size_t line, const char *key)
{
    char known[1024] = "";
    size_t used = 0;
    for (size_t k = 0; k < N_KEYS; k++) {
        int w = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", keys[k].name);
        if (w > 0 && (size_t)w < sizeof known - used) used += (size_t)w;
    }
    if (path) VT_FAIL_AT(VT_EINVAL, path, line, key, "unknown setting (known: %s)", known);
    VT_FAIL(VT_EINVAL, "sisso setting '%s': unknown (known: %s)", key, known);
}

vt_status vt_sisso_settings_set(vt_sisso_settings *s, const char *key, const char *value)
{
    const struct key *k = key_find(key);
    if (!k) return unknown_key(NULL, 0, key);
    if (set_value(s, k, value) != VT_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vt_errmsg());
        VT_FAIL(VT_EINVAL, "sisso setting '%s': %s", key, msg);
    }
    return VT_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

/* One line of a settings file; seen[k] holds the line where key k was set (0 = not yet). */
static vt_status read_line(const char *path, size_t line, char *text, vt_sisso_settings *s, size_t *seen)
{
    text[strcspn(text, "#\r\n")] = '\0';
    char *eq = strchr(text, '=');
    char *t = trim(text);
    if (*t == '\0') return VT_OK;
    if (!eq) VT_FAIL_AT(VT_EINVAL, path, line, NULL, "expected 'key = value', got '%s'", t);
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1);
    const struct key *k = key_find(key);
    if (!k) return unknown_key(path, line, key);
    size_t ki = (size_t)(k - keys);
    if (seen[ki]) VT_FAIL_AT(VT_EINVAL, path, line, key, "set twice (first on line %zu)", seen[ki]);
    seen[ki] = line;
    if (set_value(s, k, value) != VT_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vt_errmsg());
        VT_FAIL_AT(VT_EINVAL, path, line, key, "%s", msg);
    }
    return VT_OK;
}

vt_status vt_sisso_settings_read(const char *path, vt_sisso_settings *out)
{
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_sisso_settings s = vt_sisso_settings_default();
    size_t seen[N_KEYS] = {0}, line = 0;
    char buf[8192];
    vt_status st = VT_OK;
    while (st == VT_OK && fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) st = vt_err_at_(VT_EINVAL, path, line, NULL, "line longer than %zu characters", sizeof buf - 2);
        else st = read_line(path, line, buf, &s, seen);
    }
    if (st == VT_OK && ferror(f)) st = vt_err_set_(VT_EIO, "%s: read error", path);
    fclose(f);
    if (st == VT_OK) *out = s;
    return st;
}

/* Append printf output to a growing string; 0 when out of memory. */
static int appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return 0;
    if (*len + (size_t)n + 1 > *cap) {
        size_t c = 2 * (*cap + (size_t)n + 1);
        char *b = vt_realloc(*buf, c);
        if (!b) return 0;
        *buf = b;
        *cap = c;
    }
    va_start(ap, fmt);
    vsnprintf(*buf + *len, *cap - *len, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
    return 1;
}

static int format_value(const vt_sisso_settings *s, const struct key *k, char **buf, size_t *len, size_t *cap)
{
    const char *field = (const char *)s + k->off;
    switch (k->kind) {
    case K_INT: return appendf(buf, len, cap, "%d", *(const int *)field);
    case K_DOUBLE: { /* the shortest text that reads back exactly */
        double v = *(const double *)field;
        char t[32];
        snprintf(t, sizeof t, "%.15g", v);
        if (strtod(t, NULL) != v) snprintf(t, sizeof t, "%.17g", v);
        return appendf(buf, len, cap, "%s", t);
    }
    case K_TEXT: return appendf(buf, len, cap, "%s", field);
    case K_TARGET: return appendf(buf, len, cap, "%s", *(const vt_target *)field == VT_TARGET_LND ? "lnD" : "D");
    case K_METRIC: return appendf(buf, len, cap, "%s", *(const vt_l0_metric *)field == VT_L0_MAXAE ? "maxae" : "rmse");
    case K_OPS: {
        int ok = 1, first = 1;
        for (int op = 1; ok && op < VT_OP_COUNT; op++)
            if (s->ops & (1u << op)) ok = appendf(buf, len, cap, "%s%s", first ? "" : " ", op_table[op].name), first = 0;
        return ok;
    }
    }
    return 0;
}

char *vt_sisso_settings_format(const vt_sisso_settings *s)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int ok = appendf(&buf, &len, &cap, "# vitrum SISSO settings (key = value; '#' starts a comment)\n");
    for (size_t k = 0; ok && k < N_KEYS; k++)
        ok = appendf(&buf, &len, &cap, "# %s\n%s = ", keys[k].doc, keys[k].name) &&
             format_value(s, &keys[k], &buf, &len, &cap) && appendf(&buf, &len, &cap, "\n");
    if (ok) return buf;
    vt_free(buf);
    return NULL;
}

vt_status vt_sisso_settings_print(const vt_sisso_settings *s, FILE *f)
{
    char *text = vt_sisso_settings_format(s);
    if (!text) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    int ok = fputs(text, f) >= 0;
    vt_free(text);
    if (!ok) VT_FAIL(VT_EIO, "sisso: cannot write the settings");
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Units: exponents over up to N_BASE symbols, in 1/216 steps so that three rungs of sqrt and cbrt
** stay exact (216 = 2^3 3^3). Unit id 0 is dimensionless; without units every feature has id 0.
*/
#define N_BASE 8
#define UNIT_DEN 216
typedef struct unit { int32_t e[N_BASE]; } unit;

typedef struct unit_sys {
    int n_base;
    char base[N_BASE][24];
    size_t n, cap;
    unit *u;           /* distinct units; u[0] = dimensionless */
} unit_sys;

static vt_status unit_id(unit_sys *us, const unit *x, uint16_t *id)
{
    for (size_t i = 0; i < us->n; i++)
        if (memcmp(&us->u[i], x, sizeof *x) == 0) return *id = (uint16_t)i, VT_OK;
    if (us->n == 65535) VT_FAIL(VT_ERANGE, "sisso: more than 65535 distinct units");
    if (us->n == us->cap) {
        size_t c = us->cap ? 2 * us->cap : 16;
        unit *u = vt_realloc(us->u, c * sizeof *u);
        if (!u) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
        us->u = u;
        us->cap = c;
    }
    us->u[us->n] = *x;
    *id = (uint16_t)us->n++;
    return VT_OK;
}

/* A unit such as "A^3/eV", "1/eV", "GPa*A^3", "eV^0.5 A amu^-0.5", "1": symbols with powers that
 * are multiples of 1/216 (decimals such as 0.5 or -1.5), separated by blanks or '*'; '/' inverts
 * the next symbol. */
static vt_status unit_parse(unit_sys *us, const char *text, unit *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    int sign = 1;
    while (*p) {
        if (*p == ' ' || *p == '*') { p++; continue; }
        if (*p == '/') { sign = -1; p++; continue; }
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");
        double power = 1.0;
        if (n == 0 && *p == '1') { p++; sign = 1; continue; }
        if (n == 0 || n >= sizeof us->base[0]) VT_FAIL(VT_EINVAL, "bad unit '%s'", text);
        int b = 0;
        while (b < us->n_base && (strlen(us->base[b]) != n || strncmp(us->base[b], p, n))) b++;
        if (b == us->n_base) {
            if (b == N_BASE) VT_FAIL(VT_EINVAL, "more than %d unit symbols", N_BASE);
            memcpy(us->base[b], p, n);
            us->base[b][n] = '\0';
            us->n_base++;
        }
        p += n;
        if (*p == '^') {
            char *end;
            power = strtod(p + 1, &end);
            double steps = power * UNIT_DEN;
            if (end == p + 1 || !(fabs(power) <= 12.0) || fabs(steps - round(steps)) > 1e-6)
                VT_FAIL(VT_EINVAL, "bad power in unit '%s' (a multiple of 1/216 up to 12)", text);
            p = end;
        }
        out->e[b] += (int32_t)lround(sign * power * UNIT_DEN);
        sign = 1;
    }
    return VT_OK;
}

/* The unit of op(a, b); 0 when the operation is not dimensionally consistent. */
static int unit_apply(const unit *a, const unit *b, int op, unit *out)
{
    static const unit zero;
    int dimensionless = memcmp(a, &zero, sizeof *a) == 0;
    *out = *a;
    switch (op) {
    case VT_OP_ADD: case VT_OP_SUB: case VT_OP_ABSDIFF: return memcmp(a, b, sizeof *a) == 0;
    case VT_OP_EXP: case VT_OP_EXPNEG: case VT_OP_LOG: return dimensionless;
    case VT_OP_ABS: return 1;
    default: break;
    }
    for (int i = 0; i < N_BASE; i++) {
        int64_t e = a->e[i];
        switch (op) {
        case VT_OP_MUL: e += b->e[i]; break;
        case VT_OP_DIV: e -= b->e[i]; break;
        case VT_OP_INV: e = -e; break;
        case VT_OP_SQ: e *= 2; break;
        case VT_OP_CUBE: e *= 3; break;
        case VT_OP_SIXTH: e *= 6; break;
        case VT_OP_SQRT: if (e % 2) return 0; e /= 2; break;
        case VT_OP_CBRT: if (e % 3) return 0; e /= 3; break;
        default: return 0;
        }
        if (e > INT32_MAX / 8 || e < -INT32_MAX / 8) return 0;
        out->e[i] = (int32_t)e;
    }
    return 1;
}

/* Units of the primaries from the settings' "name: unit, ..." list; every primary needs one. */
static vt_status units_for_primaries(unit_sys *us, const char *spec, char *const *names, size_t n_prim, uint16_t *id)
{
    unit zero = {{0}}, u;
    uint16_t z;
    VT_TRY(unit_id(us, &zero, &z));
    for (size_t j = 0; j < n_prim; j++) id[j] = 0;
    if (spec[0] == '\0') return VT_OK;
    for (size_t j = 0; j < n_prim; j++) {
        size_t len = strlen(names[j]);
        const char *p = spec;
        while ((p = strstr(p, names[j])) != NULL) {
            int starts = p == spec || p[-1] == ',' || p[-1] == ' ';
            const char *after = p + len;
            while (*after == ' ') after++;
            if (starts && *after == ':') break;
            p += len;
        }
        if (!p) VT_FAIL(VT_EINVAL, "sisso: units: no unit for primary '%s' (write '%s: 1' for a dimensionless one)", names[j], names[j]);
        const char *start = strchr(p, ':') + 1;
        char text[128];
        size_t n = strcspn(start, ",");
        if (n >= sizeof text) VT_FAIL(VT_EINVAL, "sisso: units: unit of '%s' too long", names[j]);
        memcpy(text, start, n);
        text[n] = '\0';
        if (unit_parse(us, trim(text), &u) != VT_OK) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s", vt_errmsg());
            VT_FAIL(VT_EINVAL, "sisso: units: '%s': %s", names[j], msg);
        }
        VT_TRY(unit_id(us, &u, &id[j]));
    }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Feature space
*/
#define NO_CACHE SIZE_MAX
#define MAX_STORED (1u << 28)     /* keeps build-order keys (order_of) within 64 bits */

typedef struct fnode {
    uint8_t op, rung;
    uint8_t is_row;            /* 1: one value per row; 0: one per group (formula) */
    uint16_t unit;
    uint32_t a, b;             /* stored children; for VT_OP_VAR a is the primary index */
} fnode;

typedef struct space {
    size_t n_rows, n_groups;
    const uint32_t *group;     /* borrowed: group of each row */
    size_t n, cap;             /* stored features */
    fnode *node;
    size_t *off;               /* values of f at chunk[off / chunk_len] + off % chunk_len, or NO_CACHE */
    double **chunk;            /* value cache in chunks that never move (pointers into it stay valid) */
    size_t n_chunks, chunk_len, cache_used, cache_max; /* doubles */
    double *lo, *hi;           /* min and max value of each stored feature */
    size_t rung_start[5];      /* rung r: [rung_start[r], rung_start[r + 1]) */
    unit_sys units;
} space;

static size_t dom_len(const space *s, int is_row) { return is_row ? s->n_rows : s->n_groups; }

/* Scratch doubles values() needs for a feature of rung r: its result, two rows of expansion and
 * the scratch of both children. */
static size_t scratch_len(size_t n_rows, int rung)
{
    size_t s = 0;
    for (int r = 1; r <= rung; r++) s = 3 * n_rows + 2 * s;
    return s;
}

static void expand(const space *s, const double *g, double *rows)
{
    for (size_t i = 0; i < s->n_rows; i++) rows[i] = g[s->group[i]];
}

/* Values of node nd, whose children A and B are given in their own domains, into out (its
 * domain); tmp holds 2 n_rows doubles for children brought from groups to rows. */
static void eval_node(const space *s, const fnode *nd, const double *A, const double *B, double *out, double *tmp)
{
    if (!nd->is_row) {
        eval_op(nd->op, A, B, s->n_groups, out);
        return;
    }
    if (!s->node[nd->a].is_row) expand(s, A, tmp), A = tmp;
    if (op_table[nd->op].arity == 2 && !s->node[nd->b].is_row) expand(s, B, tmp + s->n_rows), B = tmp + s->n_rows;
    eval_op(nd->op, A, B, s->n_rows, out);
}

/* Values of stored feature f in its domain: from the cache, or computed from the tree into buf
 * (scratch_len(n_rows, rung) doubles). Primaries are always cached. */
static const double *values(const space *s, uint32_t f, double *buf)
{
    if (s->off[f] != NO_CACHE) return s->chunk[s->off[f] / s->chunk_len] + s->off[f] % s->chunk_len;
    fnode nd = s->node[f];
    size_t n = s->n_rows, sub = scratch_len(n, nd.rung - 1);
    const double *A = values(s, nd.a, buf + 3 * n);
    const double *B = op_table[nd.op].arity == 2 ? values(s, nd.b, buf + 3 * n + sub) : NULL;
    eval_node(s, &nd, A, B, buf, buf + n);
    return buf;
}

/* Values of feature f as rows: v itself or its expansion into rows_buf. */
static const double *as_rows(const space *s, int is_row, const double *v, double *rows_buf)
{
    if (is_row) return v;
    expand(s, v, rows_buf);
    return rows_buf;
}

static vt_status cache_put(space *s, const double *v, size_t len, int force, size_t *off)
{
    *off = NO_CACHE;
    if (!force && s->cache_used + len > s->cache_max) return VT_OK;
    size_t pos = s->n_chunks ? s->cache_used % s->chunk_len : 0;
    if (s->n_chunks == 0 || pos == 0 || pos + len > s->chunk_len) {
        double **c = vt_realloc(s->chunk, (s->n_chunks + 1) * sizeof *c);
        if (!c) VT_FAIL(VT_ENOMEM, "sisso: out of memory (feature cache)");
        s->chunk = c;
        if (!(c[s->n_chunks] = vt_malloc(s->chunk_len * sizeof(double)))) VT_FAIL(VT_ENOMEM, "sisso: out of memory (feature cache)");
        s->cache_used = s->n_chunks++ * s->chunk_len;
        pos = 0;
    }
    memcpy(s->chunk[s->n_chunks - 1] + pos, v, len * sizeof *v);
    *off = s->cache_used;
    s->cache_used += len;
    return VT_OK;
}

static vt_status space_push(space *s, const fnode *nd, const double *v)
{
    if (s->n == MAX_STORED) VT_FAIL(VT_ERANGE, "sisso: more than %u stored features; lower rung or use fewer primaries", MAX_STORED);
    if (s->n == s->cap) {
        size_t c = s->cap ? 2 * s->cap : 1024;
        fnode *nn = vt_realloc(s->node, c * sizeof *nn);
        if (nn) s->node = nn;
        size_t *no = nn ? vt_realloc(s->off, c * sizeof *no) : NULL;
        if (no) s->off = no;
        double *lo = no ? vt_realloc(s->lo, c * sizeof *lo) : NULL;
        if (lo) s->lo = lo;
        double *hi = lo ? vt_realloc(s->hi, c * sizeof *hi) : NULL;
        if (!hi) VT_FAIL(VT_ENOMEM, "sisso: out of memory (%zu features)", c);
        s->hi = hi;
        s->cap = c;
    }
    size_t len = dom_len(s, nd->is_row);
    VT_TRY(cache_put(s, v, len, nd->op == VT_OP_VAR, &s->off[s->n]));
    s->lo[s->n] = s->hi[s->n] = v[0];
    for (size_t i = 1; i < len; i++) {
        s->lo[s->n] = v[i] < s->lo[s->n] ? v[i] : s->lo[s->n];
        s->hi[s->n] = v[i] > s->hi[s->n] ? v[i] : s->hi[s->n];
    }
    s->node[s->n++] = *nd;
    return VT_OK;
}

static void space_clear(space *s)
{
    for (size_t c = 0; c < s->n_chunks; c++) vt_free(s->chunk[c]);
    vt_free(s->chunk);
    vt_free(s->node);
    vt_free(s->off);
    vt_free(s->lo);
    vt_free(s->hi);
    vt_free(s->units.u);
}

/* ---------------------------------------------------------------------------------------------
** Scoring: |corr| with a centred residual (or the dedup probe), and the value-range limits.
*/
typedef struct scorer {
    const double *r_rows;      /* n_rows: centred residual */
    const double *r_grp;       /* n_groups: its sums per group */
    const double *weight;      /* n_groups: rows per group */
    const double *ones;        /* n_rows: 1 (the weight of a row) */
    size_t n_rows, n_groups;
    double fmax_max, fmax_min, min_spread;
} scorer;

/* Weighted moments of v = A op B over a domain: with dv = v - K (K = v_0, a shift against
 * cancellation), s1 = sum w dv, s2 = sum w dv^2, sr = sum dv r; rows use w = 1 (an exact
 * multiply). This is where the enumeration of the last rung spends its time: four-lane GCC vectors,
 * cloned for AVX2 on x86-64 (no FMA, so both clones give the same bits), one fixed reduction
 * order: the same result on every run and thread. max |v| is left to check_limits(), run only for
 * the few features whose score matters. */
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));
typedef struct moments { double s1, s2, sr; } moments;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(VT_NO_CLONES)
#define VT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VT_CLONES
#endif
#define LOAD4(dst, p) memcpy(&(dst), (p), sizeof(v4d))   /* unaligned load */
#define ABS4(x) ((v4d)((v4i)(x) & (v4i){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}))
#define MOMENTS_KERNEL(name, VEXPR, SEXPR)                                                       \
    VT_CLONES static void name(const double *A, const double *B, const double *W,            \
                               const double *R, size_t n, moments *m)                        \
    {                                                                                        \
        double K;                                                                            \
        { double a = A[0], b = B[0]; (void)b; K = (SEXPR); }                                 \
        v4d s1 = {0}, s2 = {0}, sr = {0}, Kv = {K, K, K, K};                                 \
        size_t i = 0;                                                                        \
        for (; i + 4 <= n; i += 4) {                                                         \
            v4d a, b, w, r;                                                                  \
            LOAD4(a, A + i);                                                                 \
            LOAD4(b, B + i);                                                                 \
            LOAD4(w, W + i);                                                                 \
            LOAD4(r, R + i);                                                                 \
            (void)b;                                                                         \
            v4d dv = (VEXPR) - Kv, wd = w * dv;                                              \
            s1 += wd;                                                                        \
            s2 += wd * dv;                                                                   \
            sr += dv * r;                                                                    \
        }                                                                                    \
        *m = (moments){(s1[0] + s1[1]) + (s1[2] + s1[3]), (s2[0] + s2[1]) + (s2[2] + s2[3]), \
                       (sr[0] + sr[1]) + (sr[2] + sr[3])};                                   \
        for (; i < n; i++) {                                                                 \
            double a = A[i], b = B[i], dv = (SEXPR) - K;                                     \
            (void)b;                                                                         \
            m->s1 += W[i] * dv;                                                              \
            m->s2 += W[i] * dv * dv;                                                         \
            m->sr += dv * R[i];                                                              \
        }                                                                                    \
    }

/* One kernel per operation so that the operation is inside the loop without a branch. */
MOMENTS_KERNEL(moments_copy, a, a)
MOMENTS_KERNEL(moments_add, a + b, a + b)
MOMENTS_KERNEL(moments_sub, a - b, a - b)
MOMENTS_KERNEL(moments_mul, a * b, a * b)
MOMENTS_KERNEL(moments_div, a / b, a / b)
MOMENTS_KERNEL(moments_absdiff, ABS4(a - b), fabs(a - b))

typedef void (*moments_fn)(const double *, const double *, const double *, const double *, size_t, moments *);

static moments_fn moments_of(int op)
{
    switch (op) {
    case VT_OP_ADD: return moments_add;
    case VT_OP_SUB: return moments_sub;
    case VT_OP_MUL: return moments_mul;
    case VT_OP_DIV: return moments_div;
    case VT_OP_ABSDIFF: return moments_absdiff;
    default: return moments_copy;
    }
}

/* |sr| / sqrt(SS_v), SS_v = s2 - s1^2 / n; 0 when v is not finite or constant. */
static int score_moments(const scorer *sc, const moments *m, double *out)
{
    double ss = m->s2 - m->s1 * m->s1 / (double)sc->n_rows;
    if (!(isfinite(m->s2) && isfinite(m->sr) && ss > 0.0)) return 0;
    *out = fabs(m->sr) / sqrt(ss);
    return 1;
}

/* The value-range limits on values v (n of them) with sum of squares about the mean ss: max |v| in
 * [fmax_min, fmax_max], standard deviation at least min_spread max |v|. */
static int check_limits(const scorer *sc, const double *v, size_t n, double ss)
{
    double mx = 0.0;
    for (size_t i = 0; i < n; i++) mx = fabs(v[i]) > mx ? fabs(v[i]) : mx;
    return mx <= sc->fmax_max && mx >= sc->fmax_min && sqrt(ss / (double)sc->n_rows) >= sc->min_spread * mx;
}

/* Score of op(A, B) given in the domain of the result (B unused by unary operators, which are
 * evaluated into buf first); 0 when not finite or constant. Limits are not checked. */
static int score_op(const scorer *sc, int op, const double *A, const double *B, int is_row, double *buf, double *out,
                    double *ss)
{
    moments m;
    size_t n = is_row ? sc->n_rows : sc->n_groups;
    const double *W = is_row ? sc->ones : sc->weight, *R = is_row ? sc->r_rows : sc->r_grp;
    if (op_table[op].arity == 2) {
        moments_of(op)(A, B, W, R, n, &m);
    } else {
        if (op != VT_OP_VAR) eval_op(op, A, NULL, n, buf), A = buf;
        moments_copy(A, A, W, R, n, &m);
    }
    *ss = m.s2 - m.s1 * m.s1 / (double)sc->n_rows;
    return score_moments(sc, &m, out);
}

/* Score of values v with the limits checked. */
static int score(const scorer *sc, const double *v, int is_row, double *out)
{
    double ss;
    return score_op(sc, VT_OP_VAR, v, NULL, is_row, NULL, out, &ss) && check_limits(sc, v, is_row ? sc->n_rows : sc->n_groups, ss);
}

/* Pearson correlation of two row vectors (two passes). */
static double corr_rows(const double *x, const double *y, size_t n)
{
    double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0.0 && syy > 0.0 ? sxy / sqrt(sxx * syy) : 0.0;
}

/* ---------------------------------------------------------------------------------------------
** Enumeration of the features one rung above the stored feature a: unary operators on a, then for
** every b < a the binary ones in slot order a+b, a-b, a*b, a/b, b/a, |a-b|. Each is scored against
** sc; every valid one goes to visit() with its score and its operands in the domain of the result
** (visit evaluates the values only when it needs them: eval_op(nd->op, A, B, n, out)).
*/
typedef struct wbuf {
    double *out, *a_rows, *b_rows, *tmp, *sa, *sb;   /* n_rows each (tmp 2 n_rows); sa, sb scratch */
} wbuf;

/* ss: the sum of squares about the mean that check_limits() needs. */
typedef void (*visit_fn)(void *ctx, const fnode *nd, double score, double ss, const double *A, const double *B,
                         uint64_t order);

static const struct { int op, swap; } binary_slots[6] = {
    {VT_OP_ADD, 0}, {VT_OP_SUB, 0}, {VT_OP_MUL, 0}, {VT_OP_DIV, 0}, {VT_OP_DIV, 1}, {VT_OP_ABSDIFF, 0},
};

/* Build order: stored features by index, then new ones by (a, b, slot); unary ones first per a. */
static uint64_t order_of(const space *s, uint32_t a, uint64_t b_plus1, unsigned slot)
{
    return (uint64_t)s->n + (((uint64_t)a * ((uint64_t)s->n + 1) + b_plus1) << 5) + slot;
}

static vt_status wbuf_init(wbuf *w, size_t n_rows, int rung)
{
    size_t sc = scratch_len(n_rows, rung);
    double *all = vt_malloc((5 * n_rows + 2 * sc) * sizeof *all);
    if (!all) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    *w = (wbuf){.out = all, .a_rows = all + n_rows, .b_rows = all + 2 * n_rows, .tmp = all + 3 * n_rows,
                .sa = all + 5 * n_rows, .sb = all + 5 * n_rows + sc};
    return VT_OK;
}

typedef struct enum_ctx {
    const space *s;
    const scorer *sc;
    unsigned ops;
    wbuf *w;
    visit_fn visit;
    void *ctx;
} enum_ctx;

static void unary_of(const enum_ctx *e, uint32_t a, const double *A)
{
    const space *s = e->s;
    fnode na = s->node[a];
    for (int op = 1; op < VT_OP_COUNT; op++) {
        unit u;
        double sc, ss;
        if (op_table[op].arity != 1 || !(e->ops & (1u << op))) continue;
        if (!unit_apply(&s->units.u[na.unit], NULL, op, &u)) continue;
        if (!score_op(e->sc, op, A, NULL, na.is_row, e->w->tmp, &sc, &ss)) continue;
        fnode nd = {.op = (uint8_t)op, .rung = (uint8_t)(na.rung + 1), .is_row = na.is_row, .unit = na.unit,
                    .a = a};
        e->visit(e->ctx, &nd, sc, ss, A, NULL, order_of(s, a, 0, (unsigned)op));
    }
}

static void binary_of(const enum_ctx *e, uint32_t a, uint32_t b, const double *A, const double *Arows)
{
    const space *s = e->s;
    fnode na = s->node[a], nb = s->node[b];
    int is_row = na.is_row || nb.is_row;
    const double *B = values(s, b, e->w->sb);
    if (is_row) A = Arows, B = as_rows(s, nb.is_row, B, e->w->b_rows);
    for (unsigned slot = 0; slot < 6; slot++) {
        int op = binary_slots[slot].op, swap = binary_slots[slot].swap;
        unit u;
        double sc, ss;
        const double *x = swap ? B : A, *y = swap ? A : B;
        if (!(e->ops & (1u << op)) || !unit_apply(&s->units.u[swap ? nb.unit : na.unit], &s->units.u[swap ? na.unit : nb.unit], op, &u))
            continue;
        /* disjoint ranges: |a - b| is +-(a - b), a duplicate */
        if (op == VT_OP_ABSDIFF && (s->lo[a] >= s->hi[b] || s->hi[a] <= s->lo[b])) continue;
        if (!score_op(e->sc, op, x, y, is_row, NULL, &sc, &ss)) continue;
        fnode nd = {.op = (uint8_t)op, .rung = (uint8_t)(na.rung + 1), .is_row = (uint8_t)is_row,
                    .a = swap ? b : a, .b = swap ? a : b};
        e->visit(e->ctx, &nd, sc, ss, x, y, order_of(s, a, (uint64_t)b + 1, slot));
    }
}

/* Every feature built on stored feature a as the later child. Units of the new features are
 * resolved only when they are stored (node_unit). */
static void enumerate_a(const enum_ctx *e, uint32_t a)
{
    const space *s = e->s;
    const double *A = values(s, a, e->w->sa);
    const double *Arows = as_rows(s, s->node[a].is_row, A, e->w->a_rows);
    unary_of(e, a, A);
    for (uint32_t b = 0; b < a; b++) binary_of(e, a, b, A, Arows);
}

/* The unit of a new feature from its children's (the operation was checked when built). */
static vt_status node_unit(space *s, fnode *nd)
{
    unit u;
    const unit *ua = &s->units.u[s->node[nd->a].unit];
    const unit *ub = op_table[nd->op].arity == 2 ? &s->units.u[s->node[nd->b].unit] : NULL;
    if (!unit_apply(ua, ub, nd->op, &u)) VT_FAIL(VT_EINTERNAL, "sisso: unit of a checked operation");
    return unit_id(&s->units, &u, &nd->unit);
}

/* ---------------------------------------------------------------------------------------------
** Stored rungs: every valid feature is kept, then duplicates are removed.
*/
typedef struct build_ctx {
    space *s;
    const scorer *probe;       /* a fixed random centred vector: the dedup key is |corr| with it */
    double *key;               /* per stored feature */
    size_t key_cap;
    double *out;               /* n_rows: values of the feature being stored */
    vt_status status;
} build_ctx;

static void build_visit(void *ctx, const fnode *nd, double k, double ss, const double *A, const double *B,
                        uint64_t order)
{
    build_ctx *b = ctx;
    (void)order; /* stored features are numbered in visiting order */
    if (b->status != VT_OK) return;
    eval_op(nd->op, A, B, dom_len(b->s, nd->is_row), b->out);
    const double *v = b->out;
    if (!check_limits(b->probe, v, dom_len(b->s, nd->is_row), ss)) return;
    fnode x = *nd;
    if ((b->status = node_unit(b->s, &x)) != VT_OK) return;
    if (b->s->n == b->key_cap) {
        size_t c = b->key_cap ? 2 * b->key_cap : 1024;
        double *kk = vt_realloc(b->key, c * sizeof *kk);
        if (!kk) {
            b->status = vt_err_set_(VT_ENOMEM, "sisso: out of memory");
            return;
        }
        b->key = kk;
        b->key_cap = c;
    }
    b->key[b->s->n] = k;
    b->status = space_push(b->s, &x, v);
}

typedef struct keyed { double key; uint32_t f; } keyed;

static int by_key(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->f > b->f) - (a->f < b->f);
}

/* Whether stored features f and g are one feature for a linear model. */
static int same_stored(const space *s, uint32_t f, uint32_t g, wbuf *w)
{
    const double *x = as_rows(s, s->node[f].is_row, values(s, f, w->sa), w->a_rows);
    const double *y = as_rows(s, s->node[g].is_row, values(s, g, w->sb), w->b_rows);
    return fabs(corr_rows(x, y, s->n_rows)) > DUP_CORR;
}

/* Drop features from index `from` on that duplicate an earlier one (keys within TIE_REL flag the
 * pairs to check), then close the gaps; nothing refers to them yet. */
static vt_status dedupe(space *s, double *key, size_t from, wbuf *w)
{
    keyed *k = vt_malloc(s->n * sizeof *k);
    uint8_t *dead = vt_calloc(s->n, 1);
    if (!k || !dead) {
        vt_free(k);
        vt_free(dead);
        VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    }
    for (size_t f = 0; f < s->n; f++) k[f] = (keyed){key[f], (uint32_t)f};
    qsort(k, s->n, sizeof *k, by_key);
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n && k[j].key - k[i].key <= TIE_REL * k[i].key; j++) {
            uint32_t lo = k[i].f < k[j].f ? k[i].f : k[j].f, hi = k[i].f ^ k[j].f ^ lo;
            if (hi >= from && !dead[lo] && !dead[hi] && same_stored(s, lo, hi, w)) dead[hi] = 1;
        }
    size_t n = from;
    for (size_t f = from; f < s->n; f++)
        if (!dead[f]) s->node[n] = s->node[f], s->off[n] = s->off[f], s->lo[n] = s->lo[f], s->hi[n] = s->hi[f], key[n] = key[f], n++;
    s->n = n;
    vt_free(k);
    vt_free(dead);
    return VT_OK;
}

/* Rung r (1 <= r < the last rung) from the stored rungs below it. */
static vt_status build_rung(space *s, build_ctx *b, int r, unsigned ops, wbuf *w)
{
    size_t from = s->n;
    enum_ctx e = {.s = s, .sc = b->probe, .ops = ops, .w = w, .visit = build_visit, .ctx = b};
    b->out = w->out;
    for (size_t a = s->rung_start[r - 1]; b->status == VT_OK && a < from; a++) enumerate_a(&e, (uint32_t)a);
    VT_TRY(b->status);
    VT_TRY(dedupe(s, b->key, from, w));
    s->rung_start[r + 1] = s->n;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** SIS: the sis_size best new features by score, without duplicates among themselves or of the
** features selected in earlier dimensions. Threads take tasks in turn (a block of stored features,
** or all features built on one stored feature of the last stored rung), keep their own list and
** the lists are merged in the order (score, build order).
*/
typedef struct cand {
    double score;
    uint64_t order;
    fnode nd;
    uint32_t stored;           /* index of a stored feature, or UINT32_MAX for a new one */
} cand;

typedef struct sis_shared {
    const space *s;
    const scorer *sc;
    unsigned ops;
    int cap;                   /* sis_size */
    size_t n_blocks, n_tasks;
    const double *prev_rows;   /* n_prev x n_rows: features selected earlier */
    const double *prev_score;  /* their scores against the current residual */
    size_t n_prev;
    pthread_mutex_t lock;
    int n_workers;             /* worker k takes tasks k, k + n_workers, ... */
    double pairs_done, pairs_total;  /* progress (under lock) */
    int show_progress, dim;
} sis_shared;

typedef struct sis_worker {
    sis_shared *sh;
    wbuf w, d;                 /* buffers for enumeration and for duplicate checks */
    double *rows1, *rows2;     /* n_rows each */
    cand *list;                /* best first */
    int n;
    double n_valid;            /* valid features seen */
    int id;                    /* 0 shows the progress */
} sis_worker;

static int cand_before(const cand *x, const cand *y)
{
    if (x->score != y->score) return x->score > y->score;
    return x->order < y->order;
}

static int near(double x, double y) { return fabs(x - y) <= TIE_REL * fmax(fabs(x), fabs(y)); }

/* c cannot enter w's full list: it ranks below the last entry and does not tie it. A tie may be a
 * duplicate of that entry built earlier, which must replace it (offer()) in whichever order the
 * two arrive. */
static int below_cut(const sis_worker *w, const cand *c)
{
    if (w->n < w->sh->cap) return 0;
    const cand *last = &w->list[w->n - 1];
    return !cand_before(c, last) && !near(c->score, last->score);
}

/* Row values of a candidate, written into out (n_rows; never a pointer into d, which offer()
 * reuses while out is still needed), computed with the duplicate-check buffers d. */
static const double *cand_rows(const space *s, const cand *c, wbuf *d, double *out)
{
    const double *v;
    if (c->stored != UINT32_MAX) {
        v = values(s, c->stored, d->sa);
    } else {
        const double *A = values(s, c->nd.a, d->sa);
        const double *B = op_table[c->nd.op].arity == 2 ? values(s, c->nd.b, d->sb) : NULL;
        eval_node(s, &c->nd, A, B, d->out, d->tmp);
        v = d->out;
    }
    if (c->nd.is_row) memcpy(out, v, s->n_rows * sizeof *out);
    else expand(s, v, out);
    return out;
}

/* Offer a candidate with row values vr: dropped when it duplicates an earlier selection or a
 * listed feature built before it; replaces a listed duplicate built after it. */
static void offer(sis_worker *w, const cand *c, const double *vr)
{
    const sis_shared *sh = w->sh;
    size_t n_rows = sh->s->n_rows;
    for (size_t p = 0; p < sh->n_prev; p++)
        if (near(sh->prev_score[p], c->score) && fabs(corr_rows(vr, sh->prev_rows + p * n_rows, n_rows)) > DUP_CORR) return;
    for (int i = 0; i < w->n; i++) {
        if (!near(w->list[i].score, c->score)) continue;
        const double *lr = cand_rows(sh->s, &w->list[i], &w->d, w->rows2);
        if (!(fabs(corr_rows(vr, lr, n_rows)) > DUP_CORR)) continue;
        if (w->list[i].order < c->order) return;
        memmove(&w->list[i], &w->list[i + 1], (size_t)(w->n - 1 - i) * sizeof *w->list);
        w->n--;
        break;
    }
    if (w->n == sh->cap && !cand_before(c, &w->list[w->n - 1])) return;
    int i = w->n < sh->cap ? w->n++ : w->n - 1;
    for (; i > 0 && cand_before(c, &w->list[i - 1]); i--) w->list[i] = w->list[i - 1];
    w->list[i] = *c;
}

static void sis_consider(sis_worker *w, const cand *c, const double *v)
{
    if (below_cut(w, c)) return;
    offer(w, c, as_rows(w->sh->s, c->nd.is_row, v, w->rows1));
}

static void sis_visit(void *ctx, const fnode *nd, double score, double ss, const double *A, const double *B,
                      uint64_t order)
{
    sis_worker *w = ctx;
    cand c = {.score = score, .order = order, .nd = *nd, .stored = UINT32_MAX};
    size_t n = dom_len(w->sh->s, nd->is_row);
    w->n_valid++;
    if (below_cut(w, &c)) return;
    eval_op(nd->op, A, B, n, w->w.out);
    if (!check_limits(w->sh->sc, w->w.out, n, ss)) return;
    offer(w, &c, as_rows(w->sh->s, nd->is_row, w->w.out, w->rows1));
}

#define SIS_BLOCK 256

static void sis_stored_block(sis_worker *w, size_t block)
{
    const space *s = w->sh->s;
    for (size_t f = block * SIS_BLOCK; f < s->n && f < (block + 1) * SIS_BLOCK; f++) {
        cand c = {.order = f, .nd = s->node[f], .stored = (uint32_t)f};
        const double *v = values(s, (uint32_t)f, w->w.sa);
        if (!score(w->sh->sc, v, c.nd.is_row, &c.score)) continue;
        w->n_valid++;
        sis_consider(w, &c, v);
    }
}

static void show_progress(sis_shared *sh)
{
    static const char *const spin = "|/-\\";
    fprintf(stderr, "\rsisso: dimension %d: SIS %5.1f%% %c\033[K", sh->dim,
            100.0 * sh->pairs_done / (sh->pairs_total > 0 ? sh->pairs_total : 1.0),
            spin[(size_t)sh->pairs_done % 4]);
}

static void *sis_run(void *arg)
{
    sis_worker *w = arg;
    sis_shared *sh = w->sh;
    for (size_t t = (size_t)w->id; t < sh->n_tasks; t += (size_t)sh->n_workers) {
        size_t a = t < sh->n_blocks ? 0 : sh->s->n - 1 - (t - sh->n_blocks);
        if (t < sh->n_blocks) sis_stored_block(w, t);
        else enumerate_a(&(enum_ctx){.s = sh->s, .sc = sh->sc, .ops = sh->ops, .w = &w->w, .visit = sis_visit, .ctx = w}, (uint32_t)a);
        pthread_mutex_lock(&sh->lock);
        sh->pairs_done += t < sh->n_blocks ? SIS_BLOCK / 64.0 : (double)a + 1.0;
        if (sh->show_progress && w->id == 0 && t % 16 == 0) show_progress(sh);
        pthread_mutex_unlock(&sh->lock);
    }
    return NULL;
}

static vt_status sis_worker_init(sis_worker *w, sis_shared *sh, int rung)
{
    memset(w, 0, sizeof *w);
    w->sh = sh;
    size_t n = sh->s->n_rows;
    VT_TRY(wbuf_init(&w->w, n, rung));
    VT_TRY(wbuf_init(&w->d, n, rung));
    w->rows1 = vt_malloc(n * sizeof *w->rows1);
    w->rows2 = vt_malloc(n * sizeof *w->rows2);
    w->list = vt_malloc((size_t)sh->cap * sizeof *w->list);
    if (!w->rows1 || !w->rows2 || !w->list) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    return VT_OK;
}

static void sis_worker_clear(sis_worker *w)
{
    vt_free(w->w.out);
    vt_free(w->d.out);
    vt_free(w->rows1);
    vt_free(w->rows2);
    vt_free(w->list);
}

/* Merge every worker's list into ws[0]'s (worker 0 keeps its own entries and is offered the rest). */
static void sis_merge(sis_worker *ws, int n_workers)
{
    for (int k = 1; k < n_workers; k++) {
        ws[0].n_valid += ws[k].n_valid;
        for (int i = 0; i < ws[k].n; i++) {
            const cand *c = &ws[k].list[i];
            if (below_cut(&ws[0], c)) break;
            offer(&ws[0], c, cand_rows(ws[0].sh->s, c, &ws[0].d, ws[0].rows1));
        }
    }
}

/* Run SIS with n_threads workers; the merged list is left in ws[0]. Workers whose thread could
 * not be created run in the calling thread, so every share is done. */
static void sis_threads(sis_worker *ws, int n_threads)
{
    pthread_t tid[256];
    int n_extra = 0;
    ws[0].sh->n_workers = n_threads;
    while (n_extra + 1 < n_threads && pthread_create(&tid[n_extra], NULL, sis_run, &ws[n_extra + 1]) == 0) n_extra++;
    sis_run(&ws[0]);
    for (int k = n_extra + 1; k < n_threads; k++) sis_run(&ws[k]);
    for (int i = 0; i < n_extra; i++) pthread_join(tid[i], NULL);
    sis_merge(ws, n_threads);
    if (ws[0].sh->show_progress) fprintf(stderr, "\r\033[K");
}

/* ---------------------------------------------------------------------------------------------
** Fitting
*/
typedef struct fit_ctx {
    const vt_sisso_settings *set;
    int n_threads, show_progress;
    size_t n;                  /* training rows */
    double *t;                 /* target per row (lnD, or D x 1000) */
    char **prim;               /* primary names */
    size_t n_prim;
    double *P;                 /* n_prim x n: primaries, feature-major */
    uint32_t *group;           /* group (formula) of each row */
    double *weight;            /* rows per group */
    size_t n_groups;
    space sp;
    double *probe, *probe_grp; /* dedup probe per row and per group */
    double *r, *r_grp;         /* residual per row and per group */
    double *ones;              /* n_rows: 1 */
    fnode *sel;                /* union of the SIS subspaces */
    size_t n_sel;
    double *X;                 /* n_sel x n: their values */
    vt_l0_result *l0[VT_L0_MAX_DIM]; /* L0 over the union after dimension k at [k - 1] */
    int n_dims;
    double n_space;
} fit_ctx;

static void progress_note(const fit_ctx *c, const char *what, int k)
{
    if (c->show_progress) fprintf(stderr, "\rsisso: %s %d\033[K", what, k);
}

static vt_status add_name(char ***names, size_t *n, const char *name, size_t len)
{
    for (size_t j = 0; j < *n; j++)
        if (strlen((*names)[j]) == len && strncmp((*names)[j], name, len) == 0)
            VT_FAIL(VT_EINVAL, "sisso: primary '%.*s' listed twice", (int)len, name);
    char **v = vt_realloc(*names, (*n + 1) * sizeof *v);
    if (!v) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    *names = v;
    if (!(v[*n] = vt_malloc(len + 1))) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    memcpy(v[*n], name, len);
    v[(*n)++][len] = '\0';
    return VT_OK;
}

/* The settings' list, or inv_kBT and every dataset column but temperature. */
static vt_status resolve_primaries(const vt_dataset *d, const char *spec, char ***names, size_t *n)
{
    if (spec[0] == '\0') {
        VT_TRY(add_name(names, n, INV_KBT, strlen(INV_KBT)));
        for (size_t j = 0; j < d->n_cols; j++)
            if (strcmp(d->col_names[j], "temperature") != 0) VT_TRY(add_name(names, n, d->col_names[j], strlen(d->col_names[j])));
        return VT_OK;
    }
    for (const char *p = spec + strspn(spec, " \t,"); *p; p += strspn(p, " \t,")) {
        size_t len = strcspn(p, " \t,");
        VT_TRY(add_name(names, n, p, len));
        p += len;
    }
    if (*n == 0) VT_FAIL(VT_EINVAL, "sisso: no primary features");
    return VT_OK;
}

/* Primaries (feature-major), target, and the groups of rows with equal formula. */
static vt_status load_rows(fit_ctx *c, const vt_dataset *d, const size_t *rows)
{
    double *Xr = NULL;
    VT_TRY(vt_inputs_build(d, rows, c->n, c->prim, c->n_prim, &Xr));
    c->P = vt_malloc(c->n * c->n_prim * sizeof *c->P);
    c->t = vt_malloc(c->n * sizeof *c->t);
    c->group = vt_malloc(c->n * sizeof *c->group);
    c->weight = vt_calloc(c->n, sizeof *c->weight);
    size_t *first = vt_malloc(c->n * sizeof *first);  /* first row of each group */
    vt_status s = c->P && c->t && c->group && c->weight && first ? VT_OK : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    for (size_t i = 0; s == VT_OK && i < c->n; i++) {
        size_t row = rows ? rows[i] : i, g = 0;
        for (size_t j = 0; j < c->n_prim; j++) c->P[j * c->n + i] = Xr[i * c->n_prim + j];
        c->t[i] = c->set->target == VT_TARGET_LND ? log(d->y[row] / 1000.0) : d->y[row];
        while (g < c->n_groups && strcmp(d->formula[rows ? rows[first[g]] : first[g]], d->formula[row]) != 0) g++;
        if (g == c->n_groups) first[c->n_groups++] = i;
        c->group[i] = (uint32_t)g;
        c->weight[g] += 1.0;
    }
    vt_free(Xr);
    vt_free(first);
    return s;
}

/* Primary j as a rung-0 feature: one value per group when it is constant within every group. */
static vt_status push_primary(fit_ctx *c, build_ctx *b, size_t j, uint16_t unit, double *gv)
{
    const double *x = c->P + j * c->n;
    int is_row = 0;
    for (size_t i = 0; i < c->n; i++) gv[c->group[i]] = x[i];
    for (size_t i = 0; i < c->n && !is_row; i++) is_row = x[i] != gv[c->group[i]];
    fnode nd = {.op = VT_OP_VAR, .is_row = (uint8_t)is_row, .unit = unit, .a = (uint32_t)j};
    double k;
    scorer loose = *b->probe;   /* primaries keep any range; only constants are dropped */
    loose.fmax_max = INFINITY;
    loose.fmax_min = 0.0;
    loose.min_spread = 1e-12;
    if (!score(&loose, is_row ? x : gv, is_row, &k)) return VT_OK;
    if (b->s->n == b->key_cap) {
        double *kk = vt_realloc(b->key, (b->key_cap + 64) * sizeof *kk);
        if (!kk) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
        b->key = kk;
        b->key_cap += 64;
    }
    b->key[b->s->n] = k;
    return space_push(b->s, &nd, is_row ? x : gv);
}

/* Sums of a row vector per group. */
static void group_sums(const fit_ctx *c, const double *rows, double *grp)
{
    memset(grp, 0, c->n_groups * sizeof *grp);
    for (size_t i = 0; i < c->n; i++) grp[c->group[i]] += rows[i];
}

static void center(double *v, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) v[i] -= m;
}

static vt_status space_build(fit_ctx *c)
{
    space *s = &c->sp;
    const vt_sisso_settings *set = c->set;
    uint16_t *unit = vt_calloc(c->n_prim, sizeof *unit);
    double *gv = vt_malloc(c->n * sizeof *gv);
    if (!unit || !gv) {
        vt_free(unit);
        vt_free(gv);
        VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    }
    *s = (space){.n_rows = c->n, .n_groups = c->n_groups, .group = c->group,
                 .chunk_len = c->n > (1u << 20) ? c->n : (1u << 20),
                 .cache_max = (size_t)(set->memory_gib * (1024.0 * 1024.0 * 1024.0 / sizeof(double)))};
    scorer probe = {c->probe, c->probe_grp, c->weight, c->ones, c->n, c->n_groups, set->fmax_max, set->fmax_min, set->min_spread};
    build_ctx b = {.s = s, .probe = &probe};
    wbuf w = {0};
    vt_status st = units_for_primaries(&s->units, set->units, c->prim, c->n_prim, unit);
    if (st == VT_OK) st = wbuf_init(&w, c->n, set->rung > 1 ? set->rung - 1 : 0);
    for (size_t j = 0; st == VT_OK && j < c->n_prim; j++) st = push_primary(c, &b, j, unit[j], gv);
    if (st == VT_OK) st = dedupe(s, b.key, 0, &w);
    if (st == VT_OK) s->rung_start[1] = s->n;
    for (int r = 1; st == VT_OK && r < set->rung; r++) {
        progress_note(c, "building rung", r);
        st = build_rung(s, &b, r, set->ops, &w);
    }
    vt_free(b.key);
    vt_free(w.out);
    vt_free(unit);
    vt_free(gv);
    return st;
}

/* Residual of the best model of dimension dim - 1 (the centred target for dim = 1). */
static void residual(fit_ctx *c, int dim)
{
    memcpy(c->r, c->t, c->n * sizeof *c->r);
    const vt_l0_model *m = dim > 1 ? vt_l0_model_at(c->l0[dim - 2], dim - 1, 0) : NULL;
    for (size_t i = 0; m && i < c->n; i++) {
        c->r[i] -= m->intercept;
        for (int q = 0; q < m->dim; q++) c->r[i] -= m->coef[q] * c->X[(size_t)m->feat[q] * c->n + i];
    }
    center(c->r, c->n);
    group_sums(c, c->r, c->r_grp);
}

/* Append the merged SIS list to the union. */
static vt_status take_selection(fit_ctx *c, sis_worker *w)
{
    size_t n_new = c->n_sel + (size_t)w->n;
    fnode *sel = vt_realloc(c->sel, (n_new ? n_new : 1) * sizeof *sel);
    if (sel) c->sel = sel;
    double *X = sel ? vt_realloc(c->X, (n_new ? n_new : 1) * c->n * sizeof *X) : NULL;
    if (!X) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    c->X = X;
    for (int i = 0; i < w->n; i++, c->n_sel++) {
        c->sel[c->n_sel] = w->list[i].nd;
        const double *v = cand_rows(&c->sp, &w->list[i], &w->d, w->rows1);
        memcpy(c->X + c->n_sel * c->n, v, c->n * sizeof *v);
    }
    return VT_OK;
}

static vt_status run_sis(fit_ctx *c, int dim)
{
    const space *s = &c->sp;
    scorer sc = {c->r, c->r_grp, c->weight, c->ones, c->n, c->n_groups, c->set->fmax_max, c->set->fmax_min, c->set->min_spread};
    int R = c->set->rung;
    sis_shared sh = {.s = s, .sc = &sc, .ops = c->set->ops, .cap = c->set->sis_size, .prev_rows = c->X,
                     .n_prev = c->n_sel, .show_progress = c->show_progress, .dim = dim};
    sh.n_blocks = (s->n + SIS_BLOCK - 1) / SIS_BLOCK;
    size_t a_first = R >= 1 ? s->rung_start[R - 1] : s->n; /* new features are built on these */
    sh.n_tasks = sh.n_blocks + (s->n - a_first);
    sh.pairs_total = (double)sh.n_blocks * SIS_BLOCK / 64.0;
    for (size_t a = a_first; a < s->n; a++) sh.pairs_total += (double)a + 1.0;
    double *prev_score = vt_malloc((c->n_sel ? c->n_sel : 1) * sizeof *prev_score);
    sis_worker *ws = vt_calloc((size_t)c->n_threads, sizeof *ws);
    vt_status st = prev_score && ws ? VT_OK : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    for (size_t p = 0; st == VT_OK && p < c->n_sel; p++)
        if (!score(&sc, c->X + p * c->n, 1, &prev_score[p])) prev_score[p] = -1.0;
    sh.prev_score = prev_score;
    for (int k = 0; st == VT_OK && k < c->n_threads; k++) st = sis_worker_init(&ws[k], &sh, R > 1 ? R - 1 : 0), ws[k].id = k;
    if (st == VT_OK) {
        pthread_mutex_init(&sh.lock, NULL);
        sis_threads(ws, c->n_threads);
        pthread_mutex_destroy(&sh.lock);
        c->n_space = ws[0].n_valid;
        st = take_selection(c, &ws[0]);
    }
    for (int k = 0; ws && k < c->n_threads; k++) sis_worker_clear(&ws[k]);
    vt_free(ws);
    vt_free(prev_score);
    return st;
}

static vt_status run_dims(fit_ctx *c)
{
    vt_l0_opts o = vt_l0_opts_default();
    o.top_n = c->set->top_n;
    o.n_threads = c->n_threads;
    o.metric = c->set->metric;
    o.eps = c->set->eps;
    for (int dim = 1; dim <= c->set->max_dim; dim++) {
        residual(c, dim);
        VT_TRY(run_sis(c, dim));
        progress_note(c, "L0, dimension", dim);
        o.max_dim = dim;
        VT_TRY(vt_l0_search(c->X, c->n, c->n_sel, c->t, &o, &c->l0[dim - 1]));
        if (c->l0[dim - 1]->n_models[dim - 1] == 0) break;
        c->n_dims = dim;
    }
    if (c->show_progress) fprintf(stderr, "\r\033[K");
    if (c->n_dims == 0) VT_FAIL(VT_ERANGE, "sisso: no feature passes the value-range limits");
    return VT_OK;
}

static vt_status fit_prepare(fit_ctx *c, const vt_dataset *d, const size_t *rows)
{
    VT_TRY(resolve_primaries(d, c->set->primaries, &c->prim, &c->n_prim));
    VT_TRY(load_rows(c, d, rows));
    c->probe = vt_malloc(c->n * sizeof *c->probe);
    c->probe_grp = vt_malloc(c->n_groups * sizeof *c->probe_grp);
    c->r = vt_malloc(c->n * sizeof *c->r);
    c->r_grp = vt_malloc(c->n_groups * sizeof *c->r_grp);
    c->ones = vt_malloc(c->n * sizeof *c->ones);
    if (!c->probe || !c->probe_grp || !c->r || !c->r_grp || !c->ones) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    for (size_t i = 0; i < c->n; i++) c->ones[i] = 1.0;
    vt_rng rng;
    vt_rng_seed(&rng, 20240607); /* any fixed seed: the probe only tells features apart */
    for (size_t i = 0; i < c->n; i++) c->probe[i] = vt_rng_uniform(&rng);
    center(c->probe, c->n);
    group_sums(c, c->probe, c->probe_grp);
    return space_build(c);
}

static void fit_clear(fit_ctx *c)
{
    for (size_t j = 0; c->prim && j < c->n_prim; j++) vt_free(c->prim[j]);
    vt_free(c->prim);
    vt_free(c->P);
    vt_free(c->t);
    vt_free(c->group);
    vt_free(c->weight);
    space_clear(&c->sp);
    vt_free(c->probe);
    vt_free(c->probe_grp);
    vt_free(c->r);
    vt_free(c->r_grp);
    vt_free(c->ones);
    vt_free(c->sel);
    vt_free(c->X);
    for (int k = 0; k < VT_L0_MAX_DIM; k++) vt_l0_result_free(c->l0[k]);
}

/* ---------------------------------------------------------------------------------------------
** Models
*/
void vt_sisso_model_free(vt_sisso_model *m)
{
    if (!m) return;
    for (size_t j = 0; m->primaries && j < m->n_primaries; j++) vt_free(m->primaries[j]);
    vt_free(m->primaries);
    vt_free(m->nodes);
    vt_free(m->desc);
    vt_free(m);
}

int vt_sisso_model_dim(const vt_sisso_model *m)
{
    int dim = 0;
    for (int k = 1; k <= m->max_dim; k++)
        if (m->n_desc[k - 1] > 0) dim = k;
    return dim;
}

const vt_sisso_desc *vt_sisso_model_desc(const vt_sisso_model *m, int dim, int rank)
{
    if (!m || dim < 1 || dim > m->max_dim || rank < 0 || rank >= m->n_desc[dim - 1]) return NULL;
    return &m->desc[(size_t)(dim - 1) * (size_t)m->top_n + (size_t)rank];
}

/* Index of node (op, a, b) in the model, appended when new. */
static vt_status model_node(vt_sisso_model *m, size_t *cap, int32_t op, int32_t a, int32_t b, int32_t *out)
{
    for (size_t k = 0; k < m->n_nodes; k++)
        if (m->nodes[k].op == op && m->nodes[k].a == a && m->nodes[k].b == b) return *out = (int32_t)k, VT_OK;
    if (m->n_nodes == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        vt_sisso_node *nn = vt_realloc(m->nodes, c * sizeof *nn);
        if (!nn) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
        m->nodes = nn;
        *cap = c;
    }
    m->nodes[m->n_nodes] = (vt_sisso_node){op, a, b};
    *out = (int32_t)m->n_nodes++;
    return VT_OK;
}

/* The tree of a feature of the space (children stored) as model nodes; primaries keep the fit's
 * numbering until remap_primaries(). */
static vt_status to_tree(const space *s, const fnode *nd, vt_sisso_model *m, size_t *cap, int32_t *out)
{
    if (nd->op == VT_OP_VAR) return model_node(m, cap, VT_OP_VAR, (int32_t)nd->a, -1, out);
    int32_t ca, cb = -1;
    VT_TRY(to_tree(s, &s->node[nd->a], m, cap, &ca));
    if (op_table[nd->op].arity == 2) VT_TRY(to_tree(s, &s->node[nd->b], m, cap, &cb));
    return model_node(m, cap, nd->op, ca, cb, out);
}

/* Keep only the primaries the trees use, in the fit's order. */
static vt_status remap_primaries(vt_sisso_model *m, char *const *names, size_t n_prim)
{
    int32_t *map = vt_malloc((n_prim ? n_prim : 1) * sizeof *map);
    if (!map) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    for (size_t j = 0; j < n_prim; j++) map[j] = -1;
    for (size_t k = 0; k < m->n_nodes; k++)
        if (m->nodes[k].op == VT_OP_VAR) map[m->nodes[k].a] = 0;
    size_t used = 0;
    for (size_t j = 0; j < n_prim; j++)
        if (map[j] == 0) map[j] = (int32_t)used++;
    vt_status s = (m->primaries = vt_calloc(used ? used : 1, sizeof *m->primaries)) ? VT_OK
                                                                                    : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    for (size_t j = 0; s == VT_OK && j < n_prim; j++)
        if (map[j] >= 0 && !(m->primaries[m->n_primaries++] = vt_strdup(names[j]))) s = vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    for (size_t k = 0; s == VT_OK && k < m->n_nodes; k++)
        if (m->nodes[k].op == VT_OP_VAR) m->nodes[k].a = map[m->nodes[k].a];
    vt_free(map);
    return s;
}

/* Operators in the tree of node k. */
static int complexity(const vt_sisso_model *m, int32_t k)
{
    const vt_sisso_node *nd = &m->nodes[k];
    if (nd->op == VT_OP_VAR) return 0;
    return 1 + complexity(m, nd->a) + (op_table[nd->op].arity == 2 ? complexity(m, nd->b) : 0);
}

static int desc_complexity(const vt_sisso_model *m, const vt_sisso_desc *d)
{
    int n = 0;
    for (int q = 0; q < d->dim; q++) n += complexity(m, d->root[q]);
    return n;
}

/* Models of dimension k that fit as well as the best one to within tol (numerically exact ties,
 * e.g. {a, b} and {a - b, b} for a planted law) rank by fewer operators, then by their L0 rank. */
static void prefer_simple(vt_sisso_model *m, int k, double tol)
{
    vt_sisso_desc *d = &m->desc[(size_t)(k - 1) * (size_t)m->top_n];
    int n_tied = 1;
    while (n_tied < m->n_desc[k - 1] && d[n_tied].rmse <= d[0].rmse + tol) n_tied++;
    for (int i = 1; i < n_tied; i++) { /* insertion sort: stable, and the lists are short */
        vt_sisso_desc x = d[i];
        int cx = desc_complexity(m, &x), j = i;
        for (; j > 0 && desc_complexity(m, &d[j - 1]) > cx; j--) d[j] = d[j - 1];
        d[j] = x;
    }
}

static double std_dev(const double *v, size_t n)
{
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) mean += v[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (double)n);
}

static vt_status build_model(const fit_ctx *c, vt_sisso_model *m)
{
    size_t cap = 0;
    m->target = c->set->target;
    m->max_dim = c->n_dims;
    m->top_n = c->set->top_n;
    m->n_train = c->n;
    m->n_space = c->n_space;
    if (!(m->desc = vt_calloc((size_t)m->max_dim * (size_t)m->top_n, sizeof *m->desc))) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    for (int k = 1; k <= c->n_dims; k++) {
        m->n_desc[k - 1] = c->l0[k - 1]->n_models[k - 1];
        for (int rank = 0; rank < m->n_desc[k - 1]; rank++) {
            const vt_l0_model *lm = vt_l0_model_at(c->l0[k - 1], k, rank);
            vt_sisso_desc *d = &m->desc[(size_t)(k - 1) * (size_t)m->top_n + (size_t)rank];
            *d = (vt_sisso_desc){.dim = k, .intercept = lm->intercept, .rmse = lm->rmse, .maxae = lm->maxae};
            for (int q = 0; q < k; q++) {
                d->coef[q] = lm->coef[q];
                VT_TRY(to_tree(&c->sp, &c->sel[lm->feat[q]], m, &cap, &d->root[q]));
            }
        }
        prefer_simple(m, k, 1e-9 * std_dev(c->t, c->n));
    }
    return remap_primaries(m, c->prim, c->n_prim);
}

static vt_status check_settings(const vt_sisso_settings *s)
{
    if (s->rung < 0 || s->rung > 3) VT_FAIL(VT_EINVAL, "sisso: rung %d (0..3)", s->rung);
    if (s->max_dim < 1 || s->max_dim > VT_L0_MAX_DIM) VT_FAIL(VT_EINVAL, "sisso: max_dim %d (1..%d)", s->max_dim, VT_L0_MAX_DIM);
    if (s->sis_size < 1 || s->top_n < 1) VT_FAIL(VT_EINVAL, "sisso: sis_size and top_n must be >= 1");
    if (s->threads < 0 || s->threads > 256) VT_FAIL(VT_EINVAL, "sisso: threads %d (0..256)", s->threads);
    if (!(s->memory_gib >= 0.0) || !(s->eps > 0.0 && s->eps < 1.0)) VT_FAIL(VT_EINVAL, "sisso: memory_gib >= 0 and 0 < eps < 1");
    if (s->ops & ~(((1u << VT_OP_COUNT) - 1u) & ~1u)) VT_FAIL(VT_EINVAL, "sisso: unknown operator bits 0x%x", s->ops);
    return VT_OK;
}

vt_status vt_sisso_fit(const vt_dataset *d, const size_t *rows, size_t n_rows, const vt_sisso_settings *s,
                       vt_sisso_model **out)
{
    *out = NULL;
    VT_TRY(check_settings(s));
    if (!d->y) VT_FAIL(VT_EINVAL, "sisso: the data have no target column (diff_coeff_mul_thousand)");
    if (!rows) n_rows = d->n_rows;
    if (n_rows < 3) VT_FAIL(VT_EINVAL, "sisso: %zu training rows, need at least 3", n_rows);
    int n_threads = s->threads > 0 ? s->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    fit_ctx c = {.set = s, .n = n_rows, .n_threads = n_threads < 1 ? 1 : n_threads > 256 ? 256 : n_threads,
                 .show_progress = s->progress && isatty(STDERR_FILENO)};
    vt_sisso_model *m = vt_calloc(1, sizeof *m);
    vt_status st = m ? fit_prepare(&c, d, rows) : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    if (st == VT_OK) st = run_dims(&c);
    if (st == VT_OK) st = build_model(&c, m);
    fit_clear(&c);
    if (st != VT_OK) {
        vt_sisso_model_free(m);
        return st;
    }
    *out = m;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Evaluation and text
*/
static int node_text(const vt_sisso_model *m, int32_t k, char **buf, size_t *len, size_t *cap)
{
    const vt_sisso_node *nd = &m->nodes[k];
    switch (nd->op) {
    case VT_OP_VAR: {
        const char *name = m->primaries[nd->a];
        return appendf(buf, len, cap, "%s", strcmp(name, INV_KBT) == 0 ? "(1/kBT)" : name);
    }
    case VT_OP_ADD: case VT_OP_SUB: case VT_OP_MUL: case VT_OP_DIV:
        return appendf(buf, len, cap, "(") && node_text(m, nd->a, buf, len, cap) &&
               appendf(buf, len, cap, " %s ", op_table[nd->op].name) && node_text(m, nd->b, buf, len, cap) &&
               appendf(buf, len, cap, ")");
    case VT_OP_ABSDIFF:
        return appendf(buf, len, cap, "|") && node_text(m, nd->a, buf, len, cap) && appendf(buf, len, cap, " - ") &&
               node_text(m, nd->b, buf, len, cap) && appendf(buf, len, cap, "|");
    case VT_OP_INV: case VT_OP_SQ: case VT_OP_CUBE: case VT_OP_SIXTH: {
        int32_t cop = m->nodes[nd->a].op;
        int wrap = cop == VT_OP_INV || cop == VT_OP_SQ || cop == VT_OP_CUBE || cop == VT_OP_SIXTH;
        return appendf(buf, len, cap, "%s", wrap ? "(" : "") && node_text(m, nd->a, buf, len, cap) &&
               appendf(buf, len, cap, "%s%s", wrap ? ")" : "", op_table[nd->op].name);
    }
    default: {
        static const char *const fn[VT_OP_COUNT] = {[VT_OP_EXP] = "exp(", [VT_OP_EXPNEG] = "exp(-", [VT_OP_SQRT] = "sqrt(",
                                                    [VT_OP_CBRT] = "cbrt(", [VT_OP_LOG] = "ln(", [VT_OP_ABS] = "abs("};
        return appendf(buf, len, cap, "%s", fn[nd->op]) && node_text(m, nd->a, buf, len, cap) && appendf(buf, len, cap, ")");
    }
    }
}

char *vt_sisso_feature_text(const vt_sisso_model *m, int32_t node)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (node < 0 || (size_t)node >= m->n_nodes) return NULL;
    if (node_text(m, node, &buf, &len, &cap)) return buf;
    vt_free(buf);
    return NULL;
}

char *vt_sisso_equation(const vt_sisso_model *m, int dim, int rank)
{
    const vt_sisso_desc *d = vt_sisso_model_desc(m, dim, rank);
    if (!d) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int ok = appendf(&buf, &len, &cap, "%s = %.6g", m->target == VT_TARGET_LND ? "lnD" : "D_x1000", d->intercept);
    for (int q = 0; ok && q < d->dim; q++)
        ok = appendf(&buf, &len, &cap, " %c %.6g * ", d->coef[q] < 0 ? '-' : '+', fabs(d->coef[q])) &&
             node_text(m, d->root[q], &buf, &len, &cap);
    if (ok) return buf;
    vt_free(buf);
    return NULL;
}

/* Values of every node for n rows of primaries (row-major, n_primaries per row): vals[k * n + i]. */
static void eval_nodes(const vt_sisso_model *m, const double *P, size_t n, double *vals)
{
    for (size_t k = 0; k < m->n_nodes; k++) {
        const vt_sisso_node *nd = &m->nodes[k];
        double *v = vals + k * n;
        const double *a = vals + (size_t)nd->a * n, *b = vals + (size_t)nd->b * n;
        for (size_t i = 0; i < n; i++)
            v[i] = nd->op == VT_OP_VAR          ? P[i * m->n_primaries + (size_t)nd->a]
                   : op_table[nd->op].arity == 2 ? apply2(nd->op, a[i], b[i])
                                                 : apply1(nd->op, a[i]);
    }
}

static vt_status nonfinite_error(const vt_sisso_model *m, const vt_sisso_desc *dsc, const double *vals, size_t n,
                                 size_t i, const vt_dataset *d, size_t row)
{
    int q = 0;
    while (q + 1 < dsc->dim && isfinite(vals[(size_t)dsc->root[q] * n + i])) q++;
    char *text = vt_sisso_feature_text(m, dsc->root[q]);
    vt_status s = vt_err_set_(VT_ERANGE, "sisso: row %zu (%s): feature %s is not finite there", row + 1,
                              d->formula ? d->formula[row] : "?", text ? text : "?");
    vt_free(text);
    return s;
}

vt_status vt_sisso_eval(const vt_sisso_model *m, int dim, int rank, const vt_dataset *d, const size_t *rows,
                        size_t n_rows, double *out)
{
    if (dim == 0) dim = vt_sisso_model_dim(m);
    const vt_sisso_desc *dsc = vt_sisso_model_desc(m, dim, rank);
    if (!dsc) VT_FAIL(VT_EINVAL, "sisso: the model has no descriptor of dimension %d, rank %d", dim, rank);
    if (!rows) n_rows = d->n_rows;
    double *P = NULL;
    VT_TRY(vt_inputs_build(d, rows, n_rows, m->primaries, m->n_primaries, &P));
    double *vals = vt_malloc((m->n_nodes ? m->n_nodes : 1) * (n_rows ? n_rows : 1) * sizeof *vals);
    vt_status s = vals ? VT_OK : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    if (s == VT_OK) eval_nodes(m, P, n_rows, vals);
    for (size_t i = 0; s == VT_OK && i < n_rows; i++) {
        double y = dsc->intercept;
        for (int q = 0; q < dsc->dim; q++) y += dsc->coef[q] * vals[(size_t)dsc->root[q] * n_rows + i];
        if (!isfinite(y)) s = nonfinite_error(m, dsc, vals, n_rows, i, d, rows ? rows[i] : i);
        out[i] = y;
    }
    vt_free(P);
    vt_free(vals);
    return s;
}

vt_status vt_sisso_predict(const vt_sisso_model *m, const vt_dataset *d, const size_t *rows, size_t n_rows,
                           double *D_x1000)
{
    VT_TRY(vt_sisso_eval(m, 0, 0, d, rows, n_rows, D_x1000));
    if (!rows) n_rows = d->n_rows;
    for (size_t i = 0; m->target == VT_TARGET_LND && i < n_rows; i++) D_x1000[i] = 1000.0 * exp(D_x1000[i]);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** JSON
*/

/* cJSON prints 15 digits whenever they read back within a relative DBL_EPSILON, which changes the
 * last bit of some doubles; a raw item carries text that reads back exactly. */
static cJSON *exact_number(double v)
{
    char buf[32];
    if (!isfinite(v)) return cJSON_CreateNull();
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

/* Add item to o (array when name is NULL); 0 when item is NULL (out of memory). */
static int put(cJSON *o, const char *name, cJSON *item)
{
    if (!item) return 0;
    if (name) cJSON_AddItemToObject(o, name, item);
    else cJSON_AddItemToArray(o, item);
    return 1;
}

static cJSON *node_json(const vt_sisso_model *m, const vt_sisso_node *nd)
{
    cJSON *a = cJSON_CreateArray();
    int ok = a && put(a, NULL, cJSON_CreateString(op_table[nd->op].name));
    if (ok && nd->op == VT_OP_VAR) ok = put(a, NULL, cJSON_CreateString(m->primaries[nd->a]));
    else if (ok) ok = put(a, NULL, cJSON_CreateNumber(nd->a)) && (op_table[nd->op].arity == 1 || put(a, NULL, cJSON_CreateNumber(nd->b)));
    if (ok) return a;
    cJSON_Delete(a);
    return NULL;
}

static cJSON *desc_json(const vt_sisso_model *m, const vt_sisso_desc *d, int rank)
{
    cJSON *o = cJSON_CreateObject(), *f = cJSON_CreateArray(), *c = cJSON_CreateArray();
    int ok = o && put(o, "features", f) && put(o, "coef", c);
    if (!ok) {
        cJSON_Delete(f);
        cJSON_Delete(c);
    }
    for (int q = 0; ok && q < d->dim; q++) ok = put(f, NULL, cJSON_CreateNumber(d->root[q])) && put(c, NULL, exact_number(d->coef[q]));
    char *eq = ok ? vt_sisso_equation(m, d->dim, rank) : NULL;
    ok = ok && eq && put(o, "dim", cJSON_CreateNumber(d->dim)) && put(o, "rank", cJSON_CreateNumber(rank)) &&
         put(o, "intercept", exact_number(d->intercept)) && put(o, "rmse", exact_number(d->rmse)) &&
         put(o, "maxae", exact_number(d->maxae)) && put(o, "equation", cJSON_CreateString(eq));
    vt_free(eq);
    if (ok) return o;
    cJSON_Delete(o);
    return NULL;
}

cJSON *vt_sisso_to_json(const vt_sisso_model *m)
{
    cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateArray(), *nodes = cJSON_CreateArray(), *models = cJSON_CreateArray();
    int ok = o && put(o, "primaries", p) && put(o, "nodes", nodes) && put(o, "models", models);
    if (!ok) {
        cJSON_Delete(p);
        cJSON_Delete(nodes);
        cJSON_Delete(models);
    }
    ok = ok && put(o, "kind", cJSON_CreateString("sisso")) &&
         put(o, "target", cJSON_CreateString(m->target == VT_TARGET_LND ? "lnD" : "D")) &&
         put(o, "max_dim", cJSON_CreateNumber(m->max_dim)) && put(o, "top_n", cJSON_CreateNumber(m->top_n)) &&
         put(o, "n_train", cJSON_CreateNumber((double)m->n_train)) && put(o, "n_space", exact_number(m->n_space));
    for (size_t j = 0; ok && j < m->n_primaries; j++) ok = put(p, NULL, cJSON_CreateString(m->primaries[j]));
    for (size_t k = 0; ok && k < m->n_nodes; k++) ok = put(nodes, NULL, node_json(m, &m->nodes[k]));
    for (int k = 1; ok && k <= m->max_dim; k++)
        for (int r = 0; ok && r < m->n_desc[k - 1]; r++) ok = put(models, NULL, desc_json(m, vt_sisso_model_desc(m, k, r), r));
    if (ok) return o;
    cJSON_Delete(o);
    return NULL;
}

/* A number item, or a raw item as vt_sisso_to_json makes them (passed on without printing). */
static int json_double(const cJSON *item, double *v)
{
    if (cJSON_IsNumber(item)) return *v = item->valuedouble, 1;
    if (!cJSON_IsRaw(item) || !item->valuestring) return 0;
    char *end;
    *v = strtod(item->valuestring, &end);
    return end != item->valuestring && *end == '\0';
}

static vt_status json_int(const cJSON *o, const char *name, int lo, int hi, int *out)
{
    double v;
    if (!json_double(cJSON_GetObjectItemCaseSensitive(o, name), &v) || v != floor(v) || v < lo || v > hi)
        VT_FAIL(VT_EPARSE, "sisso JSON: \"%s\": expected a whole number in %d..%d", name, lo, hi);
    *out = (int)v;
    return VT_OK;
}

static vt_status json_node(const cJSON *a, vt_sisso_model *m, size_t k)
{
    const cJSON *name = cJSON_GetArrayItem(a, 0);
    int op = cJSON_IsString(name) ? (strcmp(name->valuestring, "var") == 0 ? VT_OP_VAR : op_by_name(name->valuestring, strlen(name->valuestring))) : -1;
    if (op < 0 || !cJSON_IsArray(a) || cJSON_GetArraySize(a) != 1 + (op == VT_OP_VAR ? 1 : op_table[op].arity))
        VT_FAIL(VT_EPARSE, "sisso JSON: \"nodes\"[%zu]: expected [\"var\", name], [op, child] or [op, a, b]", k);
    vt_sisso_node *nd = &m->nodes[k];
    *nd = (vt_sisso_node){op, -1, -1};
    if (op == VT_OP_VAR) {
        const cJSON *v = cJSON_GetArrayItem(a, 1);
        for (size_t j = 0; cJSON_IsString(v) && j < m->n_primaries; j++)
            if (strcmp(m->primaries[j], v->valuestring) == 0) nd->a = (int32_t)j;
        if (nd->a < 0) VT_FAIL(VT_EPARSE, "sisso JSON: \"nodes\"[%zu]: not one of the primaries", k);
        return VT_OK;
    }
    for (int c = 0; c < op_table[op].arity; c++) {
        double v;
        if (!json_double(cJSON_GetArrayItem(a, 1 + c), &v) || v != floor(v) || v < 0 || v >= (double)k)
            VT_FAIL(VT_EPARSE, "sisso JSON: \"nodes\"[%zu]: child %d must be an earlier node", k, c + 1);
        if (c == 0) nd->a = (int32_t)v;
        else nd->b = (int32_t)v;
    }
    return VT_OK;
}

static vt_status json_desc(const cJSON *o, vt_sisso_model *m, uint8_t *filled, size_t k)
{
    int dim = 0, rank = 0;
    VT_TRY(json_int(o, "dim", 1, m->max_dim, &dim));
    VT_TRY(json_int(o, "rank", 0, m->top_n - 1, &rank));
    size_t slot = (size_t)(dim - 1) * (size_t)m->top_n + (size_t)rank;
    if (filled[slot]) VT_FAIL(VT_EPARSE, "sisso JSON: \"models\"[%zu]: dimension %d rank %d given twice", k, dim, rank);
    filled[slot] = 1;
    vt_sisso_desc *d = &m->desc[slot];
    d->dim = dim;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "features"), *c = cJSON_GetObjectItemCaseSensitive(o, "coef");
    if (cJSON_GetArraySize(f) != dim || cJSON_GetArraySize(c) != dim)
        VT_FAIL(VT_EPARSE, "sisso JSON: \"models\"[%zu]: \"features\" and \"coef\" need %d entries", k, dim);
    for (int q = 0; q < dim; q++) {
        double v;
        if (!json_double(cJSON_GetArrayItem(f, q), &v) || v != floor(v) || v < 0 || v >= (double)m->n_nodes ||
            !json_double(cJSON_GetArrayItem(c, q), &d->coef[q]))
            VT_FAIL(VT_EPARSE, "sisso JSON: \"models\"[%zu]: feature %d: bad node index or coefficient", k, q);
        d->root[q] = (int32_t)v;
    }
    if (!json_double(cJSON_GetObjectItemCaseSensitive(o, "intercept"), &d->intercept) ||
        !json_double(cJSON_GetObjectItemCaseSensitive(o, "rmse"), &d->rmse) ||
        !json_double(cJSON_GetObjectItemCaseSensitive(o, "maxae"), &d->maxae))
        VT_FAIL(VT_EPARSE, "sisso JSON: \"models\"[%zu]: \"intercept\", \"rmse\" and \"maxae\" must be numbers", k);
    if (rank + 1 > m->n_desc[dim - 1]) m->n_desc[dim - 1] = rank + 1;
    return VT_OK;
}

static vt_status json_header(const cJSON *obj, vt_sisso_model *m)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind"), *target = cJSON_GetObjectItemCaseSensitive(obj, "target");
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "sisso") != 0) VT_FAIL(VT_EPARSE, "sisso JSON: \"kind\" must be \"sisso\"");
    if (!cJSON_IsString(target) || (strcmp(target->valuestring, "lnD") && strcmp(target->valuestring, "D")))
        VT_FAIL(VT_EPARSE, "sisso JSON: \"target\" must be \"lnD\" or \"D\"");
    m->target = strcmp(target->valuestring, "lnD") == 0 ? VT_TARGET_LND : VT_TARGET_D;
    VT_TRY(json_int(obj, "max_dim", 1, VT_L0_MAX_DIM, &m->max_dim));
    VT_TRY(json_int(obj, "top_n", 1, 1000, &m->top_n));
    double v;
    if (json_double(cJSON_GetObjectItemCaseSensitive(obj, "n_train"), &v) && v >= 0) m->n_train = (size_t)v;
    if (json_double(cJSON_GetObjectItemCaseSensitive(obj, "n_space"), &v)) m->n_space = v;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(obj, "primaries");
    if (!cJSON_IsArray(p)) VT_FAIL(VT_EPARSE, "sisso JSON: \"primaries\" must be an array of names");
    size_t n = (size_t)cJSON_GetArraySize(p);
    if (!(m->primaries = vt_calloc(n ? n : 1, sizeof *m->primaries))) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    for (const cJSON *e = p->child; e; e = e->next) {
        if (!cJSON_IsString(e)) VT_FAIL(VT_EPARSE, "sisso JSON: \"primaries\"[%zu] must be a name", m->n_primaries);
        if (!(m->primaries[m->n_primaries++] = vt_strdup(e->valuestring))) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    }
    return VT_OK;
}

static vt_status json_body(const cJSON *obj, vt_sisso_model *m)
{
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(obj, "nodes"), *models = cJSON_GetObjectItemCaseSensitive(obj, "models");
    if (!cJSON_IsArray(nodes) || !cJSON_IsArray(models)) VT_FAIL(VT_EPARSE, "sisso JSON: \"nodes\" and \"models\" must be arrays");
    size_t n_nodes = (size_t)cJSON_GetArraySize(nodes), n_slots = (size_t)m->max_dim * (size_t)m->top_n;
    m->nodes = vt_calloc(n_nodes ? n_nodes : 1, sizeof *m->nodes);
    m->desc = vt_calloc(n_slots, sizeof *m->desc);
    uint8_t *filled = vt_calloc(n_slots, 1);
    vt_status s = m->nodes && m->desc && filled ? VT_OK : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    size_t k = 0;
    for (const cJSON *e = nodes->child; s == VT_OK && e; e = e->next, k++) s = json_node(e, m, k), m->n_nodes = k + 1;
    k = 0;
    for (const cJSON *e = models->child; s == VT_OK && e; e = e->next, k++) s = json_desc(e, m, filled, k);
    for (int d = 1; s == VT_OK && d <= m->max_dim; d++)
        for (int r = 0; s == VT_OK && r < m->n_desc[d - 1]; r++)
            if (!filled[(size_t)(d - 1) * (size_t)m->top_n + (size_t)r])
                s = vt_err_set_(VT_EPARSE, "sisso JSON: dimension %d lacks the model of rank %d", d, r);
    if (s == VT_OK && vt_sisso_model_dim(m) == 0) s = vt_err_set_(VT_EPARSE, "sisso JSON: no model");
    vt_free(filled);
    return s;
}

vt_status vt_sisso_from_json(const cJSON *obj, vt_sisso_model **out)
{
    *out = NULL;
    vt_sisso_model *m = vt_calloc(1, sizeof *m);
    if (!m) VT_FAIL(VT_ENOMEM, "sisso: out of memory");
    vt_status s = cJSON_IsObject(obj) ? json_header(obj, m) : vt_err_set_(VT_EPARSE, "sisso JSON: expected an object");
    if (s == VT_OK) s = json_body(obj, m);
    if (s != VT_OK) {
        vt_sisso_model_free(m);
        return s;
    }
    *out = m;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Cross-validation
*/

/* Fit on the rows outside fold f, predict the rows in it into pred; the fold's squared error sum. */
static vt_status cv_fold(const vt_dataset *d, const vt_sisso_settings *s, const int *fold, int f, size_t *train,
                         size_t *test, double *buf, double *pred, double *sse)
{
    size_t n_train = 0, n_test = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        if (fold[i] == f) test[n_test++] = i;
        else train[n_train++] = i;
    }
    vt_sisso_model *m = NULL;
    VT_TRY(vt_sisso_fit(d, train, n_train, s, &m));
    vt_status st = vt_sisso_eval(m, 0, 0, d, test, n_test, buf);
    vt_sisso_model_free(m);
    *sse = 0.0;
    for (size_t i = 0; st == VT_OK && i < n_test; i++) {
        double truth = s->target == VT_TARGET_LND ? log(d->y[test[i]] / 1000.0) : d->y[test[i]];
        pred[test[i]] = buf[i];
        *sse += (buf[i] - truth) * (buf[i] - truth);
    }
    return st;
}

vt_status vt_sisso_cv(const vt_dataset *d, const vt_sisso_settings *s, int k, uint64_t seed, double *pred,
                      double *rmse, double *fold_rmse)
{
    if (!d->y) VT_FAIL(VT_EINVAL, "sisso: the data have no target column (diff_coeff_mul_thousand)");
    size_t n = d->n_rows;
    int *fold = vt_malloc(n * sizeof *fold);
    size_t *train = vt_malloc(n * sizeof *train), *test = vt_malloc(n * sizeof *test);
    double *buf = vt_malloc(n * sizeof *buf), *own = pred ? NULL : vt_malloc(n * sizeof *own);
    vt_status st = fold && train && test && buf && (pred || own) ? VT_OK : vt_err_set_(VT_ENOMEM, "sisso: out of memory");
    if (st == VT_OK) st = vt_folds_assign(d, k, 1, seed, fold);
    double total = 0.0;
    for (int f = 0; st == VT_OK && f < k; f++) {
        double sse = 0.0;
        size_t n_f = 0;
        st = cv_fold(d, s, fold, f, train, test, buf, pred ? pred : own, &sse);
        for (size_t i = 0; i < n; i++) n_f += fold[i] == f;
        if (fold_rmse) fold_rmse[f] = sqrt(sse / (double)(n_f ? n_f : 1));
        total += sse;
    }
    if (st == VT_OK) *rmse = sqrt(total / (double)n);
    vt_free(fold);
    vt_free(train);
    vt_free(test);
    vt_free(buf);
    vt_free(own);
    return st;
}
