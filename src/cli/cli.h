/* cli.h - the vitrum command line: one table of commands (main.c), one table of options per
** command, parsed and checked once by cli_parse() before any handler runs. Exit codes: 0 success,
** 1 a failure while running, 2 bad usage or bad input (unknown option, malformed file). */
#ifndef VT_CLI_H
#define VT_CLI_H
#include <stddef.h>
#include <stdint.h>
#include "vitrum.h"

enum { EXIT_USAGE = 2, CLI_MAX_OPTS = 40, CLI_MAX_POS = 256 };

struct cli_args;

typedef struct cli_opt {
    const char *name;   /* long option without dashes: "data" for --data */
    const char *arg;    /* metavariable ("FILE"), or NULL for a flag */
    const char *help;   /* one line, with the default */
} cli_opt;

typedef struct cli_cmd {
    const char *name;      /* "train" */
    const char *usage;     /* "--data FILE --out MODEL.json [options]" */
    const char *summary;   /* one line for `vitrum help` */
    const cli_opt *opts;   /* NULL-terminated */
    size_t min_pos, max_pos;
    int (*run)(const struct cli_cmd *cmd, struct cli_args *a);
} cli_cmd;

typedef struct cli_args {
    const char *value[CLI_MAX_OPTS]; /* per option in cmd->opts order; NULL if not given */
    char *pos[CLI_MAX_POS];
    size_t n_pos;
    const char *prog;                /* "vitrum ml train", for messages */
} cli_args;

/* Parse argv (after the command words) against cmd; prints one error line and returns EXIT_USAGE
 * on unknown options, missing values, repeated options, or a wrong number of arguments. Returns
 * -1 when --help was printed (exit 0), 0 on success. */
int cli_parse(const cli_cmd *cmd, const char *prog, int argc, char **argv, cli_args *a);
void cli_print_help(const cli_cmd *cmd, const char *prog);
/* Value of option name or NULL. */
const char *cli_get(const cli_cmd *cmd, const cli_args *a, const char *name);
int cli_flag(const cli_cmd *cmd, const cli_args *a, const char *name);
/* Typed getters: on a bad value print "vitrum: error: --name: ..." and return EXIT_USAGE. */
int cli_get_u64(const cli_cmd *cmd, const cli_args *a, const char *name, uint64_t def, uint64_t max, uint64_t *out);
int cli_get_double(const cli_cmd *cmd, const cli_args *a, const char *name, double def, double lo, double hi, double *out);
/* One line "vitrum: error: <vt_errmsg()>" and the exit code for status s (2 for input errors). */
int cli_fail(vt_status s);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether stdout is a terminal (progress and colour only then). */
int cli_stdout_is_tty(void);

/* --format table|csv|json -> 0, 1, 2 (NULL -> table); EXIT_USAGE on anything else. */
int cli_parse_format(const char *v, int *out);

/* Command groups */
int cli_features(const cli_cmd *cmd, cli_args *a);
int cli_ml_train(const cli_cmd *cmd, cli_args *a);
int cli_ml_predict(const cli_cmd *cmd, cli_args *a);
int cli_ml_cv(const cli_cmd *cmd, cli_args *a);
int cli_predict(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_features_opts[], cli_train_opts[], cli_mlpredict_opts[], cli_cv_opts[], cli_predict_opts[];
/* The MD engine: cmd_pack.c (pack), cmd_md.c (md, relax, calc). */
int cli_pack(const cli_cmd *cmd, cli_args *a);
int cli_md(const cli_cmd *cmd, cli_args *a);
int cli_relax(const cli_cmd *cmd, cli_args *a);
int cli_calc(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_pack_opts[], cli_md_opts[], cli_relax_opts[], cli_calc_opts[];
/* The workflow: cmd_run.c. */
int cli_run(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_run_opts[];
/* Trajectory analysis: cmd_analyze.c (analyze, arrhenius, rdf). */
int cli_analyze(const cli_cmd *cmd, cli_args *a);
int cli_arrhenius(const cli_cmd *cmd, cli_args *a);
int cli_rdf(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_analyze_opts[], cli_arrhenius_opts[], cli_rdf_opts[];
/* The store: cmd_db.c (db init, import, export, info). */
int cli_db_init(const cli_cmd *cmd, cli_args *a);
int cli_db_import(const cli_cmd *cmd, cli_args *a);
int cli_db_export(const cli_cmd *cmd, cli_args *a);
int cli_db_info(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_db_init_opts[], cli_db_import_opts[], cli_db_export_opts[], cli_db_info_opts[];
/* Campaigns: cmd_campaign.c (create, work, status), campaign_report.c (report). */
int cli_campaign_create(const cli_cmd *cmd, cli_args *a);
int cli_campaign_work(const cli_cmd *cmd, cli_args *a);
int cli_campaign_status(const cli_cmd *cmd, cli_args *a);
int cli_campaign_report(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_campaign_create_opts[], cli_campaign_work_opts[], cli_campaign_status_opts[],
    cli_campaign_report_opts[];
/* The server: cmd_serve.c (serve). */
int cli_serve(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_serve_opts[];
#endif
