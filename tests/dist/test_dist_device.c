/* test_dist_device.c — every distribution family, constructor and bijection with its
 * parameters and values on a device (the fake device of testutil/fake_device.h, whose
 * memory faults when the host touches it): sampling (batched parameters and sample
 * shapes), log densities at the draws and off the support, gradients of the log density
 * in the parameters and the value, reparameterized draws' gradients, and the bijections
 * both ways. Each is compared with the same run on the host: the same key gives the same
 * draws bit for bit, log densities and gradients agree to 1e-12. Results land on the
 * parameters' device whether or not it is the default device, and a log density on the
 * device reads nothing back to the host. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_device.h"

#define N 12 /* batch members: parameters of 96 bytes, more than a small (inline) array */

static gen_array *lin(int64_t n, double a, double step) {
    return gen_arange(a, a + (double)n * step - step / 2, step, GEN_F64);
}
static gen_array *sc(double v) { return gen_scalar(v); }
static gen_array *i64(int64_t v) { return gen_scalar_i64(v); }
static gen_array *vec(int n, const double *v) { return gen_array_from_f64(1, (int64_t[]){n}, v); }
/* [N, k] rows, each the same probability vector. */
static gen_array *rows(int k, const double *p) { return gen_broadcast_to(vec(k, p), GEN_DIMS(N, k)); }
static const double P3[3] = {0.2, 0.3, 0.5};
static gen_array *cov2(void) { return gen_array_from_f64(GEN_DIMS(2, 2), (double[]){2, 0.5, 0.5, 1}); }

/* One row per family or constructor: its name, how it is built from parameters p, and the
 * (host) parameters. */
#define FAMILIES(X)                                                                                            \
    X(normal, gen_normal(p[0], p[1]), lin(N, -1, 0.25), sc(1.5))                                               \
    X(uniform, gen_uniform(p[0], p[1]), lin(N, -1, 0.1), sc(2))                                                \
    X(beta, gen_beta(p[0], p[1]), lin(N, 0.3, 0.4), sc(2))                                                      \
    X(gamma, gen_gamma(p[0], p[1]), lin(N, 0.3, 0.5), sc(1.5))                                                  \
    X(inv_gamma, gen_inv_gamma(p[0], p[1]), lin(N, 1, 0.5), sc(2))                                              \
    X(exponential, gen_exponential(p[0]), lin(N, 0.5, 0.5))                                                     \
    X(laplace, gen_laplace(p[0], p[1]), lin(N, -2, 0.3), sc(0.7))                                               \
    X(cauchy, gen_cauchy(p[0], p[1]), lin(N, -2, 0.3), sc(0.7))                                                 \
    X(half_cauchy, gen_half_cauchy(p[0]), lin(N, 0.5, 0.2))                                                     \
    X(student_t, gen_student_t(p[0], p[1], p[2]), lin(N, 1, 0.5), sc(0.5), sc(2))                               \
    X(lognormal, gen_lognormal(p[0], p[1]), lin(N, -1, 0.2), sc(0.5))                                           \
    X(truncated_normal, gen_truncated_normal(p[0], p[1], p[2], p[3]), lin(N, -2, 0.4), sc(1), sc(-1), sc(3))    \
    X(half_normal, gen_half_normal(p[0]), lin(N, 0.5, 0.3))                                                     \
    X(logistic, gen_logistic(p[0], p[1]), lin(N, -1, 0.2), sc(2))                                               \
    X(weibull, gen_weibull(p[0], p[1]), lin(N, 0.5, 0.3), sc(1.5))                                              \
    X(pareto, gen_pareto(p[0], p[1]), lin(N, 0.5, 0.3), sc(2.5))                                                \
    X(chi2, gen_chi2(p[0]), lin(N, 0.5, 0.75))                                                                  \
    X(gumbel, gen_gumbel(p[0], p[1]), lin(N, -1, 0.2), sc(2))                                                   \
    X(von_mises, gen_von_mises(p[0], p[1]), sc(1), lin(N, 0.05, 4))                                            \
    X(wrapped_cauchy, gen_wrapped_cauchy(p[0], p[1]), lin(N, -3, 0.5), sc(0.5))                                 \
    X(beta_uniform, gen_beta_uniform(p[0], p[1], p[2]), lin(N, 0.05, 0.08), sc(2), sc(3))                       \
    X(piecewise_uniform, gen_piecewise_uniform(p[0], p[1]), vec(4, (double[]){0, 1, 3, 3.5}), vec(3, P3))      \
    X(broadcasted_normal, gen_broadcasted_normal(p[0], p[1]), lin(N, -1, 0.25), sc(1.5))                       \
    X(delta, gen_delta(p[0]), lin(N, -1, 0.25))                                                                 \
    X(mvnormal, gen_mvnormal(p[0], p[1]), gen_reshape(lin(2 * N, -3, 0.25), GEN_DIMS(N, 2)), cov2())           \
    X(mvnormal_chol, gen_mvnormal_chol(p[0], p[1]), lin(2, -1, 2), gen_cholesky(cov2()))                        \
    X(dirichlet, gen_dirichlet(p[0]), gen_reshape(lin(3 * N, 0.2, 0.25), GEN_DIMS(N, 3)))                       \
    X(wishart, gen_wishart(p[0], p[1]), lin(N, 3, 0.5), cov2())                                                 \
    X(inv_wishart, gen_inv_wishart(p[0], p[1]), sc(4), cov2())                                                  \
    X(lkj_cholesky, gen_lkj_cholesky(3, p[0]), lin(N, 0.5, 0.5))                                                \
    X(bernoulli, gen_bernoulli(p[0]), lin(N, 0, 1.0 / 11))                                                      \
    X(bernoulli_logit, gen_bernoulli_logit(p[0]), lin(N, -3, 0.5))                                              \
    X(categorical, gen_categorical(p[0]), rows(3, P3))                                                          \
    X(categorical_logits, gen_categorical_logits(p[0]), gen_reshape(lin(3 * N, -2, 0.3), GEN_DIMS(N, 3)))      \
    X(poisson, gen_poisson(p[0]), lin(N, 0, 4))                                                                 \
    X(geometric, gen_geometric(p[0]), lin(N, 0.1, 0.075))                                                       \
    X(neg_binomial, gen_neg_binomial(p[0], p[1]), lin(N, 0.5, 1), sc(0.4))                                      \
    X(binomial, gen_binomial(p[0], p[1]), i64(7), lin(N, 0, 1.0 / 11))                                          \
    X(multinomial, gen_multinomial(p[0], p[1]), i64(4), rows(3, P3))                                            \
    X(uniform_discrete, gen_uniform_discrete(p[0], p[1]), gen_arange(-3, N - 3, 1, GEN_I64), i64(9))            \
    X(transformed, gen_transformed(gen_normal(p[0], p[1]), gen_bijection_exp()), lin(N, -1, 0.2), sc(0.5))      \
    X(transformed_affine, gen_transformed(gen_gamma(p[0], sc(1)), gen_bijection_affine(p[1], p[2])),            \
      lin(N, 1, 0.5), lin(N, -1, 0.1), sc(2))                                                                   \
    X(mixture, gen_mixture(p[0], gen_normal(p[1], p[2])), vec(3, P3), lin(3, -2, 2), sc(0.8))                   \
    X(mixture_of, gen_mixture_of(2, (gen_dist *[]){gen_normal(p[0], p[1]), gen_laplace(p[0], p[1])}, p[2]),     \
      lin(N, -1, 0.2), sc(0.5), vec(2, (double[]){0.4, 0.6}))                                                   \
    X(iid, gen_iid(gen_normal(p[0], p[1]), GEN_DIMS(3)), lin(N, -1, 0.2), sc(0.5))                              \
    X(independent, gen_independent(gen_normal(p[0], p[1]), 1), lin(N, -1, 0.2), sc(0.5))                        \
    X(product, gen_product(2, (gen_dist *[]){gen_normal(p[0], p[1]), gen_gamma(p[1], p[1])}), lin(N, -1, 0.2),  \
      sc(0.5))

#define DEFINE(name, expr, ...)                                                                                \
    static gen_dist *build_##name(gen_array *const *p) { return expr; }                                        \
    static int params_##name(gen_array **p) {                                                                  \
        gen_array *q[] = {__VA_ARGS__};                                                                        \
        memcpy(p, q, sizeof q);                                                                                \
        return (int)(sizeof q / sizeof *q);                                                                    \
    }
FAMILIES(DEFINE)

typedef struct family_case {
    const char *name;
    gen_dist *(*build)(gen_array *const *p);
    int (*params)(gen_array **p);
} family_case;
#define ROW(name, ...) {#name, build_##name, params_##name},
static const family_case cases[] = {FAMILIES(ROW)};
#define N_CASES ((int)(sizeof cases / sizeof *cases))

static gen_device dev;
static long sample_copies[N_CASES]; /* copies to the host while sampling, per family */

/* Whether a (any device) and b have the same shape and values: bit for bit (rtol 0,
 * NaN equal to NaN) or to rtol. Reports what differs, naming what. */
static bool same(const char *what, const gen_array *a, const gen_array *b, double rtol) {
    check_count++;
    if (!a || !b) {
        check_fail(__FILE__, __LINE__, "%s: %s", what, gen_error_message());
        return false;
    }
    int64_t n = gen_array_size(a);
    if (gen_array_ndim(a) != gen_array_ndim(b) || n != gen_array_size(b) ||
        memcmp(gen_array_shape(a), gen_array_shape(b), (size_t)gen_array_ndim(a) * sizeof(int64_t))) {
        check_fail(__FILE__, __LINE__, "%s: shapes differ", what);
        return false;
    }
    double *x = calloc((size_t)n + 1, sizeof *x), *y = calloc((size_t)n + 1, sizeof *y);
    bool ok = gen_array_copy_to(a, GEN_F64, x, (size_t)n * sizeof *x) == GEN_OK &&
              gen_array_copy_to(b, GEN_F64, y, (size_t)n * sizeof *y) == GEN_OK;
    for (int64_t i = 0; ok && i < n; i++) {
        bool eq = rtol == 0 ? !memcmp(&x[i], &y[i], sizeof x[i]) || (isnan(x[i]) && isnan(y[i]))
                            : (x[i] == y[i] || (isnan(x[i]) && isnan(y[i])) ||
                               fabs(x[i] - y[i]) <= rtol * fabs(y[i]) + 1e-300);
        if (!eq) {
            check_fail(__FILE__, __LINE__, "%s: element %lld: %.17g on the device, %.17g on the host", what,
                       (long long)i, x[i], y[i]);
            ok = false;
        }
    }
    free(x);
    free(y);
    return ok;
}

static bool on_device(const char *what, const gen_array *a) {
    check_count++;
    if (a && gen_array_device(a) == dev) return true;
    check_fail(__FILE__, __LINE__, "%s: %s", what, a ? "the result is on the host" : gen_error_message());
    return false;
}

/* A result of device values is on the device, or small (a zero or a sum of a small
 * parameter, a small bound may be made on the host like any small array: such arrays
 * travel with ops to the device). */
static void small_or_on_device(const char *what, const gen_array *g) {
    if (g && gen_array_device(g) == GEN_DEVICE_CPU && gen_array_size(g) * 8 <= 64) return;
    on_device(what, g);
}

/* The case's parameters: on the host, or copies on the device. */
static int make_params(const family_case *c, bool device, gen_array **p) {
    int n = c->params(p);
    for (int i = 0; device && i < n; i++) p[i] = fake_put(p[i]);
    return n;
}

/* The families whose log density reads device values back (one copy a call): the
 * Wishart densities test each value's positive-definiteness in C. */
static bool logpdf_syncs(const char *name) { return !strcmp(name, "wishart") || !strcmp(name, "inv_wishart"); }

/* Sampling (sample shapes [] and [2]) and log densities at the draws and at shifted
 * values (off the support for some), on the device against the host. default_dev: the
 * device is also the default device (creation functions allocate there). */
static void check_family(const family_case *c, bool default_dev) {
    char what[128];
    gen_array *hp[4], *dp[4];
    make_params(c, false, hp);
    gen_dist *hd = c->build(hp);
    gen_device old = default_dev ? gen_device_set_default(dev) : GEN_DEVICE_CPU;
    make_params(c, true, dp);
    gen_dist *dd = c->build(dp);
    check_count++;
    if (!hd || !dd) {
        check_fail(__FILE__, __LINE__, "%s: %s", c->name, gen_error_message());
        gen_device_set_default(old);
        return;
    }
    gen_key key = gen_key_new(42);
    for (int s = 0; s < 2; s++) {
        gen_device_set_default(GEN_DEVICE_CPU);
        gen_array *hx = gen_dist_sample(hd, key, s, (int64_t[]){2});
        gen_array *hlp = gen_dist_logpdf(hd, hx);
        gen_array *hx2 = gen_dist_is_discrete(hd) ? NULL : gen_sub(hx, gen_scalar(1.25));
        gen_array *hlp2 = hx2 ? gen_dist_logpdf(hd, hx2) : NULL;
        if (default_dev) gen_device_set_default(dev);
        long before = fake_counts.to_host;
        gen_array *dx = gen_dist_sample(dd, key, s, (int64_t[]){2});
        sample_copies[c - cases] += fake_counts.to_host - before;
        snprintf(what, sizeof what, "%s: sample (sample rank %d)", c->name, s);
        if (!on_device(what, dx) || !same(what, dx, hx, 0)) continue;
        long copies = fake_counts.to_host;
        gen_array *dlp = gen_dist_logpdf(dd, dx);
        copies = fake_counts.to_host - copies;
        snprintf(what, sizeof what, "%s: logpdf (sample rank %d)", c->name, s);
        if (on_device(what, dlp)) same(what, dlp, hlp, 1e-12);
        check_count++;
        if (copies != (logpdf_syncs(c->name) ? 1 : 0))
            check_fail(__FILE__, __LINE__, "%s: %ld copies to the host", what, copies);
        if (hx2) {
            snprintf(what, sizeof what, "%s: logpdf off the draws (sample rank %d)", c->name, s);
            gen_array *dlp2 = gen_dist_logpdf(dd, gen_sub(dx, gen_scalar(1.25)));
            if (on_device(what, dlp2)) same(what, dlp2, hlp2, 1e-12);
        }
    }
    gen_device_set_default(old);
}

static void test_families_default_device(void) {
    for (int i = 0; i < N_CASES; i++) {
        gen_scope_begin();
        check_family(&cases[i], true);
        gen_scope_end();
    }
    /* for the record (not a check): samplers that read device values back today */
    printf("copies to the host in two draws:");
    for (int i = 0; i < N_CASES; i++)
        if (sample_copies[i]) printf(" %s %ld", cases[i].name, sample_copies[i]);
    printf("\n");
}

/* Parameters on the device with the host as default device: the draws follow them. */
static void test_families_parameters_on_device(void) {
    for (int i = 0; i < N_CASES; i++) {
        gen_scope_begin();
        check_family(&cases[i], false);
        gen_scope_end();
    }
}

/* Enumerations and support bounds of device distributions: the host's values, on the
 * device (or small: a small bound may stay on the host like any small array). */
static void test_enumerate_and_support(void) {
    for (int i = 0; i < N_CASES; i++) {
        gen_scope_begin();
        gen_array *hp[4], *dp[4];
        make_params(&cases[i], false, hp);
        make_params(&cases[i], true, dp);
        gen_dist *hd = cases[i].build(hp), *dd = cases[i].build(dp);
        char what[128];
        snprintf(what, sizeof what, "%s: enumerate", cases[i].name);
        gen_array *he = gen_dist_enumerate(hd);
        gen_error_clear();
        if (he) {
            gen_array *de = gen_dist_enumerate(dd);
            small_or_on_device(what, de);
            same(what, de, he, 0);
        }
        gen_support hs, ds;
        check_count++;
        if (gen_dist_support(hd, &hs) != GEN_OK || gen_dist_support(dd, &ds) != GEN_OK || hs.kind != ds.kind) {
            check_fail(__FILE__, __LINE__, "%s: support: %s", cases[i].name, gen_error_message());
        } else {
            snprintf(what, sizeof what, "%s: support bounds", cases[i].name);
            if (hs.lo) small_or_on_device(what, ds.lo), same(what, ds.lo, hs.lo, 0);
            if (hs.hi) small_or_on_device(what, ds.hi), same(what, ds.hi, hs.hi, 0);
        }
        gen_scope_end();
    }
}

/* ---- gradients ---- */

/* sum(logpdf(build(in[0..np)), in[np])) (continuous) or the same with x fixed (discrete:
 * in has the parameters only); float parameters are differentiated, the others fixed. */
typedef struct grad_case {
    const family_case *c;
    int np;
    gen_array *p[4];
    const gen_array *x; /* discrete: the fixed value */
    bool rsample;       /* sum of a reparameterized draw instead */
} grad_case;

static gen_status density_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    grad_case *g = payload;
    gen_array *p[4];
    int k = 0;
    for (int i = 0; i < g->np; i++) p[i] = gen_array_dtype(g->p[i]) == GEN_F64 ? in[k++] : g->p[i];
    gen_dist *d = g->c->build(p);
    gen_array *v = g->rsample ? gen_dist_rsample(d, gen_key_new(9), 0, NULL)
                              : gen_dist_logpdf(d, k < n_in ? in[k] : g->x);
    out[0] = gen_sum(v, 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

/* The value and gradients of density_fn on the host or the device. */
static gen_status density_grad(const family_case *c, bool device, bool rsample, gen_array **val,
                               gen_array **grads, int *n_in) {
    grad_case g = {.c = c, .rsample = rsample};
    g.np = make_params(c, device, g.p);
    gen_device old = device ? gen_device_set_default(dev) : GEN_DEVICE_CPU;
    gen_dist *d0 = c->build(g.p);
    gen_array *x = d0 ? gen_dist_sample(d0, gen_key_new(3), 0, NULL) : NULL;
    gen_device_set_default(old);
    if (!x) return gen_error_status();
    gen_array *in[5];
    int k = 0;
    for (int i = 0; i < g.np; i++)
        if (gen_array_dtype(g.p[i]) == GEN_F64) in[k++] = g.p[i];
    if (!rsample && gen_dist_is_discrete(d0)) g.x = x;
    else if (!rsample) in[k++] = gen_cast(x, GEN_F64);
    *n_in = k;
    return gen_value_and_grad((gen_closure){density_fn, &g}, k, in, val, grads);
}

static void check_gradients(const family_case *c, bool rsample) {
    gen_array *hv, *hg[5], *dv, *dg[5];
    int hn, dn;
    gen_status hs = density_grad(c, false, rsample, &hv, hg, &hn);
    if (hs != GEN_OK) { /* no gradient on the host (a family without one): the device says the same */
        gen_error_clear();
        check_count++;
        if (density_grad(c, true, rsample, &dv, dg, &dn) != hs)
            check_fail(__FILE__, __LINE__, "%s: the host's gradient failed (%s), the device's did not", c->name,
                       gen_status_name(hs));
        gen_error_clear();
        return;
    }
    char what[128];
    snprintf(what, sizeof what, "%s: %s gradient", c->name, rsample ? "rsample" : "logpdf");
    check_count++;
    if (density_grad(c, true, rsample, &dv, dg, &dn) != GEN_OK || dn != hn) {
        check_fail(__FILE__, __LINE__, "%s: %s", what, gen_error_message());
        return;
    }
    if (!same(what, dv, hv, 1e-12)) return;
    for (int i = 0; i < hn; i++) {
        small_or_on_device(what, dg[i]);
        same(what, dg[i], hg[i], 1e-12);
    }
}

static void test_gradients(void) {
    for (int i = 0; i < N_CASES; i++) {
        gen_scope_begin();
        check_gradients(&cases[i], false);
        gen_scope_end();
    }
}

static void test_rsample_gradients(void) {
    for (int i = 0; i < N_CASES; i++) {
        gen_scope_begin();
        gen_array *p[4];
        cases[i].params(p);
        gen_dist *d = cases[i].build(p);
        if (d && gen_dist_has_rsample(d)) check_gradients(&cases[i], true);
        gen_scope_end();
    }
}

/* Forward mode: the tangent of a log density along the parameters. */
static gen_status normal_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_normal(in[0], in[1]), in[2]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_jvp(void) {
    gen_array *in[3] = {lin(N, -1, 0.25), gen_full(GEN_F64, GEN_DIMS(N), 1.5), lin(N, 0.5, 0.1)};
    gen_array *tan[3] = {gen_ones(GEN_F64, GEN_DIMS(N)), lin(N, 0.1, 0.1), gen_full(GEN_F64, GEN_DIMS(N), -2)};
    gen_array *hout, *htan, *dout, *dtan, *din[3], *dt[3];
    CHECK_OK(gen_jvp((gen_closure){normal_fn, NULL}, 3, in, tan, 1, &hout, &htan));
    for (int i = 0; i < 3; i++) din[i] = fake_put(in[i]), dt[i] = fake_put(tan[i]);
    CHECK_OK(gen_jvp((gen_closure){normal_fn, NULL}, 3, din, dt, 1, &dout, &dtan));
    on_device("jvp", dtan);
    same("jvp value", dout, hout, 1e-12);
    same("jvp tangent", dtan, htan, 1e-12);
}

/* ---- bijections ---- */

static void check_bijection(const char *name, gen_bijection *hb, gen_bijection *db, const gen_array *u) {
    char what[128];
    gen_array *du = fake_put(u);
    snprintf(what, sizeof what, "%s: forward", name);
    gen_array *hx = gen_bijection_forward(hb, u), *dx = gen_bijection_forward(db, du);
    if (on_device(what, dx)) same(what, dx, hx, 1e-12);
    snprintf(what, sizeof what, "%s: inverse", name);
    gen_array *di = gen_bijection_inverse(db, dx);
    if (on_device(what, di)) same(what, di, gen_bijection_inverse(hb, hx), 1e-12);
    snprintf(what, sizeof what, "%s: log_det_jacobian", name);
    gen_array *dl = gen_bijection_log_det_jacobian(db, du);
    if (on_device(what, dl)) same(what, dl, gen_bijection_log_det_jacobian(hb, u), 1e-12);
}

static void test_bijections(void) {
    gen_array *u = gen_reshape(lin(N * 3, -2, 0.13), GEN_DIMS(N, 3)), *lo = lin(3, -1, 0.5), *hi = lin(3, 2, 1);
    check_bijection("identity", gen_bijection_identity(), gen_bijection_identity(), u);
    check_bijection("exp", gen_bijection_exp(), gen_bijection_exp(), u);
    check_bijection("affine", gen_bijection_affine(lo, hi), gen_bijection_affine(fake_put(lo), fake_put(hi)), u);
    check_bijection("lower_bound", gen_bijection_lower_bound(lo), gen_bijection_lower_bound(fake_put(lo)), u);
    check_bijection("interval", gen_bijection_interval(lo, hi), gen_bijection_interval(fake_put(lo), fake_put(hi)),
                    u);
    check_bijection("stick_breaking", gen_bijection_stick_breaking(), gen_bijection_stick_breaking(), u);
    check_bijection("corr_cholesky", gen_bijection_corr_cholesky(), gen_bijection_corr_cholesky(), u);
    check_bijection("positive_definite", gen_bijection_positive_definite(), gen_bijection_positive_definite(),
                    gen_reshape(lin(N * 6, -2, 0.05), GEN_DIMS(N, 6)));
    gen_bijection *e = gen_bijection_exp(), *a = gen_bijection_affine(lo, hi);
    check_bijection("compose", gen_bijection_compose(a, e),
                    gen_bijection_compose(gen_bijection_affine(fake_put(lo), fake_put(hi)), e), u);
    /* the bijections of device distributions (their supports' bounds on the device) */
    gen_array *dlo = fake_put(lin(N, -1, 0.1));
    gen_dist *dd = gen_uniform(dlo, fake_put(sc(2))), *hd = gen_uniform(lin(N, -1, 0.1), sc(2));
    check_bijection("uniform's", gen_dist_bijection(hd), gen_dist_bijection(dd), lin(N, -3, 0.5));
}

/* ---- parameter checks ---- */

/* Bad parameters on the device are refused with the host's message (the culprit found
 * on a host copy), and a good one is checked with one value read back. */
static void test_parameter_checks(void) {
    gen_array *bad = fake_put(gen_array_from_f64(GEN_DIMS(N), (double[N]){1, 2, 3, 4, 5, -6, 7, 8, 9, 10, 11, 12}));
    CHECK(gen_normal(sc(0), bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "normal: sigma must be > 0, got -6 at index [5]");
    CHECK(gen_gamma(fake_put(lin(N, 1, 1)), fake_put(gen_array_from_f64(GEN_DIMS(2), (double[]){1, INFINITY}))) ==
          NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gamma: scale must be finite, got inf at index [1]");
    CHECK(gen_uniform(fake_put(lin(N, 0, 1)), fake_put(lin(N, 5, -1))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform: lo must be < hi, got 3 and 2");
    CHECK(gen_categorical(fake_put(rows(3, (double[]){0.5, 0.5, 0.5}))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical: probs must sum to 1");
    CHECK(gen_binomial(fake_put(gen_scalar(2.5)), sc(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "binomial: n must be a nonnegative integer, got 2.5");
    long copies = fake_counts.to_host, bytes = fake_counts.to_host_bytes;
    CHECK(gen_normal(fake_put(lin(N, 0, 1)), fake_put(lin(N, 1, 1))) != NULL);
    CHECK(fake_counts.to_host - copies == 2 && fake_counts.to_host_bytes - bytes == 2); /* one bool a check */
}

int main(void) {
    dev = fake_device();
    RUN(test_families_default_device);
    RUN(test_families_parameters_on_device);
    RUN(test_enumerate_and_support);
    RUN(test_gradients);
    RUN(test_rsample_gradients);
    RUN(test_jvp);
    RUN(test_bijections);
    RUN(test_parameter_checks);
    return check_finish();
}
