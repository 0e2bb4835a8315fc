/* genc/train.h — training generative functions' parameters: one optimizer step over a
 * parameter store (gen_params_apply), supervised training on data from a generator
 * (Gen.jl's train!), and wake-sleep: the sleep phase that trains a proposal on the
 * model's own simulations (Gen.jl's lecture! and lecture_batched!) and the wake phase
 * that trains the model's parameters on observed data through importance samples of a
 * proposal (reweighted wake-sleep).
 *
 * Conventions. Gradients are of objectives to MAXIMIZE (log densities), as everywhere in
 * GenC's learning (genc/learn.h): an optimizer step ascends. The functions that
 * accumulate (gen_lecture, gen_lecture_batched, gen_wake) only ADD to a store's gradients
 * (genc/params.h), so several can be combined before one gen_params_apply; gen_train
 * applies by itself. Randomness comes from the key argument only; the same key gives the
 * same run. Temporaries live in scopes these calls open; outputs are plain doubles. */
#ifndef GENC_TRAIN_H
#define GENC_TRAIN_H

#include "genc/dsl.h"
#include "genc/learn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One optimizer step over every parameter of s with its accumulated gradient
 * (gen_optimizer_step with the parameters' names, so o keeps per-parameter state under
 * those names), then every gradient set to zeros. All or nothing: on error neither the
 * values, the gradients nor the optimizer's state change. A store with no parameters is
 * GEN_OK (nothing to do). Errors: GEN_ERR_MISUSE for a NULL s or o, or while
 * gen_params_value_and_grad runs on s; gen_optimizer_step's (a gradient that is not
 * finite names the parameter). */
gen_status gen_params_apply(gen_params *s, gen_optimizer *o);

/* ---- supervised training (Gen.jl's train!) ---------------------------------------------- */

/* The most inputs (arguments) one training example may have. */
#define GEN_TRAIN_MAX_ARGS 16

/* A data generator: writes one example drawn with key — the arguments of the function
 * being trained (*n_inputs of them, at most GEN_TRAIN_MAX_ARGS, into inputs) and the
 * choices it should make given them (*constraints). The arrays and the map are made in
 * the scope open when it is called (the trainer keeps them for the epoch). Returns GEN_OK
 * or an error status (with gen_error_set). */
typedef gen_status (*gen_train_data_fn)(void *payload, gen_key key, gen_array **inputs, int *n_inputs,
                                        gen_choicemap **constraints);

/* Hears the objective after each epoch (epoch counts from 0); returning false stops the
 * training there (gen_train then returns GEN_CANCELLED). */
typedef bool (*gen_train_epoch_fn)(void *payload, int epoch, double objective);

typedef struct gen_train_config {
    int num_epochs;          /* >= 1 */
    int64_t epoch_size;      /* examples drawn from the generator at the start of each epoch, >= 1 */
    int num_minibatches;     /* optimizer steps per epoch, >= 1 */
    int64_t minibatch_size;  /* examples per step, in [1, epoch_size], drawn from the epoch's
                                examples without replacement (a fresh draw for each step) */
    int64_t evaluation_size; /* fresh examples the objective is estimated on after each epoch;
                                0: epoch_size (Gen.jl's default) */
    bool batched;            /* run each minibatch (and the evaluation) as one batched
                                generate of minibatch_size particles (genc/gfi.h) instead of
                                one generate per example */
} gen_train_config;

/* Trains the parameters of store that f reads to maximize the expected conditional log
 * density E[log p_f(constraints | inputs)] under the data generator, Gen.jl's train!:
 * for each epoch, epoch_size examples are drawn from data; then num_minibatches times,
 * minibatch_size of them are picked at random (without replacement), for each example
 * the gradient of generate(f, inputs, constraints)'s trace is added to the store with
 * scale 1 / minibatch_size (gen_accumulate_param_gradients: so a step follows the mean
 * gradient over the minibatch, where Gen.jl's sums), and one gen_params_apply(store, opt)
 * steps; then the objective is estimated as the mean generate weight of
 * evaluation_size fresh examples (log p(constraints | inputs) when the constraints hold
 * every choice f makes; a lower-bound estimate otherwise) and reported: written to
 * objectives[epoch] (objectives may be NULL; else num_epochs slots) and given to on_epoch
 * (may be NULL).
 *
 * Batched mode stacks a minibatch's examples into one batched run: input j of the run is
 * the examples' inputs j stacked on a new leading particle axis, and each constrained
 * address gets the examples' values stacked likewise. So every example must have the
 * same number of inputs, of equal shapes, and constraints at the same addresses with
 * values of equal shapes (GEN_ERR_SHAPE / GEN_ERR_VALUE naming the example and address
 * otherwise: "gen_train: example 3 has no constraint at y, example 0 has"); the gradients
 * and objective equal the scalar mode's up to rounding (the keys differ).
 *
 * Keys: epoch e uses gen_key_fold_in(key, e), split for its data, its minibatch picks,
 * its generates and its evaluation. Returns GEN_OK; GEN_CANCELLED when on_epoch stopped
 * the run (the epochs done are reported and applied); else an error, the store keeping
 * the steps applied before it: GEN_ERR_MISUSE for a NULL f, store, opt, data or c;
 * GEN_ERR_VALUE for a config field out of range (naming it); a failing data generator's
 * error prefixed "gen_train: epoch 2, example 5: data generator"; f's errors prefixed
 * with the epoch. */
gen_status gen_train(const gen_gf *f, gen_key key, gen_params *store, gen_optimizer *opt, gen_train_data_fn data,
                     void *data_payload, const gen_train_config *c, double *objectives, gen_train_epoch_fn on_epoch,
                     void *epoch_payload);

/* ---- wake-sleep -------------------------------------------------------------------------- */

/* The proposal's arguments from a trace of the model (Gen.jl's get_q_args): writes
 * *n_args arrays (at most GEN_TRAIN_MAX_ARGS) into args, made in the scope open when it
 * is called, typically the observed choices (gen_trace_value). For gen_lecture_batched the
 * trace is batched: values read from it are batched arrays, and the proposal runs batched
 * on them. Returns GEN_OK or an error status. */
typedef gen_status (*gen_trace_args_fn)(void *payload, const gen_trace *model_trace, gen_array **args, int *n_args);

/* What the sleep phase trains: a proposal q (a generative function whose parameters live
 * in proposal_params) that makes the model's latent choices — the addresses latents
 * selects (NULL: every choice of the model) — given arguments computed from a model
 * trace by proposal_args (called with payload). */
typedef struct gen_lecture_spec {
    const gen_gf *model;
    const gen_args *model_args; /* NULL: none */
    const gen_gf *proposal;
    gen_params *proposal_params;
    const gen_selection *latents;
    gen_trace_args_fn proposal_args;
    void *payload;
} gen_lecture_spec;

/* Gen.jl's lecture!: simulates the model, then adds scale * d/dphi log q(latents; args) to
 * proposal_params' gradients, where latents are the simulated choices s->latents selects
 * and args = proposal_args(model trace): the gradient of generate(q, args, latents)'s trace
 * (gen_accumulate_param_gradients). *score (may be NULL) gets that generate's weight,
 * log q(latents; args) when q makes exactly those choices. Ascending it trains q toward
 * the model's posterior (it maximizes E_p[log q(z; x)], minimizing the expected
 * KL(p(z | x) || q(z; x))). Keys: split from key for the simulation and the generate.
 * Errors: GEN_ERR_MISUSE for a NULL s, s->model, s->proposal, s->proposal_params or
 * s->proposal_args; GEN_ERR_VALUE when args has more than GEN_TRAIN_MAX_ARGS; a proposal
 * that does not make every selected choice fails in generate ("constraint at z was not
 * used"); the callback's and the GFI operations' errors, prefixed "gen_lecture". On error
 * the store's gradients are unchanged. */
gen_status gen_lecture(const gen_lecture_spec *s, gen_key key, double scale, double *score);

/* Gen.jl's lecture_batched!: the same for n simulations at once: one batched simulate of
 * the model (n particles), one batched generate of q on the batched arguments
 * proposal_args gives and the batched latents, and scale / n times the sum over the
 * particles of the gradients (the mean) added to proposal_params. *score (may be NULL)
 * gets the mean weight. Errors as gen_lecture's, and GEN_ERR_VALUE for n < 1. */
gen_status gen_lecture_batched(const gen_lecture_spec *s, gen_key key, int64_t n, double scale, double *score);

/* The wake phase of reweighted wake-sleep for the model's parameters: n importance
 * samples z_i of the model's unobserved choices given obs, proposed by proposal (NULL: the
 * model's prior) — exactly gen_importance_sampling_batched(model, key, args, obs,
 * proposal, proposal_args, n, ...) — with normalized weights w_i, then
 *     scale * sum_i w_i d/dtheta log p(z_i, obs; args, theta)
 * added to model_params' gradients (the self-normalized estimate of the gradient of
 * log p(obs; theta); the weights are constants). *log_ml (may be NULL) gets the sampler's
 * log marginal likelihood estimate. Errors: GEN_ERR_MISUSE for a NULL model, obs or
 * model_params; GEN_ERR_VALUE for n < 1, a non-finite scale, or weights that are all
 * -inf; the sampler's and the model's errors, prefixed "gen_wake". On error the store's
 * gradients are unchanged. */
gen_status gen_wake(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                    gen_params *model_params, const gen_gf *proposal, const gen_args *proposal_args, int64_t n,
                    double scale, double *log_ml);

#ifdef __cplusplus
}
#endif
#endif
