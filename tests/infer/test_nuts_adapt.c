/* test_nuts_adapt.c — nutpie's warm-up in gen_nuts_sample (GEN_ADAPT_GRADIENT and
 * GEN_ADAPT_LOW_RANK): moments within Monte Carlo error on a badly scaled Gaussian, a
 * correlated one and a conjugate model; the adapted diagonal equal to the known
 * variances; the low-rank metric finding a planted eigen-direction; fewer leapfrog steps
 * than Stan's warm-up where the metric matters; a resumed run equal to the uninterrupted
 * one; static HMC; simulation-based calibration; the errors. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "stats.h"
#include "conjugate_models.h"

/* x/i ~ N(0, SD[i]): a diagonal Gaussian over six orders of magnitude of scale */
static const double SD[5] = {0.01, 0.1, 1, 10, 100};
static gen_status scaled(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        *retval = gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(SD[i])));
    }
    return gen_ctx_status(ctx);
}

/* a ~ N(0, 1); b/i ~ N(a, 0.1), i < 4: covariance 1 everywhere plus 0.01 on b's
 * diagonal, one direction (near (1, 1, 1, 1, 1) / sqrt 5, variance ~5) 500 times wider
 * than the others, which no diagonal metric removes */
static gen_status star(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    for (int i = 0; i < 4; i++) {
        gen_addr b = {2, {gen_part_name("b"), gen_part_int(i)}};
        gen_choose_at(ctx, &b, gen_normal(a, gen_scalar(0.1)));
    }
    *retval = a;
    return gen_ctx_status(ctx);
}

static gen_trace *sim(const char *name, gen_body body) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic(name, body), gen_key_new(2), NULL, &tr));
    return tr;
}

static gen_selection *sel1(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_select(1, &a);
}

/* Mean within 5 MCSE and sd within 5 MCSE of the sd of parameter j ([chains, draws,
 * dims] draws). */
static void check_param(const char *what, const gen_array *draws, int64_t j, double mean, double sd) {
    gen_summary s[8];
    if (gen_summarize_array(draws, NULL, 0, s, 8) != GEN_OK) {
        check_fail(__FILE__, __LINE__, "%s: %s", what, gen_error_message());
        return;
    }
    double se = s[j].sd / sqrt(s[j].ess_bulk);
    if (!(fabs(s[j].mean - mean) < 5 * se))
        check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (mcse %g, ess %g)", what, s[j].mean, mean, se, s[j].ess_bulk);
    if (!(fabs(s[j].sd - sd) < 5 * s[j].mcse_sd))
        check_fail(__FILE__, __LINE__, "%s: sd %g, want %g (mcse %g)", what, s[j].sd, sd, s[j].mcse_sd);
    if (!(s[j].rhat < 1.05)) check_fail(__FILE__, __LINE__, "%s: R-hat %g", what, s[j].rhat);
    check_count++;
}

/* The mean of a stats column over rows [first, end) of every chain. */
static double stat_mean(const gen_array *stats, int col, int64_t first) {
    const int64_t *sh = gen_array_shape(stats);
    const double *x = gen_array_data(stats);
    double acc = 0;
    for (int64_t c = 0; c < sh[0]; c++)
        for (int64_t i = first; i < sh[1]; i++) acc += x[(c * sh[1] + i) * sh[2] + col];
    return acc / (double)(sh[0] * (sh[1] - first));
}

static gen_nuts_config config(gen_metric_adapt adapt, int64_t warmup, int64_t draws) {
    gen_nuts_config cfg = gen_nuts_config_default();
    cfg.adapt = adapt;
    cfg.target_accept = 0; /* the schedule's own: 0.8 Stan's, 0.9 nutpie's */
    cfg.warmup = warmup;
    cfg.draws = draws;
    return cfg;
}

static const char *NAME[4] = {"default", "stan", "gradient", "low rank"}; /* by gen_metric_adapt */

/* Moments of the three targets under both new schedules. */
static void test_moments(void) {
    gen_trace *sc = sim("scaled", scaled), *st = sim("star", star), *nm = observed(normal_model, "y", 5, Y, 'f');
    gen_trace *init[4];
    for (int m = GEN_ADAPT_GRADIENT; m <= GEN_ADAPT_LOW_RANK; m++) {
        char what[64];
        gen_nuts_config cfg = config((gen_metric_adapt)m, 300, 500);
        /* Stan's acceptance target: static HMC's 2 pi is the period of a whitened
         * Gaussian, where the more exact steps of 0.9 would make its chains stick */
        cfg.target_accept = 0.8;
        gen_nuts_result r;
        for (int c = 0; c < 4; c++) init[c] = sc;
        CHECK_OK(gen_nuts_sample(gen_key_new(3), 4, init, gen_select_all(), &cfg, 0, &r));
        for (int j = 0; r.draws && j < 5; j++) {
            snprintf(what, sizeof what, "%s: scaled x/%d", NAME[m], j);
            check_param(what, r.draws, j, 0, SD[j]);
        }
        if (r.stats) CHECK(stat_mean(r.stats, GEN_NUTS_DIVERGENT, 300) == 0);
        for (int c = 0; c < 4; c++) init[c] = st;
        CHECK_OK(gen_nuts_sample(gen_key_new(4), 4, init, gen_select_all(), &cfg, 0, &r));
        for (int j = 0; r.draws && j < 5; j++) {
            snprintf(what, sizeof what, "%s: star %d", NAME[m], j);
            check_param(what, r.draws, j, 0, j == 0 ? 1 : sqrt(1.01));
        }
        for (int c = 0; c < 4; c++) init[c] = nm;
        CHECK_OK(gen_nuts_sample(gen_key_new(5), 4, init, sel1("mu"), &cfg, 0, &r));
        snprintf(what, sizeof what, "%s: normal-normal mu", NAME[m]);
        if (r.draws) check_param(what, r.draws, 0, 5.7 / 6, sqrt(1.0 / 6));
        /* static HMC with the same warm-up */
        cfg.engine = GEN_ENGINE_HMC_STATIC;
        CHECK_OK(gen_nuts_sample(gen_key_new(6), 4, init, sel1("mu"), &cfg, 0, &r));
        snprintf(what, sizeof what, "%s: static HMC mu", NAME[m]);
        if (r.draws) check_param(what, r.draws, 0, 5.7 / 6, sqrt(1.0 / 6));
    }
}

/* The gradient-based diagonal is sqrt(var(x) / var(grad)) = SD^2 on a diagonal Gaussian:
 * the posterior variances, within the error of the last windows' estimate (~15%). */
static void test_diagonal(void) {
    gen_trace *sc = sim("scaled", scaled);
    gen_trace *init[4] = {sc, sc, sc, sc};
    gen_nuts_config cfg = config(GEN_ADAPT_GRADIENT, 500, 10);
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(7), 4, init, gen_select_all(), &cfg, 0, &r));
    if (!r.inv_metric) return;
    CHECK_SHAPE(r.inv_metric, 4, 5);
    const double *m = gen_array_data(r.inv_metric);
    for (int c = 0; c < 4; c++)
        for (int j = 0; j < 5; j++)
            if (!(fabs(m[c * 5 + j] / (SD[j] * SD[j]) - 1) < 0.5))
                check_fail(__FILE__, __LINE__, "chain %d x/%d: inverse metric %g, variance %g", c, j, m[c * 5 + j],
                           SD[j] * SD[j]);
    /* the four chains' estimates average within 20% */
    for (int j = 0; j < 5; j++) {
        double acc = 0;
        for (int c = 0; c < 4; c++) acc += m[c * 5 + j] / (SD[j] * SD[j]) / 4;
        CHECK(fabs(acc - 1) < 0.2);
    }
}

/* The top eigenvector of the symmetric [5, 5] a by power iteration. */
static void top_vector(const double *a, double *v) {
    for (int i = 0; i < 5; i++) v[i] = 1 + 0.1 * i;
    for (int it = 0; it < 500; it++) {
        double w[5], n = 0;
        for (int i = 0; i < 5; i++) {
            w[i] = 0;
            for (int j = 0; j < 5; j++) w[i] += a[i * 5 + j] * v[j];
            n += w[i] * w[i];
        }
        for (int i = 0; i < 5; i++) v[i] = w[i] / sqrt(n);
    }
}

/* The low-rank metric finds star's wide direction: the top eigenvector of the dense
 * inverse metric it reports is within 0.1 rad of the covariance's. */
static void test_planted_direction(void) {
    gen_trace *st = sim("star", star);
    gen_trace *init[4] = {st, st, st, st};
    gen_nuts_config cfg = config(GEN_ADAPT_LOW_RANK, 400, 10);
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(8), 4, init, gen_select_all(), &cfg, 0, &r));
    if (!r.inv_metric) return;
    CHECK_SHAPE(r.inv_metric, 4, 5, 5);
    double cov[25], truth[5];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) cov[i * 5 + j] = 1 + (i == j && i > 0 ? 0.01 : 0);
    top_vector(cov, truth);
    for (int c = 0; c < 4; c++) {
        double v[5], dot = 0;
        top_vector((const double *)gen_array_data(r.inv_metric) + c * 25, v);
        for (int i = 0; i < 5; i++) dot += v[i] * truth[i];
        if (!(acos(fmin(1, fabs(dot))) < 0.1))
            check_fail(__FILE__, __LINE__, "chain %d: angle %g to the planted direction", c, acos(fmin(1, fabs(dot))));
    }
}

/* Mean leapfrog steps per draw over 4 chains of 4 seeds. */
static double leapfrogs(gen_trace *tr, gen_metric_adapt adapt, int64_t warmup) {
    gen_trace *init[4] = {tr, tr, tr, tr};
    double acc = 0;
    for (int seed = 0; seed < 4; seed++) {
        gen_nuts_config cfg = config(adapt, warmup, 200);
        cfg.target_accept = 0.8; /* the schedules compared at the same acceptance */
        gen_nuts_result r;
        CHECK_OK(gen_nuts_sample(gen_key_new(100 + (uint64_t)seed), 4, init, gen_select_all(), &cfg, 0, &r));
        if (r.stats) acc += stat_mean(r.stats, GEN_NUTS_N_LEAPFROG, warmup) / 4;
    }
    return acc;
}

/* Shorter trajectories than Stan's warm-up of the same length: the gradient diagonal on
 * the badly scaled Gaussian (Stan's first windows are short and noisy there), the low
 * rank metric on star (no diagonal removes its correlation). The margins are several
 * times the spread of these means over seeds. */
static void test_fewer_leapfrogs(void) {
    gen_trace *sc = sim("scaled", scaled), *st = sim("star", star);
    double stan_sc = leapfrogs(sc, GEN_ADAPT_STAN, 200), grad_sc = leapfrogs(sc, GEN_ADAPT_GRADIENT, 200);
    double stan_st = leapfrogs(st, GEN_ADAPT_STAN, 200), low_st = leapfrogs(st, GEN_ADAPT_LOW_RANK, 200);
    printf("    leapfrogs per draw: scaled stan %.2f gradient %.2f; star stan %.2f low rank %.2f\n", stan_sc, grad_sc,
           stan_st, low_st);
    CHECK(grad_sc < 0.8 * stan_sc);
    CHECK(low_st < 0.5 * stan_st);
}

/* Same rows, metric and step size. */
static void same_results(const char *what, const gen_nuts_result *a, const gen_nuts_result *b) {
    if (!a->draws || !b->draws) {
        check_fail(__FILE__, __LINE__, "%s: no draws", what);
        return;
    }
    const gen_array *x[] = {a->draws, a->stats, a->inv_metric, a->step_size};
    const gen_array *y[] = {b->draws, b->stats, b->inv_metric, b->step_size};
    for (int k = 0; k < 4; k++) {
        CHECK(gen_array_size(x[k]) == gen_array_size(y[k]));
        if (gen_array_size(x[k]) == gen_array_size(y[k]) &&
            memcmp(gen_array_data(x[k]), gen_array_data(y[k]), (size_t)gen_array_size(x[k]) * sizeof(double)) != 0)
            check_fail(__FILE__, __LINE__, "%s: array %d differs", what, k);
    }
}

static bool cancel_at(void *ud, const gen_progress_info *in) { return !(in->chain == 0 && in->done == *(int64_t *)ud); }

/* A run cancelled in warm-up (early windows, main windows, the step-size-only window) and
 * resumed, and one run in two parts of draws, equal the uninterrupted run. */
static void test_resume(void) {
    gen_trace *st = sim("star", star);
    gen_trace *init[2] = {st, st};
    for (int m = GEN_ADAPT_GRADIENT; m <= GEN_ADAPT_LOW_RANK; m++) {
        gen_nuts_config cfg = config((gen_metric_adapt)m, 200, 100);
        gen_nuts_result full, part[4];
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, init, gen_select_all(), &cfg, 2, &full));
        int64_t at[3] = {37, 111, 185};
        const gen_nuts_result *prev = NULL;
        for (int k = 0; k < 3; k++) {
            cfg.progress = (gen_progress){cancel_at, &at[k]};
            cfg.resume = prev;
            CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, prev ? NULL : init, gen_select_all(), &cfg, 1, &part[k]),
                        "cancelled");
            prev = &part[k];
        }
        cfg.progress = (gen_progress){0};
        cfg.resume = prev;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, NULL, gen_select_all(), &cfg, 2, &part[3]));
        same_results(m == GEN_ADAPT_GRADIENT ? "gradient: cancelled three times" : "low rank: cancelled three times",
                     &part[3], &full);
        gen_nuts_result a, b;
        cfg.resume = NULL;
        cfg.draws = 40;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, init, gen_select_all(), &cfg, 2, &a));
        cfg.draws = 100;
        cfg.resume = &a;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, NULL, gen_select_all(), &cfg, 2, &b));
        same_results(m == GEN_ADAPT_GRADIENT ? "gradient: 40 + 60" : "low rank: 40 + 60", &b, &full);
        /* a resumed run keeps the schedule */
        cfg.adapt = m == GEN_ADAPT_GRADIENT ? GEN_ADAPT_LOW_RANK : GEN_ADAPT_GRADIENT;
        CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, NULL, gen_select_all(), &cfg, 2, &b),
                    "keeps the settings of the run it resumes: metric");
    }
}

/* SBC of NUTS with the default warm-up (the low-rank schedule, target_accept 0.9) and
 * with the gradient-based one on the hierarchical model of test_nuts.c:
 * mu ~ N(0, 1), tau ~ HalfNormal(1), theta/j ~ N(mu, tau), y/j ~ N(theta_j, 1), J = 4;
 * the ranks of the prior's mu and tau among L draws are uniform (chi-square, 5 bins). */
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

static void sbc(gen_metric_adapt adapt) {
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
        gen_nuts_config cfg = {.warmup = 150, .draws = L * THIN, .record = lat, .adapt = adapt};
        gen_nuts_result res;
        CHECK_OK(gen_nuts_sample(gen_key_fold_in(gen_key_new(29), (uint64_t)r), 1, &tr, all, &cfg, 1, &res));
        double truth[2] = {check_item(gen_trace_value(prior, &amu)), check_item(gen_trace_value(prior, &atau))};
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
    char what[64];
    snprintf(what, sizeof what, "%s: sbc mu ranks", NAME[adapt]);
    STATS_CHISQ(what, gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[0]), probs, BINS);
    snprintf(what, sizeof what, "%s: sbc tau ranks", NAME[adapt]);
    STATS_CHISQ(what, gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[1]), probs, BINS);
}

static void test_sbc(void) {
    sbc(GEN_ADAPT_DEFAULT);
    sbc(GEN_ADAPT_GRADIENT);
}

static void test_errors(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_nuts_config cfg = config(GEN_ADAPT_GRADIENT, 50, 10);
    gen_nuts_result r;
    cfg.metric = GEN_METRIC_DENSE;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "gen_nuts_sample: adapt GEN_ADAPT_GRADIENT adapts the diagonal metric: needs metric GEN_METRIC_DIAG");
    cfg.metric = GEN_METRIC_DIAG;
    cfg.inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){1}, (double[]){1});
    cfg.adapt = GEN_ADAPT_LOW_RANK;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "adapt GEN_ADAPT_LOW_RANK adapts the diagonal metric: needs metric GEN_METRIC_DIAG and no inv_metric");
    cfg.inv_metric = NULL;
    cfg.adapt = (gen_metric_adapt)7;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "gen_nuts_sample: unknown metric adaptation 7");
    cfg.adapt = GEN_ADAPT_LOW_RANK;
    cfg.max_rank = -1;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r),
                "adapt_window, adapt_early_window, adapt_update and max_rank must be >= 0 (0: the default), got 80, 10, 0, -1");
    /* warm-up too short for any window, and none at all: still runs */
    cfg.max_rank = 0;
    cfg.warmup = 3;
    CHECK_OK(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r));
    cfg.warmup = 0;
    CHECK_OK(gen_nuts_sample(gen_key_new(1), 1, &tr, sel1("mu"), &cfg, 1, &r));
    if (r.inv_metric) CHECK_SHAPE(r.inv_metric, 1, 1, 1);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_moments);
    RUN_ONLY(test_diagonal);
    RUN_ONLY(test_planted_direction);
    RUN_ONLY(test_fewer_leapfrogs);
    RUN_ONLY(test_resume);
    RUN_ONLY(test_sbc);
    RUN_ONLY(test_errors);
    return check_finish();
}
