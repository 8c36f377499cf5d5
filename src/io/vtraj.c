/*
** vtraj.c - vitrum's binary trajectory: read and write (format table) and the header and frame
** codecs the streaming writer (io/trajout.c) shares. Spec, with a Python reader: docs/vtraj-format.md.
**   little-endian throughout, 8-byte aligned;  n = n_atoms;  pad8(x) = x rounded up to 8
**   header  magic "\x89VTRAJ\r\n" | u32 version 1 | u32 flags (bit 0: velocities) | u64 n |
**           u8 Z[n], zero bytes to pad8(n) | u32 CRC-32 of all header bytes before it | u32 0
**   frame   u64 step | f64 time (fs) | f64 lattice[3][3] (rows, A) | f64 pos[n][3] (unwrapped, A) |
**           f64 vel[n][3] (A/fs; only with flag bit 0) | u32 CRC-32 of the frame bytes before it | u32 0
**   Every frame has the same size, so frame k starts at header_size + k * frame_size; a resumed
**   run truncates there (io/trajout.c). A short or corrupted frame is an error naming file and frame.
**   Read back as cells with the unwrapped positions and no image counts; step and time are not
**   kept (vt_traj has no place for them). vt_traj_write() numbers frames 0, 1, ... with time 0.
**   Tests: tests/io/test_trajout.c, tests/io/test_trajout_ase.sh (a Python reader from the spec),
**   fuzz/fuzz_vtraj.c.
*/
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "structure.h"
#include "vtraj.h"

static const uint8_t MAGIC[8] = {0x89, 'V', 'T', 'R', 'A', 'J', '\r', '\n'};
#define FIXED_HEADER 24 /* magic, version, flags, n_atoms */

/* CRC-32, table-driven. Hand-written: 15 lines, where zlib would add a link dependency to the
 * library; the parameters are zlib's, so zlib.crc32 checks the files in Python. */
uint32_t vt_crc32(uint32_t crc, const void *data, size_t n)
{
    static uint32_t table[256];
    static int is_ready; /* filling twice from two threads writes the same values */
    if (!is_ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        is_ready = 1;
    }
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static size_t pad8(size_t n) { return (n + 7) / 8 * 8; }

size_t vt_vtraj_header_size(size_t n_atoms) { return FIXED_HEADER + pad8(n_atoms) + 8; }

size_t vt_vtraj_frame_size(size_t n_atoms, uint32_t flags)
{
    return 8 + 8 + 72 + 24 * n_atoms * (flags & VT_VTRAJ_HAS_VEL ? 2 : 1) + 8;
}

/* ---------------------------------------------------------------------------------------------
** Little-endian encoding, independent of the host's byte order
*/
static void put_le(vt_text *out, uint64_t v, int n_bytes)
{
    char b[8];
    for (int i = 0; i < n_bytes; i++) b[i] = (char)(v >> (8 * i) & 0xFF);
    vt_text_put(out, b, (size_t)n_bytes);
}

static void put_f64(vt_text *out, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_le(out, u, 8);
}

static uint64_t get_le(const uint8_t *p, int n_bytes)
{
    uint64_t v = 0;
    for (int i = n_bytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static double get_f64(const uint8_t *p)
{
    uint64_t u = get_le(p, 8);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

/* CRC of the bytes appended since start, then the 4 reserved zero bytes. */
static void put_crc(vt_text *out, size_t start)
{
    uint32_t crc = out->is_oom ? 0 : vt_crc32(0, out->p + start, out->len - start);
    put_le(out, crc, 4);
    put_le(out, 0, 4);
}

/* ---------------------------------------------------------------------------------------------
** Writing
*/
vt_status vt_vtraj_put_header(vt_text *out, const vt_cell *c, uint32_t flags)
{
    size_t start = out->len;
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "vtraj: a frame needs at least one atom");
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!vt_element_by_Z(c->Z[i])) VT_FAIL(VT_EINVAL, "vtraj: atom %zu has Z = %d, no element", i + 1, c->Z[i]);
    vt_text_put(out, (const char *)MAGIC, 8);
    put_le(out, VT_VTRAJ_VERSION, 4);
    put_le(out, flags, 4);
    put_le(out, c->n_atoms, 8);
    for (size_t i = 0; i < pad8(c->n_atoms); i++) put_le(out, i < c->n_atoms ? (uint64_t)c->Z[i] : 0, 1);
    put_crc(out, start);
    return VT_OK;
}

vt_status vt_vtraj_put_frame(vt_text *out, const vt_cell *c, uint32_t flags, uint64_t step, double time_fs)
{
    size_t start = out->len;
    if ((flags & VT_VTRAJ_HAS_VEL) && !c->vel)
        VT_FAIL(VT_EINVAL, "vtraj: the file holds velocities but this frame has none");
    put_le(out, step, 8);
    put_f64(out, time_fs);
    for (int i = 0; i < 9; i++) put_f64(out, c->lattice[i / 3][i % 3]);
    for (size_t i = 0; i < c->n_atoms; i++) {
        double shift[3] = {0.0, 0.0, 0.0};
        if (c->image) { /* unwrapped = pos + image * lattice, as vt_cell_unwrap() computes it */
            double n[3] = {c->image[i][0], c->image[i][1], c->image[i][2]};
            vt_frac_to_cart(c->lattice, n, shift);
        }
        for (int k = 0; k < 3; k++) put_f64(out, c->image ? c->pos[i][k] + shift[k] : c->pos[i][k]);
    }
    for (size_t i = 0; (flags & VT_VTRAJ_HAS_VEL) && i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) put_f64(out, c->vel[i][k]);
    put_crc(out, start);
    return VT_OK;
}

vt_status vt_vtraj_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    const vt_cell *first = frames[0];
    uint32_t flags = first->vel ? VT_VTRAJ_HAS_VEL : 0;
    VT_TRY(vt_vtraj_put_header(out, first, flags));
    for (size_t k = 0; k < n_frames; k++) {
        const vt_cell *c = frames[k];
        if (c->n_atoms != first->n_atoms || memcmp(c->Z, first->Z, c->n_atoms * sizeof *c->Z) != 0)
            VT_FAIL(VT_EINVAL, "vtraj: frame %zu has other atoms than frame 1", k + 1);
        VT_TRY(vt_vtraj_put_frame(out, c, flags, k, 0.0));
    }
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Reading
*/
void vt_vtraj_header_clear(vt_vtraj_header *h)
{
    vt_free(h->Z);
    memset(h, 0, sizeof *h);
}

static vt_status read_error(FILE *f, const char *path, const char *field, size_t got, size_t want)
{
    if (ferror(f)) VT_FAIL(VT_EIO, "%s: read error: %s", path, strerror(errno));
    VT_FAIL_AT(VT_EPARSE, path, 0, field, "truncated: %zu of %zu bytes", got, want);
}

/* The Z array and padding, read in chunks so that a false atom count allocates no more than the
 * file holds; crc continues over them. */
static vt_status read_species(FILE *f, const char *path, vt_vtraj_header *h, uint32_t *crc)
{
    size_t n = h->n_atoms, total = pad8(n), done = 0, cap = 0;
    uint8_t chunk[4096];
    while (done < total) {
        size_t want = total - done < sizeof chunk ? total - done : sizeof chunk;
        size_t got = fread(chunk, 1, want, f);
        *crc = vt_crc32(*crc, chunk, got);
        size_t need = done + got < n ? done + got : n;
        if (need > cap) { /* doubling, capped at n: at most twice the bytes read so far */
            cap = need > 2 * cap ? need : 2 * cap < n ? 2 * cap : n;
            int *Z = vt_realloc(h->Z, cap * sizeof *Z);
            if (!Z) VT_FAIL(VT_ENOMEM, "%s: out of memory (%zu atoms)", path, n);
            h->Z = Z;
        }
        for (size_t i = 0; i < got; i++, done++) {
            if (done >= n) {
                if (chunk[i]) VT_FAIL_AT(VT_EPARSE, path, 0, "header", "nonzero padding after the Z array");
                continue;
            }
            if (!vt_element_by_Z(chunk[i]))
                VT_FAIL_AT(VT_EPARSE, path, 0, "header", "atom %zu has Z = %d, no element", done + 1, chunk[i]);
            h->Z[done] = chunk[i];
        }
        if (got < want) return read_error(f, path, "header", FIXED_HEADER + done, vt_vtraj_header_size(n));
    }
    return VT_OK;
}

static vt_status read_header(FILE *f, const char *path, vt_vtraj_header *h)
{
    uint8_t b[FIXED_HEADER], tail[8];
    size_t got = fread(b, 1, sizeof b, f);
    if (got < 8 || memcmp(b, MAGIC, 8) != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, "header", "not a vtraj file (no \\x89VTRAJ magic)");
    if (got < sizeof b) return read_error(f, path, "header", got, sizeof b);
    uint32_t version = (uint32_t)get_le(b + 8, 4), crc = vt_crc32(0, b, sizeof b);
    uint64_t n = get_le(b + 16, 8);
    h->flags = (uint32_t)get_le(b + 12, 4);
    if (version != VT_VTRAJ_VERSION)
        VT_FAIL_AT(VT_EPARSE, path, 0, "header", "version %u; this vitrum reads version %u", version, VT_VTRAJ_VERSION);
    if (h->flags & ~VT_VTRAJ_HAS_VEL) VT_FAIL_AT(VT_EPARSE, path, 0, "header", "unknown flags 0x%x", h->flags);
    if (n < 1 || n > VT_MAX_ATOMS)
        VT_FAIL_AT(VT_EPARSE, path, 0, "header", "%llu atoms, expected 1..%d", (unsigned long long)n, VT_MAX_ATOMS);
    h->n_atoms = (size_t)n;
    VT_TRY(read_species(f, path, h, &crc));
    if ((got = fread(tail, 1, 8, f)) < 8) return read_error(f, path, "header", vt_vtraj_header_size(n) - 8 + got, vt_vtraj_header_size(n));
    if ((uint32_t)get_le(tail, 4) != crc || get_le(tail + 4, 4) != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, "header", "checksum mismatch: the header is corrupted");
    return VT_OK;
}

vt_status vt_vtraj_get_header(FILE *f, const char *path, vt_vtraj_header *h)
{
    memset(h, 0, sizeof *h);
    vt_status s = read_header(f, path, h);
    h->size = vt_vtraj_header_size(h->n_atoms);
    h->frame_size = vt_vtraj_frame_size(h->n_atoms, h->flags);
    if (s != VT_OK) vt_vtraj_header_clear(h);
    return s;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* Decode a checked frame buffer into a new cell. */
static vt_status decode_frame(const char *field, const char *path, const vt_vtraj_header *h, const uint8_t *b,
                              vt_cell **out)
{
    double L[3][3], inv[3][3];
    for (int i = 0; i < 9; i++) L[i / 3][i % 3] = get_f64(b + 16 + 8 * i);
    if (vt_lattice_inverse(L, inv) != VT_OK) VT_FAIL_AT(VT_EPARSE, path, 0, field, "lattice singular or not finite");
    vt_cell *c;
    VT_TRY(vt_cell_new(h->n_atoms, L, h->flags & VT_VTRAJ_HAS_VEL ? VT_CELL_VEL : 0u, &c));
    const uint8_t *p = b + 88;
    for (size_t i = 0; i < h->n_atoms; i++) {
        c->Z[i] = h->Z[i];
        for (int k = 0; k < 3; k++, p += 8) c->pos[i][k] = get_f64(p);
    }
    for (size_t i = 0; c->vel && i < h->n_atoms; i++)
        for (int k = 0; k < 3; k++, p += 8) c->vel[i][k] = get_f64(p);
    if (!all_finite(&c->pos[0][0], 3 * h->n_atoms) || (c->vel && !all_finite(&c->vel[0][0], 3 * h->n_atoms))) {
        vt_cell_free(c);
        VT_FAIL_AT(VT_EPARSE, path, 0, field, "a position or velocity is not finite");
    }
    *out = c;
    return VT_OK;
}

vt_status vt_vtraj_get_frame(FILE *f, const char *path, const vt_vtraj_header *h, uint64_t k, uint8_t *buf,
                             vt_cell **out, uint64_t *step, double *time_fs, int *is_end)
{
    char field[48];
    size_t F = h->frame_size, got = fread(buf, 1, F, f);
    *out = NULL;
    *is_end = got == 0 && !ferror(f);
    if (*is_end) return VT_OK;
    snprintf(field, sizeof field, "frame %llu", (unsigned long long)k + 1);
    if (got < F) return read_error(f, path, field, got, F);
    if ((uint32_t)get_le(buf + F - 8, 4) != vt_crc32(0, buf, F - 8) || get_le(buf + F - 4, 4) != 0)
        VT_FAIL_AT(VT_EPARSE, path, 0, field, "checksum mismatch: the frame is corrupted");
    if (step) *step = get_le(buf, 8);
    if (time_fs) *time_fs = get_f64(buf + 8);
    return decode_frame(field, path, h, buf, out);
}

vt_status vt_vtraj_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    (void)o;
    vt_vtraj_header h;
    VT_TRY(vt_vtraj_get_header(r->f, r->path, &h));
    uint8_t *buf = vt_malloc(h.frame_size);
    vt_status s = buf ? VT_OK : vt_err_set_(VT_ENOMEM, "%s: out of memory (%zu atoms)", r->path, h.n_atoms);
    for (uint64_t k = 0; s == VT_OK; k++) {
        vt_cell *c;
        int is_end;
        s = vt_vtraj_get_frame(r->f, r->path, &h, k, buf, &c, NULL, NULL, &is_end);
        if (s != VT_OK || is_end) break;
        if ((s = vt_traj_append(t, c)) != VT_OK) vt_cell_free(c);
    }
    if (s == VT_OK && t->n_frames == 0) s = vt_err_at_(VT_EPARSE, r->path, 0, NULL, "a header but no frames");
    vt_free(buf);
    vt_vtraj_header_clear(&h);
    return s;
}
