/* mix.c — Mix(components...): a mixture with a traced component index. The index is a
 * categorical choice at "index" (from the logits, argument 0); the chosen component
 * runs on the other arguments with its choices under "component". The component part
 * is a Switch over the components (switch.c), so update and regenerate revisit or
 * replace the component as a Switch does. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"
#include "genc/dist.h"

typedef struct mix_data {
    int k;
    gen_gf *sw; /* the Switch over the components (retained) */
} mix_data;

typedef struct mix_trace {
    gen_trace *sw;   /* retained */
    gen_array *lp;   /* retained: the index's log probability */
    gen_array *index; /* retained: the index's value */
} mix_trace;

static void mix_free(gen_gf *f) {
    mix_data *d = f->data;
    gen_gf_release(d->sw);
    core_free(d, sizeof *d);
}

static void mix_trace_free_data(mix_trace *d) {
    gen_trace_release(d->sw);
    gen_array_release(d->lp);
    gen_array_release(d->index);
    core_free(d, sizeof *d);
}

static void mix_free_trace(gen_trace *tr) { mix_trace_free_data(tr->data); }

static gen_part p_index(void) { return gen_part_name("index"); }
static gen_part p_component(void) { return gen_part_name("component"); }

/* The categorical of the logits (argument 0: [k], or [N, k] batched). */
static gen_dist *index_dist(comb_mode m, const gen_gf *f, const char *op, const gen_args *args) {
    const mix_data *d = f->data;
    if (!args || args->n < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s: no logits argument (argument 0)", f->name, op);
        return NULL;
    }
    const gen_array *l = args->v[0];
    int nd = m.n && gen_array_is_batched(l) ? 2 : 1;
    gen_dtype t = gen_array_dtype(l);
    if ((t != GEN_F64 && t != GEN_F32) || gen_array_ndim(l) != nd || gen_array_shape(l)[nd - 1] != d->k) {
        char buf[64];
        gen_array_format(l, buf, sizeof buf);
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the logits (argument 0) must be a [%d] float array, got %s", f->name, op,
                 d->k, buf);
        return NULL;
    }
    gen_dist *c = gen_categorical_logits(l);
    if (!c) core_error_prefix("%s: %s: index", f->name, op);
    return c;
}

/* Only "index" and "component" are addresses of a Mix. */
static gen_status check_keys(const gen_gf *f, const char *op, const gen_choicemap *m) {
    if (gen_choicemap_is_value(m))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: a value at the root is not a choice of the mixture", f->name, op);
    int64_t n = gen_choicemap_num_children(m);
    for (int64_t j = 0; j < n; j++) {
        gen_part p;
        gen_choicemap_child_at(m, j, &p);
        if (gen_part_equal(p, p_index())) {
            if (gen_choicemap_is_value(gen_choicemap_child(m, p))) continue;
        } else if (gen_part_equal(p, p_component()))
            continue;
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr a = {1, {p}};
        gen_addr_format(&a, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: constraint at %s is not index (a value) or component", f->name, op,
                        buf);
    }
    return GEN_OK;
}

/* Draws the index: [N] (marked) in batched mode, 0-d otherwise. */
static gen_array *draw_index(comb_mode m, const gen_dist *c, gen_key key) {
    if (!m.n) return gen_dist_sample(c, key, 0, NULL);
    /* batched logits [N, k] give one draw per particle; shared ones are drawn N times */
    gen_array *x = gen_dist_batch_ndim(c) == 1 ? gen_dist_sample(c, key, 0, NULL) : gen_dist_sample(c, key, 1, &m.n);
    return x ? gen_batched(x) : NULL;
}

/* A per-particle value [N] (marked) of the index x (0-d shared, or [N]). */
static gen_array *per_particle(comb_mode m, const gen_array *x) {
    return gen_array_is_batched(x) ? (gen_array *)x : gen_batched(gen_broadcast_to(x, 1, &m.n));
}

/* A masked index constraint (batched maps, genc/choice.h: present for the particles in
 * mask): the given value there, other's elsewhere. */
static gen_array *index_where(comb_mode m, const gen_array *mask, const gen_array *given, const gen_array *other) {
    gen_array *x = gen_where(mask, gen_unbatched(per_particle(m, given)), gen_unbatched(per_particle(m, other)));
    return x ? gen_batched(x) : NULL;
}

/* The Switch's arguments: the index, then the components' arguments. */
static gen_status switch_args(const gen_args *args, gen_array *index, gen_array ***buf, gen_args *out) {
    if (!(*buf = core_alloc((size_t)args->n * sizeof **buf))) return GEN_ERR_OOM;
    (*buf)[0] = index;
    for (int j = 1; j < args->n; j++) (*buf)[j] = args->v[j];
    *out = (gen_args){args->n, *buf, args->user};
    return GEN_OK;
}

static gen_status finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, gen_trace *sw,
                               gen_array *index, gen_array *lp, gen_trace **tr) {
    gen_array *score = (gen_array *)gen_trace_score(sw);
    gen_status s = comb_add(&score, lp);
    gen_choicemap_builder *b = s == GEN_OK ? gen_choicemap_builder_new() : NULL;
    gen_addr ai = {1, {p_index()}}, ac = {1, {p_component()}};
    if (s == GEN_OK && !b) s = GEN_ERR_OOM;
    if (s == GEN_OK) s = gen_choicemap_builder_set(b, &ai, index);
    if (s == GEN_OK) s = gen_choicemap_builder_set_submap(b, &ac, gen_trace_choices(sw));
    gen_choicemap *cm = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    mix_trace *d = cm ? core_calloc(1, sizeof *d) : NULL;
    if (!d) {
        gen_trace_release(sw);
        return s != GEN_OK ? s : comb_pending();
    }
    *d = (mix_trace){sw, gen_array_retain(lp), gen_array_retain(index)};
    return comb_trace_new(m, f, args, (gen_array *)gen_trace_retval(sw), cm, score, d, NULL, tr);
}

/* The index's log probability (a NULL lp on error). */
static gen_array *index_lp(const gen_gf *f, const gen_dist *c, const gen_array *index) {
    gen_array *lp = gen_dist_logpdf(c, index);
    if (!lp) core_error_prefix("%s: index", f->name);
    return lp;
}

static gen_status mix_generate(const gen_gf *f, gen_key key, const gen_args *args,
                               const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_dist *c = index_dist(m, f, "generate", args);
    const gen_array *given = gen_choicemap_value(gen_choicemap_child(constraints, p_index()));
    const gen_array *gmask = gen_choicemap_mask_at(constraints, &(gen_addr){1, {p_index()}});
    gen_array *index = NULL, *lp = NULL, *w = NULL, **buf = NULL;
    gen_trace *sw = NULL, *t = NULL;
    gen_args sa;
    s = c ? check_keys(f, "generate", constraints) : comb_pending();
    if (s == GEN_OK && !(index = given && !gmask ? (gen_array *)given : draw_index(m, c, gen_key_fold_in(key, 0))))
        s = comb_pending();
    if (s == GEN_OK && gmask && !(index = index_where(m, gmask, given, index))) s = comb_pending();
    if (s == GEN_OK) s = switch_args(args, index, &buf, &sa);
    if (s == GEN_OK) {
        int64_t saved = comb_kernel_begin(m);
        s = gen_generate(((const mix_data *)f->data)->sw, gen_key_fold_in(key, 1), &sa,
                         gen_choicemap_child(constraints, p_component()), &sw, &w);
        comb_kernel_end(saved);
        if (s == GEN_OK) gen_trace_retain(sw);
    }
    if (buf) core_free(buf, (size_t)args->n * sizeof *buf);
    if (s == GEN_OK && !(lp = index_lp(f, c, index))) s = comb_pending();
    if (s == GEN_OK && given) /* a constrained index counts (where it is given) */
        s = comb_add(&w, gmask ? gen_where(gmask, lp, gen_scalar(0.0)) : lp);
    if (s == GEN_OK) s = finish_trace(m, f, args, sw, index, lp, &t);
    else gen_trace_release(sw);
    return comb_publish(m, s, t, w, weight, tr);
}

static gen_status mix_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                             gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_dist *c = index_dist(m, f, "assess", args);
    const gen_array *index = gen_choicemap_value(gen_choicemap_child(choices, p_index()));
    gen_array *lp = NULL, *w = NULL, *ret = NULL, **buf = NULL;
    gen_args sa;
    s = c ? check_keys(f, "assess", choices) : comb_pending();
    if (s == GEN_OK && !index) s = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: no value at index", f->name);
    if (s == GEN_OK && gen_choicemap_mask_at(choices, &(gen_addr){1, {p_index()}}))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: the index is masked (some particles have none)", f->name);
    if (s == GEN_OK) s = switch_args(args, (gen_array *)index, &buf, &sa);
    if (s == GEN_OK) {
        int64_t saved = comb_kernel_begin(m);
        gen_addr ac = {1, {p_component()}};
        s = gfi_assess_at(((const mix_data *)f->data)->sw, eval, &ac, &sa, gen_choicemap_child(choices, p_component()), &w, &ret);
        comb_kernel_end(saved);
    }
    if (buf) core_free(buf, (size_t)args->n * sizeof *buf);
    if (s == GEN_OK && !(lp = index_lp(f, c, index))) s = comb_pending();
    if (s == GEN_OK) s = comb_add(&w, lp);
    return comb_return(m, s, w, ret, weight, retval);
}

static gen_status mix_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    const mix_trace *d = tr->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_array *w = NULL;
    gen_addr ai = {1, {p_index()}};
    int64_t saved = comb_kernel_begin(m);
    s = gen_project(d->sw, gen_selection_sub(sel, p_component()), &w);
    comb_kernel_end(saved);
    if (s == GEN_OK && gen_selection_contains(sel, &ai)) s = comb_add(&w, d->lp);
    return comb_return(m, s, w, NULL, weight, NULL);
}

/* ---- update and regenerate ---- */

/* update: a constrained index counts new - old (the old value discarded); a kept one
 * counts its density change under the new logits. regenerate: a selected index is
 * resampled from the prior (it counts nothing), a kept one as in update. The component
 * is the Switch's update / regenerate with the new index (same value: revisited; new
 * value: replaced, Gen.jl's switch rule). */
static gen_status mix_edit_run(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                               const gen_choicemap *constraints, const gen_selection *sel, gen_trace **new_tr,
                               gen_array **weight, gen_diff *retdiff, gen_choicemap **discard) {
    const gen_gf *f = tr->gf;
    const mix_trace *old = tr->data;
    const char *op = sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_dist *c = index_dist(m, f, op, args);
    gen_addr ai = {1, {p_index()}}, ac = {1, {p_component()}};
    const gen_array *given = sel ? NULL : gen_choicemap_value(gen_choicemap_child(constraints, p_index()));
    const gen_array *gmask = sel ? NULL : gen_choicemap_mask_at(constraints, &ai);
    bool resample = sel && gen_selection_contains(sel, &ai);
    gen_array *index = NULL, *lp = NULL, *w = NULL, **buf = NULL;
    gen_trace *sw = NULL, *t = NULL;
    gen_choicemap *sdisc = NULL;
    gen_diff rd = gen_diff_unknown(), *ad = NULL;
    gen_args sa;
    s = c ? (sel ? GEN_OK : check_keys(f, op, constraints)) : comb_pending();
    if (s == GEN_OK) {
        index = resample ? draw_index(m, c, gen_key_fold_in(key, 0)) : given ? (gen_array *)given : old->index;
        if (index && gmask) index = index_where(m, gmask, given, old->index);
        if (!index) s = comb_pending();
    }
    if (s == GEN_OK) s = switch_args(args, index, &buf, &sa);
    if (s == GEN_OK && !(ad = core_alloc((size_t)args->n * sizeof *ad))) s = GEN_ERR_OOM;
    if (s == GEN_OK) {
        ad[0] = index == old->index ? gen_diff_no_change() : gen_diff_unknown();
        for (int j = 1; j < args->n; j++) ad[j] = argdiffs ? argdiffs[j] : gen_diff_unknown();
        int64_t saved = comb_kernel_begin(m);
        s = sel ? gen_regenerate(old->sw, gen_key_fold_in(key, 1), &sa, ad, gen_selection_sub(sel, p_component()), &sw,
                                 &w, &rd)
                : gen_update(old->sw, gen_key_fold_in(key, 1), &sa, ad, gen_choicemap_child(constraints, p_component()),
                             &sw, &w, &rd, discard ? &sdisc : NULL);
        comb_kernel_end(saved);
        if (s == GEN_OK) gen_trace_retain(sw);
    }
    if (buf) core_free(buf, (size_t)args->n * sizeof *buf);
    if (ad) core_free(ad, (size_t)args->n * sizeof *ad);
    if (s == GEN_OK && !(lp = index_lp(f, c, index))) s = comb_pending();
    if (s == GEN_OK && !resample) { /* kept or constrained: new - old */
        if ((s = comb_add(&w, lp)) == GEN_OK) s = comb_sub(&w, old->lp);
    }
    gen_choicemap *dm = NULL;
    if (s == GEN_OK && discard) {
        dm = sdisc ? gen_choicemap_set_submap(gen_choicemap_empty(), &ac, sdisc) : gen_choicemap_empty();
        if (dm && given)
            dm = gmask ? gen_choicemap_set_masked(dm, &ai, per_particle(m, old->index), gmask)
                       : gen_choicemap_set(dm, &ai, old->index);
        if (!dm) s = comb_pending();
    }
    if (s == GEN_OK) s = finish_trace(m, f, args, sw, index, lp, &t);
    else gen_trace_release(sw);
    return comb_publish_edit(m, s, t, w, rd, dm, weight, new_tr, retdiff, discard);
}

static gen_status mix_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                             const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                             gen_diff *retdiff, gen_choicemap **discard) {
    return mix_edit_run(tr, key, args, argdiffs, constraints, NULL, new_tr, weight, retdiff, discard);
}

static gen_status mix_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                 const gen_selection *sel, gen_trace **new_tr, gen_array **weight,
                                 gen_diff *retdiff) {
    return mix_edit_run(tr, key, args, argdiffs, NULL, sel, new_tr, weight, retdiff, NULL);
}

static bool mix_same(const gen_gf *a, const gen_gf *b) {
    return gfi_same_gf(((const mix_data *)a->data)->sw, ((const mix_data *)b->data)->sw);
}

static const gfi_vtable mix_vtable = {"mix",      mix_generate,   mix_assess, mix_project,
                                      mix_update, mix_regenerate, mix_free,   mix_free_trace,
                                      mix_same,   NULL,           NULL};

gen_gf *gen_mix(int k, const gen_gf *const *components) {
    if (k >= 1 && !components) return GEN_FAIL(GEN_ERR_MISUSE, "gen_mix: the list of components is NULL"), NULL;
    if (k < 1 || !components) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_mix: needs at least one component (got %d%s)", k, components ? "" : ", NULL");
        return NULL;
    }
    char name[128];
    size_t len = (size_t)snprintf(name, sizeof name, "mix(");
    for (int i = 0; i < k; i++) {
        if (!components[i]) {
            if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_mix: component %d is NULL", i);
            return NULL;
        }
        if (len < sizeof name)
            len += (size_t)snprintf(name + len, sizeof name - len, "%s%s", i ? ", " : "", gen_gf_name(components[i]));
    }
    if (len < sizeof name) snprintf(name + len, sizeof name - len, ")");
    mix_data *d = core_calloc(1, sizeof *d);
    if (!d) {
        GEN_FAIL(GEN_ERR_OOM, "gen_mix: out of memory");
        return NULL;
    }
    d->k = k;
    gen_status s = gen_scope_begin();
    if (s == GEN_OK) {
        char sname[160];
        snprintf(sname, sizeof sname, "%s: component", name);
        gen_gf *sw = comb_branch_new(sname, k, components, false);
        d->sw = sw ? gen_gf_retain(sw) : NULL;
        gen_scope_end();
    }
    if (!d->sw) {
        core_free(d, sizeof *d);
        return NULL;
    }
    return gfi_gf_new(&mix_vtable, name, d);
}
