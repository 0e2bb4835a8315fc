/* array.c — array headers and storage: allocation, views, refcounts, publishing into
 * scopes, and the dtype conversions every other file uses. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array_int.h"
#include "autodiff_int.h"
#include "backend_api.h"
#include "dtype_convert.h"

static const size_t dtype_sizes[] = {[GEN_BOOL] = 1, [GEN_I64] = 8, [GEN_F32] = 4, [GEN_F64] = 8};
static const char *const dtype_names[] = {
    [GEN_BOOL] = "bool", [GEN_I64] = "i64", [GEN_F32] = "f32", [GEN_F64] = "f64"};

size_t gen_dtype_size(gen_dtype t) { return (unsigned)t <= GEN_F64 ? dtype_sizes[t] : 0; }
const char *gen_dtype_name(gen_dtype t) { return (unsigned)t <= GEN_F64 ? dtype_names[t] : "?"; }

gen_dtype arr_promote(gen_dtype a, gen_dtype b) { return a > b ? a : b; }
gen_dtype arr_float_type(gen_dtype t) { return t == GEN_F32 ? GEN_F32 : GEN_F64; }

bool arr_shape_fits_slow(int ndim, const int64_t *shape, int64_t *count) {
    uint64_t nonzero = 1;
    bool zero = false, over = false;
    for (int i = 0; i < ndim; i++) {
        uint64_t d = (uint64_t)shape[i];
        zero |= d == 0;
        over |= __builtin_mul_overflow(nonzero, d + (d == 0), &nonzero);
    }
    bool ok = !over && nonzero <= (uint64_t)ARR_MAX_ELEMS;
    *count = zero || !ok ? 0 : (int64_t)nonzero;
    return ok;
}

gen_status arr_shape_fail(const char *fn, int ndim, const int64_t *shape) {
    char buf[ARR_SHAPE_STR_MAX];
    arr_shape_str(ndim, shape, buf, sizeof buf);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: dimension %d is negative (%lld) in shape %s", fn, i,
                            (long long)shape[i], buf);
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: shape is too large: %s (its nonzero extents multiply past %lld elements)",
                    fn, buf, (long long)ARR_MAX_ELEMS);
}

gen_status arr_check_shape(const char *op, int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > GEN_MAX_DIMS)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %d dimensions (at most %d are supported)", op, ndim,
                        GEN_MAX_DIMS);
    if (ndim > 0 && !shape) return GEN_FAIL(GEN_ERR_MISUSE, "%s: shape is NULL", op);
    int64_t n;
    return arr_shape_count(op, ndim, shape, &n);
}

const char *arr_shape_str(int ndim, const int64_t *shape, char *buf, size_t n) {
    size_t used = 0;
    used += (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? ",%lld" : "%lld", (long long)shape[i]);
    if (used < n) snprintf(buf + used, n - used, "]");
    return buf;
}

gen_status arr_norm_axis(const char *op, int axis, int ndim, int *out) {
    int a = axis < 0 ? axis + ndim : axis;
    if (a < 0 || a >= ndim)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: axis %d is out of range for %d dimensions", op, axis,
                        ndim);
    *out = a;
    return GEN_OK;
}

gen_status arr_broadcast_shapes(const char *op, int na, const int64_t *sa, int nb,
                                const int64_t *sb, int *out_ndim, int64_t *out_shape) {
    int n = na > nb ? na : nb;
    int64_t tmp[GEN_MAX_DIMS], size;
    uint64_t p = 1; /* the product as arr_shape_fits forms it, in the same loop */
    bool over = false;
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX], s3[ARR_SHAPE_STR_MAX];
    for (int i = 0; i < n; i++) {
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t da = ia >= 0 ? sa[ia] : 1, db = ib >= 0 ? sb[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: shapes %s and %s do not broadcast", op,
                            arr_shape_str(na, sa, s1, sizeof s1), arr_shape_str(nb, sb, s2, sizeof s2));
        tmp[i] = da == 1 ? db : da;
        over |= __builtin_mul_overflow(p, (uint64_t)tmp[i], &p);
    }
    if (CORE_UNLIKELY(over || p - 1 >= (uint64_t)ARR_MAX_ELEMS) && !arr_shape_fits_slow(n, tmp, &size))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: shapes %s and %s broadcast to %s, which is too large", op,
                        arr_shape_str(na, sa, s1, sizeof s1), arr_shape_str(nb, sb, s2, sizeof s2),
                        arr_shape_str(n, tmp, s3, sizeof s3));
    memcpy(out_shape, tmp, (size_t)n * sizeof *tmp);
    *out_ndim = n;
    return GEN_OK;
}

void arr_broadcast_strides(const gen_array *a, int ndim, const int64_t *shape, int64_t *strides) {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        int ia = i - (ndim - a->ndim);
        if (ia >= 0 && a->shape[ia] == shape[i] && shape[i] != 1) {
            strides[i] = s;
            s *= a->shape[ia];
        } else {
            strides[i] = 0;
        }
    }
}

/* ---- allocation ---- */

static size_t header_bytes(size_t inline_bytes) { return sizeof(gen_array) + inline_bytes; }

/* A header for an array of size elements with inline storage when inl. */
static inline gen_array *header_new(gen_dtype dtype, int ndim, const int64_t *shape, int64_t size, bool inl) {
    gen_array *a = core_alloc_small(header_bytes(inl ? ARR_INLINE_BYTES : 0));
    if (!a) return NULL;
    atomic_init(&a->refcount, 1);
    a->dtype = (uint8_t)dtype;
    a->ndim = (uint8_t)ndim;
    a->batched = 0;
    a->tuple = 0;
    a->size = size;
    if (ndim == 1) a->shape[0] = shape[0]; /* vectors, the common case: no memcpy call */
    else if (ndim) memcpy(a->shape, shape, (size_t)ndim * sizeof *shape);
    a->ad = NULL;
    a->buf = NULL;
    a->data = a->inline_data;
    return a;
}

gen_array *arr_alloc_on(const char *fn, const backend *b, gen_dtype dtype, int ndim, const int64_t *shape) {
    if (ndim == 0 && b->host) return header_new(dtype, 0, NULL, 1, true); /* scalars: the most common case */
    int64_t size;
    if (CORE_UNLIKELY((unsigned)ndim > GEN_MAX_DIMS)) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: %d dimensions (at most %d are supported)", fn, ndim, GEN_MAX_DIMS);
        return NULL;
    }
    if (arr_shape_count(fn, ndim, shape, &size) != GEN_OK) return NULL;
    size_t nbytes = (size_t)size * gen_dtype_size(dtype);
    bool inl = b->host && nbytes <= ARR_INLINE_BYTES; /* a device's arrays live in its memory */
    gen_array *a = header_new(dtype, ndim, shape, size, inl);
    if (!a || inl) return a;
    a->buf = arr_buffer_new(b, nbytes ? nbytes : 1);
    if (!a->buf) {
        core_free_small(a, header_bytes(0));
        return NULL;
    }
    a->data = a->buf->data;
    return a;
}

gen_array *arr_alloc_scalar(gen_dtype dtype) { return header_new(dtype, 0, NULL, 1, true); }

gen_array *arr_alloc(const char *fn, gen_dtype dtype, int ndim, const int64_t *shape) {
    if (ndim == 0) return header_new(dtype, 0, NULL, 1, true); /* the default device is the host */
    return arr_alloc_on(fn, arr_default_backend(), dtype, ndim, shape);
}

gen_array *arr_view(const gen_array *a, int ndim, const int64_t *shape) {
    if (!a->buf) {
        gen_array *v = arr_alloc("view", a->dtype, ndim, shape);
        if (v) memcpy(v->data, a->data, (size_t)a->size * gen_dtype_size(a->dtype));
        return v;
    }
    gen_array *v = core_alloc_small(header_bytes(0));
    if (!v) return NULL;
    atomic_init(&v->refcount, 1);
    v->dtype = a->dtype;
    v->ndim = (uint8_t)ndim;
    v->batched = 0;
    v->tuple = 0;
    v->size = a->size;
    if (ndim) memcpy(v->shape, shape, (size_t)ndim * sizeof *shape);
    v->ad = NULL;
    v->buf = a->buf;
    atomic_fetch_add_explicit(&a->buf->refcount, 1, memory_order_relaxed);
    v->data = a->data;
    return v;
}

gen_array *gen_array_retain(gen_array *a) {
    if (a && CORE_UNLIKELY(atomic_fetch_add_explicit(&a->refcount, 1, memory_order_relaxed) <= 0)) {
        arr_dead_fail("gen_array_retain", "the array", a);
        return NULL;
    }
    return a;
}

/* ---- released arrays (core_dead; the debug mode of genc/core.h) ---- */

const char *arr_describe(const gen_array *a, char *buf, size_t n) {
    char s[ARR_SHAPE_STR_MAX];
    if (a->tuple) snprintf(buf, n, "a tuple of %lld", (long long)a->size);
    else
        snprintf(buf, n, "a%s array %s%s", a->batched ? " batched" : "n", gen_dtype_name((gen_dtype)a->dtype),
                 arr_shape_str(a->ndim, a->shape, s, sizeof s));
    return buf;
}

gen_status arr_dead_fail(const char *fn, const char *what, const gen_array *a) {
    return core_dead_fail(fn, what, a, "an array");
}

/* The description of a quarantined array: its header as it was, but for the dtype and
 * tuple flag, kept in aux. */
static void describe_dead(const void *obj, uint64_t aux, char *buf, size_t n) {
    gen_array h;
    memcpy(&h, obj, sizeof h);
    h.dtype = (uint8_t)aux;
    h.tuple = (uint8_t)(aux >> 8);
    arr_describe(&h, buf, n);
}

/* Frees the header of bytes of a dying array in the debug mode: marked (see ARR_DEAD_TAG)
 * and quarantined. (Otherwise the small-block cache marks the blocks it keeps.) */
static CORE_NOINLINE void free_debug(gen_array *a, size_t bytes) {
    uint64_t aux = a->dtype | (uint64_t)a->tuple << 8;
    a->tuple = ARR_DEAD_TAG;
    a->dtype = ARR_DEAD_TAG;
    core_quarantine(a, bytes, true, NULL, describe_dead, aux);
}

static CORE_NOINLINE void double_release(gen_array *a) { core_double_release("gen_array_release", a, "an array"); }

static CORE_ALWAYS_INLINE void header_free(gen_array *a, size_t bytes) {
    if (CORE_UNLIKELY(core_debug())) free_debug(a, bytes);
    else core_free_small(a, bytes);
}

/* gen_array_release of a non-NULL array, inline in both entry points (the scopes release
 * through arr_release_void): the rare paths are calls. */
static CORE_ALWAYS_INLINE void release(gen_array *a) {
    int old = atomic_fetch_sub_explicit(&a->refcount, 1, memory_order_acq_rel);
    if (old != 1) { /* not the last reference; or none was left */
        if (CORE_UNLIKELY(old <= 0)) double_release(a);
        return;
    }
    if (a->ad) ad_links_free(a);
    if (CORE_UNLIKELY(a->tuple)) arr_tuple_release_items(a);
    if (a->buf) {
        arr_buffer_release(a->buf);
        header_free(a, header_bytes(0));
    } else {
        header_free(a, header_bytes(ARR_INLINE_BYTES));
    }
}

void gen_array_release(gen_array *a) {
    if (a) release(a);
}

void arr_release_void(void *a) { release(a); } /* scopes own no NULL */

gen_array *arr_null(const char *fn, const char *what) {
    if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what);
    return NULL;
}

gen_array *arr_publish(gen_array *a) {
    if (!a) return NULL;
    gen_status s = core_scope_own(a, arr_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return a; /* MISUSE: no scope, caller owns */
    gen_array_release(a);
    return NULL;
}

gen_array *gen_scope_return(gen_array *a) {
    if (!a || !gen_array_retain(a)) return NULL;
    gen_status s = core_scope_own_parent(a, arr_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return a;
    gen_array_release(a);
    return NULL;
}

/* ---- dtype conversion ---- */

double arr_get_f64(const gen_array *a, int64_t i) {
    switch ((gen_dtype)a->dtype) {
    case GEN_BOOL: return ((const uint8_t *)a->data)[i] ? 1.0 : 0.0;
    case GEN_I64: return (double)((const int64_t *)a->data)[i];
    case GEN_F32: return (double)((const float *)a->data)[i];
    case GEN_F64: return ((const double *)a->data)[i];
    }
    return NAN;
}

void arr_set_f64(gen_dtype t, void *data, int64_t i, double v) {
    switch (t) {
    case GEN_BOOL: ((uint8_t *)data)[i] = v != 0.0; break;
    case GEN_I64: ((int64_t *)data)[i] = cvt_f64_to_i64(v); break;
    case GEN_F32: ((float *)data)[i] = cvt_f64_to_f32(v); break;
    case GEN_F64: ((double *)data)[i] = v; break;
    }
}

#define CONVERT_LOOP(TD, TS, EXPR)                                                          \
    do {                                                                                    \
        TD *d_ = dst;                                                                       \
        const TS *s_ = src;                                                                 \
        for (int64_t i = 0; i < n; i++) {                                                   \
            TS x = s_[i];                                                                   \
            d_[i] = (EXPR);                                                                 \
        }                                                                                   \
    } while (0)

void arr_convert(gen_dtype td, void *dst, gen_dtype ts, const void *src, int64_t n) {
    if (n == 0) return; /* dst/src may be NULL then; memcpy(NULL, ..., 0) is undefined */
    if (td == ts) {
        memcpy(dst, src, (size_t)n * gen_dtype_size(td));
        return;
    }
    switch (td * 4 + ts) {
    case GEN_BOOL * 4 + GEN_I64: CONVERT_LOOP(uint8_t, int64_t, x != 0); break;
    case GEN_BOOL * 4 + GEN_F32: CONVERT_LOOP(uint8_t, float, x != 0); break;
    case GEN_BOOL * 4 + GEN_F64: CONVERT_LOOP(uint8_t, double, x != 0); break;
    case GEN_I64 * 4 + GEN_BOOL: CONVERT_LOOP(int64_t, uint8_t, x != 0); break;
    case GEN_I64 * 4 + GEN_F32: CONVERT_LOOP(int64_t, float, cvt_f64_to_i64(x)); break;
    case GEN_I64 * 4 + GEN_F64: CONVERT_LOOP(int64_t, double, cvt_f64_to_i64(x)); break;
    case GEN_F32 * 4 + GEN_BOOL: CONVERT_LOOP(float, uint8_t, x != 0); break;
    case GEN_F32 * 4 + GEN_I64: CONVERT_LOOP(float, int64_t, (float)x); break;
    case GEN_F32 * 4 + GEN_F64: CONVERT_LOOP(float, double, cvt_f64_to_f32(x)); break;
    case GEN_F64 * 4 + GEN_BOOL: CONVERT_LOOP(double, uint8_t, x != 0); break;
    case GEN_F64 * 4 + GEN_I64: CONVERT_LOOP(double, int64_t, (double)x); break;
    case GEN_F64 * 4 + GEN_F32: CONVERT_LOOP(double, float, (double)x); break;
    }
}
