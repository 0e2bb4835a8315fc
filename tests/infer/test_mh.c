/* test_mh.c — Metropolis–Hastings with a selection and with a custom proposal, kernel
 * composition (and a cycle's parts applied one by one: gen_kernel_cycle_parts) and
 * chains (burn-in, thinning, parallel chains on threads) on the normal–normal model,
 * against the exact posterior within Monte Carlo error (batch means); reproducibility
 * from the key; the errors. */
#include <math.h>
#include <string.h>

#include "../testutil/check.h"

static const double Y[5] = {0.8, 1.9, 1.1, 0.4, 1.5};
static const double POST_M = (0.8 + 1.9 + 1.1 + 0.4 + 1.5) / 6, POST_V = 1.0 / 6;

/* mu ~ N(0, 1); y/i ~ N(mu, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_part y = gen_part_name("y");
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {y, gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(mu, gen_scalar(1)));
    }
    *retval = mu;
    return gen_ctx_status(ctx);
}

static gen_trace *initial(uint64_t seed) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        m = gen_choicemap_set(m, &a, gen_scalar(Y[i]));
    }
    gen_trace *tr = NULL;
    gen_generate(gen_dynamic("model", model), gen_key_new(seed), NULL, m, &tr, NULL);
    return tr;
}

/* mu' ~ N(mu, 0.7), mu read from the current trace (args->user) */
static gen_status random_walk(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_addr a = {1, {gen_part_name("mu")}};
    const gen_array *mu = gen_trace_value(args->user, &a);
    *retval = gen_choose(ctx, "mu", gen_normal(mu, gen_scalar(0.7)));
    return gen_ctx_status(ctx);
}

/* Mean and variance of draws[0..n) with the batch-means standard error of the mean. */
static void check_posterior(const char *what, const double *d, int64_t n) {
    enum { B = 50 };
    double mean = 0, var = 0, bm[B] = {0};
    for (int64_t i = 0; i < n; i++) mean += d[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (d[i] - mean) * (d[i] - mean);
    var /= (double)(n - 1);
    int64_t per = n / B;
    for (int b = 0; b < B; b++) {
        for (int64_t i = 0; i < per; i++) bm[b] += d[b * per + i];
        bm[b] /= (double)per;
    }
    double sb = 0;
    for (int b = 0; b < B; b++) sb += (bm[b] - mean) * (bm[b] - mean);
    double se = sqrt(sb / (B - 1) / B);
    if (fabs(mean - POST_M) > 5 * se) check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (se %g)", what, mean, POST_M, se);
    if (fabs(var - POST_V) > 0.1 * POST_V) check_fail(__FILE__, __LINE__, "%s: variance %g, want %g", what, var, POST_V);
}

static gen_selection *mu_sel(void) {
    gen_addr a = {1, {gen_part_name("mu")}};
    return gen_select(1, &a);
}

static void test_mh_select(void) {
    gen_mh_select_kernel k = {mu_sel()};
    gen_chain_config cfg = {.burn_in = 200, .draws = 20000, .thin = 1, .sel = mu_sel()};
    gen_array *s = NULL;
    double rate = 0;
    gen_trace *fin = NULL;
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(2), initial(1), &cfg, &s, &fin, &rate));
    if (!s) return;
    CHECK_SHAPE(s, 20000, 1);
    check_posterior("mh select", gen_array_data(s), 20000);
    CHECK(rate > 0.2 && rate < 0.8);
    CHECK(fin != NULL);
    /* the same key gives the same chain */
    gen_array *s2 = NULL;
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(2), initial(1), &cfg, &s2, NULL, NULL));
    if (s2) CHECK_ARRAY(s2, (const double *)gen_array_data(s), 20000, 0, 0);
}

static void test_mh_proposal(void) {
    gen_mh_proposal_kernel k = {gen_dynamic("random_walk", random_walk), NULL};
    gen_chain_config cfg = {.burn_in = 200, .draws = 10000, .thin = 2, .sel = mu_sel()};
    gen_array *s = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_mh_proposal(&k), gen_key_new(4), initial(3), &cfg, &s, NULL, &rate));
    if (s) check_posterior("mh random walk", gen_array_data(s), 10000);
    CHECK(rate > 0.3 && rate < 0.9);
}

/* A proposal that proposes the current value: the move is always accepted (alpha = 0). */
static gen_status stay(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_addr a = {1, {gen_part_name("mu")}};
    *retval = gen_choose(ctx, "mu", gen_normal(gen_trace_value(args->user, &a), gen_scalar(1e-300)));
    return gen_ctx_status(ctx);
}

static void test_composition(void) {
    gen_mh_select_kernel ks = {mu_sel()};
    gen_mh_proposal_kernel kp = {gen_dynamic("random_walk", random_walk), NULL};
    gen_kernel parts[2] = {gen_kernel_mh_select(&ks), gen_kernel_mh_proposal(&kp)};
    gen_kernel_list cyc = {2, parts, NULL}, mix = {2, parts, (double[]){0.3, 0.7}};
    gen_kernel_repeat rep = {gen_kernel_cycle(&cyc), 3};
    gen_kernel kernels[3] = {gen_kernel_cycle(&cyc), gen_kernel_mixture(&mix), gen_kernel_repeated(&rep)};
    const char *names[3] = {"cycle", "mixture", "repeat"};
    gen_chain_config cfg = {.burn_in = 100, .draws = 8000, .thin = 1, .sel = mu_sel()};
    for (int i = 0; i < 3; i++) {
        gen_array *s = NULL;
        CHECK_OK(gen_run_chain(kernels[i], gen_key_new(6 + i), initial(5), &cfg, &s, NULL, NULL));
        if (s) check_posterior(names[i], gen_array_data(s), 8000);
    }
    gen_trace *tr = initial(9), *out = NULL;
    bool acc = false;
    gen_mh_proposal_kernel kstay = {gen_dynamic("stay", stay), NULL};
    CHECK_OK(gen_kernel_apply(gen_kernel_mh_proposal(&kstay), gen_key_new(10), tr, &out, &acc));
    CHECK(acc);
}

/* gen_kernel_cycle_parts: a cycle's list (NULL for other kernels); its parts applied one
 * by one, part i with fold_in(key, i), give the cycle's step exactly, and the cycle
 * accepts when some part did. */
static void test_cycle_parts(void) {
    gen_mh_select_kernel ks = {mu_sel()};
    gen_mh_proposal_kernel kp = {gen_dynamic("random_walk", random_walk), NULL};
    gen_kernel parts[2] = {gen_kernel_mh_select(&ks), gen_kernel_mh_proposal(&kp)};
    gen_kernel_list cyc = {2, parts, NULL}, mix = {2, parts, (double[]){0.3, 0.7}};
    gen_kernel_repeat rep = {gen_kernel_cycle(&cyc), 3};
    CHECK(gen_kernel_cycle_parts(gen_kernel_cycle(&cyc)) == &cyc);
    CHECK(gen_kernel_cycle_parts(gen_kernel_mixture(&mix)) == NULL);
    CHECK(gen_kernel_cycle_parts(gen_kernel_repeated(&rep)) == NULL);
    CHECK(gen_kernel_cycle_parts(parts[0]) == NULL);
    gen_addr mu = {1, {gen_part_name("mu")}};
    gen_trace *tr = initial(21);
    int n_acc[2] = {0, 0};
    for (uint64_t s = 0; s < 40; s++) {
        gen_key key = gen_key_new(100 + s);
        gen_trace *whole = NULL, *cur = tr;
        bool acc = false, any = false;
        CHECK_OK(gen_kernel_apply(gen_kernel_cycle(&cyc), key, tr, &whole, &acc));
        for (int i = 0; i < 2; i++) {
            gen_trace *next = NULL;
            bool a = false;
            CHECK_OK(gen_kernel_apply(cyc.kernels[i], gen_key_fold_in(key, (uint64_t)i), cur, &next, &a));
            n_acc[i] += a;
            any |= a;
            cur = next;
        }
        if (!whole || !cur) return;
        CHECK(acc == any);
        CHECK(*(const double *)gen_array_data(gen_trace_value(whole, &mu)) ==
              *(const double *)gen_array_data(gen_trace_value(cur, &mu)));
        tr = whole;
    }
    /* both parts moved sometimes and were refused sometimes */
    CHECK(n_acc[0] > 0 && n_acc[0] < 40 && n_acc[1] > 0 && n_acc[1] < 40);
}

static void test_parallel_chains(void) {
    gen_mh_select_kernel k = {mu_sel()};
    gen_trace *init[4] = {initial(11), initial(12), initial(13), initial(14)};
    gen_chain_config cfg = {.burn_in = 100, .draws = 5000, .thin = 1, .sel = mu_sel()};
    gen_array *s = NULL, *s1 = NULL;
    double rates[4] = {0};
    CHECK_OK(gen_run_chains(gen_kernel_mh_select(&k), gen_key_new(15), 4, init, &cfg, 2, &s, rates, NULL));
    if (!s) return;
    CHECK_SHAPE(s, 4, 5000, 1);
    check_posterior("4 chains", gen_array_data(s), 20000);
    for (int c = 0; c < 4; c++) CHECK(rates[c] > 0.2 && rates[c] < 0.8);
    /* chain c is gen_run_chain with fold_in(key, c), whatever the threads */
    CHECK_OK(gen_run_chain(gen_kernel_mh_select(&k), gen_key_fold_in(gen_key_new(15), 2), init[2], &cfg, &s1, NULL, NULL));
    if (s1) CHECK_ARRAY(s1, (const double *)gen_array_data(s) + 2 * 5000, 5000, 0, 0);
}

/* y ~ N(0, s) with s a choice that some steps make negative: the model rejects those
 * proposals (a parameter outside its domain is a rejection, as in HMC and NUTS). Above
 * s = 1.5 the body traces s again: a programming error, which fails the chain naming the
 * step and the address. */
static gen_status bad_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_normal(gen_scalar(0), gen_scalar(1)));
    double v = 0;
    if (s && gen_item(s, &v) == GEN_OK && v > 1.5) gen_choose(ctx, "s", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), s));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_mh_select_kernel k = {mu_sel()};
    gen_chain_config bad = {.burn_in = 0, .draws = 10, .thin = 0};
    CHECK_ERROR(gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(1), initial(1), &bad, NULL, NULL, NULL),
                "thin >= 1");
    gen_trace *out = NULL;
    CHECK_ERROR(gen_mh_select(NULL, gen_key_new(1), mu_sel(), &out, NULL), "the trace is NULL");
    gen_addr sa = {1, {gen_part_name("s")}}, ya = {1, {gen_part_name("y")}};
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &sa, gen_scalar(1)), &ya, gen_scalar(0.5));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("bad", bad_model), gen_key_new(1), NULL, c, &tr, NULL));
    gen_mh_select_kernel ks = {gen_select(1, &sa)};
    /* s < 0: rejected, never kept */
    int rejected = 0;
    for (uint64_t i = 0; i < 40 && tr; i++) {
        bool acc = true;
        gen_status st = gen_mh_select(tr, gen_key_new(i), ks.sel, &out, &acc);
        if (st == GEN_ERR_VALUE && strstr(gen_error_message(), "already traced")) { /* s > 1.5 */
            gen_error_clear();
            continue;
        }
        CHECK_OK(st);
        if (st != GEN_OK) continue;
        double v = check_item(gen_trace_value(out, &sa));
        CHECK(acc ? v > 0 : out == tr);
        rejected += !acc && v == 1;
    }
    CHECK(rejected > 5);
    gen_chain_config cfg = {.burn_in = 0, .draws = 50, .thin = 1};
    gen_trace *init[2] = {tr, tr};
    CHECK_ERROR(gen_run_chains(gen_kernel_mh_select(&ks), gen_key_new(2), 2, init, &cfg, 2, NULL, NULL, NULL),
                "s: address already traced");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_mh_select);
    RUN_ONLY(test_mh_proposal);
    RUN_ONLY(test_composition);
    RUN_ONLY(test_cycle_parts);
    RUN_ONLY(test_parallel_chains);
    RUN_ONLY(test_errors);
    return check_finish();
}
