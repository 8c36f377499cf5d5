/* test_msd.c - diffusivity from MSD: a Brownian trajectory with known D recovered within 3 sigma
** for >= 95% of 200 seeds (wrapped positions in a triclinic cell, a vibrating framework, a common
** drift; one direction alone: >= 90%); image counts and minimum-image unwrapping agree; a uniform
** drift changes nothing; the Nernst-Einstein conductivity against SI constants; bad input refused.
** (pymatgen equivalence of all three modes: test_msd_pymatgen.sh.) */
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "vitrum.h"

#define D_TRUE_A2_FS 1e-3  /* 1e-4 cm^2/s */
#define DT_FS 10.0
#define N_FRAMES 2000
#define N_LI 20
#define N_O 10

static double gauss(vt_rng *r)
{
    double u = vt_rng_uniform(r), v = vt_rng_uniform(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* Li: Brownian with D_TRUE; O: vibrating about fixed sites; everything: a common random drift (and
 * a uniform velocity vel_A_fs). Positions wrapped into the cell; with_images keeps image counts. */
static vt_traj *brownian(uint64_t seed, int with_images, double vel_A_fs)
{
    static const double L[3][3] = {{11.0, 0.0, 0.0}, {2.0, 10.5, 0.0}, {-1.5, 1.0, 12.0}};
    vt_rng r;
    vt_rng_seed(&r, seed);
    double x[N_LI + N_O][3], site[N_O][3], drift[3] = {0, 0, 0};
    double step = sqrt(2.0 * D_TRUE_A2_FS * DT_FS); /* per direction, per frame */
    for (int i = 0; i < N_LI + N_O; i++) {
        double f[3] = {vt_rng_uniform(&r), vt_rng_uniform(&r), vt_rng_uniform(&r)};
        vt_frac_to_cart(L, f, x[i]);
        if (i >= N_LI) memcpy(site[i - N_LI], x[i], sizeof x[i]);
    }
    vt_traj *t = NULL;
    if (vt_traj_new(&t) != VT_OK) return NULL;
    for (int f = 0; f < N_FRAMES; f++) {
        vt_cell *c = NULL;
        if (vt_cell_new(N_LI + N_O, L, with_images ? VT_CELL_IMAGE : 0, &c) != VT_OK) return NULL;
        for (int d = 0; d < 3; d++) drift[d] += f ? 0.02 * gauss(&r) + vel_A_fs * DT_FS : 0.0;
        for (int i = 0; i < N_LI + N_O; i++) {
            c->Z[i] = i < N_LI ? 3 : 8;
            for (int d = 0; d < 3; d++) {
                if (i < N_LI) x[i][d] += f ? step * gauss(&r) : 0.0;
                else x[i][d] = site[i - N_LI][d] + 0.1 * gauss(&r);
                c->pos[i][d] = x[i][d] + drift[d];
            }
        }
        if (vt_cell_wrap(c) != VT_OK || vt_traj_append(t, c) != VT_OK) return NULL;
    }
    return t;
}

static void coverage(void)
{
    vt_diffusion_opts o = vt_diffusion_opts_default();
    o.dt_fs = DT_FS;
    int inside = 0, inside_x = 0, inside_pmg = 0, n = 200;
    double D_true = D_TRUE_A2_FS * 0.1, mean_ratio = 0;
    for (int s = 0; s < n; s++) {
        vt_traj *t = brownian(vt_rng_derive(2024, (uint64_t)s), 0, 0.0);
        vt_diffusion *d = NULL;
        CHECK(t && vt_diffusion_compute(t, 3, &o, &d) == VT_OK);
        if (!d) return;
        inside += fabs(d->D.value - D_true) <= 3.0 * d->D.sigma;
        inside_x += fabs(d->D_xyz[0].value - D_true) <= 3.0 * d->D_xyz[0].sigma;
        inside_pmg += fabs(d->D.value - D_true) <= 3.0 * d->D_sigma_pmg;
        mean_ratio += d->D.value / D_true / n;
        vt_diffusion_free(d);
        vt_traj_free(t);
    }
    printf("Brownian, %d seeds, D_true %.3e cm^2/s: within 3 sigma %d (x only: %d); with pymatgen's "
           "sigma %d; mean D / D_true %.4f\n", n, D_true, inside, inside_x, inside_pmg, mean_ratio);
    CHECK(inside >= 190);
    /* One direction: each ion's slope is closer to a skewed chi-square (fewer effective degrees of
     * freedom), so +-3 standard errors over 20 ions cover less than the normal 99.7 %. */
    CHECK(inside_x >= 180);
    CHECK(fabs(mean_ratio - 1.0) < 0.01); /* unbiased: 200 x 20 ions, ~2% scatter each run */
}

/* Image counts (exact unwrapping) and frame-to-frame minimum image give the same D; a uniform
 * velocity of every atom (a drifting box) is removed with the framework's drift. */
static void unwrapping_and_drift(void)
{
    vt_diffusion_opts o = vt_diffusion_opts_default();
    o.dt_fs = DT_FS;
    vt_traj *a = brownian(99, 0, 0.0), *b = brownian(99, 1, 0.0), *c = brownian(99, 0, 0.003);
    vt_diffusion *da = NULL, *db = NULL, *dc = NULL;
    CHECK(a && b && c);
    CHECK(vt_diffusion_compute(a, 3, &o, &da) == VT_OK);
    CHECK(vt_diffusion_compute(b, 3, &o, &db) == VT_OK);
    CHECK(vt_diffusion_compute(c, 3, &o, &dc) == VT_OK);
    if (da && db && dc) {
        CHECK_REL(db->D.value / da->D.value, 1.0, 1e-10);
        CHECK_REL(dc->D.value / da->D.value, 1.0, 1e-6);
        CHECK(da->n_lags == N_FRAMES && da->fit_first == 100 && da->fit_stop == N_FRAMES * N_LI / 30);
    }
    /* no drift correction: the velocity adds (v t)^2 and D grows */
    o.drift = VT_DRIFT_NONE;
    vt_diffusion *dn = NULL;
    CHECK(vt_diffusion_compute(c, 3, &o, &dn) == VT_OK);
    if (dn && da) CHECK(dn->D.value > 2.0 * da->D.value);
    vt_diffusion_free(da), vt_diffusion_free(db), vt_diffusion_free(dc), vt_diffusion_free(dn);
    vt_traj_free(a), vt_traj_free(b), vt_traj_free(c);
}

static void nernst_einstein(void)
{
    /* 10 ions in 1000 A^3 (1e22 /cm^3), q = 1, D = 1e-5 cm^2/s, 1000 K, SI constants:
     * sigma = n q^2 e^2 D / (kB T) = 1e22 * (1.602176634e-19)^2 * 1e-5 / (1.380649e-23 * 1000) S/cm */
    double want = 1e22 * 1.602176634e-19 * 1.602176634e-19 * 1e-5 / (1.380649e-23 * 1000.0) * 1000.0;
    CHECK_REL(vt_nernst_einstein_mS_cm(1e-5, 10, 1000.0, 1.0, 1000.0) / want, 1.0, 1e-9);
    CHECK_REL(vt_nernst_einstein_mS_cm(1e-5, 10, 1000.0, 2.0, 1000.0) / want, 4.0, 1e-9);
}

static void bad_input(void)
{
    vt_traj *t = brownian(5, 0, 0.0);
    vt_diffusion *d = NULL;
    vt_diffusion_opts o = vt_diffusion_opts_default();
    CHECK(vt_diffusion_compute(t, 3, &o, &d) == VT_EINVAL && !d); /* dt not set */
    o.dt_fs = DT_FS;
    CHECK(vt_diffusion_compute(t, 11, &o, &d) == VT_EINVAL && !d); /* no Na */
    o.min_fit_fs = 1e6;                                             /* window beyond the run */
    CHECK(vt_diffusion_compute(t, 3, &o, &d) == VT_ERANGE && !d);
    printf("refused: %s\n", vt_errmsg());
    o = vt_diffusion_opts_default(), o.dt_fs = DT_FS, o.mode = VT_MSD_CONSTANT, o.avg_nsteps = N_FRAMES;
    CHECK(vt_diffusion_compute(t, 3, &o, &d) == VT_ERANGE && !d);
    o.avg_nsteps = 500, o.T_K = 1000.0;
    CHECK(vt_diffusion_compute(t, 3, &o, &d) == VT_OK);
    if (d) {
        CHECK(d->n_lags == N_FRAMES - 500 && d->charge_e == 1.0);
        CHECK_REL(d->sigma_mS_cm.value,
                  vt_nernst_einstein_mS_cm(d->D.value, N_LI, vt_cell_volume(t->frames[0]), 1.0, 1000.0), 1e-12);
    }
    vt_diffusion_free(d);
    vt_traj_free(t);
}

int main(void)
{
    coverage();
    unwrapping_and_drift();
    nernst_einstein();
    bad_input();
    TEST_DONE();
}
