/* fuzz_poscar.c - libFuzzer entry: any bytes as a POSCAR/CONTCAR. Whatever vitrum reads it must
** write again and read back with the same atoms (a failure there is a bug: abort). */
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_roundtrip(data, size, "poscar", NULL);
}
