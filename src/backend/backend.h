/* backend.h — the interface a compute backend implements (DESIGN: backend layer).
 *
 * A backend owns device memory for buffers and a kernel per op (indexed by op id;
 * NULL means "not supported here", which dispatch reports as GEN_ERR_UNSUPPORTED).
 * The CPU backend is the reference; a CUDA backend (a later issue) implements the same
 * table on device memory, and its tests compare every op against the CPU one. */
#ifndef GENC_SRC_BACKEND_H
#define GENC_SRC_BACKEND_H

#include "../array/op.h"

typedef struct backend {
    const char *name;
    /* Device memory for nbytes; NULL (with the error recorded) on failure. */
    void *(*mem_alloc)(size_t nbytes);
    void (*mem_free)(void *p, size_t nbytes);
    /* Copies between this backend's memory and the host. */
    gen_status (*to_host)(void *host_dst, const void *dev_src, size_t nbytes);
    gen_status (*from_host)(void *dev_dst, const void *host_src, size_t nbytes);
    /* kernels[op]: the op's implementation on this backend, or NULL. */
    const op_kernel_fn *kernels;
} backend;

extern const backend cpu_backend;

/* Whether backend b implements op. */
static inline bool backend_supports(const backend *b, op_id op) { return b->kernels[op] != NULL; }

/* A buffer of nbytes on backend b (refcount 1); NULL with the error recorded. */
arr_buffer *backend_buffer_new(const backend *b, size_t nbytes);
void backend_buffer_release(arr_buffer *buf);

#endif
