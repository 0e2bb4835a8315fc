/* test_generate_graph.c — batched generate in compiled code (generate_graph.c) against the
 * dynamic path (compilation off) at the same key: the same draws, scores, factor, return
 * value, trace score and weight (1e-12 relative; the draws exactly), from the call on which
 * the call shape turns hot; the same weights for the same key, other weights for another;
 * the body does not run once compiled; discrete draws; parameter errors as the dynamic
 * path words them; models whose draws have no compiled form stay on the dynamic path with
 * the same results; importance sampling through it; and regenerate through
 * the graph (one particle and batched, every selection of a hierarchical model) equal to
 * the dynamic path's, the body not running once the pattern is hot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int64_t runs; /* body runs of the models below */

#define NX 6

/* a, b ~ N(0, 1); s ~ half-normal(1); y[NX] ~ N(a + b x, 0.3 + s) observed; a factor on
 * s; returns a * b. args->v[0] is x [NX]. */
static gen_status line_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *s = gen_choose(ctx, "s", gen_half_normal(gen_scalar(1)));
    gen_array *mu = gen_add(a, gen_mul(b, args->v[0]));
    gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_add(s, gen_scalar(0.3))));
    gen_factor(ctx, gen_mul(gen_scalar(-0.5), gen_square(s)));
    *retval = gen_mul(a, b);
    return gen_ctx_status(ctx);
}

/* m ~ N(0, 2); z ~ N(m, 1) (batched parameters); w ~ gamma(2, 1); o ~ N(z, w) observed;
 * returns the choice z. */
static gen_status hier_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *z = gen_choose(ctx, "z", gen_normal(m, gen_scalar(1)));
    gen_array *w = gen_choose(ctx, "w", gen_gamma(gen_scalar(2), gen_scalar(1)));
    gen_choose(ctx, "o", gen_normal(z, w));
    *retval = z;
    return gen_ctx_status(ctx);
}

/* Discrete choices: k ~ bernoulli(0.3); c ~ poisson(2 + k); y ~ N(k + c, 1). */
static gen_status coin_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *k = gen_cast(gen_choose(ctx, "k", gen_bernoulli(gen_scalar(0.3))), GEN_F64);
    gen_array *c = gen_cast(gen_choose(ctx, "c", gen_poisson(gen_add(k, gen_scalar(2)))), GEN_F64);
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(k, c), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* A draw without a compiled form (mvnormal's sampler reads the factor it keeps):
 * v ~ MvNormal(0, S); y ~ N(v_0 + v_1, 1). */
static gen_status mvn_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *cov = gen_array_from_f64(GEN_DIMS(2, 2), (const double[]){1, 0.5, 0.5, 2});
    gen_array *v = gen_choose(ctx, "v", gen_mvnormal(gen_zeros(GEN_F64, 1, (int64_t[]){2}), cov));
    *retval = gen_choose(ctx, "y", gen_normal(gen_sum(v, 0, NULL, false), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_addr addr1(const char *n) { return (gen_addr){1, {gen_part_name(n)}}; }

/* Two arrays equal element by element to rtol (0: bit for bit), with the same shape,
 * dtype and particle-axis mark. */
static void same_array(const gen_array *x, const gen_array *y, double rtol, const char *what) {
    if (!x || !y) {
        check_fail(__FILE__, __LINE__, "%s: missing (%p, %p)", what, (const void *)x, (const void *)y);
        return;
    }
    if (gen_array_ndim(x) != gen_array_ndim(y) || gen_array_size(x) != gen_array_size(y) ||
        gen_array_dtype(x) != gen_array_dtype(y) || gen_array_is_batched(x) != gen_array_is_batched(y)) {
        check_fail(__FILE__, __LINE__, "%s: shapes, dtypes or marks differ (marks %d %d, ndim %d %d)", what, gen_array_is_batched(x), gen_array_is_batched(y), gen_array_ndim(x), gen_array_ndim(y));
        return;
    }
    int64_t n = gen_array_size(x);
    gen_array *xf = gen_cast(x, GEN_F64), *yf = gen_cast(y, GEN_F64);
    const double *a = gen_array_data(xf), *b = gen_array_data(yf);
    for (int64_t i = 0; i < n; i++) {
        bool ok = rtol == 0 ? !memcmp(&a[i], &b[i], sizeof a[i])
                            : (a[i] == b[i] || fabs(a[i] - b[i]) <= rtol * fmax(fabs(a[i]), fabs(b[i])));
        if (!ok) {
            check_fail(__FILE__, __LINE__, "%s: element %lld: %.17g vs %.17g", what, (long long)i, a[i], b[i]);
            return;
        }
    }
}

/* Traces (choices, scores per record through project, score, return value) agree. */
static void same_traces(const gen_trace *t, const gen_trace *u) {
    same_array(gen_trace_score(t), gen_trace_score(u), 1e-12, "the trace score");
    if (gen_trace_retval(t) || gen_trace_retval(u)) same_array(gen_trace_retval(t), gen_trace_retval(u), 1e-12, "the return value");
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(u));
    int64_t n = 0;
    while (gen_choicemap_iter_next(&it)) {
        char name[64];
        gen_addr_format(&it.addr, name, sizeof name);
        same_array(gen_trace_value(t, &it.addr), it.value, 0, name); /* draws: bit for bit */
        gen_selection *one = gen_select(1, &it.addr);
        gen_array *p1 = NULL, *p2 = NULL;
        CHECK_OK(gen_project(t, one, &p1));
        CHECK_OK(gen_project(u, one, &p2));
        same_array(p1, p2, 1e-12, name);
        n++;
    }
    CHECK(n == gen_choicemap_count(gen_trace_choices(t)));
}

/* generate at n particles, compiled (the call shape hot) and dynamic, at each key. */
static void compare(gen_gf *f, const gen_args *args, const gen_choicemap *obs, int64_t n, bool expect_compiled) {
    for (uint64_t seed = 1; seed <= 4; seed++) {
        gen_scope_begin();
        gen_trace *t1 = NULL, *t2 = NULL;
        gen_array *w1 = NULL, *w2 = NULL;
        CHECK_OK(gen_batch_begin(n));
        int64_t before = runs;
        CHECK_OK(gen_generate(f, gen_key_new(seed), args, obs, &t1, &w1));
        bool body_ran = runs != before;
        gen_set_compile(false);
        CHECK_OK(gen_generate(f, gen_key_new(seed), args, obs, &t2, &w2));
        gen_set_compile(true);
        gen_batch_end();
        /* the first call of a shape runs the body; the second compiles (capture runs it) */
        if (seed >= 3) CHECK(body_ran == !expect_compiled);
        if (t1 && t2) {
            same_traces(t1, t2);
            same_array(w1, w2, 1e-12, "the weight");
        }
        gen_scope_end();
    }
}

static gen_choicemap *line_obs(void) {
    double y[NX] = {0.3, -0.2, 1.1, 0.8, 2.0, 1.4};
    gen_addr ya = addr1("y");
    return gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(NX), y));
}

static void test_line(void) {
    gen_gf *f = gen_dynamic("line", line_model);
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    compare(f, &args, line_obs(), 37, true);
    compare(f, &args, line_obs(), 1, true);
    /* simulate (no constraints) compiles too */
    compare(f, &args, gen_choicemap_empty(), 5, true);
}

static void test_hier(void) {
    gen_gf *f = gen_dynamic("hier", hier_model);
    gen_addr o = addr1("o");
    compare(f, NULL, gen_choicemap_set(gen_choicemap_empty(), &o, gen_scalar(0.7)), 64, true);
    /* a per-particle observation [n] */
    gen_array *ov = gen_batched(gen_linspace(-1, 1, 16));
    compare(f, NULL, gen_choicemap_set(gen_choicemap_empty(), &o, ov), 16, true);
}

static void test_discrete(void) {
    gen_gf *f = gen_dynamic("coin", coin_model);
    gen_addr y = addr1("y");
    compare(f, NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.4)), 20, true);
}

static void test_fallback(void) {
    gen_gf *f = gen_dynamic("mvn", mvn_model);
    gen_addr y = addr1("y");
    compare(f, NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.4)), 20, false);
}

/* A body that reads a draw on the host (a C loop over the particles): capture refuses, the
 * dynamic path runs every time, with its results. */
static gen_status host_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    const double *xv = x ? gen_array_data(x) : NULL;
    int64_t n = x ? gen_array_size(x) : 0;
    double *m = n ? calloc((size_t)n, sizeof *m) : NULL;
    for (int64_t i = 0; m && i < n; i++) m[i] = xv[i] > 0 ? 1.0 : -1.0;
    gen_array *mean = m ? gen_batched(gen_array_from_f64(1, &n, m)) : NULL;
    free(m);
    *retval = gen_choose(ctx, "y", gen_normal(mean, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_host_read(void) {
    gen_gf *f = gen_dynamic("host", host_model);
    gen_addr y = addr1("y");
    compare(f, NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.4)), 12, false);
}

/* A body that makes an array of the particle count itself: its constant depends on the
 * count, so the twin captures refuse and the capture runs at the count. */
static gen_status count_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    int64_t n = gen_batch_size();
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *ramp = gen_batched(gen_linspace(0, 1, n));
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(x, ramp), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* Over 8192 particles the graph is captured at two small counts and re-sized (and, where
 * that cannot be, at the count): the same results as the dynamic path. */
static void test_big(void) {
    gen_gf *line = gen_dynamic("line", line_model), *hier = gen_dynamic("hier", hier_model);
    gen_gf *coin = gen_dynamic("coin", coin_model), *count = gen_dynamic("count", count_model);
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    int64_t n = 9001;
    compare(line, &args, line_obs(), n, true);
    gen_addr o = addr1("o"), y = addr1("y");
    compare(hier, NULL, gen_choicemap_set(gen_choicemap_empty(), &o, gen_batched(gen_linspace(-1, 1, n))), n, true);
    compare(coin, NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.4)), n, true);
    compare(count, NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.4)), n, true);
}

/* The same key gives the same weights; another key others. */
static void test_same_key(void) {
    gen_gf *f = gen_dynamic("line", line_model);
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    gen_choicemap *obs = line_obs();
    gen_array *w[4] = {0};
    gen_trace *t = NULL;
    CHECK_OK(gen_batch_begin(100));
    for (int i = 0; i < 4; i++) CHECK_OK(gen_generate(f, gen_key_new(i < 3 ? 11 : 12), &args, obs, &t, &w[i]));
    gen_batch_end();
    if (!w[3]) return;
    same_array(w[1], w[2], 0, "weights of one key");
    same_array(w[0], w[2], 0, "weights of one key (dynamic, compiled)");
    const double *a = gen_array_data(w[2]), *b = gen_array_data(w[3]);
    int differ = 0;
    for (int i = 0; i < 100; i++) differ += a[i] != b[i];
    CHECK(differ == 100);
}

/* A parameter made invalid by a draw: the dynamic path's error, compiled. */
static gen_status bad_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *u = gen_choose(ctx, "u", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "v", gen_normal(gen_scalar(0), u)); /* sigma < 0 for half the particles */
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("bad", bad_model);
    gen_addr v = addr1("v");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &v, gen_scalar(0.1));
    char msg[3][512];
    CHECK_OK(gen_batch_begin(8));
    for (int i = 0; i < 3; i++) {
        gen_trace *t = NULL;
        gen_array *w = NULL;
        if (i == 2) gen_set_compile(false);
        CHECK(gen_generate(f, gen_key_new(5), NULL, obs, &t, &w) == GEN_ERR_VALUE);
        snprintf(msg[i], sizeof msg[i], "%s", gen_error_message());
        gen_error_clear();
    }
    gen_set_compile(true);
    gen_batch_end();
    CHECK(strstr(msg[2], "v: normal: sigma must be > 0") != NULL);
    CHECK(!strcmp(msg[1], msg[2]));
    CHECK(!strcmp(msg[0], msg[2]));
}

/* Batched importance sampling on the line model: the same log weights and estimate. */
static void test_importance(void) {
    gen_gf *f = gen_dynamic("line", line_model);
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    gen_choicemap *obs = line_obs();
    double ml[3];
    gen_array *lw[3] = {0};
    for (int i = 0; i < 3; i++) {
        gen_trace *t = NULL;
        if (i == 2) gen_set_compile(false);
        CHECK_OK(gen_importance_sampling_batched(f, gen_key_new(9), &args, obs, NULL, NULL, 5000, &t, &lw[i], &ml[i]));
    }
    gen_set_compile(true);
    CHECK_CLOSE(ml[1], ml[2], 1e-12);
    if (lw[1] && lw[2]) same_array(lw[1], lw[2], 1e-12, "log weights");
}

/* Batched assess with every choice given: generate's program, the dynamic path's weight
 * and return value; a missing choice: the dynamic path's error. */
static void test_assess(void) {
    gen_gf *f = gen_dynamic("line", line_model);
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    int64_t n = 40;
    CHECK_OK(gen_batch_begin(n));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(4), &args, line_obs(), &tr, NULL));
    const gen_choicemap *all = tr ? gen_trace_choices(tr) : NULL;
    for (int round = 0; all && round < 4; round++) {
        gen_array *w1 = NULL, *w2 = NULL, *r1 = NULL, *r2 = NULL;
        int64_t before = runs;
        CHECK_OK(gen_assess(f, &args, all, &w1, &r1));
        if (round >= 2) CHECK(runs == before);
        gen_set_compile(false);
        CHECK_OK(gen_assess(f, &args, all, &w2, &r2));
        gen_set_compile(true);
        same_array(w1, w2, 1e-12, "the assess weight");
        same_array(r1, r2, 1e-12, "the assess return value");
    }
    gen_addr a = addr1("a");
    gen_choicemap *partial = all ? gen_choicemap_remove(all, &a) : NULL;
    for (int round = 0; partial && round < 3; round++) {
        gen_array *w = NULL;
        CHECK_ERROR(gen_assess(f, &args, partial, &w, NULL), "the choices have no value at a");
    }
    gen_batch_end();
}

/* Regenerate of each selection of hier's choices, compiled (once hot) and dynamic. */
static void regen_compare(gen_trace *tr, const gen_selection *sel, uint64_t seed, bool expect_compiled) {
    gen_trace *t1 = NULL, *t2 = NULL;
    gen_array *w1 = NULL, *w2 = NULL;
    gen_diff d1, d2;
    int64_t before = runs;
    CHECK_OK(gen_regenerate(tr, gen_key_new(seed), NULL, NULL, sel, &t1, &w1, &d1));
    if (expect_compiled) CHECK(runs == before);
    gen_set_compile(false);
    CHECK_OK(gen_regenerate(tr, gen_key_new(seed), NULL, NULL, sel, &t2, &w2, &d2));
    gen_set_compile(true);
    if (!t1 || !t2) return;
    same_traces(t1, t2);
    same_array(w1, w2, 1e-12, "the regenerate weight");
    /* a choice returned: it changes exactly when selected */
    CHECK((d1.kind == GEN_DIFF_NO_CHANGE) == (d2.kind == GEN_DIFF_NO_CHANGE));
}

static void test_regenerate(void) {
    gen_gf *f = gen_dynamic("hier", hier_model);
    gen_addr names[4] = {addr1("m"), addr1("z"), addr1("w"), addr1("o")};
    for (int batched = 0; batched < 2; batched++) {
        int64_t n = batched ? 16 : 0;
        if (n) CHECK_OK(gen_batch_begin(n));
        gen_trace *tr = NULL;
        CHECK_OK(gen_generate(f, gen_key_new(2), NULL, gen_choicemap_set(gen_choicemap_empty(), &names[3], gen_scalar(0.7)),
                              &tr, NULL));
        for (unsigned mask = 1; tr && mask < 16; mask++) {
            gen_addr chosen[4];
            int k = 0;
            for (int i = 0; i < 4; i++)
                if (mask >> i & 1) chosen[k++] = names[i];
            gen_selection *sel = gen_select(k, chosen);
            for (int round = 0; round < 70; round++) {
                gen_scope_begin();
                regen_compare(tr, sel, 1000 * mask + (uint64_t)round, round >= 64);
                gen_scope_end();
            }
        }
        if (n) gen_batch_end();
    }
}

int main(void) {
    gen_set_compile(true);
    RUN(test_line);
    RUN(test_hier);
    RUN(test_discrete);
    RUN(test_fallback);
    RUN(test_host_read);
    RUN(test_big);
    RUN(test_same_key);
    RUN(test_errors);
    RUN(test_importance);
    RUN(test_assess);
    RUN(test_regenerate);
    gen_compile_cache_clear();
    return check_finish();
}
