/* tuple.c — tuples of arrays (DESIGN decision 1): an array header flagged tuple whose
 * storage holds references to its items, so that generative functions can return and
 * take several arrays as one gen_array. */
#include <stdio.h>
#include <string.h>

#include "array_int.h"

gen_status arr_tuple_fail(const char *op, const char *what) {
    return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s is a tuple, not an array of numbers", op, what);
}

gen_status arr_tuple_arg_fail(const char *op, int k) {
    return GEN_FAIL(GEN_ERR_DTYPE, "%s: argument %d is a tuple, not an array of numbers", op, k);
}

void arr_tuple_release_items(gen_array *t) {
    gen_array *const *items = arr_tuple_items(t);
    for (int64_t i = 0; i < t->size; i++) gen_array_release(items[i]);
}

gen_array *gen_tuple(int n, gen_array *const *items) {
    if (n < 0 || (n > 0 && !items)) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_tuple: bad item list (n = %d%s)", n,
                 n > 0 ? ", items is NULL" : "");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!items[i]) {
            if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_tuple: item %d is NULL", i);
            return NULL;
        }
    int64_t len = n;
    gen_array *t = arr_alloc("gen_tuple", GEN_F64, 1, &len); /* an f64 slot per item pointer */
    if (!t) return NULL;
    gen_array **slots = t->data;
    for (int i = 0; i < n; i++) slots[i] = gen_array_retain(items[i]);
    t->tuple = 1; /* only now: releasing t releases its items */
    return arr_publish(t);
}

bool gen_array_is_tuple(const gen_array *a) {
    if (a && CORE_UNLIKELY(a->tuple == ARR_DEAD_TAG) && arr_dead(a))
        return arr_dead_fail("gen_array_is_tuple", "the array", a), false;
    return a && a->tuple;
}

/* t's size, or -1 with an error naming fn when t is NULL or not a tuple. */
static int tuple_check(const char *fn, const gen_array *t) {
    if (!t) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the tuple is NULL", fn);
        return -1;
    }
    if (CORE_UNLIKELY(arr_dead(t))) {
        arr_dead_fail(fn, "the tuple", t);
        return -1;
    }
    if (!t->tuple) {
        char s[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_DTYPE, "%s: the argument is not a tuple (it is %s%s)", fn,
                 gen_dtype_name(t->dtype), arr_shape_str(t->ndim, t->shape, s, sizeof s));
        return -1;
    }
    return (int)t->size;
}

int gen_tuple_size(const gen_array *t) { return tuple_check("gen_tuple_size", t); }

gen_array *gen_tuple_get(const gen_array *t, int i) {
    int n = tuple_check("gen_tuple_get", t);
    if (n < 0) return NULL;
    if (i < 0 || i >= n) {
        GEN_FAIL(GEN_ERR_INDEX, "gen_tuple_get: index %d is out of range for a tuple of %d", i, n);
        return NULL;
    }
    return arr_tuple_items(t)[i];
}

/* used + w characters written, clamped to what fits in n (snprintf truncated). */
static size_t advance(size_t used, int w, size_t n) {
    size_t u = used + (w > 0 ? (size_t)w : 0);
    return u < n ? u : n - 1;
}

gen_status arr_tuple_format(const gen_array *t, char *buf, size_t n) {
    size_t used = advance(0, snprintf(buf, n, "(tuple of %lld%s", (long long)t->size,
                                      t->size ? ": " : ")"), n);
    gen_array *const *items = arr_tuple_items(t);
    for (int64_t i = 0; i < t->size && used + 1 < n; i++) {
        gen_status st = gen_array_format(items[i], buf + used, n - used); /* NUL-terminates */
        if (st != GEN_OK) return st;
        used += strlen(buf + used);
        used = advance(used, snprintf(buf + used, n - used, i + 1 < t->size ? ", " : ")"), n);
    }
    return GEN_OK;
}
