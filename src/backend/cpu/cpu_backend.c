/* cpu_backend.c — the reference backend: host memory, and the CPU kernel column of
 * the op table. */
#include <string.h>

#include "../backend.h"

/* Big buffers go through the large-block cache, small ones through the small-block
 * cache (see core.h). */
#define CPU_LARGE ((size_t)64 << 10)
static void *cpu_alloc(size_t nbytes) {
    return nbytes >= CPU_LARGE ? core_alloc_large(nbytes) : core_alloc_small(nbytes);
}
static void cpu_free(void *p, size_t nbytes) {
    if (nbytes >= CPU_LARGE) core_free_large(p, nbytes);
    else core_free_small(p, nbytes);
}

static gen_status cpu_memcpy(void *dst, const void *src, size_t nbytes) {
    memcpy(dst, src, nbytes);
    return GEN_OK;
}

#define OP(ID, name, arity, shape, cpu, vjp, jvp) gen_status cpu(const op_call *);
#define OPX OPX_AS_OP
#include "../../array/ops.def"
#undef OPX
#undef OP

static const op_kernel_fn cpu_kernels[OP_COUNT] = {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) [OP_##ID] = cpu,
#define OPX OPX_AS_OP
#include "../../array/ops.def"
#undef OPX
#undef OP
};

const backend cpu_backend = {
    .name = "cpu",
    .device = GEN_DEVICE_CPU,
    .host = true,
    .mem_alloc = cpu_alloc,
    .mem_free = cpu_free,
    .to_host = cpu_memcpy,
    .from_host = cpu_memcpy,
    .kernels = cpu_kernels,
};
