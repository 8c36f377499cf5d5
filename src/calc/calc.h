/* calc.h - internal: how a back end plugs into the calculator interface of vitrum.h.
** Each back end is one file, src/calc/<name>.c, exporting one open function listed here and in
** the table of calc.c. It returns its ops, its state and its settings text (provenance). */
#ifndef VT_CALC_CALC_H
#define VT_CALC_CALC_H
#include "vitrum.h"

/* arg: the text after "NAME:" in the spec, or NULL. On VT_OK *state and *settings (vt_malloc'd,
 * taken over by the calculator) are set. */
typedef vt_status (*vt_calc_open_fn)(const char *arg, const vt_calc_ops **ops, void **state,
                                     char **settings);

vt_status vt_calc_open_pair(const char *arg, const vt_calc_ops **ops, void **state, char **settings);
vt_status vt_calc_open_pmmcs(const char *arg, const vt_calc_ops **ops, void **state, char **settings);
vt_status vt_calc_open_m3gnet(const char *arg, const vt_calc_ops **ops, void **state, char **settings);
vt_status vt_calc_open_xtb(const char *arg, const vt_calc_ops **ops, void **state, char **settings);
vt_status vt_calc_open_cp2k(const char *arg, const vt_calc_ops **ops, void **state, char **settings);
vt_status vt_calc_open_ipi(const char *arg, const vt_calc_ops **ops, void **state, char **settings);

#endif
