/* elementwise.h — helpers shared by the elementwise op files (prefix ew_): the type
 * rules of public wrappers, and macros that write gradient rules from a derivative. */
#ifndef GENC_SRC_ELEMENTWISE_H
#define GENC_SRC_ELEMENTWISE_H

#include "op.h"

/* Applies a float-only unary op: bool/i64 arguments are cast to f64 first. */
gen_array *ew_unary_float(op_id op, const gen_array *a);
/* Applies a unary op defined on f64/f32/i64 (bool is cast to i64). */
gen_array *ew_unary_numeric(op_id op, const gen_array *a);
/* Applies a binary op after promoting both arguments to their common type, which is
 * at least i64 (numeric ops) or at least a float (float_only). */
gen_array *ew_binary(op_id op, const gen_array *a, const gen_array *b, bool float_only);
/* Applies a comparison: arguments promoted to their common type, result bool. */
gen_array *ew_compare(op_id op, const gen_array *a, const gen_array *b);

/* Gradient rules of a unary elementwise op whose derivative is the array expression
 * DERIV, written with x (the argument) and y (the result): VJP g * DERIV, JVP t * DERIV.
 * Example: EW_UNARY_RULES(exp, y); EW_UNARY_RULES(log, gen_reciprocal(x)). */
#define EW_UNARY_RULES(NAME, DERIV)                                                         \
    static gen_array *deriv_##NAME(const op_call *c) {                                      \
        gen_array *x = c->in[0], *y = c->out;                                         \
        (void)x, (void)y;                                                                   \
        return (DERIV);                                                                     \
    }                                                                                       \
    gen_array *vjp_##NAME(const op_call *c, int i, gen_array *g) {                          \
        (void)i;                                                                            \
        return gen_mul(g, deriv_##NAME(c));                                                 \
    }                                                                                       \
    gen_array *jvp_##NAME(const op_call *c, gen_array *const *t) {                          \
        return gen_mul(t[0], deriv_##NAME(c));                                              \
    }

/* Gradient rules of a binary elementwise op with partial derivatives DA (w.r.t. the
 * first argument) and DB (second), written with x, y (arguments) and z (result).
 * Cotangents come back in the broadcast shape; the engine sums them down. */
#define EW_BINARY_RULES(NAME, DA, DB)                                                       \
    static gen_array *dA_##NAME(const op_call *c) {                                         \
        gen_array *x = c->in[0], *y = c->in[1], *z = c->out;                          \
        (void)x, (void)y, (void)z;                                                          \
        return (DA);                                                                        \
    }                                                                                       \
    static gen_array *dB_##NAME(const op_call *c) {                                         \
        gen_array *x = c->in[0], *y = c->in[1], *z = c->out;                          \
        (void)x, (void)y, (void)z;                                                          \
        return (DB);                                                                        \
    }                                                                                       \
    gen_array *vjp_##NAME(const op_call *c, int i, gen_array *g) {                          \
        return gen_mul(g, i == 0 ? dA_##NAME(c) : dB_##NAME(c));                            \
    }                                                                                       \
    gen_array *jvp_##NAME(const op_call *c, gen_array *const *t) {                          \
        gen_array *ta = t[0] ? gen_mul(t[0], dA_##NAME(c)) : NULL;                          \
        gen_array *tb = t[1] ? gen_mul(t[1], dB_##NAME(c)) : NULL;                          \
        return ta && tb ? gen_add(ta, tb) : (t[0] ? ta : tb);                               \
    }

#endif
