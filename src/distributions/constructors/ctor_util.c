/* ctor_util.c — helpers shared by the distribution constructors (see ctor.h). */
#include <string.h>

#include "ctor.h"
#include "../../array/autodiff_int.h"

gen_dist *ctor_new(ctor_extra *ex, gen_dtype dtype, int n_params, gen_array *const *params,
                   int batch_ndim, const int64_t *batch_shape, int event_ndim,
                   const int64_t *event_shape) {
    ex->fam.free_extra = ctor_free_extra;
    gen_dist *d = dist_new(&ex->fam, dtype, n_params, params, batch_ndim, batch_shape, event_ndim,
                           event_shape);
    if (!d) {
        ex->free_fn(ex);
        return NULL;
    }
    d->extra = ex;
    return d;
}

gen_dist *ctor_inherit_batched(gen_dist *d, int n, gen_dist *const *children) {
    for (int i = 0; d && i < n; i++) d->batched |= children[i]->batched;
    return d;
}

void ctor_free_extra(gen_dist *d) {
    ctor_extra *ex = d->extra;
    d->extra = NULL;
    if (ex) ex->free_fn(ex); /* frees the family table too: d->family is not used after */
}

gen_status ctor_null(const char *family, const char *what) {
    if (core_error_pending()) return core_error_pending();
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", family, what);
}

/* Draws with sample shape S + batch[:ext] + (the batch sizes where c's batch has 1s that
 * the batch expands), then moves those extra axes into the size-1 positions. */
gen_array *ctor_draw(const gen_dist *c, gen_key key, int ns, const int64_t *S, int nb,
                     const int64_t *batch) {
    if (!c->family->sample) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s cannot be simulated (an improper prior)", c->family->name);
        return NULL;
    }
    int m = c->batch_ndim, e = c->event_ndim, ext = nb - m, q = 0, P[GEN_MAX_DIMS];
    if (ext < 0) {
        GEN_FAIL(GEN_ERR_INTERNAL, "%s: batch of rank %d drawn at rank %d", c->family->name, m, nb);
        return NULL;
    }
    for (int i = 0; i < m; i++)
        if (c->batch_shape[i] != batch[ext + i]) P[q++] = i;
    int n = ns + ext + q + m + e;
    if (n > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: sample, batch and event shapes need %d dimensions (at most %d)",
                 c->family->name, n, GEN_MAX_DIMS);
        return NULL;
    }
    int64_t F[GEN_MAX_DIMS], out[GEN_MAX_DIMS];
    int k = 0;
    for (int i = 0; i < ns; i++) F[k++] = S[i];
    for (int i = 0; i < ext; i++) F[k++] = batch[i];
    for (int j = 0; j < q; j++) F[k++] = batch[ext + P[j]];
    for (int i = 0; i < m; i++) F[k++] = c->batch_shape[i];
    for (int i = 0; i < e; i++) F[k++] = c->event_shape[i];
    if (gen_scope_begin() != GEN_OK) return NULL;
    const backend *creation = dist_follow_device(c, NULL);
    gen_array *x = c->family->sample(c, key, n, F);
    arr_creation_restore(creation);
    if (q && x) {
        int perm[GEN_MAX_DIMS], a = 0, base = ns + ext;
        for (int i = 0; i < base; i++) perm[a++] = i;
        for (int i = 0, j = 0; i < m; i++) perm[a++] = (j < q && P[j] == i) ? base + j++ : base + q + i;
        for (int j = 0; j < q; j++) perm[a++] = base + q + P[j];
        for (int i = 0; i < e; i++) perm[a++] = base + q + m + i;
        memcpy(out, S, (size_t)ns * sizeof *out);
        memcpy(out + ns, batch, (size_t)nb * sizeof *out);
        memcpy(out + ns + nb, c->event_shape, (size_t)e * sizeof *out);
        x = gen_reshape(gen_permute(x, n, perm), n - q, out);
    }
    return arr_scope_return(x);
}

/* log S + m with S = sum_k w_k exp(lp_k - m), m = max_k lp_k held constant (the result
 * does not depend on m, so stopping its gradient is exact). */
gen_array *ctor_mix_logpdf(const gen_array *w, const gen_array *lp) {
    if (!w || !lp) return NULL;
    int ax = -1; /* the last axis (w and lp may differ in rank) */
    gen_array *m = gen_stop_gradient(gen_max(lp, 1, &ax, true));
    m = gen_where(gen_isfinite(m), m, dist_const(lp, 0));
    gen_array *s = gen_sum(gen_mul(w, gen_exp(gen_sub(lp, m))), 1, &ax, false);
    gen_array *ok = gen_gt(s, dist_const(s, 0));
    gen_array *r = gen_add(gen_log(gen_where(ok, s, dist_const(s, 1))), gen_squeeze(m, 1, &ax));
    return dist_mask_support(ok, r);
}

/* index = #{j < K-1 : u >= cumsum(w)_j}: the last bin takes the rest, so rounding in
 * the cumulative sum can never give index K. */
gen_array *ctor_pick(gen_key key, const gen_array *w, int nd, const int64_t *shape) {
    int64_t K = w->shape[w->ndim - 1];
    if (K <= 1) return gen_zeros(GEN_I64, nd, shape);
    gen_array *u = gen_random_uniform(key, GEN_F64, nd, shape);
    gen_array *cw = gen_slice(gen_cumsum(w, w->ndim - 1), w->ndim - 1, 0, K - 1, 1);
    gen_array *ge = gen_cast(gen_ge(gen_expand_dims(u, -1), cw), GEN_I64);
    return gen_sum(ge, 1, (const int[]){nd}, false);
}

gen_array *ctor_select(const gen_array *idx, const gen_array *draws, int event_ndim) {
    if (!idx || !draws) return NULL;
    int ax = draws->ndim - 1 - event_ndim;
    gen_array *mask = dist_one_hot(idx, draws->shape[ax]);
    for (int i = 0; i < event_ndim; i++) mask = gen_expand_dims(mask, -1);
    if (draws->dtype == GEN_BOOL) return gen_any(gen_logical_and(mask, draws), 1, &ax, false);
    return gen_sum(gen_where(mask, draws, gen_zeros((gen_dtype)draws->dtype, 0, NULL)), 1, &ax, false);
}

#define CTOR_ENUM_MAX ((int64_t)1 << 20)

gen_array *ctor_enum_product(const char *family, int n, gen_array *const *vals, gen_dtype dtype) {
    if (n == 0) return gen_zeros(dtype, 2, (const int64_t[]){1, 0}); /* one empty value */
    int64_t K = 1;
    for (int i = 0; i < n; i++) {
        if (!vals[i]) return NULL;
        int64_t m = vals[i]->shape[0];
        if (m && K > CTOR_ENUM_MAX / m) {
            GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: enumerate: more than %lld values", family,
                     (long long)CTOR_ENUM_MAX);
            return NULL;
        }
        K *= m;
    }
    int64_t *idx = core_alloc((size_t)(K ? K : 1) * sizeof *idx);
    if (!idx) return NULL;
    gen_array **col = core_alloc((size_t)(n ? n : 1) * sizeof *col);
    if (!col) {
        core_free(idx, (size_t)(K ? K : 1) * sizeof *idx);
        return NULL;
    }
    int64_t stride = 1;
    for (int i = n - 1; i >= 0; i--) {
        int64_t m = vals[i]->shape[0];
        for (int64_t k = 0; k < K; k++) idx[k] = (k / stride) % m;
        stride *= m;
        col[i] = gen_cast(gen_take(vals[i], gen_array_from(GEN_I64, 1, &K, idx), 0), dtype);
    }
    gen_array *r = gen_stack(n, col, 1);
    core_free(idx, (size_t)(K ? K : 1) * sizeof *idx);
    core_free(col, (size_t)(n ? n : 1) * sizeof *col);
    return r;
}

/* Bounds of one support reduced to the mixture batch (min/max over the component axis). */
static gen_array *reduce_bound(const gen_dist *c, const gen_array *b, bool is_lo) {
    int ax = c->batch_ndim - 1;
    gen_array *full = gen_broadcast_to(b, c->batch_ndim, c->batch_shape);
    return is_lo ? gen_min(full, 1, &ax, false) : gen_max(full, 1, &ax, false);
}

gen_status ctor_support_union(int n, gen_dist *const *comps, bool reduce_last, ctor_support *out) {
    out->kind = GEN_SUPPORT_CUSTOM;
    out->lo = out->hi = NULL;
    gen_support s[64];
    if (n < 1 || n > 64) return GEN_OK; /* none, or many parts: leave the support custom */
    for (int i = 0; i < n; i++) {
        gen_status st = gen_dist_support(comps[i], &s[i]);
        if (st != GEN_OK) return st;
        if (s[i].kind != s[0].kind) return GEN_OK;
    }
    out->kind = s[0].kind;
    if (gen_scope_begin() != GEN_OK) return core_error_pending();
    unsigned token = ad_pause_all(); /* bounds carry no gradient */
    gen_array *lo = NULL, *hi = NULL;
    bool has_lo = true, has_hi = true;
    for (int i = 0; i < n; i++) {
        has_lo &= s[i].lo != NULL;
        has_hi &= s[i].hi != NULL;
    }
    for (int i = 0; i < n; i++) {
        if (has_lo) {
            gen_array *b = reduce_last ? reduce_bound(comps[i], s[i].lo, true) : (gen_array *)s[i].lo;
            lo = lo ? gen_minimum(lo, b) : b;
        }
        if (has_hi) {
            gen_array *b = reduce_last ? reduce_bound(comps[i], s[i].hi, false) : (gen_array *)s[i].hi;
            hi = hi ? gen_maximum(hi, b) : b;
        }
    }
    ad_resume_all(token);
    out->lo = gen_array_retain(lo);
    out->hi = gen_array_retain(hi);
    gen_scope_end();
    if ((has_lo && !out->lo) || (has_hi && !out->hi)) {
        ctor_support_release(out);
        return core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    }
    return GEN_OK;
}

void ctor_support_release(ctor_support *s) {
    gen_array_release(s->lo);
    gen_array_release(s->hi);
    s->lo = s->hi = NULL;
}
