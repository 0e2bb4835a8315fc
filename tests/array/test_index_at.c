/* test_index_at.c — gen_at, gen_at2, gen_range: values against the row-major layout
 * computed here, negative indices, the errors (an index out of range named with the axis
 * size, too few dimensions, NULL and tuples), gradients against finite differences, and
 * batched mode (the particle axis not counted; gradients through it). */
#include "check.h"
#include "fd.h"

#define N 4

/* x[i][j][k] = 100 i + 10 j + k for a [3, 4, 2] array. */
static gen_array *cube(void) {
    double v[24];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 2; k++) v[(i * 4 + j) * 2 + k] = 100 * i + 10 * j + k;
    return gen_array_from_f64(GEN_DIMS(3, 4, 2), v);
}

static void test_values(void) {
    gen_array *x = cube();
    gen_array *r = gen_at(x, 1);
    CHECK_SHAPE(r, 4, 2);
    CHECK_ARRAY(r, ((double[]){100, 101, 110, 111, 120, 121, 130, 131}), 8, 0, 0);
    CHECK_ARRAY(gen_at(x, -1), ((double[]){200, 201, 210, 211, 220, 221, 230, 231}), 8, 0, 0);
    gen_array *e = gen_at2(x, 2, -1);
    CHECK_SHAPE(e, 2);
    CHECK_ARRAY(e, ((double[]){230, 231}), 2, 0, 0);
    gen_array *s = gen_at(gen_at2(x, 0, 3), 1);
    CHECK_SHAPE(s);
    CHECK(check_item(s) == 31);
    gen_array *v = gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){7, 8, 9});
    CHECK(gen_array_dtype(gen_at(v, 2)) == GEN_I64 && check_item(gen_at(v, 2)) == 9 && check_item(gen_at(v, -3)) == 7);
    gen_array *g = gen_range(x, 1, 3);
    CHECK_SHAPE(g, 2, 4, 2);
    CHECK(check_item(gen_at2(gen_at(g, 1), 3, 0)) == 230);
    CHECK_SHAPE(gen_range(x, -2, GEN_END), 2, 4, 2);
    CHECK(check_item(gen_at(gen_at2(gen_range(x, -2, GEN_END), 0, 0), 0)) == 100);
    CHECK_SHAPE(gen_range(x, 3, 3), 0, 4, 2);
    CHECK_SHAPE(gen_range(x, 0, -1), 2, 4, 2);
}

static void test_errors(void) {
    gen_array *x = cube();
    CHECK(!gen_at(x, 3));
    CHECK_ERROR(GEN_ERR_INDEX, "gen_at: index 3 is out of range for axis 0 of size 3");
    CHECK(!gen_at(x, -4));
    CHECK_ERROR(GEN_ERR_INDEX, "index -4 is out of range for axis 0 of size 3");
    CHECK(!gen_at2(x, 0, 4));
    CHECK_ERROR(GEN_ERR_INDEX, "gen_at2: index j 4 is out of range for axis 1 of size 4");
    CHECK(!gen_at(gen_scalar(1), 0));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_at: needs 1 dimension, got 0");
    CHECK(!gen_at2(gen_zeros(GEN_F64, GEN_DIMS(3)), 0, 0));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_at2: needs 2 dimensions, got 1");
    CHECK(!gen_range(x, 2, 1));
    CHECK_ERROR(GEN_ERR_INDEX, "gen_range: rows 2 up to 1 are not a range of axis 0 of size 3");
    CHECK(!gen_range(x, 0, 4));
    CHECK_ERROR(GEN_ERR_INDEX, "rows 0 up to 4");
    CHECK(!gen_range(x, -4, GEN_END));
    CHECK_ERROR(GEN_ERR_INDEX, "rows -4 up to GEN_END");
    CHECK(!gen_at(gen_zeros(GEN_F64, GEN_DIMS(0)), 0));
    CHECK_ERROR(GEN_ERR_INDEX, "out of range for axis 0 of size 0");
    CHECK(!gen_at(NULL, 0));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_at: the array is NULL");
    gen_array *t = gen_tuple(2, (gen_array *[]){x, x});
    CHECK(!gen_range(t, 0, 1));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_range");
}

static gen_array *at_row(const gen_array *a) { return gen_at(a, -2); }
static gen_array *at_elem(const gen_array *a) { return gen_mul(gen_at2(a, 1, 2), gen_at2(a, 0, 0)); }
static gen_array *range_mid(const gen_array *a) { return gen_square(gen_range(a, 1, 3)); }

static void test_gradients(void) {
    FD_CHECK1(at_row, fd_uniform(1, -1, 1, GEN_DIMS(3, 2)), 1e-8, 1e-10);
    FD_CHECK1(at_elem, fd_uniform(2, -1, 1, GEN_DIMS(2, 3, 2)), 1e-8, 1e-10);
    FD_CHECK1(range_mid, fd_uniform(3, -1, 1, GEN_DIMS(4, 2)), 1e-8, 1e-10);
    /* the gradient of a[1, 2] is one at that element and zero elsewhere */
    static fd_fn1 fn = at_elem;
    gen_array *a = fd_uniform(4, -1, 1, GEN_DIMS(2, 3)), *g = NULL;
    CHECK_OK(gen_grad(fd_closure1(&fn), 1, &a, &g));
    const double *av = gen_array_data(a);
    CHECK_ARRAY(g, ((double[]){av[5], 0, 0, 0, 0, av[0]}), 6, 1e-15, 0);
}

static void test_batched(void) {
    /* particle p holds p + cube: [N, 3, 4, 2] */
    gen_array *x = gen_batched(gen_add(gen_reshape(gen_arange(0, N, 1, GEN_F64), GEN_DIMS(N, 1, 1, 1)),
                                       gen_reshape(cube(), GEN_DIMS(1, 3, 4, 2))));
    CHECK_OK(gen_batch_begin(N));
    gen_array *r = gen_at(x, 2), *e = gen_at2(x, -1, 3), *g = gen_range(x, 0, 2);
    gen_array *bad = gen_at(x, 3); /* axis 0 per particle has size 3, not N = 4 */
    CHECK_ERROR(GEN_ERR_INDEX, "index 3 is out of range for axis 0 of size 3");
    gen_array *s = gen_at(gen_batched(gen_zeros(GEN_F64, GEN_DIMS(N))), 0);
    CHECK_ERROR(GEN_ERR_SHAPE, "needs 1 dimension per particle, got 0");
    gen_batch_end();
    CHECK(!bad && !s);
    CHECK_SHAPE(r, N, 4, 2);
    CHECK_SHAPE(e, N, 2);
    CHECK_SHAPE(g, N, 2, 4, 2);
    CHECK(gen_array_is_batched(r) && gen_array_is_batched(e) && gen_array_is_batched(g));
    CHECK_ARRAY(e, ((double[]){230, 231, 231, 232, 232, 233, 233, 234}), 8, 0, 0);
    const double *rv = gen_array_data(r);
    CHECK(rv && rv[0] == 200 && rv[8 * 3 + 7] == 3 + 231);
    /* outside batched mode the mark changes nothing: axis 0 is the particle axis */
    CHECK_SHAPE(gen_at(x, 3), 3, 4, 2);
    CHECK(check_item(gen_at(gen_at2(gen_at(x, 3), 0, 0), 0)) == 3);
}

/* The sum over particles of each particle's a[1, 0]^2 (a batched [N, 2, 3]). */
static gen_status batched_sq(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    gen_status s = gen_batch_begin(N);
    if (s != GEN_OK) return s;
    gen_array *per = gen_square(gen_at2(gen_batched(in[0]), 1, 0)); /* [N] */
    out[0] = gen_sum(gen_unbatched(gen_range(gen_reshape(per, GEN_DIMS(N, 1)), 0, 1)), 0, NULL, false);
    gen_batch_end();
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_batched_gradients(void) {
    gen_array *a = fd_uniform(5, -1, 1, GEN_DIMS(N, 2, 3)), *g = NULL;
    CHECK_OK(gen_grad((gen_closure){batched_sq, NULL}, 1, &a, &g));
    const double *av = gen_array_data(a), *gv = gen_array_data(g);
    for (int p = 0; gv && p < N; p++)
        for (int k = 0; k < 6; k++) CHECK_CLOSE(gv[p * 6 + k], k == 3 ? 2 * av[p * 6 + 3] : 0, 1e-15);
    FD_CHECK("batched a[1, 0]^2", ((gen_closure){batched_sq, NULL}), 1, &a, 1, 1e-7, 1e-9);
}

int main(void) {
    RUN(test_values);
    RUN(test_errors);
    RUN(test_gradients);
    RUN(test_batched);
    RUN(test_batched_gradients);
    return check_finish();
}
