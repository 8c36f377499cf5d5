/*
** sql.c - an OPTIMADE filter tree (filter.h) as one boolean SQL expression over the store's schema,
** every value a bound parameter ('?': the store turns them into $n for PostgreSQL). The SQL is
** the subset SQLite and PostgreSQL share: IN (subquery), GROUP BY/HAVING, length, substr, replace,
** COALESCE, CAST(... AS TEXT); no LIKE (case rules differ), no instr/strpos (named differently).
** Invariants (tests/server/test_filter.c and tests/server/test_optimade.sh check them):
**  (1) No text of the filter ever enters the SQL text: property names select SQL from the
**      constant table of props.c, values become parameters.
**  (2) NOT is pushed to the leaves (De Morgan; x < 1 negated is x >= 1; IN <-> NOT IN), so that a
**      comparison on an unknown (null) value never matches, negated or not, as the spec requires;
**      D and Ea comparisons are non-correlated "r.id IN (SELECT run_id ... WHERE value op ?)",
**      evaluated once per query through the index diffusivities_t (t_k, element, d_cm2_s).
**  (3) Unsupported constructs fail with VT_ENOTSUP (HTTP 501) naming the construct; unknown
**      properties and bad timestamps with VT_EINVAL (HTTP 400).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "optimade.h"

static void put(vt_sqlq *q, const char *s) { vt_text_put(&q->sql, s, strlen(s)); }

void vt_sqlq_clear(vt_sqlq *q)
{
    vt_text_clear(&q->sql);
    vt_free(q->params);
    for (size_t k = 0; k < q->n_owned; k++) vt_free(q->owned[k]);
    vt_free(q->owned);
    memset(q, 0, sizeof *q);
}

vt_status vt_sqlq_param(vt_sqlq *q, vt_sql_value v)
{
    if (q->n_params == q->cap_params) {
        if (q->cap_params >= VT_SQLQ_MAX_PARAMS) VT_FAIL(VT_EINVAL, "filter: more than %d values", VT_SQLQ_MAX_PARAMS);
        size_t cap = q->cap_params ? 2 * q->cap_params : 16;
        vt_sql_value *p = vt_realloc(q->params, cap * sizeof *p);
        if (!p) VT_FAIL(VT_ENOMEM, "server: out of memory");
        q->params = p;
        q->cap_params = cap;
    }
    q->params[q->n_params++] = v;
    return VT_OK;
}

/* A text parameter owned by q (copied). */
static vt_status param_owned(vt_sqlq *q, const char *s)
{
    char **o = vt_realloc(q->owned, (q->n_owned + 1) * sizeof *o);
    if (!o) VT_FAIL(VT_ENOMEM, "server: out of memory");
    q->owned = o;
    if (!(o[q->n_owned] = vt_strdup(s))) VT_FAIL(VT_ENOMEM, "server: out of memory");
    return vt_sqlq_param(q, vt_sql_text(q->owned[q->n_owned++]));
}

const char *vt_optimade_from(int with_structure)
{
    return with_structure ? " FROM runs r JOIN compositions c ON c.id = r.composition_id"
                            " LEFT JOIN structures s ON s.id = (SELECT s2.id FROM structures s2 WHERE s2.run_id = r.id"
                            " ORDER BY s2.t_k, s2.frame DESC LIMIT 1)"
                          : " FROM runs r JOIN compositions c ON c.id = r.composition_id";
}

static vt_status always(vt_sqlq *q, int truth)
{
    put(q, truth ? "(1 = 1)" : "(1 = 0)");
    return VT_OK;
}

/* x op v  <=>  v mirror(op) x;   NOT (x op v)  <=>  x negate(op) v  (for known x). */
static vt_flt_op mirror(vt_flt_op op)
{
    static const vt_flt_op m[] = {VT_OP_EQ, VT_OP_NE, VT_OP_GT, VT_OP_GE, VT_OP_LT, VT_OP_LE};
    return m[op];
}
static vt_flt_op negate(vt_flt_op op)
{
    static const vt_flt_op m[] = {VT_OP_NE, VT_OP_EQ, VT_OP_GE, VT_OP_GT, VT_OP_LE, VT_OP_LT};
    return m[op];
}

static const char *type_name(vt_ptype t)
{
    static const char *const names[] = {"string", "integer", "float", "timestamp", "list", "dictionary"};
    return names[t];
}

static vt_status resolve(const char *name, vt_prop_ref *ref, vt_sqlq *q)
{
    if (strchr(name, '.')) VT_FAIL(VT_ENOTSUP, "filter: nested property names ('%.80s') are not supported", name);
    VT_TRY(vt_optimade_prop_resolve(name, ref));
    if (ref->is_foreign && !q->warning[0])
        snprintf(q->warning, sizeof q->warning, "property '%.80s' of another provider is treated as unknown", name);
    if (ref->prop->flags & VT_PF_STRUCT) q->needs_structure = 1;
    return VT_OK;
}

/* A constant compared with property name of type t: strings with strings and timestamps,
 * numbers with numbers (spec: other pairs are type conversions, 501). */
static vt_status check_value(const char *name, vt_ptype t, const vt_flt_value *v)
{
    if (v->kind == VT_FV_PROPERTY)
        VT_FAIL(VT_ENOTSUP, "filter: comparing a property with a property ('%.60s') is not supported", v->text);
    int wants_string = t == VT_PT_STRING || t == VT_PT_TIMESTAMP || t == VT_PT_LIST;
    if (wants_string != (v->kind == VT_FV_STRING))
        VT_FAIL(VT_ENOTSUP, "filter: %.80s is of type %s%s, compared with a %s: type conversion is not implemented", name,
                type_name(t), t == VT_PT_LIST ? " of strings" : "", v->kind == VT_FV_STRING ? "string" : "number");
    if (v->kind == VT_FV_NUMBER && v->is_out_of_range)
        VT_FAIL(VT_ENOTSUP, "filter: number %.40s is outside the supported range (|x| < 1.7e308)", v->text);
    return VT_OK;
}

/* ---- timestamps: RFC 3339 -> the store's "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds) ---- */
static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') return 0;
        *v = 10 * *v + (s[k] - '0');
    }
    return 1;
}

/* Seconds since 1970 of an RFC 3339 date-time; *has_fraction when it has nonzero fractional
 * seconds (then *t is the whole second below). 0 when malformed. */
static int parse_rfc3339(const char *s, time_t *t, int *has_fraction)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0;
    struct tm tm = {0};
    *has_fraction = 0;
    if (strlen(s) < 20 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &m) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        size_t n = strspn(++p, "0123456789");
        if (!n) return 0;
        for (size_t k = 0; k < n; k++) *has_fraction |= p[k] != '0';
        p += n;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om)) {
        if (oh > 23 || om > 59) return 0;
        if (*p == '-') oh = -oh, om = -om;
        p += 6;
    } else {
        return 0;
    }
    if (*p || M < 1 || M > 12 || D < 1 || h > 23 || m > 59 || sec > 59) return 0;
    tm.tm_year = Y - 1900, tm.tm_mon = M - 1, tm.tm_mday = D, tm.tm_hour = h, tm.tm_min = m, tm.tm_sec = sec;
    time_t local = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&local, &back) || back.tm_mday != D || back.tm_mon != M - 1) return 0; /* "02-30" */
    *t = local - (time_t)oh * 3600 - (time_t)om * 60;
    return 1;
}

static vt_status param_time(vt_sqlq *q, time_t t)
{
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999 ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        VT_FAIL(VT_EINVAL, "filter: timestamp out of the years 0000-9999");
    return param_owned(q, buf);
}

/* expr op timestamp, with f = floor and c = ceil of the value in whole seconds (the store keeps
 * whole seconds): < c, <= f, > f, >= c, = (>= c AND <= f), != (< c OR > f). */
static vt_status cmp_time(const char *expr, vt_flt_op op, const vt_flt_value *v, vt_sqlq *q)
{
    time_t t;
    int frac;
    if (!parse_rfc3339(v->text, &t, &frac))
        VT_FAIL(VT_EINVAL, "filter: '%.40s' is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)", v->text);
    time_t f = t, c = t + frac;
    static const char *const two[] = {">=", "<=", "<", ">"};
    char sql[512];
    switch (op) {
    case VT_OP_EQ: case VT_OP_NE:
        snprintf(sql, sizeof sql, "(%s %s ? %s %s %s ?)", expr, two[op == VT_OP_EQ ? 0 : 2],
                 op == VT_OP_EQ ? "AND" : "OR", expr, two[op == VT_OP_EQ ? 1 : 3]);
        put(q, sql);
        VT_TRY(param_time(q, c));
        return param_time(q, f);
    default:
        snprintf(sql, sizeof sql, "(%s %s ?)", expr, vt_flt_op_text(op));
        put(q, sql);
        return param_time(q, op == VT_OP_LT || op == VT_OP_GE ? c : f);
    }
}

static vt_status cmp_column(const vt_prop_ref *ref, vt_flt_op op, const vt_flt_value *v, vt_sqlq *q)
{
    const vt_prop *p = ref->prop;
    if (p->type == VT_PT_TIMESTAMP) return cmp_time(p->sql, op, v, q);
    char sql[512];
    snprintf(sql, sizeof sql, "(%s %s ?)", p->sql, vt_flt_op_text(op));
    put(q, sql);
    return vt_sqlq_param(q, v->kind == VT_FV_STRING ? vt_sql_text(v->text) : vt_sql_real(v->number));
}

/* "r.id [NOT] IN (SELECT run_id FROM diffusivities|arrhenius WHERE element = ? [AND t_k = ?]
 * [AND value op ?])": op < 0 for a presence test. */
static vt_status run_subquery(const vt_prop_ref *ref, int in, int op, double value, vt_sqlq *q)
{
    int is_d = ref->prop->kind == VT_PK_D;
    put(q, in ? "(r.id IN (SELECT run_id FROM " : "(r.id NOT IN (SELECT run_id FROM ");
    put(q, is_d ? "diffusivities WHERE element = ? AND t_k = ?" : "arrhenius WHERE element = ?");
    VT_TRY(vt_sqlq_param(q, vt_sql_text(vt_element_by_Z(ref->Z)->symbol)));
    if (is_d) VT_TRY(vt_sqlq_param(q, vt_sql_real(ref->T_K)));
    if (op >= 0) {
        put(q, is_d ? " AND d_cm2_s " : " AND ea_ev ");
        put(q, vt_flt_op_text((vt_flt_op)op));
        put(q, " ?");
        VT_TRY(vt_sqlq_param(q, vt_sql_real(value)));
    }
    put(q, "))");
    return VT_OK;
}

static vt_status gen_cmp(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    const vt_flt_value *l = &n->values[0], *r = &n->values[1];
    if (l->kind != VT_FV_PROPERTY && r->kind != VT_FV_PROPERTY)
        VT_FAIL(VT_ENOTSUP, "filter: position %zu: comparisons of two constants are not supported", n->pos);
    if (l->kind == VT_FV_PROPERTY && r->kind == VT_FV_PROPERTY)
        VT_FAIL(VT_ENOTSUP, "filter: position %zu: comparisons of two properties are not supported", n->pos);
    int prop_first = l->kind == VT_FV_PROPERTY;
    const char *name = prop_first ? l->text : r->text;
    const vt_flt_value *v = prop_first ? r : l;
    vt_flt_op op = prop_first ? n->op : mirror(n->op);
    if (neg) op = negate(op);
    vt_prop_ref ref;
    VT_TRY(resolve(name, &ref, q));
    const vt_prop *p = ref.prop;
    switch (p->kind) {
    case VT_PK_NULL: return always(q, 0);
    case VT_PK_COLUMN:
        VT_TRY(check_value(name, p->type, v));
        return cmp_column(&ref, op, v, q);
    case VT_PK_D: case VT_PK_EA:
        VT_TRY(check_value(name, p->type, v));
        return run_subquery(&ref, 1, (int)op, v->number, q);
    case VT_PK_ELEMENTS: case VT_PK_EMPTY_LIST:
        VT_FAIL(VT_ENOTSUP, "filter: %s is a list: use HAS, HAS ALL, HAS ANY, HAS ONLY or LENGTH", name);
    default:
        VT_FAIL(VT_ENOTSUP, "filter: %s is returned but not queryable", name);
    }
}

static vt_status gen_known(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    vt_prop_ref ref;
    VT_TRY(resolve(n->props[0], &ref, q));
    int known = n->is_known != neg;
    const vt_prop *p = ref.prop;
    char sql[512];
    switch (p->kind) {
    case VT_PK_COLUMN:
        snprintf(sql, sizeof sql, "(%s IS %sNULL)", p->sql, known ? "NOT " : "");
        put(q, sql);
        return VT_OK;
    case VT_PK_ELEMENTS: case VT_PK_EMPTY_LIST: return always(q, known);
    case VT_PK_NULL: return always(q, !known);
    case VT_PK_D: case VT_PK_EA: return run_subquery(&ref, known, -1, 0, q);
    default:
        /* Structure-derived outputs are known exactly when there is a structure; the other
         * default outputs (elements_ratios, dimension_types) always are. */
        if (p->flags & VT_PF_STRUCT) {
            put(q, known ? "(s.id IS NOT NULL)" : "(s.id IS NULL)");
            return VT_OK;
        }
        if (p->flags & VT_PF_DEFAULT) return always(q, known);
        VT_FAIL(VT_ENOTSUP, "filter: %s is returned but not queryable", n->props[0]);
    }
}

static vt_status gen_fuzzy(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    static const char *const what[] = {"CONTAINS", "STARTS WITH", "ENDS WITH"};
    const char *kw = what[n->kind - VT_FLT_CONTAINS];
    vt_prop_ref ref;
    VT_TRY(resolve(n->props[0], &ref, q));
    const vt_prop *p = ref.prop;
    const vt_flt_value *v = &n->values[0];
    if (p->kind == VT_PK_NULL) return always(q, 0);
    if (p->kind != VT_PK_COLUMN || p->type != VT_PT_STRING)
        VT_FAIL(VT_ENOTSUP, "filter: %s works on string properties; %s is a %s", kw, n->props[0], type_name(p->type));
    VT_TRY(check_value(n->props[0], p->type, v));
    char sql[1024];
    if (!v->text[0]) { /* every known string contains "" */
        if (neg) return always(q, 0);
        snprintf(sql, sizeof sql, "(%s IS NOT NULL)", p->sql);
        put(q, sql);
        return VT_OK;
    }
    const char *e = p->sql;
    int n_params = 1;
    if (n->kind == VT_FLT_CONTAINS) {
        snprintf(sql, sizeof sql, "(length(%s) > length(replace(%s, ?, '')))", e, e);
    } else if (n->kind == VT_FLT_STARTS) {
        snprintf(sql, sizeof sql, "(substr(%s, 1, length(?)) = ?)", e);
        n_params = 2;
    } else {
        snprintf(sql, sizeof sql, "(length(%s) >= length(?) AND substr(%s, length(%s) - length(?) + 1) = ?)", e, e, e);
        n_params = 3;
    }
    if (neg) { /* a null string must not match the negation either */
        put(q, "(");
        put(q, e);
        put(q, " IS NOT NULL AND NOT ");
    }
    put(q, sql);
    if (neg) put(q, ")");
    for (int k = 0; k < n_params; k++) VT_TRY(vt_sqlq_param(q, vt_sql_text(v->text)));
    return VT_OK;
}

/* Number of distinct strings among the n values. */
static size_t n_distinct(const vt_flt_value *v, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && strcmp(v[j].text, v[i].text) != 0) j++;
        d += j == i;
    }
    return d;
}

static vt_status gen_has(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    if (n->n_props > 1)
        VT_FAIL(VT_ENOTSUP, "filter: position %zu: correlated list comparisons (a:b HAS ...) are not supported", n->pos);
    vt_prop_ref ref;
    VT_TRY(resolve(n->props[0], &ref, q));
    const vt_prop *p = ref.prop;
    if (p->kind == VT_PK_NULL) return always(q, 0);
    if (p->kind != VT_PK_ELEMENTS && p->kind != VT_PK_EMPTY_LIST)
        VT_FAIL(VT_ENOTSUP, "filter: HAS works on elements and structure_features; not on %s", n->props[0]);
    for (size_t k = 0; k < n->n_values; k++) {
        if (n->values[k].has_op && n->values[k].op != VT_OP_EQ)
            VT_FAIL(VT_ENOTSUP, "filter: position %zu: operators inside HAS value lists are not supported", n->pos);
        VT_TRY(check_value(n->props[0], VT_PT_LIST, &n->values[k]));
    }
    if (p->kind == VT_PK_EMPTY_LIST) return always(q, (n->kind == VT_FLT_HAS_ONLY) != neg); /* [] has nothing */
    int is_only = n->kind == VT_FLT_HAS_ONLY, is_all = n->kind == VT_FLT_HAS_ALL;
    /* HAS ONLY vs = no element outside vs: NOT IN (compositions with an element NOT IN vs). */
    put(q, is_only != neg ? "(c.id NOT IN " : "(c.id IN ");
    put(q, is_only ? "(SELECT composition_id FROM composition_elements WHERE element NOT IN ("
                   : "(SELECT composition_id FROM composition_elements WHERE element IN (");
    for (size_t k = 0; k < n->n_values; k++) {
        put(q, k ? ", ?" : "?");
        VT_TRY(vt_sqlq_param(q, vt_sql_text(n->values[k].text)));
    }
    put(q, ")");
    if (is_all) {
        put(q, " GROUP BY composition_id HAVING COUNT(*) = ?");
        VT_TRY(vt_sqlq_param(q, vt_sql_int((int64_t)n_distinct(n->values, n->n_values))));
    }
    put(q, "))");
    return VT_OK;
}

static vt_status gen_length(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    vt_prop_ref ref;
    VT_TRY(resolve(n->props[0], &ref, q));
    const vt_prop *p = ref.prop;
    const vt_flt_value *v = &n->values[0];
    vt_flt_op op = neg ? negate(n->op) : n->op;
    if (p->kind == VT_PK_NULL) return always(q, 0);
    if (p->kind != VT_PK_ELEMENTS && p->kind != VT_PK_EMPTY_LIST)
        VT_FAIL(VT_ENOTSUP, "filter: LENGTH works on elements and structure_features; not on %s", n->props[0]);
    VT_TRY(check_value("LENGTH", VT_PT_INTEGER, v));
    if (p->kind == VT_PK_EMPTY_LIST) {
        double x = v->number;
        int truth[] = {0 == x, 0 != x, 0 < x, 0 <= x, 0 > x, 0 >= x};
        return always(q, truth[op]);
    }
    put(q, "(c.nelements ");
    put(q, vt_flt_op_text(op));
    put(q, " ?)");
    return vt_sqlq_param(q, vt_sql_real(v->number));
}

static vt_status gen(const vt_flt_node *n, int neg, vt_sqlq *q)
{
    switch (n->kind) {
    case VT_FLT_AND: case VT_FLT_OR:
        put(q, "(");
        VT_TRY(gen(n->a, neg, q));
        put(q, (n->kind == VT_FLT_AND) != neg ? " AND " : " OR "); /* De Morgan under NOT */
        VT_TRY(gen(n->b, neg, q));
        put(q, ")");
        return VT_OK;
    case VT_FLT_NOT: return gen(n->a, !neg, q);
    case VT_FLT_CMP: return gen_cmp(n, neg, q);
    case VT_FLT_KNOWN: return gen_known(n, neg, q);
    case VT_FLT_CONTAINS: case VT_FLT_STARTS: case VT_FLT_ENDS: return gen_fuzzy(n, neg, q);
    case VT_FLT_LENGTH: return gen_length(n, neg, q);
    default: return gen_has(n, neg, q);
    }
}

vt_status vt_optimade_where(const vt_flt_node *root, vt_sqlq *q)
{
    VT_TRY(gen(root, 0, q));
    if (q->sql.is_oom) VT_FAIL(VT_ENOMEM, "server: out of memory");
    return VT_OK;
}

/* One sort key: "(E) IS NULL, E ASC|DESC, " with E's parameters twice. */
static vt_status sort_key(const char *name, int desc, vt_sqlq *q)
{
    vt_prop_ref ref;
    VT_TRY(vt_optimade_prop_resolve(name, &ref));
    const vt_prop *p = ref.prop;
    if (!(p->flags & VT_PF_SORT) || ref.is_foreign)
        VT_FAIL(VT_EINVAL, "sort: '%.80s' is not sortable (sortable: see /v1/info/structures)", name);
    if (p->flags & VT_PF_STRUCT) q->needs_structure = 1;
    const char *e = p->kind == VT_PK_COLUMN ? p->sql
                    : p->kind == VT_PK_D    ? "(SELECT d_cm2_s FROM diffusivities WHERE run_id = r.id AND element = ? AND t_k = ?)"
                                            : "(SELECT ea_ev FROM arrhenius WHERE run_id = r.id AND element = ?)";
    for (int pass = 0; pass < 2; pass++) {
        put(q, pass ? e : "(");
        if (!pass) put(q, e);
        put(q, pass ? (desc ? " DESC, " : " ASC, ") : ") IS NULL, "); /* unknown values last on both back ends */
        if (p->kind == VT_PK_COLUMN) continue;
        VT_TRY(vt_sqlq_param(q, vt_sql_text(vt_element_by_Z(ref.Z)->symbol)));
        if (p->kind == VT_PK_D) VT_TRY(vt_sqlq_param(q, vt_sql_real(ref.T_K)));
    }
    return VT_OK;
}

vt_status vt_optimade_order_by(const char *sort, vt_sqlq *q)
{
    put(q, " ORDER BY ");
    for (const char *p = sort; p && *p;) {
        size_t n = strcspn(p, ",");
        int desc = *p == '-';
        char name[128];
        if (n - (size_t)desc == 0 || n - (size_t)desc >= sizeof name) VT_FAIL(VT_EINVAL, "sort: empty or overlong field");
        memcpy(name, p + desc, n - (size_t)desc);
        name[n - (size_t)desc] = '\0';
        VT_TRY(sort_key(name, desc, q));
        p += n + (p[n] == ',');
        if (p[-1] == ',' && !*p) VT_FAIL(VT_EINVAL, "sort: empty field after ','");
    }
    put(q, "r.id");
    if (q->sql.is_oom) VT_FAIL(VT_ENOMEM, "server: out of memory");
    return VT_OK;
}
