/* fuzz_lammps.c - libFuzzer entry: any bytes as a LAMMPS data file. Whatever vitrum reads it must
** write again and read back with the same atoms (a failure there is a bug: abort); the rewrite is
** read through the "# Symbol" Masses comments vitrum writes. */
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* odd sizes read with an element map for types 1..3, even ones rely on Masses comments */
    static const int Z_of_type[3] = {3, 8, 14};
    const vt_read_opts map = {3, Z_of_type};
    return fuzz_roundtrip(data, size, "lammps-data", size % 2 ? &map : NULL);
}
