/* test_empty_extents.c — ops on empty arrays whose other extents are huge ([2^50, 0],
 * [0, 2^50], [2^25, 0, 2^25]): each finishes at once with the right empty shape (or a
 * clear error), because an op's work is bounded by the elements it reads and writes,
 * not by the product of some of its extents. Before that, a kernel looped over the
 * 2^50 rows of nothing of an empty array (found by fuzz/fuzz_array_ops: cumlogsumexp
 * of [2^31, 0] along axis 1 ran for minutes); here such a test runs into CTest's
 * timeout. */
#include "check.h"

#define BIG ((int64_t)1 << 50)
#define MID ((int64_t)1 << 25)

/* The three empty shapes, each as (ndim, shape). */
static const int nds[3] = {2, 2, 3};
static const int64_t shapes[3][3] = {{BIG, 0, 1}, {0, BIG, 1}, {MID, 0, MID}};

static gen_array *empty(int k, gen_dtype t) { return gen_zeros(t, nds[k], shapes[k]); }

/* r has ndim dims and no element (and the extents want, when want is not NULL). */
static void check_empty_at(int line, const char *what, const gen_array *r, int ndim, const int64_t *want) {
    check_count++;
    if (!r) {
        check_fail(__FILE__, line, "%s failed", what);
        return;
    }
    if (gen_array_size(r) != 0 || gen_array_ndim(r) != ndim)
        check_fail(__FILE__, line, "%s: %d dims and %lld elements", what, gen_array_ndim(r),
                   (long long)gen_array_size(r));
    for (int d = 0; want && d < ndim && d < gen_array_ndim(r); d++)
        if (gen_array_shape(r)[d] != want[d])
            check_fail(__FILE__, line, "%s: extent %d is %lld, want %lld", what, d,
                       (long long)gen_array_shape(r)[d], (long long)want[d]);
}
#define CHECK_EMPTY(what, r, ndim, want) check_empty_at(__LINE__, what, r, ndim, want)

/* The single-axis ops keep the shape. */
static void test_along_axis(void) {
    gen_array *(*fns[])(const gen_array *, int) = {gen_cumsum, gen_cumlogsumexp, gen_sort,
                                                   gen_argsort, gen_flip};
    const char *names[] = {"cumsum", "cumlogsumexp", "sort", "argsort", "flip"};
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < 5; f++)
            for (int axis = -nds[k]; axis < nds[k]; axis++) {
                gen_scope_begin();
                CHECK_EMPTY(names[f], fns[f](empty(k, GEN_F64), axis), nds[k], shapes[k]);
                CHECK_EMPTY(names[f], fns[f](empty(k, GEN_I64), axis), nds[k], shapes[k]);
                gen_scope_end();
            }
}

/* Reductions whose result is empty too, and elementwise ops. */
static void test_reduce_elementwise(void) {
    for (int k = 0; k < 3; k++) {
        gen_scope_begin();
        gen_array *a = empty(k, GEN_F64);
        for (int axis = 0; axis < nds[k]; axis++) {
            if (shapes[k][axis] == 0) continue; /* reducing the 0 axis leaves a huge result */
            int64_t want[3];
            for (int d = 0, j = 0; d < nds[k]; d++)
                if (d != axis) want[j++] = shapes[k][d];
            CHECK_EMPTY("sum", gen_sum(a, 1, &axis, false), nds[k] - 1, want);
            CHECK_EMPTY("max", gen_max(a, 1, &axis, false), nds[k] - 1, want);
            CHECK_EMPTY("logsumexp", gen_logsumexp(a, 1, &axis, false), nds[k] - 1, want);
            CHECK_EMPTY("argmax", gen_argmax(a, axis, false), nds[k] - 1, want);
        }
        CHECK_EMPTY("exp", gen_exp(a), nds[k], shapes[k]);
        CHECK_EMPTY("add", gen_add(a, gen_scalar(1)), nds[k], shapes[k]);
        CHECK_EMPTY("mul", gen_mul(a, a), nds[k], shapes[k]);
        CHECK_EMPTY("where", gen_where(a, a, gen_scalar(2)), nds[k], shapes[k]);
        CHECK_EMPTY("cast", gen_cast(a, GEN_F32), nds[k], shapes[k]);
        gen_scope_end();
    }
}

/* Shape ops: transposes, joins, slices, gathers, tiles. */
static void test_shape_ops(void) {
    for (int k = 0; k < 3; k++) {
        gen_scope_begin();
        gen_array *a = empty(k, GEN_F64);
        int nd = nds[k];
        int64_t rev[3];
        for (int d = 0; d < nd; d++) rev[d] = shapes[k][nd - 1 - d];
        CHECK_EMPTY("transpose", gen_transpose(a), nd, rev);
        CHECK_EMPTY("copy", gen_copy(a), nd, shapes[k]);
        CHECK_EMPTY("matrix_transpose", gen_matrix_transpose(a), nd, NULL);
        gen_array *two[2] = {a, a};
        for (int axis = 0; axis < nd; axis++) {
            CHECK_EMPTY("stack", gen_stack(2, two, axis), nd + 1, NULL);
            CHECK_EMPTY("concatenate", gen_concatenate(2, two, axis), nd, NULL);
            CHECK_EMPTY("slice", gen_slice(a, axis, 1, GEN_END, 2), nd, NULL);
            CHECK_EMPTY("slice reversed", gen_slice(a, axis, -1, INT64_MIN, -3), nd, NULL);
            gen_array *none = gen_zeros(GEN_I64, GEN_DIMS(0));
            CHECK_EMPTY("take (no indices)", gen_take(a, none, axis), nd, NULL);
            if (shapes[k][axis] > 0) {
                gen_array *one = gen_scalar_i64(shapes[k][axis] - 1);
                gen_array *ix = gen_reshape(one, GEN_DIMS(1));
                CHECK_EMPTY("take", gen_take(a, ix, axis), nd, NULL);
                CHECK_EMPTY("index_add", gen_index_add(a, axis, ix, gen_scalar(1)), nd, shapes[k]);
            }
            int64_t reps[3] = {1, 1, 1};
            reps[axis] = 3;
            CHECK_EMPTY("tile", gen_tile(a, nd, reps), nd, NULL);
        }
        gen_scope_end();
    }
}

/* Matrix ops with an empty batch of matrices, and with empty matrices in a huge batch. */
static void test_linalg(void) {
    gen_scope_begin();
    gen_array *batch = gen_zeros(GEN_F64, GEN_DIMS(BIG, 0, 3, 3)); /* no matrix at all */
    gen_array *eye = gen_eye(3, GEN_F64);
    CHECK_EMPTY("matmul", gen_matmul(batch, eye), 4, NULL);
    CHECK_EMPTY("cholesky", gen_cholesky(batch), 4, NULL);
    CHECK_EMPTY("inv", gen_inv(batch), 4, NULL);
    CHECK_EMPTY("solve", gen_solve(batch, eye), 4, NULL);
    CHECK_EMPTY("triangular_solve", gen_triangular_solve(batch, eye, true, false), 4, NULL);
    CHECK_EMPTY("logdet", gen_logdet(batch), 2, NULL);
    CHECK_EMPTY("diag", gen_diag(batch), 3, NULL);
    gen_array *rows = gen_zeros(GEN_F64, GEN_DIMS(BIG, 0, 3)); /* a huge batch of 0 x 3 */
    CHECK_EMPTY("matmul (0 rows)", gen_matmul(rows, eye), 3, NULL);
    CHECK_EMPTY("outer", gen_outer(gen_zeros(GEN_F64, GEN_DIMS(BIG, 0)), gen_ones(GEN_F64, GEN_DIMS(2))), 3, NULL);
    gen_scope_end();
}

/* Gradients through such ops: the VJP rules run on the same shapes. */
static gen_status cum_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_mul(gen_cumsum(in[0], 0), gen_flip(in[0], 1)), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradient(void) {
    for (int k = 0; k < 3; k++) {
        gen_scope_begin();
        gen_array *a = empty(k, GEN_F64), *g = NULL, *v = NULL;
        CHECK_OK(gen_value_and_grad((gen_closure){cum_fn, NULL}, 1, &a, &v, &g));
        CHECK(v && check_item(v) == 0);
        CHECK_EMPTY("gradient", g, nds[k], shapes[k]);
        gen_scope_end();
    }
}

int main(void) {
    RUN(test_along_axis);
    RUN(test_reduce_elementwise);
    RUN(test_shape_ops);
    RUN(test_linalg);
    RUN(test_gradient);
    return check_finish();
}
