/* test_svg.c - SVG charts: well-formed XML (xmllint when installed, a tag-balance check always),
** escaped text, one <circle> per finite point, byte-identical output for the same input, log-axis
** refusal of non-positive values, and "no data" charts for empty or all-NaN input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/svg.h"
#include "test.h"

static char dir[] = "/tmp/vt_svg_XXXXXX";

static const char *in_dir(const char *name)
{
    static char buf[4][256];
    static int k = 0;
    k = (k + 1) % 4; /* a few live at once: compare two paths in one call */
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Whole file as a NUL-terminated string (vt_free), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = vt_malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) { vt_free(s); s = NULL; }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* Every '&' starts one of the five XML entities vitrum writes. */
static int entities_ok(const char *s)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&')) {
        int ok = 0;
        for (size_t i = 0; i < 5; i++) ok |= strncmp(p, ents[i], strlen(ents[i])) == 0;
        if (!ok) return 0;
    }
    return 1;
}

/* Tags balance: every <name ...> is closed by </name> in order, <.../> closes itself, one root. */
static int tags_balanced(const char *s)
{
    char stack[64][32];
    int depth = 0, roots = 0;
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        if (!end) return 0;
        if (p[1] == '?') continue;
        size_t len = strcspn(p + 1 + (p[1] == '/'), " \t\n/>");
        if (len == 0 || len >= 32) return 0;
        if (p[1] == '/') {
            if (depth == 0 || strncmp(stack[depth - 1], p + 2, len) != 0 || stack[depth - 1][len]) return 0;
            depth--;
        } else if (end[-1] != '/') {
            if (depth == 64) return 0;
            roots += depth == 0;
            memcpy(stack[depth], p + 1, len);
            stack[depth++][len] = '\0';
        }
    }
    return depth == 0 && roots == 1;
}

static int well_formed(const char *path, const char *text)
{
    int ok = text && tags_balanced(text) && entities_ok(text);
    if (access("/usr/bin/xmllint", X_OK) == 0) { /* Debian libxml2-utils, when installed */
        char cmd[512];
        snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout '%s'", path);
        ok = ok && system(cmd) == 0;
    }
    return ok;
}

static int same_bytes(const char *a, const char *b)
{
    char *sa = slurp(a), *sb = slurp(b);
    int same = sa && sb && strcmp(sa, sb) == 0;
    vt_free(sa);
    vt_free(sb);
    return same;
}

/* Parity plot: 4 + 2 finite points of 5 + 3, and an all-NaN series that must not matter. */
static const double tx[] = {0.5, 1.0, NAN, 2.0, 3.2}, ty[] = {0.6, 0.9, 1.0, 2.3, 3.0};
static const double te[] = {0.1, 0.2, 0.1, NAN, 0.3};
static const double vx[] = {1.5, INFINITY, 2.5}, vy[] = {1.4, 2.0, 2.7};
static const double nan3[] = {NAN, NAN, NAN};

static vt_status parity(const char *path)
{
    vt_svg_series s[3] = {
        {"train", tx, ty, te, 5, 0},
        {"test \"held out\"", vx, vy, NULL, 3, 0},
        {"all NaN", nan3, nan3, NULL, 3, 0},
    };
    vt_svg_axes ax = {"Parity <D> & 'co'", "computed D x 1000", "predicted D x 1000", 0, 0, 1};
    return vt_svg_plot(path, &ax, s, 3);
}

static void parity_plot(void)
{
    CHECK(parity(in_dir("parity.svg")) == VT_OK);
    char *s = slurp(in_dir("parity.svg"));
    CHECK(well_formed(in_dir("parity.svg"), s));
    if (!s) return;
    CHECK(strstr(s, "Parity &lt;D&gt; &amp; &apos;co&apos;") != NULL);
    CHECK(strstr(s, "test &quot;held out&quot;") != NULL);
    CHECK(strstr(s, "all NaN") == NULL); /* nothing drawn, so no legend row */
    CHECK(count(s, "<circle") == 6);
    CHECK(count(s, "h6") == 6); /* 3 error bars (a NaN error or a NaN point has none), 2 caps each */
    CHECK(strstr(s, "stroke-dasharray") != NULL); /* the y = x line */
    CHECK(strstr(s, "nan") == NULL && strstr(s, "inf") == NULL);
    vt_free(s);
    CHECK(parity(in_dir("parity2.svg")) == VT_OK);
    CHECK(same_bytes(in_dir("parity.svg"), in_dir("parity2.svg")));
}

static vt_status importance(const char *path)
{
    const char *labels[] = {"inv_kBT", "BR5_M <mean>", "X & Y", "unknown"};
    const double v[] = {0.45, 0.3, -0.05, NAN}, e[] = {0.05, NAN, 0.02, 0.1};
    return vt_svg_bars(path, "Feature importance", "importance", labels, v, e, 4);
}

static void bar_chart(void)
{
    CHECK(importance(in_dir("bars.svg")) == VT_OK);
    char *s = slurp(in_dir("bars.svg"));
    CHECK(well_formed(in_dir("bars.svg"), s));
    if (s) {
        CHECK(strstr(s, "BR5_M &lt;mean&gt;") != NULL && strstr(s, "X &amp; Y") != NULL);
        CHECK(count(s, "fill=\"#0072B2\"") == 3); /* the NaN value draws no bar */
        CHECK(count(s, "<circle") == 0);
    }
    vt_free(s);
    CHECK(importance(in_dir("bars2.svg")) == VT_OK);
    CHECK(same_bytes(in_dir("bars.svg"), in_dir("bars2.svg")));

    const char *many[40];
    double v[40];
    for (int i = 0; i < 40; i++) { many[i] = "feature"; v[i] = 1.0 / (i + 1); }
    CHECK(vt_svg_bars(in_dir("many.svg"), NULL, NULL, many, v, NULL, 40) == VT_OK);
    s = slurp(in_dir("many.svg"));
    CHECK(well_formed(in_dir("many.svg"), s));
    CHECK(s && strstr(s, "height=\"480\"") == NULL); /* grew to keep 40 labels apart */
    vt_free(s);
}

static void log_axes(void)
{
    const double x[] = {300, 600, 1200}, y[] = {1e-6, 1e-3, 0.5}, bad[] = {1e-3, -1e-4, 0.5};
    const double err[] = {2e-6, 1e-4, 0.1}; /* first bar reaches below 0: cut at the axis */
    vt_svg_series s = {"D(T)", x, y, err, 3, 1};
    vt_svg_axes ax = {"Arrhenius", "T (K)", "D (cm^2/s)", 1, 1, 0};
    CHECK(vt_svg_plot(in_dir("log.svg"), &ax, &s, 1) == VT_OK);
    char *text = slurp(in_dir("log.svg"));
    CHECK(well_formed(in_dir("log.svg"), text));
    CHECK(text && strstr(text, "<tspan") != NULL && strstr(text, "<polyline") != NULL);
    vt_free(text);

    s.y = bad;
    CHECK(vt_svg_plot(in_dir("bad.svg"), &ax, &s, 1) == VT_ERANGE);
    CHECK(strstr(vt_errmsg(), "point 1") && strstr(vt_errmsg(), "log y axis"));
    CHECK(access(in_dir("bad.svg"), F_OK) != 0);
    ax.log_y = 0; /* the diagonal needs both axes of one kind */
    ax.diagonal = 1;
    CHECK(vt_svg_plot(in_dir("bad.svg"), &ax, &s, 1) == VT_EINVAL);
}

static void no_data(void)
{
    vt_svg_series s = {"empty", NULL, NULL, NULL, 0, 0};
    vt_svg_axes ax = {"nothing", NULL, NULL, 1, 1, 1};
    CHECK(vt_svg_plot(in_dir("empty.svg"), &ax, &s, 1) == VT_OK);
    CHECK(vt_svg_plot(in_dir("none.svg"), &ax, NULL, 0) == VT_OK);
    vt_svg_series nan_s = {"NaN", nan3, nan3, nan3, 3, 0};
    CHECK(vt_svg_plot(in_dir("nan.svg"), &ax, &nan_s, 1) == VT_OK);
    CHECK(vt_svg_bars(in_dir("nobars.svg"), "t", "x", NULL, NULL, NULL, 0) == VT_OK);
    const char *names[] = {"empty.svg", "none.svg", "nan.svg", "nobars.svg"};
    for (size_t i = 0; i < 4; i++) {
        char *text = slurp(in_dir(names[i]));
        CHECK(well_formed(in_dir(names[i]), text));
        CHECK(text && strstr(text, "no data") && count(text, "<circle") == 0);
        vt_free(text);
    }
}

static void remove_all(void)
{
    const char *names[] = {"parity.svg", "parity2.svg", "bars.svg", "bars2.svg", "many.svg",
                           "log.svg", "empty.svg", "none.svg", "nan.svg", "nobars.svg"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(in_dir(names[i]));
    CHECK(rmdir(dir) == 0); /* nothing else left behind: no temp files */
}

int main(void)
{
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    parity_plot();
    bar_chart();
    log_axes();
    no_data();
    remove_all();
    TEST_DONE();
}
