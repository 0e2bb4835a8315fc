/* test_switch.c — the Switch combinator: Gen.jl's generate weight, values, update and
 * regenerate with the same branch (the branch revisited) and with a new one (weights by
 * hand, the discard holding the old branch, updating back), a Switch in a dynamic model
 * and inside a Map, the GFI laws, batched mode, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs[3]; /* executions of each branch body */

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* branch 0: a ~ N(x, 1); returns a */
static gen_status b0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs[0]++;
    *retval = gen_choose(ctx, "a", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* branch 1: z ~ N(x + 2y, 3); returns z */
static gen_status b1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs[1]++;
    gen_array *mu = gen_add(args->v[0], gen_mul(gen_scalar(2), args->v[1]));
    *retval = gen_choose(ctx, "z", gen_normal(mu, gen_scalar(3)));
    return gen_ctx_status(ctx);
}

/* branch 2: target += -0.7; c ~ N(0, 1) */
static gen_status b2(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs[2]++;
    gen_factor(ctx, gen_scalar(-0.7));
    *retval = gen_choose(ctx, "c", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_gf *sw(void) {
    const gen_gf *b[3] = {gen_dynamic("b0", b0), gen_dynamic("b1", b1), gen_dynamic("b2", b2)};
    return gen_switch(3, b);
}

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *one(const char *p, double v) {
    gen_addr a = path(p);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static double value(const gen_trace *tr, const char *p) {
    gen_addr a = path(p);
    return check_item(gen_trace_value(tr, &a));
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

static void test_values(void) {
    gen_gf *f = sw();
    gen_array *av[3] = {gen_scalar_i64(1), gen_scalar(5.0), gen_scalar(3.0)};
    gen_args args = {3, av, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL, *aw = NULL, *ret = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, one("z", 5.0), &tr, &w));
    CHECK_CLOSE(check_item(w), -4.017550822, 1e-9); /* Gen.jl's value for this model */
    CHECK_CLOSE(check_item(w), log_normal(5, 11, 3), 1e-14);
    if (!tr) return;
    CHECK(check_item(gen_trace_score(tr)) == check_item(w));
    CHECK(check_item(gen_trace_retval(tr)) == 5.0);
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 1 && value(tr, "z") == 5.0);
    CHECK_OK(gen_assess(f, &args, one("z", 5.0), &aw, &ret));
    CHECK_CLOSE(check_item(aw), log_normal(5, 11, 3), 1e-14);
    CHECK(ret && check_item(ret) == 5.0);
    gen_array *p = NULL;
    CHECK_OK(gen_project(tr, gen_select_all(), &p));
    CHECK(check_item(p) == check_item(w));
    CHECK_OK(gen_project(tr, gen_select_none(), &p));
    CHECK(check_item(p) == 0);
    /* branch 0 with a sampled */
    av[0] = gen_scalar_i64(0);
    CHECK_OK(gen_simulate(f, gen_key_new(2), &args, &tr));
    if (!tr) return;
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 1);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), log_normal(value(tr, "a"), 5, 1), 1e-14);
    /* branch 2: its factor counts in the weight, the score and project */
    av[0] = gen_scalar_i64(2);
    CHECK_OK(gen_generate(f, gen_key_new(3), &args, one("c", 0.5), &tr, &w));
    CHECK_CLOSE(check_item(w), log_normal(0.5, 0, 1) - 0.7, 1e-14);
    CHECK_OK(gen_project(tr, gen_select_none(), &p));
    CHECK_CLOSE(check_item(p), -0.7, 1e-14);
}

static void test_update_same_branch(void) {
    gen_gf *f = sw();
    gen_array *av[3] = {gen_scalar_i64(1), gen_scalar(5.0), gen_scalar(3.0)};
    gen_args args = {3, av, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, one("z", 5.0), &tr, NULL));
    if (!tr) return;
    /* x changes: branch 1 updated, z kept */
    gen_array *bv[3] = {av[0], gen_scalar(1.0), av[2]};
    gen_args args2 = {3, bv, NULL};
    gen_diff ad[3] = {gen_diff_no_change(), gen_diff_unknown(), gen_diff_no_change()};
    gen_array *w = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    runs[1] = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args2, ad, gen_choicemap_empty(), &t2, &w, &rd, &disc));
    CHECK(runs[1] == 1);
    if (!t2) return;
    CHECK_CLOSE(check_item(w), log_normal(5, 7, 3) - log_normal(5, 11, 3), 1e-14);
    CHECK(value(t2, "z") == 5.0 && gen_choicemap_is_empty(disc));
    /* a constraint on z: the discard holds the old z */
    CHECK_OK(gen_update(t2, gen_key_new(3), &args2, NULL, one("z", -1.0), &t2, &w, &rd, &disc));
    if (!t2) return;
    CHECK_CLOSE(check_item(w), log_normal(-1, 7, 3) - log_normal(5, 7, 3), 1e-14);
    gen_addr z = path("z");
    CHECK(check_item(gen_choicemap_get_value(disc, &z)) == 5.0);
    /* regenerate z: the prior proposes it, weight 0 */
    gen_trace *t3 = NULL;
    gen_selection *sz = gen_select_paths(1, (const char *[]){"z"});
    CHECK_OK(gen_regenerate(t2, gen_key_new(4), &args2, NULL, sz, &t3, &w, &rd));
    if (!t3) return;
    CHECK(check_item(w) == 0 && value(t3, "z") != -1.0);
    /* with a new x, regenerate of nothing: the density change of the kept z */
    CHECK_OK(gen_regenerate(t3, gen_key_new(5), &args, NULL, gen_select_none(), &t2, &w, &rd));
    if (t2) CHECK_CLOSE(check_item(w), log_normal(value(t3, "z"), 11, 3) - log_normal(value(t3, "z"), 7, 3), 1e-13);
}

static void test_update_new_branch(void) {
    gen_gf *f = sw();
    gen_array *av[3] = {gen_scalar_i64(1), gen_scalar(5.0), gen_scalar(3.0)};
    gen_args args = {3, av, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, one("z", 5.0), &tr, NULL));
    if (!tr) return;
    /* index 1 -> 0 with a constrained: weight = log N(0.5; 5, 1) - the old score */
    gen_array *bv[3] = {gen_scalar_i64(0), av[1], av[2]};
    gen_args args0 = {3, bv, NULL};
    gen_array *w = NULL, *w3 = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    runs[0] = runs[1] = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args0, NULL, one("a", 0.5), &t2, &w, &rd, &disc));
    CHECK(runs[0] == 1 && runs[1] == 0);
    if (!t2) return;
    CHECK_CLOSE(check_item(w), log_normal(0.5, 5, 1) - log_normal(5, 11, 3), 1e-14);
    CHECK_CLOSE(check_item(gen_trace_score(t2)), log_normal(0.5, 5, 1), 1e-14);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 1 && value(t2, "a") == 0.5);
    CHECK(gen_choicemap_equal(disc, gen_trace_choices(tr))); /* the old branch's choices */
    /* updating back with the discard restores tr, with weight -w */
    CHECK_OK(gen_update(t2, gen_key_new(3), &args, NULL, disc, &t3, &w3, &rd, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w3), -check_item(w), 1e-14);
    }
    /* unconstrained: a sampled, weight = -the old score */
    CHECK_OK(gen_update(tr, gen_key_new(4), &args0, NULL, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    if (t2) {
        CHECK_CLOSE(check_item(w), -log_normal(5, 11, 3), 1e-14);
        CHECK_CLOSE(check_item(gen_trace_score(t2)), log_normal(value(t2, "a"), 5, 1), 1e-14);
    }
    /* a constraint for the old branch fails: the new one does not make it */
    CHECK_ERROR(gen_update(tr, gen_key_new(4), &args0, NULL, one("z", 1.0), &t2, &w, &rd, NULL),
                "switch(b0, b1, b2): branch 0: generate: constraint at z was not used by the model");
    /* to branch 2 and back: its factor is part of the score */
    gen_array *cv[3] = {gen_scalar_i64(2), av[1], av[2]};
    gen_args args2 = {3, cv, NULL};
    CHECK_OK(gen_update(tr, gen_key_new(5), &args2, NULL, one("c", 0.25), &t2, &w, &rd, &disc));
    if (!t2) return;
    CHECK_CLOSE(check_item(w), log_normal(0.25, 0, 1) - 0.7 - log_normal(5, 11, 3), 1e-14);
    CHECK_OK(gen_update(t2, gen_key_new(6), &args, NULL, disc, &t3, &w3, &rd, &disc));
    if (!t3) return;
    CHECK_CLOSE(check_item(w3), -check_item(w), 1e-14);
    CHECK(value(t3, "z") == 5.0);
    CHECK(check_item(gen_choicemap_get_value(disc, &(gen_addr){1, {gen_part_name("c")}})) == 0.25);

    /* regenerate to a new branch: both proposed from the prior; only the factors count */
    CHECK_OK(gen_regenerate(tr, gen_key_new(7), &args2, NULL, gen_select_none(), &t2, &w, &rd));
    if (t2) CHECK_CLOSE(check_item(w), -0.7, 1e-14);
    CHECK_OK(gen_regenerate(t2, gen_key_new(8), &args0, NULL, gen_select_all(), &t3, &w, &rd));
    if (t3) {
        CHECK_CLOSE(check_item(w), 0.7, 1e-14);
        CHECK(gen_choicemap_count(gen_trace_choices(t3)) == 1);
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, &args0, gen_trace_choices(t3), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t3)), 1e-14);
    }
}

/* k ~ categorical([0.2, 0.5, 0.3]); y = switch(k, x, 0.5); obs ~ N(y, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *p = gen_array_from_f64(1, (int64_t[]){3}, (double[]){0.2, 0.5, 0.3});
    gen_array *k = gen_choose(ctx, "k", gen_categorical(p));
    gen_array *sa[3] = {k, args->v[0], gen_scalar(0.5)};
    gen_array *y = gen_call(ctx, "s", sw(), &(gen_args){3, sa, NULL});
    *retval = gen_choose(ctx, "obs", gen_normal(y, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_in_dynamic_model(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_array *x = gen_scalar(1.0);
    gen_args args = {1, &x, NULL};
    gen_choicemap *c = gen_choicemap_set(one("obs", 2.0), &(gen_addr){1, {gen_part_name("k")}}, gen_scalar_i64(1));
    gen_addr sz = path("s/z");
    c = gen_choicemap_set(c, &sz, gen_scalar(1.5));
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, c, &tr, &w));
    CHECK_CLOSE(check_item(w), log(0.5) + log_normal(1.5, 2, 3) + log_normal(2, 1.5, 1), 1e-14);
    if (!tr) return;
    /* k: 1 -> 0 with s/a constrained: the switch changes branch inside the model */
    gen_choicemap *c2 = gen_choicemap_set(one("s/a", 0.75), &(gen_addr){1, {gen_part_name("k")}}, gen_scalar_i64(0));
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args, NULL, c2, &t2, &w, NULL, &disc));
    if (!t2) return;
    double want = (log(0.2) - log(0.5)) + (log_normal(0.75, 1, 1) - log_normal(1.5, 2, 3)) +
                  (log_normal(2, 0.75, 1) - log_normal(2, 1.5, 1));
    CHECK_CLOSE(check_item(w), want, 1e-13);
    CHECK(check_item(gen_choicemap_get_value(disc, &sz)) == 1.5);
    gen_trace *t3 = NULL;
    CHECK_OK(gen_update(t2, gen_key_new(3), &args, NULL, disc, &t3, &w, NULL, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w), -want, 1e-13);
    }
    /* a constraint below the switch with k unchanged: only the branch body reruns */
    runs[1] = 0;
    CHECK_OK(gen_update(tr, gen_key_new(4), &args, NULL, one("s/z", 0.0), &t2, &w, NULL, NULL));
    CHECK(runs[1] == 1);
    if (t2)
        CHECK_CLOSE(check_item(w), log_normal(0, 2, 3) - log_normal(1.5, 2, 3) + log_normal(2, 0, 1) - log_normal(2, 1.5, 1),
                    1e-13);
}

/* element i: switch(k[i], x[i], 1.0) */
static gen_status map_kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sa[3] = {args->v[0], args->v[1], gen_scalar(1.0)};
    *retval = gen_call(ctx, "s", sw(), &(gen_args){3, sa, NULL});
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    for (int64_t k = 0; k < 3; k++) {
        gen_array *av[3] = {gen_scalar_i64(k), gen_scalar(0.5), gen_scalar(-1.0)};
        gen_args args = {3, av, NULL};
        CHECK_GFI_LAWS("switch(b0, b1, b2)", sw(), &args, 8, 6);
    }
    gen_array *x = gen_scalar(1.0);
    gen_args margs = {1, &x, NULL};
    CHECK_GFI_LAWS("a switch in a dynamic model", gen_dynamic("model", model), &margs, 12, 0);
    gen_array *mv[2] = {gen_array_from(GEN_I64, 1, (int64_t[]){4}, (int64_t[]){0, 1, 2, 1}),
                        gen_array_from_f64(1, (int64_t[]){4}, (double[]){0.1, 0.2, 0.3, 0.4})};
    gen_args largs = {2, mv, NULL};
    gen_gf *m = gen_map(gen_dynamic("kernel", map_kernel));
    CHECK_GFI_LAWS("map of a switch", m, &largs, 10, 0);
    /* a switch of a switch: the index picks the inner switch's index argument */
    const gen_gf *inner[2] = {sw(), sw()};
    gen_array *nv[4] = {gen_scalar_i64(1), gen_scalar_i64(2), gen_scalar(0.5), gen_scalar(-1.0)};
    gen_args nargs = {4, nv, NULL};
    CHECK_GFI_LAWS("switch of switches", gen_switch(2, inner), &nargs, 6, 4);
}

static void test_map_update(void) {
    gen_gf *m = gen_map(gen_dynamic("kernel", map_kernel));
    gen_array *kv = gen_array_from(GEN_I64, 1, (int64_t[]){3}, (int64_t[]){0, 1, 2});
    gen_array *xv = gen_array_from_f64(1, (int64_t[]){3}, (double[]){0.1, 0.2, 0.3});
    gen_array *mv[2] = {kv, xv};
    gen_args args = {2, mv, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_simulate(m, gen_key_new(1), &args, &tr));
    if (!tr) return;
    /* element 1 switches to branch 0: one element revisited, its old branch discarded */
    gen_array *kv2 = gen_array_from(GEN_I64, 1, (int64_t[]){3}, (int64_t[]){0, 0, 2});
    gen_array *mv2[2] = {kv2, xv};
    gen_args args2 = {2, mv2, NULL};
    gen_vector_diff vd = {3, 3, 1, (int64_t[]){1}, NULL};
    gen_diff ad[2] = {gen_diff_vector(&vd), gen_diff_no_change()};
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    runs[0] = runs[1] = runs[2] = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args2, ad, one("1/s/a", 0.0), &t2, &w, NULL, &disc));
    CHECK(runs[0] == 1 && runs[1] == 0 && runs[2] == 0);
    if (!t2) return;
    double z = value(tr, "1/s/z");
    CHECK_CLOSE(check_item(w), log_normal(0, 0.2, 1) - log_normal(z, 0.2 + 2, 3), 1e-13);
    CHECK(gen_choicemap_count(disc) == 1 && check_item(gen_choicemap_get_value(disc, &(gen_addr){3, {gen_part_int(1), gen_part_name("s"), gen_part_name("z")}})) == z);
}

/* s = switch(k, x, 0.5) with k an argument; batched over particles */
static gen_status shared_index(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sa[3] = {args->v[0], gen_scalar(0.3), gen_scalar(0.5)};
    gen_array *y = gen_call(ctx, "s", sw(), &(gen_args){3, sa, NULL});
    *retval = gen_choose(ctx, "obs", gen_normal(y, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_batched(void) {
    enum { P = 16 };
    gen_gf *f = gen_dynamic("shared", shared_index);
    gen_array *k = gen_scalar_i64(1);
    gen_args args = {1, &k, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(1), P, &args, one("obs", 0.5), &tr, &w));
    if (!tr) return;
    gen_addr sz = path("s/z");
    CHECK_SHAPE(gen_trace_value(tr, &sz), P);
    for (int i = 0; i < P; i++) {
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, &args, gen_choicemap_particle(gen_trace_choices(tr), i), &aw, NULL));
        if (aw) CHECK_CLOSE(check_item(aw), elem(gen_trace_score(tr), i), 1e-13);
    }
    /* a batched update changing branch (the index is shared): weight per particle */
    gen_array *k0 = gen_scalar_i64(0);
    gen_args args0 = {1, &k0, NULL};
    CHECK_OK(gen_update(tr, gen_key_new(2), &args0, NULL, one("s/a", 0.0), &t2, &w, NULL, NULL));
    if (!t2) return;
    CHECK_SHAPE(w, P);
    const double *z = gen_array_data(gen_trace_value(tr, &sz));
    for (int i = 0; i < P; i++)
        CHECK_CLOSE(elem(w, i), log_normal(0, 0.3, 1) + log_normal(0.5, 0, 1) - log_normal(z[i], 1.3, 3) -
                                    log_normal(0.5, z[i], 1),
                    1e-12);
    /* a batched index holding one value for every particle is the shared one */
    gen_array *kb = gen_batched(gen_full(GEN_I64, 1, (int64_t[]){P}, 2));
    gen_args argsb = {1, &kb, NULL};
    CHECK_OK(gen_simulate_batched(f, gen_key_new(3), P, &argsb, &tr));
    if (tr) CHECK_SHAPE(gen_trace_value(tr, &(gen_addr){2, {gen_part_name("s"), gen_part_name("c")}}), P);
    /* one that differs between particles: masking (tests/comb/test_masked.c) */
    int64_t ks[P] = {0};
    ks[5] = 1;
    gen_array *kd = gen_batched(gen_array_from(GEN_I64, 1, (int64_t[]){P}, ks));
    gen_args argsd = {1, &kd, NULL};
    CHECK_OK(gen_simulate_batched(f, gen_key_new(4), P, &argsd, &tr));
    CHECK_OK(gen_simulate_batched(f, gen_key_new(5), P, &args, &tr));
    if (tr) CHECK_OK(gen_update(tr, gen_key_new(6), &argsd, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    for (int i = 0; t2 && i < P; i++) {
        gen_array *aw = NULL, *ki = gen_scalar_i64(ks[i]);
        CHECK_OK(gen_assess(f, &(gen_args){1, &ki, NULL}, gen_choicemap_particle(gen_trace_choices(t2), i), &aw, NULL));
        if (aw) CHECK_CLOSE(check_item(aw), elem(gen_trace_score(t2), i), 1e-13);
    }
    CHECK_GFI_LAWS("batched switch in a model", f, &args, 3, 8);
}

static void test_errors(void) {
    gen_gf *f = sw();
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "switch(b0, b1, b2): generate: no index argument (argument 0)");
    gen_array *av[3] = {gen_scalar(1.0), gen_scalar(5.0), gen_scalar(3.0)};
    gen_args args = {3, av, NULL};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &args, &tr), "the index (argument 0) must be a 0-d i64 array, got f64");
    av[0] = gen_scalar_i64(3);
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &args, &tr), "switch(b0, b1, b2): generate: index 3 is not a branch (3 branches)");
    av[0] = gen_scalar_i64(-1);
    gen_array *aw = NULL;
    CHECK_ERROR(gen_assess(f, &args, gen_choicemap_empty(), &aw, NULL), "assess: index -1 is not a branch");
    av[0] = gen_scalar_i64(1);
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, one("q", 1.0), &tr, NULL),
                "switch(b0, b1, b2): branch 1: generate: constraint at q was not used by the model");
    CHECK_ERROR(gen_assess(f, &args, one("q", 1.0), &aw, NULL), "switch(b0, b1, b2): branch 1:");
    av[2] = gen_scalar(NAN);
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &args, &tr), "switch(b0, b1, b2): branch 1: ");
    CHECK(!tr);
    CHECK(gen_switch(0, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_switch: needs at least one branch (got 0, NULL)");
    const gen_gf *nb[2] = {gen_dynamic("b0", b0), NULL};
    CHECK(gen_switch(2, nb) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_switch: branch 1 is NULL");
}

int main(void) {
    RUN(test_values);
    RUN(test_update_same_branch);
    RUN(test_update_new_branch);
    RUN(test_in_dynamic_model);
    RUN(test_laws);
    RUN(test_map_update);
    RUN(test_batched);
    RUN(test_errors);
    return check_finish();
}
