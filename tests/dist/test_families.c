/* test_families.c — what every family and constructor must do, whatever its kind (the
 * contract the fuzzer's distribution ops check): a draw has the distribution's dtype,
 * also for integer parameters; and under an allocator that fails each allocation in turn
 * (testutil/oom.h), building the distribution, sampling,
 * reparameterized sampling, scoring the draw, enumerating, its bijection, and the
 * gradient of the log density all fail cleanly with GEN_ERR_OOM and leak nothing (a
 * sampler once read the shape of an op's NULL result: lkj_cholesky, found by
 * fuzz/fuzz_array_ops). Also the shape bounds of distributions: batch + event (and
 * sample + batch + event) shapes are checked like any array's, so an event of
 * [2^32, 2^32] or iid axes that overflow with it are errors, not a 2^64-element value. */
#include <string.h>

#include "oom.h"

static gen_array *v2(double a, double b) { return gen_array_from_f64(GEN_DIMS(2), (double[]){a, b}); }
static gen_array *eye2(void) { return gen_eye(2, GEN_F64); }

/* One distribution of each family and constructor, with valid parameters; n of them. */
static int make_all(gen_dist **d) {
    gen_array *one = gen_scalar(1), *half = gen_scalar(0.5), *two = gen_scalar(2);
    int n = 0;
    d[n++] = gen_normal(v2(0, 1), one);
    d[n++] = gen_uniform(gen_scalar(-1), two);
    d[n++] = gen_beta(two, v2(0.5, 3));
    d[n++] = gen_gamma(v2(0.3, 2), one);
    d[n++] = gen_inv_gamma(two, one);
    d[n++] = gen_exponential(v2(1, 4));
    d[n++] = gen_laplace(one, two);
    d[n++] = gen_cauchy(one, two);
    d[n++] = gen_student_t(gen_scalar(3), one, two);
    d[n++] = gen_lognormal(one, half);
    d[n++] = gen_truncated_normal(gen_scalar(0), one, gen_scalar(-1), gen_scalar(3));
    d[n++] = gen_half_normal(two);
    d[n++] = gen_half_cauchy(two);
    d[n++] = gen_logistic(one, two);
    d[n++] = gen_weibull(two, one);
    d[n++] = gen_pareto(one, two);
    d[n++] = gen_chi2(gen_scalar(3));
    d[n++] = gen_gumbel(one, two);
    d[n++] = gen_von_mises(one, v2(0.5, 30));
    d[n++] = gen_wrapped_cauchy(one, half);
    d[n++] = gen_beta_uniform(half, two, two);
    d[n++] = gen_piecewise_uniform(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 3}), v2(0.25, 0.75));
    d[n++] = gen_broadcasted_normal(v2(0, 1), one);
    d[n++] = gen_delta(v2(1, 2));
    d[n++] = gen_mvnormal(v2(0, 1), gen_array_from_f64(GEN_DIMS(2, 2), (double[]){2, 0.5, 0.5, 1}));
    d[n++] = gen_mvnormal_chol(v2(0, 1), eye2());
    d[n++] = gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 1, 2}));
    d[n++] = gen_wishart(gen_scalar(4), eye2());
    d[n++] = gen_inv_wishart(gen_scalar(4), eye2());
    d[n++] = gen_lkj_cholesky(3, gen_scalar(1.5));
    d[n++] = gen_bernoulli(half);
    d[n++] = gen_bernoulli_logit(v2(-1, 1));
    d[n++] = gen_categorical(gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.5}));
    d[n++] = gen_categorical_logits(v2(0, 1));
    d[n++] = gen_poisson(v2(0.5, 40));
    d[n++] = gen_geometric(half);
    d[n++] = gen_neg_binomial(gen_scalar(3), half);
    d[n++] = gen_binomial(gen_scalar_i64(5), half);
    d[n++] = gen_multinomial(gen_scalar_i64(3), gen_array_from_f64(GEN_DIMS(3), (double[]){0.2, 0.3, 0.5}));
    d[n++] = gen_uniform_discrete(gen_scalar_i64(1), gen_scalar_i64(4));
    gen_dist *normal = gen_normal(gen_scalar(0), one);
    d[n++] = gen_transformed(normal, gen_bijection_exp());
    d[n++] = gen_mixture(v2(0.3, 0.7), gen_normal(v2(-1, 1), one));
    gen_dist *comps[2] = {normal, gen_laplace(one, one)};
    d[n++] = gen_mixture_of(2, comps, v2(0.5, 0.5));
    d[n++] = gen_iid(normal, GEN_DIMS(3));
    d[n++] = gen_independent(gen_normal(v2(0, 1), one), 1);
    d[n++] = gen_product(2, comps);
    d[n++] = gen_ordered(gen_normal(v2(0, 1), one), 3);
    d[n++] = gen_ordered(gen_exponential(two), 2);
    d[n++] = gen_unit_vector(3);
    return n;
}

/* sum(logpdf(d, in[0])): differentiated in the value (continuous families). */
static gen_status logpdf_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_dist_logpdf(p, in[0]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

/* sum(logpdf(d, x)) * in[0] with x fixed (discrete families): the log mass computed while
 * a transform records, which takes the families' array paths (categorical's once read the
 * shape of a failed op's NULL result there; found by fuzz/fuzz_array_ops). */
typedef struct scored {
    const gen_dist *d;
    const gen_array *x;
} scored;
static gen_status logmass_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const scored *s = p;
    out[0] = gen_mul(gen_sum(gen_dist_logpdf(s->d, s->x), 0, NULL, false), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

/* What a model does with a distribution: sample, rsample, score the draw (and its
 * gradient), enumerate, the bijection both ways. Errors other than running out of
 * memory are errors of the test (the parameters are valid). */
static gen_status use(gen_dist *d) {
    gen_key key = gen_key_new(11);
    gen_array *x = gen_dist_sample(d, key, GEN_DIMS(2));
    if (!x) return gen_error_status();
    if (gen_dist_has_rsample(d) && !gen_dist_rsample(d, key, GEN_DIMS(2))) return gen_error_status();
    if (!gen_dist_logpdf(d, x)) return gen_error_status();
    gen_array *v = NULL, *g = NULL;
    gen_status st;
    if (!gen_dist_is_discrete(d)) {
        gen_array *xf = gen_cast(x, GEN_F64);
        st = gen_value_and_grad((gen_closure){logpdf_fn, d}, 1, &xf, &v, &g);
    } else {
        scored sc = {d, x};
        gen_array *w = gen_scalar(1.5);
        st = gen_value_and_grad((gen_closure){logmass_fn, &sc}, 1, &w, &v, &g);
    }
    if (st != GEN_OK) return st;
    gen_error_clear();
    gen_array *e = gen_dist_enumerate(d);
    if (!e && gen_error_status() != GEN_ERR_UNSUPPORTED) return gen_error_status();
    gen_error_clear();
    gen_bijection *b = gen_dist_bijection(d);
    if (!b && gen_error_status() != GEN_ERR_UNSUPPORTED) return gen_error_status();
    if (b) {
        gen_array *u = gen_bijection_inverse(b, gen_cast(x, GEN_F64));
        if (!u || !gen_bijection_forward(b, u) || !gen_bijection_log_det_jacobian(b, u)) return gen_error_status();
    }
    gen_error_clear();
    return GEN_OK;
}

/* One family per workload (the one at index `which`), so that each starts with GenC's
 * block caches empty and every one of its allocations can fail. */
static int which;

static gen_status workload(void) {
    gen_dist *d[64];
    int n = make_all(d);
    for (int i = 0; i < n; i++)
        if (!d[i]) return gen_error_status();
    return use(d[which]);
}

/* The bijections on integer arguments, which they convert first (the matrix ones once
 * read the dtype of a failed conversion; found by fuzz/fuzz_array_ops): a workload of
 * its own, so that the conversions' allocations are not served from the block caches. */
static gen_status bijection_workload(void) {
    gen_bijection *b[7] = {gen_bijection_corr_cholesky(), gen_bijection_positive_definite(),
                           gen_bijection_stick_breaking(), gen_bijection_ordered(), gen_bijection_positive_ordered(),
                           gen_bijection_unit_vector(), gen_bijection_cholesky_cov(2, 2)};
    gen_array *u = gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 0, 2});
    gen_array *x = gen_cast(gen_eye(3, GEN_F64), GEN_I64);
    for (int i = 0; i < 7; i++)
        if (!b[i]) return gen_error_status();
    if (!u || !x) return gen_error_status();
    for (int i = 0; i < 7; i++)
        if (!gen_bijection_forward(b[i], u) || !gen_bijection_log_det_jacobian(b[i], u)) return gen_error_status();
    if (!gen_bijection_inverse(b[0], x) || !gen_bijection_inverse(b[2], gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){0, 1})))
        return gen_error_status();
    gen_array *inc = gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 2, 4});
    for (int i = 3; i < 6; i++)
        if (!gen_bijection_inverse(b[i], inc)) return gen_error_status();
    if (!gen_bijection_inverse(b[6], gen_cast(gen_eye(2, GEN_F64), GEN_I64))) return gen_error_status();
    return GEN_OK;
}

static void test_out_of_memory(void) {
    CHECK_OOM(bijection_workload, 5);
    gen_dist *d[64];
    gen_scope_begin();
    int n = make_all(d);
    gen_scope_end();
    for (which = 0; which < n; which++) CHECK_OOM(workload, 10);
}

/* A draw's dtype is gen_dist_dtype's: for every family, and for integer parameters,
 * which make it f64 (mvnormal and wishart once said f32 for integer parameters only, and
 * every scalar family for f32 ones mixed with integers, then drew f64; found by
 * fuzz/fuzz_array_ops with bool and i64 parameters). */
static void test_draw_dtypes(void) {
    gen_dist *d[80];
    int n = make_all(d);
    gen_array *i2 = gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){0, 1});
    gen_array *ieye = gen_cast(gen_eye(2, GEN_F64), GEN_I64), *i3 = gen_scalar_i64(3);
    d[n++] = gen_mvnormal(i2, ieye);
    d[n++] = gen_mvnormal_chol(i2, ieye);
    d[n++] = gen_wishart(i3, ieye);
    d[n++] = gen_inv_wishart(i3, ieye);
    d[n++] = gen_normal(i2, i3);
    d[n++] = gen_gamma(i3, i3);
    d[n++] = gen_dirichlet(gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 2, 3}));
    gen_array *f1 = gen_scalar_f32(1);
    d[n++] = gen_normal(f1, i3); /* f32 with integer parameters: f64, as integers compute */
    d[n++] = gen_wrapped_cauchy(f1, i3);
    d[n++] = gen_gamma(i3, f1);
    d[n++] = gen_student_t(i3, f1, f1);
    d[n++] = gen_mvnormal(gen_cast(i2, GEN_F32), ieye);
    d[n++] = gen_mvnormal_chol(gen_cast(i2, GEN_F32), ieye);
    d[n++] = gen_wishart(gen_scalar_f32(3), ieye);
    d[n++] = gen_mvnormal(gen_cast(i2, GEN_F32), gen_cast(ieye, GEN_F32));
    d[n++] = gen_wishart(gen_scalar_f32(3), gen_cast(ieye, GEN_F32));
    for (int i = 0; i < n; i++) {
        check_count++;
        if (!d[i]) {
            check_fail(__FILE__, __LINE__, "distribution %d: %s", i, gen_error_message());
            continue;
        }
        gen_array *x = gen_dist_sample(d[i], gen_key_new(5), GEN_DIMS(2));
        if (!x || gen_array_dtype(x) != gen_dist_dtype(d[i]))
            check_fail(__FILE__, __LINE__, "%s: a draw of %s, gen_dist_dtype %s", gen_dist_name(d[i]),
                       x ? gen_dtype_name(gen_array_dtype(x)) : "(failed)", gen_dtype_name(gen_dist_dtype(d[i])));
    }
}

static void test_shape_bounds(void) {
    /* an event of 2^64 elements */
    CHECK(gen_lkj_cholesky((int64_t)1 << 32, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "shape is too large");
    /* iid axes whose product with the event's overflows, though a 0 makes it empty */
    gen_dist *big = gen_lkj_cholesky((int64_t)1 << 20, gen_scalar(1)); /* [2^20, 2^20]: fine */
    CHECK(big != NULL);
    CHECK(gen_iid(big, GEN_DIMS(((int64_t)1 << 31) - 1, 0)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "shape is too large");
    /* sample + batch + event too large, with a 0 in the batch */
    gen_dist *empty = gen_normal(gen_zeros(GEN_F64, GEN_DIMS(1 << 20, 0)), gen_scalar(1));
    CHECK(empty != NULL);
    CHECK(gen_dist_sample(empty, gen_key_new(1), GEN_DIMS((int64_t)1 << 42)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "shape is too large");
    gen_array *ok = gen_dist_sample(empty, gen_key_new(1), GEN_DIMS(3));
    CHECK(ok && gen_array_size(ok) == 0 && gen_array_ndim(ok) == 3);
}

int main(void) {
    RUN(test_draw_dtypes);
    RUN(test_shape_bounds);
    RUN(test_out_of_memory);
    return check_finish();
}
