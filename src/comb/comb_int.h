/* comb_int.h — what the combinators share (prefix comb_): batched-mode bookkeeping,
 * elements of arguments, stacking return values, sums of scores and weights, choice
 * maps of indexed subtraces, the check that every constraint reached a call, the two
 * engines other combinators are built on (branching: Switch, Mask, Mix; the chain:
 * Scan, Unfold), update / regenerate of indexed steps, and the end of every operation. */
#ifndef GENC_SRC_COMB_INT_H
#define GENC_SRC_COMB_INT_H

#include "../gfi/gfi_int.h"
#include "genc/comb.h"

/* A combinator's operation runs with batched mode suspended (it keeps the particle axis
 * itself, like the DSL's handlers) and resumes it around each kernel call. */
typedef struct comb_mode {
    int64_t n; /* particle count, 0 if not batched */
} comb_mode;

static inline comb_mode comb_enter(void) { return (comb_mode){gen_batch_suspend()}; }
/* An operation that runs in its caller's mode (Dimap: f sees the particle axis as the
 * caller does); comb_leave is then a no-op. */
static inline comb_mode comb_keep(void) { return (comb_mode){gen_batch_size()}; }
static inline void comb_leave(comb_mode m) { gen_batch_resume(m.n); }
static inline int64_t comb_kernel_begin(comb_mode m) {
    int64_t saved = gen_batch_suspend();
    gen_batch_resume(m.n);
    return saved;
}
static inline void comb_kernel_end(int64_t saved) { gen_batch_resume(saved); }

/* The number of elements of a (axis 0, or axis 1 if a is batched in batched mode
 * m), or -1 with an error naming who and the argument index. */
int64_t comb_length(comb_mode m, const char *who, int arg, const gen_array *a);
/* Element i of a along that axis (marked batched if a is). NULL on error. */
gen_array *comb_element(comb_mode m, const gen_array *a, int64_t i);
/* The n arrays stacked along the element axis: axis 0, or axis 1 when one is batched
 * (the others are broadcast over the particles first; the result is marked). Items
 * must have one shape. n >= 1. NULL on error. */
gen_array *comb_stack(comb_mode m, int64_t n, gen_array *const *items);

/* The stack of no items shaped like item: [0] + its shape, or [N, 0] + its per-particle
 * shape when it is batched (marked). NULL on error. */
gen_array *comb_stack_empty(comb_mode m, const gen_array *item);
/* a and b have one per-particle shape (the shape without the particle axis of a batched
 * array in mode m). */
bool comb_same_item_shape(comb_mode m, const gen_array *a, const gen_array *b);

/* *acc += term (a NULL *acc is 0). GEN_OK or the error. */
gen_status comb_add(gen_array **acc, const gen_array *term);
/* *acc -= term. */
gen_status comb_sub(gen_array **acc, const gen_array *term);
/* 0, or zeros [n] in batched mode. */
gen_array *comb_zero(comb_mode m);

/* The choice map with subs[i]'s choices at integer address i (empty ones left out).
 * New reference; NULL on error. */
gen_choicemap *comb_indexed_choices(int64_t n, gen_trace *const *subs);
/* Every top-level key of m is an integer in [0, n): else GEN_ERR_VALUE "who: op:
 * constraint at <addr> is not an element (n elements)". */
gen_status comb_check_indexed(const char *who, const char *op, const gen_choicemap *m,
                              int64_t n);

/* The address of m's first value (deep order) written into buf ("" if m is empty). */
void comb_first_addr(const gen_choicemap *m, char *buf, size_t n);

/* Branching (switch.c; used by Switch and Mask): a gf whose argument 0 picks one of k
 * branches (an i64 index, or a bool flag picking branches[1] when true, branches[0]
 * when false) and passes it the other arguments; a NULL branch makes no choices and
 * returns none. Retains the branches. */
gen_gf *comb_branch_new(const char *name, int k, const gen_gf *const *branches, bool flag);

/* The chain engine (scan.c; used by Scan and Unfold): steps threading a carry through
 * the kernel. unfold: Unfold's (n, init_state, params...) arguments, the kernel run on
 * (t, state, params...) and returning the state, which is also the step's output;
 * else Scan's (init_carry, xs, params...), the kernel returning (carry, y). who names
 * the constructor in errors. Retains the kernel. */
gen_gf *comb_chain_new(const char *who, const gen_gf *kernel, bool unfold);

/* A persistent vector of subtraces (comb_pvec.c): Unfold and Scan keep their steps'
 * subtraces in one, so that updating or appending a step costs O(log n) and shares the
 * rest with the old trace. Every function returning a vector returns a new reference
 * (NULL on OOM) and leaves its argument unchanged; elements are retained by the vector. */
typedef struct comb_pvec comb_pvec;
comb_pvec *comb_pvec_new(void);
comb_pvec *comb_pvec_retain(comb_pvec *v);
void comb_pvec_release(comb_pvec *v);
int64_t comb_pvec_len(const comb_pvec *v);
/* Element i (borrowed), 0 <= i < len. */
gen_trace *comb_pvec_get(const comb_pvec *v, int64_t i);
/* v with element i replaced by t (0 <= i < len), or appended when i == len. */
comb_pvec *comb_pvec_set(const comb_pvec *v, int64_t i, gen_trace *t);
comb_pvec *comb_pvec_push(const comb_pvec *v, gen_trace *t);
/* v's first n elements. */
comb_pvec *comb_pvec_truncate(const comb_pvec *v, int64_t n);
/* The elements in a new array of len borrowed pointers (NULL when empty; free with
 * core_free(*out, len * sizeof **out)). */
gen_status comb_pvec_gather(const comb_pvec *v, gen_trace ***out);

/* ---- the end of every operation (comb_finish.c) ---- */

/* The new unpublished trace of f holding data (taken: freed on failure), batched as m;
 * a NULL score is zero. With materialize, a lazy trace (gfi_trace_new_lazy: retval and
 * choices are built when read); else one with retval and choices. GEN_OK or the error. */
gen_status comb_trace_new(comb_mode m, const gen_gf *f, const gen_args *args, gen_array *retval,
                          gen_choicemap *choices, gen_array *score, void *data, gfi_materialize_fn materialize,
                          gen_trace **tr);
/* Ends an operation opened with gen_scope_begin and comb_enter: on success gives w (NULL:
 * zero) to the caller's scope as *weight (if weight) and ret (NULL: none) as *retval (if
 * retval); closes the scope and resumes batched mode; on failure clears the outputs.
 * Returns s or the error. The end of assess and project. */
gen_status comb_return(comb_mode m, gen_status s, gen_array *w, gen_array *ret, gen_array **weight,
                       gen_array **retval);
/* The end of generate, update and regenerate: comb_return for the weight, then t (a new
 * unpublished reference; released on failure) published as *tr; on failure *weight is
 * NULL (what was given to the caller's scope is left to it). */
gen_status comb_publish(comb_mode m, gen_status s, gen_trace *t, gen_array *w, gen_array **weight,
                        gen_trace **tr);
/* The end of update and regenerate: comb_publish, and on success *retdiff = rd (if
 * retdiff) and disc (NULL: empty) given to the caller's scope as *discard (if discard);
 * on failure GEN_DIFF_UNKNOWN and NULL. */
gen_status comb_publish_edit(comb_mode m, gen_status s, gen_trace *t, gen_array *w, gen_diff rd, gen_choicemap *disc,
                             gen_array **weight, gen_trace **tr, gen_diff *retdiff, gen_choicemap **discard);

/* ---- update / regenerate of indexed steps (comb_chain.c: Map, Unfold, Scan; the
 * wrappers also Recurse) ---- */

/* What an update (constraints, and a discard builder if wanted) or a regenerate (sel)
 * asks of the steps; marks are the constrained steps, increasing (comb_edit_marks). */
typedef struct comb_edit {
    const gen_choicemap *constraints; /* update */
    const gen_selection *sel;         /* regenerate */
    gen_choicemap_builder *discard;   /* update, if wanted */
    int64_t *marks, n_marks;
} comb_edit;
/* Collects the marks from the constraints (their top-level keys, already checked to be
 * steps with comb_check_indexed). */
gen_status comb_edit_marks(comb_edit *e);
/* Do the constraints / the selection reach below step t? */
bool comb_edit_reaches(const comb_edit *e, int64_t t);
/* The first step in [from, limit) they reach, else limit (O(log) for update). */
int64_t comb_edit_next(const comb_edit *e, int64_t from, int64_t limit);
/* Updates / regenerates old step t (subtrace old) with the kernel arguments ea and their
 * argdiffs ead; the discard goes under address t. Errors prefixed "f's name: t". */
gen_status comb_edit_revisit(comb_mode m, const gen_gf *f, const comb_edit *e, gen_key key,
                             const gen_trace *old, const gen_args *ea, const gen_diff *ead, int64_t t,
                             gen_trace **sub, gen_array **wi, gen_diff *rd);
/* A dropped step (Map's rule, from Gen.jl): update subtracts its score from *w and
 * discards its choices; regenerate subtracts only what is not choices. */
gen_status comb_edit_drop(comb_mode m, const comb_edit *e, const gen_trace *old, int64_t t, gen_array **w);
void comb_edit_free(comb_edit *e);
/* A combinator's update / regenerate given as one run over a comb_edit: update makes
 * the discard (if wanted) from e's builder; both free e. */
typedef gen_status (*comb_edit_run_fn)(const gen_trace *tr, gen_key key, const gen_args *args,
                                       const gen_diff *argdiffs, comb_edit *e, gen_trace **new_tr,
                                       gen_array **weight, gen_diff *retdiff);
gen_status comb_edit_update(comb_edit_run_fn run, const gen_trace *tr, gen_key key, const gen_args *args,
                            const gen_diff *argdiffs, const gen_choicemap *constraints, gen_trace **new_tr,
                            gen_array **weight, gen_diff *retdiff, gen_choicemap **discard);
gen_status comb_edit_regenerate(comb_edit_run_fn run, const gen_trace *tr, gen_key key, const gen_args *args,
                                const gen_diff *argdiffs, const gen_selection *sel, gen_trace **new_tr,
                                gen_array **weight, gen_diff *retdiff);
/* project of n indexed steps (subtraces subs): the sum of each step's projection on the
 * selection below its address (Map, Unfold, Scan). */
gen_status comb_project_steps(const gen_trace *tr, int64_t n, gen_trace *const *subs, const gen_selection *sel,
                              gen_array **weight);

/* The pending error, or GEN_ERR_OOM. */
gen_status comb_pending(void);
/* Prefixes the pending error with "who: i" (the element's address) and returns it. */
gen_status comb_fail_at(const char *who, int64_t i);

#endif
