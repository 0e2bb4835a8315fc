/* fake_device.c — the fake device of fake_device.h: page-mapped buffers opened only while
 * a kernel or copy of the backend uses them, the CPU kernels, counters. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "fake_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/backend/backend.h"

fake_device_counts fake_counts;

static size_t page_size;

/* The pages holding [p, p + n) (at least one page). */
static void pages(const void *p, size_t n, void **start, size_t *len) {
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)(page_size - 1);
    uintptr_t e = ((uintptr_t)p + (n ? n : 1) + page_size - 1) & ~(uintptr_t)(page_size - 1);
    *start = (void *)a;
    *len = e - a;
}

static void set_access(const void *p, size_t n, bool open) {
    void *s;
    size_t len;
    pages(p, n, &s, &len);
    if (mprotect(s, len, open ? PROT_READ | PROT_WRITE : PROT_NONE) != 0) abort();
}

static void *fake_alloc(size_t n) {
    void *s;
    size_t len;
    pages(NULL, n, &s, &len);
    void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        GEN_FAIL(GEN_ERR_OOM, "fake: cannot map %zu bytes", n);
        return NULL;
    }
    fake_counts.live_buffers++;
    return p;
}

static void fake_free(void *p, size_t n) {
    void *s;
    size_t len;
    pages(p, n, &s, &len);
    munmap(s, len);
    fake_counts.live_buffers--;
}

static gen_status fake_to_host(void *dst, const void *src, size_t n) {
    fake_counts.to_host++;
    fake_counts.to_host_bytes += (long)n;
    set_access(src, n, true);
    memcpy(dst, src, n);
    set_access(src, n, false);
    return GEN_OK;
}

static gen_status fake_from_host(void *dst, const void *src, size_t n) {
    fake_counts.from_host++;
    set_access(dst, n, true);
    memcpy(dst, src, n);
    set_access(dst, n, false);
    return GEN_OK;
}

static gen_status fake_fill(void *dst, gen_dtype dtype, int64_t n, double value) {
    fake_counts.fills++;
    size_t bytes = (size_t)n * gen_dtype_size(dtype);
    set_access(dst, bytes, true);
    for (int64_t i = 0; i < n; i++) arr_set_f64(dtype, dst, i, value);
    set_access(dst, bytes, false);
    return GEN_OK;
}

static gen_status fake_synchronize(void) {
    fake_counts.syncs++;
    return GEN_OK;
}

/* Defers elementwise ops as the CUDA backend does, then declines to fuse: lazy.c runs
 * the pending ops one by one (each counted as a kernel) when something reads them. */
static gen_status fake_fuse(arr_buffer *buf) {
    (void)buf;
    fake_counts.fuse_calls++;
    return GEN_ERR_UNSUPPORTED;
}

static backend fake = {.name = "fake", .host = false, .mem_alloc = fake_alloc, .mem_free = fake_free,
                       .to_host = fake_to_host, .from_host = fake_from_host, .fill = fake_fill,
                       .synchronize = fake_synchronize, .fuse = fake_fuse};

/* The calls whose kernels run (a kernel may run ops itself: a custom VJP's user code). */
#define FAKE_MAX_DEPTH 16
static const op_call *running[FAKE_MAX_DEPTH];
static int depth;

static void call_access(const op_call *c, bool open) {
    for (int i = 0; i < c->n_in; i++) {
        const arr_buffer *b = c->in[i]->buf;
        if (b && b->backend == &fake) set_access(b->data, b->nbytes, open);
    }
    for (int j = 0; j < c->n_out; j++) {
        const arr_buffer *b = c->outs[j] ? c->outs[j]->buf : NULL;
        if (b && b->backend == &fake) set_access(b->data, b->nbytes, open);
    }
}

static gen_status fake_kernel(const op_call *c) {
    fake_counts.kernels++;
    if (depth == FAKE_MAX_DEPTH) abort();
    for (int i = 0; i < c->n_in; i++) /* a kernel reading elements not yet computed */
        if (arr_pending_of(c->in[i])) {
            fprintf(stderr, "fake: the %s kernel reads argument %d, which is still pending\n", op_table[c->op].name, i);
            abort();
        }
    running[depth++] = c;
    call_access(c, true);
    gen_status st = cpu_backend.kernels[c->op](c);
    call_access(c, false);
    depth--;
    for (int k = 0; k < depth; k++) call_access(running[k], true); /* the outer calls' buffers stay open */
    return st;
}

static op_kernel_fn fake_kernels[OP_COUNT];
/* As on a GPU: the binary ops, where, clip and broadcast_to take one-element host
 * arguments as they are (dispatch does not copy them here first). */
static bool fake_scalars[OP_COUNT];

gen_device fake_device(void) {
    if (page_size) return fake.device;
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < OP_COUNT; i++) fake_kernels[i] = cpu_backend.kernels[i] ? fake_kernel : NULL;
    fake_kernels[OP_SCALAR_LOGPDF] = fake_kernels[OP_BIJECTION_SCALAR] = fake_kernels[OP_DRAW] = NULL;
    fake.kernels = fake_kernels;
#define OP(ID, name, arity, shape, cpu, vjp, jvp) fake_scalars[OP_##ID] = true;
#include "../../src/array/ops_binary.def"
#undef OP
    fake_scalars[OP_BROADCAST_TO] = true;
    fake.scalar_args = fake_scalars;
    if (backend_register(&fake) < 0) abort();
    return fake.device;
}

gen_array *fake_put(const gen_array *a) { return gen_array_to_device(a, fake_device()); }
