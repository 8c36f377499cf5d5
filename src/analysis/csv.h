/* csv.h - internal: strict splitting of comma-separated lines for the analysis tables (RDF CSVs,
** diffusivity tables). No quoting: a '"' is an error. Fields are trimmed of blanks in place. */
#ifndef VT_ANALYSIS_CSV_H
#define VT_ANALYSIS_CSV_H
#include "io/text.h"

/* Split line s (modified in place) at commas into at most max fields; *n gets the count.
 * VT_EPARSE "path:line: <what>: ..." for a quote or more than max fields. */
vt_status vt_csv_split(const vt_lines *r, const char *what, char *s, char **fields, size_t max, size_t *n);
#endif
