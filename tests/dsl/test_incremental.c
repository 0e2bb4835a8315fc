/* test_incremental.c — update and regenerate keep a call's subtrace as it is when its
 * arguments are the same values and nothing below it is constrained or selected: the
 * callee's body does not run again, the subtree of choices is shared, and the weights
 * equal those of a full rerun (the same model with the reuse defeated). */
#include <stdio.h>

#include "../testutil/check.h"

#define K 8

static int runs;   /* callee body executions */
static int epoch;  /* model body executions: an argument that always changes */

/* z ~ N(m, 1) (a second argument, if any, is ignored) */
static gen_status leaf(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    *retval = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* m/k ~ N(0, 1); callk: leaf(m/k), plus an argument that differs on every run when
 * args->user is set (which defeats the reuse: the reference for the weights). */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    bool fresh = args && args->user;
    gen_gf *f = gen_dynamic("leaf", leaf);
    gen_part m = gen_part_name("m");
    gen_array *total = gen_scalar(0), *tick = gen_scalar(++epoch);
    for (int k = 0; k < K; k++) {
        gen_addr am = {2, {m, gen_part_int(k)}};
        gen_array *mk = gen_choose_at(ctx, &am, gen_normal(gen_scalar(0), gen_scalar(1)));
        gen_array *argv[2] = {gen_add(mk, gen_scalar(0)), tick}; /* equal to m/k: kept */
        char name[16];
        snprintf(name, sizeof name, "call%d", k);
        total = gen_add(total, gen_call(ctx, name, f, &(gen_args){fresh ? 2 : 1, argv, NULL}));
    }
    *retval = total;
    return gen_ctx_status(ctx);
}

static gen_choicemap *at(const char *path, double v) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static void test_update_reuses(void) {
    gen_gf *f = gen_dynamic("model", model);
    int fresh_flag = 1;
    gen_args reuse = {0, NULL, NULL}, rerun = {0, NULL, &fresh_flag};
    gen_trace *t_reuse = NULL, *t_rerun = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &reuse, &t_reuse));
    CHECK_OK(gen_generate(f, gen_key_new(2), &rerun, gen_trace_choices(t_reuse), &t_rerun, NULL));
    CHECK(runs == 2 * K);
    /* constrain m/3 and the leaf of call 5: calls 3 and 5 rerun, the others are kept */
    gen_addr m3, z5;
    gen_addr_parse(&m3, "m/3");
    gen_addr_parse(&z5, "call5/z");
    gen_choicemap *c = gen_choicemap_set(at("m/3", 0.25), &z5, gen_scalar(-0.5));
    gen_trace *n_reuse = NULL, *n_rerun = NULL;
    gen_array *w_reuse = NULL, *w_rerun = NULL;
    gen_choicemap *d_reuse = NULL, *d_rerun = NULL;
    runs = 0;
    CHECK_OK(gen_update(t_reuse, gen_key_new(3), &reuse, NULL, c, &n_reuse, &w_reuse, NULL, &d_reuse));
    CHECK(runs == 2);
    runs = 0;
    CHECK_OK(gen_update(t_rerun, gen_key_new(3), &rerun, NULL, c, &n_rerun, &w_rerun, NULL, &d_rerun));
    CHECK(runs == K);
    if (!n_reuse || !n_rerun) return;
    CHECK_CLOSE(check_item(w_reuse), check_item(w_rerun), 1e-13);
    CHECK_CLOSE(check_item(gen_trace_score(n_reuse)), check_item(gen_trace_score(n_rerun)), 1e-13);
    CHECK(gen_choicemap_equal(d_reuse, d_rerun));
    CHECK(gen_choicemap_equal(gen_trace_choices(n_reuse), gen_trace_choices(n_rerun)));
    /* a kept call shares its subtree of choices with the old trace */
    gen_addr a0;
    gen_addr_parse(&a0, "call0");
    CHECK(gen_choicemap_get_submap(gen_trace_choices(n_reuse), &a0) ==
          gen_choicemap_get_submap(gen_trace_choices(t_reuse), &a0));
    /* the discard undoes the update, again running only the changed calls */
    gen_trace *back = NULL;
    gen_array *wb = NULL;
    runs = 0;
    CHECK_OK(gen_update(n_reuse, gen_key_new(4), &reuse, NULL, d_reuse, &back, &wb, NULL, NULL));
    CHECK(runs == 2);
    if (back) {
        CHECK(gen_choicemap_equal(gen_trace_choices(back), gen_trace_choices(t_reuse)));
        CHECK_CLOSE(check_item(wb), -check_item(w_reuse), 1e-13);
    }
}

static void test_regenerate_reuses(void) {
    gen_gf *f = gen_dynamic("model", model);
    int fresh_flag = 1;
    gen_args reuse = {0, NULL, NULL}, rerun = {0, NULL, &fresh_flag};
    gen_trace *t_reuse = NULL, *t_rerun = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(5), &reuse, &t_reuse));
    CHECK_OK(gen_generate(f, gen_key_new(6), &rerun, gen_trace_choices(t_reuse), &t_rerun, NULL));
    gen_selection *sel = gen_select_paths(1, (const char *[]){"call2/z"});
    gen_trace *n1 = NULL, *n2 = NULL;
    gen_array *w1 = NULL, *w2 = NULL;
    runs = 0;
    CHECK_OK(gen_regenerate(t_reuse, gen_key_new(7), &reuse, NULL, sel, &n1, &w1, NULL));
    CHECK(runs == 1);
    runs = 0;
    CHECK_OK(gen_regenerate(t_rerun, gen_key_new(7), &rerun, NULL, sel, &n2, &w2, NULL));
    CHECK(runs == K);
    if (n1 && n2) {
        CHECK(check_item(w1) == 0 && check_item(w2) == 0); /* the prior proposes z: weight 0 */
        CHECK(gen_choicemap_equal(gen_trace_choices(n1), gen_trace_choices(n2)));
        CHECK_CLOSE(check_item(gen_trace_score(n1)), check_item(gen_trace_score(n2)), 1e-13);
    }
}

int main(void) {
    RUN(test_update_reuses);
    RUN(test_regenerate_reuses);
    return check_finish();
}
