/*
** optimade.c - the OPTIMADE v1.1 endpoints (JSON:API documents): /versions, /v1/info,
** /v1/info/structures, /v1/links, /v1/structures and /v1/structures/{id}. Claims, limits and the
** status of every construct: docs/server.md; conformance test: tests/server/test_optimade.sh.
**   Entry listing: filter (server/filter.c -> server/sql.c), page_limit (default 20, at most
**   VT_OPTIMADE_PAGE_MAX, more is 403 as the spec says), page_offset or page_number (1-based),
**   sort (JSON:API), response_fields; meta.data_returned counts the filter's matches; links.next
**   is null on the last page. Unknown query parameters are reported in meta.warnings.
**   Queries per listing: COUNT(*), the page (limit + 1 rows: more_data_available), then the
**   page's D, Ea, features, RDF temperatures and structures, each only when a field needs it.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "optimade.h"

/* ---------------------------------------------------------------------------------------------
** Common parts of every document
*/
int vt_http_status_of(vt_status s)
{
    static const int table[] = {
        [VT_OK] = 200,        [VT_ENOMEM] = 503,  [VT_EINVAL] = 400,   [VT_EPARSE] = 400,
        [VT_EIO] = 500,       [VT_ERANGE] = 400,  [VT_ENOCONV] = 500,  [VT_EUNSTABLE] = 500,
        [VT_EDB] = 500,       [VT_ENOTSUP] = 501, [VT_EINTERNAL] = 500,
    };
    return (unsigned)s < sizeof table / sizeof table[0] ? table[s] : 500;
}

static const char *status_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 553: return "Version Not Supported";
    default: return "Internal Server Error";
    }
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Percent-encoding of everything but RFC 3986 unreserved characters. */
static void url_encode(vt_text *t, const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') vt_text_put(t, (const char *)&c, 1);
        else vt_text_printf(t, "%%%02X", c);
    }
}

/* meta.query.representation: the path after /v1 and the arguments as received (decoded). */
static void representation(const vt_http_req *rq, vt_text *t)
{
    const char *p = strncmp(rq->path, "/v1/", 4) == 0 ? rq->path + 3 : rq->path;
    vt_text_put(t, p, strlen(p));
    for (size_t k = 0; k < rq->n_args; k++)
        vt_text_printf(t, "%c%s=%s", k ? '&' : '?', rq->args[k].key, rq->args[k].value);
}

static cJSON *meta_new(const vt_http_req *rq)
{
    char ts[32];
    vt_text rep = {0};
    representation(rq, &rep);
    now_iso(ts);
    cJSON *m = cJSON_CreateObject(), *q = cJSON_CreateObject(), *prov = cJSON_CreateObject(),
          *impl = cJSON_CreateObject();
    cJSON_AddItemToObject(q, "representation", cJSON_CreateString(rep.p ? rep.p : rq->path));
    vt_text_clear(&rep);
    cJSON_AddItemToObject(m, "query", q);
    cJSON_AddStringToObject(m, "api_version", VT_OPTIMADE_API_VERSION);
    cJSON_AddStringToObject(m, "time_stamp", ts);
    cJSON_AddBoolToObject(m, "more_data_available", 0);
    cJSON_AddStringToObject(prov, "name", "vitrum");
    cJSON_AddStringToObject(prov, "description",
                            "Amorphous structures and Li-ion diffusivities computed or imported by vitrum");
    cJSON_AddStringToObject(prov, "prefix", VT_OPTIMADE_PREFIX);
    cJSON_AddItemToObject(m, "provider", prov);
    cJSON_AddStringToObject(impl, "name", "vitrum");
    cJSON_AddStringToObject(impl, "version", vt_version());
    cJSON_AddItemToObject(m, "implementation", impl);
    return m;
}

static void add_warning(cJSON *meta, const char *code, const char *detail)
{
    cJSON *w = cJSON_GetObjectItemCaseSensitive(meta, "warnings");
    if (!w) cJSON_AddItemToObject(meta, "warnings", w = cJSON_CreateArray());
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "warning");
    cJSON_AddStringToObject(o, "code", code);
    cJSON_AddStringToObject(o, "title", "Warning");
    cJSON_AddStringToObject(o, "detail", detail);
    cJSON_AddItemToArray(w, o);
}

/* Print doc into rs (and free it). */
static int send_doc(vt_http_resp *rs, int status, cJSON *doc)
{
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) return vt_http_reply(rs, 503, "text/plain", "out of memory\n", 14);
    vt_http_reply(rs, status, "application/vnd.api+json", text, strlen(text));
    cJSON_free(text);
    return rs->status;
}

int vt_optimade_error(vt_http_req *rq, vt_http_resp *rs, int status, const char *detail)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    cJSON *doc = cJSON_CreateObject(), *errs = cJSON_CreateArray(), *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "status", code);
    cJSON_AddStringToObject(e, "title", status_title(status));
    cJSON_AddStringToObject(e, "detail", detail);
    cJSON_AddItemToArray(errs, e);
    cJSON_AddItemToObject(doc, "errors", errs);
    cJSON_AddItemToObject(doc, "meta", meta_new(rq));
    return send_doc(rs, status, doc);
}

static int fail(vt_http_req *rq, vt_http_resp *rs, vt_status s)
{
    return vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
}

/* Check the parameters every endpoint accepts; warn about unknown ones. VT_EINVAL for a
 * response_format other than json. */
static vt_status common_params(vt_http_req *rq, cJSON *meta)
{
    const char *fmt = vt_http_arg_get(rq, "response_format", NULL);
    if (fmt && strcmp(fmt, "json") != 0) VT_FAIL(VT_EINVAL, "response_format '%.40s' is not supported (json)", fmt);
    (void)vt_http_arg_get(rq, "email_address", NULL);
    (void)vt_http_arg_get(rq, "api_hint", NULL);
    if (rq->has_too_many_args) add_warning(meta, "_vitrum_too_many_parameters", "parameters beyond the 32nd were ignored");
    for (size_t k = 0; k < rq->n_args; k++)
        if (!rq->args[k].is_used) {
            char msg[160];
            snprintf(msg, sizeof msg, "query parameter '%.60s' is not used by this endpoint", rq->args[k].key);
            add_warning(meta, "_vitrum_unused_parameter", msg);
        }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** /versions, /v1/info, /v1/links
*/
int vt_optimade_versions(vt_http_req *rq, vt_http_resp *rs)
{
    (void)rq;
    return vt_http_reply(rs, 200, "text/csv; header=present", "version\n1\n", 10);
}

int vt_optimade_info(vt_http_req *rq, vt_http_resp *rs)
{
    cJSON *doc = cJSON_CreateObject(), *meta = meta_new(rq);
    vt_status s = common_params(rq, meta);
    if (s != VT_OK) {
        cJSON_Delete(doc), cJSON_Delete(meta);
        return fail(rq, rs, s);
    }
    char url[300];
    snprintf(url, sizeof url, "%s/v1", rq->base_url);
    cJSON *data = cJSON_CreateObject(), *attr = cJSON_CreateObject(), *versions = cJSON_CreateArray(),
          *v = cJSON_CreateObject(), *by_format = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "type", "info");
    cJSON_AddStringToObject(data, "id", "/");
    cJSON_AddStringToObject(attr, "api_version", VT_OPTIMADE_API_VERSION);
    cJSON_AddStringToObject(v, "url", url);
    cJSON_AddStringToObject(v, "version", VT_OPTIMADE_API_VERSION);
    cJSON_AddItemToArray(versions, v);
    cJSON_AddItemToObject(attr, "available_api_versions", versions);
    const char *json[] = {"json"}, *entries[] = {"structures"}, *endpoints[] = {"info", "links", "structures"};
    cJSON_AddItemToObject(attr, "formats", cJSON_CreateStringArray(json, 1));
    cJSON_AddItemToObject(by_format, "json", cJSON_CreateStringArray(entries, 1));
    cJSON_AddItemToObject(attr, "entry_types_by_format", by_format);
    cJSON_AddItemToObject(attr, "available_endpoints", cJSON_CreateStringArray(endpoints, 3));
    cJSON_AddBoolToObject(attr, "is_index", 0);
    cJSON_AddItemToObject(data, "attributes", attr);
    cJSON_AddItemToObject(doc, "data", data);
    cJSON_AddItemToObject(doc, "meta", meta);
    return send_doc(rs, 200, doc);
}

int vt_optimade_links(vt_http_req *rq, vt_http_resp *rs)
{
    cJSON *doc = cJSON_CreateObject(), *meta = meta_new(rq);
    for (size_t k = 0; k < rq->n_args; k++) rq->args[k].is_used = 1; /* spec: links MAY ignore them */
    char home[300];
    snprintf(home, sizeof home, "%s/", rq->base_url);
    cJSON *data = cJSON_CreateArray(), *link = cJSON_CreateObject(), *attr = cJSON_CreateObject();
    cJSON_AddStringToObject(link, "type", "links");
    cJSON_AddStringToObject(link, "id", "vitrum");
    cJSON_AddStringToObject(attr, "name", "vitrum");
    cJSON_AddStringToObject(attr, "description", "This vitrum database (the root and only implementation)");
    cJSON_AddStringToObject(attr, "base_url", rq->base_url);
    cJSON_AddStringToObject(attr, "homepage", home);
    cJSON_AddStringToObject(attr, "link_type", "root");
    cJSON_AddItemToObject(link, "attributes", attr);
    cJSON_AddItemToArray(data, link);
    cJSON_AddItemToObject(doc, "data", data);
    cJSON_AddNumberToObject(meta, "data_returned", 1);
    cJSON_AddItemToObject(doc, "meta", meta);
    cJSON *links = cJSON_CreateObject();
    cJSON_AddNullToObject(links, "next");
    cJSON_AddItemToObject(doc, "links", links);
    return send_doc(rs, 200, doc);
}

/* ---------------------------------------------------------------------------------------------
** /v1/info/structures
*/
static cJSON *prop_info(const vt_prop *p, const char *description)
{
    static const char *const types[] = {"string", "integer", "float", "timestamp", "list", "dictionary"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "description", description ? description : p->description);
    if (p->unit) cJSON_AddStringToObject(o, "unit", p->unit);
    cJSON_AddBoolToObject(o, "sortable", (p->flags & VT_PF_SORT) != 0);
    cJSON_AddStringToObject(o, "type", types[p->type]);
    return o;
}

/* The _vitrum_d_* and _vitrum_ea_* names the database holds, added to props and fields. */
static vt_status dynamic_props(vt_store *st, cJSON *props, cJSON *fields)
{
    static const char *const sql[] = {"SELECT DISTINCT element, t_k FROM diffusivities ORDER BY element, t_k",
                                      "SELECT DISTINCT element FROM arrhenius ORDER BY element"};
    for (int k = 0; k < 2; k++) {
        vt_store_rows *r = NULL;
        VT_TRY(vt_store_query(st, sql[k], 0, NULL, &r));
        for (size_t i = 0; i < vt_store_rows_count(r); i++) {
            char name[64], desc[160];
            vt_prop_ref ref;
            const vt_element *e = vt_element_by_symbol(vt_store_rows_get(r, i, 0)->text ? vt_store_rows_get(r, i, 0)->text : "");
            if (!e) continue;
            int ok = k == 0 ? vt_optimade_d_name(e->Z, vt_store_rows_real(r, i, 1), name, sizeof name)
                            : vt_optimade_ea_name(e->Z, name, sizeof name);
            if (!ok || vt_optimade_prop_resolve(name, &ref) != VT_OK) continue;
            if (k == 0) snprintf(desc, sizeof desc, "Tracer diffusion coefficient of %s at %g K", e->symbol, ref.T_K);
            else snprintf(desc, sizeof desc, "Arrhenius activation energy of %s diffusion", e->symbol);
            cJSON_AddItemToObject(props, name, prop_info(ref.prop, desc));
            cJSON_AddItemToArray(fields, cJSON_CreateString(name));
        }
        vt_store_rows_free(r);
    }
    return VT_OK;
}

int vt_optimade_info_structures(vt_http_req *rq, vt_http_resp *rs)
{
    cJSON *doc = cJSON_CreateObject(), *meta = meta_new(rq), *data = cJSON_CreateObject(),
          *props = cJSON_CreateObject(), *fields = cJSON_CreateArray(), *by_format = cJSON_CreateObject();
    size_t n;
    const vt_prop *p = vt_optimade_props(&n);
    for (size_t k = 0; k < n; k++) {
        if (strchr(p[k].name, '<')) continue; /* families: their members come from the data */
        cJSON_AddItemToObject(props, p[k].name, prop_info(&p[k], NULL));
        cJSON_AddItemToArray(fields, cJSON_CreateString(p[k].name));
    }
    vt_status s = common_params(rq, meta);
    if (s == VT_OK) s = dynamic_props(rq->st, props, fields);
    const char *json[] = {"json"};
    cJSON_AddStringToObject(data, "description",
                            "One entry per vitrum run: a composition, its diffusivities and its representative "
                            "(lowest-temperature, last-frame) structure when one is stored");
    cJSON_AddItemToObject(data, "properties", props);
    cJSON_AddItemToObject(data, "formats", cJSON_CreateStringArray(json, 1));
    cJSON_AddItemToObject(by_format, "json", fields);
    cJSON_AddItemToObject(data, "output_fields_by_format", by_format);
    cJSON_AddItemToObject(doc, "data", data);
    cJSON_AddItemToObject(doc, "meta", meta);
    if (s != VT_OK) {
        cJSON_Delete(doc);
        return fail(rq, rs, s);
    }
    return send_doc(rs, 200, doc);
}

/* ---------------------------------------------------------------------------------------------
** Entries
*/
/* Which attributes to return: the defaults, or response_fields. */
typedef struct fieldset {
    char *list;              /* copy of response_fields, split in place; NULL: defaults */
    const char *names[128];  /* the requested names */
    size_t n;
} fieldset;

static vt_status fieldset_parse(const char *arg, fieldset *fs)
{
    memset(fs, 0, sizeof *fs);
    if (!arg) return VT_OK;
    if (!(fs->list = vt_strdup(arg))) VT_FAIL(VT_ENOMEM, "server: out of memory");
    for (char *save = NULL, *tok = strtok_r(fs->list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t len = strlen(tok);
        while (len && tok[len - 1] == ' ') tok[--len] = '\0';
        vt_prop_ref ref;
        if (strcmp(tok, "id") == 0 || strcmp(tok, "type") == 0 || !*tok) continue; /* always there */
        if (vt_optimade_prop_resolve(tok, &ref) != VT_OK)
            VT_FAIL(VT_EINVAL, "response_fields: unknown property '%.60s'", tok);
        if (fs->n == sizeof fs->names / sizeof fs->names[0]) VT_FAIL(VT_EINVAL, "response_fields: more than 128 fields");
        fs->names[fs->n++] = tok;
    }
    return VT_OK;
}

static int wants(const fieldset *fs, const vt_prop *p)
{
    if (!fs->list) return (p->flags & VT_PF_DEFAULT) != 0;
    for (size_t k = 0; k < fs->n; k++)
        if (strcmp(fs->names[k], p->name) == 0) return 1;
    return 0;
}

/* Whether the field set asks for any member of family kind (D or Ea). */
static int wants_kind(const fieldset *fs, vt_pkind kind)
{
    if (!fs->list) return 1;
    for (size_t k = 0; k < fs->n; k++) {
        vt_prop_ref ref;
        if (vt_optimade_prop_resolve(fs->names[k], &ref) == VT_OK && ref.prop->kind == kind) return 1;
    }
    return 0;
}

static int wants_name(const fieldset *fs, const char *name)
{
    if (!fs->list) return 1;
    for (size_t k = 0; k < fs->n; k++)
        if (strcmp(fs->names[k], name) == 0) return 1;
    return 0;
}

/* Columns of the page query, in this order. */
#define PAGE_COLS "r.id, " VT_OPTIMADE_ID_SQL ", r.updated_at, c.formula, c.chemical_formula_reduced," \
                  " c.chemical_formula_anonymous, c.elements, c.nelements, r.backend, r.status, s.id, s.nsites"
enum { C_RUN, C_ID, C_UPDATED, C_FORMULA, C_REDUCED, C_ANON, C_ELEMENTS, C_NELEMENTS, C_BACKEND, C_STATUS,
       C_SID, C_NSITES };

/* Rows of one side table for the page's runs (first column run_id), or NULL when not needed. */
typedef struct side {
    vt_store_rows *d, *ea, *feat, *rdf;
} side;

static vt_status side_query(vt_store *st, const char *head, const char *tail, const vt_store_rows *page,
                            vt_store_rows **out)
{
    vt_sqlq q = {0};
    vt_status s = VT_OK;
    vt_text_put(&q.sql, head, strlen(head));
    for (size_t i = 0; s == VT_OK && i < vt_store_rows_count(page); i++) {
        vt_text_put(&q.sql, i ? ", ?" : "?", i ? 3 : 1);
        s = vt_sqlq_param(&q, vt_sql_int(vt_store_rows_get(page, i, C_RUN)->i));
    }
    vt_text_put(&q.sql, tail, strlen(tail));
    if (s == VT_OK && q.sql.is_oom) s = vt_err_set_(VT_ENOMEM, "server: out of memory");
    if (s == VT_OK) s = vt_store_query(st, q.sql.p, q.n_params, q.params, out);
    vt_sqlq_clear(&q);
    return s;
}

static vt_status side_fetch(vt_store *st, const fieldset *fs, const vt_store_rows *page, side *sd)
{
    memset(sd, 0, sizeof *sd);
    if (!vt_store_rows_count(page)) return VT_OK;
    if (wants_kind(fs, VT_PK_D))
        VT_TRY(side_query(st, "SELECT run_id, element, t_k, d_cm2_s FROM diffusivities WHERE run_id IN (",
                          ") ORDER BY run_id, element, t_k", page, &sd->d));
    if (wants_kind(fs, VT_PK_EA))
        VT_TRY(side_query(st, "SELECT run_id, element, ea_ev FROM arrhenius WHERE run_id IN (",
                          ") ORDER BY run_id, element", page, &sd->ea));
    if (fs->list && wants_name(fs, "_vitrum_features"))
        VT_TRY(side_query(st, "SELECT run_id, t_k, name, value FROM features WHERE run_id IN (",
                          ") ORDER BY run_id, t_k, name", page, &sd->feat));
    if (fs->list && wants_name(fs, "_vitrum_rdf_t_k"))
        VT_TRY(side_query(st, "SELECT run_id, t_k FROM rdfs WHERE run_id IN (", ") ORDER BY run_id, t_k", page,
                          &sd->rdf));
    return VT_OK;
}

static void side_free(side *sd)
{
    vt_store_rows_free(sd->d);
    vt_store_rows_free(sd->ea);
    vt_store_rows_free(sd->feat);
    vt_store_rows_free(sd->rdf);
}

static int64_t row_run(const vt_store_rows *r, size_t i) { return vt_store_rows_get(r, i, 0)->i; }

/* elements (comma separated, alphabetical) and elements_ratios (from the formula). */
static void add_elements(cJSON *attr, const vt_store_rows *page, size_t i, const fieldset *fs, const vt_prop *pe,
                         const vt_prop *pr)
{
    const char *list = vt_store_rows_get(page, i, C_ELEMENTS)->text;
    cJSON *els = cJSON_CreateArray(), *ratios = cJSON_CreateArray();
    vt_composition comp;
    int has_comp = vt_composition_parse(vt_store_rows_get(page, i, C_FORMULA)->text, &comp) == VT_OK;
    for (const char *p = list ? list : ""; *p;) {
        size_t n = strcspn(p, ",");
        char sym[8];
        snprintf(sym, sizeof sym, "%.*s", (int)(n < 7 ? n : 7), p);
        cJSON_AddItemToArray(els, cJSON_CreateString(sym));
        const vt_element *e = vt_element_by_symbol(sym);
        double x = has_comp && e ? vt_composition_fraction(&comp, e->Z) : NAN;
        cJSON_AddItemToArray(ratios, isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull());
        p += n + (p[n] == ',');
    }
    if (wants(fs, pe)) cJSON_AddItemToObject(attr, pe->name, els);
    else cJSON_Delete(els);
    if (wants(fs, pr)) cJSON_AddItemToObject(attr, pr->name, ratios);
    else cJSON_Delete(ratios);
}

static int by_text(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static cJSON *vec_array(const double (*v)[3], size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(v[i], 3));
    return a;
}

/* lattice_vectors, cartesian_site_positions, species_at_sites, species of structure sid. */
static vt_status add_structure(vt_store *st, cJSON *attr, const vt_store_rows *page, size_t i, const fieldset *fs,
                               const vt_prop *props, size_t n_props)
{
    const vt_sql_value *sid = vt_store_rows_get(page, i, C_SID);
    int any = 0;
    for (size_t k = 0; k < n_props; k++) any |= props[k].kind == VT_PK_OUTPUT && (props[k].flags & VT_PF_STRUCT) && wants(fs, &props[k]);
    if (!any) return VT_OK;
    vt_cell *c = NULL;
    if (sid->type == VT_SQL_INT) VT_TRY(vt_store_structure_get(st, sid->i, &c));
    for (size_t k = 0; k < n_props; k++) {
        const vt_prop *p = &props[k];
        if (p->kind != VT_PK_OUTPUT || !(p->flags & VT_PF_STRUCT) || !wants(fs, p)) continue;
        cJSON *v = NULL;
        if (!c) v = cJSON_CreateNull();
        else if (strcmp(p->name, "lattice_vectors") == 0) v = vec_array((const double (*)[3])c->lattice, 3);
        else if (strcmp(p->name, "cartesian_site_positions") == 0) v = vec_array((const double (*)[3])c->pos, c->n_atoms);
        else if (strcmp(p->name, "species_at_sites") == 0) {
            v = cJSON_CreateArray();
            for (size_t a = 0; a < c->n_atoms; a++) cJSON_AddItemToArray(v, cJSON_CreateString(vt_element_by_Z(c->Z[a])->symbol));
        } else { /* species: one per element present, alphabetical as elements */
            int seen[VT_MAX_Z + 1] = {0};
            for (size_t a = 0; a < c->n_atoms; a++) seen[c->Z[a]] = 1;
            v = cJSON_CreateArray();
            const char *sym[VT_MAX_Z];
            size_t n_sym = 0;
            for (int z = 1; z <= VT_MAX_Z; z++)
                if (seen[z]) sym[n_sym++] = vt_element_by_Z(z)->symbol;
            qsort(sym, n_sym, sizeof *sym, by_text);
            for (size_t k2 = 0; k2 < n_sym; k2++) {
                cJSON *s = cJSON_CreateObject();
                double one = 1.0, mass = vt_element_by_symbol(sym[k2])->mass_amu;
                cJSON_AddStringToObject(s, "name", sym[k2]);
                cJSON_AddItemToObject(s, "chemical_symbols", cJSON_CreateStringArray(&sym[k2], 1));
                cJSON_AddItemToObject(s, "concentration", cJSON_CreateDoubleArray(&one, 1));
                cJSON_AddItemToObject(s, "mass", cJSON_CreateDoubleArray(&mass, 1));
                cJSON_AddItemToArray(v, s);
            }
        }
        cJSON_AddItemToObject(attr, p->name, v);
    }
    vt_cell_free(c);
    return VT_OK;
}

/* The _vitrum_d_* and _vitrum_ea_* values of run id (rows r: run_id, element, [t_k,] value). */
static void add_family(cJSON *attr, const vt_store_rows *r, int64_t run, int is_d, const fieldset *fs)
{
    for (size_t i = 0; i < vt_store_rows_count(r); i++) {
        if (row_run(r, i) != run) continue;
        const vt_element *e = vt_element_by_symbol(vt_store_rows_get(r, i, 1)->text ? vt_store_rows_get(r, i, 1)->text : "");
        char name[64];
        int ok = e && (is_d ? vt_optimade_d_name(e->Z, vt_store_rows_real(r, i, 2), name, sizeof name)
                            : vt_optimade_ea_name(e->Z, name, sizeof name));
        if (ok && wants_name(fs, name) && !cJSON_GetObjectItemCaseSensitive(attr, name))
            cJSON_AddNumberToObject(attr, name, vt_store_rows_real(r, i, is_d ? 3 : 2));
    }
}

/* _vitrum_features {"<T>": {name: value}} and _vitrum_rdf_t_k [T, ...] of run id. */
static void add_extras(cJSON *attr, const side *sd, int64_t run)
{
    if (sd->feat) {
        cJSON *all = cJSON_CreateObject();
        for (size_t i = 0; i < vt_store_rows_count(sd->feat); i++) {
            if (row_run(sd->feat, i) != run) continue;
            char key[32];
            snprintf(key, sizeof key, "%.17g", vt_store_rows_real(sd->feat, i, 1));
            cJSON *at = cJSON_GetObjectItemCaseSensitive(all, key);
            if (!at) cJSON_AddItemToObject(all, key, at = cJSON_CreateObject());
            const char *name = vt_store_rows_get(sd->feat, i, 2)->text;
            if (name) cJSON_AddNumberToObject(at, name, vt_store_rows_real(sd->feat, i, 3));
        }
        cJSON_AddItemToObject(attr, "_vitrum_features", all);
    }
    if (sd->rdf) {
        cJSON *ts = cJSON_CreateArray();
        for (size_t i = 0; i < vt_store_rows_count(sd->rdf); i++)
            if (row_run(sd->rdf, i) == run) cJSON_AddItemToArray(ts, cJSON_CreateNumber(vt_store_rows_real(sd->rdf, i, 1)));
        cJSON_AddItemToObject(attr, "_vitrum_rdf_t_k", ts);
    }
}

static void add_column(cJSON *attr, const vt_prop *p, const vt_store_rows *page, size_t i)
{
    static const struct { const char *name; int col; } cols[] = {
        {"last_modified", C_UPDATED}, {"nelements", C_NELEMENTS}, {"chemical_formula_descriptive", C_FORMULA},
        {"chemical_formula_reduced", C_REDUCED}, {"chemical_formula_anonymous", C_ANON}, {"nsites", C_NSITES},
        {"_vitrum_backend", C_BACKEND}, {"_vitrum_status", C_STATUS}};
    if (strcmp(p->name, "nperiodic_dimensions") == 0) {
        cJSON_AddNumberToObject(attr, p->name, 3);
        return;
    }
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        if (strcmp(cols[k].name, p->name) != 0) continue;
        const vt_sql_value *v = vt_store_rows_get(page, i, (size_t)cols[k].col);
        cJSON *item = v->type == VT_SQL_TEXT ? cJSON_CreateString(v->text)
                      : v->type == VT_SQL_NULL ? cJSON_CreateNull()
                                               : cJSON_CreateNumber(vt_store_rows_real(page, i, (size_t)cols[k].col));
        cJSON_AddItemToObject(attr, p->name, item);
    }
}

/* One resource object for row i of the page. */
static vt_status entry(vt_http_req *rq, const vt_store_rows *page, size_t i, const fieldset *fs, const side *sd,
                       cJSON **out)
{
    size_t n_props;
    const vt_prop *props = vt_optimade_props(&n_props), *p_elements = NULL, *p_ratios = NULL;
    cJSON *o = cJSON_CreateObject(), *attr = cJSON_CreateObject();
    const char *id = vt_store_rows_get(page, i, C_ID)->text;
    int64_t run = vt_store_rows_get(page, i, C_RUN)->i;
    cJSON_AddStringToObject(o, "id", id ? id : "");
    cJSON_AddStringToObject(o, "type", "structures");
    for (size_t k = 0; k < n_props; k++) {
        const vt_prop *p = &props[k];
        if (!strcmp(p->name, "elements")) p_elements = p;
        else if (!strcmp(p->name, "elements_ratios")) p_ratios = p;
        if (!wants(fs, p) || !strcmp(p->name, "id") || !strcmp(p->name, "type")) continue;
        if (p->kind == VT_PK_COLUMN) add_column(attr, p, page, i);
        else if (p->kind == VT_PK_NULL) cJSON_AddNullToObject(attr, p->name);
        else if (p->kind == VT_PK_EMPTY_LIST) cJSON_AddItemToObject(attr, p->name, cJSON_CreateArray());
        else if (!strcmp(p->name, "dimension_types")) {
            const int ones[3] = {1, 1, 1};
            cJSON_AddItemToObject(attr, p->name, cJSON_CreateIntArray(ones, 3));
        }
    }
    add_elements(attr, page, i, fs, p_elements, p_ratios);
    vt_status s = add_structure(rq->st, attr, page, i, fs, props, n_props);
    if (sd->d) add_family(attr, sd->d, run, 1, fs);
    if (sd->ea) add_family(attr, sd->ea, run, 0, fs);
    add_extras(attr, sd, run);
    for (size_t k = 0; fs->list && k < fs->n; k++) /* requested but absent: null (spec) */
        if (!cJSON_GetObjectItemCaseSensitive(attr, fs->names[k])) cJSON_AddNullToObject(attr, fs->names[k]);
    cJSON_AddItemToObject(o, "attributes", attr);
    if (s != VT_OK) {
        cJSON_Delete(o);
        return s;
    }
    *out = o;
    return VT_OK;
}

/* Integer query argument in [lo, hi]; *v unchanged when absent. */
static vt_status int_arg(vt_http_req *rq, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
    size_t len;
    const char *s = vt_http_arg_get(rq, key, &len);
    if (!s) return VT_OK;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || len != strlen(s) || x < lo || x > hi || !isdigit((unsigned char)s[*s == '+' ? 1 : 0]))
        VT_FAIL(VT_EINVAL, "%s: expected a whole number %lld..%lld, got '%.30s'", key, (long long)lo, (long long)hi, s);
    *v = x;
    return VT_OK;
}

/* The request's listing parameters. */
typedef struct listing {
    vt_flt_node *filter;
    int64_t limit, offset;
    const char *sort;
    fieldset fs;
} listing;

static void listing_clear(listing *l)
{
    vt_flt_free(l->filter);
    vt_free(l->fs.list);
}

/* 403 (page_limit too large) is told apart by *status. */
static vt_status listing_parse(vt_http_req *rq, int is_single, listing *l, int *status)
{
    memset(l, 0, sizeof *l);
    l->limit = VT_OPTIMADE_PAGE_DEFAULT;
    *status = 400;
    if (is_single) /* single entry: response_fields (and the common parameters) only */
        return fieldset_parse(vt_http_arg_get(rq, "response_fields", NULL), &l->fs);
    size_t len;
    const char *f = vt_http_arg_get(rq, "filter", &len);
    static const char *const unsupported[] = {"page_cursor", "page_above", "page_below"};
    for (size_t k = 0; k < 3; k++)
        if (vt_http_arg_get(rq, unsupported[k], NULL))
            VT_FAIL(VT_EINVAL, "%s: not supported; paginate with page_offset or page_number", unsupported[k]);
    const char *inc = vt_http_arg_get(rq, "include", NULL);
    if (inc && inc[0] && strcmp(inc, "references") != 0)
        VT_FAIL(VT_EINVAL, "include: relationship '%.40s' is not supported (vitrum has no relationships)", inc);
    VT_TRY(int_arg(rq, "page_limit", 0, INT64_MAX / 4, &l->limit));
    if (l->limit > VT_OPTIMADE_PAGE_MAX) {
        *status = 403;
        VT_FAIL(VT_EINVAL, "page_limit %lld is above the maximum %d", (long long)l->limit, VT_OPTIMADE_PAGE_MAX);
    }
    int64_t number = 0;
    VT_TRY(int_arg(rq, "page_offset", 0, (int64_t)1 << 40, &l->offset));
    VT_TRY(int_arg(rq, "page_number", 1, (int64_t)1 << 30, &number));
    if (number) l->offset = (number - 1) * l->limit;
    l->sort = vt_http_arg_get(rq, "sort", NULL);
    VT_TRY(fieldset_parse(vt_http_arg_get(rq, "response_fields", NULL), &l->fs));
    if (f && len) return vt_flt_parse(f, len, &l->filter);
    if (f && !len) VT_FAIL(VT_EPARSE, "filter: empty");
    return VT_OK;
}

/* SELECT head FROM ... WHERE filter [ORDER BY ... LIMIT ? OFFSET ?]. */
static vt_status entry_sql(const listing *l, const char *head, int for_page, int64_t run_id, vt_sqlq *q)
{
    vt_sqlq where = {0}, order = {0};
    vt_status s = VT_OK;
    if (l->filter) s = vt_optimade_where(l->filter, &where);
    if (s == VT_OK && for_page) s = vt_optimade_order_by(l->sort, &order);
    if (s == VT_OK) {
        vt_text_put(&q->sql, head, strlen(head));
        const char *from = vt_optimade_from(for_page || where.needs_structure || order.needs_structure);
        vt_text_put(&q->sql, from, strlen(from));
        vt_text_put(&q->sql, " WHERE ", 7);
        if (where.sql.p) vt_text_put(&q->sql, where.sql.p, where.sql.len);
        else vt_text_put(&q->sql, "1 = 1", 5);
        if (run_id) {
            vt_text_put(&q->sql, " AND r.id = ?", 13);
        }
        if (order.sql.p) vt_text_put(&q->sql, order.sql.p, order.sql.len);
        if (for_page) vt_text_put(&q->sql, " LIMIT ? OFFSET ?", 17);
    }
    for (size_t k = 0; s == VT_OK && k < where.n_params; k++) s = vt_sqlq_param(q, where.params[k]);
    if (s == VT_OK && run_id) s = vt_sqlq_param(q, vt_sql_int(run_id));
    for (size_t k = 0; s == VT_OK && k < order.n_params; k++) s = vt_sqlq_param(q, order.params[k]);
    if (s == VT_OK && for_page) s = vt_sqlq_param(q, vt_sql_int(l->limit + 1));
    if (s == VT_OK && for_page) s = vt_sqlq_param(q, vt_sql_int(l->offset));
    if (s == VT_OK && q->sql.is_oom) s = vt_err_set_(VT_ENOMEM, "server: out of memory");
    if (where.warning[0]) snprintf(q->warning, sizeof q->warning, "%s", where.warning);
    /* where's owned texts must outlive q: hand them over */
    q->owned = where.owned, q->n_owned = where.n_owned, where.owned = NULL, where.n_owned = 0;
    vt_sqlq_clear(&where);
    vt_sqlq_clear(&order);
    return s;
}

/* links.next: this request's URL with page_offset moved on by page_limit. */
static cJSON *next_link(const vt_http_req *rq, const listing *l)
{
    vt_text t = {0};
    vt_text_printf(&t, "%s%s?", rq->base_url, rq->path);
    for (size_t k = 0; k < rq->n_args; k++) {
        const vt_http_arg *a = &rq->args[k];
        if (!strcmp(a->key, "page_offset") || !strcmp(a->key, "page_number") || !strcmp(a->key, "page_limit")) continue;
        url_encode(&t, a->key, strlen(a->key));
        vt_text_put(&t, "=", 1);
        url_encode(&t, a->value, a->value_len);
        vt_text_put(&t, "&", 1);
    }
    vt_text_printf(&t, "page_limit=%lld&page_offset=%lld", (long long)l->limit, (long long)(l->offset + l->limit));
    cJSON *s = t.is_oom ? cJSON_CreateNull() : cJSON_CreateString(t.p);
    vt_text_clear(&t);
    return s;
}

/* The listing (run_id 0) or one entry (run_id > 0) as a document. */
static int entries(vt_http_req *rq, vt_http_resp *rs, int64_t run_id)
{
    listing l;
    int status = 400;
    vt_sqlq count = {0}, page = {0};
    vt_store_rows *n_rows = NULL, *rows = NULL;
    side sd = {0};
    cJSON *doc = cJSON_CreateObject(), *meta = meta_new(rq), *data = run_id ? NULL : cJSON_CreateArray();
    int64_t n_match = 0;
    vt_status s = listing_parse(rq, run_id != 0, &l, &status);
    if (s == VT_OK) status = 500;
    if (s == VT_OK && !run_id) s = entry_sql(&l, "SELECT COUNT(*)", 0, 0, &count);
    if (s == VT_OK) s = entry_sql(&l, "SELECT " PAGE_COLS, 1, run_id, &page);
    if (s == VT_OK) s = common_params(rq, meta);
    if (s == VT_OK && !run_id) s = vt_store_query(rq->st, count.sql.p, count.n_params, count.params, &n_rows);
    if (s == VT_OK && !run_id) n_match = (int64_t)vt_store_rows_real(n_rows, 0, 0);
    if (s == VT_OK) s = vt_store_query(rq->st, page.sql.p, page.n_params, page.params, &rows);
    if (s == VT_OK) s = side_fetch(rq->st, &l.fs, rows, &sd);
    size_t n = vt_store_rows_count(rows), shown = n > (size_t)l.limit ? (size_t)l.limit : n;
    for (size_t i = 0; s == VT_OK && i < shown; i++) {
        cJSON *e = NULL;
        if ((s = entry(rq, rows, i, &l.fs, &sd, &e)) != VT_OK) break;
        if (run_id) data = e;
        else cJSON_AddItemToArray(data, e);
    }
    if (s == VT_OK && run_id && !data) {
        status = 404;
        s = vt_err_set_(VT_EINVAL, "no structures entry with this id");
    }
    if (s == VT_OK) {
        cJSON *links = cJSON_CreateObject();
        cJSON_AddItemToObject(links, "next", !run_id && n > shown ? next_link(rq, &l) : cJSON_CreateNull());
        cJSON_AddItemToObject(doc, "links", links);
        cJSON_AddItemToObject(doc, "data", data);
        cJSON_ReplaceItemInObject(meta, "more_data_available", cJSON_CreateBool(!run_id && n > shown));
        cJSON_AddNumberToObject(meta, "data_returned", run_id ? 1 : (double)n_match);
        if (page.warning[0]) add_warning(meta, "_vitrum_unknown_property", page.warning);
        cJSON_AddItemToObject(doc, "meta", meta);
    }
    vt_sqlq_clear(&count);
    vt_sqlq_clear(&page);
    vt_store_rows_free(n_rows);
    vt_store_rows_free(rows);
    side_free(&sd);
    listing_clear(&l);
    if (s != VT_OK) {
        cJSON_Delete(doc);
        cJSON_Delete(meta);
        if (!run_id || data) cJSON_Delete(data);
        return vt_optimade_error(rq, rs, status == 500 ? vt_http_status_of(s) : status, vt_errmsg());
    }
    return send_doc(rs, 200, doc);
}

int vt_optimade_structures(vt_http_req *rq, vt_http_resp *rs) { return entries(rq, rs, 0); }

vt_status vt_optimade_run_of_id(vt_store *st, const char *id, int64_t *run_id)
{
    vt_store_rows *r = NULL;
    vt_sql_value p = vt_sql_text(id);
    *run_id = 0;
    VT_TRY(vt_store_query(st, "SELECT id FROM runs WHERE identifier = ?", 1, &p, &r));
    if (vt_store_rows_count(r)) *run_id = vt_store_rows_get(r, 0, 0)->i;
    vt_store_rows_free(r);
    size_t nd = strlen(id) > 3 ? strspn(id + 3, "0123456789") : 0;
    if (!*run_id && strncmp(id, "run", 3) == 0 && nd && nd < 19 && !id[3 + nd]) {
        p = vt_sql_int(strtoll(id + 3, NULL, 10));
        VT_TRY(vt_store_query(st, "SELECT id FROM runs WHERE id = ? AND identifier IS NULL", 1, &p, &r));
        if (vt_store_rows_count(r)) *run_id = vt_store_rows_get(r, 0, 0)->i;
        vt_store_rows_free(r);
    }
    if (!*run_id) VT_FAIL(VT_EINVAL, "no structures entry with id '%.80s'", id);
    return VT_OK;
}

int vt_optimade_structure_one(vt_http_req *rq, vt_http_resp *rs)
{
    const char *id = rq->path + strlen("/v1/structures/");
    int64_t run = 0;
    vt_status s = vt_optimade_run_of_id(rq->st, id, &run);
    if (s != VT_OK) return vt_optimade_error(rq, rs, s == VT_EINVAL ? 404 : vt_http_status_of(s), vt_errmsg());
    return entries(rq, rs, run);
}
