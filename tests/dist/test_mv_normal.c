/* test_mv_normal.c — MvNormal(mean, cov) and MvNormal(mean, chol): logpdf against GSL,
 * batch broadcasting, sampling (marginal KS, means and covariances), gradients of logpdf
 * (x, mean, cov through A A^T + n I, chol) and of reparameterized draws, parameter
 * errors naming the bad matrix, f32. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "stats.h"
#include "test_mv_util.h"

/* GSL's log density at x for mean mu and covariance cov (n x n, row-major). */
static double gsl_mvn(const double *x, const double *mu, const double *cov, size_t n) {
    gsl_matrix *l = gsl_matrix_alloc(n, n);
    gsl_vector *work = gsl_vector_alloc(n);
    memcpy(l->data, cov, n * n * sizeof *cov);
    gsl_linalg_cholesky_decomp1(l);
    gsl_vector_const_view xv = gsl_vector_const_view_array(x, n), mv = gsl_vector_const_view_array(mu, n);
    double r;
    gsl_ran_multivariate_gaussian_log_pdf(&xv.vector, &mv.vector, l, &r, work);
    gsl_matrix_free(l);
    gsl_vector_free(work);
    return r;
}

static void test_logpdf(void) {
    /* 6 batch members, n = 3; x has an extra leading axis of 2 */
    gen_array *cov = mv_spd_from(fd_uniform(1, -1, 1, GEN_DIMS(6, 3, 3)));
    gen_array *mean = fd_uniform(2, -2, 2, GEN_DIMS(6, 3)), *x = fd_uniform(3, -4, 4, GEN_DIMS(2, 6, 3));
    gen_dist *d = gen_mvnormal(mean, cov);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK_SHAPE(lp, 2, 6);
    const double *cd = gen_array_data(cov), *md = gen_array_data(mean), *xd = gen_array_data(x);
    double want[12];
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < 6; b++) want[s * 6 + b] = gsl_mvn(xd + (s * 6 + b) * 3, md + b * 3, cd + b * 9, 3);
    CHECK_ARRAY(lp, want, 12, 1e-12, 0);
    /* the same through the factor */
    gen_array *lp2 = CHECK_ARR(gen_dist_logpdf(gen_mvnormal_chol(mean, gen_cholesky(cov)), x));
    CHECK_ARRAY(lp2, want, 12, 1e-12, 0);
    /* far out: the quadratic form is exact, no overflow */
    gen_dist *std = gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_eye(2, GEN_F64));
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_array_from_f64(GEN_DIMS(2), (double[]){1e150, 0}))),
                -0.5e300, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_array_from_f64(GEN_DIMS(2), (double[]){INFINITY, 0}))),
                -INFINITY, 0);
    /* n = 1 equals the scalar normal */
    gen_dist *one = gen_mvnormal(gen_array_from_f64(GEN_DIMS(1), (double[]){0.5}),
                                 gen_array_from_f64(GEN_DIMS(1, 1), (double[]){4}));
    CHECK_CLOSE(check_item(gen_dist_logpdf(one, gen_array_from_f64(GEN_DIMS(1), (double[]){1.5}))),
                log(gsl_ran_gaussian_pdf(1.0, 2.0)), 1e-13);
}

static void test_shapes(void) {
    gen_array *cov = mv_spd_from(fd_uniform(4, -1, 1, GEN_DIMS(4, 3, 3)));
    gen_dist *d = gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(2, 1, 3)), cov);
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_batch_shape(d)[0] == 2 && gen_dist_batch_shape(d)[1] == 4);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 3);
    CHECK(gen_dist_num_params(d) == 2 && strcmp(gen_dist_param_name(d, 1), "cov") == 0);
    gen_array *s = CHECK_ARR(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(5)));
    CHECK_SHAPE(s, 5, 2, 4, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 5, 2, 4);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(3))), 2, 4); /* x broadcast */
    CHECK_SHAPE(gen_dist_logpdf(d, gen_zeros(GEN_I64, GEN_DIMS(4, 3))), 2, 4);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "does not end in the event shape [3]");
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(3, 3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal");
    /* single matrix, batched mean; the 1 x 1 batch member with an empty sample shape */
    gen_dist *e = gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(1, 1)), gen_ones(GEN_F64, GEN_DIMS(1, 1, 1)));
    CHECK_SHAPE(gen_dist_logpdf(e, gen_zeros(GEN_F64, GEN_DIMS(1))), 1);
    CHECK_SHAPE(gen_dist_sample(e, gen_key_new(2), 0, NULL), 1, 1);
    /* an empty batch */
    gen_dist *z = gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(0, 2)), gen_eye(2, GEN_F64));
    CHECK_SHAPE(gen_dist_sample(z, gen_key_new(3), GEN_DIMS(2)), 2, 0, 2);
    CHECK_SHAPE(gen_dist_logpdf(z, gen_zeros(GEN_F64, GEN_DIMS(2))), 0);
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }

static void test_sampling(void) {
    const double m[3] = {1, -2, 0.5}, c[9] = {2, 0.6, -0.4, 0.6, 1, 0.3, -0.4, 0.3, 0.5};
    gen_array *mean = gen_array_from_f64(GEN_DIMS(3), m), *cov = gen_array_from_f64(GEN_DIMS(3, 3), c);
    gen_dist *ds[2] = {gen_mvnormal(mean, cov), gen_mvnormal_chol(mean, gen_cholesky(cov))};
    for (int k = 0; k < 2; k++) {
        gen_array *s = CHECK_ARR(gen_dist_sample(ds[k], gen_key_new(10 + (uint64_t)k), GEN_DIMS(100000)));
        for (int i = 0; i < 3; i++) {
            gen_array *col = mv_column(s, i, 3);
            STATS_KS("mvnormal marginal", col, normal_cdf, (double[]){m[i], sqrt(c[i * 4])});
            STATS_MOMENTS("mvnormal marginal", col, m[i], c[i * 4]);
            for (int j = 0; j <= i; j++)
                STATS_MOMENTS("mvnormal covariance", mv_cross(s, i, j, 3, m[i], m[j]), c[i * 3 + j],
                              c[i * 4] * c[j * 4] + c[i * 3 + j] * c[i * 3 + j]);
        }
    }
    /* draws are a function of the key: rsample equals sample */
    gen_array *a = gen_dist_sample(ds[0], gen_key_new(5), GEN_DIMS(4)), *b = gen_dist_rsample(ds[0], gen_key_new(5), GEN_DIMS(4));
    CHECK_ARRAY(a, gen_array_data(b), 12, 0, 0);
}

/* in: x [2, 3], mean [3], A [3, 3] (cov = A A^T + 3 I) */
static gen_status lp_cov(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_logpdf(gen_mvnormal(in[1], mv_spd_from(in[2])), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
/* batched: mean [2, 3] and A [4, 1, 3, 3], x [3] */
static gen_status lp_batch(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_logpdf(gen_mvnormal(in[1], mv_spd_from(in[2])), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
/* chol = tril(B) + 2 I */
static gen_array *chol_from(const gen_array *b) {
    int64_t n = gen_array_dim(b, -1);
    double *t = calloc((size_t)(n * n), sizeof *t);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++) t[i * n + j] = 1;
    gen_array *tri = gen_array_from_f64(GEN_DIMS(n, n), t);
    free(t);
    return gen_add(gen_mul(b, tri), gen_mul(gen_eye(n, GEN_F64), gen_scalar(2)));
}
static gen_status lp_chol(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_logpdf(gen_mvnormal_chol(in[1], chol_from(in[2])), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status rs_cov(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_rsample(gen_mvnormal(in[0], mv_spd_from(in[1])), gen_key_new(7), GEN_DIMS(4));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status rs_chol(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_rsample(gen_mvnormal_chol(in[0], chol_from(in[1])), gen_key_new(8), GEN_DIMS(2));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    gen_array *in[3] = {fd_uniform(20, -2, 2, GEN_DIMS(2, 3)), fd_uniform(21, -1, 1, GEN_DIMS(3)),
                        fd_uniform(22, -1, 1, GEN_DIMS(3, 3))};
    FD_CHECK("mvnormal logpdf (x, mean, cov)", ((gen_closure){lp_cov, NULL}), 3, in, 1, 1e-6, 1e-8);
    gen_array *inb[3] = {fd_uniform(23, -2, 2, GEN_DIMS(3)), fd_uniform(24, -1, 1, GEN_DIMS(2, 3)),
                         fd_uniform(25, -1, 1, GEN_DIMS(4, 1, 3, 3))};
    FD_CHECK("mvnormal logpdf, batched", ((gen_closure){lp_batch, NULL}), 3, inb, 1, 1e-6, 1e-8);
    gen_array *inc[3] = {fd_uniform(26, -2, 2, GEN_DIMS(2, 3)), fd_uniform(27, -1, 1, GEN_DIMS(2, 3)),
                         fd_uniform(28, -0.5, 0.5, GEN_DIMS(3, 3))};
    FD_CHECK("mvnormal_chol logpdf", ((gen_closure){lp_chol, NULL}), 3, inc, 1, 1e-6, 1e-8);
    gen_array *inr[2] = {fd_uniform(29, -1, 1, GEN_DIMS(3)), fd_uniform(30, -1, 1, GEN_DIMS(3, 3))};
    FD_CHECK("mvnormal rsample", ((gen_closure){rs_cov, NULL}), 2, inr, 1, 1e-6, 1e-8);
    gen_array *inr2[2] = {fd_uniform(31, -1, 1, GEN_DIMS(2, 3)), fd_uniform(32, -0.5, 0.5, GEN_DIMS(3, 3))};
    FD_CHECK("mvnormal_chol rsample", ((gen_closure){rs_chol, NULL}), 2, inr2, 1, 1e-6, 1e-8);
}

static void test_errors(void) {
    gen_array *m2 = gen_zeros(GEN_F64, GEN_DIMS(2));
    CHECK(gen_mvnormal(m2, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 2, 2, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal: cov must be positive definite, but its leading 2 x 2 minor is not");
    gen_array *bad = gen_array_from_f64(GEN_DIMS(2, 2, 2), (double[]){1, 0, 0, 1, 1, 0.5, 0.4, 1});
    CHECK(gen_mvnormal(m2, bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal: cov must be symmetric, got 0.5 at [0,1] and 0.4 at [1,0] (matrix at batch index [1])");
    CHECK(gen_mvnormal(m2, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, 0, NAN})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal: cov must be finite, got nan at [1,1]");
    CHECK(gen_mvnormal(m2, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, 0, -1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "positive definite, but its leading 2 x 2 minor is not");
    CHECK(gen_mvnormal(gen_array_from_f64(GEN_DIMS(2), (double[]){0, INFINITY}), gen_eye(2, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal: mean must be finite, got inf at index [1]");
    CHECK(gen_mvnormal(gen_scalar(0), gen_eye(2, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal: mean must have at least 1 dimension, got shape []");
    CHECK(gen_mvnormal(m2, gen_ones(GEN_F64, GEN_DIMS(2, 3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal: cov must be square, got shape [2,3]");
    CHECK(gen_mvnormal(m2, gen_eye(3, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal: mean of shape [2] and cov of shape [3,3] disagree on n");
    CHECK(gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(3, 2)), gen_ones(GEN_F64, GEN_DIMS(4, 1, 1)) ) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal");
    CHECK(gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(3, 2)), mv_spd_from(gen_ones(GEN_F64, GEN_DIMS(4, 2, 2)))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mvnormal: shapes [3] and [4] do not broadcast");
    CHECK(gen_mvnormal(NULL, gen_eye(2, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mvnormal: parameter mean is NULL");
    CHECK(gen_mvnormal_chol(m2, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0.5, 0, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal_chol: chol must be lower triangular, got 0.5 at [0,1]");
    CHECK(gen_mvnormal_chol(m2, gen_array_from_f64(GEN_DIMS(3, 2, 2), (double[]){1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0.2, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal_chol: chol must have a positive finite diagonal, got 0 at [1,1] (matrix at batch index [2])");
    CHECK(gen_mvnormal_chol(m2, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, NAN, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvnormal_chol: chol must be finite, got nan at [1,0]");
    CHECK(gen_dist_enumerate(gen_mvnormal(m2, gen_eye(2, GEN_F64))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "mvnormal has no finite support");
}

static void test_support_and_f32(void) {
    gen_dist *d = gen_mvnormal(gen_zeros(GEN_F32, GEN_DIMS(2)), gen_cast(gen_eye(2, GEN_F64), GEN_F32));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "identity") == 0);
    CHECK(gen_dist_dtype(d) == GEN_F32 && gen_dist_has_rsample(d));
    gen_array *x = gen_array_from(GEN_F32, GEN_DIMS(2), (float[]){0.5f, -1});
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), -0.625 - log(2 * M_PI), 1e-6);
    CHECK(gen_array_dtype(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(3))) == GEN_F32);
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support_and_f32);
    return check_finish();
}
