/* report_trace.c — trace plots: each chain's draws of one column over the draw index,
 * one colour per chain, thinned to an envelope past GEN_REPORT_TRACE_POINTS draws, with
 * divergent draws marked red (a dot on the draw and a tick at the bottom). */
#include <math.h>
#include <stdio.h>

#include "report_int.h"

int64_t rep_thin_trace(const double *x, int64_t n, int64_t stride, int64_t *idx) {
    if (n <= GEN_REPORT_TRACE_POINTS) {
        for (int64_t i = 0; i < n; i++) idx[i] = i;
        return n;
    }
    const int64_t runs = GEN_REPORT_TRACE_POINTS / 2;
    int64_t k = 0;
    for (int64_t r = 0; r < runs; r++) {
        int64_t a = r * n / runs, e = (r + 1) * n / runs, lo = -1, hi = -1;
        for (int64_t i = a; i < e; i++) {
            double v = x[i * stride];
            if (!isfinite(v)) continue;
            if (lo < 0 || v < x[lo * stride]) lo = i;
            if (hi < 0 || v > x[hi * stride]) hi = i;
        }
        if (lo < 0) continue;
        if (lo == hi) {
            idx[k++] = lo;
        } else {
            idx[k++] = lo < hi ? lo : hi;
            idx[k++] = lo < hi ? hi : lo;
        }
    }
    return k;
}

void rep_trace_plot(rep_buf *b, const rep_draws *d, int64_t j, const double *col) {
    rep_plot p = {.cls = "trace", .w = 600, .h = 170, .left = 52, .right = 10, .top = 22, .bottom = 32};
    p.x0 = 0, p.x1 = (double)(d->draws - 1);
    char title[300];
    snprintf(title, sizeof title, "%s: trace", d->names[j]);
    bool any = rep_finite_range(col, d->chains * d->draws, 1, &p.y0, &p.y1);
    if (!any) p.y0 = 0, p.y1 = 1;
    rep_pad(&p.y0, &p.y1, 0.05);
    rep_plot_open(b, &p, title, "draw", NULL, true);
    if (!any) {
        rep_plot_note(b, &p, "no finite draws");
        rep_plot_close(b);
        return;
    }
    int64_t idx[GEN_REPORT_TRACE_POINTS];
    double xs[GEN_REPORT_TRACE_POINTS], ys[GEN_REPORT_TRACE_POINTS];
    for (int64_t c = 0; c < d->chains; c++) {
        const double *x = col + c * d->draws;
        int64_t k = rep_thin_trace(x, d->draws, 1, idx);
        for (int64_t i = 0; i < k; i++) xs[i] = (double)idx[i], ys[i] = x[idx[i]];
        char style[96];
        snprintf(style, sizeof style, "stroke=\"%s\" stroke-width=\"0.8\" stroke-opacity=\"0.8\"",
                 rep_chain_colour(c));
        rep_line(b, &p, xs, 1, ys, 1, k, style);
    }
    if (!d->div) {
        rep_plot_close(b);
        return;
    }
    int64_t n = d->chains * d->draws, ndiv = 0;
    for (int64_t i = 0; i < n; i++) ndiv += d->div[i];
    if (ndiv > 0) {
        int64_t every = (ndiv + GEN_REPORT_TRACE_POINTS - 1) / GEN_REPORT_TRACE_POINTS, seen = 0;
        char cx[32], c1[32], c2[32];
        rep_coord(p.h - p.bottom, c1), rep_coord(p.h - p.bottom - 8, c2);
        rep_puts(b, "<g class=\"divergent\" fill=\"" REP_RED "\" stroke=\"" REP_RED "\">");
        for (int64_t i = 0; i < n; i++) {
            if (!d->div[i] || seen++ % every) continue;
            double t = (double)(i % d->draws);
            rep_dot(b, &p, t, col[i], 2.5);
            rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", rep_coord(rep_px(&p, t), cx), c1, cx, c2);
        }
        rep_puts(b, "</g>");
    }
    rep_plot_close(b);
}
