/* involutive.c — involutive MCMC (Gen.jl's mh with a proposal and an involution): the
 * proposal's auxiliary choices and the model's choices are mapped by a user involution,
 * with the Jacobian of its continuous part computed by forward-mode autodiff
 * (translate.c, shared with SMCP3), and an optional check that the involution is its own
 * inverse. */
#include <math.h>

#include "translate_int.h"

static const char *FN = "gen_mh_involutive";

/* The involution as a translate_map (translate.c): its payload, the model's arguments
 * and the proposal's return value, which it reads besides the two maps. */
typedef struct inv_ctx {
    gen_involution inv;
    const gen_args *margs;
    const gen_array *ret;
} inv_ctx;

static gen_status inv_apply(const void *p, const gen_choicemap *model, const gen_choicemap *aux, gen_choicemap **nm,
                            gen_choicemap **bwd) {
    const inv_ctx *c = p;
    return c->inv.fn(c->inv.ud, c->margs, model, aux, c->ret, nm, bwd);
}

static gen_status call_inv(gen_involution inv, const gen_args *margs, const gen_choicemap *model,
                           const gen_choicemap *aux, const gen_array *ret, gen_choicemap **nm,
                           gen_choicemap **bwd) {
    inv_ctx c = {inv, margs, ret};
    translate_map m = {inv_apply, &c, FN, "the involution"};
    return translate_apply(&m, model, aux, nm, bwd);
}

/* Applies the involution to the proposed state and checks it gives back the start. */
static gen_status check_inverse(gen_involution inv, const gen_trace *tr, const gen_trace *tr2,
                                const gen_choicemap *aux, const gen_choicemap *bwd,
                                const gen_array *ret_bwd, gen_key key) {
    gen_choicemap *nm2 = NULL, *aux2 = NULL, *discard = NULL;
    gen_trace *tr3 = NULL;
    char where[GEN_ADDR_FORMAT_MAX + 160];
    const gen_choicemap *c0 = NULL, *c2 = NULL, *c3 = NULL;
    gen_status s = infer_choices(tr2, &c2);
    if (s == GEN_OK) s = call_inv(inv, gen_trace_args(tr2), c2, bwd, ret_bwd, &nm2, &aux2);
    if (s == GEN_OK) s = infer_update(tr2, key, nm2, &tr3, NULL, &discard);
    if (s == GEN_OK && (s = infer_choices(tr, &c0)) == GEN_OK) s = infer_choices(tr3, &c3);
    if (s != GEN_OK) {
        core_error_prefix("%s: check: applying the involution twice", FN);
        return s;
    }
    if (!infer_maps_close(c0, c3, 1e-10, where, sizeof where))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the involution is not its own inverse: applied twice it gives model choices with %s", FN, where);
    if (!infer_maps_close(aux, aux2, 1e-10, where, sizeof where))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the involution is not its own inverse: applied twice it gives auxiliary choices with %s", FN, where);
    return GEN_OK;
}

static gen_status check_args(const char *fn, const gen_trace *tr, const gen_gf *proposal, gen_involution inv,
                             gen_trace **out) {
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!tr) return infer_null(fn, "the trace");
    if (!proposal) return infer_null(fn, "the proposal");
    if (!inv.fn) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the involution has no function", fn);
    if (gen_trace_batch_size(tr)) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the trace is batched", fn);
    return GEN_OK;
}

/* A move the model rejects (reject.c): it stays at tr with log_alpha and the part that
 * failed (*part) -inf. */
static gen_status refused(const gen_trace *tr, gen_trace **prop, gen_involutive_info *info, double *part) {
    *prop = (gen_trace *)tr;
    *part = -INFINITY;
    info->log_alpha = -INFINITY;
    return GEN_OK;
}

/* The body of the move, in a scope the caller opened. */
static gen_status propose_move(const gen_trace *tr, const gen_gf *proposal, const gen_args *pargs,
                               gen_involution inv, bool check, gen_key key, gen_trace **prop,
                               gen_involutive_info *info) {
    gen_key k[3];
    gen_args fwd = {pargs ? pargs->n : 0, pargs ? pargs->v : NULL, (void *)tr};
    gen_choicemap *aux = NULL, *nm = NULL, *bwd = NULL, *discard = NULL;
    gen_array *w_fwd = NULL, *ret = NULL, *w = NULL, *w_bwd = NULL, *ret_bwd = NULL;
    const gen_choicemap *c0 = NULL, *c1 = NULL;
    gen_status s = gen_key_split(key, 3, k);
    if (s == GEN_OK) s = infer_choices(tr, &c0);
    if (s == GEN_OK) s = gen_propose(proposal, k[0], &fwd, &aux, &w_fwd, &ret);
    if (s == GEN_OK) s = call_inv(inv, gen_trace_args(tr), c0, aux, ret, &nm, &bwd);
    if (s == GEN_OK && (s = infer_update(tr, k[1], nm, prop, &w, &discard)) != GEN_OK) {
        if (infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) /* the model rejects the move */
            return refused(tr, prop, info, &info->update_weight);
        core_error_prefix("%s: applying the involution's model choices", FN);
    }
    if (s == GEN_OK) s = infer_choices(*prop, &c1);
    if (s == GEN_OK && gen_choicemap_count(c1) != gen_choicemap_count(c0) - gen_choicemap_count(discard) + gen_choicemap_count(nm))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: the new model choices leave some choices of the new trace unconstrained (update sampled them): the involution must give every new choice",
                     FN);
    inv_ctx ic = {inv, gen_trace_args(tr), ret};
    translate_map tm = {inv_apply, &ic, FN, "the involution"};
    if (s == GEN_OK) s = translate_log_abs_det(&tm, c0, aux, discard, nm, bwd, &info->log_abs_det);
    if (s == GEN_OK) {
        gen_args b = {fwd.n, fwd.v, *prop};
        if ((s = gen_assess(proposal, &b, bwd, &w_bwd, &ret_bwd)) != GEN_OK) {
            if (infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) /* density 0 for the way back */
                return refused(tr, prop, info, &info->bwd_score);
            core_error_prefix("%s: the proposal cannot propose the backward auxiliary choices", FN);
        }
    }
    if (s == GEN_OK && check) s = check_inverse(inv, tr, *prop, aux, bwd, ret_bwd, k[2]);
    double a = 0, b = 0, c = 0;
    if (s == GEN_OK && (s = gen_item(w, &a)) == GEN_OK && (s = gen_item(w_fwd, &b)) == GEN_OK &&
        (s = gen_item(w_bwd, &c)) == GEN_OK) {
        info->update_weight = a;
        info->fwd_score = b;
        info->bwd_score = c;
        info->log_alpha = a - b + c + info->log_abs_det;
    }
    return s;
}

gen_status gen_involutive_propose(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                                  const gen_args *proposal_args, gen_involution inv, bool check,
                                  gen_trace **proposed, gen_involutive_info *info) {
    gen_status s = check_args("gen_involutive_propose", tr, proposal, inv, proposed);
    if (s != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    gen_involutive_info inf = {NAN, NAN, NAN, NAN, 0};
    gen_trace *p = NULL;
    s = propose_move(tr, proposal, proposal_args, inv, check, key, &p, &inf);
    if (s == GEN_OK && !(*proposed = gen_trace_scope_return(p))) s = infer_pending();
    if (info) *info = inf;
    gen_scope_end();
    return s;
}

gen_status gen_mh_involutive(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                             const gen_args *proposal_args, gen_involution inv, bool check,
                             gen_trace **out, bool *accepted) {
    gen_status s = check_args(FN, tr, proposal, inv, out);
    if (s != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    gen_key k[2];
    gen_trace *p = NULL;
    gen_involutive_info inf;
    s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = propose_move(tr, proposal, proposal_args, inv, check, k[0], &p, &inf);
    if (s == GEN_OK) s = infer_decide(tr, p, inf.log_alpha, k[1], out, accepted);
    gen_scope_end();
    return s;
}

static gen_status invol_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("involutive", NULL);
    const gen_involutive_kernel *k = p;
    return gen_mh_involutive(tr, key, k->proposal, k->proposal_args, k->involution, k->check, out, acc);
}

gen_kernel gen_kernel_involutive(gen_involutive_kernel *k) { return (gen_kernel){.fn = invol_fn, .payload = k}; }
