/* cpu_discrete.c — CPU kernels of the discrete rows of ops_fused.def: the categorical
 * gather of log probabilities and sampler, and the Poisson log mass, each one pass in C
 * with the values of the families' public-op formulas. */
#include <math.h>

#include "../../array/special.h"
#include "cpu.h"

/* The index held by element i of x (any dtype) when it is an integer in [0, k), else -1. */
static inline int64_t value_index(gen_dtype t, const void *x, int64_t i, int64_t k) {
    double v;
    switch (t) {
    case GEN_I64: {
        int64_t n = ((const int64_t *)x)[i];
        return n >= 0 && n < k ? n : -1;
    }
    case GEN_BOOL: {
        int64_t n = ((const bool *)x)[i];
        return n < k ? n : -1;
    }
    case GEN_F32: v = ((const float *)x)[i]; break;
    default: v = ((const double *)x)[i]; break;
    }
    return v >= 0 && v < (double)k && v == floor(v) ? (int64_t)v : -1;
}

/* Element strides (0 on broadcast axes) of a row-major batch of shape (nb, bs), whose
 * elements are rows of `row` elements, seen as the trailing axes of (nd, shape). */
static void row_strides(int nb, const int64_t *bs, int64_t row, int nd, int64_t *st) {
    int64_t s = row;
    for (int j = nd - 1; j >= 0; j--) {
        int b = j - (nd - nb);
        if (b < 0) {
            st[j] = 0;
            continue;
        }
        st[j] = bs[b] == 1 ? 0 : s;
        s *= bs[b];
    }
}

/* Sets it up over out (the broadcast of x's shape and the batch (nb, bs)) with strides
 * for x (0) and the batch rows (1). */
static void broadcast_iter(const gen_array *out, const gen_array *x, int nb, const int64_t *bs, int64_t row,
                           cpu_iter *it) {
    int64_t st[CPU_ITER_MAX][GEN_MAX_DIMS];
    arr_broadcast_strides(x, out->ndim, out->shape, st[0]);
    row_strides(nb, bs, row, out->ndim, st[1]);
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
 * per value the number of c_j <= u (searchsorted, side right). A zero weight repeats a
 * cumulative sum, so its category is never drawn for u in (0, 1). */
static int64_t search(const double *c, int64_t n, double u) {
    if (n <= 32) { /* branch-free count: draws land anywhere, so branches mispredict */
        int64_t j = 0;
        for (int64_t i = 0; i < n; i++) j += c[i] <= u;
        return j;
    }
    const double *b = c; /* branch-free lower part of a binary search: first j with c_j > u */
    while (n > 1) {
        int64_t half = n / 2;
        b = b[half - 1] <= u ? b + half : b;
        n -= half;
    }
    return (b - c) + (*b <= u);
}

/* Row r's weights into w (exp(l - max l) for logits). */
static void row_weights(const gen_array *a, int64_t r, int64_t k, bool logits, double *w) {
    double m = -INFINITY;
    for (int64_t j = 0; j < k; j++) {
        w[j] = arr_get_f64(a, r * k + j);
        if (w[j] > m) m = w[j];
    }
    if (logits)
        for (int64_t j = 0; j < k; j++) w[j] = exp(w[j] - m);
}

gen_status cpu_categorical_sample(const op_call *call) {
    const gen_array *a = call->in[0], *u = call->in[1];
    gen_array *out = call->out;
    bool logits = call->p->k != 0;
    int64_t k = a->shape[a->ndim - 1], rows = a->size / k;
    size_t nbytes = (size_t)(rows ? rows * k : 1) * sizeof(double);
    double *c = core_alloc(nbytes);
    if (!c) return GEN_ERR_OOM;
    for (int64_t r = 0; r < rows; r++) {
        double *cr = c + r * k, s = 0;
        row_weights(a, r, k, logits, cr);
        for (int64_t j = 0; j < k; j++) cr[j] = s += cr[j];
        for (int64_t j = 0; j < k; j++) cr[j] /= s;
    }
    const double *ud = u->data;
    int64_t *o = out->data;
    for (int64_t i = 0, r = 0; i < out->size; i++) {
        o[i] = search(c + r * k, k - 1, ud[i]);
        if (++r == rows) r = 0;
    }
    core_free(c, nbytes);
    return GEN_OK;
}

/* log k! for k < LFACT_TABLE by lookup, sf_lgamma(k + 1) beyond (the same function the
 * public-op path uses, so both give identical values). */
#define LFACT_TABLE 256

gen_status cpu_poisson_logpmf(const op_call *c) {
    const gen_array *x = c->in[0], *rate = c->in[1];
    gen_array *out = c->out;
    gen_dtype t = (gen_dtype)out->dtype;
    double lf[LFACT_TABLE];
    for (int i = 0; i < LFACT_TABLE; i++) lf[i] = sf_lgamma(i + 1.0);
    cpu_iter it;
    broadcast_iter(out, x, rate->ndim, rate->shape, 1, &it);
    gen_dtype tx = (gen_dtype)x->dtype;
    double last_r = NAN, log_r = NAN;
    int64_t o = 0;
    for (; !it.done; cpu_iter_next(&it), o += it.inner) {
        for (int64_t j = 0; j < it.inner; j++) {
            double r = arr_get_f64(rate, it.off[1] + j * it.step[1]), v, lp;
            if (tx == GEN_I64) {
                int64_t n = ((const int64_t *)x->data)[it.off[0] + j * it.step[0]];
                v = n >= 0 ? (double)n : -1;
            } else {
                v = arr_get_f64(x, it.off[0] + j * it.step[0]);
                if (!(v == floor(v) && isfinite(v))) v = -1;
            }
            if (r != last_r) last_r = r, log_r = log(r);
            if (v < 0) lp = -INFINITY;
            else lp = (v == 0 ? 0 : v * log_r) - r - (v < LFACT_TABLE ? lf[(int)v] : sf_lgamma(v + 1));
            arr_set_f64(t, out->data, o + j, lp);
        }
    }
    return GEN_OK;
}
