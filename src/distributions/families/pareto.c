/* pareto.c — Pareto(scale x_m, alpha) on [x_m, inf): reparameterized inverse-CDF draws
 * x_m u^(-1/alpha); logpdf log alpha - log x - alpha (log x - log x_m); the support is
 * greater_than with the scale as its (included) lower bound. */
#include <math.h>

#include "../dist_int.h"

static const char *const names[] = {"scale", "alpha"};

static gen_array *pareto_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    return gen_mul(d->params[0], gen_exp(gen_neg(gen_div(gen_log(u), d->params[1]))));
}

static gen_array *pareto_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *xm = d->params[0], *alpha = d->params[1];
    gen_array *ok = gen_logical_and(gen_ge(x, xm), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *lx = gen_log(gen_where(ok, x, xm)); /* x_m > 0: a safe point for every member */
    gen_array *lp = gen_sub(gen_log(alpha), lx);
    return dist_mask_support(ok, gen_sub(lp, gen_mul(alpha, gen_sub(lx, gen_log(xm)))));
}

static gen_status pareto_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_GREATER_THAN;
    out->lo = d->params[0];
    return GEN_OK;
}

/* ---- CDF (cdf.c): log(1 - F) = alpha log(x_m / x) above x_m, log F = log1mexp of it ---- */
static gen_array *pareto_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *in = gen_gt(x, d->params[0]);
    gen_array *xs = gen_where(in, x, gen_mul(d->params[0], dist_const(x, 2)));
    gen_array *t = gen_mul(d->params[1], gen_log(gen_div(d->params[0], xs)));
    gen_array *r = upper ? t : dist_log1mexp(t);
    return gen_where(in, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double pareto_quantile1(const double *p, double lp, bool upper) {
    return p[0] * exp(-(upper ? lp : dist_log1mexp1(lp)) / p[1]);
}

static const dist_family pareto_family = {
    .name = "pareto",
    .param_names = names,
    .sample = pareto_sample,
    .rsample = true,
    .logpdf = pareto_logpdf,
    .support = pareto_support,
    .log_cdf = pareto_log_cdf,
    .quantile1 = pareto_quantile1,
};

gen_dist *gen_pareto(const gen_array *scale, const gen_array *alpha) {
    const gen_array *p[2] = {scale, alpha};
    if (scale && alpha && (dist_check_positive_finite("pareto", "scale", scale) != GEN_OK ||
                           dist_check_positive_finite("pareto", "alpha", alpha) != GEN_OK))
        return NULL;
    return dist_new_scalar(&pareto_family, 2, p, -1);
}
