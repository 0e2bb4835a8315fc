/* mergesort.h — the stable bottom-up merge sort of indices behind argsort, NaN last: the
 * CPU kernel (backend/cpu/cpu_reduce.c) and the compiled code's runtime
 * (compile/runtime.c) both run it, so their orders agree, ties included. Sorts idx[0..n)
 * (already filled) by key; tmp: n scratch indices. */
#ifndef GENC_SRC_MERGESORT_H
#define GENC_SRC_MERGESORT_H

#include <stdint.h>
#include <string.h>

#define ARR_DEFINE_MERGESORT(NAME, T, LESS)                                                 \
    static inline void NAME(const T *key, int64_t *idx, int64_t *tmp, int64_t n) {          \
        for (int64_t w = 1; w < n; w *= 2) {                                                \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                     \
                int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n; \
                int64_t i = lo, j = mid, k = lo;                                            \
                while (i < mid && j < hi) {                                                 \
                    T a = key[idx[i]], b = key[idx[j]];                                     \
                    tmp[k++] = LESS(b, a) ? idx[j++] : idx[i++]; /* ties: left first */     \
                }                                                                           \
                while (i < mid) tmp[k++] = idx[i++];                                        \
                while (j < hi) tmp[k++] = idx[j++];                                         \
            }                                                                               \
            memcpy(idx, tmp, (size_t)n * sizeof *idx);                                      \
        }                                                                                   \
    }
#define ARR_FLOAT_LESS(a, b) ((a) == (a) && ((b) != (b) || (a) < (b))) /* NaN last */
#define ARR_INT_LESS(a, b) ((a) < (b))
ARR_DEFINE_MERGESORT(arr_mergesort_f64, double, ARR_FLOAT_LESS)
ARR_DEFINE_MERGESORT(arr_mergesort_i64, int64_t, ARR_INT_LESS)

#endif
