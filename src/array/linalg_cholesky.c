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
#include "linalg.h"

gen_array *gen_cholesky(const gen_array *a) { return lin_apply1(OP_CHOLESKY, a); }

static gen_array *phi(gen_array *x) {
    if (!x) return NULL;
    int64_t n = x->shape[x->ndim - 1];
    return gen_mul(x, lin_tri_mask(n, 1.0, 0.5, 0.0, arr_float_type((gen_dtype)x->dtype)));
}

gen_array *vjp_cholesky(const op_call *c, int i, gen_array *g) {
    (void)i;
    gen_array *l = c->out;
    gen_array *y = phi(gen_matmul(gen_matrix_transpose(l), g));
    gen_array *z = lin_trisolve_mat(l, y, true, true); /* L^-T y */
    /* z L^-1 = (L^-T z^T)^T */
    gen_array *p = gen_matrix_transpose(lin_trisolve_mat(l, gen_matrix_transpose(z), true, true));
    return lin_sym(p);
}

gen_array *jvp_cholesky(const op_call *c, gen_array *const *t) {
    gen_array *l = c->out;
    gen_array *w = lin_trisolve_mat(l, lin_sym(t[0]), true, false); /* L^-1 dA */
    /* w L^-T = (L^-1 w^T)^T */
    gen_array *s = gen_matrix_transpose(lin_trisolve_mat(l, gen_matrix_transpose(w), true, false));
    return gen_matmul(l, phi(s));
}
