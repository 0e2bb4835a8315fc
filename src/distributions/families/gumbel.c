/* gumbel.c — Gumbel(loc, scale) (maximum): reparameterized draws loc - scale log(-log u);
 * logpdf -(z + e^(-z)) - log scale, -inf where e^(-z) overflows (the true value is below
 * -DBL_MAX there) so the far left tail and x = -inf never produce inf - inf. */
#include <math.h>

#include "../dist_int.h"

static const char *const names[] = {"loc", "scale"};

static gen_array *gumbel_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *g = gen_neg(gen_log(gen_neg(gen_log(u))));
    return gen_add(d->params[0], gen_mul(d->params[1], g));
}

/* x = +-inf (and NaN) is outside the reals: -inf with a zero gradient. */
static gen_array *gumbel_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *fin = gen_isfinite(x);
    gen_array *z = gen_div(gen_sub(dist_safe(fin, x, 0), d->params[0]), d->params[1]);
    gen_array *ok = gen_logical_and(fin, gen_isfinite(gen_exp(gen_neg(z))));
    gen_array *zs = dist_safe(ok, z, 0);
    gen_array *lp = gen_add(zs, gen_exp(gen_neg(zs)));
    return dist_mask_support(ok, gen_neg(gen_add(lp, gen_log(d->params[1]))));
}

static gen_status gumbel_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log F = -e^-z, log(1 - F) = log1mexp of it ---- */
static gen_array *gumbel_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    gen_array *lf = gen_neg(gen_exp(gen_neg(z)));
    return upper ? dist_log1mexp(lf) : lf;
}
static double gumbel_quantile1(const double *p, double lp, bool upper) {
    return p[0] - p[1] * log(-(upper ? dist_log1mexp1(lp) : lp));
}

static const dist_family gumbel_family = {
    .name = "gumbel",
    .param_names = names,
    .sample = gumbel_sample,
    .rsample = true,
    .logpdf = gumbel_logpdf,
    .support = gumbel_support,
    .log_cdf = gumbel_log_cdf,
    .quantile1 = gumbel_quantile1,
};

gen_dist *gen_gumbel(const gen_array *loc, const gen_array *scale) {
    const gen_array *p[2] = {loc, scale};
    if (loc && scale && (dist_check_finite("gumbel", "loc", loc) != GEN_OK ||
                         dist_check_positive_finite("gumbel", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&gumbel_family, 2, p, -1);
}
