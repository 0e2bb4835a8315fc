/* ops_linalg.c — products and diagonals: matmul, outer, diag, diag_embed, trace
 * (public functions, shape rules, gradient rules; rows in ops_linalg.def). The
 * factorizations and solves are in linalg_solve.c and linalg_cholesky.c. */
#include <string.h>

#include "linalg.h"

/* ---- matmul ---- */

/* Row rule: a [..., m, k] @ b [..., k, n] -> [batch, m, n], batch axes broadcast. */
gen_status shape_matmul(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0], *b = c->in[1];
    if (a->ndim < 2 || b->ndim < 2 || a->dtype != b->dtype || !arr_is_float((gen_dtype)a->dtype))
        return lin_fail2("matmul", "internal: needs float matrices of one dtype", a, b);
    if (a->shape[a->ndim - 1] != b->shape[b->ndim - 2])
        return lin_fail2("matmul", "inner dimensions differ", a, b);
    if (!lin_batch(a->ndim - 2, a->shape, b->ndim - 2, b->shape, &s->ndim, s->shape))
        return lin_fail2("matmul", "batch dimensions do not broadcast", a, b);
    s->shape[s->ndim++] = a->shape[a->ndim - 2];
    s->shape[s->ndim++] = b->shape[b->ndim - 1];
    s->dtype = (gen_dtype)a->dtype;
    return GEN_OK;
}
/* The engine sums the cotangents down over broadcast batch axes. */
gen_array *vjp_matmul(const op_call *c, int i, gen_array *g) {
    if (i == 0) return gen_matmul(g, gen_matrix_transpose(c->in[1]));
    return gen_matmul(gen_matrix_transpose(c->in[0]), g);
}
gen_array *jvp_matmul(const op_call *c, gen_array *const *t) {
    gen_array *ta = t[0] ? gen_matmul(t[0], c->in[1]) : NULL;
    gen_array *tb = t[1] ? gen_matmul(c->in[0], t[1]) : NULL;
    return ta && tb ? gen_add(ta, tb) : (t[0] ? ta : tb);
}

/* Checks the shapes of the public call (1-d arguments as NumPy promotes them). */
static gen_status matmul_check(const gen_array *a, const gen_array *b) {
    if (a->ndim == 0 || b->ndim == 0)
        return lin_fail2("matmul", "arguments need at least 1 dimension", a, b);
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (ka != kb) return lin_fail2("matmul", "inner dimensions differ", a, b);
    int nb;
    int64_t bs[GEN_MAX_DIMS];
    int ba = a->ndim > 2 ? a->ndim - 2 : 0, bb = b->ndim > 2 ? b->ndim - 2 : 0;
    if (!lin_batch(ba, a->shape, bb, b->shape, &nb, bs))
        return lin_fail2("matmul", "batch dimensions do not broadcast", a, b);
    return GEN_OK;
}

gen_array *gen_matmul(const gen_array *a, const gen_array *b) {
    if (!a || !b) return op_apply2(OP_MATMUL, a, b, NULL);
    if (matmul_check(a, b) != GEN_OK) return NULL;
    gen_dtype t = lin_type(a, b);
    if (a->ndim >= 2 && b->ndim >= 2 && a->dtype == t && b->dtype == t)
        return op_apply2(OP_MATMUL, a, b, NULL);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *a2 = lin_as(a, t), *b2 = lin_as(b, t);
    if (a->ndim == 1) a2 = gen_expand_dims(a2, 0);  /* [k] -> [1, k] */
    if (b->ndim == 1) b2 = gen_expand_dims(b2, -1); /* [k] -> [k, 1] */
    gen_array *r = op_apply2(OP_MATMUL, a2, b2, NULL);
    if (b->ndim == 1) r = lin_drop_axis(r, -1);
    if (a->ndim == 1) r = lin_drop_axis(r, b->ndim == 1 ? -1 : -2);
    return arr_scope_return(r);
}

/* ---- outer: a[..., i] * b[..., j], composed of public ops ---- */

gen_array *gen_outer(const gen_array *a, const gen_array *b) {
    if (!a || !b) return lin_null("outer");
    if (a->ndim == 0 || b->ndim == 0)
        return lin_fail2("outer", "arguments need at least 1 dimension", a, b), NULL;
    int nb;
    int64_t bs[GEN_MAX_DIMS];
    if (!lin_batch(a->ndim - 1, a->shape, b->ndim - 1, b->shape, &nb, bs))
        return lin_fail2("outer", "batch dimensions do not broadcast", a, b), NULL;
    if (nb + 2 > GEN_MAX_DIMS)
        return lin_fail2("outer", "result would have too many dimensions", a, b), NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_dtype t = lin_type(a, b);
    gen_array *r = gen_mul(gen_expand_dims(lin_as(a, t), -1), gen_expand_dims(lin_as(b, t), -2));
    return arr_scope_return(r);
}

/* ---- diag / diag_embed / trace ---- */

gen_status shape_diag(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    gen_status st = lin_check_square("diag", a);
    if (st != GEN_OK) return st;
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim - 1;
    memcpy(s->shape, a->shape, (size_t)s->ndim * sizeof *s->shape);
    return GEN_OK;
}
gen_array *vjp_diag(const op_call *c, int i, gen_array *g) {
    (void)c, (void)i;
    return gen_diag_embed(g);
}
gen_array *jvp_diag(const op_call *c, gen_array *const *t) {
    (void)c;
    return gen_diag(t[0]);
}

gen_status shape_diag_embed(const op_call *c, op_sig *s) {
    const gen_array *v = c->in[0];
    char buf[ARR_SHAPE_STR_MAX];
    if (v->ndim < 1 || v->ndim + 1 > GEN_MAX_DIMS)
        return GEN_FAIL(GEN_ERR_SHAPE, "diag_embed: needs [..., n] with at most %d dimensions, got %s",
                        GEN_MAX_DIMS - 1, arr_shape_str(v->ndim, v->shape, buf, sizeof buf));
    s->dtype = (gen_dtype)v->dtype;
    s->ndim = v->ndim + 1;
    memcpy(s->shape, v->shape, (size_t)v->ndim * sizeof *s->shape);
    s->shape[v->ndim] = v->shape[v->ndim - 1];
    return GEN_OK;
}
gen_array *vjp_diag_embed(const op_call *c, int i, gen_array *g) {
    (void)c, (void)i;
    return gen_diag(g);
}
gen_array *jvp_diag_embed(const op_call *c, gen_array *const *t) {
    (void)c;
    return gen_diag_embed(t[0]);
}

gen_array *gen_diag(const gen_array *a) { return lin_apply1(OP_DIAG, a); }
gen_array *gen_diag_embed(const gen_array *v) { return lin_apply1(OP_DIAG_EMBED, v); }

gen_array *gen_matrix_trace(const gen_array *a) {
    if (!a) return lin_null("matrix_trace");
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(gen_sum(gen_diag(a), GEN_AXES(-1), false));
}
