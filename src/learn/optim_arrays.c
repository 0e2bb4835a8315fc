/* optim_arrays.c — gen_optimizer_step: the arguments checked, the values and gradients
 * read into host doubles, one learn_optim_step, and the new values made as arrays of the
 * old ones' dtype, shape and device, owned by the caller. */
#include <stdio.h>
#include <string.h>

#include "learn_int.h"

static bool is_float(const gen_array *a) {
    return !gen_array_is_tuple(a) && (gen_array_dtype(a) == GEN_F64 || gen_array_dtype(a) == GEN_F32);
}

static void shape_text(const gen_array *a, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "%s[", gen_dtype_name(gen_array_dtype(a)));
    for (int i = 0; i < gen_array_ndim(a) && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)gen_array_shape(a)[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

/* The arguments, before anything is read. */
static gen_status check_args(const char *fn, int n, const char *const *names, gen_array **values,
                             const gen_array *const *grads) {
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n must be >= 0, got %d", fn, n);
    if (n > 0 && (!names || !values || !grads))
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !names ? "names" : !values ? "values" : "grads");
    for (int i = 0; i < n; i++) {
        if (!names[i]) return GEN_FAIL(GEN_ERR_MISUSE, "%s: names[%d] is NULL", fn, i);
        if (!values[i] || !grads[i])
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s: %s[%d] is NULL", fn, names[i],
                                                   values[i] ? "grads" : "values", i);
        if (!is_float(values[i]) || !is_float(grads[i]))
            return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s: the %s is %s, not f64 or f32", fn, names[i],
                            is_float(values[i]) ? "gradient" : "value",
                            gen_array_is_tuple(is_float(values[i]) ? grads[i] : values[i])
                                ? "a tuple"
                                : gen_dtype_name(gen_array_dtype(is_float(values[i]) ? grads[i] : values[i])));
        int nd = gen_array_ndim(values[i]);
        bool same = nd == gen_array_ndim(grads[i]) &&
                    memcmp(gen_array_shape(values[i]), gen_array_shape(grads[i]), (size_t)nd * sizeof(int64_t)) == 0;
        if (!same) {
            char a[128], b[128];
            shape_text(grads[i], a, sizeof a);
            shape_text(values[i], b, sizeof b);
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s: the gradient is %s, the value %s", fn, names[i], a, b);
        }
    }
    return GEN_OK;
}

gen_status gen_optimizer_step(gen_optimizer *o, int n, const char *const *names, gen_array **values,
                              const gen_array *const *grads) {
    static const char fn[] = "gen_optimizer_step";
    if (!o) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the optimizer is NULL", fn);
    gen_status s = check_args(fn, n, names, values, grads);
    if (s != GEN_OK || n == 0) return s;
    int64_t total = 0, *size = core_alloc((size_t)n * sizeof *size);
    double **theta = core_calloc((size_t)n, sizeof *theta), **grad = core_calloc((size_t)n, sizeof *grad);
    gen_array **made = core_calloc((size_t)n, sizeof *made);
    double *buf = NULL;
    if (!size || !theta || !grad || !made) s = GEN_ERR_OOM;
    for (int i = 0; s == GEN_OK && i < n; i++) total += (size[i] = gen_array_size(values[i]));
    if (s == GEN_OK && !(buf = core_alloc((size_t)(2 * total + 1) * sizeof *buf))) s = GEN_ERR_OOM;
    for (int64_t i = 0, off = 0; s == GEN_OK && i < n; off += size[i], i++) {
        theta[i] = buf + off;
        grad[i] = buf + total + off;
        s = gen_array_copy_to(values[i], GEN_F64, theta[i], (size_t)size[i] * sizeof(double));
        if (s == GEN_OK) s = gen_array_copy_to(grads[i], GEN_F64, grad[i], (size_t)size[i] * sizeof(double));
    }
    if (s == GEN_OK) s = learn_optim_step(o, fn, n, names, theta, grad, size);
    /* the new arrays, each kept by a reference of the caller's: made in a scope of ours,
     * retained, the scope's reference dropped at its end */
    if (s == GEN_OK) s = gen_scope_begin();
    else goto done;
    for (int i = 0; s == GEN_OK && i < n; i++) {
        const gen_array *v = values[i];
        gen_array *a = gen_array_from_f64(gen_array_ndim(v), gen_array_shape(v), theta[i]);
        if (a && gen_array_dtype(v) != GEN_F64) a = gen_cast(a, gen_array_dtype(v));
        if (a && gen_array_is_batched(v)) a = gen_batched(a);
        if (a && gen_array_device(v) != GEN_DEVICE_CPU) a = gen_array_to_device(a, gen_array_device(v));
        if (!(made[i] = a ? gen_array_retain(a) : NULL)) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    gen_scope_end();
    if (s != GEN_OK) { /* the optimizer's state moved: the values cannot follow (out of memory) */
        for (int i = 0; i < n; i++) gen_array_release(made[i]);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        gen_array_release(values[i]);
        values[i] = made[i];
    }
done:
    if (buf) core_free(buf, (size_t)(2 * total + 1) * sizeof *buf);
    core_free(size, (size_t)n * sizeof *size);
    core_free(theta, (size_t)n * sizeof *theta);
    core_free(grad, (size_t)n * sizeof *grad);
    core_free(made, (size_t)n * sizeof *made);
    return s;
}
