/* test_data.c — data files in Stan's / posteriordb's JSON format (genc/data.h): types
 * (integers by value, reals, Stan's special strings), shapes of nested arrays, names in
 * order, posteriordb's eight-schools file read whole, and every error
 * naming the file, the variable and where. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "genc.h"

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
    CHECK_OK(gen_data_array(d, "y", &a)); /* 8.0 is an integer in value */
    CHECK(gen_array_dtype(a) == GEN_I64);
    CHECK_SHAPE(a, 3);
    int64_t yi[3];
    gen_array_copy_to(a, GEN_I64, yi, sizeof yi);
    CHECK(yi[0] == 28 && yi[1] == 8 && yi[2] == -3);
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

int main(void) {
    test_types_and_shapes();
    test_file();
    test_errors();
    return check_finish();
}
