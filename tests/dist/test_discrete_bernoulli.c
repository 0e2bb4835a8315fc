/* test_discrete_bernoulli.c — Bernoulli(p) and Bernoulli(logit): log mass against GSL
 * and closed forms, p = 0 / 1 and out-of-support values (-inf, never NaN), shapes,
 * sampling (chi-square, moments), gradients, parameter errors, support, enumeration. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define N 50

/* x alternating 0, 1 in each dtype a caller may use. */
static gen_array *xs(gen_dtype t) {
    double v[N];
    for (int i = 0; i < N; i++) v[i] = i % 2;
    return gen_cast(gen_array_from_f64(GEN_DIMS(N), v), t);
}

static void test_logpdf(void) {
    gen_array *p = fd_uniform(1, 0.01, 0.99, GEN_DIMS(N));
    const double *pd = gen_array_data(p);
    double want[N];
    for (int i = 0; i < N; i++) want[i] = log(gsl_ran_bernoulli_pdf((unsigned)(i % 2), pd[i]));
    gen_dist *d = gen_bernoulli(p);
    CHECK_ARRAY(gen_dist_logpdf(d, xs(GEN_BOOL)), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, xs(GEN_I64)), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, xs(GEN_F64)), want, N, 1e-10, 0);
    /* logit = log(p / (1 - p)) gives the same masses */
    const double *ld = gen_array_data(gen_sub(gen_log(p), gen_log1p(gen_neg(p))));
    for (int i = 0; i < N; i++) want[i] = i % 2 ? -log1p(exp(-ld[i])) : -log1p(exp(ld[i]));
    CHECK_ARRAY(gen_dist_logpdf(gen_bernoulli_logit(gen_sub(gen_log(p), gen_log1p(gen_neg(p)))),
                                xs(GEN_BOOL)),
                want, N, 1e-10, 0);
    /* tiny p: log1p(-p) stays exact */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_bernoulli(gen_scalar(1e-20)), gen_scalar_bool(false))),
                -1e-20, 1e-15);
}

static void test_edges(void) {
    gen_array *x = gen_array_from_f64(GEN_DIMS(7), (double[]){0, 1, 2, -1, 0.5, NAN, INFINITY});
    const double inf = INFINITY;
    CHECK_ARRAY(gen_dist_logpdf(gen_bernoulli(gen_scalar(0)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf}), 7, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_bernoulli(gen_scalar(1)), x), ((double[]){-inf, 0, -inf, -inf, -inf, -inf, -inf}), 7, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_bernoulli(gen_scalar_i64(1)), gen_scalar_bool(true)), ((double[]){0}), 1, 0, 0);
    gen_array *l = gen_array_from_f64(GEN_DIMS(4), (double[]){-800, 800, inf, -inf});
    gen_dist *d = gen_bernoulli_logit(l);
    CHECK_ARRAY(gen_dist_logpdf(d, gen_scalar_bool(true)), ((double[]){-800, 0, 0, -inf}), 4, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, gen_scalar_bool(false)), ((double[]){0, -800, -inf, 0}), 4, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, gen_scalar(3)), ((double[]){-inf, -inf, -inf, -inf}), 4, 0, 0);
    /* empty and 0-d */
    CHECK_SHAPE(gen_dist_logpdf(gen_bernoulli(gen_zeros(GEN_F64, GEN_DIMS(0))), gen_scalar_bool(true)), 0);
    CHECK_SHAPE(gen_dist_sample(gen_bernoulli(gen_scalar(0.5)), gen_key_new(1), 0, NULL));
}

static void test_shapes(void) {
    gen_dist *d = gen_bernoulli(gen_full(GEN_F64, GEN_DIMS(2, 3), 0.4));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 0);
    CHECK(gen_dist_dtype(d) == GEN_BOOL && gen_dist_is_discrete(d));
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_BOOL);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_zeros(GEN_I64, GEN_DIMS(5, 1, 1))), 5, 2, 3);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "bernoulli");
    CHECK(strcmp(gen_dist_name(d), "bernoulli") == 0 && strcmp(gen_dist_param_name(d, 0), "p") == 0);
    gen_dist *l = gen_bernoulli_logit(gen_zeros(GEN_F64, GEN_DIMS(3)));
    CHECK_SHAPE(gen_dist_sample(l, gen_key_new(2), GEN_DIMS(2)), 2, 3);
    CHECK(strcmp(gen_dist_param_name(l, 0), "logit") == 0);
    /* f32 parameters give f32 log masses */
    gen_array *lp = gen_dist_logpdf(gen_bernoulli(gen_scalar_f32(0.25f)), gen_scalar_bool(true));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.25), 1e-6);
    lp = gen_dist_logpdf(gen_bernoulli_logit(gen_scalar_f32(-2.0f)), gen_scalar_bool(false));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), -log1p(exp(-2.0)), 1e-6);
}

static void test_sampling(void) {
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(gen_bernoulli(gen_scalar(0.3)), gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("bernoulli(0.3)", s, ((double[]){0.7, 0.3}), 2);
        STATS_MOMENTS("bernoulli(0.3)", s, 0.3, 0.21);
        double p = 1 / (1 + exp(0.8));
        s = gen_dist_sample(gen_bernoulli_logit(gen_scalar(-0.8)), gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("bernoulli_logit(-0.8)", s, ((double[]){1 - p, p}), 2);
        STATS_MOMENTS("bernoulli_logit(-0.8)", s, p, p * (1 - p));
    }
    /* certain outcomes; a batch of different p */
    CHECK(check_item(gen_sum(gen_dist_sample(gen_bernoulli(gen_scalar(0)), gen_key_new(4), GEN_DIMS(1000)), 0, NULL, false)) == 0);
    CHECK(check_item(gen_sum(gen_dist_sample(gen_bernoulli(gen_scalar(1)), gen_key_new(4), GEN_DIMS(1000)), 0, NULL, false)) == 1000);
    gen_array *s = gen_dist_sample(gen_bernoulli(gen_array_from_f64(GEN_DIMS(2), (double[]){0.1, 0.8})),
                                   gen_key_new(5), GEN_DIMS(100000));
    STATS_MOMENTS("bernoulli batch 0", gen_slice(s, 1, 0, 1, 1), 0.1, 0.09);
    STATS_MOMENTS("bernoulli batch 1", gen_slice(s, 1, 1, 2, 1), 0.8, 0.16);
}

static gen_array *lp_p(const gen_array *p) { return gen_dist_logpdf(gen_bernoulli(p), xs(GEN_BOOL)); }
static gen_array *lp_p_scalar(const gen_array *p) {
    return gen_dist_logpdf(gen_bernoulli(p), gen_array_from(GEN_BOOL, GEN_DIMS(3), (bool[]){1, 0, 1}));
}
static gen_array *lp_logit(const gen_array *l) { return gen_dist_logpdf(gen_bernoulli_logit(l), xs(GEN_I64)); }
static gen_array *lp_edges(const gen_array *p) {
    return gen_dist_logpdf(gen_bernoulli(p), gen_array_from_f64(GEN_DIMS(2, 1), (double[]){0, 1}));
}

static void test_gradients(void) {
    FD_CHECK1(lp_p, fd_uniform(2, 0.05, 0.95, GEN_DIMS(N)), 1e-7, 1e-9);
    FD_CHECK1(lp_p_scalar, gen_scalar(0.35), 1e-7, 1e-9); /* broadcast parameter */
    FD_CHECK1(lp_logit, fd_uniform(3, -4, 4, GEN_DIMS(N)), 1e-7, 1e-9);
    /* p = 0 and p = 1, where one outcome has log mass -inf: no NaN */
    CHECK_GRAD_NO_NAN(lp_edges, gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 0.5}));
}

static void test_errors(void) {
    CHECK(gen_bernoulli(gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 1.5, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "bernoulli: p must be in [0, 1], got 1.5 at index [1]");
    CHECK(gen_bernoulli(gen_scalar(-0.1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "bernoulli: p must be in [0, 1], got -0.1 at index []");
    CHECK(gen_bernoulli(gen_scalar(NAN)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "bernoulli: p must be in [0, 1], got nan");
    CHECK(gen_bernoulli(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "bernoulli: parameter p is NULL");
    CHECK(gen_bernoulli_logit(gen_scalar(NAN)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "bernoulli_logit: logit must be a number (not NaN), got nan");
    CHECK(gen_bernoulli_logit(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "bernoulli_logit: parameter logit is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_bernoulli(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 0.3, 1}));
    check_discrete_support(d, GEN_SUPPORT_BOOLEAN);
    gen_array *e = gen_dist_enumerate(d);
    CHECK(gen_array_dtype(e) == GEN_BOOL);
    CHECK_ARRAY(e, ((double[]){0, 1}), 2, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(d);
    gen_dist *l = gen_bernoulli_logit(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){-30, 0, 2, 700}));
    check_discrete_support(l, GEN_SUPPORT_BOOLEAN);
    CHECK_ENUM_SUMS_TO_ONE(l);
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
