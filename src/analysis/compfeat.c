/* compfeat.c - the paper's 21 compositional features (Zheng et al. 2024, Table 1), exactly as its
** table computes them (reproduced to ~1e-12 on every row of feature_target.dat, tests/analysis).
**   f_i        atomic fraction of element i over all atoms ("with_Li") or over non-Li atoms
**              ("wiout"/"without"/"exclude_Li")
**   avg_P      sum_i f_i P_i  for P = B (GPa), G (GPa), Ecoh (eV/atom), m (amu), X (Pauling),
**              R = pymatgen atomic radius (A)
**   BR5_M      sqrt(avg_B avg_R^5 / avg_m), GR5_M = sqrt(avg_G avg_R^5 / avg_m),
**   ER2_m      sqrt(avg_Ecoh avg_R^2 / avg_m), each from the averages of the same atom set
**              (units sqrt(GPa A^5 / amu) and sqrt(eV A^2 / amu): kept as the paper has them)
**   ratio_r_without_Li_with = R_avg(non-Li) / R_avg(all); avg_diff_of_X_Li_rest = X(non-Li) - X(all)
** Column names keep the paper's spellings ("wiout", "Echo"). */
#include <math.h>
#include <stddef.h>

#include "core/error.h"

enum { LI = 3 };

static const char *const names[VT_N_COMPFEAT] = {
    "Li_percentage",     "avg_B_with_Li",     "avg_B_wiout_Li",       "avg_G_with_Li",
    "avg_G_wiout_Li",    "avg_Ecoh_with_Li",  "avg_Echo_wiout_Li",    "BR5_M_with_Li",
    "BR5_M_without_Li",  "GR5_M_with_Li",     "GR5_M_without_Li",     "ER2_m_with_Li",
    "ER2_m_without_Li",  "atomic_radius_avg", "atomic_radius_avg_exclude_Li",
    "ratio_r_without_Li_with", "avg_m_with_Li", "avg_m_wiout_Li",     "avg_X_with_Li",
    "avg_X_wiout_Li",    "avg_diff_of_X_Li_rest",
};

const char *const *vt_compfeat_names(void) { return names; }

typedef enum prop { P_B, P_G, P_ECOH, P_M, P_X, P_R, N_PROPS } prop;
static const char *const prop_names[N_PROPS] = {
    "bulk modulus B", "shear modulus G", "cohesive energy Ecoh", "atomic mass",
    "Pauling electronegativity", "atomic radius",
};

static double prop_value(const vt_element *e, prop p)
{
    switch (p) {
    case P_B: return e->B_GPa;
    case P_G: return e->G_GPa;
    case P_ECOH: return e->Ecoh_eV;
    case P_M: return e->mass_amu;
    case P_X: return e->X_pauling;
    default: return e->atomic_radius_A;
    }
}

/* Fraction-weighted averages of every property over all atoms or over the non-Li atoms. */
static vt_status averages(const vt_composition *c, int without_li, double avg[N_PROPS])
{
    double total = 0.0;
    for (size_t i = 0; i < c->n_species; i++)
        if (!(without_li && c->Z[i] == LI)) total += c->amount[i];
    if (!(total > 0.0)) VT_FAIL(VT_ERANGE, "compositional features: composition has no non-Li atom");
    for (int p = 0; p < N_PROPS; p++) {
        avg[p] = 0.0;
        for (size_t i = 0; i < c->n_species; i++) {
            if (without_li && c->Z[i] == LI) continue;
            const vt_element *e = vt_element_by_Z(c->Z[i]);
            double v = prop_value(e, (prop)p);
            if (isnan(v))
                VT_FAIL(VT_ERANGE, "compositional features: element %s has no %s value",
                        e->symbol, prop_names[p]);
            avg[p] += c->amount[i] / total * v;
        }
    }
    return VT_OK;
}

vt_status vt_compfeat_compute(const vt_composition *c, double out[VT_N_COMPFEAT])
{
    double li = vt_composition_fraction(c, LI);
    if (!(li > 0.0)) VT_FAIL(VT_ERANGE, "compositional features: composition has no Li");
    double w[N_PROPS], wo[N_PROPS];
    VT_TRY(averages(c, 0, w));
    VT_TRY(averages(c, 1, wo));
    double r5w = pow(w[P_R], 5), r5o = pow(wo[P_R], 5);
    const double v[VT_N_COMPFEAT] = {
        li,
        w[P_B], wo[P_B], w[P_G], wo[P_G], w[P_ECOH], wo[P_ECOH],
        sqrt(w[P_B] * r5w / w[P_M]), sqrt(wo[P_B] * r5o / wo[P_M]),
        sqrt(w[P_G] * r5w / w[P_M]), sqrt(wo[P_G] * r5o / wo[P_M]),
        sqrt(w[P_ECOH] * w[P_R] * w[P_R] / w[P_M]), sqrt(wo[P_ECOH] * wo[P_R] * wo[P_R] / wo[P_M]),
        w[P_R], wo[P_R], wo[P_R] / w[P_R],
        w[P_M], wo[P_M], w[P_X], wo[P_X], wo[P_X] - w[P_X],
    };
    for (int i = 0; i < VT_N_COMPFEAT; i++) out[i] = v[i];
    return VT_OK;
}
