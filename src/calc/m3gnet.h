/* m3gnet.h - internal: the M3GNet universal potential (Chen & Ong, Nat. Comput. Sci. 2, 718 (2022)).
** Four parts, one file each:
**   m3gnet_load.c    weights + architecture record -> m3g_model (every tensor checked)
**   m3gnet_graph.c   cell + neighbour list -> m3g_graph: bonds (5 A), triplets (4 A), bases
**   m3gnet_net.h     the network, forward and hand-written backward; a template compiled twice,
**                    by m3gnet_f32.c (float, the production path) and m3gnet_f64.c (double)
**   m3gnet.c         the calculator back end (--calc m3gnet[:OPTIONS]), threads, provenance
** Docs: docs/m3gnet.md. Tests: tests/calc/test_m3gnet.c. Bench: bench/m3gnet.sh.
*/
#ifndef VT_CALC_M3GNET_H
#define VT_CALC_M3GNET_H
#include <stddef.h>
#include <stdint.h>

#include "vitrum.h"

#define M3G_MAX_BLOCKS 8
#define M3G_N_BASIS 9 /* max_n * max_l = 3 * 3: radial index l * 3 + n */
#define M3G_N_SMOOTH 3 /* max_n: the smooth two-body basis of the TF model */

/* Two models share this code (docs/m3gnet.md): matgl's M3GNet-MP-2021.2.8-PES (the default) and
 * the original TensorFlow m3gnet's MP-2021.2.8-EFS, which differs in the flags of m3g_model. */
typedef enum m3g_variant { M3G_MATGL = 0, M3G_TF = 1 } m3g_variant;

/* A gated MLP as matgl's GatedMLP: out = A(x) * B(x), both paths with the same layer sizes; path A
 * ("layers") has SiLU after every layer (the last one only when last_silu), path B ("gates") SiLU
 * after every layer but the last, which has a sigmoid. Weights are PyTorch's [out][in], borrowed
 * from the model's blob. */
typedef struct m3g_gated {
    int n_layers;
    int dim[5];            /* dim[0] input, dim[l + 1] output of layer l */
    int last_silu;         /* path A: SiLU after the last layer too */
    const float *wa[4], *ba[4], *wb[4], *bb[4];
} m3g_gated;

/* One M3GNet block (three-body update, then the gated graph convolution). */
typedef struct m3g_block {
    const float *atom_w, *atom_b; /* [K][F], [K]: sigmoid(W v + b), weights of each neighbour k */
    const float *bond_w, *bond_g; /* [F][K] each, no bias: e += SiLU(W1 t) * sigmoid(W2 t) */
    m3g_gated edge, node;         /* 3F -> F -> F -> F on [v_i, v_j, e] (TF: 3F -> F -> F) */
    const float *edge_rbf_w;      /* [F][K2], no bias: the edge update is G_e(...) * (W rbf) */
    const float *node_rbf_w;      /* [F][K2], no bias: messages G_v(...) * (W rbf), TF: * SiLU(W rbf) */
} m3g_block;

typedef struct m3g_model {
    m3g_variant variant;
    /* What the variant changes (set by the loader; matgl / TF): */
    int smooth_rbf;            /* two-body basis: the 9 spherical Bessel functions (0) / 3 smooth ones (1) */
    int n_rbf;                 /* K2, two-body basis functions: 9 / 3 */
    int silu_node_rbf;         /* messages G_v * (W_v rbf) (0) / G_v * SiLU(W_v rbf) (1) */
    int msg_to_src;            /* messages of bond i -> j summed onto j (0) / onto i (1) */
    double cos_eps;            /* cos(theta) clamped to +-(1 - cos_eps): 1e-7 / 0 */
    int n_blocks;
    int units;                 /* F, width of atom and bond features (64) */
    int n_types;               /* elements the model covers (89; TF: 94, type = Z - 1) */
    double cutoff_A;           /* two-body cutoff (5 A), also the cutoff of the radial basis */
    double cutoff3_A;          /* three-body cutoff (4 A) */
    double data_std_eV;        /* E = data_std * sum_i readout(v_i) + data_mean + sum_i ref */
    double data_mean_eV;
    int type_of_Z[VT_MAX_Z + 1];   /* model type index of an element, -1: not covered */
    int Z_of_type[VT_MAX_Z + 1];
    const float *ref_eV;       /* [n_types] element reference energies, eV */
    const float *node_embed;   /* [n_types][F] */
    const float *edge_embed_w, *edge_embed_b; /* [F][K2], [F]: e = SiLU(W rbf + b); TF: no b (NULL) */
    m3g_block block[M3G_MAX_BLOCKS];
    m3g_gated readout;         /* F -> F -> F -> F -> 1 (TF: F -> F -> F -> 1), path A linear last */
    float *blob;               /* every tensor, as read from weights.bin (owned) */
    char *provenance;          /* files and their FNV-1a 64 hashes, one per line (owned) */
} m3g_model;

/* Load DIR/model.json, DIR/weights.json and DIR/weights.bin. Every tensor's name, dtype ("f32")
 * and shape is checked against the architecture the hyperparameters of model.json imply;
 * missing, extra, misshapen or truncated tensors and unsupported settings are VT_EPARSE (or
 * VT_ENOTSUP) naming the file and the tensor. */
vt_status m3g_model_load(const char *dir, m3g_model **out);
void m3g_model_free(m3g_model *m);

/* The graph of one structure. Geometry in double precision, Angstrom. */
typedef struct m3g_graph {
    size_t n_atoms, n_bonds, n_triplets;
    size_t *bond_start;        /* [n_atoms + 1]: bonds i -> j of atom i, grouped by i */
    uint32_t *src, *dst;       /* [n_bonds] */
    uint32_t *rev;             /* [n_bonds] the bond j -> i with the opposite image */
    double (*r)[3];            /* [n_bonds] r_j + image - r_i */
    double *d;                 /* [n_bonds] |r| */
    double (*rbf)[M3G_N_BASIS];  /* [n_bonds] radial basis e_ln(d) */
    double (*drbf)[M3G_N_BASIS]; /* [n_bonds] its derivative d e_ln / d d, 1/A */
    double (*smooth)[M3G_N_SMOOTH];  /* [n_bonds] smooth two-body basis g_n(d) (TF model only, else NULL) */
    double (*dsmooth)[M3G_N_SMOOTH]; /* [n_bonds] d g_n / d d, 1/A */
    double *fc, *dfc;          /* [n_bonds] three-body cutoff weight f(d) and f'(d) */
    /* Triplets, grouped by the bond that receives them: trip_start[b] .. trip_start[b + 1]. Per
     * triplet the bonds i->j and i->k giving the angle (ga, gb) and the bond whose cutoff weight and
     * end atom are used (fb). Consistent indexing: ga = receiving bond, fb = gb. */
    size_t *trip_start;        /* [n_bonds + 1] */
    uint32_t (*trip)[3];       /* [n_triplets] ga, gb, fb */
    int *type;                 /* [n_atoms] model type of each atom */
    size_t cap_atoms, cap_bonds, cap_trip; /* allocated sizes */
} m3g_graph;

/* Build g for cell c from the full neighbour list nl (cutoff >= model cutoff, up to date for c).
 * matgl_indexing selects matgl's three-body indexing (REFERENCE.md; bonds of each atom then
 * sorted by neighbour index and image, as matgl orders a molecule's bonds). Arrays of g are reused
 * and grown. VT_ENOTSUP names an element the model does not cover. */
vt_status m3g_graph_build(m3g_graph *g, const m3g_model *m, const vt_cell *c, const vt_nlist *nl,
                          int matgl_indexing);
void m3g_graph_clear(m3g_graph *g);

/* Angular part of a triplet: cos(theta_jik) clamped to +-(1 - eps) (m3g_model.cos_eps) and
 * dcos/dr_ij, dcos/dr_ik (zero where clamped); Y[l] = Y_l^0(cos) and dY[l] = dY_l^0/dcos, l = 0..2. */
void m3g_angle(const double rij[3], double dij, const double rik[3], double dik, double eps, double *cos_t,
               double dcos_ij[3], double dcos_ik[3], double Y[3], double dY[3]);

/* Work shared by the threads of one evaluation. */
typedef struct m3g_eval {
    const m3g_graph *g;
    int n_threads;
    size_t part_atom[65];      /* thread t owns atoms part_atom[t] .. part_atom[t + 1] and their bonds */
    double energy_eV;          /* OUT */
    double (*grad_r)[3];       /* OUT [n_bonds] dE / d r_b (bond vectors), eV/A */
    int want_grad;             /* 0: energy only */
} m3g_eval;

/* Network in one precision, built from a model (weights converted and packed once); the state
 * is opaque (void *) because each precision has its own layout. */
typedef struct m3g_net_api {
    const char *precision;  /* "float" or "double" */
    vt_status (*create)(const m3g_model *m, void **out);
    /* Energy and, when e->want_grad, dE/dr of every bond; runs e->n_threads threads. */
    vt_status (*evaluate)(void *net, m3g_eval *e);
    void (*destroy)(void *net);
} m3g_net_api;
extern const m3g_net_api m3g_net_f32, m3g_net_f64;

#endif
