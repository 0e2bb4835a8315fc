/* check.h — the tiny assertion kit of GenC's tests. A test program calls its test
 * functions with RUN(fn) and returns check_finish(); failures print file:line and the
 * recorded GenC error. */
#ifndef GENC_TEST_CHECK_H
#define GENC_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "genc.h"

extern int check_failures;
extern int check_count;

void check_fail(const char *file, int line, const char *fmt, ...);
/* |got - want| <= atol + rtol * |want|, with NaN == NaN and equal infinities. */
int check_close_at(const char *file, int line, const char *what, double got, double want,
                   double rtol, double atol);
/* Each element of a (converted to double) against want[0..n-1]. */
int check_array_at(const char *file, int line, const char *what, const gen_array *a,
                   const double *want, int64_t n, double rtol, double atol);
/* Shape of a equals (ndim, shape). */
int check_shape_at(const char *file, int line, const gen_array *a, int ndim, const int64_t *shape);
int check_finish(void);

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        check_count++;                                                                      \
        if (!(cond)) check_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);             \
    } while (0)
#define CHECK_OK(expr)                                                                      \
    do {                                                                                    \
        check_count++;                                                                      \
        gen_status st_ = (expr);                                                            \
        if (st_ != GEN_OK)                                                                  \
            check_fail(__FILE__, __LINE__, "%s returned %s: %s", #expr,                     \
                       gen_status_name(st_), gen_error_message());                          \
    } while (0)
/* expr (a gen_array*) is not NULL. */
#define CHECK_ARR(expr) check_not_null(__FILE__, __LINE__, #expr, (expr))
#define CHECK_CLOSE(got, want, rtol) \
    check_close_at(__FILE__, __LINE__, #got, (got), (want), (rtol), 0.0)
#define CHECK_NEAR(got, want, atol) \
    check_close_at(__FILE__, __LINE__, #got, (got), (want), 0.0, (atol))
#define CHECK_ARRAY(a, want, n, rtol, atol) \
    check_array_at(__FILE__, __LINE__, #a, (a), (want), (n), (rtol), (atol))
#define CHECK_SHAPE(a, ...) check_shape_at(__FILE__, __LINE__, (a), GEN_DIMS(__VA_ARGS__))
/* An error with status s whose message contains substring msg (then clears it). */
#define CHECK_ERROR(s, msg) check_error_at(__FILE__, __LINE__, (s), (msg))

gen_array *check_not_null(const char *file, int line, const char *what, gen_array *a);
int check_error_at(const char *file, int line, gen_status s, const char *msg);
/* The value of a size-1 array (NaN and a failure if it is not). */
double check_item(const gen_array *a);

/* Applies op to the n f64 points x (one array) and compares each result with ref(x[i])
 * to rtol/atol; a failure names the point. */
typedef double (*check_ref1)(double);
void check_grid_at(const char *file, int line, const char *name,
                   gen_array *(*op)(const gen_array *), check_ref1 ref, int n, const double *x,
                   double rtol, double atol);
#define CHECK_GRID(op, ref, n, x, rtol, atol) \
    check_grid_at(__FILE__, __LINE__, #op, op, ref, n, x, rtol, atol)

/* An allocator (gen_set_allocator) that counts live blocks and bytes and fails every
 * call after the first fail_after (fail_after < 0: never fails): out-of-memory tests make
 * each allocation of a workload fail in turn and check nothing leaks. */
typedef struct check_counting {
    long live_blocks, live_bytes, calls, fail_after;
} check_counting;
void *check_counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

#define RUN(fn)                                                                             \
    do {                                                                                    \
        gen_error_clear();                                                                  \
        gen_scope_begin();                                                                  \
        fn();                                                                               \
        gen_scope_end();                                                                    \
    } while (0)

/* A test program's filter: main sets check_only = argc > 1 ? argv[1] : NULL, and
 * RUN_ONLY(fn) runs fn only when its name contains it (valgrind runs a test's short
 * parts by name). */
extern const char *check_only;
#define RUN_ONLY(fn)                                          \
    do {                                                      \
        if (!check_only || strstr(#fn, check_only)) RUN(fn);  \
    } while (0)

#endif
