/* main.c - `vitrum` entry point: the command table and the dispatcher. Handlers live in
** cmd_*.c; options are checked by cli_parse() before a handler runs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_cmd commands[] = {
    {"features", "FORMULA... | --structure FILE [--format table|csv|json]",
     "the paper's 21 compositional features of each formula, or all 42 of a structure or trajectory",
     cli_features_opts, 0, CLI_MAX_POS, cli_features},
    {"predict", "FORMULA... | --structure FILE [--temp LIST] [--model MODEL.json] [--format table|csv|json]",
     "D_Li(T) with 1-sigma from a formula alone, or from a simulated structure (models shipped with vitrum)",
     cli_predict_opts, 0, CLI_MAX_POS, cli_predict},
    {"pack", "FORMULA --atoms N [--density RHO | --volume V] --out FILE [options]",
     "random periodic packing of a composition with per-pair minimum distances", cli_pack_opts, 1, 1, cli_pack},
    {"md", "--in CELL --calc SPEC --ensemble nve|nvt [--thermostat nhc|csvr|langevin] --temp T --steps N [--dt 2] [options]",
     "molecular dynamics (NVE, or NVT by Nose-Hoover chains, CSVR or Langevin) with checkpoints",
     cli_md_opts, 0, 0, cli_md},
    {"relax", "--in CELL --calc SPEC --out FILE [--cell] [--fmax 0.01] [--steps N] [options]",
     "FIRE relaxation of positions and optionally the cell", cli_relax_opts, 0, 0, cli_relax},
    {"run", "FORMULA [--calc SPEC] [--dir DIR] [--quick] [--dry-run] [schedule options]",
     "the paper's melt-quench workflow: volume search, melt, quench, production, amorphous limit",
     cli_run_opts, 1, 1, cli_run},
    {"calc", "--calc SPEC STRUCTURE [--format table|json]", "energy (eV), forces (eV/A) and stress (GPa) of a structure",
     cli_calc_opts, 1, 1, cli_calc},
    {"analyze", "TRAJ --dt FS [--species EL] [--temp T] [--mode max|constant|none] [--plot DIR] [--format table|json]",
     "diffusivity (MSD by FFT, pymatgen's modes) per species, conductivity and RDF summary of a trajectory",
     cli_analyze_opts, 1, 1, cli_analyze},
    {"arrhenius", "FILE [--at T,...] [--plot DIR] [--format table|json]",
     "Arrhenius fits (Ea, D0, R^2, D at any T) of a CSV table T_K,D_cm2_s[,sigma_cm2_s][,label]",
     cli_arrhenius_opts, 1, 1, cli_arrhenius},
    {"rdf", "TRAJ --out FILE [--rmax 10] [--dr 0.1] | compare A.csv B.csv",
     "partial RDFs in the paper's CSV layout, or the paper's R^2 between two RDF CSVs (A = truth)",
     cli_rdf_opts, 1, 3, cli_rdf},
    {"serve", "[--db URL] [--host 127.0.0.1] [--port 8080] [--token-file FILE]",
     "serve the database: OPTIMADE v1 API and a web page (read-only unless a token file is given)",
     cli_serve_opts, 0, 0, cli_serve},
};

static const cli_cmd ml_commands[] = {
    {"train", "--data FILE --out MODEL.json [--algo rf|et|xgb] [options]",
     "train a model on a feature table; reports train (and test) RMSE, MAE, R^2 of D x 1000",
     cli_train_opts, 0, 0, cli_ml_train},
    {"predict", "--model MODEL.json --data FILE [--out FILE]",
     "predict D x 1000 (cm^2/s x 1000) and sigma for every row, CSV in input order",
     cli_mlpredict_opts, 0, 0, cli_ml_predict},
    {"cv", "--data FILE [--algo rf|et|xgb] [--folds 5] [--group formula] [options]",
     "k-fold cross-validation (RMSE, MAE, R^2 of D x 1000 per fold and pooled)",
     cli_cv_opts, 0, 0, cli_ml_cv},
};

static const cli_cmd db_commands[] = {
    {"init", "[--db URL]", "create the database or migrate it to this vitrum's schema",
     cli_db_init_opts, 0, 0, cli_db_init},
    {"import", "FILE... [--db URL] [--format table|mpcontribs]",
     "import the paper's feature table or MPContribs-style JSON (all or nothing per file)",
     cli_db_import_opts, 1, CLI_MAX_POS, cli_db_import},
    {"export", "--out FILE [--db URL] [--format mpcontribs|table|extxyz]",
     "export the database as MPContribs-style JSON, the feature table (CSV) or extxyz structures",
     cli_db_export_opts, 0, 0, cli_db_export},
    {"info", "[--db URL]", "back end, schema version and rows per table", cli_db_info_opts, 0, 0, cli_db_info},
};

static const cli_cmd campaign_commands[] = {
    {"create", "--formulas FILE [--schedule FILE] [--db URL]",
     "queue one `vitrum run` job per formula with one schedule (re-creating adds only new jobs)",
     cli_campaign_create_opts, 0, 0, cli_campaign_create},
    {"work", "[--db URL] [--workdir DIR] [--max-jobs N] [options]",
     "claim and run jobs until the queue is drained (one worker; start many, or under mpirun)",
     cli_campaign_work_opts, 0, 0, cli_campaign_work},
    {"status", "[--db URL]", "jobs per state, throughput, ETA, running jobs and failures with their messages",
     cli_campaign_status_opts, 0, 0, cli_campaign_status},
    {"report", "--out DIR [--db URL]",
     "HTML report: D(T) and Ea by anion group, coverage by element (SVG figures)",
     cli_campaign_report_opts, 0, 0, cli_campaign_report},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Command groups: `vitrum GROUP SUBCOMMAND ...`. */
typedef struct cmd_group {
    const char *name;      /* "ml" */
    const cli_cmd *cmds;
    size_t n;
    const char *list;      /* subcommands, for messages */
} cmd_group;

static const cmd_group groups[] = {
    {"ml", ml_commands, N_OF(ml_commands), "train, predict, cv"},
    {"db", db_commands, N_OF(db_commands), "init, import, export, info"},
    {"campaign", campaign_commands, N_OF(campaign_commands), "create, work, status, report"},
};

static const cmd_group *find_group(const char *name)
{
    for (size_t i = 0; i < N_OF(groups); i++)
        if (strcmp(groups[i].name, name) == 0) return &groups[i];
    return NULL;
}

static void print_overview(FILE *f)
{
    fprintf(f, "vitrum %s - ab initio non-crystalline structure database and Li diffusivity learning\n\n"
               "usage: vitrum COMMAND [options]     (vitrum COMMAND --help for its options)\n\ncommands:\n",
            vt_version());
    for (size_t i = 0; i < N_OF(commands); i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    for (size_t g = 0; g < N_OF(groups); g++)
        for (size_t i = 0; i < groups[g].n; i++)
            fprintf(f, "  %s %-9s %s\n", groups[g].name, groups[g].cmds[i].name, groups[g].cmds[i].summary);
    fprintf(f, "  %-12s %s\n\nunits: K, cm^2/s (tables of the paper: D x 1000), eV, Angstrom, GPa.\n"
               "cite: H. Zheng et al., npj Comput. Mater. 10 (2024), doi:10.1038/s41524-024-01469-2\n",
            "help", "this overview, or `vitrum help COMMAND`");
}

static const cli_cmd *find(const cli_cmd *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

static int run(const cli_cmd *cmd, const char *prog, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(cmd, prog, argc, argv, &a);
    if (rc < 0) return 0;
    if (rc > 0) return rc;
    return cmd->run(cmd, &a);
}

static int run_group(const cmd_group *g, int argc, char **argv);

static int help(int argc, char **argv)
{
    if (argc == 0) {
        print_overview(stdout);
        return 0;
    }
    const cmd_group *g = find_group(argv[0]);
    if (g && argc == 1) { /* `vitrum help db`: the group's list */
        char flag[] = "--help", *args[] = {flag};
        return run_group(g, 1, args);
    }
    const cli_cmd *c = g && argc > 1 ? find(g->cmds, g->n, argv[1]) : find(commands, N_OF(commands), argv[0]);
    if (!c) return cli_usage_error("help: unknown command '%s'", argv[argc > 1 ? 1 : 0]);
    char prog[64];
    snprintf(prog, sizeof prog, "vitrum %s%s%s", g ? g->name : "", g ? " " : "", c->name); /* as COMMAND --help */
    cli_print_help(c, prog);
    return 0;
}

/* `vitrum GROUP SUBCOMMAND ...`: argv[0] is the subcommand. */
static int run_group(const cmd_group *g, int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0)) {
        printf("usage: vitrum %s SUBCOMMAND [options]   (vitrum %s SUBCOMMAND --help)\n\n", g->name, g->name);
        for (size_t i = 0; i < g->n; i++) printf("  %-9s %s\n", g->cmds[i].name, g->cmds[i].summary);
        return 0;
    }
    if (argc < 1) return cli_usage_error("%s: missing subcommand (%s; see vitrum %s --help)", g->name, g->list, g->name);
    const cli_cmd *c = find(g->cmds, g->n, argv[0]);
    if (!c) return cli_usage_error("%s: unknown subcommand '%s' (%s)", g->name, argv[0], g->list);
    char prog[64];
    snprintf(prog, sizeof prog, "vitrum %s %s", g->name, c->name);
    return run(c, prog, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--version") == 0 || strcmp(word, "version") == 0) {
        printf("vitrum %s\n", vt_version());
        return 0;
    }
    if (strcmp(word, "help") == 0 || strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)
        return help(argc - 2, argv + 2);
    const cmd_group *g = find_group(word);
    if (g) return run_group(g, argc - 2, argv + 2);
    const cli_cmd *c = find(commands, N_OF(commands), word);
    if (!c) return cli_usage_error("unknown command '%s' (see vitrum help)", word);
    char prog[64];
    snprintf(prog, sizeof prog, "vitrum %s", c->name);
    return run(c, prog, argc - 2, argv + 2);
}
