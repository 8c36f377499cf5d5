/* ipi.h - internal: vitrum as an i-PI server (the "driver" side that sends positions and gets
** forces back), used by ipi.c (--calc ipi:...) and cp2k.c (CP2K run as an i-PI client).
** Protocol, units and conventions: docs/ipi.md and the header of ipi.c. */
#ifndef VT_CALC_IPI_H
#define VT_CALC_IPI_H
#include "vitrum.h"

/* Atomic units as ASE 3.22 computes them from its default CODATA 2014 constants (ase.units.Bohr,
 * ase.units.Hartree, printed with repr()), so that positions and forces round-trip with ASE's
 * SocketIOCalculator/SocketClient to the last bit or one rounding. i-PI's own table
 * (ipi/utils/units.py) carries fewer digits; CP2K sees only atomic units from us. */
#define VT_BOHR_A 0.5291772105638411     /* Bohr radius, Angstrom */
#define VT_HARTREE_EV 27.211386024367243 /* Hartree, eV */

typedef struct vt_ipi_server vt_ipi_server;

typedef struct vt_ipi_opts {
    int is_unix;               /* 1: UNIX socket /tmp/ipi_<address>; 0: TCP */
    const char *address;       /* UNIX: socket name ([A-Za-z0-9._-]); TCP: host or IP to bind,
                                  NULL = 127.0.0.1 (loopback only); borrowed */
    int port;                  /* TCP port, 1..65535 */
    double connect_timeout_s;  /* how long the first compute waits for the client, s, > 0 */
    double reply_timeout_s;    /* longest wait for one reply of the client, s; 0 = no limit */
    char *const *client_argv;  /* NULL, or a command vitrum starts itself (execvp, no shell) right
                                  after listening, kills and reaps at free; borrowed */
    const char *client_dir;    /* its working directory (NULL: the current one); borrowed */
    const char *client_log;    /* file taking its stdout and stderr (NULL: /dev/null); borrowed */
    const char *const *client_env; /* NULL, or "NAME=VALUE" strings set for it, NULL-terminated */
} vt_ipi_opts;

/* Bind and listen (a stale UNIX socket file of a dead server is replaced; a live one is an
 * error), then start the client command if one is given. The client is accepted lazily, at the
 * first compute. On failure nothing is left behind. */
vt_status vt_ipi_server_new(const vt_ipi_opts *o, vt_ipi_server **out);
/* One i-PI exchange (STATUS, [INIT,] POSDATA, STATUS, GETFORCE) for cell c: energy eV, forces
 * eV/A (when r->forces), stress GPa (ASE sign) from the virial. VT_EIO with a clear message when
 * the client does not connect in time, dies or breaks the protocol; the server is unusable after. */
vt_status vt_ipi_server_compute(vt_ipi_server *s, const vt_cell *c, vt_calc_result *r);
/* The "extra" string of the last FORCEREADY ("" before), borrowed until the next compute. */
const char *vt_ipi_server_extra(const vt_ipi_server *s);
/* Where the server listens: "/tmp/ipi_NAME" or "HOST:PORT"; borrowed. */
const char *vt_ipi_server_address(const vt_ipi_server *s);
/* Send EXIT to a connected client, close, remove the UNIX socket file, stop and reap the started
 * client (EXIT, then SIGTERM, then SIGKILL to its process group). NULL is accepted. */
void vt_ipi_server_free(vt_ipi_server *s);

#endif
