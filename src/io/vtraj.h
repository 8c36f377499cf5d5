/* vtraj.h - internal: the pieces of vitrum's binary trajectory format (spec: docs/vtraj-format.md)
** shared by the format-table reader/writer (io/vtraj.c) and the streaming writer (io/trajout.c). */
#ifndef VT_IO_VTRAJ_H
#define VT_IO_VTRAJ_H
#include <stdint.h>
#include <stdio.h>
#include "text.h"
#include "vitrum.h"

#define VT_VTRAJ_VERSION 1u
#define VT_VTRAJ_HAS_VEL 1u /* header flag: frames carry velocities */

/* The header of a file, as read back. */
typedef struct vt_vtraj_header {
    uint32_t flags;   /* VT_VTRAJ_HAS_VEL or 0 */
    size_t n_atoms;
    int *Z;           /* n_atoms atomic numbers (owned) */
    size_t size;      /* header bytes: frame k starts at size + k * frame_size */
    size_t frame_size;
} vt_vtraj_header;

/* CRC-32 (ISO-HDLC: the polynomial, initial value and final XOR of zlib.crc32), continued from crc
 * (0 to start). */
uint32_t vt_crc32(uint32_t crc, const void *data, size_t n);
size_t vt_vtraj_header_size(size_t n_atoms);
size_t vt_vtraj_frame_size(size_t n_atoms, uint32_t flags);
/* Append the header for the atoms of c (flags: VT_VTRAJ_HAS_VEL when c has velocities). */
vt_status vt_vtraj_put_header(vt_text *out, const vt_cell *c, uint32_t flags);
/* Append one frame of c: unwrapped positions (pos + image * lattice), velocities when flags say so
 * (VT_EINVAL when c has none), step and time in fs. The caller checks the atoms match the header. */
vt_status vt_vtraj_put_frame(vt_text *out, const vt_cell *c, uint32_t flags, uint64_t step, double time_fs);
/* Read and check the header at the start of f; path names the file in messages. */
vt_status vt_vtraj_get_header(FILE *f, const char *path, vt_vtraj_header *h);
/* Read frame k (0-based, for messages) at the current position of f into a new cell; step and
 * time_fs may be NULL. *is_end is set, and *out left NULL, at a clean end of file. */
vt_status vt_vtraj_get_frame(FILE *f, const char *path, const vt_vtraj_header *h, uint64_t k, uint8_t *buf,
                             vt_cell **out, uint64_t *step, double *time_fs, int *is_end);
void vt_vtraj_header_clear(vt_vtraj_header *h);
#endif
