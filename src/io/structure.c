/*
** structure.c - structure files: the format table (one row per format, the only place that lists
** them) and the public entry points vt_structure_read/write, vt_traj_read/write and
** vt_lammps_data_read. A format is chosen by name or, when none is given, by file name: the
** extension first, then the start of the name (POSCAR, CONTCAR, XDATCAR), case-insensitively.
** Formats: io/vasp.c, io/extxyz.c, io/lammps.c, io/pmgjson.c, io/cif.c, io/vtraj.c. Tests:
** tests/io/test_structure_io.c, tests/io/oracle_io.sh, tests/io/test_trajout.c,
** fuzz/fuzz_{poscar,xdatcar,extxyz,lammps,pmgjson,vtraj}.c.
*/
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "structure.h"
#include "text.h"

typedef struct format {
    const char *name;        /* format argument of the public functions */
    const char *suffixes[3]; /* file-name endings, NULL-terminated */
    const char *prefixes[3]; /* file-name starts, NULL-terminated */
    vt_reader_fn read;       /* NULL: write only */
    vt_writer_fn write;
    int is_multi_frame;
} format;

static const format formats[] = {
    {"poscar", {".vasp", ".poscar"}, {"POSCAR", "CONTCAR"}, vt_poscar_read, vt_poscar_write, 0},
    {"xdatcar", {".xdatcar"}, {"XDATCAR"}, vt_xdatcar_read, vt_xdatcar_write, 1},
    {"extxyz", {".xyz", ".extxyz"}, {NULL}, vt_extxyz_read, vt_extxyz_write, 1},
    {"lammps-data", {".data", ".lmp"}, {NULL}, vt_lammps_read, vt_lammps_write, 0},
    {"pmg-json", {".json"}, {NULL}, vt_pmgjson_read, vt_pmgjson_write, 0},
    {"cif", {".cif"}, {NULL}, NULL, vt_cif_write, 0},
    {"vtraj", {".vtraj"}, {NULL}, vt_vtraj_read, vt_vtraj_write, 1},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])
#define FORMAT_NAMES "poscar, xdatcar, extxyz, lammps-data, pmg-json, cif, vtraj"

static const format *by_file_name(const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    for (size_t i = 0; i < N_FORMATS; i++)
        for (const char *const *s = formats[i].suffixes; *s; s++)
            if (vt_has_suffix(base, *s)) return &formats[i];
    for (size_t i = 0; i < N_FORMATS; i++)
        for (const char *const *p = formats[i].prefixes; *p; p++)
            if (strncasecmp(base, *p, strlen(*p)) == 0) return &formats[i];
    return NULL;
}

static vt_status find_format(const char *path, const char *name, const format **out)
{
    if (!name) {
        if (!(*out = by_file_name(path)))
            VT_FAIL(VT_EINVAL, "%s: cannot tell the format from the file name; name one of " FORMAT_NAMES,
                    path);
        return VT_OK;
    }
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = &formats[i];
            return VT_OK;
        }
    VT_FAIL(VT_EINVAL, "unknown structure format '%.40s' (known: " FORMAT_NAMES ")", name);
}

vt_status vt_structure_format_name(const char *path, const char *format_name, const char **name)
{
    const format *fmt;
    VT_TRY(find_format(path, format_name, &fmt));
    *name = fmt->name;
    return VT_OK;
}

vt_status vt_traj_read_stream(FILE *f, const char *name, const char *format_name, const vt_read_opts *o,
                              vt_traj **out)
{
    const format *fmt;
    vt_traj *t;
    *out = NULL;
    VT_TRY(find_format(name, format_name, &fmt));
    if (!fmt->read) VT_FAIL(VT_ENOTSUP, "%s: vitrum writes %s files but does not read them", name, fmt->name);
    VT_TRY(vt_traj_new(&t));
    vt_lines r;
    vt_lines_init(&r, f, name);
    vt_status s = fmt->read(&r, o, t);
    vt_lines_clear(&r);
    if (s != VT_OK) {
        vt_traj_free(t);
        return s;
    }
    *out = t;
    return VT_OK;
}

vt_status vt_traj_read_buffer(const void *data, size_t n, const char *name, const char *format_name,
                              const vt_read_opts *o, vt_traj **out)
{
    *out = NULL;
    FILE *f = n ? fmemopen((void *)data, n, "r") : fopen("/dev/null", "r"); /* fmemopen refuses 0 */
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open a memory stream: %s", name, strerror(errno));
    vt_status s = vt_traj_read_stream(f, name, format_name, o, out);
    fclose(f);
    return s;
}

static vt_status read_path(const char *path, const char *format_name, const vt_read_opts *o, vt_traj **out)
{
    *out = NULL;
    const format *fmt;
    VT_TRY(find_format(path, format_name, &fmt)); /* before opening: a bad name is not an I/O error */
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    vt_status s = vt_traj_read_stream(f, path, fmt->name, o, out);
    fclose(f);
    return s;
}

/* Take the last frame out of t and free the rest. */
static vt_cell *last_frame(vt_traj *t)
{
    vt_cell *c = t->frames[--t->n_frames];
    vt_traj_free(t);
    return c;
}

vt_status vt_traj_read(const char *path, const char *format, vt_traj **out)
{
    return read_path(path, format, NULL, out);
}

vt_status vt_structure_read(const char *path, const char *format, vt_cell **out)
{
    vt_traj *t;
    *out = NULL;
    VT_TRY(read_path(path, format, NULL, &t));
    *out = last_frame(t);
    return VT_OK;
}

vt_status vt_lammps_data_read(const char *path, size_t n_types, const int *Z_of_type, vt_cell **out)
{
    vt_traj *t;
    *out = NULL;
    for (size_t k = 0; k < n_types; k++)
        if (!vt_element_by_Z(Z_of_type[k]))
            VT_FAIL(VT_EINVAL, "element map: type %zu has Z = %d", k + 1, Z_of_type[k]);
    vt_read_opts o = {n_types, Z_of_type};
    VT_TRY(read_path(path, "lammps-data", &o, &t));
    *out = last_frame(t);
    return VT_OK;
}

vt_status vt_traj_write_text(vt_text *out, const char *name, const char *format_name,
                             const vt_cell *const *frames, size_t n)
{
    const format *fmt;
    VT_TRY(find_format(name, format_name, &fmt));
    if (n == 0) VT_FAIL(VT_EINVAL, "%s: no frames to write", name);
    if (n > 1 && !fmt->is_multi_frame)
        VT_FAIL(VT_EINVAL, "%s: %s holds one frame, got %zu (use xdatcar or extxyz)", name, fmt->name, n);
    return fmt->write(out, frames, n);
}

static vt_status write_frames(const char *path, const char *format_name, const vt_cell *const *frames,
                              size_t n)
{
    vt_text out = {0};
    vt_status s = vt_traj_write_text(&out, path, format_name, frames, n);
    if (s != VT_OK) {
        vt_text_clear(&out);
        return s;
    }
    return vt_text_save(&out, path);
}

vt_status vt_structure_write(const char *path, const char *format, const vt_cell *c)
{
    return write_frames(path, format, &c, 1);
}

vt_status vt_traj_write(const char *path, const char *format, const vt_traj *t)
{
    return write_frames(path, format, (const vt_cell *const *)t->frames, t->n_frames);
}
