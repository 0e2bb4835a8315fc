/* adev_vi.c — black-box variational inference (Gen.jl's black_box_vi! and
 * black_box_vimco!, GenJAX's vi): optimizer steps on an ADEV objective whose parameters
 * are its arguments or live in a parameter store, with an optional running-average
 * baseline for the score-function terms. */
#include "adev_int.h"
#include "genc/train.h"

/* One iteration: an estimate with options o on key, its value into *val, one step. */
typedef gen_status (*vi_iteration)(void *ud, gen_key key, const gen_adev_options *o, double *val);

/* The loop both entry points share: iterations on fold_in(key, t), each in a scope of its
 * own, the running-average baseline, the history, errors prefixed with the iteration. */
static gen_status vi_loop(const char *fn, gen_key key, const gen_adev_vi_config *c, vi_iteration it, void *ud,
                          double *history) {
    if (c->iters < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: iters must be >= 1, got %d", fn, c->iters);
    double decay = c->decay > 0.0 ? c->decay : 0.9;
    if (decay >= 1.0) return GEN_FAIL(GEN_ERR_VALUE, "%s: decay must be in [0, 1), got %g", fn, c->decay);
    gen_adev_options o = c->options;
    bool running = o.baseline_kind == GEN_ADEV_BASELINE_CONSTANT;
    double avg = 0.0;
    gen_status s = GEN_OK;
    for (int t = 0; t < c->iters && s == GEN_OK; t++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        if (running) o.baseline = avg;
        double val = 0.0;
        s = it(ud, gen_key_fold_in(key, (uint64_t)t), &o, &val);
        if (s != GEN_OK) core_error_prefix("%s: iteration %d", fn, t);
        gen_scope_end();
        if (s != GEN_OK) break;
        if (history) history[t] = val;
        avg = t == 0 ? val : decay * avg + (1.0 - decay) * val;
    }
    return s;
}

typedef struct by_args {
    const gen_gf *prog;
    int n;
    gen_array **params, **grads;
    const char *const *names;
    gen_optimizer *opt;
} by_args;

static gen_status args_iteration(void *ud, gen_key key, const gen_adev_options *o, double *val) {
    by_args *b = ud;
    gen_args args = {b->n, b->params, NULL};
    gen_array *v = NULL;
    gen_status s = gen_adev_estimate(b->prog, key, &args, o, &v, b->grads);
    if (s == GEN_OK) s = gen_item(v, val);
    /* the optimizer replaces the caller's references by new ones no scope owns */
    if (s == GEN_OK) s = gen_optimizer_step(b->opt, b->n, b->names, b->params, (const gen_array *const *)b->grads);
    return s;
}

gen_status gen_adev_vi(const gen_gf *prog, gen_key key, int n, gen_array **params, const char *const *names,
                       const gen_adev_vi_config *c, gen_optimizer *opt, double *history) {
    const char *fn = "gen_adev_vi";
    if (!prog || !c || !opt || (n > 0 && (!params || !names)))
        return core_error_pending() ? core_error_pending()
                                    : GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn,
                                               !prog     ? "program"
                                               : !c      ? "configuration"
                                               : !opt    ? "optimizer"
                                               : !params ? "parameter list"
                                                         : "name list");
    if (n < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n must be >= 0, got %d", fn, n);
    for (int i = 0; i < n; i++)
        if (!params[i])
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter %d is NULL", fn, i);
    gen_array *small[8], **g = n <= 8 ? small : core_alloc((size_t)n * sizeof *g);
    if (!g) return GEN_ERR_OOM;
    by_args b = {prog, n, params, g, names, opt};
    gen_status s = vi_loop(fn, key, c, args_iteration, &b, history);
    if (g != small) core_free(g, (size_t)n * sizeof *g);
    return s;
}

typedef struct by_store {
    const gen_gf *prog;
    const gen_args *args;
    gen_params *store;
    gen_optimizer *opt;
} by_store;

static gen_status store_iteration(void *ud, gen_key key, const gen_adev_options *o, double *val) {
    by_store *b = ud;
    gen_closure f = {0};
    gen_array *v = NULL;
    gen_status s = gen_adev_surrogate(b->prog, key, b->args, o, &f);
    if (s == GEN_OK) {
        s = gen_params_value_and_grad(b->store, f, b->args ? b->args->n : 0, b->args ? b->args->v : NULL, 1.0, &v,
                                      NULL);
        gen_adev_surrogate_free(&f);
    }
    if (s == GEN_OK) s = gen_item(v, val);
    if (s == GEN_OK) s = gen_params_apply(b->store, b->opt);
    return s;
}

gen_status gen_adev_vi_params(const gen_gf *prog, gen_key key, const gen_args *args, gen_params *store,
                              const gen_adev_vi_config *c, gen_optimizer *opt, double *history) {
    const char *fn = "gen_adev_vi_params";
    if (!prog || !store || !c || !opt)
        return core_error_pending() ? core_error_pending()
                                    : GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn,
                                               !prog    ? "program"
                                               : !store ? "parameter store"
                                               : !c     ? "configuration"
                                                        : "optimizer");
    by_store b = {prog, args, store, opt};
    return vi_loop(fn, key, c, store_iteration, &b, history);
}
