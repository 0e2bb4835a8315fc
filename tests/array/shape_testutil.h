/* shape_testutil.h — helpers shared by the shape-op tests (test_shape*.c). */
#ifndef GENC_TEST_SHAPE_TESTUTIL_H
#define GENC_TEST_SHAPE_TESTUTIL_H

#include <stdlib.h>

#include "fd.h"

static const gen_dtype all_dtypes[] = {GEN_BOOL, GEN_I64, GEN_F32, GEN_F64};

/* The test value of element i in dtype t: i itself, or for bool a pattern with both
 * values (i % 3 == 1). Data-movement checks compare against pattern(t, source index). */
static inline double pattern(gen_dtype t, int64_t i) {
    return t == GEN_BOOL ? (double)(i % 3 == 1) : (double)i;
}

/* An array of dtype t and the given shape whose element i is pattern(t, i). */
static inline gen_array *iota(gen_dtype t, int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = pattern(t, i);
    gen_array *a = gen_cast(gen_array_from_f64(ndim, shape, v), t);
    free(v);
    return a;
}

/* Checks that r has dtype t and element k equal to pattern(t, src[k]). */
#define CHECK_MOVED(r, t, src, n) check_moved_at(__FILE__, __LINE__, #r, (r), (t), (src), (n))
static inline int check_moved_at(const char *file, int line, const char *what, const gen_array *r,
                                 gen_dtype t, const int64_t *src, int64_t n) {
    if (r && gen_array_dtype(r) != t) {
        check_fail(file, line, "%s has dtype %s, want %s", what, gen_dtype_name(gen_array_dtype(r)),
                   gen_dtype_name(t));
        return 0;
    }
    double *want = malloc((size_t)(n ? n : 1) * sizeof *want);
    for (int64_t k = 0; k < n; k++) want[k] = pattern(t, src[k]);
    int ok = check_array_at(file, line, what, r, want, n, 0, 0);
    free(want);
    return ok;
}

/* An i64 array from a literal list. */
#define I64S(...) \
    gen_array_from(GEN_I64, 1, (const int64_t[]){sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)}, \
                   (const int64_t[]){__VA_ARGS__})

#endif
