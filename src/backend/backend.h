/* backend.h — the backend layer: the backends that implement the array layer's backend
 * interface (src/array/backend_api.h), and their registry (registry.c). Only code under
 * src/backend and tests include this header; nothing outside src/backend includes a
 * backend's internals (src/backend/cpu/). */
#ifndef GENC_SRC_BACKEND_H
#define GENC_SRC_BACKEND_H

#include "../array/backend_api.h"

/* The reference backend: host memory, every op (cpu/cpu_backend.c). */
extern const backend cpu_backend;

/* Adds b to the registry as the next device: sets b->device and returns it; -1 with
 * GEN_ERR_UNSUPPORTED when the registry is full (ARR_MAX_BACKENDS). For the CUDA
 * backend (a later issue) and for tests (a second backend that counts its kernels). Not
 * thread-safe: register before arrays are made on other threads. b must outlive every
 * array made on it. */
int backend_register(backend *b);

/* Records GEN_ERR_LINALG for a factorization that failed on matrix flat of x (whose
 * axes but the last mdims are batch axes), as every backend words it: "<op>: the matrix
 * <what><detail>)" for a single matrix, "<op>: the matrix at batch index [1,0] (batch
 * shape [2,3]) <what><detail>)" in a batch (linalg_fail.c). Returns the status. */
gen_status backend_linalg_fail(const char *op, const gen_array *x, int mdims, int64_t flat, const char *what,
                               long long detail);

/* Records the failure of an index out of range, as every backend words it
 * (index_fail.c), and returns its status. backend_index_fail: GEN_ERR_INDEX for take,
 * index_set and index_add, whose index value at flat position pos of c->in[1] is not in
 * [-n, n): "take: index 9 at indices[1,2] is out of range for axis 2 of size 6 (array
 * [4,5,6])". backend_axis_index_fail: GEN_ERR_VALUE for take_along and scatter_along,
 * whose index value is not in [0, n): "take_along: index -1 is out of range for an axis
 * of size 5". */
gen_status backend_index_fail(const op_call *c, int64_t pos, int64_t value, int64_t n);
gen_status backend_axis_index_fail(const op_call *c, int64_t value, int64_t n);

/* The CUDA backend's fused kernel of x's pending expression (cuda/cuda_fuse.c), for tests:
 * its elements (reduce -1), or their reduction (reduce OP_SUM, OP_ALL or OP_ANY) over
 * x's last axis, written for compute capability cc (10 major + minor) and compiled by
 * NVRTC, which needs no GPU. GEN_OK; GEN_ERR_UNSUPPORTED where the expression would not
 * be fused, or the build has no CUDA; GEN_ERR_INTERNAL with the end of NVRTC's log. */
gen_status backend_cuda_fuse_compile(const gen_array *x, int reduce, int cc);

#endif
