/*
** m3gnet_load.c - load a pretrained M3GNet potential: DIR/model.json (matgl's architecture record),
** DIR/weights.json (name, dtype, shape, offset, nbytes of every tensor) and DIR/weights.bin (the
** tensors, raw little-endian float32, PyTorch's row-major layout: a Linear weight is [out][in]).
** model.json is either matgl's record or vitrum's record of the TensorFlow m3gnet model ("variant":
** "m3gnet-tf", written by tools/m3gnet_tf_convert.py with matgl's tensor names; m3gnet.h lists
** what the variant changes).
** The architecture is derived from model.json's hyperparameters (n_blocks, units, element list);
** the settings this code does not implement (smooth or phi bases, state features, intensive
** readout, other activations or basis sizes) are VT_ENOTSUP. Then every tensor the architecture
** needs must appear exactly once in weights.json with dtype f32 and the expected shape, inside
** weights.bin, and no other tensor may appear: anything else is VT_EPARSE naming the file and the
** tensor. The FNV-1a 64 hash of each file goes into the provenance text.
** Tests: tests/calc/test_m3gnet.c (damaged copies of the files).
*/
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calc/m3gnet.h"
#include "core/error.h"
#include "io/text.h"

#define MAX_JSON_BYTES (16u << 20)
#define MAX_BIN_BYTES (1u << 30)
#define MAX_TENSORS 512

/* A file's bytes (NUL-terminated) and its FNV-1a 64 hash. */
static vt_status read_all(const char *path, size_t max, char **buf, size_t *n, uint64_t *hash)
{
    *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "--calc m3gnet: %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *p = vt_malloc(cap + 1);
    while (p) {
        if (len == cap) {
            if (cap >= max) break;
            char *q = vt_realloc(p, 2 * cap + 1);
            if (!q) {
                vt_free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!p) VT_FAIL(VT_ENOMEM, "--calc m3gnet: %s: out of memory", path);
    if (err || len > max) {
        vt_free(p);
        if (err) VT_FAIL(VT_EIO, "--calc m3gnet: %s: read error", path);
        VT_FAIL(VT_EPARSE, "--calc m3gnet: %s: larger than %zu bytes", path, max);
    }
    p[len] = '\0';
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) x = (x ^ (unsigned char)p[i]) * 1099511628211ull;
    *buf = p;
    *n = len;
    *hash = x;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** model.json: hyperparameters and element list
*/
static vt_status need(const cJSON *o, const char *key, const char *path, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!*out) VT_FAIL_AT(VT_EPARSE, path, 0, key, "missing");
    return VT_OK;
}

static vt_status need_int(const cJSON *o, const char *key, const char *path, int lo, int hi, int *v)
{
    const cJSON *x;
    VT_TRY(need(o, key, path, &x));
    if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < lo || x->valuedouble > hi)
        VT_FAIL_AT(VT_ENOTSUP, path, 0, key, "expected an integer in %d..%d", lo, hi);
    *v = (int)x->valuedouble;
    return VT_OK;
}

/* A setting that must have one value (this code implements only that one). */
static vt_status need_value(const cJSON *o, const char *key, const char *path, const char *want)
{
    const cJSON *x;
    VT_TRY(need(o, key, path, &x));
    char *text = cJSON_PrintUnformatted(x);
    if (!text) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    int ok = strcmp(text, want) == 0;
    vt_free(text);
    if (!ok) VT_FAIL_AT(VT_ENOTSUP, path, 0, key, "only %s is supported", want);
    return VT_OK;
}

typedef struct fixed_value {
    const char *key, *value;
} fixed_value;

static vt_status need_values(const cJSON *o, const char *path, const fixed_value *f, size_t n)
{
    for (size_t i = 0; i < n; i++) VT_TRY(need_value(o, f[i].key, path, f[i].value));
    return VT_OK;
}

static vt_status parse_cutoffs(m3g_model *m, const cJSON *args, const char *path)
{
    const char *keys[2] = {"cutoff", "threebody_cutoff"};
    double *cut[2] = {&m->cutoff_A, &m->cutoff3_A};
    for (int i = 0; i < 2; i++) {
        const cJSON *x;
        VT_TRY(need(args, keys[i], path, &x));
        if (!cJSON_IsNumber(x) || !(x->valuedouble > 0 && x->valuedouble <= 20))
            VT_FAIL_AT(VT_EPARSE, path, 0, keys[i], "expected a cutoff in (0, 20] A");
        *cut[i] = x->valuedouble;
    }
    if (m->cutoff3_A > m->cutoff_A) VT_FAIL_AT(VT_EPARSE, path, 0, "threebody_cutoff", "larger than cutoff");
    return VT_OK;
}

/* The architecture flags of each variant (m3gnet.h, docs/m3gnet.md). */
static void set_variant(m3g_model *m, m3g_variant v)
{
    m->variant = v;
    m->smooth_rbf = m->silu_node_rbf = m->msg_to_src = v == M3G_TF;
    m->n_rbf = v == M3G_TF ? M3G_N_SMOOTH : M3G_N_BASIS;
    m->cos_eps = v == M3G_TF ? 0.0 : 1e-7; /* TF clips cos to [-1, 1], matgl to +-(1 - 1e-7) */
}

/* matgl's record: kwargs.model.init_args, the element order in element_types. */
static vt_status parse_matgl(m3g_model *m, const cJSON *root, const char *path)
{
    const cJSON *kw, *model, *args, *types, *x;
    VT_TRY(need(root, "kwargs", path, &kw));
    VT_TRY(need(kw, "model", path, &model));
    VT_TRY(need(model, "init_args", path, &args));
    VT_TRY(need(model, "@class", path, &x));
    if (!cJSON_IsString(x) || strcmp(x->valuestring, "M3GNet") != 0)
        VT_FAIL_AT(VT_ENOTSUP, path, 0, "@class", "expected an M3GNet model");
    static const fixed_value fixed[] = {
        {"max_n", "3"}, {"max_l", "3"}, {"rbf_type", "\"SphericalBessel\""}, {"use_smooth", "false"},
        {"use_phi", "false"}, {"include_state", "false"}, {"is_intensive", "false"},
        {"activation_type", "\"swish\""}, {"ntargets", "1"}, {"dim_state_embedding", "0"},
        {"task_type", "\"regression\""},
    };
    VT_TRY(need_values(args, path, fixed, sizeof fixed / sizeof fixed[0]));
    int dn = 0, de = 0;
    VT_TRY(need_int(args, "nblocks", path, 1, M3G_MAX_BLOCKS, &m->n_blocks));
    VT_TRY(need_int(args, "units", path, 16, 1024, &m->units));
    VT_TRY(need_int(args, "dim_node_embedding", path, 1, 4096, &dn));
    VT_TRY(need_int(args, "dim_edge_embedding", path, 1, 4096, &de));
    if (dn != m->units || de != m->units) VT_FAIL_AT(VT_ENOTSUP, path, 0, "units", "embedding widths must equal units");
    VT_TRY(parse_cutoffs(m, args, path));
    VT_TRY(need(args, "element_types", path, &types));
    int n = cJSON_GetArraySize(types);
    if (!cJSON_IsArray(types) || n < 1 || n > VT_MAX_Z)
        VT_FAIL_AT(VT_EPARSE, path, 0, "element_types", "expected 1..%d element symbols", VT_MAX_Z);
    m->n_types = n;
    for (int t = 0; t < n; t++) {
        const cJSON *e = cJSON_GetArrayItem(types, t);
        const vt_element *el = cJSON_IsString(e) ? vt_element_by_symbol(e->valuestring) : NULL;
        if (!el || m->type_of_Z[el->Z] >= 0)
            VT_FAIL_AT(VT_EPARSE, path, 0, "element_types", "entry %d: unknown or repeated element", t);
        m->type_of_Z[el->Z] = t;
        m->Z_of_type[t] = el->Z;
    }
    set_variant(m, M3G_MATGL);
    return VT_OK;
}

/* vitrum's record of the TF model (tools/m3gnet_tf_convert.py): "variant": "m3gnet-tf" and
 * "config", the TF m3gnet.json's config. Elements Z = 1..n_atom_types, type Z - 1. */
static vt_status parse_tf(m3g_model *m, const cJSON *root, const char *path)
{
    const cJSON *cfg;
    VT_TRY(need(root, "config", path, &cfg));
    static const fixed_value fixed[] = {
        {"max_n", "3"}, {"max_l", "3"}, {"include_states", "false"}, {"readout", "\"weighted_atom\""},
        {"task_type", "\"regression\""}, {"is_intensive", "false"},
    };
    VT_TRY(need_values(cfg, path, fixed, sizeof fixed / sizeof fixed[0]));
    VT_TRY(need_int(cfg, "n_blocks", path, 1, M3G_MAX_BLOCKS, &m->n_blocks));
    VT_TRY(need_int(cfg, "units", path, 16, 1024, &m->units));
    VT_TRY(need_int(cfg, "n_atom_types", path, 1, VT_MAX_Z, &m->n_types));
    VT_TRY(parse_cutoffs(m, cfg, path));
    for (int t = 0; t < m->n_types; t++) {
        m->type_of_Z[t + 1] = t;
        m->Z_of_type[t] = t + 1;
    }
    set_variant(m, M3G_TF);
    return VT_OK;
}

static vt_status parse_model_json(m3g_model *m, const char *path, const char *text)
{
    cJSON *root = cJSON_Parse(text);
    if (!root) VT_FAIL_AT(VT_EPARSE, path, 0, NULL, "not valid JSON");
    for (int z = 0; z <= VT_MAX_Z; z++) m->type_of_Z[z] = m->Z_of_type[z] = -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "variant");
    vt_status s;
    if (!v) s = parse_matgl(m, root, path);
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "m3gnet-tf") == 0) s = parse_tf(m, root, path);
    else s = vt_err_at_(VT_ENOTSUP, path, 0, "variant", "expected \"m3gnet-tf\" (or no variant: matgl's record)");
    cJSON_Delete(root);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** The tensors the architecture needs
*/
typedef struct want {
    char name[112];
    int ndim, shape[2];
    const float **dest;
    int seen;
} want;

typedef struct wants {
    want w[MAX_TENSORS];
    int n;
} wants;

static void add(wants *ws, const float **dest, int ndim, int d0, int d1, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void add(wants *ws, const float **dest, int ndim, int d0, int d1, const char *fmt, ...)
{
    want *w = &ws->w[ws->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->name, sizeof w->name, fmt, ap);
    va_end(ap);
    w->ndim = ndim;
    w->shape[0] = d0;
    w->shape[1] = d1;
    w->dest = dest;
    w->seen = 0;
}

/* matgl's GatedMLP under prefix: "layers.<2l>" and "gates.<2l>" Linear layers. */
static void add_gated(wants *ws, m3g_gated *gm, int n_layers, const int *dim, int last_silu, const char *prefix)
{
    gm->n_layers = n_layers;
    gm->last_silu = last_silu;
    for (int l = 0; l <= n_layers; l++) gm->dim[l] = dim[l];
    for (int l = 0; l < n_layers; l++) {
        add(ws, &gm->wa[l], 2, dim[l + 1], dim[l], "%s.layers.%d.weight", prefix, 2 * l);
        add(ws, &gm->ba[l], 1, dim[l + 1], 0, "%s.layers.%d.bias", prefix, 2 * l);
        add(ws, &gm->wb[l], 2, dim[l + 1], dim[l], "%s.gates.%d.weight", prefix, 2 * l);
        add(ws, &gm->bb[l], 1, dim[l + 1], 0, "%s.gates.%d.bias", prefix, 2 * l);
    }
}

/* scalars[0..3]: data_mean, data_std and the two basis cutoffs, read once the blob is in place;
 * scalars[4]: matgl's one-hot table of the element references (a fitting aid, unused). The TF
 * variant has K2 = 3 two-body inputs, no edge-embedding bias, 2-layer convolution MLPs and a
 * 3-layer readout (docs/m3gnet.md). */
static void list_tensors(m3g_model *m, wants *ws, const float *scalars[5])
{
    const int F = m->units, K = M3G_N_BASIS, K2 = m->n_rbf, NT = m->n_types, tf = m->variant == M3G_TF;
    add(ws, &scalars[0], 0, 0, 0, "data_mean");
    add(ws, &scalars[1], 0, 0, 0, "data_std");
    add(ws, &scalars[2], 0, 0, 0, "model.bond_expansion.rbf.cutoff");
    add(ws, &scalars[3], 0, 0, 0, "model.basis_expansion.sbf.cutoff");
    add(ws, &m->node_embed, 2, NT, F, "model.embedding.layer_node_embedding.weight");
    add(ws, &m->edge_embed_w, 2, F, K2, "model.embedding.layer_edge_embedding.layers.0.weight");
    if (!tf) add(ws, &m->edge_embed_b, 1, F, 0, "model.embedding.layer_edge_embedding.layers.0.bias");
    const int conv[4] = {3 * F, F, F, F}, conv_layers = tf ? 2 : 3;
    for (int b = 0; b < m->n_blocks; b++) {
        m3g_block *bl = &m->block[b];
        const char *tb = "model.three_body_interactions";
        add(ws, &bl->atom_w, 2, K, F, "%s.%d.update_network_atom.layers.0.weight", tb, b);
        add(ws, &bl->atom_b, 1, K, 0, "%s.%d.update_network_atom.layers.0.bias", tb, b);
        add(ws, &bl->bond_w, 2, F, K, "%s.%d.update_network_bond.layers.0.weight", tb, b);
        add(ws, &bl->bond_g, 2, F, K, "%s.%d.update_network_bond.gates.0.weight", tb, b);
        char prefix[96];
        snprintf(prefix, sizeof prefix, "model.graph_layers.%d.conv.edge_update_func", b);
        add_gated(ws, &bl->edge, conv_layers, conv, 1, prefix);
        snprintf(prefix, sizeof prefix, "model.graph_layers.%d.conv.node_update_func", b);
        add_gated(ws, &bl->node, conv_layers, conv, 1, prefix);
        add(ws, &bl->edge_rbf_w, 2, F, K2, "model.graph_layers.%d.conv.edge_weight_func.weight", b);
        add(ws, &bl->node_rbf_w, 2, F, K2, "model.graph_layers.%d.conv.node_weight_func.weight", b);
    }
    const int ro_layers = tf ? 3 : 4;
    int ro[5] = {F, F, F, F, F};
    ro[ro_layers] = 1;
    add_gated(ws, &m->readout, ro_layers, ro, 0, "model.final_layer.gated");
    add(ws, &m->ref_eV, 1, NT, 0, "element_refs.property_offset");
    if (!tf) add(ws, &scalars[4], 2, NT, NT, "element_refs.onehot");
}

static vt_status shape_text_check(const want *w, const cJSON *shape, const char *path)
{
    int n = cJSON_GetArraySize(shape);
    int ok = cJSON_IsArray(shape) && n == w->ndim;
    for (int i = 0; ok && i < n; i++) {
        const cJSON *d = cJSON_GetArrayItem(shape, i);
        ok = cJSON_IsNumber(d) && d->valuedouble == w->shape[i];
    }
    if (!ok) {
        char text[48];
        if (w->ndim == 0) snprintf(text, sizeof text, "[] (a scalar)");
        else if (w->ndim == 1) snprintf(text, sizeof text, "[%d]", w->shape[0]);
        else snprintf(text, sizeof text, "[%d, %d]", w->shape[0], w->shape[1]);
        VT_FAIL_AT(VT_EPARSE, path, 0, w->name, "expected shape %s", text);
    }
    return VT_OK;
}

/* Check one weights.json entry against the wanted list and point its destination into the blob. */
static vt_status take_tensor(wants *ws, const cJSON *t, const char *path, const float *blob, size_t bin_bytes,
                             const char *bin_path)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(t, "offset");
    const cJSON *nb = cJSON_GetObjectItemCaseSensitive(t, "nbytes");
    if (!cJSON_IsString(name) || !dtype || !shape || !cJSON_IsNumber(off) || !cJSON_IsNumber(nb))
        VT_FAIL_AT(VT_EPARSE, path, 0, "tensors", "an entry lacks name, dtype, shape, offset or nbytes");
    want *w = NULL;
    for (int i = 0; i < ws->n && !w; i++)
        if (strcmp(ws->w[i].name, name->valuestring) == 0) w = &ws->w[i];
    if (!w) VT_FAIL_AT(VT_EPARSE, path, 0, name->valuestring, "tensor not part of the architecture");
    if (w->seen) VT_FAIL_AT(VT_EPARSE, path, 0, name->valuestring, "tensor listed twice");
    if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "f32") != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, w->name, "expected dtype f32");
    VT_TRY(shape_text_check(w, shape, path));
    double count = w->ndim == 0 ? 1 : w->ndim == 1 ? w->shape[0] : (double)w->shape[0] * w->shape[1];
    double o = off->valuedouble;
    if (nb->valuedouble != 4 * count)
        VT_FAIL_AT(VT_EPARSE, path, 0, w->name, "nbytes %.0f does not match the shape (%.0f)", nb->valuedouble, 4 * count);
    if (!(o >= 0) || o != floor(o) || fmod(o, 4) != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, w->name, "offset must be a multiple of 4 bytes");
    if (o + 4 * count > (double)bin_bytes)
        VT_FAIL_AT(VT_EPARSE, bin_path, 0, w->name, "file truncated: tensor ends at byte %.0f, file has %zu",
                   o + 4 * count, bin_bytes);
    *w->dest = blob + (size_t)o / 4;
    w->seen = 1;
    return VT_OK;
}

static vt_status parse_weights(m3g_model *m, const char *path, const char *text, const char *bin_path,
                               size_t bin_bytes)
{
    const float *scalars[5] = {NULL, NULL, NULL, NULL, NULL};
    wants *ws = vt_calloc(1, sizeof *ws);
    if (!ws) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    list_tensors(m, ws, scalars);
    cJSON *root = cJSON_Parse(text);
    vt_status s = VT_OK;
    const cJSON *tensors = root ? cJSON_GetObjectItemCaseSensitive(root, "tensors") : NULL;
    if (!root) s = vt_err_at_(VT_EPARSE, path, 0, NULL, "not valid JSON");
    else if (!cJSON_IsArray(tensors)) s = vt_err_at_(VT_EPARSE, path, 0, "tensors", "missing or not a list");
    for (const cJSON *t = tensors ? tensors->child : NULL; t && s == VT_OK; t = t->next)
        s = take_tensor(ws, t, path, m->blob, bin_bytes, bin_path);
    for (int i = 0; i < ws->n && s == VT_OK; i++)
        if (!ws->w[i].seen) s = vt_err_at_(VT_EPARSE, path, 0, ws->w[i].name, "tensor missing");
    if (s == VT_OK) {
        m->data_mean_eV = *scalars[0];
        m->data_std_eV = *scalars[1];
        if (*scalars[2] != (float)m->cutoff_A || *scalars[3] != (float)m->cutoff_A)
            s = vt_err_at_(VT_EPARSE, path, 0, "model.bond_expansion.rbf.cutoff", "differs from model.json's cutoff");
        else if (!isfinite(m->data_std_eV) || !isfinite(m->data_mean_eV))
            s = vt_err_at_(VT_EPARSE, bin_path, 0, "data_std", "not finite");
    }
    cJSON_Delete(root);
    vt_free(ws);
    return s;
}

static int little_endian(void)
{
    const uint32_t one = 1;
    return *(const unsigned char *)&one == 1;
}

vt_status m3g_model_load(const char *dir, m3g_model **out)
{
    *out = NULL;
    if (!little_endian()) VT_FAIL(VT_ENOTSUP, "--calc m3gnet: weights.bin is little-endian; this host is not");
    m3g_model *m = vt_calloc(1, sizeof *m);
    if (!m) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    const char *names[3] = {"model.json", "weights.json", "weights.bin"};
    char path[3][4096];
    char *buf[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    uint64_t hash[3] = {0, 0, 0};
    vt_status s = VT_OK;
    for (int i = 0; i < 3 && s == VT_OK; i++) {
        if ((size_t)snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]) >= sizeof path[i])
            s = vt_err_set_(VT_EINVAL, "--calc m3gnet: model folder path too long");
        else
            s = read_all(path[i], i == 2 ? MAX_BIN_BYTES : MAX_JSON_BYTES, &buf[i], &len[i], &hash[i]);
    }
    if (s == VT_OK) s = parse_model_json(m, path[0], buf[0]);
    if (s == VT_OK) {
        m->blob = (float *)(void *)buf[2]; /* vt_malloc'd: aligned for float */
        buf[2] = NULL;
        s = parse_weights(m, path[1], buf[1], path[2], len[2]);
    }
    if (s == VT_OK) {
        vt_text t = {0};
        vt_text_printf(&t, "model_dir = %s\n", dir);
        for (int i = 0; i < 3; i++)
            vt_text_printf(&t, "# %s: %zu bytes, FNV-1a 64 %016llx\n", names[i], len[i], (unsigned long long)hash[i]);
        if (t.is_oom) {
            vt_text_clear(&t);
            s = vt_err_set_(VT_ENOMEM, "--calc m3gnet: out of memory");
        }
        m->provenance = t.p;
    }
    for (int i = 0; i < 3; i++) vt_free(buf[i]);
    if (s != VT_OK) {
        m3g_model_free(m);
        return s;
    }
    *out = m;
    return VT_OK;
}

void m3g_model_free(m3g_model *m)
{
    if (!m) return;
    vt_free(m->blob);
    vt_free(m->provenance);
    vt_free(m);
}
