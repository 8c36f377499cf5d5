/*
** export.c - vt_store_export: the whole database as MPContribs-style JSON, as the paper's feature
** table (CSV) or as extxyz structures, built in memory and written atomically.
** Determinism: runs in id order; inside a run every list is sorted here in C (element symbols,
** temperatures, the paper's feature order), never by the server's text collation, which differs
** between SQLite and PostgreSQL locales. Numbers are printed by vt_shortest(), so a re-import
** reads the same doubles and the next export is byte-identical (tests/store/test_db_cli.sh).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "io/structure.h"
#include "io/text.h"
#include "store.h"

/* Index of a feature in the paper's column order (feature_target.dat header), or -1. */
static int feature_rank(const char *name)
{
    for (int k = 0; k < VT_N_STRUCTFEAT; k++)
        if (strcmp(vt_structfeat_names()[k], name) == 0) return k;
    for (int k = 0; k < VT_N_COMPFEAT; k++)
        if (strcmp(vt_compfeat_names()[k], name) == 0) return VT_N_STRUCTFEAT + k;
    return -1;
}
#define N_FEATURES (VT_N_STRUCTFEAT + VT_N_COMPFEAT)

static const char *feature_name(int rank)
{
    return rank < VT_N_STRUCTFEAT ? vt_structfeat_names()[rank] : vt_compfeat_names()[rank - VT_N_STRUCTFEAT];
}

/* JSON string literal (quotes, backslashes and control characters escaped). */
static void json_str(vt_text *t, const char *s)
{
    vt_text_put(t, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') vt_text_printf(t, "\\%c", *p);
        else if (*p == '\n') vt_text_put(t, "\\n", 2);
        else if (*p < 0x20) vt_text_printf(t, "\\u%04x", *p);
        else vt_text_put(t, (const char *)p, 1);
    }
    vt_text_put(t, "\"", 1);
}

static void num(vt_text *t, double v)
{
    char b[32];
    vt_shortest(v, b);
    vt_text_printf(t, "%s", b);
}

static const char *text_or(const vt_store_rows *r, size_t i, size_t j, const char *def)
{
    const vt_sql_value *v = vt_store_rows_get(r, i, j);
    return v->type == VT_SQL_TEXT ? v->text : def;
}

/* A run's exported name: its identifier, else "run-<id>". */
static const char *run_name(const vt_store_rows *runs, size_t i, size_t col_id, size_t col_ident, char buf[32])
{
    const char *ident = text_or(runs, i, col_ident, NULL);
    if (ident) return ident;
    snprintf(buf, 32, "run-%lld", (long long)vt_store_rows_get(runs, i, col_id)->i);
    return buf;
}

/* ---------------------------------------------------------------------------------------------
** Sorting rows of one run
*/
typedef struct item {
    char key[16];   /* element symbol */
    double T_K;
    int rank;       /* feature rank */
    size_t row;     /* row in the result */
} item;

static int item_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->T_K != y->T_K) return x->T_K < y->T_K ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Rows of r in order of (text column key_col or none, real column T_col or none, feature rank of
 * text column rank_col or none); caller frees. */
static item *sorted(const vt_store_rows *r, int key_col, int T_col, int rank_col)
{
    size_t n = vt_store_rows_count(r);
    item *it = vt_calloc(n ? n : 1, sizeof *it);
    if (!it) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (key_col >= 0) snprintf(it[i].key, sizeof it[i].key, "%s", text_or(r, i, (size_t)key_col, ""));
        it[i].T_K = T_col >= 0 ? vt_store_rows_real(r, i, (size_t)T_col) : 0;
        it[i].rank = rank_col >= 0 ? feature_rank(text_or(r, i, (size_t)rank_col, "")) : 0;
        it[i].row = i;
    }
    qsort(it, n, sizeof *it, item_cmp);
    return it;
}

/* ---------------------------------------------------------------------------------------------
** MPContribs-style JSON
*/
static vt_status query_run(vt_store *st, const char *sql, int64_t run_id, vt_store_rows **r)
{
    vt_sql_value p = vt_sql_int(run_id);
    return vt_store_query(st, sql, 1, &p, r);
}

/* "key": "<v> unit", when v is known. */
static void quantity(vt_text *t, int *first, const char *key, double v, const char *unit)
{
    if (isnan(v)) return;
    vt_text_printf(t, "%s\n      ", *first ? "" : ",");
    json_str(t, key);
    char b[32];
    vt_shortest(v, b);
    vt_text_printf(t, ": \"%s %s\"", b, unit);
    *first = 0;
}

static vt_status json_data(vt_store *st, vt_text *t, int64_t run_id)
{
    vt_store_rows *dr = NULL, *ar = NULL, *fr = NULL;
    item *di = NULL, *ai = NULL, *fi = NULL;
    vt_status s = query_run(st, "SELECT element, t_k, d_cm2_s, sigma_cm2_s FROM diffusivities WHERE run_id = ?", run_id, &dr);
    if (s == VT_OK)
        s = query_run(st, "SELECT element, ea_ev, ea_sigma_ev, d0_cm2_s, d0_sigma_cm2_s FROM arrhenius WHERE run_id = ?",
                      run_id, &ar);
    if (s == VT_OK) s = query_run(st, "SELECT t_k, name, value FROM features WHERE run_id = ?", run_id, &fr);
    if (s == VT_OK && (!(di = sorted(dr, 0, 1, -1)) || !(ai = sorted(ar, 0, -1, -1)) || !(fi = sorted(fr, -1, 0, 1))))
        s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    if (s == VT_OK) {
        int first = 1;
        char key[128], T[32];
        vt_text_printf(t, ",\n    \"data\": {");
        for (size_t k = 0; k < vt_store_rows_count(dr); k++) {
            size_t i = di[k].row;
            vt_shortest(vt_store_rows_real(dr, i, 1), T);
            snprintf(key, sizeof key, "D_%s|%sK", di[k].key, T);
            quantity(t, &first, key, vt_store_rows_real(dr, i, 2), "cm^2/s");
            snprintf(key, sizeof key, "sigmaD_%s|%sK", di[k].key, T);
            quantity(t, &first, key, vt_store_rows_real(dr, i, 3), "cm^2/s");
        }
        static const char *const names[4] = {"Ea", "sigmaEa", "D0", "sigmaD0"};
        for (size_t k = 0; k < vt_store_rows_count(ar); k++)
            for (int q = 0; q < 4; q++) {
                snprintf(key, sizeof key, "%s_%s", names[q], ai[k].key);
                quantity(t, &first, key, vt_store_rows_real(ar, ai[k].row, (size_t)q + 1), q < 2 ? "eV" : "cm^2/s");
            }
        for (size_t k = 0; k < vt_store_rows_count(fr); k++) {
            vt_shortest(fi[k].T_K, T);
            snprintf(key, sizeof key, "%s|%sK", text_or(fr, fi[k].row, 1, ""), T);
            vt_text_printf(t, "%s\n      ", first ? "" : ",");
            json_str(t, key);
            vt_text_printf(t, ": ");
            num(t, vt_store_rows_real(fr, fi[k].row, 2));
            first = 0;
        }
        vt_text_printf(t, "%s}", first ? "" : "\n    ");
    }
    vt_free(di);
    vt_free(ai);
    vt_free(fi);
    vt_store_rows_free(dr);
    vt_store_rows_free(ar);
    vt_store_rows_free(fr);
    return s;
}

static vt_status json_structures(vt_store *st, vt_text *t, int64_t run_id)
{
    vt_store_rows *r = NULL;
    VT_TRY(query_run(st, "SELECT id, t_k, frame FROM structures WHERE run_id = ? ORDER BY t_k, frame", run_id, &r));
    vt_status s = VT_OK;
    if (vt_store_rows_count(r)) vt_text_printf(t, ",\n    \"structures\": [");
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(r); i++) {
        vt_cell *c = NULL;
        vt_text pm = {0};
        char T[32];
        if ((s = vt_store_structure_get(st, vt_store_rows_get(r, i, 0)->i, &c)) == VT_OK &&
            (s = vt_pmgjson_write(&pm, (const vt_cell *const *)&c, 1)) == VT_OK) {
            /* the Structure dict with "name" put first: {"name": "1000K/0", "@module": ... */
            vt_shortest(vt_store_rows_real(r, i, 1), T);
            vt_text_printf(t, "%s\n      {\"name\": \"%sK/%lld\", ", i ? "," : "", T, (long long)vt_store_rows_get(r, i, 2)->i);
            size_t len = pm.len;
            while (len > 1 && pm.p[len - 1] == '\n') len--;
            if (pm.is_oom || len < 2 || pm.p[0] != '{') s = vt_err_set_(VT_ENOMEM, "store: out of memory");
            else vt_text_put(t, pm.p + 1, len - 1);
        }
        vt_text_clear(&pm);
        vt_cell_free(c);
    }
    if (s == VT_OK && vt_store_rows_count(r)) vt_text_printf(t, "]");
    vt_store_rows_free(r);
    return s;
}

static vt_status json_tables(vt_store *st, vt_text *t, int64_t run_id)
{
    vt_store_rows *r = NULL;
    VT_TRY(query_run(st, "SELECT t_k, columns, n_r, data FROM rdfs WHERE run_id = ? ORDER BY t_k", run_id, &r));
    vt_status s = VT_OK;
    if (vt_store_rows_count(r)) vt_text_printf(t, ",\n    \"tables\": [");
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(r); i++) {
        const char *cols = text_or(r, i, 1, "");
        size_t n_cols = 1, n_r = (size_t)vt_store_rows_get(r, i, 2)->i;
        for (const char *p = cols; *p; p++) n_cols += *p == ',';
        const vt_sql_value *blob = vt_store_rows_get(r, i, 3);
        if (blob->type != VT_SQL_BLOB || blob->n_bytes != 8 * n_cols * n_r) {
            s = vt_err_set_(VT_EDB, "store: a stored RDF table is damaged (size)");
            break;
        }
        char T[32];
        vt_shortest(vt_store_rows_real(r, i, 0), T);
        vt_text_printf(t, "%s\n      {\"name\": \"rdf|%sK\", \"columns\": [\"", i ? "," : "", T);
        for (const char *p = cols; *p; p++) {
            if (*p == ',') vt_text_printf(t, "\", \"");
            else if (*p == '"' || *p == '\\') vt_text_printf(t, "\\%c", *p);
            else if ((unsigned char)*p >= 0x20) vt_text_put(t, p, 1);
        }
        vt_text_printf(t, "\"],\n       \"data\": [");
        for (size_t k = 0; k < n_r; k++) {
            vt_text_printf(t, "%s[", k ? ", " : "");
            for (size_t c = 0; c < n_cols; c++) {
                vt_text_printf(t, "%s", c ? ", " : "");
                num(t, vt_store_blob_f64(blob->blob, k * n_cols + c));
            }
            vt_text_printf(t, "]");
        }
        vt_text_printf(t, "]}");
    }
    if (s == VT_OK && vt_store_rows_count(r)) vt_text_printf(t, "]");
    vt_store_rows_free(r);
    return s;
}

static vt_status json_run_meta(vt_store *st, vt_text *t, const vt_store_rows *runs, size_t i)
{
    static const char *const keys[] = {"backend", "settings", NULL, "schedule", "version", "status",
                                       "created_at", "updated_at"};
    vt_text_printf(t, ",\n    \"run\": {");
    for (size_t k = 0; k < 8; k++) {
        vt_text_printf(t, "%s\"%s\": ", k ? ", " : "", keys[k] ? keys[k] : "seed");
        if (!keys[k]) { /* seed: a JSON number while exact (2^53), else a string */
            uint64_t seed = (uint64_t)vt_store_rows_get(runs, i, 5)->i;
            vt_text_printf(t, seed <= (1ull << 53) ? "%llu" : "\"%llu\"", (unsigned long long)seed);
        } else {
            json_str(t, text_or(runs, i, 3 + k, ""));
        }
    }
    vt_store_rows *p = NULL;
    VT_TRY(query_run(st, "SELECT key, value FROM provenance WHERE entity = 'run' AND entity_id = ? ORDER BY id",
                     vt_store_rows_get(runs, i, 0)->i, &p));
    vt_text_printf(t, ", \"provenance\": {");
    for (size_t k = 0; k < vt_store_rows_count(p); k++) {
        vt_text_printf(t, "%s", k ? ", " : "");
        json_str(t, text_or(p, k, 0, ""));
        vt_text_printf(t, ": ");
        json_str(t, text_or(p, k, 1, ""));
    }
    vt_text_printf(t, "}}");
    vt_store_rows_free(p);
    return VT_OK;
}

#define RUNS_SQL                                                                                          \
    "SELECT r.id, r.identifier, c.formula, r.backend, r.settings, r.seed, r.schedule, r.version, r.status," \
    " r.created_at, r.updated_at FROM runs r JOIN compositions c ON c.id = r.composition_id ORDER BY r.id"

static vt_status export_json(vt_store *st, vt_text *t, size_t *n_items)
{
    vt_store_rows *runs = NULL;
    VT_TRY(vt_store_query(st, RUNS_SQL, 0, NULL, &runs));
    vt_status s = VT_OK;
    vt_text_printf(t, "{\"project\": \"vitrum\", \"contributions\": [");
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(runs); i++) {
        char buf[32];
        int64_t id = vt_store_rows_get(runs, i, 0)->i;
        vt_text_printf(t, "%s\n  {\"identifier\": ", i ? "," : "");
        json_str(t, run_name(runs, i, 0, 1, buf));
        vt_text_printf(t, ", \"formula\": ");
        json_str(t, text_or(runs, i, 2, ""));
        if ((s = json_run_meta(st, t, runs, i)) == VT_OK && (s = json_data(st, t, id)) == VT_OK &&
            (s = json_structures(st, t, id)) == VT_OK)
            s = json_tables(st, t, id);
        vt_text_printf(t, "}");
    }
    vt_text_printf(t, "\n]}\n");
    *n_items = vt_store_rows_count(runs);
    vt_store_rows_free(runs);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** The feature table (CSV): ",formula,diff_coeff_mul_thousand,temperature,<features>" as pandas
** writes it (an unnamed index column), rows of (run, T) that have D_Li and every feature column.
*/
static vt_status csv_run(vt_store *st, vt_text *t, int64_t run_id, const char *formula, const int *has_rank,
                         size_t *n_rows, size_t *n_skipped)
{
    vt_store_rows *fr = NULL, *dr = NULL;
    item *fi = NULL;
    vt_status s = query_run(st, "SELECT t_k, name, value FROM features WHERE run_id = ?", run_id, &fr);
    if (s == VT_OK)
        s = query_run(st, "SELECT t_k, d_cm2_s FROM diffusivities WHERE run_id = ? AND element = 'Li'", run_id, &dr);
    if (s == VT_OK && !(fi = sorted(fr, -1, 0, 1))) s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    size_t n = vt_store_rows_count(fr);
    for (size_t k = 0; s == VT_OK && k < n;) {
        double T = fi[k].T_K, value[N_FEATURES] = {0}, D = NAN;
        int have[N_FEATURES] = {0}, complete = 1;
        for (; k < n && fi[k].T_K == T; k++)
            if (fi[k].rank >= 0) {
                value[fi[k].rank] = vt_store_rows_real(fr, fi[k].row, 2);
                have[fi[k].rank] = 1;
            }
        for (size_t i = 0; i < vt_store_rows_count(dr); i++)
            if (vt_store_rows_real(dr, i, 0) == T) D = vt_store_rows_real(dr, i, 1);
        for (int r = 0; r < N_FEATURES; r++) complete &= !has_rank[r] || have[r];
        if (isnan(D) || !complete) {
            (*n_skipped)++;
            continue;
        }
        vt_text_printf(t, "%zu,%s,", (*n_rows)++, formula);
        num(t, VT_STORE_TABLE_FROM_D(D)); /* D x 1000, the table's target */
        vt_text_printf(t, ",");
        num(t, T);
        for (int r = 0; r < N_FEATURES; r++)
            if (has_rank[r]) {
                vt_text_printf(t, ",");
                num(t, value[r]);
            }
        vt_text_printf(t, "\n");
    }
    vt_free(fi);
    vt_store_rows_free(fr);
    vt_store_rows_free(dr);
    return s;
}

static vt_status export_csv(vt_store *st, vt_text *t, size_t *n_items)
{
    vt_store_rows *names = NULL, *runs = NULL;
    int has_rank[N_FEATURES] = {0};
    VT_TRY(vt_store_query(st, "SELECT DISTINCT name FROM features", 0, NULL, &names));
    for (size_t i = 0; i < vt_store_rows_count(names); i++) {
        int r = feature_rank(text_or(names, i, 0, ""));
        if (r >= 0) has_rank[r] = 1;
    }
    vt_store_rows_free(names);
    vt_text_printf(t, ",formula,diff_coeff_mul_thousand,temperature");
    for (int r = 0; r < N_FEATURES; r++)
        if (has_rank[r]) vt_text_printf(t, ",%s", feature_name(r));
    vt_text_printf(t, "\n");
    VT_TRY(vt_store_query(st, RUNS_SQL, 0, NULL, &runs));
    vt_status s = VT_OK;
    size_t n_rows = 0, n_skipped = 0;
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(runs); i++)
        s = csv_run(st, t, vt_store_rows_get(runs, i, 0)->i, text_or(runs, i, 2, ""), has_rank, &n_rows, &n_skipped);
    vt_store_rows_free(runs);
    *n_items = n_rows;
    return s;
}

/* ---------------------------------------------------------------------------------------------
** extxyz: every structure, keys run="<identifier>" T_K=<K> frame=<n>
*/
static vt_status export_extxyz(vt_store *st, vt_text *t, size_t *n_items)
{
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st,
                          "SELECT s.id, r.identifier, r.id, s.t_k, s.frame FROM structures s"
                          " JOIN runs r ON r.id = s.run_id ORDER BY r.id, s.t_k, s.frame",
                          0, NULL, &r));
    vt_status s = VT_OK;
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(r); i++) {
        vt_cell *c = NULL;
        char keys[160], T[32], buf[32];
        const char *ident = text_or(r, i, 1, NULL);
        if (!ident) snprintf(buf, sizeof buf, "run-%lld", (long long)vt_store_rows_get(r, i, 2)->i), ident = buf;
        vt_shortest(vt_store_rows_real(r, i, 3), T);
        snprintf(keys, sizeof keys, "run=\"%s\" T_K=%s frame=%lld", ident, T, (long long)vt_store_rows_get(r, i, 4)->i);
        if ((s = vt_store_structure_get(st, vt_store_rows_get(r, i, 0)->i, &c)) == VT_OK)
            s = vt_extxyz_write_frame(t, c, i + 1, keys);
        vt_cell_free(c);
    }
    *n_items = vt_store_rows_count(r);
    vt_store_rows_free(r);
    return s;
}

vt_status vt_store_export(vt_store *st, const char *path, const char *format, size_t *n_items)
{
    size_t n = 0;
    if (n_items) *n_items = 0;
    if (!format) {
        format = vt_has_suffix(path, ".json") ? "mpcontribs" : vt_has_suffix(path, ".csv") ? "table"
               : vt_has_suffix(path, ".xyz") || vt_has_suffix(path, ".extxyz") ? "extxyz" : NULL;
        if (!format) VT_FAIL(VT_EINVAL, "export: cannot tell the format of '%.200s' (.json, .csv, .xyz or a format)", path);
    }
    vt_status (*fn)(vt_store *, vt_text *, size_t *) =
        strcmp(format, "mpcontribs") == 0 ? export_json : strcmp(format, "table") == 0 ? export_csv
        : strcmp(format, "extxyz") == 0 ? export_extxyz : NULL;
    if (!fn) VT_FAIL(VT_EINVAL, "export: unknown format '%.40s' (mpcontribs, table or extxyz)", format);
    if (st->in_tx) VT_FAIL(VT_EINVAL, "export: reads its own snapshot, not inside vt_store_begin()");
    VT_TRY(st->drv->exec(st->conn, st->drv->read_begin_sql)); /* one consistent snapshot */
    vt_text t = {0};
    vt_status s = fn(st, &t, &n);
    (void)st->drv->exec(st->conn, "ROLLBACK"); /* nothing was written */
    if (s != VT_OK) {
        vt_text_clear(&t);
        return s;
    }
    VT_TRY(vt_text_save(&t, path));
    if (n_items) *n_items = n;
    return VT_OK;
}
