/* cpu_binary.c — CPU kernels of ops_binary.def. */
#include "../elem_math.h"
#include "cpu_elementwise.h"

/* i64 add/sub/mul wrap around (two's complement, like NumPy) instead of overflowing,
 * which C leaves undefined; floats use the plain operator. */
#define WRAP(OPR, I64_FN, a, b) _Generic((a), int64_t: I64_FN(a, b), default: (a) OPR (b))

CPU_BINARY_NUMERIC(add, WRAP(+, elem_add_i64, a, b))
CPU_BINARY_NUMERIC(sub, WRAP(-, elem_sub_i64, a, b))
CPU_BINARY_NUMERIC(mul, WRAP(*, elem_mul_i64, a, b))
CPU_BINARY_FLOAT(div, a / b)
CPU_BINARY_NUMERIC(maximum, (a > b || a != a) ? a : b)
CPU_BINARY_NUMERIC(minimum, (a < b || a != a) ? a : b)
CPU_BINARY_FLOAT(pow, pow(a, b))
CPU_BINARY_FLOAT(atan2, atan2(a, b))
CPU_BINARY_TO_BOOL(eq, a == b)
CPU_BINARY_TO_BOOL(ne, a != b)
CPU_BINARY_TO_BOOL(lt, a < b)
CPU_BINARY_TO_BOOL(le, a <= b)
CPU_BINARY_TO_BOOL(gt, a > b)
CPU_BINARY_TO_BOOL(ge, a >= b)
CPU_BINARY_TO_BOOL(logical_and, a != 0 && b != 0)
CPU_BINARY_TO_BOOL(logical_or, a != 0 || b != 0)

/* ---- mod and floor_divide: NumPy's divmod (elem_math.h) ---- */

gen_status cpu_mod(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: CPU_MAP2(double, double, elem_mod_f64(a, b)); break;
    case GEN_F32: CPU_MAP2(float, float, elem_mod_f64(a, b)); break;
    default: CPU_MAP2(int64_t, int64_t, elem_mod_i64(a, b)); break;
    }
    return GEN_OK;
}

CPU_BINARY_FLOAT(floor_divide, elem_floor_divide_f64(a, b))

/* ---- logaddexp ---- */

CPU_BINARY_FLOAT(logaddexp, elem_logaddexp_f64(a, b))

/* ---- where and clip: three broadcast operands ---- */

/* Loops over the broadcast output with operands in[0..2] of C types T0, T1, T2:
 * O_[o] = EXPR of x0, x1, x2. */
#define MAP3(TO, T0, T1, T2, EXPR)                                                          \
    do {                                                                                    \
        const T0 *A0_ = c->in[0]->data;                                                     \
        const T1 *A1_ = c->in[1]->data;                                                     \
        const T2 *A2_ = c->in[2]->data;                                                     \
        TO *O_ = c->out->data;                                                              \
        cpu_iter it_;                                                                       \
        cpu_iter_broadcast(&it_, c, 3);                                                     \
        int64_t o_ = 0;                                                                     \
        if (!it_.done) do {                                                                 \
            for (int64_t j_ = 0; j_ < it_.inner; j_++) {                                    \
                T0 x0 = A0_[it_.off[0] + j_ * it_.step[0]];                                 \
                T1 x1 = A1_[it_.off[1] + j_ * it_.step[1]];                                 \
                T2 x2 = A2_[it_.off[2] + j_ * it_.step[2]];                                 \
                O_[o_ + j_] = (EXPR);                                                       \
            }                                                                               \
            o_ += it_.inner;                                                                \
        } while (cpu_iter_next(&it_));                                                      \
    } while (0)

/* where(cond, x, y): cond is bool; x and y share the output's type. */
gen_status cpu_where(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: MAP3(double, uint8_t, double, double, x0 ? x1 : x2); break;
    case GEN_F32: MAP3(float, uint8_t, float, float, x0 ? x1 : x2); break;
    case GEN_I64: MAP3(int64_t, uint8_t, int64_t, int64_t, x0 ? x1 : x2); break;
    default: MAP3(uint8_t, uint8_t, uint8_t, uint8_t, x0 ? x1 : x2); break;
    }
    return GEN_OK;
}

/* clip(a, lo, hi) = minimum(maximum(a, lo), hi) with the same nan propagation. */
gen_status cpu_clip(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: MAP3(double, double, double, double, elem_clip_f64(x0, x1, x2)); break;
    case GEN_F32: MAP3(float, float, float, float, (float)elem_clip_f64(x0, x1, x2)); break;
    default: MAP3(int64_t, int64_t, int64_t, int64_t, elem_clip_i64(x0, x1, x2)); break;
    }
    return GEN_OK;
}
