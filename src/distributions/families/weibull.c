/* weibull.c — Weibull(shape k, scale lambda) on [0, inf): reparameterized inverse-CDF
 * draws lambda (-log u)^(1/k); logpdf log(k/lambda) + (k-1) log(x/lambda) - (x/lambda)^k,
 * whose value at x = 0 is the density's limit (+inf for k < 1, -log lambda for k = 1,
 * -inf for k > 1). */
#include <math.h>

#include "gamma_int.h"

static const char *const names[] = {"shape", "scale"};

static gen_array *weibull_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *e = gen_neg(gen_log(u)); /* Exponential(1), > 0 */
    return gen_mul(d->params[1], gen_pow(e, gen_reciprocal(d->params[0])));
}

/* log k - k log lambda + (k-1) log x - (x/lambda)^k. The power term takes x itself (not
 * x/lambda): at x = 0 its infinite x-derivative must not meet d(x/lambda)/dlambda = 0. */
static gen_array *weibull_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *k = d->params[0], *lam = d->params[1];
    gen_array *ok = gen_logical_and(gen_ge(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *xs = dist_safe(ok, x, 1);
    /* (x/lambda)^k = exp(k log(x/lambda)), with x = 0 kept out of the log (0^k = 0) */
    gen_array *pos = gen_gt(xs, dist_const(xs, 0));
    gen_array *y = gen_div(dist_safe(pos, xs, 1), lam);
    gen_array *yk = gen_where(pos, gen_exp(gen_mul(k, gen_log(y))), dist_const(y, 0));
    gen_array *lp = gen_sub(gen_log(k), gen_add(gen_mul(k, gen_log(lam)), yk));
    lp = gen_add(lp, gamma_xlogy(gen_sub(k, dist_const(k, 1)), xs));
    return dist_mask_support(ok, lp);
}

static gen_status weibull_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log(1 - F) = -(x / scale)^shape, log F = log1mexp of it ---- */
static gen_array *weibull_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *pos = gen_gt(x, dist_const(x, 0));
    gen_array *t = gen_neg(gen_pow(gen_div(dist_safe(pos, x, 1), d->params[1]), d->params[0]));
    gen_array *r = upper ? t : dist_log1mexp(t);
    return gen_where(pos, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double weibull_quantile1(const double *p, double lp, bool upper) {
    return p[1] * pow(-(upper ? lp : dist_log1mexp1(lp)), 1 / p[0]);
}

static const dist_family weibull_family = {
    .name = "weibull",
    .param_names = names,
    .sample = weibull_sample,
    .rsample = true,
    .logpdf = weibull_logpdf,
    .support = weibull_support,
    .log_cdf = weibull_log_cdf,
    .quantile1 = weibull_quantile1,
};

gen_dist *gen_weibull(const gen_array *shape, const gen_array *scale) {
    const gen_array *p[2] = {shape, scale};
    if (shape && scale && (dist_check_positive_finite("weibull", "shape", shape) != GEN_OK ||
                           dist_check_positive_finite("weibull", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&weibull_family, 2, p, -1);
}
