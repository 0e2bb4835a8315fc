/* test_shape.c — permute / transpose, reshape, broadcast_to, expand_dims / squeeze,
 * concatenate and stack: values, dtypes, errors and gradients. */
#include "shape_testutil.h"

/* ---- permute and transposes ---- */

static void test_permute_values(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        /* 2-d transpose of [[0,1,2],[3,4,5]] */
        gen_array *r = gen_transpose(iota(t, GEN_DIMS(2, 3)));
        CHECK_SHAPE(r, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 3, 1, 4, 2, 5}), 6);
        /* 3-d [2,2,3], out[i,j,k] = a[j,k,i] (a flat = 6j + 3k + i) */
        r = gen_permute(iota(t, GEN_DIMS(2, 2, 3)), GEN_AXES(2, 0, 1));
        CHECK_SHAPE(r, 3, 2, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}), 12);
        /* the same with negative axes */
        r = gen_permute(iota(t, GEN_DIMS(2, 2, 3)), GEN_AXES(-1, -3, -2));
        CHECK_MOVED(r, t, ((int64_t[]){0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}), 12);
        /* 1-d and 0-d: identity */
        CHECK_MOVED(gen_transpose(iota(t, GEN_DIMS(3))), t, ((int64_t[]){0, 1, 2}), 3);
        r = gen_transpose(gen_cast(gen_scalar(1), t));
        CHECK(r && gen_array_ndim(r) == 0);
        CHECK_MOVED(r, t, ((int64_t[]){1}), 1);
    }
    /* matrix_transpose swaps the last two axes of [2,2,3]: out[b,k,j] = a[b,j,k] */
    gen_array *r = gen_matrix_transpose(iota(GEN_F64, GEN_DIMS(2, 2, 3)));
    CHECK_SHAPE(r, 2, 3, 2);
    CHECK_MOVED(r, GEN_F64, ((int64_t[]){0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11}), 12);
    /* empty */
    r = gen_transpose(gen_zeros(GEN_F32, GEN_DIMS(0, 3)));
    CHECK_SHAPE(r, 3, 0);
}

/* A 4-d permute against a naive loop over the input's multi-indices. */
static void test_permute_4d_naive(void) {
    enum { A = 2, B = 3, C = 4, D = 5 };
    gen_array *x = fd_uniform(7, -1, 1, GEN_DIMS(A, B, C, D));
    const int perm[4] = {3, 1, 0, 2};
    gen_array *r = gen_permute(x, 4, perm);
    CHECK_SHAPE(r, D, B, A, C);
    const double *xd = gen_array_data(x);
    double want[A * B * C * D];
    for (int i = 0; i < A; i++)
        for (int j = 0; j < B; j++)
            for (int k = 0; k < C; k++)
                for (int l = 0; l < D; l++) /* out[l, j, i, k] */
                    want[((l * B + j) * A + i) * C + k] = xd[((i * B + j) * C + k) * D + l];
    CHECK_ARRAY(r, want, A * B * C * D, 0, 0);
    /* f32 and i64 take the same path through different element sizes */
    gen_array *rf = gen_permute(gen_cast(x, GEN_F32), 4, perm);
    CHECK_ARRAY(gen_cast(rf, GEN_F64), (double *)gen_array_data(gen_cast(gen_cast(r, GEN_F32), GEN_F64)),
                A * B * C * D, 0, 0);
}

static void test_permute_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2, 3, 4));
    CHECK(gen_permute(a, GEN_AXES(1, 0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "permute: 2 axes given for an array of 3 dimensions");
    CHECK(gen_permute(a, GEN_AXES(0, 1, 2, 3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "4 axes given");
    CHECK(gen_permute(a, GEN_AXES(0, 1, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis 1 appears twice");
    CHECK(gen_permute(a, GEN_AXES(0, 1, -1 - 3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis -4 is out of range for 3 dimensions");
    CHECK(gen_permute(a, GEN_AXES(0, 3, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis 3 is out of range");
    CHECK(gen_matrix_transpose(gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "matrix_transpose: needs at least 2 dimensions, got 1");
    /* NULL propagates, keeping the first error */
    CHECK(gen_transpose(gen_permute(a, GEN_AXES(0))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "permute: 1 axes given");
}

static gen_array *perm_3120(const gen_array *a) { return gen_permute(a, GEN_AXES(3, 1, 2, 0)); }
static gen_array *mtrans(const gen_array *a) { return gen_matrix_transpose(a); }

static void test_permute_grad(void) {
    FD_CHECK1(perm_3120, fd_uniform(1, -1, 1, GEN_DIMS(2, 3, 1, 4)), 1e-8, 1e-10);
    FD_CHECK1(gen_transpose, fd_uniform(2, -1, 1, GEN_DIMS(3, 4)), 1e-8, 1e-10);
    FD_CHECK1(mtrans, fd_uniform(3, -1, 1, GEN_DIMS(2, 3, 4)), 1e-8, 1e-10);
}

/* ---- reshape, expand_dims, squeeze, broadcast_to (ops_core.c; tested here) ---- */

static void test_reshape(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *a = iota(t, GEN_DIMS(2, 3, 4));
        gen_array *r = gen_reshape(a, GEN_DIMS(4, -1));
        CHECK_SHAPE(r, 4, 6);
        int64_t src[24];
        for (int i = 0; i < 24; i++) src[i] = i;
        CHECK_MOVED(r, t, src, 24);
        CHECK_SHAPE(gen_reshape(a, GEN_DIMS(-1)), 24);
        CHECK_SHAPE(gen_reshape(a, GEN_DIMS(2, -1, 3)), 2, 4, 3);
        /* a view: the elements are shared, not copied (unless they are stored inline
         * in the header: at most 64 bytes, here the bool case) */
        if (24 * gen_dtype_size(t) > 64) CHECK(gen_array_data(r) == gen_array_data(a));
    }
    /* 0-d <-> [1, 1] */
    gen_array *s = gen_scalar(2.5);
    gen_array *r = gen_reshape(s, GEN_DIMS(1, -1));
    CHECK_SHAPE(r, 1, 1);
    gen_array *back = gen_reshape(r, 0, NULL);
    CHECK(back && gen_array_ndim(back) == 0 && check_item(back) == 2.5);
    /* empty arrays: -1 is ambiguous against a zero-size known part */
    CHECK_SHAPE(gen_reshape(gen_zeros(GEN_F64, GEN_DIMS(0, 3)), GEN_DIMS(3, 0)), 3, 0);
    CHECK(gen_reshape(gen_zeros(GEN_F64, GEN_DIMS(0, 3)), GEN_DIMS(0, -1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape: cannot reshape [0,3] into [0,-1]");
    /* expand_dims / squeeze */
    gen_array *a = iota(GEN_F64, GEN_DIMS(2, 3));
    CHECK_SHAPE(gen_expand_dims(a, 0), 1, 2, 3);
    CHECK_SHAPE(gen_expand_dims(a, -1), 2, 3, 1);
    CHECK_SHAPE(gen_expand_dims(a, 1), 2, 1, 3);
    CHECK_SHAPE(gen_squeeze(gen_zeros(GEN_F64, GEN_DIMS(1, 2, 1)), 0, NULL), 2);
    CHECK_SHAPE(gen_squeeze(gen_zeros(GEN_F64, GEN_DIMS(1, 2, 1)), GEN_AXES(-1)), 1, 2);
}

static void test_reshape_errors(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2, 3));
    CHECK(gen_reshape(a, GEN_DIMS(4, -1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape: cannot reshape [2,3] into [4,-1]");
    CHECK(gen_reshape(a, GEN_DIMS(-1, -1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape: invalid target shape [-1,-1]");
    CHECK(gen_reshape(a, GEN_DIMS(5)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "cannot reshape [2,3] (6 elements) into [5]");
    CHECK(gen_reshape(a, GEN_DIMS(-2, -3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "invalid target shape [-2,-3]");
    CHECK(gen_reshape(a, 9, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape: invalid target shape (ndim 9)");
    CHECK(gen_expand_dims(a, 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "expand_dims: axis 3 is out of range");
    CHECK(gen_squeeze(a, GEN_AXES(0)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "squeeze: axis 0 has size 2, not 1");
    /* extents whose product wraps around to the size (3 * 3074457345618258603 is 1 mod
     * 2^64) or overflows past a 0 extent: too large, not accepted */
    gen_array *two = gen_zeros(GEN_F64, GEN_DIMS(2));
    CHECK(gen_reshape(two, GEN_DIMS(2, 3, 3074457345618258603)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape: shape is too large: [2,3,3074457345618258603]");
    CHECK(gen_reshape(two, GEN_DIMS(-1, 3, 3074457345618258603)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "is too large");
    gen_array *empty = gen_zeros(GEN_F64, GEN_DIMS(0));
    CHECK(gen_reshape(empty, GEN_DIMS(0, (int64_t)1 << 62, (int64_t)1 << 31)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "is too large");
    CHECK_SHAPE(gen_reshape(empty, GEN_DIMS(0, (int64_t)1 << 20, 4)), 0, 1 << 20, 4); /* within bounds */
}

/* Creation checks the product of the nonzero extents, so a 0 extent does not hide an
 * overflow that a reduction or a stride computation would meet later. */
static void test_shape_bounds(void) {
    CHECK(gen_zeros(GEN_F64, GEN_DIMS(0, (int64_t)1 << 62, (int64_t)1 << 31)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: shape is too large: [0,4611686018427387904,2147483648]");
    CHECK(gen_zeros(GEN_F64, GEN_DIMS((int64_t)1 << 40, (int64_t)1 << 40)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "is too large");
    gen_array *z = gen_zeros(GEN_F64, GEN_DIMS(0, 1024, 8)); /* 0 extents stay valid */
    CHECK_SHAPE(z, 0, 1024, 8);
    gen_array *s = gen_sum(z, 1, (int[]){0}, false); /* a reduction over the 0 axis: zeros */
    CHECK_SHAPE(s, 1024, 8);
    CHECK(s && check_item(gen_sum(s, 0, NULL, false)) == 0.0);
}

static void test_broadcast_to(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        /* [3] -> [2,3] and [2,1] -> [2,3] */
        CHECK_MOVED(gen_broadcast_to(iota(t, GEN_DIMS(3)), GEN_DIMS(2, 3)), t,
                    ((int64_t[]){0, 1, 2, 0, 1, 2}), 6);
        CHECK_MOVED(gen_broadcast_to(iota(t, GEN_DIMS(2, 1)), GEN_DIMS(2, 3)), t,
                    ((int64_t[]){0, 0, 0, 1, 1, 1}), 6);
    }
    gen_array *r = gen_broadcast_to(gen_scalar(4), GEN_DIMS(2, 1, 2));
    CHECK_SHAPE(r, 2, 1, 2);
    CHECK_ARRAY(r, ((double[]){4, 4, 4, 4}), 4, 0, 0);
    CHECK_SHAPE(gen_broadcast_to(gen_zeros(GEN_F64, GEN_DIMS(1, 3)), GEN_DIMS(0, 3)), 0, 3);
    /* errors: incompatible, fewer dims than the argument, negative target */
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2, 3));
    CHECK(gen_broadcast_to(a, GEN_DIMS(3, 3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "[2,3]");
    CHECK(gen_broadcast_to(a, GEN_DIMS(3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "broadcast_to: cannot broadcast [2,3] to [3]");
    CHECK(gen_broadcast_to(a, GEN_DIMS(2, -3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "broadcast_to");
}

static gen_array *reshape_41(const gen_array *a) { return gen_reshape(a, GEN_DIMS(-1, 2, 1)); }
static gen_array *bcast(const gen_array *a) { return gen_broadcast_to(a, GEN_DIMS(2, 3, 4)); }

static void test_reshape_grad(void) {
    FD_CHECK1(reshape_41, fd_uniform(4, -1, 1, GEN_DIMS(2, 4)), 1e-8, 1e-10);
    FD_CHECK1(bcast, fd_uniform(5, -1, 1, GEN_DIMS(3, 1)), 1e-8, 1e-10);
}

/* ---- concatenate ---- */

static void test_concatenate_values(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *x = iota(t, GEN_DIMS(2, 3)), *y = iota(t, GEN_DIMS(1, 3)), *z = iota(t, GEN_DIMS(2, 2));
        /* 1-d */
        gen_array *r = gen_concatenate(2, (gen_array *[]){iota(t, GEN_DIMS(2)), iota(t, GEN_DIMS(3))}, 0);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 0, 1, 2}), 5);
        /* 2-d along axis 0: rows of x then y */
        r = gen_concatenate(2, (gen_array *[]){x, y}, 0);
        CHECK_SHAPE(r, 3, 3);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 3, 4, 5, 0, 1, 2}), 9);
        /* 2-d along axis -1: each row of x then of z */
        r = gen_concatenate(2, (gen_array *[]){x, z}, -1);
        CHECK_SHAPE(r, 2, 5);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 0, 1, 3, 4, 5, 2, 3}), 10);
        /* 3-d along the middle axis, three arguments, one empty */
        gen_array *p = iota(t, GEN_DIMS(2, 1, 2)), *q = iota(t, GEN_DIMS(2, 2, 2));
        gen_array *e = gen_zeros(t, GEN_DIMS(2, 0, 2));
        r = gen_concatenate(3, (gen_array *[]){p, e, q}, 1);
        CHECK_SHAPE(r, 2, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7}), 12);
        /* one argument: a copy */
        CHECK_MOVED(gen_concatenate(1, &x, 1), t, ((int64_t[]){0, 1, 2, 3, 4, 5}), 6);
    }
    /* all empty */
    CHECK_SHAPE(gen_concatenate(2, (gen_array *[]){gen_zeros(GEN_F64, GEN_DIMS(0)), gen_zeros(GEN_F64, GEN_DIMS(0))}, 0), 0);
}

static void test_concatenate_promotion(void) {
    gen_array *b = gen_cast(gen_array_from_f64(GEN_DIMS(2), (double[]){0, 1}), GEN_BOOL);
    gen_array *i = gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){-3, 4});
    gen_array *f = gen_cast(gen_array_from_f64(GEN_DIMS(1), (double[]){0.5}), GEN_F32);
    gen_array *d = gen_array_from_f64(GEN_DIMS(1), (double[]){0.1});
    gen_array *r = gen_concatenate(2, (gen_array *[]){b, i}, 0);
    CHECK(r && gen_array_dtype(r) == GEN_I64);
    CHECK_ARRAY(r, ((double[]){0, 1, -3, 4}), 4, 0, 0);
    r = gen_concatenate(3, (gen_array *[]){i, f, b}, 0);
    CHECK(r && gen_array_dtype(r) == GEN_F32);
    CHECK_ARRAY(r, ((double[]){-3, 4, 0.5, 0, 1}), 5, 0, 0);
    r = gen_concatenate(2, (gen_array *[]){f, d}, 0);
    CHECK(r && gen_array_dtype(r) == GEN_F64);
    CHECK_ARRAY(r, ((double[]){0.5, 0.1}), 2, 0, 0);
    /* stack promotes too */
    r = gen_stack(2, (gen_array *[]){i, b}, 1);
    CHECK(r && gen_array_dtype(r) == GEN_I64);
    CHECK_ARRAY(r, ((double[]){-3, 0, 4, 1}), 4, 0, 0);
}

static void test_concatenate_errors(void) {
    gen_array *x = gen_zeros(GEN_F64, GEN_DIMS(2, 3)), *y = gen_zeros(GEN_F64, GEN_DIMS(3, 2));
    CHECK(gen_concatenate(2, (gen_array *[]){x, y}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "concatenate: shapes f64 [2,3] (array 0) and f64 [3,2] (array 1) must match except along axis 0");
    CHECK(gen_concatenate(3, (gen_array *[]){x, x, gen_zeros(GEN_I64, GEN_DIMS(3))}, 1) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "[2,3] (array 0) and f64 [3] (array 2)");
    CHECK(gen_concatenate(2, (gen_array *[]){x, x}, 2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "concatenate: axis 2 is out of range for 2 dimensions");
    CHECK(gen_concatenate(2, (gen_array *[]){x, x}, -3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis -3 is out of range");
    CHECK(gen_concatenate(2, (gen_array *[]){gen_scalar(1), gen_scalar(2)}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "cannot concatenate 0-d arrays");
    CHECK(gen_concatenate(0, (gen_array *[]){x}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "concatenate: needs at least one array (got 0)");
    CHECK(gen_concatenate(1, NULL, 0) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "concatenate: the list of arrays is NULL");
    CHECK(gen_concatenate(2, (gen_array *[]){x, NULL}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "concatenate: array 1 is NULL");
    /* a NULL from a failed op keeps that op's error */
    CHECK(gen_concatenate(2, (gen_array *[]){x, gen_reshape(x, GEN_DIMS(7))}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "reshape");
}

static gen_status concat3(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    out[0] = gen_concatenate(n_in, in, *(int *)p);
    return out[0] ? GEN_OK : gen_error_status();
}

/* A constant argument in the middle: its tangent is NULL in forward mode. */
static gen_status concat_const(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *c = gen_ones(GEN_F32, GEN_DIMS(2, 1));
    out[0] = gen_concatenate(3, (gen_array *[]){in[0], c, in[0]}, 1);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_concatenate_grad(void) {
    static int axis2 = 2;
    gen_array *x = fd_uniform(9, -1, 1, GEN_DIMS(2, 2));
    FD_CHECK("concatenate with a constant", ((gen_closure){concat_const, NULL}), 1, &x, 1, 1e-8, 1e-10);
    /* more arguments than the tape keeps inline (4) */
    gen_array *in6[6];
    for (int i = 0; i < 6; i++) in6[i] = fd_uniform(20 + (uint64_t)i, -1, 1, GEN_DIMS(1, 2, i % 3));
    FD_CHECK("concatenate 6", ((gen_closure){concat3, &axis2}), 6, in6, 1, 1e-8, 1e-10);

    static int axis1 = 1, axis0 = 0;
    gen_array *in[3] = {fd_uniform(1, -1, 1, GEN_DIMS(2, 1, 3)), fd_uniform(2, -1, 1, GEN_DIMS(2, 2, 3)),
                        fd_uniform(3, -1, 1, GEN_DIMS(2, 3, 3))};
    FD_CHECK("concatenate axis 1", ((gen_closure){concat3, &axis1}), 3, in, 1, 1e-8, 1e-10);
    gen_array *in1[2] = {fd_uniform(4, -1, 1, GEN_DIMS(3)), fd_uniform(5, -1, 1, GEN_DIMS(2))};
    FD_CHECK("concatenate 1-d", ((gen_closure){concat3, &axis0}), 2, in1, 1, 1e-8, 1e-10);
}

/* ---- stack ---- */

static void test_stack_values(void) {
    for (int k = 0; k < 4; k++) {
        gen_dtype t = all_dtypes[k];
        gen_array *x = iota(t, GEN_DIMS(2, 3)), *y = gen_reshape(iota(t, GEN_DIMS(12)), GEN_DIMS(2, 2, 3));
        gen_array *y1 = gen_slice(y, 0, 1, 2, 1); /* elements 6..11 */
        gen_array *y2 = gen_reshape(y1, GEN_DIMS(2, 3));
        /* axis 0: x on top of y2 */
        gen_array *r = gen_stack(2, (gen_array *[]){x, y2}, 0);
        CHECK_SHAPE(r, 2, 2, 3);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), 12);
        /* axis 1: out[i, s, j] */
        r = gen_stack(2, (gen_array *[]){x, y2}, 1);
        CHECK_SHAPE(r, 2, 2, 3);
        CHECK_MOVED(r, t, ((int64_t[]){0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11}), 12);
        /* axis -1: out[i, j, s] */
        r = gen_stack(2, (gen_array *[]){x, y2}, -1);
        CHECK_SHAPE(r, 2, 3, 2);
        CHECK_MOVED(r, t, ((int64_t[]){0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}), 12);
        /* 0-d arguments stack into a vector */
        r = gen_stack(3, (gen_array *[]){gen_cast(gen_scalar(pattern(t, 2)), t), gen_cast(gen_scalar(pattern(t, 0)), t),
                                         gen_cast(gen_scalar(pattern(t, 1)), t)}, 0);
        CHECK_SHAPE(r, 3);
        CHECK_MOVED(r, t, ((int64_t[]){2, 0, 1}), 3);
    }
    CHECK_SHAPE(gen_stack(2, (gen_array *[]){gen_zeros(GEN_F64, GEN_DIMS(0)), gen_zeros(GEN_F64, GEN_DIMS(0))}, 1), 0, 2);
}

static void test_stack_errors(void) {
    gen_array *x = gen_zeros(GEN_F64, GEN_DIMS(2, 3)), *y = gen_zeros(GEN_F64, GEN_DIMS(2, 4));
    CHECK(gen_stack(3, (gen_array *[]){x, x, y}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "stack: shapes [2,3] (array 0) and [2,4] (array 2) differ");
    CHECK(gen_stack(2, (gen_array *[]){x, gen_zeros(GEN_F64, GEN_DIMS(6))}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "and [6] (array 1) differ");
    CHECK(gen_stack(2, (gen_array *[]){x, x}, 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "stack: axis 3 is out of range for 3 dimensions");
    CHECK(gen_stack(2, (gen_array *[]){x, x}, -4) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "axis -4");
    CHECK(gen_stack(0, NULL, 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "stack: needs at least one array");
    gen_array *big = gen_zeros(GEN_F64, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1));
    CHECK(gen_stack(2, (gen_array *[]){big, big}, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "stack: arrays already have 8 dimensions");
}

static gen_status stack_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    out[0] = gen_stack(n_in, in, *(int *)p);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_stack_grad(void) {
    static int axis = -2;
    gen_array *in[3] = {fd_uniform(1, -1, 1, GEN_DIMS(2, 3)), fd_uniform(2, -1, 1, GEN_DIMS(2, 3)),
                        fd_uniform(3, -1, 1, GEN_DIMS(2, 3))};
    FD_CHECK("stack axis -2", ((gen_closure){stack_fn, &axis}), 3, in, 1, 1e-8, 1e-10);
}

int main(void) {
    RUN(test_permute_values);
    RUN(test_permute_4d_naive);
    RUN(test_permute_errors);
    RUN(test_permute_grad);
    RUN(test_reshape);
    RUN(test_reshape_errors);
    RUN(test_shape_bounds);
    RUN(test_broadcast_to);
    RUN(test_reshape_grad);
    RUN(test_concatenate_values);
    RUN(test_concatenate_promotion);
    RUN(test_concatenate_errors);
    RUN(test_concatenate_grad);
    RUN(test_stack_values);
    RUN(test_stack_errors);
    RUN(test_stack_grad);
    return check_finish();
}
