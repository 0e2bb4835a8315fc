/* involutive.c — involutive MCMC (Gen.jl's mh with a proposal and an involution): the
 * proposal's auxiliary choices and the model's choices are mapped by a user involution,
 * with the Jacobian of its continuous part computed by forward-mode autodiff, and an
 * optional check that the involution is its own inverse. */
#include <math.h>
#include <stdio.h>

#include "kernels_int.h"

static const char *FN = "gen_mh_involutive";

/* Runs the user's involution and checks what it returned. */
static gen_status call_inv(gen_involution inv, const gen_args *margs, const gen_choicemap *model,
                           const gen_choicemap *aux, const gen_array *ret, gen_choicemap **nm,
                           gen_choicemap **bwd) {
    *nm = *bwd = NULL;
    core_guard g = core_guard_begin();
    gen_status s = inv.fn(inv.ud, margs, model, aux, ret, nm, bwd);
    gen_status sg = CORE_GUARD_END(g, s, "the involution", "%s", FN);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        *nm = *bwd = NULL; /* a scope closed for it may have owned them */
        return sg;
    }
    if (s != GEN_OK) {
        if (!core_error_pending()) return GEN_FAIL(GEN_ERR_CALLBACK, "%s: the involution failed (%s)", FN, gen_status_name(s));
        core_error_prefix("%s: the involution", FN);
        return s;
    }
    if (!*nm || !*bwd)
        return GEN_FAIL(GEN_ERR_CALLBACK, "%s: the involution returned no %s", FN, *nm ? "backward auxiliary choices" : "model choices");
    return GEN_OK;
}

/* What the Jacobian's function reads: the involution evaluated at the continuous
 * inputs it consumes (the model's values that the move replaces or drops, then the
 * auxiliary choices), as one flat vector. */
typedef struct jac_ctx {
    gen_involution inv;
    const gen_args *margs;
    const gen_choicemap *model, *aux;
    const gen_selection *consumed;
    const gen_array *ret;
    int64_t dm, d;
} jac_ctx;

static gen_status jac_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in;
    (void)n_out;
    const jac_ctx *j = p;
    gen_array *xm = gen_slice(in[0], 0, 0, j->dm, 1), *xa = gen_slice(in[0], 0, j->dm, GEN_END, 1);
    gen_choicemap *m = gen_choicemap_unflatten(j->model, j->consumed, xm);
    gen_choicemap *a = gen_choicemap_unflatten(j->aux, NULL, xa);
    if (!m || !a) return infer_pending();
    gen_choicemap *nm = NULL, *bwd = NULL;
    gen_status s = call_inv(j->inv, j->margs, m, a, j->ret, &nm, &bwd);
    if (s != GEN_OK) return s;
    gen_array *parts[2] = {gen_choicemap_flatten(nm, NULL), gen_choicemap_flatten(bwd, NULL)};
    out[0] = gen_concatenate(2, parts, 0);
    if (!out[0]) return infer_pending();
    if (gen_array_size(out[0]) != j->d)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the involution's continuous outputs changed size under autodiff (%lld, not %lld): its structure must depend only on discrete values",
                        FN, (long long)gen_array_size(out[0]), (long long)j->d);
    return GEN_OK;
}

/* log |det J| of the involution's continuous part: inputs are the continuous values of
 * the model's choices the move consumes (those update discards) and of the auxiliary
 * choices; outputs those of the new model choices and the backward auxiliary choices.
 * Values the move keeps map to themselves (an identity block), so they drop out. */
static gen_status log_abs_det(jac_ctx *j, const gen_choicemap *discard, const gen_choicemap *nm,
                              const gen_choicemap *bwd, double *out) {
    *out = 0;
    gen_selection *consumed = infer_select_values(discard);
    if (!consumed) return infer_pending();
    j->consumed = consumed;
    j->dm = gen_choicemap_flat_size(j->model, consumed);
    int64_t d_in = j->dm + gen_choicemap_flat_size(j->aux, NULL);
    int64_t d_out = gen_choicemap_flat_size(nm, NULL) + gen_choicemap_flat_size(bwd, NULL);
    if (d_in != d_out)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the involution maps %lld continuous values (%lld of the model, %lld auxiliary) to %lld: dimensions must match",
                        FN, (long long)d_in, (long long)j->dm, (long long)(d_in - j->dm), (long long)d_out);
    j->d = d_in;
    if (d_in == 0) return GEN_OK;
    gen_array *parts[2] = {gen_choicemap_flatten(j->model, consumed), gen_choicemap_flatten(j->aux, NULL)};
    gen_array *x = gen_concatenate(2, parts, 0);
    gen_array **cols = core_calloc((size_t)d_in, sizeof *cols);
    if (!x || !cols) {
        core_free(cols, (size_t)d_in * sizeof *cols);
        return infer_pending();
    }
    gen_status s = GEN_OK;
    for (int64_t i = 0; i < d_in && s == GEN_OK; i++) {
        gen_array *e = gen_one_hot(gen_scalar_i64(i), d_in, GEN_F64);
        s = e ? gen_jvp((gen_closure){jac_fn, j}, 1, &x, &e, 1, NULL, &cols[i]) : infer_pending();
    }
    gen_array *jm = s == GEN_OK ? gen_stack((int)d_in, cols, 1) : NULL;
    gen_array *ld = jm ? gen_logdet(jm) : NULL;
    core_free(cols, (size_t)d_in * sizeof *cols);
    if (s == GEN_OK && (!ld || (s = gen_item(ld, out)) != GEN_OK)) s = infer_pending();
    if (s == GEN_OK && !isfinite(*out))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the involution's Jacobian is singular (log |det J| = %g)", FN, *out);
    if (s != GEN_OK) core_error_prefix("%s: Jacobian", FN);
    return s;
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
    jac_ctx j = {inv, gen_trace_args(tr), c0, aux, NULL, ret, 0, 0};
    if (s == GEN_OK) s = log_abs_det(&j, discard, nm, bwd, &info->log_abs_det);
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
