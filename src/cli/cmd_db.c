/* cmd_db.c - `vitrum db init|import|export|info`: the store from the command line. The database is
** --db URL, else $VITRUM_DB, else vitrum.db (SQLite) in the current folder; postgresql://... URLs
** use PostgreSQL. Imports are all-or-nothing (a bad file exits 2 and leaves the database as it
** was). Docs: docs/store.md. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

const cli_opt cli_db_init_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {NULL, NULL, NULL}};
const cli_opt cli_db_info_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {NULL, NULL, NULL}};
const cli_opt cli_db_import_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {"format", "F", "table (feature_target.dat or its CSV) or mpcontribs (JSON); default by extension"},
    {NULL, NULL, NULL}};
const cli_opt cli_db_export_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {"out", "FILE", "file to write (required)"},
    {"format", "F", "mpcontribs (JSON), table (CSV) or extxyz; default by extension (.json, .csv, .xyz)"},
    {NULL, NULL, NULL}};

static int open_db(const cli_cmd *cmd, const cli_args *a, vt_store **st)
{
    const char *url = cli_get(cmd, a, "db");
    if (!url) url = getenv("VITRUM_DB");
    if (!url || !url[0]) url = VT_STORE_DEFAULT_URL;
    vt_status s = vt_store_open(url, st);
    return s == VT_OK ? 0 : cli_fail(s);
}

int cli_db_init(const cli_cmd *cmd, cli_args *a)
{
    vt_store *st;
    int rc = open_db(cmd, a, &st);
    if (rc) return rc;
    int v = 0;
    vt_status s = vt_store_schema_version(st, &v);
    if (s == VT_OK) printf("%s database ready, schema version %d\n", vt_store_backend(st), v);
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}

int cli_db_info(const cli_cmd *cmd, cli_args *a)
{
    vt_store *st;
    int rc = open_db(cmd, a, &st);
    if (rc) return rc;
    int v = 0;
    vt_store_counts n;
    vt_status s = vt_store_schema_version(st, &v);
    if (s == VT_OK) s = vt_store_counts_get(st, &n);
    if (s == VT_OK) {
        printf("backend        %s\nschema         %d\n", vt_store_backend(st), v);
        const struct { const char *name; int64_t n; } rows[] = {
            {"compositions", n.compositions}, {"runs", n.runs}, {"structures", n.structures},
            {"trajectories", n.trajectories}, {"diffusivities", n.diffusivities}, {"arrhenius", n.arrhenius},
            {"features", n.features}, {"rdfs", n.rdfs}, {"models", n.models}, {"predictions", n.predictions},
            {"provenance", n.provenance}, {"imports", n.imports}};
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) printf("%-14s %lld\n", rows[k].name, (long long)rows[k].n);
    }
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}

int cli_db_import(const cli_cmd *cmd, cli_args *a)
{
    vt_store *st;
    int rc = open_db(cmd, a, &st);
    if (rc) return rc;
    vt_status s = VT_OK;
    for (size_t i = 0; s == VT_OK && i < a->n_pos; i++) {
        size_t n = 0;
        if ((s = vt_store_import(st, a->pos[i], cli_get(cmd, a, "format"), &n)) == VT_OK)
            printf("%s: %zu runs imported (%s)\n", a->pos[i], n, vt_store_backend(st));
    }
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}

int cli_db_export(const cli_cmd *cmd, cli_args *a)
{
    const char *out = cli_get(cmd, a, "out");
    if (!out) return cli_usage_error("%s: --out FILE is required", a->prog);
    vt_store *st;
    int rc = open_db(cmd, a, &st);
    if (rc) return rc;
    size_t n = 0;
    vt_status s = vt_store_export(st, out, cli_get(cmd, a, "format"), &n);
    if (s == VT_OK) printf("%s: %zu items written\n", out, n);
    vt_store_close(st);
    return s == VT_OK ? 0 : cli_fail(s);
}
