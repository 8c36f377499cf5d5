/* cmd_serve.c - `vitrum serve`: the database over HTTP (OPTIMADE v1 and a web page), loopback and
** read-only by default, until SIGINT or SIGTERM. The upload token is read from a file (never from
** the command line, where other users could see it in the process list). Prints one line
** "vitrum: serving DB at http://HOST:PORT/ (read-only|uploads enabled)" once it listens, so
** scripts started with --port 0 learn the port. Docs: docs/server.md. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server/server.h"

const cli_opt cli_serve_opts[] = {
    {"db", "URL", "database: postgresql://... or an SQLite file (default $VITRUM_DB, else vitrum.db)"},
    {"host", "ADDR", "IPv4 address to listen on (default 127.0.0.1: this machine only)"},
    {"port", "N", "TCP port (default 8080; 0: any free port, printed at start)"},
    {"threads", "N", "worker threads (default 2)"},
    {"token-file", "FILE", "enable uploads (POST /upload) for requests bearing the token in FILE (>= 16 chars)"},
    {"no-cache", NULL, "compute every reply (default: keep replies of entry queries until the database changes)"},
    {NULL, NULL, NULL}};

/* The token: the file's first line, without its line end. */
static int read_token(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) return cli_usage_error("--token-file: %s: %s", path, strerror(errno));
    int ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    if (!ok) return cli_usage_error("--token-file: %s: empty", path);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (strlen(buf) < 16) return cli_usage_error("--token-file: %s: the token must have at least 16 characters", path);
    return 0;
}

int cli_serve(const cli_cmd *cmd, cli_args *a)
{
    vt_server_opts o = vt_server_opts_default();
    uint64_t port = 0, threads = 0;
    char token[512];
    int rc = cli_get_u64(cmd, a, "port", 8080, 65535, &port);
    if (!rc) rc = cli_get_u64(cmd, a, "threads", 2, 64, &threads);
    const char *tf = cli_get(cmd, a, "token-file");
    if (!rc && tf) rc = read_token(tf, token, sizeof token);
    if (rc) return rc;
    o.db_url = cli_get(cmd, a, "db");
    if (!o.db_url) o.db_url = getenv("VITRUM_DB");
    if (!o.db_url || !o.db_url[0]) o.db_url = VT_STORE_DEFAULT_URL;
    if (cli_get(cmd, a, "host")) o.host = cli_get(cmd, a, "host");
    o.port = (int)port;
    o.n_threads = (int)threads;
    o.token = tf ? token : NULL;
    o.use_cache = !cli_flag(cmd, a, "no-cache");
    /* Block the stop signals before the server's threads start, so they all inherit the mask and
     * only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    vt_server *srv = NULL;
    vt_status s = vt_server_start(&o, &srv);
    memset(token, 0, sizeof token);
    if (s != VT_OK) return cli_fail(s);
    printf("vitrum: serving %s at http://%s:%d/ (%s)\n", o.db_url, o.host, vt_server_port(srv),
           tf ? "uploads enabled" : "read-only");
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    vt_server_stop(srv);
    return 0;
}
