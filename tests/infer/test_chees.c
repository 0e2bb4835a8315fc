/* test_chees.c — ChEES-HMC over a batched trace (gen_chees_sample):
 *  - stationarity on known posteriors: a badly scaled and correlated Gaussian (sds 0.1 to
 *    10, correlation 0.9) and two conjugate models (normal-normal; gamma-Poisson, whose
 *    positive rate moves through its bijection): every coordinate's mean and variance
 *    within 5 MCSE, the MCSE from the spread of the chains' own means (the chains are
 *    independent given the adapted parameters), and the chains' last draws, one
 *    independent draw per chain, KS against the exact posterior (a calibration check:
 *    the rank of each draw in the exact posterior uniform);
 *  - the adaptation: the metric recovers the known variances, the step size and the
 *    trajectory length are sane (T near the scale of the widest direction), the accept
 *    statistic near the target; the statistics' columns consistent with the draws;
 *  - errors. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"
#include "conjugate_models.h"

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

static double *host(const gen_array *a) {
    int64_t n = gen_array_size(a);
    double *h = malloc((size_t)n * sizeof *h);
    CHECK_OK(gen_array_copy_to(a, GEN_F64, h, (size_t)n * sizeof *h));
    return h;
}

/* Coordinate k of draws [n, m, dims]: its mean and its variance about mean within 5
 * MCSE, the MCSE from the n chains' own estimates. */
static void check_moments(const char *what, const double *x, int64_t n, int64_t m, int64_t dims, int64_t k,
                          double mean, double sd) {
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
    double se_m = sqrt((s2 / nn - gm * gm) / (nn - 1)), se_v = sqrt((v2 / nn - gv * gv) / (nn - 1));
    if (!(fabs(gm - mean) < 5 * se_m)) check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (MCSE %g)", what, gm, mean, se_m);
    if (!(fabs(gv - sd * sd) < 5 * se_v))
        check_fail(__FILE__, __LINE__, "%s: variance %g, want %g (MCSE %g)", what, gv, sd * sd, se_v);
    check_count += 2;
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double gamma_cdf(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], 1 / p[1]); }

/* The chains' last draws of coordinate k as an [n] array. */
static gen_array *last_draws(const double *x, int64_t n, int64_t m, int64_t dims, int64_t k) {
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t c = 0; c < n; c++) v[c] = x[(c * m + m - 1) * dims + k];
    gen_array *a = gen_array_from(GEN_F64, 1, &n, v);
    free(v);
    return a;
}

static void test_gaussian(void) {
    int64_t n = 128;
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(gen_dynamic("gauss", gauss), gen_key_new(3), n, NULL, &tr));
    gen_chees_config cfg = {.warmup = 200, .draws = 50};
    gen_chees_result r;
    CHECK_OK(gen_chees_sample(tr, gen_key_new(4), gen_select_all(), &cfg, &r));
    if (check_failures) return;
    CHECK_SHAPE(r.draws, n, 50, 4);
    CHECK_SHAPE(r.unconstrained, n, 50, 4);
    CHECK_SHAPE(r.stats, n, 250, GEN_NUTS_NSTATS);
    CHECK_SHAPE(r.inv_metric, 4);
    CHECK(gen_trace_batch_size(r.trace) == n);
    double *x = host(r.draws), *st = host(r.stats), *minv = host(r.inv_metric);
    const char *names[4] = {"a", "b", "x", "y"};
    for (int k = 0; k < 4; k++) {
        check_moments(names[k], x, n, 50, 4, k, MEAN[k], SD[k]);
        STATS_KS(names[k], last_draws(x, n, 50, 4, k), normal_cdf, (double[]){MEAN[k], SD[k]});
        /* the cross-chain variance at the end of warm-up: n draws, its sd ~ var sqrt(2 / n) */
        CHECK(fabs(minv[k] / (SD[k] * SD[k]) - 1) < 5 * sqrt(2.0 / (double)n));
    }
    /* correlation of x and y within 5 of its standard errors ((1 - rho^2) / sqrt(n)) */
    double sxy = 0;
    for (int64_t c = 0; c < n; c++) sxy += x[(c * 50 + 49) * 4 + 2] * x[(c * 50 + 49) * 4 + 3] / 5 / (double)n;
    CHECK(fabs(sxy - RHO) < 5 * (1 - RHO * RHO) / sqrt((double)n) + 0.05);
    /* whitened, the widest direction has sd ~ sqrt(1 + rho) (x, y); T within a factor of
     * 4 of it; eps below T; the draws' mean accept statistic near 0.651 */
    CHECK(r.traj_length > 0.3 && r.traj_length < 6);
    CHECK(r.step_size > 0.05 && r.step_size < r.traj_length);
    double acc = 0;
    int64_t div = 0;
    for (int64_t c = 0; c < n; c++)
        for (int64_t i = 200; i < 250; i++) {
            const double *s = st + (c * 250 + i) * GEN_NUTS_NSTATS;
            acc += s[GEN_NUTS_ACCEPT_STAT] / (double)(n * 50), div += s[GEN_NUTS_DIVERGENT] != 0;
            CHECK(s[GEN_NUTS_STEP_SIZE] == r.step_size);
            CHECK(s[GEN_NUTS_N_LEAPFROG] >= 1 && s[GEN_NUTS_N_LEAPFROG] <= ceil(r.traj_length / r.step_size));
        }
    CHECK(acc > 0.5 && acc < 0.95);
    CHECK(div == 0);
    free(x), free(st), free(minv);
}

static void test_conjugate(void) {
    int64_t n = 128;
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}}, l = {1, {gen_part_name("l")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), n, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    gen_chees_config cfg = {.warmup = 150, .draws = 40};
    gen_chees_result r;
    CHECK_OK(gen_chees_sample(tr, gen_key_new(6), gen_select(1, &mu), &cfg, &r));
    if (check_failures) return;
    double *x = host(r.draws);
    check_moments("mu", x, n, 40, 1, 0, 5.7 / 6, sqrt(1.0 / 6));
    STATS_KS("mu", last_draws(x, n, 40, 1, 0), normal_cdf, (double[]){5.7 / 6, sqrt(1.0 / 6)});
    free(x);
    /* the trace holds the chains' last draws */
    x = host(r.draws);
    double *v = host(gen_trace_value(r.trace, &mu));
    for (int64_t c = 0; c < n; c++) CHECK(v[c] == x[c * 40 + 39]);
    free(x), free(v);
    /* gamma-Poisson: the rate is positive, sampled as log l; the draws are l */
    CHECK_OK(gen_generate_batched(gen_dynamic("model", counts), gen_key_new(7), n, NULL,
                                  observations("k", 4, KS, 'i'), &tr, NULL));
    CHECK_OK(gen_chees_sample(tr, gen_key_new(8), gen_select(1, &l), &cfg, &r));
    if (check_failures) return;
    x = host(r.draws);
    double *u = host(r.unconstrained);
    check_moments("l", x, n, 40, 1, 0, 2, sqrt(12.0 / 36));
    STATS_KS("l", last_draws(x, n, 40, 1, 0), gamma_cdf, (double[]){12, 6});
    CHECK_NEAR(x[7], exp(u[7]), 1e-12 * x[7]);
    free(x), free(u);
}

static void test_fixed(void) {
    /* fixed step, trajectory length and metric, no jitter: every iteration takes
     * T / eps steps, and the statistics say so */
    int64_t n = 8;
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), n, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    double m[1] = {0.5};
    gen_chees_config cfg = {.warmup = 3, .draws = 4, .step = 0.25, .fixed_step = true, .traj_length = 1,
                            .fixed_traj_length = true, .jitter = GEN_JITTER_NONE,
                            .inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){1}, m)};
    gen_chees_result r;
    CHECK_OK(gen_chees_sample(tr, gen_key_new(6), gen_select(1, &mu), &cfg, &r));
    if (check_failures) return;
    CHECK(r.step_size == 0.25 && r.traj_length == 1);
    CHECK_ARRAY(r.inv_metric, m, 1, 0, 0);
    double *st = host(r.stats);
    for (int64_t i = 0; i < n * 7; i++) CHECK(st[i * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG] == 4);
    free(st);
}

static void test_errors(void) {
    gen_trace *tr = NULL, *scalar = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), 4, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    scalar = observed(normal_model, "y", 5, Y, 'f');
    const gen_selection *sel = gen_select(1, &mu);
    gen_chees_config cfg = {.warmup = 2, .draws = 2};
    gen_chees_result r;
    CHECK_ERROR(gen_chees_sample(scalar, gen_key_new(1), sel, &cfg, &r), "the trace is not batched");
    CHECK(!r.draws && !r.trace);
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, &(gen_chees_config){.warmup = 2}, &r), "draws >= 1");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, &(gen_chees_config){.draws = 2, .target_accept = 1.5}, &r),
                "target_accept must be in (0, 1)");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, &(gen_chees_config){.draws = 2, .metric = GEN_METRIC_DENSE},
                                 &r),
                "metric must be");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, &(gen_chees_config){.draws = 2, .max_leapfrog = -1}, &r),
                "max_leapfrog");
    double bad[2] = {1, 1};
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel,
                                 &(gen_chees_config){.draws = 2, .inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){2}, bad)},
                                 &r),
                "inverse metric");
    gen_addr y0 = {2, {gen_part_name("y"), gen_part_int(0)}};
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), gen_select(1, &y0), &cfg, &r), "");
    CHECK_ERROR(gen_chees_sample(NULL, gen_key_new(1), sel, &cfg, &r), "the trace is NULL");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), NULL, &cfg, &r), "the selection is NULL");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, NULL, &r), "configuration is NULL");
    CHECK_ERROR(gen_chees_sample(tr, gen_key_new(1), sel, &cfg, NULL), "out is NULL");
}

int main(void) {
    RUN(test_gaussian);
    RUN(test_conjugate);
    RUN(test_fixed);
    RUN(test_errors);
    return check_finish();
}
