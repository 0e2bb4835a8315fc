/* special.h — scalar special functions behind the unary ops (prefix sf_). Our own
 * implementations: pure functions of their argument, thread-safe (no global state such
 * as lgamma's signgam), accurate to a few ulp unless noted.
 *
 * Conventions at singular points (chosen to match SciPy):
 *   sf_lgamma:   +inf at 0, -1, -2, ... and at +-inf; log|Gamma(x)| elsewhere.
 *   sf_digamma:  -inf at +0, +inf at -0 (the one-sided limits), nan at the negative
 *                integers and at -inf (the two sides disagree), +inf at +inf.
 *   sf_trigamma: +inf at 0, -1, -2, ... (both sides go to +inf), nan at -inf, 0 at +inf.
 *   sf_erfinv:   +-inf at +-1, nan outside [-1, 1].
 * nan propagates through every function. Near the zeros of lgamma and digamma on the
 * negative axis only absolute accuracy (~1e-16 times the terms) is achieved. */
#ifndef GENC_SRC_SPECIAL_H
#define GENC_SRC_SPECIAL_H

double sf_sigmoid(double x);     /* 1 / (1 + exp(-x)) without overflow */
double sf_softplus(double x);    /* log(1 + exp(x)), exact for large |x| */
double sf_log_sigmoid(double x); /* -softplus(-x) */
double sf_round_even(double x);  /* nearest integer, ties to even (any rounding mode) */
double sf_erfinv(double y);      /* inverse of erf on [-1, 1] */
double sf_lgamma(double x);      /* log |Gamma(x)| */
double sf_digamma(double x);     /* Gamma'(x) / Gamma(x) */
double sf_trigamma(double x);    /* derivative of digamma */
double sf_log_ndtr(double x);    /* log of the standard normal CDF, both tails accurate */

#endif
