/* mh.c — Metropolis–Hastings steps: resimulating a selection from the prior
 * (regenerate), and a custom proposal with Gen.jl's acceptance rule. A proposal the
 * model rejects (reject.c) is rejected; other failures are errors. A batched trace goes
 * to batched.c. */
#include <math.h>

#include "infer_int.h"
#include "kernels_int.h"

double infer_log_uniform(gen_key key) {
    int64_t one = 1;
    if (gen_scope_begin() != GEN_OK) return NAN;
    gen_array *u = gen_random_uniform(key, GEN_F64, 1, &one);
    double v = u ? log(((const double *)gen_array_data(u))[0]) : NAN;
    gen_scope_end();
    return v;
}

static gen_status check_step(const char *fn, const gen_trace *tr, gen_trace **out) {
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!tr) return infer_null(fn, "the trace");
    return GEN_OK;
}

gen_status gen_mh_select(const gen_trace *tr, gen_key key, const gen_selection *sel,
                         gen_trace **out, bool *accepted) {
    gen_status s = check_step("gen_mh_select", tr, out);
    if (s == GEN_OK && !sel) s = infer_null("gen_mh_select", "the selection");
    if (s != GEN_OK) return s;
    if (accepted) *accepted = false;
    if (gen_trace_batch_size(tr) > 0) return infer_mh_select_batched(tr, key, sel, out, accepted, NULL);
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_key k[2];
    gen_diff nc[16];
    gen_trace *prop = NULL;
    gen_array *w = NULL;
    double alpha = NAN;
    s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = gen_regenerate(tr, k[0], gen_trace_args(tr), infer_same_args(tr, nc), sel, &prop, &w, NULL);
    if (s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) { /* the model rejects the proposal */
        s = GEN_OK;
        prop = NULL;
    } else if (s == GEN_OK) {
        s = gen_item(w, &alpha);
    }
    if (s == GEN_OK) s = infer_decide(tr, prop, alpha, k[1], out, accepted);
    gen_scope_end();
    return s;
}

gen_status gen_mh_proposal(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                           const gen_args *proposal_args, gen_trace **out, bool *accepted) {
    const char *fn = "gen_mh_proposal";
    gen_status s = check_step(fn, tr, out);
    if (s == GEN_OK && !proposal) s = infer_null(fn, "the proposal");
    if (s != GEN_OK) return s;
    if (accepted) *accepted = false;
    if (gen_trace_batch_size(tr) > 0) return infer_mh_proposal_batched(tr, key, proposal, proposal_args, out, accepted, NULL);
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_key k[3];
    gen_diff nc[16];
    gen_args fwd = {proposal_args ? proposal_args->n : 0, proposal_args ? proposal_args->v : NULL, (void *)tr};
    gen_choicemap *q = NULL, *discard = NULL;
    gen_array *w_fwd = NULL, *w = NULL, *w_bwd = NULL;
    gen_trace *prop = NULL;
    double alpha = NAN, a, b, c;
    s = gen_key_split(key, 3, k);
    if (s == GEN_OK) s = gen_propose(proposal, k[0], &fwd, &q, &w_fwd, NULL);
    if (s == GEN_OK)
        s = gen_update(tr, k[1], gen_trace_args(tr), infer_same_args(tr, nc), q, &prop, &w, NULL, &discard);
    bool rejected = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE; /* by the model */
    if (s == GEN_OK) {
        gen_args bwd = {fwd.n, fwd.v, prop};
        s = gen_assess(proposal, &bwd, discard, &w_bwd, NULL);
        /* a proposal refusing the way back at the new trace gives it density 0 */
        rejected = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE;
        if (s != GEN_OK && !rejected) core_error_prefix("%s: the proposal cannot propose the old values back", fn);
    }
    if (rejected) {
        s = GEN_OK;
        prop = NULL;
    } else if (s == GEN_OK && (s = gen_item(w, &a)) == GEN_OK && (s = gen_item(w_fwd, &b)) == GEN_OK &&
               (s = gen_item(w_bwd, &c)) == GEN_OK) {
        alpha = a - b + c;
    }
    if (s == GEN_OK) s = infer_decide(tr, prop, alpha, k[2], out, accepted);
    gen_scope_end();
    return s;
}
