/* test_ctor_supports.c — the constructors over families with bounded supports (uniform)
 * and the library's own families: support kinds and bounds (iid aligns the child's bounds
 * with its values, mixtures take the hull, products stack per slot), the bijections they
 * imply, logpdf and sampling of uniform mixtures, and transformed(normal, exp) against
 * the lognormal family. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

static gen_array *vec(int n, const double *v) { return gen_array_from_f64(1, (int64_t[]){n}, v); }
#define VEC(...) vec((int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (double[]){__VA_ARGS__})

static void test_iid_bounds(void) {
    gen_dist *u = gen_uniform(VEC(0, 10), VEC(1, 14));
    gen_dist *d = gen_iid(u, GEN_DIMS(3));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && s.lo && s.hi);
    CHECK_SHAPE(s.lo, 2, 1);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "interval") == 0);
    /* u = 0 maps to each member's midpoint, on all three iid positions */
    gen_array *mid = gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 3)));
    CHECK_ARRAY(mid, ((double[]){0.5, 0.5, 0.5, 12, 12, 12}), 6, 1e-15, 0);
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.1, 0.5, 0.9, 11, 13, 10.5});
    CHECK_ARRAY(gen_dist_logpdf(d, x), ((double[]){0, -3 * log(4)}), 2, 1e-15, 0);
    gen_array *y = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.1, 1.5, 0.9, 11, 13, 10.5});
    CHECK_ARRAY(gen_dist_logpdf(d, y), ((double[]){-INFINITY, -3 * log(4)}), 2, 0, 0);
    gen_array *smp = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(1000));
    CHECK(check_item(gen_min(gen_take(smp, gen_scalar_i64(1), 1), 0, NULL, false)) >= 10);
    CHECK(check_item(gen_max(gen_take(smp, gen_scalar_i64(0), 1), 0, NULL, false)) <= 1);
    /* independent keeps the child's bounds as they are */
    gen_dist *i = gen_independent(u, 1);
    CHECK_OK(gen_dist_support(i, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && s.lo == gen_dist_param(u, 0));
    CHECK_ARRAY(gen_bijection_forward(gen_dist_bijection(i), gen_zeros(GEN_F64, GEN_DIMS(2))), ((double[]){0.5, 12}), 2, 1e-15, 0);
}

static double umix_cdf(double x, const double *p) {
    double c = 0;
    for (int k = 0; k < 2; k++) c += p[k] * fmin(1, fmax(0, (x - p[2 + k]) / (p[4 + k] - p[2 + k])));
    return c;
}

static void test_mixture_bounds(void) {
    gen_dist *d = gen_mixture(VEC(0.3, 0.7), gen_uniform(VEC(0, 0.5), VEC(1, 3)));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL);
    CHECK_CLOSE(check_item(s.lo), 0, 0);
    CHECK_CLOSE(check_item(s.hi), 3, 0);
    gen_array *x = VEC(-0.1, 0.2, 0.7, 2, 3.5);
    double want[5] = {-INFINITY, log(0.3), log(0.3 + 0.7 / 2.5), log(0.7 / 2.5), -INFINITY};
    CHECK_ARRAY(gen_dist_logpdf(d, x), want, 5, 1e-14, 0);
    gen_array *smp = gen_dist_sample(d, gen_key_new(2), GEN_DIMS(100000));
    STATS_KS("uniform mixture", smp, umix_cdf, (double[]){0.3, 0.7, 0, 0.5, 1, 3});
    /* batched hull: weights [2, 2] over uniforms of batch [2, 2] */
    gen_dist *b = gen_mixture(gen_full(GEN_F64, GEN_DIMS(2, 2), 0.5),
                              gen_uniform(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0, 1, -2, 5}),
                                          gen_array_from_f64(GEN_DIMS(2, 2), (double[]){2, 3, 0, 6})));
    CHECK_OK(gen_dist_support(b, &s));
    CHECK_ARRAY(s.lo, ((double[]){0, -2}), 2, 0, 0);
    CHECK_ARRAY(s.hi, ((double[]){3, 6}), 2, 0, 0);
    /* mixture_of: the hull of two uniforms, and mixed kinds */
    gen_dist *o = gen_mixture_of(2, (gen_dist *[]){gen_uniform(gen_scalar(0), gen_scalar(1)),
                                                   gen_uniform(gen_scalar(0.5), gen_scalar(2))}, VEC(0.5, 0.5));
    CHECK_OK(gen_dist_support(o, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL);
    CHECK_CLOSE(check_item(s.lo), 0, 0);
    CHECK_CLOSE(check_item(s.hi), 2, 0);
    CHECK_CLOSE(check_item(gen_bijection_forward(gen_dist_bijection(o), gen_scalar(0))), 1, 1e-15);
    gen_dist *e = gen_mixture(VEC(0.5, 0.5), gen_exponential(VEC(1, 2)));
    CHECK_OK(gen_dist_support(e, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    CHECK_CLOSE(check_item(gen_dist_logpdf(e, gen_scalar(0.5))),
                log(0.5 * exp(-0.5) + 0.5 * 2 * exp(-1)), 1e-14);
}

static void test_product_bounds(void) {
    gen_dist *d = gen_product(2, (gen_dist *[]){gen_uniform(gen_scalar(0), gen_scalar(1)), gen_uniform(VEC(2, 3), gen_scalar(5))});
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL);
    CHECK_SHAPE(s.lo, 2, 2);
    CHECK_ARRAY(s.lo, ((double[]){0, 2, 0, 3}), 4, 0, 0);
    gen_array *mid = gen_bijection_forward(gen_dist_bijection(d), gen_zeros(GEN_F64, GEN_DIMS(2, 2)));
    CHECK_ARRAY(mid, ((double[]){0.5, 3.5, 0.5, 4}), 4, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 4})),
                ((double[]){-log(3), -log(2)}), 2, 1e-15, 0);
    gen_dist *m = gen_product(2, (gen_dist *[]){gen_uniform(gen_scalar(0), gen_scalar(1)), gen_exponential(gen_scalar(1))});
    CHECK_OK(gen_dist_support(m, &s));
    CHECK(s.kind == GEN_SUPPORT_CUSTOM);
    CHECK(gen_dist_bijection(m) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "product: no bijection onto a custom support");
}

static gen_array *lp_ln(const gen_array *mu, const gen_array *sigma) {
    gen_dist *d = gen_transformed(gen_normal(mu, sigma), gen_bijection_exp());
    return gen_sub(gen_dist_logpdf(d, VEC(0.3, 1, 4)), gen_dist_logpdf(gen_lognormal(mu, sigma), VEC(0.3, 1, 4)));
}

static void test_library_families(void) {
    gen_array *mu = fd_uniform(1, -1, 1, GEN_DIMS(30)), *sg = fd_uniform(2, 0.3, 2, GEN_DIMS(30));
    gen_array *x = fd_uniform(3, 0.01, 6, GEN_DIMS(30));
    gen_array *a = gen_dist_logpdf(gen_transformed(gen_normal(mu, sg), gen_bijection_exp()), x);
    gen_array *b = gen_dist_logpdf(gen_lognormal(mu, sg), x);
    double want[30];
    gen_array_copy_to(b, GEN_F64, want, sizeof want);
    CHECK_ARRAY(a, want, 30, 1e-13, 0);
    /* the gradients agree too (their difference has zero gradient) */
    FD_CHECK2(lp_ln, fd_uniform(4, -1, 1, GEN_DIMS(3)), fd_uniform(5, 0.5, 2, GEN_DIMS(3)), 1e-7, 1e-9);
    /* a reparameterized positive base: exponential shifted and scaled */
    gen_dist *t = gen_transformed(gen_exponential(gen_scalar(2)), gen_bijection_affine(gen_scalar(1), gen_scalar(3)));
    CHECK(gen_dist_has_rsample(t));
    CHECK_CLOSE(check_item(gen_dist_logpdf(t, gen_scalar(2.5))), log(2.0 / 3) - 2 * 0.5, 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(t, gen_scalar(0.5))), -INFINITY, 0);
    gen_support s;
    CHECK_OK(gen_dist_support(t, &s));
    CHECK(s.kind == GEN_SUPPORT_CUSTOM);
    /* its bijection: affine after exp */
    CHECK_CLOSE(check_item(gen_bijection_forward(gen_dist_bijection(t), gen_scalar(0))), 4, 1e-15);
}

int main(void) {
    RUN(test_iid_bounds);
    RUN(test_mixture_bounds);
    RUN(test_product_bounds);
    RUN(test_library_families);
    return check_finish();
}
