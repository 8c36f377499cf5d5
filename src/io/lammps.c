/*
** lammps.c - LAMMPS data files, atomic style, metal units (Angstrom, amu, Angstrom/ps).
**   Header: first line a comment; "N atoms", "M atom types", "lo hi xlo xhi" (y, z alike),
**   optional "xy xz yz xy xz yz" tilt factors, "0 bonds"-like zero counts. The cell is
**   a = (xhi - xlo, 0, 0), b = (xy, yhi - ylo, 0), c = (xz, yz, zhi - zlo); positions are taken
**   relative to (xlo, ylo, zlo).
**   Sections: Masses ("type mass # Symbol"), Atom Type Labels ("type Symbol"), Atoms [# atomic]
**   ("id type x y z [ix iy iz]", ids 1..N in any order), Velocities ("id vx vy vz", A/ps, stored
**   as A/fs), "... Coeffs" (skipped). Any other section is refused. '#' starts a comment.
**   Elements: an explicit map (vt_lammps_data_read) wins; else a Masses comment or a type label
**   that is an element symbol; a type used by an atom and named by neither is an error.
**   Writer: types in order of first appearance, Masses with "# Symbol" comments, image flags when
**   the cell has them. A lattice already in LAMMPS form (a along x, b in the xy plane, positive
**   diagonal) is written as is; any other right-handed one is rotated into that form (positions
**   and velocities with it, fractional coordinates kept); left-handed ones are refused. Tilt
**   factors are not reduced, so a very skewed cell may need "box tilt large" in LAMMPS.
*/
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "structure.h"

#define MAX_TYPES 1000
#define FS_PER_PS 1000.0 /* velocities: A/fs = (A/ps) / 1000 */

typedef enum section { SEC_SKIP, SEC_MASSES, SEC_LABELS, SEC_ATOMS, SEC_VELOCITIES } section;

typedef struct lmp {
    size_t n_atoms, n_types;      /* declared in the header; 0 = missing */
    double lo[3], hi[3], tilt[3]; /* box bounds and xy xz yz, Angstrom */
    int has_axis[3];
    size_t box_line;              /* last header line about the box */
    int Z_of_type[MAX_TYPES + 1]; /* from Masses comments or type labels; 0 = unknown */
    vt_cell *c;                   /* atoms; in file order until the Atoms section ends, then by id */
    size_t *id, id_cap;           /* file-order ids while reading Atoms */
    size_t n_read;                /* atom lines read */
    size_t n_cols;                /* 5 or 8, fixed by the first atom line */
    size_t atoms_line;            /* line of the Atoms keyword; 0 = not seen */
    int is_sorted;                /* Atoms section complete and ordered by id */
    unsigned char *has_vel;       /* per atom, once the Velocities section starts */
    size_t n_vel;
} lmp;

static void lmp_clear(lmp *d)
{
    vt_cell_free(d->c);
    vt_free(d->id);
    vt_free(d->has_vel);
}

/* Cut a line at '#'; *comment gets the text after it (or ""). */
static char *strip_comment(char *line, char **comment)
{
    char *hash = strchr(line, '#');
    *comment = hash ? hash + 1 : "";
    if (hash) *hash = '\0';
    return line;
}

static int is_keyword_line(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return isalpha((unsigned char)*s);
}

/* ---------------------------------------------------------------------------------------------
** Header
*/
static vt_status header_line(const vt_lines *r, char *line, lmp *d)
{
    static const char *const lo_hi[3][2] = {{"xlo", "xhi"}, {"ylo", "yhi"}, {"zlo", "zhi"}};
    char *tok[7];
    size_t n = vt_split(line, tok, 7);
    if (n == 2 && strcmp(tok[1], "atoms") == 0) return vt_parse_count(r, "atoms", tok[0], &d->n_atoms);
    if (n == 3 && strcmp(tok[1], "atom") == 0 && strcmp(tok[2], "types") == 0) {
        long v;
        VT_TRY(vt_parse_long(r, "atom types", tok[0], 1, MAX_TYPES, &v));
        d->n_types = (size_t)v;
        return VT_OK;
    }
    for (int k = 0; n == 4 && k < 3; k++)
        if (strcmp(tok[2], lo_hi[k][0]) == 0 && strcmp(tok[3], lo_hi[k][1]) == 0) {
            VT_TRY(vt_parse_double(r, lo_hi[k][0], tok[0], &d->lo[k]));
            VT_TRY(vt_parse_double(r, lo_hi[k][1], tok[1], &d->hi[k]));
            if (!(d->hi[k] > d->lo[k]))
                VT_FAIL_AT(VT_EPARSE, r->path, r->line, lo_hi[k][1], "must be larger than %s", lo_hi[k][0]);
            d->has_axis[k] = 1;
            d->box_line = r->line;
            return VT_OK;
        }
    if (n == 6 && strcmp(tok[3], "xy") == 0 && strcmp(tok[4], "xz") == 0 && strcmp(tok[5], "yz") == 0) {
        d->box_line = r->line;
        return vt_parse_vec3(r, "xy xz yz", tok, d->tilt);
    }
    if (n >= 2 && strcmp(tok[0], "0") == 0 && isalpha((unsigned char)tok[1][0])) return VT_OK; /* "0 bonds" */
    VT_FAIL_AT(VT_EPARSE, r->path, r->line, "header",
               "unrecognised line (atomic style: atoms, atom types, box and tilt only)");
}

/* Header lines up to the first section keyword line, which is left unread. */
static vt_status read_header(vt_lines *r, lmp *d)
{
    char *line, *comment;
    VT_TRY(vt_lines_need(r, "comment", &line));
    for (;;) {
        VT_TRY(vt_lines_next(r, &line));
        if (!line) VT_FAIL_AT(VT_EPARSE, r->path, r->line + 1, "Atoms", "file ends before the Atoms section");
        if (is_keyword_line(line)) break;
        strip_comment(line, &comment);
        if (!vt_is_blank(line)) VT_TRY(header_line(r, line, d));
    }
    static const char *const names[] = {"atoms", "atom types", "xlo xhi", "ylo yhi", "zlo zhi"};
    int has[] = {d->n_atoms > 0, d->n_types > 0, d->has_axis[0], d->has_axis[1], d->has_axis[2]};
    for (int i = 0; i < 5; i++)
        if (!has[i])
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "header", "no '%s' line before the first section",
                       names[i]);
    vt_lines_unread(r);
    return VT_OK;
}

static vt_status make_cell(const vt_lines *r, lmp *d)
{
    double lattice[3][3] = {{d->hi[0] - d->lo[0], 0, 0},
                            {d->tilt[0], d->hi[1] - d->lo[1], 0},
                            {d->tilt[1], d->tilt[2], d->hi[2] - d->lo[2]}};
    vt_lines at_box = *r;
    at_box.line = d->box_line;
    VT_TRY(vt_check_lattice(&at_box, "box", lattice));
    return vt_cell_new(0, lattice, 0, &d->c);
}

/* ---------------------------------------------------------------------------------------------
** Sections
*/
static vt_status masses_line(const vt_lines *r, char *line, char *comment, lmp *d)
{
    char *tok[2], *sym[1];
    long type;
    double mass;
    if (vt_split(line, tok, 2) != 2)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Masses", "expected 'type mass'");
    VT_TRY(vt_parse_long(r, "Masses", tok[0], 1, (long)d->n_types, &type));
    VT_TRY(vt_parse_double(r, "Masses", tok[1], &mass));
    if (!(mass > 0.0))
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Masses", "mass must be > 0 amu, got %g", mass);
    const vt_element *e = vt_split(comment, sym, 1) >= 1 ? vt_element_by_symbol(sym[0]) : NULL;
    if (e) d->Z_of_type[type] = e->Z;
    return VT_OK;
}

static vt_status label_line(const vt_lines *r, char *line, lmp *d)
{
    char *tok[2];
    long type;
    if (vt_split(line, tok, 2) != 2)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atom Type Labels", "expected 'type label'");
    VT_TRY(vt_parse_long(r, "Atom Type Labels", tok[0], 1, (long)d->n_types, &type));
    const vt_element *e = vt_element_by_symbol(tok[1]);
    if (e) d->Z_of_type[type] = e->Z;
    return VT_OK;
}

static vt_status grow_ids(lmp *d)
{
    if (d->id_cap >= d->c->n_atoms) return VT_OK;
    size_t *id = vt_realloc(d->id, d->c->n_atoms * sizeof *id);
    if (!id) VT_FAIL(VT_ENOMEM, "LAMMPS data: out of memory");
    d->id = id;
    d->id_cap = d->c->n_atoms;
    return VT_OK;
}

static vt_status atom_line(const vt_lines *r, char *line, lmp *d)
{
    char *tok[9];
    long id, type, img;
    size_t n = vt_split(line, tok, 9), i = d->n_read;
    if (n != 5 && n != 8)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms",
                   "expected 'id type x y z [ix iy iz]', got %zu fields", n);
    if (d->n_cols && n != d->n_cols)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms", "%zu fields, the first atom line has %zu", n,
                   d->n_cols);
    if (i == d->n_atoms)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms", "more atom lines than the %zu atoms of the header",
                   d->n_atoms);
    d->n_cols = n;
    VT_TRY(vt_parse_long(r, "Atoms: id", tok[0], 1, (long)d->n_atoms, &id));
    VT_TRY(vt_parse_long(r, "Atoms: type", tok[1], 1, (long)d->n_types, &type));
    VT_TRY(vt_reserve_atom(d->c, i, d->n_atoms));
    VT_TRY(grow_ids(d));
    if (n == 8) VT_TRY(vt_cell_add_arrays(d->c, VT_CELL_IMAGE));
    double x[3];
    VT_TRY(vt_parse_vec3(r, "Atoms: position", tok + 2, x));
    for (int k = 0; k < 3; k++) d->c->pos[i][k] = x[k] - d->lo[k];
    VT_TRY(vt_check_finite(r, "Atoms: position", d->c->pos[i]));
    for (int k = 0; n == 8 && k < 3; k++) {
        VT_TRY(vt_parse_long(r, "Atoms: image", tok[5 + k], -1000000000L, 1000000000L, &img));
        d->c->image[i][k] = (int)img;
    }
    d->c->Z[i] = (int)type; /* the type, until resolve_types() */
    d->id[i] = (size_t)id;
    d->n_read++;
    return VT_OK;
}

/* Put the atoms in id order (ids 1..N, each once); Z still holds the type (>= 1). */
static vt_status sort_by_id(const vt_lines *r, lmp *d)
{
    if (d->n_read != d->n_atoms)
        VT_FAIL_AT(VT_EPARSE, r->path, d->atoms_line, "Atoms", "%zu atom lines for %zu atoms", d->n_read,
                   d->n_atoms);
    vt_cell *s;
    VT_TRY(vt_cell_new(d->n_atoms, d->c->lattice, d->c->image ? VT_CELL_IMAGE : 0u, &s));
    for (size_t i = 0; i < d->n_atoms; i++) {
        size_t j = d->id[i] - 1;
        if (s->Z[j] != 0) {
            vt_cell_free(s);
            VT_FAIL_AT(VT_EPARSE, r->path, d->atoms_line, "Atoms", "atom id %zu appears twice", j + 1);
        }
        memcpy(s->pos[j], d->c->pos[i], sizeof s->pos[j]);
        if (s->image) memcpy(s->image[j], d->c->image[i], sizeof s->image[j]);
        s->Z[j] = d->c->Z[i];
    }
    vt_cell_free(d->c);
    d->c = s;
    d->is_sorted = 1;
    return VT_OK;
}

static vt_status velocity_line(const vt_lines *r, char *line, lmp *d)
{
    char *tok[5];
    long id;
    double v[3];
    if (vt_split(line, tok, 5) != 4)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Velocities", "expected 'id vx vy vz'");
    VT_TRY(vt_parse_long(r, "Velocities", tok[0], 1, (long)d->n_atoms, &id));
    VT_TRY(vt_parse_vec3(r, "Velocities", tok + 1, v));
    if (d->has_vel[id - 1])
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Velocities", "atom id %ld appears twice", id);
    d->has_vel[id - 1] = 1;
    d->n_vel++;
    for (int k = 0; k < 3; k++) d->c->vel[id - 1][k] = v[k] / FS_PER_PS;
    return VT_OK;
}

/* Classify a keyword line; the Atoms style hint, when given, must be "atomic". */
static vt_status start_section(const vt_lines *r, char *line, const char *comment, lmp *d, section *sec)
{
    char *tok[4], *style[1];
    size_t n = vt_split(line, tok, 4);
    if (n == 1 && strcmp(tok[0], "Atoms") == 0) {
        if (vt_split((char *)comment, style, 1) == 1 && strcmp(style[0], "atomic") != 0)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms",
                       "atom style '%.40s' is not supported (atomic only)", style[0]);
        if (d->atoms_line) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms", "second Atoms section");
        d->atoms_line = r->line;
        *sec = SEC_ATOMS;
    } else if (n == 1 && strcmp(tok[0], "Velocities") == 0) {
        if (!d->is_sorted || d->has_vel)
            VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Velocities", "must follow the Atoms section, once");
        VT_TRY(vt_cell_add_arrays(d->c, VT_CELL_VEL));
        if (!(d->has_vel = vt_calloc(d->n_atoms, 1))) VT_FAIL(VT_ENOMEM, "LAMMPS data: out of memory");
        *sec = SEC_VELOCITIES;
    } else if (n == 1 && strcmp(tok[0], "Masses") == 0) {
        *sec = SEC_MASSES;
    } else if (n == 3 && strcmp(tok[0], "Atom") == 0 && strcmp(tok[1], "Type") == 0 &&
               strcmp(tok[2], "Labels") == 0) {
        *sec = SEC_LABELS;
    } else if (n >= 2 && n <= 4 && strcmp(tok[n - 1], "Coeffs") == 0) {
        *sec = SEC_SKIP;
    } else {
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "section",
                   "'%.40s' is not supported (atomic style: Masses, Atoms, Velocities, Coeffs)", tok[0]);
    }
    return VT_OK;
}

static vt_status data_line(const vt_lines *r, char *line, char *comment, section sec, lmp *d)
{
    switch (sec) {
    case SEC_MASSES:
        return masses_line(r, line, comment, d);
    case SEC_LABELS:
        return label_line(r, line, d);
    case SEC_ATOMS:
        return atom_line(r, line, d);
    case SEC_VELOCITIES:
        return velocity_line(r, line, d);
    case SEC_SKIP:
        break;
    }
    return VT_OK;
}

/* Sections, from the first keyword line to the end of the file. */
static vt_status read_sections(vt_lines *r, lmp *d)
{
    section sec = SEC_SKIP;
    char *line, *comment;
    VT_TRY(vt_lines_next(r, &line));
    while (line) {
        strip_comment(line, &comment);
        if (is_keyword_line(line)) {
            if (sec == SEC_ATOMS) VT_TRY(sort_by_id(r, d));
            VT_TRY(start_section(r, line, comment, d, &sec));
        } else if (!vt_is_blank(line)) {
            VT_TRY(data_line(r, line, comment, sec, d));
        }
        VT_TRY(vt_lines_next(r, &line));
    }
    if (sec == SEC_ATOMS) VT_TRY(sort_by_id(r, d));
    if (!d->atoms_line) VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Atoms", "no Atoms section");
    if (d->has_vel && d->n_vel != d->n_atoms)
        VT_FAIL_AT(VT_EPARSE, r->path, r->line, "Velocities", "%zu velocity lines for %zu atoms", d->n_vel,
                   d->n_atoms);
    return VT_OK;
}

/* Types to elements: the explicit map, else what Masses comments or type labels said. */
static vt_status resolve_types(const vt_lines *r, const vt_read_opts *o, lmp *d)
{
    if (o && o->n_types && o->n_types < d->n_types)
        VT_FAIL_AT(VT_EPARSE, r->path, 0, "atom types", "the file has %zu types, the element map %zu",
                   d->n_types, o->n_types);
    for (size_t i = 0; i < d->n_atoms; i++) {
        int type = d->c->Z[i];
        int Z = o && o->n_types ? o->Z_of_type[type - 1] : d->Z_of_type[type];
        if (!vt_element_by_Z(Z))
            VT_FAIL_AT(VT_EPARSE, r->path, 0, "Masses",
                       "atom type %d has no element: add a comment ('%d 6.94 # Li') or pass an element map",
                       type, type);
        d->c->Z[i] = Z;
    }
    return VT_OK;
}

vt_status vt_lammps_read(vt_lines *r, const vt_read_opts *o, vt_traj *t)
{
    lmp d;
    memset(&d, 0, sizeof d);
    vt_status s = read_header(r, &d);
    if (s == VT_OK) s = make_cell(r, &d);
    if (s == VT_OK) s = read_sections(r, &d);
    if (s == VT_OK) s = resolve_types(r, o, &d);
    if (s == VT_OK && (s = vt_traj_append(t, d.c)) == VT_OK) d.c = NULL;
    lmp_clear(&d);
    return s;
}

/* ---------------------------------------------------------------------------------------------
** Writer
*/
static int is_lammps_form(const double L[3][3])
{
    return L[0][1] == 0.0 && L[0][2] == 0.0 && L[1][2] == 0.0 && L[0][0] > 0.0 && L[1][1] > 0.0 &&
           L[2][2] > 0.0;
}

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* LAMMPS form P of a right-handed lattice L (same lengths and angles) and the rotation M with
 * cart_P = cart_L * M, i.e. M = inv(L) * P. */
static vt_status lammps_form(const double L[3][3], double P[3][3], double M[3][3])
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(L, inv));
    double bc[3] = {L[1][1] * L[2][2] - L[1][2] * L[2][1], L[1][2] * L[2][0] - L[1][0] * L[2][2],
                    L[1][0] * L[2][1] - L[1][1] * L[2][0]};
    if (dot3(L[0], bc) < 0.0) VT_FAIL(VT_EINVAL, "LAMMPS data: cannot write a left-handed lattice");
    double lx = sqrt(dot3(L[0], L[0])), xy = dot3(L[1], L[0]) / lx, ly = sqrt(dot3(L[1], L[1]) - xy * xy);
    double xz = dot3(L[2], L[0]) / lx, yz = (dot3(L[1], L[2]) - xy * xz) / ly;
    double lz = sqrt(dot3(L[2], L[2]) - xz * xz - yz * yz);
    if (!(ly > 0.0 && lz > 0.0 && isfinite(xy + xz + yz)))
        VT_FAIL(VT_ERANGE, "LAMMPS data: lattice too close to singular to put in LAMMPS form");
    double p[3][3] = {{lx, 0, 0}, {xy, ly, 0}, {xz, yz, lz}};
    memcpy(P, p, sizeof p);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) M[i][k] = inv[i][0] * P[0][k] + inv[i][1] * P[1][k] + inv[i][2] * P[2][k];
    return VT_OK;
}

/* " x y z" of v * M (v itself when M is NULL), times factor. */
static void write_vector(vt_text *out, const double v[3], const double (*M)[3], double factor)
{
    for (int k = 0; k < 3; k++)
        vt_text_num(out, (M ? v[0] * M[0][k] + v[1] * M[1][k] + v[2] * M[2][k] : v[k]) * factor);
}

/* Header and Masses; type_of_Z gets the type of each element, numbered by first appearance. */
static void write_header(vt_text *out, const vt_cell *c, const double P[3][3], int type_of_Z[VT_MAX_Z + 1])
{
    int Z_of_type[VT_MAX_Z + 1], n_types = 0;
    memset(type_of_Z, 0, (VT_MAX_Z + 1) * sizeof *type_of_Z);
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!type_of_Z[c->Z[i]]) Z_of_type[type_of_Z[c->Z[i]] = ++n_types] = c->Z[i];
    vt_text_printf(out,
                   "LAMMPS data file (vitrum %s; atomic style, metal units)\n\n%zu atoms\n%d atom types\n\n",
                   vt_version(), c->n_atoms, n_types);
    static const char *const axes[3] = {"xlo xhi", "ylo yhi", "zlo zhi"};
    for (int k = 0; k < 3; k++) {
        vt_text_printf(out, "0");
        vt_text_num(out, P[k][k]);
        vt_text_printf(out, " %s\n", axes[k]);
    }
    char xy[32], xz[32], yz[32];
    vt_shortest(P[1][0], xy);
    vt_shortest(P[2][0], xz);
    vt_shortest(P[2][1], yz);
    vt_text_printf(out, "%s %s %s xy xz yz\n\nMasses\n\n", xy, xz, yz);
    for (int t = 1; t <= n_types; t++) {
        const vt_element *e = vt_element_by_Z(Z_of_type[t]);
        vt_text_printf(out, "%d", t);
        vt_text_num(out, e->mass_amu);
        vt_text_printf(out, " # %s\n", e->symbol);
    }
}

vt_status vt_lammps_write(vt_text *out, const vt_cell *const *frames, size_t n_frames)
{
    (void)n_frames;
    const vt_cell *c = frames[0];
    double P[3][3], M[3][3];
    int is_as_is = is_lammps_form(c->lattice), type_of_Z[VT_MAX_Z + 1];
    for (size_t i = 0; i < c->n_atoms; i++)
        if (!vt_element_by_Z(c->Z[i])) VT_FAIL(VT_EINVAL, "atom %zu has Z = %d, no element", i + 1, c->Z[i]);
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "LAMMPS data: no atoms");
    if (is_as_is)
        memcpy(P, c->lattice, sizeof P);
    else
        VT_TRY(lammps_form(c->lattice, P, M));
    const double (*rot)[3] = is_as_is ? NULL : (const double (*)[3])M;
    write_header(out, c, (const double (*)[3])P, type_of_Z);
    vt_text_printf(out, "\nAtoms # atomic\n\n");
    for (size_t i = 0; i < c->n_atoms; i++) {
        vt_text_printf(out, "%zu %d", i + 1, type_of_Z[c->Z[i]]);
        write_vector(out, c->pos[i], rot, 1.0);
        if (c->image) vt_text_printf(out, " %d %d %d", c->image[i][0], c->image[i][1], c->image[i][2]);
        vt_text_printf(out, "\n");
    }
    if (c->vel) vt_text_printf(out, "\nVelocities\n\n");
    for (size_t i = 0; c->vel && i < c->n_atoms; i++) {
        vt_text_printf(out, "%zu", i + 1);
        write_vector(out, c->vel[i], rot, FS_PER_PS);
        vt_text_printf(out, "\n");
    }
    return VT_OK;
}
