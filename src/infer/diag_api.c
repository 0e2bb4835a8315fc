/* diag_api.c — the public diagnostics of genc/diag.h on C arrays and gen_arrays: input
 * checks, loading and splitting chains, and dispatch to the statistics. */
#include <math.h>
#include <string.h>

#include "diag_int.h"

void diag_rows_free(diag_rows *r) {
    if (r->x) core_free(r->x, (size_t)(r->m * r->n) * sizeof(double));
    *r = (diag_rows){0};
}

gen_status diag_load(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                     diag_rows *out) {
    *out = (diag_rows){0};
    if (!chains || !ndraws) return GEN_FAIL(GEN_ERR_MISUSE, "chains or ndraws is NULL");
    if (nchains < 1) return GEN_FAIL(GEN_ERR_SHAPE, "%lld chains: need at least one",
                                     (long long)nchains);
    int64_t n = ndraws[0];
    for (int64_t c = 0; c < nchains; c++) {
        if (ndraws[c] < 4)
            return GEN_FAIL(GEN_ERR_SHAPE, "chain %lld has %lld draws: need at least 4",
                            (long long)c, (long long)ndraws[c]);
        if (ndraws[c] != n)
            return GEN_FAIL(GEN_ERR_SHAPE,
                            "chain %lld has %lld draws but chain 0 has %lld: chains must "
                            "have equal lengths", (long long)c, (long long)ndraws[c],
                            (long long)n);
        if (!chains[c]) return GEN_FAIL(GEN_ERR_MISUSE, "chain %lld is NULL", (long long)c);
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(chains[c][i]))
                return GEN_FAIL(GEN_ERR_VALUE, "draw %lld of chain %lld is %s", (long long)i,
                                (long long)c, isnan(chains[c][i]) ? "NaN" : "infinite");
    }
    if (nchains > INT64_MAX / 8 / n) return GEN_FAIL(GEN_ERR_VALUE, "too many draws");
    double *x = core_alloc((size_t)(nchains * n) * sizeof *x);
    if (!x) return GEN_ERR_OOM;
    for (int64_t c = 0; c < nchains; c++) memcpy(x + c * n, chains[c], (size_t)n * sizeof *x);
    *out = (diag_rows){nchains, n, x};
    return GEN_OK;
}

gen_status diag_split(const diag_rows *r, diag_rows *out) {
    int64_t half = r->n / 2, m = r->m;
    *out = (diag_rows){0};
    double *x = core_alloc((size_t)(2 * m * half) * sizeof *x);
    if (!x) return GEN_ERR_OOM;
    for (int64_t c = 0; c < m; c++) {
        memcpy(x + c * half, r->x + c * r->n, (size_t)half * sizeof *x);
        memcpy(x + (m + c) * half, r->x + c * r->n + r->n - half, (size_t)half * sizeof *x);
    }
    *out = (diag_rows){2 * m, half, x};
    return GEN_OK;
}

bool diag_constant(const diag_rows *r) {
    for (int64_t i = 1; i < r->m * r->n; i++)
        if (r->x[i] != r->x[0]) return false;
    return true;
}

/* ---- the public functions ---- */

typedef gen_status (*diag_stat)(const diag_rows *r, double prob, double *out);

static gen_status run_stat(const char *name, diag_stat fn, double prob,
                           const double *const *chains, int64_t nchains,
                           const int64_t *ndraws, double *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", name);
    *out = NAN;
    if (!(prob > 0 && prob < 1))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: prob %g is not in (0, 1)", name, prob);
    diag_rows r;
    gen_status st = diag_load(chains, nchains, ndraws, &r);
    if (st == GEN_OK) st = fn(&r, prob, out);
    diag_rows_free(&r);
    if (st != GEN_OK) {
        *out = NAN;
        core_error_prefix("%s", name);
    }
    return st;
}

static gen_status s_bulk(const diag_rows *r, double p, double *o) { return diag_ess_bulk(r, o); }
static gen_status s_tail(const diag_rows *r, double p, double *o) { return diag_ess_tail(r, o); }
static gen_status s_basic(const diag_rows *r, double p, double *o) {
    return diag_ess_basic(r, o);
}
static gen_status s_rhat(const diag_rows *r, double p, double *o) { return diag_rhat_rank(r, o); }
static gen_status s_rhat_basic(const diag_rows *r, double p, double *o) {
    return diag_rhat_split(r, o);
}
static gen_status s_mcse_mean(const diag_rows *r, double p, double *o) {
    return diag_mcse_mean(r, o);
}
static gen_status s_mcse_sd(const diag_rows *r, double p, double *o) {
    return diag_mcse_sd(r, o);
}

#define DIAG_PUBLIC(fn, stat)                                                               \
    gen_status fn(const double *const *chains, int64_t nchains, const int64_t *ndraws,     \
                  double *out) {                                                           \
        return run_stat(#fn, stat, 0.5, chains, nchains, ndraws, out);                     \
    }
DIAG_PUBLIC(gen_ess_bulk, s_bulk)
DIAG_PUBLIC(gen_ess_tail, s_tail)
DIAG_PUBLIC(gen_ess_basic, s_basic)
DIAG_PUBLIC(gen_rhat, s_rhat)
DIAG_PUBLIC(gen_rhat_basic, s_rhat_basic)
DIAG_PUBLIC(gen_mcse_mean, s_mcse_mean)
DIAG_PUBLIC(gen_mcse_sd, s_mcse_sd)

gen_status gen_ess_quantile(const double *const *chains, int64_t nchains,
                            const int64_t *ndraws, double prob, double *out) {
    return run_stat("gen_ess_quantile", diag_ess_quantile, prob, chains, nchains, ndraws,
                    out);
}

gen_status gen_mcse_quantile(const double *const *chains, int64_t nchains,
                             const int64_t *ndraws, double prob, double *out) {
    return run_stat("gen_mcse_quantile", diag_mcse_quantile, prob, chains, nchains, ndraws,
                    out);
}
