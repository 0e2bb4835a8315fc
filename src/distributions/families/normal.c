/* normal.c — Normal(mu, sigma): the reference family (reparameterized sampling, closed
 * form logpdf, real support). Other families follow the same shape. */
#include <math.h>

#include "../dist_int.h"
#include "../../array/autodiff_int.h"
#include "../../random/random_int.h"

#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

static const char *const names[] = {"mu", "sigma"};

/* mu + sigma z, z standard normal: differentiable in mu and sigma. */
static gen_array *normal_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    return gen_add(d->params[0], gen_mul(d->params[1], z));
}

/* The NORMAL_LOGPDF row (ops_fused.def: the same arithmetic in one C pass, identical
 * results) when everything is f64 and either nothing is differentiated and each of x,
 * mu, sigma is a single value or of the result's full shape (the batched-mode case: [N]
 * choices against scalar parameters), or one reverse-mode transform records
 * (ad_single_reverse) a 0-d value with 0-d parameters: one tape node whose gradient
 * rule computes in C. False: not this case (the array formulas apply). */
static bool fused_case(const gen_dist *d, const gen_array *x) {
    const gen_array *mu = d->params[0], *sg = d->params[1];
    if (x->dtype != GEN_F64 || mu->dtype != GEN_F64 || sg->dtype != GEN_F64) return false;
    if (ad_differentiating())
        return d->batch_ndim == 0 && x->ndim == 0 && mu->ndim == 0 && sg->ndim == 0 && ad_single_reverse();
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    if (arr_broadcast_shapes("normal", x->ndim, x->shape, d->batch_ndim, d->batch_shape, &nd, shape) != GEN_OK)
        return false; /* not reached: gen_dist_logpdf checked the shapes */
    int64_t n = arr_shape_size(nd, shape);
    return (x->size == 1 || x->size == n) && (mu->size == 1 || mu->size == n) && (sg->size == 1 || sg->size == n) &&
           n >= 2;
}

/* -((x - mu)/sigma)^2 / 2 - log sigma - log(2 pi)/2; exact at huge |x| (no overflow of
 * the square before the division: z is formed first). */
static gen_array *normal_logpdf(const gen_dist *d, const gen_array *x) {
    if (fused_case(d, x)) {
        gen_array *in[3] = {(gen_array *)x, d->params[0], d->params[1]};
        return op_apply_physical(OP_NORMAL_LOGPDF, 3, in, NULL);
    }
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    gen_array *lp = gen_sub(gen_mul(dist_const(z, -0.5), gen_square(z)), gen_log(d->params[1]));
    return gen_sub(lp, dist_const(lp, HALF_LOG_2PI));
}

/* The scalar kernels: the operations of normal_sample / normal_logpdf in the same order,
 * so results are identical. z is element 0 of gen_random_normal(key, f64, []). */
static double normal_sample1(const double *p, gen_key key) {
    double z = rnd_normal_from_word(rnd_block(key, 0, RND_TAG_DRAW).v[0], rnd_ziggurat_key(key), 0);
    return p[0] + p[1] * z;
}

static double normal_logpdf1(const double *p, double x) {
    double z = (x - p[0]) / p[1];
    return (-0.5 * (z * z) - log(p[1])) - HALF_LOG_2PI;
}

static gen_status normal_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): log Phi(z), or log Phi(-z) for the upper tail ---- */
static gen_array *normal_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    return gen_log_ndtr(upper ? gen_neg(z) : z);
}
static double normal_quantile1(const double *p, double lp, bool upper) {
    double z = dist_ndtri_exp(lp);
    return p[0] + p[1] * (upper ? -z : z);
}

static const dist_family normal_family = {
    .name = "normal",
    .param_names = names,
    .sample = normal_sample,
    .rsample = true,
    .logpdf = normal_logpdf,
    .support = normal_support,
    .logpdf1 = normal_logpdf1,
    .sample1 = normal_sample1,
    .log_cdf = normal_log_cdf,
    .quantile1 = normal_quantile1,
};

/* A single f64 value (the scalar case of the checks below, done inline). */
static bool f64_scalar(const gen_array *a, double *v) {
    if (a->ndim != 0 || a->dtype != GEN_F64 || !arr_on_host(a) || ad_captured(a)) return false; /* captured: checked */
    *v = *(const double *)a->data;
    return true;
}

gen_dist *gen_normal(const gen_array *mu, const gen_array *sigma) {
    const gen_array *p[2] = {mu, sigma};
    double m, s;
    if (mu && sigma && f64_scalar(mu, &m) && f64_scalar(sigma, &s) && isfinite(m) && s > 0 && s < INFINITY)
        return dist_new_scalar(&normal_family, 2, p, -1); /* checks pass: skip them */
    if (mu && sigma && (dist_check_finite("normal", "mu", mu) != GEN_OK ||
                        dist_check_positive_finite("normal", "sigma", sigma) != GEN_OK))
        return NULL;
    return dist_new_scalar(&normal_family, 2, p, -1);
}
