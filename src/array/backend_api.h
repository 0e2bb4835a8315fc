/* backend_api.h — the interface a compute backend implements, declared by the array
 * layer (dependency inversion: the array layer dispatches through it and never includes
 * src/backend; src/backend implements backends and fills the registry below).
 *
 * A backend owns memory for buffers and a kernel per op (indexed by op id; NULL means
 * "not supported here", which dispatch reports as GEN_ERR_UNSUPPORTED). The CPU backend
 * (src/backend/cpu) is the reference and device GEN_DEVICE_CPU; a CUDA backend (a later
 * issue) registers itself with backend_register (src/backend/backend.h) and implements
 * the same table on device memory. */
#ifndef GENC_SRC_BACKEND_API_H
#define GENC_SRC_BACKEND_API_H

#include "op.h"

typedef struct backend {
    const char *name;  /* the device's name in messages ("cpu") */
    gen_device device; /* its index in arr_backend_table (set when registered) */
    bool host;         /* its memory is host memory: gen_array_data may read it, small
                        * arrays may live inline in their header */
    /* Memory for nbytes; NULL (with the error recorded) on failure. */
    void *(*mem_alloc)(size_t nbytes);
    void (*mem_free)(void *p, size_t nbytes);
    /* Copies between this backend's memory and the host. to_host returns once the
     * elements are on the host (it waits for the work queued before it); from_host may
     * return before the copy is done (host_src may be reused at once). */
    gen_status (*to_host)(void *host_dst, const void *dev_src, size_t nbytes);
    gen_status (*from_host)(void *dev_dst, const void *host_src, size_t nbytes);
    /* Device backends: n elements of dtype at dst set to value (queued); waits for the
     * queued work (reporting a failure found on the device); the native queue the
     * backend runs its kernels on (a cudaStream_t), for code of higher layers that
     * launches its own kernels on the device (random draws, compiled kernels). NULL on
     * the host backend. */
    gen_status (*fill)(void *dst, gen_dtype dtype, int64_t n, double value);
    gen_status (*synchronize)(void);
    /* Optional (NULL: none): n bytes of host memory the device reads and writes in place
     * (pinned and mapped), *dev its address on the device; NULL with the error recorded.
     * Small records a kernel writes (a failure found) are read there after synchronize,
     * without a copy. */
    void *(*mapped_alloc)(size_t n, void **dev);
    void (*mapped_free)(void *host);
    void *queue;
    int ordinal; /* the GPU's number for its runtime (CUDA's device ordinal) */
    /* kernels[op]: the op's implementation on this backend, or NULL. */
    const op_kernel_fn *kernels;
    /* Device backends: scalar_args[op] when the op's kernel takes one-element host
     * (inline) arguments as they are (by value), so dispatch does not copy them to the
     * device first; NULL: none does. */
    const bool *scalar_args;
    /* Profiling (a device run with GENC_CUDA_PROFILE set), else NULL: marks around each
     * piece of work queued on the device (an op's kernel, a draw, a compiled kernel),
     * named by what; mark_end takes what mark_begin returned. */
    void *(*mark_begin)(const struct backend *be, const char *what);
    void (*mark_end)(void *mark);
    /* Device backends that defer elementwise ops (below), else NULL: computes buf's
     * pending expression into buf (one kernel, intermediates unwritten). GEN_OK, an
     * error, or GEN_ERR_UNSUPPORTED (nothing recorded) to have lazy.c run the ops one
     * by one instead. */
    gen_status (*fuse)(struct arr_buffer *buf);
    /* Optional with fuse: computes c, an op that is not deferred (a reduction) whose
     * arguments are pending, reading their expressions in its own kernel (they stay
     * pending). GEN_OK, an error, or GEN_ERR_UNSUPPORTED (nothing recorded): dispatch
     * computes the arguments, then runs the op's kernel. */
    gen_status (*fuse_op)(const struct op_call *c);
} backend;

/* The registry (defined by src/backend/registry.c): arr_backend_table[d] is the backend
 * of device d for d < arr_backend_count; [GEN_DEVICE_CPU] is always the CPU backend. */
#define ARR_MAX_BACKENDS 8
extern const backend *arr_backend_table[ARR_MAX_BACKENDS];
extern int arr_backend_count;

/* The host backend (the CPU): where arr_alloc allocates and where ops whose arguments
 * are all on the host run. */
static inline const backend *arr_default_backend(void) { return arr_backend_table[GEN_DEVICE_CPU]; }
/* The calling thread's default device (gen_device_set_default): where the creation
 * functions and random draws put arrays larger than ARR_INLINE_BYTES. NULL means the
 * CPU. */
extern _Thread_local const backend *arr_creation_be;
static inline const backend *arr_creation_backend(void) {
    return arr_creation_be ? arr_creation_be : arr_default_backend();
}
/* Makes a's device the creation device until arr_creation_restore(saved) (the host
 * when a is on the host): gradient rules and seeds of autodiff make their zeros and
 * ones where the values they combine with live. */
static inline const backend *arr_creation_follow(const gen_array *a) {
    const backend *saved = arr_creation_be;
    arr_creation_be = a && a->buf && !a->buf->host ? a->buf->backend : NULL;
    return saved;
}
static inline void arr_creation_restore(const backend *saved) { arr_creation_be = saved; }
/* A fresh host array a (refcount 1, unpublished) on the calling thread's default
 * device: a itself when that is the host or a is inline, else a copy there (a is
 * released). NULL with the error recorded on failure (a released). */
gen_array *arr_to_creation_device(const char *fn, gen_array *a);
/* The copy of a (refcount 1, unpublished) on backend to; NULL with the error recorded. */
gen_array *arr_copy_to_backend(const char *fn, const gen_array *a, const backend *to);
/* The backend holding a's elements (inline elements are on the host, the CPU). */
static inline const backend *arr_backend_of(const gen_array *a) {
    return a->buf ? a->buf->backend : arr_backend_table[GEN_DEVICE_CPU];
}
/* The backend of device d, or NULL with GEN_ERR_VALUE naming fn when there is none. */
const backend *arr_backend_get(const char *fn, gen_device d);

/* ---- deferred elementwise ops (lazy.c) ----
 * On a backend with a fuse function, dispatch does not run the kernel of an elementwise
 * op (ops_unary.def, ops_binary.def, cast, copy, stop_gradient, broadcast_to) whose
 * arguments are its arrays or one-element host values: it records the op on the output's
 * buffer (buf->pending) and returns the array, allocated but not computed. Whatever
 * reads a device array's elements makes them ready first (arr_ready): dispatch for
 * every other kernel's arguments, copies, samplers' parameters, compiled programs'
 * inputs. That hands the pending expression (the op and, through its arguments, the
 * pending ops it reads) to the backend's fuse, which computes it in one pass without
 * writing the intermediates (those stay pending: most are never read). Intermediates a
 * program releases unread are never computed. */
typedef struct arr_pending {
    op_id op;
    int n_in;
    gen_array *in[3]; /* retained: device arrays of the buffer's backend (maybe pending
                       * themselves) or one-element host arrays (by value) */
    int cost;         /* pending ops in the expression, itself included (shared ones
                       * counted once per use): bounds the fused code */
    uint8_t dtype, ndim;
    int64_t size;
    int64_t shape[GEN_MAX_DIMS]; /* the output's, as dispatch allocated it */
} arr_pending;
/* The most pending ops one expression holds: an op whose arguments would take it past
 * this makes them ready first (long chains of adds become several kernels, not one
 * kernel per length). */
#define ARR_PENDING_MAX_COST 48

/* Computes buf's pending expression (once, under a lock: any thread may ask). */
gen_status arr_force(arr_buffer *buf);
/* The pending op computing a's elements, NULL when they are computed (or inline). */
static inline arr_pending *arr_pending_of(const gen_array *a) {
    return a->buf ? atomic_load_explicit(&a->buf->pending, memory_order_acquire) : NULL;
}
/* a's elements computed (GEN_OK at once when nothing is pending), or the error of
 * computing them. For code that hands a device array's memory to its own kernels or
 * copies (dispatch does it for every op's arguments). */
static inline gen_status arr_ready(const gen_array *a) {
    return CORE_LIKELY(!arr_pending_of(a)) ? GEN_OK : arr_force(a->buf);
}
/* Records c (an elementwise op whose output c->out dispatch allocated on be) as pending
 * on its buffer instead of running it; false when it does not qualify (dispatch runs it):
 * see above. */
bool arr_defer(const backend *be, const op_call *c);
/* The pending op's inputs, released, and the record freed (a buffer dying unread). */
void arr_pending_free(arr_pending *p);
/* Runs kernel on c with be's profiling marks (dispatch.c: the one place kernels run). */
gen_status arr_run_kernel(const backend *be, op_kernel_fn kernel, op_call *c);

/* Whether backend b implements op. */
static inline bool backend_supports(const backend *b, op_id op) { return b->kernels[op] != NULL; }

/* A buffer of nbytes on backend b (refcount 1); NULL with the error recorded. */
arr_buffer *arr_buffer_new(const backend *b, size_t nbytes);
void arr_buffer_release(arr_buffer *buf);
/* A new array on backend b (uninitialized, refcount 1; see arr_alloc): inline when b
 * is the host's and the elements fit, else in a buffer of b. */
gen_array *arr_alloc_on(const char *fn, const backend *b, gen_dtype dtype, int ndim, const int64_t *shape);

#endif
