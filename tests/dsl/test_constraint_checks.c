/* test_constraint_checks.c — a given value (a constraint of generate and update, a choice
 * of assess) must have the choice's shape (the distribution's batch and event shape; in
 * batched mode with or without the particle axis) and a dtype of its kind (a float for a
 * continuous distribution, the distribution's own for a discrete one): otherwise an error
 * naming the address, the expected and the given shape or dtype — never a weight that
 * sums several densities. Right values still pass, in every operation and mode. */
#include <string.h>

#include "../testutil/check.h"

static gen_addr at(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *one(const char *p, gen_array *v) {
    gen_addr a = at(p);
    return gen_choicemap_set(gen_choicemap_empty(), &a, v);
}

/* x ~ N(0, 1); v ~ MvNormal(0, I_3); m ~ N([0, 1, 2], 1) (batch [3]);
 * w ~ Wishart(4, I_2); k ~ Poisson(2); b ~ Bernoulli(0.3) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *eye3 = gen_array_from(GEN_F64, 2, (int64_t[]){3, 3}, (double[]){1, 0, 0, 0, 1, 0, 0, 0, 1});
    gen_choose(ctx, "v", gen_mvnormal(gen_zeros(GEN_F64, 1, (int64_t[]){3}), eye3));
    gen_choose(ctx, "m", gen_normal(gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){0, 1, 2}), gen_scalar(1)));
    gen_array *eye2 = gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){1, 0, 0, 1});
    gen_choose(ctx, "w", gen_wishart(gen_scalar(4), eye2));
    gen_choose(ctx, "k", gen_poisson(gen_scalar(2)));
    *retval = gen_choose(ctx, "b", gen_bernoulli(gen_scalar(0.3)));
    return gen_ctx_status(ctx);
}

static gen_gf *gf(void) { return gen_dynamic("model", model); }

/* generate with the one constraint addr = v fails with s naming msg. */
static void bad_generate(const char *addr, gen_array *v, gen_status s, const char *msg) {
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    gen_status st = gen_generate(gf(), gen_key_new(1), NULL, one(addr, v), &tr, &w);
    if (st != s || !strstr(gen_error_message(), msg))
        check_fail(__FILE__, __LINE__, "generate %s: got %s \"%s\", want %s with \"%s\"", addr, gen_status_name(st),
                   gen_error_message(), gen_status_name(s), msg);
    CHECK(!tr && !w);
    gen_error_clear();
}

static void test_generate(void) {
    /* a scalar choice given a [3] array: was accepted with the sum of three densities */
    bad_generate("x", gen_zeros(GEN_F64, 1, (int64_t[]){3}), GEN_ERR_SHAPE,
                 "x: generate: the value has shape [3], but the choice (normal) has shape []");
    bad_generate("x", gen_scalar_i64(1), GEN_ERR_DTYPE, "x: generate: the value is i64, but the choice (normal) is f64");
    bad_generate("x", gen_scalar_bool(true), GEN_ERR_DTYPE, "the value is bool, but the choice (normal) is f64");
    /* event shapes: a sample axis in front, a wrong event */
    bad_generate("v", gen_zeros(GEN_F64, 2, (int64_t[]){2, 3}), GEN_ERR_SHAPE,
                 "v: generate: the value has shape [2,3], but the choice (mvnormal) has shape [3]");
    bad_generate("v", gen_zeros(GEN_F64, 1, (int64_t[]){2}), GEN_ERR_SHAPE, "has shape [3]");
    bad_generate("w", gen_zeros(GEN_F64, 3, (int64_t[]){2, 2, 2}), GEN_ERR_SHAPE, "(wishart) has shape [2,2]");
    /* a batch shape: neither one value broadcast nor more */
    bad_generate("m", gen_scalar(0), GEN_ERR_SHAPE, "m: generate: the value has shape [], but the choice (normal) has shape [3]");
    bad_generate("m", gen_zeros(GEN_F64, 2, (int64_t[]){2, 3}), GEN_ERR_SHAPE, "has shape [3]");
    /* discrete choices take their own dtype */
    bad_generate("k", gen_scalar(1.5), GEN_ERR_DTYPE, "k: generate: the value is f64, but the choice (poisson) is i64");
    bad_generate("k", gen_zeros(GEN_I64, 1, (int64_t[]){2}), GEN_ERR_SHAPE, "has shape []");
    /* right values pass, f32 for an f64 choice too */
    gen_choicemap *c = one("x", gen_scalar_f32(0.5f));
    gen_addr v = at("v"), m = at("m"), w = at("w"), k = at("k"), b = at("b");
    c = gen_choicemap_set(c, &v, gen_zeros(GEN_F64, 1, (int64_t[]){3}));
    c = gen_choicemap_set(c, &m, gen_zeros(GEN_F64, 1, (int64_t[]){3}));
    c = gen_choicemap_set(c, &w, gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){2, 0, 0, 2}));
    c = gen_choicemap_set(c, &k, gen_scalar_i64(3));
    c = gen_choicemap_set(c, &b, gen_scalar_bool(true));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gf(), gen_key_new(1), NULL, c, &tr, NULL));
}

static void test_update_and_assess(void) {
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_simulate(gf(), gen_key_new(2), NULL, &tr));
    if (!tr) return;
    gen_array *w = NULL;
    CHECK_ERROR(gen_update(tr, gen_key_new(1), NULL, NULL, one("x", gen_zeros(GEN_F64, 1, (int64_t[]){3})), &out, &w,
                           NULL, NULL),
                "x: update: the value has shape [3], but the choice (normal) has shape []");
    CHECK(!out && !w);
    CHECK_ERROR(gen_update(tr, gen_key_new(1), NULL, NULL, one("k", gen_scalar(2.0)), &out, &w, NULL, NULL),
                "k: update: the value is f64, but the choice (poisson) is i64");
    /* assess of the trace's choices with one replaced */
    gen_addr x = at("x");
    gen_choicemap *c = gen_choicemap_set(gen_trace_choices(tr), &x, gen_zeros(GEN_F64, 1, (int64_t[]){2}));
    CHECK_ERROR(gen_assess(gf(), NULL, c, &w, NULL), "x: assess: the value has shape [2], but the choice (normal) has shape []");
    CHECK_OK(gen_assess(gf(), NULL, gen_trace_choices(tr), &w, NULL));
}

/* Distributions as generative functions: the one choice at the root. */
static void test_dist_gf(void) {
    gen_gf *g = gen_dist_gf2("normal", gen_normal);
    gen_array *p[2] = {gen_scalar(0), gen_scalar(1)};
    gen_args args = {2, p, NULL};
    gen_trace *tr = NULL;
    gen_choicemap *c = gen_choicemap_of_value(gen_zeros(GEN_F64, 1, (int64_t[]){4}));
    CHECK_ERROR(gen_generate(g, gen_key_new(1), &args, c, &tr, NULL), "the value has shape [4], but the choice (normal) has shape []");
    CHECK_OK(gen_generate(g, gen_key_new(1), &args, gen_choicemap_of_value(gen_scalar(0.2)), &tr, NULL));
}

/* Batched: per particle ([n] + shape) or shared (the shape), nothing else. */
static void test_batched(void) {
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("x", gen_zeros(GEN_F64, 1, (int64_t[]){4})), &tr, &w));
    CHECK_OK(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("x", gen_scalar(0.1)), &tr, &w));
    CHECK_OK(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("v", gen_zeros(GEN_F64, 2, (int64_t[]){4, 3})), &tr, &w));
    CHECK_OK(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("v", gen_zeros(GEN_F64, 1, (int64_t[]){3})), &tr, &w));
    CHECK_ERROR(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("x", gen_zeros(GEN_F64, 1, (int64_t[]){3})), &tr, &w),
                "x: ");
    CHECK_ERROR(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("x", gen_zeros(GEN_I64, 1, (int64_t[]){4})), &tr, &w),
                "x: generate: the value is i64, but the choice (normal) is f64");
    CHECK_ERROR(gen_generate_batched(gf(), gen_key_new(1), 4, NULL, one("k", gen_zeros(GEN_F64, 1, (int64_t[]){4})), &tr, &w),
                "k: generate: the value is f64, but the choice (poisson) is i64");
}

int main(void) {
    RUN(test_generate);
    RUN(test_update_and_assess);
    RUN(test_dist_gf);
    RUN(test_batched);
    return check_finish();
}
