/* svg.h - internal: small SVG chart writer for `vitrum ml train --plot DIR` and the MSD, Arrhenius
** and RDF plots. Every chart is 640 px wide, built in memory and written with vt_write_file_atomic;
** the same input always gives the same bytes. Text is UTF-8 and is XML-escaped here.
** Non-finite points (NaN, inf) are skipped; data with no finite point at all gives a chart with a
** "no data" note, not an error. */
#ifndef VT_IO_SVG_H
#define VT_IO_SVG_H
#include <stddef.h>
#include "vitrum.h"

typedef struct vt_svg_series {
    const char *label;    /* legend text; NULL or "" = not in the legend (borrowed) */
    const double *x, *y;  /* n points (borrowed) */
    const double *yerr;   /* n half-widths of a vertical error bar, >= 0; NULL = none; NaN = none */
    size_t n;
    int style;            /* 0 markers, 1 line (broken at non-finite points) */
} vt_svg_series;

typedef struct vt_svg_axes {
    const char *title, *xlabel, *ylabel; /* NULL = none (borrowed) */
    int log_x, log_y;     /* decade axes; every finite value on them must be > 0 */
    int diagonal;         /* draw y = x with equal x and y ranges (parity plots); needs
                             log_x == log_y */
} vt_svg_axes;

/* Scatter/line chart of n_series series (colours cycle through 8 colourblind-safe ones).
 * VT_ERANGE naming the series and point for a non-positive value on a log axis or a negative
 * yerr; VT_EINVAL for a NULL argument where data is promised; VT_EIO, VT_ENOMEM. */
vt_status vt_svg_plot(const char *path, const vt_svg_axes *axes, const vt_svg_series *series,
                      size_t n_series);

/* Horizontal bar chart, first item on top (sorted as given), bars from 0 (negative values go
 * left); errors (NULL = none) are whisker half-widths, >= 0. A NaN value draws no bar. The chart
 * grows taller beyond 19 bars so labels never overlap. */
vt_status vt_svg_bars(const char *path, const char *title, const char *xlabel,
                      const char *const *labels, const double *values, const double *errors,
                      size_t n);
#endif
