/* genc/learn.h — learning: gradient-based optimizers over named parameters (and, in the
 * sections below them, what is built on the optimizers).
 *
 * The convention is Gen.jl's: gradients are of objectives to MAXIMIZE (log densities,
 * ELBOs, log likelihoods), so every optimizer here takes steps of gradient ASCENT.
 * Minimizing a loss is ascending its negation. */
#ifndef GENC_LEARN_H
#define GENC_LEARN_H

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== optimizers ============================================================================
 * An optimizer is data (a gen_opt_config) plus per-parameter state kept under each
 * parameter's name: the momentum of GEN_OPT_MOMENTUM, Adam's moments, the adaptive
 * sequence's running squared gradient, and the count t of steps that parameter has taken
 * (t = 1 at its first step). With theta a parameter, g its gradient (after clipping,
 * below) and t its step count, one step is, element by element:
 *
 *   GEN_OPT_SGD       theta += a_t g
 *   GEN_OPT_MOMENTUM  v = mu v + a_t g;  theta += v          (v = 0 before the first step)
 *   GEN_OPT_ADAM      m = b1 m + (1 - b1) g;  s = b2 s + (1 - b2) g^2   (m = s = 0 before)
 *                     theta += step (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)
 *                     (Kingma & Ba 2015, Algorithm 1, as Gen.jl's ADAM: bias-corrected; the
 *                     first step is step g / (|g| + eps), i.e. step * sign(g) up to eps)
 *   GEN_OPT_ADAPTIVE  s = g^2 at t = 1, then s = 0.9 s + 0.1 g^2;
 *                     theta += step t^(-1/2) g / (1 + sqrt(s))
 *                     (Stan's ADVI step-size sequence, Kucukelbir et al. 2017, eq. 10, with
 *                     Stan's tau = 1 and alpha = 0.1; step is Stan's eta)
 *
 * where a_t = step with decay 0, and with decay > 0 Gen.jl's DecayStepGradientDescent
 * schedule a_t = step (decay + 1) / (decay + t) (so a_1 = step). Gen.jl counts t per
 * optimizer, GenC per parameter: the same when every step updates every parameter.
 *
 * Clipping, before the update: with clip_value > 0 each gradient component is clamped to
 * [-clip_value, clip_value]; then with clip_norm > 0, when the L2 norm of all n gradients
 * of the step together exceeds clip_norm they are all scaled by clip_norm / norm. */
typedef enum gen_opt_kind {
    GEN_OPT_SGD = 0,
    GEN_OPT_MOMENTUM = 1,
    GEN_OPT_ADAM = 2,
    GEN_OPT_ADAPTIVE = 3
} gen_opt_kind;

typedef struct gen_opt_config {
    gen_opt_kind kind;
    double step;      /* step size / learning rate, > 0 (Stan's eta for GEN_OPT_ADAPTIVE) */
    double decay;     /* SGD and momentum: > 0 gives the decaying schedule above; 0: fixed */
    double momentum;  /* GEN_OPT_MOMENTUM: mu in [0, 1) (0 in the struct: 0.9) */
    double beta1, beta2, eps; /* GEN_OPT_ADAM: beta1, beta2 in [0, 1), eps > 0
                                 (0 in the struct: 0.9, 0.999, 1e-8) */
    double clip_norm;  /* > 0: clip the joint L2 norm of a step's gradients; 0: no clipping */
    double clip_value; /* > 0: clamp each gradient component; 0: no clamping */
} gen_opt_config;

/* Config + per-parameter state. Not thread-safe: one step at a time. */
typedef struct gen_optimizer gen_optimizer;

/* A new optimizer with no state (caller-owned: gen_optimizer_free); c is copied. NULL
 * with GEN_ERR_VALUE naming the field for a bad config: an unknown kind, step not finite
 * and > 0, decay < 0 or not finite, momentum outside [0, 1), beta1 or beta2 outside
 * [0, 1), eps < 0, clip_norm or clip_value < 0 or NaN, or a field set that the kind does
 * not use ("gen_optimizer_new: decay is for GEN_OPT_SGD and GEN_OPT_MOMENTUM, not
 * GEN_OPT_ADAM"): decay with Adam or the adaptive sequence, momentum with another kind
 * than GEN_OPT_MOMENTUM, beta1, beta2 or eps with another kind than GEN_OPT_ADAM. */
gen_optimizer *gen_optimizer_new(const gen_opt_config *c);
void gen_optimizer_free(gen_optimizer *o);
/* The optimizer's config with the defaults filled in (a zeroed struct for NULL). */
gen_opt_config gen_optimizer_config(const gen_optimizer *o);
/* Forgets all per-parameter state (as a new optimizer). */
void gen_optimizer_reset(gen_optimizer *o);

/* One step of gradient ASCENT over n >= 0 parameters identified by names[i] (distinct
 * within a call; a name's state persists across calls): values[i] is replaced by a new
 * array holding the updated value, with the dtype (f64 or f32), shape and device of the
 * old one, and the old reference is released. values[i] must thus be a reference the
 * caller owns outright: one made with no scope open, or retained (gen_array_retain), not
 * one a scope will release; the new array is owned the same way (no scope owns it, the
 * caller releases it). grads[i] is the gradient (f64 or f32, values[i]'s shape); it is
 * borrowed. SGD from theta = 0 with step 0.001 and gradient 1 gives 0.001.
 * Errors (nothing is changed, neither values nor state, except by GEN_ERR_OOM while the
 * new arrays are made, after the state took the step): GEN_ERR_MISUSE for NULL o,
 * names, values or grads with n > 0, or a NULL name, value or gradient (naming i);
 * GEN_ERR_VALUE for n < 0 or a name given twice; GEN_ERR_DTYPE for a value or gradient
 * that is not f64 / f32 (a tuple, an integer array); GEN_ERR_SHAPE, naming the parameter,
 * for a gradient whose shape differs from the value's ("gen_optimizer_step: w: the
 * gradient is f64[3], the value f64[2,3]") and for a parameter whose size changed since
 * its last step; GEN_ERR_VALUE naming the parameter and the element for a gradient that
 * is NaN or infinite ("gen_optimizer_step: w: the gradient is not finite (nan at element
 * 4)"). */
gen_status gen_optimizer_step(gen_optimizer *o, int n, const char *const *names, gen_array **values,
                              const gen_array *const *grads);

/* Applying an optimizer to a parameter store (gen_params_apply), training loops and
 * wake-sleep are in genc/train.h; neural-network blocks in genc/nn.h; variational
 * inference in genc/vi.h (ADVI) and genc/adev.h (programmable VI, BBVI, VIMCO). */

#ifdef __cplusplus
}
#endif
#endif
