/* test_resampling.c — the four resampling schemes of gen_resample on fixed weight
 * vectors: each keeps the expected counts N w_i (the mean count of every index over many
 * resamplings within 5 standard errors), multinomial's count variances are N w_i (1 -
 * w_i), and the variance ordering holds (stratified, residual and systematic below
 * multinomial in total); with 1e6 particles whose weights span many orders of magnitude
 * every scheme stays unbiased, index blocks across the whole range (the tail of the
 * cumulative sum included) getting their expected share. */
#include <math.h>
#include <stdlib.h>

#include "../testutil/check.h"

static const gen_resampling METHODS[4] = {GEN_RESAMPLE_MULTINOMIAL, GEN_RESAMPLE_SYSTEMATIC, GEN_RESAMPLE_STRATIFIED,
                                          GEN_RESAMPLE_RESIDUAL};
static const char *const NAMES[4] = {"multinomial", "systematic", "stratified", "residual"};

/* N = 10 draws from 7 weights, R times per scheme: the mean count of index i is N w_i,
 * multinomial's variance N w_i (1 - w_i), and the others' total variance is below it. */
static void test_counts(void) {
    enum { K = 7, N = 10, R = 20000 };
    const double p[K] = {0.31, 0.02, 0.17, 0.005, 0.245, 0.16, 0.09}; /* sums to 1 */
    double lw[K];
    for (int i = 0; i < K; i++) lw[i] = log(p[i]) + 3.0; /* unnormalized: any shift */
    gen_array *w = gen_array_from_f64(GEN_DIMS(K), lw);
    double total_var[4];
    for (int m = 0; m < 4; m++) {
        double s1[K] = {0}, s2[K] = {0};
        int64_t idx[N];
        for (int r = 0; r < R; r++) {
            int64_t c[K] = {0};
            CHECK_OK(gen_resample(gen_key_fold_in(gen_key_new(31 + (uint64_t)m), (uint64_t)r), w, METHODS[m], N, idx));
            for (int j = 0; j < N; j++) c[idx[j]]++;
            for (int i = 0; i < K; i++) s1[i] += c[i], s2[i] += (double)c[i] * c[i];
        }
        total_var[m] = 0;
        for (int i = 0; i < K; i++) {
            double mean = s1[i] / R, var = s2[i] / R - mean * mean, want = N * p[i];
            total_var[m] += var;
            /* the mean count within 5 standard errors (the multinomial variance bounds every scheme's) */
            double se = sqrt(N * p[i] * (1 - p[i]) / R);
            if (!(fabs(mean - want) < 5 * se))
                check_fail(__FILE__, __LINE__, "%s: mean count of %d: %.5f, want %.5f (se %.2g)", NAMES[m], i, mean, want, se);
            check_count++;
            if (m == 0) { /* multinomial: Var = N p (1 - p), within 5 s.e. of the sample
                           * variance: Var(s^2) ~ (mu4 - sigma^4) / R, with the binomial's
                           * mu4 = N p q (1 + 3 (N - 2) p q) */
                double v = N * p[i] * (1 - p[i]), mu4 = v * (1 + 3 * (N - 2) * p[i] * (1 - p[i]));
                double sev = sqrt((mu4 - v * v) / R);
                if (!(fabs(var - v) < 5 * sev))
                    check_fail(__FILE__, __LINE__, "multinomial: variance of count %d: %.5f, want %.5f", i, var, v);
                check_count++;
            }
        }
    }
    for (int m = 1; m < 4; m++) {
        if (!(total_var[m] < 0.8 * total_var[0]))
            check_fail(__FILE__, __LINE__, "%s: total count variance %.4f, multinomial's %.4f", NAMES[m], total_var[m],
                       total_var[0]);
        check_count++;
    }
}

/* 1e6 weights over 40 orders of magnitude, 1e6 draws: every block of 1e5 indices gets
 * its expected share within 5 standard errors, for every scheme. */
static void test_million(void) {
    enum { N = 1000000, B = 10 };
    double *lw = malloc(N * sizeof *lw), p_block[B] = {0};
    int64_t *idx = malloc(N * sizeof *idx);
    if (!lw || !idx) {
        check_fail(__FILE__, __LINE__, "out of memory");
        free(lw), free(idx);
        return;
    }
    /* log weights falling linearly by 92 (e^-92 ~ 1e-40) with a ripple, so that the
     * last blocks' mass is tiny beside the first's: a cumulative sum that lost them to
     * rounding would never pick them */
    for (int64_t i = 0; i < N; i++) lw[i] = -92.0 * (double)i / N + 0.5 * sin(0.001 * (double)i);
    double max = lw[0], total = 0;
    for (int64_t i = 0; i < N; i++) max = lw[i] > max ? lw[i] : max;
    for (int64_t i = 0; i < N; i++) total += exp(lw[i] - max);
    for (int64_t i = 0; i < N; i++) p_block[i / (N / B)] += exp(lw[i] - max) / total;
    gen_array *w = gen_array_from_f64(GEN_DIMS(N), lw);
    for (int m = 0; m < 4; m++) {
        int64_t c[B] = {0};
        CHECK_OK(gen_resample(gen_key_new(90 + (uint64_t)m), w, METHODS[m], N, idx));
        bool in_range = true;
        for (int64_t j = 0; j < N; j++) {
            in_range = in_range && idx[j] >= 0 && idx[j] < N;
            if (idx[j] >= 0 && idx[j] < N) c[idx[j] / (N / B)]++;
        }
        CHECK(in_range);
        for (int b = 0; b < B; b++) {
            double want = N * p_block[b], se = sqrt(N * p_block[b] * (1 - p_block[b]));
            /* a block of expected count below one: at most a few picks */
            bool ok = want < 1 ? c[b] <= 5 : fabs((double)c[b] - want) < 5 * se + 1;
            if (!ok)
                check_fail(__FILE__, __LINE__, "%s: block %d got %lld, want %.2f (se %.2g)", NAMES[m], b, (long long)c[b],
                           want, se);
            check_count++;
        }
    }
    /* two classes of weight: the last half of the indices 1e-3 times the first's, so the
     * tail's share is 1e-3 / (1 + 1e-3), about 1000 of the 1e6 picks */
    for (int64_t i = 0; i < N; i++) lw[i] = i < N / 2 ? 0 : log(1e-3);
    w = gen_array_from_f64(GEN_DIMS(N), lw);
    double share = 1e-3 / (1 + 1e-3);
    for (int m = 0; m < 4; m++) {
        CHECK_OK(gen_resample(gen_key_new(95 + (uint64_t)m), w, METHODS[m], N, idx));
        int64_t tail = 0;
        for (int64_t j = 0; j < N; j++) tail += idx[j] >= N / 2;
        double want = N * share, se = sqrt(N * share * (1 - share));
        if (!(fabs((double)tail - want) < 5 * se + 1))
            check_fail(__FILE__, __LINE__, "%s: the tail got %lld picks, want %.1f (se %.2g)", NAMES[m], (long long)tail,
                       want, se);
        check_count++;
    }
    free(lw);
    free(idx);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_counts);
    RUN_ONLY(test_million);
    return check_finish();
}
