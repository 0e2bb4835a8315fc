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

/* The same VJP in plain C for f64 matrices when nothing records (most gradient
 * evaluations; small matrices would spend their time on the array path's temporaries):
 * per matrix of the batch, M = phi(L^T G), Z = L^-T M and P = Z L^-1 by back
 * substitution, then (P + P^T) / 2. */
static gen_array *vjp_cholesky_f64(const gen_array *l, const gen_array *g) {
    int64_t n = l->shape[l->ndim - 1], nn = n * n, batch = n ? l->size / nn : 0;
    gen_array *out = arr_alloc("cholesky", GEN_F64, l->ndim, l->shape);
    if (!out || l->size == 0) return arr_publish(out); /* [..., 0, 0] or an empty batch: no work space */
    double *m = core_alloc((size_t)(2 * nn) * sizeof *m);
    if (!m) {
        gen_array_release(out);
        return NULL;
    }
    double *z = m + nn;
    for (int64_t b = 0; b < batch; b++) {
        const double *L = (const double *)l->data + b * nn, *G = (const double *)g->data + b * nn;
        double *A = (double *)out->data + b * nn;
        for (int64_t i = 0; i < n; i++) /* phi(L^T G): the lower triangle, the diagonal halved */
            for (int64_t j = 0; j <= i; j++) {
                double acc = 0;
                for (int64_t k = i; k < n; k++) acc += L[k * n + i] * G[k * n + j]; /* L[k][i] = 0 for k < i */
                m[i * n + j] = i == j ? 0.5 * acc : acc;
            }
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i + 1; j < n; j++) m[i * n + j] = 0;
        for (int64_t j = 0; j < n; j++) /* L^T Z = M, column by column */
            for (int64_t i = n - 1; i >= 0; i--) {
                double acc = m[i * n + j];
                for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * z[k * n + j];
                z[i * n + j] = acc / L[i * n + i];
            }
        for (int64_t r = 0; r < n; r++) /* P L = Z, row by row (P into m) */
            for (int64_t i = n - 1; i >= 0; i--) {
                double acc = z[r * n + i];
                for (int64_t k = i + 1; k < n; k++) acc -= m[r * n + k] * L[k * n + i];
                m[r * n + i] = acc / L[i * n + i];
            }
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) A[i * n + j] = (m[i * n + j] + m[j * n + i]) * 0.5;
    }
    core_free(m, (size_t)(2 * nn) * sizeof *m);
    return arr_publish(out);
}

gen_array *vjp_cholesky(const op_call *c, int i, gen_array *g) {
    (void)i;
    gen_array *l = c->out;
    if (!ad_recording() && l->dtype == GEN_F64 && g && g->dtype == GEN_F64 && g->ndim == l->ndim &&
        !memcmp(g->shape, l->shape, (size_t)l->ndim * sizeof(int64_t)) && !l->batched && !g->batched)
        return vjp_cholesky_f64(l, g);
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
