/* genc/vi.h — variational inference: ADVI (automatic differentiation variational
 * inference, Kucukelbir et al. 2017, as Stan runs it).
 *
 * ADVI fits a Gaussian q to the posterior of a trace's selected continuous choices in the
 * unconstrained space of gen_target (genc/infer.h: each choice mapped by its support's
 * bijection, the log density with the log-Jacobians), by stochastic gradient ascent on
 * the evidence lower bound
 *
 *   ELBO(q) = E_q[log p(zeta)] + H[q],     zeta = mu + S eps,  eps ~ N(0, I_d)
 *
 * where S = diag(exp(omega)) (mean-field: parameters mu, omega in R^d) or S = L, a lower
 * triangular Cholesky factor (full-rank: mu in R^d and the d(d+1)/2 entries of L; the
 * diagonal of L may take either sign, H uses |L_ii|). The gradient is the
 * reparameterized Monte Carlo estimate of Stan's normal_meanfield / normal_fullrank over
 * grad_samples draws of eps (d/dmu = mean grad log p(zeta); d/domega = mean(grad log p
 * * eps) exp(omega) + 1; d/dL_ij = mean(grad_i log p * eps_j) for j <= i, + 1/L_ii on
 * the diagonal), and the entropy H is exact.
 *
 * The run, Stan's advi.hpp:
 *   1. q starts at mu = the trace's own point (gen_target_position), omega = 0 / L = I.
 *   2. Step-size adaptation (unless no_adapt): from the initial q, the scale eta takes the
 *      values 100, 10, 1, 0.1, 0.01 in turn; each runs adapt_iters iterations from the
 *      initial q (with a fresh optimizer) and evaluates the ELBO; the search stops at the
 *      first eta whose ELBO is below the best so far while that best is above the initial
 *      ELBO, and keeps the eta of that best; if every eta was tried, the last one is kept
 *      when its ELBO beats the initial one, else the run fails (GEN_ERR_VALUE "gen_advi:
 *      every step size of the adaptation failed ..."). During adaptation a gradient that
 *      cannot be estimated counts as zero and an ELBO that cannot be as -infinity.
 *   3. Stochastic gradient ascent from the initial q with the chosen eta: every eval_elbo
 *      iterations the ELBO is estimated with elbo_samples draws, and its relative change
 *      |(ELBO_prev - ELBO) / ELBO| (ELBO_prev = 0 at the first evaluation) goes into a
 *      window of the last max(0.1 max_iters / eval_elbo, 2) changes; the run has converged
 *      when the mean or the median (the upper median, as Stan's) of the window is below
 *      tol_rel_obj. It stops there or after max_iters iterations.
 * The step sequence: by default Stan's adaptive sequence (GEN_OPT_ADAPTIVE of genc/learn.h,
 * step eta: theta += eta t^-1/2 g / (1 + sqrt(s))), so that runs compare with Stan's; or
 * any optimizer of genc/learn.h (cfg.optimizer), whose step is multiplied by eta (eta = 1
 * runs it as configured; the adaptation then searches 100 to 0.01 times its step).
 *
 * Draws that the model rejects (a log density of -inf, NaN, a non-finite gradient, a
 * refused distribution parameter: gen_divergence) are dropped and drawn again, as Stan
 * drops them: a gradient estimate fails when grad_samples draws were dropped, an ELBO
 * estimate when elbo_samples were (GEN_ERR_VALUE "gen_advi: iteration 12: the gradient
 * could not be estimated: 1 of 1 draws from the approximation were rejected by the model
 * (...)"). Other model errors are returned as they are. */
#ifndef GENC_VI_H
#define GENC_VI_H

#include "genc/infer.h"
#include "genc/learn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gen_advi_family {
    GEN_ADVI_MEANFIELD = 0, /* a diagonal Gaussian: mu and log standard deviations omega */
    GEN_ADVI_FULLRANK = 1   /* a Gaussian with a dense covariance L L^T */
} gen_advi_family;

/* Zero fields take the defaults in brackets (Stan's). */
typedef struct gen_advi_config {
    gen_advi_family family;  /* [GEN_ADVI_MEANFIELD] */
    int grad_samples;        /* draws per gradient estimate [1] */
    int elbo_samples;        /* draws per ELBO estimate [100] */
    int eval_elbo;           /* iterations between ELBO estimates [100] */
    int64_t max_iters;       /* [10000] */
    double tol_rel_obj;      /* relative ELBO tolerance of the convergence test [0.01] */
    bool no_adapt;           /* skip the step-size adaptation and use eta */
    double eta;              /* the step scale when not adapting [1] */
    int adapt_iters;         /* iterations per candidate eta [50] */
    const gen_opt_config *optimizer; /* the step sequence: NULL for Stan's adaptive sequence;
                                        given, its step is scaled by eta */
    int64_t draws;           /* draws from the fitted q returned [1000] */
    gen_progress progress;   /* phases "adaptation" (adapt_iters per candidate eta, 5
                                candidates; a search that stops early jumps to the end of
                                the phase) and "optimization" (max_iters), one unit per
                                iteration; zero: none */
} gen_advi_config;

/* What gen_advi returns (arrays in the scope open at the call, or caller-owned with none
 * open; the trace likewise). */
typedef struct gen_advi_result {
    gen_array *mean;          /* [d]: mu, in unconstrained space */
    gen_array *scale;         /* mean-field: [d] standard deviations exp(omega); full-rank:
                                 [d, d] the lower triangular factor L (covariance L L^T) */
    gen_array *elbo;          /* [k]: the ELBO estimates of the optimization, in order */
    gen_array *elbo_iter;     /* [k] i64: the iteration of each */
    gen_array *unconstrained; /* [draws, d]: draws from q */
    gen_array *draws;         /* [draws, dims]: the same draws mapped back to constrained
                                 space: the selected choices' values, flattened in deep
                                 order (as gen_choicemap_flatten) */
    gen_trace *trace;         /* a batched trace of `draws` particles (genc/gfi.h), particle
                                 i holding draw i at the selected choices and the input
                                 trace's values elsewhere */
    double eta;               /* the step scale used (adapted or given) */
    int64_t iterations;       /* iterations of the optimization done */
    bool converged;           /* the relative-tolerance test was met */
} gen_advi_result;

/* ADVI of tr's choices in sel (see above; sel as for gen_target_new, tr scalar). Keys:
 * key split in 4: the adaptation's (candidate j, iteration i: fold_in(fold_in(k0, j), i);
 * its ELBO estimates fold_in(fold_in(k0, j), 1 << 40)), the gradient of iteration i
 * (fold_in(k1, i)), the j-th ELBO estimate (fold_in(k2, j)) and the final draws (k3);
 * redrawing after dropped draws folds in the round (1, 2, ...).
 * Errors: GEN_ERR_MISUSE for NULL tr, sel, cfg or out; GEN_ERR_VALUE for a bad config
 * (negative counts, tol_rel_obj or eta < 0 or not finite, an unknown family, a bad
 * optimizer config), and those of gen_target_new, the model's, and the failures above.
 * Then the fields of out are NULL. A cancel (cfg->progress) returns GEN_CANCELLED with
 * the results at the approximation reached (during adaptation: the initial one, eta 0). */
gen_status gen_advi(const gen_trace *tr, gen_key key, const gen_selection *sel, const gen_advi_config *cfg,
                    gen_advi_result *out);

#ifdef __cplusplus
}
#endif
#endif
