/* comb_chain.c — what the combinators of indexed steps (Map, and the chain engine of
 * Scan / Unfold) share in update and regenerate: which steps the constraints or the
 * selection reach, revisiting a step, dropping one, the update / regenerate wrappers,
 * and project over the steps. */
#include <stdlib.h>
#include <string.h>

#include "comb_int.h"

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The constrained steps (already checked to be steps), sorted. */
gen_status comb_edit_marks(comb_edit *e) {
    int64_t k = gen_choicemap_num_children(e->constraints);
    if (k == 0) return GEN_OK;
    if (!(e->marks = core_alloc((size_t)k * sizeof *e->marks))) return GEN_ERR_OOM;
    for (int64_t j = 0; j < k; j++) {
        gen_part p;
        gen_choicemap_child_at(e->constraints, j, &p);
        e->marks[j] = gen_part_get_int(p);
    }
    e->n_marks = k;
    qsort(e->marks, (size_t)k, sizeof *e->marks, cmp_i64);
    return GEN_OK;
}

bool comb_edit_reaches(const comb_edit *e, int64_t t) {
    gen_part p = gen_part_int(t);
    return e->sel ? !gen_selection_is_none(gen_selection_sub(e->sel, p))
                  : !gen_choicemap_is_empty(gen_choicemap_child(e->constraints, p));
}

/* The first step >= from (and < limit, else limit) that the constraints or the
 * selection reach. */
int64_t comb_edit_next(const comb_edit *e, int64_t from, int64_t limit) {
    if (e->sel) {
        if (gen_selection_is_none(e->sel)) return limit;
        for (int64_t t = from; t < limit; t++)
            if (comb_edit_reaches(e, t)) return t;
        return limit;
    }
    int64_t lo = 0, hi = e->n_marks; /* first mark >= from */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (e->marks[mid] < from) lo = mid + 1;
        else hi = mid;
    }
    return lo < e->n_marks && e->marks[lo] < limit ? e->marks[lo] : limit;
}

/* Revisits old step t (update or regenerate) with argdiffs ead. */
gen_status comb_edit_revisit(comb_mode m, const gen_gf *f, const comb_edit *e, gen_key key,
                          const gen_trace *old, const gen_args *ea, const gen_diff *ead, int64_t t,
                          gen_trace **sub, gen_array **wi, gen_diff *rd) {
    gen_part p = gen_part_int(t);
    gen_key k = gen_key_fold_in(key, (uint64_t)t);
    gen_choicemap *disc = NULL;
    int64_t saved = comb_kernel_begin(m);
    gen_status s = e->sel ? gen_regenerate(old, k, ea, ead, gen_selection_sub(e->sel, p), sub, wi, rd)
                          : gen_update(old, k, ea, ead, gen_choicemap_child(e->constraints, p), sub, wi, rd,
                                       e->discard ? &disc : NULL);
    comb_kernel_end(saved);
    if (s == GEN_OK && disc && !gen_choicemap_is_empty(disc)) {
        gen_addr a = {1, {p}};
        s = gen_choicemap_builder_set_submap(e->discard, &a, disc);
    }
    return s == GEN_OK ? GEN_OK : comb_fail_at(f->name, t);
}

/* A dropped step (Map's rule, from Gen.jl): update subtracts its score and discards its
 * choices; regenerate subtracts only what is not choices (they are proposed backward
 * from the prior). */
gen_status comb_edit_drop(comb_mode m, const comb_edit *e, const gen_trace *old, int64_t t, gen_array **w) {
    if (!e->sel) {
        gen_addr a = {1, {gen_part_int(t)}};
        gen_status s = e->discard && !gen_choicemap_is_empty(gen_trace_choices(old))
                           ? gen_choicemap_builder_set_submap(e->discard, &a, gen_trace_choices(old))
                           : GEN_OK;
        return s == GEN_OK ? comb_sub(w, gen_trace_score(old)) : s;
    }
    gen_array *rest = NULL;
    int64_t saved = comb_kernel_begin(m);
    gen_status s = gen_project(old, gen_select_none(), &rest);
    comb_kernel_end(saved);
    return s == GEN_OK ? comb_sub(w, rest) : s;
}


void comb_edit_free(comb_edit *e) {
    if (e->marks) core_free(e->marks, (size_t)e->n_marks * sizeof *e->marks);
    if (e->discard) gen_choicemap_builder_free(e->discard);
}

gen_status comb_edit_update(comb_edit_run_fn run, const gen_trace *tr, gen_key key, const gen_args *args,
                            const gen_diff *argdiffs, const gen_choicemap *constraints, gen_trace **new_tr,
                            gen_array **weight, gen_diff *retdiff, gen_choicemap **discard) {
    comb_edit e = {.constraints = constraints};
    if (discard && !(e.discard = gen_choicemap_builder_new())) return GEN_ERR_OOM;
    gen_status s = run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    if (s == GEN_OK && discard && !(*discard = gen_choicemap_builder_finish(e.discard))) {
        s = comb_pending();
        if (weight) *weight = NULL; /* left to the scope */
        *new_tr = NULL;
    }
    comb_edit_free(&e);
    return s;
}

gen_status comb_edit_regenerate(comb_edit_run_fn run, const gen_trace *tr, gen_key key, const gen_args *args,
                                const gen_diff *argdiffs, const gen_selection *sel, gen_trace **new_tr,
                                gen_array **weight, gen_diff *retdiff) {
    comb_edit e = {.sel = sel};
    gen_status s = run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    comb_edit_free(&e);
    return s;
}

gen_status comb_project_steps(const gen_trace *tr, int64_t n, gen_trace *const *subs, const gen_selection *sel,
                              gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_array *w = NULL;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_array *wi = NULL;
        int64_t saved = comb_kernel_begin(m);
        s = gen_project(subs[i], gen_selection_sub(sel, gen_part_int(i)), &wi);
        comb_kernel_end(saved);
        s = s == GEN_OK ? comb_add(&w, wi) : comb_fail_at(tr->gf->name, i);
    }
    return comb_return(m, s, w, NULL, weight, NULL);
}
