/* elementwise.c — type rules of the elementwise public wrappers: cast the arguments
 * to the type the kernel computes in, then dispatch. */
#include "elementwise.h"

/* Dispatches with arguments cast to t, inside a scope when a cast is needed so the
 * temporaries die here. */
static gen_array *apply_as(op_id op, int n, const gen_array *const *args, gen_dtype t) {
    bool cast = false;
    for (int i = 0; i < n; i++) {
        if (!args[i] || args[i]->tuple) /* op_apply reports a NULL, a tuple, a released array */
            return op_apply(op, n, (gen_array *const *)args, NULL);
        cast |= args[i]->dtype != t;
    }
    if (!cast) return op_apply(op, n, (gen_array *const *)args, NULL);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *conv[3];
    for (int i = 0; i < n; i++)
        conv[i] = args[i]->dtype == t ? (gen_array *)args[i] : gen_cast(args[i], t);
    return arr_scope_return(op_apply(op, n, conv, NULL));
}

gen_array *ew_unary_float(op_id op, const gen_array *a) {
    return apply_as(op, 1, &a, a ? arr_float_type((gen_dtype)a->dtype) : GEN_F64);
}

gen_array *ew_unary_numeric(op_id op, const gen_array *a) {
    return apply_as(op, 1, &a, a ? arr_promote((gen_dtype)a->dtype, GEN_I64) : GEN_F64);
}

gen_array *ew_binary(op_id op, const gen_array *a, const gen_array *b, bool float_only) {
    const gen_array *args[2] = {a, b};
    gen_dtype t = GEN_F64;
    if (a && b) {
        t = arr_promote(arr_promote((gen_dtype)a->dtype, (gen_dtype)b->dtype), GEN_I64);
        if (float_only) t = arr_float_type(t);
    }
    return apply_as(op, 2, args, t);
}

gen_array *ew_compare(op_id op, const gen_array *a, const gen_array *b) {
    const gen_array *args[2] = {a, b};
    gen_dtype t = a && b ? arr_promote((gen_dtype)a->dtype, (gen_dtype)b->dtype) : GEN_F64;
    return apply_as(op, 2, args, t);
}
