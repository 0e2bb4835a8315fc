/* genc/report.h — a self-contained HTML report of an inference run: trace plots, marginal
 * densities, a pair plot and the summary table (mean, sd, quantiles, bulk and tail ESS,
 * R-hat from genc/diag.h) of MCMC draws with their divergences marked; line plots of
 * series (an SMC run's ESS and log marginal likelihood per step, a VI objective per
 * iteration) with an optional reference line (an exact log marginal likelihood); free
 * text and small tables. The plots are inline SVG drawn by GenC: the file needs no
 * JavaScript and no other file or network resource, so it opens offline in any browser.
 *
 *   gen_report *r = gen_report_new("Eight schools");
 *   gen_report_add_draws(r, "NUTS", res.draws, names, 10, divergent);
 *   gen_report_add_series(r, &(gen_report_series){.title = "ESS", .n = T, .y = ess});
 *   gen_report_write_html(r, "report.html");
 *   gen_report_free(r);
 *
 * The report keeps its own copies of everything added (the caller's arrays and strings
 * may go away after each call); sections appear in the file in the order they were
 * added. Text is escaped, so names and messages may hold any characters ('<', '&', ...).
 * Errors (a status, with gen_error_message naming the function and what is wrong) never
 * leave a half-added section behind. docs/report.md shows what each plot is. */
#ifndef GENC_REPORT_H
#define GENC_REPORT_H

#include <stdbool.h>

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_report gen_report;

/* A new, empty report with this title (copied; the page's heading and <title>). NULL
 * with GEN_ERR_MISUSE for a NULL title, GEN_ERR_OOM when out of memory. The caller owns
 * it and ends it with gen_report_free (reports are not scoped). */
gen_report *gen_report_new(const char *title);
/* Frees r and everything it holds. NULL is ignored. */
void gen_report_free(gen_report *r);

/* ---- MCMC draws ---------------------------------------------------------------------- */

/* Adds a section of MCMC draws headed title (e.g. "NUTS"; copied). draws holds the
 * draws as gen_nuts_sample and gen_run_chains return them: a real or integer array of
 * shape [chains, draws, columns], or [chains, draws] for one column, on any device
 * (copied to the host). names are the nnames column names (nnames must equal the
 * number of columns). divergent may be NULL, or an array of shape [chains, draws] whose
 * nonzero entries mark divergent transitions (e.g. the GEN_NUTS_DIVERGENT column of
 * gen_nuts_result.stats, sampling rows only).
 * The section shows: the count of divergent transitions; the summary table, one row per
 * column (mean, sd, the 5%, 50% and 95% quantiles, bulk and tail ESS and R-hat, by
 * gen_summarize: R-hat above 1.01 is highlighted); per column, a trace plot of every
 * chain (one colour per chain, divergent draws marked red, with a red tick under the
 * axis) beside its marginal density (per chain, and pooled shaded); and a pair plot
 * (scatter matrix) of the columns gen_report_set_pairs chose, by default the first up
 * to 4 (none for a single column).
 * Non-finite draws (NaN, infinite) are skipped by every plot and the section says how
 * many each column has; such a column's table row gives mean, sd and quantiles of its
 * finite draws and no ESS or R-hat (shown as "-", as for a constant column, whose ESS
 * and R-hat are NaN).
 * Large draws are thinned in the plots only (the table uses every draw): a trace plot
 * keeps every draw of a chain up to GEN_REPORT_TRACE_POINTS draws; past that the chain
 * is cut into GEN_REPORT_TRACE_POINTS / 2 equal runs of consecutive draws and each run
 * is drawn as its smallest and largest draw, in draw order (so the envelope, spikes and
 * stuck stretches survive); every divergent draw is marked. A pair plot panel shows at
 * most GEN_REPORT_SCATTER_POINTS draws (every k-th of the pooled draws, k the smallest
 * that fits), plus every divergent draw (likewise thinned past that count).
 * Errors: GEN_ERR_MISUSE for NULL r, draws or names (or a NULL name) or title;
 * GEN_ERR_SHAPE for a draws array of another rank, no chains, fewer than 4 draws per
 * chain (the diagnostics' minimum), nnames unequal to the columns, or divergent of
 * another shape ("gen_report_add_draws: divergent has shape [4, 99] but draws have 4
 * chains of 100 draws"); GEN_ERR_DTYPE for a tuple. */
#define GEN_REPORT_TRACE_POINTS 1000
#define GEN_REPORT_SCATTER_POINTS 1000
gen_status gen_report_add_draws(gen_report *r, const char *title, const gen_array *draws,
                                const char *const *names, int64_t nnames,
                                const gen_array *divergent);

/* Chooses the n columns (by name; 2 to GEN_REPORT_MAX_PAIRS) of the pair plot of the
 * draws section added last; n = 0 turns its pair plot off (names may then be NULL).
 * GEN_ERR_MISUSE when no draws were added (or r, or names with n > 0, or a name is NULL),
 * GEN_ERR_VALUE for a name that is not a column ("gen_report_set_pairs: no column 'tau'
 * in the draws 'NUTS'") or n = 1, negative or above GEN_REPORT_MAX_PAIRS; the earlier
 * choice stays on error. */
#define GEN_REPORT_MAX_PAIRS 8
gen_status gen_report_set_pairs(gen_report *r, const char *const *names, int64_t n);

/* How marginal densities are drawn (every draws section of the report). */
typedef enum gen_report_density {
    GEN_REPORT_KDE = 0,      /* a Gaussian kernel density estimate, Silverman's bandwidth
                                0.9 min(sd, IQR / 1.34) n^(-1/5) (the default) */
    GEN_REPORT_HISTOGRAM = 1 /* a histogram of density, 2 n^(1/3) bins (Rice), 10 to 60 */
} gen_report_density;
/* Sets the density kind; GEN_ERR_VALUE for another value, GEN_ERR_MISUSE for NULL r. */
gen_status gen_report_set_density(gen_report *r, gen_report_density kind);

/* ---- series -------------------------------------------------------------------------- */

/* A named series y over x, drawn as a line plot. */
typedef struct gen_report_series {
    const char *title;           /* the plot's heading, e.g. "log marginal likelihood" */
    const char *xlabel, *ylabel; /* the axes' labels; NULL: none */
    int64_t n;                   /* the number of points, >= 1 */
    const double *x;             /* n values, or NULL for 0, 1, ..., n - 1 */
    const double *y;             /* n values */
    bool has_reference;          /* draw a dashed horizontal line at reference */
    double reference;            /* e.g. the exact log marginal likelihood */
    const char *reference_label; /* its label in the legend; NULL: "reference" */
} gen_report_series;
/* Adds a series (copied). Points with a non-finite x or y are skipped (the line breaks
 * there) and the plot's caption says how many. GEN_ERR_MISUSE for NULL r, s, s->title or
 * s->y; GEN_ERR_VALUE for n < 1 or a non-finite reference. */
gen_status gen_report_add_series(gen_report *r, const gen_report_series *s);

/* ---- text and tables ----------------------------------------------------------------- */

/* Adds text (copied) under an optional heading (NULL: none). A blank line starts a new
 * paragraph; the text is escaped (shown as written, not read as HTML). GEN_ERR_MISUSE
 * for NULL r or text. */
gen_status gen_report_add_text(gen_report *r, const char *heading, const char *text);
/* Adds a table (copied) with an optional title (NULL: none): header holds ncols column
 * headings (NULL: no header row), cells the nrows * ncols cells row by row (a NULL cell
 * is empty), e.g. per-algorithm statistics (acceptance, divergences, log marginal
 * likelihood) formatted by the caller. GEN_ERR_MISUSE for NULL r, or NULL cells with
 * nrows * ncols > 0; GEN_ERR_VALUE for negative sizes or ncols = 0 with nrows > 0. */
gen_status gen_report_add_table(gen_report *r, const char *title, int64_t nrows,
                                int64_t ncols, const char *const *header,
                                const char *const *cells);

/* ---- output -------------------------------------------------------------------------- */

/* Writes the report to path as one HTML file (UTF-8; created or replaced). GEN_ERR_MISUSE
 * for NULL r or path; GEN_ERR_VALUE when the file cannot be written, naming it and the
 * system's reason ("gen_report_write_html: cannot write '/nonexistent/r.html': No such
 * file or directory"); GEN_ERR_OOM. A failed write may leave a partial file. */
gen_status gen_report_write_html(const gen_report *r, const char *path);

#ifdef __cplusplus
}
#endif
#endif
