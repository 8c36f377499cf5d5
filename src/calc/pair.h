/* pair.h - internal: the built-in classical calculator (src/calc/potfile.c, pair.c, ewald.c).
** A parameter file (format: docs/potentials.md) is parsed into a vt_potential; pair.c turns it into
** per-element-pair functions E(r) (short-range form + guard + Coulomb real-space part), tabulated
** or analytic, and sums them over a half neighbour list; ewald.c adds the reciprocal-space sum.
** Units: Angstrom, eV, e (charges), eV/A (forces), GPa (stress). */
#ifndef VT_CALC_PAIR_H
#define VT_CALC_PAIR_H
#include <stddef.h>

#include "vitrum.h"

/* e^2 / (4 pi eps0) in eV A (CODATA 2018: 1.43996454784 eV nm). LAMMPS metal units use 14.399645,
 * 3e-8 relative below this. */
#define VT_COULOMB_EV_A 14.3996454784

typedef enum vt_sr_form { VT_SR_LJ, VT_SR_BUCK, VT_SR_MORSE } vt_sr_form;
typedef enum vt_coul_kind { VT_COUL_NONE, VT_COUL_DSF, VT_COUL_EWALD } vt_coul_kind;

/* One "pair" line: the short-range interaction of two elements. */
typedef struct vt_sr_term {
    int Z1, Z2;
    vt_sr_form form;
    double p[3];            /* lj: epsilon eV, sigma A; buck: A eV, rho A, C eV A^6;
                               morse: D eV, a 1/A, r0 A */
    double B12;             /* + B12 / r^12, eV A^12 (0: none) */
    double zbl_inner;       /* ZBL below zbl_inner, switched to the form by zbl_outer, A; */
    double zbl_outer;       /* both 0: no ZBL */
    double cutoff;          /* A */
    double e_shift;         /* energy of the unshifted term at the cutoff, eV (0 without shift) */
    size_t line;            /* line of the file, for messages */
} vt_sr_term;

typedef struct vt_potential {
    char *path;                   /* file it was read from (owned) */
    double charge[VT_MAX_Z + 1];  /* e */
    unsigned char has_charge[VT_MAX_Z + 1];
    unsigned char has_pair[VT_MAX_Z + 1]; /* element appears in some pair line */
    vt_coul_kind coul;
    double coul_alpha;            /* 1/A; Ewald: 0 = from the accuracy */
    double coul_cutoff;           /* A */
    double ewald_accuracy;        /* relative; Ewald only */
    int is_shifted;               /* short-range energies shifted to 0 at their cutoffs */
    int use_table;                /* cubic tables in r^2 instead of analytic forms per pair */
    double skin_A;                /* Verlet skin, A */
    size_t n_terms;
    vt_sr_term *terms;            /* owned */
} vt_potential;

/* Read and check a parameter file. On VT_OK *out is set (free with vt_potential_free()). Errors:
 * VT_EIO (cannot open), VT_EPARSE "path:line: field: message" for anything not understood,
 * unknown keywords and keys, duplicates, and values out of range. */
vt_status vt_potential_read(const char *path, vt_potential **out);
void vt_potential_free(vt_potential *p);
/* The file's settings as text (provenance), caller frees with vt_free(). */
vt_status vt_potential_text(const vt_potential *p, char **out);

/* Short-range term t at r (A): energy e (eV, shifted by t->e_shift) and de/dr (eV/A). */
void vt_sr_eval(const vt_sr_term *t, double r, double *e, double *dedr);
/* Coulomb real-space kernel for unit charges: DSF (LAMMPS coul/dsf) or Ewald erfc(alpha r)/r. */
typedef struct vt_coul {
    vt_coul_kind kind;
    double alpha;            /* 1/A */
    double cutoff;           /* A */
    double e_shift, f_shift; /* DSF constants (pairforms.c), 1/A and 1/A^2 */
} vt_coul;

void vt_coul_init(vt_coul *k, vt_coul_kind kind, double alpha, double cutoff);
/* Energy (eV, already times VT_COULOMB_EV_A) and de/dr (eV/A) at r < cutoff. */
void vt_coul_eval(const vt_coul *k, double r, double *e, double *dedr);
/* Self energy per unit charge squared (eV/e^2): DSF -(e_shift/2 + alpha/sqrt(pi)) ke as LAMMPS
 * coul/dsf, Ewald -alpha/sqrt(pi) ke, none 0. */
double vt_coul_self(const vt_coul *k);

/* Ewald splitting parameter (1/A) and reciprocal cutoff (1/A) for real-space cutoff rc (A) and
 * relative accuracy acc: alpha from erfc(alpha rc) = acc unless given (alpha > 0), then
 * exp(-kc^2 / (4 alpha^2)) = acc. */
void vt_ewald_params(double rc, double acc, double alpha_given, double *alpha, double *kc);
/* Reciprocal-space Ewald sum plus the neutralising-background term for a charged cell:
 * adds the energy (eV) to *energy, forces (eV/A) to f (may be NULL) and, when virial is not NULL,
 * dE/d(strain) (eV) to virial. q: charge of each atom, e. */
vt_status vt_ewald_recip(const vt_cell *c, const double *q, double alpha, double kc, double *energy,
                         double (*f)[3], double virial[3][3]);
#endif
