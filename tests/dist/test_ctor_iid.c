/* test_ctor_iid.c — gen_iid and gen_independent: shapes (iid axes after the child's batch
 * axes), logpdf sums against GSL, sampling layout and statistics, gradients (logpdf and
 * reparameterized draws), supports, enumeration and errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "ctor_fixtures.h"
#include "fd.h"
#include "stats.h"

static void test_iid_logpdf(void) {
    gen_dist *d = gen_iid(gen_normal(gen_scalar(0.5), gen_scalar(2)), GEN_DIMS(2, 3));
    CHECK(strcmp(gen_dist_name(d), "iid") == 0);
    CHECK(gen_dist_batch_ndim(d) == 0 && gen_dist_event_ndim(d) == 2);
    CHECK(gen_dist_event_shape(d)[0] == 2 && gen_dist_event_shape(d)[1] == 3);
    gen_array *x = fd_uniform(1, -4, 4, GEN_DIMS(4, 2, 3));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK_SHAPE(lp, 4);
    const double *xd = gen_array_data(x);
    double want[4] = {0};
    for (int i = 0; i < 24; i++) want[i / 6] += log(gsl_ran_gaussian_pdf(xd[i] - 0.5, 2));
    CHECK_ARRAY(lp, want, 4, 1e-12, 0);
    /* a batched child: batch [2], event [3]; value [b, j] ~ Normal(mu_b, s_b) */
    double mu[2] = {-1, 2}, s[2] = {0.5, 3};
    gen_dist *b = gen_iid(gen_normal(gen_array_from_f64(GEN_DIMS(2), mu), gen_array_from_f64(GEN_DIMS(2), s)), GEN_DIMS(3));
    CHECK(gen_dist_batch_ndim(b) == 1 && gen_dist_batch_shape(b)[0] == 2);
    CHECK(gen_dist_event_ndim(b) == 1 && gen_dist_event_shape(b)[0] == 3);
    gen_array *y = fd_uniform(2, -3, 3, GEN_DIMS(5, 2, 3));
    lp = CHECK_ARR(gen_dist_logpdf(b, y));
    CHECK_SHAPE(lp, 5, 2);
    const double *yd = gen_array_data(y);
    double wb[10] = {0};
    for (int i = 0; i < 30; i++) wb[i / 3] += log(gsl_ran_gaussian_pdf(yd[i] - mu[(i / 3) % 2], s[(i / 3) % 2]));
    CHECK_ARRAY(lp, wb, 10, 1e-12, 0);
    /* a value with no leading axes broadcasts against the batch */
    gen_array *y1 = gen_array_from_f64(GEN_DIMS(3), (double[]){0.1, -0.2, 0.3});
    double w1[2] = {0};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++) w1[k] += log(gsl_ran_gaussian_pdf(((const double *)gen_array_data(y1))[j] - mu[k], s[k]));
    CHECK_ARRAY(gen_dist_logpdf(b, y1), w1, 2, 1e-12, 0);
    /* iid of an event-shaped distribution; zero iid axes leave it unchanged */
    gen_dist *ev = gen_iid(gen_iid(gen_normal(gen_scalar(0), gen_scalar(1)), GEN_DIMS(2)), GEN_DIMS(3));
    CHECK(gen_dist_event_ndim(ev) == 2 && gen_dist_event_shape(ev)[0] == 3 && gen_dist_event_shape(ev)[1] == 2);
    gen_array *z = fd_uniform(3, -2, 2, GEN_DIMS(3, 2));
    double wz = 0;
    for (int i = 0; i < 6; i++) wz += log(gsl_ran_gaussian_pdf(((const double *)gen_array_data(z))[i], 1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(ev, z)), wz, 1e-13);
    gen_dist *id = gen_iid(gen_normal(gen_scalar(0), gen_scalar(1)), 0, NULL);
    CHECK(gen_dist_event_ndim(id) == 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(id, gen_scalar(0.7))), log(gsl_ran_gaussian_pdf(0.7, 1)), 1e-14);
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }

static void test_iid_sampling(void) {
    gen_dist *d = gen_iid(gen_normal(gen_scalar(1.5), gen_scalar(0.7)), GEN_DIMS(10));
    CHECK(gen_dist_has_rsample(d));
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(10000));
    CHECK_SHAPE(s, 10000, 10);
    STATS_KS("iid normal", s, normal_cdf, (double[]){1.5, 0.7});
    STATS_MOMENTS("iid normal", s, 1.5, 0.49);
    /* layout: S + batch + iid shape; each batch member has its own parameters */
    double mu[2] = {-5, 5}, sd[2] = {0.5, 2};
    gen_dist *b = gen_iid(gen_normal(gen_array_from_f64(GEN_DIMS(2), mu), gen_array_from_f64(GEN_DIMS(2), sd)), GEN_DIMS(3));
    gen_array *x = gen_dist_sample(b, gen_key_new(2), GEN_DIMS(40000));
    CHECK_SHAPE(x, 40000, 2, 3);
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++) {
            gen_array *col = gen_take(gen_take(x, gen_scalar_i64(k), 1), gen_scalar_i64(j), 1);
            STATS_KS("iid batch column", col, normal_cdf, (double[]){mu[k], sd[k]});
        }
    /* the 3 iid draws of one member are independent */
    gen_array *m0 = gen_take(x, gen_scalar_i64(0), 1);
    gen_array *a = gen_add(gen_take(m0, gen_scalar_i64(0), 1), gen_scalar(5));
    gen_array *c = gen_add(gen_take(m0, gen_scalar_i64(1), 1), gen_scalar(5));
    CHECK_NEAR(check_item(gen_mean(gen_mul(a, c), 0, NULL, false)) / 0.25, 0, 5 / sqrt(40000.0));
}

static gen_array *iid_lp_x(const gen_array *x) {
    return gen_dist_logpdf(gen_iid(gen_normal(gen_array_from_f64(GEN_DIMS(2), (double[]){-1, 2}), gen_scalar(1.3)), GEN_DIMS(3)), x);
}
static gen_array *iid_lp_params(const gen_array *mu, const gen_array *sigma) {
    gen_dist *d = gen_iid(gen_normal(mu, sigma), GEN_DIMS(3));
    return gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.1, -0.5, 1, 2, 1.5, 3}));
}
static gen_array *iid_rsample(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_rsample(gen_iid(gen_normal(mu, sigma), GEN_DIMS(3)), gen_key_new(4), GEN_DIMS(2));
}
static gen_array *ind_lp_params(const gen_array *mu, const gen_array *sigma) {
    gen_dist *d = gen_independent(gen_normal(mu, sigma), 1);
    return gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.1, -0.5, 1, 2, 1.5, 3}));
}
static gen_array *ind_rsample(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_rsample(gen_independent(gen_normal(mu, sigma), 1), gen_key_new(5), GEN_DIMS(3));
}

static void test_gradients(void) {
    FD_CHECK1(iid_lp_x, fd_uniform(6, -2, 2, GEN_DIMS(4, 2, 3)), 1e-7, 1e-9);
    FD_CHECK2(iid_lp_params, fd_uniform(7, -1, 1, GEN_DIMS(2)), fd_uniform(8, 0.5, 2, GEN_DIMS(2)), 1e-7, 1e-9);
    FD_CHECK2(iid_lp_params, gen_scalar(0.3), gen_scalar(1.1), 1e-7, 1e-9);
    FD_CHECK2(iid_rsample, fd_uniform(9, -1, 1, GEN_DIMS(2)), fd_uniform(10, 0.5, 2, GEN_DIMS(2)), 1e-7, 1e-9);
    FD_CHECK2(ind_lp_params, fd_uniform(11, -1, 1, GEN_DIMS(2)), fd_uniform(12, 0.5, 2, GEN_DIMS(1, 2)), 1e-7, 1e-9);
    FD_CHECK2(ind_rsample, fd_uniform(13, -1, 1, GEN_DIMS(2, 2)), fd_uniform(14, 0.5, 2, GEN_DIMS(2)), 1e-7, 1e-9);
}

static void test_independent(void) {
    double mu[6] = {0, 1, 2, -1, -2, 0.5}, sd[6] = {1, 0.5, 2, 1.5, 0.3, 1};
    gen_dist *n = gen_normal(gen_array_from_f64(GEN_DIMS(2, 3), mu), gen_array_from_f64(GEN_DIMS(2, 3), sd));
    gen_dist *d = gen_independent(n, 1);
    CHECK(strcmp(gen_dist_name(d), "independent") == 0);
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 2);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 3);
    gen_array *x = fd_uniform(15, -3, 3, GEN_DIMS(4, 2, 3));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK_SHAPE(lp, 4, 2);
    const double *xd = gen_array_data(x);
    double want[8] = {0};
    for (int i = 0; i < 24; i++) want[i / 3] += log(gsl_ran_gaussian_pdf(xd[i] - mu[i % 6], sd[i % 6]));
    CHECK_ARRAY(lp, want, 8, 1e-12, 0);
    gen_dist *all = gen_independent(n, 2);
    CHECK(gen_dist_batch_ndim(all) == 0 && gen_dist_event_ndim(all) == 2);
    double wa[4] = {0};
    for (int i = 0; i < 4; i++) wa[i] = want[2 * i] + want[2 * i + 1];
    CHECK_ARRAY(gen_dist_logpdf(all, x), wa, 4, 1e-12, 0);
    gen_dist *none = gen_independent(n, 0);
    CHECK(gen_dist_batch_ndim(none) == 2 && gen_dist_event_ndim(none) == 0);
    CHECK_SHAPE(gen_dist_logpdf(none, x), 4, 2, 3);
    /* sampling: same layout as the child */
    gen_array *s = gen_dist_sample(d, gen_key_new(16), GEN_DIMS(20000));
    CHECK_SHAPE(s, 20000, 2, 3);
    for (int i = 0; i < 6; i++) {
        gen_array *col = gen_take(gen_take(s, gen_scalar_i64(i / 3), 1), gen_scalar_i64(i % 3), 1);
        STATS_KS("independent column", col, normal_cdf, (double[]){mu[i], sd[i]});
    }
    CHECK(gen_dist_has_rsample(d));
    CHECK(!gen_dist_has_rsample(gen_independent(fx_exponential(gen_ones(GEN_F64, GEN_DIMS(2))), 1)));
}

static void test_support_enumerate(void) {
    gen_support s;
    gen_dist *e = gen_iid(fx_exponential(gen_scalar(2)), GEN_DIMS(3));
    CHECK_OK(gen_dist_support(e, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(e)), "exp") == 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(e, gen_array_from_f64(GEN_DIMS(3), (double[]){1, -1, 2}))), -INFINITY, 0);
    gen_dist *n = gen_independent(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1)), 1);
    CHECK_OK(gen_dist_support(n, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(n)), "identity") == 0);
    /* an overridden child bijection carries over (transformed: exp after identity) */
    gen_dist *ln = gen_iid(gen_transformed(gen_normal(gen_scalar(0), gen_scalar(1)), gen_bijection_exp()), GEN_DIMS(2));
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(ln)), "compose") == 0);
    /* enumeration: all 3^2 pairs, masses summing to 1 */
    gen_dist *t = gen_iid(fx_trinary(gen_scalar(0.7)), GEN_DIMS(2));
    CHECK(gen_dist_is_discrete(t) && gen_dist_dtype(t) == GEN_I64);
    gen_array *v = CHECK_ARR(gen_dist_enumerate(t));
    CHECK_SHAPE(v, 9, 2);
    CHECK_ARRAY(v, ((double[]){0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2, 2, 0, 2, 1, 2, 2}), 18, 0, 0);
    CHECK_CLOSE(check_item(gen_sum(gen_exp(gen_dist_logpdf(t, v)), 0, NULL, false)), 1, 1e-14);
    gen_dist *ti = gen_independent(fx_trinary(gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 2})), 1);
    v = CHECK_ARR(gen_dist_enumerate(ti));
    CHECK_SHAPE(v, 9, 2);
    CHECK_CLOSE(check_item(gen_sum(gen_exp(gen_dist_logpdf(ti, v)), 0, NULL, false)), 1, 1e-14);
    /* chi-square of one iid position */
    gen_array *x = gen_dist_sample(t, gen_key_new(3), GEN_DIMS(50000));
    double pr[3] = {fx_tri_prob(0.7, 0), fx_tri_prob(0.7, 1), fx_tri_prob(0.7, 2)};
    STATS_CHISQ("iid trinary", x, pr, 3);
    CHECK(gen_dist_enumerate(gen_iid(gen_normal(gen_scalar(0), gen_scalar(1)), GEN_DIMS(2))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "iid has no finite support");
    CHECK(gen_dist_enumerate(gen_iid(fx_trinary(gen_scalar(0.7)), GEN_DIMS(20))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "iid: enumerate: more than");
}

static void test_errors(void) {
    gen_dist *n = gen_normal(gen_scalar(0), gen_scalar(1));
    CHECK(gen_iid(NULL, GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "iid: the distribution is NULL");
    CHECK(gen_iid(n, -1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "iid: -1 iid axes");
    CHECK(gen_iid(n, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "exceed 8 dimensions");
    CHECK(gen_iid(n, GEN_DIMS(2, -3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "iid");
    CHECK(gen_dist_logpdf(gen_iid(n, GEN_DIMS(2)), gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "iid: logpdf: value of shape [3] does not end in the event shape [2]");
    gen_dist *b = gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2, 3)), gen_scalar(1));
    CHECK(gen_independent(NULL, 1) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "independent: the distribution is NULL");
    CHECK(gen_independent(b, 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "independent: nbatch must be in 0..2 (normal has batch shape [2,3]), got 3");
    CHECK(gen_independent(b, -1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "got -1");
    CHECK(gen_dist_sample(gen_iid(n, GEN_DIMS(2, 2, 2, 2)), gen_key_new(1), GEN_DIMS(2, 2, 2, 2, 2)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "9 dimensions");
}

int main(void) {
    RUN(test_iid_logpdf);
    RUN(test_iid_sampling);
    RUN(test_gradients);
    RUN(test_independent);
    RUN(test_support_enumerate);
    RUN(test_errors);
    return check_finish();
}
