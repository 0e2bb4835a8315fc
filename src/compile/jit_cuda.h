/* jit_cuda.h — the lane target's compiler and loader (prefix cg_cuda): NVRTC compiles a
 * lane program (emit_lanes.c) for the GPU's architecture, to CUBIN where NVRTC knows the
 * architecture (else PTX for the newest one it knows, which the driver compiles), cached
 * on disk beside the C target's objects (cg-<hash>-sm<XY>.cubin, the source beside it)
 * and in memory; the CUDA runtime's library API (cudaLibraryLoadData) loads it and
 * cudaLaunchKernel runs its kernel on the device's stream. No driver API: a machine
 * without a GPU still loads the library, and NVRTC works there (compiling needs no GPU).
 * Builds without CUDA define the same functions, failing with a message
 * (jit_cuda_absent.c). */
#ifndef GENC_SRC_COMPILE_JIT_CUDA_H
#define GENC_SRC_COMPILE_JIT_CUDA_H

#include "../array/backend_api.h"

/* Whether this build has NVRTC (false: every function below fails). */
bool cg_cuda_available(void);
/* The device code of src for compute capability major.minor into *image (core_alloc'd,
 * *size bytes: free with core_free(*image, *size)), from the disk cache or compiled by
 * NVRTC (-arch, --fmad=false, -default-device). false with why filled (the end of
 * NVRTC's log on a compile error). */
bool cg_cuda_compile(const char *src, size_t n, int major, int minor, void **image, size_t *size, char *why,
                     size_t why_n);

typedef struct cg_cuda_kernel cg_cuda_kernel;
/* The kernel cg_kernel of src, compiled for GPU ordinal's architecture and loaded (once
 * per source and architecture in a process: kernels stay loaded). NULL with why filled. */
const cg_cuda_kernel *cg_cuda_kernel_get(const char *src, size_t n, int ordinal, char *why, size_t why_n);
/* How many threads a launch over `lanes` lanes on GPU ordinal uses (each thread runs
 * lanes t, t + threads, ...; work space is per thread): at most what the GPU keeps
 * resident, a multiple of the block size (block threads). */
int64_t cg_cuda_threads(int ordinal, int64_t lanes, int block);
/* Launches k on be's stream with threads / block blocks of block threads and the one
 * parameter block params (bytes bytes, copied at the launch). Queued: returns before
 * the kernel runs. */
gen_status cg_cuda_launch(const cg_cuda_kernel *k, const backend *be, int64_t threads, int block, const void *params,
                          size_t bytes);

#endif
