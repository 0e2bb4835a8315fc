/* test_pf.c — the particle filter object (genc/smc.h) against the exact oracles of
 * genc/filter.h: on a discrete HMM written with Unfold, the log marginal likelihood with
 * the prior and with the locally optimal proposal (mean over independent filters within 5
 * standard errors, plus the delta-method bias of a log), and the unbiasedness of the
 * likelihood estimate (not its log) across seeds, for each resampling scheme and with
 * rejuvenation; on a linear-Gaussian model, filtered means and the log marginal likelihood
 * against the Kalman filter; a step runs the Unfold kernel once per particle whatever t;
 * resampling shares traces with the right references; errors leave the filter usable.
 * (Expected counts N w_i of every resampling scheme are tested in test_importance.c.) */
#include <math.h>
#include <string.h>

#include "pf_hmm.h"

/* ---- the HMM (pf_hmm.h), one trace per particle ---- */

/* Unfold kernel: args (t, z_prev) */
static gen_status hmm_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    kernel_runs++;
    int64_t t = 0, zp = 0, z = 0;
    gen_item_i64(args->v[0], &t);
    gen_item_i64(args->v[1], &zp);
    gen_array *zv = gen_choose(ctx, "z", gen_categorical(gen_array_from_f64(GEN_DIMS(K), t ? TR[zp] : PI)));
    if (!zv || gen_item_i64(zv, &z) != GEN_OK) return gen_ctx_status(ctx);
    gen_choose(ctx, "y", gen_categorical(gen_array_from_f64(GEN_DIMS(K), EM[z])));
    *retval = zv;
    return gen_ctx_status(ctx);
}

/* The locally optimal proposal: z_t from p(z_t | z_t-1, y_t); args (t, y), user: the
 * particle's trace (NULL at init). */
static gen_status hmm_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    int64_t t = 0, y = 0, zp = 0;
    gen_item_i64(args->v[0], &t);
    gen_item_i64(args->v[1], &y);
    if (t > 0) {
        gen_addr a = at(t - 1, "z");
        gen_status s = gen_item_i64(gen_trace_value(args->user, &a), &zp);
        if (s != GEN_OK) return s;
    }
    double p[K], sum = 0;
    for (int k = 0; k < K; k++) sum += (p[k] = (t ? TR[zp][k] : PI[k]) * EM[k][y]);
    for (int k = 0; k < K; k++) p[k] /= sum;
    gen_addr a = at(t, "z");
    gen_choose_at(ctx, &a, gen_categorical(gen_array_from_f64(GEN_DIMS(K), p)));
    return gen_ctx_status(ctx);
}

/* One filter of n particles, one trace each. */
static double run_hmm(uint64_t seed, int64_t n, pf_plan *plan) {
    return run_hmm_with(gen_pf_init, seed, n, plan);
}

/* ---- a linear-Gaussian model: x_1 ~ N(A m0, A^2 P0 + Q), x_t ~ N(A x_t-1, Q),
 * y_t ~ N(C x_t, R) ---- */

enum { TG = 20 };
static const double GA = 0.9, GQ = 1.0, GC = 1.0, GR = 0.25, GM0 = 0.5, GP0 = 1.0;

/* args (t, x_prev) */
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

static void test_linear_gaussian(void) {
    enum { R = 16, N = 1000 };
    gen_gf *model = gen_unfold(gen_dynamic("lg_step", lg_step));
    /* data from the model itself */
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
    static double fm[R][TG];
    double lml[R];
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    for (int r = 0; r < R; r++) {
        gen_scope_begin();
        gen_pf *pf = NULL;
        gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0)};
        gen_args args = {2, v, NULL};
        gen_key key = gen_key_new(500 + (uint64_t)r);
        for (int t = 0; t < TG; t++) {
            gen_key k[2];
            gen_key_split(gen_key_fold_in(key, (uint64_t)t), 2, k);
            gen_choicemap *obs = obs_at(t, gen_scalar(ys[t]));
            v[0] = gen_scalar_i64(t + 1);
            if (t == 0) CHECK_OK(gen_pf_init(model, k[1], &args, obs, NULL, NULL, N, &pf));
            else {
                CHECK_OK(gen_pf_maybe_resample(pf, k[0], GEN_RESAMPLE_RESIDUAL, N / 2.0, NULL));
                CHECK_OK(gen_pf_step(pf, k[1], &args, diffs, obs, NULL, NULL));
            }
            if (!pf) break;
            gen_array *w = NULL;
            CHECK_OK(gen_pf_normalized_weights(pf, &w));
            const double *wd = w ? gen_array_data(w) : NULL;
            gen_trace *const *trs = gen_pf_traces(pf);
            gen_addr a = at(t, "x");
            fm[r][t] = 0;
            for (int i = 0; wd && i < N; i++) fm[r][t] += wd[i] * check_item(gen_trace_value(trs[i], &a));
        }
        lml[r] = NAN;
        CHECK_OK(gen_pf_log_ml(pf, &lml[r]));
        gen_pf_free(pf);
        gen_scope_end();
    }
    for (int t = 0; t < TG; t++) {
        double m = 0, v = 0;
        for (int r = 0; r < R; r++) m += fm[r][t] / R;
        for (int r = 0; r < R; r++) v += (fm[r][t] - m) * (fm[r][t] - m) / (R - 1);
        if (!(fabs(m - km[t]) < 5 * sqrt(v / R)))
            check_fail(__FILE__, __LINE__, "filtered mean of x_%d: %.5f, Kalman %.5f (se %.2g)", t + 1, m, km[t],
                       sqrt(v / R));
        check_count++;
    }
    double m = 0, v = 0;
    for (int r = 0; r < R; r++) m += lml[r] / R;
    for (int r = 0; r < R; r++) v += (lml[r] - m) * (lml[r] - m) / (R - 1);
    if (!(fabs(m + v / 2 - exact) < 5 * sqrt(v / R)))
        check_fail(__FILE__, __LINE__, "log ML %.5f, Kalman %.5f (se %.2g)", m, exact, sqrt(v / R));
    check_count++;
}

/* ---- structure: steps cost one kernel run per particle; resampling's references ---- */

static void test_structure(void) {
    enum { N = 7, STEPS = 60 };
    gen_gf *model = gen_unfold(gen_dynamic("hmm_step", hmm_step));
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar_i64(0)};
    gen_args args = {2, v, NULL};
    gen_pf *pf = NULL;
    kernel_runs = 0;
    CHECK_OK(gen_pf_init(model, gen_key_new(1), &args, obs_at(0, gen_scalar_i64(0)), NULL, NULL, N, &pf));
    CHECK(kernel_runs == N);
    if (!pf) return;
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    bool flat = true;
    for (int t = 1; t < STEPS; t++) {
        gen_scope_begin();
        v[0] = gen_scalar_i64(t + 1);
        kernel_runs = 0;
        CHECK_OK(gen_pf_step(pf, gen_key_new(10 + (uint64_t)t), &args, diffs, obs_at(t, gen_scalar_i64(Y[t % T])), NULL,
                             NULL));
        flat = flat && kernel_runs == N; /* the new step only, whatever t */
        CHECK_OK(gen_pf_maybe_resample(pf, gen_key_new(900 + (uint64_t)t), GEN_RESAMPLE_SYSTEMATIC, N / 2.0, NULL));
        gen_scope_end();
    }
    CHECK(flat);
    CHECK(gen_pf_steps(pf) == STEPS - 1 && gen_pf_size(pf) == N);
    gen_array *hist = NULL;
    CHECK_OK(gen_pf_ess_history(pf, &hist));
    CHECK_SHAPE(hist, STEPS);
    /* resampling always: shared traces, one reference per slot; the weights all equal
     * their former log mean, so the estimate is unchanged */
    double before = 0, after = 1, ess = 0;
    bool did = false;
    CHECK_OK(gen_pf_log_ml(pf, &before));
    CHECK_OK(gen_pf_maybe_resample(pf, gen_key_new(3), GEN_RESAMPLE_MULTINOMIAL, 2.0 * N, &did));
    CHECK(did);
    CHECK_OK(gen_pf_log_ml(pf, &after));
    CHECK_CLOSE(after, before, 1e-12);
    CHECK_OK(gen_pf_ess(pf, &ess));
    CHECK_CLOSE(ess, N, 1e-12);
    CHECK_OK(gen_pf_maybe_resample(pf, gen_key_new(4), GEN_RESAMPLE_MULTINOMIAL, 0, &did));
    CHECK(!did);
    /* traces that outlive the filter */
    gen_trace *keep[3] = {NULL, NULL, NULL};
    gen_scope_begin();
    CHECK_OK(gen_pf_sample_unweighted_traces(pf, gen_key_new(5), 3, keep));
    for (int i = 0; i < 3; i++) keep[i] = gen_trace_retain(keep[i]);
    gen_scope_end();
    gen_pf_free(pf);
    for (int i = 0; i < 3; i++) {
        CHECK(keep[i] && gen_trace_args(keep[i])->n == 2);
        gen_trace_release(keep[i]);
    }
}

/* ---- errors ---- */

/* args (t, state, log factor): one 0-d choice and a factor */
static gen_status factor_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[1], gen_scalar(1)));
    gen_factor(ctx, args->v[2]);
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *model = gen_unfold(gen_dynamic("factor_step", factor_step));
    gen_array *v[3] = {gen_scalar_i64(1), gen_scalar(0), gen_scalar(0)};
    gen_args args = {3, v, NULL};
    gen_choicemap *none = gen_choicemap_empty();
    gen_pf *pf = NULL;
    CHECK_ERROR(gen_pf_init(model, gen_key_new(1), &args, none, NULL, NULL, 0, &pf), "gen_pf_init: the particle count must be >= 1, got 0");
    CHECK(pf == NULL);
    CHECK_OK(gen_pf_init(model, gen_key_new(1), &args, none, NULL, NULL, 4, &pf));
    if (!pf) return;
    gen_diff diffs[3] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_no_change()};
    double lml = 0, lml2 = 1;
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    gen_trace *first = gen_pf_traces(pf)[0];
    /* mismatched args */
    CHECK_ERROR(gen_pf_step(pf, gen_key_new(2), &(gen_args){2, v, NULL}, NULL, none, NULL, NULL),
                "gen_pf_step: args has 2 arguments, the particles' traces have 3");
    /* an observation the model never makes: the step fails, the filter is as before */
    v[0] = gen_scalar_i64(2);
    gen_addr bad = at(1, "nope");
    CHECK_ERROR(gen_pf_step(pf, gen_key_new(2), &args, diffs, gen_choicemap_set(none, &bad, gen_scalar(1)), NULL, NULL),
                "gen_pf_step: particle 0");
    CHECK(gen_pf_steps(pf) == 0 && gen_pf_traces(pf)[0] == first);
    CHECK_OK(gen_pf_log_ml(pf, &lml2));
    CHECK(lml2 == lml);
    /* a NaN log factor: an error naming the particle, the filter unchanged */
    v[2] = gen_scalar(NAN);
    gen_diff unk[3] = {gen_diff_int(1), gen_diff_no_change(), gen_diff_unknown()};
    CHECK(gen_pf_step(pf, gen_key_new(2), &args, unk, none, NULL, NULL) != GEN_OK);
    CHECK(strstr(gen_error_message(), "gen_pf_step: particle 0") != NULL);
    gen_error_clear();
    CHECK(gen_pf_steps(pf) == 0 && gen_pf_traces(pf)[0] == first);
    /* the filter still works */
    v[2] = gen_scalar(0);
    CHECK_OK(gen_pf_step(pf, gen_key_new(3), &args, diffs, none, NULL, NULL));
    CHECK(gen_pf_steps(pf) == 1);
    /* every weight zero */
    v[0] = gen_scalar_i64(3), v[2] = gen_scalar(-INFINITY);
    CHECK_OK(gen_pf_step(pf, gen_key_new(4), &args, unk, none, NULL, NULL));
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    CHECK(lml == -INFINITY);
    double ess = 1;
    CHECK_OK(gen_pf_ess(pf, &ess));
    CHECK(ess == 0);
    CHECK_ERROR(gen_pf_maybe_resample(pf, gen_key_new(5), GEN_RESAMPLE_SYSTEMATIC, 2, NULL),
                "gen_pf_maybe_resample: every particle has weight zero");
    gen_array *w = NULL;
    CHECK_ERROR(gen_pf_normalized_weights(pf, &w), "every particle has weight zero");
    gen_trace *out[2];
    CHECK_ERROR(gen_pf_sample_unweighted_traces(pf, gen_key_new(6), 2, out), "every particle has weight zero");
    CHECK(out[0] == NULL && out[1] == NULL);
    CHECK_ERROR(gen_pf_maybe_resample(pf, gen_key_new(5), (gen_resampling)9, 2, NULL), "unknown resampling method 9");
    CHECK_ERROR(gen_pf_maybe_resample(pf, gen_key_new(5), GEN_RESAMPLE_SYSTEMATIC, NAN, NULL), "threshold is NaN");
    CHECK_ERROR(gen_pf_sample_unweighted_traces(pf, gen_key_new(6), -1, out), "n_out must be >= 0");
    gen_pf_free(pf);
}


/* argv[1], if given, runs only the tests whose names contain it (valgrind runs the
 * structural ones: the statistical ones take minutes there). */
int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_structure);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_hmm_log_ml);
    RUN_ONLY(test_hmm_unbiased);
    RUN_ONLY(test_linear_gaussian);
    return check_finish();
}
