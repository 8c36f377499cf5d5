/*
** fire.c - FIRE relaxation of positions and, optionally, the cell.
** FIRE: Bitzek, Koskinen, Gaehler, Moseler, Gumbsch, PRL 97, 170201 (2006), with the parameters
** and the unit-mass form of ASE's ase.optimize.FIRE: dt 0.1, dt_max 1.0, N_min 5, f_inc 1.1,
** f_dec 0.5, alpha_start 0.1, f_alpha 0.99, and the whole step capped at max_move_A (maxstep).
**     v <- (1 - a) v + a |v| g/|g|  while P = g.v > 0 (after N_min such steps: dt *= f_inc, a *= f_alpha)
**     v <- 0, a = a_start, dt *= f_dec  when P <= 0
**     v <- v + dt g;  q <- q + dt v  (|dt v| capped at max_move_A)
** Cell degrees of freedom, as ASE's UnitCellFilter: a deformation gradient F of the starting
** cell C0 (rows) gives the cell C0 F^T and positions r_i = X_i F^T of reference positions X_i.
** The coordinates are q = (X_i, cf F) with cf = N atoms; their forces are
**     g_X_i = f_i F           (f: atomic forces, eV/A; row vectors)
**     g_F   = -(V / cf) (sigma + P_target I) F^-T
** from dE = V sigma : (dF F^-1) and dV = V tr(F^-1 dF) (sigma, P_target converted from GPa to
** eV/A^3), so that a stationary point has zero forces and stress sigma = -P_target I.
** Hand-written: a few lines, and no C library offers FIRE with a cell filter.
** Tests: tests/md/test_fire.c (LJ fcc to its analytic lattice constant, zero pressure).
*/
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "md/md.h"

enum { FIRE_N_MIN = 5 };
static const double FIRE_DT0 = 0.1, FIRE_DT_MAX = 1.0, FIRE_F_INC = 1.1, FIRE_F_DEC = 0.5, FIRE_A0 = 0.1,
                    FIRE_F_A = 0.99;

vt_relax_opts vt_relax_opts_default(void)
{
    vt_relax_opts o;
    memset(&o, 0, sizeof o);
    o.fmax_eV_A = 0.01;
    o.stress_tol_GPa = 0.01;
    o.max_steps = 1000;
    o.relax_cell = 0;
    o.pressure_GPa = 0.0;
    o.max_move_A = 0.2;
    return o;
}

typedef struct relax {
    vt_cell *c;
    vt_calc *calc;
    const vt_relax_opts *o;
    size_t n, n_q;         /* atoms; coordinates (3n, + 9 with the cell) */
    double C0[3][3];       /* starting lattice, rows */
    double *q, *v, *g;     /* coordinates, FIRE velocities, generalized forces */
    double (*f)[3];        /* atomic forces, eV/A */
    double cf;             /* cell factor */
} relax;

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* F = q_cell / cf. */
static void deformation(const relax *r, double F[3][3])
{
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) F[a][b] = r->o->relax_cell ? r->q[3 * r->n + 3 * a + b] / r->cf : (a == b);
}

static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void invert3(const double m[3][3], double inv[3][3])
{
    double det = det3(m);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            /* cofactor of (j, i) */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
        }
}

/* Set the cell from q, compute, and fill the generalized forces g. */
static vt_status evaluate(relax *r, vt_relax_result *res)
{
    double F[3][3], Finv[3][3];
    deformation(r, F);
    invert3(F, Finv);
    vt_cell *c = r->c;
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++) c->lattice[k][a] = r->C0[k][0] * F[a][0] + r->C0[k][1] * F[a][1] + r->C0[k][2] * F[a][2];
    for (size_t i = 0; i < r->n; i++) {
        const double *X = r->q + 3 * i;
        for (int a = 0; a < 3; a++) c->pos[i][a] = F[a][0] * X[0] + F[a][1] * X[1] + F[a][2] * X[2];
    }
    vt_calc_result cr;
    memset(&cr, 0, sizeof cr);
    cr.forces = r->f;
    cr.want_stress = r->o->relax_cell;
    VT_TRY(vt_calc_compute(r->calc, c, &cr));
    if (!isfinite(cr.energy_eV)) VT_FAIL(VT_EUNSTABLE, "relax: step %llu: the energy is not finite", (unsigned long long)res->steps);
    res->energy_eV = cr.energy_eV;
    res->fmax_eV_A = 0.0;
    for (size_t i = 0; i < r->n; i++) {
        const double *f = r->f[i];
        double f2 = dot(f, f, 3);
        if (!isfinite(f2)) VT_FAIL(VT_EUNSTABLE, "relax: step %llu: the force on atom %zu is not finite", (unsigned long long)res->steps, i + 1);
        res->fmax_eV_A = fmax(res->fmax_eV_A, sqrt(f2));
        for (int b = 0; b < 3; b++) r->g[3 * i + b] = f[0] * F[0][b] + f[1] * F[1][b] + f[2] * F[2][b];
    }
    res->pressure_GPa = r->o->relax_cell ? -(cr.stress_GPa[0][0] + cr.stress_GPa[1][1] + cr.stress_GPa[2][2]) / 3.0 : NAN;
    res->stress_max_GPa = 0.0;
    if (!r->o->relax_cell) return VT_OK;
    double S[3][3], V = vt_cell_volume(c);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            S[a][b] = cr.stress_GPa[a][b] + (a == b ? r->o->pressure_GPa : 0.0);
            res->stress_max_GPa = fmax(res->stress_max_GPa, fabs(S[a][b]));
        }
    if (!isfinite(res->stress_max_GPa)) VT_FAIL(VT_EUNSTABLE, "relax: step %llu: the stress is not finite", (unsigned long long)res->steps);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double sum = 0.0; /* (S F^-T)_ab = sum_c S_ac Finv_bc */
            for (int k = 0; k < 3; k++) sum += S[a][k] * Finv[b][k];
            r->g[3 * r->n + 3 * a + b] = -V / r->cf * sum / VT_EV_PER_A3_IN_GPA;
        }
    return VT_OK;
}

/* One FIRE move of q along g. */
static void fire_move(relax *r, double *dt, double *alpha, int *n_pos, int is_first)
{
    size_t n = r->n_q;
    if (!is_first) {
        double P = dot(r->g, r->v, n);
        if (P > 0.0) {
            double vn = sqrt(dot(r->v, r->v, n)), gn = sqrt(dot(r->g, r->g, n));
            for (size_t k = 0; k < n; k++) r->v[k] = (1.0 - *alpha) * r->v[k] + *alpha * vn * r->g[k] / gn;
            if (*n_pos > FIRE_N_MIN) {
                *dt = fmin(*dt * FIRE_F_INC, FIRE_DT_MAX);
                *alpha *= FIRE_F_A;
            }
            (*n_pos)++;
        } else {
            memset(r->v, 0, n * sizeof *r->v);
            *alpha = FIRE_A0;
            *dt *= FIRE_F_DEC;
            *n_pos = 0;
        }
    }
    for (size_t k = 0; k < n; k++) r->v[k] += *dt * r->g[k];
    double step = *dt * sqrt(dot(r->v, r->v, n)), cap = step > r->o->max_move_A ? r->o->max_move_A / step : 1.0;
    for (size_t k = 0; k < n; k++) r->q[k] += cap * *dt * r->v[k];
}

static int converged(const relax *r, const vt_relax_result *res)
{
    return res->fmax_eV_A < r->o->fmax_eV_A && (!r->o->relax_cell || res->stress_max_GPa < r->o->stress_tol_GPa);
}

static vt_status relax_loop(relax *r, vt_relax_result *res)
{
    double dt = FIRE_DT0, alpha = FIRE_A0;
    int n_pos = 0;
    for (;;) {
        VT_TRY(evaluate(r, res));
        res->is_converged = converged(r, res);
        if (res->is_converged || res->steps == r->o->max_steps) return VT_OK;
        fire_move(r, &dt, &alpha, &n_pos, res->steps == 0);
        res->steps++;
        double F[3][3];
        deformation(r, F);
        double det = det3(F);
        if (!(det > 0.01 && det < 100.0))
            VT_FAIL(VT_EUNSTABLE, "relax: step %llu: the cell volume changed by a factor %.3g: the cell collapsed or exploded",
                    (unsigned long long)res->steps, det);
    }
}

vt_status vt_relax(vt_cell *c, vt_calc *calc, const vt_relax_opts *o, vt_relax_result *res)
{
    memset(res, 0, sizeof *res);
    if (!(o->fmax_eV_A > 0.0) || !(o->stress_tol_GPa > 0.0) || !(o->max_move_A > 0.0) || !isfinite(o->pressure_GPa))
        VT_FAIL(VT_EINVAL, "relax: fmax, stress tolerance and max move must be > 0 (got %g eV/A, %g GPa, %g A)", o->fmax_eV_A,
                o->stress_tol_GPa, o->max_move_A);
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "relax: empty cell");
    relax r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.calc = calc;
    r.o = o;
    r.n = c->n_atoms;
    r.n_q = 3 * r.n + (o->relax_cell ? 9 : 0);
    r.cf = (double)r.n;
    memcpy(r.C0, c->lattice, sizeof r.C0);
    r.q = vt_calloc(r.n_q, sizeof *r.q);
    r.v = vt_calloc(r.n_q, sizeof *r.v);
    r.g = vt_calloc(r.n_q, sizeof *r.g);
    r.f = vt_calloc(r.n, sizeof *r.f);
    vt_status st = VT_OK;
    if (!r.q || !r.v || !r.g || !r.f) {
        st = vt_err_set_(VT_ENOMEM, "relax: out of memory for %zu atoms", r.n);
    } else {
        memcpy(r.q, c->pos, r.n * sizeof *c->pos); /* F = I: X = r */
        if (o->relax_cell)
            for (int a = 0; a < 3; a++) r.q[3 * r.n + 4 * a] = r.cf;
        st = relax_loop(&r, res);
    }
    vt_free(r.q);
    vt_free(r.v);
    vt_free(r.g);
    vt_free(r.f);
    return st;
}
