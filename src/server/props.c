/*
** props.c - the properties of vitrum's OPTIMADE structures entries: one table (order of
** /info/structures), the SQL of each queryable one over the store's schema (docs/store.md:
** r = runs, c = compositions, s = the representative structure), and the two families of
** names built from data: _vitrum_d_<el>_<T>k (D of element el at T kelvin, cm^2/s, e.g.
** _vitrum_d_li_1000k) and _vitrum_ea_<el>_ev (Arrhenius activation energy, eV; _vitrum_ea_ev is
** Li's). Units are UCUM symbols as the spec asks ("Ao" is the angstrom).
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "optimade.h"

#define DEF VT_PF_DEFAULT
#define SORT VT_PF_SORT
#define STRUCT VT_PF_STRUCT

static const vt_prop props[] = {
    {"id", VT_PK_COLUMN, VT_PT_STRING, VT_OPTIMADE_ID_SQL, 0, NULL,
     "The entry's ID: the run identifier, or run<N> for a run stored without one"},
    {"type", VT_PK_COLUMN, VT_PT_STRING, "'structures'", 0, NULL, "The entry type, always structures"},
    {"immutable_id", VT_PK_NULL, VT_PT_STRING, NULL, 0, NULL, "Not provided by vitrum (always null)"},
    {"last_modified", VT_PK_COLUMN, VT_PT_TIMESTAMP, "r.updated_at", DEF | SORT, NULL,
     "When the run was last updated (UTC, whole seconds)"},
    {"elements", VT_PK_ELEMENTS, VT_PT_LIST, NULL, DEF, NULL, "Chemical symbols of the elements, alphabetical"},
    {"nelements", VT_PK_COLUMN, VT_PT_INTEGER, "c.nelements", DEF | SORT, NULL, "Number of different elements"},
    {"elements_ratios", VT_PK_OUTPUT, VT_PT_LIST, NULL, DEF, NULL,
     "Atom fractions of the elements, in the order of elements (not queryable)"},
    {"chemical_formula_descriptive", VT_PK_COLUMN, VT_PT_STRING, "c.formula", DEF, NULL,
     "The composition as written when the run was stored (e.g. Li2Si2O5)"},
    {"chemical_formula_reduced", VT_PK_COLUMN, VT_PT_STRING, "c.chemical_formula_reduced", DEF, NULL,
     "Elements in alphabetical order with integer proportions divided by their gcd, 1 omitted"},
    {"chemical_formula_hill", VT_PK_NULL, VT_PT_STRING, NULL, 0, NULL, "Not provided by vitrum (always null)"},
    {"chemical_formula_anonymous", VT_PK_COLUMN, VT_PT_STRING, "c.chemical_formula_anonymous", DEF, NULL,
     "Anonymous formula: A, B, ... by decreasing proportion"},
    {"dimension_types", VT_PK_OUTPUT, VT_PT_LIST, NULL, DEF, NULL, "Periodicity along a, b, c: always [1, 1, 1]"},
    {"nperiodic_dimensions", VT_PK_COLUMN, VT_PT_INTEGER, "3", DEF, NULL, "Number of periodic dimensions: always 3"},
    {"lattice_vectors", VT_PK_OUTPUT, VT_PT_LIST, NULL, STRUCT, "Ao",
     "Cell vectors a, b, c (rows), Cartesian, of the representative structure; null without one"},
    {"cartesian_site_positions", VT_PK_OUTPUT, VT_PT_LIST, NULL, STRUCT, "Ao",
     "Cartesian positions of the sites of the representative structure"},
    {"nsites", VT_PK_COLUMN, VT_PT_INTEGER, "s.nsites", DEF | SORT | STRUCT, NULL,
     "Number of sites (atoms) of the representative structure; null without one"},
    {"species_at_sites", VT_PK_OUTPUT, VT_PT_LIST, NULL, STRUCT, NULL, "Species name of each site"},
    {"species", VT_PK_OUTPUT, VT_PT_LIST, NULL, STRUCT, NULL, "One species per element, no disorder"},
    {"assemblies", VT_PK_NULL, VT_PT_LIST, NULL, 0, NULL, "Not used by vitrum (always null)"},
    {"structure_features", VT_PK_EMPTY_LIST, VT_PT_LIST, NULL, DEF, NULL,
     "Always [] (no disorder, implicit atoms, site attachments or assemblies)"},
    {"_vitrum_backend", VT_PK_COLUMN, VT_PT_STRING, "r.backend", DEF, NULL,
     "How the run was made: calculator spec (pmmcs, cp2k, ...), paper (the paper's table) or mpcontribs"},
    {"_vitrum_status", VT_PK_COLUMN, VT_PT_STRING, "r.status", 0, NULL, "planned, running, done or failed"},
    {"_vitrum_d_<el>_<T>k", VT_PK_D, VT_PT_FLOAT, NULL, DEF | SORT, "cm2/s",
     "Tracer diffusion coefficient of element <el> (lower case symbol) at <T> kelvin, e.g. _vitrum_d_li_1000k"},
    {"_vitrum_ea_ev", VT_PK_EA, VT_PT_FLOAT, NULL, DEF | SORT, "eV", "Arrhenius activation energy of Li diffusion"},
    {"_vitrum_ea_<el>_ev", VT_PK_EA, VT_PT_FLOAT, NULL, DEF | SORT, "eV",
     "Arrhenius activation energy of the diffusion of element <el>, e.g. _vitrum_ea_o_ev"},
    {"_vitrum_features", VT_PK_OUTPUT, VT_PT_DICTIONARY, NULL, 0, NULL,
     "The paper's 42 features per temperature: {\"<T>\": {\"AAV\": ..., ...}} (units: docs/store.md)"},
    {"_vitrum_rdf_t_k", VT_PK_OUTPUT, VT_PT_LIST, NULL, 0, "K",
     "Temperatures with a stored RDF table (plot: /plot/rdf.svg?id=&t_k=)"},
};

#define N_PROPS (sizeof props / sizeof props[0])
#define D_FAMILY "_vitrum_d_<el>_<T>k"
#define EA_FAMILY "_vitrum_ea_<el>_ev"

const vt_prop *vt_optimade_props(size_t *n)
{
    *n = N_PROPS;
    return props;
}

/* The table entry named name (templates included); NULL when none. */
static const vt_prop *find(const char *name)
{
    for (size_t k = 0; k < N_PROPS; k++)
        if (strcmp(props[k].name, name) == 0) return &props[k];
    return NULL;
}

/* The element of a lower-case symbol ("li", "o"), or NULL. */
static const vt_element *element_lower(const char *s, size_t n)
{
    char sym[3];
    if (n < 1 || n > 2) return NULL;
    sym[0] = (char)toupper((unsigned char)s[0]);
    sym[1] = n > 1 ? s[1] : '\0';
    sym[2] = '\0';
    return vt_element_by_symbol(sym);
}

/* _vitrum_d_<el>_<T>k and _vitrum_ea_<el>_ev; 0 when name is neither. */
static int resolve_family(const char *name, vt_prop_ref *out)
{
    const char *rest;
    if (strncmp(name, "_vitrum_d_", 10) == 0) {
        rest = name + 10;
        const char *us = strchr(rest, '_');
        if (!us) return 0;
        const vt_element *e = element_lower(rest, (size_t)(us - rest));
        const char *t = us + 1;
        size_t nd = strspn(t, "0123456789");
        if (!e || nd < 1 || nd > 6 || strcmp(t + nd, "k") != 0 || (t[0] == '0' && nd > 1)) return 0;
        double T = 0;
        for (size_t k = 0; k < nd; k++) T = 10 * T + (t[k] - '0');
        *out = (vt_prop_ref){.prop = find(D_FAMILY), .Z = e->Z, .T_K = T};
        return 1;
    }
    if (strncmp(name, "_vitrum_ea_", 11) == 0) {
        rest = name + 11;
        size_t n = strlen(rest);
        if (n < 4 || strcmp(rest + n - 3, "_ev") != 0) return 0;
        const vt_element *e = element_lower(rest, n - 3);
        if (!e) return 0;
        *out = (vt_prop_ref){.prop = find(EA_FAMILY), .Z = e->Z};
        return 1;
    }
    return 0;
}

vt_status vt_optimade_prop_resolve(const char *name, vt_prop_ref *out)
{
    memset(out, 0, sizeof *out);
    const vt_prop *p = find(name);
    if (p && strchr(name, '<') == NULL) {
        out->prop = p;
        out->Z = p->kind == VT_PK_EA ? 3 : 0; /* _vitrum_ea_ev: Li */
        return VT_OK;
    }
    if (resolve_family(name, out)) return VT_OK;
    if (name[0] == '_' && strncmp(name, "_" VT_OPTIMADE_PREFIX "_", sizeof VT_OPTIMADE_PREFIX + 1) != 0) {
        const char *end = strchr(name + 1, '_');
        if (end && end > name + 1 && end[1]) {
            static const vt_prop foreign = {"", VT_PK_NULL, VT_PT_STRING, NULL, 0, NULL, "another provider's property"};
            out->prop = &foreign;
            out->is_foreign = 1;
            return VT_OK;
        }
    }
    VT_FAIL(VT_EINVAL, "unknown property '%.80s' (see /v1/info/structures)", name);
}

int vt_optimade_d_name(int Z, double T_K, char *buf, size_t size)
{
    const vt_element *e = vt_element_by_Z(Z);
    if (!e || !(T_K >= 1 && T_K < 1e6) || T_K != floor(T_K)) return 0;
    int n = snprintf(buf, size, "_vitrum_d_%c%s_%.0fk", tolower((unsigned char)e->symbol[0]), e->symbol + 1, T_K);
    return n > 0 && (size_t)n < size;
}

int vt_optimade_ea_name(int Z, char *buf, size_t size)
{
    const vt_element *e = vt_element_by_Z(Z);
    if (!e) return 0;
    int n = Z == 3 ? snprintf(buf, size, "_vitrum_ea_ev")
                   : snprintf(buf, size, "_vitrum_ea_%c%s_ev", tolower((unsigned char)e->symbol[0]), e->symbol + 1);
    return n > 0 && (size_t)n < size;
}
