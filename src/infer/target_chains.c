/* target_chains.c — a target's log density and gradient at many points at once
 * (gen_target_logpdf_grad_chains): on a device, one kernel of the compile layer's lane
 * target evaluates every chain (accel.h); elsewhere the chains go one by one through the
 * target's own evaluation, with the same values. */
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "infer_int.h"
#include "../array/backend_api.h"

/* Chain by chain on host copies: rows of theta into lp and grad (host doubles). */
static gen_status one_by_one(const gen_target *t, int64_t n, int64_t d, const double *theta, double *lp,
                             double *grad) {
    for (int64_t c = 0; c < n; c++) {
        gen_status s = target_value_grad_unchecked(t, theta + c * d, lp + c, grad + c * d);
        if (s != GEN_OK) {
            if (!core_error_pending()) GEN_FAIL(s, "the evaluation failed");
            core_error_prefix("chain %lld", (long long)c);
            return s;
        }
    }
    return GEN_OK;
}

gen_status gen_target_logpdf_grad_chains(const gen_target *t, const gen_array *theta, gen_array **logp,
                                         gen_array **grad) {
    static const char fn[] = "gen_target_logpdf_grad_chains";
    if (logp) *logp = NULL;
    if (grad) *grad = NULL;
    if (!t) return infer_null(fn, "the target");
    if (!theta) return infer_null(fn, "theta");
    if (!logp || !grad) return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, logp ? "grad" : "logp");
    int64_t d = gen_target_dim(t), n = gen_array_ndim(theta) == 2 ? gen_array_shape(theta)[0] : 0;
    if (gen_array_ndim(theta) != 2 || n < 1 || gen_array_shape(theta)[1] != d)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: theta must be [n, %lld] with n >= 1", fn, (long long)d);
    if (gen_array_dtype(theta) != GEN_F64)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: theta must be f64, got %s", fn, gen_dtype_name(gen_array_dtype(theta)));
    const backend *be = arr_backend_of(theta);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *l = arr_publish(arr_alloc_on(fn, be, GEN_F64, 1, &n));
    gen_array *g = arr_publish(arr_alloc_on(fn, be, GEN_F64, 2, (int64_t[]){n, d}));
    if (!l || !g) s = infer_pending();
    const int64_t *off = NULL;
    const accel_fn *a = target_accel(t, &off);
    bool done = false;
    if (s == GEN_OK && a && !be->host) { /* one kernel: a thread per chain */
        s = arr_ready(theta);
        if (s == GEN_OK) s = accel_value_and_grad_chains(a, be, n, theta->data, off, d, l->data, g->data);
        done = s == GEN_OK || core_error_pending();
        if (!done) s = GEN_OK; /* no lane program for be: chain by chain */
    }
    if (s == GEN_OK && !done) {
        const gen_array *h = gen_array_to_host(theta);
        size_t bytes = (size_t)(n * (d + 1)) * sizeof(double);
        double *buf = h ? core_alloc(bytes) : NULL;
        s = buf ? one_by_one(t, n, d, gen_array_data(h), buf, buf + n) : infer_pending();
        if (s == GEN_OK && be->host) {
            memcpy(l->data, buf, (size_t)n * sizeof(double));
            memcpy(g->data, buf + n, (size_t)(n * d) * sizeof(double));
        } else if (s == GEN_OK) {
            s = be->from_host(l->data, buf, (size_t)n * sizeof(double));
            if (s == GEN_OK) s = be->from_host(g->data, buf + n, (size_t)(n * d) * sizeof(double));
        }
        core_free(buf, bytes);
    }
    if (s == GEN_OK && (!(*logp = gen_scope_return(l)) || !(*grad = gen_scope_return(g)))) s = infer_pending();
    gen_scope_end();
    if (s != GEN_OK) *logp = *grad = NULL;
    return s;
}
