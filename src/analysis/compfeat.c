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

/* ---------------------------------------------------------------------------------------------
** vitrum's extra composition statistics (not in the paper). x_i atom fraction over all atoms,
** w_i over non-Li atoms, rc Cordero covalent radius (A), v(r) = 4/3 pi r^3 (A^3):
**   all_vcov = sum_i x_i v(rc_i)      nl_vcov = sum_i w_i v(rc_i)      (A^3/atom)
**   li_vcov_frac = x_Li v(rc_Li) / all_vcov        (share of the atomic volume that is Li)
**   f_anion, f_hal, f_chalc, f_pnic = sum of x_i over groups 15-18, 17, 16, 15
**   f_tm = groups 3-12 (f-block counts as 3), f_alk = groups 1-2 except Li, f_grp13_14
**   n_elem = number of elements; li_per_anion = x_Li / (f_anion + 0.05)  (0.05: no division by 0)
**   nl_max_grp, nl_mean_grp, nl_mean_row, nl_max_X, nl_min_X, nl_std_X = sqrt(sum w (X - mean)^2),
**   nl_mean_rc = sum w rc, all_mean_rc = sum x rc.
** Chosen in a grouped cross-validation study of the paper's table (README, "Learning"). */
static const char *const extra_names[VT_N_COMPEXTRA] = {
    "all_vcov", "nl_vcov", "li_vcov_frac", "f_anion", "f_hal", "f_chalc", "f_pnic", "f_tm",
    "f_alk", "f_grp13_14", "n_elem", "li_per_anion", "nl_max_grp", "nl_mean_grp", "nl_mean_row",
    "nl_max_X", "nl_min_X", "nl_std_X", "nl_mean_rc", "all_mean_rc",
};

const char *const *vt_compextra_names(void) { return extra_names; }

static double sphere_A3(double r) { return 4.0 / 3.0 * M_PI * r * r * r; }

typedef struct family_sums { double anion, hal, chalc, pnic, tm, alk, g13_14; } family_sums;

static void add_family(family_sums *f, const vt_element *e, double x)
{
    int g = e->group;
    if (g >= 15) f->anion += x;
    if (g == 17) f->hal += x;
    if (g == 16) f->chalc += x;
    if (g == 15) f->pnic += x;
    if (g >= 3 && g <= 12) f->tm += x;
    if (g <= 2 && e->Z != LI) f->alk += x;
    if (g == 13 || g == 14) f->g13_14 += x;
}

vt_status vt_compextra_compute(const vt_composition *c, double out[VT_N_COMPEXTRA])
{
    double total = vt_composition_total(c), x_li = vt_composition_fraction(c, LI);
    if (!(x_li < 1.0)) VT_FAIL(VT_ERANGE, "composition statistics: composition has no non-Li atom");
    double all_v = 0, nl_v = 0, mean_grp = 0, mean_row = 0, max_grp = -1, max_x = -INFINITY, min_x = INFINITY;
    double mean_x = 0, mean_rc = 0, all_rc = 0;
    family_sums fam = {0};
    for (size_t i = 0; i < c->n_species; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        double x = c->amount[i] / total, w = e->Z == LI ? 0.0 : x / (1.0 - x_li);
        if (isnan(e->covalent_radius_A) || (w > 0 && isnan(e->X_pauling)))
            VT_FAIL(VT_ERANGE, "composition statistics: element %s has no %s value", e->symbol,
                    isnan(e->covalent_radius_A) ? "covalent radius" : "Pauling electronegativity");
        all_v += x * sphere_A3(e->covalent_radius_A);
        all_rc += x * e->covalent_radius_A;
        add_family(&fam, e, x);
        if (w == 0.0) continue;
        nl_v += w * sphere_A3(e->covalent_radius_A);
        mean_grp += w * e->group, mean_row += w * e->row, mean_x += w * e->X_pauling;
        mean_rc += w * e->covalent_radius_A;
        max_grp = fmax(max_grp, e->group), max_x = fmax(max_x, e->X_pauling), min_x = fmin(min_x, e->X_pauling);
    }
    double var_x = 0;
    for (size_t i = 0; i < c->n_species; i++) {
        const vt_element *e = vt_element_by_Z(c->Z[i]);
        if (e->Z != LI) var_x += c->amount[i] / total / (1.0 - x_li) * pow(e->X_pauling - mean_x, 2);
    }
    const vt_element *li = vt_element_by_Z(LI);
    const double v[VT_N_COMPEXTRA] = {
        all_v, nl_v, x_li * sphere_A3(li->covalent_radius_A) / all_v, fam.anion, fam.hal, fam.chalc,
        fam.pnic, fam.tm, fam.alk, fam.g13_14, (double)c->n_species, x_li / (fam.anion + 0.05),
        max_grp, mean_grp, mean_row, max_x, min_x, sqrt(var_x), mean_rc, all_rc,
    };
    for (int i = 0; i < VT_N_COMPEXTRA; i++) out[i] = v[i];
    return VT_OK;
}
