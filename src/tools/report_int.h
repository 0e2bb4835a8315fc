/* report_int.h — internal interface of the HTML report (genc/report.h): the report's
 * sections (report.c), a growable text buffer and the SVG plotting primitives
 * (report_buf.c, report_svg.c), the plot kinds (report_trace.c, report_density.c,
 * report_pairs.c, report_series.c), the summary table (report_table.c) and the page
 * (report_html.c). Internal names carry the prefix rep_. */
#ifndef GENC_SRC_REPORT_INT_H
#define GENC_SRC_REPORT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/core.h"
#include "genc/report.h"
#include "text_buf.h"

/* ---- the report (report.c) ---------------------------------------------------------- */

typedef struct rep_draws {
    char *title;
    int64_t chains, draws, cols;
    char **names;       /* [cols] */
    double *x;          /* [chains, draws, cols] */
    unsigned char *div; /* [chains, draws], or NULL */
    int npairs;
    int64_t pairs[GEN_REPORT_MAX_PAIRS];
} rep_draws;

typedef struct rep_series {
    char *title, *xlabel, *ylabel, *ref_label; /* xlabel, ylabel may be NULL */
    int64_t n;
    double *x, *y;
    bool has_ref;
    double ref;
} rep_series;

typedef struct rep_text {
    char *heading, *text; /* heading may be NULL */
} rep_text;

typedef struct rep_table {
    char *title;      /* may be NULL */
    int64_t rows, cols;
    char **header;    /* [cols] or NULL */
    char **cells;     /* [rows * cols], entries may be NULL */
} rep_table;

typedef enum rep_kind { REP_DRAWS, REP_SERIES, REP_TEXT, REP_TABLE } rep_kind;

typedef struct rep_section {
    rep_kind kind;
    union {
        rep_draws d;
        rep_series s;
        rep_text t;
        rep_table tb;
    } u;
} rep_section;

struct gen_report {
    char *title;
    core_ptrvec sections; /* rep_section * */
    gen_report_density density;
    rep_draws *last_draws; /* the draws section added last, or NULL */
};

/* Column j of d, chain after chain: out[c * d->draws + i] (chains * draws values). */
void rep_column(const rep_draws *d, int64_t j, double *out);
/* A core_alloc'd copy of s (NULL for NULL s, or with GEN_ERR_OOM); rep_strfree frees it. */
char *rep_strdup(const char *s);
void rep_strfree(char *s);

/* ---- SVG primitives (report_svg.c) -------------------------------------------------- */

/* A coordinate as SVG gets it: one decimal, without a trailing ".0" and without "-0"
 * ("12.5", "3", "-0.4"); buf holds at least 32 chars. Returns buf. */
char *rep_coord(double v, char *buf);

/* Axis ticks: the "nice" steps 1, 2, 2.5 or 5 times a power of ten (Heckbert 1990) for
 * which [lo, hi] holds at most max ticks, the smallest such step; ticks are the multiples
 * of step in [lo, hi]. */
#define REP_MAX_TICKS 16
typedef struct rep_ticks {
    int n;
    double step;
    double v[REP_MAX_TICKS];
} rep_ticks;
void rep_ticks_make(double lo, double hi, int max, rep_ticks *out);
/* A tick's label: with as many decimals as step needs (0.25 -> 2, 5 -> 0), or %g form
 * for magnitudes past 1e6 or below 1e-4 ("1e+07"); never "-0". buf >= 32 chars. */
char *rep_tick_label(double v, double step, char *buf);

/* The smallest and largest finite x[i * stride], i < n; false when none is finite. */
bool rep_finite_range(const double *x, int64_t n, int64_t stride, double *lo, double *hi);
/* Widens [lo, hi] by frac of its width on each side; an empty range (lo == hi) becomes
 * lo -+ max(|lo| / 10, 0.5). */
void rep_pad(double *lo, double *hi, double frac);

/* A plot area: the SVG is w x h pixels, the data rectangle inside the margins; data
 * [x0, x1] x [y0, y1] maps onto it (y upwards). */
typedef struct rep_plot {
    const char *cls; /* the <svg>'s class attribute (a plain word), or NULL */
    double w, h;
    double left, right, top, bottom; /* margins */
    double x0, x1, y0, y1;
} rep_plot;
double rep_px(const rep_plot *p, double x);
double rep_py(const rep_plot *p, double y);
/* Opens <svg> with a title (for screen readers and tooltips), a white background, grid
 * lines and ticks at nice values, the frame, tick labels and the axes' labels (xlabel,
 * ylabel may be NULL); show_y false omits the y ticks' labels (densities). */
void rep_plot_open(rep_buf *b, const rep_plot *p, const char *title, const char *xlabel,
                   const char *ylabel, bool show_y);
void rep_plot_close(rep_buf *b);
/* A line through (x[i * xs], y[i * ys]), i < n (x NULL: x = i), as polylines broken at
 * non-finite points; style is the attribute text, e.g. "stroke=\"#1f77b4\"". */
void rep_line(rep_buf *b, const rep_plot *p, const double *x, int64_t xs, const double *y,
              int64_t ys, int64_t n, const char *style);
/* The area between y = 0 and the n points (x[i], y[i]) (finite, x ascending). */
void rep_area(rep_buf *b, const rep_plot *p, const double *x, const double *y, int64_t n,
              const char *style);
/* A circle of radius r (pixels) at data point (x, y), when finite. */
void rep_dot(rep_buf *b, const rep_plot *p, double x, double y, double r);
/* A horizontal line across the data rectangle at y. */
void rep_hline(rep_buf *b, const rep_plot *p, double y, const char *style);
/* A message centred in the data rectangle ("no finite draws"). */
void rep_plot_note(rep_buf *b, const rep_plot *p, const char *text);

/* The colour of chain c (a palette of 8 that leaves out red); red marks divergences. */
const char *rep_chain_colour(int64_t c);
#define REP_RED "#d62728"

/* ---- plots (report_trace.c, report_density.c, report_pairs.c, report_series.c) ------ */

/* The draws a trace plot of n draws keeps, as indices in increasing order (idx holds
 * GEN_REPORT_TRACE_POINTS): every draw for n <= GEN_REPORT_TRACE_POINTS, otherwise the
 * smallest and the largest finite draw of each of GEN_REPORT_TRACE_POINTS / 2 equal runs,
 * in draw order (one index for a run whose only finite draw it is, none for a run with
 * none). x[i * stride] is draw i. Returns the count. */
int64_t rep_thin_trace(const double *x, int64_t n, int64_t stride, int64_t *idx);
/* Column j's trace plot; col holds rep_column's values. */
void rep_trace_plot(rep_buf *b, const rep_draws *d, int64_t j, const double *col);

/* Silverman's rule of thumb for the n finite values sorted ascending:
 * 0.9 min(sd, IQR / 1.34) n^(-1/5) (sd alone when the IQR is 0); 0 when n < 2 or all equal. */
double rep_silverman(const double *sorted, int64_t n);
/* A Gaussian kernel density estimate with bandwidth h of the n values x at the m points
 * g0 + k (g1 - g0) / (m - 1): out[k] (exact sums, skipping kernels past 8 h). */
void rep_kde(const double *x, int64_t n, double h, double g0, double g1, int m, double *out);
/* Column j's marginal density plot (kind: KDE or histogram) in frame's size and margins,
 * over frame's x range when fixed_x (else the draws' range widened by 3 bandwidths);
 * with or without its title and x label. */
void rep_density_plot(rep_buf *b, const rep_draws *d, int64_t j, const double *col,
                      gen_report_density kind, const rep_plot *frame, bool fixed_x, bool title_on,
                      bool xlabel_on);
/* The pair plot of d's chosen columns (nothing when none are chosen). Returns false on
 * an allocation failure (recorded). */
bool rep_pair_plot(rep_buf *b, const rep_draws *d, gen_report_density kind);
void rep_series_plot(rep_buf *b, const rep_series *s);

/* ---- the summary table (report_table.c) and the page (report_html.c) ---------------- */

/* The summary table of d's columns, with its notes on non-finite draws. False on an
 * allocation failure. */
bool rep_summary_table(rep_buf *b, const rep_draws *d);
/* How a summary number is printed: "%.4g" for mean, sd and quantiles, "%.0f" for ESS,
 * "%.3f" for R-hat; "-" for NaN. */
char *rep_fmt_stat(double v, const char *fmt, char *buf);
/* The whole page. False on an allocation failure. */
bool rep_html(rep_buf *b, const gen_report *r);

#endif
