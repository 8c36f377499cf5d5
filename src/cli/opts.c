/* opts.c - option parsing shared by every command: --name VALUE, --name=VALUE, flags, "--". */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vitrum: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(vt_status s)
{
    fprintf(stderr, "vitrum: error: %s\n", vt_errmsg());
    return s == VT_EPARSE || s == VT_EINVAL || s == VT_ERANGE ? EXIT_USAGE : 1;
}

int cli_stdout_is_tty(void) { return isatty(STDOUT_FILENO); }

void cli_print_help(const cli_cmd *cmd, const char *prog)
{
    printf("usage: %s %s\n\n%s\n", prog, cmd->usage, cmd->summary);
    if (!cmd->opts || !cmd->opts[0].name) return;
    printf("\noptions:\n");
    for (const cli_opt *o = cmd->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-26s %s\n", left, o->help);
    }
    printf("  %-26s %s\n", "--help", "show this help");
}

static int find_opt(const cli_cmd *cmd, const char *name, size_t len)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0) return i;
    return -1;
}

int cli_parse(const cli_cmd *cmd, const char *prog, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->prog = prog;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *s = argv[i];
        if (only_pos || s[0] != '-' || s[1] == '\0' || (s[1] != '-' && (s[1] == '.' || (s[1] >= '0' && s[1] <= '9')))) {
            if (a->n_pos == CLI_MAX_POS) return cli_usage_error("%s: too many arguments", prog);
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) { only_pos = 1; continue; }
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) { cli_print_help(cmd, prog); return -1; }
        if (s[1] != '-') return cli_usage_error("%s: unknown option '%s' (options are long: --name)", prog, s);
        const char *name = s + 2, *eq = strchr(name, '=');
        int k = find_opt(cmd, name, eq ? (size_t)(eq - name) : strlen(name));
        if (k < 0) return cli_usage_error("%s: unknown option '--%.*s' (see --help)", prog, eq ? (int)(eq - name) : (int)strlen(name), name);
        if (a->value[k]) return cli_usage_error("%s: option --%s given twice", prog, cmd->opts[k].name);
        if (!cmd->opts[k].arg) {
            if (eq) return cli_usage_error("%s: option --%s takes no value", prog, cmd->opts[k].name);
            a->value[k] = "1";
        } else if (eq) {
            a->value[k] = eq + 1;
        } else {
            if (i + 1 >= argc) return cli_usage_error("%s: option --%s needs a value %s", prog, cmd->opts[k].name, cmd->opts[k].arg);
            a->value[k] = argv[++i];
        }
    }
    if (a->n_pos < cmd->min_pos) return cli_usage_error("%s: missing argument (usage: %s %s)", prog, prog, cmd->usage);
    if (a->n_pos > cmd->max_pos) return cli_usage_error("%s: unexpected argument '%s' (usage: %s %s)", prog, a->pos[cmd->max_pos], prog, cmd->usage);
    return 0;
}

const char *cli_get(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int k = find_opt(cmd, name, strlen(name));
    return k >= 0 ? a->value[k] : NULL;
}

int cli_flag(const cli_cmd *cmd, const cli_args *a, const char *name) { return cli_get(cmd, a, name) != NULL; }

int cli_get_u64(const cli_cmd *cmd, const cli_args *a, const char *name, uint64_t def, uint64_t max, uint64_t *out)
{
    const char *v = cli_get(cmd, a, name);
    *out = def;
    if (!v) return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end || errno || v[0] == '-' || x > max)
        return cli_usage_error("--%s: expected a whole number 0..%llu, got '%s'", name, (unsigned long long)max, v);
    *out = x;
    return 0;
}

int cli_get_double(const cli_cmd *cmd, const cli_args *a, const char *name, double def, double lo, double hi, double *out)
{
    const char *v = cli_get(cmd, a, name);
    *out = def;
    if (!v) return 0;
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        return cli_usage_error("--%s: expected a number in [%g, %g], got '%s'", name, lo, hi, v);
    *out = x;
    return 0;
}
