/* atomic.h - internal: write a whole file atomically (temp file in the same folder, fsync, rename),
** so that a reader never sees a partial file and a crash never destroys the previous version. */
#ifndef VT_IO_ATOMIC_H
#define VT_IO_ATOMIC_H
#include <stddef.h>
#include "vitrum.h"

vt_status vt_write_file_atomic(const char *path, const void *data, size_t n_bytes);
#endif
