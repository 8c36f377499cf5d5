/*
** http.c - `vitrum serve`: libmicrohttpd (Debian libmicrohttpd-dev) glue, the route table, the pool
** of read-only store connections and token-guarded uploads.
** Invariants:
**  (1) Bound to one IPv4 address, 127.0.0.1 unless the caller says otherwise.
**  (2) Every read request runs on a connection made read-only (store/query.c) taken from the pool
**      for that request alone; vt_store objects are single-threaded, so none is ever shared.
**  (3) Writes only through POST /upload, only when a token was given at start, with the request's
**      "Authorization: Bearer <token>" compared in constant time (SHA-256 of both sides compared
**      with CRYPTO_memcmp, so neither content nor length leaks through timing); one writer
**      connection, one upload at a time, each an all-or-nothing vt_store_import().
**  (4) Request bodies over VT_HTTP_MAX_BODY are refused (413) without being stored.
**  (5) Cached replies (server/cache.c) are served only for the database generation they were made
**      at; the generation moves whenever any connection's change token moves (or a connection is
**      new), checked before every cacheable request, so no reply outlives a database change.
** Threads: MHD's internal thread pool (n_threads), each thread polling its own connections.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "cache.h"
#include "core/error.h"
#include "optimade.h"
#include "store/query.h"

#define POOL_MAX 16

/* A read-only connection and the change token it saw last (invariant 5). */
typedef struct pooled {
    vt_store *st;
    int64_t token;
    int has_token;
} pooled;

struct vt_server {
    struct MHD_Daemon *daemon;
    char *db_url;
    int has_token;
    unsigned char token_sha[SHA256_DIGEST_LENGTH];
    pthread_mutex_t lock;          /* guards pool, seq and gen */
    pooled pool[POOL_MAX];         /* idle read-only connections */
    size_t n_pool;
    vt_http_cache *cache;          /* NULL: no cache */
    uint64_t gen;                  /* database generation of cached replies */
    pthread_mutex_t write_lock;    /* one upload at a time, on writer */
    vt_store *writer;
    unsigned long seq;             /* names of temporary files */
    char tmpdir[256];
    int has_tmpdir;
    char host[64];
    int port;
};

typedef struct route {
    const char *method;            /* "GET" (also answers HEAD) or "POST" */
    const char *path;              /* exact path, or a prefix when is_prefix */
    int is_prefix;
    int needs_db;                  /* 1: borrow a read connection; 2: also cache the 200 replies */
    int (*fn)(vt_http_req *rq, vt_http_resp *rs);
} route;

static const route routes[] = {
    {"GET", "/versions", 0, 0, vt_optimade_versions},
    {"GET", "/v1/info", 0, 0, vt_optimade_info},
    {"GET", "/v1/info/structures", 0, 2, vt_optimade_info_structures},
    {"GET", "/v1/links", 0, 0, vt_optimade_links},
    {"GET", "/v1/structures", 0, 2, vt_optimade_structures},
    {"GET", "/v1/structures/", 1, 2, vt_optimade_structure_one},
    {"GET", "/plot/arrhenius.svg", 0, 1, vt_web_arrhenius_svg},
    {"GET", "/plot/rdf.svg", 0, 1, vt_web_rdf_svg},
    {"GET", "/download", 0, 1, vt_web_download},
    {"POST", "/upload", 0, 0, vt_server_upload},
    {"GET", "/", 1, 0, vt_web_asset}, /* the page's files; last: everything else */
};

vt_server_opts vt_server_opts_default(void)
{
    return (vt_server_opts){.db_url = VT_STORE_DEFAULT_URL, .host = "127.0.0.1", .port = 8080, .n_threads = 2,
                            .use_cache = 1};
}

int vt_server_port(const vt_server *srv) { return srv->port; }
const char *vt_server_tmpdir(const vt_server *srv) { return srv->tmpdir; }

/* ---------------------------------------------------------------------------------------------
** Requests and replies
*/
const char *vt_http_arg_get(vt_http_req *rq, const char *key, size_t *len)
{
    const char *v = NULL;
    for (size_t k = 0; k < rq->n_args; k++) {
        if (strcmp(rq->args[k].key, key) != 0) continue;
        rq->args[k].is_used = 1;
        if (!v) {
            v = rq->args[k].value;
            if (len) *len = rq->args[k].value_len;
        }
    }
    return v;
}

int vt_http_reply(vt_http_resp *rs, int status, const char *type, const char *body, size_t n)
{
    vt_free(rs->body);
    rs->body = vt_malloc(n + 1);
    if (!rs->body) {
        rs->status = 503;
        rs->content_type = "text/plain";
        rs->len = 0;
        return 503;
    }
    memcpy(rs->body, body, n);
    rs->body[n] = '\0';
    rs->len = n;
    rs->status = status;
    rs->content_type = type;
    return status;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    vt_http_req *rq = cls;
    (void)kind, (void)key_size;
    if (rq->n_args == VT_HTTP_MAX_ARGS) {
        rq->has_too_many_args = 1;
        return MHD_YES;
    }
    rq->args[rq->n_args++] = (vt_http_arg){.key = key, .value = value ? value : "", .value_len = value ? value_size : 0};
    return MHD_YES;
}

/* "http://<Host header>" when the header looks like a host name, else the bound address. */
static void base_url(const vt_server *srv, struct MHD_Connection *c, char *buf, size_t size)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    int ok = h && *h && strlen(h) < 200 && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(h);
    if (ok) snprintf(buf, size, "http://%s", h);
    else snprintf(buf, size, "http://%s:%d", srv->host, srv->port);
}

/* ---------------------------------------------------------------------------------------------
** Read connections
*/
static vt_status acquire(vt_server *srv, pooled *pc)
{
    int found = 0;
    pthread_mutex_lock(&srv->lock);
    if (srv->n_pool) {
        *pc = srv->pool[--srv->n_pool];
        found = 1;
    }
    pthread_mutex_unlock(&srv->lock);
    if (found) return VT_OK;
    *pc = (pooled){0};
    VT_TRY(vt_store_open(srv->db_url, &pc->st));
    vt_status rc = vt_store_set_read_only(pc->st);
    if (rc != VT_OK) {
        vt_store_close(pc->st);
        pc->st = NULL;
    }
    return rc;
}

static void release(vt_server *srv, pooled *pc)
{
    if (!pc->st) return;
    pthread_mutex_lock(&srv->lock);
    if (srv->n_pool < POOL_MAX) {
        srv->pool[srv->n_pool++] = *pc;
        pc->st = NULL;
    }
    pthread_mutex_unlock(&srv->lock);
    vt_store_close(pc->st);
}

/* The database generation now, as seen through connection pc (invariant 5). */
static vt_status generation(vt_server *srv, pooled *pc, uint64_t *gen)
{
    int64_t token = 0;
    VT_TRY(vt_store_change_token(pc->st, &token));
    pthread_mutex_lock(&srv->lock);
    if (!pc->has_token || token != pc->token) srv->gen++;
    pc->token = token;
    pc->has_token = 1;
    *gen = srv->gen;
    pthread_mutex_unlock(&srv->lock);
    return VT_OK;
}

/* The cache key of a request: host, path and every argument with its length. */
static void cache_key(const vt_http_req *rq, vt_text *t)
{
    vt_text_printf(t, "%s%s", rq->base_url, rq->path);
    for (size_t k = 0; k < rq->n_args; k++)
        vt_text_printf(t, "\n%s=%zu:%s", rq->args[k].key, rq->args[k].value_len, rq->args[k].value);
    if (rq->has_too_many_args) vt_text_put(t, "\n+", 2);
}

/* Run a handler that reads the database, through the cache when the route allows. */
static int run_with_db(vt_server *srv, const route *r, vt_http_req *rq, vt_http_resp *rs)
{
    pooled pc;
    vt_status s = acquire(srv, &pc);
    if (s != VT_OK) return vt_optimade_error(rq, rs, vt_http_status_of(s), vt_errmsg());
    rq->st = pc.st;
    uint64_t gen = 0;
    vt_text key = {0};
    int cached = r->needs_db == 2 && srv->cache && generation(srv, &pc, &gen) == VT_OK;
    if (cached) cache_key(rq, &key);
    cached = cached && !key.is_oom;
    int status;
    if (cached && vt_http_cache_get(srv->cache, key.p, gen, rs)) {
        status = rs->status;
    } else {
        status = r->fn(rq, rs);
        if (cached && status == 200) vt_http_cache_put(srv->cache, key.p, gen, rs);
    }
    vt_text_clear(&key);
    release(srv, &pc);
    rq->st = NULL;
    return status;
}

/* ---------------------------------------------------------------------------------------------
** Uploads
*/
static int token_ok(const vt_server *srv, const char *auth)
{
    unsigned char got[SHA256_DIGEST_LENGTH];
    const char *tok = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : "";
    SHA256((const unsigned char *)tok, strlen(tok), got);
    return CRYPTO_memcmp(got, srv->token_sha, sizeof got) == 0;
}

void vt_server_tmpname(vt_server *srv, const char *stem, const char *ext, char path[320])
{
    pthread_mutex_lock(&srv->lock);
    unsigned long seq = ++srv->seq;
    pthread_mutex_unlock(&srv->lock);
    snprintf(path, 320, "%s/%s-%lu%s", srv->tmpdir, stem, seq, ext);
}

/* Write the body to a new private file in the server's folder; *path gets its name. */
static vt_status body_to_file(vt_server *srv, const char *body, size_t n, char path[320])
{
    vt_server_tmpname(srv, "upload", ".json", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) VT_FAIL(VT_EIO, "upload: cannot create a temporary file: %s", strerror(errno));
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, body + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            VT_FAIL(VT_EIO, "upload: cannot write a temporary file: %s", strerror(e));
        }
        off += (size_t)w;
    }
    close(fd);
    return VT_OK;
}

int vt_server_upload(vt_http_req *rq, vt_http_resp *rs)
{
    vt_server *srv = rq->srv;
    if (!srv->has_token) return vt_optimade_error(rq, rs, 403, "this server is read-only (start it with --token-file to accept uploads)");
    if (!token_ok(srv, rq->authorization)) return vt_optimade_error(rq, rs, 401, "missing or wrong upload token (Authorization: Bearer ...)");
    if (rq->is_body_too_large) return vt_optimade_error(rq, rs, 413, "upload larger than 64 MiB");
    if (!rq->body_len) return vt_optimade_error(rq, rs, 400, "empty upload: send MPContribs-style JSON (docs/store.md)");
    char path[320], msg[1024];
    size_t n_runs = 0;
    vt_status s = body_to_file(srv, rq->body, rq->body_len, path);
    if (s == VT_OK) {
        pthread_mutex_lock(&srv->write_lock);
        if (!srv->writer) s = vt_store_open(srv->db_url, &srv->writer);
        if (s == VT_OK) s = vt_store_import(srv->writer, path, "mpcontribs", &n_runs);
        pthread_mutex_unlock(&srv->write_lock);
        unlink(path);
    }
    if (s != VT_OK) { /* name the upload, not the temporary file */
        const char *m = vt_errmsg(), *at = strstr(m, path);
        if (at) snprintf(msg, sizeof msg, "%.*supload%s", (int)(at - m), m, at + strlen(path));
        else snprintf(msg, sizeof msg, "%s", m);
        return vt_optimade_error(rq, rs, vt_http_status_of(s), msg);
    }
    snprintf(msg, sizeof msg, "{\"meta\":{\"api_version\":\"%s\"},\"data\":{\"runs_imported\":%zu}}",
             VT_OPTIMADE_API_VERSION, n_runs);
    return vt_http_reply(rs, 200, "application/vnd.api+json", msg, strlen(msg));
}

/* ---------------------------------------------------------------------------------------------
** Dispatch
*/
/* /v1.1/... and /v1.1.0/... serve /v1; other /v<digit>... are versions vitrum does not serve. */
static int version_path(char *path, int *unsupported)
{
    *unsupported = 0;
    if (path[0] != '/' || path[1] != 'v' || path[2] < '0' || path[2] > '9') return 0;
    static const char *const aliases[] = {"/v1.1.0", "/v1.1"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(aliases[k]);
        if (strncmp(path, aliases[k], n) == 0 && (path[n] == '/' || !path[n])) {
            memmove(path + 3, path + n, strlen(path + n) + 1);
            return 1;
        }
    }
    *unsupported = !(path[2] == '1' && (path[3] == '/' || !path[3]));
    return 1;
}

static int dispatch(vt_server *srv, vt_http_req *rq, vt_http_resp *rs, char *path)
{
    int unsupported;
    size_t n = strlen(path);
    rq->path = path;
    while (n > 1 && path[n - 1] == '/') path[--n] = '\0'; /* "/v1/info/" = "/v1/info" */
    if (version_path(path, &unsupported) && unsupported)
        return vt_optimade_error(rq, rs, 553, "this server serves OPTIMADE v1 only (see /versions)");
    rq->path = path;
    int is_get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
    const route *match = NULL;
    for (size_t k = 0; k < sizeof routes / sizeof routes[0] && !match; k++) {
        const route *r = &routes[k];
        int hit = r->is_prefix ? strncmp(path, r->path, strlen(r->path)) == 0 && (strcmp(r->path, "/") != 0 || strncmp(path, "/v1", 3) != 0)
                               : strcmp(path, r->path) == 0;
        if (hit) match = r;
    }
    if (!match) return vt_optimade_error(rq, rs, 404, "no such endpoint (OPTIMADE: /versions, /v1/info, /v1/links, /v1/structures)");
    if (!(is_get ? !strcmp(match->method, "GET") : !strcmp(match->method, rq->method)))
        return vt_optimade_error(rq, rs, 405, "method not allowed on this path");
    if (!match->needs_db) return match->fn(rq, rs);
    return run_with_db(srv, match, rq, rs);
}

/* Per-connection state of a request with a body. */
typedef struct upload {
    char *data;
    size_t len, cap;
    int is_too_large;
} upload;

static void append_body(upload *u, const char *data, size_t n)
{
    if (u->is_too_large || !n) return;
    if (u->len + n > VT_HTTP_MAX_BODY) {
        u->is_too_large = 1;
        return;
    }
    if (u->len + n > u->cap) {
        size_t cap = u->cap ? u->cap : 65536;
        while (cap < u->len + n) cap *= 2;
        char *p = vt_realloc(u->data, cap);
        if (!p) {
            u->is_too_large = 1; /* out of memory: refused like an oversize body */
            return;
        }
        u->data = p;
        u->cap = cap;
    }
    memcpy(u->data + u->len, data, n);
    u->len += n;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, vt_http_resp *rs)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(rs->len, rs->body, vt_free);
    if (!r) return MHD_NO;
    rs->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type ? rs->content_type : "text/plain");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (rs->content_type && !strncmp(rs->content_type, "text/html", 9))
        MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
    if (rs->disposition[0]) MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    if (rs->status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    vt_server *srv = cls;
    (void)version;
    int has_body = !strcmp(method, "POST") || !strcmp(method, "PUT");
    if (has_body) { /* first call: headers only; then the body in pieces; then an empty call */
        upload *u = *con_cls;
        if (!u) {
            if (!(u = vt_calloc(1, sizeof *u))) return MHD_NO;
            *con_cls = u;
            return MHD_YES;
        }
        if (*upload_size) {
            append_body(u, upload_data, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
    }
    upload *u = *con_cls;
    char base[256], path[2048];
    vt_http_req rq = {.method = method, .srv = srv, .base_url = base};
    vt_http_resp rs = {0};
    base_url(srv, c, base, sizeof base);
    snprintf(path, sizeof path, "%s", url);
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, &rq);
    rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (u) {
        rq.body = u->data;
        rq.body_len = u->len;
        rq.is_body_too_large = u->is_too_large;
    }
    dispatch(srv, &rq, &rs, path);
    enum MHD_Result ok = send_reply(c, &rs);
    vt_free(rs.body);
    return ok;
}

/* Percent-decoding as MHD's own, except that a decoded NUL becomes DEL (0x7f), which no path, id or
 * filter accepts: "%00" can then never cut a path or a value short ("/v1/structures/%00x" must not
 * turn into the listing "/v1/structures/"). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    size_t n = MHD_http_unescape(s);
    for (size_t k = 0; k < n; k++)
        if (!s[k]) s[k] = 0x7f;
    return n;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    upload *u = *con_cls;
    if (u) vt_free(u->data);
    vt_free(u);
    *con_cls = NULL;
}

/* ---------------------------------------------------------------------------------------------
** Start and stop
*/
vt_status vt_server_start(const vt_server_opts *opts, vt_server **out)
{
    *out = NULL;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opts->port)};
    if (!opts->db_url || !opts->host || inet_pton(AF_INET, opts->host, &addr.sin_addr) != 1)
        VT_FAIL(VT_EINVAL, "serve: --host: expected an IPv4 address such as 127.0.0.1, got '%.40s'", opts->host ? opts->host : "");
    if (opts->port < 0 || opts->port > 65535) VT_FAIL(VT_EINVAL, "serve: --port: expected 0..65535, got %d", opts->port);
    if (opts->n_threads < 1 || opts->n_threads > 64) VT_FAIL(VT_EINVAL, "serve: threads: expected 1..64, got %d", opts->n_threads);
    if (opts->token && strlen(opts->token) < 16) VT_FAIL(VT_EINVAL, "serve: the upload token must have at least 16 characters");
    vt_server *srv = vt_calloc(1, sizeof *srv);
    if (!srv || !(srv->db_url = vt_strdup(opts->db_url))) {
        vt_free(srv);
        VT_FAIL(VT_ENOMEM, "serve: out of memory");
    }
    pthread_mutex_init(&srv->lock, NULL);
    pthread_mutex_init(&srv->write_lock, NULL);
    snprintf(srv->host, sizeof srv->host, "%s", opts->host);
    if (opts->token) {
        srv->has_token = 1;
        SHA256((const unsigned char *)opts->token, strlen(opts->token), srv->token_sha);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(srv->tmpdir, sizeof srv->tmpdir, "%s/vitrum-serve.XXXXXX", tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
    srv->has_tmpdir = mkdtemp(srv->tmpdir) != NULL;
    vt_status s = srv->has_tmpdir ? VT_OK : vt_err_set_(VT_EIO, "serve: cannot create a temporary folder: %s", strerror(errno));
    pooled first = {0};
    if (s == VT_OK) s = acquire(srv, &first); /* opens (and migrates) the database once, up front */
    release(srv, &first);
    if (s == VT_OK && opts->use_cache) srv->cache = vt_http_cache_new();
    if (s == VT_OK) {
        srv->daemon = MHD_start_daemon(
            MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)opts->port, NULL, NULL, on_request, srv,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->n_threads,
            MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)256 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
        if (!srv->daemon) s = vt_err_set_(VT_EIO, "serve: cannot listen on %s:%d (port in use?)", opts->host, opts->port);
    }
    if (s != VT_OK) {
        vt_server_stop(srv);
        return s;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opts->port;
    *out = srv;
    return VT_OK;
}

void vt_server_stop(vt_server *srv)
{
    if (!srv) return;
    if (srv->daemon) MHD_stop_daemon(srv->daemon);
    for (size_t k = 0; k < srv->n_pool; k++) vt_store_close(srv->pool[k].st);
    vt_http_cache_free(srv->cache);
    vt_store_close(srv->writer);
    if (srv->has_tmpdir) rmdir(srv->tmpdir); /* empty: every file is removed after use */
    pthread_mutex_destroy(&srv->lock);
    pthread_mutex_destroy(&srv->write_lock);
    vt_free(srv->db_url);
    vt_free(srv);
}
