/* test_nuts.c — NUTS with Stan's warm-up on models with exact posteriors (normal–normal,
 * a correlated Gaussian with a dense metric, gamma–poisson in log space): moments within
 * Monte Carlo error (bulk ESS and the MCSE of the sd), no divergences; divergences on
 * Neal's funnel; the warm-up window schedule and dual averaging against Stan's; the
 * tree statistics; simulation-based calibration on a small hierarchical model; the
 * kernel form; the errors. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "stats.h"
#include "../../src/infer/nuts_int.h"
#include "conjugate_models.h"

/* (a, b) ~ N(0, [[1, 0.95], [0.95, 1]] scaled by (1, 3)): a ~ N(0, 1); b ~ N(2.85 a, 3 sqrt(0.0975)) */
static gen_status corr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "b", gen_normal(gen_mul(gen_scalar(2.85), a), gen_scalar(3 * sqrt(0.0975))));
    return gen_ctx_status(ctx);
}

/* Neal's funnel, centered: v ~ N(0, 3); x/i ~ N(0, exp(v / 2)), i < 9 */
static gen_status funnel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v = gen_choose(ctx, "v", gen_normal(gen_scalar(0), gen_scalar(3)));
    gen_dist *dx = gen_normal(gen_scalar(0), gen_exp(gen_mul(gen_scalar(0.5), v)));
    for (int i = 0; i < 9; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, dx);
    }
    *retval = v;
    return gen_ctx_status(ctx);
}

static gen_selection *sel1(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_select(1, &a);
}

/* Draws of parameter j of a [chains, draws, dims] array as chain pointers. */
static void chains_of(const gen_array *draws, int64_t j, double *buf, const double **ch, int64_t *nd) {
    const int64_t *sh = gen_array_shape(draws);
    const double *x = gen_array_data(draws);
    for (int64_t c = 0; c < sh[0]; c++) {
        for (int64_t i = 0; i < sh[1]; i++) buf[c * sh[1] + i] = x[(c * sh[1] + i) * sh[2] + j];
        ch[c] = buf + c * sh[1];
        nd[c] = sh[1];
    }
}

/* Mean within 5 MCSE (sd / sqrt(bulk ESS)) and sd within 5 MCSE of the sd. */
static void check_param(const char *what, const gen_array *draws, int64_t j, double mean, double sd) {
    const int64_t *sh = gen_array_shape(draws);
    static double buf[1 << 16];
    const double *ch[8];
    int64_t nd[8];
    chains_of(draws, j, buf, ch, nd);
    gen_summary s;
    CHECK_OK(gen_summarize(ch, sh[0], nd, NULL, 0, &s));
    double se = s.sd / sqrt(s.ess_bulk);
    if (!(fabs(s.mean - mean) < 5 * se))
        check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (mcse %g, ess %g)", what, s.mean, mean, se, s.ess_bulk);
    if (!(fabs(s.sd - sd) < 5 * s.mcse_sd))
        check_fail(__FILE__, __LINE__, "%s: sd %g, want %g (mcse %g)", what, s.sd, sd, s.mcse_sd);
    CHECK(s.ess_bulk > 0.1 * (double)(sh[0] * sh[1]));
    CHECK(s.rhat < 1.02);
}

/* The sum of a stats column over the sampling iterations (from first). */
static double stat_sum(const gen_array *stats, int col, int64_t first) {
    const int64_t *sh = gen_array_shape(stats);
    const double *x = gen_array_data(stats);
    double acc = 0;
    for (int64_t c = 0; c < sh[0]; c++)
        for (int64_t i = first; i < sh[1]; i++) acc += x[(c * sh[1] + i) * sh[2] + col];
    return acc;
}

static void sample(gen_trace *tr, const gen_selection *sel, const gen_nuts_config *cfg, uint64_t seed, int chains,
                   gen_nuts_result *r) {
    gen_trace *init[4] = {tr, tr, tr, tr};
    CHECK_OK(gen_nuts_sample(gen_key_new(seed), chains, init, sel, cfg, 0, r));
}

static void test_normal(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_nuts_config cfg = {.warmup = 500, .draws = 2000, .metric = GEN_METRIC_DIAG, .init_radius = 2};
    gen_nuts_result r;
    sample(tr, sel1("mu"), &cfg, 3, 4, &r);
    if (!r.draws) return;
    CHECK_SHAPE(r.draws, 4, 2000, 1);
    CHECK_SHAPE(r.stats, 4, 2500, GEN_NUTS_NSTATS);
    check_param("normal mu", r.draws, 0, 5.7 / 6, sqrt(1.0 / 6));
    CHECK(stat_sum(r.stats, GEN_NUTS_DIVERGENT, 500) == 0);
    /* the adapted inverse metric estimates the posterior variance 1/6 */
    double m0 = ((const double *)gen_array_data(r.inv_metric))[0];
    CHECK(fabs(m0 - 1.0 / 6) < 0.25 / 6);
    /* dual averaging reaches the target acceptance on average */
    double acc = stat_sum(r.stats, GEN_NUTS_ACCEPT_STAT, 500) / 8000;
    CHECK(acc > 0.7 && acc < 0.97);
}

static void test_gamma_poisson(void) {
    gen_trace *tr = observed(counts, "k", 4, KS, 'i');
    gen_nuts_config cfg = {.warmup = 500, .draws = 2000};
    gen_nuts_result r;
    sample(tr, sel1("l"), &cfg, 5, 4, &r);
    if (!r.draws) return;
    check_param("gamma-poisson l", r.draws, 0, 2.0, sqrt(12.0) / 6);
    CHECK(stat_sum(r.stats, GEN_NUTS_DIVERGENT, 500) == 0);
    /* unconstrained draws are log l */
    const double *u = gen_array_data(r.unconstrained), *x = gen_array_data(r.draws);
    CHECK_CLOSE(exp(u[17]), x[17], 1e-12);
}

static void test_dense(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("corr", corr), gen_key_new(2), NULL, &tr));
    gen_nuts_config cfg = {.warmup = 1000, .draws = 2000, .metric = GEN_METRIC_DENSE};
    gen_nuts_result r;
    sample(tr, gen_select_all(), &cfg, 7, 4, &r);
    if (!r.draws) return;
    CHECK_SHAPE(r.inv_metric, 4, 2, 2);
    check_param("dense a", r.draws, 0, 0, 1);
    check_param("dense b", r.draws, 1, 0, 3);
    CHECK(stat_sum(r.stats, GEN_NUTS_DIVERGENT, 1000) == 0);
    /* the metric learned the covariance [[1, 2.85], [2.85, 9]]: short trees */
    const double *m = gen_array_data(r.inv_metric);
    CHECK(fabs(m[1] / sqrt(m[0] * m[3]) - 0.95) < 0.03);
    CHECK(fabs(m[3] / m[0] - 9) < 3);
    CHECK(stat_sum(r.stats, GEN_NUTS_N_LEAPFROG, 1000) / 8000 < 5);
    /* the same target with a unit metric needs longer trees */
    gen_nuts_config unit = {.warmup = 1000, .draws = 500, .metric = GEN_METRIC_UNIT};
    gen_nuts_result ru;
    sample(tr, gen_select_all(), &unit, 7, 1, &ru);
    if (ru.stats) CHECK(stat_sum(ru.stats, GEN_NUTS_N_LEAPFROG, 1000) / 500 > 10);
}

static void test_tree_stats(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("corr", corr), gen_key_new(2), NULL, &tr));
    for (int maxd = 1; maxd <= 10; maxd += 3) {
        gen_nuts_config cfg = {.warmup = 100, .draws = 200, .max_depth = maxd, .metric = GEN_METRIC_UNIT};
        gen_nuts_result r;
        sample(tr, gen_select_all(), &cfg, 11, 1, &r);
        if (!r.stats) return;
        const double *s = gen_array_data(r.stats);
        int bad = 0, hit = 0;
        for (int64_t i = 0; i < 300; i++) {
            const double *row = s + i * GEN_NUTS_NSTATS;
            int depth = (int)row[GEN_NUTS_TREE_DEPTH], nl = (int)row[GEN_NUTS_N_LEAPFROG];
            /* completed doublings give 2^depth - 1 steps, the last (failed) one up to 2^depth more */
            bad += depth > maxd || nl < (1 << depth) - 1 || nl > (1 << (depth + 1)) - 1;
            bad += !(row[GEN_NUTS_ACCEPT_STAT] >= 0 && row[GEN_NUTS_ACCEPT_STAT] <= 1);
            hit += depth == maxd;
            /* the energy is the Hamiltonian: at least -lp */
            bad += !(row[GEN_NUTS_ENERGY] >= -row[GEN_NUTS_LP]);
        }
        CHECK(bad == 0);
        if (maxd == 1) CHECK(hit > 250); /* a unit metric on a 0.95-correlated target wants long trees */
    }
}

static void test_funnel(void) {
    gen_trace *tr = NULL;
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name("v")}}, gen_scalar(0));
    CHECK_OK(gen_generate(gen_dynamic("funnel", funnel), gen_key_new(4), NULL, m, &tr, NULL));
    /* a step size that suits the mouth (x's scale 1) but not the neck: divergences, and
     * they come where the funnel is narrow */
    gen_nuts_config cfg = {.warmup = 0, .draws = 1000, .step = 1.0, .fixed_step = true, .metric = GEN_METRIC_UNIT};
    gen_nuts_result r;
    sample(tr, gen_select_all(), &cfg, 13, 1, &r);
    if (!r.stats) return;
    double div = stat_sum(r.stats, GEN_NUTS_DIVERGENT, 0);
    CHECK(div > 10);
    printf("  funnel: %g divergent of 1000\n", div);
    /* with Stan's warm-up too (fewer) */
    gen_nuts_config adapt = {.warmup = 300, .draws = 500};
    sample(tr, gen_select_all(), &adapt, 13, 1, &r);
    if (r.stats) printf("  funnel, adapted: %g divergent of 500\n", stat_sum(r.stats, GEN_NUTS_DIVERGENT, 300));
}

static void test_windows(void) {
    nuts_windows w;
    nuts_var v;
    CHECK_OK(nuts_var_init(&v, 1, 1));
    nuts_windows_init(&w, 1000, 75, 50, 25);
    int ends[8], ne = 0;
    double minv = 0;
    for (int i = 0; i < 1000; i++) {
        double x = (double)(i % 7);
        if (nuts_var_learn(&v, &w, &x, &minv) && ne < 8) ends[ne++] = i;
    }
    CHECK(ne == 5);
    int want[5] = {99, 149, 249, 449, 949};
    for (int i = 0; i < 5 && i < ne; i++) CHECK(ends[i] == want[i]);
    nuts_windows_init(&w, 140, 75, 50, 25);
    CHECK(w.init_buffer == 21 && w.term_buffer == 14 && w.base_window == 105);
    ne = 0;
    for (int i = 0; i < 140; i++) {
        double x = (double)i;
        if (nuts_var_learn(&v, &w, &x, &minv)) ends[ne++] = i;
    }
    CHECK(ne == 1 && ends[0] == 125);
    /* the regularized variance of 21..125 (n = 105, sample variance 105 * 106 / 12) */
    CHECK_CLOSE(minv, 927.5 * 105.0 / 110.0 + 1e-3 * 5.0 / 110.0, 1e-12);
    nuts_windows_init(&w, 19, 75, 50, 25);
    CHECK(w.off);
    nuts_var_free(&v);
}

/* Dual averaging against a hand-run of Stan's update: mu = log(10), delta 0.8. */
static void test_dual_averaging(void) {
    nuts_stepsize a = {log(10), 0, 0, 0.8, 0.05, 10, 0.75, 0};
    double eps = 1, stats[3] = {0.5, 1.2, 0.9};
    nuts_stepsize_learn(&a, &eps, stats[0]);
    /* eta = 1/11, s_bar = 0.3/11, x = log 10 - s_bar / 0.05, x_bar = x */
    double sb = 0.3 / 11, x = log(10) - sb / 0.05;
    CHECK_CLOSE(eps, exp(x), 1e-14);
    CHECK_CLOSE(a.x_bar, x, 1e-14);
    nuts_stepsize_learn(&a, &eps, stats[1]); /* clipped to 1 */
    sb = (1 - 1.0 / 12) * sb + (0.8 - 1.0) / 12;
    double x2 = log(10) - sb * sqrt(2) / 0.05, w = pow(2, -0.75);
    CHECK_CLOSE(eps, exp(x2), 1e-14);
    CHECK_CLOSE(a.x_bar, (1 - w) * x + w * x2, 1e-14);
}

/* SBC: mu ~ N(0, 1), tau ~ HalfNormal(1), theta/j ~ N(mu, tau), y/j ~ N(theta_j, 1),
 * J = 4. The rank of the prior's mu and tau among L posterior draws is uniform on
 * 0..L when the sampler is right. */
static gen_status hier(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_normal(gen_scalar(1)));
    for (int j = 0; j < 4; j++) {
        gen_addr a = {2, {gen_part_name("theta"), gen_part_int(j)}}, b = {2, {gen_part_name("y"), gen_part_int(j)}};
        gen_array *th = gen_choose_at(ctx, &a, gen_normal(mu, tau));
        gen_choose_at(ctx, &b, gen_normal(th, gen_scalar(1)));
    }
    *retval = mu;
    return gen_ctx_status(ctx);
}

static void test_sbc(void) {
    enum { R = 60, L = 49, THIN = 2, BINS = 5 };
    gen_gf *f = gen_dynamic("hier", hier);
    gen_addr amu = {1, {gen_part_name("mu")}}, atau = {1, {gen_part_name("tau")}};
    gen_addr params[2] = {amu, atau};
    gen_selection *lat = gen_select(2, params);
    gen_addr th = {1, {gen_part_name("theta")}};
    gen_selection *all = gen_selection_union(lat, gen_select(1, &th));
    int64_t ranks[2][R];
    for (int r = 0; r < R; r++) {
        gen_scope_begin();
        gen_trace *prior = NULL, *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_fold_in(gen_key_new(17), (uint64_t)r), NULL, &prior));
        gen_choicemap *obs = gen_choicemap_empty();
        for (int j = 0; j < 4; j++) {
            gen_addr b = {2, {gen_part_name("y"), gen_part_int(j)}};
            obs = gen_choicemap_set(obs, &b, gen_trace_value(prior, &b));
        }
        CHECK_OK(gen_generate(f, gen_key_new((uint64_t)r), NULL, obs, &tr, NULL));
        gen_nuts_config cfg = {.warmup = 150, .draws = L * THIN, .target_accept = 0.9, .record = lat};
        gen_nuts_result res;
        CHECK_OK(gen_nuts_sample(gen_key_fold_in(gen_key_new(23), (uint64_t)r), 1, &tr, all, &cfg, 1, &res));
        double truth[2];
        truth[0] = check_item(gen_trace_value(prior, &amu));
        truth[1] = check_item(gen_trace_value(prior, &atau));
        for (int k = 0; k < 2; k++) {
            int64_t rank = 0;
            const double *x = res.draws ? gen_array_data(res.draws) : NULL;
            for (int i = 0; x && i < L; i++) rank += x[(i * THIN) * 2 + k] < truth[k];
            ranks[k][r] = rank / ((L + 1) / BINS);
        }
        gen_scope_end();
    }
    double probs[BINS];
    for (int b = 0; b < BINS; b++) probs[b] = 1.0 / BINS;
    STATS_CHISQ("sbc mu ranks", gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[0]), probs, BINS);
    STATS_CHISQ("sbc tau ranks", gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[1]), probs, BINS);
}

static void test_kernel(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_nuts_kernel k = {sel1("mu"), 0.3, NULL, 0};
    gen_chain_config cfg = {.burn_in = 100, .draws = 4000, .thin = 1, .sel = sel1("mu")};
    gen_array *s = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_nuts(&k), gen_key_new(9), tr, &cfg, &s, NULL, &rate));
    if (s) STATS_MOMENTS("kernel mu", s, 5.7 / 6, 1.0 / 6);
    CHECK(rate > 0.5);
    gen_trace *out = NULL;
    gen_nuts_stats st;
    CHECK_OK(gen_nuts(tr, gen_key_new(1), sel1("mu"), 0.5, gen_full(GEN_F64, 1, (int64_t[]){1}, 0.2), 3, &out, &st));
    CHECK(out != NULL && st.tree_depth <= 3 && st.n_leapfrog >= 1 && st.step_size == 0.5 && !st.divergent);
    /* an absurd step diverges at once */
    CHECK_OK(gen_nuts(tr, gen_key_new(1), sel1("mu"), 1e6, NULL, 0, &out, &st));
    CHECK(st.divergent && st.tree_depth == 0 && st.n_leapfrog == 1 && out == tr);
}

/* mu ~ flat: an improper target */
static gen_status flat_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "mu", gen_flat(0, NULL));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f'), *out = NULL;
    gen_selection *sel = sel1("mu");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel, 0, NULL, 0, &out, NULL), "gen_nuts: need a finite step > 0");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel, 0.1, NULL, 0, NULL, NULL), "gen_nuts: out is NULL");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel, 0.1, gen_zeros(GEN_F64, 1, (int64_t[]){2}), 0, &out, NULL),
                "gen_nuts: the inverse metric must be f64 [1]");
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel, 0.1, gen_full(GEN_F64, 2, (int64_t[]){1, 1}, -1), 0, &out, NULL),
                "not positive definite");
    CHECK(!out);
    gen_nuts_result r;
    gen_nuts_config cfg = {.warmup = 10, .draws = 0};
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, &r), "need warmup >= 0 and draws >= 1");
    CHECK(r.draws == NULL);
    cfg = (gen_nuts_config){.warmup = 10, .draws = 10, .target_accept = 1.5};
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, &r), "target_accept must be in (0, 1)");
    cfg = (gen_nuts_config){.warmup = 10, .draws = 10, .metric = 7};
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, &r), "unknown metric kind 7");
    cfg = (gen_nuts_config){.warmup = 10, .draws = 10};
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 0, &tr, sel, &cfg, 1, &r), "need 1 to 256 chains");
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, NULL, 1, &r), "the configuration is NULL");
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, NULL), "out is NULL");
    gen_trace *none[1] = {NULL};
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, none, sel, &cfg, 1, &r), "an initial trace is NULL");
    /* an improper target: the step size search runs away */
    gen_trace *flat = NULL;
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name("mu")}}, gen_scalar(0));
    CHECK_OK(gen_generate(gen_dynamic("flat", flat_model), gen_key_new(1), NULL, m, &flat, NULL));
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &flat, sel, &cfg, 1, &r), "chain 0: the step size search passed 1e7");
}

#include <time.h>
static double tnow(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
/* argv[1], if given, runs only the tests whose names contain it (valgrind runs the
 * short ones). */
static const char *only_;
#undef RUN
#define RUN(fn)                                                  \
    do {                                                         \
        if (only_ && !strstr(#fn, only_)) break;                 \
        double t0_ = tnow();                                     \
        gen_error_clear();                                       \
        gen_scope_begin();                                       \
        fn();                                                    \
        gen_scope_end();                                         \
        printf("  %s: %.1f s\n", #fn, tnow() - t0_);            \
    } while (0)

int main(int argc, char **argv) {
    only_ = argc > 1 ? argv[1] : NULL;
    RUN(test_windows);
    RUN(test_dual_averaging);
    RUN(test_normal);
    RUN(test_gamma_poisson);
    RUN(test_dense);
    RUN(test_tree_stats);
    RUN(test_funnel);
    RUN(test_kernel);
    RUN(test_errors);
    RUN(test_sbc);
    return check_finish();
}
