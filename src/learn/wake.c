/* wake.c — the wake phase of reweighted wake-sleep for a model's parameters: importance
 * samples from a proposal, normalized weights, and the weighted sum of the gradients of
 * log p(z_i, obs) added to the model's store. */
#include <math.h>

#include "genc/infer.h"
#include "train_int.h"

typedef struct wake_obj {
    const gen_gf *model;
    const gen_args *args;
    const gen_choicemap *choices; /* the batched trace's */
    const gen_array *w;           /* [n] normalized weights (constants) */
    int64_t n;
} wake_obj;

/* sum_i w_i log p(z_i, obs) */
static gen_status wake_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)in, (void)n_out;
    const wake_obj *o = payload;
    gen_array *lp = NULL;
    gen_status st = gen_assess_batched(o->model, o->n, o->args, o->choices, &lp, NULL);
    if (st != GEN_OK) return st;
    out[0] = gen_sum(gen_mul(gen_unbatched(lp), o->w), 0, NULL, false);
    return out[0] ? GEN_OK : core_error_pending();
}

gen_status gen_wake(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                    gen_params *model_params, const gen_gf *proposal, const gen_args *proposal_args, int64_t n,
                    double scale, double *log_ml) {
    static const char fn[] = "gen_wake";
    if (!model || !obs || !model_params)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn,
                        !model ? "the model" : !obs ? "obs" : "model_params");
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: n must be >= 1, got %lld", fn, (long long)n);
    if (!isfinite(scale)) return GEN_FAIL(GEN_ERR_VALUE, "%s: scale must be finite, got %g", fn, scale);
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    double lml = 0;
    st = gen_importance_sampling_batched(model, key, args, obs, proposal, proposal_args, n, &tr, &lw, &lml);
    if (st == GEN_OK && !(lml > -INFINITY))
        st = GEN_FAIL(GEN_ERR_VALUE, "every importance weight is -inf (or NaN): no sample of the %lld has "
                                     "positive density", (long long)n);
    if (st == GEN_OK) {
        /* normalized weights, as constants of the gradient */
        gen_array *u = gen_unbatched(lw);
        gen_array *w = gen_stop_gradient(gen_exp(gen_sub(u, gen_logsumexp(u, 0, NULL, false))));
        wake_obj o = {model, args, gen_trace_choices(tr), w, n};
        st = w ? gen_params_value_and_grad(model_params, (gen_closure){wake_fn, &o}, 0, NULL, scale, NULL, NULL)
               : core_error_pending();
    }
    if (st != GEN_OK && core_error_pending()) core_error_prefix("%s", fn);
    gen_scope_end();
    if (st == GEN_OK && log_ml) *log_ml = lml;
    return st;
}
