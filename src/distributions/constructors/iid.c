/* iid.c — gen_iid (independent draws of one distribution as a single array-valued choice)
 * and gen_independent (batch axes reinterpreted as event axes, numpyro's to_event).
 *
 * iid(d, shape): batch = d's batch, event = shape + d's event, so a value has shape
 * d.batch + shape + d.event: for each batch member of d, prod(shape) independent draws
 * (the key use, iid of a scalar distribution with no batch, has event shape = shape).
 * Because d's parameters align with the trailing axes of its own values, logpdf and
 * sampling move the iid axes in front of d's batch axes and back. */
#include <string.h>

#include "ctor.h"
#include "../../array/autodiff_int.h"

typedef struct iid_extra {
    ctor_extra h;
    gen_dist *c;      /* retained */
    int k;            /* iid ndim (gen_iid) or moved batch axes (gen_independent) */
    ctor_support sup; /* gen_iid: c's support, bounds reshaped to align with values */
} iid_extra;

static void iid_free(ctor_extra *h) {
    iid_extra *ex = (iid_extra *)h;
    gen_dist_release(ex->c);
    ctor_support_release(&ex->sup);
    core_free(ex, sizeof *ex);
}

/* Permutation of n axes moving the block [from, from + len) to position to (< from). */
static void move_block(int n, int from, int len, int to, int *perm) {
    int a = 0;
    for (int i = 0; i < to; i++) perm[a++] = i;
    for (int i = 0; i < len; i++) perm[a++] = from + i;
    for (int i = to; i < n; i++)
        if (i < from || i >= from + len) perm[a++] = i;
}

/* ---- iid ---- */

static gen_array *iid_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const iid_extra *ex = d->extra;
    const gen_dist *c = ex->c;
    int nb = c->batch_ndim, ns = ndim - d->batch_ndim - d->event_ndim;
    int64_t S[GEN_MAX_DIMS];
    memcpy(S, shape, (size_t)ns * sizeof *S);
    memcpy(S + ns, d->event_shape, (size_t)ex->k * sizeof *S); /* S + iid shape */
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *x = ctor_draw(c, key, ns + ex->k, S, nb, c->batch_shape);
    if (x && nb && ex->k) {
        int perm[GEN_MAX_DIMS];
        move_block(ndim, ns + ex->k, nb, ns, perm); /* S + shape + batch -> S + batch + shape */
        x = gen_permute(x, ndim, perm);
    }
    return arr_scope_return(x);
}

static gen_array *iid_logpdf(const gen_dist *d, const gen_array *x) {
    const iid_extra *ex = d->extra;
    const gen_dist *c = ex->c;
    int nb = c->batch_ndim, k = ex->k, nbb;
    if (!nb || !k) return dist_sum_last(gen_dist_logpdf(c, x), k);
    int64_t full[GEN_MAX_DIMS];
    if (arr_broadcast_shapes("iid", x->ndim - d->event_ndim, x->shape, nb, c->batch_shape, &nbb, full) != GEN_OK)
        return NULL;
    memcpy(full + nbb, d->event_shape, (size_t)d->event_ndim * sizeof *full);
    int n = nbb + d->event_ndim, perm[GEN_MAX_DIMS], axes[GEN_MAX_DIMS];
    move_block(n, nbb, k, nbb - nb, perm); /* B + shape + event -> B[:-nb] + shape + B[-nb:] + event */
    gen_array *xp = gen_permute(gen_broadcast_to(x, n, full), n, perm);
    for (int i = 0; i < k; i++) axes[i] = nbb - nb + i;
    return gen_sum(gen_dist_logpdf(c, xp), k, axes, false);
}

static gen_status iid_support(const gen_dist *d, gen_support *out) {
    const iid_extra *ex = d->extra;
    out->kind = ex->sup.kind;
    out->lo = ex->sup.lo;
    out->hi = ex->sup.hi;
    return GEN_OK;
}

static gen_bijection *iid_bijection(const gen_dist *d) {
    const iid_extra *ex = d->extra;
    if (ex->c->family->bijection) return gen_dist_bijection(ex->c);
    gen_support s;
    iid_support(d, &s);
    return bij_for_support(d->family->name, &s, d->event_ndim, d->event_shape);
}

/* All prod(shape) positions range over c's enumeration. */
static gen_array *enum_repeat(const gen_dist *d, const gen_dist *c, int64_t n) {
    gen_array *v = gen_dist_enumerate(c);
    if (!v) return NULL;
    if (n > 65536) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: enumerate: %lld positions are too many", d->family->name, (long long)n);
        return NULL;
    }
    gen_array **vals = core_alloc((size_t)(n ? n : 1) * sizeof *vals);
    if (!vals) return NULL;
    for (int64_t i = 0; i < n; i++) vals[i] = v;
    gen_array *r = ctor_enum_product(d->family->name, (int)n, vals, d->dtype);
    core_free(vals, (size_t)(n ? n : 1) * sizeof *vals);
    if (!r) return NULL;
    int64_t sh[GEN_MAX_DIMS + 1];
    sh[0] = r->shape[0];
    memcpy(sh + 1, d->event_shape, (size_t)d->event_ndim * sizeof *sh);
    return gen_reshape(r, d->event_ndim + 1, sh);
}

static gen_array *iid_enumerate(const gen_dist *d) {
    const iid_extra *ex = d->extra;
    return enum_repeat(d, ex->c, arr_shape_size(ex->k, d->event_shape));
}

static const dist_family iid_template = {
    .name = "iid",
    .sample = iid_sample,
    .logpdf = iid_logpdf,
    .support = iid_support,
    .enumerate = iid_enumerate,
    .bijection = iid_bijection,
};

static iid_extra *extra_new(const gen_dist *c, int k, const dist_family *tmpl) {
    iid_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) return NULL;
    ex->h.fam = *tmpl;
    ex->h.fam.discrete = c->family->discrete;
    ex->h.fam.rsample = c->family->rsample;
    if (!c->family->sample) ex->h.fam.sample = NULL;
    if (!c->family->enumerate) ex->h.fam.enumerate = NULL;
    ex->h.free_fn = iid_free;
    ex->c = gen_dist_retain((gen_dist *)c);
    ex->k = k;
    return ex;
}

/* c's bounds broadcast to its batch and followed by size-1 axes for shape + event. */
static gen_array *align_bound(const gen_dist *c, const gen_array *b, int extra) {
    if (!b) return NULL;
    int64_t sh[GEN_MAX_DIMS];
    memcpy(sh, c->batch_shape, (size_t)c->batch_ndim * sizeof *sh);
    for (int i = 0; i < extra; i++) sh[c->batch_ndim + i] = 1;
    gen_array *r = gen_reshape(gen_broadcast_to(b, c->batch_ndim, c->batch_shape), c->batch_ndim + extra, sh);
    return gen_array_retain(r);
}

static gen_status iid_set_support(iid_extra *ex, int extra) {
    gen_support s;
    gen_status st = gen_dist_support(ex->c, &s);
    if (st != GEN_OK) return st;
    ex->sup.kind = s.kind;
    if (gen_scope_begin() != GEN_OK) return core_error_pending();
    unsigned token = ad_pause_all();
    ex->sup.lo = align_bound(ex->c, s.lo, extra);
    ex->sup.hi = align_bound(ex->c, s.hi, extra);
    ad_resume_all(token);
    gen_scope_end();
    if ((s.lo && !ex->sup.lo) || (s.hi && !ex->sup.hi)) return core_error_pending();
    return GEN_OK;
}

gen_dist *gen_iid(const gen_dist *d, int ndim, const int64_t *shape) {
    if (!d) {
        ctor_null("iid", "the distribution");
        return NULL;
    }
    if (ndim > 0 && !shape) {
        GEN_FAIL(GEN_ERR_MISUSE, "iid: shape is NULL (%d iid axes)", ndim);
        return NULL;
    }
    if (ndim < 0 || ndim + d->batch_ndim + d->event_ndim > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "iid: %d iid axes plus %s's %d batch and %d event axes exceed %d dimensions",
                 ndim, d->family->name, d->batch_ndim, d->event_ndim, GEN_MAX_DIMS);
        return NULL;
    }
    if (arr_check_shape("iid", ndim, shape) != GEN_OK) return NULL;
    int64_t ev[GEN_MAX_DIMS];
    if (ndim) memcpy(ev, shape, (size_t)ndim * sizeof *ev);
    memcpy(ev + ndim, d->event_shape, (size_t)d->event_ndim * sizeof *ev);
    iid_extra *ex = extra_new(d, ndim, &iid_template);
    if (!ex) return NULL;
    if (iid_set_support(ex, ndim + d->event_ndim) != GEN_OK) {
        iid_free(&ex->h);
        return NULL;
    }
    gen_dist *out = ctor_new(&ex->h, d->dtype, 0, NULL, d->batch_ndim, d->batch_shape, ndim + d->event_ndim, ev);
    return ctor_inherit_batched(out, 1, (gen_dist *const *)&d);
}

/* ---- independent ---- */

static gen_array *ind_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const iid_extra *ex = d->extra;
    int ns = ndim - d->batch_ndim - d->event_ndim;
    return ctor_draw(ex->c, key, ns, shape, ex->c->batch_ndim, ex->c->batch_shape);
}

static gen_array *ind_logpdf(const gen_dist *d, const gen_array *x) {
    const iid_extra *ex = d->extra;
    return dist_sum_last(gen_dist_logpdf(ex->c, x), ex->k);
}

static gen_status ind_support(const gen_dist *d, gen_support *out) {
    const iid_extra *ex = d->extra;
    return gen_dist_support(ex->c, out); /* same value layout: c's bounds align as they are */
}

static gen_bijection *ind_bijection(const gen_dist *d) {
    const iid_extra *ex = d->extra;
    return gen_dist_bijection(ex->c);
}

static gen_array *ind_enumerate(const gen_dist *d) {
    const iid_extra *ex = d->extra;
    return enum_repeat(d, ex->c, arr_shape_size(ex->k, d->event_shape));
}

static const dist_family ind_template = {
    .name = "independent",
    .sample = ind_sample,
    .logpdf = ind_logpdf,
    .support = ind_support,
    .enumerate = ind_enumerate,
    .bijection = ind_bijection,
};

gen_dist *gen_independent(const gen_dist *d, int nbatch) {
    if (!d) {
        ctor_null("independent", "the distribution");
        return NULL;
    }
    if (nbatch < 0 || nbatch > d->batch_ndim) {
        char s[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_VALUE, "independent: nbatch must be in 0..%d (%s has batch shape %s), got %d",
                 d->batch_ndim, d->family->name, CTOR_SHAPE(d->batch_ndim, d->batch_shape, s), nbatch);
        return NULL;
    }
    iid_extra *ex = extra_new(d, nbatch, &ind_template);
    if (!ex) return NULL;
    int nb = d->batch_ndim - nbatch;
    int64_t ev[GEN_MAX_DIMS];
    memcpy(ev, d->batch_shape + nb, (size_t)nbatch * sizeof *ev);
    memcpy(ev + nbatch, d->event_shape, (size_t)d->event_ndim * sizeof *ev);
    gen_dist *out = ctor_new(&ex->h, d->dtype, 0, NULL, nb, d->batch_shape, nbatch + d->event_ndim, ev);
    return ctor_inherit_batched(out, 1, (gen_dist *const *)&d);
}
