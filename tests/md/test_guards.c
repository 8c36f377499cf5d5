/* test_guards.c - a run that blows up stops with VT_EUNSTABLE, a message naming the step and the
** atom(s), and the last good step written to last_good_path and left in the cell: NaN forces, a
** lost atom, temperature runaway, atoms closer than the floor (also through a periodic boundary
** of a skewed cell); bad options are refused; an observer can stop a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "md/lj.h"
#include "test.h"
#include "vitrum.h"

static char dir[256], last_good[300];

static vt_md_opts options(uint64_t n_steps)
{
    vt_md_opts o = vt_md_opts_default();
    o.dt_fs = 5.0;
    o.n_steps = n_steps;
    o.thermostat = VT_THERMOSTAT_CSVR;
    o.T_start_K = 100.0;
    o.last_good_path = last_good;
    return o;
}

static vt_status run(lj_params *p, vt_md_opts *o, vt_cell **out)
{
    vt_cell *c = lj_fcc(2, 7.3, 18, 0.0);
    vt_calc *calc = lj_open(p);
    vt_status s = vt_md_run(c, calc, o, NULL);
    vt_calc_free(calc);
    *out = c;
    return s;
}

static lj_params params(void)
{
    lj_params p = lj_argon();
    p.rc_A = 2.0 * p.sigma_A;
    return p;
}

/* NaN force at step 50: stops there; the last good frame is step 49, bit for bit. */
static void test_nan(void)
{
    lj_params p = params();
    vt_cell *ref, *c;
    vt_md_opts o = options(49);
    CHECK(run(&p, &o, &ref) == VT_OK); /* wrapped state of step 49 */
    p = params();
    p.bad_call = 51; /* call 1 is step 0 */
    p.bad_force_eV_A = NAN;
    o = options(100);
    unlink(last_good);
    CHECK(run(&p, &o, &c) == VT_EUNSTABLE);
    printf("NaN: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "md: step 50: atom 2 (Ar): non-finite force") != NULL);
    CHECK(strstr(vt_errmsg(), "last good frame (step 49) written to") != NULL);
    vt_cell *g = NULL;
    CHECK(vt_structure_read(last_good, NULL, &g) == VT_OK);
    if (g) {
        CHECK(g->n_atoms == ref->n_atoms && g->vel && g->image);
        CHECK(memcmp(g->pos, ref->pos, ref->n_atoms * sizeof *ref->pos) == 0);
        CHECK(memcmp(g->vel, ref->vel, ref->n_atoms * sizeof *ref->vel) == 0);
        CHECK(memcmp(g->image, ref->image, ref->n_atoms * sizeof *ref->image) == 0);
    }
    CHECK(vt_cell_wrap(c) == VT_OK); /* the cell was left at the last good step */
    CHECK(memcmp(c->pos, ref->pos, ref->n_atoms * sizeof *ref->pos) == 0);
    vt_cell_free(g);
    vt_cell_free(ref);
    vt_cell_free(c);
}

/* A kick of 1e4 eV/A on atom 2 at step 30: runaway temperature at once; with the limit off, the
 * atom is lost at step 31. */
static void test_kick(void)
{
    lj_params p = params();
    p.bad_call = 31;
    p.bad_force_eV_A = 1e4;
    vt_md_opts o = options(100);
    vt_cell *c;
    CHECK(run(&p, &o, &c) == VT_EUNSTABLE);
    printf("kick: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "md: step 30: temperature") != NULL && strstr(vt_errmsg(), "above the runaway limit 1000 K"));
    vt_cell_free(c);
    p = params();
    p.bad_call = 31;
    p.bad_force_eV_A = 1e4;
    o.T_max_K = 1e12;
    CHECK(run(&p, &o, &c) == VT_EUNSTABLE);
    printf("kick, no T limit: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "md: step 31: atom 2 (Ar) moved") != NULL && strstr(vt_errmsg(), "lost"));
    vt_cell_free(c);
}

/* Two atoms 0.364 A apart through the boundary of a skewed cell: refused at step 0. */
static void test_close(void)
{
    double L[3][3] = {{10, 0, 0}, {3, 10, 0}, {1, 2, 10}};
    vt_cell *c = NULL;
    CHECK(vt_cell_new(3, L, 0, &c) == VT_OK);
    c->Z[0] = c->Z[1] = c->Z[2] = 18;
    double f0[3] = {0.01, 0.5, 0.5}, x0[3];
    vt_frac_to_cart(c->lattice, f0, x0);
    for (int k = 0; k < 3; k++) {
        c->pos[0][k] = x0[k];
        c->pos[1][k] = x0[k] + (k == 0 ? -0.35 : k == 1 ? 0.1 : 0.0) + c->lattice[0][k]; /* image of atom 0's neighbour */
        c->pos[2][k] = x0[k] + 0.5 * (c->lattice[0][k] + c->lattice[1][k]);
    }
    lj_params p = params();
    p.rc_A = 4.9;
    vt_calc *calc = lj_open(&p);
    vt_md_opts o = options(10);
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EUNSTABLE);
    printf("close: %s\n", vt_errmsg());
    CHECK(strstr(vt_errmsg(), "md: step 0: atoms 1 (Ar) and 2 (Ar) are 0.364 A apart (floor 0.5 A)") != NULL);
    o.min_distance_A = 0.3;
    o.n_steps = 0;
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_OK);
    vt_calc_free(calc);
    vt_cell_free(c);
}

static vt_status stop_at_10(void *arg, const vt_md_frame *f)
{
    (void)arg;
    return f->step == 10 ? VT_ERANGE : VT_OK;
}

static void test_options(void)
{
    lj_params p = params();
    vt_cell *c;
    vt_md_opts o = options(100);
    o.observe = stop_at_10;
    CHECK(run(&p, &o, &c) == VT_ERANGE);
    vt_cell_free(c);
    o = options(10);
    o.dt_fs = 0.0;
    CHECK(run(&p, &o, &c) == VT_EINVAL);
    vt_cell_free(c);
    o = options(10);
    o.T_start_K = NAN;
    CHECK(run(&p, &o, &c) == VT_EINVAL);
    vt_cell_free(c);
    printf("no temperature: %s\n", vt_errmsg());
    o = options(10);
    o.tdamp_fs = 1.0;
    CHECK(run(&p, &o, &c) == VT_EINVAL);
    vt_cell_free(c);
    o = options(10);
    o.thermostat = VT_THERMOSTAT_NHC;
    o.nhc_order = 2;
    CHECK(run(&p, &o, &c) == VT_EINVAL);
    vt_cell_free(c);
    o = options(10);
    o.velocities = VT_VEL_KEEP;
    CHECK(run(&p, &o, &c) == VT_EINVAL);
    vt_cell_free(c); /* the cell has no velocities */
    o = options(10);
    o.log_path = "/nonexistent-dir/x.log";
    CHECK(run(&p, &o, &c) == VT_EIO);
    vt_cell_free(c);
    double L[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    CHECK(vt_cell_new(1, L, 0, &c) == VT_OK);
    c->Z[0] = 18;
    vt_calc *calc = lj_open(&p);
    o = options(10);
    CHECK(vt_md_run(c, calc, &o, NULL) == VT_EINVAL);
    vt_calc_free(calc);
    vt_cell_free(c);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vt_test_guards_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(last_good, sizeof last_good, "%s/run.last-good.extxyz", dir);
    test_nan();
    test_kick();
    test_close();
    test_options();
    unlink(last_good);
    rmdir(dir);
    TEST_DONE();
}
