/* atomic.c - atomic whole-file writes: "<path>.tmp.<pid>", fsync, rename over <path>. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "core/error.h"

static vt_status write_all(int fd, const char *tmp, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            VT_FAIL(VT_EIO, "%s: write failed: %s", tmp, strerror(errno));
        }
        data += w;
        n -= (size_t)w;
    }
    return VT_OK;
}

vt_status vt_write_file_atomic(const char *path, const void *data, size_t n_bytes)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        VT_FAIL(VT_EINVAL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) VT_FAIL(VT_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    vt_status s = write_all(fd, tmp, data, n_bytes);
    if (s == VT_OK && fsync(fd) != 0) s = vt_err_set_(VT_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && s == VT_OK) s = vt_err_set_(VT_EIO, "%s: close failed: %s", tmp, strerror(errno));
    if (s == VT_OK && rename(tmp, path) != 0)
        s = vt_err_set_(VT_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    if (s != VT_OK) unlink(tmp);
    return s;
}
