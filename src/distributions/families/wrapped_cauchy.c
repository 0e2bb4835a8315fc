/* wrapped_cauchy.c — WrappedCauchy(mu, gamma) on the circle [-pi, pi): a Cauchy(mu,
 * gamma) angle wrapped onto the circle. Closed-form inverse CDF (reparameterized) and a
 * logpdf that stays exact for tiny and huge gamma. */
#include <math.h>

#include "circular.h"

static const char *const names[] = {"mu", "gamma"};

/* theta = 2 atan(tanh(gamma/2) tan(pi (u - 1/2))) is wrapped Cauchy centred at 0 (the
 * Moebius image of a uniform angle); then x = mu + theta wrapped into [-pi, pi). The
 * wrap (a mod) has derivative 1, so the draw is differentiable in mu and gamma. */
static gen_array *wrapped_cauchy_sample(const gen_dist *d, gen_key key, int ndim,
                                        const int64_t *shape) {
    const gen_array *mu = d->params[0], *g = d->params[1];
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *u = gen_random_uniform(key, d->dtype, ndim, shape);
    gen_array *t = gen_tan(gen_mul(gen_sub(u, dist_const(u, 0.5)), dist_const(u, CIRC_PI)));
    gen_array *th = gen_atan2(gen_mul(gen_tanh(gen_mul(g, dist_const(g, 0.5))), t), dist_const(t, 1.0));
    gen_array *x = gen_add(mu, gen_mul(th, dist_const(th, 2.0)));
    gen_array *y = gen_sub(gen_mod(gen_add(x, dist_const(x, CIRC_PI)), dist_const(x, CIRC_2PI)),
                           dist_const(x, CIRC_PI));
    /* rounding may land on pi itself: that angle is -pi */
    gen_array *hi = gen_ge(y, dist_const(y, CIRC_PI));
    return arr_scope_return(gen_where(hi, gen_sub(y, dist_const(y, CIRC_2PI)), y));
}

/* log sinh(h) = h - log 2 + log(1 - e^-2h), exact for tiny h and without overflow. */
static gen_array *log_sinh(const gen_array *h) {
    gen_array *e = gen_neg(gen_expm1(gen_mul(h, dist_const(h, -2.0))));
    return gen_add(gen_sub(h, dist_const(h, 0.69314718055994530942)), gen_log(e));
}

/* log sinh(g) - log(cosh g - cos d) with cosh g - cos d = 2 (A^2 + B^2),
 * A = sinh(g/2), B = sin(d/2) (no cancellation for small g or d). The larger of A, |B|
 * is factored out, so nothing overflows and large g loses nothing:
 *   A >= |B|: sinh g / (2 A^2) = coth(g/2): log1p(2 / expm1(g)) - log1p((B/A)^2);
 *   A <  |B| (then g/2 < 0.9): log sinh g - log 2 B^2 - log1p((A/B)^2).
 * Each branch is computed at substituted values where unselected (finite, and no
 * NaN gradients); g/2 is capped at 300 in the first, where coth is 1 to 1e-260. */
static gen_array *log_ratio(const gen_array *g, const gen_array *dx) {
    gen_array *h = gen_mul(g, dist_const(g, 0.5));
    gen_array *b = gen_sin(gen_mul(dx, dist_const(dx, 0.5)));
    gen_array *lsa = log_sinh(h);
    gen_array *a_ge = gen_ge(lsa, gen_log(gen_abs(gen_stop_gradient(b))));
    gen_array *hc = gen_minimum(h, dist_const(h, 300.0));
    gen_array *coth = gen_log1p(gen_div(dist_const(hc, 2.0), gen_expm1(gen_mul(hc, dist_const(hc, 2.0)))));
    gen_array *r1 = gen_mul(gen_where(a_ge, b, dist_const(b, 0.0)), gen_exp(gen_neg(lsa)));
    gen_array *v1 = gen_sub(coth, gen_log1p(gen_square(r1)));
    gen_array *hs = gen_minimum(h, dist_const(h, 1.0));
    gen_array *a2 = gen_mul(gen_sub(gen_expm1(hs), gen_expm1(gen_neg(hs))), dist_const(hs, 0.5));
    gen_array *b2 = gen_where(a_ge, dist_const(b, 1.0), b);
    gen_array *v2 = gen_sub(log_sinh(gen_mul(hs, dist_const(hs, 2.0))),
                            gen_log(gen_mul(dist_const(b2, 2.0), gen_square(b2))));
    v2 = gen_sub(v2, gen_log1p(gen_square(gen_div(a2, b2))));
    return gen_where(a_ge, v1, v2);
}

/* The density sinh(g) / (2 pi (cosh g - cos d)): log_ratio - log(2 pi). */
static gen_array *wrapped_cauchy_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *mu = d->params[0], *g = d->params[1];
    gen_array *ok = circ_in_support(x);
    gen_array *lp = log_ratio(g, gen_sub(dist_safe(ok, x, 0.0), mu));
    return dist_mask_support(ok, gen_sub(lp, dist_const(lp, log(CIRC_2PI))));
}
static const dist_family wrapped_cauchy_family = {
    .name = "wrapped_cauchy",
    .param_names = names,
    .sample = wrapped_cauchy_sample,
    .rsample = true,
    .logpdf = wrapped_cauchy_logpdf,
    .support = circ_support,
    .free_extra = circ_free_extra,
    .extra_is_support = true,
};

gen_dist *gen_wrapped_cauchy(const gen_array *mu, const gen_array *gamma) {
    const gen_array *p[2] = {mu, gamma};
    if (mu && gamma && (dist_check_finite("wrapped_cauchy", "mu", mu) != GEN_OK ||
                        dist_check_positive_finite("wrapped_cauchy", "gamma", gamma) != GEN_OK))
        return NULL;
    return circ_new(&wrapped_cauchy_family, 2, p);
}
