/* optimade.h - internal: the OPTIMADE "structures" entries vitrum serves, their properties
** (server/props.c), filters turned into parameterised SQL over the store's schema (server/sql.c),
** and the JSON:API endpoints (server/optimade.c). Layout and claims: docs/server.md.
**
** One structures entry per run (table runs): id = the run identifier (or "run<N>" for a run
** without one), formula fields from its composition, D and Ea from its diffusivities and Arrhenius
** fits, the cell of its representative structure: the one at the lowest temperature, last frame
** (the quenched glass of a melt-quench run). Runs imported from the paper's table have no
** structure: their structure fields are null. */
#ifndef VT_SERVER_OPTIMADE_H
#define VT_SERVER_OPTIMADE_H
#include "filter.h"
#include "io/text.h"
#include "server.h"

#define VT_OPTIMADE_API_VERSION "1.1.0"
#define VT_OPTIMADE_PREFIX "vitrum"          /* database-provider-specific prefix: _vitrum_... */
#define VT_OPTIMADE_PAGE_DEFAULT 20
#define VT_OPTIMADE_PAGE_MAX 500             /* page_limit above this: 403 (spec, page_limit) */
#define VT_SQLQ_MAX_PARAMS 4000              /* the PostgreSQL driver takes up to 4096 */

/* ---- properties ---- */
typedef enum vt_pkind {
    VT_PK_COLUMN,     /* a scalar SQL expression (sql) over r (runs), c (compositions), s (structure) */
    VT_PK_ELEMENTS,   /* elements: list of symbols (table composition_elements) */
    VT_PK_EMPTY_LIST, /* structure_features: always [] (no disorder, no implicit atoms) */
    VT_PK_NULL,       /* always unknown: optional standard properties vitrum has no data for */
    VT_PK_D,          /* _vitrum_d_<el>_<T>k: D of element el at T kelvin, cm^2/s */
    VT_PK_EA,         /* _vitrum_ea_ev (Li) and _vitrum_ea_<el>_ev: Arrhenius Ea, eV */
    VT_PK_OUTPUT      /* returned on request, not queryable (filters on it: 501) */
} vt_pkind;

typedef enum vt_ptype { VT_PT_STRING, VT_PT_INTEGER, VT_PT_FLOAT, VT_PT_TIMESTAMP, VT_PT_LIST,
                        VT_PT_DICTIONARY } vt_ptype;

enum {
    VT_PF_DEFAULT = 1,  /* returned when the request has no response_fields */
    VT_PF_SORT = 2,     /* usable in sort= */
    VT_PF_STRUCT = 4,   /* its SQL reads the representative structure s (a join) */
};

typedef struct vt_prop {
    const char *name;        /* property name; dynamic families: "_vitrum_d_<el>_<T>k" */
    vt_pkind kind;
    vt_ptype type;
    const char *sql;         /* VT_PK_COLUMN: SQL expression; NULL otherwise */
    unsigned flags;          /* VT_PF_* */
    const char *unit;        /* UCUM symbol, NULL: none */
    const char *description;
} vt_prop;

typedef struct vt_prop_ref {
    const vt_prop *prop;     /* table entry (the family's entry for dynamic names) */
    int Z;                   /* VT_PK_D, VT_PK_EA: the element */
    double T_K;              /* VT_PK_D: the temperature, K */
    int is_foreign;          /* another provider's prefix: treated as unknown (spec) */
} vt_prop_ref;

/* The static table (n entries), in the order of /info/structures. */
const vt_prop *vt_optimade_props(size_t *n);
/* Resolve a property name. VT_EINVAL naming it when unknown without a prefix or with vitrum's
 * prefix (spec: 400); another provider's "_xyz_..." resolves with is_foreign = 1. */
vt_status vt_optimade_prop_resolve(const char *name, vt_prop_ref *out);
/* "_vitrum_d_li_1000k" for (3, 1000 K); 0 when T_K is not a whole number of kelvin (no name). */
int vt_optimade_d_name(int Z, double T_K, char *buf, size_t size);
int vt_optimade_ea_name(int Z, char *buf, size_t size);

/* ---- SQL ---- */
typedef struct vt_sqlq {
    vt_text sql;             /* statement text with '?' placeholders */
    vt_sql_value *params;    /* n_params values, text borrowed from the filter tree or owned */
    size_t n_params, cap_params;
    char **owned;            /* texts made here (timestamps), freed by vt_sqlq_clear */
    size_t n_owned;
    int needs_structure;     /* some SQL reads s: the FROM clause must join it */
    char warning[256];       /* "" or a warning for meta.warnings (foreign properties) */
} vt_sqlq;

void vt_sqlq_clear(vt_sqlq *q);
vt_status vt_sqlq_param(vt_sqlq *q, vt_sql_value v);
/* Append the filter as one parenthesised boolean SQL expression, its values as parameters.
 * VT_EINVAL (400) for unknown properties and bad timestamps, VT_ENOTSUP (501) naming the construct
 * vitrum does not run (see docs/server.md), VT_ENOMEM. Null semantics as the spec says: a
 * comparison involving an unknown value never matches, negated or not (NOT is pushed to the
 * leaves: NOT x > 1 becomes x <= 1). */
vt_status vt_optimade_where(const vt_flt_node *root, vt_sqlq *q);
/* Append "ORDER BY ..." for a JSON:API sort value ("-nelements,_vitrum_ea_ev"; NULL: by run),
 * unknown values last, ties by run. VT_EINVAL (400) for fields that are not sortable. */
vt_status vt_optimade_order_by(const char *sort, vt_sqlq *q);
/* FROM clause of an entry query; with_structure joins the representative structure as s. */
const char *vt_optimade_from(int with_structure);
/* SQL of the entry id: the run identifier or 'run' || id. */
#define VT_OPTIMADE_ID_SQL "COALESCE(r.identifier, 'run' || CAST(r.id AS TEXT))"

/* ---- endpoints (server/optimade.c) ---- */
int vt_optimade_versions(vt_http_req *rq, vt_http_resp *rs);
int vt_optimade_info(vt_http_req *rq, vt_http_resp *rs);
int vt_optimade_info_structures(vt_http_req *rq, vt_http_resp *rs);
int vt_optimade_links(vt_http_req *rq, vt_http_resp *rs);
int vt_optimade_structures(vt_http_req *rq, vt_http_resp *rs);
int vt_optimade_structure_one(vt_http_req *rq, vt_http_resp *rs);
/* A JSON:API error document (status 4xx/5xx, one error with title and detail) in rs. */
int vt_optimade_error(vt_http_req *rq, vt_http_resp *rs, int status, const char *detail);
/* The HTTP status for a vitrum status code (one table: 400, 501, 500, ...). */
int vt_http_status_of(vt_status s);
/* Resolve an entry id to its run id (VT_EINVAL when there is none). */
vt_status vt_optimade_run_of_id(vt_store *st, const char *id, int64_t *run_id);
#endif
