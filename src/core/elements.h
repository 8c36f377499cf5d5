/* elements.h - internal: the generated element table (src/core/elements_data.c). */
#ifndef VT_CORE_ELEMENTS_H
#define VT_CORE_ELEMENTS_H
#include "vitrum.h"

extern const vt_element vt_elements_table[VT_MAX_Z];
#endif
