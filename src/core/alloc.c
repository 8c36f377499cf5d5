/* alloc.c - the one allocation funnel. VT_TEST_FAIL_ALLOC=N in the environment makes the Nth
** allocation (1-based) and every later one fail, so tests can reach every out-of-memory path. */
#include <stdlib.h>
#include <string.h>

#include "vitrum.h"

static long fail_after = -2; /* -2: not read yet, -1: never fail */
static _Thread_local long n_allocs = 0;

static int should_fail(void)
{
    if (fail_after == -2) {
        const char *s = getenv("VT_TEST_FAIL_ALLOC");
        fail_after = s ? strtol(s, NULL, 10) : -1;
        if (fail_after <= 0) fail_after = -1;
    }
    return fail_after > 0 && ++n_allocs >= fail_after;
}

void *vt_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }
void *vt_calloc(size_t n, size_t size) { return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1); }
void *vt_realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }
void vt_free(void *p) { free(p); }

char *vt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = vt_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
