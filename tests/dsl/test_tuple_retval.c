/* test_tuple_retval.c — dynamic generative functions that return a tuple of arrays (and
 * take one as an argument): the trace's retval is the tuple, generate / assess / update
 * see it, a caller reads a callee's tuple, and update's retdiff is NO_CHANGE only when
 * the very same array is returned. */
#include <math.h>

#include "../testutil/check.h"

static const double LOG_N01_AT_0 = -0.91893853320467274178; /* -log(2 pi)/2 */

static double log_normal(double x, double mu) { return -0.5 * (x - mu) * (x - mu) + LOG_N01_AT_0; }

static gen_choicemap *set(gen_choicemap *m, const char *path, double v) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_set(m, &a, gen_scalar(v));
}

static const gen_array *at(const gen_trace *tr, const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_find(gen_trace_choices(tr), &a);
}

/* x ~ N(0, 1), y ~ N(x, 1); returns (x, y). */
static gen_status pair(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *y = gen_choose(ctx, "y", gen_normal(x, gen_scalar(1)));
    *retval = gen_tuple(2, (gen_array *[]){x, y});
    return gen_ctx_status(ctx);
}

/* z ~ N(args[0][0], 1); returns its argument, the very same array. */
static gen_status pass(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_choose(ctx, "z", gen_normal(gen_tuple_get(args->v[0], 0), gen_scalar(1)));
    *retval = args->v[0];
    return gen_ctx_status(ctx);
}

/* (x, y) = pair() at "p"; w ~ N(y, 1); returns x (an item of the callee's tuple). */
static const gen_gf *g_pair_gf;
static gen_status caller(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *r = gen_call(ctx, "p", g_pair_gf, NULL);
    gen_choose(ctx, "w", gen_normal(gen_tuple_get(r, 1), gen_scalar(1)));
    *retval = gen_tuple_get(r, 0);
    return gen_ctx_status(ctx);
}

/* A tuple where a distribution needs numbers: the error names the address. */
static gen_status bad_param(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *t = gen_tuple(1, (gen_array *[]){gen_scalar(0)});
    *retval = gen_choose(ctx, "x", gen_normal(t, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static double item(const gen_array *t, int i) { return check_item(gen_tuple_get(t, i)); }

static void test_generate_assess(void) {
    gen_gf *f = gen_dynamic("pair", pair);
    gen_choicemap *c = set(set(gen_choicemap_empty(), "x", 1.0), "y", 2.5);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, &w));
    const gen_array *ret = gen_trace_retval(tr);
    CHECK(gen_array_is_tuple(ret) && gen_tuple_size(ret) == 2);
    CHECK(item(ret, 0) == 1.0 && item(ret, 1) == 2.5);
    double want = log_normal(1.0, 0) + log_normal(2.5, 1.0);
    CHECK_CLOSE(check_item(w), want, 1e-14);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-14);
    /* The choices hold the items' values; the tuple is no choice. */
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 2);
    CHECK(check_item(at(tr, "y")) == 2.5);

    gen_array *aw = NULL, *ar = NULL;
    CHECK_OK(gen_assess(f, NULL, c, &aw, &ar));
    CHECK(gen_array_is_tuple(ar) && item(ar, 0) == 1.0 && item(ar, 1) == 2.5);
    CHECK_CLOSE(check_item(aw), want, 1e-14);

    gen_trace *sim = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(2), NULL, &sim));
    ret = gen_trace_retval(sim);
    CHECK(item(ret, 0) == check_item(at(sim, "x")) && item(ret, 1) == check_item(at(sim, "y")));
}

static void test_update_retdiff(void) {
    gen_gf *f = gen_dynamic("pair", pair);
    gen_trace *tr = NULL, *tr2 = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, set(gen_choicemap_empty(), "x", 1.0), &tr, NULL));
    double y = check_item(at(tr, "y"));
    gen_array *w = NULL;
    gen_diff rd = gen_diff_no_change();
    CHECK_OK(gen_update(tr, gen_key_new(3), NULL, NULL, set(gen_choicemap_empty(), "x", 2.0),
                        &tr2, &w, &rd, NULL));
    CHECK(rd.kind == GEN_DIFF_UNKNOWN); /* a new tuple */
    const gen_array *ret = gen_trace_retval(tr2);
    CHECK(item(ret, 0) == 2.0 && item(ret, 1) == y);
    CHECK_CLOSE(check_item(w), log_normal(2.0, 0) + log_normal(y, 2.0) - log_normal(1.0, 0) -
                                   log_normal(y, 1.0), 1e-12);
    CHECK(item(gen_trace_retval(tr), 0) == 1.0); /* the old trace keeps its tuple */

    /* Returning the argument: the same array when the argument is, else unknown. */
    gen_gf *g = gen_dynamic("pass", pass);
    gen_array *arg = gen_tuple(2, (gen_array *[]){gen_scalar(0.5), gen_scalar_i64(7)});
    gen_args args = {1, (gen_array *[]){arg}, NULL};
    gen_trace *pt = NULL, *pt2 = NULL;
    CHECK_OK(gen_simulate(g, gen_key_new(4), &args, &pt));
    CHECK(gen_trace_retval(pt) == arg);
    rd = gen_diff_unknown();
    CHECK_OK(gen_update(pt, gen_key_new(5), &args, NULL, gen_choicemap_empty(), &pt2, &w, &rd, NULL));
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_trace_retval(pt2) == arg);
    CHECK(check_item(w) == 0.0);
    gen_array *same_values = gen_tuple(2, (gen_array *[]){gen_scalar(0.5), gen_scalar_i64(7)});
    gen_args args2 = {1, (gen_array *[]){same_values}, NULL};
    CHECK_OK(gen_update(pt, gen_key_new(5), &args2, NULL, gen_choicemap_empty(), &pt2, &w, &rd, NULL));
    CHECK(rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_trace_retval(pt2) == same_values);
    CHECK_OK(gen_regenerate(pt, gen_key_new(6), &args, NULL, gen_select_none(), &pt2, &w, &rd));
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE);
}

static void test_call_returns_tuple(void) {
    gen_gf *p = gen_dynamic("pair", pair);
    g_pair_gf = p;
    gen_gf *f = gen_dynamic("caller", caller);
    gen_choicemap *c = set(set(set(gen_choicemap_empty(), "p/x", 1.0), "p/y", 2.0), "w", 4.0);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, &w));
    CHECK(check_item(gen_trace_retval(tr)) == 1.0);
    CHECK_CLOSE(check_item(w), log_normal(1.0, 0) + log_normal(2.0, 1.0) + log_normal(4.0, 2.0),
                1e-12);
    g_pair_gf = NULL;
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("bad", bad_param);
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "normal: mu is a tuple, not an array of numbers");
    CHECK(tr == NULL);
}

int main(void) {
    RUN(test_generate_assess);
    RUN(test_update_retdiff);
    RUN(test_call_returns_tuple);
    RUN(test_errors);
    return check_finish();
}
