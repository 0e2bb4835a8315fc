/* genc/infer.h — programmable inference on the GFI: importance sampling and
 * resampling, Metropolis–Hastings kernels, kernel composition and chains.
 *
 * Everything here is written against the GFI (genc/gfi.h), so it works for every
 * generative function: dynamic-DSL models, combinators, custom ones. Traces, arrays
 * and choice maps returned follow the usual ownership (the innermost open scope, or the
 * caller). Randomness comes from the key argument only. */
#ifndef GENC_INFER_H
#define GENC_INFER_H

#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- weights and resampling ---------------------------------------------------------- */

/* log(sum_i exp(lw[i]) / n) of n log weights: the log marginal likelihood estimate of
 * importance sampling. -inf if every weight is -inf; NaN weights are an error. */
gen_status gen_log_mean_exp(const gen_array *log_weights, double *out);
/* The effective sample size 1 / sum_i w_i^2 of the normalized weights. */
gen_status gen_ess_of_log_weights(const gen_array *log_weights, double *out);

typedef enum gen_resampling {
    GEN_RESAMPLE_MULTINOMIAL = 0,
    GEN_RESAMPLE_SYSTEMATIC = 1,
    GEN_RESAMPLE_STRATIFIED = 2,
    GEN_RESAMPLE_RESIDUAL = 3
} gen_resampling;

/* n_out ancestor indices (into out) drawn with probabilities proportional to
 * exp(log_weights) (a 1-d array of n > 0 weights, not all -inf). */
gen_status gen_resample(gen_key key, const gen_array *log_weights, gen_resampling method,
                        int64_t n_out, int64_t *out);

/* ---- importance sampling -------------------------------------------------------------- */

/* Importance sampling of model(args) given the observations obs, with n particles:
 *   proposal NULL: each particle is generate(model, args, obs) and its log weight is
 *   generate's weight (the prior proposes the rest);
 *   proposal given: (q, w_q) = propose(proposal, proposal_args); the particle is
 *   generate(model, args, obs merged with q) and its log weight generate's weight
 *   minus w_q (the proposal must propose every unobserved choice).
 * traces (n slots) gets the n traces, *log_weights their [n] unnormalized log weights,
 * *log_ml the log marginal likelihood estimate (log mean of the weights). Particle i
 * uses fold_in(key, i). traces, log_weights and log_ml may each be NULL. */
gen_status gen_importance_sampling(const gen_gf *model, const gen_args *args,
                                   const gen_choicemap *obs, const gen_gf *proposal,
                                   const gen_args *proposal_args, int64_t n, gen_key key,
                                   gen_trace **traces, gen_array **log_weights, double *log_ml);

/* The same with all n particles in one batched run (genc/gfi.h: batched execution):
 * *trace is one batched trace of n particles, *log_weights [n]. The proposal, if any,
 * is proposed batched too. */
gen_status gen_importance_sampling_batched(const gen_gf *model, const gen_args *args,
                                           const gen_choicemap *obs, const gen_gf *proposal,
                                           const gen_args *proposal_args, int64_t n,
                                           gen_key key, gen_trace **trace,
                                           gen_array **log_weights, double *log_ml);

/* Importance resampling (sampling importance resampling): n particles as above, then
 * one trace drawn in proportion to the weights. */
gen_status gen_importance_resampling(const gen_gf *model, const gen_args *args,
                                     const gen_choicemap *obs, const gen_gf *proposal,
                                     const gen_args *proposal_args, int64_t n, gen_key key,
                                     gen_trace **trace, double *log_ml);

/* ---- Metropolis–Hastings ------------------------------------------------------------ */

/* One MH step that resimulates the choices sel contains from the prior (regenerate):
 * accepted with probability min(1, exp(regenerate's weight)). *out is the new trace or
 * tr itself (retained); *accepted may be NULL. */
gen_status gen_mh_select(const gen_trace *tr, const gen_selection *sel, gen_key key,
                         gen_trace **out, bool *accepted);

/* One MH step with a custom proposal: a generative function that reads the current
 * trace (passed as its args->user; proposal_args gives its arrays) and proposes new
 * values for some of the model's choices. Gen.jl's rule:
 *   (q, w_fwd) = propose(proposal, (tr, args)); (tr', w) = update(tr, q);
 *   w_bwd = assess(proposal, (tr', args), discard); accept with min(1, exp(w - w_fwd + w_bwd)).
 * The proposal must be able to propose the discarded values back (the discard holds
 * exactly the addresses it proposes). */
gen_status gen_mh_proposal(const gen_trace *tr, const gen_gf *proposal,
                           const gen_args *proposal_args, gen_key key, gen_trace **out,
                           bool *accepted);

/* ---- kernels and chains --------------------------------------------------------------- */

/* An MCMC kernel: a function from a trace to a trace (the input is borrowed; *out is a
 * new reference in the current scope, or the input retained), with its own payload. */
typedef gen_status (*gen_kernel_fn)(void *payload, const gen_trace *tr, gen_key key,
                                    gen_trace **out, bool *accepted);
typedef struct gen_kernel {
    gen_kernel_fn fn;
    void *payload;
} gen_kernel;

/* Ready-made kernels (their payload structs live as long as the kernel is used). */
typedef struct gen_mh_select_kernel {
    const gen_selection *sel;
} gen_mh_select_kernel;
gen_kernel gen_kernel_mh_select(gen_mh_select_kernel *k);

typedef struct gen_mh_proposal_kernel {
    const gen_gf *proposal;
    const gen_args *proposal_args; /* may be NULL */
} gen_mh_proposal_kernel;
gen_kernel gen_kernel_mh_proposal(gen_mh_proposal_kernel *k);

/* Composition: apply kernels in order (cycle), one picked at random with the given
 * probabilities (mixture), or one kernel repeated. The payload structs hold the parts. */
typedef struct gen_kernel_list {
    int n;
    const gen_kernel *kernels;
    const double *probs; /* mixture only: n probabilities summing to 1 */
} gen_kernel_list;
gen_kernel gen_kernel_cycle(gen_kernel_list *parts);
gen_kernel gen_kernel_mixture(gen_kernel_list *parts);
typedef struct gen_kernel_repeat {
    gen_kernel kernel;
    int times;
} gen_kernel_repeat;
gen_kernel gen_kernel_repeated(gen_kernel_repeat *r);

/* Applies k once: *out and *accepted as the kernel gives them. */
gen_status gen_kernel_apply(gen_kernel k, const gen_trace *tr, gen_key key, gen_trace **out,
                            bool *accepted);

/* A chain: burn_in steps, then draws * thin steps keeping every thin-th state. What is
 * kept: the values of the choices in sel (flattened in deep order, f64: see
 * gen_choicemap_flatten), as a [draws, dims] array in *samples, the final trace in
 * *final, and the acceptance rate over all steps (a step of a composite kernel counts as
 * accepted if any part accepted). Step s uses fold_in(key, s). Each step runs in its own
 * scope, so memory stays flat in the chain length. samples, final and accept_rate may
 * be NULL. */
typedef struct gen_chain_config {
    int64_t burn_in, draws, thin; /* thin >= 1 */
    const gen_selection *sel;     /* what to record; NULL: everything */
} gen_chain_config;
gen_status gen_run_chain(gen_kernel k, const gen_trace *init, gen_key key,
                         const gen_chain_config *cfg, gen_array **samples, gen_trace **final,
                         double *accept_rate);

/* n_chains chains in parallel on up to n_threads threads (<= 0: one per chain), chain
 * c from init[c] with key fold_in(key, c): *samples is [n_chains, draws, dims],
 * accept_rates (n_chains slots, may be NULL) their acceptance rates. The kernel and the
 * traces must be safe to use from several threads: the library's own objects are
 * (immutable, atomically refcounted); a kernel's payload must not be written. */
gen_status gen_run_chains(gen_kernel k, int n_chains, gen_trace *const *init, gen_key key,
                          const gen_chain_config *cfg, int n_threads, gen_array **samples,
                          double *accept_rates);

#ifdef __cplusplus
}
#endif
#endif
