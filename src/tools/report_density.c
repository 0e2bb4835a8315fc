/* report_density.c — marginal densities: Silverman's bandwidth, a Gaussian kernel
 * density estimate, and the density plot of one column (each chain's estimate as a line
 * over the pooled one shaded, or a histogram of the pooled draws). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "report_int.h"

#define REP_GRID 128
#define REP_SQRT_2PI 2.50662827463100050242

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted values. */
static double quantile(const double *s, int64_t n, double p) {
    double h = (double)(n - 1) * p;
    int64_t i = (int64_t)floor(h);
    return i + 1 < n ? s[i] + (h - (double)i) * (s[i + 1] - s[i]) : s[n - 1];
}

double rep_silverman(const double *sorted, int64_t n) {
    if (n < 2 || sorted[0] == sorted[n - 1]) return 0;
    double mean = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) mean += sorted[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) ss += (sorted[i] - mean) * (sorted[i] - mean);
    double sd = sqrt(ss / (double)(n - 1));
    double iqr = quantile(sorted, n, 0.75) - quantile(sorted, n, 0.25);
    double a = iqr > 0 ? fmin(sd, iqr / 1.34) : sd;
    return 0.9 * a * pow((double)n, -0.2);
}

void rep_kde(const double *x, int64_t n, double h, double g0, double g1, int m, double *out) {
    const double norm = 1 / ((double)n * h * REP_SQRT_2PI);
    for (int k = 0; k < m; k++) {
        double g = m > 1 ? g0 + k * (g1 - g0) / (m - 1) : g0, s = 0;
        for (int64_t i = 0; i < n; i++) {
            double u = (g - x[i]) / h;
            if (fabs(u) < 8) s += exp(-0.5 * u * u);
        }
        out[k] = s * norm;
    }
}

/* The finite values of x[0..n-1] into out, sorted; their count. */
static int64_t finite_sorted(const double *x, int64_t n, double *out) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(x[i])) out[k++] = x[i];
    qsort(out, (size_t)k, sizeof *out, cmp_double);
    return k;
}

void rep_density_plot(rep_buf *b, const rep_draws *d, int64_t j, const double *col,
                      gen_report_density kind, const rep_plot *frame, bool fixed_x, bool title_on,
                      bool xlabel_on) {
    rep_plot p = *frame;
    int64_t n = d->chains * d->draws;
    char title[300];
    snprintf(title, sizeof title, "%s: density", d->names[j]);
    double *s = core_alloc((size_t)n * sizeof *s);
    if (!s) {
        b->failed = true;
        return;
    }
    int64_t m = finite_sorted(col, n, s);
    double h = m > 0 ? rep_silverman(s, m) : 0;
    double dens[REP_GRID], grid[REP_GRID];
    if (fixed_x) {
        /* the frame's x range */
    } else if (m > 0) {
        p.x0 = s[0], p.x1 = s[m - 1];
        if (h > 0) p.x0 -= 3 * h, p.x1 += 3 * h;
        else rep_pad(&p.x0, &p.x1, 0.05);
    } else {
        p.x0 = 0, p.x1 = 1;
    }
    for (int k = 0; k < REP_GRID; k++) grid[k] = p.x0 + k * (p.x1 - p.x0) / (REP_GRID - 1);
    /* the pooled estimate and the y range */
    int bins = (int)fmin(60, fmax(10, ceil(2 * cbrt((double)m))));
    double counts[60] = {0}, bw = (s[m > 0 ? m - 1 : 0] - (m > 0 ? s[0] : 0)) / bins, ymax = 1;
    if (m > 0 && h > 0 && kind == GEN_REPORT_KDE) {
        rep_kde(s, m, h, p.x0, p.x1, REP_GRID, dens);
        ymax = 0;
        for (int k = 0; k < REP_GRID; k++) ymax = fmax(ymax, dens[k]);
    } else if (m > 0 && h > 0) {
        for (int64_t i = 0; i < m; i++) {
            int k = (int)((s[i] - s[0]) / bw);
            counts[k < bins ? k : bins - 1] += 1 / ((double)m * bw);
        }
        ymax = 0;
        for (int k = 0; k < bins; k++) ymax = fmax(ymax, counts[k]);
    }
    p.y0 = 0, p.y1 = ymax * 1.08;
    rep_plot_open(b, &p, title_on ? title : NULL, xlabel_on ? d->names[j] : NULL, NULL, false);
    if (m == 0) {
        rep_plot_note(b, &p, "no finite draws");
    } else if (h == 0) {
        char cx[32], c1[32], c2[32];
        rep_coord(rep_px(&p, s[0]), cx);
        rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#333\" stroke-width=\"2\"/>", cx,
                   rep_coord(p.h - p.bottom, c1), cx, rep_coord(p.top, c2));
        if (title_on) rep_plot_note(b, &p, "constant");
    } else if (kind == GEN_REPORT_KDE) {
        rep_area(b, &p, grid, dens, REP_GRID, "fill=\"#000\" fill-opacity=\"0.12\"");
        double *x = core_alloc((size_t)d->draws * sizeof *x);
        if (!x) b->failed = true;
        for (int64_t c = 0; x && c < d->chains; c++) {
            int64_t mc = finite_sorted(col + c * d->draws, d->draws, x);
            double hc = mc > 0 ? rep_silverman(x, mc) : 0;
            if (hc <= 0) continue;
            double dc[REP_GRID];
            rep_kde(x, mc, hc, p.x0, p.x1, REP_GRID, dc);
            char style[96];
            snprintf(style, sizeof style, "stroke=\"%s\" stroke-width=\"1.2\"", rep_chain_colour(c));
            rep_line(b, &p, grid, 1, dc, 1, REP_GRID, style);
        }
        if (x) core_free(x, (size_t)d->draws * sizeof *x);
    } else {
        char c1[32], c2[32], c3[32], c4[32];
        rep_puts(b, "<g fill=\"#6baed6\" stroke=\"#fff\" stroke-width=\"0.5\">");
        for (int k = 0; k < bins; k++) {
            double x0 = rep_px(&p, s[0] + k * bw), x1 = rep_px(&p, s[0] + (k + 1) * bw), y = rep_py(&p, counts[k]);
            rep_printf(b, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>", rep_coord(x0, c1), rep_coord(y, c2),
                       rep_coord(x1 - x0, c3), rep_coord(p.h - p.bottom - y, c4));
        }
        rep_puts(b, "</g>");
    }
    rep_plot_close(b);
    core_free(s, (size_t)n * sizeof *s);
}
