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
 * gen_pf_rejuvenate (any gen_kernel). SMCP3 (probabilistic program proposals: forward
 * and backward kernels with a translator that may restructure the trace) has its own
 * init, step and move: the last section.
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

/* The batched filter: the same filter with its n particles as one batched trace
 * (genc/gfi.h, batched execution), made as gen_importance_sampling_batched makes it (the
 * proposal, if any, runs batched; its args->user is proposal_args'). Every other function
 * of this header takes it: a step is one batched gen_update (a proposal runs batched with
 * args->user the batched trace, so its values are [n]), resampling gathers the batch
 * (gen_trace_gather: particle i becomes ancestor i's copy; the cost is one batched
 * generate of the whole trace, so it grows with the steps, unlike a step's), and
 * rejuvenation applies the kernel to the batched trace (gen_kernel_apply_batched: every
 * particle accepts on its own). The arrays may live on a GPU (the model's arrays, or a
 * default device): the [n] weights come to the host once per step. Particle i is not
 * the one-at-a-time filter's particle i for the same key (batched draws use other
 * streams: genc/gfi.h); the two filters agree in distribution. gen_pf_traces is NULL
 * for it: gen_pf_batched_trace gives the trace. Errors as gen_pf_init's, prefixed
 * "gen_pf_init_batched"; a NaN weight names its particle. */
gen_status gen_pf_init_batched(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
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
 * gen_pf_rejuvenate or gen_pf_free; retain one to keep it longer). NULL for NULL and for
 * a batched filter. */
gen_trace *const *gen_pf_traces(const gen_pf *pf);
/* A batched filter's batched trace of n particles (borrowed, as gen_pf_traces). NULL for
 * NULL and for a filter of n traces. */
const gen_trace *gen_pf_batched_trace(const gen_pf *pf);
/* The unnormalized log weights: *out [n] f64, new in the current scope, on the device
 * the filter keeps them on (a batched filter's trace's device; the CPU otherwise). */
gen_status gen_pf_log_weights(const gen_pf *pf, gen_array **out);
/* The normalized weights exp(lw_i) / sum_j exp(lw_j): *out [n] f64, new in the current
 * scope. GEN_ERR_VALUE when every weight is -inf. */
gen_status gen_pf_normalized_weights(const gen_pf *pf, gen_array **out);
/* n_out >= 0 traces drawn with replacement in proportion to the weights (multinomial
 * resampling of a copy of the weights; the filter is not changed), Gen.jl's
 * sample_unweighted_traces: out[0..n_out) get new references in the current scope.
 * GEN_ERR_VALUE when every weight is -inf; on error the slots are NULL. A batched filter
 * is GEN_ERR_UNSUPPORTED (use gen_pf_sample_unweighted_batched). */
gen_status gen_pf_sample_unweighted_traces(const gen_pf *pf, gen_key key, int64_t n_out, gen_trace **out);
/* The same for a batched filter: *out is one batched trace of n_out >= 1 particles drawn
 * with replacement in proportion to the weights (gen_trace_gather), new in the current
 * scope. GEN_ERR_UNSUPPORTED for a filter of n traces, GEN_ERR_VALUE for n_out < 1 or
 * when every weight is -inf. */
gen_status gen_pf_sample_unweighted_batched(const gen_pf *pf, gen_key key, int64_t n_out, gen_trace **out);

/* ---- SMCP3: probabilistic program proposals ----------------------------------------------
 * SMC with probabilistic program proposals (Lew, Matheos et al., PLDI 2023; GenJAX's
 * SMCP3, Gen.jl's trace translators). A move takes a particle x (a trace of the model at
 * its current args) to x' (a trace at the new args) in three parts:
 *   - the forward kernel K, a generative function that reads x (its args->user) and
 *     proposes auxiliary choices u (with u's log density log K(u; x) and a return value);
 *   - the translator, a deterministic callback mapping (x's choices, u) to the choices of
 *     x' that it sets (new values of x's choices, choices x lacks) and the backward
 *     choices u';
 *   - the backward kernel L, a generative function that reads x' (its args->user) and
 *     scores u' (gen_assess: log L(u'; x')).
 * x' is update(x, new args, argdiffs, the observations merged with the translator's
 * choices): choices the translator leaves out keep their values, choices the new run no
 * longer makes are dropped, so a move may add, change and remove choices anywhere in the
 * trace, not only add the new step's. The particle's log weight grows by
 *   log p_new(x') - log p_old(x) + log L(u'; x') - log K(u; x) + log |det J|,
 * the first difference being update's weight, and J the Jacobian of the translator's
 * continuous part: its inputs are the continuous values of x's choices the move changes
 * or drops (update's discard) and of u, its outputs those of the translator's choices for
 * x' and of u' (choices kept map to themselves and drop out), computed by forward-mode
 * autodiff exactly as for involutive MCMC (genc/infer.h). The map (x, u) -> (x', u')
 * must be a bijection onto what L can score; it need not be an involution, and K and L
 * may be different functions. A choice of the new run that neither the observations nor
 * the translator give and x lacks is sampled from the prior by update; its density
 * (omitted by update's weight) is then part of the forward proposal, as in gen_pf_step
 * without a proposal, and it is no input or output of J.
 *
 * The translator's contract is the involution's (gen_involution_fn): it reads every
 * continuous quantity from the maps given and builds the continuous values it returns
 * with array operations from them (the library evaluates it once on plain values and,
 * for J, on maps whose values are differentiable functions of a flat vector); its
 * structure (which addresses it writes) depends on discrete values only, fwd_retval
 * being a constant for discrete information. old_args and new_args are the model's
 * arguments before and after the move (at gen_pf_init_smcp3 old_args is NULL and
 * old_choices empty); *new_model and *bwd_choices are new maps in the current scope (an
 * empty map for none). Return GEN_OK or an error status (record a message with
 * gen_error_set). Its continuous input and output counts must match. */
typedef gen_status (*gen_smcp3_translator_fn)(void *ud, const gen_args *old_args, const gen_args *new_args,
                                              const gen_choicemap *old_choices, const gen_choicemap *fwd_choices,
                                              const gen_array *fwd_retval, gen_choicemap **new_model,
                                              gen_choicemap **bwd_choices);
typedef struct gen_smcp3_translator {
    gen_smcp3_translator_fn fn;
    void *ud;
} gen_smcp3_translator;

/* A move: K and L with their argument arrays (NULL: none; args->user is set by the
 * library to the particle's trace x for K and to x' for L, NULL for K at init) and the
 * translator. Borrowed by the calls below. */
typedef struct gen_smcp3_move {
    const gen_gf *forward;
    const gen_args *forward_args;
    const gen_gf *backward;
    const gen_args *backward_args;
    gen_smcp3_translator translator;
} gen_smcp3_move;

/* The parts of one particle's increment (the sum is what its log weight grows by). */
typedef struct gen_smcp3_info {
    double log_weight;    /* the sum below */
    double model_weight;  /* log p_new(x') - log p_old(x): update's (init: generate's) weight */
    double fwd_score;     /* log K(u; x) */
    double bwd_score;     /* log L(u'; x') */
    double log_abs_det;   /* log |det J| (0 without continuous values) */
} gen_smcp3_info;

/* An SMCP3 step: every particle's trace x moves to x' at args (argdiffs as in
 * gen_pf_step) with the observations obs and the move, and its log weight grows by the
 * increment above. Particle i uses fold_in(key, i). On any error the filter keeps its
 * particles and weights. Errors:
 *   GEN_ERR_MISUSE "gen_pf_step_smcp3: the filter is NULL" (likewise "the observations
 *     is NULL", "the move is NULL", "the move's forward kernel is NULL", "the move's
 *     backward kernel is NULL"), "...: the move's translator has no function";
 *   GEN_ERR_VALUE "gen_pf_step_smcp3: args has 2 arguments, the particles' traces have 3";
 *   GEN_ERR_UNSUPPORTED "gen_pf_step_smcp3: the filter is batched (SMCP3 moves one
 *     trace at a time)" for a filter of gen_pf_init_batched;
 *   a particle's failure, prefixed "gen_pf_step_smcp3: particle i: ":
 *     "the forward kernel: ..." (K's error);
 *     "the translator: ..." (its own error), GEN_ERR_CALLBACK "the translator failed
 *     (<status>)" (an error status and no message), GEN_ERR_CALLBACK "the translator
 *     returned no model choices" (or "no backward auxiliary choices"), GEN_ERR_MISUSE
 *     "the translator: its callback left 1 scope open (...)" (or ended one it did not
 *     open);
 *     "the translator's choices and the observations: ..." (the merge failed, e.g. both
 *     give one address);
 *     "applying the translator's choices: ..." (update's error, e.g. "update: constraint
 *     at z was not used by the model");
 *     GEN_ERR_VALUE "the translator maps 3 continuous values (1 of the model, 2
 *     auxiliary) to 2: dimensions must match", "the translator's continuous outputs
 *     changed size under autodiff ...", "the translator's Jacobian is singular (log
 *     |det J| = -inf)"; "the translator's Jacobian: ..." (autodiff of the translator
 *     failed, e.g. an op without a forward-mode rule);
 *     "the backward kernel cannot score the backward choices: ..." (L's assess failed:
 *     a choice L does not make, or one it makes missing);
 *     GEN_ERR_VALUE "the log weight is NaN (a + b)". */
gen_status gen_pf_step_smcp3(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                             const gen_choicemap *obs, const gen_smcp3_move *move);

/* An SMCP3 move between steps: the same as gen_pf_step_smcp3 with each particle's own
 * arguments (all GEN_DIFF_NO_CHANGE) and no observations. It is not a step:
 * gen_pf_steps and the ESS history do not change. Errors as gen_pf_step_smcp3's,
 * prefixed "gen_pf_move_smcp3". */
gen_status gen_pf_move_smcp3(gen_pf *pf, gen_key key, const gen_smcp3_move *move);

/* A new filter (*pf, caller-owned) of n >= 1 particles made by SMCP3 from nothing: K
 * proposes u (args->user NULL), the translator maps (no choices, u) to x's choices and
 * u' (old_args NULL), x = generate(model, args, obs merged with them), and the log
 * weight is generate's weight + log L(u'; x) - log K(u) + log |det J| (J of u ->
 * (x's translated choices, u')). Errors: GEN_ERR_MISUSE for a NULL model, obs, move
 * (or its kernels) or pf, or a translator without a function; GEN_ERR_VALUE
 * "gen_pf_init_smcp3: the particle count must be >= 1, got 0"; a particle's failure as
 * for gen_pf_step_smcp3, prefixed "gen_pf_init_smcp3: particle i: " ("applying the
 * translator's choices: generate: ..."). *pf is NULL on error. */
gen_status gen_pf_init_smcp3(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                             const gen_smcp3_move *move, int64_t n, gen_pf **pf);

/* One particle's SMCP3 move, outside a filter: *out (new in the current scope) is x'
 * from tr, or from nothing when tr is NULL (gen_pf_init_smcp3's particle: generate of
 * model), and *info (may be NULL) the parts of its increment. model may be NULL with a
 * trace (it is tr's function). args NULL keeps tr's arguments (argdiffs must then be
 * NULL); without a trace it means no arguments. obs may be NULL (none). Errors: those
 * of gen_pf_step_smcp3's particles and move checks, prefixed "gen_smcp3_propose: ";
 * GEN_ERR_MISUSE "gen_smcp3_propose: out is NULL", "...: the trace and the model are
 * both NULL", "...: argdiffs without args (args NULL keeps the trace's)"; GEN_ERR_VALUE
 * "...: the model is not the trace's generative function"; GEN_ERR_UNSUPPORTED "...: the
 * trace is batched". *out is NULL on error. */
gen_status gen_smcp3_propose(const gen_trace *tr, gen_key key, const gen_gf *model, const gen_args *args,
                             const gen_diff *argdiffs, const gen_choicemap *obs, const gen_smcp3_move *move,
                             gen_trace **out, gen_smcp3_info *info);

#ifdef __cplusplus
}
#endif
#endif
