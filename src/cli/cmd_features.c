/* cmd_features.c - `vitrum features FORMULA...`: the paper's 21 compositional features. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_opt cli_features_opts[] = {
    {"format", "table|csv|json", "output format (default table: one row per feature)"},
    {NULL, NULL, NULL},
};

typedef enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON } fmt;

int cli_parse_format(const char *v, int *out)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (!v || strcmp(v, names[i]) == 0) return *out = v ? i : FMT_TABLE, 0;
    return cli_usage_error("--format: expected table, csv or json, got '%s'", v);
}

static void print_table(size_t n, char **formulas, const double (*f)[VT_N_COMPFEAT])
{
    const char *const *names = vt_compfeat_names();
    printf("%-30s", "feature");
    for (size_t i = 0; i < n; i++) printf(" %14s", formulas[i]);
    printf("\n");
    for (int j = 0; j < VT_N_COMPFEAT; j++) {
        printf("%-30s", names[j]);
        for (size_t i = 0; i < n; i++) printf(" %14.8g", f[i][j]);
        printf("\n");
    }
}

static void print_csv(size_t n, char **formulas, const double (*f)[VT_N_COMPFEAT])
{
    const char *const *names = vt_compfeat_names();
    printf("formula");
    for (int j = 0; j < VT_N_COMPFEAT; j++) printf(",%s", names[j]);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        printf("%s", formulas[i]);
        for (int j = 0; j < VT_N_COMPFEAT; j++) printf(",%.17g", f[i][j]);
        printf("\n");
    }
}

static void print_json(size_t n, char **formulas, const double (*f)[VT_N_COMPFEAT])
{
    const char *const *names = vt_compfeat_names();
    printf("[");
    for (size_t i = 0; i < n; i++) {
        printf("%s\n  {\"formula\": \"%s\", \"features\": {", i ? "," : "", formulas[i]);
        for (int j = 0; j < VT_N_COMPFEAT; j++) printf("%s\"%s\": %.17g", j ? ", " : "", names[j], f[i][j]);
        printf("}}");
    }
    printf("\n]\n");
}

int cli_features(const cli_cmd *cmd, cli_args *a)
{
    int format = 0;
    if (cli_parse_format(cli_get(cmd, a, "format"), &format)) return EXIT_USAGE;
    double (*f)[VT_N_COMPFEAT] = vt_calloc(a->n_pos, sizeof *f);
    if (!f) return cli_fail(VT_ENOMEM);
    for (size_t i = 0; i < a->n_pos; i++) {
        vt_composition c;
        vt_status s = vt_composition_parse(a->pos[i], &c);
        if (s == VT_OK) s = vt_compfeat_compute(&c, f[i]);
        if (s != VT_OK) {
            vt_free(f);
            return cli_fail(s);
        }
    }
    if (format == FMT_TABLE) print_table(a->n_pos, a->pos, (const double(*)[VT_N_COMPFEAT])f);
    else if (format == FMT_CSV) print_csv(a->n_pos, a->pos, (const double(*)[VT_N_COMPFEAT])f);
    else print_json(a->n_pos, a->pos, (const double(*)[VT_N_COMPFEAT])f);
    vt_free(f);
    return 0;
}
