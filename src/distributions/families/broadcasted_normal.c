/* broadcasted_normal.c — BroadcastedNormal(mu, sigma): one array-valued choice of
 * independent Normal(mu, sigma) elements; the event shape is broadcast(mu, sigma) and the
 * batch shape is empty (Gen.jl's broadcasted_normal; in batched mode, the particle axis).
 * Reparameterized. */
#include <math.h>
#include <stdint.h>
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

/* One pass in C (fused_logpdf) when nothing is differentiated and the common shapes hold (f64, one
 * sigma, mu of the full batch + event shape, x of that shape or of the event shape):
 * the same sums as the array path, without its temporaries. NULL: not this case. */
static bool fused_case(const gen_dist *d, const gen_array *x, bool *full) {
    const gen_array *mu = d->params[0], *sg = d->params[1];
    int nb = d->batch_ndim, ne = d->event_ndim;
    if (ad_active() || mu->dtype != GEN_F64 || sg->dtype != GEN_F64 || x->dtype != GEN_F64 ||
        sg->size != 1 || mu->ndim != nb + ne ||
        memcmp(mu->shape, d->batch_shape, (size_t)nb * sizeof(int64_t)) ||
        memcmp(mu->shape + nb, d->event_shape, (size_t)ne * sizeof(int64_t)))
        return false;
    *full = x->ndim == mu->ndim && !memcmp(x->shape, mu->shape, (size_t)mu->ndim * sizeof(int64_t));
    bool shared = x->ndim == ne && !memcmp(x->shape, d->event_shape, (size_t)ne * sizeof(int64_t));
    return *full || shared;
}

static gen_array *fused_logpdf(const gen_dist *d, const gen_array *x, bool full) {
    const gen_array *mu = d->params[0], *sg = d->params[1];
    int nb = d->batch_ndim;
    gen_array *out = arr_alloc(GEN_F64, nb, d->batch_shape);
    if (!out) return NULL;
    int64_t rows = out->size, m = rows ? mu->size / rows : 0;
    double sigma = *(const double *)sg->data, norm = (double)m * (log(sigma) + HALF_LOG_2PI);
    const double *xv = x->data, *mv = mu->data;
    double *o = out->data;
    double inv = 1 / sigma;
    for (int64_t r = 0; r < rows; r++) {
        const double *xr = full ? xv + r * m : xv, *mr = mv + r * m;
        double acc[4] = {0, 0, 0, 0}; /* four partial sums: independent chains vectorize */
        int64_t j = 0;
        for (; j + 4 <= m; j += 4)
            for (int k = 0; k < 4; k++) {
                double z = (xr[j + k] - mr[j + k]) * inv;
                acc[k] += z * z;
            }
        for (; j < m; j++) {
            double z = (xr[j] - mr[j]) * inv;
            acc[0] += z * z;
        }
        o[r] = -0.5 * ((acc[0] + acc[1]) + (acc[2] + acc[3])) - norm;
    }
    return arr_publish(out);
}

/* Under one reverse-mode transform (ad_single_reverse), the unbatched f64 case with x of
 * the event shape and mu, sigma each of the event shape or one value is one tape node:
 * the log density and the cotangents of x, mu and sigma computed in C (ad_value,
 * ad_vjp; payload: a bit per input that carries a tape link, so only those are
 * computed). */
static bool ad_fits(const gen_array *p, int ne, const int64_t *event_shape) {
    return p->dtype == GEN_F64 &&
           (p->size == 1 || (p->ndim == ne && !memcmp(p->shape, event_shape, (size_t)ne * sizeof(int64_t))));
}

static bool ad_case(const gen_dist *d, const gen_array *x) {
    int ne = d->event_ndim;
    return d->batch_ndim == 0 && ad_single_reverse() && x->dtype == GEN_F64 && x->ndim == ne &&
           !memcmp(x->shape, d->event_shape, (size_t)ne * sizeof(int64_t)) &&
           ad_fits(d->params[0], ne, d->event_shape) && ad_fits(d->params[1], ne, d->event_shape);
}

/* The log density of x (m elements) under mu and sigma (strides 0 for one value, 1 for
 * all): with one sigma, fused_logpdf's sums; else the sum of -z^2 / 2 - log sigma_j. */
static double ad_value(const double *xv, const double *mv, int64_t sm, const double *sv, int64_t ss, int64_t m) {
    double acc[4] = {0, 0, 0, 0};
    if (!ss) {
        double inv = 1 / sv[0];
        int64_t j = 0;
        for (; j + 4 <= m; j += 4)
            for (int k = 0; k < 4; k++) {
                double z = (xv[j + k] - mv[(j + k) * sm]) * inv;
                acc[k] += z * z;
            }
        for (; j < m; j++) {
            double z = (xv[j] - mv[j * sm]) * inv;
            acc[0] += z * z;
        }
        return -0.5 * ((acc[0] + acc[1]) + (acc[2] + acc[3])) - (double)m * (log(sv[0]) + HALF_LOG_2PI);
    }
    double sum = 0;
    for (int64_t j = 0; j < m; j++) {
        double z = (xv[j] - mv[j * sm]) / sv[j];
        sum += -0.5 * (z * z) - log(sv[j]);
    }
    return sum - (double)m * HALF_LOG_2PI;
}

/* d lp / d mu_j = (x_j - mu_j) / sigma_j^2 = -d lp / d x_j; d lp / d sigma_j =
 * (z_j^2 - 1) / sigma_j; a parameter given as one value gets the sum over j. */
static gen_status ad_vjp(void *payload, int n_in, gen_array *const *in, int n_out,
                         gen_array *const *out, gen_array *const *cot, gen_array **cin) {
    (void)n_in, (void)n_out, (void)out;
    unsigned need = (unsigned)(uintptr_t)payload;
    const gen_array *x = in[0], *mu = in[1], *sg = in[2];
    gen_array *gx = need & 1 ? arr_alloc(GEN_F64, x->ndim, x->shape) : NULL;
    gen_array *gm = need & 2 ? arr_alloc(GEN_F64, mu->ndim, mu->shape) : NULL;
    gen_array *gs = need & 4 ? arr_alloc(GEN_F64, sg->ndim, sg->shape) : NULL;
    cin[0] = arr_publish(gx), cin[1] = arr_publish(gm), cin[2] = arr_publish(gs);
    if ((need & 1 && !cin[0]) || (need & 2 && !cin[1]) || (need & 4 && !cin[2])) return core_error_pending();
    int64_t m = x->size, sm = mu->size == 1 ? 0 : 1, ss = sg->size == 1 ? 0 : 1;
    double g = *(const double *)cot[0]->data;
    const double *xv = x->data, *mv = mu->data, *sv = sg->data;
    double *dx = gx ? gx->data : NULL, *dm = gm ? gm->data : NULL, *ds = gs ? gs->data : NULL;
    if (dm && !sm) dm[0] = 0;
    if (ds && !ss) ds[0] = 0;
    for (int64_t j = 0; j < m; j++) {
        double inv = 1 / sv[j * ss], z = (xv[j] - mv[j * sm]) * inv, dmu = g * z * inv;
        if (dx) dx[j] = -dmu;
        double dsg = g * (z * z - 1) * inv;
        if (dm && sm) dm[j] = dmu;
        else if (dm) dm[0] += dmu; /* one value: the sum */
        if (ds && ss) ds[j] = dsg;
        else if (ds) ds[0] += dsg;
    }
    return GEN_OK;
}

static gen_array *ad_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *in[3] = {(gen_array *)x, d->params[0], d->params[1]};
    unsigned need = 0;
    for (int i = 0; i < 3; i++) need |= in[i]->ad ? 1u << i : 0u;
    const gen_array *mu = in[1], *sg = in[2];
    gen_array *lp = gen_scalar(ad_value(x->data, mu->data, mu->size == 1 ? 0 : 1, sg->data, sg->size == 1 ? 0 : 1,
                                        x->size));
    if (lp && need && ad_record_custom(ad_vjp, (void *)(uintptr_t)need, 3, in, 1, &lp) != GEN_OK) return NULL;
    return lp;
}

/* The normal log density of each element, summed over the event axes. */
static gen_array *broadcasted_normal_logpdf(const gen_dist *d, const gen_array *x) {
    bool full;
    if (fused_case(d, x, &full)) return fused_logpdf(d, x, full);
    if (ad_case(d, x)) return ad_logpdf(d, x);
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
    if (dist_check_finite(f, "mu", mu) != GEN_OK || dist_check_positive(f, "sigma", sigma) != GEN_OK)
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
