/* genc/pmcmc.h — particle Markov chain Monte Carlo (Andrieu, Doucet & Holenstein 2010,
 * "Particle Markov chain Monte Carlo methods") for the static parameters and the states
 * of a state-space model: conditional SMC (gen_csmc), particle Gibbs (a gen_kernel) and
 * particle marginal Metropolis–Hastings (gen_pmmh).
 *
 * The problem. A model whose trace holds the static parameters (choices at addresses a
 * selection names, e.g. drawn at the top level before an Unfold of the states) and the
 * states, observed step by step as the particle filter of genc/smc.h sees it: the first
 * observations with the initial arguments (gen_pf_init), then n_steps steps, step t with
 * its arguments, argdiffs and observations (gen_pf_step; written with Unfold, the length
 * argument grows by one and the argdiffs say only it changed). Every filter here proposes
 * from the prior (the model's own proposal of the unobserved choices); the parameters are
 * fixed in every particle by constraining them at the first generate, whose weight thus
 * holds their log prior density.
 *
 * Ownership and randomness as in genc/smc.h and genc/infer.h: returned traces and arrays
 * are new references in the current scope (or the caller's, with none open); randomness
 * only from the key arguments. Errors never abort; a failed call returns no outputs, leaks
 * nothing, and its message names the call, the iteration, the step and the particle
 * ("gen_pmmh: iteration 12: gen_csmc: step 3: particle 7: y: normal: sigma must be > 0,
 * got -1"). */
#ifndef GENC_PMCMC_H
#define GENC_PMCMC_H

#include "genc/smc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A state-space problem: a plain struct of borrowed pointers. Step 0 is
 * generate(model, init_args, init_obs); step t = 1..n_steps is update(trace, step_args[t-1],
 * step_argdiffs[t-1], step_obs[t-1]), each argdiffs saying how step_args[t-1] differs from
 * the arguments before it. NULL init_obs or step_obs[t-1] is no observation; NULL
 * step_argdiffs (or a NULL entry) is every argument GEN_DIFF_UNKNOWN. step_args and
 * step_obs have n_steps entries (may be NULL when n_steps is 0). The traces these calls
 * take and return are of model at step_args[n_steps-1] (init_args when n_steps is 0). */
typedef struct gen_ssm {
    const gen_gf *model;
    const gen_args *init_args;
    const gen_choicemap *init_obs;
    int64_t n_steps;
    const gen_args *step_args;             /* [n_steps] */
    const gen_diff *const *step_argdiffs;  /* [n_steps], or NULL */
    const gen_choicemap *const *step_obs;  /* [n_steps] */
} gen_ssm;

/* ---- conditional SMC ------------------------------------------------------------------
 * A particle filter of n particles in which particle 0 is the reference trajectory ref
 * (Andrieu et al.'s conditional SMC): particles 1..n-1 draw their ancestors from all n by
 * multinomial resampling before every step and move with update as the prior proposes,
 * while particle 0 follows ref: at step 0 it is ref with its later steps dropped (ref
 * updated back to init_args), and at step t its trace moves by update to step t's
 * arguments with ref's choices of step t as constraints. Its ancestor is itself, or, with
 * ancestor sampling (Lindsten, Jordan & Schon 2014), particle i drawn with probability
 * proportional to w_i p(ref's choices of step t | particle i): exp(its log weight + the
 * weight of that same update from particle i's trace), so that the reference's past is
 * renewed at every step. That weight is the right one for models in which ref's later
 * steps depend on the past only through step t (Markov: an Unfold whose kernel reads its
 * state and the parameters only); ancestor sampling is not for other models. Particle 0's
 * log weight grows as the filter would have grown it had it proposed ref's choices:
 * project(new trace, the observations of step t) - project(old trace, nothing) (at step
 * 0, project(ref_0, init_obs and the parameters)). *out is a trajectory drawn in
 * proportion to the final weights: a trace of model at the last step's arguments. The
 * choices of ref in cfg->params are fixed in every particle (constrained at step 0), so
 * the parameters stay those of ref. The kernel leaves the smoothing distribution
 * p(states | observations, parameters) invariant. The cost is n update calls per step,
 * twice that with ancestor sampling, plus one update back per step for ref.
 * Keys: step t (0..n_steps) uses fold_in(key, t) split in three (the resampling, the
 * particles, the ancestor), particle i fold_in(that, i); the final draw fold_in(key,
 * n_steps + 1). The resampling is multinomial (the conditional forms of the other
 * schemes are other algorithms).
 * Errors: GEN_ERR_MISUSE for a NULL ref, ssm, ssm->model, cfg, out, step_args or
 * step_obs (with steps); GEN_ERR_VALUE for n_particles < 1, n_steps < 0, ref not a trace
 * of ssm->model ("gen_csmc: ref is a trace of f, the problem's model is g"), params
 * naming an address ref lacks, a reference whose values at the observed addresses are
 * not the observations ("gen_csmc: step 0: particle 0: the reference does not hold the
 * step's observations: ..."); the model's errors prefixed "gen_csmc: step t: particle i"
 * (the reference is particle 0; "step t: ancestor sampling: particle i" for the
 * ancestor weights). ref must be a trace at the last step's arguments (as every trace
 * these calls return is): GEN_ERR_VALUE "gen_csmc: ref's argument 0 is not the last
 * step's ..." otherwise. */
typedef struct gen_csmc_config {
    const gen_selection *params; /* the static parameters; NULL: none */
    int64_t n_particles;         /* >= 1 (1 gives ref back) */
    bool ancestor_sampling;
} gen_csmc_config;

gen_status gen_csmc(const gen_trace *ref, gen_key key, const gen_ssm *ssm, const gen_csmc_config *cfg,
                    gen_trace **out);

/* ---- particle Gibbs -------------------------------------------------------------------
 * One sweep: the states by conditional SMC given the parameters (gen_csmc with tr as the
 * reference), then the parameters given the states by param_kernel (any gen_kernel, e.g.
 * gen_kernel_mh_select on the parameters, or a user's exact conditional update; fn NULL:
 * none, the states only). Keys: fold_in(key, 0) for the CSMC, fold_in(key, 1) for the
 * kernel. *accepted (may be NULL) is the kernel's (false without one). Errors: those of
 * gen_csmc and the kernel's, prefixed "gen_particle_gibbs"; GEN_ERR_MISUSE for a NULL k,
 * k->ssm, tr or out. */
typedef struct gen_particle_gibbs_kernel {
    const gen_ssm *ssm;
    gen_csmc_config csmc;    /* the parameters, the particles, ancestor sampling */
    gen_kernel param_kernel; /* fn NULL: none */
} gen_particle_gibbs_kernel;

gen_status gen_particle_gibbs(const gen_trace *tr, gen_key key, const gen_particle_gibbs_kernel *k,
                              gen_trace **out, bool *accepted);
/* The sweep as a kernel (gen_run_chain(s) run it, record, burn in and thin); its payload
 * k must live while the kernel is used and is only read. */
gen_kernel gen_kernel_particle_gibbs(gen_particle_gibbs_kernel *k);

/* ---- particle marginal Metropolis–Hastings ---------------------------------------------
 * Metropolis–Hastings on the parameters with the particle filter's estimate of their
 * marginal likelihood in place of the exact one (pseudo-marginal). A state is a trace tr
 * (a trajectory drawn from the filter run at tr's parameters) with Z = the filter's log
 * marginal likelihood estimate, which holds log p(parameters) (they are constrained at
 * generate): Z = log p^(observations, parameters). Each iteration:
 *   (q, w_fwd) = propose(proposal, (proposal_args, user: tr));
 *   the parameters theta' = tr's parameter choices with q's values in place;
 *   a filter of n_particles particles at theta' gives Z' and a trajectory tr';
 *   w_bwd = assess(proposal, (proposal_args, user: tr'), tr's values at q's addresses);
 *   accepted with probability min(1, exp(Z' - Z + w_bwd - w_fwd)).
 * The current state's Z is kept, never recomputed (that is what makes the chain exact).
 * A proposal the model rejects (gen_divergence: a refused distribution parameter, ...), a
 * filter in which every particle gets weight zero, or a way back the proposal rejects,
 * rejects the move. The filter resamples by method when the ESS falls below ess_fraction
 * * n_particles before each step (ess_fraction 0: before every step).
 * Records: after burn_in iterations, every thin-th state, draws of them. */
typedef struct gen_pmmh_config {
    const gen_selection *params;   /* the static parameters (required) */
    const gen_gf *proposal;        /* proposes new values for some parameters (required) */
    const gen_args *proposal_args; /* may be NULL */
    int64_t n_particles;           /* >= 1 */
    gen_resampling method;         /* zero: multinomial */
    double ess_fraction;           /* in [0, 1]; 0: resample before every step */
    int64_t burn_in, draws, thin;  /* >= 0, >= 0, >= 1 */
    const gen_selection *record;   /* what to record per draw; NULL: params (select all:
                                      the trajectory too) */
    gen_progress progress;         /* phases "burn_in" and "sampling", one unit per
                                      iteration; zero: none */
} gen_pmmh_config;

/* What gen_pmmh returns (arrays and the trace in the current scope). */
typedef struct gen_pmmh_result {
    gen_array *samples;   /* [k, dims] f64: the recorded choices of the k draws, flattened
                             in deep order (gen_choicemap_flatten) */
    gen_array *log_ml;    /* [k] f64: each draw's Z = log p^(observations, parameters) */
    gen_trace *final;     /* the state after the last iteration done */
    double accept_rate;   /* over the iterations done */
    int64_t draws_done;   /* k: draws, or fewer when the run stopped early */
} gen_pmmh_result;

/* Runs PMMH from the parameters init_params (values at parameter addresses, giving every
 * parameter the model makes). Keys: the initial filter uses fold_in(key, 0), iteration s
 * (from 0) fold_in(key, s + 1), split in three (the proposal, the filter, the accept
 * test); a filter's step t uses fold_in(its key, t) split in two (resampling, the
 * particles). A run stopped early, by a cancel (GEN_CANCELLED) or by an error of an
 * iteration, fills out with the draws so far and the state after the last iteration
 * done; an iteration's error is its status with the message "gen_pmmh: iteration s: ...",
 * e.g. GEN_ERR_VALUE for a proposal choice that is not a parameter ("gen_pmmh:
 * iteration 0: the proposal proposes steps/0/x, which is not a parameter").
 * Errors of the arguments and of the first filter (out's fields then NULL):
 * GEN_ERR_MISUSE for NULL ssm, ssm->model, cfg, init_params, out, cfg->params,
 * cfg->proposal; GEN_ERR_VALUE for n_particles < 1, an unknown method, ess_fraction
 * outside [0, 1], counts out of range, init_params with a value outside params or not
 * giving every parameter ("gen_pmmh: init_params gives 1 parameter values, the model has
 * 2"), initial parameters with which every particle has weight zero, cfg->record naming
 * an address the model's trace lacks. */
gen_status gen_pmmh(const gen_ssm *ssm, gen_key key, const gen_choicemap *init_params,
                    const gen_pmmh_config *cfg, gen_pmmh_result *out);

#ifdef __cplusplus
}
#endif
#endif
