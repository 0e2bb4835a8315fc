/* cuda_kern.h — the interface between the CUDA backend's C side (cuda_*.c: op calls,
 * errors, memory) and its kernels (cuda_*.cu, compiled by nvcc as C++). Plain data only:
 * the .cu files never include the array layer's headers (C11 atomics are not C++), so
 * the C side describes each array as a cu_arr and each launch returns a cudaError_t
 * (cudaSuccess or the launch's error) that the C side turns into a GenC error. */
#ifndef GENC_SRC_CUDA_KERN_H
#define GENC_SRC_CUDA_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CU_MAX_DIMS 8 /* GEN_MAX_DIMS */
/* Dtype codes (gen_dtype's values). */
enum { CU_BOOL = 0, CU_I64 = 1, CU_F32 = 2, CU_F64 = 3 };

/* An array on the device: contiguous, row-major. */
typedef struct cu_arr {
    void *p;
    int dtype;
    int ndim;
    int64_t size;
    int64_t shape[CU_MAX_DIMS];
} cu_arr;

/* How an elementwise input is read at output element i (out of shape (ndim, shape)):
 * CU_SAME: element i (same shape as the output); CU_SCALAR: element 0 (one element);
 * CU_STRIDED: the offset from i's index and strides (0 on broadcast axes); CU_VALUE: one
 * element passed by value (below). */
enum { CU_SAME = 0, CU_SCALAR = 1, CU_STRIDED = 2, CU_VALUE = 3 };
#define CU_MAX_IN 4
typedef struct cu_bcast {
    int ndim; /* the output's */
    int64_t size;
    int64_t shape[CU_MAX_DIMS];
    int nin;
    int mode[CU_MAX_IN];
    int64_t strides[CU_MAX_IN][CU_MAX_DIMS];
    /* CU_VALUE: the input is one element of host memory, passed here by value (its bytes
     * in value[k]); the kernels that take such inputs read it with cu_bcast_value */
    uint64_t value[CU_MAX_IN];
    /* Outputs under 2^31 elements (narrow) index in 32 bits, dividing by each extent
     * through a multiply and a shift (magic, shift: cu_divider). */
    int narrow;
    uint32_t magic[CU_MAX_DIMS];
    int shift[CU_MAX_DIMS];
} cu_bcast;

/* The multiplier and shift that divide 32-bit numbers below 2^31 by d (1 <= d < 2^31):
 * n / d = (umulhi(n, magic) + n) >> shift (Granlund & Montgomery; the sum stays below
 * 2^32 because n < 2^31). */
static inline void cu_divider(uint32_t d, uint32_t *magic, int *shift) {
    int s = 0;
    while (s < 31 && (UINT32_C(1) << s) < d) s++;
    *shift = s;
    *magic = (uint32_t)((((uint64_t)1 << 32) * (((uint64_t)1 << s) - d)) / d + 1);
}
static inline
#ifdef __CUDACC__
    __host__ __device__
#endif
    uint32_t cu_divide(uint32_t n, uint32_t magic, int shift) {
#ifdef __CUDA_ARCH__
    uint32_t hi = __umulhi(n, magic);
#else
    uint32_t hi = (uint32_t)(((uint64_t)n * magic) >> 32);
#endif
    return (hi + n) >> shift;
}

/* The element of input k read at output element i. */
static inline
#ifdef __CUDACC__
    __host__ __device__
#endif
    int64_t cu_bcast_offset(const cu_bcast *b, int k, int64_t i) {
    if (b->mode[k] == CU_SAME) return i;
    if (b->mode[k] == CU_SCALAR || b->mode[k] == CU_VALUE) return 0;
    int64_t off = 0;
    if (b->narrow) {
        uint32_t u = (uint32_t)i;
        for (int d = b->ndim - 1; d >= 0; d--) {
            uint32_t q = cu_divide(u, b->magic[d], b->shift[d]);
            off += (int64_t)(u - q * (uint32_t)b->shape[d]) * b->strides[k][d];
            u = q;
        }
        return off;
    }
    for (int d = b->ndim - 1; d >= 0; d--) {
        int64_t q = i / b->shape[d];
        off += (i - q * b->shape[d]) * b->strides[k][d];
        i = q;
    }
    return off;
}

/* Device memory of n bytes for the work queued on stream s (a device's stream), from the
 * device's cache of freed blocks or its pool; NULL when there is none (nothing is
 * recorded: the launcher reports cudaErrorMemoryAllocation). Freed in stream order. */
void *cu_stream_alloc(cudaStream_t s, size_t n);
void cu_stream_free(cudaStream_t s, void *p, size_t n);

/* The device's error record (cuda_backend.c): kernels that find bad data (an index out
 * of range) write the first failure here, atomically; the C side reads it after
 * waiting for the stream. code 0: no failure. */
typedef struct cu_error {
    int code;      /* a CU_ERR_* code */
    int op;        /* the op id */
    int64_t index; /* the element at fault */
    int64_t value; /* the offending value (an index) */
} cu_error;
enum { CU_ERR_NONE = 0, CU_ERR_INDEX = 1, CU_ERR_NOT_PD = 2, CU_ERR_SINGULAR = 3 };

/* Threads per block of the one-dimensional launches, and the grid for n elements
 * (grid-stride loops cover the rest). */
#define CU_BLOCK 256
static inline unsigned cu_grid(int64_t n) {
    int64_t g = (n + CU_BLOCK - 1) / CU_BLOCK;
    return (unsigned)(g < 1 ? 1 : g > 65535 * 8 ? 65535 * 8 : g);
}

/* ---- launchers (each .cu file defines its own; see the C file of the same name) ---- */

/* cuda_memory.cu: n elements of dtype at dst set to value. */
cudaError_t cu_fill(cudaStream_t s, void *dst, int dtype, int64_t n, double value);

#ifdef __cplusplus
}
#endif

#endif
