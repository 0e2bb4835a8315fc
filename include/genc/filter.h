/* genc/filter.h — exact filters: the Kalman filter, RTS smoother and posterior sampler of
 * linear-Gaussian state-space models, and the forward algorithm, forward-backward
 * smoother, forward-filtering backward-sampling and Viterbi path of discrete hidden
 * Markov models. They are inference in their own right and the references that particle
 * filters and MCMC are tested against (issue 15).
 *
 * Conventions shared by every function here:
 *   - Probabilities and densities are in log space: log marginal likelihoods, HMM
 *     initial, transition and emission terms, filtered and smoothed HMM marginals.
 *   - Inputs are f64 or f32 arrays (converted to f64); other dtypes and tuples are
 *     GEN_ERR_DTYPE, wrong shapes GEN_ERR_SHAPE, NaN entries GEN_ERR_VALUE. Every message
 *     names the function, the argument and the offending index ("gen_hmm_forward: row 1 of
 *     log_trans is not normalized: its log-sum-exp is 0.0953 (want 0 within 1e-09)").
 *   - The algorithms are sequential in time and work in small dimensions, so they run on
 *     the host: arrays on a device are copied to the host, and every result array is a
 *     host array (copy it back with gen_array_to_device if wanted).
 *   - Result arrays are new references, owned as genc/array.h says (the open scope, or
 *     the caller). Outputs documented "may be NULL" are then not returned; on failure
 *     no output is written.
 *   - Randomness comes only from the key; the same key gives the same draws.
 */
#ifndef GENC_FILTER_H
#define GENC_FILTER_H

#include "genc/random.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- linear-Gaussian state-space models ------------------------------------------------
 *
 *   x_0 ~ N(m0, P0)
 *   x_t = A x_{t-1} + b + N(0, Q)       t = 1..T
 *   y_t = C x_t + d + N(0, R)           t = 1..T
 *
 * with state dimension n and observation dimension m. The observations are ys [T, m]
 * (T >= 0), row t - 1 being y_t; every result indexed by time has T rows, row t - 1 for
 * x_t (x_0 is the prior and is not reported). A plain struct of borrowed arrays: m0 [n],
 * P0 [n, n], A [n, n], b [n] or NULL (zero), Q [n, n], C [m, n], d [m] or NULL (zero),
 * R [m, m]. P0 and Q must be symmetric positive semi-definite and R symmetric positive
 * definite (symmetry to a relative 1e-9, definiteness checked by a Cholesky factor):
 * otherwise GEN_ERR_VALUE naming the matrix ("gen_kalman_filter: model.R is not positive
 * definite"). A NULL model or required field is GEN_ERR_MISUSE ("gen_kalman_filter:
 * model.A is NULL"). */
typedef struct gen_lgssm {
    const gen_array *m0, *P0; /* the prior of x_0 */
    const gen_array *A, *b, *Q; /* the transition; b may be NULL */
    const gen_array *C, *d, *R; /* the observation; d may be NULL */
} gen_lgssm;

/* The Kalman filter over ys [T, m]. Outputs (each may be NULL):
 *   means [T, n], covs [T, n, n]            p(x_t | y_1..t) = N(means[t-1], covs[t-1])
 *   pred_means [T, n], pred_covs [T, n, n]  p(x_t | y_1..t-1), the one-step predictions
 *   log_ml                                  log p(y_1..T) = sum_t log N(y_t; C pm_t + d,
 *                                           C PP_t C' + R) (0 for T = 0)
 * Covariances are updated in Joseph form and symmetrized, and the innovation covariance
 * is factored by Cholesky. Errors: as above; GEN_ERR_SHAPE when ys is not [T, m]
 * ("gen_kalman_filter: ys must be [T, 2] (the rows of model.C), got [5,3]"); GEN_ERR_VALUE
 * for a NaN or infinite observation, naming its row and column, and GEN_ERR_LINALG when
 * an innovation covariance is not positive definite in floating point, naming the step. */
gen_status gen_kalman_filter(const gen_lgssm *model, const gen_array *ys, gen_array **means,
                             gen_array **covs, gen_array **pred_means, gen_array **pred_covs,
                             double *log_ml);

/* The Rauch-Tung-Striebel smoother: p(x_t | y_1..T) = N(means[t-1], covs[t-1]), means
 * [T, n] and covs [T, n, n] (both required); log_ml as gen_kalman_filter's (may be NULL).
 * Errors as gen_kalman_filter's, and GEN_ERR_LINALG when a predicted covariance is
 * singular (the smoother's gain needs its inverse; Q positive definite rules it out). */
gen_status gen_kalman_smoother(const gen_lgssm *model, const gen_array *ys, gen_array **means,
                               gen_array **covs, double *log_ml);

/* n_draws (>= 0) independent draws of the whole path x_1..T from p(x_1..T | y_1..T), by
 * forward filtering and backward sampling: paths [n_draws, T, n]. Errors as
 * gen_kalman_smoother's; GEN_ERR_VALUE for n_draws < 0. */
gen_status gen_kalman_sample(const gen_lgssm *model, gen_key key, const gen_array *ys,
                             int64_t n_draws, gen_array **paths);

/* ---- discrete hidden Markov models -----------------------------------------------------
 *
 *   z_1 ~ Categorical(exp(log_init))                 log_init [K], K >= 1
 *   z_t | z_{t-1} = j ~ Categorical(exp(log_trans[j]))  log_trans [K, K] (row = from)
 *   log p(y_t | z_t = k) = log_lik[t-1, k]           log_lik [T, K], T >= 0
 *
 * log_lik holds any observation model's log-likelihoods (densities or masses, not
 * normalized over k). log_init and every row of log_trans must be normalized: their
 * log-sum-exp 0 within 1e-9 (GEN_ERR_VALUE naming the row otherwise). Entries may be -inf
 * (impossible), never NaN or +inf. Results indexed by time have T rows, row t - 1 for z_t;
 * states are 0..K-1. */

/* The forward algorithm (log-sum-exp throughout, stable for long T). log_ml: log p(y_1..T)
 * (0 for T = 0; -inf when the observations are impossible under the model). filtered
 * [T, K]: log p(z_t | y_1..t), each row normalized; rows from the first impossible step
 * on are all -inf. Both may be NULL. */
gen_status gen_hmm_forward(const gen_array *log_init, const gen_array *log_trans,
                           const gen_array *log_lik, gen_array **filtered, double *log_ml);

/* The forward-backward smoother: smoothed [T, K] (required), log p(z_t | y_1..T), each row
 * normalized; log_ml as gen_hmm_forward's (may be NULL). Impossible observations are
 * GEN_ERR_VALUE ("gen_hmm_smoother: the observations have probability zero under the model
 * (from step 4)"). */
gen_status gen_hmm_smoother(const gen_array *log_init, const gen_array *log_trans,
                          const gen_array *log_lik, gen_array **smoothed, double *log_ml);

/* Forward filtering, backward sampling: n_draws (>= 0) independent state paths drawn
 * exactly from p(z_1..T | y_1..T), paths [n_draws, T] (i64). A state of probability zero
 * is never drawn. Errors as gen_hmm_smoother's; GEN_ERR_VALUE for n_draws < 0. */
gen_status gen_hmm_ffbs(gen_key key, const gen_array *log_init, const gen_array *log_trans,
                        const gen_array *log_lik, int64_t n_draws, gen_array **paths);

/* The Viterbi path: a most probable state path path [T] (i64; ties go to the lowest
 * state) and log_joint = log p(z_1..T = path, y_1..T) (may be NULL). Errors as
 * gen_hmm_smoother's. */
gen_status gen_hmm_viterbi(const gen_array *log_init, const gen_array *log_trans,
                           const gen_array *log_lik, gen_array **path, double *log_joint);

#ifdef __cplusplus
}
#endif
#endif
