/* test_create.c — creating arrays, querying them, reading them out (item, copy_to,
 * format), dtype conversions (gen_cast) and the error paths of all of these. */
#include <math.h>
#include <string.h>

#include "fd.h"

/* Checks that a is a 0-d array of dtype t holding v. */
static void check_scalar(gen_array *a, gen_dtype t, double v) {
    CHECK(a != NULL);
    CHECK(gen_array_dtype(a) == t);
    CHECK(gen_array_ndim(a) == 0 && gen_array_size(a) == 1);
    CHECK_CLOSE(check_item(a), v, 0);
}

static void test_scalars(void) {
    check_scalar(gen_scalar(-2.5), GEN_F64, -2.5);
    check_scalar(gen_scalar_f32(0.1f), GEN_F32, (double)0.1f);
    check_scalar(gen_scalar_i64(-7), GEN_I64, -7);
    check_scalar(gen_scalar_bool(true), GEN_BOOL, 1);
    check_scalar(gen_scalar_bool(false), GEN_BOOL, 0);
    check_scalar(gen_scalar(NAN), GEN_F64, NAN);
    check_scalar(gen_scalar(-INFINITY), GEN_F64, -INFINITY);
    int64_t v = 0;
    CHECK_OK(gen_item_i64(gen_scalar_i64(INT64_MIN), &v));
    CHECK(v == INT64_MIN);
    CHECK(*(const float *)gen_array_data(gen_scalar_f32(0.1f)) == 0.1f);
}

static void test_array_from(void) {
    double d[] = {1, 2, 3, 4, 5, 6};
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), d);
    CHECK_SHAPE(a, 2, 3);
    CHECK(gen_array_dtype(a) == GEN_F64);
    d[0] = 100; /* the data was copied */
    CHECK_ARRAY(a, ((double[]){1, 2, 3, 4, 5, 6}), 6, 0, 0);
    float f[] = {0.5f, -1.25f};
    a = gen_array_from(GEN_F32, GEN_DIMS(2), f);
    CHECK(gen_array_dtype(a) == GEN_F32 && !memcmp(gen_array_data(a), f, sizeof f));
    int64_t i[] = {INT64_MIN, 0, INT64_MAX};
    a = gen_array_from(GEN_I64, GEN_DIMS(3, 1), i);
    CHECK_SHAPE(a, 3, 1);
    CHECK(gen_array_dtype(a) == GEN_I64 && !memcmp(gen_array_data(a), i, sizeof i));
    bool b[] = {true, false, true, true};
    a = gen_array_from(GEN_BOOL, GEN_DIMS(2, 2), b);
    CHECK(gen_array_dtype(a) == GEN_BOOL);
    CHECK_ARRAY(a, ((double[]){1, 0, 1, 1}), 4, 0, 0);
    /* larger than the inline storage: a separate buffer */
    double big[100];
    for (int k = 0; k < 100; k++) big[k] = k * 0.5;
    a = gen_array_from_f64(GEN_DIMS(4, 25), big);
    CHECK_ARRAY(a, big, 100, 0, 0);
    /* 0-d and empty; NULL data is fine when there are no elements */
    a = gen_array_from_f64(0, NULL, (double[]){4.5});
    check_scalar(a, GEN_F64, 4.5);
    a = gen_array_from(GEN_I64, GEN_DIMS(0, 3), NULL);
    CHECK_SHAPE(a, 0, 3);
    CHECK(gen_array_size(a) == 0);
    /* 8 dims is the maximum */
    a = gen_array_from(GEN_BOOL, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 2), b);
    CHECK(gen_array_ndim(a) == 8 && gen_array_size(a) == 2);
}

static void test_create_errors(void) {
    double d[] = {1, 2};
    CHECK(gen_array_from_f64(GEN_DIMS(2, -1), d) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_array_from_f64: dimension 1 is negative (-1)");
    CHECK(gen_array_from_f64(GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1, 2), d) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_array_from_f64: 9 dimensions (at most 8");
    CHECK(gen_array_from_f64(-1, NULL, d) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "-1 dimensions");
    CHECK(gen_array_from_f64(GEN_DIMS(2), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_from_f64: data is NULL");
    CHECK(gen_array_from_f64(2, NULL, d) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_from_f64: shape is NULL");
    CHECK(gen_array_from((gen_dtype)7, GEN_DIMS(2), d) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_array_from: unknown dtype 7");
    CHECK(gen_zeros(GEN_F64, GEN_DIMS(-3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: dimension 0 is negative (-3)");
    CHECK(gen_ones(GEN_F64, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1, 1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "at most 8");
    CHECK(gen_full((gen_dtype)-1, GEN_DIMS(2), 1.0) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_full: unknown dtype -1");
    CHECK(gen_zeros(GEN_F64, GEN_DIMS(INT64_C(1) << 40, INT64_C(1) << 40)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: shape is too large");
    /* NULL arguments to ops propagate and keep the first error */
    gen_array *bad = gen_zeros(GEN_F64, GEN_DIMS(-1));
    CHECK(gen_copy(bad) == NULL);
    CHECK(gen_cast(gen_copy(bad), GEN_I64) == NULL);
    CHECK(gen_one_hot(bad, 3, GEN_F64) == NULL);
    double v;
    int64_t iv;
    CHECK(gen_item(bad, &v) == GEN_ERR_SHAPE);
    CHECK(gen_item_i64(bad, &iv) == GEN_ERR_SHAPE);
    CHECK(gen_array_copy_to(bad, GEN_F64, &v, sizeof v) == GEN_ERR_SHAPE);
    char buf[16];
    CHECK(gen_array_format(bad, buf, sizeof buf) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_zeros: dimension 0 is negative (-1)");
    /* with no error pending, a NULL argument is reported */
    CHECK(gen_copy(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "copy: argument 0 is NULL");
    CHECK(gen_item(NULL, &v) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item: the array is NULL");
    CHECK(gen_one_hot(NULL, 2, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_one_hot: indices is NULL");
}

static void test_zeros_ones_full(void) {
    gen_dtype types[] = {GEN_BOOL, GEN_I64, GEN_F32, GEN_F64};
    for (int k = 0; k < 4; k++) {
        gen_array *z = gen_zeros(types[k], GEN_DIMS(2, 3)), *o = gen_ones(types[k], GEN_DIMS(3));
        CHECK(gen_array_dtype(z) == types[k] && gen_array_dtype(o) == types[k]);
        CHECK_SHAPE(z, 2, 3);
        CHECK_ARRAY(z, ((double[]){0, 0, 0, 0, 0, 0}), 6, 0, 0);
        CHECK_ARRAY(o, ((double[]){1, 1, 1}), 3, 0, 0);
        CHECK(gen_array_size(gen_zeros(types[k], GEN_DIMS(4, 0))) == 0);
        check_scalar(gen_ones(types[k], 0, NULL), types[k], 1);
    }
    /* large (separate buffer) */
    gen_array *z = gen_zeros(GEN_F64, GEN_DIMS(1000));
    double s = 0;
    for (int i = 0; i < 1000; i++) s += fabs(((const double *)gen_array_data(z))[i]);
    CHECK(s == 0);
    /* full converts the value like a cast: truncation, saturation, nan -> 0, nonzero -> true */
    CHECK_ARRAY(gen_full(GEN_F64, GEN_DIMS(2), -0.3), ((double[]){-0.3, -0.3}), 2, 0, 0);
    check_scalar(gen_full(GEN_F32, 0, NULL, 0.1), GEN_F32, (double)0.1f);
    check_scalar(gen_full(GEN_I64, 0, NULL, -2.9), GEN_I64, -2);
    check_scalar(gen_full(GEN_I64, 0, NULL, NAN), GEN_I64, 0);
    check_scalar(gen_full(GEN_BOOL, 0, NULL, 0.5), GEN_BOOL, 1);
    check_scalar(gen_full(GEN_BOOL, 0, NULL, -0.0), GEN_BOOL, 0);
    int64_t v;
    CHECK_OK(gen_item_i64(gen_full(GEN_I64, 0, NULL, 1e300), &v));
    CHECK(v == INT64_MAX);
}

static void test_arange(void) {
    gen_array *a = gen_arange(0, 5, 1, GEN_F64);
    CHECK_SHAPE(a, 5);
    CHECK_ARRAY(a, ((double[]){0, 1, 2, 3, 4}), 5, 0, 0);
    a = gen_arange(5, 0, -1.5, GEN_F64); /* negative step */
    CHECK_ARRAY(a, ((double[]){5, 3.5, 2, 0.5}), 4, 0, 0);
    a = gen_arange(0, 0.3, 0.1, GEN_F64); /* 0.3/0.1 = 2.9999999999999996 -> 3 (NumPy too) */
    CHECK_ARRAY(a, ((double[]){0, 0.1, 0.2}), 3, 0, 0);
    a = gen_arange(-1, 1, 0.25, GEN_F32);
    CHECK(gen_array_dtype(a) == GEN_F32);
    CHECK_ARRAY(a, ((double[]){-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75}), 8, 0, 0);
    a = gen_arange(1, 8, 3, GEN_I64);
    CHECK(gen_array_dtype(a) == GEN_I64);
    CHECK_ARRAY(a, ((double[]){1, 4, 7}), 3, 0, 0);
    /* integral start and step are exact in i64 beyond 2^53 */
    a = gen_arange(0x1p53, 0x1p53 + 4, 1, GEN_I64);
    int64_t w53[] = {INT64_C(1) << 53, (INT64_C(1) << 53) + 1, (INT64_C(1) << 53) + 2,
                     (INT64_C(1) << 53) + 3};
    CHECK(gen_array_size(a) == 4 && !memcmp(gen_array_data(a), w53, sizeof w53));
    a = gen_arange(0, 1, 0.25, GEN_I64); /* a fractional step truncates each value */
    CHECK_ARRAY(a, ((double[]){0, 0, 0, 0}), 4, 0, 0);
    a = gen_arange(3, -3, -2, GEN_I64);
    CHECK_ARRAY(a, ((double[]){3, 1, -1}), 3, 0, 0);
    /* empty: stop == start, or the step pointing away */
    CHECK_SHAPE(gen_arange(0, 0, 1, GEN_F64), 0);
    CHECK_SHAPE(gen_arange(1, 0, 1, GEN_F64), 0);
    CHECK_SHAPE(gen_arange(0, 1, -1, GEN_I64), 0);
    /* errors */
    CHECK(gen_arange(0, 1, 0, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_arange: needs finite start, stop and a nonzero step");
    CHECK(gen_arange(0, NAN, 1, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_arange");
    CHECK(gen_arange(0, INFINITY, 1, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_arange");
    CHECK(gen_arange(0, 1e300, 1, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_arange: too many elements");
    CHECK(gen_arange(-1.5e308, 1.5e308, 1e300, GEN_F64) == NULL); /* stop - start overflows */
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_arange: too many elements");
    CHECK(gen_arange(0, 1e18, 1, GEN_F64) == NULL); /* fits int64, not memory */
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_arange: shape is too large");
    CHECK(gen_arange(0, 3, 1, (gen_dtype)9) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_arange: unknown dtype 9");
}

static void test_linspace(void) {
    gen_array *a = gen_linspace(0, 1, 5);
    CHECK_ARRAY(a, ((double[]){0, 0.25, 0.5, 0.75, 1}), 5, 0, 0);
    /* endpoints are exact even where lo + (n-1) * step is not */
    a = gen_linspace(0.1, 0.7, 7);
    const double *d = gen_array_data(a);
    CHECK(d[0] == 0.1 && d[6] == 0.7);
    for (int i = 1; i < 6; i++) CHECK_CLOSE(d[i], 0.1 + 0.1 * i, 1e-15);
    a = gen_linspace(3, -3, 4); /* decreasing */
    CHECK_ARRAY(a, ((double[]){3, 1, -1, -3}), 4, 1e-15, 0);
    a = gen_linspace(2.5, 9, 1); /* n = 1: just the start, like NumPy */
    CHECK_SHAPE(a, 1);
    CHECK_ARRAY(a, ((double[]){2.5}), 1, 0, 0);
    a = gen_linspace(-1e308, 1e308, 3); /* hi - lo overflows */
    CHECK_ARRAY(a, ((double[]){-1e308, 0, 1e308}), 3, 0, 0);
    CHECK(gen_linspace(0, 1, 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_linspace: n must be at least 1, got 0");
    CHECK(gen_linspace(0, 1, INT64_MAX) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_linspace: shape is too large");
}

static void test_eye(void) {
    gen_array *e = gen_eye(3, GEN_F64);
    CHECK_SHAPE(e, 3, 3);
    CHECK_ARRAY(e, ((double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}), 9, 0, 0);
    e = gen_eye(2, GEN_BOOL);
    CHECK(gen_array_dtype(e) == GEN_BOOL);
    CHECK_ARRAY(e, ((double[]){1, 0, 0, 1}), 4, 0, 0);
    e = gen_eye(20, GEN_I64); /* separate buffer */
    double tr = 0, tot = 0;
    for (int i = 0; i < 400; i++) tot += (double)((const int64_t *)gen_array_data(e))[i];
    for (int i = 0; i < 20; i++) tr += (double)((const int64_t *)gen_array_data(e))[i * 21];
    CHECK(tr == 20 && tot == 20);
    CHECK_SHAPE(gen_eye(0, GEN_F32), 0, 0);
    CHECK(gen_eye(-1, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_eye: n must be >= 0, got -1");
}

static void test_one_hot(void) {
    int64_t idx[] = {2, 0, 1, 2};
    gen_array *i = gen_array_from(GEN_I64, GEN_DIMS(2, 2), idx);
    gen_array *h = gen_one_hot(i, 3, GEN_F64);
    CHECK_SHAPE(h, 2, 2, 3);
    CHECK_ARRAY(h, ((double[]){0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}), 12, 0, 0);
    h = gen_one_hot(gen_scalar_i64(1), 2, GEN_BOOL);
    CHECK_SHAPE(h, 2);
    CHECK(gen_array_dtype(h) == GEN_BOOL);
    CHECK_ARRAY(h, ((double[]){0, 1}), 2, 0, 0);
    CHECK_SHAPE(gen_one_hot(gen_zeros(GEN_I64, GEN_DIMS(0)), 0, GEN_F32), 0, 0);
    /* errors */
    CHECK(gen_one_hot(i, 2, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "gen_one_hot: index 2 at position 0 is outside 0..1");
    CHECK(gen_one_hot(gen_scalar_i64(-1), 4, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index -1 at position 0 is outside 0..3");
    CHECK(gen_one_hot(gen_scalar(1), 4, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_one_hot: indices must be i64, got f64");
    CHECK(gen_one_hot(gen_scalar_bool(true), 4, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "indices must be i64, got bool");
    CHECK(gen_one_hot(i, -1, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_one_hot: k must be >= 0");
    CHECK(gen_one_hot(gen_zeros(GEN_I64, GEN_DIMS(1, 1, 1, 1, 1, 1, 1, 1)), 2, GEN_F64) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_one_hot");
    CHECK(gen_one_hot(i, 3, (gen_dtype)5) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_one_hot: unknown dtype 5");
}

static void test_copy(void) {
    double d[20];
    for (int k = 0; k < 20; k++) d[k] = k - 3.5;
    gen_array *a = gen_array_from_f64(GEN_DIMS(4, 5), d), *c = gen_copy(a);
    CHECK(c != a && gen_array_data(c) != gen_array_data(a));
    CHECK_SHAPE(c, 4, 5);
    CHECK_ARRAY(c, d, 20, 0, 0);
    int64_t i[] = {INT64_MAX, -1};
    c = gen_copy(gen_array_from(GEN_I64, GEN_DIMS(2), i));
    CHECK(gen_array_dtype(c) == GEN_I64 && !memcmp(gen_array_data(c), i, sizeof i));
    check_scalar(gen_copy(gen_scalar_bool(true)), GEN_BOOL, 1);
    CHECK_SHAPE(gen_copy(gen_zeros(GEN_F32, GEN_DIMS(3, 0))), 3, 0);
    /* a copy passes gradients through */
    FD_CHECK1(gen_copy, fd_uniform(1, -1, 1, GEN_DIMS(2, 3)), 1e-9, 1e-12);
}

static void test_queries(void) {
    gen_array *a = gen_zeros(GEN_F32, GEN_DIMS(2, 3, 4));
    CHECK(gen_array_dtype(a) == GEN_F32);
    CHECK(gen_array_ndim(a) == 3);
    CHECK(gen_array_size(a) == 24);
    const int64_t *s = gen_array_shape(a);
    CHECK(s[0] == 2 && s[1] == 3 && s[2] == 4);
    CHECK(gen_array_dim(a, 0) == 2 && gen_array_dim(a, 2) == 4);
    CHECK(gen_array_dim(a, -1) == 4 && gen_array_dim(a, -3) == 2);
    CHECK(gen_array_dim(a, 3) == -1 && gen_array_dim(a, -4) == -1);
    CHECK(gen_array_dim(gen_scalar(1), 0) == -1 && gen_array_dim(gen_scalar(1), -1) == -1);
    CHECK(gen_array_dim(NULL, 0) == -1);
    CHECK(gen_array_size(gen_zeros(GEN_F64, GEN_DIMS(5, 0))) == 0);
    CHECK(gen_array_size(NULL) == 0 && gen_array_ndim(NULL) == 0);
    CHECK(gen_array_shape(NULL) == NULL && gen_array_data(NULL) == NULL);
    CHECK(!strcmp(gen_dtype_name(GEN_F64), "f64") && !strcmp(gen_dtype_name(GEN_F32), "f32"));
    CHECK(!strcmp(gen_dtype_name(GEN_I64), "i64") && !strcmp(gen_dtype_name(GEN_BOOL), "bool"));
    CHECK(!strcmp(gen_dtype_name((gen_dtype)4), "?"));
    CHECK(gen_dtype_size(GEN_F64) == 8 && gen_dtype_size(GEN_F32) == 4);
    CHECK(gen_dtype_size(GEN_I64) == 8 && gen_dtype_size(GEN_BOOL) == 1);
    CHECK(gen_dtype_size((gen_dtype)4) == 0);
}

static void test_item(void) {
    double v;
    int64_t i;
    CHECK_OK(gen_item(gen_ones(GEN_F64, GEN_DIMS(1, 1, 1)), &v));
    CHECK(v == 1);
    CHECK_OK(gen_item(gen_scalar_i64(-3), &v));
    CHECK(v == -3);
    CHECK_OK(gen_item(gen_scalar_bool(true), &v));
    CHECK(v == 1);
    CHECK(gen_item(gen_zeros(GEN_F64, GEN_DIMS(2)), &v) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_item: needs a single element, got shape [2]");
    CHECK(gen_item(gen_zeros(GEN_F64, GEN_DIMS(0)), &v) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "got shape [0]");
    CHECK(gen_item_i64(gen_zeros(GEN_I64, GEN_DIMS(2, 2)), &i) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_item_i64: needs a single element, got shape [2,2]");
    CHECK(gen_item(gen_scalar(1), NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item: out is NULL");
    CHECK(gen_item_i64(gen_scalar(1), NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item_i64: out is NULL");
    CHECK(gen_item_i64(NULL, &i) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item_i64: the array is NULL");
    /* gen_item_i64 converts like a cast */
    double in[] = {2.9, -2.9, NAN, 1e300, -INFINITY, 0.5};
    int64_t want[] = {2, -2, 0, INT64_MAX, INT64_MIN, 0};
    for (int k = 0; k < 6; k++) {
        CHECK_OK(gen_item_i64(gen_scalar(in[k]), &i));
        CHECK(i == want[k]);
    }
    CHECK_OK(gen_item_i64(gen_scalar_f32(-7.75f), &i));
    CHECK(i == -7);
    CHECK_OK(gen_item_i64(gen_scalar_i64(INT64_MAX), &i)); /* no trip through double */
    CHECK(i == INT64_MAX);
    CHECK_OK(gen_item_i64(gen_scalar_bool(true), &i));
    CHECK(i == 1);
}

static void test_copy_to(void) {
    double d[] = {1.5, -2.5, 0, NAN};
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 2), d);
    double out[4];
    CHECK_OK(gen_array_copy_to(a, GEN_F64, out, sizeof out));
    CHECK(out[0] == 1.5 && out[1] == -2.5 && out[2] == 0 && isnan(out[3]));
    int64_t oi[4];
    CHECK_OK(gen_array_copy_to(a, GEN_I64, oi, sizeof oi));
    CHECK(oi[0] == 1 && oi[1] == -2 && oi[2] == 0 && oi[3] == 0);
    float of[4];
    CHECK_OK(gen_array_copy_to(a, GEN_F32, of, sizeof of));
    CHECK(of[0] == 1.5f && of[1] == -2.5f && isnan(of[3]));
    bool ob[4];
    CHECK_OK(gen_array_copy_to(a, GEN_BOOL, ob, sizeof ob));
    CHECK(ob[0] && ob[1] && !ob[2] && ob[3]);
    /* a larger buffer is fine; a smaller one is an error */
    double big[8];
    CHECK_OK(gen_array_copy_to(a, GEN_F64, big, sizeof big));
    CHECK(gen_array_copy_to(a, GEN_F64, out, 3 * sizeof(double)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_array_copy_to: buffer of 24 bytes, need 32");
    CHECK(gen_array_copy_to(a, GEN_BOOL, ob, 3) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "buffer of 3 bytes, need 4");
    CHECK(gen_array_copy_to(a, GEN_F64, NULL, sizeof out) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_copy_to: buf is NULL");
    CHECK(gen_array_copy_to(a, (gen_dtype)6, out, sizeof out) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_array_copy_to: unknown dtype 6");
    /* nothing to copy: NULL is fine */
    CHECK_OK(gen_array_copy_to(gen_zeros(GEN_F64, GEN_DIMS(0)), GEN_F64, NULL, 0));
}

/* gen_cast: every pair of dtypes. */
static void test_cast(void) {
    double d[] = {2.7, -2.7, 0.5, -0.0, NAN, INFINITY, -INFINITY, 1e19, -1e19, 9007199254740993.0};
    gen_array *a = gen_array_from_f64(GEN_DIMS(10), d);
    /* float -> int truncates toward zero, saturates, nan -> 0 */
    gen_array *i = gen_cast(a, GEN_I64);
    CHECK(gen_array_dtype(i) == GEN_I64);
    int64_t wi[] = {2, -2, 0, 0, 0, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, 9007199254740992};
    CHECK(!memcmp(gen_array_data(i), wi, sizeof wi));
    i = gen_cast(gen_cast(a, GEN_F32), GEN_I64);
    CHECK(((const int64_t *)gen_array_data(i))[0] == 2 && ((const int64_t *)gen_array_data(i))[7] == INT64_MAX);
    /* nonzero (nan included) -> true, +-0 -> false */
    gen_array *b = gen_cast(a, GEN_BOOL);
    CHECK(gen_array_dtype(b) == GEN_BOOL);
    CHECK_ARRAY(b, ((double[]){1, 1, 1, 0, 1, 1, 1, 1, 1, 1}), 10, 0, 0);
    CHECK_ARRAY(gen_cast(gen_cast(a, GEN_F32), GEN_BOOL), ((double[]){1, 1, 1, 0, 1, 1, 1, 1, 1, 1}), 10, 0, 0);
    int64_t iv[] = {0, -5, INT64_MAX, (INT64_C(1) << 53) + 1};
    gen_array *I = gen_array_from(GEN_I64, GEN_DIMS(4), iv);
    CHECK_ARRAY(gen_cast(I, GEN_BOOL), ((double[]){0, 1, 1, 1}), 4, 0, 0);
    /* int -> float rounds to nearest */
    const double *f = gen_array_data(gen_cast(I, GEN_F64));
    CHECK(f[1] == -5 && f[2] == 9223372036854775808.0 && f[3] == 9007199254740992.0);
    const float *g = gen_array_data(gen_cast(I, GEN_F32));
    CHECK(g[1] == -5.0f && g[3] == 9007199254740992.0f);
    /* bool -> anything is 0/1 */
    bool bv[] = {true, false};
    gen_array *B = gen_array_from(GEN_BOOL, GEN_DIMS(2), bv);
    gen_dtype types[] = {GEN_BOOL, GEN_I64, GEN_F32, GEN_F64};
    for (int k = 0; k < 4; k++) {
        gen_array *c = gen_cast(B, types[k]);
        CHECK(gen_array_dtype(c) == types[k]);
        CHECK_ARRAY(c, ((double[]){1, 0}), 2, 0, 0);
    }
    /* f64 -> f32 rounds; f32 -> f64 is exact */
    float f1 = ((const float *)gen_array_data(gen_cast(gen_scalar(0.1), GEN_F32)))[0];
    CHECK(f1 == 0.1f);
    CHECK(((const double *)gen_array_data(gen_cast(gen_scalar_f32(0.1f), GEN_F64)))[0] == (double)0.1f);
    /* same dtype: a copy with the same values; shape kept */
    CHECK_SHAPE(gen_cast(gen_zeros(GEN_I64, GEN_DIMS(2, 0)), GEN_F64), 2, 0);
    check_scalar(gen_cast(gen_scalar(3.5), GEN_F64), GEN_F64, 3.5);
    CHECK(gen_cast(a, (gen_dtype)4) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "cast: unknown dtype 4");
}

/* The gradient of a cast to f32 and back is the identity (cast back to f64). */
static gen_array *via_f32(const gen_array *x) {
    return gen_cast(gen_mul(gen_cast(x, GEN_F32), gen_scalar_f32(2.0f)), GEN_F64);
}

static void test_cast_grad(void) {
    static fd_fn1 f = via_f32;
    double d[] = {0.5, -1.25};
    gen_array *x = gen_array_from_f64(GEN_DIMS(2), d), *g = NULL, *t = NULL;
    gen_array *u = gen_array_from_f64(GEN_DIMS(2), (double[]){1, -3});
    CHECK_OK(gen_vjp(fd_closure1(&f), 1, &x, 1, &u, NULL, &g));
    CHECK(gen_array_dtype(g) == GEN_F64);
    CHECK_ARRAY(g, ((double[]){2, -6}), 2, 0, 0);
    CHECK_OK(gen_jvp(fd_closure1(&f), 1, &x, &u, 1, NULL, &t));
    CHECK_ARRAY(t, ((double[]){2, -6}), 2, 0, 0);
}

/* Formats a and compares with want. */
static void check_format(const gen_array *a, const char *want) {
    char buf[256];
    CHECK_OK(gen_array_format(a, buf, sizeof buf));
    if (strcmp(buf, want)) check_fail(__FILE__, __LINE__, "format: got \"%s\", want \"%s\"", buf, want);
    check_count++;
}

static void test_format(void) {
    check_format(gen_array_from_f64(GEN_DIMS(2, 3), ((double[]){1, 2, 3, 4, 5, 6})),
                 "f64[2,3] [[1, 2, 3], [4, 5, 6]]");
    check_format(gen_array_from_f64(GEN_DIMS(2, 3), ((double[]){0.5, -2.25, 1e-7, 1e10, NAN, -INFINITY})),
                 "f64[2,3] [[0.5, -2.25, 1e-07], [1e+10, nan, -inf]]");
    check_format(gen_array_from(GEN_I64, GEN_DIMS(2, 3), ((int64_t[]){1, -2, 3, INT64_MAX, INT64_MIN, 9007199254740993})),
                 "i64[2,3] [[1, -2, 3], [9223372036854775807, -9223372036854775808, 9007199254740993]]");
    check_format(gen_array_from(GEN_BOOL, GEN_DIMS(2, 2), ((bool[]){true, false, false, true})),
                 "bool[2,2] [[true, false], [false, true]]");
    check_format(gen_array_from(GEN_F32, GEN_DIMS(3), ((float[]){0.1f, 2, -3})), "f32[3] [0.1, 2, -3]");
    check_format(gen_scalar(3.25), "f64[] 3.25");
    check_format(gen_scalar_i64(-4), "i64[] -4");
    check_format(gen_scalar_bool(false), "bool[] false");
    check_format(gen_zeros(GEN_F64, GEN_DIMS(0)), "f64[0] []");
    check_format(gen_zeros(GEN_I64, GEN_DIMS(2, 0)), "i64[2,0] []");
    check_format(gen_ones(GEN_F64, GEN_DIMS(2, 1, 2)), "f64[2,1,2] [[[1, 1]], [[1, 1]]]");
    check_format(gen_ones(GEN_I64, GEN_DIMS(1, 1)), "i64[1,1] [[1]]");
    /* a small buffer truncates and stays terminated */
    char small[10];
    memset(small, 'x', sizeof small);
    CHECK_OK(gen_array_format(gen_ones(GEN_F64, GEN_DIMS(100)), small, sizeof small));
    CHECK(!strcmp(small, "f64[100] "));
    char tiny[4];
    CHECK_OK(gen_array_format(gen_ones(GEN_F64, GEN_DIMS(2, 3)), tiny, sizeof tiny));
    CHECK(!strcmp(tiny, "f64"));
    CHECK(gen_array_format(gen_scalar(1), NULL, 10) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_format: empty buffer");
    CHECK(gen_array_format(gen_scalar(1), tiny, 0) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_format");
    CHECK(gen_array_format(NULL, tiny, sizeof tiny) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_format: the array is NULL");
}

int main(void) {
    RUN(test_scalars);
    RUN(test_array_from);
    RUN(test_create_errors);
    RUN(test_zeros_ones_full);
    RUN(test_arange);
    RUN(test_linspace);
    RUN(test_eye);
    RUN(test_one_hot);
    RUN(test_copy);
    RUN(test_queries);
    RUN(test_item);
    RUN(test_copy_to);
    RUN(test_cast);
    RUN(test_cast_grad);
    RUN(test_format);
    return check_finish();
}
