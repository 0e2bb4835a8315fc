/* cpu_unary.c — CPU kernels of ops_unary.def. */
#include "../../array/special.h"
#include "../elem_math.h"
#include "cpu_elementwise.h"

/* A kernel for ops on f64, f32 and i64 that keep the type, with a separate integer
 * expression IEXPR (x is the element in both). */
#define CPU_UNARY_SPLIT(NAME, FEXPR, IEXPR)                                                 \
    gen_status cpu_##NAME(const op_call *c) {                                               \
        switch (c->out->dtype) {                                                            \
        case GEN_F64: CPU_MAP1(double, double, FEXPR); break;                               \
        case GEN_F32: CPU_MAP1(float, float, FEXPR); break;                                 \
        default: CPU_MAP1(int64_t, int64_t, IEXPR); break;                                  \
        }                                                                                   \
        return GEN_OK;                                                                      \
    }

/* A kernel giving bool from an argument of any dtype (x is the element). */
#define CPU_UNARY_TO_BOOL(NAME, FEXPR, IEXPR)                                               \
    gen_status cpu_##NAME(const op_call *c) {                                               \
        switch (c->in[0]->dtype) {                                                          \
        case GEN_F64: CPU_MAP1(uint8_t, double, FEXPR); break;                              \
        case GEN_F32: CPU_MAP1(uint8_t, float, FEXPR); break;                               \
        case GEN_I64: CPU_MAP1(uint8_t, int64_t, IEXPR); break;                             \
        default: CPU_MAP1(uint8_t, uint8_t, IEXPR); break;                                  \
        }                                                                                   \
        return GEN_OK;                                                                      \
    }

/* integer neg, abs and square wrap around on overflow (elem_math.h) */
CPU_UNARY_SPLIT(neg, -x, elem_neg_i64(x))
CPU_UNARY_SPLIT(abs, fabs(x), elem_abs_i64(x))
CPU_UNARY_SPLIT(sign, isnan(x) ? x : (x > 0) - (x < 0), (x > 0) - (x < 0))
CPU_UNARY_SPLIT(square, x * x, elem_square_i64(x))
/* floor, ceil, round: the identity on integers (no trip through double) */
CPU_UNARY_SPLIT(floor, floor(x), x)
CPU_UNARY_SPLIT(ceil, ceil(x), x)
CPU_UNARY_SPLIT(round, sf_round_even(x), x)

CPU_UNARY_FLOAT(exp, exp(x))
CPU_UNARY_FLOAT(expm1, expm1(x))
CPU_UNARY_FLOAT(log, log(x))
CPU_UNARY_FLOAT(log1p, log1p(x))
CPU_UNARY_FLOAT(sqrt, sqrt(x))
CPU_UNARY_FLOAT(reciprocal, 1.0 / x)
CPU_UNARY_FLOAT(sin, sin(x))
CPU_UNARY_FLOAT(cos, cos(x))
CPU_UNARY_FLOAT(tan, tan(x))
CPU_UNARY_FLOAT(tanh, tanh(x))
CPU_UNARY_FLOAT(sigmoid, sf_sigmoid(x))
CPU_UNARY_FLOAT(log_sigmoid, sf_log_sigmoid(x))
CPU_UNARY_FLOAT(softplus, sf_softplus(x))
CPU_UNARY_FLOAT(erf, erf(x))
CPU_UNARY_FLOAT(erfc, erfc(x))
CPU_UNARY_FLOAT(erfinv, sf_erfinv(x))
CPU_UNARY_FLOAT(lgamma, sf_lgamma(x))
CPU_UNARY_FLOAT(digamma, sf_digamma(x))
CPU_UNARY_FLOAT(trigamma, sf_trigamma(x))
CPU_UNARY_FLOAT(log_ndtr, sf_log_ndtr(x))

CPU_UNARY_TO_BOOL(logical_not, x == 0, x == 0)
CPU_UNARY_TO_BOOL(isfinite, isfinite(x), ((void)x, 1))
CPU_UNARY_TO_BOOL(isnan, isnan(x), ((void)x, 0))
