/* edit.c — the driver shared by update and regenerate: runs the old trace's function
 * under the edit handler, then accounts for the old factors and the dropped records
 * and publishes the new trace. */
#include "dsl_int.h"

/* Subtracts what the old trace contributes beyond the visited records: its factors
 * and, per dropped record, update's log density (and discard entry) or regenerate's
 * factor total of a dropped call (Gen.jl: dropped choices are proposed backward from
 * the prior, so only the non-choice part of their density stays in the weight). */
static gen_status account_dropped(gen_ctx *ctx, gen_array **w) {
    const dsl_data *d = ctx->old.d;
    bool update = ctx->h == &dsl_update_handler;
    if (d->factors && !(*w = gen_sub(*w, d->factors))) return dsl_pending_or_oom();
    for (int64_t i = 0; i < d->n; i++) {
        const dsl_rec *r = &d->recs[i];
        if (ctx->old.visited[i]) continue;
        gen_status s = GEN_OK;
        gen_array *drop = NULL;
        if (update) {
            drop = r->score;
            s = r->sub ? gen_choicemap_builder_set_submap(ctx->discard, &r->addr, gen_trace_choices(r->sub))
                       : gen_choicemap_builder_set(ctx->discard, &r->addr, r->value);
        } else if (r->sub)
            s = gen_project(r->sub, gen_select_none(), &drop);
        if (s != GEN_OK) return s;
        if (drop && !(*w = gen_sub(*w, drop))) return dsl_pending_or_oom();
    }
    return GEN_OK;
}

static gen_status edit_body(const gen_trace *prev, gen_ctx *ctx, const gen_args *args,
                            gen_trace **t, gen_array **w, gen_array **ret) {
    gen_array *score = NULL;
    gen_choicemap *cm = NULL;
    gen_status s = dsl_prev_init(&ctx->old, prev->data);
    if (s == GEN_OK) s = dsl_run_body(prev->gf, ctx, args, ret);
    if (s == GEN_OK) s = dsl_check_used(ctx);
    if (s == GEN_OK) s = dsl_totals(ctx, &score, w);
    if (s == GEN_OK) s = dsl_batch_totals(ctx, &score, w);
    if (s == GEN_OK) s = account_dropped(ctx, w);
    if (s == GEN_OK && !(cm = dsl_build_choices(ctx))) s = dsl_pending_or_oom();
    if (s == GEN_OK) s = dsl_new_trace(prev->gf, ctx, args, *ret, cm, score, t);
    return s;
}

gen_status dsl_edit(const gen_trace *prev, gen_ctx *ctx, const gen_args *args,
                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                    gen_choicemap **discard) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    ctx->n = gen_batch_suspend();
    gen_trace *t = NULL;
    gen_array *w = NULL, *ret = NULL;
    gen_choicemap *disc = NULL;
    if (ctx->h == &dsl_update_handler && !(ctx->discard = gen_choicemap_builder_new()))
        s = GEN_ERR_OOM;
    if (s == GEN_OK) s = edit_body(prev, ctx, args, &t, &w, &ret);
    if (s == GEN_OK && discard && !(disc = gen_choicemap_builder_finish(ctx->discard)))
        s = dsl_pending_or_oom();
    if (s == GEN_OK && disc && !(*discard = gen_choicemap_scope_return(disc)))
        s = dsl_pending_or_oom();
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = dsl_pending_or_oom();
    if (s == GEN_OK && retdiff)
        *retdiff = ret == prev->retval ? gen_diff_no_change() : gen_diff_unknown();
    if (ctx->discard) gen_choicemap_builder_free(ctx->discard);
    if (ctx->old.d) dsl_prev_free(&ctx->old);
    int64_t n = ctx->n;
    dsl_ctx_free(ctx);
    gen_scope_end();
    gen_batch_resume(n);
    if (s != GEN_OK) {
        if (weight) *weight = NULL;
        if (discard) *discard = NULL;
        gen_trace_release(t);
        return s;
    }
    *new_tr = gfi_trace_publish(t);
    return *new_tr ? GEN_OK : GEN_ERR_OOM;
}
