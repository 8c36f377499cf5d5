/*
** fail_threads.c - a fault injector for tests/calc/test_m3gnet_threads.sh, loaded with LD_PRELOAD:
** pthread_create fails with EAGAIN ("no resources, try again") for the first VT_FAIL_THREADS calls
** of the process, then behaves as usual. Lets the test check that the M3GNet back end retries a
** thread it could not start, and stops with an error rather than running on fewer threads.
*/
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    static long failures_left = -1;
    if (failures_left < 0) {
        const char *n = getenv("VT_FAIL_THREADS");
        failures_left = n ? atol(n) : 0;
    }
    if (failures_left > 0) {
        failures_left--;
        return EAGAIN;
    }
    create_fn *real = (create_fn *)dlsym(RTLD_NEXT, "pthread_create");
    return real ? real(thread, attr, start, arg) : ENOSYS;
}
