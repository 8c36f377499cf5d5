/* test_filter.c - the OPTIMADE filter parser (server/filter.c) against the spec's own examples
** (optimade.rst v1.1: valid and invalid numbers of "Lexical Tokens", the fully braced forms of
** "Precedence", the string escape example) and the SQL generator's invariants (server/sql.c):
** no filter text in the SQL, one '?' per parameter, NOT pushed to the leaves, 400 vs 501. */
#include <string.h>

#include "server/optimade.h"
#include "test.h"

static vt_status parse(const char *text, vt_flt_node **out) { return vt_flt_parse(text, strlen(text), out); }

/* Fully braced text of a tree: "(a OR b)", "NOT x", "p > 1". */
static void braced(const vt_flt_node *n, char *buf, size_t size)
{
    char a[512] = "", b[512] = "";
    switch (n->kind) {
    case VT_FLT_AND: case VT_FLT_OR:
        braced(n->a, a, sizeof a);
        braced(n->b, b, sizeof b);
        snprintf(buf, size, "(%s %s %s)", a, n->kind == VT_FLT_AND ? "AND" : "OR", b);
        break;
    case VT_FLT_NOT:
        braced(n->a, a, sizeof a);
        snprintf(buf, size, "(NOT %s)", a);
        break;
    case VT_FLT_CMP:
        snprintf(buf, size, "%s %s %s", n->values[0].text, vt_flt_op_text(n->op), n->values[1].text);
        break;
    default:
        snprintf(buf, size, "%s ...", n->n_props ? n->props[0] : "?");
        break;
    }
}

static void test_numbers(void)
{
    /* spec, "Numeric values": valid and invalid examples, as the right side of a comparison */
    static const char *const valid[] = {"12345", "+12", "-34", "1.2", ".2E7", "-.2E+7", "+10.01E-10", "6.03e23",
                                        ".1E1", "-.1e1", "1.e-12", "-.1e-12", "1000000000.E1000000000", "1.", ".1"};
    static const char *const invalid[] = {"1.234D12", ".e1", "-.E1", "+.E2", "1.23E+++", "+-123"};
    char f[96];
    for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++) {
        vt_flt_node *n = NULL;
        snprintf(f, sizeof f, "x = %s", valid[k]);
        CHECK(parse(f, &n) == VT_OK);
        if (n) CHECK(n->values[1].kind == VT_FV_NUMBER && strcmp(n->values[1].text, valid[k]) == 0);
        vt_flt_free(n);
    }
    for (size_t k = 0; k < sizeof invalid / sizeof invalid[0]; k++) {
        vt_flt_node *n = NULL;
        snprintf(f, sizeof f, "x = %s", invalid[k]);
        CHECK(parse(f, &n) == VT_EPARSE && n == NULL);
    }
    vt_flt_node *n = NULL;
    CHECK(parse("x = 1000000000.E1000000000", &n) == VT_OK && n && n->values[1].is_out_of_range);
    vt_flt_free(n);
}

static void test_precedence(void)
{
    /* spec, "Precedence": the two examples and their fully braced forms */
    static const char *const cases[][2] = {
        {"NOT a > b OR c = 100 AND f = \"C2 H6\"", "((NOT a > b) OR (c = 100 AND f = C2 H6))"},
        {"a >= 0 AND NOT b < c OR c = 0", "((a >= 0 AND (NOT b < c)) OR c = 0)"},
        {"a=1 AND b=2 AND c=3", "((a = 1 AND b = 2) AND c = 3)"},
        {"NOT (a=1 OR b=2)", "(NOT (a = 1 OR b = 2))"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        vt_flt_node *n = NULL;
        char got[1024] = "";
        CHECK(parse(cases[k][0], &n) == VT_OK);
        if (n) braced(n, got, sizeof got);
        if (strcmp(got, cases[k][1]) != 0) fprintf(stderr, "  %s -> %s, want %s\n", cases[k][0], got, cases[k][1]);
        CHECK(strcmp(got, cases[k][1]) == 0);
        vt_flt_free(n);
    }
}

static void test_strings_and_errors(void)
{
    vt_flt_node *n = NULL;
    /* spec's escape example: \" is a quote, \\ a backslash */
    CHECK(parse("x = \"a \\\"q\\\" \\\\ b\\\\\\\\\"", &n) == VT_OK);
    if (n) CHECK(strcmp(n->values[1].text, "a \"q\" \\ b\\\\") == 0);
    vt_flt_free(n);
    static const char *const bad[] = {"", "   ", "x =", "x = \"open", "x = \"\\n\"", "X = 1", "x = 1 AND", "(x = 1",
                                      "x = 1)", "x HAS", "x IS", "x LENGTH", "NOT NOT x = 1", "x = 'a'", "x == 1",
                                      "x = \"\xff\"", "x = \"\xed\xa0\x80\"", "x = 1 y = 2", "a:b HAS 1:2:3", "x = Li"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        n = NULL;
        vt_status s = parse(bad[k], &n);
        if (s != VT_EPARSE) fprintf(stderr, "  should fail: '%s'\n", bad[k]);
        CHECK(s == VT_EPARSE && n == NULL);
        CHECK(strncmp(vt_errmsg(), "filter: ", 8) == 0);
    }
    CHECK(parse("nelements = 2 AND elements HAS \"Li\" OR x", &n) == VT_EPARSE);
    CHECK(strstr(vt_errmsg(), "position 41") != NULL); /* the end of the filter, 1-based */
    char deep[400];
    memset(deep, '(', 100);
    snprintf(deep + 100, sizeof deep - 100, "x = 1");
    CHECK(vt_flt_parse(deep, strlen(deep), &n) == VT_EPARSE && strstr(vt_errmsg(), "nested deeper"));
    CHECK(vt_flt_parse("x = 1\0 OR y = 2", 15, &n) == VT_EPARSE && strstr(vt_errmsg(), "NUL"));
}

/* SQL of a filter; the status of the generation. Text parameters point into the tree, which
 * stays alive until done() (as during a request). */
static vt_flt_node *tree;

static vt_status sql_of(const char *filter, vt_sqlq *q)
{
    memset(q, 0, sizeof *q);
    vt_status s = parse(filter, &tree);
    if (s == VT_OK) s = vt_optimade_where(tree, q);
    return s;
}

static void done(vt_sqlq *q)
{
    vt_sqlq_clear(q);
    vt_flt_free(tree);
    tree = NULL;
}

static size_t marks(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += *s == '?';
    return n;
}

static void test_sql(void)
{
    vt_sqlq q;
    /* values never enter the text; one '?' per parameter */
    CHECK(sql_of("chemical_formula_reduced = \"x') OR 1=1; DROP TABLE runs; --\"", &q) == VT_OK);
    CHECK(strstr(q.sql.p, "DROP") == NULL && marks(q.sql.p) == q.n_params && q.n_params == 1);
    CHECK(q.params[0].type == VT_SQL_TEXT && strcmp(q.params[0].text, "x') OR 1=1; DROP TABLE runs; --") == 0);
    done(&q);
    /* NOT pushed to the leaves: De Morgan and flipped operators, IN <-> NOT IN */
    CHECK(sql_of("NOT (nelements > 2 OR _vitrum_d_li_1000k < 1e-5)", &q) == VT_OK);
    CHECK(strcmp(q.sql.p, "((c.nelements <= ?) AND (r.id IN (SELECT run_id FROM diffusivities WHERE element = ? AND t_k = ?"
                          " AND d_cm2_s >= ?)))") == 0);
    CHECK(q.n_params == 4 && q.params[1].type == VT_SQL_TEXT && strcmp(q.params[1].text, "Li") == 0 &&
          q.params[2].r == 1000.0 && q.params[3].r == 1e-5);
    done(&q);
    CHECK(sql_of("NOT elements HAS ALL \"Li\",\"Si\",\"Li\"", &q) == VT_OK);
    CHECK(strstr(q.sql.p, "c.id NOT IN") && q.n_params == 4 && q.params[3].type == VT_SQL_INT && q.params[3].i == 2);
    done(&q);
    CHECK(sql_of("nsites > 3", &q) == VT_OK && q.needs_structure);
    done(&q);
    /* constant first: 3 < x is x > 3 */
    CHECK(sql_of("3 < nelements", &q) == VT_OK && strcmp(q.sql.p, "(c.nelements > ?)") == 0);
    done(&q);
    /* timestamps: RFC 3339 with an offset becomes the store's UTC text; fractions round outward */
    CHECK(sql_of("last_modified >= \"2024-05-01T14:00:00.25+02:00\"", &q) == VT_OK);
    CHECK(q.n_params == 1 && strcmp(q.params[0].text, "2024-05-01T12:00:01Z") == 0);
    done(&q);
    /* 400: unknown names, bad timestamps; 501: valid but unsupported constructs */
    static const char *const e400[] = {"foo = 1", "_vitrum_nope = 1", "last_modified > \"2024-02-30T00:00:00Z\""};
    static const char *const e501[] = {"nelements = \"2\"", "a.b = 1", "1 = 1", "nsites = nelements",
                                       "elements HAS < \"Li\"", "elements:elements_ratios HAS \"Li\":1",
                                       "lattice_vectors HAS 1", "nelements > 1e999", "elements = \"Li\""};
    for (size_t k = 0; k < sizeof e400 / sizeof e400[0]; k++) {
        CHECK(sql_of(e400[k], &q) == VT_EINVAL);
        done(&q);
    }
    for (size_t k = 0; k < sizeof e501 / sizeof e501[0]; k++) {
        vt_status s = sql_of(e501[k], &q);
        if (s != VT_ENOTSUP) fprintf(stderr, "  want 501: %s\n", e501[k]);
        CHECK(s == VT_ENOTSUP);
        done(&q);
    }
    /* another provider's property: unknown, never matches, with a warning */
    CHECK(sql_of("_exmpl_band_gap < 2", &q) == VT_OK && strcmp(q.sql.p, "(1 = 0)") == 0 && q.warning[0]);
    done(&q);
    /* sort: unknown values last on both back ends, ties by run */
    memset(&q, 0, sizeof q);
    CHECK(vt_optimade_order_by("-nelements", &q) == VT_OK &&
          strcmp(q.sql.p, " ORDER BY (c.nelements) IS NULL, c.nelements DESC, r.id") == 0);
    vt_sqlq_clear(&q);
    CHECK(vt_optimade_order_by("id", &q) == VT_EINVAL);
    vt_sqlq_clear(&q);
}

int main(void)
{
    test_numbers();
    test_precedence();
    test_strings_and_errors();
    test_sql();
    TEST_DONE();
}
