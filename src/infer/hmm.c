/* hmm.c — exact inference in discrete hidden Markov models (genc/filter.h): the forward
 * algorithm, the forward-backward smoother, forward-filtering backward-sampling and the
 * Viterbi path, all in log space (log-sum-exp at every step, so long sequences and
 * impossible (-inf) entries need no scaling tricks). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "filter_int.h"

#define NORM_TOL 1e-9

/* The model and log-likelihoods as host doubles. */
typedef struct hmm_in {
    int64_t K, T;
    double *init, *trans, *lik; /* [K], [K, K], [T, K] */
} hmm_in;

static gen_status hmm_read(filter_bag *bag, const char *fn, const gen_array *log_init, const gen_array *log_trans,
                           const gen_array *log_lik, hmm_in *in) {
    if (!log_init) return infer_null(fn, "log_init");
    if (!log_trans) return infer_null(fn, "log_trans");
    if (!log_lik) return infer_null(fn, "log_lik");
    int64_t dk[1] = {-1};
    gen_status s = filter_read(bag, fn, "log_init", log_init, 1, dk, "[K] (the number of states)", true, false, &in->init);
    if (s != GEN_OK) return s;
    int64_t K = in->K = dk[0], dkk[2] = {K, K}, dtk[2] = {-1, K};
    if (K == 0) return GEN_FAIL(GEN_ERR_SHAPE, "%s: log_init must have at least one state, got [0]", fn);
    char hint[96];
    snprintf(hint, sizeof hint, "[%lld, %lld] (K = %lld from log_init)", (long long)K, (long long)K, (long long)K);
    if ((s = filter_read(bag, fn, "log_trans", log_trans, 2, dkk, hint, true, false, &in->trans)) != GEN_OK) return s;
    snprintf(hint, sizeof hint, "[T, %lld] (K = %lld from log_init)", (long long)K, (long long)K);
    if ((s = filter_read(bag, fn, "log_lik", log_lik, 2, dtk, hint, true, false, &in->lik)) != GEN_OK) return s;
    in->T = dtk[0];
    /* probabilities must sum to one: checked, since a forgotten normalization would
     * silently shift every log marginal likelihood */
    for (int64_t r = -1; r < K; r++) {
        double l = r < 0 ? filter_logsumexp(in->init, K, 1) : filter_logsumexp(in->trans + r * K, K, 1);
        if (fabs(l) <= NORM_TOL) continue;
        if (r < 0)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: log_init is not normalized: its log-sum-exp is %g (want 0 within %g)",
                            fn, l, NORM_TOL);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: row %lld of log_trans is not normalized: its log-sum-exp is %g (want 0 "
                        "within %g)", fn, (long long)r, l, NORM_TOL);
    }
    return GEN_OK;
}

/* The forward pass: filt [T, K] (normalized rows), the log marginal likelihood, and the
 * first step (1-based) whose observation is impossible, 0 when none (then rows from
 * there on are -inf and *lml is -inf). tmp is K doubles. */
static void forward(const hmm_in *in, double *filt, double *lml, int64_t *impossible, double *tmp) {
    int64_t K = in->K;
    double total = 0;
    *impossible = 0;
    for (int64_t t = 0; t < in->T; t++) {
        double *row = filt + t * K;
        if (*impossible) {
            for (int64_t k = 0; k < K; k++) row[k] = -INFINITY;
            continue;
        }
        for (int64_t k = 0; k < K; k++) {
            double prior = in->init[k];
            if (t > 0) { /* log sum_j p(z_{t-1} = j | y_1..t-1) p(k | j) */
                for (int64_t j = 0; j < K; j++) tmp[j] = filt[(t - 1) * K + j] + in->trans[j * K + k];
                prior = filter_logsumexp(tmp, K, 1);
            }
            row[k] = prior + in->lik[t * K + k];
        }
        double c = filter_logsumexp(row, K, 1); /* log p(y_t | y_1..t-1) */
        if (c == -INFINITY) {
            *impossible = t + 1;
            total = -INFINITY;
            for (int64_t k = 0; k < K; k++) row[k] = -INFINITY;
            continue;
        }
        for (int64_t k = 0; k < K; k++) row[k] -= c;
        total += c;
    }
    *lml = total;
}

/* Reads, checks and runs the forward pass; filt [T, K] and tmp [K] owned by bag. */
static gen_status run_forward(filter_bag *bag, const char *fn, const gen_array *log_init, const gen_array *log_trans,
                              const gen_array *log_lik, bool need_possible, hmm_in *in, double **filt, double **tmp,
                              double *lml) {
    gen_status s = hmm_read(bag, fn, log_init, log_trans, log_lik, in);
    if (s != GEN_OK) return s;
    *filt = filter_alloc(bag, in->T * in->K), *tmp = filter_alloc(bag, in->K);
    if (!*filt || !*tmp) return GEN_ERR_OOM;
    int64_t impossible;
    forward(in, *filt, lml, &impossible, *tmp);
    if (need_possible && impossible)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the observations have probability zero under the model (from step %lld)",
                        fn, (long long)impossible);
    return GEN_OK;
}

gen_status gen_hmm_forward(const gen_array *log_init, const gen_array *log_trans, const gen_array *log_lik,
                           gen_array **filtered, double *log_ml) {
    filter_bag bag = {0};
    hmm_in in;
    double *filt, *tmp, lml;
    gen_status s = run_forward(&bag, "gen_hmm_forward", log_init, log_trans, log_lik, false, &in, &filt, &tmp, &lml);
    if (s == GEN_OK)
        s = filter_results(1, (gen_array **const[]){filtered}, GEN_F64, (const int[]){2},
                           (const int64_t[]){in.T, in.K}, (const void *const[]){filt});
    if (s == GEN_OK && log_ml) *log_ml = lml;
    filter_bag_free(&bag);
    return s;
}

gen_status gen_hmm_smoother(const gen_array *log_init, const gen_array *log_trans, const gen_array *log_lik,
                            gen_array **smoothed, double *log_ml) {
    const char *fn = "gen_hmm_smoother";
    if (!smoothed) return GEN_FAIL(GEN_ERR_MISUSE, "%s: smoothed is NULL", fn);
    filter_bag bag = {0};
    hmm_in in;
    double *filt, *tmp, *beta = NULL, *next = NULL, lml;
    gen_status s = run_forward(&bag, fn, log_init, log_trans, log_lik, true, &in, &filt, &tmp, &lml);
    int64_t K = s == GEN_OK ? in.K : 0, T = s == GEN_OK ? in.T : 0;
    if (s == GEN_OK && (!(beta = filter_alloc(&bag, K)) || !(next = filter_alloc(&bag, K)))) s = GEN_ERR_OOM;
    /* backward messages beta_t(j) ∝ p(y_t+1..T | z_t = j), normalized at each step; the
     * smoothed marginal is filt_t + beta_t, normalized (filt is overwritten with it) */
    for (int64_t t = T - 1; s == GEN_OK && t >= 0; t--) {
        if (t < T - 1) {
            for (int64_t j = 0; j < K; j++) {
                for (int64_t k = 0; k < K; k++) tmp[k] = in.trans[j * K + k] + in.lik[(t + 1) * K + k] + next[k];
                beta[j] = filter_logsumexp(tmp, K, 1);
            }
            double c = filter_logsumexp(beta, K, 1);
            for (int64_t j = 0; j < K; j++) beta[j] -= c;
        }
        double *row = filt + t * K;
        for (int64_t k = 0; k < K; k++) row[k] += beta[k];
        double c = filter_logsumexp(row, K, 1);
        for (int64_t k = 0; k < K; k++) row[k] -= c;
        memcpy(next, beta, (size_t)K * sizeof *beta);
    }
    if (s == GEN_OK)
        s = filter_results(1, (gen_array **const[]){smoothed}, GEN_F64, (const int[]){2}, (const int64_t[]){T, K},
                           (const void *const[]){filt});
    if (s == GEN_OK && log_ml) *log_ml = lml;
    filter_bag_free(&bag);
    return s;
}

/* A draw from the distribution exp(lw[0..K)) (unnormalized, not all -inf) by inverting
 * its CDF at u in (0, 1); a state of probability zero is never returned. */
static int64_t draw_log(const double *lw, int64_t K, double u) {
    double max = -INFINITY, total = 0;
    for (int64_t k = 0; k < K; k++)
        if (lw[k] > max) max = lw[k];
    for (int64_t k = 0; k < K; k++) total += exp(lw[k] - max);
    double target = u * total, acc = 0;
    int64_t last = 0;
    for (int64_t k = 0; k < K; k++) {
        double p = exp(lw[k] - max);
        if (p <= 0) continue;
        acc += p;
        last = k;
        if (acc > target) return k;
    }
    return last; /* rounding left target at the total */
}

gen_status gen_hmm_ffbs(gen_key key, const gen_array *log_init, const gen_array *log_trans, const gen_array *log_lik,
                        int64_t n_draws, gen_array **paths) {
    const char *fn = "gen_hmm_ffbs";
    if (!paths) return GEN_FAIL(GEN_ERR_MISUSE, "%s: paths is NULL", fn);
    if (n_draws < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n_draws must be >= 0, got %lld", fn, (long long)n_draws);
    filter_bag bag = {0};
    hmm_in in;
    double *filt, *tmp, *u = NULL, lml;
    gen_status s = run_forward(&bag, fn, log_init, log_trans, log_lik, true, &in, &filt, &tmp, &lml);
    int64_t K = s == GEN_OK ? in.K : 0, T = s == GEN_OK ? in.T : 0;
    int64_t *z = NULL;
    if (s == GEN_OK && T > 0 && n_draws > INT64_MAX / 16 / T)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld draws of %lld steps are too many", fn, (long long)n_draws, (long long)T);
    size_t zbytes = (size_t)(s == GEN_OK && n_draws * T > 0 ? n_draws * T : 1) * sizeof *z;
    if (s == GEN_OK && (!(u = filter_alloc(&bag, n_draws * T)) || !(z = core_alloc(zbytes)))) s = GEN_ERR_OOM;
    if (s == GEN_OK) s = filter_draws(key, false, n_draws * T, u); /* u[draw, t] */
    /* z_T ~ filt_T; z_t | z_t+1 ~ filt_t(j) p(z_t+1 | j) */
    for (int64_t d = 0; s == GEN_OK && d < n_draws; d++) {
        int64_t *zd = z + d * T;
        for (int64_t t = T - 1; t >= 0; t--) {
            for (int64_t j = 0; j < K; j++)
                tmp[j] = filt[t * K + j] + (t < T - 1 ? in.trans[j * K + zd[t + 1]] : 0);
            zd[t] = draw_log(tmp, K, u[d * T + t]);
        }
    }
    if (s == GEN_OK)
        s = filter_results(1, (gen_array **const[]){paths}, GEN_I64, (const int[]){2}, (const int64_t[]){n_draws, T},
                           (const void *const[]){z});
    if (z) core_free(z, zbytes);
    filter_bag_free(&bag);
    return s;
}

gen_status gen_hmm_viterbi(const gen_array *log_init, const gen_array *log_trans, const gen_array *log_lik,
                           gen_array **path, double *log_joint) {
    const char *fn = "gen_hmm_viterbi";
    if (!path) return GEN_FAIL(GEN_ERR_MISUSE, "%s: path is NULL", fn);
    filter_bag bag = {0};
    hmm_in in;
    double *filt, *tmp, *delta = NULL, *prev = NULL, lml;
    /* the forward pass only to find impossible observations, named like the others */
    gen_status s = run_forward(&bag, fn, log_init, log_trans, log_lik, true, &in, &filt, &tmp, &lml);
    int64_t K = s == GEN_OK ? in.K : 0, T = s == GEN_OK ? in.T : 0;
    int64_t *back = NULL, *zs = NULL;
    size_t bbytes = (size_t)(T * K > 0 ? T * K : 1) * sizeof *back, zbytes = (size_t)(T > 0 ? T : 1) * sizeof *zs;
    if (s == GEN_OK && (!(delta = filter_alloc(&bag, K)) || !(prev = filter_alloc(&bag, K)) ||
                        !(back = core_alloc(bbytes)) || !(zs = core_alloc(zbytes))))
        s = GEN_ERR_OOM;
    double best = 0;
    if (s == GEN_OK && T > 0) {
        /* delta_t(k) = max over paths ending in k of log p(z_1..t, y_1..t); back the argmax */
        for (int64_t k = 0; k < K; k++) delta[k] = in.init[k] + in.lik[k];
        for (int64_t t = 1; t < T; t++) {
            memcpy(prev, delta, (size_t)K * sizeof *prev);
            for (int64_t k = 0; k < K; k++) {
                int64_t arg = 0;
                double m = -INFINITY;
                for (int64_t j = 0; j < K; j++) {
                    double v = prev[j] + in.trans[j * K + k];
                    if (v > m) m = v, arg = j; /* strict: ties go to the lowest state */
                }
                delta[k] = m + in.lik[t * K + k];
                back[t * K + k] = arg;
            }
        }
        int64_t arg = 0;
        best = -INFINITY;
        for (int64_t k = 0; k < K; k++)
            if (delta[k] > best) best = delta[k], arg = k;
        zs[T - 1] = arg;
        for (int64_t t = T - 1; t > 0; t--) zs[t - 1] = back[t * K + zs[t]];
    }
    if (s == GEN_OK)
        s = filter_results(1, (gen_array **const[]){path}, GEN_I64, (const int[]){1}, (const int64_t[]){T},
                           (const void *const[]){zs});
    if (s == GEN_OK && log_joint) *log_joint = best;
    if (back) core_free(back, bbytes);
    if (zs) core_free(zs, zbytes);
    filter_bag_free(&bag);
    return s;
}
