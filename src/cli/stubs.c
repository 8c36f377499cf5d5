/* stubs.c - TEMPORARY: commands not written yet. Each command's author deletes its stub here when
** its cmd_*.c lands. */
#include "cli.h"

#define CLI_STUB(fn, opts, what)                                                                 \
    const cli_opt opts[] = {{NULL, NULL, NULL}};                                                 \
    int fn(const cli_cmd *cmd, cli_args *a)                                                      \
    {                                                                                            \
        (void)cmd, (void)a;                                                                      \
        return cli_usage_error("%s: not built yet", what);                                       \
    }
CLI_STUB(cli_md, cli_md_opts, "md")
CLI_STUB(cli_relax, cli_relax_opts, "relax")
CLI_STUB(cli_calc, cli_calc_opts, "calc")
