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
 * CU_STRIDED: the offset from i's index and strides (0 on broadcast axes). */
enum { CU_SAME = 0, CU_SCALAR = 1, CU_STRIDED = 2 };
#define CU_MAX_IN 4
typedef struct cu_bcast {
    int ndim; /* the output's */
    int64_t size;
    int64_t shape[CU_MAX_DIMS];
    int nin;
    int mode[CU_MAX_IN];
    int64_t strides[CU_MAX_IN][CU_MAX_DIMS];
} cu_bcast;

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
