/* composition.c - chemical formulas: parse ("Li10Zr3(Si8Sn)3", "Li0.5La0.5TiO3"), fractions,
** reduced formula.
**   formula := term*      term := (symbol | '(' formula ')' | '[' formula ']') amount?
**   symbol  := [A-Z][a-z]? (an element of Z 1..94)      amount := decimal number > 0
** Whitespace between terms is ignored. Errors name the formula and the 1-based position. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MAX_DEPTH 16          /* nesting of parentheses; deeper is rejected, not recursed into */
#define MAX_AMOUNT 1e9        /* atoms per formula unit; beyond this a formula is not chemistry */
#define MAX_TEXT 4096

typedef struct parser {
    const char *text;
    size_t pos;
} parser;

static vt_status fail_at(const parser *p, const char *what)
{
    VT_FAIL(VT_EPARSE, "formula '%.64s%s': position %zu: %s", p->text,
            strlen(p->text) > 64 ? "..." : "", p->pos + 1, what);
}

static void skip_space(parser *p)
{
    while (isspace((unsigned char)p->text[p->pos])) p->pos++;
}

/* Adds amount of element Z into c, merging repeats ("LiOLi" = Li2O). */
static vt_status add_species(parser *p, vt_composition *c, int Z, double amount)
{
    for (size_t i = 0; i < c->n_species; i++)
        if (c->Z[i] == Z) {
            c->amount[i] += amount;
            return VT_OK;
        }
    if (c->n_species == VT_MAX_SPECIES) return fail_at(p, "more than 32 distinct elements");
    c->Z[c->n_species] = Z;
    c->amount[c->n_species++] = amount;
    return VT_OK;
}

/* An optional amount after a term; 1 when absent. */
static vt_status parse_amount(parser *p, double *amount)
{
    skip_space(p);
    const char *s = p->text + p->pos;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1]))) {
        *amount = 1.0;
        return VT_OK;
    }
    size_t n = 0;
    while (isdigit((unsigned char)s[n])) n++;
    if (s[n] == '.') {
        n++;
        while (isdigit((unsigned char)s[n])) n++;
    }
    char buf[64];
    if (n >= sizeof buf) return fail_at(p, "amount has too many digits");
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!(v > 0.0)) return fail_at(p, "amount must be > 0");
    if (v > MAX_AMOUNT) return fail_at(p, "amount too large (> 1e9)");
    p->pos += n;
    *amount = v;
    return VT_OK;
}

static vt_status parse_symbol(parser *p, int *Z)
{
    const char *s = p->text + p->pos;
    if (!isupper((unsigned char)s[0])) return fail_at(p, "expected an element symbol");
    char sym[3] = {s[0], 0, 0};
    size_t n = 1;
    if (islower((unsigned char)s[1])) sym[n++] = s[1];
    const vt_element *e = vt_element_by_symbol(sym);
    if (!e) {
        char msg[64];
        snprintf(msg, sizeof msg, "unknown element '%s'", sym);
        return fail_at(p, msg);
    }
    p->pos += n;
    *Z = e->Z;
    return VT_OK;
}

static vt_status parse_formula(parser *p, vt_composition *c, int depth, char closing);

/* One term scaled by the multiplier of everything that encloses it. */
static vt_status parse_term(parser *p, vt_composition *c, int depth)
{
    char open = p->text[p->pos];
    if (open == '(' || open == '[') {
        if (depth >= MAX_DEPTH) return fail_at(p, "parentheses nested too deeply");
        p->pos++;
        vt_composition inner = {0};
        VT_TRY(parse_formula(p, &inner, depth + 1, open == '(' ? ')' : ']'));
        double mult;
        VT_TRY(parse_amount(p, &mult));
        for (size_t i = 0; i < inner.n_species; i++) {
            double a = inner.amount[i] * mult;
            if (a > MAX_AMOUNT) return fail_at(p, "amount too large (> 1e9)");
            VT_TRY(add_species(p, c, inner.Z[i], a));
        }
        return VT_OK;
    }
    int Z = 0;
    double amount = 1.0;
    VT_TRY(parse_symbol(p, &Z));
    VT_TRY(parse_amount(p, &amount));
    return add_species(p, c, Z, amount);
}

static vt_status parse_formula(parser *p, vt_composition *c, int depth, char closing)
{
    size_t start = p->pos;
    for (;;) {
        skip_space(p);
        char ch = p->text[p->pos];
        if (ch == '\0') {
            if (closing) return fail_at(p, closing == ')' ? "missing ')'" : "missing ']'");
            break;
        }
        if (ch == ')' || ch == ']') {
            if (ch != closing) return fail_at(p, "unbalanced closing bracket");
            p->pos++;
            break;
        }
        VT_TRY(parse_term(p, c, depth));
    }
    if (c->n_species == 0) {
        p->pos = start;
        return fail_at(p, "empty formula or group");
    }
    return VT_OK;
}

vt_status vt_composition_parse(const char *text, vt_composition *out)
{
    memset(out, 0, sizeof *out);
    if (!text) VT_FAIL(VT_EINVAL, "formula: NULL text");
    if (strlen(text) > MAX_TEXT) VT_FAIL(VT_EPARSE, "formula: longer than %d characters", MAX_TEXT);
    parser p = {text, 0};
    vt_composition c = {0};
    VT_TRY(parse_formula(&p, &c, 0, '\0'));
    *out = c;
    return VT_OK;
}

double vt_composition_total(const vt_composition *c)
{
    double total = 0.0;
    for (size_t i = 0; i < c->n_species; i++) total += c->amount[i];
    return total;
}

double vt_composition_fraction(const vt_composition *c, int Z)
{
    for (size_t i = 0; i < c->n_species; i++)
        if (c->Z[i] == Z) return c->amount[i] / vt_composition_total(c);
    return 0.0;
}

static long gcd(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The common divisor of the amounts when all are whole numbers, else 1. */
static double reduction_factor(const vt_composition *c)
{
    long g = 0;
    for (size_t i = 0; i < c->n_species; i++) {
        double a = c->amount[i];
        if (fabs(a - nearbyint(a)) > 1e-8 * fmax(1.0, a)) return 1.0;
        g = gcd(g, (long)nearbyint(a));
    }
    return g > 0 ? (double)g : 1.0;
}

/* pymatgen's order: electronegativity, then symbol; elements without X go last. */
static int by_electronegativity(const void *a, const void *b)
{
    const vt_element *ea = vt_element_by_Z(*(const int *)a), *eb = vt_element_by_Z(*(const int *)b);
    double xa = isnan(ea->X_pauling) ? INFINITY : ea->X_pauling;
    double xb = isnan(eb->X_pauling) ? INFINITY : eb->X_pauling;
    if (xa != xb) return xa < xb ? -1 : 1;
    return strcmp(ea->symbol, eb->symbol);
}

vt_status vt_composition_reduced_formula(const vt_composition *c, char *buf, size_t size)
{
    int order[VT_MAX_SPECIES];
    double amount_of[VT_MAX_Z + 1] = {0};
    for (size_t i = 0; i < c->n_species; i++) {
        order[i] = c->Z[i];
        amount_of[c->Z[i]] = c->amount[i];
    }
    qsort(order, c->n_species, sizeof order[0], by_electronegativity);
    double factor = reduction_factor(c);
    size_t used = 0;
    if (size == 0) VT_FAIL(VT_ERANGE, "reduced formula: buffer too small");
    buf[0] = '\0';
    for (size_t i = 0; i < c->n_species; i++) {
        double a = amount_of[order[i]] / factor;
        const char *sym = vt_element_by_Z(order[i])->symbol;
        int n = fabs(a - 1.0) < 1e-8 ? snprintf(buf + used, size - used, "%s", sym)
                                     : snprintf(buf + used, size - used, "%s%.8g", sym, a);
        if (n < 0 || (size_t)n >= size - used) VT_FAIL(VT_ERANGE, "reduced formula: buffer too small");
        used += (size_t)n;
    }
    return VT_OK;
}
