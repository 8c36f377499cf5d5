/*
** cp2k.c - CP2K (Debian `cp2k`) as vitrum's DFT back end: vitrum writes a CP2K input, starts CP2K
** in a scratch directory as an i-PI client (GLOBAL/RUN_TYPE DRIVER, MOTION/DRIVER over a UNIX
** socket) and serves it positions through the i-PI server of ipi.c, so CP2K stays up for the whole
** run and reuses its wavefunction from step to step.
**   Spec: cp2k[:SETTINGS_FILE]   settings: "key = value" lines, '#' comments, unknown keys are
**   errors; keys, defaults and units in docs/cp2k.md (and the table `keys` below).
**   Level of theory (defaults): PBE, GTH-PBE pseudopotentials (GTH_POTENTIALS), MOLOPT basis sets
**   (BASIS_MOLOPT: DZVP-MOLOPT-SR-GTH where Debian's cp2k-data has it, else DZVP-MOLOPT-GTH),
**   plane-wave cutoff 400 Ry / relative cutoff 50 Ry, Gamma point, periodic XYZ, analytical
**   stress. Insulators: orbital transformation (OT). Metals (no non-metal element in the cell) or
**   smearing = on: diagonalisation with Fermi-Dirac smearing, Broyden mixing and added MOs.
**   The basis set and pseudopotential of each element are looked up in the data files at the first
**   compute (when the elements are known); an element without them is VT_ENOTSUP naming it. The
**   valence charge q of the basis ("...-GTH-q3") selects the matching GTH-<xc>-q3 potential.
**   Units: CP2K works in atomic units; the i-PI layer converts (ipi.h): eV, eV/A, GPa (ASE sign).
**   Security: the only program run is the configured command (split at blanks, no shell).
**   Tests: tests/calc/test_cp2k.sh (forces equal a direct CP2K ENERGY_FORCE run of the same frame).
*/
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calc/calc.h"
#include "calc/ipi.h"
#include "core/error.h"
#include "io/atomic.h"
#include "io/text.h"

#define MAX_WORDS 32 /* words of the cp2k command */

typedef struct cp2k_settings {
    char command[256];        /* CP2K executable and leading arguments, split at blanks */
    long threads;             /* OMP_NUM_THREADS of CP2K */
    double cutoff_Ry;         /* MGRID CUTOFF, Rydberg */
    double rel_cutoff_Ry;     /* MGRID REL_CUTOFF, Rydberg */
    char xc[16];              /* PBE, BLYP or PADE; pseudopotentials GTH-<xc> */
    char basis[64];           /* "auto" or a basis family name in BASIS_MOLOPT */
    char smearing[8];         /* auto (metals only), on, off */
    double electronic_temperature_K;
    long added_mos;           /* 0: automatic when smearing */
    long charge;              /* total charge, e */
    long multiplicity;        /* spin multiplicity; > 1 runs UKS */
    double scf_eps;           /* EPS_SCF, Hartree */
    long max_scf;
    double eps_default;       /* QS EPS_DEFAULT: accuracy of integrals and screening */
    char data_dir[512];       /* folder of BASIS_MOLOPT and GTH_POTENTIALS */
    double connect_timeout_s; /* how long CP2K may take to start and connect */
    char scratch_parent[512]; /* where the scratch directory is made */
    int keep_scratch;         /* 1: leave the scratch directory (input, CP2K output) behind */
} cp2k_settings;

typedef struct cp2k_state {
    cp2k_settings set;
    vt_ipi_server *server;    /* NULL until the first compute */
    char scratch[600];        /* scratch directory, "" before the first compute */
    size_t n_atoms;           /* atoms of the first compute: later cells must match */
    int *Z;
} cp2k_state;

/* ---------------------------------------------------------------------------------------------
** Settings file
*/
enum kind { K_STR, K_LONG, K_DOUBLE, K_BOOL };
static const struct key {
    const char *name;
    enum kind kind;
    size_t offset, size; /* field in cp2k_settings; size for strings */
    double lo, hi;       /* range of numbers */
} keys[] = {
#define STR(f) K_STR, offsetof(cp2k_settings, f), sizeof(((cp2k_settings *)0)->f), 0, 0
#define NUM(k, f, lo, hi) k, offsetof(cp2k_settings, f), 0, lo, hi
    {"command", STR(command)},
    {"threads", NUM(K_LONG, threads, 1, 4096)},
    {"cutoff_Ry", NUM(K_DOUBLE, cutoff_Ry, 10, 1e5)},
    {"rel_cutoff_Ry", NUM(K_DOUBLE, rel_cutoff_Ry, 5, 1e4)},
    {"xc", STR(xc)},
    {"basis", STR(basis)},
    {"smearing", STR(smearing)},
    {"electronic_temperature_K", NUM(K_DOUBLE, electronic_temperature_K, 1, 1e5)},
    {"added_mos", NUM(K_LONG, added_mos, 0, 100000)},
    {"charge", NUM(K_LONG, charge, -1000, 1000)},
    {"multiplicity", NUM(K_LONG, multiplicity, 1, 100)},
    {"scf_eps", NUM(K_DOUBLE, scf_eps, 1e-14, 1e-2)},
    {"max_scf", NUM(K_LONG, max_scf, 1, 100000)},
    {"eps_default", NUM(K_DOUBLE, eps_default, 1e-20, 1e-4)},
    {"data_dir", STR(data_dir)},
    {"connect_timeout_s", NUM(K_DOUBLE, connect_timeout_s, 1, 1e6)},
    {"scratch_dir", STR(scratch_parent)},
    {"keep_scratch", K_BOOL, offsetof(cp2k_settings, keep_scratch), 0, 0, 1},
#undef STR
#undef NUM
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static void settings_default(cp2k_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->command, sizeof s->command, "cp2k");
    s->threads = 1;
    s->cutoff_Ry = 400;
    s->rel_cutoff_Ry = 50;
    snprintf(s->xc, sizeof s->xc, "PBE");
    snprintf(s->basis, sizeof s->basis, "auto");
    snprintf(s->smearing, sizeof s->smearing, "auto");
    s->electronic_temperature_K = 300;
    s->multiplicity = 1;
    s->scf_eps = 1e-6;
    s->max_scf = 100;
    s->eps_default = 1e-12;
    const char *dd = getenv("CP2K_DATA_DIR");
    snprintf(s->data_dir, sizeof s->data_dir, "%s", dd && *dd ? dd : "/usr/share/cp2k");
    s->connect_timeout_s = 300;
    const char *tmp = getenv("TMPDIR");
    snprintf(s->scratch_parent, sizeof s->scratch_parent, "%s", tmp && *tmp ? tmp : "/tmp");
}

static vt_status set_key(cp2k_settings *s, const struct key *k, const vt_lines *rd, const char *val)
{
    char *field = (char *)s + k->offset;
    if (k->kind == K_STR) {
        if (strlen(val) >= k->size || !*val)
            VT_FAIL_AT(VT_EINVAL, rd->path, rd->line, k->name, "expected 1 to %zu characters", k->size - 1);
        memcpy(field, val, strlen(val) + 1);
        return VT_OK;
    }
    if (k->kind == K_BOOL) {
        int is_yes = !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "on") || !strcmp(val, "1");
        int is_no = !strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "off") || !strcmp(val, "0");
        if (!is_yes && !is_no) VT_FAIL_AT(VT_EINVAL, rd->path, rd->line, k->name, "expected yes or no, got '%s'", val);
        *(int *)field = is_yes;
        return VT_OK;
    }
    if (k->kind == K_LONG) {
        long v = 0;
        VT_TRY(vt_parse_long(rd, k->name, val, (long)k->lo, (long)k->hi, &v));
        *(long *)field = v;
        return VT_OK;
    }
    double v = 0;
    VT_TRY(vt_parse_double(rd, k->name, val, &v));
    if (!(v >= k->lo && v <= k->hi))
        VT_FAIL_AT(VT_EINVAL, rd->path, rd->line, k->name, "%g is outside %g..%g", v, k->lo, k->hi);
    *(double *)field = v;
    return VT_OK;
}

static int one_of(const char *v, const char *a, const char *b, const char *c)
{
    return !strcmp(v, a) || !strcmp(v, b) || !strcmp(v, c);
}

/* "key = value" lines; blank lines and '#' comments skipped. */
static vt_status settings_read(const char *path, cp2k_settings *s)
{
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "--calc cp2k: %s: %s", path, strerror(errno));
    vt_lines rd;
    vt_lines_init(&rd, f, path);
    vt_status st = VT_OK;
    char *line = NULL;
    while (st == VT_OK && (st = vt_lines_next(&rd, &line)) == VT_OK && line) {
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        if (vt_is_blank(line)) continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            st = vt_err_at_(VT_EPARSE, path, rd.line, NULL, "expected 'key = value'");
            break;
        }
        *eq = '\0';
        char *kc = line, *val = eq + 1;
        char *key = vt_next_token(&kc);
        while (*val == ' ' || *val == '\t') val++;
        for (size_t n = strlen(val); n > 0 && (val[n - 1] == ' ' || val[n - 1] == '\t'); n--) val[n - 1] = '\0';
        if (!key || vt_next_token(&kc) || !*val) {
            st = vt_err_at_(VT_EPARSE, path, rd.line, key, "expected 'key = value' (one word as key)");
            break;
        }
        size_t i = 0;
        while (i < N_KEYS && strcmp(keys[i].name, key) != 0) i++;
        if (i == N_KEYS) {
            st = vt_err_at_(VT_EINVAL, path, rd.line, key, "unknown key (see docs/cp2k.md)");
            break;
        }
        st = set_key(s, &keys[i], &rd, val);
    }
    vt_lines_clear(&rd);
    fclose(f);
    VT_TRY(st);
    if (!one_of(s->smearing, "auto", "on", "off"))
        VT_FAIL(VT_EINVAL, "%s: smearing: expected auto, on or off, got '%s'", path, s->smearing);
    if (!one_of(s->xc, "PBE", "BLYP", "PADE"))
        VT_FAIL(VT_EINVAL, "%s: xc: expected PBE, BLYP or PADE, got '%s'", path, s->xc);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Basis sets and pseudopotentials from the data files
*/
/* FNV-1a 64 of a file, for provenance. */
static vt_status file_hash(const char *path, uint64_t *h, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) VT_FAIL(VT_EIO, "--calc cp2k: %s: %s (set data_dir)", path, strerror(errno));
    uint64_t x = 1469598103934665603ull;
    long n = 0;
    int ch;
    while ((ch = getc(f)) != EOF) {
        x = (x ^ (uint64_t)(unsigned char)ch) * 1099511628211ull;
        n++;
    }
    fclose(f);
    *h = x;
    *size = n;
    return VT_OK;
}

/* In a CP2K basis or potential file, the first name on a header line of element sym that equals
 * want or starts with want + "-q", copied into out. Header lines: the symbol, then names. */
static vt_status find_entry(const char *path, const char *sym, const char *want, char *out, size_t size,
                            int *found)
{
    *found = 0;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "--calc cp2k: %s: %s (set data_dir)", path, strerror(errno));
    vt_lines rd;
    vt_lines_init(&rd, f, path);
    size_t wl = strlen(want);
    char *line = NULL;
    vt_status st;
    while ((st = vt_lines_next(&rd, &line)) == VT_OK && line && !*found) {
        char *tok[16];
        size_t n = vt_split(line, tok, 16);
        if (n < 2 || n > 16 || strcmp(tok[0], sym) != 0) continue;
        for (size_t i = 1; i < n && !*found; i++) {
            int is_match = !strcmp(tok[i], want) || (!strncmp(tok[i], want, wl) && !strncmp(tok[i] + wl, "-q", 2));
            if (is_match && strlen(tok[i]) < size) {
                /* prefer the explicit "-qN" alias on the same line */
                const char *pick = tok[i];
                for (size_t j = 1; j < n; j++)
                    if (!strncmp(tok[j], want, wl) && !strncmp(tok[j] + wl, "-q", 2) && strlen(tok[j]) < size) pick = tok[j];
                snprintf(out, size, "%s", pick);
                *found = 1;
            }
        }
    }
    vt_lines_clear(&rd);
    fclose(f);
    return st;
}

/* Valence charge from a "...-qN" name, or 0. */
static int valence_of(const char *name)
{
    const char *q = strstr(name, "-q");
    return q ? atoi(q + 2) : 0;
}

typedef struct kind_choice {
    int Z;
    char basis[64], potential[64];
    int q;
} kind_choice;

static vt_status choose_kind(const cp2k_settings *s, int Z, kind_choice *k)
{
    const char *sym = vt_element_by_Z(Z)->symbol;
    char bpath[600], ppath[600];
    snprintf(bpath, sizeof bpath, "%s/BASIS_MOLOPT", s->data_dir);
    snprintf(ppath, sizeof ppath, "%s/GTH_POTENTIALS", s->data_dir);
    int found = 0;
    k->Z = Z;
    if (strcmp(s->basis, "auto") == 0) {
        VT_TRY(find_entry(bpath, sym, "DZVP-MOLOPT-SR-GTH", k->basis, sizeof k->basis, &found));
        if (!found) VT_TRY(find_entry(bpath, sym, "DZVP-MOLOPT-GTH", k->basis, sizeof k->basis, &found));
    } else {
        VT_TRY(find_entry(bpath, sym, s->basis, k->basis, sizeof k->basis, &found));
    }
    if (!found)
        VT_FAIL(VT_ENOTSUP, "--calc cp2k: no %s basis set for %s in %s",
                strcmp(s->basis, "auto") ? s->basis : "DZVP-MOLOPT(-SR)-GTH", sym, bpath);
    k->q = valence_of(k->basis);
    char want[64];
    if (k->q > 0) snprintf(want, sizeof want, "GTH-%s-q%d", s->xc, k->q);
    else snprintf(want, sizeof want, "GTH-%s", s->xc);
    VT_TRY(find_entry(ppath, sym, want, k->potential, sizeof k->potential, &found));
    if (!found || (k->q > 0 && strcmp(k->potential, want) != 0))
        VT_FAIL(VT_ENOTSUP, "--calc cp2k: no %s pseudopotential for %s (basis %s) in %s", want, sym, k->basis, ppath);
    if (k->q == 0) k->q = valence_of(k->potential);
    return VT_OK;
}

/* Elements that make a cell "not a metal" for smearing = auto: non-metals and metalloids. */
static int is_nonmetal(int Z)
{
    static const int list[] = {1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 33, 34, 35, 36, 51, 52, 53, 54, 85, 86};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (list[i] == Z) return 1;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
** The input file
*/
static void write_input(const cp2k_settings *s, const vt_cell *c, const kind_choice *kinds, size_t n_kinds,
                        const char *socket_name, vt_text *t)
{
    int smear = !strcmp(s->smearing, "on");
    if (!strcmp(s->smearing, "auto")) {
        smear = 1;
        for (size_t k = 0; k < n_kinds; k++) smear = smear && !is_nonmetal(kinds[k].Z);
    }
    long n_elec = -s->charge;
    for (size_t i = 0; i < c->n_atoms; i++)
        for (size_t k = 0; k < n_kinds; k++)
            if (kinds[k].Z == c->Z[i]) n_elec += kinds[k].q;
    long added = s->added_mos ? s->added_mos : (n_elec / 2 / 5 > 8 ? n_elec / 2 / 5 : 8);

    vt_text_printf(t, "# Written by vitrum (src/calc/cp2k.c); CP2K runs as an i-PI client of vitrum.\n");
    vt_text_printf(t, "&GLOBAL\n  PROJECT vitrum\n  RUN_TYPE DRIVER\n  PRINT_LEVEL LOW\n&END GLOBAL\n");
    vt_text_printf(t, "&MOTION\n  &DRIVER\n    HOST %s\n    UNIX T\n  &END DRIVER\n&END MOTION\n", socket_name);
    vt_text_printf(t, "&FORCE_EVAL\n  METHOD QS\n  STRESS_TENSOR ANALYTICAL\n  &DFT\n");
    vt_text_printf(t, "    BASIS_SET_FILE_NAME %s/BASIS_MOLOPT\n    POTENTIAL_FILE_NAME %s/GTH_POTENTIALS\n",
                   s->data_dir, s->data_dir);
    vt_text_printf(t, "    CHARGE %ld\n    MULTIPLICITY %ld\n%s", s->charge, s->multiplicity,
                   s->multiplicity > 1 ? "    UKS T\n" : "");
    vt_text_printf(t, "    &MGRID\n      CUTOFF %.17g\n      REL_CUTOFF %.17g\n    &END MGRID\n", s->cutoff_Ry,
                   s->rel_cutoff_Ry);
    vt_text_printf(t, "    &QS\n      EPS_DEFAULT %.17g\n    &END QS\n", s->eps_default);
    vt_text_printf(t, "    &SCF\n      EPS_SCF %.17g\n      MAX_SCF %ld\n", s->scf_eps, s->max_scf);
    if (smear) {
        vt_text_printf(t, "      ADDED_MOS %ld\n      &DIAGONALIZATION\n        ALGORITHM STANDARD\n"
                          "      &END DIAGONALIZATION\n      &MIXING\n        METHOD BROYDEN_MIXING\n"
                          "        ALPHA 0.4\n      &END MIXING\n      &SMEAR ON\n        METHOD FERMI_DIRAC\n"
                          "        ELECTRONIC_TEMPERATURE [K] %.17g\n      &END SMEAR\n",
                       added, s->electronic_temperature_K);
    } else {
        vt_text_printf(t, "      &OT\n        MINIMIZER DIIS\n        PRECONDITIONER FULL_SINGLE_INVERSE\n"
                          "      &END OT\n      &OUTER_SCF\n        EPS_SCF %.17g\n        MAX_SCF 20\n"
                          "      &END OUTER_SCF\n", s->scf_eps);
    }
    vt_text_printf(t, "    &END SCF\n    &XC\n      &XC_FUNCTIONAL %s\n      &END XC_FUNCTIONAL\n    &END XC\n"
                      "  &END DFT\n  &SUBSYS\n    &CELL\n", s->xc);
    for (int r = 0; r < 3; r++)
        vt_text_printf(t, "      %c %.17g %.17g %.17g\n", 'A' + r, c->lattice[r][0], c->lattice[r][1], c->lattice[r][2]);
    vt_text_printf(t, "      PERIODIC XYZ\n    &END CELL\n    &COORD\n");
    for (size_t i = 0; i < c->n_atoms; i++)
        vt_text_printf(t, "      %s %.17g %.17g %.17g\n", vt_element_by_Z(c->Z[i])->symbol, c->pos[i][0],
                       c->pos[i][1], c->pos[i][2]);
    vt_text_printf(t, "    &END COORD\n");
    for (size_t k = 0; k < n_kinds; k++)
        vt_text_printf(t, "    &KIND %s\n      BASIS_SET %s\n      POTENTIAL %s\n    &END KIND\n",
                       vt_element_by_Z(kinds[k].Z)->symbol, kinds[k].basis, kinds[k].potential);
    vt_text_printf(t, "  &END SUBSYS\n&END FORCE_EVAL\n");
}

/* ---------------------------------------------------------------------------------------------
** Starting CP2K at the first compute
*/
static vt_status make_scratch(cp2k_state *st)
{
    snprintf(st->scratch, sizeof st->scratch, "%s/vitrum-cp2k-XXXXXX", st->set.scratch_parent);
    if (!mkdtemp(st->scratch)) {
        char parent[512];
        snprintf(parent, sizeof parent, "%s", st->set.scratch_parent);
        st->scratch[0] = '\0';
        VT_FAIL(VT_EIO, "--calc cp2k: cannot make a scratch directory in %s: %s", parent, strerror(errno));
    }
    return VT_OK;
}

static vt_status start_cp2k(cp2k_state *st, const vt_cell *c)
{
    vt_composition comp;
    VT_TRY(vt_cell_composition(c, &comp));
    kind_choice kinds[VT_MAX_SPECIES];
    for (size_t k = 0; k < comp.n_species; k++) VT_TRY(choose_kind(&st->set, comp.Z[k], &kinds[k]));

    st->Z = vt_malloc(c->n_atoms * sizeof *st->Z);
    if (!st->Z) VT_FAIL(VT_ENOMEM, "--calc cp2k: out of memory");
    memcpy(st->Z, c->Z, c->n_atoms * sizeof *st->Z);
    st->n_atoms = c->n_atoms;

    VT_TRY(make_scratch(st));
    /* socket /tmp/ipi_vt_<the unique suffix of the scratch directory>_<pid> */
    char sock_name[64], input[700], log[700];
    snprintf(sock_name, sizeof sock_name, "vt_%s_%ld", strrchr(st->scratch, '-') + 1, (long)getpid());
    snprintf(input, sizeof input, "%s/vitrum.inp", st->scratch);
    snprintf(log, sizeof log, "%s/cp2k.out", st->scratch);
    vt_text t = {0};
    write_input(&st->set, c, kinds, comp.n_species, sock_name, &t);
    VT_TRY(vt_text_save(&t, input));

    char cmd[sizeof st->set.command];
    memcpy(cmd, st->set.command, sizeof cmd);
    char *argv[MAX_WORDS + 3];
    size_t n = vt_split(cmd, argv, MAX_WORDS);
    if (n == 0 || n > MAX_WORDS) VT_FAIL(VT_EINVAL, "--calc cp2k: command: expected 1 to %d words", MAX_WORDS);
    argv[n++] = "-i";
    argv[n++] = "vitrum.inp";
    argv[n] = NULL;
    char threads[32];
    snprintf(threads, sizeof threads, "OMP_NUM_THREADS=%ld", st->set.threads);
    const char *env[] = {threads, NULL};
    vt_ipi_opts o = {.is_unix = 1, .address = sock_name, .connect_timeout_s = st->set.connect_timeout_s,
                     .client_argv = argv, .client_dir = st->scratch, .client_log = log, .client_env = env};
    return vt_ipi_server_new(&o, &st->server);
}

static vt_status cp2k_compute(void *state, const vt_cell *c, vt_calc_result *r)
{
    cp2k_state *st = state;
    if (!st->Z) VT_TRY(start_cp2k(st, c));
    if (!st->server) VT_FAIL(VT_EIO, "--calc cp2k: CP2K failed to start earlier; reopen the calculator");
    if (c->n_atoms != st->n_atoms || memcmp(c->Z, st->Z, c->n_atoms * sizeof *c->Z) != 0)
        VT_FAIL(VT_EINVAL, "--calc cp2k: the atoms (count or elements) changed since the first compute");
    vt_status s = vt_ipi_server_compute(st->server, c, r);
    if (s != VT_OK && st->scratch[0]) st->set.keep_scratch = 1; /* keep CP2K's output for the post-mortem */
    return s;
}

/* Remove the scratch directory's files (CP2K writes only plain files there) and the directory. */
static void remove_scratch(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void cp2k_free(void *state)
{
    cp2k_state *st = state;
    if (!st) return;
    vt_ipi_server_free(st->server);
    if (st->scratch[0] && !st->set.keep_scratch) remove_scratch(st->scratch);
    vt_free(st->Z);
    vt_free(st);
}

static const vt_calc_ops cp2k_ops = {.name = "cp2k", .compute = cp2k_compute, .free = cp2k_free};

/* The resolved settings and the data files' checksums, for provenance. */
static vt_status settings_text(const cp2k_settings *s, char **out)
{
    vt_text t = {0};
    vt_text_printf(&t, "cp2k (CP2K as an i-PI client; vitrum writes its input)\n");
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *f = (const char *)s + keys[i].offset;
        switch (keys[i].kind) {
        case K_STR: vt_text_printf(&t, "%s = %s\n", keys[i].name, f); break;
        case K_LONG: vt_text_printf(&t, "%s = %ld\n", keys[i].name, *(const long *)f); break;
        case K_DOUBLE: vt_text_printf(&t, "%s = %.17g\n", keys[i].name, *(const double *)f); break;
        case K_BOOL: vt_text_printf(&t, "%s = %s\n", keys[i].name, *(const int *)f ? "yes" : "no"); break;
        }
    }
    const char *files[] = {"BASIS_MOLOPT", "GTH_POTENTIALS"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        uint64_t h = 0;
        long size = 0;
        snprintf(path, sizeof path, "%s/%s", s->data_dir, files[i]);
        vt_status st = file_hash(path, &h, &size);
        if (st != VT_OK) {
            vt_text_clear(&t);
            return st;
        }
        vt_text_printf(&t, "# %s: %ld bytes, FNV-1a 64 %016llx\n", path, size, (unsigned long long)h);
    }
    if (t.is_oom) {
        vt_text_clear(&t);
        VT_FAIL(VT_ENOMEM, "--calc cp2k: out of memory");
    }
    *out = t.p;
    return VT_OK;
}

vt_status vt_calc_open_cp2k(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    cp2k_state *st = vt_calloc(1, sizeof *st);
    if (!st) VT_FAIL(VT_ENOMEM, "--calc cp2k: out of memory");
    settings_default(&st->set);
    vt_status s = arg && *arg ? settings_read(arg, &st->set) : VT_OK;
    char *text = NULL;
    if (s == VT_OK) s = settings_text(&st->set, &text);
    if (s != VT_OK) {
        vt_free(st);
        return s;
    }
    *ops = &cp2k_ops;
    *state = st;
    *settings = text;
    return VT_OK;
}
