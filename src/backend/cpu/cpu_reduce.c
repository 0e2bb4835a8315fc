/* cpu_reduce.c — CPU kernels of ops_reduce.def. */
#include <string.h>

#include "cpu.h"

/* Iterates the argument in order with the result's offset alongside: operand 0 is the
 * argument (contiguous), operand 1 the result (stride 0 on reduced axes). */
static void reduce_iter(cpu_iter *it, const op_call *c) {
    const gen_array *a = c->in[0];
    int64_t strides[2][GEN_MAX_DIMS], s0 = 1, s1 = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        strides[0][d] = s0;
        s0 *= a->shape[d];
        bool red = false;
        for (int k = 0; k < c->p->naxes; k++) red |= c->p->axes[k] == d;
        strides[1][d] = red ? 0 : s1;
        if (!red) s1 *= a->shape[d];
    }
    cpu_iter_init(it, a->ndim, a->shape, 2, strides);
}

#define REDUCE_ACCUMULATE(T, INIT, UPDATE)                                                  \
    do {                                                                                    \
        const T *x_ = c->in[0]->data;                                                       \
        T *o_ = c->out->data;                                                               \
        for (int64_t i_ = 0; i_ < c->out->size; i_++) o_[i_] = (INIT);                      \
        cpu_iter it_;                                                                       \
        reduce_iter(&it_, c);                                                               \
        if (!it_.done) do {                                                                 \
            for (int64_t j_ = 0; j_ < it_.inner; j_++) {                                    \
                T *acc = &o_[it_.off[1] + j_ * it_.step[1]];                                \
                T x = x_[it_.off[0] + j_];                                                  \
                UPDATE;                                                                     \
            }                                                                               \
        } while (cpu_iter_next(&it_));                                                      \
    } while (0)

gen_status cpu_sum(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: REDUCE_ACCUMULATE(double, 0.0, *acc += x); break;
    case GEN_F32: REDUCE_ACCUMULATE(float, 0.0f, *acc += x); break;
    default: REDUCE_ACCUMULATE(int64_t, 0, *acc += x); break;
    }
    return GEN_OK;
}
