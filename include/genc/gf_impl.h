/* genc/gf_impl.h — implementing a new kind of generative function in C.
 *
 * Every generative function — the dynamic DSL's (genc/dsl.h), the combinators
 * (genc/comb.h) and yours — is a gen_gf whose behaviour is one table of functions, a
 * gen_gf_vtable (DESIGN decision 7). GenC's own kinds use this very table: there is no
 * other. A kind implements five operations; the rest of the GFI is derived from them
 * by the public functions of genc/gfi.h:
 *
 *   implemented:  generate, assess, project, update, regenerate (and optionally gather:
 *                 picking particles of a batched trace without rerunning)
 *   derived:      gen_simulate       = generate with gen_choicemap_empty(), weight unused
 *                 gen_propose        = generate with no constraints; the choices, the
 *                                      score as weight and the return value of its trace
 *                 gen_edit           = update (update request) or regenerate (regenerate
 *                                      request), with the backward request built from
 *                                      the discard / the selection
 *                 gen_*_batched      = the operation run in batched mode (below)
 *
 * The public functions check every argument before calling the table (f, tr, sel and
 * constraints not NULL, out-parameters present, args well formed, argdiffs passing
 * gen_diff_check, the selection naming only addresses the trace has), clear the
 * out-parameters, and, for a kind made with gen_gf_new, check what the implementation
 * returns: a failure without a message gets one ("generate: coin (beta_bernoulli)
 * returned GEN_ERR_VALUE without a message"), a failure with one is prefixed with the
 * function's name ("coin: n must be >= 0"), and GEN_OK with a required output left NULL
 * becomes GEN_ERR_CALLBACK ("assess: coin (beta_bernoulli) returned GEN_OK without a
 * weight"). An implementation therefore never needs to check its arguments for NULL.
 *
 * Ownership inside an operation is that of genc/gfi.h: every output (trace, weight,
 * return value, discard) belongs to the innermost open scope when the operation returns
 * (open a scope with gen_scope_begin, build, and hand the results out with
 * gen_scope_return / gen_trace_scope_return before gen_scope_end, or create them in the
 * caller's scope directly). Inputs are borrowed. On failure outputs stay NULL and
 * nothing leaks.
 *
 * Batched mode (genc/array.h gen_batch_begin, used by gen_*_batched): when
 * gen_batch_size() is N > 0 as an operation starts, the operation runs for N particles
 * at once: choices carry a leading particle axis of N (marked batched), scores and
 * weights are [N], and the trace is made with a [N] score (gen_trace_new). update,
 * regenerate and project of a batched trace run in batched mode with its N. A kind that
 * does not support it fails with GEN_ERR_UNSUPPORTED naming itself.
 *
 * Evaluation state (assess only). Gradient-based inference (gen_target: HMC, NUTS, MAP)
 * and Gibbs run assess in another mode than the normal one, given by the gen_eval *ev
 * the assess receives (NULL: normal). A kind takes part by scoring each of its own
 * choices with gen_eval_choice and assessing each callee with gen_eval_assess_at, which
 * do the normal thing when ev is NULL. A kind that ignores ev is scored as given, which
 * gen_target detects and refuses (its continuous choices could not be moved). */
#ifndef GENC_GF_IMPL_H
#define GENC_GF_IMPL_H

#include "genc/dist.h"
#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The mode of an assess and what it needs (the selection, the running call's absolute
 * address, where to record values): opaque, read through the functions below. */
typedef struct gen_eval gen_eval;

/* The modes (gen_eval_mode). */
enum {
    GEN_EVAL_NORMAL = 0,  /* ev NULL: score the choices as given */
    GEN_EVAL_FORWARD = 1, /* a selected float choice is given as u in unconstrained space:
                           * its value is x = forward(u) of its support's bijection and its
                           * density term is log p(x) + log |det J(u)| */
    GEN_EVAL_INVERSE = 2, /* values as given; the selected float choices' u = inverse(x)
                           * are recorded (how a trace becomes a point) */
    GEN_EVAL_SUPPORT = 3  /* values as given; a selected choice's finite support is
                           * recorded (how Gibbs finds the values a choice can take) */
};

/* ---- the table of a kind -------------------------------------------------------------
 * Every function returns GEN_OK or a failure status with the error recorded
 * (gen_error_set), and sets its out-parameters only on success. Weights and scores are 0-d
 * f64 arrays ([N] in batched mode). The formulas are Gen.jl's, as genc/gfi.h states
 * them for the public functions; in short, with p the function's density over its
 * choices (times the exponentiated factors it adds, if any): */
typedef struct gen_gf_vtable {
    /* The kind's name, for messages ("beta_bernoulli"). Required. */
    const char *kind;
    /* Required. Runs f on args with the choices in constraints (never NULL, possibly
     * empty) fixed and the others sampled (key: the only randomness). *tr: a new trace
     * (gen_trace_new); *weight, when weight is not NULL:
     *   log p(all choices) - log q(sampled choices) = the sum of the constrained
     *   choices' log densities when the others are sampled from the prior.
     * Every constraint must be used ("generate: constraint at z was not used"). */
    gen_status (*generate)(const gen_gf *f, gen_key key, const gen_args *args,
                           const gen_choicemap *constraints, gen_trace **tr, gen_array **weight);
    /* Required. *weight = log p(choices) (every choice of f given, every value given
     * used), *retval the return value (retval may be NULL; *retval NULL: none). ev is
     * the evaluation state (NULL: normal): see gen_eval_choice. */
    gen_status (*assess)(const gen_gf *f, gen_eval *ev, const gen_args *args,
                         const gen_choicemap *choices, gen_array **weight, gen_array **retval);
    /* Required. *weight = the sum of the log densities of tr's choices sel contains
     * (plus factors, which no selection leaves out). */
    gen_status (*project)(const gen_trace *tr, const gen_selection *sel, gen_array **weight);
    /* Optional (NULL: gen_update fails with GEN_ERR_UNSUPPORTED). Reruns on args
     * (argdiffs: one per argument, already checked, or NULL: all unknown) with
     * constraints fixed, keeping tr's other values:
     *   *weight  = log p(new) - log p(old) without the densities of newly sampled
     *              choices (see gen_update),
     *   *discard = tr's values replaced by constraints and tr's choices the new trace
     *              lacks (a new choice map),
     *   *retdiff = GEN_DIFF_NO_CHANGE if the return value is unchanged, else a diff
     *              saying how it changed (GEN_DIFF_UNKNOWN is always correct).
     * weight, retdiff and discard may be NULL (not wanted). */
    gen_status (*update)(const gen_trace *tr, gen_key key, const gen_args *args,
                         const gen_diff *argdiffs, const gen_choicemap *constraints,
                         gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                         gen_choicemap **discard);
    /* Optional (NULL: GEN_ERR_UNSUPPORTED). Reruns on args resampling the choices sel
     * contains from the prior: *weight = the sum over kept choices of (new - old log
     * density) plus the callees' regenerate weights (see gen_regenerate); resampled
     * choices contribute nothing. weight and retdiff may be NULL. */
    gen_status (*regenerate)(const gen_trace *tr, gen_key key, const gen_args *args,
                             const gen_diff *argdiffs, const gen_selection *sel,
                             gen_trace **new_tr, gen_array **weight, gen_diff *retdiff);
    /* Optional: frees the kind's payload (gen_gf_data(f)) when f is released, or when
     * gen_gf_new fails. NULL: nothing to free. */
    void (*free_data)(gen_gf *f);
    /* Optional: frees a trace's per-trace data (gen_trace_data(tr), never NULL when
     * called) when the trace is released, or when gen_trace_new fails. */
    void (*free_trace_data)(gen_trace *tr);
    /* Optional: a and b (both of this kind, distinct objects) compute the same function,
     * so a caller's update may update a's old subtrace for a call of b (a model that
     * builds its functions anew on every run). NULL: only the same object is. */
    bool (*same)(const gen_gf *a, const gen_gf *b);
    /* Optional: builds the choice map of a trace made with choices NULL, on its first
     * use (a new reference owned by nobody: retain what you return; NULL with the error
     * recorded). Lets update and importance sampling skip building maps never read. */
    gen_choicemap *(*build_choices)(const gen_trace *tr);
    /* Optional: *out, a new batched trace of m particles (gen_trace_new with an [m]
     * score) whose particle j is particle index[j] of the batched trace tr, made from
     * tr's own arrays (particle axis first) without rerunning f; index is an i64 [m]
     * array of entries in range, on tr's device. Called by gen_trace_gather with
     * batched mode suspended (ops see physical shapes); a kind gathers its callees'
     * traces with gen_trace_gather. NULL: gen_trace_gather rebuilds the trace with a
     * batched generate of the picked choices (correct for every kind, but it reruns f:
     * for a combinator of t steps it costs t kernel runs). */
    gen_status (*gather)(const gen_trace *tr, const gen_array *index, gen_trace **out);
} gen_gf_vtable;

/* ---- generative functions and traces of a kind ---------------------------------------- */

/* A new generative function of kind vt (borrowed: it must outlive the function, e.g. a
 * static const table) named name (copied; for messages) with payload data, which the
 * function owns from this call on (vt->free_data frees it, also when this fails).
 * Owned like any new object (genc/gfi.h). NULL on error: GEN_ERR_MISUSE for a NULL vt
 * or name or a table without kind, generate, assess or project ("gen_gf_new: coin: the
 * table's assess is NULL"), GEN_ERR_OOM. */
gen_gf *gen_gf_new(const gen_gf_vtable *vt, const char *name, void *data);
/* The payload given to gen_gf_new (borrowed; NULL for a NULL f). */
void *gen_gf_data(const gen_gf *f);
/* f's kind name (vt->kind; "(null)" for a NULL f). */
const char *gen_gf_kind(const gen_gf *f);

/* A new trace of f (owned by the innermost scope, like every output of an operation)
 * holding its own references to args' arrays (args->user is copied as a pointer; NULL
 * args: none), retval (NULL: no return value), choices and score, and owning data (the
 * kind's per-trace data, e.g. sufficient statistics for an O(1) update; NULL: none),
 * which f's vt->free_trace_data frees with the trace (also when this fails). choices
 * may be NULL when the kind has build_choices (built on first use). score: a 0-d f64
 * array (a scalar trace) or an f64 [N] one (a batched trace of N particles,
 * gen_trace_batch_size). NULL on error: GEN_ERR_MISUSE for a NULL f or score, or NULL
 * choices without build_choices; GEN_ERR_SHAPE for another score shape; GEN_ERR_OOM. */
gen_trace *gen_trace_new(const gen_gf *f, const gen_args *args, const gen_array *retval,
                         const gen_choicemap *choices, const gen_array *score, void *data);
/* tr's per-trace data (borrowed; NULL if none or tr is NULL). Traces are immutable:
 * an update makes a new trace with new data, never changes tr's. */
void *gen_trace_data(const gen_trace *tr);

/* ---- the evaluation state (for assess) ------------------------------------------------ */

/* ev's mode: GEN_EVAL_NORMAL for NULL. */
int gen_eval_mode(const gen_eval *ev);

/* Scores the choice of the running function at address a (relative to the function:
 * the root address {0} for a function whose one choice is its whole map) drawn from d,
 * whose value in the choices given is `given`: *value gets the choice's value and
 * *logpdf its density term (0-d, summed over the value's elements), both in the
 * current scope (or given itself).
 *   ev NULL:           *value = given, *logpdf = log d(given);
 *   GEN_EVAL_FORWARD:  if ev selects a (at the running call's absolute address) and
 *                      given is a float array, given is u: *value = x = forward(u) of
 *                      d's support bijection and *logpdf = log d(x) + log |det J(u)|;
 *                      x is recorded. A value the caller supplies by address (gen_target's
 *                      table) replaces given. Otherwise as for NULL;
 *   GEN_EVAL_INVERSE:  as for NULL; if selected and float, u = inverse(given) is recorded;
 *   GEN_EVAL_SUPPORT:  as for NULL; if selected, d's finite support is recorded.
 * Use the returned value (not given) in what follows. Errors: GEN_ERR_MISUSE for a NULL
 * a, d, given, value or logpdf; with ev NULL (the caller's own value), GEN_ERR_SHAPE
 * when given's shape is not the choice's (d's batch shape then event shape; not checked
 * in batched mode) and GEN_ERR_DTYPE when its dtype is not of d's kind (a float for a
 * continuous d, d's own dtype for a discrete one), both naming a; d's errors (a value outside its support gives -inf, a
 * NaN or +inf density is GEN_ERR_VALUE naming d); GEN_ERR_UNSUPPORTED in batched mode
 * with ev not NULL (unconstrained evaluation is scalar). */
gen_status gen_eval_choice(gen_eval *ev, const gen_addr *a, const gen_dist *d, const gen_array *given,
                           gen_array **value, gen_array **logpdf);

/* Assesses the callee f at address a below the running function (its choices are
 * choices, the running function's submap at a; a may be the root {0} for a callee in
 * the function's own namespace) under ev: gen_assess for ev NULL; otherwise with a
 * pushed onto ev's address for the callee's run. Outputs and errors are gen_assess's,
 * and GEN_ERR_VALUE when the address grows beyond GEN_ADDR_MAX_DEPTH parts. */
gen_status gen_eval_assess_at(gen_eval *ev, const gen_addr *a, const gen_gf *f, const gen_args *args,
                              const gen_choicemap *choices, gen_array **weight, gen_array **retval);

#ifdef __cplusplus
}
#endif
#endif
