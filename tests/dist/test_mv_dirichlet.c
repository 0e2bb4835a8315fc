/* test_mv_dirichlet.c — Dirichlet(alpha): logpdf against GSL and a hand value, the
 * simplex boundary and off-simplex values, batch shapes, sampling (Beta marginals by KS,
 * moments, tiny alpha), gradients in x (through a softmax, to stay on the simplex) and
 * alpha, parameter errors, support and bijection, f32. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "stats.h"
#include "test_mv_util.h"

static void test_logpdf(void) {
    /* lgamma(8) - 2 lgamma(2) - lgamma(4) + 2 log 0.2 + 3 log 0.6 */
    gen_dist *d = gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), (double[]){2, 2, 4}));
    CHECK_NEAR(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.2, 0.6}))),
               1.982049196, 1e-9);
    /* random points and parameters against GSL */
    gen_array *alpha = fd_uniform(1, 0.3, 5, GEN_DIMS(10, 4)), *raw = fd_uniform(2, 0.01, 1, GEN_DIMS(10, 4));
    gen_array *x = gen_div(raw, gen_sum(raw, GEN_AXES(-1), true));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_dirichlet(alpha), x));
    const double *ad = gen_array_data(alpha), *xd = gen_array_data(x);
    double want[10];
    for (int i = 0; i < 10; i++) want[i] = gsl_ran_dirichlet_lnpdf(4, ad + 4 * i, xd + 4 * i);
    CHECK_ARRAY(lp, want, 10, 1e-12, 1e-13);
    /* the boundary: a zero entry with alpha 1 is in the support, with alpha > 1 density 0,
     * with alpha < 1 infinite; off the simplex -inf; no NaN anywhere */
    gen_dist *e = gen_dirichlet(gen_array_from_f64(GEN_DIMS(4, 3), (double[]){1, 2, 3, 2, 2, 3, 0.5, 2, 3, 1, 1, 1}));
    gen_array *xb = gen_array_from_f64(GEN_DIMS(3), (double[]){0, 0.5, 0.5});
    gen_array *lpb = CHECK_ARR(gen_dist_logpdf(e, xb));
    double g6 = lgamma(6) - lgamma(2) - lgamma(3) + log(0.5) + 2 * log(0.5);
    CHECK_ARRAY(lpb, ((double[]){g6, -INFINITY, INFINITY, log(2)}), 4, 1e-14, 0);
    gen_array *off = gen_array_from_f64(GEN_DIMS(5, 3), (double[]){-0.1, 0.6, 0.5, 0.3, 0.3, 0.3, 0.2, 0.2, 0.6 + 1e-8,
                                                                    NAN, 0.5, 0.5, INFINITY, 0, 0});
    gen_array *lpo = CHECK_ARR(gen_dist_logpdf(gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(3))), off));
    CHECK_ARRAY(lpo, ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY}), 5, 0, 0);
    /* within the tolerance: still on the simplex */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(3))),
                                           gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.2, 0.6 + 1e-11}))),
                log(2), 1e-14);
    /* K = 1: the point mass at [1] */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_dirichlet(gen_array_from_f64(GEN_DIMS(1), (double[]){2.5})), gen_ones(GEN_F64, GEN_DIMS(1)))), 0, 0);
}

static void test_shapes(void) {
    gen_dist *d = gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(2, 3)));
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 2);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 3);
    gen_array *s = CHECK_ARR(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4)));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_full(GEN_F64, GEN_DIMS(5, 1, 3), 1.0 / 3)), 5, 2);
    CHECK(gen_dist_logpdf(d, gen_ones(GEN_F64, GEN_DIMS(2))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "dirichlet: logpdf: value of shape [2] does not end in the event shape [3]");
    CHECK(strcmp(gen_dist_param_name(d, 0), "alpha") == 0 && !gen_dist_has_rsample(d));
    CHECK(gen_dist_rsample(d, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "dirichlet has no reparameterized sampler");
}

static double beta_cdf(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }

/* Chi-square of component i of draws s [N, 3] against Beta(a, b) in bins with edges
 * 0, 1e-200, 1e-100, 1e-30, 1e-10, 1e-3, 0.5, 1 - 1e-10, 1. */
static void tiny_marginal(const gen_array *s, int i, double a, double b) {
    const double edge[9] = {0, 1e-200, 1e-100, 1e-30, 1e-10, 1e-3, 0.5, 1 - 1e-10, 1};
    double probs[8];
    for (int k = 0; k < 8; k++)
        probs[k] = k < 6 ? gsl_cdf_beta_P(edge[k + 1], a, b) - gsl_cdf_beta_P(edge[k], a, b)
                         : gsl_cdf_beta_Q(edge[k], a, b) - gsl_cdf_beta_Q(edge[k + 1], a, b);
    int64_t n = gen_array_size(s) / 3;
    int64_t *bin = malloc((size_t)n * sizeof *bin);
    for (int64_t j = 0; j < n; j++) {
        double v = mv_at(s, j * 3 + i);
        int k = 0;
        while (k < 7 && !(v < edge[k + 1])) k++;
        bin[j] = k;
    }
    STATS_CHISQ("dirichlet tiny alpha", gen_array_from(GEN_I64, 1, &n, bin), probs, 8);
    free(bin);
}

static void test_sampling(void) {
    const double a[3] = {1.5, 0.7, 3}, a0 = 5.2;
    gen_dist *d = gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), a));
    gen_array *s = CHECK_ARR(gen_dist_sample(d, gen_key_new(3), GEN_DIMS(100000)));
    for (int i = 0; i < 3; i++) {
        gen_array *col = mv_column(s, i, 3);
        STATS_KS("dirichlet marginal", col, beta_cdf, (double[]){a[i], a0 - a[i]});
        STATS_MOMENTS("dirichlet marginal", col, a[i] / a0, a[i] * (a0 - a[i]) / (a0 * a0 * (a0 + 1)));
    }
    /* tiny alpha: most mass in one corner, yet every draw is finite and on the simplex */
    const double t[3] = {0.01, 0.02, 0.05};
    gen_array *st = CHECK_ARR(gen_dist_sample(gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), t)), gen_key_new(4),
                                              GEN_DIMS(100000)));
    int bad = 0;
    for (int64_t k = 0; k < 100000; k++) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            double v = mv_at(st, k * 3 + i);
            bad += !(v >= 0 && v <= 1);
            sum += v;
        }
        bad += fabs(sum - 1) > 1e-12;
    }
    CHECK(bad == 0);
    /* KS would see ties at 0 and 1 (values round there), so bin on a log scale down to
     * 1e-200: P(x < 1e-100) is ~10% for alpha 0.01, which gamma draws that underflow to 0
     * would get wrong */
    tiny_marginal(st, 0, 0.01, 0.07);
    tiny_marginal(st, 2, 0.05, 0.03);
    STATS_MOMENTS("dirichlet tiny alpha", mv_column(st, 0, 3), 0.01 / 0.08, 0.01 * 0.07 / (0.08 * 0.08 * 1.08));
    /* batch members use their own alpha */
    gen_array *ab = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 1, 9, 1});
    gen_array *sb = CHECK_ARR(gen_dist_sample(gen_dirichlet(ab), gen_key_new(5), GEN_DIMS(100000)));
    STATS_KS("dirichlet batch 0", mv_column(sb, 0, 4), beta_cdf, (double[]){1, 1});
    STATS_KS("dirichlet batch 1", mv_column(sb, 2, 4), beta_cdf, (double[]){9, 1});
}

/* x = softmax(v) keeps finite differences on the simplex */
static gen_array *lp_x(const gen_array *v) {
    gen_array *x = gen_exp(gen_sub(v, gen_logsumexp(v, GEN_AXES(-1), true)));
    return gen_dist_logpdf(gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), (double[]){0.7, 2, 3.5})), x);
}
static gen_array *lp_alpha(const gen_array *alpha) {
    return gen_dist_logpdf(gen_dirichlet(alpha),
                           gen_array_from_f64(GEN_DIMS(2, 1, 3), (double[]){0.2, 0.3, 0.5, 0.6, 0.1, 0.3}));
}

/* sum of the logpdf at a boundary point (x_0 = 0, alpha_0 = 1) and an off-simplex one */
static gen_array *lp_edge(const gen_array *alpha) {
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0, 0.5, 0.5, -0.5, 1, 0.5});
    gen_array *lp = gen_dist_logpdf(gen_dirichlet(alpha), x);
    return gen_sum(gen_where(gen_isfinite(lp), lp, gen_scalar(0)), 0, NULL, false);
}

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(6, -1, 1, GEN_DIMS(4, 3)), 1e-6, 1e-8);
    FD_CHECK1(lp_alpha, fd_uniform(7, 0.5, 3, GEN_DIMS(3, 3)), 1e-6, 1e-8);
    FD_CHECK1(lp_alpha, fd_uniform(8, 0.5, 3, GEN_DIMS(3)), 1e-6, 1e-8);
    /* gradients at the boundary and off the simplex are not NaN */
    gen_array *g = NULL, *in = gen_array_from_f64(GEN_DIMS(3), (double[]){1, 2, 3});
    static fd_fn1 fn = lp_edge;
    CHECK_OK(gen_grad(fd_closure1(&fn), 1, &in, &g));
    for (int i = 0; g && i < 3; i++) CHECK(!isnan(mv_at(g, i)));
}

static void test_errors(void) {
    CHECK(gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), (double[]){1, 0, 2})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "dirichlet: alpha must be > 0, got 0 at index [1]");
    CHECK(gen_dirichlet(gen_array_from_f64(GEN_DIMS(2), (double[]){1, INFINITY})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "dirichlet: alpha must be finite, got inf at index [1]");
    CHECK(gen_dirichlet(gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "dirichlet: alpha must have at least 1 dimension, got shape []");
    CHECK(gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(2, 0))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "dirichlet: alpha must have at least 1 entry along its last axis");
    CHECK(gen_dirichlet(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "dirichlet: parameter alpha is NULL");
    CHECK(gen_dist_enumerate(gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(2)))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "dirichlet has no finite support");
}

static void test_support_and_f32(void) {
    gen_dist *d = gen_dirichlet(gen_array_from(GEN_F32, GEN_DIMS(3), (float[]){2, 2, 4}));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_SIMPLEX);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "stick_breaking") == 0);
    CHECK(gen_dist_dtype(d) == GEN_F32);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, gen_array_from(GEN_F32, GEN_DIMS(3), (float[]){0.2f, 0.2f, 0.6f})));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), 1.982049196, 1e-5);
    gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(10)));
    CHECK(gen_array_dtype(x) == GEN_F32);
    CHECK(isfinite(check_item(gen_sum(gen_dist_logpdf(d, x), 0, NULL, false))));
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
