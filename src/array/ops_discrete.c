/* ops_discrete.c — shape rules of the discrete rows of ops_fused.def (the categorical
 * gather and sampler, the Poisson log mass; kernels in backend/cpu/cpu_discrete.c). The
 * log-mass rows have no gradient rule: their callers use them only while no transform
 * runs, and the families' formulas of public ops carry the gradients. */
#include "op.h"

static gen_status need_float(const char *name, const char *what, const gen_array *a) {
    if (arr_is_float(a->dtype)) return GEN_OK;
    return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s must be f32 or f64, got %s", name, what, gen_dtype_name(a->dtype));
}

static gen_status need_rows(const char *name, const gen_array *t) {
    if (t->ndim >= 1 && t->shape[t->ndim - 1] > 0) return GEN_OK;
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: the table needs a non-empty last axis", name);
}

/* (x, table [batch..., K]): the broadcast of x and the batch, table's dtype. */
gen_status shape_categorical_gather(const op_call *c, op_sig *s) {
    const gen_array *x = c->in[0], *t = c->in[1];
    gen_status st = need_float("categorical_gather", "the table", t);
    if (st == GEN_OK) st = need_rows("categorical_gather", t);
    if (st != GEN_OK) return st;
    s->dtype = (gen_dtype)t->dtype;
    return arr_broadcast_shapes("categorical", x->ndim, x->shape, t->ndim - 1, t->shape, &s->ndim, s->shape);
}

/* (a [batch..., K], u): i64 of u's shape, whose trailing axes are the batch's. */
gen_status shape_categorical_sample(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0], *u = c->in[1];
    gen_status st = need_rows("categorical_sample", a);
    if (st != GEN_OK) return st;
    if (u->dtype != GEN_F64) return GEN_FAIL(GEN_ERR_DTYPE, "categorical_sample: the uniforms must be f64");
    int64_t rows = a->size / a->shape[a->ndim - 1];
    if (rows ? u->size % rows : u->size)
        return GEN_FAIL(GEN_ERR_SHAPE, "categorical_sample: %lld draws for %lld rows", (long long)u->size,
                        (long long)rows);
    s->dtype = GEN_I64;
    s->ndim = u->ndim;
    for (int i = 0; i < u->ndim; i++) s->shape[i] = u->shape[i];
    return GEN_OK;
}

/* (x, rate): broadcast, float type p.dtype. */
gen_status shape_poisson_logpmf(const op_call *c, op_sig *s) {
    const gen_array *x = c->in[0], *r = c->in[1];
    if (!arr_is_float(c->p->dtype))
        return GEN_FAIL(GEN_ERR_DTYPE, "poisson_logpmf: result type %s is not a float", gen_dtype_name(c->p->dtype));
    s->dtype = c->p->dtype;
    return arr_broadcast_shapes("poisson", x->ndim, x->shape, r->ndim, r->shape, &s->ndim, s->shape);
}
