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
    /* Copies between this backend's memory and the host. */
    gen_status (*to_host)(void *host_dst, const void *dev_src, size_t nbytes);
    gen_status (*from_host)(void *dev_dst, const void *host_src, size_t nbytes);
    /* kernels[op]: the op's implementation on this backend, or NULL. */
    const op_kernel_fn *kernels;
} backend;

/* The registry (defined by src/backend/registry.c): arr_backend_table[d] is the backend
 * of device d for d < arr_backend_count; [GEN_DEVICE_CPU] is always the CPU backend. */
#define ARR_MAX_BACKENDS 8
extern const backend *arr_backend_table[ARR_MAX_BACKENDS];
extern int arr_backend_count;

/* The backend creation ops (no array input) allocate on: the CPU. */
static inline const backend *arr_default_backend(void) { return arr_backend_table[GEN_DEVICE_CPU]; }
/* The backend holding a's elements (inline elements are on the host, the CPU). */
static inline const backend *arr_backend_of(const gen_array *a) {
    return a->buf ? a->buf->backend : arr_backend_table[GEN_DEVICE_CPU];
}
/* The backend of device d, or NULL with GEN_ERR_VALUE naming fn when there is none. */
const backend *arr_backend_get(const char *fn, gen_device d);

/* Whether backend b implements op. */
static inline bool backend_supports(const backend *b, op_id op) { return b->kernels[op] != NULL; }

/* A buffer of nbytes on backend b (refcount 1); NULL with the error recorded. */
arr_buffer *arr_buffer_new(const backend *b, size_t nbytes);
void arr_buffer_release(arr_buffer *buf);
/* A new array on backend b (uninitialized, refcount 1; see arr_alloc): inline when b
 * is the host's and the elements fit, else in a buffer of b. */
gen_array *arr_alloc_on(const char *fn, const backend *b, gen_dtype dtype, int ndim, const int64_t *shape);

#endif
