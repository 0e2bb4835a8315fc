/* dtype_convert.h — the element conversions between dtypes that C leaves undefined
 * (arr_convert and arr_set_f64 in array.c), GENC_HD (core_hd.h) so the CUDA cast kernel
 * (backend/cuda/cuda_elementwise.cu) converts exactly as the host does. The others are
 * plain C conversions: to bool x != 0 (nan is true), bool to numbers 0 or 1, i64 to
 * floats rounded to nearest, f32 to f64 exact. Plain math only, so CUDA C++ includes it. */
#ifndef GENC_SRC_DTYPE_CONVERT_H
#define GENC_SRC_DTYPE_CONVERT_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "../core/core_hd.h"

/* f64 (or f32) to i64: truncates toward zero, saturating at the limits, nan to 0 (C
 * leaves out-of-range conversion undefined). */
static inline GENC_HD int64_t cvt_f64_to_i64(double v) {
    if (v != v) return 0;
    if (v >= 9.2233720368547758e18) return INT64_MAX;
    if (v <= -9.2233720368547758e18) return INT64_MIN;
    return (int64_t)v;
}

/* f64 to f32: out-of-range double -> float is undefined in ISO C; IEEE gives +-inf, so
 * say so. */
static inline GENC_HD float cvt_f64_to_f32(double v) {
    return fabs(v) > FLT_MAX && isfinite(v) ? copysignf(INFINITY, (float)(v > 0 ? 1 : -1)) : (float)v;
}

#endif
