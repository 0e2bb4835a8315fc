/* graph_update.c — update through the model's graph (dsl_accel.h) when an edit keeps the
 * trace's structure: the same arguments, constraints only at choices the trace has, each
 * of its choice's dtype and shape, no calls. Only the scores the changed choices reach
 * are recomputed (in compiled code); every other record is shared with the old trace.
 * Traces, scores, weights, discards and return values equal the dynamic path's (the
 * same sums in the same order; see test_model_graph). Anything else runs the body. */
#include <string.h>

#include "dsl_accel.h"
#include "dsl_int.h"
#include "genc/compile.h"

/* Whether the edit keeps the structure: *changed per record, constraint values in vals.
 * Also false when a value or score is on a device (the graph's compiled code and build
 * read host memory: such edits run the body, whose ops run on the device). */
static bool keeps_structure(const gen_trace *tr, const gen_args *args, const gen_choicemap *constraints,
                            const gen_array **vals, bool *changed) {
    const dsl_data *d = tr->data;
    static const gen_args none = {0, NULL, NULL};
    if (!args) args = &none; /* no arguments */
    if (args->n != tr->args.n || args->user != tr->args.user) return false;
    for (int i = 0; i < args->n; i++) /* the same arrays (an argdiff of no change is not proof) */
        if (args->v[i] != tr->args.v[i]) return false;
    int64_t found = 0;
    for (int64_t i = 0; i < d->n; i++) {
        const gen_array *c = gen_choicemap_find(constraints, &d->recs[i].addr);
        const gen_array *old = d->recs[i].value;
        changed[i] = c != NULL;
        vals[i] = c ? c : old;
        if ((vals[i] && !arr_on_host(vals[i])) || (d->recs[i].score && !arr_on_host(d->recs[i].score))) return false;
        if (!c) continue;
        found++;
        if (gen_array_is_tuple(c) || gen_array_is_batched(c) || gen_array_dtype(c) != gen_array_dtype(old) ||
            gen_array_ndim(c) != gen_array_ndim(old) ||
            (gen_array_ndim(old) && memcmp(gen_array_shape(c), gen_array_shape(old),
                                           (size_t)gen_array_ndim(old) * sizeof(int64_t))))
            return false;
    }
    return found == gen_choicemap_count(constraints); /* none at an address the trace lacks */
}

/* The new trace from the old records, the reached ones replaced. */
static gen_status build(const gen_trace *tr, const gen_array **vals, const bool *changed, gen_array **scores,
                        gen_array *factors, gen_array *ret, gen_trace **out, gen_array **weight,
                        gen_choicemap **discard) {
    const dsl_data *d = tr->data;
    gen_ctx ctx = {0};
    ctx.data.recs = core_calloc((size_t)d->n, sizeof *ctx.data.recs);
    if (!ctx.data.recs) return GEN_ERR_OOM;
    ctx.data.cap = d->n;
    gen_choicemap_builder *disc = discard ? gen_choicemap_builder_new() : NULL;
    gen_status s = discard && !disc ? GEN_ERR_OOM : GEN_OK;
    double old_f = d->factors ? *(const double *)d->factors->data : 0.0;
    double new_f = factors ? *(const double *)factors->data : old_f, total = new_f, w = new_f;
    for (int64_t i = 0; i < d->n && s == GEN_OK; i++) {
        const dsl_rec *r = &d->recs[i];
        dsl_rec *n = &ctx.data.recs[i];
        n->addr = r->addr;
        n->value = dsl_keep(vals[i]);
        n->score = dsl_keep(scores[i] ? scores[i] : r->score);
        ctx.data.n = i + 1;
        double sc = *(const double *)n->score->data;
        total += sc;
        if (scores[i]) w += sc - *(const double *)r->score->data;
        if (changed[i] && disc) s = gen_choicemap_builder_set(disc, &r->addr, r->value);
    }
    w -= old_f;
    gen_array *fa = factors ? factors : d->factors;
    ctx.data.factors = dsl_keep(fa);
    gen_array *score = gen_scalar(total), *wa = gen_scalar(w);
    if (s == GEN_OK && (!score || !wa)) s = dsl_pending_or_oom();
    gen_trace *t = NULL;
    if (s == GEN_OK) s = dsl_new_trace(tr->gf, &ctx, &tr->args, ret ? ret : tr->retval, NULL, score, &t);
    gen_choicemap *dm = s == GEN_OK && disc ? gen_choicemap_builder_finish(disc) : NULL;
    if (s == GEN_OK && disc && !dm) s = dsl_pending_or_oom();
    if (disc) gen_choicemap_builder_free(disc);
    dsl_ctx_free(&ctx);
    if (s != GEN_OK) {
        gen_trace_release(t);
        return s;
    }
    *out = t;
    if (weight) *weight = wa;
    if (discard) *discard = dm;
    return GEN_OK;
}

bool dsl_graph_update(const gen_trace *tr, const gen_args *args, const gen_diff *argdiffs,
                      const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                      gen_diff *retdiff, gen_choicemap **discard, gen_status *st) {
    (void)argdiffs; /* an argdiff of no change is not proof: the arrays are compared */
    if (!gen_compile_enabled() || tr->batch || gen_batch_size() || !tr->data) return false;
    const dsl_data *d = tr->data;
    if (d->n < 1 || gen_device_default() != GEN_DEVICE_CPU || (d->factors && !arr_on_host(d->factors))) return false;
    if (gen_scope_begin() != GEN_OK) return false;
    const gen_array **vals = core_calloc((size_t)d->n, sizeof *vals);
    bool *changed = core_calloc((size_t)d->n, sizeof *changed);
    gen_array **scores = core_calloc((size_t)d->n, sizeof *scores);
    dsl_model *m = NULL;
    bool done = false;
    gen_trace *t = NULL;
    gen_array *w = NULL, *factors = NULL, *ret = NULL;
    gen_choicemap *disc = NULL;
    if (vals && changed && scores && keeps_structure(tr, args, constraints, vals, changed) &&
        (m = dsl_model_get(tr))) {
        gen_status s = dsl_model_eval(m, (gen_array *const *)vals, changed, scores, &factors, &ret);
        if (s == GEN_OK) s = build(tr, vals, changed, scores, factors, ret, &t, &w, discard ? &disc : NULL);
        if (s != GEN_ERR_UNSUPPORTED) { /* done, or the eager path's error */
            done = true;
            *st = s;
        } else {
            gen_error_clear();
        }
    }
    if (done && *st == GEN_OK) {
        if (weight) *weight = gen_scope_return(w);
        if (discard) *discard = gen_choicemap_scope_return(disc);
        if (retdiff) *retdiff = ret ? gen_diff_unknown() : gen_diff_no_change();
    }
    dsl_model_release(m);
    core_free(vals, (size_t)d->n * sizeof *vals);
    core_free(changed, (size_t)d->n * sizeof *changed);
    core_free(scores, (size_t)d->n * sizeof *scores);
    gen_scope_end();
    if (done && *st == GEN_OK && !(*new_tr = gfi_trace_publish(t))) *st = GEN_ERR_OOM;
    else if (done && *st != GEN_OK) gen_trace_release(t);
    return done;
}
