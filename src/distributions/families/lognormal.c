/* lognormal.c — LogNormal(mu, sigma): log x ~ Normal(mu, sigma). Reparameterized draws
 * exp(mu + sigma z); logpdf is the normal's at log x minus log x, -inf for x <= 0. */
#include <math.h>

#include "../dist_int.h"

#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

static const char *const names[] = {"mu", "sigma"};

static gen_array *lognormal_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    return gen_exp(gen_add(d->params[0], gen_mul(d->params[1], z)));
}

static gen_array *lognormal_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_logical_and(gen_gt(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *ly = gen_log(dist_safe(ok, x, 1));
    gen_array *z = gen_div(gen_sub(ly, d->params[0]), d->params[1]);
    gen_array *lp = gen_mul(dist_const(z, -0.5), gen_square(z));
    lp = gen_sub(gen_sub(lp, gen_log(d->params[1])), ly);
    return dist_mask_support(ok, gen_sub(lp, dist_const(lp, HALF_LOG_2PI)));
}

/* lognormal_logpdf in plain C with its partials (x, mu, sigma) on (0, inf): through
 * log x, d/dx = (-z / sigma - 1) / x. */
static double lognormal_logpdf1_grad(const double *p, double x, double *g) {
    double mu = p[0], s = p[1];
    if (!(x > 0 && x < INFINITY)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double ly = log(x), z = (ly - mu) / s, dz = -z * (1 / s);
    g[0] = (dz - 1) * (1 / x);
    g[1] = -dz;
    g[2] = z * z / s - 1 / s;
    return ((-0.5 * (z * z) - log(s)) - ly) - HALF_LOG_2PI;
}

static gen_status lognormal_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): the normal's of (log x - mu) / sigma; 0 up to x = 0 ---- */
static gen_array *lognormal_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *pos = gen_gt(x, dist_const(x, 0));
    gen_array *z = gen_div(gen_sub(gen_log(dist_safe(pos, x, 1)), d->params[0]), d->params[1]);
    gen_array *r = gen_log_ndtr(upper ? gen_neg(z) : z);
    return gen_where(pos, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double lognormal_quantile1(const double *p, double lp, bool upper) {
    double z = dist_ndtri_exp(lp);
    return exp(p[0] + p[1] * (upper ? -z : z));
}

static const dist_family lognormal_family = {
    .name = "lognormal",
    .param_names = names,
    .sample = lognormal_sample,
    .rsample = true,
    .logpdf = lognormal_logpdf,
    .support = lognormal_support,
    .logpdf1_grad = lognormal_logpdf1_grad,
    .log_cdf = lognormal_log_cdf,
    .quantile1 = lognormal_quantile1,
};

gen_dist *gen_lognormal(const gen_array *mu, const gen_array *sigma) {
    const gen_array *p[2] = {mu, sigma};
    if (mu && sigma && (dist_check_finite("lognormal", "mu", mu) != GEN_OK ||
                        dist_check_positive_finite("lognormal", "sigma", sigma) != GEN_OK))
        return NULL;
    return dist_new_scalar(&lognormal_family, 2, p, -1);
}
