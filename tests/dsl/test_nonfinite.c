/* test_nonfinite.c — log densities that are not allowed: a NaN or +inf choice density
 * or gen_factor term fails naming the address (and the particle in batched mode); -inf
 * (an impossible value, a hard constraint) is allowed and gives weight -inf. */
#include <math.h>

#include "../testutil/check.h"

/* x ~ Exponential(1); y ~ N(x, 1) */
static gen_status one_choice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_exponential(gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(x, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* target += the argument */
static gen_status factor_of_arg(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_factor(ctx, args->v[0]);
    *retval = x;
    return gen_ctx_status(ctx);
}

/* target += log(x) for x ~ N(0, 1): NaN for the particles with x < 0 */
static gen_status factor_of_choice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_factor(ctx, gen_log(x));
    *retval = x;
    return gen_ctx_status(ctx);
}

static gen_choicemap *at(const char *name, double v) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static void test_choices(void) {
    gen_gf *f = gen_dynamic("one", one_choice);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    /* outside the support: allowed, weight -inf */
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, at("x", -1), &tr, &w));
    CHECK(w && check_item(w) == -INFINITY);
    /* a NaN value: its normal density is NaN (the exponential's is -inf: off the support) */
    CHECK_ERROR(gen_generate(f, gen_key_new(1), NULL, at("y", NAN), &tr, &w),
                "y: normal: the log density is NaN; only finite values and -inf are allowed");
    CHECK(!tr && !w);
    gen_array *a = NULL;
    gen_addr xa = {1, {gen_part_name("x")}};
    CHECK_ERROR(gen_assess(f, NULL, gen_choicemap_set(at("y", NAN), &xa, gen_scalar(1)), &a, NULL),
                "y: normal: the log density is NaN");
    /* update to a NaN value */
    CHECK_OK(gen_simulate(f, gen_key_new(2), NULL, &tr));
    gen_trace *t2 = NULL;
    CHECK_ERROR(gen_update(tr, gen_key_new(3), NULL, NULL, at("y", NAN), &t2, NULL, NULL, NULL),
                "y: normal: the log density is NaN");
    CHECK(!t2);
}

static void test_factors(void) {
    gen_gf *f = gen_dynamic("factor", factor_of_arg);
    double vals[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        gen_array *v = gen_scalar(vals[k]);
        gen_args args = {1, &v, NULL};
        gen_trace *tr = NULL;
        gen_array *w = NULL;
        gen_status s = gen_generate(f, gen_key_new(1), &args, gen_choicemap_empty(), &tr, &w);
        if (k == 0) CHECK_ERROR(s, "gen_factor: the log weight is NaN");
        if (k == 1) CHECK_ERROR(s, "gen_factor: the log weight is +inf");
        if (k == 2) {
            CHECK_OK(s);
            CHECK(tr && check_item(gen_trace_score(tr)) == -INFINITY && check_item(w) == -INFINITY);
        } else
            CHECK(!tr && !w);
    }
    /* batched: the first particle with a NaN term is named */
    gen_gf *g = gen_dynamic("log_of_choice", factor_of_choice);
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate_batched(g, gen_key_new(4), 64, NULL, &tr), "gen_factor: the log weight is NaN (particle ");
    CHECK(!tr && gen_batch_size() == 0);
}

int main(void) {
    RUN(test_choices);
    RUN(test_factors);
    return check_finish();
}
