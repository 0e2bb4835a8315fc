/* diag_ess.c — effective sample sizes and R-hats of loaded draws, ported operation for
 * operation from ArviZ 0.23's arviz/stats/diagnostics.py (_ess, _rhat and the methods
 * built on them), which follow Vehtari et al. (2021). */
#include <math.h>
#include <string.h>

#include "diag_int.h"

/* Rows as they are, before any transformation. */
static gen_status rows_copy(const diag_rows *r, diag_rows *out) {
    size_t size = (size_t)(r->m * r->n);
    *out = (diag_rows){r->m, r->n, core_alloc(size * sizeof(double))};
    if (!out->x) return GEN_ERR_OOM;
    memcpy(out->x, r->x, size * sizeof(double));
    return GEN_OK;
}

static double mean_of(const double *x, int64_t n, int64_t stride) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * stride];
    return s / (double)n;
}

/* Sample variance (divisor n - 1). */
static double var_of(const double *x, int64_t n) {
    double mean = mean_of(x, n, 1), s = 0;
    for (int64_t i = 0; i < n; i++) s += (x[i] - mean) * (x[i] - mean);
    return s / (double)(n - 1);
}

/* Geyer's initial positive sequence (pairs of autocorrelations while their sum is
 * positive), made monotone, truncated; ESS = m n / tau, tau >= 1 / log10(m n). */
static double ess_geyer(const double *acov, const double *chain_mean, int64_t m, int64_t n,
                        double *rho) {
    double mean_var = mean_of(acov, m, n) * (double)n / ((double)n - 1.0);
    double var_plus = mean_var * ((double)n - 1.0) / (double)n;
    if (m > 1) var_plus += var_of(chain_mean, m);
    memset(rho, 0, (size_t)n * sizeof *rho);
    double rho_even = 1.0, rho_odd = 1.0 - (mean_var - mean_of(acov + 1, m, n)) / var_plus;
    rho[0] = rho_even;
    rho[1] = rho_odd;
    int64_t t = 1;
    while (t < n - 3 && rho_even + rho_odd > 0.0) {
        rho_even = 1.0 - (mean_var - mean_of(acov + t + 1, m, n)) / var_plus;
        rho_odd = 1.0 - (mean_var - mean_of(acov + t + 2, m, n)) / var_plus;
        if (rho_even + rho_odd >= 0) rho[t + 1] = rho_even, rho[t + 2] = rho_odd;
        t += 2;
    }
    int64_t max_t = t - 2;
    if (rho_even > 0) rho[max_t + 1] = rho_even; /* a bias term for antithetic chains */
    for (t = 1; t <= max_t - 2; t += 2)
        if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t])
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0;
    double size = (double)(m * n), sum = 0;
    for (int64_t i = 0; i <= max_t; i++) sum += rho[i];
    double tau = -1.0 + 2.0 * sum + rho[max_t + 1];
    tau = fmax(tau, 1.0 / log10(size));
    for (int64_t i = 0; i < n; i++)
        if (isnan(rho[i])) return NAN;
    return size / tau;
}

gen_status diag_ess_rows(const diag_rows *r, double *out) {
    int64_t m = r->m, n = r->n, len = diag_fft_len(n);
    double lo = r->x[0], hi = r->x[0];
    for (int64_t i = 0; i < m * n; i++) {
        if (isnan(r->x[i])) return *out = NAN, GEN_OK;
        lo = fmin(lo, r->x[i]), hi = fmax(hi, r->x[i]);
    }
    if (hi - lo < 1e-15) return *out = (double)(m * n), GEN_OK; /* numpy's resolution */
    size_t nb = (size_t)(m * n + m + n + 4 * len) * sizeof(double);
    double *acov = core_alloc(nb);
    if (!acov) return GEN_ERR_OOM;
    double *chain_mean = acov + m * n, *rho = chain_mean + m, *work = rho + n;
    for (int64_t c = 0; c < m; c++) {
        diag_autocov(r->x + c * n, n, acov + c * n, work);
        chain_mean[c] = mean_of(r->x + c * n, n, 1);
    }
    *out = ess_geyer(acov, chain_mean, m, n, rho);
    core_free(acov, nb);
    return GEN_OK;
}

gen_status diag_rhat_rows(const diag_rows *r, double *out) {
    int64_t m = r->m, n = r->n;
    double within = 0, *chain_mean = core_alloc((size_t)m * sizeof(double));
    if (!chain_mean) return GEN_ERR_OOM;
    for (int64_t c = 0; c < m; c++) {
        chain_mean[c] = mean_of(r->x + c * n, n, 1);
        within += var_of(r->x + c * n, n);
    }
    within /= (double)m;
    double between = (double)n * var_of(chain_mean, m);
    core_free(chain_mean, (size_t)m * sizeof(double));
    *out = sqrt((between / within + (double)n - 1) / (double)n);
    return GEN_OK;
}

/* ---- the statistics ---- */

#define DIAG_IF_CONSTANT_NAN(r, out)                                                         \
    do {                                                                                   \
        if (diag_constant(r)) return *(out) = NAN, GEN_OK;                                 \
    } while (0)

gen_status diag_ess_basic(const diag_rows *r, double *out) {
    DIAG_IF_CONSTANT_NAN(r, out);
    diag_rows s;
    gen_status st = diag_split(r, &s);
    if (st == GEN_OK) st = diag_ess_rows(&s, out);
    diag_rows_free(&s);
    return st;
}

gen_status diag_ess_bulk(const diag_rows *r, double *out) {
    DIAG_IF_CONSTANT_NAN(r, out);
    diag_rows s;
    gen_status st = diag_split(r, &s);
    if (st == GEN_OK) st = diag_zscale(s.x, s.m * s.n);
    if (st == GEN_OK) st = diag_ess_rows(&s, out);
    diag_rows_free(&s);
    return st;
}

/* The ESS of the indicator draw <= q_prob, the quantile taken over all draws. */
gen_status diag_ess_quantile(const diag_rows *r, double prob, double *out) {
    DIAG_IF_CONSTANT_NAN(r, out);
    double *sorted = diag_sorted(r);
    if (!sorted) return GEN_ERR_OOM;
    double q = diag_quantile_sorted(sorted, r->m * r->n, prob);
    core_free(sorted, (size_t)(r->m * r->n) * sizeof(double));
    diag_rows ind, s = {0};
    gen_status st = rows_copy(r, &ind);
    if (st == GEN_OK) {
        for (int64_t i = 0; i < r->m * r->n; i++) ind.x[i] = ind.x[i] <= q ? 1.0 : 0.0;
        st = diag_split(&ind, &s);
    }
    if (st == GEN_OK) st = diag_ess_rows(&s, out);
    diag_rows_free(&s);
    diag_rows_free(&ind);
    return st;
}

gen_status diag_ess_tail(const diag_rows *r, double *out) {
    double lo, hi;
    gen_status st = diag_ess_quantile(r, 0.05, &lo);
    if (st == GEN_OK) st = diag_ess_quantile(r, 0.95, &hi);
    if (st == GEN_OK) *out = hi < lo ? hi : lo; /* Python's min(lo, hi) */
    return st;
}

gen_status diag_rhat_split(const diag_rows *r, double *out) {
    DIAG_IF_CONSTANT_NAN(r, out);
    diag_rows s;
    gen_status st = diag_split(r, &s);
    if (st == GEN_OK) st = diag_rhat_rows(&s, out);
    diag_rows_free(&s);
    return st;
}

/* Bulk: R-hat of the rank-normalized split chains; tail: of the rank-normalized
 * |split draw - median|. */
gen_status diag_rhat_rank(const diag_rows *r, double *out) {
    DIAG_IF_CONSTANT_NAN(r, out);
    diag_rows s, z = {0};
    double *sorted = NULL;
    gen_status st = diag_split(r, &s);
    if (st == GEN_OK) st = rows_copy(&s, &z);
    if (st == GEN_OK) st = diag_zscale(z.x, z.m * z.n);
    if (st == GEN_OK && !(sorted = diag_sorted(&s))) st = GEN_ERR_OOM;
    double bulk = NAN, tail = NAN;
    if (st == GEN_OK) st = diag_rhat_rows(&z, &bulk);
    if (st == GEN_OK) {
        int64_t size = s.m * s.n;
        double med = size % 2 ? sorted[size / 2] : (sorted[size / 2 - 1] + sorted[size / 2]) / 2;
        for (int64_t i = 0; i < size; i++) s.x[i] = fabs(s.x[i] - med);
        st = diag_zscale(s.x, size);
    }
    if (st == GEN_OK) st = diag_rhat_rows(&s, &tail);
    if (st == GEN_OK) *out = tail > bulk ? tail : bulk; /* Python's max(bulk, tail) */
    if (sorted) core_free(sorted, (size_t)(s.m * s.n) * sizeof(double));
    diag_rows_free(&z);
    diag_rows_free(&s);
    return st;
}
