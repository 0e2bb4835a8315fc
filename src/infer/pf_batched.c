/* pf_batched.c — the batched particle filter: the n particles are one batched trace
 * (genc/gfi.h, batched execution), so a step is one batched update (and one batched
 * proposal), resampling gathers the batch (gen_trace_gather), and rejuvenation applies a
 * kernel to the batched trace, each particle accepting on its own. Where the trace is on
 * a device, the log weights stay there too (pf->lw_dev): a step adds the increments
 * there and reads back only their ESS, and resampling draws the ancestors there
 * (infer_resample_index), so no [n] vector crosses to the host. On the CPU they are kept
 * on the host, as for the one-at-a-time filter. */
#include <math.h>

#include "pf_int.h"

/* Adds the increments dlw (0-d: the same for all, or [n], on any device) to the log
 * weights into nw [n]; a NaN names the first particle it hits. */
static gen_status add_increments(const gen_pf *pf, const gen_array *dlw, double *nw) {
    int64_t n = pf->n;
    gen_status s = pf_host_weights(pf);
    if (s != GEN_OK) return s;
    if (gen_array_ndim(dlw) == 0) {
        double d = 0;
        s = gen_item(dlw, &d);
        for (int64_t i = 0; s == GEN_OK && i < n; i++) nw[i] = d;
        if (s != GEN_OK) return s;
    } else {
        if (gen_array_size(dlw) != n)
            return GEN_FAIL(GEN_ERR_SHAPE, "the weights have %lld entries for %lld particles", (long long)gen_array_size(dlw),
                            (long long)n);
        s = gen_array_copy_to(dlw, GEN_F64, nw, (size_t)n * sizeof *nw);
        if (s != GEN_OK) return s;
    }
    for (int64_t i = 0; i < n; i++) {
        double old = pf->lw[i], d = nw[i];
        nw[i] = old + d;
        if (isnan(nw[i]))
            return GEN_FAIL(GEN_ERR_VALUE, "particle %lld: the log weight is NaN (%g + %g)", (long long)i, old, d);
    }
    return GEN_OK;
}

/* The new weights on the device: *nw = the weights + dlw there (the weights start at 0
 * at init), in the current scope, and *ess theirs, one read. False (nothing recorded)
 * where they are not kept on a device, or the ESS is not a number (a NaN weight), which
 * the host path then names. */
static bool add_increments_device(const gen_pf *pf, const gen_array *dlw, gen_array **nw, double *ess) {
    bool init = !pf->batch;
    gen_device d = gen_array_device(init ? dlw : gen_trace_score(pf->batch));
    if (d == GEN_DEVICE_CPU || (init && (gen_array_ndim(dlw) != 1 || gen_array_size(dlw) != pf->n)) ||
        (!init && !pf->lw_dev))
        return false;
    bool had_error = gen_error_status() != GEN_OK;
    int64_t batch = gen_batch_suspend(); /* physical shapes: the weights are one vector */
    *nw = init ? gen_cast(dlw, GEN_F64) : gen_add(pf->lw_dev, gen_array_to_device(dlw, d));
    bool ok = *nw && gen_array_ndim(*nw) == 1 && gen_ess_of_log_weights(*nw, ess) == GEN_OK;
    gen_batch_resume(batch);
    if (!ok && !had_error) gen_error_clear();
    return ok;
}

/* Replaces the batched trace and the weights at once (tr: a reference in the current
 * scope, retained for the filter; nw: new host weights, or nw_dev: new device weights,
 * retained; neither: the weights stay). */
static gen_status commit(gen_pf *pf, gen_trace *tr, const double *nw, gen_array *nw_dev) {
    if (!gen_trace_retain(tr)) return infer_pending();
    gen_trace_release(pf->batch);
    pf->batch = tr;
    if (nw_dev) {
        gen_array_release(pf->lw_dev);
        pf->lw_dev = gen_array_retain(nw_dev);
        pf->lw_stale = true;
    }
    for (int64_t i = 0; nw && i < pf->n; i++) pf->lw[i] = nw[i];
    return GEN_OK;
}

/* The weights after adding dlw, committed with tr: on the device when they are kept
 * there, else on the host; *ess their ESS. */
static gen_status commit_with(gen_pf *pf, gen_trace *tr, const gen_array *dlw, double *nw, double *ess) {
    gen_array *nw_dev = NULL;
    if (add_increments_device(pf, dlw, &nw_dev, ess)) return commit(pf, tr, NULL, nw_dev);
    gen_status s = add_increments(pf, dlw, nw);
    if (s == GEN_OK) s = commit(pf, tr, nw, NULL);
    if (s == GEN_OK) *ess = infer_ess_of(pf->lw, pf->n);
    return s;
}

gen_status gen_pf_init_batched(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                               const gen_gf *proposal, const gen_args *proposal_args, int64_t n, gen_pf **pf) {
    const char *fn = "gen_pf_init_batched";
    if (!pf) return GEN_FAIL(GEN_ERR_MISUSE, "%s: pf is NULL", fn);
    *pf = NULL;
    if (!model) return infer_null(fn, "the model");
    if (!obs) return infer_null(fn, "the observations");
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: the particle count must be >= 1, got %lld", fn, (long long)n);
    gen_pf *p = core_calloc(1, sizeof *p);
    if (!p) return GEN_ERR_OOM;
    p->n = n;
    p->lw = core_calloc((size_t)n, sizeof *p->lw); /* checks n * size for overflow */
    double *nw = p->lw ? core_calloc((size_t)n, sizeof *nw) : NULL;
    gen_status s = nw ? pf_reserve_ess(p) : GEN_ERR_OOM;
    if (s == GEN_OK) s = gen_scope_begin();
    if (s == GEN_OK) {
        gen_trace *tr = NULL;
        gen_array *lw = NULL;
        s = gen_importance_sampling_batched(model, key, args, obs, proposal, proposal_args, n, &tr, &lw, NULL);
        double ess = 0;
        if (s == GEN_OK) s = commit_with(p, tr, lw, nw, &ess);
        if (s == GEN_OK) p->ess[p->n_ess++] = ess;
        if (s != GEN_OK) core_error_prefix("%s", fn);
        gen_scope_end();
    }
    core_free(nw, (size_t)n * sizeof *nw);
    if (s != GEN_OK) {
        gen_pf_free(p);
        return s;
    }
    *pf = p;
    return GEN_OK;
}

/* One batched update of every particle, with the proposal (if any) run batched on the
 * batched trace: *tr the new trace and *dlw the [n] (or 0-d) increments. */
static gen_status batched_update(const gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                 const gen_choicemap *obs, const gen_gf *proposal, const gen_args *pargs,
                                 gen_trace **tr, gen_array **dlw) {
    if (!proposal) return gen_update(pf->batch, key, args, argdiffs, obs, tr, dlw, NULL, NULL);
    gen_key k[2];
    gen_args pa = {pargs ? pargs->n : 0, pargs ? pargs->v : NULL, pf->batch};
    gen_choicemap *q = NULL, *all = NULL;
    gen_array *wq = NULL, *w = NULL;
    gen_status s = gen_key_split(key, 2, k);
    if (s == GEN_OK && (s = gen_batch_begin(pf->n)) == GEN_OK) {
        s = gen_propose(proposal, k[0], &pa, &q, &wq, NULL);
        gen_batch_end();
    }
    if (s == GEN_OK && !(all = gen_choicemap_merge(obs, q))) {
        s = infer_pending();
        core_error_prefix("the proposal's choices and the observations");
    }
    if (s == GEN_OK) s = gen_update(pf->batch, k[1], args, argdiffs, all, tr, &w, NULL, NULL);
    if (s == GEN_OK && !(*dlw = gen_sub(w, wq))) s = infer_pending();
    return s;
}

gen_status pf_batched_step(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                           const gen_choicemap *obs, const gen_gf *proposal, const gen_args *proposal_args,
                           double *ess) {
    const char *fn = "gen_pf_step";
    size_t nb = (size_t)pf->n * sizeof(double);
    double *nw = core_alloc(nb);
    if (!nw) return GEN_ERR_OOM;
    gen_status s = gen_scope_begin();
    if (s == GEN_OK) {
        gen_trace *tr = NULL;
        gen_array *dlw = NULL;
        s = batched_update(pf, key, args, argdiffs, obs, proposal, proposal_args, &tr, &dlw);
        if (s == GEN_OK) s = commit_with(pf, tr, dlw, nw, ess);
        if (s != GEN_OK) core_error_prefix("%s", fn);
        gen_scope_end();
    }
    core_free(nw, nb);
    return s;
}

gen_status pf_batched_gather(const gen_pf *pf, const gen_array *idx, gen_trace **out) {
    gen_device d = gen_array_device(gen_trace_score(pf->batch));
    gen_array *index = gen_array_device(idx) == d ? (gen_array *)idx : gen_array_to_device(idx, d);
    return index ? gen_trace_gather(pf->batch, index, out) : infer_pending();
}

gen_status pf_batched_resample(gen_pf *pf, const gen_array *idx) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *tr = NULL;
    s = pf_batched_gather(pf, idx, &tr);
    if (s == GEN_OK) s = commit(pf, tr, NULL, NULL);
    gen_scope_end();
    return s;
}

gen_status pf_batched_rejuvenate(gen_pf *pf, gen_key key, gen_kernel k, int64_t *n_accepted) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *tr = NULL;
    gen_array *acc = NULL;
    s = gen_kernel_apply_batched(k, key, pf->batch, &tr, &acc);
    int64_t count = 0;
    if (s == GEN_OK) {
        gen_array *c = gen_sum(gen_cast(acc, GEN_I64), 0, NULL, false);
        s = c ? gen_item_i64(c, &count) : infer_pending();
    }
    if (s == GEN_OK) s = commit(pf, tr, NULL, NULL);
    if (s == GEN_OK && n_accepted) *n_accepted = count;
    if (s != GEN_OK) core_error_prefix("gen_pf_rejuvenate");
    gen_scope_end();
    return s;
}
