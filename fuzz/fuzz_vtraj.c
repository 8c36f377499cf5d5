/* fuzz_vtraj.c - libFuzzer entry: any bytes as a vtraj binary trajectory (io/vtraj.c). Whatever
** vitrum reads it must write again and read back with the same atoms (a failure there is a bug:
** abort). Checksums stop most random mutations early; the corpus holds valid files with and
** without velocities, so mutations of the header and of single frames reach every check. */
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_roundtrip(data, size, "vtraj", NULL);
}
