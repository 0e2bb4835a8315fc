/* cuda_rtc.c — NVRTC and the library loader of backend/rtc.h. */
#include <stdio.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include "../../core/core.h"
#include "../disk_cache.h"
#include "../rtc.h"

const char *const backend_rtc_flags[] = {"--fmad=false", "-default-device", "-std=c++17", "-w"};
const int backend_rtc_n_flags = (int)(sizeof backend_rtc_flags / sizeof *backend_rtc_flags);

bool backend_rtc_arch(int cc, char *opt, size_t n, bool *cubin, char *why, size_t why_n) {
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

bool backend_rtc_compile(const char *src, const char *arch, bool cubin, void **image, size_t *size, char *why,
                         size_t why_n) {
    nvrtcProgram prog;
    nvrtcResult r = nvrtcCreateProgram(&prog, src, "genc_program.cu", 0, NULL, NULL);
    if (r != NVRTC_SUCCESS) {
        snprintf(why, why_n, "NVRTC: %s", nvrtcGetErrorString(r));
        return false;
    }
    const char *opts[8];
    int k = 0;
    opts[k++] = arch;
    for (int i = 0; i < backend_rtc_n_flags; i++) opts[k++] = backend_rtc_flags[i];
    r = nvrtcCompileProgram(prog, k, opts);
    if (r != NVRTC_SUCCESS) {
        size_t ln = 0;
        nvrtcGetProgramLogSize(prog, &ln);
        char *log = ln ? core_alloc(ln + 1) : NULL;
        if (log && nvrtcGetProgramLog(prog, log) == NVRTC_SUCCESS) {
            log[ln] = 0;
            const char *tail = ln > 400 ? log + ln - 400 : log;
            snprintf(why, why_n, "NVRTC could not compile a generated program: %s", tail);
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

static bool loaded(cudaError_t e, const char *what, char *why, size_t why_n) {
    if (e == cudaSuccess) return true;
    cudaGetLastError();
    snprintf(why, why_n, "%s: CUDA error %s: %s", what, cudaGetErrorName(e), cudaGetErrorString(e));
    return false;
}

bool backend_rtc_load(int ordinal, const void *image, const char *entry, void **lib, void **kernel, char *why,
                      size_t why_n) {
    cudaLibrary_t l;
    cudaKernel_t k;
    if (!loaded(cudaSetDevice(ordinal), "loading a generated program", why, why_n) ||
        !loaded(cudaLibraryLoadData(&l, image, NULL, NULL, 0, NULL, NULL, 0), "loading a generated program", why,
                why_n))
        return false;
    if (!loaded(cudaLibraryGetKernel(&k, l, entry), "a generated program's kernel", why, why_n)) {
        cudaLibraryUnload(l);
        return false;
    }
    *lib = l;
    *kernel = k;
    return true;
}

bool backend_rtc_compile_cached(const char *src, size_t n, int cc, void **image, size_t *size, char *why,
                                size_t why_n) {
    char arch[32], dir[1024], path[1200];
    bool cubin = false;
    if (!backend_rtc_arch(cc, arch, sizeof arch, &cubin, why, why_n)) return false;
    int vmaj = 0, vmin = 0;
    nvrtcVersion(&vmaj, &vmin);
    uint64_t h = backend_hash(BACKEND_HASH_START, src, n);
    h = backend_hash(h, arch, strlen(arch));
    h = backend_hash(h, &vmaj, sizeof vmaj);
    h = backend_hash(h, &vmin, sizeof vmin);
    for (int i = 0; i < backend_rtc_n_flags; i++) h = backend_hash(h, backend_rtc_flags[i], strlen(backend_rtc_flags[i]));
    bool cached = backend_cache_dir(dir, sizeof dir);
    const char *target = strchr(arch, '_') + 1; /* "90" of -arch=sm_90 or compute_90 */
    snprintf(path, sizeof path, "%s/rtc-%016llx-%s.%s", dir, (unsigned long long)h, target, cubin ? "cubin" : "ptx");
    if (cached && (*image = backend_cache_read(path, size))) return true;
    if (!backend_rtc_compile(src, arch, cubin, image, size, why, why_n)) return false;
    if (cached && backend_cache_write(path, *image, *size)) {
        snprintf(path, sizeof path, "%s/rtc-%016llx-%s.cu", dir, (unsigned long long)h, target);
        backend_cache_write(path, src, n && !src[n - 1] ? n - 1 : n);
    }
    return true;
}
