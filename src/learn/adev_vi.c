/* adev_vi.c — black-box variational inference (Gen.jl's black_box_vi! and
 * black_box_vimco!, GenJAX's vi): gradient steps on an ADEV objective, with an
 * optional running-average baseline for the score-function terms. */
#include "adev_int.h"

gen_status gen_adev_vi(const gen_gf *prog, gen_key key, int n, gen_array **params,
                       const gen_adev_vi_config *c, gen_adev_step_fn step, void *payload,
                       double *history) {
    if (!prog || !c || !step || (n > 0 && !params))
        return core_error_pending() ? core_error_pending()
                                    : GEN_FAIL(GEN_ERR_MISUSE, "gen_adev_vi: the %s is NULL",
                                               !prog ? "program" : !c ? "configuration" : !step ? "step" : "parameter list");
    if (c->iters < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_adev_vi: iters must be >= 1, got %d", c->iters);
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "gen_adev_vi: n must be >= 0, got %d", n);
    for (int i = 0; i < n; i++)
        if (!params[i])
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "gen_adev_vi: parameter %d is NULL", i);
    double decay = c->decay > 0.0 ? c->decay : 0.9;
    if (decay >= 1.0) return GEN_FAIL(GEN_ERR_VALUE, "gen_adev_vi: decay must be in [0, 1), got %g", c->decay);
    gen_adev_options o = c->options;
    bool running = o.baseline_kind == GEN_ADEV_BASELINE_CONSTANT;
    double avg = 0.0;
    gen_array *small[8], **g = n <= 8 ? small : core_alloc((size_t)n * sizeof *g);
    if (!g) return GEN_ERR_OOM;
    gen_status s = GEN_OK;
    for (int t = 0; t < c->iters && s == GEN_OK; t++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        if (running) o.baseline = avg;
        gen_args args = {n, params, NULL};
        gen_array *v = NULL;
        double val = 0.0;
        s = gen_adev_estimate(prog, gen_key_fold_in(key, (uint64_t)t), &args, &o, &v, g);
        if (s == GEN_OK) s = gen_item(v, &val);
        if (s == GEN_OK) {
            /* the step releases the caller's references and puts new arrays of this scope
             * in their place: keep those past it */
            s = step(payload, n, params, g);
            for (int i = 0; s == GEN_OK && i < n; i++)
                if (!params[i] || !gen_array_retain(params[i]))
                    s = core_error_pending() ? core_error_pending()
                                             : GEN_FAIL(GEN_ERR_CALLBACK, "gen_adev_vi: the step left parameter %d NULL", i);
        }
        gen_scope_end();
        if (s != GEN_OK) break;
        if (history) history[t] = val;
        avg = t == 0 ? val : decay * avg + (1.0 - decay) * val;
    }
    if (g != small) core_free(g, (size_t)n * sizeof *g);
    return s;
}
