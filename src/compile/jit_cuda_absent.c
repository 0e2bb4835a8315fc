/* jit_cuda_absent.c — the lane target's compiler and loader (jit_cuda.h) in a build
 * without CUDA: nothing compiles or loads, and each call says why. */
#include <stdio.h>

#include "jit_cuda.h"

static const char absent[] = "this build has no CUDA (configure with GENC_CUDA=ON where nvcc is installed)";

bool cg_cuda_available(void) { return false; }

bool cg_cuda_compile(const char *src, size_t n, int major, int minor, void **image, size_t *size, char *why,
                     size_t why_n) {
    (void)src, (void)n, (void)major, (void)minor;
    *image = NULL;
    *size = 0;
    snprintf(why, why_n, "%s", absent);
    return false;
}

const cg_cuda_kernel *cg_cuda_kernel_get(const char *src, size_t n, int ordinal, char *why, size_t why_n) {
    (void)src, (void)n, (void)ordinal;
    snprintf(why, why_n, "%s", absent);
    return NULL;
}

int64_t cg_cuda_threads(int ordinal, int64_t lanes, int block) {
    (void)ordinal, (void)lanes;
    return block;
}

gen_status cg_cuda_launch(const cg_cuda_kernel *k, const backend *be, int64_t threads, int block, const void *params,
                          size_t bytes) {
    (void)k, (void)be, (void)threads, (void)block, (void)params, (void)bytes;
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "a compiled kernel: %s", absent);
}
