/* cache.h - internal: the response cache of `vitrum serve` (server/cache.c). Thread-safe. */
#ifndef VT_SERVER_CACHE_H
#define VT_SERVER_CACHE_H
#include "server.h"

typedef struct vt_http_cache vt_http_cache;

/* NULL when out of memory (the server then runs without a cache). */
vt_http_cache *vt_http_cache_new(void);
void vt_http_cache_free(vt_http_cache *c);
/* 1 and a copy of the cached reply in rs when key was stored at generation gen; else 0. */
int vt_http_cache_get(vt_http_cache *c, const char *key, uint64_t gen, vt_http_resp *rs);
/* Store a copy of rs (bodies over 256 kB and downloads are not kept). */
void vt_http_cache_put(vt_http_cache *c, const char *key, uint64_t gen, const vt_http_resp *rs);
#endif
