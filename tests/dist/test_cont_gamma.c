/* test_cont_gamma.c — the families drawn from the random layer's gamma and beta samplers
 * (not reparameterized): Gamma, ChiSquared, InverseGamma, Beta, Student's t. Generic
 * checks (test_cont_common.h) against GSL, then the support's edges (the densities'
 * limits at 0 and 1), far tails (values from mpmath at 40 digits), more sampling members
 * (small shapes) and parameter errors. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "test_cont_common.h"

/* ---- gamma (GSL's gamma(a = shape, b = scale)) ---- */

static gen_dist *mk_gamma(gen_array *const *p) { return gen_gamma(p[0], p[1]); }
static double ref_gamma(double x, const double *p) { return log(gsl_ran_gamma_pdf(x, p[0], p[1])); }
static double cdf_gamma(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], p[1]); }

static void test_gamma(void) {
    double k = 2.5, th = 1.3;
    cont_family f = {"gamma", 2, mk_gamma, ref_gamma, cdf_gamma, {0.5, 0.3}, {5, 3}, 0.05, 6,
                     {k, th}, k * th, k * th * th, GEN_SUPPORT_POSITIVE, "exp", false};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY); /* shape > 1: the density vanishes at 0 */
    cont_check_point(&f, -1, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    gen_dist *d = gen_gamma(gen_scalar(2.5), gen_scalar(1.3));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1e300))), -7.692307692307692307692e+299, 1e-14);
    d = gen_gamma(gen_scalar(0.3), gen_scalar(1.3));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1e-300))), 482.3683622545912708065, 1e-14);
    f.p[0] = 1; /* shape 1: Exponential, density 1/scale at 0 */
    cont_check_point(&f, 0, -log(th));
    f.p[0] = 0.3; /* shape < 1: the density diverges at 0 */
    cont_check_point(&f, 0, INFINITY);
    cont_check_gradients(&f);
    f.mean = 0.3 * th, f.var = 0.3 * th * th; /* small shapes take the sampler's other path */
    cont_check_sampling(&f);
    f.p[0] = 0.05, f.mean = 0.05 * th, f.var = 0.05 * th * th;
    cont_check_sampling(&f);
    CHECK(gen_gamma(gen_scalar(0), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gamma: shape must be > 0, got 0 at index []");
    CHECK(gen_gamma(gen_scalar(1), gen_array_from_f64(GEN_DIMS(2), (double[]){1, -2})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gamma: scale must be > 0, got -2 at index [1]");
    CHECK(gen_gamma(gen_scalar(INFINITY), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gamma: shape must be finite, got inf");
}

/* ---- chi-squared ---- */

static gen_dist *mk_chi2(gen_array *const *p) { return gen_chi2(p[0]); }
static double ref_chi2(double x, const double *p) { return log(gsl_ran_chisq_pdf(x, p[0])); }
static double cdf_chi2(double x, const double *p) { return gsl_cdf_chisq_P(x, p[0]); }

static void test_chi2(void) {
    cont_family f = {"chi2", 1, mk_chi2, ref_chi2, cdf_chi2, {0.5}, {8}, 0.05, 10, {3.5}, 3.5, 7,
                     GEN_SUPPORT_POSITIVE, "exp", false};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY);
    cont_check_point(&f, -1, -INFINITY);
    f.p[0] = 2; /* df 2: Exponential(1/2), density 1/2 at 0 */
    cont_check_point(&f, 0, -log(2.0));
    f.p[0] = 1;
    cont_check_point(&f, 0, INFINITY);
    /* chi2(df) is gamma(df/2, 2) */
    gen_array *x = fd_uniform(41, 0.1, 9, GEN_DIMS(10)), *df = fd_uniform(42, 0.5, 6, GEN_DIMS(10));
    gen_array *a = gen_dist_logpdf(gen_chi2(df), x);
    gen_array *b = gen_dist_logpdf(gen_gamma(gen_mul(df, gen_scalar(0.5)), gen_scalar(2)), x);
    CHECK_ARRAY(a, gen_array_data(b), 10, 1e-14, 0);
    CHECK(gen_chi2(gen_scalar(-1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "chi2: df must be > 0, got -1 at index []");
    CHECK(strcmp(gen_dist_param_name(gen_chi2(gen_scalar(1)), 0), "df") == 0);
}

/* ---- inverse gamma: density(x; a, b) = gamma_pdf(1/x; a, 1/b) / x^2 ---- */

static gen_dist *mk_inv_gamma(gen_array *const *p) { return gen_inv_gamma(p[0], p[1]); }
static double ref_inv_gamma(double x, const double *p) {
    return log(gsl_ran_gamma_pdf(1 / x, p[0], 1 / p[1])) - 2 * log(x);
}
static double cdf_inv_gamma(double x, const double *p) { return x <= 0 ? 0 : gsl_cdf_gamma_Q(1 / x, p[0], 1 / p[1]); }

static void test_inv_gamma(void) {
    double a = 6, b = 2; /* a > 4: the variance's standard error exists */
    cont_family f = {"inv_gamma", 2, mk_inv_gamma, ref_inv_gamma, cdf_inv_gamma, {0.5, 0.3}, {5, 3},
                     0.1, 5, {a, b}, b / (a - 1), b * b / ((a - 1) * (a - 1) * (a - 2)),
                     GEN_SUPPORT_POSITIVE, "exp", false};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY); /* e^(-b/x) wins at 0 */
    cont_check_point(&f, 1e-320, -INFINITY);
    cont_check_point(&f, -1, -INFINITY);
    cont_check_point(&f, INFINITY, -INFINITY);
    gen_dist *d = gen_inv_gamma(gen_scalar(3), gen_scalar(2));
    double want[2] = {-1970.982684522951561173, -2761.715817231734930203};
    CHECK_ARRAY(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(2), (double[]){0.001, 1e300})), want, 2, 1e-14, 0);
    CHECK(gen_inv_gamma(gen_scalar(-1), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "inv_gamma: shape must be > 0, got -1 at index []");
    CHECK(gen_inv_gamma(gen_scalar(1), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "inv_gamma: scale must be > 0, got 0 at index []");
}

/* ---- beta ---- */

static gen_dist *mk_beta(gen_array *const *p) { return gen_beta(p[0], p[1]); }
static double ref_beta(double x, const double *p) { return log(gsl_ran_beta_pdf(x, p[0], p[1])); }
static double cdf_beta(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }

static double beta_var(double a, double b) { return a * b / ((a + b) * (a + b) * (a + b + 1)); }

static void test_beta(void) {
    double a = 2.5, b = 1.5;
    cont_family f = {"beta", 2, mk_beta, ref_beta, cdf_beta, {0.5, 0.5}, {5, 5}, 0.02, 0.98,
                     {a, b}, a / (a + b), beta_var(a, b), GEN_SUPPORT_INTERVAL, "interval", false};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, 0, -INFINITY); /* a > 1 */
    cont_check_point(&f, 1, INFINITY);  /* b < 1 */
    cont_check_point(&f, -0.1, -INFINITY);
    cont_check_point(&f, 1.1, -INFINITY);
    f.p[0] = 1, f.p[1] = 1; /* uniform: both ends included, density 1 */
    cont_check_point(&f, 0, 0);
    cont_check_point(&f, 1, 0);
    f.p[0] = 1, f.p[1] = 3; /* a = 1: density b at 0, 0 at 1 */
    cont_check_point(&f, 0, log(3.0));
    cont_check_point(&f, 1, -INFINITY);
    /* near the ends (mpmath, 40 digits) */
    gen_dist *d = gen_beta(gen_scalar(0.5), gen_scalar(2));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1e-300))), 345.1000818766550716753, 1e-14);
    d = gen_beta(gen_scalar(3), gen_scalar(0.5));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(0.9999999999990905))), 13.79840509005951602727, 1e-12);
    /* small parameters (mass piles up at the ends) */
    f.p[0] = 0.4, f.p[1] = 0.6, f.mean = 0.4, f.var = beta_var(0.4, 0.6);
    cont_check_sampling(&f);
    /* the support's bounds: zeros and ones of the batch shape and dtype, alive with d */
    gen_support s;
    d = gen_beta(gen_full(GEN_F32, GEN_DIMS(2, 1), 2), gen_full(GEN_F32, GEN_DIMS(3), 3));
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && s.lo && s.hi);
    CHECK_SHAPE(s.lo, 2, 3);
    CHECK(gen_array_dtype(s.hi) == GEN_F32);
    double zeros[6] = {0}, ones[6] = {1, 1, 1, 1, 1, 1};
    CHECK_ARRAY(s.lo, zeros, 6, 0, 0);
    CHECK_ARRAY(s.hi, ones, 6, 0, 0);
    gen_dist *kept = gen_dist_retain(d);
    gen_scope_end(); /* d outlives the scope that made its bounds */
    gen_scope_begin();
    CHECK_OK(gen_dist_support(kept, &s));
    CHECK_ARRAY(s.hi, ones, 6, 0, 0);
    gen_dist_release(kept);
    CHECK(gen_beta(gen_scalar(0), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta: a must be > 0, got 0 at index []");
    CHECK(gen_beta(gen_scalar(1), gen_array_from_f64(GEN_DIMS(2), (double[]){1, INFINITY})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta: b must be finite, got inf at index [1]");
    CHECK(gen_beta(gen_zeros(GEN_F64, GEN_DIMS(2)) , gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta: a must be > 0");
    CHECK(gen_beta(gen_ones(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "beta: shapes [2] and [3] do not broadcast");
}

/* ---- Student's t (GSL's tdist is the standard one: scale the argument) ---- */

static gen_dist *mk_student_t(gen_array *const *p) { return gen_student_t(p[0], p[1], p[2]); }
static double ref_student_t(double x, const double *p) {
    return log(gsl_ran_tdist_pdf((x - p[1]) / p[2], p[0]) / p[2]);
}
static double cdf_student_t(double x, const double *p) { return gsl_cdf_tdist_P((x - p[1]) / p[2], p[0]); }

static void test_student_t(void) {
    double nu = 9, loc = 0.3, s = 1.1; /* nu > 4: the variance's standard error exists */
    cont_family f = {"student_t", 3, mk_student_t, ref_student_t, cdf_student_t, {0.5, -2, 0.3},
                     {30, 2, 3}, -10, 10, {nu, loc, s}, loc, s * s * nu / (nu - 2),
                     GEN_SUPPORT_REAL, "identity", false};
    cont_check_all(&f);
    cont_check_null(&f);
    cont_check_point(&f, INFINITY, -INFINITY);
    cont_check_point(&f, -INFINITY, -INFINITY);
    cont_check_point(&f, 1e300, NAN); /* finite, with finite gradients */
    /* mpmath, 60 digits: the far tail (z^2 overflows); df on both sides of the switch to
     * the asymptotic series (df = 50) and large df, where a difference of lgammas would
     * lose ~ df * 1e-16; df = 1e300 is the normal */
    gen_dist *d = gen_student_t(gen_scalar(3), gen_scalar(0), gen_scalar(1));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1e200))), -1840.871738667523837542, 1e-14);
    d = gen_student_t(gen_array_from_f64(GEN_DIMS(6), (double[]){49.9, 50.1, 1000, 1e6, 1e12, 1e300}),
                      gen_scalar(0), gen_scalar(1));
    double want[6] = {-2.046374115707706483535, -2.046363463698982608807, -2.044048539672888198817,
                      -2.043938642580305552933, -2.04393853320478211678, -2.0439385332046727418};
    CHECK_ARRAY(gen_dist_logpdf(d, gen_scalar(1.5)), want, 6, 1e-14, 0);
    f.p[0] = 80; /* gradients through the series branch */
    cont_check_gradients(&f);
    /* df = 1 is Cauchy (mass far out: KS only) */
    f.p[0] = 1, f.mean = NAN;
    cont_check_sampling(&f);
    CHECK(gen_student_t(gen_scalar(0), gen_scalar(0), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "student_t: df must be > 0, got 0 at index []");
    CHECK(gen_student_t(gen_scalar(1), gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "student_t: loc must be finite, got nan at index []");
    CHECK(gen_student_t(gen_scalar(1), gen_scalar(0), gen_scalar(-1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "student_t: scale must be > 0, got -1 at index []");
}

int main(void) {
    RUN(test_gamma);
    RUN(test_chi2);
    RUN(test_inv_gamma);
    RUN(test_beta);
    RUN(test_student_t);
    return check_finish();
}
