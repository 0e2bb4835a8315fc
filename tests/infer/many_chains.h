/* many_chains.h — what the tests of the many-chain samplers (test_chees.c,
 * test_nuts_batched.c) share: a badly scaled and correlated Gaussian target, the chains'
 * moments against exact ones with MCSE from the chains' own spread, their last draws, and
 * the stationarity check over chains: chains started at exact draws of the target and
 * moved with fixed settings (no adaptation) are still exact draws, one per chain, whatever
 * the number of transitions. */
#ifndef GENC_TESTS_INFER_MANY_CHAINS_H
#define GENC_TESTS_INFER_MANY_CHAINS_H

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"

#define RHO 0.9
static const double SD[4] = {0.1, 10, 1, 5}, MEAN[4] = {1, -2, 0, 0};

/* a ~ N(1, 0.1), b ~ N(-2, 10), x ~ N(0, 1), y ~ N(4.5 x, 5 sqrt(1 - 0.81)): a badly
 * scaled Gaussian with a correlated pair (corr(x, y) = 0.9). */
static gen_status gauss(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_choose(ctx, "a", gen_normal(gen_scalar(1), gen_scalar(0.1)));
    gen_choose(ctx, "b", gen_normal(gen_scalar(-2), gen_scalar(10)));
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(gen_mul(gen_scalar(5 * RHO), x), gen_scalar(5 * sqrt(1 - RHO * RHO))));
    *retval = x;
    return gen_ctx_status(ctx);
}

/* The elements of a as host doubles (free them). */
static double *host(const gen_array *a) {
    int64_t n = gen_array_size(a);
    double *h = malloc((size_t)(n + 1) * sizeof *h);
    CHECK_OK(gen_array_copy_to(a, GEN_F64, h, (size_t)n * sizeof *h));
    return h;
}

/* The chains' estimates of coordinate k of draws [n, m, dims] about mean: the grand mean
 * and mean square deviation, with their standard errors from the n chains' own ones. */
typedef struct est {
    double mean, var, se_mean, se_var;
} est;

static est estimate(const double *x, int64_t n, int64_t m, int64_t dims, int64_t k, double mean) {
    double s1 = 0, s2 = 0, v1 = 0, v2 = 0;
    for (int64_t c = 0; c < n; c++) {
        double cm = 0, cv = 0;
        for (int64_t j = 0; j < m; j++) {
            double e = x[(c * m + j) * dims + k];
            cm += e / (double)m, cv += (e - mean) * (e - mean) / (double)m;
        }
        s1 += cm, s2 += cm * cm, v1 += cv, v2 += cv * cv;
    }
    double nn = (double)n, gm = s1 / nn, gv = v1 / nn;
    return (est){gm, gv, sqrt((s2 / nn - gm * gm) / (nn - 1)), sqrt((v2 / nn - gv * gv) / (nn - 1))};
}

/* Coordinate k's mean and variance within 5 MCSE of the exact ones. */
static void check_moments(const char *what, const double *x, int64_t n, int64_t m, int64_t dims, int64_t k,
                          double mean, double sd) {
    est e = estimate(x, n, m, dims, k, mean);
    if (!(fabs(e.mean - mean) < 5 * e.se_mean))
        check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (MCSE %g)", what, e.mean, mean, e.se_mean);
    if (!(fabs(e.var - sd * sd) < 5 * e.se_var))
        check_fail(__FILE__, __LINE__, "%s: variance %g, want %g (MCSE %g)", what, e.var, sd * sd, e.se_var);
    check_count += 2;
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double gamma_cdf(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], 1 / p[1]); }

/* The chains' draws j of coordinate k as an [n] array. */
static gen_array *draw_of_chains(const double *x, int64_t n, int64_t m, int64_t dims, int64_t j, int64_t k) {
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t c = 0; c < n; c++) v[c] = x[(c * m + j) * dims + k];
    gen_array *a = gen_array_from(GEN_F64, 1, &n, v);
    free(v);
    return a;
}

/* The chains' last draws of coordinate k as an [n] array. */
static gen_array *last_draws(const double *x, int64_t n, int64_t m, int64_t dims, int64_t k) {
    return draw_of_chains(x, n, m, dims, m - 1, k);
}

/* n chains at exact draws of gauss (its prior is the target), and gauss's variances as
 * a fixed inverse metric ([4]): the start of a stationarity check. */
static gen_trace *exact_chains(int64_t n, uint64_t seed, gen_array **inv_metric) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(gen_dynamic("gauss", gauss), gen_key_new(seed), n, NULL, &tr));
    double var[4];
    for (int k = 0; k < 4; k++) var[k] = SD[k] * SD[k];
    *inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){4}, var);
    return tr;
}

/* Stationarity over chains on gauss: draws [n, m, 4] of n chains started at exact draws
 * (gen_simulate_batched) and moved with fixed settings. Draws 0 and m - 1 of the chains
 * are each n independent exact draws: every coordinate's marginal and the correlated
 * pair's standardized residual y - 4.5 x, by KS; and the chains moved (a sampler that
 * stays put would pass the rest). */
static void check_stationary(const char *what, const gen_array *draws, int64_t n, int64_t m) {
    static const char *names[4] = {"a", "b", "x", "y"};
    double *x = host(draws);
    double rsd = 5 * sqrt(1 - RHO * RHO);
    for (int64_t j = 0; j < m; j += m - 1) {
        for (int k = 0; k < 4; k++) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s: draw %lld of %s", what, (long long)j, names[k]);
            STATS_KS(buf, draw_of_chains(x, n, m, 4, j, k), normal_cdf, (double[]){MEAN[k], SD[k]});
        }
        double *r = malloc((size_t)n * sizeof *r);
        for (int64_t c = 0; c < n; c++) r[c] = (x[(c * m + j) * 4 + 3] - 5 * RHO * x[(c * m + j) * 4 + 2]) / rsd;
        STATS_KS(what, gen_array_from(GEN_F64, 1, &n, r), normal_cdf, (double[]){0, 1});
        free(r);
        if (m == 1) break;
    }
    int64_t moved = 0;
    for (int64_t c = 0; c < n; c++) moved += x[(c * m + m - 1) * 4 + 2] != x[c * m * 4 + 2];
    if (!(moved > n / 2)) check_fail(__FILE__, __LINE__, "%s: %lld of %lld chains moved", what, (long long)moved, (long long)n);
    check_count++;
    free(x);
}

/* A progress callback's record: the calls, checked to come in order (done 0, 1, ..., as
 * chain 0 of 1 of call `call`, warm-up for the first `warmup` iterations); cancels
 * (returns false) once done reaches cancel_at (never when negative). */
typedef struct progress_log {
    const char *call;
    int64_t warmup, total, cancel_at;
    int64_t calls;
} progress_log;

static bool log_progress(void *ud, const gen_progress_info *i) {
    progress_log *p = ud;
    const char *phase = i->done < p->warmup || (i->done == p->warmup && i->done > 0) ? "warmup" : "sampling";
    if (strcmp(i->call, p->call) || strcmp(i->phase, phase) || i->chain != 0 || i->n_chains != 1 ||
        i->done != p->calls || i->total != p->total)
        check_fail(__FILE__, __LINE__, "progress call %lld: %s %s chain %d of %d, %lld of %lld", (long long)p->calls,
                   i->call, i->phase, i->chain, i->n_chains, (long long)i->done, (long long)i->total);
    p->calls++;
    return p->cancel_at < 0 || i->done < p->cancel_at;
}

/* One run of a many-chain sampler for check_progress: 3 warm-up iterations and 4 draws
 * of tr's chains moving sel, key 6, with progress p (NULL: none); *draws its draws; *none
 * whether every field of its result is NULL. */
typedef gen_status (*progress_run)(const gen_trace *tr, const gen_selection *sel, const gen_progress *p,
                                   gen_array **draws, bool *none);

/* Progress of a many-chain sampler `call`: a call as the run starts and after each
 * iteration, the same draws as without a callback; a cancel before the last iteration
 * returns GEN_CANCELLED and nothing, naming where; a cancel at the last changes nothing. */
static void check_progress(const char *call, progress_run run, const gen_trace *tr, const gen_selection *sel) {
    gen_array *plain = NULL, *draws = NULL;
    bool none = false;
    CHECK_OK(run(tr, sel, NULL, &plain, &none));
    progress_log log = {call, 3, 7, -1, 0};
    gen_progress p = {log_progress, &log};
    CHECK_OK(run(tr, sel, &p, &draws, &none));
    CHECK(log.calls == 8);
    double *want = plain ? host(plain) : NULL;
    if (want && draws) CHECK_ARRAY(draws, want, gen_array_size(plain), 0, 0);
    free(want);
    int64_t at[3] = {0, 2, 7};
    for (int k = 0; k < 3; k++) {
        log = (progress_log){call, 3, 7, at[k], 0};
        gen_status s = run(tr, sel, &p, &draws, &none);
        CHECK(log.calls == at[k] + 1);
        if (at[k] == 7) {
            CHECK(s == GEN_OK && draws);
            continue;
        }
        CHECK(s == GEN_CANCELLED && none);
        char msg[160];
        snprintf(msg, sizeof msg, "%s: cancelled by the progress callback (chain 0, after %lld of 7 iterations)", call,
                 (long long)at[k]);
        if (strcmp(gen_error_message(), msg)) check_fail(__FILE__, __LINE__, "\"%s\"", gen_error_message());
        gen_error_clear();
    }
}

#endif
