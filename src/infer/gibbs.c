/* gibbs.c — Gibbs sampling of choices with finite support: each selected choice in turn
 * is drawn from its exact conditional, computed by scoring every candidate value with
 * update (its weight is the conditional's log ratio to the current value, whatever the
 * model, including choices whose distribution depends on others). */
#include <math.h>

#include "kernels_int.h"
#include "../gfi/gfi_int.h"

static const char *FN = "gen_gibbs";

/* The finite support of the distribution that made tr's choice at a, from a run of the
 * model in support mode (gfi_int.h), in the current scope; NULL with nothing pending
 * when the distribution has none or the model does not tell (a generative function
 * other than the DSL's). */
static const gen_array *model_support(const gen_trace *tr, const gen_addr *a) {
    const gen_choicemap *cm = NULL;
    gen_selection *sel = gen_select(1, a);
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!sel || !b || infer_choices(tr, &cm) != GEN_OK) {
        gen_choicemap_builder_free(b);
        infer_pending();
        return NULL;
    }
    gen_eval ev = {.mode = GEN_EVAL_SUPPORT, .sel = sel, .out = b};
    gen_array *w = NULL;
    gen_status s = gfi_assess_in(gen_trace_gf(tr), &ev, gen_trace_args(tr), cm, &w, NULL);
    gen_choicemap *found = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    if (s == GEN_OK && !found) infer_pending();
    if (!found) {
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        core_error_prefix("%s: finding the support of %s", FN, buf);
        return NULL;
    }
    return gen_choicemap_find(found, a);
}

/* The candidate values ([K, ...]) for the choice at a, whose value is v. */
static const gen_array *candidates(const gen_candidates *c, const gen_trace *tr, const gen_addr *a,
                                   const gen_array *v) {
    char buf[GEN_ADDR_FORMAT_MAX];
    const gen_array *vals = NULL;
    if (c && c->fn) {
        core_guard g = core_guard_begin();
        vals = c->fn(c->ud, tr, a);
        if (CORE_GUARD_END(g, vals ? GEN_OK : GEN_ERR_CALLBACK, "the candidates callback", "%s", FN) != GEN_OK) return NULL;
        if (!vals) {
            gen_addr_format(a, buf, sizeof buf);
            if (core_error_pending()) core_error_prefix("%s: the candidates of %s", FN, buf);
            else GEN_FAIL(GEN_ERR_CALLBACK, "%s: the candidates callback gave no values for %s", FN, buf);
            return NULL;
        }
    } else if (c && c->values) {
        vals = c->values;
    } else if ((vals = model_support(tr, a))) {
    } else if (core_error_pending()) {
        return NULL;
    } else if (gen_array_dtype(v) == GEN_BOOL && gen_array_ndim(v) == 0) {
        vals = gen_array_from(GEN_BOOL, 1, (const int64_t[]){2}, (const bool[]){false, true});
    } else {
        gen_addr_format(a, buf, sizeof buf);
        GEN_FAIL(GEN_ERR_VALUE, "%s: the %s choice at %s has no finite support that the model tells: give its candidate values (gen_candidates)",
                 FN, gen_dtype_name(gen_array_dtype(v)), buf);
        return NULL;
    }
    if (gen_array_ndim(vals) != gen_array_ndim(v) + 1 || gen_array_dim(vals, 0) < 1) {
        gen_addr_format(a, buf, sizeof buf);
        GEN_FAIL(GEN_ERR_SHAPE, "%s: the candidates of %s must be [K, ...] with one value per row (the value has %d dims, the candidates %d)",
                 FN, buf, gen_array_ndim(v), gen_array_ndim(vals));
        return NULL;
    }
    return gen_array_dtype(vals) == gen_array_dtype(v) ? vals : gen_cast(vals, gen_array_dtype(v));
}

/* The trace with the choice at a drawn from its conditional (in the current scope). */
static gen_status gibbs_one(const gen_trace *tr, const gen_addr *a, const gen_candidates *c,
                            gen_key key, gen_trace **out) {
    const gen_array *v = gen_trace_value(tr, a);
    const gen_array *vals = v ? candidates(c, tr, a, v) : NULL;
    const gen_choicemap *c0 = NULL, *c1 = NULL;
    if (!vals || infer_choices(tr, &c0) != GEN_OK) return infer_pending();
    int64_t k = gen_array_dim(vals, 0), n0 = gen_choicemap_count(c0);
    gen_trace **trs = core_calloc((size_t)k, sizeof *trs);
    double *lw = core_alloc((size_t)k * sizeof *lw);
    gen_status s = trs && lw ? GEN_OK : infer_pending();
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(a, buf, sizeof buf);
    for (int64_t j = 0; j < k && s == GEN_OK; j++) {
        gen_choicemap *cm = gen_choicemap_set(gen_choicemap_empty(), a, gen_take(vals, gen_scalar_i64(j), 0));
        gen_array *w = NULL;
        gen_choicemap *discard = NULL;
        s = cm ? infer_update(tr, gen_key_fold_in(key, (uint64_t)j), cm, &trs[j], &w, &discard) : infer_pending();
        if (s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) { /* the model rejects it */
            s = GEN_OK;
            trs[j] = NULL;
            lw[j] = -INFINITY;
            continue;
        }
        if (s == GEN_OK) s = gen_item(w, &lw[j]);
        if (s == GEN_OK) s = infer_choices(trs[j], &c1);
        if (s != GEN_OK) core_error_prefix("%s: candidate %lld of %s", FN, (long long)j, buf);
        else if (gen_choicemap_count(discard) != 1 || gen_choicemap_count(c1) != n0)
            s = GEN_FAIL(GEN_ERR_VALUE, "%s: candidate %lld of %s changes which choices the model makes: Gibbs needs a fixed structure",
                         FN, (long long)j, buf);
    }
    int64_t pick = 0;
    gen_array *lwa = s == GEN_OK ? gen_array_from_f64(1, &k, lw) : NULL;
    if (s == GEN_OK && !lwa) s = infer_pending();
    if (s == GEN_OK && (s = gen_resample(gen_key_fold_in(key, (uint64_t)k), lwa, GEN_RESAMPLE_MULTINOMIAL, 1, &pick)) != GEN_OK)
        core_error_prefix("%s: the conditional of %s", FN, buf);
    if (s == GEN_OK) *out = trs[pick];
    core_free(trs, (size_t)k * sizeof *trs);
    core_free(lw, (size_t)k * sizeof *lw);
    return s;
}

gen_status gen_gibbs(const gen_trace *tr, gen_key key, const gen_selection *sel,
                     const gen_candidates *cand, gen_trace **out) {
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", FN);
    if (!tr) return infer_null(FN, "the trace");
    if (!sel) return infer_null(FN, "the selection");
    if (gen_trace_batch_size(tr)) return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the trace is batched", FN);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_addr *addrs = NULL;
    int64_t n = 0;
    const gen_choicemap *cm = NULL;
    gen_choicemap *picked = infer_choices(tr, &cm) == GEN_OK ? gen_choicemap_restrict(cm, sel) : NULL;
    s = picked ? gfi_check_selection(FN, tr, sel) : infer_pending(); /* a typo is an error, not a no-op */
    if (s == GEN_OK) s = infer_addrs(picked, &addrs, &n);
    const gen_trace *cur = tr;
    for (int64_t i = 0; i < n && s == GEN_OK; i++) {
        if ((s = infer_choices(cur, &cm)) != GEN_OK) break;
        if (!gen_choicemap_find(cm, &addrs[i])) continue;
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_trace *next = NULL;
        s = gibbs_one(cur, &addrs[i], cand, gen_key_fold_in(key, (uint64_t)i), &next);
        if (s == GEN_OK && !(next = gen_trace_scope_return(next))) s = infer_pending();
        gen_scope_end();
        cur = next;
    }
    if (s == GEN_OK && !(*out = gen_trace_scope_return((gen_trace *)cur))) s = infer_pending();
    if (addrs) core_free(addrs, (size_t)n * sizeof *addrs);
    gen_scope_end();
    return s;
}

static gen_status gibbs_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("gibbs", NULL);
    const gen_gibbs_kernel *k = p;
    *acc = true;
    return gen_gibbs(tr, key, k->sel, k->candidates, out);
}

gen_kernel gen_kernel_gibbs(gen_gibbs_kernel *k) { return (gen_kernel){.fn = gibbs_fn, .payload = k}; }
