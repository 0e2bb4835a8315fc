/* test_normal.c — Normal(mu, sigma), the reference family: logpdf against GSL and in the
 * tails, batch shapes, sampling (KS, moments), gradients of logpdf and of reparameterized
 * draws against finite differences, parameter and shape errors, the support bijection. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

static void test_logpdf(void) {
    gen_array *x = fd_uniform(1, -5, 5, GEN_DIMS(50)), *mu = fd_uniform(2, -2, 2, GEN_DIMS(50));
    gen_array *sigma = fd_uniform(3, 0.1, 3, GEN_DIMS(50));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_normal(mu, sigma), x));
    const double *xd = gen_array_data(x), *md = gen_array_data(mu), *sd = gen_array_data(sigma);
    double want[50];
    for (int i = 0; i < 50; i++) want[i] = log(gsl_ran_gaussian_pdf(xd[i] - md[i], sd[i]));
    CHECK_ARRAY(lp, want, 50, 1e-12, 0);
    /* the tails: exact where the density underflows */
    gen_dist *std = gen_normal(gen_scalar(0), gen_scalar(1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_scalar(1e13))), -5e25, 1e-15);
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_scalar(INFINITY))), -INFINITY, 0);
}

static void test_shapes(void) {
    gen_dist *d = gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_ones(GEN_F64, GEN_DIMS(2, 1)));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_scalar(0.5)), 2, 3);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "normal");
    CHECK(strcmp(gen_dist_name(d), "normal") == 0);
    CHECK(strcmp(gen_dist_param_name(d, 1), "sigma") == 0);
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }

static void test_sampling(void) {
    gen_dist *d = gen_normal(gen_scalar(1.5), gen_scalar(0.7));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_KS("normal(1.5, 0.7)", s, normal_cdf, (double[]){1.5, 0.7});
        STATS_MOMENTS("normal(1.5, 0.7)", s, 1.5, 0.49);
    }
}

static gen_array *lp_x(const gen_array *x) { return gen_dist_logpdf(gen_normal(gen_scalar(0.3), gen_scalar(1.7)), x); }
static gen_array *lp_params(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_logpdf(gen_normal(mu, sigma), gen_array_from_f64(GEN_DIMS(3), (double[]){-1, 0.5, 2}));
}
static gen_array *rsample(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_rsample(gen_normal(mu, sigma), gen_key_new(9), GEN_DIMS(5));
}

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(4, -3, 3, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK2(lp_params, fd_uniform(5, -1, 1, GEN_DIMS(3)), fd_uniform(6, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    FD_CHECK2(lp_params, gen_scalar(0.2), gen_scalar(1.3), 1e-7, 1e-9); /* broadcast parameters */
    FD_CHECK2(rsample, fd_uniform(7, -1, 1, GEN_DIMS(5)), fd_uniform(8, 0.5, 2, GEN_DIMS(5)), 1e-7, 1e-9);
    CHECK(gen_dist_has_rsample(gen_normal(gen_scalar(0), gen_scalar(1))));
}

static void test_errors(void) {
    CHECK(gen_normal(gen_scalar(0), gen_array_from_f64(GEN_DIMS(3), (double[]){1, -1, 2})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "normal: sigma must be > 0, got -1 at index [1]");
    CHECK(gen_normal(gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "normal: mu must be finite");
    CHECK(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "normal: shapes [2] and [3] do not broadcast");
    CHECK(gen_normal(NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "normal: parameter mu is NULL");
    CHECK(gen_dist_enumerate(gen_normal(gen_scalar(0), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "normal has no finite support");
}

static void test_support(void) {
    gen_dist *d = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "identity") == 0);
}

/* The scalar kernels (used when everything is an f64 scalar and no transform runs) give
 * exactly what the array path gives (forced here by running under gen_jvp / rsample). */
static gen_status lp_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_normal(in[0], in[1]), in[2]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_scalar_kernels(void) {
    for (int i = 0; i < 200; i++) {
        double mu = 4 * (i % 7) - 12.5 + 0.37 * i, sigma = 0.01 + 0.73 * (i % 11), x = -30 + 0.31 * i;
        gen_array *in[3] = {gen_scalar(mu), gen_scalar(sigma), gen_scalar(x)}, *out, *t;
        double fast = check_item(gen_dist_logpdf(gen_normal(in[0], in[1]), in[2]));
        CHECK_OK(gen_jvp((gen_closure){lp_closure, NULL}, 3, in, NULL, 1, &out, &t));
        CHECK(fast == check_item(out));
        gen_dist *d = gen_normal(in[0], in[1]);
        CHECK(check_item(gen_dist_sample(d, gen_key_new((uint64_t)i), 0, NULL)) ==
              check_item(gen_dist_rsample(d, gen_key_new((uint64_t)i), 0, NULL)));
    }
}

/* The fused array kernel (no transform, f64, each argument one value or full-shaped)
 * gives exactly what the array path gives, element by element. */
static void test_fused_kernel(void) {
    gen_array *x = fd_uniform(1, -30, 30, GEN_DIMS(40)), *mu = fd_uniform(2, -5, 5, GEN_DIMS(40));
    gen_array *sd = fd_uniform(3, 0.01, 8, GEN_DIMS(40));
    gen_array *cases[4][3] = {{x, mu, sd}, {x, gen_scalar(0.3), gen_scalar(2)},
                              {gen_scalar(1.5), mu, gen_scalar(0.7)}, {x, mu, gen_scalar(1e-3)}};
    for (int k = 0; k < 4; k++) {
        gen_array *out = NULL, *t = NULL;
        gen_array *fast = gen_dist_logpdf(gen_normal(cases[k][1], cases[k][2]), cases[k][0]);
        CHECK_OK(gen_jvp((gen_closure){lp_closure, NULL}, 3, (gen_array *[]){cases[k][1], cases[k][2], cases[k][0]}, NULL, 1, &out, &t));
        CHECK_SHAPE(fast, 40);
        if (fast && out) CHECK_ARRAY(fast, (const double *)gen_array_data(out), 40, 0, 0);
    }
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    RUN(test_scalar_kernels);
    RUN(test_fused_kernel);
    return check_finish();
}
