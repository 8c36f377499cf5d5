/* fuzz_filter.c - libFuzzer entry: any bytes as an OPTIMADE filter (server/filter.c), then, when
** it parses, its SQL (server/sql.c) with and without a sort. Must never crash, leak or trip a
** sanitizer; every failure must be VT_EPARSE/VT_EINVAL (HTTP 400) or VT_ENOTSUP (501) with a
** message, and a success must leave as many '?' in the SQL as parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/optimade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_marks(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += *s == '?';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vt_flt_node *root = NULL;
    vt_status s = vt_flt_parse((const char *)data, size, &root);
    if (s != VT_OK) {
        if (s != VT_EPARSE && s != VT_ENOMEM) abort();
        return 0;
    }
    vt_sqlq q = {0};
    s = vt_optimade_where(root, &q);
    if (s == VT_OK) s = vt_optimade_order_by("-_vitrum_d_li_1000k,nelements", &q);
    if (s == VT_OK && count_marks(q.sql.p) != q.n_params) abort(); /* values never enter the text */
    if (s != VT_OK && s != VT_EINVAL && s != VT_ENOTSUP && s != VT_ENOMEM) abort();
    if (s != VT_OK && !vt_errmsg()[0]) abort();
    vt_sqlq_clear(&q);
    vt_flt_free(root);
    return 0;
}
