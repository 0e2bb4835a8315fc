/* transformed.c — the distribution of f(X), X ~ base, for a bijection f (elementwise, or
 * acting on the last event axis of a vector-valued base).
 *
 * Shapes come from applying f once to zeros of the base's batch + event shape: f's
 * parameters may broadcast the batch (affine(loc[3], scale[3]) on a scalar normal gives
 * batch [3]), and a vector bijection may change the last event dimension (stick-breaking
 * maps K-1 to K). The result must map back: f's unconstrained shape of the new event
 * shape is the base's event shape. logpdf(y) = base.logpdf(u) - log|det J_f(u)|,
 * u = f^-1(y); y outside f's image (u not finite) has density 0. The support is f's
 * codomain kind when the base is supported on the whole real line (bounds are not
 * tracked), else custom; the bijection to unconstrained space is f after the base's. */
#include <string.h>

#include "ctor.h"
#include "../../array/autodiff_int.h"

typedef struct tr_extra {
    ctor_extra h;
    gen_dist *base;
    gen_bijection *f;
    gen_array *ysafe; /* f(0): a point of f's image, substituted outside it */
} tr_extra;

static void tr_free(ctor_extra *h) {
    tr_extra *ex = (tr_extra *)h;
    gen_dist_release(ex->base);
    gen_bijection_release(ex->f);
    gen_array_release(ex->ysafe);
    core_free(ex, sizeof *ex);
}

static gen_array *tr_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const tr_extra *ex = d->extra;
    int ns = ndim - d->batch_ndim - d->event_ndim;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *x = ctor_draw(ex->base, key, ns, shape, d->batch_ndim, shape + ns);
    return arr_scope_return(gen_bijection_forward(ex->f, x));
}

/* The double-where pattern: find where f^-1(y) is finite without recording, substitute
 * f(0) elsewhere, then evaluate. */
static gen_array *tr_logpdf(const gen_dist *d, const gen_array *y) {
    const tr_extra *ex = d->extra;
    int be = ex->base->event_ndim, fe = ex->f->event_ndim;
    gen_array *probe = gen_bijection_inverse(ex->f, gen_stop_gradient(y));
    if (!probe) return NULL;
    int axes[GEN_MAX_DIMS];
    for (int i = 0; i < be; i++) axes[i] = probe->ndim - be + i;
    gen_array *ok = gen_all(gen_isfinite(probe), be, axes, false), *okx = ok;
    for (int i = 0; i < d->event_ndim; i++) okx = gen_expand_dims(okx, -1);
    gen_array *u = gen_bijection_inverse(ex->f, gen_where(okx, y, dist_beside(ex->ysafe, y)));
    gen_array *lp = gen_dist_logpdf(ex->base, u);
    gen_array *ld = dist_sum_last(gen_bijection_log_det_jacobian(ex->f, u), be - fe);
    return dist_mask_support(ok, gen_sub(lp, ld));
}

static gen_status tr_support(const gen_dist *d, gen_support *out) {
    const tr_extra *ex = d->extra;
    gen_support s;
    gen_status st = gen_dist_support(ex->base, &s);
    if (st != GEN_OK) return st;
    out->kind = s.kind == GEN_SUPPORT_REAL ? ex->f->kind->codomain : GEN_SUPPORT_CUSTOM;
    if (!strcmp(ex->f->kind->name, "identity")) *out = s;
    return GEN_OK;
}

static gen_bijection *tr_bijection(const gen_dist *d) {
    const tr_extra *ex = d->extra;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_bijection *b = gen_bijection_compose(ex->f, gen_dist_bijection(ex->base));
    b = gen_bijection_scope_return(b);
    gen_scope_end();
    return b;
}

static const dist_family tr_template = {
    .name = "transformed",
    .sample = tr_sample,
    .logpdf = tr_logpdf,
    .support = tr_support,
    .bijection = tr_bijection,
};

static gen_status check_args(const gen_dist *base, const gen_bijection *f) {
    if (!base) return ctor_null("transformed", "base");
    if (!f) return ctor_null("transformed", "the bijection");
    if (base->family->discrete)
        return GEN_FAIL(GEN_ERR_VALUE, "transformed: the base must be continuous, got %s (discrete)",
                        base->family->name);
    if (f->event_ndim > 1)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED,
                        "transformed: bijection %s acts on events of rank %d (only 0 and 1 are supported)",
                        f->kind->name, f->event_ndim);
    if (f->event_ndim > base->event_ndim) {
        char s[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "transformed: bijection %s acts on vectors but %s has event shape %s",
                        f->kind->name, base->family->name,
                        CTOR_SHAPE(base->event_ndim, base->event_shape, s));
    }
    return GEN_OK;
}

/* y0 = f(zeros(base batch + event)); its shape gives the batch and event shapes. Made on
 * the device of the base's parameters, else of f's, when one is on a device. */
static gen_array *probe_image(const gen_dist *base, const gen_bijection *f) {
    int64_t sh[GEN_MAX_DIMS];
    int n = base->batch_ndim + base->event_ndim;
    memcpy(sh, base->batch_shape, (size_t)base->batch_ndim * sizeof *sh);
    memcpy(sh + base->batch_ndim, base->event_shape, (size_t)base->event_ndim * sizeof *sh);
    unsigned token = ad_pause_all();
    const backend *saved = dist_follow_device(base, NULL);
    if (arr_creation_be == saved) dist_follow(2, (const gen_array *const *)f->params);
    gen_array *y0 = gen_bijection_forward(f, gen_zeros(base->dtype, n, sh));
    arr_creation_restore(saved);
    ad_resume_all(token);
    return y0;
}

/* The new event shape must map back onto the base's under f's unconstrained shape. */
static gen_status check_round_trip(const gen_dist *base, const gen_bijection *f, int ne, const int64_t *ev) {
    int un;
    int64_t us[GEN_MAX_DIMS];
    gen_status st = gen_bijection_unconstrained_shape(f, ne, ev, &un, us);
    if (st != GEN_OK) return st;
    if (un == base->event_ndim && !memcmp(us, base->event_shape, (size_t)un * sizeof *us)) return GEN_OK;
    char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX], c[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE,
                    "transformed: bijection %s maps the base event shape %s to %s, whose unconstrained shape is %s",
                    f->kind->name, CTOR_SHAPE(base->event_ndim, base->event_shape, a),
                    CTOR_SHAPE(ne, ev, b), CTOR_SHAPE(un, us, c));
}

gen_dist *gen_transformed(const gen_dist *base, const gen_bijection *f) {
    if (check_args(base, f) != GEN_OK || gen_scope_begin() != GEN_OK) return NULL;
    gen_array *y0 = probe_image(base, f);
    if (!y0 || y0->ndim < base->event_ndim) {
        if (y0) GEN_FAIL(GEN_ERR_SHAPE, "transformed: bijection %s changed the rank of the base's events", f->kind->name);
        else core_error_prefix("transformed: applying bijection %s to the base's shape", f->kind->name);
        gen_scope_end();
        return NULL;
    }
    int ne = base->event_ndim, nb = y0->ndim - ne;
    const int64_t *ev = y0->shape + nb;
    if (check_round_trip(base, f, ne, ev) != GEN_OK) {
        gen_scope_end();
        return NULL;
    }
    tr_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) {
        gen_scope_end();
        return NULL;
    }
    ex->h.fam = tr_template;
    ex->h.fam.rsample = base->family->rsample && base->family->sample;
    ex->h.free_fn = tr_free;
    ex->base = gen_dist_retain((gen_dist *)base);
    ex->f = gen_bijection_retain((gen_bijection *)f);
    ex->ysafe = gen_array_retain(y0);
    gen_scope_end();
    /* the new distribution belongs to the caller's scope, not the one closed above */
    gen_dist *d = ctor_new(&ex->h, (gen_dtype)ex->ysafe->dtype, 0, NULL, nb, ex->ysafe->shape, ne,
                           ex->ysafe->shape + nb);
    return ctor_inherit_batched(d, 1, (gen_dist *const *)&base);
}
