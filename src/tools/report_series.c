/* report_series.c — the line plot of a series (y over x), with its points marked when
 * there are few, and an optional dashed reference line with a legend. */
#include <math.h>
#include <stdio.h>

#include "report_int.h"

void rep_series_plot(rep_buf *b, const rep_series *s) {
    rep_plot p = {.cls = "series", .w = 640, .h = 240, .left = 60, .right = 12, .top = 24, .bottom = 36};
    bool any = false;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int64_t i = 0; i < s->n; i++) {
        if (!isfinite(s->x[i]) || !isfinite(s->y[i])) continue;
        any = true;
        x0 = fmin(x0, s->x[i]), x1 = fmax(x1, s->x[i]);
        y0 = fmin(y0, s->y[i]), y1 = fmax(y1, s->y[i]);
    }
    if (s->has_ref) {
        if (!any) x0 = 0, x1 = 1;
        y0 = fmin(y0, s->ref), y1 = fmax(y1, s->ref);
    }
    if (!any && !s->has_ref) x0 = y0 = 0, x1 = y1 = 1;
    rep_pad(&x0, &x1, 0.02);
    rep_pad(&y0, &y1, 0.06);
    p.x0 = x0, p.x1 = x1, p.y0 = y0, p.y1 = y1;
    rep_plot_open(b, &p, s->title, s->xlabel, s->ylabel, true);
    if (!any) rep_plot_note(b, &p, "no finite points");
    if (s->has_ref) rep_hline(b, &p, s->ref, "stroke=\"" REP_RED "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
    rep_line(b, &p, s->x, 1, s->y, 1, s->n, "stroke=\"#1f77b4\" stroke-width=\"1.6\"");
    if (s->n <= 60) {
        rep_puts(b, "<g fill=\"#1f77b4\">");
        for (int64_t i = 0; i < s->n; i++) rep_dot(b, &p, s->x[i], s->y[i], 2.2);
        rep_puts(b, "</g>");
    }
    if (s->has_ref) {
        char c1[32], c2[32], c3[32], c4[32];
        double xr = p.w - p.right - 8, y = 14;
        rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"" REP_RED "\" stroke-width=\"1.5\" "
                      "stroke-dasharray=\"6 4\"/>",
                   rep_coord(xr - 26, c1), rep_coord(y - 4, c2), rep_coord(xr, c3), c2);
        rep_printf(b, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\" fill=\"#222\">", rep_coord(xr - 32, c4),
                   rep_coord(y, c1));
        rep_escape(b, s->ref_label);
        rep_printf(b, " = %.6g</text>", s->ref);
    }
    rep_plot_close(b);
}
