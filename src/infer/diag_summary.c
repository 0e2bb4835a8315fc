/* diag_summary.c — per-parameter summaries (moments, quantiles, MCSEs, ESS, R-hat) and
 * the gen_array entry points, which take a [chains, draws] or [chains, draws, params]
 * array apart into one parameter's chains at a time. */
#include <math.h>
#include <string.h>

#include "diag_int.h"

static const double default_probs[] = {0.05, 0.5, 0.95};

static void summary_nan(gen_summary *s) {
    double nan = NAN;
    s->mean = s->sd = s->median = s->mcse_mean = s->mcse_sd = nan;
    s->ess_bulk = s->ess_tail = s->rhat = nan;
    for (int i = 0; i < GEN_SUMMARY_MAX_PROBS; i++) s->quantiles[i] = nan;
}

static gen_status summary_moments(const diag_rows *r, gen_summary *out) {
    int64_t size = r->m * r->n;
    double *sorted = diag_sorted(r);
    if (!sorted) return GEN_ERR_OOM;
    diag_mean_sd(r, &out->mean, &out->sd);
    out->median = size % 2 ? sorted[size / 2] : (sorted[size / 2 - 1] + sorted[size / 2]) / 2;
    for (int i = 0; i < out->nprobs; i++)
        out->quantiles[i] = diag_quantile_sorted(sorted, size, out->probs[i]);
    core_free(sorted, (size_t)size * sizeof(double));
    return GEN_OK;
}

static gen_status summary_of(const diag_rows *r, gen_summary *out) {
    gen_status st = summary_moments(r, out);
    if (st == GEN_OK) st = diag_mcse_mean(r, &out->mcse_mean);
    if (st == GEN_OK) st = diag_mcse_sd(r, &out->mcse_sd);
    if (st == GEN_OK) st = diag_ess_bulk(r, &out->ess_bulk);
    if (st == GEN_OK) st = diag_ess_tail(r, &out->ess_tail);
    if (st == GEN_OK) st = diag_rhat_rank(r, &out->rhat);
    return st;
}

static gen_status set_probs(const double *probs, int nprobs, gen_summary *out) {
    if (!probs) probs = default_probs, nprobs = 3;
    if (nprobs < 0 || nprobs > GEN_SUMMARY_MAX_PROBS)
        return GEN_FAIL(GEN_ERR_VALUE, "%d quantile levels: at most %d", nprobs,
                        GEN_SUMMARY_MAX_PROBS);
    for (int i = 0; i < nprobs; i++)
        if (!(probs[i] > 0 && probs[i] < 1))
            return GEN_FAIL(GEN_ERR_VALUE, "quantile level %d is %g, not in (0, 1)", i,
                            probs[i]);
    memset(out, 0, sizeof *out);
    out->nprobs = nprobs;
    memcpy(out->probs, probs, (size_t)nprobs * sizeof *probs);
    return GEN_OK;
}

gen_status gen_summarize(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                         const double *probs, int nprobs, gen_summary *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_summarize: out is NULL");
    diag_rows r = {0};
    gen_status st = set_probs(probs, nprobs, out);
    if (st == GEN_OK) st = diag_load(chains, nchains, ndraws, &r);
    if (st == GEN_OK) st = summary_of(&r, out);
    diag_rows_free(&r);
    if (st != GEN_OK) {
        summary_nan(out);
        core_error_prefix("gen_summarize");
    }
    return st;
}

/* ---- gen_array input ---- */

typedef gen_status (*param_fn)(const double *const *chains, int64_t nchains,
                               const int64_t *ndraws, int64_t param, void *ctx);

/* Calls fn once per parameter of draws ([C, N] or [C, N, P]) with its C chains. */
static gen_status each_param(const gen_array *draws, int64_t nout, param_fn fn, void *ctx) {
    if (!draws) {
        gen_status st = core_error_pending();
        return st != GEN_OK ? st : GEN_FAIL(GEN_ERR_MISUSE, "draws is NULL");
    }
    int ndim = gen_array_ndim(draws);
    const int64_t *shape = gen_array_shape(draws);
    if (ndim != 2 && ndim != 3)
        return GEN_FAIL(GEN_ERR_SHAPE, "draws have %d axes: need [chains, draws] or "
                        "[chains, draws, params]", ndim);
    int64_t nc = shape[0], nd = shape[1], np = ndim == 3 ? shape[2] : 1;
    if (nout < np)
        return GEN_FAIL(GEN_ERR_VALUE, "out holds %lld values, the draws have %lld parameters",
                        (long long)nout, (long long)np);
    size_t size = (size_t)gen_array_size(draws), nb = (size + (size_t)(nc * nd)) * sizeof(double);
    size_t nptr = (size_t)(nc > 0 ? nc : 1) * (sizeof(double *) + sizeof(int64_t));
    double *all = core_alloc(nb);
    void *ptrs = all ? core_alloc(nptr) : NULL;
    if (!ptrs) {
        if (all) core_free(all, nb);
        return GEN_ERR_OOM;
    }
    const double **chains = ptrs;
    int64_t *ndraws = (int64_t *)(chains + (nc > 0 ? nc : 1));
    double *one = all + size;
    gen_status st = gen_array_copy_to(draws, GEN_F64, all, size * sizeof(double));
    for (int64_t p = 0; p < np && st == GEN_OK; p++) {
        for (int64_t c = 0; c < nc; c++) {
            for (int64_t i = 0; i < nd; i++) one[c * nd + i] = all[(c * nd + i) * np + p];
            chains[c] = one + c * nd, ndraws[c] = nd;
        }
        st = fn(chains, nc, ndraws, p, ctx);
        if (st != GEN_OK && np > 1) core_error_prefix("parameter %lld", (long long)p);
    }
    core_free(ptrs, nptr);
    core_free(all, nb);
    return st;
}

typedef struct stat_ctx {
    gen_diag_fn fn;
    double *out;
} stat_ctx;

static gen_status stat_param(const double *const *chains, int64_t nchains,
                             const int64_t *ndraws, int64_t p, void *ctx) {
    stat_ctx *s = ctx;
    return s->fn(chains, nchains, ndraws, s->out + p);
}

gen_status gen_diag_array(gen_diag_fn fn, const gen_array *draws, double *out, int64_t nout) {
    if (!fn || !out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_diag_array: fn or out is NULL");
    for (int64_t i = 0; i < nout; i++) out[i] = NAN;
    stat_ctx ctx = {fn, out};
    gen_status st = each_param(draws, nout, stat_param, &ctx);
    if (st != GEN_OK) core_error_prefix("gen_diag_array");
    return st;
}

typedef struct summary_ctx {
    const double *probs;
    int nprobs;
    gen_summary *out;
} summary_ctx;

static gen_status summary_param(const double *const *chains, int64_t nchains,
                                const int64_t *ndraws, int64_t p, void *ctx) {
    summary_ctx *s = ctx;
    return gen_summarize(chains, nchains, ndraws, s->probs, s->nprobs, s->out + p);
}

gen_status gen_summarize_array(const gen_array *draws, const double *probs, int nprobs,
                               gen_summary *out, int64_t nout) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_summarize_array: out is NULL");
    for (int64_t i = 0; i < nout; i++) {
        memset(&out[i], 0, sizeof out[i]);
        summary_nan(&out[i]);
    }
    summary_ctx ctx = {probs, nprobs, out};
    gen_status st = each_param(draws, nout, summary_param, &ctx);
    if (st != GEN_OK) core_error_prefix("gen_summarize_array");
    return st;
}
