/*
** pg.c - the PostgreSQL driver of vt_store (Debian libpq).
**   URL: a libpq connection URI, "postgresql://user@host:port/db?host=/socket/dir", passed to
**   PQconnectdb as given. Statements go through PQexecParams: '?' placeholders become $1, $2, ...
**   (outside quotes), values are sent typed (int8, float8, text, binary bytea) and results come
**   back as text, converted by column type; float8 text is the shortest exact form (PostgreSQL
**   >= 12, extra_float_digits 1), so doubles round-trip bit for bit. Write transactions are a
**   plain BEGIN (READ COMMITTED); schema migrations take a transaction-level advisory lock.
**   Server notices (e.g. "relation already exists, skipping") are dropped.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/error.h"
#include "io/text.h"
#include "store.h"

/* Type OIDs of PostgreSQL's built-in types (catalog/pg_type.dat; stable across versions). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };
#define MAX_PARAMS 4096
#define SCHEMA_LOCK_KEY 0x7669747275 /* "vitru": the advisory lock of schema migrations */

static void ignore_notice(void *arg, const char *message) { (void)arg, (void)message; }

/* libpq's message up to its first line end (the rest is context or a caret line). */
static vt_status pg_fail(const char *what, const char *msg)
{
    size_t n = strcspn(msg ? msg : "", "\n");
    VT_FAIL(VT_EDB, "postgresql: %s%s%.*s", what, what[0] ? ": " : "", (int)n, msg ? msg : "");
}

static vt_status pg_open(const char *url, void **out)
{
    PGconn *c = PQconnectdb(url);
    if (!c) VT_FAIL(VT_ENOMEM, "postgresql: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        vt_status s = pg_fail("cannot connect", PQerrorMessage(c));
        PQfinish(c);
        return s;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    *out = c;
    return VT_OK;
}

static void pg_close(void *conn) { PQfinish(conn); }

static vt_status check_result(PGconn *c, PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return VT_OK;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    return pg_fail("", msg ? msg : PQerrorMessage(c));
}

static vt_status pg_exec(void *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    vt_status s = check_result(conn, res);
    PQclear(res);
    return s;
}

/* sql with '?' outside quotes replaced by $1, $2, ... (caller frees); *n_marks counts them. */
static vt_status number_placeholders(const char *sql, char **out, size_t *n_marks)
{
    size_t n = 0;
    for (const char *p = sql; *p; p++) n += *p == '?';
    char *t = vt_malloc(strlen(sql) + n * 5 + 1); /* "?" -> "$4096" at most */
    if (!t) VT_FAIL(VT_ENOMEM, "store: out of memory");
    char quote = 0, *w = t;
    size_t k = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?') {
            if (++k > MAX_PARAMS) {
                vt_free(t);
                VT_FAIL(VT_EINVAL, "store: more than %d placeholders", MAX_PARAMS);
            }
            w += sprintf(w, "$%zu", k);
            continue;
        }
        *w++ = *p;
    }
    *w = '\0';
    *out = t;
    *n_marks = k;
    return VT_OK;
}

/* One cell of a text-format result as a typed value; blobs are unescaped into *scratch (freed by
 * the caller with PQfreemem). */
static vt_sql_value cell(PGresult *res, int i, int j, unsigned char **scratch)
{
    if (PQgetisnull(res, i, j)) return (vt_sql_value){0};
    const char *v = PQgetvalue(res, i, j);
    switch (PQftype(res, j)) {
    case OID_INT8: case OID_INT4: case OID_INT2: case OID_OID: return vt_sql_int(strtoll(v, NULL, 10));
    case OID_BOOL: return vt_sql_int(v[0] == 't');
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC: {
        vt_sql_value x = {.type = VT_SQL_REAL, .r = strtod(v, NULL)}; /* "NaN", "Infinity" too */
        return x;
    }
    case OID_BYTEA: {
        size_t n = 0;
        *scratch = PQunescapeBytea((const unsigned char *)v, &n);
        return vt_sql_blob(*scratch ? *scratch : (const unsigned char *)"", *scratch ? n : 0);
    }
    default: return vt_sql_text(v);
    }
}

static vt_status copy_rows(PGresult *res, vt_store_rows **out)
{
    int n_rows = PQntuples(res), n_cols = PQnfields(res);
    vt_sql_value row[64];
    unsigned char *scratch[64];
    if (n_cols > 64) VT_FAIL(VT_EINVAL, "store: more than 64 result columns");
    vt_store_rows *r;
    VT_TRY(vt_store_rows_new((size_t)n_cols, &r));
    vt_status s = VT_OK;
    for (int j = 0; s == VT_OK && j < n_cols; j++) s = vt_store_rows_set_name(r, (size_t)j, PQfname(res, j));
    for (int i = 0; s == VT_OK && i < n_rows; i++) {
        for (int j = 0; j < n_cols; j++) {
            scratch[j] = NULL;
            row[j] = cell(res, i, j, &scratch[j]);
        }
        s = vt_store_rows_push(r, row);
        for (int j = 0; j < n_cols; j++) PQfreemem(scratch[j]);
    }
    if (s != VT_OK) {
        vt_store_rows_free(r);
        return s;
    }
    *out = r;
    return VT_OK;
}

static vt_status pg_query(void *conn, const char *sql, size_t n, const vt_sql_value *p, vt_store_rows **rows)
{
    char *text = NULL;
    size_t n_marks = 0;
    VT_TRY(number_placeholders(sql, &text, &n_marks));
    if (n_marks != n) {
        vt_free(text);
        VT_FAIL(VT_EINVAL, "store: statement has %zu placeholders, %zu values given", n_marks, n);
    }
    Oid *types = vt_calloc(n + 1, sizeof *types);
    const char **values = vt_calloc(n + 1, sizeof *values);
    int *lengths = vt_calloc(n + 1, sizeof *lengths), *formats = vt_calloc(n + 1, sizeof *formats);
    char (*num)[32] = vt_calloc(n + 1, sizeof *num); /* text of numeric parameters */
    vt_status s = VT_OK;
    if (!types || !values || !lengths || !formats || !num) s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    for (size_t k = 0; s == VT_OK && k < n; k++) {
        switch (p[k].type) {
        case VT_SQL_NULL: break;
        case VT_SQL_INT:
            types[k] = OID_INT8;
            snprintf(num[k], sizeof num[k], "%lld", (long long)p[k].i);
            values[k] = num[k];
            break;
        case VT_SQL_REAL:
            if (isnan(p[k].r)) break;
            types[k] = OID_FLOAT8;
            vt_shortest(p[k].r, num[k]); /* "inf" and "-inf" are accepted by float8in */
            values[k] = num[k];
            break;
        case VT_SQL_TEXT: values[k] = p[k].text; break;
        case VT_SQL_BLOB:
            if (p[k].n_bytes > 0x7fffffff) {
                s = vt_err_set_(VT_ERANGE, "store: a value of more than 2 GiB");
                break;
            }
            types[k] = OID_BYTEA;
            values[k] = p[k].n_bytes ? p[k].blob : "";
            lengths[k] = (int)p[k].n_bytes;
            formats[k] = 1; /* binary: raw bytes, no escaping */
            break;
        }
    }
    PGresult *res = NULL;
    if (s == VT_OK) {
        res = PQexecParams(conn, text, (int)n, types, values, lengths, formats, 0);
        s = check_result(conn, res);
    }
    if (s == VT_OK && rows) s = copy_rows(res, rows);
    PQclear(res);
    vt_free(text);
    vt_free(types);
    vt_free(values);
    vt_free(lengths);
    vt_free(formats);
    vt_free(num);
    return s;
}

static vt_status pg_lock_schema(void *conn)
{
    vt_sql_value key = vt_sql_int(SCHEMA_LOCK_KEY);
    return pg_query(conn, "SELECT pg_advisory_xact_lock(?)", 1, &key, NULL);
}

const vt_store_driver vt_store_pg = {
    .name = "postgresql",
    .id_ddl = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .blob_ddl = "BYTEA",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .begin_sql = "BEGIN",
    .read_begin_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .lock_schema = pg_lock_schema,
};
