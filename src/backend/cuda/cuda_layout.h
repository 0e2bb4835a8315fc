/* cuda_layout.h — the index arithmetic and element rules of the CUDA reduce and shape
 * kernels (cuda_reduce.cu, cuda_shape.cu), as plain data and GENC_HD functions: the
 * descriptors the C side builds (cuda_reduce.c, cuda_shape.c), the offsets a kernel
 * computes per element, the combine rules that make max/min/argmax/argmin exact in any
 * reduction order, and the sort keys that give argsort the CPU's order.
 * Plain C and C++ without CUDA headers, so the arithmetic can be run on the host too. */
#ifndef GENC_SRC_CUDA_LAYOUT_H
#define GENC_SRC_CUDA_LAYOUT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../core/core_hd.h"

/* ---- strided copies: permute, concatenate, slice, flip, tile ---- */

/* Element i of the index space (ndim, shape) (row-major) copies the element at
 * src_base + sum_k c_k src_stride[k] to dst_base + sum_k c_k dst_stride[k], with c the
 * multi-index of i. Strides are in elements and may be 0 (tile's repeats) or negative
 * (flip). Tile splits each axis in two (repeat, position), hence twice the dims. */
#define CU_COPY_MAX_DIMS 16
typedef struct cu_copy {
    int ndim;
    int64_t size; /* the product of shape */
    int64_t shape[CU_COPY_MAX_DIMS];
    int64_t src_stride[CU_COPY_MAX_DIMS];
    int64_t dst_stride[CU_COPY_MAX_DIMS];
    int64_t src_base, dst_base;
} cu_copy;

static inline GENC_HD void cu_copy_offsets(const cu_copy *d, int64_t i, int64_t *src, int64_t *dst) {
    int64_t s = d->src_base, t = d->dst_base;
    for (int k = d->ndim - 1; k >= 0; k--) {
        int64_t c = i % d->shape[k];
        i /= d->shape[k];
        s += c * d->src_stride[k];
        t += c * d->dst_stride[k];
    }
    *src = s;
    *dst = t;
}

/* ---- reductions: the argument seen as [outputs, len] ---- */

/* Reductions of at most CU_SHORT_LEN elements per output, or of at most CU_MEDIUM_LEN when
 * there are CU_MANY outputs, take one thread per output, folding its elements in order
 * (the CPU's order; cu_reduce_in_order); longer ones go through CUB (another order). */
#define CU_SHORT_LEN 32
#define CU_MEDIUM_LEN 1024
#define CU_MANY 32768
static inline GENC_HD bool cu_reduce_in_order(int64_t nout, int64_t len) {
    return len <= CU_SHORT_LEN || (nout >= CU_MANY && len <= CU_MEDIUM_LEN);
}

/* Output o reduces len elements: the kept axes give o's offset, the reduced axes (in
 * the argument's axis order) give the offset of its r-th element, so r runs in the
 * order the CPU kernel visits them. Dims of size 1 are left out and neighbours of one
 * kind merged (the C side does this). */
#define CU_RED_MAX_DIMS 8
typedef struct cu_reduce {
    int nkept, nred;
    int64_t kept_shape[CU_RED_MAX_DIMS], kept_stride[CU_RED_MAX_DIMS];
    int64_t red_shape[CU_RED_MAX_DIMS], red_stride[CU_RED_MAX_DIMS];
    int64_t nout, len;
    int rows; /* the layout is plain rows: (o, r) is at o * len + r (no index arithmetic) */
} cu_reduce;

static inline GENC_HD int64_t cu_unravel_offset(int n, const int64_t *shape, const int64_t *stride, int64_t i) {
    int64_t off = 0;
    for (int k = n - 1; k >= 0; k--) {
        off += i % shape[k] * stride[k];
        i /= shape[k];
    }
    return off;
}
/* The offset of output o's element r. */
static inline GENC_HD int64_t cu_reduce_offset(const cu_reduce *d, int64_t o, int64_t r) {
    if (d->rows) return o * d->len + r;
    return cu_unravel_offset(d->nkept, d->kept_shape, d->kept_stride, o) +
           cu_unravel_offset(d->nred, d->red_shape, d->red_stride, r);
}

/* ---- rows along one axis: the array seen as [outer, n, inner] ---- */

/* The offset of element k of row `row` (row = o * inner + i, as the CPU numbers them). */
static inline GENC_HD int64_t cu_row_offset(int64_t row, int64_t k, int64_t n, int64_t inner) {
    return (row / inner * n + k) * inner + row % inner;
}

/* ---- exact extremes: a value with its position, combined in any order ---- */

/* max/min (CPU: acc = x when x > acc or x is NaN, from the first element on) give the
 * first of equal extremes (so -0.0 before 0.0 stays -0.0) and, when there are NaNs, the
 * last NaN; argmax/argmin give the first NaN, else the first extreme. Both are the best
 * of a total order on (value, position), so the combination is commutative and
 * associative, and a reduction in any order (CUB's) finds the CPU's element. */
typedef struct cu_best {
    double v;
    int64_t pos;
} cu_best;
typedef struct cu_best_i64 {
    int64_t v;
    int64_t pos;
} cu_best_i64;

/* Whether (a, ia) beats (b, ib): max picks larger values (else smaller); last_nan picks
 * the later of two NaNs (max/min) instead of the earlier (argmax/argmin). */
static inline GENC_HD bool cu_beats(double a, int64_t ia, double b, int64_t ib, bool max, bool last_nan) {
    bool an = a != a, bn = b != b;
    if (an || bn) return an && bn ? (last_nan ? ia > ib : ia < ib) : an;
    if (a != b) return max ? a > b : a < b;
    return ia < ib;
}
static inline GENC_HD bool cu_beats_i64(int64_t a, int64_t ia, int64_t b, int64_t ib, bool max) {
    if (a != b) return max ? a > b : a < b;
    return ia < ib;
}

/* ---- sort keys: unsigned integers whose order is argsort's ---- */

/* The CPU sorts doubles (f32 read as double) with NaN last and ties (-0.0 == 0.0
 * included) in index order: keys map -0.0 to 0.0 and every NaN to the largest key, so a
 * stable radix sort of the keys gives the same permutation. */
static inline GENC_HD uint64_t cu_sort_key_f64(double x) {
    if (x != x) return UINT64_MAX;
    if (x == 0) x = 0.0;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b >> 63 ? ~b : b | (UINT64_C(1) << 63);
}
static inline GENC_HD uint32_t cu_sort_key_f32(float x) {
    if (x != x) return UINT32_MAX;
    if (x == 0) x = 0.0f;
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b >> 31 ? ~b : b | (UINT32_C(1) << 31);
}
static inline GENC_HD uint64_t cu_sort_key_i64(int64_t x) { return (uint64_t)x ^ (UINT64_C(1) << 63); }

/* ---- logsumexp ---- */

/* Whether x is finite (not infinite, not NaN), without the math library's macro. */
static inline GENC_HD bool cu_finite(double x) { return x - x == 0; }

#endif
