/* test_update.c — gen_update and gen_regenerate on dynamic functions: Gen.jl's example
 * (weight -3 exactly), the GFI laws over call / splice / branch / factor models (zero
 * weights for no-op edits, weight = score difference when nothing is sampled, the
 * discard undoes an update, regenerate's weight against its definition computed by
 * hand), branch changes, changed arguments, and the errors. */
#include <math.h>

#include "../testutil/check.h"

static const double LOG_N01_AT_0 = -0.91893853320467274178; /* -log(2 pi)/2 */

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) + LOG_N01_AT_0;
}

static const gen_array *at(const gen_trace *tr, const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_find(gen_trace_choices(tr), &a);
}

static double val(const gen_trace *tr, const char *path) { return check_item(at(tr, path)); }

static gen_choicemap *one(const char *path, double v) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

/* ---- Gen.jl's introductory model: a ~ N(0,1), data_i ~ N(a,1) ---- */

static gen_status genjl(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
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

static void test_genjl_example(void) {
    gen_gf *f = gen_dynamic("model", genjl);
    gen_choicemap *c = one("a", 0);
    for (int i = 1; i <= 5; i++) {
        char p[32];
        snprintf(p, sizeof p, "data/%d", i);
        gen_addr a;
        gen_addr_parse(&a, p);
        c = gen_choicemap_set(c, &a, gen_scalar(0));
    }
    gen_trace *tr = NULL, *tr2 = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, NULL));
    CHECK_CLOSE(check_item(gen_trace_score(tr)), -5.513631199228036, 1e-12);
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    gen_diff rd = gen_diff_no_change();
    CHECK_OK(gen_update(tr, gen_key_new(2), NULL, NULL, one("a", 1), &tr2, &w, &rd, &disc));
    CHECK_CLOSE(check_item(w), -3.0, 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(tr2)), -8.513631199228036, 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), -5.513631199228036, 1e-12); /* untouched */
    CHECK(gen_choicemap_count(disc) == 1);
    CHECK(gen_choicemap_equal(disc, one("a", 0)));
    CHECK(val(tr2, "a") == 1.0 && val(tr2, "data/3") == 0.0);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN);
}

/* ---- the models of the GFI law tests (testutil/gfi_models.h) ---- */

#include "gfi_models.h"

/* A continuous choice each model makes whatever the branch. */
static const char *changed_path(gen_body body, const gen_trace *tr) {
    if (body == with_call) return "m";
    if (body == with_splice) return "z";
    if (body == with_branch) return at(tr, "x") ? "x" : "t";
    return "x";
}

static void laws(const char *name, gen_body body) {
    gen_gf *f = gen_dynamic(name, body);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        if (!tr) return;
        double score = check_item(gen_trace_score(tr));
        const gen_choicemap *cm = gen_trace_choices(tr);
        gen_array *w = NULL, *wb = NULL;
        gen_choicemap *disc = NULL, *disc2 = NULL;
        gen_diff rd = gen_diff_unknown();

        /* no constraints, same args: weight 0, same choices, the very same retval */
        CHECK_OK(gen_update(tr, gen_key_new(seed + 1), NULL, NULL, gen_choicemap_empty(), &t2, &w,
                            &rd, &disc));
        CHECK(check_item(w) == 0.0);
        CHECK(gen_choicemap_equal(gen_trace_choices(t2), cm) && gen_choicemap_is_empty(disc));
        CHECK_CLOSE(check_item(gen_trace_score(t2)), score, 1e-12);
        CHECK(rd.kind == GEN_DIFF_NO_CHANGE);

        /* regenerate nothing: weight 0, same choices */
        CHECK_OK(gen_regenerate(tr, gen_key_new(seed + 2), NULL, NULL, gen_select_none(), &t2, &w, &rd));
        CHECK(check_item(w) == 0.0);
        CHECK(gen_choicemap_equal(gen_trace_choices(t2), cm));
        CHECK(rd.kind == GEN_DIFF_NO_CHANGE);

        /* a constraint changing one choice, nothing sampled: weight = score difference */
        const char *p = changed_path(body, tr);
        double old = val(tr, p);
        CHECK_OK(gen_update(tr, gen_key_new(seed + 3), NULL, NULL, one(p, 0.7), &t2, &w, &rd, &disc));
        CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - score, 1e-12);
        CHECK(val(t2, p) == 0.7 && gen_choicemap_equal(disc, one(p, old)));
        CHECK(gen_choicemap_count(gen_trace_choices(t2)) == gen_choicemap_count(cm));

        /* the discard undoes it */
        CHECK_OK(gen_update(t2, gen_key_new(seed + 4), NULL, NULL, disc, &t3, &wb, NULL, &disc2));
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), cm));
        CHECK_CLOSE(check_item(gen_trace_score(t3)), score, 1e-12);
        CHECK_CLOSE(check_item(wb), -check_item(w), 1e-12);
        CHECK(gen_choicemap_equal(disc2, one(p, 0.7)));
    }
}

static void test_laws(void) {
    laws("with_call", with_call);
    laws("with_splice", with_splice);
    laws("with_branch", with_branch);
    laws("with_factor", with_factor);
}

/* ---- regenerate's weight against its definition ---- */

/* c ~ Bernoulli(0.5); x ~ N(0,1) if c else t ~ Exp(2); y ~ N(x or t, 1) */
static gen_status branchy(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *c = gen_choose(ctx, "c", gen_bernoulli(gen_scalar(0.5)));
    int64_t ci = 0;
    if (!c || gen_item_i64(c, &ci) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *m = ci ? gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)))
                      : gen_choose(ctx, "t", gen_exponential(gen_scalar(2)));
    *retval = gen_choose(ctx, "y", gen_normal(m, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static int64_t branch_of(const gen_trace *tr) {
    int64_t c = -1;
    gen_item_i64(at(tr, "c"), &c);
    return c;
}

static double mean_of(const gen_trace *tr) { return val(tr, branch_of(tr) ? "x" : "t"); }

/* The log density of the branch choice (x or t). */
static double branch_lp(const gen_trace *tr) {
    double v = mean_of(tr);
    return branch_of(tr) ? log_normal(v, 0, 1) : log(2.0) - 2 * v;
}

/* Gen.jl: kept choices add new - old log density; resampled, new and dropped ones add
 * nothing. Selecting c: y is always kept; x or t is kept when the branch stays. */
static void test_regenerate_weight(void) {
    gen_gf *f = gen_dynamic("branchy", branchy);
    const char *cpath[] = {"c"};
    int switched = 0, stayed = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        gen_trace *tr = NULL, *t2 = NULL;
        gen_array *w = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        CHECK_OK(gen_regenerate(tr, gen_key_new(seed + 1000), NULL, NULL, gen_select_paths(1, cpath),
                                &t2, &w, NULL));
        if (!t2) return;
        double y = val(tr, "y");
        CHECK(val(t2, "y") == y);
        double want = log_normal(y, mean_of(t2), 1) - log_normal(y, mean_of(tr), 1);
        if (branch_of(tr) == branch_of(t2)) {
            stayed++;
            CHECK(mean_of(t2) == mean_of(tr)); /* kept, same density: adds 0 */
        } else {
            switched++;
            CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 3);
            CHECK(!at(t2, branch_of(tr) ? "x" : "t"));
        }
        CHECK_CLOSE(check_item(w), want, 1e-12);
        /* the score is the new trace's own: assess agrees */
        gen_array *aw = NULL;
        CHECK_OK(gen_assess(f, NULL, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-12);
    }
    CHECK(switched > 0 && stayed > 0);

    /* through a call: selecting m keeps sub/z, sub/w and y; only z's density changes */
    gen_gf *g = gen_dynamic("with_call", with_call);
    const char *mpath[] = {"m"};
    for (uint64_t seed = 1; seed <= 10; seed++) {
        gen_trace *tr = NULL, *t2 = NULL;
        gen_array *w = NULL;
        CHECK_OK(gen_simulate(g, gen_key_new(seed), NULL, &tr));
        CHECK_OK(gen_regenerate(tr, gen_key_new(seed + 7), NULL, NULL, gen_select_paths(1, mpath), &t2, &w, NULL));
        if (!t2) return;
        double z = val(tr, "sub/z");
        CHECK(val(t2, "m") != val(tr, "m") && val(t2, "sub/z") == z && val(t2, "sub/w") == val(tr, "sub/w"));
        CHECK_CLOSE(check_item(w), log_normal(z, val(t2, "m"), 1) - log_normal(z, val(tr, "m"), 1), 1e-12);
        /* selecting the whole call resamples z and w: y's density moves with w */
        const char *spath[] = {"sub"};
        CHECK_OK(gen_regenerate(tr, gen_key_new(seed + 8), NULL, NULL, gen_select_paths(1, spath), &t2, &w, NULL));
        CHECK(val(t2, "sub/z") != z && val(t2, "m") == val(tr, "m"));
        double y = val(tr, "y");
        CHECK_CLOSE(check_item(w), log_normal(y, val(t2, "sub/w"), 1) - log_normal(y, val(tr, "sub/w"), 1), 1e-12);
    }

    /* factors: new - old */
    gen_gf *h = gen_dynamic("with_factor", with_factor);
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(h, gen_key_new(5), NULL, &tr));
    CHECK_OK(gen_regenerate(tr, gen_key_new(6), NULL, NULL, gen_select_all(), &t2, &w, NULL));
    double x0 = val(tr, "x"), x1 = val(t2, "x");
    CHECK(x0 != x1);
    CHECK_CLOSE(check_item(w), -0.25 * (x1 * x1 - x0 * x0), 1e-12);
}

/* ---- an update that changes the branch ---- */

static void test_update_branch(void) {
    gen_gf *f = gen_dynamic("branchy", branchy);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
        gen_array *w = NULL, *wb = NULL;
        gen_choicemap *disc = NULL, *disc2 = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        if (!tr) return;
        int64_t c = branch_of(tr);
        gen_addr ca;
        gen_addr_parse(&ca, "c");
        gen_choicemap *flip = gen_choicemap_set(gen_choicemap_empty(), &ca, gen_scalar_bool(!c));
        CHECK_OK(gen_update(tr, gen_key_new(seed + 1), NULL, NULL, flip, &t2, &w, NULL, &disc));
        if (!t2) return;
        CHECK(branch_of(t2) == !c && gen_choicemap_count(gen_trace_choices(t2)) == 3);
        double y = val(tr, "y");
        CHECK(val(t2, "y") == y);
        /* Bernoulli(0.5) terms cancel; y's density moves; the dropped choice is
         * subtracted; the new one is sampled (excluded) */
        double want = log_normal(y, mean_of(t2), 1) - log_normal(y, mean_of(tr), 1) - branch_lp(tr);
        CHECK_CLOSE(check_item(w), want, 1e-12);
        CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)) -
                                       branch_lp(t2), 1e-12);
        /* the discard: the old c and the dropped choice */
        CHECK(gen_choicemap_count(disc) == 2);
        CHECK(at(tr, c ? "x" : "t") && check_item(gen_choicemap_find(disc, &ca)) == (double)c);
        gen_addr da;
        gen_addr_parse(&da, c ? "x" : "t");
        CHECK(check_item(gen_choicemap_find(disc, &da)) == mean_of(tr));
        /* and it undoes the update; the backward weight is not -w here: the choice the
         * forward update sampled is dropped (subtracted), the restored one constrained */
        CHECK_OK(gen_update(t2, gen_key_new(seed + 2), NULL, NULL, disc, &t3, &wb, NULL, &disc2));
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(gen_trace_score(t3)), check_item(gen_trace_score(tr)), 1e-12);
        CHECK_CLOSE(check_item(wb), -check_item(w) - branch_lp(t2), 1e-12);
        CHECK(gen_choicemap_count(disc2) == 2);
    }
}

/* ---- a call whose callee changes: the old subtrace is dropped, the new one generated ---- */

static gen_status near0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "z", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status near5(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "z", gen_normal(gen_scalar(5), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status switches_callee(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *c = gen_choose(ctx, "c", gen_bernoulli(gen_scalar(0.5)));
    int64_t ci = 0;
    if (!c || gen_item_i64(c, &ci) != GEN_OK) return gen_ctx_status(ctx);
    *retval = gen_call(ctx, "s", gen_dynamic(ci ? "near0" : "near5", ci ? near0 : near5), NULL);
    return gen_ctx_status(ctx);
}

static void test_callee_changes(void) {
    gen_gf *f = gen_dynamic("switches_callee", switches_callee);
    for (uint64_t seed = 1; seed <= 6; seed++) {
        gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
        gen_array *w = NULL, *wb = NULL;
        gen_choicemap *disc = NULL, *disc2 = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        if (!tr) return;
        int64_t c = branch_of(tr);
        double z = val(tr, "s/z");
        gen_addr ca, za;
        gen_addr_parse(&ca, "c");
        gen_addr_parse(&za, "s/z");
        gen_choicemap *cons = gen_choicemap_set(one("s/z", 1.0), &ca, gen_scalar_bool(!c));
        CHECK_OK(gen_update(tr, gen_key_new(seed + 1), NULL, NULL, cons, &t2, &w, NULL, &disc));
        if (!t2) return;
        /* Bernoulli(0.5) cancels; the old call's score goes; the new z is constrained */
        double want = log_normal(1.0, c ? 5 : 0, 1) - log_normal(z, c ? 0 : 5, 1);
        CHECK_CLOSE(check_item(w), want, 1e-12);
        CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), 1e-12);
        CHECK(gen_choicemap_count(disc) == 2 && check_item(gen_choicemap_find(disc, &za)) == z);
        CHECK_OK(gen_update(t2, gen_key_new(seed + 2), NULL, NULL, disc, &t3, &wb, NULL, &disc2));
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        CHECK_CLOSE(check_item(wb), -check_item(w), 1e-12);
        /* regenerate c: the switched call is new (weight 0: no factors), the old dropped */
        const char *cpath[] = {"c"};
        CHECK_OK(gen_regenerate(tr, gen_key_new(seed + 3), NULL, NULL, gen_select_paths(1, cpath), &t2, &w, NULL));
        if (branch_of(t2) != c) CHECK(check_item(w) == 0.0);
        else CHECK(check_item(w) == 0.0 && val(t2, "s/z") == z);
    }
}

/* ---- changed arguments ---- */

static void test_changed_args(void) {
    gen_gf *f = sub_gf();
    gen_array *mu0 = gen_scalar(0.2), *mu1 = gen_scalar(-1.1);
    gen_args a0 = {1, &mu0, NULL}, a1 = {1, &mu1, NULL};
    gen_diff d = gen_diff_unknown();
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd = gen_diff_unknown();
    CHECK_OK(gen_simulate(f, gen_key_new(3), &a0, &tr));
    double z = val(tr, "z");
    double want = log_normal(z, -1.1, 1) - log_normal(z, 0.2, 1);
    CHECK_OK(gen_update(tr, gen_key_new(4), &a1, &d, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK_CLOSE(check_item(w), want, 1e-12);
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE); /* w, the return value, is kept */
    CHECK(check_item(gen_trace_args(t2)->v[0]) == -1.1);
    CHECK_CLOSE(check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), want, 1e-12);
    CHECK_OK(gen_regenerate(tr, gen_key_new(4), &a1, NULL, gen_select_none(), &t2, &w, NULL));
    CHECK_CLOSE(check_item(w), want, 1e-12);
}

/* ---- errors ---- */

static void test_errors(void) {
    gen_gf *f = gen_dynamic("model", genjl);
    gen_trace *tr = NULL, *t2 = (gen_trace *)1;
    gen_array *w = (gen_array *)1;
    gen_choicemap *disc = (gen_choicemap *)1;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    CHECK_ERROR(gen_update(tr, gen_key_new(2), NULL, NULL, one("z", 1), &t2, &w, NULL, &disc),
                "update: constraint at z was not used by the model");
    CHECK(t2 == NULL && w == NULL && disc == NULL);
    CHECK_ERROR(gen_update(tr, gen_key_new(2), NULL, NULL, one("data", 1), &t2, &w, NULL, &disc),
                "update: constraint at data was not used by the model");
    gen_gf *g = gen_dynamic("with_call", with_call);
    gen_trace *tc = NULL;
    CHECK_OK(gen_simulate(g, gen_key_new(1), NULL, &tc));
    CHECK_ERROR(gen_update(tc, gen_key_new(2), NULL, NULL, one("sub/q", 1), &t2, &w, NULL, NULL),
                "sub: update: constraint at q was not used by the model");

    CHECK_ERROR(gen_update(NULL, gen_key_new(2), NULL, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL),
                "gen_update: the trace is NULL");
    CHECK_ERROR(gen_update(tr, gen_key_new(2), NULL, NULL, gen_choicemap_empty(), NULL, &w, NULL, NULL),
                "gen_update: new_tr is NULL");
    CHECK_ERROR(gen_update(tr, gen_key_new(2), NULL, NULL, NULL, &t2, &w, NULL, NULL),
                "gen_update: constraints is NULL");
    gen_array *argv[1] = {NULL};
    gen_args bad = {1, argv, NULL};
    CHECK_ERROR(gen_update(tr, gen_key_new(2), &bad, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL),
                "gen_update: model: argument 0 is NULL");
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), &bad, NULL, gen_select_all(), &t2, &w, NULL),
                "gen_regenerate: model: argument 0 is NULL");
    argv[0] = gen_scalar(1);
    gen_diff bogus = {(gen_diff_kind)7, {NULL}};
    CHECK_ERROR(gen_update(tr, gen_key_new(2), &bad, &bogus, gen_choicemap_empty(), &t2, &w, NULL, NULL),
                "gen_update: model: argdiff 0 has unknown kind 7");
    CHECK_ERROR(gen_regenerate(NULL, gen_key_new(2), NULL, NULL, gen_select_all(), &t2, &w, NULL),
                "gen_regenerate: the trace is NULL");
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), NULL, NULL, NULL, &t2, &w, NULL),
                "gen_regenerate: the selection is NULL");
    CHECK(t2 == NULL);
}

/* Without any scope open, the caller owns what the operations return. */
static void test_no_scope(void) {
    gen_scope_end(); /* RUN opened one */
    gen_gf *f = gen_dynamic("model", genjl);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    gen_addr a;
    gen_addr_parse(&a, "a");
    gen_array *v = gen_scalar(2.0);
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &a, v);
    CHECK_OK(gen_update(tr, gen_key_new(2), NULL, NULL, c, &t2, &w, NULL, &disc));
    CHECK_OK(gen_regenerate(t2, gen_key_new(3), NULL, NULL, gen_select_all(), &t3, &w3, NULL));
    CHECK(val(t2, "a") == 2.0);
    gen_array_release(w);
    gen_array_release(w3);
    gen_choicemap_release(disc);
    gen_choicemap_release(c);
    gen_array_release(v);
    gen_trace_release(t3);
    gen_trace_release(t2);
    gen_trace_release(tr);
    gen_gf_release(f);
    gen_scope_begin();
}

int main(void) {
    RUN(test_genjl_example);
    RUN(test_laws);
    RUN(test_regenerate_weight);
    RUN(test_update_branch);
    RUN(test_callee_changes);
    RUN(test_changed_args);
    RUN(test_errors);
    RUN(test_no_scope);
    return check_finish();
}
