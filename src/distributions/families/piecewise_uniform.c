/* piecewise_uniform.c — PiecewiseUniform(bounds [..., K+1], probs [..., K]): bin k is
 * chosen with probability probs[k], then a uniform value in [bounds[k], bounds[k+1]) (the
 * last bin closed). Batch = the broadcast of the leading dims; scalar events. */
#include <math.h>
#include <string.h>

#include "../dist_int.h"

static const char *const names[] = {"bounds", "probs"};

/* d->extra: the support's ends bounds[..., 0] and bounds[..., K] (owned). */
typedef struct pw_ends {
    gen_array *lo, *hi;
} pw_ends;

static gen_array *last_axis_slice(const gen_array *a, int64_t start, int64_t stop) {
    return gen_slice(a, -1, start, stop, 1);
}

/* sum_k [x in bin k] (log probs[k] - log width[k]); 0 bins => -inf (zero-probability
 * bins too). log probs is taken at 1 where probs is 0 (no NaN gradients). */
static gen_array *piecewise_uniform_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *b = d->params[0], *p = d->params[1];
    int64_t k = p->shape[p->ndim - 1];
    gen_array *lo = last_axis_slice(b, 0, k), *hi = last_axis_slice(b, 1, k + 1);
    gen_array *xe = gen_expand_dims(x, -1);
    gen_array *last = gen_eq(gen_arange(0, (double)k, 1, GEN_I64), gen_scalar_i64(k - 1));
    gen_array *below_hi = gen_logical_or(gen_lt(xe, hi), gen_logical_and(last, gen_eq(xe, hi)));
    gen_array *in = gen_logical_and(gen_ge(xe, lo), below_hi);
    gen_array *pos = gen_gt(p, dist_const(p, 0.0));
    gen_array *lp = gen_where(pos, gen_log(dist_safe(pos, p, 1.0)), dist_const(p, -INFINITY));
    lp = gen_sub(lp, gen_log(gen_sub(hi, lo)));
    gen_array *val = dist_sum_last(gen_where(in, lp, dist_const(lp, 0.0)), 1);
    return dist_mask_support(gen_any(in, 1, (int[]){-1}, false), val);
}

/* Element i: u0 picks the bin by the cumulative probabilities (never a zero bin), u1
 * places the value in it. */
static void pw_fill(int64_t n, int64_t k, const double *b, const double *p, const double *u0,
                    const double *u1, double *out) {
    for (int64_t i = 0; i < n; i++) {
        const double *bi = b + i * (k + 1), *pi = p + i * k;
        double total = 0, c = 0;
        for (int64_t j = 0; j < k; j++) total += pi[j];
        int64_t bin = -1;
        for (int64_t j = 0; j < k; j++) {
            c += pi[j];
            if (pi[j] > 0) bin = j; /* the last positive bin catches rounding */
            if (pi[j] > 0 && u0[i] * total < c) break;
        }
        out[i] = fmin(bi[bin] + u1[i] * (bi[bin + 1] - bi[bin]), bi[bin + 1]);
    }
}

static gen_array *piecewise_uniform_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const gen_array *b = d->params[0], *p = d->params[1];
    int64_t k = p->shape[p->ndim - 1], sh[GEN_MAX_DIMS + 1];
    if (gen_scope_begin() != GEN_OK) return NULL;
    memcpy(sh, shape, (size_t)ndim * sizeof *sh);
    sh[ndim] = k + 1;
    const double *bf = dist_host_f64(b, ndim + 1, sh);
    sh[ndim] = k;
    const double *pf = dist_host_f64(p, ndim + 1, sh);
    const backend *dev = arr_creation_be; /* a C loop on the host (see von_mises.c) */
    arr_creation_restore(NULL);
    gen_key ks[2];
    gen_key_split(key, 2, ks);
    gen_array *u0 = gen_random_uniform(ks[0], GEN_F64, ndim, shape);
    gen_array *u1 = gen_random_uniform(ks[1], GEN_F64, ndim, shape);
    gen_array *x = bf && pf && u0 && u1 ? arr_alloc("piecewise_uniform", GEN_F64, ndim, shape) : NULL;
    if (x) pw_fill(x->size, k, bf, pf, u0->data, u1->data, x->data);
    x = x ? gen_cast(arr_publish(x), d->dtype) : NULL;
    arr_creation_restore(dev);
    return arr_scope_return(dist_place(d, x));
}

static gen_status piecewise_uniform_support(const gen_dist *d, gen_support *out) {
    const pw_ends *e = d->extra;
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = e->lo;
    out->hi = e->hi;
    return GEN_OK;
}

static void pw_free_extra(gen_dist *d) {
    pw_ends *e = d->extra;
    if (!e) return;
    gen_array_release(e->lo);
    gen_array_release(e->hi);
    core_free(e, sizeof *e);
}

static const dist_family piecewise_uniform_family = {
    .name = "piecewise_uniform",
    .param_names = names,
    .sample = piecewise_uniform_sample,
    .logpdf = piecewise_uniform_logpdf,
    .support = piecewise_uniform_support,
    .free_extra = pw_free_extra,
    .extra_is_support = true,
};

/* bounds [..., K+1] finite and strictly increasing along the last axis. */
static gen_status check_bounds(const gen_array *b) {
    int64_t n = b->shape[b->ndim - 1], rows = n ? b->size / n : 0;
    char buf[ARR_SHAPE_STR_MAX];
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < n; j++) {
            double v = arr_get_f64(b, r * n + j), prev = j ? arr_get_f64(b, r * n + j - 1) : -INFINITY;
            if (!isfinite(v))
                return DIST_REFUSE("piecewise_uniform: bounds must be finite, got %g at index %s",
                                   v, dist_index_str(b, r * n + j, buf, sizeof buf));
            if (!(v > prev))
                return DIST_REFUSE("piecewise_uniform: bounds must be strictly increasing, got %g after %g at index %s",
                                   v, prev, dist_index_str(b, r * n + j, buf, sizeof buf));
        }
    return GEN_OK;
}

/* The support's ends: bounds[..., 0] and bounds[..., K] as owned arrays (values only),
 * read from hb (bounds or its host copy) and placed on the device of bounds. */
static gen_array *end(const gen_array *bounds, const gen_array *hb, int64_t j, gen_dtype t) {
    int64_t n = hb->shape[hb->ndim - 1];
    gen_array *e = arr_alloc("piecewise_uniform", t, hb->ndim - 1, hb->shape);
    for (int64_t i = 0; e && i < e->size; i++) arr_set_f64(t, e->data, i, arr_get_f64(hb, i * n + j));
    return dist_to_device_of("piecewise_uniform", e, bounds);
}

gen_dist *gen_piecewise_uniform(const gen_array *bounds, const gen_array *probs) {
    const char *f = "piecewise_uniform";
    if (dist_check_rank(f, "bounds", bounds, 1, false) != GEN_OK || dist_check_rank(f, "probs", probs, 1, false) != GEN_OK)
        return NULL;
    int64_t k = probs->shape[probs->ndim - 1];
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    if (k < 1 || bounds->shape[bounds->ndim - 1] != k + 1) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: bounds must have one more element than probs along the last axis (K+1 and K, K >= 1), got shapes %s and %s",
                 f, arr_shape_str(bounds->ndim, bounds->shape, s1, sizeof s1),
                 arr_shape_str(probs->ndim, probs->shape, s2, sizeof s2));
        return NULL;
    }
    gen_array *hb = arr_host_ref(bounds); /* the checks and the ends read values: a copy of a device's */
    if (!hb || check_bounds(hb) != GEN_OK || dist_check_simplex(f, "probs", probs) != GEN_OK) {
        gen_array_release(hb);
        return NULL;
    }
    int nd;
    int64_t batch[GEN_MAX_DIMS];
    pw_ends *e = NULL;
    if (arr_broadcast_shapes(f, bounds->ndim - 1, bounds->shape, probs->ndim - 1, probs->shape, &nd, batch) != GEN_OK ||
        !(e = core_calloc(1, sizeof *e))) {
        gen_array_release(hb);
        return NULL;
    }
    gen_dtype t = bounds->dtype == GEN_F32 && probs->dtype == GEN_F32 ? GEN_F32 : GEN_F64;
    e->lo = end(bounds, hb, 0, t);
    e->hi = end(bounds, hb, k, t);
    gen_array_release(hb);
    gen_array *p[2] = {(gen_array *)bounds, (gen_array *)probs};
    gen_dist *d = e->lo && e->hi ? dist_new(&piecewise_uniform_family, t, 2, p, nd, batch, 0, NULL) : NULL;
    if (d) d->extra = e;
    else pw_free_extra(&(gen_dist){.extra = e});
    return d;
}
