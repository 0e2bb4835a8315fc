/* broadcasted_normal.c — BroadcastedNormal(mu, sigma): one array-valued choice of
 * independent Normal(mu, sigma) elements; the event shape is broadcast(mu, sigma) and the
 * batch shape is empty (Gen.jl's broadcasted_normal; in batched mode, the particle axis).
 * Reparameterized. */
#include <math.h>
#include <string.h>

#include "../dist_int.h"
#include "../../array/autodiff_int.h"

#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

static const char *const names[] = {"mu", "sigma"};

static gen_array *broadcasted_normal_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    return arr_scope_return(gen_add(d->params[0], gen_mul(d->params[1], z)));
}

/* The NORMAL_LOGPDF_SUM row (ops_fused.def: the array path's sums in one C pass,
 * without its temporaries) when everything is f64 and either nothing is differentiated
 * and sigma is one value with mu of the full batch + event shape and x of that shape or
 * of the event shape, or one reverse-mode transform records (ad_single_reverse) the
 * unbatched case with x of the event shape and mu, sigma each of it or one value: one
 * tape node whose gradient rule computes in C. False: not this case. */
static bool ad_fits(const gen_array *p, int ne, const int64_t *event_shape) {
    return p->size == 1 || (p->ndim == ne && !memcmp(p->shape, event_shape, (size_t)ne * sizeof(int64_t)));
}

static bool fused_case(const gen_dist *d, const gen_array *x) {
    const gen_array *mu = d->params[0], *sg = d->params[1];
    int nb = d->batch_ndim, ne = d->event_ndim;
    if (mu->dtype != GEN_F64 || sg->dtype != GEN_F64 || x->dtype != GEN_F64) return false;
    if (ad_differentiating())
        return nb == 0 && ad_single_reverse() && x->ndim == ne &&
               !memcmp(x->shape, d->event_shape, (size_t)ne * sizeof(int64_t)) && ad_fits(mu, ne, d->event_shape) &&
               ad_fits(sg, ne, d->event_shape);
    if (sg->size != 1 || mu->ndim != nb + ne || memcmp(mu->shape, d->batch_shape, (size_t)nb * sizeof(int64_t)) ||
        memcmp(mu->shape + nb, d->event_shape, (size_t)ne * sizeof(int64_t)))
        return false;
    bool full = x->ndim == mu->ndim && !memcmp(x->shape, mu->shape, (size_t)mu->ndim * sizeof(int64_t));
    return full || (x->ndim == ne && !memcmp(x->shape, d->event_shape, (size_t)ne * sizeof(int64_t)));
}

/* The normal log density of each element, summed over the event axes. */
static gen_array *broadcasted_normal_logpdf(const gen_dist *d, const gen_array *x) {
    if (fused_case(d, x)) {
        gen_array *in[3] = {(gen_array *)x, d->params[0], d->params[1]};
        op_params p = {.ndim = d->event_ndim};
        return op_apply_physical(OP_NORMAL_LOGPDF_SUM, 3, in, &p);
    }
    gen_array *z = gen_div(gen_sub(x, d->params[0]), d->params[1]);
    gen_array *lp = gen_sub(gen_mul(dist_const(z, -0.5), gen_square(z)), gen_log(d->params[1]));
    return dist_sum_last(gen_sub(lp, dist_const(lp, HALF_LOG_2PI)), d->event_ndim);
}

static gen_status broadcasted_normal_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

static const dist_family broadcasted_normal_family = {
    .name = "broadcasted_normal",
    .param_names = names,
    .sample = broadcasted_normal_sample,
    .rsample = true,
    .logpdf = broadcasted_normal_logpdf,
    .support = broadcasted_normal_support,
};

gen_dist *gen_broadcasted_normal(const gen_array *mu, const gen_array *sigma) {
    const char *f = "broadcasted_normal";
    if (dist_check_finite(f, "mu", mu) != GEN_OK || dist_check_positive_finite(f, "sigma", sigma) != GEN_OK)
        return NULL;
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    gen_array *p[2] = {(gen_array *)mu, (gen_array *)sigma};
    if (arr_batch_n && arr_batch_align(2, p) != GEN_OK) return NULL; /* batched mode */
    if (arr_broadcast_shapes(f, p[0]->ndim, p[0]->shape, p[1]->ndim, p[1]->shape, &nd, shape) != GEN_OK)
        return NULL;
    gen_dtype t = mu->dtype == GEN_F32 && sigma->dtype == GEN_F32 ? GEN_F32 : GEN_F64;
    /* batched parameters: the particle axis is a batch axis, the rest one event */
    int nb = (p[0]->batched || p[1]->batched) && nd > 0 ? 1 : 0;
    return dist_new(&broadcasted_normal_family, t, 2, p, nb, shape, nd - nb, shape + nb);
}
