/* test_discrete_uniform.c — UniformDiscrete(lo, hi): log mass -log(hi - lo + 1) inside,
 * -inf outside and at non-integers, i64 and integral float bounds, broadcasting,
 * sampling (chi-square, moments), parameter errors, support bounds, enumeration. */
#include "test_discrete_util.h"
#include "stats.h"

static void test_logpdf(void) {
    const double inf = INFINITY;
    gen_dist *d = gen_uniform_discrete(gen_scalar_i64(-2), gen_scalar_i64(3));
    gen_array *x = gen_array_from_f64(GEN_DIMS(9), (double[]){-2, 0, 3, -3, 4, 0.5, NAN, inf, -inf});
    double l6 = -log(6);
    CHECK_ARRAY(gen_dist_logpdf(d, x), ((double[]){l6, l6, l6, -inf, -inf, -inf, -inf, -inf, -inf}), 9, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(d, gen_cast(gen_array_from_f64(GEN_DIMS(3), (double[]){-3, -2, 3}), GEN_I64)),
                ((double[]){-inf, l6, l6}), 3, 1e-15, 0);
    /* float bounds, broadcast: lo [3], hi [2, 1] -> batch [2, 3] */
    gen_dist *b = gen_uniform_discrete(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 2}),
                                       gen_array_from_f64(GEN_DIMS(2, 1), (double[]){2, 9}));
    CHECK(gen_dist_batch_ndim(b) == 2);
    gen_array *lp = gen_dist_logpdf(b, gen_scalar(2));
    CHECK_SHAPE(lp, 2, 3);
    CHECK_ARRAY(lp, ((double[]){-log(3), -log(2), 0, -log(10), -log(9), -log(8)}), 6, 1e-15, 0);
    CHECK_ARRAY(gen_dist_logpdf(b, gen_scalar_bool(false)), ((double[]){-log(3), -inf, -inf, -log(10), -inf, -inf}), 6, 1e-15, 0);
    /* a single value; bool values; huge ranges */
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_uniform_discrete(gen_scalar(5), gen_scalar(5)), gen_scalar_i64(5))), 0, 0);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(1)), gen_scalar_bool(true))), -log(2), 1e-15);
    int64_t big = INT64_C(1) << 50;
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_uniform_discrete(gen_scalar_i64(-big), gen_scalar_i64(big)), gen_scalar_i64(big - 1))),
                -log(2 * 0x1p50 + 1), 1e-15);
    /* f32 bounds give f32 */
    lp = gen_dist_logpdf(gen_uniform_discrete(gen_scalar_f32(1), gen_scalar_f32(4)), gen_scalar(2));
    CHECK(gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), -log(4), 1e-7);
}

static void test_shapes(void) {
    gen_dist *d = gen_uniform_discrete(gen_zeros(GEN_I64, GEN_DIMS(3)), gen_full(GEN_I64, GEN_DIMS(2, 1), 4));
    CHECK(gen_dist_dtype(d) == GEN_I64 && gen_dist_event_ndim(d) == 0);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK(gen_array_dtype(s) == GEN_I64);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    CHECK(strcmp(gen_dist_name(d), "uniform_discrete") == 0 && strcmp(gen_dist_param_name(d, 1), "hi") == 0);
    CHECK_SHAPE(gen_dist_sample(gen_uniform_discrete(gen_scalar(0), gen_scalar(3)), gen_key_new(1), 0, NULL));
}

static void test_sampling(void) {
    double p[6] = {1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6};
    gen_dist *d = gen_uniform_discrete(gen_scalar_i64(-2), gen_scalar(3));
    for (uint64_t seed = 0; seed < 3; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        STATS_CHISQ("uniform_discrete(-2, 3)", gen_add(s, gen_scalar_i64(2)), p, 6);
        CHECK_RANGE(s, -2, 3);
        STATS_MOMENTS("uniform_discrete(-2, 3)", s, 0.5, 35.0 / 12);
    }
    CHECK(check_item(gen_max(gen_dist_sample(gen_uniform_discrete(gen_scalar(7), gen_scalar(7)), gen_key_new(3), GEN_DIMS(100)), 0, NULL, false)) == 7);
    /* a batch, and a range far beyond 2^32 */
    gen_array *s = gen_dist_sample(gen_uniform_discrete(gen_array_from_f64(GEN_DIMS(2), (double[]){0, 10}),
                                                        gen_array_from_f64(GEN_DIMS(2), (double[]){2, 20})),
                                   gen_key_new(4), GEN_DIMS(100000));
    STATS_MOMENTS("uniform_discrete batch 0", gen_slice(s, 1, 0, 1, 1), 1, 2.0 / 3);
    STATS_MOMENTS("uniform_discrete batch 1", gen_slice(s, 1, 1, 2, 1), 15, 10);
    double n = 0x1p45;
    s = gen_dist_sample(gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64((int64_t)n - 1)), gen_key_new(5), GEN_DIMS(100000));
    STATS_MOMENTS("uniform_discrete(0, 2^45 - 1)", gen_cast(s, GEN_F64), (n - 1) / 2, (n * n - 1) / 12);
}

static void test_errors(void) {
    CHECK(gen_uniform_discrete(gen_scalar(0.5), gen_scalar(3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform_discrete: lo must be an integer, got 0.5 at index []");
    CHECK(gen_uniform_discrete(gen_scalar(0), gen_array_from_f64(GEN_DIMS(2), (double[]){1, INFINITY})) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform_discrete: hi must be an integer, got inf at index [1]");
    CHECK(gen_uniform_discrete(gen_scalar(NAN), gen_scalar(3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform_discrete: lo must be an integer, got nan");
    CHECK(gen_uniform_discrete(gen_array_from_f64(GEN_DIMS(2), (double[]){0, 3}), gen_scalar_i64(2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "uniform_discrete: lo must be <= hi, got 3 and 2");
    CHECK(gen_uniform_discrete(gen_zeros(GEN_I64, GEN_DIMS(2)), gen_ones(GEN_I64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "uniform_discrete: shapes [2] and [3] do not broadcast");
    CHECK(gen_uniform_discrete(NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "uniform_discrete: parameter lo is NULL");
    CHECK(gen_uniform_discrete(gen_scalar(1), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "uniform_discrete: parameter hi is NULL");
}

static void test_support(void) {
    gen_dist *d = gen_uniform_discrete(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 2, -1}),
                                       gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){1, 5, -1}));
    check_discrete_support(d, GEN_SUPPORT_INTEGER_RANGE);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(gen_array_dtype(s.lo) == GEN_I64 && gen_array_dtype(s.hi) == GEN_I64);
    CHECK_ARRAY(s.lo, ((double[]){0, 2, -1}), 3, 0, 0);
    CHECK_ARRAY(s.hi, ((double[]){1, 5, -1}), 3, 0, 0);
    gen_array *e = gen_dist_enumerate(d); /* the union -1..5 */
    CHECK(gen_array_dtype(e) == GEN_I64);
    CHECK_ARRAY(e, ((double[]){-1, 0, 1, 2, 3, 4, 5}), 7, 0, 0);
    CHECK_ENUM_SUMS_TO_ONE(d);
    CHECK_ENUM_SUMS_TO_ONE(gen_uniform_discrete(gen_scalar(-3), gen_full(GEN_F64, GEN_DIMS(2, 2), 7)));
    /* empty batch; a support too large to list */
    CHECK_SHAPE(gen_dist_enumerate(gen_uniform_discrete(gen_zeros(GEN_I64, GEN_DIMS(0)), gen_scalar(3))), 0);
    CHECK(gen_dist_enumerate(gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(INT64_C(1) << 40))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "uniform_discrete: the support 0..1099511627776 has more than");
    CHECK(gen_dist_enumerate(gen_uniform_discrete(gen_scalar_i64(INT64_MIN), gen_scalar_i64(INT64_MAX))) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "has more than");
}

int main(void) {
    RUN(test_logpdf);
    RUN(test_shapes);
    RUN(test_sampling);
    RUN(test_errors);
    RUN(test_support);
    return check_finish();
}
