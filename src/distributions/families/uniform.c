/* uniform.c — Uniform(lo, hi) on [lo, hi]: reparameterized draws lo + (hi - lo) u, a
 * constant density inside the interval, interval support with the parameters as bounds. */
#include <math.h>

#include "../dist_int.h"

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

/* uniform_logpdf in plain C with its partials (x, lo, hi): on [lo, hi] the density does
 * not depend on x, and d/dlo = -d/dhi = 1 / (hi - lo) (the width's effect only; moving a
 * bound across x is the support's edge, where the array path has no gradient either). */
static double uniform_logpdf1_grad(const double *p, double x, double *g) {
    double lo = p[0], hi = p[1];
    g[0] = 0;
    if (!(x >= lo && x <= hi)) {
        g[1] = g[2] = 0;
        return -INFINITY;
    }
    double w = hi - lo;
    g[1] = 1 / w;
    g[2] = -(1 / w);
    return x * 0 - log(w);
}

static gen_status uniform_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = d->params[0];
    out->hi = d->params[1];
    return GEN_OK;
}

/* ---- CDF (cdf.c): log((x - lo) / (hi - lo)), log((hi - x) / (hi - lo)) inside ---- */
static gen_array *uniform_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    const gen_array *lo = d->params[0], *hi = d->params[1];
    gen_array *in = gen_logical_and(gen_gt(x, lo), gen_lt(x, hi));
    gen_array *mid = gen_mul(gen_add(lo, hi), dist_const(x, 0.5)), *xs = gen_where(in, x, mid);
    gen_array *r = gen_log(gen_div(upper ? gen_sub(hi, xs) : gen_sub(xs, lo), gen_sub(hi, lo)));
    gen_array *below = gen_le(x, lo);
    gen_array *out = gen_where(below, dist_const(r, upper ? 0 : -INFINITY), dist_const(r, upper ? -INFINITY : 0));
    return gen_where(in, r, out);
}
static double uniform_quantile1(const double *p, double lp, bool upper) {
    return upper ? p[1] - exp(lp) * (p[1] - p[0]) : p[0] + exp(lp) * (p[1] - p[0]);
}

static const dist_family uniform_family = {
    .name = "uniform",
    .param_names = names,
    .sample = uniform_sample,
    .rsample = true,
    .logpdf = uniform_logpdf,
    .support = uniform_support,
    .logpdf1_grad = uniform_logpdf1_grad,
    .log_cdf = uniform_log_cdf,
    .quantile1 = uniform_quantile1,
};

gen_dist *gen_uniform(const gen_array *lo, const gen_array *hi) {
    const gen_array *p[2] = {lo, hi};
    if (lo && hi && (dist_check_finite("uniform", "lo", lo) != GEN_OK ||
                     dist_check_finite("uniform", "hi", hi) != GEN_OK ||
                     dist_check_less("uniform", "lo", lo, "hi", hi) != GEN_OK))
        return NULL;
    return dist_new_scalar(&uniform_family, 2, p, -1);
}
