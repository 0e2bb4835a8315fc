/* switch.c — Switch(branches...): argument 0 picks the branch that runs on the other
 * arguments, its choices at the Switch's own namespace (Gen.jl's Switch). The same
 * engine runs Mask (mask.c: a bool flag over {nothing, f}). update / regenerate with
 * an unchanged index revisit the branch; a new index discards the old branch and
 * generates the new one. */
#include <stdio.h>
#include <string.h>

#include "switch_int.h"

static void branch_free(gen_gf *f) {
    branch_data *d = f->data;
    for (int i = 0; i < d->k; i++) gen_gf_release(d->gf[i]);
    core_free(d->gf, (size_t)d->k * sizeof *d->gf);
    core_free(d, sizeof *d);
}

void sw_free_trace_data(branch_trace *d) {
    gen_trace_release(d->sub);
    gen_array_release(d->idx);
    if (d->subs) {
        for (int b = 0; b < d->k; b++) gen_trace_release(d->subs[b]);
        core_free(d->subs, (size_t)d->k * sizeof *d->subs);
    }
    core_free(d, sizeof *d);
}

static void branch_free_trace(gen_trace *tr) { sw_free_trace_data(tr->data); }

static const char *selector(const branch_data *d) { return d->flag ? "flag" : "index"; }

/* The branch argument 0 picks: *out, or -1 and *idx (i64 [N], each particle's branch)
 * when a batched one differs between particles (masking: switch_masked.c). */
static gen_status read_index(comb_mode m, const gen_gf *f, const char *op, const gen_args *args,
                             int64_t *out, gen_array **idx) {
    const branch_data *d = f->data;
    *idx = NULL;
    if (!args || args->n < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: no %s argument (argument 0)", f->name, op, selector(d));
    const gen_array *a = args->v[0];
    gen_dtype want = d->flag ? GEN_BOOL : GEN_I64;
    bool batched = m.n && gen_array_is_batched(a);
    int nd = gen_array_ndim(a);
    if (gen_array_dtype(a) != want || nd != (batched ? 1 : 0) || (batched && gen_array_shape(a)[0] != m.n)) {
        char buf[64];
        gen_array_format(a, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the %s (argument 0) must be a 0-d %s array, got %s", f->name,
                        op, selector(d), gen_dtype_name(want), buf);
    }
    int64_t n = batched ? gen_array_shape(a)[0] : 1, v0 = 0;
    bool same = true;
    const void *data = gen_array_data(a);
    for (int64_t i = 0; i < n; i++) {
        int64_t v = d->flag ? ((const bool *)data)[i] : ((const int64_t *)data)[i];
        if (i == 0) v0 = v;
        same = same && v == v0;
        if (v < 0 || v >= d->k)
            return GEN_FAIL(GEN_ERR_INDEX, "%s: %s: index %lld%s is not a branch (%d branches)", f->name, op,
                            (long long)v, batched ? " (a particle's)" : "", d->k);
    }
    *out = same ? v0 : -1;
    if (same) return GEN_OK;
    *idx = d->flag ? gen_cast(gen_unbatched(a), GEN_I64) : gen_unbatched(a);
    return *idx ? GEN_OK : comb_pending();
}

gen_args sw_rest_of(const gen_args *args) { return (gen_args){args->n - 1, args->v + 1, args->user}; }

/* The empty branch uses no constraints (or choices). */
gen_status sw_check_unused(const gen_gf *f, const char *op, const gen_choicemap *m) {
    if (gen_choicemap_is_empty(m)) return GEN_OK;
    char buf[GEN_ADDR_FORMAT_MAX];
    comb_first_addr(m, buf, sizeof buf);
    if (gen_choicemap_is_value(m)) snprintf(buf, sizeof buf, "the root");
    return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: constraint at %s was not used by the model (%s)", f->name, op, buf,
                    ((const branch_data *)f->data)->flag ? "the flag is off" : "the branch makes no choices");
}

/* Prefixes the pending error with the branch's name. */
gen_status sw_fail_in(const gen_gf *f, int64_t index) {
    gen_status s = comb_pending();
    const branch_data *d = f->data;
    if (d->flag) core_error_prefix("%s", f->name);
    else core_error_prefix("%s: branch %lld", f->name, (long long)index);
    return s;
}

/* Generates branch index (NULL sub for the empty one). */
gen_status sw_gen_branch(comb_mode m, const gen_gf *f, const char *op, int64_t index, gen_key key,
                         const gen_args *args, const gen_choicemap *constraints, gen_trace **sub, gen_array **w) {
    const gen_gf *b = ((const branch_data *)f->data)->gf[index];
    *sub = NULL;
    if (!b) {
        *w = comb_zero(m);
        gen_status s = sw_check_unused(f, op, constraints);
        return s != GEN_OK ? s : *w ? GEN_OK : comb_pending();
    }
    gen_args ra = sw_rest_of(args);
    int64_t saved = comb_kernel_begin(m);
    gen_status s = gen_generate(b, key, &ra, constraints, sub, w);
    comb_kernel_end(saved);
    if (s != GEN_OK) return sw_fail_in(f, index);
    gen_trace_retain(*sub);
    return GEN_OK;
}

/* The trace of f with branch index's subtrace sub (taken). */
gen_status sw_finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, int64_t index, gen_trace *sub,
                           gen_trace **tr) {
    branch_trace *d = core_calloc(1, sizeof *d);
    if (!d) {
        gen_trace_release(sub);
        return GEN_ERR_OOM;
    }
    *d = (branch_trace){.index = index, .sub = sub};
    return sub ? comb_trace_new(m, f, args, (gen_array *)gen_trace_retval(sub), (gen_choicemap *)gen_trace_choices(sub),
                                (gen_array *)gen_trace_score(sub), d, NULL, tr)
               : comb_trace_new(m, f, args, NULL, gen_choicemap_empty(), NULL, d, NULL, tr);
}

static gen_status branch_generate(const gen_gf *f, gen_key key, const gen_args *args,
                                  const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t index = 0;
    gen_trace *sub = NULL, *t = NULL;
    gen_array *w = NULL, *idx = NULL;
    s = read_index(m, f, "generate", args, &index, &idx);
    if (s == GEN_OK && idx) s = sw_pp_generate(m, f, key, args, idx, constraints, &t, &w);
    else if (s == GEN_OK) s = sw_gen_branch(m, f, "generate", index, key, args, constraints, &sub, &w);
    if (s == GEN_OK && !idx) s = sw_finish_trace(m, f, args, index, sub, &t);
    return comb_publish(m, s, t, w, weight, tr);
}

static gen_status branch_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                                gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t index = 0;
    gen_array *w = NULL, *ret = NULL, *idx = NULL;
    s = read_index(m, f, "assess", args, &index, &idx);
    const gen_gf *b = s == GEN_OK && !idx ? ((const branch_data *)f->data)->gf[index] : NULL;
    if (s == GEN_OK && idx)
        s = sw_pp_assess(m, f, args, idx, choices, &w, &ret);
    else if (s == GEN_OK && !b) {
        s = sw_check_unused(f, "assess", choices);
        if (s == GEN_OK && !(w = comb_zero(m))) s = comb_pending();
    } else if (s == GEN_OK) {
        gen_args ra = sw_rest_of(args);
        int64_t saved = comb_kernel_begin(m);
        s = gfi_assess_in(b, eval, &ra, choices, &w, &ret);
        comb_kernel_end(saved);
        if (s != GEN_OK) s = sw_fail_in(f, index);
    }
    return comb_return(m, s, w, ret, weight, retval);
}

static gen_status branch_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    const branch_trace *d = tr->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_array *w = NULL;
    if (d->index < 0) s = sw_pp_project(m, tr, sel, &w);
    else if (!d->sub) w = comb_zero(m);
    else {
        int64_t saved = comb_kernel_begin(m);
        s = gen_project(d->sub, sel, &w);
        comb_kernel_end(saved);
        if (s != GEN_OK) s = sw_fail_in(tr->gf, d->index);
    }
    return comb_return(m, s, w, NULL, weight, NULL);
}

/* ---- update and regenerate ---- */

/* The same branch again: the branch's own update / regenerate with the other
 * arguments' argdiffs (Gen.jl: process! for an unchanged index). */
static gen_status revisit(comb_mode m, const gen_trace *tr, gen_key key, const gen_args *args,
                          const gen_diff *argdiffs, branch_edit *e, gen_trace **sub, gen_array **w,
                          gen_diff *rd) {
    const branch_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    *rd = gen_diff_no_change();
    if (!old->sub) { /* nothing to revisit: no choices, no return value */
        *w = comb_zero(m);
        gen_status s = e->sel ? GEN_OK : sw_check_unused(tr->gf, op, e->constraints);
        return s != GEN_OK ? s : *w ? GEN_OK : comb_pending();
    }
    gen_args ra = sw_rest_of(args);
    int64_t saved = comb_kernel_begin(m);
    gen_status s = e->sel ? gen_regenerate(old->sub, key, &ra, argdiffs ? argdiffs + 1 : NULL, e->sel, sub, w, rd)
                          : gen_update(old->sub, key, &ra, argdiffs ? argdiffs + 1 : NULL, e->constraints, sub, w,
                                       rd, e->want_discard ? &e->discard : NULL);
    comb_kernel_end(saved);
    if (s != GEN_OK) return sw_fail_in(tr->gf, old->index);
    gen_trace_retain(*sub);
    return GEN_OK;
}

/* A new branch. Gen.jl (switch/update.jl, process! for a changed index): the new
 * branch is generated and the weight is its generate weight minus the old trace's
 * score; the discard holds the old branch's choices. Gen.jl also passes the old
 * choices as constraints (its generate ignores those the new branch does not make);
 * GenC's generate rejects unused constraints, so every old choice is discarded and the
 * new branch's unconstrained choices are sampled: the weight is then exactly the GFI's
 * update weight (constrained new choices - the old score).
 * regenerate (switch/regenerate.jl) proposes the new branch from the prior and the old
 * one backward from the prior: weight = the new branch's generate weight with no
 * constraints (its gen_factor terms) - the old branch's non-choice terms (project of
 * nothing), as Map counts new and dropped elements. */
static gen_status replace(comb_mode m, const gen_trace *tr, gen_key key, const gen_args *args, int64_t index,
                          branch_edit *e, gen_trace **sub, gen_array **w) {
    const branch_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    gen_status s = sw_gen_branch(m, tr->gf, op, index, key, args, e->sel ? gen_choicemap_empty() : e->constraints,
                              sub, w);
    if (s != GEN_OK || !old->sub) return s;
    gen_array *rest = NULL;
    if (!e->sel) {
        if (e->want_discard) e->discard = (gen_choicemap *)gen_trace_choices(old->sub);
        return comb_sub(w, gen_trace_score(old->sub));
    }
    int64_t saved = comb_kernel_begin(m);
    s = gen_project(old->sub, gen_select_none(), &rest);
    comb_kernel_end(saved);
    return s == GEN_OK ? comb_sub(w, rest) : sw_fail_in(tr->gf, old->index);
}

static gen_status branch_edit_run(const gen_trace *tr, gen_key key, const gen_args *args,
                                  const gen_diff *argdiffs, branch_edit *e, gen_trace **new_tr,
                                  gen_array **weight, gen_diff *retdiff, gen_choicemap **discard) {
    const branch_trace *old = tr->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t index = 0;
    gen_trace *sub = NULL, *t = NULL;
    gen_array *w = NULL, *idx = NULL;
    gen_diff rd = gen_diff_unknown();
    s = read_index(m, tr->gf, e->sel ? "regenerate" : "update", args, &index, &idx);
    /* Branches per particle (before or now): each particle by Gen.jl's rule. */
    if (s == GEN_OK && !idx && old->index < 0 && !(idx = gen_full(GEN_I64, 1, &m.n, (double)index)))
        s = comb_pending();
    if (s == GEN_OK && idx) s = sw_pp_edit(m, tr, key, args, argdiffs, e, idx, &t, &w);
    /* The index's value decides, whatever its argdiff says. */
    else if (s == GEN_OK && index == old->index) s = revisit(m, tr, key, args, argdiffs, e, &sub, &w, &rd);
    else if (s == GEN_OK) s = replace(m, tr, key, args, index, e, &sub, &w);
    if (s == GEN_OK && !idx) s = sw_finish_trace(m, tr->gf, args, index, sub, &t);
    else gen_trace_release(sub); /* made by a replace that failed after */
    return comb_publish_edit(m, s, t, w, rd, e->discard, weight, new_tr, retdiff, discard);
}

static gen_status branch_update(const gen_trace *tr, gen_key key, const gen_args *args,
                                const gen_diff *argdiffs, const gen_choicemap *constraints,
                                gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                                gen_choicemap **discard) {
    branch_edit e = {.constraints = constraints, .want_discard = discard != NULL};
    return branch_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff, discard);
}

static gen_status branch_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                                    const gen_diff *argdiffs, const gen_selection *sel,
                                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    branch_edit e = {.sel = sel};
    return branch_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff, NULL);
}

static bool branch_same(const gen_gf *a, const gen_gf *b) {
    const branch_data *x = a->data, *y = b->data;
    if (x->k != y->k || x->flag != y->flag) return false;
    for (int i = 0; i < x->k; i++)
        if (!(x->gf[i] == y->gf[i] || (x->gf[i] && y->gf[i] && gfi_same_gf(x->gf[i], y->gf[i])))) return false;
    return true;
}

static const gfi_vtable branch_vtable = {"switch",          branch_generate, branch_assess,
                                         branch_project,    branch_update,   branch_regenerate,
                                         branch_free,       branch_free_trace, branch_same, NULL, NULL};

gen_gf *comb_branch_new(const char *name, int k, const gen_gf *const *branches, bool flag) {
    branch_data *d = core_calloc(1, sizeof *d);
    if (d && !(d->gf = core_calloc((size_t)k, sizeof *d->gf))) {
        core_free(d, sizeof *d);
        d = NULL;
    }
    if (!d) {
        GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", name);
        return NULL;
    }
    d->k = k;
    d->flag = flag;
    for (int i = 0; i < k; i++) d->gf[i] = branches[i] ? gen_gf_retain((gen_gf *)branches[i]) : NULL;
    return gfi_gf_new(&branch_vtable, name, d);
}

gen_gf *gen_switch(int k, const gen_gf *const *branches) {
    if (k >= 1 && !branches) return GEN_FAIL(GEN_ERR_MISUSE, "gen_switch: the list of branches is NULL"), NULL;
    if (k < 1 || !branches) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_switch: needs at least one branch (got %d%s)", k, branches ? "" : ", NULL");
        return NULL;
    }
    char name[128];
    size_t len = (size_t)snprintf(name, sizeof name, "switch(");
    for (int i = 0; i < k; i++) {
        if (!branches[i]) {
            if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_switch: branch %d is NULL", i);
            return NULL;
        }
        if (len < sizeof name)
            len += (size_t)snprintf(name + len, sizeof name - len, "%s%s", i ? ", " : "", gen_gf_name(branches[i]));
    }
    if (len < sizeof name) snprintf(name + len, sizeof name - len, ")");
    return comb_branch_new(name, k, branches, false);
}
