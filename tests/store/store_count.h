/* store_count.h - tests: the single number a counting query returns (-1 when it fails). */
#ifndef VT_TEST_STORE_COUNT_H
#define VT_TEST_STORE_COUNT_H
#include <stdio.h>

#include "vitrum.h"

static inline int64_t count(vt_store *st, const char *sql, const char *param)
{
    vt_store_rows *r = NULL;
    vt_sql_value p = vt_sql_text(param);
    if (vt_store_query(st, sql, param ? 1 : 0, &p, &r) != VT_OK) {
        fprintf(stderr, "query failed: %s\n", vt_errmsg());
        return -1;
    }
    int64_t n = (int64_t)vt_store_rows_real(r, 0, 0);
    vt_store_rows_free(r);
    return n;
}
#endif
