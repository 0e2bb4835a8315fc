/* test_mask.c — the Mask combinator: on and off values, update switching f on and off
 * (weights by hand, the discard, updating back), regenerate, a Mask in a dynamic model,
 * the GFI laws, batched mode and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs;

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* z ~ N(x, 2); target += -0.3; returns z */
static gen_status f_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    *retval = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(2)));
    gen_factor(ctx, gen_scalar(-0.3));
    return gen_ctx_status(ctx);
}

static gen_gf *masked(void) { return gen_mask(gen_dynamic("f", f_body)); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *one(const char *p, double v) {
    gen_addr a = path(p);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

static void test_on_off(void) {
    gen_gf *m = masked();
    gen_array *on[2] = {gen_scalar_bool(true), gen_scalar(1.0)}, *off[2] = {gen_scalar_bool(false), gen_scalar(1.0)};
    gen_args a_on = {2, on, NULL}, a_off = {2, off, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL, *ret = NULL;
    CHECK_OK(gen_generate(m, gen_key_new(1), &a_on, one("z", 0.5), &tr, &w));
    if (!tr) return;
    double lp = log_normal(0.5, 1, 2) - 0.3;
    CHECK_CLOSE(check_item(w), lp, 1e-14);
    CHECK(check_item(gen_trace_retval(tr)) == 0.5);
    CHECK_OK(gen_assess(m, &a_on, one("z", 0.5), &w, &ret));
    CHECK_CLOSE(check_item(w), lp, 1e-14);
    /* off: nothing */
    CHECK_OK(gen_simulate(m, gen_key_new(2), &a_off, &t2));
    if (!t2) return;
    CHECK(gen_choicemap_is_empty(gen_trace_choices(t2)) && check_item(gen_trace_score(t2)) == 0);
    CHECK(gen_trace_retval(t2) == NULL);
    ret = gen_scalar(7);
    CHECK_OK(gen_assess(m, &a_off, gen_choicemap_empty(), &w, &ret));
    CHECK(check_item(w) == 0 && ret == NULL);
    gen_array *p = NULL;
    CHECK_OK(gen_project(t2, gen_select_all(), &p));
    CHECK(check_item(p) == 0);

    /* on -> off: weight -score, the discard holds z; back on with it: +score */
    gen_choicemap *disc = NULL;
    gen_diff rd;
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(3), &a_off, NULL, gen_choicemap_empty(), &t2, &w, &rd, &disc));
    CHECK(runs == 0);
    if (!t2) return;
    CHECK_CLOSE(check_item(w), -lp, 1e-14);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN && gen_trace_retval(t2) == NULL);
    CHECK(gen_choicemap_equal(disc, gen_trace_choices(tr)));
    CHECK_OK(gen_update(t2, gen_key_new(4), &a_on, NULL, disc, &t3, &w3, &rd, &disc));
    if (!t3) return;
    CHECK_CLOSE(check_item(w3), lp, 1e-14);
    CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)) && gen_choicemap_is_empty(disc));
    /* off -> off: nothing, no change */
    gen_trace *t4 = NULL;
    CHECK_OK(gen_update(t2, gen_key_new(5), &a_off, NULL, gen_choicemap_empty(), &t4, &w, &rd, NULL));
    CHECK(t4 && check_item(w) == 0 && rd.kind == GEN_DIFF_NO_CHANGE);
    CHECK_ERROR(gen_update(t2, gen_key_new(5), &a_off, NULL, one("z", 1), &t4, &w, &rd, NULL),
                "mask(f): update: constraint at z was not used by the model (the flag is off)");
    /* off -> on sampled: weight = f's factor (z from the prior) */
    CHECK_OK(gen_update(t2, gen_key_new(6), &a_on, NULL, gen_choicemap_empty(), &t4, &w, &rd, NULL));
    if (t4) CHECK_CLOSE(check_item(w), -0.3, 1e-14);
    /* regenerate: on -> off drops the factor, off -> on adds it */
    CHECK_OK(gen_regenerate(tr, gen_key_new(7), &a_off, NULL, gen_select_none(), &t4, &w, &rd));
    if (t4) CHECK_CLOSE(check_item(w), 0.3, 1e-14);
    CHECK_OK(gen_regenerate(t2, gen_key_new(8), &a_on, NULL, gen_select_none(), &t4, &w, &rd));
    if (t4) CHECK_CLOSE(check_item(w), -0.3, 1e-14);
    /* on, the same flag: f updated with the argdiffs */
    on[1] = gen_scalar(2.0);
    gen_diff ad[2] = {gen_diff_no_change(), gen_diff_unknown()};
    CHECK_OK(gen_update(tr, gen_key_new(9), &a_on, ad, gen_choicemap_empty(), &t4, &w, &rd, NULL));
    if (t4) CHECK_CLOSE(check_item(w), log_normal(0.5, 2, 2) - log_normal(0.5, 1, 2), 1e-14);
}

/* on ~ bernoulli(0.6); r = mask(on, 1.0); y ~ N(r or 0, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *on = gen_choose(ctx, "on", gen_bernoulli(gen_scalar(0.6)));
    gen_array *ma[2] = {on, gen_scalar(1.0)};
    gen_array *r = gen_call(ctx, "m", masked(), &(gen_args){2, ma, NULL});
    if (gen_ctx_status(ctx) != GEN_OK) return gen_ctx_status(ctx);
    *retval = gen_choose(ctx, "y", gen_normal(r ? r : gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_in_dynamic_model(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_choicemap *c = gen_choicemap_set(one("y", 1.0), &(gen_addr){1, {gen_part_name("on")}}, gen_scalar_bool(true));
    c = gen_choicemap_set(c, &(gen_addr){2, {gen_part_name("m"), gen_part_name("z")}}, gen_scalar(2.0));
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, &w));
    CHECK_CLOSE(check_item(w), log(0.6) + log_normal(2, 1, 2) - 0.3 + log_normal(1, 2, 1), 1e-14);
    if (!tr) return;
    gen_choicemap *c2 = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name("on")}}, gen_scalar_bool(false));
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), NULL, NULL, c2, &t2, &w, NULL, &disc));
    if (!t2) return;
    double want = log(0.4) - log(0.6) - (log_normal(2, 1, 2) - 0.3) + log_normal(1, 0, 1) - log_normal(1, 2, 1);
    CHECK_CLOSE(check_item(w), want, 1e-13);
    CHECK(gen_choicemap_count(disc) == 2);
    gen_trace *t3 = NULL;
    CHECK_OK(gen_update(t2, gen_key_new(3), NULL, NULL, disc, &t3, &w, NULL, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w), -want, 1e-13);
    }
    CHECK_GFI_LAWS("a mask in a dynamic model", f, NULL, 16, 0);
}

static gen_status shared_flag(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *ma[2] = {args->v[0], gen_scalar(1.0)};
    gen_array *r = gen_call(ctx, "m", masked(), &(gen_args){2, ma, NULL});
    if (gen_ctx_status(ctx) != GEN_OK) return gen_ctx_status(ctx);
    *retval = gen_choose(ctx, "y", gen_normal(r ? r : gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_laws_and_batched(void) {
    enum { P = 12 };
    for (int b = 0; b < 2; b++) {
        gen_array *av[2] = {gen_scalar_bool(b), gen_scalar(0.5)};
        gen_args args = {2, av, NULL};
        CHECK_GFI_LAWS("mask(f)", masked(), &args, 8, 6);
        gen_args fa = {1, av, NULL};
        CHECK_GFI_LAWS("a mask with a shared flag", gen_dynamic("shared", shared_flag), &fa, 4, P);
    }
    /* a batched update switching the shared flag off: weight -(f's score) per particle */
    gen_gf *f = gen_dynamic("shared", shared_flag);
    gen_array *on = gen_scalar_bool(true), *off = gen_scalar_bool(false);
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &(gen_args){1, &on, NULL}, &tr));
    if (!tr) return;
    CHECK_OK(gen_update(tr, gen_key_new(2), &(gen_args){1, &off, NULL}, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    if (!t2) return;
    gen_addr z = path("m/z"), y = path("y");
    const double *zs = gen_array_data(gen_trace_value(tr, &z)), *ys = gen_array_data(gen_trace_value(tr, &y));
    CHECK_SHAPE(w, P);
    for (int i = 0; i < P; i++)
        CHECK_CLOSE(elem(w, i), log_normal(ys[i], 0, 1) - log_normal(ys[i], zs[i], 1) - (log_normal(zs[i], 1, 2) - 0.3),
                    1e-12);
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 1);
    /* a per-particle flag (a batched choice) works by masking (test_masked.c), but f
     * returns a value the off particles would lack */
    CHECK_ERROR(gen_simulate_batched(gen_dynamic("model", model), gen_key_new(3), 64, NULL, &tr),
                "mask(f): generate: the flag differs between particles and f returns a value (f64[64])");
}

static void test_errors(void) {
    gen_gf *m = masked();
    gen_trace *tr = NULL;
    gen_array *av[2] = {gen_scalar_i64(1), gen_scalar(1.0)};
    gen_args args = {2, av, NULL};
    CHECK_ERROR(gen_simulate(m, gen_key_new(1), &args, &tr), "mask(f): generate: the flag (argument 0) must be a 0-d bool array, got i64");
    CHECK_ERROR(gen_simulate(m, gen_key_new(1), NULL, &tr), "mask(f): generate: no flag argument (argument 0)");
    av[0] = gen_scalar_bool(false);
    CHECK_ERROR(gen_generate(m, gen_key_new(1), &args, one("z", 1), &tr, NULL),
                "mask(f): generate: constraint at z was not used by the model (the flag is off)");
    gen_array *w = NULL;
    CHECK_ERROR(gen_assess(m, &args, one("z", 1), &w, NULL), "mask(f): assess: constraint at z was not used");
    av[0] = gen_scalar_bool(true);
    CHECK_ERROR(gen_generate(m, gen_key_new(1), &args, one("q", 1), &tr, NULL),
                "mask(f): generate: constraint at q was not used by the model");
    CHECK(!tr);
    CHECK(gen_mask(NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_mask: the function is NULL");
}

int main(void) {
    RUN(test_on_off);
    RUN(test_in_dynamic_model);
    RUN(test_laws_and_batched);
    RUN(test_errors);
    return check_finish();
}
