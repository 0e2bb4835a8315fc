/* importance.c — importance sampling (one particle at a time, or batched) with the
 * prior or a custom proposal, and importance resampling; progress and cancel
 * (gen_progress), and the particles done kept when a run stops early. */
#include <math.h>

#include "infer_int.h"

gen_status infer_is_particle(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                             const gen_gf *proposal, const gen_args *pargs, gen_key key,
                             gen_trace **tr, gen_array **lw) {
    if (!proposal) return gen_generate(model, key, args, obs, tr, lw);
    gen_key k[2];
    gen_status s = gen_key_split(key, 2, k);
    gen_choicemap *q = NULL;
    gen_array *wq = NULL, *w = NULL;
    if (s == GEN_OK) s = gen_propose(proposal, k[0], pargs, &q, &wq, NULL);
    gen_choicemap *all = s == GEN_OK ? gen_choicemap_merge(obs, q) : NULL;
    if (s == GEN_OK && !all) {
        s = infer_pending();
        core_error_prefix("the proposal's choices and the observations");
    }
    if (s == GEN_OK) s = gen_generate(model, k[1], args, all, tr, &w);
    if (s == GEN_OK && !(*lw = gen_sub(w, wq))) s = infer_pending();
    return s;
}

static gen_status check_common(const char *fn, const gen_gf *model, const gen_choicemap *obs, int64_t n) {
    if (!model) return infer_null(fn, "the model");
    if (!obs) return infer_null(fn, "the observations");
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: the particle count must be >= 1, got %lld", fn, (long long)n);
    return GEN_OK;
}

/* Sequential importance sampling as fn: the particles done before a stop (k >= 1) are
 * returned with the stop's status. */
static gen_status sequential(const char *fn, const gen_gf *model, gen_key key, const gen_args *args,
                             const gen_choicemap *obs, const gen_gf *proposal, const gen_args *proposal_args,
                             int64_t n, const gen_progress *progress, gen_trace **traces, gen_array **log_weights,
                             double *log_ml) {
    if (log_weights) *log_weights = NULL;
    for (int64_t i = 0; traces && i < n; i++) traces[i] = NULL;
    gen_status s = check_common(fn, model, obs, n);
    if (s != GEN_OK) return s;
    double *w = core_calloc((size_t)n, sizeof *w); /* checks n * 8 for overflow */
    if (!w) return GEN_ERR_OOM;
    if ((s = gen_scope_begin()) != GEN_OK) {
        core_free(w, (size_t)n * sizeof *w);
        return s;
    }
    infer_run run;
    infer_run_init(&run, fn, "particles", progress, 1);
    int64_t k = 0; /* particles done */
    bool stopped = !infer_run_report(&run, 0, "particles", 0, n);
    for (int64_t i = 0; !stopped && i < n; i++) {
        if ((s = gen_scope_begin()) != GEN_OK) break; /* one particle's temporaries */
        gen_trace *tr = NULL;
        gen_array *wi = NULL;
        s = infer_is_particle(model, args, obs, proposal, proposal_args, gen_key_fold_in(key, (uint64_t)i), &tr, &wi);
        if (s == GEN_OK) s = gen_item(wi, &w[i]);
        if (s == GEN_OK && traces && !(traces[i] = gen_trace_scope_return(tr))) s = infer_pending();
        if (s != GEN_OK) core_error_prefix("%s: particle %lld", fn, (long long)i);
        gen_scope_end();
        if (s != GEN_OK) break;
        k = i + 1;
        stopped = !infer_run_report(&run, 0, "particles", k, n) && k < n;
    }
    if (s == GEN_OK && stopped) s = infer_run_cancelled(&run);
    infer_run_free(&run);
    /* the k particles done (all n when complete); their own failure replaces s */
    gen_status so = GEN_OK;
    if (k > 0) {
        gen_array *lw = gen_array_from(GEN_F64, 1, &k, w);
        double lml = 0;
        if (!lw) so = infer_pending();
        if (so == GEN_OK && log_ml && (so = gen_log_mean_exp(lw, &lml)) == GEN_OK) *log_ml = lml;
        if (so == GEN_OK && log_weights && !(*log_weights = gen_scope_return(lw))) so = infer_pending();
        for (int64_t i = 0; traces && i < k; i++) /* kept by the caller's scope */
            if (so == GEN_OK && traces[i] && !(traces[i] = gen_trace_scope_return(traces[i]))) so = infer_pending();
    }
    gen_scope_end();
    core_free(w, (size_t)n * sizeof *w);
    if (so != GEN_OK) s = so;
    if (so != GEN_OK || k == 0) {
        if (log_weights) *log_weights = NULL;
        for (int64_t i = 0; traces && i < n; i++) traces[i] = NULL;
    }
    return s;
}

gen_status gen_importance_sampling(const gen_gf *model, gen_key key, const gen_args *args,
                                   const gen_choicemap *obs, const gen_gf *proposal,
                                   const gen_args *proposal_args, int64_t n, gen_trace **traces,
                                   gen_array **log_weights, double *log_ml) {
    return sequential("gen_importance_sampling", model, key, args, obs, proposal, proposal_args, n, NULL, traces,
                      log_weights, log_ml);
}

gen_status gen_importance_sampling_with(const gen_gf *model, gen_key key, const gen_args *args,
                                        const gen_choicemap *obs, const gen_gf *proposal,
                                        const gen_args *proposal_args, int64_t n,
                                        const gen_progress *progress, gen_trace **traces,
                                        gen_array **log_weights, double *log_ml) {
    return sequential("gen_importance_sampling", model, key, args, obs, proposal, proposal_args, n, progress, traces,
                      log_weights, log_ml);
}

gen_status gen_importance_sampling_batched_with(const gen_gf *model, gen_key key,
                                                const gen_args *args, const gen_choicemap *obs,
                                                const gen_gf *proposal,
                                                const gen_args *proposal_args, int64_t n,
                                                const gen_progress *progress, gen_trace **trace,
                                                gen_array **log_weights, double *log_ml) {
    const char *fn = "gen_importance_sampling_batched";
    if (trace) *trace = NULL;
    if (log_weights) *log_weights = NULL;
    gen_status s = check_common(fn, model, obs, n);
    if (s != GEN_OK) return s;
    infer_run run;
    infer_run_init(&run, fn, "particles", progress, 1);
    if (!infer_run_report(&run, 0, "particles", 0, n)) { /* one unit: nothing runs */
        s = infer_run_cancelled(&run);
        infer_run_free(&run);
        return s;
    }
    if ((s = gen_scope_begin()) != GEN_OK) {
        infer_run_free(&run);
        return s;
    }
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    if ((s = gen_batch_begin(n)) == GEN_OK) {
        s = infer_is_particle(model, args, obs, proposal, proposal_args, key, &tr, &lw);
        gen_batch_end();
    }
    if (s == GEN_OK && gen_array_ndim(lw) == 0) lw = gen_broadcast_to(lw, 1, &n); /* nothing observed */
    if (s == GEN_OK && !lw) s = infer_pending();
    if (s == GEN_OK && log_ml) s = gen_log_mean_exp(lw, log_ml);
    if (s == GEN_OK && log_weights && !(*log_weights = gen_scope_return(lw))) s = infer_pending();
    if (s == GEN_OK && trace && !(*trace = gen_trace_scope_return(tr))) s = infer_pending();
    if (s != GEN_OK) core_error_prefix("%s", fn);
    gen_scope_end();
    if (s != GEN_OK) {
        if (trace) *trace = NULL;
        if (log_weights) *log_weights = NULL;
    } else {
        infer_run_report(&run, 0, "particles", n, n); /* done: a cancel here changes nothing */
    }
    infer_run_free(&run);
    return s;
}

gen_status gen_importance_sampling_batched(const gen_gf *model, gen_key key, const gen_args *args,
                                           const gen_choicemap *obs, const gen_gf *proposal,
                                           const gen_args *proposal_args, int64_t n,
                                           gen_trace **trace, gen_array **log_weights,
                                           double *log_ml) {
    return gen_importance_sampling_batched_with(model, key, args, obs, proposal, proposal_args, n, NULL, trace,
                                                log_weights, log_ml);
}

gen_status gen_importance_resampling_with(const gen_gf *model, gen_key key, const gen_args *args,
                                          const gen_choicemap *obs, const gen_gf *proposal,
                                          const gen_args *proposal_args, int64_t n,
                                          const gen_progress *progress, gen_trace **trace,
                                          double *log_ml) {
    const char *fn = "gen_importance_resampling";
    if (trace) *trace = NULL;
    if (!trace) return GEN_FAIL(GEN_ERR_MISUSE, "%s: trace is NULL", fn);
    gen_status s = check_common(fn, model, obs, n);
    if (s != GEN_OK) return s;
    gen_trace **all = core_calloc((size_t)n, sizeof *all);
    if (!all) return GEN_ERR_OOM;
    if ((s = gen_scope_begin()) != GEN_OK) {
        core_free(all, (size_t)n * sizeof *all);
        return s;
    }
    gen_key k[2];
    gen_array *lw = NULL;
    int64_t pick = 0;
    double lml = 0;
    s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = sequential(fn, model, k[0], args, obs, proposal, proposal_args, n, progress, all, &lw, &lml);
    if (s == GEN_OK) s = gen_resample(k[1], lw, GEN_RESAMPLE_MULTINOMIAL, 1, &pick);
    if (s == GEN_OK && !(*trace = gen_trace_scope_return(all[pick]))) s = infer_pending();
    if (s == GEN_OK && log_ml) *log_ml = lml;
    gen_scope_end();
    core_free(all, (size_t)n * sizeof *all);
    if (s != GEN_OK) *trace = NULL;
    return s;
}

gen_status gen_importance_resampling(const gen_gf *model, gen_key key, const gen_args *args,
                                     const gen_choicemap *obs, const gen_gf *proposal,
                                     const gen_args *proposal_args, int64_t n, gen_trace **trace,
                                     double *log_ml) {
    return gen_importance_resampling_with(model, key, args, obs, proposal, proposal_args, n, NULL, trace, log_ml);
}
