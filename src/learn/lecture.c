/* lecture.c — the sleep phase of wake-sleep (Gen.jl's lecture! and lecture_batched!):
 * simulate the model, then add the gradient of log q(latents; args) to the proposal's
 * parameters. */
#include <math.h>

#include "train_int.h"

static gen_status check_spec(const char *fn, const gen_lecture_spec *s) {
    if (!s) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the spec is NULL", fn);
    if (!s->model || !s->proposal || !s->proposal_params || !s->proposal_args)
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn,
                        !s->model      ? "the model"
                        : !s->proposal ? "the proposal"
                        : !s->proposal_params ? "proposal_params"
                                              : "proposal_args");
    return GEN_OK;
}

/* n = 0: one scalar run; n >= 1: one batched run of n. */
static gen_status lecture(const char *fn, const gen_lecture_spec *s, gen_key key, int64_t n, double scale,
                          double *score) {
    gen_status st = check_spec(fn, s);
    if (st != GEN_OK) return st;
    if (!isfinite(scale)) return GEN_FAIL(GEN_ERR_VALUE, "%s: scale must be finite, got %g", fn, scale);
    gen_key k[2];
    st = gen_key_split(key, 2, k);
    if (st != GEN_OK) return st;
    if ((st = gen_scope_begin()) != GEN_OK) return st;
    gen_trace *p_tr = NULL, *q_tr = NULL;
    gen_array *w = NULL, *args[GEN_TRAIN_MAX_ARGS] = {0};
    int n_args = -1;
    double v = 0;
    st = n ? gen_simulate_batched(s->model, k[0], n, s->model_args, &p_tr) : gen_simulate(s->model, k[0], s->model_args, &p_tr);
    const gen_choicemap *latents = NULL;
    if (st == GEN_OK) {
        latents = s->latents ? gen_choicemap_restrict(gen_trace_choices(p_tr), s->latents) : gen_trace_choices(p_tr);
        if (!latents) st = core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    }
    if (st == GEN_OK) {
        st = s->proposal_args(s->payload, p_tr, args, &n_args);
        if (st == GEN_OK && (n_args < 0 || n_args > GEN_TRAIN_MAX_ARGS))
            st = GEN_FAIL(GEN_ERR_VALUE, "proposal_args gave %d arguments (0 to %d allowed)", n_args, GEN_TRAIN_MAX_ARGS);
        if (st != GEN_OK) {
            if (!core_error_pending()) GEN_FAIL(st, "failed (%s)", gen_status_name(st));
            core_error_prefix("proposal_args");
        }
    }
    if (st == GEN_OK) {
        gen_args qa = {n_args, args, NULL};
        st = n ? gen_generate_batched(s->proposal, k[1], n, &qa, latents, &q_tr, &w)
               : gen_generate(s->proposal, k[1], &qa, latents, &q_tr, &w);
    }
    if (st == GEN_OK) st = gen_accumulate_param_gradients(q_tr, s->proposal_params, NULL, n ? scale / (double)n : scale, NULL);
    if (st == GEN_OK && score) st = gen_item(n ? gen_mean(w, 0, NULL, false) : w, &v);
    if (st != GEN_OK && core_error_pending()) core_error_prefix("%s", fn);
    gen_scope_end();
    if (st == GEN_OK && score) *score = v;
    return st;
}

gen_status gen_lecture(const gen_lecture_spec *s, gen_key key, double scale, double *score) {
    return lecture("gen_lecture", s, key, 0, scale, score);
}

gen_status gen_lecture_batched(const gen_lecture_spec *s, gen_key key, int64_t n, double scale, double *score) {
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_lecture_batched: n must be >= 1, got %lld", (long long)n);
    return lecture("gen_lecture_batched", s, key, n, scale, score);
}
