/* output.c — what `genc run` writes: the summary table (gen_summary_print of genc/diag.h:
 * mean, sd, median, 5% / 50% / 95% quantiles, MCSEs, bulk and tail ESS, R-hat, over the
 * rows every chain filled) with the algorithm's statistics, draws.csv (genc/draws.h's
 * format: chain, draw, NUTS's sampler columns, then one per summarized scalar, named by
 * columns.c) and draws.json (the same draws by chain, the summary and the statistics). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

static const double PROBS[3] = {0.05, 0.5, 0.95};

/* The rows every chain that drew something filled (the chains may stop at different
 * rows after a Ctrl-C); *used the number of such chains. */
int64_t tool_common_rows(const tool_result *r, int *used) {
    int64_t n = -1;
    *used = 0;
    for (int c = 0; c < r->chains; c++)
        if (r->done[c] > 0) {
            n = n < 0 || r->done[c] < n ? r->done[c] : n;
            (*used)++;
        }
    return n < 0 ? 0 : n;
}

void tool_summarize(const tool_result *r, gen_summary *s) {
    int used = 0;
    int64_t n = tool_common_rows(r, &used);
    double *buf = malloc((size_t)(used ? used : 1) * (size_t)(n ? n : 1) * sizeof *buf);
    const double **chains = calloc((size_t)(used ? used : 1), sizeof *chains);
    int64_t *nd = calloc((size_t)(used ? used : 1), sizeof *nd);
    for (int j = 0; j < r->cols.n; j++) {
        s[j] = (gen_summary){.mean = NAN, .sd = NAN, .median = NAN, .nprobs = 3, .mcse_mean = NAN, .mcse_sd = NAN,
                             .ess_bulk = NAN, .ess_tail = NAN, .rhat = NAN};
        for (int q = 0; q < 3; q++) s[j].probs[q] = PROBS[q], s[j].quantiles[q] = NAN;
        if (!buf || !chains || !nd || n == 0) continue;
        int k = 0;
        double sum = 0, sum2 = 0;
        int64_t finite = 0;
        for (int c = 0; c < r->chains; c++) {
            if (r->done[c] <= 0) continue;
            double *dst = buf + (size_t)k * (size_t)n;
            for (int64_t i = 0; i < n; i++) {
                dst[i] = tool_result_row(r, c, i)[j];
                if (isfinite(dst[i])) sum += dst[i], sum2 += dst[i] * dst[i], finite++;
            }
            chains[k] = dst;
            nd[k++] = n;
        }
        if (gen_summarize(chains, k, nd, PROBS, 3, &s[j]) != GEN_OK) {
            /* too few draws, or a choice missing from some draws: the moments of what there is */
            gen_error_clear();
            s[j].mean = finite ? sum / (double)finite : NAN;
            s[j].sd = finite > 1 ? sqrt(fmax(0, (sum2 - sum * sum / (double)finite) / (double)(finite - 1))) : NAN;
        }
    }
    free(buf);
    free(chains);
    free(nd);
}

bool tool_print_summary(FILE *f, const tool_model *tm, const tool_result *r) {
    int used = 0;
    int64_t n = tool_common_rows(r, &used);
    fprintf(f, "model %s, %s: %d chain%s x %lld draws%s\n", tm->info->name, r->algorithm, used, used == 1 ? "" : "s",
            (long long)n, r->cancelled ? " (stopped by Ctrl-C: the draws made so far)" : "");
    gen_summary *s = calloc((size_t)(r->cols.n ? r->cols.n : 1), sizeof *s);
    if (!s) return false;
    tool_summarize(r, s);
    if (r->cols.n) gen_summary_print(f, s, r->cols.n, (const char *const *)r->cols.name);
    else fprintf(f, "(no choices to summarize)\n");
    free(s);
    if (r->has_accept) fprintf(f, "acceptance rate: %.3f%s\n", r->accept, r->nuts_stats ? " (mean accept_stat)" : "");
    for (int i = 0; i < r->n_parts; i++)
        fprintf(f, "acceptance rate (%s): %.3f\n", r->part_name[i],
                r->part_steps ? (double)r->part_accepted[i] / (double)r->part_steps : 0.0);
    if (r->has_div) fprintf(f, "divergences: %lld\n", (long long)r->divergences);
    if (r->has_ess) fprintf(f, "ESS of the final weights: %.1f\n", r->ess);
    if (r->has_log_ml) fprintf(f, "log marginal likelihood (estimate): %.6g\n", r->log_ml);
    const char *what = NULL;
    double ref = 0;
    if (gen_model_reference(tm->m, &what, &ref)) fprintf(f, "%s (reference): %.6g\n", what, ref);
    if (r->note[0]) fprintf(f, "%s\n", r->note);
    return true;
}

bool tool_make_dirs(const char *dir) {
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) return false;
        *s = '/';
    }
    return mkdir(p, 0777) == 0 || errno == EEXIST;
}

static void json_num(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

/* draws.csv through the library's writer (genc/draws.h): chain, draw (1-based), Stan's
 * sampler columns for NUTS, the columns; the rows a chain did not reach are left out. */
static bool write_csv(const char *path, const tool_result *r) {
    int64_t n = 0, nc = r->cols.n;
    for (int c = 0; c < r->chains; c++) n = r->done[c] > n ? r->done[c] : n;
    size_t rows = (size_t)r->chains * (size_t)n;
    double *v = malloc((rows * (size_t)nc + 1) * sizeof *v);
    double *s = r->nuts_stats ? malloc((rows * GEN_NUTS_NSTATS + 1) * sizeof *s) : NULL;
    const char *stat_names[GEN_NUTS_NSTATS];
    for (int k = 0; k < GEN_NUTS_NSTATS; k++) stat_names[k] = gen_nuts_stat_name(k);
    bool ok = v && (s || !r->nuts_stats);
    for (int c = 0; ok && c < r->chains; c++)
        for (int64_t i = 0; i < n; i++) {
            double *dst = v + ((size_t)c * (size_t)n + (size_t)i) * (size_t)nc;
            double *sdst = s ? s + ((size_t)c * (size_t)n + (size_t)i) * GEN_NUTS_NSTATS : NULL;
            bool done = i < r->done[c];
            for (int64_t j = 0; j < nc; j++) dst[j] = done ? tool_result_row(r, c, i)[j] : NAN;
            for (int k = 0; sdst && k < GEN_NUTS_NSTATS; k++)
                sdst[k] = done ? r->nuts_stats[((size_t)c * (size_t)r->draws + (size_t)i) * GEN_NUTS_NSTATS + k] : NAN;
        }
    if (!ok) gen_error_set(GEN_ERR_OOM, "out of memory");
    gen_scope_begin();
    gen_array *d = ok ? gen_array_from_f64(GEN_DIMS(r->chains, n, nc), v) : NULL;
    gen_array *st = ok && s ? gen_array_from_f64(GEN_DIMS(r->chains, n, GEN_NUTS_NSTATS), s) : NULL;
    ok = d && (st || !s) &&
         gen_draws_write_csv(path, d, (const char *const *)r->cols.name, st, st ? stat_names : NULL, 0) == GEN_OK;
    gen_scope_end();
    free(v);
    free(s);
    return ok;
}

static bool write_json(const char *path, const tool_model *tm, const tool_opts *o, const tool_result *r) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs("{\"model\": ", f);
    json_str(f, tm->info->name);
    fputs(", \"algorithm\": ", f);
    json_str(f, r->algorithm);
    fprintf(f, ", \"seed\": %llu, \"chains\": %d, \"draws_requested\": %lld, \"cancelled\": %s,\n \"columns\": [",
            (unsigned long long)o->seed, r->chains, (long long)r->draws, r->cancelled ? "true" : "false");
    for (int j = 0; j < r->cols.n; j++) {
        if (j) fputs(", ", f);
        json_str(f, r->cols.name[j]);
    }
    fputs("],\n \"draws\": [", f);
    for (int c = 0; c < r->chains; c++) {
        fputs(c ? ",\n  [" : "\n  [", f);
        for (int64_t i = 0; i < r->done[c]; i++) {
            const double *row = tool_result_row(r, c, i);
            fputs(i ? ", [" : "[", f);
            for (int j = 0; j < r->cols.n; j++) {
                if (j) fputs(", ", f);
                json_num(f, row[j]);
            }
            fputc(']', f);
        }
        fputc(']', f);
    }
    fputs("],\n \"summary\": [", f);
    gen_summary *s = calloc((size_t)(r->cols.n ? r->cols.n : 1), sizeof *s);
    if (s) tool_summarize(r, s);
    for (int j = 0; s && j < r->cols.n; j++) {
        fputs(j ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
        json_str(f, r->cols.name[j]);
        const char *key[] = {"mean", "sd", "median", "q5", "q50", "q95", "mcse_mean", "mcse_sd", "ess_bulk",
                             "ess_tail", "rhat"};
        double val[] = {s[j].mean,     s[j].sd,      s[j].median,   s[j].quantiles[0], s[j].quantiles[1], s[j].quantiles[2],
                        s[j].mcse_mean, s[j].mcse_sd, s[j].ess_bulk, s[j].ess_tail,    s[j].rhat};
        for (size_t k = 0; k < sizeof key / sizeof *key; k++) {
            fprintf(f, ", \"%s\": ", key[k]);
            json_num(f, val[k]);
        }
        fputc('}', f);
    }
    free(s);
    fputs("],\n \"stats\": {", f);
    bool first = true;
#define STAT(cond, name, v)                                \
    if (cond) {                                            \
        fprintf(f, "%s\"%s\": ", first ? "" : ", ", name); \
        json_num(f, (v));                                  \
        first = false;                                     \
    }
    STAT(r->has_accept, "acceptance", r->accept);
    if (r->n_parts) { /* each part of a cycle: its name, accepted steps of all, the rate */
        fprintf(f, "%s\"acceptance_parts\": [", first ? "" : ", ");
        for (int i = 0; i < r->n_parts; i++) {
            fputs(i ? ", {\"part\": " : "{\"part\": ", f);
            json_str(f, r->part_name[i]);
            fprintf(f, ", \"accepted\": %lld, \"steps\": %lld, \"rate\": ", (long long)r->part_accepted[i],
                    (long long)r->part_steps);
            json_num(f, r->part_steps ? (double)r->part_accepted[i] / (double)r->part_steps : 0.0);
            fputc('}', f);
        }
        fputc(']', f);
        first = false;
    }
    STAT(r->has_div, "divergences", (double)r->divergences);
    STAT(r->has_ess, "ess", r->ess);
    STAT(r->has_log_ml, "log_ml", r->log_ml);
#undef STAT
    const char *what = NULL;
    double ref = 0;
    if (gen_model_reference(tm->m, &what, &ref)) {
        fprintf(f, "%s\"reference\": {\"what\": ", first ? "" : ", ");
        json_str(f, what);
        fputs(", \"value\": ", f);
        json_num(f, ref);
        fputc('}', f);
    }
    fputs("},\n \"series\": [", f);
    for (int k = 0; k < r->n_series; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        json_str(f, r->series[k].name);
        fputs(", \"x\": [", f);
        for (int64_t i = 0; i < r->series[k].n; i++) {
            if (i) fputs(", ", f);
            json_num(f, r->series[k].x[i]);
        }
        fputs("], \"y\": [", f);
        for (int64_t i = 0; i < r->series[k].n; i++) {
            if (i) fputs(", ", f);
            json_num(f, r->series[k].y[i]);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
    return fclose(f) == 0;
}

bool tool_write_draws(const char *dir, const tool_model *tm, const tool_opts *o, const tool_result *r) {
    char csv[4200], json[4200];
    if (!tool_make_dirs(dir)) {
        fprintf(stderr, "genc: cannot create the output folder %s: %s\n", dir, strerror(errno));
        return false;
    }
    snprintf(csv, sizeof csv, "%s/draws.csv", dir);
    snprintf(json, sizeof json, "%s/draws.json", dir);
    if (!write_csv(csv, r)) {
        fprintf(stderr, "genc: cannot write %s: %s\n", csv, gen_error_message());
        return false;
    }
    if (!write_json(json, tm, o, r)) {
        fprintf(stderr, "genc: cannot write %s: %s\n", json, strerror(errno));
        return false;
    }
    return true;
}
