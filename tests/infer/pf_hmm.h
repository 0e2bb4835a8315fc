/* pf_hmm.h — what the particle filter tests share (test_pf.c, one trace per particle;
 * test_pf_batched.c, one batched trace): the discrete HMM written with Unfold (its
 * constants, addresses t/z and t/y, its exact log marginal likelihood from
 * gen_hmm_forward), how a filter run goes between steps (pf_plan), and the two
 * statistical checks of a filter against the forward algorithm. */
#ifndef GENC_TEST_PF_HMM_H
#define GENC_TEST_PF_HMM_H

#include <math.h>

#include "../testutil/check.h"

/* z_0 ~ cat(PI), z_t ~ cat(TR[z_t-1]), y_t ~ cat(EM[z_t]) */
enum { K = 3, T = 10 };
static const double PI[K] = {0.5, 0.3, 0.2};
static const double TR[K][K] = {{0.7, 0.2, 0.1}, {0.15, 0.7, 0.15}, {0.1, 0.3, 0.6}};
static const double EM[K][K] = {{0.8, 0.15, 0.05}, {0.1, 0.7, 0.2}, {0.1, 0.2, 0.7}};
static const int64_t Y[T] = {0, 0, 1, 2, 2, 1, 0, 2, 1, 1};
static int kernel_runs; /* the Unfold kernel's runs (the structure tests count them) */

static inline gen_addr at(int64_t t, const char *name) {
    return (gen_addr){2, {gen_part_int(t), gen_part_name(name)}};
}

static inline gen_choicemap *obs_at(int64_t t, gen_array *v) {
    gen_addr a = at(t, "y");
    return gen_choicemap_set(gen_choicemap_empty(), &a, v);
}

static inline double hmm_exact(void) {
    double li[K], lt[K * K], ll[T * K];
    for (int k = 0; k < K; k++) li[k] = log(PI[k]);
    for (int j = 0; j < K; j++)
        for (int k = 0; k < K; k++) lt[j * K + k] = log(TR[j][k]);
    for (int t = 0; t < T; t++)
        for (int k = 0; k < K; k++) ll[t * K + k] = log(EM[k][Y[t]]);
    double lml = NAN;
    CHECK_OK(gen_hmm_forward(gen_array_from_f64(GEN_DIMS(K), li), gen_array_from_f64(GEN_DIMS(K, K), lt),
                             gen_array_from_f64(GEN_DIMS(T, K), ll), NULL, &lml));
    return lml;
}

/* How a filter run goes between steps. */
typedef struct pf_plan {
    bool proposal;
    int method;       /* a gen_resampling, or -1: never resample */
    double threshold; /* as a fraction of n */
    bool rejuvenate;  /* MH on the last step's z after each step */
    int64_t accepted; /* out: particle moves accepted by rejuvenation */
} pf_plan;

/* The including test defines the Unfold kernel hmm_step (args (t, z_prev)), the locally
 * optimal proposal hmm_proposal (args (t, y), user: the particle's trace, NULL at init),
 * and run_hmm: one filter of n particles over the HMM, its log ML estimate (run_hmm_with
 * its own init). */
static gen_status hmm_step(gen_ctx *ctx, const gen_args *args, gen_array **retval);
static gen_status hmm_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval);
static double run_hmm(uint64_t seed, int64_t n, pf_plan *plan);

/* gen_pf_init or gen_pf_init_batched. */
typedef gen_status (*pf_init_fn)(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                                 const gen_gf *proposal, const gen_args *proposal_args, int64_t n, gen_pf **pf);

/* One filter made by init: resampling, a step and an optional rejuvenation (MH on the
 * step's z) after the first observation, as plan says; its log ML estimate. */
static inline double run_hmm_with(pf_init_fn init, uint64_t seed, int64_t n, pf_plan *plan) {
    gen_scope_begin();
    gen_gf *model = gen_unfold(gen_dynamic("hmm_step", hmm_step));
    gen_gf *prop = plan->proposal ? gen_dynamic("hmm_proposal", hmm_proposal) : NULL;
    gen_key key = gen_key_new(seed);
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar_i64(0)}, *pv[2] = {gen_scalar_i64(0), gen_scalar_i64(Y[0])};
    gen_args args = {2, v, NULL}, pargs = {2, pv, NULL};
    gen_pf *pf = NULL;
    double lml = NAN;
    CHECK_OK(init(model, gen_key_fold_in(key, 0), &args, obs_at(0, gen_scalar_i64(Y[0])), prop, &pargs, n, &pf));
    gen_diff diffs[2] = {gen_diff_int(1), gen_diff_no_change()};
    for (int t = 1; pf && t < T; t++) {
        gen_key k[3];
        gen_key_split(gen_key_fold_in(key, (uint64_t)t), 3, k);
        if (plan->method >= 0)
            CHECK_OK(gen_pf_maybe_resample(pf, k[0], (gen_resampling)plan->method, plan->threshold * (double)n, NULL));
        v[0] = gen_scalar_i64(t + 1), pv[0] = gen_scalar_i64(t), pv[1] = gen_scalar_i64(Y[t]);
        CHECK_OK(gen_pf_step(pf, k[1], &args, diffs, obs_at(t, gen_scalar_i64(Y[t])), prop, &pargs));
        if (plan->rejuvenate) {
            gen_addr a = at(t, "z");
            gen_mh_select_kernel mh = {gen_select(1, &a)};
            int64_t acc = 0;
            CHECK_OK(gen_pf_rejuvenate(pf, k[2], gen_kernel_mh_select(&mh), &acc));
            plan->accepted += acc;
        }
    }
    CHECK_OK(gen_pf_log_ml(pf, &lml));
    gen_pf_free(pf);
    gen_scope_end();
    return lml;
}


/* R independent filters of n particles: their mean log ML is within 5 standard errors
 * (between filters) of the exact value, after adding back the bias of a log of an
 * unbiased estimate (E log Z^ = log Z - var / 2 to first order). */
static inline void check_log_ml(const char *what, pf_plan plan, int64_t n, double exact) {
    enum { R = 8 };
    double l[R], m = 0, v = 0;
    for (int r = 0; r < R; r++) m += (l[r] = run_hmm(100 + (uint64_t)r, n, &plan)) / R;
    for (int r = 0; r < R; r++) v += (l[r] - m) * (l[r] - m) / (R - 1);
    double se = sqrt(v / R);
    if (!(fabs(m + v / 2 - exact) < 5 * se + 1e-12) || !(se < 0.05))
        check_fail(__FILE__, __LINE__, "%s: mean log ML %.5f, exact %.5f (se %.2g)", what, m, exact, se);
    check_count++;
}

static inline void test_hmm_log_ml(void) {
    double exact = hmm_exact();
    check_log_ml("prior proposal", (pf_plan){false, GEN_RESAMPLE_SYSTEMATIC, 0.5, false, 0}, 2500, exact);
    check_log_ml("optimal proposal", (pf_plan){true, GEN_RESAMPLE_SYSTEMATIC, 0.5, false, 0}, 2500, exact);
    /* the locally optimal proposal with resampling at every step: the estimate is a product
     * of exact one-step predictive likelihoods averaged over the particles */
    check_log_ml("optimal proposal, resampling always", (pf_plan){true, GEN_RESAMPLE_MULTINOMIAL, 2.0, false, 0},
                 2500, exact);
}

/* The mean over S seeds of Z^ / Z is 1 within 3 standard errors. */
static inline void check_unbiased(const char *what, pf_plan plan, double exact) {
    enum { S = 200, N = 10 };
    double m = 0, v = 0, x[S];
    for (int s = 0; s < S; s++) m += (x[s] = exp(run_hmm(1000 + (uint64_t)s, N, &plan) - exact)) / S;
    for (int s = 0; s < S; s++) v += (x[s] - m) * (x[s] - m) / (S - 1);
    double se = sqrt(v / S);
    if (!(fabs(m - 1) < 3 * se) || !(se > 0))
        check_fail(__FILE__, __LINE__, "%s: mean of Z^/Z %.4f (se %.3g)", what, m, se);
    check_count++;
}

static inline void test_hmm_unbiased(void) {
    double exact = hmm_exact();
    check_unbiased("prior, no resampling", (pf_plan){false, -1, 0, false, 0}, exact);
    check_unbiased("proposal, no resampling", (pf_plan){true, -1, 0, false, 0}, exact);
    const char *names[4] = {"multinomial", "systematic", "stratified", "residual"};
    for (int m = 0; m < 4; m++) /* resampling at every step */
        check_unbiased(names[m], (pf_plan){false, m, 2.0, false, 0}, exact);
    check_unbiased("prior, ESS < n/2, systematic", (pf_plan){false, GEN_RESAMPLE_SYSTEMATIC, 0.5, false, 0}, exact);
    pf_plan rej = {false, GEN_RESAMPLE_STRATIFIED, 2.0, true, 0};
    check_unbiased("rejuvenation", rej, exact);
    run_hmm(5, 200, &rej);
    CHECK(rej.accepted > 0 && rej.accepted < 200 * (T - 1)); /* the kernel moves some particles, not all */
}

#endif
