/* md.h - internal: the state of a molecular-dynamics run shared by the integrators
** (md/integrate.c), the checkpoints (md/checkpoint.c) and the run loop (md/run.c).
** Units as in vitrum.h: A, A/fs, fs, amu, eV, K, GPa. */
#ifndef VT_MD_MD_H
#define VT_MD_MD_H
#include <stdint.h>
#include "vitrum.h"

#define MD_NHC_MAX 10 /* longest Nose-Hoover chain */

/* Thermostat variables: everything a checkpoint must carry besides positions and velocities. */
typedef struct md_thermo_state {
    int n_chain;              /* NHC chain length (0 for the other thermostats) */
    double xi[MD_NHC_MAX];    /* NHC positions, dimensionless */
    double vxi[MD_NHC_MAX];   /* NHC velocities, 1/fs */
    double heat_eV;           /* CSVR, Langevin: kinetic energy added by the thermostat so far, eV */
} md_thermo_state;

typedef struct md_state {
    vt_cell *c;               /* borrowed: positions (unwrapped), velocities, image counts */
    const vt_md_opts *o;      /* borrowed */
    size_t n;
    double *mass_amu;         /* n masses */
    double *acc;              /* n factors 1 / (m VT_AMU_A2_PER_FS2_IN_EV): a = F * acc, A/fs^2 per eV/A */
    double (*f)[3];           /* forces at the current positions, eV/A */
    double Epot_eV;
    double stress_GPa[3][3];
    int has_stress;           /* stress_GPa belongs to the current positions */
    double n_dof;             /* Nf = 3N - 3 */
    uint64_t step;            /* the step the state belongs to */
    double T_target_K;        /* thermostat target of the step being integrated */
    md_thermo_state th;
    double *noise;            /* 3n Gaussian numbers (Langevin) */
} md_state;

/* ---- integrate.c ---- */
/* Masses, 1/m factors and Nf for s->c; VT_EINVAL for fewer than 2 atoms or an element without a
 * mass. Allocates s->mass_amu, s->acc, s->f, s->noise. */
vt_status md_state_init(md_state *s, vt_cell *c, const vt_md_opts *o);
void md_state_clear(md_state *s);
/* Kinetic energy (eV) of the velocities. */
double md_kinetic_eV(const md_state *s);
/* T (K) from a kinetic energy (eV). */
double md_temperature(const md_state *s, double Ekin_eV);
/* Remove the centre-of-mass velocity. */
void md_zero_momentum(md_state *s);
/* Multiply every velocity so that the temperature becomes T_K (no-op when it is 0). */
void md_rescale_to(md_state *s, double T_K);
/* Maxwell-Boltzmann velocities at T_K from seed, momentum removed, rescaled to exactly T_K. */
void md_maxwell_boltzmann(md_state *s, double T_K, uint64_t seed);
/* One time step from s->step to s->step + 1 (forces, energy and stress recomputed through calc,
 * stress when want_stress). s->T_target_K must be set for the step. */
vt_status md_step(md_state *s, vt_calc *calc, int want_stress);
/* Energy, forces (and stress) at the current positions. */
vt_status md_compute(md_state *s, vt_calc *calc, int want_stress);
/* The thermostat's part of the conserved quantity, eV. */
double md_thermostat_energy(const md_state *s);
/* Set up the thermostat variables of a fresh run (NHC chain at rest). */
void md_thermostat_start(md_state *s);

/* ---- checkpoint.c ---- */
/* What a checkpoint records besides the state in md_state. */
typedef struct md_ckpt_info {
    uint64_t step;            /* the step the state belongs to; the run continues at step + 1 */
    uint64_t traj_frames;     /* frames in the trajectory file at that step */
    uint64_t log_bytes;       /* bytes in the thermo log at that step */
    double T_max_K;           /* runaway limit of the run, resolved at step 0 */
} md_ckpt_info;

/* Canonical text of everything that must agree for a resume (vt_free() it). */
vt_status md_settings_text(const md_state *s, vt_calc *calc, char **text);
/* Write atomically (temp file, fsync, rename). */
vt_status md_checkpoint_write(const char *path, const md_state *s, const char *settings,
                              const md_ckpt_info *info);
/* Read path into s (positions, velocities, images, lattice, thermostat) after checking the atoms
 * and settings; VT_EINVAL names the first setting that differs, VT_EPARSE a damaged file. */
vt_status md_checkpoint_read(const char *path, md_state *s, const char *settings, md_ckpt_info *info);

#endif
