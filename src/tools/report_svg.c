/* report_svg.c — the SVG plotting primitives of the report: coordinates, nice axis ticks
 * and their labels, data ranges, the plot frame (axes, grid, labels) and the marks drawn
 * in it (lines, dots, reference lines), and the chains' colours. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"

/* "-0", "-0.0", "-0.00"... (a negative value that rounds to zero) as "0...". */
static void drop_minus_zero(char *buf) {
    if (buf[0] != '-') return;
    for (const char *p = buf + 1; *p; p++)
        if (*p != '0' && *p != '.') return;
    memmove(buf, buf + 1, strlen(buf));
}

char *rep_coord(double v, char *buf) {
    snprintf(buf, 32, "%.1f", v);
    size_t n = strlen(buf);
    if (n >= 2 && buf[n - 2] == '.' && buf[n - 1] == '0') buf[n - 2] = '\0';
    drop_minus_zero(buf);
    return buf;
}

void rep_ticks_make(double lo, double hi, int max, rep_ticks *out) {
    out->n = 0;
    out->step = NAN;
    if (max > REP_MAX_TICKS) max = REP_MAX_TICKS;
    if (!isfinite(lo) || !isfinite(hi) || hi < lo || max < 1) return;
    if (hi == lo) {
        out->n = 1, out->step = 1, out->v[0] = lo;
        return;
    }
    static const double nice[] = {1, 2, 2.5, 5};
    double base = pow(10, floor(log10((hi - lo) / max)) - 1);
    for (int e = 0; e < 4; e++, base *= 10) {
        for (int k = 0; k < 4; k++) {
            double s = nice[k] * base;
            double first = ceil(lo / s - 1e-9), last = floor(hi / s + 1e-9);
            if (last - first + 1 > max) continue;
            out->step = s;
            for (double t = first; t <= last && out->n < REP_MAX_TICKS; t++) {
                double v = t * s;
                out->v[out->n++] = fabs(v) < s * 1e-9 ? 0 : v;
            }
            return;
        }
    }
}

char *rep_tick_label(double v, double step, char *buf) {
    double mag = fmax(fabs(v), step);
    if (mag >= 1e6 || step < 1e-4) {
        snprintf(buf, 32, "%.3g", v);
    } else {
        int d = 0;
        while (d < 10 && fabs(step * pow(10, d) - nearbyint(step * pow(10, d))) > 1e-6 * step * pow(10, d))
            d++;
        snprintf(buf, 32, "%.*f", d, v);
    }
    drop_minus_zero(buf);
    return buf;
}

bool rep_finite_range(const double *x, int64_t n, int64_t stride, double *lo, double *hi) {
    bool any = false;
    double a = INFINITY, b = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isfinite(v)) continue;
        any = true;
        if (v < a) a = v;
        if (v > b) b = v;
    }
    *lo = a, *hi = b;
    return any;
}

void rep_pad(double *lo, double *hi, double frac) {
    if (*hi > *lo) {
        double w = *hi - *lo;
        *lo -= frac * w, *hi += frac * w;
    } else {
        double w = fmax(fabs(*lo) / 10, 0.5);
        *lo -= w, *hi += w;
    }
}

double rep_px(const rep_plot *p, double x) {
    return p->left + (x - p->x0) / (p->x1 - p->x0) * (p->w - p->left - p->right);
}

double rep_py(const rep_plot *p, double y) {
    return p->h - p->bottom - (y - p->y0) / (p->y1 - p->y0) * (p->h - p->top - p->bottom);
}

void rep_plot_open(rep_buf *b, const rep_plot *p, const char *title, const char *xlabel,
                   const char *ylabel, bool show_y) {
    char c1[32], c2[32], c3[32], c4[32], lab[32];
    rep_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    if (p->cls) rep_printf(b, " class=\"%s\"", p->cls);
    rep_printf(b, " width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"sans-serif\" "
                  "font-size=\"11\" role=\"img\">",
               rep_coord(p->w, c1), rep_coord(p->h, c2), c1, c2);
    if (title) {
        rep_puts(b, "<title>");
        rep_escape(b, title);
        rep_puts(b, "</title>");
    }
    rep_printf(b, "<rect width=\"%s\" height=\"%s\" fill=\"#fff\"/>", c1, c2);
    if (title) {
        rep_printf(b, "<text x=\"%s\" y=\"14\" font-weight=\"bold\" font-size=\"12\">", rep_coord(p->left, c3));
        rep_escape(b, title);
        rep_puts(b, "</text>");
    }
    double xl = p->left, xr = p->w - p->right, yt = p->top, yb = p->h - p->bottom;
    rep_ticks tx, ty;
    rep_ticks_make(p->x0, p->x1, (int)fmax(3, (xr - xl) / 60), &tx);
    rep_ticks_make(p->y0, p->y1, (int)fmax(3, (yb - yt) / 30), &ty);
    /* grid */
    rep_puts(b, "<g stroke=\"#e8e8e8\">");
    for (int i = 0; i < tx.n; i++) {
        rep_coord(rep_px(p, tx.v[i]), c1);
        rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", c1, rep_coord(yt, c2), c1, rep_coord(yb, c3));
    }
    for (int i = 0; i < ty.n; i++) {
        rep_coord(rep_py(p, ty.v[i]), c1);
        rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", rep_coord(xl, c2), c1, rep_coord(xr, c3), c1);
    }
    rep_puts(b, "</g>");
    /* frame, ticks and their labels */
    rep_printf(b, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"#999\"/>",
               rep_coord(xl, c1), rep_coord(yt, c2), rep_coord(xr - xl, c3), rep_coord(yb - yt, c4));
    rep_puts(b, "<g fill=\"#444\" text-anchor=\"middle\">");
    for (int i = 0; i < tx.n; i++)
        rep_printf(b, "<text x=\"%s\" y=\"%s\">%s</text>", rep_coord(rep_px(p, tx.v[i]), c1),
                   rep_coord(yb + 13, c2), rep_tick_label(tx.v[i], tx.step, lab));
    rep_puts(b, "</g>");
    if (show_y) {
        rep_puts(b, "<g fill=\"#444\" text-anchor=\"end\">");
        for (int i = 0; i < ty.n; i++)
            rep_printf(b, "<text x=\"%s\" y=\"%s\">%s</text>", rep_coord(xl - 4, c1),
                       rep_coord(rep_py(p, ty.v[i]) + 4, c2), rep_tick_label(ty.v[i], ty.step, lab));
        rep_puts(b, "</g>");
    }
    if (xlabel) {
        rep_printf(b, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#222\">",
                   rep_coord((xl + xr) / 2, c1), rep_coord(p->h - 4, c2));
        rep_escape(b, xlabel);
        rep_puts(b, "</text>");
    }
    if (ylabel) {
        rep_coord((yt + yb) / 2, c1);
        rep_printf(b, "<text transform=\"translate(12 %s) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">", c1);
        rep_escape(b, ylabel);
        rep_puts(b, "</text>");
    }
}

void rep_plot_close(rep_buf *b) { rep_puts(b, "</svg>"); }

void rep_line(rep_buf *b, const rep_plot *p, const double *x, int64_t xs, const double *y,
              int64_t ys, int64_t n, const char *style) {
    bool open = false;
    char cx[32], cy[32];
    for (int64_t i = 0; i < n; i++) {
        double xv = x ? x[i * xs] : (double)i, yv = y[i * ys];
        if (!isfinite(xv) || !isfinite(yv)) {
            if (open) rep_puts(b, "\"/>");
            open = false;
            continue;
        }
        if (!open) rep_printf(b, "<polyline fill=\"none\" %s points=\"", style);
        rep_printf(b, open ? " %s,%s" : "%s,%s", rep_coord(rep_px(p, xv), cx), rep_coord(rep_py(p, yv), cy));
        open = true;
    }
    if (open) rep_puts(b, "\"/>");
}

void rep_area(rep_buf *b, const rep_plot *p, const double *x, const double *y, int64_t n,
              const char *style) {
    char cx[32], cy[32], base[32];
    rep_coord(rep_py(p, 0), base);
    rep_printf(b, "<polygon %s points=\"%s,%s", style, rep_coord(rep_px(p, x[0]), cx), base);
    for (int64_t i = 0; i < n; i++)
        rep_printf(b, " %s,%s", rep_coord(rep_px(p, x[i]), cx), rep_coord(rep_py(p, y[i]), cy));
    rep_printf(b, " %s,%s\"/>", rep_coord(rep_px(p, x[n - 1]), cx), base);
}

void rep_dot(rep_buf *b, const rep_plot *p, double x, double y, double r) {
    if (!isfinite(x) || !isfinite(y)) return;
    char cx[32], cy[32], cr[32];
    rep_printf(b, "<circle cx=\"%s\" cy=\"%s\" r=\"%s\"/>", rep_coord(rep_px(p, x), cx),
               rep_coord(rep_py(p, y), cy), rep_coord(r, cr));
}

void rep_hline(rep_buf *b, const rep_plot *p, double y, const char *style) {
    char c1[32], c2[32], c3[32];
    rep_coord(rep_py(p, y), c2);
    rep_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" %s/>", rep_coord(p->left, c1), c2,
               rep_coord(p->w - p->right, c3), c2, style);
}

void rep_plot_note(rep_buf *b, const rep_plot *p, const char *text) {
    char c1[32], c2[32];
    rep_printf(b, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#888\">",
               rep_coord((p->left + p->w - p->right) / 2, c1), rep_coord((p->top + p->h - p->bottom) / 2, c2));
    rep_escape(b, text);
    rep_puts(b, "</text>");
}

const char *rep_chain_colour(int64_t c) {
    /* Tableau 10 without its red and its grey */
    static const char *const palette[8] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                           "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
    return palette[c % 8];
}
