/* core_hd.h — marks functions that run on the host and, compiled by nvcc, on a GPU too:
 * the element procedures shared by a CPU kernel and its CUDA kernel (special functions,
 * the random samplers), so both compute the same thing from one source. Plain C sees
 * static inline functions. */
#ifndef GENC_SRC_CORE_HD_H
#define GENC_SRC_CORE_HD_H

#ifdef __CUDACC__
#define GENC_HD __host__ __device__
#else
#define GENC_HD
#endif

#endif
