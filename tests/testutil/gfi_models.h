/* gfi_models.h — small dynamic-DSL models shared by the GFI law tests: a call of a
 * sub-function, a splice, a discrete choice with data-dependent control flow, and a
 * factor (target +=). */
#ifndef GENC_TEST_GFI_MODELS_H
#define GENC_TEST_GFI_MODELS_H

#include "genc.h"

static inline gen_status sub(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *z = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(1)));
    *retval = gen_choose(ctx, "w", gen_normal(z, gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static inline gen_gf *sub_gf(void) { return gen_dynamic("sub", sub); }

static inline gen_status with_call(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *r = gen_call(ctx, "sub", sub_gf(), &(gen_args){1, &m, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(r, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static inline gen_status with_splice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_scalar(0.3);
    gen_array *r = gen_splice(ctx, sub_gf(), &(gen_args){1, &mu, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(r, gen_scalar(2)));
    return gen_ctx_status(ctx);
}

static inline gen_status with_branch(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *c = gen_choose(ctx, "c", gen_bernoulli(gen_scalar(0.3)));
    int64_t ci = 0;
    if (!c || gen_item_i64(c, &ci) != GEN_OK) return gen_ctx_status(ctx);
    if (ci) *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    else *retval = gen_choose(ctx, "t", gen_exponential(gen_scalar(2)));
    return gen_ctx_status(ctx);
}

/* x ~ N(0, 1); target += -x^2/4 */
static inline gen_status with_factor(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_factor(ctx, gen_mul(gen_scalar(-0.25), gen_mul(x, x)));
    *retval = x;
    return gen_ctx_status(ctx);
}

#endif
