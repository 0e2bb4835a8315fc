/* gfi_int.h — the GFI layer's private structures (prefix gfi_): the vtable every kind
 * of generative function implements, and the generic gf and trace objects. */
#ifndef GENC_SRC_GFI_INT_H
#define GENC_SRC_GFI_INT_H

#include <math.h>
#include <stdatomic.h>

#include "../core/core.h"
#include "../array/array_int.h"
#include "genc/gf_impl.h"
#include "genc/gfi.h"

/* One kind of generative function (DESIGN decision 7): the public table of
 * genc/gf_impl.h, under the name the layers below the public API use. The public
 * operations check their arguments (non-NULL, out-parameters present) before calling
 * it; the implementations publish results as the public functions document. */
typedef gen_gf_vtable gfi_vtable;

/* Builds the choices and return value of a lazy trace (gfi_trace_new_lazy) as new
 * references given to no scope. */
typedef gen_status (*gfi_materialize_fn)(const gen_trace *tr, gen_choicemap **choices,
                                         gen_array **retval);

struct gen_gf {
    atomic_int refcount;
    const gfi_vtable *vt;
    char *name; /* owned copy */
    void *data; /* the kind's payload */
    bool user;  /* made by gen_gf_new: its results are checked (gfi_user_result) */
    /* gen_gf_set_argument_grads: whether argument i has a gradient, for i < n_arg_grads
     * (owned; NULL: every argument has one) */
    bool *arg_grads;
    int n_arg_grads;
};

struct gen_trace {
    atomic_int refcount;
    gen_gf *gf;          /* retained */
    gen_args args;       /* v points to argv */
    gen_array **argv;    /* retained copies */
    gen_array *retval;   /* retained, may be NULL */
    /* retained; NULL until first use when the kind builds it lazily: read it through
     * gfi_trace_choices / gen_trace_choices, never directly */
    _Atomic(gen_choicemap *) choices;
    gen_array *score;    /* retained: 0-d, or [batch] for a batched trace */
    int64_t batch;       /* particle count of a batched trace, 0 for a scalar one */
    void *data;          /* the kind's per-trace data (subtraces, per-choice scores) */
    atomic_int lazy;     /* 0: choices and retval are set; 1: materialize builds them on
                          * first use (gfi_trace_ready); 2: being built */
    gfi_materialize_fn materialize;
};

/* core_dead_fail for the GFI's objects: records GEN_ERR_MISUSE "<fn>: <what> is a trace of
 * 'model' that was already released (use after release)" (kind "a trace" outside the
 * debug mode) and returns it. */
gen_status gfi_dead_fail(const char *fn, const char *what, const void *obj, const char *kind);
/* A new gf of kind vt owning data (freed by vt->free_data, also on failure). Published
 * like an array. NULL on error. */
gen_gf *gfi_gf_new(const gfi_vtable *vt, const char *name, void *data);
/* A new unpublished trace (refcount 1) of f, retaining f, args, retval, choices and
 * score and owning data. On failure frees data (vt->free_trace_data) and returns NULL. */
gen_trace *gfi_trace_new(const gen_gf *f, const gen_args *args, gen_array *retval,
                         gen_choicemap *choices, gen_array *score, void *data);
/* tr's choice map (borrowed), built on first use when tr's kind builds it lazily (safe
 * to call from several threads at once). NULL with the error recorded on failure. */
const gen_choicemap *gfi_trace_choices(const gen_trace *tr);
/* A new unpublished lazy trace: choices and retval are built by materialize when first
 * read (gen_trace_choices, gen_trace_retval, gfi_trace_ready). Combinators whose choice
 * map and return value grow with their length (Unfold, Scan) use it, so that an update
 * touching one step costs time independent of the length. */
gen_trace *gfi_trace_new_lazy(const gen_gf *f, const gen_args *args, gen_array *score, void *data,
                              gfi_materialize_fn materialize);
/* Builds a lazy trace's choices and retval if not yet done (once, thread-safe); false
 * with the error recorded if that fails. Internal code reading tr->choices or
 * tr->retval directly calls it first (or uses the public getters). */
bool gfi_trace_ready(const gen_trace *tr);
/* Gives an owned trace reference to the innermost scope (or the caller). */
gen_trace *gfi_trace_publish(gen_trace *tr);
/* Runs a GFI operation of a batched trace (batch > 0) in batched mode: enters it
 * (gfi_batch_enter returns the status) and leaves it (gfi_batch_leave). No-ops for 0. */
gen_status gfi_batch_enter(int64_t batch);
void gfi_batch_leave(int64_t batch);
/* a and b hold the same value: the same array, or (outside autodiff transforms, where
 * equal values may differ in what they depend on) equal dtype, shape, batched mark and
 * elements, tuples item by item (two distinct arrays on a device count as different:
 * comparing would read them back). What lets an update skip work whose inputs did not
 * change. */
bool gfi_same_value(const gen_array *a, const gen_array *b);
/* a and b are the same generative function: the same object, or equal by their kind's
 * `same` (dynamic functions with one body, combinators of the same kernels). */
bool gfi_same_gf(const gen_gf *a, const gen_gf *b);
/* What an implementation of a user kind (gen_gf_new) returned for op (s, and whether
 * its required output is set: `what` names it): GEN_OK, or s with the message prefixed
 * by f's name, a message for a failure that left none, GEN_ERR_CALLBACK for GEN_OK
 * without the output. The caller clears its out-parameters when this fails. */
gen_status gfi_user_result(const gen_gf *f, const char *op, gen_status s, bool produced, const char *what);
/* Particle gathering (trace_particles.c), batched mode suspended. gfi_pick_particles:
 * a batched array's particles index[j] (along axis 0, marked batched), a tuple item by
 * item, an unbatched array (shared by every particle) as it is; NULL for NULL (keeping
 * the pending error). gfi_pick_weights: the same for a score or weight of a batched
 * run, which is 0-d (the same for all) or [n] (one per particle, marked or not). */
gen_array *gfi_pick_particles(const gen_array *a, const gen_array *index);
gen_array *gfi_pick_weights(const gen_array *w, int64_t n, const gen_array *index);
/* *out: args with each argument picked (gfi_pick_particles), user kept; its array of
 * arguments is allocated (release it with gfi_picked_args_free, also after a failure,
 * which leaves it empty). */
gen_status gfi_pick_args(const gen_args *args, const gen_array *index, gen_args *out);
void gfi_picked_args_free(gen_args *a);

/* Argument-gradient annotations (arg_grads.c). Under an autodiff transform, the
 * arguments of f that have no gradient (gen_gf_set_argument_grads) pass to its run
 * through gen_stop_gradient: *out is args, or (when f has such arguments, a transform
 * runs, and one of them is an array) a copy whose array of arguments the caller frees
 * with gfi_args_unstop; the new arrays are in the current scope. */
gen_status gfi_args_stop(const gen_gf *f, const gen_args *args, gen_args *out);
void gfi_args_unstop(const gen_args *args, gen_args *out);
static inline bool gfi_has_stops(const gen_gf *f) { return CORE_UNLIKELY(f->arg_grads != NULL); }

/* Checks f is not NULL (a NULL propagates the pending error) and args is well formed. */
gen_status gfi_check_call(const char *op, const gen_gf *f, const gen_args *args);

/* ---- diffs (diff.c) ---- */

/* gen_diff_check with messages naming the diff as what ("argdiff 2"). */
gen_status gfi_diff_check_as(const gen_diff *d, const char *what);
/* gfi_diff_check_as of argument i's diff, labelled "argdiff i". */
gen_status gfi_diff_check_arg(const gen_diff *d, int i);
/* A deep copy of the n well-formed diffs src (inverted if invert: see gen_edit) in one
 * block of *bytes bytes (free with core_free); src NULL gives n GEN_DIFF_NO_CHANGE.
 * NULL (and *bytes 0) when n is 0 or on OOM. */
gen_diff *gfi_diffs_copy(int n, const gen_diff *src, bool invert, size_t *bytes);

/* ---- the evaluation state of assess (eval.c, uc.c; public side in genc/gf_impl.h) ----
 * Gradient-based inference evaluates a model's log density as a function of its
 * selected continuous choices mapped to unconstrained space by their supports'
 * bijections. An assess runs in that mode when it is given an evaluation state ev
 * (gfi_assess_in; NULL: the normal mode): the running call's absolute address is
 * ev->prefix (calls and combinator elements push their parts around the assess they
 * make with gfi_eval_enter / gfi_eval_leave and hand ev down), and a selected float
 * choice is transformed (gen_eval_choice):
 *   GEN_EVAL_FORWARD: the value given is u; the choice is forward(u) and its density
 *                     gains log |det J|; x is recorded into ev->out if set;
 *   GEN_EVAL_INVERSE: the value given is x; inverse(x) is recorded into ev->out;
 *   GEN_EVAL_SUPPORT: values are scored as given; for a selected choice of any dtype,
 *                     its distribution's finite support (gen_dist_enumerate, [K, ...])
 *                     is recorded into ev->out (nothing for an infinite or continuous
 *                     one): how Gibbs finds the values a choice can take. */

/* A set of absolute addresses (open addressing on their hashes): the selected values
 * a forward run may take from ev->values instead of from the choices given, so a
 * caller evaluating many points (gen_target) builds no choice map per point. */
typedef struct gfi_uc_table {
    int64_t n, cap;  /* cap: a power of two > n, or 0 */
    gen_addr *addrs; /* n */
    int64_t *slots;  /* cap: index + 1, 0 empty */
} gfi_uc_table;
/* A table of the n addresses (distinct); GEN_ERR_OOM leaves it empty. */
gen_status gfi_uc_table_init(gfi_uc_table *t, int64_t n, const gen_addr *addrs);
void gfi_uc_table_free(gfi_uc_table *t);
/* The index of a in t, or -1. */
int64_t gfi_uc_table_find(const gfi_uc_table *t, const gen_addr *a);

/* GEN_OK when every address sel names (gen_selection_foreach_named) holds a value or a
 * nonempty submap of tr's choices; else GEN_ERR_VALUE "op: f: the selection names a,
 * which the trace does not have" (the check of project and regenerate). */
gen_status gfi_check_selection(const char *op, const gen_trace *tr, const gen_selection *sel);

/* A value given for a choice drawn from d (a constraint, a choice to assess): GEN_OK when
 * its dtype is of d's kind (a float for a continuous d, d's own dtype for a discrete one:
 * else GEN_ERR_DTYPE) and, outside batched mode (n 0), its shape is the choice's, d's
 * batch shape then event shape (else GEN_ERR_SHAPE "op: the value has shape [3], but the
 * choice (normal) has shape []": several values would be scored as one). In batched mode
 * the caller checks the shape (with or without the particle axis). Hot paths ask
 * dist_value_fits (src/distributions/dist_int.h, inline) first and call this for the
 * error. */
gen_status gfi_check_given(const char *op, const gen_dist *d, const gen_array *c, int64_t n);

struct gen_eval {
    int mode; /* GEN_EVAL_FORWARD, GEN_EVAL_INVERSE or GEN_EVAL_SUPPORT */
    const gen_selection *sel;    /* absolute */
    gen_addr prefix;             /* the running call's absolute address */
    gen_choicemap_builder *out;  /* may be NULL */
    /* Forward, optional: the value of a choice at table->addrs[i] is values[i] (not the
     * one in the choices); hits counts the values taken, so the caller can tell whether
     * every one was (a choice read another way would have missed its new value). */
    const gfi_uc_table *table;
    gen_array *const *values;
    int64_t hits;
    /* Forward and inverse: the selected float choices transformed (gen_eval_choice),
     * so a caller can tell whether every selected choice took part. */
    int64_t seen;
    /* Of those, the ones whose bijection is not the identity (a caller whose choices all
     * map by the identity can read its points off the values). */
    int64_t non_identity;
};

/* assess of f on choices under ev (NULL: the normal mode), checking its arguments like
 * gen_assess (which is gfi_assess_in with ev NULL). */
gen_status gfi_assess_in(const gen_gf *f, gen_eval *ev, const gen_args *args,
                         const gen_choicemap *choices, gen_array **weight, gen_array **retval);

/* Enters / leaves the namespace a (relative to the running call) of ev; a no-op for
 * NULL. gfi_eval_enter returns the length to give gfi_eval_leave, or -1 (GEN_ERR_VALUE
 * recorded) beyond the depth limit. */
static inline int gfi_eval_enter(gen_eval *ev, const gen_addr *a) {
    if (!ev) return 0;
    int len = ev->prefix.len;
    if (len + a->len > GEN_ADDR_MAX_DEPTH) {
        GEN_FAIL(GEN_ERR_VALUE, "unconstrained assess: an address deeper than %d parts", GEN_ADDR_MAX_DEPTH);
        return -1;
    }
    for (int k = 0; k < a->len; k++) ev->prefix.parts[len + k] = a->parts[k];
    ev->prefix.len = len + a->len;
    return len;
}
static inline void gfi_eval_leave(gen_eval *ev, int len) {
    if (ev && len >= 0) ev->prefix.len = len;
}
/* assess of f at the address a below the running call: gfi_eval_enter, gfi_assess_in,
 * gfi_eval_leave. */
static inline gen_status gfi_assess_at(const gen_gf *f, gen_eval *ev, const gen_addr *a,
                                       const gen_args *args, const gen_choicemap *choices,
                                       gen_array **weight, gen_array **retval) {
    int len = gfi_eval_enter(ev, a);
    if (len < 0) return GEN_ERR_VALUE;
    gen_status s = gfi_assess_in(f, ev, args, choices, weight, retval);
    gfi_eval_leave(ev, len);
    return s;
}
/* GEN_ERR_VALUE "<who>: <what> is NaN" (or +inf) unless every element of the f64 array
 * lp is finite or -inf (an impossible value is allowed: its weight is -inf), marked
 * CORE_REJECT_DENSITY (inference rejects such a point). Inline: it runs once per choice. */
gen_status gfi_log_density_fail(const gen_array *lp, int64_t i, const char *who, const char *what);
/* The same check on a value a capture tracks: a check node of its graph (eval.c). */
gen_status gfi_check_log_density_captured(const gen_array *lp, const char *who, const char *what);
/* The same check on a device's values: computed there, one value read back (a host copy
 * names the particle when it fails). */
gen_status gfi_check_log_density_device(const gen_array *lp, const char *who, const char *what);
extern _Thread_local int ad_capture_depth; /* src/array/autodiff_int.h */
static inline gen_status gfi_check_log_density(const gen_array *lp, const char *who, const char *what) {
    if (gen_array_dtype(lp) != GEN_F64) return GEN_OK; /* f32 models: not checked */
    if (CORE_UNLIKELY(!arr_on_host(lp))) return gfi_check_log_density_device(lp, who, what);
    if (CORE_UNLIKELY(ad_capture_depth)) return gfi_check_log_density_captured(lp, who, what);
    const double *v = gen_array_data(lp);
    for (int64_t i = 0, n = gen_array_size(lp); i < n; i++)
        if (CORE_UNLIKELY(isnan(v[i]) || v[i] == INFINITY)) return gfi_log_density_fail(lp, i, who, what);
    return GEN_OK;
}

#endif
