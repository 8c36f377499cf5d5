/* calc.c - the calculator interface: open a back end by its spec, compute, provenance. */
#include <string.h>

#include "calc/calc.h"
#include "core/error.h"

struct vt_calc {
    const vt_calc_ops *ops;
    void *state;
    char *settings;
};

static const struct {
    const char *name;
    vt_calc_open_fn open;
} backends[] = {
    {"pair", vt_calc_open_pair},     {"pmmcs", vt_calc_open_pmmcs}, {"m3gnet", vt_calc_open_m3gnet},
    {"xtb", vt_calc_open_xtb},       {"cp2k", vt_calc_open_cp2k},   {"ipi", vt_calc_open_ipi},
};

vt_status vt_calc_new_custom(const vt_calc_ops *ops, void *state, const char *settings, vt_calc **out)
{
    *out = NULL;
    if (!ops || !ops->compute || !ops->name) VT_FAIL(VT_EINVAL, "calculator: ops without name or compute");
    vt_calc *c = vt_calloc(1, sizeof *c);
    char *text = vt_strdup(settings ? settings : "");
    if (!c || !text) {
        vt_free(c);
        vt_free(text);
        VT_FAIL(VT_ENOMEM, "calculator: out of memory");
    }
    c->ops = ops;
    c->state = state;
    c->settings = text;
    *out = c;
    return VT_OK;
}

vt_status vt_calc_open(const char *spec, vt_calc **out)
{
    *out = NULL;
    if (!spec) VT_FAIL(VT_EINVAL, "--calc: no back end given");
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        if (strlen(backends[i].name) != len || strncmp(backends[i].name, spec, len) != 0) continue;
        const vt_calc_ops *ops = NULL;
        void *state = NULL;
        char *settings = NULL;
        VT_TRY(backends[i].open(colon ? colon + 1 : NULL, &ops, &state, &settings));
        vt_status s = vt_calc_new_custom(ops, state, settings, out);
        vt_free(settings);
        if (s != VT_OK && ops->free) ops->free(state);
        return s;
    }
    VT_FAIL(VT_EINVAL, "--calc: unknown back end '%.*s' (pair, pmmcs, m3gnet, xtb, cp2k, ipi)", (int)len, spec);
}

vt_status vt_calc_compute(vt_calc *calc, const vt_cell *c, vt_calc_result *r)
{
    if (c->n_atoms == 0) VT_FAIL(VT_EINVAL, "%s: empty cell", calc->ops->name);
    return calc->ops->compute(calc->state, c, r);
}

const char *vt_calc_name(const vt_calc *calc) { return calc->ops->name; }
const char *vt_calc_settings(const vt_calc *calc) { return calc->settings; }

void vt_calc_free(vt_calc *calc)
{
    if (!calc) return;
    if (calc->ops->free) calc->ops->free(calc->state);
    vt_free(calc->settings);
    vt_free(calc);
}
