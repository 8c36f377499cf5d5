/* fuzz_lammps.c - libFuzzer entry: any bytes as a LAMMPS data file. Whatever vitrum reads it must
** write again and read back with the same atoms (a failure there is a bug: abort); the rewrite is
** read through the "# Symbol" Masses comments vitrum writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* odd sizes read with an element map for types 1..3, even ones rely on Masses comments */
    static const int Z_of_type[3] = {3, 8, 14};
    const vt_read_opts map = {3, Z_of_type}, *o = size % 2 ? &map : NULL;
    vt_traj *t = NULL, *again = NULL;
    if (vt_traj_read_buffer(data, size, "fuzz", "lammps-data", o, &t) != VT_OK) return 0;
    vt_text out = {0};
    const vt_cell *const *frames = (const vt_cell *const *)t->frames;
    size_t n = t->n_frames;
    if (vt_traj_write_text(&out, "fuzz", "lammps-data", frames, n) != VT_OK || out.is_oom ||
        vt_traj_read_buffer(out.p, out.len, "rewritten", "lammps-data", NULL, &again) != VT_OK ||
        again->n_frames != n || again->frames[0]->n_atoms != frames[0]->n_atoms ||
        memcmp(again->frames[0]->Z, frames[0]->Z, frames[0]->n_atoms * sizeof(int)) != 0)
        abort();
    vt_traj_free(again);
    vt_traj_free(t);
    vt_text_clear(&out);
    return 0;
}
