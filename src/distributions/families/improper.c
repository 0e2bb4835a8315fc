/* improper.c — the improper flat priors: flat (density 1 on the reals) and half_flat
 * (density 1 on (0, inf)), of a given event shape. No sampler (gen_dist_sample reports
 * GEN_ERR_UNSUPPORTED); their supports give inference the identity / exp bijections. */
#include "../dist_int.h"

/* 0 where every element of the event is in the support (finite, and > 0 for
 * half_flat), -inf elsewhere; f32 values give f32. */
static gen_array *improper_logpdf(const gen_dist *d, const gen_array *x, bool positive) {
    gen_array *ok = gen_isfinite(x);
    if (positive) ok = gen_logical_and(ok, gen_gt(x, gen_scalar_i64(0)));
    if (d->event_ndim > 0) {
        int axes[GEN_MAX_DIMS];
        for (int i = 0; i < d->event_ndim; i++) axes[i] = ok ? ok->ndim - d->event_ndim + i : 0;
        ok = gen_all(ok, d->event_ndim, axes, false);
    }
    return dist_mask_support(ok, x->dtype == GEN_F32 ? gen_scalar_f32(0) : gen_scalar(0));
}

static gen_array *flat_logpdf(const gen_dist *d, const gen_array *x) { return improper_logpdf(d, x, false); }
static gen_array *half_flat_logpdf(const gen_dist *d, const gen_array *x) { return improper_logpdf(d, x, true); }

static gen_status flat_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

static gen_status half_flat_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE;
    return GEN_OK;
}

static const dist_family flat_family = {
    .name = "flat", .logpdf = flat_logpdf, .support = flat_support,
};

static const dist_family half_flat_family = {
    .name = "half_flat", .logpdf = half_flat_logpdf, .support = half_flat_support,
};

static gen_dist *improper_new(const dist_family *f, int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: ndim must be in 0..%d, got %d", f->name, GEN_MAX_DIMS, ndim);
        return NULL;
    }
    if (ndim > 0 && !shape) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the event shape is NULL (ndim %d)", f->name, ndim);
        return NULL;
    }
    if (arr_check_shape(f->name, ndim, shape) != GEN_OK) return NULL;
    return dist_new(f, GEN_F64, 0, NULL, 0, NULL, ndim, shape);
}

gen_dist *gen_flat(int ndim, const int64_t *event_shape) { return improper_new(&flat_family, ndim, event_shape); }
gen_dist *gen_half_flat(int ndim, const int64_t *event_shape) {
    return improper_new(&half_flat_family, ndim, event_shape);
}
