/* test_hmm.c — the discrete-HMM oracles (genc/filter.h) against references computed here
 * independently: brute-force enumeration of all K^T state paths (log marginal
 * likelihood, filtered and smoothed marginals, the most probable path, the exact path
 * distribution that FFBS draws must follow, by a chi-square test with a fixed key), and a
 * probability-space forward pass with rescaling for a long sequence. */
#include <math.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/fake_device.h"
#include "../testutil/oom.h"
#include "../testutil/stats.h"

enum { K = 3, T = 6, NPATH = 729 }; /* K^T */

/* p(z_1) and p(z_t | z_t-1) with an impossible move 0 -> 2; emission log-likelihoods of
 * some observation model (any numbers, not normalized over k), one impossible. */
static const double INIT[K] = {0.5, 0.3, 0.2};
static const double TRANS[K][K] = {{0.8, 0.2, 0.0}, {0.1, 0.6, 0.3}, {0.25, 0.25, 0.5}};
static const double LIK[T][K] = {{-0.2, -1.5, -3.0}, {-2.0, -0.3, -1.0}, {-1.0, -1.0, -0.1},
                                 {-0.5, -INFINITY, -2.0}, {-3.0, -0.4, -0.9}, {-0.7, -1.2, -0.6}};

static gen_array *log_of(int ndim, const int64_t *shape, const double *p) {
    return gen_log(gen_array_from_f64(ndim, shape, p));
}

/* The log joint of every path (index sum_t z_t K^t) over the first tt steps. */
static double path_logp(int64_t idx, int tt, int *z) {
    for (int t = 0; t < T; t++, idx /= K) z[t] = (int)(idx % K);
    double lp = log(INIT[z[0]]) + LIK[0][z[0]];
    for (int t = 1; t < tt; t++) lp += log(TRANS[z[t - 1]][z[t]]) + LIK[t][z[t]];
    return lp;
}

static double lse(const double *x, int n) {
    double m = -INFINITY, s = 0;
    for (int i = 0; i < n; i++) m = fmax(m, x[i]);
    if (m == -INFINITY) return m;
    for (int i = 0; i < n; i++) s += exp(x[i] - m);
    return m + log(s);
}

static double at(const gen_array *a, int64_t i) {
    const double *p = gen_array_data(a);
    return p ? p[i] : NAN;
}

static gen_array *LI, *LT, *LL;

static void setup(void) {
    gen_scope_begin();
    LI = gen_scope_return(log_of(GEN_DIMS(K), INIT)); /* kept by the caller: no scope is open outside */
    LT = gen_scope_return(log_of(GEN_DIMS(K, K), &TRANS[0][0]));
    LL = gen_scope_return(gen_array_from_f64(GEN_DIMS(T, K), &LIK[0][0]));
    gen_scope_end();
}

static void test_against_enumeration(void) {
    static double lp[NPATH];
    int z[T];
    /* filtered at t: p(z_t | y_1..t) from the paths' prefixes (each prefix counted K^(T-t) times: cancels) */
    gen_array *filt, *smooth;
    double lml, lml2;
    CHECK_OK(gen_hmm_forward(LI, LT, LL, &filt, &lml));
    CHECK_SHAPE(filt, T, K);
    for (int tt = 1; tt <= T; tt++) {
        double byk[K][NPATH];
        int nk[K] = {0};
        for (int64_t i = 0; i < NPATH; i++) {
            double l = path_logp(i, tt, z);
            byk[z[tt - 1]][nk[z[tt - 1]]++] = l;
            lp[i] = l;
        }
        double tot = lse(lp, NPATH);
        for (int k = 0; k < K; k++) CHECK_NEAR(at(filt, (tt - 1) * K + k), lse(byk[k], nk[k]) - tot, 1e-10);
        if (tt == T) CHECK_CLOSE(lml, tot, 1e-10);
    }
    /* smoothed: p(z_t | y_1..T) */
    CHECK_OK(gen_hmm_smoother(LI, LT, LL, &smooth, &lml2));
    CHECK(lml2 == lml);
    for (int64_t i = 0; i < NPATH; i++) lp[i] = path_logp(i, T, z);
    for (int t = 0; t < T; t++)
        for (int k = 0; k < K; k++) {
            double sel[NPATH];
            int n = 0;
            for (int64_t i = 0; i < NPATH; i++) {
                path_logp(i, T, z);
                if (z[t] == k) sel[n++] = lp[i];
            }
            double want = lse(sel, n) - lml;
            if (want == -INFINITY) CHECK(at(smooth, t * K + k) == -INFINITY);
            else CHECK_NEAR(at(smooth, t * K + k), want, 1e-10);
        }
    /* Viterbi: the argmax path and its log joint */
    int64_t best = 0;
    for (int64_t i = 1; i < NPATH; i++)
        if (lp[i] > lp[best]) best = i;
    gen_array *vpath;
    double vj;
    CHECK_OK(gen_hmm_viterbi(LI, LT, LL, &vpath, &vj));
    CHECK_CLOSE(vj, lp[best], 1e-12);
    path_logp(best, T, z);
    double zw[T];
    for (int t = 0; t < T; t++) zw[t] = z[t];
    CHECK_ARRAY(vpath, zw, T, 0, 0);
    /* the same arrays on a device: read on the host, host results */
    gen_array *dfilt;
    double dl;
    CHECK_OK(gen_hmm_forward(fake_put(LI), fake_put(LT), fake_put(LL), &dfilt, &dl));
    CHECK(dl == lml && gen_array_device(dfilt) == GEN_DEVICE_CPU);
    CHECK(memcmp(gen_array_data(dfilt), gen_array_data(filt), T * K * sizeof(double)) == 0);
}

/* FFBS paths follow p(z_1..T | y) exactly: chi-square over the 729 paths, no impossible
 * move drawn, the same key the same paths. */
static void test_ffbs(void) {
    enum { ND = 200000 };
    static double prob[NPATH];
    int z[T];
    for (int64_t i = 0; i < NPATH; i++) prob[i] = path_logp(i, T, z);
    double tot = lse(prob, NPATH);
    for (int64_t i = 0; i < NPATH; i++) prob[i] = exp(prob[i] - tot);
    gen_key key = gen_key_new(2024);
    gen_array *paths;
    CHECK_OK(gen_hmm_ffbs(key, LI, LT, LL, ND, &paths));
    CHECK_SHAPE(paths, ND, T);
    CHECK(gen_array_dtype(paths) == GEN_I64);
    const int64_t *p = gen_array_data(paths);
    static int64_t idx[ND];
    int64_t bad = 0;
    for (int64_t d = 0; p && d < ND; d++) {
        int64_t code = 0, mul = 1;
        for (int t = 0; t < T; t++, mul *= K) {
            int64_t s = p[d * T + t];
            code += s * mul;
            if (s < 0 || s >= K || (t > 0 && TRANS[p[d * T + t - 1]][s] == 0) || LIK[t][s] == -INFINITY) bad++;
        }
        idx[d] = code;
    }
    CHECK(bad == 0);
    STATS_CHISQ("ffbs paths", gen_array_from(GEN_I64, GEN_DIMS(ND), idx), prob, NPATH);
    gen_array *a, *b;
    CHECK_OK(gen_hmm_ffbs(key, LI, LT, LL, 5, &a));
    CHECK_OK(gen_hmm_ffbs(key, LI, LT, LL, 5, &b));
    CHECK(memcmp(gen_array_data(a), gen_array_data(b), 5 * T * sizeof(int64_t)) == 0);
    CHECK_OK(gen_hmm_ffbs(gen_key_new(2025), LI, LT, LL, 5, &b));
    CHECK(memcmp(gen_array_data(a), gen_array_data(b), 5 * T * sizeof(int64_t)) != 0);
    CHECK_OK(gen_hmm_ffbs(key, LI, LT, LL, 0, &b));
    CHECK_SHAPE(b, 0, T);
}

/* 10000 steps of tiny likelihoods (a naive product underflows at once): the log
 * marginal likelihood equals a rescaled probability-space forward pass written here, and
 * the smoothed rows are finite and normalized. */
static void test_long(void) {
    enum { LT_T = 10000 };
    static double lik[LT_T * K];
    for (int t = 0; t < LT_T; t++)
        for (int k = 0; k < K; k++) lik[t * K + k] = -40.0 - (double)((t * 7 + k * 3) % 5) - (k == t % K ? 0 : 2.5);
    double alpha[K] = {0}, want = 0; /* set at t = 0 before it is read */
    for (int t = 0; t < LT_T; t++) {
        double next[K], c = 0;
        for (int k = 0; k < K; k++) {
            double pr = 0;
            if (t == 0) pr = INIT[k];
            else
                for (int j = 0; j < K; j++) pr += alpha[j] * TRANS[j][k];
            next[k] = pr * exp(lik[t * K + k] + 40.0); /* scaled by e^40 per step */
            c += next[k];
        }
        for (int k = 0; k < K; k++) alpha[k] = next[k] / c;
        want += log(c) - 40.0;
    }
    gen_array *ll = gen_array_from_f64(GEN_DIMS(LT_T, K), lik), *sm;
    double got;
    CHECK_OK(gen_hmm_forward(LI, LT, ll, NULL, &got));
    CHECK(isfinite(got) && got < -400000);
    CHECK_CLOSE(got, want, 1e-10);
    CHECK_OK(gen_hmm_smoother(LI, LT, ll, &sm, NULL));
    const double *s = gen_array_data(sm);
    double worst = 0;
    for (int t = 0; s && t < LT_T; t++) worst = fmax(worst, fabs(lse(s + t * K, K)));
    CHECK(worst < 1e-12);
    gen_array *paths;
    CHECK_OK(gen_hmm_ffbs(gen_key_new(3), LI, LT, ll, 2, &paths));
    CHECK_SHAPE(paths, 2, LT_T);
}

static void test_impossible(void) {
    /* state 2 only at step 2, but the observation rules it out */
    double lik[3 * K] = {0, -INFINITY, -INFINITY, -INFINITY, -INFINITY, 0, -1, -1, -1};
    gen_array *ll = gen_array_from_f64(GEN_DIMS(3, K), lik), *filt = NULL;
    double lml = 0;
    CHECK_OK(gen_hmm_forward(LI, LT, ll, &filt, &lml)); /* 0 -> 2 is impossible */
    CHECK(lml == -INFINITY);
    CHECK(at(filt, 0) == 0 && at(filt, 1) == -INFINITY);
    for (int i = K; i < 3 * K; i++) CHECK(at(filt, i) == -INFINITY);
    CHECK(gen_hmm_smoother(LI, LT, ll, &filt, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_smoother: the observations have probability zero under the model (from step 2)");
    CHECK(gen_hmm_ffbs(gen_key_new(1), LI, LT, ll, 2, &filt) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_ffbs: the observations have probability zero");
    CHECK(gen_hmm_viterbi(LI, LT, ll, &filt, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_viterbi: the observations have probability zero");
    /* T = 0 */
    gen_array *none = gen_zeros(GEN_F64, GEN_DIMS(0, K));
    CHECK_OK(gen_hmm_forward(LI, LT, none, &filt, &lml));
    CHECK(lml == 0);
    CHECK_SHAPE(filt, 0, K);
    CHECK_OK(gen_hmm_viterbi(LI, LT, none, &filt, &lml));
    CHECK_SHAPE(filt, 0);
}

static void test_errors(void) {
    gen_array *out = NULL;
    double lml = 7;
    CHECK(gen_hmm_forward(LI, gen_zeros(GEN_F64, GEN_DIMS(3, 2)), LL, &out, &lml) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_hmm_forward: log_trans must be [3, 3] (K = 3 from log_init), got [3,2]");
    CHECK(out == NULL && lml == 7);
    CHECK(gen_hmm_smoother(LI, LT, gen_zeros(GEN_F64, GEN_DIMS(4, 2)), &out, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_hmm_smoother: log_lik must be [T, 3] (K = 3 from log_init), got [4,2]");
    CHECK(gen_hmm_forward(gen_zeros(GEN_F64, GEN_DIMS(0)), LT, LL, NULL, &lml) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "log_init must have at least one state");
    double tr[K * K];
    memcpy(tr, TRANS, sizeof tr);
    tr[1 * K + 2] = 0.4; /* row 1 sums to 1.1 */
    CHECK(gen_hmm_forward(LI, log_of(GEN_DIMS(K, K), tr), LL, NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_forward: row 1 of log_trans is not normalized: its log-sum-exp is 0.0953");
    CHECK(gen_hmm_ffbs(gen_key_new(1), log_of(GEN_DIMS(K), (double[]){0.5, 0.5, 0.5}), LT, LL, 1, &out) ==
          GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_ffbs: log_init is not normalized");
    double lik[T * K];
    memcpy(lik, LIK, sizeof lik);
    lik[2 * K + 1] = NAN;
    CHECK(gen_hmm_viterbi(LI, LT, gen_array_from_f64(GEN_DIMS(T, K), lik), &out, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_viterbi: log_lik[2,1] is NaN");
    lik[2 * K + 1] = INFINITY;
    CHECK(gen_hmm_forward(LI, LT, gen_array_from_f64(GEN_DIMS(T, K), lik), NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_forward: log_lik[2,1] is +inf");
    CHECK(gen_hmm_forward(gen_cast(LI, GEN_I64), LT, LL, NULL, &lml) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_hmm_forward: log_init must be f64 or f32, got i64");
    CHECK(gen_hmm_ffbs(gen_key_new(1), LI, LT, LL, -2, &out) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_hmm_ffbs: n_draws must be >= 0, got -2");
    CHECK(gen_hmm_forward(NULL, LT, LL, NULL, &lml) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_hmm_forward: log_init is NULL");
}

/* Every allocation failing in turn: GEN_ERR_OOM, nothing leaked. */
static gen_status oom_workload(void) {
    gen_array *li = log_of(GEN_DIMS(K), INIT), *lt = log_of(GEN_DIMS(K, K), &TRANS[0][0]);
    gen_array *ll = gen_array_from_f64(GEN_DIMS(T, K), &LIK[0][0]), *out;
    double lml;
    gen_status s = gen_hmm_forward(li, lt, ll, &out, &lml);
    if (s == GEN_OK) s = gen_hmm_smoother(li, lt, ll, &out, NULL);
    if (s == GEN_OK) s = gen_hmm_ffbs(gen_key_new(1), li, lt, ll, 4, &out);
    if (s == GEN_OK) s = gen_hmm_viterbi(li, lt, ll, &out, NULL);
    return s;
}

static void test_oom(void) {
    CHECK_OOM(oom_workload, 20);
}

int main(void) {
    setup();
    RUN(test_against_enumeration);
    RUN(test_ffbs);
    RUN(test_long);
    RUN(test_impossible);
    RUN(test_errors);
    RUN(test_oom);
    gen_array_release(LI);
    gen_array_release(LT);
    gen_array_release(LL);
    return check_finish();
}
