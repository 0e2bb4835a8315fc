/* cpu_reduce.c — CPU kernels of ops_reduce.def: multi-axis reductions (floats
 * accumulate in double), single-axis reductions, cumulative ops, argsort and the
 * gather/scatter along an axis behind sort. */
#include <math.h>
#include <string.h>

#include "../backend.h"
#include "cpu.h"
#include "../../array/mergesort.h"

/* ---- multi-axis reductions ---- */

/* Iterates the argument in order with the result's offset alongside: operand 0 is the
 * argument (contiguous), operand 1 the result (stride 0 on reduced axes). */
static void reduce_iter(cpu_iter *it, const op_call *c) {
    const gen_array *a = c->in[0];
    int64_t strides[2][GEN_MAX_DIMS], s0 = 1, s1 = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        strides[0][d] = s0;
        s0 *= a->shape[d];
        bool red = false;
        for (int k = 0; k < c->p->naxes; k++) red |= c->p->axes[k] == d;
        strides[1][d] = red ? 0 : s1;
        if (!red) s1 *= a->shape[d];
    }
    cpu_iter_init(it, a->ndim, a->shape, 2, strides);
}

/* Runs the body for every argument element with xi (its offset) and oi (its result's). */
#define REDUCE_LOOP(c, ...)                                                                \
    do {                                                                                    \
        cpu_iter it_;                                                                       \
        reduce_iter(&it_, (c));                                                             \
        if (!it_.done) do {                                                                 \
            for (int64_t j_ = 0; j_ < it_.inner; j_++) {                                    \
                int64_t xi = it_.off[0] + j_, oi = it_.off[1] + j_ * it_.step[1];           \
                __VA_ARGS__;                                                                     \
            }                                                                               \
        } while (cpu_iter_next(&it_));                                                      \
    } while (0)

/* Integer / bool accumulation straight into the result (type T). */
#define REDUCE_ACCUMULATE(T, INIT, UPDATE)                                                  \
    do {                                                                                    \
        const T *x_ = c->in[0]->data;                                                       \
        T *o_ = c->out->data;                                                               \
        for (int64_t i_ = 0; i_ < c->out->size; i_++) o_[i_] = (INIT);                      \
        REDUCE_LOOP(c, {                                                                    \
            T *acc = &o_[oi];                                                               \
            T x = x_[xi];                                                                   \
            UPDATE;                                                                         \
        });                                                                                 \
    } while (0)

/* A double accumulator per result element: the result itself for f64, scratch for
 * f32 (so f32 reductions accumulate in double). NULL (error recorded) on OOM. */
static double *acc_begin(const op_call *c) {
    if (c->out->dtype == GEN_F64) return c->out->data;
    return core_alloc((size_t)(c->out->size ? c->out->size : 1) * sizeof(double));
}
static void acc_end(const op_call *c, double *acc) {
    if (c->out->dtype == GEN_F64) return;
    arr_convert(GEN_F32, c->out->data, GEN_F64, acc, c->out->size);
    core_free(acc, (size_t)(c->out->size ? c->out->size : 1) * sizeof(double));
}

/* Float accumulation into double acc[] (reading f64 or f32 elements as double x). */
#define REDUCE_FLOAT(acc, INIT, UPDATE)                                                     \
    do {                                                                                    \
        for (int64_t i_ = 0; i_ < c->out->size; i_++) (acc)[i_] = (INIT);                   \
        if (c->in[0]->dtype == GEN_F64) {                                                   \
            const double *x_ = c->in[0]->data;                                              \
            REDUCE_LOOP(c, { double *a = &(acc)[oi]; double x = x_[xi]; UPDATE; });         \
        } else {                                                                            \
            const float *x_ = c->in[0]->data;                                               \
            REDUCE_LOOP(c, { double *a = &(acc)[oi]; double x = x_[xi]; UPDATE; });         \
        }                                                                                   \
    } while (0)

#define FLOAT_KERNEL(INIT, UPDATE)                                                          \
    do {                                                                                    \
        double *acc_ = acc_begin(c);                                                        \
        if (!acc_) return GEN_ERR_OOM;                                                      \
        REDUCE_FLOAT(acc_, INIT, UPDATE);                                                   \
        acc_end(c, acc_);                                                                   \
    } while (0)

gen_status cpu_sum(const op_call *c) {
    if (arr_is_float(c->out->dtype)) FLOAT_KERNEL(0.0, *a += x);
    else REDUCE_ACCUMULATE(int64_t, 0, *acc = (int64_t)((uint64_t)*acc + (uint64_t)x));
    return GEN_OK;
}

gen_status cpu_prod(const op_call *c) {
    if (arr_is_float(c->out->dtype)) FLOAT_KERNEL(1.0, *a *= x);
    else REDUCE_ACCUMULATE(int64_t, 1, *acc = (int64_t)((uint64_t)*acc * (uint64_t)x));
    return GEN_OK;
}

/* max/min propagate NaN (like NumPy): once the accumulator is NaN it stays NaN. */
gen_status cpu_max(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: case GEN_F32: FLOAT_KERNEL(-INFINITY, if (x > *a || x != x) *a = x); break;
    case GEN_I64: REDUCE_ACCUMULATE(int64_t, INT64_MIN, if (x > *acc) *acc = x); break;
    default: REDUCE_ACCUMULATE(bool, false, *acc = *acc || x); break;
    }
    return GEN_OK;
}

gen_status cpu_min(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: case GEN_F32: FLOAT_KERNEL(INFINITY, if (x < *a || x != x) *a = x); break;
    case GEN_I64: REDUCE_ACCUMULATE(int64_t, INT64_MAX, if (x < *acc) *acc = x); break;
    default: REDUCE_ACCUMULATE(bool, true, *acc = *acc && x); break;
    }
    return GEN_OK;
}

gen_status cpu_all(const op_call *c) {
    REDUCE_ACCUMULATE(bool, true, *acc = *acc && x);
    return GEN_OK;
}

gen_status cpu_any(const op_call *c) {
    REDUCE_ACCUMULATE(bool, false, *acc = *acc || x);
    return GEN_OK;
}

/* Two passes: the maximum m, then m + log(sum exp(x - m)). A non-finite m (all -inf,
 * empty: -inf; some +inf: +inf; NaN) is the result itself, so inf - inf never occurs. */
gen_status cpu_logsumexp(const op_call *c) {
    int64_t n = c->out->size ? c->out->size : 1;
    double *m = core_alloc((size_t)n * sizeof *m);
    double *acc = m ? acc_begin(c) : NULL;
    if (!acc) {
        core_free(m, (size_t)n * sizeof *m);
        return GEN_ERR_OOM;
    }
    REDUCE_FLOAT(m, -INFINITY, if (x > *a || x != x) *a = x);
    REDUCE_FLOAT(acc, 0.0, if (isfinite(m[oi])) *a += exp(x - m[oi]));
    for (int64_t i = 0; i < c->out->size; i++) acc[i] = isfinite(m[i]) ? m[i] + log(acc[i]) : m[i];
    acc_end(c, acc);
    core_free(m, (size_t)n * sizeof *m);
    return GEN_OK;
}

/* ---- single-axis ops: the array seen as [outer, n, inner] ---- */

static void axis_split(const gen_array *a, int axis, int64_t *outer, int64_t *n, int64_t *inner) {
    *outer = *inner = 1;
    for (int d = 0; d < axis; d++) *outer *= a->shape[d];
    for (int d = axis + 1; d < a->ndim; d++) *inner *= a->shape[d];
    *n = a->ndim ? a->shape[axis] : 1;
}

/* For each row (ro, ri) of a along axis, the body sees base (offset of the row's
 * element 0), n and inner (the stride along the axis) and r (the row's index in a
 * result without the axis). */
#define AXIS_ROWS(a, axis, ...)                                                             \
    do {                                                                                    \
        int64_t outer_, n, inner;                                                           \
        axis_split((a), (axis), &outer_, &n, &inner);                                       \
        for (int64_t ro = 0; ro < outer_; ro++)                                             \
            for (int64_t ri = 0; ri < inner; ri++) {                                        \
                int64_t base = ro * n * inner + ri, r = ro * inner + ri;                    \
                (void)r;                                                                    \
                __VA_ARGS__;                                                                \
            }                                                                               \
    } while (0)

/* First index of the best element; the first NaN wins outright (NumPy's rule, so
 * that the element at argmax is max). BETTER(x, best) is the strict comparison. */
#define ARG_BEST(T, BETTER)                                                                 \
    do {                                                                                    \
        const T *x_ = c->in[0]->data;                                                       \
        int64_t *o_ = c->out->data;                                                         \
        AXIS_ROWS(c->in[0], c->p->axis, {                                                   \
            int64_t bi = 0;                                                                 \
            T best = x_[base];                                                              \
            for (int64_t k = 1; k < n && best == best; k++) {                               \
                T x = x_[base + k * inner];                                                 \
                if (x != x || BETTER) best = x, bi = k;                                     \
            }                                                                               \
            o_[r] = bi;                                                                     \
        });                                                                                 \
    } while (0)

static gen_status arg_best(const op_call *c, bool max) {
    switch (c->in[0]->dtype) {
    case GEN_F64: if (max) ARG_BEST(double, x > best); else ARG_BEST(double, x < best); break;
    case GEN_F32: if (max) ARG_BEST(float, x > best); else ARG_BEST(float, x < best); break;
    default: if (max) ARG_BEST(int64_t, x > best); else ARG_BEST(int64_t, x < best); break;
    }
    return GEN_OK;
}
gen_status cpu_argmax(const op_call *c) { return arg_best(c, true); }
gen_status cpu_argmin(const op_call *c) { return arg_best(c, false); }

/* Running accumulation along the axis (from the end when p->reverse): S = STEP(S, x). */
#define CUMULATE(T, S_T, INIT, STEP)                                                        \
    do {                                                                                    \
        const T *x_ = c->in[0]->data;                                                       \
        T *o_ = c->out->data;                                                               \
        bool rev_ = c->p->reverse;                                                          \
        AXIS_ROWS(c->in[0], c->p->axis, {                                                   \
            S_T s = (INIT);                                                                 \
            for (int64_t k_ = 0; k_ < n; k_++) {                                            \
                int64_t at = base + (rev_ ? n - 1 - k_ : k_) * inner;                       \
                S_T x = x_[at];                                                             \
                s = STEP;                                                                   \
                o_[at] = (T)s;                                                              \
            }                                                                               \
        });                                                                                 \
    } while (0)

gen_status cpu_cumsum(const op_call *c) {
    switch (c->out->dtype) {
    case GEN_F64: CUMULATE(double, double, 0.0, s + x); break;
    case GEN_F32: CUMULATE(float, double, 0.0, s + x); break;
    default: CUMULATE(int64_t, int64_t, 0, (int64_t)((uint64_t)s + (uint64_t)x)); break;
    }
    return GEN_OK;
}

/* log(exp(a) + exp(b)) without overflow; equal arguments (also two infinities) give
 * a + log 2, so inf - inf never occurs. */
static double logaddexp(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return a + 0.69314718055994530942; /* log 2 */
    double m = a > b ? a : b;
    if (m == -INFINITY) return m;
    return m + log1p(exp(-fabs(a - b)));
}

gen_status cpu_cumlogsumexp(const op_call *c) {
    if (c->out->dtype == GEN_F64) CUMULATE(double, double, -INFINITY, logaddexp(s, x));
    else CUMULATE(float, double, -INFINITY, logaddexp(s, x));
    return GEN_OK;
}

/* cumlogsumexp's VJP along a forward axis (f64): with R_k = sum_{m>=k} g_m exp(out_k -
 * out_m), R_k = g_k + exp(out_k - out_{k+1}) R_{k+1}, each factor <= 1 since out grows
 * along the axis, and cot_k = exp(x_k - out_k) R_k; where out is -inf (only -inf so far)
 * the weights are 0. in: x, out, g (all of x's shape). */
gen_status cpu_cumlse_vjp(const op_call *c) {
    const double *xv = c->in[0]->data, *ov = c->in[1]->data, *gv = c->in[2]->data;
    double *rv = c->out->data;
    AXIS_ROWS(c->in[0], c->p->axis, {
        double acc = 0, onext = 0;
        for (int64_t k = n - 1; k >= 0; k--) {
            int64_t at = base + k * inner;
            double ok = ov[at];
            acc = k == n - 1 ? gv[at] : gv[at] + (ok == -INFINITY ? 0 : exp(ok - onext)) * acc;
            rv[at] = ok == -INFINITY ? 0 : exp(xv[at] - ok) * acc;
            onext = ok;
        }
    });
    return GEN_OK;
}

/* ---- argsort: a stable merge sort of indices, NaN last (array/mergesort.h) ---- */

gen_status cpu_argsort(const op_call *c) {
    const gen_array *a = c->in[0];
    int64_t len = a->ndim ? a->shape[c->p->axis] : 1, nb = len ? len : 1;
    int64_t *idx = core_alloc((size_t)nb * sizeof *idx), *tmp = core_alloc((size_t)nb * sizeof *tmp);
    void *key = core_alloc((size_t)nb * 8); /* one row of keys: double or int64 */
    gen_status st = idx && tmp && key ? GEN_OK : GEN_ERR_OOM;
    int64_t *o = c->out->data;
    if (st == GEN_OK) AXIS_ROWS(a, c->p->axis, {
        for (int64_t k = 0; k < n; k++) {
            idx[k] = k;
            if (a->dtype == GEN_I64) ((int64_t *)key)[k] = ((const int64_t *)a->data)[base + k * inner];
            else ((double *)key)[k] = arr_get_f64(a, base + k * inner);
        }
        if (a->dtype == GEN_I64) arr_mergesort_i64(key, idx, tmp, n);
        else arr_mergesort_f64(key, idx, tmp, n);
        for (int64_t k = 0; k < n; k++) o[base + k * inner] = idx[k];
    });
    core_free(idx, (size_t)nb * sizeof *idx);
    core_free(tmp, (size_t)nb * sizeof *tmp);
    core_free(key, (size_t)nb * 8);
    return st;
}

/* ---- take_along / scatter_along (axis p->axis; indices checked by the kernel) ---- */

/* out[o, k, i] = a[o, idx[o, k, i], i] for any dtype (element copies by size). */
gen_status cpu_take_along(const op_call *c) {
    const gen_array *a = c->in[0], *ix = c->in[1];
    const int64_t *idx = ix->data;
    size_t es = gen_dtype_size(a->dtype);
    int64_t len = a->shape[c->p->axis];
    const char *src = a->data;
    char *dst = c->out->data;
    AXIS_ROWS(ix, c->p->axis, {
        int64_t abase = ro * len * inner + ri;
        for (int64_t k = 0; k < n; k++) {
            int64_t at = base + k * inner, v = idx[at];
            if (v < 0 || v >= len) return backend_axis_index_fail(c, v, len);
            memcpy(dst + (size_t)at * es, src + (size_t)(abase + v * inner) * es, es);
        }
    });
    return GEN_OK;
}

/* ADD(a, b): the sum (i64 wraps around, through unsigned: no undefined behaviour). */
#define SCATTER_ADD(T, ADD)                                                                 \
    do {                                                                                    \
        const T *g_ = g->data;                                                              \
        T *o_ = c->out->data;                                                               \
        memset(o_, 0, (size_t)c->out->size * sizeof *o_);                                   \
        AXIS_ROWS(g, c->p->axis, {                                                          \
            int64_t obase = ro * m * inner + ri;                                                       \
            for (int64_t k = 0; k < n; k++) {                                               \
                int64_t v = idx[base + k * inner];                                          \
                if (v < 0 || v >= m) return backend_axis_index_fail(c, v, m);              \
                o_[obase + v * inner] = ADD(o_[obase + v * inner], g_[base + k * inner]);   \
            }                                                                               \
        });                                                                                 \
    } while (0)

#define FLOAT_ADD(a, b) ((a) + (b))
#define WRAP_ADD(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))

/* out (g's shape but p->k long on the axis) = 0; out[o, idx[o, k, i], i] += g[o, k, i]. */
gen_status cpu_scatter_along(const op_call *c) {
    const gen_array *g = c->in[0];
    const int64_t *idx = c->in[1]->data;
    int64_t m = c->p->k;
    switch (g->dtype) {
    case GEN_F64: SCATTER_ADD(double, FLOAT_ADD); break;
    case GEN_F32: SCATTER_ADD(float, FLOAT_ADD); break;
    default: SCATTER_ADD(int64_t, WRAP_ADD); break;
    }
    return GEN_OK;
}
