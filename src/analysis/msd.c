/*
** msd.c - mean square displacement and diffusivity of each species, by FFT over every time
** origin, with the three modes of pymatgen-analysis-diffusion's DiffusionAnalyzer (smoothed="max",
** "constant", False) and the Nernst-Einstein conductivity.
**   Units: positions Angstrom, time fs, MSD A^2, D cm^2/s (slope in A^2/fs x 0.1 / (2 dim)).
**   Displacements (vitrum.h): disp_i(t) = F_i(t) L(t), F_i the running sum of the frame-to-frame
**   fractional steps reduced to the minimum image (or u(t) - u(t-1) with image counts; summed as
**   Cartesian steps when the cell is fixed, the same up to rounding), minus the
**   drift d(t) of the framework (or of the centre of mass): x_i(t) = disp_i(t) - d(t), x_i(0) = 0.
**   MSD of lag k over the origins j of the mode, for one coordinate of one ion:
**       msd(k) = (1 / n(k)) sum_j (x(j + k) - x(j))^2 = (Q(k) - 2 C(k)) / n(k)
**       Q(k) = sum_j x(j + k)^2 + x(j)^2       (prefix sums of x^2)
**       C(k) = sum_j x(j) x(j + k)             (a correlation: one FFT product)
**     "max":      j = 0..N-1-k, n = N - k      C = IFFT(|FFT(x)|^2), FFT length L >= 2N - 1
**     "constant": j = 0..A-1,   n = A          C = IFFT(conj(FFT(x[0:A])) FFT(x)), L >= N
**     "none":     j = 0                        msd(k) = x(k)^2, no FFT
**   The species MSD sums the spectra of all ions and inverts once per direction. The fitted slope
**   is linear in the MSD values (slope = sum_k c_k msd(k)), so every ion's own slope comes without
**   an inverse FFT: sum_k w_k C(k) = (1/L) sum_f Y_f conj(W_f), W = FFT(w), and the Q part is
**   sum_t u_t x(t)^2 with u built from running sums of c_k / n(k). The ions' slopes give the
**   error of D as the standard error of their mean; their mean is the species' slope exactly.
**   pymatgen's own error (D_sigma_pmg) is sqrt(n SSR / ((n Sxx - Sx^2)(n - 2))) / 6 of its
**   (weighted, for "max") fit residuals SSR with unweighted sums Sx, Sxx of t.
**   FFTW (libfftw3) does the transforms; plans are FFTW_ESTIMATE, so results are reproducible.
**   Tests: tests/analysis/test_msd.c (Brownian motion, 200 seeds), test_msd_pymatgen.sh (numpy
**   re-implementation of pymatgen's lag-by-lag algorithm, all three modes, 1e-6).
*/
#include <fftw3.h>
#include <math.h>
#include <string.h>

#include "core/error.h"

#define A2_PER_FS_IN_CM2_PER_S 0.1       /* 1 A^2/fs = 1e-16 cm^2 / 1e-15 s */
#define E_CHARGE_C 1.602176634e-19       /* elementary charge, C (exact, SI 2019) */
#define ION_BLOCK 64                     /* ions unwrapped together: frames are read once per block */
#define BLOCK_BYTES (64u << 20)          /* at most 64 MiB of unwrapped series per block */

vt_diffusion_opts vt_diffusion_opts_default(void)
{
    return (vt_diffusion_opts){.dt_fs = NAN, .mode = VT_MSD_MAX, .drift = VT_DRIFT_FRAMEWORK,
                               .min_obs = 30, .avg_nsteps = 1000, .min_fit_fs = 1000.0,
                               .max_fit_points = 200, .T_K = NAN, .charge_e = NAN};
}

double vt_nernst_einstein_mS_cm(double D_cm2_s, size_t n_ions, double volume_A3, double charge_e,
                                double T_K)
{
    /* sigma = n q^2 D / (V kB T); with kB T in eV, q^2 / (kB T) = e z^2 / (kB T / eV) in C/V.
     * n / V in 1/cm^3 (1 A^3 = 1e-24 cm^3); S/cm x 1000 = mS/cm. */
    double n_per_cm3 = (double)n_ions / (volume_A3 * 1e-24);
    return 1000.0 * n_per_cm3 * charge_e * charge_e * E_CHARGE_C * D_cm2_s / (VT_KB_EV_PER_K * T_K);
}

void vt_diffusion_free(vt_diffusion *d)
{
    if (!d) return;
    vt_free(d->msd_A2);
    vt_free(d->msd_xyz_A2);
    vt_free(d);
}

/* ---------------------------------------------------------------------------------------------
** Unwrapping: one walker state per atom, advanced frame by frame.
*/
typedef struct traj_view {
    const vt_traj *t;
    double (*inv)[3][3];  /* per frame, frac = cart * inv */
    int use_image;        /* every frame has image counts */
    int is_fixed_cell;    /* every frame has frame 0's lattice, bit for bit */
} traj_view;

typedef struct walker { double prev[3], F[3]; } walker;

/* Round to the nearest integer, halves to even (numpy.round), for |x| < 2^51: adding and removing
 * 1.5 * 2^52 leaves no fraction bits. Inline, unlike a libm call, in the innermost loop. */
static inline double round_even(double x)
{
    const double big = 0x1.8p52; /* not folded away: C17 without -ffast-math keeps the order */
    return (x + big) - big;
}

static void mul3(const double v[3], const double (*m)[3], double out[3])
{
    for (int j = 0; j < 3; j++) out[j] = v[0] * m[0][j] + v[1] * m[1][j] + v[2] * m[2][j];
}

/* Displacement (Angstrom) of atom at frame t from frame 0; call for t = 0, 1, 2, ... in order.
 * Fixed cell: Cartesian steps, each reduced by the lattice vectors n = round(step * inv) (the same
 * minimum image as on fractional coordinates). Variable cell: fractional steps cumulated, times the
 * current lattice (pymatgen's rule). Image counts, when every frame has them, replace rounding. */
static void walk(const traj_view *v, size_t t, size_t atom, walker *w, double disp[3])
{
    const vt_cell *c = v->t->frames[t];
    const double(*L)[3] = (const double(*)[3])c->lattice;
    double p[3], img[3] = {0, 0, 0};
    if (v->use_image)
        for (int d = 0; d < 3; d++) img[d] = c->image[atom][d];
    if (v->is_fixed_cell) {
        double shift[3];
        mul3(img, L, shift);
        for (int d = 0; d < 3; d++) p[d] = c->pos[atom][d] + shift[d];
    } else {
        mul3(c->pos[atom], (const double(*)[3])v->inv[t], p);
        for (int d = 0; d < 3; d++) p[d] += img[d];
    }
    if (t == 0) {
        memcpy(w->prev, p, sizeof p);
        memset(w->F, 0, sizeof w->F);
    } else {
        double step[3], n[3] = {0, 0, 0}, back[3] = {0, 0, 0};
        for (int d = 0; d < 3; d++) step[d] = p[d] - w->prev[d];
        if (!v->use_image) { /* minimum image, rounding half to even as numpy.round */
            double f[3];
            if (v->is_fixed_cell) mul3(step, (const double(*)[3])v->inv[0], f);
            else memcpy(f, step, sizeof f);
            for (int d = 0; d < 3; d++) n[d] = round_even(f[d]);
            if (n[0] != 0 || n[1] != 0 || n[2] != 0) { /* crossed a cell face */
                if (v->is_fixed_cell) mul3(n, L, back);
                else memcpy(back, n, sizeof back);
            }
        }
        for (int d = 0; d < 3; d++) w->F[d] += step[d] - back[d], w->prev[d] = p[d];
    }
    if (v->is_fixed_cell) memcpy(disp, w->F, sizeof w->F);
    else mul3(w->F, L, disp);
}

/* drift[t] (N x 3): the weighted mean displacement of the atoms with weight[i] > 0. */
static vt_status compute_drift(const traj_view *v, const double *weight, double (*drift)[3])
{
    size_t n = v->t->frames[0]->n_atoms, N = v->t->n_frames;
    walker *w = vt_calloc(n, sizeof *w);
    if (!w) VT_FAIL(VT_ENOMEM, "diffusion: out of memory");
    double wsum = 0;
    for (size_t i = 0; i < n; i++) wsum += weight[i];
    for (size_t t = 0; t < N; t++) {
        double s[3] = {0, 0, 0}, disp[3];
        for (size_t i = 0; i < n; i++) {
            if (!(weight[i] > 0)) continue;
            walk(v, t, i, &w[i], disp);
            for (int d = 0; d < 3; d++) s[d] += weight[i] * disp[d];
        }
        for (int d = 0; d < 3; d++) drift[t][d] = wsum > 0 ? s[d] / wsum : 0.0;
    }
    vt_free(w);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** The fit: slope of y = m t + c by (weighted) least squares, and pymatgen's error of the slope.
*/
typedef struct fit_window {
    size_t first, stop, stride, n; /* lags first, first + stride, ... < stop; n of them */
    int weighted;                  /* weights 1/t ("max") */
    double dt_fs;
    double *c;                     /* N: slope = sum_k c[k] y[k] (0 outside the window) */
} fit_window;

static double lag_weight(const fit_window *fw, size_t k) { return fw->weighted ? 1.0 / ((double)k * fw->dt_fs) : 1.0; }

static void fit_coefficients(fit_window *fw)
{
    double sw = 0, swt = 0, sxx = 0;
    for (size_t k = fw->first; k < fw->stop; k += fw->stride) {
        double w = lag_weight(fw, k), t = (double)k * fw->dt_fs;
        sw += w, swt += w * t;
    }
    double tbar = swt / sw;
    for (size_t k = fw->first; k < fw->stop; k += fw->stride) {
        double t = (double)k * fw->dt_fs - tbar;
        sxx += lag_weight(fw, k) * t * t;
    }
    for (size_t k = fw->first; k < fw->stop; k += fw->stride)
        fw->c[k] = lag_weight(fw, k) * ((double)k * fw->dt_fs - tbar) / sxx;
}

/* slope (A^2/fs) and intercept of y over the window; *sigma_pmg: pymatgen's error of the slope. */
static void fit_line(const fit_window *fw, const double *y, size_t y_stride, double *slope,
                     double *icept, double *sigma_pmg)
{
    double sw = 0, swt = 0, swy = 0, m = 0, st = 0, stt = 0;
    for (size_t k = fw->first; k < fw->stop; k += fw->stride) {
        double w = lag_weight(fw, k), t = (double)k * fw->dt_fs;
        sw += w, swt += w * t, swy += w * y[k * y_stride];
        m += fw->c[k] * y[k * y_stride];
        st += t, stt += t * t;
    }
    double c = (swy - m * swt) / sw, ssr = 0;
    for (size_t k = fw->first; k < fw->stop; k += fw->stride) {
        double t = (double)k * fw->dt_fs, r = y[k * y_stride] - (m * t + c);
        ssr += lag_weight(fw, k) * r * r;
    }
    double n = (double)fw->n;
    *slope = m, *icept = c;
    *sigma_pmg = sqrt(n * ssr / ((n * stt - st * st) * (n - 2.0)));
}

/* ---------------------------------------------------------------------------------------------
** FFT workspace for one species.
*/
typedef struct msd_ws {
    vt_msd_mode mode;
    size_t N, A, L, nf;          /* frames, origins ("constant"), FFT length, L/2 + 1 */
    double *in;                  /* L reals */
    fftw_complex *X, *XA;        /* nf each */
    fftw_complex *spec[3];       /* per direction: summed spectra of all ions */
    fftw_complex *W;             /* nf: FFT of w_k = c_k / n(k) */
    double *u;                   /* N: weights of x(t)^2 in an ion's slope */
    double *sq[3];               /* N per direction: sum over ions of x(t)^2 */
    double *P;                   /* N + 1: prefix sums of one sq[d] */
    fftw_plan fwd, inv;
} msd_ws;

/* Smallest L >= n whose only prime factors are 2, 3, 5, 7 (fast FFTW sizes). */
static size_t fft_size(size_t n)
{
    for (size_t L = n < 1 ? 1 : n;; L++) {
        size_t m = L;
        static const size_t p[] = {2, 3, 5, 7};
        for (int i = 0; i < 4; i++) while (m % p[i] == 0) m /= p[i];
        if (m == 1) return L;
    }
}

static size_t n_origins(const msd_ws *ws, size_t k)
{
    return ws->mode == VT_MSD_MAX ? ws->N - k : ws->mode == VT_MSD_CONSTANT ? ws->A : 1;
}

static void ws_free(msd_ws *ws)
{
    if (ws->fwd) fftw_destroy_plan(ws->fwd);
    if (ws->inv) fftw_destroy_plan(ws->inv);
    fftw_free(ws->in);
    fftw_free(ws->X);
    fftw_free(ws->XA);
    fftw_free(ws->W);
    for (int d = 0; d < 3; d++) fftw_free(ws->spec[d]), vt_free(ws->sq[d]);
    vt_free(ws->u);
    vt_free(ws->P);
}

/* Buffers and plans; the window coefficients fw->c must be set. FFTW's own allocator is used for
 * its aligned arrays (fftw_malloc); everything else goes through vt_malloc. */
static vt_status ws_init(msd_ws *ws, vt_msd_mode mode, size_t N, size_t A, const fit_window *fw)
{
    memset(ws, 0, sizeof *ws);
    ws->mode = mode, ws->N = N, ws->A = A;
    int ok = 1;
    ws->u = vt_calloc(N, sizeof *ws->u);
    ws->P = vt_calloc(N + 1, sizeof *ws->P);
    for (int d = 0; d < 3; d++) ok &= (ws->sq[d] = vt_calloc(N, sizeof(double))) != NULL;
    if (mode != VT_MSD_NONE) {
        ws->L = fft_size(mode == VT_MSD_MAX ? 2 * N - 1 : N);
        ws->nf = ws->L / 2 + 1;
        ws->in = fftw_malloc(ws->L * sizeof(double));
        ws->X = fftw_malloc(ws->nf * sizeof(fftw_complex));
        ws->XA = fftw_malloc(ws->nf * sizeof(fftw_complex));
        ws->W = fftw_malloc(ws->nf * sizeof(fftw_complex));
        for (int d = 0; d < 3; d++) {
            ok &= (ws->spec[d] = fftw_malloc(ws->nf * sizeof(fftw_complex))) != NULL;
            if (ws->spec[d]) memset(ws->spec[d], 0, ws->nf * sizeof(fftw_complex));
        }
        ok &= ws->in && ws->X && ws->XA && ws->W;
        if (ok) {
            ws->fwd = fftw_plan_dft_r2c_1d((int)ws->L, ws->in, ws->X, FFTW_ESTIMATE);
            ws->inv = fftw_plan_dft_c2r_1d((int)ws->L, ws->X, ws->in, FFTW_ESTIMATE);
            ok &= ws->fwd && ws->inv;
        }
    }
    if (!ok || !ws->u || !ws->P) {
        ws_free(ws);
        VT_FAIL(VT_ENOMEM, "diffusion: out of memory (%zu frames)", N);
    }
    /* v_k = c_k / n(k); u_t collects v over the lags whose Q(k) contains x(t)^2. */
    double *V = ws->u; /* running sums of v first, then turned into u below */
    double *tmp = vt_calloc(N + 1, sizeof *tmp);
    if (!tmp) {
        ws_free(ws);
        VT_FAIL(VT_ENOMEM, "diffusion: out of memory (%zu frames)", N);
    }
    for (size_t k = 0; k < N; k++) tmp[k + 1] = tmp[k] + fw->c[k] / (double)n_origins(ws, k);
    for (size_t t = 0; t < N; t++) {
        if (mode == VT_MSD_MAX) /* Q(k) = sum_{j=k}^{N-1} x_j^2 + sum_{j=0}^{N-1-k} x_j^2 */
            V[t] = tmp[t + 1] + tmp[N - t];
        else if (mode == VT_MSD_CONSTANT) /* Q(k) = sum_{j=k}^{k+A-1} x_j^2 + sum_{j<A} x_j^2 */
            V[t] = tmp[t + 1] - tmp[t + 1 > A ? t + 1 - A : 0] + (t < A ? tmp[N] : 0.0);
        else /* msd(k) = x(k)^2 */
            V[t] = fw->c[t];
    }
    vt_free(tmp);
    if (mode != VT_MSD_NONE) { /* W = FFT of w_k = c_k / n(k) */
        memset(ws->in, 0, ws->L * sizeof(double));
        for (size_t k = 0; k < N; k++) ws->in[k] = fw->c[k] / (double)n_origins(ws, k);
        fftw_execute_dft_r2c(ws->fwd, ws->in, ws->W);
    }
    return VT_OK;
}

/* (1/L) sum over the full spectrum of Re(Y_f conj(W_f)), from the half spectrum of real data. */
static double spectral_dot(const msd_ws *ws, const fftw_complex *Y)
{
    double s = 0;
    for (size_t f = 0; f < ws->nf; f++) {
        double term = Y[f][0] * ws->W[f][0] + Y[f][1] * ws->W[f][1];
        int is_edge = f == 0 || (ws->L % 2 == 0 && f == ws->nf - 1);
        s += is_edge ? term : 2.0 * term;
    }
    return s / (double)ws->L;
}

/* Add one coordinate series of one ion, x[t * stride] for t < N; returns its slope along d. */
static double add_series(msd_ws *ws, int d, const double *x, size_t stride)
{
    size_t N = ws->N;
    double q = 0;
    if (ws->mode != VT_MSD_NONE) memset(ws->in + N, 0, (ws->L - N) * sizeof(double));
    for (size_t t = 0; t < N; t++) {
        double xt = x[t * stride], x2 = xt * xt;
        ws->sq[d][t] += x2;
        q += ws->u[t] * x2;
        if (ws->in) ws->in[t] = xt;
    }
    if (ws->mode == VT_MSD_NONE) return q;
    fftw_execute_dft_r2c(ws->fwd, ws->in, ws->X);
    if (ws->mode == VT_MSD_MAX) {
        for (size_t f = 0; f < ws->nf; f++) {
            ws->X[f][0] = ws->X[f][0] * ws->X[f][0] + ws->X[f][1] * ws->X[f][1];
            ws->X[f][1] = 0.0;
        }
    } else { /* cross spectrum conj(FFT(x[0:A])) FFT(x) */
        memset(ws->in + ws->A, 0, (N - ws->A) * sizeof(double));
        fftw_execute_dft_r2c(ws->fwd, ws->in, ws->XA);
        for (size_t f = 0; f < ws->nf; f++) {
            double ar = ws->XA[f][0], ai = -ws->XA[f][1], br = ws->X[f][0], bi = ws->X[f][1];
            ws->X[f][0] = ar * br - ai * bi;
            ws->X[f][1] = ar * bi + ai * br;
        }
    }
    for (size_t f = 0; f < ws->nf; f++) ws->spec[d][f][0] += ws->X[f][0], ws->spec[d][f][1] += ws->X[f][1];
    return q - 2.0 * spectral_dot(ws, (const fftw_complex *)ws->X);
}

/* The species MSD per direction from the accumulated sums. */
static void finish_msd(msd_ws *ws, size_t n_ions, size_t n_lags, double (*msd)[3])
{
    size_t N = ws->N;
    for (int d = 0; d < 3; d++) {
        const double *sq = ws->sq[d];
        if (ws->mode == VT_MSD_NONE) {
            for (size_t k = 0; k < n_lags; k++) msd[k][d] = sq[k] / (double)n_ions;
            continue;
        }
        double *P = ws->P; /* P[m] = sum_{j<m} sq_j */
        P[0] = 0;
        for (size_t t = 0; t < N; t++) P[t + 1] = P[t] + sq[t];
        fftw_execute_dft_c2r(ws->inv, ws->spec[d], ws->in);
        for (size_t k = 0; k < n_lags; k++) {
            double Q = ws->mode == VT_MSD_MAX ? (P[N] - P[k]) + P[N - k] : (P[k + ws->A] - P[k]) + P[ws->A];
            double C = ws->in[k] / (double)ws->L;
            msd[k][d] = (Q - 2.0 * C) / ((double)n_origins(ws, k) * (double)n_ions);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
** Driver
*/
static vt_status check_opts(const vt_traj *t, int Z, const vt_diffusion_opts *o, size_t *n_ions)
{
    if (!t || t->n_frames < 2) VT_FAIL(VT_EINVAL, "diffusion: need a trajectory of at least 2 frames");
    if (!(o->dt_fs > 0) || !isfinite(o->dt_fs))
        VT_FAIL(VT_EINVAL, "diffusion: time between frames must be > 0 fs, got %g", o->dt_fs);
    if (o->mode != VT_MSD_MAX && o->mode != VT_MSD_CONSTANT && o->mode != VT_MSD_NONE)
        VT_FAIL(VT_EINVAL, "diffusion: unknown MSD mode %d", (int)o->mode);
    if (o->drift != VT_DRIFT_FRAMEWORK && o->drift != VT_DRIFT_COM && o->drift != VT_DRIFT_NONE)
        VT_FAIL(VT_EINVAL, "diffusion: unknown drift correction %d", (int)o->drift);
    if (o->mode == VT_MSD_MAX && (o->min_obs < 1 || o->max_fit_points < 1 || !(o->min_fit_fs >= 0)))
        VT_FAIL(VT_EINVAL, "diffusion: min_obs and max_fit_points must be >= 1, min_fit_fs >= 0");
    if (o->mode == VT_MSD_CONSTANT && o->avg_nsteps < 1)
        VT_FAIL(VT_EINVAL, "diffusion: avg_nsteps must be >= 1");
    if (t->n_frames > (size_t)1 << 30) VT_FAIL(VT_ERANGE, "diffusion: more than 2^30 frames");
    const vt_cell *c0 = t->frames[0];
    *n_ions = 0;
    for (size_t i = 0; i < c0->n_atoms; i++) *n_ions += c0->Z[i] == Z;
    const vt_element *el = vt_element_by_Z(Z);
    if (*n_ions == 0) VT_FAIL(VT_EINVAL, "diffusion: no %s atoms in the trajectory", el ? el->symbol : "such");
    return VT_OK;
}

/* The lags fitted by each mode (vitrum.h, vt_msd_mode). */
static vt_status choose_window(const vt_diffusion_opts *o, size_t N, size_t n_ions, fit_window *fw,
                               size_t *n_lags)
{
    fw->dt_fs = o->dt_fs, fw->stride = 1, fw->weighted = 0;
    if (o->mode == VT_MSD_MAX) {
        double lo = floor(o->min_fit_fs / o->dt_fs); /* pymatgen: int(1000 / (step_skip time_step)) */
        size_t hi = n_ions * N / o->min_obs < N ? n_ions * N / o->min_obs : N;
        fw->first = lo < 1 ? 1 : lo >= (double)N ? N : (size_t)lo; /* lag 0 has no weight 1/t */
        fw->stop = hi;
        if (fw->first < fw->stop) {
            size_t s = (fw->stop - fw->first) / o->max_fit_points;
            fw->stride = s > 1 ? s : 1;
        }
        fw->weighted = 1;
        *n_lags = N;
    } else if (o->mode == VT_MSD_CONSTANT) {
        if (N <= o->avg_nsteps)
            VT_FAIL(VT_ERANGE, "diffusion: \"constant\" mode needs more than avg_nsteps = %zu frames, got %zu",
                    o->avg_nsteps, N);
        fw->first = 0, fw->stop = N - o->avg_nsteps;
        *n_lags = fw->stop;
    } else {
        fw->first = 0, fw->stop = N;
        *n_lags = N;
    }
    fw->n = fw->stop > fw->first ? (fw->stop - fw->first + fw->stride - 1) / fw->stride : 0;
    if (fw->n < 3)
        VT_FAIL(VT_ERANGE, "diffusion: the fit window holds %zu lags (lag %zu up to %zu), need >= 3: "
                "run longer or lower the start of the fit (min_fit_fs = %g fs)", fw->n, fw->first,
                fw->stop, o->mode == VT_MSD_MAX ? o->min_fit_fs : 0.0);
    return VT_OK;
}

/* Per-atom weights of the drift: framework atoms (or all atoms by mass), or none. */
static void drift_weights(const vt_cell *c0, int Z, vt_drift drift, double *weight)
{
    size_t n = c0->n_atoms, n_other = 0;
    for (size_t i = 0; i < n; i++) n_other += c0->Z[i] != Z;
    for (size_t i = 0; i < n; i++) {
        if (drift == VT_DRIFT_NONE) weight[i] = 0;
        else if (drift == VT_DRIFT_FRAMEWORK && n_other > 0) weight[i] = c0->Z[i] != Z;
        else weight[i] = vt_element_by_Z(c0->Z[i])->mass_amu; /* centre of mass */
    }
}

static vt_status prepare_view(const vt_traj *t, traj_view *v)
{
    v->t = t;
    v->use_image = 1;
    v->inv = vt_malloc(t->n_frames * sizeof *v->inv);
    if (!v->inv) VT_FAIL(VT_ENOMEM, "diffusion: out of memory (%zu frames)", t->n_frames);
    for (size_t f = 0; f < t->n_frames; f++) {
        vt_status s = vt_lattice_inverse((const double(*)[3])t->frames[f]->lattice, v->inv[f]);
        if (s != VT_OK) {
            vt_free(v->inv);
            return vt_err_set_(s, "diffusion: frame %zu: %s", f + 1, vt_errmsg());
        }
        v->use_image &= t->frames[f]->image != NULL;
    }
    v->is_fixed_cell = 1;
    for (size_t f = 1; f < t->n_frames; f++)
        v->is_fixed_cell &= memcmp(t->frames[f]->lattice, t->frames[0]->lattice, sizeof t->frames[0]->lattice) == 0;
    return VT_OK;
}

/* Standard error of the mean of n values. */
static double sem(const double *v, size_t n)
{
    if (n < 2) return NAN;
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) s += (v[i] - m) * (v[i] - m);
    return sqrt(s / (double)(n - 1) / (double)n);
}

/* Walk the ions in blocks (frame-major: each frame is read once per block), feed their
 * drift-corrected series to the workspace; slopes[d][i]. */
static vt_status run_ions(const traj_view *v, const size_t *ions, size_t n_ions, const double (*drift)[3],
                          msd_ws *ws, double *slopes[3])
{
    size_t N = v->t->n_frames, block = BLOCK_BYTES / (3 * N * sizeof(double));
    block = block < 1 ? 1 : block > ION_BLOCK ? ION_BLOCK : block;
    double *x = vt_malloc(block * 3 * N * sizeof *x);
    if (!x) VT_FAIL(VT_ENOMEM, "diffusion: out of memory (%zu frames)", N);
    walker w[ION_BLOCK];
    for (size_t b = 0; b < n_ions; b += block) {
        size_t m = n_ions - b < block ? n_ions - b : block;
        for (size_t t = 0; t < N; t++)
            for (size_t i = 0; i < m; i++) {
                double disp[3];
                walk(v, t, ions[b + i], &w[i], disp);
                for (int d = 0; d < 3; d++) x[(t * m + i) * 3 + d] = disp[d] - drift[t][d];
            }
        for (size_t i = 0; i < m; i++)
            for (int d = 0; d < 3; d++) slopes[d][b + i] = add_series(ws, d, x + i * 3 + d, 3 * m);
    }
    vt_free(x);
    return VT_OK;
}

static vt_status fill_result(vt_diffusion *r, const fit_window *fw, double *slopes[3], size_t n_ions,
                             const vt_cell *c0, const vt_diffusion_opts *o)
{
    const double to_cgs = A2_PER_FS_IN_CM2_PER_S;
    double *tot = vt_malloc(r->n_lags * sizeof *tot);
    if (!tot) VT_FAIL(VT_ENOMEM, "diffusion: out of memory");
    for (size_t k = 0; k < r->n_lags; k++) tot[k] = r->msd_xyz_A2[k][0] + r->msd_xyz_A2[k][1] + r->msd_xyz_A2[k][2];
    memcpy(r->msd_A2, tot, r->n_lags * sizeof *tot);
    double m, c, sp;
    fit_line(fw, tot, 1, &m, &c, &sp);
    r->D.value = m * to_cgs / 6.0, r->D_sigma_pmg = sp * to_cgs / 6.0, r->msd_intercept_A2 = c;
    for (int d = 0; d < 3; d++) {
        fit_line(fw, &r->msd_xyz_A2[0][d], 3, &m, &c, &sp);
        r->D_xyz[d].value = m * to_cgs / 2.0, r->D_xyz_sigma_pmg[d] = sp * to_cgs / 2.0;
        for (size_t i = 0; i < n_ions; i++) slopes[d][i] *= to_cgs / 2.0; /* ion's D along d */
        r->D_xyz[d].sigma = sem(slopes[d], n_ions);
    }
    for (size_t i = 0; i < n_ions; i++) tot[i] = (slopes[0][i] + slopes[1][i] + slopes[2][i]) / 3.0;
    r->D.sigma = sem(tot, n_ions);
    vt_free(tot);
    /* Nernst-Einstein, Haven ratio 1 (pymatgen's conductivity) */
    const vt_element *el = vt_element_by_Z(r->Z);
    r->charge_e = isfinite(o->charge_e) ? o->charge_e : el->group == 1 ? 1.0 : el->group == 2 ? 2.0 : NAN;
    double V = vt_cell_volume(c0), k = vt_nernst_einstein_mS_cm(1.0, n_ions, V, r->charge_e, o->T_K);
    r->sigma_mS_cm = (vt_estimate){r->D.value * k, r->D.sigma * k};
    return VT_OK;
}

vt_status vt_diffusion_compute(const vt_traj *t, int Z, const vt_diffusion_opts *opts, vt_diffusion **out)
{
    *out = NULL;
    vt_diffusion_opts o = opts ? *opts : vt_diffusion_opts_default();
    size_t n_ions = 0;
    VT_TRY(check_opts(t, Z, &o, &n_ions));
    const vt_cell *c0 = t->frames[0];
    size_t N = t->n_frames, n = c0->n_atoms, n_lags = 0;
    fit_window fw = {0};
    VT_TRY(choose_window(&o, N, n_ions, &fw, &n_lags));

    vt_status s = VT_ENOMEM;
    traj_view v = {0};
    msd_ws ws;
    int ws_ready = 0;
    size_t *ions = vt_malloc(n_ions * sizeof *ions);
    double *weight = vt_malloc(n * sizeof *weight);
    double (*drift)[3] = vt_malloc(N * sizeof *drift);
    double *slopes[3] = {vt_malloc(n_ions * sizeof(double)), vt_malloc(n_ions * sizeof(double)),
                         vt_malloc(n_ions * sizeof(double))};
    fw.c = vt_calloc(N, sizeof *fw.c);
    vt_diffusion *r = vt_calloc(1, sizeof *r);
    if (r) {
        r->msd_A2 = vt_malloc(n_lags * sizeof *r->msd_A2);
        r->msd_xyz_A2 = vt_malloc(n_lags * sizeof *r->msd_xyz_A2);
    }
    if (!ions || !weight || !drift || !slopes[0] || !slopes[1] || !slopes[2] || !fw.c || !r ||
        !r->msd_A2 || !r->msd_xyz_A2) {
        s = vt_err_set_(VT_ENOMEM, "diffusion: out of memory (%zu frames x %zu atoms)", N, n);
        goto done;
    }
    for (size_t i = 0, k = 0; i < n; i++)
        if (c0->Z[i] == Z) ions[k++] = i;
    fit_coefficients(&fw);
    if ((s = prepare_view(t, &v)) != VT_OK) goto done;
    drift_weights(c0, Z, o.drift, weight);
    if ((s = compute_drift(&v, weight, drift)) != VT_OK) goto done;
    if ((s = ws_init(&ws, o.mode, N, o.avg_nsteps, &fw)) != VT_OK) goto done;
    ws_ready = 1;
    if ((s = run_ions(&v, ions, n_ions, (const double(*)[3])drift, &ws, slopes)) != VT_OK) goto done;
    r->Z = Z, r->n_ions = n_ions, r->dt_fs = o.dt_fs, r->n_lags = n_lags;
    r->fit_first = fw.first, r->fit_stop = fw.stop, r->fit_stride = fw.stride;
    finish_msd(&ws, n_ions, n_lags, r->msd_xyz_A2);
    if ((s = fill_result(r, &fw, slopes, n_ions, c0, &o)) != VT_OK) goto done;
    *out = r;
    r = NULL;
done:
    if (ws_ready) ws_free(&ws);
    vt_diffusion_free(r);
    vt_free(v.inv);
    vt_free(ions);
    vt_free(weight);
    vt_free(drift);
    for (int d = 0; d < 3; d++) vt_free(slopes[d]);
    vt_free(fw.c);
    return s;
}
