/* cuda_int.h — the CUDA backend's private C definitions (prefix cuda_): the device
 * record, errors, the descriptors the kernels take (cuda_kern.h), and the parts of the
 * kernel table each file fills. Only src/backend/cuda includes it. */
#ifndef GENC_SRC_CUDA_INT_H
#define GENC_SRC_CUDA_INT_H

#include <pthread.h>
#include <stddef.h>

#include "../backend.h"
#include "cuda_kern.h"

/* One GPU: its backend (registered in the array layer's registry), its stream (every
 * kernel, copy and allocation of the device is queued there, in order), the handles of
 * the libraries, created when first used, and the error record kernels write (pinned
 * host memory mapped into the device). */
/* A block of device memory kept for reuse (cuda_backend.c's cache). */
typedef struct cuda_block {
    size_t n;
    void *p;
    struct cuda_block *next;
} cuda_block;
#define CUDA_CACHE_BUCKETS 256
#define CUDA_CACHE_BLOCKS 4096 /* the most blocks kept */

typedef struct cuda_dev {
    backend be;
    int ordinal;
    int cc; /* compute capability, 10 major + minor */
    cudaStream_t stream;
    /* freed blocks by size (bucket: size / 256 % CUDA_CACHE_BUCKETS), their bytes, the
     * most kept, the records of blocks (spare: those not in use), and the lock of them */
    cuda_block *cache[CUDA_CACHE_BUCKETS];
    size_t cached, cache_max;
    cuda_block blocks[CUDA_CACHE_BLOCKS], *spare;
    pthread_mutex_t cache_lock;
    void *cublas;   /* cublasHandle_t */
    void *cusolver; /* cusolverDnHandle_t */
    cu_error *err;  /* host view; err_dev is the device's */
    cu_error *err_dev;
} cuda_dev;

/* The device of backend b (a CUDA backend). */
static inline cuda_dev *cuda_dev_of(const backend *b) {
    return (cuda_dev *)((char *)b - offsetof(cuda_dev, be));
}
/* The device an op call runs on: that of its first output. */
static inline cuda_dev *cuda_dev_of_call(const op_call *c) { return cuda_dev_of(c->out->buf->backend); }
static inline cudaStream_t cuda_stream(const op_call *c) { return cuda_dev_of_call(c)->stream; }

/* Records "<what>: CUDA error <name>: <message>" (GEN_ERR_OOM for an allocation failure,
 * GEN_ERR_INTERNAL otherwise) and returns the status; GEN_OK for cudaSuccess. */
gen_status cuda_fail(const char *what, cudaError_t e);
/* The status of a launch: cuda_fail naming the op when it failed. */
static inline gen_status cuda_launched(const op_call *c, cudaError_t e) {
    return e == cudaSuccess ? GEN_OK : cuda_fail(op_table[c->op].name, e);
}
/* Waits for the device's stream, then reports (and clears) a failure a kernel recorded
 * in the error record, as the CPU kernel words it: GEN_ERR_INDEX "<op>: index 7 is out of
 * range at position 3" ... For ops whose failures must reach the caller at once (the
 * op tests compare them with the CPU's). */
gen_status cuda_check_device_errors(cuda_dev *d, const char *op);

/* Descriptors. */
cu_arr cuda_arr(const gen_array *a);
/* The broadcast of c->in[0..n) to c->out's shape. */
cu_bcast cuda_bcast(const op_call *c, int n);

/* Library handles (created on first use; NULL with the error recorded on failure). */
void *cuda_cublas(cuda_dev *d);
void *cuda_cusolver(cuda_dev *d);

/* The profile (cuda_profile.c; GENC_CUDA_PROFILE): cuda_profile_init reads the variable
 * (when the first GPU is opened) and sets cuda_profiling; the marks are the backends'
 * mark_begin / mark_end; cuda_profile_count adds a memory call begun at host time t0
 * (cuda_profile_now: 0 when not profiling). */
typedef enum cuda_prof_counter {
    CUDA_PROF_ALLOC,
    CUDA_PROF_FREE,
    CUDA_PROF_TO_HOST,
    CUDA_PROF_FROM_HOST,
    CUDA_PROF_SYNC,
    CUDA_PROF_COUNTERS
} cuda_prof_counter;
extern bool cuda_profiling;
void cuda_profile_init(void);
void *cuda_profile_begin(const backend *be, const char *what);
void cuda_profile_end(void *mark);
double cuda_profile_now(void);
void cuda_profile_count(cuda_prof_counter c, size_t bytes, double t0);

/* The parts of the kernel table, one per file (each sets the entries of its ops and
 * leaves the rest). */
/* cuda_elementwise.c: unary, binary, core; scalar[op] set for the ops whose kernels take
 * one-element host arguments by value (cuda_bcast's CU_VALUE) */
void cuda_kernels_elementwise(op_kernel_fn *k, bool *scalar);
void cuda_kernels_reduce(op_kernel_fn *k);      /* cuda_reduce.c */
void cuda_kernels_shape(op_kernel_fn *k);       /* cuda_shape.c */
void cuda_kernels_linalg(op_kernel_fn *k);      /* cuda_linalg.c */
void cuda_kernels_fused(op_kernel_fn *k);       /* cuda_fused.c */
/* The backends' fuse and fuse_op (cuda_fuse.c), set when cuda_fusing(): not when
 * GENC_FUSE=0 (every elementwise op then runs its own kernel at once). */
extern gen_status (*const cuda_fuse_fn)(arr_buffer *buf);
extern gen_status (*const cuda_fuse_op_fn)(const op_call *c);
bool cuda_fusing(void);

#endif
