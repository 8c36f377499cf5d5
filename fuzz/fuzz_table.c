/* fuzz_table.c - libFuzzer entry: any bytes as a feature table (paper format or CSV). */
#include <stdint.h>
#include <stdio.h>

#include "ml/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f) return 0;
    vt_dataset *d = NULL;
    if (vt_dataset_read_stream(f, "fuzz", &d) == VT_OK) vt_dataset_free(d);
    fclose(f);
    return 0;
}
