/* stats.c — see stats.h. */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

static double *copy_f64(const gen_array *a, int64_t *n) {
    *n = gen_array_size(a);
    double *d = malloc((size_t)(*n ? *n : 1) * sizeof *d);
    gen_array_copy_to(a, GEN_F64, d, (size_t)*n * sizeof *d);
    return d;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double stats_ks(const gen_array *samples, stats_cdf cdf, const double *params) {
    int64_t n;
    double *x = copy_f64(samples, &n), d = 0;
    qsort(x, (size_t)n, sizeof *x, cmp);
    for (int64_t i = 0; i < n; i++) {
        double f = cdf(x[i], params);
        d = fmax(d, fmax((double)(i + 1) / (double)n - f, f - (double)i / (double)n));
    }
    free(x);
    return sqrt((double)n) * d;
}

int stats_ks_check_at(const char *file, int line, const char *what, const gen_array *samples,
                      stats_cdf cdf, const double *params) {
    check_count++;
    if (!samples) {
        check_fail(file, line, "%s: no samples: %s", what, gen_error_message());
        return 0;
    }
    double k = stats_ks(samples, cdf, params);
    if (!(k < 1.95)) check_fail(file, line, "%s: KS sqrt(n) D = %.4f >= 1.95", what, k);
    return k < 1.95;
}

int stats_chisq_check_at(const char *file, int line, const char *what, const gen_array *samples,
                         const double *probs, int k) {
    check_count++;
    if (!samples) {
        check_fail(file, line, "%s: no samples: %s", what, gen_error_message());
        return 0;
    }
    int64_t n;
    double *x = copy_f64(samples, &n);
    double *count = calloc((size_t)k + 1, sizeof *count), rest = 1;
    for (int i = 0; i < k; i++) rest -= probs[i];
    for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        if (v >= 0 && v < k && v == floor(v)) count[(int)v]++;
        else if (v >= k && rest > 1e-12 && v == floor(v)) count[k]++;
        else {
            check_fail(file, line, "%s: sample %lld = %g is outside the support", what, (long long)i, v);
            free(x), free(count);
            return 0;
        }
    }
    /* Pool neighbouring bins until each expected count is at least 5; a small last
     * pool (the tail) is folded into the one before it. */
    double *po = calloc((size_t)k + 1, sizeof *po), *pe = calloc((size_t)k + 1, sizeof *pe);
    double obs = 0, exp = 0;
    int bins = 0;
    for (int i = 0; i <= k; i++) {
        obs += count[i];
        exp += (i < k ? probs[i] : fmax(rest, 0)) * (double)n;
        if (exp >= 5 || i == k) {
            po[bins] = obs, pe[bins] = exp, bins++;
            obs = exp = 0;
        }
    }
    if (bins > 1 && pe[bins - 1] < 5) {
        po[bins - 2] += po[bins - 1], pe[bins - 2] += pe[bins - 1];
        bins--;
    }
    double stat = 0;
    for (int i = 0; i < bins; i++) {
        if (pe[i] > 0) stat += (po[i] - pe[i]) * (po[i] - pe[i]) / pe[i];
        else if (po[i] > 0) stat = INFINITY;
    }
    free(po), free(pe);
    double crit = bins > 1 ? gsl_cdf_chisq_Pinv(0.999, bins - 1) : 0;
    int ok = bins <= 1 ? stat == 0 : stat < crit;
    if (!ok) check_fail(file, line, "%s: chi-square %.3f >= %.3f (0.999 quantile, %d bins)", what, stat, crit, bins);
    free(x), free(count);
    return ok;
}

int stats_moments_check_at(const char *file, int line, const char *what, const gen_array *samples,
                           double mean, double var) {
    check_count++;
    if (!samples) {
        check_fail(file, line, "%s: no samples: %s", what, gen_error_message());
        return 0;
    }
    int64_t n;
    double *x = copy_f64(samples, &n), m = 0, v = 0, m4 = 0;
    for (int64_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        double d = x[i] - m;
        v += d * d;
        m4 += d * d * d * d;
    }
    v /= (double)(n - 1);
    m4 /= (double)n;
    free(x);
    int ok = 1;
    double se_m = sqrt(v / (double)n);
    if (!(fabs(m - mean) <= 5 * se_m)) {
        check_fail(file, line, "%s: mean %.6g, want %.6g (5 s.e. = %.3g)", what, m, mean, 5 * se_m);
        ok = 0;
    }
    double se_v = sqrt(fmax(m4 - v * v, 0) / (double)n);
    if (var >= 0 && !(fabs(v - var) <= 5 * se_v)) {
        check_fail(file, line, "%s: variance %.6g, want %.6g (5 s.e. = %.3g)", what, v, var, 5 * se_v);
        ok = 0;
    }
    return ok;
}
