/* test_cont2_circular.c — VonMises(mu, kappa) and WrappedCauchy(mu, gamma) on [-pi, pi):
 * logpdf against GSL's scaled Bessel I0 and against mpmath (tiny and huge gamma), the
 * support, sampling (KS against CDFs integrated numerically with GSL, moments, values
 * in [-pi, pi), the batch-native rejection sampler's element independence), gradients,
 * errors. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

#define PI 3.14159265358979323846

static gen_dist *vm(double mu, double kappa) { return gen_von_mises(gen_scalar(mu), gen_scalar(kappa)); }
static gen_dist *wc(double mu, double g) { return gen_wrapped_cauchy(gen_scalar(mu), gen_scalar(g)); }

/* References in double: the densities' closed forms (GSL's I0_scaled for the Bessel). */
static double vm_ref(double x, double mu, double k) {
    double s = sin(0.5 * (x - mu));
    return -2 * k * s * s - log(2 * PI) - log(gsl_sf_bessel_I0_scaled(k));
}
static double wc_ref(double x, double mu, double g) {
    return log(sinh(g)) - log(2 * PI) - log(cosh(g) - cos(x - mu));
}

/* ---- numerical CDF and moments (GSL QAG) ---- */

typedef struct {
    double (*lp)(double, double, double);
    double mu, k;
    int power; /* integrand x^power * density */
} dens;

static double integrand(double x, void *p) {
    const dens *d = p;
    return pow(x, d->power) * exp(d->lp(x, d->mu, d->k));
}

static gsl_integration_workspace *work;

static double integrate(dens *d, double a, double b) {
    gsl_function f = {integrand, d};
    double r, err;
    gsl_integration_qag(&f, a, b, 1e-15, 1e-10, 1000, GSL_INTEG_GAUSS61, work, &r, &err);
    return r;
}

/* The CDF on a grid of GRID cells over [-pi, pi] (each cell integrated by QAG), cubic
 * Hermite interpolation with the density as slope: error ~ (h/scale)^4 / 384, below
 * 1e-7 even for kappa = 1000 — far under the KS resolution (6e-3 at n = 1e5). */
#define GRID 4096
static struct {
    dens d;
    double c[GRID + 1], f[GRID + 1];
} tab;

static double table_cdf(double x, const double *p, double (*lp)(double, double, double)) {
    const double h = 2 * PI / GRID;
    if (tab.d.lp != lp || tab.d.mu != p[0] || tab.d.k != p[1]) {
        tab.d = (dens){lp, p[0], p[1], 0};
        for (int j = 0; j <= GRID; j++) {
            tab.f[j] = exp(lp(-PI + j * h, p[0], p[1]));
            tab.c[j] = j ? tab.c[j - 1] + integrate(&tab.d, -PI + (j - 1) * h, -PI + j * h) : 0;
        }
    }
    if (x <= -PI) return 0;
    if (x >= PI) return 1;
    int j = (int)((x + PI) / h);
    if (j >= GRID) j = GRID - 1;
    double t = (x - (-PI + j * h)) / h, t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * tab.c[j] + (t3 - 2 * t2 + t) * h * tab.f[j] +
           (-2 * t3 + 3 * t2) * tab.c[j + 1] + (t3 - t2) * h * tab.f[j + 1];
}

static double vm_cdf(double x, const double *p) { return table_cdf(x, p, vm_ref); }
static double wc_cdf(double x, const double *p) { return table_cdf(x, p, wc_ref); }

static void check_draws(const char *what, gen_array *s, stats_cdf cdf, double (*lp)(double, double, double),
                        const double *p) {
    STATS_KS(what, s, cdf, p);
    dens d1 = {lp, p[0], p[1], 1}, d2 = {lp, p[0], p[1], 2};
    double m = integrate(&d1, -PI, PI);
    STATS_MOMENTS(what, s, m, integrate(&d2, -PI, PI) - m * m);
    double mn, mx;
    gen_item(gen_min(s, 0, NULL, false), &mn);
    gen_item(gen_max(s, 0, NULL, false), &mx);
    CHECK(mn >= -PI && mx < PI);
}

/* ---- von Mises ---- */

static void test_vm_logpdf(void) {
    enum { N = 60 };
    gen_array *x = fd_uniform(1, -PI, PI, GEN_DIMS(N)), *mu = fd_uniform(2, -3, 3, GEN_DIMS(N));
    gen_array *k = fd_uniform(3, 0, 40, GEN_DIMS(N)); /* both sides of the switch at 20 */
    const double *xd = gen_array_data(x), *md = gen_array_data(mu), *kd = gen_array_data(k);
    double want[N];
    for (int i = 0; i < N; i++) want[i] = vm_ref(xd[i], md[i], kd[i]);
    CHECK_ARRAY(gen_dist_logpdf(gen_von_mises(mu, k), x), want, N, 1e-13, 1e-14);
    /* log I0e alone (x = mu), at and around the switch, tiny, huge and zero kappa */
    const double ks[] = {0, 1e-300, 1e-10, 1e-3, 0.5, 1, 7.5, 19.999, 20, 20.001, 35, 100, 1e4, 1e8, 1e300};
    for (int i = 0; i < (int)(sizeof ks / sizeof ks[0]); i++)
        CHECK_CLOSE(check_item(gen_dist_logpdf(vm(0.7, ks[i]), gen_scalar(0.7))), vm_ref(0.7, 0.7, ks[i]), 1e-14);
    /* kappa = 0: uniform on the circle */
    CHECK_CLOSE(check_item(gen_dist_logpdf(vm(1, 0), gen_scalar(-3))), -log(2 * PI), 1e-15);
    /* the far side at huge kappa: no cancellation (kappa cos - kappa) */
    CHECK_CLOSE(check_item(gen_dist_logpdf(vm(0, 1e8), gen_scalar(1e-4))), vm_ref(1e-4, 0, 1e8), 1e-13);
    /* the support: [-pi, pi] (pi is the angle -pi), nothing else */
    gen_dist *d = vm(0.5, 2);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(PI))), vm_ref(PI, 0.5, 2), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(-PI))), vm_ref(-PI, 0.5, 2), 1e-14);
    gen_array *out = gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(4), (double[]){3.2, -3.2, INFINITY, NAN}));
    CHECK_ARRAY(out, ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY}), 4, 0, 0);
    /* f32 */
    gen_array *f = gen_dist_logpdf(gen_von_mises(gen_scalar_f32(0.5f), gen_scalar_f32(30)), gen_scalar_f32(0.25f));
    CHECK(gen_array_dtype(f) == GEN_F32);
    CHECK_CLOSE(check_item(f), vm_ref(0.25, 0.5, 30), 1e-5);
}

static void test_vm_sampling(void) {
    const double cases[][2] = {{0.5, 2}, {-2.9, 0.3}, {3, 50}, {0, 0}, {1, 1e-6}, {-1, 1e-4}, {2, 1000}};
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        char what[64];
        snprintf(what, sizeof what, "von_mises(%g, %g)", cases[c][0], cases[c][1]);
        gen_array *s = gen_dist_sample(vm(cases[c][0], cases[c][1]), gen_key_new((uint64_t)c), GEN_DIMS(100000));
        check_draws(what, s, vm_cdf, vm_ref, cases[c]);
    }
    /* kappa > 1e6: the wrapped normal N(mu, 1/kappa), exact to O(1/kappa^2) */
    gen_array *s = gen_dist_sample(vm(-3.14159, 1e7), gen_key_new(11), GEN_DIMS(100000));
    double mn, mx;
    gen_item(gen_min(s, 0, NULL, false), &mn);
    gen_item(gen_max(s, 0, NULL, false), &mx);
    CHECK(mn >= -PI && mx < PI && mx > 3); /* wraps around */
    s = gen_dist_sample(vm(0.5, 1e7), gen_key_new(12), GEN_DIMS(100000));
    STATS_MOMENTS("von_mises(0.5, 1e7)", s, 0.5, 1e-7);
    /* batch-native: element i depends on (key, i) only — a prefix of a longer draw, and
     * unchanged when other batch members change */
    gen_array *a = gen_dist_sample(vm(0.3, 1.5), gen_key_new(5), GEN_DIMS(10));
    gen_array *b = gen_dist_sample(vm(0.3, 1.5), gen_key_new(5), GEN_DIMS(1000));
    CHECK_ARRAY(a, (const double *)gen_array_data(b), 10, 0, 0);
    gen_array *k1 = gen_array_from_f64(GEN_DIMS(4), (double[]){1.5, 1.5, 1.5, 1.5});
    gen_array *k2 = gen_array_from_f64(GEN_DIMS(4), (double[]){1.5, 1e-3, 1.5, 500});
    gen_array *c1 = gen_dist_sample(gen_von_mises(gen_scalar(0.3), k1), gen_key_new(6), GEN_DIMS(50));
    gen_array *c2 = gen_dist_sample(gen_von_mises(gen_scalar(0.3), k2), gen_key_new(6), GEN_DIMS(50));
    const double *d1 = gen_array_data(c1), *d2 = gen_array_data(c2);
    int same = 1;
    for (int i = 0; i < 200; i += 4) same &= d1[i] == d2[i] && d1[i + 2] == d2[i + 2];
    CHECK(same);
    /* f32 */
    gen_array *f = gen_dist_sample(gen_von_mises(gen_scalar_f32(0), gen_scalar_f32(1)), gen_key_new(1), GEN_DIMS(7));
    CHECK(gen_array_dtype(f) == GEN_F32);
    CHECK_SHAPE(f, 7);
}

static gen_array *vm_lp_x(const gen_array *x) { return gen_dist_logpdf(vm(0.3, 1.7), x); }
static gen_array *vm_lp_params(const gen_array *mu, const gen_array *k) {
    return gen_dist_logpdf(gen_von_mises(mu, k), gen_array_from_f64(GEN_DIMS(5), (double[]){-1, 0.5, 2, 3, -3}));
}

static void test_vm_gradients(void) {
    FD_CHECK1(vm_lp_x, fd_uniform(4, -3, 3, GEN_DIMS(4)), 1e-7, 1e-9);
    /* kappa on both sides of the series / asymptotic switch */
    FD_CHECK2(vm_lp_params, fd_uniform(5, -1, 1, GEN_DIMS(5)), gen_array_from_f64(GEN_DIMS(5), (double[]){1e-3, 0.8, 12, 25, 300}),
              1e-7, 1e-9);
    FD_CHECK2(vm_lp_params, gen_scalar(0.2), gen_scalar(4), 1e-7, 1e-9); /* broadcast */
    CHECK(!gen_dist_has_rsample(vm(0, 1)));
    CHECK(gen_dist_rsample(vm(0, 1), gen_key_new(1), GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "von_mises has no reparameterized sampler");
}

static void test_vm_errors(void) {
    CHECK(gen_von_mises(gen_scalar(0), gen_array_from_f64(GEN_DIMS(3), (double[]){1, -1, 2})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "von_mises: kappa must be >= 0, got -1 at index [1]");
    CHECK(vm(0, INFINITY) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "von_mises: kappa must be finite, got inf");
    CHECK(vm(0, NAN) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "von_mises: kappa must be >= 0, got nan");
    CHECK(vm(INFINITY, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "von_mises: mu must be finite");
    CHECK(gen_von_mises(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "von_mises: shapes [2] and [3] do not broadcast");
    CHECK(gen_von_mises(NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "von_mises: parameter mu is NULL");
    CHECK(gen_dist_enumerate(vm(0, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "von_mises has no finite support");
}

/* ---- wrapped Cauchy ---- */

static void test_wc_logpdf(void) {
    enum { N = 60 };
    gen_array *x = fd_uniform(6, -PI, PI, GEN_DIMS(N)), *mu = fd_uniform(7, -3, 3, GEN_DIMS(N));
    gen_array *g = fd_uniform(8, 0.05, 4, GEN_DIMS(N));
    const double *xd = gen_array_data(x), *md = gen_array_data(mu), *gd = gen_array_data(g);
    double want[N];
    for (int i = 0; i < N; i++) want[i] = wc_ref(xd[i], md[i], gd[i]);
    CHECK_ARRAY(gen_dist_logpdf(gen_wrapped_cauchy(mu, g), x), want, N, 1e-12, 1e-13);
    /* tiny and huge gamma and x at mu, against mpmath at 60 digits (log sinh g - log 2 pi
     * - log(cosh g - cos(x - mu)) with mp.sinh, mp.cosh, mp.cos; inputs the exact doubles) */
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(0, 1e-8), gen_scalar(1e-9))), 17.266000527249797202, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(0, 1e-8), gen_scalar(2))), -20.606497498383472906, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(1, 800), gen_scalar(-2))), -1.8378770664093454836, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(0.3, 50), gen_scalar(0.3))), -1.8378770664093454836, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(0.3, 1e-3), gen_scalar(0.30001))), 5.7629254814740651539, 1e-12);
    CHECK_CLOSE(check_item(gen_dist_logpdf(wc(-3, 0.5), gen_scalar(3))), -0.70266282398937599674, 1e-13);
    gen_array *out = gen_dist_logpdf(wc(0, 1), gen_array_from_f64(GEN_DIMS(4), (double[]){3.2, -3.2, -INFINITY, NAN}));
    CHECK_ARRAY(out, ((double[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY}), 4, 0, 0);
    gen_dist *b = gen_wrapped_cauchy(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_ones(GEN_F64, GEN_DIMS(2, 1)));
    CHECK_SHAPE(gen_dist_sample(b, gen_key_new(1), GEN_DIMS(4)), 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(b, gen_scalar(0.5)), 2, 3);
}

static void test_wc_sampling(void) {
    const double cases[][2] = {{0.5, 0.7}, {-3, 0.2}, {3.1, 3}, {1, 0.01}};
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        char what[64];
        snprintf(what, sizeof what, "wrapped_cauchy(%g, %g)", cases[c][0], cases[c][1]);
        gen_array *s = gen_dist_sample(wc(cases[c][0], cases[c][1]), gen_key_new((uint64_t)c), GEN_DIMS(100000));
        check_draws(what, s, wc_cdf, wc_ref, cases[c]);
    }
    gen_array *f = gen_dist_sample(gen_wrapped_cauchy(gen_scalar_f32(0), gen_scalar_f32(1)), gen_key_new(1), GEN_DIMS(7));
    CHECK(gen_array_dtype(f) == GEN_F32);
}

static gen_array *wc_lp_x(const gen_array *x) { return gen_dist_logpdf(wc(0.3, 0.6), x); }
static gen_array *wc_lp_params(const gen_array *mu, const gen_array *g) {
    return gen_dist_logpdf(gen_wrapped_cauchy(mu, g), gen_array_from_f64(GEN_DIMS(5), (double[]){-1, 0.5, 2, 3, -3}));
}
static gen_array *wc_rsample(const gen_array *mu, const gen_array *g) {
    return gen_dist_rsample(gen_wrapped_cauchy(mu, g), gen_key_new(9), GEN_DIMS(5));
}

static void test_wc_gradients(void) {
    FD_CHECK1(wc_lp_x, fd_uniform(4, -3, 3, GEN_DIMS(4)), 1e-7, 1e-9);
    FD_CHECK2(wc_lp_params, fd_uniform(5, -1, 1, GEN_DIMS(5)), gen_array_from_f64(GEN_DIMS(5), (double[]){0.01, 0.3, 1, 4, 30}),
              1e-6, 1e-9);
    FD_CHECK2(wc_lp_params, gen_scalar(0.2), gen_scalar(0.8), 1e-7, 1e-9);
    FD_CHECK2(wc_rsample, fd_uniform(7, -1, 1, GEN_DIMS(5)), fd_uniform(8, 0.2, 2, GEN_DIMS(5)), 1e-6, 1e-9);
    CHECK(gen_dist_has_rsample(wc(0, 1)));
}

static void test_wc_errors(void) {
    CHECK(gen_wrapped_cauchy(gen_scalar(0), gen_array_from_f64(GEN_DIMS(2), (double[]){1, 0})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "wrapped_cauchy: gamma must be > 0, got 0 at index [1]");
    CHECK(wc(0, INFINITY) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "wrapped_cauchy: gamma must be finite");
    CHECK(wc(NAN, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "wrapped_cauchy: mu must be finite");
    CHECK(gen_wrapped_cauchy(gen_scalar(0), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "wrapped_cauchy: parameter gamma is NULL");
}

static void test_support(void) {
    gen_dist *ds[2] = {vm(0, 1), wc(0, 1)};
    for (int i = 0; i < 2; i++) {
        gen_support s;
        CHECK_OK(gen_dist_support(ds[i], &s));
        CHECK(s.kind == GEN_SUPPORT_INTERVAL);
        CHECK(check_item(s.lo) == -PI && check_item(s.hi) == PI);
        gen_bijection *b = gen_dist_bijection(ds[i]);
        CHECK(b && strcmp(gen_bijection_name(b), "interval") == 0);
    }
    /* f32 bounds are f32 */
    gen_support s;
    CHECK_OK(gen_dist_support(gen_von_mises(gen_scalar_f32(0), gen_scalar_f32(1)), &s));
    CHECK(gen_array_dtype(s.lo) == GEN_F32);
}

int main(void) {
    work = gsl_integration_workspace_alloc(1000);
    gsl_set_error_handler_off(); /* a cell at the tolerance floor keeps QAG's best result */
    RUN(test_vm_logpdf);
    RUN(test_vm_sampling);
    RUN(test_vm_gradients);
    RUN(test_vm_errors);
    RUN(test_wc_logpdf);
    RUN(test_wc_sampling);
    RUN(test_wc_gradients);
    RUN(test_wc_errors);
    RUN(test_support);
    gsl_integration_workspace_free(work);
    return check_finish();
}
