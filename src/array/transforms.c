/* transforms.c — the public autodiff transforms: gen_vjp, gen_grad,
 * gen_value_and_grad, gen_jvp and gen_custom_vjp. Each runs the user's closure inside
 * a scope with a tape on the transform stack, then hands the results to the caller's
 * scope (or to the caller). */
#include <stdio.h>
#include <string.h>

#include "autodiff_int.h"
#include "backend_api.h"

/* A tuple given or returned where a differentiable array is needed. */
static gen_status not_numbers(const char *fn, const char *what, int i) {
    return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s %d is a tuple, not an array of numbers", fn, what, i);
}

static CORE_NOINLINE gen_status dead_input(const char *fn, int i, const gen_array *a) {
    char what[32];
    snprintf(what, sizeof what, "input %d", i);
    return arr_dead_fail(fn, what, a);
}

static gen_status check_inputs(const char *fn, int n_in, gen_array *const *primals) {
    if (n_in < 0 || (n_in > 0 && !primals))
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: bad input list (n_in = %d)", fn, n_in);
    for (int i = 0; i < n_in; i++) {
        if (!primals[i]) {
            if (core_error_pending()) return core_error_pending();
            return GEN_FAIL(GEN_ERR_MISUSE, "%s: input %d is NULL", fn, i);
        }
        if (primals[i]->tuple) return arr_dead(primals[i]) ? dead_input(fn, i, primals[i]) : not_numbers(fn, "input", i);
        if (!arr_is_float(primals[i]->dtype))
            return GEN_FAIL(GEN_ERR_DTYPE,
                            "%s: input %d is %s; only f32 and f64 inputs can be differentiated",
                            fn, i, gen_dtype_name(primals[i]->dtype));
    }
    return GEN_OK;
}

/* Runs f inside the current scope; checks it produced n_out arrays. */
static gen_status call_closure(const char *fn, gen_closure f, int n_in, gen_array *const *in,
                               int n_out, gen_array **out) {
    if (!f.fn) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the closure's function is NULL", fn);
    for (int j = 0; j < n_out; j++) out[j] = NULL;
    core_guard g = core_guard_begin();
    gen_status st = f.fn(f.payload, n_in, in, n_out, out);
    gen_status sg = CORE_GUARD_END(g, st, "the function", "%s", fn);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        for (int j = 0; j < n_out; j++) out[j] = NULL; /* a scope closed for it may have owned them */
        return sg;
    }
    if (st != GEN_OK) {
        if (core_error_pending() == GEN_OK)
            GEN_FAIL(GEN_ERR_CALLBACK, "%s: the function returned %s", fn, gen_status_name(st));
        return core_error_pending();
    }
    for (int j = 0; j < n_out; j++)
        if (!out[j]) {
            if (core_error_pending()) return core_error_pending();
            return GEN_FAIL(GEN_ERR_CALLBACK, "%s: the function left output %d NULL", fn, j);
        } else if (out[j]->tuple) {
            return not_numbers(fn, "output", j);
        }
    return GEN_OK;
}

/* Keeps n results past the transform's scope (into the caller's). */
static void return_all(int n, gen_array **a) {
    for (int i = 0; i < n; i++) a[i] = gen_scope_return(a[i]);
}

static void clear_all(int n, gen_array **a) {
    if (a)
        for (int i = 0; i < n; i++) a[i] = NULL;
}

/* Shared by vjp, grad and value_and_grad. cot == NULL means "the single output is a
 * scalar; seed it with 1". */
static gen_status run_vjp(const char *fn, gen_closure f, int n_in, gen_array *const *primals,
                          int n_out, gen_array *const *cot, gen_array **out,
                          gen_array **in_cot) {
    gen_status st = check_inputs(fn, n_in, primals);
    if (st != GEN_OK) return st;
    if (n_out < 1) return GEN_FAIL(GEN_ERR_MISUSE, "%s: n_out must be at least 1", fn);
    if (!in_cot && n_in) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the gradient output is NULL", fn);
    if ((st = gen_scope_begin()) != GEN_OK) return st;
    ad_tape *t = ad_tape_push(false);
    gen_array **leaves = core_calloc((size_t)n_in + 1, sizeof *leaves);
    gen_array **res = core_calloc((size_t)n_out, sizeof *res);
    gen_array **seeds = core_calloc((size_t)n_out, sizeof *seeds);
    st = (t && leaves && res && seeds) ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < n_in && st == GEN_OK; i++)
        if (!(leaves[i] = ad_leaf(t, primals[i]))) st = core_error_pending();
    if (st == GEN_OK) st = call_closure(fn, f, n_in, leaves, n_out, res);
    for (int j = 0; j < n_out && st == GEN_OK; j++) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        if (!cot) {
            if (res[j]->size != 1 || !arr_is_float(res[j]->dtype))
                st = GEN_FAIL(GEN_ERR_SHAPE,
                              "%s: the function must return one float scalar, got %s %s", fn,
                              gen_dtype_name(res[j]->dtype),
                              arr_shape_str(res[j]->ndim, res[j]->shape, s1, sizeof s1));
            else {
                const backend *saved = arr_creation_follow(res[j]);
                seeds[j] = gen_ones((gen_dtype)res[j]->dtype, res[j]->ndim, res[j]->shape);
                arr_creation_restore(saved);
            }
        } else if (cot[j] && cot[j]->tuple) {
            st = not_numbers(fn, "cotangent", j);
        } else if (cot[j]) {
            if (cot[j]->ndim != res[j]->ndim ||
                memcmp(cot[j]->shape, res[j]->shape, (size_t)res[j]->ndim * sizeof(int64_t)))
                st = GEN_FAIL(GEN_ERR_SHAPE, "%s: cotangent %d has shape %s but output %d has %s",
                              fn, j, arr_shape_str(cot[j]->ndim, cot[j]->shape, s1, sizeof s1), j,
                              arr_shape_str(res[j]->ndim, res[j]->shape, s2, sizeof s2));
            else seeds[j] = cot[j];
        }
        if (st == GEN_OK && !cot && !seeds[j]) st = core_error_pending();
    }
    if (st == GEN_OK) { /* gradient rules compute on physical shapes */
        int64_t batch = arr_batch_suspend();
        st = ad_backward(t, n_out, res, seeds, n_in, leaves, in_cot);
        arr_batch_resume(batch);
    }
    if (st == GEN_OK) {
        /* Fresh headers for the results, so none leaves still linked to the tape; a
         * reshape (not a raw view) so enclosing transforms still track them. */
        for (int j = 0; j < n_out && st == GEN_OK; j++)
            if (!(res[j] = gen_reshape(res[j], res[j]->ndim, res[j]->shape)))
                st = core_error_pending();
    }
    if (st == GEN_OK) {
        return_all(n_in, in_cot);
        if (out) {
            memcpy(out, res, (size_t)n_out * sizeof *res);
            return_all(n_out, out);
        }
    } else {
        clear_all(n_in, in_cot);
        clear_all(n_out, out);
    }
    gen_scope_end(); /* releases the temporaries before the tape drops its references */
    if (t) ad_tape_pop(t);
    core_free(leaves, ((size_t)n_in + 1) * sizeof *leaves);
    core_free(res, (size_t)n_out * sizeof *res);
    core_free(seeds, (size_t)n_out * sizeof *seeds);
    return st;
}

gen_status gen_vjp(gen_closure f, int n_in, gen_array *const *primals, int n_out,
                   gen_array *const *cot, gen_array **out, gen_array **in_cot) {
    if (!cot) return GEN_FAIL(GEN_ERR_MISUSE, "gen_vjp: the cotangent list is NULL");
    return run_vjp("gen_vjp", f, n_in, primals, n_out, cot, out, in_cot);
}

gen_status gen_grad(gen_closure f, int n_in, gen_array *const *primals, gen_array **grads) {
    return run_vjp("gen_grad", f, n_in, primals, 1, NULL, NULL, grads);
}

gen_status gen_value_and_grad(gen_closure f, int n_in, gen_array *const *primals,
                              gen_array **value, gen_array **grads) {
    if (!value) return GEN_FAIL(GEN_ERR_MISUSE, "gen_value_and_grad: value is NULL");
    return run_vjp("gen_value_and_grad", f, n_in, primals, 1, NULL, value, grads);
}

gen_status gen_jvp(gen_closure f, int n_in, gen_array *const *primals,
                   gen_array *const *tangents, int n_out, gen_array **out, gen_array **out_tan) {
    gen_status st = check_inputs("gen_jvp", n_in, primals);
    if (st != GEN_OK) return st;
    if (n_out < 1 || !out_tan)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_jvp: n_out must be >= 1 and out_tan non-NULL");
    for (int i = 0; i < n_in && tangents; i++) {
        const gen_array *tg = tangents[i], *p = primals[i];
        if (tg && tg->tuple) return not_numbers("gen_jvp", "tangent", i);
        if (tg && (tg->ndim != p->ndim || memcmp(tg->shape, p->shape, p->ndim * sizeof(int64_t)))) {
            char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
            return GEN_FAIL(GEN_ERR_SHAPE, "gen_jvp: tangent %d has shape %s but input %d has %s",
                            i, arr_shape_str(tg->ndim, tg->shape, s1, sizeof s1), i,
                            arr_shape_str(p->ndim, p->shape, s2, sizeof s2));
        }
    }
    if ((st = gen_scope_begin()) != GEN_OK) return st;
    ad_tape *t = ad_tape_push(true);
    gen_array **leaves = core_calloc((size_t)n_in + 1, sizeof *leaves);
    gen_array **res = core_calloc((size_t)n_out, sizeof *res);
    st = (t && leaves && res) ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < n_in && st == GEN_OK; i++) {
        gen_array *tg = tangents ? tangents[i] : NULL;
        if (tg && tg->dtype != primals[i]->dtype) tg = gen_cast(tg, (gen_dtype)primals[i]->dtype);
        if (!(leaves[i] = ad_tangent_leaf(t, primals[i], tg))) st = core_error_pending();
    }
    if (st == GEN_OK) st = call_closure("gen_jvp", f, n_in, leaves, n_out, res);
    for (int j = 0; j < n_out && st == GEN_OK; j++) {
        gen_array *tg = ad_tangent_of(t, res[j]);
        const backend *saved = arr_creation_follow(res[j]);
        out_tan[j] = tg ? gen_copy(tg) : gen_zeros((gen_dtype)res[j]->dtype, res[j]->ndim, res[j]->shape);
        arr_creation_restore(saved);
        gen_array *v = gen_reshape(res[j], res[j]->ndim, res[j]->shape);
        res[j] = v;
        if (!out_tan[j] || !v) st = core_error_pending();
    }
    if (st == GEN_OK) {
        return_all(n_out, out_tan);
        if (out) {
            memcpy(out, res, (size_t)n_out * sizeof *res);
            return_all(n_out, out);
        }
    } else {
        clear_all(n_out, out_tan);
        clear_all(n_out, out);
    }
    gen_scope_end();
    if (t) ad_tape_pop(t);
    core_free(leaves, ((size_t)n_in + 1) * sizeof *leaves);
    core_free(res, (size_t)n_out * sizeof *res);
    return st;
}

gen_status gen_custom_vjp(gen_closure fwd, gen_vjp_rule rule, void *rule_payload, int n_in,
                          gen_array *const *in, int n_out, gen_array **out) {
    if (!rule || !out || n_out < 1 || n_in < 0 || (n_in && !in) || n_in > INT32_MAX - n_out)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_custom_vjp: missing rule, inputs or outputs");
    for (int i = 0; i < n_in; i++)
        if (!in[i]) {
            clear_all(n_out, out);
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "gen_custom_vjp: input %d is NULL", i);
        } else if (in[i]->tuple) {
            clear_all(n_out, out);
            return arr_dead(in[i]) ? dead_input("gen_custom_vjp", i, in[i]) : not_numbers("gen_custom_vjp", "input", i);
        }
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    unsigned token = ad_pause_all();
    st = call_closure("gen_custom_vjp", fwd, n_in, in, n_out, out);
    ad_resume_all(token);
    /* The CUSTOM_VJP row over (inputs, forward outputs): fresh headers viewing the
     * forward's outputs, recorded with the rule as their VJP. */
    size_t nb = (size_t)(n_in + n_out) * sizeof(gen_array *);
    gen_array *small[16], **args = n_in + n_out <= 16 ? small : core_alloc(nb);
    if (st == GEN_OK && !args) st = GEN_ERR_OOM;
    if (st == GEN_OK) {
        if (n_in) memcpy(args, in, (size_t)n_in * sizeof *args);
        memcpy(args + n_in, out, (size_t)n_out * sizeof *args);
        op_params p = {.k = n_in, .rule = rule, .payload = rule_payload};
        int64_t batch = arr_batch_suspend(); /* the outputs keep the forward's shapes */
        st = op_apply_n(OP_CUSTOM_VJP, n_in + n_out, args, &p, n_out, out);
        arr_batch_resume(batch);
    }
    if (args && args != small) core_free(args, nb);
    if (st == GEN_OK) return_all(n_out, out);
    else clear_all(n_out, out);
    gen_scope_end();
    return st;
}
