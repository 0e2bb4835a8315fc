/* cpu_fused.c — CPU kernels of the fused rows of ops_fused.def (the normal log density
 * elementwise and summed over events, a scalar family's density, the scalar
 * bijections, the sum of a model's score terms, custom VJPs). Formulas from
 * array/fused_math.h, shared with the rows' C gradient rules. */
#include <string.h>

#include "../../array/fused_math.h"
#include "cpu.h"

static double f64_of(const gen_array *a) { return *(const double *)a->data; }

gen_status cpu_normal_logpdf(const op_call *c) {
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    int64_t n = c->out->size;
    double *o = c->out->data;
    if (n == 1 && x->size == 1 && mu->size == 1 && sg->size == 1) { /* the scalar case of gradients */
        o[0] = fused_normal_lpdf(f64_of(x), f64_of(mu), f64_of(sg));
        return GEN_OK;
    }
    if ((x->size == 1 || x->size == n) && (mu->size == 1 || mu->size == n) && (sg->size == 1 || sg->size == n)) {
        /* each one value or the full shape: one pass */
        const double *xv = x->data, *mv = mu->data, *sv = sg->data;
        int64_t sx = x->size == n, sm = mu->size == n, ss = sg->size == n;
        for (int64_t i = 0; i < n; i++) {
            double z = (xv[i * sx] - mv[i * sm]) / sv[i * ss];
            o[i] = (-0.5 * (z * z) - log(sv[i * ss])) - FUSED_HALF_LOG_2PI;
        }
        return GEN_OK;
    }
    cpu_iter it;
    cpu_iter_broadcast(&it, c, 3);
    const double *xv = x->data, *mv = mu->data, *sv = sg->data;
    for (int64_t k = 0; !it.done; cpu_iter_next(&it))
        for (int64_t j = 0; j < it.inner; j++, k++)
            o[k] = fused_normal_lpdf(xv[it.off[0] + j * it.step[0]], mv[it.off[1] + j * it.step[1]],
                                     sv[it.off[2] + j * it.step[2]]);
    return GEN_OK;
}

gen_status cpu_normal_logpdf_sum(const op_call *c) {
    const gen_array *x = c->in[0], *mu = c->in[1], *sg = c->in[2];
    double *o = c->out->data;
    int64_t rows = c->out->size;
    bool full;
    if (fused_normal_sum_rows(x, mu, sg, c->p->ndim, &full)) { /* batch rows of mu, one sigma */
        /* fused_normal_lpdf_sum's one-sigma sums with unit strides spelled out (so they
         * vectorize): the same operations in the same order */
        int64_t m = rows ? mu->size / rows : 0;
        const double *xv = x->data, *mv = mu->data;
        double sigma = f64_of(sg), inv = 1 / sigma, norm = (double)m * (log(sigma) + FUSED_HALF_LOG_2PI);
        for (int64_t r = 0; r < rows; r++) {
            const double *xr = full ? xv + r * m : xv, *mr = mv + r * m;
            double acc[4] = {0, 0, 0, 0};
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
        return GEN_OK;
    }
    o[0] = fused_normal_lpdf_sum(x->data, mu->data, mu->size == 1 ? 0 : 1, sg->data, sg->size == 1 ? 0 : 1, x->size);
    return GEN_OK;
}

gen_status cpu_scalar_logpdf(const op_call *c) {
    double p[OP_SCALAR_MAX_PARAMS] = {0}, g[OP_SCALAR_MAX_PARAMS + 1];
    for (int i = 1; i < c->n_in; i++) p[i - 1] = f64_of(c->in[i]);
    *(double *)c->out->data = c->p->scalar_grad(p, f64_of(c->in[0]), g);
    return GEN_OK;
}

gen_status cpu_bijection_scalar(const op_call *c) {
    double p[2] = {0, 0}, dx[3], dld[3];
    for (int i = 1; i < c->n_in; i++) p[i - 1] = f64_of(c->in[i]);
    bij_scalar_eval((int)c->p->k, f64_of(c->in[0]), p, c->outs[0]->data, c->outs[1]->data, dx, dld);
    return GEN_OK;
}

gen_status cpu_sum_scalars(const op_call *c) {
    double s = f64_of(c->in[0]);
    for (int i = 1; i < c->n_in; i++) s += f64_of(c->in[i]);
    *(double *)c->out->data = s;
    return GEN_OK;
}

/* Dispatch makes custom_vjp's outputs views of the forward outputs; as a kernel (for a
 * backend that copies instead) it copies them. */
gen_status cpu_custom_vjp(const op_call *c) {
    int k = (int)c->p->k;
    for (int j = 0; j < c->n_out; j++) {
        const gen_array *src = c->in[k + j];
        if (src->size) memcpy(c->outs[j]->data, src->data, (size_t)src->size * gen_dtype_size((gen_dtype)src->dtype));
    }
    return GEN_OK;
}

/* The site samples (distributions/draw_site.c); its draw (on the host, or on a device
 * for a backend that runs this kernel on device memory) is copied into c->out. */
gen_status cpu_draw(const op_call *c) {
    const op_draw_site *site = c->p->payload;
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_array *x = site->sample(site, c);
    const gen_array *o = c->out;
    if (!x) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    else st = gen_array_copy_to(x, (gen_dtype)o->dtype, o->data, (size_t)o->size * gen_dtype_size((gen_dtype)o->dtype));
    gen_scope_end();
    return st;
}
