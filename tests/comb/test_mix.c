/* test_mix.c — the Mix combinator: densities by hand (the joint, the mixture marginal),
 * index frequencies, update changing the index (weights, discard, updating back) and
 * the logits, regenerate of the index, a Mix in a dynamic model, the GFI laws, batched
 * mode and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* c0: x ~ N(mu, 1); c1: x ~ N(mu + 3, 0.5); both return x */
static gen_status c0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status c1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(gen_add(args->v[0], gen_scalar(3)), gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static gen_gf *mix2(void) {
    const gen_gf *c[2] = {gen_dynamic("c0", c0), gen_dynamic("c1", c1)};
    return gen_mix(2, c);
}

static gen_array *logits(double a, double b) { return gen_array_from_f64(1, (int64_t[]){2}, (double[]){a, b}); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *choice(gen_choicemap *m, const char *p, gen_array *v) {
    gen_addr a = path(p);
    return gen_choicemap_set(m ? m : gen_choicemap_empty(), &a, v);
}

static double value(const gen_trace *tr, const char *p) {
    gen_addr a = path(p);
    return check_item(gen_trace_value(tr, &a));
}

static void test_values(void) {
    gen_gf *f = mix2();
    gen_array *av[2] = {logits(0, log(4)), gen_scalar(1.0)}; /* weights 0.2, 0.8 */
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL, *ret = NULL;
    gen_choicemap *c = choice(choice(NULL, "index", gen_scalar_i64(1)), "component/x", gen_scalar(2.0));
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, c, &tr, &w));
    double want = log(0.8) + log_normal(2, 4, 0.5);
    CHECK_CLOSE(check_item(w), want, 1e-14);
    if (!tr) return;
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-14);
    CHECK(check_item(gen_trace_retval(tr)) == 2.0 && gen_choicemap_count(gen_trace_choices(tr)) == 2);
    gen_array *p = NULL;
    gen_selection *si = gen_select_paths(1, (const char *[]){"index"});
    CHECK_OK(gen_project(tr, si, &p));
    CHECK_CLOSE(check_item(p), log(0.8), 1e-14);
    gen_selection *sx = gen_select_paths(1, (const char *[]){"component"});
    CHECK_OK(gen_project(tr, sx, &p));
    CHECK_CLOSE(check_item(p), log_normal(2, 4, 0.5), 1e-14);
    /* only x constrained: the index sampled, weight = the component's density */
    CHECK_OK(gen_generate(f, gen_key_new(2), &args, choice(NULL, "component/x", gen_scalar(2.0)), &tr, &w));
    if (tr) {
        double k = value(tr, "index");
        CHECK_CLOSE(check_item(w), k ? log_normal(2, 4, 0.5) : log_normal(2, 1, 1), 1e-14);
    }
    /* the mixture's marginal density at x = 2: logsumexp over the index of assess */
    double m = 0;
    for (int k = 0; k < 2; k++) {
        CHECK_OK(gen_assess(f, &args, choice(choice(NULL, "index", gen_scalar_i64(k)), "component/x", gen_scalar(2.0)), &w, &ret));
        m += exp(check_item(w));
        CHECK(ret && check_item(ret) == 2.0);
    }
    CHECK_CLOSE(log(m), log(0.2 * exp(log_normal(2, 1, 1)) + 0.8 * exp(log_normal(2, 4, 0.5))), 1e-14);
}

static void test_frequencies(void) {
    enum { N = 4000 };
    gen_gf *f = mix2();
    gen_array *av[2] = {logits(0.3, 0.3 + log(4)), gen_scalar(0.0)}; /* unnormalized: 0.2, 0.8 */
    gen_args args = {2, av, NULL};
    int ones = 0;
    double xsum = 0;
    for (int i = 0; i < N; i++) {
        gen_scope_begin();
        gen_trace *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(100 + (uint64_t)i), &args, &tr));
        if (tr) {
            ones += value(tr, "index") == 1;
            xsum += value(tr, "component/x");
        }
        gen_scope_end();
    }
    /* 0.8 +- 4 sd (sd = sqrt(0.16 / N) = 0.0063); E[x] = 0.8 * 3 = 2.4, sd(x) ~ 1.3 */
    CHECK_NEAR((double)ones / N, 0.8, 4 * 0.0064);
    CHECK_NEAR(xsum / N, 2.4, 4 * 1.32 / sqrt(N));
}

static void test_update(void) {
    gen_gf *f = mix2();
    gen_array *av[2] = {logits(0, log(4)), gen_scalar(1.0)};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, choice(choice(NULL, "index", gen_scalar_i64(1)), "component/x", gen_scalar(2.0)), &tr, NULL));
    if (!tr) return;
    /* index 1 -> 0 with x constrained */
    gen_choicemap *c = choice(choice(NULL, "index", gen_scalar_i64(0)), "component/x", gen_scalar(0.5));
    CHECK_OK(gen_update(tr, gen_key_new(2), &args, NULL, c, &t2, &w, &rd, &disc));
    if (!t2) return;
    double want = log(0.2) - log(0.8) + log_normal(0.5, 1, 1) - log_normal(2, 4, 0.5);
    CHECK_CLOSE(check_item(w), want, 1e-14);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_equal(disc, gen_trace_choices(tr)));
    CHECK_OK(gen_update(t2, gen_key_new(3), &args, NULL, disc, &t3, &w3, &rd, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(w3), -want, 1e-14);
    }
    /* index 1 -> 0 alone: x sampled from c0, weight = index change - the old x */
    CHECK_OK(gen_update(tr, gen_key_new(4), &args, NULL, choice(NULL, "index", gen_scalar_i64(0)), &t2, &w, &rd, &disc));
    if (t2) {
        CHECK_CLOSE(check_item(w), log(0.2) - log(0.8) - log_normal(2, 4, 0.5), 1e-14);
        CHECK(gen_choicemap_count(disc) == 2);
    }
    /* new logits, index kept: its density change only (component untouched) */
    gen_array *bv[2] = {logits(log(3), 0), av[1]}; /* 0.75, 0.25 */
    gen_args args2 = {2, bv, NULL};
    gen_diff ad[2] = {gen_diff_unknown(), gen_diff_no_change()};
    CHECK_OK(gen_update(tr, gen_key_new(5), &args2, ad, gen_choicemap_empty(), &t2, &w, &rd, &disc));
    if (t2) {
        CHECK_CLOSE(check_item(w), log(0.25) - log(0.8), 1e-14);
        CHECK(gen_choicemap_is_empty(disc) && value(t2, "component/x") == 2.0);
    }
    /* regenerate the index: the new component (if it changed) is proposed from the prior
     * and the index too: weight 0 either way here (no factors, same mu) */
    gen_selection *si = gen_select_paths(1, (const char *[]){"index"});
    int changed = 0;
    for (uint64_t s = 0; s < 20; s++) {
        CHECK_OK(gen_regenerate(tr, gen_key_new(10 + s), &args, NULL, si, &t2, &w, &rd));
        if (!t2) return;
        CHECK(check_item(w) == 0);
        changed += value(t2, "index") == 0;
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-14);
    }
    CHECK(changed > 0 && changed < 20);
    /* regenerate x with the index kept but new logits: the index's density change */
    gen_selection *sx = gen_select_paths(1, (const char *[]){"component/x"});
    CHECK_OK(gen_regenerate(tr, gen_key_new(40), &args2, NULL, sx, &t2, &w, &rd));
    if (t2) CHECK_CLOSE(check_item(w), log(0.25) - log(0.8), 1e-14);
}

/* m ~ N(0, 1); y = mix([0.5, 0.5] logits 0, m); obs ~ N(y, 0.3) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *ma[2] = {logits(0, 0), m};
    gen_array *y = gen_call(ctx, "y", mix2(), &(gen_args){2, ma, NULL});
    *retval = gen_choose(ctx, "obs", gen_normal(y, gen_scalar(0.3)));
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    gen_array *av[2] = {logits(-0.5, 0.5), gen_scalar(0.2)};
    gen_args args = {2, av, NULL};
    CHECK_GFI_LAWS("mix(c0, c1)", mix2(), &args, 16, 0);
    CHECK_GFI_LAWS("a mix in a dynamic model", gen_dynamic("model", model), NULL, 16, 0);
    const gen_gf *c[1] = {gen_dynamic("c0", c0)};
    gen_array *l1 = gen_array_from_f64(1, (int64_t[]){1}, (double[]){0.0});
    gen_array *bv[2] = {l1, gen_scalar(0.2)};
    gen_args args1 = {2, bv, NULL};
    CHECK_GFI_LAWS("mix(c0): one component, batched", gen_mix(1, c), &args1, 4, 8);
    /* a mix of mixes: the inner logits come from the outer component's arguments */
    const gen_gf *inner[2] = {mix2(), mix2()};
    gen_array *nv[3] = {logits(0, 1), logits(1, 0), gen_scalar(0.2)};
    gen_args nargs = {3, nv, NULL};
    CHECK_GFI_LAWS("mix of mixes", gen_mix(2, inner), &nargs, 8, 0);
}

static void test_batched(void) {
    enum { P = 10 };
    gen_gf *f = mix2();
    gen_array *av[2] = {logits(0, log(4)), gen_scalar(1.0)};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    /* the index constrained to one value for all particles: the component runs batched */
    CHECK_OK(gen_generate_batched(f, gen_key_new(1), P, &args, choice(NULL, "index", gen_scalar_i64(1)), &tr, &w));
    if (!tr) return;
    CHECK_SHAPE(w, P);
    CHECK_NEAR(((const double *)gen_array_data(w))[3], log(0.8), 1e-14);
    for (int i = 0; i < P; i++) {
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, &args, gen_choicemap_particle(gen_trace_choices(tr), i), &aw, NULL));
        if (aw) CHECK_CLOSE(check_item(aw), ((const double *)gen_array_data(gen_trace_score(tr)))[i], 1e-13);
    }
    /* sampled per particle: different components by masking (test_masked.c) */
    CHECK_OK(gen_simulate_batched(f, gen_key_new(2), 64, &args, &tr));
}

static void test_errors(void) {
    gen_gf *f = mix2();
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "mix(c0, c1): generate: no logits argument (argument 0)");
    gen_array *av[2] = {gen_array_from_f64(1, (int64_t[]){3}, (double[]){0, 0, 0}), gen_scalar(1.0)};
    gen_args args = {2, av, NULL};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &args, &tr), "mix(c0, c1): generate: the logits (argument 0) must be a [2] float array, got f64[3]");
    av[0] = logits(0, 0);
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, choice(NULL, "foo", gen_scalar(1)), &tr, NULL),
                "mix(c0, c1): generate: constraint at foo is not index (a value) or component");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, choice(NULL, "index/2", gen_scalar(1)), &tr, NULL),
                "constraint at index is not index (a value) or component");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, choice(NULL, "index", gen_scalar_i64(2)), &tr, NULL),
                "mix(c0, c1): component: generate: index 2 is not a branch (2 branches)");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, choice(NULL, "index", gen_scalar(1)), &tr, NULL),
                "the index (argument 0) must be a 0-d i64 array");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, choice(NULL, "component/z", gen_scalar(1)), &tr, NULL),
                "mix(c0, c1): component: branch ");
    CHECK_ERROR(gen_assess(f, &args, choice(NULL, "component/x", gen_scalar(1)), &w, NULL), "mix(c0, c1): assess: no value at index");
    CHECK(!tr);
    CHECK(gen_mix(0, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_mix: needs at least one component (got 0, NULL)");
    const gen_gf *nc[2] = {gen_dynamic("c0", c0), NULL};
    CHECK(gen_mix(2, nc) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_mix: component 1 is NULL");
}

int main(void) {
    RUN(test_values);
    RUN(test_frequencies);
    RUN(test_update);
    RUN(test_laws);
    RUN(test_batched);
    RUN(test_errors);
    return check_finish();
}
