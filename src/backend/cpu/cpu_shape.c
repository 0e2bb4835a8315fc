/* cpu_shape.c — CPU kernels of ops_shape.def. */
#include <string.h>

#include "cpu_shape.h"

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

/* Each argument contributes one block of in->shape[axis] * inner elements per outer
 * index. */
gen_status cpu_concatenate(const op_call *c) {
    gen_array *o = c->out;
    size_t es = gen_dtype_size(o->dtype);
    int64_t outer, inner;
    cpu_split_axis(o->ndim, o->shape, c->p->axis, &outer, &inner);
    char *dst = o->data;
    for (int64_t q = 0; q < outer; q++) {
        for (int i = 0; i < c->n_in; i++) {
            size_t block = (size_t)(c->in[i]->shape[c->p->axis] * inner) * es;
            if (!block) continue;
            memcpy(dst, (const char *)c->in[i]->data + (size_t)q * block, block);
            dst += block;
        }
    }
    return GEN_OK;
}

/* Slice and flip: p->k rows start, start + step, ... of the axis, each inner long. */
gen_status cpu_slice(const op_call *c) {
    const gen_array *a = c->in[0];
    const op_params *p = c->p;
    size_t es = gen_dtype_size(a->dtype);
    int64_t outer, inner, n = a->shape[p->axis];
    cpu_split_axis(a->ndim, a->shape, p->axis, &outer, &inner);
    size_t row = (size_t)inner * es;
    if (!row) return GEN_OK;
    const char *src = a->data;
    char *dst = c->out->data;
    for (int64_t q = 0; q < outer; q++) {
        for (int64_t j = 0; j < p->k; j++, dst += row)
            memcpy(dst, src + (size_t)(q * n + p->start + j * p->step) * row, row);
    }
    return GEN_OK;
}

/* Fills the block of axis d onwards: the input block once per index of the axis,
 * then that whole first copy repeated reps - 1 times. */
static void tile_block(const op_call *c, int d, const char *src, char *dst, size_t es,
                       const int64_t *in_stride, const int64_t *out_stride) {
    const gen_array *a = c->in[0];
    int64_t dim = a->shape[d];
    if (d == a->ndim - 1) {
        memcpy(dst, src, (size_t)dim * es);
    } else {
        for (int64_t i = 0; i < dim; i++)
            tile_block(c, d + 1, src + (size_t)(i * in_stride[d]) * es,
                       dst + (size_t)(i * out_stride[d]) * es, es, in_stride, out_stride);
    }
    size_t block = (size_t)(dim * out_stride[d]) * es;
    for (int64_t r = 1; r < c->p->shape[d]; r++) memcpy(dst + (size_t)r * block, dst, block);
}

gen_status cpu_tile(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    size_t es = gen_dtype_size(o->dtype);
    if (o->size == 0) return GEN_OK;
    if (a->ndim == 0) {
        memcpy(o->data, a->data, es);
        return GEN_OK;
    }
    int64_t in_stride[GEN_MAX_DIMS], out_stride[GEN_MAX_DIMS], si = 1, so = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        in_stride[d] = si, out_stride[d] = so;
        si *= a->shape[d], so *= o->shape[d];
    }
    tile_block(c, 0, a->data, o->data, es, in_stride, out_stride);
    return GEN_OK;
}
