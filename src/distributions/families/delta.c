/* delta.c — Delta(v): all mass on the array v (event shape = v's shape, dtype of v).
 * logpdf is 0 where the whole event equals v exactly and -inf elsewhere; it has no
 * gradient path (zero gradients). Integer / bool v make a discrete family. */
#include "../dist_int.h"

static const char *const names[] = {"v"};

static gen_array *delta_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    (void)key;
    return gen_broadcast_to(d->params[0], ndim, shape);
}

static gen_array *delta_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *v = d->params[0];
    gen_array *eq = gen_eq(x, v);
    if (d->event_ndim > 0) {
        int axes[GEN_MAX_DIMS];
        for (int i = 0; i < d->event_ndim; i++) axes[i] = eq ? eq->ndim - d->event_ndim + i : 0;
        eq = gen_all(eq, d->event_ndim, axes, false);
    }
    gen_array *zero = v->dtype == GEN_F32 ? gen_scalar_f32(0) : gen_scalar(0);
    return dist_mask_support(eq, zero);
}

static gen_status delta_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_POINT;
    out->lo = out->hi = d->params[0];
    return GEN_OK;
}

/* The one point: shape [1] + event. */
static gen_array *delta_enumerate(const gen_dist *d) { return gen_expand_dims(d->params[0], 0); }

static const dist_family delta_family = {
    .name = "delta",
    .param_names = names,
    .sample = delta_sample,
    .rsample = true,
    .logpdf = delta_logpdf,
    .support = delta_support,
    .enumerate = delta_enumerate,
};

static const dist_family delta_discrete_family = {
    .name = "delta",
    .param_names = names,
    .discrete = true,
    .sample = delta_sample,
    .logpdf = delta_logpdf,
    .support = delta_support,
    .enumerate = delta_enumerate,
};

gen_dist *gen_delta(const gen_array *v) {
    if (dist_check_not_nan("delta", "v", v) != GEN_OK) return NULL;
    bool discrete = !arr_is_float((gen_dtype)v->dtype);
    gen_array *p[1] = {(gen_array *)v};
    return dist_new(discrete ? &delta_discrete_family : &delta_family, (gen_dtype)v->dtype, 1, p, 0,
                    NULL, v->ndim, v->shape);
}
