/* csv.c - strict comma splitting for the analysis tables (csv.h). */
#include <string.h>

#include "analysis/csv.h"
#include "core/error.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

vt_status vt_csv_split(const vt_lines *r, const char *what, char *s, char **fields, size_t max, size_t *n)
{
    if (strchr(s, '"')) VT_FAIL_AT(VT_EPARSE, r->path, r->line, what, "quoted fields are not supported");
    *n = 0;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma) *comma = '\0';
        if (*n == max) VT_FAIL_AT(VT_EPARSE, r->path, r->line, what, "more than %zu fields", max);
        fields[(*n)++] = trim(s);
        if (!comma) return VT_OK;
        s = comma + 1;
    }
}
