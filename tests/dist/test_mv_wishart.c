/* test_mv_wishart.c — Wishart(df, scale) and InverseWishart(df, scale): logpdf against
 * GSL (the inverse Wishart through GSL's Wishart density of X^-1 with scale^-1 and the
 * Jacobian |X|^-(n+1) of inversion), values off the support, batch shapes, sampling
 * (means, variances, diagonal marginals by KS), gradients in x, df and scale, parameter
 * errors, support and bijection, f32. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "stats.h"
#include "test_mv_util.h"

/* GSL's Wishart log density of x (n x n) for df and scale; with inverse, the inverse
 * Wishart density computed from it. */
static double gsl_wishart(const double *x, double df, const double *scale, size_t n, int inverse) {
    gsl_matrix *lx = gsl_matrix_alloc(n, n), *ls = gsl_matrix_alloc(n, n), *xm = gsl_matrix_alloc(n, n);
    gsl_matrix *work = gsl_matrix_alloc(n, n);
    memcpy(lx->data, x, n * n * sizeof *x);
    memcpy(ls->data, scale, n * n * sizeof *x);
    gsl_linalg_cholesky_decomp1(lx);
    double logdet_x = 0, r;
    for (size_t i = 0; i < n; i++) logdet_x += 2 * log(gsl_matrix_get(lx, i, i));
    if (inverse) { /* X^-1 and scale^-1 and their factors */
        gsl_linalg_cholesky_invert(lx);
        gsl_linalg_cholesky_decomp1(ls);
        gsl_linalg_cholesky_invert(ls);
        gsl_matrix_memcpy(xm, lx);
        gsl_linalg_cholesky_decomp1(lx);
        gsl_linalg_cholesky_decomp1(ls);
    } else {
        memcpy(xm->data, x, n * n * sizeof *x);
        gsl_linalg_cholesky_decomp1(ls);
    }
    gsl_ran_wishart_log_pdf(xm, lx, df, ls, &r, work);
    gsl_matrix_free(lx), gsl_matrix_free(ls), gsl_matrix_free(xm), gsl_matrix_free(work);
    /* GSL 2.7 normalizes with Gamma_n((df + 1)/2) instead of Gamma_n(df/2) (its terms are
     * lgamma((df - i + 1)/2), i = 0..n-1): swap the one differing factor back. The n = 1
     * case below checks the corrected constant against gsl_ran_gamma_pdf. */
    r += lgamma((df + 1) / 2) - lgamma((df - (double)n + 1) / 2);
    return inverse ? r - (double)(n + 1) * logdet_x : r;
}

static void check_family(int inverse) {
    gen_dist *(*make)(const gen_array *, const gen_array *) = inverse ? gen_inv_wishart : gen_wishart;
    gen_array *scale = mv_spd_from(fd_uniform(1, -1, 1, GEN_DIMS(6, 3, 3)));
    gen_array *df = fd_uniform(2, 2.1, 9, GEN_DIMS(6));
    gen_array *x = mv_spd_from(fd_uniform(3, -1.5, 1.5, GEN_DIMS(2, 6, 3, 3)));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(make(df, scale), x));
    CHECK_SHAPE(lp, 2, 6);
    const double *sd = gen_array_data(scale), *dd = gen_array_data(df), *xd = gen_array_data(x);
    double want[12];
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < 6; b++) want[s * 6 + b] = gsl_wishart(xd + (s * 6 + b) * 9, dd[b], sd + b * 9, 3, inverse);
    CHECK_ARRAY(lp, want, 12, 1e-11, 1e-12);
    /* off the support: not symmetric, not positive definite, singular, NaN; no NaN out */
    gen_array *off = gen_array_from_f64(GEN_DIMS(4, 2, 2), (double[]){2, 0.5, 0.4, 2, 1, 2, 2, 1, 1, 1, 1, 1, NAN, 0, 0, 1});
    gen_dist *d2 = make(gen_scalar(3), gen_eye(2, GEN_F64));
    CHECK_ARRAY(gen_dist_logpdf(d2, off), ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY}), 4, 0, 0);
    /* symmetric within the tolerance is in the support */
    gen_array *near = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){2, 0.5, 0.5 + 1e-12, 2});
    CHECK(isfinite(check_item(gen_dist_logpdf(d2, near))));
    /* n = 1: Wishart(df, s) is Gamma(df/2, 2 s); the inverse is InvGamma(df/2, s/2) */
    gen_dist *d1 = make(gen_scalar(5), gen_array_from_f64(GEN_DIMS(1, 1), (double[]){1.5}));
    double v = 2.5, want1 = inverse ? 2.5 * log(0.75) - lgamma(2.5) - 3.5 * log(v) - 0.75 / v
                                    : log(gsl_ran_gamma_pdf(v, 2.5, 3.0));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d1, gen_array_from_f64(GEN_DIMS(1, 1), (double[]){v}))), want1, 1e-13);
}

static void test_logpdf(void) {
    check_family(0);
    check_family(1);
}

static void test_shapes(void) {
    gen_dist *d = gen_wishart(gen_array_from_f64(GEN_DIMS(2, 1), (double[]){3, 4}),
                              mv_spd_from(fd_uniform(4, -1, 1, GEN_DIMS(3, 2, 2))));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_batch_shape(d)[0] == 2 && gen_dist_batch_shape(d)[1] == 3);
    CHECK(gen_dist_event_ndim(d) == 2 && gen_dist_event_shape(d)[0] == 2 && gen_dist_event_shape(d)[1] == 2);
    gen_array *s = CHECK_ARR(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4)));
    CHECK_SHAPE(s, 4, 2, 3, 2, 2);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, s));
    CHECK_SHAPE(lp, 4, 2, 3);
    CHECK(isfinite(check_item(gen_sum(lp, 0, NULL, false)))); /* draws are in the support */
    CHECK_SHAPE(gen_dist_logpdf(d, gen_eye(2, GEN_F64)), 2, 3);
    gen_dist *iw = gen_inv_wishart(gen_scalar(4), gen_eye(2, GEN_F64));
    gen_array *si = CHECK_ARR(gen_dist_sample(iw, gen_key_new(2), GEN_DIMS(3, 2)));
    CHECK_SHAPE(si, 3, 2, 2, 2);
    CHECK(isfinite(check_item(gen_sum(gen_dist_logpdf(iw, si), 0, NULL, false))));
    CHECK(gen_dist_logpdf(iw, gen_eye(3, GEN_F64)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "inv_wishart: logpdf: value of shape [3,3] does not end in the event shape [2,2]");
}

static double chi2_scaled_cdf(double x, const double *p) { return gsl_cdf_chisq_P(x / p[1], p[0]); }
/* X_ii of InverseWishart(df, S) is InvGamma((df - n + 1)/2, S_ii / 2) */
static double inv_gamma_cdf(double x, const double *p) { return gsl_cdf_gamma_Q(1 / x, p[0], 1 / p[1]); }

static void test_sampling(void) {
    const double v[9] = {2, 0.6, -0.4, 0.6, 1, 0.3, -0.4, 0.3, 0.5};
    gen_array *scale = gen_array_from_f64(GEN_DIMS(3, 3), v);
    double df = 7;
    gen_array *s = CHECK_ARR(gen_dist_sample(gen_wishart(gen_scalar(df), scale), gen_key_new(5), GEN_DIMS(100000)));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) {
            gen_array *e = mv_column(s, i * 3 + j, 9);
            STATS_MOMENTS("wishart entry", e, df * v[i * 3 + j], df * (v[i * 3 + j] * v[i * 3 + j] + v[i * 4] * v[j * 4]));
            if (i == j) STATS_KS("wishart diagonal", e, chi2_scaled_cdf, (double[]){df, v[i * 4]});
        }
    double nu = 12, p = 3;
    gen_array *si = CHECK_ARR(gen_dist_sample(gen_inv_wishart(gen_scalar(nu), scale), gen_key_new(6), GEN_DIMS(100000)));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) {
            gen_array *e = mv_column(si, i * 3 + j, 9);
            double var = ((nu - p + 1) * v[i * 3 + j] * v[i * 3 + j] + (nu - p - 1) * v[i * 4] * v[j * 4]) /
                         ((nu - p) * (nu - p - 1) * (nu - p - 1) * (nu - p - 3));
            STATS_MOMENTS("inv_wishart entry", e, v[i * 3 + j] / (nu - p - 1), var);
            if (i == j) STATS_KS("inv_wishart diagonal", e, inv_gamma_cdf, (double[]){(nu - p + 1) / 2, v[i * 4] / 2});
        }
    /* df near n - 1: the last chi-square variate has shape 0.15 and falls below ~1e-13
     * with probability ~1%, so a few draws are numerically singular (logpdf -inf, like
     * any matrix that is not PD to working precision); none is NaN */
    gen_dist *edge = gen_wishart(gen_scalar(2.3), gen_eye(3, GEN_F64));
    gen_array *se = CHECK_ARR(gen_dist_sample(edge, gen_key_new(7), GEN_DIMS(1000)));
    gen_array *lpe = CHECK_ARR(gen_dist_logpdf(edge, se));
    int nan = 0, singular = 0;
    for (int k = 0; k < 1000; k++) nan += isnan(mv_at(lpe, k)), singular += mv_at(lpe, k) == -INFINITY;
    CHECK(nan == 0 && singular < 50);
}

/* in: A (x = A A^T + n I), df, B (scale = B B^T + n I) */
static gen_status lp_w(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    gen_dist *(*make)(const gen_array *, const gen_array *) = *(int *)p ? gen_inv_wishart : gen_wishart;
    out[0] = gen_dist_logpdf(make(in[1], mv_spd_from(in[2])), mv_spd_from(in[0]));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    for (int inv = 0; inv < 2; inv++) {
        gen_array *in[3] = {fd_uniform(10, -1, 1, GEN_DIMS(2, 3, 3)), fd_uniform(11, 3, 6, GEN_DIMS(2)),
                            fd_uniform(12, -1, 1, GEN_DIMS(3, 3))};
        FD_CHECK(inv ? "inv_wishart logpdf" : "wishart logpdf", ((gen_closure){lp_w, &inv}), 3, in, 1, 1e-6, 1e-8);
        gen_array *inb[3] = {fd_uniform(13, -1, 1, GEN_DIMS(2, 2)), gen_scalar(2.5),
                             fd_uniform(14, -1, 1, GEN_DIMS(3, 2, 2))};
        FD_CHECK("batched scale", ((gen_closure){lp_w, &inv}), 3, inb, 1, 1e-6, 1e-8);
    }
}

static void test_errors(void) {
    gen_array *i3 = gen_eye(3, GEN_F64);
    CHECK(gen_wishart(gen_array_from_f64(GEN_DIMS(2), (double[]){3, 2}), i3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "wishart: df must be > n - 1 = 2, got 2 at index [1]");
    CHECK(gen_inv_wishart(gen_scalar(NAN), i3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "inv_wishart: df must be finite, got nan");
    CHECK(gen_wishart(gen_scalar(5), gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 2, 2, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "wishart: scale must be positive definite, but its leading 2 x 2 minor is not");
    CHECK(gen_inv_wishart(gen_scalar(5), gen_array_from_f64(GEN_DIMS(2, 2, 2), (double[]){1, 0, 0, 1, 1, 1, 0, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "inv_wishart: scale must be symmetric, got 1 at [0,1] and 0 at [1,0] (matrix at batch index [1])");
    CHECK(gen_wishart(gen_scalar(5), gen_ones(GEN_F64, GEN_DIMS(2, 3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "wishart: scale must be square, got shape [2,3]");
    CHECK(gen_wishart(gen_scalar(5), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "wishart: scale must have at least 2 dimensions, got shape [3]");
    CHECK(gen_wishart(gen_scalar(5), gen_ones(GEN_F64, GEN_DIMS(0, 0))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "wishart: scale must be at least 1 x 1");
    CHECK(gen_wishart(gen_full(GEN_F64, GEN_DIMS(2), 5), mv_spd_from(gen_ones(GEN_F64, GEN_DIMS(3, 2, 2)))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "wishart: shapes [2] and [3] do not broadcast");
    CHECK(gen_wishart(NULL, i3) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "wishart: parameter df is NULL");
    CHECK(gen_inv_wishart(gen_scalar(5), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "inv_wishart: parameter scale is NULL");
    CHECK(gen_dist_rsample(gen_wishart(gen_scalar(5), i3), gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "wishart has no reparameterized sampler");
    CHECK(gen_dist_enumerate(gen_inv_wishart(gen_scalar(5), i3)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "inv_wishart has no finite support");
}

static void test_support_and_f32(void) {
    gen_array *s32 = gen_cast(gen_eye(2, GEN_F64), GEN_F32);
    for (int inv = 0; inv < 2; inv++) {
        gen_dist *d = inv ? gen_inv_wishart(gen_scalar_f32(4), s32) : gen_wishart(gen_scalar_f32(4), s32);
        gen_support s;
        CHECK_OK(gen_dist_support(d, &s));
        CHECK(s.kind == GEN_SUPPORT_POSITIVE_DEFINITE);
        CHECK(strcmp(gen_bijection_name(gen_dist_bijection(d)), "positive_definite") == 0);
        CHECK(gen_dist_dtype(d) == GEN_F32);
        gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(3), GEN_DIMS(5)));
        CHECK(gen_array_dtype(x) == GEN_F32);
        gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, gen_cast(gen_eye(2, GEN_F64), GEN_F32)));
        CHECK(gen_array_dtype(lp) == GEN_F32);
        double e[4] = {1, 0, 0, 1};
        CHECK_CLOSE(check_item(lp), gsl_wishart(e, 4, e, 2, inv), 1e-6);
    }
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
