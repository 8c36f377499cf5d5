/*
** potfile.c - strict reader of vitrum's pair-potential parameter files (docs/potentials.md).
**   One statement per line, '#' starts a comment, blank lines are skipped:
**     cutoff R | shift yes|no | table yes|no | skin R
**     charge El Q
**     coulomb none | coulomb dsf alpha A cutoff R | coulomb ewald cutoff R accuracy ACC [alpha A]
**     pair El1 El2 lj|buck|morse KEY VALUE ...   (keys per form below; B12, zbl_inner, zbl_outer,
**                                                 cutoff optional)
**   Units: Angstrom, eV, e. Every error is VT_EPARSE "path:line: field: message"; unknown
**   keywords and keys, repeated statements and missing values are errors, never skipped.
**   Tests: tests/calc/test_pair.c (good and bad files).
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calc/pair.h"
#include "core/error.h"
#include "io/text.h"

#define MAX_TOKENS 32
#define MAX_CUTOFF_A 100.0 /* beyond this a cutoff is a typo, not physics */

typedef struct form_info {
    const char *name;
    vt_sr_form form;
    const char *keys[3];   /* required keys, stored in p[0..2] */
} form_info;

static const form_info forms[] = {
    {"lj", VT_SR_LJ, {"epsilon", "sigma", NULL}},
    {"buck", VT_SR_BUCK, {"A", "rho", "C"}},
    {"morse", VT_SR_MORSE, {"D", "a", "r0"}},
};

/* Parser state beyond the potential itself: what was seen, and where. */
typedef struct reader {
    vt_lines rd;
    vt_potential *p;
    double cutoff;          /* global short-range cutoff; NaN = not given */
    size_t seen_cutoff, seen_shift, seen_table, seen_skin, seen_coulomb; /* line, 0 = not seen */
    size_t charge_line[VT_MAX_Z + 1];
    size_t cap_terms;
} reader;

static vt_status fail(const reader *r, const char *field, const char *msg, const char *tok)
{
    VT_FAIL_AT(VT_EPARSE, r->rd.path, r->rd.line, field, "%s%s%.40s%s", msg, tok ? " '" : "", tok ? tok : "",
               tok ? "'" : "");
}

static vt_status once(reader *r, size_t *seen, const char *kw)
{
    if (*seen) VT_FAIL_AT(VT_EPARSE, r->rd.path, r->rd.line, kw, "repeated (first on line %zu)", *seen);
    *seen = r->rd.line;
    return VT_OK;
}

/* A number in [lo, hi] (a NaN bound is open on that side). */
static vt_status number(const reader *r, const char *field, const char *tok, double lo, double hi, double *v)
{
    VT_TRY(vt_parse_double(&r->rd, field, tok, v));
    if ((!isnan(lo) && *v < lo) || (!isnan(hi) && *v > hi))
        VT_FAIL_AT(VT_EPARSE, r->rd.path, r->rd.line, field, "%g is outside [%g, %g]", *v, lo, hi);
    return VT_OK;
}

static vt_status element(const reader *r, const char *field, const char *tok, int *Z)
{
    const vt_element *e = vt_element_by_symbol(tok);
    if (!e) return fail(r, field, "unknown element", tok);
    *Z = e->Z;
    return VT_OK;
}

static vt_status yes_no(const reader *r, const char *kw, const char *tok, int *v)
{
    if (strcmp(tok, "yes") == 0) *v = 1;
    else if (strcmp(tok, "no") == 0) *v = 0;
    else return fail(r, kw, "expected yes or no, got", tok);
    return VT_OK;
}

static vt_status need_args(const reader *r, const char *kw, size_t n_tok, size_t want)
{
    if (n_tok != want)
        VT_FAIL_AT(VT_EPARSE, r->rd.path, r->rd.line, kw, "expected %zu value%s, got %zu", want - 1,
                   want == 2 ? "" : "s", n_tok - 1);
    return VT_OK;
}

/* "coulomb none | dsf alpha A cutoff R | ewald cutoff R accuracy ACC [alpha A]" */
static vt_status parse_coulomb(reader *r, char **tok, size_t n)
{
    vt_potential *p = r->p;
    VT_TRY(once(r, &r->seen_coulomb, "coulomb"));
    if (n < 2) return fail(r, "coulomb", "expected none, dsf or ewald", NULL);
    if (strcmp(tok[1], "none") == 0) {
        p->coul = VT_COUL_NONE;
        return need_args(r, "coulomb", n - 1, 1);
    }
    if (strcmp(tok[1], "dsf") == 0) p->coul = VT_COUL_DSF;
    else if (strcmp(tok[1], "ewald") == 0) p->coul = VT_COUL_EWALD;
    else return fail(r, "coulomb", "expected none, dsf or ewald, got", tok[1]);
    if (n % 2 != 0) return fail(r, "coulomb", "expected KEY VALUE pairs after", tok[1]);
    int has_alpha = 0, has_cut = 0, has_acc = 0;
    p->coul_alpha = 0.0;
    for (size_t k = 2; k < n; k += 2) {
        int *flag;
        double *dst, lo = 0.0, hi = NAN;
        if (strcmp(tok[k], "alpha") == 0) flag = &has_alpha, dst = &p->coul_alpha, hi = 10.0;
        else if (strcmp(tok[k], "cutoff") == 0) flag = &has_cut, dst = &p->coul_cutoff, hi = MAX_CUTOFF_A;
        else if (strcmp(tok[k], "accuracy") == 0 && p->coul == VT_COUL_EWALD)
            flag = &has_acc, dst = &p->ewald_accuracy, lo = 1e-16, hi = 0.01;
        else return fail(r, "coulomb", "unknown key", tok[k]);
        if (*flag) return fail(r, "coulomb", "repeated key", tok[k]);
        *flag = 1;
        VT_TRY(number(r, tok[k], tok[k + 1], lo, hi, dst));
    }
    if (!has_cut || !(p->coul_cutoff > 0)) return fail(r, "coulomb", "needs cutoff > 0 (A)", NULL);
    if (p->coul == VT_COUL_DSF && !has_alpha) return fail(r, "coulomb", "dsf needs alpha (1/A)", NULL);
    if (p->coul == VT_COUL_EWALD && !has_acc) return fail(r, "coulomb", "ewald needs accuracy", NULL);
    if (p->coul == VT_COUL_EWALD && has_alpha && !(p->coul_alpha > 0))
        return fail(r, "alpha", "Ewald alpha must be > 0", NULL);
    return VT_OK;
}

static vt_status add_term(reader *r, vt_sr_term **out)
{
    vt_potential *p = r->p;
    if (p->n_terms == r->cap_terms) {
        size_t cap = r->cap_terms ? 2 * r->cap_terms : 16;
        vt_sr_term *t = vt_realloc(p->terms, cap * sizeof *t);
        if (!t) VT_FAIL(VT_ENOMEM, "%s: out of memory", r->rd.path);
        p->terms = t;
        r->cap_terms = cap;
    }
    *out = &p->terms[p->n_terms++];
    memset(*out, 0, sizeof **out);
    return VT_OK;
}

/* Checks of a complete pair line that involve several keys. */
static vt_status check_term(const reader *r, const vt_sr_term *t, int has_inner, int has_outer)
{
    if (t->form != VT_SR_LJ && !(t->p[1] > 0))
        return fail(r, t->form == VT_SR_BUCK ? "rho" : "a", "must be > 0", NULL);
    if (t->form == VT_SR_LJ && !(t->p[1] > 0)) return fail(r, "sigma", "must be > 0", NULL);
    if (t->form == VT_SR_MORSE && !(t->p[2] > 0)) return fail(r, "r0", "must be > 0", NULL);
    if (has_inner != has_outer) return fail(r, "zbl_inner", "zbl_inner and zbl_outer go together", NULL);
    if (has_inner && !(t->zbl_inner > 0 && t->zbl_inner < t->zbl_outer))
        return fail(r, "zbl_outer", "need 0 < zbl_inner < zbl_outer", NULL);
    return VT_OK;
}

/* "pair El1 El2 FORM KEY VALUE ..." */
static vt_status parse_pair(reader *r, char **tok, size_t n)
{
    if (n < 4) return fail(r, "pair", "expected El1 El2 FORM KEY VALUE ...", NULL);
    int Z1 = 0, Z2 = 0;
    VT_TRY(element(r, "pair", tok[1], &Z1));
    VT_TRY(element(r, "pair", tok[2], &Z2));
    if (Z1 > Z2) {
        int z = Z1;
        Z1 = Z2, Z2 = z;
    }
    for (size_t k = 0; k < r->p->n_terms; k++)
        if (r->p->terms[k].Z1 == Z1 && r->p->terms[k].Z2 == Z2)
            VT_FAIL_AT(VT_EPARSE, r->rd.path, r->rd.line, "pair", "%s-%s repeated (first on line %zu)", tok[1],
                       tok[2], r->p->terms[k].line);
    const form_info *fi = NULL;
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
        if (strcmp(tok[3], forms[k].name) == 0) fi = &forms[k];
    if (!fi) return fail(r, "pair", "unknown form (lj, buck, morse):", tok[3]);
    if (n % 2 != 0) return fail(r, tok[3], "expected KEY VALUE pairs", NULL);
    vt_sr_term *t = NULL;
    VT_TRY(add_term(r, &t));
    t->Z1 = Z1, t->Z2 = Z2, t->form = fi->form, t->line = r->rd.line, t->cutoff = NAN;
    int has[3] = {0}, has_B = 0, has_in = 0, has_out = 0, has_cut = 0;
    for (size_t k = 4; k < n; k += 2) {
        const char *key = tok[k];
        int *flag = NULL;
        double *dst = NULL, lo = NAN, hi = NAN;
        for (int q = 0; q < 3; q++)
            if (fi->keys[q] && strcmp(key, fi->keys[q]) == 0) flag = &has[q], dst = &t->p[q];
        if (flag) {
            if (fi->form == VT_SR_BUCK && dst != &t->p[2]) lo = 0.0; /* A, rho >= 0 */
            if (fi->form == VT_SR_MORSE) lo = 0.0;                   /* D, a, r0 >= 0 */
        } else if (strcmp(key, "B12") == 0) flag = &has_B, dst = &t->B12, lo = 0.0;
        else if (strcmp(key, "zbl_inner") == 0) flag = &has_in, dst = &t->zbl_inner, lo = 0.0;
        else if (strcmp(key, "zbl_outer") == 0) flag = &has_out, dst = &t->zbl_outer, lo = 0.0;
        else if (strcmp(key, "cutoff") == 0) flag = &has_cut, dst = &t->cutoff, lo = 0.0, hi = MAX_CUTOFF_A;
        else return fail(r, tok[3], "unknown key", key);
        if (*flag) return fail(r, tok[3], "repeated key", key);
        *flag = 1;
        VT_TRY(number(r, key, tok[k + 1], lo, hi, dst));
    }
    for (int q = 0; q < 3; q++)
        if (fi->keys[q] && !has[q]) return fail(r, tok[3], "missing key", fi->keys[q]);
    VT_TRY(check_term(r, t, has_in, has_out));
    r->p->has_pair[Z1] = r->p->has_pair[Z2] = 1;
    return VT_OK;
}

static vt_status parse_line(reader *r, char *line)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *tok[MAX_TOKENS];
    size_t n = vt_split(line, tok, MAX_TOKENS);
    if (n == 0) return VT_OK;
    if (n > MAX_TOKENS) return fail(r, tok[0], "too many fields on one line", NULL);
    vt_potential *p = r->p;
    const char *kw = tok[0];
    if (strcmp(kw, "pair") == 0) return parse_pair(r, tok, n);
    if (strcmp(kw, "coulomb") == 0) return parse_coulomb(r, tok, n);
    if (strcmp(kw, "charge") == 0) {
        VT_TRY(need_args(r, kw, n, 3));
        int Z = 0;
        VT_TRY(element(r, kw, tok[1], &Z));
        VT_TRY(once(r, &r->charge_line[Z], tok[1]));
        p->has_charge[Z] = 1;
        return number(r, tok[1], tok[2], -10.0, 10.0, &p->charge[Z]);
    }
    if (strcmp(kw, "cutoff") == 0) {
        VT_TRY(need_args(r, kw, n, 2));
        VT_TRY(once(r, &r->seen_cutoff, kw));
        VT_TRY(number(r, kw, tok[1], 0.0, MAX_CUTOFF_A, &r->cutoff));
        return r->cutoff > 0 ? VT_OK : fail(r, kw, "must be > 0", NULL);
    }
    if (strcmp(kw, "skin") == 0) {
        VT_TRY(need_args(r, kw, n, 2));
        VT_TRY(once(r, &r->seen_skin, kw));
        return number(r, kw, tok[1], 0.0, 10.0, &p->skin_A);
    }
    if (strcmp(kw, "shift") == 0 || strcmp(kw, "table") == 0) {
        VT_TRY(need_args(r, kw, n, 2));
        int is_shift = kw[0] == 's';
        VT_TRY(once(r, is_shift ? &r->seen_shift : &r->seen_table, kw));
        return yes_no(r, kw, tok[1], is_shift ? &p->is_shifted : &p->use_table);
    }
    return fail(r, "keyword", "unknown (pair, charge, coulomb, cutoff, shift, table, skin):", kw);
}

/* After the last line: default cutoffs, the energy shifts, and what needs the whole file. */
static vt_status finish(reader *r)
{
    vt_potential *p = r->p;
    if (p->n_terms == 0 && p->coul == VT_COUL_NONE)
        VT_FAIL_AT(VT_EPARSE, r->rd.path, 0, NULL, "no pair and no coulomb statement: nothing to compute");
    for (size_t k = 0; k < p->n_terms; k++) {
        vt_sr_term *t = &p->terms[k];
        if (isnan(t->cutoff)) t->cutoff = r->cutoff;
        if (isnan(t->cutoff))
            VT_FAIL_AT(VT_EPARSE, r->rd.path, t->line, "cutoff", "no cutoff on this pair and no global 'cutoff'");
        if (t->zbl_outer > 0 && !(t->zbl_outer < t->cutoff))
            VT_FAIL_AT(VT_EPARSE, r->rd.path, t->line, "zbl_outer", "must be below the cutoff %g A", t->cutoff);
        t->e_shift = 0.0;
        if (p->is_shifted) {
            double e, de;
            vt_sr_eval(t, t->cutoff, &e, &de);
            t->e_shift = e;
        }
    }
    return VT_OK;
}

vt_status vt_potential_read(const char *path, vt_potential **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) VT_FAIL(VT_EIO, "%s: %s", path, strerror(errno));
    reader r;
    memset(&r, 0, sizeof r);
    r.cutoff = NAN;
    vt_lines_init(&r.rd, f, path);
    r.p = vt_calloc(1, sizeof *r.p);
    vt_status s = r.p ? VT_OK : vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
    if (s == VT_OK) {
        r.p->path = vt_strdup(path);
        r.p->is_shifted = 1;
        r.p->use_table = 1;
        r.p->skin_A = 1.0;
        if (!r.p->path) s = vt_err_set_(VT_ENOMEM, "%s: out of memory", path);
    }
    char *line = NULL;
    while (s == VT_OK && (s = vt_lines_next(&r.rd, &line)) == VT_OK && line) s = parse_line(&r, line);
    if (s == VT_OK) s = finish(&r);
    vt_lines_clear(&r.rd);
    fclose(f);
    if (s != VT_OK) {
        vt_potential_free(r.p);
        return s;
    }
    *out = r.p;
    return VT_OK;
}

void vt_potential_free(vt_potential *p)
{
    if (!p) return;
    vt_free(p->path);
    vt_free(p->terms);
    vt_free(p);
}

static const char *form_name(vt_sr_form f)
{
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
        if (forms[k].form == f) return forms[k].name;
    return "?";
}

vt_status vt_potential_text(const vt_potential *p, char **out)
{
    *out = NULL;
    vt_text t = {0};
    vt_text_printf(&t, "pair potential file %s\nshift %s\ntable %s\nskin %.17g\n", p->path,
                   p->is_shifted ? "yes" : "no", p->use_table ? "yes" : "no", p->skin_A);
    if (p->coul == VT_COUL_NONE) vt_text_printf(&t, "coulomb none\n");
    else if (p->coul == VT_COUL_DSF)
        vt_text_printf(&t, "coulomb dsf alpha %.17g cutoff %.17g\n", p->coul_alpha, p->coul_cutoff);
    else
        vt_text_printf(&t, "coulomb ewald cutoff %.17g accuracy %.17g alpha %.17g\n", p->coul_cutoff,
                       p->ewald_accuracy, p->coul_alpha);
    for (int Z = 1; Z <= VT_MAX_Z; Z++)
        if (p->has_charge[Z]) vt_text_printf(&t, "charge %s %.17g\n", vt_element_by_Z(Z)->symbol, p->charge[Z]);
    for (size_t k = 0; k < p->n_terms; k++) {
        const vt_sr_term *s = &p->terms[k];
        const form_info *fi = NULL;
        for (size_t q = 0; q < sizeof forms / sizeof forms[0]; q++)
            if (forms[q].form == s->form) fi = &forms[q];
        vt_text_printf(&t, "pair %s %s %s", vt_element_by_Z(s->Z1)->symbol, vt_element_by_Z(s->Z2)->symbol,
                       form_name(s->form));
        for (int q = 0; q < 3 && fi->keys[q]; q++) vt_text_printf(&t, " %s %.17g", fi->keys[q], s->p[q]);
        vt_text_printf(&t, " B12 %.17g", s->B12);
        if (s->zbl_outer > 0) vt_text_printf(&t, " zbl_inner %.17g zbl_outer %.17g", s->zbl_inner, s->zbl_outer);
        vt_text_printf(&t, " cutoff %.17g\n", s->cutoff);
    }
    if (t.is_oom) {
        vt_text_clear(&t);
        VT_FAIL(VT_ENOMEM, "%s: out of memory", p->path);
    }
    *out = t.p;
    return VT_OK;
}
