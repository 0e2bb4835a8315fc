/* test_cont2_beta_uniform.c — BetaUniform(theta, a, b): logpdf against GSL's beta density
 * (interior, ends, theta = 0 and 1), batch shapes, sampling (KS against the mixture CDF,
 * moments), gradients in x and every parameter, errors, support. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

static gen_dist *bu(double th, double a, double b) {
    return gen_beta_uniform(gen_scalar(th), gen_scalar(a), gen_scalar(b));
}

static double ref(double x, double th, double a, double b) {
    if (!(x >= 0 && x <= 1)) return -INFINITY;
    return log(th * gsl_ran_beta_pdf(x, a, b) + (1 - th));
}

static void test_logpdf(void) {
    enum { N = 60 };
    gen_array *x = fd_uniform(1, -0.1, 1.1, GEN_DIMS(N)), *th = fd_uniform(2, 0, 1, GEN_DIMS(N));
    gen_array *a = fd_uniform(3, 0.3, 5, GEN_DIMS(N)), *b = fd_uniform(4, 0.3, 5, GEN_DIMS(N));
    const double *xd = gen_array_data(x), *td = gen_array_data(th), *ad = gen_array_data(a), *bd = gen_array_data(b);
    double want[N];
    for (int i = 0; i < N; i++) want[i] = ref(xd[i], td[i], ad[i], bd[i]);
    CHECK_ARRAY(gen_dist_logpdf(gen_beta_uniform(th, a, b), x), want, N, 1e-12, 1e-14);
    /* theta = 0: uniform; theta = 1: Beta */
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0, 2, 3), gen_scalar(0.3))), 0, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(1, 2, 3), gen_scalar(0.3))), log(gsl_ran_beta_pdf(0.3, 2, 3)), 1e-13);
    /* the ends: Beta density 0 (a > 1), 1/B(1, b) = b (a = 1), +inf (a < 1) */
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0.3, 2, 3), gen_scalar(0))), log(0.7), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0.3, 1, 3), gen_scalar(0))), log(0.3 * 3 + 0.7), 1e-14);
    CHECK(check_item(gen_dist_logpdf(bu(0.3, 0.5, 3), gen_scalar(0))) == INFINITY);
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0.3, 0.5, 3), gen_scalar(1))), log(0.7), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0.3, 2, 1), gen_scalar(1))), log(0.3 * 2 + 0.7), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(bu(0, 0.5, 0.5), gen_scalar(1))), 0, 0);
    CHECK(check_item(gen_dist_logpdf(bu(1, 2, 3), gen_scalar(1))) == -INFINITY);
    gen_array *out = gen_dist_logpdf(bu(0.5, 2, 2), gen_array_from_f64(GEN_DIMS(3), (double[]){-1e-300, INFINITY, NAN}));
    CHECK_ARRAY(out, ((double[]){-INFINITY, -INFINITY, -INFINITY}), 3, 0, 0);
    /* batch */
    gen_dist *d = gen_beta_uniform(gen_full(GEN_F64, GEN_DIMS(2, 1), 0.5), gen_ones(GEN_F64, GEN_DIMS(3)), gen_scalar(2));
    CHECK(gen_dist_batch_ndim(d) == 2);
    CHECK_SHAPE(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4)), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_scalar(0.5)), 2, 3);
    /* f32 */
    gen_dist *f = gen_beta_uniform(gen_scalar_f32(0.5f), gen_scalar_f32(2), gen_scalar_f32(3));
    CHECK(gen_array_dtype(gen_dist_sample(f, gen_key_new(1), GEN_DIMS(3))) == GEN_F32);
    CHECK_CLOSE(check_item(gen_dist_logpdf(f, gen_scalar_f32(0.25f))), ref(0.25, 0.5, 2, 3), 1e-6);
}

static double bu_cdf(double x, const double *p) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    return p[0] * gsl_cdf_beta_P(x, p[1], p[2]) + (1 - p[0]) * x;
}

static void test_sampling(void) {
    const double cases[][3] = {{0.5, 2, 5}, {0.9, 0.3, 0.4}, {0.1, 10, 1}, {0, 2, 2}, {1, 0.5, 3}};
    for (int c = 0; c < 5; c++) {
        const double *p = cases[c];
        char what[64];
        snprintf(what, sizeof what, "beta_uniform(%g, %g, %g)", p[0], p[1], p[2]);
        gen_array *s = gen_dist_sample(bu(p[0], p[1], p[2]), gen_key_new((uint64_t)c), GEN_DIMS(100000));
        STATS_KS(what, s, bu_cdf, p);
        double ab = p[1] + p[2], m = p[0] * p[1] / ab + (1 - p[0]) / 2;
        double m2 = p[0] * p[1] * (p[1] + 1) / (ab * (ab + 1)) + (1 - p[0]) / 3;
        STATS_MOMENTS(what, s, m, m2 - m * m);
    }
    CHECK(!gen_dist_has_rsample(bu(0.5, 1, 1)));
}

static gen_array *lp_x(const gen_array *x) { return gen_dist_logpdf(bu(0.4, 2.5, 1.5), x); }
static gen_array *lp_x_sum(const gen_array *x) { return gen_sum(lp_x(x), 0, NULL, false); }

static gen_status lp_params(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_logpdf(gen_beta_uniform(in[0], in[1], in[2]),
                             gen_array_from_f64(GEN_DIMS(3), (double[]){0.1, 0.5, 0.95}));
    if (payload) out[0] = gen_sum(out[0], 0, NULL, false); /* a scalar for gen_grad */
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(4, 0.05, 0.95, GEN_DIMS(4)), 1e-7, 1e-9);
    gen_closure f = {lp_params, NULL};
    gen_array *in[3] = {fd_uniform(5, 0.1, 0.9, GEN_DIMS(3)), fd_uniform(6, 0.5, 3, GEN_DIMS(3)),
                        fd_uniform(7, 0.5, 3, GEN_DIMS(3))};
    FD_CHECK("logpdf(theta, a, b)", f, 3, in, 1, 1e-7, 1e-9);
    gen_array *in2[3] = {gen_scalar(0.7), gen_scalar(1.3), gen_scalar(0.6)};
    FD_CHECK("logpdf, broadcast parameters", f, 3, in2, 1, 1e-7, 1e-9);
    /* no NaN gradients at theta = 0 or 1, nor at the ends of the support */
    static fd_fn1 fx = lp_x_sum;
    gen_array *g[1], *ends[1] = {gen_array_from_f64(GEN_DIMS(2), (double[]){0, 1})};
    CHECK_OK(gen_grad(fd_closure1(&fx), 1, ends, g));
    const double *gd = gen_array_data(g[0]);
    CHECK(!isnan(gd[0]) && !isnan(gd[1]));
    gen_array *th0[3] = {gen_scalar(0), gen_scalar(2), gen_scalar(3)}, *gr[3];
    gen_closure fs = {lp_params, "sum"};
    CHECK_OK(gen_grad(fs, 3, th0, gr));
    CHECK(!isnan(check_item(gr[0])) && !isnan(check_item(gr[1])) && !isnan(check_item(gr[2])));
    gen_array *th1[3] = {gen_scalar(1), gen_scalar(2), gen_scalar(3)};
    CHECK_OK(gen_grad(fs, 3, th1, gr));
    CHECK(!isnan(check_item(gr[0])) && !isnan(check_item(gr[1])) && !isnan(check_item(gr[2])));
}

static void test_errors(void) {
    CHECK(bu(1.5, 1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta_uniform: theta must be in [0, 1], got 1.5");
    CHECK(gen_beta_uniform(gen_scalar(0.5), gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0}), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta_uniform: a must be > 0, got 0 at index [1]");
    CHECK(bu(0.5, 1, -2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta_uniform: b must be > 0, got -2");
    CHECK(bu(0.5, INFINITY, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "beta_uniform: a must be finite");
    CHECK(gen_beta_uniform(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3)), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "beta_uniform: shapes [2] and [3] do not broadcast");
    CHECK(gen_beta_uniform(gen_scalar(0.5), NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "beta_uniform: parameter a is NULL");
    CHECK(gen_dist_enumerate(bu(0.5, 1, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "beta_uniform has no finite support");
}

static void test_support(void) {
    gen_dist *d = bu(0.5, 2, 2);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && check_item(s.lo) == 0 && check_item(s.hi) == 1);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "interval") == 0);
    CHECK_CLOSE(check_item(gen_bijection_forward(b, gen_scalar(0))), 0.5, 1e-15);
    CHECK(strcmp(gen_dist_param_name(d, 0), "theta") == 0 && gen_dist_num_params(d) == 3);
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
