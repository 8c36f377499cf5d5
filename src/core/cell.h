/* cell.h - internal: resizing a cell while a reader grows it atom by atom. */
#ifndef VT_CORE_CELL_H
#define VT_CORE_CELL_H
#include "vitrum.h"

/* Set n_atoms to n, reallocating every present array (new entries zeroed). VT_ERANGE above
 * VT_MAX_ATOMS. Invalidates c->pos, c->Z, c->vel and c->image pointers held elsewhere. */
vt_status vt_cell_resize(vt_cell *c, size_t n);
#endif
