/* update.c — Gen.jl's update for dynamic functions: the handler (a choice takes its
 * constraint, else its old value, else a prior draw) and the vtable entry. */
#include "dsl_int.h"

/* Weight terms (Gen.jl, dynamic/update.jl): a choice the old trace had adds new - old
 * log density; a new constrained choice adds its log density; a freshly sampled one
 * adds nothing. The driver (edit.c) subtracts the dropped choices and old factors. */
static gen_array *update_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const dsl_rec *old = dsl_prev_take(&ctx->old, a, NULL);
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    /* a masked constraint (batched, genc/choice.h) holds for its particles only */
    const gen_array *mask = c && ctx->n ? gen_choicemap_mask_at(ctx->constraints, a) : NULL;
    gen_array *x = !c     ? (old ? old->value : dsl_draw(ctx, a, d))
                   : mask ? dsl_masked_given(ctx, d, c, mask, old ? old->value : dsl_draw(ctx, a, d))
                          : dsl_given(ctx, d, c);
    gen_array *lp = x ? dsl_choice_logpdf(ctx, d, x) : NULL;
    gen_array *w = !lp ? NULL : old ? gen_sub(lp, old->score)
                   : mask ? dsl_where_particles(mask, lp, gen_scalar(0.0)) : c ? lp : NULL;
    if (!lp || ((old || c) && !w)) return dsl_fail_at(ctx, a);
    if (c && old && (mask ? gen_choicemap_builder_set_masked(ctx->discard, a, old->value, mask)
                          : gen_choicemap_builder_set(ctx->discard, a, old->value)) != GEN_OK)
        return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = dsl_keep(x);
    r->score = dsl_keep(lp);
    r->weight = dsl_keep(w);
    if (c) ctx->used++;
    return x;
}

/* A call the old trace made (to the same function) is updated with its part of the
 * constraints, its discard nested under the call's address (or kept as it is when
 * nothing about it changed); a new one is generated. */
static gen_array *update_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                              const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const dsl_rec *old = dsl_prev_take(&ctx->old, a, f);
    const gen_choicemap *sub = gen_choicemap_get_submap(ctx->constraints, a);
    gen_key k = gen_key_fold_in(ctx->key, gen_addr_key_hash(a));
    gen_trace *t = NULL;
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    gen_status s = GEN_OK;
    if (old && gen_choicemap_is_empty(sub) && dsl_call_unchanged(old, args)) {
        t = old->sub; /* kept as it is: weight 0, nothing discarded */
    } else {
        gen_diff ad[16];
        int64_t saved = dsl_callee_begin(ctx);
        s = old ? gen_update(old->sub, k, args, dsl_call_argdiffs(old, args, ad, 16), sub, &t, &w, NULL, &disc)
                : gen_generate(f, k, args, sub, &t, &w);
        dsl_callee_end(saved);
    }
    if (s == GEN_OK && disc && !gen_choicemap_is_empty(disc))
        s = gen_choicemap_builder_set_submap(ctx->discard, a, disc);
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->sub = gen_trace_retain(t);
    r->score = dsl_keep(t->score);
    r->weight = dsl_keep(w);
    ctx->used += gen_choicemap_count(sub);
    return (gen_array *)gen_trace_retval(t);
}

const dsl_handler dsl_update_handler = {update_choice, update_call, dsl_add_factor};

gen_status dsl_update(const gen_trace *tr, gen_key key, const gen_args *args,
                      const gen_diff *argdiffs, const gen_choicemap *constraints,
                      gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                      gen_choicemap **discard) {
    gen_status st = GEN_OK; /* through the model's graph when the structure stays (graph_update.c) */
    if (dsl_graph_update(tr, args, argdiffs, constraints, new_tr, weight, retdiff, discard, &st)) return st;
    gen_ctx ctx = {.h = &dsl_update_handler, .op = "update", .key = key,
                   .constraints = constraints};
    return dsl_edit(tr, &ctx, args, new_tr, weight, retdiff, discard);
}
