/* run_report.c - what `vitrum run` makes of a finished workflow: the analysis of every production
** trajectory (D of every element with its sigma, partial RDFs, the paper's 42 features),
** Arrhenius fits over the temperatures after the melt, and one database record of it all.
** Lives above the workflow, analysis and store layers, which it joins. Units: D cm^2/s, Ea eV,
** T K, energies eV/atom. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/run_report.h"

/* The 42 features of a production run: structural ones averaged over up to 10 frames of its
 * second half, compositional ones from the formula (NaN when an element lacks the paper's data). */
static vt_status stage_features(const vt_traj *t, run_stage_report *r)
{
    vt_structfeat_opts o = vt_structfeat_opts_default();
    o.first_frame = t->n_frames / 2;
    o.stride = (t->n_frames - o.first_frame + 9) / 10;
    VT_TRY(vt_structfeat_traj(t, &o, r->structfeat));
    vt_composition comp;
    VT_TRY(vt_cell_composition(t->frames[0], &comp));
    if (vt_compfeat_compute(&comp, r->compfeat) != VT_OK)
        for (int k = 0; k < VT_N_COMPFEAT; k++) r->compfeat[k] = NAN;
    return VT_OK;
}

/* D of every element (pymatgen's "max" mode; its fit starts at 1 ps, or at a tenth of a shorter
 * run) and the partial RDFs of the second half. An element whose fit window is too short gets NaN. */
static vt_status analyse_stage(const vt_run_schedule *s, const vt_run_stage_result *st, run_stage_report *r)
{
    vt_traj *t;
    VT_TRY(vt_traj_read(st->traj_path, "vtraj", &t));
    vt_composition comp;
    vt_status e = vt_cell_composition(t->frames[0], &comp);
    vt_diffusion_opts o = vt_diffusion_opts_default();
    o.dt_fs = s->dt_fs * (double)s->traj_every;
    o.min_fit_fs = fmin(1000.0, 0.1 * s->production_ps * 1000.0);
    o.T_K = st->T_K;
    r->n_species = e == VT_OK ? comp.n_species : 0;
    for (size_t i = 0; i < r->n_species && e == VT_OK; i++) {
        vt_diffusion *d = NULL;
        r->Z[i] = comp.Z[i];
        r->D[i] = (vt_estimate){NAN, NAN};
        vt_status sd = vt_diffusion_compute(t, comp.Z[i], &o, &d);
        if (sd == VT_OK) r->D[i] = d->D;
        else if (sd != VT_ERANGE) e = sd;
        vt_diffusion_free(d);
    }
    vt_rdf_opts ro = vt_rdf_opts_default();
    ro.first_frame = t->n_frames / 2;
    if (e == VT_OK) e = vt_rdf_compute(t, &ro, &r->rdf);
    if (e == VT_OK) e = stage_features(t, r);
    vt_traj_free(t);
    return e;
}

/* Arrhenius fit of each element's D over the stages after the melt (n_points 0: fewer than 2). */
static void arrhenius_fits(const vt_run_result *res, run_report *rep)
{
    const run_stage_report *melt = &rep->stage[0];
    for (size_t i = 0; i < melt->n_species; i++) {
        double T[VT_RUN_MAX_T], D[VT_RUN_MAX_T], sg[VT_RUN_MAX_T];
        size_t n = 0;
        for (size_t k = 1; k < res->n_stages; k++)
            for (size_t j = 0; j < rep->stage[k].n_species; j++) {
                vt_estimate d = rep->stage[k].D[j];
                if (rep->stage[k].Z[j] == melt->Z[i] && d.value > 0 && d.sigma > 0)
                    T[n] = res->stage[k].T_K, D[n] = d.value, sg[n] = d.sigma, n++;
            }
        memset(&rep->arrhenius[i], 0, sizeof rep->arrhenius[i]);
        if (n >= 2 && vt_arrhenius_fit(n, T, D, sg, &rep->arrhenius[i]) != VT_OK) rep->arrhenius[i].n_points = 0;
    }
}

vt_status run_report_make(const vt_run_schedule *s, const vt_run_result *res, run_report *rep)
{
    memset(rep, 0, sizeof *rep);
    for (size_t k = 0; k < res->n_stages; k++) VT_TRY(analyse_stage(s, &res->stage[k], &rep->stage[k]));
    arrhenius_fits(res, rep);
    return VT_OK;
}

void run_report_clear(run_report *rep)
{
    for (size_t k = 0; k < VT_RUN_MAX_T + 1; k++) vt_rdf_free(rep->stage[k].rdf);
    memset(rep, 0, sizeof *rep);
}

/* ---- the database record ---------------------------------------------------------------------- */

/* RDF table of a stage as the store takes it: columns "r", "A-B", ...; rows of r and g. */
static vt_status store_rdf(vt_store *db, int64_t run, double T_K, const vt_rdf *rdf)
{
    size_t n_cols = 1 + rdf->n_pairs;
    char names[VT_MAX_SPECIES * (VT_MAX_SPECIES + 1) / 2 + 1][8];
    const char *cols[VT_MAX_SPECIES * (VT_MAX_SPECIES + 1) / 2 + 1];
    double *data = vt_malloc(n_cols * rdf->n_r * sizeof *data);
    if (!data) VT_FAIL(VT_ENOMEM, "RDF: out of memory");
    cols[0] = "r";
    for (size_t p = 0; p < rdf->n_pairs; p++) {
        snprintf(names[p], sizeof names[p], "%s-%s", vt_element_by_Z(rdf->Z[rdf->pair[p][0]])->symbol,
                 vt_element_by_Z(rdf->Z[rdf->pair[p][1]])->symbol);
        cols[1 + p] = names[p];
    }
    for (size_t k = 0; k < rdf->n_r; k++) {
        data[k * n_cols] = rdf->r_A[k];
        for (size_t p = 0; p < rdf->n_pairs; p++) data[k * n_cols + 1 + p] = rdf->g[p * rdf->n_r + k];
    }
    vt_status e = vt_store_rdf_add(db, run, T_K, n_cols, cols, rdf->n_r, data);
    vt_free(data);
    return e;
}

/* Everything of one stage: D per element, features, RDF, the trajectory file and its last frame. */
static vt_status store_stage(vt_store *db, int64_t run, const vt_run_stage_result *st, const run_stage_report *r)
{
    for (size_t j = 0; j < r->n_species; j++)
        if (r->D[j].value > 0) VT_TRY(vt_store_diffusivity_add(db, run, r->Z[j], st->T_K, r->D[j])); /* a noisy fit may give D <= 0: not stored */
    const char *names[VT_N_STRUCTFEAT + VT_N_COMPFEAT];
    double values[VT_N_STRUCTFEAT + VT_N_COMPFEAT];
    size_t n = 0;
    for (int k = 0; k < VT_N_STRUCTFEAT; k++) names[n] = vt_structfeat_names()[k], values[n++] = r->structfeat[k].value;
    for (int k = 0; k < VT_N_COMPFEAT && isfinite(r->compfeat[0]); k++)
        names[n] = vt_compfeat_names()[k], values[n++] = r->compfeat[k];
    VT_TRY(vt_store_features_add(db, run, st->T_K, n, names, values));
    VT_TRY(store_rdf(db, run, st->T_K, r->rdf));
    VT_TRY(vt_store_trajectory_add(db, run, st->T_K, st->traj_path, "vtraj"));
    vt_traj *t;
    VT_TRY(vt_traj_read(st->traj_path, "vtraj", &t));
    int64_t id;
    vt_status e = vt_store_structure_add(db, run, st->T_K, (int64_t)t->n_frames - 1, t->frames[t->n_frames - 1], &id);
    vt_traj_free(t);
    return e;
}

static vt_status store_all(vt_store *db, const run_record *rec, const vt_run_result *res, const run_report *rep,
                           int64_t *run_id)
{
    vt_store_run run = {.identifier = rec->identifier, .formula = rec->formula, .backend = rec->calc_spec,
                        .settings = rec->settings, .seed = rec->seed, .schedule = rec->settings};
    VT_TRY(vt_store_run_add(db, &run, run_id));
    for (size_t k = 0; k < res->n_stages; k++) VT_TRY(store_stage(db, *run_id, &res->stage[k], &rep->stage[k]));
    for (size_t i = 0; i < rep->stage[0].n_species; i++) {
        const vt_arrhenius *a = &rep->arrhenius[i];
        if (a->n_points) VT_TRY(vt_store_arrhenius_add(db, *run_id, rep->stage[0].Z[i], a->Ea_eV, vt_arrhenius_D0(a)));
    }
    char v[64];
    snprintf(v, sizeof v, "%.17g", res->amorphous_eV_atom);
    if (res->n_amorphous) VT_TRY(vt_store_provenance_add(db, "run", *run_id, "amorphous_limit_eV_atom", v));
    snprintf(v, sizeof v, "%.17g", res->formation_eV_atom);
    if (res->n_amorphous) VT_TRY(vt_store_provenance_add(db, "run", *run_id, "formation_energy_eV_atom", v));
    return VT_OK;
}

vt_status run_report_store(const char *url, const run_record *rec, const vt_run_result *res, const run_report *rep,
                           int *already)
{
    vt_store *db;
    *already = 0;
    VT_TRY(vt_store_open(url, &db));
    vt_sql_value id = vt_sql_text(rec->identifier);
    vt_store_rows *rows = NULL;
    vt_status e = vt_store_query(db, "SELECT id FROM runs WHERE identifier = ?", 1, &id, &rows);
    if (e == VT_OK && vt_store_rows_count(rows) > 0) *already = 1; /* a resumed run stored before */
    vt_store_rows_free(rows);
    int64_t run_id;
    if (e == VT_OK && !*already && (e = vt_store_begin(db)) == VT_OK) {
        e = store_all(db, rec, res, rep, &run_id);
        if (e == VT_OK) e = vt_store_commit(db);
        else vt_store_rollback(db);
    }
    vt_store_close(db);
    return e;
}
