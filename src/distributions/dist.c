/* dist.c — distribution values: creation, refcounts, queries, and the generic entry
 * points (sample, rsample, logpdf, support, enumerate, bijection) that check shapes and
 * dispatch to the family. */
#include <stdio.h>
#include <string.h>

#include "dist_int.h"
#include "../array/autodiff_int.h"

static void dist_free(gen_dist *d) {
    char desc[CORE_DESC_MAX] = "";
    if (CORE_UNLIKELY(core_debug())) snprintf(desc, sizeof desc, "a distribution (%s)", d->family->name);
    if (d->family->free_extra && d->extra) d->family->free_extra(d);
    for (int i = 0; i < d->n_params; i++) gen_array_release(d->params[i]);
    core_obj_free(d, sizeof *d, true, desc);
}

gen_status dist_dead_fail(const char *fn, const char *what, const gen_dist *d) {
    return core_dead_fail(fn, what, d, "a distribution");
}

gen_dist *gen_dist_retain(gen_dist *d) {
    if (d && CORE_UNLIKELY(atomic_fetch_add_explicit(&d->refcount, 1, memory_order_relaxed) <= 0))
        return dist_dead_fail("gen_dist_retain", "the distribution", d), NULL;
    return d;
}

void gen_dist_release(gen_dist *d) {
    if (!d) return;
    int old = atomic_fetch_sub_explicit(&d->refcount, 1, memory_order_acq_rel);
    if (old == 1) dist_free(d);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_dist_release", d, "a distribution");
}

static void release_void(void *d) { gen_dist_release(d); }

gen_dist *gen_dist_scope_return(gen_dist *d) {
    if (!d || !gen_dist_retain(d)) return NULL;
    gen_status s = core_scope_own_parent(d, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return d;
    gen_dist_release(d);
    return NULL;
}

gen_dist *dist_new(const dist_family *f, gen_dtype dtype, int n_params, gen_array *const *params,
                   int batch_ndim, const int64_t *batch_shape, int event_ndim,
                   const int64_t *event_shape) {
    if (n_params > DIST_MAX_PARAMS || batch_ndim + event_ndim > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: batch and event shapes have more than %d dimensions", f->name,
                 GEN_MAX_DIMS);
        return NULL;
    }
    if (batch_ndim + event_ndim) { /* the two shapes together: the shape of one draw */
        int64_t shape[GEN_MAX_DIMS], size;
        if (batch_ndim) memcpy(shape, batch_shape, (size_t)batch_ndim * sizeof *shape);
        if (event_ndim) memcpy(shape + batch_ndim, event_shape, (size_t)event_ndim * sizeof *shape);
        if (arr_shape_count(f->name, batch_ndim + event_ndim, shape, &size) != GEN_OK) return NULL;
    }
    for (int i = 0; i < n_params; i++) /* the families' own checks may not have looked */
        if (CORE_UNLIKELY(params[i]->tuple)) {
            char what[64];
            snprintf(what, sizeof what, "parameter %s", f->param_names[i]);
            arr_tuple_fail(f->name, what);
            return NULL;
        }
    gen_dist *d = core_alloc_small(sizeof *d);
    if (!d) return NULL;
    memset(d, 0, sizeof *d); /* families read unused shape entries as 0 */
    atomic_init(&d->refcount, 1);
    d->family = f;
    d->dtype = dtype;
    d->n_params = n_params;
    for (int i = 0; i < n_params; i++) {
        d->params[i] = gen_array_retain(params[i]);
        d->batched |= params[i]->batched;
    }
    d->batch_ndim = batch_ndim;
    d->event_ndim = event_ndim;
    if (batch_ndim) memcpy(d->batch_shape, batch_shape, (size_t)batch_ndim * sizeof *batch_shape);
    if (event_ndim) memcpy(d->event_shape, event_shape, (size_t)event_ndim * sizeof *event_shape);
    gen_status s = core_scope_own(d, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return d;
    dist_free(d);
    return NULL;
}

gen_dist *dist_new_scalar(const dist_family *f, int n_params, const gen_array *const *params,
                          int dtype_override) {
    int nd = 0;
    int64_t shape[GEN_MAX_DIMS];
    bool all_f32 = true, any_float = false;
    for (int i = 0; i < n_params; i++) {
        if (!params[i]) {
            if (!core_error_pending())
                GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter %s is NULL", f->name, f->param_names[i]);
            return NULL;
        }
    }
    bool all_scalar = !arr_batch_n && n_params <= DIST_MAX_PARAMS;
    for (int i = 0; i < n_params && all_scalar; i++)
        all_scalar = params[i]->ndim == 0 && params[i]->dtype == GEN_F64;
    if (all_scalar) /* the common case: f64 scalars, nothing to broadcast */
        return dist_new(f, dtype_override >= 0 ? (gen_dtype)dtype_override : GEN_F64, n_params,
                        (gen_array *const *)params, 0, NULL, 0, NULL);
    gen_array *aligned[DIST_MAX_PARAMS];
    if (arr_batch_n && n_params <= DIST_MAX_PARAMS) { /* batched mode: per-particle shapes broadcast */
        memcpy(aligned, params, (size_t)n_params * sizeof *aligned);
        if (arr_batch_align(n_params, aligned) != GEN_OK) return NULL;
        params = (const gen_array *const *)aligned;
    }
    for (int i = 0; i < n_params; i++) {
        if (arr_broadcast_shapes(f->name, nd, shape, params[i]->ndim, params[i]->shape, &nd,
                                 shape) != GEN_OK)
            return NULL;
        if (arr_is_float(params[i]->dtype)) {
            any_float = true;
            all_f32 &= params[i]->dtype == GEN_F32;
        }
    }
    gen_dtype t = dtype_override >= 0 ? (gen_dtype)dtype_override : (all_f32 && any_float ? GEN_F32 : GEN_F64);
    return dist_new(f, t, n_params, (gen_array *const *)params, nd, shape, 0, NULL);
}

/* ---- queries ---- */

const char *gen_dist_name(const gen_dist *d) { return d ? d->family->name : "(null)"; }
gen_dtype gen_dist_dtype(const gen_dist *d) { return d ? d->dtype : GEN_F64; }
int gen_dist_batch_ndim(const gen_dist *d) { return d ? d->batch_ndim : 0; }
const int64_t *gen_dist_batch_shape(const gen_dist *d) { return d ? d->batch_shape : NULL; }
int gen_dist_event_ndim(const gen_dist *d) { return d ? d->event_ndim : 0; }
const int64_t *gen_dist_event_shape(const gen_dist *d) { return d ? d->event_shape : NULL; }
bool gen_dist_is_discrete(const gen_dist *d) { return d && d->family->discrete; }
bool gen_dist_is_batched(const gen_dist *d) { return d && d->batched; }
int gen_dist_num_params(const gen_dist *d) { return d ? d->n_params : 0; }
bool gen_dist_has_rsample(const gen_dist *d) { return d && d->family->sample && d->family->rsample; }

const gen_array *gen_dist_param(const gen_dist *d, int i) {
    return d && i >= 0 && i < d->n_params ? d->params[i] : NULL;
}

const char *gen_dist_param_name(const gen_dist *d, int i) {
    return d && i >= 0 && i < d->n_params ? d->family->param_names[i] : NULL;
}

static CORE_NOINLINE gen_status check_dist_fail(const char *fn, const gen_dist *d) {
    if (d) return dist_dead_fail(fn, "the distribution", d);
    if (core_error_pending()) return core_error_pending();
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: the distribution is NULL", fn);
}

/* d is a distribution: not NULL (a NULL propagates the pending error), not released. */
static inline gen_status check_dist(const char *fn, const gen_dist *d) {
    return CORE_LIKELY(d && !core_dead(d)) ? GEN_OK : check_dist_fail(fn, d);
}

/* ---- sampling ---- */

/* Whether d and (optionally) x take the scalar kernels: no transform running, f64
 * scalars everywhere, in host memory (the kernels read them in C). Fills p with the
 * parameters. */
static bool scalar_case(const gen_dist *d, const gen_array *x, double *p) {
    if (ad_active() || d->dtype != GEN_F64 || d->batch_ndim || d->event_ndim) return false;
    if (x && (x->ndim != 0 || x->dtype != GEN_F64 || !arr_on_host(x))) return false;
    for (int i = 0; i < d->n_params; i++) {
        const gen_array *a = d->params[i];
        if (a->size != 1 || a->dtype != GEN_F64 || !arr_on_host(a)) return false;
        p[i] = *(const double *)a->data;
    }
    return true;
}

/* The case of logpdf1_grad: one reverse transform records, d and x are scalars in host
 * memory (the family's C function reads them; on a device the array formulas run). */
static bool scalar_ad_case(const gen_dist *d, const gen_array *x) {
    if (!d->family->logpdf1_grad || d->dtype != GEN_F64 || d->batch_ndim || d->event_ndim || d->batched ||
        x->ndim != 0 || x->dtype != GEN_F64 || x->batched || !arr_on_host(x) || !ad_single_reverse())
        return false;
    for (int i = 0; i < d->n_params; i++) {
        const gen_array *a = d->params[i];
        if (a->ndim != 0 || a->dtype != GEN_F64 || !arr_on_host(a)) return false;
    }
    return true;
}

/* The SCALAR_LOGPDF row (ops_fused.def): logpdf1_grad's value as one tape node whose
 * rule multiplies the cotangent by logpdf1_grad's partials, for the inputs (x, then the
 * parameters) that carry a tape link. */
_Static_assert(DIST_MAX_PARAMS <= OP_SCALAR_MAX_PARAMS, "SCALAR_LOGPDF takes every parameter");
static gen_array *scalar_ad_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *in[DIST_MAX_PARAMS + 1] = {(gen_array *)x};
    for (int i = 0; i < d->n_params; i++) in[i + 1] = d->params[i];
    op_params p = {.scalar_grad = d->family->logpdf1_grad};
    return op_apply_physical(OP_SCALAR_LOGPDF, d->n_params + 1, in, &p);
}

static gen_array *sample(const char *fn, const gen_dist *d, gen_key key, int ndim,
                         const int64_t *sample_shape, bool reparam) {
    if (check_dist(fn, d) != GEN_OK || arr_check_shape(fn, ndim, sample_shape) != GEN_OK) return NULL;
    if (!d->family->sample) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s cannot be simulated (an improper prior)", fn, d->family->name);
        return NULL;
    }
    if (reparam && !d->family->rsample) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s has no reparameterized sampler", fn, d->family->name);
        return NULL;
    }
    int n = ndim + d->batch_ndim + d->event_ndim;
    if (n > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: %s: sample, batch and event shapes have %d dimensions (at most %d)",
                 fn, d->family->name, n, GEN_MAX_DIMS);
        return NULL;
    }
    int64_t shape[GEN_MAX_DIMS];
    if (ndim) memcpy(shape, sample_shape, (size_t)ndim * sizeof *shape);
    memcpy(shape + ndim, d->batch_shape, (size_t)d->batch_ndim * sizeof *shape);
    memcpy(shape + ndim + d->batch_ndim, d->event_shape, (size_t)d->event_ndim * sizeof *shape);
    int64_t size;
    if (arr_shape_count(fn, n, shape, &size) != GEN_OK) return NULL; /* the sample shape in front */
    double p[DIST_MAX_PARAMS];
    if (!reparam && n == 0 && d->family->sample1 && scalar_case(d, NULL, p))
        return gen_scalar(d->family->sample1(p, key));
    /* The family's temporaries die in this scope (also when the caller has none open). */
    if (gen_scope_begin() != GEN_OK) return NULL;
    int64_t batch = arr_batch_suspend(); /* families compute on physical shapes */
    const backend *creation = dist_follow_device(d, NULL);
    gen_array *x;
    if (reparam) {
        x = d->family->sample(d, key, n, shape);
    } else { /* a plain draw carries no gradient: run the sampler unrecorded */
        unsigned token = ad_pause_all();
        x = d->family->sample(d, key, n, shape);
        ad_resume_all(token);
    }
    /* A draw has the distribution's dtype, whatever the family computed in (integer
     * parameters beside f32 ones promote its arithmetic to f64). */
    if (x && x->dtype != d->dtype && !x->tuple) x = gen_cast(x, d->dtype);
    arr_creation_restore(creation);
    arr_batch_resume(batch);
    return arr_scope_return(x);
}

gen_array *gen_dist_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *sample_shape) {
    return sample("gen_dist_sample", d, key, ndim, sample_shape, false);
}

gen_array *gen_dist_rsample(const gen_dist *d, gen_key key, int ndim, const int64_t *sample_shape) {
    return sample("gen_dist_rsample", d, key, ndim, sample_shape, true);
}

/* ---- density ---- */

gen_array *gen_dist_logpdf(const gen_dist *d, const gen_array *x) {
    if (check_dist("gen_dist_logpdf", d) != GEN_OK) return NULL;
    if (!x) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_dist_logpdf: %s: the value is NULL", d->family->name);
        return NULL;
    }
    if (CORE_UNLIKELY(x->tuple)) {
        if (arr_dead(x)) arr_dead_fail("gen_dist_logpdf", "the value", x);
        else arr_tuple_fail(d->family->name, "the logpdf value");
        return NULL;
    }
    double p[DIST_MAX_PARAMS];
    if (d->family->logpdf1 && !d->batch_ndim && !d->event_ndim && scalar_case(d, x, p))
        return gen_scalar(d->family->logpdf1(p, *(const double *)x->data)); /* 0-d: shapes agree */
    if (d->family->logpdf1_grad && scalar_ad_case(d, x)) return scalar_ad_logpdf(d, x);
    int lead = x->ndim - d->event_ndim;
    bool ok = lead >= 0 && !memcmp(x->shape + (lead > 0 ? lead : 0), d->event_shape,
                                   (size_t)d->event_ndim * sizeof(int64_t));
    if (!ok) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_SHAPE, "%s: logpdf: value of shape %s does not end in the event shape %s",
                 d->family->name, arr_shape_str(x->ndim, x->shape, s1, sizeof s1),
                 arr_shape_str(d->event_ndim, d->event_shape, s2, sizeof s2));
        return NULL;
    }
    int nd;
    int64_t sh[GEN_MAX_DIMS];
    if (arr_broadcast_shapes(d->family->name, lead, x->shape, d->batch_ndim, d->batch_shape, &nd, sh) != GEN_OK) {
        core_error_prefix("logpdf (value and batch shapes)");
        return NULL;
    }
    if (gen_scope_begin() != GEN_OK) return NULL;
    int64_t batch = arr_batch_suspend(); /* families compute on physical shapes */
    const backend *creation = dist_follow_device(d, x);
    gen_array *lp = d->family->logpdf(d, x);
    arr_creation_restore(creation);
    arr_batch_resume(batch);
    return arr_scope_return(lp);
}

gen_status gen_dist_support(const gen_dist *d, gen_support *out) {
    gen_status st = check_dist("gen_dist_support", d);
    if (st != GEN_OK) return st;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_dist_support: out is NULL");
    out->lo = out->hi = NULL;
    return d->family->support(d, out);
}

gen_array *gen_dist_enumerate(const gen_dist *d) {
    if (check_dist("gen_dist_enumerate", d) != GEN_OK) return NULL;
    if (!d->family->enumerate) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_dist_enumerate: %s has no finite support to enumerate",
                 d->family->name);
        return NULL;
    }
    if (gen_scope_begin() != GEN_OK) return NULL;
    const backend *creation = dist_follow_device(d, NULL);
    gen_array *r = d->family->enumerate(d);
    arr_creation_restore(creation);
    return arr_scope_return(r);
}

gen_bijection *gen_dist_bijection(const gen_dist *d) {
    if (check_dist("gen_dist_bijection", d) != GEN_OK) return NULL;
    if (d->family->bijection) return d->family->bijection(d);
    gen_support s = {0};
    if (d->family->support(d, &s) != GEN_OK) return NULL;
    return bij_for_support(d->family->name, &s, d->event_ndim, d->event_shape);
}

bool dist_bijection_is_identity(const gen_dist *d) {
    gen_support s = {0};
    return d && !d->family->bijection && d->family->support && d->family->support(d, &s) == GEN_OK &&
           s.kind == GEN_SUPPORT_REAL;
}

const char *gen_support_name(gen_support_kind kind) {
    switch (kind) {
    case GEN_SUPPORT_REAL: return "real";
    case GEN_SUPPORT_POSITIVE: return "positive";
    case GEN_SUPPORT_GREATER_THAN: return "greater_than";
    case GEN_SUPPORT_INTERVAL: return "interval";
    case GEN_SUPPORT_INTEGER_RANGE: return "integer_range";
    case GEN_SUPPORT_BOOLEAN: return "boolean";
    case GEN_SUPPORT_SIMPLEX: return "simplex";
    case GEN_SUPPORT_POSITIVE_DEFINITE: return "positive_definite";
    case GEN_SUPPORT_CORR_CHOLESKY: return "corr_cholesky";
    case GEN_SUPPORT_POINT: return "point";
    case GEN_SUPPORT_INTEGER_VECTOR: return "integer_vector";
    case GEN_SUPPORT_LESS_THAN: return "less_than";
    case GEN_SUPPORT_ORDERED: return "ordered";
    case GEN_SUPPORT_POSITIVE_ORDERED: return "positive_ordered";
    case GEN_SUPPORT_UNIT_VECTOR: return "unit_vector";
    case GEN_SUPPORT_CHOLESKY_COV: return "cholesky_cov";
    case GEN_SUPPORT_CUSTOM: return "custom";
    }
    return "?";
}
