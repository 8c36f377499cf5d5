/*
** filter.c - the OPTIMADE v1.1 filter language: a lexer and a recursive-descent parser that build
** the tree of filter.h. Hand-written because no Debian C library parses OPTIMADE filters (the
** reference parsers are Python/Lark grammars in optimade-python-tools) and the grammar is small:
** one function per EBNF rule below, precedence comparison > NOT > AND > OR (spec, "Precedence").
**   Expression       = Clause { OR Clause }            (left-assoc; same meaning as the EBNF)
**   Clause           = Phrase { AND Phrase }
**   Phrase           = [ NOT ] ( Comparison | "(" Expression ")" )
**   Comparison       = Constant Op Value
**                    | Property ( Op Value | IS (KNOWN|UNKNOWN) | CONTAINS Value
**                               | STARTS [WITH] Value | ENDS [WITH] Value | LENGTH [Op] Value
**                               | HAS ( [Op] Value | ALL List | ANY List | ONLY List )
**                               | { ":" Property }+ HAS ( Zip | ALL Zips | ANY Zips | ONLY Zips ) )
** Lexical rules as in the EBNF: identifiers [a-z_][a-z_0-9]*, keywords are upper case, strings in
** double quotes with only \" and \\ as escapes (UTF-8 checked, control characters other than the
** grammar's spaces refused), numbers [-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?.
** Invariants: (1) a failing parse frees everything it built and returns VT_EPARSE or VT_ENOMEM;
** (2) recursion depth <= VT_FLT_MAX_DEPTH and node count <= VT_FLT_MAX_NODES, so hostile input is
** bounded in stack and memory; (3) messages quote input with control and non-ASCII bytes as '?'.
** Tests: tests/server/test_filter.c; fuzz/fuzz_filter.c.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "filter.h"

typedef enum kw {
    K_NONE, K_AND, K_OR, K_NOT, K_IS, K_KNOWN, K_UNKNOWN, K_CONTAINS, K_STARTS, K_ENDS, K_WITH,
    K_LENGTH, K_HAS, K_ALL, K_ANY, K_ONLY
} kw;

static const char *const kw_names[] = {"", "AND", "OR", "NOT", "IS", "KNOWN", "UNKNOWN", "CONTAINS",
                                       "STARTS", "ENDS", "WITH", "LENGTH", "HAS", "ALL", "ANY", "ONLY"};

typedef enum tok_type { T_END, T_LPAREN, T_RPAREN, T_COMMA, T_COLON, T_DOT, T_OP, T_KW, T_IDENT,
                        T_STRING, T_NUMBER } tok_type;

typedef struct tok {
    tok_type type;
    size_t start, len;  /* bytes of the token in the text */
    vt_flt_op op;       /* T_OP */
    kw keyword;         /* T_KW */
} tok;

typedef struct parser {
    const char *s;
    size_t n, i;        /* text, its length, the lexer's position */
    tok t;              /* the current (look-ahead) token */
    int depth;
    size_t n_nodes;
} parser;

const char *vt_flt_op_text(vt_flt_op op)
{
    static const char *const text[] = {"=", "!=", "<", "<=", ">", ">="};
    return text[op];
}

/* ---------------------------------------------------------------------------------------------
** Lexer
*/
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_lower(int c) { return (c >= 'a' && c <= 'z') || c == '_'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c > 0xF4 || len == 0 || len > n) return 0;
    for (size_t k = 1; k < len; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong 3-byte */
    if (c == 0xED && s[1] >= 0xA0) return 0; /* UTF-16 surrogates */
    if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong 4-byte */
    if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
    return len;
}

/* Up to 24 bytes of the text at off, printable ASCII only, for messages. */
static void quote(const parser *p, size_t off, size_t len, char out[32])
{
    size_t k = 0;
    if (off >= p->n) {
        strcpy(out, "end of filter");
        return;
    }
    out[k++] = '\'';
    for (size_t j = 0; j < len && j < 24 && off + j < p->n; j++) {
        unsigned char c = (unsigned char)p->s[off + j];
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[k++] = '\'';
    out[k] = '\0';
}

static vt_status fail_at(const parser *p, size_t off, size_t len, const char *what)
{
    char q[32];
    quote(p, off, len, q);
    VT_FAIL(VT_EPARSE, "filter: position %zu: %s, got %s", off + 1, what, q);
}

static vt_status lex_string(parser *p, tok *t)
{
    size_t i = p->i + 1;
    while (i < p->n && p->s[i] != '"') {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '\\') {
            if (i + 1 >= p->n || (p->s[i + 1] != '"' && p->s[i + 1] != '\\'))
                return fail_at(p, i, 2, "only \\\" and \\\\ are escapes in strings");
            i += 2;
        } else if (c >= 0x80) {
            size_t len = utf8_len((const unsigned char *)p->s + i, p->n - i);
            if (!len) return fail_at(p, i, 1, "invalid UTF-8 in a string");
            i += len;
        } else if (c < 0x20 && !is_space(c)) {
            return fail_at(p, i, 1, "control character in a string");
        } else if (c == 0x7f) {
            return fail_at(p, i, 1, "control character in a string");
        } else {
            i++;
        }
    }
    if (i >= p->n) return fail_at(p, p->i, p->n - p->i, "unterminated string");
    t->type = T_STRING;
    t->len = i + 1 - p->i;
    return VT_OK;
}

/* [-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)? ; 0 when the text at i is not a number. */
static size_t number_len(const char *s, size_t n, size_t i)
{
    size_t j = i, digits = 0;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    while (j < n && is_digit(s[j])) j++, digits++;
    if (j < n && s[j] == '.') {
        j++;
        while (j < n && is_digit(s[j])) j++, digits++;
    }
    if (!digits) return 0;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) k++;
        if (k < n && is_digit(s[k])) {
            while (k < n && is_digit(s[k])) k++;
            j = k;
        } else {
            return 0; /* "1.23E+++": a malformed exponent, not a number then a word */
        }
    }
    return j - i;
}

static vt_status lex_word(parser *p, tok *t)
{
    size_t i = p->i;
    while (i < p->n && (is_upper(p->s[i]) || is_lower(p->s[i]) || is_digit(p->s[i]))) i++;
    t->len = i - p->i;
    for (size_t k = 1; k < sizeof kw_names / sizeof kw_names[0]; k++)
        if (strlen(kw_names[k]) == t->len && memcmp(kw_names[k], p->s + p->i, t->len) == 0) {
            t->type = T_KW;
            t->keyword = (kw)k;
            return VT_OK;
        }
    return fail_at(p, p->i, t->len,
                   "expected a keyword (AND, OR, NOT, HAS, ...) or a lower-case property name; strings need double quotes");
}

static vt_status lex_op(parser *p, tok *t)
{
    const char *s = p->s + p->i;
    int two = p->i + 1 < p->n && s[1] == '=';
    t->type = T_OP;
    t->len = 1;
    switch (s[0]) {
    case '=': t->op = VT_OP_EQ; return VT_OK;
    case '<': t->op = two ? VT_OP_LE : VT_OP_LT; t->len += (size_t)two; return VT_OK;
    case '>': t->op = two ? VT_OP_GE : VT_OP_GT; t->len += (size_t)two; return VT_OK;
    default:
        if (!two) return fail_at(p, p->i, 1, "expected '!='");
        t->op = VT_OP_NE;
        t->len = 2;
        return VT_OK;
    }
}

/* Read the next token into p->t. */
static vt_status next(parser *p)
{
    while (p->i < p->n && is_space(p->s[p->i])) p->i++;
    tok t = {.type = T_END, .start = p->i, .len = 0};
    if (p->i < p->n) {
        char c = p->s[p->i];
        size_t num = number_len(p->s, p->n, p->i);
        t.len = 1;
        if (num) {
            t.type = T_NUMBER;
            t.len = num;
        } else if (c == '(') t.type = T_LPAREN;
        else if (c == ')') t.type = T_RPAREN;
        else if (c == ',') t.type = T_COMMA;
        else if (c == ':') t.type = T_COLON;
        else if (c == '.') t.type = T_DOT;
        else if (c == '"') VT_TRY(lex_string(p, &t));
        else if (c == '=' || c == '<' || c == '>' || c == '!') VT_TRY(lex_op(p, &t));
        else if (is_upper(c)) VT_TRY(lex_word(p, &t));
        else if (is_lower(c)) {
            t.type = T_IDENT;
            while (p->i + t.len < p->n && (is_lower(p->s[p->i + t.len]) || is_digit(p->s[p->i + t.len]))) t.len++;
            if (p->i + t.len < p->n && is_upper(p->s[p->i + t.len]))
                return fail_at(p, p->i, t.len + 1, "property names are lower case");
        } else
            return fail_at(p, p->i, 1, "unexpected character");
    }
    p->i += t.len;
    p->t = t;
    return VT_OK;
}

static int at_kw(const parser *p, kw k) { return p->t.type == T_KW && p->t.keyword == k; }

static vt_status expect(parser *p, tok_type type, const char *what)
{
    if (p->t.type != type) return fail_at(p, p->t.start, p->t.len, what);
    return next(p);
}

/* ---------------------------------------------------------------------------------------------
** Tree
*/
void vt_flt_free(vt_flt_node *node)
{
    if (!node) return;
    vt_flt_free(node->a);
    vt_flt_free(node->b);
    for (size_t k = 0; k < node->n_props; k++) vt_free(node->props[k]);
    vt_free(node->props);
    for (size_t k = 0; k < node->n_values; k++) vt_free(node->values[k].text);
    vt_free(node->values);
    vt_free(node);
}

static vt_status node_new(parser *p, vt_flt_kind kind, size_t pos, vt_flt_node **out)
{
    *out = NULL;
    if (++p->n_nodes > VT_FLT_MAX_NODES)
        VT_FAIL(VT_EPARSE, "filter: more than %d comparisons and conjunctions", VT_FLT_MAX_NODES);
    vt_flt_node *n = vt_calloc(1, sizeof *n);
    if (!n) VT_FAIL(VT_ENOMEM, "filter: out of memory");
    n->kind = kind;
    n->pos = pos + 1;
    *out = n;
    return VT_OK;
}

static vt_status add_prop(vt_flt_node *n, char *name)
{
    char **props = vt_realloc(n->props, (n->n_props + 1) * sizeof *props);
    if (!props) {
        vt_free(name);
        VT_FAIL(VT_ENOMEM, "filter: out of memory");
    }
    n->props = props;
    n->props[n->n_props++] = name;
    return VT_OK;
}

/* A new value slot at the end of n->values (zeroed). */
static vt_status add_value(vt_flt_node *n, vt_flt_value **v)
{
    vt_flt_value *vals = vt_realloc(n->values, (n->n_values + 1) * sizeof *vals);
    if (!vals) VT_FAIL(VT_ENOMEM, "filter: out of memory");
    n->values = vals;
    *v = &vals[n->n_values++];
    memset(*v, 0, sizeof **v);
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** Parser
*/
/* Property = Identifier { "." Identifier }, as one dotted string (caller frees). */
static vt_status parse_property(parser *p, char **out)
{
    size_t start = p->t.start;
    *out = NULL;
    VT_TRY(expect(p, T_IDENT, "expected a property name"));
    while (p->t.type == T_DOT) {
        VT_TRY(next(p));
        VT_TRY(expect(p, T_IDENT, "expected a property name after '.'"));
    }
    /* The dotted name without the blanks the grammar allows around '.'. */
    char *name = vt_malloc(p->i - start + 1);
    if (!name) VT_FAIL(VT_ENOMEM, "filter: out of memory");
    size_t k = 0;
    for (size_t j = start; j < p->t.start; j++)
        if (!is_space(p->s[j])) name[k++] = p->s[j];
    name[k] = '\0';
    *out = name;
    return VT_OK;
}

/* The decoded text of the string token t (escapes removed). */
static vt_status string_text(const parser *p, const tok *t, char **out)
{
    char *s = vt_malloc(t->len);
    if (!s) VT_FAIL(VT_ENOMEM, "filter: out of memory");
    size_t k = 0;
    for (size_t j = t->start + 1; j + 1 < t->start + t->len; j++) {
        if (p->s[j] == '\\') j++;
        s[k++] = p->s[j];
    }
    s[k] = '\0';
    *out = s;
    return VT_OK;
}

/* Value = String | Number | Property, optionally after an operator when allow_op. */
static vt_status parse_value(parser *p, int allow_op, vt_flt_value *v)
{
    if (allow_op && p->t.type == T_OP) {
        v->has_op = 1;
        v->op = p->t.op;
        VT_TRY(next(p));
    }
    tok t = p->t;
    if (t.type == T_IDENT) {
        v->kind = VT_FV_PROPERTY;
        return parse_property(p, &v->text);
    }
    if (t.type == T_STRING) {
        v->kind = VT_FV_STRING;
        VT_TRY(string_text(p, &t, &v->text));
    } else if (t.type == T_NUMBER) {
        v->kind = VT_FV_NUMBER;
        if (!(v->text = vt_malloc(t.len + 1))) VT_FAIL(VT_ENOMEM, "filter: out of memory");
        memcpy(v->text, p->s + t.start, t.len);
        v->text[t.len] = '\0';
        v->number = strtod(v->text, NULL);
        v->is_out_of_range = !isfinite(v->number);
    } else {
        return fail_at(p, t.start, t.len, "expected a string, a number or a property");
    }
    return next(p);
}

/* n_per values separated by ':' (a zip tuple; n_per = 1: one value), each with an optional
 * operator when allow_op. */
static vt_status parse_tuple(parser *p, vt_flt_node *n, size_t n_per, int allow_op)
{
    for (size_t k = 0; k < n_per; k++) {
        vt_flt_value *v = NULL;
        if (k) VT_TRY(expect(p, T_COLON, "expected ':' and the next value of the tuple"));
        VT_TRY(add_value(n, &v));
        VT_TRY(parse_value(p, allow_op, v));
    }
    if (p->t.type == T_COLON) return fail_at(p, p->t.start, 1, "more values in the tuple than properties");
    return VT_OK;
}

/* HAS and what follows, for the n->n_props properties already read. */
static vt_status parse_has(parser *p, vt_flt_node *n)
{
    VT_TRY(next(p)); /* HAS */
    kw k = p->t.type == T_KW ? p->t.keyword : K_NONE;
    n->kind = k == K_ALL ? VT_FLT_HAS_ALL : k == K_ANY ? VT_FLT_HAS_ANY : k == K_ONLY ? VT_FLT_HAS_ONLY : VT_FLT_HAS;
    if (n->kind == VT_FLT_HAS) return parse_tuple(p, n, n->n_props, 1);
    VT_TRY(next(p));
    VT_TRY(parse_tuple(p, n, n->n_props, 1));
    while (p->t.type == T_COMMA) {
        VT_TRY(next(p));
        VT_TRY(parse_tuple(p, n, n->n_props, 1));
    }
    return VT_OK;
}

/* Everything after the property of a property-first comparison. */
static vt_status parse_rhs(parser *p, vt_flt_node *n)
{
    vt_flt_value *v = NULL;
    if (p->t.type == T_OP) {
        n->kind = VT_FLT_CMP;
        n->op = p->t.op;
        VT_TRY(next(p));
        VT_TRY(add_value(n, &v)); /* values[0]: the property itself */
        v->kind = VT_FV_PROPERTY;
        if (!(v->text = vt_strdup(n->props[0]))) VT_FAIL(VT_ENOMEM, "filter: out of memory");
        VT_TRY(add_value(n, &v));
        return parse_value(p, 0, v);
    }
    if (p->t.type == T_COLON) {
        while (p->t.type == T_COLON) {
            char *name;
            VT_TRY(next(p));
            VT_TRY(parse_property(p, &name));
            VT_TRY(add_prop(n, name));
        }
        if (!at_kw(p, K_HAS)) return fail_at(p, p->t.start, p->t.len, "expected HAS after a list of properties");
        return parse_has(p, n);
    }
    kw k = p->t.type == T_KW ? p->t.keyword : K_NONE;
    switch (k) {
    case K_IS:
        VT_TRY(next(p));
        if (!at_kw(p, K_KNOWN) && !at_kw(p, K_UNKNOWN))
            return fail_at(p, p->t.start, p->t.len, "expected KNOWN or UNKNOWN after IS");
        n->kind = VT_FLT_KNOWN;
        n->is_known = at_kw(p, K_KNOWN);
        return next(p);
    case K_CONTAINS: case K_STARTS: case K_ENDS:
        n->kind = k == K_CONTAINS ? VT_FLT_CONTAINS : k == K_STARTS ? VT_FLT_STARTS : VT_FLT_ENDS;
        VT_TRY(next(p));
        if (k != K_CONTAINS && at_kw(p, K_WITH)) VT_TRY(next(p));
        VT_TRY(add_value(n, &v));
        return parse_value(p, 0, v);
    case K_LENGTH:
        n->kind = VT_FLT_LENGTH;
        VT_TRY(next(p));
        VT_TRY(add_value(n, &v));
        VT_TRY(parse_value(p, 1, v));
        n->op = v->op;
        return VT_OK;
    case K_HAS:
        return parse_has(p, n);
    default:
        return fail_at(p, p->t.start, p->t.len,
                       "expected an operator, IS, CONTAINS, STARTS, ENDS, HAS or LENGTH after the property");
    }
}

static vt_status parse_comparison(parser *p, vt_flt_node **out)
{
    vt_flt_node *n;
    VT_TRY(node_new(p, VT_FLT_CMP, p->t.start, &n));
    vt_status s = VT_OK;
    if (p->t.type == T_STRING || p->t.type == T_NUMBER) { /* Constant Op Value */
        vt_flt_value *v = NULL;
        s = add_value(n, &v);
        if (s == VT_OK) s = parse_value(p, 0, v);
        if (s == VT_OK && p->t.type != T_OP) s = fail_at(p, p->t.start, p->t.len, "expected an operator after the constant");
        if (s == VT_OK) {
            n->op = p->t.op;
            s = next(p);
        }
        if (s == VT_OK) s = add_value(n, &v);
        if (s == VT_OK) s = parse_value(p, 0, v);
    } else if (p->t.type == T_IDENT) {
        char *name;
        s = parse_property(p, &name);
        if (s == VT_OK) s = add_prop(n, name);
        if (s == VT_OK) s = parse_rhs(p, n);
    } else {
        s = fail_at(p, p->t.start, p->t.len, "expected a comparison, NOT or '('");
    }
    if (s != VT_OK) {
        vt_flt_free(n);
        return s;
    }
    *out = n;
    return VT_OK;
}

static vt_status parse_expression(parser *p, vt_flt_node **out);

static vt_status parse_phrase(parser *p, vt_flt_node **out)
{
    size_t pos = p->t.start;
    int negate = at_kw(p, K_NOT);
    vt_flt_node *inner = NULL, *n = NULL;
    *out = NULL;
    if (++p->depth > VT_FLT_MAX_DEPTH)
        VT_FAIL(VT_EPARSE, "filter: position %zu: nested deeper than %d levels", pos + 1, VT_FLT_MAX_DEPTH);
    if (negate) VT_TRY(next(p));
    vt_status s = VT_OK;
    if (p->t.type == T_LPAREN) {
        s = next(p);
        if (s == VT_OK) s = parse_expression(p, &inner);
        if (s == VT_OK) s = expect(p, T_RPAREN, "expected ')'");
    } else {
        s = parse_comparison(p, &inner);
    }
    if (s == VT_OK && negate && (s = node_new(p, VT_FLT_NOT, pos, &n)) == VT_OK) {
        n->a = inner;
        inner = n;
    }
    p->depth--;
    if (s != VT_OK) {
        vt_flt_free(inner);
        return s;
    }
    *out = inner;
    return VT_OK;
}

/* Left-associative chain of sub (Phrase or Clause) joined by keyword k. */
static vt_status parse_chain(parser *p, kw k, vt_flt_kind kind, vt_status (*sub)(parser *, vt_flt_node **),
                             vt_flt_node **out)
{
    vt_flt_node *left = NULL;
    size_t pos = p->t.start;
    VT_TRY(sub(p, &left));
    while (at_kw(p, k)) {
        vt_flt_node *right = NULL, *n = NULL;
        vt_status s = next(p);
        if (s == VT_OK) s = sub(p, &right);
        if (s == VT_OK) s = node_new(p, kind, pos, &n);
        if (s != VT_OK) {
            vt_flt_free(left);
            vt_flt_free(right);
            return s;
        }
        n->a = left;
        n->b = right;
        left = n;
    }
    *out = left;
    return VT_OK;
}

static vt_status parse_clause(parser *p, vt_flt_node **out) { return parse_chain(p, K_AND, VT_FLT_AND, parse_phrase, out); }

static vt_status parse_expression(parser *p, vt_flt_node **out)
{
    return parse_chain(p, K_OR, VT_FLT_OR, parse_clause, out);
}

vt_status vt_flt_parse(const char *text, size_t n, vt_flt_node **out)
{
    *out = NULL;
    if (n > VT_FLT_MAX_BYTES) VT_FAIL(VT_EPARSE, "filter: longer than %d bytes", VT_FLT_MAX_BYTES);
    if (memchr(text, '\0', n)) VT_FAIL(VT_EPARSE, "filter: position %zu: NUL byte", (size_t)((const char *)memchr(text, '\0', n) - text) + 1);
    parser p = {.s = text, .n = n};
    vt_flt_node *root = NULL;
    VT_TRY(next(&p));
    if (p.t.type == T_END) VT_FAIL(VT_EPARSE, "filter: empty");
    VT_TRY(parse_expression(&p, &root));
    if (p.t.type != T_END) {
        vt_status s = fail_at(&p, p.t.start, p.t.len, p.t.type == T_RPAREN ? "unbalanced ')'" : "expected AND, OR or the end");
        vt_flt_free(root);
        return s;
    }
    *out = root;
    return VT_OK;
}
