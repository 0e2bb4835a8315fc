/* report_html.c — the report's page: the HTML document with its style sheet, each
 * section in order (draws: divergences, summary table, traces beside densities, pair
 * plot; series; text; tables), and writing it to a file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "genc.h"
#include "report_int.h"

static const char *const STYLE =
    "body{font-family:sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:16px 24px;}"
    "h1{font-size:1.6em;margin-bottom:4px;}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:3px;"
    "margin-top:32px;}h3{font-size:1.05em;margin-top:20px;}"
    "table{border-collapse:collapse;margin:8px 0;font-size:0.9em;}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;}th{background:#f2f2f2;}"
    "td.name,table.stats td:first-child{text-align:left;font-family:monospace;}"
    "td.warn{background:#fdd;font-weight:bold;}.note{color:#666;font-size:0.9em;}"
    ".row{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0;}"
    ".pairs{display:grid;gap:2px;}"
    ".legend span.sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px;}"
    ".legend span.dot{border-radius:6px;}"
    "footer{margin-top:40px;color:#888;font-size:0.8em;}";

static void heading(rep_buf *b, const char *tag, const char *text) {
    rep_printf(b, "<%s>", tag);
    rep_escape(b, text);
    rep_printf(b, "</%s>", tag);
}

static bool draws_section(rep_buf *b, const rep_draws *d, gen_report_density kind) {
    rep_puts(b, "<section class=\"draws\">");
    heading(b, "h2", d->title);
    rep_printf(b, "<p>%lld chain%s of %lld draws, %lld column%s.</p>", (long long)d->chains,
               d->chains > 1 ? "s" : "", (long long)d->draws, (long long)d->cols, d->cols > 1 ? "s" : "");
    if (d->div) {
        int64_t total = 0, n = d->chains * d->draws;
        for (int64_t i = 0; i < n; i++) total += d->div[i];
        rep_printf(b, "<p class=\"divergences\">Divergent transitions: <b>%lld</b> of %lld", (long long)total,
                   (long long)n);
        if (d->chains > 1) {
            rep_puts(b, " (");
            for (int64_t c = 0; c < d->chains; c++) {
                int64_t k = 0;
                for (int64_t i = 0; i < d->draws; i++) k += d->div[c * d->draws + i];
                rep_printf(b, "%schain %lld: %lld", c ? ", " : "", (long long)(c + 1), (long long)k);
            }
            rep_puts(b, ")");
        }
        rep_puts(b, total ? "; marked red in the plots.</p>" : ".</p>");
    }
    if (!rep_summary_table(b, d)) return false;
    heading(b, "h3", "Traces and marginal densities");
    rep_puts(b, "<p class=\"legend\">");
    for (int64_t c = 0; c < d->chains; c++)
        rep_printf(b, "<span class=\"sw\" style=\"background:%s\"></span>chain %lld", rep_chain_colour(c),
                   (long long)(c + 1));
    if (d->div) rep_puts(b, "<span class=\"sw dot\" style=\"background:" REP_RED "\"></span>divergent");
    rep_printf(b, " &#8212; %s", kind == GEN_REPORT_KDE
                                     ? "densities: each chain's kernel estimate, the pooled one shaded"
                                     : "densities: histogram of the pooled draws");
    if (d->draws > GEN_REPORT_TRACE_POINTS)
        rep_printf(b, "; traces thinned to the smallest and largest draw of each of %d runs", GEN_REPORT_TRACE_POINTS / 2);
    rep_puts(b, "</p>");
    int64_t n = d->chains * d->draws;
    double *col = core_alloc((size_t)n * sizeof *col);
    if (!col) return false;
    for (int64_t j = 0; j < d->cols && !b->failed; j++) {
        rep_column(d, j, col);
        rep_puts(b, "<div class=\"row\">");
        rep_trace_plot(b, d, j, col);
        rep_plot frame = {.cls = "density", .w = 300, .h = 170, .left = 12, .right = 10, .top = 22, .bottom = 32};
        rep_density_plot(b, d, j, col, kind, &frame, false, true, true);
        rep_puts(b, "</div>");
    }
    core_free(col, (size_t)n * sizeof *col);
    if (d->npairs >= 2) {
        heading(b, "h3", "Pair plot");
        if (!rep_pair_plot(b, d, kind)) return false;
    }
    rep_puts(b, "</section>");
    return !b->failed;
}

static void series_section(rep_buf *b, const rep_series *s) {
    rep_puts(b, "<section class=\"series\">");
    heading(b, "h2", s->title);
    rep_series_plot(b, s);
    int64_t bad = 0;
    for (int64_t i = 0; i < s->n; i++) bad += !isfinite(s->x[i]) || !isfinite(s->y[i]);
    if (bad)
        rep_printf(b, "<p class=\"note\">%lld of %lld points are not finite (NaN or infinite) and are skipped.</p>",
                   (long long)bad, (long long)s->n);
    rep_puts(b, "</section>");
}

/* Paragraphs at blank lines, <br> at other line breaks. */
static void text_section(rep_buf *b, const rep_text *t) {
    rep_puts(b, "<section class=\"text\">");
    if (t->heading) heading(b, "h2", t->heading);
    rep_puts(b, "<p>");
    const char *s = t->text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char line[512];
        while (len > 0) { /* escape the line in pieces */
            size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
            memcpy(line, s, k);
            line[k] = '\0';
            rep_escape(b, line);
            s += k, len -= k;
        }
        if (!nl) break;
        s = nl + 1;
        if (*s == '\n') {
            while (*s == '\n') s++;
            if (*s) rep_puts(b, "</p><p>");
        } else if (*s) {
            rep_puts(b, "<br>");
        }
    }
    rep_puts(b, "</p></section>");
}

static void table_section(rep_buf *b, const rep_table *t) {
    rep_puts(b, "<section class=\"table\">");
    if (t->title) heading(b, "h2", t->title);
    rep_puts(b, "<table class=\"stats\">");
    if (t->header) {
        rep_puts(b, "<thead><tr>");
        for (int64_t j = 0; j < t->cols; j++) {
            rep_puts(b, "<th>");
            if (t->header[j]) rep_escape(b, t->header[j]);
            rep_puts(b, "</th>");
        }
        rep_puts(b, "</tr></thead>");
    }
    rep_puts(b, "<tbody>");
    for (int64_t i = 0; i < t->rows; i++) {
        rep_puts(b, "<tr>");
        for (int64_t j = 0; j < t->cols; j++) {
            rep_puts(b, "<td>");
            if (t->cells[i * t->cols + j]) rep_escape(b, t->cells[i * t->cols + j]);
            rep_puts(b, "</td>");
        }
        rep_puts(b, "</tr>");
    }
    rep_puts(b, "</tbody></table></section>");
}

bool rep_html(rep_buf *b, const gen_report *r) {
    rep_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    rep_escape(b, r->title);
    rep_printf(b, "</title><style>%s</style></head><body>\n", STYLE);
    heading(b, "h1", r->title);
    for (size_t i = 0; i < r->sections.len && !b->failed; i++) {
        const rep_section *s = r->sections.items[i];
        switch (s->kind) {
        case REP_DRAWS:
            if (!draws_section(b, &s->u.d, r->density)) b->failed = true;
            break;
        case REP_SERIES: series_section(b, &s->u.s); break;
        case REP_TEXT: text_section(b, &s->u.t); break;
        case REP_TABLE: table_section(b, &s->u.tb); break;
        }
        rep_puts(b, "\n");
    }
    rep_printf(b, "<footer>Made by GenC %d.%d: plots are inline SVG; the page needs no script and no other file."
                  "</footer>\n</body></html>\n", GENC_VERSION_MAJOR, GENC_VERSION_MINOR);
    return !b->failed;
}

gen_status gen_report_write_html(const gen_report *r, const char *path) {
    const char *fn = "gen_report_write_html";
    if (!r) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the report is NULL", fn);
    if (!path) return GEN_FAIL(GEN_ERR_MISUSE, "%s: path is NULL", fn);
    rep_buf b = {0};
    if (!rep_html(&b, r)) {
        gen_status st = core_error_pending();
        rep_buf_free(&b);
        if (st == GEN_OK) st = GEN_FAIL(GEN_ERR_OOM, "out of memory");
        core_error_prefix("%s", fn);
        return st;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        int e = errno;
        rep_buf_free(&b);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: cannot write '%s': %s", fn, path, strerror(e));
    }
    size_t len = b.len, w = fwrite(b.s, 1, len, f);
    int e = w == len ? 0 : (errno ? errno : EIO);
    if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
    rep_buf_free(&b);
    if (e) return GEN_FAIL(GEN_ERR_VALUE, "%s: cannot write '%s': %s", fn, path, strerror(e ? e : EIO));
    return GEN_OK;
}
