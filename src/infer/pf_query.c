/* pf_query.c — what a particle filter tells: its size and steps, the log marginal
 * likelihood estimate, the effective sample size now and per step, the traces and
 * weights, and unweighted samples of the traces. */
#include <math.h>

#include "pf_int.h"

int64_t gen_pf_size(const gen_pf *pf) { return pf ? pf->n : -1; }
int64_t gen_pf_steps(const gen_pf *pf) { return pf ? pf->steps : -1; }
gen_trace *const *gen_pf_traces(const gen_pf *pf) { return pf ? pf->traces : NULL; }
const gen_trace *gen_pf_batched_trace(const gen_pf *pf) { return pf ? pf->batch : NULL; }

gen_status gen_pf_log_ml(const gen_pf *pf, double *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_pf_log_ml: out is NULL");
    if (!pf) return infer_null("gen_pf_log_ml", "the filter");
    if (pf->lw_dev) return gen_log_mean_exp(pf->lw_dev, out);
    *out = infer_log_mean_exp_of(pf->lw, pf->n);
    return GEN_OK;
}

gen_status gen_pf_ess(const gen_pf *pf, double *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_pf_ess: out is NULL");
    if (!pf) return infer_null("gen_pf_ess", "the filter");
    return pf_ess_now(pf, out);
}

gen_status gen_pf_ess_history(const gen_pf *pf, gen_array **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_pf_ess_history: out is NULL");
    *out = NULL;
    if (!pf) return infer_null("gen_pf_ess_history", "the filter");
    *out = gen_array_from(GEN_F64, 1, &pf->n_ess, pf->ess);
    return *out ? GEN_OK : infer_pending();
}

gen_status gen_pf_log_weights(const gen_pf *pf, gen_array **out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_pf_log_weights: out is NULL");
    *out = NULL;
    if (!pf) return infer_null("gen_pf_log_weights", "the filter");
    *out = pf_weights_array(pf);
    return *out ? GEN_OK : infer_pending();
}

gen_status gen_pf_normalized_weights(const gen_pf *pf, gen_array **out) {
    const char *fn = "gen_pf_normalized_weights";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!pf) return infer_null(fn, "the filter");
    double lml = 0;
    gen_status s = gen_pf_log_ml(pf, &lml);
    if (s != GEN_OK) return s;
    if (lml == -INFINITY) return GEN_FAIL(GEN_ERR_VALUE, "%s: every particle has weight zero", fn);
    double lse = lml + log((double)pf->n);
    if ((s = pf_host_weights(pf)) != GEN_OK) return s;
    size_t nb = (size_t)pf->n * sizeof(double);
    double *d = core_alloc(nb);
    if (!d) return GEN_ERR_OOM;
    for (int64_t i = 0; i < pf->n; i++) d[i] = exp(pf->lw[i] - lse);
    *out = gen_array_from(GEN_F64, 1, &pf->n, d);
    core_free(d, nb);
    return *out ? GEN_OK : infer_pending();
}

gen_status gen_pf_sample_unweighted_traces(const gen_pf *pf, gen_key key, int64_t n_out, gen_trace **out) {
    const char *fn = "gen_pf_sample_unweighted_traces";
    if (!out && n_out > 0) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    for (int64_t i = 0; i < n_out; i++) out[i] = NULL;
    if (!pf) return infer_null(fn, "the filter");
    if (n_out < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n_out must be >= 0, got %lld", fn, (long long)n_out);
    if (pf->batch)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the filter is batched (use gen_pf_sample_unweighted_batched)", fn);
    if (n_out == 0) return GEN_OK;
    if (infer_ess_of(pf->lw, pf->n) == 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: every particle has weight zero", fn);
    size_t ib = (size_t)n_out * sizeof(int64_t);
    int64_t *idx = core_calloc((size_t)n_out, sizeof *idx);
    if (!idx) return GEN_ERR_OOM;
    gen_status s = gen_scope_begin();
    if (s == GEN_OK) {
        gen_array *lw = pf_weights_array(pf);
        s = lw ? gen_resample(key, lw, GEN_RESAMPLE_MULTINOMIAL, n_out, idx) : infer_pending();
        for (int64_t i = 0; s == GEN_OK && i < n_out; i++) /* into the caller's scope */
            if (!(out[i] = gen_trace_scope_return(pf->traces[idx[i]]))) s = infer_pending();
        if (s != GEN_OK) core_error_prefix("%s", fn);
        gen_scope_end();
    }
    core_free(idx, ib);
    if (s != GEN_OK) {
        for (int64_t i = 0; i < n_out; i++) {
            if (gen_scope_depth() == 0) gen_trace_release(out[i]); /* ours with no scope open */
            out[i] = NULL;
        }
    }
    return s;
}

gen_status gen_pf_sample_unweighted_batched(const gen_pf *pf, gen_key key, int64_t n_out, gen_trace **out) {
    const char *fn = "gen_pf_sample_unweighted_batched";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!pf) return infer_null(fn, "the filter");
    if (!pf->batch)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the filter is not batched (use gen_pf_sample_unweighted_traces)", fn);
    if (n_out < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: n_out must be >= 1, got %lld", fn, (long long)n_out);
    double ess = 0;
    gen_status s = pf_ess_now(pf, &ess);
    if (s != GEN_OK) return s;
    if (ess == 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: every particle has weight zero", fn);
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_array *lw = pf_weights_array(pf);
    gen_array *idx = lw ? infer_resample_index(key, lw, GEN_RESAMPLE_MULTINOMIAL, n_out) : NULL;
    gen_trace *tr = NULL;
    s = idx ? pf_batched_gather(pf, idx, &tr) : infer_pending();
    if (s == GEN_OK && !(*out = gen_trace_scope_return(tr))) s = infer_pending();
    if (s != GEN_OK) core_error_prefix("%s", fn);
    gen_scope_end();
    return s;
}
