/* ops_reduce.c — reductions: axis handling, public functions and gradient rules
 * (rows in ops_reduce.def, kernels in backend/cpu/cpu_reduce.c). */
#include <string.h>

#include "reduce.h"

gen_status red_params(const char *op, const gen_array *a, int naxes, const int *axes,
                      bool keepdims, op_params *p) {
    memset(p, 0, sizeof *p);
    p->keepdims = keepdims;
    if (naxes == 0 && !axes) {
        p->naxes = a->ndim;
        for (int d = 0; d < a->ndim; d++) p->axes[d] = d;
        return GEN_OK;
    }
    if (naxes < 0 || naxes > a->ndim || (naxes && !axes))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %d axes given for %d dimensions", op, naxes, a->ndim);
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

gen_array *red_expand(gen_array *g, const gen_array *a, const op_params *p) {
    int64_t kshape[GEN_MAX_DIMS];
    red_keepdims_shape(a, p, kshape);
    return gen_broadcast_to(gen_reshape(g, a->ndim, kshape), a->ndim, a->shape);
}

/* ---- sum ---- */

gen_array *gen_sum(const gen_array *a, int naxes, const int *axes, bool keepdims) {
    op_params p;
    if (!a) return op_apply1(OP_SUM, a, NULL);
    if (red_params("sum", a, naxes, axes, keepdims, &p) != GEN_OK) return NULL;
    if (a->dtype == GEN_BOOL) {
        if (gen_scope_begin() != GEN_OK) return NULL;
        return arr_scope_return(op_apply1(OP_SUM, gen_cast(a, GEN_I64), &p));
    }
    return op_apply1(OP_SUM, a, &p);
}
gen_array *vjp_sum(const op_call *c, int i, gen_array *g) {
    (void)i;
    return red_expand(g, c->in[0], c->p);
}
gen_array *jvp_sum(const op_call *c, gen_array *const *t) {
    return op_apply1(OP_SUM, t[0], c->p);
}
