/* jit_cuda.c — the lane target's programs compiled by NVRTC (backend/rtc.h, which keeps
 * them in the disk cache), its memory cache of loaded kernels, and its launcher
 * (jit_cuda.h). Built only with CUDA: it calls the CUDA runtime (never the driver API). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "../backend/disk_cache.h"
#include "../backend/rtc.h"
#include "../core/core.h"
#include "jit.h"
#include "jit_cuda.h"
#include "lanes.h"

bool cg_cuda_available(void) { return true; }

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

bool cg_cuda_compile(const char *src, size_t n, int major, int minor, void **image, size_t *size, char *why,
                     size_t why_n) {
    return backend_rtc_compile_cached(src, n, major * 10 + minor, image, size, why, why_n);
}

/* ---- loaded kernels ---- */

struct cg_cuda_kernel {
    struct cg_cuda_kernel *next;
    uint64_t hash;
    size_t n;
    int cc;
    cudaLibrary_t lib;
    cudaKernel_t fn;
};

static cg_cuda_kernel *loaded; /* the process's, under jit_lock */

static bool cuda_ok(cudaError_t e, const char *what, char *why, size_t why_n) {
    if (e == cudaSuccess) return true;
    cudaGetLastError();
    snprintf(why, why_n, "%s: CUDA error %s: %s", what, cudaGetErrorName(e), cudaGetErrorString(e));
    return false;
}

/* With GENC_CUDA_PROFILE: a loaded kernel's registers, local memory and occupancy on
 * stderr (what limits a lane program's speed). */
static void report_kernel(const cg_cuda_kernel *k, int ordinal) {
    struct cudaFuncAttributes a;
    int blocks = 0, per_sm = 0;
    if (cudaFuncGetAttributes(&a, (const void *)k->fn) != cudaSuccess ||
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, (const void *)k->fn, CG_LANE_BLOCK, 0) != cudaSuccess ||
        cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, ordinal) != cudaSuccess) {
        cudaGetLastError();
        return;
    }
    fprintf(stderr, "genc: compiled kernel %016llx: %d registers, %zu bytes of local memory a thread, %d of %d threads "
            "an SM resident\n", (unsigned long long)k->hash, a.numRegs, a.localSizeBytes, blocks * CG_LANE_BLOCK, per_sm);
}

const cg_cuda_kernel *cg_cuda_kernel_get(const char *src, size_t n, int ordinal, char *why, size_t why_n) {
    int major = 0, minor = 0;
    if (!cuda_ok(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ordinal), "lane program", why, why_n) ||
        !cuda_ok(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, ordinal), "lane program", why, why_n))
        return NULL;
    uint64_t h = backend_hash(BACKEND_HASH_START, src, n);
    int cc = major * 10 + minor;
    pthread_mutex_lock(&jit_lock);
    for (cg_cuda_kernel *k = loaded; k; k = k->next)
        if (k->hash == h && k->n == n && k->cc == cc) {
            pthread_mutex_unlock(&jit_lock);
            return k;
        }
    pthread_mutex_unlock(&jit_lock);
    void *image = NULL;
    size_t size = 0;
    if (!cg_cuda_compile(src, n, major, minor, &image, &size, why, why_n)) return NULL;
    cg_cuda_kernel *k = core_calloc(1, sizeof *k);
    void *lib = NULL, *fn = NULL;
    bool ok = k && backend_rtc_load(ordinal, image, "cg_kernel", &lib, &fn, why, why_n);
    if (ok) k->lib = (cudaLibrary_t)lib, k->fn = (cudaKernel_t)fn;
    core_free(image, size);
    if (!ok) {
        if (!k) snprintf(why, why_n, "out of memory");
        core_free(k, sizeof *k);
        return NULL;
    }
    k->hash = h;
    k->n = n;
    k->cc = cc;
    if (getenv("GENC_CUDA_PROFILE")) report_kernel(k, ordinal);
    pthread_mutex_lock(&jit_lock);
    k->next = loaded;
    loaded = k;
    pthread_mutex_unlock(&jit_lock);
    return k;
}

int64_t cg_cuda_threads(int ordinal, int64_t lanes, int block) {
    int sms = 0, per_sm = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ordinal) != cudaSuccess ||
        cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, ordinal) != cudaSuccess) {
        cudaGetLastError();
        sms = 1, per_sm = 2048;
    }
    int64_t most = (int64_t)sms * per_sm / block * block, want = (lanes + block - 1) / block * block;
    if (most < block) most = block;
    return want < most ? (want > 0 ? want : block) : most;
}

gen_status cg_cuda_launch(const cg_cuda_kernel *k, const backend *be, int64_t threads, int block, const void *params,
                          size_t bytes) {
    (void)bytes; /* the kernel's parameter block has its size */
    cudaError_t e = cudaSetDevice(be->ordinal);
    if (e == cudaSuccess) {
        void *args[1] = {(void *)params};
        dim3 grid = {(unsigned)(threads / block), 1, 1}, blk = {(unsigned)block, 1, 1};
        e = cudaLaunchKernel((const void *)k->fn, grid, blk, args, 0, (cudaStream_t)be->queue);
    }
    if (e == cudaSuccess) return GEN_OK;
    cudaGetLastError();
    return GEN_FAIL(e == cudaErrorMemoryAllocation ? GEN_ERR_OOM : GEN_ERR_INTERNAL,
                    "a compiled kernel on %s: CUDA error %s: %s", be->name, cudaGetErrorName(e), cudaGetErrorString(e));
}
