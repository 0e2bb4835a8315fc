/* test_edit.c — gen_edit with update and regenerate requests: the same weights as
 * gen_update / gen_regenerate on the same key; the backward request of an update
 * restores the trace exactly with the negated weight (also when the arguments change,
 * with inverted argdiffs); the backward request of a regenerate is well formed and
 * gives a valid trace; requests that keep the arguments; every error; ownership with
 * no scope open; and no leaks when any allocation fails. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/oom.h"
#include "gfi_models.h"

static const gen_array *at(const gen_trace *tr, const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_find(gen_trace_choices(tr), &a);
}

static gen_choicemap *one(const char *path, double v) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static gen_selection *sel1(const char *path) { return gen_select_paths(1, &path); }

/* n = args[0] (0-d i64), mu = args[1]: x/i ~ N(mu, 1) for i < n; returns mu. */
static gen_status counted(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t n = 0;
    gen_status s = gen_item_i64(args->v[0], &n);
    if (s != GEN_OK) return s;
    gen_sym x = gen_intern("x");
    for (int64_t i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_sym(x), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(args->v[1], gen_scalar(1)));
    }
    *retval = args->v[1];
    return gen_ctx_status(ctx);
}

static gen_args counted_args(int64_t n, double mu, gen_array **argv) {
    argv[0] = gen_scalar_i64(n);
    argv[1] = gen_scalar(mu);
    return (gen_args){2, argv, NULL};
}

/* A continuous choice each model makes whatever the branch. */
static const char *changed_path(gen_body body, const gen_trace *tr) {
    if (body == with_call) return "sub/z";
    if (body == with_branch) return at(tr, "x") ? "x" : "t";
    return body == with_splice ? "z" : "x";
}

/* The score of tr's choices under tr's function and args (a valid trace agrees). */
static double assessed(const gen_trace *tr) {
    gen_array *w = NULL;
    CHECK_OK(gen_assess(gen_trace_gf(tr), gen_trace_args(tr), gen_trace_choices(tr), &w, NULL));
    return w ? check_item(w) : NAN;
}

static void edit_laws(const char *name, gen_body body) {
    gen_gf *f = gen_dynamic(name, body);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        gen_trace *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        if (!tr) return;
        const char *p = changed_path(body, tr);
        gen_key key = gen_key_new(seed + 50);

        /* update: the same as gen_update, and the backward request restores tr */
        gen_choicemap *c = one(p, 0.7);
        gen_trace *tu = NULL, *te = NULL, *tb = NULL;
        gen_array *wu = NULL, *we = NULL, *wb = NULL;
        gen_edit_request *back = NULL, *back2 = NULL;
        gen_diff rd = {(gen_diff_kind)-1, {NULL}}, rdu = {(gen_diff_kind)-1, {NULL}};
        CHECK_OK(gen_update(tr, key, NULL, NULL, c, &tu, &wu, &rdu, NULL));
        CHECK_OK(gen_edit(tr, key, gen_edit_update(NULL, NULL, c), &te, &we, &rd, &back));
        if (!te || !back) return;
        CHECK(check_item(we) == check_item(wu));
        CHECK(gen_choicemap_equal(gen_trace_choices(te), gen_trace_choices(tu)));
        CHECK(rd.kind == rdu.kind && (rd.kind == GEN_DIFF_UNKNOWN || rd.kind == GEN_DIFF_NO_CHANGE));
        CHECK(gen_edit_request_kind(back) == GEN_EDIT_UPDATE);
        CHECK(gen_edit_request_args(back) && gen_edit_request_args(back)->n == 0);
        CHECK_OK(gen_edit(te, gen_key_new(seed + 60), back, &tb, &wb, NULL, &back2));
        if (!tb) return;
        CHECK(gen_choicemap_equal(gen_trace_choices(tb), gen_trace_choices(tr)));
        CHECK(check_item(gen_trace_score(tb)) == check_item(gen_trace_score(tr)));
        CHECK_CLOSE(check_item(wb), -check_item(we), 1e-12);
        CHECK(gen_choicemap_equal(gen_edit_request_constraints(back2), c)); /* and back again */

        /* regenerate: the same as gen_regenerate; the backward request is well formed */
        gen_selection *s = sel1(p);
        gen_trace *tr2 = NULL, *te2 = NULL, *tb2 = NULL;
        gen_array *wr = NULL, *we2 = NULL, *wb2 = NULL;
        CHECK_OK(gen_regenerate(tr, key, NULL, NULL, s, &tr2, &wr, NULL));
        CHECK_OK(gen_edit(tr, key, gen_edit_regenerate(NULL, NULL, s), &te2, &we2, NULL, &back));
        if (!te2 || !back) return;
        CHECK(check_item(we2) == check_item(wr));
        CHECK(gen_choicemap_equal(gen_trace_choices(te2), gen_trace_choices(tr2)));
        CHECK(gen_edit_request_kind(back) == GEN_EDIT_REGENERATE);
        CHECK(gen_edit_request_selection(back) == s && gen_edit_request_constraints(back) == NULL);
        CHECK_OK(gen_edit(te2, gen_key_new(seed + 70), back, &tb2, &wb2, NULL, NULL));
        if (!tb2) return;
        CHECK_CLOSE(assessed(tb2), check_item(gen_trace_score(tb2)), 1e-12);
        CHECK(gen_choicemap_count(gen_trace_choices(tb2)) > 0);
    }
}

static void test_edit_laws(void) {
    edit_laws("with_call", with_call);
    edit_laws("with_splice", with_splice);
    edit_laws("with_branch", with_branch);
    edit_laws("with_factor", with_factor);
}

/* Changing the arguments: n 3 -> 5 (an int diff of +2), mu 0 -> 0.5 (unknown), with
 * x/0 constrained. The backward request has the old args, an int diff of -2, and the
 * discard: x/0's old value and nothing else (x/3, x/4 are new, not discarded). */
static void test_changed_args(void) {
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *av[2], *bv[2];
    gen_args a = counted_args(3, 0.0, av), b = counted_args(5, 0.5, bv);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL, *tu = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &a, &tr));
    if (!tr) return;
    double x0 = check_item(at(tr, "x/0"));
    gen_diff ad[2] = {gen_diff_int(2), gen_diff_unknown()};
    gen_choicemap *c = one("x/0", 1.25);
    gen_edit_request *req = gen_edit_update(&b, ad, c), *back = NULL;
    gen_array *w = NULL, *wb = NULL, *wu = NULL;
    gen_diff rd = gen_diff_no_change();
    CHECK_OK(gen_edit(tr, gen_key_new(2), req, &t2, &w, &rd, &back));
    CHECK_OK(gen_update(tr, gen_key_new(2), &b, ad, c, &tu, &wu, NULL, NULL));
    if (!t2 || !back || !tu) return;
    CHECK(check_item(w) == check_item(wu));
    CHECK(gen_choicemap_equal(gen_trace_choices(t2), gen_trace_choices(tu)));
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 5 && rd.kind == GEN_DIFF_UNKNOWN);
    /* Gen.jl's weight: x/1, x/2 kept (new - old density), x/0 constrained (new - old),
     * x/3, x/4 sampled (nothing) */
    double want = 0;
    for (int i = 0; i < 3; i++) {
        char p[32];
        snprintf(p, sizeof p, "x/%d", i);
        double xo = check_item(at(tr, p)), xn = check_item(at(t2, p));
        want += -0.5 * (xn - 0.5) * (xn - 0.5) + 0.5 * xo * xo;
    }
    CHECK_CLOSE(check_item(w), want, 1e-12);

    const gen_args *ba = gen_edit_request_args(back);
    const gen_diff *bd = gen_edit_request_argdiffs(back);
    CHECK(ba && ba->n == 2 && check_item(ba->v[0]) == 3 && check_item(ba->v[1]) == 0.0);
    CHECK(bd && bd[0].kind == GEN_DIFF_INT && bd[0].delta == -2 && bd[1].kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_equal(gen_edit_request_constraints(back), one("x/0", x0)));

    CHECK_OK(gen_edit(t2, gen_key_new(3), back, &t3, &wb, NULL, NULL));
    if (!t3) return;
    CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
    CHECK(check_item(gen_trace_score(t3)) == check_item(gen_trace_score(tr)));
    /* not -w: going back drops x/3 and x/4, which the forward move sampled (adding
     * nothing), so their log densities under N(0.5, 1) come off */
    double lp_new = 0;
    for (int i = 3; i < 5; i++) {
        char p[32];
        snprintf(p, sizeof p, "x/%d", i);
        double xn = check_item(at(t2, p));
        lp_new += -0.5 * (xn - 0.5) * (xn - 0.5) - 0.91893853320467274178;
    }
    CHECK_CLOSE(check_item(wb), -check_item(w) - lp_new, 1e-12);
    CHECK(check_item(gen_trace_args(t3)->v[0]) == 3);

    /* a regenerate with new args: the backward request takes the old ones back */
    gen_trace *t4 = NULL, *t5 = NULL;
    CHECK_OK(gen_edit(tr, gen_key_new(4), gen_edit_regenerate(&b, ad, sel1("x/1")), &t4, NULL,
                      NULL, &back));
    CHECK_OK(gen_edit(t4, gen_key_new(5), back, &t5, NULL, NULL, NULL));
    if (!t4 || !t5) return;
    CHECK(gen_choicemap_count(gen_trace_choices(t4)) == 5);
    CHECK(gen_choicemap_count(gen_trace_choices(t5)) == 3);
    CHECK(check_item(at(t5, "x/0")) == x0); /* unselected and kept both ways */
    CHECK_CLOSE(assessed(t5), check_item(gen_trace_score(t5)), 1e-12);
}

/* Requests with NULL args keep the trace's: all argdiffs no change; the backward request
 * holds the old args explicitly, with no-change argdiffs. */
static void test_keep_args(void) {
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *av[2];
    gen_args a = counted_args(2, 1.0, av);
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(7), &a, &tr));
    gen_edit_request *req = gen_edit_update(NULL, NULL, one("x/1", 0.0)), *back = NULL;
    CHECK(gen_edit_request_args(req) == NULL && gen_edit_request_argdiffs(req) == NULL);
    gen_array *w = NULL;
    gen_diff rd = gen_diff_unknown();
    CHECK_OK(gen_edit(tr, gen_key_new(8), req, &t2, &w, &rd, &back));
    if (!t2 || !back) return;
    CHECK(gen_trace_args(t2)->n == 2 && gen_trace_args(t2)->v[0] == av[0]);
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE); /* the same mu array is returned */
    double x1 = check_item(at(tr, "x/1"));
    CHECK_CLOSE(check_item(w), -0.5 * 1.0 + 0.5 * (x1 - 1) * (x1 - 1), 1e-12);
    const gen_diff *bd = gen_edit_request_argdiffs(back);
    CHECK(gen_edit_request_args(back) && gen_edit_request_args(back)->v[1] == av[1]);
    CHECK(bd && bd[0].kind == GEN_DIFF_NO_CHANGE && bd[1].kind == GEN_DIFF_NO_CHANGE);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *av[2], *bv[2];
    gen_args a = counted_args(3, 0.0, av), b = counted_args(5, 0.0, bv);
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &a, &tr));
    gen_edit_request *ok = gen_edit_update(NULL, NULL, gen_choicemap_empty()), *back = NULL;
    gen_array *w = NULL;

    CHECK_ERROR(gen_edit(tr, gen_key_new(2), NULL, &t2, &w, NULL, &back), "gen_edit: the request is NULL");
    CHECK_ERROR(gen_edit(NULL, gen_key_new(2), ok, &t2, &w, NULL, &back), "gen_edit: the trace is NULL");
    CHECK_ERROR(gen_edit(tr, gen_key_new(2), ok, NULL, &w, NULL, &back), "gen_edit: new_tr is NULL");
    CHECK(gen_edit_request_kind(NULL) == 0 && gen_edit_request_args(NULL) == NULL);

    /* constructors */
    CHECK(gen_edit_update(NULL, NULL, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_edit_update: the constraints map is NULL");
    CHECK(gen_edit_regenerate(NULL, NULL, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_edit_regenerate: the selection is NULL");
    /* a failed constructor's error propagates through gen_edit */
    CHECK_ERROR(gen_edit(tr, gen_key_new(2), gen_edit_regenerate(NULL, NULL, NULL), &t2, &w, NULL, NULL),
                "gen_edit_regenerate: the selection is NULL");
    gen_diff ad[2] = {gen_diff_unknown(), {(gen_diff_kind)7, {NULL}}};
    CHECK(gen_edit_update(&b, ad, gen_choicemap_empty()) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_edit_update: argdiff 1 has unknown kind 7");
    int64_t idx[1] = {4};
    gen_vector_diff v = {2, 5, 1, idx, NULL};
    ad[1] = gen_diff_vector(&v);
    CHECK(gen_edit_regenerate(&b, ad, gen_select_all()) == NULL);
    CHECK_ERROR(gen_error_status(),
                "gen_edit_regenerate: argdiff 1: vector diff: updated index 4 is not in [0, min(prev "
                "length 5, new length 2))");
    CHECK(gen_edit_update(NULL, ad, gen_choicemap_empty()) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_edit_update: argdiffs given without args");
    gen_array *nullv[1] = {NULL};
    gen_args bad = {1, nullv, NULL};
    CHECK(gen_edit_update(&bad, NULL, gen_choicemap_empty()) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_edit_update: argument 0 is NULL");

    /* errors of the operation, named as gen_edit's */
    ad[0] = gen_diff_int(1), ad[1] = gen_diff_unknown();
    CHECK_ERROR(gen_edit(tr, gen_key_new(2), gen_edit_update(&b, ad, gen_choicemap_empty()), &t2,
                         &w, NULL, &back),
                "gen_edit: gen_update: counted: argdiff 0 is an int diff of 1, but the argument "
                "went from 3 to 5");
    CHECK(t2 == NULL && w == NULL && back == NULL);
    CHECK_ERROR(gen_edit(tr, gen_key_new(2), gen_edit_update(NULL, NULL, one("y", 1)), &t2, &w,
                         NULL, &back),
                "gen_edit: update: constraint at y was not used by the model");
    CHECK_ERROR(gen_edit(tr, gen_key_new(2), gen_edit_regenerate(NULL, NULL, sel1("x/7")), &t2,
                         &w, NULL, &back),
                "gen_edit: gen_regenerate: counted: the selection names x/7, which neither the "
                "trace nor the new trace has");
    CHECK(t2 == NULL && w == NULL && back == NULL);
}

/* With no scope open the caller owns the results (valgrind checks the releases). */
static void test_no_scope(void) {
    gen_scope_end(); /* RUN opened one */
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_edit_request *back = NULL, *back2 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    gen_addr addr;
    gen_addr_parse(&addr, "m");
    gen_array *v = gen_scalar(0.25);
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &addr, v);
    gen_edit_request *req = gen_edit_update(NULL, NULL, c);
    CHECK_OK(gen_edit(tr, gen_key_new(2), req, &t2, &w, NULL, &back));
    CHECK_OK(gen_edit(t2, gen_key_new(3), back, &t3, &w3, NULL, &back2));
    CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
    gen_edit_request *kept = gen_edit_request_scope_return(req); /* no scope: a new reference */
    CHECK(kept == req);
    gen_edit_request_release(kept);
    gen_edit_request_release(req);
    gen_edit_request_release(back);
    gen_edit_request_release(back2);
    gen_array_release(w);
    gen_array_release(w3);
    gen_choicemap_release(c);
    gen_array_release(v);
    gen_trace_release(t3);
    gen_trace_release(t2);
    gen_trace_release(tr);
    gen_gf_release(f);
    gen_scope_begin();
}

/* The whole round trip, with each allocation failing in turn. */
static gen_status workload(void) {
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *av[2], *bv[2];
    gen_args a = counted_args(2, 0.0, av), b = counted_args(3, 1.0, bv);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL;
    gen_edit_request *back = NULL;
    gen_status s = gen_simulate(f, gen_key_new(1), &a, &tr);
    gen_diff ad[2] = {gen_diff_int(1), gen_diff_unknown()};
    gen_edit_request *req = s == GEN_OK ? gen_edit_update(&b, ad, one("x/0", 2.0)) : NULL;
    if (s == GEN_OK) s = gen_edit(tr, gen_key_new(2), req, &t2, &w, NULL, &back);
    if (s == GEN_OK) s = gen_edit(t2, gen_key_new(3), back, &t3, NULL, NULL, NULL);
    gen_edit_request *rq = s == GEN_OK ? gen_edit_regenerate(NULL, NULL, sel1("x/1")) : NULL;
    if (s == GEN_OK) s = gen_edit(t3, gen_key_new(4), rq, &t2, &w, NULL, &back);
    if (s != GEN_OK) return s;
    return gen_choicemap_count(gen_trace_choices(t3)) == 2 ? GEN_OK : GEN_ERR_INTERNAL;
}

static void test_out_of_memory(void) { CHECK_OOM(workload, 21); }

int main(void) {
    RUN(test_edit_laws);
    RUN(test_changed_args);
    RUN(test_keep_args);
    RUN(test_errors);
    RUN(test_no_scope);
    RUN(test_out_of_memory);
    return check_finish();
}
