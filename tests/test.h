/* test.h - two-macro test helpers (after Redis's testhelp.h) plus tolerance checks. */
#ifndef VT_TEST_H
#define VT_TEST_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int vt_test_failures = 0;
static int vt_test_checks = 0;

#define CHECK(cond) do { vt_test_checks++; if (!(cond)) { vt_test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* |got - want| <= tol * max(1, |want|) */
#define CHECK_REL(got, want, tol) do { double g_ = (got), w_ = (want); vt_test_checks++; \
    if (!(fabs(g_ - w_) <= (tol) * fmax(1.0, fabs(w_)))) { vt_test_failures++; \
    fprintf(stderr, "%s:%d: %s = %.17g, want %.17g (tol %g)\n", __FILE__, __LINE__, #got, g_, w_, \
            (double)(tol)); } } while (0)

#define TEST_DONE() do { printf("%d checks, %d failed\n", vt_test_checks, vt_test_failures); \
    return vt_test_failures ? 1 : 0; } while (0)

/* Path to ../shared/<rel>, or exit 77 ("skipped") when ../shared is absent. */
static inline const char *vt_test_shared(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("VT_SHARED");
    if (!dir) dir = "../shared";
    snprintf(buf, sizeof buf, "%s/%s", dir, rel);
    FILE *f = fopen(buf, "r");
    if (!f) { printf("skipped: %s not found\n", buf); exit(77); }
    fclose(f);
    return buf;
}
#endif
