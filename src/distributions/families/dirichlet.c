/* dirichlet.c — Dirichlet(alpha [..., K]) on the simplex: density in log space, -inf off
 * the simplex, and draws as normalized gamma variates formed in log space (so tiny alpha,
 * whose gamma draws underflow to 0, never gives 0/0). Not reparameterized. */
#include <math.h>

#include "gamma_int.h"

static const char *const names[] = {"alpha"};

/* Gamma(a) = Gamma(a + 1) U^(1/a): log g = log Gamma(a + 1) + log(U) / a stays finite
 * for any a > 0; the simplex point is softmax(log g). */
/* Whether every concentration is >= 1: then gamma draws never underflow in practice
 * and plain normalization is exact enough (and twice as fast as the log-space path).
 * On a device: decided there, one value read back. */
static gen_array *at_least_one(const gen_array *a, const gen_array *unused) {
    (void)unused;
    return gen_ge(a, gen_scalar(1));
}
static bool all_at_least_one(const gen_array *a) {
    if (!arr_on_host(a)) return dist_device_all(at_least_one, a, NULL);
    for (int64_t i = 0; i < a->size; i++)
        if (!(arr_get_f64(a, i) >= 1)) return false;
    return true;
}

static gen_array *dirichlet_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_key k[2];
    if (gen_key_split(key, 2, k) != GEN_OK) return NULL;
    gen_array *a = gen_broadcast_to(gen_cast(d->params[0], d->dtype), ndim, shape);
    if (all_at_least_one(d->params[0])) {
        gen_array *g = gen_random_gamma(k[0], a);
        return gen_div(g, gen_sum(g, GEN_AXES(-1), true));
    }
    /* Small concentrations: Gamma(a) = Gamma(a + 1) U^(1/a), normalized in log space. */
    gen_array *g = gen_random_gamma(k[0], gen_add(a, dist_const(a, 1)));
    gen_array *u = gen_random_uniform(k[1], d->dtype, ndim, shape);
    gen_array *lg = gen_add(gen_log(g), gen_div(gen_log(u), a));
    return gen_exp(gen_sub(lg, gen_logsumexp(lg, GEN_AXES(-1), true)));
}

/* lgamma(sum a) - sum lgamma(a) + sum (a - 1) log x on the simplex (entries >= 0 summing
 * to 1 within 1e-10 K; 1e-5 K when everything is f32). An entry 0 with a = 1 contributes
 * 0 (not 0 * -inf). */
/* Whether every row of x (last axis) is on the simplex within tol: then nothing needs
 * masking (a scan of the values, choosing the code path only). */
static bool all_on_simplex(const gen_array *x, int64_t k, double tol) {
    if (!arr_on_host(x)) return false; /* not known without a copy: the general path */
    int64_t rows = k ? x->size / k : 0;
    for (int64_t r = 0; r < rows; r++) {
        double sum = 0;
        for (int64_t j = 0; j < k; j++) {
            double v = arr_get_f64(x, r * k + j);
            if (!(v >= 0)) return false;
            sum += v;
        }
        if (!(fabs(sum - 1) <= tol)) return false;
    }
    return true;
}

static gen_array *dirichlet_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *a = d->params[0];
    int64_t k = d->event_shape[0];
    bool f32 = d->dtype == GEN_F32 && x->dtype == GEN_F32;
    gen_array *xf = gen_cast(x, arr_float_type((gen_dtype)x->dtype));
    gen_array *norm = gen_sub(gen_lgamma(gen_sum(a, GEN_AXES(-1), false)),
                              gen_sum(gen_lgamma(a), GEN_AXES(-1), false));
    if (xf && all_on_simplex(xf, k, (f32 ? 1e-5 : 1e-10) * (double)k)) {
        gen_array *one = dist_const(xf, 1); /* gamma_xlogy: an entry 0 with a = 1 gives 0 */
        return gen_add(norm, gen_sum(gamma_xlogy(gen_sub(a, one), xf), GEN_AXES(-1), false));
    }
    gen_array *nonneg = gen_all(gen_ge(xf, dist_const(xf, 0)), GEN_AXES(-1), true);
    gen_array *err = gen_abs(gen_sub(gen_sum(xf, GEN_AXES(-1), true), dist_const(xf, 1)));
    gen_array *ok = gen_logical_and(nonneg, gen_le(err, dist_const(xf, (f32 ? 1e-5 : 1e-10) * (double)k)));
    gen_array *xs = dist_safe(ok, xf, 1.0 / (double)k);
    gen_array *one = dist_const(xs, 1);
    xs = gen_where(gen_logical_and(gen_eq(xs, dist_const(xs, 0)), gen_eq(a, one)), one, xs);
    gen_array *terms = gen_sum(gen_mul(gen_sub(a, one), gen_log(xs)), GEN_AXES(-1), false);
    return dist_mask_support(gen_squeeze(ok, GEN_AXES(-1)), gen_add(norm, terms));
}

static gen_status dirichlet_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_SIMPLEX;
    return GEN_OK;
}

static const dist_family dirichlet_family = {
    .name = "dirichlet",
    .param_names = names,
    .sample = dirichlet_sample,
    .logpdf = dirichlet_logpdf,
    .support = dirichlet_support,
};

gen_dist *gen_dirichlet(const gen_array *alpha) {
    if (dist_check_rank("dirichlet", "alpha", alpha, 1, false) != GEN_OK) return NULL;
    int64_t k = alpha->shape[alpha->ndim - 1];
    if (k < 1) {
        GEN_FAIL(GEN_ERR_SHAPE, "dirichlet: alpha must have at least 1 entry along its last axis, got 0");
        return NULL;
    }
    if (dist_check_positive_finite("dirichlet", "alpha", alpha) != GEN_OK)
        return NULL;
    gen_dtype t = alpha->dtype == GEN_F32 ? GEN_F32 : GEN_F64;
    return dist_new(&dirichlet_family, t, 1, (gen_array *const *)&alpha, alpha->ndim - 1, alpha->shape, 1, &k);
}
