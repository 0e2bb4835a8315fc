/* linalg_common.c — the helpers of linalg.h. */
#include <string.h>

#include "backend_api.h"
#include "linalg.h"

gen_dtype lin_type(const gen_array *a, const gen_array *b) {
    gen_dtype t = (gen_dtype)a->dtype;
    if (b) t = arr_promote(t, (gen_dtype)b->dtype);
    return arr_float_type(t);
}

gen_array *lin_as(const gen_array *a, gen_dtype t) {
    return a->dtype == t ? (gen_array *)a : gen_cast(a, t);
}

bool lin_batch(int na, const int64_t *sa, int nb, const int64_t *sb, int *nout, int64_t *out) {
    int n = na > nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t da = ia >= 0 ? sa[ia] : 1, db = ib >= 0 ? sb[ib] : 1;
        if (da != db && da != 1 && db != 1) return false;
        out[i] = da == 1 ? db : da;
    }
    *nout = n;
    return true;
}

gen_status lin_fail2(const char *op, const char *what, const gen_array *a, const gen_array *b) {
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s: %s and %s", op, what,
                    arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                    arr_shape_str(b->ndim, b->shape, s2, sizeof s2));
}

gen_status lin_check_square(const char *op, const gen_array *a) {
    if (a->ndim >= 2 && a->shape[a->ndim - 1] == a->shape[a->ndim - 2]) return GEN_OK;
    char s[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: needs square matrices [..., n, n], got %s", op,
                    arr_shape_str(a->ndim, a->shape, s, sizeof s));
}

gen_array *lin_drop_axis(gen_array *a, int axis) {
    if (!a) return NULL;
    int ax = axis < 0 ? a->ndim + axis : axis;
    int64_t shape[GEN_MAX_DIMS];
    for (int i = 0, j = 0; i < a->ndim; i++)
        if (i != ax) shape[j++] = a->shape[i];
    return gen_reshape(a, a->ndim - 1, shape);
}

gen_array *lin_tri_mask(int64_t n, double below, double on, double above, gen_dtype t) {
    gen_array *m = arr_alloc("triangular mask", t, 2, (const int64_t[]){n, n});
    if (!m) return NULL;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            arr_set_f64(t, m->data, i * n + j, i > j ? below : (i == j ? on : above));
    /* on the creation device: gradient rules run with it following their values' */
    return arr_publish(arr_to_creation_device("triangular mask", m));
}

gen_array *lin_triangle(gen_array *x, bool lower) {
    if (!x) return NULL;
    int64_t n = x->shape[x->ndim - 1];
    gen_dtype t = arr_float_type((gen_dtype)x->dtype);
    return gen_mul(x, lin_tri_mask(n, lower, 1, !lower, t));
}

gen_array *lin_sym(gen_array *x) {
    gen_array *s = gen_add(x, gen_matrix_transpose(x));
    return gen_mul(s, x ? gen_full((gen_dtype)x->dtype, 0, NULL, 0.5) : NULL);
}

static gen_array *apply_mat(op_id op, const gen_array *a, const gen_array *b, const op_params *p) {
    if (!a || !b) return op_apply2(op, a, b, p);
    gen_dtype t = lin_type(a, b);
    if (a->dtype == t && b->dtype == t) return op_apply2(op, a, b, p);
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply2(op, lin_as(a, t), lin_as(b, t), p));
}

gen_array *lin_solve_mat(const gen_array *a, const gen_array *b) {
    return apply_mat(OP_SOLVE, a, b, NULL);
}

gen_array *lin_trisolve_mat(const gen_array *t, const gen_array *b, bool lower, bool transpose) {
    op_params p = {.lower = lower, .transpose = transpose};
    return apply_mat(OP_TRIANGULAR_SOLVE, t, b, &p);
}

gen_array *lin_apply1(op_id op, const gen_array *a) {
    if (!a || arr_is_float((gen_dtype)a->dtype)) return op_apply1(op, a, NULL);
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply1(op, gen_cast(a, GEN_F64), NULL));
}

gen_array *lin_null(const char *op) {
    if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: an argument is NULL", op);
    return NULL;
}
