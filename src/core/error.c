/* error.c - the thread-local last error: code and one-line message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local vt_status last_code = VT_OK;
static _Thread_local char last_msg[1024] = "no error";

vt_status vt_errcode(void) { return last_code; }
const char *vt_errmsg(void) { return last_msg; }

const char *vt_status_name(vt_status code)
{
    static const char *const names[] = {
        "OK", "ENOMEM", "EINVAL", "EPARSE", "EIO", "ERANGE",
        "ENOCONV", "EUNSTABLE", "EDB", "ENOTSUP", "EINTERNAL",
    };
    if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
    return "EUNKNOWN";
}

/* Control characters (newlines above all) would break the one-line contract of the CLI and can
 * come from untrusted input quoted in a message: show them as '?'. */
static void fold_lines(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

/* Formats into a scratch buffer first: callers may pass vt_errmsg() itself as an argument
 * (to add context to a lower-level message), which must not be overwritten while it is read. */
static vt_status record(vt_status code, const char *prefix, const char *fmt, va_list ap)
{
    char msg[sizeof last_msg];
    int used = snprintf(msg, sizeof msg, "%s", prefix);
    if (used < 0) used = 0;
    if ((size_t)used < sizeof msg) vsnprintf(msg + used, sizeof msg - (size_t)used, fmt, ap);
    memcpy(last_msg, msg, sizeof msg);
    fold_lines(last_msg);
    last_code = code;
    return code;
}

vt_status vt_err_set_(vt_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, "", fmt, ap);
    va_end(ap);
    return code;
}

vt_status vt_err_at_(vt_status code, const char *path, size_t line, const char *field,
                     const char *fmt, ...)
{
    char prefix[512];
    int n = snprintf(prefix, sizeof prefix, "%s", path ? path : "");
    if (line > 0 && n >= 0 && (size_t)n < sizeof prefix)
        n += snprintf(prefix + n, sizeof prefix - (size_t)n, ":%zu", line);
    if (n >= 0 && (size_t)n < sizeof prefix)
        snprintf(prefix + n, sizeof prefix - (size_t)n, "%s%s%s", n > 0 ? ": " : "",
                 field ? field : "", field ? ": " : "");
    va_list ap;
    va_start(ap, fmt);
    record(code, prefix, fmt, ap);
    va_end(ap);
    return code;
}
