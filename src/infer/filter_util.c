/* filter_util.c — the exact filters' plumbing: checked reads of input arrays into host
 * doubles, host result arrays, host draws from a key, scratch bags and log-sum-exp. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "filter_int.h"

double *filter_alloc(filter_bag *bag, int64_t n) {
    if (bag->k == FILTER_BAG_MAX) {
        GEN_FAIL(GEN_ERR_INTERNAL, "filter_alloc: too many scratch blocks");
        return NULL;
    }
    size_t nb = (size_t)(n > 0 ? n : 1) * sizeof(double);
    double *p = core_calloc((size_t)(n > 0 ? n : 1), sizeof(double));
    if (!p) return NULL;
    bag->p[bag->k] = p;
    bag->n[bag->k++] = nb;
    return p;
}

void filter_bag_free(filter_bag *bag) {
    for (int i = 0; i < bag->k; i++) core_free(bag->p[i], bag->n[i]);
    bag->k = 0;
}

/* "[5,3]" into buf. */
static const char *shape_str(int ndim, const int64_t *shape, char *buf, size_t n) {
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < n) snprintf(buf + used, n - used, "]");
    return buf;
}

/* "[3, 2]" or "[T, 2]" from dims (-1: the letter of a free extent) for messages. */
static const char *want_str(int ndim, const int64_t *dims, char *buf, size_t n) {
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++) {
        if (dims[i] >= 0) used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? ", " : "", (long long)dims[i]);
        else used += (size_t)snprintf(buf + used, n - used, "%sany", i ? ", " : "");
    }
    if (used < n) snprintf(buf + used, n - used, "]");
    return buf;
}

gen_status filter_read(filter_bag *bag, const char *fn, const char *what, const gen_array *a, int ndim,
                       int64_t *dims, const char *shape_hint, bool allow_neg_inf, bool allow_pos_inf,
                       double **out) {
    if (!a) return infer_null(fn, what);
    if (gen_array_is_tuple(a))
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s is a tuple, not an array of numbers", fn, what);
    gen_dtype t = gen_array_dtype(a);
    if (t != GEN_F64 && t != GEN_F32)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s must be f64 or f32, got %s", fn, what, gen_dtype_name(t));
    const int64_t *shape = gen_array_shape(a);
    bool ok = gen_array_ndim(a) == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = dims[i] < 0 || dims[i] == shape[i];
    if (!ok) {
        char got[160], want[160];
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s must be %s, got %s", fn, what,
                        shape_hint ? shape_hint : want_str(ndim, dims, want, sizeof want),
                        shape_str(gen_array_ndim(a), shape, got, sizeof got));
    }
    for (int i = 0; i < ndim; i++) dims[i] = shape[i];
    int64_t n = gen_array_size(a);
    double *x = filter_alloc(bag, n);
    if (!x) return GEN_ERR_OOM;
    gen_status s = gen_array_copy_to(a, GEN_F64, x, (size_t)n * sizeof *x);
    if (s != GEN_OK) return s;
    for (int64_t i = 0; i < n; i++) {
        bool bad = isnan(x[i]) || (x[i] == INFINITY && !allow_pos_inf) || (x[i] == -INFINITY && !allow_neg_inf);
        if (!bad) continue;
        char idx[160];
        size_t used = (size_t)snprintf(idx, sizeof idx, "[");
        for (int d = 0; d < ndim; d++) { /* the multi-index of flat index i */
            int64_t stride = 1;
            for (int e = d + 1; e < ndim; e++) stride *= shape[e];
            used += (size_t)snprintf(idx + used, sizeof idx - used, "%s%lld", d ? "," : "",
                                     (long long)((i / stride) % shape[d]));
        }
        snprintf(idx + used, sizeof idx - used, "]");
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s%s is %s", fn, what, idx,
                        isnan(x[i]) ? "NaN" : x[i] > 0 ? "+inf" : "-inf");
    }
    *out = x;
    return GEN_OK;
}

gen_array *filter_result(gen_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    gen_device dev = gen_device_set_default(GEN_DEVICE_CPU); /* results are host arrays */
    gen_array *a = gen_array_from(dtype, ndim, shape, data);
    gen_device_set_default(dev);
    return a;
}

gen_status filter_results(int k, gen_array **const *want, gen_dtype dtype, const int *ndim, const int64_t *shape,
                          const void *const *data) {
    gen_array *out[FILTER_RESULTS_MAX] = {NULL};
    if (k > FILTER_RESULTS_MAX) return GEN_FAIL(GEN_ERR_INTERNAL, "filter_results: too many results");
    gen_status s = gen_scope_begin(); /* made here, kept only when all are made */
    if (s != GEN_OK) return s;
    for (int i = 0; s == GEN_OK && i < k; i++)
        if (want[i] && !(out[i] = filter_result(dtype, ndim[i], shape, data[i]))) s = infer_pending();
    for (int i = 0; s == GEN_OK && i < k; i++)
        if (want[i]) *want[i] = gen_scope_return(out[i]);
    gen_scope_end();
    return s;
}

gen_status filter_draws(gen_key key, bool normal, int64_t n, double *out) {
    if (n == 0) return GEN_OK;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_device dev = gen_device_set_default(GEN_DEVICE_CPU);
    int64_t batch = gen_batch_suspend(); /* one plain vector of draws */
    gen_array *a = normal ? gen_random_normal(key, GEN_F64, 1, &n) : gen_random_uniform(key, GEN_F64, 1, &n);
    gen_batch_resume(batch);
    gen_device_set_default(dev);
    s = a ? gen_array_copy_to(a, GEN_F64, out, (size_t)n * sizeof *out) : infer_pending();
    gen_scope_end();
    return s;
}

double filter_logsumexp(const double *x, int64_t n, int64_t stride) {
    double max = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (x[i * stride] > max) max = x[i * stride];
    if (max == -INFINITY || max == INFINITY) return max;
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += exp(x[i * stride] - max);
    return max + log(sum);
}
