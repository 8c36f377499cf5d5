/* test_trajout.c - streaming trajectory output (io/trajout.c) and the vtraj format (io/vtraj.c):
**   - N frames in each format read back by vt_traj_read: vtraj and extxyz exactly (vtraj holds the
**     unwrapped positions, equal bit for bit to vt_cell_unwrap()), XDATCAR to 1e-12 relative
**     (fractional coordinates); the streamed XDATCAR and vtraj equal vt_traj_write()'s bytes;
**   - invariant (1) of trajout.c: a run stopped after frame S (the file cut anywhere after it, even
**     mid-frame), reopened with keep_frames = K <= S and continued, gives the bytes of an
**     uninterrupted run;
**   - truncated or corrupted vtraj files are refused naming the file and the frame;
**   - frames with other atoms, a changing XDATCAR cell or a velocities mismatch are refused.
** `test_trajout write DIR` only writes the files that tests/io/test_trajout_ase.sh checks with ASE. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rng.h"
#include "io/structure.h"
#include "test.h"

#define N_ATOMS 7
#define N_FRAMES 8

static char dir[4096];

/* Frame k of a deterministic random trajectory: 7 atoms (Li, O, Si), a triclinic cell that
 * changes with k unless is_constant, image counts and velocities when asked. */
static vt_cell *frame(int k, int is_constant, int with_vel, int with_image)
{
    static const int Z[N_ATOMS] = {3, 3, 3, 8, 8, 14, 14};
    vt_rng r;
    vt_rng_seed(&r, 1000 + (uint64_t)k);
    double s = is_constant ? 0.0 : 0.01 * k;
    double L[3][3] = {{7.1 + s, 0.0, 0.0}, {0.7, 6.3 - s, 0.0}, {-0.4, 0.9 + s, 8.2}};
    vt_cell *c;
    if (vt_cell_new(N_ATOMS, L, (with_vel ? VT_CELL_VEL : 0u) | (with_image ? VT_CELL_IMAGE : 0u), &c) != VT_OK) abort();
    for (size_t i = 0; i < N_ATOMS; i++) {
        double f[3] = {vt_rng_uniform(&r), vt_rng_uniform(&r), vt_rng_uniform(&r)};
        vt_frac_to_cart(c->lattice, f, c->pos[i]);
        c->Z[i] = Z[i];
        for (int d = 0; d < 3; d++) {
            if (with_vel) c->vel[i][d] = 0.02 * (vt_rng_uniform(&r) - 0.5);
            if (with_image) c->image[i][d] = (int)vt_rng_below(&r, 7) - 3;
        }
    }
    return c;
}

static char *path_of(const char *name)
{
    static char buf[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static size_t read_bytes(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0, cap = 1 << 16;
    char *p = malloc(cap);
    for (size_t got; f && (got = fread(p + n, 1, cap - n, f)) > 0;)
        if ((n += got) == cap) p = realloc(p, cap *= 2);
    if (f) fclose(f);
    *out = p;
    return n;
}

static int same_files(const char *a, const char *b)
{
    char *pa, *pb;
    size_t na = read_bytes(a, &pa), nb = read_bytes(b, &pb);
    int same = na == nb && na > 0 && memcmp(pa, pb, na) == 0;
    free(pa), free(pb);
    return same;
}

/* Frames [from, to) of the trajectory into an open writer (step 10 k, time 20 k fs). */
static void append(vt_trajout *t, int from, int to, int is_constant, int with_vel, int with_image)
{
    for (int k = from; k < to; k++) {
        vt_cell *c = frame(k, is_constant, with_vel, with_image);
        vt_status s = vt_trajout_append(t, c, 10 * (uint64_t)k, 20.0 * k);
        if (s != VT_OK) fprintf(stderr, "append %d: %s\n", k, vt_errmsg());
        CHECK(s == VT_OK);
        vt_cell_free(c);
    }
}

static void write_all(const char *path, const char *fmt, int n, int is_constant, int with_vel, int with_image)
{
    vt_trajout *t;
    CHECK(vt_trajout_open(path, fmt, 0, &t) == VT_OK);
    append(t, 0, n, is_constant, with_vel, with_image);
    CHECK(vt_trajout_frames(t) == (uint64_t)n);
    CHECK(vt_trajout_close(t) == VT_OK);
}

/* ---------------------------------------------------------------------------------------------
** Round trips
*/
static void test_roundtrip(void)
{
    const char *names[3] = {"rt.vtraj", "rt.xyz", "XDATCAR"};
    for (int f = 0; f < 3; f++) {
        int is_constant = f == 2, is_vtraj = f == 0;
        write_all(path_of(names[f]), NULL, N_FRAMES, is_constant, 1, 1);
        vt_traj *tr = NULL;
        CHECK(vt_traj_read(path_of(names[f]), NULL, &tr) == VT_OK);
        if (!tr) continue;
        CHECK(tr->n_frames == N_FRAMES);
        double worst = 0.0;
        for (int k = 0; k < N_FRAMES && k < (int)tr->n_frames; k++) {
            vt_cell *want = frame(k, is_constant, 1, 1), *got = tr->frames[k];
            if (is_vtraj) CHECK(vt_cell_unwrap(want) == VT_OK);
            CHECK(got->n_atoms == N_ATOMS && memcmp(got->Z, want->Z, sizeof(int) * N_ATOMS) == 0);
            CHECK(memcmp(got->lattice, want->lattice, sizeof got->lattice) == 0);
            CHECK(f == 2 || (got->vel && memcmp(got->vel, want->vel, N_ATOMS * sizeof *got->vel) == 0));
            CHECK(f == 1 ? got->image && memcmp(got->image, want->image, N_ATOMS * sizeof *got->image) == 0
                         : got->image == NULL);
            for (size_t i = 0; i < N_ATOMS; i++)
                for (int d = 0; d < 3; d++) worst = fmax(worst, fabs(got->pos[i][d] - want->pos[i][d]));
            vt_cell_free(want);
        }
        printf("%-8s %d frames read back, largest position difference %.3g A\n", names[f], N_FRAMES, worst);
        CHECK(f == 2 ? worst < 1e-12 * 10 : worst == 0.0);
        /* what vt_traj_write makes of the same frames: identical bytes (vtraj: steps 0, 1, ..., time 0) */
        if (f != 1) {
            vt_traj *w;
            CHECK(vt_traj_new(&w) == VT_OK);
            for (int k = 0; k < N_FRAMES; k++) CHECK(vt_traj_append(w, frame(k, is_constant, 1, 1)) == VT_OK);
            CHECK(vt_traj_write(path_of("whole"), f == 2 ? "xdatcar" : "vtraj", w) == VT_OK);
            vt_traj_free(w);
            if (is_vtraj) {
                vt_trajout *t;
                CHECK(vt_trajout_open(path_of("steps.vtraj"), NULL, 0, &t) == VT_OK);
                for (int k = 0; k < N_FRAMES; k++) {
                    vt_cell *c = frame(k, 0, 1, 1);
                    CHECK(vt_trajout_append(t, c, (uint64_t)k, 0.0) == VT_OK);
                    vt_cell_free(c);
                }
                CHECK(vt_trajout_close(t) == VT_OK);
                CHECK(same_files(path_of("steps.vtraj"), path_of("whole")));
            } else {
                CHECK(same_files(path_of(names[f]), path_of("whole")));
            }
        }
        vt_traj_free(tr);
    }
    vt_cell *last = NULL; /* vt_structure_read: the last frame */
    CHECK(vt_structure_read(path_of("rt.vtraj"), "vtraj", &last) == VT_OK);
    if (last) {
        vt_cell *want = frame(N_FRAMES - 1, 0, 1, 1);
        vt_cell_unwrap(want);
        CHECK(memcmp(last->pos, want->pos, N_ATOMS * sizeof *want->pos) == 0);
        vt_cell_free(want);
        vt_cell_free(last);
    }
}

/* ---------------------------------------------------------------------------------------------
** Kill and resume
*/
static void truncate_to(const char *path, long size) { CHECK(truncate(path, size) == 0); }

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_resume(void)
{
    const char *names[3] = {"res.vtraj", "res.xyz", "res.xdatcar"}, *fmts[3] = {"vtraj", "extxyz", "xdatcar"};
    for (int f = 0; f < 3; f++) {
        int is_constant = f == 2, with_vel = f != 1, with_image = f == 1;
        char ref[4200], run[4300];
        snprintf(ref, sizeof ref, "%s", path_of(names[f]));
        snprintf(run, sizeof run, "%s.run", ref);
        write_all(ref, NULL, N_FRAMES, is_constant, with_vel, with_image);
        /* stopped after 6 frames, the 6th cut in the middle (the bytes of 5 and a half frames) */
        write_all(run, fmts[f], 6, is_constant, with_vel, with_image);
        long six = file_size(run);
        write_all(path_of("five"), fmts[f], 5, is_constant, with_vel, with_image);
        truncate_to(run, (file_size(path_of("five")) + six) / 2);
        for (uint64_t keep = 5; keep >= 3; keep -= 2) { /* checkpoint at frame 5, then an older one at 3 */
            vt_trajout *t = NULL;
            vt_status s = vt_trajout_open(run, fmts[f], keep, &t);
            if (s != VT_OK) fprintf(stderr, "reopen %s keep %llu: %s\n", run, (unsigned long long)keep, vt_errmsg());
            CHECK(s == VT_OK);
            if (!t) continue;
            CHECK(vt_trajout_frames(t) == keep);
            append(t, (int)keep, N_FRAMES, is_constant, with_vel, with_image);
            CHECK(vt_trajout_close(t) == VT_OK);
            CHECK(same_files(ref, run));
            if (keep == 5) truncate_to(run, file_size(run) - 3); /* and cut again, anywhere */
        }
        printf("%-12s stopped mid-frame 6, resumed at 5 and at 3: %s\n", names[f],
               same_files(ref, run) ? "identical bytes" : "DIFFERENT");
        vt_trajout *t = NULL; /* more frames kept than the file holds */
        CHECK(vt_trajout_open(run, fmts[f], N_FRAMES + 1, &t) == VT_EPARSE);
        CHECK(strstr(vt_errmsg(), "fewer than the 9 to keep") != NULL);
        CHECK(t == NULL);
    }
}

/* ---------------------------------------------------------------------------------------------
** Damaged files and refused frames
*/
static void expect_read_error(const char *path, const char *fragment)
{
    vt_traj *t = NULL;
    vt_status s = vt_traj_read(path, "vtraj", &t);
    CHECK(s == VT_EPARSE && t == NULL);
    CHECK(strstr(vt_errmsg(), path) != NULL);
    if (!strstr(vt_errmsg(), fragment)) fprintf(stderr, "message '%s' lacks '%s'\n", vt_errmsg(), fragment);
    CHECK(strstr(vt_errmsg(), fragment) != NULL);
    vt_traj_free(t);
}

static void test_damaged(void)
{
    const char *p = path_of("dmg.vtraj");
    write_all(p, NULL, 4, 0, 1, 0);
    size_t H = 24 + 8 + 8, F = 8 + 8 + 72 + 2 * 24 * N_ATOMS + 8; /* 7 Z bytes pad to 8 */
    CHECK(file_size(p) == (long)(H + 4 * F));
    char *bytes;
    size_t n = read_bytes(p, &bytes);
    FILE *f = fopen(p, "wb"); /* one bit of frame 2's positions flipped */
    bytes[H + F + 100] ^= 0x10;
    fwrite(bytes, 1, n, f);
    fclose(f);
    expect_read_error(p, "frame 2: checksum mismatch");
    bytes[H + F + 100] ^= 0x10;
    f = fopen(p, "wb"); /* cut inside frame 3 */
    fwrite(bytes, 1, H + 2 * F + 50, f);
    fclose(f);
    expect_read_error(p, "frame 3: truncated: 50 of");
    bytes[30] = 95; /* Z of atom 7 */
    f = fopen(p, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
    expect_read_error(p, "header: atom 7 has Z = 95");
    bytes[30] = 14;
    bytes[8] = 2; /* version */
    f = fopen(p, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
    expect_read_error(p, "version 2");
    f = fopen(p, "wb");
    fwrite(bytes, 1, H, f); /* header only */
    fclose(f);
    bytes[8] = 1;
    f = fopen(p, "wb");
    fwrite(bytes, 1, H, f);
    fclose(f);
    expect_read_error(p, "no frames");
    f = fopen(p, "wb");
    fwrite("POSCAR\n", 1, 7, f);
    fclose(f);
    expect_read_error(p, "not a vtraj file");
    free(bytes);
}

static void test_refused(void)
{
    vt_trajout *t;
    vt_cell *a = frame(0, 0, 1, 0), *b = frame(1, 0, 1, 0);
    CHECK(vt_trajout_open(path_of("XDATCAR_var"), "xdatcar", 0, &t) == VT_OK);
    CHECK(vt_trajout_append(t, a, 0, 0.0) == VT_OK);
    CHECK(vt_trajout_append(t, b, 1, 2.0) == VT_EINVAL); /* the cell changed */
    CHECK(strstr(vt_errmsg(), "XDATCAR keeps one cell") != NULL);
    CHECK(vt_trajout_frames(t) == 1);
    b->Z[0] = 11;
    CHECK(vt_trajout_append(t, b, 1, 2.0) == VT_EINVAL);
    CHECK(vt_trajout_close(t) == VT_OK);
    vt_traj *tr = NULL; /* nothing of the refused frames reached the file */
    CHECK(vt_traj_read(path_of("XDATCAR_var"), NULL, &tr) == VT_OK && tr && tr->n_frames == 1);
    vt_traj_free(tr);
    CHECK(vt_trajout_open(path_of("v.vtraj"), NULL, 0, &t) == VT_OK);
    CHECK(vt_trajout_append(t, a, 0, 0.0) == VT_OK);
    vt_free(a->vel);
    a->vel = NULL;
    CHECK(vt_trajout_append(t, a, 1, 2.0) == VT_EINVAL);
    CHECK(vt_trajout_close(t) == VT_OK);
    CHECK(vt_trajout_open(path_of("x.vasp"), NULL, 0, &t) == VT_EINVAL && t == NULL);
    CHECK(vt_trajout_open(path_of("none.vtraj"), NULL, 2, &t) == VT_EIO && t == NULL);
    CHECK(vt_trajout_close(NULL) == VT_OK);
    vt_cell_free(a);
    vt_cell_free(b);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write") == 0) { /* files for test_trajout_ase.sh */
        snprintf(dir, sizeof dir, "%s", argv[2]);
        write_all(path_of("traj.vtraj"), NULL, N_FRAMES, 0, 1, 1);
        write_all(path_of("traj.xyz"), NULL, N_FRAMES, 0, 1, 1);
        write_all(path_of("XDATCAR"), NULL, N_FRAMES, 1, 0, 0);
        write_all(path_of("const.vtraj"), NULL, N_FRAMES, 1, 0, 0);
        return vt_test_failures != 0;
    }
    snprintf(dir, sizeof dir, "/tmp/test_trajout.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_roundtrip();
    test_resume();
    test_damaged();
    test_refused();
    char cmd[4200 + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    TEST_DONE();
}
