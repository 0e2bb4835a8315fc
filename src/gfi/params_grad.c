/* params_grad.c — gen_params_value_and_grad: parameters as the inputs of a reverse-mode
 * transform. The transform runs a wrapper of the user's function whose extra inputs are
 * the store's parameters; while the wrapper runs, a frame on this thread's override stack
 * says "store s reads its parameters from these inputs", which gen_param consults
 * (gfi_params_read_at). Frames nest with the transforms, the innermost frame of a store
 * winning, and a nested call takes the outer frame's inputs as its primals, so gradients
 * of gradients flow through. The stack is per thread and lives only while a call runs. */
#include <math.h>

#include "params_int.h"

typedef struct override {
    const gen_params *s;
    int n;                  /* the store's parameter count when the frame was pushed */
    gen_array *const *vals; /* the transform's inputs, one per parameter */
    struct override *up;
} override;

static _Thread_local override *top;

const gen_array *gfi_params_read_at(const gen_params *s, int i) {
    for (const override *o = top; o; o = o->up)
        if (o->s == s && i < o->n) return o->vals[i];
    return s->p[i].value;
}

typedef struct wrap {
    gen_closure f;
    int n_in;
    const gen_params *s;
    int np;
} wrap;

/* f on the first n_in inputs, with the store reading the rest; a per-particle output (a
 * batched array, or a 1-D one such as gen_assess_batched's weight) summed. */
static gen_status wrapped(void *payload, int n, gen_array *const *in, int n_out, gen_array **out) {
    (void)n;
    const wrap *w = payload;
    override frame = {w->s, w->np, in + w->n_in, top};
    top = &frame;
    gen_status st = w->f.fn(w->f.payload, w->n_in, in, n_out, out);
    top = frame.up;
    if (st == GEN_OK && n_out == 1 && out[0] && !gen_array_is_tuple(out[0]) && gen_array_size(out[0]) != 1 &&
        (gen_array_is_batched(out[0]) || gen_array_ndim(out[0]) == 1)) {
        int64_t saved = gen_batch_suspend();
        out[0] = gen_sum(out[0], 0, NULL, false);
        gen_batch_resume(saved);
        if (!out[0]) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    return st;
}

/* acc + scale * g in acc's dtype, owned by the caller (the running scope holds the
 * temporaries). */
static gen_array *accumulate(const gen_array *acc, const gen_array *g, double scale) {
    gen_dtype t = gen_array_dtype(acc);
    gen_array *x = (gen_array *)g;
    if (scale != 1.0) x = gen_mul(x, t == GEN_F32 ? gen_scalar_f32((float)scale) : gen_scalar(scale));
    x = gen_add(acc, x);
    if (x && gen_array_dtype(x) != t) x = gen_cast(x, t);
    return gen_array_retain(x);
}

gen_status gen_params_value_and_grad(gen_params *s, gen_closure f, int n_in, gen_array *const *primals,
                                     double scale, gen_array **value, gen_array **in_grads) {
    if (value) *value = NULL;
    for (int i = 0; in_grads && i < n_in; i++) in_grads[i] = NULL;
    if (!s) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_value_and_grad: the store is NULL");
    if (!f.fn) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_value_and_grad: the closure's function is NULL");
    if (n_in < 0) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_value_and_grad: n_in is %d", n_in);
    if (n_in > 0 && !primals) return GEN_FAIL(GEN_ERR_MISUSE, "gen_params_value_and_grad: primals is NULL");
    for (int i = 0; i < n_in; i++)
        if (!primals[i]) {
            gen_status p = core_error_pending();
            return p ? p : GEN_FAIL(GEN_ERR_MISUSE, "gen_params_value_and_grad: primal %d is NULL", i);
        }
    if (!isfinite(scale)) return GEN_FAIL(GEN_ERR_VALUE, "gen_params_value_and_grad: the scale must be finite, got %g", scale);
    int np = s->n, total = n_in + np;
    size_t bytes = ((size_t)total + 1) * sizeof(gen_array *);
    gen_array **in = core_alloc(bytes), **grads = core_calloc((size_t)total + 1, sizeof *grads);
    gen_array **acc = core_calloc((size_t)np + 1, sizeof *acc);
    gen_status st = in && grads && acc ? gen_scope_begin() : GEN_ERR_OOM;
    if (st != GEN_OK) {
        core_free(in, in ? bytes : 0);
        core_free(grads, grads ? bytes : 0);
        core_free(acc, acc ? ((size_t)np + 1) * sizeof *acc : 0);
        return st;
    }
    for (int i = 0; i < n_in; i++) in[i] = primals[i];
    for (int i = 0; i < np; i++) in[n_in + i] = (gen_array *)gfi_params_read_at(s, i);
    wrap w = {f, n_in, s, np};
    gen_array *v = NULL;
    s->busy++;
    st = gen_value_and_grad((gen_closure){wrapped, &w}, total, in, &v, grads);
    s->busy--;
    for (int i = 0; i < np && st == GEN_OK; i++)
        if (!(acc[i] = accumulate(s->p[i].grad, grads[n_in + i], scale)))
            st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (st == GEN_OK && value && !(*value = gen_scope_return(v))) st = GEN_ERR_OOM;
    for (int i = 0; in_grads && i < n_in && st == GEN_OK; i++)
        if (!(in_grads[i] = gen_scope_return(grads[i]))) st = GEN_ERR_OOM;
    gen_scope_end();
    if (st == GEN_OK) {
        for (int i = 0; i < np; i++) {
            gen_array_release(s->p[i].grad);
            s->p[i].grad = acc[i];
        }
    } else {
        for (int i = 0; i < np; i++) gen_array_release(acc[i]);
        if (value) *value = NULL; /* a failed gen_scope_return (OOM) left nothing to release */
        for (int i = 0; in_grads && i < n_in; i++) in_grads[i] = NULL;
    }
    core_free(in, bytes);
    core_free(grads, bytes);
    core_free(acc, ((size_t)np + 1) * sizeof *acc);
    return st;
}
