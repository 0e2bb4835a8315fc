/* genc/gfi.h — generative functions and traces: the Generative Function Interface.
 *
 * A generative function (gen_gf) is an immutable, refcounted value implementing the
 * GFI through an internal vtable (DESIGN decision 7): dynamic-DSL functions
 * (genc/dsl.h) today, combinators later. A trace (gen_trace) is an immutable, refcounted
 * record of one execution: the function, its
 * arguments, return value, random choices (a gen_choicemap) and score (their log density).
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

/* How a value (an argument, a return value) changed between two traces. Only the two
 * generic kinds exist today; vector / int / set / map diffs for the combinators come
 * later and will carry their payload in `detail` (NULL for the generic kinds). */
typedef enum gen_diff_kind {
    GEN_DIFF_NO_CHANGE = 0, /* the same value */
    GEN_DIFF_UNKNOWN = 1    /* may have changed in any way */
} gen_diff_kind;

typedef struct gen_diff {
    gen_diff_kind kind;
    const void *detail; /* reserved for richer diffs; NULL */
} gen_diff;

static inline gen_diff gen_diff_no_change(void) { return (gen_diff){GEN_DIFF_NO_CHANGE, NULL}; }
static inline gen_diff gen_diff_unknown(void) { return (gen_diff){GEN_DIFF_UNKNOWN, NULL}; }

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
 * ("generate: constraint at z was not used by the model"). weight may be NULL. */
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
 * terms, which belong to no address and are always counted). */
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
 *   *retdiff = GEN_DIFF_NO_CHANGE when the return value is the very same array as tr's,
 *              else GEN_DIFF_UNKNOWN.
 * Every constraint must be visited ("update: constraint at z was not used by the
 * model"). weight, retdiff and discard may be NULL. */
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
 * from the prior, forward or backward). weight and retdiff may be NULL. */
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
 * Keys: the draws at an address are elements 0..n-1 of the stream fold_in(key, address
 * hash), so particle i is not the scalar run with any one key: batched and scalar runs
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

#ifdef __cplusplus
}
#endif
#endif
