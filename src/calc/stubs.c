/* stubs.c - TEMPORARY: back ends not written yet answer VT_ENOTSUP. Each back end's author deletes
** its stub here when its file lands. */
#include "calc/calc.h"
#include "core/error.h"

#define VT_STUB(fn, what)                                                                        \
    vt_status fn(const char *arg, const vt_calc_ops **ops, void **state, char **settings)       \
    {                                                                                            \
        (void)arg, (void)ops, (void)state, (void)settings;                                       \
        VT_FAIL(VT_ENOTSUP, "--calc %s: not built yet", what);                                   \
    }
VT_STUB(vt_calc_open_m3gnet, "m3gnet")
