/* linalg_solve.c — solve, triangular_solve, inv, logdet: public functions, shape
 * rules and gradient rules (rows in ops_linalg.def, kernels in cpu_linalg.c). */
#include <string.h>

#include "linalg.h"

/* ---- shape rules ---- */

/* [..., n, n] -> the same shape (cholesky, inv). */
gen_status shape_lin_square(const op_call *c, op_sig *s) {
    gen_status st = lin_check_square(op_table[c->op].name, c->in[0]);
    if (st != GEN_OK) return st;
    return op_shape_same(c, s);
}

/* a [..., n, n], b [..., n, k] -> [batch, n, k]. */
gen_status shape_lin_solve(const op_call *c, op_sig *s) {
    const char *op = op_table[c->op].name;
    const gen_array *a = c->in[0], *b = c->in[1];
    gen_status st = lin_check_square(op, a);
    if (st != GEN_OK) return st;
    if (b->ndim < 2 || b->shape[b->ndim - 2] != a->shape[a->ndim - 1])
        return lin_fail2(op, "b needs as many rows as the matrix", a, b);
    if (a->dtype != b->dtype) return lin_fail2(op, "internal: arguments of two dtypes", a, b);
    if (!lin_batch(a->ndim - 2, a->shape, b->ndim - 2, b->shape, &s->ndim, s->shape))
        return lin_fail2(op, "batch dimensions do not broadcast", a, b);
    s->shape[s->ndim++] = b->shape[b->ndim - 2];
    s->shape[s->ndim++] = b->shape[b->ndim - 1];
    s->dtype = (gen_dtype)a->dtype;
    return GEN_OK;
}

/* [..., n, n] -> [...]. */
gen_status shape_logdet(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    gen_status st = lin_check_square("logdet", a);
    if (st != GEN_OK) return st;
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim - 2;
    memcpy(s->shape, a->shape, (size_t)s->ndim * sizeof *s->shape);
    return GEN_OK;
}

/* ---- public solves. b is a batch of vectors [..., n] when it is 1-d, or when its
 * shape is a's without the last axis (PyTorch's rule: a [B, n, n] with b [B, n] solves
 * B vectors); otherwise b is [..., n, k] and its batch axes broadcast with a's. ---- */

static bool is_vector_rhs(const gen_array *a, const gen_array *b) {
    return b->ndim == 1 ||
           (b->ndim == a->ndim - 1 && !memcmp(b->shape, a->shape, (size_t)b->ndim * sizeof *b->shape));
}

static gen_array *solve_public(op_id op, const gen_array *a, const gen_array *b,
                               const op_params *p) {
    const char *name = op_table[op].name;
    if (!a || !b) return op_apply2(op, a, b, p);
    if (lin_check_square(name, a) != GEN_OK) return NULL;
    if (b->ndim == 0) return lin_fail2(name, "b needs at least 1 dimension", a, b), NULL;
    bool vec = is_vector_rhs(a, b);
    int rows_axis = vec ? b->ndim - 1 : b->ndim - 2;
    if (b->shape[rows_axis] != a->shape[a->ndim - 1])
        return lin_fail2(name, "b needs as many rows as the matrix", a, b), NULL;
    int nb;
    int64_t bs[GEN_MAX_DIMS];
    if (!lin_batch(a->ndim - 2, a->shape, rows_axis, b->shape, &nb, bs))
        return lin_fail2(name, "batch dimensions do not broadcast", a, b), NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_dtype t = lin_type(a, b);
    gen_array *b2 = lin_as(b, t);
    if (vec) b2 = gen_expand_dims(b2, -1);
    gen_array *r = op_apply2(op, lin_as(a, t), b2, p);
    if (vec) r = lin_drop_axis(r, -1);
    return arr_scope_return(r);
}

/* ---- triangular_solve: x = op(T)^-1 b, op(T) = T or T^T ---- */

gen_array *gen_triangular_solve(const gen_array *t, const gen_array *b, bool lower,
                                bool transpose) {
    op_params p = {.lower = lower, .transpose = transpose};
    return solve_public(OP_TRIANGULAR_SOLVE, t, b, &p);
}

/* b̄ = op(T)^-T g; T̄ = -b̄ x^T (or -x b̄^T for op = transpose), restricted to the
 * triangle that is read (the other one does not influence x). */
gen_array *vjp_triangular_solve(const op_call *c, int i, gen_array *g) {
    bool lower = c->p->lower, tr = c->p->transpose;
    gen_array *bbar = lin_trisolve_mat(c->in[0], g, lower, !tr);
    if (i == 1) return bbar;
    gen_array *x = c->out;
    gen_array *tbar = tr ? gen_matmul(x, gen_matrix_transpose(bbar))
                         : gen_matmul(bbar, gen_matrix_transpose(x));
    return gen_neg(lin_triangle(tbar, lower));
}
/* dx = op(T)^-1 (db - op(dT) x), dT restricted to the triangle that is read. */
gen_array *jvp_triangular_solve(const op_call *c, gen_array *const *t) {
    bool lower = c->p->lower, tr = c->p->transpose;
    gen_array *rhs = t[1];
    if (t[0]) {
        gen_array *dt = lin_triangle(t[0], lower);
        gen_array *dtx = gen_matmul(tr ? gen_matrix_transpose(dt) : dt, c->out);
        rhs = rhs ? gen_sub(rhs, dtx) : gen_neg(dtx);
    }
    return lin_trisolve_mat(c->in[0], rhs, lower, tr);
}

/* ---- solve: x = a^-1 b ---- */

gen_array *gen_solve(const gen_array *a, const gen_array *b) {
    return solve_public(OP_SOLVE, a, b, NULL);
}
/* b̄ = a^-T g; ā = -b̄ x^T. */
gen_array *vjp_solve(const op_call *c, int i, gen_array *g) {
    gen_array *bbar = lin_solve_mat(gen_matrix_transpose(c->in[0]), g);
    if (i == 1) return bbar;
    return gen_neg(gen_matmul(bbar, gen_matrix_transpose(c->out)));
}
/* dx = a^-1 (db - da x). */
gen_array *jvp_solve(const op_call *c, gen_array *const *t) {
    gen_array *rhs = t[1];
    if (t[0]) {
        gen_array *dax = gen_matmul(t[0], c->out);
        rhs = rhs ? gen_sub(rhs, dax) : gen_neg(dax);
    }
    return lin_solve_mat(c->in[0], rhs);
}

/* ---- inv ---- */

gen_array *gen_inv(const gen_array *a) { return lin_apply1(OP_INV, a); }
/* ā = -inv^T g inv^T. */
gen_array *vjp_inv(const op_call *c, int i, gen_array *g) {
    (void)i;
    gen_array *yt = gen_matrix_transpose(c->out);
    return gen_neg(gen_matmul(yt, gen_matmul(g, yt)));
}
/* d inv = -inv da inv. */
gen_array *jvp_inv(const op_call *c, gen_array *const *t) {
    return gen_neg(gen_matmul(c->out, gen_matmul(t[0], c->out)));
}

/* ---- logdet: log |det a| ---- */

gen_array *gen_logdet(const gen_array *a) { return lin_apply1(OP_LOGDET, a); }
/* ā = g inv(a)^T (g broadcast over the matrix axes). */
gen_array *vjp_logdet(const op_call *c, int i, gen_array *g) {
    (void)i;
    gen_array *g2 = gen_expand_dims(gen_expand_dims(g, -1), -1);
    return gen_mul(g2, gen_matrix_transpose(gen_inv(c->in[0])));
}
/* d logdet = trace(a^-1 da). */
gen_array *jvp_logdet(const op_call *c, gen_array *const *t) {
    return gen_matrix_trace(lin_solve_mat(c->in[0], t[0]));
}
