/* genc/comb.h — combinators: generative functions built from generative functions.
 *
 * Each combinator is a gen_gf implementing the whole GFI (genc/gfi.h), scalar and
 * batched, with Gen.jl's semantics and weights. Its trace keeps one subtrace per call
 * of its kernel, so update and regenerate redo only what changed: the argdiffs (and the
 * constraints or selection) say which calls to revisit; the rest keep their subtraces
 * (weight 0, choices shared with the old trace). Addresses are 0-based integers where
 * Gen.jl's are 1-based.
 *
 * Retdiffs with a payload (a vector diff) point into the new trace: valid while it is.
 *
 * Batched mode (gen_simulate_batched and friends): kernels run batched; an argument
 * marked batched has the particle axis first, so its elements are along axis 1.
 *
 * Constructors retain their kernels and return a new gen_gf (scope-owned like every
 * gf), or NULL with the error recorded. */
#ifndef GENC_COMB_H
#define GENC_COMB_H

#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Map(kernel): applies kernel independently to the elements of its arguments. Every
 * argument is an array whose leading axis (axis 1 if batched) has the same length n;
 * call i gets element i of each (args->user is passed through) and its choices live at
 * address i. The return value stacks the kernel's return values along the leading axis
 * (NULL if the kernel returns none). With no arguments there is nothing to map over: an
 * error.
 *
 * update/regenerate: argument j's argdiff may be a vector diff (which elements changed,
 * and the new / previous lengths), GEN_DIFF_NO_CHANGE or GEN_DIFF_UNKNOWN (every element
 * may have changed). Call i is revisited only when an argument's element i may have
 * changed, or constraints (update) or the selection (regenerate) reach below address i;
 * calls beyond the new length are dropped (their choices discarded), new ones
 * generated. The retdiff is a vector diff of the elements whose return value changed
 * (GEN_DIFF_NO_CHANGE if none and the length is the same). */
gen_gf *gen_map(const gen_gf *kernel);

/* Switch(branches...) (Gen.jl's Switch): argument 0, a 0-d i64 index in [0, k), picks
 * the branch; branches[index] runs on the other arguments (args->user passed through).
 * Its choices live at the Switch's own namespace (no index part), its return value is
 * the Switch's. The index is an argument, not a choice (see gen_mix for a traced one).
 *
 * update/regenerate: the index's value decides (whatever its argdiff says). The same
 * index revisits the branch with the other arguments' argdiffs; its retdiff is the
 * branch's. A new index discards every choice of the old branch (update's discard) and
 * generates the new branch with the constraints, unconstrained choices sampled:
 * update's weight = the new branch's generate weight - the old trace's score (Gen.jl's
 * switch/update.jl; Gen.jl also reuses old values at addresses both branches make,
 * which GenC's generate cannot: it rejects unused constraints); regenerate's = the new
 * branch's generate weight with no constraints - the old branch's gen_factor terms
 * (both branches proposed from the prior). The retdiff is then GEN_DIFF_UNKNOWN.
 *
 * Batched mode: an unbatched index (or a batched one holding the same value for every
 * particle) runs its branch batched. A per-particle index that differs between
 * particles is done by masking (DESIGN decision 9): each branch some particle takes runs
 * on all N particles, and per particle only its own branch counts: the score (and
 * weights) sum where(index == b, branch b's, 0); the return value is where(index == b,
 * branch b's) when the branches taken return arrays of one per-particle shape and dtype
 * (else an error); branch b's choices carry the presence mask index == b (genc/choice.h:
 * masked values; two branches' values at one address merge into one value, and a value
 * where another branch has choices below it is an error naming the address). update /
 * regenerate apply the rule above to each particle (same branch: revisited; new branch:
 * generated, the old one's choices discarded with their masks, so updating back with
 * the discard restores every particle); the retdiff is then GEN_DIFF_UNKNOWN. A
 * constraint reaches the branch run of the particles that have it; a constraint for a
 * particle whose branch does not use it is an error. k >= 1; the branches are retained;
 * none may be NULL. */
gen_gf *gen_switch(int k, const gen_gf *const *branches);

/* Mask(f): argument 0, a 0-d bool flag, says whether f runs on the other arguments.
 * On: f's choices at the Mask's namespace, its score and return value. Off: no
 * choices, score 0, no return value (NULL), and constraints there are an error.
 * update/regenerate switch f on and off as a Switch over {nothing, f} changes branch
 * (off -> on: f generated with the constraints, weight its generate weight; on -> off:
 * f's choices discarded, weight -f's score); with the flag unchanged, f is revisited
 * (retdiff f's) or, off, nothing happens (weight 0, GEN_DIFF_NO_CHANGE). Batched mode as
 * for Switch: a per-particle flag that differs between particles masks f's choices with
 * the flag; f must then return none (the off particles would have no return value: an
 * error otherwise). */
gen_gf *gen_mask(const gen_gf *f);

/* Mix(components...): a mixture with a traced component index (GenJAX's mix). Argument
 * 0 is the logits: a [k] float array of unnormalized log weights (weights w_i =
 * exp(logits_i) / sum_j exp(logits_j); pass log(weights) for weights); the other
 * arguments go to the component (all components get the same ones: adapt them with
 * gen_contramap). Addresses: "index", the component's index (0-d i64, a categorical
 * choice from the logits), and "component/...", the chosen component's choices. The
 * return value is the component's. Its density: log w_index + the component's.
 *
 * update: a constraint at "index" (its old value discarded) or new logits change the
 * index's density (new - old); the component is then revisited (same index: with the
 * other arguments' argdiffs) or replaced (new index: as gen_switch, the old component's
 * choices discarded, the new one generated with the constraints under "component").
 * regenerate: a selected index is resampled from the prior (it adds nothing to the
 * weight; a kept one adds its density change), then the component as a Switch does.
 * The retdiff is the component's (GEN_DIFF_UNKNOWN when it changes).
 *
 * Batched mode: the index is a choice per particle, and particles in different
 * components are masked as in gen_switch (the component's choices under "component"
 * carry masks). A masked index constraint (e.g. from a discard) constrains the index of
 * the particles that have it only. */
gen_gf *gen_mix(int k, const gen_gf *const *components);

/* Contramap(f, pre) / Dimap(f, pre, post): f called on pre(arguments), its return value
 * post(f's return value); the choices (at the combinator's own namespace), score and
 * weights are f's.
 *
 * pre writes the arguments f gets into out[0..*n_out) (at most cap =
 * GEN_DIMAP_MAX_ARGS); args->user is passed through. post writes the new return value
 * to *out (ret is NULL when f returns none; *out may be NULL for none). Both get the
 * payload given at construction (borrowed: it must outlive the gf and its traces) and
 * must be deterministic. Arrays they create belong to the current scope as usual (the
 * combinator opens one around them and keeps what it needs); they may also give back
 * arrays of their input (borrowed). They run in batched mode when the combinator does,
 * seeing per-particle shapes. A non-OK status fails the operation: with the message
 * the callback recorded (gen_error_set), or "the argument transform returned <status>",
 * prefixed by the combinator's name and the operation.
 *
 * update/regenerate: pre runs on the new arguments; f gets GEN_DIFF_NO_CHANGE for each
 * transformed argument with the same value as before (the same array, or equal dtype,
 * shape and contents), GEN_DIFF_UNKNOWN for the others (the outer argdiffs are not
 * used). The retdiff is f's without post; with post, GEN_DIFF_NO_CHANGE (the old return
 * value kept) when f's says no change, else GEN_DIFF_UNKNOWN. */
#define GEN_DIMAP_MAX_ARGS 16
typedef gen_status (*gen_args_fn)(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out);
typedef gen_status (*gen_retval_fn)(void *payload, const gen_array *ret, gen_array **out);

/* pre and post may be NULL (the identity): gen_dimap(f, NULL, post, p) transforms the
 * return value only. Named "dimap(f)", or "contramap(f)" without post. */
gen_gf *gen_dimap(const gen_gf *f, gen_args_fn pre, gen_retval_fn post, void *payload);
/* gen_dimap(f, pre, NULL, payload); pre must not be NULL. */
gen_gf *gen_contramap(const gen_gf *f, gen_args_fn pre, void *payload);

/* Recurse(production, aggregation, max_branch) (Gen.jl's Recurse): recursive models
 * such as probabilistic grammars. Arguments: (root input) or (root input, root node id:
 * a 0-d i64 >= 0, default 0; Gen.jl's root_idx). A tree of nodes is grown from the root:
 * node i's production kernel gets one argument, its input (the root input, or the item
 * its parent gave it), and returns a tuple (value, children) where children is a tuple
 * of k <= max_branch child inputs (genc/array.h: tuples); node i's child c (0-based) is
 * node i * max_branch + c + 1 (Gen.jl's numbering, 0-based). Then, children first, node
 * i's aggregation kernel gets (value, tuple of its children's aggregation results) and
 * returns its result; the root's is the return value. Addresses: i/production/... and
 * i/aggregation/... (Gen.jl's (i, :production), (i, :aggregation)). Constraints
 * elsewhere are an error.
 *
 * update/regenerate grow the new tree from the new root input: a node the old tree had
 * is revisited only when its kernel's arguments changed value (compared by content;
 * its argdiffs say which) or constraints / the selection reach it, and kept otherwise
 * (weight 0); new nodes are generated; nodes the new tree lacks are dropped (update:
 * their choices discarded, their scores subtracted; regenerate: their gen_factor terms
 * subtracted). The outer argdiffs are not used. The root node id cannot change (as in
 * Gen.jl). retdiff: GEN_DIFF_NO_CHANGE when the root's result is the very same array,
 * else GEN_DIFF_UNKNOWN. assess runs generate with the choices and fails when they do
 * not hold every choice of the tree.
 *
 * Batched mode: the kernels run batched; the tree's shape (tuple sizes) is one for all
 * particles, so it may depend on arguments but not on batched choices. */
gen_gf *gen_recurse(const gen_gf *production, const gen_gf *aggregation, int64_t max_branch);

/* Unfold(kernel): a state-space chain (Gen.jl's Unfold). Arguments: (n, init_state,
 * params...), n a 0-d i64 array (not batched) >= 0. Step t = 0..n-1 calls the kernel on
 * (t as a 0-d i64, state, params...) (args->user passed through), where state is
 * init_state for step 0 and step t-1's return value after; the kernel returns the next
 * state, an array shaped like init_state (per particle if batched). Step t's choices
 * live at address t (Gen.jl's step t+1). The return value stacks the n states along the
 * leading axis (axis 1 if batched); n = 0 gives the empty stack: shape [0] + init_state's
 * shape, its dtype. The trace's choices and return value are built on first read, so an
 * update touching the last steps costs time independent of n (when nobody reads them).
 *
 * update/regenerate: the argdiff of n is not needed (the length is read from n); those
 * of init_state and the params may be GEN_DIFF_NO_CHANGE or anything else (unknown).
 * When init_state and the params are unchanged, the steps before the first constrained
 * (update) or selected (regenerate) step keep their subtraces; from there a step reruns
 * when it is constrained / selected or its incoming state changed (the previous step's
 * retdiff is not GEN_DIFF_NO_CHANGE), and the rerun stops as soon as a step's state is
 * unchanged and no later step is reached. A changed init_state reruns step 0 onward
 * the same way; changed params rerun every kept step. Growing n generates the new steps
 * only (new constrained steps add their densities to the weight); shrinking drops the
 * last steps (update: their choices discarded and their scores subtracted; regenerate:
 * only what is not choices subtracted, as Gen.jl). The retdiff is a vector diff of the
 * states that changed (the kept steps whose retdiff was not GEN_DIFF_NO_CHANGE, with
 * that retdiff) and the new / previous lengths; GEN_DIFF_NO_CHANGE if none changed and
 * n is the same. */
gen_gf *gen_unfold(const gen_gf *kernel);

/* Scan(kernel): state threading with a per-step output (jax.lax.scan, GenJAX's Scan).
 * Arguments: (init_carry, xs, params...), xs an array whose leading axis (axis 1 if
 * batched) has the length n >= 0. Step t = 0..n-1 calls the kernel on (carry, xs[t],
 * params...) (args->user passed through), carry being init_carry for step 0 and the
 * carry step t-1 returned after; the kernel returns the tuple (new carry, y_t)
 * (gen_tuple): the carry shaped like init_carry (per particle; a tuple carry is allowed,
 * with as many items), y_t an array shaped like y_0. Step t's choices live at address t.
 * The return value is the tuple (final carry, ys), ys stacking the y_t along the leading
 * axis (axis 1 if batched); with n = 0 it is (init_carry, an f64 array of shape [0]): the
 * kernel never ran, so y's shape is unknown. Choices and return value are built on
 * first read, as Unfold's.
 *
 * update/regenerate: argdiffs for init_carry and the params as Unfold's (NO_CHANGE or
 * unknown); xs's may be a vector diff (which elements changed, new / previous lengths).
 * A kept step reruns when its x may have changed, it is constrained / selected, its
 * incoming carry changed or the params did; a rerun step whose carry is the same value
 * as before (its retdiff is GEN_DIFF_NO_CHANGE, or the carry the same array or equal
 * bits) stops the propagation. Growing xs generates the new steps only; shrinking drops
 * the last steps (as Unfold). The retdiff is GEN_DIFF_NO_CHANGE when the length, the
 * final carry and every y are the same values, else a vector diff over the tuple's two
 * items (length 2): item 0 (the final carry, GEN_DIFF_UNKNOWN) if it changed, item 1
 * (ys) if its length or a y changed, with a vector diff of the steps whose y changed. */
gen_gf *gen_scan(const gen_gf *kernel);

#ifdef __cplusplus
}
#endif
#endif
