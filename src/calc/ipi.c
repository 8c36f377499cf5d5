/*
** ipi.c - the i-PI socket server: vitrum sends positions, an external engine (ASE's SocketClient,
** CP2K's DRIVER run type, LAMMPS fix ipi, i-PI's drivers...) sends energy, forces and virial.
**   Spec: ipi:unix:NAME[,OPT...]  UNIX socket /tmp/ipi_NAME (the path i-PI, ASE and CP2K use)
**         ipi:tcp:[HOST:]PORT[,OPT...]  TCP, bound to HOST (default 127.0.0.1, loopback only)
**         OPT: connect_timeout=S (default 600 s), reply_timeout=S (default 0 = no limit)
**   Protocol (i-PI's; read in i-PI's drivers/f90/driver.f90 and ase/calculators/socketio.py):
**   messages are 12-byte ASCII headers padded with blanks; numbers are native-endian int32 and
**   float64. Per compute the server sends STATUS and reads READY (NEEDINIT: it sends INIT, bead
**   index 0, a 1-byte string, and asks again), then sends
**     POSDATA  h[9]  h^-1[9]  int32 n  pos[3n]
**   where h is the cell matrix with the lattice vectors as COLUMNS (h[i][j] = component i of
**   vector j, i.e. vitrum's lattice transposed) and h^-1 its inverse, both stored row-major (C
**   order), lengths in Bohr; positions row per atom, Bohr. It sends STATUS until HAVEDATA, then
**   GETFORCE, and reads
**     FORCEREADY  float64 E  int32 n  f[3n]  W[9]  int32 m  extra[m]
**   E Hartree, f Hartree/Bohr, W the virial in Hartree, row-major. The virial is W = -dE/d(strain)
**   (sum_k F_k r_k^T for pair forces), so vitrum's stress, ASE's sign, is sigma = -W / V.
**   Units: Angstrom, eV through VT_BOHR_A and VT_HARTREE_EV (ipi.h, ASE's values); stress in GPa
**   through VT_EV_PER_A3_IN_GPA. The cell is sent as given (not rotated to i-PI's
**   upper-triangular form); clients that assume that form need a cell with a along x and b in
**   the xy plane.
**   Robustness: partial reads and writes and EINTR are retried; every wait is a poll() with a
**   deadline; writes use MSG_NOSIGNAL (a dead client is an error, not a SIGPIPE); a client started
**   by the server is watched while waiting, so its death is reported with its exit status.
**   Tests: tests/calc/test_ipi.sh (ASE's SocketClient over UNIX and TCP against ASE computing
**   directly), tests/calc/test_cp2k.sh.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calc/calc.h"
#include "calc/ipi.h"
#include "core/error.h"

#define HDRLEN 12
#define MAX_EXTRA_BYTES (16u << 20)  /* a longer "extra" string is taken as a broken stream */
#define POLL_SLICE_MS 200            /* how often a wait looks at the started client */
#define DEFAULT_CONNECT_TIMEOUT_S 600.0

struct vt_ipi_server {
    int listen_fd;        /* -1 when closed */
    int fd;               /* the accepted client, -1 before */
    int is_unix;
    char address[128];    /* "/tmp/ipi_NAME" or "HOST:PORT" */
    double connect_timeout_s, reply_timeout_s;
    pid_t child;          /* started client (its own process group), 0 = none */
    int child_status;     /* wait status once reaped */
    int is_child_reaped;
    char log_path[1024];  /* client log, for messages */
    int is_broken;        /* a failed exchange left the stream in an unknown state */
    char *extra;          /* last extra string, NUL-terminated */
};

/* ---------------------------------------------------------------------------------------------
** Time and the started client
*/
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Whether the started client has exited (reaps it once). */
static int child_exited(vt_ipi_server *s)
{
    if (!s->child) return 0;
    if (s->is_child_reaped) return 1;
    int st = 0;
    pid_t r = waitpid(s->child, &st, WNOHANG);
    if (r == s->child) {
        s->is_child_reaped = 1;
        s->child_status = st;
        return 1;
    }
    return 0;
}

/* " (client exited with status N; its output: LOG)" or "" into buf. */
static const char *child_note(vt_ipi_server *s, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!s->child || !child_exited(s)) return buf;
    int st = s->child_status;
    if (WIFEXITED(st))
        snprintf(buf, size, " (client exited with status %d; its output: %s)", WEXITSTATUS(st),
                 s->log_path[0] ? s->log_path : "discarded");
    else if (WIFSIGNALED(st))
        snprintf(buf, size, " (client killed by signal %d; its output: %s)", WTERMSIG(st),
                 s->log_path[0] ? s->log_path : "discarded");
    return buf;
}

/* Wait until fd has the poll events ev, the deadline (0 = none) passes or the started client
 * dies. what names the wait in messages. */
static vt_status wait_fd(vt_ipi_server *s, int fd, short ev, double deadline, const char *what)
{
    for (;;) {
        int slice = POLL_SLICE_MS;
        if (deadline > 0) {
            double left = deadline - now_s();
            if (left <= 0) {
                s->is_broken = 1;
                VT_FAIL(VT_EIO, "ipi %s: timed out waiting for %s", s->address, what);
            }
            if (left * 1000.0 < slice) slice = (int)(left * 1000.0) + 1;
        }
        struct pollfd p = {.fd = fd, .events = ev, .revents = 0};
        int r = poll(&p, 1, slice);
        if (r > 0) return VT_OK; /* readable, writable, or hung up: the read/write tells which */
        if (r < 0 && errno != EINTR) {
            s->is_broken = 1;
            VT_FAIL(VT_EIO, "ipi %s: poll: %s", s->address, strerror(errno));
        }
        if (r == 0 && child_exited(s) && s->fd < 0) {
            char note[1200];
            s->is_broken = 1;
            VT_FAIL(VT_EIO, "ipi %s: the client never connected%s", s->address,
                    child_note(s, note, sizeof note));
        }
    }
}

/* ---------------------------------------------------------------------------------------------
** Whole messages over the connected socket
*/
static double reply_deadline(const vt_ipi_server *s)
{
    return s->reply_timeout_s > 0 ? now_s() + s->reply_timeout_s : 0.0;
}

static vt_status send_all(vt_ipi_server *s, const void *buf, size_t n, const char *what)
{
    const char *p = buf;
    double deadline = reply_deadline(s);
    while (n > 0) {
        VT_TRY(wait_fd(s, s->fd, POLLOUT, deadline, what));
        ssize_t k = send(s->fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            char note[1200];
            s->is_broken = 1;
            VT_FAIL(VT_EIO, "ipi %s: sending %s: %s%s", s->address, what, strerror(errno),
                    child_note(s, note, sizeof note));
        }
        p += k;
        n -= (size_t)k;
    }
    return VT_OK;
}

static vt_status recv_all(vt_ipi_server *s, void *buf, size_t n, const char *what)
{
    char *p = buf;
    double deadline = reply_deadline(s);
    while (n > 0) {
        VT_TRY(wait_fd(s, s->fd, POLLIN, deadline, what));
        ssize_t k = recv(s->fd, p, n, 0);
        if (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (k <= 0) {
            char note[1200];
            int err = k < 0 ? errno : 0;
            s->is_broken = 1;
            if (k == 0) usleep(100000); /* let a dying client be reaped, for the note */
            VT_FAIL(VT_EIO, "ipi %s: lost the client (%s) while vitrum waited for %s%s", s->address,
                    err ? strerror(err) : "it closed the connection", what,
                    child_note(s, note, sizeof note));
        }
        p += k;
        n -= (size_t)k;
    }
    return VT_OK;
}

static vt_status send_header(vt_ipi_server *s, const char *msg)
{
    char h[HDRLEN];
    memset(h, ' ', HDRLEN);
    memcpy(h, msg, strlen(msg));
    return send_all(s, h, HDRLEN, msg);
}

/* Read a header into out (NUL-terminated, trailing blanks removed). */
static vt_status recv_header(vt_ipi_server *s, const char *what, char out[HDRLEN + 1])
{
    VT_TRY(recv_all(s, out, HDRLEN, what));
    out[HDRLEN] = '\0';
    for (int i = HDRLEN - 1; i >= 0 && (out[i] == ' ' || out[i] == '\0'); i--) out[i] = '\0';
    for (int i = 0; out[i]; i++)
        if (out[i] < 32 || out[i] > 126) out[i] = '?'; /* printable in messages */
    return VT_OK;
}

static vt_status protocol_error(vt_ipi_server *s, const char *expected, const char *after,
                                const char *got)
{
    s->is_broken = 1;
    VT_FAIL(VT_EIO, "ipi %s: protocol error: expected %s after %s, got '%s'", s->address, expected,
            after, got);
}

/* ---------------------------------------------------------------------------------------------
** Listening, the started client, accepting
*/
static int valid_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64) return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A socket file left at path: remove it when no server answers there (a crashed run), refuse
 * when one does or when it is not a socket. */
static vt_status clear_stale_socket(const struct sockaddr_un *sa, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return VT_OK;
    if (!S_ISSOCK(st.st_mode))
        VT_FAIL(VT_EIO, "ipi %s: exists and is not a socket; not touching it", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) VT_FAIL(VT_EIO, "ipi %s: socket: %s", path, strerror(errno));
    int r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
    int err = errno;
    close(fd);
    if (r == 0) VT_FAIL(VT_EIO, "ipi %s: another server is listening on this socket", path);
    if (err != ECONNREFUSED) VT_FAIL(VT_EIO, "ipi %s: %s", path, strerror(err));
    if (unlink(path) != 0) VT_FAIL(VT_EIO, "ipi %s: removing a stale socket: %s", path, strerror(errno));
    return VT_OK;
}

static vt_status listen_unix(vt_ipi_server *s, const char *name)
{
    if (!valid_name(name))
        VT_FAIL(VT_EINVAL, "ipi: UNIX socket name '%s': use 1-64 characters of A-Z a-z 0-9 . _ -",
                name ? name : "");
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/ipi_%s", name);
    snprintf(s->address, sizeof s->address, "%s", sa.sun_path);
    VT_TRY(clear_stale_socket(&sa, sa.sun_path));
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) VT_FAIL(VT_EIO, "ipi %s: socket: %s", s->address, strerror(errno));
    if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        VT_FAIL(VT_EIO, "ipi %s: bind: %s", s->address, strerror(errno));
    s->is_unix = 1; /* from here on free() removes the file */
    if (listen(s->listen_fd, 1) != 0) VT_FAIL(VT_EIO, "ipi %s: listen: %s", s->address, strerror(errno));
    return VT_OK;
}

static vt_status listen_tcp(vt_ipi_server *s, const char *host, int port)
{
    if (!host) host = "127.0.0.1";
    snprintf(s->address, sizeof s->address, "%s:%d", host, port);
    if (port < 1 || port > 65535) VT_FAIL(VT_EINVAL, "ipi: TCP port %d: expected 1..65535", port);
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int g = getaddrinfo(host, service, &hints, &res);
    if (g != 0) VT_FAIL(VT_EIO, "ipi %s: %s", s->address, gai_strerror(g));
    int err = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) { err = errno; continue; }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            s->listen_fd = fd;
            break;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (s->listen_fd < 0) VT_FAIL(VT_EIO, "ipi %s: bind/listen: %s", s->address, strerror(err));
    return VT_OK;
}

/* fork + exec of argv in its own process group; exec failures come back through a CLOEXEC pipe. */
static vt_status start_client(vt_ipi_server *s, const vt_ipi_opts *o)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) VT_FAIL(VT_EIO, "ipi: pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        VT_FAIL(VT_EIO, "ipi: fork: %s", strerror(errno));
    }
    if (pid == 0) { /* child: only async-signal-safe calls plus setenv before exec */
        setpgid(0, 0);
        int err = 0;
        if (o->client_dir && chdir(o->client_dir) != 0) err = errno;
        int in = open("/dev/null", O_RDONLY);
        int out = open(o->client_log ? o->client_log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!err && (in < 0 || out < 0)) err = errno;
        if (!err && (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)) err = errno;
        for (const char *const *e = o->client_env; !err && e && *e; e++) {
            if (putenv((char *)*e) != 0) err = errno;
        }
        if (!err) {
            execvp(o->client_argv[0], o->client_argv);
            err = errno;
        }
        ssize_t w = write(pipefd[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    close(pipefd[1]);
    setpgid(pid, pid); /* also here, so that kill(-pid) works whichever side runs first */
    s->child = pid;
    int err = 0;
    ssize_t k;
    do k = read(pipefd[0], &err, sizeof err);
    while (k < 0 && errno == EINTR);
    close(pipefd[0]);
    if (k == (ssize_t)sizeof err)
        VT_FAIL(VT_EIO, "ipi: cannot start '%s' (in %s): %s", o->client_argv[0],
                o->client_dir ? o->client_dir : ".", strerror(err));
    return VT_OK;
}

static vt_status accept_client(vt_ipi_server *s)
{
    double deadline = now_s() + s->connect_timeout_s;
    char what[96];
    snprintf(what, sizeof what, "a client to connect (connect_timeout %g s)", s->connect_timeout_s);
    for (;;) {
        VT_TRY(wait_fd(s, s->listen_fd, POLLIN, deadline, what));
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            s->fd = fd;
            if (!s->is_unix) { /* small messages both ways: no Nagle delay */
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            }
            return VT_OK;
        }
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
            VT_FAIL(VT_EIO, "ipi %s: accept: %s", s->address, strerror(errno));
    }
}

vt_status vt_ipi_server_new(const vt_ipi_opts *o, vt_ipi_server **out)
{
    *out = NULL;
    if (!(o->connect_timeout_s > 0) || !(o->reply_timeout_s >= 0))
        VT_FAIL(VT_EINVAL, "ipi: connect_timeout must be > 0 and reply_timeout >= 0 (seconds)");
    vt_ipi_server *s = vt_calloc(1, sizeof *s);
    char *extra = vt_strdup("");
    if (!s || !extra) {
        vt_free(s);
        vt_free(extra);
        VT_FAIL(VT_ENOMEM, "ipi: out of memory");
    }
    s->listen_fd = s->fd = -1;
    s->extra = extra;
    s->connect_timeout_s = o->connect_timeout_s;
    s->reply_timeout_s = o->reply_timeout_s;
    if (o->client_log) snprintf(s->log_path, sizeof s->log_path, "%s", o->client_log);
    vt_status st = o->is_unix ? listen_unix(s, o->address) : listen_tcp(s, o->address, o->port);
    if (st == VT_OK && o->client_argv) st = start_client(s, o);
    if (st != VT_OK) {
        vt_ipi_server_free(s);
        return st;
    }
    *out = s;
    return VT_OK;
}

/* ---------------------------------------------------------------------------------------------
** One exchange
*/
/* Send STATUS and read the client's answer. */
static vt_status ask_status(vt_ipi_server *s, char reply[HDRLEN + 1])
{
    VT_TRY(send_header(s, "STATUS"));
    return recv_header(s, "the reply to STATUS", reply);
}

static vt_status send_posdata(vt_ipi_server *s, const vt_cell *c)
{
    double inv[3][3];
    VT_TRY(vt_lattice_inverse(c->lattice, inv));
    /* h = lattice^T (vectors as columns) and h^-1 = inv^T (inv: frac = cart * inv), row-major. */
    double h[9], ih[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            h[3 * i + j] = c->lattice[j][i] / VT_BOHR_A;
            ih[3 * i + j] = inv[j][i] * VT_BOHR_A;
        }
    if (c->n_atoms > INT32_MAX / 3) VT_FAIL(VT_ERANGE, "ipi: %zu atoms exceed the protocol's int32", c->n_atoms);
    int32_t n = (int32_t)c->n_atoms;
    double *pos = vt_malloc(c->n_atoms * 3 * sizeof *pos);
    if (!pos) VT_FAIL(VT_ENOMEM, "ipi: out of memory (%zu atoms)", c->n_atoms);
    for (size_t i = 0; i < c->n_atoms; i++)
        for (int k = 0; k < 3; k++) pos[3 * i + k] = c->pos[i][k] / VT_BOHR_A;
    vt_status st = send_header(s, "POSDATA");
    if (st == VT_OK) st = send_all(s, h, sizeof h, "the cell");
    if (st == VT_OK) st = send_all(s, ih, sizeof ih, "the inverse cell");
    if (st == VT_OK) st = send_all(s, &n, sizeof n, "the atom count");
    if (st == VT_OK) st = send_all(s, pos, c->n_atoms * 3 * sizeof *pos, "the positions");
    vt_free(pos);
    return st;
}

/* Read FORCEREADY's payload and convert to eV, eV/A, GPa. */
static vt_status recv_forces(vt_ipi_server *s, const vt_cell *c, vt_calc_result *r)
{
    double e_ha = 0.0;
    int32_t n = 0;
    VT_TRY(recv_all(s, &e_ha, sizeof e_ha, "the energy"));
    VT_TRY(recv_all(s, &n, sizeof n, "the atom count"));
    if (n < 0 || (size_t)n != c->n_atoms) {
        s->is_broken = 1;
        VT_FAIL(VT_EIO, "ipi %s: the client returned forces for %d atoms, vitrum sent %zu", s->address,
                (int)n, c->n_atoms);
    }
    double *f = vt_malloc(c->n_atoms * 3 * sizeof *f);
    if (!f) VT_FAIL(VT_ENOMEM, "ipi: out of memory (%zu atoms)", c->n_atoms);
    double w[9];
    int32_t m = 0;
    vt_status st = recv_all(s, f, c->n_atoms * 3 * sizeof *f, "the forces");
    if (st == VT_OK) st = recv_all(s, w, sizeof w, "the virial");
    if (st == VT_OK) st = recv_all(s, &m, sizeof m, "the extra string length");
    if (st == VT_OK && (m < 0 || (uint32_t)m > MAX_EXTRA_BYTES)) {
        s->is_broken = 1;
        st = vt_err_set_(VT_EIO, "ipi %s: extra string of %d bytes", s->address, (int)m);
    }
    char *extra = st == VT_OK ? vt_malloc((size_t)m + 1) : NULL;
    if (st == VT_OK && !extra) st = vt_err_set_(VT_ENOMEM, "ipi: out of memory");
    if (st == VT_OK) st = recv_all(s, extra, (size_t)m, "the extra string");
    if (st != VT_OK) {
        vt_free(f);
        vt_free(extra);
        return st;
    }
    extra[m] = '\0';
    vt_free(s->extra);
    s->extra = extra;

    int finite = isfinite(e_ha);
    for (size_t i = 0; i < 3 * c->n_atoms; i++) finite = finite && isfinite(f[i]);
    for (int i = 0; i < 9; i++) finite = finite && isfinite(w[i]);
    if (!finite) {
        vt_free(f);
        VT_FAIL(VT_ERANGE, "ipi %s: the client returned a non-finite energy, force or virial", s->address);
    }
    r->energy_eV = e_ha * VT_HARTREE_EV;
    if (r->forces)
        for (size_t i = 0; i < c->n_atoms; i++)
            for (int k = 0; k < 3; k++) r->forces[i][k] = f[3 * i + k] * (VT_HARTREE_EV / VT_BOHR_A);
    vt_free(f);
    /* sigma = -W / V: Hartree -> eV, eV/A^3 -> GPa */
    double scale = -VT_HARTREE_EV / vt_lattice_volume(c->lattice) * VT_EV_PER_A3_IN_GPA;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) r->stress_GPa[i][j] = w[3 * i + j] * scale;
    return VT_OK;
}

vt_status vt_ipi_server_compute(vt_ipi_server *s, const vt_cell *c, vt_calc_result *r)
{
    if (s->is_broken) VT_FAIL(VT_EIO, "ipi %s: the connection failed earlier; reopen the calculator", s->address);
    if (s->fd < 0) VT_TRY(accept_client(s));
    char reply[HDRLEN + 1];
    VT_TRY(ask_status(s, reply));
    if (strcmp(reply, "NEEDINIT") == 0) {
        /* bead index 0 and a one-byte parameter string: clients ignore it, some choke on 0 bytes */
        int32_t bead = 0, len = 1;
        char init = '\0';
        VT_TRY(send_header(s, "INIT"));
        VT_TRY(send_all(s, &bead, sizeof bead, "INIT"));
        VT_TRY(send_all(s, &len, sizeof len, "INIT"));
        VT_TRY(send_all(s, &init, 1, "INIT"));
        VT_TRY(ask_status(s, reply));
    }
    if (strcmp(reply, "READY") != 0) return protocol_error(s, "READY", "STATUS", reply);
    VT_TRY(send_posdata(s, c));
    /* The client computes now and answers this STATUS when done (reply_timeout bounds the wait). */
    VT_TRY(ask_status(s, reply));
    if (strcmp(reply, "HAVEDATA") != 0) return protocol_error(s, "HAVEDATA", "POSDATA", reply);
    VT_TRY(send_header(s, "GETFORCE"));
    VT_TRY(recv_header(s, "the reply to GETFORCE", reply));
    if (strcmp(reply, "FORCEREADY") != 0) return protocol_error(s, "FORCEREADY", "GETFORCE", reply);
    return recv_forces(s, c, r);
}

const char *vt_ipi_server_extra(const vt_ipi_server *s) { return s->extra; }
const char *vt_ipi_server_address(const vt_ipi_server *s) { return s->address; }

/* ---------------------------------------------------------------------------------------------
** Shutdown
*/
/* Wait up to seconds for the started client to exit. */
static int wait_child(vt_ipi_server *s, double seconds)
{
    double end = now_s() + seconds;
    while (!child_exited(s)) {
        if (now_s() > end) return 0;
        usleep(20000);
    }
    return 1;
}

void vt_ipi_server_free(vt_ipi_server *s)
{
    if (!s) return;
    if (s->fd >= 0) {
        if (!s->is_broken) {
            static const char exit_msg[HDRLEN] = "EXIT        ";
            ssize_t w = send(s->fd, exit_msg, HDRLEN, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w; /* best effort: the client may be gone */
        }
        close(s->fd);
    }
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->is_unix) unlink(s->address);
    if (s->child && !wait_child(s, 5.0)) {
        kill(-s->child, SIGTERM);
        if (!wait_child(s, 3.0)) {
            kill(-s->child, SIGKILL);
            if (!s->is_child_reaped) waitpid(s->child, &s->child_status, 0);
        }
    }
    vt_free(s->extra);
    vt_free(s);
}

/* ---------------------------------------------------------------------------------------------
** The --calc ipi:... back end
*/
static vt_status parse_seconds(const char *key, const char *val, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(val, &end);
    if (end == val || *end || errno || !isfinite(v) || v < 0)
        VT_FAIL(VT_EINVAL, "--calc ipi: %s: expected seconds >= 0, got '%s'", key, val);
    *out = v;
    return VT_OK;
}

/* Options after the address: ",connect_timeout=S,reply_timeout=S". opts is modified in place. */
static vt_status parse_options(char *opts, vt_ipi_opts *o)
{
    for (char *tok = strtok(opts, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq) VT_FAIL(VT_EINVAL, "--calc ipi: option '%s': expected KEY=VALUE", tok);
        *eq = '\0';
        if (strcmp(tok, "connect_timeout") == 0) {
            VT_TRY(parse_seconds(tok, eq + 1, &o->connect_timeout_s));
            if (o->connect_timeout_s == 0) VT_FAIL(VT_EINVAL, "--calc ipi: connect_timeout must be > 0");
        } else if (strcmp(tok, "reply_timeout") == 0) {
            VT_TRY(parse_seconds(tok, eq + 1, &o->reply_timeout_s));
        } else {
            VT_FAIL(VT_EINVAL, "--calc ipi: unknown option '%s' (connect_timeout, reply_timeout)", tok);
        }
    }
    return VT_OK;
}

/* "unix:NAME" or "tcp:[HOST:]PORT" (buf is modified in place). */
static vt_status parse_address(char *buf, vt_ipi_opts *o)
{
    if (strncmp(buf, "unix:", 5) == 0) {
        o->is_unix = 1;
        o->address = buf + 5;
        return VT_OK;
    }
    if (strncmp(buf, "tcp:", 4) != 0)
        VT_FAIL(VT_EINVAL, "--calc ipi:%s: expected ipi:unix:NAME or ipi:tcp:[HOST:]PORT", buf);
    char *rest = buf + 4, *colon = strrchr(rest, ':');
    const char *port_text = colon ? colon + 1 : rest;
    if (colon) {
        *colon = '\0';
        o->address = rest;
    }
    char *end = NULL;
    long port = strtol(port_text, &end, 10);
    if (end == port_text || *end || port < 1 || port > 65535)
        VT_FAIL(VT_EINVAL, "--calc ipi:tcp: port '%s': expected 1..65535", port_text);
    o->port = (int)port;
    return VT_OK;
}

static vt_status ipi_compute(void *state, const vt_cell *c, vt_calc_result *r)
{
    return vt_ipi_server_compute(state, c, r);
}

static void ipi_free(void *state) { vt_ipi_server_free(state); }

static const vt_calc_ops ipi_ops = {.name = "ipi", .compute = ipi_compute, .free = ipi_free};

vt_status vt_calc_open_ipi(const char *arg, const vt_calc_ops **ops, void **state, char **settings)
{
    if (!arg || !*arg) VT_FAIL(VT_EINVAL, "--calc ipi: expected ipi:unix:NAME or ipi:tcp:[HOST:]PORT");
    char *buf = vt_strdup(arg);
    char *text = vt_malloc(512);
    if (!buf || !text) {
        vt_free(buf);
        vt_free(text);
        VT_FAIL(VT_ENOMEM, "--calc ipi: out of memory");
    }
    vt_ipi_opts o = {.connect_timeout_s = DEFAULT_CONNECT_TIMEOUT_S};
    char *comma = strchr(buf, ',');
    if (comma) *comma = '\0';
    vt_status st = parse_address(buf, &o);
    if (st == VT_OK && comma) st = parse_options(comma + 1, &o);
    vt_ipi_server *s = NULL;
    if (st == VT_OK) st = vt_ipi_server_new(&o, &s);
    if (st == VT_OK) {
        snprintf(text, 512, "ipi %s %s\nconnect_timeout_s = %g\nreply_timeout_s = %g\n",
                 o.is_unix ? "unix" : "tcp", vt_ipi_server_address(s), o.connect_timeout_s,
                 o.reply_timeout_s);
        *ops = &ipi_ops;
        *state = s;
        *settings = text;
    } else {
        vt_free(text);
    }
    vt_free(buf);
    return st;
}
