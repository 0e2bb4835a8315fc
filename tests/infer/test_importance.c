/* test_importance.c — importance sampling and resampling against exact answers:
 * normal–normal (posterior mean and the log marginal likelihood; with the exact
 * posterior as proposal every weight equals the marginal likelihood), beta–bernoulli
 * and gamma–poisson posterior means (batched), the resamplers' frequencies, and the
 * errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"

static const double Y[5] = {0.8, 1.9, 1.1, 0.4, 1.5};

/* mu ~ N(0, 1); y/i ~ N(mu, 1) */
static gen_status normal_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
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

static gen_choicemap *normal_obs(void) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        m = gen_choicemap_set(m, &a, gen_scalar(Y[i]));
    }
    return m;
}

/* Posterior N(m, v), v = 1/6, m = v sum y; marginal y ~ N(0, I + 1 1^T): log density
 * = -5/2 log 2 pi - 1/2 log det - 1/2 y^T (I - 1 1^T / 6) y, det = 6. */
static double post_v(void) { return 1.0 / 6; }
static double post_m(void) {
    double s = 0;
    for (int i = 0; i < 5; i++) s += Y[i];
    return s / 6;
}
static double log_marginal(void) {
    double s = 0, ss = 0;
    for (int i = 0; i < 5; i++) s += Y[i], ss += Y[i] * Y[i];
    return -5 * 0.91893853320467274178 - 0.5 * log(6.0) - 0.5 * (ss - s * s / 6);
}

/* The exact posterior as a proposal: mu ~ N(m, sqrt(v)). */
static gen_status exact_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "mu", gen_normal(gen_scalar(post_m()), gen_scalar(sqrt(post_v()))));
    return gen_ctx_status(ctx);
}

/* Self-normalized mean of mu over the n traces. */
static double weighted_mean(int64_t n, gen_trace **tr, const gen_array *lw) {
    const double *w = gen_array_data(lw);
    double max = -INFINITY, num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) max = fmax(max, w[i]);
    for (int64_t i = 0; i < n; i++) {
        double e = exp(w[i] - max);
        num += e * check_item(gen_trace_retval(tr[i]));
        den += e;
    }
    return num / den;
}

static void test_normal_normal(void) {
    enum { N = 4000 };
    gen_gf *model = gen_dynamic("normal", normal_model);
    static gen_trace *tr[N];
    gen_array *lw = NULL;
    double lml = 0, ess = 0;
    CHECK_OK(gen_importance_sampling(model, gen_key_new(1), NULL, normal_obs(), NULL, NULL, N, tr, &lw, &lml));
    if (!lw) return;
    CHECK_OK(gen_ess_of_log_weights(lw, &ess));
    CHECK(ess > 100 && ess < N);
    /* the posterior mean within 5 standard errors (sd / sqrt(ESS)) */
    CHECK_NEAR(weighted_mean(N, tr, lw), post_m(), 5 * sqrt(post_v() / ess));
    CHECK_NEAR(lml, log_marginal(), 0.1);

    /* the exact posterior as proposal: every log weight is the log marginal likelihood */
    gen_gf *q = gen_dynamic("exact", exact_proposal);
    CHECK_OK(gen_importance_sampling(model, gen_key_new(2), NULL, normal_obs(), q, NULL, 50, tr, &lw, &lml));
    for (int i = 0; lw && i < 50; i++) CHECK_CLOSE(((const double *)gen_array_data(lw))[i], log_marginal(), 1e-12);
    CHECK_CLOSE(lml, log_marginal(), 1e-12);

    /* batched: 200000 particles in one run */
    gen_trace *bt = NULL;
    CHECK_OK(gen_importance_sampling_batched(model, gen_key_new(3), NULL, normal_obs(), NULL, NULL, 200000, &bt, &lw, &lml));
    CHECK_NEAR(lml, log_marginal(), 0.02);
    CHECK_OK(gen_importance_sampling_batched(model, gen_key_new(4), NULL, normal_obs(), q, NULL, 1000, &bt, &lw, &lml));
    CHECK_CLOSE(lml, log_marginal(), 1e-12);

    /* importance resampling: draws from (nearly) the posterior */
    enum { R = 300 };
    double draws[R];
    for (int r = 0; r < R; r++) {
        gen_trace *one = NULL;
        CHECK_OK(gen_importance_resampling(model, gen_key_new(100 + r), NULL, normal_obs(), NULL, NULL, 200, &one, NULL));
        draws[r] = one ? check_item(gen_trace_retval(one)) : NAN;
    }
    STATS_MOMENTS("SIR draws of mu", gen_array_from(GEN_F64, 1, (int64_t[]){R}, draws), post_m(), post_v() * 1.0);
}

/* p ~ Beta(2, 3); x/i ~ Bernoulli(p), 10 observations with 7 ones: posterior Beta(9, 6) */
static gen_status coin(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *p = gen_choose(ctx, "p", gen_beta(gen_scalar(2), gen_scalar(3)));
    gen_part x = gen_part_name("x");
    for (int i = 0; i < 10; i++) {
        gen_addr a = {2, {x, gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_bernoulli(p));
    }
    *retval = p;
    return gen_ctx_status(ctx);
}

/* l ~ Gamma(3, scale 0.5); k/i ~ Poisson(l), 4 counts summing to 9: posterior Gamma(12, rate 6) */
static gen_status counts(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *l = gen_choose(ctx, "l", gen_gamma(gen_scalar(3), gen_scalar(0.5)));
    gen_part k = gen_part_name("k");
    for (int i = 0; i < 4; i++) {
        gen_addr a = {2, {k, gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_poisson(l));
    }
    *retval = l;
    return gen_ctx_status(ctx);
}

/* The self-normalized posterior mean of the return value of a batched IS run. */
static double batched_mean(const gen_trace *tr, const gen_array *lw, double *ess) {
    const double *w = gen_array_data(lw), *v = gen_array_data(gen_trace_retval(tr));
    int64_t n = gen_array_size(lw);
    double max = -INFINITY, num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) max = fmax(max, w[i]);
    for (int64_t i = 0; i < n; i++) {
        double e = exp(w[i] - max);
        num += e * v[i];
        den += e;
    }
    gen_ess_of_log_weights(lw, ess);
    return num / den;
}

static void test_conjugate_batched(void) {
    gen_choicemap *obs = gen_choicemap_empty();
    int xs[10] = {1, 1, 0, 1, 1, 1, 0, 1, 0, 1};
    for (int i = 0; i < 10; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        obs = gen_choicemap_set(obs, &a, gen_scalar_bool(xs[i]));
    }
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    double ess = 0;
    CHECK_OK(gen_importance_sampling_batched(gen_dynamic("coin", coin), gen_key_new(5), NULL, obs, NULL, NULL, 100000, &tr, &lw, NULL));
    if (tr) {
        double mean = batched_mean(tr, lw, &ess), var = 9.0 * 6 / (15.0 * 15 * 16);
        CHECK_NEAR(mean, 0.6, 5 * sqrt(var / ess));
    }
    gen_choicemap *kobs = gen_choicemap_empty();
    int ks[4] = {2, 4, 0, 3};
    for (int i = 0; i < 4; i++) {
        gen_addr a = {2, {gen_part_name("k"), gen_part_int(i)}};
        kobs = gen_choicemap_set(kobs, &a, gen_scalar_i64(ks[i]));
    }
    CHECK_OK(gen_importance_sampling_batched(gen_dynamic("counts", counts), gen_key_new(6), NULL, kobs, NULL, NULL, 100000, &tr, &lw, NULL));
    if (tr) {
        double mean = batched_mean(tr, lw, &ess), var = 12.0 / 36;
        CHECK_NEAR(mean, 2.0, 5 * sqrt(var / ess));
    }
}

static void test_resample(void) {
    enum { M = 200000 };
    double w[4] = {log(0.1), log(0.2), -INFINITY, log(0.7)};
    gen_array *lw = gen_array_from(GEN_F64, 1, (int64_t[]){4}, w);
    static int64_t idx[M];
    gen_resampling methods[4] = {GEN_RESAMPLE_MULTINOMIAL, GEN_RESAMPLE_SYSTEMATIC, GEN_RESAMPLE_STRATIFIED, GEN_RESAMPLE_RESIDUAL};
    for (int k = 0; k < 4; k++) {
        CHECK_OK(gen_resample(gen_key_new(7 + k), lw, methods[k], M, idx));
        int64_t c[4] = {0, 0, 0, 0};
        for (int i = 0; i < M; i++) c[idx[i]]++;
        CHECK(c[2] == 0);
        CHECK_NEAR(c[0] / (double)M, 0.1, 5 * sqrt(0.1 * 0.9 / M));
        CHECK_NEAR(c[3] / (double)M, 0.7, 5 * sqrt(0.7 * 0.3 / M));
    }
    /* systematic and residual are exact when n w_i are integers */
    int64_t four[4];
    gen_array *even = gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){0, 0});
    CHECK_OK(gen_resample(gen_key_new(1), even, GEN_RESAMPLE_RESIDUAL, 4, four));
    CHECK(four[0] == 0 && four[1] == 0 && four[2] == 1 && four[3] == 1);
    CHECK_OK(gen_resample(gen_key_new(1), even, GEN_RESAMPLE_SYSTEMATIC, 4, four));
    CHECK(four[0] == 0 && four[1] == 0 && four[2] == 1 && four[3] == 1);
    double lme = 0;
    CHECK_OK(gen_log_mean_exp(gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){log(1.0), log(2.0), log(6.0)}), &lme));
    CHECK_CLOSE(lme, log(3.0), 1e-15);
    /* errors */
    gen_array *none = gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){-INFINITY, -INFINITY});
    CHECK_ERROR(gen_resample(gen_key_new(1), none, GEN_RESAMPLE_MULTINOMIAL, 4, four), "every weight is zero");
    gen_array *nan = gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){0, NAN});
    CHECK_ERROR(gen_resample(gen_key_new(1), nan, GEN_RESAMPLE_MULTINOMIAL, 4, four), "log weight 1 is NaN");
    CHECK_ERROR(gen_resample(gen_key_new(1), gen_scalar(0), GEN_RESAMPLE_MULTINOMIAL, 4, four), "non-empty 1-d");
}

static void test_errors(void) {
    gen_gf *model = gen_dynamic("normal", normal_model);
    gen_trace *tr[2];
    CHECK_ERROR(gen_importance_sampling(model, gen_key_new(1), NULL, normal_obs(), NULL, NULL, 0, tr, NULL, NULL),
                "particle count must be >= 1");
    CHECK_ERROR(gen_importance_sampling(NULL, gen_key_new(1), NULL, normal_obs(), NULL, NULL, 2, tr, NULL, NULL),
                "the model is NULL");
    gen_addr bad = {1, {gen_part_name("nope")}};
    gen_choicemap *obs = gen_choicemap_set(normal_obs(), &bad, gen_scalar(1));
    CHECK_ERROR(gen_importance_sampling(model, gen_key_new(1), NULL, obs, NULL, NULL, 2, tr, NULL, NULL),
                "gen_importance_sampling: particle 0: generate: constraint at nope was not used by the model");
    CHECK(tr[0] == NULL && tr[1] == NULL);
}

int main(void) {
    RUN(test_normal_normal);
    RUN(test_conjugate_batched);
    RUN(test_resample);
    RUN(test_errors);
    return check_finish();
}
