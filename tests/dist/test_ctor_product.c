/* test_ctor_product.c — gen_product: stacked values, summed logpdf against GSL (batched
 * and event-shaped components), dtype promotion with a discrete component, sampling per
 * slot, gradients, supports, enumeration and errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "ctor_fixtures.h"
#include "fd.h"
#include "stats.h"

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double exp_cdf(double x, const double *p) { return x > 0 ? -expm1(-p[0] * x) : 0; }

static void test_logpdf(void) {
    gen_dist *c[2] = {gen_normal(gen_scalar(0), gen_scalar(1)), gen_normal(gen_scalar(1), gen_scalar(2))};
    gen_dist *d = gen_product(2, c);
    CHECK(strcmp(gen_dist_name(d), "product") == 0);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 2 && gen_dist_batch_ndim(d) == 0);
    gen_array *x = fd_uniform(1, -3, 3, GEN_DIMS(5, 2));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK_SHAPE(lp, 5);
    const double *xd = gen_array_data(x);
    double want[5];
    for (int i = 0; i < 5; i++)
        want[i] = log(gsl_ran_gaussian_pdf(xd[2 * i], 1)) + log(gsl_ran_gaussian_pdf(xd[2 * i + 1] - 1, 2));
    CHECK_ARRAY(lp, want, 5, 1e-12, 0);
    /* batched: batch = broadcast of [3] and [] */
    double mu[3] = {-1, 0, 2};
    gen_dist *b = gen_product(2, (gen_dist *[]){gen_normal(gen_array_from_f64(GEN_DIMS(3), mu), gen_scalar(1)),
                                                fx_exponential(gen_scalar(2))});
    CHECK(gen_dist_batch_ndim(b) == 1 && gen_dist_batch_shape(b)[0] == 3);
    gen_array *y = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.5, 1, -1, 0.2, 2, -0.1});
    const double *yd = gen_array_data(y);
    double wb[3];
    for (int i = 0; i < 3; i++)
        wb[i] = log(gsl_ran_gaussian_pdf(yd[2 * i] - mu[i], 1)) +
                (yd[2 * i + 1] >= 0 ? log(gsl_ran_exponential_pdf(yd[2 * i + 1], 0.5)) : -INFINITY);
    CHECK_ARRAY(gen_dist_logpdf(b, y), wb, 3, 1e-12, 0);
    /* event-shaped components: value [3, 2] */
    gen_dist *v = gen_product(3, (gen_dist *[]){gen_iid(c[0], GEN_DIMS(2)), gen_iid(c[1], GEN_DIMS(2)), gen_iid(c[0], GEN_DIMS(2))});
    CHECK(gen_dist_event_ndim(v) == 2 && gen_dist_event_shape(v)[0] == 3 && gen_dist_event_shape(v)[1] == 2);
    gen_array *z = fd_uniform(2, -2, 2, GEN_DIMS(3, 2));
    const double *zd = gen_array_data(z);
    double wz = 0;
    for (int i = 0; i < 6; i++) wz += i / 2 == 1 ? log(gsl_ran_gaussian_pdf(zd[i] - 1, 2)) : log(gsl_ran_gaussian_pdf(zd[i], 1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(v, z)), wz, 1e-13);
    CHECK_SHAPE(gen_dist_sample(v, gen_key_new(1), GEN_DIMS(4)), 4, 3, 2);
}

static void test_mixed_dtypes(void) {
    gen_dist *d = gen_product(2, (gen_dist *[]){gen_normal(gen_scalar(0.5), gen_scalar(1)), fx_trinary(gen_scalar(2))});
    CHECK(gen_dist_dtype(d) == GEN_F64 && !gen_dist_is_discrete(d));
    gen_array *s = gen_dist_sample(d, gen_key_new(2), GEN_DIMS(100000));
    CHECK(gen_array_dtype(s) == GEN_F64);
    CHECK_SHAPE(s, 100000, 2);
    STATS_KS("product slot 0", gen_take(s, gen_scalar_i64(0), 1), normal_cdf, (double[]){0.5, 1});
    gen_array *k = gen_cast(gen_take(s, gen_scalar_i64(1), 1), GEN_I64);
    double pr[3] = {fx_tri_prob(2, 0), fx_tri_prob(2, 1), fx_tri_prob(2, 2)};
    STATS_CHISQ("product slot 1", k, pr, 3);
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.1, 0, 1, 2, 1, 1.5});
    double want[3] = {log(gsl_ran_gaussian_pdf(-0.4, 1)) + log(pr[0]), log(gsl_ran_gaussian_pdf(0.5, 1)) + log(pr[2]),
                      -INFINITY};
    CHECK_ARRAY(gen_dist_logpdf(d, x), want, 3, 1e-12, 0);
    gen_support sp;
    CHECK_OK(gen_dist_support(d, &sp));
    CHECK(sp.kind == GEN_SUPPORT_CUSTOM);
    CHECK(!gen_dist_has_rsample(d));
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "product has no finite support");
    /* all discrete: enumerable, discrete i64 */
    gen_dist *t = gen_product(2, (gen_dist *[]){fx_trinary(gen_scalar(0.5)), fx_trinary(gen_scalar(3))});
    CHECK(gen_dist_is_discrete(t) && gen_dist_dtype(t) == GEN_I64);
    gen_array *v = CHECK_ARR(gen_dist_enumerate(t));
    CHECK_SHAPE(v, 9, 2);
    CHECK_CLOSE(check_item(gen_sum(gen_exp(gen_dist_logpdf(t, v)), 0, NULL, false)), 1, 1e-14);
    CHECK_OK(gen_dist_support(t, &sp));
    CHECK(sp.kind == GEN_SUPPORT_INTEGER_RANGE);
}

static void test_sampling(void) {
    gen_dist *d = gen_product(2, (gen_dist *[]){gen_normal(gen_scalar(-1), gen_scalar(0.5)), fx_exponential(gen_scalar(3))});
    gen_array *s = gen_dist_sample(d, gen_key_new(3), GEN_DIMS(100000));
    STATS_KS("slot 0", gen_take(s, gen_scalar_i64(0), 1), normal_cdf, (double[]){-1, 0.5});
    STATS_KS("slot 1", gen_take(s, gen_scalar_i64(1), 1), exp_cdf, (double[]){3});
    /* slots are independent even for identical components */
    gen_dist *n = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *p = gen_dist_sample(gen_product(2, (gen_dist *[]){n, n}), gen_key_new(4), GEN_DIMS(50000));
    double corr = check_item(gen_mean(gen_mul(gen_take(p, gen_scalar_i64(0), 1), gen_take(p, gen_scalar_i64(1), 1)), 0, NULL, false));
    CHECK_NEAR(corr, 0, 5 / sqrt(50000.0));
    /* batch [2] from a component of batch [1, ...]: expanded members drawn independently */
    gen_dist *b = gen_product(2, (gen_dist *[]){gen_normal(gen_zeros(GEN_F64, GEN_DIMS(1)), gen_scalar(1)),
                                                gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1))});
    gen_array *q = gen_dist_sample(b, gen_key_new(5), GEN_DIMS(50000));
    CHECK_SHAPE(q, 50000, 2, 2);
    gen_array *slot0 = gen_take(q, gen_scalar_i64(0), 2);
    corr = check_item(gen_mean(gen_mul(gen_take(slot0, gen_scalar_i64(0), 1), gen_take(slot0, gen_scalar_i64(1), 1)), 0, NULL, false));
    CHECK_NEAR(corr, 0, 5 / sqrt(50000.0));
}

static gen_status lp3(void *pl, int n, gen_array *const *in, int n_out, gen_array **out) {
    (void)pl, (void)n, (void)n_out;
    gen_dist *d = gen_product(2, (gen_dist *[]){gen_normal(in[1], in[2]), gen_normal(gen_scalar(0.3), in[2])});
    out[0] = gen_dist_logpdf(d, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_array *rs(const gen_array *mu, const gen_array *sigma) {
    gen_dist *d = gen_product(2, (gen_dist *[]){gen_normal(mu, sigma), gen_normal(sigma, gen_scalar(1))});
    return gen_dist_rsample(d, gen_key_new(6), GEN_DIMS(3));
}

static void test_gradients(void) {
    gen_array *in[3] = {fd_uniform(7, -2, 2, GEN_DIMS(4, 3, 2)), fd_uniform(8, -1, 1, GEN_DIMS(3)),
                        fd_uniform(9, 0.5, 2, GEN_DIMS(3))};
    FD_CHECK("product logpdf (x, mu, sigma)", ((gen_closure){lp3, NULL}), 3, in, 1, 1e-7, 1e-9);
    FD_CHECK2(rs, fd_uniform(10, -1, 1, GEN_DIMS(2)), fd_uniform(11, 0.5, 2, GEN_DIMS(2)), 1e-7, 1e-9);
    CHECK(gen_dist_has_rsample(gen_product(1, (gen_dist *[]){gen_normal(gen_scalar(0), gen_scalar(1))})));
}

static void test_support_errors(void) {
    gen_support s;
    gen_dist *n = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_dist *d = gen_product(2, (gen_dist *[]){n, n});
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "identity") == 0);
    gen_dist *e = gen_product(2, (gen_dist *[]){fx_exponential(gen_scalar(1)), fx_exponential(gen_scalar(2))});
    CHECK_OK(gen_dist_support(e, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    CHECK(gen_product(0, (gen_dist *[]){n}) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "product: needs at least one component, got 0");
    CHECK(gen_product(2, (gen_dist *[]){n, NULL}) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "product: component 1 is NULL");
    CHECK(gen_product(2, (gen_dist *[]){n, gen_iid(n, GEN_DIMS(3))}) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "product: component 1 (iid) has event shape [3], component 0 (normal) has []");
    CHECK(gen_product(2, (gen_dist *[]){gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1)),
                                        gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_scalar(1))}) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "product: batch shapes (components 0..1)");
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "product: logpdf: value of shape [3] does not end in the event shape [2]");
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_mixed_dtypes);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_support_errors);
    return check_finish();
}
