/*
** import.c - vt_store_import: the paper's feature table and MPContribs-style JSON (layout in
** docs/store.md), each file in one transaction: any error rolls everything back, so a bad file
** leaves the database as it was. Errors are VT_EPARSE/VT_EINVAL "file: field: message", the field
** a JSON path ("contributions[2].data.D_Li|1000K") or a table row and column.
**   table: vt_dataset_read() (its checks: columns, numbers, positive T and D x 1000); one run per
**          formula (identifier = formula, backend "paper"), D_Li = (D x 1000) / 1000 cm^2/s
**          (store.h: VT_STORE_D_FROM_TABLE), the feature columns at each temperature.
**   mpcontribs: {"project": "...", "contributions": [{"identifier", "formula", "run", "data",
**          "structures", "tables"}]}; unknown keys, wrong units and malformed values are errors.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "io/pmgjson.h"
#include "io/text.h"
#include "store.h"

#define MAX_JSON_BYTES ((size_t)1 << 30)

static vt_status record_import(vt_store *st, const char *path, const char *format, int64_t *id)
{
    char hex[65], now[32];
    int64_t size = 0;
    VT_TRY(vt_store_file_sha256(path, hex, &size));
    vt_store_now(now);
    vt_sql_value p[6] = {vt_sql_text(path), vt_sql_text(format), vt_sql_text(hex), vt_sql_int(size),
                         vt_sql_text(vt_version()), vt_sql_text(now)};
    return vt_store_query_int(st,
                              "INSERT INTO imports (source, format, sha256, size_bytes, version, imported_at)"
                              " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                              6, p, id);
}

/* ---------------------------------------------------------------------------------------------
** The paper's feature table
*/
static vt_status table_row(vt_store *st, const vt_dataset *d, size_t r, int64_t import_id, size_t *n_runs)
{
    const char *formula = d->formula[r];
    int64_t run_id = 0;
    vt_sql_value q[2] = {vt_sql_text(formula), vt_sql_int(import_id)};
    vt_store_rows *found = NULL;
    VT_TRY(vt_store_query(st, "SELECT id FROM runs WHERE identifier = ? AND import_id = ?", 2, q, &found));
    if (vt_store_rows_count(found)) run_id = vt_store_rows_get(found, 0, 0)->i;
    vt_store_rows_free(found);
    if (!run_id) {
        if (!vt_store_identifier_ok(formula))
            VT_FAIL(VT_EINVAL, "formula: '%.60s' cannot name a run (A-Z a-z 0-9 . _ : + - ( ) [ ], 64 at most)", formula);
        vt_store_run run = {.identifier = formula, .formula = formula, .backend = "paper", .status = "done"};
        VT_TRY(vt_store_run_insert(st, &run, import_id, &run_id));
        (*n_runs)++;
    }
    const double *x = d->X + r * d->n_cols;
    int64_t dup = 0;
    vt_sql_value k[2] = {vt_sql_int(run_id), vt_sql_real(x[0])};
    VT_TRY(vt_store_query_int(st, "SELECT COUNT(*) FROM diffusivities WHERE run_id = ? AND t_k = ?", 2, k, &dup));
    if (dup) VT_FAIL(VT_EINVAL, "temperature: a second row for this formula and temperature");
    vt_estimate D = {VT_STORE_D_FROM_TABLE(d->y[r]), NAN};
    VT_TRY(vt_store_diffusivity_add(st, run_id, vt_element_by_symbol("Li")->Z, x[0], D));
    return vt_store_features_add(st, run_id, x[0], d->n_cols - 1, (const char *const *)d->col_names + 1, x + 1);
}

static vt_status import_table(vt_store *st, const char *path, int64_t import_id, size_t *n_runs)
{
    vt_dataset *d = NULL;
    VT_TRY(vt_dataset_read(path, &d));
    vt_status s = VT_OK;
    if (!d->y) s = vt_err_at_(VT_EPARSE, path, 1, "diff_coeff_mul_thousand", "required column missing");
    for (size_t r = 0; s == VT_OK && r < d->n_rows; r++)
        if ((s = table_row(st, d, r, import_id, n_runs)) != VT_OK)
            s = vt_err_set_(s, "%s: data row %zu (%s at %g K): %s", path, r + 1, d->formula[r], d->X[r * d->n_cols],
                            vt_errmsg());
    vt_dataset_free(d);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** MPContribs-style JSON
*/
typedef struct jctx {
    vt_store *st;
    const char *path;
    int64_t import_id;
    int64_t run_id;
    char where[96];   /* "contributions[3]" */
} jctx;

/* VT_EPARSE "path: where.field: message". */
static vt_status jbad(const jctx *j, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static vt_status jbad(const jctx *j, const char *field, const char *fmt, ...)
{
    char full[256], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s%s%.120s", j->where, field && j->where[0] ? "." : "", field ? field : "");
    return vt_err_at_(VT_EPARSE, j->path, 0, full, "%s", msg);
}

/* Keys of obj must be among the NULL-terminated allowed list. */
static vt_status check_keys(const jctx *j, const char *field, const cJSON *obj, const char *const *allowed)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(it->string, *a) == 0;
        if (!ok) {
            char f[160];
            snprintf(f, sizeof f, "%s%s%.80s", field ? field : "", field ? "." : "", it->string);
            return jbad(j, f, "unknown key");
        }
    }
    return VT_OK;
}

static vt_status get_string(const jctx *j, const cJSON *obj, const char *key, int required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v) return required ? jbad(j, key, "required key missing") : VT_OK;
    if (!cJSON_IsString(v)) return jbad(j, key, "expected a string");
    *out = v->valuestring;
    return VT_OK;
}

static int iso_time_ok(const char *s)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof pattern - 1) return 0;
    for (size_t k = 0; pattern[k]; k++)
        if (pattern[k] == 'd' ? !(s[k] >= '0' && s[k] <= '9') : s[k] != pattern[k]) return 0;
    return 1;
}

/* "run": {backend, settings, seed, schedule, version, status, created_at, updated_at, provenance} */
static vt_status parse_run_meta(const jctx *j, const cJSON *meta, vt_store_run *run)
{
    static const char *const keys[] = {"backend", "settings", "seed", "schedule", "version", "status",
                                       "created_at", "updated_at", "provenance", NULL};
    jctx jr = *j;
    snprintf(jr.where, sizeof jr.where, "%.80s.run", j->where);
    if (!cJSON_IsObject(meta)) return jbad(j, "run", "expected an object");
    VT_TRY(check_keys(&jr, NULL, meta, keys));
    VT_TRY(get_string(&jr, meta, "backend", 0, &run->backend));
    VT_TRY(get_string(&jr, meta, "settings", 0, &run->settings));
    VT_TRY(get_string(&jr, meta, "schedule", 0, &run->schedule));
    VT_TRY(get_string(&jr, meta, "version", 0, &run->version));
    VT_TRY(get_string(&jr, meta, "status", 0, &run->status));
    VT_TRY(get_string(&jr, meta, "created_at", 0, &run->created_at));
    VT_TRY(get_string(&jr, meta, "updated_at", 0, &run->updated_at));
    if (run->created_at && !iso_time_ok(run->created_at)) return jbad(&jr, "created_at", "expected YYYY-MM-DDTHH:MM:SSZ");
    if (run->updated_at && !iso_time_ok(run->updated_at)) return jbad(&jr, "updated_at", "expected YYYY-MM-DDTHH:MM:SSZ");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(meta, "seed");
    if (cJSON_IsNumber(seed)) { /* exact up to 2^53; larger seeds are written as strings */
        double v = seed->valuedouble;
        if (!(v >= 0 && v <= 9007199254740992.0 && v == floor(v))) return jbad(&jr, "seed", "expected a whole number 0..2^53");
        run->seed = (uint64_t)v;
    } else if (cJSON_IsString(seed)) {
        char *end;
        errno = 0;
        run->seed = strtoull(seed->valuestring, &end, 10);
        if (!seed->valuestring[0] || *end || errno || seed->valuestring[0] == '-')
            return jbad(&jr, "seed", "expected a whole number 0..2^64-1");
    } else if (seed) {
        return jbad(&jr, "seed", "expected a number");
    }
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(meta, "provenance"), *it;
    if (prov && !cJSON_IsObject(prov)) return jbad(&jr, "provenance", "expected an object of strings");
    cJSON_ArrayForEach(it, prov)
    {
        if (!cJSON_IsString(it) || !it->string[0]) return jbad(&jr, "provenance", "expected an object of strings");
    }
    return VT_OK;
}

/* ---- data: "<number> <unit>" quantities and bare feature numbers ---- */
typedef enum qkind { Q_D, Q_SIGMA_D, Q_EA, Q_SIGMA_EA, Q_D0, Q_SIGMA_D0, Q_FEATURE } qkind;

/* A data key: base[_El][|<T>K]. */
typedef struct dkey {
    qkind kind;
    int Z;              /* element (Li when the key has none); 0 for features */
    double T_K;         /* NaN for keys without a temperature */
    char name[64];      /* feature name */
} dkey;

static vt_status parse_temperature(const jctx *j, const char *field, const char *text, double *T_K)
{
    char *end;
    *T_K = strtod(text, &end);
    if (end == text || strcmp(end, "K") != 0 || !(*T_K > 0.0) || !isfinite(*T_K))
        return jbad(j, field, "expected a temperature '<number>K' after '|', got '%.20s'", text);
    return VT_OK;
}

static vt_status parse_dkey(const jctx *j, const char *field, const char *key, dkey *k)
{
    static const struct { const char *base; qkind kind; int has_T; } bases[] = {
        {"sigmaD0", Q_SIGMA_D0, 0}, {"sigmaEa", Q_SIGMA_EA, 0}, {"sigmaD", Q_SIGMA_D, 1},
        {"D0", Q_D0, 0}, {"Ea", Q_EA, 0}, {"D", Q_D, 1}};
    char base[64];
    const char *bar = strchr(key, '|');
    size_t n = bar ? (size_t)(bar - key) : strlen(key);
    if (n >= sizeof base) return jbad(j, field, "unknown key");
    memcpy(base, key, n);
    base[n] = '\0';
    k->T_K = NAN;
    if (bar) VT_TRY(parse_temperature(j, field, bar + 1, &k->T_K));
    if (vt_feature_known(base)) {
        if (!bar) return jbad(j, field, "a feature needs its temperature: '%s|<T>K'", base);
        *k = (dkey){.kind = Q_FEATURE, .Z = 0, .T_K = k->T_K};
        snprintf(k->name, sizeof k->name, "%s", base);
        return VT_OK;
    }
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        size_t lb = strlen(bases[b].base);
        if (strncmp(base, bases[b].base, lb) != 0 || (base[lb] != '\0' && base[lb] != '_')) continue;
        const vt_element *e = vt_element_by_symbol(base[lb] ? base + lb + 1 : "Li");
        if (!e) return jbad(j, field, "unknown element '%.8s'", base + lb + 1);
        if (bases[b].has_T != (bar != NULL))
            return jbad(j, field, bases[b].has_T ? "needs a temperature: '%s|<T>K'" : "takes no temperature (%s)", base);
        k->kind = bases[b].kind;
        k->Z = e->Z;
        return VT_OK;
    }
    return jbad(j, field, "unknown key (expected D|<T>K, Ea, D0, their sigma..., or a feature|<T>K)");
}

/* "<number> <unit>" with unit cm^2/s (also written cm²/s) or eV. */
static vt_status parse_quantity(const jctx *j, const char *field, const cJSON *v, int is_energy, double *x)
{
    const char *want = is_energy ? "eV" : "cm^2/s";
    if (!cJSON_IsString(v)) return jbad(j, field, "expected a string \"<number> %s\"", want);
    char *end;
    *x = strtod(v->valuestring, &end);
    if (end == v->valuestring || *end != ' ' || !isfinite(*x))
        return jbad(j, field, "expected \"<number> %s\", got '%.40s'", want, v->valuestring);
    while (*end == ' ') end++;
    int ok = strcmp(end, want) == 0 || (!is_energy && strcmp(end, "cm\xc2\xb2/s") == 0);
    if (!ok) return jbad(j, field, "unit '%.20s' not accepted (expected %s)", end, want);
    return VT_OK;
}

/* The data value of key (the sigma or D0 beside a D or Ea), or NULL. */
static const cJSON *sibling(const cJSON *data, const char *prefix, const char *key)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s", prefix, key);
    return cJSON_GetObjectItemCaseSensitive(data, name);
}

static vt_status data_item(const jctx *j, const cJSON *data, const cJSON *it)
{
    char field[192];
    dkey k;
    snprintf(field, sizeof field, "data.%.120s", it->string);
    VT_TRY(parse_dkey(j, field, it->string, &k));
    vt_status s = VT_OK;
    switch (k.kind) {
    case Q_FEATURE: {
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) return jbad(j, field, "expected a number");
        const char *name = k.name;
        s = vt_store_features_add(j->st, j->run_id, k.T_K, 1, &name, &it->valuedouble);
        break;
    }
    case Q_D: {
        vt_estimate D = {0, NAN};
        const cJSON *sig = sibling(data, "sigma", it->string);
        VT_TRY(parse_quantity(j, field, it, 0, &D.value));
        if (sig) {
            snprintf(field, sizeof field, "data.sigma%.120s", it->string);
            VT_TRY(parse_quantity(j, field, sig, 0, &D.sigma));
        }
        s = vt_store_diffusivity_add(j->st, j->run_id, k.Z, k.T_K, D);
        break;
    }
    case Q_EA: {
        vt_estimate Ea = {0, NAN}, D0 = {NAN, NAN};
        const char *suffix = it->string + 2; /* "" or "_El" */
        const cJSON *v;
        VT_TRY(parse_quantity(j, field, it, 1, &Ea.value));
        if ((v = sibling(data, "sigmaEa", suffix))) {
            snprintf(field, sizeof field, "data.sigmaEa%s", suffix);
            VT_TRY(parse_quantity(j, field, v, 1, &Ea.sigma));
        }
        if ((v = sibling(data, "D0", suffix))) {
            snprintf(field, sizeof field, "data.D0%s", suffix);
            VT_TRY(parse_quantity(j, field, v, 0, &D0.value));
        }
        if ((v = sibling(data, "sigmaD0", suffix))) {
            snprintf(field, sizeof field, "data.sigmaD0%s", suffix);
            VT_TRY(parse_quantity(j, field, v, 0, &D0.sigma));
        }
        s = vt_store_arrhenius_add(j->st, j->run_id, k.Z, Ea, D0);
        break;
    }
    case Q_SIGMA_D: /* read with its D; it must have one */
        if (!cJSON_GetObjectItemCaseSensitive(data, it->string + 5)) return jbad(j, field, "no matching %s", it->string + 5);
        break;
    case Q_D0: case Q_SIGMA_EA: case Q_SIGMA_D0: { /* read with their Ea */
        const char *suffix = strchr(it->string, '_');
        if (!sibling(data, "Ea", suffix ? suffix : "")) return jbad(j, field, "no matching Ea%s", suffix ? suffix : "");
        break;
    }
    }
    if (s != VT_OK) return jbad(j, field, "%s", vt_errmsg());
    return VT_OK;
}

/* ---- structures and tables ---- */
static vt_status import_structure(const jctx *j, const cJSON *obj, size_t k)
{
    char where[160], field[32];
    snprintf(field, sizeof field, "structures[%zu]", k);
    snprintf(where, sizeof where, "%s.%s", j->where, field);
    if (!cJSON_IsObject(obj)) return jbad(j, field, "expected a pymatgen Structure object");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    double T_K = 0;
    long long frame = -1;
    int used = 0;
    if (!cJSON_IsString(name) || sscanf(name->valuestring, "%lfK/%lld%n", &T_K, &frame, &used) != 2 ||
        name->valuestring[used] || !(T_K >= 0 && isfinite(T_K)) || frame < 0) {
        snprintf(field, sizeof field, "structures[%zu].name", k);
        return jbad(j, field, "expected \"<T>K/<frame>\", e.g. \"1000K/0\"");
    }
    vt_cell *c = NULL;
    VT_TRY(vt_pmgjson_parse(obj, j->path, where, &c));
    int64_t id = 0;
    vt_status s = vt_store_structure_add(j->st, j->run_id, T_K, frame, c, &id);
    vt_cell_free(c);
    if (s != VT_OK) return jbad(j, field, "%s", vt_errmsg());
    return VT_OK;
}

/* {"name": "rdf|<T>K", "columns": ["r", "A-B", ...], "data": [[r, g, ...], ...]} */
static vt_status import_table_obj(const jctx *j, const cJSON *obj, size_t k)
{
    static const char *const keys[] = {"name", "columns", "data", NULL};
    char field[64];
    snprintf(field, sizeof field, "tables[%zu]", k);
    if (!cJSON_IsObject(obj)) return jbad(j, field, "expected an object");
    VT_TRY(check_keys(j, field, obj, keys));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(obj, "columns");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(obj, "data");
    double T_K;
    snprintf(field, sizeof field, "tables[%zu].name", k);
    if (!cJSON_IsString(name) || strncmp(name->valuestring, "rdf|", 4) != 0)
        return jbad(j, field, "expected \"rdf|<T>K\" (RDF tables are the only kind stored)");
    VT_TRY(parse_temperature(j, field, name->valuestring + 4, &T_K));
    int n_cols = cJSON_GetArraySize(cols), n_r = cJSON_GetArraySize(rows);
    snprintf(field, sizeof field, "tables[%zu].columns", k);
    if (!cJSON_IsArray(cols) || n_cols < 2 || n_cols > 1000) return jbad(j, field, "expected 2..1000 column names");
    snprintf(field, sizeof field, "tables[%zu].data", k);
    if (!cJSON_IsArray(rows) || n_r < 1 || n_r > 1000000) return jbad(j, field, "expected 1..10^6 rows");
    const char **names = vt_calloc((size_t)n_cols, sizeof *names);
    double *data = vt_malloc((size_t)n_cols * (size_t)n_r * sizeof *data);
    vt_status s = names && data ? VT_OK : vt_err_set_(VT_ENOMEM, "store: out of memory");
    for (int c = 0; s == VT_OK && c < n_cols; c++) {
        const cJSON *v = cJSON_GetArrayItem(cols, c);
        if (!cJSON_IsString(v)) s = jbad(j, field, "column %d: expected a string", c + 1);
        else names[c] = v->valuestring;
    }
    int r = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        if (s != VT_OK) break;
        snprintf(field, sizeof field, "tables[%zu].data[%d]", k, r);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n_cols) {
            s = jbad(j, field, "expected %d numbers", n_cols);
            break;
        }
        int c = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, row)
        {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                s = jbad(j, field, "expected %d finite numbers", n_cols);
                break;
            }
            data[(size_t)r * (size_t)n_cols + (size_t)c++] = v->valuedouble;
        }
        r++;
    }
    if (s == VT_OK && (s = vt_store_rdf_add(j->st, j->run_id, T_K, (size_t)n_cols, names, (size_t)n_r, data)) != VT_OK) {
        snprintf(field, sizeof field, "tables[%zu]", k);
        s = jbad(j, field, "%s", vt_errmsg());
    }
    vt_free(names);
    vt_free(data);
    return s;
}

static vt_status each_array(const jctx *j, const cJSON *c, const char *key,
                            vt_status (*fn)(const jctx *, const cJSON *, size_t))
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(c, key), *it;
    if (!arr) return VT_OK;
    if (!cJSON_IsArray(arr)) return jbad(j, key, "expected an array");
    size_t k = 0;
    cJSON_ArrayForEach(it, arr) VT_TRY(fn(j, it, k++));
    return VT_OK;
}

static vt_status import_contribution(jctx *j, const cJSON *c, size_t i)
{
    static const char *const keys[] = {"identifier", "formula", "run", "data", "structures", "tables", NULL};
    snprintf(j->where, sizeof j->where, "contributions[%zu]", i);
    if (!cJSON_IsObject(c)) return jbad(j, NULL, "expected an object");
    VT_TRY(check_keys(j, NULL, c, keys));
    vt_store_run run = {.backend = "mpcontribs"};
    VT_TRY(get_string(j, c, "identifier", 1, &run.identifier));
    VT_TRY(get_string(j, c, "formula", 1, &run.formula));
    if (!vt_store_identifier_ok(run.identifier))
        return jbad(j, "identifier", "expected 1..64 characters of A-Z a-z 0-9 . _ : + - ( ) [ ]");
    vt_composition comp;
    if (vt_composition_parse(run.formula, &comp) != VT_OK) return jbad(j, "formula", "%s", vt_errmsg());
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(c, "run");
    if (meta) VT_TRY(parse_run_meta(j, meta, &run));
    if (!run.backend || !run.backend[0]) return jbad(j, "run.backend", "empty");
    int64_t n = 0;
    vt_sql_value q = vt_sql_text(run.identifier);
    VT_TRY(vt_store_query_int(j->st, "SELECT COUNT(*) FROM runs WHERE identifier = ?", 1, &q, &n));
    if (n) return vt_err_at_(VT_EINVAL, j->path, 0, j->where, "identifier '%s' is already in the database", run.identifier);
    if (vt_store_run_insert(j->st, &run, j->import_id, &j->run_id) != VT_OK) return jbad(j, "run", "%s", vt_errmsg());
    const cJSON *prov = meta ? cJSON_GetObjectItemCaseSensitive(meta, "provenance") : NULL, *it;
    cJSON_ArrayForEach(it, prov) VT_TRY(vt_store_provenance_add(j->st, "run", j->run_id, it->string, it->valuestring));
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(c, "data");
    if (data && !cJSON_IsObject(data)) return jbad(j, "data", "expected an object");
    cJSON_ArrayForEach(it, data) VT_TRY(data_item(j, data, it));
    VT_TRY(each_array(j, c, "structures", import_structure));
    return each_array(j, c, "tables", import_table_obj);
}

static vt_status import_json_root(vt_store *st, const char *path, const cJSON *root, int64_t import_id, size_t *n_runs)
{
    static const char *const keys[] = {"project", "contributions", NULL};
    jctx j = {st, path, import_id, 0, ""};
    if (!cJSON_IsObject(root)) return jbad(&j, NULL, "expected an object {\"project\": ..., \"contributions\": [...]}");
    VT_TRY(check_keys(&j, NULL, root, keys));
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(root, "project");
    if (proj && !cJSON_IsString(proj)) return jbad(&j, "project", "expected a string");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "contributions"), *c;
    if (!cJSON_IsArray(list)) return jbad(&j, "contributions", "expected an array");
    size_t i = 0;
    cJSON_ArrayForEach(c, list)
    {
        VT_TRY(import_contribution(&j, c, i++));
        (*n_runs)++;
    }
    return VT_OK;
}

static vt_status import_json(vt_store *st, const char *path, int64_t import_id, size_t *n_runs)
{
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    char *text = vt_malloc(cap + 1);
    vt_status s = text ? VT_OK : vt_err_set_(VT_ENOMEM, "store: out of memory");
    while (s == VT_OK && (got = fread(text + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *t = cap < MAX_JSON_BYTES ? vt_realloc(text, 2 * cap + 1) : NULL;
            if (!t) s = cap < MAX_JSON_BYTES ? vt_err_set_(VT_ENOMEM, "store: out of memory")
                                             : vt_err_at_(VT_EPARSE, path, 0, NULL, "larger than 1 GiB");
            else text = t, cap *= 2;
        }
    }
    if (s == VT_OK && ferror(f)) s = vt_err_set_(VT_EIO, "%s: read error", path);
    fclose(f);
    cJSON *root = NULL;
    if (s == VT_OK) {
        const char *end = NULL;
        if (!(root = cJSON_ParseWithLengthOpts(text, n, &end, 0))) {
            size_t line = 1;
            for (const char *p = text; end && p < end && p < text + n; p++) line += *p == '\n';
            s = vt_err_at_(VT_EPARSE, path, line, NULL, "JSON syntax error");
        }
    }
    if (s == VT_OK) s = import_json_root(st, path, root, import_id, n_runs);
    cJSON_Delete(root);
    vt_free(text);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Entry point
*/
vt_status vt_store_import(vt_store *st, const char *path, const char *format, size_t *n_runs)
{
    size_t n = 0;
    if (n_runs) *n_runs = 0;
    if (!format) format = vt_has_suffix(path, ".json") ? "mpcontribs" : "table";
    int is_json = strcmp(format, "mpcontribs") == 0;
    if (!is_json && strcmp(format, "table") != 0)
        VT_FAIL(VT_EINVAL, "import: unknown format '%.40s' (table or mpcontribs)", format);
    if (st->in_tx) VT_FAIL(VT_EINVAL, "import: runs in its own transaction, not inside vt_store_begin()");
    VT_TRY(vt_store_begin(st));
    int64_t import_id = 0;
    vt_status s = record_import(st, path, format, &import_id);
    if (s == VT_OK) s = is_json ? import_json(st, path, import_id, &n) : import_table(st, path, import_id, &n);
    VT_TRY(vt_store_tx_end(st, 1, s));
    if (n_runs) *n_runs = n;
    return VT_OK;
}
