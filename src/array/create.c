/* create.c — creating arrays from values and reading them back out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array_int.h"
#include "autodiff_int.h"
#include "backend_api.h"

static gen_status check_dtype(const char *fn, gen_dtype t) {
    if ((unsigned)t > GEN_F64) return GEN_FAIL(GEN_ERR_DTYPE, "%s: unknown dtype %d", fn, (int)t);
    return GEN_OK;
}

/* A new array for fn; the allocation checks the shape (arr_shape_count, naming fn). */
static gen_array *new_checked(const char *fn, gen_dtype t, int ndim, const int64_t *shape) {
    if (check_dtype(fn, t) != GEN_OK) return NULL;
    if (CORE_UNLIKELY(ndim > 0 && !shape)) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: shape is NULL", fn);
        return NULL;
    }
    return arr_alloc(fn, t, ndim, shape);
}

static gen_array *array_from(const char *fn, gen_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    gen_array *a = new_checked(fn, dtype, ndim, shape);
    if (!a) return NULL;
    if (!data && a->size) {
        gen_array_release(a);
        GEN_FAIL(GEN_ERR_MISUSE, "%s: data is NULL", fn);
        return NULL;
    }
    if (a->size) memcpy(a->data, data, (size_t)a->size * gen_dtype_size(dtype));
    return arr_publish(arr_to_creation_device(fn, a));
}

gen_array *gen_array_from(gen_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    return array_from("gen_array_from", dtype, ndim, shape, data);
}

gen_array *gen_array_from_f64(int ndim, const int64_t *shape, const double *data) {
    return array_from("gen_array_from_f64", GEN_F64, ndim, shape, data);
}

/* gen_full's array made on a device's memory by its fill (no host copy); NULL when the
 * default device is the host or the array is small (made on the host). */
static gen_array *full_on_device(const char *fn, gen_dtype dtype, int ndim, const int64_t *shape, double value,
                                 bool *failed) {
    const backend *b = arr_creation_be;
    *failed = false;
    if (!b || !b->fill || check_dtype(fn, dtype) != GEN_OK || (ndim > 0 && !shape)) return NULL;
    int64_t n;
    if (!arr_shape_fits(ndim, shape, &n) || (size_t)n * gen_dtype_size(dtype) <= ARR_INLINE_BYTES) return NULL;
    gen_array *a = arr_alloc_on(fn, b, dtype, ndim, shape);
    if (a && b->fill(a->data, dtype, a->size, value) == GEN_OK) return arr_publish(a);
    gen_array_release(a);
    *failed = true;
    return NULL;
}

static gen_array *full(const char *fn, gen_dtype dtype, int ndim, const int64_t *shape, double value) {
    bool failed;
    gen_array *a = full_on_device(fn, dtype, ndim, shape, value, &failed);
    if (a || failed) return a;
    a = new_checked(fn, dtype, ndim, shape);
    if (!a) return NULL;
    if (dtype == GEN_F64) {
        double *d = a->data;
        for (int64_t i = 0; i < a->size; i++) d[i] = value;
    } else {
        for (int64_t i = 0; i < a->size; i++) arr_set_f64(dtype, a->data, i, value);
    }
    return arr_publish(arr_to_creation_device(fn, a));
}

gen_array *gen_full(gen_dtype dtype, int ndim, const int64_t *shape, double value) {
    return full("gen_full", dtype, ndim, shape, value);
}

gen_array *gen_zeros(gen_dtype dtype, int ndim, const int64_t *shape) {
    if (arr_creation_be) return full("gen_zeros", dtype, ndim, shape, 0.0);
    gen_array *a = new_checked("gen_zeros", dtype, ndim, shape);
    if (!a) return NULL;
    memset(a->data, 0, (size_t)a->size * gen_dtype_size(dtype)); /* 0.0 is all-zero bits */
    return arr_publish(a);
}

gen_array *gen_ones(gen_dtype dtype, int ndim, const int64_t *shape) {
    return full("gen_ones", dtype, ndim, shape, 1.0);
}

gen_array *gen_scalar(double v) {
    gen_array *a = arr_alloc_scalar(GEN_F64);
    if (a) *(double *)a->data = v;
    return arr_publish(a);
}
gen_array *gen_scalar_f32(float v) {
    gen_array *a = arr_alloc_scalar(GEN_F32);
    if (a) *(float *)a->data = v;
    return arr_publish(a);
}
gen_array *gen_scalar_i64(int64_t v) {
    gen_array *a = arr_alloc_scalar(GEN_I64);
    if (a) *(int64_t *)a->data = v;
    return arr_publish(a);
}
gen_array *gen_scalar_bool(bool v) {
    gen_array *a = arr_alloc_scalar(GEN_BOOL);
    if (a) *(uint8_t *)a->data = v;
    return arr_publish(a);
}

gen_array *gen_arange(double start, double stop, double step, gen_dtype dtype) {
    if (check_dtype("gen_arange", dtype) != GEN_OK) return NULL;
    if (step == 0 || !isfinite(start) || !isfinite(stop) || !isfinite(step)) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_arange: needs finite start, stop and a nonzero step (got %g, %g, %g)",
                 start, stop, step);
        return NULL;
    }
    double n = ceil((stop - start) / step);
    if (!(n < 0x1p62)) { /* also inf and nan from an overflowing stop - start */
        GEN_FAIL(GEN_ERR_SHAPE, "gen_arange: too many elements (start %g, stop %g, step %g)",
                 start, stop, step);
        return NULL;
    }
    int64_t len = n > 0 ? (int64_t)n : 0;
    gen_array *a = new_checked("gen_arange", dtype, 1, &len);
    if (!a) return NULL;
    /* Integral start and step give exact i64 values even beyond 2^53, where
     * start + i * step in double would round (the bounds keep i * step in range). */
    bool exact = dtype == GEN_I64 && start == trunc(start) && step == trunc(step) &&
                 fabs(start) < 0x1p61 && fabs(step) < 0x1p61 && fabs(stop) < 0x1p61;
    for (int64_t i = 0; i < len; i++) {
        if (exact) ((int64_t *)a->data)[i] = (int64_t)start + i * (int64_t)step;
        else arr_set_f64(dtype, a->data, i, start + (double)i * step);
    }
    return arr_publish(arr_to_creation_device("gen_arange", a));
}

gen_array *gen_linspace(double lo, double hi, int64_t n) {
    if (n < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_linspace: n must be at least 1, got %lld", (long long)n);
        return NULL;
    }
    gen_array *a = new_checked("gen_linspace", GEN_F64, 1, &n);
    if (!a) return NULL;
    double *d = a->data;
    double step = n > 1 ? (hi - lo) / (double)(n - 1) : 0.0;
    if (isinf(step) && isfinite(lo) && isfinite(hi)) /* hi - lo overflowed */
        step = hi / (double)(n - 1) - lo / (double)(n - 1);
    for (int64_t i = 0; i < n; i++) d[i] = lo + (double)i * step;
    d[n - 1] = n > 1 ? hi : lo; /* exact endpoint */
    return arr_publish(arr_to_creation_device("gen_linspace", a));
}

gen_array *gen_eye(int64_t n, gen_dtype dtype) {
    if (n < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_eye: n must be >= 0, got %lld", (long long)n);
        return NULL;
    }
    gen_array *a = new_checked("gen_eye", dtype, 2, (int64_t[]){n, n});
    if (!a) return NULL;
    memset(a->data, 0, (size_t)a->size * gen_dtype_size(dtype));
    for (int64_t i = 0; i < n; i++) arr_set_f64(dtype, a->data, i * n + i, 1.0);
    return arr_publish(arr_to_creation_device("gen_eye", a));
}

gen_array *gen_one_hot(const gen_array *indices, int64_t k, gen_dtype dtype) {
    if (!indices) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_one_hot: indices is NULL");
        return NULL;
    }
    if (arr_check_not_tuple("gen_one_hot", "indices", indices) != GEN_OK) return NULL;
    if (indices->dtype != GEN_I64) {
        GEN_FAIL(GEN_ERR_DTYPE, "gen_one_hot: indices must be i64, got %s", gen_dtype_name(indices->dtype));
        return NULL;
    }
    if (indices->ndim == GEN_MAX_DIMS || k < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_one_hot: k must be >= 0 and indices have < %d dims", GEN_MAX_DIMS);
        return NULL;
    }
    int64_t shape[GEN_MAX_DIMS];
    memcpy(shape, indices->shape, (size_t)indices->ndim * sizeof *shape);
    shape[indices->ndim] = k;
    const backend *dev = arr_backend_of(indices);
    if (!dev->host) { /* through the host; the result goes back to the indices' device */
        gen_array *h = arr_host_ref(indices);
        gen_array *r = h ? gen_one_hot(h, k, dtype) : NULL;
        if (h) gen_array_release(h);
        return r ? gen_array_to_device(r, dev->device) : NULL;
    }
    const int64_t *idx = indices->data;
    for (int64_t i = 0; i < indices->size; i++)
        if (idx[i] < 0 || idx[i] >= k) {
            GEN_FAIL(GEN_ERR_INDEX, "gen_one_hot: index %lld at position %lld is outside 0..%lld",
                     (long long)idx[i], (long long)i, (long long)k - 1);
            return NULL;
        }
    gen_array *a = new_checked("gen_one_hot", dtype, indices->ndim + 1, shape);
    if (!a) return NULL;
    memset(a->data, 0, (size_t)a->size * gen_dtype_size(dtype));
    for (int64_t i = 0; i < indices->size; i++) arr_set_f64(dtype, a->data, i * k + idx[i], 1.0);
    return arr_publish(a);
}

/* ---- queries ---- */

/* The queries answer for a released array as for NULL, recording the error: the slow
 * paths are tail calls, so the fast ones keep no frame. */
static CORE_NOINLINE gen_dtype dead_dtype(const gen_array *a) {
    arr_dead_fail("gen_array_dtype", "the array", a);
    return GEN_F64;
}
static CORE_NOINLINE int64_t dead_int(const char *fn, const gen_array *a) {
    arr_dead_fail(fn, "the array", a);
    return 0;
}
static CORE_NOINLINE const void *dead_ptr(const char *fn, const gen_array *a) {
    arr_dead_fail(fn, "the array", a);
    return NULL;
}

gen_dtype gen_array_dtype(const gen_array *a) {
    if (!a) return GEN_F64;
    return CORE_UNLIKELY(arr_dead(a)) ? dead_dtype(a) : (gen_dtype)a->dtype;
}
int gen_array_ndim(const gen_array *a) {
    if (!a) return 0;
    return CORE_UNLIKELY(arr_dead(a)) ? (int)dead_int("gen_array_ndim", a) : a->ndim;
}
const int64_t *gen_array_shape(const gen_array *a) {
    if (!a) return NULL;
    return CORE_UNLIKELY(arr_dead(a)) ? dead_ptr("gen_array_shape", a) : a->shape;
}
int64_t gen_array_size(const gen_array *a) {
    if (!a) return 0;
    return CORE_UNLIKELY(arr_dead(a)) ? dead_int("gen_array_size", a) : a->size;
}
static CORE_NOINLINE const void *data_slow(const gen_array *a) {
    if (a->tuple == ARR_DEAD_TAG && arr_dead(a)) return dead_ptr("gen_array_data", a);
    if (a->buf && !a->buf->host) {
        arr_device_fail("gen_array_data", a);
        return NULL;
    }
    return a->data;
}

/* The fast path: an array of this thread's host memory (or a tuple, whose data are its
 * items), not released. */
const void *gen_array_data(const gen_array *a) {
    if (CORE_UNLIKELY(!a)) return NULL;
    if (ad_captured(a)) ad_capture_refuse(a, "gen_array_data");
    if (CORE_UNLIKELY(a->tuple == ARR_DEAD_TAG || (a->buf != NULL && !a->buf->host))) return data_slow(a);
    return a->data;
}

int64_t gen_array_dim(const gen_array *a, int axis) {
    if (!a) return -1;
    if (CORE_UNLIKELY(arr_dead(a))) return dead_int("gen_array_dim", a) - 1;
    int ax = axis < 0 ? axis + a->ndim : axis;
    return ax >= 0 && ax < a->ndim ? a->shape[ax] : -1;
}

/* a must be an array of numbers (not NULL, not a tuple) in host memory. */
static gen_status check_arg(const char *fn, const gen_array *a) {
    if (a && CORE_UNLIKELY(a->tuple) && arr_dead(a)) return arr_dead_fail(fn, "the array", a);
    if (a) return a->tuple ? arr_check_not_tuple(fn, "argument 0", a) : arr_require_host(fn, a);
    if (core_error_pending()) return core_error_pending();
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: the array is NULL", fn);
}

/* The reads below on an array of another device: the same read of a host copy. */
#define READ_THROUGH_HOST(name, call)                                                      \
    do {                                                                                   \
        if (a && !a->tuple && !arr_on_host(a)) {                                           \
            if (ad_captured(a)) ad_capture_refuse(a, name);                                \
            gen_array *h = arr_host_ref(a);                                                \
            if (!h) return core_error_pending();                                           \
            gen_status st_ = call;                                                         \
            gen_array_release(h);                                                          \
            return st_;                                                                    \
        }                                                                                  \
    } while (0)

gen_status gen_item(const gen_array *a, double *out) {
    READ_THROUGH_HOST("gen_item", gen_item(h, out));
    gen_status st = check_arg("gen_item", a);
    if (st != GEN_OK) return st;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_item: out is NULL");
    if (ad_captured(a)) ad_capture_refuse(a, "gen_item");
    if (a->size != 1) {
        char s[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "gen_item: needs a single element, got shape %s",
                        arr_shape_str(a->ndim, a->shape, s, sizeof s));
    }
    *out = arr_get_f64(a, 0);
    return GEN_OK;
}

gen_status gen_item_i64(const gen_array *a, int64_t *out) {
    READ_THROUGH_HOST("gen_item_i64", gen_item_i64(h, out));
    gen_status st = check_arg("gen_item_i64", a);
    if (st != GEN_OK) return st;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_item_i64: out is NULL");
    if (ad_captured(a)) ad_capture_refuse(a, "gen_item_i64");
    if (a->size != 1) {
        char s[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "gen_item_i64: needs a single element, got shape %s",
                        arr_shape_str(a->ndim, a->shape, s, sizeof s));
    }
    arr_convert(GEN_I64, out, (gen_dtype)a->dtype, a->data, 1);
    return GEN_OK;
}

gen_status gen_array_copy_to(const gen_array *a, gen_dtype dtype, void *buf, size_t nbytes) {
    READ_THROUGH_HOST("gen_array_copy_to", gen_array_copy_to(h, dtype, buf, nbytes));
    gen_status st = check_arg("gen_array_copy_to", a);
    if (st != GEN_OK) return st;
    if ((st = check_dtype("gen_array_copy_to", dtype)) != GEN_OK) return st;
    if (ad_captured(a)) ad_capture_refuse(a, "gen_array_copy_to");
    size_t need = (size_t)a->size * gen_dtype_size(dtype);
    if (need && !buf) return GEN_FAIL(GEN_ERR_MISUSE, "gen_array_copy_to: buf is NULL (%zu bytes needed)", need);
    if (nbytes < need)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_array_copy_to: buffer of %zu bytes, need %zu", nbytes, need);
    if (a->size) arr_convert(dtype, buf, (gen_dtype)a->dtype, a->data, a->size); /* buf may be NULL */
    return GEN_OK;
}

/* Appends text to buf, tracking how much is used (truncates safely, stays
 * NUL-terminated). */
static void put(char *buf, size_t n, size_t *used, const char *text) {
    if (*used >= n) return;
    int w = snprintf(buf + *used, n - *used, "%s", text);
    if (w > 0) *used += (size_t)w;
}

/* Element i of a as text. i64 is printed from the integer itself: through double it
 * would lose digits beyond 2^53 (and INT64_MAX would overflow converting back). */
static void format_elem(const gen_array *a, int64_t i, char *s, size_t n) {
    switch ((gen_dtype)a->dtype) {
    case GEN_I64: snprintf(s, n, "%lld", (long long)((const int64_t *)a->data)[i]); break;
    case GEN_BOOL: snprintf(s, n, "%s", ((const uint8_t *)a->data)[i] ? "true" : "false"); break;
    default: snprintf(s, n, "%.6g", arr_get_f64(a, i)); break;
    }
}

gen_status gen_array_format(const gen_array *a, char *buf, size_t n) {
    gen_status st = a && a->tuple && !arr_dead(a) ? GEN_OK : check_arg("gen_array_format", a);
    if (st != GEN_OK) return st;
    if (!buf || n == 0) return GEN_FAIL(GEN_ERR_MISUSE, "gen_array_format: empty buffer");
    if (a->tuple) return arr_tuple_format(a, buf, n);
    char s[ARR_SHAPE_STR_MAX];
    size_t used = 0;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, n, "%s%s ", gen_dtype_name(a->dtype),
                             arr_shape_str(a->ndim, a->shape, s, sizeof s));
    for (int64_t i = 0; i < a->size && used < n; i++) {
        int64_t rem = i;
        for (int d = a->ndim - 1; d >= 0; d--) { /* open the axes that start here */
            if (rem % a->shape[d]) break;
            rem /= a->shape[d];
            put(buf, n, &used, "[");
        }
        char e[32];
        format_elem(a, i, e, sizeof e);
        put(buf, n, &used, e);
        rem = i + 1;
        for (int d = a->ndim - 1; d >= 0; d--) { /* close the axes that end here */
            if (rem % a->shape[d]) break;
            rem /= a->shape[d];
            put(buf, n, &used, "]");
        }
        if (i + 1 < a->size) put(buf, n, &used, ", ");
    }
    if (a->size == 0) put(buf, n, &used, "[]");
    return GEN_OK;
}
