/*
** store.c - vt_store: connect through a driver chosen by the URL, migrate the schema, run
** transactions and parameterised queries, hold results.
** Invariants (tests/store/test_store.c checks them on both back ends):
**  (1) Migrations run in order, version N -> N + 1 each in one transaction that also records the
**      new version; concurrent openers serialise on the write lock (SQLite BEGIN IMMEDIATE) or an
**      advisory lock (PostgreSQL), so a schema step runs once.
**  (2) A database whose schema_version exceeds VT_STORE_SCHEMA_VERSION is refused untouched.
**  (3) The typed writers (store/records.c) join the caller's transaction or run in their own: a
**      record is written whole or not at all.
**  (4) Values are bound as parameters, never formatted into SQL text.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "queue.h" /* version 2: the campaign queue */
#include "store.h"

/* ---------------------------------------------------------------------------------------------
** Schema. Version 1; a later version appends one entry (its DDL, run after the previous ones).
** Column names are lower case (PostgreSQL folds unquoted names). @ID@ and @BLOB@ become the
** driver's types; everything else is portable SQL. Units in the column names: t_k K, d_cm2_s
** cm^2/s, ea_ev eV; blobs hold little-endian IEEE doubles (lattice: 9, rows a, b, c, Angstrom;
** positions: nsites x 3 Cartesian Angstrom; velocities: nsites x 3 Angstrom/fs).
*/
static const char schema_v1[] =
    "CREATE TABLE compositions ("
    " id @ID@,"
    " formula TEXT NOT NULL UNIQUE,"               /* as written */
    " reduced_formula TEXT NOT NULL,"              /* pymatgen's order (vt_composition_reduced_formula) */
    " chemical_formula_reduced TEXT NOT NULL,"     /* OPTIMADE: alphabetical, integer, gcd 1 */
    " chemical_formula_anonymous TEXT NOT NULL,"
    " elements TEXT NOT NULL,"                     /* alphabetical, comma separated */
    " nelements INTEGER NOT NULL);"
    "CREATE TABLE composition_elements ("
    " composition_id BIGINT NOT NULL REFERENCES compositions(id) ON DELETE CASCADE,"
    " element TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (composition_id, element));"
    "CREATE INDEX composition_elements_element ON composition_elements(element);"
    "CREATE TABLE imports ("
    " id @ID@, source TEXT NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " size_bytes BIGINT NOT NULL, version TEXT NOT NULL, imported_at TEXT NOT NULL);"
    "CREATE TABLE runs ("
    " id @ID@, identifier TEXT UNIQUE,"
    " composition_id BIGINT NOT NULL REFERENCES compositions(id),"
    " backend TEXT NOT NULL, settings TEXT NOT NULL, seed BIGINT NOT NULL, schedule TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('planned', 'running', 'done', 'failed')),"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " import_id BIGINT REFERENCES imports(id));"
    "CREATE INDEX runs_composition ON runs(composition_id);"
    "CREATE TABLE structures ("
    " id @ID@, run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " t_k DOUBLE PRECISION NOT NULL, frame BIGINT NOT NULL CHECK (frame >= 0),"
    " nsites INTEGER NOT NULL CHECK (nsites > 0),"
    " lattice @BLOB@ NOT NULL, species TEXT NOT NULL," /* species: symbols, space separated */
    " positions @BLOB@ NOT NULL, velocities @BLOB@,"
    " chemical_formula_reduced TEXT NOT NULL, chemical_formula_anonymous TEXT NOT NULL,"
    " chemical_formula_descriptive TEXT NOT NULL," /* alphabetical, the cell's atom counts */
    " elements TEXT NOT NULL, nelements INTEGER NOT NULL,"
    " UNIQUE (run_id, t_k, frame));"
    "CREATE TABLE structure_elements ("
    " structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,"
    " element TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (structure_id, element));"
    "CREATE INDEX structure_elements_element ON structure_elements(element);"
    "CREATE TABLE trajectories ("
    " id @ID@, run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " t_k DOUBLE PRECISION NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,"
    " size_bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, UNIQUE (run_id, t_k, path));"
    "CREATE TABLE diffusivities ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " element TEXT NOT NULL, t_k DOUBLE PRECISION NOT NULL,"
    " d_cm2_s DOUBLE PRECISION NOT NULL CHECK (d_cm2_s > 0), sigma_cm2_s DOUBLE PRECISION,"
    " PRIMARY KEY (run_id, element, t_k));"
    "CREATE INDEX diffusivities_t ON diffusivities(t_k, element, d_cm2_s);"
    "CREATE TABLE arrhenius ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, element TEXT NOT NULL,"
    " ea_ev DOUBLE PRECISION NOT NULL, ea_sigma_ev DOUBLE PRECISION,"
    " d0_cm2_s DOUBLE PRECISION, d0_sigma_cm2_s DOUBLE PRECISION, PRIMARY KEY (run_id, element));"
    "CREATE TABLE features ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, t_k DOUBLE PRECISION NOT NULL,"
    " name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, PRIMARY KEY (run_id, t_k, name));"
    "CREATE TABLE rdfs ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, t_k DOUBLE PRECISION NOT NULL,"
    " columns TEXT NOT NULL, n_r INTEGER NOT NULL, data @BLOB@ NOT NULL, PRIMARY KEY (run_id, t_k));"
    "CREATE TABLE models ("
    " id @ID@, name TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, size_bytes BIGINT NOT NULL,"
    " body TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE predictions ("
    " model_id BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    " composition_id BIGINT NOT NULL REFERENCES compositions(id), t_k DOUBLE PRECISION NOT NULL,"
    " d_cm2_s DOUBLE PRECISION NOT NULL, sigma_cm2_s DOUBLE PRECISION,"
    " PRIMARY KEY (model_id, composition_id, t_k));"
    "CREATE TABLE provenance ("
    " id @ID@, entity TEXT NOT NULL CHECK (entity IN ('run', 'model', 'structure')),"
    " entity_id BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);"
    "CREATE INDEX provenance_entity ON provenance(entity, entity_id);";

static const char *const migrations[] = {schema_v1, vt_store_queue_ddl}; /* migrations[v]: v -> v + 1 */
_Static_assert(sizeof migrations / sizeof migrations[0] == VT_STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* The DDL with @ID@ and @BLOB@ replaced by the driver's types (caller frees); NULL when out of
 * memory. Two passes: measure, then copy. */
static char *dialect_ddl(const vt_store_driver *drv, const char *ddl)
{
    char *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t len = 0;
        for (const char *p = ddl; *p;) {
            int is_id = strncmp(p, "@ID@", 4) == 0, is_blob = strncmp(p, "@BLOB@", 6) == 0;
            const char *rep = is_id ? drv->id_ddl : is_blob ? drv->blob_ddl : p;
            size_t n = is_id || is_blob ? strlen(rep) : 1;
            if (out) memcpy(out + len, rep, n);
            len += n;
            p += is_id ? 4 : is_blob ? 6 : 1;
        }
        if (out) {
            out[len] = '\0';
            return out;
        }
        if (!(out = vt_malloc(len + 1))) return NULL;
    }
    return out;
}

static vt_status read_version(vt_store *st, int64_t *v)
{
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, "SELECT MAX(version) FROM schema_version", 0, NULL, &r));
    const vt_sql_value *c = vt_store_rows_count(r) ? vt_store_rows_get(r, 0, 0) : NULL;
    *v = c && c->type == VT_SQL_INT ? c->i : 0;
    vt_store_rows_free(r);
    return VT_OK;
}

/* One locked step: create the version table if needed, then apply migration v -> v + 1 (or do
 * nothing when another connection got there first). *done: the schema is current. */
static vt_status migrate_step(vt_store *st, int *done)
{
    int64_t v = 0;
    vt_status s = vt_store_begin(st);
    if (s != VT_OK) return s;
    if (st->drv->lock_schema) s = st->drv->lock_schema(st->conn);
    if (s == VT_OK) s = st->drv->exec(st->conn, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (s == VT_OK) s = read_version(st, &v);
    if (s == VT_OK && v > VT_STORE_SCHEMA_VERSION)
        s = vt_err_set_(VT_EDB, "database schema version %lld is newer than this vitrum's (%d): upgrade vitrum",
                        (long long)v, VT_STORE_SCHEMA_VERSION);
    *done = s == VT_OK && v == VT_STORE_SCHEMA_VERSION;
    if (s == VT_OK && !*done) {
        char *ddl = dialect_ddl(st->drv, migrations[v]);
        s = ddl ? st->drv->exec(st->conn, ddl) : vt_err_set_(VT_ENOMEM, "store: out of memory");
        vt_free(ddl);
        vt_sql_value p = vt_sql_int(v + 1);
        if (s == VT_OK)
            s = v == 0 ? vt_store_exec(st, "INSERT INTO schema_version (version) VALUES (?)", 1, &p)
                       : vt_store_exec(st, "UPDATE schema_version SET version = ?", 1, &p);
    }
    if (s != VT_OK) {
        vt_store_rollback(st);
        return s;
    }
    return vt_store_commit(st);
}

static vt_status migrate(vt_store *st)
{
    int64_t v = -1;
    /* Fast path without the write lock: a current schema (readers need no write access). */
    vt_store_rows *r = NULL;
    if (st->drv->query(st->conn, "SELECT MAX(version) FROM schema_version", 0, NULL, &r) == VT_OK) {
        const vt_sql_value *c = vt_store_rows_count(r) ? vt_store_rows_get(r, 0, 0) : NULL;
        v = c && c->type == VT_SQL_INT ? c->i : 0;
    }
    vt_store_rows_free(r);
    if (v > VT_STORE_SCHEMA_VERSION)
        VT_FAIL(VT_EDB, "database schema version %lld is newer than this vitrum's (%d): upgrade vitrum",
                (long long)v, VT_STORE_SCHEMA_VERSION);
    if (v == VT_STORE_SCHEMA_VERSION) return VT_OK;
    for (int done = 0, steps = 0; !done; steps++) {
        if (steps > VT_STORE_SCHEMA_VERSION) VT_FAIL(VT_EINTERNAL, "store: schema migration does not finish");
        VT_TRY(migrate_step(st, &done));
    }
    return VT_OK;
}

static int is_pg_url(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

vt_status vt_store_open(const char *url, vt_store **out)
{
    *out = NULL;
    if (!url || !url[0]) VT_FAIL(VT_EINVAL, "store: empty database URL");
    const char *scheme_end = strstr(url, "://");
    if (!is_pg_url(url) && scheme_end && strncmp(url, "sqlite:", 7) != 0)
        VT_FAIL(VT_EINVAL, "store: unsupported database URL '%.*s://...' (postgresql://... or an SQLite file)",
                (int)(scheme_end - url) > 20 ? 20 : (int)(scheme_end - url), url);
    vt_store *st = vt_calloc(1, sizeof *st);
    if (!st) VT_FAIL(VT_ENOMEM, "store: out of memory");
    st->drv = is_pg_url(url) ? &vt_store_pg : &vt_store_sqlite;
    vt_status s = st->drv->open(url, &st->conn);
    if (s == VT_OK) s = migrate(st);
    if (s != VT_OK) {
        vt_store_close(st);
        return s;
    }
    *out = st;
    return VT_OK;
}

void vt_store_close(vt_store *st)
{
    if (!st) return;
    if (st->conn) {
        if (st->in_tx) vt_store_rollback(st);
        st->drv->close(st->conn);
    }
    vt_free(st);
}

const char *vt_store_backend(const vt_store *st) { return st->drv->name; }

vt_status vt_store_schema_version(vt_store *st, int *version)
{
    int64_t v = 0;
    VT_TRY(read_version(st, &v));
    *version = (int)v;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Transactions
*/
vt_status vt_store_begin(vt_store *st)
{
    if (st->in_tx) VT_FAIL(VT_EINVAL, "store: a transaction is already open (no nesting)");
    VT_TRY(st->drv->exec(st->conn, st->drv->begin_sql));
    st->in_tx = 1;
    return VT_OK;
}

vt_status vt_store_commit(vt_store *st)
{
    if (!st->in_tx) VT_FAIL(VT_EINVAL, "store: commit without a transaction");
    vt_status s = st->drv->exec(st->conn, "COMMIT");
    if (s != VT_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", vt_errmsg());
        vt_store_rollback(st); /* SQLite keeps a failed COMMIT's transaction open */
        return vt_err_set_(s, "%s", msg);
    }
    st->in_tx = 0;
    return VT_OK;
}

void vt_store_rollback(vt_store *st)
{
    if (!st->in_tx) return;
    vt_status code = vt_errcode();
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", vt_errmsg());
    (void)st->drv->exec(st->conn, "ROLLBACK"); /* fails only when there is nothing left to undo */
    vt_err_set_(code, "%s", msg);              /* keep the error that made the caller roll back */
    st->in_tx = 0;
}

vt_status vt_store_tx_begin(vt_store *st, int *own)
{
    *own = !st->in_tx;
    return *own ? vt_store_begin(st) : VT_OK;
}

vt_status vt_store_tx_end(vt_store *st, int own, vt_status s)
{
    if (!own) return s;
    if (s != VT_OK) {
        vt_store_rollback(st);
        return s;
    }
    return vt_store_commit(st);
}

/* ---------------------------------------------------------------------------------------------
** Queries and results
*/
vt_sql_value vt_sql_int(int64_t v) { return (vt_sql_value){.type = VT_SQL_INT, .i = v}; }
vt_sql_value vt_sql_real(double v) { return v == v ? (vt_sql_value){.type = VT_SQL_REAL, .r = v} : (vt_sql_value){0}; }
vt_sql_value vt_sql_text(const char *s) { return s ? (vt_sql_value){.type = VT_SQL_TEXT, .text = s} : (vt_sql_value){0}; }
vt_sql_value vt_sql_blob(const void *p, size_t n) { return (vt_sql_value){.type = VT_SQL_BLOB, .blob = p, .n_bytes = n}; }

vt_status vt_store_query(vt_store *st, const char *sql, size_t n, const vt_sql_value *params, vt_store_rows **out)
{
    if (out) *out = NULL;
    return st->drv->query(st->conn, sql, n, params, out);
}

vt_status vt_store_exec(vt_store *st, const char *sql, size_t n, const vt_sql_value *params)
{
    return st->drv->query(st->conn, sql, n, params, NULL);
}

vt_status vt_store_query_int(vt_store *st, const char *sql, size_t n, const vt_sql_value *params, int64_t *v)
{
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, sql, n, params, &r));
    const vt_sql_value *c = r->n_rows ? &r->cells[0] : NULL;
    vt_status s = VT_OK;
    if (c && c->type == VT_SQL_INT) *v = c->i;
    else if (c && c->type == VT_SQL_REAL && c->r == (double)(int64_t)c->r) *v = (int64_t)c->r;
    else s = vt_err_set_(VT_EDB, "store: expected one integer, got %s", c ? "another type" : "no row");
    vt_store_rows_free(r);
    return s;
}

vt_status vt_store_rows_new(size_t n_cols, vt_store_rows **out)
{
    vt_store_rows *r = vt_calloc(1, sizeof *r);
    if (!r || !(r->names = vt_calloc(n_cols ? n_cols : 1, sizeof *r->names))) {
        vt_free(r);
        VT_FAIL(VT_ENOMEM, "store: out of memory");
    }
    r->n_cols = n_cols;
    *out = r;
    return VT_OK;
}

vt_status vt_store_rows_set_name(vt_store_rows *r, size_t col, const char *name)
{
    if (!(r->names[col] = vt_strdup(name ? name : ""))) VT_FAIL(VT_ENOMEM, "store: out of memory");
    return VT_OK;
}

vt_status vt_store_rows_push(vt_store_rows *r, const vt_sql_value *row)
{
    if (r->n_rows == r->cap_rows) {
        size_t cap = r->cap_rows ? r->cap_rows * 2 : 16;
        vt_sql_value *c = vt_realloc(r->cells, cap * (r->n_cols ? r->n_cols : 1) * sizeof *c);
        if (!c) VT_FAIL(VT_ENOMEM, "store: out of memory");
        r->cells = c;
        r->cap_rows = cap;
    }
    vt_sql_value *dst = r->cells + r->n_rows * r->n_cols;
    for (size_t j = 0; j < r->n_cols; j++) dst[j] = (vt_sql_value){0}; /* freeable if a copy fails */
    r->n_rows++;
    for (size_t j = 0; j < r->n_cols; j++) {
        vt_sql_value v = row[j];
        if (v.type == VT_SQL_TEXT) {
            size_t len = strlen(v.text);
            char *t = vt_malloc(len + 1);
            if (!t) VT_FAIL(VT_ENOMEM, "store: out of memory");
            memcpy(t, v.text, len + 1);
            v.text = t;
        } else if (v.type == VT_SQL_BLOB) {
            void *b = vt_malloc(v.n_bytes ? v.n_bytes : 1);
            if (!b) VT_FAIL(VT_ENOMEM, "store: out of memory");
            if (v.n_bytes) memcpy(b, v.blob, v.n_bytes);
            v.blob = b;
        }
        dst[j] = v;
    }
    return VT_OK;
}

size_t vt_store_rows_count(const vt_store_rows *r) { return r ? r->n_rows : 0; }
size_t vt_store_rows_cols(const vt_store_rows *r) { return r ? r->n_cols : 0; }
const char *vt_store_rows_name(const vt_store_rows *r, size_t col) { return r && col < r->n_cols ? r->names[col] : NULL; }

const vt_sql_value *vt_store_rows_get(const vt_store_rows *r, size_t row, size_t col)
{
    static const vt_sql_value null_value = {0};
    if (!r || row >= r->n_rows || col >= r->n_cols) return &null_value;
    return &r->cells[row * r->n_cols + col];
}

double vt_store_rows_real(const vt_store_rows *r, size_t row, size_t col)
{
    const vt_sql_value *v = vt_store_rows_get(r, row, col);
    return v->type == VT_SQL_REAL ? v->r : v->type == VT_SQL_INT ? (double)v->i : (double)NAN;
}

void vt_store_rows_free(vt_store_rows *r)
{
    if (!r) return;
    for (size_t k = 0; k < r->n_rows * r->n_cols; k++) {
        if (r->cells[k].type == VT_SQL_TEXT) vt_free((void *)r->cells[k].text);
        if (r->cells[k].type == VT_SQL_BLOB) vt_free((void *)r->cells[k].blob);
    }
    for (size_t j = 0; j < r->n_cols; j++) vt_free(r->names[j]);
    vt_free(r->names);
    vt_free(r->cells);
    vt_free(r);
}

vt_status vt_store_counts_get(vt_store *st, vt_store_counts *out)
{
    static const char *const sql[] = {
        "SELECT COUNT(*) FROM compositions", "SELECT COUNT(*) FROM runs",
        "SELECT COUNT(*) FROM structures",   "SELECT COUNT(*) FROM trajectories",
        "SELECT COUNT(*) FROM diffusivities", "SELECT COUNT(*) FROM arrhenius",
        "SELECT COUNT(*) FROM features",     "SELECT COUNT(*) FROM rdfs",
        "SELECT COUNT(*) FROM models",       "SELECT COUNT(*) FROM predictions",
        "SELECT COUNT(*) FROM provenance",   "SELECT COUNT(*) FROM imports",
    };
    int64_t *dst[] = {&out->compositions, &out->runs, &out->structures, &out->trajectories,
                      &out->diffusivities, &out->arrhenius, &out->features, &out->rdfs,
                      &out->models, &out->predictions, &out->provenance, &out->imports};
    _Static_assert(sizeof sql / sizeof sql[0] == sizeof(vt_store_counts) / sizeof(int64_t), "a count per table");
    for (size_t k = 0; k < sizeof sql / sizeof sql[0]; k++) VT_TRY(vt_store_query_int(st, sql[k], 0, NULL, dst[k]));
    return VT_OK;
}
