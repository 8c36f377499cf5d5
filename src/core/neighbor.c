/* neighbor.c - TEMPORARY stub until the cell-list implementation lands. */
#include "core/error.h"
vt_status vt_nlist_new(double cutoff_A, double skin_A, int full, vt_nlist **out)
{
    (void)cutoff_A, (void)skin_A, (void)full, *out = NULL;
    VT_FAIL(VT_ENOTSUP, "neighbour list: not built yet");
}
vt_status vt_nlist_update(vt_nlist *nl, const vt_cell *c, int *rebuilt)
{
    (void)nl, (void)c, (void)rebuilt;
    VT_FAIL(VT_ENOTSUP, "neighbour list: not built yet");
}
void vt_nlist_invalidate(vt_nlist *nl) { (void)nl; }
void vt_nlist_free(vt_nlist *nl) { (void)nl; }
