/* diag_int.h — internal interface of the MCMC diagnostics (genc/diag.h): draws held as
 * rows, the numeric kernels (FFT autocovariance, ranks, normal and beta quantiles) and
 * the statistics on loaded draws that the public functions and summaries share. */
#ifndef GENC_SRC_DIAG_INT_H
#define GENC_SRC_DIAG_INT_H

#include "../core/core.h"
#include "genc/diag.h"

/* m rows of n draws, row-major, owned (core_alloc'd). */
typedef struct diag_rows {
    int64_t m, n;
    double *x;
} diag_rows;

void diag_rows_free(diag_rows *r);
/* Checks the chains (count, lengths >= 4 and equal, finite) and copies them. */
gen_status diag_load(const double *const *chains, int64_t nchains, const int64_t *ndraws,
                     diag_rows *out);
/* Split chains: 2m rows of n/2, first halves then second halves (ArviZ's order); the
 * middle draw of an odd n is dropped. */
gen_status diag_split(const diag_rows *r, diag_rows *out);
/* Whether every draw equals the first. */
bool diag_constant(const diag_rows *r);

/* ---- kernels (diag_math.c) ---- */

/* acov[t] = (1/n) sum_i (x_i - mean)(x_{i+t} - mean), t < n, by a zero-padded radix-2
 * FFT; work holds 4 * diag_fft_len(n) doubles. */
int64_t diag_fft_len(int64_t n);
void diag_autocov(const double *x, int64_t n, double *acov, double *work);
/* Replaces x[0..size-1] by their normal scores Phi^-1((rank - 3/8) / (size + 1/4)),
 * ranks averaged over ties. */
gen_status diag_zscale(double *x, int64_t size);
/* Type-7 quantile of sorted[0..size-1]. */
double diag_quantile_sorted(const double *sorted, int64_t size, double prob);
/* A sorted copy of the draws (core_alloc'd, size m * n). */
double *diag_sorted(const diag_rows *r);
/* The standard normal quantile, to a few ulps. */
double diag_ndtri(double p);
/* The p-quantile of Beta(a, b). */
double diag_beta_ppf(double p, double a, double b);

/* ---- statistics on loaded draws (diag_ess.c, diag_mcse.c) ---- */

/* ArviZ's _ess: Geyer's initial monotone sequence estimate over the rows, as they are. */
gen_status diag_ess_rows(const diag_rows *r, double *out);
/* ArviZ's _rhat over the rows, as they are. */
gen_status diag_rhat_rows(const diag_rows *r, double *out);
gen_status diag_ess_bulk(const diag_rows *r, double *out);
gen_status diag_ess_basic(const diag_rows *r, double *out);
gen_status diag_ess_quantile(const diag_rows *r, double prob, double *out);
gen_status diag_ess_tail(const diag_rows *r, double *out);
gen_status diag_rhat_rank(const diag_rows *r, double *out);
gen_status diag_rhat_split(const diag_rows *r, double *out);
gen_status diag_mcse_mean(const diag_rows *r, double *out);
gen_status diag_mcse_sd(const diag_rows *r, double *out);
gen_status diag_mcse_quantile(const diag_rows *r, double prob, double *out);
/* Mean and sd (divisor n - 1) of all draws. */
void diag_mean_sd(const diag_rows *r, double *mean, double *sd);

#endif
