/* test_store.c - the store on the database named by $VT_STORE_URL (an empty one: tests/store/
** test_store_pg.sh passes a fresh PostgreSQL database), else a new SQLite file: schema and
** migrations (store.c invariants 1, 2), typed records read back bit for bit, OPTIMADE formula
** fields, parameterised queries with SQL-shaped strings, transactions (invariant 3), foreign keys,
** SHA-256 against the FIPS 180-2 test vector. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "store/store_count.h"
#include "vitrum.h"

static char tmpdir[] = "/tmp/vt-store-test.XXXXXX";

/* One Li2Si2O5 formula unit in a skewed cell, with velocities; numbers with full mantissas. */
static vt_cell *test_cell(void)
{
    const double L[3][3] = {{5.1234567890123456, 0.1, 0.0}, {0.2, 6.0987654321, 0.0}, {0.3, 0.1, 7.25}};
    static const int Z[9] = {3, 3, 14, 14, 8, 8, 8, 8, 8};
    vt_cell *c = NULL;
    if (vt_cell_new(9, L, VT_CELL_VEL, &c) != VT_OK) return NULL;
    for (size_t i = 0; i < 9; i++) {
        c->Z[i] = Z[i];
        for (int k = 0; k < 3; k++) {
            c->pos[i][k] = (double)(i + 1) * 0.5123456789012345 + k / 3.0;
            c->vel[i][k] = 1e-3 * ((double)i - 4.0) / 7.0;
        }
    }
    return c;
}

static void test_schema(vt_store *st)
{
    int v = -1;
    CHECK(vt_store_schema_version(st, &v) == VT_OK);
    CHECK(v == VT_STORE_SCHEMA_VERSION);
    CHECK(count(st, "SELECT COUNT(*) FROM schema_version", NULL) == 1);
}

static void test_runs(vt_store *st)
{
    vt_store_run run = {.identifier = "Li2O-test", .formula = "Li2O", .backend = "pmmcs",
                        .settings = "'); DROP TABLE runs; --", .seed = 42, .status = "running"};
    int64_t id = 0, id2 = 0;
    CHECK(vt_store_run_add(st, &run, &id) == VT_OK);
    CHECK(id > 0);
    /* the SQL-shaped text is a value: stored verbatim, and the table is still there */
    vt_store_rows *r = NULL;
    vt_sql_value p = vt_sql_int(id);
    CHECK(vt_store_query(st, "SELECT settings, seed, status, version FROM runs WHERE id = ?", 1, &p, &r) == VT_OK);
    CHECK(vt_store_rows_count(r) == 1);
    CHECK(strcmp(vt_store_rows_get(r, 0, 0)->text, run.settings) == 0);
    CHECK(vt_store_rows_get(r, 0, 1)->i == 42);
    CHECK(strcmp(vt_store_rows_get(r, 0, 2)->text, "running") == 0);
    CHECK(strcmp(vt_store_rows_get(r, 0, 3)->text, vt_version()) == 0);
    vt_store_rows_free(r);
    CHECK(count(st, "SELECT COUNT(*) FROM runs WHERE identifier = ?", "x' OR '1'='1") == 0);
    /* a duplicate identifier, a bad one, a bad status, a bad formula: refused, nothing written */
    CHECK(vt_store_run_add(st, &run, &id2) == VT_EINVAL);
    run.identifier = "has space";
    CHECK(vt_store_run_add(st, &run, &id2) == VT_EINVAL);
    run.identifier = "ok-id";
    run.status = "finished";
    CHECK(vt_store_run_add(st, &run, &id2) == VT_EINVAL);
    run.status = NULL;
    run.formula = "Li2Xx";
    CHECK(vt_store_run_add(st, &run, &id2) == VT_EINVAL);
    CHECK(count(st, "SELECT COUNT(*) FROM runs", NULL) == 1);
    CHECK(vt_store_run_set_status(st, id, "done") == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM runs WHERE status = ?", "done") == 1);

    /* compositions: derived fields, one row per formula as written */
    run = (vt_store_run){.formula = "Li2O", .backend = "pmmcs"};
    CHECK(vt_store_run_add(st, &run, &id2) == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions", NULL) == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE chemical_formula_reduced = ?", "Li2O") == 1);
    run.formula = "Li0.5La0.5TiO3";
    CHECK(vt_store_run_add(st, &run, &id2) == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE chemical_formula_reduced = ?", "LaLiO6Ti2") == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE chemical_formula_anonymous = ?", "A6B2CD") == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE elements = ?", "La,Li,O,Ti") == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM composition_elements WHERE element = ?", "Li") == 2);
}

static void test_values(vt_store *st)
{
    int64_t run_id = 0;
    vt_store_run run = {.identifier = "values", .formula = "Li2Si2O5", .backend = "pmmcs"};
    CHECK(vt_store_run_add(st, &run, &run_id) == VT_OK);
    const double D = 1.2345678901234567e-5, sD = 3.0000000000000004e-7;
    CHECK(vt_store_diffusivity_add(st, run_id, 3, 1000, (vt_estimate){D, sD}) == VT_OK);
    CHECK(vt_store_diffusivity_add(st, run_id, 3, 1500, (vt_estimate){2 * D, NAN}) == VT_OK);
    CHECK(vt_store_diffusivity_add(st, run_id, 3, 1000, (vt_estimate){D, sD}) == VT_EDB); /* same (run, Z, T) */
    CHECK(vt_store_diffusivity_add(st, run_id, 3, 1000, (vt_estimate){-D, sD}) == VT_ERANGE);
    CHECK(vt_store_diffusivity_add(st, 999999, 3, 1000, (vt_estimate){D, sD}) == VT_EDB); /* foreign key */
    vt_store_rows *r = NULL;
    vt_sql_value p[2] = {vt_sql_int(run_id), vt_sql_real(1000.0)};
    CHECK(vt_store_query(st, "SELECT d_cm2_s, sigma_cm2_s FROM diffusivities WHERE run_id = ? AND t_k = ?", 2, p, &r) ==
          VT_OK);
    CHECK(vt_store_rows_count(r) == 1);
    CHECK(vt_store_rows_real(r, 0, 0) == D); /* bit for bit, both back ends */
    CHECK(vt_store_rows_real(r, 0, 1) == sD);
    vt_store_rows_free(r);
    CHECK(count(st, "SELECT COUNT(*) FROM diffusivities WHERE sigma_cm2_s IS NULL", NULL) == 1);
    CHECK(vt_store_arrhenius_add(st, run_id, 3, (vt_estimate){0.25, 0.01}, (vt_estimate){1e-3, NAN}) == VT_OK);
    const char *names[2] = {"AAV", "Li_percentage"}, *bad_name[1] = {"AAX"};
    const double values[2] = {15.4556000783, 0.4};
    CHECK(vt_store_features_add(st, run_id, 1000, 2, names, values) == VT_OK);
    CHECK(vt_store_features_add(st, run_id, 1500, 1, bad_name, values) == VT_EINVAL);
    CHECK(count(st, "SELECT COUNT(*) FROM features", NULL) == 2);
    const char *cols[3] = {"r", "Li-Li", "Li-O"};
    const double rdf[6] = {0.1, 0, 0, 0.2, 0.5, 1.25};
    CHECK(vt_store_rdf_add(st, run_id, 1000, 3, cols, 2, rdf) == VT_OK);

    /* SHA-256("abc"), FIPS 180-2 appendix B.1 */
    char path[512];
    snprintf(path, sizeof path, "%s/abc.txt", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("abc", f);
    fclose(f);
    CHECK(vt_store_trajectory_add(st, run_id, 1000, path, "extxyz") == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM trajectories WHERE sha256 = ?",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 1);
    CHECK(count(st, "SELECT size_bytes FROM trajectories", NULL) == 3);

    int64_t model = 0;
    snprintf(path, sizeof path, "%s/model.json", tmpdir);
    f = fopen(path, "w");
    fputs("{\"algo\": \"et\"}\n", f);
    fclose(f);
    CHECK(vt_store_model_add(st, "et-composition", path, &model) == VT_OK);
    CHECK(vt_store_prediction_add(st, model, "Li3PS4", 300, (vt_estimate){1e-8, 2e-9}) == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE formula = ?", "Li3PS4") == 1);
    CHECK(vt_store_provenance_add(st, "run", run_id, "calc", "pmmcs 2006") == VT_OK);
    CHECK(vt_store_provenance_add(st, "table", run_id, "calc", "x") == VT_EINVAL);
}

static void test_structures(vt_store *st)
{
    int64_t run_id = 0, sid = 0;
    vt_store_run run = {.identifier = "structures", .formula = "Li2Si2O5", .backend = "pmmcs"};
    CHECK(vt_store_run_add(st, &run, &run_id) == VT_OK);
    vt_cell *c = test_cell(), *back = NULL;
    CHECK(vt_store_structure_add(st, run_id, 1000, 3, c, &sid) == VT_OK);
    CHECK(vt_store_structure_get(st, sid, &back) == VT_OK);
    CHECK(back && back->n_atoms == 9 && back->vel);
    if (back && back->vel) {
        CHECK(memcmp(back->lattice, c->lattice, sizeof c->lattice) == 0);
        CHECK(memcmp(back->pos, c->pos, 9 * sizeof *c->pos) == 0);
        CHECK(memcmp(back->vel, c->vel, 9 * sizeof *c->vel) == 0);
        CHECK(memcmp(back->Z, c->Z, 9 * sizeof *c->Z) == 0);
    }
    vt_cell_free(back);
    CHECK(vt_store_structure_get(st, sid + 1000, &back) == VT_EINVAL);
    /* OPTIMADE fields and an "elements HAS ALL" filter as a server writes it */
    CHECK(count(st, "SELECT COUNT(*) FROM structures WHERE chemical_formula_reduced = ?", "Li2O5Si2") == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM structures WHERE chemical_formula_anonymous = ?", "A5B2C2") == 1);
    CHECK(count(st, "SELECT COUNT(*) FROM structures WHERE elements = ?", "Li,O,Si") == 1);
    vt_sql_value has[2] = {vt_sql_text("Li"), vt_sql_text("Si")};
    vt_store_rows *r = NULL;
    CHECK(vt_store_query(st,
                         "SELECT s.id, s.nsites, s.nelements FROM structures s WHERE (SELECT COUNT(*) FROM"
                         " structure_elements e WHERE e.structure_id = s.id AND e.element IN (?, ?)) = 2",
                         2, has, &r) == VT_OK);
    CHECK(vt_store_rows_count(r) == 1 && vt_store_rows_get(r, 0, 0)->i == sid);
    CHECK(vt_store_rows_get(r, 0, 1)->i == 9 && vt_store_rows_get(r, 0, 2)->i == 3);
    CHECK(vt_store_rows_name(r, 1) && strcmp(vt_store_rows_name(r, 1), "nsites") == 0);
    vt_store_rows_free(r);
    CHECK(vt_store_structure_add(st, run_id, 1000, 3, c, &sid) == VT_EDB); /* same (run, T, frame) */
    vt_cell_free(c);
}

static void test_transactions(vt_store *st)
{
    int64_t before = count(st, "SELECT COUNT(*) FROM runs", NULL), id = 0;
    vt_store_run run = {.identifier = "rolled-back", .formula = "Li3N", .backend = "pmmcs"};
    CHECK(vt_store_begin(st) == VT_OK);
    CHECK(vt_store_begin(st) == VT_EINVAL); /* no nesting */
    CHECK(vt_store_run_add(st, &run, &id) == VT_OK);
    CHECK(vt_store_diffusivity_add(st, id, 3, 1000, (vt_estimate){1e-5, NAN}) == VT_OK);
    vt_store_rollback(st);
    CHECK(count(st, "SELECT COUNT(*) FROM runs", NULL) == before);
    CHECK(count(st, "SELECT COUNT(*) FROM compositions WHERE formula = ?", "Li3N") == 0);
    /* a failing statement inside a transaction, then rollback: the connection is usable again */
    CHECK(vt_store_begin(st) == VT_OK);
    CHECK(vt_store_query(st, "SELECT no_such_column FROM runs", 0, NULL, NULL) == VT_EDB);
    vt_store_rollback(st);
    CHECK(vt_store_query(st, "SELECT 1; SELECT 2", 0, NULL, NULL) != VT_OK);  /* one statement only */
    CHECK(vt_store_query(st, "SELECT ?", 0, NULL, NULL) == VT_EINVAL);       /* values missing */
    CHECK(vt_store_run_add(st, &run, &id) == VT_OK);
    CHECK(count(st, "SELECT COUNT(*) FROM runs", NULL) == before + 1);
}

/* Invariant (2), last: the database is left with a newer schema than the code. */
static void test_newer_schema(vt_store *st, const char *url)
{
    vt_sql_value v = vt_sql_int(VT_STORE_SCHEMA_VERSION + 1);
    CHECK(vt_store_query(st, "UPDATE schema_version SET version = ?", 1, &v, NULL) == VT_OK);
    vt_store *again = NULL;
    CHECK(vt_store_open(url, &again) == VT_EDB);
    CHECK(again == NULL);
    CHECK(strstr(vt_errmsg(), "newer") != NULL);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) return 1;
    char url[600];
    const char *env = getenv("VT_STORE_URL");
    if (env) snprintf(url, sizeof url, "%s", env);
    else snprintf(url, sizeof url, "%s/store.db", tmpdir);
    vt_store *st = NULL;
    CHECK(vt_store_open(url, &st) == VT_OK);
    if (!st) {
        fprintf(stderr, "%s\n", vt_errmsg());
        return 1;
    }
    printf("back end: %s\n", vt_store_backend(st));
    vt_store *second = NULL; /* a second connection sees a current schema and migrates nothing */
    CHECK(vt_store_open(url, &second) == VT_OK);
    vt_store_close(second);
    test_schema(st);
    test_runs(st);
    test_values(st);
    test_structures(st);
    test_transactions(st);
    test_newer_schema(st, url);
    vt_store_close(st);

    vt_store *bad = NULL;
    CHECK(vt_store_open("mysql://localhost/x", &bad) == VT_EINVAL);
    CHECK(vt_store_open("postgresql://nobody@/x?host=/nonexistent-vt-socket&connect_timeout=2", &bad) == VT_EDB);
    char notdb[600];
    snprintf(notdb, sizeof notdb, "%s/abc.txt", tmpdir); /* a text file is not a database */
    CHECK(vt_store_open(notdb, &bad) == VT_EDB);
    CHECK(bad == NULL);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_DONE();
}
