/* pf_resample.c — the particle filter between steps: resampling when the effective
 * sample size falls below a threshold (the weights then all become their log mean, so
 * the log marginal likelihood estimate carries over), and rejuvenation by an MCMC kernel
 * applied to every particle. */
#include <math.h>

#include "pf_int.h"

/* A batched filter's resampling: the ancestors drawn where the weights are (on a device,
 * with no read of them) and gathered there. */
static gen_status resample_batched(gen_pf *pf, gen_key key, gen_resampling method) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    double lml = 0;
    gen_array *lw = pf_weights_array(pf);
    s = lw ? gen_log_mean_exp(lw, &lml) : infer_pending();
    gen_array *idx = s == GEN_OK ? infer_resample_index(key, lw, method, pf->n) : NULL;
    if (s == GEN_OK && !idx) s = infer_pending();
    if (s == GEN_OK) s = pf_batched_resample(pf, idx);
    if (s == GEN_OK) s = pf_set_weights(pf, lml);
    gen_scope_end();
    return s;
}

gen_status gen_pf_maybe_resample(gen_pf *pf, gen_key key, gen_resampling method, double ess_threshold,
                                 bool *did_resample) {
    const char *fn = "gen_pf_maybe_resample";
    if (did_resample) *did_resample = false;
    if (!pf) return infer_null(fn, "the filter");
    if (isnan(ess_threshold)) return GEN_FAIL(GEN_ERR_VALUE, "%s: the ESS threshold is NaN", fn);
    if (method < GEN_RESAMPLE_MULTINOMIAL || method > GEN_RESAMPLE_RESIDUAL)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown resampling method %d", fn, (int)method);
    double ess = 0;
    gen_status s = pf_ess_now(pf, &ess);
    if (s != GEN_OK) return s;
    if (!(ess < ess_threshold)) return GEN_OK;
    if (ess == 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: every particle has weight zero", fn);
    if (pf->batch) {
        s = resample_batched(pf, key, method);
        if (s != GEN_OK) core_error_prefix("%s", fn);
        if (s == GEN_OK && did_resample) *did_resample = true;
        return s;
    }
    size_t ib = (size_t)pf->n * sizeof(int64_t), tb = (size_t)pf->n * sizeof(gen_trace *);
    int64_t *idx = core_alloc(ib);
    gen_trace **nt = idx ? core_alloc(tb) : NULL;
    if (!nt) {
        core_free(idx, ib);
        return GEN_ERR_OOM;
    }
    s = gen_scope_begin();
    double lml = 0;
    if (s == GEN_OK) {
        gen_array *lw = pf_weights_array(pf);
        lml = infer_log_mean_exp_of(pf->lw, pf->n);
        s = lw ? gen_resample(key, lw, method, pf->n, idx) : infer_pending();
        gen_scope_end();
    }
    if (s == GEN_OK) {
        /* retain every pick before releasing the old references: a trace picked k times
         * ends with k references of the filter, one not picked with none */
        for (int64_t i = 0; i < pf->n; i++) nt[i] = gen_trace_retain(pf->traces[idx[i]]);
        for (int64_t i = 0; i < pf->n; i++) gen_trace_release(pf->traces[i]);
        for (int64_t i = 0; i < pf->n; i++) pf->lw[i] = lml;
        core_free(pf->traces, tb);
        pf->traces = nt;
        nt = NULL;
        if (did_resample) *did_resample = true;
    } else {
        core_error_prefix("%s", fn);
    }
    core_free(nt, tb);
    core_free(idx, ib);
    return s;
}

typedef struct rejuv_ctx {
    gen_kernel k;
    int64_t accepted;
} rejuv_ctx;

static gen_status rejuv_move(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out, double *dlw) {
    (void)i;
    rejuv_ctx *c = ud;
    bool acc = false;
    *dlw = 0;
    gen_status s = gen_kernel_apply(c->k, key, tr, out, &acc);
    if (s == GEN_OK && acc) c->accepted++;
    return s;
}

gen_status gen_pf_rejuvenate(gen_pf *pf, gen_key key, gen_kernel k, int64_t *n_accepted) {
    if (!pf) return infer_null("gen_pf_rejuvenate", "the filter");
    if (pf->batch) return pf_batched_rejuvenate(pf, key, k, n_accepted);
    rejuv_ctx c = {k, 0};
    gen_status s = pf_move_all(pf, "gen_pf_rejuvenate", key, rejuv_move, &c);
    if (s == GEN_OK && n_accepted) *n_accepted = c.accepted;
    return s;
}
