/* cpu_core.c — CPU kernels of ops_core.def: cast, copy, broadcast_to. */
#include <string.h>

#include "cpu.h"

gen_status cpu_cast(const op_call *c) {
    arr_convert((gen_dtype)c->out->dtype, c->out->data, (gen_dtype)c->in[0]->dtype,
                c->in[0]->data, c->out->size);
    return GEN_OK;
}

gen_status cpu_copy(const op_call *c) {
    memcpy(c->out->data, c->in[0]->data, (size_t)c->out->size * gen_dtype_size(c->out->dtype));
    return GEN_OK;
}

gen_status cpu_broadcast_to(const op_call *c) {
    size_t es = gen_dtype_size(c->out->dtype);
    const char *src = c->in[0]->data;
    char *dst = c->out->data;
    cpu_iter it;
    cpu_iter_broadcast(&it, c, 1);
    if (it.done) return GEN_OK;
    int64_t o = 0;
    do {
        if (it.step[0] == 1) {
            memcpy(dst + o * es, src + it.off[0] * es, (size_t)it.inner * es);
        } else {
            for (int64_t j = 0; j < it.inner; j++)
                memcpy(dst + (o + j) * es, src + (it.off[0] + j * it.step[0]) * es, es);
        }
        o += it.inner;
    } while (cpu_iter_next(&it));
    return GEN_OK;
}
