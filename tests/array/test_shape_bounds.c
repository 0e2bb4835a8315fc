/* test_shape_bounds.c — every place where extents are combined (broadcasting, matmul's
 * batch axes, concatenate and stack, take, diag_embed, tile, reshape, creation, random
 * draws) goes through the one checked size computation: a result whose nonzero extents
 * multiply past the bound is an error naming the operation and the shapes, never an
 * array whose size wrapped around. Arrays with a 0 extent make such shapes cheap to
 * reach: [0, 2^31, 1] and [0, 1, 2^33] are both valid (and empty). */
#include <stdint.h>

#include "../testutil/check.h"

/* Huge but valid requests end in GEN_ERR_OOM from the allocator; under ASan that needs
 * a NULL from malloc rather than a report. (Unused without ASan.) */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

#define P(k) ((int64_t)1 << (k))

/* Elementwise broadcasting: the result's shape is checked where the shapes are combined,
 * and the message names the op and both shapes. */
static void test_broadcast_elementwise(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(0, P(31), 1));
    gen_array *b = gen_zeros(GEN_F64, GEN_DIMS(0, 1, P(33)));
    CHECK(a && b);
    CHECK(gen_add(a, b) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "add: shapes [0,2147483648,1] and [0,1,8589934592] broadcast to "
                               "[0,2147483648,8589934592], which is too large");
    CHECK(gen_mul(b, a) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mul: shapes [0,1,8589934592] and [0,2147483648,1]");
    gen_array *c = gen_zeros(GEN_BOOL, GEN_DIMS(0, 1, 1));
    CHECK(gen_where(c, a, b) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "where: shapes");
    CHECK(gen_lt(a, b) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "which is too large");
    CHECK(gen_broadcast_to(a, GEN_DIMS(0, P(31), P(33))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "broadcast_to: shape is too large: [0,2147483648,8589934592]");
    /* within the bound: fine */
    gen_array *ok = gen_add(a, gen_zeros(GEN_F64, GEN_DIMS(0, 1, P(20))));
    CHECK_SHAPE(ok, 0, P(31), P(20));
}

/* matmul's batch axes broadcast; here the result is not even empty (the inner dimension
 * is 0), so a wrapped size would be written to. */
static void test_matmul_batch(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(P(31), 1, 1, 0));
    gen_array *b = gen_zeros(GEN_F64, GEN_DIMS(1, P(33), 0, 1));
    CHECK(gen_matmul(a, b) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "matmul: shape is too large: [2147483648,8589934592,1,1]");
    gen_array *v = gen_zeros(GEN_F64, GEN_DIMS(0, P(40)));
    CHECK(gen_outer(v, gen_zeros(GEN_F64, GEN_DIMS(0, P(40)))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "which is too large");
}

/* concatenate adds extents (33 x 2^58 passes 2^63: the sum itself must not overflow),
 * stack multiplies the count into the shape. */
static void test_concatenate_stack(void) {
    gen_array *parts[33];
    for (int i = 0; i < 33; i++) parts[i] = gen_zeros(GEN_F32, GEN_DIMS(0, P(58)));
    CHECK(gen_concatenate(33, parts, 1) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "concatenate: the extents along axis 1 add up to more than");
    CHECK(gen_concatenate(4, parts, 1) == NULL); /* 2^60: no overflow, past the bound */
    CHECK_ERROR(GEN_ERR_SHAPE, "concatenate: shape is too large: [0,1152921504606846976]");
    CHECK(gen_stack(33, parts, 0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "stack: shape is too large: [33,0,288230376151711744]");
    gen_array *halves[2] = {gen_zeros(GEN_F32, GEN_DIMS(0, P(57))), gen_zeros(GEN_F32, GEN_DIMS(0, P(57)))};
    CHECK_SHAPE(gen_concatenate(2, halves, 1), 0, P(58)); /* within the bound */
    CHECK_SHAPE(gen_stack(2, halves, 0), 2, 0, P(57));
    /* tile multiplies extents by the reps */
    gen_array *t = gen_zeros(GEN_F64, GEN_DIMS(0, 3));
    CHECK(gen_tile(t, GEN_DIMS(1, INT64_MAX / 2)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "tile:");
}

/* Ops whose result has more axes than their arguments. */
static void test_growing_ops(void) {
    CHECK(gen_diag_embed(gen_zeros(GEN_F64, GEN_DIMS(0, P(40)))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "diag_embed: shape is too large: [0,1099511627776,1099511627776]");
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(P(30), 0));
    gen_array *idx = gen_zeros(GEN_I64, GEN_DIMS(0, P(40)));
    CHECK(gen_take(a, idx, 1) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "take: shape is too large: [1073741824,0,1099511627776]");
    CHECK(gen_one_hot(idx, P(40), GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_one_hot: shape is too large");
}

/* Every creation function checks the whole shape. */
static void test_creation(void) {
    const int64_t huge[3] = {0, P(62), P(31)}, neg[3] = {2, -3, 0};
    CHECK(gen_zeros(GEN_F64, 3, huge) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: shape is too large: [0,4611686018427387904,2147483648]");
    CHECK(gen_ones(GEN_I64, 3, huge) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_ones: shape is too large");
    CHECK(gen_full(GEN_F32, 3, huge, 2.0) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_full: shape is too large");
    CHECK(gen_array_from(GEN_BOOL, 3, huge, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_array_from: shape is too large");
    CHECK(gen_array_from_f64(3, neg, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_array_from_f64: dimension 1 is negative (-3) in shape [2,-3,0]");
    CHECK(gen_eye(P(40), GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_eye: shape is too large: [1099511627776,1099511627776]");
    CHECK(gen_linspace(0, 1, INT64_MAX) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_linspace: shape is too large");
    gen_key k = gen_key_new(1);
    CHECK(gen_random_bits(k, 3, huge) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_bits: shape is too large");
    CHECK(gen_random_normal(k, GEN_F64, 3, huge) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_normal: shape is too large");
    /* the samplers whose arguments broadcast together */
    gen_array *n = gen_zeros(GEN_I64, GEN_DIMS(0, P(31), 1));
    gen_array *p = gen_zeros(GEN_F64, GEN_DIMS(0, 1, P(33)));
    CHECK(gen_random_binomial(k, n, p) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "which is too large");
    /* The largest shapes within the bound are valid: their byte size (8 a element) does
     * not overflow, and memory runs out cleanly. */
    CHECK(gen_zeros(GEN_F64, GEN_DIMS(INT64_MAX / 16)) == NULL);
    CHECK_ERROR(GEN_ERR_OOM, "out of memory");
    CHECK(gen_zeros(GEN_F64, GEN_DIMS(INT64_MAX / 16 + 1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: shape is too large");
    CHECK(gen_zeros(GEN_I64, GEN_DIMS(P(57), 0, 2)) != NULL); /* empty: nothing allocated */
}

/* Reductions over an axis while another axis is 0 (every sub-product stays in range). */
static void test_reductions_empty(void) {
    gen_array *z = gen_zeros(GEN_F64, GEN_DIMS(0, P(29), P(29)));
    CHECK_SHAPE(gen_sum(z, GEN_AXES(1, 2), false), 0);
    CHECK_SHAPE(gen_max(z, GEN_AXES(1), false), 0, P(29));
    CHECK(gen_sum(z, GEN_AXES(0), false) == NULL); /* 2^58 elements: out of memory, no crash */
    CHECK_ERROR(GEN_ERR_OOM, "out of memory");
    CHECK(gen_argmax(z, 0, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argmax: axis 0 of shape [0,536870912,536870912] is empty");
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(P(20), 0));
    gen_array *s = gen_sum(e, GEN_AXES(1), false); /* [2^20] zeros */
    CHECK_SHAPE(s, P(20));
    CHECK(s && check_item(gen_sum(s, 0, NULL, false)) == 0.0);
}

int main(void) {
    RUN(test_broadcast_elementwise);
    RUN(test_matmul_batch);
    RUN(test_concatenate_stack);
    RUN(test_growing_ops);
    RUN(test_creation);
    RUN(test_reductions_empty);
    return check_finish();
}
