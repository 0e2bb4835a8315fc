/* ordered.c — gen_ordered: the order statistics of K iid draws of a scalar distribution
 * (Stan's `ordered[K] c; c ~ d;` up to the constant log K!). Built on gen_iid(d, [K]),
 * whose values have the same layout (d's batch + [K]): a draw is the iid draw sorted
 * along the last axis, and the density is K! times the iid density on strictly
 * increasing vectors, 0 elsewhere. */
#include <math.h>

#include "ctor.h"

typedef struct ordered_extra {
    ctor_extra h;
    gen_dist *iid; /* gen_iid(d, 1, [K]), retained */
    gen_support_kind kind;
} ordered_extra;

static void ordered_free(ctor_extra *h) {
    ordered_extra *ex = (ordered_extra *)h;
    gen_dist_release(ex->iid);
    core_free(ex, sizeof *ex);
}

/* The iid draw (same batch and event shapes as d) sorted: the sort carries no gradient
 * here, so the family is not reparameterized. */
static gen_array *ordered_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const ordered_extra *ex = d->extra;
    return gen_sort(ex->iid->family->sample(ex->iid, key, ndim, shape), -1);
}

/* x_(k+1) > x_k for every k (NaN fails), over the last axis (true for K = 1). */
static gen_array *increasing(const gen_array *x) {
    int64_t k = x->shape[x->ndim - 1];
    gen_array *up = gen_gt(gen_slice(x, -1, 1, GEN_END, 1), gen_slice(x, -1, 0, k - 1, 1));
    return gen_all(up, GEN_AXES(-1), false);
}

static gen_array *ordered_logpdf(const gen_dist *d, const gen_array *x) {
    const ordered_extra *ex = d->extra;
    gen_array *lp = gen_dist_logpdf(ex->iid, x); /* finite off the order too: masking is enough */
    if (!lp) return NULL;
    double log_k_fact = lgamma((double)d->event_shape[0] + 1);
    return dist_mask_support(increasing(x), gen_add(lp, dist_const(lp, log_k_fact)));
}

static gen_status ordered_support(const gen_dist *d, gen_support *out) {
    out->kind = ((const ordered_extra *)d->extra)->kind;
    return GEN_OK;
}

static const dist_family ordered_template = {
    .name = "ordered",
    .sample = ordered_sample,
    .logpdf = ordered_logpdf,
    .support = ordered_support,
};

gen_dist *gen_ordered(const gen_dist *d, int64_t K) {
    if (!d) {
        ctor_null("ordered", "the distribution");
        return NULL;
    }
    if (core_dead(d)) {
        dist_dead_fail("gen_ordered", "the distribution", d);
        return NULL;
    }
    if (K < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "ordered: K must be >= 1, got %lld", (long long)K);
        return NULL;
    }
    if (d->event_ndim != 0 || d->family->discrete) {
        GEN_FAIL(GEN_ERR_VALUE, "ordered: needs a continuous distribution with scalar events, got %s (%s, %d event axes)",
                 d->family->name, d->family->discrete ? "discrete" : "continuous", d->event_ndim);
        return NULL;
    }
    gen_support s;
    if (gen_dist_support(d, &s) != GEN_OK) return NULL;
    if (s.kind != GEN_SUPPORT_REAL && s.kind != GEN_SUPPORT_POSITIVE) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED,
                 "ordered: the support of %s is %s; only the real line (ordered) and (0, inf) (positive_ordered) are supported",
                 d->family->name, gen_support_name(s.kind));
        return NULL;
    }
    ordered_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) return NULL;
    ex->h.fam = ordered_template;
    if (!d->family->sample) ex->h.fam.sample = NULL; /* an improper d: no draws */
    ex->h.free_fn = ordered_free;
    ex->kind = s.kind == GEN_SUPPORT_REAL ? GEN_SUPPORT_ORDERED : GEN_SUPPORT_POSITIVE_ORDERED;
    if (gen_scope_begin() != GEN_OK) {
        ordered_free(&ex->h);
        return NULL;
    }
    ex->iid = gen_dist_retain(gen_iid(d, 1, &K));
    gen_scope_end();
    if (!ex->iid) {
        ordered_free(&ex->h);
        return NULL;
    }
    gen_dist *out = ctor_new(&ex->h, d->dtype, 0, NULL, d->batch_ndim, d->batch_shape, 1, &K);
    return ctor_inherit_batched(out, 1, (gen_dist *const *)&d);
}
