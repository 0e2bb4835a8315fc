/* kernels_util.c — helpers of the involutive, slice, Gibbs and enumeration kernels:
 * addresses of a choice map, approximate comparison of maps, the accept step. */
#include <math.h>
#include <stdio.h>

#include "kernels_int.h"

gen_status infer_addrs(const gen_choicemap *m, gen_addr **addrs, int64_t *n) {
    *addrs = NULL;
    *n = 0;
    int64_t k = gen_choicemap_count(m);
    if (k == 0) return GEN_OK;
    gen_addr *a = core_alloc((size_t)k * sizeof *a);
    if (!a) return GEN_FAIL(GEN_ERR_OOM, "out of memory for %lld addresses", (long long)k);
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    int64_t i = 0;
    while (i < k && gen_choicemap_iter_next(&it)) a[i++] = it.addr;
    *addrs = a;
    *n = i;
    return GEN_OK;
}

gen_selection *infer_select_values(const gen_choicemap *m) {
    gen_addr *a = NULL;
    int64_t n = 0;
    if (infer_addrs(m, &a, &n) != GEN_OK) return NULL;
    gen_selection *s = n ? gen_select(n, a) : gen_select_none();
    if (a) core_free(a, (size_t)n * sizeof *a);
    return s;
}

/* Element i of a as a double (no allocation: the data is contiguous, row-major). */
static double elem(const gen_array *a, int64_t i) {
    const void *d = gen_array_data(a);
    switch (gen_array_dtype(a)) {
    case GEN_F64: return ((const double *)d)[i];
    case GEN_F32: return ((const float *)d)[i];
    case GEN_I64: return (double)((const int64_t *)d)[i];
    default: return ((const bool *)d)[i];
    }
}

static bool values_close(const gen_array *x, const gen_array *y, double tol) {
    if (gen_array_dtype(x) != gen_array_dtype(y) || gen_array_ndim(x) != gen_array_ndim(y)) return false;
    for (int d = 0; d < gen_array_ndim(x); d++)
        if (gen_array_shape(x)[d] != gen_array_shape(y)[d]) return false;
    bool fl = gen_array_dtype(x) == GEN_F64 || gen_array_dtype(x) == GEN_F32;
    for (int64_t i = 0; i < gen_array_size(x); i++) {
        double a = elem(x, i), b = elem(y, i);
        if (fl ? !(fabs(a - b) <= tol * (1 + fabs(a))) : a != b) return false;
    }
    return true;
}

bool infer_maps_close(const gen_choicemap *a, const gen_choicemap *b, double tol, char *where,
                      size_t n) {
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, a);
    while (gen_choicemap_iter_next(&it)) {
        const gen_array *v = gen_choicemap_find(b, &it.addr);
        if (v && values_close(it.value, v, tol)) continue;
        gen_addr_format(&it.addr, buf, sizeof buf);
        char x[64] = "", y[64] = "";
        gen_array_format(it.value, x, sizeof x);
        if (v) gen_array_format(v, y, sizeof y);
        snprintf(where, n, v ? "%s at %s, not %s" : "no value at %s (was %s)", v ? y : buf, v ? buf : x, x);
        return false;
    }
    gen_choicemap_iter_init(&it, b);
    while (gen_choicemap_iter_next(&it)) {
        if (gen_choicemap_find(a, &it.addr)) continue;
        gen_addr_format(&it.addr, buf, sizeof buf);
        snprintf(where, n, "a value at %s, which it did not have", buf);
        return false;
    }
    return true;
}

gen_status infer_decide(const gen_trace *tr, gen_trace *proposed, double alpha, gen_key key,
                        gen_trace **out, bool *accepted) {
    bool acc = proposed && !isnan(alpha) && infer_log_uniform(key) < alpha;
    if (accepted) *accepted = acc;
    *out = gen_trace_scope_return(acc ? proposed : (gen_trace *)tr);
    return *out ? GEN_OK : infer_pending();
}

gen_status infer_read_count(const char *fn, const gen_choicemap *m, const gen_addr *count, int64_t min_count,
                            int64_t max_count, int64_t *k) {
    const gen_array *v = gen_choicemap_find(m, count);
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(count, buf, sizeof buf);
    if (!v) return GEN_FAIL(GEN_ERR_INDEX, "%s: the model has no count choice at %s", fn, buf);
    if (gen_array_dtype(v) != GEN_I64 || gen_array_ndim(v) != 0)
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: the count at %s must be a 0-d i64", fn, buf);
    gen_status s = gen_item_i64(v, k);
    if (s == GEN_OK && (*k < min_count || *k > max_count))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the count at %s is %lld, outside [min_count, max_count] = [%lld, %lld]", fn,
                        buf, (long long)*k, (long long)min_count, (long long)max_count);
    return s;
}
