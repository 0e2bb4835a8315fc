/* test_shape_index.c — take, index_set and index_add: values, dtypes, repeated and
 * negative indices, broadcast values, errors and gradients. */
#include "shape_testutil.h"

static void test_take_values(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *a = iota(t, GEN_DIMS(3, 4)); /* [[0,1,2,3],[4,5,6,7],[8,9,10,11]] */
        gen_array *r = gen_take(a, I64S(2, 0, 2), 0);
        CHECK_SHAPE(r, 3, 4);
        CHECK_MOVED(r, t, ((int64_t[]){8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}), 12);
        r = gen_take(a, I64S(-1, 1), -1);
        CHECK_SHAPE(r, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){3, 1, 7, 5, 11, 9}), 6);
        /* 2-d indices: result [3, 2, 2] */
        gen_array *ix2 = gen_array_from(GEN_I64, GEN_DIMS(2, 2), (int64_t[]){0, 1, 1, 0});
        r = gen_take(a, ix2, 1);
        CHECK_SHAPE(r, 3, 2, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 1, 0, 4, 5, 5, 4, 8, 9, 9, 8}), 12);
        /* a 0-d index drops the axis */
        r = gen_take(a, gen_scalar_i64(-2), 0);
        CHECK_SHAPE(r, 4);
        CHECK_MOVED(r, t, ((int64_t[]){4, 5, 6, 7}), 4);
        /* 1-d, repeated */
        CHECK_MOVED(gen_take(iota(t, GEN_DIMS(5)), I64S(4, 4, 0), 0), t, ((int64_t[]){4, 4, 0}), 3);
        /* 3-d along the middle axis */
        r = gen_take(iota(t, GEN_DIMS(2, 3, 2)), I64S(2, 0), 1);
        CHECK_SHAPE(r, 2, 2, 2);
        CHECK_MOVED(r, t, ((int64_t[]){4, 5, 0, 1, 10, 11, 6, 7}), 8);
        /* empty indices, and an empty axis with empty indices */
        CHECK_SHAPE(gen_take(a, gen_zeros(GEN_I64, GEN_DIMS(0)), 1), 3, 0);
        CHECK_SHAPE(gen_take(gen_zeros(t, GEN_DIMS(0, 2)), gen_zeros(GEN_I64, GEN_DIMS(0)), 0), 0, 2);
        CHECK_SHAPE(gen_take(gen_zeros(t, GEN_DIMS(0, 2)), I64S(1), 1), 0, 1);
    }
}

static void test_take_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(3, 4));
    gen_array *ix2 = gen_array_from(GEN_I64, GEN_DIMS(2, 2), (int64_t[]){0, 1, 4, 0});
    CHECK(gen_take(a, ix2, 1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "take: index 4 at indices[1,0] is out of range for axis 1 of size 4 (array [3,4])");
    CHECK(gen_take(a, I64S(0, -4), 0) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "take: index -4 at indices[1] is out of range for axis 0 of size 3");
    CHECK(gen_take(a, gen_scalar_i64(3), 0) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index 3 at indices[] is out of range");
    CHECK(gen_take(gen_zeros(GEN_F64, GEN_DIMS(0)), I64S(0), 0) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index 0 at indices[0] is out of range for axis 0 of size 0");
    CHECK(gen_take(a, gen_array_from_f64(GEN_DIMS(1), (double[]){1}), 0) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "take: indices must be i64, got f64");
    CHECK(gen_take(a, gen_cast(I64S(1, 0), GEN_BOOL), 0) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "take: indices must be i64, got bool");
    CHECK(gen_take(a, I64S(0), 2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "take: axis 2 is out of range for 2 dimensions");
    CHECK(gen_take(gen_scalar(1), I64S(0), 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "take: axis 0 is out of range for 0 dimensions");
    gen_array *big = gen_zeros(GEN_F64, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1));
    CHECK(gen_take(big, gen_zeros(GEN_I64, GEN_DIMS(1, 1)), 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "take: array [1,1,1,1,1,1,1,1] with indices [1,1] gives 9 dimensions");
    CHECK(gen_take(a, NULL, 0) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "take: argument 1 is NULL");
}

/* ---- index_set / index_add ---- */

static void test_index_update_values(void) {
    const gen_dtype num[] = {GEN_I64, GEN_F32, GEN_F64};
    for (int k = 0; k < 3; k++) {
        gen_dtype t = num[k];
        gen_array *a = iota(t, GEN_DIMS(3, 4));
        gen_array *v = gen_add(iota(t, GEN_DIMS(2, 4)), gen_cast(gen_scalar(100), t));
        gen_array *r = gen_index_set(a, 0, I64S(2, 0), v);
        CHECK(r && gen_array_dtype(r) == t);
        CHECK_SHAPE(r, 3, 4);
        CHECK_ARRAY(r, ((double[]){104, 105, 106, 107, 4, 5, 6, 7, 100, 101, 102, 103}), 12, 0, 0);
        r = gen_index_add(a, 0, I64S(2, 0), v);
        CHECK_ARRAY(r, ((double[]){104, 106, 108, 110, 4, 5, 6, 7, 108, 110, 112, 114}), 12, 0, 0);
        /* a is unchanged (arrays are values) */
        CHECK_MOVED(a, t, ((int64_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), 12);
        /* repeated indices: index_add accumulates, index_set keeps the last write */
        gen_array *ten = gen_cast(gen_scalar(10), t);
        r = gen_index_add(a, 1, I64S(1, 1, 3), ten);
        CHECK_ARRAY(r, ((double[]){0, 21, 2, 13, 4, 25, 6, 17, 8, 29, 10, 21}), 12, 0, 0);
        gen_array *v33 = gen_add(iota(t, GEN_DIMS(3, 3)), gen_cast(gen_scalar(1), t)); /* 1..9 */
        r = gen_index_set(a, 1, I64S(1, 1, 3), v33);
        CHECK_ARRAY(r, ((double[]){0, 2, 2, 3, 4, 5, 6, 6, 8, 8, 10, 9}), 12, 0, 0);
        /* values [3,1] broadcast to take's shape [3,2] */
        gen_array *col = gen_cast(gen_array_from_f64(GEN_DIMS(3, 1), (double[]){-1, -2, -3}), t);
        r = gen_index_set(a, -1, I64S(0, 2), col);
        CHECK_ARRAY(r, ((double[]){-1, 1, -1, 3, -2, 5, -2, 7, -3, 9, -3, 11}), 12, 0, 0);
        /* a 0-d negative index: take's shape is [3] */
        r = gen_index_add(a, 1, gen_scalar_i64(-1), gen_cast(I64S(1, 2, 3), t));
        CHECK_ARRAY(r, ((double[]){0, 1, 2, 4, 4, 5, 6, 9, 8, 9, 10, 14}), 12, 0, 0);
        /* 3-d, 2-d indices [2,1] along the middle axis: take's shape [2,2,1,2] */
        gen_array *ix = gen_array_from(GEN_I64, GEN_DIMS(2, 1), (int64_t[]){0, 2});
        r = gen_index_add(gen_zeros(t, GEN_DIMS(2, 3, 2)), 1, ix, gen_cast(gen_scalar(1), t));
        CHECK_ARRAY(r, ((double[]){1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1}), 12, 0, 0);
        /* 1-d */
        r = gen_index_set(iota(t, GEN_DIMS(4)), 0, I64S(-1, 0), gen_cast(I64S(7, 8), t));
        CHECK_ARRAY(r, ((double[]){8, 1, 2, 7}), 4, 0, 0);
        /* empty indices: a copy */
        r = gen_index_add(a, 0, gen_zeros(GEN_I64, GEN_DIMS(0)), ten);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), 12);
    }
    /* bool: set, and add as logical or */
    gen_array *b = gen_cast(gen_array_from_f64(GEN_DIMS(4), (double[]){1, 0, 0, 0}), GEN_BOOL);
    gen_array *r = gen_index_set(b, 0, I64S(1, 3, 0), gen_cast(gen_array_from_f64(GEN_DIMS(3), (double[]){1, 1, 0}), GEN_BOOL));
    CHECK(r && gen_array_dtype(r) == GEN_BOOL);
    CHECK_ARRAY(r, ((double[]){0, 1, 0, 1}), 4, 0, 0);
    r = gen_index_add(b, 0, I64S(0, 2, 2), gen_cast(gen_array_from_f64(GEN_DIMS(3), (double[]){0, 1, 0}), GEN_BOOL));
    CHECK(r && gen_array_dtype(r) == GEN_BOOL);
    CHECK_ARRAY(r, ((double[]){1, 0, 1, 0}), 4, 0, 0);
}

static void test_index_update_promotion(void) {
    gen_array *ai = I64S(1, 2, 3);
    gen_array *r = gen_index_set(ai, 0, I64S(1), gen_scalar(0.5));
    CHECK(r && gen_array_dtype(r) == GEN_F64);
    CHECK_ARRAY(r, ((double[]){1, 0.5, 3}), 3, 0, 0);
    r = gen_index_add(gen_cast(ai, GEN_F32), 0, I64S(2), gen_scalar_i64(4));
    CHECK(r && gen_array_dtype(r) == GEN_F32);
    CHECK_ARRAY(r, ((double[]){1, 2, 7}), 3, 0, 0);
    r = gen_index_add(ai, 0, I64S(0), gen_scalar_bool(true));
    CHECK(r && gen_array_dtype(r) == GEN_I64);
    CHECK_ARRAY(r, ((double[]){2, 2, 3}), 3, 0, 0);
    /* i64 accumulation is exact beyond 2^53 */
    r = gen_index_add(gen_array_from(GEN_I64, GEN_DIMS(1), (int64_t[]){(INT64_C(1) << 60) + 1}), 0,
                      I64S(0, 0), gen_scalar_i64(1));
    int64_t got = 0;
    CHECK_OK(gen_item_i64(r, &got));
    CHECK(got == (INT64_C(1) << 60) + 3);
}

static void test_index_update_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(3, 4));
    CHECK(gen_index_set(a, 0, I64S(0, 1), gen_zeros(GEN_F64, GEN_DIMS(3, 4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "index_set: values [3,4] do not broadcast to [2,4] (array [3,4], indices [2], axis 0)");
    CHECK(gen_index_add(a, 1, I64S(0, 1), gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "index_add: values [3] do not broadcast to [3,2]");
    /* values must not broadcast take's shape up */
    CHECK(gen_index_add(a, 1, I64S(0), gen_zeros(GEN_F64, GEN_DIMS(2, 3, 1))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "values [2,3,1] do not broadcast to [3,1]");
    CHECK(gen_index_add(a, 0, I64S(0, 3), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index_add: index 3 at indices[1] is out of range for axis 0 of size 3 (array [3,4])");
    CHECK(gen_index_set(a, 1, I64S(-5), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index_set: index -5 at indices[0] is out of range for axis 1 of size 4");
    CHECK(gen_index_set(a, 0, gen_array_from_f64(GEN_DIMS(1), (double[]){0}), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "index_set: indices must be i64, got f64");
    CHECK(gen_index_add(a, 2, I64S(0), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "index_add: axis 2 is out of range for 2 dimensions");
    CHECK(gen_index_add(a, 0, I64S(0), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "index_add: argument 2 is NULL");
}

/* ---- gradients ---- */

static gen_array *take_rep(const gen_array *a) { return gen_take(a, I64S(2, 0, 2, -1, 2), 1); }
static gen_array *take_2d(const gen_array *a) {
    return gen_take(a, gen_array_from(GEN_I64, GEN_DIMS(2, 2), (int64_t[]){1, 1, 0, 2}), -2);
}
static gen_array *take_0d(const gen_array *a) { return gen_take(a, gen_scalar_i64(1), 0); }
static gen_array *add_rep(const gen_array *a, const gen_array *v) { return gen_index_add(a, 1, I64S(1, 3, 1), v); }
static gen_array *set_rep(const gen_array *a, const gen_array *v) { return gen_index_set(a, 1, I64S(1, 3, 1), v); }
static gen_array *set_rep_neg(const gen_array *a, const gen_array *v) { return gen_index_set(a, 1, I64S(-3, 3, 1), v); }
static gen_array *set_distinct(const gen_array *a, const gen_array *v) { return gen_index_set(a, 0, I64S(2, 0), v); }

/* Constant a or constant values: NULL tangents in forward mode. */
static gen_array *add_const_a(const gen_array *v) { return gen_index_add(gen_ones(GEN_F64, GEN_DIMS(3, 4)), 0, I64S(1, 1), v); }
static gen_array *add_const_v(const gen_array *a) { return gen_index_add(a, 0, I64S(1, 1), gen_scalar(2)); }
static gen_array *set_const_a(const gen_array *v) { return gen_index_set(gen_ones(GEN_F64, GEN_DIMS(3, 4)), 0, I64S(1, 1), v); }
static gen_array *set_const_v(const gen_array *a) { return gen_index_set(a, 0, I64S(1, 1), gen_scalar(2)); }

static void test_grads(void) {
    FD_CHECK1(add_const_a, fd_uniform(11, -1, 1, GEN_DIMS(2, 4)), 1e-8, 1e-10);
    FD_CHECK1(add_const_v, fd_uniform(12, -1, 1, GEN_DIMS(3, 4)), 1e-8, 1e-10);
    FD_CHECK1(set_const_a, fd_uniform(13, -1, 1, GEN_DIMS(2, 4)), 1e-8, 1e-10);
    FD_CHECK1(set_const_v, fd_uniform(14, -1, 1, GEN_DIMS(3, 4)), 1e-8, 1e-10);

    FD_CHECK1(take_rep, fd_uniform(1, -1, 1, GEN_DIMS(2, 4)), 1e-8, 1e-10);
    FD_CHECK1(take_2d, fd_uniform(2, -1, 1, GEN_DIMS(2, 3, 2)), 1e-8, 1e-10);
    FD_CHECK1(take_0d, fd_uniform(3, -1, 1, GEN_DIMS(3, 2)), 1e-8, 1e-10);
    gen_array *a = fd_uniform(4, -1, 1, GEN_DIMS(3, 4));
    /* values of take's shape [3,3], and broadcast ones: [3], [3,1], 0-d */
    gen_array *vals[4] = {fd_uniform(5, -1, 1, GEN_DIMS(3, 3)), fd_uniform(6, -1, 1, GEN_DIMS(3)),
                          fd_uniform(7, -1, 1, GEN_DIMS(3, 1)), gen_scalar(0.7)};
    for (int k = 0; k < 4; k++) {
        FD_CHECK2(add_rep, a, vals[k], 1e-8, 1e-10);
        FD_CHECK2(set_rep, a, vals[k], 1e-8, 1e-10);
        FD_CHECK2(set_rep_neg, a, vals[k], 1e-8, 1e-10);
    }
    FD_CHECK2(set_distinct, a, fd_uniform(8, -1, 1, GEN_DIMS(2, 4)), 1e-8, 1e-10);
    FD_CHECK2(set_distinct, a, fd_uniform(9, -1, 1, GEN_DIMS(4)), 1e-8, 1e-10);
}

/* index_set with repeated indices: only the last write of each index receives a
 * cotangent (checked by value, not just by FD). */
static void test_index_set_last_write_grad(void) {
    static fd_fn2 fn = set_rep;
    gen_array *in[2] = {gen_zeros(GEN_F64, GEN_DIMS(3, 4)), gen_zeros(GEN_F64, GEN_DIMS(3, 3))};
    gen_array *cot = gen_reshape(gen_arange(1, 13, 1, GEN_F64), GEN_DIMS(3, 4)), *g[2];
    CHECK_OK(gen_vjp(fd_closure2(&fn), 2, in, 1, &cot, NULL, g));
    /* a: zero at columns 1 and 3; values: column 0 (overwritten) gets 0 */
    CHECK_ARRAY(g[0], ((double[]){1, 0, 3, 0, 5, 0, 7, 0, 9, 0, 11, 0}), 12, 0, 0);
    CHECK_ARRAY(g[1], ((double[]){0, 4, 2, 0, 8, 6, 0, 12, 10}), 9, 0, 0);
}

/* Second order: FD of the gradient of sum(take(x)^2 * w) differentiates take's VJP
 * (index_add) and index_add's VJP (take). */
static gen_status sumsq_take(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *w = gen_arange(1, 5, 1, GEN_F64);
    out[0] = gen_sum(gen_mul(gen_square(gen_take(in[0], I64S(0, 2, 0, 1), 1)), w), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status grad_sumsq_take(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    return gen_grad((gen_closure){sumsq_take, NULL}, n_in, in, out);
}

static void test_second_order(void) {
    gen_array *x = fd_uniform(10, -1, 1, GEN_DIMS(2, 3));
    FD_CHECK("grad of sum(take^2 w)", ((gen_closure){grad_sumsq_take, NULL}), 1, &x, 1, 1e-7, 1e-9);
}

/* f32: the gradient of sum(take(x)) counts each index's uses. */
static gen_status sum_take(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_take(in[0], I64S(1, 1, -1, 1), 0), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_f32(void) {
    gen_array *x = gen_cast(gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, -1, 2}), GEN_F32), *g;
    CHECK_OK(gen_grad((gen_closure){sum_take, NULL}, 1, &x, &g));
    CHECK(g && gen_array_dtype(g) == GEN_F32);
    CHECK_ARRAY(g, ((double[]){0, 3, 1}), 3, 0, 0);
}

int main(void) {
    RUN(test_take_values);
    RUN(test_take_errors);
    RUN(test_index_update_values);
    RUN(test_index_update_promotion);
    RUN(test_index_update_errors);
    RUN(test_grads);
    RUN(test_index_set_last_write_grad);
    RUN(test_second_order);
    RUN(test_f32);
    return check_finish();
}
