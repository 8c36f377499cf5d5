/*
** cif.c - CIF writer (no reader): space group P 1, cell lengths (Angstrom) and angles (deg), and
** every atom with fractional coordinates (as stored, not wrapped) and occupancy 1, labelled by
** element and running number ("Li1", "Li2", "O1"). Readers rebuild the lattice from the six
** parameters in their own orientation, so positions come back rotated but with the same
** fractional coordinates. Numbers have the fewest digits that read back exactly.
** Checked against ASE's and pymatgen's CIF readers in tests/io/oracle_io.sh.
*/
#include <string.h>

#include "core/error.h"
#include "structure.h"

static void write_cell(vt_text *out, const vt_cell *c)
{
    static const char *const names[6] = {"_cell_length_a",    "_cell_length_b",   "_cell_length_c",
                                         "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};
    double par[6];
    vt_lattice_parameters(c->lattice, par);
    for (int i = 0; i < 6; i++) {
        vt_text_printf(out, "%-20s", names[i]);
        vt_text_num(out, par[i]);
        vt_text_printf(out, "\n");
    }
    vt_text_printf(out, "%-20s", "_cell_volume");
    vt_text_num(out, vt_cell_volume(c));
    vt_text_printf(out, "\n");
}

vt_status vt_cif_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    (void)n_frames;
    const vt_cell *c = frames[0];
    double inv[3][3];
    size_t label_of_Z[VT_MAX_Z + 1] = {0};
    char formula[256];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!vt_element_by_Z(c->Z[i])) VT_FAIL(VT_EINVAL, "atom %zu has Z = %d, no element", i + 1, c->Z[i]);
    if (vt_cell_formula(c, formula, sizeof formula) != VT_OK) strcpy(formula, "structure");
    vt_text_printf(out,
                   "# written by vitrum %s\ndata_%s\n_symmetry_space_group_name_H-M   'P 1'\n"
                   "_symmetry_Int_Tables_number      1\n",
                   vt_version(), formula);
    write_cell(out, c);
    vt_text_printf(out, "loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n1 'x, y, z'\n"
                        "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                        "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n");
    for (size_t i = 0; i < c->n_atoms; i++) {
        const char *sym = vt_element_by_Z(c->Z[i])->symbol;
        double f[3];
        vt_cart_to_frac(inv, c->pos[i], f);
        vt_text_printf(out, "%s%zu %s", sym, ++label_of_Z[c->Z[i]], sym);
        for (int k = 0; k < 3; k++) vt_text_num(out, f[k]);
        vt_text_printf(out, " 1\n");
    }
    return VT_OK;
}
