/* map.c — Map(kernel): the kernel applied to each element of the arguments, one
 * subtrace per element at integer addresses; update and regenerate revisit only the
 * elements whose arguments changed or that constraints / the selection reach. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

typedef struct map_trace {
    int64_t n;
    gen_trace **subs;        /* retained, one per element */
    int64_t n_updated;       /* the retdiff payload of the update that made this trace */
    int64_t *updated;
    gen_diff *updated_diffs; /* each borrowed from the subtrace it describes */
    gen_vector_diff vd;
} map_trace;

static const gen_gf *kernel_of(const gen_gf *f) { return f->data; }

static void map_free(gen_gf *f) { gen_gf_release(f->data); }

static void map_trace_free_data(map_trace *d) {
    for (int64_t i = 0; i < d->n; i++) gen_trace_release(d->subs[i]);
    if (d->subs) core_free(d->subs, (size_t)d->n * sizeof *d->subs);
    if (d->updated) core_free(d->updated, (size_t)d->n * sizeof *d->updated);
    if (d->updated_diffs) core_free(d->updated_diffs, (size_t)d->n * sizeof *d->updated_diffs);
    core_free(d, sizeof *d);
}

static void map_free_trace(gen_trace *tr) { map_trace_free_data(tr->data); }

static map_trace *map_trace_new(int64_t n) {
    map_trace *d = core_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->n = n;
    if (n > 0 && !(d->subs = core_calloc((size_t)n, sizeof *d->subs))) {
        core_free(d, sizeof *d);
        return NULL;
    }
    return d;
}

/* The common length of the arguments' element axes. */
static int64_t map_length(comb_mode m, const gen_gf *f, const char *op, const gen_args *args) {
    if (!args || args->n == 0) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s: no arguments to map over", f->name, op);
        return -1;
    }
    int64_t n = -1;
    for (int j = 0; j < args->n; j++) {
        int64_t k = comb_length(m, f->name, j, args->v[j]);
        if (k < 0) return -1;
        if (n >= 0 && k != n) {
            GEN_FAIL(GEN_ERR_SHAPE, "%s: %s: argument %d has %lld elements, argument 0 has %lld",
                     f->name, op, j, (long long)k, (long long)n);
            return -1;
        }
        n = k;
    }
    return n;
}

/* Element i of every argument, into ev (args->n entries); ea views them. */
static gen_status element_args(comb_mode m, const gen_args *args, int64_t i, gen_array **ev,
                               gen_args *ea) {
    for (int j = 0; j < args->n; j++)
        if (!(ev[j] = comb_element(m, args->v[j], i))) return comb_pending();
    *ea = (gen_args){args->n, ev, args->user};
    return GEN_OK;
}

/* The stacked return values, or NULL when the kernel returns none (all or nothing). */
static gen_status stack_retvals(comb_mode m, const gen_gf *f, int64_t n, gen_trace *const *subs,
                                gen_array **out) {
    *out = NULL;
    if (n == 0) return GEN_OK;
    bool some = false, all = true;
    for (int64_t i = 0; i < n; i++) {
        bool has = gen_trace_retval(subs[i]) != NULL;
        some |= has;
        all &= has;
    }
    if (!some) return GEN_OK;
    if (!all) return GEN_FAIL(GEN_ERR_VALUE, "%s: the kernel returned a value for some elements and none for others", f->name);
    gen_array **rets = core_alloc((size_t)n * sizeof *rets);
    if (!rets) return GEN_ERR_OOM;
    for (int64_t i = 0; i < n; i++) rets[i] = (gen_array *)gen_trace_retval(subs[i]);
    *out = comb_stack(m, n, rets);
    core_free(rets, (size_t)n * sizeof *rets);
    if (!*out) {
        core_error_prefix("%s: stacking the kernel's return values", f->name);
        return comb_pending();
    }
    return GEN_OK;
}

/* The new trace of f from d (taken: freed on failure). */
static gen_status finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, map_trace *d,
                               gen_array *retval, gen_array *score, gen_trace **tr) {
    gen_choicemap *cm = comb_indexed_choices(d->n, d->subs);
    if (!cm) {
        map_trace_free_data(d);
        return comb_pending();
    }
    return comb_trace_new(m, f, args, retval, cm, score, d, NULL, tr);
}

/* Revisits old element i (comb_edit_revisit), or generates new element i when old is
 * NULL. *t gets the subtrace, *wi its weight, *rd its retdiff. */
static gen_status visit(comb_mode m, const gen_gf *f, const comb_edit *e, gen_key key, const gen_trace *old,
                        const gen_args *ea, const gen_diff *ead, int64_t i, gen_trace **t, gen_array **wi,
                        gen_diff *rd) {
    if (old) return comb_edit_revisit(m, f, e, key, old, ea, ead, i, t, wi, rd);
    int64_t saved = comb_kernel_begin(m);
    gen_status s = gen_generate(kernel_of(f), gen_key_fold_in(key, (uint64_t)i), ea,
                                e->sel ? gen_choicemap_empty() : gen_choicemap_child(e->constraints, gen_part_int(i)),
                                t, wi);
    comb_kernel_end(saved);
    return s == GEN_OK ? GEN_OK : comb_fail_at(f->name, i);
}

static gen_status map_generate(const gen_gf *f, gen_key key, const gen_args *args,
                               const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = map_length(m, f, "generate", args);
    map_trace *d = NULL;
    gen_array **ev = NULL, *score = NULL, *w = NULL, *ret = NULL;
    gen_trace *t = NULL;
    if (n < 0) s = comb_pending();
    if (s == GEN_OK) s = comb_check_indexed(f->name, "generate", constraints, n);
    if (s == GEN_OK && (!(d = map_trace_new(n)) || !(ev = core_alloc((size_t)args->n * sizeof *ev))))
        s = GEN_ERR_OOM;
    comb_edit e = {.constraints = constraints};
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_args ea;
        gen_array *wi = NULL;
        s = element_args(m, args, i, ev, &ea);
        if (s == GEN_OK) s = visit(m, f, &e, key, NULL, &ea, NULL, i, &d->subs[i], &wi, NULL);
        if (s != GEN_OK) break;
        gen_trace_retain(d->subs[i]);
        if ((s = comb_add(&score, gen_trace_score(d->subs[i]))) == GEN_OK) s = comb_add(&w, wi);
    }
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (s == GEN_OK) s = stack_retvals(m, f, n, d->subs, &ret);
    if (s == GEN_OK) {
        s = finish_trace(m, f, args, d, ret, score, &t);
        d = NULL;
    }
    if (d) map_trace_free_data(d);
    return comb_publish(m, s, t, w, weight, tr);
}

static gen_status map_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                             gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = map_length(m, f, "assess", args);
    gen_array **ev = NULL, **rets = NULL, *w = NULL;
    if (n < 0) s = comb_pending();
    if (s == GEN_OK) s = comb_check_indexed(f->name, "assess", choices, n);
    if (s == GEN_OK && (!(ev = core_alloc((size_t)args->n * sizeof *ev)) ||
                        (n > 0 && !(rets = core_calloc((size_t)n, sizeof *rets)))))
        s = GEN_ERR_OOM;
    int64_t with_ret = 0;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_args ea;
        gen_array *wi = NULL;
        s = element_args(m, args, i, ev, &ea);
        if (s == GEN_OK) {
            int64_t saved = comb_kernel_begin(m);
            gen_addr ai = {1, {gen_part_int(i)}};
            s = gfi_assess_at(kernel_of(f), eval, &ai, &ea, gen_choicemap_child(choices, gen_part_int(i)), &wi, &rets[i]);
            comb_kernel_end(saved);
        }
        if (s != GEN_OK) s = comb_fail_at(f->name, i);
        else s = comb_add(&w, wi);
        with_ret += rets && rets[i] != NULL;
    }
    gen_array *ret = NULL;
    if (s == GEN_OK && with_ret > 0) {
        if (with_ret < n)
            s = GEN_FAIL(GEN_ERR_VALUE, "%s: the kernel returned a value for some elements and none for others", f->name);
        else if (!(ret = comb_stack(m, n, rets)))
            s = comb_pending();
    }
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (rets) core_free(rets, (size_t)n * sizeof *rets);
    return comb_return(m, s, w, ret, weight, retval);
}

static gen_status map_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    const map_trace *d = tr->data;
    return comb_project_steps(tr, d->n, d->subs, sel, weight);
}

/* ---- update and regenerate ---- */

static bool element_changed(const gen_args *args, const gen_diff *argdiffs, int64_t i) {
    if (!argdiffs) return true;
    for (int j = 0; j < args->n; j++)
        if (gen_diff_element_changed(&argdiffs[j], i)) return true;
    return false;
}

static gen_status map_edit_run(const gen_trace *tr, gen_key key, const gen_args *args,
                               const gen_diff *argdiffs, comb_edit *e, gen_trace **new_tr,
                               gen_array **weight, gen_diff *retdiff) {
    const gen_gf *f = tr->gf;
    const map_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = map_length(m, f, op, args);
    map_trace *d = NULL;
    gen_array **ev = NULL, *w = NULL, *score = tr->score, *ret = NULL;
    gen_diff *ead = NULL, retd = gen_diff_unknown();
    gen_trace *t = NULL;
    if (n < 0) s = comb_pending();
    if (s == GEN_OK && !e->sel) s = comb_check_indexed(f->name, op, e->constraints, n);
    if (s == GEN_OK && (!(d = map_trace_new(n)) || !(ev = core_alloc((size_t)args->n * sizeof *ev)) ||
                        !(ead = core_alloc((size_t)args->n * sizeof *ead)) ||
                        (n > 0 && (!(d->updated = core_alloc((size_t)n * sizeof *d->updated)) ||
                                   !(d->updated_diffs = core_alloc((size_t)n * sizeof *d->updated_diffs))))))
        s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        const gen_trace *prev = i < old->n ? old->subs[i] : NULL;
        if (prev && !element_changed(args, argdiffs, i) && !comb_edit_reaches(e, i)) {
            d->subs[i] = gen_trace_retain((gen_trace *)prev); /* kept: weight 0 */
            continue;
        }
        gen_args ea;
        gen_array *wi = NULL;
        gen_diff rd = gen_diff_unknown();
        for (int j = 0; j < args->n; j++)
            ead[j] = argdiffs ? gen_diff_element(&argdiffs[j], i) : gen_diff_unknown();
        gen_trace *sub = NULL; /* set by a revisit that failed after it, too */
        s = element_args(m, args, i, ev, &ea);
        if (s == GEN_OK) s = visit(m, f, e, key, prev, &ea, ead, i, &sub, &wi, &rd);
        if (s != GEN_OK) break;
        d->subs[i] = gen_trace_retain(sub);
        s = comb_add(&w, wi);
        if (s == GEN_OK) s = comb_add(&score, gen_trace_score(d->subs[i]));
        if (s == GEN_OK && prev) s = comb_sub(&score, gen_trace_score(prev));
        if (prev && !gen_diff_is_no_change(&rd)) {
            d->updated[d->n_updated] = i;
            d->updated_diffs[d->n_updated++] = rd; /* its payload lives in d->subs[i] */
        }
    }
    for (int64_t i = n; s == GEN_OK && i < old->n; i++) {
        s = comb_edit_drop(m, e, old->subs[i], i, &w);
        if (s == GEN_OK) s = comb_sub(&score, gen_trace_score(old->subs[i]));
    }
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (ead) core_free(ead, (size_t)args->n * sizeof *ead);
    bool same = s == GEN_OK && n == old->n && d->n_updated == 0;
    if (s == GEN_OK) {
        if (same) ret = tr->retval; /* the very same array: the caller sees no change */
        else s = stack_retvals(m, f, n, d->subs, &ret);
    }
    if (s == GEN_OK) {
        d->vd = (gen_vector_diff){n, old->n, d->n_updated, d->updated, d->updated_diffs};
        retd = same ? gen_diff_no_change() : gen_diff_vector(&d->vd);
        s = finish_trace(m, f, args, d, ret, score, &t);
        d = NULL;
    }
    if (d) map_trace_free_data(d);
    return comb_publish_edit(m, s, t, w, retd, NULL, weight, new_tr, retdiff, NULL);
}

static gen_status map_update(const gen_trace *tr, gen_key key, const gen_args *args,
                             const gen_diff *argdiffs, const gen_choicemap *constraints,
                             gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                             gen_choicemap **discard) {
    return comb_edit_update(map_edit_run, tr, key, args, argdiffs, constraints, new_tr, weight, retdiff, discard);
}

static gen_status map_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                                 const gen_diff *argdiffs, const gen_selection *sel,
                                 gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    return comb_edit_regenerate(map_edit_run, tr, key, args, argdiffs, sel, new_tr, weight, retdiff);
}

static bool map_same(const gen_gf *a, const gen_gf *b) { return gfi_same_gf(a->data, b->data); }

/* A batched Map's particles index[j]: every element's subtrace gathered, the arguments,
 * return value and score picked along the particle axis. */
static gen_status map_gather(const gen_trace *tr, const gen_array *index, gen_trace **out) {
    const map_trace *d = tr->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    map_trace *nd = map_trace_new(d->n);
    if (!nd) s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < d->n; i++) {
        gen_trace *sub = NULL;
        if ((s = gen_trace_gather(d->subs[i], index, &sub)) == GEN_OK) nd->subs[i] = gen_trace_retain(sub);
    }
    gen_args args = {0, NULL, NULL};
    if (s == GEN_OK) s = gfi_pick_args(&tr->args, index, &args);
    gen_array *ret = s == GEN_OK ? gfi_pick_particles(tr->retval, index) : NULL;
    gen_array *score = s == GEN_OK ? gfi_pick_weights(tr->score, tr->batch, index) : NULL;
    if (s == GEN_OK && ((tr->retval && !ret) || !score)) s = comb_pending();
    gen_trace *t = NULL;
    if (s == GEN_OK) {
        s = finish_trace((comb_mode){gen_array_shape(index)[0]}, tr->gf, &args,
                         nd, ret, score, &t); /* takes nd */
        nd = NULL;
    }
    if (nd) map_trace_free_data(nd);
    gfi_picked_args_free(&args);
    gen_scope_end();
    if (s == GEN_OK && !(*out = gfi_trace_publish(t))) s = GEN_ERR_OOM;
    return s;
}

static const gfi_vtable map_vtable = {"map",          map_generate,   map_assess, map_project,
                                      map_update,     map_regenerate, map_free,   map_free_trace,
                                      map_same,       NULL,           map_gather};

gen_gf *gen_map(const gen_gf *kernel) {
    if (!kernel) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_map: the kernel is NULL");
        return NULL;
    }
    char name[128];
    snprintf(name, sizeof name, "map(%s)", gen_gf_name(kernel));
    return gfi_gf_new(&map_vtable, name, gen_gf_retain((gen_gf *)kernel));
}
