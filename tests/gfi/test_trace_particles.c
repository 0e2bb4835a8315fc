/* test_trace_particles.c — gen_trace_gather and gen_trace_where (gfi.h): particle j of
 * the result has exactly the choices, score and per-particle arguments of the particle it
 * was picked from (compared with gen_choicemap_particle and gen_assess of that particle),
 * on a model with a call and shared data (gathered without rerunning the body), on
 * Unfold (every step's subtrace), on Map, on a DSL function calling Switch, on Switch
 * with a branch per particle (masked values, branches that differ between the two
 * traces of gen_trace_where), and the errors. */
#include "../testutil/check.h"

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

/* a ~ N(0, 1); sub: b ~ N(a, 1) at "s"; y ~ N(a + b, 0.5) (y observed, shared) */
static gen_status sub(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "b", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static int with_call_runs;
static gen_status with_call(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    with_call_runs++;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *b = gen_call(ctx, "s", gen_dynamic("sub", sub), &(gen_args){1, &a, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(a, b), gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

/* Unfold kernel (t, x_prev): x ~ N(0.9 x_prev, 1), y ~ N(x, 0.5) */
static gen_status walk(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_mul(gen_scalar(0.9), args->v[1]), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(x, gen_scalar(0.5)));
    *retval = x;
    return gen_ctx_status(ctx);
}

/* Switch branches: b0: a ~ N(x, 1); b1: a ~ N(x + 2, 0.5), c ~ N(a, 1); b2: c ~ N(0, 3) */
static gen_status b0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "a", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status b1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_add(args->v[0], gen_scalar(2)), gen_scalar(0.5)));
    *retval = gen_choose(ctx, "c", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status b2(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "c", gen_normal(gen_scalar(0), gen_scalar(3)));
    return gen_ctx_status(ctx);
}
static gen_gf *sw3(void) {
    const gen_gf *b[3] = {gen_dynamic("b0", b0), gen_dynamic("b1", b1), gen_dynamic("b2", b2)};
    return gen_switch(3, b);
}

/* The scalar args of particle i: batched arrays indexed at i, the others as they are. */
static gen_args particle_args(const gen_args *args, int64_t i, gen_array **buf) {
    for (int k = 0; k < args->n; k++)
        buf[k] = gen_array_is_batched(args->v[k]) ? gen_take(gen_unbatched(args->v[k]), gen_scalar_i64(i), 0) : args->v[k];
    return (gen_args){args->n, buf, args->user};
}

/* Particle j of out is particle from[j] of src: the same choices (bit for bit), the same
 * score, and the score is that particle's scalar assess. */
static void check_picked(const gen_trace *out, const gen_trace *const *src, const int64_t *which, const int64_t *from,
                         int64_t m) {
    CHECK(gen_trace_batch_size(out) == m);
    gen_array *buf[4];
    for (int64_t j = 0; j < m; j++) {
        const gen_trace *s = src[which ? which[j] : 0];
        gen_choicemap *want = gen_choicemap_particle(gen_trace_choices(s), from[j]);
        gen_choicemap *got = gen_choicemap_particle(gen_trace_choices(out), j);
        CHECK(want && got && gen_choicemap_equal(want, got));
        CHECK(elem(gen_trace_score(out), j) == elem(gen_trace_score(s), from[j]));
        gen_args aj = particle_args(gen_trace_args(out), j, buf), as = particle_args(gen_trace_args(s), from[j], buf + 2);
        if (aj.n > 0 && gen_array_dtype(aj.v[0]) == GEN_I64) {
            int64_t x = -1, y = -2;
            gen_item_i64(aj.v[0], &x);
            gen_item_i64(as.v[0], &y);
            CHECK(x == y); /* a per-particle argument moves with its particle */
        }
        gen_array *w = NULL;
        CHECK_OK(gen_assess(gen_trace_gf(out), &aj, got, &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(out), j), 1e-12);
    }
}

static void test_gather_call(void) {
    enum { N = 12, M = 17 };
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_addr ay = path("y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_scalar(0.7));
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(3), N, NULL, obs, &tr, NULL));
    int64_t idx[M];
    for (int j = 0; j < M; j++) idx[j] = (j * 5 + 3) % N; /* repeats some, skips some */
    gen_array *index = gen_array_from(GEN_I64, 1, (int64_t[]){M}, idx);
    with_call_runs = 0;
    CHECK_OK(gen_trace_gather(tr, index, &out));
    CHECK(with_call_runs == 0); /* the DSL's own gather: the body does not run again */
    if (!out) return;
    check_picked(out, (const gen_trace *[]){tr}, NULL, idx, M);
    CHECK(gen_trace_value(out, &ay) == gen_trace_value(tr, &ay)); /* shared data stays shared */
    /* the gathered trace is a trace like any other: update runs on it */
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    gen_choicemap *obs2 = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_scalar(0.2));
    CHECK_OK(gen_update(out, gen_key_new(4), NULL, NULL, obs2, &t2, &w, NULL, NULL));
    CHECK_SHAPE(w, M);
}

static void test_gather_unfold(void) {
    enum { N = 8, T = 5 };
    gen_gf *f = gen_unfold(gen_dynamic("walk", walk));
    gen_array *av[2] = {gen_scalar_i64(T), gen_scalar(0.3)};
    gen_args args = {2, av, NULL};
    gen_choicemap *obs = gen_choicemap_empty();
    for (int t = 0; t < T; t++) {
        gen_addr a = {2, {gen_part_int(t), gen_part_name("y")}};
        obs = gen_choicemap_set(obs, &a, gen_scalar(0.1 * t));
    }
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(5), N, &args, obs, &tr, NULL));
    int64_t idx[N] = {7, 7, 0, 3, 3, 3, 1, 5};
    CHECK_OK(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){N}, idx), &out));
    if (!out) return;
    check_picked(out, (const gen_trace *[]){tr}, NULL, idx, N);
    /* a step after the gather extends the picked particles' paths */
    gen_array *av2[2] = {gen_scalar_i64(T + 1), gen_scalar(0.3)};
    gen_diff d[2] = {gen_diff_int(1), gen_diff_no_change()};
    gen_trace *t2 = NULL;
    CHECK_OK(gen_update(out, gen_key_new(6), &(gen_args){2, av2, NULL}, d, gen_choicemap_empty(), &t2, NULL, NULL, NULL));
    if (!t2) return;
    gen_addr x0 = {2, {gen_part_int(0), gen_part_name("x")}};
    for (int j = 0; j < N; j++)
        CHECK(elem(gen_trace_value(t2, &x0), j) == elem(gen_trace_value(tr, &x0), idx[j]));
}

static gen_array *batched_i64(int64_t n, const int64_t *v) { return gen_batched(gen_array_from(GEN_I64, 1, &n, v)); }

static void test_gather_switch(void) {
    enum { N = 9 };
    int64_t ks[N] = {0, 1, 2, 1, 0, 2, 2, 1, 0};
    gen_array *av[2] = {batched_i64(N, ks), gen_scalar(0.5)};
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_simulate_batched(sw3(), gen_key_new(7), N, &(gen_args){2, av, NULL}, &tr));
    /* only branches 1 and 2: the values of b0 alone ("a" of branch 0) are masked */
    int64_t idx[4] = {5, 1, 7, 2};
    CHECK_OK(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){4}, idx), &out));
    if (out) check_picked(out, (const gen_trace *[]){tr}, NULL, idx, 4);
    /* one branch for every picked particle: nothing is masked any more */
    int64_t same[3] = {2, 5, 6};
    CHECK_OK(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){3}, same), &out));
    if (!out) return;
    check_picked(out, (const gen_trace *[]){tr}, NULL, same, 3);
    gen_addr ac = path("c"), aa = path("a");
    CHECK(gen_choicemap_mask_at(gen_trace_choices(out), &ac) == NULL);
    CHECK(gen_trace_value(out, &aa) == NULL);
}

/* Map(kernel) over 5 shared inputs: z_i ~ N(x_i, 1), w_i ~ N(z_i, 0.5); its gather
 * picks every element's subtrace without running the kernel again. */
static int map_kernel_runs;
static gen_status map_kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    map_kernel_runs++;
    gen_array *z = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(1)));
    *retval = gen_choose(ctx, "w", gen_normal(z, gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static void test_gather_map(void) {
    enum { N = 8 };
    gen_gf *f = gen_map(gen_dynamic("map_kernel", map_kernel));
    gen_array *x = gen_linspace(-1, 1, 5);
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(14), N, &(gen_args){1, &x, NULL}, &tr));
    int64_t idx[5] = {7, 0, 0, 3, 6};
    map_kernel_runs = 0;
    CHECK_OK(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){5}, idx), &out));
    CHECK(map_kernel_runs == 0);
    if (!out) return;
    check_picked(out, (const gen_trace *[]){tr}, NULL, idx, 5);
    /* the return value (the stacked w) moves with its particles */
    const gen_array *r0 = gen_trace_retval(tr), *r1 = gen_trace_retval(out);
    CHECK_SHAPE(r1, 5, 5);
    for (int j = 0; r0 && r1 && j < 5; j++)
        for (int e = 0; e < 5; e++) CHECK(elem(r1, j * 5 + e) == elem(r0, idx[j] * 5 + e));
}

/* A dynamic function calling Switch: the DSL's gather picks its own records and falls
 * back to the rebuild for the Switch subtrace (Switch has no gather of its own). */
static gen_status calls_switch(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *u = gen_choose(ctx, "u", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *r = gen_call(ctx, "s", sw3(), &(gen_args){2, (gen_array *[]){args->v[0], u}, NULL});
    *retval = gen_choose(ctx, "z", gen_normal(r, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_gather_mixed(void) {
    enum { N = 9 };
    int64_t ks[N] = {0, 1, 2, 1, 0, 2, 2, 1, 0};
    gen_gf *f = gen_dynamic("calls_switch", calls_switch);
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(12), N, &(gen_args){1, (gen_array *[]){batched_i64(N, ks)}, NULL}, &tr));
    int64_t idx[6] = {8, 2, 2, 5, 0, 3};
    CHECK_OK(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){6}, idx), &out));
    if (!out) return;
    check_picked(out, (const gen_trace *[]){tr}, NULL, idx, 6);
    /* the gathered trace updates as any other: moving u reruns the picked branches */
    gen_addr au = path("u");
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_update(out, gen_key_new(13), gen_trace_args(out), NULL,
                        gen_choicemap_set(gen_choicemap_empty(), &au, gen_scalar(0.25)), &t2, &w, NULL, NULL));
    CHECK_SHAPE(w, 6);
}

static void test_where(void) {
    enum { N = 10 };
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_addr ay = path("y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_scalar(0.7));
    gen_trace *a = NULL, *b = NULL, *out = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(8), N, NULL, obs, &a, NULL));
    CHECK_OK(gen_generate_batched(f, gen_key_new(9), N, NULL, obs, &b, NULL));
    bool take[N] = {true, false, false, true, true, false, true, false, false, true};
    int64_t which[N], from[N];
    for (int i = 0; i < N; i++) which[i] = take[i], from[i] = i;
    CHECK_OK(gen_trace_where(gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, take), a, b, &out));
    if (out) check_picked(out, (const gen_trace *[]){a, b}, which, from, N);
}

/* Switch traces whose particles took different branches in a and b: addresses one trace
 * lacks are present only for the particles picked from the other. */
static void test_where_switch(void) {
    enum { N = 9 };
    int64_t ka[N] = {0, 1, 2, 0, 1, 2, 0, 1, 2}, kb[N] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    gen_array *va[2] = {batched_i64(N, ka), gen_scalar(0.5)}, *vb[2] = {batched_i64(N, kb), gen_scalar(0.5)};
    gen_gf *f = sw3();
    gen_trace *a = NULL, *b = NULL, *out = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(10), N, &(gen_args){2, va, NULL}, &a));
    CHECK_OK(gen_simulate_batched(f, gen_key_new(11), N, &(gen_args){2, vb, NULL}, &b));
    bool take[N] = {false, true, true, false, true, false, true, true, false};
    int64_t which[N], from[N];
    for (int i = 0; i < N; i++) which[i] = take[i], from[i] = i;
    CHECK_OK(gen_trace_where(gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, take), a, b, &out));
    if (out) check_picked(out, (const gen_trace *[]){a, b}, which, from, N);
    /* all from b: b itself, particle for particle */
    bool all[N] = {true, true, true, true, true, true, true, true, true};
    for (int i = 0; i < N; i++) which[i] = 1;
    CHECK_OK(gen_trace_where(gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, all), a, b, &out));
    if (out) check_picked(out, (const gen_trace *[]){a, b}, which, from, N);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_trace *tr = NULL, *t3 = NULL, *scalar = NULL, *out = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), 4, NULL, &tr));
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), 3, NULL, &t3));
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &scalar));
    gen_array *ok = gen_array_from(GEN_I64, 1, (int64_t[]){2}, (int64_t[]){0, 3});
    CHECK_ERROR(gen_trace_gather(scalar, ok, &out), "gen_trace_gather: the trace is not batched");
    CHECK(out == NULL);
    CHECK_ERROR(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){2}, (int64_t[]){1, 4}), &out),
                "gen_trace_gather: index 1 is 4, outside the trace's 4 particles");
    CHECK_ERROR(gen_trace_gather(tr, gen_array_from(GEN_I64, 1, (int64_t[]){1}, (int64_t[]){-1}), &out),
                "index 0 is -1");
    CHECK_ERROR(gen_trace_gather(tr, gen_scalar(1), &out), "the index must be a 1-D i64 array");
    CHECK_ERROR(gen_trace_gather(tr, gen_zeros(GEN_I64, 1, (int64_t[]){0}), &out),
                "the index must be a 1-D i64 array of at least one particle");
    gen_array *take4 = gen_array_from(GEN_BOOL, 1, (int64_t[]){4}, (bool[]){true, false, true, false});
    CHECK_ERROR(gen_trace_where(take4, tr, t3, &out), "gen_trace_where: trace a has 4 particles, trace b 3");
    CHECK_ERROR(gen_trace_where(take4, scalar, tr, &out), "gen_trace_where: trace a is not batched");
    CHECK_ERROR(gen_trace_where(gen_array_from(GEN_BOOL, 1, (int64_t[]){3}, (bool[]){1, 0, 1}), tr, tr, &out), "take_b must be a bool [4] array");
    gen_trace *other = NULL;
    CHECK_OK(gen_simulate_batched(gen_dynamic("sub", sub), gen_key_new(2), 4, &(gen_args){1, (gen_array *[]){gen_scalar(0)}, NULL},
                                  &other));
    CHECK_ERROR(gen_trace_where(take4, tr, other, &out), "different generative functions");
    CHECK(out == NULL);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_gather_call);
    RUN_ONLY(test_gather_unfold);
    RUN_ONLY(test_gather_switch);
    RUN_ONLY(test_gather_map);
    RUN_ONLY(test_gather_mixed);
    RUN_ONLY(test_where);
    RUN_ONLY(test_where_switch);
    RUN_ONLY(test_errors);
    return check_finish();
}
