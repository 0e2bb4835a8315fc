/* test_report.c — the HTML report (genc/report.h) as a reader gets it: one trace plot and
 * one density per column, the pair plot's panels, the summary table's numbers equal to
 * genc/diag.h's (gen_ess_bulk, gen_ess_tail, gen_rhat) and to directly computed means,
 * sds and quantiles at the printed precision, divergences counted and marked, non-finite
 * draws skipped and reported, thinning of long chains, escaping, series, text and tables;
 * every error path, and out-of-memory runs that leak nothing. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "oom.h"
#include "tmpdir.h"

static char DIR_[64], PATH[128];

/* The file's text (malloc'd) or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

/* Occurrences of what in the n chars at s. */
static int count_n(const char *s, ptrdiff_t n, const char *what) {
    char *t = strndup(s, (size_t)n);
    int k = t ? count(t, what) : -1;
    free(t);
    return k;
}

/* The report written and read back (caller frees). */
static char *render(const gen_report *r) {
    gen_status st = gen_report_write_html(r, PATH);
    if (st != GEN_OK) {
        check_fail(__FILE__, __LINE__, "gen_report_write_html: %s", gen_error_message());
        return NULL;
    }
    return slurp(PATH);
}

/* Deterministic AR(1) chains: x[c][i][j] = 0.6 x[c][i-1][j] + noise, a fixed xorshift. */
static uint64_t rng = 88172645463325252ull;
static double unif(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }
static void ar1(double *x, int64_t chains, int64_t draws, int64_t cols) {
    for (int64_t c = 0; c < chains; c++)
        for (int64_t j = 0; j < cols; j++) {
            double v = (double)c * 0.3;
            for (int64_t i = 0; i < draws; i++) {
                v = 0.6 * v + gauss() * (1 + (double)j);
                x[(c * draws + i) * cols + j] = v + 2 * (double)j;
            }
        }
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double q7(const double *s, int64_t n, double p) {
    double h = (double)(n - 1) * p;
    int64_t i = (int64_t)floor(h);
    return i + 1 < n ? s[i] + (h - (double)i) * (s[i + 1] - s[i]) : s[n - 1];
}

/* The cells of the summary table's row for name (escaped as in the page): n cells into
 * cells[k] (32 chars each); the count found. */
static int row_cells(const char *html, const char *name, char cells[][32], int n) {
    char key[128];
    snprintf(key, sizeof key, "<td class=\"name\">%s</td>", name);
    const char *p = strstr(html, key);
    if (!p) return 0;
    p += strlen(key);
    int k = 0;
    while (k < n && strncmp(p, "<td", 3) == 0) {
        p = strchr(p, '>') + 1;
        const char *e = strstr(p, "</td>");
        snprintf(cells[k++], 32, "%.*s", (int)(e - p), p);
        p = e + 5;
    }
    return k;
}

static void check_row(const char *html, const char *name, const double *col, int64_t chains, int64_t draws) {
    char cells[8][32], want[8][32];
    CHECK(row_cells(html, name, cells, 8) == 8);
    int64_t n = chains * draws;
    double *s = malloc((size_t)n * sizeof *s), mean = 0, ss = 0;
    memcpy(s, col, (size_t)n * sizeof *s);
    for (int64_t i = 0; i < n; i++) mean += s[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) ss += (s[i] - mean) * (s[i] - mean);
    qsort(s, (size_t)n, sizeof *s, cmp);
    const double *ch[8];
    int64_t nd[8];
    for (int64_t c = 0; c < chains; c++) ch[c] = col + c * draws, nd[c] = draws;
    double eb, et, rh;
    CHECK_OK(gen_ess_bulk(ch, chains, nd, &eb));
    CHECK_OK(gen_ess_tail(ch, chains, nd, &et));
    CHECK_OK(gen_rhat(ch, chains, nd, &rh));
    snprintf(want[0], 32, "%.4g", mean);
    snprintf(want[1], 32, "%.4g", sqrt(ss / (double)(n - 1)));
    snprintf(want[2], 32, "%.4g", q7(s, n, 0.05));
    snprintf(want[3], 32, "%.4g", q7(s, n, 0.5));
    snprintf(want[4], 32, "%.4g", q7(s, n, 0.95));
    snprintf(want[5], 32, "%.0f", eb);
    snprintf(want[6], 32, "%.0f", et);
    snprintf(want[7], 32, "%.3f", rh);
    for (int k = 0; k < 8; k++) {
        check_count++;
        if (strcmp(cells[k], want[k]) != 0)
            check_fail(__FILE__, __LINE__, "%s: cell %d is '%s', want '%s'", name, k, cells[k], want[k]);
    }
    free(s);
}

enum { C = 3, D = 200, K = 3 };

static void test_draws_content(void) {
    static double x[C * D * K], col[C * D], div[C * D];
    ar1(x, C, D, K);
    div[10] = 1, div[D + 50] = 1; /* chain 1 draw 10, chain 2 draw 50 */
    gen_array *draws = gen_array_from_f64(GEN_DIMS(C, D, K), x);
    gen_array *dv = gen_array_from_f64(GEN_DIMS(C, D), div);
    const char *names[K] = {"alpha", "b<&>", "c"};
    gen_report *r = gen_report_new("Test <report> & co");
    CHECK_OK(gen_report_add_draws(r, "NUTS", draws, names, K, dv));
    char *html = render(r);
    if (!html) goto done;
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(html, "<title>Test &lt;report&gt; &amp; co</title>") != NULL);
    CHECK(count(html, "class=\"trace\"") == K);
    CHECK(count(html, "class=\"density\"") == K + 3); /* one per column, the pair plot's diagonal */
    CHECK(count(html, "class=\"scatter\"") == 3);    /* 3 columns: 3 panels below the diagonal */
    CHECK(count(html, "<g class=\"divergent\"") == K + 3);
    CHECK(strstr(html, "Divergent transitions: <b>2</b> of 600 (chain 1: 1, chain 2: 1, chain 3: 0)") != NULL);
    /* escaped everywhere: the name never appears raw */
    CHECK(strstr(html, "b<&>") == NULL && strstr(html, "b&lt;&amp;&gt;") != NULL);
    /* no script, no external resource */
    CHECK(strstr(html, "<script") == NULL && strstr(html, "href=") == NULL && strstr(html, "src=") == NULL);
    /* each column's row against genc/diag.h and direct sums */
    const char *esc[K] = {"alpha", "b&lt;&amp;&gt;", "c"};
    for (int j = 0; j < K; j++) {
        for (int64_t i = 0; i < C * D; i++) col[i] = x[i * K + j];
        check_row(html, esc[j], col, C, D);
    }
    /* 200 draws per chain: every draw drawn; 3 polylines per trace plot (one per chain) */
    const char *t = strstr(html, "class=\"trace\"");
    const char *pl = t ? strstr(t, "points=\"") : NULL;
    CHECK(pl && count_n(pl, strchr(pl + 8, '"') - pl, ",") == D);
    free(html);
    /* the pair plot's columns chosen; then none */
    CHECK_OK(gen_report_set_pairs(r, (const char *[]){"c", "alpha"}, 2));
    html = render(r);
    CHECK(html && count(html, "class=\"scatter\"") == 1 && count(html, "class=\"density\"") == K + 2);
    CHECK(html && strstr(html, "<title>alpha against c</title>") != NULL);
    free(html);
    CHECK_OK(gen_report_set_pairs(r, NULL, 0));
    html = render(r);
    CHECK(html && count(html, "class=\"scatter\"") == 0 && strstr(html, "Pair plot") == NULL);
    free(html);
    /* histograms instead of kernel estimates */
    CHECK_OK(gen_report_set_density(r, GEN_REPORT_HISTOGRAM));
    html = render(r);
    CHECK(html && count(html, "<g fill=\"#6baed6\"") == K && strstr(html, "histogram of the pooled draws"));
    free(html);
done:
    gen_report_free(r);
}

static void test_nonfinite_and_constant(void) {
    enum { N = 2 * 50 };
    static double x[N * 3];
    for (int i = 0; i < N; i++) {
        x[i * 3] = sin(i * 0.7);
        x[i * 3 + 1] = i == 7 ? NAN : i == 60 ? INFINITY : cos(i * 1.3);
        x[i * 3 + 2] = 4.25;
    }
    gen_report *r = gen_report_new("nonfinite");
    CHECK_OK(gen_report_add_draws(r, "MH", gen_array_from_f64(GEN_DIMS(2, 50, 3), x),
                                  (const char *[]){"ok", "holes", "flat"}, 3, NULL));
    char *html = render(r);
    if (!html) goto done;
    CHECK(strstr(html, "Column <b>holes</b>: 2 of 100 draws are not finite") != NULL);
    CHECK(strstr(html, "Column <b>ok</b>") == NULL && strstr(html, "Divergent") == NULL);
    char cells[8][32], want[32];
    CHECK(row_cells(html, "holes", cells, 8) == 8);
    double mean = 0;
    int m = 0;
    for (int i = 0; i < N; i++)
        if (isfinite(x[i * 3 + 1])) m++, mean += x[i * 3 + 1];
    snprintf(want, sizeof want, "%.4g", mean / m);
    CHECK(strcmp(cells[0], want) == 0);
    CHECK(strcmp(cells[5], "-") == 0 && strcmp(cells[6], "-") == 0 && strcmp(cells[7], "-") == 0);
    /* the trace breaks at the NaN: chain 1 draws 0..6 and 8..49 */
    const char *t = strstr(html, "<title>holes: trace</title>");
    CHECK(t && count_n(t, strstr(t, "</svg>") - t, "<polyline") == 4); /* chain 2: 50..59, 61..99 */
    /* a constant column: no ESS or R-hat (NaN in diag.h), its value as a line */
    CHECK(row_cells(html, "flat", cells, 8) == 8);
    CHECK(strcmp(cells[0], "4.25") == 0 && strcmp(cells[1], "0") == 0 && strcmp(cells[5], "-") == 0 &&
          strcmp(cells[7], "-") == 0);
    CHECK(strstr(html, ">constant</text>") != NULL);
    free(html);
done:
    gen_report_free(r);
}

static void test_thinning(void) {
    enum { LC = 2, LD = 20000 };
    double *x = malloc(LC * LD * sizeof *x);
    ar1(x, LC, LD, 1);
    x[12345] = 40; /* a spike the envelope keeps */
    gen_report *r = gen_report_new("long");
    CHECK_OK(gen_report_add_draws(r, "long", gen_array_from_f64(GEN_DIMS(LC, LD), x), (const char *[]){"x"}, 1,
                                  NULL));
    char *html = render(r);
    if (html) {
        const char *t = strstr(html, "class=\"trace\"");
        const char *e = t ? strstr(t, "</svg>") : NULL;
        char *svg = t && e ? strndup(t, e - t) : NULL;
        CHECK(svg && count(svg, "<polyline") == LC && count(svg, ",") == LC * GEN_REPORT_TRACE_POINTS);
        /* the spike: draw 12345 at the top of the plot's range (y = 22 + 5% padding) */
        char want[64];
        snprintf(want, sizeof want, " %.1f,", 52 + 12345.0 / (LD - 1) * (600 - 52 - 10));
        CHECK(svg && strstr(svg, want) != NULL);
        CHECK(strlen(html) < 200000);
        CHECK(strstr(html, "traces thinned to the smallest and largest draw of each of 500 runs") != NULL);
        free(svg);
        free(html);
    }
    gen_report_free(r);
    free(x);
}

static void test_series_text_tables(void) {
    gen_report *r = gen_report_new("more");
    double y[10];
    for (int i = 0; i < 10; i++) y[i] = -5 + 1.0 / (i + 1);
    y[4] = NAN;
    gen_report_series s = {.title = "log ML", .xlabel = "step", .ylabel = "log Z", .n = 10, .y = y,
                           .has_reference = true, .reference = -5, .reference_label = "exact <Kalman>"};
    CHECK_OK(gen_report_add_series(r, &s));
    CHECK_OK(gen_report_add_text(r, "Notes", "a < b\nsame paragraph\n\nsecond & last\n"));
    CHECK_OK(gen_report_add_text(r, NULL, "no heading"));
    CHECK_OK(gen_report_add_table(r, "Stats", 2, 3, (const char *[]){"algorithm", "acceptance", "log ML"},
                                  (const char *[]){"NUTS", "0.81", "-", "SMC", NULL, "-12.5<"}));
    CHECK_OK(gen_report_add_table(r, NULL, 0, 0, NULL, NULL));
    char *html = render(r);
    if (!html) goto done;
    CHECK(count(html, "class=\"series\"") == 2); /* the section and its plot */
    CHECK(strstr(html, "exact &lt;Kalman&gt; = -5</text>") != NULL);
    CHECK(strstr(html, "stroke-dasharray=\"6 4\"") != NULL);
    CHECK(strstr(html, "1 of 10 points are not finite") != NULL);
    CHECK(count(html, "<circle") == 9); /* the finite points, marked: few of them */
    CHECK(strstr(html, "<h2>Notes</h2><p>a &lt; b<br>same paragraph</p><p>second &amp; last</p>") != NULL);
    CHECK(strstr(html, "<section class=\"text\"><p>no heading</p></section>") != NULL);
    CHECK(strstr(html, "<h2>Stats</h2><table class=\"stats\"><thead><tr><th>algorithm</th><th>acceptance</th>"
                       "<th>log ML</th></tr></thead><tbody><tr><td>NUTS</td><td>0.81</td><td>-</td></tr>"
                       "<tr><td>SMC</td><td></td><td>-12.5&lt;</td></tr></tbody></table>") != NULL);
    CHECK(strstr(html, "<table class=\"stats\"><tbody></tbody></table>") != NULL);
    /* sections in the order added */
    CHECK(strstr(html, "log ML") < strstr(html, "Notes") && strstr(html, "Notes") < strstr(html, "Stats"));
    free(html);
done:
    gen_report_free(r);
}

static void test_errors(void) {
    static double x[2 * 10 * 2];
    for (int i = 0; i < 40; i++) x[i] = i % 7;
    gen_array *draws = gen_array_from_f64(GEN_DIMS(2, 10, 2), x);
    const char *names[2] = {"a", "b"};
    gen_report *r = gen_report_new("errors");
    CHECK(gen_report_new(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_report_new: title is NULL");
    CHECK(gen_report_set_pairs(r, names, 2) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_report_set_pairs: the report has no draws yet");
    CHECK(gen_report_add_draws(r, "t", draws, names, 3, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_report_add_draws: 3 names for the 2 columns of draws (shape [2, 10, 2])");
    CHECK(gen_report_add_draws(r, "t", gen_array_from_f64(GEN_DIMS(20), x), names, 1, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "draws has shape [20]: want [chains, draws, columns] or [chains, draws]");
    CHECK(gen_report_add_draws(r, "t", gen_array_from_f64(GEN_DIMS(2, 3, 2), x), names, 2, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "3 draws per chain, need at least 4");
    CHECK(gen_report_add_draws(r, "t", draws, names, 2, gen_zeros(GEN_BOOL, GEN_DIMS(2, 9))) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_report_add_draws: divergent has shape [2, 9] but draws have 2 chains of 10 draws");
    CHECK(gen_report_add_draws(r, "t", draws, (const char *[]){"a", NULL}, 2, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "names[1] is NULL");
    gen_array *tup = gen_tuple(2, (gen_array *[]){draws, draws});
    CHECK(gen_report_add_draws(r, "t", tup, names, 2, NULL) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "draws is a tuple");
    /* nothing half-added: the report is still empty */
    CHECK(gen_report_set_pairs(r, names, 2) == GEN_ERR_MISUSE);
    gen_error_clear();
    /* integer and bool arrays are read as numbers; the divergent flags may be bool */
    CHECK_OK(gen_report_add_draws(r, "ints", gen_cast(draws, GEN_I64), names, 2, gen_zeros(GEN_BOOL, GEN_DIMS(2, 10))));
    CHECK(gen_report_set_pairs(r, (const char *[]){"a", "zz"}, 2) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_report_set_pairs: no column 'zz' in the draws 'ints'");
    CHECK(gen_report_set_pairs(r, names, 1) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "choose 0 (no pair plot) or 2 to 8 columns");
    CHECK(gen_report_set_pairs(r, names, 9) == GEN_ERR_VALUE);
    gen_error_clear();
    CHECK(gen_report_set_density(r, (gen_report_density)7) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "7 is not a density kind");
    double y[2] = {1, 2};
    gen_report_series s = {.title = "s", .n = 0, .y = y};
    CHECK(gen_report_add_series(r, &s) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "series 's': n = 0, need at least 1 point");
    s.n = 2, s.has_reference = true, s.reference = NAN;
    CHECK(gen_report_add_series(r, &s) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "series 's': the reference nan is not finite");
    s.has_reference = false, s.y = NULL;
    CHECK(gen_report_add_series(r, &s) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "series 's': y is NULL");
    CHECK(gen_report_add_table(r, "t", -1, 2, NULL, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "a table of -1 rows and 2 columns");
    CHECK(gen_report_add_table(r, "t", 2, 0, NULL, NULL) == GEN_ERR_VALUE);
    gen_error_clear();
    CHECK(gen_report_add_table(r, "t", 1, 1, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_report_add_table: cells is NULL");
    /* an unwritable path */
    CHECK(gen_report_write_html(r, "/nonexistent-genc-dir/r.html") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE,
                "gen_report_write_html: cannot write '/nonexistent-genc-dir/r.html': No such file or directory");
    CHECK(gen_report_write_html(r, DIR_) == GEN_ERR_VALUE); /* a folder */
    CHECK_ERROR(GEN_ERR_VALUE, "Is a directory");
    gen_report_free(r);
    gen_report_free(NULL);
}

/* the whole workflow under a failing allocator */
static gen_status workload(void) {
    static double x[2 * 8 * 2];
    for (int i = 0; i < 32; i++) x[i] = sin(i * 1.1);
    x[5] = NAN;
    gen_array *draws = gen_array_from_f64(GEN_DIMS(2, 8, 2), x);
    gen_array *dv = gen_array_from_f64(GEN_DIMS(2, 8), x + 16);
    if (!draws || !dv) return gen_error_status();
    gen_report *r = gen_report_new("oom");
    if (!r) return gen_error_status();
    double y[3] = {1, 2, 3};
    gen_report_series s = {.title = "s", .xlabel = "x", .ylabel = "y", .n = 3, .y = y, .has_reference = true};
    gen_status st = gen_report_add_draws(r, "d", draws, (const char *[]){"a", "b"}, 2, dv);
    if (st == GEN_OK) st = gen_report_add_series(r, &s);
    if (st == GEN_OK) st = gen_report_add_text(r, "h", "text");
    if (st == GEN_OK) st = gen_report_add_table(r, "t", 1, 2, (const char *[]){"a", "b"}, (const char *[]){"1", "2"});
    if (st == GEN_OK) st = gen_report_write_html(r, PATH);
    gen_report_free(r);
    return st;
}

static void test_oom(void) { CHECK_OOM(workload, 10); }

int main(void) {
    snprintf(DIR_, sizeof DIR_, "/tmp/genc_test_report_XXXXXX");
    if (!mkdtemp(DIR_)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(PATH, sizeof PATH, "%s/report.html", DIR_);
    RUN(test_draws_content);
    RUN(test_nonfinite_and_constant);
    RUN(test_thinning);
    RUN(test_series_text_tables);
    RUN(test_errors);
    RUN(test_oom);
    tmpdir_remove(DIR_);
    return check_finish();
}
