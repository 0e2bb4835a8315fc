/* cpu_discrete.c — CPU kernels of the discrete rows of ops_fused.def: the categorical
 * gather of log probabilities and sampler, and the Poisson log mass, each one pass in C
 * with the values of the families' public-op formulas (per element: fused_hd.h, shared
 * with the CUDA kernels). */
#include <math.h>

#include "../../array/fused_math.h"
#include "cpu.h"

/* The index held by element i of x (any dtype) when it is an integer in [0, k), else -1. */
static inline int64_t value_index(gen_dtype t, const void *x, int64_t i, int64_t k) {
    switch (t) {
    case GEN_I64: return fused_int_index(((const int64_t *)x)[i], k);
    case GEN_BOOL: return fused_int_index(((const bool *)x)[i], k);
    case GEN_F32: return fused_float_index(((const float *)x)[i], k);
    default: return fused_float_index(((const double *)x)[i], k);
    }
}

/* Sets it up over out (the broadcast of x's shape and the batch (nb, bs)) with strides
 * for x (0) and the batch rows (1). */
static void broadcast_iter(const gen_array *out, const gen_array *x, int nb, const int64_t *bs, int64_t row,
                           cpu_iter *it) {
    int64_t st[CPU_ITER_MAX][GEN_MAX_DIMS];
    arr_broadcast_strides(x, out->ndim, out->shape, st[0]);
    fused_row_strides(nb, bs, row, out->ndim, st[1]);
    cpu_iter_init(it, out->ndim, out->shape, 2, st);
}

/* od[j] = row[x[j * sx]], -inf for indices outside [0, k); unit stride unrolled apart. */
static void gather_i64(double *restrict od, const double *restrict row, const int64_t *restrict x,
                       int64_t sx, int64_t n, int64_t k) {
    if (sx == 1) {
        for (int64_t j = 0; j < n; j++) od[j] = (uint64_t)x[j] < (uint64_t)k ? row[x[j]] : -INFINITY;
        return;
    }
    for (int64_t j = 0; j < n; j++) {
        int64_t v = x[j * sx];
        od[j] = (uint64_t)v < (uint64_t)k ? row[v] : -INFINITY;
    }
}

gen_status cpu_categorical_gather(const op_call *c) {
    const gen_array *x = c->in[0], *table = c->in[1];
    gen_array *out = c->out;
    int64_t k = table->shape[table->ndim - 1];
    gen_dtype t = (gen_dtype)table->dtype, tx = (gen_dtype)x->dtype;
    cpu_iter it;
    broadcast_iter(out, x, table->ndim - 1, table->shape, k, &it);
    int64_t o = 0;
    for (; !it.done; cpu_iter_next(&it), o += it.inner) {
        const void *xs = x->data;
        int64_t ox = it.off[0], sx = it.step[0];
        if (t == GEN_F64) {
            const double *row = (const double *)table->data + it.off[1];
            double *od = (double *)out->data + o;
            if (tx == GEN_I64 && it.step[1] == 0) { /* the common case: one row */
                gather_i64(od, row, (const int64_t *)xs + ox, sx, it.inner, k);
                continue;
            }
            for (int64_t j = 0; j < it.inner; j++) {
                int64_t v = value_index(tx, xs, ox + j * sx, k);
                od[j] = v >= 0 ? row[j * it.step[1] + v] : -INFINITY;
            }
        } else {
            const float *row = (const float *)table->data + it.off[1];
            float *of = (float *)out->data + o;
            for (int64_t j = 0; j < it.inner; j++) {
                int64_t v = value_index(tx, xs, ox + j * sx, k);
                of[j] = v >= 0 ? row[j * it.step[1] + v] : -INFINITY;
            }
        }
    }
    return GEN_OK;
}

/* Sampling: per batch row the normalized cumulative weights c_0..c_{K-2} (c_{K-1} = 1),
 * per value the number of c_j <= u (fused_row_cdf, fused_search). */
gen_status cpu_categorical_sample(const op_call *call) {
    const gen_array *a = call->in[0], *u = call->in[1];
    gen_array *out = call->out;
    bool logits = call->p->k != 0;
    int64_t k = a->shape[a->ndim - 1], rows = a->size / k;
    size_t nbytes = (size_t)(rows ? rows * k : 1) * sizeof(double);
    double *c = core_alloc(nbytes);
    if (!c) return GEN_ERR_OOM;
    for (int64_t r = 0; r < rows; r++) {
        double *cr = c + r * k;
        for (int64_t j = 0; j < k; j++) cr[j] = arr_get_f64(a, r * k + j);
        fused_row_cdf(cr, k, logits);
    }
    const double *ud = u->data;
    int64_t *o = out->data;
    for (int64_t i = 0, r = 0; i < out->size; i++) {
        o[i] = fused_search(c + r * k, k - 1, ud[i]);
        if (++r == rows) r = 0;
    }
    core_free(c, nbytes);
    return GEN_OK;
}

gen_status cpu_poisson_logpmf(const op_call *c) {
    const gen_array *x = c->in[0], *rate = c->in[1];
    gen_array *out = c->out;
    gen_dtype t = (gen_dtype)out->dtype;
    double lf[FUSED_LFACT_TABLE];
    for (int i = 0; i < FUSED_LFACT_TABLE; i++) lf[i] = sf_lgamma(i + 1.0);
    cpu_iter it;
    broadcast_iter(out, x, rate->ndim, rate->shape, 1, &it);
    gen_dtype tx = (gen_dtype)x->dtype;
    double last_r = NAN, log_r = NAN;
    int64_t o = 0;
    for (; !it.done; cpu_iter_next(&it), o += it.inner) {
        for (int64_t j = 0; j < it.inner; j++) {
            double r = arr_get_f64(rate, it.off[1] + j * it.step[1]);
            int64_t ix = it.off[0] + j * it.step[0];
            double v = tx == GEN_I64 ? fused_count_int(((const int64_t *)x->data)[ix])
                                     : fused_count_float(arr_get_f64(x, ix));
            if (r != last_r) last_r = r, log_r = log(r);
            arr_set_f64(t, out->data, o + j, fused_poisson_lpmf(v, r, log_r, lf));
        }
    }
    return GEN_OK;
}
