/* genc/smc.h — sequential Monte Carlo: the particle filter as a library object, one
 * particle (one scalar trace) at a time, in the manner of Gen.jl's
 * initialize_particle_filter / particle_filter_step! / maybe_resample! / log_ml_estimate.
 *
 * A filter (gen_pf) holds n particles: n traces of one model and their unnormalized log
 * weights. It starts with gen_pf_init (importance sampling of the first observations),
 * then each gen_pf_step moves every trace to new arguments and observations with
 * gen_update. Written with Unfold (genc/comb.h), step t passes the length argument grown
 * by one and argdiffs saying only it changed, so a step reruns the new step's kernel only
 * and its cost does not grow with t. Between steps: gen_pf_maybe_resample and
 * gen_pf_rejuvenate (any gen_kernel).
 *
 * Ownership. The filter owns its traces (one reference each; a trace picked several
 * times by resampling is shared, with one reference per slot), independent of scopes:
 * create it anywhere and end it with gen_pf_free. Queries returning arrays or traces give
 * new references in the current scope (or the caller's, with none open); gen_pf_traces
 * is the one borrowed view. Randomness comes only from the key arguments; particle i of a
 * call uses fold_in(key, i).
 *
 * Errors never abort, and a failed call leaves the filter as it was before the call (a
 * step, a resampling or a rejuvenation is applied to all particles or to none), with the
 * message naming the call and the particle ("gen_pf_step: particle 7: y/3: normal: sigma
 * must be > 0, got -1"). NaN log weights are an error naming the particle; -inf weights
 * (a particle the observations rule out) are allowed. */
#ifndef GENC_SMC_H
#define GENC_SMC_H

#include "genc/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_pf gen_pf;

/* A new filter (*pf, caller-owned: gen_pf_free) of n >= 1 particles of model(args) given
 * the observations obs, as gen_importance_sampling makes them: proposal NULL generates
 * each particle with the prior proposing the unobserved choices (log weight = generate's
 * weight); a proposal (its args: proposal_args, args->user passed through) proposes q,
 * and the particle is generate(model, args, obs merged with q) with log weight
 * generate's weight - q's proposal score. Errors: GEN_ERR_MISUSE for a NULL model, obs
 * or pf; GEN_ERR_VALUE for n < 1 ("gen_pf_init: the particle count must be >= 1, got
 * 0") or a NaN log weight; a particle's failure prefixed by "gen_pf_init: particle i".
 * *pf is NULL on error. */
gen_status gen_pf_init(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                       const gen_gf *proposal, const gen_args *proposal_args, int64_t n, gen_pf **pf);

/* One step (Gen.jl's particle_filter_step!): every particle's trace tr becomes
 * update(tr, args, argdiffs, constraints) (argdiffs: one per argument, or NULL for all
 * GEN_DIFF_UNKNOWN; the unchanged ones GEN_DIFF_NO_CHANGE, so that combinators skip the
 * steps already done), and its log weight grows by:
 *   proposal NULL: update's weight, the constraints being obs (new choices from the
 *                  prior);
 *   a proposal:    update's weight - w_q, where (q, w_q) = propose(proposal, args whose
 *                  arrays are proposal_args' and whose user pointer is tr, the particle's
 *                  current trace) and the constraints are obs merged with q (the
 *                  proposal proposes new choices, never observed ones).
 * args must have as many arguments as the model's traces (GEN_ERR_VALUE "gen_pf_step:
 * args has 2 arguments, the particles' traces have 3"). On any error the filter keeps
 * its particles and weights from before the call. */
gen_status gen_pf_step(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                       const gen_choicemap *obs, const gen_gf *proposal, const gen_args *proposal_args);

/* Resamples when the effective sample size is below ess_threshold (e.g. n / 2; a
 * threshold above n always resamples, 0 never): n ancestors are drawn with gen_resample
 * (method: any gen_resampling), particle i becomes (shares) the trace of ancestor i,
 * and every log weight becomes the log mean weight before resampling, so the log
 * marginal likelihood estimate is unchanged by it (Gen.jl keeps the same estimate in a
 * separate sum). did_resample (may be NULL) says whether it resampled. Errors:
 * GEN_ERR_VALUE for a NaN threshold or an unknown method; every weight -inf (the
 * observations ruled out every particle) is GEN_ERR_VALUE "gen_pf_maybe_resample: every
 * particle has weight zero". */
gen_status gen_pf_maybe_resample(gen_pf *pf, gen_key key, gen_resampling method, double ess_threshold,
                                 bool *did_resample);

/* Applies the MCMC kernel k once to every particle (particle i with fold_in(key, i)); the
 * weights do not change (a kernel that leaves the model's posterior invariant keeps the
 * weighted particles proper). n_accepted (may be NULL) gets how many particles the kernel
 * reported accepted. A kernel's error is returned prefixed by "gen_pf_rejuvenate:
 * particle i", the filter unchanged. */
gen_status gen_pf_rejuvenate(gen_pf *pf, gen_key key, gen_kernel k, int64_t *n_accepted);

/* Frees the filter and its references to the traces (traces the caller holds by other
 * references live on). NULL is ignored. */
void gen_pf_free(gen_pf *pf);

/* ---- queries ------------------------------------------------------------------------- */

/* The particle count n (-1 for NULL). */
int64_t gen_pf_size(const gen_pf *pf);
/* The number of gen_pf_step calls that succeeded (-1 for NULL). */
int64_t gen_pf_steps(const gen_pf *pf);
/* The log marginal likelihood estimate log p^(obs so far): the log mean of the current
 * weights, which resampling keeps (Gen.jl's log_ml_estimate). -inf when every particle
 * has weight zero. */
gen_status gen_pf_log_ml(const gen_pf *pf, double *out);
/* The effective sample size of the current weights, in [1, n] (0 when every weight is
 * -inf). */
gen_status gen_pf_ess(const gen_pf *pf, double *out);
/* The effective sample sizes after gen_pf_init and after each step, before any
 * resampling of that step: *out [steps + 1] f64, new in the current scope. */
gen_status gen_pf_ess_history(const gen_pf *pf, gen_array **out);
/* The n traces (borrowed: valid until the next gen_pf_step, gen_pf_maybe_resample,
 * gen_pf_rejuvenate or gen_pf_free; retain one to keep it longer). NULL for NULL. */
gen_trace *const *gen_pf_traces(const gen_pf *pf);
/* The unnormalized log weights: *out [n] f64, new in the current scope. */
gen_status gen_pf_log_weights(const gen_pf *pf, gen_array **out);
/* The normalized weights exp(lw_i) / sum_j exp(lw_j): *out [n] f64, new in the current
 * scope. GEN_ERR_VALUE when every weight is -inf. */
gen_status gen_pf_normalized_weights(const gen_pf *pf, gen_array **out);
/* n_out >= 0 traces drawn with replacement in proportion to the weights (multinomial
 * resampling of a copy of the weights; the filter is not changed), Gen.jl's
 * sample_unweighted_traces: out[0..n_out) get new references in the current scope.
 * GEN_ERR_VALUE when every weight is -inf; on error the slots are NULL. */
gen_status gen_pf_sample_unweighted_traces(const gen_pf *pf, gen_key key, int64_t n_out, gen_trace **out);

#ifdef __cplusplus
}
#endif
#endif
