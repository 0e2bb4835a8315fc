/* regenerate.c — Gen.jl's regenerate for dynamic functions: the handler (a selected or
 * new choice is drawn from the prior, the others keep their old values) and the vtable
 * entry. */
#include "dsl_accel.h"
#include "dsl_int.h"

/* Weight terms (Gen.jl, dynamic/regenerate.jl): only a kept choice (in the old trace
 * and not selected) adds new - old log density; resampled and new choices add nothing,
 * as the prior proposes them. The driver subtracts the old factors and dropped calls'
 * factor totals; dropped choices add nothing. */
static gen_array *regenerate_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const dsl_rec *old = dsl_prev_take(&ctx->old, a, NULL);
    bool keep = old && !gen_selection_contains(ctx->sel, a);
    gen_array *x = keep ? old->value : dsl_draw(ctx, a, d);
    gen_array *lp = x ? dsl_choice_logpdf(ctx, d, x) : NULL;
    gen_array *w = lp && keep ? gen_sub(lp, old->score) : NULL;
    if (!lp || (keep && !w)) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = dsl_keep(x);
    r->score = dsl_keep(lp);
    r->weight = dsl_keep(w);
    return x;
}

/* An old call (same function) is regenerated with the selection below its address; a
 * new one is generated without constraints (its weight is its factor total). */
static gen_array *regenerate_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                                  const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const dsl_rec *old = dsl_prev_take(&ctx->old, a, f);
    gen_key k = gen_key_fold_in(ctx->key, gen_addr_key_hash(a));
    gen_trace *t = NULL;
    gen_array *w = NULL;
    const gen_selection *below = dsl_sub_selection(ctx->sel, a);
    gen_status s = GEN_OK;
    if (old && gen_selection_is_none(below) && dsl_call_unchanged(old, args)) {
        t = old->sub; /* kept as it is: weight 0 */
    } else {
        gen_diff ad[16];
        int64_t saved = dsl_callee_begin(ctx);
        s = old ? gen_regenerate(old->sub, k, args, dsl_call_argdiffs(old, args, ad, 16), below, &t, &w, NULL)
                : gen_generate(f, k, args, gen_choicemap_empty(), &t, &w);
        dsl_callee_end(saved);
    }
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->sub = gen_trace_retain(t);
    r->score = dsl_keep(t->score);
    r->weight = dsl_keep(w);
    return (gen_array *)gen_trace_retval(t);
}

const dsl_handler dsl_regenerate_handler = {regenerate_choice, regenerate_call, dsl_add_factor};

gen_status dsl_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                          const gen_diff *argdiffs, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    (void)argdiffs; /* the arguments are compared (an argdiff of no change is not proof) */
    gen_status st = GEN_OK; /* in compiled code when the model captures (generate_graph.c) */
    if (dsl_graph_regenerate(tr, key, args, sel, new_tr, weight, retdiff, &st)) return st;
    gen_ctx ctx = {.h = &dsl_regenerate_handler, .op = "regenerate", .key = key,
                   .constraints = gen_choicemap_empty(), .sel = sel};
    return dsl_edit(tr, &ctx, args, new_tr, weight, retdiff, NULL);
}
