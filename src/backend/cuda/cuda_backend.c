/* cuda_backend.c — the CUDA backend: one registered backend per GPU used, its memory
 * (a stream-ordered pool: cudaMallocAsync/cudaFreeAsync on the device's stream, with a
 * release threshold that keeps freed blocks for reuse, so no op pays cudaMalloc), copies
 * to and from the host, the error record kernels write, the library handles, and the
 * kernel table assembled from the per-file parts (cuda_int.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cublas_v2.h>
#include <cusolverDn.h>

#include "cuda_int.h"

#define CUDA_MAX_GPUS 8

static op_kernel_fn cuda_kernels[OP_COUNT];
static bool cuda_scalar_args[OP_COUNT];
static cuda_dev *devices[CUDA_MAX_GPUS];
static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;

gen_status cuda_fail(const char *what, cudaError_t e) {
    if (e == cudaSuccess) return GEN_OK;
    gen_status st = e == cudaErrorMemoryAllocation ? GEN_ERR_OOM : GEN_ERR_INTERNAL;
    return GEN_FAIL(st, "%s: CUDA error %s: %s", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

/* ---- memory ---- */

/* The functions below are the backend's; each device has its own copies of the
 * backend record, so they find their device through a thread-free lookup: the device
 * current for the calling thread is set before every call (cudaSetDevice is cheap when
 * it does not change). */
#define DEVICE_FNS(N)                                                                         \
    static void *alloc_##N(size_t n) { return dev_alloc(devices[N], n); }                    \
    static void free_##N(void *p, size_t n) { dev_free(devices[N], p, n); }                  \
    static gen_status to_host_##N(void *h, const void *d, size_t n) { return dev_to_host(devices[N], h, d, n); } \
    static gen_status from_host_##N(void *d, const void *h, size_t n) { return dev_from_host(devices[N], d, h, n); } \
    static gen_status fill_##N(void *d, gen_dtype t, int64_t n, double v) { return dev_fill(devices[N], d, t, n, v); } \
    static gen_status sync_##N(void) { return dev_sync(devices[N]); }

/* ---- a cache of freed blocks ----
 * A model run allocates the same sizes call after call: blocks freed on a device are kept
 * by size and handed out again for the same size without a CUDA call. Stream order keeps
 * this safe: every use of a block is queued on the device's one stream, so the work of
 * its next owner runs after the work of its last. At most cache_max bytes are kept (a
 * free beyond that goes back to CUDA's pool), and an allocation that fails empties the
 * cache and tries once more. */

static size_t bucket(size_t n) { return (n / 256) % CUDA_CACHE_BUCKETS; }

/* A kept block of n bytes, or NULL. */
static void *cache_take(cuda_dev *d, size_t n) {
    void *p = NULL;
    pthread_mutex_lock(&d->cache_lock);
    for (cuda_block **b = &d->cache[bucket(n)]; *b; b = &(*b)->next)
        if ((*b)->n == n) {
            cuda_block *hit = *b;
            *b = hit->next;
            p = hit->p;
            d->cached -= n;
            hit->next = d->spare;
            d->spare = hit;
            break;
        }
    pthread_mutex_unlock(&d->cache_lock);
    return p;
}

/* Keeps p (n bytes); false when it is not kept (the cache holds its most bytes or
 * blocks). */
static bool cache_put(cuda_dev *d, void *p, size_t n) {
    pthread_mutex_lock(&d->cache_lock);
    cuda_block *b = d->cached + n <= d->cache_max ? d->spare : NULL;
    if (b) {
        d->spare = b->next;
        *b = (cuda_block){n, p, d->cache[bucket(n)]};
        d->cache[bucket(n)] = b;
        d->cached += n;
    }
    pthread_mutex_unlock(&d->cache_lock);
    return b != NULL;
}

/* Gives every kept block back to CUDA's pool (after a failed allocation). */
static void cache_empty(cuda_dev *d) {
    pthread_mutex_lock(&d->cache_lock);
    for (int k = 0; k < CUDA_CACHE_BUCKETS; k++)
        while (d->cache[k]) {
            cuda_block *b = d->cache[k];
            d->cache[k] = b->next;
            cudaFreeAsync(b->p, d->stream);
            b->next = d->spare;
            d->spare = b;
        }
    d->cached = 0;
    pthread_mutex_unlock(&d->cache_lock);
}

/* n bytes for the work queued on stream s of device d (NULL: a stream of no device
 * known here, so no cache): a kept block, else CUDA's pool, emptying the cache and trying
 * again when that fails. */
static cudaError_t block_alloc(cuda_dev *d, cudaStream_t s, size_t n, void **p) {
    if (d && (*p = cache_take(d, n))) return cudaSuccess;
    if (d) cudaSetDevice(d->ordinal);
    cudaError_t e = cudaMallocAsync(p, n, s);
    if (e != cudaSuccess && d && d->cached) { /* what the cache keeps may make room */
        cudaGetLastError();
        cache_empty(d);
        e = cudaMallocAsync(p, n, s);
    }
    if (e != cudaSuccess) cudaGetLastError(); /* clear it: an allocation failure is not sticky */
    return e;
}

/* p (n bytes, from block_alloc) kept for reuse, or given back in stream order. */
static void block_free(cuda_dev *d, cudaStream_t s, void *p, size_t n) {
    if (!p || (d && cache_put(d, p, n))) return;
    if (d) cudaSetDevice(d->ordinal);
    cudaFreeAsync(p, s);
}

static void *dev_alloc(cuda_dev *d, size_t n) {
    double t0 = cuda_profile_now();
    void *p = NULL;
    cudaError_t e = block_alloc(d, d->stream, n, &p);
    if (cuda_profiling) cuda_profile_count(CUDA_PROF_ALLOC, n, t0);
    if (e != cudaSuccess) {
        GEN_FAIL(GEN_ERR_OOM, "%s: out of device memory allocating %zu bytes (%s)", d->be.name, n,
                 cudaGetErrorString(e));
        return NULL;
    }
    return p;
}

static void dev_free(cuda_dev *d, void *p, size_t n) {
    double t0 = cuda_profile_now();
    block_free(d, d->stream, p, n);
    if (cuda_profiling) cuda_profile_count(CUDA_PROF_FREE, n, t0);
}

/* The device whose stream is s, or NULL. */
static cuda_dev *device_of_stream(cudaStream_t s) {
    for (int i = 0; i < CUDA_MAX_GPUS; i++)
        if (devices[i] && devices[i]->stream == s) return devices[i];
    return NULL;
}

void *cu_stream_alloc(cudaStream_t s, size_t n) {
    void *p = NULL;
    return block_alloc(device_of_stream(s), s, n, &p) == cudaSuccess ? p : NULL;
}

void cu_stream_free(cudaStream_t s, void *p, size_t n) { block_free(device_of_stream(s), s, p, n); }

static gen_status dev_to_host(cuda_dev *d, void *h, const void *dv, size_t n) {
    double t0 = cuda_profile_now();
    void *mark = cuda_profiling ? cuda_profile_begin(&d->be, "copy to host") : NULL;
    cudaSetDevice(d->ordinal);
    cudaError_t e = cudaMemcpyAsync(h, dv, n, cudaMemcpyDeviceToHost, d->stream);
    if (mark) cuda_profile_end(mark);
    if (e == cudaSuccess) e = cudaStreamSynchronize(d->stream);
    if (cuda_profiling) cuda_profile_count(CUDA_PROF_TO_HOST, n, t0);
    if (e != cudaSuccess) return cuda_fail(d->be.name, e);
    return cuda_check_device_errors(d, d->be.name);
}

static gen_status dev_from_host(cuda_dev *d, void *dv, const void *h, size_t n) {
    double t0 = cuda_profile_now();
    void *mark = cuda_profiling ? cuda_profile_begin(&d->be, "copy from host") : NULL;
    cudaSetDevice(d->ordinal);
    /* From pageable memory the runtime stages the bytes before returning: h may be
     * reused at once, and nothing waits for the device. */
    cudaError_t e = cudaMemcpyAsync(dv, h, n, cudaMemcpyHostToDevice, d->stream);
    if (mark) cuda_profile_end(mark);
    if (cuda_profiling) cuda_profile_count(CUDA_PROF_FROM_HOST, n, t0);
    return cuda_fail(d->be.name, e);
}

static gen_status dev_fill(cuda_dev *d, void *dst, gen_dtype t, int64_t n, double v) {
    void *mark = cuda_profiling ? cuda_profile_begin(&d->be, "fill") : NULL;
    cudaSetDevice(d->ordinal);
    cudaError_t e = cu_fill(d->stream, dst, (int)t, n, v);
    if (mark) cuda_profile_end(mark);
    return cuda_fail(d->be.name, e);
}

static gen_status dev_sync(cuda_dev *d) {
    double t0 = cuda_profile_now();
    cudaSetDevice(d->ordinal);
    cudaError_t e = cudaStreamSynchronize(d->stream);
    if (cuda_profiling) cuda_profile_count(CUDA_PROF_SYNC, 0, t0);
    if (e != cudaSuccess) return cuda_fail(d->be.name, e);
    return cuda_check_device_errors(d, d->be.name);
}

DEVICE_FNS(0)
DEVICE_FNS(1)
DEVICE_FNS(2)
DEVICE_FNS(3)
DEVICE_FNS(4)
DEVICE_FNS(5)
DEVICE_FNS(6)
DEVICE_FNS(7)

#define FN_ROW(N) {alloc_##N, free_##N, to_host_##N, from_host_##N, fill_##N, sync_##N}
static const struct {
    void *(*alloc)(size_t);
    void (*free)(void *, size_t);
    gen_status (*to_host)(void *, const void *, size_t);
    gen_status (*from_host)(void *, const void *, size_t);
    gen_status (*fill)(void *, gen_dtype, int64_t, double);
    gen_status (*sync)(void);
} device_fns[CUDA_MAX_GPUS] = {FN_ROW(0), FN_ROW(1), FN_ROW(2), FN_ROW(3),
                               FN_ROW(4), FN_ROW(5), FN_ROW(6), FN_ROW(7)};

/* Pinned host memory mapped into every device (the backends' mapped_alloc). */
static void *mapped_alloc(size_t n, void **dev) {
    void *h = NULL;
    cudaError_t e = cudaHostAlloc(&h, n ? n : 1, cudaHostAllocMapped | cudaHostAllocPortable);
    if (e == cudaSuccess) e = cudaHostGetDevicePointer(dev, h, 0);
    if (e != cudaSuccess) {
        if (h) cudaFreeHost(h);
        cudaGetLastError();
        cuda_fail("pinned host memory", e);
        return NULL;
    }
    return h;
}
static void mapped_free(void *h) {
    if (h) cudaFreeHost(h);
}

/* ---- errors found on the device ---- */

gen_status cuda_check_device_errors(cuda_dev *d, const char *op) {
    if (d->err->code == CU_ERR_NONE) return GEN_OK;
    cu_error e = *d->err;
    memset(d->err, 0, sizeof *d->err);
    const char *name = e.op >= 0 && e.op < OP_COUNT ? op_table[e.op].name : op;
    switch (e.code) {
    case CU_ERR_INDEX:
        return GEN_FAIL(GEN_ERR_INDEX, "%s: index %lld is out of range at position %lld", name, (long long)e.value,
                        (long long)e.index);
    case CU_ERR_NOT_PD:
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the matrix is not positive definite (matrix %lld)", name,
                        (long long)e.index);
    case CU_ERR_SINGULAR:
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the matrix is singular (matrix %lld)", name, (long long)e.index);
    default: return GEN_FAIL(GEN_ERR_INTERNAL, "%s: the device reported failure %d", name, e.code);
    }
}

/* ---- descriptors ---- */

cu_arr cuda_arr(const gen_array *a) {
    cu_arr r;
    r.p = a->data;
    r.dtype = a->dtype;
    r.ndim = a->ndim;
    r.size = a->size;
    for (int k = 0; k < CU_MAX_DIMS; k++) r.shape[k] = k < a->ndim ? a->shape[k] : 1;
    return r;
}

cu_bcast cuda_bcast(const op_call *c, int n) {
    cu_bcast b;
    memset(&b, 0, sizeof b);
    const gen_array *o = c->out;
    b.ndim = o->ndim;
    b.size = o->size;
    b.narrow = o->size < ((int64_t)1 << 31);
    for (int k = 0; k < o->ndim; k++) {
        b.shape[k] = o->shape[k];
        if (b.narrow) cu_divider((uint32_t)(o->shape[k] ? o->shape[k] : 1), &b.magic[k], &b.shift[k]);
    }
    b.nin = n;
    for (int i = 0; i < n && i < CU_MAX_IN; i++) {
        const gen_array *a = c->in[i];
        if (!a->buf) { /* one host element (backend.scalar_args): by value */
            b.mode[i] = CU_VALUE;
            memcpy(&b.value[i], a->data, gen_dtype_size(a->dtype));
        } else if (a->size == o->size && (a->ndim == o->ndim || a->size == 1)) b.mode[i] = a->size == 1 ? CU_SCALAR : CU_SAME;
        else if (a->size == 1) b.mode[i] = CU_SCALAR;
        else {
            b.mode[i] = CU_STRIDED;
            arr_broadcast_strides(a, o->ndim, o->shape, b.strides[i]);
        }
    }
    return b;
}

/* ---- library handles ---- */

void *cuda_cublas(cuda_dev *d) {
    if (d->cublas) return d->cublas;
    cublasHandle_t h;
    cudaSetDevice(d->ordinal);
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) {
        GEN_FAIL(GEN_ERR_INTERNAL, "%s: cuBLAS could not be initialized", d->be.name);
        return NULL;
    }
    cublasSetStream(h, d->stream);
    cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST);
    return d->cublas = h;
}

void *cuda_cusolver(cuda_dev *d) {
    if (d->cusolver) return d->cusolver;
    cusolverDnHandle_t h;
    cudaSetDevice(d->ordinal);
    if (cusolverDnCreate(&h) != CUSOLVER_STATUS_SUCCESS) {
        GEN_FAIL(GEN_ERR_INTERNAL, "%s: cuSOLVER could not be initialized", d->be.name);
        return NULL;
    }
    cusolverDnSetStream(h, d->stream);
    return d->cusolver = h;
}

/* ---- set-up ---- */

static void kernels_init(void) {
    cuda_kernels_elementwise(cuda_kernels, cuda_scalar_args);
    cuda_kernels_reduce(cuda_kernels);
    cuda_kernels_shape(cuda_kernels);
    cuda_kernels_linalg(cuda_kernels);
    cuda_kernels_fused(cuda_kernels);
}

/* The device record of GPU ordinal, made and registered (devices_lock held). */
static cuda_dev *device_new(int ordinal) {
    cudaError_t e = cudaSetDevice(ordinal);
    if (e != cudaSuccess) {
        cuda_fail("gen_device_cuda", e);
        return NULL;
    }
    cuda_dev *d = core_alloc(sizeof *d);
    if (!d) return NULL;
    memset(d, 0, sizeof *d);
    d->ordinal = ordinal;
    pthread_mutex_init(&d->cache_lock, NULL);
    for (int i = 0; i < CUDA_CACHE_BLOCKS; i++) d->blocks[i].next = i + 1 < CUDA_CACHE_BLOCKS ? &d->blocks[i + 1] : NULL;
    d->spare = d->blocks;
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) cudaGetLastError();
    d->cache_max = total_bytes / 4; /* a quarter of the GPU's memory at most */
    int major = 0, minor = 0;
    if ((e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ordinal)) != cudaSuccess ||
        (e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, ordinal)) != cudaSuccess)
        goto fail;
    d->cc = major * 10 + minor;
    static char names[CUDA_MAX_GPUS][8];
    snprintf(names[ordinal], sizeof names[ordinal], "cuda%d", ordinal);
    if ((e = cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking)) != cudaSuccess) goto fail;
    /* The pool keeps what is freed (up to all of it) for the next allocations. */
    cudaMemPool_t pool;
    if ((e = cudaDeviceGetDefaultMemPool(&pool, ordinal)) != cudaSuccess) goto fail;
    uint64_t keep = UINT64_MAX;
    if ((e = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep)) != cudaSuccess) goto fail;
    if ((e = cudaHostAlloc((void **)&d->err, sizeof *d->err, cudaHostAllocMapped)) != cudaSuccess) goto fail;
    memset(d->err, 0, sizeof *d->err);
    if ((e = cudaHostGetDevicePointer((void **)&d->err_dev, d->err, 0)) != cudaSuccess) goto fail;
    bool fusing = cuda_fusing();
    d->be = (backend){.name = names[ordinal],
                      .host = false,
                      .mem_alloc = device_fns[ordinal].alloc,
                      .mem_free = device_fns[ordinal].free,
                      .to_host = device_fns[ordinal].to_host,
                      .from_host = device_fns[ordinal].from_host,
                      .fill = device_fns[ordinal].fill,
                      .synchronize = device_fns[ordinal].sync,
                      .mapped_alloc = mapped_alloc,
                      .mapped_free = mapped_free,
                      .queue = d->stream,
                      .ordinal = ordinal,
                      .kernels = cuda_kernels,
                      .scalar_args = cuda_scalar_args,
                      .mark_begin = cuda_profiling ? cuda_profile_begin : NULL,
                      .mark_end = cuda_profiling ? cuda_profile_end : NULL,
                      .fuse = fusing ? cuda_fuse_fn : NULL,
                      .fuse_op = fusing ? cuda_fuse_op_fn : NULL};
    devices[ordinal] = d; /* before registering: the functions above look it up */
    if (backend_register(&d->be) < 0) {
        devices[ordinal] = NULL;
        goto fail_quiet;
    }
    return d;
fail:
    cuda_fail("gen_device_cuda", e);
fail_quiet:
    if (d->err) cudaFreeHost(d->err);
    if (d->stream) cudaStreamDestroy(d->stream);
    pthread_mutex_destroy(&d->cache_lock);
    core_free(d, sizeof *d);
    return NULL;
}

gen_device gen_device_cuda(int ordinal) {
    if (ordinal < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_device_cuda: ordinal must be >= 0, got %d", ordinal);
        return GEN_DEVICE_NONE;
    }
    pthread_mutex_lock(&devices_lock);
    cuda_dev *d = ordinal < CUDA_MAX_GPUS ? devices[ordinal] : NULL;
    if (!d) {
        int count = 0;
        cudaError_t e = cudaGetDeviceCount(&count);
        if (e != cudaSuccess || ordinal >= count) {
            cudaGetLastError();
            GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_device_cuda: no CUDA device %d: %s", ordinal,
                     e != cudaSuccess ? cudaGetErrorString(e) : count ? "there are fewer GPUs" : "no GPU");
        } else if (ordinal >= CUDA_MAX_GPUS) {
            GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_device_cuda: at most %d GPUs are supported, asked for %d",
                     CUDA_MAX_GPUS, ordinal);
        } else {
            static bool kernels_ready;
            if (!kernels_ready) kernels_init(), cuda_profile_init(), kernels_ready = true;
            d = device_new(ordinal);
        }
    }
    pthread_mutex_unlock(&devices_lock);
    return d ? d->be.device : GEN_DEVICE_NONE;
}
