/* half_normal.c — HalfNormal(sigma) = |Normal(0, sigma)| on [0, inf): reparameterized
 * draws sigma |z|; logpdf log(2) - log(2 pi)/2 - log sigma - (x/sigma)^2 / 2. */
#include <math.h>

#include "../dist_int.h"

#define HALF_LOG_2_OVER_PI -0.22579135264472743236 /* log(2 / pi) / 2 */

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

static const dist_family half_normal_family = {
    .name = "half_normal",
    .param_names = names,
    .sample = half_normal_sample,
    .rsample = true,
    .logpdf = half_normal_logpdf,
    .support = half_normal_support,
    .logpdf1_grad = half_normal_logpdf1_grad,
};

gen_dist *gen_half_normal(const gen_array *sigma) {
    const gen_array *p[1] = {sigma};
    if (sigma && (dist_check_positive_finite("half_normal", "sigma", sigma) != GEN_OK))
        return NULL;
    return dist_new_scalar(&half_normal_family, 1, p, -1);
}
