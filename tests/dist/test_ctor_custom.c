/* test_ctor_custom.c — gen_dist_custom: a user exponential against GSL (batch from the
 * parameters), sampling (KS), gradients through the callbacks' array ops, an event-shaped
 * user distribution, a discrete one (enumerate, chi-square), the payload's lifetime, the
 * support and bijection, and every check of the callbacks and their results. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "ctor_fixtures.h"
#include "fd.h"
#include "stats.h"

static void test_logpdf(void) {
    gen_array *rate = fd_uniform(1, 0.2, 3, GEN_DIMS(40)), *x = fd_uniform(2, -0.5, 6, GEN_DIMS(40));
    gen_dist *d = fx_exponential(rate);
    CHECK(strcmp(gen_dist_name(d), "myexp") == 0);
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 40 && gen_dist_event_ndim(d) == 0);
    CHECK(gen_dist_num_params(d) == 1 && strcmp(gen_dist_param_name(d, 0), "param0") == 0);
    CHECK(gen_dist_param(d, 0) == rate && !gen_dist_is_discrete(d));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    const double *xd = gen_array_data(x), *rd = gen_array_data(rate);
    double want[40];
    for (int i = 0; i < 40; i++) want[i] = xd[i] >= 0 ? log(gsl_ran_exponential_pdf(xd[i], 1 / rd[i])) : -INFINITY;
    CHECK_ARRAY(lp, want, 40, 1e-12, 0);
    /* batch = broadcast of the parameters' shapes */
    gen_dist *b = gen_dist_custom(&fx_exp_cb, NULL, 1, (gen_array *[]){gen_ones(GEN_F64, GEN_DIMS(2, 1))});
    CHECK(gen_dist_batch_ndim(b) == 2);
    CHECK_SHAPE(gen_dist_logpdf(b, gen_ones(GEN_F64, GEN_DIMS(3))), 2, 3);
}

static double exp_cdf(double x, const double *p) { return x > 0 ? -expm1(-p[0] * x) : 0; }

static void test_sampling(void) {
    gen_dist *d = fx_exponential(gen_scalar(1.7));
    CHECK(!gen_dist_has_rsample(d));
    for (uint64_t seed = 0; seed < 2; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_KS("myexp(1.7)", s, exp_cdf, (double[]){1.7});
        STATS_MOMENTS("myexp(1.7)", s, 1 / 1.7, 1 / (1.7 * 1.7));
    }
    CHECK(gen_dist_rsample(d, gen_key_new(1), GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "myexp has no reparameterized sampler");
    gen_dist *t = fx_trinary(gen_scalar(1.5));
    CHECK(gen_dist_is_discrete(t) && gen_dist_dtype(t) == GEN_I64);
    double pr[3] = {fx_tri_prob(1.5, 0), fx_tri_prob(1.5, 1), fx_tri_prob(1.5, 2)};
    STATS_CHISQ("trinary(1.5)", gen_dist_sample(t, gen_key_new(3), GEN_DIMS(100000)), pr, 3);
    gen_array *v = CHECK_ARR(gen_dist_enumerate(t));
    CHECK_ARRAY(v, ((double[]){0, 1, 2}), 3, 0, 0);
    CHECK_ARRAY(gen_exp(gen_dist_logpdf(t, v)), pr, 3, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(t, gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 3, -1})),
                ((double[]){-INFINITY, -INFINITY, -INFINITY}), 3, 0, 0);
}

static gen_array *lp_x(const gen_array *x) { return gen_dist_logpdf(fx_exponential(gen_scalar(1.3)), x); }
static gen_array *lp_rate(const gen_array *rate) {
    return gen_dist_logpdf(fx_exponential(rate), gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 1, 3}));
}
static gen_array *lp_tri(const gen_array *p) {
    return gen_dist_logpdf(fx_trinary(p), gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 2}));
}
static gen_array *sum_lp_rate(const gen_array *rate) { return gen_sum(lp_rate(rate), 0, NULL, false); }

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(4, 0.1, 4, GEN_DIMS(5)), 1e-7, 1e-9);
    FD_CHECK1(lp_rate, fd_uniform(5, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    FD_CHECK1(lp_rate, gen_scalar(0.9), 1e-7, 1e-9);
    FD_CHECK1(lp_tri, fd_uniform(6, 0.3, 3, GEN_DIMS(3)), 1e-7, 1e-9);
    /* d/drate sum_i (log rate - rate x_i) = 3 / rate - sum x */
    static fd_fn1 fn = sum_lp_rate;
    gen_array *r = gen_scalar(0.8), *g = NULL;
    CHECK_OK(gen_grad(fd_closure1(&fn), 1, &r, &g));
    CHECK_CLOSE(check_item(g), 3 / 0.8 - 4.2, 1e-14);
}

/* A pair (a, b) of independent exponentials with rates r and 2r: event shape [2]. */
static gen_array *pair_logpdf(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *rates = gen_stack(2, (gen_array *[]){p[0], gen_mul(p[0], gen_scalar(2))}, -1);
    gen_array *ok = gen_ge(x, gen_scalar(0));
    gen_array *lp = gen_sub(gen_log(rates), gen_mul(rates, gen_where(ok, x, gen_scalar(1))));
    return gen_sum(gen_where(ok, lp, gen_scalar(-INFINITY)), GEN_AXES(-1), false);
}
static gen_array *pair_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n, gen_array *const *p) {
    (void)pl, (void)n;
    gen_array *rates = gen_stack(2, (gen_array *[]){p[0], gen_mul(p[0], gen_scalar(2))}, -1);
    return gen_div(gen_neg(gen_log1p(gen_neg(gen_random_uniform(key, GEN_F64, ndim, shape)))), rates);
}

static void test_event_shape(void) {
    gen_dist_callbacks cb = {.name = "pair", .dtype = GEN_F64, .event_ndim = 1, .event_shape = {2},
                             .support = GEN_SUPPORT_POSITIVE, .sample = pair_sample, .logpdf = pair_logpdf};
    double r[3] = {0.5, 1, 2};
    gen_dist *d = gen_dist_custom(&cb, NULL, 1, (gen_array *[]){gen_array_from_f64(GEN_DIMS(3), r)});
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 2);
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.1, 0.2, 1, 3, 0.5, 0.25});
    const double *xd = gen_array_data(x);
    double want[3];
    for (int i = 0; i < 3; i++)
        want[i] = log(gsl_ran_exponential_pdf(xd[2 * i], 1 / r[i])) + log(gsl_ran_exponential_pdf(xd[2 * i + 1], 0.5 / r[i]));
    CHECK_ARRAY(gen_dist_logpdf(d, x), want, 3, 1e-12, 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(7), GEN_DIMS(50000));
    CHECK_SHAPE(s, 50000, 3, 2);
    STATS_KS("pair slot 1 of member 2", gen_take(gen_take(s, gen_scalar_i64(2), 1), gen_scalar_i64(1), 1), exp_cdf,
             (double[]){4});
    /* wrapped by iid: event [4, 2] */
    gen_dist *i = gen_iid(d, GEN_DIMS(4));
    CHECK(gen_dist_event_ndim(i) == 2 && gen_dist_batch_ndim(i) == 1);
    CHECK_SHAPE(gen_dist_logpdf(i, gen_ones(GEN_F64, GEN_DIMS(3, 4, 2))), 3);
}

static void test_payload(void) {
    fx_payload pl = {0};
    gen_dist_callbacks cb = fx_exp_cb;
    gen_dist *d = gen_dist_custom(&cb, &pl, 1, (gen_array *[]){gen_scalar(1)});
    CHECK(d != NULL);
    gen_dist *m = gen_iid(d, GEN_DIMS(3)); /* holds d */
    gen_dist_retain(m);
    gen_scope_end();
    gen_scope_begin();
    CHECK(pl.frees == 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(m, gen_ones(GEN_F64, GEN_DIMS(3)))), -3, 1e-15);
    gen_dist_release(m);
    CHECK(pl.frees == 1);
    /* failed construction: the payload stays the caller's */
    fx_payload p2 = {0};
    CHECK(gen_dist_custom(&cb, &p2, 5, (gen_array *[]){gen_scalar(1), gen_scalar(1), gen_scalar(1), gen_scalar(1), gen_scalar(1)}) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "myexp: gen_dist_custom: at most 4 parameters, got 5");
    CHECK(p2.frees == 0);
    /* no scope open: the caller releases it */
    gen_scope_end();
    fx_payload p3 = {0};
    gen_array *one = gen_scalar(1);
    gen_dist *c = gen_dist_custom(&cb, &p3, 1, &one);
    gen_array_release(one);
    gen_dist_release(c);
    CHECK(p3.frees == 1);
    gen_scope_begin();
}

static gen_array *bad_null(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)x, (void)n, (void)p;
    return NULL;
}
static gen_array *bad_fail(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)n, (void)p;
    return gen_reshape(x, GEN_DIMS(7)); /* fails with its own error */
}
static gen_array *bad_shape(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)x, (void)n, (void)p;
    return gen_zeros(GEN_F64, GEN_DIMS(3));
}
static gen_array *bad_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n, gen_array *const *p) {
    (void)pl, (void)key, (void)ndim, (void)shape, (void)n, (void)p;
    return gen_zeros(GEN_F64, GEN_DIMS(1));
}
static gen_array *int_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n, gen_array *const *p) {
    (void)pl, (void)key, (void)n, (void)p;
    return gen_full(GEN_F64, ndim, shape, 1); /* f64 for an i64 distribution: cast */
}
static gen_array *bad_enum(void *pl, int n, gen_array *const *p) {
    (void)pl, (void)n, (void)p;
    return gen_zeros(GEN_I64, GEN_DIMS(3, 2));
}

static void test_errors(void) {
    gen_array *two = gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2});
    gen_dist_callbacks cb = {.name = "mydist", .dtype = GEN_F64, .support = GEN_SUPPORT_REAL, .logpdf = bad_null};
    CHECK(gen_dist_custom(NULL, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dist_custom: the callbacks are NULL");
    gen_dist_callbacks nolp = cb;
    nolp.logpdf = NULL;
    CHECK(gen_dist_custom(&nolp, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mydist: gen_dist_custom: the logpdf callback is required");
    gen_dist *d = gen_dist_custom(&cb, NULL, 1, &two);
    CHECK(gen_dist_logpdf(d, gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mydist: logpdf callback returned NULL");
    cb.logpdf = bad_shape;
    d = gen_dist_custom(&cb, NULL, 1, &two);
    CHECK(gen_dist_logpdf(d, gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mydist: logpdf callback returned shape [3], expected [2]");
    cb.logpdf = bad_fail;
    d = gen_dist_custom(&cb, NULL, 1, &two);
    CHECK(gen_dist_logpdf(d, gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mydist: logpdf callback: ");
    /* no sampler: cannot be simulated */
    CHECK(gen_dist_sample(d, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "mydist cannot be simulated");
    cb.sample = bad_sample;
    d = gen_dist_custom(&cb, NULL, 1, &two);
    CHECK(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mydist: sample callback returned shape [1], expected [4,2]");
    gen_dist_callbacks ic = {.name = "ints", .dtype = GEN_I64, .support = GEN_SUPPORT_INTEGER_RANGE,
                             .logpdf = bad_shape, .sample = int_sample, .enumerate = bad_enum};
    gen_dist *id = gen_dist_custom(&ic, NULL, 0, NULL);
    gen_array *s = CHECK_ARR(gen_dist_sample(id, gen_key_new(1), GEN_DIMS(3)));
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK(gen_dist_enumerate(id) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "ints: enumerate callback returned shape [3,2], expected [3]");
    /* argument checks */
    gen_dist_callbacks bad = cb;
    bad.event_ndim = -1;
    CHECK(gen_dist_custom(&bad, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mydist: gen_dist_custom: event_ndim must be in 0..8, got -1");
    bad = cb;
    bad.event_ndim = 1;
    bad.event_shape[0] = -2;
    CHECK(gen_dist_custom(&bad, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mydist");
    bad = cb;
    bad.dtype = (gen_dtype)9;
    CHECK(gen_dist_custom(&bad, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "mydist: gen_dist_custom: invalid dtype 9");
    bad = cb;
    bad.support = (gen_support_kind)99;
    CHECK(gen_dist_custom(&bad, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mydist: gen_dist_custom: invalid support kind 99");
    CHECK(gen_dist_custom(&cb, NULL, 1, (gen_array *[]){NULL}) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mydist: gen_dist_custom: parameter 0 is NULL");
    CHECK(gen_dist_custom(&cb, NULL, 2, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mydist: gen_dist_custom: params is NULL");
    CHECK(gen_dist_custom(&cb, NULL, 2, (gen_array *[]){two, gen_zeros(GEN_F64, GEN_DIMS(3))}) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dist_custom (parameter shapes): mydist: shapes [2] and [3] do not broadcast");
    CHECK(gen_dist_custom(&cb, NULL, -1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "got -1");
    /* no name: "custom" */
    gen_dist_callbacks anon = {.dtype = GEN_F64, .logpdf = bad_shape};
    CHECK(strcmp(gen_dist_name(gen_dist_custom(&anon, NULL, 0, NULL)), "custom") == 0);
}

static void test_support(void) {
    gen_support s;
    gen_dist *d = fx_exponential(gen_scalar(1));
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE && !s.lo && !s.hi);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "exp") == 0);
    gen_dist_callbacks cb = fx_exp_cb;
    cb.support = GEN_SUPPORT_GREATER_THAN;
    CHECK(gen_dist_bijection(gen_dist_custom(&cb, NULL, 1, (gen_array *[]){gen_scalar(1)})) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "myexp: no bijection onto a greater_than support without bounds");
    cb.support = GEN_SUPPORT_CUSTOM;
    CHECK(gen_dist_bijection(gen_dist_custom(&cb, NULL, 1, (gen_array *[]){gen_scalar(1)})) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "myexp: no bijection onto a custom support");
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "myexp has no finite support");
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_event_shape);
    RUN(test_payload);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
