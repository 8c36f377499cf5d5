/* run_report.h - internal to the CLI: the analysis and database record of a `vitrum run`. */
#ifndef VT_CLI_RUN_REPORT_H
#define VT_CLI_RUN_REPORT_H
#include "core/error.h"
#include "vitrum.h"

typedef struct run_stage_report {
    size_t n_species;                        /* elements of the production cell */
    int Z[VT_MAX_SPECIES];
    vt_estimate D[VT_MAX_SPECIES];           /* cm^2/s; NaN: run too short for a fit window */
    vt_rdf *rdf;                             /* partial RDFs of the second half */
    vt_estimate structfeat[VT_N_STRUCTFEAT]; /* mean and spread over frames */
    double compfeat[VT_N_COMPFEAT];          /* NaN: an element without the paper's data */
} run_stage_report;

typedef struct run_report {
    run_stage_report stage[VT_RUN_MAX_T + 1];   /* as vt_run_result.stage */
    vt_arrhenius arrhenius[VT_MAX_SPECIES];     /* per element of stage[0], over the stages after the
                                                   melt; n_points 0: fewer than 2 temperatures */
} run_report;

/* What identifies the run in the database. */
typedef struct run_record {
    const char *identifier;  /* unique: formula and a hash of the settings */
    const char *formula, *calc_spec, *settings;
    uint64_t seed;
} run_record;

vt_status run_report_make(const vt_run_schedule *s, const vt_run_result *res, run_report *rep);
void run_report_clear(run_report *rep);
/* One transaction with the run, its D, Arrhenius fits, features, RDFs, trajectories and final
 * frames; *already = 1 (nothing written) when the identifier is there from an earlier call. */
vt_status run_report_store(const char *url, const run_record *rec, const vt_run_result *res, const run_report *rep,
                           int *already);
#endif
