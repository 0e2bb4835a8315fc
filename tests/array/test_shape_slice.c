/* test_shape_slice.c — slice, flip and tile: values, dtypes, errors and gradients. */
#include "shape_testutil.h"

/* Python's list(range(5))[start:stop:step] (None written GEN_END), printed by python3
 * for each case; the last two check steps at the int64 limits (no overflow). */
static const struct {
    int64_t start, stop, step, n, want[5];
} slice_cases[] = {
    {0, GEN_END, 1, 5, {0, 1, 2, 3, 4}},
    {1, 4, 1, 3, {1, 2, 3}},
    {-2, GEN_END, 1, 2, {3, 4}},
    {-100, 100, 1, 5, {0, 1, 2, 3, 4}},
    {3, 1, 1, 0, {0}},
    {5, GEN_END, 1, 0, {0}},
    {7, GEN_END, 1, 0, {0}},
    {0, GEN_END, 2, 3, {0, 2, 4}},
    {1, GEN_END, 3, 2, {1, 4}},
    {GEN_END, GEN_END, -1, 5, {4, 3, 2, 1, 0}},
    {4, GEN_END, -1, 5, {4, 3, 2, 1, 0}},
    {-1, GEN_END, -2, 3, {4, 2, 0}},
    {3, 0, -1, 3, {3, 2, 1}},
    {3, -6, -1, 4, {3, 2, 1, 0}},
    {-100, GEN_END, -1, 0, {0}},
    {100, GEN_END, -1, 5, {4, 3, 2, 1, 0}},
    {2, 2, 1, 0, {0}},
    {2, 3, -1, 0, {0}},
    {0, GEN_END, 7, 1, {0}},
    {-1, GEN_END, -7, 1, {4}},
    {1, -1, 1, 3, {1, 2, 3}},
    {-3, -1, 1, 2, {2, 3}},
    {0, -100, -1, 1, {0}},
    {0, GEN_END, INT64_MAX, 1, {0}},
    {GEN_END, INT64_MIN, INT64_MIN, 1, {4}},
};

static void test_slice_1d(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *a = iota(t, GEN_DIMS(5));
        for (size_t c = 0; c < sizeof slice_cases / sizeof *slice_cases; c++) {
            gen_array *r = gen_slice(a, 0, slice_cases[c].start, slice_cases[c].stop, slice_cases[c].step);
            if (!CHECK_SHAPE(r, slice_cases[c].n))
                fprintf(stderr, "  slice case %zu (%s)\n", c, gen_dtype_name(t));
            CHECK_MOVED(r, t, slice_cases[c].want, slice_cases[c].n);
        }
        /* an empty axis slices to empty for any arguments */
        CHECK_SHAPE(gen_slice(gen_zeros(t, GEN_DIMS(0)), 0, 0, GEN_END, -1), 0);
        CHECK_SHAPE(gen_slice(gen_zeros(t, GEN_DIMS(0)), 0, -3, 3, 2), 0);
    }
}

static void test_slice_nd(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *a = iota(t, GEN_DIMS(3, 4)); /* [[0,1,2,3],[4,5,6,7],[8,9,10,11]] */
        gen_array *r = gen_slice(a, 0, 1, GEN_END, 1);
        CHECK_SHAPE(r, 2, 4);
        CHECK_MOVED(r, t, ((int64_t[]){4, 5, 6, 7, 8, 9, 10, 11}), 8);
        r = gen_slice(a, -1, -1, 0, -2); /* columns 3, 1 */
        CHECK_SHAPE(r, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){3, 1, 7, 5, 11, 9}), 6);
        r = gen_slice(a, 1, 4, GEN_END, 1); /* past the end: empty */
        CHECK_SHAPE(r, 3, 0);
        /* 3-d [2,3,2], middle axis reversed */
        gen_array *b = iota(t, GEN_DIMS(2, 3, 2));
        r = gen_slice(b, 1, GEN_END, GEN_END, -1);
        CHECK_SHAPE(r, 2, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7}), 12);
        r = gen_slice(b, -3, 1, 2, 5);
        CHECK_SHAPE(r, 1, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){6, 7, 8, 9, 10, 11}), 6);
    }
}

static void test_slice_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2, 3));
    CHECK(gen_slice(a, 0, 0, 2, 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "slice: step must not be 0");
    CHECK(gen_slice(a, 2, 0, 2, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "slice: axis 2 is out of range for 2 dimensions");
    CHECK(gen_slice(a, -3, 0, 2, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis -3");
    CHECK(gen_slice(gen_scalar(1), 0, 0, 1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "slice: axis 0 is out of range for 0 dimensions");
    CHECK(gen_slice(NULL, 0, 0, 1, 1) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "slice: argument 0 is NULL");
}

static void test_flip(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        CHECK_MOVED(gen_flip(iota(t, GEN_DIMS(4)), 0), t, ((int64_t[]){3, 2, 1, 0}), 4);
        gen_array *a = iota(t, GEN_DIMS(2, 3));
        CHECK_MOVED(gen_flip(a, 0), t, ((int64_t[]){3, 4, 5, 0, 1, 2}), 6);
        CHECK_MOVED(gen_flip(a, -1), t, ((int64_t[]){2, 1, 0, 5, 4, 3}), 6);
        gen_array *r = gen_flip(iota(t, GEN_DIMS(2, 2, 2)), 1);
        CHECK_SHAPE(r, 2, 2, 2);
        CHECK_MOVED(r, t, ((int64_t[]){2, 3, 0, 1, 6, 7, 4, 5}), 8);
        CHECK_SHAPE(gen_flip(gen_zeros(t, GEN_DIMS(3, 0)), 1), 3, 0);
        CHECK_SHAPE(gen_flip(gen_zeros(t, GEN_DIMS(0, 3)), 1), 0, 3);
    }
    CHECK(gen_flip(gen_zeros(GEN_F64, GEN_DIMS(2)), 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "flip: axis 1 is out of range for 1 dimensions");
    CHECK(gen_flip(gen_scalar(1), 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "flip: axis 0 is out of range for 0 dimensions");
}

static void test_tile(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *v = iota(t, GEN_DIMS(3)), *m = iota(t, GEN_DIMS(2, 2));
        /* 1-d */
        gen_array *r = gen_tile(v, 1, (int64_t[]){2});
        CHECK_SHAPE(r, 6);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 0, 1, 2}), 6);
        /* reps longer than ndim: [3] is treated as [1,3] */
        r = gen_tile(v, 2, (int64_t[]){2, 2});
        CHECK_SHAPE(r, 2, 6);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}), 12);
        /* 2-d with reps on both axes */
        r = gen_tile(m, 2, (int64_t[]){2, 1});
        CHECK_SHAPE(r, 4, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 3, 0, 1, 2, 3}), 8);
        r = gen_tile(m, 2, (int64_t[]){1, 2});
        CHECK_SHAPE(r, 2, 4);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 0, 1, 2, 3, 2, 3}), 8);
        /* reps shorter than ndim: (3) means (1, 3) */
        r = gen_tile(m, 1, (int64_t[]){3});
        CHECK_SHAPE(r, 2, 6);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3}), 12);
        /* 3-d, reps (2, 1, 2) on [1,2,2] */
        r = gen_tile(iota(t, GEN_DIMS(1, 2, 2)), 3, (int64_t[]){2, 1, 2});
        CHECK_SHAPE(r, 2, 2, 4);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3}), 16);
        /* 0-d */
        r = gen_tile(gen_cast(gen_scalar(1), t), 2, (int64_t[]){2, 3});
        CHECK_SHAPE(r, 2, 3);
        CHECK_MOVED(r, t, ((int64_t[]){1, 1, 1, 1, 1, 1}), 6);
        r = gen_tile(gen_cast(gen_scalar(1), t), 0, NULL);
        CHECK(r && gen_array_ndim(r) == 0);
        CHECK_MOVED(r, t, ((int64_t[]){1}), 1);
        /* no reps: a copy; zero reps: empty */
        CHECK_MOVED(gen_tile(m, 0, NULL), t, ((int64_t[]){0, 1, 2, 3}), 4);
        CHECK_SHAPE(gen_tile(m, 2, (int64_t[]){0, 3}), 0, 6);
        CHECK_SHAPE(gen_tile(gen_zeros(t, GEN_DIMS(0, 2)), 2, (int64_t[]){3, 3}), 0, 6);
    }
}

static void test_tile_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2, 3));
    CHECK(gen_tile(a, 2, (int64_t[]){2, -1}) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "tile: reps[1] = -1 is negative");
    CHECK(gen_tile(a, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "tile: 9 reps given (at most 8)");
    CHECK(gen_tile(a, -1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "tile: -1 reps");
    CHECK(gen_tile(a, 2, (int64_t[]){INT64_MAX / 2, 2}) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "tile: result is too large");
}

/* ---- gradients ---- */

static gen_array *slice_pos(const gen_array *a) { return gen_slice(a, 1, 1, GEN_END, 2); }
static gen_array *slice_neg(const gen_array *a) { return gen_slice(a, -1, -1, 0, -2); }
static gen_array *slice_1d(const gen_array *a) { return gen_slice(a, 0, 1, -1, 1); }
static gen_array *slice_empty(const gen_array *a) { return gen_slice(a, 0, 9, GEN_END, 1); }
static gen_array *flip_mid(const gen_array *a) { return gen_flip(a, 1); }
static gen_array *tile_long(const gen_array *a) { return gen_tile(a, 3, (int64_t[]){2, 1, 3}); }
static gen_array *tile_3d(const gen_array *a) { return gen_tile(a, 3, (int64_t[]){2, 3, 2}); }
static gen_array *tile_short(const gen_array *a) { return gen_tile(a, 1, (int64_t[]){3}); }

static void test_grads(void) {
    FD_CHECK1(slice_pos, fd_uniform(1, -1, 1, GEN_DIMS(2, 5, 2)), 1e-8, 1e-10);
    FD_CHECK1(slice_neg, fd_uniform(2, -1, 1, GEN_DIMS(3, 5)), 1e-8, 1e-10);
    FD_CHECK1(slice_1d, fd_uniform(3, -1, 1, GEN_DIMS(6)), 1e-8, 1e-10);
    FD_CHECK1(slice_empty, fd_uniform(3, -1, 1, GEN_DIMS(4)), 1e-8, 1e-10);
    FD_CHECK1(flip_mid, fd_uniform(4, -1, 1, GEN_DIMS(2, 3, 2)), 1e-8, 1e-10);
    FD_CHECK1(tile_long, fd_uniform(5, -1, 1, GEN_DIMS(2, 3)), 1e-8, 1e-10);
    FD_CHECK1(tile_3d, fd_uniform(6, -1, 1, GEN_DIMS(2, 1, 3)), 1e-8, 1e-10);
    FD_CHECK1(tile_short, fd_uniform(7, -1, 1, GEN_DIMS(2, 2)), 1e-8, 1e-10);
}

/* The gradient of sum(slice(x)^2) is 2 x on the slice, 0 elsewhere; checking that
 * function with FD differentiates the slice VJP (index_add) itself. */
static gen_status sumsq_slice(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_square(gen_flip(gen_slice(in[0], 0, 3, 0, -2), 1)), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status grad_sumsq_slice(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    return gen_grad((gen_closure){sumsq_slice, NULL}, n_in, in, out);
}

static void test_second_order(void) {
    gen_array *x = fd_uniform(8, -1, 1, GEN_DIMS(4, 2)), *g;
    CHECK_OK(grad_sumsq_slice(NULL, 1, &x, 1, &g));
    const double *xd = gen_array_data(x);
    double want[8] = {0};
    for (int i = 3; i > 0; i -= 2)
        for (int j = 0; j < 2; j++) want[i * 2 + j] = 2 * xd[i * 2 + j];
    CHECK_ARRAY(g, want, 8, 1e-15, 0);
    FD_CHECK("grad of sum(slice^2)", ((gen_closure){grad_sumsq_slice, NULL}), 1, &x, 1, 1e-7, 1e-9);
}

/* f32 inputs: gradients come back as f32. */
static gen_status sum_tile_f32(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_mul(gen_tile(in[0], 1, (int64_t[]){3}), gen_arange(0, 6, 1, GEN_F32)), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_f32(void) {
    gen_array *x = gen_cast(gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, -1}), GEN_F32), *g;
    CHECK_OK(gen_grad((gen_closure){sum_tile_f32, NULL}, 1, &x, &g));
    CHECK(g && gen_array_dtype(g) == GEN_F32);
    CHECK_ARRAY(g, ((double[]){0 + 2 + 4, 1 + 3 + 5}), 2, 0, 0);
}

int main(void) {
    RUN(test_slice_1d);
    RUN(test_slice_nd);
    RUN(test_slice_errors);
    RUN(test_flip);
    RUN(test_tile);
    RUN(test_tile_errors);
    RUN(test_grads);
    RUN(test_second_order);
    RUN(test_f32);
    return check_finish();
}
