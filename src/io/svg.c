/*
** svg.c - dependency-free SVG charts: markers or lines with vertical error bars (parity, MSD,
** Arrhenius and RDF plots) and horizontal bar charts (feature importances).
**   Hand-written rather than linked: Debian's plotting libraries that can emit SVG (PLplot,
**   libplplot-dev; GNU plotutils, libplot-dev) would add a run-time dependency and load their
**   output drivers at run time, for charts that take a few hundred lines here with byte-identical
**   output, house errors and atomic writes.
**   Layout: 640 x 480 px (bar charts grow 20 px per bar beyond 19 bars). Axis limits are rounded
**   outward to ticks in 1-2-5 steps (Heckbert, "Nice numbers for graph labels", Graphics Gems I,
**   1990) or to whole decades on log axes. Colours: the Okabe-Ito colourblind-safe palette
**   (M. Okabe and K. Ito, "Color Universal Design", 2008).
**   Deterministic: no clock, no random ids, every number printed with %.6g (the C numeric locale
**   is assumed; vitrum never calls setlocale).
**   Tests: tests/io/test_svg.c.
*/
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "svg.h"
#include "text.h"

#define WIDTH 640.0
#define HEIGHT 480.0
#define FONT_PX 11.0
#define BAR_PITCH_PX 20.0 /* smallest row height that keeps 11 px bar labels apart */

/* Okabe-Ito, yellow last: it is the one hard to see on white. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define N_COLORS (sizeof palette / sizeof palette[0])

/* XML-escaped text, good in element content and attribute values alike. Control characters other
 * than tab, newline and CR are not allowed in XML 1.0 at all, so they are dropped. */
static void put_text(vt_text *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': vt_text_printf(b, "&amp;"); break;
        case '<': vt_text_printf(b, "&lt;"); break;
        case '>': vt_text_printf(b, "&gt;"); break;
        case '"': vt_text_printf(b, "&quot;"); break;
        case '\'': vt_text_printf(b, "&apos;"); break;
        default:
            if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') vt_text_put(b, s, 1);
        }
    }
}

static void put_text_at(vt_text *b, double x, double y, const char *attrs, const char *s)
{
    vt_text_printf(b, "<text x=\"%.6g\" y=\"%.6g\"%s>", x, y, attrs);
    put_text(b, s);
    vt_text_printf(b, "</text>\n");
}

/* Width estimate for layout: 0.65 em per UTF-8 character, a little above the average advance of
 * DejaVu Sans (the widest common sans), so boxes and margins err on the roomy side. */
static double text_width(const char *s, double font_px)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return 0.65 * font_px * (double)n;
}

static int has_text(const char *s) { return s && *s; }

static void put_header(vt_text *b, double w, double h)
{
    vt_text_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.6g\" height=\"%.6g\" "
                      "viewBox=\"0 0 %.6g %.6g\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                      "font-size=\"%.6g\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
        w, h, w, h, FONT_PX);
}

/* Closes the chart and writes it; frees the text either way. */
static vt_status finish(vt_text *b, const char *path)
{
    vt_text_printf(b, "</svg>\n");
    if (b->is_oom) {
        vt_text_clear(b);
        VT_FAIL(VT_ENOMEM, "%s: out of memory drawing the chart", path);
    }
    return vt_text_save(b, path);
}

/* ---------------------------------------------------------------------------------------------
** Axes. Values are mapped to "drawn" space first (log10 on a log axis); lo and hi lie on ticks
** that are step apart in drawn space. p0, p1 are the pixel positions of lo and hi.
*/
typedef struct axis {
    double lo, hi, step;
    int is_log;
    double p0, p1;
} axis;

typedef struct extent {
    double min, max; /* drawn space */
    size_t n;
} extent;

#define EXTENT_EMPTY {INFINITY, -INFINITY, 0}

static void extent_add(extent *e, double v)
{
    if (v < e->min) e->min = v;
    if (v > e->max) e->max = v;
    e->n++;
}

static double drawn(int is_log, double v) { return is_log ? log10(v) : v; }

static double axis_px(const axis *a, double t)
{
    return a->p0 + (t - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

static double value_px(const axis *a, double v) { return axis_px(a, drawn(a->is_log, v)); }

static size_t axis_n_ticks(const axis *a) { return (size_t)llround((a->hi - a->lo) / a->step) + 1; }

static double axis_tick(const axis *a, size_t i)
{
    double t = a->lo + (double)i * a->step;
    return fabs(t) < 1e-9 * a->step ? 0.0 : t; /* lo + i*step misses 0 by rounding: print "0" */
}

static double nice_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Decades; on a wide axis every k-th decade so there are at most 8 intervals. */
static void fit_log(axis *a, double min, double max)
{
    a->lo = floor(min);
    a->hi = ceil(max);
    if (a->hi == a->lo) a->hi += 1.0;
    a->step = ceil((a->hi - a->lo) / 8.0);
    a->hi = a->lo + ceil((a->hi - a->lo) / a->step) * a->step;
}

/* About 5 intervals of a 1-2-5 step. The 1e-9 slack keeps a limit that is already a tick (up to
 * rounding, as 0.3 / 0.1) from growing by a whole step. */
static void fit_linear(axis *a, double min, double max)
{
    if (!(max > min)) { /* one value: open a window so it sits inside, not on an edge */
        double pad = min != 0.0 ? 0.1 * fabs(min) : 1.0;
        min -= pad;
        max += pad;
    }
    a->step = nice_step((max - min) / 5.0);
    a->lo = floor(min / a->step + 1e-9) * a->step;
    a->hi = ceil(max / a->step - 1e-9) * a->step;
}

static vt_status axis_fit(axis *a, const extent *e, int is_log, const char *path, char name)
{
    a->is_log = is_log;
    if (!isfinite(e->max - e->min))
        VT_FAIL(VT_ERANGE, "%s: %c data span %.6g to %.6g, too wide to plot", path, name,
                is_log ? pow(10.0, e->min) : e->min, is_log ? pow(10.0, e->max) : e->max);
    if (is_log) fit_log(a, e->min, e->max);
    else fit_linear(a, e->min, e->max);
    if (!isfinite(a->lo) || !isfinite(a->hi) || !(a->step > 0.0))
        VT_FAIL(VT_ERANGE, "%s: %c data too large to place ticks", path, name);
    return VT_OK;
}

/* A tick's text: %.6g of the value, or "10" with exponent *expo when plain numbers get long (log
 * axes outside 1e-3..1e4). Returns whether there is an exponent. */
static int tick_text(const axis *a, double t, char base[32], char expo[32])
{
    if (a->is_log && (t < -3.0 || t > 4.0)) {
        snprintf(base, 32, "10");
        snprintf(expo, 32, "%.6g", t);
        return 1;
    }
    snprintf(base, 32, "%.6g", a->is_log ? pow(10.0, t) : t);
    expo[0] = '\0';
    return 0;
}

static double tick_width(const axis *a, double t)
{
    char base[32], expo[32];
    tick_text(a, t, base, expo);
    return text_width(base, FONT_PX) + text_width(expo, 0.75 * FONT_PX);
}

static double max_tick_width(const axis *a)
{
    double w = 0.0;
    for (size_t i = 0; i < axis_n_ticks(a); i++) w = fmax(w, tick_width(a, axis_tick(a, i)));
    return w;
}

static void put_tick_label(vt_text *b, const axis *a, double t, double x, double y, const char *attrs)
{
    char base[32], expo[32];
    int raised = tick_text(a, t, base, expo);
    vt_text_printf(b, "<text x=\"%.6g\" y=\"%.6g\"%s>%s", x, y, attrs, base);
    if (raised) vt_text_printf(b, "<tspan dy=\"-4\" font-size=\"%.6g\">%s</tspan>", 0.75 * FONT_PX, expo);
    vt_text_printf(b, "</text>\n");
}

/* Path segment across the axis direction: vertical at x = at for the x axis, horizontal at
 * y = at for the y axis. */
static void put_seg(vt_text *b, int is_y, double at, double from, double to)
{
    if (is_y) vt_text_printf(b, "M%.6g %.6gH%.6g", from, at, to);
    else vt_text_printf(b, "M%.6g %.6gV%.6g", at, from, to);
}

/* Unlabelled ticks at 2..9 times each decade, where decades are far enough apart to hold them. */
static void put_minor_ticks(vt_text *b, const axis *a, int is_y, double edge, double out)
{
    if (!a->is_log || a->step != 1.0 || a->hi - a->lo > 6.0) return;
    for (double d = a->lo; d < a->hi; d += 1.0)
        for (int k = 2; k <= 9; k++) put_seg(b, is_y, axis_px(a, d + log10(k)), edge, edge + 3.0 * out);
}

/* Grid lines across [c0, c1] (the plot box's extent across the axis), outward tick marks and tick
 * labels: below the box for x, left of it for y. */
static void draw_ticks(vt_text *b, const axis *a, int is_y, double c0, double c1)
{
    size_t n = axis_n_ticks(a);
    double edge = is_y ? c0 : c1, out = is_y ? -1.0 : 1.0;
    vt_text_printf(b, "<path fill=\"none\" stroke=\"#e6e6e6\" d=\"");
    for (size_t i = 0; i < n; i++) put_seg(b, is_y, axis_px(a, axis_tick(a, i)), c0, c1);
    vt_text_printf(b, "\"/>\n<path fill=\"none\" stroke=\"#333\" d=\"");
    for (size_t i = 0; i < n; i++) put_seg(b, is_y, axis_px(a, axis_tick(a, i)), edge, edge + 5.0 * out);
    put_minor_ticks(b, a, is_y, edge, out);
    vt_text_printf(b, "\"/>\n");
    for (size_t i = 0; i < n; i++) {
        double t = axis_tick(a, i), p = axis_px(a, t);
        if (is_y) put_tick_label(b, a, t, edge - 8.0, p, " text-anchor=\"end\" dy=\".35em\"");
        else put_tick_label(b, a, t, p, edge + 17.0, " text-anchor=\"middle\"");
    }
}

/* ---------------------------------------------------------------------------------------------
** Frame pieces shared by both chart kinds. box: the plot area in pixels.
*/
typedef struct box {
    double l, t, r, b;
} box;

/* ylabel_x: baseline of the rotated y label, just left of the y tick labels. */
static void draw_frame(vt_text *b, const box *bx, double ylabel_x, const char *title,
                       const char *xlabel, const char *ylabel)
{
    vt_text_printf(b, "<rect x=\"%.6g\" y=\"%.6g\" width=\"%.6g\" height=\"%.6g\" fill=\"none\" "
        "stroke=\"#333\"/>\n", bx->l, bx->t, bx->r - bx->l, bx->b - bx->t);
    double mid = (bx->l + bx->r) / 2.0;
    if (has_text(title))
        put_text_at(b, mid, 24.0, " text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"", title);
    if (has_text(xlabel)) put_text_at(b, mid, bx->b + 38.0, " text-anchor=\"middle\"", xlabel);
    if (has_text(ylabel)) {
        vt_text_printf(b, "<text transform=\"translate(%.6g %.6g) rotate(-90)\" text-anchor=\"middle\">",
            ylabel_x, (bx->t + bx->b) / 2.0);
        put_text(b, ylabel);
        vt_text_printf(b, "</text>\n");
    }
}

static box default_box(const char *title, const char *xlabel, double left)
{
    box bx = {left, has_text(title) ? 40.0 : 16.0, WIDTH - 24.0,
              HEIGHT - (has_text(xlabel) ? 50.0 : 32.0)};
    return bx;
}

/* Chart without data: frame, labels and a note, so a caller's report still has its figure. */
static vt_status draw_empty(const char *path, const char *title, const char *xlabel, const char *ylabel)
{
    vt_text out = {0};
    box bx = default_box(title, xlabel, 48.0);
    put_header(&out, WIDTH, HEIGHT);
    draw_frame(&out, &bx, 26.0, title, xlabel, ylabel);
    put_text_at(&out, (bx.l + bx.r) / 2.0, (bx.t + bx.b) / 2.0,
                " text-anchor=\"middle\" fill=\"#777\" font-size=\"14\"", "no data");
    return finish(&out, path);
}

/* ---------------------------------------------------------------------------------------------
** vt_svg_plot
*/
typedef struct plot {
    vt_text out;
    const vt_svg_axes *axes;
    const vt_svg_series *series;
    size_t n_series;
    axis x, y;
    box bx;
} plot;

static const char *series_name(const vt_svg_series *s) { return s->label ? s->label : ""; }

static int point_ok(const vt_svg_series *s, size_t i) { return isfinite(s->x[i]) && isfinite(s->y[i]); }

static vt_status check_point(const char *path, const vt_svg_axes *axes, const vt_svg_series *s,
                             size_t k, size_t i)
{
    if (axes->log_x && isfinite(s->x[i]) && s->x[i] <= 0.0)
        VT_FAIL(VT_ERANGE, "%s: series %zu ('%s'), point %zu: x = %.6g is not positive, which a log "
                "x axis cannot show", path, k, series_name(s), i, s->x[i]);
    if (axes->log_y && isfinite(s->y[i]) && s->y[i] <= 0.0)
        VT_FAIL(VT_ERANGE, "%s: series %zu ('%s'), point %zu: y = %.6g is not positive, which a log "
                "y axis cannot show", path, k, series_name(s), i, s->y[i]);
    if (s->yerr && s->yerr[i] < 0.0)
        VT_FAIL(VT_ERANGE, "%s: series %zu ('%s'), point %zu: error bar %.6g is negative", path, k,
                series_name(s), i, s->yerr[i]);
    return VT_OK;
}

static vt_status check_series(const char *path, const vt_svg_axes *axes, const vt_svg_series *s, size_t k)
{
    if (s->n > 0 && (!s->x || !s->y))
        VT_FAIL(VT_EINVAL, "%s: series %zu ('%s') has %zu points but no x or y", path, k, series_name(s), s->n);
    if (s->style != 0 && s->style != 1)
        VT_FAIL(VT_EINVAL, "%s: series %zu ('%s'): style %d is neither 0 (markers) nor 1 (line)", path,
                k, series_name(s), s->style);
    for (size_t i = 0; i < s->n; i++) VT_TRY(check_point(path, axes, s, k, i));
    return VT_OK;
}

/* Extents of the drawable points, error bars included. On a log axis a bar reaching 0 or below
 * is cut at the axis bottom instead of stretching the axis to nothing. */
static void series_extent(const vt_svg_axes *axes, const vt_svg_series *s, extent *ex, extent *ey)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!point_ok(s, i)) continue;
        double y = s->y[i], e = s->yerr ? s->yerr[i] : NAN;
        extent_add(ex, drawn(axes->log_x, s->x[i]));
        extent_add(ey, drawn(axes->log_y, y));
        if (!(isfinite(e) && e > 0.0)) continue;
        extent_add(ey, drawn(axes->log_y, y + e));
        if (!axes->log_y || y - e > 0.0) extent_add(ey, drawn(axes->log_y, y - e));
    }
}

/* Returns VT_OK with *has_data = 0 when no series has a finite point. */
static vt_status fit_axes(plot *p, const char *path, int *has_data)
{
    extent ex = EXTENT_EMPTY, ey = EXTENT_EMPTY;
    for (size_t k = 0; k < p->n_series; k++) series_extent(p->axes, &p->series[k], &ex, &ey);
    *has_data = ex.n > 0;
    if (!*has_data) return VT_OK;
    if (p->axes->diagonal) { /* equal ranges, so y = x runs corner to corner */
        ex.min = ey.min = fmin(ex.min, ey.min);
        ex.max = ey.max = fmax(ex.max, ey.max);
    }
    VT_TRY(axis_fit(&p->x, &ex, p->axes->log_x, path, 'x'));
    return axis_fit(&p->y, &ey, p->axes->log_y, path, 'y');
}

/* Left margin fits the widest y tick label (and the rotated y label); a parity plot gets a square,
 * centred box so that y = x is at 45 degrees. */
static void layout(plot *p)
{
    double left = (has_text(p->axes->ylabel) ? 30.0 : 8.0) + max_tick_width(&p->y) + 10.0;
    p->bx = default_box(p->axes->title, p->axes->xlabel, left);
    if (p->axes->diagonal) {
        double side = fmin(p->bx.b - p->bx.t, p->bx.r - p->bx.l);
        p->bx.l = fmax(left, (WIDTH - side) / 2.0);
        p->bx.r = p->bx.l + side;
    }
    p->x.p0 = p->bx.l;
    p->x.p1 = p->bx.r;
    p->y.p0 = p->bx.b;
    p->y.p1 = p->bx.t;
}

static void draw_error_bars(plot *p, const vt_svg_series *s, const char *color)
{
    int opened = 0;
    for (size_t i = 0; s->yerr && i < s->n; i++) {
        double y = s->y[i], e = s->yerr[i];
        if (!point_ok(s, i) || !(isfinite(e) && e > 0.0)) continue;
        double x = value_px(&p->x, s->x[i]), top = value_px(&p->y, y + e);
        double bot = (!p->y.is_log || y - e > 0.0) ? value_px(&p->y, y - e) : p->y.p0;
        if (!opened) vt_text_printf(&p->out, "<path fill=\"none\" stroke=\"%s\" d=\"", color);
        opened = 1;
        vt_text_printf(&p->out, "M%.6g %.6gV%.6gM%.6g %.6gh6M%.6g %.6gh6", x, bot, top, x - 3.0, bot,
            x - 3.0, top);
    }
    if (opened) vt_text_printf(&p->out, "\"/>\n");
}

static void draw_markers(plot *p, const vt_svg_series *s, const char *color)
{
    for (size_t i = 0; i < s->n; i++)
        if (point_ok(s, i))
            vt_text_printf(&p->out,
                "<circle cx=\"%.6g\" cy=\"%.6g\" r=\"3\" fill=\"%s\" fill-opacity=\"0.75\"/>\n",
                value_px(&p->x, s->x[i]), value_px(&p->y, s->y[i]), color);
}

/* One polyline per run of finite points: a gap in the data stays a gap in the line. */
static void draw_line(plot *p, const vt_svg_series *s, const char *color)
{
    int open = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!point_ok(s, i)) {
            if (open) vt_text_printf(&p->out, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open)
            vt_text_printf(&p->out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                color);
        vt_text_printf(&p->out, "%s%.6g,%.6g", open ? " " : "", value_px(&p->x, s->x[i]),
            value_px(&p->y, s->y[i]));
        open = 1;
    }
    if (open) vt_text_printf(&p->out, "\"/>\n");
}

/* Legend: one row per labelled series, in the corner of the plot box that covers fewest points. */
typedef struct legend {
    size_t n;
    double w, h, x, y;
} legend;

static size_t points_in(const plot *p, double x0, double y0, double x1, double y1)
{
    size_t n = 0;
    for (size_t k = 0; k < p->n_series; k++) {
        const vt_svg_series *s = &p->series[k];
        for (size_t i = 0; i < s->n; i++) {
            if (!point_ok(s, i)) continue;
            double x = value_px(&p->x, s->x[i]), y = value_px(&p->y, s->y[i]);
            n += x >= x0 && x <= x1 && y >= y0 && y <= y1;
        }
    }
    return n;
}

static void place_legend(const plot *p, legend *lg)
{
    const box *bx = &p->bx;
    const double xs[4] = {bx->l + 8.0, bx->r - 8.0 - lg->w, bx->l + 8.0, bx->r - 8.0 - lg->w};
    const double ys[4] = {bx->t + 8.0, bx->t + 8.0, bx->b - 8.0 - lg->h, bx->b - 8.0 - lg->h};
    size_t best = SIZE_MAX;
    for (int c = 0; c < 4; c++) { /* ties go to the earlier corner: top left first */
        size_t n = points_in(p, xs[c], ys[c], xs[c] + lg->w, ys[c] + lg->h);
        if (n < best) {
            best = n;
            lg->x = xs[c];
            lg->y = ys[c];
        }
    }
}

/* The marker swatch is a fully rounded <rect>, not a <circle>, so that the file holds exactly one
 * <circle> per drawn data point. */
static void draw_legend_row(plot *p, const vt_svg_series *s, const char *color, double x, double y)
{
    if (s->style == 0)
        vt_text_printf(&p->out,
            "<rect x=\"%.6g\" y=\"%.6g\" width=\"8\" height=\"8\" rx=\"4\" fill=\"%s\"/>\n", x + 5.0,
            y - 4.0, color);
    else
        vt_text_printf(&p->out, "<path d=\"M%.6g %.6gh18\" stroke=\"%s\" stroke-width=\"1.5\"/>\n", x, y,
            color);
    put_text_at(&p->out, x + 24.0, y, " dy=\".35em\"", s->label);
}

/* A series has a legend row when it is labelled and draws at least one point: a group whose values
 * are all missing (a campaign's anion group whose jobs all failed) would only mislead. */
static int in_legend(const vt_svg_series *s)
{
    if (!has_text(s->label)) return 0;
    for (size_t i = 0; i < s->n; i++)
        if (point_ok(s, i)) return 1;
    return 0;
}

static void draw_legend(plot *p)
{
    legend lg = {0};
    double text_w = 0.0;
    for (size_t k = 0; k < p->n_series; k++)
        if (in_legend(&p->series[k])) {
            lg.n++;
            text_w = fmax(text_w, text_width(p->series[k].label, FONT_PX));
        }
    if (lg.n == 0) return;
    lg.w = 36.0 + text_w;
    lg.h = 8.0 + 16.0 * (double)lg.n;
    place_legend(p, &lg);
    vt_text_printf(&p->out, "<rect x=\"%.6g\" y=\"%.6g\" width=\"%.6g\" height=\"%.6g\" fill=\"white\" "
        "fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n", lg.x, lg.y, lg.w, lg.h);
    double y = lg.y + 12.0;
    for (size_t k = 0; k < p->n_series; k++) {
        if (!in_legend(&p->series[k])) continue;
        draw_legend_row(p, &p->series[k], palette[k % N_COLORS], lg.x + 6.0, y);
        y += 16.0;
    }
}

static void draw_plot(plot *p)
{
    const vt_svg_axes *ax = p->axes;
    put_header(&p->out, WIDTH, HEIGHT);
    draw_ticks(&p->out, &p->x, 0, p->bx.t, p->bx.b);
    draw_ticks(&p->out, &p->y, 1, p->bx.l, p->bx.r);
    draw_frame(&p->out, &p->bx, p->bx.l - max_tick_width(&p->y) - 14.0, ax->title, ax->xlabel,
               ax->ylabel);
    if (ax->diagonal)
        vt_text_printf(&p->out,
            "<path d=\"M%.6g %.6gL%.6g %.6g\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n", p->bx.l,
            p->bx.b, p->bx.r, p->bx.t);
    for (size_t k = 0; k < p->n_series; k++) { /* bars first: markers and lines stay on top */
        const vt_svg_series *s = &p->series[k];
        draw_error_bars(p, s, palette[k % N_COLORS]);
        if (s->style == 0) draw_markers(p, s, palette[k % N_COLORS]);
        else draw_line(p, s, palette[k % N_COLORS]);
    }
    draw_legend(p);
}

vt_status vt_svg_plot(const char *path, const vt_svg_axes *axes, const vt_svg_series *series,
                      size_t n_series)
{
    if (!path || !axes || (n_series > 0 && !series)) VT_FAIL(VT_EINVAL, "svg plot: NULL path, axes or series");
    if (axes->diagonal && !axes->log_x != !axes->log_y)
        VT_FAIL(VT_EINVAL, "%s: a y = x diagonal needs both axes linear or both log", path);
    for (size_t k = 0; k < n_series; k++) VT_TRY(check_series(path, axes, &series[k], k));
    plot p = {.axes = axes, .series = series, .n_series = n_series};
    int has_data;
    VT_TRY(fit_axes(&p, path, &has_data));
    if (!has_data) return draw_empty(path, axes->title, axes->xlabel, axes->ylabel);
    layout(&p);
    draw_plot(&p);
    return finish(&p.out, path);
}

/* ---------------------------------------------------------------------------------------------
** vt_svg_bars
*/
typedef struct bars {
    vt_text out;
    const char *const *labels;
    const double *values, *errors;
    size_t n;
    axis x;
    box bx;
    double height;
} bars;

static double bar_err(const bars *c, size_t i)
{
    double e = c->errors ? c->errors[i] : NAN;
    return isfinite(e) && e > 0.0 ? e : 0.0;
}

static vt_status check_bars(const char *path, const bars *c)
{
    if (c->n > 0 && (!c->labels || !c->values))
        VT_FAIL(VT_EINVAL, "%s: %zu bars but no labels or values", path, c->n);
    for (size_t i = 0; c->errors && i < c->n; i++)
        if (c->errors[i] < 0.0)
            VT_FAIL(VT_ERANGE, "%s: bar %zu ('%s'): error %.6g is negative", path, i,
                    c->labels[i] ? c->labels[i] : "", c->errors[i]);
    return VT_OK;
}

/* Bars start at 0, so 0 is always in range. */
static void bars_extent(const bars *c, extent *e)
{
    for (size_t i = 0; i < c->n; i++) {
        double v = c->values[i];
        if (!isfinite(v)) continue;
        extent_add(e, fmin(0.0, v - bar_err(c, i)));
        extent_add(e, fmax(0.0, v + bar_err(c, i)));
    }
}

/* Left margin fits the longest label up to half the width (longer ones run off the left edge). */
static void bars_layout(bars *c, const char *title, const char *xlabel)
{
    double label_w = 0.0;
    for (size_t i = 0; i < c->n; i++)
        if (c->labels[i]) label_w = fmax(label_w, text_width(c->labels[i], FONT_PX));
    c->bx = default_box(title, xlabel, fmin(WIDTH / 2.0, 20.0 + label_w));
    double rows_h = BAR_PITCH_PX * (double)c->n;
    c->height = HEIGHT;
    if (rows_h > c->bx.b - c->bx.t) { /* grow the figure, never squeeze the rows */
        c->height += rows_h - (c->bx.b - c->bx.t);
        c->bx.b = c->bx.t + rows_h;
    }
    c->x.p0 = c->bx.l;
    c->x.p1 = c->bx.r;
}

static void draw_bar(bars *c, size_t i, double pitch)
{
    double v = c->values[i], mid = c->bx.t + pitch * ((double)i + 0.5);
    double thick = fmin(0.7 * pitch, 24.0), e = bar_err(c, i);
    if (c->labels[i])
        put_text_at(&c->out, c->bx.l - 8.0, mid, " text-anchor=\"end\" dy=\".35em\"", c->labels[i]);
    if (!isfinite(v)) return;
    double a = value_px(&c->x, fmin(0.0, v)), b = value_px(&c->x, fmax(0.0, v));
    vt_text_printf(&c->out, "<rect x=\"%.6g\" y=\"%.6g\" width=\"%.6g\" height=\"%.6g\" fill=\"%s\"/>\n", a,
        mid - thick / 2.0, b - a, thick, palette[0]);
    if (e > 0.0) {
        double lo = value_px(&c->x, v - e), hi = value_px(&c->x, v + e);
        vt_text_printf(&c->out,
            "<path fill=\"none\" stroke=\"#333\" d=\"M%.6g %.6gH%.6gM%.6g %.6gv6M%.6g %.6gv6\"/>\n", lo,
            mid, hi, lo, mid - 3.0, hi, mid - 3.0);
    }
}

static void draw_bars(bars *c, const char *title, const char *xlabel)
{
    put_header(&c->out, WIDTH, c->height);
    draw_ticks(&c->out, &c->x, 0, c->bx.t, c->bx.b);
    draw_frame(&c->out, &c->bx, 0.0, title, xlabel, NULL);
    double pitch = (c->bx.b - c->bx.t) / (double)c->n;
    for (size_t i = 0; i < c->n; i++) draw_bar(c, i, pitch);
    if (c->x.lo < 0.0) { /* negative bars: mark where they start */
        double z = value_px(&c->x, 0.0);
        vt_text_printf(&c->out, "<path d=\"M%.6g %.6gV%.6g\" stroke=\"#333\"/>\n", z, c->bx.t, c->bx.b);
    }
}

vt_status vt_svg_bars(const char *path, const char *title, const char *xlabel,
                      const char *const *labels, const double *values, const double *errors,
                      size_t n)
{
    if (!path) VT_FAIL(VT_EINVAL, "svg bars: NULL path");
    bars c = {.labels = labels, .values = values, .errors = errors, .n = n};
    VT_TRY(check_bars(path, &c));
    extent e = EXTENT_EMPTY;
    bars_extent(&c, &e);
    if (e.n == 0) return draw_empty(path, title, xlabel, NULL);
    VT_TRY(axis_fit(&c.x, &e, 0, path, 'x'));
    bars_layout(&c, title, xlabel);
    draw_bars(&c, title, xlabel);
    return finish(&c.out, path);
}
