/* test_discrete_util.h — checks shared by the discrete families' tests: enumerations
 * whose masses sum to one, gradients that are never NaN, the support's kind. */
#ifndef GENC_TEST_DISCRETE_UTIL_H
#define GENC_TEST_DISCRETE_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"

/* No element of a is NaN (and a exists). */
#define CHECK_NO_NAN(a) check_no_nan_at(__FILE__, __LINE__, #a, (a))
static inline void check_no_nan_at(const char *file, int line, const char *what, const gen_array *a) {
    check_count++;
    if (!a) {
        check_fail(file, line, "%s is NULL: %s", what, gen_error_message());
        return;
    }
    int64_t n = gen_array_size(a);
    double *buf = calloc((size_t)(n ? n : 1), sizeof *buf);
    gen_array_copy_to(a, GEN_F64, buf, (size_t)n * sizeof *buf);
    for (int64_t i = 0; i < n; i++)
        if (isnan(buf[i])) {
            check_fail(file, line, "%s[%lld] is NaN", what, (long long)i);
            break;
        }
    free(buf);
}

/* The vjp (cotangent of ones) and jvp (tangent of ones) of fn at x contain no NaN. */
#define CHECK_GRAD_NO_NAN(fn, x) check_grad_no_nan_at(__FILE__, __LINE__, #fn, fn, (x))
static inline void check_grad_no_nan_at(const char *file, int line, const char *what,
                                        fd_fn1 fn, gen_array *x) {
    static fd_fn1 slot;
    slot = fn;
    gen_closure f = fd_closure1(&slot);
    gen_array *out = fn(x);
    if (!out) {
        check_fail(file, line, "%s failed: %s", what, gen_error_message());
        return;
    }
    gen_array *cot = gen_ones(GEN_F64, gen_array_ndim(out), gen_array_shape(out));
    gen_array *tan = gen_ones(GEN_F64, gen_array_ndim(x), gen_array_shape(x));
    gen_array *g = NULL, *t = NULL;
    check_count++;
    if (gen_vjp(f, 1, &x, 1, &cot, NULL, &g) != GEN_OK || gen_jvp(f, 1, &x, &tan, 1, NULL, &t) != GEN_OK) {
        check_fail(file, line, "%s: vjp/jvp failed: %s", what, gen_error_message());
        return;
    }
    check_no_nan_at(file, line, what, g);
    check_no_nan_at(file, line, what, t);
}

/* fn(x) gives the same dtype, shape and values (within rtol) as a plain call and under
 * gen_vjp, where x is tracked (the logpdf kernels outside autodiff vs the formulas). */
#define CHECK_SAME_UNDER_AD(fn, x, rtol) check_same_under_ad_at(__FILE__, __LINE__, #fn, fn, (x), (rtol))
static inline void check_same_under_ad_at(const char *file, int line, const char *what,
                                          fd_fn1 fn, gen_array *x, double rtol) {
    static fd_fn1 slot;
    slot = fn;
    gen_array *plain = fn(x), *traced = NULL, *g = NULL;
    check_count++;
    if (!plain || gen_vjp(fd_closure1(&slot), 1, &x, 1, (gen_array *const[]){NULL}, &traced, &g) != GEN_OK) {
        check_fail(file, line, "%s failed: %s", what, gen_error_message());
        return;
    }
    if (gen_array_dtype(plain) != gen_array_dtype(traced) || gen_array_ndim(plain) != gen_array_ndim(traced) ||
        memcmp(gen_array_shape(plain), gen_array_shape(traced), (size_t)gen_array_ndim(plain) * sizeof(int64_t))) {
        check_fail(file, line, "%s: plain and traced results differ in dtype or shape", what);
        return;
    }
    int64_t n = gen_array_size(plain);
    double *want = calloc((size_t)(n ? n : 1), sizeof *want);
    gen_array_copy_to(traced, GEN_F64, want, (size_t)n * sizeof *want);
    check_array_at(file, line, what, plain, want, n, rtol, 0);
    free(want);
}

/* logsumexp over the enumerated values of logpdf is 0 (within 1e-12) for every batch
 * member: the values are reshaped to [K, 1, ..., 1] + event to broadcast over the batch. */
#define CHECK_ENUM_SUMS_TO_ONE(d) check_enum_at(__FILE__, __LINE__, #d, (d))
static inline void check_enum_at(const char *file, int line, const char *what, const gen_dist *d) {
    gen_array *v = gen_dist_enumerate(d);
    check_count++;
    if (!v) {
        check_fail(file, line, "%s: enumerate failed: %s", what, gen_error_message());
        return;
    }
    int64_t shape[GEN_MAX_DIMS];
    int nb = gen_dist_batch_ndim(d), ne = gen_dist_event_ndim(d);
    shape[0] = gen_array_dim(v, 0);
    for (int i = 0; i < nb; i++) shape[1 + i] = 1;
    for (int i = 0; i < ne; i++) shape[1 + nb + i] = gen_dist_event_shape(d)[i];
    gen_array *lp = gen_dist_logpdf(d, gen_reshape(v, 1 + nb + ne, shape));
    gen_array *tot = gen_logsumexp(lp, GEN_AXES(0), false);
    if (!tot) {
        check_fail(file, line, "%s: logpdf of the enumeration failed: %s", what, gen_error_message());
        return;
    }
    int64_t n = gen_array_size(tot);
    double *buf = calloc((size_t)(n ? n : 1), sizeof *buf);
    gen_array_copy_to(tot, GEN_F64, buf, (size_t)n * sizeof *buf);
    for (int64_t i = 0; i < n; i++)
        if (!(fabs(buf[i]) <= 1e-12)) {
            check_fail(file, line, "%s: masses of member %lld sum to exp(%.17g)", what, (long long)i, buf[i]);
            break;
        }
    free(buf);
}

/* Every draw lies in lo..hi. */
#define CHECK_RANGE(s, lo, hi)                                                              \
    do {                                                                                    \
        CHECK(check_item(gen_min((s), 0, NULL, false)) >= (lo));                            \
        CHECK(check_item(gen_max((s), 0, NULL, false)) <= (hi));                            \
    } while (0)

/* gen_dist_support's kind, and that discrete supports have no bijection. */
static inline void check_discrete_support(const gen_dist *d, gen_support_kind kind) {
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == kind);
    CHECK(gen_dist_is_discrete(d));
    CHECK(gen_dist_bijection(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "no bijection onto");
    CHECK(!gen_dist_has_rsample(d));
}

#endif
