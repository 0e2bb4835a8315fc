/* weights.c — log weights: the log mean of exponentials, the effective sample size and
 * resampling (multinomial, systematic, stratified, residual). Weights on a device are
 * reduced there (logsumexp, one read) for the log mean and the ESS, and resampled there
 * (all schemes but residual, which reads them once): the ancestors stay on the device
 * for a batched filter's gather (infer_resample_index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer_int.h"

double infer_log_mean_exp_of(const double *w, int64_t n) {
    double max = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) max = w[i] > max ? w[i] : max;
    if (isinf(max)) return max;
    for (int64_t i = 0; i < n; i++) sum += exp(w[i] - max);
    return max + log(sum / (double)n);
}

double infer_ess_of(const double *w, int64_t n) {
    double max = -INFINITY, sum = 0, sum2 = 0;
    for (int64_t i = 0; i < n; i++) max = w[i] > max ? w[i] : max;
    if (max == -INFINITY) return 0;
    for (int64_t i = 0; i < n; i++) {
        double e = exp(w[i] - max);
        sum += e;
        sum2 += e * e;
    }
    return sum * sum / sum2;
}

/* The weights as doubles with their max, checked (1-d, n > 0, no NaN). */
static gen_status read_weights(const char *fn, const gen_array *lw, double **w, int64_t *n, double *max) {
    if (!lw) return infer_null(fn, "the log weights");
    if (gen_array_ndim(lw) != 1 || gen_array_size(lw) == 0)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: the log weights must be a non-empty 1-d array", fn);
    *n = gen_array_size(lw);
    *w = core_alloc((size_t)*n * sizeof **w);
    if (!*w) return GEN_ERR_OOM;
    gen_status s = gen_array_copy_to(lw, GEN_F64, *w, (size_t)*n * sizeof **w);
    *max = -INFINITY;
    for (int64_t i = 0; s == GEN_OK && i < *n; i++) {
        if (isnan((*w)[i])) s = GEN_FAIL(GEN_ERR_VALUE, "%s: log weight %lld is NaN", fn, (long long)i);
        else if ((*w)[i] > *max) *max = (*w)[i];
    }
    if (s != GEN_OK) core_free(*w, (size_t)*n * sizeof **w);
    return s;
}

/* For weights w on a device (1-d, non-empty): l[0] = logsumexp(w) and, with squares,
 * l[1] = logsumexp(2 w), computed there and read back at once. False when not that case,
 * the ops failed or a result is NaN (a NaN weight: the host path reports its index). */
static bool device_logsumexp(const gen_array *lw, bool squares, double l[2]) {
    if (!lw || gen_array_device(lw) == GEN_DEVICE_CPU || gen_array_ndim(lw) != 1 || gen_array_size(lw) == 0)
        return false;
    bool had_error = gen_error_status() != GEN_OK;
    if (gen_scope_begin() != GEN_OK) return false;
    int64_t batch = gen_batch_suspend(); /* physical shapes: the weights are one vector */
    gen_array *parts[2] = {gen_logsumexp(lw, 0, NULL, false), NULL};
    if (squares) parts[1] = gen_logsumexp(gen_add(lw, lw), 0, NULL, false);
    gen_array *all = squares ? gen_stack(2, parts, 0) : parts[0];
    bool read = all && gen_array_copy_to(all, GEN_F64, l, (squares ? 2 : 1) * sizeof *l) == GEN_OK;
    gen_batch_resume(batch);
    gen_scope_end();
    if (!read && !had_error) gen_error_clear(); /* the host path decides, and says why */
    return read && !isnan(l[0]) && !(squares && isnan(l[1]));
}

gen_status gen_log_mean_exp(const gen_array *log_weights, double *out) {
    double *w, max; /* the helper finds it again: one more pass over a host copy */
    int64_t n;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_log_mean_exp: out is NULL");
    double l[2];
    if (device_logsumexp(log_weights, false, l)) { /* logsumexp is +-inf where the max is */
        *out = isinf(l[0]) ? l[0] : l[0] - log((double)gen_array_size(log_weights));
        return GEN_OK;
    }
    gen_status s = read_weights("gen_log_mean_exp", log_weights, &w, &n, &max);
    if (s != GEN_OK) return s;
    *out = infer_log_mean_exp_of(w, n);
    core_free(w, (size_t)n * sizeof *w);
    return GEN_OK;
}

gen_status gen_ess_of_log_weights(const gen_array *log_weights, double *out) {
    double *w, max;
    int64_t n;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_ess_of_log_weights: out is NULL");
    double l[2];
    if (device_logsumexp(log_weights, true, l)) { /* (sum w)^2 / sum w^2 */
        *out = l[0] == -INFINITY ? 0 : exp(2 * l[0] - l[1]);
        return GEN_OK;
    }
    gen_status s = read_weights("gen_ess_of_log_weights", log_weights, &w, &n, &max);
    if (s != GEN_OK) return s;
    *out = infer_ess_of(w, n);
    core_free(w, (size_t)n * sizeof *w);
    return GEN_OK;
}

/* u[k] for k < m: uniforms in (0, 1) from key, drawn on the host (they are read there). */
static gen_status uniforms(gen_key key, int64_t m, double *u) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_device dev = gen_device_set_default(GEN_DEVICE_CPU);
    gen_array *a = gen_random_uniform(key, GEN_F64, 1, &m);
    gen_device_set_default(dev);
    s = a ? gen_array_copy_to(a, GEN_F64, u, (size_t)m * sizeof *u) : infer_pending();
    gen_scope_end();
    return s;
}

/* Inverts the CDF at sorted points pts[0..m) into out. */
static void invert_sorted(const double *cdf, int64_t n, const double *pts, int64_t m, int64_t *out) {
    int64_t j = 0;
    for (int64_t k = 0; k < m; k++) {
        while (j < n - 1 && cdf[j] <= pts[k]) j++;
        out[k] = j;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ancestors of weights lw on a device (1-d, n > 0; not residual) as an i64 [m] array
 * there, in the current scope: the host path's, from the same uniforms (draws are
 * functions of key and index on every device). The CDF is inverted by one stable sort
 * of the CDF and the sorted points together: point j's rank there, less j, is the
 * number of CDF entries <= it, the host's j. NULL when the weights cannot be resampled
 * (a NaN, none finite: the host path says which) or an op failed (recorded). */
static gen_array *device_ancestors(gen_key key, const gen_array *lw, gen_resampling method, int64_t m) {
    int64_t n = gen_array_size(lw), one = 1;
    double max = 0;
    gen_array *mx = gen_max(lw, 0, NULL, false);
    if (!mx || gen_item(mx, &max) != GEN_OK || !isfinite(max)) return NULL;
    gen_array *w = gen_exp(gen_sub(lw, mx));
    gen_array *cdf = gen_cumsum(gen_div(w, gen_sum(w, 0, NULL, false)), 0);
    gen_array *total = gen_slice(cdf, 0, n - 1, n, 1);
    gen_array *u = gen_random_uniform(key, GEN_F64, 1, method == GEN_RESAMPLE_SYSTEMATIC ? &one : &m);
    gen_array *pts = method == GEN_RESAMPLE_MULTINOMIAL
                         ? gen_sort(u, 0)
                         : gen_div(gen_add(gen_arange(0, (double)m, 1, GEN_F64), u), gen_scalar((double)m));
    gen_array *both[2] = {cdf, gen_mul(pts, total)};
    gen_array *order = gen_argsort(gen_concatenate(2, both, 0), 0);
    int64_t nm = n + m;
    gen_array *rank = gen_index_set(gen_zeros(GEN_I64, 1, &nm), 0, order, gen_arange(0, (double)nm, 1, GEN_I64));
    gen_array *below = gen_sub(gen_slice(rank, 0, n, nm, 1), gen_arange(0, (double)m, 1, GEN_I64));
    return gen_clip(below, gen_scalar_i64(0), gen_scalar_i64(n - 1));
}

static gen_status resample_host(gen_key key, const gen_array *log_weights, gen_resampling method, int64_t n_out,
                                int64_t *out);

gen_array *infer_resample_index(gen_key key, const gen_array *lw, gen_resampling method, int64_t n_out) {
    if (lw && gen_array_device(lw) != GEN_DEVICE_CPU && method != GEN_RESAMPLE_RESIDUAL && n_out > 0 &&
        gen_array_ndim(lw) == 1 && gen_array_size(lw) > 0) {
        bool had_error = gen_error_status() != GEN_OK;
        int64_t batch = gen_batch_suspend(); /* physical shapes: the weights are one vector */
        gen_device old = gen_device_set_default(gen_array_device(lw));
        gen_array *idx = device_ancestors(key, lw, method, n_out);
        gen_device_set_default(old);
        gen_batch_resume(batch);
        if (idx) return idx;
        if (!had_error) gen_error_clear(); /* the host path decides, and says why */
    }
    size_t ib = n_out > 0 ? (size_t)n_out * sizeof(int64_t) : 1;
    int64_t *host = core_alloc(ib);
    if (!host) return NULL;
    gen_array *idx = NULL;
    if (resample_host(key, lw, method, n_out, host) == GEN_OK) {
        idx = gen_array_from(GEN_I64, 1, &n_out, host);
        if (idx && gen_array_device(lw) != GEN_DEVICE_CPU) idx = gen_array_to_device(idx, gen_array_device(lw));
    }
    core_free(host, ib);
    return idx;
}

/* gen_resample on the host (weights read once from any device). */
static gen_status resample_host(gen_key key, const gen_array *log_weights, gen_resampling method, int64_t n_out,
                                int64_t *out) {
    const char *fn = "gen_resample";
    double *w, max;
    int64_t n;
    gen_status s = read_weights(fn, log_weights, &w, &n, &max);
    if (s != GEN_OK) return s;
    if (max == -INFINITY || max == INFINITY) {
        core_free(w, (size_t)n * sizeof *w);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: every weight is %s", fn, max < 0 ? "zero (log weight -inf)" : "infinite at once");
    }
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += (w[i] = exp(w[i] - max));
    for (int64_t i = 0; i < n; i++) w[i] /= total; /* normalized probabilities */
    int64_t m = n_out > 0 ? n_out : 1, done = 0;
    double *pts = core_alloc((size_t)m * sizeof *pts), *cdf = core_alloc((size_t)n * sizeof *cdf);
    if (!pts || !cdf) s = GEN_ERR_OOM;
    if (s == GEN_OK && method == GEN_RESAMPLE_RESIDUAL) { /* floor(n_out w_i) copies, the rest multinomial */
        for (int64_t i = 0; i < n; i++) {
            int64_t c = (int64_t)floor((double)n_out * w[i]);
            for (int64_t k = 0; k < c && done < n_out; k++) out[done++] = i;
            w[i] = (double)n_out * w[i] - (double)c;
        }
        double rest = 0;
        for (int64_t i = 0; i < n; i++) rest += w[i];
        for (int64_t i = 0; i < n && rest > 0; i++) w[i] /= rest;
    }
    double acc = 0;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) cdf[i] = (acc += w[i]);
    int64_t left = n_out - done;
    /* systematic uses one uniform: element 0 of the stream, the same whatever its length
     * (draws are functions of (key, index): docs/random.md), so one is drawn, not left */
    if (s == GEN_OK && left > 0) s = uniforms(key, method == GEN_RESAMPLE_SYSTEMATIC ? 1 : left, pts);
    if (s == GEN_OK && left > 0) {
        if (method == GEN_RESAMPLE_SYSTEMATIC) {
            double u = pts[0]; /* one uniform for all: read before pts[0] is overwritten */
            for (int64_t k = 0; k < left; k++) pts[k] = ((double)k + u) / (double)left;
        } else if (method == GEN_RESAMPLE_STRATIFIED) {
            for (int64_t k = 0; k < left; k++) pts[k] = ((double)k + pts[k]) / (double)left;
        } else {
            qsort(pts, (size_t)left, sizeof *pts, cmp_double);
        }
        for (int64_t k = 0; k < left; k++) pts[k] *= acc; /* the CDF's own total (rounding) */
        invert_sorted(cdf, n, pts, left, out + done);
    }
    if (pts) core_free(pts, (size_t)m * sizeof *pts);
    if (cdf) core_free(cdf, (size_t)n * sizeof *cdf);
    core_free(w, (size_t)n * sizeof *w);
    return s;
}

gen_status gen_resample(gen_key key, const gen_array *log_weights, gen_resampling method,
                        int64_t n_out, int64_t *out) {
    const char *fn = "gen_resample";
    if (n_out < 0 || (n_out > 0 && !out)) return GEN_FAIL(GEN_ERR_MISUSE, "%s: need n_out >= 0 and an output array", fn);
    if (method < GEN_RESAMPLE_MULTINOMIAL || method > GEN_RESAMPLE_RESIDUAL)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown method %d", fn, (int)method);
    if (!log_weights || gen_array_device(log_weights) == GEN_DEVICE_CPU || method == GEN_RESAMPLE_RESIDUAL ||
        n_out == 0)
        return resample_host(key, log_weights, method, n_out, out);
    gen_status s = gen_scope_begin(); /* resampled on the device, the ancestors read once */
    if (s != GEN_OK) return s;
    gen_array *idx = infer_resample_index(key, log_weights, method, n_out);
    s = idx ? gen_array_copy_to(idx, GEN_I64, out, (size_t)n_out * sizeof *out) : infer_pending();
    gen_scope_end();
    return s;
}
