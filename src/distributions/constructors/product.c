/* product.c — gen_product: n independent distributions of equal event shape as one
 * choice whose value stacks their draws along a new first event axis of size n (dtypes
 * promoted); batch = the broadcast of the components' batch shapes; logpdf sums
 * comp_i.logpdf(x[..., i, event...]). Reparameterized when every component is. The
 * support is the components' kind when they agree (bounds stacked per slot), else
 * custom. */
#include <string.h>

#include "ctor.h"
#include "../../array/autodiff_int.h"

typedef struct prod_extra {
    ctor_extra h;
    int n;
    ctor_support sup;
    gen_dist *comps[]; /* retained */
} prod_extra;

static void prod_free(ctor_extra *h) {
    prod_extra *ex = (prod_extra *)h;
    for (int i = 0; i < ex->n; i++) gen_dist_release(ex->comps[i]);
    ctor_support_release(&ex->sup);
    core_free(ex, sizeof *ex + (size_t)ex->n * sizeof *ex->comps);
}

static gen_array *prod_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const prod_extra *ex = d->extra;
    int ns = ndim - d->batch_ndim - d->event_ndim;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array **draws = core_alloc((size_t)ex->n * sizeof *draws);
    if (!draws) return arr_scope_return(NULL);
    for (int i = 0; i < ex->n; i++)
        draws[i] = gen_cast(ctor_draw(ex->comps[i], gen_key_fold_in(key, (uint64_t)i), ns, shape,
                                      d->batch_ndim, shape + ns),
                            d->dtype);
    gen_array *r = gen_stack(ex->n, draws, ns + d->batch_ndim);
    core_free(draws, (size_t)ex->n * sizeof *draws);
    return arr_scope_return(r);
}

static gen_array *prod_logpdf(const gen_dist *d, const gen_array *x) {
    const prod_extra *ex = d->extra;
    int ax = x->ndim - d->event_ndim;
    gen_array *lp = NULL;
    for (int i = 0; i < ex->n; i++) {
        gen_array *xi = gen_squeeze(gen_slice(x, ax, i, i + 1, 1), 1, &ax);
        gen_array *li = gen_dist_logpdf(ex->comps[i], xi);
        lp = lp ? gen_add(lp, li) : li;
    }
    return lp;
}

static gen_status prod_support(const gen_dist *d, gen_support *out) {
    const prod_extra *ex = d->extra;
    out->kind = ex->sup.kind;
    out->lo = ex->sup.lo;
    out->hi = ex->sup.hi;
    return GEN_OK;
}

static gen_array *prod_enumerate(const gen_dist *d) {
    const prod_extra *ex = d->extra;
    gen_array **vals = core_alloc((size_t)ex->n * sizeof *vals);
    if (!vals) return NULL;
    for (int i = 0; i < ex->n; i++) vals[i] = gen_dist_enumerate(ex->comps[i]);
    gen_array *r = ctor_enum_product("product", ex->n, vals, d->dtype);
    core_free(vals, (size_t)ex->n * sizeof *vals);
    return r;
}

static const dist_family prod_template = {
    .name = "product",
    .sample = prod_sample,
    .logpdf = prod_logpdf,
    .support = prod_support,
    .enumerate = prod_enumerate,
};

/* Per-slot bounds: each broadcast to the batch, stacked on a last axis of size n, then
 * size-1 axes for the components' event. */
static gen_array *stack_bounds(prod_extra *ex, int nb, const int64_t *batch, bool lo) {
    gen_array **b = core_alloc((size_t)ex->n * sizeof *b);
    if (!b) return NULL;
    for (int i = 0; i < ex->n; i++) {
        gen_support s;
        if (gen_dist_support(ex->comps[i], &s) != GEN_OK || !(lo ? s.lo : s.hi)) {
            core_free(b, (size_t)ex->n * sizeof *b);
            return NULL;
        }
        b[i] = gen_broadcast_to(lo ? s.lo : s.hi, nb, batch);
    }
    gen_array *r = gen_stack(ex->n, b, nb);
    core_free(b, (size_t)ex->n * sizeof *b);
    for (int i = 0; i < ex->comps[0]->event_ndim; i++) r = gen_expand_dims(r, -1);
    return gen_array_retain(r);
}

static gen_status prod_set_support(prod_extra *ex, int nb, const int64_t *batch) {
    ctor_support u;
    gen_status st = ctor_support_union(ex->n, ex->comps, false, &u);
    if (st != GEN_OK) return st;
    ex->sup.kind = u.kind;
    bool lo = u.lo != NULL, hi = u.hi != NULL;
    ctor_support_release(&u);
    if (gen_scope_begin() != GEN_OK) return core_error_pending();
    unsigned token = ad_pause_all();
    if (lo) ex->sup.lo = stack_bounds(ex, nb, batch, true);
    if (hi) ex->sup.hi = stack_bounds(ex, nb, batch, false);
    ad_resume_all(token);
    gen_scope_end();
    return (lo && !ex->sup.lo) || (hi && !ex->sup.hi) ? core_error_pending() : GEN_OK;
}

static gen_status check_components(int n, gen_dist *const *comps, gen_dtype *dtype, int *nb, int64_t *batch) {
    if (n >= 1 && !comps) return GEN_FAIL(GEN_ERR_MISUSE, "product: the list of components is NULL");
    if (n < 1 || !comps) return GEN_FAIL(GEN_ERR_VALUE, "product: needs at least one component, got %d", n);
    *nb = 0;
    for (int i = 0; i < n; i++) {
        const gen_dist *c = comps[i], *c0 = comps[0];
        if (!c) {
            if (core_error_pending()) return core_error_pending();
            return GEN_FAIL(GEN_ERR_MISUSE, "product: component %d is NULL", i);
        }
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        if (c->event_ndim != c0->event_ndim ||
            memcmp(c->event_shape, c0->event_shape, (size_t)c->event_ndim * sizeof *c->event_shape))
            return GEN_FAIL(GEN_ERR_SHAPE, "product: component %d (%s) has event shape %s, component 0 (%s) has %s",
                            i, c->family->name, CTOR_SHAPE(c->event_ndim, c->event_shape, a),
                            c0->family->name, CTOR_SHAPE(c0->event_ndim, c0->event_shape, b));
        *dtype = i ? arr_promote(*dtype, c->dtype) : c->dtype;
        if (arr_broadcast_shapes("product", *nb, batch, c->batch_ndim, c->batch_shape, nb, batch) != GEN_OK) {
            core_error_prefix("product: batch shapes (components 0..%d)", i);
            return core_error_pending();
        }
    }
    if (*nb + 1 + comps[0]->event_ndim > GEN_MAX_DIMS)
        return GEN_FAIL(GEN_ERR_SHAPE, "product: batch and event shapes exceed %d dimensions", GEN_MAX_DIMS);
    return GEN_OK;
}

gen_dist *gen_product(int n, gen_dist *const *components) {
    gen_dtype dtype = GEN_F64; /* set by check_components */
    int nb;
    int64_t batch[GEN_MAX_DIMS], ev[GEN_MAX_DIMS];
    if (check_components(n, components, &dtype, &nb, batch) != GEN_OK) return NULL;
    prod_extra *ex = core_calloc(1, sizeof *ex + (size_t)n * sizeof *ex->comps);
    if (!ex) return NULL;
    ex->h.fam = prod_template;
    ex->h.free_fn = prod_free;
    ex->n = n;
    bool discrete = true, rsample = true;
    for (int i = 0; i < n; i++) {
        ex->comps[i] = gen_dist_retain(components[i]);
        discrete &= components[i]->family->discrete;
        rsample &= components[i]->family->rsample;
        if (!components[i]->family->sample) ex->h.fam.sample = NULL;
        if (!components[i]->family->enumerate) ex->h.fam.enumerate = NULL;
    }
    ex->h.fam.discrete = discrete;
    ex->h.fam.rsample = rsample;
    ev[0] = n;
    memcpy(ev + 1, components[0]->event_shape, (size_t)components[0]->event_ndim * sizeof *ev);
    if (prod_set_support(ex, nb, batch) != GEN_OK) {
        prod_free(&ex->h);
        return NULL;
    }
    return ctor_inherit_batched(ctor_new(&ex->h, dtype, 0, NULL, nb, batch, components[0]->event_ndim + 1, ev),
                                n, components);
}
