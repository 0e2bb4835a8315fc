/* test_nuts_defaults.c — gen_nuts_sample's defaults: the two initializers' fields (the
 * library's: nutpie's low-rank schedule at target_accept 0.9; Stan's: CmdStan's
 * `sample`), a zero configuration running the library's sampler (the same draws), random
 * starts in (-2, 2) of unconstrained space (or the trace's point on request), the metric
 * adapted by default (read back against a badly scaled Gaussian's variances: low rank,
 * and Stan's diagonal), and static HMC (GEN_ENGINE_HMC_STATIC): its trajectory length,
 * its answers on known Gaussians and its errors. */
#include <math.h>
#include <string.h>

#include "check.h"

/* x/i ~ N(MU[i], SD[i]), i < 3: a badly scaled Gaussian (sds 10, 1, 0.1). */
static const double MU[3] = {1, -2, 0.5}, SD[3] = {10, 1, 0.1};

static gen_status scaled(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    for (int i = 0; i < 3; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(gen_scalar(MU[i]), gen_scalar(SD[i])));
    }
    *retval = gen_scalar(0);
    return gen_ctx_status(ctx);
}

/* s ~ Gamma(4, 0.5) (positive: sampled as log s), mean 2, variance 1. */
static gen_status positive(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "s", gen_gamma(gen_scalar(4), gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static gen_trace *trace_of(gen_status (*body)(gen_ctx *, const gen_args *, gen_array **), const char *name) {
    gen_gf *gf = gen_dynamic(name, body);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gf, gen_key_new(1), NULL, &tr));
    return tr;
}

static const double *f64(const gen_array *a) { return gen_array_data(a); }

static void test_initializer(void) {
    for (int k = 0; k < 2; k++) {
        gen_nuts_config c = k ? gen_nuts_config_stan() : gen_nuts_config_default();
        CHECK(c.warmup == 1000 && c.draws == 1000);
        CHECK(c.metric == GEN_METRIC_DIAG && !c.inv_metric && !c.init_inv_metric && c.engine == GEN_ENGINE_NUTS);
        CHECK(c.step == 1 && !c.fixed_step && c.max_depth == 10);
        CHECK(c.init_buffer == 75 && c.term_buffer == 50 && c.base_window == 25);
        CHECK(c.init_radius == 2 && !c.init_at_trace);
        CHECK(fabs(c.int_time - 2 * 3.14159265358979323846) < 1e-15);
        CHECK(c.adapt_window == 80 && c.adapt_early_window == 10 && c.max_rank == 10);
        CHECK(!c.record && !c.resume && !c.progress.fn);
    }
    gen_nuts_config lib = gen_nuts_config_default(), stan = gen_nuts_config_stan();
    CHECK(lib.adapt == GEN_ADAPT_LOW_RANK && lib.target_accept == 0.9);
    CHECK(stan.adapt == GEN_ADAPT_STAN && stan.target_accept == 0.8);
    CHECK(GEN_METRIC_DIAG == 0 && GEN_ENGINE_NUTS == 0 && GEN_ADAPT_DEFAULT == 0); /* zero fields: the defaults */
}

/* The same draws, statistics and adaptation with the same key. */
static void check_same_run(gen_nuts_config *x, gen_nuts_config *y) {
    gen_trace *tr = trace_of(scaled, "scaled"), *init[2] = {tr, tr};
    gen_nuts_result a, b;
    CHECK_OK(gen_nuts_sample(gen_key_new(3), 2, init, gen_select_all(), x, 1, &a));
    CHECK_OK(gen_nuts_sample(gen_key_new(3), 2, init, gen_select_all(), y, 1, &b));
    if (!a.draws || !b.draws) return;
    CHECK_ARRAY(a.draws, f64(b.draws), gen_array_size(b.draws), 0, 0);
    CHECK_ARRAY(a.stats, f64(b.stats), gen_array_size(b.stats), 0, 0);
    CHECK_ARRAY(a.inv_metric, f64(b.inv_metric), gen_array_size(b.inv_metric), 0, 0);
}

/* A zero configuration is the initializer's sampler; {.adapt = GEN_ADAPT_STAN} is
 * Stan's initializer's. A zero adapt is Stan's where no diagonal metric is adapted. */
static void test_zero_is_default(void) {
    gen_nuts_config zero = {.warmup = 200, .draws = 100}, def = gen_nuts_config_default();
    def.warmup = 200;
    def.draws = 100;
    check_same_run(&zero, &def);
    gen_nuts_config zstan = {.warmup = 200, .draws = 100, .adapt = GEN_ADAPT_STAN}, stan = gen_nuts_config_stan();
    stan.warmup = 200;
    stan.draws = 100;
    check_same_run(&zstan, &stan);
    gen_nuts_config zdense = {.warmup = 200, .draws = 100, .metric = GEN_METRIC_DENSE};
    stan.metric = GEN_METRIC_DENSE;
    check_same_run(&zdense, &stan);
}

/* Starts: uniform in (-r, r) of unconstrained space, different per chain; the trace's
 * point with init_at_trace. Read through one transition of a vanishing fixed step. */
static void test_starts(void) {
    gen_trace *tr = trace_of(positive, "positive"), *init[4] = {tr, tr, tr, tr};
    double s0 = check_item(gen_choicemap_get_value(gen_trace_choices(tr), &(gen_addr){1, {gen_part_name("s")}}));
    for (int mode = 0; mode < 3; mode++) {
        gen_nuts_config c = {.warmup = 0, .draws = 1, .step = 1e-12, .fixed_step = true};
        double r = 2;
        if (mode == 1) c.init_radius = r = 0.25;
        if (mode == 2) c.init_at_trace = true;
        gen_nuts_result res;
        CHECK_OK(gen_nuts_sample(gen_key_new(5), 4, init, gen_select_all(), &c, 1, &res));
        if (!res.unconstrained) return;
        const double *u = f64(res.unconstrained), *x = f64(res.draws);
        for (int k = 0; k < 4; k++) {
            CHECK_CLOSE(x[k], exp(u[k]), 1e-12); /* s = exp(u): the positive support's bijection */
            if (mode == 2) {
                CHECK_CLOSE(x[k], s0, 1e-9);
            } else {
                CHECK(fabs(u[k]) < r && fabs(u[k] - log(s0)) > 1e-6);
                for (int j = 0; j < k; j++) CHECK(u[j] != u[k]);
            }
        }
    }
}

/* By default warm-up adapts the metric: read back, it is the posterior covariance
 * diag(100, 1, 0.01) within sampling error (the last windows' few hundred correlated
 * draws: 35%): the low-rank metric as [d, d] (no direction it adds may correlate the
 * coordinates by more than 0.2), Stan's diagonal as [d]. */
static void test_adapted_metric(void) {
    gen_trace *tr = trace_of(scaled, "scaled"), *init[2] = {tr, tr};
    gen_nuts_config c = {.warmup = 1000, .draws = 200};
    gen_nuts_result r;
    for (int stan = 0; stan < 2; stan++) {
        c.adapt = stan ? GEN_ADAPT_STAN : GEN_ADAPT_DEFAULT;
        CHECK_OK(gen_nuts_sample(gen_key_new(7), 2, init, gen_select_all(), &c, 1, &r));
        if (!r.inv_metric) return;
        if (stan) CHECK_SHAPE(r.inv_metric, 2, 3);
        else CHECK_SHAPE(r.inv_metric, 2, 3, 3);
        const double *m = f64(r.inv_metric);
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < 3; i++) {
                double mi = stan ? m[k * 3 + i] : m[k * 9 + i * 4], v = SD[i] * SD[i];
                if (!(fabs(mi / v - 1) < 0.35))
                    check_fail(__FILE__, __LINE__, "%s, chain %d: adapted inverse metric %d is %g, the variance %g",
                               stan ? "stan" : "low rank", k, i, mi, v);
                for (int j = 0; !stan && j < i; j++) {
                    double corr = m[k * 9 + i * 3 + j] / sqrt(m[k * 9 + i * 4] * m[k * 9 + j * 4]);
                    if (!(fabs(corr) < 0.2))
                        check_fail(__FILE__, __LINE__, "low rank, chain %d: correlation %d, %d is %g", k, i, j, corr);
                }
            }
    }
    /* with the unit metric the same run keeps the identity */
    c.metric = GEN_METRIC_UNIT;
    CHECK_OK(gen_nuts_sample(gen_key_new(7), 2, init, gen_select_all(), &c, 1, &r));
    if (r.inv_metric) CHECK(f64(r.inv_metric)[0] == 1 && f64(r.inv_metric)[2] == 1);
}

/* Mean and sd of column j of draws [chains, n, dims] against the truth, within 5 MCSE. */
static void check_moments(const char *what, const gen_array *draws, int j, double mean, double sd) {
    const int64_t *sh = gen_array_shape(draws);
    gen_summary all[3];
    CHECK_OK(gen_summarize_array(draws, NULL, 0, all, (int)sh[2]));
    gen_summary s = all[j];
    if (!(fabs(s.mean - mean) < 5 * s.mcse_mean) || !(fabs(s.sd - sd) < 5 * s.mcse_sd))
        check_fail(__FILE__, __LINE__, "%s: mean %g (mcse %g), sd %g (mcse %g); want %g, %g", what, s.mean, s.mcse_mean,
                   s.sd, s.mcse_sd, mean, sd);
}

/* Static HMC: L = floor(int_time / step) leapfrogs each transition (the adapted step),
 * tree depth 0, and the right moments on the scaled Gaussian and the gamma. */
static void test_static_hmc(void) {
    gen_trace *tr = trace_of(scaled, "scaled"), *init[2] = {tr, tr};
    gen_nuts_config c = gen_nuts_config_default();
    c.engine = GEN_ENGINE_HMC_STATIC;
    c.warmup = 500;
    c.draws = 1000;
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(9), 2, init, gen_select_all(), &c, 1, &r));
    if (!r.draws) return;
    for (int i = 0; i < 3; i++) check_moments("static HMC, scaled Gaussian", r.draws, i, MU[i], SD[i]);
    const double *st = f64(r.stats);
    for (int k = 0; k < 2; k++) {
        double eps = f64(r.step_size)[k];
        int64_t L = (int64_t)floor(2 * 3.14159265358979323846 / eps);
        if (L < 1) L = 1;
        for (int64_t it = 500; it < 1500; it++) {
            const double *row = st + (k * 1500 + it) * GEN_NUTS_NSTATS;
            if (row[GEN_NUTS_N_LEAPFROG] != (double)L || row[GEN_NUTS_TREE_DEPTH] != 0 || row[GEN_NUTS_STEP_SIZE] != eps) {
                check_fail(__FILE__, __LINE__, "chain %d iteration %lld: %g leapfrogs (want %lld), depth %g", k,
                           (long long)it, row[GEN_NUTS_N_LEAPFROG], (long long)L, row[GEN_NUTS_TREE_DEPTH]);
                break;
            }
        }
    }
    gen_trace *tp = trace_of(positive, "positive"), *ip[2] = {tp, tp};
    c.int_time = 1.5;
    CHECK_OK(gen_nuts_sample(gen_key_new(10), 2, ip, gen_select_all(), &c, 1, &r));
    if (r.draws) check_moments("static HMC, gamma", r.draws, 0, 2, 1);
}

static void test_errors(void) {
    gen_trace *tr = trace_of(positive, "positive");
    gen_nuts_result r;
    gen_nuts_config c = gen_nuts_config_default();
    c.engine = (gen_hmc_engine)5;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &c, 1, &r), "gen_nuts_sample: unknown engine 5");
    c = gen_nuts_config_default();
    c.int_time = -1;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &c, 1, &r), "int_time must be finite");
    c = gen_nuts_config_default();
    c.init_radius = INFINITY;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &c, 1, &r), "a finite init_radius");
    /* a resumed run keeps the engine */
    c = (gen_nuts_config){.warmup = 20, .draws = 10};
    gen_nuts_result a;
    CHECK_OK(gen_nuts_sample(gen_key_new(1), 1, &tr, gen_select_all(), &c, 1, &a));
    c.engine = GEN_ENGINE_HMC_STATIC;
    c.resume = &a;
    CHECK_ERROR(gen_nuts_sample(gen_key_new(1), 1, NULL, gen_select_all(), &c, 1, &r), "engine 0 there, 1 here");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_initializer);
    RUN_ONLY(test_zero_is_default);
    RUN_ONLY(test_starts);
    RUN_ONLY(test_adapted_metric);
    RUN_ONLY(test_static_hmc);
    RUN_ONLY(test_errors);
    return check_finish();
}
