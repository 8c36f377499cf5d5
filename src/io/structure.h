/* structure.h - internal: the structure-file formats behind vt_structure_read/write and
** vt_traj_read/write (table in io/structure.c; one file per format: io/vasp.c, io/extxyz.c,
** io/lammps.c, io/pmgjson.c, io/cif.c, io/vtraj.c), and reading from an open stream for the fuzzers. */
#ifndef VT_IO_STRUCTURE_H
#define VT_IO_STRUCTURE_H
#include <stdio.h>
#include "text.h"
#include "vitrum.h"

typedef struct vt_read_opts {
    size_t n_types;       /* LAMMPS: Z_of_type[k] is the element of type k + 1; 0 = none */
    const int *Z_of_type; /* borrowed */
} vt_read_opts;

/* A reader appends every frame of the file to t (single-frame formats append one). */
typedef vt_status (*vt_reader_fn)(vt_lines *in, const vt_read_opts *o, vt_traj *t);
/* A writer appends n_frames >= 1 frames (1 for single-frame formats) to out. */
typedef vt_status (*vt_writer_fn)(vt_text *out, const vt_cell *const *frames, size_t n_frames);

vt_status vt_poscar_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
vt_status vt_poscar_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
vt_status vt_xdatcar_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
/* The coordinates of one XDATCAR frame: fractional, one line per atom. */
vt_status vt_xdatcar_write_frac(vt_text *out, const vt_cell *c);
vt_status vt_xdatcar_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
vt_status vt_extxyz_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
vt_status vt_extxyz_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
/* One extxyz frame; frame_no (1-based) is for messages; extra_keys (NULL: none) is key=value text
 * put on the comment line before pbc. VT_EINVAL for an atom without element. */
vt_status vt_extxyz_write_frame(vt_text *out, const vt_cell *c, size_t frame_no, const char *extra_keys);
vt_status vt_vtraj_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
vt_status vt_vtraj_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
vt_status vt_lammps_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
vt_status vt_lammps_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
vt_status vt_pmgjson_read(vt_lines *in, const vt_read_opts *o, vt_traj *t);
vt_status vt_pmgjson_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);
vt_status vt_cif_write(vt_text *out, const vt_cell *const *frames, size_t n_frames);

/* The canonical name of a format ("xdatcar") given by name or, when format is NULL, by the file
 * name, as the public functions choose it; VT_EINVAL when unknown. */
vt_status vt_structure_format_name(const char *path, const char *format, const char **name);

/* vt_traj_read() from an open stream; name is shown in messages and, when format is NULL, chooses
 * the format as a file name would; o may be NULL. */
vt_status vt_traj_read_stream(FILE *f, const char *name, const char *format, const vt_read_opts *o,
                              vt_traj **out);
/* The same from memory (the fuzz targets' entry). */
vt_status vt_traj_read_buffer(const void *data, size_t n, const char *name, const char *format,
                              const vt_read_opts *o, vt_traj **out);
/* Append the file text of n frames in a format (name or file name chooses, as for writing) to out,
 * without writing it anywhere: vt_traj_write() minus the atomic save. */
vt_status vt_traj_write_text(vt_text *out, const char *name, const char *format, const vt_cell *const *frames,
                             size_t n);
#endif
