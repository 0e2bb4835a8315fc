/* op_failure.c — the error of an op whose generated code failed at run time (an index
 * out of range, a matrix that is not positive definite or is singular), worded and
 * classed as the eager CPU kernel words it, from what the code left in *fail and
 * failv (emit.h) and the shapes in the graph. */
#include <stdio.h>

#include "emit.h"

/* Position flat of a shape, as "(i, j)". */
static const char *position(int nd, const int64_t *shape, int64_t flat, char *buf, size_t n) {
    int64_t idx[GEN_MAX_DIMS];
    for (int d = nd - 1; d >= 0; d--) {
        idx[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    return arr_shape_str(nd, idx, buf, n);
}

/* The linalg kernels' batch_fail: matrix `at` of argument x. */
static gen_status matrix_failure(const char *op, const cg_value *x, int64_t at, const char *what, long long detail) {
    int nb = x->ndim - 2;
    if (nb <= 0) return GEN_FAIL(GEN_ERR_LINALG, "%s: the matrix %s%lld)", op, what, detail);
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_LINALG, "%s: the matrix at batch index %s (batch shape %s) %s%lld)", op,
                    position(nb, x->shape, at, s1, sizeof s1), arr_shape_str(nb, x->shape, s2, sizeof s2), what, detail);
}

gen_status cg_op_failure(const cg_graph *g, int32_t k, int64_t at, const double *v) {
    const cg_node *nd = &g->nodes[k];
    const char *name = op_table[nd->op].name;
    const cg_value *a = &g->values[nd->in[0]];
    switch (nd->op) {
    case OP_TAKE: case OP_INDEX_SET: case OP_INDEX_ADD: {
        const cg_value *ix = &g->values[nd->in[1]];
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_INDEX, "%s: index %lld at indices%s is out of range for axis %d of size %lld (array %s)",
                        name, (long long)v[0], position(ix->ndim, ix->shape, at, s1, sizeof s1), nd->p.axis,
                        (long long)a->shape[nd->p.axis], arr_shape_str(a->ndim, a->shape, s2, sizeof s2));
    }
    case OP_TAKE_ALONG: case OP_SCATTER_ALONG:
        return GEN_FAIL(GEN_ERR_VALUE, "%s: index %lld is out of range for an axis of size %lld", name, (long long)v[0],
                        (long long)(nd->op == OP_TAKE_ALONG ? a->shape[nd->p.axis] : nd->p.k));
    case OP_CHOLESKY:
        return matrix_failure(name, a, at, "is not positive definite (leading minor of order ", (long long)v[0]);
    case OP_SOLVE: case OP_INV:
        return matrix_failure(name, a, at, "is singular (zero pivot at row ", (long long)v[0]);
    case OP_DRAW: /* handed back to the library, which recorded its error */
        if (core_error_pending()) return core_error_pending();
        return GEN_FAIL(GEN_ERR_INTERNAL, "%s: the compiled code failed", name);
    default:
        return GEN_FAIL(GEN_ERR_INTERNAL, "%s: the compiled code failed at element %lld", name, (long long)at);
    }
}
