/*
** trajout.c - streaming trajectory output (vt_trajout_*): frames appended as an MD run makes them,
** on disk at every vt_trajout_flush(), and a resumed run cuts the file back to the frames its
** checkpoint counted.
** Invariants (tests/io/test_trajout.c checks them):
**  (1) A frame's bytes do not depend on how the file was opened: the file written by a run that
**      was stopped, reopened with keep_frames = K and continued equals, byte for byte, the file of
**      an uninterrupted run, whatever the stopped run left after frame K (even half a frame).
**  (2) After vt_trajout_flush() returns VT_OK every appended frame is in the file and fsync'ed.
**  (3) Every frame holds the atoms (count, Z, order) of the first; "xdatcar" also its lattice
**      (bit for bit: VASP's constant-cell layout), "vtraj" also its velocities flag.
** Formats:
**   "xdatcar"  VASP 5 constant-cell XDATCAR, exactly as vt_traj_write() writes it (header with the
**              first frame, then "Direct configuration= k" and fractional coordinates per frame)
**   "extxyz"   as vt_traj_write() (io/extxyz.c, positions as given, vel and image columns when the
**              cell has them) plus step= and time_fs= keys on each comment line (ASE: atoms.info)
**   "vtraj"    io/vtraj.c (unwrapped positions, velocities, lattice, step, time; checksums)
** Resume: vtraj computes the offset of frame K from the fixed frame size (and checks frame K's
** checksum); the text formats are scanned line by line (atom count from the first frame). The
** first frame is read back with the format's own reader to learn the atoms.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "structure.h"
#include "vtraj.h"

#define FLUSH_BYTES (4u << 20) /* buffered output written (not synced) beyond this */

typedef enum kind { XDATCAR, EXTXYZ, VTRAJ } kind;

struct vt_trajout {
    char *path;
    kind kind;
    FILE *f;
    vt_text buf;        /* frames not yet written to f */
    uint64_t n_frames;  /* in the file and buf */
    vt_cell *first;     /* the atoms (and, for xdatcar, the lattice) every frame must match */
    uint32_t flags;     /* vtraj header flags */
};

/* ---------------------------------------------------------------------------------------------
** Writing
*/
static vt_status write_out(vt_trajout *t)
{
    if (t->buf.is_oom) VT_FAIL(VT_ENOMEM, "%s: out of memory buffering frames", t->path);
    if (t->buf.len && fwrite(t->buf.p, 1, t->buf.len, t->f) != t->buf.len)
        VT_FAIL(VT_EIO, "%s: write failed: %s", t->path, strerror(errno));
    t->buf.len = 0;
    return VT_OK;
}

/* One XDATCAR frame: its header line, then the coordinates as io/vasp.c writes them. */
static vt_status put_xdatcar_frame(vt_text *out, const vt_cell *c, uint64_t number)
{
    vt_text_printf(out, "Direct configuration= %llu\n", (unsigned long long)number);
    return vt_xdatcar_write_frac(out, c);
}

static vt_status put_frame(vt_trajout *t, const vt_cell *c, uint64_t step, double time_fs)
{
    const vt_cell *one[1] = {c};
    char keys[80], num[32];
    switch (t->kind) {
    case XDATCAR:
        return t->n_frames == 0 ? vt_xdatcar_write(&t->buf, one, 1) : put_xdatcar_frame(&t->buf, c, t->n_frames + 1);
    case EXTXYZ:
        vt_shortest(time_fs, num);
        snprintf(keys, sizeof keys, "step=%llu time_fs=%s", (unsigned long long)step, num);
        return vt_extxyz_write_frame(&t->buf, c, (size_t)t->n_frames + 1, keys);
    case VTRAJ:
        if (t->n_frames == 0) VT_TRY(vt_vtraj_put_header(&t->buf, c, t->flags));
        return vt_vtraj_put_frame(&t->buf, c, t->flags, step, time_fs);
    }
    VT_FAIL(VT_EINTERNAL, "trajout: unknown format");
}

/* Invariant (3) for frame c. */
static vt_status check_frame(const vt_trajout *t, const vt_cell *c)
{
    const vt_cell *f = t->first;
    if (!f) return VT_OK;
    if (c->n_atoms != f->n_atoms || memcmp(c->Z, f->Z, c->n_atoms * sizeof *c->Z) != 0)
        VT_FAIL(VT_EINVAL, "%s: frame %llu has other atoms than frame 1", t->path, (unsigned long long)t->n_frames + 1);
    if (t->kind == XDATCAR && memcmp(c->lattice, f->lattice, sizeof c->lattice) != 0)
        VT_FAIL(VT_EINVAL, "%s: frame %llu: the lattice changed, but an XDATCAR keeps one cell (use extxyz or vtraj)",
                t->path, (unsigned long long)t->n_frames + 1);
    if (t->kind == VTRAJ && !c->vel != !(t->flags & VT_VTRAJ_HAS_VEL))
        VT_FAIL(VT_EINVAL, "%s: frame %llu %s velocities, frame 1 %s", t->path, (unsigned long long)t->n_frames + 1,
                c->vel ? "has" : "has no", c->vel ? "had none" : "had them");
    return VT_OK;
}

vt_status vt_trajout_append(vt_trajout *t, const vt_cell *c, uint64_t step, double time_fs)
{
    VT_TRY(check_frame(t, c));
    if (!t->first) {
        t->flags = c->vel ? VT_VTRAJ_HAS_VEL : 0;
        VT_TRY(vt_cell_copy(c, &t->first));
    }
    size_t len = t->buf.len;
    vt_status s = put_frame(t, c, step, time_fs);
    if (s != VT_OK) { /* nothing of a refused frame stays */
        t->buf.len = len;
        return s;
    }
    t->n_frames++;
    return t->buf.len >= FLUSH_BYTES ? write_out(t) : VT_OK;
}

uint64_t vt_trajout_frames(const vt_trajout *t) { return t->n_frames; }

vt_status vt_trajout_flush(vt_trajout *t)
{
    VT_TRY(write_out(t));
    if (fflush(t->f) != 0 || fsync(fileno(t->f)) != 0)
        VT_FAIL(VT_EIO, "%s: flush failed: %s", t->path, strerror(errno));
    return VT_OK;
}

vt_status vt_trajout_close(vt_trajout *t)
{
    if (!t) return VT_OK;
    vt_status s = t->f ? vt_trajout_flush(t) : VT_OK;
    if (t->f && fclose(t->f) != 0 && s == VT_OK) s = vt_err_set_(VT_EIO, "%s: close failed: %s", t->path, strerror(errno));
    vt_text_clear(&t->buf);
    vt_cell_free(t->first);
    vt_free(t->path);
    vt_free(t);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Reopening: find where frame keep ends
*/
typedef struct scan {
    long keep_end;   /* byte offset just after frame keep */
    long first_end;  /* byte offset just after frame 1 */
    uint64_t n_frames; /* whole frames seen (up to keep) */
} scan;

/* Next whole line into *line (NULL at the end of the file or of its last complete line);
 * *line_no counts lines. */
static vt_status next_line(FILE *f, const char *path, char **line, size_t *cap, size_t *line_no)
{
    errno = 0;
    ssize_t len = getline(line, cap, f);
    if (len < 0 || (*line)[len - 1] != '\n') { /* a line without its end was cut mid-write */
        if (ferror(f)) VT_FAIL(VT_EIO, "%s: read error: %s", path, strerror(errno));
        free(*line); /* allocated by getline */
        *line = NULL;
        *cap = 0;
        return VT_OK;
    }
    ++*line_no;
    return VT_OK;
}

/* Skip n lines; *ok = 0 when the file ends first. */
static vt_status skip_lines(FILE *f, const char *path, size_t n, char **line, size_t *cap, size_t *line_no, int *ok)
{
    *ok = 1;
    for (size_t i = 0; i < n && *ok; i++) {
        VT_TRY(next_line(f, path, line, cap, line_no));
        *ok = *line != NULL;
    }
    return VT_OK;
}

/* Atoms per frame of a text trajectory: an XDATCAR's counts line (after 6 header lines), or an
 * extxyz's first count line. */
static vt_status text_atoms(FILE *f, const char *path, kind k, char **line, size_t *cap, size_t *line_no, size_t *n)
{
    int ok;
    VT_TRY(skip_lines(f, path, k == XDATCAR ? 7 : 1, line, cap, line_no, &ok));
    if (!ok) VT_FAIL_AT(VT_EPARSE, path, *line_no + 1, "header", "file ends before the first frame");
    *n = 0;
    char *p = *line, *end;
    while (1) {
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p) break;
        *n += (size_t)v;
        p = end;
        if (k == EXTXYZ) break;
    }
    if (*n == 0 || *n > VT_MAX_ATOMS || strspn(p, " \t\r\n") != strlen(p))
        VT_FAIL_AT(VT_EPARSE, path, *line_no, "count", "expected atom count(s), got '%.40s'", *line);
    return VT_OK;
}

static vt_status scan_text(FILE *f, const char *path, kind k, uint64_t keep, scan *sc)
{
    char *line = NULL;
    size_t cap = 0, line_no = 0, n = 0;
    int ok = 1;
    vt_status s = text_atoms(f, path, k, &line, &cap, &line_no, &n);
    /* xdatcar: the header is read, each frame is 1 + n lines; extxyz: the first count line is read */
    for (sc->n_frames = 0; s == VT_OK && ok && sc->n_frames < keep;) {
        if (k == XDATCAR) {
            s = next_line(f, path, &line, &cap, &line_no);
            if (s != VT_OK || !line) break;
            if (strncmp(line, "Direct configuration=", 21) != 0) {
                s = vt_err_at_(VT_EPARSE, path, line_no, "configuration",
                               "expected 'Direct configuration=' (a constant-cell XDATCAR)");
                break;
            }
            s = skip_lines(f, path, n, &line, &cap, &line_no, &ok);
        } else {
            if (sc->n_frames > 0 && ((s = next_line(f, path, &line, &cap, &line_no)) != VT_OK || !line)) break;
            s = skip_lines(f, path, n + 1, &line, &cap, &line_no, &ok);
        }
        if (s != VT_OK || !ok) break;
        sc->keep_end = ftell(f);
        if (++sc->n_frames == 1) sc->first_end = sc->keep_end;
    }
    free(line); /* allocated by getline */
    return s;
}

static vt_status scan_vtraj(FILE *f, const char *path, uint64_t keep, scan *sc)
{
    vt_vtraj_header h;
    VT_TRY(vt_vtraj_get_header(f, path, &h));
    if (fseek(f, 0, SEEK_END) != 0) {
        vt_vtraj_header_clear(&h);
        VT_FAIL(VT_EIO, "%s: seek failed: %s", path, strerror(errno));
    }
    long size = ftell(f);
    uint64_t whole = size > (long)h.size ? ((uint64_t)size - h.size) / h.frame_size : 0;
    sc->n_frames = whole < keep ? whole : keep;
    sc->first_end = (long)(h.size + h.frame_size);
    sc->keep_end = (long)(h.size + sc->n_frames * h.frame_size);
    vt_status s = VT_OK;
    if (sc->n_frames == keep) { /* frame keep is intact: its checksum holds */
        uint8_t *buf = vt_malloc(h.frame_size);
        vt_cell *c = NULL;
        int is_end;
        if (!buf) s = vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
        else if (fseek(f, sc->keep_end - (long)h.frame_size, SEEK_SET) != 0)
            s = vt_err_set_(VT_EIO, "%s: seek failed: %s", path, strerror(errno));
        else s = vt_vtraj_get_frame(f, path, &h, keep - 1, buf, &c, NULL, NULL, &is_end);
        vt_cell_free(c);
        vt_free(buf);
    }
    vt_vtraj_header_clear(&h);
    return s;
}

/* The first frame, read back by the format's own reader: the atoms later frames must match. */
static vt_status read_first(vt_trajout *t, long first_end)
{
    char *bytes = vt_malloc((size_t)first_end);
    if (!bytes) VT_FAIL(VT_ENOMEM, "%s: out of memory", t->path);
    vt_traj *tr = NULL;
    vt_status s = VT_OK;
    if (fseek(t->f, 0, SEEK_SET) != 0 || fread(bytes, 1, (size_t)first_end, t->f) != (size_t)first_end)
        s = vt_err_set_(VT_EIO, "%s: cannot read the first frame back: %s", t->path, strerror(errno));
    if (s == VT_OK) s = vt_traj_read_buffer(bytes, (size_t)first_end, t->path, t->kind == XDATCAR ? "xdatcar" : t->kind == EXTXYZ ? "extxyz" : "vtraj", NULL, &tr);
    if (s == VT_OK) {
        t->first = tr->frames[0];
        tr->frames[0] = NULL;
        tr->n_frames = 0; /* frames[0] moved out; a one-frame buffer holds no other */
        t->flags = t->first->vel ? VT_VTRAJ_HAS_VEL : 0;
    }
    vt_traj_free(tr);
    vt_free(bytes);
    return s;
}

static vt_status reopen(vt_trajout *t, uint64_t keep)
{
    scan sc = {0, 0, 0};
    if (!(t->f = fopen(t->path, "r+b"))) VT_FAIL(VT_EIO, "%s: cannot reopen to resume: %s", t->path, strerror(errno));
    VT_TRY(t->kind == VTRAJ ? scan_vtraj(t->f, t->path, keep, &sc) : scan_text(t->f, t->path, t->kind, keep, &sc));
    if (sc.n_frames < keep)
        VT_FAIL_AT(VT_EPARSE, t->path, 0, NULL, "holds %llu whole frames, fewer than the %llu to keep",
                   (unsigned long long)sc.n_frames, (unsigned long long)keep);
    VT_TRY(read_first(t, sc.first_end));
    if (fflush(t->f) != 0 || ftruncate(fileno(t->f), sc.keep_end) != 0 || fseek(t->f, 0, SEEK_END) != 0)
        VT_FAIL(VT_EIO, "%s: cannot truncate after frame %llu: %s", t->path, (unsigned long long)keep, strerror(errno));
    t->n_frames = keep;
    return VT_OK;
}

vt_status vt_trajout_open(const char *path, const char *format, uint64_t keep_frames, vt_trajout **out)
{
    const char *name;
    *out = NULL;
    VT_TRY(vt_structure_format_name(path, format, &name));
    kind k = strcmp(name, "xdatcar") == 0 ? XDATCAR : strcmp(name, "extxyz") == 0 ? EXTXYZ : VTRAJ;
    if (strcmp(name, "vtraj") != 0 && k == VTRAJ)
        VT_FAIL(VT_EINVAL, "%s: %s is no streaming trajectory format (use xdatcar, extxyz or vtraj)", path, name);
    vt_trajout *t = vt_calloc(1, sizeof *t);
    if (!t || !(t->path = vt_strdup(path))) {
        vt_free(t);
        VT_FAIL(VT_ENOMEM, "%s: out of memory", path);
    }
    t->kind = k;
    vt_status s = VT_OK;
    if (keep_frames > 0) s = reopen(t, keep_frames);
    else if (!(t->f = fopen(path, "wb"))) s = vt_err_set_(VT_EIO, "%s: cannot create: %s", path, strerror(errno));
    if (s != VT_OK) {
        if (t->f) fclose(t->f);
        t->f = NULL;
        vt_trajout_close(t);
        return s;
    }
    *out = t;
    return VT_OK;
}
