/* test_cont2_truncated_normal.c — TruncatedNormal(mu, sigma, lo, hi): logpdf against GSL
 * and against mpmath deep in the tails, infinite ends, batch shapes, inverse-CDF sampling
 * (KS against GSL CDFs for several truncations including far tails, draws inside
 * [lo, hi]), gradients of logpdf and of reparameterized draws, errors, support. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

/* log(Phi(b) - Phi(a)) from GSL, in the tail where it is accurate. */
static double ref_log_mass(double a, double b) {
    return a > 0 ? log(gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b))
                 : log(gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a));
}

static double ref_logpdf(double x, double mu, double s, double lo, double hi) {
    if (x < lo || x > hi) return -INFINITY;
    return log(gsl_ran_gaussian_pdf(x - mu, s)) - ref_log_mass((lo - mu) / s, (hi - mu) / s);
}

static gen_dist *tn(double mu, double s, double lo, double hi) {
    return gen_truncated_normal(gen_scalar(mu), gen_scalar(s), gen_scalar(lo), gen_scalar(hi));
}

static void test_logpdf(void) {
    enum { N = 60 };
    gen_array *mu = fd_uniform(1, -2, 2, GEN_DIMS(N)), *sigma = fd_uniform(2, 0.2, 3, GEN_DIMS(N));
    gen_array *lo = fd_uniform(3, -4, 1, GEN_DIMS(N)), *w = fd_uniform(4, 0.1, 5, GEN_DIMS(N));
    gen_array *t = fd_uniform(5, -0.2, 1.2, GEN_DIMS(N)); /* some x outside [lo, hi] */
    const double *m = gen_array_data(mu), *s = gen_array_data(sigma), *l = gen_array_data(lo);
    const double *wd = gen_array_data(w), *td = gen_array_data(t);
    double hi[N], x[N], want[N];
    for (int i = 0; i < N; i++) {
        hi[i] = l[i] + wd[i];
        /* every fifth end infinite */
        double lo_i = i % 5 == 1 ? -INFINITY : l[i], hi_i = i % 5 == 2 ? INFINITY : hi[i];
        x[i] = l[i] + td[i] * wd[i];
        if (i % 5 == 1) ((double *)gen_array_data(lo))[i] = -INFINITY;
        if (i % 5 == 2) hi[i] = INFINITY;
        want[i] = ref_logpdf(x[i], m[i], s[i], lo_i, hi_i);
    }
    gen_array *ha = gen_array_from_f64(GEN_DIMS(N), hi), *xa = gen_array_from_f64(GEN_DIMS(N), x);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(gen_truncated_normal(mu, sigma, lo, ha), xa));
    CHECK_ARRAY(lp, want, N, 1e-11, 0);
    /* bounds are in the support; infinities and NaN are not */
    gen_dist *d = tn(0.5, 1.5, -1, 2);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(-1))), ref_logpdf(-1, 0.5, 1.5, -1, 2), 1e-12);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(2))), ref_logpdf(2, 0.5, 1.5, -1, 2), 1e-12);
    CHECK(check_item(gen_dist_logpdf(d, gen_scalar(2.0000001))) == -INFINITY);
    CHECK(check_item(gen_dist_logpdf(tn(0, 1, 0, INFINITY), gen_scalar(INFINITY))) == -INFINITY);
    CHECK(check_item(gen_dist_logpdf(d, gen_scalar(NAN))) == -INFINITY);
    /* i64 values */
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar_i64(1))), ref_logpdf(1, 0.5, 1.5, -1, 2), 1e-12);
    /* no truncation at all: the normal */
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(1, 2, -INFINITY, INFINITY), gen_scalar(0.3))),
                log(gsl_ran_gaussian_pdf(-0.7, 2)), 1e-13);
}

/* Far tails and a tiny interval, against mpmath at 50 digits (scripts: the density
 * -z^2/2 - log sigma - log(2 pi)/2 - log(Phi(b) - Phi(a)) with mp.ncdf, inputs the
 * exact doubles). GSL's CDFs cannot resolve these (Q(40) underflows). */
static void test_tails(void) {
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(0, 1, 8, INFINITY), gen_scalar(8.5))),
                -2.0305013732901228463, 1e-13);
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(0, 1, -INFINITY, -30), gen_scalar(-30.01))),
                3.1022554231384774541, 1e-13);
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(0, 1, 40, 41), gen_scalar(40.5))),
                -16.435496519450884573, 1e-13);
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(3, 0.25, -2, -1), gen_scalar(-1.5))),
                -29.837248098325095833, 1e-13);
    CHECK_CLOSE(check_item(gen_dist_logpdf(tn(0, 1, -50, 50), gen_scalar(0.3))),
                -0.96393853320467273845, 1e-14);
    /* Narrow intervals: log Z = log Phi(b) + log(1 - e^(log Phi(a) - log Phi(b))) keeps
     * only absolute accuracy ~1e-16 |log Phi| / (Phi(b) - Phi(a)) * Phi(b), here ~1e-7
     * for a width of 2e-9 standard deviations (the known limit of the log-space form). */
    CHECK_NEAR(check_item(gen_dist_logpdf(tn(2, 0.5, 1, 1 + 1e-9), gen_scalar(1 + 5e-10))),
               20.72326575420604358, 3e-7);
    CHECK_NEAR(check_item(gen_dist_logpdf(tn(1, 1e-3, 1, 1.0000000002), gen_scalar(1.0000000001))),
               22.332703666640145621, 3e-7);
}

static void test_shapes(void) {
    gen_dist *d = gen_truncated_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_scalar(1),
                                       gen_full(GEN_F64, GEN_DIMS(2, 1), -1), gen_scalar(INFINITY));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_scalar(0.5)), 2, 3);
    CHECK(strcmp(gen_dist_name(d), "truncated_normal") == 0);
    CHECK(gen_dist_num_params(d) == 4 && strcmp(gen_dist_param_name(d, 3), "hi") == 0);
    /* f32 parameters give f32 values and densities */
    gen_dist *f = gen_truncated_normal(gen_scalar_f32(0), gen_scalar_f32(1), gen_scalar_f32(-1),
                                       gen_scalar_f32(2));
    gen_array *fs = gen_dist_sample(f, gen_key_new(2), GEN_DIMS(100));
    CHECK(gen_array_dtype(fs) == GEN_F32);
    gen_array *fl = gen_dist_logpdf(f, gen_scalar_f32(0.5f));
    CHECK(gen_array_dtype(fl) == GEN_F32);
    CHECK_CLOSE(check_item(fl), ref_logpdf(0.5, 0, 1, -1, 2), 1e-6);
    double mn, mx;
    gen_item(gen_min(fs, 0, NULL, false), &mn);
    gen_item(gen_max(fs, 0, NULL, false), &mx);
    CHECK(mn >= -1 && mx <= 2);
}

/* CDF of the truncated normal, params {mu, sigma, lo, hi}, from the tail where GSL is exact. */
static double tn_cdf(double x, const double *p) {
    double a = (p[2] - p[0]) / p[1], b = (p[3] - p[0]) / p[1], z = (x - p[0]) / p[1];
    if (x <= p[2]) return 0;
    if (x >= p[3]) return 1;
    if (a > 0)
        return (gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(z)) /
               (gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b));
    return (gsl_cdf_ugaussian_P(z) - gsl_cdf_ugaussian_P(a)) /
           (gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a));
}

/* Mean and variance: mu + sigma m, sigma^2 (1 + (a phi(a) - b phi(b))/Z - m^2), with
 * m = (phi(a) - phi(b))/Z (terms at infinite ends are 0). */
static void tn_moments(const double *p, double *mean, double *var) {
    double a = (p[2] - p[0]) / p[1], b = (p[3] - p[0]) / p[1];
    double Z = exp(ref_log_mass(a, b));
    double pa = gsl_ran_ugaussian_pdf(a), pb = gsl_ran_ugaussian_pdf(b);
    double apa = isfinite(a) ? a * pa : 0, bpb = isfinite(b) ? b * pb : 0, m = (pa - pb) / Z;
    *mean = p[0] + p[1] * m;
    *var = p[1] * p[1] * (1 + (apa - bpb) / Z - m * m);
}

static void test_sampling(void) {
    const double cases[][4] = {
        {1.5, 0.7, 0.5, 3},      {0, 1, -1, 2},        {0, 1, 8, INFINITY},
        {0, 1, -INFINITY, -30},  {2, 3, -INFINITY, 1}, {-1, 0.5, 0, INFINITY},
        {0, 1, -0.01, 0.01},     {0, 1, 5, 6},
    };
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        const double *p = cases[c];
        char what[96];
        snprintf(what, sizeof what, "truncated_normal(%g, %g, %g, %g)", p[0], p[1], p[2], p[3]);
        gen_array *s = gen_dist_sample(tn(p[0], p[1], p[2], p[3]), gen_key_new((uint64_t)c), GEN_DIMS(100000));
        STATS_KS(what, s, tn_cdf, p);
        double mean, var, mn, mx;
        tn_moments(p, &mean, &var);
        STATS_MOMENTS(what, s, mean, var);
        gen_item(gen_min(s, 0, NULL, false), &mn);
        gen_item(gen_max(s, 0, NULL, false), &mx);
        CHECK(mn >= p[2] && mx <= p[3]);
    }
    /* deeper than any CDF-level resolution: still inside */
    gen_array *s = gen_dist_sample(tn(0, 1, 60, 60.5), gen_key_new(9), GEN_DIMS(1000));
    double mn, mx;
    gen_item(gen_min(s, 0, NULL, false), &mn);
    gen_item(gen_max(s, 0, NULL, false), &mx);
    CHECK(mn >= 60 && mx <= 60.5 && mx < 60.3); /* P(x > 60.3) ~ e^-18 */
    STATS_MOMENTS("truncated_normal(0, 1, 60, 60.5)", s, 60 + 1 / 60.0 - 2 / (60.0 * 60 * 60), -1);
    s = gen_dist_sample(tn(0, 1, -INFINITY, -45), gen_key_new(10), GEN_DIMS(1000));
    gen_item(gen_min(s, 0, NULL, false), &mn);
    gen_item(gen_max(s, 0, NULL, false), &mx);
    CHECK(mx <= -45 && mn > -45.5);
}

static gen_array *lp_x(const gen_array *x) {
    return gen_dist_logpdf(tn(0.3, 1.7, -1, 2.5), x);
}
static gen_array *lp_x_tail(const gen_array *x) {
    return gen_dist_logpdf(tn(0, 1, 6, INFINITY), x);
}

/* The distribution from closure inputs (mu, sigma, lo, hi), or with three inputs and an
 * infinite end (payload "lo" or "hi": which one is infinite). */
static gen_dist *tn_in(void *which, int n_in, gen_array *const *in) {
    if (n_in == 4) return gen_truncated_normal(in[0], in[1], in[2], in[3]);
    if (strcmp(which, "lo") == 0) return gen_truncated_normal(in[0], in[1], gen_scalar(-INFINITY), in[2]);
    return gen_truncated_normal(in[0], in[1], in[2], gen_scalar(INFINITY));
}

static gen_status lp_params(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_logpdf(tn_in(payload, n_in, in), gen_array_from_f64(GEN_DIMS(3), (double[]){-0.5, 0.5, 1.2}));
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_status rsample_params(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_dist_rsample(tn_in(payload, n_in, in), gen_key_new(9), GEN_DIMS(5));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(4, -0.9, 2.4, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK1(lp_x_tail, fd_uniform(5, 6.1, 8, GEN_DIMS(3)), 1e-7, 1e-9);
    gen_closure f = {lp_params, NULL}, flo = {lp_params, "lo"}, fhi = {lp_params, "hi"};
    gen_array *in[4] = {fd_uniform(5, -1, 1, GEN_DIMS(3)), fd_uniform(6, 0.5, 2, GEN_DIMS(3)),
                        fd_uniform(7, -3, -1, GEN_DIMS(3)), fd_uniform(8, 1.5, 3, GEN_DIMS(3))};
    FD_CHECK("logpdf(mu, sigma, lo, hi)", f, 4, in, 1, 1e-7, 1e-9);
    /* broadcast parameters, an infinite end, an upper-tail interval */
    gen_array *in2[3] = {gen_scalar(0.2), gen_scalar(1.3), gen_scalar(1.5)};
    FD_CHECK("logpdf, lo = -inf", flo, 3, in2, 1, 1e-7, 1e-9);
    gen_array *in3[3] = {gen_scalar(-3), gen_scalar(0.8), gen_scalar(-1)};
    FD_CHECK("logpdf, hi = inf, upper tail", fhi, 3, in3, 1, 1e-7, 1e-9);
    gen_closure r = {rsample_params, NULL}, rlo = {rsample_params, "lo"}, rhi = {rsample_params, "hi"};
    gen_array *in4[4] = {fd_uniform(7, -1, 1, GEN_DIMS(5)), fd_uniform(8, 0.5, 2, GEN_DIMS(5)),
                         fd_uniform(9, -2, -1, GEN_DIMS(5)), fd_uniform(10, 0.5, 2, GEN_DIMS(5))};
    FD_CHECK("rsample(mu, sigma, lo, hi)", r, 4, in4, 1, 1e-6, 1e-8);
    gen_array *in5[3] = {gen_scalar(0.3), gen_scalar(1.1), gen_scalar(0.5)};
    FD_CHECK("rsample, lo = -inf", rlo, 3, in5, 1, 1e-6, 1e-8);
    gen_array *in6[3] = {gen_scalar(-2), gen_scalar(0.7), gen_scalar(1)};
    FD_CHECK("rsample, hi = inf, upper tail", rhi, 3, in6, 1, 1e-6, 1e-8);
    CHECK(gen_dist_has_rsample(tn(0, 1, -1, 1)));
}

static void test_errors(void) {
    CHECK(gen_truncated_normal(gen_scalar(0), gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0}),
                               gen_scalar(-1), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: sigma must be > 0, got 0 at index [1]");
    CHECK(tn(0, INFINITY, -1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: sigma must be finite");
    CHECK(tn(NAN, 1, -1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: mu must be finite");
    CHECK(tn(0, 1, NAN, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: lo must be a number (not NaN)");
    CHECK(tn(0, 1, -1, NAN) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: hi must be a number (not NaN)");
    CHECK(tn(0, 1, 1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: lo must be < hi, got 1 and 1");
    CHECK(tn(0, 1, INFINITY, INFINITY) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "truncated_normal: lo must be < hi, got inf and inf");
    CHECK(gen_truncated_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_scalar(1), gen_scalar(0),
                               gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "truncated_normal: shapes [2] and [3] do not broadcast");
    CHECK(gen_truncated_normal(gen_scalar(0), gen_scalar(1), NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "truncated_normal: parameter lo is NULL");
    CHECK(gen_dist_enumerate(tn(0, 1, -1, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "truncated_normal has no finite support");
}

static void test_support(void) {
    gen_dist *d = tn(0, 1, -1, INFINITY);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL);
    CHECK(check_item(s.lo) == -1 && check_item(s.hi) == INFINITY);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "interval") == 0);
    /* maps the reals into the support */
    gen_array *x = gen_bijection_forward(b, gen_array_from_f64(GEN_DIMS(3), (double[]){-30, 0, 30}));
    const double *xd = gen_array_data(x);
    CHECK(xd[0] >= -1 && isfinite(xd[2]) && xd[1] > -1);
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_tails);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
