/* test_report_svg.c — the report's SVG primitives (src/tools/report_svg.c,
 * report_buf.c, report_trace.c, report_density.c): coordinates, nice ticks and their
 * labels, escaping, the data-to-pixel mapping, lines broken at non-finite points (exact
 * strings), the trace thinning rule, Silverman's bandwidth and the kernel density
 * estimate against direct computations. */
#include <math.h>
#include <string.h>

#include "../../src/tools/report_int.h"
#include "check.h"

#define CHECK_STR(got, want)                                                                 \
    do {                                                                                     \
        check_count++;                                                                       \
        const char *g_ = (got), *w_ = (want);                                                \
        if (!g_ || strcmp(g_, w_) != 0)                                                      \
            check_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #got, g_ ? g_ : "(null)", w_); \
    } while (0)

static void test_coord(void) {
    char buf[32];
    CHECK_STR(rep_coord(12.5, buf), "12.5");
    CHECK_STR(rep_coord(3.0, buf), "3");
    CHECK_STR(rep_coord(2.96, buf), "3");
    CHECK_STR(rep_coord(-0.04, buf), "0");
    CHECK_STR(rep_coord(-0.44, buf), "-0.4");
    CHECK_STR(rep_coord(100.25, buf), "100.2"); /* printf rounds the binary value 100.25 to even */
    CHECK_STR(rep_coord(-7, buf), "-7");
}

static void ticks_are(double lo, double hi, int max, double step, int n, const double *want) {
    rep_ticks t;
    rep_ticks_make(lo, hi, max, &t);
    CHECK_CLOSE(t.step, step, 1e-12);
    CHECK(t.n == n);
    for (int i = 0; i < n && i < t.n; i++) CHECK_NEAR(t.v[i], want[i], 1e-12 * step);
}

static void test_ticks(void) {
    ticks_are(0, 10, 6, 2, 6, (const double[]){0, 2, 4, 6, 8, 10});
    ticks_are(0, 10, 11, 1, 11, (const double[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    ticks_are(0, 10, 5, 2.5, 5, (const double[]){0, 2.5, 5, 7.5, 10});
    ticks_are(-3.7, 12.2, 5, 5, 3, (const double[]){0, 5, 10});
    ticks_are(-3.7, 12.2, 8, 2, 8, (const double[]){-2, 0, 2, 4, 6, 8, 10, 12});
    ticks_are(-3.7, 12.2, 7, 2.5, 6, (const double[]){-2.5, 0, 2.5, 5, 7.5, 10});
    ticks_are(0.0012, 0.0047, 4, 0.001, 3, (const double[]){0.002, 0.003, 0.004});
    ticks_are(-7.05, -6.1, 5, 0.2, 5, (const double[]){-7, -6.8, -6.6, -6.4, -6.2});
    ticks_are(-7.05, -6.1, 4, 0.25, 4, (const double[]){-7, -6.75, -6.5, -6.25});
    ticks_are(1e6, 3e6, 3, 1e6, 3, (const double[]){1e6, 2e6, 3e6});
    /* zero is exactly zero, not a rounding residue */
    rep_ticks t;
    rep_ticks_make(-0.3, 0.3, 7, &t);
    CHECK(t.step == 0.1 && t.n == 7 && t.v[3] == 0 && !signbit(t.v[3]));
    rep_ticks_make(2, 2, 5, &t);
    CHECK(t.n == 1 && t.v[0] == 2);
    rep_ticks_make(NAN, 1, 5, &t);
    CHECK(t.n == 0);
    rep_ticks_make(1, 0, 5, &t);
    CHECK(t.n == 0);
}

static void test_tick_labels(void) {
    char buf[32];
    CHECK_STR(rep_tick_label(5, 5, buf), "5");
    CHECK_STR(rep_tick_label(7.5, 2.5, buf), "7.5");
    CHECK_STR(rep_tick_label(-6.75, 0.25, buf), "-6.75");
    CHECK_STR(rep_tick_label(-7, 0.25, buf), "-7.00");
    CHECK_STR(rep_tick_label(0.003, 0.001, buf), "0.003");
    CHECK_STR(rep_tick_label(-1e-17, 0.1, buf), "0.0");
    CHECK_STR(rep_tick_label(2e6, 1e6, buf), "2e+06");
    CHECK_STR(rep_tick_label(3e-5, 1e-5, buf), "3e-05");
    CHECK_STR(rep_tick_label(400, 100, buf), "400");
}

static void test_escape(void) {
    rep_buf b = {0};
    rep_escape(&b, "a<b & \"c\" > 'd'");
    CHECK_STR(b.s, "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;");
    rep_buf_free(&b);
    rep_escape(&b, "plain");
    rep_escape(&b, "");
    rep_puts(&b, "<ok>");
    rep_printf(&b, "%d-%s", 42, "x");
    CHECK_STR(b.s, "plain<ok>42-x");
    CHECK(b.len == strlen("plain<ok>42-x"));
    rep_buf_free(&b);
    /* growth past the first block and past printf's small buffer */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rep_printf(&b, "[%s]", big);
    rep_printf(&b, "[%s]", big);
    CHECK(b.len == 2 * (sizeof big + 1) && b.s[0] == '[' && b.s[b.len - 1] == ']' && !b.failed);
    rep_buf_free(&b);
}

static void test_mapping(void) {
    rep_plot p = {.w = 200, .h = 100, .left = 20, .right = 10, .top = 10, .bottom = 20, .x0 = 0, .x1 = 10, .y0 = -1, .y1 = 1};
    CHECK_NEAR(rep_px(&p, 0), 20, 1e-12);
    CHECK_NEAR(rep_px(&p, 10), 190, 1e-12);
    CHECK_NEAR(rep_px(&p, 5), 105, 1e-12);
    CHECK_NEAR(rep_py(&p, -1), 80, 1e-12);
    CHECK_NEAR(rep_py(&p, 1), 10, 1e-12);
    CHECK_NEAR(rep_py(&p, 0), 45, 1e-12);
    double lo = 2, hi = 4;
    rep_pad(&lo, &hi, 0.05);
    CHECK_NEAR(lo, 1.9, 1e-12);
    CHECK_NEAR(hi, 4.1, 1e-12);
    lo = hi = 30;
    rep_pad(&lo, &hi, 0.05);
    CHECK(lo == 27 && hi == 33);
    lo = hi = 0;
    rep_pad(&lo, &hi, 0.05);
    CHECK(lo == -0.5 && hi == 0.5);
    const double x[5] = {3, NAN, -2, INFINITY, 7};
    CHECK(rep_finite_range(x, 5, 1, &lo, &hi) && lo == -2 && hi == 7);
    CHECK(rep_finite_range(x, 3, 2, &lo, &hi) && lo == -2 && hi == 7); /* x[0], x[2], x[4] */
    CHECK(rep_finite_range(x, 2, 1, &lo, &hi) && lo == 3 && hi == 3);
    CHECK(!rep_finite_range(x + 1, 1, 1, &lo, &hi));
}

static void test_line(void) {
    rep_plot p = {.w = 200, .h = 100, .left = 20, .right = 10, .top = 10, .bottom = 20, .x0 = 0, .x1 = 10, .y0 = -1, .y1 = 1};
    rep_buf b = {0};
    const double y[5] = {0, 1, NAN, -1, 0.5};
    rep_line(&b, &p, NULL, 1, y, 1, 5, "stroke=\"red\"");
    /* x = i: px = 20 + 17 i; py = 45 - 35 y; the NaN breaks the line in two */
    CHECK_STR(b.s, "<polyline fill=\"none\" stroke=\"red\" points=\"20,45 37,10\"/>"
                   "<polyline fill=\"none\" stroke=\"red\" points=\"71,80 88,27.5\"/>");
    rep_buf_free(&b);
    const double xs[3] = {0, 5, 10}, ys[6] = {1, 9, 0, 9, -1, 9};
    rep_line(&b, &p, xs, 1, ys, 2, 3, "s");
    CHECK_STR(b.s, "<polyline fill=\"none\" s points=\"20,10 105,45 190,80\"/>");
    rep_buf_free(&b);
    rep_dot(&b, &p, 5, 0, 2.5);
    rep_dot(&b, &p, NAN, 0, 2.5);
    rep_hline(&b, &p, 0, "k");
    CHECK_STR(b.s, "<circle cx=\"105\" cy=\"45\" r=\"2.5\"/><line x1=\"20\" y1=\"45\" x2=\"190\" y2=\"45\" k/>");
    rep_buf_free(&b);
    const double ax[2] = {0, 10}, ay[2] = {1, 0};
    rep_area(&b, &p, ax, ay, 2, "f");
    CHECK_STR(b.s, "<polygon f points=\"20,45 20,10 190,45 190,45\"/>");
    rep_buf_free(&b);
}

static void test_plot_frame(void) {
    rep_plot p = {.cls = "trace", .w = 300, .h = 150, .left = 40, .right = 10, .top = 20, .bottom = 30,
                  .x0 = 0, .x1 = 100, .y0 = 0, .y1 = 1};
    rep_buf b = {0};
    rep_plot_open(&b, &p, "a<b", "draw", "value & more", true);
    rep_plot_close(&b);
    CHECK(strncmp(b.s, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trace\" width=\"300\" height=\"150\" "
                       "viewBox=\"0 0 300 150\"", 100) == 0);
    CHECK(strstr(b.s, "<title>a&lt;b</title>") != NULL);
    CHECK(strstr(b.s, ">value &amp; more</text>") != NULL);
    /* x ticks: 250 px wide holds 4 (one per 60 px): step 50 -> 0, 50, 100 at 40, 165, 290
     * (25 would make 5); y ticks: 100 px holds 3 (one per 30 px, at least 3): step 0.5 ->
     * 0.0, 0.5, 1.0 at 120, 70, 20 (labels 4 px lower, 4 px left of the frame) */
    CHECK(strstr(b.s, "<text x=\"165\" y=\"133\">50</text>") != NULL);
    CHECK(strstr(b.s, "<text x=\"290\" y=\"133\">100</text>") != NULL);
    CHECK(strstr(b.s, "<text x=\"36\" y=\"24\">1.0</text>") != NULL);
    CHECK(strstr(b.s, "<text x=\"36\" y=\"74\">0.5</text>") != NULL);
    CHECK(strstr(b.s, "<text x=\"36\" y=\"124\">0.0</text>") != NULL);
    CHECK(strcmp(b.s + b.len - 6, "</svg>") == 0);
    rep_buf_free(&b);
}

static void test_thin_trace(void) {
    enum { N = 10000, RUNS = GEN_REPORT_TRACE_POINTS / 2 };
    static double x[N];
    static int64_t idx[GEN_REPORT_TRACE_POINTS];
    /* short chains are kept whole */
    for (int i = 0; i < N; i++) x[i] = sin(i * 0.37) + (i == 4321 ? 50 : 0) + (i == 777 ? -50 : 0);
    CHECK(rep_thin_trace(x, GEN_REPORT_TRACE_POINTS, 1, idx) == GEN_REPORT_TRACE_POINTS);
    CHECK(idx[0] == 0 && idx[GEN_REPORT_TRACE_POINTS - 1] == GEN_REPORT_TRACE_POINTS - 1);
    /* long: the min and max of each of RUNS runs of 20, in order; spikes survive */
    int64_t k = rep_thin_trace(x, N, 1, idx);
    CHECK(k == 2 * RUNS);
    bool ordered = true, spike_hi = false, spike_lo = false, runs_ok = true;
    for (int64_t i = 0; i < k; i++) {
        if (i && idx[i] <= idx[i - 1]) ordered = false;
        spike_hi |= idx[i] == 4321, spike_lo |= idx[i] == 777;
    }
    for (int r = 0; r < RUNS; r++) { /* an independent min/max per run */
        int64_t lo = r * 20, hi = r * 20;
        for (int64_t i = r * 20; i < (r + 1) * 20; i++) {
            if (x[i] < x[lo]) lo = i;
            if (x[i] > x[hi]) hi = i;
        }
        int64_t a = lo < hi ? lo : hi, e = lo < hi ? hi : lo;
        if (idx[2 * r] != a || idx[2 * r + 1] != e) runs_ok = false;
    }
    CHECK(ordered && spike_hi && spike_lo && runs_ok);
    /* a strided column; a run without finite draws gives nothing */
    static double y[2 * N];
    for (int i = 0; i < N; i++) y[2 * i] = i < 20 ? NAN : (double)i, y[2 * i + 1] = -1;
    k = rep_thin_trace(y, N, 2, idx);
    CHECK(k == 2 * RUNS - 2 && idx[0] == 20 && idx[1] == 39);
}

static void test_density_math(void) {
    const double s[8] = {-1.5, -0.5, 0, 0.25, 1, 2, 2.5, 6};
    /* sd (n - 1) and the type-7 IQR by hand: mean 1.21875 */
    double mean = 1.21875, ss = 0;
    for (int i = 0; i < 8; i++) ss += (s[i] - mean) * (s[i] - mean);
    double sd = sqrt(ss / 7);
    double q1 = -0.5 + 0.75 * 0.5, q3 = 2 + 0.25 * 0.5; /* h = 1.75 and 5.25 */
    double want = 0.9 * fmin(sd, (q3 - q1) / 1.34) * pow(8, -0.2);
    CHECK_CLOSE(rep_silverman(s, 8), want, 1e-13);
    const double c[4] = {2, 2, 2, 2};
    CHECK(rep_silverman(c, 4) == 0);
    CHECK(rep_silverman(s, 1) == 0);
    /* IQR 0 but sd > 0: sd alone */
    const double t[5] = {0, 1, 1, 1, 5};
    double tm = 1.6, tss = 0;
    for (int i = 0; i < 5; i++) tss += (t[i] - tm) * (t[i] - tm);
    CHECK_CLOSE(rep_silverman(t, 5), 0.9 * sqrt(tss / 4) * pow(5, -0.2), 1e-13);
    /* the KDE at 5 grid points against the formula; it integrates to 1 */
    double out[5];
    rep_kde(s, 8, 0.7, -2, 2, 5, out);
    for (int k = 0; k < 5; k++) {
        double g = -2 + k, d = 0;
        for (int i = 0; i < 8; i++) d += exp(-0.5 * ((g - s[i]) / 0.7) * ((g - s[i]) / 0.7));
        CHECK_CLOSE(out[k], d / (8 * 0.7 * sqrt(2 * 3.14159265358979323846)), 1e-13);
    }
    enum { M = 2001 };
    static double fine[M];
    rep_kde(s, 8, 0.7, -10, 14, M, fine);
    double integral = 0;
    for (int k = 0; k < M; k++) integral += fine[k] * (k == 0 || k == M - 1 ? 0.5 : 1) * 24.0 / (M - 1);
    CHECK_NEAR(integral, 1, 1e-6);
}

static void test_fmt_stat(void) {
    char buf[32];
    CHECK_STR(rep_fmt_stat(NAN, "%.3f", buf), "-");
    CHECK_STR(rep_fmt_stat(1.00449, "%.3f", buf), "1.004");
    CHECK_STR(rep_fmt_stat(1234.5678, "%.4g", buf), "1235");
    CHECK_STR(rep_fmt_stat(811.5, "%.0f", buf), "812");
    CHECK(strcmp(rep_chain_colour(0), rep_chain_colour(8)) == 0 && strcmp(rep_chain_colour(0), REP_RED) != 0);
}

int main(void) {
    RUN(test_coord);
    RUN(test_ticks);
    RUN(test_tick_labels);
    RUN(test_escape);
    RUN(test_mapping);
    RUN(test_line);
    RUN(test_plot_frame);
    RUN(test_thin_trace);
    RUN(test_density_math);
    RUN(test_fmt_stat);
    return check_finish();
}
