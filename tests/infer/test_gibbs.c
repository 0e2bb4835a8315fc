/* test_gibbs.c — Gibbs sampling of the discrete HMM's states (candidates from the
 * model's categorical supports): posterior marginals against the exact forward-backward
 * algorithm within Monte Carlo error (batch means); supports that depend on other
 * choices; a choice whose conditional is computed through a dependent distribution;
 * bool choices; the errors. */
#include "hmm_model.h"
#include "oom_loop.h"

static gen_trace *hmm_trace(uint64_t seed) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("hmm", hmm_body), gen_key_new(seed), NULL, hmm_obs(), &tr, NULL));
    return tr;
}

static gen_selection *z_sel(void) { return gen_select_paths(1, (const char *[]){"z"}); }

static void test_hmm_marginals(void) {
    gen_gibbs_kernel gk = {z_sel(), NULL}; /* each z/t's support: its categorical's */
    hmm_check_chain("Gibbs", gen_kernel_gibbs(&gk), 1, 3000, 100);
}

/* b ~ bernoulli(0.3); c ~ bernoulli(b ? 0.9 : 0.2) observed true: p(b | c) = .27 / .41 */
static gen_status coins(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *b = gen_choose(ctx, "b", gen_bernoulli(gen_scalar(0.3)));
    if (!b) return gen_ctx_status(ctx);
    gen_choose(ctx, "c", gen_bernoulli(gen_where(b, gen_scalar(0.9), gen_scalar(0.2))));
    return gen_ctx_status(ctx);
}

static void test_bool_default(void) {
    gen_addr ca = {1, {gen_part_name("c")}};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("coins", coins), gen_key_new(1), NULL,
                          gen_choicemap_set(gen_choicemap_empty(), &ca, gen_scalar_bool(true)), &tr, NULL));
    gen_selection *sel = gen_select_paths(1, (const char *[]){"b"});
    gen_addr ba = {1, {gen_part_name("b")}};
    int n = 20000, hits = 0;
    for (int i = 0; i < n && tr; i++) {
        gen_scope_begin();
        gen_trace *out = NULL;
        CHECK_OK(gen_gibbs(tr, gen_key_new(10 + i), sel, NULL, &out));
        int64_t b = 0;
        if (out) gen_item_i64(gen_trace_value(out, &ba), &b);
        hits += (int)b;
        gen_scope_end();
    }
    double p = 0.27 / 0.41, se = sqrt(p * (1 - p) / n); /* independent draws: exact conditional */
    if (fabs(hits / (double)n - p) > 5 * se) check_fail(__FILE__, __LINE__, "p(b | c) %g, want %g", hits / (double)n, p);
}

/* n ~ U{1, 3}; x ~ binomial(n, 0.3); y ~ N(x, 1) observed 1.5: the support of x
 * (0..n) depends on n, and n's conditional is zero below x. */
static gen_status counts(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *n = gen_choose(ctx, "n", gen_uniform_discrete(gen_scalar_i64(1), gen_scalar_i64(3)));
    gen_array *x = n ? gen_choose(ctx, "x", gen_binomial(n, gen_scalar(0.3))) : NULL;
    if (x) gen_choose(ctx, "y", gen_normal(gen_cast(x, GEN_F64), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_dependent_support(void) {
    enum { SWEEPS = 8000, B = 40 };
    /* exact joint p(n, x | y) on n in 1..3, x in 0..n */
    double exact[4][4] = {{0}}, z = 0;
    for (int n = 1; n <= 3; n++)
        for (int x = 0; x <= n; x++) {
            double binom = (n == 3 && (x == 1 || x == 2) ? 3 : n == 2 && x == 1 ? 2 : 1) * pow(0.3, x) * pow(0.7, n - x);
            exact[n][x] = binom * exp(-0.5 * (1.5 - x) * (1.5 - x)) / 3;
            z += exact[n][x];
        }
    gen_addr ya = {1, {gen_part_name("y")}}, na = {1, {gen_part_name("n")}}, xa = {1, {gen_part_name("x")}};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("counts", counts), gen_key_new(5), NULL,
                          gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(1.5)), &tr, NULL));
    gen_selection *sel = gen_select_paths(2, (const char *[]){"n", "x"});
    double bm[B][4][4] = {{{0}}};
    const int per = SWEEPS / B;
    gen_trace *cur = tr ? gen_trace_retain(tr) : NULL;
    for (int i = 0; i < SWEEPS && cur; i++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        CHECK_OK(gen_gibbs(cur, gen_key_fold_in(gen_key_new(6), (uint64_t)i), sel, NULL, &next));
        gen_trace_release(cur);
        cur = next ? gen_trace_retain(next) : NULL;
        int64_t n = 0, x = 0;
        if (cur) gen_item_i64(gen_trace_value(cur, &na), &n), gen_item_i64(gen_trace_value(cur, &xa), &x);
        bm[i / per][n][x] += 1.0 / per;
        gen_scope_end();
    }
    gen_trace_release(cur);
    for (int n = 1; n <= 3; n++)
        for (int x = 0; x <= n; x++) {
            double m = 0, v = 0;
            for (int b = 0; b < B; b++) m += bm[b][n][x] / B;
            for (int b = 0; b < B; b++) v += (bm[b][n][x] - m) * (bm[b][n][x] - m);
            double se = sqrt(v / (B - 1) / B);
            if (fabs(m - exact[n][x] / z) > 5 * se + 1e-3 || se > 0.02)
                check_fail(__FILE__, __LINE__, "p(n = %d, x = %d | y): %g, exact %g (se %g)", n, x, m, exact[n][x] / z, se);
        }
}

/* Under Unfold, three independent steps (the state unused): k ~ U{0, 2}; c ~
 * bernoulli(k == 1 ? 0.9 : 0.2) observed true, so p(k = 1 | c) = 0.3 / (0.3 + 0.4 / 3).
 * The candidates of each k come from the model through the combinator. */
static gen_status coins_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(2)));
    if (k) gen_choose(ctx, "c", gen_bernoulli(gen_where(gen_eq(k, gen_scalar_i64(1)), gen_scalar(0.9), gen_scalar(0.2))));
    *retval = args->v[1];
    return gen_ctx_status(ctx);
}

static gen_status coins_chain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v[2] = {gen_scalar_i64(3), gen_scalar(0)};
    *retval = gen_call(ctx, "steps", gen_unfold(gen_dynamic("coins_step", coins_step)), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_support_through_unfold(void) {
    gen_choicemap *obs = gen_choicemap_empty();
    for (int i = 0; i < 3; i++) {
        gen_addr a = {3, {gen_part_name("steps"), gen_part_int(i), gen_part_name("c")}};
        obs = gen_choicemap_set(obs, &a, gen_scalar_bool(true));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("coins_chain", coins_chain), gen_key_new(3), NULL, obs, &tr, NULL));
    gen_addr b1 = {3, {gen_part_name("steps"), gen_part_int(1), gen_part_name("k")}};
    gen_selection *sel = gen_select(1, &b1);
    int n = 4000, hits = 0;
    for (int i = 0; i < n && tr; i++) {
        gen_scope_begin();
        gen_trace *out = NULL;
        CHECK_OK(gen_gibbs(tr, gen_key_new(500 + (uint64_t)i), sel, NULL, &out));
        int64_t k = 0;
        if (out) gen_item_i64(gen_trace_value(out, &b1), &k);
        hits += k == 1;
        gen_scope_end();
    }
    double p = 0.3 / (0.3 + 0.4 / 3), se = sqrt(p * (1 - p) / n);
    if (fabs(hits / (double)n - p) > 5 * se) check_fail(__FILE__, __LINE__, "p(k = 1 | c) %g, want %g", hits / (double)n, p);
}

/* k ~ U{0, 2}; x/j ~ N(0, 1) for j < k: changing k changes the structure */
static gen_status varying(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(2)));
    int64_t K = 0;
    if (!k || gen_item_i64(k, &K) != GEN_OK) return gen_ctx_status(ctx);
    for (int j = 0; j < K; j++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(j)}};
        gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(1)));
    }
    return gen_ctx_status(ctx);
}

static gen_status one_cat(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "w", gen_categorical(gen_array_from_f64(GEN_DIMS(2), (const double[]){0.5, 0.5})));
    return gen_ctx_status(ctx);
}

static gen_status poisson_count(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "k", gen_poisson(gen_scalar(2)));
    return gen_ctx_status(ctx);
}

static gen_array *bad_candidates(void *ud, const gen_trace *tr, const gen_addr *a) {
    (void)ud, (void)tr, (void)a;
    return NULL;
}

static void test_errors(void) {
    gen_trace *tr = hmm_trace(3), *out = NULL;
    gen_trace *pt = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("counts_of", poisson_count), gen_key_new(1), NULL, &pt));
    CHECK_ERROR(gen_gibbs(pt, gen_key_new(1), gen_select_all(), NULL, &out),
                "gen_gibbs: the i64 choice at k has no finite support that the model tells: give its candidate values");
    CHECK(out == NULL);
    gen_candidates bad = {bad_candidates, NULL, NULL};
    CHECK_ERROR(gen_gibbs(tr, gen_key_new(1), z_sel(), &bad, &out), "the candidates callback gave no values for z/0");
    gen_candidates flat = {NULL, NULL, gen_scalar_i64(1)};
    CHECK_ERROR(gen_gibbs(tr, gen_key_new(1), z_sel(), &flat, &out), "the candidates of z/0 must be [K, ...]");
    gen_candidates big = {NULL, NULL, gen_arange(5, 7, 1, GEN_I64)}; /* outside the support */
    gen_trace *ct = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("one_cat", one_cat), gen_key_new(1), NULL, &ct));
    CHECK_ERROR(gen_gibbs(ct, gen_key_new(1), gen_select_all(), &big, &out), "gen_gibbs: the conditional of w:");
    gen_trace *vt = NULL;
    gen_addr ka = {1, {gen_part_name("k")}};
    CHECK_OK(gen_generate(gen_dynamic("varying", varying), gen_key_new(1), NULL,
                          gen_choicemap_set(gen_choicemap_empty(), &ka, gen_scalar_i64(1)), &vt, NULL));
    gen_candidates ks = {NULL, NULL, gen_arange(0, 3, 1, GEN_I64)};
    CHECK_ERROR(gen_gibbs(vt, gen_key_new(1), gen_select(1, &ka), &ks, &out),
                "candidate 0 of k changes which choices the model makes");
    CHECK_ERROR(gen_gibbs(NULL, gen_key_new(1), z_sel(), &ks, &out), "gen_gibbs: the trace is NULL");
    CHECK_ERROR(gen_gibbs(tr, gen_key_new(1), NULL, &ks, &out), "gen_gibbs: the selection is NULL");
    /* a continuous choice has no finite support */
    CHECK_ERROR(gen_gibbs(vt, gen_key_new(1), gen_select_paths(1, (const char *[]){"x"}), NULL, &out),
                "the f64 choice at x/0 has no finite support that the model tells");
}

static gen_status oom_workload(void) {
    gen_addr ca = {1, {gen_part_name("c")}};
    gen_trace *tr = NULL, *out = NULL;
    gen_gf *f = gen_dynamic("coins", coins);
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &ca, gen_scalar_bool(true));
    gen_selection *sel = gen_select_paths(1, (const char *[]){"b"});
    gen_status s = f && c && sel ? gen_generate(f, gen_key_new(1), NULL, c, &tr, NULL) : gen_error_status();
    if (s == GEN_OK) s = gen_gibbs(tr, gen_key_new(2), sel, NULL, &out);
    return s;
}

static void test_out_of_memory(void) { check_oom("gibbs", oom_workload); }

int main(void) {
    RUN(test_hmm_marginals);
    RUN(test_dependent_support);
    RUN(test_support_through_unfold);
    RUN(test_bool_default);
    RUN(test_errors);
    RUN(test_out_of_memory);
    return check_finish();
}
