/* test_discrete_categorical.c — Categorical(probs) and Categorical(logits): log mass
 * against GSL's discrete distribution, zero probabilities and out-of-range values (-inf,
 * never NaN, gradients without NaN), batch broadcasting, sampling (chi-square, moments),
 * gradients, parameter errors, support bounds, enumeration. */
#include <gsl/gsl_randist.h>

#include "test_discrete_util.h"
#include "stats.h"

#define R 6
#define K 4

/* R rows of K probabilities (normalized fd_uniform values). */
static gen_array *rows(uint64_t seed) {
    gen_array *w = fd_uniform(seed, 0.05, 1, GEN_DIMS(R, K));
    return gen_div(w, gen_sum(w, GEN_AXES(-1), true));
}

/* The reference: GSL's discrete distribution from the (unnormalized) weights of row r. */
static double gsl_logp(const double *w, int r, int x) {
    gsl_ran_discrete_t *g = gsl_ran_discrete_preproc(K, w + r * K);
    double p = gsl_ran_discrete_pdf((size_t)x, g);
    gsl_ran_discrete_free(g);
    return log(p);
}

static void test_logpdf(void) {
    gen_array *p = rows(1), *l = fd_uniform(2, -3, 3, GEN_DIMS(R, K));
    gen_array *el = gen_exp(l);
    const double *pd = gen_array_data(p), *ed = gen_array_data(el);
    double x[R], want[R], want_l[R];
    for (int r = 0; r < R; r++) {
        x[r] = (r * 3) % K;
        want[r] = gsl_logp(pd, r, (int)x[r]);
        want_l[r] = gsl_logp(ed, r, (int)x[r]);
    }
    gen_array *xf = gen_array_from_f64(GEN_DIMS(R), x);
    CHECK_ARRAY(gen_dist_logpdf(gen_categorical(p), xf), want, R, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_categorical(p), gen_cast(xf, GEN_I64)), want, R, 1e-10, 0);
    CHECK_ARRAY(gen_dist_logpdf(gen_categorical_logits(l), gen_cast(xf, GEN_I64)), want_l, R, 1e-10, 0);
    /* batch broadcasting: x [2, 1] against batch [R] gives [2, R] */
    gen_array *lp = gen_dist_logpdf(gen_categorical(p), gen_array_from(GEN_I64, GEN_DIMS(2, 1), (int64_t[]){0, 3}));
    CHECK_SHAPE(lp, 2, R);
    double want2[2 * R];
    for (int r = 0; r < R; r++) want2[r] = gsl_logp(pd, r, 0), want2[R + r] = gsl_logp(pd, r, 3);
    CHECK_ARRAY(lp, want2, 2 * R, 1e-10, 0);
}

static void test_edges(void) {
    const double inf = INFINITY;
    gen_array *x = gen_array_from_f64(GEN_DIMS(9), (double[]){0, 1, 2, 3, 4, -1, 1.5, NAN, inf});
    double want[9] = {-inf, log(0.5), log(0.5), -inf, -inf, -inf, -inf, -inf, -inf};
    gen_array *p = gen_array_from_f64(GEN_DIMS(4), (double[]){0, 0.5, 0.5, 0});
    CHECK_ARRAY(gen_dist_logpdf(gen_categorical(p), x), want, 9, 1e-15, 0);
    gen_array *l = gen_array_from_f64(GEN_DIMS(4), (double[]){-inf, 2, 2, -inf});
    CHECK_ARRAY(gen_dist_logpdf(gen_categorical_logits(l), x), want, 9, 1e-15, 0);
    /* huge logits stay finite (logsumexp) */
    gen_array *big = gen_array_from_f64(GEN_DIMS(2), (double[]){1000, 1000 - log(3)});
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_categorical_logits(big), gen_scalar_i64(1))), log(0.25), 1e-13);
    /* one category */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_categorical(gen_ones(GEN_F64, GEN_DIMS(1))), gen_scalar_bool(false))), 0, 0);
    CHECK(gen_array_dtype(gen_dist_sample(gen_categorical(gen_ones(GEN_F64, GEN_DIMS(1))), gen_key_new(1), GEN_DIMS(3))) == GEN_I64);
    /* i64 probs (a one-hot row) */
    gen_dist *d = gen_categorical(gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){0, 1, 0}));
    CHECK_ARRAY(gen_dist_logpdf(d, gen_arange(0, 3, 1, GEN_I64)), ((double[]){-inf, 0, -inf}), 3, 0, 0);
    CHECK_ARRAY(gen_dist_sample(d, gen_key_new(2), GEN_DIMS(4)), ((double[]){1, 1, 1, 1}), 4, 0, 0);
    /* f32 */
    gen_array *lp = gen_dist_logpdf(gen_categorical(gen_cast(p, GEN_F32)), gen_scalar_i64(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.5), 1e-7);
    lp = gen_dist_logpdf(gen_categorical_logits(gen_cast(l, GEN_F32)), gen_scalar_i64(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), log(0.5), 1e-7);
}

static void test_shapes(void) {
    gen_dist *d = gen_categorical(gen_full(GEN_F64, GEN_DIMS(2, 3, K), 1.0 / K));
    CHECK(gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 0 && gen_dist_dtype(d) == GEN_I64);
    CHECK(gen_dist_batch_shape(d)[0] == 2 && gen_dist_batch_shape(d)[1] == 3);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(5));
    CHECK_SHAPE(s, 5, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 5, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, gen_scalar_i64(1)), 2, 3);
    gen_dist *l = gen_categorical_logits(gen_zeros(GEN_F64, GEN_DIMS(3, K)));
    CHECK_SHAPE(gen_dist_sample(l, gen_key_new(2), GEN_DIMS(5, 2)), 5, 2, 3);
    CHECK(strcmp(gen_dist_name(l), "categorical_logits") == 0 && strcmp(gen_dist_param_name(l, 0), "logits") == 0);
    CHECK(strcmp(gen_dist_param_name(d, 0), "probs") == 0);
}

static void check_sampler(const char *what, gen_dist *d, const double *p, int k) {
    double mean = 0, m2 = 0;
    for (int j = 0; j < k; j++) mean += j * p[j], m2 += j * j * p[j];
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ(what, s, p, k);
        CHECK_RANGE(s, 0, k - 1);
        STATS_MOMENTS(what, s, mean, m2 - mean * mean);
        /* zero-probability categories never come up */
        for (int j = 0; j < k; j++)
            if (p[j] == 0) CHECK(check_item(gen_sum(gen_eq(s, gen_scalar_i64(j)), 0, NULL, false)) == 0);
    }
}

static void test_sampling(void) {
    double p[K] = {0.1, 0.2, 0.3, 0.4};
    gen_array *pa = gen_array_from_f64(GEN_DIMS(K), p);
    check_sampler("categorical", gen_categorical(pa), p, K);
    check_sampler("categorical_logits", gen_categorical_logits(gen_add(gen_log(pa), gen_scalar(7))), p, K);
    double z[5] = {0, 0.25, 0, 0.75, 0};
    gen_array *za = gen_array_from_f64(GEN_DIMS(5), z);
    check_sampler("categorical zeros", gen_categorical(za), z, 5);
    check_sampler("categorical_logits -inf", gen_categorical_logits(gen_log(za)), z, 5);
    /* a batch: each column follows its own row */
    double rows2[2][3] = {{0.6, 0.3, 0.1}, {0.05, 0.15, 0.8}};
    gen_array *b = gen_array_from_f64(GEN_DIMS(2, 3), &rows2[0][0]);
    gen_array *s = gen_dist_sample(gen_categorical(b), gen_key_new(7), GEN_DIMS(100000));
    gen_array *sl = gen_dist_sample(gen_categorical_logits(gen_log(b)), gen_key_new(7), GEN_DIMS(100000));
    for (int r = 0; r < 2; r++) {
        STATS_CHISQ("categorical batch", gen_slice(s, 1, r, r + 1, 1), rows2[r], 3);
        STATS_CHISQ("categorical_logits batch", gen_slice(sl, 1, r, r + 1, 1), rows2[r], 3);
    }
}

/* More than 17 categories (a binary search of the cumulative table), with zeros. */
static void test_sampling_many(void) {
    double p[40], w = 0;
    for (int j = 0; j < 40; j++) w += p[j] = j % 7 == 3 ? 0 : 1 + j % 5;
    for (int j = 0; j < 40; j++) p[j] /= w;
    gen_array *pa = gen_array_from_f64(GEN_DIMS(40), p);
    check_sampler("categorical K=40", gen_categorical(pa), p, 40);
    check_sampler("categorical_logits K=40", gen_categorical_logits(gen_sub(gen_log(pa), gen_scalar(50))), p, 40);
    /* value i depends only on (key, i): a longer draw starts with the shorter one */
    gen_dist *d = gen_categorical(gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.6, 0.3, 0.1, 0.05, 0.15, 0.8}));
    gen_array *a = gen_dist_sample(d, gen_key_new(5), GEN_DIMS(100)), *b = gen_dist_sample(d, gen_key_new(5), GEN_DIMS(300));
    CHECK(check_item(gen_sum(gen_ne(a, gen_slice(b, 0, 0, 100, 1)), 0, NULL, false)) == 0);
}

/* The single-pass kernels (plain calls) against the formulas (traced under gen_vjp):
 * float values off the support, bool values, batch axes of length 1, f32, zeros. */
static gen_array *xmix(void) {
    return gen_array_from_f64(GEN_DIMS(2, 1, 8), (double[]){0, 1, 2, 3, 4, -1, 1.5, NAN, INFINITY, 3, 2, 1, 0, -INFINITY, 2.0000001, 1});
}
static gen_array *pl_probs(const gen_array *p) { return gen_dist_logpdf(gen_categorical(p), xmix()); }
static gen_array *pl_probs_i64(const gen_array *p) {
    return gen_dist_logpdf(gen_categorical(p), gen_array_from(GEN_I64, GEN_DIMS(5), (int64_t[]){0, 3, -1, 4, 2}));
}
static gen_array *pl_probs_bool(const gen_array *p) {
    return gen_dist_logpdf(gen_categorical(p), gen_array_from(GEN_BOOL, GEN_DIMS(3), (bool[]){true, false, true}));
}
static gen_array *pl_logits(const gen_array *l) { return gen_dist_logpdf(gen_categorical_logits(l), xmix()); }

static void test_plain_vs_traced(void) {
    gen_array *p = rows(10);
    CHECK_SAME_UNDER_AD(pl_probs, gen_reshape(gen_slice(p, 0, 0, 3, 1), GEN_DIMS(3, 1, K)), 0); /* batch [3,1] */
    CHECK_SAME_UNDER_AD(pl_probs, gen_slice(p, 0, 0, 1, 1), 0);                               /* batch [1] */
    CHECK_SAME_UNDER_AD(pl_probs, gen_slice(p, 0, 0, 1, 1), 0);
    CHECK_SAME_UNDER_AD(pl_probs, gen_array_from_f64(GEN_DIMS(4), (double[]){0, 0.5, 0.5, 0}), 0);
    CHECK_SAME_UNDER_AD(pl_probs_i64, gen_reshape(gen_slice(p, 0, 0, 5, 1), GEN_DIMS(5, K)), 0);
    CHECK_SAME_UNDER_AD(pl_probs_i64, gen_cast(gen_array_from_f64(GEN_DIMS(K), (double[]){0.25, 0, 0.5, 0.25}), GEN_F32), 0);
    CHECK_SAME_UNDER_AD(pl_probs_bool, gen_slice(p, 0, 0, 3, 1), 0);
    CHECK_SAME_UNDER_AD(pl_probs_bool, gen_ones(GEN_F64, GEN_DIMS(1, 1)), 0); /* one category */
    CHECK_SAME_UNDER_AD(pl_logits, fd_uniform(11, -5, 5, GEN_DIMS(8, K)), 0);
    CHECK_SAME_UNDER_AD(pl_logits, gen_array_from_f64(GEN_DIMS(K), (double[]){-INFINITY, 2, 1, -INFINITY}), 0);
    CHECK_SAME_UNDER_AD(pl_logits, gen_cast(fd_uniform(12, -5, 5, GEN_DIMS(K)), GEN_F32), 0);
    /* empty values and an empty batch */
    CHECK_SHAPE(gen_dist_logpdf(gen_categorical(p), gen_zeros(GEN_I64, GEN_DIMS(0, 1))), 0, R);
    CHECK_SHAPE(gen_dist_logpdf(gen_categorical(gen_zeros(GEN_F64, GEN_DIMS(0, K))), gen_scalar_i64(1)), 0);
    CHECK_SHAPE(gen_dist_sample(gen_categorical(gen_zeros(GEN_F64, GEN_DIMS(0, K))), gen_key_new(1), GEN_DIMS(3)), 3, 0);
    CHECK_SHAPE(gen_dist_sample(gen_categorical(p), gen_key_new(1), GEN_DIMS(0)), 0, R);
}

static gen_array *xk(void) { return gen_array_from(GEN_I64, GEN_DIMS(R), (int64_t[]){0, 3, 1, 2, 3, 0}); }
/* Normalized inside, so finite differences stay on the simplex. */
static gen_array *lp_probs(const gen_array *w) {
    return gen_dist_logpdf(gen_categorical(gen_div(w, gen_sum(w, GEN_AXES(-1), true))), xk());
}
static gen_array *lp_probs_bcast(const gen_array *w) {
    return gen_dist_logpdf(gen_categorical(gen_div(w, gen_sum(w, GEN_AXES(-1), true))),
                           gen_array_from(GEN_I64, GEN_DIMS(3, 1), (int64_t[]){0, 3, 1}));
}
static gen_array *lp_logits(const gen_array *l) { return gen_dist_logpdf(gen_categorical_logits(l), xk()); }
static gen_array *lp_zero(const gen_array *p) {
    return gen_dist_logpdf(gen_categorical(p), gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){0, 1, 3}));
}
static gen_array *lp_ninf(const gen_array *l) {
    return gen_dist_logpdf(gen_categorical_logits(gen_where(gen_gt(l, gen_scalar(0)), l, gen_scalar(-INFINITY))),
                           gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){0, 1, 3}));
}

static void test_gradients(void) {
    FD_CHECK1(lp_probs, fd_uniform(3, 0.1, 1, GEN_DIMS(R, K)), 1e-7, 1e-9);
    FD_CHECK1(lp_probs_bcast, fd_uniform(4, 0.1, 1, GEN_DIMS(2, K)), 1e-7, 1e-9); /* x [3,1] vs batch [2] */
    FD_CHECK1(lp_logits, fd_uniform(5, -3, 3, GEN_DIMS(R, K)), 1e-7, 1e-9);
    FD_CHECK1(lp_logits, fd_uniform(6, -3, 3, GEN_DIMS(K)), 1e-7, 1e-9); /* unbatched against R values */
    /* zero probabilities: the gradient is 1/p at x and 0 elsewhere, never NaN */
    gen_array *p = gen_array_from_f64(GEN_DIMS(4), (double[]){0, 0.5, 0.5, 0});
    static fd_fn1 fz = lp_zero;
    gen_array *cot = gen_ones(GEN_F64, GEN_DIMS(3)), *g = NULL;
    CHECK_OK(gen_vjp(fd_closure1(&fz), 1, &p, 1, &cot, NULL, &g));
    CHECK_ARRAY(g, ((double[]){0, 2, 0, 0}), 4, 1e-15, 0);
    CHECK_GRAD_NO_NAN(lp_zero, p);
    CHECK_GRAD_NO_NAN(lp_ninf, gen_array_from_f64(GEN_DIMS(4), (double[]){-1, 0.5, 0.7, -2}));
}

static void test_errors(void) {
    CHECK(gen_categorical(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0.5, 0.5, 0.5, 0.4})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical: probs must sum to 1, got 0.9");
    CHECK(gen_categorical(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0.5, 0.5, 0.5, 0.4})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "for the row at index [1,0]");
    CHECK(gen_categorical(gen_array_from_f64(GEN_DIMS(3), (double[]){0.6, 0.5, -0.1})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical: probs must be >= 0, got -0.1 at index [2]");
    CHECK(gen_categorical(gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "categorical: probs must have at least 1 dimension, got shape []");
    CHECK(gen_categorical(gen_zeros(GEN_F64, GEN_DIMS(2, 0))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "categorical: probs must have at least one category (last axis), got shape [2,0]");
    CHECK(gen_categorical(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "categorical: parameter probs is NULL");
    CHECK(gen_categorical_logits(gen_array_from_f64(GEN_DIMS(2), (double[]){0, NAN})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical_logits: logits must be a number (not NaN), got nan at index [1]");
    CHECK(gen_categorical_logits(gen_array_from_f64(GEN_DIMS(2), (double[]){0, INFINITY})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical_logits: logits must be < inf, got inf at index [1]");
    CHECK(gen_categorical_logits(gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0, 1, -INFINITY, -INFINITY})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "categorical_logits: logits must have a finite entry in every row, the row at index [1,0] is all -inf");
    CHECK(gen_categorical_logits(gen_zeros(GEN_F64, GEN_DIMS(0))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "categorical_logits: logits must have at least one category");
    CHECK(gen_categorical_logits(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "categorical_logits: parameter logits is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_categorical(rows(8));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK_SHAPE(s.lo, R);
    CHECK_SHAPE(s.hi, R);
    CHECK(gen_array_dtype(s.lo) == GEN_I64 && gen_array_dtype(s.hi) == GEN_I64);
    CHECK(check_item(gen_max(s.lo, 0, NULL, false)) == 0 && check_item(gen_min(s.lo, 0, NULL, false)) == 0);
    CHECK(check_item(gen_max(s.hi, 0, NULL, false)) == K - 1 && check_item(gen_min(s.hi, 0, NULL, false)) == K - 1);
    gen_array *e = gen_dist_enumerate(d);
    CHECK(gen_array_dtype(e) == GEN_I64);
    CHECK_ARRAY(e, ((double[]){0, 1, 2, 3}), K, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(d);
    CHECK_ENUM_SUMS_TO_ONE(gen_categorical(gen_array_from_f64(GEN_DIMS(4), (double[]){0, 0.5, 0.5, 0})));
    gen_dist *l = gen_categorical_logits(fd_uniform(9, -20, 20, GEN_DIMS(2, 3, 5)));
    check_discrete_support(l, GEN_SUPPORT_INTEGER_RANGE);
    CHECK_ENUM_SUMS_TO_ONE(l);
    CHECK_SHAPE(gen_dist_enumerate(l), 5);
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_edges);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_sampling_many);
    RUN(test_plain_vs_traced);
    RUN(test_gradients);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
