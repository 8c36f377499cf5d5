/*
** records.c - the typed writers and readers of vt_store (compositions, runs, diffusivities,
** Arrhenius fits, features, structures, trajectories, RDF tables, models, predictions,
** provenance) and the helpers they share: OPTIMADE formula fields, SHA-256 of files (OpenSSL,
** Debian libssl), ISO 8601 time. Each writer checks its values, then joins the
** caller's transaction or runs in its own (store.c invariant 3).
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/error.h"
#include "io/text.h"
#include "store.h"

/* ---------------------------------------------------------------------------------------------
** Helpers
*/
void vt_store_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

vt_status vt_store_file_sha256(const char *path, char hex[65], int64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int64_t total = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, n);
        total += (int64_t)n;
    }
    int read_error = ferror(f);
    fclose(f);
    if (ok && !read_error) ok = EVP_DigestFinal_ex(ctx, md, &md_len) && md_len == 32;
    EVP_MD_CTX_free(ctx);
    if (read_error) VT_FAIL(VT_EIO, "%s: read error", path);
    if (!ok) VT_FAIL(VT_EINTERNAL, "%s: SHA-256 failed (OpenSSL)", path);
    for (unsigned k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", md[k]);
    *size = total;
    return VT_OK;
}

int vt_store_identifier_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("._:+-()[]", *p)))
            return 0;
    return 1;
}

static long long gcd_ll(long long a, long long b)
{
    while (b) {
        long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

typedef struct el_count {
    const char *symbol;
    long long n;
} el_count;

static int by_symbol(const void *a, const void *b)
{
    return strcmp(((const el_count *)a)->symbol, ((const el_count *)b)->symbol);
}

static int by_count_desc(const void *a, const void *b)
{
    const el_count *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->symbol, y->symbol);
}

/* Append "X" or "Xn" (n > 1) to buf; VT_ERANGE when it does not fit. */
static vt_status put_term(char *buf, size_t size, size_t *len, const char *sym, long long n)
{
    int w = n > 1 ? snprintf(buf + *len, size - *len, "%s%lld", sym, n) : snprintf(buf + *len, size - *len, "%s", sym);
    if (w < 0 || (size_t)w >= size - *len) VT_FAIL(VT_ERANGE, "store: formula longer than %zu characters", size - 1);
    *len += (size_t)w;
    return VT_OK;
}

/* Anonymous element names: A..Z, then Aa, Ab, ... (OPTIMADE). */
static void anon_name(size_t i, char out[4])
{
    if (i < 26) snprintf(out, 4, "%c", (char)('A' + i));
    else snprintf(out, 4, "%c%c", (char)('A' + i / 26 - 1), (char)('a' + i % 26));
}

vt_status vt_store_optimade_formulas(const vt_composition *c, char *reduced, char *anonymous, char *elements,
                                     size_t size)
{
    el_count ec[VT_MAX_SPECIES];
    size_t n = c->n_species;
    long long scale = 0;
    for (long long k = 1; k <= 1000 && !scale; k++) { /* smallest whole multiple */
        int whole = 1;
        for (size_t i = 0; i < n && whole; i++) {
            double x = c->amount[i] * (double)k;
            whole = fabs(x - nearbyint(x)) <= 1e-6 * fmax(1.0, x) && x < 1e12;
        }
        if (whole) scale = k;
    }
    if (!scale) VT_FAIL(VT_ERANGE, "store: amounts without an integer form (denominators above 1000)");
    long long g = 0;
    for (size_t i = 0; i < n; i++) {
        ec[i] = (el_count){vt_element_by_Z(c->Z[i])->symbol, (long long)nearbyint(c->amount[i] * (double)scale)};
        g = gcd_ll(g, ec[i].n);
    }
    for (size_t i = 0; i < n; i++) ec[i].n /= g > 0 ? g : 1;
    qsort(ec, n, sizeof *ec, by_symbol);
    size_t lr = 0, le = 0, la = 0;
    reduced[0] = elements[0] = anonymous[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        VT_TRY(put_term(reduced, size, &lr, ec[i].symbol, ec[i].n));
        VT_TRY(put_term(elements, size, &le, i ? "," : "", 1));
        VT_TRY(put_term(elements, size, &le, ec[i].symbol, 1));
    }
    qsort(ec, n, sizeof *ec, by_count_desc);
    for (size_t i = 0; i < n; i++) {
        char name[4];
        anon_name(i, name);
        VT_TRY(put_term(anonymous, size, &la, name, ec[i].n));
    }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Compositions and runs
*/
#define FBUF 512

static vt_status insert_composition(vt_store *st, const char *formula, const vt_composition *c, int64_t *id)
{
    char pmg[FBUF], red[FBUF], anon[FBUF], els[FBUF];
    VT_TRY(vt_composition_reduced_formula(c, pmg, sizeof pmg));
    VT_TRY(vt_store_optimade_formulas(c, red, anon, els, FBUF));
    vt_sql_value p[6] = {vt_sql_text(formula), vt_sql_text(pmg), vt_sql_text(red),
                         vt_sql_text(anon), vt_sql_text(els), vt_sql_int((int64_t)c->n_species)};
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st,
                          "INSERT INTO compositions (formula, reduced_formula, chemical_formula_reduced,"
                          " chemical_formula_anonymous, elements, nelements) VALUES (?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT (formula) DO NOTHING RETURNING id",
                          6, p, &r));
    int is_new = vt_store_rows_count(r) == 1;
    if (is_new) *id = vt_store_rows_get(r, 0, 0)->i;
    vt_store_rows_free(r);
    if (!is_new) /* another connection added it after our look-up */
        return vt_store_query_int(st, "SELECT id FROM compositions WHERE formula = ?", 1, p, id);
    for (size_t i = 0; i < c->n_species; i++) {
        vt_sql_value q[3] = {vt_sql_int(*id), vt_sql_text(vt_element_by_Z(c->Z[i])->symbol), vt_sql_real(c->amount[i])};
        VT_TRY(vt_store_exec(st, "INSERT INTO composition_elements (composition_id, element, amount) VALUES (?, ?, ?)",
                             3, q));
    }
    return VT_OK;
}

vt_status vt_store_composition_id(vt_store *st, const char *formula, int64_t *id)
{
    vt_composition c;
    if (vt_composition_parse(formula, &c) != VT_OK) return vt_err_set_(VT_EINVAL, "%s", vt_errmsg());
    vt_sql_value p = vt_sql_text(formula);
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, "SELECT id FROM compositions WHERE formula = ?", 1, &p, &r));
    int found = vt_store_rows_count(r) == 1;
    if (found) *id = vt_store_rows_get(r, 0, 0)->i;
    vt_store_rows_free(r);
    return found ? VT_OK : insert_composition(st, formula, &c, id);
}

static int status_ok(const char *s)
{
    return strcmp(s, "planned") == 0 || strcmp(s, "running") == 0 || strcmp(s, "done") == 0 || strcmp(s, "failed") == 0;
}

static vt_status check_run(const vt_store_run *run)
{
    if (run->identifier && !vt_store_identifier_ok(run->identifier))
        VT_FAIL(VT_EINVAL, "run identifier '%.80s': expected 1..64 characters of A-Z a-z 0-9 . _ : + - ( ) [ ]",
                run->identifier);
    if (!run->formula) VT_FAIL(VT_EINVAL, "run: formula missing");
    if (!run->backend || !run->backend[0]) VT_FAIL(VT_EINVAL, "run: backend missing");
    if (run->status && !status_ok(run->status))
        VT_FAIL(VT_EINVAL, "run status '%.40s': expected planned, running, done or failed", run->status);
    return VT_OK;
}

static vt_status run_add(vt_store *st, const vt_store_run *run, int64_t import_id, int64_t *run_id)
{
    int64_t comp = 0;
    char now[32];
    if (run->identifier) {
        int64_t n;
        vt_sql_value q = vt_sql_text(run->identifier);
        VT_TRY(vt_store_query_int(st, "SELECT COUNT(*) FROM runs WHERE identifier = ?", 1, &q, &n));
        if (n) VT_FAIL(VT_EINVAL, "run '%s' is already in the database", run->identifier);
    }
    VT_TRY(vt_store_composition_id(st, run->formula, &comp));
    vt_store_now(now);
    const char *created = run->created_at ? run->created_at : now;
    vt_sql_value p[11] = {
        vt_sql_text(run->identifier), vt_sql_int(comp), vt_sql_text(run->backend),
        vt_sql_text(run->settings ? run->settings : ""), vt_sql_int((int64_t)run->seed),
        vt_sql_text(run->schedule ? run->schedule : ""), vt_sql_text(run->version ? run->version : vt_version()),
        vt_sql_text(run->status ? run->status : "done"), vt_sql_text(created),
        vt_sql_text(run->updated_at ? run->updated_at : created),
        import_id > 0 ? vt_sql_int(import_id) : (vt_sql_value){0}};
    return vt_store_query_int(st,
                              "INSERT INTO runs (identifier, composition_id, backend, settings, seed, schedule,"
                              " version, status, created_at, updated_at, import_id)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              11, p, run_id);
}

vt_status vt_store_run_add(vt_store *st, const vt_store_run *run, int64_t *run_id)
{
    int own = 0;
    VT_TRY(check_run(run));
    VT_TRY(vt_store_tx_begin(st, &own));
    return vt_store_tx_end(st, own, run_add(st, run, 0, run_id));
}

vt_status vt_store_run_insert(vt_store *st, const vt_store_run *run, int64_t import_id, int64_t *run_id)
{
    VT_TRY(check_run(run));
    return run_add(st, run, import_id, run_id);
}

vt_status vt_store_run_set_status(vt_store *st, int64_t run_id, const char *status)
{
    char now[32];
    if (!status || !status_ok(status))
        VT_FAIL(VT_EINVAL, "run status '%.40s': expected planned, running, done or failed", status ? status : "");
    vt_store_now(now);
    vt_sql_value p[3] = {vt_sql_text(status), vt_sql_text(now), vt_sql_int(run_id)};
    int own = 0;
    VT_TRY(vt_store_tx_begin(st, &own));
    return vt_store_tx_end(st, own, vt_store_exec(st, "UPDATE runs SET status = ?, updated_at = ? WHERE id = ?", 3, p));
}

/* One insert of n values in its own transaction or the caller's. */
static vt_status insert(vt_store *st, const char *sql, size_t n, const vt_sql_value *p)
{
    int own = 0;
    VT_TRY(vt_store_tx_begin(st, &own));
    return vt_store_tx_end(st, own, vt_store_exec(st, sql, n, p));
}

static vt_status check_Z(int Z, const char **symbol)
{
    const vt_element *e = vt_element_by_Z(Z);
    if (!e) VT_FAIL(VT_EINVAL, "store: Z = %d is no element", Z);
    *symbol = e->symbol;
    return VT_OK;
}

/* A sigma: NaN (unknown) or finite and >= 0. */
static int sigma_ok(double s) { return isnan(s) || (isfinite(s) && s >= 0.0); }

vt_status vt_store_diffusivity_add(vt_store *st, int64_t run_id, int Z, double T_K, vt_estimate D)
{
    const char *sym = NULL;
    VT_TRY(check_Z(Z, &sym));
    if (!(T_K > 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "diffusivity: temperature must be > 0 K, got %g", T_K);
    if (!(D.value > 0.0 && isfinite(D.value)) || !sigma_ok(D.sigma))
        VT_FAIL(VT_ERANGE, "diffusivity: D must be > 0 cm^2/s and sigma >= 0, got %g +- %g", D.value, D.sigma);
    vt_sql_value p[5] = {vt_sql_int(run_id), vt_sql_text(sym), vt_sql_real(T_K), vt_sql_real(D.value), vt_sql_real(D.sigma)};
    return insert(st, "INSERT INTO diffusivities (run_id, element, t_k, d_cm2_s, sigma_cm2_s) VALUES (?, ?, ?, ?, ?)", 5, p);
}

vt_status vt_store_arrhenius_add(vt_store *st, int64_t run_id, int Z, vt_estimate Ea, vt_estimate D0)
{
    const char *sym = NULL;
    VT_TRY(check_Z(Z, &sym));
    if (!isfinite(Ea.value) || !sigma_ok(Ea.sigma) || !(isnan(D0.value) || (D0.value > 0.0 && isfinite(D0.value))) ||
        !sigma_ok(D0.sigma))
        VT_FAIL(VT_ERANGE, "arrhenius: Ea must be finite, D0 > 0 cm^2/s (or unknown), sigmas >= 0");
    vt_sql_value p[6] = {vt_sql_int(run_id), vt_sql_text(sym), vt_sql_real(Ea.value), vt_sql_real(Ea.sigma),
                         vt_sql_real(D0.value), vt_sql_real(D0.sigma)};
    return insert(st,
                  "INSERT INTO arrhenius (run_id, element, ea_ev, ea_sigma_ev, d0_cm2_s, d0_sigma_cm2_s)"
                  " VALUES (?, ?, ?, ?, ?, ?)",
                  6, p);
}

vt_status vt_store_features_add(vt_store *st, int64_t run_id, double T_K, size_t n, const char *const *names,
                                const double *values)
{
    if (!(T_K > 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "features: temperature must be > 0 K, got %g", T_K);
    for (size_t k = 0; k < n; k++) {
        if (!vt_feature_known(names[k])) VT_FAIL(VT_EINVAL, "features: '%.60s' is not one of the paper's 42", names[k]);
        if (!isfinite(values[k])) VT_FAIL(VT_ERANGE, "features: %s is not finite", names[k]);
    }
    int own = 0;
    VT_TRY(vt_store_tx_begin(st, &own));
    vt_status s = VT_OK;
    for (size_t k = 0; s == VT_OK && k < n; k++) {
        vt_sql_value p[4] = {vt_sql_int(run_id), vt_sql_real(T_K), vt_sql_text(names[k]), vt_sql_real(values[k])};
        s = vt_store_exec(st, "INSERT INTO features (run_id, t_k, name, value) VALUES (?, ?, ?, ?)", 4, p);
    }
    return vt_store_tx_end(st, own, s);
}

/* ---------------------------------------------------------------------------------------------
** Structures: arrays as little-endian IEEE doubles, whatever the host's byte order.
*/
static void put_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int k = 0; k < 8; k++) p[k] = (unsigned char)(u >> (8 * k));
}

static double get_f64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int k = 0; k < 8; k++) u |= (uint64_t)p[k] << (8 * k);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static vt_status structure_rows(vt_store *st, int64_t run_id, double T_K, int64_t frame, const vt_cell *c,
                                const unsigned char *lat, const unsigned char *pos, const unsigned char *vel,
                                const char *species, int64_t *id)
{
    vt_composition comp;
    char red[FBUF], anon[FBUF], els[FBUF], desc[FBUF];
    size_t ld = 0;
    VT_TRY(vt_cell_composition(c, &comp));
    VT_TRY(vt_store_optimade_formulas(&comp, red, anon, els, FBUF));
    el_count ec[VT_MAX_SPECIES];
    for (size_t i = 0; i < comp.n_species; i++)
        ec[i] = (el_count){vt_element_by_Z(comp.Z[i])->symbol, (long long)comp.amount[i]};
    qsort(ec, comp.n_species, sizeof *ec, by_symbol);
    desc[0] = '\0';
    for (size_t i = 0; i < comp.n_species; i++) VT_TRY(put_term(desc, sizeof desc, &ld, ec[i].symbol, ec[i].n));
    size_t n = c->n_atoms;
    vt_sql_value p[13] = {vt_sql_int(run_id), vt_sql_real(T_K), vt_sql_int(frame), vt_sql_int((int64_t)n),
                          vt_sql_blob(lat, 72), vt_sql_text(species), vt_sql_blob(pos, 24 * n),
                          vel ? vt_sql_blob(vel, 24 * n) : (vt_sql_value){0}, vt_sql_text(red),
                          vt_sql_text(anon), vt_sql_text(desc), vt_sql_text(els), vt_sql_int((int64_t)comp.n_species)};
    VT_TRY(vt_store_query_int(st,
                              "INSERT INTO structures (run_id, t_k, frame, nsites, lattice, species, positions,"
                              " velocities, chemical_formula_reduced, chemical_formula_anonymous,"
                              " chemical_formula_descriptive, elements, nelements)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              13, p, id));
    for (size_t i = 0; i < comp.n_species; i++) {
        vt_sql_value q[3] = {vt_sql_int(*id), vt_sql_text(ec[i].symbol), vt_sql_int(ec[i].n)};
        VT_TRY(vt_store_exec(st, "INSERT INTO structure_elements (structure_id, element, count) VALUES (?, ?, ?)", 3, q));
    }
    return VT_OK;
}

vt_status vt_store_structure_add(vt_store *st, int64_t run_id, double T_K, int64_t frame, const vt_cell *c,
                                 int64_t *structure_id)
{
    if (!(T_K >= 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "structure: temperature must be >= 0 K, got %g", T_K);
    if (frame < 0) VT_FAIL(VT_ERANGE, "structure: frame must be >= 0");
    if (c->n_atoms == 0 || c->n_atoms > VT_MAX_ATOMS) VT_FAIL(VT_ERANGE, "structure: %zu atoms", c->n_atoms);
    size_t n = c->n_atoms, species_len = 0;
    for (size_t i = 0; i < n; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        if (!e) VT_FAIL(VT_EINVAL, "structure: atom %zu has Z = %d, no element", i + 1, c->Z[i]);
        species_len += strlen(e->symbol) + 1;
    }
    unsigned char lat[72], *pos = vt_malloc(24 * n), *vel = c->vel ? vt_malloc(24 * n) : NULL;
    char *species = vt_malloc(species_len + 1);
    vt_status s = VT_OK;
    if (!pos || !species || (c->vel && !vel)) s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    for (int k = 0; s == VT_OK && k < 9; k++) put_f64(lat + 8 * k, c->lattice[k / 3][k % 3]);
    size_t len = 0;
    for (size_t i = 0; s == VT_OK && i < n; i++) {
        for (int k = 0; k < 3; k++) {
            put_f64(pos + 24 * i + 8 * k, c->pos[i][k]);
            if (vel) put_f64(vel + 24 * i + 8 * k, c->vel[i][k]);
        }
        len += (size_t)sprintf(species + len, "%s%s", i ? " " : "", vt_element_by_Z(c->Z[i])->symbol);
    }
    int own = 0;
    if (s == VT_OK && (s = vt_store_tx_begin(st, &own)) == VT_OK)
        s = vt_store_tx_end(st, own, structure_rows(st, run_id, T_K, frame, c, lat, pos, vel, species, structure_id));
    vt_free(pos);
    vt_free(vel);
    vt_free(species);
    return s;
}

/* Decode a stored structure (columns: nsites, lattice, species, positions, velocities). */
static vt_status decode_structure(const vt_store_rows *r, vt_cell **out)
{
    int64_t n = vt_store_rows_get(r, 0, 0)->i;
    const vt_sql_value *lat = vt_store_rows_get(r, 0, 1), *sp = vt_store_rows_get(r, 0, 2),
                       *pos = vt_store_rows_get(r, 0, 3), *vel = vt_store_rows_get(r, 0, 4);
    if (n < 1 || n > VT_MAX_ATOMS || lat->type != VT_SQL_BLOB || lat->n_bytes != 72 || sp->type != VT_SQL_TEXT ||
        pos->type != VT_SQL_BLOB || pos->n_bytes != 24 * (size_t)n ||
        (vel->type != VT_SQL_NULL && (vel->type != VT_SQL_BLOB || vel->n_bytes != 24 * (size_t)n)))
        VT_FAIL(VT_EDB, "store: a stored structure is damaged (array sizes)");
    double L[3][3];
    for (int k = 0; k < 9; k++) L[k / 3][k % 3] = get_f64((const unsigned char *)lat->blob + 8 * k);
    vt_cell *c;
    VT_TRY(vt_cell_new((size_t)n, L, vel->type == VT_SQL_BLOB ? VT_CELL_VEL : 0u, &c));
    char *species = vt_strdup(sp->text), *cursor = species, *tok;
    size_t i = 0;
    while (species && (tok = vt_next_token(&cursor)) && i < (size_t)n) {
        const vt_element *e = vt_element_by_symbol(tok);
        if (!e) break;
        c->Z[i++] = e->Z;
    }
    vt_free(species);
    if (i != (size_t)n) {
        vt_cell_free(c);
        VT_FAIL(VT_EDB, "store: a stored structure is damaged (species)");
    }
    for (size_t a = 0; a < (size_t)n; a++)
        for (int k = 0; k < 3; k++) {
            c->pos[a][k] = get_f64((const unsigned char *)pos->blob + 24 * a + 8 * k);
            if (c->vel) c->vel[a][k] = get_f64((const unsigned char *)vel->blob + 24 * a + 8 * k);
        }
    *out = c;
    return VT_OK;
}

vt_status vt_store_structure_get(vt_store *st, int64_t structure_id, vt_cell **out)
{
    *out = NULL;
    vt_sql_value p = vt_sql_int(structure_id);
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, "SELECT nsites, lattice, species, positions, velocities FROM structures WHERE id = ?",
                          1, &p, &r));
    vt_status s = vt_store_rows_count(r) == 1 ? decode_structure(r, out)
                                              : vt_err_set_(VT_EINVAL, "store: no structure %lld", (long long)structure_id);
    vt_store_rows_free(r);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Files, tables, models, predictions, provenance
*/
vt_status vt_store_trajectory_add(vt_store *st, int64_t run_id, double T_K, const char *path, const char *format)
{
    char hex[65];
    int64_t size = 0;
    if (!(T_K >= 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "trajectory: temperature must be >= 0 K, got %g", T_K);
    VT_TRY(vt_store_file_sha256(path, hex, &size));
    vt_sql_value p[6] = {vt_sql_int(run_id), vt_sql_real(T_K), vt_sql_text(path), vt_sql_text(format ? format : ""),
                         vt_sql_int(size), vt_sql_text(hex)};
    return insert(st, "INSERT INTO trajectories (run_id, t_k, path, format, size_bytes, sha256) VALUES (?, ?, ?, ?, ?, ?)",
                  6, p);
}

vt_status vt_store_rdf_add(vt_store *st, int64_t run_id, double T_K, size_t n_cols, const char *const *columns,
                           size_t n_r, const double *data)
{
    if (!(T_K > 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "rdf: temperature must be > 0 K, got %g", T_K);
    if (n_cols < 2 || strcmp(columns[0], "r") != 0) VT_FAIL(VT_EINVAL, "rdf: columns must be r, then pairs");
    if (n_r < 1 || n_r > 1000000) VT_FAIL(VT_ERANGE, "rdf: %zu rows (1..10^6)", n_r);
    size_t len = 0;
    for (size_t j = 0; j < n_cols; j++) {
        if (!columns[j][0] || strchr(columns[j], ',')) VT_FAIL(VT_EINVAL, "rdf: column %zu: empty or with a comma", j + 1);
        len += strlen(columns[j]) + 1;
    }
    for (size_t k = 0; k < n_r * n_cols; k++)
        if (!isfinite(data[k])) VT_FAIL(VT_ERANGE, "rdf: row %zu: not finite", k / n_cols + 1);
    char *names = vt_malloc(len);
    unsigned char *blob = vt_malloc(8 * n_r * n_cols);
    vt_status s = VT_OK;
    if (!names || !blob) s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    for (size_t j = 0, w = 0; s == VT_OK && j < n_cols; j++) w += (size_t)sprintf(names + w, "%s%s", j ? "," : "", columns[j]);
    for (size_t k = 0; s == VT_OK && k < n_r * n_cols; k++) put_f64(blob + 8 * k, data[k]);
    if (s == VT_OK) {
        vt_sql_value p[5] = {vt_sql_int(run_id), vt_sql_real(T_K), vt_sql_text(names), vt_sql_int((int64_t)n_r),
                             vt_sql_blob(blob, 8 * n_r * n_cols)};
        s = insert(st, "INSERT INTO rdfs (run_id, t_k, columns, n_r, data) VALUES (?, ?, ?, ?, ?)", 5, p);
    }
    vt_free(names);
    vt_free(blob);
    return s;
}

double vt_store_blob_f64(const void *blob, size_t k) { return get_f64((const unsigned char *)blob + 8 * k); }

vt_status vt_store_model_add(vt_store *st, const char *name, const char *path, int64_t *model_id)
{
    char hex[65], now[32];
    int64_t size = 0;
    if (!name || !name[0]) VT_FAIL(VT_EINVAL, "model: empty name");
    VT_TRY(vt_store_file_sha256(path, hex, &size));
    if (size > ((int64_t)1 << 30)) VT_FAIL(VT_ERANGE, "%s: model file larger than 1 GiB", path);
    FILE *f = fopen(path, "rb");
    char *body = vt_malloc((size_t)size + 1);
    size_t got = f && body ? fread(body, 1, (size_t)size, f) : 0;
    if (f) fclose(f);
    vt_status s = VT_OK;
    if (!body) s = vt_err_set_(VT_ENOMEM, "store: out of memory");
    else if (got != (size_t)size) s = vt_err_set_(VT_EIO, "%s: changed while read", path);
    else if (memchr(body, '\0', got)) s = vt_err_set_(VT_EPARSE, "%s: binary data, not a model JSON", path);
    if (s == VT_OK) {
        body[got] = '\0';
        vt_store_now(now);
        vt_sql_value p[5] = {vt_sql_text(name), vt_sql_text(hex), vt_sql_int(size), vt_sql_text(body), vt_sql_text(now)};
        int own = 0;
        if ((s = vt_store_tx_begin(st, &own)) == VT_OK)
            s = vt_store_tx_end(st, own,
                                vt_store_query_int(st,
                                                   "INSERT INTO models (name, sha256, size_bytes, body, created_at)"
                                                   " VALUES (?, ?, ?, ?, ?) RETURNING id",
                                                   5, p, model_id));
    }
    vt_free(body);
    return s;
}

static vt_status prediction_rows(vt_store *st, int64_t model_id, const char *formula, double T_K, vt_estimate D)
{
    int64_t comp = 0;
    VT_TRY(vt_store_composition_id(st, formula, &comp));
    vt_sql_value p[5] = {vt_sql_int(model_id), vt_sql_int(comp), vt_sql_real(T_K), vt_sql_real(D.value),
                         vt_sql_real(D.sigma)};
    return vt_store_exec(st,
                         "INSERT INTO predictions (model_id, composition_id, t_k, d_cm2_s, sigma_cm2_s)"
                         " VALUES (?, ?, ?, ?, ?)",
                         5, p);
}

vt_status vt_store_prediction_add(vt_store *st, int64_t model_id, const char *formula, double T_K, vt_estimate D)
{
    if (!(T_K > 0.0 && isfinite(T_K))) VT_FAIL(VT_ERANGE, "prediction: temperature must be > 0 K, got %g", T_K);
    if (!isfinite(D.value) || !sigma_ok(D.sigma)) VT_FAIL(VT_ERANGE, "prediction: D not finite or bad sigma");
    int own = 0;
    VT_TRY(vt_store_tx_begin(st, &own));
    return vt_store_tx_end(st, own, prediction_rows(st, model_id, formula, T_K, D));
}

vt_status vt_store_provenance_add(vt_store *st, const char *entity, int64_t entity_id, const char *key,
                                  const char *value)
{
    if (!entity || (strcmp(entity, "run") && strcmp(entity, "model") && strcmp(entity, "structure")))
        VT_FAIL(VT_EINVAL, "provenance: entity must be run, model or structure");
    if (!key || !key[0] || !value) VT_FAIL(VT_EINVAL, "provenance: empty key or no value");
    vt_sql_value p[4] = {vt_sql_text(entity), vt_sql_int(entity_id), vt_sql_text(key), vt_sql_text(value)};
    return insert(st, "INSERT INTO provenance (entity, entity_id, key, value) VALUES (?, ?, ?, ?)", 4, p);
}
