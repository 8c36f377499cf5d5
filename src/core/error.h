/* error.h - internal: record the thread-local error and return its code, in one statement. */
#ifndef VT_CORE_ERROR_H
#define VT_CORE_ERROR_H
#include "vitrum.h"

/* Record an error (printf-style message) and return code. */
vt_status vt_err_set_(vt_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, prefixed "path:line: field: " (line 0 and field NULL are left out). */
vt_status vt_err_at_(vt_status code, const char *path, size_t line, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define VT_FAIL(code, ...) return vt_err_set_((code), __VA_ARGS__)
#define VT_FAIL_AT(code, path, line, field, ...) \
    return vt_err_at_((code), (path), (line), (field), __VA_ARGS__)
/* Propagate a failing status unchanged (its message is already recorded). */
#define VT_TRY(expr) do { vt_status vt_try_s_ = (expr); if (vt_try_s_ != VT_OK) return vt_try_s_; } while (0)

#endif
