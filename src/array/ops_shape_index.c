/* ops_shape_index.c — gathers and scatters along one axis (take, index_set, index_add):
 * public functions, shape rules and gradient rules (rows in ops_shape.def, kernels in
 * backend/cpu/cpu_shape_index.c). */
#include <string.h>

#include "autodiff_int.h"
#include "op.h"

/* The shape take gives: a.shape[:axis] + indices.shape + a.shape[axis+1:]. */
static gen_status take_shape(const char *op, const gen_array *a, const gen_array *idx, int axis,
                             int *ndim, int64_t *shape) {
    if (idx->dtype != GEN_I64) /* the wrappers check this too; kernels read int64_t */
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: indices must be i64, got %s", op,
                        gen_dtype_name((gen_dtype)idx->dtype));
    int nd = a->ndim - 1 + idx->ndim;
    if (nd > GEN_MAX_DIMS) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE,
                        "%s: array %s with indices %s gives %d dimensions (at most %d)", op, arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                        arr_shape_str(idx->ndim, idx->shape, s2, sizeof s2), nd, GEN_MAX_DIMS);
    }
    int k = 0;
    for (int d = 0; d < axis; d++) shape[k++] = a->shape[d];
    for (int d = 0; d < idx->ndim; d++) shape[k++] = idx->shape[d];
    for (int d = axis + 1; d < a->ndim; d++) shape[k++] = a->shape[d];
    *ndim = nd;
    return GEN_OK;
}

/* Validates what every op of this file takes: an axis of a and i64 indices. */
static gen_status index_args(const char *op, const gen_array *a, const gen_array *idx, int axis,
                             op_params *p) {
    memset(p, 0, sizeof *p);
    if (idx->tuple) return arr_tuple_arg_fail(op, 1); /* before its meaningless dtype */
    if (idx->dtype != GEN_I64)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: indices must be i64, got %s", op,
                        gen_dtype_name((gen_dtype)idx->dtype));
    return arr_norm_axis(op, axis, a->ndim, &p->axis);
}

/* ---- take ---- */

gen_status shape_take(const op_call *c, op_sig *s) {
    s->dtype = (gen_dtype)c->in[0]->dtype;
    return take_shape("take", c->in[0], c->in[1], c->p->axis, &s->ndim, s->shape);
}
gen_array *vjp_take(const op_call *c, int i, gen_array *g) {
    if (i != 0) return op_zero_vjp(c, i, g);
    const gen_array *a = c->in[0];
    /* Scatter-add: repeated indices accumulate their cotangents. */
    gen_array *z = gen_zeros((gen_dtype)g->dtype, a->ndim, a->shape);
    return gen_index_add(z, c->p->axis, c->in[1], g);
}
gen_array *jvp_take(const op_call *c, gen_array *const *t) {
    return gen_take(t[0], c->in[1], c->p->axis);
}

gen_array *gen_take(const gen_array *a, const gen_array *indices, int axis) {
    op_params p;
    if (!a || !indices) return op_apply2(OP_TAKE, a, indices, NULL);
    if (index_args("take", a, indices, axis, &p) != GEN_OK) return NULL;
    return op_apply2(OP_TAKE, a, indices, &p);
}

/* ---- index_set / index_add ----
 * The result has the promoted dtype of a and values (like add). Writes happen in
 * row-major order of take's shape, so with index_set a repeated index keeps the value
 * of its last occurrence in indices (and only that occurrence gets a cotangent);
 * index_add sums all of them (bool: logical or; i64 wraps on overflow). */

gen_status shape_index_update(const op_call *c, op_sig *s) {
    const char *op = op_table[c->op].name;
    const gen_array *a = c->in[0], *v = c->in[2];
    int tn, bn;
    int64_t ts[GEN_MAX_DIMS], bs[GEN_MAX_DIMS];
    gen_status st = take_shape(op, a, c->in[1], c->p->axis, &tn, ts);
    if (st != GEN_OK) return st;
    st = arr_broadcast_shapes(op, v->ndim, v->shape, tn, ts, &bn, bs);
    if (st == GEN_OK && (bn != tn || memcmp(bs, ts, (size_t)tn * sizeof *ts))) st = GEN_ERR_SHAPE;
    if (st != GEN_OK) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX], s3[ARR_SHAPE_STR_MAX],
            s4[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE,
                        "%s: values %s do not broadcast to %s (array %s, indices %s, axis %d)", op,
                        arr_shape_str(v->ndim, v->shape, s1, sizeof s1),
                        arr_shape_str(tn, ts, s2, sizeof s2),
                        arr_shape_str(a->ndim, a->shape, s3, sizeof s3),
                        arr_shape_str(c->in[1]->ndim, c->in[1]->shape, s4, sizeof s4), c->p->axis);
    }
    return op_shape_same(c, s);
}

/* last_write_mask with ops: the write j is the last to its position where index_set of
 * 0..m-1 at the indices (whose last write wins) reads back j there. */
static gen_array *last_write_mask_ops(const gen_array *idx, int64_t n, int64_t m, gen_dtype dtype, int nd,
                                      const int64_t *shape) {
    gen_array *flat = gen_reshape(idx, 1, &m), *pos = gen_arange(0, (double)m, 1, GEN_I64);
    gen_array *last = gen_index_set(gen_full(GEN_I64, 1, &n, -1), 0, flat, pos);
    return gen_reshape(gen_cast(gen_eq(gen_take(last, flat, 0), pos), dtype), nd, shape);
}

/* 1 where indices[j] is the last occurrence of its (normalized) index, else 0, in
 * take's layout (size-1 axes around the index axes): which writes of index_set win.
 * NULL without an error when every index is distinct (no mask needed). */
static gen_array *last_write_mask(const op_call *c, gen_dtype dtype, bool *failed) {
    const gen_array *a = c->in[0], *idx = c->in[1];
    int64_t n = a->shape[c->p->axis], m = idx->size;
    const int64_t *ix = idx->data;
    *failed = false;
    if (ad_captured(idx) || !arr_on_host(idx)) { /* values unknown to a capture, or on a device: the
                                                   * same mask from ops */
        int nd = 0;
        int64_t shape[GEN_MAX_DIMS];
        for (int d = 0; d < c->p->axis; d++) shape[nd++] = 1;
        for (int d = 0; d < idx->ndim; d++) shape[nd++] = idx->shape[d];
        for (int d = c->p->axis + 1; d < a->ndim; d++) shape[nd++] = 1;
        gen_array *mask = last_write_mask_ops(idx, n, m, dtype, nd, shape);
        *failed = !mask;
        return mask;
    }
    int64_t *last = n ? core_alloc((size_t)n * sizeof *last) : NULL;
    if (n && !last) return *failed = true, NULL;
    bool repeats = false;
    for (int64_t j = 0; j < m; j++) /* indices were validated by the forward kernel */
        last[ix[j] < 0 ? ix[j] + n : ix[j]] = -1;
    for (int64_t j = 0; j < m; j++) {
        int64_t k = ix[j] < 0 ? ix[j] + n : ix[j];
        repeats |= last[k] >= 0;
        last[k] = j;
    }
    gen_array *mask = NULL;
    if (repeats) {
        int nd = 0;
        int64_t shape[GEN_MAX_DIMS];
        for (int d = 0; d < c->p->axis; d++) shape[nd++] = 1;
        for (int d = 0; d < idx->ndim; d++) shape[nd++] = idx->shape[d];
        for (int d = c->p->axis + 1; d < a->ndim; d++) shape[nd++] = 1;
        mask = arr_alloc(op_table[c->op].name, dtype, nd, shape);
        for (int64_t j = 0; mask && j < m; j++) {
            int64_t k = ix[j] < 0 ? ix[j] + n : ix[j];
            arr_set_f64(dtype, mask->data, j, last[k] == j ? 1.0 : 0.0);
        }
        mask = arr_publish(mask);
        *failed = !mask;
    }
    core_free(last, (size_t)n * sizeof *last);
    return mask;
}

gen_array *vjp_index_set(const op_call *c, int i, gen_array *g) {
    gen_dtype t = (gen_dtype)g->dtype;
    if (i == 0) /* the overwritten positions do not depend on a */
        return gen_index_set(g, c->p->axis, c->in[1], gen_zeros(t, 0, NULL));
    if (i == 1) return op_zero_vjp(c, i, g);
    bool failed;
    gen_array *mask = last_write_mask(c, t, &failed);
    if (failed) return NULL;
    gen_array *r = gen_take(g, c->in[1], c->p->axis);
    return mask ? gen_mul(r, mask) : r; /* overwritten writes get no cotangent */
}
gen_array *jvp_index_set(const op_call *c, gen_array *const *t) {
    const gen_array *o = c->out;
    gen_dtype dt = (gen_dtype)o->dtype;
    gen_array *ta = t[0] ? t[0] : gen_zeros(dt, o->ndim, o->shape);
    gen_array *tv = t[2] ? t[2] : gen_zeros(dt, 0, NULL);
    return gen_index_set(ta, c->p->axis, c->in[1], tv);
}

gen_array *vjp_index_add(const op_call *c, int i, gen_array *g) {
    if (i == 0) return g;
    if (i == 1) return op_zero_vjp(c, i, g);
    return gen_take(g, c->in[1], c->p->axis);
}
gen_array *jvp_index_add(const op_call *c, gen_array *const *t) {
    if (!t[2]) return t[0];
    const gen_array *o = c->out;
    gen_array *ta = t[0] ? t[0] : gen_zeros((gen_dtype)o->dtype, o->ndim, o->shape);
    return gen_index_add(ta, c->p->axis, c->in[1], t[2]);
}

/* Shared wrapper: validates, promotes a and values to their common dtype. */
static gen_array *index_update(op_id op, const gen_array *a, int axis, const gen_array *indices,
                               const gen_array *values) {
    op_params p;
    gen_array *in[3] = {(gen_array *)a, (gen_array *)indices, (gen_array *)values};
    if (!a || !indices || !values) return op_apply(op, 3, in, NULL);
    if (index_args(op_table[op].name, a, indices, axis, &p) != GEN_OK) return NULL;
    gen_dtype t = arr_promote((gen_dtype)a->dtype, (gen_dtype)values->dtype);
    if (a->dtype == t && values->dtype == t) return op_apply(op, 3, in, &p);
    if (gen_scope_begin() != GEN_OK) return NULL;
    if (a->dtype != t) in[0] = gen_cast(a, t);
    if (values->dtype != t) in[2] = gen_cast(values, t);
    return arr_scope_return(op_apply(op, 3, in, &p));
}

gen_array *gen_index_set(const gen_array *a, int axis, const gen_array *indices,
                         const gen_array *values) {
    return index_update(OP_INDEX_SET, a, axis, indices, values);
}
gen_array *gen_index_add(const gen_array *a, int axis, const gen_array *indices,
                         const gen_array *values) {
    return index_update(OP_INDEX_ADD, a, axis, indices, values);
}
