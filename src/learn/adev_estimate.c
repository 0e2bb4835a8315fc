/* adev_estimate.c — the ADEV estimator's surrogate closure (the mean over samples of each
 * run's surrogate, with the estimator's baseline applied) and gen_adev_estimate, its
 * value and gradient. */
#include <string.h>

#include "adev_int.h"

typedef struct adev_surr {
    const gen_gf *prog;
    void *user;
    gen_key key;
    gen_adev_options o;
} adev_surr;

static gen_status surrogate(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    const adev_surr *p = payload;
    (void)n_out;
    gen_args args = {n_in, in, p->user};
    adev_job job = {p->prog, &args, p->o.strategy};
    int n = p->o.samples;
    gen_array *small[2 * 16], **sd = n <= 16 ? small : core_alloc((size_t)n * 2 * sizeof *sd);
    double vsmall[16], *v = n <= 16 ? vsmall : core_alloc((size_t)n * sizeof *v);
    gen_status s = sd && v ? GEN_OK : GEN_ERR_OOM;
    double total = 0.0;
    for (int i = 0; i < n && s == GEN_OK; i++) {
        s = adev_run_sample(&job, gen_key_fold_in(p->key, (uint64_t)i), &sd[2 * i], &sd[2 * i + 1], &v[i]);
        if (s == GEN_OK) total += v[i];
    }
    gen_array *acc = NULL;
    for (int i = 0; i < n && s == GEN_OK; i++) {
        double b = p->o.baseline_kind == GEN_ADEV_BASELINE_CONSTANT ? p->o.baseline
                   : p->o.baseline_kind == GEN_ADEV_BASELINE_LEAVE_ONE_OUT ? (total - v[i]) / (n - 1)
                                                                            : 0.0;
        gen_array *si = b != 0.0 ? gen_sub(sd[2 * i], gen_mul(gen_scalar(b), sd[2 * i + 1])) : sd[2 * i];
        acc = acc ? gen_add(acc, si) : si;
        if (!acc) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    if (s == GEN_OK && !(out[0] = n > 1 ? gen_div(acc, gen_scalar((double)n)) : acc))
        s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (sd && sd != small) core_free(sd, (size_t)n * 2 * sizeof *sd);
    if (v && v != vsmall) core_free(v, (size_t)n * sizeof *v);
    return s;
}

static gen_status check(const char *fn, const gen_gf *prog, const gen_args *args, const gen_adev_options *o,
                        gen_adev_options *out) {
    if (!prog) return core_error_pending() ? core_error_pending()
                                           : GEN_FAIL(GEN_ERR_MISUSE, "%s: the program is NULL", fn);
    *out = o ? *o : (gen_adev_options){0};
    if (out->samples == 0) out->samples = 1;
    if (prog->vt != &dsl_vtable)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the program %s is not a dynamic generative function", fn, prog->name);
    if (gen_batch_size())
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: ADEV runs are scalar, not in batched mode", fn);
    if (out->samples < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: samples must be >= 1, got %d", fn, out->samples);
    if ((unsigned)out->baseline_kind > GEN_ADEV_BASELINE_LEAVE_ONE_OUT)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown baseline kind %d", fn, (int)out->baseline_kind);
    if (out->baseline_kind == GEN_ADEV_BASELINE_LEAVE_ONE_OUT && out->samples < 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the leave-one-out baseline needs samples >= 2, got %d", fn,
                        out->samples);
    if ((unsigned)out->strategy > GEN_ADEV_MVD)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown strategy %d", fn, (int)out->strategy);
    int n = args ? args->n : 0;
    for (int i = 0; i < n; i++) {
        if (!args->v[i])
            return core_error_pending() ? core_error_pending()
                                        : GEN_FAIL(GEN_ERR_MISUSE, "%s: argument %d is NULL", fn, i);
        gen_dtype t = gen_array_dtype(args->v[i]);
        if (t != GEN_F64 && t != GEN_F32)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: argument %d of %s is not a float array (the arguments are the "
                            "differentiated parameters)", fn, i, prog->name);
    }
    return GEN_OK;
}

gen_status gen_adev_surrogate(const gen_gf *prog, gen_key key, const gen_args *args,
                              const gen_adev_options *options, gen_closure *f) {
    if (!f) return GEN_FAIL(GEN_ERR_MISUSE, "gen_adev_surrogate: the closure output is NULL");
    *f = (gen_closure){0};
    gen_adev_options o;
    gen_status s = check("gen_adev_surrogate", prog, args, options, &o);
    if (s != GEN_OK) return s;
    adev_surr *p = core_alloc(sizeof *p);
    if (!p) return GEN_ERR_OOM;
    *p = (adev_surr){prog, args ? args->user : NULL, key, o};
    *f = (gen_closure){surrogate, p};
    return GEN_OK;
}

void gen_adev_surrogate_free(gen_closure *f) {
    if (!f || !f->payload) return;
    core_free(f->payload, sizeof(adev_surr));
    *f = (gen_closure){0};
}

gen_status gen_adev_estimate(const gen_gf *prog, gen_key key, const gen_args *args,
                             const gen_adev_options *options, gen_array **value, gen_array **grads) {
    gen_adev_options o;
    int n = args ? args->n : 0;
    if (value) *value = NULL;
    for (int i = 0; grads && i < n; i++) grads[i] = NULL;
    gen_status s = check("gen_adev_estimate", prog, args, options, &o);
    if (s != GEN_OK) return s;
    adev_surr p = {prog, args ? args->user : NULL, key, o};
    gen_closure f = {surrogate, &p};
    gen_array *small[8], **g = n <= 8 ? small : core_alloc((size_t)n * sizeof *g);
    if (!g) return GEN_ERR_OOM;
    gen_array *v = NULL;
    if ((s = gen_scope_begin()) == GEN_OK) {
        s = gen_value_and_grad(f, n, n ? args->v : NULL, &v, g);
        if (s == GEN_OK && value) *value = gen_scope_return(v);
        for (int i = 0; s == GEN_OK && grads && i < n; i++) grads[i] = gen_scope_return(g[i]);
        gen_scope_end();
    }
    if (g != small) core_free(g, (size_t)n * sizeof *g);
    return s;
}
