/* test_discrete_binomial.c — Binomial(n, p): log mass against GSL and mpmath, p = 0 / 1,
 * n = 0 and out-of-support values (-inf, never NaN), i64 and float n, shapes, sampling
 * (chi-square, moments), gradients in p, parameter errors, support, enumeration. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define N 60

static void test_logpdf(void) {
    gen_array *p = fd_uniform(1, 0.02, 0.98, GEN_DIMS(N));
    const double *pd = gen_array_data(p);
    double n[N], x[N], want[N];
    for (int i = 0; i < N; i++) {
        n[i] = (i * 5) % 51;
        x[i] = n[i] ? (i * 7) % ((int)n[i] + 1) : 0;
        want[i] = log(gsl_ran_binomial_pdf((unsigned)x[i], pd[i], (unsigned)n[i]));
    }
    gen_array *na = gen_array_from_f64(GEN_DIMS(N), n), *xa = gen_array_from_f64(GEN_DIMS(N), x);
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(na, p), xa), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(gen_cast(na, GEN_I64), p), gen_cast(xa, GEN_I64)), want, N, 1e-10, 0);
    /* large n, against mpmath (50 digits, the lgamma form) */
    gen_array *lp = gen_dist_logpdf(gen_binomial(gen_scalar_i64(100000), gen_array_from_f64(GEN_DIMS(2), (double[]){0.4, 1e-5})),
                                    gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){40000, 3}));
    CHECK_ARRAY(lp, ((double[]){-5.961845726758602913, -2.7917644693613905842}), 2, 1e-10, 0);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *x = gen_array_from_f64(GEN_DIMS(8), (double[]){0, 1, 3, 4, -1, 0.5, NAN, inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(gen_scalar(3), gen_scalar(0)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf, -inf}), 8, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(gen_scalar(3), gen_scalar(1)), x), ((double[]){-inf, -inf, 0, -inf, -inf, -inf, -inf, -inf}), 8, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(gen_scalar_i64(3), gen_scalar(0.5)), x),
                ((double[]){-3 * log(2), log(3) - 3 * log(2), -3 * log(2), -inf, -inf, -inf, -inf, -inf}), 8, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_binomial(gen_scalar(0), gen_scalar(0.3)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf, -inf}), 8, 0, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_binomial(gen_scalar_i64(1), gen_scalar_i64(1)), gen_scalar_bool(true))), 0, 0);
    gen_array *lp = gen_dist_logpdf(gen_binomial(gen_scalar_i64(4), gen_scalar_f32(0.5f)), gen_scalar_i64(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(6.0 / 16), 1e-6);
}

static void test_shapes(void) {
    gen_dist *d = gen_binomial(gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 5, 10}), gen_full(GEN_F64, GEN_DIMS(2, 1), 0.4));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_dtype(d) == GEN_I64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK(check_item(gen_min(gen_dist_logpdf(d, s), 0, NULL, false)) > -INFINITY);
    CHECK(strcmp(gen_dist_name(d), "binomial") == 0 && strcmp(gen_dist_param_name(d, 0), "n") == 0);
}

static void check_sampler(int n, double p) {
    double probs[101];
    for (int k = 0; k <= n; k++) probs[k] = gsl_ran_binomial_pdf((unsigned)k, p, (unsigned)n);
    gen_dist *d = gen_binomial(gen_scalar(n), gen_scalar(p));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("binomial", s, probs, n + 1);
        CHECK_RANGE(s, 0, n);
        STATS_MOMENTS("binomial", s, n * p, n * p * (1 - p));
    }
}

static void test_sampling(void) {
    check_sampler(20, 0.3);
    check_sampler(100, 0.65);
    CHECK(check_item(gen_max(gen_dist_sample(gen_binomial(gen_scalar(5), gen_scalar(0)), gen_key_new(3), GEN_DIMS(100)), 0, NULL, false)) == 0);
    CHECK(check_item(gen_min(gen_dist_sample(gen_binomial(gen_scalar(5), gen_scalar_i64(1)), gen_key_new(3), GEN_DIMS(100)), 0, NULL, false)) == 5);
    gen_array *s = gen_dist_sample(gen_binomial(gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){3, 100000}), gen_scalar_f32(0.25f)),
                                   gen_key_new(4), GEN_DIMS(100000));
    STATS_MOMENTS("binomial batch 0", gen_slice(s, 1, 0, 1, 1), 0.75, 3 * 0.1875);
    STATS_MOMENTS("binomial batch 1", gen_slice(s, 1, 1, 2, 1), 25000, 18750);
}

static gen_array *lp_p(const gen_array *p) {
    return gen_dist_logpdf(gen_binomial(gen_array_from(GEN_I64, GEN_DIMS(4), (int64_t[]){1, 7, 20, 3}), p),
                           gen_array_from_f64(GEN_DIMS(4), (double[]){0, 4, 13, 3}));
}
static gen_array *lp_p_bcast(const gen_array *p) {
    return gen_dist_logpdf(gen_binomial(gen_scalar(12), p), gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0, 5, 12}));
}
static gen_array *lp_edges(const gen_array *p) {
    return gen_dist_logpdf(gen_binomial(gen_scalar(4), p), gen_array_from_f64(GEN_DIMS(4, 1), (double[]){0, 2, 4, 5}));
}

static void test_gradients(void) {
    FD_CHECK1(lp_p, fd_uniform(2, 0.05, 0.95, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK1(lp_p_bcast, fd_uniform(3, 0.05, 0.95, GEN_DIMS(2)), 1e-7, 1e-9);
    FD_CHECK1(lp_p_bcast, gen_scalar(0.3), 1e-7, 1e-9);
    CHECK_GRAD_NO_NAN(lp_edges, gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 0.5}));
}

static void test_errors(void) {
    CHECK(gen_binomial(gen_array_from_f64(GEN_DIMS(2), (double[]){3, -1}), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: n must be a nonnegative integer, got -1 at index [1]");
    CHECK(gen_binomial(gen_scalar(2.5), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: n must be a nonnegative integer, got 2.5 at index []");
    CHECK(gen_binomial(gen_scalar(INFINITY), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: n must be a nonnegative integer, got inf");
    CHECK(gen_binomial(gen_scalar(3), gen_scalar(1.1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: p must be in [0, 1], got 1.1 at index []");
    CHECK(gen_binomial(gen_scalar(3), gen_scalar(-0.2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: p must be in [0, 1], got -0.2");
    CHECK(gen_binomial(gen_zeros(GEN_I64, GEN_DIMS(2)), gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "binomial: shapes [2] and [3] do not broadcast");
    CHECK(gen_binomial(NULL, gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "binomial: parameter n is NULL");
    CHECK(gen_binomial(gen_scalar(2), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "binomial: parameter p is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_binomial(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 3, 7}), gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.5, 1}));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(gen_array_dtype(s.lo) == GEN_I64 && gen_array_dtype(s.hi) == GEN_I64);
    CHECK_ARRAY(s.lo, ((double[]){0, 0, 0}), 3, 0, 0);
    CHECK_ARRAY(s.hi, ((double[]){0, 3, 7}), 3, 0, 0);
    gen_array *e = gen_dist_enumerate(d);
    CHECK(gen_array_dtype(e) == GEN_I64);
    CHECK_ARRAY(e, ((double[]){0, 1, 2, 3, 4, 5, 6, 7}), 8, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(d);
    CHECK_ENUM_SUMS_TO_ONE(gen_binomial(gen_scalar_i64(60), fd_uniform(5, 0, 1, GEN_DIMS(2, 3))));
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_edges);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
