/* test_structure_io.c - structure files: every format round-trips random triclinic cells
** (positions, lattice, species, velocities, image counts where the format holds them; POSCAR,
** extxyz and pymatgen JSON bit for bit), choice of format by name and file name, and malformed,
** truncated or oversized files rejected with VT_EPARSE messages naming file, line and field. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "test.h"
#include "vitrum.h"

static char dir[] = "/tmp/vt_structio_XXXXXX";

static const char *in_dir(const char *name)
{
    static char buf[4][256];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *put(const char *name, const char *text)
{
    const char *path = in_dir(name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static double uniform(vt_rng *rng, double lo, double hi) { return lo + (hi - lo) * vt_rng_uniform(rng); }

/* A random triclinic cell (rows with random tilts, not in LAMMPS form), 1..40 atoms of a few
 * elements in runs and singles, positions partly outside the cell, optional arrays per flags. */
static vt_cell *random_cell(vt_rng *rng, unsigned flags)
{
    static const int Zs[] = {3, 8, 14, 15, 40, 57};
    double L[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) L[i][k] = i == k ? uniform(rng, 4, 12) : uniform(rng, -3, 3);
    vt_cell *c;
    if (vt_cell_new(1 + vt_rng_below(rng, 40), L, flags, &c) != VT_OK) return NULL;
    for (size_t i = 0; i < c->n_atoms; i++) {
        double f[3] = {uniform(rng, -0.3, 1.3), uniform(rng, -0.3, 1.3), uniform(rng, -0.3, 1.3)};
        vt_frac_to_cart(L, f, c->pos[i]);
        c->Z[i] = i > 0 && vt_rng_below(rng, 3) ? c->Z[i - 1] : Zs[vt_rng_below(rng, 6)];
        for (int k = 0; c->vel && k < 3; k++) c->vel[i][k] = uniform(rng, -0.1, 0.1);
        for (int k = 0; c->image && k < 3; k++) c->image[i][k] = (int)vt_rng_below(rng, 11) - 5;
    }
    return c;
}

/* Largest |a - b| over lattice, positions and velocities (Angstrom, A/fs); -1 when the atoms, the
 * optional arrays present or the image counts differ. */
static double max_dev(const vt_cell *a, const vt_cell *b)
{
    if (a->n_atoms != b->n_atoms || memcmp(a->Z, b->Z, a->n_atoms * sizeof *a->Z) != 0) return -1;
    if (!a->vel != !b->vel || !a->image != !b->image) return -1;
    if (a->image && memcmp(a->image, b->image, a->n_atoms * sizeof *a->image) != 0) return -1;
    double d = 0;
    for (int i = 0; i < 9; i++) d = fmax(d, fabs(a->lattice[i / 3][i % 3] - b->lattice[i / 3][i % 3]));
    for (size_t i = 0; i < a->n_atoms; i++)
        for (int k = 0; k < 3; k++) {
            d = fmax(d, fabs(a->pos[i][k] - b->pos[i][k]));
            if (a->vel) d = fmax(d, fabs(a->vel[i][k] - b->vel[i][k]));
        }
    return d;
}

static vt_cell *without(const vt_cell *c, unsigned flags)
{
    vt_cell *d;
    if (vt_cell_copy(c, &d) != VT_OK) return NULL;
    if (flags & VT_CELL_VEL) {
        vt_free(d->vel);
        d->vel = NULL;
    }
    if (flags & VT_CELL_IMAGE) {
        vt_free(d->image);
        d->image = NULL;
    }
    return d;
}

/* Write c as file name, read it back, compare with want within tol (0: bit for bit). */
static void round_trip(const vt_cell *c, const char *name, const vt_cell *want, double tol)
{
    vt_cell *back = NULL;
    const char *path = in_dir(name);
    CHECK(vt_structure_write(path, NULL, c) == VT_OK);
    vt_status s = vt_structure_read(path, NULL, &back);
    CHECK(s == VT_OK);
    if (s != VT_OK) {
        fprintf(stderr, "%s: %s\n", name, vt_errmsg());
        return;
    }
    double d = max_dev(want, back);
    CHECK(d >= 0 && d <= tol);
    if (!(d >= 0 && d <= tol)) fprintf(stderr, "%s: deviation %g\n", name, d);
    vt_cell_free(back);
}

/* LAMMPS rotates a general cell: compare what rotation keeps (metric, fractional coordinates,
 * velocity projections on the cell vectors, image counts, species). */
static void lammps_round_trip(const vt_cell *c)
{
    vt_cell *back = NULL;
    CHECK(vt_structure_write(in_dir("cell.data"), NULL, c) == VT_OK);
    CHECK(vt_structure_read(in_dir("cell.data"), NULL, &back) == VT_OK);
    if (!back) return;
    CHECK(back->n_atoms == c->n_atoms && memcmp(back->Z, c->Z, c->n_atoms * sizeof *c->Z) == 0);
    CHECK(back->image && memcmp(back->image, c->image, c->n_atoms * sizeof *c->image) == 0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double g0 = 0, g1 = 0;
            for (int k = 0; k < 3; k++)
                g0 += c->lattice[i][k] * c->lattice[j][k], g1 += back->lattice[i][k] * back->lattice[j][k];
            CHECK_REL(g1, g0, 1e-13);
        }
    double (*f0)[3] = vt_malloc(c->n_atoms * sizeof *f0), (*f1)[3] = vt_malloc(c->n_atoms * sizeof *f1);
    CHECK(vt_cell_get_frac(c, f0) == VT_OK && vt_cell_get_frac(back, f1) == VT_OK);
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) {
            CHECK_REL(f1[i][k], f0[i][k], 1e-13);
            double p0 = 0, p1 = 0;
            for (int m = 0; m < 3; m++)
                p0 += c->vel[i][m] * c->lattice[k][m], p1 += back->vel[i][m] * back->lattice[k][m];
            CHECK_REL(p1, p0, 1e-13);
        }
    vt_free(f0);
    vt_free(f1);
    vt_cell_free(back);
}

static void round_trips(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 2024);
    for (int rep = 0; rep < 20; rep++) {
        vt_cell *c = random_cell(&rng, VT_CELL_VEL | VT_CELL_IMAGE);
        vt_cell *c_nv = without(c, VT_CELL_IMAGE), *c_bare = without(c, VT_CELL_VEL | VT_CELL_IMAGE);
        round_trip(c, "cell.xyz", c, 0);
        round_trip(c, "POSCAR", c_nv, 0);
        round_trip(c_bare, "cell.vasp", c_bare, 0);
        round_trip(c, "cell.json", c_nv, 0);
        round_trip(c_bare, "cell.json", c_bare, 0);
        round_trip(c, "XDATCAR", c_bare, 1e-13);
        lammps_round_trip(c);
        /* a cell already in LAMMPS form is written as is: exact */
        memset(c->lattice[0] + 1, 0, 2 * sizeof(double));
        c->lattice[1][2] = 0;
        round_trip(c, "exact.lmp", c, 1e-15 * 100);
        vt_cell_free(c);
        vt_cell_free(c_nv);
        vt_cell_free(c_bare);
    }
}

static void trajectories(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 5);
    vt_traj *t, *back;
    vt_cell *c = random_cell(&rng, VT_CELL_VEL);
    CHECK(vt_traj_new(&t) == VT_OK);
    for (int k = 0; k < 4; k++) {
        vt_cell *f;
        CHECK(vt_cell_copy(c, &f) == VT_OK);
        f->pos[0][0] += k;
        if (k == 3) f->lattice[2][2] += 0.5; /* variable cell from frame 4 */
        CHECK(vt_traj_append(t, f) == VT_OK);
    }
    const char *names[] = {"traj.xyz", "XDATCAR_npt"};
    for (int n = 0; n < 2; n++) {
        CHECK(vt_traj_write(in_dir(names[n]), NULL, t) == VT_OK);
        CHECK(vt_traj_read(in_dir(names[n]), NULL, &back) == VT_OK);
        CHECK(back && back->n_frames == 4);
        for (size_t k = 0; back && k < 4; k++) {
            vt_cell *want = n == 0 ? without(t->frames[k], 0) : without(t->frames[k], VT_CELL_VEL);
            double d = max_dev(want, back->frames[k]);
            CHECK(d >= 0 && d < 1e-13);
            vt_cell_free(want);
        }
        vt_traj_free(back);
    }
    vt_cell *last;
    CHECK(vt_structure_read(in_dir("XDATCAR_npt"), NULL, &last) == VT_OK); /* the last frame */
    CHECK(last && fabs(last->lattice[2][2] - t->frames[3]->lattice[2][2]) < 1e-15);
    vt_cell_free(last);
    CHECK(vt_traj_write(in_dir("two.vasp"), NULL, t) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), "one frame") != NULL);
    t->frames[3]->lattice[2][2] -= 0.5; /* constant cell: one header */
    CHECK(vt_traj_write(in_dir("XDATCAR_nvt"), "xdatcar", t) == VT_OK);
    CHECK(vt_traj_read(in_dir("XDATCAR_nvt"), "XDATCAR", &back) == VT_OK && back->n_frames == 4);
    vt_traj_free(back);
    vt_traj_free(t);
    vt_cell_free(c);
}

static void dispatch(void)
{
    vt_rng rng;
    vt_rng_seed(&rng, 9);
    vt_cell *c = random_cell(&rng, 0), *back;
    CHECK(vt_structure_write(in_dir("CONTCAR.relax"), NULL, c) == VT_OK);
    CHECK(vt_structure_read(in_dir("CONTCAR.relax"), "poscar", &back) == VT_OK);
    vt_cell_free(back);
    CHECK(vt_structure_write(in_dir("x.unknown"), NULL, c) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), "cannot tell the format") != NULL);
    CHECK(vt_structure_write(in_dir("x.vasp"), "gaussian", c) == VT_EINVAL);
    CHECK(strstr(vt_errmsg(), "unknown structure format 'gaussian'") != NULL);
    CHECK(vt_structure_write(in_dir("c.cif"), NULL, c) == VT_OK);
    CHECK(vt_structure_read(in_dir("c.cif"), NULL, &back) == VT_ENOTSUP && back == NULL);
    CHECK(vt_structure_read(in_dir("missing.vasp"), NULL, &back) == VT_EIO);
    CHECK(vt_structure_write("/nonexistent-dir/x.vasp", NULL, c) == VT_EIO);
    c->Z[0] = 0;
    CHECK(vt_structure_write(in_dir("bad.vasp"), NULL, c) == VT_EINVAL);
    vt_cell_free(c);
}

/* ---------------------------------------------------------------------------------------------
** Readers on hand-written files
*/
static const char *ase_poscar =
    " Li O \n -62.5\n 1 0 0\n 0 1 0\n 0 0 1\n Li_sv O\n 1 1\nSelective dynamics\nDirect\n"
    "  0 0 0 T T F Li\n  0.5 0.5 0.5 F F F O\n\n 0.01 0.02 0.03\n 0 0 0\n\n predictor lines ignored\n";

static void poscar_features(void)
{
    vt_cell *c;
    CHECK(vt_structure_read(put("sel.vasp", ase_poscar), NULL, &c) == VT_OK);
    CHECK_REL(vt_cell_volume(c), 62.5, 1e-14); /* negative scale = volume */
    CHECK(c->Z[0] == 3 && c->Z[1] == 8 && c->vel);
    CHECK_REL(c->pos[1][2], 0.5 * cbrt(62.5), 1e-14);
    CHECK_REL(c->vel[0][2], 0.03, 0);
    vt_cell_free(c);
    const char *three = "x\n 1 2 3\n 1 0 0\n 0 1 0\n 0 0 1\n Si\n 1\nCartesian\n 1 1 1\n";
    CHECK(vt_structure_read(put("three.vasp", three), NULL, &c) == VT_OK); /* per-axis scale */
    CHECK_REL(c->lattice[2][2], 3.0, 0);
    CHECK_REL(c->pos[0][1], 2.0, 0);
    vt_cell_free(c);
}

static void extxyz_features(void)
{
    const char *ase = "2\nLattice=\"4.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 6.0\" "
                      "Properties=Z:I:1:pos:R:3:forces:R:3:tags:L:1 energy=-1.5 note=\"a \\\"quoted\\\" "
                      "word\" pbc=\"T T T\" flag\n"
                      "3 0.0 0.0 0.0 1 2 3 T\n8 1.0 2.0 3.0 4 5 6 F\n";
    vt_cell *c;
    CHECK(vt_structure_read(put("ase.extxyz", ase), NULL, &c) == VT_OK);
    CHECK(c && c->Z[1] == 8 && c->pos[1][2] == 3.0 && c->lattice[1][1] == 5.0 && !c->vel);
    vt_cell_free(c);
}

static void lammps_features(void)
{
    const char *data =
        "ASE-like\n\n2 atoms\n2 atom types\n0.0 4 xlo xhi\n-1 4 ylo yhi\n0 6 zlo zhi\n"
        "1 0 0 xy xz yz\n\nAtoms # atomic\n\n2 2 1 2 3\n1 1 0 -1 0\n\nVelocities\n\n1 10 0 0\n2 0 0 -20\n";
    vt_cell *c;
    CHECK(vt_structure_read(put("nomap.data", data), NULL, &c) == VT_EPARSE);
    CHECK(strstr(vt_errmsg(), "nomap.data: Masses: atom type 1 has no element") != NULL);
    int map[2] = {3, 9};
    CHECK(vt_lammps_data_read(put("map.data", data), 2, map, &c) == VT_OK);
    CHECK(c && c->Z[0] == 3 && c->Z[1] == 9);
    CHECK(c && c->pos[1][1] == 3.0 && c->pos[0][1] == 0.0); /* sorted by id, shifted by ylo */
    CHECK(c && c->lattice[1][0] == 1.0 && c->lattice[1][1] == 5.0);
    CHECK(c && c->vel[0][0] == 0.01 && c->vel[1][2] == -0.02); /* A/ps -> A/fs */
    vt_cell_free(c);
    int bad_map[1] = {0};
    CHECK(vt_lammps_data_read(in_dir("map.data"), 1, bad_map, &c) == VT_EINVAL);
    CHECK(vt_lammps_data_read(in_dir("map.data"), 1, map, &c) == VT_EPARSE); /* 2 types, map of 1 */
    const char *labelled = "x\n1 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n"
                           "Atom Type Labels\n\n1 O\n\nPair Coeffs # buck\n\n1 1 1 1\n\nAtoms\n\n1 1 0 0 0\n";
    CHECK(vt_structure_read(put("labels.lmp", labelled), NULL, &c) == VT_OK);
    CHECK(c && c->Z[0] == 8);
    vt_cell_free(c);
}

/* Each malformed file must fail with VT_EPARSE and a message containing want. */
typedef struct bad_case {
    const char *name, *text, *want;
} bad_case;

static const bad_case bad_cases[] = {
    {"b1.vasp", "x\n0\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nDirect\n0 0 0\n", "b1.vasp:2: scale: must not be 0"},
    {"b2.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\n1\nDirect\n0 0 0\n",
     "b2.vasp:6: species: expected element symbols, got '1'"},
    {"b3.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi O\n1\nDirect\n0 0 0\n",
     "b3.vasp:7: counts: 1 counts for 2 species"},
    {"b4.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n2\nDirect\n0 0 0\n",
     "b4.vasp:10: positions: file ends after 1 of 2 atoms"},
    {"b5.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nDirect\n0 zero 0\n",
     "b5.vasp:9: positions: expected a number, got 'zero'"},
    {"b6.vasp", "x\n1\n1 0 0\n2 0 0\n0 0 1\nLi\n1\nDirect\n0 0 0\n", "b6.vasp:5: lattice: singular"},
    {"b7.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nXx\n1\nDirect\n0 0 0\n",
     "b7.vasp:6: species: unknown element 'Xx'"},
    {"b8.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n100000001\nDirect\n0 0 0\n",
     "b8.vasp:7: counts: 100000001 is outside 1..100000000"},
    {"b9.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n99999999\nDirect\n0 0 0\n",
     "b9.vasp:10: positions: file ends after 1 of 99999999"},
    {"b10.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nSelective\nDirect\n0 0 0 T X F\n",
     "b10.vasp:10: selective dynamics: expected T or F, got 'X'"},
    {"b11.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nDirect\n0 0 0\n1 1 1\n",
     "b11.vasp:10: positions: more lines than the 1 atoms"},
    {"b12.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nDirect\n0 0 0\n\n1 1\n",
     "b12.vasp:11: velocities: expected 3 numbers, got 2"},
    {"b13.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nRandom\n0 0 0\n",
     "b13.vasp:8: mode: expected Direct or Cartesian"},
    {"b14.vasp", "x\n1\n1 0 0\n0 1 0\n0 0 nan\nLi\n1\nDirect\n0 0 0\n",
     "b14.vasp:5: lattice: number out of range or not finite: 'nan'"},
    {"b15.vasp", "x\n1\n1 0 0\n0 1 0\n", "b15.vasp:5: lattice: unexpected end of file"},
    {"XDATCAR_b1",
     "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n2\nDirect configuration= 1\n0 0 0\n0 0 0\nDirect configuration= 2\n0 0 "
     "0\n",
     "XDATCAR_b1:13: positions: file ends after 1 of 2 atoms"},
    {"XDATCAR_b2",
     "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nDirect configuration= 1\n0 0 0\nx\n1\n1 0 0\n0 1 0\n0 0 1\nO\n1\n",
     "XDATCAR_b2:10: header: species or counts differ from the first header"},
    {"XDATCAR_b3", "x\n1\n1 0 0\n0 1 0\n0 0 1\nLi\n1\nConfiguration 1\n0 0 0\n",
     "XDATCAR_b3:8: configuration: expected 'Direct configuration='"},
    {"b1.xyz", "2\nLattice=\"1 0 0 0 1 0 0 0 1\"\nLi 0 0 0\n",
     "b1.xyz:4: atoms: file ends after 1 of 2 atoms"},
    {"b2.xyz", "1\nProperties=species:S:1:pos:R:3\nLi 0 0 0\n", "b2.xyz:2: Lattice: missing"},
    {"b3.xyz", "1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T F\"\nLi 0 0 0\n",
     "b3.xyz:2: pbc: vitrum cells are periodic"},
    {"b4.xyz", "1\nLattice=\"1 0 0 0 1 0 0 0 1\"\nLi 0 0\n", "b4.xyz:3: atoms: 3 columns, Properties say 4"},
    {"b5.xyz", "1\nLattice=\"1 0 0 0 1 0 0 0 1\nLi 0 0 0\n", "b5.xyz:2: comment: unterminated quote"},
    {"b6.xyz", "1\nLattice=\"1 0 0 0 1 0 0 0 1\" Properties=species:S:1:pos:I:3\nLi 0 0 0\n",
     "b6.xyz:2: Properties: 'pos' has type I:3"},
    {"b7.xyz", "one\n", "b7.xyz:1: count: expected an integer, got 'one'"},
    {"b8.xyz",
     "1\nLattice=\"1 0 0 0 1 0 0 0 1\"\nLi 0 0 0\n2\nLattice=\"1 0 0 0 1 0 0 0 1\"\nLi 0 0 0\nO 0 0 0\n",
     "b8.xyz:4: atoms: frame 2 has other atoms than frame 1"},
    {"b9.xyz", "", "b9.xyz: no frames"},
    {"b1.data",
     "x\n\n2 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 7 # Li\n\nAtoms\n\n1 "
     "1 0 0 0\n",
     "b1.data:13: Atoms: 1 atom lines for 2 atoms"},
    {"b2.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n\nAtoms\n\n1 1 0 0 0\n",
     "b2.data:8: header: no 'zlo zhi' line"},
    {"b3.data",
     "x\n\n2 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 7 # Li\n\nAtoms\n\n1 "
     "1 0 0 0\n1 1 0 0 0\n",
     "b3.data:13: Atoms: atom id 1 appears twice"},
    {"b4.data",
     "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms # full\n\n1 1 1 0 0 0 0\n",
     "b4.data:9: Atoms: atom style 'full' is not supported"},
    {"b5.data",
     "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 7 # Li\n\nAtoms\n\n1 "
     "2 0 0 0\n",
     "b5.data:15: Atoms: type: 2 is outside 1..1"},
    {"b6.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n5 bonds\n",
     "b6.data:8: header: unrecognised line"},
    {"b7.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nBonds\n\n1 1 1 2\n",
     "b7.data:9: section: 'Bonds' is not supported"},
    {"b8.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 -7\n",
     "b8.data:11: Masses: mass must be > 0 amu"},
    {"b9.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 0 zlo zhi\n\nAtoms\n\n1 1 0 0 0\n",
     "b9.data:7: zhi: must be larger than zlo"},
    {"b10.data", "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 7 # Li\n",
     "b10.data:11: Atoms: no Atoms section"},
    {"b1.json", "{\"lattice\": {\"matrix\": [[1,0,0],[0,1,0],[0,0,1]]},\n \"sites\": [\n",
     "b1.json:2: JSON syntax error"},
    {"b2.json", "{\"lattice\": {\"matrix\": [[1,0,0],[0,1,0]]}, \"sites\": []}",
     "b2.json: lattice.matrix: expected 3 rows"},
    {"b3.json",
     "{\"lattice\": {\"matrix\": [[1,0,0],[0,1,0],[0,0,1]]}, \"sites\": [{\"species\": "
     "[{\"element\": \"Li\", \"occu\": 0.5}], \"abc\": [0,0,0]}]}",
     "b3.json: sites[0].species[0].occu: partial occupancy is not supported"},
    {"b4.json",
     "{\"lattice\": {\"matrix\": [[1,0,0],[0,1,0],[0,0,1]]}, \"sites\": [{\"species\": "
     "[{\"element\": \"Li\", \"occu\": 1}], \"xyz\": [0,0]}]}",
     "b4.json: sites[0].xyz: expected an array of 3 numbers"},
    {"b5.json", "{\"@class\": \"Molecule\"}", "b5.json: @class: expected \"Structure\""},
    {"b6.json", "[1, 2]", "b6.json: expected a JSON object"},
};

static void malformed(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        vt_traj *t = NULL;
        vt_status s = vt_traj_read(put(b->name, b->text), NULL, &t);
        int ok = s == VT_EPARSE && t == NULL && strstr(vt_errmsg(), b->want) != NULL;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  %s: status %s, message '%s', want '%s'\n", b->name, vt_status_name(s),
                    vt_errmsg(), b->want);
        vt_traj_free(t);
    }
    vt_cell *c;
    CHECK(vt_structure_read(put("nul.vasp", "x\n1\n1 0 0\n0 1"), NULL, &c) == VT_EPARSE);
    FILE *f = fopen(in_dir("bin.xyz"), "wb");
    fwrite("1\n\0\0\0", 1, 5, f);
    fclose(f);
    CHECK(vt_structure_read(in_dir("bin.xyz"), NULL, &c) == VT_EPARSE);
    CHECK(strstr(vt_errmsg(), "bin.xyz:2: binary data") != NULL);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    round_trips();
    trajectories();
    dispatch();
    poscar_features();
    extxyz_features();
    lammps_features();
    malformed();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    TEST_DONE();
}
