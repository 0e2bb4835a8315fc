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
