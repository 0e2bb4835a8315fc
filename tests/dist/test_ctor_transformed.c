/* test_ctor_transformed.c — gen_transformed: lognormal = exp of a normal against GSL,
 * batch shapes from the bijection's parameters, a vector bijection (cumulative sum of
 * exponentials) on a vector-valued base, out-of-image values, sampling (KS against the
 * lognormal CDF), gradients, support, bijection and errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "ctor_fixtures.h"
#include "fd.h"
#include "stats.h"

static gen_dist *lognormal(const gen_array *mu, const gen_array *sigma) {
    return gen_transformed(gen_normal(mu, sigma), gen_bijection_exp());
}

static void test_lognormal_logpdf(void) {
    gen_array *x = fd_uniform(1, 0.01, 8, GEN_DIMS(50)), *mu = fd_uniform(2, -1, 1.5, GEN_DIMS(50));
    gen_array *sigma = fd_uniform(3, 0.2, 2, GEN_DIMS(50));
    gen_dist *d = lognormal(mu, sigma);
    CHECK(strcmp(gen_dist_name(d), "transformed") == 0);
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 50 && gen_dist_event_ndim(d) == 0);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    const double *xd = gen_array_data(x), *md = gen_array_data(mu), *sd = gen_array_data(sigma);
    double want[50];
    for (int i = 0; i < 50; i++) want[i] = log(gsl_ran_lognormal_pdf(xd[i], md[i], sd[i]));
    CHECK_ARRAY(lp, want, 50, 1e-12, 0);
    /* outside the image of exp: -inf, never NaN */
    gen_dist *s = lognormal(gen_scalar(0), gen_scalar(1));
    gen_array *out = gen_dist_logpdf(s, gen_array_from_f64(GEN_DIMS(4), (double[]){-1, 0, INFINITY, NAN}));
    CHECK_ARRAY(out, ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY}), 4, 0, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(s, gen_scalar(1))), -0.91893853320467274178, 1e-15);
    /* broadcasting a value of shape [3, 1] against batch [50] */
    CHECK_SHAPE(gen_dist_logpdf(d, gen_ones(GEN_F64, GEN_DIMS(3, 1))), 3, 50);
}

/* affine(loc[3], scale[3]) on a standard normal: batch [3], Normal(loc, |scale|). */
static void test_parameter_batch(void) {
    gen_array *loc = gen_array_from_f64(GEN_DIMS(3), (double[]){-1, 0, 2});
    gen_array *scale = gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, -2, 3});
    gen_dist *d = gen_transformed(gen_normal(gen_scalar(0), gen_scalar(1)), gen_bijection_affine(loc, scale));
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 3);
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.3, -1, 4, 2, 1, -3});
    gen_array *lp = gen_dist_logpdf(d, x);
    const double *xd = gen_array_data(x), *l = gen_array_data(loc), *sc = gen_array_data(scale);
    double want[6];
    for (int i = 0; i < 6; i++) want[i] = log(gsl_ran_gaussian_pdf(xd[i] - l[i % 3], fabs(sc[i % 3])));
    CHECK_ARRAY(lp, want, 6, 1e-12, 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(4), GEN_DIMS(100000));
    CHECK_SHAPE(s, 100000, 3);
    for (int j = 0; j < 3; j++) {
        gen_array *col = gen_take(s, gen_scalar_i64(j), 1);
        STATS_MOMENTS("affine column", col, l[j], sc[j] * sc[j]);
    }
    /* size-1 base batch expanded by the bijection: the members are drawn independently */
    gen_dist *e = gen_transformed(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(1)), gen_scalar(1)),
                                  gen_bijection_affine(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1)));
    CHECK(gen_dist_batch_ndim(e) == 1 && gen_dist_batch_shape(e)[0] == 2);
    gen_array *p = gen_dist_sample(e, gen_key_new(5), GEN_DIMS(20000));
    CHECK_SHAPE(p, 20000, 2);
    double corr = check_item(gen_mean(gen_mul(gen_take(p, gen_scalar_i64(0), 1), gen_take(p, gen_scalar_i64(1), 1)), 0, NULL, false));
    CHECK_NEAR(corr, 0, 5 / sqrt(20000.0));
}

/* x = cumsum(exp(u)): increasing positive vectors; log|det J| = sum(u). */
static gen_array *ce_fwd(void *p, const gen_array *u) { (void)p; return gen_cumsum(gen_exp(u), -1); }
static gen_array *ce_inv(void *p, const gen_array *x) {
    (void)p;
    int64_t n = gen_array_dim(x, gen_array_ndim(x) - 1);
    gen_array *first = gen_slice(x, -1, 0, 1, 1);
    gen_array *prev = gen_concatenate(2, (gen_array *[]){gen_mul(first, gen_scalar(0)), gen_slice(x, -1, 0, n - 1, 1)}, -1);
    return gen_log(gen_sub(x, prev));
}
static gen_array *ce_logdet(void *p, const gen_array *u) { (void)p; return gen_sum(u, GEN_AXES(-1), false); }
static const gen_bijection_callbacks cumexp_cb = {"cumexp", 1, GEN_SUPPORT_CUSTOM, ce_fwd, ce_inv, ce_logdet, NULL};

static gen_dist *vec_dist(const gen_array *mu, const gen_array *sigma) {
    return gen_transformed(gen_independent(gen_normal(mu, sigma), 1), gen_bijection_custom(&cumexp_cb, NULL));
}

static void test_vector_bijection(void) {
    gen_array *mu = gen_array_from_f64(GEN_DIMS(3), (double[]){0.1, -0.4, 0.7});
    gen_array *sigma = gen_array_from_f64(GEN_DIMS(3), (double[]){1, 0.5, 2});
    gen_dist *d = vec_dist(mu, sigma);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 3 && gen_dist_batch_ndim(d) == 0);
    gen_array *y = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.5, 1.2, 4, 2, 2.5, 2.6});
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, y));
    CHECK_SHAPE(lp, 2);
    const double *yd = gen_array_data(y), *m = gen_array_data(mu), *s = gen_array_data(sigma);
    double want[2];
    for (int r = 0; r < 2; r++) {
        want[r] = 0;
        for (int j = 0; j < 3; j++) {
            double u = log(yd[3 * r + j] - (j ? yd[3 * r + j - 1] : 0));
            want[r] += log(gsl_ran_gaussian_pdf(u - m[j], s[j])) - u;
        }
    }
    CHECK_ARRAY(lp, want, 2, 1e-12, 0);
    /* a decreasing vector is outside the image */
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){1, 0.5, 2}))), -INFINITY, 0);
    gen_array *x = gen_dist_sample(d, gen_key_new(2), GEN_DIMS(7));
    CHECK_SHAPE(x, 7, 3);
    gen_array *inc = gen_all(gen_gt(gen_slice(x, 1, 1, 3, 1), gen_slice(x, 1, 0, 2, 1)), 0, NULL, false);
    CHECK(check_item(inc) == 1);
}

static double lognormal_cdf(double x, const double *p) { return gsl_cdf_lognormal_P(x, p[0], p[1]); }

static void test_sampling(void) {
    gen_dist *d = lognormal(gen_scalar(0.3), gen_scalar(0.6));
    CHECK(gen_dist_has_rsample(d));
    for (uint64_t seed = 0; seed < 2; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_KS("lognormal(0.3, 0.6)", s, lognormal_cdf, (double[]){0.3, 0.6});
        double m = exp(0.3 + 0.18), v = (exp(0.36) - 1) * exp(0.6 + 0.36);
        STATS_MOMENTS("lognormal(0.3, 0.6)", s, m, v);
    }
    /* a base without rsample gives none */
    gen_dist *c = gen_transformed(fx_exponential(gen_scalar(2)), gen_bijection_affine(gen_scalar(1), gen_scalar(3)));
    CHECK(!gen_dist_has_rsample(c));
    gen_array *s = gen_dist_sample(c, gen_key_new(3), GEN_DIMS(1000));
    CHECK(check_item(gen_min(s, 0, NULL, false)) >= 1);
    CHECK(gen_dist_rsample(c, gen_key_new(3), GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "transformed has no reparameterized sampler");
}

static gen_array *lp_y(const gen_array *y) { return gen_dist_logpdf(lognormal(gen_scalar(0.2), gen_scalar(0.8)), y); }
static gen_array *lp_params(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_logpdf(lognormal(mu, sigma), gen_array_from_f64(GEN_DIMS(3), (double[]){0.4, 1.5, 3}));
}
static gen_array *rsample(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_rsample(lognormal(mu, sigma), gen_key_new(9), GEN_DIMS(4));
}
static gen_array *vec_lp_y(const gen_array *y) {
    return gen_dist_logpdf(vec_dist(gen_scalar(0.1), gen_array_from_f64(GEN_DIMS(3), (double[]){1, 0.5, 2})), y);
}
static gen_array *vec_lp_mu(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_logpdf(vec_dist(mu, sigma), gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 1.2, 4}));
}
static gen_array *affine_lp(const gen_array *loc, const gen_array *scale) {
    gen_dist *d = gen_transformed(gen_normal(gen_scalar(0), gen_scalar(1)), gen_bijection_affine(loc, scale));
    return gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){0.3, -1, 4}));
}
static gen_array *grad_outside(const gen_array *y) { return gen_sum(lp_y(y), 0, NULL, false); }

static void test_gradients(void) {
    FD_CHECK1(lp_y, fd_uniform(4, 0.2, 5, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK2(lp_params, fd_uniform(5, -1, 1, GEN_DIMS(3)), fd_uniform(6, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    FD_CHECK2(lp_params, gen_scalar(0.2), gen_scalar(1.3), 1e-7, 1e-9);
    FD_CHECK2(rsample, fd_uniform(7, -1, 1, GEN_DIMS(4)), fd_uniform(8, 0.5, 2, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK1(vec_lp_y, gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.5, 1.2, 4, 2, 2.5, 2.6}), 1e-7, 1e-9);
    FD_CHECK2(vec_lp_mu, fd_uniform(9, -1, 1, GEN_DIMS(3)), fd_uniform(10, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    FD_CHECK2(affine_lp, fd_uniform(11, -1, 1, GEN_DIMS(3)), fd_uniform(12, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    /* outside the image: the gradient is 0, not NaN */
    static fd_fn1 fn = grad_outside;
    gen_array *y = gen_array_from_f64(GEN_DIMS(3), (double[]){-1, 0, 2}), *g = NULL;
    CHECK_OK(gen_grad(fd_closure1(&fn), 1, &y, &g));
    const double *gd = gen_array_data(g);
    CHECK(gd[0] == 0 && gd[1] == 0 && isfinite(gd[2]));
}

static void test_support(void) {
    gen_support s;
    gen_dist *d = lognormal(gen_scalar(0), gen_scalar(1));
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE && !s.lo && !s.hi);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "compose") == 0);
    CHECK_CLOSE(check_item(gen_bijection_forward(b, gen_scalar(0.5))), exp(0.5), 1e-15);
    /* the identity keeps the base's support; a non-real base gives a custom support */
    CHECK_OK(gen_dist_support(gen_transformed(fx_exponential(gen_scalar(1)), gen_bijection_identity()), &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    CHECK_OK(gen_dist_support(gen_transformed(fx_exponential(gen_scalar(1)), gen_bijection_exp()), &s));
    CHECK(s.kind == GEN_SUPPORT_CUSTOM);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "transformed has no finite support");
    /* f32 base stays f32 */
    gen_dist *f = gen_transformed(gen_normal(gen_scalar_f32(0), gen_scalar_f32(1)), gen_bijection_exp());
    CHECK(gen_dist_dtype(f) == GEN_F32);
    gen_array *lp = gen_dist_logpdf(f, gen_scalar_f32(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(gsl_ran_lognormal_pdf(2, 0, 1)), 1e-6);
}

static gen_array *ed2_map(void *p, const gen_array *u) { (void)p; return gen_copy(u); }
static gen_array *ed2_ld(void *p, const gen_array *u) { (void)p; return gen_sum(u, GEN_AXES(-2, -1), false); }

static void test_errors(void) {
    gen_bijection *e = gen_bijection_exp();
    gen_dist *n = gen_normal(gen_scalar(0), gen_scalar(1));
    CHECK(gen_transformed(NULL, e) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "transformed: base is NULL");
    CHECK(gen_transformed(n, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "transformed: the bijection is NULL");
    CHECK(gen_transformed(fx_trinary(gen_scalar(0.5)), e) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "transformed: the base must be continuous, got trinary (discrete)");
    CHECK(gen_transformed(n, gen_bijection_custom(&cumexp_cb, NULL)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "transformed: bijection cumexp acts on vectors but normal has event shape []");
    gen_bijection_callbacks m2 = {"mat", 2, GEN_SUPPORT_CUSTOM, ed2_map, ed2_map, ed2_ld, NULL};
    gen_dist *v = gen_independent(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2, 2)), gen_scalar(1)), 2);
    CHECK(gen_transformed(v, gen_bijection_custom(&m2, NULL)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "transformed: bijection mat acts on events of rank 2");
    /* parameters whose shape does not fit the base's values */
    gen_dist *v3 = gen_independent(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_scalar(1)), 1);
    CHECK(gen_transformed(v3, gen_bijection_affine(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "transformed: applying bijection affine");
    gen_dist *v1 = gen_independent(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(1)), gen_scalar(1)), 1);
    CHECK(gen_transformed(v1, gen_bijection_affine(gen_zeros(GEN_F64, GEN_DIMS(4)), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "transformed: bijection affine maps the base event shape [1] to [4]");
    /* value shapes */
    CHECK(gen_dist_logpdf(vec_dist(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_scalar(1)), gen_zeros(GEN_F64, GEN_DIMS(2))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "transformed: logpdf: value of shape [2] does not end in the event shape [3]");
}

int main(void) {
    RUN(test_lognormal_logpdf);
    RUN(test_parameter_batch);
    RUN(test_vector_bijection);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_support);
    RUN(test_errors);
    return check_finish();
}
