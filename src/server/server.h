/* server.h - internal: `vitrum serve`, the HTTP layer above the store (libmicrohttpd): OPTIMADE v1
** (server/optimade.c), the web page and its plots and downloads (server/web.c), uploads of runs.
** Requests are served by a pool of threads (default 2, one per core of the target machine); each
** request borrows one read-only store connection from a pool, so handlers never share one.
** Docs: docs/server.md. */
#ifndef VT_SERVER_SERVER_H
#define VT_SERVER_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include "vitrum.h"

typedef struct vt_server_opts {
    const char *db_url;      /* store URL (vt_store_open); borrowed */
    const char *host;        /* IPv4 address to bind, default "127.0.0.1" (loopback only) */
    int port;                /* TCP port; 0: any free port (see vt_server_port) */
    int n_threads;           /* worker threads, default 2 */
    const char *token;       /* upload token (>= 16 bytes), NULL: read-only; borrowed, copied */
    int use_cache;           /* keep replies of entry queries until the database changes (default 1) */
} vt_server_opts;

vt_server_opts vt_server_opts_default(void);

typedef struct vt_server vt_server;

/* Open the database (migrating it like vt_store_open), bind and start serving in background
 * threads. VT_EIO naming the address when it cannot bind, VT_EDB when the store cannot open,
 * VT_EINVAL for bad options. */
vt_status vt_server_start(const vt_server_opts *opts, vt_server **out);
/* The port actually bound (useful with port 0). */
int vt_server_port(const vt_server *srv);
/* Stop serving, wait for running requests, close every connection. Accepts NULL. */
void vt_server_stop(vt_server *srv);

/* ---- the request/response pair handlers see (filled by server/http.c) ---- */
#define VT_HTTP_MAX_ARGS 32
#define VT_HTTP_MAX_BODY ((size_t)64 << 20) /* uploads: 64 MiB */

typedef struct vt_http_arg {
    const char *key, *value; /* URL-decoded; value may be "" */
    size_t value_len;        /* bytes of value (a decoded %00 shows as value_len > strlen) */
    int is_used;             /* set by the handler that read it (unused ones give a warning) */
} vt_http_arg;

typedef struct vt_http_req {
    const char *method;      /* "GET", "HEAD", "POST" */
    const char *path;        /* URL-decoded path, "/v1/structures/Li2O" */
    vt_http_arg args[VT_HTTP_MAX_ARGS];
    size_t n_args;
    int has_too_many_args;
    const char *base_url;    /* "http://127.0.0.1:8080": scheme, host and port, no slash */
    const char *body;        /* POST body (not NUL-terminated), body_len bytes */
    size_t body_len;
    int is_body_too_large;   /* the body exceeded VT_HTTP_MAX_BODY and was cut */
    const char *authorization; /* the Authorization header, NULL when absent */
    vt_store *st;            /* a read-only connection, borrowed for this request */
    vt_server *srv;
} vt_http_req;

typedef struct vt_http_resp {
    int status;              /* HTTP status */
    const char *content_type;/* static string */
    char *body;              /* vt_malloc'ed, owned by the response */
    size_t len;
    char disposition[160];   /* "" or a Content-Disposition value (downloads) */
} vt_http_resp;

/* Value of query argument key (marked used), NULL when absent. */
const char *vt_http_arg_get(vt_http_req *rq, const char *key, size_t *len);
/* Set rs to status, type and a copy of n bytes. Returns status. */
int vt_http_reply(vt_http_resp *rs, int status, const char *type, const char *body, size_t n);

/* ---- server/web.c ---- */
int vt_web_asset(vt_http_req *rq, vt_http_resp *rs);        /* GET / and /web/... from memory */
int vt_web_arrhenius_svg(vt_http_req *rq, vt_http_resp *rs); /* GET /plot/arrhenius.svg?id= */
int vt_web_rdf_svg(vt_http_req *rq, vt_http_resp *rs);       /* GET /plot/rdf.svg?id=&t_k= */
int vt_web_download(vt_http_req *rq, vt_http_resp *rs);      /* GET /download?id=&format= */
/* The server's private temporary folder (plots are drawn through files there), and a new unique
 * file name in it: "<tmpdir>/<stem>-<n><ext>". */
const char *vt_server_tmpdir(const vt_server *srv);
void vt_server_tmpname(vt_server *srv, const char *stem, const char *ext, char path[320]);
/* ---- server/http.c ---- */
int vt_server_upload(vt_http_req *rq, vt_http_resp *rs);     /* POST /upload (token) */

/* Embedded web files (generated from web/ at build time by tools/embed_web.cmake). */
typedef struct vt_web_file {
    const char *path;        /* "/index.html" */
    const char *type;        /* MIME type */
    const unsigned char *data;
    size_t len;
} vt_web_file;
extern const vt_web_file vt_web_files[];
extern const size_t vt_web_n_files;
#endif
