/* test_unfold.c — the Unfold combinator: Gen.jl's reference values (assess, and an
 * update that grows the chain and changes a parameter), incremental update / regenerate
 * with kernel runs counted (extending by one step runs the kernel once, a constraint at
 * the last step runs only that step, propagation stops where a state is unchanged),
 * shrinking, n = 0, an Unfold in a dynamic model, a Map inside the kernel, batched mode
 * particle by particle, the GFI laws, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs; /* kernel body executions */

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* args (t, x_prev, alpha, beta): x ~ N(alpha * x_prev + beta, 1); returns x */
static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_array *mu = gen_add(gen_mul(args->v[2], args->v[1]), args->v[3]);
    *retval = gen_choose(ctx, "x", gen_normal(mu, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *chain(void) { return gen_unfold(gen_dynamic("step", step)); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_addr xat(int64_t t) { return (gen_addr){2, {gen_part_int(t), gen_part_name("x")}}; }

static gen_choicemap *xs(int n, const double *x, int first) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = xat(first + i);
        m = gen_choicemap_set(m, &a, gen_scalar(x[i]));
    }
    return m;
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }
static double xof(const gen_trace *tr, int64_t t) {
    gen_addr a = xat(t);
    return check_item(gen_trace_value(tr, &a));
}

/* (n, init, alpha, beta) */
typedef struct cargs {
    gen_array *v[4];
    gen_args a;
} cargs;

static gen_args *mk(cargs *c, int64_t n, double init, double alpha, double beta) {
    c->v[0] = gen_scalar_i64(n), c->v[1] = gen_scalar(init), c->v[2] = gen_scalar(alpha), c->v[3] = gen_scalar(beta);
    c->a = (gen_args){4, c->v, NULL};
    return &c->a;
}

/* The chain's log density by hand. */
static double chain_lp(const gen_trace *tr, int64_t n, double init, double alpha, double beta) {
    double lp = 0, prev = init;
    for (int64_t t = 0; t < n; t++) {
        double x = xof(tr, t);
        lp += log_normal(x, alpha * prev + beta, 1);
        prev = x;
    }
    return lp;
}

/* Gen.jl's tests (1-based steps x_1..x_3 are GenC's addresses 0..2). */
static void test_gen_jl_values(void) {
    gen_gf *f = chain();
    cargs c;
    gen_array *w = NULL, *ret = NULL;
    double x3[3] = {1.1, 1.2, 1.3};
    CHECK_OK(gen_assess(f, mk(&c, 3, 0.1, 0.2, 0.3), xs(3, x3, 0), &w, &ret));
    CHECK_NEAR(check_item(w), -3.581015600, 1e-9);
    CHECK_CLOSE(check_item(w), -3.581015599614018, 1e-12); /* scipy */
    double want[3] = {1.1, 1.2, 1.3};
    CHECK_ARRAY(ret, want, 3, 0, 0);

    /* length 2 with x_1 = 1.1, x_2 = 1.2 (addresses 0, 1); then length 3, alpha = 0.5,
     * x_2 = 1.3, x_3 = 1.4 (addresses 1, 2), every argdiff unknown */
    gen_trace *tr = NULL, *t2 = NULL;
    double x2[2] = {1.1, 1.2};
    CHECK_OK(gen_generate(f, gen_key_new(1), mk(&c, 2, 0.1, 0.2, 0.3), xs(2, x2, 0), &tr, &w));
    CHECK_CLOSE(check_item(w), -2.373277066, 1e-9);
    double x23[2] = {1.3, 1.4};
    gen_choicemap *disc = NULL;
    gen_diff rd;
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), mk(&c, 3, 0.1, 0.5, 0.3), NULL, xs(2, x23, 1), &t2, &w, &rd, &disc));
    CHECK(runs == 3);
    if (!t2) return;
    CHECK_NEAR(check_item(gen_trace_score(t2)), -3.240565600, 1e-9);
    CHECK_NEAR(check_item(w), -0.867288533, 1e-9);
    CHECK(gen_choicemap_count(disc) == 1);
    gen_addr a1 = xat(1);
    CHECK(check_item(gen_choicemap_get_value(disc, &a1)) == 1.2);
    double want2[3] = {1.1, 1.3, 1.4};
    CHECK_ARRAY(gen_trace_retval(t2), want2, 3, 0, 0);
    /* steps 0 and 1 reran (new alpha) but only state 1 changed (state 0 is the kept
     * x_1); step 2 is new */
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->new_length == 3 && rd.vector->prev_length == 2);
    CHECK(rd.vector->n_updated == 1 && rd.vector->updated[0] == 1);
}

static void test_generate_project(void) {
    gen_gf *f = chain();
    cargs c;
    gen_args *args = mk(&c, 4, 0.5, 0.8, -0.1);
    gen_trace *tr = NULL;
    gen_array *w = NULL, *p = NULL;
    double x[2] = {0.3, -0.2};
    gen_choicemap *cons = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){2, {gen_part_int(1), gen_part_name("x")}},
                                            gen_scalar(x[0]));
    CHECK_OK(gen_generate(f, gen_key_new(3), args, cons, &tr, &w));
    if (!tr) return;
    CHECK_CLOSE(check_item(w), log_normal(0.3, 0.8 * xof(tr, 0) - 0.1, 1), 1e-13);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), chain_lp(tr, 4, 0.5, 0.8, -0.1), 1e-13);
    CHECK_SHAPE(gen_trace_retval(tr), 4);
    for (int t = 0; t < 4; t++) CHECK(elem(gen_trace_retval(tr), t) == xof(tr, t));
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 4);
    gen_selection *s2 = gen_select_paths(1, (const char *[]){"2"});
    CHECK_OK(gen_project(tr, s2, &p));
    CHECK_CLOSE(check_item(p), log_normal(xof(tr, 2), 0.8 * xof(tr, 1) - 0.1, 1), 1e-13);
    CHECK_OK(gen_project(tr, gen_select_all(), &p));
    CHECK_CLOSE(check_item(p), check_item(gen_trace_score(tr)), 1e-13);
}

static void test_incremental(void) {
    enum { N = 50 };
    gen_gf *f = chain();
    cargs c;
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(4), mk(&c, N, 0.0, 0.9, 0.1), &tr));
    if (!tr) return;
    gen_diff grow[4] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    gen_diff same[4] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};

    /* extending by one step runs the kernel once; its density is in the weight only when
     * constrained */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(5), mk(&c, N + 1, 0.0, 0.9, 0.1), grow, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 1);
    if (!t2) return;
    CHECK(check_item(w) == 0);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->new_length == N + 1 && rd.vector->prev_length == N &&
          rd.vector->n_updated == 0);
    CHECK_CLOSE(check_item(gen_trace_score(t2)), chain_lp(t2, N + 1, 0.0, 0.9, 0.1), 1e-12);
    double y = 0.7;
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(5), mk(&c, N + 1, 0.0, 0.9, 0.1), grow, xs(1, &y, N), &t2, &w, NULL, NULL));
    CHECK(runs == 1);
    CHECK_CLOSE(check_item(w), log_normal(0.7, 0.9 * xof(tr, N - 1) + 0.1, 1), 1e-13);
    /* kept steps share their choices with the old trace */
    gen_addr a5 = path("5");
    CHECK(gen_choicemap_get_submap(gen_trace_choices(t2), &a5) == gen_choicemap_get_submap(gen_trace_choices(tr), &a5));

    /* a constraint at the last step runs only that step */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(6), mk(&c, N, 0.0, 0.9, 0.1), same, xs(1, &y, N - 1), &t2, &w, &rd, &disc));
    CHECK(runs == 1);
    CHECK_CLOSE(check_item(w), log_normal(0.7, 0.9 * xof(tr, N - 2) + 0.1, 1) - log_normal(xof(tr, N - 1), 0.9 * xof(tr, N - 2) + 0.1, 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == N - 1);
    gen_addr alast = xat(N - 1);
    CHECK(check_item(gen_choicemap_get_value(disc, &alast)) == xof(tr, N - 1));

    /* a constraint in the middle: that step and the next (its incoming state changed)
     * rerun; the next returns its kept x, the same state, so the rerun stops there */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(7), mk(&c, N, 0.0, 0.9, 0.1), same, xs(1, &y, 10), &t2, &w, &rd, NULL));
    CHECK(runs == 2);
    double x9 = xof(tr, 9), x10 = xof(tr, 10), x11 = xof(tr, 11);
    CHECK_CLOSE(check_item(w), log_normal(0.7, 0.9 * x9 + 0.1, 1) - log_normal(x10, 0.9 * x9 + 0.1, 1) +
                               log_normal(x11, 0.9 * 0.7 + 0.1, 1) - log_normal(x11, 0.9 * x10 + 0.1, 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == 10);
    if (t2) CHECK_CLOSE(check_item(gen_trace_score(t2)), chain_lp(t2, N, 0.0, 0.9, 0.1), 1e-12);
    /* two constraints far apart: each reruns itself and its successor */
    double y2[1] = {-0.4};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(7), mk(&c, N, 0.0, 0.9, 0.1), same,
                        gen_choicemap_merge(xs(1, &y, 3), xs(1, y2, 30)), &t2, &w, NULL, NULL));
    CHECK(runs == 4);
    if (t2) CHECK_CLOSE(check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), check_item(w), 1e-9);

    /* nothing changed: no run, weight 0, no change */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(8), mk(&c, N, 0.0, 0.9, 0.1), same, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 0 && check_item(w) == 0 && rd.kind == GEN_DIFF_NO_CHANGE);

    /* a new initial state reruns step 0, whose state (its kept x) is unchanged */
    gen_diff init_changed[4] = {gen_diff_no_change(), gen_diff_unknown(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(9), mk(&c, N, 1.0, 0.9, 0.1), init_changed, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 1);
    CHECK_CLOSE(check_item(w), log_normal(xof(tr, 0), 0.9 + 0.1, 1) - log_normal(xof(tr, 0), 0.1, 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE);

    /* a new parameter reruns every step */
    gen_diff alpha_changed[4] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_unknown(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(10), mk(&c, N, 0.0, 0.5, 0.1), alpha_changed, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == N);
    if (t2) CHECK_CLOSE(check_item(w), chain_lp(tr, N, 0.0, 0.5, 0.1) - chain_lp(tr, N, 0.0, 0.9, 0.1), 1e-10);

    /* shrinking by 5: no run, the dropped steps discarded and subtracted */
    gen_diff shrink[4] = {gen_diff_int(-5), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(11), mk(&c, N - 5, 0.0, 0.9, 0.1), shrink, gen_choicemap_empty(), &t2, &w, &rd, &disc));
    CHECK(runs == 0);
    if (!t2) return;
    double dropped = chain_lp(tr, N, 0.0, 0.9, 0.1) - chain_lp(tr, N - 5, 0.0, 0.9, 0.1);
    CHECK_CLOSE(check_item(w), -dropped, 1e-10);
    CHECK(gen_choicemap_count(disc) == 5);
    CHECK(check_item(gen_choicemap_get_value(disc, &alast)) == xof(tr, N - 1));
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->new_length == N - 5 && rd.vector->n_updated == 0);
    CHECK_SHAPE(gen_trace_retval(t2), N - 5);
    /* growing back with the discard restores the trace with the opposite weight */
    gen_trace *t3 = NULL;
    gen_array *w3 = NULL;
    gen_diff back[4] = {gen_diff_int(5), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(t2, gen_key_new(12), mk(&c, N, 0.0, 0.9, 0.1), back, disc, &t3, &w3, NULL, NULL));
    CHECK(runs == 5);
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w3), dropped, 1e-10);
    }
    /* the same without argdiffs (all unknown) reruns everything, with the same weight */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(11), mk(&c, N - 5, 0.0, 0.9, 0.1), NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == N - 5);
    CHECK_CLOSE(check_item(w), -dropped, 1e-10);
}

static void test_regenerate(void) {
    enum { N = 30 };
    gen_gf *f = chain();
    cargs c;
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd;
    CHECK_OK(gen_simulate(f, gen_key_new(13), mk(&c, N, 0.0, 0.9, 0.1), &tr));
    gen_diff same[4] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    gen_selection *sel = gen_select_paths(1, (const char *[]){"20/x"});
    runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(14), mk(&c, N, 0.0, 0.9, 0.1), same, sel, &t2, &w, &rd));
    CHECK(runs == 2);
    if (!t2) return;
    CHECK(xof(t2, 20) != xof(tr, 20) && xof(t2, 21) == xof(tr, 21) && xof(t2, 19) == xof(tr, 19));
    /* Gen.jl: the resampled x_20 contributes nothing; x_21's density changes */
    CHECK_CLOSE(check_item(w), log_normal(xof(tr, 21), 0.9 * xof(t2, 20) + 0.1, 1) -
                               log_normal(xof(tr, 21), 0.9 * xof(tr, 20) + 0.1, 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == 20);
    CHECK_CLOSE(check_item(gen_trace_score(t2)), chain_lp(t2, N, 0.0, 0.9, 0.1), 1e-12);
    /* regenerate while growing by 2 and shrinking by 3: new steps weigh 0, dropped choices
     * nothing (proposed backward from the prior) */
    gen_diff grow[4] = {gen_diff_int(2), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(15), mk(&c, N + 2, 0.0, 0.9, 0.1), grow, gen_select_none(), &t2, &w, NULL));
    CHECK(runs == 2 && check_item(w) == 0);
    gen_diff shrink[4] = {gen_diff_int(-3), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(16), mk(&c, N - 3, 0.0, 0.9, 0.1), shrink, gen_select_none(), &t2, &w, NULL));
    CHECK(runs == 0 && check_item(w) == 0);
    if (t2) CHECK(gen_choicemap_count(gen_trace_choices(t2)) == N - 3);
}

static void test_zero_steps(void) {
    gen_gf *f = chain();
    cargs c;
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL, *ret = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(17), mk(&c, 0, 0.5, 0.9, 0.1), &tr));
    if (!tr) return;
    CHECK(check_item(gen_trace_score(tr)) == 0);
    CHECK(gen_choicemap_is_empty(gen_trace_choices(tr)));
    CHECK_SHAPE(gen_trace_retval(tr), 0);
    CHECK_OK(gen_assess(f, mk(&c, 0, 0.5, 0.9, 0.1), gen_choicemap_empty(), &w, &ret));
    CHECK(check_item(w) == 0);
    CHECK_SHAPE(ret, 0);
    /* a vector state: the empty stack is [0, 3] */
    gen_array *v3 = gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){1, 2, 3});
    gen_array *vargs[4] = {gen_scalar_i64(0), v3, gen_scalar(1), gen_scalar(0)};
    CHECK_OK(gen_assess(f, &(gen_args){4, vargs, NULL}, gen_choicemap_empty(), &w, &ret));
    CHECK_SHAPE(ret, 0, 3);
    /* growing from nothing */
    gen_diff grow[4] = {gen_diff_int(2), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(18), mk(&c, 2, 0.5, 0.9, 0.1), grow, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == 2);
    if (t2) CHECK_CLOSE(check_item(gen_trace_score(t2)), chain_lp(t2, 2, 0.5, 0.9, 0.1), 1e-13);
}

/* init ~ N(0, 1); xs ~ Unfold(step)(n, init, 0.9, 0.1); y ~ N(xs[n-1], 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *init = gen_choose(ctx, "init", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *v[4] = {args->v[0], init, gen_scalar(0.9), gen_scalar(0.1)};
    gen_array *xs = gen_call(ctx, "chain", chain(), &(gen_args){4, v, NULL});
    gen_array *last = xs ? gen_take(xs, gen_scalar_i64(-1), gen_batch_size() ? 1 : 0) : NULL;
    *retval = gen_choose(ctx, "y", gen_normal(last, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_in_dynamic_model(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_array *n = gen_scalar_i64(6);
    gen_args args = {1, &n, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL, *aw = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(19), &args, &tr));
    /* a constraint below the chain: that step and the next rerun */
    gen_addr a = path("chain/3/x");
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(20), &args, NULL, gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(1.5)),
                        &t2, &w, NULL, NULL));
    CHECK(runs == 2);
    if (t2) {
        CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-12);
        CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), 1e-12);
    }
    /* a new initial state: step 0 reruns, then the states are the same */
    gen_addr ai = path("init");
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(21), &args, NULL, gen_choicemap_set(gen_choicemap_empty(), &ai, gen_scalar(0.3)),
                        &t2, &w, NULL, NULL));
    CHECK(runs == 1);
    /* one more step through the model's argument */
    gen_array *n7 = gen_scalar_i64(7);
    gen_diff d7 = gen_diff_unknown();
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(22), &(gen_args){1, &n7, NULL}, &d7, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == 1);
    if (t2) CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 9);
}

static void test_batched(void) {
    enum { P = 16 };
    gen_gf *f = gen_dynamic("model", model);
    gen_array *n = gen_scalar_i64(5);
    gen_args args = {1, &n, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(23), P, &args, &tr));
    if (!tr) return;
    gen_addr a = path("chain/3/x");
    CHECK_SHAPE(gen_trace_value(tr, &a), P);
    for (int i = 0; i < P; i++) {
        gen_array *w = NULL;
        CHECK_OK(gen_assess(f, &args, gen_choicemap_particle(gen_trace_choices(tr), i), &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(tr), i), 1e-13);
    }
    /* the Unfold alone, batched: states [P, n]; extend by one step */
    gen_gf *u = chain();
    cargs c;
    gen_trace *ut = NULL, *u2 = NULL;
    CHECK_OK(gen_simulate_batched(u, gen_key_new(24), P, mk(&c, 5, 0.2, 0.9, 0.1), &ut));
    if (!ut) return;
    CHECK_SHAPE(gen_trace_retval(ut), P, 5);
    CHECK_SHAPE(gen_trace_score(ut), P);
    gen_diff grow[4] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    double y = 0.25;
    gen_array *w = NULL;
    runs = 0;
    CHECK_OK(gen_update(ut, gen_key_new(25), mk(&c, 6, 0.2, 0.9, 0.1), grow, xs(1, &y, 5), &u2, &w, NULL, NULL));
    CHECK(runs == 1);
    if (!u2) return;
    CHECK_SHAPE(w, P);
    CHECK_SHAPE(gen_trace_retval(u2), P, 6);
    gen_addr a4 = xat(4);
    const gen_array *x4 = gen_trace_value(ut, &a4);
    for (int i = 0; i < P; i++) {
        CHECK_CLOSE(elem(w, i), log_normal(0.25, 0.9 * elem(x4, i) + 0.1, 1), 1e-12);
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(u, mk(&c, 6, 0.2, 0.9, 0.1), gen_choicemap_particle(gen_trace_choices(u2), i), &aw, NULL));
        if (aw) CHECK_CLOSE(check_item(aw), elem(gen_trace_score(u2), i), 1e-12);
        CHECK(elem(gen_trace_retval(u2), i * 6 + 5) == 0.25);
    }
}

/* A Map inside the kernel: the state is a vector; each element z_i ~ N(0.5 * x_i, 1). */
static gen_status elem_kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "z", gen_normal(gen_mul(gen_scalar(0.5), args->v[0]), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status vec_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_array *s = args->v[1];
    *retval = gen_call(ctx, "m", gen_map(gen_dynamic("elem", elem_kernel)), &(gen_args){1, &s, NULL});
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    cargs c;
    CHECK_GFI_LAWS("unfold(step)", chain(), mk(&c, 5, 0.1, 0.8, 0.2), 10, 8);
    CHECK_GFI_LAWS("unfold(step), no steps", chain(), mk(&c, 0, 0.1, 0.8, 0.2), 2, 4);
    gen_array *n = gen_scalar_i64(4);
    gen_args margs = {1, &n, NULL};
    CHECK_GFI_LAWS("an unfold in a dynamic model", gen_dynamic("model", model), &margs, 10, 8);
    gen_array *vargs[2] = {gen_scalar_i64(3), gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){1, -1, 2})};
    gen_args va = {2, vargs, NULL};
    gen_gf *vu = gen_unfold(gen_dynamic("vec_step", vec_step));
    CHECK_GFI_LAWS("unfold of a kernel calling a map", vu, &va, 10, 8);
    /* the same nesting, incremental: a constraint at step 1 element 2 reruns steps 1 and 2 */
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(vu, gen_key_new(26), &va, &tr));
    gen_addr a = path("1/m/2/z");
    gen_diff same[2] = {gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(27), &va, same, gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(0.0)), &t2, &w, NULL, NULL));
    CHECK(runs == 2);
    if (t2) CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), 1e-12);
}

/* returns nothing */
static gen_status no_state(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* returns a [2] state from a scalar one */
static gen_status wrong_shape(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_normal(gen_zeros(GEN_F64, 1, (int64_t[]){2}), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = chain();
    cargs c;
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "unfold(step): generate: needs the number of steps and the initial state (got 0 arguments)");
    gen_array *bad[4] = {gen_scalar(3), gen_scalar(0), gen_scalar(1), gen_scalar(0)};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &(gen_args){4, bad, NULL}, &tr),
                "unfold(step): generate: argument 0 (the number of steps) must be a 0-d i64 array");
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), mk(&c, -1, 0, 1, 0), &tr), "the number of steps must be >= 0, got -1");
    gen_addr a7 = xat(7);
    CHECK_ERROR(gen_generate(f, gen_key_new(1), mk(&c, 3, 0, 1, 0), gen_choicemap_set(gen_choicemap_empty(), &a7, gen_scalar(0)), &tr, NULL),
                "unfold(step): generate: constraint at 7 is not an element (3 elements)");
    gen_addr aq = path("1/q");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), mk(&c, 3, 0, 1, 0), gen_choicemap_set(gen_choicemap_empty(), &aq, gen_scalar(0)), &tr, NULL),
                "unfold(step): 1: generate: constraint at q was not used by the model");
    gen_array *w = NULL;
    CHECK_ERROR(gen_assess(f, mk(&c, 2, 0, 1, 0), xs(1, (double[]){0.5}, 0), &w, NULL), "unfold(step): 1: ");
    CHECK_ERROR(gen_simulate(gen_unfold(gen_dynamic("no_state", no_state)), gen_key_new(1), mk(&c, 2, 0, 1, 0), &tr),
                "unfold(no_state): 0: the kernel returned no state");
    CHECK_ERROR(gen_simulate(gen_unfold(gen_dynamic("wrong_shape", wrong_shape)), gen_key_new(1), mk(&c, 2, 0, 1, 0), &tr),
                "unfold(wrong_shape): 0: the kernel returned a state of 1 dims, shaped unlike the initial state (0 dims)");
    /* in update: a constraint past the new length, and a failing step named */
    CHECK_OK(gen_simulate(f, gen_key_new(2), mk(&c, 3, 0, 1, 0), &tr));
    gen_trace *t2 = NULL;
    CHECK_ERROR(gen_update(tr, gen_key_new(3), mk(&c, 2, 0, 1, 0), NULL, xs(1, (double[]){0}, 2), &t2, &w, NULL, NULL),
                "unfold(step): update: constraint at 2 is not an element (2 elements)");
    gen_array *nan_beta[4] = {gen_scalar_i64(3), gen_scalar(0), gen_scalar(1), gen_scalar(NAN)};
    gen_diff beta_changed[4] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change(), gen_diff_unknown()};
    CHECK_ERROR(gen_update(tr, gen_key_new(3), &(gen_args){4, nan_beta, NULL}, beta_changed, gen_choicemap_empty(), &t2, &w, NULL, NULL),
                "unfold(step): 0: x: normal");
    CHECK(!t2 && !w);
    CHECK(gen_unfold(NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_unfold: the kernel is NULL");
}

int main(void) {
    RUN(test_gen_jl_values);
    RUN(test_generate_project);
    RUN(test_incremental);
    RUN(test_regenerate);
    RUN(test_zero_steps);
    RUN(test_in_dynamic_model);
    RUN(test_batched);
    RUN(test_laws);
    RUN(test_errors);
    return check_finish();
}
