/* test_pf_batched.c — the batched particle filter (genc/smc.h, gen_pf_init_batched): all
 * particles one batched trace. Against the exact oracles as test_pf.c checks the
 * one-at-a-time filter: on a discrete HMM written with Unfold (batched-friendly: the
 * transition row is gathered by the previous state), the log marginal likelihood with
 * the prior and the locally optimal proposal, and the unbiasedness of the likelihood
 * estimate for every resampling scheme and with rejuvenation; on a linear-Gaussian
 * model, filtered means and the log ML against the Kalman filter and against the
 * one-at-a-time filter; a step is one batched run of the kernel whatever t; resampling
 * keeps the estimate; errors leave the filter unchanged. */
#include <math.h>
#include <string.h>

#include "pf_hmm.h"

/* Unfold kernel (t, z_prev): z_t ~ cat(t ? TR[z_prev] : PI), y_t ~ cat(EM[z_t]); in a
 * batched run z_prev is [n] and the rows are gathered per particle. */
static gen_status hmm_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    kernel_runs++;
    int64_t t = 0;
    gen_item_i64(args->v[0], &t);
    gen_array *probs = t ? gen_take(gen_array_from_f64(GEN_DIMS(K, K), &TR[0][0]), args->v[1], 0)
                         : gen_array_from_f64(GEN_DIMS(K), PI);
    gen_array *z = gen_choose(ctx, "z", gen_categorical(probs));
    gen_choose(ctx, "y", gen_categorical(gen_take(gen_array_from_f64(GEN_DIMS(K, K), &EM[0][0]), z, 0)));
    *retval = z;
    return gen_ctx_status(ctx);
}

/* The locally optimal proposal z_t ~ p(z_t | z_t-1, y_t), batched; args (t, y), user:
 * the filter's batched trace (NULL at init). */
static gen_status hmm_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    int64_t t = 0, y = 0;
    gen_item_i64(args->v[0], &t);
    gen_item_i64(args->v[1], &y);
    double em_y[K];
    for (int k = 0; k < K; k++) em_y[k] = EM[k][y];
    gen_array *prior = gen_array_from_f64(GEN_DIMS(K), PI);
    if (t > 0) {
        gen_addr a = at(t - 1, "z");
        prior = gen_take(gen_array_from_f64(GEN_DIMS(K, K), &TR[0][0]), gen_trace_value(args->user, &a), 0);
    }
    gen_array *p = gen_mul(prior, gen_array_from_f64(GEN_DIMS(K), em_y));
    p = gen_div(p, gen_sum(p, 1, (int[]){-1}, true));
    gen_addr a = at(t, "z");
    gen_choose_at(ctx, &a, gen_categorical(p));
    return gen_ctx_status(ctx);
}

/* One filter of n particles, all one batched trace. */
static double run_hmm(uint64_t seed, int64_t n, pf_plan *plan) {
    return run_hmm_with(gen_pf_init_batched, seed, n, plan);
}

/* ---- linear-Gaussian: x_1 ~ N(A m0, A^2 P0 + Q), x_t ~ N(A x_t-1, Q), y_t ~ N(C x_t, R) ---- */

enum { TG = 20 };
static const double GA = 0.9, GQ = 1.0, GC = 1.0, GR = 0.25, GM0 = 0.5, GP0 = 1.0;

static gen_status lg_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_item_i64(args->v[0], &t);
    gen_array *mu = t ? gen_mul(gen_scalar(GA), args->v[1]) : gen_scalar(GA * GM0);
    double sd = t ? sqrt(GQ) : sqrt(GA * GA * GP0 + GQ);
    gen_array *x = gen_choose(ctx, "x", gen_normal(mu, gen_scalar(sd)));
    gen_choose(ctx, "y", gen_normal(gen_mul(gen_scalar(GC), x), gen_scalar(sqrt(GR))));
    *retval = x;
    return gen_ctx_status(ctx);
}

/* One filter over ys (batched or not): the filtered means of x_t into fm [TG], the log
 * ML returned. */
static double run_lg(const gen_gf *model, const double *ys, bool batched, int64_t n, uint64_t seed, double *fm) {
    gen_scope_begin();
    gen_pf *pf = NULL;
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0)};
    gen_args args = {2, v, NULL};
    gen_key key = gen_key_new(seed);
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    for (int t = 0; t < TG; t++) {
        gen_key k[2];
        gen_key_split(gen_key_fold_in(key, (uint64_t)t), 2, k);
        gen_choicemap *obs = obs_at(t, gen_scalar(ys[t]));
        v[0] = gen_scalar_i64(t + 1);
        if (t == 0) {
            CHECK_OK((batched ? gen_pf_init_batched : gen_pf_init)(model, k[1], &args, obs, NULL, NULL, n, &pf));
        } else {
            CHECK_OK(gen_pf_maybe_resample(pf, k[0], GEN_RESAMPLE_RESIDUAL, (double)n / 2, NULL));
            CHECK_OK(gen_pf_step(pf, k[1], &args, diffs, obs, NULL, NULL));
        }
        if (!pf) break;
        gen_array *w = NULL;
        CHECK_OK(gen_pf_normalized_weights(pf, &w));
        const double *wd = w ? gen_array_data(w) : NULL;
        gen_addr a = at(t, "x");
        fm[t] = 0;
        if (batched) {
            const gen_array *x = gen_trace_value(gen_pf_batched_trace(pf), &a);
            CHECK_SHAPE(x, n);
            for (int64_t i = 0; x && wd && i < n; i++) fm[t] += wd[i] * ((const double *)gen_array_data(x))[i];
        } else {
            gen_trace *const *trs = gen_pf_traces(pf);
            for (int64_t i = 0; wd && i < n; i++) fm[t] += wd[i] * check_item(gen_trace_value(trs[i], &a));
        }
    }
    double lml = NAN;
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    gen_pf_free(pf);
    gen_scope_end();
    return lml;
}

static void mean_se(const double *x, int r, int stride, double *m, double *se) {
    double s = 0, v = 0;
    for (int i = 0; i < r; i++) s += x[i * stride] / r;
    for (int i = 0; i < r; i++) v += (x[i * stride] - s) * (x[i * stride] - s) / (r - 1);
    *m = s;
    *se = sqrt(v / r);
}

static void test_linear_gaussian(void) {
    enum { R = 16, N = 1000, RS = 8, NS = 500 };
    gen_gf *model = gen_unfold(gen_dynamic("lg_step", lg_step));
    gen_trace *sim = NULL;
    gen_array *sv[2] = {gen_scalar_i64(TG), gen_scalar(0)};
    CHECK_OK(gen_simulate(model, gen_key_new(42), &(gen_args){2, sv, NULL}, &sim));
    if (!sim) return;
    double ys[TG];
    for (int t = 0; t < TG; t++) {
        gen_addr a = at(t, "y");
        ys[t] = check_item(gen_trace_value(sim, &a));
    }
    gen_lgssm lg = {gen_full(GEN_F64, GEN_DIMS(1), GM0), gen_full(GEN_F64, GEN_DIMS(1, 1), GP0),
                    gen_full(GEN_F64, GEN_DIMS(1, 1), GA), NULL, gen_full(GEN_F64, GEN_DIMS(1, 1), GQ),
                    gen_full(GEN_F64, GEN_DIMS(1, 1), GC), NULL, gen_full(GEN_F64, GEN_DIMS(1, 1), GR)};
    gen_array *means = NULL;
    double exact = NAN;
    CHECK_OK(gen_kalman_filter(&lg, gen_array_from_f64(GEN_DIMS(TG, 1), ys), &means, NULL, NULL, NULL, &exact));
    if (!means) return;
    const double *km = gen_array_data(means);
    static double fm[R][TG], fs[RS][TG];
    double lml[R], lms[RS];
    for (int r = 0; r < R; r++) lml[r] = run_lg(model, ys, true, N, 500 + (uint64_t)r, fm[r]);
    for (int r = 0; r < RS; r++) lms[r] = run_lg(model, ys, false, NS, 700 + (uint64_t)r, fs[r]);
    for (int t = 0; t < TG; t++) {
        double m, se, ms, ses;
        mean_se(&fm[0][t], R, TG, &m, &se);
        mean_se(&fs[0][t], RS, TG, &ms, &ses);
        if (!(fabs(m - km[t]) < 5 * se))
            check_fail(__FILE__, __LINE__, "filtered mean of x_%d: %.5f, Kalman %.5f (se %.2g)", t + 1, m, km[t], se);
        if (!(fabs(m - ms) < 5 * sqrt(se * se + ses * ses)))
            check_fail(__FILE__, __LINE__, "filtered mean of x_%d: batched %.5f, one at a time %.5f", t + 1, m, ms);
        check_count += 2;
    }
    double m, se, ms, ses;
    mean_se(lml, R, 1, &m, &se);
    mean_se(lms, RS, 1, &ms, &ses);
    if (!(fabs(m + se * se * R / 2 - exact) < 5 * se))
        check_fail(__FILE__, __LINE__, "log ML %.5f, Kalman %.5f (se %.2g)", m, exact, se);
    if (!(fabs(m - ms) < 5 * sqrt(se * se + ses * ses) + fabs(se * se * R - ses * ses * RS)))
        check_fail(__FILE__, __LINE__, "log ML: batched %.5f, one at a time %.5f", m, ms);
    check_count += 2;
}

/* ---- structure: a step is one batched run; resampling keeps the estimate ---- */

static void test_structure(void) {
    enum { N = 7, STEPS = 30 };
    gen_gf *model = gen_unfold(gen_dynamic("hmm_step", hmm_step));
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar_i64(0)};
    gen_args args = {2, v, NULL};
    gen_pf *pf = NULL;
    kernel_runs = 0;
    CHECK_OK(gen_pf_init_batched(model, gen_key_new(1), &args, obs_at(0, gen_scalar_i64(0)), NULL, NULL, N, &pf));
    CHECK(kernel_runs == 1);
    if (!pf) return;
    CHECK(gen_pf_traces(pf) == NULL && gen_trace_batch_size(gen_pf_batched_trace(pf)) == N);
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    bool flat = true;
    for (int t = 1; t < STEPS; t++) {
        gen_scope_begin();
        v[0] = gen_scalar_i64(t + 1);
        kernel_runs = 0;
        CHECK_OK(gen_pf_step(pf, gen_key_new(10 + (uint64_t)t), &args, diffs, obs_at(t, gen_scalar_i64(Y[t % T])), NULL,
                             NULL));
        flat = flat && kernel_runs == 1; /* the new step only, all particles at once */
        CHECK_OK(gen_pf_maybe_resample(pf, gen_key_new(900 + (uint64_t)t), GEN_RESAMPLE_SYSTEMATIC, N / 2.0, NULL));
        gen_scope_end();
    }
    CHECK(flat);
    CHECK(gen_pf_steps(pf) == STEPS - 1 && gen_pf_size(pf) == N);
    gen_array *hist = NULL;
    CHECK_OK(gen_pf_ess_history(pf, &hist));
    CHECK_SHAPE(hist, STEPS);
    double before = 0, after = 1, ess = 0;
    bool did = false;
    gen_trace *old = gen_trace_retain((gen_trace *)gen_pf_batched_trace(pf));
    CHECK_OK(gen_pf_log_ml(pf, &before));
    CHECK_OK(gen_pf_maybe_resample(pf, gen_key_new(3), GEN_RESAMPLE_MULTINOMIAL, 2.0 * N, &did));
    CHECK(did && gen_pf_batched_trace(pf) != old);
    CHECK_OK(gen_pf_log_ml(pf, &after));
    CHECK_CLOSE(after, before, 1e-12);
    CHECK_OK(gen_pf_ess(pf, &ess));
    CHECK_CLOSE(ess, N, 1e-12);
    /* every particle after resampling is some particle of before, whole path and score */
    const gen_trace *now = gen_pf_batched_trace(pf);
    for (int64_t j = 0; j < N; j++) {
        gen_choicemap *cj = gen_choicemap_particle(gen_trace_choices(now), j);
        bool found = false;
        for (int64_t i = 0; cj && i < N && !found; i++)
            found = gen_choicemap_equal(cj, gen_choicemap_particle(gen_trace_choices(old), i)) &&
                    ((const double *)gen_array_data(gen_trace_score(now)))[j] ==
                        ((const double *)gen_array_data(gen_trace_score(old)))[i];
        CHECK(found);
    }
    gen_trace_release(old);
    gen_trace *keep = NULL;
    gen_scope_begin();
    CHECK_OK(gen_pf_sample_unweighted_batched(pf, gen_key_new(5), 3, &keep));
    keep = gen_trace_retain(keep);
    gen_scope_end();
    gen_pf_free(pf);
    CHECK(keep && gen_trace_batch_size(keep) == 3);
    gen_trace_release(keep);
}

/* ---- errors ---- */

/* args (t, state, log factor): one choice and a factor */
static gen_status factor_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[1], gen_scalar(1)));
    gen_factor(ctx, args->v[2]);
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    enum { N = 4 };
    gen_gf *model = gen_unfold(gen_dynamic("factor_step", factor_step));
    gen_array *v[3] = {gen_scalar_i64(1), gen_scalar(0), gen_scalar(0)};
    gen_args args = {3, v, NULL};
    gen_choicemap *none = gen_choicemap_empty();
    gen_pf *pf = NULL;
    CHECK_ERROR(gen_pf_init_batched(model, gen_key_new(1), &args, none, NULL, NULL, 0, &pf),
                "gen_pf_init_batched: the particle count must be >= 1, got 0");
    CHECK(pf == NULL);
    CHECK_OK(gen_pf_init_batched(model, gen_key_new(1), &args, none, NULL, NULL, N, &pf));
    if (!pf) return;
    gen_diff diffs[3] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_no_change()};
    const gen_trace *first = gen_pf_batched_trace(pf);
    double lml = 0, lml2 = 1;
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    CHECK_ERROR(gen_pf_step(pf, gen_key_new(2), &(gen_args){2, v, NULL}, NULL, none, NULL, NULL),
                "gen_pf_step: args has 2 arguments, the particles' traces have 3");
    v[0] = gen_scalar_i64(2);
    gen_addr bad = at(1, "nope");
    CHECK_ERROR(gen_pf_step(pf, gen_key_new(2), &args, diffs, gen_choicemap_set(none, &bad, gen_scalar(1)), NULL, NULL),
                "gen_pf_step");
    CHECK(gen_pf_steps(pf) == 0 && gen_pf_batched_trace(pf) == first);
    /* a NaN log factor for particle 2 only: named, the filter unchanged */
    gen_diff unk[3] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_unknown()};
    v[2] = gen_batched(gen_array_from_f64(GEN_DIMS(N), ((double[]){0, 0, NAN, 0})));
    CHECK_ERROR(gen_pf_step(pf, gen_key_new(2), &args, unk, none, NULL, NULL), "particle 2");
    CHECK(gen_pf_steps(pf) == 0 && gen_pf_batched_trace(pf) == first);
    CHECK_OK(gen_pf_log_ml(pf, &lml2));
    CHECK(lml2 == lml);
    /* per-particle factors f: the weights grow particle by particle, by 2 f (the
     * changed argument reruns step 0, whose factor was 0, and adds step 1) */
    v[2] = gen_batched(gen_array_from_f64(GEN_DIMS(N), ((double[]){0, -1, -3, 2})));
    CHECK_OK(gen_pf_step(pf, gen_key_new(3), &args, unk, none, NULL, NULL));
    gen_array *lw = NULL;
    CHECK_OK(gen_pf_log_weights(pf, &lw));
    if (lw) {
        const double *w = gen_array_data(lw);
        CHECK(w[0] == 0 && w[1] == -2 && w[2] == -6 && w[3] == 4);
    }
    /* queries of the other kind of filter */
    gen_trace *out[2];
    CHECK_ERROR(gen_pf_sample_unweighted_traces(pf, gen_key_new(6), 2, out), "the filter is batched");
    gen_trace *bt = NULL;
    CHECK_ERROR(gen_pf_sample_unweighted_batched(pf, gen_key_new(6), 0, &bt), "n_out must be >= 1");
    CHECK_ERROR(gen_pf_move_smcp3(pf, gen_key_new(6), NULL), "gen_pf_move_smcp3: the filter is batched");
    CHECK(gen_pf_steps(pf) == 1);
    /* every weight zero */
    v[0] = gen_scalar_i64(3), v[2] = gen_scalar(-INFINITY);
    CHECK_OK(gen_pf_step(pf, gen_key_new(4), &args, unk, none, NULL, NULL));
    CHECK_ERROR(gen_pf_maybe_resample(pf, gen_key_new(5), GEN_RESAMPLE_SYSTEMATIC, 2, NULL), "every particle has weight zero");
    CHECK_ERROR(gen_pf_sample_unweighted_batched(pf, gen_key_new(6), 2, &bt), "every particle has weight zero");
    CHECK(bt == NULL);
    gen_pf_free(pf);
    /* the batched query on a filter of traces */
    CHECK_OK(gen_pf_init(model, gen_key_new(1), &(gen_args){3, (gen_array *[]){gen_scalar_i64(1), gen_scalar(0), gen_scalar(0)}, NULL},
                         none, NULL, NULL, 2, &pf));
    CHECK(gen_pf_batched_trace(pf) == NULL);
    CHECK_ERROR(gen_pf_sample_unweighted_batched(pf, gen_key_new(6), 2, &bt), "the filter is not batched");
    gen_pf_free(pf);
}

/* argv[1], if given, runs only the tests whose names contain it. */
int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_structure);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_hmm_log_ml);
    RUN_ONLY(test_hmm_unbiased);
    RUN_ONLY(test_linear_gaussian);
    return check_finish();
}
