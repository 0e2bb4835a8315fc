/* test_discrete_poisson.c — Poisson(rate): log mass against GSL and mpmath, rate = 0 and
 * out-of-support values (-inf, never NaN), shapes, sampling (chi-square, moments),
 * gradients in rate, parameter errors, support. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define N 60

static void test_logpdf(void) {
    gen_array *rate = fd_uniform(1, 0.1, 30, GEN_DIMS(N));
    const double *rd = gen_array_data(rate);
    double x[N], want[N];
    for (int i = 0; i < N; i++) {
        x[i] = (i * 7) % 41;
        want[i] = log(gsl_ran_poisson_pdf((unsigned)x[i], rd[i]));
    }
    gen_array *xa = gen_array_from_f64(GEN_DIMS(N), x);
    CHECK_ARRAY(gen_dist_logpdf(gen_poisson(rate), xa), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_poisson(rate), gen_cast(xa, GEN_I64)), want, N, 1e-10, 0);
    /* large counts and the far tail, against mpmath (50 digits: k log r - r - loggamma(k+1));
     * the lgamma form loses about eps * k log(rate) in absolute terms */
    gen_array *r = gen_array_from_f64(GEN_DIMS(4), (double[]){1e4, 1e4, 0.5, 1e-300});
    gen_array *k = gen_array_from(GEN_I64, GEN_DIMS(4), (int64_t[]){10000, 10200, 150, 3});
    CHECK_ARRAY(gen_dist_logpdf(gen_poisson(r), k),
                ((double[]){-5.5241170525260946654, -7.5208166238085647371, -709.49218293341548027,
                            -2074.1183431638691705}),
                4, 1e-11, 0);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *x = gen_array_from_f64(GEN_DIMS(7), (double[]){0, 1, 2, -1, 0.5, NAN, inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_poisson(gen_scalar(0)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf}), 7, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_poisson(gen_scalar(2)), x),
                ((double[]){-2, log(2) - 2, 2 * log(2) - 2 - log(2), -inf, -inf, -inf, -inf}), 7, 1e-15, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_poisson(gen_scalar_i64(0)), gen_scalar_bool(false))), 0, 0);
    gen_array *lp = gen_dist_logpdf(gen_poisson(gen_scalar_f32(2.5f)), gen_scalar_i64(0));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), -2.5, 1e-7);
}

static void test_shapes(void) {
    gen_dist *d = gen_poisson(gen_full(GEN_F64, GEN_DIMS(2, 3), 4));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_dtype(d) == GEN_I64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_zeros(GEN_I64, GEN_DIMS(5, 1, 1))), 5, 2, 3);
    CHECK(strcmp(gen_dist_name(d), "poisson") == 0 && strcmp(gen_dist_param_name(d, 0), "rate") == 0);
    CHECK_SHAPE(gen_dist_sample(gen_poisson(gen_scalar_f32(2)), gen_key_new(1), 0, NULL));
}

static void check_sampler(double rate) {
    double probs[120];
    int k = rate < 20 ? 40 : 120;
    for (int i = 0; i < k; i++) probs[i] = gsl_ran_poisson_pdf((unsigned)i, rate);
    gen_dist *d = gen_poisson(gen_scalar(rate));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("poisson", s, probs, k);
        STATS_MOMENTS("poisson", s, rate, rate);
    }
}

static void test_sampling(void) {
    check_sampler(3.5);
    check_sampler(55);
    CHECK(check_item(gen_max(gen_dist_sample(gen_poisson(gen_scalar(0)), gen_key_new(3), GEN_DIMS(1000)), 0, NULL, false)) == 0);
    gen_array *s = gen_dist_sample(gen_poisson(gen_array_from_f64(GEN_DIMS(2), (double[]){0.2, 1e6})), gen_key_new(4), GEN_DIMS(100000));
    STATS_MOMENTS("poisson batch 0", gen_slice(s, 1, 0, 1, 1), 0.2, 0.2);
    STATS_MOMENTS("poisson batch 1", gen_slice(s, 1, 1, 2, 1), 1e6, 1e6);
}

/* The single-pass kernel (plain calls) against the formula (traced under gen_vjp): float,
 * bool and i64 values, counts past the log-factorial table, rate 0, f32, broadcasting. */
static gen_array *pl_float(const gen_array *r) {
    return gen_dist_logpdf(gen_poisson(r), gen_array_from_f64(GEN_DIMS(2, 1, 9), (double[]){0, 1, 2, -1, 0.5, NAN, INFINITY, 255, 256,
                                                                                            300, 1e4, 7, -INFINITY, 3, 1e6, 254, 40, 2.5}));
}
static gen_array *pl_i64(const gen_array *r) {
    return gen_dist_logpdf(gen_poisson(r), gen_array_from(GEN_I64, GEN_DIMS(7), (int64_t[]){0, 5, -3, 255, 256, 100000, 12}));
}
static gen_array *pl_bool(const gen_array *r) {
    return gen_dist_logpdf(gen_poisson(r), gen_array_from(GEN_BOOL, GEN_DIMS(2), (bool[]){true, false}));
}

static void test_plain_vs_traced(void) {
    CHECK_SAME_UNDER_AD(pl_float, fd_uniform(3, 0.1, 300, GEN_DIMS(1, 3, 1)), 1e-15);
    CHECK_SAME_UNDER_AD(pl_float, gen_array_from_f64(GEN_DIMS(9), (double[]){0, 1, 0, 2, 0, 1e4, 7, 0, 3}), 1e-15);
    CHECK_SAME_UNDER_AD(pl_i64, fd_uniform(4, 0.1, 300, GEN_DIMS(7)), 1e-15);
    CHECK_SAME_UNDER_AD(pl_i64, gen_scalar(0), 0);
    CHECK_SAME_UNDER_AD(pl_bool, gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0, 0.5, 20}), 1e-15);
    CHECK_SAME_UNDER_AD(pl_i64, gen_cast(fd_uniform(5, 0.1, 30, GEN_DIMS(7)), GEN_F32), 1e-6);
    CHECK_SHAPE(gen_dist_logpdf(gen_poisson(gen_zeros(GEN_F64, GEN_DIMS(0))), gen_scalar_i64(1)), 0);
    CHECK_SHAPE(gen_dist_logpdf(gen_poisson(gen_scalar(1)), gen_zeros(GEN_I64, GEN_DIMS(3, 0))), 3, 0);
}

static gen_array *xk(void) { return gen_floor(fd_uniform(9, 0, 25, GEN_DIMS(N))); }
static gen_array *lp_rate(const gen_array *r) { return gen_dist_logpdf(gen_poisson(r), xk()); }
static gen_array *lp_zero(const gen_array *r) {
    return gen_dist_logpdf(gen_poisson(r), gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0, 2, -1}));
}

static void test_gradients(void) {
    FD_CHECK1(lp_rate, fd_uniform(2, 0.2, 20, GEN_DIMS(N)), 1e-7, 1e-9);
    FD_CHECK1(lp_rate, gen_scalar(6.5), 1e-7, 1e-9);
    CHECK_GRAD_NO_NAN(lp_zero, gen_array_from_f64(GEN_DIMS(2), (double[]){0, 1.5}));
}

static void test_errors(void) {
    CHECK(gen_poisson(gen_array_from_f64(GEN_DIMS(2), (double[]){1, -0.5})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "poisson: rate must be >= 0, got -0.5 at index [1]");
    CHECK(gen_poisson(gen_scalar(INFINITY)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "poisson: rate must be finite, got inf at index []");
    CHECK(gen_poisson(gen_scalar(NAN)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "poisson: rate must be >= 0, got nan");
    CHECK(gen_poisson(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "poisson: parameter rate is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_poisson(gen_full(GEN_F64, GEN_DIMS(2), 1));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.hi == NULL);
    CHECK_ARRAY(s.lo, ((double[]){0, 0}), 2, 0, 0);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "poisson has no finite support");
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_edges);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_plain_vs_traced);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
