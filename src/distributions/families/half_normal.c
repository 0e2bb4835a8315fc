/* half_normal.c — HalfNormal(sigma) = |Normal(0, sigma)| on [0, inf): reparameterized
 * draws sigma |z|; logpdf log(2) - log(2 pi)/2 - log sigma - (x/sigma)^2 / 2. */
#include <math.h>

#include "../dist_int.h"
#include "../../array/special.h"

#define HALF_LOG_2_OVER_PI -0.22579135264472743236 /* log(2 / pi) / 2 */

#define LN2 0.69314718055994530942
#define SQRT2 1.41421356237309504880
#define SQRT1_2 0.70710678118654752440

static const char *const names[] = {"sigma"};

static gen_array *half_normal_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    return gen_mul(d->params[0], gen_abs(z));
}

static gen_array *half_normal_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_logical_and(gen_ge(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *z = gen_div(dist_safe(ok, x, 0), d->params[0]);
    gen_array *lp = gen_sub(gen_mul(dist_const(z, -0.5), gen_square(z)), gen_log(d->params[0]));
    return dist_mask_support(ok, gen_add(lp, dist_const(lp, HALF_LOG_2_OVER_PI)));
}

/* half_normal_logpdf in plain C with its partials (x, sigma): d/dx = -z / sigma,
 * d/dsigma = (z^2 - 1) / sigma on [0, inf). */
static double half_normal_logpdf1_grad(const double *p, double x, double *g) {
    double s = p[0];
    if (!(x >= 0 && x < INFINITY)) {
        g[0] = g[1] = 0;
        return -INFINITY;
    }
    double z = x / s;
    g[0] = -z * (1 / s);
    g[1] = z * z / s - 1 / s;
    return (-0.5 * (z * z) - log(s)) + HALF_LOG_2_OVER_PI;
}

static gen_status half_normal_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): 1 - F = 2 Phi(-z), z = x / sigma; F = erf(z / sqrt 2) below z = 1
 * (exact near 0), log1mexp of the upper tail above ---- */
static gen_array *half_normal_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *pos = gen_gt(x, dist_const(x, 0));
    gen_array *z = gen_div(dist_safe(pos, x, 1), d->params[0]), *r;
    if (upper) {
        r = gen_add(gen_log_ndtr(gen_neg(z)), dist_const(z, LN2));
    } else {
        gen_array *small = gen_lt(z, dist_const(z, 1));
        gen_array *zs = dist_safe(small, z, 0.5), *zb = dist_safe(gen_logical_not(small), z, 2);
        gen_array *near = gen_log(gen_erf(gen_mul(zs, dist_const(zs, SQRT1_2))));
        r = gen_where(small, near, dist_log1mexp(gen_add(gen_log_ndtr(gen_neg(zb)), dist_const(zb, LN2))));
    }
    return gen_where(pos, r, dist_const(r, upper ? 0 : -INFINITY));
}
static double half_normal_quantile1(const double *p, double lp, bool upper) {
    double pl = upper ? -expm1(lp) : exp(lp), lpu = upper ? lp : dist_log1mexp1(lp);
    if (pl <= 0.5) return p[0] * SQRT2 * sf_erfinv(pl);
    return -p[0] * dist_ndtri_exp(lpu - LN2);
}

static const dist_family half_normal_family = {
    .name = "half_normal",
    .param_names = names,
    .sample = half_normal_sample,
    .rsample = true,
    .logpdf = half_normal_logpdf,
    .support = half_normal_support,
    .logpdf1_grad = half_normal_logpdf1_grad,
    .log_cdf = half_normal_log_cdf,
    .quantile1 = half_normal_quantile1,
};

gen_dist *gen_half_normal(const gen_array *sigma) {
    const gen_array *p[1] = {sigma};
    if (sigma && (dist_check_positive_finite("half_normal", "sigma", sigma) != GEN_OK))
        return NULL;
    return dist_new_scalar(&half_normal_family, 1, p, -1);
}
