/* sample_common.c — what the raw samplers' host code shares: parameter validation with
 * messages that name the bad element, casts, broadcasting of two parameters, and the
 * host copy of the factorial table (sample_hd.h). */
#include <string.h>

#include "sample_int.h"

const double smp_fact[23] = SMP_FACT_INIT;

const char *smp_rule_want(smp_rule rule, double x) {
    switch (rule) {
    case SMP_POSITIVE: return x > 0 ? "finite" : "> 0";
    case SMP_RATE: return x >= 0 ? "<= 9.223372006484771e18 (draws must fit in i64)" : ">= 0";
    case SMP_COUNT: return "an integer >= 0";
    default: return "in [0, 1]";
    }
}

gen_status smp_check_slow(const char *fn, const char *name, const gen_array *a, smp_rule rule) {
    for (int64_t i = 0; i < a->size; i++) {
        double x = arr_get_f64(a, i);
        if (smp_valid(rule, x)) continue;
        int64_t idx[GEN_MAX_DIMS], rest = i;
        for (int d = a->ndim - 1; d >= 0; d--) {
            idx[d] = rest % a->shape[d];
            rest /= a->shape[d];
        }
        char where[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s, got %g at index %s", fn, name, smp_rule_want(rule, x), x,
                        arr_shape_str(a->ndim, idx, where, sizeof where));
    }
    return GEN_OK;
}

const gen_array *smp_as(const gen_array *a, gen_dtype t) {
    return a->dtype == t ? a : gen_cast(a, t);
}

gen_status smp_broadcast(const char *fn, const gen_array *a, const gen_array *b, smp_bcast *out) {
    memset(out, 0, sizeof *out);
    gen_status s = arr_broadcast_shapes(fn, a->ndim, a->shape, b->ndim, b->shape, &out->ndim,
                                        out->shape);
    if (s != GEN_OK) return s;
    arr_broadcast_strides(a, out->ndim, out->shape, out->strides[0]);
    arr_broadcast_strides(b, out->ndim, out->shape, out->strides[1]);
    return GEN_OK;
}
