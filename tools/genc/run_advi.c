/* run_advi.c — ADVI (`--algorithm advi`, gen_advi: a mean-field Gaussian fitted in
 * unconstrained space, Stan's defaults) from the trace the observations generate;
 * --draws draws from the fitted approximation give the summary and the files (read at
 * the summarized choices of each particle of the result's batched trace), and the ELBO
 * estimates are a series. A Ctrl-C returns the approximation reached. */
#include <stdlib.h>

#include "tool.h"

bool tool_run_advi(const tool_model *tm, const tool_opts *o, tool_result *r) {
    gen_key keys[2];
    gen_key_split(gen_key_new(o->seed), 2, keys);
    bool ok = false;
    gen_scope_begin();
    gen_trace *tr = NULL;
    if (gen_generate(gen_model_gf(tm->m), keys[0], gen_model_args(tm->m), gen_model_observations(tm->m), &tr, NULL) !=
        GEN_OK) {
        fprintf(stderr, "genc: model '%s': the initial trace: %s\n", tm->info->name, gen_error_message());
        goto done;
    }
    const gen_selection *lat = tool_latents(tm, tr);
    gen_advi_config cfg = {.draws = o->draws, .progress = {tool_progress_fn, NULL}};
    gen_advi_result res = {0};
    tool_progress_start("advi", 1, 10000);
    gen_status st = lat ? gen_advi(tr, keys[1], lat, &cfg, &res) : gen_error_status();
    tool_progress_end();
    r->cancelled = st == GEN_CANCELLED;
    if ((st != GEN_OK && st != GEN_CANCELLED) || !res.trace) {
        fprintf(stderr, "genc: model '%s': advi: %s\n", tm->info->name, gen_error_message());
        goto done;
    }
    const gen_selection *s = gen_model_summary(tm->m);
    if (!s) s = lat;
    if (!tool_cols_of(tr, s, gen_model_observations(tm->m), false, &r->cols) || !tool_result_alloc(r, 1, o->draws)) {
        fprintf(stderr, "genc: %s\n", gen_error_message());
        goto done;
    }
    const gen_choicemap *all = gen_trace_choices(res.trace);
    for (int64_t i = 0; i < o->draws; i++) {
        gen_scope_begin();
        gen_choicemap *pi = gen_choicemap_particle(all, i);
        if (pi) tool_cols_read(&r->cols, pi, tool_result_row(r, 0, i));
        gen_scope_end();
        if (!pi) {
            fprintf(stderr, "genc: model '%s': advi: draw %lld: %s\n", tm->info->name, (long long)i, gen_error_message());
            goto done;
        }
    }
    r->done[0] = o->draws;
    int64_t k = gen_array_size(res.elbo);
    double *x = malloc((size_t)(k ? k : 1) * sizeof *x), *y = malloc((size_t)(k ? k : 1) * sizeof *y);
    if (x && y && gen_array_copy_to(res.elbo_iter, GEN_F64, x, (size_t)k * sizeof *x) == GEN_OK &&
        gen_array_copy_to(res.elbo, GEN_F64, y, (size_t)k * sizeof *y) == GEN_OK)
        tool_result_add_series(r, "ELBO", k, x, y);
    free(x);
    free(y);
    snprintf(r->note, sizeof r->note, "ADVI (mean-field): %lld iterations, %s, step scale eta %g; the draws are "
             "from the fitted approximation", (long long)res.iterations, res.converged ? "converged" : "not converged",
             res.eta);
    ok = true;
done:
    gen_scope_end();
    return ok;
}
