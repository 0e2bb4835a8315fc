/* mixture.c — mixtures: gen_mixture (weights [..., K] over a batched family whose last
 * batch axis indexes the components) and gen_mixture_of (n distributions of equal event
 * shape and dtype). logpdf is a weighted logsumexp of the component log densities;
 * sampling picks a component per element by inverse CDF on the weights and selects that
 * component's draw (not reparameterized). The support is the components' kind when they
 * agree (bounds: the hull over components), else custom. */
#include <string.h>

#include "ctor.h"

static const char *const weight_names[] = {"weights"};

typedef struct mix_extra {
    ctor_extra h;
    int n;              /* 1 for gen_mixture */
    ctor_support sup;
    gen_dist *comps[];  /* retained */
} mix_extra;

static void mix_free(ctor_extra *h) {
    mix_extra *ex = (mix_extra *)h;
    for (int i = 0; i < ex->n; i++) gen_dist_release(ex->comps[i]);
    ctor_support_release(&ex->sup);
    core_free(ex, sizeof *ex + (size_t)ex->n * sizeof *ex->comps);
}

static gen_status mix_support(const gen_dist *d, gen_support *out) {
    const mix_extra *ex = d->extra;
    out->kind = ex->sup.kind;
    out->lo = ex->sup.lo;
    out->hi = ex->sup.hi;
    return GEN_OK;
}

/* Full shape without the event, i.e. S + batch. */
static int lead_ndim(const gen_dist *d, int ndim) { return ndim - d->event_ndim; }

/* ---- gen_mixture ---- */

/* comps drawn at S + batch + [K] + event; one index per S + batch element. */
static gen_array *mix_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const mix_extra *ex = d->extra;
    const gen_dist *c = ex->comps[0];
    int nl = lead_ndim(d, ndim), ns = nl - d->batch_ndim;
    int64_t cb[GEN_MAX_DIMS];
    memcpy(cb, shape + ns, (size_t)d->batch_ndim * sizeof *cb);
    cb[d->batch_ndim] = c->batch_shape[c->batch_ndim - 1];
    gen_key k[2];
    if (gen_key_split(key, 2, k) != GEN_OK || gen_scope_begin() != GEN_OK) return NULL;
    gen_array *draws = ctor_draw(c, k[1], ns, shape, d->batch_ndim + 1, cb);
    gen_array *idx = ctor_pick(k[0], d->params[0], nl, shape);
    return arr_scope_return(ctor_select(idx, draws, d->event_ndim));
}

/* lp[..., k] = comp.logpdf(x[..., None, event]) */
static gen_array *mix_logpdf(const gen_dist *d, const gen_array *x) {
    const mix_extra *ex = d->extra;
    gen_array *xe = gen_expand_dims(x, x->ndim - d->event_ndim);
    return ctor_mix_logpdf(d->params[0], gen_dist_logpdf(ex->comps[0], xe));
}

static gen_array *mix_enumerate(const gen_dist *d) {
    const mix_extra *ex = d->extra;
    return gen_dist_enumerate(ex->comps[0]);
}

static const dist_family mix_template = {
    .name = "mixture",
    .param_names = weight_names,
    .sample = mix_sample,
    .logpdf = mix_logpdf,
    .support = mix_support,
};

static mix_extra *mix_extra_new(int n, gen_dist *const *comps, const dist_family *tmpl) {
    mix_extra *ex = core_calloc(1, sizeof *ex + (size_t)n * sizeof *ex->comps);
    if (!ex) return NULL;
    ex->h.fam = *tmpl;
    ex->h.free_fn = mix_free;
    ex->n = n;
    bool discrete = true, enumerable = true;
    for (int i = 0; i < n; i++) {
        ex->comps[i] = gen_dist_retain(comps[i]);
        discrete &= comps[i]->family->discrete;
        enumerable &= comps[i]->family->enumerate != NULL;
        if (!comps[i]->family->sample) ex->h.fam.sample = NULL;
    }
    ex->h.fam.discrete = discrete;
    if (!enumerable) ex->h.fam.enumerate = NULL;
    if (ctor_support_union(n, comps, tmpl == &mix_template, &ex->sup) != GEN_OK) {
        mix_free(&ex->h);
        return NULL;
    }
    return ex;
}

static gen_status check_weights(const char *fam, const gen_array *w) {
    if (!w) return ctor_null(fam, "weights");
    gen_status st = dist_check_rank(fam, "weights", w, 1, false);
    if (st == GEN_OK && w->shape[w->ndim - 1] < 1)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: weights must have at least one entry on the last axis", fam);
    return st != GEN_OK ? st : dist_check_simplex(fam, "weights", w);
}

gen_dist *gen_mixture(const gen_array *weights, const gen_dist *components) {
    const char *fam = "mixture";
    if (check_weights(fam, weights) != GEN_OK) return NULL;
    if (!components) {
        ctor_null(fam, "components");
        return NULL;
    }
    int cn = components->batch_ndim, wn = weights->ndim;
    int64_t K = weights->shape[wn - 1];
    if (cn < 1 || components->batch_shape[cn - 1] != K) {
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_SHAPE,
                 "mixture: the components' last batch axis must index the %lld weights: weights shape %s, "
                 "components (%s) batch shape %s",
                 (long long)K, CTOR_SHAPE(wn, weights->shape, a), components->family->name,
                 CTOR_SHAPE(cn, components->batch_shape, b));
        return NULL;
    }
    int nb;
    int64_t batch[GEN_MAX_DIMS];
    if (arr_broadcast_shapes(fam, wn - 1, weights->shape, cn - 1, components->batch_shape, &nb, batch) != GEN_OK) {
        core_error_prefix("mixture: weights and components' batch shapes");
        return NULL;
    }
    gen_dist *const comps[1] = {(gen_dist *)components};
    mix_extra *ex = mix_extra_new(1, comps, &mix_template);
    if (!ex) return NULL;
    if (components->family->enumerate) ex->h.fam.enumerate = mix_enumerate;
    gen_array *p[1] = {(gen_array *)weights};
    return ctor_inherit_batched(ctor_new(&ex->h, components->dtype, 1, p, nb, batch,
                                         components->event_ndim, components->event_shape),
                                1, comps);
}

/* ---- gen_mixture_of ---- */

static gen_array *mixof_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const mix_extra *ex = d->extra;
    int nl = lead_ndim(d, ndim), ns = nl - d->batch_ndim;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array **draws = core_alloc((size_t)ex->n * sizeof *draws);
    if (!draws) return arr_scope_return(NULL);
    gen_key k0 = gen_key_fold_in(key, 0), k1 = gen_key_fold_in(key, 1);
    for (int i = 0; i < ex->n; i++)
        draws[i] = ctor_draw(ex->comps[i], gen_key_fold_in(k1, (uint64_t)i), ns, shape, d->batch_ndim, shape + ns);
    gen_array *all = gen_stack(ex->n, draws, nl);
    core_free(draws, (size_t)ex->n * sizeof *draws);
    return arr_scope_return(ctor_select(ctor_pick(k0, d->params[0], nl, shape), all, d->event_ndim));
}

/* Each lp_i broadcast to broadcast(x's leading shape, batch), then stacked on a last axis. */
static gen_array *mixof_logpdf(const gen_dist *d, const gen_array *x) {
    const mix_extra *ex = d->extra;
    int nl;
    int64_t sh[GEN_MAX_DIMS];
    if (arr_broadcast_shapes("mixture_of", x->ndim - d->event_ndim, x->shape, d->batch_ndim, d->batch_shape,
                             &nl, sh) != GEN_OK)
        return NULL;
    gen_array **lp = core_alloc((size_t)ex->n * sizeof *lp);
    if (!lp) return NULL;
    for (int i = 0; i < ex->n; i++) lp[i] = gen_broadcast_to(gen_dist_logpdf(ex->comps[i], x), nl, sh);
    gen_array *all = gen_stack(ex->n, lp, nl);
    core_free(lp, (size_t)ex->n * sizeof *lp);
    return ctor_mix_logpdf(d->params[0], all);
}

/* The union of the components' values (first occurrence order). */
static gen_array *mixof_enumerate(const gen_dist *d) {
    const mix_extra *ex = d->extra;
    gen_array *vals[64];
    if (ex->n > 64) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "mixture_of: enumerate supports at most 64 components");
        return NULL;
    }
    for (int i = 0; i < ex->n; i++) vals[i] = gen_dist_enumerate(ex->comps[i]);
    gen_array *all = gen_concatenate(ex->n, vals, 0), *hall = all ? arr_publish(arr_host_ref(all)) : NULL;
    if (!hall) return NULL; /* the values are compared on the host (a device's: a copy) */
    int64_t rows = all->shape[0], w = rows ? all->size / rows : 0, kept = 0;
    int64_t *keep = core_alloc((size_t)(rows ? rows : 1) * sizeof *keep);
    if (!keep) return NULL;
    size_t es = gen_dtype_size((gen_dtype)all->dtype) * (size_t)w;
    const char *base = hall->data;
    for (int64_t r = 0; r < rows; r++) {
        bool seen = false;
        for (int64_t j = 0; j < kept && !seen; j++) seen = !memcmp(base + (size_t)keep[j] * es, base + (size_t)r * es, es);
        if (!seen) keep[kept++] = r;
    }
    gen_array *r = gen_take(all, dist_beside(gen_array_from(GEN_I64, 1, &kept, keep), all), 0);
    core_free(keep, (size_t)(rows ? rows : 1) * sizeof *keep);
    return r;
}

static const dist_family mixof_template = {
    .name = "mixture_of",
    .param_names = weight_names,
    .sample = mixof_sample,
    .logpdf = mixof_logpdf,
    .support = mix_support,
    .enumerate = mixof_enumerate,
};

static gen_status check_components(int n, gen_dist *const *comps, const gen_array *w) {
    if (n >= 1 && !comps) return GEN_FAIL(GEN_ERR_MISUSE, "mixture_of: the list of components is NULL");
    if (n < 1 || !comps) return GEN_FAIL(GEN_ERR_VALUE, "mixture_of: needs at least one component, got %d", n);
    char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
    if (w->shape[w->ndim - 1] != n)
        return GEN_FAIL(GEN_ERR_SHAPE, "mixture_of: weights shape %s must end in the number of components %d",
                        CTOR_SHAPE(w->ndim, w->shape, a), n);
    for (int i = 0; i < n; i++) {
        if (!comps[i]) {
            if (core_error_pending()) return core_error_pending();
            return GEN_FAIL(GEN_ERR_MISUSE, "mixture_of: component %d is NULL", i);
        }
        const gen_dist *c = comps[i], *c0 = comps[0];
        if (c->event_ndim != c0->event_ndim ||
            memcmp(c->event_shape, c0->event_shape, (size_t)c->event_ndim * sizeof *c->event_shape))
            return GEN_FAIL(GEN_ERR_SHAPE, "mixture_of: component %d (%s) has event shape %s, component 0 (%s) has %s",
                            i, c->family->name, CTOR_SHAPE(c->event_ndim, c->event_shape, a),
                            c0->family->name, CTOR_SHAPE(c0->event_ndim, c0->event_shape, b));
        if (c->dtype != c0->dtype)
            return GEN_FAIL(GEN_ERR_DTYPE, "mixture_of: component %d (%s) has dtype %s, component 0 (%s) has %s",
                            i, c->family->name, gen_dtype_name(c->dtype), c0->family->name,
                            gen_dtype_name(c0->dtype));
    }
    return GEN_OK;
}

gen_dist *gen_mixture_of(int n, gen_dist *const *components, const gen_array *weights) {
    const char *fam = "mixture_of";
    if (check_weights(fam, weights) != GEN_OK || check_components(n, components, weights) != GEN_OK) return NULL;
    int nb = weights->ndim - 1;
    int64_t batch[GEN_MAX_DIMS];
    memcpy(batch, weights->shape, (size_t)nb * sizeof *batch);
    for (int i = 0; i < n; i++)
        if (arr_broadcast_shapes(fam, nb, batch, components[i]->batch_ndim, components[i]->batch_shape, &nb,
                                 batch) != GEN_OK) {
            core_error_prefix("mixture_of: batch shapes (weights and components 0..%d)", i);
            return NULL;
        }
    mix_extra *ex = mix_extra_new(n, components, &mixof_template);
    if (!ex) return NULL;
    gen_array *p[1] = {(gen_array *)weights};
    return ctor_inherit_batched(ctor_new(&ex->h, components[0]->dtype, 1, p, nb, batch,
                                         components[0]->event_ndim, components[0]->event_shape),
                                n, components);
}
