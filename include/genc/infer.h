/* genc/infer.h — programmable inference on the GFI: importance sampling and
 * resampling, Metropolis–Hastings kernels, kernel composition and chains.
 *
 * Everything here is written against the GFI (genc/gfi.h), so it works for every
 * generative function: dynamic-DSL models, combinators, custom ones. Traces, arrays
 * and choice maps returned follow the usual ownership (the innermost open scope, or the
 * caller). Randomness comes from the key argument only; it follows the object a call acts
 * on (the trace, model or kernel: see genc.h), or comes first where there is none. */
#ifndef GENC_INFER_H
#define GENC_INFER_H

#include "genc/gfi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- progress and cancellation of long runs -------------------------------------------
 * Every call that runs for long (gen_run_chain(s), gen_nuts_sample, importance sampling,
 * enumeration; SMC and VI when they come) takes a gen_progress: a callback that hears
 * how far the run is and may stop it.
 *
 * When: once as each chain starts (done = the units it starts from: 0, or where a
 * resumed run picks up; a cancel requested earlier thus stops the call before any work),
 * then after each unit of work: an iteration (NUTS), a step (chains), a particle
 * (importance sampling; a batched run is one unit of n particles), a grid point
 * (enumeration). done grows by one unit per call of a chain, total is fixed for the
 * call, and phase names the phase of the unit just done (at the start: of the next).
 * Where: on the thread running the chain; with several chains on several threads the
 * call serializes the calls with a lock (one call at a time, so ud needs no lock of its
 * own), and calls of different chains interleave. The callback may call GenC functions
 * (in a scope of its own for what it creates: worker threads have none open), but must
 * not end scopes it did not begin, nor touch the objects the call is computing.
 * Cancel: returning false asks the call to stop. The chain stops before its next unit,
 * every other chain of the call at its next unit (chains not started do not start; the
 * callback is not called again), and the call returns GEN_CANCELLED with the results so
 * far, as each call documents, and the message "<call>: cancelled by the progress
 * callback (chain c, after k of n iterations)". A false after every chain's last unit
 * changes nothing (GEN_OK). */
typedef struct gen_progress_info {
    const char *call;    /* the reporting function, e.g. "gen_nuts_sample" */
    const char *phase;   /* "warmup" or "sampling" (NUTS), "burn_in" or "sampling" (chains),
                            "particles" (importance sampling), "grid" (enumeration) */
    int chain, n_chains; /* the chain reporting, of n_chains (0 of 1 without chains) */
    int64_t done, total; /* units of this chain done so far and in all (over its phases) */
} gen_progress_info;

/* Returns true to go on, false to cancel the run. */
typedef bool (*gen_progress_fn)(void *ud, const gen_progress_info *info);

/* A callback and its user data; fn NULL (a zeroed struct) is no callback. */
typedef struct gen_progress {
    gen_progress_fn fn;
    void *ud;
} gen_progress;

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
 * uses fold_in(key, i). traces, log_weights and log_ml may each be NULL.
 * A run stopped after k >= 1 particles, by a cancel (GEN_CANCELLED, see _with) or by an
 * error of particle k (its status and message), returns the k particles done: traces[0..k)
 * (the other slots NULL), *log_weights [k] and *log_ml over them (k particles are an
 * importance sampler of their own). With k = 0, and for errors of the arguments, the
 * outputs are NULL and *log_ml is not written. */
gen_status gen_importance_sampling(const gen_gf *model, gen_key key, const gen_args *args,
                                   const gen_choicemap *obs, const gen_gf *proposal,
                                   const gen_args *proposal_args, int64_t n, gen_trace **traces,
                                   gen_array **log_weights, double *log_ml);
/* The same with a progress callback (NULL: none; phase "particles", one unit per
 * particle). */
gen_status gen_importance_sampling_with(const gen_gf *model, gen_key key, const gen_args *args,
                                        const gen_choicemap *obs, const gen_gf *proposal,
                                        const gen_args *proposal_args, int64_t n,
                                        const gen_progress *progress, gen_trace **traces,
                                        gen_array **log_weights, double *log_ml);

/* The same with all n particles in one batched run (genc/gfi.h: batched execution):
 * *trace is one batched trace of n particles, *log_weights [n]. The proposal, if any,
 * is proposed batched too. On any failure the outputs are NULL (one run: no particle is
 * done before another). */
gen_status gen_importance_sampling_batched(const gen_gf *model, gen_key key, const gen_args *args,
                                           const gen_choicemap *obs, const gen_gf *proposal,
                                           const gen_args *proposal_args, int64_t n,
                                           gen_trace **trace, gen_array **log_weights,
                                           double *log_ml);
/* The same with a progress callback (NULL: none): the batched run is one unit of n
 * particles, so the callback hears done = 0 before it (a cancel there returns
 * GEN_CANCELLED with nothing run) and done = n after it. */
gen_status gen_importance_sampling_batched_with(const gen_gf *model, gen_key key,
                                                const gen_args *args, const gen_choicemap *obs,
                                                const gen_gf *proposal,
                                                const gen_args *proposal_args, int64_t n,
                                                const gen_progress *progress, gen_trace **trace,
                                                gen_array **log_weights, double *log_ml);

/* Importance resampling (sampling importance resampling): n particles as above, then
 * one trace drawn in proportion to the weights. On any failure, a cancel included,
 * *trace is NULL and *log_ml is not written (the one draw comes after all particles). */
gen_status gen_importance_resampling(const gen_gf *model, gen_key key, const gen_args *args,
                                     const gen_choicemap *obs, const gen_gf *proposal,
                                     const gen_args *proposal_args, int64_t n, gen_trace **trace,
                                     double *log_ml);
/* The same with a progress callback (NULL: none), as gen_importance_sampling_with. */
gen_status gen_importance_resampling_with(const gen_gf *model, gen_key key, const gen_args *args,
                                          const gen_choicemap *obs, const gen_gf *proposal,
                                          const gen_args *proposal_args, int64_t n,
                                          const gen_progress *progress, gen_trace **trace,
                                          double *log_ml);

/* ---- Metropolis–Hastings ------------------------------------------------------------ */

/* Batched traces (genc/gfi.h: batched execution). gen_mh_select, gen_mh_proposal,
 * gen_hmc and gen_mala take a batched trace of n particles as n chains: one batched
 * proposal for all of them, and each particle accepted or rejected on its own entry of
 * the [n] acceptance ratio with its own uniform (the key gives n of them); *out is one
 * batched trace whose particle i is the proposal's where particle i accepted, else the
 * input's (a rejected particle keeps its values exactly and its score, recomputed from
 * them). *accepted (may be NULL) is then true when some particle accepted; the [n]
 * acceptances come from gen_kernel_apply_batched with the kernel of each
 * (gen_kernel_mh_select, ...). A move that changes a particle's structure (a branch,
 * a Mask turned on) is merged with gen_trace_where.
 * A proposal the model rejects is rejected for that particle alone where it can be told:
 * HMC and MALA evaluate the chains again one by one when the evaluation of all of them
 * fails on a rejected point, so only the chains at rejected points are rejected; MH with
 * a proposal whose batched update or backward assess fails that way scores each particle
 * with scalar runs (gen_update of its own trace with its own proposed values, the
 * backward gen_assess), so only the particles whose proposals are refused are rejected.
 * A batched regenerate (gen_mh_select) that fails as a whole on a rejected point cannot
 * tell which particle caused it, nor can MH with a proposal when the trace has batched
 * arguments or its proposal changes a particle's structure: then every particle keeps
 * its state for this step (all rejected). That is still a correct MCMC step: whether the
 * batch fails depends on each particle's proposal alone, so the move of any one particle
 * is reversible given the others (a particle's move and its reverse are both made only
 * when the others' proposals are accepted by the model), but with many particles and
 * frequent refusals it slows mixing: keep such models' proposals inside their support
 * (e.g. HMC, which moves in unconstrained space). Other errors are returned. */

/* One MH step that resimulates the choices sel contains from the prior (regenerate):
 * accepted with probability min(1, exp(regenerate's weight)). *out is the new trace or
 * tr itself (retained); *accepted may be NULL. A proposal the model rejects (a refused
 * distribution parameter, a NaN density, GEN_ERR_LINALG: see gen_divergence) is
 * rejected, as in HMC and NUTS; other errors are returned. */
gen_status gen_mh_select(const gen_trace *tr, gen_key key, const gen_selection *sel,
                         gen_trace **out, bool *accepted);

/* One MH step with a custom proposal: a generative function that reads the current
 * trace (passed as its args->user; proposal_args gives its arrays) and proposes new
 * values for some of the model's choices. Gen.jl's rule:
 *   (q, w_fwd) = propose(proposal, (tr, args)); (tr', w) = update(tr, q);
 *   w_bwd = assess(proposal, (tr', args), discard); accept with min(1, exp(w - w_fwd + w_bwd)).
 * The proposal must be able to propose the discarded values back (the discard holds
 * exactly the addresses it proposes). An update the model rejects, or a backward assess
 * the proposal rejects, rejects the move (as gen_mh_select). */
gen_status gen_mh_proposal(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                           const gen_args *proposal_args, gen_trace **out, bool *accepted);

/* ---- unconstrained targets (gradient-based inference) ------------------------------------
 * A trace's selected continuous (f64 / f32) choices as one point theta in R^d: each
 * choice is mapped by the bijection of its distribution's support (gen_dist_bijection:
 * exp for positive values, a scaled sigmoid for intervals, stick-breaking for simplices,
 * ...), so every theta is valid. The log density at theta is the model's (assess of the
 * trace's choices with the selected ones at theta) plus the log-Jacobians of the
 * bijections; bijections with parameter-dependent bounds are evaluated inside the model
 * run, as Stan does. The selection must contain continuous choices only, at least one
 * (a discrete one cannot move: leave it out, e.g. with gen_selection_complement), and name
 * only addresses the trace has (select_all and complements name none). The user writes
 * no transform. The trace must be scalar (not batched), and its function
 * may call other functions and combinators (they take part). */
typedef struct gen_target gen_target;

/* A new target (caller-owned: gen_target_free) for tr's choices in sel; NULL with the
 * error, GEN_ERR_VALUE naming the address for a selection that names an address tr lacks
 * ("gen_target_new: model: the selection names muu, which the trace does not have"), one
 * that contains a discrete choice ("k is a discrete choice (i64), ...") or no continuous
 * one; a selected float choice whose support has no bijection, naming it. */
gen_target *gen_target_new(const gen_trace *tr, const gen_selection *sel);
void gen_target_free(gen_target *t);
/* d, the number of unconstrained coordinates (-1 for NULL). */
int64_t gen_target_dim(const gen_target *t);
/* The trace's own point, [d] (borrowed, valid while t is). */
const gen_array *gen_target_position(const gen_target *t);
/* The trace the target was made from (borrowed). */
const gen_trace *gen_target_base(const gen_target *t);
/* The log density at theta ([d]): a 0-d array, differentiable in theta (use it inside
 * gen_grad and friends). NULL on error. */
gen_array *gen_target_logpdf(const gen_target *t, const gen_array *theta);
/* The log density and its gradient [d] at theta, by reverse-mode autodiff. logp may be
 * NULL. A log density of -inf (theta outside the support) is returned with a gradient
 * that means nothing; a NaN or +inf one is GEN_ERR_VALUE, and so is a gradient with a
 * non-finite component where the log density is finite, naming the coordinate's address
 * ("x: the gradient of the log density is NaN where the log density is finite (-3)"). On
 * error *grad is NULL. Inference takes these for the model rejecting theta
 * (gen_divergence). */
gen_status gen_target_logpdf_grad(const gen_target *t, const gen_array *theta, double *logp,
                                  gen_array **grad);
/* The log density and its gradient at n points at once (n chains): theta [n, d] f64 on
 * any device; *logp [n] and *grad [n, d] on theta's device (new arrays in the current
 * scope). Each chain's values are what gen_target_logpdf_grad computes at its row, but
 * not judged: a log density of -inf, NaN or +inf is returned as it is (each chain's
 * caller decides what its point means), and a failed parameter check of the model is
 * the first failing chain's error, prefixed by it ("chain 3: y: normal: sigma must be
 * > 0, got -1 at index []"). With the target compiled (gen_target_compiled) and theta on
 * a CUDA device, one kernel evaluates every chain, one GPU thread each; otherwise the
 * chains are evaluated one by one. GEN_ERR_SHAPE for theta not [n, d] with n >= 1,
 * GEN_ERR_DTYPE for a theta not f64; on error *logp and *grad are NULL. */
gen_status gen_target_logpdf_grad_chains(const gen_target *t, const gen_array *theta, gen_array **logp,
                                         gen_array **grad);
/* The trace at theta: the base trace updated with the selected choices' constrained
 * values. */
gen_status gen_target_trace(const gen_target *t, const gen_array *theta, gen_trace **tr);
/* Whether t evaluates its log density and gradient through compiled code (genc/compile.h:
 * on by default when the model captures; false for NULL). */
bool gen_target_compiled(const gen_target *t);
/* "compiled", or "not compiled: " and why (the address a random value was read at, no C
 * compiler, an op without code generation, compilation off). Borrowed, valid while t is;
 * NULL for NULL. */
const char *gen_target_compile_note(const gen_target *t);

/* ---- gradient-based kernels and optimization -------------------------------------------- */

/* Batched traces (gen_hmc and gen_mala; see the MH section): every particle is a chain.
 * The target (gen_target) is made from particle 0, so the particles may differ in the
 * selected choices only: an unselected choice that differs between particles, a masked
 * value, or a batched argument is GEN_ERR_UNSUPPORTED naming it ("gen_hmc: nu: the
 * particles differ in this choice, which the selection leaves out: ..."; move such
 * choices with MH, which has no such limit). Every particle's point is stacked into
 * theta [n, d], all chains take their leapfrog steps together with one evaluation of
 * them all per step (gen_target_logpdf_grad_chains: with a compiled target and the
 * trace's values on a GPU, one kernel; on the CPU, chain by chain through the compiled
 * code), each accepts on its own, and one batched update writes the accepted points
 * back. A step on the trace the last batched step on this thread returned keeps its
 * target and points (no new target, no inverse transforms). Keys: split in two, the
 * first gives the n d standard normals of the momenta (MALA: of the proposal), chain c's
 * at [c d, (c + 1) d), the second the n uniforms. A chain's divergence (a point the model
 * rejects) stops that chain only; at the starting point it is an error naming the
 * particle ("gen_hmc: particle 3: the log density at the trace is -inf ..."). */

/* One HMC step on tr's choices in sel (in unconstrained space, see gen_target): momentum
 * p ~ N(0, M), n_leapfrog leapfrog steps of size step, accepted with probability
 * min(1, exp(H0 - H1)), H = -log density + p^T M^-1 p / 2. inv_metric is M^-1: NULL
 * (identity), an f64 [d] diagonal or an f64 [d, d] dense matrix. A trajectory that
 * reaches a point the model rejects (gen_divergence) is rejected; at tr's own point that
 * is an error, as is a log density of -inf. Other model errors are returned. n_leapfrog
 * is at most GEN_MAX_LEAPFROG, the bound on the gradient evaluations of one transition of
 * every HMC kernel (NUTS: 2^20 - 1 at max_depth 20); more is GEN_ERR_VALUE. */
#define GEN_MAX_LEAPFROG (1 << 20)
gen_status gen_hmc(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                   int n_leapfrog, const gen_array *inv_metric, gen_trace **out, bool *accepted);

/* One MALA step: theta' = theta + step^2/2 grad + step z, with the Metropolis-Hastings
 * correction for the asymmetric proposal. */
gen_status gen_mala(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                    gen_trace **out, bool *accepted);

/* The posterior mode (MAP) of tr's choices in sel: gradient ascent on the log density in
 * unconstrained space (so with the log-Jacobians: the mode of the unconstrained density)
 * with a backtracking (Armijo) line search, until the gradient norm is below tol, no step
 * improves, or max_iters. *out is the trace at the optimum, *logp (may be NULL) its value.
 * Deterministic: no key. (Named apart from the Map combinator's gen_map.) */
gen_status gen_posterior_mode(const gen_trace *tr, const gen_selection *sel, int max_iters,
                              double tol, gen_trace **out, double *logp);

/* ---- kernels and chains --------------------------------------------------------------- */

/* An MCMC kernel: a function from a trace to a trace (the input is borrowed; *out is a
 * new reference in the current scope, or the input retained), with its own payload.
 * On a batched trace (genc/gfi.h: batched execution) a kernel moves every particle, each
 * accepting or rejecting on its own, and fn's *accepted says whether some particle
 * accepted; fn_batched (called for batched traces only) gives the acceptances one per
 * particle instead: *accepted a new bool [n] array in the current scope. A kernel that
 * cannot tell them leaves fn_batched NULL (a kernel written as {fn, payload} does). */
typedef gen_status (*gen_kernel_fn)(void *payload, gen_key key, const gen_trace *tr,
                                    gen_trace **out, bool *accepted);
typedef gen_status (*gen_kernel_batched_fn)(void *payload, gen_key key, const gen_trace *tr,
                                            gen_trace **out, gen_array **accepted);
typedef struct gen_kernel {
    gen_kernel_fn fn;
    void *payload;
    gen_kernel_batched_fn fn_batched; /* may be NULL */
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

typedef struct gen_hmc_kernel {
    const gen_selection *sel;
    double step;
    int n_leapfrog;
    const gen_array *inv_metric; /* may be NULL */
} gen_hmc_kernel;
gen_kernel gen_kernel_hmc(gen_hmc_kernel *k);

typedef struct gen_mala_kernel {
    const gen_selection *sel;
    double step;
} gen_mala_kernel;
gen_kernel gen_kernel_mala(gen_mala_kernel *k);

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
/* The parts of a cycle (a kernel gen_kernel_cycle made): its list, or NULL when k is no
 * cycle. A cycle's *accepted says only whether some part accepted (a Gibbs part always
 * does); a program that wants each part's acceptance applies the parts itself, part i
 * with key fold_in(key, i), which is the cycle's step exactly. */
const gen_kernel_list *gen_kernel_cycle_parts(gen_kernel k);

/* Applies k once: *out and *accepted as the kernel gives them (on a batched trace:
 * whether some particle accepted). */
gen_status gen_kernel_apply(gen_kernel k, gen_key key, const gen_trace *tr, gen_trace **out,
                            bool *accepted);
/* Applies k once with each particle's acceptance: on a batched trace of n particles,
 * through k.fn_batched, *accepted (may be NULL) a new bool [n] array in the current scope
 * (particle i accepted: for a cycle or a repetition, some step accepted it; a mixture
 * picks one part for all particles); on a scalar trace, through k.fn, a 0-d bool.
 * Errors: GEN_ERR_MISUSE for a kernel without fn, a NULL out or trace; GEN_ERR_UNSUPPORTED
 * for a batched trace and a kernel without fn_batched ("gen_kernel_apply_batched: the
 * kernel has no batched function (fn_batched is NULL), ..."); GEN_ERR_CALLBACK when
 * fn_batched succeeds without a bool [n] array; the kernel's own errors. On error *out
 * and *accepted are NULL. The ready-made kernels above (MH with a selection or a
 * proposal, HMC, MALA) and the compositions below have fn_batched; the others
 * (involutive, reversible jump, elliptical slice, Gibbs, NUTS) refuse batched traces. */
gen_status gen_kernel_apply_batched(gen_kernel k, gen_key key, const gen_trace *tr, gen_trace **out,
                                    gen_array **accepted);

/* A chain: burn_in steps, then draws * thin steps keeping every thin-th state. What is
 * kept: the values of the choices in sel (flattened in deep order, f64: see
 * gen_choicemap_flatten), as a [draws, dims] array in *samples, the final trace in
 * *final, and the acceptance rate over all steps (a step of a composite kernel counts as
 * accepted if any part accepted). Step s uses fold_in(key, s). Each step runs in its own
 * scope, so memory stays flat in the chain length. samples, final and accept_rate may
 * be NULL. progress (phases "burn_in" and "sampling", one unit per step) may be zero.
 * A chain stopped early, by a cancel (GEN_CANCELLED) or by an error of a step (its status
 * and message, "gen_run_chain: step s: ..."), returns what it did before: *samples
 * [k, dims] with the k < draws states recorded (k may be 0), *final the trace after the
 * last step done (init if none), *accept_rate over the steps done. Errors of the
 * arguments leave every output NULL. */
typedef struct gen_chain_config {
    int64_t burn_in, draws, thin; /* thin >= 1 */
    const gen_selection *sel;     /* what to record; NULL: everything */
    gen_progress progress;        /* zero: none */
} gen_chain_config;
gen_status gen_run_chain(gen_kernel k, gen_key key, const gen_trace *init,
                         const gen_chain_config *cfg, gen_array **samples, gen_trace **final,
                         double *accept_rate);

/* n_chains chains in parallel on up to n_threads threads (<= 0: one per chain), chain
 * c from init[c] with key fold_in(key, c): *samples is [n_chains, draws, dims],
 * accept_rates (n_chains slots, may be NULL) their acceptance rates, draws_done
 * (n_chains slots, may be NULL) the draws each recorded: draws, or fewer when the call
 * stopped early. The kernel and the traces must be safe to use from several threads: the
 * library's own objects are (immutable, atomically refcounted); a kernel's payload must
 * not be written. An error of one chain stops that chain only; the call returns the
 * first failing chain's status ("gen_run_chains: chain c: ...") with the results of all,
 * the rows a chain did not record NaN. A cancel stops every chain (GEN_CANCELLED, with
 * the results so far in the same way). */
gen_status gen_run_chains(gen_kernel k, gen_key key, int n_chains, gen_trace *const *init,
                          const gen_chain_config *cfg, int n_threads, gen_array **samples,
                          double *accept_rates, int64_t *draws_done);

/* ---- involutive MCMC (reversible jump) ---------------------------------------------------
 * Gen.jl's mh(trace, proposal, proposal_args, involution). The proposal is a generative
 * function that reads the current trace (its args->user, as for gen_mh_proposal) and
 * proposes auxiliary choices u. The involution maps (the model's choices t, u) to (the new
 * model's choices t', the backward auxiliary choices u'); t' is applied with update. The
 * move is accepted with probability min(1, exp(log_alpha)),
 *   log_alpha = update weight - proposal score of u (at t) + proposal score of u'
 *               (assess at t') + log |det J|,
 * J the Jacobian of the involution's continuous part, computed by forward-mode autodiff.
 *
 * The involution's contract (so that it can run under autodiff):
 *  - it reads every continuous quantity from the maps it is given (model, aux), and
 *    builds the continuous values it returns with array operations from them: the
 *    library evaluates it once on the plain values and, for the Jacobian, on maps whose
 *    values are differentiable functions of a flat vector (gen_choicemap_unflatten);
 *  - discrete values (i64, bool) decide its structure (which addresses it writes);
 *    its structure must depend on nothing else. proposal_retval is the proposal's return
 *    value, for discrete information only (it is a constant under autodiff);
 *  - *new_model holds the model choices to change (constraints for update: new values,
 *    and every choice the new model run makes that t lacks); choices it leaves out keep
 *    their values, and choices the new run no longer makes are dropped. *bwd_aux holds
 *    the auxiliary choices that make the proposal at t' propose the move back. Both are
 *    new maps in the current scope; return GEN_OK or an error status (record a message
 *    with gen_error_set).
 * The Jacobian's inputs are the continuous values of the model's choices the move
 * consumes (those update discards: changed or dropped) and of u; its outputs those of
 * *new_model and *bwd_aux (choices kept unchanged map to themselves and drop out). Their
 * counts must match (GEN_ERR_VALUE naming both). The model args are passed for reading. */
typedef gen_status (*gen_involution_fn)(void *ud, const gen_args *model_args,
                                        const gen_choicemap *model, const gen_choicemap *aux,
                                        const gen_array *proposal_retval,
                                        gen_choicemap **new_model, gen_choicemap **bwd_aux);
typedef struct gen_involution {
    gen_involution_fn fn;
    void *ud;
} gen_involution;

/* The parts of a move's acceptance ratio. */
typedef struct gen_involutive_info {
    double log_alpha;     /* the sum below */
    double update_weight; /* log p(t') / p(t) from update */
    double fwd_score;     /* log q(u; t) */
    double bwd_score;     /* log q(u'; t') */
    double log_abs_det;   /* log |det J| (0 without continuous values) */
} gen_involutive_info;

/* One involutive MH step: *out is the new trace or tr (retained); *accepted may be NULL.
 * check: also apply the involution to (t', u') and fail (GEN_ERR_VALUE, naming the
 * address) unless it gives back t and u, each value within 1e-10 (1 + |value|). */
gen_status gen_mh_involutive(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                             const gen_args *proposal_args, gen_involution inv, bool check,
                             gen_trace **out, bool *accepted);
/* The move without the accept step: the proposed trace t' and the parts of its
 * acceptance ratio (info may be NULL). A move the model rejects (gen_divergence; or the
 * proposal, for the way back) gives tr itself with log_alpha -inf. */
gen_status gen_involutive_propose(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                                  const gen_args *proposal_args, gen_involution inv, bool check,
                                  gen_trace **proposed, gen_involutive_info *info);

typedef struct gen_involutive_kernel {
    const gen_gf *proposal;
    const gen_args *proposal_args; /* may be NULL */
    gen_involution involution;
    bool check;
} gen_involutive_kernel;
gen_kernel gen_kernel_involutive(gen_involutive_kernel *k);

/* ---- reversible jump: birth and death --------------------------------------------------
 * For a model with a count choice K (a 0-d i64 at count) whose components' choices live
 * under components/0 .. components/K-1 (and nothing else depends on which exist): a birth
 * (probability 1/2, 1 at min_count, 0 at max_count) adds components/K, its choices
 * proposed by component_proposal (a generative function whose args->user is the current
 * trace; its choices must be the component's, at the same addresses relative to
 * components/K); a death removes components/K-1, scored by component_proposal for the
 * way back. An involutive move (gen_mh_involutive; check as there): the acceptance ratio
 * is the model's ratio times the ratio of the move probabilities over the proposal's
 * density of the component born (or died). K must stay in [min_count, max_count]. */
typedef struct gen_birth_death {
    gen_addr count;
    gen_addr components;
    int64_t min_count, max_count;
    const gen_gf *component_proposal;
} gen_birth_death;
gen_status gen_mh_birth_death(const gen_trace *tr, gen_key key, const gen_birth_death *bd,
                              bool check, gen_trace **out, bool *accepted);

typedef struct gen_birth_death_kernel {
    gen_birth_death config;
    bool check;
} gen_birth_death_kernel;
gen_kernel gen_kernel_birth_death(gen_birth_death_kernel *k);

/* ---- reversible jump: split and merge ----------------------------------------------------
 * For a model laid out as for birth/death (a count choice K, a 0-d i64 at count, and the
 * components' choices under components/0 .. components/K-1; nothing else depends on
 * which exist): a split (probability 1/2, 1 at min_count, 0 at max_count) picks j
 * uniformly in 0 .. K-1, draws auxiliary choices u from aux_proposal and replaces
 * component j by two, written to components/j and the new components/K; a merge picks
 * j uniformly in 0 .. K-2 and joins components/j and components/K-1 into components/j
 * (dropping components/K-1), giving back the u that would split it again. A split of j
 * at K and the merge of j at K + 1 are each other's inverse.
 *
 * The move is involutive MCMC (gen_mh_involutive; check as there): the choice between
 * split and merge, j and u are the choices of the proposal the helper runs, so the
 * acceptance ratio counts the move probabilities (1/2, 1/K, 1/(K-1)), the density of u
 * and log |det J| of the transform (by forward-mode autodiff) without user arithmetic.
 *
 * aux_proposal: a generative function of one argument, j (a 0-d i64: the component
 * split), whose args->user is the current trace; its choices are u (under the address u
 * of the helper's proposal). split and merge: the transform and its inverse, on the
 * choices of components relative to their own address (a component whose choice is a
 * single value, e.g. mu/j, is a value map: gen_choicemap_value, gen_choicemap_of_value).
 * They follow the involution's contract (gen_involution_fn): continuous outputs built
 * with array operations from the values of the maps given, structure decided by
 * discrete values only; new maps in the current scope; GEN_OK or an error status (record
 * a message with gen_error_set). Continuous dimensions must match: those of one
 * component and u are those of two components. K must stay in [min_count, max_count],
 * 1 <= min_count < max_count; a count missing, not a 0-d i64 or out of range is an error
 * naming its address. */
typedef gen_status (*gen_split_fn)(void *ud, const gen_args *model_args,
                                   const gen_choicemap *component, const gen_choicemap *aux,
                                   gen_choicemap **first, gen_choicemap **second);
typedef gen_status (*gen_merge_fn)(void *ud, const gen_args *model_args,
                                   const gen_choicemap *first, const gen_choicemap *second,
                                   gen_choicemap **component, gen_choicemap **aux);
typedef struct gen_split_merge {
    gen_addr count;
    gen_addr components;
    int64_t min_count, max_count;
    const gen_gf *aux_proposal;
    gen_split_fn split;
    gen_merge_fn merge;
    void *ud; /* passed to split and merge */
} gen_split_merge;
/* One split/merge MH step: *out is the new trace or tr (retained); *accepted may be NULL. */
gen_status gen_mh_split_merge(const gen_trace *tr, gen_key key, const gen_split_merge *sm,
                              bool check, gen_trace **out, bool *accepted);
/* The move without the accept step, as gen_involutive_propose (info may be NULL): the
 * proposal's scores include the move probabilities. */
gen_status gen_split_merge_propose(const gen_trace *tr, gen_key key, const gen_split_merge *sm,
                                   bool check, gen_trace **proposed, gen_involutive_info *info);

typedef struct gen_split_merge_kernel {
    gen_split_merge config;
    bool check;
} gen_split_merge_kernel;
gen_kernel gen_kernel_split_merge(gen_split_merge_kernel *k);

/* ---- elliptical slice sampling -----------------------------------------------------------
 * Gen.jl's elliptical_slice(trace, addr, mu, cov) (Murray, Adams & MacKay 2010) for a
 * choice whose prior is N(mu, cov): a scalar (mu 0-d, cov 0-d: the variance) or a vector
 * (mu [n], cov [n, n]), the rest of the model being the likelihood. The likelihood ratio
 * of a candidate is update's weight minus the prior's ratio (Gen.jl uses update's weight
 * alone, which counts the prior twice). The step always moves (a slice sampler has no
 * rejection); if the bracket collapses (1000 shrinkages) the trace is kept. A candidate
 * the model rejects (gen_divergence) is off the slice. The caller vouches that the
 * model's prior at addr is N(mu, cov). */
gen_status gen_elliptical_slice(const gen_trace *tr, gen_key key, const gen_addr *addr,
                                const gen_array *mu, const gen_array *cov, gen_trace **out);

typedef struct gen_elliptical_kernel {
    gen_addr addr;
    const gen_array *mu, *cov;
} gen_elliptical_kernel;
gen_kernel gen_kernel_elliptical_slice(gen_elliptical_kernel *k);

/* ---- Gibbs sampling of choices with finite support -----------------------------------------
 * Each choice of tr that sel contains (in deep order; one that an earlier step removed is
 * skipped) is drawn from its exact conditional given the others: every candidate value v
 * is scored with update(tr, {addr: v}), whose weight is log p(v, rest) / p(current, rest),
 * and one is drawn in proportion. This is right for any model (the choice's distribution
 * may depend on other choices) as long as no candidate changes which choices the model
 * makes (else GEN_ERR_VALUE naming the address). Candidates must be distinct and cover the
 * choice's support (values outside it, and values the model rejects (gen_divergence), get
 * probability 0). sel must name only addresses tr has (a typo is GEN_ERR_VALUE naming it).
 *
 * The candidates: fn(ud, trace, addr) giving a [K, ...] array for the choice at addr
 * (borrowed or in the current scope), else the [K, ...] array values for every choice,
 * else the support of the distribution that made the choice, when it is finite
 * (gen_dist_enumerate: bernoulli, categorical, binomial, uniform_discrete, ...; found
 * by running the model at the current trace, so a support that depends on other
 * choices is right; models in the DSL and the combinators tell it), else {false, true}
 * for a bool choice; any other choice is an error naming it. Values are cast to the
 * choice's dtype. */
typedef gen_array *(*gen_candidates_fn)(void *ud, const gen_trace *tr, const gen_addr *addr);
typedef struct gen_candidates {
    gen_candidates_fn fn;    /* may be NULL */
    void *ud;
    const gen_array *values; /* may be NULL */
} gen_candidates;

/* One systematic scan over sel's choices; cand may be NULL (the supports the model tells). */
gen_status gen_gibbs(const gen_trace *tr, gen_key key, const gen_selection *sel,
                     const gen_candidates *cand, gen_trace **out);

typedef struct gen_gibbs_kernel {
    const gen_selection *sel;
    const gen_candidates *candidates; /* may be NULL */
} gen_gibbs_kernel;
gen_kernel gen_kernel_gibbs(gen_gibbs_kernel *k);

/* ---- exact enumeration ------------------------------------------------------------------
 * The posterior of model(args) given obs over a grid of its choices: each axis lists the
 * values of one choice. Discrete choices list their support (volumes NULL); continuous
 * ones are covered by cells, each listed by a point and its volume (e.g. midpoints of
 * [lo, hi] cut in n, volume (hi - lo) / n): the density at the point times the volume
 * stands for the cell's probability. Every choice the model makes must be observed or on
 * an axis (each grid point is scored with gen_assess). */
typedef struct gen_grid_axis {
    gen_addr addr;
    const gen_array *values;  /* [K, ...]: values[j] is the j-th value of the choice */
    const gen_array *volumes; /* NULL (discrete: 1), a 0-d volume for all, or [K] */
} gen_grid_axis;

/* Scores all prod K_i grid points. *log_probs (may be NULL) gets the normalized log
 * probabilities of the points, a flat [prod K_i] array in row-major order (axis 0
 * slowest); *log_ml (may be NULL) the log marginal likelihood log sum_p p(obs, x_p) vol_p.
 * obs may be NULL. Errors: an assess failure names the grid point; all points with
 * probability zero is GEN_ERR_VALUE; at most 64 axes and 2^32 points. */
gen_status gen_enumerate(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                         int n_axes, const gen_grid_axis *axes, gen_array **log_probs,
                         double *log_ml);
/* The same with a progress callback (NULL: none; phase "grid", one unit per grid point).
 * A cancel returns GEN_CANCELLED with no outputs (the probabilities need every point). */
gen_status gen_enumerate_with(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                              int n_axes, const gen_grid_axis *axes, const gen_progress *progress,
                              gen_array **log_probs, double *log_ml);

/* ---- the No-U-Turn sampler and Stan's warm-up ------------------------------------------
 * NUTS as in Stan (Hoffman and Gelman 2014; Betancourt 2017, "A Conceptual Introduction
 * to Hamiltonian Monte Carlo"): the trajectory doubles forwards or backwards at random
 * until the generalized no-U-turn criterion fails (checked on the whole tree, and across
 * the boundaries of merged subtrees as in Stan >= 2.26) or max_depth doublings; the new
 * state is drawn from the trajectory by multinomial sampling (biased progressive
 * sampling between subtrees). A leapfrog step whose energy error exceeds 1000, or that
 * reaches a point the model rejects (gen_divergence), is a divergence: the tree stops
 * growing; any other model error is returned. Positions are in unconstrained space
 * (gen_target); inv_metric as for gen_hmc (NULL: identity). */

/* Why a trajectory diverged. Where the model rejects a point (the last four), every
 * kernel agrees: MH, Gibbs and elliptical slice reject the proposal there, HMC and MALA
 * reject the trajectory, NUTS stops the tree; any other error of the model (an address
 * traced twice, a shape error, a failed callback, ...) is returned by all of them. At the
 * starting point each of these is an error naming its cause (for the gradient, the
 * address of the first non-finite component). */
typedef enum gen_divergence {
    GEN_DIVERGENCE_NONE = 0,
    GEN_DIVERGENCE_ENERGY,    /* the energy error exceeded 1000 (finite density and gradient) */
    GEN_DIVERGENCE_DENSITY,   /* the log density is -inf (outside the support), NaN or +inf */
    GEN_DIVERGENCE_GRADIENT,  /* the log density is finite, its gradient is not (NaN or inf) */
    GEN_DIVERGENCE_LINALG,    /* the model failed with GEN_ERR_LINALG (e.g. a cholesky of a
                                 matrix built from the position that is not positive definite) */
    GEN_DIVERGENCE_PARAMETER  /* a distribution refused a parameter computed from the position
                                 (e.g. normal's sigma underflowed to 0 or overflowed to inf) */
} gen_divergence;

/* What one transition did (Stan's sampler diagnostics). */
typedef struct gen_nuts_stats {
    double logp;        /* log density (with Jacobians) at the new state: lp__ */
    double accept_stat; /* the mean Metropolis acceptance probability over the tree */
    double step_size;
    int tree_depth;     /* completed doublings */
    int n_leapfrog;     /* leapfrog steps = gradient evaluations */
    bool divergent;
    double energy;      /* the Hamiltonian at the new state */
    gen_divergence divergence; /* why it diverged (GEN_DIVERGENCE_NONE when it did not) */
} gen_nuts_stats;

/* One NUTS transition on tr's choices in sel with step size step and at most max_depth
 * doublings: 1 to GEN_NUTS_MAX_DEPTH (a tree of 2^max_depth - 1 leapfrog steps at most),
 * 0 for Stan's 10; other values are GEN_ERR_VALUE ("gen_nuts: max_depth must be in
 * 1..20 (0: 10), got 40"). *out is the trace at the new state (tr retained when it did
 * not move); stats (may be NULL) receives the diagnostics. */
#define GEN_NUTS_MAX_DEPTH 20
gen_status gen_nuts(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                    const gen_array *inv_metric, int max_depth, gen_trace **out,
                    gen_nuts_stats *stats);

typedef struct gen_nuts_kernel {
    const gen_selection *sel;
    double step;
    const gen_array *inv_metric; /* may be NULL */
    int max_depth;               /* 0: 10; at most GEN_NUTS_MAX_DEPTH */
} gen_nuts_kernel;
/* NUTS as a kernel; "accepted" means the state moved. */
gen_kernel gen_kernel_nuts(gen_nuts_kernel *k);

typedef enum gen_metric_kind {
    GEN_METRIC_DIAG = 0,  /* diagonal, adapted in warm-up (Stan's default) */
    GEN_METRIC_UNIT = 1,  /* identity, not adapted */
    GEN_METRIC_DENSE = 2  /* dense, adapted in warm-up */
} gen_metric_kind;

/* How warm-up adapts the metric (gen_nuts_config.adapt; the schedules below it). */
typedef enum gen_metric_adapt {
    GEN_ADAPT_DEFAULT = 0,  /* GEN_ADAPT_LOW_RANK where warm-up adapts a diagonal metric
                               (metric GEN_METRIC_DIAG, no inv_metric), else GEN_ADAPT_STAN */
    GEN_ADAPT_STAN = 1,     /* Stan's windowed (co)variance of the draws (metric diagonal
                               or dense) */
    GEN_ADAPT_GRADIENT = 2, /* nutpie's: a diagonal from the variances of draws and of
                               gradients, in overlapping windows (metric diagonal) */
    GEN_ADAPT_LOW_RANK = 3  /* nutpie's low-rank modified metric: that diagonal and the
                               top eigen-directions of draws and gradients (metric diagonal) */
} gen_metric_adapt;

/* The transition gen_nuts_sample runs (Stan's `algorithm=hmc engine=...`). */
typedef enum gen_hmc_engine {
    GEN_ENGINE_NUTS = 0,      /* the No-U-Turn sampler (Stan's default) */
    GEN_ENGINE_HMC_STATIC = 1 /* HMC with a fixed integration time int_time: each
                                 transition takes L = max(1, floor(int_time / step))
                                 leapfrog steps and accepts with probability
                                 min(1, exp(H0 - H)); L follows the adapted step */
} gen_hmc_engine;

typedef struct gen_nuts_result gen_nuts_result; /* below */

/* NUTS (or static HMC) with warm-up. Defaults are in brackets, and a zero field takes
 * its default. The metric's warm-up is nutpie's low-rank schedule (GEN_ADAPT_LOW_RANK,
 * below) with target_accept 0.9: on the eight posteriordb posteriors of the benchmark
 * (docs/inference.md) it has the most ESS per second on 7 of 8 and needs the fewest
 * gradients; adapt = GEN_ADAPT_STAN runs Stan's windows, whose defaults are Stan's
 * (CmdStan's `sample` method; gen_nuts_config_stan() returns them all, and
 * gen_nuts_config_default() the library's):
 *   engine NUTS, max_depth [10];
 *   start: a point uniform in (-init_radius, init_radius) [2] in unconstrained space,
 *   drawn again until the log density and gradient are finite (init_at_trace: the
 *   initial trace's own point instead);
 *   step size: the initial step [1] is first doubled or halved until one leapfrog step's
 *   acceptance probability crosses 0.8, then adapted by dual averaging towards
 *   target_accept [0.9 with nutpie's schedules, 0.8 with Stan's] (gamma 0.05, t0 10,
 *   kappa 0.75, mu = log(10 step)); the final step is exp of the averaged log step;
 *   metric [diagonal]; Stan's schedule: windows after init_buffer [75] iterations, of
 *   base_window [25] doubling, ending term_buffer [50] before the warm-up ends (shrunk to
 *   15% / 75% / 10% of a warm-up shorter than their sum; none below 20 warm-up
 *   iterations); at the end of each window the inverse metric becomes the regularized
 *   sample (co)variance of its draws, (n / (n + 5)) var + 1e-3 (5 / (n + 5)) (times I
 *   when dense), and the step-size search and dual averaging restart;
 *   static HMC: int_time [2 pi] (Stan's; it is the period of a whitened Gaussian, so with
 *   a well-adapted metric and small steps a chain can come back near its start: give
 *   another int_time where the posterior is close to Gaussian).
 * adapt [GEN_ADAPT_DEFAULT: LOW_RANK for an adapted diagonal metric, else STAN] chooses
 * the metric's schedule; GRADIENT and LOW_RANK are nutpie's (nuts-rs's adapt strategy),
 * for the diagonal metric only (metric GEN_METRIC_DIAG, no inv_metric; else
 * GEN_ERR_VALUE). With W warm-up iterations, draw i = 0..W-1:
 *   start: the inverse metric is 1 / |grad| at the initial point (each entry clamped to
 *   [1e-20, 1e20], 1 where not finite); that point is the estimators' first draw; then
 *   the step size search and dual averaging (mu = log(10 step)) as above;
 *   windows: every draw before the step-size-only window (i < W - floor(0.15 W)) whose
 *   transition moved and did not diverge enters two estimators, the foreground and the
 *   background. The background becomes the foreground (and a new, empty background
 *   starts) when it holds adapt_early_window [10] draws while i < floor(0.3 W), or the
 *   current window's size after, which starts at max(adapt_window [80], the background's
 *   count at i = floor(0.3 W)) and grows after each switch to max(size + 1,
 *   round(1.5 size)); no switch whose next window would end past the step-size window;
 *   metric: at each switch and every adapt_update [1; 20 for low rank] draws, from the
 *   foreground when it holds >= 3 draws:
 *     GRADIENT: inverse metric diag_j = sqrt(var(draws_j) / var(grads_j)), clamped to
 *     [1e-20, 1e20] (a non-finite or zero value keeps the entry);
 *     LOW_RANK: s_j = that diag_j; in the space scaled by s (draws (x - mean) / sqrt(s),
 *     gradients (g - mean) sqrt(s)) the SPD geometric mean S of C_x = X X^T / 1e-5 + I and
 *     C_g^-1 (C_g = G G^T / 1e-5 + I: Fisher divergence's minimizer); of S's eigenpairs
 *     (lambda, u) those with lambda > 2 or lambda < 1/2, at most max_rank [10] of the
 *     largest |log lambda|, give M^-1 = diag(sqrt s) (I + U (Lambda - I) U^T) diag(sqrt s)
 *     (an update that fails or is not finite keeps the metric);
 *   step size: dual averaging throughout warm-up (also in the last floor(0.15 W) draws,
 *   when the metric is fixed); the search runs again only at the first metric update;
 *   the final step is exp of the averaged log step.
 * The low-rank eigen-problem is solved in the span of the window's draws and gradients
 * where that is smaller than d, as nuts-rs does (outside it both covariances are the
 * identity: the same metric, in O(d n^2 + n^3) for a window of n draws).
 * Differences from nuts-rs: Stan's step size search and dual averaging (no step jitter, no
 * cap at pi, the Metropolis acceptance statistic also late in warm-up); a diverging draw
 * never enters the estimators (nuts-rs keeps one that ended > 4 steps from the start).
 * These, tried, do not change the divergences on posteriordb's gp_pois_regr
 * (docs/inference.md: there nutpie diverges as often at 0.8; target_accept 0.9, the
 * default with nutpie's schedules, is the remedy).
 * init_inv_metric seeds the metric's warm-up (any of the three schedules): each chain
 * starts with it instead of the identity (Stan's) or 1 / |grad| (nutpie's), and warm-up
 * adapts from there as above (Stan's first window's estimate replaces it, nutpie's first
 * estimate from 3 draws does); e.g. gen_pathfinder_inits's inv_metric with its traces and
 * init_at_trace. f64 [d] for the diagonal metric (also nutpie's two schedules), [d, d]
 * for the dense (else GEN_ERR_SHAPE); positive, a dense one symmetric positive definite
 * (else GEN_ERR_VALUE); not with inv_metric or GEN_METRIC_UNIT (GEN_ERR_VALUE). A run
 * resumed from a seeded one must give init_inv_metric too (its values are not read
 * again: the chains' states hold the metric).
 * warmup and draws have no zero default (warmup 0 is no warm-up; draws must be >= 1):
 * both initializers set Stan's 1000 and 1000. */
typedef struct gen_nuts_config {
    int64_t warmup, draws;       /* iterations of each phase (warmup >= 0, draws >= 1) */
    gen_metric_kind metric;      /* what warm-up adapts; ignored if inv_metric is given */
    const gen_array *inv_metric; /* a fixed inverse metric (no metric adaptation); NULL */
    const gen_array *init_inv_metric; /* the inverse metric warm-up starts from and adapts
                                         (below); NULL: the identity (Stan's), 1 / |grad|
                                         (nutpie's) */
    double step;                 /* initial step size [1] */
    bool fixed_step;             /* keep step as given (no heuristic, no dual averaging) */
    int max_depth;               /* [10], at most GEN_NUTS_MAX_DEPTH */
    double target_accept;        /* [0.9 nutpie's schedules, 0.8 Stan's] */
    int64_t init_buffer, term_buffer, base_window; /* [75, 50, 25] */
    double init_radius;          /* [2] the random start's radius (above) */
    bool init_at_trace;          /* start at each initial trace's own point, not a random one */
    gen_hmc_engine engine;       /* [NUTS] */
    double int_time;             /* static HMC's integration time [2 pi] */
    gen_metric_adapt adapt;      /* how warm-up adapts the metric [GEN_ADAPT_DEFAULT] */
    int64_t adapt_window;        /* nutpie's first main window [80] */
    int64_t adapt_early_window;  /* nutpie's early window [10] */
    int64_t adapt_update;        /* nutpie's metric update every [1, low rank 20] draws */
    int max_rank;                /* low rank's most eigen-directions [10] (at most d) */
    const gen_selection *record; /* the choices to record; NULL: sel */
    gen_progress progress;       /* phases "warmup" and "sampling", one unit per iteration;
                                    zero: none */
    const gen_nuts_result *resume; /* continue the chains of this earlier result (below);
                                      NULL: a new run */
} gen_nuts_config;

/* The library's defaults, every field set (the values in brackets above: the low-rank
 * schedule, target_accept 0.9), 1000 warm-up iterations and 1000 draws: start from this
 * rather than from zeros, and change what differs. */
gen_nuts_config gen_nuts_config_default(void);
/* Stan's sampler as CmdStan's `sample` runs it by default, every field set: the
 * defaults with adapt GEN_ADAPT_STAN and target_accept 0.8. */
gen_nuts_config gen_nuts_config_stan(void);

/* The columns of gen_nuts_result.stats, in the order of Stan's output. */
enum {
    GEN_NUTS_LP = 0,
    GEN_NUTS_ACCEPT_STAT,
    GEN_NUTS_STEP_SIZE,
    GEN_NUTS_TREE_DEPTH,
    GEN_NUTS_N_LEAPFROG,
    GEN_NUTS_DIVERGENT,
    GEN_NUTS_ENERGY,
    GEN_NUTS_DIVERGENCE, /* gen_divergence, as a number (not a Stan column) */
    GEN_NUTS_NSTATS
};

/* The chains' state at the end of a run: each chain's position, iteration count, step
 * size and inverse metric, and its warm-up's state (dual averaging, the position in the
 * window schedule, the running (co)variance of the window), with its final trace. It is
 * what gen_nuts_config.resume continues from. Owned as the result's arrays are: by the
 * scope open at the call, or, with none open, by the caller, who ends it with
 * gen_nuts_state_release. Immutable; safe to read from several threads. */
typedef struct gen_nuts_state gen_nuts_state;
void gen_nuts_state_release(gen_nuts_state *state);

/* What gen_nuts_sample returns (arrays in the current scope). A run that stopped early
 * (below) has rows it did not reach: NaN in draws, unconstrained and stats; draws_done
 * and iterations_done say how many rows each chain filled. */
typedef struct gen_nuts_result {
    gen_array *draws;         /* [chains, draws, dims]: the recorded choices, flattened
                                 (gen_choicemap_flatten), constrained values */
    gen_array *unconstrained; /* [chains, draws, d]: the positions */
    gen_array *stats;         /* [chains, warmup + draws, GEN_NUTS_NSTATS] */
    gen_array *step_size;     /* [chains]: the adapted step sizes (during warm-up: the
                                 current ones) */
    gen_array *inv_metric;    /* [chains, d] (unit, diagonal) or [chains, d, d] (dense,
                                 and low rank: the dense matrix it equals) */
    gen_array *seconds;       /* [chains, 2]: wall time of warm-up and of sampling */
    gen_array *draws_done;    /* [chains] i64: draws recorded (draws when complete) */
    gen_array *iterations_done; /* [chains] i64: iterations done, warm-up and sampling */
    gen_nuts_state *state;    /* the chains' final state, to resume from */
    gen_trace *const *traces; /* [chains]: each chain's final trace, at its last
                                 position (its initial trace if it did not start);
                                 borrowed from state */
} gen_nuts_result;

/* n_chains chains of warm-up then sampling, chain c from init[c], on up to n_threads
 * threads (<= 0: one per chain).
 * Keys: chain c uses k = fold_in(key, c), split in 4: the initial point (attempt a:
 * fold_in(k0, a)), the first step size search (k1), the transitions (iteration i, counted
 * over warm-up and sampling: fold_in(k2, i)) and the searches after each metric window
 * (the j-th: fold_in(k3, j)).
 * Stopping early: a cancel (GEN_CANCELLED, progress above) stops every chain; an error of
 * a chain (the model's, the sampler's: "gen_nuts_sample: chain c: ...") stops that chain,
 * the others run on, and the call returns the first failing chain's status. Either way
 * out holds the results so far (the rows done, the state at each chain's last completed
 * iteration). Errors of the arguments, and running out of memory for the results, leave
 * the fields of out NULL.
 * Resuming: with cfg->resume a result of an earlier call (complete, cancelled or
 * stopped by an error; its arrays and state alive), each chain goes on from its state:
 * the warm-up where it stopped (the same schedule), then sampling with the adapted step
 * size and metric, until cfg->draws draws, so draws may grow to draw more. cfg must have
 * the settings of the run resumed except draws, progress and resume (GEN_ERR_VALUE naming
 * the one that differs), sel the same dimension, n_chains the same; init is not read (may
 * be NULL: the chains go on from their states' traces). out covers the whole run: the
 * earlier rows are copied from cfg->resume's arrays, and seconds add up. With the same
 * key, a run cancelled and resumed, or run in parts, gives the same draws, statistics
 * and adaptation as one uninterrupted run. A chain that failed inside a warm-up window's
 * update (the metric estimate or the step size search after it) cannot be resumed
 * (GEN_ERR_VALUE). */
gen_status gen_nuts_sample(gen_key key, int n_chains, gen_trace *const *init,
                           const gen_selection *sel, const gen_nuts_config *cfg, int n_threads,
                           gen_nuts_result *out);

/* ---- Pathfinder: variational approximation and starts for NUTS -------------------------
 * Pathfinder (Zhang, Carpenter, Gelman and Vehtari 2022; Stan's `pathfinder` method):
 * from a start in unconstrained space (gen_target: the log density with the Jacobians),
 * L-BFGS climbs the log density; at each iterate the normal approximation N(mu, H) is
 * formed whose covariance H is the L-BFGS inverse-Hessian estimate (a diagonal, updated
 * from each (s, y) pair, plus a low-rank term from the last `history` pairs, Byrd,
 * Nocedal and Schnabel's compact form) and whose mean is the iterate plus H times the
 * gradient (one Newton step); its ELBO, E_q[log p - log q], is estimated with elbo_draws
 * draws; the iterate with the best ELBO is kept and `draws` draws are taken from it (the
 * ELBO's draws among them). Several paths (multi-path Pathfinder): each path from its own
 * random start, then multi_draws draws resampled with replacement from the pooled draws
 * by Pareto-smoothed importance weights (PSIS, Vehtari et al. 2024) exp(log p - log q).
 * Defaults in brackets are Stan's; a zero field takes its default. */
typedef struct gen_pathfinder_config {
    int history;            /* [5] (s, y) pairs of the L-BFGS history and the low rank */
    int max_iters;          /* [1000] L-BFGS iterations */
    int elbo_draws;         /* [25] draws estimating each iterate's ELBO */
    int64_t draws;          /* [1000] draws of each path */
    int paths;              /* [4] paths; 1 runs single-path Pathfinder (no resampling) */
    int64_t multi_draws;    /* [1000] draws resampled from the paths' (paths > 1) */
    double init_radius;     /* [2] each path starts uniform in (-r, r)^d, drawn again
                               until the log density and gradient are finite */
    bool init_at_trace;     /* every path starts at the trace's own point instead */
    double init_alpha;      /* [1e-3] the first line search's step */
    double tol_obj;         /* [1e-12] convergence: absolute change of -log p */
    double tol_rel_obj;     /* [1e4] relative change of -log p, in units of DBL_EPSILON */
    double tol_grad;        /* [1e-8] gradient norm */
    double tol_rel_grad;    /* [1e7] g^T H g / max(|log p|, 1), in units of DBL_EPSILON */
    double tol_param;       /* [1e-8] norm of the last step */
    bool covariance;        /* also return each path's dense covariance (d^2 doubles) */
} gen_pathfinder_config;

/* What gen_pathfinder returns (arrays in the current scope; n: multi_draws when paths >
 * 1, else draws; P: paths). */
typedef struct gen_pathfinder_result {
    gen_array *draws;         /* [n, dims]: the selected choices, flattened
                                 (gen_choicemap_flatten), constrained values */
    gen_array *unconstrained; /* [n, d]: the draws in unconstrained space */
    gen_array *logp;          /* [n]: log density (with Jacobians) of each draw */
    gen_array *logq;          /* [n]: log density of each draw under its path's normal */
    gen_array *elbo;          /* [P]: each path's best ELBO estimate */
    gen_array *best_iter;     /* [P] i64: the L-BFGS iteration (1, 2, ...) of that ELBO */
    gen_array *iters;         /* [P] i64: the L-BFGS iterations each path ran */
    gen_array *mean;          /* [P, d]: each path's approximation's mean */
    gen_array *cov;           /* [P, d, d]: its covariance (with config.covariance;
                                 else NULL) */
    gen_array *inv_metric;    /* [d]: the variance of the unconstrained draws, an inverse
                                 metric for gen_nuts_config.inv_metric or
                                 init_inv_metric */
    double pareto_k;          /* PSIS's Pareto k of the pooled weights (NaN for one path,
                                 or too few draws to fit); above 0.7 the approximation
                                 is poor */
    int64_t n_evals;          /* log density (and gradient) evaluations, all paths */
} gen_pathfinder_result;

/* Pathfinder on tr's choices in sel (gen_target's selection rules) with cfg (NULL: the
 * defaults). Keys: path p uses fold_in(key, p) split in 3: the start (attempt a:
 * fold_in(k0, a)), the ELBO draws of iteration i (fold_in(k1, i)), the final draws (k2);
 * the resampling uses fold_in(key, paths). A path whose start the model rejects in 100
 * tries, or that finds no approximation with a finite ELBO, is dropped (a message names
 * it when every path is: GEN_ERR_VALUE "gen_pathfinder: path 0: no initial point with a
 * finite log density and gradient in 100 tries"); other model errors are returned,
 * prefixed by the path. A bad config field is GEN_ERR_VALUE naming it ("gen_pathfinder:
 * history must be >= 0 (0: 5), got -1"). On error the fields of out are NULL. Paths run
 * one after another on the calling thread. */
gen_status gen_pathfinder(gen_key key, const gen_trace *tr, const gen_selection *sel,
                          const gen_pathfinder_config *cfg, gen_pathfinder_result *out);

/* The trace at draw i of r (a new reference in the current scope): tr updated with the
 * selected choices at the draw's unconstrained point; tr and sel as given to
 * gen_pathfinder. GEN_ERR_VALUE for i outside the draws or a selection of another
 * dimension. */
gen_status gen_pathfinder_trace(const gen_trace *tr, const gen_selection *sel,
                                const gen_pathfinder_result *r, int64_t i, gen_trace **out);

/* n starting traces for NUTS or HMC chains (with gen_nuts_config.init_at_trace): runs
 * gen_pathfinder (key, cfg) and returns the traces at its first n draws in out[0..n)
 * (new references in the current scope). n must be at most the number of draws
 * (GEN_ERR_VALUE); errors are gen_pathfinder's. inv_metric (may be NULL) receives the
 * draws' variance ([d], in the current scope): a fixed inverse metric for the chains
 * (gen_nuts_config.inv_metric) or the one their warm-up starts from (init_inv_metric). */
gen_status gen_pathfinder_inits(gen_key key, const gen_trace *tr, const gen_selection *sel,
                                 const gen_pathfinder_config *cfg, int n, gen_trace **out,
                                 gen_array **inv_metric);
/* ---- many chains at once: ChEES-HMC on a batched trace -----------------------------------
 * ChEES-HMC (Hoffman, Radul and Sountsov 2021, "An Adaptive-MCMC Scheme for Setting
 * Trajectory Lengths in Hamiltonian Monte Carlo"): the n particles of a batched trace are
 * n HMC chains that share one step size eps, one trajectory length T and one diagonal
 * metric, all three adapted in warm-up from statistics across the chains. The chains take
 * their leapfrog steps in lockstep, every chain evaluated at once per step
 * (gen_target_logpdf_grad_chains: with a compiled target and the trace's values on a GPU,
 * one kernel), and each accepts on its own. The batched trace is as for gen_hmc (the
 * particles may differ in the selected choices only; positions in unconstrained space,
 * gen_target); each chain starts at its particle's point.
 * Iteration i (counted over warm-up and sampling): every chain draws momenta p ~ N(0, M)
 * and takes L_i = ceil(u_i T / eps) leapfrog steps (at most max_leapfrog), u_i in (0, 1]
 * the jitter: the van der Corput (base 2 Halton) point of i + 1 [halton], a uniform, or 1;
 * each chain accepts with probability min(1, exp(H0 - H)). A trajectory that reaches a
 * point the model rejects (gen_divergence), or whose energy error H - H0 exceeds 1000, is
 * divergent and rejected.
 * Warm-up, after each iteration (as BlackJAX's chees_adaptation, with the metric added):
 *   eps: dual averaging (gamma 0.05, t0 10, kappa 0.75, mu = log(10 eps0)) of
 *   target_accept [0.651] minus the harmonic mean of the acceptance probabilities of the
 *   chains that did not diverge (0 if all did);
 *   T: Adam (learning_rate [0.025], betas 0.9 and 0.999, epsilon 1e-8) ascending the ChEES
 *   criterion E[(|x' - E x'|^2 - |x - E x|^2)^2] / 4 in log T, each step clipped to
 *   +-0.35, with the gradient estimate the acceptance-weighted mean over the chains that
 *   did not diverge of u_i T (|x' - m'|^2 - |x - m|^2) (x' - m') . p', where x is a
 *   chain's start, x' and p' its proposal, m the chains' mean start and m' their
 *   acceptance-weighted mean proposal, with norms in the metric's whitened coordinates
 *   (|v|^2 = sum_k v_k^2 / Minv_k); the T used is exp of the moving average of log T
 *   (weight k^-1/2 at warm-up iteration k), within [eps, max_leapfrog eps];
 *   the metric [diagonal]: Minv the chains' cross-chain variance of their positions after
 *   the iteration, regularized as Stan's, (n / (n + 5)) var + 1e-3 (5 / (n + 5)) (not
 *   adapted with fewer than 2 chains);
 *   eps0: cfg->step [1], doubled or halved until the chains' mean acceptance probability
 *   of one leapfrog step crosses 0.8 (Stan's heuristic, all chains at once); T0 = cfg->step
 *   (as BlackJAX: the step given, before the heuristic).
 * After warm-up, eps and T are exp of the moving averages of log eps and log T (weight
 * k^-1/2), so that L_i = ceil(u_i exp(mean log T - mean log eps)). */
typedef enum gen_chees_jitter {
    GEN_JITTER_HALTON = 0,  /* u_i the van der Corput point of i + 1 (default) */
    GEN_JITTER_UNIFORM = 1, /* u_i uniform in (0, 1] */
    GEN_JITTER_NONE = 2     /* u_i = 1: T / eps steps every iteration */
} gen_chees_jitter;

/* Defaults in brackets; a zero field takes its default (gen_chees_config_default()
 * returns them all, with 1000 warm-up iterations and 1000 draws). */
typedef struct gen_chees_config {
    int64_t warmup, draws;       /* iterations of each phase (warmup >= 0, draws >= 1) */
    gen_metric_kind metric;      /* [GEN_METRIC_DIAG] cross-chain; GEN_METRIC_UNIT: identity;
                                    GEN_METRIC_DENSE is GEN_ERR_UNSUPPORTED */
    const gen_array *inv_metric; /* a fixed f64 [d] inverse metric (not adapted); NULL */
    double step;                 /* initial step size [1] */
    bool fixed_step;             /* keep step as given (no heuristic, no dual averaging) */
    double traj_length;          /* initial trajectory length T [step, before the heuristic] */
    bool fixed_traj_length;      /* keep traj_length as given (no Adam) */
    double target_accept;        /* [0.651], in (0, 1) */
    double learning_rate;        /* Adam's, on log T [0.025] */
    int max_leapfrog;            /* [1000], at most GEN_MAX_LEAPFROG */
    gen_chees_jitter jitter;     /* [GEN_JITTER_HALTON] */
    gen_progress progress;       /* [none]: called as the run starts and after each
                                    iteration, as one chain (chain 0 of 1: the chains
                                    advance together); a cancel before the last
                                    iteration returns GEN_CANCELLED and nothing */
} gen_chees_config;

gen_chees_config gen_chees_config_default(void);

/* What gen_chees_sample returns (arrays in the current scope, or the caller's with none
 * open). */
typedef struct gen_chees_result {
    gen_array *draws;         /* [chains, draws, dims]: the selected choices, flattened in
                                 deep order, constrained values */
    gen_array *unconstrained; /* [chains, draws, d]: the positions */
    gen_array *stats;         /* [chains, warmup + draws, GEN_NUTS_NSTATS]: gen_nuts_sample's
                                 columns; accept_stat min(1, exp(H0 - H)) (0 when divergent),
                                 tree_depth 0, n_leapfrog L_i, energy H at the new state */
    gen_array *inv_metric;    /* [d]: the (shared) inverse metric of the draws */
    double step_size;         /* eps of the draws */
    double traj_length;       /* T of the draws (mean leapfrog steps T / eps / 2 with halton) */
    gen_trace *trace;         /* the batched trace at the chains' final positions */
} gen_chees_result;

/* n chains of ChEES-HMC (above) on the batched trace tr of n particles, moving its
 * choices in sel. Keys: split in 3: the step size search (attempt a: fold_in(k0, a)), the
 * iterations (iteration i: fold_in(k1, i), split in 3: the n d standard normals of the
 * momenta, chain c's at [c d, (c + 1) d), the n uniforms of the acceptances, the jitter's
 * uniform), k2 unused. Errors: GEN_ERR_MISUSE for a NULL tr, sel, cfg or out; GEN_ERR_VALUE
 * for a scalar tr ("gen_chees_sample: the trace is not batched ..."), a bad setting
 * naming it ("gen_chees_sample: target_accept must be in (0, 1), got 1.5"), an inverse
 * metric not f64 [d] or not positive; GEN_ERR_UNSUPPORTED as gen_hmc's on batched traces;
 * a chain whose starting point the model rejects names its particle; other errors of the
 * model are returned. On error every field of out is NULL (0 for the doubles). */
gen_status gen_chees_sample(const gen_trace *tr, gen_key key, const gen_selection *sel,
                            const gen_chees_config *cfg, gen_chees_result *out);

/* ---- many chains at once: NUTS on a batched trace -----------------------------------------
 * The n particles of a batched trace as n NUTS chains (the batched trace as for gen_hmc:
 * the particles may differ in the selected choices only; positions in unconstrained
 * space, gen_target; each chain starts at its particle's point). Each chain builds its
 * own tree by gen_nuts's rules (Stan's multinomial NUTS: doubling in a random direction,
 * uniform progressive sampling within subtrees and biased between the old tree and a new
 * subtree, the generalized no-U-turn criterion with the checks across merged subtrees,
 * divergence at an energy error above 1000 or a point the model rejects, at most
 * 2^max_depth - 1 leapfrog steps), the trees built in lockstep: each leapfrog step
 * evaluates the points of all chains whose tree still grows at once
 * (gen_target_logpdf_grad_chains: with a compiled target and the trace's values on a
 * GPU, one kernel); a chain whose tree has ended waits for the iteration's last one.
 * Chain 0 makes exactly gen_nuts's transitions (with the same step, metric, max_depth and
 * key: iteration i's key below), as the draws of every chain are the rows of draws whose
 * first row is a scalar draw's.
 * Warm-up (Stan's, gen_nuts_config's defaults and schedule):
 *   step size: per chain: cfg->step [1] doubled or halved until one leapfrog step's
 *   acceptance probability crosses 0.8 (the chains' searches in lockstep), then dual
 *   averaging (gamma 0.05, t0 10, kappa 0.75, mu = log(10 eps)) of target_accept [0.8]
 *   minus the chain's accept statistic; each chain's final step is exp of its averaged
 *   log step;
 *   metric [diagonal], pooled: one inverse metric for every chain, Stan's windows
 *   (init_buffer [75], base_window [25] doubling, term_buffer [50]; shrunk as Stan's for
 *   a short warm-up, none below 20 iterations), at each window's end the regularized
 *   variance of the N = n x (window length) positions of every chain in the window (about
 *   their common mean), (N / (N + 5)) var + 1e-3 (5 / (N + 5)), or with adapt
 *   GEN_ADAPT_GRADIENT sqrt(var(positions) / var(gradients)) over the same N points (on a
 *   Gaussian sqrt(Sigma_kk / P_kk), P the precision: the diagonal metric that best fits
 *   the target's gradients, as nutpie's); then every chain's step size search and dual
 *   averaging restart. */
typedef struct gen_nuts_batched_config {
    int64_t warmup, draws;       /* iterations of each phase (warmup >= 0, draws >= 1) */
    gen_metric_kind metric;      /* [GEN_METRIC_DIAG] pooled; GEN_METRIC_UNIT: identity;
                                    GEN_METRIC_DENSE is GEN_ERR_UNSUPPORTED */
    const gen_array *inv_metric; /* a fixed f64 [d] inverse metric (not adapted); NULL */
    double step;                 /* initial step size [1] */
    bool fixed_step;             /* keep step as given (no search, no dual averaging) */
    int max_depth;               /* [10], at most GEN_NUTS_MAX_DEPTH */
    double target_accept;        /* [0.8], in (0, 1) */
    int64_t init_buffer, term_buffer, base_window; /* [75, 50, 25] */
    gen_metric_adapt adapt;      /* the windows' estimate: [GEN_ADAPT_STAN] the positions'
                                    variance; GEN_ADAPT_GRADIENT nutpie's sqrt(var(positions)
                                    / var(gradients)), unregularized; LOW_RANK unsupported */
    gen_progress progress;       /* [none]: as gen_chees_config's (one chain: the chains
                                    advance together; a cancel returns nothing) */
} gen_nuts_batched_config;

/* The defaults (a zero field takes its own), 1000 warm-up iterations and 1000 draws. */
gen_nuts_batched_config gen_nuts_batched_config_default(void);

/* What gen_nuts_sample_batched returns (arrays in the current scope, or the caller's with
 * none open). */
typedef struct gen_nuts_batched_result {
    gen_array *draws;         /* [chains, draws, dims]: the selected choices, flattened in
                                 deep order, constrained values */
    gen_array *unconstrained; /* [chains, draws, d]: the positions */
    gen_array *stats;         /* [chains, warmup + draws, GEN_NUTS_NSTATS]: gen_nuts_sample's
                                 columns (the divergence's reason too) */
    gen_array *step_size;     /* [chains]: each chain's step size of the draws */
    gen_array *inv_metric;    /* [d]: the (shared) inverse metric of the draws */
    gen_trace *trace;         /* the batched trace at the chains' final positions */
} gen_nuts_batched_result;

/* n chains of NUTS (above) on the batched trace tr of n particles, moving its choices in
 * sel. Keys: split in 3: the first step size search (attempt a: fold_in(k0, a): the n d
 * standard normals of the momenta, chain c's at [c d, (c + 1) d)), the iterations
 * (iteration i: ki = fold_in(k1, i): the momenta from fold_in(ki, 0) as above, the
 * uniforms in blocks of 64 per chain, block b from fold_in(fold_in(ki, 1), b), chain c's
 * at [64 c, 64 (c + 1))), the searches after the metric windows (the j-th: fold_in(k2, j),
 * as k0). Errors: GEN_ERR_MISUSE for a NULL tr, sel, cfg or out; GEN_ERR_VALUE for a
 * scalar tr ("gen_nuts_sample_batched: the trace is not batched ..."), a bad setting
 * naming it ("gen_nuts_sample_batched: max_depth must be in 1..20 (0: 10), got 40"), an
 * inverse metric not f64 [d] or not positive, a step size search that fails (naming the
 * chain); GEN_ERR_UNSUPPORTED as gen_hmc's on batched traces; a chain whose starting point
 * the model rejects names its particle; other errors of the model are returned. On error
 * every field of out is NULL. */
gen_status gen_nuts_sample_batched(const gen_trace *tr, gen_key key, const gen_selection *sel,
                                   const gen_nuts_batched_config *cfg, gen_nuts_batched_result *out);

#ifdef __cplusplus
}
#endif
#endif
