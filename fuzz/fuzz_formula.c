/* fuzz_formula.c - libFuzzer entry: any bytes as a chemical formula. Must never crash, leak or
** trip a sanitizer; a successful parse must give a composition whose features either compute
** or fail with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vitrum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    vt_composition c;
    if (vt_composition_parse(text, &c) == VT_OK) {
        double f[VT_N_COMPFEAT];
        char buf[256];
        (void)vt_compfeat_compute(&c, f);
        (void)vt_composition_reduced_formula(&c, buf, sizeof buf);
    }
    free(text);
    return 0;
}
