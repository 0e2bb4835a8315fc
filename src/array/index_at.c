/* index_at.c — indexing that reads like the math: gen_at (a[i]), gen_at2 (a[i, j]) and
 * gen_range (a[start:stop]), checked against the extents (an index out of range is an
 * error naming it, not a clamp) and built on take and slice, so they differentiate and
 * run in batched mode like those. */
#include <stdio.h>

#include "op.h"

/* The first per-particle axis of a: in batched mode a batched array's axis 0 is the
 * particle axis, which model code does not count; elsewhere the mark changes nothing. */
static int first_axis(const gen_array *a) { return a->batched && arr_batch_n ? 1 : 0; }

/* Checks a (not NULL, not released, not a tuple) and that it has the axes fn indexes
 * (naxes per-particle axes from first_axis on). */
static gen_status check_array(const char *fn, const gen_array *a, int naxes) {
    if (CORE_UNLIKELY(arr_dead(a))) return arr_dead_fail(fn, "the array", a);
    gen_status s = arr_check_not_tuple(fn, "the array", a);
    if (s != GEN_OK) return s;
    int have = a->ndim - first_axis(a);
    if (have < naxes)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: needs %d dimension%s%s, got %d", fn, naxes, naxes > 1 ? "s" : "",
                        first_axis(a) ? " per particle" : "", have);
    return GEN_OK;
}

/* i counted from the end when negative, into 0..n-1; GEN_ERR_INDEX naming what, i, the
 * axis and its size otherwise. */
static gen_status norm_index(const char *fn, const char *what, int64_t *i, int axis, int64_t n) {
    int64_t j = *i < 0 && *i >= -n ? *i + n : *i;
    if (j < 0 || j >= n)
        return GEN_FAIL(GEN_ERR_INDEX, "%s: %s %lld is out of range for axis %d of size %lld (valid: 0..%lld, "
                        "or -%lld..-1 from the end)", fn, what, (long long)*i, axis, (long long)n,
                        (long long)n - 1, (long long)n);
    *i = j;
    return GEN_OK;
}

/* a[i] along physical axis ax (a checked): take with a 0-d index drops the axis. */
static gen_array *take_one(const gen_array *a, int64_t i, int ax) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(gen_take(a, gen_scalar_i64(i), ax));
}

gen_array *gen_at(const gen_array *a, int64_t i) {
    const char *fn = "gen_at";
    if (!a) return arr_null(fn, "the array");
    if (check_array(fn, a, 1) != GEN_OK) return NULL;
    int ax = first_axis(a);
    if (norm_index(fn, "index", &i, 0, a->shape[ax]) != GEN_OK) return NULL;
    return take_one(a, i, ax);
}

gen_array *gen_at2(const gen_array *a, int64_t i, int64_t j) {
    const char *fn = "gen_at2";
    if (!a) return arr_null(fn, "the array");
    if (check_array(fn, a, 2) != GEN_OK) return NULL;
    int ax = first_axis(a);
    if (norm_index(fn, "index i", &i, 0, a->shape[ax]) != GEN_OK ||
        norm_index(fn, "index j", &j, 1, a->shape[ax + 1]) != GEN_OK)
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(take_one(take_one(a, i, ax), j, ax));
}

gen_array *gen_range(const gen_array *a, int64_t start, int64_t stop) {
    const char *fn = "gen_range";
    if (!a) return arr_null(fn, "the array");
    if (check_array(fn, a, 1) != GEN_OK) return NULL;
    int ax = first_axis(a);
    int64_t n = a->shape[ax], s0 = start, e0 = stop;
    if (start < 0 && start >= -n) start += n;
    if (stop == GEN_END) stop = n;
    else if (stop < 0 && stop >= -n) stop += n;
    if (start < 0 || stop > n || stop < 0 || start > stop) {
        char e[32] = "GEN_END";
        if (e0 != GEN_END) snprintf(e, sizeof e, "%lld", (long long)e0);
        GEN_FAIL(GEN_ERR_INDEX, "%s: rows %lld up to %s are not a range of axis 0 of size %lld (need 0 <= start "
                 "<= stop <= %lld, negative counting from the end)", fn, (long long)s0, e, (long long)n,
                 (long long)n);
        return NULL;
    }
    return gen_slice(a, ax, start, stop, 1);
}
