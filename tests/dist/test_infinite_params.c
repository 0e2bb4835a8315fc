/* test_infinite_params.c — scale, rate, shape and concentration parameters must be finite:
 * an infinite (or NaN) one makes a density meaningless (normal(0, inf) is 0 everywhere),
 * so every family refuses it with GEN_ERR_VALUE "family: name must be finite, got inf",
 * in the scalar fast path and the array path alike (the index named). */
#include <math.h>

#include "../testutil/check.h"

static gen_array *s(double v) { return gen_scalar(v); }
static gen_array *v2(double a, double b) { return gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){a, b}); }

/* d must be NULL with GEN_ERR_VALUE and msg. */
#define REFUSED(d, msg)                  \
    do {                                 \
        CHECK((d) == NULL);              \
        CHECK_ERROR(GEN_ERR_VALUE, msg); \
    } while (0)

static void test_scalar(void) {
    double inf = INFINITY;
    REFUSED(gen_normal(s(0), s(inf)), "normal: sigma must be finite, got inf");
    REFUSED(gen_normal(s(0), s(NAN)), "normal: sigma must be > 0, got nan");
    REFUSED(gen_broadcasted_normal(s(0), s(inf)), "broadcasted_normal: sigma must be finite, got inf");
    REFUSED(gen_lognormal(s(0), s(inf)), "lognormal: sigma must be finite");
    REFUSED(gen_half_normal(s(inf)), "half_normal: sigma must be finite");
    REFUSED(gen_truncated_normal(s(0), s(inf), s(-1), s(1)), "truncated_normal: sigma must be finite");
    REFUSED(gen_cauchy(s(0), s(inf)), "cauchy: scale must be finite");
    REFUSED(gen_half_cauchy(s(inf)), "half_cauchy: scale must be finite");
    REFUSED(gen_laplace(s(0), s(inf)), "laplace: scale must be finite");
    REFUSED(gen_logistic(s(0), s(inf)), "logistic: scale must be finite");
    REFUSED(gen_gumbel(s(0), s(inf)), "gumbel: scale must be finite");
    REFUSED(gen_student_t(s(3), s(0), s(inf)), "student_t: scale must be finite");
    REFUSED(gen_student_t(s(inf), s(0), s(1)), "student_t: df must be finite");
    REFUSED(gen_gamma(s(inf), s(1)), "gamma: shape must be finite");
    REFUSED(gen_gamma(s(2), s(inf)), "gamma: scale must be finite");
    REFUSED(gen_inv_gamma(s(2), s(inf)), "inv_gamma: scale must be finite");
    REFUSED(gen_exponential(s(inf)), "exponential: rate must be finite");
    REFUSED(gen_beta(s(inf), s(1)), "beta: a must be finite");
    REFUSED(gen_weibull(s(2), s(inf)), "weibull: scale must be finite");
    REFUSED(gen_pareto(s(inf), s(2)), "pareto: scale must be finite");
    REFUSED(gen_von_mises(s(0), s(inf)), "von_mises: kappa must be finite");
    REFUSED(gen_wrapped_cauchy(s(0), s(inf)), "wrapped_cauchy: gamma must be finite");
    REFUSED(gen_beta_uniform(s(0.5), s(inf), s(1)), "beta_uniform: a must be finite");
    REFUSED(gen_poisson(s(inf)), "poisson: rate must be finite");
    REFUSED(gen_neg_binomial(s(inf), s(0.5)), "neg_binomial: r must be finite");
    REFUSED(gen_chi2(s(inf)), "df must be finite");
    REFUSED(gen_lkj_cholesky(3, s(inf)), "lkj_cholesky: eta must be finite");
    REFUSED(gen_dirichlet(v2(1, inf)), "dirichlet: alpha must be finite, got inf at index [1]");
    REFUSED(gen_wishart(s(inf), gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){1, 0, 0, 1})),
            "wishart: df must be finite");
    REFUSED(gen_mvnormal(v2(0, 0), gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){1, 0, 0, inf})),
            "mvnormal: cov must be finite");
    /* the affine bijection's scale */
    CHECK(gen_bijection_affine(s(0), s(inf)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_bijection_affine: scale must be finite and nonzero, got inf");
}

/* The array path names the index; finite values still pass. */
static void test_arrays(void) {
    REFUSED(gen_normal(s(0), v2(1, INFINITY)), "normal: sigma must be finite, got inf at index [1]");
    REFUSED(gen_broadcasted_normal(v2(0, 0), v2(INFINITY, 1)), "broadcasted_normal: sigma must be finite, got inf at index [0]");
    CHECK(gen_normal(s(0), v2(1, 1e300)) != NULL);
    CHECK(gen_normal(s(0), s(1e-300)) != NULL);
    CHECK(gen_bijection_affine(s(0), s(-2)) != NULL);
}

int main(void) {
    RUN(test_scalar);
    RUN(test_arrays);
    return check_finish();
}
