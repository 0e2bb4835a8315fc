/* ops_reduce.c — reductions over axes: axis handling, public functions, shape rules
 * and gradient rules (rows in ops_reduce.def, kernels in backend/cpu/cpu_reduce.c).
 * Single-axis ops (argmax, cumulative ops, sorting) are in reduce_axis.c. */
#include <math.h>
#include <string.h>

#include "reduce.h"

gen_status red_params(const char *op, const gen_array *a, int naxes, const int *axes,
                      bool keepdims, op_params *p) {
    memset(p, 0, sizeof *p);
    p->keepdims = keepdims;
    if (naxes == 0 && !axes) { /* every axis; in batched mode, every axis of a particle */
        int first = arr_batch_n && a->batched ? 1 : 0;
        for (int d = first; d < a->ndim; d++) p->axes[p->naxes++] = d;
        return GEN_OK;
    }
    /* more axes than dimensions fail below as out of range or repeated */
    if (naxes > 0 && !axes) return GEN_FAIL(GEN_ERR_MISUSE, "%s: axes is NULL (%d axes given)", op, naxes);
    if (naxes < 0 || (naxes && !axes))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %d axes given (axes %s)", op, naxes,
                        axes ? "listed" : "NULL");
    bool seen[GEN_MAX_DIMS] = {false};
    for (int k = 0; k < naxes; k++) {
        int ax;
        gen_status st = arr_norm_axis(op, axes[k], a->ndim, &ax);
        if (st != GEN_OK) return st;
        if (seen[ax]) return GEN_FAIL(GEN_ERR_VALUE, "%s: axis %d is listed twice", op, axes[k]);
        seen[ax] = true;
    }
    for (int d = 0; d < a->ndim; d++)
        if (seen[d]) p->axes[p->naxes++] = d;
    return GEN_OK;
}

void red_keepdims_shape(const gen_array *a, const op_params *p, int64_t *shape) {
    for (int d = 0; d < a->ndim; d++) shape[d] = red_is_reduced(p, d) ? 1 : a->shape[d];
}

gen_status shape_reduce(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (!red_is_reduced(c->p, d)) s->shape[s->ndim++] = a->shape[d];
        else if (c->p->keepdims) s->shape[s->ndim++] = 1;
    }
    return GEN_OK;
}

gen_status shape_reduce_nonempty(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    shape_reduce(c, s);
    int64_t count = 1;
    for (int k = 0; k < c->p->naxes; k++) count *= a->shape[c->p->axes[k]];
    if (count == 0 && arr_shape_size(s->ndim, s->shape) > 0) {
        char buf[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "%s: cannot reduce over an empty axis of shape %s",
                        op_table[c->op].name, arr_shape_str(a->ndim, a->shape, buf, sizeof buf));
    }
    return GEN_OK;
}

gen_array *red_keep(gen_array *g, const gen_array *a, const op_params *p) {
    int64_t kshape[GEN_MAX_DIMS];
    red_keepdims_shape(a, p, kshape);
    return gen_reshape(g, a->ndim, kshape);
}

gen_array *red_expand(gen_array *g, const gen_array *a, const op_params *p) {
    return gen_broadcast_to(red_keep(g, a, p), a->ndim, a->shape);
}

gen_array *red_like(const gen_array *x, double v) {
    return gen_full(x ? (gen_dtype)x->dtype : GEN_F64, 0, NULL, v);
}

/* Validates the axes, casts a to t when needed and applies op. */
static gen_array *red_apply(op_id op, const gen_array *a, gen_dtype t, int naxes,
                            const int *axes, bool keepdims) {
    op_params p;
    if (!a) return op_apply1(op, a, NULL);
    if (red_params(op_table[op].name, a, naxes, axes, keepdims, &p) != GEN_OK) return NULL;
    if (a->dtype == t) return op_apply1(op, a, &p);
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply1(op, gen_cast(a, t), &p));
}

/* bool sums and multiplies as i64; everything else keeps its type. */
static gen_dtype red_counting_type(const gen_array *a) {
    return a && a->dtype == GEN_BOOL ? GEN_I64 : a ? (gen_dtype)a->dtype : GEN_F64;
}

/* The tangent of a reduction whose partial derivatives are w (a's shape): the sum of
 * t * w over the reduced axes. */
static gen_array *red_jvp_weighted(const op_call *c, gen_array *t, gen_array *w) {
    return op_apply1(OP_SUM, gen_mul(t, w), c->p);
}

/* ---- sum and mean ---- */

gen_array *gen_sum(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_SUM, a, red_counting_type(a), naxes, axes, keepdims);
}
gen_array *vjp_sum(const op_call *c, int i, gen_array *g) {
    (void)i;
    return red_expand(g, c->in[0], c->p);
}
gen_array *jvp_sum(const op_call *c, gen_array *const *t) {
    return op_apply1(OP_SUM, t[0], c->p);
}

/* sum / count, so its gradients are those of sum and div; an empty mean is 0/0 = nan. */
gen_array *gen_mean(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    op_params p;
    if (!a) return arr_null("mean", "the array");
    if (red_params("mean", a, naxes, axes, keepdims, &p) != GEN_OK) return NULL;
    int64_t count = 1;
    for (int k = 0; k < p.naxes; k++) count *= a->shape[p.axes[k]];
    gen_dtype t = arr_float_type((gen_dtype)a->dtype);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *x = a->dtype == t ? (gen_array *)a : gen_cast(a, t);
    return arr_scope_return(gen_div(op_apply1(OP_SUM, x, &p), gen_full(t, 0, NULL, (double)count)));
}

/* ---- prod ---- */

gen_array *gen_prod(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_PROD, a, red_counting_type(a), naxes, axes, keepdims);
}

/* d prod / d x_j = prod_{k != j} x_k (a's shape). With P the product of the nonzero
 * elements and z the number of zeros (per result element): P / x_j when z == 0; at
 * the zero P and elsewhere 0 when z == 1; 0 when z >= 2. Only nonzero elements are
 * multiplied or divided, so there is no 0/0. Exact to first order everywhere; higher
 * derivatives at exact zeros are not. */
static gen_array *prod_partials(const op_call *c) {
    gen_array *x = c->in[0];
    op_params kp = *c->p;
    kp.keepdims = true;
    gen_array *zero = red_like(x, 0.0), *is0 = gen_eq(x, zero);
    gen_array *safe = gen_where(is0, red_like(x, 1.0), x);
    gen_array *nonzero_prod = op_apply1(OP_PROD, safe, &kp);
    gen_array *zeros = op_apply1(OP_SUM, gen_cast(is0, GEN_I64), &kp);
    gen_array *at_zero = gen_where(gen_eq(zeros, gen_scalar_i64(1)), nonzero_prod, zero);
    gen_array *elsewhere =
        gen_where(gen_eq(zeros, gen_scalar_i64(0)), gen_div(nonzero_prod, safe), zero);
    return gen_where(is0, at_zero, elsewhere);
}
gen_array *vjp_prod(const op_call *c, int i, gen_array *g) {
    (void)i;
    return gen_mul(red_keep(g, c->in[0], c->p), prod_partials(c));
}
gen_array *jvp_prod(const op_call *c, gen_array *const *t) {
    return red_jvp_weighted(c, t[0], prod_partials(c));
}

/* ---- max and min (one set of rules) ---- */

gen_array *gen_max(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_MAX, a, a ? (gen_dtype)a->dtype : GEN_F64, naxes, axes, keepdims);
}
gen_array *gen_min(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_MIN, a, a ? (gen_dtype)a->dtype : GEN_F64, naxes, axes, keepdims);
}

/* The cotangent is split equally among the elements equal to the result (like JAX). */
static gen_array *extreme_weights(const op_call *c) {
    gen_array *x = c->in[0];
    op_params kp = *c->p;
    kp.keepdims = true;
    gen_array *hit = gen_cast(gen_eq(x, red_keep(c->out, x, c->p)), (gen_dtype)x->dtype);
    return gen_div(hit, op_apply1(OP_SUM, hit, &kp));
}
gen_array *vjp_max(const op_call *c, int i, gen_array *g) {
    (void)i;
    return gen_mul(red_keep(g, c->in[0], c->p), extreme_weights(c));
}
gen_array *jvp_max(const op_call *c, gen_array *const *t) {
    return red_jvp_weighted(c, t[0], extreme_weights(c));
}

/* ---- logsumexp ---- */

gen_array *gen_logsumexp(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_LOGSUMEXP, a, arr_float_type(a ? (gen_dtype)a->dtype : GEN_F64), naxes,
                     axes, keepdims);
}

gen_array *red_neginf_safe(gen_array *y) {
    return gen_where(gen_eq(y, red_like(y, -INFINITY)), red_like(y, 0.0), y);
}

/* softmax = exp(x - out); where out is -inf every x is -inf and the weight is 0. */
static gen_array *softmax_weights(const op_call *c) {
    gen_array *x = c->in[0];
    return gen_exp(gen_sub(x, red_neginf_safe(red_keep(c->out, x, c->p))));
}
gen_array *vjp_logsumexp(const op_call *c, int i, gen_array *g) {
    (void)i;
    return gen_mul(red_keep(g, c->in[0], c->p), softmax_weights(c));
}
gen_array *jvp_logsumexp(const op_call *c, gen_array *const *t) {
    return red_jvp_weighted(c, t[0], softmax_weights(c));
}

/* ---- all and any ---- */

gen_array *gen_all(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_ALL, a, GEN_BOOL, naxes, axes, keepdims);
}
gen_array *gen_any(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    return red_apply(OP_ANY, a, GEN_BOOL, naxes, axes, keepdims);
}
