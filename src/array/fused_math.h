/* fused_math.h — what the fused rows share between their kernels (backend/cpu/
 * cpu_fused.c, cpu_discrete.c, backend/cuda/cuda_fused.c) and their rules (ops_fused.c)
 * on the array side: the per-element formulas of fused_hd.h (host and device), and the
 * case and stride computations that read array headers. */
#ifndef GENC_SRC_FUSED_MATH_H
#define GENC_SRC_FUSED_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "array_int.h"
#include "fused_hd.h"

/* NORMAL_LOGPDF_SUM's first case: sigma one value, mu of the full (batch, event)
 * shape with ne event axes, x of that shape (*full) or of the event shape. */
static inline bool fused_normal_sum_rows(const gen_array *x, const gen_array *mu, const gen_array *sg, int ne,
                                         bool *full) {
    int nb = mu->ndim - ne;
    if (ne < 0 || nb < 0 || sg->size != 1) return false;
    *full = x->ndim == mu->ndim && !memcmp(x->shape, mu->shape, (size_t)mu->ndim * sizeof(int64_t));
    return *full || (x->ndim == ne && !memcmp(x->shape, mu->shape + nb, (size_t)ne * sizeof(int64_t)));
}

/* Element strides (0 on broadcast axes) of a row-major batch of shape (nb, bs), whose
 * elements are rows of `row` elements, seen as the trailing axes of (nd, shape): where
 * the categorical and Poisson rows find the batch row of an output element. */
static inline void fused_row_strides(int nb, const int64_t *bs, int64_t row, int nd, int64_t *st) {
    int64_t s = row;
    for (int j = nd - 1; j >= 0; j--) {
        int b = j - (nd - nb);
        if (b < 0) {
            st[j] = 0;
            continue;
        }
        st[j] = bs[b] == 1 ? 0 : s;
        s *= bs[b];
    }
}

#endif
