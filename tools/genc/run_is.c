/* run_is.c — importance sampling (`--algorithm is`): --particles particles from the prior
 * given the observations (gen_importance_sampling_with), the log marginal likelihood
 * estimate and the weights' ESS, and --draws draws resampled from the particles in
 * proportion to their weights (multinomial), which the summary and the files show. A
 * Ctrl-C keeps the particles made (an importance sampler of their own). */
#include <stdlib.h>

#include "tool.h"

bool tool_run_is(const tool_model *tm, const tool_opts *o, tool_result *r) {
    gen_key keys[2];
    gen_key_split(gen_key_new(o->seed), 2, keys);
    gen_trace **tr = calloc((size_t)o->particles, sizeof *tr);
    int64_t *idx = calloc((size_t)o->draws, sizeof *idx);
    bool ok = false;
    if (!tr || !idx) {
        fprintf(stderr, "genc: out of memory for %lld particles\n", (long long)o->particles);
        goto out;
    }
    gen_scope_begin();
    gen_array *lw = NULL;
    double log_ml = 0;
    gen_progress pr = {tool_progress_fn, NULL};
    tool_progress_start("is", 1, o->particles);
    gen_status st = gen_importance_sampling_with(gen_model_gf(tm->m), keys[0], gen_model_args(tm->m),
                                                 gen_model_observations(tm->m), NULL, NULL, o->particles, &pr, tr,
                                                 &lw, &log_ml);
    tool_progress_end();
    r->cancelled = st == GEN_CANCELLED;
    if ((st != GEN_OK && st != GEN_CANCELLED) || !lw) {
        fprintf(stderr, "genc: model '%s': importance sampling: %s\n", tm->info->name,
                st == GEN_CANCELLED ? "stopped before the first particle" : gen_error_message());
        goto scope;
    }
    const gen_selection *s = gen_model_summary(tm->m);
    if (!s) s = gen_model_latents(tm->m);
    if (!tool_cols_of(tr[0], s, gen_model_observations(tm->m), false, &r->cols) || !tool_result_alloc(r, 1, o->draws) ||
        gen_resample(keys[1], lw, GEN_RESAMPLE_MULTINOMIAL, o->draws, idx) != GEN_OK ||
        gen_ess_of_log_weights(lw, &r->ess) != GEN_OK) {
        fprintf(stderr, "genc: model '%s': importance sampling: %s\n", tm->info->name, gen_error_message());
        goto scope;
    }
    for (int64_t i = 0; i < o->draws; i++) tool_cols_read(&r->cols, gen_trace_choices(tr[idx[i]]), tool_result_row(r, 0, i));
    r->done[0] = o->draws;
    r->log_ml = log_ml;
    r->has_log_ml = r->has_ess = true;
    snprintf(r->note, sizeof r->note, "%lld particles%s; the draws are resampled from them by weight",
             (long long)gen_array_size(lw), r->cancelled ? " (stopped early)" : "");
    ok = true;
scope:
    gen_scope_end();
out:
    free(tr);
    free(idx);
    return ok;
}
