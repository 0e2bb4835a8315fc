/* rtc.h — compiling CUDA C at run time (prefix backend_rtc): NVRTC for a GPU's
 * architecture and the CUDA runtime's library loader (no driver API: a machine without a
 * GPU still loads GenC, and NVRTC works there). Used by the CUDA backend's fused
 * elementwise kernels (cuda/cuda_fuse.c) and by the compile layer's lane programs
 * (compile/jit_cuda.c); both keep what they compile in the disk cache. The functions exist
 * in CUDA builds only (cuda/cuda_rtc.c); the prelude in every build (the C target's lane
 * programs start with it too). */
#ifndef GENC_SRC_BACKEND_RTC_H
#define GENC_SRC_BACKEND_RTC_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* What a generated program starts with: under NVRTC the fixed-width types and the limits
 * and constants the embedded library headers use (NVRTC has no C headers; their #include
 * lines are left out), under a C compiler the headers themselves. */
#define BACKEND_RTC_PRELUDE                                                                                    \
    "#ifdef __CUDACC_RTC__\n"                                                                                  \
    "typedef signed char int8_t;\ntypedef unsigned char uint8_t;\ntypedef int int32_t;\ntypedef unsigned int "  \
    "uint32_t;\n"                                                                                              \
    "typedef long long int64_t;\ntypedef unsigned long long uint64_t;\n"                                       \
    "#define INT64_MAX 9223372036854775807LL\n#define INT64_MIN (-INT64_MAX - 1)\n"                            \
    "#define INT64_C(x) x##LL\n#define UINT64_C(x) x##ULL\n"                                                   \
    "#define INFINITY __int_as_float(0x7f800000)\n#define NAN __int_as_float(0x7fc00000)\n"                    \
    "#define FLT_MAX 3.40282346638528859812e+38F\n"                                                            \
    "#else\n#include <float.h>\n#include <math.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include "       \
    "<string.h>\n#endif\n"                                                                                     \
    "#ifndef GENC_HD\n#define GENC_HD\n#endif\n"

/* Embedded library text goes into a program without its #include lines (the program
 * supplies what they name): the length of the line at p, its newline included, into
 * *len, and whether to keep it. */
static inline bool backend_rtc_keep_line(const char *p, size_t *len) {
    const char *nl = strchr(p, '\n'), *q = p;
    *len = nl ? (size_t)(nl - p + 1) : strlen(p);
    while (q < p + *len && (*q == ' ' || *q == '\t')) q++;
    return strncmp(q, "#include", 8) != 0;
}

/* The options of every compilation (device arithmetic as the CPU's: no contraction of
 * a * b + c; unannotated functions, the embedded library C, compiled for the device),
 * for callers that name a compilation by them (a cache's key). */
extern const char *const backend_rtc_flags[];
extern const int backend_rtc_n_flags;

/* The target for compute capability cc (10 major + minor) into opt ("-arch=sm_90"):
 * CUBIN for it (*cubin) when NVRTC knows it, else PTX for the newest architecture NVRTC
 * knows below it (the driver compiles that). false with why filled. */
bool backend_rtc_arch(int cc, char *opt, size_t n, bool *cubin, char *why, size_t why_n);
/* NVRTC on the program src (NUL-terminated) for arch (backend_rtc_arch's): the CUBIN or
 * PTX into *image (core_alloc'd, *size bytes). false with why filled (the end of NVRTC's
 * log on a compile error). */
bool backend_rtc_compile(const char *src, const char *arch, bool cubin, void **image, size_t *size, char *why,
                         size_t why_n);
/* backend_rtc_compile of the program src (n bytes, NUL included) for compute capability
 * cc (backend_rtc_arch's target), through the disk cache (backend/disk_cache.h): the
 * image is named by a hash of the source, the target, NVRTC's version and the flags,
 * and kept with its source beside it (rtc-<hash>-<arch>.cu, for reading what was
 * generated). A cache that cannot be read or written only costs a compilation. */
bool backend_rtc_compile_cached(const char *src, size_t n, int cc, void **image, size_t *size, char *why,
                                size_t why_n);
/* Loads image (backend_rtc_compile's) for GPU ordinal: *lib the library (a
 * cudaLibrary_t) and *kernel its kernel named entry (a cudaKernel_t), loaded for the
 * process's life. false with why filled. */
bool backend_rtc_load(int ordinal, const void *image, const char *entry, void **lib, void **kernel, char *why,
                      size_t why_n);

#endif
