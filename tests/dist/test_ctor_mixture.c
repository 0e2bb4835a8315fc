/* test_ctor_mixture.c — gen_mixture and gen_mixture_of: logpdf against hand-computed
 * mixtures of GSL densities (batched weights and components, event-shaped components,
 * heterogeneous families), sampling (KS against the mixture CDF, chi-square of component
 * frequencies and of discrete mixtures), gradients through x, component parameters and
 * weights, supports, enumeration and every error. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "ctor_fixtures.h"
#include "fd.h"
#include "stats.h"

static gen_array *vec(int n, const double *v) { return gen_array_from_f64(1, (int64_t[]){n}, v); }
#define VEC(...) vec((int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (double[]){__VA_ARGS__})

static double mix_ref(int K, const double *w, const double *m, const double *s, double x) {
    double p = 0;
    for (int k = 0; k < K; k++) p += w[k] * gsl_ran_gaussian_pdf(x - m[k], s[k]);
    return log(p);
}

static void test_logpdf(void) {
    /* the reference value: log(0.4 N(1.123; 0, 2.3) + 0.6 N(1.123; 1, 1)) */
    gen_dist *d = gen_mixture(VEC(0.4, 0.6), gen_normal(VEC(0, 1), VEC(2.3, 1)));
    CHECK(strcmp(gen_dist_name(d), "mixture") == 0 && gen_dist_batch_ndim(d) == 0 && gen_dist_event_ndim(d) == 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1.123))), -1.206821952724429, 1e-12);
    CHECK_NEAR(check_item(gen_dist_logpdf(d, gen_scalar(1.123))), -1.206821953, 1e-9);
    /* many points, and far tails where the densities underflow: log-space throughout */
    double w[3] = {0.2, 0.5, 0.3}, m[3] = {-2, 0.5, 3}, s[3] = {0.7, 1.5, 0.4};
    gen_dist *t = gen_mixture(vec(3, w), gen_normal(vec(3, m), vec(3, s)));
    gen_array *x = fd_uniform(1, -6, 6, GEN_DIMS(40));
    const double *xd = gen_array_data(x);
    double want[40];
    for (int i = 0; i < 40; i++) want[i] = mix_ref(3, w, m, s, xd[i]);
    CHECK_ARRAY(gen_dist_logpdf(t, x), want, 40, 1e-12, 0);
    /* at 60 only N(0.5, 1.5) matters: log 0.5 + its logpdf */
    double far = log(0.5) - 0.5 * pow(59.5 / 1.5, 2) - log(1.5) - 0.91893853320467274178;
    CHECK_CLOSE(check_item(gen_dist_logpdf(t, gen_scalar(60))), far, 1e-13);
    /* a zero weight removes the component */
    gen_dist *z = gen_mixture(VEC(0, 1), gen_normal(VEC(0, 1), VEC(1, 1)));
    CHECK_CLOSE(check_item(gen_dist_logpdf(z, gen_scalar(0.3))), log(gsl_ran_gaussian_pdf(-0.7, 1)), 1e-14);
}

static void test_batched(void) {
    /* weights [2, 3] (one row per batch member) over components of batch [3] */
    double w[6] = {0.2, 0.5, 0.3, 0.6, 0.1, 0.3}, m[3] = {-1, 0, 2}, s[3] = {1, 0.5, 2};
    gen_array *W = gen_array_from_f64(GEN_DIMS(2, 3), w);
    gen_dist *d = gen_mixture(W, gen_normal(vec(3, m), vec(3, s)));
    CHECK(gen_dist_batch_ndim(d) == 1 && gen_dist_batch_shape(d)[0] == 2);
    gen_array *x = fd_uniform(2, -3, 3, GEN_DIMS(5, 2));
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, x));
    CHECK_SHAPE(lp, 5, 2);
    const double *xd = gen_array_data(x);
    double want[10];
    for (int i = 0; i < 10; i++) want[i] = mix_ref(3, w + 3 * (i % 2), m, s, xd[i]);
    CHECK_ARRAY(lp, want, 10, 1e-12, 0);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_scalar(0.5)), 2);
    /* components of batch [2, 3] with shared weights [3] */
    double m2[6] = {-1, 0, 2, 1, 1.5, -2}, s2[6] = {1, 0.5, 2, 0.3, 1, 1};
    gen_dist *e = gen_mixture(vec(3, w), gen_normal(gen_array_from_f64(GEN_DIMS(2, 3), m2),
                                                     gen_array_from_f64(GEN_DIMS(2, 3), s2)));
    CHECK(gen_dist_batch_ndim(e) == 1 && gen_dist_batch_shape(e)[0] == 2);
    lp = gen_dist_logpdf(e, x);
    for (int i = 0; i < 10; i++) want[i] = mix_ref(3, w, m2 + 3 * (i % 2), s2 + 3 * (i % 2), xd[i]);
    CHECK_ARRAY(lp, want, 10, 1e-12, 0);
    /* event-shaped components: independent normals on R^2, K = 2 */
    double me[4] = {0, 1, -1, 2}, se[4] = {1, 2, 0.5, 1}, we[2] = {0.3, 0.7};
    gen_dist *v = gen_mixture(vec(2, we), gen_independent(gen_normal(gen_array_from_f64(GEN_DIMS(2, 2), me),
                                                                     gen_array_from_f64(GEN_DIMS(2, 2), se)), 1));
    CHECK(gen_dist_event_ndim(v) == 1 && gen_dist_event_shape(v)[0] == 2 && gen_dist_batch_ndim(v) == 0);
    gen_array *y = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.5, 1, -1, 3, 2, -2});
    const double *yd = gen_array_data(y);
    double wv[3];
    for (int r = 0; r < 3; r++) {
        double p = 0;
        for (int k = 0; k < 2; k++)
            p += we[k] * gsl_ran_gaussian_pdf(yd[2 * r] - me[2 * k], se[2 * k]) *
                 gsl_ran_gaussian_pdf(yd[2 * r + 1] - me[2 * k + 1], se[2 * k + 1]);
        wv[r] = log(p);
    }
    CHECK_ARRAY(gen_dist_logpdf(v, y), wv, 3, 1e-12, 0);
    CHECK_SHAPE(gen_dist_sample(v, gen_key_new(1), GEN_DIMS(4)), 4, 2);
}

static double mix_cdf(double x, const double *p) {
    double c = 0;
    for (int k = 0; k < 3; k++) c += p[k] * gsl_cdf_gaussian_P(x - p[3 + k], p[6 + k]);
    return c;
}

static void test_sampling(void) {
    double p[9] = {0.2, 0.5, 0.3, -2, 0.5, 3, 0.7, 1.5, 0.4};
    gen_dist *d = gen_mixture(vec(3, p), gen_normal(vec(3, p + 3), vec(3, p + 6)));
    CHECK(!gen_dist_has_rsample(d));
    for (uint64_t seed = 0; seed < 2; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_KS("mixture of 3 normals", s, mix_cdf, p);
        double mean = 0.2 * -2 + 0.5 * 0.5 + 0.3 * 3, m2 = 0;
        for (int k = 0; k < 3; k++) m2 += p[k] * (p[6 + k] * p[6 + k] + p[3 + k] * p[3 + k]);
        STATS_MOMENTS("mixture of 3 normals", s, mean, m2 - mean * mean);
    }
    /* component frequencies: components far apart, the draw tells its component */
    gen_dist *f = gen_mixture(VEC(0.2, 0.5, 0.3), gen_normal(VEC(-1000, 0, 1000), VEC(1, 1, 1)));
    gen_array *s = gen_dist_sample(f, gen_key_new(7), GEN_DIMS(100000));
    gen_array *k = gen_cast(gen_add(gen_round(gen_div(s, gen_scalar(1000))), gen_scalar(1)), GEN_I64);
    STATS_CHISQ("component frequencies", k, ((double[]){0.2, 0.5, 0.3}), 3);
    /* per-row weights [2, 3]: each batch column has its own mixture */
    gen_dist *b = gen_mixture(gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.2, 0.5, 0.3, 0.6, 0.1, 0.3}),
                              gen_normal(VEC(-1000, 0, 1000), VEC(1, 1, 1)));
    gen_array *sb = gen_dist_sample(b, gen_key_new(8), GEN_DIMS(100000));
    CHECK_SHAPE(sb, 100000, 2);
    gen_array *kb = gen_cast(gen_add(gen_round(gen_div(sb, gen_scalar(1000))), gen_scalar(1)), GEN_I64);
    STATS_CHISQ("row 0", gen_take(kb, gen_scalar_i64(0), 1), ((double[]){0.2, 0.5, 0.3}), 3);
    STATS_CHISQ("row 1", gen_take(kb, gen_scalar_i64(1), 1), ((double[]){0.6, 0.1, 0.3}), 3);
    /* components of batch [1, 3] expanded to [2, 3] by the weights: independent columns */
    gen_dist *c = gen_mixture(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0.5, 0.5, 0.5, 0.5}),
                              gen_normal(gen_array_from_f64(GEN_DIMS(1, 2), (double[]){-3, 3}), gen_scalar(1)));
    gen_array *sc = gen_dist_sample(c, gen_key_new(9), GEN_DIMS(20000));
    CHECK_SHAPE(sc, 20000, 2);
    double corr = check_item(gen_mean(gen_mul(gen_take(sc, gen_scalar_i64(0), 1), gen_take(sc, gen_scalar_i64(1), 1)), 0, NULL, false));
    CHECK_NEAR(corr / 10, 0, 5 / sqrt(20000.0)); /* E[x0 x1] = 0, sd(x0 x1) = 10 */
    /* discrete components: chi-square against the mixture pmf */
    gen_dist *t = gen_mixture(VEC(0.25, 0.75), fx_trinary(VEC(0.5, 3)));
    CHECK(gen_dist_is_discrete(t) && gen_dist_dtype(t) == GEN_I64);
    gen_array *st = gen_dist_sample(t, gen_key_new(10), GEN_DIMS(100000));
    CHECK(gen_array_dtype(st) == GEN_I64);
    double pr[3];
    for (int j = 0; j < 3; j++) pr[j] = 0.25 * fx_tri_prob(0.5, j) + 0.75 * fx_tri_prob(3, j);
    STATS_CHISQ("trinary mixture", st, pr, 3);
    gen_array *en = CHECK_ARR(gen_dist_enumerate(t));
    CHECK_ARRAY(en, ((double[]){0, 1, 2}), 3, 0, 0);
    CHECK_ARRAY(gen_exp(gen_dist_logpdf(t, en)), pr, 3, 1e-14, 0);
}

static gen_array *lp_x(const gen_array *x) {
    return gen_dist_logpdf(gen_mixture(VEC(0.2, 0.5, 0.3), gen_normal(VEC(-2, 0.5, 3), VEC(0.7, 1.5, 0.4))), x);
}
/* weights from logits (a perturbed simplex would fail the constructor's check) */
static gen_status lp_all(void *pl, int n, gen_array *const *in, int n_out, gen_array **out) {
    (void)pl, (void)n, (void)n_out;
    gen_array *w = gen_exp(gen_sub(in[0], gen_logsumexp(in[0], GEN_AXES(-1), true)));
    gen_dist *d = gen_mixture(w, gen_normal(in[1], in[2]));
    out[0] = gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(4, 1), (double[]){-1, 0.3, 1, 2.5}));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status lp_of(void *pl, int n, gen_array *const *in, int n_out, gen_array **out) {
    (void)pl, (void)n, (void)n_out;
    gen_array *w = gen_exp(gen_sub(in[0], gen_logsumexp(in[0], GEN_AXES(-1), true)));
    gen_dist *c[2] = {gen_normal(in[1], gen_scalar(1)), gen_transformed(gen_normal(gen_scalar(0), in[2]), gen_bijection_exp())};
    out[0] = gen_dist_logpdf(gen_mixture_of(2, c, w), gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 1, 2.5}));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_array *sum_lp_w(const gen_array *w) {
    return gen_sum(gen_dist_logpdf(gen_mixture(w, gen_normal(VEC(0, 1), VEC(1, 1))), VEC(0.3, -1)), 0, NULL, false);
}
static gen_array *outside(const gen_array *x) {
    gen_dist *d = gen_mixture(VEC(0.5, 0.5), fx_exponential(VEC(1, 2)));
    return gen_sum(gen_dist_logpdf(d, x), 0, NULL, false);
}

static void test_gradients(void) {
    FD_CHECK1(lp_x, fd_uniform(3, -4, 4, GEN_DIMS(5)), 1e-7, 1e-9);
    gen_array *in[3] = {fd_uniform(4, -1, 1, GEN_DIMS(2, 3)), fd_uniform(5, -1, 1, GEN_DIMS(3)),
                        fd_uniform(6, 0.5, 2, GEN_DIMS(3))};
    FD_CHECK("mixture logits, means, sds", ((gen_closure){lp_all, NULL}), 3, in, 1, 1e-7, 1e-9);
    gen_array *in2[3] = {fd_uniform(7, -1, 1, GEN_DIMS(2)), fd_uniform(8, -1, 1, GEN_DIMS(3)), gen_scalar(0.8)};
    FD_CHECK("mixture_of logits, mu, sigma", ((gen_closure){lp_of, NULL}), 3, in2, 1, 1e-7, 1e-9);
    /* gradient with respect to the weights themselves, a zero weight included:
     * d/dw_k sum_x log(sum_j w_j p_j(x)) = sum_x p_k(x) / p(x) */
    static fd_fn1 fw = sum_lp_w;
    gen_array *w = VEC(0, 1), *g = NULL;
    CHECK_OK(gen_grad(fd_closure1(&fw), 1, &w, &g));
    double xs[2] = {0.3, -1}, want[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        double p0 = gsl_ran_gaussian_pdf(xs[i], 1), p1 = gsl_ran_gaussian_pdf(xs[i] - 1, 1);
        want[0] += p0 / p1;
        want[1] += 1;
    }
    CHECK_ARRAY(g, want, 2, 1e-12, 0);
    /* outside every component's support: -inf with a zero (not NaN) gradient */
    static fd_fn1 fo = outside;
    gen_array *x = VEC(-1, 0.5), *go = NULL;
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_mixture(VEC(0.5, 0.5), fx_exponential(VEC(1, 2))), gen_scalar(-1))),
                -INFINITY, 0);
    CHECK_OK(gen_grad(fd_closure1(&fo), 1, &x, &go));
    const double *gd = gen_array_data(go);
    CHECK(gd[0] == 0 && isfinite(gd[1]));
}

static double hetero_cdf(double x, const double *p) {
    return p[0] * gsl_cdf_gaussian_P(x - p[1], p[2]) + p[3] * (x > 0 ? -expm1(-p[4] * x) : 0);
}

static void test_mixture_of(void) {
    gen_dist *a = gen_normal(gen_scalar(0), gen_scalar(2.3)), *b = gen_normal(gen_scalar(1), gen_scalar(1));
    gen_dist *d = gen_mixture_of(2, (gen_dist *[]){a, b}, VEC(0.4, 0.6));
    CHECK(strcmp(gen_dist_name(d), "mixture_of") == 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(1.123))), -1.206821952724429, 1e-12);
    /* heterogeneous: normal, lognormal, exponential; negative x only the normal reaches */
    gen_dist *c[3] = {gen_normal(gen_scalar(0.5), gen_scalar(1.2)),
                      gen_transformed(gen_normal(gen_scalar(0), gen_scalar(0.5)), gen_bijection_exp()),
                      fx_exponential(gen_scalar(2))};
    gen_dist *h = gen_mixture_of(3, c, VEC(0.2, 0.3, 0.5));
    double xs[5] = {-1.5, 0.2, 1, 2.5, 7}, want[5];
    for (int i = 0; i < 5; i++) {
        double p = 0.2 * gsl_ran_gaussian_pdf(xs[i] - 0.5, 1.2);
        if (xs[i] > 0) p += 0.3 * gsl_ran_lognormal_pdf(xs[i], 0, 0.5) + 0.5 * gsl_ran_exponential_pdf(xs[i], 0.5);
        want[i] = log(p);
    }
    CHECK_ARRAY(gen_dist_logpdf(h, vec(5, xs)), want, 5, 1e-12, 0);
    gen_support s;
    CHECK_OK(gen_dist_support(h, &s));
    CHECK(s.kind == GEN_SUPPORT_CUSTOM);
    /* batched components: batch = broadcast of [3] and [] */
    gen_dist *bc = gen_mixture_of(2, (gen_dist *[]){gen_normal(VEC(-1, 0, 1), gen_scalar(1)), b}, VEC(0.5, 0.5));
    CHECK(gen_dist_batch_ndim(bc) == 1 && gen_dist_batch_shape(bc)[0] == 3);
    gen_array *lp = gen_dist_logpdf(bc, gen_scalar(0.25));
    double wb[3];
    for (int i = 0; i < 3; i++)
        wb[i] = log(0.5 * gsl_ran_gaussian_pdf(0.25 - (i - 1), 1) + 0.5 * gsl_ran_gaussian_pdf(0.25 - 1, 1));
    CHECK_ARRAY(lp, wb, 3, 1e-12, 0);
    CHECK_SHAPE(gen_dist_sample(bc, gen_key_new(1), GEN_DIMS(6)), 6, 3);
    /* sampling: normal + exponential */
    gen_dist *ne = gen_mixture_of(2, (gen_dist *[]){gen_normal(gen_scalar(-1), gen_scalar(0.5)), fx_exponential(gen_scalar(0.8))},
                                  VEC(0.35, 0.65));
    for (uint64_t seed = 0; seed < 2; seed++) {
        gen_array *x = gen_dist_sample(ne, gen_key_new(seed), GEN_DIMS(100000));
        STATS_KS("normal + exponential", x, hetero_cdf, (double[]){0.35, -1, 0.5, 0.65, 0.8});
        double mean = 0.35 * -1 + 0.65 / 0.8, m2 = 0.35 * (0.25 + 1) + 0.65 * 2 / 0.64;
        STATS_MOMENTS("normal + exponential", x, mean, m2 - mean * mean);
    }
    /* discrete: union enumeration and chi-square */
    gen_dist *t = gen_mixture_of(2, (gen_dist *[]){fx_trinary(gen_scalar(0.5)), fx_trinary(gen_scalar(2))}, VEC(0.5, 0.5));
    CHECK_ARRAY(gen_dist_enumerate(t), ((double[]){0, 1, 2}), 3, 0, 0);
    CHECK_OK(gen_dist_support(t, &s));
    CHECK(s.kind == GEN_SUPPORT_INTEGER_RANGE);
    double pr[3];
    for (int j = 0; j < 3; j++) pr[j] = 0.5 * fx_tri_prob(0.5, j) + 0.5 * fx_tri_prob(2, j);
    STATS_CHISQ("trinary mixture_of", gen_dist_sample(t, gen_key_new(3), GEN_DIMS(100000)), pr, 3);
}

static void test_support(void) {
    gen_support s;
    gen_dist *d = gen_mixture(VEC(0.4, 0.6), gen_normal(VEC(0, 1), VEC(2.3, 1)));
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_REAL);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "identity") == 0);
    gen_dist *e = gen_mixture(VEC(0.4, 0.6), fx_exponential(VEC(1, 3)));
    CHECK_OK(gen_dist_support(e, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE);
    CHECK(strcmp(gen_bijection_name(gen_dist_bijection(e)), "exp") == 0);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "mixture has no finite support");
    CHECK(strcmp(gen_dist_param_name(d, 0), "weights") == 0 && gen_dist_num_params(d) == 1);
    gen_dist *h = gen_mixture_of(2, (gen_dist *[]){gen_normal(gen_scalar(0), gen_scalar(1)), fx_exponential(gen_scalar(1))}, VEC(0.5, 0.5));
    CHECK(gen_dist_enumerate(h) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "mixture_of has no finite support");
}

/* A coin with P(true) = p (bool values), to exercise selection of bool draws. */
static gen_array *coin_sample(void *pl, gen_key key, int ndim, const int64_t *shape, int n, gen_array *const *p) {
    (void)pl, (void)n;
    return gen_lt(gen_random_uniform(key, GEN_F64, ndim, shape), p[0]);
}
static gen_array *coin_logpdf(void *pl, const gen_array *x, int n, gen_array *const *p) {
    (void)pl, (void)n;
    return gen_where(x, gen_log(p[0]), gen_log1p(gen_neg(p[0])));
}

static void test_dtypes(void) {
    /* f32 weights and components: f32 draws and log densities (weights exact in f32:
     * dist_check_simplex's 1e-8 K tolerance rejects f32 0.4 + 0.6) */
    gen_array *w = gen_cast(VEC(0.25, 0.75), GEN_F32);
    gen_dist *d = gen_mixture(w, gen_normal(gen_cast(VEC(0, 1), GEN_F32), gen_cast(VEC(2.3, 1), GEN_F32)));
    CHECK(gen_dist_dtype(d) == GEN_F32);
    gen_array *lp = gen_dist_logpdf(d, gen_scalar_f32(1.123f));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.25 * gsl_ran_gaussian_pdf(1.123, 2.3) + 0.75 * gsl_ran_gaussian_pdf(0.123, 1)), 1e-6);
    CHECK(gen_array_dtype(gen_dist_sample(d, gen_key_new(1), GEN_DIMS(3))) == GEN_F32);
    /* bool components */
    gen_dist_callbacks cb = {.name = "coin", .dtype = GEN_BOOL, .support = GEN_SUPPORT_BOOLEAN,
                             .sample = coin_sample, .logpdf = coin_logpdf};
    gen_dist *c = gen_mixture(VEC(0.5, 0.5), gen_dist_custom(&cb, NULL, 1, (gen_array *[]){VEC(0.2, 0.9)}));
    gen_array *s = gen_dist_sample(c, gen_key_new(2), GEN_DIMS(100000));
    CHECK(gen_array_dtype(s) == GEN_BOOL);
    STATS_CHISQ("coin mixture", gen_cast(s, GEN_I64), ((double[]){0.45, 0.55}), 2);
    CHECK_CLOSE(check_item(gen_dist_logpdf(c, gen_scalar_bool(true))), log(0.55), 1e-14);
}

static void test_errors(void) {
    gen_dist *n2 = gen_normal(VEC(0, 1), VEC(1, 1));
    CHECK(gen_mixture(VEC(0.4, 0.5), n2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mixture: weights must sum to 1, got 0.9");
    CHECK(gen_mixture(VEC(-0.5, 1.5), n2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mixture: weights must be >= 0, got -0.5 at index [0]");
    CHECK(gen_mixture(gen_scalar(1), n2) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture: weights must have at least 1 dimension, got shape []");
    CHECK(gen_mixture(gen_zeros(GEN_F64, GEN_DIMS(0)), n2) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture: weights must have at least one entry");
    CHECK(gen_mixture(VEC(0.2, 0.3, 0.5), n2) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture: the components' last batch axis must index the 3 weights: weights shape [3], components (normal) batch shape [2]");
    CHECK(gen_mixture(VEC(1), gen_normal(gen_scalar(0), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "components (normal) batch shape []");
    CHECK(gen_mixture(gen_full(GEN_F64, GEN_DIMS(3, 2), 0.5), gen_normal(gen_zeros(GEN_F64, GEN_DIMS(2, 2)), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture: weights and components' batch shapes");
    CHECK(gen_mixture(NULL, n2) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mixture: weights is NULL");
    CHECK(gen_mixture(VEC(0.5, 0.5), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mixture: components is NULL");
    /* mixture_of */
    gen_dist *a = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_dist *v = gen_iid(a, GEN_DIMS(2));
    CHECK(gen_mixture_of(2, (gen_dist *[]){a, v}, VEC(0.5, 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture_of: component 1 (iid) has event shape [2], component 0 (normal) has []");
    CHECK(gen_mixture_of(2, (gen_dist *[]){a, fx_trinary(gen_scalar(1))}, VEC(0.5, 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "mixture_of: component 1 (trinary) has dtype i64, component 0 (normal) has f64");
    CHECK(gen_mixture_of(2, (gen_dist *[]){a, a}, VEC(0.2, 0.3, 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture_of: weights shape [3] must end in the number of components 2");
    CHECK(gen_mixture_of(0, (gen_dist *[]){a}, VEC(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mixture_of: needs at least one component, got 0");
    CHECK(gen_mixture_of(2, (gen_dist *[]){a, NULL}, VEC(0.5, 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "mixture_of: component 1 is NULL");
    CHECK(gen_mixture_of(2, (gen_dist *[]){a, a}, VEC(0.5, 0.6)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mixture_of: weights must sum to 1");
    CHECK(gen_mixture_of(2, (gen_dist *[]){gen_normal(VEC(0, 1), gen_scalar(1)), gen_normal(VEC(0, 1, 2), gen_scalar(1))},
                         VEC(0.5, 0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture_of: batch shapes (weights and components 0..1)");
    /* value shape */
    CHECK(gen_dist_logpdf(gen_mixture(VEC(0.5, 0.5), n2), gen_zeros(GEN_F64, GEN_DIMS(3))) != NULL);
    gen_dist *bm = gen_mixture(gen_full(GEN_F64, GEN_DIMS(2, 2), 0.5), n2);
    CHECK(gen_dist_logpdf(bm, gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mixture");
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_batched);
    RUN(test_sampling);
    RUN(test_gradients);
    RUN(test_mixture_of);
    RUN(test_support);
    RUN(test_dtypes);
    RUN(test_errors);
    return check_finish();
}
