/* cauchy.c — Cauchy(loc, scale) and HalfCauchy(scale) = |Cauchy(0, scale)|:
 * reparameterized inverse-CDF draws, logpdfs stable in the far tails (cauchy_int.h). */
#include <math.h>

#include "cauchy_int.h"

#define LOG_PI 1.14472988584940017414
#define LOG_2_OVER_PI -0.45158270528945486473 /* log(2 / pi) */
#define PI 3.14159265358979323846

static const char *const cauchy_names[] = {"loc", "scale"};
static const char *const half_names[] = {"scale"};

/* loc + scale tan(pi (u - 1/2)). */
static gen_array *cauchy_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *t = gen_tan(gen_mul(dist_const(u, PI), gen_sub(u, dist_const(u, 0.5))));
    return gen_add(d->params[0], gen_mul(d->params[1], t));
}

/* -log(pi scale) - log1p(z^2); x = +-inf (and NaN) is outside the reals: -inf with a
 * zero gradient (z = inf would give 0 * inf in d/dscale). */
static gen_array *cauchy_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_isfinite(x);
    gen_array *z = gen_div(gen_sub(dist_safe(ok, x, 0), d->params[0]), d->params[1]);
    gen_array *lp = gen_neg(gen_add(cauchy_log1p_square(z), gen_log(d->params[1])));
    return dist_mask_support(ok, gen_sub(lp, dist_const(lp, LOG_PI)));
}

/* cauchy_logpdf in plain C with its partials (x, loc, scale), as half_cauchy's below. */
static double cauchy_logpdf1_grad(const double *p, double x, double *g) {
    double loc = p[0], s = p[1], dz;
    if (!isfinite(x)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double z = (x - loc) / s, l = cauchy_log1p_square1(z, &dz);
    g[0] = -dz / s;
    g[1] = dz / s;
    g[2] = dz * z / s - 1 / s;
    return -(l + log(s)) - LOG_PI;
}

static gen_status real_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): F = atan2(1, -z) / pi and 1 - F = atan2(1, z) / pi, each exact in
 * its small tail (no 1/2 + atan(z) / pi cancellation) ---- */
static gen_array *cauchy_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    gen_array *a = gen_atan2(dist_const(z, 1), upper ? z : gen_neg(z));
    return gen_sub(gen_log(a), dist_const(a, LOG_PI));
}
/* z with F(z) = e^lp (upper: 1 - F(z) = e^lp) from the smaller of the two probabilities:
 * -1 / tan(pi F) or 1 / tan(pi (1 - F)). */
static double cauchy_std_quantile(double lp, bool upper) {
    double p = exp(lp), c = -expm1(lp), pl = upper ? c : p, pu = upper ? p : c;
    if (pl <= pu) return pl == 0 ? -INFINITY : -1 / tan(PI * pl);
    return pu == 0 ? INFINITY : 1 / tan(PI * pu);
}
static double cauchy_quantile1(const double *p, double lp, bool upper) {
    return p[0] + p[1] * cauchy_std_quantile(lp, upper);
}

static const dist_family cauchy_family = {
    .name = "cauchy",
    .param_names = cauchy_names,
    .sample = cauchy_sample,
    .rsample = true,
    .logpdf = cauchy_logpdf,
    .support = real_support,
    .logpdf1_grad = cauchy_logpdf1_grad,
    .log_cdf = cauchy_log_cdf,
    .quantile1 = cauchy_quantile1,
};

gen_dist *gen_cauchy(const gen_array *loc, const gen_array *scale) {
    const gen_array *p[2] = {loc, scale};
    if (loc && scale && (dist_check_finite("cauchy", "loc", loc) != GEN_OK ||
                         dist_check_positive_finite("cauchy", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&cauchy_family, 2, p, -1);
}

/* ---- half-Cauchy ---- */

/* scale tan(pi u / 2). */
static gen_array *half_cauchy_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    return gen_mul(d->params[0], gen_tan(gen_mul(dist_const(u, PI / 2), u)));
}

/* log(2 / pi) - log scale - log1p(z^2) on [0, inf). */
static gen_array *half_cauchy_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_logical_and(gen_ge(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *z = gen_div(dist_safe(ok, x, 0), d->params[0]);
    gen_array *lp = gen_neg(gen_add(cauchy_log1p_square(z), gen_log(d->params[0])));
    return dist_mask_support(ok, gen_add(lp, dist_const(lp, LOG_2_OVER_PI)));
}

static double half_cauchy_logpdf1_grad(const double *p, double x, double *g) {
    double s = p[0], dz;
    if (!(x >= 0 && x < INFINITY)) {
        g[0] = g[1] = 0;
        return -INFINITY;
    }
    double z = x / s, l = cauchy_log1p_square1(z, &dz);
    g[0] = -dz / s;
    g[1] = dz * z / s - 1 / s;
    return -(l + log(s)) + LOG_2_OVER_PI;
}

static gen_status positive_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): F = (2/pi) atan2(z, 1), 1 - F = (2/pi) atan2(1, z), z = x / scale >= 0 ---- */
static gen_array *half_cauchy_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *pos = gen_gt(x, dist_const(x, 0));
    gen_array *z = gen_div(dist_safe(pos, x, 1), d->params[0]), *one = dist_const(z, 1);
    gen_array *r = gen_add(gen_log(upper ? gen_atan2(one, z) : gen_atan2(z, one)), dist_const(z, LOG_2_OVER_PI));
    return gen_where(pos, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double half_cauchy_quantile1(const double *p, double lp, bool upper) {
    double q = exp(lp), c = -expm1(lp), pl = upper ? c : q, pu = upper ? q : c;
    if (pl <= pu) return p[0] * tan(0.5 * PI * pl);
    return pu == 0 ? INFINITY : p[0] / tan(0.5 * PI * pu);
}

static const dist_family half_cauchy_family = {
    .name = "half_cauchy",
    .param_names = half_names,
    .sample = half_cauchy_sample,
    .rsample = true,
    .logpdf = half_cauchy_logpdf,
    .support = positive_support,
    .logpdf1_grad = half_cauchy_logpdf1_grad,
    .log_cdf = half_cauchy_log_cdf,
    .quantile1 = half_cauchy_quantile1,
};

gen_dist *gen_half_cauchy(const gen_array *scale) {
    const gen_array *p[1] = {scale};
    if (scale && (dist_check_positive_finite("half_cauchy", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&half_cauchy_family, 1, p, -1);
}
