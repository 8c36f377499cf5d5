/* cmd_features.c - `vitrum features FORMULA...`: the paper's 21 compositional features;
** `vitrum features --structure FILE`: all 42 of a structure or trajectory (21 structural, averaged
** over frames with their spread, then the 21 compositional of the cell's formula), in the column
** order of the paper's feature_target.dat. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_opt cli_features_opts[] = {
    {"format", "table|csv|json", "output format (default table: one row per feature)"},
    {"structure", "FILE", "all 42 features of a structure or trajectory file (then no FORMULA)"},
    {"traj-format", "FMT", "--structure: file format (default: by file name)"},
    {"cutoff", "A", "--structure: bond cutoff, Angstrom (default 4, the paper's)"},
    {"anion", "alphabetical|electronegative", "--structure: the anion of VPA, AASD, AFC, LASD: the "
     "symbol sorting last, as the paper's table (default), or the most electronegative non-Li element"},
    {"path-radius", "A", "--structure: SLPW obstacles within A of the Li, to the path's line (default 3, as "
     "the table); 0: Sendek's atoms between the two Li"},
    {"paper-bond-stats", NULL, "--structure: LBI and SDLI with the table's n - 1 denominators"},
    {"skip", "N", "--structure: frames dropped at the start (default 0)"},
    {"every", "N", "--structure: use every N-th frame (default 1)"},
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

/* All 42 of one structure file: structural (mean, spread) then compositional (spread 0). */
typedef struct all42 {
    char formula[256];
    size_t n_frames;
    const char *names[VT_N_STRUCTFEAT + VT_N_COMPFEAT];
    vt_estimate f[VT_N_STRUCTFEAT + VT_N_COMPFEAT];
} all42;

enum { N_ALL = VT_N_STRUCTFEAT + VT_N_COMPFEAT };

static void print_all_table(const char *path, const all42 *r)
{
    printf("# %s: %s, %zu frame%s; structural: mean and sample std over frames\n", path, r->formula,
           r->n_frames, r->n_frames == 1 ? "" : "s");
    printf("%-30s %18s %14s\n", "feature", "mean", "std");
    for (int j = 0; j < N_ALL; j++) printf("%-30s %18.10g %14.6g\n", r->names[j], r->f[j].value, r->f[j].sigma);
}

static void print_all_csv(const all42 *r)
{
    printf("formula");
    for (int j = 0; j < N_ALL; j++) printf(",%s", r->names[j]);
    printf("\n%s", r->formula);
    for (int j = 0; j < N_ALL; j++) printf(",%.17g", r->f[j].value);
    printf("\n");
}

static void print_json_number(double x) { isfinite(x) ? printf("%.17g", x) : printf("null"); }

static void print_all_json(const char *path, const all42 *r)
{
    printf("{\"file\": \"%s\", \"formula\": \"%s\", \"n_frames\": %zu,\n \"features\": {", path, r->formula,
           r->n_frames);
    for (int j = 0; j < N_ALL; j++) {
        printf("%s\"%s\": ", j ? ", " : "", r->names[j]);
        print_json_number(r->f[j].value);
    }
    printf("},\n \"std\": {");
    for (int j = 0; j < VT_N_STRUCTFEAT; j++) {
        printf("%s\"%s\": ", j ? ", " : "", r->names[j]);
        print_json_number(r->f[j].sigma);
    }
    printf("}}\n");
}

static int structure_options(const cli_cmd *cmd, cli_args *a, vt_structfeat_opts *o)
{
    *o = vt_structfeat_opts_default();
    uint64_t skip, every;
    if (cli_get_double(cmd, a, "cutoff", o->cutoff_A, 1e-3, 1e3, &o->cutoff_A) ||
        cli_get_double(cmd, a, "path-radius", o->path_radius_A, 0.0, 1e3, &o->path_radius_A) ||
        cli_get_u64(cmd, a, "skip", 0, 1000000000, &skip) || cli_get_u64(cmd, a, "every", 1, 1000000000, &every))
        return EXIT_USAGE;
    if (every == 0) return cli_usage_error("--every: expected a whole number >= 1, got 0");
    o->first_frame = (size_t)skip;
    o->stride = (size_t)every;
    o->paper_bond_stats = cli_flag(cmd, a, "paper-bond-stats");
    const char *an = cli_get(cmd, a, "anion");
    if (an && strcmp(an, "alphabetical") == 0) o->anion = VT_ANION_ALPHABETICAL;
    else if (an && strcmp(an, "electronegative") == 0) o->anion = VT_ANION_ELECTRONEGATIVE;
    else if (an) return cli_usage_error("--anion: expected alphabetical or electronegative, got '%s'", an);
    return 0;
}

/* `vitrum features --structure FILE`. */
static int features_of_structure(const cli_cmd *cmd, cli_args *a, const char *path, int format)
{
    vt_structfeat_opts o;
    if (structure_options(cmd, a, &o)) return EXIT_USAGE;
    vt_traj *t = NULL;
    vt_status s = vt_traj_read(path, cli_get(cmd, a, "traj-format"), &t);
    if (s != VT_OK) return cli_fail(s);
    if (o.first_frame >= t->n_frames) {
        size_t n = t->n_frames;
        vt_traj_free(t);
        return cli_usage_error("--skip: %zu frames skipped but %s has %zu", o.first_frame, path, n);
    }
    all42 r;
    vt_composition comp;
    double cf[VT_N_COMPFEAT];
    s = vt_structfeat_traj(t, &o, r.f);
    if (s == VT_OK) s = vt_cell_formula(t->frames[0], r.formula, sizeof r.formula);
    if (s == VT_OK) s = vt_cell_composition(t->frames[0], &comp);
    if (s == VT_OK) s = vt_compfeat_compute(&comp, cf);
    r.n_frames = (t->n_frames - o.first_frame + o.stride - 1) / o.stride;
    vt_traj_free(t);
    if (s != VT_OK) return cli_fail(s);
    for (int j = 0; j < VT_N_STRUCTFEAT; j++) r.names[j] = vt_structfeat_names()[j];
    for (int j = 0; j < VT_N_COMPFEAT; j++) {
        r.names[VT_N_STRUCTFEAT + j] = vt_compfeat_names()[j];
        r.f[VT_N_STRUCTFEAT + j] = (vt_estimate){cf[j], 0.0};
    }
    if (format == FMT_TABLE) print_all_table(path, &r);
    else if (format == FMT_CSV) print_all_csv(&r);
    else print_all_json(path, &r);
    return 0;
}

static const char *const structure_only[] = {"traj-format", "cutoff", "anion", "path-radius", "paper-bond-stats",
                                             "skip", "every"};

int cli_features(const cli_cmd *cmd, cli_args *a)
{
    int format = 0;
    if (cli_parse_format(cli_get(cmd, a, "format"), &format)) return EXIT_USAGE;
    const char *structure = cli_get(cmd, a, "structure");
    if (structure && a->n_pos)
        return cli_usage_error("vitrum features: give FORMULA... or --structure FILE, not both");
    if (structure) return features_of_structure(cmd, a, structure, format);
    if (!a->n_pos) return cli_usage_error("vitrum features: expected FORMULA... or --structure FILE");
    for (size_t i = 0; i < sizeof structure_only / sizeof *structure_only; i++)
        if (cli_get(cmd, a, structure_only[i]))
            return cli_usage_error("--%s: only with --structure", structure_only[i]);
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
