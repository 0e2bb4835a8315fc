/* report_table.c — the summary table of a draws section: per column the mean, sd, 5%,
 * 50% and 95% quantiles, bulk and tail ESS and R-hat, all from gen_summarize
 * (genc/diag.h), with notes on columns that have non-finite draws. */
#include <math.h>
#include <stdio.h>

#include "genc/diag.h"
#include "report_int.h"

char *rep_fmt_stat(double v, const char *fmt, char *buf) {
    if (isnan(v)) snprintf(buf, 32, "-");
    else snprintf(buf, 32, fmt, v);
    return buf;
}

/* Column j's summary into s; *nonfinite counts its non-finite draws; *why holds the
 * diagnostics' message when they failed. False on OOM. */
static bool summarize(const rep_draws *d, const double *col, double *pool, gen_summary *s, int64_t *nonfinite,
                      char *why, size_t nwhy) {
    int64_t n = d->chains * d->draws, m = 0;
    *s = (gen_summary){.mean = NAN, .sd = NAN, .median = NAN, .nprobs = 3, .probs = {0.05, 0.5, 0.95},
                       .quantiles = {NAN, NAN, NAN}, .mcse_mean = NAN, .mcse_sd = NAN, .ess_bulk = NAN,
                       .ess_tail = NAN, .rhat = NAN};
    why[0] = '\0';
    for (int64_t i = 0; i < n; i++)
        if (isfinite(col[i])) pool[m++] = col[i];
    *nonfinite = n - m;
    gen_status st = GEN_OK;
    if (m == n) {
        const double **chains = core_alloc((size_t)d->chains * sizeof *chains);
        int64_t *ndraws = core_alloc((size_t)d->chains * sizeof *ndraws);
        if (chains && ndraws) {
            for (int64_t c = 0; c < d->chains; c++) chains[c] = col + c * d->draws, ndraws[c] = d->draws;
            st = gen_summarize(chains, d->chains, ndraws, NULL, 0, s);
        } else {
            st = GEN_ERR_OOM;
        }
        if (chains) core_free(chains, (size_t)d->chains * sizeof *chains);
        if (ndraws) core_free(ndraws, (size_t)d->chains * sizeof *ndraws);
    } else if (m >= 4) {
        /* mean, sd and quantiles of the finite draws; no ESS or R-hat */
        const double *one[1] = {pool};
        st = gen_summarize(one, 1, &m, NULL, 0, s);
        s->ess_bulk = s->ess_tail = s->rhat = s->mcse_mean = s->mcse_sd = NAN;
    }
    if (st == GEN_ERR_OOM) return false;
    if (st != GEN_OK) {
        snprintf(why, nwhy, "%s", gen_error_message());
        gen_error_clear();
    }
    return true;
}

bool rep_summary_table(rep_buf *b, const rep_draws *d) {
    int64_t n = d->chains * d->draws;
    double *col = core_alloc((size_t)n * sizeof *col), *pool = core_alloc((size_t)n * sizeof *pool);
    int64_t *bad = core_calloc((size_t)d->cols, sizeof *bad);
    bool ok = col && pool && bad;
    if (ok) {
        rep_puts(b, "<table class=\"summary\"><thead><tr><th>column</th><th>mean</th><th>sd</th><th>5%</th>"
                    "<th>50%</th><th>95%</th><th>ESS bulk</th><th>ESS tail</th><th>R-hat</th></tr></thead><tbody>");
        char why[300];
        for (int64_t j = 0; j < d->cols && ok; j++) {
            gen_summary s;
            rep_column(d, j, col);
            if (!(ok = summarize(d, col, pool, &s, &bad[j], why, sizeof why))) break;
            char v[9][32];
            rep_fmt_stat(s.mean, "%.4g", v[0]), rep_fmt_stat(s.sd, "%.4g", v[1]);
            for (int q = 0; q < 3; q++) rep_fmt_stat(s.quantiles[q], "%.4g", v[2 + q]);
            rep_fmt_stat(s.ess_bulk, "%.0f", v[5]), rep_fmt_stat(s.ess_tail, "%.0f", v[6]);
            rep_fmt_stat(s.rhat, "%.3f", v[7]);
            rep_puts(b, "<tr><td class=\"name\">");
            rep_escape(b, d->names[j]);
            rep_puts(b, "</td>");
            for (int k = 0; k < 7; k++) rep_printf(b, "<td>%s</td>", v[k]);
            rep_printf(b, "<td%s>%s</td></tr>", s.rhat > 1.01 ? " class=\"warn\"" : "", v[7]);
            if (why[0]) {
                rep_puts(b, "<tr><td></td><td colspan=\"8\" class=\"note\">");
                rep_escape(b, why);
                rep_puts(b, "</td></tr>");
            }
        }
        rep_puts(b, "</tbody></table>");
        for (int64_t j = 0; j < d->cols && ok; j++) {
            if (!bad[j]) continue;
            rep_puts(b, "<p class=\"note\">Column <b>");
            rep_escape(b, d->names[j]);
            rep_printf(b, "</b>: %lld of %lld draws are not finite (NaN or infinite): the plots skip them, the "
                          "table gives the mean, sd and quantiles of the finite draws, and no ESS or R-hat.</p>",
                       (long long)bad[j], (long long)n);
        }
    }
    if (col) core_free(col, (size_t)n * sizeof *col);
    if (pool) core_free(pool, (size_t)n * sizeof *pool);
    if (bad) core_free(bad, (size_t)d->cols * sizeof *bad);
    return ok && !b->failed;
}
