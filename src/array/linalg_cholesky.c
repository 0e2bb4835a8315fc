/* linalg_cholesky.c — the Cholesky factorization: public function and gradient rules
 * (row in ops_linalg.def, kernel in cpu_linalg.c).
 *
 * Convention for gradients: cholesky reads only the lower triangle of a, but a is
 * meant to be symmetric, so derivatives are taken with respect to a symmetric matrix
 * (as JAX and PyTorch do): the JVP uses the symmetric part of the tangent, and the
 * VJP returns a symmetric cotangent S with <S, dA> = <L̄, dL> for every symmetric dA.
 * Formulas from Murray (2016), "Differentiation of the Cholesky decomposition":
 *   dL = L phi(L^-1 dA L^-T),  Ā = sym(L^-T phi(L^T L̄) L^-1),
 * where phi keeps the lower triangle and halves the diagonal. */
#include <string.h>

#include "linalg.h"
#include "autodiff_int.h"

gen_array *gen_cholesky(const gen_array *a) { return lin_apply1(OP_CHOLESKY, a); }

static gen_array *phi(gen_array *x) {
    if (!x) return NULL;
    int64_t n = x->shape[x->ndim - 1];
    return gen_mul(x, lin_tri_mask(n, 1.0, 0.5, 0.0, arr_float_type((gen_dtype)x->dtype)));
}

/* The VJP's formula as a function of (L, G) with public ops: CHOLESKY_VJP's own rules
 * differentiate it with a nested transform, and other dtypes take it directly. */
static gen_array *vjp_formula(gen_array *l, gen_array *g) {
    gen_array *y = phi(gen_matmul(gen_matrix_transpose(l), g));
    gen_array *z = lin_trisolve_mat(l, y, true, true); /* L^-T y */
    /* z L^-1 = (L^-T z^T)^T */
    gen_array *p = gen_matrix_transpose(lin_trisolve_mat(l, gen_matrix_transpose(z), true, true));
    return lin_sym(p);
}

/* f64 takes one op (CHOLESKY_VJP, per matrix in plain C: cholesky_vjp.h), recorded like
 * any op when a transform records (so captured and compiled gradients compute as the
 * eager ones); other cases take the formula. */
gen_array *vjp_cholesky(const op_call *c, int i, gen_array *g) {
    (void)i;
    gen_array *l = c->out;
    if (l->dtype == GEN_F64 && g && g->dtype == GEN_F64 && g->ndim == l->ndim &&
        !memcmp(g->shape, l->shape, (size_t)l->ndim * sizeof(int64_t)) && !l->batched && !g->batched)
        return op_apply2(OP_CHOLESKY_VJP, l, g, NULL);
    return vjp_formula(l, g);
}

/* (L, G) -> the VJP: L and G f64 [..., n, n] of one shape. */
gen_status shape_cholesky_vjp(const op_call *c, op_sig *s) {
    const gen_array *l = c->in[0], *g = c->in[1];
    gen_status st = lin_check_square("cholesky_vjp", l);
    if (st != GEN_OK) return st;
    if (l->dtype != GEN_F64 || g->dtype != GEN_F64 || g->ndim != l->ndim ||
        memcmp(g->shape, l->shape, (size_t)l->ndim * sizeof(int64_t)))
        return lin_fail2("cholesky_vjp", "internal: needs f64 arguments of one shape", l, g);
    return op_shape_same(c, s);
}

static gen_status formula_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = vjp_formula(in[0], in[1]);
    return out[0] ? GEN_OK : core_error_pending();
}

/* CHOLESKY_VJP's own rules (gradients of gradients): the formula's, by nested transforms. */
gen_status vjp_cholesky_vjp(const op_call *c, gen_array *const *cot, gen_array **cin) {
    return gen_vjp((gen_closure){formula_fn, NULL}, 2, c->in, 1, cot, NULL, cin);
}
gen_array *jvp_cholesky_vjp(const op_call *c, gen_array *const *t) {
    gen_array *tan = NULL;
    return gen_jvp((gen_closure){formula_fn, NULL}, 2, c->in, t, 1, NULL, &tan) == GEN_OK ? tan : NULL;
}

gen_array *jvp_cholesky(const op_call *c, gen_array *const *t) {
    gen_array *l = c->out;
    gen_array *w = lin_trisolve_mat(l, lin_sym(t[0]), true, false); /* L^-1 dA */
    /* w L^-T = (L^-1 w^T)^T */
    gen_array *s = gen_matrix_transpose(lin_trisolve_mat(l, gen_matrix_transpose(w), true, false));
    return gen_matmul(l, phi(s));
}
