/* query.c - store helpers for the server layer (see query.h): read-only connections and change
** tokens for response caches. */
#include <string.h>

#include "core/error.h"
#include "query.h"
#include "store.h"

vt_status vt_store_set_read_only(vt_store *st)
{
    if (st->in_tx) VT_FAIL(VT_EINVAL, "store: cannot switch to read-only inside a transaction");
    const char *sql = strcmp(st->drv->name, "sqlite") == 0 ? "PRAGMA query_only = 1"
                                                           : "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
    return st->drv->exec(st->conn, sql);
}

vt_status vt_store_change_token(vt_store *st, int64_t *token)
{
    int is_sqlite = strcmp(st->drv->name, "sqlite") == 0;
    vt_store_rows *r = NULL;
    VT_TRY(vt_store_query(st, is_sqlite ? "PRAGMA data_version" : "SELECT pg_current_wal_lsn() - '0/0'", 0, NULL, &r));
    double v = vt_store_rows_real(r, 0, 0);
    vt_store_rows_free(r);
    if (!(v == v)) VT_FAIL(VT_EDB, "store: no change token");
    *token = (int64_t)v;
    return VT_OK;
}
