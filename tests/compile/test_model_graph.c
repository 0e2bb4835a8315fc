/* test_model_graph.c — level 1: update through a model's graph equals full re-execution
 * (compilation off) on randomized edits — weights, discards, scores, values, return values
 * and retdiffs — for edits of one or several choices, continuous and discrete, before and
 * after the edited pattern is hot enough to be compiled; the body does not run for such an
 * edit (the graph's work); models whose control flow reads a choice do run it, and gradient
 * targets of such models fall back with a message naming the choice. */
#include <math.h>
#include <string.h>

#include "check.h"

static int64_t runs; /* body runs of the models below */

/* mu ~ N(0, 2); tau ~ half-normal(1); z[i] ~ N(mu, tau) (i < 4, one choice each);
 * k ~ categorical([.2, .3, .5]); y ~ N(z[k] + mu, 0.5) observed; a factor on tau; returns
 * mu + tau. */
static gen_status hier(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_normal(gen_scalar(1)));
    gen_array *z[4];
    for (int i = 0; i < 4; i++) {
        gen_addr a = {2, {gen_part_name("z"), gen_part_int(i)}};
        z[i] = gen_choose_at(ctx, &a, gen_normal(mu, tau));
    }
    gen_array *k = gen_choose(ctx, "k", gen_categorical(gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){.2, .3, .5})));
    gen_array *zs = gen_stack(4, z, 0);
    gen_array *zk = gen_take(zs, k, 0);
    gen_choose(ctx, "y", gen_normal(gen_add(zk, mu), gen_scalar(0.5)));
    gen_factor(ctx, gen_mul(gen_scalar(-0.1), gen_square(tau)));
    *retval = gen_add(mu, tau);
    return gen_ctx_status(ctx);
}

/* x ~ N(0, 1); a second choice only when x > 0 (read on the host). */
static gen_status branchy(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    double v = 0;
    if (x && gen_item(x, &v) == GEN_OK && v > 0) gen_choose(ctx, "w", gen_normal(x, gen_scalar(1)));
    *retval = x;
    return gen_ctx_status(ctx);
}

static gen_addr addr1(const char *n) { return (gen_addr){1, {gen_part_name(n)}}; }
static gen_addr zaddr(int i) { return (gen_addr){2, {gen_part_name("z"), gen_part_int(i)}}; }

/* One function for all the tests (its graph is captured once, by the first edit). */
static gen_gf *hier_gf(void) {
    static gen_gf *f;
    if (!f) f = gen_dynamic("hier", hier);
    return f;
}

static gen_trace *hier_trace(gen_gf *f) {
    gen_addr y = addr1("y");
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(3), NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(1.3)), &tr,
                          NULL));
    return tr;
}

/* Every choice value, the score and the return value of a and b agree. */
static void same_traces(const gen_trace *a, const gen_trace *b) {
    CHECK_CLOSE(check_item(gen_trace_score(a)), check_item(gen_trace_score(b)), 1e-12);
    CHECK_CLOSE(check_item(gen_trace_retval(a)), check_item(gen_trace_retval(b)), 1e-12);
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(a));
    int64_t n = 0;
    while (gen_choicemap_iter_next(&it)) {
        const gen_array *v = gen_trace_value(b, &it.addr);
        CHECK(v && check_item(v) == check_item(it.value));
        n++;
    }
    CHECK(n == gen_choicemap_count(gen_trace_choices(b)));
}

/* One edit: constraints on the chosen subset, through the graph and by re-execution. */
static void edit_once(gen_trace *tr, gen_key key, unsigned mask, bool *body_ran) {
    gen_choicemap *c = gen_choicemap_empty();
    gen_array *u = gen_random_uniform(key, GEN_F64, 1, (int64_t[]){6});
    const double *r = gen_array_data(u);
    gen_addr mu = addr1("mu"), tau = addr1("tau"), k = addr1("k");
    if (mask & 1) c = gen_choicemap_set(c, &mu, gen_scalar(4 * r[0] - 2));
    if (mask & 2) c = gen_choicemap_set(c, &tau, gen_scalar(0.2 + 2 * r[1]));
    for (int i = 0; i < 3; i++)
        if (mask & (4u << i)) {
            gen_addr z = zaddr(i);
            c = gen_choicemap_set(c, &z, gen_scalar(3 * r[2 + i] - 1.5));
        }
    if (mask & 32) c = gen_choicemap_set(c, &k, gen_scalar_i64((int64_t)(r[5] * 3)));
    gen_trace *t1 = NULL, *t2 = NULL;
    gen_array *w1 = NULL, *w2 = NULL;
    gen_choicemap *d1 = NULL, *d2 = NULL;
    gen_diff r1, r2;
    int64_t before = runs;
    CHECK_OK(gen_update(tr, key, NULL, NULL, c, &t1, &w1, &r1, &d1)); /* the graph's */
    *body_ran = runs != before;
    gen_set_compile(false);
    CHECK_OK(gen_update(tr, key, NULL, NULL, c, &t2, &w2, &r2, &d2)); /* the body's */
    gen_set_compile(true);
    if (!t1 || !t2) return;
    CHECK_CLOSE(check_item(w1), check_item(w2), 1e-12);
    same_traces(t1, t2);
    CHECK(gen_choicemap_count(d1) == gen_choicemap_count(d2));
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, d2);
    while (gen_choicemap_iter_next(&it)) CHECK(gen_choicemap_find(d1, &it.addr) == it.value);
    /* the return value mu + tau changes exactly when mu or tau is edited */
    CHECK((r1.kind == GEN_DIFF_NO_CHANGE) == !(mask & 3));
}

static void test_randomized_edits(void) {
    gen_gf *f = hier_gf();
    gen_trace *tr = hier_trace(f);
    if (!tr) return;
    int graph_runs = 0, total = 0;
    for (int round = 0; round < 3; round++)
        for (unsigned mask = 0; mask < 64; mask++) {
            gen_scope_begin();
            bool ran = true;
            edit_once(tr, gen_key_new(100 * (uint64_t)round + mask), mask, &ran);
            graph_runs += !ran;
            total++;
            gen_scope_end();
        }
    /* every one of these edits keeps the structure: none runs the body but the first, whose
     * capture of the graph runs it once */
    if (graph_runs != total - 1)
        check_fail(__FILE__, __LINE__, "the body ran for %d of %d edits", total - graph_runs, total);
}

/* One pattern, edited past the point where it is compiled: equal all along. */
static void test_hot_pattern(void) {
    gen_gf *f = hier_gf();
    gen_trace *tr = hier_trace(f);
    if (!tr) return;
    for (int i = 0; i < 700; i++) {
        gen_scope_begin();
        bool ran = true;
        edit_once(tr, gen_key_new(7000 + (uint64_t)i), 4 | 16, &ran); /* z/0 and z/2 */
        CHECK(!ran); /* the graph of hier was captured by the test before */
        gen_scope_end();
    }
}

/* A value that makes a parameter invalid, through the graph: the body's error (status,
 * message and the rejection mark inference reads). */
static void test_errors(void) {
    gen_gf *f = hier_gf();
    gen_trace *tr = hier_trace(f);
    if (!tr) return;
    gen_addr tau = addr1("tau");
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &tau, gen_scalar(-1));
    gen_trace *t = NULL;
    gen_array *w = NULL;
    int64_t before = runs;
    CHECK_ERROR(gen_update(tr, gen_key_new(1), NULL, NULL, c, &t, &w, NULL, NULL),
                "z/0: normal: sigma must be > 0, got -1 at index []");
    CHECK(runs == before); /* the graph's error, not the body's */
    gen_set_compile(false);
    CHECK_ERROR(gen_update(tr, gen_key_new(1), NULL, NULL, c, &t, &w, NULL, NULL),
                "z/0: normal: sigma must be > 0, got -1 at index []");
    gen_set_compile(true);
    /* a constraint at an address the trace lacks: the body's error */
    gen_addr q = addr1("q");
    CHECK_ERROR(gen_update(tr, gen_key_new(1), NULL, NULL, gen_choicemap_set(gen_choicemap_empty(), &q, gen_scalar(1)), &t,
                           &w, NULL, NULL),
                "q");
}

/* Control flow on a choice: the body runs (no graph), results as ever; a target on
 * the model says why it is not compiled, naming the choice. */
static void test_branchy(void) {
    gen_gf *f = gen_dynamic("branchy", branchy);
    gen_addr x = addr1("x");
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(0.5)), &tr,
                          NULL));
    if (!tr) return;
    int64_t before = runs;
    gen_trace *t = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), NULL, NULL, gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(-0.5)), &t,
                        &w, NULL, NULL));
    CHECK(runs > before);
    if (t) CHECK(gen_choicemap_count(gen_trace_choices(t)) == 1); /* w was dropped */
    gen_selection *sel = gen_select(1, &x);
    gen_target *tg = gen_target_new(tr, sel);
    CHECK(tg && !gen_target_compiled(tg));
    const char *note = tg ? gen_target_compile_note(tg) : "";
    CHECK(strstr(note, "not compiled: branchy: gen_item read a value computed from x on the host"));
    gen_target_free(tg);
}

int main(void) {
    gen_set_compile(true);
    gen_scope_begin(); /* hier_gf's function lives through all the tests */
    RUN(test_randomized_edits);
    RUN(test_hot_pattern);
    RUN(test_errors);
    RUN(test_branchy);
    gen_scope_end();
    return check_finish();
}
