/* version.c - the library version, filled in by the build (CMake project version). */
#include "vitrum.h"

const char *vt_version(void) { return VT_VERSION; }
