/* stats.h — statistical checks for samplers, with fixed keys and thresholds from the
 * sampling distribution of each statistic (never hand-tuned slack):
 *  - Kolmogorov–Smirnov against an exact CDF: pass when sqrt(n) D < 1.95 (alpha 0.001);
 *  - chi-square goodness of fit against exact probabilities, pooling bins with expected
 *    count < 5: pass when the statistic is below the chi-square 0.999 quantile;
 *  - mean and variance within 5 Monte Carlo standard errors (estimated from the draws). */
#ifndef GENC_TEST_STATS_H
#define GENC_TEST_STATS_H

#include "check.h"

typedef double (*stats_cdf)(double x, const double *params);

/* KS statistic sqrt(n) * D of the n values of samples (any float dtype, flattened). */
double stats_ks(const gen_array *samples, stats_cdf cdf, const double *params);
int stats_ks_check_at(const char *file, int line, const char *what, const gen_array *samples,
                      stats_cdf cdf, const double *params);
/* params last, so a compound literal (double[]){a, b} can be passed. */
#define STATS_KS(what, samples, cdf, ...) \
    stats_ks_check_at(__FILE__, __LINE__, (what), (samples), (cdf), (__VA_ARGS__))

/* Chi-square test of integer samples (any dtype, values 0..k-1 counted; values outside
 * count as a failure) against probs[0..k-1] (summing to <= 1; the rest of the mass, if
 * any, is one more bin for values >= k). */
int stats_chisq_check_at(const char *file, int line, const char *what, const gen_array *samples,
                         const double *probs, int k);
#define STATS_CHISQ(what, samples, probs, k) \
    stats_chisq_check_at(__FILE__, __LINE__, (what), (samples), (probs), (k))

/* Mean and variance of the samples within 5 standard errors of mean and var (var < 0:
 * skip the variance check, e.g. for infinite variance). */
int stats_moments_check_at(const char *file, int line, const char *what, const gen_array *samples,
                           double mean, double var);
#define STATS_MOMENTS(what, samples, mean, var) \
    stats_moments_check_at(__FILE__, __LINE__, (what), (samples), (mean), (var))

#endif
