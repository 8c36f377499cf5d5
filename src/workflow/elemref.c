/* elemref.c - elemental reference energies with a given back end, for formation energies.
**
** The reference of an element is the lowest energy per atom, after relaxing positions and cell,
** over simple prototypes: body-centred cubic, face-centred cubic, hexagonal close-packed (ideal
** c/a), diamond and simple cubic, all started at the element's condensed-phase volume per atom
** (vt_element.atomic_volume_A3), and, for the elements whose standard state is a diatomic gas
** (H, N, O, F, Cl, Br, I), the isolated molecule in a 12 A box (relaxed without the cell). This is
** exact for the elements whose ground state is one of these structures (most metals, Si, Ge, C as
** diamond) and an upper bound for the others (B, P, S, Ga, ...), where the true reference lies
** lower; the structure used is reported with the energy.
*/
#include <math.h>
#include <string.h>

#include "core/error.h"

typedef struct prototype {
    const char *name;
    size_t n_atoms;
    double frac[8][3];     /* fractional positions in the conventional cell */
    int hexagonal;         /* a, a at 120 degrees, c = sqrt(8/3) a */
} prototype;

static const prototype prototypes[] = {
    {"bcc", 2, {{0, 0, 0}, {0.5, 0.5, 0.5}}, 0},
    {"fcc", 4, {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}}, 0},
    {"hcp", 2, {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}}, 1},
    {"diamond", 8, {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}, {0.25, 0.25, 0.25},
                    {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}}, 0},
    {"sc", 1, {{0, 0, 0}}, 0},
};

static int is_diatomic_gas(int Z) { return Z == 1 || Z == 7 || Z == 8 || Z == 9 || Z == 17 || Z == 35 || Z == 53; }

/* The prototype at volume per atom v (A^3). */
static vt_status make_crystal(const prototype *p, int Z, double v, vt_cell **out)
{
    double L[3][3] = {{0}};
    if (p->hexagonal) { /* V = (sqrt(3)/2) a^2 c with c = sqrt(8/3) a, two atoms */
        double a = cbrt(2.0 * v / (sqrt(3.0) / 2.0 * sqrt(8.0 / 3.0)));
        L[0][0] = a, L[1][0] = -0.5 * a, L[1][1] = sqrt(3.0) / 2.0 * a, L[2][2] = sqrt(8.0 / 3.0) * a;
    } else {
        double a = cbrt(v * (double)p->n_atoms);
        L[0][0] = L[1][1] = L[2][2] = a;
    }
    VT_TRY(vt_cell_new(p->n_atoms, L, 0, out));
    vt_cell_set_frac(*out, p->frac);
    for (size_t i = 0; i < p->n_atoms; i++) (*out)->Z[i] = Z;
    return VT_OK;
}

/* A molecule Z2 at a bond length of twice the covalent radius, in a cubic 12 A box. */
static vt_status make_dimer(int Z, vt_cell **out)
{
    double L[3][3] = {{12, 0, 0}, {0, 12, 0}, {0, 0, 12}};
    VT_TRY(vt_cell_new(2, L, 0, out));
    double d = 2.0 * vt_element_by_Z(Z)->covalent_radius_A;
    (*out)->pos[0][0] = 6.0 - 0.5 * d, (*out)->pos[1][0] = 6.0 + 0.5 * d;
    (*out)->pos[0][1] = (*out)->pos[1][1] = (*out)->pos[0][2] = (*out)->pos[1][2] = 6.0;
    (*out)->Z[0] = (*out)->Z[1] = Z;
    return VT_OK;
}

static vt_status relaxed_energy(vt_calc *calc, vt_cell *c, int relax_cell, double *E_atom)
{
    vt_relax_opts o = vt_relax_opts_default();
    o.relax_cell = relax_cell;
    o.fmax_eV_A = 0.01, o.stress_tol_GPa = 0.05, o.max_steps = 1000;
    vt_relax_result r;
    VT_TRY(vt_relax(c, calc, &o, &r));
    *E_atom = r.energy_eV / (double)c->n_atoms;
    return VT_OK;
}

vt_status vt_element_reference(vt_calc *calc, int Z, double *E_eV_atom, const char **structure)
{
    const vt_element *el = vt_element_by_Z(Z);
    if (!el) VT_FAIL(VT_EINVAL, "element reference: Z = %d", Z);
    *E_eV_atom = INFINITY;
    *structure = NULL;
    size_t n = isfinite(el->atomic_volume_A3) ? sizeof prototypes / sizeof prototypes[0] : 0;
    for (size_t k = 0; k <= n; k++) {
        vt_cell *c = NULL;
        int molecule = k == n;
        if (molecule && !is_diatomic_gas(Z)) break;
        VT_TRY(molecule ? make_dimer(Z, &c) : make_crystal(&prototypes[k], Z, el->atomic_volume_A3, &c));
        double E;
        vt_status s = relaxed_energy(calc, c, !molecule, &E);
        vt_cell_free(c);
        if (s == VT_EUNSTABLE) continue; /* a prototype that collapses under this back end */
        VT_TRY(s);
        if (E < *E_eV_atom) *E_eV_atom = E, *structure = molecule ? "molecule" : prototypes[k].name;
    }
    if (!*structure) VT_FAIL(VT_ENOCONV, "element reference of %s: no prototype relaxed", el->symbol);
    return VT_OK;
}
