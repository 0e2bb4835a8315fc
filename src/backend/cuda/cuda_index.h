/* cuda_index.h — what the C sides of the reduce and shape kernels (cuda_reduce.c,
 * cuda_shape.c) share: their launchers, the stream of a call, an array seen along one
 * axis, and the wait for an index check (cu_check_indices) that brings back the first
 * bad index for the CPU's error message. */
#ifndef GENC_SRC_CUDA_INDEX_H
#define GENC_SRC_CUDA_INDEX_H

#include "cuda_index_kern.h"
#include "cuda_int.h"

/* The stream of c's device, with that device made current for the calling thread. */
static inline cudaStream_t cuda_index_stream(const op_call *c) {
    cuda_dev *d = cuda_dev_of_call(c);
    cudaSetDevice(d->ordinal);
    return d->stream;
}

/* The array of shape (ndim, shape) seen as [outer, n, inner] along axis (a 0-d array is
 * one element: [1, 1, 1], as the CPU kernels see it). */
static inline void cuda_axis_split(int ndim, const int64_t *shape, int axis, int64_t *outer, int64_t *n,
                                   int64_t *inner) {
    *outer = *inner = 1;
    for (int d = 0; d < axis && d < ndim; d++) *outer *= shape[d];
    for (int d = axis + 1; d < ndim; d++) *inner *= shape[d];
    *n = ndim ? shape[axis] : 1;
}

/* Waits for c's stream. The failure c's index check recorded comes back as *pos (the
 * bad index's flat position in the indices) and *value (the index), with GEN_OK; *pos
 * is -1 when there was none. A failure of the stream, or one another call recorded on
 * the device, is returned as an error (cuda_check_device_errors). (cuda_shape.c) */
gen_status cuda_wait_index_check(const op_call *c, int64_t *pos, int64_t *value);

#endif
