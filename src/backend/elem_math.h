/* elem_math.h — the per-element procedures of the elementwise ops that take more than
 * one operator: i64 arithmetic that wraps around, NumPy's mod and floor_divide,
 * logaddexp and clip. Shared by the CPU kernels (cpu/cpu_unary.c, cpu/cpu_binary.c)
 * and the CUDA kernels (cuda/cuda_elementwise.cu) through GENC_HD (core_hd.h), so both
 * compute them from one source. Plain math only, so CUDA C++ includes it. */
#ifndef GENC_SRC_ELEM_MATH_H
#define GENC_SRC_ELEM_MATH_H

#include <math.h>
#include <stdint.h>

#include "../core/core_hd.h"

/* ---- i64 that wraps around on overflow (two's complement, like NumPy) instead of
 * being undefined: computed in uint64_t ---- */

static inline GENC_HD int64_t elem_neg_i64(int64_t x) { return (int64_t)(0u - (uint64_t)x); }
static inline GENC_HD int64_t elem_abs_i64(int64_t x) { return x < 0 ? elem_neg_i64(x) : x; }
static inline GENC_HD int64_t elem_square_i64(int64_t x) { return (int64_t)((uint64_t)x * (uint64_t)x); }
static inline GENC_HD int64_t elem_add_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline GENC_HD int64_t elem_sub_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline GENC_HD int64_t elem_mul_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

/* ---- mod and floor_divide: NumPy's divmod (a = b * floor_divide + mod) ---- */

/* The remainder with the sign of b. fmod is exact; b == 0 gives nan (like NumPy). */
static inline GENC_HD double elem_mod_f64(double a, double b) {
    double r = fmod(a, b);
    if (r == 0) return copysign(0.0, b);
    return (b < 0) != (r < 0) ? r + b : r;
}

/* Integer remainder with the sign of b. x % 0 is defined as 0 (NumPy's result; C would
 * trap), and x % -1 is 0 (INT64_MIN % -1 overflows in C). */
static inline GENC_HD int64_t elem_mod_i64(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/* floor(a / b) computed as NumPy does, consistent with elem_mod_f64 (used by mod's
 * gradient): (a - fmod(a, b)) / b is nearly an integer; round it to the nearest. */
static inline GENC_HD double elem_floor_divide_f64(double a, double b) {
    if (b == 0) return a / b;
    double r = fmod(a, b), q = (a - r) / b;
    if (r != 0 && (b < 0) != (r < 0)) q -= 1.0;
    if (q == 0) return copysign(0.0, a / b);
    double f = floor(q);
    return q - f > 0.5 ? f + 1.0 : f;
}

/* ---- logaddexp ---- */

/* log(exp(a) + exp(b)) = max + log1p(exp(-|a - b|)), which neither overflows nor loses
 * the smaller term. a == b is separate so that equal infinities give that infinity
 * (-inf for two -infs) instead of the nan of inf - inf; nan propagates through d. */
static inline GENC_HD double elem_logaddexp_f64(double a, double b) {
    if (a == b) return a + 0.69314718055994530942; /* log 2 */
    double d = a - b;
    if (d > 0) return a + log1p(exp(-d));
    if (d < 0) return b + log1p(exp(d));
    return d;
}

/* ---- clip(a, lo, hi) = minimum(maximum(a, lo), hi), with maximum's and minimum's nan
 * propagation ---- */

static inline GENC_HD double elem_clip_f64(double a, double lo, double hi) {
    double m = (a > lo || a != a) ? a : lo;
    return (m < hi || m != m) ? m : hi;
}
static inline GENC_HD int64_t elem_clip_i64(int64_t a, int64_t lo, int64_t hi) {
    int64_t m = a > lo ? a : lo;
    return m < hi ? m : hi;
}

#endif
