/* store.h - internal: the database driver interface behind vt_store (one vtable per back end:
** store/sqlite.c, store/pg.c), the vt_store object, and helpers shared by the store/ sources.
** A driver runs parameterised statements only: SQL text is a constant of the code with '?'
** placeholders (pg.c turns them into $1, $2, ...), values travel separately as vt_sql_value. */
#ifndef VT_STORE_STORE_H
#define VT_STORE_STORE_H
#include "vitrum.h"

typedef struct vt_store_driver {
    const char *name;         /* "sqlite", "postgresql": vt_store_backend() */
    const char *id_ddl;       /* column type of an auto-numbered 64-bit primary key */
    const char *blob_ddl;     /* column type of a byte string */
    /* Connect to url (the whole URL as the user gave it, scheme included for PostgreSQL). */
    vt_status (*open)(const char *url, void **conn);
    void (*close)(void *conn);
    /* Several ';'-separated statements without parameters: schema DDL and transaction control. */
    vt_status (*exec)(void *conn, const char *sql);
    /* One statement with n parameters. rows NULL: the result is discarded. */
    vt_status (*query)(void *conn, const char *sql, size_t n, const vt_sql_value *params, vt_store_rows **rows);
    const char *begin_sql;    /* opens a write transaction that takes the write lock at once */
    const char *read_begin_sql; /* opens a read-only transaction on one snapshot (exports) */
    /* Serialise schema migrations between connections, inside the open transaction (SQLite's
     * BEGIN IMMEDIATE already does); NULL: nothing to do. */
    vt_status (*lock_schema)(void *conn);
} vt_store_driver;

extern const vt_store_driver vt_store_sqlite, vt_store_pg;

struct vt_store {
    const vt_store_driver *drv;
    void *conn;
    int in_tx;                /* inside vt_store_begin() ... commit/rollback */
};

/* Rows of a result, every cell copied (text and blobs owned here). */
struct vt_store_rows {
    size_t n_rows, n_cols;
    char **names;             /* n_cols column names */
    vt_sql_value *cells;      /* n_rows x n_cols, row-major */
    size_t cap_rows;
};

/* Drivers fill rows through these: a new result with n_cols named columns, then cells row by row
 * (vt_store_rows_push copies text and blobs). */
vt_status vt_store_rows_new(size_t n_cols, vt_store_rows **out);
vt_status vt_store_rows_set_name(vt_store_rows *r, size_t col, const char *name);
vt_status vt_store_rows_push(vt_store_rows *r, const vt_sql_value *row);

/* One statement, discarding the result. */
vt_status vt_store_exec(vt_store *st, const char *sql, size_t n, const vt_sql_value *params);
/* The single integer of a one-row, one-column result (e.g. INSERT ... RETURNING id, COUNT(*)).
 * VT_EDB when there is no row. */
vt_status vt_store_query_int(vt_store *st, const char *sql, size_t n, const vt_sql_value *params, int64_t *v);

/* Write transactions for the typed functions: join the caller's transaction, or open one. A helper
 * returns 1 in *own when it opened it; vt_store_tx_end commits (s == VT_OK) or rolls back then. */
vt_status vt_store_tx_begin(vt_store *st, int *own);
vt_status vt_store_tx_end(vt_store *st, int own, vt_status s);

/* Composition get-or-insert: the id of formula (as written), adding it with its derived fields
 * (reduced formulas, elements) when new. */
vt_status vt_store_composition_id(vt_store *st, const char *formula, int64_t *id);
/* OPTIMADE formula fields of a composition: chemical_formula_reduced (elements alphabetical,
 * integer amounts divided by their gcd, 1 omitted), chemical_formula_anonymous (A, B, ... by
 * decreasing amount), elements (alphabetical, comma separated). VT_ERANGE when the amounts have
 * no integer form with denominators up to 1000, or a buffer (size bytes) is too small. */
vt_status vt_store_optimade_formulas(const vt_composition *c, char *reduced, char *anonymous, char *elements,
                                     size_t size);

/* vt_store_run_add() inside the caller's open transaction, recording the import (id > 0) the run
 * came from. */
vt_status vt_store_run_insert(vt_store *st, const vt_store_run *run, int64_t import_id, int64_t *run_id);
/* Element k of a blob of little-endian IEEE doubles (structures, RDF tables). */
double vt_store_blob_f64(const void *blob, size_t k);

/* ISO 8601 UTC time now, "2024-05-01T12:00:00Z". */
void vt_store_now(char buf[32]);
/* SHA-256 of a file as 64 lowercase hex digits, and its size in bytes. */
vt_status vt_store_file_sha256(const char *path, char hex[65], int64_t *size);
/* The paper's tables hold D x 1000. Both directions are one correctly rounded IEEE operation
 * (y / 1000, D * 1000): then y -> D -> y' -> D' gives D' = D (when the D grid is finer than the y
 * grid / 1000, D * 1000 rounds back within half a y step; when coarser, y' = y), so an exported
 * table re-imports to the same doubles and exports byte-identically. */
#define VT_STORE_D_FROM_TABLE(y) ((y) / 1000.0)
#define VT_STORE_TABLE_FROM_D(D) ((D) * 1000.0)
/* Whether s is a valid run identifier: 1..64 of [A-Za-z0-9._:+-] (no blanks or quotes, so it can
 * stand unquoted in extxyz keys and file names). */
int vt_store_identifier_ok(const char *s);
#endif
