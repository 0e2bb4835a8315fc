/* gamma.c — Gamma(shape k, scale theta) and ChiSquared(df) = Gamma(df/2, 2) on (0, inf):
 * draws from the random layer's gamma sampler (not reparameterized); logpdf
 * (k-1) log x - x/theta - lgamma(k) - k log theta, whose value at x = 0 is the density's
 * limit (+inf for k < 1, -log theta for k = 1, -inf for k > 1). */
#include <float.h>
#include <math.h>

#include "../../array/special.h"
#include "gamma_int.h"

#define LOG_2 0.69314718055994530942

static const char *const gamma_names[] = {"shape", "scale"};
static const char *const chi2_names[] = {"df"};

/* Gamma(k, 1) draws of the full shape, in the distribution's dtype. */
static gen_array *standard_gamma(const gen_dist *d, gen_key key, const gen_array *k, int ndim,
                                 const int64_t *shape) {
    return gen_random_gamma(key, gen_cast(gen_broadcast_to(k, ndim, shape), d->dtype));
}

/* The log density at x for shape k, scale theta and log theta (chi2 passes a constant). */
static gen_array *gamma_lp(const gen_array *x, const gen_array *k, const gen_array *theta,
                           const gen_array *log_theta) {
    bool clean = dist_all_between(x, 0, DBL_MAX); /* nothing to mask */
    gen_array *ok = clean ? NULL : gen_logical_and(gen_ge(x, gen_scalar(0)), gen_lt(x, gen_scalar(INFINITY)));
    gen_array *xs = clean ? (gen_array *)x : dist_safe(ok, x, 1);
    gen_array *lp = gen_sub(gamma_xlogy(gen_sub(k, dist_const(k, 1)), xs), gen_div(xs, theta));
    lp = gen_sub(lp, gen_add(gen_lgamma(k), gen_mul(k, log_theta)));
    return clean ? lp : dist_mask_support(ok, lp);
}

/* gamma_lp in plain C with its partials g = d/d(x, k, theta), in the same order of
 * operations. At x = 0 the value and partials are the array path's limits: 0 log 0 = 0
 * when k = 1 (no gradient through log x), else +-inf values with infinite partials in x
 * and k. */
static double gamma_lp1(double x, double k, double theta, double log_theta, double *g) {
    if (!(x >= 0 && x < INFINITY)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double a = k - 1;
    double lx = a == 0 && x == 0 ? 0 : log(x), dx = a == 0 && x == 0 ? 0 : a * (1 / x);
    g[0] = dx - 1 / theta;
    g[1] = lx - (sf_digamma(k) + log_theta);
    g[2] = x / theta / theta - k * (1 / theta);
    return (a * lx - x / theta) - (sf_lgamma(k) + k * log_theta);
}

static gen_status positive_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

/* ---- gamma ---- */

static gen_array *gamma_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *g = standard_gamma(d, key, d->params[0], ndim, shape);
    return gen_cast(gen_mul(g, d->params[1]), d->dtype);
}

static gen_array *gamma_logpdf(const gen_dist *d, const gen_array *x) {
    return gamma_lp(x, d->params[0], d->params[1], gen_log(d->params[1]));
}

static double gamma_logpdf1_grad(const double *p, double x, double *g) {
    return gamma_lp1(x, p[0], p[1], log(p[1]), g);
}

/* ---- CDF (cdf.c): P(shape, x / scale) in C (dist_log_gammainc); no quantile ---- */
static double gamma_log_cdf1(const double *s, double z, bool upper) {
    double lo, up;
    dist_log_gammainc(s[0], z, &lo, &up);
    return upper ? up : lo;
}
static gen_array *gamma_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *scale = d->params[1];
    gen_array *lpdf_z = gen_add(gamma_logpdf(d, x), gen_log(scale));
    const gen_array *s[1] = {d->params[0]};
    return dist_log_cdf_c(d, gen_div(x, scale), lpdf_z, 1, s, gamma_log_cdf1, upper);
}

static const dist_family gamma_family = {
    .name = "gamma",
    .param_names = gamma_names,
    .sample = gamma_sample,
    .logpdf = gamma_logpdf,
    .support = positive_support,
    .logpdf1_grad = gamma_logpdf1_grad,
    .log_cdf = gamma_log_cdf,
};

gen_dist *gen_gamma(const gen_array *shape, const gen_array *scale) {
    const gen_array *p[2] = {shape, scale};
    if (shape && scale && (dist_check_positive_finite("gamma", "shape", shape) != GEN_OK ||
                           dist_check_positive_finite("gamma", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&gamma_family, 2, p, -1);
}

/* ---- chi-squared ---- */

static gen_array *chi2_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *k = gen_mul(d->params[0], dist_const(d->params[0], 0.5));
    gen_array *g = standard_gamma(d, key, k, ndim, shape);
    return gen_cast(gen_mul(g, dist_const(g, 2)), d->dtype);
}

static gen_array *chi2_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *k = gen_mul(d->params[0], dist_const(d->params[0], 0.5));
    return gamma_lp(x, k, dist_const(k, 2), dist_const(k, LOG_2));
}

/* Gamma(df/2, 2): the partial in df is half the one in the shape. */
static double chi2_logpdf1_grad(const double *p, double x, double *g) {
    double gk[3];
    double lp = gamma_lp1(x, p[0] * 0.5, 2, LOG_2, gk);
    g[0] = gk[0];
    g[1] = gk[1] * 0.5;
    return lp;
}

/* ---- CDF (cdf.c): P(df / 2, x / 2) in C ---- */
static double chi2_log_cdf1(const double *s, double x, bool upper) {
    double lo, up;
    dist_log_gammainc(0.5 * s[0], 0.5 * x, &lo, &up);
    return upper ? up : lo;
}
static gen_array *chi2_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    const gen_array *s[1] = {d->params[0]};
    return dist_log_cdf_c(d, x, chi2_logpdf(d, x), 1, s, chi2_log_cdf1, upper);
}

static const dist_family chi2_family = {
    .name = "chi2",
    .param_names = chi2_names,
    .sample = chi2_sample,
    .logpdf = chi2_logpdf,
    .support = positive_support,
    .logpdf1_grad = chi2_logpdf1_grad,
    .log_cdf = chi2_log_cdf,
};

gen_dist *gen_chi2(const gen_array *df) {
    const gen_array *p[1] = {df};
    if (df && (dist_check_positive_finite("chi2", "df", df) != GEN_OK))
        return NULL;
    return dist_new_scalar(&chi2_family, 1, p, -1);
}
