/* inputs.h - internal: turn a dataset into the input matrix a model needs. An input is a dataset
** column, or derived by vitrum itself: "inv_kBT" = 1/(kB T) in 1/eV, or a compositional feature
** computed from the formula (src/analysis/compfeat.c). */
#ifndef VT_ML_INPUTS_H
#define VT_ML_INPUTS_H
#include <stddef.h>
#include "vitrum.h"

/* Whether vitrum can derive this input without a dataset column. */
int vt_input_derivable(const char *name);
/* The unit of an input, for model files ("K", "GPa", ...; "paper Table 1" when it has none). */
const char *vt_input_unit(const char *name);

/* Row-major matrix n_rows x n_inputs for the given rows (NULL = 0..n_rows-1). Every input that is
 * neither a column nor derivable is named in one error. *out is freed with vt_free(). */
vt_status vt_inputs_build(const vt_dataset *d, const size_t *rows, size_t n_rows,
                          char *const *inputs, size_t n_inputs, double **out);

/* VT_EINVAL naming every input that is neither a column of d nor derivable. */
vt_status vt_inputs_check(const vt_dataset *d, char *const *inputs, size_t n_inputs);

/* The input list of a model:
 *   paper inputs:   every numeric column (temperature first), or temperature + the 21
 *                   compositional features (composition_only);
 *   vitrum inputs:  every feature column, every feature column x inv_kBT, and inv_kBT; or the
 *                   21 compositional features, ENS, the 20 extra statistics and inv_kBT.
 * Strings are vt_strdup()ed into *names; free with vt_inputs_free(). */
vt_status vt_inputs_default(const vt_dataset *d, int composition_only, int vitrum_inputs,
                            char ***names, size_t *n);
void vt_inputs_free(char **names, size_t n);
#endif
