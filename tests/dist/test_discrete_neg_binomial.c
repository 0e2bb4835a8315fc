/* test_discrete_neg_binomial.c — NegativeBinomial(r, p): log mass against GSL's
 * negative_binomial(p, n) (the same pmf) and mpmath, p = 1 and out-of-support values,
 * real r, shapes, sampling (chi-square, moments), gradients in r and p, errors, support. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define N 60

static void test_logpdf(void) {
    gen_array *r = fd_uniform(1, 0.2, 12, GEN_DIMS(N)), *p = fd_uniform(2, 0.05, 0.95, GEN_DIMS(N));
    const double *rd = gen_array_data(r), *pd = gen_array_data(p);
    double x[N], want[N];
    for (int i = 0; i < N; i++) {
        x[i] = (i * 7) % 37;
        want[i] = log(gsl_ran_negative_binomial_pdf((unsigned)x[i], pd[i], rd[i]));
    }
    gen_array *xa = gen_array_from_f64(GEN_DIMS(N), x);
    CHECK_ARRAY(gen_dist_logpdf(gen_neg_binomial(r, p), xa), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_neg_binomial(r, p), gen_cast(xa, GEN_I64)), want, N, 1e-10, 0);
    /* tiny r and a long tail, against mpmath (50 digits: loggamma(k+r) - loggamma(k+1) -
     * loggamma(r) + r log p + k log(1-p)) */
    gen_array *lp = gen_dist_logpdf(gen_neg_binomial(gen_array_from_f64(GEN_DIMS(3), (double[]){1e-8, 1e-8, 2.5}),
                                                     gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0.5, 2.5e-4})),
                                    gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){0, 3, 10000}));
    CHECK_ARRAY(lp, ((double[]){-6.9314718055994530942e-9, -21.59873456623178296, -9.7044214773556433977}), 3, 1e-10, 0);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *x = gen_array_from_f64(GEN_DIMS(7), (double[]){0, 1, 2, -1, 0.5, NAN, inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_neg_binomial(gen_scalar(2.5), gen_scalar(1)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf}), 7, 0, 0);
    /* r = 1 is the geometric distribution */
    CHECK_ARRAY(gen_dist_logpdf(gen_neg_binomial(gen_scalar_i64(1), gen_scalar(0.25)), x),
                ((double[]){log(0.25), log(0.25) + log(0.75), log(0.25) + 2 * log(0.75), -inf, -inf, -inf, -inf}), 7, 1e-15, 0);
    gen_array *lp = gen_dist_logpdf(gen_neg_binomial(gen_scalar_f32(2), gen_scalar_f32(0.5f)), gen_scalar_i64(1));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.25), 1e-6);
}

static void test_shapes(void) {
    gen_dist *d = gen_neg_binomial(gen_full(GEN_F64, GEN_DIMS(3), 2), gen_full(GEN_F64, GEN_DIMS(2, 1), 0.4));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_dtype(d) == GEN_I64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK(strcmp(gen_dist_name(d), "neg_binomial") == 0 && strcmp(gen_dist_param_name(d, 0), "r") == 0 &&
          strcmp(gen_dist_param_name(d, 1), "p") == 0);
}

static void check_sampler(double r, double p) {
    double probs[200];
    for (int k = 0; k < 200; k++) probs[k] = gsl_ran_negative_binomial_pdf((unsigned)k, p, r);
    gen_dist *d = gen_neg_binomial(gen_scalar(r), gen_scalar(p));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        char what[64];
        snprintf(what, sizeof what, "neg_binomial(%g, %g) seed %d", r, p, (int)seed);
        STATS_CHISQ(what, s, probs, 200);
        STATS_MOMENTS("neg_binomial", s, r * (1 - p) / p, r * (1 - p) / (p * p));
    }
}

static void test_sampling(void) {
    check_sampler(2.5, 0.4);
    check_sampler(0.3, 0.2);
    check_sampler(40, 0.7);
    CHECK(check_item(gen_max(gen_dist_sample(gen_neg_binomial(gen_scalar(3), gen_scalar(1)), gen_key_new(3), GEN_DIMS(1000)), 0, NULL, false)) == 0);
    gen_array *s = gen_dist_sample(gen_neg_binomial(gen_array_from_f64(GEN_DIMS(2), (double[]){1, 5}), gen_scalar_f32(0.5f)),
                                   gen_key_new(4), GEN_DIMS(100000));
    STATS_MOMENTS("neg_binomial batch 0", gen_slice(s, 1, 0, 1, 1), 1, 2);
    STATS_MOMENTS("neg_binomial batch 1", gen_slice(s, 1, 1, 2, 1), 5, 10);
}

static gen_array *xk(void) { return gen_floor(fd_uniform(9, 0, 25, GEN_DIMS(N))); }
static gen_array *lp_rp(const gen_array *r, const gen_array *p) { return gen_dist_logpdf(gen_neg_binomial(r, p), xk()); }
static gen_array *lp_edge(const gen_array *p) {
    return gen_dist_logpdf(gen_neg_binomial(gen_scalar(1.5), p), gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0, 2, -1}));
}

static void test_gradients(void) {
    FD_CHECK2(lp_rp, fd_uniform(2, 0.3, 8, GEN_DIMS(N)), fd_uniform(3, 0.05, 0.95, GEN_DIMS(N)), 1e-7, 1e-9);
    FD_CHECK2(lp_rp, gen_scalar(2.2), gen_scalar(0.35), 1e-7, 1e-9); /* broadcast parameters */
    CHECK_GRAD_NO_NAN(lp_edge, gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0.5}));
}

static void test_errors(void) {
    CHECK(gen_neg_binomial(gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0}), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: r must be > 0, got 0 at index [1]");
    CHECK(gen_neg_binomial(gen_scalar(-1), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: r must be > 0, got -1");
    CHECK(gen_neg_binomial(gen_scalar(INFINITY), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: r must be finite, got inf");
    CHECK(gen_neg_binomial(gen_scalar(2), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: p must be in (0, 1], got 0 at index []");
    CHECK(gen_neg_binomial(gen_scalar(2), gen_scalar(1.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: p must be in (0, 1], got 1.5");
    CHECK(gen_neg_binomial(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "neg_binomial: r must be > 0");
    CHECK(gen_neg_binomial(gen_ones(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "neg_binomial: shapes [2] and [3] do not broadcast");
    CHECK(gen_neg_binomial(NULL, gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "neg_binomial: parameter r is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_neg_binomial(gen_scalar(2), gen_full(GEN_F64, GEN_DIMS(2), 0.5));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.hi == NULL);
    CHECK_ARRAY(s.lo, ((double[]){0, 0}), 2, 0, 0);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "neg_binomial has no finite support");
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
