/* ops_binary.c — elementwise ops of two or more arguments: public functions and
 * gradient rules (rows in ops_binary.def, kernels in backend/cpu/cpu_binary.c). */
#include "elementwise.h"

/* A 0-d constant in the float type of z (an op's result), so that the rules of f32 ops
 * compute in f32. */
static gen_array *like(const gen_array *z, double v) {
    return gen_full(arr_float_type((gen_dtype)z->dtype), 0, NULL, v);
}

/* A bool mask as 0/1 in the float type of z. */
static gen_array *weight(gen_array *mask, const gen_array *z) {
    return gen_cast(mask, arr_float_type((gen_dtype)z->dtype));
}

/* ---- arithmetic ---- */

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

/* maximum/minimum: the gradient goes to the argument the kernel picked: the first on
 * ties and where the first is nan, the second where only the second is nan. */
static gen_array *picked_first(gen_array *x, gen_array *y, gen_array *z, bool max) {
    gen_array *wins = max ? gen_ge(x, y) : gen_le(x, y);
    return weight(gen_logical_or(wins, gen_ne(x, x)), z);
}
gen_array *gen_maximum(const gen_array *a, const gen_array *b) { return ew_binary(OP_MAXIMUM, a, b, false); }
EW_BINARY_RULES(maximum, picked_first(x, y, z, true),
                gen_sub(like(z, 1.0), picked_first(x, y, z, true)))
gen_array *gen_minimum(const gen_array *a, const gen_array *b) { return ew_binary(OP_MINIMUM, a, b, false); }
EW_BINARY_RULES(minimum, picked_first(x, y, z, false),
                gen_sub(like(z, 1.0), picked_first(x, y, z, false)))

/* d/da a^b = b a^(b-1), taken as 0 where b == 0 (where it would be 0 * inf at a == 0);
 * d/db a^b = a^b log a, taken as 0 where a == 0. */
gen_array *gen_pow(const gen_array *a, const gen_array *b) { return ew_binary(OP_POW, a, b, true); }
EW_BINARY_RULES(pow,
                gen_where(gen_eq(y, like(z, 0.0)), like(z, 0.0),
                          gen_mul(y, gen_pow(x, gen_sub(y, like(z, 1.0))))),
                gen_where(gen_eq(x, like(z, 0.0)), like(z, 0.0), gen_mul(z, gen_log(x))))

/* atan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2). In the macro x is the
 * first argument (y) and y the second (x). */
gen_array *gen_atan2(const gen_array *y, const gen_array *x) { return ew_binary(OP_ATAN2, y, x, true); }
EW_BINARY_RULES(atan2, gen_div(y, gen_add(gen_square(x), gen_square(y))),
                gen_neg(gen_div(x, gen_add(gen_square(x), gen_square(y)))))

/* mod(a, b) = a - b * floor(a / b) with the sign of b (NumPy). Integer mod by zero is
 * defined as 0 (NumPy's result; C would trap), float mod by zero is nan.
 * Gradient (where mod is smooth): 1 for a, -floor(a / b) for b. */
gen_array *gen_mod(const gen_array *a, const gen_array *b) { return ew_binary(OP_MOD, a, b, false); }
static gen_array *floor_divide(const gen_array *a, const gen_array *b) {
    return ew_binary(OP_FLOOR_DIVIDE, a, b, true);
}
gen_array *vjp_mod(const op_call *c, int i, gen_array *g) {
    return i == 0 ? g : gen_mul(g, gen_neg(floor_divide(c->in[0], c->in[1])));
}
gen_array *jvp_mod(const op_call *c, gen_array *const *t) {
    gen_array *tb = t[1] ? gen_mul(t[1], floor_divide(c->in[0], c->in[1])) : NULL;
    return !t[1] ? t[0] : t[0] ? gen_sub(t[0], tb) : gen_neg(tb);
}

/* logaddexp: the partial derivatives are the softmax weights exp(a - z) and
 * exp(b - z), computed as sigmoid(a - b) = exp(min(d, 0)) / (1 + exp(-|d|)) so that
 * nothing overflows and infinite arguments give 0 or 1; 1/2 each where a == b (also
 * for equal infinities, where a - b is nan). exp(min(d, 0)) is 1 or exp(-|d|), the
 * denominator's exp, so one exp serves both (the same bits as two). */
static gen_array *softmax_weight(gen_array *x, gen_array *y, gen_array *z) {
    gen_array *d = gen_sub(x, y);
    gen_array *e = gen_exp(gen_minimum(d, gen_neg(d)));
    gen_array *num = gen_where(gen_lt(d, like(z, 0.0)), e, like(z, 1.0));
    gen_array *den = gen_add(like(z, 1.0), e);
    return gen_where(gen_eq(x, y), like(z, 0.5), gen_div(num, den));
}
gen_array *gen_logaddexp(const gen_array *a, const gen_array *b) {
    return ew_binary(OP_LOGADDEXP, a, b, true);
}
EW_BINARY_RULES(logaddexp, softmax_weight(x, y, z), softmax_weight(y, x, z))

/* ---- comparisons and logic (bool results, no gradient) ---- */

gen_array *gen_eq(const gen_array *a, const gen_array *b) { return ew_compare(OP_EQ, a, b); }
gen_array *gen_ne(const gen_array *a, const gen_array *b) { return ew_compare(OP_NE, a, b); }
gen_array *gen_lt(const gen_array *a, const gen_array *b) { return ew_compare(OP_LT, a, b); }
gen_array *gen_le(const gen_array *a, const gen_array *b) { return ew_compare(OP_LE, a, b); }
gen_array *gen_gt(const gen_array *a, const gen_array *b) { return ew_compare(OP_GT, a, b); }
gen_array *gen_ge(const gen_array *a, const gen_array *b) { return ew_compare(OP_GE, a, b); }
/* Any dtype: nonzero (nan included) is true. */
gen_array *gen_logical_and(const gen_array *a, const gen_array *b) { return ew_compare(OP_LOGICAL_AND, a, b); }
gen_array *gen_logical_or(const gen_array *a, const gen_array *b) { return ew_compare(OP_LOGICAL_OR, a, b); }

/* ---- three arguments ---- */

/* Dispatches a three-argument op with argument 0 cast to t0 and the others to t; the
 * casts are temporaries of a scope closed here. NULL arguments propagate. */
static gen_array *apply3(op_id op, const gen_array *a0, const gen_array *a1,
                         const gen_array *a2, gen_dtype t0, gen_dtype t) {
    const gen_array *a[3] = {a0, a1, a2};
    gen_array *args[3] = {(gen_array *)a0, (gen_array *)a1, (gen_array *)a2};
    if (!a0 || !a1 || !a2 || a0->tuple || a1->tuple || a2->tuple || (a0->dtype == t0 && a1->dtype == t && a2->dtype == t))
        return op_apply(op, 3, args, NULL);
    if (gen_scope_begin() != GEN_OK) return NULL;
    for (int i = 0; i < 3; i++) {
        gen_dtype want = i == 0 ? t0 : t;
        if (a[i]->dtype != want) args[i] = gen_cast(a[i], want);
    }
    return arr_scope_return(op_apply(op, 3, args, NULL));
}

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
    gen_dtype t = x && y ? arr_promote((gen_dtype)x->dtype, (gen_dtype)y->dtype) : GEN_F64;
    return apply3(OP_WHERE, cond, x, y, GEN_BOOL, t);
}

/* clip(a, lo, hi) = min(max(a, lo), hi); the type is the common one (at least i64,
 * like maximum). The gradient goes to the argument the result came from: hi where
 * max(a, lo) > hi (so everywhere when lo > hi), else lo where a < lo, else a (ties
 * a == lo or a == hi go to a). */
static gen_array *clip_weight(const op_call *c, int i) {
    gen_array *a = c->in[0], *lo = c->in[1], *hi = c->in[2], *z = c->out;
    gen_array *w_hi = weight(gen_gt(gen_maximum(a, lo), hi), z);
    if (i == 2) return w_hi;
    gen_array *not_hi = gen_sub(like(z, 1.0), w_hi);
    gen_array *w_lo = gen_mul(weight(gen_lt(a, lo), z), not_hi);
    return i == 1 ? w_lo : gen_sub(not_hi, w_lo);
}
gen_array *vjp_clip(const op_call *c, int i, gen_array *g) { return gen_mul(g, clip_weight(c, i)); }
gen_array *jvp_clip(const op_call *c, gen_array *const *t) {
    gen_array *sum = NULL;
    for (int i = 0; i < 3; i++) {
        if (!t[i]) continue;
        gen_array *term = gen_mul(t[i], clip_weight(c, i));
        sum = sum ? gen_add(sum, term) : term;
    }
    return sum;
}

gen_array *gen_clip(const gen_array *a, const gen_array *lo, const gen_array *hi) {
    gen_dtype t = GEN_F64;
    if (a && lo && hi)
        t = arr_promote(arr_promote(arr_promote((gen_dtype)a->dtype, (gen_dtype)lo->dtype),
                                    (gen_dtype)hi->dtype), GEN_I64);
    return apply3(OP_CLIP, a, lo, hi, t, t);
}
