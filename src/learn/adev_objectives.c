/* adev_objectives.c — the ELBO, IWELBO and VIMCO objectives as ADEV programs over (model,
 * model arguments, observations, guide): dynamic generative functions of the guide's
 * arguments that simulate the guide under the ADEV handler and score the model with
 * assess. */
#include <math.h>
#include <string.h>

#include "adev_int.h"

typedef struct adev_obj {
    gen_gf *model, *guide;
    gen_choicemap *obs;
    gen_array **margs; /* retained */
    gen_args model_args;
    int k;
    bool vimco;
} adev_obj;

static void obj_free(void *payload) {
    adev_obj *o = payload;
    gen_gf_release(o->model);
    gen_gf_release(o->guide);
    gen_choicemap_release(o->obs);
    for (int i = 0; i < o->model_args.n; i++) gen_array_release(o->margs[i]);
    if (o->margs) core_free(o->margs, (size_t)o->model_args.n * sizeof *o->margs);
    core_free(o, sizeof *o);
}

/* log p(x, z) - log q(z) for the guide's trace q. NULL on error. */
static gen_array *log_weight(const adev_obj *o, const gen_trace *q) {
    gen_choicemap *m = gen_choicemap_merge(o->obs, gen_trace_choices(q));
    gen_array *lp = NULL;
    if (!m || gen_assess(o->model, &o->model_args, m, &lp, NULL) != GEN_OK) {
        core_error_prefix("adev: scoring the model on the guide's choices");
        return NULL;
    }
    return gen_sub(lp, gen_trace_score(q));
}

static gen_status elbo_body(gen_ctx *ctx, const gen_args *args, gen_array **ret) {
    const adev_obj *o = gen_ctx_payload(ctx);
    gen_trace *q = NULL;
    gen_status s = gen_adev_simulate(ctx, "guide", o->guide, args, &q);
    if (s != GEN_OK) return s;
    *ret = log_weight(o, q);
    return *ret ? GEN_OK : gen_error_status();
}

/* Gen.jl's vimco_geometric_baselines: for sample i, the IWELBO with log w_i replaced by
 * the mean of the other log weights. */
static gen_status vimco_baselines(gen_ctx *ctx, int k, const gen_array *lw) {
    double small[64], *w = k <= 32 ? small : core_alloc((size_t)k * 2 * sizeof *w);
    if (!w) return GEN_ERR_OOM;
    double *b = w + k, sum = 0.0;
    gen_array *h = gen_stop_gradient(lw);
    gen_status s = h ? gen_array_copy_to(h, GEN_F64, w, (size_t)k * sizeof *w) : gen_error_status();
    for (int i = 0; s == GEN_OK && i < k; i++) sum += w[i];
    for (int i = 0; s == GEN_OK && i < k; i++) {
        double keep = w[i], m = -INFINITY, acc = 0.0;
        w[i] = (sum - keep) / (k - 1);
        for (int j = 0; j < k; j++) m = w[j] > m ? w[j] : m;
        for (int j = 0; j < k; j++) acc += exp(w[j] - m);
        b[i] = m + log(acc) - log((double)k);
        w[i] = keep;
    }
    if (s == GEN_OK) s = adev_set_call_baselines(ctx, k, b);
    if (w != small) core_free(w, (size_t)k * 2 * sizeof *w);
    return s;
}

static gen_status iwelbo_body(gen_ctx *ctx, const gen_args *args, gen_array **ret) {
    const adev_obj *o = gen_ctx_payload(ctx);
    gen_array *small[32], **lw = o->k <= 32 ? small : core_alloc((size_t)o->k * sizeof *lw);
    if (!lw) return GEN_ERR_OOM;
    gen_status s = GEN_OK;
    gen_sym particles = gen_intern("particles");
    for (int i = 0; i < o->k && s == GEN_OK; i++) {
        gen_addr a = {.len = 2};
        a.parts[0] = gen_part_sym(particles);
        a.parts[1] = gen_part_int(i);
        gen_trace *q = NULL;
        s = adev_simulate_at(ctx, &a, o->guide, args, &q);
        if (s == GEN_OK && !(lw[i] = log_weight(o, q))) s = gen_error_status();
    }
    gen_array *all = s == GEN_OK ? gen_stack(o->k, lw, 0) : NULL;
    if (s == GEN_OK && !all) s = gen_error_status();
    if (s == GEN_OK && o->vimco) s = vimco_baselines(ctx, o->k, all);
    if (s == GEN_OK) {
        *ret = gen_sub(gen_logsumexp(all, 0, NULL, false), gen_scalar(log((double)o->k)));
        if (!*ret) s = gen_error_status();
    }
    if (lw != small) core_free(lw, (size_t)o->k * sizeof *lw);
    return s;
}

static gen_gf *objective(const char *fn, const gen_gf *model, const gen_args *model_args,
                         const gen_choicemap *obs, const gen_gf *guide, int k, int min_k, gen_body body,
                         bool vimco) {
    if (!model || !guide || !obs) {
        if (!core_error_pending())
            GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, !model ? "model" : !guide ? "guide" : "observations");
        return NULL;
    }
    if (k < min_k) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: needs at least %d samples, got %d", fn, min_k, k);
        return NULL;
    }
    int n = model_args ? model_args->n : 0;
    for (int i = 0; i < n; i++)
        if (!model_args->v[i]) {
            if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: model argument %d is NULL", fn, i);
            return NULL;
        }
    adev_obj *o = core_calloc(1, sizeof *o);
    if (!o) return NULL;
    if (n && !(o->margs = core_calloc((size_t)n, sizeof *o->margs))) {
        core_free(o, sizeof *o);
        return NULL;
    }
    o->model = gen_gf_retain((gen_gf *)model);
    o->guide = gen_gf_retain((gen_gf *)guide);
    o->obs = gen_choicemap_retain((gen_choicemap *)obs);
    for (int i = 0; i < n; i++) o->margs[i] = gen_array_retain(model_args->v[i]);
    o->model_args = (gen_args){n, o->margs, model_args ? model_args->user : NULL};
    o->k = k;
    o->vimco = vimco;
    return gen_dynamic_with(fn + 9 /* the name after "gen_adev_" */, body, o, obj_free);
}

gen_gf *gen_adev_elbo(const gen_gf *model, const gen_args *model_args, const gen_choicemap *observations,
                      const gen_gf *guide) {
    return objective("gen_adev_elbo", model, model_args, observations, guide, 1, 1, elbo_body, false);
}

gen_gf *gen_adev_iwelbo(const gen_gf *model, const gen_args *model_args, const gen_choicemap *observations,
                        const gen_gf *guide, int k) {
    return objective("gen_adev_iwelbo", model, model_args, observations, guide, k, 1, iwelbo_body, false);
}

gen_gf *gen_adev_vimco(const gen_gf *model, const gen_args *model_args, const gen_choicemap *observations,
                       const gen_gf *guide, int k) {
    return objective("gen_adev_vimco", model, model_args, observations, guide, k, 2, iwelbo_body, true);
}
