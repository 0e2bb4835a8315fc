/* split_merge.c — the reversible-jump split/merge move, built on involutive MCMC: for a
 * model with a count choice K and components under components/0 .. components/K-1, a
 * split replaces component j by two (j and the new K) through a user transform of its
 * choices and auxiliary choices u, and a merge joins components j and K-1 into j by the
 * inverse transform. Split or merge and j are choices of the proposal the move runs, so
 * the involutive machinery scores their probabilities. */
#include "genc/dsl.h"
#include "kernels_int.h"

static const char *FN = "gen_mh_split_merge";

/* The proposal reads the configuration as its payload (gen_ctx_payload) and the trace as args->user. */

static gen_status read_count(const gen_split_merge *sm, const gen_choicemap *m, int64_t *k) {
    return infer_read_count(FN, m, &sm->count, sm->min_count, sm->max_count, k);
}

static double p_split(const gen_split_merge *sm, int64_t k) { return infer_p_grow(k, sm->min_count, sm->max_count); }

/* split ~ bernoulli(p_split(K)); j ~ uniform on the components that can split (0 .. K-1)
 * or merge with the last one (0 .. K-2); on a split, u ~ the auxiliary proposal(j). */
static gen_status sm_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    const gen_split_merge *sm = gen_ctx_payload(ctx);
    const gen_choicemap *c = NULL;
    int64_t k = 0, split = 0;
    gen_status s = infer_choices(args->user, &c);
    if (s == GEN_OK) s = read_count(sm, c, &k);
    if (s != GEN_OK) return s;
    gen_array *b = gen_choose(ctx, "split", gen_bernoulli(gen_scalar(p_split(sm, k))));
    if (!b) return gen_ctx_status(ctx);
    if ((s = gen_item_i64(b, &split)) != GEN_OK) return s;
    gen_array *j = gen_choose(ctx, "j", gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(split ? k - 1 : k - 2)));
    if (j && split) {
        gen_args a = {1, &j, args->user};
        gen_call(ctx, "u", sm->aux_proposal, &a);
    }
    return gen_ctx_status(ctx);
}

static gen_status component_addr(const gen_split_merge *sm, int64_t j, gen_addr *a) {
    *a = sm->components;
    return gen_addr_push(a, gen_part_int(j));
}

/* Checks what the user's split or merge (what) returned: a status and both maps. */
static gen_status user_result(gen_status s, const char *what, const gen_choicemap *a,
                              const gen_choicemap *b, const char *a_name, const char *b_name) {
    if (s != GEN_OK) {
        if (!core_error_pending()) return GEN_FAIL(GEN_ERR_CALLBACK, "%s: the %s failed (%s)", FN, what, gen_status_name(s));
        core_error_prefix("%s: the %s", FN, what);
        return s;
    }
    if ((!a || !b) && core_error_pending()) return core_error_pending();
    if (!a || !b) return GEN_FAIL(GEN_ERR_CALLBACK, "%s: the %s returned no %s", FN, what, a ? b_name : a_name);
    return GEN_OK;
}

/* split j (with u): K -> K + 1, (components/j, components/K) = split(components/j, u);
 *   backward: merge j.
 * merge j: K -> K - 1, (components/j, u) = merge(components/j, components/K-1), the
 *   last one dropped; backward: split j with u. */
static gen_status sm_involution(void *ud, const gen_args *margs, const gen_choicemap *model,
                                const gen_choicemap *aux, const gen_array *ret,
                                gen_choicemap **nm, gen_choicemap **bwd) {
    (void)ret;
    const gen_split_merge *sm = ud;
    int64_t k = 0, split = 0, j = 0;
    gen_addr sa = {1, {gen_part_name("split")}}, ja = {1, {gen_part_name("j")}}, ua = {1, {gen_part_name("u")}};
    gen_addr cj, cl;
    gen_status s = read_count(sm, model, &k);
    if (s == GEN_OK) s = gen_item_i64(gen_choicemap_get_value(aux, &sa), &split);
    if (s == GEN_OK) s = gen_item_i64(gen_choicemap_get_value(aux, &ja), &j);
    if (s == GEN_OK) s = component_addr(sm, j, &cj);
    if (s == GEN_OK) s = component_addr(sm, split ? k : k - 1, &cl);
    if (s != GEN_OK) return s;
    const gen_choicemap *at_j = gen_choicemap_get_submap(model, &cj);
    gen_choicemap *one = NULL, *other = NULL;
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &sm->count, gen_scalar_i64(split ? k + 1 : k - 1));
    gen_choicemap *b = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &sa, gen_scalar_bool(!split)), &ja,
                                         gen_scalar_i64(j));
    if (split) {
        core_guard g = core_guard_begin();
        s = sm->split(sm->ud, margs, at_j, gen_choicemap_get_submap(aux, &ua), &one, &other);
        gen_status sg = CORE_GUARD_END(g, s, "the split callback", "%s", FN);
        if (CORE_UNLIKELY(sg != GEN_OK)) return sg;
        if ((s = user_result(s, "split", one, other, "first component", "second component")) != GEN_OK) return s;
        m = gen_choicemap_set_submap(gen_choicemap_set_submap(m, &cj, one), &cl, other);
    } else {
        core_guard g = core_guard_begin();
        s = sm->merge(sm->ud, margs, at_j, gen_choicemap_get_submap(model, &cl), &one, &other);
        gen_status sg = CORE_GUARD_END(g, s, "the merge callback", "%s", FN);
        if (CORE_UNLIKELY(sg != GEN_OK)) return sg;
        if ((s = user_result(s, "merge", one, other, "component", "auxiliary choices")) != GEN_OK) return s;
        m = gen_choicemap_set_submap(m, &cj, one);
        b = gen_choicemap_set_submap(b, &ua, other);
    }
    *nm = m;
    *bwd = b;
    return m && b ? GEN_OK : infer_pending();
}

static gen_status check_config(const char *fn, const gen_trace *tr, const gen_split_merge *sm) {
    if (!tr) return infer_null(fn, "the trace");
    if (!sm) return infer_null(fn, "the configuration");
    if (!sm->aux_proposal) return infer_null(FN, "the auxiliary proposal");
    if (!sm->split) return infer_null(FN, "the split function");
    if (!sm->merge) return infer_null(FN, "the merge function");
    if (sm->min_count < 1 || sm->max_count <= sm->min_count)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: needs 1 <= min_count < max_count (got %lld, %lld)", FN, (long long)sm->min_count,
                        (long long)sm->max_count);
    if (gen_trace_batch_size(tr)) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the trace is batched", FN);
    const gen_choicemap *c = NULL;
    int64_t k = 0;
    gen_status s = infer_choices(tr, &c);
    return s == GEN_OK ? read_count(sm, c, &k) : s;
}

/* The move, with the accept step (mh) or without it (info). */
static gen_status run(const gen_trace *tr, const gen_split_merge *sm, bool check, gen_key key, bool mh,
                      gen_trace **out, bool *accepted, gen_involutive_info *info) {
    const char *fn = mh ? FN : "gen_split_merge_propose";
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    if ((s = check_config(fn, tr, sm)) != GEN_OK) {
        gen_scope_end();
        return s;
    }
    gen_gf *q = gen_dynamic_with("split_merge_proposal", sm_proposal, (void *)sm, NULL);
    gen_involution inv = {sm_involution, (void *)sm};
    if (!q) s = infer_pending();
    else if (mh) s = gen_mh_involutive(tr, key, q, NULL, inv, check, out, accepted);
    else s = gen_involutive_propose(tr, key, q, NULL, inv, check, out, info);
    if (s == GEN_OK && !(*out = gen_trace_scope_return(*out))) s = infer_pending();
    gen_scope_end();
    return s;
}

gen_status gen_mh_split_merge(const gen_trace *tr, gen_key key, const gen_split_merge *sm,
                              bool check, gen_trace **out, bool *accepted) {
    return run(tr, sm, check, key, true, out, accepted, NULL);
}

gen_status gen_split_merge_propose(const gen_trace *tr, gen_key key, const gen_split_merge *sm,
                                   bool check, gen_trace **proposed, gen_involutive_info *info) {
    return run(tr, sm, check, key, false, proposed, NULL, info);
}

static gen_status sm_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("split_merge", NULL);
    const gen_split_merge_kernel *k = p;
    return gen_mh_split_merge(tr, key, &k->config, k->check, out, acc);
}

gen_kernel gen_kernel_split_merge(gen_split_merge_kernel *k) { return (gen_kernel){.fn = sm_fn, .payload = k}; }
