/* report_pairs.c — the pair plot (scatter matrix) of chosen columns: densities on the
 * diagonal, scatter plots below it (points coloured by chain, thinned to
 * GEN_REPORT_SCATTER_POINTS, divergent draws red on top), laid out as a CSS grid of
 * small SVGs. */
#include <math.h>
#include <stdio.h>

#include "report_int.h"

#define REP_CELL 170

/* A panel of the matrix: the same data rectangle everywhere, the x axis' label under the
 * bottom row only; x range of column cx, y range of column cy. */
static rep_plot panel(const char *cls, const rep_draws *d, const double *cx, const double *cy, bool bottom_row) {
    rep_plot p = {.cls = cls, .w = REP_CELL, .h = REP_CELL - 12 + (bottom_row ? 14 : 0), .left = 40, .right = 6,
                  .top = 6, .bottom = 20 + (bottom_row ? 14 : 0)};
    int64_t n = d->chains * d->draws;
    if (!rep_finite_range(cx, n, 1, &p.x0, &p.x1)) p.x0 = 0, p.x1 = 1;
    if (!cy || !rep_finite_range(cy, n, 1, &p.y0, &p.y1)) p.y0 = 0, p.y1 = 1;
    rep_pad(&p.x0, &p.x1, 0.05);
    rep_pad(&p.y0, &p.y1, 0.05);
    return p;
}

static void scatter(rep_buf *b, const rep_draws *d, const double *cx, const double *cy, int64_t jx, int64_t jy,
                    bool xlab, bool ylab) {
    rep_plot p = panel("scatter", d, cx, cy, xlab);
    int64_t n = d->chains * d->draws;
    double lo, hi;
    bool any = rep_finite_range(cx, n, 1, &lo, &hi) && rep_finite_range(cy, n, 1, &lo, &hi);
    char title[600];
    snprintf(title, sizeof title, "%s against %s", d->names[jy], d->names[jx]);
    rep_plot_open(b, &p, NULL, xlab ? d->names[jx] : NULL, ylab ? d->names[jy] : NULL, true);
    rep_puts(b, "<title>");
    rep_escape(b, title);
    rep_puts(b, "</title>");
    if (!any) {
        rep_plot_note(b, &p, "no finite draws");
        rep_plot_close(b);
        return;
    }
    int64_t every = (n + GEN_REPORT_SCATTER_POINTS - 1) / GEN_REPORT_SCATTER_POINTS;
    for (int64_t c = 0; c < d->chains; c++) {
        rep_printf(b, "<g fill=\"%s\" fill-opacity=\"0.5\">", rep_chain_colour(c));
        for (int64_t i = (c * d->draws + every - 1) / every * every; i < (c + 1) * d->draws; i += every)
            rep_dot(b, &p, cx[i], cy[i], 1.6);
        rep_puts(b, "</g>");
    }
    if (d->div) {
        int64_t ndiv = 0, seen = 0;
        for (int64_t i = 0; i < n; i++) ndiv += d->div[i];
        int64_t dev = (ndiv + GEN_REPORT_SCATTER_POINTS - 1) / GEN_REPORT_SCATTER_POINTS;
        rep_puts(b, "<g class=\"divergent\" fill=\"" REP_RED "\">");
        for (int64_t i = 0; i < n; i++)
            if (d->div[i] && seen++ % dev == 0) rep_dot(b, &p, cx[i], cy[i], 2.4);
        rep_puts(b, "</g>");
    }
    rep_plot_close(b);
}

bool rep_pair_plot(rep_buf *b, const rep_draws *d, gen_report_density kind) {
    int k = d->npairs;
    if (k < 2) return true;
    int64_t n = d->chains * d->draws;
    double *cols[GEN_REPORT_MAX_PAIRS] = {0};
    bool ok = true;
    for (int i = 0; i < k && ok; i++) {
        if ((cols[i] = core_alloc((size_t)n * sizeof *cols[i]))) rep_column(d, d->pairs[i], cols[i]);
        else ok = false;
    }
    if (ok) {
        rep_printf(b, "<div class=\"pairs\" style=\"grid-template-columns: repeat(%d, %dpx)\">", k, REP_CELL);
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++) {
                if (c > r) {
                    rep_puts(b, "<div></div>");
                } else if (c == r) {
                    rep_puts(b, "<div>");
                    rep_plot frame = panel("density", d, cols[r], NULL, r == k - 1);
                    rep_density_plot(b, d, d->pairs[r], cols[r], kind, &frame, true, false, r == k - 1);
                    rep_puts(b, "</div>");
                } else {
                    rep_puts(b, "<div>");
                    scatter(b, d, cols[c], cols[r], d->pairs[c], d->pairs[r], r == k - 1, c == 0);
                    rep_puts(b, "</div>");
                }
            }
        rep_puts(b, "</div>");
    }
    for (int i = 0; i < k; i++)
        if (cols[i]) core_free(cols[i], (size_t)n * sizeof *cols[i]);
    return ok && !b->failed;
}
