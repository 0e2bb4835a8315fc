/* test_data.c — data files in Stan's / posteriordb's JSON format (genc/data.h): types
 * (integers as written, reals, Stan's special strings), shapes of nested arrays, names in
 * order, posteriordb's eight-schools file read whole, and every error
 * naming the file, the variable and where; data sets built with gen_data_set, their exact
 * text, and round trips through text and files that keep dtype, shape and bits. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "genc.h"
#include "oom.h"
#include "tmpdir.h"

static char DIR_[64];

static gen_data *parse(const char *json) {
    gen_data *d = NULL;
    CHECK_OK(gen_data_parse(json, &d));
    return d;
}

static void test_types_and_shapes(void) {
    gen_scope_begin();
    gen_data *d = parse("{\"N\": 3, \"y\": [28, 8.0, -3], \"s\": [15.5, 10, 16], \"X\": [[1, 0.5], [2, 3], [4, 5]],"
                        " \"e\": [], \"z\": 2.5, \"sp\": [\"NaN\", \"Inf\", \"-Inf\", 1], \"T\": [[[1],[2]],[[3],[4]]]}");
    CHECK(gen_data_count(d) == 8);
    CHECK(!strcmp(gen_data_name(d, 0), "N") && !strcmp(gen_data_name(d, 7), "T") && !gen_data_name(d, 8));
    CHECK(gen_data_has(d, "X") && !gen_data_has(d, "x"));
    gen_array *a = NULL;
    CHECK_OK(gen_data_array(d, "N", &a));
    CHECK(gen_array_dtype(a) == GEN_I64 && gen_array_ndim(a) == 0);
    int64_t n = 0;
    CHECK_OK(gen_data_int(d, "N", &n));
    CHECK(n == 3);
    CHECK_OK(gen_data_array(d, "y", &a)); /* 8.0 is written as a real: the variable is real, as in Stan */
    CHECK(gen_array_dtype(a) == GEN_F64);
    CHECK_SHAPE(a, 3);
    CHECK_ARRAY(a, ((double[]){28, 8, -3}), 3, 0, 0);
    CHECK_OK(gen_data_array(d, "s", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    CHECK_ARRAY(a, ((double[]){15.5, 10, 16}), 3, 0, 0);
    CHECK_OK(gen_data_f64(d, "y", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    CHECK_ARRAY(a, ((double[]){28, 8, -3}), 3, 0, 0);
    CHECK_OK(gen_data_array(d, "X", &a));
    CHECK_SHAPE(a, 3, 2);
    CHECK_ARRAY(a, ((double[]){1, 0.5, 2, 3, 4, 5}), 6, 0, 0);
    CHECK_OK(gen_data_array(d, "T", &a));
    CHECK_SHAPE(a, 2, 2, 1);
    CHECK(gen_array_dtype(a) == GEN_I64);
    CHECK_OK(gen_data_array(d, "e", &a));
    CHECK_SHAPE(a, 0);
    double sp[4];
    CHECK_OK(gen_data_array(d, "sp", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    gen_array_copy_to(a, GEN_F64, sp, sizeof sp);
    CHECK(isnan(sp[0]) && sp[1] == INFINITY && sp[2] == -INFINITY && sp[3] == 1);
    double z = 0;
    CHECK_OK(gen_data_real(d, "z", &z));
    CHECK(z == 2.5);
    CHECK_OK(gen_data_real(d, "N", &z));
    CHECK(z == 3);
    gen_data_free(d);
    gen_scope_end();
}

/* posteriordb's eight schools data file (its text as in posteriordb), written and read back */
static void test_file(void) {
    const char *path = "test_data_eight_schools.json";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"J\": 8, \"y\": [28, 8, -3, 7, -1, 1, 18, 12], \"sigma\": [15, 10, 16, 11, 9, 11, 10, 18]}", f);
    fclose(f);
    gen_data *d = NULL;
    CHECK_OK(gen_data_load(path, &d));
    remove(path);
    if (!d) return;
    gen_scope_begin();
    int64_t j = 0;
    CHECK_OK(gen_data_int(d, "J", &j));
    CHECK(j == 8);
    gen_array *y = NULL, *s = NULL;
    CHECK_OK(gen_data_f64(d, "y", &y));
    CHECK_OK(gen_data_f64(d, "sigma", &s));
    CHECK_SHAPE(y, 8);
    CHECK_ARRAY(y, ((double[]){28, 8, -3, 7, -1, 1, 18, 12}), 8, 0, 0);
    CHECK_ARRAY(s, ((double[]){15, 10, 16, 11, 9, 11, 10, 18}), 8, 0, 0);
    gen_scope_end();
    gen_data_free(d);
}

static void test_errors(void) {
    gen_data *d = NULL;
    CHECK(gen_data_parse("{\"a\": [1, 2", &d) == GEN_ERR_VALUE && !d);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_parse: not valid JSON near line 1");
    CHECK(gen_data_parse("{\"a\": 1,\n \"b\": [1, 2],\n \"c\": [1 2]}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "near line 3");
    CHECK(gen_data_parse("[1, 2]", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "one JSON object of variables");
    CHECK(gen_data_parse("{\"y\": [1, \"x\", 3]}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable y: element 1 is a string, not a number");
    CHECK(gen_data_parse("{\"o\": {\"a\": 1}}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable o: element 0 is an object");
    CHECK(gen_data_parse("{\"X\": [[1, 2], [3, 4, 5]]}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable X: a row at depth 1 has 3 elements, the first has 2");
    CHECK(gen_data_parse("{\"X\": [[1, 2], 3]}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable X: a number where an array of 2 was expected");
    CHECK(gen_data_parse("{\"b\": true}", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable b: element 0 is a boolean");
    CHECK(gen_data_load("/nonexistent/d.json", &d) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_load: cannot open /nonexistent/d.json");
    const char *tmp = "test_data_bad.json";
    FILE *f = fopen(tmp, "w");
    if (f) {
        fputs("{\"y\": [1, null]}", f);
        fclose(f);
        CHECK(gen_data_load(tmp, &d) == GEN_ERR_VALUE);
        CHECK_ERROR(GEN_ERR_VALUE, "gen_data_load: test_data_bad.json: variable y: element 1 is null");
        remove(tmp);
    }
    d = NULL;
    CHECK_OK(gen_data_parse("{\"N\": 3, \"x\": 2.5, \"v\": [1, 2]}", &d));
    gen_scope_begin();
    gen_array *a = NULL;
    int64_t n = 0;
    CHECK(gen_data_array(d, "y", &a) == GEN_ERR_VALUE && !a);
    CHECK_ERROR(GEN_ERR_VALUE, "no variable 'y' (the data has N, x, v)");
    CHECK(gen_data_int(d, "x", &n) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable x is 2.5, not an integer");
    CHECK(gen_data_int(d, "v", &n) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "variable v is an array, not a scalar");
    CHECK(gen_data_array(NULL, "v", &a) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the data is NULL");
    gen_scope_end();
    gen_data_free(d);
    gen_data_free(NULL);
    CHECK(gen_data_count(NULL) == -1 && !gen_data_name(NULL, 0) && !gen_data_has(NULL, "a"));
}

/* Integers as written: exact beyond 2^53, at the ends of the i64 range, and real when
 * written with an exponent or beyond the range (as Stan's reader types them). */
static void test_integers_as_written(void) {
    gen_data *d = parse("{\"big\": 9007199254740993, \"lo\": -9223372036854775808, \"r\": 2.8e1,"
                        " \"over\": 9223372036854775808, \"v\": [1, 9223372036854775807], \"z\": -0}");
    gen_array *a = NULL;
    int64_t n = 0, v[2];
    CHECK_OK(gen_data_int(d, "big", &n));
    CHECK(n == 9007199254740993LL); /* a double would give ...992 */
    CHECK_OK(gen_data_int(d, "lo", &n));
    CHECK(n == INT64_MIN);
    CHECK_OK(gen_data_array(d, "v", &a));
    CHECK(gen_array_dtype(a) == GEN_I64);
    gen_array_copy_to(a, GEN_I64, v, sizeof v);
    CHECK(v[0] == 1 && v[1] == INT64_MAX);
    CHECK_OK(gen_data_array(d, "r", &a));
    CHECK(gen_array_dtype(a) == GEN_F64 && gen_array_ndim(a) == 0 && check_item(a) == 28);
    CHECK_OK(gen_data_int(d, "r", &n)); /* an integer in value still reads as one */
    CHECK(n == 28);
    CHECK_OK(gen_data_array(d, "over", &a));
    CHECK(gen_array_dtype(a) == GEN_F64 && check_item(a) == 9223372036854775808.0);
    CHECK_OK(gen_data_array(d, "z", &a));
    CHECK(gen_array_dtype(a) == GEN_I64 && check_item(a) == 0);
    gen_data_free(d);
}

/* Whether a and b hold the same variables in the same order with the same dtype, shape
 * and bits (NaN's included). */
static void check_same_data(const gen_data *a, const gen_data *b) {
    CHECK(gen_data_count(a) == gen_data_count(b));
    for (int i = 0; i < gen_data_count(a) && i < gen_data_count(b); i++) {
        const char *name = gen_data_name(a, i);
        CHECK(!strcmp(name, gen_data_name(b, i)));
        gen_array *x = NULL, *y = NULL;
        CHECK_OK(gen_data_array(a, name, &x));
        CHECK_OK(gen_data_array(b, name, &y));
        if (!x || !y) continue;
        int64_t n = gen_array_size(x);
        bool same = gen_array_dtype(x) == gen_array_dtype(y) && gen_array_ndim(x) == gen_array_ndim(y) &&
                    !memcmp(gen_array_shape(x), gen_array_shape(y), (size_t)gen_array_ndim(x) * sizeof(int64_t)) &&
                    (!n || !memcmp(gen_array_data(x), gen_array_data(y), (size_t)n * 8));
        if (!same) fprintf(stderr, "variable %s differs\n", name);
        CHECK(same);
    }
}

static const double REALS[] = {-0.0, 0.0, 5e-324, 2.2250738585072009e-308, 1e308, DBL_MAX, -DBL_MAX, 28.0, -3.0,
                                0.1, 1.0 / 3, -1e-300, 1e20, 123456789012345678.0, 0.30000000000000004, 1e-5,
                                3.141592653589793, 2.5};
#define NREALS (int)(sizeof REALS / sizeof *REALS)

/* A data set of every kind of value: 0-d, 1-d and 3-d; i64 (the range's ends, beyond
 * 2^53), f64 (-0, subnormals, 1e308, the special values, integral reals), bool, f32. */
static gen_data *every_kind(void) {
    gen_data *d = gen_data_new();
    if (!d) return NULL;
    double x[NREALS + 3], t[12];
    memcpy(x, REALS, sizeof REALS);
    x[NREALS] = NAN, x[NREALS + 1] = INFINITY, x[NREALS + 2] = -INFINITY;
    for (int i = 0; i < 12; i++) t[i] = i * 0.1 - 0.3;
    int64_t y[] = {28, 8, -3, INT64_MAX, INT64_MIN, 9007199254740993LL};
    bool b[] = {true, false, true};
    float f[] = {0.1f, 1e-45f, 3.4e38f, 1.0f, -0.0f};
    const char *names[] = {"N", "y", "x", "T", "b", "f", "z", "nan", "e"};
    gen_array *v[] = {gen_scalar_i64(3),
                      gen_array_from(GEN_I64, GEN_DIMS(6), y),
                      gen_array_from_f64(GEN_DIMS(NREALS + 3), x),
                      gen_array_from_f64(GEN_DIMS(2, 3, 2), t),
                      gen_array_from(GEN_BOOL, GEN_DIMS(3), b),
                      gen_array_from(GEN_F32, GEN_DIMS(5), f),
                      gen_scalar(28.0),
                      gen_scalar(NAN),
                      gen_zeros(GEN_F64, GEN_DIMS(2, 0))};
    gen_status s = GEN_OK;
    for (int i = 0; s == GEN_OK && i < 9; i++) s = v[i] ? gen_data_set(d, names[i], v[i]) : gen_error_status();
    if (s != GEN_OK) {
        gen_data_free(d);
        return NULL;
    }
    return d;
}

static void test_round_trip(void) {
    gen_data *d = every_kind(), *back = NULL;
    CHECK(d != NULL);
    if (!d) return;
    char *json = gen_data_to_json(d);
    CHECK(json != NULL);
    CHECK_OK(gen_data_parse(json, &back));
    check_same_data(d, back);
    /* what was set, as it reads: i64 and f64 bit for bit, bool as i64 0/1, f32 as the f64
     * whose float is the float, 28.0 real */
    gen_array *a = NULL;
    int64_t y[6];
    CHECK_OK(gen_data_array(back, "y", &a));
    CHECK(gen_array_dtype(a) == GEN_I64);
    gen_array_copy_to(a, GEN_I64, y, sizeof y);
    CHECK(y[0] == 28 && y[3] == INT64_MAX && y[4] == INT64_MIN && y[5] == 9007199254740993LL);
    double x[NREALS + 3];
    CHECK_OK(gen_data_array(back, "x", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    gen_array_copy_to(a, GEN_F64, x, sizeof x);
    CHECK(!memcmp(x, REALS, sizeof REALS)); /* bits: -0.0 stays -0.0 */
    CHECK(signbit(x[0]) && x[2] == 5e-324 && x[4] == 1e308);
    CHECK(isnan(x[NREALS]) && x[NREALS + 1] == INFINITY && x[NREALS + 2] == -INFINITY);
    CHECK_OK(gen_data_array(back, "T", &a));
    CHECK_SHAPE(a, 2, 3, 2);
    CHECK(gen_array_dtype(a) == GEN_F64);
    double t[12], tw[12];
    gen_array_copy_to(a, GEN_F64, t, sizeof t);
    for (int i = 0; i < 12; i++) tw[i] = i * 0.1 - 0.3;
    CHECK(!memcmp(t, tw, sizeof t));
    CHECK_OK(gen_data_array(back, "b", &a));
    CHECK(gen_array_dtype(a) == GEN_I64);
    CHECK_ARRAY(a, ((double[]){1, 0, 1}), 3, 0, 0);
    CHECK_OK(gen_data_array(back, "f", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    double f[5];
    gen_array_copy_to(a, GEN_F64, f, sizeof f);
    CHECK(f[0] == 0.1 && (float)f[1] == 1e-45f && (float)f[2] == 3.4e38f && f[3] == 1 && signbit(f[4]));
    CHECK_OK(gen_data_array(back, "z", &a));
    CHECK(gen_array_dtype(a) == GEN_F64 && check_item(a) == 28);
    CHECK_OK(gen_data_array(back, "e", &a));
    CHECK_SHAPE(a, 2, 0);
    /* the text of what was read is the text written */
    char *again = gen_data_to_json(back);
    CHECK(again && json && !strcmp(again, json));
    gen_data_json_free(again);
    gen_data_json_free(json);
    gen_data_free(back);
    gen_data_free(d);
}

/* The exact text of a small data set. */
static void test_text(void) {
    gen_data *d = gen_data_new();
    CHECK_OK(gen_data_set(d, "N", gen_scalar_i64(3)));
    CHECK_OK(gen_data_set(d, "y", gen_array_from(GEN_I64, GEN_DIMS(3), (int64_t[]){28, 8, -3})));
    CHECK_OK(gen_data_set(d, "X", gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0.5, 2, NAN})));
    CHECK_OK(gen_data_set(d, "s", gen_scalar(-INFINITY)));
    CHECK_OK(gen_data_set(d, "b", gen_array_from(GEN_BOOL, GEN_DIMS(2), (bool[]){true, false})));
    CHECK_OK(gen_data_set(d, "r", gen_array_from_f64(GEN_DIMS(5), (double[]){0.1 + 0.2, 1e20, -0.0, 1.0 / 3, 5e-324})));
    CHECK_OK(gen_data_set(d, "e", gen_zeros(GEN_I64, GEN_DIMS(0))));
    char *json = gen_data_to_json(d);
    const char *want = "{\n"
                       "  \"N\": 3,\n"
                       "  \"y\": [28, 8, -3],\n"
                       "  \"X\": [[1.0, 0.5], [2.0, \"NaN\"]],\n"
                       "  \"s\": \"-Inf\",\n"
                       "  \"b\": [1, 0],\n"
                       "  \"r\": [0.30000000000000004, 1e+20, -0.0, 0.3333333333333333, 4.94065645841247e-324],\n"
                       "  \"e\": []\n"
                       "}\n";
    CHECK(json && !strcmp(json, want));
    if (json && strcmp(json, want)) fprintf(stderr, "got:\n%s", json);
    gen_data_json_free(json);
    gen_data_free(d);
    /* empty, and a name read from a file that JSON must escape */
    d = gen_data_new();
    json = gen_data_to_json(d);
    CHECK(json && !strcmp(json, "{}\n"));
    gen_data_json_free(json);
    gen_data_free(d);
    d = parse("{\"a\\\"b\\\\c\\n\": 1}");
    json = gen_data_to_json(d);
    CHECK(json && !strcmp(json, "{\n  \"a\\\"b\\\\c\\u000a\": 1\n}\n"));
    gen_data_json_free(json);
    gen_data_free(d);
}

/* Replacing keeps the place, removing closes the gap, and a failed set changes nothing. */
static void test_replace_remove(void) {
    gen_data *d = gen_data_new();
    CHECK(d && gen_data_count(d) == 0);
    for (int i = 0; i < 10; i++) { /* past the first capacity */
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        CHECK_OK(gen_data_set(d, name, gen_scalar_i64(i)));
    }
    CHECK_OK(gen_data_set(d, "v3", gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 1.5})));
    CHECK(gen_data_count(d) == 10 && !strcmp(gen_data_name(d, 3), "v3") && !strcmp(gen_data_name(d, 4), "v4"));
    gen_array *a = NULL;
    CHECK_OK(gen_data_array(d, "v3", &a));
    CHECK(gen_array_dtype(a) == GEN_F64);
    CHECK_ARRAY(a, ((double[]){0.5, 1.5}), 2, 0, 0);
    CHECK(gen_batch_begin(2) == GEN_OK);
    gen_array *bat = gen_batched(gen_zeros(GEN_F64, GEN_DIMS(2)));
    gen_batch_end();
    CHECK(gen_data_set(d, "v3", bat) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_set: variable v3: the value is a batched array");
    CHECK_OK(gen_data_array(d, "v3", &a)); /* unchanged */
    CHECK_ARRAY(a, ((double[]){0.5, 1.5}), 2, 0, 0);
    CHECK_OK(gen_data_remove(d, "v0"));
    CHECK_OK(gen_data_remove(d, "v3"));
    CHECK(gen_data_count(d) == 8 && !strcmp(gen_data_name(d, 0), "v1") && !strcmp(gen_data_name(d, 2), "v4"));
    CHECK(!gen_data_has(d, "v3"));
    int64_t n = 0;
    CHECK_OK(gen_data_int(d, "v9", &n));
    CHECK(n == 9);
    CHECK(gen_data_remove(d, "v3") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_remove: no variable 'v3' (the data has v1, v2, v4");
    CHECK_OK(gen_data_set(d, "v3", gen_scalar_i64(-1))); /* a new one goes last */
    CHECK(!strcmp(gen_data_name(d, 8), "v3"));
    gen_data_free(d);
}

static void test_set_write_errors(void) {
    gen_data *d = gen_data_new();
    gen_array *one = gen_scalar(1);
    CHECK(gen_data_set(NULL, "a", one) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_set: the data is NULL");
    CHECK(gen_data_set(d, NULL, one) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_set: the name is NULL");
    CHECK(gen_data_set(d, "a", NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_set: the value is NULL");
    const char *bad[] = {"", "1a", "_a", "y[1]", "a b", "a.b", "a__", "\xc3\xa9"};
    for (int i = 0; i < (int)(sizeof bad / sizeof *bad); i++) {
        char want[64];
        snprintf(want, sizeof want, "gen_data_set: '%s' is not a Stan variable name", bad[i]);
        CHECK(gen_data_set(d, bad[i], one) == GEN_ERR_VALUE);
        CHECK_ERROR(GEN_ERR_VALUE, want);
    }
    CHECK_OK(gen_data_set(d, "a_1__b", one));
    CHECK_OK(gen_data_set(d, "Z", one));
    CHECK(gen_data_set(d, "t", gen_tuple(2, (gen_array *[]){one, one})) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_set: variable t: the value is a tuple");
    CHECK(gen_data_count(d) == 2);
    CHECK(gen_data_to_json(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_to_json: the data is NULL");
    gen_data_json_free(NULL);
    CHECK(gen_data_remove(NULL, "a") == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_remove: the data is NULL");
    CHECK(gen_data_write(d, "/nonexistent-genc-dir/d.json") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_write: cannot write /nonexistent-genc-dir/d.json: No such file or directory");
    CHECK(gen_data_write(d, DIR_) == GEN_ERR_VALUE); /* a folder */
    CHECK_ERROR(GEN_ERR_VALUE, "gen_data_write: cannot write");
    CHECK(gen_data_write(NULL, "d.json") == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_data_write: the data is NULL");
    gen_data_free(d);
}

/* A data set written to a file and loaded back, and a file replaced. */
static void test_write_load(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/data.json", DIR_);
    gen_data *d = every_kind(), *back = NULL;
    CHECK(d != NULL);
    if (!d) return;
    CHECK_OK(gen_data_write(d, path));
    CHECK_OK(gen_data_load(path, &back));
    if (back) check_same_data(d, back);
    gen_data_free(back);
    back = NULL;
    CHECK_OK(gen_data_remove(d, "x"));
    CHECK_OK(gen_data_write(d, path));
    CHECK_OK(gen_data_load(path, &back));
    CHECK(back && !gen_data_has(back, "x") && gen_data_count(back) == gen_data_count(d));
    gen_data_free(back);
    gen_data_free(d);
    tmpdir_unlink(DIR_, ".json");
}

/* building, writing and reading under a failing allocator */
static gen_status workload(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/oom.json", DIR_);
    gen_data *d = every_kind(), *back = NULL;
    if (!d) return gen_error_status();
    gen_status s = gen_data_write(d, path);
    if (s == GEN_OK) s = gen_data_load(path, &back);
    gen_array *a = NULL;
    if (s == GEN_OK) s = gen_data_f64(back, "y", &a);
    if (s == GEN_OK) s = gen_data_remove(back, "y");
    gen_data_free(back);
    gen_data_free(d);
    return s;
}

static void test_oom(void) { CHECK_OOM(workload, 20); }

int main(void) {
    snprintf(DIR_, sizeof DIR_, "/tmp/genc_test_data_XXXXXX");
    if (!mkdtemp(DIR_)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_types_and_shapes);
    RUN(test_file);
    RUN(test_errors);
    RUN(test_integers_as_written);
    RUN(test_round_trip);
    RUN(test_text);
    RUN(test_replace_remove);
    RUN(test_set_write_errors);
    RUN(test_write_load);
    RUN(test_oom);
    tmpdir_remove(DIR_);
    return check_finish();
}
