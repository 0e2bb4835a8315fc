/* cpu_elementwise.h — macros that stamp out elementwise CPU kernels for each dtype.
 * Arguments arrive already converted to the op's dtype (the public wrappers cast). */
#ifndef GENC_SRC_CPU_ELEMENTWISE_H
#define GENC_SRC_CPU_ELEMENTWISE_H

#include <math.h>
#include <stdint.h>

#include "cpu.h"

/* out[i] = EXPR with x = in[i]. TO/TI: output and input C types. */
#define CPU_MAP1(TO, TI, EXPR)                                                          \
    do {                                                                                \
        const TI *restrict in_ = c->in[0]->data;                                        \
        TO *restrict o_ = c->out->data;                                                 \
        const int64_t n_ = c->out->size;                                                \
        for (int64_t i_ = 0; i_ < n_; i_++) {                                           \
            TI x = in_[i_];                                                             \
            o_[i_] = (TO)(EXPR);                                                        \
        }                                                                               \
    } while (0)

/* A kernel for float-only unary ops (f32 computed through double). */
#define CPU_UNARY_FLOAT(NAME, EXPR)                                                     \
    gen_status cpu_##NAME(const op_call *c) {                                           \
        if (c->out->dtype == GEN_F64) CPU_MAP1(double, double, EXPR);                   \
        else CPU_MAP1(float, float, EXPR);                                              \
        return GEN_OK;                                                                  \
    }

/* A kernel for unary ops on f64, f32 and i64 that keep the type. */
#define CPU_UNARY_NUMERIC(NAME, EXPR)                                                   \
    gen_status cpu_##NAME(const op_call *c) {                                           \
        switch (c->out->dtype) {                                                        \
        case GEN_F64: CPU_MAP1(double, double, EXPR); break;                            \
        case GEN_F32: CPU_MAP1(float, float, EXPR); break;                              \
        default: CPU_MAP1(int64_t, int64_t, EXPR); break;                               \
        }                                                                               \
        return GEN_OK;                                                                  \
    }

/* out = EXPR(a, b) over broadcast operands in[0], in[1] of C type TI. */
#define CPU_MAP2(TO, TI, EXPR)                                                          \
    do {                                                                                \
        const TI *restrict A_ = c->in[0]->data, *restrict B_ = c->in[1]->data;          \
        TO *restrict O_ = c->out->data;                                                 \
        const int64_t n_ = c->out->size, na_ = c->in[0]->size, nb_ = c->in[1]->size;    \
        if (na_ == n_ && nb_ == n_) {                                                   \
            for (int64_t i_ = 0; i_ < n_; i_++) {                                       \
                TI a = A_[i_], b = B_[i_];                                              \
                O_[i_] = (TO)(EXPR);                                                    \
            }                                                                           \
        } else if (na_ == n_ && nb_ == 1) {                                             \
            const TI b = B_[0];                                                         \
            for (int64_t i_ = 0; i_ < n_; i_++) {                                       \
                TI a = A_[i_];                                                          \
                O_[i_] = (TO)(EXPR);                                                    \
            }                                                                           \
        } else if (na_ == 1 && nb_ == n_) {                                             \
            const TI a = A_[0];                                                         \
            for (int64_t i_ = 0; i_ < n_; i_++) {                                       \
                TI b = B_[i_];                                                          \
                O_[i_] = (TO)(EXPR);                                                    \
            }                                                                           \
        } else if (na_ == n_ && cpu_is_suffix(c->in[1], c->out)) {                      \
            for (int64_t o_ = 0; o_ < n_; o_ += nb_)                                    \
                for (int64_t j_ = 0; j_ < nb_; j_++) {                                  \
                    TI a = A_[o_ + j_], b = B_[j_];                                     \
                    O_[o_ + j_] = (TO)(EXPR);                                           \
                }                                                                       \
        } else if (nb_ == n_ && cpu_is_suffix(c->in[0], c->out)) {                      \
            for (int64_t o_ = 0; o_ < n_; o_ += na_)                                    \
                for (int64_t j_ = 0; j_ < na_; j_++) {                                  \
                    TI a = A_[j_], b = B_[o_ + j_];                                     \
                    O_[o_ + j_] = (TO)(EXPR);                                           \
                }                                                                       \
        } else if (na_ == n_ && cpu_is_prefix(c->in[1], c->out)) {                      \
            const int64_t r_ = n_ / nb_; /* each b repeats r_ times in a row */         \
            for (int64_t o_ = 0; o_ < nb_; o_++) {                                      \
                const TI b = B_[o_];                                                    \
                for (int64_t j_ = 0; j_ < r_; j_++) {                                   \
                    TI a = A_[o_ * r_ + j_];                                            \
                    O_[o_ * r_ + j_] = (TO)(EXPR);                                      \
                }                                                                       \
            }                                                                           \
        } else if (nb_ == n_ && cpu_is_prefix(c->in[0], c->out)) {                      \
            const int64_t r_ = n_ / na_;                                                \
            for (int64_t o_ = 0; o_ < na_; o_++) {                                      \
                const TI a = A_[o_];                                                    \
                for (int64_t j_ = 0; j_ < r_; j_++) {                                   \
                    TI b = B_[o_ * r_ + j_];                                            \
                    O_[o_ * r_ + j_] = (TO)(EXPR);                                      \
                }                                                                       \
            }                                                                           \
        } else if (na_ * nb_ == n_ && cpu_is_prefix(c->in[0], c->out) &&               \
                   cpu_is_suffix(c->in[1], c->out)) { /* outer: [R,1] with [C] */       \
            for (int64_t o_ = 0; o_ < na_; o_++) {                                      \
                const TI a = A_[o_];                                                    \
                for (int64_t j_ = 0; j_ < nb_; j_++) {                                  \
                    TI b = B_[j_];                                                      \
                    O_[o_ * nb_ + j_] = (TO)(EXPR);                                     \
                }                                                                       \
            }                                                                           \
        } else if (na_ * nb_ == n_ && cpu_is_prefix(c->in[1], c->out) &&               \
                   cpu_is_suffix(c->in[0], c->out)) {                                   \
            for (int64_t o_ = 0; o_ < nb_; o_++) {                                      \
                const TI b = B_[o_];                                                    \
                for (int64_t j_ = 0; j_ < na_; j_++) {                                  \
                    TI a = A_[j_];                                                      \
                    O_[o_ * na_ + j_] = (TO)(EXPR);                                     \
                }                                                                       \
            }                                                                           \
        } else {                                                                        \
            cpu_iter it_;                                                               \
            cpu_iter_broadcast(&it_, c, 2);                                             \
            int64_t o_ = 0;                                                             \
            if (!it_.done) do {                                                         \
                for (int64_t j_ = 0; j_ < it_.inner; j_++) {                            \
                    TI a = A_[it_.off[0] + j_ * it_.step[0]];                           \
                    TI b = B_[it_.off[1] + j_ * it_.step[1]];                           \
                    O_[o_ + j_] = (TO)(EXPR);                                           \
                }                                                                       \
                o_ += it_.inner;                                                        \
            } while (cpu_iter_next(&it_));                                              \
        }                                                                               \
    } while (0)

/* Binary ops that keep the (common) type of f64, f32 or i64 arguments. */
#define CPU_BINARY_NUMERIC(NAME, EXPR)                                                  \
    gen_status cpu_##NAME(const op_call *c) {                                           \
        switch (c->out->dtype) {                                                        \
        case GEN_F64: CPU_MAP2(double, double, EXPR); break;                            \
        case GEN_F32: CPU_MAP2(float, float, EXPR); break;                              \
        default: CPU_MAP2(int64_t, int64_t, EXPR); break;                               \
        }                                                                               \
        return GEN_OK;                                                                  \
    }

/* Binary float-only ops (f32 computed through double). */
#define CPU_BINARY_FLOAT(NAME, EXPR)                                                    \
    gen_status cpu_##NAME(const op_call *c) {                                           \
        if (c->out->dtype == GEN_F64) CPU_MAP2(double, double, EXPR);                   \
        else CPU_MAP2(float, float, (EXPR));                                            \
        return GEN_OK;                                                                  \
    }

/* Binary ops giving bool from arguments of any (common) type. */
#define CPU_BINARY_TO_BOOL(NAME, EXPR)                                                  \
    gen_status cpu_##NAME(const op_call *c) {                                           \
        switch (c->in[0]->dtype) {                                                      \
        case GEN_F64: CPU_MAP2(uint8_t, double, EXPR); break;                           \
        case GEN_F32: CPU_MAP2(uint8_t, float, EXPR); break;                            \
        case GEN_I64: CPU_MAP2(uint8_t, int64_t, EXPR); break;                          \
        default: CPU_MAP2(uint8_t, uint8_t, EXPR); break;                               \
        }                                                                               \
        return GEN_OK;                                                                  \
    }

#endif
