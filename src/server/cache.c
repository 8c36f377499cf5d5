/*
** cache.c - the response cache of `vitrum serve`: whole replies of the read-only OPTIMADE entry
** endpoints, keyed by request (Host, path, arguments as received) and tagged with the database
** generation they were computed at (http.c bumps the generation whenever a connection's change
** token moves: store/query.c vt_store_change_token). A reply is served from here only for the
** generation it was computed at, so a cached reply never outlives a change of the database.
** Direct-mapped (a key has one slot, a newer key evicts an older), VT_CACHE_SLOTS slots, replies of
** at most VT_CACHE_MAX_BODY bytes; one mutex.
*/
#include <pthread.h>
#include <string.h>

#include "cache.h"

#define VT_CACHE_SLOTS 512
#define VT_CACHE_MAX_BODY ((size_t)256 << 10)

typedef struct slot {
    char *key;
    uint64_t gen;
    int status;
    const char *type;   /* static string */
    char *body;
    size_t len;
} slot;

struct vt_http_cache {
    pthread_mutex_t lock;
    slot slots[VT_CACHE_SLOTS];
};

/* FNV-1a: spreads keys over the slots. */
static size_t slot_of(const char *key)
{
    uint64_t h = 14695981039346656037ull;
    for (; *key; key++) h = (h ^ (unsigned char)*key) * 1099511628211ull;
    return (size_t)(h % VT_CACHE_SLOTS);
}

vt_http_cache *vt_http_cache_new(void)
{
    vt_http_cache *c = vt_calloc(1, sizeof *c);
    if (c) pthread_mutex_init(&c->lock, NULL);
    return c;
}

void vt_http_cache_free(vt_http_cache *c)
{
    if (!c) return;
    for (size_t k = 0; k < VT_CACHE_SLOTS; k++) {
        vt_free(c->slots[k].key);
        vt_free(c->slots[k].body);
    }
    pthread_mutex_destroy(&c->lock);
    vt_free(c);
}

int vt_http_cache_get(vt_http_cache *c, const char *key, uint64_t gen, vt_http_resp *rs)
{
    int hit = 0;
    slot *s = &c->slots[slot_of(key)];
    pthread_mutex_lock(&c->lock);
    if (s->key && s->gen == gen && strcmp(s->key, key) == 0) {
        vt_http_reply(rs, s->status, s->type, s->body, s->len);
        hit = rs->status == s->status;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void vt_http_cache_put(vt_http_cache *c, const char *key, uint64_t gen, const vt_http_resp *rs)
{
    if (rs->len > VT_CACHE_MAX_BODY || rs->disposition[0]) return;
    char *k = vt_strdup(key), *b = vt_malloc(rs->len + 1);
    if (!k || !b) {
        vt_free(k), vt_free(b);
        return;
    }
    memcpy(b, rs->body, rs->len);
    slot *s = &c->slots[slot_of(key)];
    pthread_mutex_lock(&c->lock);
    vt_free(s->key), vt_free(s->body);
    *s = (slot){k, gen, rs->status, rs->content_type, b, rs->len};
    pthread_mutex_unlock(&c->lock);
}
