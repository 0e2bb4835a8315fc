/* laplace.c — Laplace(loc, scale): reparameterized inverse-CDF draws, logpdf
 * -|x - loc| / scale - log(2 scale) on the reals. */
#include <math.h>

#include "../dist_int.h"

#define LOG_2 0.69314718055994530942

#define LN2 0.69314718055994530942

static const char *const names[] = {"loc", "scale"};

/* Inverse CDF, one branch per half so neither log sees 0 (u is in (0, 1)):
 * loc + scale log(2u) for u < 1/2, loc - scale log(2 (1 - u)) otherwise. */
static gen_array *laplace_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *two = dist_const(u, 2);
    gen_array *lower = gen_lt(u, dist_const(u, 0.5));
    gen_array *e = gen_where(lower, gen_log(gen_mul(two, u)),
                             gen_neg(gen_log(gen_mul(two, gen_sub(dist_const(u, 1), u)))));
    return gen_add(d->params[0], gen_mul(d->params[1], e));
}

/* x = +-inf (and NaN) is outside the reals: -inf with a zero gradient. */
static gen_array *laplace_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_isfinite(x);
    gen_array *z = gen_div(gen_abs(gen_sub(dist_safe(ok, x, 0), d->params[0])), d->params[1]);
    gen_array *lp = gen_sub(gen_neg(z), gen_log(d->params[1]));
    return dist_mask_support(ok, gen_sub(lp, dist_const(lp, LOG_2)));
}

/* laplace_logpdf in plain C with its partials (x, loc, scale); at x = loc the partials in
 * x and loc are 0 (the sign of 0, as the array path's |.|). */
static double laplace_logpdf1_grad(const double *p, double x, double *g) {
    double loc = p[0], s = p[1];
    if (!isfinite(x)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double d = x - loc, sign = (d > 0) - (d < 0), z = fabs(d) / s;
    g[0] = -sign * (1 / s);
    g[1] = sign * (1 / s);
    g[2] = z / s - 1 / s;
    return (-z - log(s)) - LOG_2;
}

static gen_status laplace_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log F(z) = z - log 2 below 0, log1p(-e^-z / 2) above; the upper
 * tail is the same at -z ---- */
static gen_array *laplace_std_log_cdf(const gen_array *z) {
    gen_array *neg = gen_lt(z, dist_const(z, 0));
    gen_array *zn = dist_safe(neg, z, -1), *zp = dist_safe(gen_logical_not(neg), z, 1);
    gen_array *above = gen_log1p(gen_mul(dist_const(zp, -0.5), gen_exp(gen_neg(zp))));
    return gen_where(neg, gen_sub(zn, dist_const(zn, LN2)), above);
}
static gen_array *laplace_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    return laplace_std_log_cdf(upper ? gen_neg(z) : z);
}
static double laplace_std_quantile(double lp) {
    return lp < -LN2 ? lp + LN2 : -(LN2 + dist_log1mexp1(lp));
}
static double laplace_quantile1(const double *p, double lp, bool upper) {
    double z = laplace_std_quantile(lp);
    return p[0] + p[1] * (upper ? -z : z);
}

static const dist_family laplace_family = {
    .name = "laplace",
    .param_names = names,
    .sample = laplace_sample,
    .rsample = true,
    .logpdf = laplace_logpdf,
    .support = laplace_support,
    .logpdf1_grad = laplace_logpdf1_grad,
    .log_cdf = laplace_log_cdf,
    .quantile1 = laplace_quantile1,
};

gen_dist *gen_laplace(const gen_array *loc, const gen_array *scale) {
    const gen_array *p[2] = {loc, scale};
    if (loc && scale && (dist_check_finite("laplace", "loc", loc) != GEN_OK ||
                         dist_check_positive_finite("laplace", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&laplace_family, 2, p, -1);
}
