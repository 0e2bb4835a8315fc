/* test_discrete_multinomial.c — Multinomial(n, p [..., K]): log mass against GSL,
 * zero probabilities (0 log 0 = 0), counts that are negative, non-integral or do not sum
 * to n (-inf, never NaN), batch shapes, sampling (marginal and joint chi-square, moments,
 * sums), gradients in p, parameter errors, support, enumeration order and mass. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define R 5
#define K 4

static void test_logpdf(void) {
    gen_array *w = fd_uniform(1, 0.05, 1, GEN_DIMS(R, K));
    gen_array *p = gen_div(w, gen_sum(w, GEN_AXES(-1), true));
    const double *pd = gen_array_data(p);
    unsigned cnt[R][K] = {{0, 0, 0, 0}, {1, 0, 2, 0}, {3, 1, 4, 2}, {0, 7, 0, 1}, {12, 5, 9, 20}};
    double x[R * K], n[R], want[R];
    for (int r = 0; r < R; r++) {
        n[r] = 0;
        for (int j = 0; j < K; j++) x[r * K + j] = cnt[r][j], n[r] += cnt[r][j];
        want[r] = gsl_ran_multinomial_lnpdf(K, pd + r * K, cnt[r]);
    }
    gen_array *xa = gen_array_from_f64(GEN_DIMS(R, K), x), *na = gen_array_from_f64(GEN_DIMS(R), n);
    CHECK_ARRAY(gen_dist_logpdf(gen_multinomial(na, p), xa), want, R, 1e-10, 1e-15);
    CHECK_ARRAY(gen_dist_logpdf(gen_multinomial(gen_cast(na, GEN_I64), p), gen_cast(xa, GEN_I64)), want, R, 1e-10, 1e-15);
    /* one p for all rows: the batch comes from n */
    double want1[R];
    for (int r = 0; r < R; r++) want1[r] = gsl_ran_multinomial_lnpdf(K, pd, cnt[r]);
    gen_array *p0 = gen_slice(p, 0, 0, 1, 1);
    gen_dist *d = gen_multinomial(na, gen_reshape(p0, GEN_DIMS(K)));
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == R);
    CHECK_ARRAY(gen_dist_logpdf(d, xa), want1, R, 1e-10, 1e-15);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *p = gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0, 0.5});
    gen_array *x = gen_array_from_f64(GEN_DIMS(7, 3), (double[]){1, 0, 3, /* ok: 4!/(1!3!) / 16 */
                                                                 1, 1, 2, /* a count on p = 0 */
                                                                 1, 0, 2, /* sums to 3 */
                                                                 -1, 0, 5, 0.5, 0, 3.5, NAN, 0, 4, 0, 0, inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_multinomial(gen_scalar(4), p), x),
                ((double[]){log(0.25), -inf, -inf, -inf, -inf, -inf, -inf}), 7, 1e-15, 0);
    /* n = 0: only the zero vector; K = 1: only (n) */
    CHECK_ARRAY(gen_dist_logpdf(gen_multinomial(gen_scalar_i64(0), p), gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0, 0, 0, 0, 1, 0})),
                ((double[]){0, -inf}), 2, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_multinomial(gen_scalar(6), gen_ones(GEN_F64, GEN_DIMS(1))), gen_array_from_f64(GEN_DIMS(2, 1), (double[]){6, 5})),
                ((double[]){0, -inf}), 2, 0, 0);
    gen_array *lp = gen_dist_logpdf(gen_multinomial(gen_scalar_i64(2), gen_cast(p, GEN_F32)), gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 0, 1}));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.5), 1e-6);
}

static void test_shapes(void) {
    gen_dist *d = gen_multinomial(gen_array_from(GEN_I64, GEN_DIMS(2, 1), (int64_t[]){3, 10}), gen_full(GEN_F64, GEN_DIMS(3, K), 1.0 / K));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == K);
    CHECK(gen_dist_dtype(d) == GEN_I64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3, K);
    CHECK(gen_array_dtype(s) == GEN_I64);
    gen_array *lp = gen_dist_logpdf(d, s);
    CHECK_SHAPE(lp, 4, 2, 3);
    CHECK(check_item(gen_min(lp, 0, NULL, false)) > -INFINITY);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_I64, GEN_DIMS(2, 3, 5))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "multinomial: logpdf: value of shape [2,3,5] does not end in the event shape [4]");
    CHECK(strcmp(gen_dist_name(d), "multinomial") == 0 && strcmp(gen_dist_param_name(d, 1), "p") == 0);
}

/* The joint law through the cell x0 (n+1) + x1 of an (n+1)^2 table (x2 = n - x0 - x1). */
static void test_sampling(void) {
    enum { n = 10 };
    double p[3] = {0.2, 0.3, 0.5}, joint[(n + 1) * (n + 1)] = {0};
    gen_dist *d = gen_multinomial(gen_scalar(n), gen_array_from_f64(GEN_DIMS(3), p));
    for (unsigned a = 0; a <= n; a++)
        for (unsigned b = 0; a + b <= n; b++)
            joint[a * (n + 1) + b] = exp(gsl_ran_multinomial_lnpdf(3, p, (unsigned[]){a, b, n - a - b}));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        CHECK_RANGE(s, 0, n);
        CHECK(check_item(gen_min(gen_sum(s, GEN_AXES(-1), false), 0, NULL, false)) == n);
        CHECK(check_item(gen_max(gen_sum(s, GEN_AXES(-1), false), 0, NULL, false)) == n);
        gen_array *cell = gen_add(gen_mul(gen_slice(s, 1, 0, 1, 1), gen_scalar_i64(n + 1)), gen_slice(s, 1, 1, 2, 1));
        STATS_CHISQ("multinomial joint", cell, joint, (n + 1) * (n + 1));
        for (int j = 0; j < 3; j++) {
            double marg[n + 1];
            for (int k = 0; k <= n; k++) marg[k] = gsl_ran_binomial_pdf((unsigned)k, p[j], n);
            gen_array *col = gen_slice(s, 1, j, j + 1, 1);
            STATS_CHISQ("multinomial marginal", col, marg, n + 1);
            STATS_MOMENTS("multinomial marginal", col, n * p[j], n * p[j] * (1 - p[j]));
        }
    }
    /* zero probabilities get no counts; a batch with its own n and p */
    gen_array *s = gen_dist_sample(gen_multinomial(gen_scalar(50), gen_array_from_f64(GEN_DIMS(4), (double[]){0, 0.4, 0, 0.6})),
                                   gen_key_new(5), GEN_DIMS(1000));
    CHECK(check_item(gen_max(gen_slice(s, 1, 0, 1, 1), 0, NULL, false)) == 0);
    CHECK(check_item(gen_max(gen_slice(s, 1, 2, 3, 1), 0, NULL, false)) == 0);
    CHECK(check_item(gen_max(gen_slice(s, 1, 3, 4, 1), 0, NULL, false)) <= 50);
    double pb[2][2] = {{0.1, 0.9}, {0.7, 0.3}};
    s = gen_dist_sample(gen_multinomial(gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){5, 1000}), gen_array_from_f64(GEN_DIMS(2, 2), &pb[0][0])),
                        gen_key_new(6), GEN_DIMS(100000));
    CHECK_SHAPE(s, 100000, 2, 2);
    STATS_MOMENTS("multinomial batch 0", gen_slice(gen_slice(s, 1, 0, 1, 1), 2, 0, 1, 1), 0.5, 0.45);
    STATS_MOMENTS("multinomial batch 1", gen_slice(gen_slice(s, 1, 1, 2, 1), 2, 0, 1, 1), 700, 210);
    CHECK(check_item(gen_max(gen_dist_sample(gen_multinomial(gen_scalar(7), gen_ones(GEN_F64, GEN_DIMS(1))), gen_key_new(7), GEN_DIMS(10)), 0, NULL, false)) == 7);
}

static gen_array *xk(void) {
    return gen_array_from_f64(GEN_DIMS(3, K), (double[]){1, 0, 2, 3, 0, 0, 0, 0, 4, 1, 1, 1});
}
/* Normalized inside, so finite differences stay on the simplex. */
static gen_array *lp_p(const gen_array *w) {
    gen_array *n = gen_array_from_f64(GEN_DIMS(3), (double[]){6, 0, 7});
    return gen_dist_logpdf(gen_multinomial(n, gen_div(w, gen_sum(w, GEN_AXES(-1), true))), xk());
}
static gen_array *lp_zero(const gen_array *p) {
    return gen_dist_logpdf(gen_multinomial(gen_scalar(3), p), gen_array_from_f64(GEN_DIMS(3, 3), (double[]){1, 0, 2, 1, 1, 1, 3, 0, 0}));
}

static void test_gradients(void) {
    FD_CHECK1(lp_p, fd_uniform(2, 0.1, 1, GEN_DIMS(3, K)), 1e-7, 1e-9);
    FD_CHECK1(lp_p, fd_uniform(3, 0.1, 1, GEN_DIMS(K)), 1e-7, 1e-9); /* one p for the batch */
    /* zero probabilities: the gradient is x_k / p_k, and 0 where p_k = 0 */
    gen_array *p = gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0, 0.5});
    static fd_fn1 fz = lp_zero;
    gen_array *cot = gen_array_from_f64(GEN_DIMS(3), (double[]){1, 0, 0}), *g = NULL;
    CHECK_OK(gen_vjp(fd_closure1(&fz), 1, &p, 1, &cot, NULL, &g));
    CHECK_ARRAY(g, ((double[]){2, 0, 4}), 3, 1e-15, 0);
    CHECK_GRAD_NO_NAN(lp_zero, p);
}

static void test_errors(void) {
    gen_array *p = gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.5});
    CHECK(gen_multinomial(gen_scalar(2.5), p) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "multinomial: n must be a nonnegative integer, got 2.5 at index []");
    CHECK(gen_multinomial(gen_array_from_f64(GEN_DIMS(2), (double[]){1, -3}), p) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "multinomial: n must be a nonnegative integer, got -3 at index [1]");
    CHECK(gen_multinomial(gen_scalar(3), gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.6})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "multinomial: p must sum to 1, got 1.1");
    CHECK(gen_multinomial(gen_scalar(3), gen_array_from_f64(GEN_DIMS(3), (double[]){-0.2, 0.6, 0.6})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "multinomial: p must be >= 0, got -0.2 at index [0]");
    CHECK(gen_multinomial(gen_scalar(3), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "multinomial: p must have at least 1 dimension, got shape []");
    CHECK(gen_multinomial(gen_scalar(3), gen_zeros(GEN_F64, GEN_DIMS(0))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "multinomial: p must have at least one category (last axis), got shape [0]");
    CHECK(gen_multinomial(gen_ones(GEN_I64, GEN_DIMS(3)), gen_full(GEN_F64, GEN_DIMS(2, 2), 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "multinomial: shapes [3] and [2] do not broadcast");
    CHECK(gen_multinomial(NULL, p) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "multinomial: parameter n is NULL");
    CHECK(gen_multinomial(gen_scalar(1), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "multinomial: parameter p is NULL");
    CHECK(gen_multinomial(NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "multinomial: parameter n is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_multinomial(gen_scalar(2), gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.5}));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_VECTOR);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.lo == NULL && gen_array_dtype(s.hi) == GEN_I64 && check_item(s.hi) == 2);
    gen_array *e = gen_dist_enumerate(d);
    CHECK_SHAPE(e, 6, 3);
    CHECK(gen_array_dtype(e) == GEN_I64);
    CHECK_ARRAY(e, ((double[]){0, 0, 2, 0, 1, 1, 0, 2, 0, 1, 0, 1, 1, 1, 0, 2, 0, 0}), 18, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(d);
    /* a batch with two totals: the union, ascending n */
    gen_dist *b = gen_multinomial(gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){2, 1, 2}),
                                  gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.5, 0.5, 0.1, 0.9, 0, 1}));
    e = gen_dist_enumerate(b);
    CHECK_SHAPE(e, 5, 2);
    CHECK_ARRAY(e, ((double[]){0, 1, 1, 0, 0, 2, 1, 1, 2, 0}), 10, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(b);
    gen_array *w = fd_uniform(4, 0.1, 1, GEN_DIMS(2, 5));
    CHECK_ENUM_SUMS_TO_ONE(gen_multinomial(gen_scalar(9), gen_div(w, gen_sum(w, GEN_AXES(-1), true))));
    CHECK_SHAPE(gen_dist_enumerate(gen_multinomial(gen_scalar(0), gen_full(GEN_F64, GEN_DIMS(4), 0.25))), 1, 4);
    CHECK_SHAPE(gen_dist_enumerate(gen_multinomial(gen_scalar(5), gen_ones(GEN_F64, GEN_DIMS(1)))), 1, 1);
    /* too many count vectors to list */
    CHECK(gen_dist_enumerate(gen_multinomial(gen_scalar(100), gen_full(GEN_F64, GEN_DIMS(10), 0.1))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "multinomial: more than 100000 count vectors (n up to 100, 10 categories)");
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
