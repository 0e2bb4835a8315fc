/* jit_cuda.c — the lane target's NVRTC compiler, disk and memory caches, loader and
 * launcher (jit_cuda.h). Built only with CUDA: it calls NVRTC and the CUDA runtime (never
 * the driver API). Files appear in the cache folder by rename, so concurrent processes
 * never read half a file. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include "../core/core.h"
#include "jit.h"
#include "jit_cuda.h"
#include "lanes.h"

bool cg_cuda_available(void) { return true; }

/* Options of every compilation: device arithmetic as the CPU's (no contraction of a * b
 * + c), unannotated functions (the embedded library C) compiled for the device. */
static const char *const nvrtc_flags[] = {"--fmad=false", "-default-device", "-std=c++17", "-w"};

/* The target for compute capability cc (10 major + minor): CUBIN for it when NVRTC knows
 * it, else PTX for the newest architecture NVRTC knows below it (the driver compiles). */
static bool pick_arch(int cc, char *opt, size_t n, bool *cubin, char *why, size_t why_n) {
    int count = 0;
    if (nvrtcGetNumSupportedArchs(&count) != NVRTC_SUCCESS || count <= 0) {
        snprintf(why, why_n, "NVRTC lists no architectures");
        return false;
    }
    int archs[128], best = -1;
    if (count > 128) count = 128;
    nvrtcGetSupportedArchs(archs);
    for (int i = 0; i < count; i++) {
        if (archs[i] == cc) {
            snprintf(opt, n, "-arch=sm_%d", cc);
            *cubin = true;
            return true;
        }
        if (archs[i] < cc && archs[i] > best) best = archs[i];
    }
    if (best < 0) {
        snprintf(why, why_n, "NVRTC cannot compile for compute capability %d.%d", cc / 10, cc % 10);
        return false;
    }
    snprintf(opt, n, "-arch=compute_%d", best);
    *cubin = false;
    return true;
}

static bool write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* The whole file at path (core_alloc'd), or NULL. */
static void *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    void *p = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && (p = core_alloc((size_t)size))) {
        if (fread(p, 1, (size_t)size, f) != (size_t)size) {
            core_free(p, (size_t)size);
            p = NULL;
        }
    }
    fclose(f);
    if (p) *n = (size_t)size;
    return p;
}

/* NVRTC on src with the architecture option: the code into *image. */
static bool run_nvrtc(const char *src, size_t n, const char *arch, bool cubin, void **image, size_t *size, char *why,
                      size_t why_n) {
    (void)n;
    nvrtcProgram prog;
    nvrtcResult r = nvrtcCreateProgram(&prog, src, "genc_lanes.cu", 0, NULL, NULL);
    if (r != NVRTC_SUCCESS) {
        snprintf(why, why_n, "NVRTC: %s", nvrtcGetErrorString(r));
        return false;
    }
    const char *opts[8];
    int k = 0;
    opts[k++] = arch;
    for (size_t i = 0; i < sizeof nvrtc_flags / sizeof *nvrtc_flags; i++) opts[k++] = nvrtc_flags[i];
    r = nvrtcCompileProgram(prog, k, opts);
    if (r != NVRTC_SUCCESS) {
        size_t ln = 0;
        nvrtcGetProgramLogSize(prog, &ln);
        char *log = ln ? core_alloc(ln + 1) : NULL;
        if (log && nvrtcGetProgramLog(prog, log) == NVRTC_SUCCESS) {
            log[ln] = 0;
            const char *tail = ln > 400 ? log + ln - 400 : log;
            snprintf(why, why_n, "NVRTC could not compile a lane program: %s", tail);
        } else {
            snprintf(why, why_n, "NVRTC: %s", nvrtcGetErrorString(r));
        }
        core_free(log, ln + 1);
        nvrtcDestroyProgram(&prog);
        return false;
    }
    size_t bytes = 0;
    r = cubin ? nvrtcGetCUBINSize(prog, &bytes) : nvrtcGetPTXSize(prog, &bytes);
    void *out = r == NVRTC_SUCCESS && bytes ? core_alloc(bytes) : NULL;
    if (out) r = cubin ? nvrtcGetCUBIN(prog, out) : nvrtcGetPTX(prog, out);
    nvrtcDestroyProgram(&prog);
    if (!out || r != NVRTC_SUCCESS) {
        core_free(out, bytes);
        snprintf(why, why_n, "NVRTC gave no %s (%s)", cubin ? "CUBIN" : "PTX", nvrtcGetErrorString(r));
        return false;
    }
    *image = out;
    *size = bytes;
    return true;
}

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

bool cg_cuda_compile(const char *src, size_t n, int major, int minor, void **image, size_t *size, char *why,
                     size_t why_n) {
    char arch[32], dir[1024], path[1200], tmp[1300];
    bool cubin = false;
    if (!pick_arch(major * 10 + minor, arch, sizeof arch, &cubin, why, why_n)) return false;
    int vmaj = 0, vmin = 0;
    nvrtcVersion(&vmaj, &vmin);
    uint64_t h = cg_jit_hash(0xcbf29ce484222325ULL, src, n);
    h = cg_jit_hash(h, arch, strlen(arch));
    h = cg_jit_hash(h, &vmaj, sizeof vmaj);
    h = cg_jit_hash(h, &vmin, sizeof vmin);
    for (size_t i = 0; i < sizeof nvrtc_flags / sizeof *nvrtc_flags; i++)
        h = cg_jit_hash(h, nvrtc_flags[i], strlen(nvrtc_flags[i]));
    bool cached = cg_jit_cache_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cg-%016llx-%s.%s", dir, (unsigned long long)h, arch + 6, cubin ? "cubin" : "ptx");
    pthread_mutex_lock(&jit_lock);
    if (cached && (*image = read_file(path, size))) {
        pthread_mutex_unlock(&jit_lock);
        return true;
    }
    bool ok = run_nvrtc(src, n, arch, cubin, image, size, why, why_n);
    if (ok && cached) { /* kept with its source beside it (cg-<hash>-<arch>.cu) */
        snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
        if (write_file(tmp, *image, *size) && rename(tmp, path) == 0) {
            snprintf(tmp, sizeof tmp, "%s/cg-%016llx-%s.cu", dir, (unsigned long long)h, arch + 6);
            write_file(tmp, src, n);
        } else {
            unlink(tmp);
        }
    }
    pthread_mutex_unlock(&jit_lock);
    return ok;
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
    uint64_t h = cg_jit_hash(0xcbf29ce484222325ULL, src, n);
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
    bool ok = k && cuda_ok(cudaSetDevice(ordinal), "lane program", why, why_n) &&
              cuda_ok(cudaLibraryLoadData(&k->lib, image, NULL, NULL, 0, NULL, NULL, 0), "loading a lane program", why,
                      why_n);
    if (ok && !cuda_ok(cudaLibraryGetKernel(&k->fn, k->lib, "cg_kernel"), "a lane program's kernel", why, why_n)) {
        cudaLibraryUnload(k->lib);
        ok = false;
    }
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
