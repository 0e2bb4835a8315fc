/* cpu_iter.c — row-by-row traversal of broadcast operands (see cpu.h). */
#include <string.h>

#include "cpu.h"

void cpu_iter_init(cpu_iter *it, int ndim, const int64_t *shape, int nops,
                   int64_t (*strides)[GEN_MAX_DIMS]) {
    it->ndim = ndim;
    it->nops = nops;
    it->done = arr_shape_size(ndim, shape) == 0;
    memcpy(it->shape, shape, (size_t)ndim * sizeof *shape);
    for (int k = 0; k < nops; k++) {
        memcpy(it->strides[k], strides[k], (size_t)ndim * sizeof(int64_t));
        it->off[k] = 0;
        it->step[k] = ndim ? strides[k][ndim - 1] : 0;
    }
    memset(it->idx, 0, sizeof it->idx);
    it->inner = ndim ? shape[ndim - 1] : 1;
}

bool cpu_iter_next(cpu_iter *it) {
    for (int d = it->ndim - 2; d >= 0; d--) {
        if (++it->idx[d] < it->shape[d]) {
            for (int k = 0; k < it->nops; k++) it->off[k] += it->strides[k][d];
            return true;
        }
        for (int k = 0; k < it->nops; k++) it->off[k] -= it->strides[k][d] * (it->shape[d] - 1);
        it->idx[d] = 0;
    }
    it->done = true;
    return false;
}

void cpu_iter_broadcast(cpu_iter *it, const op_call *c, int n) {
    int64_t strides[CPU_ITER_MAX][GEN_MAX_DIMS];
    for (int k = 0; k < n; k++) arr_broadcast_strides(c->in[k], c->out->ndim, c->out->shape, strides[k]);
    cpu_iter_init(it, c->out->ndim, c->out->shape, n, strides);
}

bool cpu_is_suffix(const gen_array *a, const gen_array *out) {
    if (a->size == 0) return false;
    int k = a->ndim;
    while (k > 0 && a->shape[a->ndim - k] == 1) k--; /* drop leading 1s */
    if (k > out->ndim) return false;
    for (int i = 1; i <= k; i++)
        if (a->shape[a->ndim - i] != out->shape[out->ndim - i]) return false;
    return true;
}

bool cpu_is_prefix(const gen_array *a, const gen_array *out) {
    if (a->size == 0 || a->ndim > out->ndim) return false;
    int lead = out->ndim - a->ndim, d = 0;
    for (; d < out->ndim; d++) { /* out's leading shape ... */
        int64_t ad = d < lead ? 1 : a->shape[d - lead];
        if (ad != out->shape[d]) break;
    }
    for (; d < out->ndim; d++) /* ... then only size-1 axes */
        if ((d < lead ? 1 : a->shape[d - lead]) != 1) return false;
    return true;
}
