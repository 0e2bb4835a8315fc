/* test_nuts_batched.c — NUTS over a batched trace (gen_nuts_sample_batched):
 *  - the transitions are gen_nuts's: chain 0 of 16 chains in lockstep (the others'
 *    trees of other lengths, masked while chain 0 goes on or waiting for it) makes
 *    exactly the transitions of gen_nuts from the same point with the same key, step
 *    and metric, on a model where trees of several depths and U-turns inside subtrees
 *    occur; its statistics are gen_nuts's too;
 *  - stationarity on known posteriors: a badly scaled and correlated Gaussian (sds 0.1 to
 *    10, correlation 0.9) and two conjugate models (normal-normal; gamma-Poisson, whose
 *    positive rate moves through its bijection): every coordinate's mean and variance
 *    within 5 MCSE (the MCSE from the spread of the chains' own means: the chains are
 *    independent), and the chains' last draws, one independent draw per chain, KS
 *    against the exact posterior;
 *  - the same in distribution as gen_nuts_sample's chains: the two samplers' chains'
 *    means and variances agree within 5 standard errors of their difference;
 *  - the adaptation: the pooled metric recovers the known variances, each chain's step
 *    size near the others', the accept statistic near its target; the tree statistics
 *    follow Stan's rules (n_leapfrog between 2^(depth-1) and 2^depth - 1, exactly
 *    2^depth - 1 when neither a U-turn inside a subtree nor a divergence stopped it,
 *    depth at most max_depth);
 *  - errors. */
#include <string.h>

#include "conjugate_models.h"
#include "many_chains.h"

/* Stan's tree rules on the statistics rows [rows] with max_depth D; *deep counts the
 * rows of depth >= 2 and *stopped those whose tree a U-turn inside a subtree stopped
 * (fewer steps than 2^depth - 1). */
static void check_trees(const double *st, int64_t rows, int D, int64_t *deep, int64_t *stopped) {
    *deep = *stopped = 0;
    int before = check_failures;
    for (int64_t j = 0; j < rows; j++) {
        const double *s = st + j * GEN_NUTS_NSTATS;
        double depth = s[GEN_NUTS_TREE_DEPTH], lf = s[GEN_NUTS_N_LEAPFROG], full = pow(2, depth) - 1;
        CHECK(depth >= 0 && depth <= D && depth == floor(depth));
        /* the subtree after `depth` doublings ended early (a U-turn or divergence in it)
         * after at least one step, or there was none (max depth or a U-turn of the whole) */
        CHECK(lf >= full && lf <= pow(2, depth + 1) - 1);
        if (s[GEN_NUTS_DIVERGENT] == 0 && depth == D) CHECK(lf == full);
        CHECK(s[GEN_NUTS_ACCEPT_STAT] >= 0 && s[GEN_NUTS_ACCEPT_STAT] <= 1);
        CHECK((s[GEN_NUTS_DIVERGENT] != 0) == (s[GEN_NUTS_DIVERGENCE] != GEN_DIVERGENCE_NONE));
        *deep += depth >= 2, *stopped += lf > full;
        if (check_failures > before) return;
    }
}

/* Chain 0 of a lockstep run is gen_nuts: 16 chains of the Gaussian from its prior, fixed
 * step and metric, every iteration of chain 0 against gen_nuts from chain 0's previous
 * point with the run's iteration key. */
static void test_same_as_gen_nuts(void) {
    int64_t n = 16, iters = 30;
    int D = 6;
    gen_trace *tr = NULL;
    gen_gf *f = gen_dynamic("gauss", gauss);
    CHECK_OK(gen_simulate_batched(f, gen_key_new(11), n, NULL, &tr));
    double minv[4] = {0.01, 50, 1, 20};
    gen_array *im = gen_array_from(GEN_F64, 1, (int64_t[]){4}, minv);
    gen_nuts_batched_config cfg = {.warmup = 0, .draws = iters, .step = 0.4, .fixed_step = true, .max_depth = D,
                                   .inv_metric = im};
    gen_nuts_batched_result r;
    gen_key key = gen_key_new(12), k[3];
    CHECK_OK(gen_nuts_sample_batched(tr, key, gen_select_all(), &cfg, &r));
    CHECK_OK(gen_key_split(key, 3, k));
    if (check_failures) return;
    double *x = host(r.unconstrained), *st = host(r.stats);
    /* chain 0's start: particle 0 as a scalar trace */
    const gen_addr names[4] = {{1, {gen_part_name("a")}}, {1, {gen_part_name("b")}}, {1, {gen_part_name("x")}},
                               {1, {gen_part_name("y")}}};
    gen_choicemap *m = gen_choicemap_particle(gen_trace_choices(tr), 0);
    gen_trace *cur = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, m, &cur, NULL));
    int64_t deep = 0, stopped = 0, depths[8] = {0};
    for (int64_t i = 0; i < iters && !check_failures; i++) {
        gen_nuts_stats s;
        gen_trace *next = NULL;
        CHECK_OK(gen_nuts(cur, gen_key_fold_in(k[1], (uint64_t)i), gen_select_all(), 0.4, im, D, &next, &s));
        const double *row = st + i * GEN_NUTS_NSTATS;
        CHECK(row[GEN_NUTS_TREE_DEPTH] == s.tree_depth);
        CHECK(row[GEN_NUTS_N_LEAPFROG] == s.n_leapfrog);
        CHECK(row[GEN_NUTS_DIVERGENT] == s.divergent);
        CHECK_NEAR(row[GEN_NUTS_ACCEPT_STAT], s.accept_stat, 1e-12);
        CHECK_NEAR(row[GEN_NUTS_LP], s.logp, 1e-9);
        CHECK_NEAR(row[GEN_NUTS_ENERGY], s.energy, 1e-9);
        for (int j = 0; j < 4; j++) {
            double v = 0;
            CHECK_OK(gen_item(gen_trace_value(next, &names[j]), &v));
            CHECK_NEAR(x[i * 4 + j], v, 1e-9 * (1 + fabs(v)));
        }
        depths[s.tree_depth < 7 ? s.tree_depth : 7]++;
        deep += s.tree_depth >= 2;
        stopped += s.n_leapfrog > (1 << s.tree_depth) - 1;
        cur = next;
    }
    /* the run covered trees of several depths and subtrees stopped by a U-turn */
    int kinds = 0;
    for (int j = 0; j < 8; j++) kinds += depths[j] > 0;
    CHECK(kinds >= 2 && deep > 0 && stopped > 0);
    /* and the other chains' trees were of other lengths (the masking was exercised) */
    int64_t differ = 0;
    for (int64_t c = 1; c < n; c++)
        for (int64_t i = 0; i < iters; i++)
            differ += st[(c * iters + i) * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG] != st[i * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG];
    CHECK(differ > iters);
    check_trees(st, n * iters, D, &deep, &stopped);
    free(x), free(st);
}

static void test_gaussian(void) {
    int64_t n = 64, W = 200, N = 100;
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(gen_dynamic("gauss", gauss), gen_key_new(3), n, NULL, &tr));
    gen_nuts_batched_config cfg = {.warmup = W, .draws = N};
    gen_nuts_batched_result r;
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(4), gen_select_all(), &cfg, &r));
    if (check_failures) return;
    CHECK_SHAPE(r.draws, n, N, 4);
    CHECK_SHAPE(r.unconstrained, n, N, 4);
    CHECK_SHAPE(r.stats, n, W + N, GEN_NUTS_NSTATS);
    CHECK_SHAPE(r.step_size, n);
    CHECK_SHAPE(r.inv_metric, 4);
    CHECK(gen_trace_batch_size(r.trace) == n);
    double *x = host(r.draws), *st = host(r.stats), *minv = host(r.inv_metric), *eps = host(r.step_size);
    const char *names[4] = {"a", "b", "x", "y"};
    for (int k = 0; k < 4; k++) {
        check_moments(names[k], x, n, N, 4, k, MEAN[k], SD[k]);
        STATS_KS(names[k], last_draws(x, n, N, 4, k), normal_cdf, (double[]){MEAN[k], SD[k]});
        /* the pooled variance of the last window (n x 50 draws at least, correlated
         * within a chain): within 30% of the exact variance */
        CHECK(fabs(minv[k] / (SD[k] * SD[k]) - 1) < 0.3);
    }
    /* corr(x, y) = E[x y] / 5: the chains' last draws' mean product within 5 of its
     * standard errors */
    double s1 = 0, s2 = 0;
    for (int64_t c = 0; c < n; c++) {
        double q = x[(c * N + N - 1) * 4 + 2] * x[(c * N + N - 1) * 4 + 3] / 5;
        s1 += q / (double)n, s2 += q * q / (double)n;
    }
    CHECK(fabs(s1 - RHO) < 5 * sqrt((s2 - s1 * s1) / (double)(n - 1)));
    /* each chain's step size: the metric's whitened problem has sds 1 but for the
     * correlated pair (sqrt(1 -+ rho)): Stan's steps at 0.8 come out near 0.3 to 0.9 */
    double acc = 0;
    for (int64_t c = 0; c < n; c++) {
        CHECK(eps[c] > 0.1 && eps[c] < 1.5);
        for (int64_t i = W; i < W + N; i++) {
            const double *s = st + (c * (W + N) + i) * GEN_NUTS_NSTATS;
            acc += s[GEN_NUTS_ACCEPT_STAT] / (double)(n * N);
            CHECK(s[GEN_NUTS_STEP_SIZE] == eps[c]);
        }
    }
    CHECK(acc > 0.7 && acc < 0.95);
    int64_t deep = 0, stopped = 0;
    check_trees(st, n * (W + N), 10, &deep, &stopped);
    CHECK(deep > 0 && stopped > 0);
    free(x), free(st), free(minv), free(eps);
}

/* GEN_ADAPT_GRADIENT: the pooled estimate sqrt(var(positions) / var(gradients)) of the
 * last window is sqrt(Sigma_kk / P_kk) on gauss (0.01 and 100 for the independent a and
 * b; sqrt(1 - rho^2) and 25 sqrt(1 - rho^2) for the correlated pair, where Stan's
 * estimate gives 1 and 25), and the chains sample gauss: moments within their errors. */
static void test_gradient_metric(void) {
    int64_t n = 200, W = 150, N = 60;
    gen_array *unused = NULL;
    gen_trace *tr = exact_chains(n, 21, &unused);
    gen_nuts_batched_config cfg = {.warmup = W, .draws = N, .adapt = GEN_ADAPT_GRADIENT, .init_buffer = 20,
                                   .term_buffer = 20, .base_window = 20};
    gen_nuts_batched_result r;
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(22), gen_select_all(), &cfg, &r));
    if (check_failures) return;
    double *x = host(r.draws), *minv = host(r.inv_metric);
    double shrink = sqrt(1 - RHO * RHO), want[4] = {0.01, 100, shrink, 25 * shrink};
    const char *names[4] = {"a", "b", "x", "y"};
    for (int k = 0; k < 4; k++) {
        /* a and b: each gradient is -(value - mean) / sd^2, so the ratio of their variances
         * is exact in any sample; x and y: the last window's n x 70 correlated draws and
         * gradients, sampling error about 2%, so 10% is 5 of its sds */
        double tol = k < 2 ? 1e-9 : 0.1;
        if (!(fabs(minv[k] / want[k] - 1) < tol))
            check_fail(__FILE__, __LINE__, "%s: inverse metric %g, want %g", names[k], minv[k], want[k]);
        check_count++;
        check_moments(names[k], x, n, N, 4, k, MEAN[k], SD[k]);
    }
    free(x), free(minv);
}

/* The batched chains and gen_nuts_sample's chains (64 each, the same warm-up and draws)
 * agree in distribution: each coordinate's mean and variance, the difference within 5 of
 * its standard errors. */
static void test_vs_gen_nuts_sample(void) {
    int64_t n = 64, W = 150, N = 100;
    gen_gf *f = gen_dynamic("gauss", gauss);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(21), n, NULL, &tr));
    gen_nuts_batched_config bc = {.warmup = W, .draws = N};
    gen_nuts_batched_result rb;
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(22), gen_select_all(), &bc, &rb));
    gen_trace *t0 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(23), NULL, &t0));
    gen_trace **init = malloc((size_t)n * sizeof *init);
    for (int64_t c = 0; c < n; c++) init[c] = t0;
    gen_nuts_config sc = gen_nuts_config_default();
    sc.warmup = W, sc.draws = N;
    gen_nuts_result rs;
    CHECK_OK(gen_nuts_sample(gen_key_new(24), (int)n, init, gen_select_all(), &sc, 2, &rs));
    free(init);
    if (check_failures) return;
    double *xb = host(rb.draws), *xs = host(rs.draws);
    for (int k = 0; k < 4; k++) {
        est b = estimate(xb, n, N, 4, k, MEAN[k]), s = estimate(xs, n, N, 4, k, MEAN[k]);
        double se_m = sqrt(b.se_mean * b.se_mean + s.se_mean * s.se_mean);
        double se_v = sqrt(b.se_var * b.se_var + s.se_var * s.se_var);
        if (!(fabs(b.mean - s.mean) < 5 * se_m))
            check_fail(__FILE__, __LINE__, "coordinate %d: means %g (batched) and %g (gen_nuts_sample), se %g", k,
                       b.mean, s.mean, se_m);
        if (!(fabs(b.var - s.var) < 5 * se_v))
            check_fail(__FILE__, __LINE__, "coordinate %d: variances %g (batched) and %g (gen_nuts_sample), se %g", k,
                       b.var, s.var, se_v);
        check_count += 2;
    }
    free(xb), free(xs);
}

static void test_conjugate(void) {
    int64_t n = 64, W = 150, N = 60;
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}}, l = {1, {gen_part_name("l")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), n, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    gen_nuts_batched_config cfg = {.warmup = W, .draws = N};
    gen_nuts_batched_result r;
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(6), gen_select(1, &mu), &cfg, &r));
    if (check_failures) return;
    double *x = host(r.draws);
    check_moments("mu", x, n, N, 1, 0, 5.7 / 6, sqrt(1.0 / 6));
    STATS_KS("mu", last_draws(x, n, N, 1, 0), normal_cdf, (double[]){5.7 / 6, sqrt(1.0 / 6)});
    /* the trace holds the chains' last draws */
    double *v = host(gen_trace_value(r.trace, &mu));
    for (int64_t c = 0; c < n; c++) CHECK(v[c] == x[c * N + N - 1]);
    free(x), free(v);
    /* gamma-Poisson: the rate is positive, sampled as log l; the draws are l */
    CHECK_OK(gen_generate_batched(gen_dynamic("model", counts), gen_key_new(7), n, NULL,
                                  observations("k", 4, KS, 'i'), &tr, NULL));
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(8), gen_select(1, &l), &cfg, &r));
    if (check_failures) return;
    x = host(r.draws);
    double *u = host(r.unconstrained);
    check_moments("l", x, n, N, 1, 0, 2, sqrt(12.0 / 36));
    STATS_KS("l", last_draws(x, n, N, 1, 0), gamma_cdf, (double[]){12, 6});
    CHECK_NEAR(x[7], exp(u[7]), 1e-12 * x[7]);
    free(x), free(u);
}

/* Fixed step and unit metric, max_depth 1: every tree is one leapfrog step (or none
 * beyond, when it diverges), and the statistics say so. */
static void test_fixed(void) {
    int64_t n = 8;
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), n, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    gen_nuts_batched_config cfg = {.warmup = 3, .draws = 4, .step = 0.25, .fixed_step = true, .max_depth = 1,
                                   .metric = GEN_METRIC_UNIT};
    gen_nuts_batched_result r;
    CHECK_OK(gen_nuts_sample_batched(tr, gen_key_new(6), gen_select(1, &mu), &cfg, &r));
    if (check_failures) return;
    double *st = host(r.stats), *eps = host(r.step_size);
    CHECK_ARRAY(r.inv_metric, ((double[]){1}), 1, 0, 0);
    for (int64_t i = 0; i < n * 7; i++) {
        CHECK(st[i * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG] == 1);
        CHECK(st[i * GEN_NUTS_NSTATS + GEN_NUTS_TREE_DEPTH] == 1);
        CHECK(st[i * GEN_NUTS_NSTATS + GEN_NUTS_STEP_SIZE] == 0.25);
    }
    for (int64_t c = 0; c < n; c++) CHECK(eps[c] == 0.25);
    free(st), free(eps);
}

/* Stationarity over chains: 2000 chains at exact draws of gauss (its prior is the
 * target), NUTS with the step and metric fixed (no warm-up): still exact draws. */
static void test_stationary(void) {
    int64_t n = 2000, m = 6;
    gen_array *var = NULL;
    gen_trace *tr = exact_chains(n, 43, &var);
    gen_nuts_batched_config cfg = {.warmup = 0, .draws = m, .inv_metric = var, .step = 0.5, .fixed_step = true};
    gen_nuts_batched_result r;
    gen_status s = gen_nuts_sample_batched(tr, gen_key_new(44), gen_select_all(), &cfg, &r);
    CHECK_OK(s);
    if (s == GEN_OK) check_stationary("nuts batched", r.draws, n, m);
}

static gen_status progress_run_of(const gen_trace *tr, const gen_selection *sel, const gen_progress *p,
                                  gen_array **draws, bool *none) {
    gen_nuts_batched_config cfg = {.warmup = 3, .draws = 4, .progress = p ? *p : (gen_progress){0}};
    gen_nuts_batched_result r;
    gen_status s = gen_nuts_sample_batched(tr, gen_key_new(6), sel, &cfg, &r);
    *draws = r.draws;
    *none = !r.draws && !r.unconstrained && !r.stats && !r.step_size && !r.inv_metric && !r.trace;
    return s;
}

/* Progress and cancel (many_chains.h's check_progress). */
static void test_progress(void) {
    gen_trace *tr = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), 6, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    check_progress("gen_nuts_sample_batched", progress_run_of, tr, gen_select(1, &mu));
}

static void test_errors(void) {
    gen_trace *tr = NULL, *scalar = NULL;
    gen_addr mu = {1, {gen_part_name("mu")}};
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(5), 4, NULL,
                                  observations("y", 5, Y, 'f'), &tr, NULL));
    scalar = observed(normal_model, "y", 5, Y, 'f');
    const gen_selection *sel = gen_select(1, &mu);
    gen_nuts_batched_config cfg = {.warmup = 2, .draws = 2};
    gen_nuts_batched_result r;
    CHECK_ERROR(gen_nuts_sample_batched(scalar, gen_key_new(1), sel, &cfg, &r), "the trace is not batched");
    CHECK(!r.draws && !r.trace && !r.step_size);
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel, &(gen_nuts_batched_config){.warmup = 2}, &r),
                "draws >= 1");
    gen_status lr = gen_nuts_sample_batched(tr, gen_key_new(1), sel,
                                            &(gen_nuts_batched_config){.draws = 2, .adapt = GEN_ADAPT_LOW_RANK}, &r);
    CHECK(lr == GEN_ERR_UNSUPPORTED);
    CHECK_ERROR(lr, "(0: STAN) for many chains, got 3");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel, &(gen_nuts_batched_config){.draws = 2, .adapt = 9}, &r),
                "adapt must be GEN_ADAPT_STAN or GEN_ADAPT_GRADIENT");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel, &(gen_nuts_batched_config){.draws = 2, .max_depth = 40},
                                        &r),
                "max_depth must be in 1..20 (0: 10), got 40");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel,
                                        &(gen_nuts_batched_config){.draws = 2, .target_accept = 1.5}, &r),
                "target_accept must be in (0, 1)");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel,
                                        &(gen_nuts_batched_config){.draws = 2, .metric = GEN_METRIC_DENSE}, &r),
                "metric must be");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel,
                                        &(gen_nuts_batched_config){.draws = 2, .init_buffer = -1}, &r),
                "init_buffer");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel,
                                        &(gen_nuts_batched_config){.draws = 2, .step = -1}, &r),
                "step must be");
    double bad[2] = {1, 1};
    CHECK_ERROR(gen_nuts_sample_batched(
                    tr, gen_key_new(1), sel,
                    &(gen_nuts_batched_config){.draws = 2, .inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){2}, bad)},
                    &r),
                "inverse metric");
    gen_addr y0 = {2, {gen_part_name("y"), gen_part_int(0)}};
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), gen_select(1, &y0), &cfg, &r), "");
    CHECK(!r.draws && !r.trace);
    CHECK_ERROR(gen_nuts_sample_batched(NULL, gen_key_new(1), sel, &cfg, &r), "the trace is NULL");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), NULL, &cfg, &r), "the selection is NULL");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel, NULL, &r), "configuration is NULL");
    CHECK_ERROR(gen_nuts_sample_batched(tr, gen_key_new(1), sel, &cfg, NULL), "out is NULL");
    /* the defaults are the documented ones */
    gen_nuts_batched_config def = gen_nuts_batched_config_default();
    CHECK(def.warmup == 1000 && def.draws == 1000 && def.max_depth == 10 && def.target_accept == 0.8 &&
          def.step == 1 && def.init_buffer == 75 && def.term_buffer == 50 && def.base_window == 25 &&
          def.metric == GEN_METRIC_DIAG && !def.fixed_step && !def.inv_metric);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_same_as_gen_nuts);
    RUN_ONLY(test_gaussian);
    RUN_ONLY(test_gradient_metric);
    RUN_ONLY(test_vs_gen_nuts_sample);
    RUN_ONLY(test_conjugate);
    RUN_ONLY(test_fixed);
    RUN_ONLY(test_stationary);
    RUN_ONLY(test_progress);
    RUN_ONLY(test_errors);
    return check_finish();
}
