/* cpu_binary.c — CPU kernels of ops_binary.def. */
#include "cpu_elementwise.h"

CPU_BINARY_NUMERIC(add, a + b)
CPU_BINARY_NUMERIC(sub, a - b)
CPU_BINARY_NUMERIC(mul, a * b)
CPU_BINARY_FLOAT(div, a / b)
CPU_BINARY_NUMERIC(maximum, (a > b || a != a) ? a : b)
CPU_BINARY_NUMERIC(minimum, (a < b || a != a) ? a : b)
CPU_BINARY_FLOAT(pow, pow(a, b))
CPU_BINARY_TO_BOOL(eq, a == b)
CPU_BINARY_TO_BOOL(ne, a != b)
CPU_BINARY_TO_BOOL(lt, a < b)
CPU_BINARY_TO_BOOL(le, a <= b)
CPU_BINARY_TO_BOOL(gt, a > b)
CPU_BINARY_TO_BOOL(ge, a >= b)

/* where(cond, x, y): cond is bool; x and y share the output's type. */
#define WHERE_LOOP(T)                                                                       \
    do {                                                                                    \
        const uint8_t *C_ = c->in[0]->data;                                                 \
        const T *X_ = c->in[1]->data, *Y_ = c->in[2]->data;                                 \
        T *O_ = c->out->data;                                                               \
        cpu_iter it_;                                                                       \
        cpu_iter_broadcast(&it_, c, 3);                                                     \
        int64_t o_ = 0;                                                                     \
        if (!it_.done) do {                                                                 \
            for (int64_t j_ = 0; j_ < it_.inner; j_++)                                      \
                O_[o_ + j_] = C_[it_.off[0] + j_ * it_.step[0]]                             \
                                  ? X_[it_.off[1] + j_ * it_.step[1]]                       \
                                  : Y_[it_.off[2] + j_ * it_.step[2]];                      \
            o_ += it_.inner;                                                                \
        } while (cpu_iter_next(&it_));                                                      \
    } while (0)

gen_status cpu_where(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: WHERE_LOOP(double); break;
    case GEN_F32: WHERE_LOOP(float); break;
    case GEN_I64: WHERE_LOOP(int64_t); break;
    default: WHERE_LOOP(uint8_t); break;
    }
    return GEN_OK;
}
