/* test_cont_positive.c — Uniform and the families on [0, inf) or [x_m, inf) sampled by
 * inverse CDF or |normal|: Exponential, LogNormal, Weibull, Pareto, HalfNormal,
 * HalfCauchy. Generic checks (test_cont_common.h) against GSL, then each family's edges
 * (the support's boundary, the tails, out-of-support values) and parameter errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "test_cont_common.h"

#define LOG_2_OVER_PI -0.45158270528945486473
#define HALF_LOG_2_OVER_PI -0.22579135264472743236

/* ---- uniform ---- */

static gen_dist *mk_uniform(gen_array *const *p) { return gen_uniform(p[0], p[1]); }
static double ref_uniform(double x, const double *p) { return log(gsl_ran_flat_pdf(x, p[0], p[1])); }
static double cdf_uniform(double x, const double *p) { return gsl_cdf_flat_P(x, p[0], p[1]); }

static void test_uniform(void) {
    cont_family f = {"uniform", 2, mk_uniform, ref_uniform, cdf_uniform, {-2, 1}, {-1, 2}, -0.4, 1,
                     {-0.5, 2.5}, 1.0, 9.0 / 12, GEN_SUPPORT_INTERVAL, "interval", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, -0.5, -log(3.0)); /* both ends are included */
    cont_check_point(&f, 2.5, -log(3.0));
    cont_check_point(&f, 2.6, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY);
    CHECK(check_item(gen_dist_logpdf(cont_make_scalars(&f, f.p, GEN_F64), gen_scalar(NAN))) == -INFINITY);
    /* i64 values are accepted */
    CHECK_CLOSE(check_item(gen_dist_logpdf(cont_make_scalars(&f, f.p, GEN_F64), gen_scalar_i64(1))), -log(3.0), 1e-15);
    gen_support s;
    gen_dist *d = gen_uniform(gen_scalar(-1), gen_array_from_f64(GEN_DIMS(2), (double[]){1, 3}));
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.lo && s.hi && check_item(s.lo) == -1 && gen_array_size(s.hi) == 2);
    CHECK(gen_uniform(gen_scalar(1), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform: lo must be < hi, got 1 and 1");
    CHECK(gen_uniform(gen_scalar(0), gen_scalar(INFINITY)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform: hi must be finite, got inf at index []");
    CHECK(gen_uniform(gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform: lo must be finite");
    CHECK(gen_uniform(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "uniform: shapes [2] and [3] do not broadcast");
}

/* ---- exponential ---- */

static gen_dist *mk_exponential(gen_array *const *p) { return gen_exponential(p[0]); }
static double ref_exponential(double x, const double *p) { return log(gsl_ran_exponential_pdf(x, 1 / p[0])); }
static double cdf_exponential(double x, const double *p) { return gsl_cdf_exponential_P(x, 1 / p[0]); }

static void test_exponential(void) {
    cont_family f = {"exponential", 1, mk_exponential, ref_exponential, cdf_exponential, {0.2}, {4},
                     0.01, 5, {1.7}, 1 / 1.7, 1 / (1.7 * 1.7), GEN_SUPPORT_POSITIVE, "exp", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, log(1.7)); /* the density's limit at 0 */
    cont_check_point(&f, -1e-300, -INFINITY);
    cont_check_point(&f, 1e300, -1.7e300);
    cont_check_point(&f, INFINITY, -INFINITY);
    CHECK(gen_exponential(gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "exponential: rate must be > 0, got 0 at index [1]");
    CHECK(gen_exponential(gen_scalar(INFINITY)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "exponential: rate must be finite, got inf");
}

/* ---- lognormal ---- */

static gen_dist *mk_lognormal(gen_array *const *p) { return gen_lognormal(p[0], p[1]); }
static double ref_lognormal(double x, const double *p) { return log(gsl_ran_lognormal_pdf(x, p[0], p[1])); }
static double cdf_lognormal(double x, const double *p) { return gsl_cdf_lognormal_P(x, p[0], p[1]); }

static void test_lognormal(void) {
    double mu = 0.3, s = 0.5;
    cont_family f = {"lognormal", 2, mk_lognormal, ref_lognormal, cdf_lognormal, {-1, 0.3}, {1, 2},
                     0.05, 6, {mu, s}, exp(mu + s * s / 2), (exp(s * s) - 1) * exp(2 * mu + s * s),
                     GEN_SUPPORT_POSITIVE, "exp", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY);
    cont_check_point(&f, -2, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    /* far tail (mpmath, 40 digits): -(log 1e300)^2/2 - log 1e300 - log(2 pi)/2 */
    gen_dist *std = gen_lognormal(gen_scalar(0), gen_scalar(1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(std, gen_scalar(1e300))), -239277.10943795932885, 1e-14);
    CHECK(gen_lognormal(gen_scalar(0), gen_scalar(-1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lognormal: sigma must be > 0, got -1 at index []");
    CHECK(gen_lognormal(gen_scalar(INFINITY), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lognormal: mu must be finite");
}

/* ---- weibull (GSL's weibull(a = scale, b = shape)) ---- */

static gen_dist *mk_weibull(gen_array *const *p) { return gen_weibull(p[0], p[1]); }
static double ref_weibull(double x, const double *p) { return log(gsl_ran_weibull_pdf(x, p[1], p[0])); }
static double cdf_weibull(double x, const double *p) { return gsl_cdf_weibull_P(x, p[1], p[0]); }

static void test_weibull(void) {
    double k = 1.7, l = 1.3, g1 = tgamma(1 + 1 / k), g2 = tgamma(1 + 2 / k);
    cont_family f = {"weibull", 2, mk_weibull, ref_weibull, cdf_weibull, {0.3, 0.5}, {4, 3},
                     0.05, 3, {k, l}, l * g1, l * l * (g2 - g1 * g1), GEN_SUPPORT_POSITIVE, "exp", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY); /* shape > 1: the density vanishes at 0 */
    cont_check_point(&f, -1, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, 1e300, -INFINITY); /* (x/l)^k overflows: the true value is below -DBL_MAX */
    f.p[0] = 1; /* shape 1: Exponential(1/l), density 1/l at 0 */
    cont_check_point(&f, 0, -log(l));
    f.p[0] = 0.5; /* shape < 1: the density diverges at 0 */
    cont_check_point(&f, 0, INFINITY);
    CHECK(gen_weibull(gen_scalar(0), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "weibull: shape must be > 0, got 0 at index []");
    CHECK(gen_weibull(gen_scalar(1), gen_array_from_f64(GEN_DIMS(2), (double[]){1, NAN})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "weibull: scale must be > 0, got nan at index [1]");
}

/* ---- pareto (GSL's pareto(a = alpha, b = scale)) ---- */

static gen_dist *mk_pareto(gen_array *const *p) { return gen_pareto(p[0], p[1]); }
static double ref_pareto(double x, const double *p) { return log(gsl_ran_pareto_pdf(x, p[1], p[0])); }
static double cdf_pareto(double x, const double *p) { return gsl_cdf_pareto_P(x, p[1], p[0]); }

static void test_pareto(void) {
    double a = 5, xm = 0.8; /* alpha > 4: the variance's standard error exists */
    cont_family f = {"pareto", 2, mk_pareto, ref_pareto, cdf_pareto, {0.1, 0.3}, {1, 6}, 1, 8,
                     {xm, a}, a * xm / (a - 1), xm * xm * a / ((a - 1) * (a - 1) * (a - 2)),
                     GEN_SUPPORT_GREATER_THAN, "lower_bound", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, xm, log(a) - log(xm)); /* x_m is included */
    cont_check_point(&f, 0.79, -INFINITY);
    cont_check_point(&f, 0, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    gen_dist *d = gen_pareto(gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2}), gen_scalar(3));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.lo && gen_array_size(s.lo) == 2 && s.hi == NULL);
    double want[2] = {log(3.0) - 4 * log(1.5), -INFINITY};
    CHECK_ARRAY(gen_dist_logpdf(d, gen_scalar(1.5)), want, 2, 1e-14, 0);
    CHECK(gen_pareto(gen_scalar(-1), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "pareto: scale must be > 0, got -1 at index []");
    CHECK(gen_pareto(gen_scalar(1), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "pareto: alpha must be > 0, got 0 at index []");
}

/* ---- half-normal: 2 * the N(0, sigma) density ---- */

static gen_dist *mk_half_normal(gen_array *const *p) { return gen_half_normal(p[0]); }
static double ref_half_normal(double x, const double *p) { return log(2 * gsl_ran_gaussian_pdf(x, p[0])); }
static double cdf_half_normal(double x, const double *p) { return x <= 0 ? 0 : erf(x / (p[0] * CONT_SQRT2)); }

static void test_half_normal(void) {
    double s = 1.4;
    cont_family f = {"half_normal", 1, mk_half_normal, ref_half_normal, cdf_half_normal, {0.3}, {3},
                     0, 4, {s}, s * sqrt(2 / CONT_PI), s * s * (1 - 2 / CONT_PI), GEN_SUPPORT_POSITIVE, "exp", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, HALF_LOG_2_OVER_PI - log(s));
    cont_check_point(&f, -0.1, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_half_normal(gen_scalar(1)), gen_scalar(1e13))),
                -5e25, 1e-15);
    CHECK(gen_half_normal(gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "half_normal: sigma must be > 0, got 0 at index []");
}

/* ---- half-Cauchy: 2 * the Cauchy(0, scale) density ---- */

static gen_dist *mk_half_cauchy(gen_array *const *p) { return gen_half_cauchy(p[0]); }
static double ref_half_cauchy(double x, const double *p) { return log(2 * gsl_ran_cauchy_pdf(x, p[0])); }
static double cdf_half_cauchy(double x, const double *p) { return x <= 0 ? 0 : 2 / CONT_PI * atan(x / p[0]); }

static void test_half_cauchy(void) {
    cont_family f = {"half_cauchy", 1, mk_half_cauchy, ref_half_cauchy, cdf_half_cauchy, {0.3}, {3},
                     0, 10, {0.9}, NAN, -1, GEN_SUPPORT_POSITIVE, "exp", true};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, LOG_2_OVER_PI - log(0.9));
    cont_check_point(&f, -0.1, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    /* far tail (mpmath, 40 digits): log(2/pi) - log1p(1e400); z^2 overflows */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_half_cauchy(gen_scalar(1)), gen_scalar(1e200))),
                -921.48561990290772847, 1e-14);
    CHECK(gen_half_cauchy(gen_scalar(-2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "half_cauchy: scale must be > 0, got -2 at index []");
}

int main(void) {
    RUN(test_uniform);
    RUN(test_exponential);
    RUN(test_lognormal);
    RUN(test_weibull);
    RUN(test_pareto);
    RUN(test_half_normal);
    RUN(test_half_cauchy);
    return check_finish();
}
