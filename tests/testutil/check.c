/* check.c — see check.h. */
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

int check_failures = 0;
int check_count = 0;

void check_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    check_failures++;
}

int check_close_at(const char *file, int line, const char *what, double got, double want,
                   double rtol, double atol) {
    check_count++;
    bool ok;
    if (isnan(want)) ok = isnan(got);
    else if (isinf(want)) ok = got == want;
    else ok = fabs(got - want) <= atol + rtol * fabs(want);
    if (!ok)
        check_fail(file, line, "%s = %.17g, want %.17g (rtol %g, atol %g, rel err %.3g)", what, got,
                   want, rtol, atol, fabs(got - want) / (fabs(want) > 0 ? fabs(want) : 1));
    return ok;
}

int check_array_at(const char *file, int line, const char *what, const gen_array *a,
                   const double *want, int64_t n, double rtol, double atol) {
    check_count++;
    if (!a) {
        check_fail(file, line, "%s is NULL: %s", what, gen_error_message());
        return 0;
    }
    if (gen_array_size(a) != n) {
        check_fail(file, line, "%s has %lld elements, want %lld", what,
                   (long long)gen_array_size(a), (long long)n);
        return 0;
    }
    double *got = malloc((size_t)(n ? n : 1) * sizeof *got);
    gen_array_copy_to(a, GEN_F64, got, (size_t)n * sizeof *got);
    int ok = 1;
    for (int64_t i = 0; i < n && ok; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s[%lld]", what, (long long)i);
        ok = check_close_at(file, line, buf, got[i], want[i], rtol, atol);
    }
    free(got);
    return ok;
}

int check_shape_at(const char *file, int line, const gen_array *a, int ndim, const int64_t *shape) {
    check_count++;
    if (!a) {
        check_fail(file, line, "array is NULL: %s", gen_error_message());
        return 0;
    }
    bool ok = gen_array_ndim(a) == ndim &&
              !memcmp(gen_array_shape(a), shape, (size_t)ndim * sizeof *shape);
    if (!ok) {
        char buf[128] = "";
        size_t u = 0;
        for (int i = 0; i < gen_array_ndim(a); i++)
            u += (size_t)snprintf(buf + u, sizeof buf - u, "%lld ", (long long)gen_array_shape(a)[i]);
        check_fail(file, line, "shape is [%s], want %d dims", buf, ndim);
    }
    return ok;
}

gen_array *check_not_null(const char *file, int line, const char *what, gen_array *a) {
    check_count++;
    if (!a) check_fail(file, line, "%s returned NULL: %s: %s", what,
                       gen_status_name(gen_error_status()), gen_error_message());
    return a;
}

int check_error_at(const char *file, int line, gen_status s, const char *msg) {
    check_count++;
    int ok = gen_error_status() == s && strstr(gen_error_message(), msg) != NULL;
    if (!ok)
        check_fail(file, line, "expected %s containing \"%s\", got %s: \"%s\"", gen_status_name(s),
                   msg, gen_status_name(gen_error_status()), gen_error_message());
    gen_error_clear();
    return ok;
}

double check_item(const gen_array *a) {
    double v = NAN;
    if (gen_item(a, &v) != GEN_OK) check_fail(__FILE__, __LINE__, "check_item: %s", gen_error_message());
    return v;
}

int check_finish(void) {
    if (check_failures) fprintf(stderr, "%d of %d checks FAILED\n", check_failures, check_count);
    else printf("all %d checks passed\n", check_count);
    return check_failures ? 1 : 0;
}

void check_grid_at(const char *file, int line, const char *name,
                   gen_array *(*op)(const gen_array *), check_ref1 ref, int n, const double *x,
                   double rtol, double atol) {
    gen_array *y = check_not_null(file, line, name, op(gen_array_from_f64(1, (int64_t[]){n}, x)));
    if (!y) return;
    const double *d = gen_array_data(y);
    for (int i = 0; i < n; i++) {
        char what[96];
        snprintf(what, sizeof what, "%s(%.17g)", name, x[i]);
        check_close_at(file, line, what, d[i], ref(x[i]), rtol, atol);
    }
}

void *check_counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    check_counting *c = ud;
    if (nsize == 0) {
        if (ptr) c->live_blocks--, c->live_bytes -= (long)osize;
        free(ptr);
        return NULL;
    }
    if (c->fail_after >= 0 && c->calls++ >= c->fail_after) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) {
        if (!ptr) c->live_blocks++;
        c->live_bytes += (long)nsize - (long)(ptr ? osize : 0);
    }
    return p;
}

const char *check_only;
