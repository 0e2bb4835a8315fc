/* test_discrete_geometric.c — Geometric(p) (failures before the first success): log mass
 * against GSL (which counts trials: shifted by one), p = 1 and out-of-support values,
 * tails, shapes, sampling (chi-square, moments), gradients, errors, support. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define N 60

static void test_logpdf(void) {
    gen_array *p = fd_uniform(1, 0.02, 0.98, GEN_DIMS(N));
    const double *pd = gen_array_data(p);
    double x[N], want[N];
    for (int i = 0; i < N; i++) {
        x[i] = (i * 7) % 23;
        want[i] = log(gsl_ran_geometric_pdf((unsigned)x[i] + 1, pd[i]));
    }
    gen_array *xa = gen_array_from_f64(GEN_DIMS(N), x);
    CHECK_ARRAY(gen_dist_logpdf(gen_geometric(p), xa), want, N, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_geometric(p), gen_cast(xa, GEN_I64)), want, N, 1e-10, 0);
    /* tails: tiny p and huge k, where the mass underflows */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_geometric(gen_scalar(1e-300)), gen_scalar(0))), log(1e-300), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_geometric(gen_scalar(0.5)), gen_scalar_i64(INT64_C(1) << 60))),
                log(0.5) * (1 + 0x1p60), 1e-14);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *x = gen_array_from_f64(GEN_DIMS(7), (double[]){0, 1, 3, -1, 0.5, NAN, inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_geometric(gen_scalar(1)), x), ((double[]){0, -inf, -inf, -inf, -inf, -inf, -inf}), 7, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_geometric(gen_scalar(0.5)), x),
                ((double[]){log(0.5), 2 * log(0.5), 4 * log(0.5), -inf, -inf, -inf, -inf}), 7, 1e-15, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_geometric(gen_scalar_i64(1)), gen_scalar_bool(false))), 0, 0);
    gen_array *lp = gen_dist_logpdf(gen_geometric(gen_scalar_f32(0.25f)), gen_scalar_i64(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.25) + 2 * log(0.75), 1e-6);
}

static void test_shapes(void) {
    gen_dist *d = gen_geometric(gen_full(GEN_F64, GEN_DIMS(2, 3), 0.4));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_dtype(d) == GEN_I64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_zeros(GEN_I64, GEN_DIMS(5, 1, 1))), 5, 2, 3);
    CHECK(strcmp(gen_dist_name(d), "geometric") == 0 && strcmp(gen_dist_param_name(d, 0), "p") == 0);
}

static void check_sampler(double p) {
    double probs[40];
    for (int k = 0; k < 40; k++) probs[k] = p * pow(1 - p, k);
    gen_dist *d = gen_geometric(gen_scalar(p));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("geometric", s, probs, 40);
        STATS_MOMENTS("geometric", s, (1 - p) / p, (1 - p) / (p * p));
    }
}

static void test_sampling(void) {
    check_sampler(0.3);
    check_sampler(0.85);
    /* p = 1: always 0; tiny p: huge values, never negative */
    CHECK(check_item(gen_sum(gen_dist_sample(gen_geometric(gen_scalar(1)), gen_key_new(3), GEN_DIMS(1000)), 0, NULL, false)) == 0);
    gen_array *s = gen_dist_sample(gen_geometric(gen_scalar(1e-12)), gen_key_new(4), GEN_DIMS(100000));
    CHECK(check_item(gen_min(s, 0, NULL, false)) >= 0);
    STATS_MOMENTS("geometric(1e-12)", gen_cast(s, GEN_F64), (1 - 1e-12) / 1e-12, -1);
    /* a batch */
    s = gen_dist_sample(gen_geometric(gen_array_from_f64(GEN_DIMS(2), (double[]){0.2, 0.7})), gen_key_new(5), GEN_DIMS(100000));
    STATS_MOMENTS("geometric batch 0", gen_slice(s, 1, 0, 1, 1), 4, 20);
    STATS_MOMENTS("geometric batch 1", gen_slice(s, 1, 1, 2, 1), 0.3 / 0.7, 0.3 / 0.49);
}

static gen_array *xk(void) { return gen_array_from_f64(GEN_DIMS(N), gen_array_data(gen_floor(fd_uniform(9, 0, 15, GEN_DIMS(N))))); }
static gen_array *lp_p(const gen_array *p) { return gen_dist_logpdf(gen_geometric(p), xk()); }
static gen_array *lp_edge(const gen_array *p) {
    return gen_dist_logpdf(gen_geometric(p), gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0, 2, -1}));
}
static gen_array *lp_x(const gen_array *x) { return gen_dist_logpdf(gen_geometric(gen_scalar(0.3)), x); }

static void test_gradients(void) {
    FD_CHECK1(lp_p, fd_uniform(2, 0.05, 0.95, GEN_DIMS(N)), 1e-7, 1e-9);
    FD_CHECK1(lp_p, gen_scalar(0.45), 1e-7, 1e-9);
    CHECK_GRAD_NO_NAN(lp_edge, gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0.5}));
    /* x is discrete: no gradient flows to it */
    static fd_fn1 fx = lp_x;
    gen_array *x = gen_array_from_f64(GEN_DIMS(3), (double[]){0, 2, 5}), *cot = gen_ones(GEN_F64, GEN_DIMS(3)), *g = NULL;
    CHECK_OK(gen_vjp(fd_closure1(&fx), 1, &x, 1, &cot, NULL, &g));
    CHECK_ARRAY(g, ((double[]){0, 0, 0}), 3, 0, 0);
}

static void test_errors(void) {
    CHECK(gen_geometric(gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "geometric: p must be in (0, 1], got 0 at index [1]");
    CHECK(gen_geometric(gen_scalar(1.2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "geometric: p must be in (0, 1], got 1.2 at index []");
    CHECK(gen_geometric(gen_scalar(-0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "geometric: p must be in (0, 1], got -0.5");
    CHECK(gen_geometric(gen_scalar(NAN)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "geometric: p must be in (0, 1], got nan");
    CHECK(gen_geometric(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "geometric: parameter p is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_geometric(gen_full(GEN_F64, GEN_DIMS(3), 0.5));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.hi == NULL && gen_array_dtype(s.lo) == GEN_I64);
    CHECK_ARRAY(s.lo, ((double[]){0, 0, 0}), 3, 0, 0);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "geometric has no finite support");
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
