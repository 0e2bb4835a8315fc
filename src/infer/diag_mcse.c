/* diag_mcse.c — Monte Carlo standard errors of loaded draws (mean, sd, quantiles), as
 * ArviZ 0.23's _mcse_mean, _mcse_sd and _mcse_quantile and the R package posterior. */
#include <math.h>

#include "diag_int.h"

void diag_mean_sd(const diag_rows *r, double *mean, double *sd) {
    int64_t size = r->m * r->n;
    double s = 0, ss = 0;
    for (int64_t i = 0; i < size; i++) s += r->x[i];
    *mean = s / (double)size;
    for (int64_t i = 0; i < size; i++) ss += (r->x[i] - *mean) * (r->x[i] - *mean);
    *sd = sqrt(ss / (double)(size - 1));
}

gen_status diag_mcse_mean(const diag_rows *r, double *out) {
    double mean, sd, ess;
    gen_status st = diag_ess_basic(r, &ess);
    if (st != GEN_OK) return st;
    diag_mean_sd(r, &mean, &sd);
    *out = sd / sqrt(ess); /* NaN for constant draws, as ess is */
    return GEN_OK;
}

/* varvar = (E[c^4] - E[c^2]^2) / ess with c = draw - mean and ess the basic ESS of c^2;
 * var(sd) ~ varvar / (4 E[c^2]). */
gen_status diag_mcse_sd(const diag_rows *r, double *out) {
    if (diag_constant(r)) return *out = NAN, GEN_OK;
    int64_t size = r->m * r->n;
    double mean, sd, ess, evar = 0, e4 = 0;
    diag_mean_sd(r, &mean, &sd);
    diag_rows c2 = {r->m, r->n, core_alloc((size_t)size * sizeof(double))}, s = {0};
    if (!c2.x) return GEN_ERR_OOM;
    for (int64_t i = 0; i < size; i++) {
        double c = r->x[i] - mean;
        c2.x[i] = c * c;
        evar += c2.x[i];
        e4 += c2.x[i] * c2.x[i];
    }
    evar /= (double)size, e4 /= (double)size;
    gen_status st = diag_split(&c2, &s);
    if (st == GEN_OK) st = diag_ess_rows(&s, &ess);
    if (st == GEN_OK) *out = sqrt((e4 - evar * evar) / ess / evar / 4);
    diag_rows_free(&s);
    diag_rows_free(&c2);
    return st;
}

/* The order statistics at the 15.9% and 84.1% points of the beta distribution of the
 * quantile's CDF value, at the indicator's ESS (Vehtari et al. 2021, section 4.3). */
gen_status diag_mcse_quantile(const diag_rows *r, double prob, double *out) {
    double ess;
    gen_status st = diag_ess_quantile(r, prob, &ess);
    if (st != GEN_OK || isnan(ess)) return st == GEN_OK ? (*out = NAN, GEN_OK) : st;
    double a = diag_beta_ppf(0.1586553, ess * prob + 1, ess * (1 - prob) + 1);
    double b = diag_beta_ppf(0.8413447, ess * prob + 1, ess * (1 - prob) + 1);
    int64_t size = r->m * r->n;
    double *sorted = diag_sorted(r);
    if (!sorted) return GEN_ERR_OOM;
    double lo = a * (double)size - 1, hi = b * (double)size - 1;
    lo = isnan(lo) || lo < 0 ? 0 : lo; /* numpy's nanmax((lo, 0)) */
    hi = isnan(hi) || hi > (double)(size - 1) ? (double)(size - 1) : hi;
    *out = (sorted[(int64_t)ceil(hi)] - sorted[(int64_t)floor(lo)]) / 2;
    core_free(sorted, (size_t)size * sizeof(double));
    return GEN_OK;
}
