/* logistic.c — Logistic(loc, scale): reparameterized draws loc + scale logit(u); logpdf
 * -|z| - 2 softplus(-|z|) - log scale (symmetric form: no overflow in either tail). */
#include <math.h>

#include "../../array/special.h"
#include "../dist_int.h"

static const char *const names[] = {"loc", "scale"};

static gen_array *logistic_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *logit = gen_sub(gen_log(u), gen_log1p(gen_neg(u)));
    return gen_add(d->params[0], gen_mul(d->params[1], logit));
}

/* x = +-inf (and NaN) is outside the reals: -inf with a zero gradient. */
static gen_array *logistic_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_isfinite(x);
    gen_array *a = gen_abs(gen_div(gen_sub(dist_safe(ok, x, 0), d->params[0]), d->params[1]));
    gen_array *lp = gen_add(a, gen_mul(dist_const(a, 2), gen_softplus(gen_neg(a))));
    return dist_mask_support(ok, gen_neg(gen_add(lp, gen_log(d->params[1]))));
}

/* logistic_logpdf in plain C with its partials (x, loc, scale): d/d|z| of the bracket is
 * 1 - 2 sigmoid(-|z|); at z = 0 the partials in x and loc are 0 (the sign of 0). */
static double logistic_logpdf1_grad(const double *p, double x, double *g) {
    double loc = p[0], s = p[1];
    if (!isfinite(x)) {
        g[0] = g[1] = g[2] = 0;
        return -INFINITY;
    }
    double z = (x - loc) / s, a = fabs(z), sign = (z > 0) - (z < 0);
    double da = 1 - 2 * sf_sigmoid(-a), dz = -da * sign; /* d lp / dz */
    g[0] = dz * (1 / s);
    g[1] = -(dz * (1 / s));
    g[2] = dz * -(z / s) - 1 / s;
    return -((a + 2 * sf_softplus(-a)) + log(s));
}

static gen_status logistic_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log_sigmoid(z), log_sigmoid(-z); the quantile is the logit
 * log F - log(1 - F), both logs exact ---- */
static gen_array *logistic_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    return gen_log_sigmoid(upper ? gen_neg(z) : z);
}
static double logistic_quantile1(const double *p, double lp, bool upper) {
    double lo = upper ? dist_log1mexp1(lp) : lp, up = upper ? lp : dist_log1mexp1(lp);
    return p[0] + p[1] * (lo - up);
}

static const dist_family logistic_family = {
    .name = "logistic",
    .param_names = names,
    .sample = logistic_sample,
    .rsample = true,
    .logpdf = logistic_logpdf,
    .support = logistic_support,
    .logpdf1_grad = logistic_logpdf1_grad,
    .log_cdf = logistic_log_cdf,
    .quantile1 = logistic_quantile1,
};

gen_dist *gen_logistic(const gen_array *loc, const gen_array *scale) {
    const gen_array *p[2] = {loc, scale};
    if (loc && scale && (dist_check_finite("logistic", "loc", loc) != GEN_OK ||
                         dist_check_positive_finite("logistic", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&logistic_family, 2, p, -1);
}
