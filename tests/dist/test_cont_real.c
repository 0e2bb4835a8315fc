/* test_cont_real.c — location-scale families on the reals sampled by inverse CDF:
 * Laplace, Cauchy, Logistic, Gumbel. Generic checks (test_cont_common.h) against GSL,
 * then the far tails (values from mpmath) and parameter errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "test_cont_common.h"

#define EULER_GAMMA 0.57721566490153286061

static gen_dist *mk_laplace(gen_array *const *p) { return gen_laplace(p[0], p[1]); }
static double ref_laplace(double x, const double *p) { return log(gsl_ran_laplace_pdf(x - p[0], p[1])); }
static double cdf_laplace(double x, const double *p) { return gsl_cdf_laplace_P(x - p[0], p[1]); }

static void test_laplace(void) {
    cont_family f = {"laplace", 2, mk_laplace, ref_laplace, cdf_laplace, {-2, 0.3}, {2, 3}, -5, 5,
                     {0.4, 1.2}, 0.4, 2 * 1.2 * 1.2, GEN_SUPPORT_REAL, "identity", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0.4, -log(2.4)); /* the kink: gradient sign(0) = 0 */
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_laplace(gen_scalar(0), gen_scalar(1)), gen_scalar(-1e300))),
                -1e300, 1e-15);
    CHECK(gen_laplace(gen_scalar(0), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "laplace: scale must be > 0, got 0 at index []");
    CHECK(gen_laplace(gen_scalar(-INFINITY), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "laplace: loc must be finite, got -inf at index []");
}

static gen_dist *mk_cauchy(gen_array *const *p) { return gen_cauchy(p[0], p[1]); }
static double ref_cauchy(double x, const double *p) { return log(gsl_ran_cauchy_pdf(x - p[0], p[1])); }
static double cdf_cauchy(double x, const double *p) { return gsl_cdf_cauchy_P(x - p[0], p[1]); }

static void test_cauchy(void) {
    cont_family f = {"cauchy", 2, mk_cauchy, ref_cauchy, cdf_cauchy, {-2, 0.3}, {2, 3}, -20, 20,
                     {-0.7, 0.6}, NAN, -1, GEN_SUPPORT_REAL, "identity", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY);
    cont_check_point(&f, 1e300, NAN); /* finite, with finite gradients */
    /* far tail (mpmath, 40 digits): -log(pi) - log1p(1e400); z^2 overflows */
    gen_dist *std = gen_cauchy(gen_scalar(0), gen_scalar(1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_scalar(1e200))), -922.17876708346767378, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_scalar(-1e200))), -922.17876708346767378, 1e-14);
    /* both branches of log1p(z^2) near |z| = 1 */
    double want[3] = {log(gsl_ran_cauchy_pdf(0.999, 1)), log(gsl_ran_cauchy_pdf(1, 1)), log(gsl_ran_cauchy_pdf(1.001, 1))};
    CHECK_ARRAY(gen_dist_logpdf(std, gen_array_from_f64(GEN_DIMS(3), (double[]){0.999, 1, 1.001})), want, 3, 1e-14, 0);
    CHECK(gen_cauchy(gen_scalar(0), gen_scalar(-1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cauchy: scale must be > 0, got -1 at index []");
    CHECK(gen_cauchy(gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cauchy: loc must be finite, got nan at index []");
}

static gen_dist *mk_logistic(gen_array *const *p) { return gen_logistic(p[0], p[1]); }
static double ref_logistic(double x, const double *p) { return log(gsl_ran_logistic_pdf(x - p[0], p[1])); }
static double cdf_logistic(double x, const double *p) { return gsl_cdf_logistic_P(x - p[0], p[1]); }

static void test_logistic(void) {
    cont_family f = {"logistic", 2, mk_logistic, ref_logistic, cdf_logistic, {-2, 0.3}, {2, 3}, -8, 8,
                     {0.5, 0.8}, 0.5, CONT_PI * CONT_PI * 0.64 / 3, GEN_SUPPORT_REAL, "identity", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0.5, -log(4 * 0.8)); /* the mode: |z| has a kink, the density does not */
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY);
    /* both tails are exact: -|z| - 2 log1p(e^-|z|) = -|z| to double precision at |z| = 800 */
    gen_dist *std = gen_logistic(gen_scalar(0), gen_scalar(1));
    double want[2] = {-800, -800};
    CHECK_ARRAY(gen_dist_logpdf(std, gen_array_from_f64(GEN_DIMS(2), (double[]){-800, 800})), want, 2, 1e-15, 0);
    CHECK(gen_logistic(gen_scalar(0), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "logistic: scale must be > 0, got 0 at index []");
    CHECK(gen_logistic(gen_scalar(INFINITY), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "logistic: loc must be finite");
}

/* GSL's gumbel1(a, b) has density a b exp(-(b e^(-a x) + a x)): a = 1/scale, b = e^(loc/scale). */
static gen_dist *mk_gumbel(gen_array *const *p) { return gen_gumbel(p[0], p[1]); }
static double ref_gumbel(double x, const double *p) {
    return log(gsl_ran_gumbel1_pdf(x, 1 / p[1], exp(p[0] / p[1])));
}
static double cdf_gumbel(double x, const double *p) { return gsl_cdf_gumbel1_P(x, 1 / p[1], exp(p[0] / p[1])); }

static void test_gumbel(void) {
    double s = 1.2;
    cont_family f = {"gumbel", 2, mk_gumbel, ref_gumbel, cdf_gumbel, {-2, 0.5}, {2, 3}, -2, 8,
                     {0.4, s}, 0.4 + s * EULER_GAMMA, CONT_PI * CONT_PI * s * s / 6, GEN_SUPPORT_REAL, "identity", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY); /* not inf - inf */
    cont_check_point(&f, -1e300, -INFINITY);
    /* the left tail down to e^(-z) = 1.6e308 (mpmath, 40 digits), then -inf */
    gen_dist *std = gen_gumbel(gen_scalar(0), gen_scalar(1));
    double want[4] = {-1.0142320547350045095e+304, -1.6549840276801891431e+308, -INFINITY, -1e300};
    CHECK_ARRAY(gen_dist_logpdf(std, gen_array_from_f64(GEN_DIMS(4), (double[]){-700, -709.7, -710, 1e300})),
                want, 4, 1e-13, 0);
    CHECK(gen_gumbel(gen_scalar(0), gen_scalar(-3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gumbel: scale must be > 0, got -3 at index []");
    CHECK(gen_gumbel(gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gumbel: loc must be finite");
}

int main(void) {
    RUN(test_laplace);
    RUN(test_cauchy);
    RUN(test_logistic);
    RUN(test_gumbel);
    return check_finish();
}
