/* inv_gamma.c — InverseGamma(shape a, scale b) on (0, inf): draws b / Gamma(a, 1) (not
 * reparameterized); logpdf a log b - lgamma(a) - (a+1) log x - b/x, whose limit at x = 0
 * is -inf (e^(-b/x) vanishes faster than any power grows). Values so small that b/x or
 * (a+1)/x overflows (subnormal x) give -inf too: the density is below e^(-1e290) or so
 * there, and the gradient would be inf - inf. */
#include <math.h>

#include "../../array/special.h"
#include "../dist_int.h"

static const char *const names[] = {"shape", "scale"};

static gen_array *inv_gamma_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *a = gen_cast(gen_broadcast_to(d->params[0], ndim, shape), d->dtype);
    return gen_cast(gen_div(d->params[1], gen_random_gamma(key, a)), d->dtype);
}

static gen_array *inv_gamma_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *a = d->params[0], *b = d->params[1];
    gen_array *ok = gen_logical_and(gen_gt(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    ok = gen_logical_and(ok, gen_isfinite(gen_div(gen_add(gen_add(a, b), dist_const(a, 1)), x)));
    gen_array *xs = dist_safe(ok, x, 1);
    gen_array *lp = gen_sub(gen_mul(a, gen_log(b)), gen_lgamma(a));
    gen_array *tail = gen_add(gen_mul(gen_add(a, dist_const(a, 1)), gen_log(xs)), gen_div(b, xs));
    return dist_mask_support(ok, gen_sub(lp, tail));
}

/* inv_gamma_logpdf in plain C with its partials (x, a, b), on the same support (x where
 * (a + b + 1) / x overflows gives -inf). */
static double inv_gamma_logpdf1_grad(const double *p, double x, double *g) {
    double a = p[0], b = p[1];
    if (!(x > 0 && x < INFINITY && isfinite((a + b + 1) / x))) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double lx = log(x), lb = log(b), bx = b / x;
    g[0] = -((a + 1) * (1 / x) - bx / x);
    g[1] = lb - sf_digamma(a) - lx;
    g[2] = a * (1 / b) - 1 / x;
    return (a * lb - sf_lgamma(a)) - ((a + 1) * lx + bx);
}

static gen_status inv_gamma_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- CDF (cdf.c): F(x) = Q(shape, scale / x) in C; 0 up to x = 0 ---- */
static double inv_gamma_log_cdf1(const double *s, double z, bool upper) {
    double lo, up;
    if (isnan(z)) return NAN;
    if (z <= 0) return upper ? 0 : -INFINITY;
    dist_log_gammainc(s[0], 1 / z, &lo, &up);
    return upper ? lo : up;
}
static gen_array *inv_gamma_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *scale = d->params[1];
    gen_array *lpdf_z = gen_add(inv_gamma_logpdf(d, x), gen_log(scale));
    const gen_array *s[1] = {d->params[0]};
    return dist_log_cdf_c(d, gen_div(x, scale), lpdf_z, 1, s, inv_gamma_log_cdf1, upper);
}

static const dist_family inv_gamma_family = {
    .name = "inv_gamma",
    .param_names = names,
    .sample = inv_gamma_sample,
    .logpdf = inv_gamma_logpdf,
    .support = inv_gamma_support,
    .logpdf1_grad = inv_gamma_logpdf1_grad,
    .log_cdf = inv_gamma_log_cdf,
};

gen_dist *gen_inv_gamma(const gen_array *shape, const gen_array *scale) {
    const gen_array *p[2] = {shape, scale};
    if (shape && scale && (dist_check_positive_finite("inv_gamma", "shape", shape) != GEN_OK ||
                           dist_check_positive_finite("inv_gamma", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&inv_gamma_family, 2, p, -1);
}
