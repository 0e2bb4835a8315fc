/* cpu_binary.c — CPU kernels of ops_binary.def. */
#include "cpu_elementwise.h"

/* i64 add/sub/mul wrap around (two's complement, like NumPy) instead of overflowing,
 * which C leaves undefined; floats use the plain operator. */
#define WRAP(OPR, a, b)                                                                     \
    _Generic((a), int64_t: (int64_t)((uint64_t)(a) OPR (uint64_t)(b)), default: (a) OPR (b))

CPU_BINARY_NUMERIC(add, WRAP(+, a, b))
CPU_BINARY_NUMERIC(sub, WRAP(-, a, b))
CPU_BINARY_NUMERIC(mul, WRAP(*, a, b))
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

/* ---- mod and floor_divide: NumPy's divmod (a = b * floor_divide + mod) ---- */

/* The remainder with the sign of b. fmod is exact; b == 0 gives nan (like NumPy). */
static double mod_f64(double a, double b) {
    double r = fmod(a, b);
    if (r == 0) return copysign(0.0, b);
    return (b < 0) != (r < 0) ? r + b : r;
}

/* Integer remainder with the sign of b. x % 0 is defined as 0 (NumPy's result; C would
 * trap), and x % -1 is 0 (INT64_MIN % -1 overflows in C). */
static int64_t mod_i64(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/* floor(a / b) computed as NumPy does, consistent with mod_f64 (used by mod's
 * gradient): (a - fmod(a, b)) / b is nearly an integer; round it to the nearest. */
static double floor_divide_f64(double a, double b) {
    if (b == 0) return a / b;
    double r = fmod(a, b), q = (a - r) / b;
    if (r != 0 && (b < 0) != (r < 0)) q -= 1.0;
    if (q == 0) return copysign(0.0, a / b);
    double f = floor(q);
    return q - f > 0.5 ? f + 1.0 : f;
}

gen_status cpu_mod(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: CPU_MAP2(double, double, mod_f64(a, b)); break;
    case GEN_F32: CPU_MAP2(float, float, mod_f64(a, b)); break;
    default: CPU_MAP2(int64_t, int64_t, mod_i64(a, b)); break;
    }
    return GEN_OK;
}

CPU_BINARY_FLOAT(floor_divide, floor_divide_f64(a, b))

/* ---- logaddexp ---- */

/* log(exp(a) + exp(b)) = max + log1p(exp(-|a - b|)), which neither overflows nor loses
 * the smaller term. a == b is separate so that equal infinities give that infinity
 * (-inf for two -infs) instead of the nan of inf - inf; nan propagates through d. */
static double logaddexp_f64(double a, double b) {
    if (a == b) return a + 0.69314718055994530942; /* log 2 */
    double d = a - b;
    if (d > 0) return a + log1p(exp(-d));
    if (d < 0) return b + log1p(exp(d));
    return d;
}
CPU_BINARY_FLOAT(logaddexp, logaddexp_f64(a, b))

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
static double clip_f64(double a, double lo, double hi) {
    double m = (a > lo || a != a) ? a : lo;
    return (m < hi || m != m) ? m : hi;
}
static int64_t clip_i64(int64_t a, int64_t lo, int64_t hi) {
    int64_t m = a > lo ? a : lo;
    return m < hi ? m : hi;
}

gen_status cpu_clip(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: MAP3(double, double, double, double, clip_f64(x0, x1, x2)); break;
    case GEN_F32: MAP3(float, float, float, float, (float)clip_f64(x0, x1, x2)); break;
    default: MAP3(int64_t, int64_t, int64_t, int64_t, clip_i64(x0, x1, x2)); break;
    }
    return GEN_OK;
}
