/* query.h - internal: store helpers for the server layer (store/query.c, owned by the server work),
** written against the driver interface of store.h. */
#ifndef VT_STORE_QUERY_H
#define VT_STORE_QUERY_H
#include "vitrum.h"

/* Make every later statement on this connection read-only: SQLite "PRAGMA query_only" (writes
 * fail with SQLITE_READONLY), PostgreSQL read-only transactions for the session. A second line
 * of defence under the server's parameterised queries: a read connection cannot change the
 * database whatever SQL reaches it. */
vt_status vt_store_set_read_only(vt_store *st);

/* A number that changes when the database may have changed since the previous call on this
 * connection, for response caches: SQLite "PRAGMA data_version" (changes when another connection
 * committed), PostgreSQL the current WAL position (moves with every write to the cluster: a
 * superset of this database's changes). Never misses a change; may report changes that did not
 * touch this database. */
vt_status vt_store_change_token(vt_store *st, int64_t *token);
#endif
