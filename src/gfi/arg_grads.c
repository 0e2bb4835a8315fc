/* arg_grads.c — argument-gradient annotations (Gen.jl's has_argument_grads): which
 * arguments of a generative function have gradients. Under an autodiff transform the
 * others enter its runs (generate, simulate, assess) through gen_stop_gradient, so no
 * gradient flows into them from any caller, and the gradient operations
 * (gradients.c) give NULL for them. */
#include <string.h>

#include "gfi_int.h"
#include "../array/autodiff_int.h"

gen_status gen_gf_set_argument_grads(gen_gf *f, int n, const bool *has_grad) {
    if (!f) return GEN_FAIL(GEN_ERR_MISUSE, "gen_gf_set_argument_grads: the generative function is NULL");
    if (core_dead(f)) return gfi_dead_fail("gen_gf_set_argument_grads", "the generative function", f, "a generative function");
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "gen_gf_set_argument_grads: %s: n is %d", f->name, n);
    if (n > 0 && !has_grad) return GEN_FAIL(GEN_ERR_MISUSE, "gen_gf_set_argument_grads: %s: has_grad is NULL", f->name);
    bool *copy = NULL;
    if (n > 0) {
        if (!(copy = core_alloc((size_t)n * sizeof *copy))) return GEN_ERR_OOM;
        memcpy(copy, has_grad, (size_t)n * sizeof *copy);
    }
    if (f->arg_grads) core_free(f->arg_grads, (size_t)f->n_arg_grads * sizeof *f->arg_grads);
    f->arg_grads = copy;
    f->n_arg_grads = n;
    return GEN_OK;
}

bool gen_gf_has_argument_grad(const gen_gf *f, int i) {
    if (!f) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_gf_has_argument_grad: the generative function is NULL");
        return false;
    }
    if (i < 0) return false;
    return !f->arg_grads || i >= f->n_arg_grads || f->arg_grads[i];
}

gen_status gfi_args_stop(const gen_gf *f, const gen_args *args, gen_args *out) {
    int n = args ? args->n : 0;
    *out = (gen_args){0, NULL, NULL};
    if (n == 0) {
        if (args) *out = *args;
        return GEN_OK;
    }
    gen_array **v = core_alloc((size_t)n * sizeof *v);
    if (!v) return GEN_ERR_OOM;
    for (int i = 0; i < n; i++) {
        gen_array *a = args->v[i];
        if (!gen_gf_has_argument_grad(f, i) && !gen_array_is_tuple(a)) {
            int64_t saved = gen_batch_suspend(); /* a view: the same physical array */
            a = gen_stop_gradient(a);
            gen_batch_resume(saved);
            if (!a) {
                core_free(v, (size_t)n * sizeof *v);
                return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
            }
        }
        v[i] = a;
    }
    *out = (gen_args){n, v, args->user};
    return GEN_OK;
}

void gfi_args_unstop(const gen_args *args, gen_args *out) {
    if (out->v && (!args || out->v != args->v)) core_free((void *)out->v, (size_t)out->n * sizeof *out->v);
    *out = (gen_args){0, NULL, NULL};
}
