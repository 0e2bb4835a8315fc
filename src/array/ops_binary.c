/* ops_binary.c — elementwise ops of two or more arguments: public functions and
 * gradient rules (rows in ops_binary.def, kernels in backend/cpu/cpu_binary.c). */
#include "elementwise.h"

gen_array *gen_add(const gen_array *a, const gen_array *b) { return ew_binary(OP_ADD, a, b, false); }
gen_array *vjp_add(const op_call *c, int i, gen_array *g) { (void)c, (void)i; return g; }
gen_array *jvp_add(const op_call *c, gen_array *const *t) {
    (void)c;
    return t[0] && t[1] ? gen_add(t[0], t[1]) : (t[0] ? t[0] : t[1]);
}

gen_array *gen_sub(const gen_array *a, const gen_array *b) { return ew_binary(OP_SUB, a, b, false); }
gen_array *vjp_sub(const op_call *c, int i, gen_array *g) { (void)c; return i == 0 ? g : gen_neg(g); }
gen_array *jvp_sub(const op_call *c, gen_array *const *t) {
    (void)c;
    return t[0] && t[1] ? gen_sub(t[0], t[1]) : (t[0] ? t[0] : gen_neg(t[1]));
}

gen_array *gen_mul(const gen_array *a, const gen_array *b) { return ew_binary(OP_MUL, a, b, false); }
EW_BINARY_RULES(mul, y, x)

gen_array *gen_div(const gen_array *a, const gen_array *b) { return ew_binary(OP_DIV, a, b, true); }
EW_BINARY_RULES(div, gen_reciprocal(y), gen_neg(gen_div(z, y)))

/* maximum/minimum: the gradient goes to the argument that was picked (to the first on
 * ties, like the selection the kernel makes). */
gen_array *gen_maximum(const gen_array *a, const gen_array *b) { return ew_binary(OP_MAXIMUM, a, b, false); }
EW_BINARY_RULES(maximum, gen_cast(gen_ge(x, y), GEN_F64), gen_cast(gen_lt(x, y), GEN_F64))
gen_array *gen_minimum(const gen_array *a, const gen_array *b) { return ew_binary(OP_MINIMUM, a, b, false); }
EW_BINARY_RULES(minimum, gen_cast(gen_le(x, y), GEN_F64), gen_cast(gen_gt(x, y), GEN_F64))

/* d/da a^b = b a^(b-1); d/db a^b = a^b log a (taken as 0 where a == 0). */
gen_array *gen_pow(const gen_array *a, const gen_array *b) { return ew_binary(OP_POW, a, b, true); }
EW_BINARY_RULES(pow, gen_mul(y, gen_pow(x, gen_sub(y, gen_scalar(1.0)))),
                gen_where(gen_eq(x, gen_scalar(0.0)), gen_scalar(0.0), gen_mul(z, gen_log(x))))

gen_array *gen_eq(const gen_array *a, const gen_array *b) { return ew_compare(OP_EQ, a, b); }
gen_array *gen_ne(const gen_array *a, const gen_array *b) { return ew_compare(OP_NE, a, b); }
gen_array *gen_lt(const gen_array *a, const gen_array *b) { return ew_compare(OP_LT, a, b); }
gen_array *gen_le(const gen_array *a, const gen_array *b) { return ew_compare(OP_LE, a, b); }
gen_array *gen_gt(const gen_array *a, const gen_array *b) { return ew_compare(OP_GT, a, b); }
gen_array *gen_ge(const gen_array *a, const gen_array *b) { return ew_compare(OP_GE, a, b); }

/* ---- where ---- */

gen_status shape_where(const op_call *c, op_sig *s) {
    gen_status st = op_shape_broadcast(c, s);
    s->dtype = (gen_dtype)c->in[1]->dtype;
    return st;
}
gen_array *vjp_where(const op_call *c, int i, gen_array *g) {
    if (i == 0) return op_zero_vjp(c, i, g);
    gen_array *zero = gen_zeros((gen_dtype)g->dtype, 0, NULL);
    return i == 1 ? gen_where(c->in[0], g, zero) : gen_where(c->in[0], zero, g);
}
gen_array *jvp_where(const op_call *c, gen_array *const *t) {
    gen_array *zero = gen_zeros((gen_dtype)c->out->dtype, 0, NULL);
    return gen_where(c->in[0], t[1] ? t[1] : zero, t[2] ? t[2] : zero);
}

gen_array *gen_where(const gen_array *cond, const gen_array *x, const gen_array *y) {
    if (!cond || !x || !y) return op_apply(OP_WHERE, 3, (gen_array *[]){(gen_array *)cond, (gen_array *)x, (gen_array *)y}, NULL);
    gen_dtype t = arr_promote((gen_dtype)x->dtype, (gen_dtype)y->dtype);
    if (cond->dtype == GEN_BOOL && x->dtype == t && y->dtype == t)
        return op_apply(OP_WHERE, 3, (gen_array *[]){(gen_array *)cond, (gen_array *)x, (gen_array *)y}, NULL);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *args[3] = {gen_cast(cond, GEN_BOOL), gen_cast(x, t), gen_cast(y, t)};
    return arr_scope_return(op_apply(OP_WHERE, 3, args, NULL));
}
