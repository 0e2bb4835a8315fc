/* advi_results.c — what gen_advi returns: q's mean and scale, the ELBO history, and draws
 * from q, in unconstrained space, mapped back to the selected choices' constrained values,
 * and as one batched trace (one generate of every particle with all its choices given). */
#include <math.h>
#include <string.h>

#include "advi_int.h"

/* The selected choices' element count (their flattened size) in tr. */
static int64_t selected_size(const gen_trace *tr, const gen_selection *sel) {
    int64_t dims = 0;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    while (gen_choicemap_iter_next(&it))
        if (gen_selection_contains(sel, &it.addr)) dims += gen_array_size(it.value);
    return dims;
}

/* A batched trace of n particles: tr's choices with the selected ones given per particle
 * by the rows of x (n rows of dims, in deep order) and the others shared. */
static gen_status batched_trace(const gen_trace *tr, const gen_selection *sel, int64_t n, int64_t dims, const double *x,
                                gen_trace **out) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : infer_pending();
    double *h = NULL;
    size_t hbytes = 0;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    int64_t off = 0;
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        const gen_array *v = it.value;
        if (!gen_selection_contains(sel, &it.addr)) {
            s = gen_choicemap_builder_set(b, &it.addr, v);
            continue;
        }
        int64_t row = gen_array_size(v), shape[GEN_MAX_DIMS + 1];
        hbytes = (size_t)(n * row) * sizeof *h + 1;
        if (!(h = core_alloc(hbytes))) {
            s = GEN_ERR_OOM;
            break;
        }
        for (int64_t i = 0; i < n; i++) memcpy(h + i * row, x + i * dims + off, (size_t)row * sizeof *h);
        int nd = gen_array_ndim(v) + 1;
        shape[0] = n;
        memcpy(shape + 1, gen_array_shape(v), (size_t)(nd - 1) * sizeof *shape);
        gen_array *nv = gen_array_from(GEN_F64, nd, shape, h);
        if (nv && gen_array_dtype(v) != GEN_F64) nv = gen_cast(nv, gen_array_dtype(v));
        if (nv) nv = gen_batched(gen_array_to_device(nv, gen_array_device(v)));
        s = nv ? gen_choicemap_builder_set(b, &it.addr, nv) : infer_pending();
        core_free(h, hbytes);
        h = NULL;
        off += row;
    }
    gen_choicemap *cons = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (s == GEN_OK && !cons) s = infer_pending();
    /* every choice is given: nothing is drawn, so the key does not matter */
    if (s == GEN_OK) s = gen_generate_batched(gen_trace_gf(tr), gen_key_new(0), n, gen_trace_args(tr), cons, out, NULL);
    if (b) gen_choicemap_builder_free(b);
    return s;
}

gen_status advi_results(advi_eval *e, const advi_q *q, gen_key key, int64_t n, const gen_selection *sel,
                        const double *elbo, const int64_t *elbo_iter, int64_t k, gen_advi_result *out) {
    int64_t d = q->d;
    const gen_trace *base = gen_target_base(e->t);
    int64_t dims = selected_size(base, sel);
    size_t zbytes = (size_t)(2 * n * d) * sizeof(double) + 1, xbytes = (size_t)(n * dims) * sizeof(double) + 1;
    double *buf = core_alloc(zbytes), *x = core_alloc(xbytes), *eps = buf, *zeta = buf ? buf + n * d : NULL;
    gen_status s = buf && x ? gen_scope_begin() : GEN_ERR_OOM;
    if (s != GEN_OK) {
        core_free(buf, zbytes);
        core_free(x, xbytes);
        return s;
    }
    gen_advi_result r = {0};
    r.mean = gen_array_from_f64(1, &d, q->mu);
    if (q->family == GEN_ADVI_MEANFIELD) r.scale = gen_exp(gen_array_from_f64(1, &d, q->scale));
    else r.scale = gen_array_from_f64(2, (int64_t[]){d, d}, q->scale);
    r.elbo = gen_array_from_f64(1, &k, k ? elbo : (const double[]){0});
    r.elbo_iter = gen_array_from(GEN_I64, 1, &k, k ? (const void *)elbo_iter : (const void *)(const int64_t[]){0});
    gen_array *z = gen_random_normal(key, GEN_F64, 2, (int64_t[]){n, d});
    if (!r.mean || !r.scale || !r.elbo || !r.elbo_iter || !z) s = infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(z, GEN_F64, eps, (size_t)(n * d) * sizeof *eps);
    if (s == GEN_OK) advi_q_transform(q, n, eps, zeta);
    for (int64_t i = 0; s == GEN_OK && i < n; i++) s = target_values_at(e->t, zeta + i * d, dims, x + i * dims);
    if (s == GEN_OK && !(r.unconstrained = gen_array_from_f64(2, (int64_t[]){n, d}, zeta))) s = infer_pending();
    if (s == GEN_OK && !(r.draws = gen_array_from_f64(2, (int64_t[]){n, dims}, x))) s = infer_pending();
    if (s == GEN_OK) s = batched_trace(base, sel, n, dims, x, &r.trace);
    if (s == GEN_OK) { /* everything out of this scope, into the caller's */
        gen_array **a[6] = {&r.mean, &r.scale, &r.elbo, &r.elbo_iter, &r.unconstrained, &r.draws};
        for (int i = 0; i < 6; i++) *a[i] = gen_scope_return(*a[i]);
        r.trace = gen_trace_scope_return(r.trace);
        *out = r;
    }
    gen_scope_end();
    core_free(buf, zbytes);
    core_free(x, xbytes);
    return s;
}
