/* cpu_shape_index.c — CPU kernels of take, index_set and index_add (ops_shape.def). */
#include <string.h>

#include "../backend.h"
#include "cpu_shape.h"

/* Fails with GEN_ERR_INDEX naming the first index outside [-n, n) and its position. */
static gen_status check_indices(const op_call *c, int64_t n) {
    const gen_array *idx = c->in[1];
    const int64_t *ix = idx->data;
    for (int64_t j = 0; j < idx->size; j++)
        if (ix[j] < -n || ix[j] >= n) return backend_index_fail(c, j, ix[j], n);
    return GEN_OK;
}

static inline int64_t norm_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

gen_status cpu_take(const op_call *c) {
    const gen_array *a = c->in[0], *idx = c->in[1];
    int64_t outer, inner, n = a->shape[c->p->axis], m = idx->size;
    gen_status st = check_indices(c, n);
    if (st != GEN_OK) return st;
    cpu_split_axis(a->ndim, a->shape, c->p->axis, &outer, &inner);
    size_t row = (size_t)inner * gen_dtype_size(a->dtype);
    if (!row) return GEN_OK;
    const int64_t *ix = idx->data;
    const char *src = a->data;
    char *dst = c->out->data;
    for (int64_t q = 0; q < outer; q++)
        for (int64_t j = 0; j < m; j++, dst += row)
            memcpy(dst, src + (size_t)(q * n + norm_index(ix[j], n)) * row, row);
    return GEN_OK;
}

/* dst[k] (+)= src[s] for one element of dtype t. */
static inline void update_one(gen_dtype t, bool add, char *dst, int64_t k, const char *src,
                              int64_t s) {
    if (!add) {
        size_t es = gen_dtype_size(t);
        memcpy(dst + (size_t)k * es, src + (size_t)s * es, es);
        return;
    }
    switch (t) {
    case GEN_F64: ((double *)dst)[k] += ((const double *)src)[s]; break;
    case GEN_F32: ((float *)dst)[k] += ((const float *)src)[s]; break;
    case GEN_I64: { /* wraps on overflow (through unsigned: no undefined behaviour) */
        int64_t *d = (int64_t *)dst;
        d[k] = (int64_t)((uint64_t)d[k] + (uint64_t)((const int64_t *)src)[s]);
        break;
    }
    case GEN_BOOL: ((uint8_t *)dst)[k] |= ((const uint8_t *)src)[s]; break;
    }
}

/* out = a, then out[q, idx[j], i] (+)= values[q, j, i] over take's shape, in
 * row-major order (so with index_set the last of repeated indices wins). values
 * broadcast to take's shape: its offset comes from a cpu_iter over that shape. */
static gen_status index_update(const op_call *c, bool add) {
    const gen_array *a = c->in[0], *idx = c->in[1], *v = c->in[2];
    gen_array *o = c->out;
    gen_dtype t = (gen_dtype)o->dtype;
    int axis = c->p->axis;
    int64_t outer, inner, n = a->shape[axis], m = idx->size;
    gen_status st = check_indices(c, n);
    if (st != GEN_OK) return st;
    memcpy(o->data, a->data, (size_t)o->size * gen_dtype_size(t));
    int tn = 0;
    int64_t ts[GEN_MAX_DIMS], strides[1][GEN_MAX_DIMS];
    for (int d = 0; d < axis; d++) ts[tn++] = a->shape[d];
    for (int d = 0; d < idx->ndim; d++) ts[tn++] = idx->shape[d];
    for (int d = axis + 1; d < a->ndim; d++) ts[tn++] = a->shape[d];
    arr_broadcast_strides(v, tn, ts, strides[0]);
    cpu_iter it;
    cpu_iter_init(&it, tn, ts, 1, strides);
    if (it.done) return GEN_OK;
    cpu_split_axis(a->ndim, a->shape, axis, &outer, &inner);
    const int64_t *ix = idx->data;
    int64_t k = 0; /* flat position in take's shape: k = (q * m + j) * inner + i */
    do {
        for (int64_t e = 0; e < it.inner; e++, k++) {
            int64_t i = k % inner, qj = k / inner, j = qj % m, q = qj / m;
            int64_t dst = (q * n + norm_index(ix[j], n)) * inner + i;
            update_one(t, add, o->data, dst, v->data, it.off[0] + e * it.step[0]);
        }
    } while (cpu_iter_next(&it));
    return GEN_OK;
}

gen_status cpu_index_set(const op_call *c) { return index_update(c, false); }
gen_status cpu_index_add(const op_call *c) { return index_update(c, true); }
