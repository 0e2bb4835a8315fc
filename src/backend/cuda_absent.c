/* cuda_absent.c — gen_device_cuda of a build without the CUDA backend (GENC_CUDA off, or
 * no nvcc where it was built): every call says so. */
#include "backend.h"

gen_device gen_device_cuda(int ordinal) {
    (void)ordinal;
    GEN_FAIL(GEN_ERR_UNSUPPORTED,
             "gen_device_cuda: this build has no CUDA backend (configure with GENC_CUDA=ON where nvcc is installed)");
    return GEN_DEVICE_NONE;
}

gen_status backend_cuda_fuse_compile(const gen_array *x, int reduce, int cc) {
    (void)x, (void)reduce, (void)cc;
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "backend_cuda_fuse_compile: this build has no CUDA backend");
}
