/* array_int.h — the array layer's private structures: the array header, its storage,
 * and the internal helpers every op file uses (prefix arr_). */
#ifndef GENC_SRC_ARRAY_INT_H
#define GENC_SRC_ARRAY_INT_H

#include <stdatomic.h>

#include "../core/core.h"
#include "genc/array.h"

struct backend;
struct ad_link;

/* Shared storage, for arrays too large to store inline and for views that share
 * elements (reshape). Refcounted; freed by its backend. */
typedef struct arr_buffer {
    atomic_int refcount;
    const struct backend *backend;
    bool host;   /* backend->host: its memory is host memory (arr_on_host) */
    uint8_t device; /* backend->device (dispatch's check that arguments share one) */
    size_t nbytes;
    void *data;  /* the backend's memory (a device address when !host) */
    /* A deferred elementwise op that computes the elements, NULL once they are computed
     * (lazy.c; arr_ready in backend_api.h forces it). Only a device's buffers have one. */
    _Atomic(struct arr_pending *) pending;
} arr_buffer;

/* Arrays whose elements fit in ARR_INLINE_BYTES live in the same block as the header. */
#define ARR_INLINE_BYTES 64

struct gen_array {
    atomic_int refcount;
    uint8_t dtype;
    uint8_t ndim;
    uint8_t batched;     /* leading axis is the particle axis (batch.c) */
    uint8_t tuple;       /* data holds `size` owned gen_array* items, not numbers (tuple.c) */
    int64_t size;
    int64_t shape[GEN_MAX_DIMS];
    void *data;          /* the first element: a host pointer when arr_on_host(a),
                          * else the device address of the buffer's backend */
    arr_buffer *buf;     /* NULL when the elements are inline */
    struct ad_link *ad;  /* autodiff links while transforms run (autodiff.c) */
    _Alignas(16) unsigned char inline_data[]; /* ARR_INLINE_BYTES when used */
};

/* A new array on the default device (the CPU) with uninitialized elements and refcount
 * 1, owned by nobody yet (the caller): publish it with arr_publish or release it.
 * NULL with the error recorded on failure: out of memory, or a shape that is not valid
 * (arr_shape_count's error, naming fn: the operation the array is for). (arr_alloc_on in
 * backend_api.h: on a given backend.) */
gen_array *arr_alloc(const char *fn, gen_dtype dtype, int ndim, const int64_t *shape);
/* A new 0-d array on the host (arr_alloc's for ndim 0: no shape to check, only memory). */
gen_array *arr_alloc_scalar(gen_dtype dtype);

/* Whether a's elements are in host memory (inline, or a buffer of a host backend):
 * only then may code outside a backend's kernels read a->data. Host-only code checks
 * it, or calls arr_require_host, which records GEN_ERR_MISUSE "<fn>: the array is on
 * device cuda0; copy it to the host first (gen_array_to_host)" and returns its status. */
static inline bool arr_on_host(const gen_array *a) { return !a->buf || a->buf->host; }
gen_status arr_device_fail(const char *fn, const gen_array *a);
/* a's elements readable on the host: a itself (retained) when arr_on_host(a), else a new
 * host copy (a synchronizing copy from its device). The caller releases it. NULL with
 * the error recorded on failure. For host-only code that must read any array (the
 * parameter checks of distributions). */
gen_array *arr_host_ref(const gen_array *a);
static inline gen_status arr_require_host(const char *fn, const gen_array *a) {
    return CORE_UNLIKELY(!arr_on_host(a)) ? arr_device_fail(fn, a) : GEN_OK;
}
/* gen_array_retain of a non-NULL array, inline (the tape retains every argument and
 * output of every op it records). Returns a. */
static inline gen_array *arr_retain(gen_array *a) {
    atomic_fetch_add_explicit(&a->refcount, 1, memory_order_relaxed);
    return a;
}
/* Released arrays (core_dead): a released array's dtype and tuple flag read ARR_DEAD_TAG
 * (the small-block cache marks the blocks it keeps so, and the debug mode the arrays it
 * quarantines), so that the checks that test the tuple flag anyway (op dispatch, the
 * read-out functions) reach their slow path, where arr_dead (its count below zero) tells
 * a released array from a tuple; arr_dead_fail records GEN_ERR_MISUSE "<fn>: <what> is an
 * array f64[2,3] that was already released (use after release)" and returns it;
 * arr_describe writes that description ("an array f64[2,3]", "a batched array f64[4]",
 * "a tuple of 2") into buf and returns buf. */
#define ARR_DEAD_TAG 0xff
static inline bool arr_dead(const gen_array *a) { return core_dead(a); }
gen_status arr_dead_fail(const char *fn, const char *what, const gen_array *a);
const char *arr_describe(const gen_array *a, char *buf, size_t n);
/* A new array header (refcount 1) viewing a's elements with another shape of the same
 * size (shares a's storage). */
gen_array *arr_view(const gen_array *a, int ndim, const int64_t *shape);
/* NULL for a public function fn given a NULL pointer: records GEN_ERR_MISUSE "<fn>: <what>
 * is NULL" unless an error is pending (a NULL array argument usually carries the error
 * of the call that made it: NULL propagates through chains of operations). */
gen_array *arr_null(const char *fn, const char *what);
/* Hands a fresh array to its owner: the innermost scope, or the caller when no scope
 * is open. On OOM releases a and returns NULL. */
gen_array *arr_publish(gen_array *a);
/* Releases through the scope machinery's function-pointer type. */
void arr_release_void(void *a);

/* Batched mode (batch.c): the particle count of the running gen_batch_begin, 0 when
 * off. op_apply hands calls with a batched argument to arr_batch_apply while it is on. */
extern _Thread_local int64_t arr_batch_n;
gen_array *arr_batch_apply(int op, int n_in, gen_array *const *in, const void *p);
/* Turns batched mode off (physical shapes) until arr_batch_resume(saved); for code that
 * computes on physical shapes inside a batched run (gradient rules, distributions). */
static inline int64_t arr_batch_suspend(void) {
    int64_t n = arr_batch_n;
    arr_batch_n = 0;
    return n;
}
static inline void arr_batch_resume(int64_t saved) { arr_batch_n = saved; }
/* Pads batched arguments in place (in[i] replaced by a new view in the current scope)
 * so every batched one has the same per-particle rank as the largest of all n (its
 * particle axis first, then size-1 axes); what elementwise ops and distribution
 * parameters need. Returns the error status (NULL entries propagate). */
gen_status arr_batch_align(int n, gen_array **in);

/* Tuples (tuple.c): an array flagged tuple holds size references to other arrays in
 * its data (as f64 [n] storage: 8 bytes an item). Every reader of numbers rejects it. */
_Static_assert(sizeof(gen_array *) <= sizeof(double), "tuple items are stored as f64 slots");
static inline gen_array *const *arr_tuple_items(const gen_array *t) {
    return (gen_array *const *)t->data;
}
/* Releases a dying tuple's items (gen_array_release, when its count reaches zero). */
void arr_tuple_release_items(gen_array *t);
/* Record GEN_ERR_DTYPE "<op>: argument k is a tuple, not an array of numbers" (or
 * "<op>: <what> is a tuple, ..."); return the status. */
gen_status arr_tuple_arg_fail(const char *op, int k);
gen_status arr_tuple_fail(const char *op, const char *what);
/* gen_array_format of a tuple: "(tuple of 2: f64[] 1, i64[2] [1, 2])". */
gen_status arr_tuple_format(const gen_array *t, char *buf, size_t n);
/* GEN_OK, or the error above when a (non-NULL) is a tuple. */
static inline gen_status arr_check_not_tuple(const char *op, const char *what, const gen_array *a) {
    return CORE_UNLIKELY(a && a->tuple) ? arr_tuple_fail(op, what) : GEN_OK;
}

/* Whether two shapes of n axes are equal: a loop, for the hot paths (shapes have few
 * axes, and a memcmp call costs more than comparing them). */
static inline bool arr_same_axes(const int64_t *a, const int64_t *b, int n) {
    for (int k = 0; k < n; k++)
        if (a[k] != b[k]) return false;
    return true;
}
/* ---- the size of a shape: the one checked computation ----
 * Every array satisfies: no extent is negative, and the product of its nonzero extents
 * is at most ARR_MAX_ELEMS. A 0 extent does not lift the bound, so every sub-product of
 * a valid shape (strides, a kernel's outer and inner counts, a reduction's count, the
 * shape with an axis dropped) fits in int64_t, and so does its size in bytes (at most 8
 * bytes an element; 16 leaves room for a product of the size and a small factor).
 * Allocation (arr_alloc, arr_alloc_on) enforces it for every array, and every place that
 * combines extents into a new shape (broadcasting, creation, concatenation, stacking,
 * a sample shape in front of a distribution's shapes, a particle axis in front of a
 * choice) checks through arr_shape_count, so its error names the operation. */
#define ARR_MAX_ELEMS (INT64_MAX / 16)

/* arr_shape_fits for a shape with a 0 extent, or not valid (out of line). */
bool arr_shape_fits_slow(int ndim, const int64_t *shape, int64_t *count);
/* Whether shape (ndim extents, 0 <= ndim <= GEN_MAX_DIMS) is valid as above; its element
 * count in *count when it is (0 otherwise). Records nothing (for callers with
 * their own message; the others call arr_shape_count). The common case is one
 * overflow-checked multiply chain: a product in 1..ARR_MAX_ELEMS means no extent is 0 or
 * negative (read as unsigned, a negative extent is past the bound); anything else (an
 * empty shape's 0, overflow) takes the slow path, which bounds the nonzero extents. */
static inline bool arr_shape_fits(int ndim, const int64_t *shape, int64_t *count) {
    uint64_t p = 1;
    bool over = false;
    for (int i = 0; i < ndim; i++) over |= __builtin_mul_overflow(p, (uint64_t)shape[i], &p);
    if (CORE_UNLIKELY(over || p - 1 >= (uint64_t)ARR_MAX_ELEMS)) return arr_shape_fits_slow(ndim, shape, count);
    *count = (int64_t)p;
    return true;
}
/* Records why shape is not valid: GEN_ERR_SHAPE "<fn>: dimension 1 is negative (-3) in
 * shape [2,-3]" or "<fn>: shape is too large: [0,4611686018427387904,2147483648]";
 * returns GEN_ERR_SHAPE. */
gen_status arr_shape_fail(const char *fn, int ndim, const int64_t *shape);
/* The element count of shape into *count (0 on failure), or the error of
 * arr_shape_fail naming fn. */
static inline gen_status arr_shape_count(const char *fn, int ndim, const int64_t *shape, int64_t *count) {
    return CORE_UNLIKELY(!arr_shape_fits(ndim, shape, count)) ? arr_shape_fail(fn, ndim, shape) : GEN_OK;
}
/* arr_shape_count for a shape from a caller: also checks 0 <= ndim <= GEN_MAX_DIMS
 * (GEN_ERR_SHAPE) and shape not NULL when ndim > 0 (GEN_ERR_MISUSE), naming op. */
gen_status arr_check_shape(const char *op, int ndim, const int64_t *shape);
/* The element count of a shape already known valid: that of an array, or a part of one
 * (its axes but some: every such sub-product is within the bound above). Unchecked. */
static inline int64_t arr_shape_size(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
}
/* NumPy broadcasting of two shapes into out (ndim in *out_ndim): GEN_ERR_SHAPE naming op
 * and both shapes when they do not broadcast, or when the result is not a valid shape
 * (too large). */
gen_status arr_broadcast_shapes(const char *op, int na, const int64_t *sa, int nb,
                                const int64_t *sb, int *out_ndim, int64_t *out_shape);
/* Element strides (in elements, 0 on broadcast axes) of a seen as shape (ndim, shape),
 * which a broadcasts to. */
void arr_broadcast_strides(const gen_array *a, int ndim, const int64_t *shape,
                           int64_t *strides);
/* Normalizes a possibly negative axis for an array of ndim dims (ndim+1 for
 * insertion points when allow_end); records GEN_ERR_VALUE naming op otherwise. */
gen_status arr_norm_axis(const char *op, int axis, int ndim, int *out);
/* Formats a shape as "[2,3]" into buf (for messages). Returns buf. */
const char *arr_shape_str(int ndim, const int64_t *shape, char *buf, size_t n);
#define ARR_SHAPE_STR_MAX 128

/* dtype helpers. */
gen_dtype arr_promote(gen_dtype a, gen_dtype b);
/* The floating type an op on t computes in: f32 stays f32, everything else f64. */
gen_dtype arr_float_type(gen_dtype t);
static inline int arr_is_float(gen_dtype t) { return t == GEN_F32 || t == GEN_F64; }
/* Element i of a, converted to double. */
double arr_get_f64(const gen_array *a, int64_t i);
/* Stores v, converted to dtype t, at element i of data. */
void arr_set_f64(gen_dtype t, void *data, int64_t i, double v);
/* Converts n elements from type ts at src to type td at dst (the cast kernel). */
void arr_convert(gen_dtype td, void *dst, gen_dtype ts, const void *src, int64_t n);

/* Internal temporaries: op wrappers that create intermediate arrays open a scope
 * (gen_scope_begin), build the result, and close with ARR_SCOPE_RETURN(result), which
 * keeps the result for the caller's scope (or the caller) and frees the rest. */
static inline gen_array *arr_scope_return(gen_array *r) {
    r = gen_scope_return(r);
    gen_scope_end();
    return r;
}

#endif
