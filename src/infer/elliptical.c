/* elliptical.c — elliptical slice sampling (Murray, Adams & MacKay 2010; Gen.jl's
 * elliptical_slice) of one choice with a normal / multivariate normal prior N(mu, cov):
 * the rest of the model is the likelihood, whose ratio is update's weight minus the
 * prior's ratio. */
#include <math.h>

#include "genc/dist.h"
#include "kernels_int.h"

static const char *FN = "gen_elliptical_slice";
static const double TWO_PI = 6.283185307179586;

/* The prior's log density at x. */
static gen_status prior_logpdf(const gen_dist *prior, const gen_array *x, double *out) {
    gen_array *lp = gen_dist_logpdf(prior, x);
    return lp ? gen_item(gen_sum(lp, 0, NULL, false), out) : infer_pending();
}

static gen_status check_prior(const gen_array *x, const gen_array *mu, const gen_array *cov,
                              gen_dist **prior, gen_array **chol) {
    int nd = gen_array_ndim(x);
    if (gen_array_dtype(x) != GEN_F64 && gen_array_dtype(x) != GEN_F32)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: the choice is %s, not a float", FN, gen_dtype_name(gen_array_dtype(x)));
    if (nd > 1) return GEN_FAIL(GEN_ERR_SHAPE, "%s: the choice must be a scalar or a vector (it has %d dims)", FN, nd);
    int64_t n = nd ? gen_array_dim(x, 0) : 1;
    if (gen_array_size(mu) != n || gen_array_ndim(mu) != nd)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: mu must have the choice's shape (%lld values)", FN, (long long)n);
    if (nd == 0 ? gen_array_ndim(cov) != 0 : (gen_array_ndim(cov) != 2 || gen_array_dim(cov, 0) != n || gen_array_dim(cov, 1) != n))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: cov must be %s for this choice", FN, nd ? "[n, n]" : "0-d (a variance)");
    if (nd == 0) {
        *chol = gen_sqrt(cov);
        *prior = *chol ? gen_normal(mu, *chol) : NULL;
    } else {
        *chol = gen_cholesky(cov);
        *prior = *chol ? gen_mvnormal_chol(mu, *chol) : NULL;
    }
    return *prior ? GEN_OK : infer_pending();
}

/* The likelihood's log ratio at angle theta: x' = mu + f cos + nu sin (-inf where the
 * model rejects x', reject.c). */
static gen_status at_angle(const gen_trace *tr, const gen_addr *a, const gen_dist *prior,
                           const gen_array *mu, const gen_array *f, const gen_array *nu, double theta,
                           double lp0, gen_trace **out, double *ll) {
    gen_array *x = gen_add(mu, gen_add(gen_mul(f, gen_scalar(cos(theta))), gen_mul(nu, gen_scalar(sin(theta)))));
    gen_choicemap *c = x ? gen_choicemap_set(gen_choicemap_empty(), a, x) : NULL;
    gen_array *w = NULL;
    double wv = 0, lp = 0;
    gen_status s = c ? infer_update(tr, gen_key_new(0), c, out, &w, NULL) : infer_pending();
    if (s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) { /* the model rejects x': off the slice */
        *out = NULL;
        *ll = -INFINITY;
        return GEN_OK;
    }
    if (s == GEN_OK) s = gen_item(w, &wv);
    if (s == GEN_OK) s = prior_logpdf(prior, x, &lp);
    if (s != GEN_OK) core_error_prefix("%s: at angle %g", FN, theta);
    *ll = wv - (lp - lp0);
    return s;
}

static gen_status slice(const gen_trace *tr, const gen_addr *a, const gen_array *mu,
                        const gen_array *cov, gen_key key, gen_trace **out) {
    const gen_array *x = gen_trace_value(tr, a);
    gen_dist *prior = NULL;
    gen_array *chol = NULL;
    if (!x) {
        core_error_prefix("%s", FN);
        return infer_pending();
    }
    gen_status s = check_prior(x, mu, cov, &prior, &chol);
    if (s != GEN_OK) return s;
    gen_key k[3];
    if ((s = gen_key_split(key, 3, k)) != GEN_OK) return s;
    gen_array *z = gen_random_normal(k[0], GEN_F64, gen_array_ndim(x), gen_array_shape(x));
    gen_array *nu = gen_array_ndim(x) ? gen_matmul(chol, z) : gen_mul(chol, z);
    gen_array *f = gen_sub(x, mu), *u2 = gen_random_uniform(k[1], GEN_F64, GEN_DIMS(2));
    double lp0 = 0;
    if (!nu || !f || !u2 || (s = prior_logpdf(prior, x, &lp0)) != GEN_OK) return infer_pending();
    const double *u = gen_array_data(u2);
    double log_y = log(u[0]), theta = TWO_PI * u[1], lo = theta - TWO_PI, hi = theta;
    /* the bracket shrinks towards theta = 0 (the current state, always inside the slice) */
    for (int it = 0; it < 1000; it++) {
        double ll = 0;
        gen_trace *cand = NULL;
        if ((s = at_angle(tr, a, prior, mu, f, nu, theta, lp0, &cand, &ll)) != GEN_OK) return s;
        if (ll > log_y) {
            *out = cand;
            return GEN_OK;
        }
        if (theta < 0) lo = theta;
        else hi = theta;
        gen_array *r = gen_random_uniform(gen_key_fold_in(k[2], (uint64_t)it), GEN_F64, 0, NULL);
        if (!r) return infer_pending();
        theta = lo + (hi - lo) * ((const double *)gen_array_data(r))[0];
    }
    *out = (gen_trace *)tr; /* the bracket collapsed onto the current state */
    return GEN_OK;
}

gen_status gen_elliptical_slice(const gen_trace *tr, gen_key key, const gen_addr *addr,
                                const gen_array *mu, const gen_array *cov, gen_trace **out) {
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", FN);
    if (!tr) return infer_null(FN, "the trace");
    if (!addr) return infer_null(FN, "the address");
    if (!mu || !cov) return infer_null(FN, mu ? "cov" : "mu");
    if (gen_trace_batch_size(tr)) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the trace is batched", FN);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *next = NULL;
    s = slice(tr, addr, mu, cov, key, &next);
    if (s == GEN_OK && !(*out = gen_trace_scope_return(next))) s = infer_pending();
    gen_scope_end();
    return s;
}

static gen_status ess_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("elliptical_slice", NULL);
    const gen_elliptical_kernel *k = p;
    *acc = true;
    return gen_elliptical_slice(tr, key, &k->addr, k->mu, k->cov, out);
}

gen_kernel gen_kernel_elliptical_slice(gen_elliptical_kernel *k) { return (gen_kernel){.fn = ess_fn, .payload = k}; }
