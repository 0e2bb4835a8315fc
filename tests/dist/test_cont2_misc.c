/* test_cont2_misc.c — PiecewiseUniform, BroadcastedNormal, Delta and the improper flat /
 * half_flat priors: densities against direct references (GSL for the normal), shapes,
 * sampling (KS, moments), gradients, errors, supports, bijections, enumeration. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

/* ---- piecewise uniform ---- */

static const double PB[4] = {-1, 0.5, 2, 5}, PP[3] = {0.2, 0.5, 0.3};

static gen_dist *pw(void) {
    return gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), PB), gen_array_from_f64(GEN_DIMS(3), PP));
}

static double pw_ref(double x, const double *b, const double *p, int k) {
    for (int j = 0; j < k; j++)
        if (x >= b[j] && (x < b[j + 1] || (j == k - 1 && x == b[k]))) return log(p[j] / (b[j + 1] - b[j]));
    return -INFINITY;
}

static double pw_cdf(double x, const double *unused) {
    (void)unused;
    double c = 0;
    for (int j = 0; j < 3; j++) {
        if (x >= PB[j + 1]) c += PP[j];
        else if (x > PB[j]) c += PP[j] * (x - PB[j]) / (PB[j + 1] - PB[j]);
    }
    return c;
}

static void test_pw_logpdf(void) {
    gen_array *x = fd_uniform(1, -2, 6, GEN_DIMS(40));
    const double *xd = gen_array_data(x);
    double want[40];
    for (int i = 0; i < 40; i++) want[i] = pw_ref(xd[i], PB, PP, 3);
    CHECK_ARRAY(gen_dist_logpdf(pw(), x), want, 40, 1e-14, 0);
    /* bins are [b_k, b_k+1), the last one closed; outside, inf, nan: -inf */
    double pts[] = {-1, 0.5, 2, 5, 5.000001, -1.0000001, INFINITY, NAN};
    for (int i = 0; i < 8; i++)
        CHECK_CLOSE(check_item(gen_dist_logpdf(pw(), gen_scalar(pts[i]))), pw_ref(pts[i], PB, PP, 3), 1e-14);
    /* a zero-probability bin has density 0 */
    gen_dist *z = gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 2}),
                                        gen_array_from_f64(GEN_DIMS(2), (double[]){0, 1}));
    CHECK(check_item(gen_dist_logpdf(z, gen_scalar(0.5))) == -INFINITY);
    CHECK_CLOSE(check_item(gen_dist_logpdf(z, gen_scalar(1.5))), 0, 0);
    /* batch: bounds [2, 3] and probs [2] -> batch [2] */
    gen_array *b = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0, 1, 3, -2, 0, 2});
    gen_dist *bd = gen_piecewise_uniform(b, gen_array_from_f64(GEN_DIMS(2), (double[]){0.25, 0.75}));
    CHECK(gen_dist_batch_ndim(bd) == 1 && gen_dist_batch_shape(bd)[0] == 2 && gen_dist_event_ndim(bd) == 0);
    gen_array *lp = gen_dist_logpdf(bd, gen_array_from_f64(GEN_DIMS(3, 1), (double[]){0.5, 1.5, -1}));
    CHECK_SHAPE(lp, 3, 2);
    double wb[6] = {log(0.25), log(0.75 / 2), log(0.75 / 2), log(0.75 / 2), -INFINITY, log(0.25 / 2)};
    CHECK_ARRAY(lp, wb, 6, 1e-14, 0);
    gen_array *s = gen_dist_sample(bd, gen_key_new(3), GEN_DIMS(5));
    CHECK_SHAPE(s, 5, 2);
    CHECK_SHAPE(gen_dist_logpdf(bd, s), 5, 2);
}

static void test_pw_sampling(void) {
    gen_array *s = gen_dist_sample(pw(), gen_key_new(7), GEN_DIMS(100000));
    STATS_KS("piecewise_uniform", s, pw_cdf, NULL);
    double m = 0, m2 = 0;
    for (int j = 0; j < 3; j++) {
        double a = PB[j], b = PB[j + 1];
        m += PP[j] * (a + b) / 2;
        m2 += PP[j] * (a * a + a * b + b * b) / 3;
    }
    STATS_MOMENTS("piecewise_uniform", s, m, m2 - m * m);
    /* zero-probability bins are never drawn */
    gen_dist *z = gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), (double[]){0, 1, 2, 3}),
                                        gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 0}));
    double mn, mx;
    s = gen_dist_sample(z, gen_key_new(8), GEN_DIMS(10000));
    gen_item(gen_min(s, 0, NULL, false), &mn);
    gen_item(gen_max(s, 0, NULL, false), &mx);
    CHECK(mn >= 1 && mx <= 2);
    CHECK(!gen_dist_has_rsample(pw()));
}

/* probs = w / sum(w), so perturbed inputs stay on the simplex */
static gen_array *pw_lp(const gen_array *b, const gen_array *w) {
    gen_array *p = gen_div(w, gen_sum(w, 0, NULL, false));
    return gen_dist_logpdf(gen_piecewise_uniform(b, p), gen_array_from_f64(GEN_DIMS(3), (double[]){-0.5, 1, 4.5}));
}
static gen_array *pw_lp_x(const gen_array *x) { return gen_dist_logpdf(pw(), x); }

static void test_pw_gradients(void) {
    /* piecewise constant in x: zero gradient away from the bounds */
    FD_CHECK1(pw_lp_x, gen_array_from_f64(GEN_DIMS(3), (double[]){-0.3, 1.1, 4}), 1e-7, 1e-9);
    FD_CHECK2(pw_lp, gen_array_from_f64(GEN_DIMS(4), PB), gen_array_from_f64(GEN_DIMS(3), PP), 1e-7, 1e-9);
}

static void test_pw_errors(void) {
    gen_array *p = gen_array_from_f64(GEN_DIMS(3), PP);
    CHECK(gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), (double[]){0, 1, 1, 2}), p) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "piecewise_uniform: bounds must be strictly increasing, got 1 after 1 at index [2]");
    CHECK(gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), (double[]){0, 1, 2, INFINITY}), p) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "piecewise_uniform: bounds must be finite, got inf at index [3]");
    CHECK(gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 2}), p) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "piecewise_uniform: bounds must have one more element than probs along the last axis (K+1 and K, K >= 1), got shapes [3] and [3]");
    CHECK(gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), PB),
                                gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0.6, 0.1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "piecewise_uniform: probs must sum to 1");
    CHECK(gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(4), PB),
                                gen_array_from_f64(GEN_DIMS(3), (double[]){-0.5, 1, 0.5})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "piecewise_uniform: probs must be >= 0, got -0.5 at index [0]");
    CHECK(gen_piecewise_uniform(gen_scalar(0), p) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "piecewise_uniform: bounds must have at least 1 dimension, got shape []");
    CHECK(gen_piecewise_uniform(gen_zeros(GEN_F64, GEN_DIMS(2, 4)), gen_full(GEN_F64, GEN_DIMS(3, 3), 1.0 / 3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "piecewise_uniform: bounds must be strictly increasing");
    gen_array *bb = gen_array_from_f64(GEN_DIMS(2, 4), (double[]){0, 1, 2, 3, 0, 1, 2, 3});
    CHECK(gen_piecewise_uniform(bb, gen_full(GEN_F64, GEN_DIMS(3, 3), 1.0 / 3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "piecewise_uniform: shapes [2] and [3] do not broadcast");
    CHECK(gen_piecewise_uniform(NULL, p) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "piecewise_uniform: parameter bounds is NULL");
    gen_support s;
    CHECK_OK(gen_dist_support(pw(), &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && check_item(s.lo) == -1 && check_item(s.hi) == 5);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(pw())), "interval") == 0);
    CHECK(gen_dist_enumerate(pw()) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "piecewise_uniform has no finite support");
}

/* ---- broadcasted normal ---- */

static double std_normal_cdf(double x, const double *unused) {
    (void)unused;
    return gsl_cdf_ugaussian_P(x);
}

static void test_bn(void) {
    gen_array *mu = fd_uniform(1, -2, 2, GEN_DIMS(2, 3)), *sigma = fd_uniform(2, 0.3, 2, GEN_DIMS(3));
    gen_dist *d = gen_broadcasted_normal(mu, sigma);
    CHECK(gen_dist_batch_ndim(d) == 0 && gen_dist_event_ndim(d) == 2);
    CHECK(gen_dist_event_shape(d)[0] == 2 && gen_dist_event_shape(d)[1] == 3);
    gen_array *x = fd_uniform(3, -3, 3, GEN_DIMS(4, 2, 3));
    const double *xd = gen_array_data(x), *md = gen_array_data(mu), *sd = gen_array_data(sigma);
    double want[4] = {0};
    for (int i = 0; i < 24; i++) want[i / 6] += log(gsl_ran_gaussian_pdf(xd[i] - md[i % 6], sd[i % 3]));
    gen_array *lp = gen_dist_logpdf(d, x);
    CHECK_SHAPE(lp, 4);
    CHECK_ARRAY(lp, want, 4, 1e-13, 0);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_slice(x, 0, 0, 1, 1)), 1);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "broadcasted_normal: logpdf: value of shape [3] does not end in the event shape [2,3]");
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(5));
    CHECK_SHAPE(s, 5, 2, 3);
    /* sampling: standardized draws are N(0, 1) */
    gen_dist *d2 = gen_broadcasted_normal(gen_array_from_f64(GEN_DIMS(2), (double[]){1, -3}), gen_scalar(0.5));
    s = gen_dist_sample(d2, gen_key_new(2), GEN_DIMS(50000));
    gen_array *z = gen_div(gen_sub(s, gen_array_from_f64(GEN_DIMS(2), (double[]){1, -3})), gen_scalar(0.5));
    STATS_MOMENTS("broadcasted_normal (standardized)", z, 0, 1);
    gen_array *z0 = gen_reshape(gen_slice(z, 1, 0, 1, 1), GEN_DIMS(50000));
    STATS_KS("broadcasted_normal element 0", z0, std_normal_cdf, NULL);
    /* f32 */
    gen_dist *f = gen_broadcasted_normal(gen_zeros(GEN_F32, GEN_DIMS(2)), gen_scalar_f32(1));
    CHECK(gen_dist_dtype(f) == GEN_F32 && gen_array_dtype(gen_dist_sample(f, gen_key_new(1), 0, NULL)) == GEN_F32);
    gen_support sp;
    CHECK_OK(gen_dist_support(d, &sp));
    CHECK(sp.kind == GEN_SUPPORT_REAL && strcmp(gen_bijection_name(gen_dist_bijection(d)), "identity") == 0);
}

/* The fused one-pass logpdf (one f64 sigma, no transform running) against GSL and
 * against the array path (forced by running under gen_jvp), for a value of the full
 * shape and one of the event shape shared by the batch. */
static gen_status bn_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_broadcasted_normal(in[0], in[1]), in[2]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_bn_fused(void) {
    gen_array *mu = fd_uniform(4, -2, 2, GEN_DIMS(2, 3)), *sigma = gen_scalar(0.7);
    const double *md = gen_array_data(mu);
    gen_array *xs[2] = {fd_uniform(5, -3, 3, GEN_DIMS(2, 3)), fd_uniform(6, -3, 3, GEN_DIMS(2, 3))};
    for (int k = 0; k < 2; k++) {
        gen_array *x = xs[k];
        const double *xd = gen_array_data(x);
        double want = 0;
        for (int i = 0; i < 6; i++) want += log(gsl_ran_gaussian_pdf(xd[i] - md[i], 0.7));
        gen_array *in[3] = {mu, sigma, x}, *out = NULL, *t = NULL;
        double fast = check_item(gen_dist_logpdf(gen_broadcasted_normal(mu, sigma), x));
        CHECK_CLOSE(fast, want, 1e-13);
        CHECK_OK(gen_jvp((gen_closure){bn_closure, NULL}, 3, in, NULL, 1, &out, &t));
        if (out) CHECK_CLOSE(fast, check_item(out), 1e-14);
    }
    /* batched mode: mu [N, 3] per particle, x [3] shared; one density per particle */
    gen_array *mb = fd_uniform(7, -2, 2, GEN_DIMS(4, 3)), *xe = fd_uniform(8, -3, 3, GEN_DIMS(3));
    CHECK_OK(gen_batch_begin(4));
    gen_dist *d = gen_broadcasted_normal(gen_batched(mb), sigma);
    gen_batch_end();
    CHECK(d && gen_dist_batch_ndim(d) == 1 && gen_dist_event_ndim(d) == 1);
    gen_array *lp = gen_dist_logpdf(d, xe);
    CHECK_SHAPE(lp, 4);
    for (int r = 0; lp && r < 4; r++) {
        double want = 0;
        for (int j = 0; j < 3; j++)
            want += log(gsl_ran_gaussian_pdf(((const double *)gen_array_data(xe))[j] -
                                             ((const double *)gen_array_data(mb))[r * 3 + j], 0.7));
        CHECK_CLOSE(((const double *)gen_array_data(lp))[r], want, 1e-13);
    }
}

/* The one-node reverse-mode path (under a single gen_value_and_grad) for x of the event
 * shape and mu, sigma each one value or of that shape (both one value: the event is 0-d
 * and the array path runs): the value against GSL and the
 * gradient in x, mu and sigma against finite differences (whose forward-mode half runs
 * the array path). */
static gen_status bn_sum_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_dist_logpdf(gen_broadcasted_normal(in[0], in[1]), in[2]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_bn_reverse_fused(void) {
    gen_array *x = fd_uniform(11, -3, 3, GEN_DIMS(5));
    gen_array *mus[2] = {gen_scalar(0.4), fd_uniform(12, -1, 1, GEN_DIMS(5))};
    gen_array *sgs[2] = {gen_scalar(0.8), fd_uniform(13, 0.3, 2, GEN_DIMS(5))};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            gen_array *in[3] = {mus[a], sgs[b], x}, *v = NULL, *g[3];
            double want = 0;
            for (int j = 0; j < 5; j++) {
                double m = ((const double *)gen_array_data(mus[a]))[a ? j : 0];
                double sd = ((const double *)gen_array_data(sgs[b]))[b ? j : 0];
                want += log(gsl_ran_gaussian_pdf(((const double *)gen_array_data(x))[j] - m, sd));
            }
            CHECK_OK(gen_value_and_grad((gen_closure){bn_sum_closure, NULL}, 3, in, &v, g));
            if (v) CHECK_CLOSE(check_item(v), want, 1e-13);
            if (v) CHECK(gen_array_size(g[0]) == gen_array_size(mus[a]) && gen_array_size(g[1]) == gen_array_size(sgs[b]));
            FD_CHECK("broadcasted_normal reverse fused", ((gen_closure){bn_sum_closure, NULL}), 3, in, 1, 1e-7, 1e-9);
        }
}

static gen_array *bn_lp_x(const gen_array *x) {
    return gen_dist_logpdf(gen_broadcasted_normal(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, -1}), gen_scalar(1.3)), x);
}
static gen_array *bn_lp_params(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_logpdf(gen_broadcasted_normal(mu, sigma), gen_array_from_f64(GEN_DIMS(2, 3), (double[]){-1, 0.5, 2, 0, 1, -2}));
}
static gen_array *bn_rsample(const gen_array *mu, const gen_array *sigma) {
    return gen_dist_rsample(gen_broadcasted_normal(mu, sigma), gen_key_new(9), GEN_DIMS(2));
}

static void test_bn_gradients(void) {
    FD_CHECK1(bn_lp_x, fd_uniform(4, -3, 3, GEN_DIMS(2, 3)), 1e-7, 1e-9);
    FD_CHECK2(bn_lp_params, fd_uniform(5, -1, 1, GEN_DIMS(3)), fd_uniform(6, 0.5, 2, GEN_DIMS(2, 1)), 1e-7, 1e-9);
    FD_CHECK2(bn_rsample, fd_uniform(7, -1, 1, GEN_DIMS(3)), gen_scalar(0.7), 1e-7, 1e-9);
    CHECK(gen_dist_has_rsample(gen_broadcasted_normal(gen_scalar(0), gen_scalar(1))));
    CHECK(gen_broadcasted_normal(gen_scalar(0), gen_array_from_f64(GEN_DIMS(2), (double[]){1, -1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "broadcasted_normal: sigma must be > 0, got -1 at index [1]");
    CHECK(gen_broadcasted_normal(gen_scalar(NAN), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "broadcasted_normal: mu must be finite");
    CHECK(gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "broadcasted_normal: shapes [2] and [3] do not broadcast");
    CHECK(gen_broadcasted_normal(gen_scalar(0), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "broadcasted_normal: parameter sigma is NULL");
}

/* ---- delta ---- */

static void test_delta(void) {
    gen_array *v = gen_array_from_f64(GEN_DIMS(2), (double[]){1.5, -2});
    gen_dist *d = gen_delta(v);
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_batch_ndim(d) == 0 && !gen_dist_is_discrete(d));
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){1.5, -2, 1.5, -2.0000001, 0, 0});
    CHECK_ARRAY(gen_dist_logpdf(d, x), ((double[]){0, -INFINITY, -INFINITY}), 3, 0, 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2);
    CHECK_ARRAY(s, ((double[]){1.5, -2, 1.5, -2, 1.5, -2, 1.5, -2}), 8, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, s), ((double[]){0, 0, 0, 0}), 4, 0, 0);
    /* a scalar i64 delta is discrete; enumerate gives the point */
    gen_dist *di = gen_delta(gen_scalar_i64(3));
    CHECK(gen_dist_is_discrete(di) && gen_dist_dtype(di) == GEN_I64);
    gen_array *e = gen_dist_enumerate(di);
    CHECK_SHAPE(e, 1);
    CHECK(gen_array_dtype(e) == GEN_I64 && check_item(e) == 3);
    CHECK_ARRAY(gen_dist_logpdf(di, gen_array_from_f64(GEN_DIMS(2), (double[]){3, 3.5})), ((double[]){0, -INFINITY}), 2, 0, 0);
    CHECK(gen_array_dtype(gen_dist_sample(di, gen_key_new(2), GEN_DIMS(3))) == GEN_I64);
    CHECK_SHAPE(gen_dist_enumerate(d), 1, 2);
    /* bool and f32 */
    CHECK(gen_dist_dtype(gen_delta(gen_scalar_bool(true))) == GEN_BOOL);
    CHECK(gen_array_dtype(gen_dist_logpdf(gen_delta(gen_scalar_f32(1)), gen_scalar_f32(1))) == GEN_F32);
    /* support: the point */
    gen_support sp;
    CHECK_OK(gen_dist_support(d, &sp));
    CHECK(sp.kind == GEN_SUPPORT_POINT && sp.lo == v && sp.hi == v);
    CHECK(gen_dist_bijection(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "delta: no bijection onto a point support");
    CHECK(gen_delta(gen_array_from_f64(GEN_DIMS(2), (double[]){0, NAN})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "delta: v must be a number (not NaN), got nan at index [1]");
    CHECK(gen_delta(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "delta: parameter v is NULL");
}

static gen_array *delta_lp_x(const gen_array *x) {
    return gen_dist_logpdf(gen_delta(gen_array_from_f64(GEN_DIMS(2), (double[]){0.25, 1})), x);
}
static gen_array *delta_lp_v(const gen_array *v) {
    return gen_dist_logpdf(gen_delta(v), gen_array_from_f64(GEN_DIMS(2), (double[]){0.25, 1}));
}
static gen_array *delta_rsample(const gen_array *v) { return gen_dist_rsample(gen_delta(v), gen_key_new(1), GEN_DIMS(3)); }

static void test_delta_gradients(void) {
    /* zero gradients (no NaN), at the point and away from it */
    gen_array *pts[2] = {gen_array_from_f64(GEN_DIMS(2), (double[]){0.25, 1}), gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 1})};
    for (int i = 0; i < 2; i++) {
        static fd_fn1 fn = delta_lp_x;
        gen_array *g[1];
        CHECK_OK(gen_grad(fd_closure1(&fn), 1, pts + i, g));
        CHECK_ARRAY(g[0], ((double[]){0, 0}), 2, 0, 0);
    }
    static fd_fn1 fv = delta_lp_v;
    gen_array *g[1];
    CHECK_OK(gen_grad(fd_closure1(&fv), 1, pts, g));
    CHECK_ARRAY(g[0], ((double[]){0, 0}), 2, 0, 0);
    FD_CHECK1(delta_rsample, fd_uniform(1, -1, 1, GEN_DIMS(2)), 1e-9, 1e-9); /* identity in v */
}

/* ---- flat, half_flat ---- */

static void test_improper(void) {
    gen_dist *f = gen_flat(GEN_DIMS(2)), *h = gen_half_flat(0, NULL);
    CHECK(gen_dist_event_ndim(f) == 1 && gen_dist_event_shape(f)[0] == 2 && gen_dist_num_params(f) == 0);
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){1e300, -5, 0, INFINITY, NAN, 1});
    CHECK_ARRAY(gen_dist_logpdf(f, x), ((double[]){0, -INFINITY, -INFINITY}), 3, 0, 0);
    gen_array *y = gen_array_from_f64(GEN_DIMS(6), (double[]){1e-300, 5, 0, -1, INFINITY, NAN});
    CHECK_ARRAY(gen_dist_logpdf(h, y), ((double[]){0, 0, -INFINITY, -INFINITY, -INFINITY, -INFINITY}), 6, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_half_flat(GEN_DIMS(3)), gen_array_from_f64(GEN_DIMS(3), (double[]){1, 2, 3})),
                ((double[]){0}), 1, 0, 0);
    CHECK(gen_array_dtype(gen_dist_logpdf(h, gen_scalar_f32(1))) == GEN_F32);
    CHECK(check_item(gen_dist_logpdf(h, gen_scalar_i64(2))) == 0);
    /* improper: no sampling */
    CHECK(gen_dist_sample(f, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "gen_dist_sample: flat cannot be simulated (an improper prior)");
    CHECK(gen_dist_rsample(h, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "gen_dist_rsample: half_flat cannot be simulated (an improper prior)");
    CHECK(!gen_dist_has_rsample(f));
    /* supports and bijections: identity / exp */
    gen_support s;
    CHECK_OK(gen_dist_support(f, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    CHECK_OK(gen_dist_support(h, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    gen_bijection *bf = gen_dist_bijection(f), *bh = gen_dist_bijection(h);
    CHECK(strcmp(gen_bijection_name(bf), "identity") == 0 && strcmp(gen_bijection_name(bh), "exp") == 0);
    CHECK_CLOSE(check_item(gen_bijection_forward(bh, gen_scalar(0.5))), exp(0.5), 1e-15);
    CHECK_CLOSE(check_item(gen_bijection_forward(bf, gen_scalar(0.5))), 0.5, 0);
    CHECK(gen_flat(-1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "flat: ndim must be in 0..");
    CHECK(gen_half_flat(GEN_DIMS(2, -1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "half_flat");
    CHECK(gen_flat(2, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "flat: the event shape is NULL (ndim 2)");
    CHECK(gen_dist_enumerate(f) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "flat has no finite support");
}

static gen_array *hf_lp(const gen_array *x) { return gen_dist_logpdf(gen_half_flat(GEN_DIMS(2)), x); }

static void test_improper_gradients(void) {
    FD_CHECK1(hf_lp, fd_uniform(2, 0.5, 2, GEN_DIMS(3, 2)), 1e-9, 1e-9);
}

int main(void) {
    RUN(test_pw_logpdf);
    RUN(test_pw_sampling);
    RUN(test_pw_gradients);
    RUN(test_pw_errors);
    RUN(test_bn);
    RUN(test_bn_gradients);
    RUN(test_bn_fused);
    RUN(test_bn_reverse_fused);
    RUN(test_delta);
    RUN(test_delta_gradients);
    RUN(test_improper);
    RUN(test_improper_gradients);
    return check_finish();
}
