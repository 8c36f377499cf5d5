/* elements.c - look-ups in the element table (Z = 1..94). */
#include <string.h>

#include "elements.h"

const vt_element *vt_element_by_Z(int Z)
{
    if (Z < 1 || Z > VT_MAX_Z) return NULL;
    return &vt_elements_table[Z - 1];
}

const vt_element *vt_element_by_symbol(const char *symbol)
{
    for (int i = 0; i < VT_MAX_Z; i++)
        if (strcmp(vt_elements_table[i].symbol, symbol) == 0) return &vt_elements_table[i];
    return NULL;
}
