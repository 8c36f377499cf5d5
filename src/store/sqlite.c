/*
** sqlite.c - the SQLite driver of vt_store (Debian libsqlite3).
**   URL: "sqlite:PATH", "sqlite://PATH" or a plain PATH; the file is created when missing.
**   Connection settings: foreign_keys ON (off by default in SQLite), journal_mode WAL (readers
**   never block the writer), synchronous NORMAL (in WAL mode a commit survives a crash of the
**   process; after a power cut the last commits may be lost, the file is never corrupt), busy
**   timeout 60 s (concurrent writers queue instead of failing). Write transactions are BEGIN
**   IMMEDIATE: the write lock is taken at BEGIN, so two writers never deadlock upgrading a read.
**   Statements are prepared once per connection and kept in a small cache keyed by their text.
*/
#include <math.h>
#include <string.h>

#include <sqlite3.h>

#include "core/error.h"
#include "store.h"

#define CACHE_SIZE 48
#define BUSY_TIMEOUT_MS 60000

typedef struct cached {
    char *sql;
    sqlite3_stmt *stmt;
} cached;

typedef struct sq_conn {
    sqlite3 *db;
    cached cache[CACHE_SIZE];
    size_t next_evict;      /* round-robin victim when the cache is full */
} sq_conn;

static vt_status sq_fail(sqlite3 *db, const char *what)
{
    VT_FAIL(VT_EDB, "sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static vt_status sq_exec(void *conn, const char *sql)
{
    sq_conn *c = conn;
    char *err = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        vt_status s = vt_err_set_(VT_EDB, "sqlite: %s", err ? err : sqlite3_errmsg(c->db));
        sqlite3_free(err);
        return s;
    }
    return VT_OK;
}

/* The connection settings. PRAGMA journal_mode = WAL on a file that other processes are opening at
 * the same moment can fail with SQLITE_BUSY at once, without the busy handler: switching the
 * journal mode needs an exclusive lock that SQLite does not wait for (8 processes opening a new
 * file together lost this race in 8-18 rounds of 100: tests/store/test_store_writers.c). So it is
 * retried here, up to the busy timeout. */
static vt_status sq_settings(sq_conn *c)
{
    const char *sql = "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL";
    for (int waited_ms = 0;; waited_ms += 10) {
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK) return VT_OK;
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= BUSY_TIMEOUT_MS) return sq_fail(c->db, "connection settings");
        sqlite3_sleep(10);
    }
}

static void sq_close(void *conn)
{
    sq_conn *c = conn;
    if (!c) return;
    for (size_t k = 0; k < CACHE_SIZE; k++) {
        sqlite3_finalize(c->cache[k].stmt);
        vt_free(c->cache[k].sql);
    }
    sqlite3_close(c->db);
    vt_free(c);
}

static vt_status sq_open(const char *url, void **out)
{
    const char *path = strncmp(url, "sqlite://", 9) == 0 ? url + 9 : strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    if (!path[0]) VT_FAIL(VT_EINVAL, "store: '%s': no file name", url);
    sq_conn *c = vt_calloc(1, sizeof *c);
    if (!c) VT_FAIL(VT_ENOMEM, "store: out of memory");
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    vt_status s = VT_OK;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        s = vt_err_set_(VT_EDB, "sqlite: %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
    } else {
        sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
        s = sq_settings(c);
        if (s != VT_OK) s = vt_err_set_(VT_EDB, "%s: %s", path, vt_errmsg());
    }
    if (s != VT_OK) {
        sq_close(c);
        return s;
    }
    *out = c;
    return VT_OK;
}

static int only_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') s++;
    return *s == '\0';
}

/* The prepared statement for sql, from the cache or newly prepared into it. */
static vt_status get_stmt(sq_conn *c, const char *sql, sqlite3_stmt **out)
{
    for (size_t k = 0; k < CACHE_SIZE; k++)
        if (c->cache[k].sql && strcmp(c->cache[k].sql, sql) == 0) {
            *out = c->cache[k].stmt;
            return VT_OK;
        }
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail) != SQLITE_OK)
        return sq_fail(c->db, "prepare");
    if (!stmt || (tail && !only_blanks(tail))) {
        sqlite3_finalize(stmt);
        VT_FAIL(VT_EINVAL, "store: exactly one SQL statement per query");
    }
    char *copy = vt_strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        VT_FAIL(VT_ENOMEM, "store: out of memory");
    }
    cached *slot = &c->cache[c->next_evict];
    c->next_evict = (c->next_evict + 1) % CACHE_SIZE;
    sqlite3_finalize(slot->stmt);
    vt_free(slot->sql);
    *slot = (cached){copy, stmt};
    *out = stmt;
    return VT_OK;
}

static vt_status bind(sq_conn *c, sqlite3_stmt *stmt, size_t n, const vt_sql_value *p)
{
    if ((size_t)sqlite3_bind_parameter_count(stmt) != n)
        VT_FAIL(VT_EINVAL, "store: statement has %d placeholders, %zu values given",
                sqlite3_bind_parameter_count(stmt), n);
    for (size_t k = 0; k < n; k++) {
        int i = (int)k + 1, rc = SQLITE_OK;
        switch (p[k].type) {
        case VT_SQL_NULL: rc = sqlite3_bind_null(stmt, i); break;
        case VT_SQL_INT: rc = sqlite3_bind_int64(stmt, i, p[k].i); break;
        case VT_SQL_REAL:
            rc = isnan(p[k].r) ? sqlite3_bind_null(stmt, i) : sqlite3_bind_double(stmt, i, p[k].r);
            break;
        case VT_SQL_TEXT: rc = sqlite3_bind_text(stmt, i, p[k].text, -1, SQLITE_STATIC); break;
        case VT_SQL_BLOB:
            rc = p[k].n_bytes ? sqlite3_bind_blob64(stmt, i, p[k].blob, p[k].n_bytes, SQLITE_STATIC)
                              : sqlite3_bind_zeroblob(stmt, i, 0);
            break;
        }
        if (rc != SQLITE_OK) return sq_fail(c->db, "bind");
    }
    return VT_OK;
}

static vt_status fetch_row(sqlite3_stmt *stmt, vt_store_rows *r)
{
    vt_sql_value row[64];
    if (r->n_cols > 64) VT_FAIL(VT_EINVAL, "store: more than 64 result columns");
    for (size_t j = 0; j < r->n_cols; j++) {
        int col = (int)j;
        switch (sqlite3_column_type(stmt, col)) {
        case SQLITE_INTEGER: row[j] = vt_sql_int(sqlite3_column_int64(stmt, col)); break;
        case SQLITE_FLOAT: row[j] = vt_sql_real(sqlite3_column_double(stmt, col)); break;
        case SQLITE_TEXT: row[j] = vt_sql_text((const char *)sqlite3_column_text(stmt, col)); break;
        case SQLITE_BLOB: {
            const void *b = sqlite3_column_blob(stmt, col);
            row[j] = vt_sql_blob(b, (size_t)sqlite3_column_bytes(stmt, col));
            break;
        }
        default: row[j] = (vt_sql_value){0}; break;
        }
    }
    return vt_store_rows_push(r, row);
}

static vt_status sq_query(void *conn, const char *sql, size_t n, const vt_sql_value *params, vt_store_rows **rows)
{
    sq_conn *c = conn;
    sqlite3_stmt *stmt = NULL;
    vt_store_rows *r = NULL;
    VT_TRY(get_stmt(c, sql, &stmt));
    vt_status s = bind(c, stmt, n, params);
    if (s == VT_OK && rows) {
        int n_cols = sqlite3_column_count(stmt);
        s = vt_store_rows_new((size_t)n_cols, &r);
        for (int j = 0; s == VT_OK && j < n_cols; j++) s = vt_store_rows_set_name(r, (size_t)j, sqlite3_column_name(stmt, j));
    }
    while (s == VT_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) s = sq_fail(c->db, "step");
        else if (r) s = fetch_row(stmt, r);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (s != VT_OK) {
        vt_store_rows_free(r);
        return s;
    }
    if (rows) *rows = r;
    return VT_OK;
}

const vt_store_driver vt_store_sqlite = {
    .name = "sqlite",
    .id_ddl = "INTEGER PRIMARY KEY", /* the rowid alias: 64-bit, assigned on insert */
    .blob_ddl = "BLOB",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .query = sq_query,
    .begin_sql = "BEGIN IMMEDIATE",
    .read_begin_sql = "BEGIN", /* deferred: the WAL snapshot is taken at the first read */
    .lock_schema = NULL,
};
