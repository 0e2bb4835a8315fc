/* cpu_shape.c — CPU kernels of ops_shape.def. */
#include <string.h>

#include "cpu.h"

gen_status cpu_permute(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    size_t es = gen_dtype_size(o->dtype);
    int64_t in_strides[GEN_MAX_DIMS], strides[1][GEN_MAX_DIMS], s = 1;
    for (int d = a->ndim - 1; d >= 0; d--) in_strides[d] = s, s *= a->shape[d];
    for (int i = 0; i < o->ndim; i++) strides[0][i] = in_strides[c->p->axes[i]];
    cpu_iter it;
    cpu_iter_init(&it, o->ndim, o->shape, 1, strides);
    if (it.done) return GEN_OK;
    const char *src = a->data;
    char *dst = o->data;
    int64_t k = 0;
    do {
        if (es == 8) {
            const uint64_t *s8 = (const uint64_t *)src;
            uint64_t *d8 = (uint64_t *)dst;
            for (int64_t j = 0; j < it.inner; j++) d8[k + j] = s8[it.off[0] + j * it.step[0]];
        } else {
            for (int64_t j = 0; j < it.inner; j++)
                memcpy(dst + (k + j) * es, src + (it.off[0] + j * it.step[0]) * es, es);
        }
        k += it.inner;
    } while (cpu_iter_next(&it));
    return GEN_OK;
}
