/* test_dsl_genjl.c — the dynamic DSL on Gen.jl's introductory example (a ~ N(0,1),
 * data_i ~ N(a,1)): generate and assess weights against closed forms, and the errors a
 * body can make (unused constraints, duplicate addresses, bad parameters, failing
 * bodies, NULL arguments). */
#include <math.h>

#include "../testutil/check.h"

static const double LOG_N01_AT_0 = -0.91893853320467274178; /* -log(2 pi)/2 */

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_sym data = gen_intern("data");
    for (int i = 1; i <= 5; i++) {
        gen_addr addr = {2, {gen_part_sym(data), gen_part_int(i)}};
        gen_choose_at(ctx, &addr, gen_normal(a, gen_scalar(1)));
    }
    *retval = a;
    return gen_ctx_status(ctx);
}

static gen_choicemap *data_constraints(bool with_a) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_sym data = gen_intern("data");
    for (int i = 1; i <= 5; i++) {
        gen_addr addr = {2, {gen_part_sym(data), gen_part_int(i)}};
        gen_choicemap_builder_set(b, &addr, gen_scalar(0));
    }
    if (with_a) {
        gen_addr a = {1, {gen_part_name("a")}};
        gen_choicemap_builder_set(b, &a, gen_scalar(0));
    }
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

static void test_all_constrained(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, data_constraints(true), &tr, &w));
    CHECK_CLOSE(check_item(w), 6 * LOG_N01_AT_0, 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), -5.513631199228036, 1e-12);
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 6);
    gen_array *aw = NULL, *ret = NULL;
    CHECK_OK(gen_assess(f, NULL, data_constraints(true), &aw, &ret));
    CHECK_CLOSE(check_item(aw), 6 * LOG_N01_AT_0, 1e-12);
    CHECK_CLOSE(check_item(ret), 0.0, 0);
}

static void test_a_free(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(7), NULL, data_constraints(false), &tr, &w));
    gen_addr a_addr = {1, {gen_part_name("a")}};
    double a = check_item(gen_trace_value(tr, &a_addr));
    CHECK_CLOSE(check_item(gen_trace_retval(tr)), a, 0);
    /* five N(0; a, 1) terms, and the score adds N(a; 0, 1) */
    double want = 5 * (LOG_N01_AT_0 - 0.5 * a * a);
    CHECK_CLOSE(check_item(w), want, 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want + LOG_N01_AT_0 - 0.5 * a * a, 1e-12);
    /* same key, same draw; another key, another draw */
    gen_trace *tr2 = NULL, *tr3 = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(7), NULL, data_constraints(false), &tr2, NULL));
    CHECK_OK(gen_generate(f, gen_key_new(8), NULL, data_constraints(false), &tr3, NULL));
    CHECK(check_item(gen_trace_value(tr2, &a_addr)) == a);
    CHECK(check_item(gen_trace_value(tr3, &a_addr)) != a);
}

/* ---- errors ---- */

static gen_status model_dup(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* After a failed choice the body goes on and fails on its own (a distribution it makes
 * for nothing, a user error): the operation still reports the choice's error, status
 * and message (found by fuzz/fuzz_json_choicemap: generate returned GEN_ERR_VALUE while
 * the message was a later GEN_ERR_OOM's). */
static gen_status model_bad_then_more(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_addr y3;
    gen_addr_parse(&y3, "y/3");
    gen_choose_at(ctx, &y3, gen_normal(gen_scalar(0), gen_scalar(-1)));
    gen_normal(gen_scalar(0), gen_scalar(-2)); /* records its own error */
    gen_error_set(GEN_ERR_CALLBACK, "the body's own later failure");
    return gen_ctx_status(ctx);
}

static gen_status model_bad_sigma(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_addr y3;
    gen_addr_parse(&y3, "y/3");
    gen_choose_at(ctx, &y3, gen_normal(gen_scalar(0), gen_scalar(-1)));
    gen_choose(ctx, "later", gen_normal(gen_scalar(0), gen_scalar(1))); /* ignored */
    return GEN_OK; /* the DSL error wins anyway */
}

static gen_status model_fails(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_error_set(GEN_ERR_CALLBACK, "the data file is missing");
}

static gen_status model_prefix(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_addr y3;
    gen_addr_parse(&y3, "y/3");
    gen_choose_at(ctx, &y3, gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = (gen_trace *)1;
    gen_array *w = NULL;
    gen_choicemap *c = gen_choicemap_set(data_constraints(true), &(gen_addr){1, {gen_part_name("z")}},
                                         gen_scalar(1));
    CHECK_ERROR(gen_generate(f, gen_key_new(1), NULL, c, &tr, &w),
                "generate: constraint at z was not used by the model");
    CHECK(tr == NULL && w == NULL);
    CHECK_ERROR(gen_assess(f, NULL, c, &w, NULL), "assess: choice at z was not used by the model");
    CHECK_ERROR(gen_assess(f, NULL, data_constraints(false), &w, NULL), "a: assess: the choices have no value at a");
    /* a constraint at a namespace is not a choice */
    gen_choicemap *cd = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name("data")}},
                                          gen_scalar(0));
    CHECK_ERROR(gen_generate(f, gen_key_new(1), NULL, cd, &tr, NULL), "constraint at data was not used");

    CHECK_ERROR(gen_simulate(gen_dynamic("dup", model_dup), gen_key_new(1), NULL, &tr),
                "x: address already traced");
    CHECK_ERROR(gen_simulate(gen_dynamic("pre", model_prefix), gen_key_new(1), NULL, &tr),
                "y: address already traced (choices lie below it)");
    CHECK_ERROR(gen_simulate(gen_dynamic("bad", model_bad_sigma), gen_key_new(1), NULL, &tr),
                "y/3: normal: sigma must be > 0");
    gen_gf *more = gen_dynamic("more", model_bad_then_more);
    CHECK(gen_simulate(more, gen_key_new(1), NULL, &tr) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "y/3: normal: sigma must be > 0, got -1");
    gen_trace *outer_tr = NULL;
    CHECK(gen_generate(more, gen_key_new(1), NULL, gen_choicemap_empty(), &outer_tr, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "y/3: normal: sigma must be > 0, got -1");
    CHECK_ERROR(gen_simulate(gen_dynamic("fails", model_fails), gen_key_new(1), NULL, &tr),
                "fails: the data file is missing");
    CHECK(tr == NULL);

    CHECK_ERROR(gen_simulate(NULL, gen_key_new(1), NULL, &tr), "gen_simulate: the generative function is NULL");
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, NULL), "gen_simulate: tr is NULL");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), NULL, NULL, &tr, NULL), "gen_generate: constraints is NULL");
    CHECK_ERROR(gen_assess(f, NULL, NULL, &w, NULL), "gen_assess: choices is NULL");
    CHECK_ERROR(gen_assess(f, NULL, gen_choicemap_empty(), NULL, NULL), "gen_assess: weight is NULL");
    CHECK_ERROR(gen_project(NULL, gen_select_all(), &w), "gen_project: the trace is NULL");
    gen_array *argv[1] = {NULL};
    gen_args bad = {1, argv, NULL};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &bad, &tr), "gen_simulate: model: argument 0 is NULL");
    CHECK(gen_dynamic(NULL, model) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_dynamic: the name is NULL");
    CHECK(gen_choose(NULL, "x", NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_choose: the context is NULL");
}

/* Without any scope open, the caller owns what the operations return. */
static void test_no_scope(void) {
    gen_scope_end(); /* RUN opened one */
    gen_gf *f = gen_dynamic("model", model);
    gen_scope_begin(); /* the constraint values are temporaries of this scope */
    gen_choicemap *c = gen_choicemap_scope_return(data_constraints(true));
    gen_scope_end();
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, &w));
    CHECK_CLOSE(check_item(w), 6 * LOG_N01_AT_0, 1e-12);
    gen_array_release(w);
    gen_trace_release(tr);
    gen_choicemap_release(c);
    gen_gf_release(f);
    gen_scope_begin();
}

int main(void) {
    RUN(test_all_constrained);
    RUN(test_a_free);
    RUN(test_errors);
    RUN(test_no_scope);
    return check_finish();
}
