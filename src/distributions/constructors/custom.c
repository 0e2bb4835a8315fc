/* custom.c — gen_dist_custom: a distribution defined by user callbacks. The family table
 * lives in the instance (its name is the callbacks' name); the callbacks' results are
 * checked (NULL, shape) and errors name the distribution. Sampling is not treated as
 * reparameterized. The payload belongs to the distribution once it is created (freed
 * exactly once, when it dies); if gen_dist_custom fails it stays the caller's. */
#include <stdio.h>
#include <string.h>

#include "ctor.h"

static const char *const param_names[DIST_MAX_PARAMS] = {"param0", "param1", "param2", "param3"};

typedef struct custom_extra {
    ctor_extra h;
    gen_dist_callbacks cb;
    void *payload;
    bool owns_payload;
    char name[64];
} custom_extra;

static void custom_free(ctor_extra *h) {
    custom_extra *ex = (custom_extra *)h;
    if (ex->owns_payload && ex->cb.free_payload) ex->cb.free_payload(ex->payload);
    core_free(ex, sizeof *ex);
}

/* Checks a callback's result: not NULL, of shape (nd, want); casts it to dtype (< 0: any
 * float type, ints become f64). */
static gen_array *checked(const gen_dist *d, const char *what, gen_array *r, int nd, const int64_t *want,
                          int dtype) {
    if (!r) {
        if (core_error_pending()) core_error_prefix("%s: %s callback", d->family->name, what);
        else GEN_FAIL(GEN_ERR_VALUE, "%s: %s callback returned NULL", d->family->name, what);
        return NULL;
    }
    if (r->ndim != nd || memcmp(r->shape, want, (size_t)nd * sizeof *want)) {
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_SHAPE, "%s: %s callback returned shape %s, expected %s", d->family->name, what,
                 CTOR_SHAPE(r->ndim, r->shape, a), CTOR_SHAPE(nd, want, b));
        return NULL;
    }
    gen_dtype t = dtype >= 0 ? (gen_dtype)dtype : arr_float_type((gen_dtype)r->dtype);
    return r->dtype == t ? r : gen_cast(r, t);
}

static gen_array *custom_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const custom_extra *ex = d->extra;
    if (gen_scope_begin() != GEN_OK) return NULL;
    core_guard g = core_guard_begin();
    gen_array *r = ex->cb.sample(ex->payload, key, ndim, shape, d->n_params, d->params);
    if (CORE_GUARD_END(g, r ? GEN_OK : GEN_ERR_CALLBACK, "sample", "distribution '%s'", d->family->name) != GEN_OK) return arr_scope_return(NULL);
    return arr_scope_return(checked(d, "sample", r, ndim, shape, d->dtype));
}

static gen_array *custom_logpdf(const gen_dist *d, const gen_array *x) {
    const custom_extra *ex = d->extra;
    int nd;
    int64_t want[GEN_MAX_DIMS];
    if (arr_broadcast_shapes(d->family->name, x->ndim - d->event_ndim, x->shape, d->batch_ndim,
                             d->batch_shape, &nd, want) != GEN_OK)
        return NULL;
    core_guard g = core_guard_begin();
    gen_array *r = ex->cb.logpdf(ex->payload, x, d->n_params, d->params);
    if (CORE_GUARD_END(g, r ? GEN_OK : GEN_ERR_CALLBACK, "logpdf", "distribution '%s'", d->family->name) != GEN_OK) return NULL;
    return checked(d, "logpdf", r, nd, want, -1);
}

static gen_array *custom_enumerate(const gen_dist *d) {
    const custom_extra *ex = d->extra;
    core_guard g = core_guard_begin();
    gen_array *r = ex->cb.enumerate(ex->payload, d->n_params, d->params);
    if (CORE_GUARD_END(g, r ? GEN_OK : GEN_ERR_CALLBACK, "enumerate", "distribution '%s'", d->family->name) != GEN_OK) return NULL;
    if (!r) return checked(d, "enumerate", r, 0, NULL, 0);
    int64_t want[GEN_MAX_DIMS + 1];
    want[0] = r->ndim ? r->shape[0] : 0;
    memcpy(want + 1, d->event_shape, (size_t)d->event_ndim * sizeof *want);
    return checked(d, "enumerate", r, d->event_ndim + 1, want, d->dtype);
}

static gen_status custom_support(const gen_dist *d, gen_support *out) {
    const custom_extra *ex = d->extra;
    out->kind = ex->cb.support;
    return GEN_OK;
}

/* Kinds whose default bijection needs bounds have none here (they are not declared). */
static gen_bijection *custom_bijection(const gen_dist *d) {
    const custom_extra *ex = d->extra;
    gen_support s = {ex->cb.support, NULL, NULL};
    if (s.kind == GEN_SUPPORT_GREATER_THAN || s.kind == GEN_SUPPORT_LESS_THAN || s.kind == GEN_SUPPORT_INTERVAL) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: no bijection onto a %s support without bounds", d->family->name,
                 gen_support_name(s.kind));
        return NULL;
    }
    return bij_for_support(d->family->name, &s, d->event_ndim, d->event_shape);
}

static gen_status check_callbacks(const gen_dist_callbacks *cb, const char *name, int n_params,
                                  gen_array *const *params) {
    if (!cb->logpdf) return GEN_FAIL(GEN_ERR_MISUSE, "%s: gen_dist_custom: the logpdf callback is required", name);
    if ((unsigned)cb->dtype > GEN_F64)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: gen_dist_custom: invalid dtype %d", name, (int)cb->dtype);
    if ((unsigned)cb->support > GEN_SUPPORT_CUSTOM)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: gen_dist_custom: invalid support kind %d", name, (int)cb->support);
    if (cb->event_ndim < 0 || cb->event_ndim > GEN_MAX_DIMS)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: gen_dist_custom: event_ndim must be in 0..%d, got %d", name,
                        GEN_MAX_DIMS, cb->event_ndim);
    if (arr_check_shape(name, cb->event_ndim, cb->event_shape) != GEN_OK) return core_error_pending();
    if (n_params < 0 || n_params > DIST_MAX_PARAMS)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: gen_dist_custom: at most %d parameters, got %d", name,
                        DIST_MAX_PARAMS, n_params);
    if (n_params && !params) return GEN_FAIL(GEN_ERR_MISUSE, "%s: gen_dist_custom: params is NULL", name);
    for (int i = 0; i < n_params; i++)
        if (!params[i]) {
            if (core_error_pending()) return core_error_pending();
            return GEN_FAIL(GEN_ERR_MISUSE, "%s: gen_dist_custom: parameter %d is NULL", name, i);
        }
    return GEN_OK;
}

gen_dist *gen_dist_custom(const gen_dist_callbacks *cb, void *payload, int n_params, gen_array *const *params) {
    if (!cb) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_dist_custom: the callbacks are NULL");
        return NULL;
    }
    const char *name = cb->name ? cb->name : "custom";
    if (check_callbacks(cb, name, n_params, params) != GEN_OK) return NULL;
    int nb = 0;
    int64_t batch[GEN_MAX_DIMS];
    for (int i = 0; i < n_params; i++)
        if (arr_broadcast_shapes(name, nb, batch, params[i]->ndim, params[i]->shape, &nb, batch) != GEN_OK) {
            core_error_prefix("gen_dist_custom (parameter shapes)");
            return NULL;
        }
    if (nb + cb->event_ndim > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: batch and event shapes exceed %d dimensions", name, GEN_MAX_DIMS);
        return NULL;
    }
    custom_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) return NULL;
    ex->cb = *cb;
    ex->payload = payload;
    snprintf(ex->name, sizeof ex->name, "%s", name);
    ex->h.fam = (dist_family){
        .name = ex->name,
        .param_names = param_names,
        .discrete = cb->dtype == GEN_I64 || cb->dtype == GEN_BOOL,
        .sample = cb->sample ? custom_sample : NULL,
        .logpdf = custom_logpdf,
        .support = custom_support,
        .enumerate = cb->enumerate ? custom_enumerate : NULL,
        .bijection = custom_bijection,
    };
    ex->h.free_fn = custom_free;
    gen_dist *d = ctor_new(&ex->h, cb->dtype, n_params, params, nb, batch, cb->event_ndim, cb->event_shape);
    if (d) ex->owns_payload = true;
    return d;
}
