/* filter.h - internal: the OPTIMADE v1.1 filter language (optimade.rst, appendix "The Filter
** Language EBNF Grammar") parsed into a syntax tree (server/filter.c). The parser accepts the whole
** grammar, optional parts included (constant-first comparisons, operators in value lists,
** correlated "a:b HAS x:y" lists, nested property names), so that a valid filter the server cannot
** run is told apart from a malformed one: the parser fails only on malformed input (VT_EPARSE,
** HTTP 400); what vitrum does not support is decided when the tree becomes SQL (server/sql.c,
** VT_ENOTSUP, HTTP 501). */
#ifndef VT_SERVER_FILTER_H
#define VT_SERVER_FILTER_H
#include <stddef.h>
#include "vitrum.h"

#define VT_FLT_MAX_BYTES 16384  /* longest filter accepted */
#define VT_FLT_MAX_DEPTH 64     /* deepest nesting of parentheses and NOT */
#define VT_FLT_MAX_NODES 1024   /* comparisons and conjunctions in one filter */

typedef enum vt_flt_op { VT_OP_EQ, VT_OP_NE, VT_OP_LT, VT_OP_LE, VT_OP_GT, VT_OP_GE } vt_flt_op;

typedef enum vt_flt_vkind { VT_FV_STRING, VT_FV_NUMBER, VT_FV_PROPERTY } vt_flt_vkind;

typedef struct vt_flt_value {
    vt_flt_vkind kind;
    int has_op;        /* an operator was written before the value (lists: "HAS ANY > 3, 4") */
    vt_flt_op op;      /* that operator; VT_OP_EQ when none */
    char *text;        /* string: the value with escapes removed (valid UTF-8, no NUL);
                          number: the token as written; property: the dotted name */
    double number;     /* number: strtod of the token (+-inf or 0 when out of double range) */
    int is_out_of_range; /* number: not representable as a finite double (spec: answer 501) */
} vt_flt_value;

typedef enum vt_flt_kind {
    VT_FLT_AND, VT_FLT_OR,  /* a, b */
    VT_FLT_NOT,             /* a */
    VT_FLT_CMP,             /* values[0] op values[1]; either side may be a constant or a property */
    VT_FLT_KNOWN,           /* props[0] IS KNOWN (is_known = 1) or IS UNKNOWN (is_known = 0) */
    VT_FLT_CONTAINS, VT_FLT_STARTS, VT_FLT_ENDS, /* props[0] <keyword> values[0] */
    VT_FLT_HAS,             /* props HAS values (one tuple, n_values = n_props) */
    VT_FLT_HAS_ALL, VT_FLT_HAS_ANY, VT_FLT_HAS_ONLY, /* props HAS ... tuples of n_props values */
    VT_FLT_LENGTH           /* props[0] LENGTH op values[0] (op EQ when none was written) */
} vt_flt_kind;

typedef struct vt_flt_node {
    vt_flt_kind kind;
    struct vt_flt_node *a, *b;  /* operands of AND, OR (both) and NOT (a) */
    size_t n_props;             /* > 1 only for correlated lists "a:b HAS ..." */
    char **props;               /* dotted property names */
    size_t n_values;            /* HAS kinds: a multiple of n_props, tuple after tuple */
    vt_flt_value *values;
    vt_flt_op op;               /* CMP and LENGTH */
    int is_known;               /* KNOWN */
    size_t pos;                 /* 1-based byte offset of the node's first token, for messages */
} vt_flt_node;

/* Parse n bytes of filter text (URL-decoded). VT_EPARSE "filter: position P: expected X, got 'Y'"
 * for malformed text, also for a NUL byte, invalid UTF-8, more than VT_FLT_MAX_BYTES bytes, nesting
 * deeper than VT_FLT_MAX_DEPTH or more than VT_FLT_MAX_NODES nodes; VT_ENOMEM. *out is NULL on
 * failure; free the tree with vt_flt_free(). */
vt_status vt_flt_parse(const char *text, size_t n, vt_flt_node **out);
void vt_flt_free(vt_flt_node *node);
/* "=", "!=", "<", ... (static). */
const char *vt_flt_op_text(vt_flt_op op);
#endif
