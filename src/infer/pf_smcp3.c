/* pf_smcp3.c — SMCP3 (SMC with probabilistic program proposals): one particle's move
 * (forward kernel K, translator, update, backward kernel L, log |det J| of the translator
 * by translate.c, as involutive MCMC computes it) and the filter's init, step and move
 * made of it with pf_move_all (all particles or none). */
#include <math.h>

#include "pf_int.h"
#include "translate_int.h"

/* The translator as a translate_map: its payload, the model's arguments before and
 * after the move and K's return value. */
typedef struct smcp3_ctx {
    gen_smcp3_translator tr;
    const gen_args *old_args, *new_args;
    const gen_array *fwd_retval;
} smcp3_ctx;

static gen_status translator_apply(const void *p, const gen_choicemap *model, const gen_choicemap *aux,
                                   gen_choicemap **nm, gen_choicemap **bwd) {
    const smcp3_ctx *c = p;
    return c->tr.fn(c->tr.ud, c->old_args, c->new_args, model, aux, c->fwd_retval, nm, bwd);
}

/* Checks the move; fn names the call. */
static gen_status check_move(const char *fn, const gen_smcp3_move *move) {
    if (!move) return infer_null(fn, "the move");
    if (!move->forward) return infer_null(fn, "the move's forward kernel");
    if (!move->backward) return infer_null(fn, "the move's backward kernel");
    if (!move->translator.fn) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the move's translator has no function", fn);
    return GEN_OK;
}

/* x (tr; NULL: from nothing, by generate of model) moved to *out at args (NULL: tr's),
 * with the parts of its increment in *info. Runs in a scope the caller opened; errors
 * carry no call name (the caller prefixes it). */
static gen_status smcp3_particle(const gen_gf *model, const gen_trace *tr, gen_key key, const gen_args *args,
                                 const gen_diff *argdiffs, const gen_choicemap *obs, const gen_smcp3_move *move,
                                 gen_trace **out, gen_smcp3_info *info) {
    const gen_args *fa = move->forward_args, *ba = move->backward_args;
    gen_args fwd = {fa ? fa->n : 0, fa ? fa->v : NULL, (void *)tr};
    const gen_args *old_args = tr ? gen_trace_args(tr) : NULL, *new_args = args ? args : old_args;
    gen_choicemap *u = NULL, *nm = NULL, *bwd = NULL, *all = NULL, *discard = NULL;
    gen_array *w_fwd = NULL, *ret = NULL, *w = NULL, *w_bwd = NULL;
    const gen_choicemap *c0 = NULL;
    gen_key k[2];
    gen_status s = gen_key_split(key, 2, k);
    if (s == GEN_OK && !(c0 = tr ? gen_trace_choices(tr) : gen_choicemap_empty())) s = infer_pending();
    if (s == GEN_OK && (s = gen_propose(move->forward, k[0], &fwd, &u, &w_fwd, &ret)) != GEN_OK)
        core_error_prefix("the forward kernel");
    smcp3_ctx ctx = {move->translator, old_args, new_args, ret};
    translate_map tm = {translator_apply, &ctx, NULL, "the translator"};
    if (s == GEN_OK) s = translate_apply(&tm, c0, u, &nm, &bwd);
    if (s == GEN_OK && !(all = obs ? gen_choicemap_merge(obs, nm) : nm)) {
        s = infer_pending();
        core_error_prefix("the translator's choices and the observations");
    }
    if (s == GEN_OK) {
        s = tr ? gen_update(tr, k[1], new_args, argdiffs, all, out, &w, NULL, &discard)
               : gen_generate(model, k[1], new_args, all, out, &w);
        if (s != GEN_OK) core_error_prefix("applying the translator's choices");
    }
    if (s == GEN_OK && !discard && !(discard = gen_choicemap_empty())) s = infer_pending();
    if (s == GEN_OK) s = translate_log_abs_det(&tm, c0, u, discard, nm, bwd, &info->log_abs_det);
    if (s == GEN_OK) {
        gen_args b = {ba ? ba->n : 0, ba ? ba->v : NULL, *out};
        if ((s = gen_assess(move->backward, &b, bwd, &w_bwd, NULL)) != GEN_OK)
            core_error_prefix("the backward kernel cannot score the backward choices");
    }
    if (s == GEN_OK && (s = gen_item(w, &info->model_weight)) == GEN_OK &&
        (s = gen_item(w_fwd, &info->fwd_score)) == GEN_OK && (s = gen_item(w_bwd, &info->bwd_score)) == GEN_OK)
        info->log_weight = info->model_weight - info->fwd_score + info->bwd_score + info->log_abs_det;
    return s;
}

gen_status gen_smcp3_propose(const gen_trace *tr, gen_key key, const gen_gf *model, const gen_args *args,
                             const gen_diff *argdiffs, const gen_choicemap *obs, const gen_smcp3_move *move,
                             gen_trace **out, gen_smcp3_info *info) {
    const char *fn = "gen_smcp3_propose";
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    gen_status s = check_move(fn, move);
    if (s != GEN_OK) return s;
    if (!tr && !model) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the trace and the model are both NULL", fn);
    if (tr && model && model != gen_trace_gf(tr))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the model is not the trace's generative function", fn);
    if (tr && gen_trace_batch_size(tr)) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the trace is batched", fn);
    if (!args && argdiffs) return GEN_FAIL(GEN_ERR_MISUSE, "%s: argdiffs without args (args NULL keeps the trace's)", fn);
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_smcp3_info inf = {NAN, NAN, NAN, NAN, NAN};
    gen_diff same[16];
    const gen_diff *d = args || !tr ? argdiffs : infer_same_args(tr, same);
    gen_trace *x = NULL;
    s = smcp3_particle(model, tr, key, args, d, obs, move, &x, &inf);
    if (s == GEN_OK && !(*out = gen_trace_scope_return(x))) s = infer_pending();
    if (s != GEN_OK) core_error_prefix("%s", fn);
    if (info) *info = inf;
    gen_scope_end();
    return s;
}

/* ---- the filter --------------------------------------------------------------------- */

typedef struct move_ctx {
    const gen_gf *model; /* init only */
    const gen_args *args; /* NULL: each particle's own */
    const gen_diff *argdiffs;
    const gen_choicemap *obs;
    const gen_smcp3_move *move;
} move_ctx;

static gen_status particle_move(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out,
                                double *dlw) {
    (void)i;
    const move_ctx *c = ud;
    gen_smcp3_info inf;
    gen_diff same[16];
    const gen_diff *d = c->args || !tr ? c->argdiffs : infer_same_args(tr, same);
    gen_status s = smcp3_particle(c->model, tr, key, c->args, d, c->obs, c->move, out, &inf);
    if (s == GEN_OK) *dlw = inf.log_weight;
    return s;
}

/* Checks the filter and the arity of args against the particles' traces. */
static gen_status check_filter(const char *fn, const gen_pf *pf, const gen_args *args) {
    if (!pf) return infer_null(fn, "the filter");
    if (pf->batch) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the filter is batched (SMCP3 moves one trace at a time)", fn);
    if (!args) return GEN_OK;
    const gen_args *old = gen_trace_args(pf->traces[0]);
    int n_new = args->n, n_old = old ? old->n : 0;
    if (n_new != n_old)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: args has %d arguments, the particles' traces have %d", fn, n_new, n_old);
    return GEN_OK;
}

gen_status gen_pf_step_smcp3(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                             const gen_choicemap *obs, const gen_smcp3_move *move) {
    const char *fn = "gen_pf_step_smcp3";
    static const gen_args none = {0, NULL, NULL};
    gen_status s = check_filter(fn, pf, args ? args : &none);
    if (s != GEN_OK) return s;
    if (!obs) return infer_null(fn, "the observations");
    if ((s = check_move(fn, move)) != GEN_OK) return s;
    move_ctx c = {NULL, args ? args : &none, argdiffs, obs, move};
    s = pf_reserve_ess(pf); /* first: once the particles moved, nothing fails */
    if (s == GEN_OK) s = pf_move_all(pf, fn, key, particle_move, &c);
    if (s != GEN_OK) return s;
    pf->steps++;
    pf->ess[pf->n_ess++] = infer_ess_of(pf->lw, pf->n);
    return GEN_OK;
}

gen_status gen_pf_move_smcp3(gen_pf *pf, gen_key key, const gen_smcp3_move *move) {
    const char *fn = "gen_pf_move_smcp3";
    gen_status s = check_filter(fn, pf, NULL);
    if (s == GEN_OK) s = check_move(fn, move);
    if (s != GEN_OK) return s;
    move_ctx c = {NULL, NULL, NULL, NULL, move};
    return pf_move_all(pf, fn, key, particle_move, &c);
}

gen_status gen_pf_init_smcp3(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                             const gen_smcp3_move *move, int64_t n, gen_pf **pf) {
    const char *fn = "gen_pf_init_smcp3";
    if (!pf) return GEN_FAIL(GEN_ERR_MISUSE, "%s: pf is NULL", fn);
    *pf = NULL;
    if (!model) return infer_null(fn, "the model");
    if (!obs) return infer_null(fn, "the observations");
    gen_status s = check_move(fn, move);
    if (s != GEN_OK) return s;
    static const gen_args none = {0, NULL, NULL};
    move_ctx c = {model, args ? args : &none, NULL, obs, move};
    return pf_init_with(fn, key, n, particle_move, &c, pf);
}
