/* campaign_driver.c - bench/campaign.sh's helper, linked against the build's libvitrum.a:
**   campaign_driver fill URL N          queue N jobs (formulas Li<k>O) in one transaction
**   campaign_driver work URL            one worker (vt_campaign_work) whose runner stores a trivial
**                                       result exactly as a real one does: check the identifier,
**                                       then one transaction with a run and a diffusivity
**   campaign_driver floor URL N TAG     the same N stores without the queue (the reference)
** Prints the number of results it stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vitrum.h"

/* Check-then-store of a run named id with one Li diffusivity (1e-6 cm^2/s at 1000 K). */
static vt_status store_trivial(vt_store *st, const char *id, const char *formula)
{
    vt_sql_value p = vt_sql_text(id);
    vt_store_rows *r = NULL;
    vt_status s = vt_store_query(st, "SELECT id FROM runs WHERE identifier = ?", 1, &p, &r);
    size_t n = vt_store_rows_count(r);
    vt_store_rows_free(r);
    if (s != VT_OK || n) return s;
    vt_store_run run = {.identifier = id, .formula = formula, .backend = "noop"};
    int64_t run_id = 0;
    if ((s = vt_store_begin(st)) != VT_OK) return s;
    s = vt_store_run_add(st, &run, &run_id);
    if (s == VT_OK) s = vt_store_diffusivity_add(st, run_id, 3, 1000.0, (vt_estimate){1e-6, 1e-8});
    if (s == VT_OK) return vt_store_commit(st);
    vt_store_rollback(st);
    return s;
}

static vt_status run_trivial(void *arg, vt_store *st, const vt_campaign_job *job, char *run_id, size_t size)
{
    (void)arg;
    snprintf(run_id, size, "%s", job->key);
    return store_trivial(st, job->key, job->formula);
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    vt_store *st = NULL;
    vt_status s = VT_OK;
    size_t stored = 0;
    if (strcmp(argv[1], "work") == 0) {
        vt_campaign_work_opts o = vt_campaign_work_opts_default();
        o.no_wait = 1;
        vt_campaign_work_stats ws;
        s = vt_campaign_work(argv[2], &o, run_trivial, NULL, &ws);
        stored = ws.n_done;
    } else if (argc >= 4 && (s = vt_store_open(argv[2], &st)) == VT_OK) {
        long n = atol(argv[3]);
        int is_fill = strcmp(argv[1], "fill") == 0;
        if (is_fill) s = vt_store_begin(st);
        for (long k = 0; s == VT_OK && k < n; k++) {
            char f[32], id[64];
            int added = 0;
            snprintf(f, sizeof f, "Li%ldO", k + 1);
            snprintf(id, sizeof id, "floor-%s-%ld", argc > 4 ? argv[4] : "", k);
            s = is_fill ? vt_campaign_add(st, f, "--noop\n", &added) : store_trivial(st, id, f);
            stored += (size_t)(s == VT_OK);
        }
        if (is_fill && s == VT_OK) s = vt_store_commit(st);
        vt_store_close(st);
    }
    if (s != VT_OK) {
        fprintf(stderr, "campaign_driver: %s\n", vt_errmsg());
        return 1;
    }
    printf("%zu\n", stored);
    return 0;
}
