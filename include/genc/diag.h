/* genc/diag.h — MCMC diagnostics: effective sample size, R-hat, Monte Carlo standard
 * errors and summary tables, as in Stan, the R package posterior and ArviZ (Vehtari,
 * Gelman, Simpson, Carpenter, Bürkner 2021, "Rank-normalization, folding, and
 * localization: an improved R-hat for assessing convergence of MCMC").
 *
 * Input: one parameter's draws as nchains chains, chain c being the ndraws[c] doubles at
 * chains[c]. Every chain must have the same length, at least 4 draws, and only finite
 * values; otherwise the functions return GEN_ERR_SHAPE (too few chains or draws, unequal
 * lengths) or GEN_ERR_VALUE (a NaN or infinite draw, naming chain and draw), with *out
 * set to NaN. Chains are split in halves (the middle draw of an odd-length chain is
 * dropped), so one chain is enough for every statistic, R-hat included.
 *
 * Constant draws (every draw of every chain equal): ESS, R-hat and MCSEs are NaN, as in
 * Stan and posterior. (ArviZ 0.23 returns NaN for R-hat but the number of draws for ESS
 * and 0 for MCSEs.) The mean, sd, median and quantiles of a summary are still computed.
 *
 * The numbers equal ArviZ 0.23's (az.ess, az.rhat, az.mcse; see each function) up to
 * rounding. Autocovariances are computed by FFT, in O(n log n). */
#ifndef GENC_DIAG_H
#define GENC_DIAG_H

#include <stdio.h>

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- effective sample size ---------------------------------------------------------- */

/* Bulk ESS: Geyer's initial monotone sequence ESS of the rank-normalized split chains
 * (az.ess method="bulk"). */
gen_status gen_ess_bulk(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                        double *out);
/* Tail ESS: the smaller ESS of the indicators draw <= q5% and draw <= q95%, each over
 * split chains (az.ess method="tail"). */
gen_status gen_ess_tail(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                        double *out);
/* ESS of the indicator draw <= q_prob, 0 < prob < 1 (az.ess method="quantile"). */
gen_status gen_ess_quantile(const double *const *chains, int64_t nchains,
                            const int64_t *ndraws, double prob, double *out);
/* Basic ESS: split chains without rank normalization, the ESS of the mean
 * (az.ess method="mean"). */
gen_status gen_ess_basic(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                         double *out);

/* ---- R-hat -------------------------------------------------------------------------- */

/* Rank-normalized split R-hat: the larger of the bulk R-hat (of the rank-normalized split
 * chains) and the tail R-hat (of the rank-normalized |draw - median|)
 * (az.rhat method="rank"; ArviZ returns NaN for one chain, this computes it). */
gen_status gen_rhat(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                    double *out);
/* Classic split R-hat (Gelman et al. 2013; az.rhat method="split"). */
gen_status gen_rhat_basic(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                          double *out);

/* ---- Monte Carlo standard errors ---------------------------------------------------- */

/* Of the mean: sd / sqrt(basic ESS), sd with divisor n - 1 (az.mcse method="mean"). */
gen_status gen_mcse_mean(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                         double *out);
/* Of the sd: by the variance of the variance (Kenney and Keeping) with the basic ESS of
 * (draw - mean)^2, and a first-order Taylor step to the sd (az.mcse method="sd"). */
gen_status gen_mcse_sd(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                       double *out);
/* Of the quantile at prob, 0 < prob < 1: half the distance between the order statistics
 * at the 15.9% and 84.1% quantiles of Beta(ess p + 1, ess (1 - p) + 1), ess being
 * gen_ess_quantile's (the paper's section 4.3; az.mcse method="quantile"). */
gen_status gen_mcse_quantile(const double *const *chains, int64_t nchains,
                             const int64_t *ndraws, double prob, double *out);

/* ---- gen_array input ---------------------------------------------------------------- */

/* A statistic of one parameter, as the functions above. */
typedef gen_status (*gen_diag_fn)(const double *const *chains, int64_t nchains,
                                  const int64_t *ndraws, double *out);
/* Applies fn to the draws in a real array of shape [chains, draws] (one value) or
 * [chains, draws, params] (one value per parameter); out holds nout values (those beyond
 * the parameters, and all of them on failure, are set to NaN). */
gen_status gen_diag_array(gen_diag_fn fn, const gen_array *draws, double *out, int64_t nout);

/* ---- summaries ---------------------------------------------------------------------- */

#define GEN_SUMMARY_MAX_PROBS 16

/* One parameter's summary. sd has divisor n - 1; quantiles are linear interpolations of
 * the pooled draws (numpy's default, R's type 7). */
typedef struct gen_summary {
    double mean, sd, median;
    int nprobs;
    double probs[GEN_SUMMARY_MAX_PROBS];     /* the quantile levels, as given */
    double quantiles[GEN_SUMMARY_MAX_PROBS]; /* quantiles[i] at probs[i] */
    double mcse_mean, mcse_sd, ess_bulk, ess_tail, rhat;
} gen_summary;

/* Summarizes one parameter. probs (nprobs levels in (0, 1), at most
 * GEN_SUMMARY_MAX_PROBS) may be NULL for the default 0.05, 0.5, 0.95. */
gen_status gen_summarize(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                         const double *probs, int nprobs, gen_summary *out);
/* Summarizes each parameter of a real array of shape [chains, draws] (one) or
 * [chains, draws, params]; out holds nout summaries. */
gen_status gen_summarize_array(const gen_array *draws, const double *probs, int nprobs,
                               gen_summary *out, int64_t nout);

/* Prints n summaries as a fixed-width table with a header line, one row per parameter,
 * named names[i] (names may be NULL: "[0]", "[1]", ...). The quantile columns are those
 * of s[0]. */
gen_status gen_summary_print(FILE *f, const gen_summary *s, int64_t n,
                             const char *const *names);
/* Writes n summaries as JSON lines, one object per parameter:
 * {"name":..,"mean":..,"sd":..,"median":..,"quantiles":[{"prob":..,"value":..},..],
 *  "mcse_mean":..,"mcse_sd":..,"ess_bulk":..,"ess_tail":..,"rhat":..}; NaN is null. */
gen_status gen_summary_write_json(FILE *f, const gen_summary *s, int64_t n,
                                  const char *const *names);

#ifdef __cplusplus
}
#endif
#endif
