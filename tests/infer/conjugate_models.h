/* conjugate_models.h — the conjugate models whose exact posteriors the sampler tests
 * check against (normal–normal, gamma–poisson, beta–bernoulli), their data, and a trace
 * of one with its observations. */
#ifndef GENC_TEST_CONJUGATE_MODELS_H
#define GENC_TEST_CONJUGATE_MODELS_H

#include "../testutil/check.h"

static const double Y[5] = {0.8, 1.9, 1.1, 0.4, 1.5};
static const double KS[4] = {2, 4, 0, 3};
static const double XS[10] = {1, 1, 0, 1, 1, 1, 0, 1, 0, 1}; /* 7 of 10 */

/* mu ~ N(0, 1); y/i ~ N(mu, 1) for Y: posterior N(5.7/6, 1/6) */
static inline gen_status normal_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(mu, gen_scalar(1)));
    }
    *retval = mu;
    return gen_ctx_status(ctx);
}

/* l ~ Gamma(3, scale 0.5); k/i ~ Poisson(l) for KS: posterior Gamma(12, rate 6) */
static inline gen_status counts(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *l = gen_choose(ctx, "l", gen_gamma(gen_scalar(3), gen_scalar(0.5)));
    for (int i = 0; i < 4; i++) {
        gen_addr a = {2, {gen_part_name("k"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_poisson(l));
    }
    *retval = l;
    return gen_ctx_status(ctx);
}

/* p ~ Beta(2, 3); x/i ~ bernoulli(p) for XS: posterior Beta(9, 6) */
static inline gen_status beta_bernoulli(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *p = gen_choose(ctx, "p", gen_beta(gen_scalar(2), gen_scalar(3)));
    for (int i = 0; i < 10; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_bernoulli(p));
    }
    *retval = p;
    return gen_ctx_status(ctx);
}

/* The observations name/i = v[i] (kind: 'f' f64, 'i' i64, 'b' bool). */
static inline gen_choicemap *observations(const char *name, int n, const double *v, char kind) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_name(name), gen_part_int(i)}};
        gen_array *x = kind == 'i' ? gen_scalar_i64((int64_t)v[i]) : kind == 'b' ? gen_scalar_bool(v[i] != 0) : gen_scalar(v[i]);
        m = gen_choicemap_set(m, &a, x);
    }
    return m;
}

/* A trace of body with the observations (key 1). */
static inline gen_trace *observed(gen_body body, const char *name, int n, const double *v, char kind) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("model", body), gen_key_new(1), NULL, observations(name, n, v, kind), &tr, NULL));
    return tr;
}

#endif
