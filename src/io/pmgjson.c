/*
** pmgjson.c - pymatgen Structure.as_dict() JSON, ordered structures, read and write.
**   {"@module": "pymatgen.core.structure", "@class": "Structure", "charge": 0,
**    "lattice": {"matrix": [[ax, ay, az], [bx, by, bz], [cx, cy, cz]], "pbc": [true, true, true],
**                "a": ..., "alpha": ... (deg), "volume": ... (A^3)},
**    "sites": [{"species": [{"element": "Li", "occu": 1}], "abc": [fa, fb, fc], "xyz": [x, y, z],
**               "label": "Li", "properties": {"velocities": [vx, vy, vz]}}, ...]}
**   Reader: lattice.matrix (rows, Angstrom); per site "xyz" (Angstrom) when present, else "abc"
**   (fractional); exactly one species with occu 1 (partial occupancy is refused); velocities
**   (A/fs, pymatgen's Poscar convention) on every site or on none. "@class", when present, must be
**   Structure or IStructure; "pbc", when present, all true. At most 1 GiB of text. Errors name the
**   field path ("sites[3].species[0].element"), JSON syntax errors the line. vt_pmgjson_parse()
**   reads an already parsed object (io/pmgjson.h), for files that embed structures.
**   Writer: the layout above (lengths, angles and volume for human readers only); every number
**   with the fewest digits that read back exactly, so "xyz" round-trips bit for bit.
*/
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "pmgjson.h"
#include "structure.h"

#define MAX_JSON_BYTES ((size_t)1 << 30)

/* Where a field is, for messages: the file and the object's place in it ("" at the top). */
typedef struct where_ctx {
    const char *path;
    const char *prefix;
} where_ctx;

static vt_status bad(const where_ctx *w, const char *field, const char *msg)
{
    char full[256];
    if (!w->prefix[0]) VT_FAIL_AT(VT_EPARSE, w->path, 0, field, "%s", msg);
    snprintf(full, sizeof full, "%s%s%s", w->prefix, field ? "." : "", field ? field : "");
    VT_FAIL_AT(VT_EPARSE, w->path, 0, full, "%s", msg);
}

static vt_status get_vec3(const where_ctx *w, const cJSON *arr, const char *field, double v[3])
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 3)
        return bad(w, field, "expected an array of 3 numbers");
    for (int k = 0; k < 3; k++) {
        const cJSON *x = cJSON_GetArrayItem(arr, k);
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return bad(w, field, "expected an array of 3 finite numbers");
        v[k] = x->valuedouble;
    }
    return VT_OK;
}

static vt_status read_lattice(const where_ctx *w, const cJSON *root, double lattice[3][3])
{
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(root, "lattice");
    const cJSON *matrix = cJSON_GetObjectItemCaseSensitive(lat, "matrix");
    const cJSON *pbc = cJSON_GetObjectItemCaseSensitive(lat, "pbc");
    if (!cJSON_IsArray(matrix) || cJSON_GetArraySize(matrix) != 3)
        return bad(w, "lattice.matrix", "expected 3 rows of 3 numbers");
    for (int i = 0; i < 3; i++)
        VT_TRY(get_vec3(w, cJSON_GetArrayItem(matrix, i), "lattice.matrix", lattice[i]));
    if (pbc &&
        (!cJSON_IsArray(pbc) || cJSON_GetArraySize(pbc) != 3 || !cJSON_IsTrue(cJSON_GetArrayItem(pbc, 0)) ||
         !cJSON_IsTrue(cJSON_GetArrayItem(pbc, 1)) || !cJSON_IsTrue(cJSON_GetArrayItem(pbc, 2))))
        return bad(w, "lattice.pbc",
                   "vitrum cells are periodic along a, b and c: expected [true, true, true]");
    double inv[3][3];
    if (vt_lattice_inverse(lattice, inv) != VT_OK)
        return bad(w, "lattice.matrix", "singular or not finite");
    return VT_OK;
}

static vt_status read_species(const where_ctx *w, const cJSON *site, const char *where, int *Z)
{
    char field[64];
    const cJSON *species = cJSON_GetObjectItemCaseSensitive(site, "species");
    snprintf(field, sizeof field, "%s.species", where);
    if (!cJSON_IsArray(species) || cJSON_GetArraySize(species) != 1)
        return bad(w, field, "expected exactly one species (disordered sites are not supported)");
    const cJSON *sp = cJSON_GetArrayItem(species, 0);
    const cJSON *el = cJSON_GetObjectItemCaseSensitive(sp, "element");
    const cJSON *occu = cJSON_GetObjectItemCaseSensitive(sp, "occu");
    snprintf(field, sizeof field, "%s.species[0].element", where);
    const vt_element *e = cJSON_IsString(el) ? vt_element_by_symbol(el->valuestring) : NULL;
    if (!e) return bad(w, field, "expected an element symbol");
    snprintf(field, sizeof field, "%s.species[0].occu", where);
    if (occu && !(cJSON_IsNumber(occu) && fabs(occu->valuedouble - 1.0) <= 1e-8))
        return bad(w, field, "partial occupancy is not supported (expected 1)");
    *Z = e->Z;
    return VT_OK;
}

/* Site i: species, position (xyz, else abc), velocities when the cell has a vel array. */
static vt_status read_site(const where_ctx *w, const cJSON *site, size_t i, vt_cell *c)
{
    char where[32], field[64];
    snprintf(where, sizeof where, "sites[%zu]", i);
    if (!cJSON_IsObject(site)) return bad(w, where, "expected an object");
    VT_TRY(read_species(w, site, where, &c->Z[i]));
    const cJSON *xyz = cJSON_GetObjectItemCaseSensitive(site, "xyz");
    const cJSON *abc = cJSON_GetObjectItemCaseSensitive(site, "abc");
    snprintf(field, sizeof field, "%s.%s", where, xyz ? "xyz" : "abc");
    if (xyz) {
        VT_TRY(get_vec3(w, xyz, field, c->pos[i]));
    } else {
        double f[3];
        VT_TRY(get_vec3(w, abc, field, f));
        vt_frac_to_cart(c->lattice, f, c->pos[i]);
        if (!isfinite(c->pos[i][0] + c->pos[i][1] + c->pos[i][2]))
            return bad(w, field, "out of range once converted to Angstrom");
    }
    const cJSON *vel =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(site, "properties"), "velocities");
    snprintf(field, sizeof field, "%s.properties.velocities", where);
    if (!vel != !c->vel)
        return bad(w, field,
                   c->vel ? "missing (the first site has velocities)" : "present, but not on the first site");
    return vel ? get_vec3(w, vel, field, c->vel[i]) : VT_OK;
}

vt_status vt_pmgjson_parse(const cJSON *root, const char *file, const char *prefix, vt_cell **out)
{
    const where_ctx ctx = {file, prefix ? prefix : ""}, *w = &ctx;
    *out = NULL;
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(root, "@class");
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(root, "sites");
    double lattice[3][3];
    if (!cJSON_IsObject(root))
        return bad(w, NULL, "expected a JSON object (pymatgen Structure.as_dict())");
    if (cls && !(cJSON_IsString(cls) &&
                 (strcmp(cls->valuestring, "Structure") == 0 || strcmp(cls->valuestring, "IStructure") == 0)))
        return bad(w, "@class", "expected \"Structure\"");
    VT_TRY(read_lattice(w, root, lattice));
    int n = cJSON_GetArraySize(sites);
    if (!cJSON_IsArray(sites) || n < 1) return bad(w, "sites", "expected a non-empty array");
    if (n > VT_MAX_ATOMS) return bad(w, "sites", "more than 10^8 sites");
    const cJSON *vel0 = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sites->child, "properties"), "velocities");
    VT_TRY(vt_cell_new((size_t)n, lattice, vel0 ? VT_CELL_VEL : 0u, out));
    size_t i = 0;
    const cJSON *site;
    cJSON_ArrayForEach(site, sites)
    {
        vt_status s = read_site(w, site, i++, *out);
        if (s != VT_OK) {
            vt_cell_free(*out);
            *out = NULL;
            return s;
        }
    }
    return VT_OK;
}

vt_status vt_pmgjson_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    (void)o;
    char *text;
    size_t n;
    VT_TRY(vt_lines_slurp(r, MAX_JSON_BYTES, &text, &n));
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    vt_status s = VT_OK;
    vt_cell *c = NULL;
    if (!root) {
        size_t line = 1;
        for (const char *p = text; end && p < end && p < text + n; p++) line += *p == '\n';
        s = vt_err_at_(VT_EPARSE, r->path, line, NULL, "JSON syntax error");
    } else if ((s = vt_pmgjson_parse(root, r->path, NULL, &c)) == VT_OK && (s = vt_traj_append(t, c)) == VT_OK) {
        c = NULL;
    }
    vt_cell_free(c);
    cJSON_Delete(root);
    vt_free(text);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Writer
*/
static void write_array(vt_text *out, const double v[3])
{
    char a[32], b[32], c[32];
    vt_shortest(v[0], a);
    vt_shortest(v[1], b);
    vt_shortest(v[2], c);
    vt_text_printf(out, "[%s, %s, %s]", a, b, c);
}

static void write_lattice(vt_text *out, const vt_cell *c)
{
    double par[7];
    static const char *const names[7] = {"a", "b", "c", "alpha", "beta", "gamma", "volume"};
    vt_lattice_parameters(c->lattice, par);
    par[6] = vt_cell_volume(c);
    vt_text_printf(out, "\"lattice\": {\"matrix\": [");
    for (int i = 0; i < 3; i++) {
        write_array(out, c->lattice[i]);
        vt_text_printf(out, "%s", i < 2 ? ", " : "], \"pbc\": [true, true, true]");
    }
    for (int i = 0; i < 7; i++) {
        char num[32];
        vt_shortest(par[i], num);
        vt_text_printf(out, ", \"%s\": %s", names[i], num);
    }
    vt_text_printf(out, "},\n");
}

static void write_site(vt_text *out, const vt_cell *c, const double inv[3][3], size_t i)
{
    const char *sym = vt_element_by_Z(c->Z[i])->symbol;
    double f[3];
    vt_cart_to_frac(inv, c->pos[i], f);
    vt_text_printf(out, "  {\"species\": [{\"element\": \"%s\", \"occu\": 1}], \"abc\": ", sym);
    write_array(out, f);
    vt_text_printf(out, ", \"xyz\": ");
    write_array(out, c->pos[i]);
    vt_text_printf(out, ", \"label\": \"%s\", \"properties\": {", sym);
    if (c->vel) {
        vt_text_printf(out, "\"velocities\": ");
        write_array(out, c->vel[i]);
    }
    vt_text_printf(out, "}}%s\n", i + 1 < c->n_atoms ? "," : "");
}

vt_status vt_pmgjson_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    (void)n_frames;
    const vt_cell *c = frames[0];
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    for (size_t i = 0; i < c->n_atoms; i++) {
        if (!vt_element_by_Z(c->Z[i])) VT_FAIL(VT_EINVAL, "atom %zu has Z = %d, no element", i + 1, c->Z[i]);
        if (!isfinite(c->pos[i][0] + c->pos[i][1] + c->pos[i][2]) ||
            (c->vel && !isfinite(c->vel[i][0] + c->vel[i][1] + c->vel[i][2])))
            VT_FAIL(VT_EINVAL, "atom %zu: position or velocity not finite (JSON has no NaN)", i + 1);
    }
    vt_text_printf(out,
                   "{\"@module\": \"pymatgen.core.structure\", \"@class\": \"Structure\", \"charge\": 0,\n");
    write_lattice(out, c);
    vt_text_printf(out, "\"sites\": [\n");
    for (size_t i = 0; i < c->n_atoms; i++) write_site(out, c, inv, i);
    vt_text_printf(out, "]}\n");
    return VT_OK;
}
