/*
** checkpoint.c - write and resume MD checkpoints.
** Invariants (tests/md/test_checkpoint.c and tests/md/test_resume.sh rely on them):
**  (1) Written to a temp file, fsync'ed, renamed (vt_write_file_atomic): no reader ever sees a
**      partial checkpoint, and a crash leaves the previous one intact.
**  (2) Holds every bit the next step depends on: positions, velocities, image counts, lattice,
**      thermostat variables. Random numbers depend on (seed, step) only (md/integrate.c), so no
**      generator state is needed; forces are recomputed on resume from the same positions.
**  (3) Records the trajectory frame count and the thermo-log length at its step: the resumed run
**      cuts both files back to them, so they end as if the run had never stopped. Also the
**      runaway limit resolved at step 0, so the guards of a resumed run are those of the first.
**  (4) Carries the settings text of the run and its FNV-1a hash; a resume with different settings
**      is refused, naming the first line that differs.
** Layout (native byte order, which the magic detects; doubles stored bit for bit):
**   "VTMDCKP1" | u64 n_atoms, step, traj_frames, log_bytes, settings_hash, settings_len, n_chain,
**   T_max_K (the bits of an f64) |
**   settings text | f64 lattice[9] | i32 Z[n] | f64 pos[3n], vel[3n] | i32 image[3n] |
**   f64 xi[n_chain], vxi[n_chain], heat_eV | u64 FNV-1a hash of every byte before it
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "io/text.h"
#include "md/md.h"

static const char magic[8] = {'V', 'T', 'M', 'D', 'C', 'K', 'P', '1'};

static uint64_t fnv1a(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static const char *thermostat_name(vt_thermostat t)
{
    static const char *const names[] = {"nve", "nhc", "csvr", "langevin"};
    return names[t];
}

vt_status md_settings_text(const md_state *s, vt_calc *calc, char **text)
{
    const vt_md_opts *o = s->o;
    vt_text t = {0};
    *text = NULL;
    vt_text_printf(&t, "atoms %zu\ndt_fs %.17g\nthermostat %s\n", s->n, o->dt_fs, thermostat_name(o->thermostat));
    if (o->thermostat != VT_THERMOSTAT_NONE) {
        vt_text_printf(&t, "T_start_K %.17g\nT_stop_K %.17g\ntdamp_fs %.17g\n", o->T_start_K, o->T_stop_K, o->tdamp_fs);
        /* with a ramp the target at every step depends on the run's length */
        if (o->T_stop_K != o->T_start_K) vt_text_printf(&t, "n_steps %llu\n", (unsigned long long)o->n_steps);
    }
    if (o->thermostat == VT_THERMOSTAT_NHC)
        vt_text_printf(&t, "nhc_length %d\nnhc_loops %d\nnhc_order %d\n", o->nhc_length, o->nhc_loops, o->nhc_order);
    if (o->thermostat == VT_THERMOSTAT_CSVR || o->thermostat == VT_THERMOSTAT_LANGEVIN)
        vt_text_printf(&t, "seed %llu\n", (unsigned long long)o->seed);
    if (o->traj_path)
        vt_text_printf(&t, "traj_every %llu\ntraj_format %s\n", (unsigned long long)o->traj_every,
                       o->traj_format ? o->traj_format : "(by name)");
    if (o->log_path) vt_text_printf(&t, "log_every %llu\n", (unsigned long long)o->log_every);
    vt_text_printf(&t, "calculator %s\n%s", vt_calc_name(calc), vt_calc_settings(calc));
    vt_text_put(&t, "", 1); /* the NUL */
    if (t.is_oom) {
        vt_text_clear(&t);
        VT_FAIL(VT_ENOMEM, "md: out of memory for the settings text");
    }
    *text = t.p;
    return VT_OK;
}

static void put_u64(vt_text *t, uint64_t v) { vt_text_put(t, (const char *)&v, sizeof v); }

vt_status md_checkpoint_write(const char *path, const md_state *s, const char *settings,
                              const md_ckpt_info *info)
{
    const vt_cell *c = s->c;
    size_t n_set = strlen(settings);
    vt_text t = {0};
    vt_text_put(&t, magic, sizeof magic);
    uint64_t T_max_bits;
    memcpy(&T_max_bits, &info->T_max_K, sizeof T_max_bits);
    uint64_t head[8] = {s->n, info->step, info->traj_frames, info->log_bytes, fnv1a(settings, n_set), n_set,
                        (uint64_t)s->th.n_chain, T_max_bits};
    vt_text_put(&t, (const char *)head, sizeof head);
    vt_text_put(&t, settings, n_set);
    vt_text_put(&t, (const char *)c->lattice, sizeof c->lattice);
    for (size_t i = 0; i < s->n; i++) {
        int32_t z = c->Z[i];
        vt_text_put(&t, (const char *)&z, sizeof z);
    }
    vt_text_put(&t, (const char *)c->pos, s->n * sizeof *c->pos);
    vt_text_put(&t, (const char *)c->vel, s->n * sizeof *c->vel);
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++) {
            int32_t m = c->image[i][k];
            vt_text_put(&t, (const char *)&m, sizeof m);
        }
    vt_text_put(&t, (const char *)s->th.xi, (size_t)s->th.n_chain * sizeof(double));
    vt_text_put(&t, (const char *)s->th.vxi, (size_t)s->th.n_chain * sizeof(double));
    vt_text_put(&t, (const char *)&s->th.heat_eV, sizeof s->th.heat_eV);
    if (!t.is_oom) put_u64(&t, fnv1a(t.p, t.len));
    return vt_text_save(&t, path);
}

/* ---- reading ---- */

typedef struct reader {
    const char *path;
    const unsigned char *p;
    size_t len, at;
} reader;

static vt_status take(reader *r, void *dst, size_t n, const char *field)
{
    if (n > r->len - r->at) VT_FAIL_AT(VT_EPARSE, r->path, 0, field, "checkpoint truncated");
    memcpy(dst, r->p + r->at, n);
    r->at += n;
    return VT_OK;
}

static vt_status slurp(const char *path, unsigned char **data, size_t *len)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = vt_malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *bigger = vt_realloc(buf, 2 * cap);
        if (!bigger) vt_free(buf);
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) VT_FAIL(VT_ENOMEM, "%s: out of memory", path);
    if (bad) {
        vt_free(buf);
        VT_FAIL(VT_EIO, "%s: read error", path);
    }
    *data = buf;
    *len = n;
    return VT_OK;
}

/* VT_EINVAL naming the first line where the checkpoint's settings differ from this run's. */
static vt_status settings_differ(const char *path, const char *old, size_t n_old, const char *now)
{
    size_t i = 0;
    while (i < n_old && now[i] && old[i] == now[i]) i++;
    size_t start = i; /* back to the start of the differing line */
    while (start > 0 && old[start - 1] != '\n') start--;
    size_t e_old = start, e_now = start;
    while (e_old < n_old && old[e_old] != '\n') e_old++;
    while (now[e_now] && now[e_now] != '\n') e_now++;
    VT_FAIL(VT_EINVAL, "%s: this checkpoint was written with different settings: '%.*s' there, '%.*s' now "
            "(use the same options, or remove the checkpoint to start over)",
            path, (int)(e_old - start), old + start, (int)(e_now - start), now + start);
}

static vt_status parse(reader *r, md_state *s, const char *settings, md_ckpt_info *info)
{
    char m[8] = {0};
    uint64_t head[8] = {0};
    VT_TRY(take(r, m, sizeof m, "magic"));
    if (memcmp(m, magic, sizeof m) != 0)
        VT_FAIL_AT(VT_EPARSE, r->path, 0, "magic", "not a vitrum MD checkpoint (or written on a machine of other byte order)");
    VT_TRY(take(r, head, sizeof head, "header"));
    uint64_t stored_sum = 0;
    if (r->len < r->at + sizeof stored_sum) VT_FAIL_AT(VT_EPARSE, r->path, 0, "checksum", "checkpoint truncated");
    memcpy(&stored_sum, r->p + r->len - sizeof stored_sum, sizeof stored_sum);
    if (stored_sum != fnv1a(r->p, r->len - sizeof stored_sum))
        VT_FAIL_AT(VT_EPARSE, r->path, 0, "checksum", "checkpoint damaged (checksum mismatch)");
    r->len -= sizeof stored_sum;
    if (head[0] != s->n)
        VT_FAIL(VT_EINVAL, "%s: the checkpoint holds %llu atoms, the input cell %zu", r->path, (unsigned long long)head[0], s->n);
    if (head[5] > r->len - r->at) VT_FAIL_AT(VT_EPARSE, r->path, 0, "settings", "checkpoint truncated");
    const char *old = (const char *)r->p + r->at;
    if (head[4] != fnv1a(settings, strlen(settings))) return settings_differ(r->path, old, head[5], settings);
    r->at += head[5];
    if (head[6] != (uint64_t)s->th.n_chain) VT_FAIL_AT(VT_EPARSE, r->path, 0, "n_chain", "does not match the settings");
    size_t n = s->n;
    if ((r->len - r->at) != 9 * 8 + n * (4 + 48 + 12) + 2 * head[6] * 8 + 8)
        VT_FAIL_AT(VT_EPARSE, r->path, 0, "size", "checkpoint has the wrong length for %zu atoms", n);
    vt_cell *c = s->c;
    VT_TRY(take(r, c->lattice, sizeof c->lattice, "lattice"));
    for (size_t i = 0; i < n; i++) {
        int32_t z = 0;
        VT_TRY(take(r, &z, sizeof z, "Z"));
        if (z != c->Z[i])
            VT_FAIL(VT_EINVAL, "%s: atom %zu is Z = %d in the checkpoint, Z = %d in the input cell", r->path, i + 1, (int)z, c->Z[i]);
    }
    VT_TRY(take(r, c->pos, n * sizeof *c->pos, "positions"));
    VT_TRY(take(r, c->vel, n * sizeof *c->vel, "velocities"));
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            int32_t m32 = 0;
            VT_TRY(take(r, &m32, sizeof m32, "image"));
            c->image[i][k] = m32;
        }
    VT_TRY(take(r, s->th.xi, (size_t)head[6] * sizeof(double), "xi"));
    VT_TRY(take(r, s->th.vxi, (size_t)head[6] * sizeof(double), "vxi"));
    VT_TRY(take(r, &s->th.heat_eV, sizeof s->th.heat_eV, "heat"));
    info->step = head[1];
    info->traj_frames = head[2];
    info->log_bytes = head[3];
    memcpy(&info->T_max_K, &head[7], sizeof info->T_max_K);
    return VT_OK;
}

vt_status md_checkpoint_read(const char *path, md_state *s, const char *settings, md_ckpt_info *info)
{
    reader r = {path, NULL, 0, 0};
    unsigned char *data;
    VT_TRY(slurp(path, &data, &r.len));
    r.p = data;
    vt_status st = parse(&r, s, settings, info);
    vt_free(data);
    return st;
}
