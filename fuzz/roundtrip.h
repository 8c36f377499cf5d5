/* roundtrip.h - the body shared by the structure-format fuzz entries (fuzz_<format>.c): any bytes
** read as `format` (with read options o, NULL = none). Whatever vitrum reads it must write again
** and read back, with default options, as the same number of frames and the same atoms in the
** first frame; a failure there is a bug: abort. */
#ifndef VT_FUZZ_ROUNDTRIP_H
#define VT_FUZZ_ROUNDTRIP_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_roundtrip(const uint8_t *data, size_t size, const char *format, const vt_read_opts *o)
{
    vt_traj *t = NULL, *again = NULL;
    if (vt_traj_read_buffer(data, size, "fuzz", format, o, &t) != VT_OK) return 0;
    vt_text out = {0};
    const vt_cell *const *frames = (const vt_cell *const *)t->frames;
    size_t n = t->n_frames;
    if (vt_traj_write_text(&out, "fuzz", format, frames, n) != VT_OK || out.is_oom ||
        vt_traj_read_buffer(out.p, out.len, "rewritten", format, NULL, &again) != VT_OK ||
        again->n_frames != n || again->frames[0]->n_atoms != frames[0]->n_atoms ||
        memcmp(again->frames[0]->Z, frames[0]->Z, frames[0]->n_atoms * sizeof(int)) != 0)
        abort();
    vt_traj_free(again);
    vt_traj_free(t);
    vt_text_clear(&out);
    return 0;
}
#endif
