/* test_flat_json.c — flatten/unflatten (mixed shapes and dtypes, selections, integer
 * values skipped, gradients through both) and the JSON round trip (integer vs symbol
 * parts, every dtype, 0-d and n-d values, non-finite floats, big integers, errors). */
#include <math.h>
#include <string.h>

#include "check.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static void put(gen_choicemap_builder *b, const char *path, gen_array *v) {
    gen_addr a = A(path);
    CHECK_OK(gen_choicemap_builder_set(b, &a, v));
}

static const gen_array *val(const gen_choicemap *m, const char *path) {
    gen_addr a = A(path);
    return gen_choicemap_get_value(m, &a);
}

/* a = 1.5 (f64 0-d), b/0 = [[1,2,3],[4,5,6]] (f64), b/1 = 7 (i64), c = [8, 9] (f32),
 * d = true (bool), e = [] (f64, empty) */
static gen_choicemap *mixed(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    put(b, "a", gen_scalar(1.5));
    put(b, "b/0", gen_array_from_f64(GEN_DIMS(2, 3), (double[]){1, 2, 3, 4, 5, 6}));
    put(b, "b/1", gen_scalar_i64(7));
    put(b, "c", gen_array_from(GEN_F32, GEN_DIMS(2), (float[]){8, 9}));
    put(b, "d", gen_scalar_bool(true));
    put(b, "e", gen_zeros(GEN_F64, GEN_DIMS(0)));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

static void test_flatten(void) {
    gen_intern("a"), gen_intern("b"), gen_intern("c"), gen_intern("d"), gen_intern("e");
    gen_choicemap *m = mixed();
    CHECK(gen_choicemap_flat_size(m, NULL) == 9);
    gen_array *f = gen_choicemap_flatten(m, NULL);
    CHECK_SHAPE(f, 9);
    CHECK(gen_array_dtype(f) == GEN_F64);
    CHECK_ARRAY(f, ((double[]){1.5, 1, 2, 3, 4, 5, 6, 8, 9}), 9, 0, 0);
    const char *p[] = {"b", "c"};
    gen_selection *s = gen_select_paths(2, p);
    CHECK(gen_choicemap_flat_size(m, s) == 8);
    CHECK_ARRAY(gen_choicemap_flatten(m, s), ((double[]){1, 2, 3, 4, 5, 6, 8, 9}), 8, 0, 0);
    gen_array *e = gen_choicemap_flatten(gen_choicemap_empty(), NULL);
    CHECK_SHAPE(e, 0);
    /* unflatten: the same structure, new float values, integer values shared. */
    gen_array *nf = gen_array_from_f64(GEN_DIMS(9), (double[]){-1, 10, 20, 30, 40, 50, 60, 0.25, 0.5});
    gen_choicemap *u = gen_choicemap_unflatten(m, NULL, nf);
    CHECK(u && gen_choicemap_count(u) == 6);
    CHECK(check_item(val(u, "a")) == -1 && gen_array_ndim(val(u, "a")) == 0);
    CHECK_SHAPE(val(u, "b/0"), 2, 3);
    CHECK_ARRAY(val(u, "b/0"), ((double[]){10, 20, 30, 40, 50, 60}), 6, 0, 0);
    CHECK(gen_array_dtype(val(u, "c")) == GEN_F32);
    CHECK_ARRAY(val(u, "c"), ((double[]){0.25, 0.5}), 2, 0, 0);
    CHECK(val(u, "b/1") == val(m, "b/1") && val(u, "d") == val(m, "d") && val(u, "e") == val(m, "e"));
    CHECK(gen_choicemap_equal(gen_choicemap_unflatten(m, NULL, f), m)); /* round trip */
    /* With a selection: only the selected floats change. */
    gen_array *sf = gen_array_from_f64(GEN_DIMS(8), (double[]){0, 0, 0, 0, 0, 0, 1, 1});
    gen_choicemap *us = gen_choicemap_unflatten(m, s, sf);
    CHECK(val(us, "a") == val(m, "a") && check_item(gen_sum(val(us, "b/0"), 0, NULL, false)) == 0);
    CHECK_ARRAY(gen_choicemap_flatten(us, s), ((double[]){0, 0, 0, 0, 0, 0, 1, 1}), 8, 0, 0);
}

static void test_flatten_errors(void) {
    gen_choicemap *m = mixed();
    CHECK(gen_choicemap_unflatten(m, NULL, gen_zeros(GEN_F64, GEN_DIMS(8))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_choicemap_unflatten: flat must be 1-d with 9 elements");
    CHECK(gen_choicemap_unflatten(m, NULL, gen_zeros(GEN_F64, GEN_DIMS(3, 3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "got ndim 2 and 9 elements");
    CHECK(gen_choicemap_unflatten(m, NULL, gen_zeros(GEN_I64, GEN_DIMS(9))) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "flat must be f64 or f32, got i64");
    CHECK(gen_choicemap_unflatten(m, NULL, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the flat array is NULL");
    CHECK(gen_choicemap_flatten(NULL, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_flatten: the map is NULL");
}

/* f(x) = sum over the values v of unflatten(template, x) of sum(v^2): grad = 2x. */
static gen_status sumsq(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    gen_choicemap *m = gen_choicemap_unflatten(p, NULL, in[0]);
    gen_array *f = gen_choicemap_flatten(m, NULL); /* flatten is differentiable too */
    out[0] = gen_sum(gen_square(f), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradient(void) {
    gen_choicemap *m = mixed();
    gen_array *x = gen_array_from_f64(GEN_DIMS(9), (double[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    gen_array *g = NULL;
    CHECK_OK(gen_grad((gen_closure){sumsq, m}, 1, &x, &g));
    CHECK_ARRAY(g, ((double[]){2, 4, 6, 8, 10, 12, 14, 16, 18}), 9, 1e-6, 0); /* f32 rounds */
}

static void json_round_trip(const gen_choicemap *m) {
    char *js = gen_choicemap_to_json(m);
    CHECK(js != NULL);
    gen_choicemap *back = gen_choicemap_from_json(js);
    bool eq = gen_choicemap_equal(m, back);
    if (!eq) printf("  round trip differs: %s\n", js);
    CHECK(eq);
    gen_choicemap_json_free(js);
}

static void test_json(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    put(b, "y/3/z", gen_scalar(0.1));
    put(b, "y/\\3/z", gen_scalar(-2.5e-300)); /* the symbol "3", distinct from 3 */
    put(b, "y/-4", gen_scalar_i64(-4));
    put(b, "big", gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){INT64_MAX, INT64_MIN, 9007199254740993}));
    put(b, "f32", gen_array_from(GEN_F32, GEN_DIMS(2, 2), (float[]){0.1f, -3e38f, 1e-45f, 7}));
    put(b, "bools", gen_array_from(GEN_BOOL, GEN_DIMS(1, 3), (bool[]){true, false, true}));
    put(b, "ulp", gen_array_from_f64(GEN_DIMS(3), (double[]){nextafter(0.1, 1), 1.0 / 3, 5e-324}));
    put(b, "odd", gen_array_from_f64(GEN_DIMS(4), (double[]){NAN, INFINITY, -INFINITY, -0.0}));
    put(b, "empty", gen_zeros(GEN_F32, GEN_DIMS(2, 0)));
    put(b, "dtype/shape", gen_scalar(1)); /* symbols named like the value fields */
    put(b, "with space/a\\/b", gen_scalar(2));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    json_round_trip(m);
    json_round_trip(gen_choicemap_empty());
    json_round_trip(gen_choicemap_of_value(gen_scalar_i64(3)));
    /* The documented form. */
    gen_choicemap *small = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){0}, gen_scalar(0));
    gen_addr y3 = A("y/3"), s3 = A("y/\\3");
    small = gen_choicemap_set(gen_choicemap_empty(), &y3, gen_scalar_i64(5));
    small = gen_choicemap_set(small, &s3, gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, INFINITY}));
    char *js = gen_choicemap_to_json(small);
    const char *want = "{\"y\":{\"3\":{\"dtype\":\"i64\",\"shape\":[],\"data\":[5]},"
                       "\"\\\\3\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":[0.5,\"inf\"]}}}";
    if (strcmp(js, want) != 0) printf("  json: %s\n  want: %s\n", js, want);
    CHECK(strcmp(js, want) == 0);
    gen_choicemap_json_free(js);
    /* Objects are maps, {} children vanish, key order does not matter. */
    gen_choicemap *r = gen_choicemap_from_json(
        "{\"b\": {\"dtype\": \"bool\", \"shape\": [], \"data\": [true]}, \"a\": {\"1\": {}}, "
        "\"0\": {\"dtype\":\"f32\",\"shape\":[1],\"data\":[1.5]}}");
    CHECK(r && gen_choicemap_count(r) == 2 && gen_choicemap_num_children(r) == 2);
    CHECK(gen_array_dtype(val(r, "0")) == GEN_F32 && check_item(val(r, "0")) == 1.5);
}

static void test_json_errors(void) {
    struct { const char *text, *msg; } cases[] = {
        {"{\"a\": [1]}", "at a: expected an object"},
        {"{\"a\": {\"b\": {\"dtype\": \"f16\", \"shape\": [], \"data\": [1]}}}", "at a/b: unknown dtype f16"},
        {"{\"a\": {\"dtype\": \"f64\", \"shape\": [2], \"data\": [1]}}", "at a: the shape has 2 elements, data has 1"},
        {"{\"a\": {\"dtype\": \"f64\", \"shape\": [-1], \"data\": []}}", "shape entries must be non-negative integers"},
        {"{\"a\": {\"dtype\": \"f64\", \"shape\": [0, 1e15, 1e15], \"data\": []}}", "at a: the value is too large"},
        {"{\"a\": {\"dtype\": \"f64\", \"shape\": [1e15, 1e15], \"data\": []}}", "at a: the value is too large"},
        {"{\"a\": {\"dtype\": \"f64\", \"data\": []}}", "needs \"shape\" and \"data\" arrays"},
        {"{\"a\": {\"dtype\": \"i64\", \"shape\": [1], \"data\": [1.5]}}", "data element 0 is not a valid i64"},
        {"{\"a\": {\"dtype\": \"i64\", \"shape\": [1], \"data\": [\"99999999999999999999\"]}}", "not a valid i64"},
        {"{\"a\": {\"dtype\": \"bool\", \"shape\": [2], \"data\": [true, 1]}}", "data element 1 is not a valid bool"},
        {"{\"a\": {\"dtype\": \"f64\", \"shape\": [1], \"data\": [\"infinity\"]}}", "not a valid f64"},
        {"{\"3\": {\"dtype\": \"f64\", \"shape\": [], \"data\": [1]}, \"03\": {\"dtype\": \"f64\", \"shape\": [], \"data\": [1]}}", "at (root): duplicate key 3"},
        {"{\"x\": {\"\": {}}}", "at x: gen_choicemap_from_json: empty part"},
        {"{\"x\": {\"99999999999999999999\": {}}}", "out of range"},
        {"{\"a\": ", "invalid JSON at byte"},
        {"[]", "expected an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(gen_choicemap_from_json(cases[i].text) == NULL);
        CHECK_ERROR(GEN_ERR_VALUE, cases[i].msg);
    }
    /* Deeper than the address limit. */
    char deep[400] = "";
    for (int i = 0; i < 33; i++) strcat(deep, "{\"a\":");
    strcat(deep, "{\"dtype\":\"f64\",\"shape\":[],\"data\":[1]}");
    for (int i = 0; i < 33; i++) strcat(deep, "}");
    CHECK(gen_choicemap_from_json(deep) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "deeper than the address depth limit");
    CHECK(gen_choicemap_from_json(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the text is NULL");
    CHECK(gen_choicemap_to_json(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_to_json: the map is NULL");
}

int main(void) {
    RUN(test_flatten);
    RUN(test_flatten_errors);
    RUN(test_gradient);
    RUN(test_json);
    RUN(test_json_errors);
    return check_finish();
}
