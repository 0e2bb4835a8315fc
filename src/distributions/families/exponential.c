/* exponential.c — Exponential(rate) on [0, inf): reparameterized inverse-CDF draws
 * -log(u) / rate, logpdf log(rate) - rate x (its limit log(rate) at x = 0). */
#include <math.h>

#include "../dist_int.h"

static const char *const names[] = {"rate"};

static gen_array *exponential_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape); /* in (0, 1): finite log */
    return gen_div(gen_neg(gen_log(u)), d->params[0]);
}

static gen_array *exponential_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *rate = d->params[0];
    gen_array *ok = gen_logical_and(gen_ge(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *xs = dist_safe(ok, x, 0);
    return dist_mask_support(ok, gen_sub(gen_log(rate), gen_mul(rate, xs)));
}

/* exponential_logpdf in plain C with its partials (x, rate) on [0, inf). */
static double exponential_logpdf1_grad(const double *p, double x, double *g) {
    double rate = p[0];
    if (!(x >= 0 && x < INFINITY)) {
        g[0] = g[1] = 0;
        return -INFINITY;
    }
    g[0] = -rate;
    g[1] = 1 / rate - x;
    return log(rate) - rate * x;
}

static gen_status exponential_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log(1 - F) = -rate x, log F = log1mexp of it; 0 up to x = 0 ---- */
static gen_array *exponential_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *pos = gen_gt(x, dist_const(x, 0));
    gen_array *t = gen_neg(gen_mul(d->params[0], dist_safe(pos, x, 1)));
    gen_array *r = upper ? t : dist_log1mexp(t);
    return gen_where(pos, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double exponential_quantile1(const double *p, double lp, bool upper) {
    return -(upper ? lp : dist_log1mexp1(lp)) / p[0];
}

static const dist_family exponential_family = {
    .name = "exponential",
    .param_names = names,
    .sample = exponential_sample,
    .rsample = true,
    .logpdf = exponential_logpdf,
    .support = exponential_support,
    .logpdf1_grad = exponential_logpdf1_grad,
    .log_cdf = exponential_log_cdf,
    .quantile1 = exponential_quantile1,
};

gen_dist *gen_exponential(const gen_array *rate) {
    const gen_array *p[1] = {rate};
    if (rate && (dist_check_positive_finite("exponential", "rate", rate) != GEN_OK))
        return NULL;
    return dist_new_scalar(&exponential_family, 1, p, -1);
}
