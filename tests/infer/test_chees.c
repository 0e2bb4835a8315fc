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
#include "conjugate_models.h"
#include "many_chains.h"

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

/* Stationarity over chains: 2000 chains at exact draws of gauss (its prior is the
 * target), ChEES's transitions with the step, trajectory length and metric fixed (no
 * warm-up): still exact draws. */
static void test_stationary(void) {
    int64_t n = 2000, m = 6;
    gen_array *var = NULL;
    gen_trace *tr = exact_chains(n, 41, &var);
    gen_chees_config cfg = {.warmup = 0, .draws = m, .inv_metric = var, .step = 0.5, .fixed_step = true,
                            .traj_length = 2.5, .fixed_traj_length = true};
    gen_chees_result r;
    gen_status s = gen_chees_sample(tr, gen_key_new(42), gen_select_all(), &cfg, &r);
    CHECK_OK(s);
    if (s == GEN_OK) check_stationary("chees", r.draws, n, m);
}

static gen_status progress_run_of(const gen_trace *tr, const gen_selection *sel, const gen_progress *p,
                                  gen_array **draws, bool *none) {
    gen_chees_config cfg = {.warmup = 3, .draws = 4, .progress = p ? *p : (gen_progress){0}};
    gen_chees_result r;
    gen_status s = gen_chees_sample(tr, gen_key_new(6), sel, &cfg, &r);
    *draws = r.draws;
    *none = !r.draws && !r.unconstrained && !r.stats && !r.inv_metric && !r.trace;
    return s;
}

/* Progress and cancel (many_chains.h's check_progress). */
static void test_progress(void) {
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), 6, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    check_progress("gen_chees_sample", progress_run_of, tr, gen_select(1, &mu));
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
    RUN(test_stationary);
    RUN(test_progress);
    RUN(test_errors);
    return check_finish();
}
