/* adev_dist.c — distributions annotated with an ADEV gradient strategy (gen_adev_with):
 * a constructor whose family forwards every function to the annotated distribution, so
 * that it is that distribution everywhere but in an ADEV run, which reads the strategy
 * (adev_unwrap). */
#include <string.h>

#include "adev_int.h"
#include "../distributions/constructors/ctor.h"

typedef struct adev_extra {
    ctor_extra h;
    gen_dist *inner; /* retained; never itself annotated */
    gen_adev_strategy s;
} adev_extra;

static void adev_extra_free(ctor_extra *h) {
    adev_extra *ex = (adev_extra *)h;
    gen_dist_release(ex->inner);
    core_free(ex, sizeof *ex);
}

static bool is_annotated(const gen_dist *d) {
    return d && d->family->free_extra == ctor_free_extra && d->extra &&
           ((const ctor_extra *)d->extra)->free_fn == adev_extra_free;
}

const gen_dist *adev_unwrap(const gen_dist *d, gen_adev_strategy *s) {
    if (!is_annotated(d)) {
        *s = GEN_ADEV_DEFAULT;
        return d;
    }
    const adev_extra *ex = d->extra;
    *s = ex->s;
    return ex->inner;
}

gen_adev_strategy gen_adev_strategy_of(const gen_dist *d) {
    gen_adev_strategy s;
    adev_unwrap(d, &s);
    return s;
}

static gen_array *fwd_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const gen_dist *in = ((const adev_extra *)d->extra)->inner;
    return in->family->sample(in, key, ndim, shape);
}

static gen_array *fwd_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_dist *in = ((const adev_extra *)d->extra)->inner;
    return in->family->logpdf(in, x);
}

static gen_status fwd_support(const gen_dist *d, gen_support *out) {
    const gen_dist *in = ((const adev_extra *)d->extra)->inner;
    return in->family->support(in, out);
}

static gen_array *fwd_enumerate(const gen_dist *d) {
    const gen_dist *in = ((const adev_extra *)d->extra)->inner;
    return in->family->enumerate(in);
}

static gen_bijection *fwd_bijection(const gen_dist *d) {
    const gen_dist *in = ((const adev_extra *)d->extra)->inner;
    return gen_dist_bijection(in);
}

gen_status adev_check_strategy(const gen_dist *d, gen_adev_strategy s) {
    const char *name = d->family->name;
    bool single = d->batch_ndim == 0 && d->event_ndim == 0;
    switch (s) {
    case GEN_ADEV_DEFAULT:
    case GEN_ADEV_REINFORCE:
        return GEN_OK;
    case GEN_ADEV_REPARAM:
        if (d->family->rsample) return GEN_OK;
        return GEN_FAIL(GEN_ERR_VALUE, "adev: reparam needs a reparameterized sampler, %s has none", name);
    case GEN_ADEV_ENUM:
        if (!d->family->enumerate)
            return GEN_FAIL(GEN_ERR_VALUE, "adev: enum needs a finite support, %s has none", name);
        if (!single)
            return GEN_FAIL(GEN_ERR_VALUE, "adev: enum needs a single value (empty batch and event shapes), "
                            "%s has %d batch and %d event axes", name, d->batch_ndim, d->event_ndim);
        return GEN_OK;
    case GEN_ADEV_MVD:
        if (strcmp(name, "bernoulli") && strcmp(name, "bernoulli_logit"))
            return GEN_FAIL(GEN_ERR_VALUE, "adev: mvd is defined for bernoulli choices, not %s", name);
        if (!single)
            return GEN_FAIL(GEN_ERR_VALUE, "adev: mvd needs a single value (empty batch and event shapes), "
                            "%s has %d batch and %d event axes", name, d->batch_ndim, d->event_ndim);
        return GEN_OK;
    }
    return GEN_FAIL(GEN_ERR_VALUE, "adev: unknown strategy %d", (int)s);
}

static gen_dist *annotate(const char *fn, const gen_dist *d, gen_adev_strategy s) {
    if (!d) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the distribution is NULL", fn);
        return NULL;
    }
    if (core_dead(d)) {
        dist_dead_fail(fn, "the distribution", d);
        return NULL;
    }
    gen_adev_strategy old;
    const gen_dist *in = adev_unwrap(d, &old);
    if (adev_check_strategy(in, s) != GEN_OK) return NULL;
    adev_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) return NULL;
    ex->h.fam = *in->family;
    ex->h.fam.sample = in->family->sample ? fwd_sample : NULL;
    ex->h.fam.logpdf = fwd_logpdf;
    ex->h.fam.support = fwd_support;
    ex->h.fam.enumerate = in->family->enumerate ? fwd_enumerate : NULL;
    ex->h.fam.bijection = fwd_bijection;
    ex->h.fam.extra_is_support = false; /* the sampler reads the annotated distribution */
    ex->h.free_fn = adev_extra_free;
    ex->inner = gen_dist_retain((gen_dist *)in);
    ex->s = s;
    gen_dist *w = ctor_new(&ex->h, in->dtype, in->n_params, (gen_array *const *)in->params, in->batch_ndim,
                           in->batch_shape, in->event_ndim, in->event_shape);
    if (w) w->batched = in->batched;
    return w;
}

gen_dist *gen_adev_with(const gen_dist *d, gen_adev_strategy s) { return annotate("gen_adev_with", d, s); }
gen_dist *gen_adev_reparam(const gen_dist *d) { return annotate("gen_adev_reparam", d, GEN_ADEV_REPARAM); }
gen_dist *gen_adev_reinforce(const gen_dist *d) { return annotate("gen_adev_reinforce", d, GEN_ADEV_REINFORCE); }
gen_dist *gen_adev_enum(const gen_dist *d) { return annotate("gen_adev_enum", d, GEN_ADEV_ENUM); }
gen_dist *gen_adev_mvd(const gen_dist *d) { return annotate("gen_adev_mvd", d, GEN_ADEV_MVD); }
