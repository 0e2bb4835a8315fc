/* html_report.c — the report of `genc run` (<out>/report.html, through genc/report.h;
 * docs/genc-tool.md says what it holds): the run's description, the algorithm's
 * statistics as a table (with the model's reference value), NUTS's per-chain table, the
 * draws of the summarized columns by chain (summary table, traces, densities, pair plot;
 * NUTS's divergent transitions marked) and the run's series (SMC's ESS and log marginal
 * likelihood per step, with the reference as a dashed line; ADVI's ELBO). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static bool is_mcmc(const char *alg) { return strcmp(alg, "is") && strcmp(alg, "smc") && strcmp(alg, "advi"); }

/* Appends to text[cap] at *k (nothing once full). */
static void append(char *text, size_t cap, int *k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *text, size_t cap, int *k, const char *fmt, ...) {
    if (*k < 0 || (size_t)*k >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text + *k, cap - (size_t)*k, fmt, ap);
    va_end(ap);
    *k = n < 0 ? (int)cap : *k + n;
}

static gen_status add_run_text(gen_report *rep, const tool_model *tm, const tool_opts *o, const tool_result *r,
                               int used, int64_t rows) {
    char text[4096];
    int k = 0;
    append(text, sizeof text, &k, "Model %s: %s.\nAlgorithm %s, seed %llu", tm->info->name,
           tm->info->description ? tm->info->description : "", r->algorithm, (unsigned long long)o->seed);
    if (is_mcmc(r->algorithm))
        append(text, sizeof text, &k, ", %d chain%s of %lld warm-up and %lld draws", r->chains,
               r->chains == 1 ? "" : "s", (long long)o->warmup, (long long)o->draws);
    else
        append(text, sizeof text, &k, ", %lld draws", (long long)o->draws);
    if (o->data) append(text, sizeof text, &k, ", data %s", o->data);
    append(text, sizeof text, &k, ".");
    if (r->note[0]) append(text, sizeof text, &k, "\n%s.", r->note);
    if (r->cancelled)
        append(text, sizeof text, &k,
               "\n\nStopped by Ctrl-C: the report shows the %lld draws every one of the %d chain%s reached.",
               (long long)rows, used, used == 1 ? "" : "s");
    return gen_report_add_text(rep, "Run", text);
}

/* The algorithm's statistics: one row per statistic that applies. */
static gen_status add_stats_table(gen_report *rep, const tool_model *tm, const tool_result *r) {
    int cap = 6 + r->n_parts;
    char(*val)[64] = calloc((size_t)cap, sizeof *val), (*label)[160] = calloc((size_t)cap, sizeof *label);
    const char **cells = calloc((size_t)(2 * cap), sizeof *cells);
    if (!val || !label || !cells) {
        free(val);
        free(label);
        free(cells);
        return gen_error_set(GEN_ERR_OOM, "genc: out of memory for the statistics table");
    }
    int n = 0;
#define ROW(lab, ...)                                       \
    do {                                                    \
        snprintf(val[n], sizeof val[n], __VA_ARGS__);       \
        cells[2 * n] = (lab);                               \
        cells[2 * n + 1] = val[n];                          \
        n++;                                                \
    } while (0)
    if (r->has_accept) ROW(r->nuts_stats ? "acceptance rate (mean accept_stat)" : "acceptance rate", "%.3f", r->accept);
    for (int i = 0; i < r->n_parts; i++) { /* each part of a cycle */
        snprintf(label[n], sizeof label[n], "acceptance rate (%s)", r->part_name[i]);
        ROW(label[n], "%.3f", r->part_steps ? (double)r->part_accepted[i] / (double)r->part_steps : 0.0);
    }
    if (r->has_div) ROW("divergent transitions", "%lld", (long long)r->divergences);
    if (r->has_ess) ROW("ESS of the final weights", "%.1f", r->ess);
    if (r->has_log_ml) ROW("log marginal likelihood (estimate)", "%.6g", r->log_ml);
    const char *what = NULL;
    double ref = 0;
    char ref_label[320];
    if (gen_model_reference(tm->m, &what, &ref)) {
        snprintf(ref_label, sizeof ref_label, "%s (reference)", what);
        ROW(ref_label, "%.6g", ref);
    }
#undef ROW
    char title[96];
    snprintf(title, sizeof title, "Statistics (%s)", r->algorithm);
    gen_status st = n ? gen_report_add_table(rep, title, n, 2, (const char *[]){"statistic", "value"}, cells) : GEN_OK;
    free(val);
    free(label);
    free(cells);
    return st;
}

/* NUTS per chain: mean accept_stat, divergences, the step size and mean tree depth of the
 * sampling iterations the chain made. */
static gen_status add_nuts_chains(gen_report *rep, const tool_result *r) {
    int n = r->chains;
    char (*val)[4][32] = calloc((size_t)n, sizeof *val);
    const char **cells = calloc((size_t)n * 5, sizeof *cells);
    char (*num)[16] = calloc((size_t)n, sizeof *num);
    if (!val || !cells || !num) {
        free(val);
        free(cells);
        free(num);
        return gen_error_set(GEN_ERR_OOM, "genc: out of memory for the report's table");
    }
    for (int c = 0; c < n; c++) {
        double acc = 0, depth = 0, step = NAN;
        int64_t div = 0, m = r->done[c];
        for (int64_t i = 0; i < m; i++) {
            const double *s = r->nuts_stats + ((size_t)c * (size_t)r->draws + (size_t)i) * GEN_NUTS_NSTATS;
            acc += s[GEN_NUTS_ACCEPT_STAT];
            depth += s[GEN_NUTS_TREE_DEPTH];
            div += s[GEN_NUTS_DIVERGENT] != 0;
            step = s[GEN_NUTS_STEP_SIZE];
        }
        snprintf(num[c], sizeof num[c], "%d", c + 1);
        snprintf(val[c][0], sizeof val[c][0], m ? "%.3f" : "-", m ? acc / (double)m : 0);
        snprintf(val[c][1], sizeof val[c][1], "%lld", (long long)div);
        snprintf(val[c][2], sizeof val[c][2], m ? "%.3g" : "-", step);
        snprintf(val[c][3], sizeof val[c][3], m ? "%.2f" : "-", m ? depth / (double)m : 0);
        cells[5 * c] = num[c];
        for (int k = 0; k < 4; k++) cells[5 * c + 1 + k] = val[c][k];
    }
    gen_status st = gen_report_add_table(
        rep, "NUTS per chain (sampling iterations)", n, 5,
        (const char *[]){"chain", "mean accept_stat", "divergences", "step size", "mean tree depth"}, cells);
    free(val);
    free(cells);
    free(num);
    return st;
}

/* The pair plot's columns from --pairs (comma-separated names, or "none"; commas inside
 * brackets belong to a name: L[2,1]). */
static gen_status set_pairs(gen_report *rep, const char *spec) {
    if (!strcmp(spec, "none")) return gen_report_set_pairs(rep, NULL, 0);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    const char *names[GEN_REPORT_MAX_PAIRS + 1];
    int64_t n = 0;
    for (char *t = buf; t && n <= GEN_REPORT_MAX_PAIRS;) {
        char *comma = t;
        for (int depth = 0; *comma && (*comma != ',' || depth > 0); comma++) /* L[2,1] is one name */
            depth += *comma == '[' ? 1 : *comma == ']' ? -1 : 0;
        if (*comma) *comma = 0;
        else comma = NULL;
        names[n++] = t;
        t = comma ? comma + 1 : NULL;
    }
    return gen_report_set_pairs(rep, names, n);
}

/* The draws section: [used chains, rows, columns] of the chains that drew something. */
static gen_status add_draws(gen_report *rep, const tool_opts *o, const tool_result *r, int used, int64_t rows,
                            bool *bad_pairs) {
    int64_t nc = r->cols.n;
    size_t cells = (size_t)used * (size_t)rows;
    double *v = malloc(cells * (size_t)nc * sizeof *v), *div = r->nuts_stats ? malloc(cells * sizeof *div) : NULL;
    if (!v || (r->nuts_stats && !div)) {
        free(v);
        free(div);
        return gen_error_set(GEN_ERR_OOM, "genc: out of memory for the report's draws");
    }
    int k = 0;
    for (int c = 0; c < r->chains; c++) {
        if (r->done[c] <= 0) continue;
        memcpy(v + (size_t)k * (size_t)rows * (size_t)nc, tool_result_row(r, c, 0), (size_t)rows * (size_t)nc * sizeof *v);
        for (int64_t i = 0; div && i < rows; i++)
            div[(size_t)k * (size_t)rows + (size_t)i] =
                r->nuts_stats[((size_t)c * (size_t)r->draws + (size_t)i) * GEN_NUTS_NSTATS + GEN_NUTS_DIVERGENT];
        k++;
    }
    char title[128];
    if (!strcmp(r->algorithm, "smc")) snprintf(title, sizeof title, "Draws (smc: resampled from the final particles)");
    else if (!strcmp(r->algorithm, "is")) snprintf(title, sizeof title, "Draws (is: resampled by weight)");
    else if (!strcmp(r->algorithm, "advi")) snprintf(title, sizeof title, "Draws (advi: from the fitted approximation)");
    else snprintf(title, sizeof title, "Draws (%s)", r->algorithm);
    gen_scope_begin();
    gen_array *a = gen_array_from_f64(3, (int64_t[]){used, rows, nc}, v);
    gen_array *d = div ? gen_array_from_f64(2, (int64_t[]){used, rows}, div) : NULL;
    gen_status st = a && (!div || d) ? gen_report_add_draws(rep, title, a, (const char *const *)r->cols.name, nc, d)
                                     : gen_error_status();
    gen_scope_end();
    free(v);
    free(div);
    if (st == GEN_OK && o->pairs && set_pairs(rep, o->pairs) != GEN_OK) {
        fprintf(stderr, "genc: --pairs: %s (the report keeps the default pair plot)\n", gen_error_message());
        gen_error_clear();
        *bad_pairs = true;
    }
    return st;
}

static gen_status add_series(gen_report *rep, const tool_model *tm, const tool_result *r) {
    const char *what = NULL;
    double ref = 0;
    bool has_ref = gen_model_reference(tm->m, &what, &ref) && strstr(what, "log marginal likelihood") && isfinite(ref);
    bool smc = !strcmp(r->algorithm, "smc");
    for (int i = 0; i < r->n_series; i++) {
        const tool_series *s = &r->series[i];
        if (s->n < 1) continue;
        bool lml = !strcmp(s->name, "log marginal likelihood");
        char title[160], label[320];
        snprintf(label, sizeof label, "%s, all steps", what ? what : "reference");
        if (smc && lml) snprintf(title, sizeof title, "log marginal likelihood estimate after each step");
        else if (smc) snprintf(title, sizeof title, "%s per step", s->name);
        else if (!strcmp(s->name, "ELBO")) snprintf(title, sizeof title, "ELBO over the iterations");
        else snprintf(title, sizeof title, "%s", s->name);
        gen_report_series gs = {.title = title,
                                .xlabel = smc ? "step" : "iteration",
                                .ylabel = s->name,
                                .n = s->n,
                                .x = s->x,
                                .y = s->y,
                                .has_reference = lml && has_ref,
                                .reference = ref,
                                .reference_label = smc ? label : what};
        gen_status st = gen_report_add_series(rep, &gs);
        if (st != GEN_OK) return st;
    }
    return GEN_OK;
}

int tool_write_report(const char *path, const tool_model *tm, const tool_opts *o, const tool_result *r) {
    char title[256];
    snprintf(title, sizeof title, "genc run %s (%s)", tm->info->name, r->algorithm);
    gen_report *rep = gen_report_new(title);
    if (!rep) {
        fprintf(stderr, "genc: the report: %s\n", gen_error_message());
        return TOOL_EXIT_FAIL;
    }
    int used = 0;
    int64_t rows = tool_common_rows(r, &used);
    bool bad_pairs = false;
    gen_status st = add_run_text(rep, tm, o, r, used, rows);
    if (st == GEN_OK) st = add_stats_table(rep, tm, r);
    if (st == GEN_OK && r->nuts_stats) st = add_nuts_chains(rep, r);
    if (st == GEN_OK) {
        if (r->cols.n > 0 && rows >= 4) {
            st = add_draws(rep, o, r, used, rows, &bad_pairs);
        } else {
            char text[160];
            snprintf(text, sizeof text, r->cols.n ? "Only %lld draws per chain: too few to plot (4 at least)."
                                                  : "The run has no choices to summarize.",
                     (long long)rows);
            st = gen_report_add_text(rep, "Draws", text);
        }
    }
    if (st == GEN_OK) st = add_series(rep, tm, r);
    if (st == GEN_OK) st = gen_report_write_html(rep, path);
    if (st != GEN_OK) fprintf(stderr, "genc: the report %s: %s\n", path, gen_error_message());
    gen_report_free(rep);
    return st != GEN_OK ? TOOL_EXIT_FAIL : bad_pairs ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
}
