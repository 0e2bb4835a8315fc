/* test_hmc.c — HMC (identity, diagonal and dense metrics), MALA and the posterior mode
 * (gen_posterior_mode) on models with exact posteriors: normal–normal (unbounded) and
 * gamma–poisson (a positive choice moved in log space), a correlated Gaussian for the
 * dense metric; moments within Monte Carlo error (batch means), modes exactly; the errors;
 * a step's target kept for the next step gives what a new target gives. */
#include <math.h>

#include "conjugate_models.h"

/* (a, b) ~ N(0, [[1, 0.9], [0.9, 1]]) written as a ~ N(0,1); b ~ N(0.9 a, sqrt(0.19)) */
static gen_status corr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "b", gen_normal(gen_mul(gen_scalar(0.9), a), gen_scalar(sqrt(0.19))));
    return gen_ctx_status(ctx);
}

/* Mean within 5 batch-means standard errors and variance within 10%. */
static void check_moments(const char *what, const double *d, int64_t n, int64_t stride, double m, double v) {
    enum { B = 40 };
    double mean = 0, var = 0, bm[B] = {0};
    for (int64_t i = 0; i < n; i++) mean += d[i * stride];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (d[i * stride] - mean) * (d[i * stride] - mean);
    var /= (double)(n - 1);
    int64_t per = n / B;
    for (int b = 0; b < B; b++) {
        for (int64_t i = 0; i < per; i++) bm[b] += d[(b * per + i) * stride];
        bm[b] /= (double)per;
    }
    double sb = 0;
    for (int b = 0; b < B; b++) sb += (bm[b] - mean) * (bm[b] - mean);
    double se = sqrt(sb / (B - 1) / B);
    if (fabs(mean - m) > 5 * se) check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (se %g)", what, mean, m, se);
    if (fabs(var - v) > 0.1 * v) check_fail(__FILE__, __LINE__, "%s: variance %g, want %g", what, var, v);
}

static void run(const char *what, gen_kernel k, gen_trace *init, const gen_selection *rec, int64_t n,
                int64_t col, int64_t ncol, double m, double v) {
    gen_chain_config cfg = {.burn_in = 200, .draws = n, .thin = 1, .sel = rec};
    gen_array *s = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(k, gen_key_new(42), init, &cfg, &s, NULL, &rate));
    if (!s) return;
    check_moments(what, (const double *)gen_array_data(s) + col, n, ncol, m, v);
    CHECK(rate > 0.3);
}

static void test_hmc(void) {
    gen_trace *tn = observed(normal_model, "y", 5, Y, 'f');
    gen_addr mu = {1, {gen_part_name("mu")}}, l = {1, {gen_part_name("l")}};
    gen_hmc_kernel hk = {gen_select(1, &mu), 0.3, 5, NULL};
    run("hmc normal", gen_kernel_hmc(&hk), tn, hk.sel, 6000, 0, 1, 5.7 / 6, 1.0 / 6);
    gen_mala_kernel mk = {gen_select(1, &mu), 0.5};
    run("mala normal", gen_kernel_mala(&mk), tn, mk.sel, 12000, 0, 1, 5.7 / 6, 1.0 / 6);
    /* the positive rate moves in log space; its draws are Gamma(12, rate 6) */
    gen_trace *tc = observed(counts, "k", 4, KS, 'i');
    gen_hmc_kernel hc = {gen_select(1, &l), 0.2, 6, gen_array_from(GEN_F64, 1, (int64_t[]){1}, (double[]){0.1})};
    run("hmc gamma-poisson", gen_kernel_hmc(&hc), tc, hc.sel, 6000, 0, 1, 2.0, 1.0 / 3);
    /* dense metric: the posterior covariance itself */
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("corr", corr), gen_key_new(2), NULL, &tr));
    gen_array *cov = gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){1, 0.9, 0.9, 1});
    gen_hmc_kernel hd = {gen_select_all(), 0.5, 4, cov};
    run("hmc dense a", gen_kernel_hmc(&hd), tr, NULL, 6000, 0, 2, 0, 1);
    run("hmc dense b", gen_kernel_hmc(&hd), tr, NULL, 6000, 1, 2, 0, 1);
}

static void test_posterior_mode(void) {
    gen_trace *tn = observed(normal_model, "y", 5, Y, 'f'), *out = NULL;
    double lp = 0;
    gen_addr mu = {1, {gen_part_name("mu")}}, l = {1, {gen_part_name("l")}};
    CHECK_OK(gen_posterior_mode(tn, gen_select(1, &mu), 200, 1e-10, &out, &lp));
    if (out) CHECK_NEAR(check_item(gen_trace_value(out, &mu)), 5.7 / 6, 1e-6);
    /* in log space the gamma(12, rate 6) density of log l peaks at l = 12 / 6 */
    gen_trace *tc = observed(counts, "k", 4, KS, 'i');
    CHECK_OK(gen_posterior_mode(tc, gen_select(1, &l), 500, 1e-12, &out, &lp));
    if (out) CHECK_NEAR(check_item(gen_trace_value(out, &l)), 2.0, 1e-5);
}

static void test_errors(void) {
    gen_trace *tn = observed(normal_model, "y", 5, Y, 'f'), *out = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    gen_selection *sel = gen_select(1, &mu);
    CHECK_ERROR(gen_hmc(tn, gen_key_new(1), sel, -1, 5, NULL, &out, NULL), "need step > 0");
    gen_array *bad = gen_zeros(GEN_F64, 1, (int64_t[]){3});
    CHECK_ERROR(gen_hmc(tn, gen_key_new(1), sel, 0.1, 5, bad, &out, NULL), "gen_hmc: the inverse metric must be f64 [1]");
    CHECK_ERROR(gen_hmc(tn, gen_key_new(1), sel, 0.1, 5, gen_zeros(GEN_F64, 1, (int64_t[]){1}), &out, NULL),
                "inverse metric must be positive");
    CHECK(!out);
}

/* s ~ N(1, 1) on the real line; y ~ N(0, s) observed: the model refuses s <= 0 (the
 * normal's sigma must be > 0), so a proposal there is a rejection, not an error. */
static gen_status refusing(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_normal(gen_scalar(1), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), s));
    return gen_ctx_status(ctx);
}

static void test_refused_points(void) {
    gen_addr sa = {1, {gen_part_name("s")}}, ya = {1, {gen_part_name("y")}};
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(0.3)), &sa, gen_scalar(2.0));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("refusing", refusing), gen_key_new(1), NULL, c, &tr, NULL));
    gen_selection *sel = gen_select(1, &sa);
    int rejected[2] = {0, 0};
    for (int i = 0; i < 40 && tr; i++) {
        for (int k = 0; k < 2; k++) { /* large steps from s = 2 often land below 0 */
            gen_trace *out = NULL;
            bool acc = true;
            gen_status st = k ? gen_mala(tr, gen_key_new(100 + (uint64_t)i), sel, 1.5, &out, &acc)
                              : gen_hmc(tr, gen_key_new(100 + (uint64_t)i), sel, 0.8, 3, NULL, &out, &acc);
            CHECK_OK(st);
            if (st != GEN_OK || !out) continue;
            double s = check_item(gen_trace_value(out, &sa));
            CHECK(s > 0);
            if (!acc) CHECK(s == 2.0);
            rejected[k] += !acc;
        }
    }
    CHECK(rejected[0] > 5 && rejected[1] > 5);
}

/* l ~ Gamma(3, 1) (moved in log space); y ~ N(l, 1) observed; counts its runs. */
static int64_t pos_runs;
static gen_status pos_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    pos_runs++;
    gen_array *l = gen_choose(ctx, "l", gen_gamma(gen_scalar(3), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(l, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* A step on the trace the last step left takes that step's target (target_reuse.c),
 * without running the model to find its position again (fewer runs of the body than a
 * step that makes its target anew), with the same result to rounding (theta is not sent
 * through the bijections and back). */
static void test_target_reuse(void) {
    gen_gf *f = gen_dynamic("pos", pos_model);
    gen_addr l = {1, {gen_part_name("l")}}, y = {1, {gen_part_name("y")}};
    gen_trace *a = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(2.0)), &a,
                          NULL));
    gen_selection *sel = gen_select(1, &l);
    int64_t quiet_steps = 0;
    for (int i = 0; i < 40 && a; i++) {
        bool mala = i % 2;
        gen_key k1 = gen_key_new(50 + (uint64_t)i), k2 = gen_key_new(500 + (uint64_t)i);
        gen_trace *b = NULL, *kept = NULL, *fresh = NULL;
        bool acc_kept = false, acc_fresh = false;
        CHECK_OK(mala ? gen_mala(a, k1, sel, 0.4, &b, NULL) : gen_hmc(a, k1, sel, 0.2, 6, NULL, &b, NULL));
        if (!b) break;
        int64_t before = pos_runs;
        CHECK_OK(mala ? gen_mala(b, k2, sel, 0.4, &kept, &acc_kept) : gen_hmc(b, k2, sel, 0.2, 6, NULL, &kept, &acc_kept));
        int64_t kept_runs = pos_runs - before;
        gen_compile_cache_clear(); /* drops the kept target: the next step makes a new one */
        before = pos_runs;
        CHECK_OK(mala ? gen_mala(b, k2, sel, 0.4, &fresh, &acc_fresh) : gen_hmc(b, k2, sel, 0.2, 6, NULL, &fresh, &acc_fresh));
        quiet_steps += kept_runs < pos_runs - before; /* a new target runs the model to find its position */
        CHECK(acc_kept == acc_fresh);
        if (kept && fresh) CHECK_CLOSE(check_item(gen_trace_value(kept, &l)), check_item(gen_trace_value(fresh, &l)), 1e-12);
        a = fresh;
    }
    if (quiet_steps < 40)
        check_fail(__FILE__, __LINE__, "only %lld of 40 steps took the kept target", (long long)quiet_steps);
}

int main(void) {
    RUN(test_hmc);
    RUN(test_posterior_mode);
    RUN(test_errors);
    RUN(test_refused_points);
    RUN(test_target_reuse);
    return check_finish();
}
