/*
** m3gnet_net.h - TEMPLATE (no include guard): the M3GNet network, forward and hand-written backward
** pass, in one floating-point precision. Included by m3gnet_f32.c and m3gnet_f64.c after defining
**   REAL      float or double (weights, features, activations)
**   GEMM      cblas_sgemm or cblas_dgemm
**   SIGMOID   the logistic function 1 / (1 + exp(-x)) in REAL
**   NET_API   the name of the exported m3g_net_api, PRECISION its text
** Why hand-written: the backward pass of a graph network needs an autodiff library (PyTorch, JAX)
** that a C library cannot depend on; only input gradients are needed (no weight gradients), so the
** backward pass costs about as much as the forward one. The dense layers go through BLAS (OpenBLAS).
** Sums over triplets, bonds and atoms accumulate in double in both precisions.
**
** Forward (F = units, K = 9, K2 = two-body basis size; matgl's M3GNet, REFERENCE.md of the model
** folder; the TF model's differences in brackets, docs/m3gnet.md):
**   v_i = embed[type_i];  e_b = SiLU(W rbf_b + b)     [rbf: 3 smooth functions; no b]
**   per block:  A_i = sigmoid(W_a v_i + b_a)                               (K per atom)
**               t_b = sum over triplets of b:  w_tau * A_k,  w_tau = rbf_K(d_ik) Y_l(cos) f(d_ij) f(d_ik)
**               e_b += SiLU(W1 t_b) * sigmoid(W2 t_b)
**               e_b += G_e([v_i, v_j, e_b]) * (W_e rbf_b)          [G_e, G_v: 2 layers, not 3]
**               v_j += sum over bonds b = i -> j of G_v([v_i, v_j, e_b]) * (W_v rbf_b)   (old v inside)
**                                          [v_i += ... * SiLU(W_v rbf_b): onto the bond's source]
**   E = data_std * sum_i R(v_i) + n data_mean + sum_i ref(Z_i),  R the gated readout [3 layers, not 4].
** Layout: a gated MLP's first layer on [v_i, v_j, e] is split: the v parts are computed per atom
** (P = v W^T, 8F columns for both MLPs and both paths) and gathered per bond, so only the e part
** is a per-bond product. For the backward pass the forward one keeps the derivatives of every
** activation (in place of the pre-activations) and the outputs of G_e and G_v, so that the backward
** pass evaluates no exponential (except the TF model's SiLU on the radial weight of the messages,
** recomputed with that weight).
** Threads: thread t owns a contiguous range of atoms, their bonds (grouped by atom) and the
** triplets those bonds receive; sums onto the end atom j of a bond go through the reverse bond
** (a gather over j's own bonds), so no two threads write the same row. Phases end at barriers.
*/
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "calc/m3gnet.h"
#include "core/error.h"

#define CHUNK 256 /* bond rows per BLAS call: temporaries stay in L2 */

typedef struct gmlp {
    int nl, dim[5], last_silu;
    int in1;                  /* columns of w1: dim[0], or F for the convolution MLPs (e part) */
    REAL *w1, *b1;            /* layer 0, paths A and B stacked: [2 dim1][in1], [2 dim1] */
    REAL *wa[4], *ba[4], *wb[4], *bb[4]; /* layers 1..nl-1, [out][in] */
} gmlp;

typedef struct blk {
    REAL *atom_w, *atom_b;    /* [K][F], [K] */
    REAL *bond_w;             /* [2F][K]: W1 then W2 of the three-body update */
    REAL *proj;               /* [8F][F]: v parts of layer 0 of G_e and G_v (src A, src B, dst A, dst B each) */
    gmlp edge, node;
    REAL *edge_rbf_w, *node_rbf_w; /* [F][K2] */
} blk;

typedef struct net {
    const m3g_model *m;       /* borrowed, outlives the net */
    int F, K, K2, nb;          /* K: three-body basis (9), K2: two-body basis (9 or 3) */
    REAL *node_embed, *edge_embed_w, *edge_embed_b;
    blk block[M3G_MAX_BLOCKS];
    gmlp readout;
    REAL *weights;            /* everything above points in here */
    /* work arrays, grown as needed */
    size_t cap_n, cap_b, cap_t;
    int cap_threads;
    REAL *R, *Z0, *e, *v, *P, *msg, *wt, *dR, *dW, *de, *dv, *dHe, *dHv, *ST;
    REAL *A, *U, *He, *Hn, *Hro; /* per block: A [N][K], U [B][2F], He, Hn [3][B][2F]; Hro [4][N][2F] */
    REAL *Ge, *Gv;            /* per block: outputs of G_e and G_v [B][F] */
    double *dA_thr;           /* [threads][N][K] */
    double *dd_thr;           /* [threads][B] dE/dd */
    double (*gv_thr)[3];      /* [threads][B] dE/dr from angles */
    REAL *scratch;            /* [threads][CHUNK][16 F] */
} net;

/* ---------------------------------------------------------------------------------------------
** Dense algebra and activations
*/
/* Rows [0, m) of C (n columns, ld ldc) set to zero. */
static void clear_rows(size_t m, int n, REAL *C, int ldc)
{
    if (ldc == n) memset(C, 0, m * (size_t)n * sizeof *C);
    else
        for (size_t r = 0; r < m; r++) memset(C + r * ldc, 0, (size_t)n * sizeof *C);
}

/* C = A op(B) + beta C, beta 0 or 1. For beta 0, C is cleared here and the GEMM adds to it: the
 * same sums, bit for bit, but OpenBLAS's own zeroing of C (its "beta" pass) took 5.6% of an MD
 * step, far more than memset. */
static void gemm_01(enum CBLAS_TRANSPOSE tb, size_t m, int n, int k, const REAL *A, int lda, const REAL *B, int ldb,
                    REAL beta, REAL *C, int ldc)
{
    if (!m) return;
    if (beta == 0) clear_rows(m, n, C, ldc);
    GEMM(CblasRowMajor, CblasNoTrans, tb, (int)m, n, k, 1, A, lda, B, ldb, 1, C, ldc);
}

/* C[m][n] = A[m][k] B[n][k]^T + beta C   (B a PyTorch weight [out][in]) */
static void mm_nt(size_t m, int n, int k, const REAL *A, int lda, const REAL *B, int ldb, REAL beta, REAL *C, int ldc)
{
    gemm_01(CblasTrans, m, n, k, A, lda, B, ldb, beta, C, ldc);
}

/* C[m][n] = A[m][k] B[k][n] + beta C */
static void mm_nn(size_t m, int n, int k, const REAL *A, int lda, const REAL *B, int ldb, REAL beta, REAL *C, int ldc)
{
    gemm_01(CblasNoTrans, m, n, k, A, lda, B, ldb, beta, C, ldc);
}

static inline REAL sigm(REAL x) { return SIGMOID(x); }
static inline REAL silu(REAL x) { return x * sigm(x); }

/* Element-wise kernels are most of the work besides BLAS: with GCC on x86-64 they are compiled
 * at -O3 for AVX-512, AVX2 and baseline, picked at load time (target_clones), so the loops
 * vectorize whatever -march the library is built with. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(VT_NO_CLONES)
#define HOT __attribute__((optimize("O3"), target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

/* memset(p, 0, bytes) that accepts p == NULL when bytes == 0: a cell without bonds or triplets
 * (Cs BCC has no neighbour within 5 A) has unallocated, empty arrays. */
static void clear_bytes(void *p, size_t bytes)
{
    if (bytes) memset(p, 0, bytes);
}

/* Rows [0, n) of C (ld ldc) set to the bias b[0..w). */
static void fill_bias(size_t n, int w, const REAL *b, REAL *C, int ldc)
{
    for (size_t r = 0; r < n; r++) memcpy(C + r * ldc, b, (size_t)w * sizeof *C);
}

/* out = SiLU(h), and h becomes SiLU'(h) = s (1 + h (1 - s)), s = sigmoid(h): the factor the
 * backward pass multiplies by, so that it needs no exponential of its own. */
HOT static void silu_fwd(size_t n, REAL *restrict h, REAL *restrict out)
{
    for (size_t i = 0; i < n; i++) {
        REAL x = h[i], s = sigm(x);
        out[i] = x * s;
        h[i] = s * (1 + x * (1 - s));
    }
}

HOT static void silu_inplace(size_t n, REAL *x)
{
    for (size_t i = 0; i < n; i++) x[i] = silu(x[i]);
}

HOT static void sigm_inplace(size_t n, REAL *x)
{
    for (size_t i = 0; i < n; i++) x[i] = sigm(x[i]);
}

/* out = a * b, or out += a * b */
HOT static void mul_all(size_t n, const REAL *restrict a, const REAL *restrict b, int add, REAL *restrict out)
{
    if (add)
        for (size_t i = 0; i < n; i++) out[i] += a[i] * b[i];
    else
        for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

/* x *= a */
HOT static void mul_inplace(size_t n, const REAL *restrict a, REAL *restrict x)
{
    for (size_t i = 0; i < n; i++) x[i] *= a[i];
}

/* One gated unit y = act(a) sigmoid(b), act SiLU (silu_a) or identity; a and b become dy/da and
 * dy/db. */
static inline REAL glu_one(REAL *a, REAL *b, int silu_a)
{
    REAL x = *a, sb = sigm(*b), act = x, dact = 1;
    if (silu_a) {
        REAL sa = sigm(x);
        act = x * sa;
        dact = sa * (1 + x * (1 - sa));
    }
    REAL y = act * sb;
    *a = dact * sb;
    *b = y * (1 - sb);
    return y;
}

/* Gated unit of rows of H = [a | b] (d columns each): out (= or +=) act(a) sigmoid(b). H becomes
 * [d out/da | d out/db] for glu_bwd, so that the backward pass needs no exponential. */
HOT static void glu(size_t rows, int d, REAL *restrict H, int silu_a, int add, REAL *restrict out)
{
    for (size_t r = 0; r < rows; r++) {
        REAL *a = H + r * 2 * d, *b = a + d, *o = out + r * d;
        if (silu_a && add)
            for (int c = 0; c < d; c++) o[c] += glu_one(a + c, b + c, 1);
        else if (silu_a)
            for (int c = 0; c < d; c++) o[c] = glu_one(a + c, b + c, 1);
        else
            for (int c = 0; c < d; c++) o[c] = glu_one(a + c, b + c, 0);
    }
}

/* Backward of glu: dH = [dE/da | dE/db] from dout = dE/d(out) and the derivatives J glu left. */
HOT static void glu_bwd(size_t rows, int d, const REAL *restrict J, const REAL *restrict dout, REAL *restrict dH)
{
    for (size_t r = 0; r < rows; r++) {
        const REAL *ja = J + r * 2 * d, *jb = ja + d, *o = dout + r * d;
        REAL *da = dH + r * 2 * d, *db = da + d;
        for (int c = 0; c < d; c++) {
            da[c] = o[c] * ja[c];
            db[c] = o[c] * jb[c];
        }
    }
}

/* ---------------------------------------------------------------------------------------------
** Gated MLP: out = actA(path A) * sigmoid(path B). H[l] (n rows, 2 dim[l+1] columns, A then B)
** holds the pre-activations of layer l; H[0] is filled by the caller. The forward pass replaces
** them by the derivatives of the activations, which is all the backward pass needs of them.
** act: n x 2 max(dim) scratch.
*/
static void gated_fwd(const gmlp *g, size_t n, REAL *const *H, REAL *act, REAL *out)
{
    for (int l = 1; l < g->nl; l++) {
        int d = g->dim[l], dn = g->dim[l + 1];
        silu_fwd(n * 2 * (size_t)d, H[l - 1], act);
        fill_bias(n, dn, g->ba[l], H[l], 2 * dn);
        fill_bias(n, dn, g->bb[l], H[l] + dn, 2 * dn);
        mm_nt(n, dn, d, act, 2 * d, g->wa[l], d, 1, H[l], 2 * dn);
        mm_nt(n, dn, d, act + d, 2 * d, g->wb[l], d, 1, H[l] + dn, 2 * dn);
    }
    glu(n, g->dim[g->nl], H[g->nl - 1], g->last_silu, 0, out);
}

/* dH0 (n x 2 dim[1]) = dE/d(layer-0 pre-activations) from dout = dE/d(out) (n x dim[nl]). s1, s2:
 * scratch of n x 2 max(dim) each. */
static void gated_bwd(const gmlp *g, size_t n, REAL *const *H, const REAL *dout, REAL *dH0, REAL *s1, REAL *s2)
{
    int d = g->dim[g->nl];
    REAL *cur = g->nl == 1 ? dH0 : s1;
    glu_bwd(n, d, H[g->nl - 1], dout, cur);
    for (int l = g->nl - 1; l >= 1; l--) {
        int din = g->dim[l];
        REAL *next = l == 1 ? dH0 : (cur == s1 ? s2 : s1);
        mm_nn(n, din, d, cur, 2 * d, g->wa[l], din, 0, next, 2 * din);
        mm_nn(n, din, d, cur + d, 2 * d, g->wb[l], din, 0, next + din, 2 * din);
        mul_inplace(n * 2 * (size_t)din, H[l - 1], next);
        cur = next;
        d = din;
    }
}

/* ---------------------------------------------------------------------------------------------
** Weights: converted to REAL and packed once
*/
static size_t gmlp_size(const m3g_gated *s, int in1)
{
    size_t n = 2 * (size_t)s->dim[1] * (in1 + 1);
    for (int l = 1; l < s->n_layers; l++) n += 2 * (size_t)s->dim[l + 1] * (s->dim[l] + 1);
    return n;
}

/* n weights from src, or zeros for an absent tensor (src NULL: the TF model's missing bias). */
static REAL *take(REAL **at, const float *src, size_t n)
{
    REAL *p = *at;
    for (size_t i = 0; i < n; i++) p[i] = src ? (REAL)src[i] : 0;
    *at += n;
    return p;
}

/* Columns [c0, c0 + w) of the [rows][cols] matrix src, as a [rows][w] matrix. */
static REAL *take_cols(REAL **at, const float *src, int rows, int cols, int c0, int w)
{
    REAL *p = *at;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < w; c++) p[r * w + c] = (REAL)src[(size_t)r * cols + c0 + c];
    *at += (size_t)rows * w;
    return p;
}

/* Layer 0 columns [c0, c0 + in1) of both paths, stacked; then the other layers. */
static void pack_gmlp(gmlp *g, const m3g_gated *s, int c0, int in1, REAL **at)
{
    g->nl = s->n_layers;
    g->last_silu = s->last_silu;
    g->in1 = in1;
    memcpy(g->dim, s->dim, sizeof g->dim);
    int d1 = s->dim[1];
    g->w1 = take_cols(at, s->wa[0], d1, s->dim[0], c0, in1);
    take_cols(at, s->wb[0], d1, s->dim[0], c0, in1);
    g->b1 = take(at, s->ba[0], (size_t)d1);
    take(at, s->bb[0], (size_t)d1);
    for (int l = 1; l < s->n_layers; l++) {
        size_t n = (size_t)s->dim[l + 1] * s->dim[l];
        g->wa[l] = take(at, s->wa[l], n);
        g->ba[l] = take(at, s->ba[l], (size_t)s->dim[l + 1]);
        g->wb[l] = take(at, s->wb[l], n);
        g->bb[l] = take(at, s->bb[l], (size_t)s->dim[l + 1]);
    }
}

static vt_status net_create(const m3g_model *m, void **out)
{
    *out = NULL;
    const int F = m->units, K = M3G_N_BASIS, K2 = m->n_rbf;
    size_t total = (size_t)m->n_types * F + (size_t)F * K2 + F;
    for (int b = 0; b < m->n_blocks; b++)
        total += (size_t)K * F + K + 2 * (size_t)F * K + 8 * (size_t)F * F + gmlp_size(&m->block[b].edge, F) +
                 gmlp_size(&m->block[b].node, F) + 2 * (size_t)F * K2;
    total += gmlp_size(&m->readout, F);
    net *n = vt_calloc(1, sizeof *n);
    REAL *w = vt_malloc(total * sizeof *w);
    if (!n || !w) {
        vt_free(n), vt_free(w);
        VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory");
    }
    n->m = m, n->F = F, n->K = K, n->K2 = K2, n->nb = m->n_blocks, n->weights = w;
    REAL *at = w;
    n->node_embed = take(&at, m->node_embed, (size_t)m->n_types * F);
    n->edge_embed_w = take(&at, m->edge_embed_w, (size_t)F * K2);
    n->edge_embed_b = take(&at, m->edge_embed_b, (size_t)F);
    for (int b = 0; b < m->n_blocks; b++) {
        const m3g_block *s = &m->block[b];
        blk *k = &n->block[b];
        k->atom_w = take(&at, s->atom_w, (size_t)K * F);
        k->atom_b = take(&at, s->atom_b, (size_t)K);
        k->bond_w = take(&at, s->bond_w, (size_t)F * K);
        take(&at, s->bond_g, (size_t)F * K);
        k->proj = at;
        const m3g_gated *mlp[2] = {&s->edge, &s->node};
        for (int q = 0; q < 2; q++)          /* G_e, G_v */
            for (int side = 0; side < 2; side++) { /* v_i (src), v_j (dst) */
                take_cols(&at, mlp[q]->wa[0], F, 3 * F, side * F, F);
                take_cols(&at, mlp[q]->wb[0], F, 3 * F, side * F, F);
            }
        pack_gmlp(&k->edge, &s->edge, 2 * F, F, &at);
        pack_gmlp(&k->node, &s->node, 2 * F, F, &at);
        k->edge_rbf_w = take(&at, s->edge_rbf_w, (size_t)F * K2);
        k->node_rbf_w = take(&at, s->node_rbf_w, (size_t)F * K2);
    }
    pack_gmlp(&n->readout, &m->readout, 0, F, &at);
    *out = n;
    return VT_OK;
}

static void net_destroy(void *p)
{
    net *n = p;
    if (!n) return;
    REAL **bufs[] = {&n->R, &n->Z0, &n->e, &n->v, &n->P, &n->msg, &n->wt, &n->dR, &n->dW, &n->de, &n->dv,
                     &n->dHe, &n->dHv, &n->ST, &n->A, &n->U, &n->He, &n->Hn, &n->Hro, &n->Ge, &n->Gv,
                     &n->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) vt_free(*bufs[i]);
    vt_free(n->dA_thr), vt_free(n->dd_thr), vt_free(n->gv_thr);
    vt_free(n->weights);
    vt_free(n);
}

static int grow(void *pp, size_t n, size_t size)
{
    void **p = pp;
    void *q = vt_realloc(*p, (n ? n : 1) * size);
    if (!q) return 1;
    *p = q;
    return 0;
}

static vt_status reserve(net *n, size_t N, size_t B, size_t T, int threads)
{
    const size_t F = (size_t)n->F, K = (size_t)n->K, K2 = (size_t)n->K2, nb = (size_t)n->nb;
    int bad = 0;
    if (N > n->cap_n || threads > n->cap_threads) {
        N = N > n->cap_n ? N + N / 8 : n->cap_n;
        bad |= grow(&n->v, N * F, sizeof(REAL)) | grow(&n->P, N * 8 * F, sizeof(REAL)) |
               grow(&n->dv, N * F, sizeof(REAL)) | grow(&n->ST, N * 8 * F, sizeof(REAL)) |
               grow(&n->A, nb * N * K, sizeof(REAL)) | grow(&n->Hro, 4 * N * 2 * F, sizeof(REAL)) |
               grow(&n->dA_thr, (size_t)threads * N * K, sizeof(double));
        if (!bad) n->cap_n = N;
    }
    if (B > n->cap_b || threads > n->cap_threads) {
        B = B > n->cap_b ? B + B / 8 : n->cap_b;
        bad |= grow(&n->R, B * K2, sizeof(REAL)) | grow(&n->Z0, B * F, sizeof(REAL)) |
               grow(&n->e, B * F, sizeof(REAL)) | grow(&n->msg, B * F, sizeof(REAL)) |
               grow(&n->dR, B * K2, sizeof(REAL)) | grow(&n->de, B * F, sizeof(REAL)) |
               grow(&n->dHe, B * 2 * F, sizeof(REAL)) | grow(&n->dHv, B * 2 * F, sizeof(REAL)) |
               grow(&n->U, nb * B * 2 * F, sizeof(REAL)) |
               grow(&n->He, nb * 3 * B * 2 * F, sizeof(REAL)) | grow(&n->Hn, nb * 3 * B * 2 * F, sizeof(REAL)) |
               grow(&n->Ge, nb * B * F, sizeof(REAL)) | grow(&n->Gv, nb * B * F, sizeof(REAL)) |
               grow(&n->dd_thr, (size_t)threads * B, sizeof(double)) |
               grow(&n->gv_thr, (size_t)threads * B, 3 * sizeof(double));
        if (!bad) n->cap_b = B;
    }
    if (T > n->cap_t) {
        T += T / 8;
        bad |= grow(&n->wt, T * K, sizeof(REAL)) | grow(&n->dW, T * K, sizeof(REAL));
        if (!bad) n->cap_t = T;
    }
    if (threads > n->cap_threads) {
        bad |= grow(&n->scratch, (size_t)threads * CHUNK * 16 * F, sizeof(REAL));
        if (!bad) n->cap_threads = threads;
    }
    if (bad) VT_FAIL(VT_ENOMEM, "--calc m3gnet: out of memory (%zu atoms, %zu bonds, %zu triplets)", N, B, T);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** The phases of one evaluation
*/
typedef struct ctx {
    net *n;
    m3g_eval *e;
    pthread_barrier_t barrier;
    double energy_thr[65];    /* sum of the readout over each thread's atoms */
} ctx;

typedef struct range {
    size_t a0, a1, b0, b1;    /* atoms, bonds */
} range;

static void sync_threads(ctx *c)
{
    if (c->e->n_threads > 1) pthread_barrier_wait(&c->barrier);
}

/* Per-block views of the stored activation derivatives and outputs. */
static REAL *U_of(const net *n, int k) { return n->U + (size_t)k * n->cap_b * 2 * n->F; }
static REAL *G_of(const net *n, REAL *base, int k, size_t row) { return base + ((size_t)k * n->cap_b + row) * n->F; }
static REAL *A_of(const net *n, int k) { return n->A + (size_t)k * n->cap_n * n->K; }
static void H_of(const net *n, REAL *base, int k, size_t row, REAL *H[3])
{
    for (int l = 0; l < 3; l++) H[l] = base + ((size_t)(k * 3 + l) * n->cap_b + row) * 2 * n->F;
}
static void Hro_of(const net *n, size_t row, REAL *H[4])
{
    for (int l = 0; l < 4; l++) H[l] = n->Hro + ((size_t)l * n->cap_n + row) * 2 * n->F;
}

/* w_tau = rbf(d_ik) Y_l(cos theta_jik) f(d_recv) f(d_fb) for the triplets of bonds [b0, b1). */
static void triplet_weights(net *n, const m3g_graph *g, size_t b0, size_t b1)
{
    for (size_t b = b0; b < b1; b++)
        for (size_t t = g->trip_start[b]; t < g->trip_start[b + 1]; t++) {
            uint32_t ga = g->trip[t][0], gb = g->trip[t][1], fb = g->trip[t][2];
            double cs, d1[3], d2[3], Y[3], dY[3];
            m3g_angle(g->r[ga], g->d[ga], g->r[gb], g->d[gb], n->m->cos_eps, &cs, d1, d2, Y, dY);
            double s = g->fc[b] * g->fc[fb];
            for (int k = 0; k < M3G_N_BASIS; k++) n->wt[t * M3G_N_BASIS + k] = (REAL)(g->rbf[gb][k] * Y[k / 3] * s);
        }
}

/* The two-body basis of bond b (K2 values), or its derivative d/dd (deriv): matgl's 9 functions,
 * which are also the three-body radial part, or the TF model's 3 smooth ones. */
static const double *two_body(const net *n, const m3g_graph *g, size_t b, int deriv)
{
    if (n->m->smooth_rbf) return deriv ? g->dsmooth[b] : g->smooth[b];
    return deriv ? g->drbf[b] : g->rbf[b];
}

static void embed(ctx *c, const range *r)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const int F = n->F, K2 = n->K2;
    for (size_t b = r->b0; b < r->b1; b++) {
        const double *e2 = two_body(n, g, b, 0);
        for (int k = 0; k < K2; k++) n->R[b * K2 + k] = (REAL)e2[k];
    }
    triplet_weights(n, g, r->b0, r->b1);
    fill_bias(r->b1 - r->b0, F, n->edge_embed_b, n->Z0 + r->b0 * F, F);
    mm_nt(r->b1 - r->b0, F, K2, n->R + r->b0 * K2, K2, n->edge_embed_w, K2, 1, n->Z0 + r->b0 * F, F);
    silu_fwd((r->b1 - r->b0) * F, n->Z0 + r->b0 * F, n->e + r->b0 * F);
    for (size_t a = r->a0; a < r->a1; a++)
        memcpy(n->v + a * F, n->node_embed + (size_t)g->type[a] * F, (size_t)F * sizeof(REAL));
}

/* Atom phase of block k: P = v [proj]^T and A = sigmoid(W_a v + b_a). */
static void atoms_fwd(ctx *c, const range *r, int k)
{
    net *n = c->n;
    const blk *bl = &n->block[k];
    const int F = n->F, K = n->K;
    size_t na = r->a1 - r->a0;
    mm_nt(na, 8 * F, F, n->v + r->a0 * F, F, bl->proj, F, 0, n->P + r->a0 * 8 * F, 8 * F);
    REAL *A = A_of(n, k) + r->a0 * K;
    fill_bias(na, K, bl->atom_b, A, K);
    mm_nt(na, K, F, n->v + r->a0 * F, F, bl->atom_w, F, 1, A, K);
    sigm_inplace(na * K, A);
}

/* Layer 0 of a convolution MLP for bonds [b, b + m): H0 = b1 + P_src[i] + P_dst[j] + e W^T, the
 * per-atom parts P starting at column pcol. */
static void conv_layer0(const net *n, const m3g_graph *g, const gmlp *mlp, size_t b, size_t m, int pcol,
                        const REAL *e, REAL *H0)
{
    const int F = n->F;
    for (size_t r = 0; r < m; r++) {
        const REAL *ps = n->P + (size_t)g->src[b + r] * 8 * F + pcol;
        const REAL *pd = n->P + (size_t)g->dst[b + r] * 8 * F + pcol + 2 * F;
        REAL *h = H0 + r * 2 * F;
        for (int q = 0; q < 2 * F; q++) h[q] = mlp->b1[q] + ps[q] + pd[q];
    }
    mm_nt(m, 2 * F, F, e, F, mlp->w1, F, 1, H0, 2 * F);
}

/* Bond phase of block k for bonds [b, b + m): three-body update, edge update, messages. */
static void bonds_fwd(ctx *c, int k, size_t b, size_t m, REAL *scr)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const blk *bl = &n->block[k];
    const int F = n->F, K = n->K, K2 = n->K2;
    REAL *t = scr, *act = t + CHUNK * K, *w = act + CHUNK * 2 * F;
    const REAL *A = A_of(n, k);
    for (size_t r = 0; r < m; r++) {
        double acc[M3G_N_BASIS] = {0};
        for (size_t q = g->trip_start[b + r]; q < g->trip_start[b + r + 1]; q++) {
            const REAL *Ak = A + (size_t)g->dst[g->trip[q][2]] * K, *wq = n->wt + q * K;
            for (int x = 0; x < K; x++) acc[x] += (double)wq[x] * Ak[x];
        }
        for (int x = 0; x < K; x++) t[r * K + x] = (REAL)acc[x];
    }
    REAL *U = U_of(n, k) + b * 2 * F, *e = n->e + b * F;
    mm_nt(m, 2 * F, K, t, K, bl->bond_w, K, 0, U, 2 * F);
    glu(m, F, U, 1, 1, e);
    /* edge update */
    REAL *H[3];
    H_of(n, n->He, k, b, H);
    conv_layer0(n, g, &bl->edge, b, m, 0, e, H[0]);
    REAL *ge = G_of(n, n->Ge, k, b);
    gated_fwd(&bl->edge, m, H, act, ge);
    mm_nt(m, F, K2, n->R + b * K2, K2, bl->edge_rbf_w, K2, 0, w, F);
    mul_all(m * F, ge, w, 1, e);
    /* messages (summed onto the atoms by atoms_gather) */
    H_of(n, n->Hn, k, b, H);
    conv_layer0(n, g, &bl->node, b, m, 4 * F, e, H[0]);
    REAL *gv = G_of(n, n->Gv, k, b);
    gated_fwd(&bl->node, m, H, act, gv);
    mm_nt(m, F, K2, n->R + b * K2, K2, bl->node_rbf_w, K2, 0, w, F);
    if (n->m->silu_node_rbf) silu_inplace(m * F, w);
    REAL *msg = n->msg + b * F;
    mul_all(m * F, gv, w, 0, msg);
}

/* v_j += messages of the bonds ending at j = reverses of j's own bonds (matgl); TF: v_i +=
 * messages of i's own bonds. */
static void atoms_gather(ctx *c, const range *r)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const int F = n->F;
    double acc[1024]; /* F <= 1024 (m3gnet_load.c) */
    for (size_t a = r->a0; a < r->a1; a++) {
        memset(acc, 0, (size_t)F * sizeof acc[0]);
        for (size_t b = g->bond_start[a]; b < g->bond_start[a + 1]; b++) {
            const REAL *mb = n->msg + (size_t)(n->m->msg_to_src ? b : g->rev[b]) * F;
            for (int x = 0; x < F; x++) acc[x] += mb[x];
        }
        for (int x = 0; x < F; x++) n->v[a * F + x] += (REAL)acc[x];
    }
}

static void readout_fwd(ctx *c, const range *r, int tid)
{
    net *n = c->n;
    const int F = n->F;
    size_t na = r->a1 - r->a0;
    REAL *H[4], *scr = n->scratch + (size_t)tid * CHUNK * 16 * F;
    Hro_of(n, r->a0, H);
    double sum = 0;
    for (size_t a = 0; a < na; a += CHUNK) {
        size_t m = na - a < CHUNK ? na - a : CHUNK;
        REAL *Hc[4];
        for (int l = 0; l < 4; l++) Hc[l] = H[l] + a * 2 * F;
        fill_bias(m, 2 * F, n->readout.b1, Hc[0], 2 * F);
        mm_nt(m, 2 * F, F, n->v + (r->a0 + a) * F, F, n->readout.w1, F, 1, Hc[0], 2 * F);
        REAL *out = scr + CHUNK * 2 * F;
        gated_fwd(&n->readout, m, Hc, scr, out);
        for (size_t i = 0; i < m; i++) sum += out[i];
    }
    c->energy_thr[tid] = sum;
}

/* ---------------------------------------------------------------------------------------------
** Backward
*/
static void readout_bwd(ctx *c, const range *r, int tid)
{
    net *n = c->n;
    const int F = n->F;
    size_t na = r->a1 - r->a0;
    REAL *H[4], *scr = n->scratch + (size_t)tid * CHUNK * 16 * F;
    REAL *dout = scr, *dH0 = dout + CHUNK, *s1 = dH0 + CHUNK * 2 * F, *s2 = s1 + CHUNK * 2 * F;
    Hro_of(n, r->a0, H);
    for (size_t a = 0; a < na; a += CHUNK) {
        size_t m = na - a < CHUNK ? na - a : CHUNK;
        REAL *Hc[4];
        for (int l = 0; l < 4; l++) Hc[l] = H[l] + a * 2 * F;
        for (size_t i = 0; i < m; i++) dout[i] = (REAL)n->m->data_std_eV;
        gated_bwd(&n->readout, m, Hc, dout, dH0, s1, s2);
        mm_nn(m, F, 2 * F, dH0, 2 * F, n->readout.w1, F, 0, n->dv + (r->a0 + a) * F, F);
    }
}

/* Bond phase of the backward pass of block k for bonds [b, b + m). On entry de = dE/de (output of
 * the block), dv = dE/dv (output); on exit de = dE/de (input of the block); dHe and dHv hold
 * dE/d(layer 0) of G_e and G_v; dR, dW and this thread's dA are accumulated. */
static void bonds_bwd(ctx *c, int k, size_t b, size_t m, REAL *scr, double *dA)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const blk *bl = &n->block[k];
    const int F = n->F, K = n->K, K2 = n->K2;
    REAL *gout = scr, *w = gout + CHUNK * F, *dg = w + CHUNK * F, *s1 = dg + CHUNK * F;
    REAL *s2 = s1 + CHUNK * 2 * F, *dU = s2 + CHUNK * 2 * F, *dt = dU + CHUNK * 2 * F, *wpre = dt + CHUNK * K;
    REAL *de = n->de + b * F, *dR = n->dR + b * K2;
    REAL *dHe = n->dHe + b * 2 * F, *dHv = n->dHv + b * 2 * F;
    REAL *H[3];
    /* messages: m_b = G_v * (W_v rbf) onto v_j (TF: G_v * SiLU(W_v rbf) onto v_i) */
    H_of(n, n->Hn, k, b, H);
    const uint32_t *to = n->m->msg_to_src ? g->src : g->dst;
    for (size_t r = 0; r < m; r++) memcpy(dg + r * F, n->dv + (size_t)to[b + r] * F, (size_t)F * sizeof(REAL));
    mm_nt(m, F, K2, n->R + b * K2, K2, bl->node_rbf_w, K2, 0, w, F);
    if (n->m->silu_node_rbf) {
        memcpy(wpre, w, m * F * sizeof(REAL));
        silu_fwd(m * F, wpre, w); /* wpre: SiLU' */
    }
    mul_all(m * F, dg, G_of(n, n->Gv, k, b), 0, gout); /* dE/d(W_v rbf), TF: dE/d(SiLU(W_v rbf)) */
    if (n->m->silu_node_rbf) mul_inplace(m * F, wpre, gout);
    mul_inplace(m * F, dg, w);    /* dE/dG_v */
    mm_nn(m, K2, F, gout, F, bl->node_rbf_w, K2, 1, dR, K2);
    gated_bwd(&bl->node, m, H, w, dHv, s1, s2);
    mm_nn(m, F, 2 * F, dHv, 2 * F, bl->node.w1, F, 1, de, F);
    /* edge update: e += G_e * (W_e rbf) */
    H_of(n, n->He, k, b, H);
    mm_nt(m, F, K2, n->R + b * K2, K2, bl->edge_rbf_w, K2, 0, w, F);
    mul_all(m * F, de, w, 0, dg);
    mul_all(m * F, de, G_of(n, n->Ge, k, b), 0, gout);
    mm_nn(m, K2, F, gout, F, bl->edge_rbf_w, K2, 1, dR, K2);
    gated_bwd(&bl->edge, m, H, dg, dHe, s1, s2);
    mm_nn(m, F, 2 * F, dHe, 2 * F, bl->edge.w1, F, 1, de, F);
    /* three-body update: e += SiLU(U_A) sigmoid(U_B), U = t [W1; W2]^T */
    const REAL *U = U_of(n, k) + b * 2 * F;
    glu_bwd(m, F, U, de, dU);
    mm_nn(m, K, 2 * F, dU, 2 * F, bl->bond_w, K, 0, dt, K);
    const REAL *A = A_of(n, k);
    for (size_t r = 0; r < m; r++)
        for (size_t q = g->trip_start[b + r]; q < g->trip_start[b + r + 1]; q++) {
            size_t atom = g->dst[g->trip[q][2]];
            const REAL *wq = n->wt + q * K, *Ak = A + atom * K, *dtr = dt + r * K;
            REAL *dWq = n->dW + q * K;
            double *dAk = dA + atom * K;
            for (int x = 0; x < K; x++) {
                dAk[x] += (double)dtr[x] * wq[x];
                dWq[x] += dtr[x] * Ak[x];
            }
        }
}

/* Atom phase of the backward pass of block k: dv += [S_e T_e S_v T_v] proj + (dA A (1 - A)) W_a,
 * S = sums of dHe, dHv over the atom's bonds, T = over the bonds ending at it (the reverses). */
static void atoms_bwd(ctx *c, const range *r, int k)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const blk *bl = &n->block[k];
    const int F = n->F, K = n->K, T = c->e->n_threads;
    size_t na = r->a1 - r->a0;
    double acc[8 * 1024]; /* 8F, F <= 1024 (m3gnet_load.c) */
    for (size_t a = r->a0; a < r->a1; a++) {
        memset(acc, 0, 8 * (size_t)F * sizeof acc[0]);
        for (size_t b = g->bond_start[a]; b < g->bond_start[a + 1]; b++) {
            size_t rb = g->rev[b];
            const REAL *es = n->dHe + b * 2 * F, *ed = n->dHe + rb * 2 * F;
            const REAL *vs = n->dHv + b * 2 * F, *vd = n->dHv + rb * 2 * F;
            for (int x = 0; x < 2 * F; x++) {
                acc[x] += es[x];         /* G_e, a as v_i */
                acc[2 * F + x] += ed[x]; /* G_e, a as v_j */
                acc[4 * F + x] += vs[x]; /* G_v, a as v_i */
                acc[6 * F + x] += vd[x]; /* G_v, a as v_j */
            }
        }
        for (int x = 0; x < 8 * F; x++) n->ST[a * 8 * F + x] = (REAL)acc[x];
    }
    mm_nn(na, F, 8 * F, n->ST + r->a0 * 8 * F, 8 * F, bl->proj, F, 1, n->dv + r->a0 * F, F);
    const REAL *A = A_of(n, k);
    REAL *dZ = n->ST + r->a0 * 8 * F; /* reuse: [na][K] */
    for (size_t a = r->a0; a < r->a1; a++)
        for (int x = 0; x < K; x++) {
            double s = 0;
            for (int t = 0; t < T; t++) {
                double *p = n->dA_thr + ((size_t)t * n->cap_n + a) * K + x;
                s += *p;
                *p = 0;
            }
            REAL Ax = A[a * K + x];
            dZ[(a - r->a0) * K + x] = (REAL)s * Ax * (1 - Ax);
        }
    mm_nn(na, F, K, dZ, K, bl->atom_w, F, 1, n->dv + r->a0 * F, F);
}

/* dE/d(bond vectors) from dR (radial basis) and dW (triplet weights), into this thread's buffers. */
static void geometry_bwd(ctx *c, const range *r, int tid)
{
    net *n = c->n;
    const m3g_graph *g = c->e->g;
    const int K = n->K, K2 = n->K2;
    double *dd = n->dd_thr + (size_t)tid * n->cap_b;
    double (*gv)[3] = n->gv_thr + (size_t)tid * n->cap_b;
    clear_bytes(dd, g->n_bonds * sizeof *dd);
    clear_bytes(gv, g->n_bonds * sizeof *gv);
    for (size_t b = r->b0; b < r->b1; b++) {
        double s = 0;
        const double *de2 = two_body(n, g, b, 1);
        for (int k = 0; k < K2; k++) s += (double)n->dR[b * K2 + k] * de2[k];
        dd[b] += s;
        for (size_t t = g->trip_start[b]; t < g->trip_start[b + 1]; t++) {
            uint32_t ga = g->trip[t][0], gb = g->trip[t][1], fb = g->trip[t][2];
            double cs, dci[3], dck[3], Y[3], dY[3];
            m3g_angle(g->r[ga], g->d[ga], g->r[gb], g->d[gb], n->m->cos_eps, &cs, dci, dck, Y, dY);
            double f = g->fc[b] * g->fc[fb], q = 0, dcos = 0, drad = 0;
            const REAL *dWt = n->dW + t * K;
            for (int k = 0; k < K; k++) {
                double dw = dWt[k];
                q += dw * g->rbf[gb][k] * Y[k / 3];
                dcos += dw * g->rbf[gb][k] * dY[k / 3];
                drad += dw * g->drbf[gb][k] * Y[k / 3];
            }
            dd[gb] += drad * f;
            dd[b] += q * g->fc[fb] * g->dfc[b];
            dd[fb] += q * g->fc[b] * g->dfc[fb];
            for (int x = 0; x < 3; x++) {
                gv[ga][x] += dcos * f * dci[x];
                gv[gb][x] += dcos * f * dck[x];
            }
        }
    }
}

static void run(ctx *c, int tid)
{
    net *n = c->n;
    m3g_eval *ev = c->e;
    const m3g_graph *g = ev->g;
    const int F = n->F, K = n->K, K2 = n->K2, T = ev->n_threads;
    range r = {ev->part_atom[tid], ev->part_atom[tid + 1], 0, 0};
    r.b0 = g->bond_start[r.a0], r.b1 = g->bond_start[r.a1];
    REAL *scr = n->scratch + (size_t)tid * CHUNK * 16 * F;
    embed(c, &r);
    sync_threads(c);
    for (int k = 0; k < n->nb; k++) {
        atoms_fwd(c, &r, k);
        sync_threads(c);
        for (size_t b = r.b0; b < r.b1; b += CHUNK) bonds_fwd(c, k, b, r.b1 - b < CHUNK ? r.b1 - b : CHUNK, scr);
        sync_threads(c);
        atoms_gather(c, &r);
        sync_threads(c);
    }
    readout_fwd(c, &r, tid);
    if (!ev->want_grad) return;
    readout_bwd(c, &r, tid);
    clear_bytes(n->de + r.b0 * F, (r.b1 - r.b0) * F * sizeof(REAL));
    clear_bytes(n->dR + r.b0 * K2, (r.b1 - r.b0) * K2 * sizeof(REAL));
    clear_bytes(n->dW + g->trip_start[r.b0] * K, (g->trip_start[r.b1] - g->trip_start[r.b0]) * K * sizeof(REAL));
    for (size_t a = r.a0; a < r.a1; a++)
        for (int t = 0; t < T; t++) memset(n->dA_thr + ((size_t)t * n->cap_n + a) * K, 0, K * sizeof(double));
    sync_threads(c);
    double *dA = n->dA_thr + (size_t)tid * n->cap_n * K;
    for (int k = n->nb - 1; k >= 0; k--) {
        for (size_t b = r.b0; b < r.b1; b += CHUNK) bonds_bwd(c, k, b, r.b1 - b < CHUNK ? r.b1 - b : CHUNK, scr, dA);
        sync_threads(c);
        atoms_bwd(c, &r, k);
        sync_threads(c);
    }
    /* embedding: e = SiLU(Z0), Z0 now SiLU'(Z0) */
    mul_inplace((r.b1 - r.b0) * F, n->Z0 + r.b0 * F, n->de + r.b0 * F);
    mm_nn(r.b1 - r.b0, K2, F, n->de + r.b0 * F, F, n->edge_embed_w, K2, 1, n->dR + r.b0 * K2, K2);
    geometry_bwd(c, &r, tid);
    sync_threads(c);
    for (size_t b = r.b0; b < r.b1; b++) {
        double s = 0, v[3] = {0, 0, 0};
        for (int t = 0; t < T; t++) {
            s += n->dd_thr[(size_t)t * n->cap_b + b];
            for (int x = 0; x < 3; x++) v[x] += n->gv_thr[(size_t)t * n->cap_b + b][x];
        }
        for (int x = 0; x < 3; x++) ev->grad_r[b][x] = s * g->r[b][x] / g->d[b] + v[x];
    }
}

typedef struct worker_arg {
    ctx *c;
    int tid;
    pthread_mutex_t *mu;
    pthread_cond_t *go;
    int *started;             /* -1 until the thread count is fixed, then 1 */
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    pthread_mutex_lock(w->mu);
    while (*w->started < 0) pthread_cond_wait(w->go, w->mu);
    pthread_mutex_unlock(w->mu);
    if (w->tid < w->c->e->n_threads) run(w->c, w->tid);
    return NULL;
}

/* pthread_create, tried again for a second while the system lacks the resources (EAGAIN). A
 * thread that cannot be had is an error, never a silent fall-back to fewer threads: the thread
 * count sets the float results' last bits (docs/m3gnet.md), so the same input must always run on
 * the same count. Returns 0 or the error number. */
static int start_thread(pthread_t *t, worker_arg *w)
{
    const struct timespec pause = {0, 10 * 1000 * 1000};
    int err = pthread_create(t, NULL, worker, w);
    for (int tries = 1; err == EAGAIN && tries < 100; tries++) {
        nanosleep(&pause, NULL);
        err = pthread_create(t, NULL, worker, w);
    }
    return err;
}

/* Atoms split so that every thread gets about the same number of bonds. */
static void partition(m3g_eval *e)
{
    const m3g_graph *g = e->g;
    int T = e->n_threads;
    e->part_atom[0] = 0;
    size_t a = 0;
    for (int t = 1; t < T; t++) {
        size_t target = g->n_bonds * (size_t)t / (size_t)T;
        while (a < g->n_atoms && g->bond_start[a] < target) a++;
        e->part_atom[t] = a;
    }
    e->part_atom[T] = g->n_atoms;
}

static vt_status net_evaluate(void *p, m3g_eval *e)
{
    net *n = p;
    const m3g_graph *g = e->g;
    if (e->n_threads < 1) e->n_threads = 1;
    if (e->n_threads > 64) e->n_threads = 64;
    if ((size_t)e->n_threads > g->n_atoms) e->n_threads = (int)g->n_atoms;
    VT_TRY(reserve(n, g->n_atoms, g->n_bonds, g->n_triplets, e->n_threads));
    ctx c = {.n = n, .e = e};
    pthread_t tid[64];
    worker_arg wa[64];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t go = PTHREAD_COND_INITIALIZER;
    int started = -1, made = 0, err = 0, want = e->n_threads;
    for (int t = 1; t < want && !err; t++) {
        wa[t] = (worker_arg){&c, t, &mu, &go, &started};
        if ((err = start_thread(&tid[t], &wa[t])) == 0) made++;
    }
    if (err) e->n_threads = 1; /* the workers made return at once */
    partition(e);
    if (e->n_threads > 1) pthread_barrier_init(&c.barrier, NULL, (unsigned)e->n_threads);
    pthread_mutex_lock(&mu);
    started = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&mu);
    if (!err) run(&c, 0);
    for (int t = 1; t <= made; t++) pthread_join(tid[t], NULL);
    if (err)
        VT_FAIL(VT_EIO, "--calc m3gnet: could not start thread %d of %d: %s (lower threads=)", made + 2, want,
                strerror(err));
    if (e->n_threads > 1) pthread_barrier_destroy(&c.barrier);
    double sum = 0, ref = 0;
    for (int t = 0; t < e->n_threads; t++) sum += c.energy_thr[t];
    for (size_t a = 0; a < g->n_atoms; a++) ref += n->m->ref_eV[g->type[a]];
    e->energy_eV = n->m->data_std_eV * sum + (double)g->n_atoms * n->m->data_mean_eV + ref;
    return VT_OK;
}

const m3g_net_api NET_API = {PRECISION, net_create, net_evaluate, net_destroy};
