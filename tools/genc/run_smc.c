/* run_smc.c — the particle filter (`--algorithm smc`) of a sequential model
 * (gen_model_set_smc): step 0 initializes a filter of --particles particles with the
 * model's function (gen_pf_init), each later step resamples when the ESS is below half
 * the particles (systematic) and steps it (gen_pf_step) with the arguments, argdiffs and
 * observations the model's callback gives. The log marginal likelihood estimate and the
 * ESS after every step are kept as series; --draws traces drawn from the final weighted
 * particles give the summary and the files. A Ctrl-C stops after the step running. */
#include <stdlib.h>

#include "tool.h"

bool tool_run_smc(const tool_model *tm, const tool_opts *o, tool_result *r) {
    gen_model_step_fn step = NULL;
    void *payload = NULL;
    int64_t T = gen_model_smc(tm->m, &step, &payload);
    if (T <= 0 || !step) {
        fprintf(stderr, "genc: model '%s' declares no sequential steps (gen_model_set_smc): choose another --algorithm\n",
                tm->info->name);
        return false;
    }
    gen_key keys[2];
    gen_key_split(gen_key_new(o->seed), 2, keys);
    double *lml = calloc((size_t)T, sizeof *lml);
    gen_trace **out = calloc((size_t)o->draws, sizeof *out);
    gen_pf *pf = NULL;
    /* every step's observations: what the summary leaves out by default */
    gen_choicemap *seen = gen_choicemap_retain(gen_choicemap_empty());
    bool ok = lml && out;
    int64_t t = 0;
    tool_progress_start("smc", 1, T);
    for (; ok && t < T; t++) {
        gen_scope_begin();
        gen_array *argv[GEN_MODEL_MAX_ARGS] = {0};
        gen_diff diffs[GEN_MODEL_MAX_ARGS] = {0};
        gen_args args = {0, argv, NULL};
        gen_choicemap *obs = NULL;
        gen_key kt = gen_key_fold_in(keys[0], (uint64_t)t);
        gen_status st = step(payload, t, &args, diffs, &obs);
        if (st == GEN_OK && !obs) obs = gen_choicemap_empty();
        if (st == GEN_OK && t == 0)
            st = gen_pf_init(gen_model_gf(tm->m), kt, &args, obs, NULL, NULL, o->particles, &pf);
        else if (st == GEN_OK)
            st = gen_pf_maybe_resample(pf, gen_key_fold_in(kt, 1), GEN_RESAMPLE_SYSTEMATIC, 0.5 * (double)o->particles,
                                       NULL) == GEN_OK
                     ? gen_pf_step(pf, gen_key_fold_in(kt, 2), &args, diffs, obs, NULL, NULL)
                     : gen_error_status();
        if (st == GEN_OK) st = gen_pf_log_ml(pf, &lml[t]);
        gen_choicemap *merged = st == GEN_OK ? gen_choicemap_merge(seen, obs) : NULL;
        if (merged) {
            gen_choicemap_retain(merged);
            gen_choicemap_release(seen);
            seen = merged;
        } else if (st == GEN_OK) {
            gen_error_clear(); /* observations at one address twice: the summary shows the later ones */
        }
        if (st != GEN_OK) {
            fprintf(stderr, "genc: model '%s': smc: step %lld: %s\n", tm->info->name, (long long)t, gen_error_message());
            ok = false;
        }
        gen_scope_end();
        if (ok && !tool_progress_step(0, "steps", t + 1, T)) {
            t++;
            break;
        }
    }
    tool_progress_end();
    r->cancelled = tool_stop_requested();
    if (ok && !pf) {
        fprintf(stderr, "genc: model '%s': smc: stopped before the first step\n", tm->info->name);
        ok = false;
    }
    gen_scope_begin();
    gen_array *ess = NULL;
    const gen_selection *s = gen_model_summary(tm->m);
    if (!s) s = gen_model_latents(tm->m);
    if (ok && (gen_pf_sample_unweighted_traces(pf, keys[1], o->draws, out) != GEN_OK ||
               gen_pf_ess_history(pf, &ess) != GEN_OK ||
               !tool_cols_of(out[0], s, seen, false, &r->cols) ||
               !tool_result_alloc(r, 1, o->draws))) {
        fprintf(stderr, "genc: model '%s': smc: %s\n", tm->info->name, gen_error_message());
        ok = false;
    }
    if (ok) {
        for (int64_t i = 0; i < o->draws; i++) tool_cols_read(&r->cols, gen_trace_choices(out[i]), tool_result_row(r, 0, i));
        r->done[0] = o->draws;
        int64_t n_ess = gen_array_size(ess);
        double *e = malloc((size_t)(n_ess ? n_ess : 1) * sizeof *e);
        if (e && gen_array_copy_to(ess, GEN_F64, e, (size_t)n_ess * sizeof *e) == GEN_OK)
            tool_result_add_series(r, "ESS", n_ess, NULL, e);
        free(e);
        tool_result_add_series(r, "log marginal likelihood", t, NULL, lml);
        r->log_ml = lml[t - 1];
        gen_pf_ess(pf, &r->ess);
        r->has_log_ml = r->has_ess = true;
        snprintf(r->note, sizeof r->note, "%lld particles, %lld of %lld steps; the draws are resampled from the "
                 "final particles by weight", (long long)o->particles, (long long)t, (long long)T);
    }
    gen_scope_end();
    gen_pf_free(pf);
    gen_choicemap_release(seen);
    free(lml);
    free(out);
    return ok;
}
