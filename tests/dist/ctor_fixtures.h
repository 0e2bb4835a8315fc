/* ctor_fixtures.h — user distributions for the constructor tests, written with
 * gen_dist_custom: an exponential (continuous, positive support, rate parameter) and a
 * "trinary" distribution on {0, 1, 2} with mass proportional to p^k (discrete, finite,
 * enumerable). A payload counts how often it is freed. */
#ifndef GENC_TEST_CTOR_FIXTURES_H
#define GENC_TEST_CTOR_FIXTURES_H

#include <math.h>

#include "check.h"

typedef struct fx_payload {
    int frees;
} fx_payload;

static inline void fx_free(void *p) {
    if (p) ((fx_payload *)p)->frees++;
}

/* Exponential(rate): -log1p(-u) / rate; logpdf log(rate) - rate x on x >= 0. */
static inline gen_array *fx_exp_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n,
                                       gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    return gen_div(gen_neg(gen_log1p(gen_neg(u))), p[0]);
}
static inline gen_array *fx_exp_logpdf(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *ok = gen_ge(x, gen_scalar(0));
    gen_array *xs = gen_where(ok, x, gen_scalar(1));
    gen_array *lp = gen_sub(gen_log(p[0]), gen_mul(p[0], xs));
    return gen_where(ok, lp, gen_scalar(-INFINITY));
}
static const gen_dist_callbacks fx_exp_cb = {
    .name = "myexp",
    .dtype = GEN_F64,
    .support = GEN_SUPPORT_POSITIVE,
    .sample = fx_exp_sample,
    .logpdf = fx_exp_logpdf,
    .free_payload = fx_free,
};
static inline gen_dist *fx_exponential(const gen_array *rate) {
    gen_array *p[1] = {(gen_array *)rate};
    return gen_dist_custom(&fx_exp_cb, NULL, 1, p);
}

/* Trinary(p): P(k) = p^k / (1 + p + p^2), k = 0, 1, 2 (i64 values). */
static inline gen_array *fx_tri_logz(const gen_array *p) {
    return gen_log(gen_add(gen_add(gen_scalar(1), p), gen_square(p)));
}
static inline gen_array *fx_tri_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n,
                                       gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *z = gen_exp(fx_tri_logz(p[0]));
    gen_array *c0 = gen_div(gen_scalar(1), z), *c1 = gen_div(gen_add(gen_scalar(1), p[0]), z);
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    gen_array *k = gen_add(gen_cast(gen_ge(u, c0), GEN_I64), gen_cast(gen_ge(u, c1), GEN_I64));
    return k;
}
static inline gen_array *fx_tri_logpdf(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *ok = gen_logical_and(gen_logical_and(gen_ge(x, gen_scalar(0)), gen_le(x, gen_scalar(2))),
                                    gen_eq(x, gen_floor(gen_cast(x, GEN_F64))));
    gen_array *xs = gen_where(ok, x, gen_scalar(0));
    gen_array *lp = gen_sub(gen_mul(xs, gen_log(p[0])), fx_tri_logz(p[0]));
    return gen_where(ok, lp, gen_scalar(-INFINITY));
}
static inline gen_array *fx_tri_enumerate(void *pl, int n, gen_array *const *p) {
    (void)pl, (void)n, (void)p;
    return gen_arange(0, 3, 1, GEN_I64);
}
static const gen_dist_callbacks fx_tri_cb = {
    .name = "trinary",
    .dtype = GEN_I64,
    .support = GEN_SUPPORT_INTEGER_RANGE,
    .sample = fx_tri_sample,
    .logpdf = fx_tri_logpdf,
    .enumerate = fx_tri_enumerate,
};
static inline gen_dist *fx_trinary(const gen_array *p) {
    gen_array *a[1] = {(gen_array *)p};
    return gen_dist_custom(&fx_tri_cb, NULL, 1, a);
}
static inline double fx_tri_prob(double p, int k) { return pow(p, k) / (1 + p + p * p); }

#endif
