/* cuda_ew_fn.h — what each elementwise op computes on a GPU, one functor per op, shared
 * by the elementwise kernels (cuda_elementwise.cu, compiled by nvcc) and the fused kernels
 * (cuda_fuse.c, whose programs NVRTC compiles with this text embedded), so a fused
 * expression gives the bits of its ops run one by one. Each computes what the op's CPU
 * kernel (backend/cpu/cpu_unary.c, cpu_binary.c, cpu_core.c) computes, with the same
 * types: f32 arithmetic in float where the CPU's is (add, mul, div, square...), through
 * double where the CPU calls a double function (exp, pow, the special functions), and the
 * procedures of special.h, elem_math.h and dtype_convert.h from their one source. Only
 * the libm functions differ (CUDA's instead of the host's: a few ulp).
 *
 * The op lists below are plain macros (C sees them: cuda_fuse.c tells the families apart
 * with them); the functors are CUDA C++. A caller applies a functor to arguments of the
 * dtypes the launchers of cuda_elementwise.cu give it and converts the result to the
 * output's type. */
#ifndef GENC_SRC_CUDA_EW_FN_H
#define GENC_SRC_CUDA_EW_FN_H

/* Unary ops on f64, f32 and i64 that keep the type: FEXPR of a float x (in its type, as
 * the CPU's), IEXPR of an i64 x. */
#define UNARY_SPLIT(X)                                                                         \
    X(NEG, -x, elem_neg_i64(x))                                                                \
    X(ABS, fabs((double)x), elem_abs_i64(x))                                                   \
    X(SIGN, isnan(x) ? x : (x > 0) - (x < 0), (x > 0) - (x < 0))                               \
    X(SQUARE, x * x, elem_square_i64(x))                                                       \
    X(FLOOR, floor((double)x), x)                                                              \
    X(CEIL, ceil((double)x), x)                                                                \
    X(ROUND, sf_round_even((double)x), x)

/* Float-only unary ops, computed in double (f32 rounded after, as the CPU's). */
#define UNARY_FLOAT(X)                                                                         \
    X(EXP, exp(x))                                                                             \
    X(EXPM1, expm1(x))                                                                         \
    X(LOG, log(x))                                                                             \
    X(LOG1P, log1p(x))                                                                         \
    X(SQRT, sqrt(x))                                                                           \
    X(RECIPROCAL, 1.0 / x)                                                                     \
    X(SIN, sin(x))                                                                             \
    X(COS, cos(x))                                                                             \
    X(TAN, tan(x))                                                                             \
    X(TANH, tanh(x))                                                                           \
    X(SIGMOID, sf_sigmoid(x))                                                                  \
    X(LOG_SIGMOID, sf_log_sigmoid(x))                                                          \
    X(SOFTPLUS, sf_softplus(x))                                                                \
    X(ERF, erf(x))                                                                             \
    X(ERFC, erfc(x))                                                                           \
    X(ERFINV, sf_erfinv(x))                                                                    \
    X(LGAMMA, sf_lgamma(x))                                                                    \
    X(DIGAMMA, sf_digamma(x))                                                                  \
    X(TRIGAMMA, sf_trigamma(x))                                                                \
    X(LOG_NDTR, sf_log_ndtr(x))

/* Bool results from any dtype: FEXPR of a float x, IEXPR of an i64 or bool x. */
#define UNARY_BOOL(X)                                                                          \
    X(LOGICAL_NOT, x == 0, x == 0)                                                             \
    X(ISFINITE, isfinite(x), ((void)x, true))                                                  \
    X(ISNAN, isnan(x), ((void)x, false))

/* Binary ops on f64, f32 and i64 that keep the type: FEXPR of float a, b (in their type,
 * as the CPU's), IEXPR of i64 a, b. */
#define BINARY_SPLIT(X)                                                                        \
    X(ADD, a + b, elem_add_i64(a, b))                                                          \
    X(SUB, a - b, elem_sub_i64(a, b))                                                          \
    X(MUL, a * b, elem_mul_i64(a, b))                                                          \
    X(MAXIMUM, (a > b || a != a) ? a : b, a > b ? a : b)                                       \
    X(MINIMUM, (a < b || a != a) ? a : b, a < b ? a : b)                                       \
    X(MOD, elem_mod_f64(a, b), elem_mod_i64(a, b))

/* Float-only binary ops: f32 division in float, the functions through double (as the
 * CPU's). */
#define BINARY_FLOAT(X)                                                                        \
    X(DIV, a / b)                                                                              \
    X(POW, pow((double)a, (double)b))                                                          \
    X(ATAN2, atan2((double)a, (double)b))                                                      \
    X(FLOOR_DIVIDE, elem_floor_divide_f64(a, b))                                               \
    X(LOGADDEXP, elem_logaddexp_f64(a, b))

/* Bool results from arguments of any (common) dtype. */
#define BINARY_BOOL(X)                                                                         \
    X(EQ, a == b)                                                                              \
    X(NE, a != b)                                                                              \
    X(LT, a < b)                                                                               \
    X(LE, a <= b)                                                                              \
    X(GT, a > b)                                                                               \
    X(GE, a >= b)                                                                              \
    X(LOGICAL_AND, a != 0 && b != 0)                                                           \
    X(LOGICAL_OR, a != 0 || b != 0)

#ifdef __CUDACC__
#include "../../array/dtype_convert.h"
#include "../../array/special.h"
#include "../elem_math.h"

#define DEFINE_SPLIT(ID, FEXPR, IEXPR)                                                         \
    struct un_##ID {                                                                           \
        template <typename T> __device__ T operator()(T x) const { return (T)(FEXPR); }        \
        __device__ int64_t operator()(int64_t x) const { return IEXPR; }                       \
    };
#define DEFINE_FLOAT(ID, EXPR)                                                                 \
    struct un_##ID {                                                                           \
        __device__ double operator()(double x) const { return EXPR; }                          \
    };
#define DEFINE_BOOL(ID, FEXPR, IEXPR)                                                          \
    struct un_##ID {                                                                           \
        template <typename T> __device__ bool operator()(T x) const { return FEXPR; }          \
        __device__ bool operator()(int64_t x) const { return IEXPR; }                          \
        __device__ bool operator()(uint8_t x) const { return IEXPR; }                          \
    };
UNARY_SPLIT(DEFINE_SPLIT)
UNARY_FLOAT(DEFINE_FLOAT)
UNARY_BOOL(DEFINE_BOOL)

#define DEFINE_BIN_SPLIT(ID, FEXPR, IEXPR)                                                     \
    struct bin_##ID {                                                                          \
        template <typename T> __device__ T operator()(T a, T b) const { return (T)(FEXPR); }   \
        __device__ int64_t operator()(int64_t a, int64_t b) const { return IEXPR; }            \
    };
#define DEFINE_BIN_FLOAT(ID, EXPR)                                                             \
    struct bin_##ID {                                                                          \
        template <typename T> __device__ T operator()(T a, T b) const { return (T)(EXPR); }    \
    };
#define DEFINE_BIN_BOOL(ID, EXPR)                                                              \
    struct bin_##ID {                                                                          \
        template <typename T> __device__ bool operator()(T a, T b) const { return EXPR; }      \
    };
BINARY_SPLIT(DEFINE_BIN_SPLIT)
BINARY_FLOAT(DEFINE_BIN_FLOAT)
BINARY_BOOL(DEFINE_BIN_BOOL)

/* ---- where and clip ---- */

struct where_fn {
    template <typename T> __device__ T operator()(uint8_t c, T x, T y) const { return c ? x : y; }
};
/* f32 through double, as the CPU's */
struct clip_fn {
    __device__ double operator()(double a, double lo, double hi) const { return elem_clip_f64(a, lo, hi); }
    __device__ int64_t operator()(int64_t a, int64_t lo, int64_t hi) const { return elem_clip_i64(a, lo, hi); }
};

/* ---- cast: arr_convert's conversions (dtype_convert.h) ---- */

template <typename TD> struct convert_to;
template <> struct convert_to<uint8_t> {
    template <typename TS> __device__ uint8_t operator()(TS x) const { return x != 0; }
};
template <> struct convert_to<int64_t> {
    __device__ int64_t operator()(uint8_t x) const { return x != 0; }
    __device__ int64_t operator()(int64_t x) const { return x; }
    __device__ int64_t operator()(float x) const { return cvt_f64_to_i64(x); }
    __device__ int64_t operator()(double x) const { return cvt_f64_to_i64(x); }
};
template <> struct convert_to<float> {
    __device__ float operator()(uint8_t x) const { return x != 0; }
    __device__ float operator()(int64_t x) const { return (float)x; }
    __device__ float operator()(float x) const { return x; }
    __device__ float operator()(double x) const { return cvt_f64_to_f32(x); }
};
template <> struct convert_to<double> {
    __device__ double operator()(uint8_t x) const { return x != 0; }
    template <typename TS> __device__ double operator()(TS x) const { return (double)x; }
};

#endif
#endif
