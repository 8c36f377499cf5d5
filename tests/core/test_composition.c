/* test_composition.c - formula parsing, fractions, reduced formulas, and error positions. */
#include <string.h>

#include "test.h"
#include "vitrum.h"

static double amount(const vt_composition *c, const char *sym)
{
    int Z = vt_element_by_symbol(sym)->Z;
    for (size_t i = 0; i < c->n_species; i++)
        if (c->Z[i] == Z) return c->amount[i];
    return 0.0;
}

static void parses(void)
{
    vt_composition c;
    CHECK(vt_composition_parse("Li10Zr3(Si8Sn)3", &c) == VT_OK);
    CHECK(c.n_species == 4);
    CHECK_REL(amount(&c, "Si"), 24, 0);
    CHECK_REL(amount(&c, "Sn"), 3, 0);
    CHECK_REL(vt_composition_total(&c), 40, 0);
    CHECK(vt_composition_parse("Li3Bi2(PO4)3", &c) == VT_OK);
    CHECK_REL(amount(&c, "O"), 12, 0);
    CHECK(vt_composition_parse(" Li0.5 La0.5 Ti O3 ", &c) == VT_OK);
    CHECK_REL(vt_composition_fraction(&c, 3), 0.1, 1e-15);
    CHECK(vt_composition_parse("Ca[Al(SiO2)2]2", &c) == VT_OK);
    CHECK_REL(amount(&c, "O"), 8, 0);
    CHECK(vt_composition_parse("LiOLi", &c) == VT_OK); /* repeats merge */
    CHECK(c.n_species == 2 && amount(&c, "Li") == 2);
    CHECK(vt_composition_parse("Co", &c) == VT_OK && c.Z[0] == 27);
    CHECK(vt_composition_parse("CO", &c) == VT_OK && c.n_species == 2);
}

static void reduced(void)
{
    vt_composition c;
    char buf[64];
    CHECK(vt_composition_parse("Li4O2", &c) == VT_OK);
    CHECK(vt_composition_reduced_formula(&c, buf, sizeof buf) == VT_OK);
    CHECK(strcmp(buf, "Li2O") == 0);
    CHECK(vt_composition_parse("O4Si2Li4", &c) == VT_OK);
    CHECK(vt_composition_reduced_formula(&c, buf, sizeof buf) == VT_OK);
    CHECK(strcmp(buf, "Li2SiO2") == 0);
    CHECK(vt_composition_reduced_formula(&c, buf, 3) == VT_ERANGE);
}

static void rejects(const char *text, const char *fragment)
{
    vt_composition c;
    vt_status s = vt_composition_parse(text, &c);
    CHECK(s == VT_EPARSE);
    if (!strstr(vt_errmsg(), fragment)) fprintf(stderr, "'%s': message '%s' lacks '%s'\n", text, vt_errmsg(), fragment);
    CHECK(strstr(vt_errmsg(), fragment) != NULL);
    CHECK(strchr(vt_errmsg(), '\n') == NULL);
}

static void errors(void)
{
    rejects("LiXx2", "position 3: unknown element 'Xx'");
    rejects("", "empty formula");
    rejects("Li2(O", "missing ')'");
    rejects("Li2O)", "unbalanced");
    rejects("li2o", "position 1: expected an element symbol");
    rejects("Li0O", "amount must be > 0");
    rejects("Li99999999999O", "too large");
    rejects("Li()2", "empty formula or group");
    rejects("((((((((((((((((((Li))))))))))))))))))", "nested too deeply");
    rejects("Li2O#", "position 5");
    rejects("Li1.5.5O", "position 6");
}

int main(void)
{
    parses();
    reduced();
    errors();
    TEST_DONE();
}
