/* beta.c — Beta(a, b) on [0, 1]: draws from the random layer's beta sampler (not
 * reparameterized); logpdf (a-1) log x + (b-1) log1p(-x) - log B(a, b), whose values at
 * 0 and 1 are the density's limits (+inf / finite / -inf as a resp. b is < 1, = 1, > 1).
 * The interval support's bounds are zeros and ones of the batch shape, made by the
 * constructor and held in d->extra (the support's bounds are borrowed from d). */
#include <math.h>

#include "../../array/special.h"
#include "gamma_int.h"

static const char *const names[] = {"a", "b"};

typedef struct beta_bounds {
    gen_array *lo, *hi;
} beta_bounds;

static gen_array *beta_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *a = gen_cast(gen_broadcast_to(d->params[0], ndim, shape), d->dtype);
    gen_array *b = gen_cast(gen_broadcast_to(d->params[1], ndim, shape), d->dtype);
    return gen_random_beta(key, a, b);
}

static gen_array *beta_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *a = d->params[0], *b = d->params[1];
    bool clean = dist_all_between(x, 0, 1); /* nothing to mask */
    gen_array *ok = clean ? NULL : gen_logical_and(gen_ge(x, gen_scalar(0)), gen_le(x, gen_scalar(1)));
    gen_array *xs = clean ? (gen_array *)x : dist_safe(ok, x, 0.5);
    gen_array *lp = gen_add(gamma_xlogy(gen_sub(a, dist_const(a, 1)), xs),
                            gamma_xlog1py(gen_sub(b, dist_const(b, 1)), gen_neg(xs)));
    gen_array *lbeta = gen_sub(gen_add(gen_lgamma(a), gen_lgamma(b)), gen_lgamma(gen_add(a, b)));
    return clean ? gen_sub(lp, lbeta) : dist_mask_support(ok, gen_sub(lp, lbeta));
}

/* beta_logpdf in plain C with its partials (x, a, b), in the same order of operations.
 * At x = 0 (x = 1) the value and partials are the array path's limits: 0 log 0 = 0 when
 * a = 1 (b = 1), with no gradient through that log; else +-inf values with infinite
 * partials in x and a (b). */
static double beta_logpdf1_grad(const double *p, double x, double *g) {
    double a = p[0], b = p[1];
    if (!(x >= 0 && x <= 1)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double a1 = a - 1, b1 = b - 1;
    bool skip_log_x = a1 == 0 && x == 0, skip_log_1mx = b1 == 0 && x == 1;
    double lx = skip_log_x ? 0 : log(x), l1x = skip_log_1mx ? 0 : log1p(-x);
    double dg_ab = sf_digamma(a + b);
    g[0] = (skip_log_x ? 0 : a1 * (1 / x)) - (skip_log_1mx ? 0 : b1 * (1 / (1 - x)));
    g[1] = lx - (sf_digamma(a) - dg_ab);
    g[2] = l1x - (sf_digamma(b) - dg_ab);
    double lbeta = (sf_lgamma(a) + sf_lgamma(b)) - sf_lgamma(a + b);
    return (a1 * lx + b1 * l1x) - lbeta;
}

static gen_status beta_support(const gen_dist *d, gen_support *out) {
    const beta_bounds *bb = d->extra;
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = bb->lo;
    out->hi = bb->hi;
    return GEN_OK;
}

static void beta_free_extra(gen_dist *d) {
    beta_bounds *bb = d->extra;
    if (!bb) return;
    gen_array_release(bb->lo);
    gen_array_release(bb->hi);
    core_free(bb, sizeof *bb);
}

/* ---- CDF (cdf.c): I_x(a, b) in C (dist_log_betainc, 1 - x exact for x > 1/2) ---- */
static double beta_log_cdf1(const double *s, double x, bool upper) {
    double lo, up;
    dist_log_betainc(s[0], s[1], x, 1 - x, &lo, &up);
    return upper ? up : lo;
}
static gen_array *beta_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    const gen_array *s[2] = {d->params[0], d->params[1]};
    return dist_log_cdf_c(d, x, beta_logpdf(d, x), 2, s, beta_log_cdf1, upper);
}

static const dist_family beta_family = {
    .name = "beta",
    .param_names = names,
    .sample = beta_sample,
    .logpdf = beta_logpdf,
    .support = beta_support,
    .free_extra = beta_free_extra,
    .extra_is_support = true,
    .logpdf1_grad = beta_logpdf1_grad,
    .log_cdf = beta_log_cdf,
};

/* Built in a scope of its own, so a failure part-way frees the distribution. */
gen_dist *gen_beta(const gen_array *a, const gen_array *b) {
    const gen_array *p[2] = {a, b};
    if (a && b && (dist_check_positive_finite("beta", "a", a) != GEN_OK ||
                   dist_check_positive_finite("beta", "b", b) != GEN_OK))
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_dist *d = dist_new_scalar(&beta_family, 2, p, -1);
    beta_bounds *bb = d ? core_calloc(1, sizeof *bb) : NULL;
    if (bb) {
        d->extra = bb;
        const backend *saved = dist_follow_device(d, NULL); /* the bounds beside the parameters */
        bb->lo = gen_array_retain(gen_zeros(d->dtype, d->batch_ndim, d->batch_shape));
        bb->hi = gen_array_retain(gen_ones(d->dtype, d->batch_ndim, d->batch_shape));
        arr_creation_restore(saved);
    }
    gen_dist *r = bb && bb->lo && bb->hi ? gen_dist_scope_return(d) : NULL;
    gen_scope_end();
    return r;
}
