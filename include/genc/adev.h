/* genc/adev.h — programmable variational inference in the manner of ADEV (Lew et al.,
 * POPL 2023; GenJAX's genjax.adev and genjax.vi): unbiased gradient estimates of
 * expectations written as generative functions, per-distribution gradient strategies,
 * the ELBO, IWELBO and VIMCO objectives, and black-box VI.
 *
 * An objective is a dynamic generative function (genc/dsl.h), the "program": its body
 * makes random choices (gen_choose, or whole guides through gen_adev_simulate or
 * gen_call) and returns a scalar f. Its float arguments are the parameters θ (GenJAX
 * style: a guide's parameters are arguments). gen_adev_estimate returns an unbiased
 * estimate of E[f] and of its gradient with respect to every argument.
 *
 * Strategies. Each choice's gradient is estimated by the strategy its distribution is
 * annotated with (gen_adev_with; the annotated distribution behaves as the original
 * everywhere else: in simulate, generate, assess, and as a model's choice):
 *   GEN_ADEV_REPARAM    the choice is a reparameterized draw (gen_dist_rsample), through
 *                       which the gradient flows (pathwise estimator);
 *   GEN_ADEV_REINFORCE  the score-function estimator: the gradient gains
 *                       (V - b) grad log p(x; θ), V the value of the rest of the program
 *                       given x, b a baseline (gen_adev_options);
 *   GEN_ADEV_ENUM       exact enumeration of a finite support: the rest of the program
 *                       is run once for every value v and weighted by p(v; θ)
 *                       (GenJAX's flip_enum, categorical_enum);
 *   GEN_ADEV_MVD        the measure-valued derivative of a Bernoulli choice (GenJAX's
 *                       flip_mvd): the gradient gains grad p * (V(true) - V(false)),
 *                       the value of the rest of the program at the other value being
 *                       computed by one more run.
 * Unannotated choices (GEN_ADEV_DEFAULT) take options->strategy when it is set, else
 * REPARAM where the distribution has a reparameterized sampler and REINFORCE otherwise.
 * Enumeration and MVD are opt in: each costs reruns, multiplied by the reruns of any such
 * choice inside (an ENUM choice of K values nested in another of K is K^2 runs).
 *
 * Continuations by rerunning. The draw of a choice is a function of its address
 * (genc/dsl.h: fold_in(key, hash of the address)), so running the program again with one
 * choice forced to a value reproduces every choice before it and draws the same
 * randomness after it: "the rest of the program given x = v" is a rerun with the choice
 * forced. An ENUM choice of K values costs K - 1 reruns, an MVD choice one. The program
 * must be a function of its arguments and choices (as every DSL body is).
 *
 * The estimator's core is a surrogate: a scalar function of the arguments, evaluated on
 * the autodiff tape, whose value is the estimate of E[f] and whose gradient is the
 * gradient estimate (for REINFORCE: f + stop(f - b) (log p - stop(log p)); for ENUM:
 * sum_v p(v) S_v; for MVD: S_x + (p - stop p) stop(V(true) - V(false))). gen_adev_estimate
 * is gen_value_and_grad of it.
 *
 * Runs are scalar (not batched mode). Calls from the program (gen_call, gen_adev_simulate)
 * must be to dynamic generative functions: their choices take part in the estimate
 * (other kinds are GEN_ERR_UNSUPPORTED). */
#ifndef GENC_ADEV_H
#define GENC_ADEV_H

#include "genc/autodiff.h"
#include "genc/dsl.h"
#include "genc/learn.h"
#include "genc/params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gen_adev_strategy {
    GEN_ADEV_DEFAULT = 0,  /* not annotated: options->strategy, else reparam or REINFORCE */
    GEN_ADEV_REPARAM = 1,
    GEN_ADEV_REINFORCE = 2,
    GEN_ADEV_ENUM = 3,
    GEN_ADEV_MVD = 4
} gen_adev_strategy;

/* A distribution that is d (same family name, parameters, shapes, draws, densities,
 * support) annotated with the strategy s. Owned like any new distribution (genc/dist.h).
 * Checked: REPARAM needs gen_dist_has_rsample(d); ENUM a finite support (gen_dist_enumerate)
 * and a single value (empty batch and event shapes); MVD a single Bernoulli value
 * (gen_bernoulli, gen_bernoulli_logit). Otherwise NULL with GEN_ERR_VALUE ("adev: enum
 * needs a finite support, poisson has none"); GEN_ERR_VALUE for an unknown s. Annotating
 * an annotated distribution replaces its strategy. */
gen_dist *gen_adev_with(const gen_dist *d, gen_adev_strategy s);
/* gen_adev_with(d, GEN_ADEV_REPARAM / REINFORCE / ENUM / MVD). */
gen_dist *gen_adev_reparam(const gen_dist *d);
gen_dist *gen_adev_reinforce(const gen_dist *d);
gen_dist *gen_adev_enum(const gen_dist *d);
gen_dist *gen_adev_mvd(const gen_dist *d);
/* The strategy d is annotated with (GEN_ADEV_DEFAULT for NULL or unannotated). */
gen_adev_strategy gen_adev_strategy_of(const gen_dist *d);

/* Baselines of the REINFORCE terms (variance reduction; every kind keeps the estimate
 * unbiased). */
typedef enum gen_adev_baseline {
    GEN_ADEV_BASELINE_NONE = 0,     /* b = 0 */
    GEN_ADEV_BASELINE_CONSTANT = 1, /* b = options->baseline */
    GEN_ADEV_BASELINE_LEAVE_ONE_OUT = 2 /* with samples >= 2: sample s uses the mean of the
                                           other samples' values (Mnih & Rezende's
                                           leave-one-out average) */
} gen_adev_baseline;

typedef struct gen_adev_options {
    int samples;                 /* independent runs averaged (0: 1) */
    gen_adev_baseline baseline_kind;
    double baseline;             /* GEN_ADEV_BASELINE_CONSTANT's b */
    gen_adev_strategy strategy;  /* for unannotated choices (GEN_ADEV_DEFAULT: reparam
                                    where available, else REINFORCE) */
} gen_adev_options;

/* An unbiased estimate of E[f] and of its gradient for the program prog (a dynamic
 * generative function returning a scalar float f) on args, whose arrays must all be
 * floats (they are the differentiated parameters). *value: 0-d f64, the mean of
 * options->samples independent estimates (run s uses fold_in(key, s)); grads[i]: the
 * gradient with respect to args->v[i] (args->v[i]'s shape). value or grads may be NULL;
 * options NULL means the defaults (one sample, no baseline). Results belong to the
 * innermost open scope, or the caller if none is open. Errors: GEN_ERR_MISUSE for a
 * NULL prog or a run in batched mode; GEN_ERR_VALUE for a program that is not dynamic,
 * returns no scalar float, a leave-one-out baseline with one sample, negative samples,
 * or an annotation the choice cannot take ("adev: z: enum needs ...");
 * GEN_ERR_UNSUPPORTED for a call to a generative function that is not dynamic; the
 * program's own errors, prefixed "adev: prog". */
gen_status gen_adev_estimate(const gen_gf *prog, gen_key key, const gen_args *args,
                             const gen_adev_options *options, gen_array **value,
                             gen_array **grads);

/* The surrogate itself, for trainers that take gradients their own way (a parameter
 * store's gen_params_value_and_grad): *f becomes a closure of n_in = args->n inputs and
 * one scalar output whose value is the estimate and whose gradient is the gradient
 * estimate of gen_adev_estimate with the same key (args->user is passed to the program).
 * The closure's payload is allocated: release it with gen_adev_surrogate_free. prog and
 * args->user are borrowed and must outlive it; options are copied. */
gen_status gen_adev_surrogate(const gen_gf *prog, gen_key key, const gen_args *args,
                              const gen_adev_options *options, gen_closure *f);
void gen_adev_surrogate_free(gen_closure *f);

/* Inside a program run by an ADEV estimator: runs the dynamic function f on args with
 * its choices at name/... under the estimator's strategies (the ADEV counterpart of
 * simulate), and *tr receives its trace (owned by the body's scope): its choices, and
 * its score log q, differentiable in f's arguments and in reparameterized choices.
 * GEN_ERR_MISUSE outside an ADEV run or for a NULL argument; f's errors named by the
 * address. */
gen_status gen_adev_simulate(gen_ctx *ctx, const char *name, const gen_gf *f,
                             const gen_args *args, gen_trace **tr);

/* ---- objectives ----------------------------------------------------------------------
 * Programs for gen_adev_estimate over (model, model_args, observations, guide): their
 * arguments are the guide's arguments. Each holds its own references to the model, the
 * guide, the observations and the arrays of model_args (model_args->user is copied as a
 * pointer and must outlive the program). The model is scored with gen_assess on the
 * observations merged with the guide's choices (every latent choice of the model must be
 * a choice of the guide). New functions, owned like any new object; NULL with
 * GEN_ERR_MISUSE for a NULL model, guide or observations, GEN_ERR_VALUE for k < 1 (k < 2
 * for VIMCO). */

/* ELBO: f = log p(x, z) - log q(z; θ), z ~ guide(θ). With the exact posterior as guide,
 * f = log p(x) for every z. */
gen_gf *gen_adev_elbo(const gen_gf *model, const gen_args *model_args,
                      const gen_choicemap *observations, const gen_gf *guide);
/* IWELBO with k samples: f = log (1/k) sum_i p(x, z_i) / q(z_i; θ), z_i ~ guide(θ) at
 * addresses particles/i; E[f] increases with k towards log p(x). */
gen_gf *gen_adev_iwelbo(const gen_gf *model, const gen_args *model_args,
                        const gen_choicemap *observations, const gen_gf *guide, int k);
/* VIMCO (Mnih & Rezende 2016): the IWELBO of k samples, whose REINFORCE terms for
 * sample i use the leave-one-out baseline log (1/k)(sum_{j != i} w_j + w_hat_i), w_hat_i
 * the geometric mean of the other weights (Gen.jl's black_box_vimco!, geometric). */
gen_gf *gen_adev_vimco(const gen_gf *model, const gen_args *model_args,
                       const gen_choicemap *observations, const gen_gf *guide, int k);

/* ---- black-box VI ----------------------------------------------------------------------
 * The loop of Gen.jl's black_box_vi! / black_box_vimco!, GenJAX's vi: for each
 * iteration, an estimate of the objective's gradient at the current parameters
 * (gen_adev_estimate with options, on fold_in(key, iteration)), then one step of the
 * optimizer (genc/learn.h: gradient ascent, the objective is maximized). */
typedef struct gen_adev_vi_config {
    int iters;                 /* > 0 */
    gen_adev_options options;  /* samples per iteration, baseline, strategy */
    /* GEN_ADEV_BASELINE_CONSTANT here means a running average: b_t = the mean of the
     * objective estimates of the previous iterations, exponentially weighted with
     * decay (0 in the struct: 0.9; b_0 = 0) — a constant within each iteration, so the
     * estimate stays unbiased. */
    double decay;
} gen_adev_vi_config;

/* Runs c->iters iterations on the objective prog from the parameters params[0..n-1]
 * (float arrays passed to prog as its arguments, named names[i] for the optimizer's
 * state). params[i] must be references the caller owns outright (gen_optimizer_step's
 * rule): each step replaces them, and on return they are the fitted parameters, owned by
 * the caller. history (may be NULL) receives c->iters objective estimates. Errors:
 * GEN_ERR_MISUSE for a NULL prog, c, opt, or params or names with n > 0; GEN_ERR_VALUE
 * for iters < 1, n < 0 or a decay outside [0, 1); those of gen_adev_estimate and of
 * gen_optimizer_step (the loop stops at the first; params then hold the last successful
 * step). */
gen_status gen_adev_vi(const gen_gf *prog, gen_key key, int n, gen_array **params, const char *const *names,
                       const gen_adev_vi_config *c, gen_optimizer *opt, double *history);

/* The same loop for a program whose guide keeps its parameters in a store (Gen.jl's
 * black_box_vi! with a variational model of trainable parameters: a guide made with
 * gen_dynamic_params and reading them with gen_param): each iteration adds the
 * estimate's gradient to the store's gradients (gen_adev_surrogate under
 * gen_params_value_and_grad) and applies opt to the store (gen_params_apply, which zeroes
 * them). args (may be NULL) are prog's arguments, float arrays held fixed. On return the
 * store holds the fitted parameters. Errors: GEN_ERR_MISUSE for a NULL prog, store, c or
 * opt; GEN_ERR_VALUE for iters < 1 or a decay outside [0, 1); those of the estimate, of
 * gen_params_value_and_grad and of gen_params_apply, prefixed with the iteration (the
 * loop stops at the first; the store then holds the last successful step). */
gen_status gen_adev_vi_params(const gen_gf *prog, gen_key key, const gen_args *args, gen_params *store,
                              const gen_adev_vi_config *c, gen_optimizer *opt, double *history);

#ifdef __cplusplus
}
#endif
#endif
