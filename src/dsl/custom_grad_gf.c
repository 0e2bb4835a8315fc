/* custom_grad_gf.c — custom-gradient generative functions (Gen.jl's CustomGradientGF):
 * a deterministic function given by a forward C function and its VJP rule. A dynamic
 * function whose body makes no choice and returns gen_custom_vjp(forward, vjp) of its
 * arguments, so every GFI operation, batched mode and the gradient operations come from
 * the DSL (as distributions as generative functions do, dist_gf.c). */
#include "dsl_int.h"

typedef struct custom_gf {
    int n_args; /* -1: any */
    gen_fn forward;
    gen_vjp_rule vjp;
    void *payload;
    void (*free_payload)(void *payload);
} custom_gf;

static void custom_free(void *p) {
    custom_gf *g = p;
    if (g->free_payload) g->free_payload(g->payload);
    core_free(g, sizeof *g);
}

static gen_status custom_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    const custom_gf *g = gen_ctx_payload(ctx);
    if (g->n_args >= 0 && args->n != g->n_args)
        return GEN_FAIL(GEN_ERR_VALUE, "takes %d argument%s, got %d", g->n_args, g->n_args == 1 ? "" : "s", args->n);
    gen_array *out = NULL;
    gen_status s = gen_custom_vjp((gen_closure){g->forward, g->payload}, g->vjp, g->payload, args->n, args->v, 1, &out);
    if (s == GEN_OK && !out) s = GEN_FAIL(GEN_ERR_CALLBACK, "the forward function returned no output");
    /* in batched mode the output of batched arguments is per particle: marked as the
     * forward function's own ops would have marked it (gen_custom_vjp hands out plain
     * arrays) */
    bool batched_in = false;
    for (int i = 0; i < args->n && !batched_in; i++) batched_in = gen_array_is_batched(args->v[i]);
    if (s == GEN_OK && batched_in && gen_batch_size() > 0 && !gen_array_is_batched(out) && !gen_array_is_tuple(out)) {
        int64_t saved = gen_batch_suspend();
        out = gen_batched(out);
        gen_batch_resume(saved);
        if (!out) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    *retval = out;
    return s;
}

gen_gf *gen_custom_gradient_gf(const char *name, int n_args, gen_fn forward, gen_vjp_rule vjp, void *payload,
                               void (*free_payload)(void *payload)) {
    gen_status s = GEN_OK;
    if (!name || !forward || !vjp)
        s = GEN_FAIL(GEN_ERR_MISUSE, "gen_custom_gradient_gf: the %s is NULL", !name ? "name" : !forward ? "forward function" : "VJP rule");
    else if (n_args < -1)
        s = GEN_FAIL(GEN_ERR_VALUE, "gen_custom_gradient_gf: %s: n_args must be >= -1, got %d", name, n_args);
    custom_gf *g = s == GEN_OK ? core_alloc(sizeof *g) : NULL;
    if (!g) {
        if (free_payload) free_payload(payload);
        return NULL;
    }
    *g = (custom_gf){n_args, forward, vjp, payload, free_payload};
    return gen_dynamic_with(name, custom_body, g, custom_free);
}
