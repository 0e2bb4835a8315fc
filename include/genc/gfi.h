/* genc/gfi.h — generative functions and traces: the Generative Function Interface.
 *
 * A generative function (gen_gf) is an immutable, refcounted value implementing the
 * GFI through a vtable (DESIGN decision 7): dynamic-DSL functions (genc/dsl.h), the
 * combinators built from them (genc/comb.h: Map, Unfold, Scan, Switch, Mask, Mix, Dimap,
 * Recurse), distributions (gen_dist_gf, genc/dsl.h) and kinds users write in C
 * (genc/gf_impl.h: the same vtable). A trace (gen_trace) is an immutable, refcounted
 * record of one execution: the function, its arguments, return value, random choices (a
 * gen_choicemap) and score (their log density).
 *
 * Values. Arguments are arrays plus one opaque user pointer; return values are an
 * array (NULL for none). Scores and weights are 0-d f64 arrays (differentiable), read
 * out with gen_item. Semantics and weights follow Gen.jl.
 *
 * Ownership follows array.h: new gen_gf*, gen_trace*, arrays and choice maps returned
 * through out-parameters belong to the innermost open scope, or to the caller if none
 * is open (then release them). Getters return borrowed pointers, valid while the
 * trace is. Arguments are borrowed. An operation fails with a status and a message
 * naming the address involved ("y/3: normal: sigma must be > 0, ..."); it leaves its
 * out-parameters NULL and leaks nothing. */
#ifndef GENC_GFI_H
#define GENC_GFI_H

#include "genc/choice.h"
#include "genc/params.h"
#include "genc/random.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The arguments of a call: n arrays (borrowed) and an opaque user pointer. A NULL
 * gen_args* means no arguments. */
typedef struct gen_args {
    int n;
    gen_array *const *v;
    void *user;
} gen_args;

typedef struct gen_gf gen_gf;
typedef struct gen_trace gen_trace;

/* ---- diffs ------------------------------------------------------------------------ */

/* How a value (an argument, a return value) changed between two traces (Gen.jl's
 * diffs). Generative functions use argdiffs to skip work: the dynamic DSL reruns its
 * whole body whatever they say (as Gen.jl's does) and gives the functions it calls
 * GEN_DIFF_NO_CHANGE for an argument that is the very same array; combinators read the
 * rich kinds (which elements of a vector, which keys of a map changed: genc/comb.h).
 *
 * A gen_diff is a small immutable value: build it on the stack with the constructors
 * below. The rich kinds point (vector, set, map) to a payload struct the caller owns,
 * whose arrays the caller owns too; a diff only borrows them, and they must outlive
 * every call that receives the diff (an edit request copies them: see gen_edit_update).
 * The zero-initialized gen_diff is GEN_DIFF_NO_CHANGE. */
typedef enum gen_diff_kind {
    GEN_DIFF_NO_CHANGE = 0, /* the same value */
    GEN_DIFF_UNKNOWN = 1,   /* may have changed in any way */
    GEN_DIFF_VECTOR = 2,    /* a vector: length change and changed elements (vector) */
    GEN_DIFF_INT = 3,       /* an integer: new - old (delta) */
    GEN_DIFF_SET = 4,       /* a set of parts: added and deleted elements (set) */
    GEN_DIFF_MAP = 5        /* a map keyed by parts: added, deleted, updated keys (map) */
} gen_diff_kind;

struct gen_vector_diff;
struct gen_set_diff;
struct gen_map_diff;

typedef struct gen_diff {
    gen_diff_kind kind;
    union {
        const void *detail;                   /* NO_CHANGE, UNKNOWN: NULL */
        const struct gen_vector_diff *vector; /* GEN_DIFF_VECTOR (borrowed) */
        const struct gen_set_diff *set;       /* GEN_DIFF_SET (borrowed) */
        const struct gen_map_diff *map;       /* GEN_DIFF_MAP (borrowed) */
        int64_t delta;                        /* GEN_DIFF_INT: new - old */
    };
} gen_diff;

/* Gen.jl's VectorDiff. The vector went from prev_length to new_length elements:
 * elements [0, min) were retained, [prev_length, new_length) are new and
 * [new_length, prev_length) were deleted. Of the retained ones, exactly the
 * n_updated indices in updated (strictly increasing, each in [0, min(prev_length,
 * new_length))) may have changed, element updated[k] as updated_diffs[k] says
 * (updated_diffs NULL: all GEN_DIFF_UNKNOWN); the others are unchanged. */
typedef struct gen_vector_diff {
    int64_t new_length, prev_length;
    int64_t n_updated;
    const int64_t *updated;
    const gen_diff *updated_diffs;
} gen_vector_diff;

/* Gen.jl's SetDiff: the elements added and deleted, each list strictly increasing in
 * gen_part_compare's order (sort with qsort and gen_part_compare), the two disjoint.
 * Parts make elements integers or symbols. */
typedef struct gen_set_diff {
    int64_t n_added;
    const gen_part *added;
    int64_t n_deleted;
    const gen_part *deleted;
} gen_set_diff;

/* Gen.jl's DictDiff, keys only: keys added, deleted, and kept keys whose value changed
 * (updated[k] as updated_diffs[k] says; updated_diffs NULL: all GEN_DIFF_UNKNOWN). Each
 * key list is strictly increasing in gen_part_compare's order; the three are disjoint.
 * Other keys kept their values. */
typedef struct gen_map_diff {
    int64_t n_added;
    const gen_part *added;
    int64_t n_deleted;
    const gen_part *deleted;
    int64_t n_updated;
    const gen_part *updated;
    const gen_diff *updated_diffs;
} gen_map_diff;

static inline gen_diff gen_diff_no_change(void) {
    gen_diff d = {GEN_DIFF_NO_CHANGE, {NULL}};
    return d;
}
static inline gen_diff gen_diff_unknown(void) {
    gen_diff d = {GEN_DIFF_UNKNOWN, {NULL}};
    return d;
}
static inline gen_diff gen_diff_int(int64_t delta) {
    gen_diff d = {GEN_DIFF_INT, {NULL}};
    d.delta = delta;
    return d;
}
static inline gen_diff gen_diff_vector(const gen_vector_diff *v) {
    gen_diff d = {GEN_DIFF_VECTOR, {NULL}};
    d.vector = v;
    return d;
}
static inline gen_diff gen_diff_set(const gen_set_diff *s) {
    gen_diff d = {GEN_DIFF_SET, {NULL}};
    d.set = s;
    return d;
}
static inline gen_diff gen_diff_map(const gen_map_diff *m) {
    gen_diff d = {GEN_DIFF_MAP, {NULL}};
    d.map = m;
    return d;
}

/* Checks d is well formed: a known kind; no NULL payload (nor NULL arrays with
 * non-zero counts); lengths and counts non-negative; vector indices in range and
 * strictly increasing; set and map parts valid, strictly increasing and the lists
 * disjoint; nested diffs well formed (at most 64 levels deep). GEN_ERR_VALUE naming
 * the problem ("diff element 3: vector diff: updated index 7 is not below min(prev
 * length 5, new length 9)"), or GEN_ERR_MISUSE for a NULL d. The GFI operations check
 * their argdiffs with it. */
gen_status gen_diff_check(const gen_diff *d);

/* True if d says the value is unchanged: GEN_DIFF_NO_CHANGE, an int diff of 0, a
 * vector diff of equal lengths whose updated elements are all unchanged, a set or map
 * diff with nothing added or deleted and (map) every updated key unchanged. False for
 * NULL and GEN_DIFF_UNKNOWN. d must be well formed. */
bool gen_diff_is_no_change(const gen_diff *d);

/* The diff of element i of the new vector: GEN_DIFF_NO_CHANGE for a retained element
 * not updated (or any element when d is GEN_DIFF_NO_CHANGE), its updated diff when it
 * is updated (binary search), GEN_DIFF_UNKNOWN for a new element, for i outside [0,
 * new_length), and for any other kind of d. d must be well formed. */
gen_diff gen_diff_element(const gen_diff *d, int64_t i);
/* !gen_diff_is_no_change(gen_diff_element(d, i)): may element i have changed? */
bool gen_diff_element_changed(const gen_diff *d, int64_t i);
/* The diff of the value at key of a map (set: of the membership of key): its updated
 * diff, GEN_DIFF_UNKNOWN when added or deleted, GEN_DIFF_NO_CHANGE otherwise (and for
 * any key when d is GEN_DIFF_NO_CHANGE); GEN_DIFF_UNKNOWN for other kinds of d. */
gen_diff gen_diff_key(const gen_diff *d, gen_part key);

/* ---- generative functions ------------------------------------------------------------ */

gen_gf *gen_gf_retain(gen_gf *f);
void gen_gf_release(gen_gf *f);
/* Keeps f past the innermost scope (like gen_scope_return for arrays). */
gen_gf *gen_gf_scope_return(gen_gf *f);
/* The name given at creation (borrowed). */
const char *gen_gf_name(const gen_gf *f);

/* ---- traces ------------------------------------------------------------------------ */

gen_trace *gen_trace_retain(gen_trace *tr);
void gen_trace_release(gen_trace *tr);
gen_trace *gen_trace_scope_return(gen_trace *tr);

/* All borrowed, valid while tr is. */
const gen_gf *gen_trace_gf(const gen_trace *tr);
const gen_args *gen_trace_args(const gen_trace *tr);
const gen_array *gen_trace_retval(const gen_trace *tr); /* NULL if the function returns none */
const gen_choicemap *gen_trace_choices(const gen_trace *tr);
const gen_array *gen_trace_score(const gen_trace *tr);   /* 0-d f64; [N] if batched */
/* The particle count N of a batched trace (gen_simulate_batched), 0 for a scalar one. */
int64_t gen_trace_batch_size(const gen_trace *tr);
/* The choice at addr, or NULL with GEN_ERR_INDEX naming the address. */
const gen_array *gen_trace_value(const gen_trace *tr, const gen_addr *addr);

/* ---- the operations -------------------------------------------------------------- */

/* Runs f on args, sampling every choice; *tr gets the trace. */
gen_status gen_simulate(const gen_gf *f, gen_key key, const gen_args *args, gen_trace **tr);

/* Runs f with the choices in constraints fixed and the others sampled from the prior.
 * *weight = log p(all choices) - log q(unconstrained ones) = the sum of the constrained
 * choices' log densities (and every gen_factor term). Every constraint must be visited
 * ("generate: constraint at z was not used by the model") and must be a value of the
 * choice's shape (its distribution's batch and event shape: "z: generate: the value has
 * shape [3], but the choice (normal) has shape []", GEN_ERR_SHAPE) and of its kind (a
 * float for a continuous distribution, the distribution's dtype for a discrete one:
 * GEN_ERR_DTYPE); so must update's constraints and assess's choices. weight may be NULL. */
gen_status gen_generate(const gen_gf *f, gen_key key, const gen_args *args,
                        const gen_choicemap *constraints, gen_trace **tr, gen_array **weight);

/* The log density of choices under f (every choice f makes must be in choices, and
 * every value in choices must be used) and f's return value. retval may be NULL. */
gen_status gen_assess(const gen_gf *f, const gen_args *args, const gen_choicemap *choices,
                      gen_array **weight, gen_array **retval);

/* Samples choices as simulate does and returns them with weight = their log density
 * (f used as its own proposal). weight and retval may be NULL. */
gen_status gen_propose(const gen_gf *f, gen_key key, const gen_args *args,
                       gen_choicemap **choices, gen_array **weight, gen_array **retval);

/* The sum of the log densities of the choices of tr that sel contains (plus gen_factor
 * terms, which belong to no address and are always counted). Every address sel names
 * (gen_selection_foreach_named: those given to gen_select, not all / none /
 * complements) must be in tr's choices, as a value or a submap: else GEN_ERR_VALUE
 * "gen_project: the selection names y/7, which the trace does not have". Nested
 * project and regenerate calls (on the subtraces of the one running) skip this check:
 * the outermost call made it for the whole tree. */
gen_status gen_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight);

/* Gen.jl's update: reruns tr's function on args (argdiffs: one diff per argument, or
 * NULL for all GEN_DIFF_UNKNOWN) with the choices in constraints fixed. A choice keeps
 * its value from tr unless constrained; a choice tr lacks is sampled from the prior
 * (key folded with its address, as in generate). *new_tr gets the new trace, and
 *   *weight  = log p(new) / p(old) without the log densities of freshly sampled choices
 *            = sum over choices in both traces of (new - old log density)
 *              + sum over constrained new choices of their log density
 *              - sum over choices of tr the new run does not visit of their log density
 *              + new gen_factor total - old gen_factor total,
 *   *discard = the old values of constrained choices that tr had, and every choice of
 *              tr the new run does not visit (so update(new_tr, old args, discard)
 *              gives tr back with weight -*weight),
 *   *retdiff = how the return value changed: for a dynamic-DSL function
 *              GEN_DIFF_NO_CHANGE when it is the very same array as tr's, else
 *              GEN_DIFF_UNKNOWN; the combinators give rich diffs (e.g. Map and Unfold a
 *              vector diff of the elements that changed, genc/comb.h), whose payload
 *              lives as long as *new_tr.
 * Every constraint must be visited ("update: constraint at z was not used by the
 * model"). Each argdiff must pass gen_diff_check, and an int diff of an argument that
 * is a 0-d i64 array in both tr and args must equal new - old. weight, retdiff and
 * discard may be NULL. */
gen_status gen_update(const gen_trace *tr, gen_key key, const gen_args *args,
                      const gen_diff *argdiffs, const gen_choicemap *constraints,
                      gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                      gen_choicemap **discard);

/* Gen.jl's regenerate: reruns tr's function on args (argdiffs as in gen_update) and
 * resamples the choices sel contains from the prior; the others keep tr's values, and
 * choices tr lacks are sampled from the prior. *weight is Gen.jl's (an MH acceptance
 * ratio for the prior as proposal):
 *   sum over kept (unselected, in both traces) choices of (new - old log density)
 *   + the weights of the calls (their own regenerate weights; generate's for new calls)
 *   + new gen_factor total - old gen_factor total
 *   - the gen_factor totals of calls the new run drops;
 * resampled, newly sampled and dropped choices contribute nothing (they are proposed
 * from the prior, forward or backward). argdiffs are checked as in gen_update. Every
 * address sel names must be in tr's choices or the new trace's (else GEN_ERR_VALUE as
 * for gen_project). weight and retdiff may be NULL. */
gen_status gen_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                          const gen_diff *argdiffs, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff);

/* ---- batched execution (DESIGN decision 9) -------------------------------------------
 * The same function runs for n particles at once (genc/array.h: batched mode). Every
 * choice is an array with a leading particle axis of n, marked batched: a distribution
 * whose parameters are not batched is sampled n times (sample shape [n]); one whose
 * parameters are (they depend on earlier choices) has batch shape [n, ...] and is sampled
 * once. Scores and weights have shape [n]; the trace is one batched trace (struct of
 * arrays: gen_trace_batch_size gives n; gen_choicemap_particle takes one particle's
 * choices out). Calls and splices run batched too. A constraint is either shared by all
 * particles (the per-particle shape, e.g. observed data: kept once in the trace) or one
 * value per particle (shape [n] + the per-particle shape).
 *
 * Keys: the draws at an address are elements 0..n-1 of the stream fold_in(key,
 * gen_addr_key_hash(address)) (a hash of the address's text, so a model draws the same
 * values for the same key in any program), so particle i is not the scalar run with any one key: batched and scalar runs
 * are statistically equal, and scoring a particle's choices with gen_assess gives its
 * batched score (the tests check both).
 *
 * gen_project, gen_update and gen_regenerate accept batched traces (constraints as
 * above, a selection applies to every particle) and run batched. */
gen_status gen_simulate_batched(const gen_gf *f, gen_key key, int64_t n, const gen_args *args,
                                gen_trace **tr);
gen_status gen_generate_batched(const gen_gf *f, gen_key key, int64_t n, const gen_args *args,
                                const gen_choicemap *constraints, gen_trace **tr,
                                gen_array **weight);
/* The [n] log densities of batched choices (every value batched or shared, as above). */
gen_status gen_assess_batched(const gen_gf *f, int64_t n, const gen_args *args,
                              const gen_choicemap *choices, gen_array **weight,
                              gen_array **retval);

/* Picking particles of batched traces (resampling, and each particle's accept or reject
 * in a batched MCMC step). gen_trace_gather copies the picked particles' arrays where
 * the trace's kind has a gather (gen_gf_vtable: the dynamic DSL, Map, Unfold and Scan,
 * each gathering its callees' traces), so nothing reruns and the cost is a copy of the
 * trace's per-particle values (for a chain, in proportion to its steps). Otherwise, and
 * always for gen_trace_where, the trace is rebuilt with gen_generate_batched from the
 * picked particles' choices, all constrained (so nothing is drawn and the scores are
 * the picked particles' scores): the cost of one batched generate of the whole trace.
 * Values shared by every particle (observed data) stay shared; per-particle arguments
 * (batched arrays) are picked with the choices; args->user is kept. *out is NULL on
 * error.
 *
 * gen_trace_gather: *out has m particles, particle j being tr's particle index[j]
 * (index: a 1-D i64 array of m >= 1 entries, e.g. gen_resample's ancestors).
 * Errors: GEN_ERR_MISUSE for a NULL argument; GEN_ERR_VALUE for a scalar trace ("the
 * trace is not batched") or an index of another dtype or shape; GEN_ERR_INDEX for an
 * entry outside [0, n) ("gen_trace_gather: index 3 is 70, outside the trace's 64
 * particles"; an index on a device is checked by the device's gather); a failed rebuild
 * is prefixed "gen_trace_gather: rebuilding the trace". */
gen_status gen_trace_gather(const gen_trace *tr, const gen_array *index, gen_trace **out);
/* gen_trace_where: particle i of *out is b's particle i where take_b[i] (a bool [n]
 * array), else a's. a and b are batched traces of one generative function with the same
 * particle count n and argument count (their arguments are picked the same way); an
 * address only one of them has (a branch one took) is present for the particles picked
 * from it (a masked value, genc/choice.h). Errors: GEN_ERR_MISUSE for a NULL argument;
 * GEN_ERR_VALUE for a scalar trace, traces of different functions, particle counts or
 * argument counts, or take_b not bool [n]; a failed rebuild is prefixed
 * "gen_trace_where: rebuilding the trace". */
gen_status gen_trace_where(const gen_array *take_b, const gen_trace *a, const gen_trace *b, gen_trace **out);

/* ---- gradients (Gen.jl's choice_gradients, accumulate_param_gradients!) ---------------
 * Both differentiate, at a trace tr of f, the objective
 *     J = log p(tr's choices; args) + retgrad . retval
 * (retgrad NULL: the second term is absent; else an array of the return value's shape,
 * the gradient of some downstream quantity with respect to the return value). They are
 * generic: J is one gen_assess of f on tr's arguments and choices, run under a
 * reverse-mode transform (genc/autodiff.h), so every kind whose assess is
 * differentiable takes part (dynamic functions, combinators, distributions as functions,
 * custom-gradient functions, user kinds written with array ops), and values are in
 * constrained space (the choices as they are). For a batched trace J is the sum over its
 * particles (the gradient with respect to a per-particle value is that particle's).
 *
 * Argument gradients. arg_grads (may be NULL) has one entry per argument of tr: the
 * gradient dJ/d(argument i) (argument's shape and dtype, in the innermost scope), or NULL
 * for an argument without one: a tuple, an integer or bool array, or one f declares has
 * none (gen_gf_set_argument_grads). */

/* Gen.jl's has_argument_grads: declares which arguments of f have gradients:
 * has_grad[i] for i < n (arguments from n on have one). Under a transform, the arguments
 * without are given to f's runs (generate, simulate, assess) through gen_stop_gradient,
 * so no gradient flows into them from any caller, and the gradient operations give NULL
 * for them. Part of f's definition: call it right after making f, before f runs or is
 * shared with other threads (it replaces an earlier declaration). Errors: GEN_ERR_MISUSE
 * for a NULL f, or a NULL has_grad with n > 0; GEN_ERR_VALUE for n < 0. */
gen_status gen_gf_set_argument_grads(gen_gf *f, int n, const bool *has_grad);
/* Whether argument i of f has a gradient (true unless declared otherwise; false for
 * i < 0; false with GEN_ERR_MISUSE for a NULL f). */
bool gen_gf_has_argument_grad(const gen_gf *f, int i);

/* Gen.jl's choice_gradients: the gradients of J with respect to the choices of tr that
 * sel contains. *values gets those choices (their values as in the trace) and *grads
 * their gradients, at the same addresses, each of its value's shape (a batched
 * trace's per particle, marked batched); either may be NULL (not wanted). arg_grads as
 * above. Errors: GEN_ERR_MISUSE for a NULL tr or sel; GEN_ERR_DTYPE for a selected
 * choice that is not a float ("gen_choice_gradients: model: the selected choice at n
 * is discrete (i64): only continuous choices have gradients"); GEN_ERR_SHAPE for a
 * retgrad whose shape is not the return value's, GEN_ERR_VALUE for a retgrad when the
 * trace has no return value; GEN_ERR_UNSUPPORTED for a selected masked value; the
 * errors of f's assess and of the transform (GEN_ERR_NOGRAD for an operation without a
 * gradient rule on the way). */
gen_status gen_choice_gradients(const gen_trace *tr, const gen_selection *sel, const gen_array *retgrad,
                                gen_array **arg_grads, gen_choicemap **values, gen_choicemap **grads);

/* Gen.jl's accumulate_param_gradients!: adds scale * dJ/dw to the accumulated gradient
 * (genc/params.h) of every parameter w of store that J reads (gen_param in bodies bound
 * to store, at any depth: callees, combinator kernels); parameters of other stores are
 * constants. arg_grads as above (not scaled). Built on gen_params_value_and_grad: the
 * gradients are added only when everything succeeds. Errors: those of
 * gen_choice_gradients (but no selection), GEN_ERR_MISUSE for a NULL store, and
 * GEN_ERR_VALUE for a non-finite scale. */
gen_status gen_accumulate_param_gradients(const gen_trace *tr, gen_params *store, const gen_array *retgrad,
                                          double scale, gen_array **arg_grads);

/* ---- edit requests (GenJAX's edit) --------------------------------------------------- */

/* What to do to a trace: an immutable, refcounted value, scope-owned like a trace. It
 * holds its own references to the args' arrays, the constraints or the selection, and
 * a deep copy of the argdiffs (payloads included), so the caller's copies may go once
 * it is made; args->user is copied as a pointer (the caller keeps it alive). */
typedef struct gen_edit_request gen_edit_request;

typedef enum gen_edit_kind {
    GEN_EDIT_UPDATE = 1,    /* gen_update with the request's constraints */
    GEN_EDIT_REGENERATE = 2 /* gen_regenerate with the request's selection */
} gen_edit_kind;

/* An update request: new args with their argdiffs (NULL: all GEN_DIFF_UNKNOWN) and the
 * constraints. args NULL keeps the trace's own arguments (argdiffs must then be NULL:
 * they are all GEN_DIFF_NO_CHANGE). Fails (NULL, error recorded) on a NULL argument
 * array or constraints, or an argdiff gen_diff_check rejects ("gen_edit_update: argdiff
 * 1 has unknown kind 9"). */
gen_edit_request *gen_edit_update(const gen_args *args, const gen_diff *argdiffs,
                                  const gen_choicemap *constraints);
/* A regenerate request: the same with the selection to resample. */
gen_edit_request *gen_edit_regenerate(const gen_args *args, const gen_diff *argdiffs,
                                      const gen_selection *sel);

gen_edit_request *gen_edit_request_retain(gen_edit_request *r);
void gen_edit_request_release(gen_edit_request *r);
gen_edit_request *gen_edit_request_scope_return(gen_edit_request *r);

/* Accessors (borrowed, valid while r is). args is NULL when the request keeps the
 * trace's arguments; argdiffs NULL means all unknown (or, with args NULL, no change);
 * constraints NULL for a regenerate request, selection NULL for an update request. */
gen_edit_kind gen_edit_request_kind(const gen_edit_request *r);
const gen_args *gen_edit_request_args(const gen_edit_request *r);
const gen_diff *gen_edit_request_argdiffs(const gen_edit_request *r);
const gen_choicemap *gen_edit_request_constraints(const gen_edit_request *r);
const gen_selection *gen_edit_request_selection(const gen_edit_request *r);

/* Applies req to tr with gen_update or gen_regenerate (same key, same results: *new_tr,
 * *weight and *retdiff are theirs) and, if backward is not NULL, returns the request
 * that undoes it, to be applied to *new_tr:
 *   update:     an update request with tr's args, the inverse argdiffs (no change
 *               stays no change, an int delta is negated, vector lengths and set / map
 *               additions and deletions swap, unknown stays unknown) and the discard
 *               as constraints: it gives tr back, with weight -*weight;
 *   regenerate: a regenerate request with tr's args, the inverse argdiffs and the same
 *               selection (the reverse move of an MH kernel).
 * weight, retdiff and backward may be NULL. */
gen_status gen_edit(const gen_trace *tr, gen_key key, const gen_edit_request *req,
                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                    gen_edit_request **backward);

#ifdef __cplusplus
}
#endif
#endif
