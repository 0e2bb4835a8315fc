/* test_mv_lkj.c — LKJ(eta) over Cholesky factors: the normalizer against the LKJ paper's
 * c_d (Lewandowski, Kurowicka & Joe 2009, eq. 16, in long double) and mpmath values,
 * logpdf at random factors, a numerical check that the density integrates to 1 (dim 3,
 * through the corr_cholesky bijection and its log-Jacobian), values off the support,
 * sampling (correlation marginals are scaled Beta(eta - 1 + dim/2, same)), gradients,
 * parameter errors, support and bijection, f32. */
#include <gsl/gsl_cdf.h>

#include "stats.h"
#include "test_mv_util.h"

/* log c_d: the LKJ density of C is det(C)^(eta-1) / c_d; at L = I the density of L is 1/c_d. */
static long double lkj_log_c(int d, long double eta) {
    long double s = 0;
    for (int k = 1; k < d; k++) {
        long double b = eta + (long double)(d - k - 1) / 2;
        s += (2 * eta - 2 + d - k) * (d - k) * logl(2.0L) + (d - k) * (2 * lgammal(b) - lgammal(2 * b));
    }
    return s;
}

static void test_normalizer(void) {
    /* mpmath (dps 30) of numpyro's log normalizer, equal to the LKJ paper's log c_d */
    const double mp[3][3] = {{1.1447298858494001741, 0.69314718055994530942, 0.16390063283767393729},
                             {2.531024246969290793, 1.5963125911388550389, 0.29297767511281628063},
                             {3.8857723628376553872, 2.4593588084941978212, 0.23771490324397421386}};
    const double etas[3] = {0.5, 1, 2.5};
    for (int d = 2; d <= 4; d++) {
        gen_array *eta = gen_array_from_f64(GEN_DIMS(3), etas);
        gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_lkj_cholesky(d, eta), gen_eye(d, GEN_F64)));
        double want[3];
        for (int e = 0; e < 3; e++) {
            want[e] = -mp[d - 2][e];
            CHECK_CLOSE((double)-lkj_log_c(d, etas[e]), want[e], 1e-13); /* valgrind runs long double as double */
        }
        CHECK_ARRAY(lp, want, 3, 1e-14, 1e-15);
    }
    /* larger dims against the paper's formula */
    for (int d = 5; d <= 8; d++) {
        double eta = 0.3 * d;
        gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_lkj_cholesky(d, gen_scalar(eta)), gen_eye(d, GEN_F64)));
        CHECK_CLOSE(check_item(lp), (double)-lkj_log_c(d, eta), 1e-13);
    }
}

static void test_logpdf(void) {
    /* random factors from the bijection; reference sum (dim - i + 2 eta - 2) log L_ii - log c */
    gen_array *l = gen_bijection_forward(gen_bijection_corr_cholesky(), fd_uniform(1, -1.5, 1.5, GEN_DIMS(5, 6)));
    gen_array *eta = fd_uniform(2, 0.2, 4, GEN_DIMS(5));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_lkj_cholesky(4, eta), l));
    CHECK_SHAPE(lp, 5);
    double want[5];
    for (int b = 0; b < 5; b++) {
        long double e = mv_at(eta, b), s = -lkj_log_c(4, e);
        for (int i = 2; i <= 4; i++) s += (4 - i + 2 * e - 2) * logl(mv_at(l, b * 16 + (i - 1) * 5));
        want[b] = (double)s;
    }
    CHECK_ARRAY(lp, want, 5, 1e-13, 1e-14);
    /* off the support: upper entry, negative diagonal, row not of unit norm, NaN; no NaN */
    gen_array *off = gen_array_from_f64(GEN_DIMS(4, 2, 2), (double[]){1, 0.1, 0, 1, 1, 0, 0.6, -0.8, 1, 0, 0.6, 0.81,
                                                                      1, 0, NAN, 0.8});
    gen_dist *d = gen_lkj_cholesky(2, gen_scalar(1.5));
    CHECK_ARRAY(gen_dist_logpdf(d, off), ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY}), 4, 0, 0);
    /* in the support: dim 2, density (1 - r^2)^(eta - 1) / B(1/2, eta) in r = L_10 */
    double r = 0.6, want2 = 0.5 * log(1 - r * r) - (lgamma(0.5) + lgamma(1.5) - lgamma(2));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, r, 0.8}))), want2, 1e-14);
}

/* u in R^3 on a trapezoid grid over [-14, 14]^3 (80 points per axis): the integrand
 * decays at least like e^(-1.6|u|) (eta = 0.8) and is analytic in a strip of half-width
 * pi/2: the rule is accurate to ~2e-8 (h = 0.35). */
static void test_integrates_to_one(void) {
    const int m = 80;
    const double lo = -14, h = 28.0 / (m - 1);
    gen_bijection *b = gen_bijection_corr_cholesky();
    gen_dist *d = gen_lkj_cholesky(3, gen_array_from_f64(GEN_DIMS(2), (double[]){1.5, 0.8}));
    double total[2] = {0, 0};
    double *u = malloc((size_t)(m * m * 3) * sizeof *u);
    for (int i = 0; i < m; i++) {
        gen_scope_begin();
        for (int j = 0; j < m; j++)
            for (int k = 0; k < m; k++) {
                double *p = u + (j * m + k) * 3;
                p[0] = lo + h * i, p[1] = lo + h * j, p[2] = lo + h * k;
            }
        gen_array *ua = gen_array_from_f64(GEN_DIMS(m * m, 1, 3), u);
        gen_array *lp = gen_add(gen_dist_logpdf(d, gen_bijection_forward(b, ua)), gen_bijection_log_det_jacobian(b, ua));
        gen_array *s = gen_sum(gen_exp(lp), GEN_AXES(0), false);
        double w = (i == 0 || i == m - 1) ? 0.5 : 1;
        for (int e = 0; s && e < 2; e++) total[e] += w * mv_at(s, e) * h * h * h;
        gen_scope_end();
    }
    free(u);
    /* the grid's edge weights in j and k are 1 instead of 1/2: the integrand is ~1e-9 there */
    CHECK_NEAR(total[0], 1, 5e-8);
    CHECK_NEAR(total[1], 1, 5e-8);
}

static double corr_cdf(double r, const double *p) { return gsl_cdf_beta_P((r + 1) / 2, p[0], p[0]); }

static void test_sampling(void) {
    const double etas[2] = {1.5, 0.7};
    gen_dist *d = gen_lkj_cholesky(3, gen_array_from_f64(GEN_DIMS(2), etas));
    gen_array *s = CHECK_ARR(gen_dist_sample(d, gen_key_new(3), GEN_DIMS(100000)));
    CHECK_SHAPE(s, 100000, 2, 3, 3);
    int64_t n = 100000;
    double *c = malloc((size_t)n * sizeof *c);
    for (int b = 0; b < 2; b++) {
        double a = etas[b] - 1 + 1.5, var = 1 / (2 * etas[b] + 2);
        for (int pair = 0; pair < 3; pair++) {
            for (int64_t k = 0; k < n; k++) {
                const int64_t o = (k * 2 + b) * 9;
                double l10 = mv_at(s, o + 3), l11 = mv_at(s, o + 4), l20 = mv_at(s, o + 6), l21 = mv_at(s, o + 7);
                c[k] = pair == 0 ? l10 : pair == 1 ? l20 : l20 * l10 + l21 * l11;
            }
            gen_array *ca = gen_array_from_f64(1, &n, c);
            STATS_KS("lkj correlation", ca, corr_cdf, (double[]){a});
            STATS_MOMENTS("lkj correlation", ca, 0, var);
        }
    }
    free(c);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, s)); /* every draw is in the support */
    CHECK(isfinite(check_item(gen_sum(lp, 0, NULL, false))));
    /* dim 2 and tiny eta: mass near r = +-1 */
    gen_array *s2 = CHECK_ARR(gen_dist_sample(gen_lkj_cholesky(2, gen_scalar(0.3)), gen_key_new(4), GEN_DIMS(100000)));
    STATS_KS("lkj dim 2", mv_column(s2, 2, 4), corr_cdf, (double[]){0.3});
}

static gen_array *lp_eta(const gen_array *eta) {
    gen_array *l = gen_bijection_forward(gen_bijection_corr_cholesky(), fd_uniform(5, -1, 1, GEN_DIMS(2, 1, 6)));
    return gen_dist_logpdf(gen_lkj_cholesky(4, eta), l);
}
static gen_array *lp_u(const gen_array *u) {
    return gen_dist_logpdf(gen_lkj_cholesky(4, gen_scalar(1.7)), gen_bijection_forward(gen_bijection_corr_cholesky(), u));
}

static void test_gradients(void) {
    FD_CHECK1(lp_eta, fd_uniform(6, 0.3, 3, GEN_DIMS(3)), 1e-6, 1e-8);
    FD_CHECK1(lp_eta, gen_scalar(0.8), 1e-6, 1e-8);
    FD_CHECK1(lp_u, fd_uniform(7, -1, 1, GEN_DIMS(3, 6)), 1e-6, 1e-8);
}

static void test_errors(void) {
    CHECK(gen_lkj_cholesky(1, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lkj_cholesky: dim must be >= 2, got 1");
    CHECK(gen_lkj_cholesky(3, gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lkj_cholesky: eta must be > 0, got 0 at index [1]");
    CHECK(gen_lkj_cholesky(3, gen_scalar(INFINITY)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lkj_cholesky: eta must be finite, got inf");
    CHECK(gen_lkj_cholesky(3, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "lkj_cholesky: parameter eta is NULL");
    gen_dist *d = gen_lkj_cholesky(3, gen_scalar(1));
    CHECK(gen_dist_logpdf(d, gen_eye(2, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "lkj_cholesky: logpdf: value of shape [2,2] does not end in the event shape [3,3]");
    CHECK(gen_dist_rsample(d, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "lkj_cholesky has no reparameterized sampler");
}

static void test_support_and_f32(void) {
    gen_dist *d = gen_lkj_cholesky(3, gen_scalar_f32(2));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_CORR_CHOLESKY);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "corr_cholesky") == 0);
    CHECK(gen_dist_dtype(d) == GEN_F32 && gen_dist_event_ndim(d) == 2 && gen_dist_batch_ndim(d) == 0);
    gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(2), GEN_DIMS(50)));
    CHECK(gen_array_dtype(x) == GEN_F32);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK(gen_array_dtype(lp) == GEN_F32 && isfinite(check_item(gen_sum(lp, 0, NULL, false))));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_cast(gen_eye(3, GEN_F64), GEN_F32))), (double)-lkj_log_c(3, 2), 1e-6);
}

int main(void) {
    RUN(test_normalizer);
    RUN(test_logpdf);
    RUN(test_integrates_to_one);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support_and_f32);
    return check_finish();
}
