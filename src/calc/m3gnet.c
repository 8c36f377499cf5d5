/*
** m3gnet.c - the M3GNet universal potential as a vitrum back end (--calc m3gnet[:OPTIONS]).
**   Models (C. Chen and S. P. Ong, Nat. Comput. Sci. 2, 718 (2022)), shipped in models/ (BSD-3):
**   M3GNet-MP-2021.2.8-PES of matgl (the default) and MP-2021.2.8-EFS of the original TensorFlow
**   m3gnet package (the one of Zheng et al. 2024); how they compute: m3gnet_net.h, m3gnet_graph.c.
**   OPTIONS, comma-separated (docs/m3gnet.md):
**     DIR | dir=DIR          model folder; default $VITRUM_M3GNET_DIR, else the shipped PES model
**     model=pes|efs          a shipped model: pes (matgl's, the default) | efs (TF m3gnet's)
**     indexing=consistent    three-body indexing (default) | matgl: matgl's own (compatibility)
**     precision=float        float weights and activations, double sums (default) | double
**     threads=N              threads per evaluation (default: online CPUs, at most 64)
**     skin=A                 Verlet skin of the neighbour list, Angstrom (default 1)
**   Results: energy eV, forces eV/A = -dE/dr, stress GPa = (1/V) dE/d(strain), L' = L (I + eps)
**   (ASE's sign), all from the bond-vector gradient dE/dr_b of the network's backward pass:
**       F_i = sum_{b = i->j} dE/dr_b - sum_{b = j->i} dE/dr_b,  sigma = (1/V) sum_b r_b (x) dE/dr_b
**   OpenBLAS is set to one thread per call: this back end runs its own threads around it.
**   Tests: tests/calc/test_m3gnet.c.  Bench: bench/m3gnet.sh.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calc/calc.h"
#include "calc/m3gnet.h"
#include "core/error.h"
#include "io/text.h"

#ifndef VT_M3GNET_MODELS_DIR
#define VT_M3GNET_MODELS_DIR "models"
#endif
#define VT_M3GNET_DEFAULT_DIR VT_M3GNET_MODELS_DIR "/m3gnet-mp-2021.2.8-pes"
#define VT_M3GNET_EFS_DIR VT_M3GNET_MODELS_DIR "/m3gnet-mp-2021.2.8-efs"

void openblas_set_num_threads(int num_threads); /* OpenBLAS extension (cblas.h of openblas) */

typedef struct m3g_state {
    char dir[4096];
    int matgl_indexing;
    int is_double;
    int threads;
    double skin_A;
    m3g_model *model;
    const m3g_net_api *api;
    void *net;
    vt_nlist *nl;
    m3g_graph graph;
    double (*grad_r)[3];
    size_t cap_grad;
} m3g_state;

static void m3g_free(void *p)
{
    m3g_state *s = p;
    if (!s) return;
    if (s->net) s->api->destroy(s->net);
    m3g_model_free(s->model);
    vt_nlist_free(s->nl);
    m3g_graph_clear(&s->graph);
    vt_free(s->grad_r);
    vt_free(s);
}

static vt_status m3g_compute(void *p, const vt_cell *c, vt_calc_result *r)
{
    m3g_state *s = p;
    VT_TRY(vt_nlist_update(s->nl, c, NULL));
    VT_TRY(m3g_graph_build(&s->graph, s->model, c, s->nl, s->matgl_indexing));
    const m3g_graph *g = &s->graph;
    if (g->n_bonds > s->cap_grad) {
        size_t cap = g->n_bonds + g->n_bonds / 4;
        void *q = vt_realloc(s->grad_r, cap * sizeof *s->grad_r);
        if (!q) VT_FAIL(VT_ENOMEM, "m3gnet: out of memory");
        s->grad_r = q;
        s->cap_grad = cap;
    }
    m3g_eval e = {.g = g, .n_threads = s->threads, .grad_r = s->grad_r,
                  .want_grad = r->forces != NULL || r->want_stress};
    VT_TRY(s->api->evaluate(s->net, &e));
    r->energy_eV = e.energy_eV;
    if (!e.want_grad) return VT_OK;
    double W[3][3] = {{0}};
    if (r->forces) memset(r->forces, 0, c->n_atoms * sizeof *r->forces);
    for (size_t b = 0; b < g->n_bonds; b++) {
        const double *gb = s->grad_r[b];
        if (r->forces)
            for (int x = 0; x < 3; x++) {
                r->forces[g->src[b]][x] += gb[x];
                r->forces[g->dst[b]][x] -= gb[x];
            }
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++) W[x][y] += g->r[b][x] * gb[y];
    }
    if (r->want_stress) {
        double scale = VT_EV_PER_A3_IN_GPA / vt_lattice_volume(c->lattice);
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++) r->stress_GPa[x][y] = 0.5 * (W[x][y] + W[y][x]) * scale;
    }
    return VT_OK;
}

static const vt_calc_ops m3g_ops = {.name = "m3gnet", .compute = m3g_compute, .free = m3g_free};

/* One OPTIONS item (NUL-terminated, modified in place). */
static vt_status parse_item(m3g_state *s, char *item, int first)
{
    char *eq = strchr(item, '=');
    if (!eq) {
        if (!first) VT_FAIL(VT_EINVAL, "--calc m3gnet: '%s': expected key=value (dir, model, indexing, precision, threads, skin)", item);
        eq = item - 1; /* a bare first item is the model folder */
    } else {
        *eq = '\0';
    }
    const char *key = eq == item - 1 ? "dir" : item, *val = eq + 1;
    char *end = NULL;
    if (strcmp(key, "dir") == 0) {
        if (!*val || strlen(val) >= sizeof s->dir) VT_FAIL(VT_EINVAL, "--calc m3gnet: dir: empty or too long");
        strcpy(s->dir, val);
    } else if (strcmp(key, "model") == 0) {
        if (strcmp(val, "pes") && strcmp(val, "efs"))
            VT_FAIL(VT_EINVAL, "--calc m3gnet: model: expected pes (matgl) or efs (TF m3gnet), got '%s'", val);
        snprintf(s->dir, sizeof s->dir, "%s", strcmp(val, "efs") == 0 ? VT_M3GNET_EFS_DIR : VT_M3GNET_DEFAULT_DIR);
    } else if (strcmp(key, "indexing") == 0) {
        if (strcmp(val, "consistent") && strcmp(val, "matgl"))
            VT_FAIL(VT_EINVAL, "--calc m3gnet: indexing: expected consistent or matgl, got '%s'", val);
        s->matgl_indexing = strcmp(val, "matgl") == 0;
    } else if (strcmp(key, "precision") == 0) {
        if (strcmp(val, "float") && strcmp(val, "double"))
            VT_FAIL(VT_EINVAL, "--calc m3gnet: precision: expected float or double, got '%s'", val);
        s->is_double = strcmp(val, "double") == 0;
    } else if (strcmp(key, "threads") == 0) {
        long v = strtol(val, &end, 10);
        if (!*val || *end || v < 1 || v > 64) VT_FAIL(VT_EINVAL, "--calc m3gnet: threads: expected 1..64, got '%s'", val);
        s->threads = (int)v;
    } else if (strcmp(key, "skin") == 0) {
        double v = strtod(val, &end);
        if (!*val || *end || !(v >= 0 && v <= 10)) VT_FAIL(VT_EINVAL, "--calc m3gnet: skin: expected 0..10 A, got '%s'", val);
        s->skin_A = v;
    } else {
        VT_FAIL(VT_EINVAL, "--calc m3gnet: unknown option '%s' (dir, model, indexing, precision, threads, skin)", key);
    }
    return VT_OK;
}

static vt_status parse_options(m3g_state *s, const char *arg)
{
    const char *env = getenv("VITRUM_M3GNET_DIR");
    snprintf(s->dir, sizeof s->dir, "%s", env && *env ? env : VT_M3GNET_DEFAULT_DIR);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s->threads = cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus;
    s->skin_A = 1.0;
    if (!arg || !*arg) return VT_OK;
    char *copy = vt_strdup(arg);
    if (!copy) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    vt_status st = VT_OK;
    int first = 1;
    for (char *item = copy, *next; item && st == VT_OK; item = next, first = 0) {
        next = strchr(item, ',');
        if (next) *next++ = '\0';
        st = parse_item(s, item, first);
    }
    vt_free(copy);
    return st;
}

static vt_status settings_text(const m3g_state *s, char **out)
{
    vt_text t = {0};
    vt_text_printf(&t, "m3gnet (M3GNet universal potential, Chen & Ong, Nat. Comput. Sci. 2, 718 (2022))\n");
    vt_text_printf(&t, "%s", s->model->provenance);
    if (s->model->variant == M3G_TF) vt_text_printf(&t, "variant = m3gnet-tf (the TensorFlow m3gnet model)\n");
    vt_text_printf(&t, "indexing = %s\nprecision = %s\nthreads = %d\nskin_A = %.17g\n",
                   s->matgl_indexing ? "matgl" : "consistent", s->api->precision, s->threads, s->skin_A);
    if (t.is_oom) {
        vt_text_clear(&t);
        VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    }
    *out = t.p;
    return VT_OK;
}

vt_status vt_calc_open_m3gnet(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    *state = NULL;
    *settings = NULL;
    m3g_state *s = vt_calloc(1, sizeof *s);
    if (!s) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    vt_status st = parse_options(s, arg);
    if (st == VT_OK) st = m3g_model_load(s->dir, &s->model);
    if (st == VT_OK && s->matgl_indexing && s->model->variant != M3G_MATGL)
        st = vt_err_set_(VT_EINVAL, "--calc m3gnet: indexing=matgl reproduces matgl's own indexing; %s is not a matgl model",
                         s->dir);
    if (st == VT_OK) {
        s->api = s->is_double ? &m3g_net_f64 : &m3g_net_f32;
        st = s->api->create(s->model, &s->net);
    }
    if (st == VT_OK) st = vt_nlist_new(s->model->cutoff_A, s->skin_A, 1, &s->nl);
    if (st == VT_OK) st = settings_text(s, settings);
    if (st != VT_OK) {
        m3g_free(s);
        return st;
    }
    openblas_set_num_threads(1);
    *ops = &m3g_ops;
    *state = s;
    return VT_OK;
}
