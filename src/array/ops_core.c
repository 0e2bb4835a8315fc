/* ops_core.c — cast, copy, stop_gradient, reshape and broadcast_to: their public
 * functions, shape rules and gradient rules. */
#include <string.h>

#include "op.h"

/* ---- cast ---- */

gen_status shape_cast(const op_call *c, op_sig *s) {
    op_shape_same(c, s);
    if ((unsigned)c->p->dtype > GEN_F64)
        return GEN_FAIL(GEN_ERR_DTYPE, "cast: unknown dtype %d", (int)c->p->dtype);
    s->dtype = c->p->dtype;
    s->view = c->p->dtype == c->in[0]->dtype; /* nothing to convert: share the elements */
    return GEN_OK;
}
gen_array *vjp_cast(const op_call *c, int i, gen_array *g) {
    (void)c, (void)i;
    return g; /* the engine casts the cotangent back to the argument's dtype */
}
gen_array *jvp_cast(const op_call *c, gen_array *const *t) {
    return gen_cast(t[0], (gen_dtype)c->out->dtype);
}

gen_array *gen_cast(const gen_array *a, gen_dtype dtype) {
    op_params p = {.dtype = dtype};
    return op_apply1(OP_CAST, a, &p);
}

/* ---- copy and stop_gradient ---- */

gen_array *vjp_identity(const op_call *c, int i, gen_array *g) {
    (void)c, (void)i;
    return g;
}
gen_array *jvp_identity(const op_call *c, gen_array *const *t) {
    (void)c;
    return t[0];
}

gen_array *gen_copy(const gen_array *a) { return op_apply1(OP_COPY, a, NULL); }
gen_array *gen_stop_gradient(const gen_array *a) { return op_apply1(OP_STOP_GRADIENT, a, NULL); }

/* ---- reshape (a view: shares the elements) ---- */

gen_status shape_reshape(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    const op_params *p = c->p;
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    if (p->ndim < 0 || p->ndim > GEN_MAX_DIMS)
        return GEN_FAIL(GEN_ERR_SHAPE, "reshape: %d dimensions (at most %d)", p->ndim, GEN_MAX_DIMS);
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < p->ndim; i++) {
        if (p->shape[i] == -1 && infer < 0) infer = i;
        else if (p->shape[i] < 0)
            return GEN_FAIL(GEN_ERR_SHAPE, "reshape: invalid target shape %s",
                            arr_shape_str(p->ndim, p->shape, s1, sizeof s1));
    }
    memcpy(s->shape, p->shape, (size_t)p->ndim * sizeof *p->shape);
    if (infer >= 0) s->shape[infer] = 1;
    /* the given extents within bounds before they are multiplied (a wrapped product
     * could otherwise equal the size) */
    if (arr_check_shape("reshape", p->ndim, s->shape) != GEN_OK) return core_error_pending();
    for (int i = 0; i < p->ndim; i++) known *= s->shape[i];
    if (infer >= 0) {
        if (known == 0 || a->size % known)
            return GEN_FAIL(GEN_ERR_SHAPE, "reshape: cannot reshape %s into %s",
                            arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                            arr_shape_str(p->ndim, p->shape, s2, sizeof s2));
        s->shape[infer] = a->size / known;
        known *= s->shape[infer];
    }
    if (known != a->size)
        return GEN_FAIL(GEN_ERR_SHAPE, "reshape: cannot reshape %s (%lld elements) into %s",
                        arr_shape_str(a->ndim, a->shape, s1, sizeof s1), (long long)a->size,
                        arr_shape_str(p->ndim, p->shape, s2, sizeof s2));
    s->view = true;
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = p->ndim;
    return GEN_OK;
}
gen_status cpu_reshape(const op_call *c) {
    memcpy(c->out->data, c->in[0]->data, (size_t)c->out->size * gen_dtype_size(c->out->dtype));
    return GEN_OK;
}
gen_array *vjp_reshape(const op_call *c, int i, gen_array *g) {
    (void)i;
    return gen_reshape(g, c->in[0]->ndim, c->in[0]->shape);
}
gen_array *jvp_reshape(const op_call *c, gen_array *const *t) {
    return gen_reshape(t[0], c->out->ndim, c->out->shape);
}

gen_array *gen_reshape(const gen_array *a, int ndim, const int64_t *shape) {
    op_params p = {.ndim = ndim};
    if (!a) return arr_null("reshape", "the array");
    if (ndim >= 0 && ndim <= GEN_MAX_DIMS && ndim && !shape) return arr_null("reshape", "shape");
    if (ndim < 0 || ndim > GEN_MAX_DIMS || (ndim && !shape)) {
        GEN_FAIL(GEN_ERR_SHAPE, "reshape: invalid target shape (ndim %d)", ndim);
        return NULL;
    }
    if (ndim) memcpy(p.shape, shape, (size_t)ndim * sizeof *shape);
    return op_apply1(OP_RESHAPE, a, &p);
}

/* ---- broadcast_to ---- */

gen_status shape_broadcast_to(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    const op_params *p = c->p;
    int nd;
    int64_t sh[GEN_MAX_DIMS];
    gen_status st = arr_check_shape("broadcast_to", p->ndim, p->shape);
    if (st == GEN_OK)
        st = arr_broadcast_shapes("broadcast_to", a->ndim, a->shape, p->ndim, p->shape, &nd, sh);
    if (st == GEN_OK && (nd != p->ndim || memcmp(sh, p->shape, (size_t)nd * sizeof *sh))) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        st = GEN_FAIL(GEN_ERR_SHAPE, "broadcast_to: cannot broadcast %s to %s",
                      arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                      arr_shape_str(p->ndim, p->shape, s2, sizeof s2));
    }
    if (st != GEN_OK) return st;
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = p->ndim;
    memcpy(s->shape, p->shape, (size_t)p->ndim * sizeof *p->shape);
    s->view = a->size == arr_shape_size(p->ndim, p->shape); /* nothing repeats: share */
    return GEN_OK;
}
gen_array *vjp_broadcast_to(const op_call *c, int i, gen_array *g) {
    (void)c, (void)i;
    return g; /* the engine sums it down to the argument's shape */
}
gen_array *jvp_broadcast_to(const op_call *c, gen_array *const *t) {
    return gen_broadcast_to(t[0], c->out->ndim, c->out->shape);
}

gen_array *gen_broadcast_to(const gen_array *a, int ndim, const int64_t *shape) {
    op_params p = {.ndim = ndim};
    if (!a) return arr_null("broadcast_to", "the array");
    if (ndim >= 0 && ndim <= GEN_MAX_DIMS && ndim && !shape) return arr_null("broadcast_to", "shape");
    if (ndim < 0 || ndim > GEN_MAX_DIMS || (ndim && !shape)) {
        GEN_FAIL(GEN_ERR_SHAPE, "broadcast_to: invalid target shape (ndim %d)", ndim);
        return NULL;
    }
    if (ndim) memcpy(p.shape, shape, (size_t)ndim * sizeof *shape);
    return op_apply1(OP_BROADCAST_TO, a, &p);
}
