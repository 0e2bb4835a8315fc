/* adev_vi.c — black-box variational inference (Gen.jl's black_box_vi! and
 * black_box_vimco!, GenJAX's vi): optimizer steps on an ADEV objective, with an
 * optional running-average baseline for the score-function terms. */
#include "adev_int.h"

gen_status gen_adev_vi(const gen_gf *prog, gen_key key, int n, gen_array **params, const char *const *names,
                       const gen_adev_vi_config *c, gen_optimizer *opt, double *history) {
    const char *fn = "gen_adev_vi";
    if (!prog || !c || !opt || (n > 0 && (!params || !names)))
        return core_error_pending() ? core_error_pending()
                                    : GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn,
                                               !prog  ? "program"
                                               : !c   ? "configuration"
                                               : !opt ? "optimizer"
                                               : !params ? "parameter list"
                                                         : "name list");
    if (c->iters < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: iters must be >= 1, got %d", fn, c->iters);
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n must be >= 0, got %d", fn, n);
    for (int i = 0; i < n; i++)
        if (!params[i])
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter %d is NULL", fn, i);
    double decay = c->decay > 0.0 ? c->decay : 0.9;
    if (decay >= 1.0) return GEN_FAIL(GEN_ERR_VALUE, "%s: decay must be in [0, 1), got %g", fn, c->decay);
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
        /* the optimizer replaces the caller's references by new ones no scope owns */
        if (s == GEN_OK) s = gen_optimizer_step(opt, n, names, params, (const gen_array *const *)g);
        if (s != GEN_OK) core_error_prefix("%s: iteration %d", fn, t);
        gen_scope_end();
        if (s != GEN_OK) break;
        if (history) history[t] = val;
        avg = t == 0 ? val : decay * avg + (1.0 - decay) * val;
    }
    if (g != small) core_free(g, (size_t)n * sizeof *g);
    return s;
}
