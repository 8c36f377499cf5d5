/*
** xtb.c - semi-empirical tight binding through libxtb's C API (Debian libxtb-dev 6.5.1, xtb.h):
** GFN2-xTB, GFN1-xTB, GFN0-xTB, only where their analytic forces are verified.
**   Spec: xtb:METHOD[:molecule]   METHOD gfn2 | gfn1 | gfn0. Default: periodic along a, b, c
**   (vitrum's cells are periodic); ":molecule" ignores the cell and treats the atoms as one
**   isolated molecule at the positions given (no wrapping, no minimum image).
**   Units: libxtb takes Bohr and returns Hartree and Hartree/Bohr; converted with VT_BOHR_A and
**   VT_HARTREE_EV (ipi.h) to eV and eV/A.
**   Stress: libxtb 6.5.1 returns a zero virial through its C API (checked against a strain finite
**   difference for periodic GFN1), so no stress is reported: stress_GPa is NaN when asked for.
**   Force self-check (the rule: only method/periodicity/element combinations whose
**   analytic forces pass a finite-difference check): at the first compute, and again whenever the
**   element set changes, one atom of each element is displaced by +-H_BOHR along x, y and z in the
**   actual structure and the central difference of the energy is compared with the analytic
**   gradient; every component must agree within FD_ABS + FD_REL |g|, and every single point must
**   succeed. A failing combination is refused with VT_ENOTSUP naming method, periodicity and
**   elements; verdicts are cached per (method, periodicity, element set) in the calculator.
**   What libxtb 6.5.1 supports (docs/xtb.md): GFN2 periodic fails ("Multipoles not available
**   with PBC"); GFN0 needs param_gfn0-xtb.txt, which Debian does not ship (found via XTBPATH);
**   GFN1 periodic runs but fails for some cells (SCC or diagonalisation failures), which the
**   self-check catches. Tests: tests/calc/test_xtb.c.
*/
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <xtb.h>

#include "calc/calc.h"
#include "calc/ipi.h"
#include "core/error.h"

#define H_BOHR 1e-3    /* finite-difference step, Bohr: truncation error ~h^2 |E'''| << FD_ABS */
#define FD_ABS 5e-5    /* Hartree/Bohr (2.6e-3 eV/A): well above SCC noise at accuracy 0.01 */
#define FD_REL 1e-3
#define CHECK_ACCURACY 0.01 /* libxtb accuracy during the check (tighter SCC than the default 1) */
#define MAX_VERDICTS 16

typedef struct verdict {
    unsigned char has_Z[VT_MAX_Z + 1]; /* the element set */
    int passed;
} verdict;

typedef struct xtb_state {
    int method;           /* 0, 1, 2: GFN0/1/2-xTB */
    int periodic;
    xtb_TEnvironment env;
    xtb_TMolecule mol;    /* NULL until the first compute */
    xtb_TCalculator calc;
    xtb_TResults res;
    size_t n_atoms;
    int *Z;               /* atoms of mol */
    double *pos_bohr;     /* n_atoms x 3 */
    double *grad;         /* n_atoms x 3, Hartree/Bohr */
    verdict verdicts[MAX_VERDICTS];
    size_t n_verdicts;
} xtb_state;

static const char *method_name(int m) { return m == 0 ? "GFN0-xTB" : m == 1 ? "GFN1-xTB" : "GFN2-xTB"; }

/* libxtb's error stack as a VT_ error (and cleared). */
static vt_status xtb_error(xtb_state *st, vt_status code, const char *what)
{
    char buf[1024];
    int len = (int)sizeof buf - 1;
    memset(buf, 0, sizeof buf); /* libxtb (Fortran) copies the text without a terminating NUL */
    xtb_getError(st->env, buf, &len);
    for (char *p = buf; *p; p++)
        if (*p == '\n') *p = ' ';
    VT_FAIL(code, "--calc xtb %s (%s): %s: %s", method_name(st->method),
            st->periodic ? "periodic" : "molecule", what, buf);
}

static void to_bohr(const vt_cell *c, double *pos, double lat[9])
{
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) pos[3 * i + k] = c->pos[i][k] / VT_BOHR_A;
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++) lat[3 * r + k] = c->lattice[r][k] / VT_BOHR_A;
}

/* Energy (Hartree) and, when grad, gradient for the current positions in st->pos_bohr. */
static vt_status single_point(xtb_state *st, const double lat[9], double *e_ha, double *grad)
{
    xtb_updateMolecule(st->env, st->mol, st->pos_bohr, st->periodic ? lat : NULL);
    xtb_singlepoint(st->env, st->mol, st->calc, st->res);
    if (xtb_checkEnvironment(st->env)) return xtb_error(st, VT_ENOCONV, "single point failed");
    xtb_getEnergy(st->env, st->res, e_ha);
    if (grad) xtb_getGradient(st->env, st->res, grad);
    if (xtb_checkEnvironment(st->env)) return xtb_error(st, VT_EINTERNAL, "reading results");
    return VT_OK;
}

static vt_status build(xtb_state *st, const vt_cell *c)
{
    size_t n = c->n_atoms;
    if (n > 100000) VT_FAIL(VT_ERANGE, "--calc xtb: %zu atoms is beyond what tight binding does here", n);
    st->Z = vt_malloc(n * sizeof *st->Z);
    st->pos_bohr = vt_malloc(n * 3 * sizeof *st->pos_bohr);
    st->grad = vt_malloc(n * 3 * sizeof *st->grad);
    if (!st->Z || !st->pos_bohr || !st->grad) VT_FAIL(VT_ENOMEM, "--calc xtb: out of memory");
    memcpy(st->Z, c->Z, n * sizeof *st->Z);
    st->n_atoms = n;
    double lat[9];
    to_bohr(c, st->pos_bohr, lat);
    int n_int = (int)n, uhf = 0;
    double charge = 0.0;
    bool pbc[3] = {true, true, true};
    st->mol = xtb_newMolecule(st->env, &n_int, st->Z, st->pos_bohr, &charge, &uhf,
                              st->periodic ? lat : NULL, st->periodic ? pbc : NULL);
    if (xtb_checkEnvironment(st->env)) return xtb_error(st, VT_EINVAL, "making the molecule");
    st->calc = xtb_newCalculator();
    st->res = xtb_newResults();
    if (st->method == 0) xtb_loadGFN0xTB(st->env, st->mol, st->calc, NULL);
    else if (st->method == 1) xtb_loadGFN1xTB(st->env, st->mol, st->calc, NULL);
    else xtb_loadGFN2xTB(st->env, st->mol, st->calc, NULL);
    if (xtb_checkEnvironment(st->env))
        return xtb_error(st, VT_ENOTSUP, st->method == 0 ? "loading parameters (Debian's libxtb6 does not "
                                                           "ship param_gfn0-xtb.txt; set XTBPATH to its folder)"
                                                         : "loading parameters");
    return VT_OK;
}

/* "Li, O" into buf: the elements of st. */
static void element_list(const unsigned char *has_Z, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int z = 1; z <= VT_MAX_Z && len + 8 < size; z++)
        if (has_Z[z]) len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", vt_element_by_Z(z)->symbol);
}

/* The finite-difference check on the structure in st (positions as last built). */
static vt_status fd_check(xtb_state *st, const double lat[9], const unsigned char *has_Z, int *passed)
{
    xtb_setAccuracy(st->env, st->calc, CHECK_ACCURACY);
    double e0 = 0;
    vt_status s = single_point(st, lat, &e0, st->grad);
    double worst = 0.0;
    unsigned char done[VT_MAX_Z + 1] = {0};
    for (size_t i = 0; s == VT_OK && i < st->n_atoms; i++) {
        if (done[st->Z[i]]) continue;
        done[st->Z[i]] = 1;
        for (int k = 0; s == VT_OK && k < 3; k++) {
            double *x = &st->pos_bohr[3 * i + k], x0 = *x, ep = 0, em = 0;
            *x = x0 + H_BOHR;
            s = single_point(st, lat, &ep, NULL);
            *x = x0 - H_BOHR;
            if (s == VT_OK) s = single_point(st, lat, &em, NULL);
            *x = x0;
            double g = st->grad[3 * i + k], fd = (ep - em) / (2 * H_BOHR);
            double excess = fabs(fd - g) / (FD_ABS + FD_REL * fabs(g));
            if (excess > worst) worst = excess;
        }
    }
    xtb_setAccuracy(st->env, st->calc, 1.0);
    char els[400];
    element_list(has_Z, els, sizeof els);
    if (s != VT_OK) {
        char why[1024]; /* copied: the message buffer is rewritten by VT_FAIL below */
        snprintf(why, sizeof why, "%s", vt_errmsg());
        *passed = 0;
        VT_FAIL(VT_ENOTSUP, "--calc xtb %s (%s) with %s: refused: a single point of the force check failed (%s)",
                method_name(st->method), st->periodic ? "periodic" : "molecule", els, why);
    }
    *passed = worst <= 1.0;
    if (!*passed)
        VT_FAIL(VT_ENOTSUP, "--calc xtb %s (%s) with %s: refused: analytic forces fail the finite-difference "
                "check (off by %.3g x the tolerance of %g Ha/Bohr + %g |F|)", method_name(st->method),
                st->periodic ? "periodic" : "molecule", els, worst, FD_ABS, FD_REL);
    return VT_OK;
}

/* Check once per element set (cached); the check runs on cell c. */
static vt_status ensure_verified(xtb_state *st, const double lat[9])
{
    unsigned char has_Z[VT_MAX_Z + 1] = {0};
    for (size_t i = 0; i < st->n_atoms; i++) has_Z[st->Z[i]] = 1;
    for (size_t v = 0; v < st->n_verdicts; v++) {
        if (memcmp(st->verdicts[v].has_Z, has_Z, sizeof has_Z) != 0) continue;
        if (st->verdicts[v].passed) return VT_OK;
        char els[400];
        element_list(has_Z, els, sizeof els);
        VT_FAIL(VT_ENOTSUP, "--calc xtb %s (%s) with %s: refused earlier: analytic forces failed the "
                "finite-difference check", method_name(st->method), st->periodic ? "periodic" : "molecule", els);
    }
    int passed = 0;
    vt_status s = fd_check(st, lat, has_Z, &passed);
    if (st->n_verdicts < MAX_VERDICTS) {
        memcpy(st->verdicts[st->n_verdicts].has_Z, has_Z, sizeof has_Z);
        st->verdicts[st->n_verdicts++].passed = passed;
    }
    return s;
}

static vt_status xtb_compute(void *state, const vt_cell *c, vt_calc_result *r)
{
    xtb_state *st = state;
    for (size_t i = 0; i < c->n_atoms; i++)
        if (c->Z[i] < 1 || c->Z[i] > 86) VT_FAIL(VT_ENOTSUP, "--calc xtb: element Z = %d: GFN methods cover H..Rn", c->Z[i]);
    if (!st->mol) VT_TRY(build(st, c));
    if (c->n_atoms != st->n_atoms || memcmp(c->Z, st->Z, c->n_atoms * sizeof *c->Z) != 0)
        VT_FAIL(VT_EINVAL, "--calc xtb: the atoms (count or elements) changed since the first compute");
    double lat[9];
    to_bohr(c, st->pos_bohr, lat);
    VT_TRY(ensure_verified(st, lat));
    double e_ha = 0;
    VT_TRY(single_point(st, lat, &e_ha, st->grad));
    r->energy_eV = e_ha * VT_HARTREE_EV;
    if (r->forces)
        for (size_t i = 0; i < c->n_atoms; i++)
            for (int k = 0; k < 3; k++) r->forces[i][k] = -st->grad[3 * i + k] * (VT_HARTREE_EV / VT_BOHR_A);
    if (r->want_stress)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) r->stress_GPa[i][j] = NAN; /* libxtb's virial is zero: see above */
    return VT_OK;
}

static void xtb_free_state(void *state)
{
    xtb_state *st = state;
    if (!st) return;
    if (st->res) xtb_delResults(&st->res);
    if (st->calc) xtb_delCalculator(&st->calc);
    if (st->mol) xtb_delMolecule(&st->mol);
    if (st->env) xtb_delEnvironment(&st->env);
    vt_free(st->Z);
    vt_free(st->pos_bohr);
    vt_free(st->grad);
    vt_free(st);
}

static const vt_calc_ops xtb_ops = {.name = "xtb", .compute = xtb_compute, .free = xtb_free_state};

vt_status vt_calc_open_xtb(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    static const char *const methods[] = {"gfn0", "gfn1", "gfn2"};
    int method = -1, periodic = 1;
    size_t len = arg ? strcspn(arg, ":") : 0;
    for (int m = 0; m < 3; m++)
        if (len == 4 && strncmp(arg, methods[m], 4) == 0) method = m;
    if (method < 0) VT_FAIL(VT_EINVAL, "--calc xtb: expected xtb:gfn2, xtb:gfn1 or xtb:gfn0 (optionally ':molecule')");
    if (arg[len]) {
        if (strcmp(arg + len + 1, "molecule") != 0)
            VT_FAIL(VT_EINVAL, "--calc xtb:%s: unknown option '%s' (only 'molecule')", methods[method], arg + len + 1);
        periodic = 0;
    }
    xtb_state *st = vt_calloc(1, sizeof *st);
    char *text = vt_malloc(256);
    if (!st || !text) {
        vt_free(st);
        vt_free(text);
        VT_FAIL(VT_ENOMEM, "--calc xtb: out of memory");
    }
    st->method = method;
    st->periodic = periodic;
    st->env = xtb_newEnvironment();
    xtb_setVerbosity(st->env, XTB_VERBOSITY_MUTED);
    snprintf(text, 256, "xtb %s (libxtb API %d)\nperiodic = %s\nforce check: h = %g Bohr, tolerance %g Ha/Bohr + %g |g|\n",
             method_name(method), xtb_getAPIVersion(), periodic ? "yes" : "no", H_BOHR, FD_ABS, FD_REL);
    *ops = &xtb_ops;
    *state = st;
    *settings = text;
    return VT_OK;
}
