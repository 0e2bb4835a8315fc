/* uniform.c — Uniform(lo, hi) on [lo, hi]: reparameterized draws lo + (hi - lo) u, a
 * constant density inside the interval, interval support with the parameters as bounds. */
#include <math.h>

#include "dist_int.h"

static const char *const names[] = {"lo", "hi"};

static gen_array *uniform_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *lo = d->params[0];
    return gen_add(lo, gen_mul(gen_sub(d->params[1], lo), u));
}

/* -log(hi - lo) on [lo, hi]. x enters through 0 * x so the result has x's broadcast
 * shape and dtype promotion, with a (zero) gradient in x. */
static gen_array *uniform_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *lo = d->params[0], *hi = d->params[1];
    gen_array *ok = gen_logical_and(gen_ge(x, lo), gen_le(x, hi));
    gen_array *xs = gen_where(ok, x, lo);
    gen_array *lp = gen_sub(gen_mul(xs, dist_const(xs, 0)), gen_log(gen_sub(hi, lo)));
    return dist_mask_support(ok, lp);
}

static gen_status uniform_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = d->params[0];
    out->hi = d->params[1];
    return GEN_OK;
}

static const dist_family uniform_family = {
    .name = "uniform",
    .param_names = names,
    .sample = uniform_sample,
    .rsample = true,
    .logpdf = uniform_logpdf,
    .support = uniform_support,
};

gen_dist *gen_uniform(const gen_array *lo, const gen_array *hi) {
    const gen_array *p[2] = {lo, hi};
    if (lo && hi && (dist_check_finite("uniform", "lo", lo) != GEN_OK ||
                     dist_check_finite("uniform", "hi", hi) != GEN_OK ||
                     dist_check_less("uniform", "lo", lo, "hi", hi) != GEN_OK))
        return NULL;
    return dist_new_scalar(&uniform_family, 2, p, -1);
}
