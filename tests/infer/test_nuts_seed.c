/* test_nuts_seed.c — gen_nuts_config.init_inv_metric, the inverse metric warm-up starts
 * from: the chains start with it exactly (each schedule, diagonal and dense); from the
 * true variances of a badly scaled Gaussian warm-up takes fewer leapfrog steps than from
 * the identity or 1 / |grad|, with moments within Monte Carlo error, also from
 * Pathfinder's starts and variances; a cancelled and resumed run equals the
 * uninterrupted one; the errors. */
#include <math.h>
#include <string.h>

#include "check.h"

/* x/i ~ N(0, SD[i]): a diagonal Gaussian over four orders of magnitude of scale */
static const double SD[5] = {0.01, 0.1, 1, 10, 100};
static gen_status scaled(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        *retval = gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(SD[i])));
    }
    return gen_ctx_status(ctx);
}

static gen_trace *sim(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("scaled", scaled), gen_key_new(2), NULL, &tr));
    return tr;
}

static gen_array *true_variances(void) {
    double v[5];
    for (int i = 0; i < 5; i++) v[i] = SD[i] * SD[i];
    return gen_array_from(GEN_F64, 1, (int64_t[]){5}, v);
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

/* With no warm-up the chains keep the seed: the reported metric is it, bit for bit
 * (low rank: the dense matrix of its diagonal and no directions). */
static void test_start_is_seed(void) {
    gen_trace *tr = sim();
    gen_trace *init[2] = {tr, tr};
    gen_array *seed = true_variances();
    const double *v = gen_array_data(seed);
    for (int m = GEN_ADAPT_STAN; m <= GEN_ADAPT_LOW_RANK; m++) {
        gen_nuts_config cfg = config((gen_metric_adapt)m, 0, 5);
        cfg.init_inv_metric = seed;
        gen_nuts_result r;
        CHECK_OK(gen_nuts_sample(gen_key_new(1), 2, init, gen_select_all(), &cfg, 1, &r));
        if (!r.inv_metric) continue;
        const double *got = gen_array_data(r.inv_metric);
        bool dense = gen_array_ndim(r.inv_metric) == 3;
        CHECK(dense == (m == GEN_ADAPT_LOW_RANK));
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < (dense ? 5 : 1); j++) {
                    double want = dense && i != j ? 0 : v[i], x = dense ? got[(c * 5 + i) * 5 + j] : got[c * 5 + i];
                    if (x != want)
                        check_fail(__FILE__, __LINE__, "%s: chain %d [%d, %d] %g, want %g", NAME[m], c, i, j, x, want);
                }
    }
    /* the dense metric from a dense seed */
    double dm[25] = {0};
    for (int i = 0; i < 5; i++) dm[i * 6] = v[i];
    dm[1] = dm[5] = 0.5 * SD[0] * SD[1]; /* correlation 0.5 between x/0 and x/1 */
    gen_nuts_config cfg = config(GEN_ADAPT_STAN, 0, 5);
    cfg.metric = GEN_METRIC_DENSE;
    cfg.init_inv_metric = gen_array_from(GEN_F64, 2, (int64_t[]){5, 5}, dm);
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(1), 1, init, gen_select_all(), &cfg, 1, &r));
    if (r.inv_metric) {
        CHECK_SHAPE(r.inv_metric, 1, 5, 5);
        CHECK(memcmp(gen_array_data(r.inv_metric), dm, sizeof dm) == 0);
    }
}

/* Leapfrog steps per warm-up iteration and the moments' errors in MCSE of x/0..4 (worst
 * of mean and sd) of 4 chains, 200 warm-up and 300 draws. */
static double warm_leapfrogs(gen_trace *const *init, gen_metric_adapt adapt, const gen_array *seed, bool at_trace,
                             uint64_t key, double *worst_z) {
    gen_nuts_config cfg = config(adapt, 200, 300);
    cfg.init_inv_metric = seed;
    cfg.init_at_trace = at_trace;
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(key), 4, init, gen_select_all(), &cfg, 1, &r));
    if (!r.stats) return NAN;
    const int64_t *sh = gen_array_shape(r.stats);
    const double *st = gen_array_data(r.stats);
    double lf = 0;
    for (int64_t c = 0; c < sh[0]; c++)
        for (int64_t i = 0; i < 200; i++) lf += st[(c * sh[1] + i) * sh[2] + GEN_NUTS_N_LEAPFROG];
    gen_summary s[5];
    *worst_z = INFINITY;
    if (gen_summarize_array(r.draws, NULL, 0, s, 5) != GEN_OK) return NAN;
    *worst_z = 0;
    for (int j = 0; j < 5; j++) {
        double zm = fabs(s[j].mean) / (s[j].sd / sqrt(s[j].ess_bulk)), zs = fabs(s[j].sd - SD[j]) / s[j].mcse_sd;
        *worst_z = fmax(*worst_z, fmax(zm, zs));
    }
    return lf / (double)(sh[0] * 200);
}

/* From the true variances Stan's warm-up needs far fewer leapfrog steps than from the
 * identity (tree depth near 10 until the first window ends: ~300 per iteration against
 * ~6); nutpie's needs no more than from 1 / |grad| (on a diagonal Gaussian that one-point
 * estimate already has the right ratios of scales, and the first estimates from draws
 * replace either); the draws stay right (moments within 5 MCSE). */
static void test_fewer_warmup_leapfrogs(void) {
    gen_trace *tr = sim();
    gen_trace *init[4] = {tr, tr, tr, tr};
    gen_array *seed = true_variances();
    for (int m = GEN_ADAPT_STAN; m <= GEN_ADAPT_LOW_RANK; m++) {
        double z0 = 0, z1 = 0;
        double plain = warm_leapfrogs(init, (gen_metric_adapt)m, NULL, false, 40 + (uint64_t)m, &z0);
        double seeded = warm_leapfrogs(init, (gen_metric_adapt)m, seed, false, 40 + (uint64_t)m, &z1);
        printf("    %s: warm-up leapfrogs per iteration %.1f, seeded %.1f (worst |z| %.2f, %.2f)\n", NAME[m], plain,
               seeded, z0, z1);
        if (m == GEN_ADAPT_STAN) CHECK(seeded < 0.5 * plain);
        else CHECK(seeded < 1.1 * plain); /* 1 / |grad| is already good here: no loss */
        CHECK(z0 < 5);
        CHECK(z1 < 5);
    }
}

/* Pathfinder's starts and variances (gen_pathfinder_inits) seed the warm-up: fewer
 * warm-up steps than the random starts with the identity, the draws right. */
static void test_pathfinder_seed(void) {
    gen_trace *tr = sim();
    gen_trace *starts[4];
    gen_array *pf_var = NULL;
    CHECK_OK(gen_pathfinder_inits(gen_key_new(5), tr, gen_select_all(), NULL, 4, starts, &pf_var));
    if (!pf_var) return;
    const double *v = gen_array_data(pf_var);
    for (int i = 0; i < 5; i++) /* the draws' variance: right within sampling error of ~1000 draws */
        if (!(fabs(v[i] / (SD[i] * SD[i]) - 1) < 0.3))
            check_fail(__FILE__, __LINE__, "pathfinder variance %d: %g, want %g", i, v[i], SD[i] * SD[i]);
    gen_trace *init[4] = {tr, tr, tr, tr};
    double z0 = 0, z1 = 0;
    double plain = warm_leapfrogs(init, GEN_ADAPT_STAN, NULL, false, 50, &z0);
    double seeded = warm_leapfrogs(starts, GEN_ADAPT_STAN, pf_var, true, 50, &z1);
    printf("    pathfinder: warm-up leapfrogs per iteration %.1f, seeded %.1f (worst |z| %.2f, %.2f)\n", plain, seeded,
           z0, z1);
    CHECK(seeded < 0.5 * plain);
    CHECK(z1 < 5);
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

/* A seeded run cancelled before any chain starts and in warm-up, then resumed, equals
 * the uninterrupted one; a resume must be seeded as the run it continues. */
static void test_resume(void) {
    gen_trace *tr = sim();
    gen_trace *init[2] = {tr, tr};
    gen_array *seed = true_variances();
    for (int m = GEN_ADAPT_STAN; m <= GEN_ADAPT_LOW_RANK; m++) {
        gen_nuts_config cfg = config((gen_metric_adapt)m, 150, 50);
        cfg.init_inv_metric = seed;
        gen_nuts_result full, part[3];
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, init, gen_select_all(), &cfg, 1, &full));
        int64_t at[2] = {0, 70};
        const gen_nuts_result *prev = NULL;
        for (int k = 0; k < 2; k++) {
            cfg.progress = (gen_progress){cancel_at, &at[k]};
            cfg.resume = prev;
            CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, prev ? NULL : init, gen_select_all(), &cfg, 1, &part[k]),
                        "cancelled");
            prev = &part[k];
        }
        cfg.progress = (gen_progress){0};
        cfg.resume = prev;
        CHECK_OK(gen_nuts_sample(gen_key_new(11), 2, NULL, gen_select_all(), &cfg, 1, &part[2]));
        same_results(NAME[m], &part[2], &full);
        cfg.init_inv_metric = NULL;
        CHECK_ERROR(gen_nuts_sample(gen_key_new(11), 2, NULL, gen_select_all(), &cfg, 1, &part[2]),
                    "keeps the settings of the run it resumes: seeded 1 there, 0 here");
    }
}

static void test_errors(void) {
    gen_trace *tr = sim();
    gen_nuts_config cfg = config(GEN_ADAPT_GRADIENT, 20, 5);
    gen_nuts_result r;
    cfg.init_inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){4}, (double[]){1, 1, 1, 1});
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r),
                "gen_nuts_sample: init_inv_metric must be f64 [5] (the diagonal metric)");
    CHECK(r.draws == NULL);
    cfg.init_inv_metric = gen_array_from(GEN_F64, 1, (int64_t[]){5}, (double[]){1, 1, -2, 1, 1});
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r),
                "gen_nuts_sample: init_inv_metric: the inverse metric must be positive, got -2 at 2");
    cfg.adapt = GEN_ADAPT_STAN;
    cfg.metric = GEN_METRIC_DENSE;
    cfg.init_inv_metric = true_variances();
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r),
                "gen_nuts_sample: init_inv_metric must be f64 [5, 5] (the dense metric)");
    double ns[25] = {0};
    for (int i = 0; i < 5; i++) ns[i * 6] = 1;
    ns[1] = ns[5] = 2; /* symmetric, not positive definite */
    cfg.init_inv_metric = gen_array_from(GEN_F64, 2, (int64_t[]){5, 5}, ns);
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r),
                "gen_nuts_sample: init_inv_metric: the dense inverse metric is not positive definite");
    cfg.metric = GEN_METRIC_UNIT;
    cfg.init_inv_metric = true_variances();
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r),
                "gen_nuts_sample: init_inv_metric seeds the metric's adaptation: needs metric GEN_METRIC_DIAG or "
                "GEN_METRIC_DENSE and no (fixed) inv_metric");
    cfg.metric = GEN_METRIC_DIAG;
    cfg.inv_metric = true_variances();
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &cfg, 1, &r), "no (fixed) inv_metric");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_start_is_seed);
    RUN_ONLY(test_fewer_warmup_leapfrogs);
    RUN_ONLY(test_pathfinder_seed);
    RUN_ONLY(test_resume);
    RUN_ONLY(test_errors);
    return check_finish();
}
