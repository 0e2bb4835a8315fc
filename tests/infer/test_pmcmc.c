/* test_pmcmc.c — particle MCMC (genc/pmcmc.h) on a linear-Gaussian model with one static
 * parameter, the AR coefficient a, against the exact oracles of genc/filter.h:
 *  - conditional SMC leaves the smoothing distribution invariant: started from exact
 *    smoothing paths (gen_kalman_sample), its output paths have the RTS smoother's means
 *    and variances (independent runs, within 5 standard errors);
 *  - PMMH and particle Gibbs recover the posterior of a, computed here on a fine grid from
 *    the prior and the Kalman log marginal likelihood (chain mean and sd within 5 Monte
 *    Carlo standard errors from the chain's ESS, genc/diag.h);
 *  - exact behaviour (one particle keeps the reference, the same key gives the same
 *    trace, the parameters stay those of the reference) and the errors. */
#include <math.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"

/* x_1 ~ N(a M0, a^2 P0 + Q), x_t ~ N(a x_t-1, Q), y_t ~ N(x_t, R), a ~ N(A_MU, A_SD^2);
 * Unfold step t holds x_t+1 and y_t+1 at steps/t/x and steps/t/y. */
enum { T = 10 };
static const double Q = 1.0, R = 0.5, M0 = 0.0, P0 = 1.0, A_MU = 0.5, A_SD = 0.3, A_TRUE = 0.8;

static gen_gf *STEPS;

/* Unfold kernel: args (t, x_prev, a) */
static gen_status lg_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_item_i64(args->v[0], &t);
    gen_array *a = args->v[2];
    gen_array *mu = gen_mul(a, t ? args->v[1] : gen_scalar(M0));
    gen_array *sd = t ? gen_scalar(sqrt(Q)) : gen_sqrt(gen_add(gen_mul(gen_mul(a, a), gen_scalar(P0)), gen_scalar(Q)));
    gen_array *x = gen_choose(ctx, "x", gen_normal(mu, sd));
    if (!x) return gen_ctx_status(ctx);
    gen_choose(ctx, "y", gen_normal(x, gen_scalar(sqrt(R))));
    *retval = x;
    return gen_ctx_status(ctx);
}

/* args (n): the parameter, then n steps */
static gen_status lg_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(A_MU), gen_scalar(A_SD)));
    if (!a) return gen_ctx_status(ctx);
    gen_array *v[3] = {args->v[0], gen_scalar(0), a};
    gen_call(ctx, "steps", STEPS, &(gen_args){3, v, NULL});
    return gen_ctx_status(ctx);
}

/* The random-walk proposal of a: a' ~ N(a, RW_SD^2); user: the current trace. */
static const double RW_SD = 0.25;
static gen_status rw_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_addr a = {1, {gen_part_name("a")}};
    const gen_array *cur = gen_trace_value(args->user, &a);
    if (!cur) return gen_error_status();
    gen_choose(ctx, "a", gen_normal(cur, gen_scalar(RW_SD)));
    return gen_ctx_status(ctx);
}

static gen_addr at(int64_t t, const char *name) {
    return (gen_addr){3, {gen_part_name("steps"), gen_part_int(t), gen_part_name(name)}};
}

/* The problem: the model, the data and the schedule of gen_ssm. */
typedef struct problem {
    gen_gf *model;
    double y[T];
    gen_array *len[T];
    gen_args args[T];
    gen_diff diffs[T][1];
    const gen_diff *dptr[T];
    const gen_choicemap *obs[T];
    gen_ssm ssm;
    gen_selection *params;
    gen_addr a;
} problem;

/* Data simulated at a = A_TRUE with key seed; the schedule: step 0 (length 1, y_1), then
 * T - 1 steps each growing the length by one. */
static void problem_init(problem *p, uint64_t seed) {
    STEPS = gen_unfold(gen_dynamic("lg_step", lg_step));
    p->model = gen_dynamic("lg_model", lg_model);
    p->a = (gen_addr){1, {gen_part_name("a")}};
    p->params = gen_select(1, &p->a);
    gen_trace *sim = NULL;
    gen_array *n = gen_scalar_i64(T);
    CHECK_OK(gen_generate(p->model, gen_key_new(seed), &(gen_args){1, &n, NULL},
                          gen_choicemap_set(gen_choicemap_empty(), &p->a, gen_scalar(A_TRUE)), &sim, NULL));
    for (int t = 0; t < T; t++) {
        gen_addr ya = at(t, "y");
        p->y[t] = sim ? check_item(gen_trace_value(sim, &ya)) : 0;
        p->len[t] = gen_scalar_i64(t + 1);
        p->args[t] = (gen_args){1, &p->len[t], NULL};
        p->diffs[t][0] = gen_diff_int(1);
        p->dptr[t] = p->diffs[t];
        p->obs[t] = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(p->y[t]));
    }
    p->ssm = (gen_ssm){p->model, &p->args[0], p->obs[0], T - 1, &p->args[1], &p->dptr[1], &p->obs[1]};
}

/* The Kalman form of the model at a. */
static gen_lgssm lgssm_at(double a) {
    gen_lgssm m = {gen_full(GEN_F64, GEN_DIMS(1), M0), gen_full(GEN_F64, GEN_DIMS(1, 1), P0),
                   gen_full(GEN_F64, GEN_DIMS(1, 1), a),  NULL,
                   gen_full(GEN_F64, GEN_DIMS(1, 1), Q),  gen_full(GEN_F64, GEN_DIMS(1, 1), 1.0),
                   NULL,                                  gen_full(GEN_F64, GEN_DIMS(1, 1), R)};
    return m;
}

static double trace_at(const gen_trace *tr, const gen_addr *a) { return check_item(gen_trace_value(tr, a)); }

/* A trace of the whole model with a and the path x given. */
static gen_trace *trace_with(const problem *p, double a, const double *x) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_choicemap_builder_set(b, &p->a, gen_scalar(a));
    for (int t = 0; t < T; t++) {
        gen_addr xa = at(t, "x"), ya = at(t, "y");
        gen_choicemap_builder_set(b, &xa, gen_scalar(x[t]));
        gen_choicemap_builder_set(b, &ya, gen_scalar(p->y[t]));
    }
    gen_choicemap *c = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(p->model, gen_key_new(0), &p->args[T - 1], c, &tr, NULL));
    return tr;
}

/* ---- conditional SMC keeps the smoothing distribution ----
 * 4000 runs of 4 particles, each from its own exact smoothing path; the output's x at
 * every step against the smoother (20 checks of mean and variance). Without ancestor
 * sampling, a plain particle filter in its place (the reference not kept) fails 17 of
 * them, a reference weighted with its states' prior density too (project of everything)
 * 2; with it, ancestor weights without the transition density fail 5, ancestor weights
 * without the particles' weights 14. */

static void check_invariant(const char *what, bool ancestor_sampling) {
    enum { RUNS = 4000, N = 4 };
    problem p;
    problem_init(&p, 11);
    gen_lgssm lg = lgssm_at(A_TRUE);
    gen_array *ys = gen_array_from_f64(GEN_DIMS(T, 1), p.y), *sm = NULL, *sc = NULL, *paths = NULL;
    CHECK_OK(gen_kalman_smoother(&lg, ys, &sm, &sc, NULL));
    CHECK_OK(gen_kalman_sample(&lg, gen_key_new(12), ys, RUNS, &paths));
    if (!sm || !sc || !paths) return;
    const double *path = gen_array_data(paths), *mean = gen_array_data(sm), *var = gen_array_data(sc);
    static double out[T][RUNS];
    bool kept = true;
    int64_t moved = 0; /* runs whose x_1 left the reference's */
    gen_csmc_config cfg = {p.params, N, ancestor_sampling};
    for (int r = 0; r < RUNS; r++) {
        gen_scope_begin();
        gen_trace *ref = trace_with(&p, A_TRUE, path + (int64_t)r * T), *tr = NULL;
        CHECK_OK(gen_csmc(ref, gen_key_fold_in(gen_key_new(13), (uint64_t)r), &p.ssm, &cfg, &tr));
        for (int t = 0; tr && t < T; t++) {
            gen_addr xa = at(t, "x");
            out[t][r] = trace_at(tr, &xa);
        }
        kept = kept && tr && trace_at(tr, &p.a) == A_TRUE;
        moved += tr && out[0][r] != path[(int64_t)r * T];
        gen_scope_end();
    }
    CHECK(kept); /* the parameter is the reference's */
    CHECK(moved > 0 && moved < RUNS);
    printf("%s: x_1 moved in %lld of %d runs\n", what, (long long)moved, RUNS);
    for (int t = 0; t < T; t++) {
        char name[64];
        snprintf(name, sizeof name, "%s: x at step %d", what, t);
        STATS_MOMENTS(name, gen_array_from_f64(GEN_DIMS(RUNS), out[t]), mean[t], var[t]);
    }
}

static void test_csmc_invariant(void) { check_invariant("CSMC", false); }
static void test_csmc_ancestor_invariant(void) { check_invariant("CSMC with ancestor sampling", true); }

/* ---- the posterior of a on a grid ---- */

typedef struct posterior {
    double mean, sd;
} posterior;

static posterior grid_posterior(const problem *p) {
    enum { G = 4001 };
    const double lo = -1.5, hi = 2.5;
    static double lp[G];
    double mx = -INFINITY;
    gen_array *ys = gen_array_from_f64(GEN_DIMS(T, 1), p->y);
    for (int g = 0; g < G; g++) {
        gen_scope_begin();
        double a = lo + (hi - lo) * g / (G - 1), lml = NAN;
        gen_lgssm lg = lgssm_at(a);
        CHECK_OK(gen_kalman_filter(&lg, ys, NULL, NULL, NULL, NULL, &lml));
        double z = (a - A_MU) / A_SD;
        lp[g] = lml - 0.5 * z * z;
        if (lp[g] > mx) mx = lp[g];
        gen_scope_end();
    }
    double s0 = 0, s1 = 0, s2 = 0;
    for (int g = 0; g < G; g++) {
        double a = lo + (hi - lo) * g / (G - 1), w = exp(lp[g] - mx);
        s0 += w, s1 += w * a, s2 += w * a * a;
    }
    posterior q = {s1 / s0, sqrt(s2 / s0 - (s1 / s0) * (s1 / s0))};
    CHECK(exp(lp[0] - mx) < 1e-12 && exp(lp[G - 1] - mx) < 1e-12); /* the grid covers the mass */
    return q;
}

/* The chain's mean and sd within 5 Monte Carlo standard errors of the posterior's. */
static void check_chain(const char *what, const gen_array *draws, posterior post) {
    int64_t n = gen_array_size(draws);
    const double *d = gen_array_data(draws);
    if (!d || n < 10) {
        check_fail(__FILE__, __LINE__, "%s: no draws", what);
        return;
    }
    double m = 0, v = 0, se_m = NAN, se_sd = NAN;
    for (int64_t i = 0; i < n; i++) m += d[i] / (double)n;
    for (int64_t i = 0; i < n; i++) v += (d[i] - m) * (d[i] - m) / (double)(n - 1);
    CHECK_OK(gen_mcse_mean(&d, 1, &n, &se_m));
    CHECK_OK(gen_mcse_sd(&d, 1, &n, &se_sd));
    if (!(fabs(m - post.mean) < 5 * se_m) || !(fabs(sqrt(v) - post.sd) < 5 * se_sd))
        check_fail(__FILE__, __LINE__, "%s: mean %.4f (exact %.4f, mcse %.4f), sd %.4f (exact %.4f, mcse %.4f)", what,
                   m, post.mean, se_m, sqrt(v), post.sd, se_sd);
    check_count++;
    printf("%s: mean %.4f (exact %.4f, mcse %.4f), sd %.4f (exact %.4f, mcse %.4f)\n", what, m, post.mean, se_m,
           sqrt(v), post.sd, se_sd);
}

/* 10 particles and 4000 draws: enough for the test to fail when the current state's
 * estimate is recomputed each iteration (Monte Carlo within Metropolis: sd 0.333 against
 * 0.253, 6.6 mcse) or the prior is left out of the ratio (sd 0.458, 8 mcse). */
static void test_pmmh(void) {
    enum { DRAWS = 4000 };
    problem p;
    problem_init(&p, 21);
    posterior post = grid_posterior(&p);
    gen_gf *rw = gen_dynamic("rw_proposal", rw_proposal);
    gen_pmmh_config cfg = {.params = p.params, .proposal = rw, .n_particles = 10, .burn_in = 100, .draws = DRAWS,
                           .thin = 1};
    gen_pmmh_result res;
    CHECK_OK(gen_pmmh(&p.ssm, gen_key_new(22), gen_choicemap_set(gen_choicemap_empty(), &p.a, gen_scalar(0.5)), &cfg,
                      &res));
    if (!res.samples) return;
    CHECK_SHAPE(res.samples, DRAWS, 1);
    CHECK_SHAPE(res.log_ml, DRAWS);
    CHECK(res.draws_done == DRAWS);
    CHECK(res.accept_rate > 0 && res.accept_rate < 1);
    printf("PMMH acceptance rate %.3f\n", res.accept_rate);
    const double *z = gen_array_data(res.log_ml);
    bool finite = true;
    for (int i = 0; z && i < DRAWS; i++) finite = finite && isfinite(z[i]);
    CHECK(finite);
    /* the final state is a whole trajectory at the last recorded parameter */
    gen_addr last = at(T - 1, "x");
    CHECK(res.final && isfinite(trace_at(res.final, &last)));
    CHECK(res.final && trace_at(res.final, &p.a) == ((const double *)gen_array_data(res.samples))[DRAWS - 1]);
    check_chain("PMMH", res.samples, post);
}

/* Conditional SMC, then three random-walk MH steps on a given the states. Applying the
 * parameter kernel to the trace from before the CSMC (the states never move for it)
 * fails: sd 0.312 against 0.253, 8 mcse. */
static void check_particle_gibbs(const char *what, gen_csmc_config csmc, uint64_t seed) {
    problem p;
    problem_init(&p, 21);
    posterior post = grid_posterior(&p);
    gen_gf *rw = gen_dynamic("rw_proposal", rw_proposal);
    gen_mh_proposal_kernel mh = {rw, NULL};
    gen_kernel_repeat rep = {gen_kernel_mh_proposal(&mh), 3};
    csmc.params = p.params;
    gen_particle_gibbs_kernel pg = {&p.ssm, csmc, gen_kernel_repeated(&rep)};
    double x0[T] = {0};
    gen_trace *init = trace_with(&p, 0.5, x0);
    gen_chain_config cfg = {.burn_in = 100, .draws = 2000, .thin = 1, .sel = p.params};
    gen_array *draws = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_particle_gibbs(&pg), gen_key_new(seed), init, &cfg, &draws, NULL, &rate));
    CHECK(rate > 0 && rate < 1);
    if (draws) check_chain(what, draws, post);
}

static void test_particle_gibbs(void) {
    check_particle_gibbs("particle Gibbs", (gen_csmc_config){NULL, 10, false}, 31);
}
static void test_particle_gibbs_ancestor(void) {
    check_particle_gibbs("particle Gibbs with ancestor sampling", (gen_csmc_config){NULL, 4, true}, 32);
}

/* ---- exact behaviour ---- */

static void test_structure(void) {
    problem p;
    problem_init(&p, 41);
    double x[T];
    for (int t = 0; t < T; t++) x[t] = 0.1 * t;
    gen_trace *ref = trace_with(&p, 0.7, x), *a = NULL, *b = NULL, *one = NULL;
    gen_csmc_config c1 = {p.params, 1, false}, c8 = {p.params, 8, false}, c50 = {p.params, 50, false};
    /* one particle: the reference itself */
    CHECK_OK(gen_csmc(ref, gen_key_new(1), &p.ssm, &c1, &one));
    CHECK(one && gen_choicemap_equal(gen_trace_choices(one), gen_trace_choices(ref)));
    /* the same key, the same trace; the parameter stays, the trace is at the last args */
    CHECK_OK(gen_csmc(ref, gen_key_new(2), &p.ssm, &c8, &a));
    CHECK_OK(gen_csmc(ref, gen_key_new(2), &p.ssm, &c8, &b));
    CHECK(a && b && gen_choicemap_equal(gen_trace_choices(a), gen_trace_choices(b)));
    CHECK(a && trace_at(a, &p.a) == 0.7);
    CHECK(a && gen_trace_args(a)->v[0] == p.len[T - 1] && gen_choicemap_count(gen_trace_choices(a)) == 2 * T + 1);
    /* the score of the output is the model's density of its choices */
    gen_array *w = NULL;
    CHECK_OK(gen_assess(p.model, &p.args[T - 1], gen_trace_choices(a), &w, NULL));
    CHECK_CLOSE(check_item(gen_trace_score(a)), check_item(w), 1e-12);
    /* many particles move the path away from the reference */
    gen_trace *moved = NULL;
    CHECK_OK(gen_csmc(ref, gen_key_new(3), &p.ssm, &c50, &moved));
    gen_addr x0 = at(0, "x");
    CHECK(moved && trace_at(moved, &x0) != x[0]);
    /* no steps: the filter of the first observations only */
    gen_trace *ref1 = NULL, *o1 = NULL;
    gen_ssm one_step = {p.model, &p.args[0], p.obs[0], 0, NULL, NULL, NULL};
    CHECK_OK(gen_generate(p.model, gen_key_new(4), &p.args[0], p.obs[0], &ref1, NULL));
    CHECK_OK(gen_csmc(ref1, gen_key_new(5), &one_step, &c8, &o1));
    CHECK(o1 && trace_at(o1, &p.a) == trace_at(ref1, &p.a));
    /* particle Gibbs without a parameter kernel moves the states only */
    gen_particle_gibbs_kernel pg = {&p.ssm, {p.params, 8, false}, {0}};
    gen_trace *g = NULL;
    bool acc = true;
    CHECK_OK(gen_particle_gibbs(ref, gen_key_new(6), &pg, &g, &acc));
    CHECK(g && !acc && trace_at(g, &p.a) == 0.7);
    /* PMMH's records: the whole trajectory with select all */
    gen_gf *rw = gen_dynamic("rw_proposal", rw_proposal);
    gen_pmmh_config cfg = {.params = p.params, .proposal = rw, .n_particles = 4, .draws = 3, .thin = 2,
                           .record = gen_select_all()};
    gen_pmmh_result res;
    CHECK_OK(gen_pmmh(&p.ssm, gen_key_new(7), gen_choicemap_set(gen_choicemap_empty(), &p.a, gen_scalar(0.5)), &cfg,
                      &res));
    CHECK_SHAPE(res.samples, 3, 2 * T + 1);
    CHECK(res.draws_done == 3);
}

/* ---- errors ---- */

static gen_status bad_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_addr xa = at(0, "x");
    gen_choose_at(ctx, &xa, gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* s ~ N(1, 0.1^2), y ~ N(0, s^2): a negative s is refused by the observation's normal */
static gen_status scale_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_array *sd = gen_choose(ctx, "s", gen_normal(gen_scalar(1), gen_scalar(0.1)));
    if (!sd) return gen_ctx_status(ctx);
    gen_choose(ctx, "y", gen_normal(gen_scalar(0), sd));
    return gen_ctx_status(ctx);
}
/* proposes s < 0 */
static gen_status negative_proposal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose(ctx, "s", gen_normal(gen_scalar(-1), gen_scalar(0.01)));
    return gen_ctx_status(ctx);
}

static bool cancel_at_3(void *ud, const gen_progress_info *info) {
    (void)ud;
    return info->done < 3;
}

static void test_errors(void) {
    problem p;
    problem_init(&p, 51);
    double x[T] = {0};
    gen_trace *ref = trace_with(&p, 0.7, x), *out = NULL;
    gen_csmc_config cc = {p.params, 4, false}, none = {p.params, 0, false}, typo_cc = cc;
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &p.ssm, &none, &out), "gen_csmc: the particle count must be >= 1, got 0");
    CHECK(out == NULL);
    gen_ssm bad = p.ssm;
    bad.n_steps = -1;
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &bad, &cc, &out), "gen_csmc: ssm->n_steps must be >= 0, got -1");
    bad = p.ssm;
    bad.step_args = NULL;
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &bad, &cc, &out), "gen_csmc: ssm->step_args is NULL");
    bad = p.ssm;
    bad.model = STEPS;
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &bad, &cc, &out), "gen_csmc: ref is a trace of lg_model");
    gen_addr typo = {1, {gen_part_name("b")}};
    typo_cc.params = gen_select(1, &typo);
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &p.ssm, &typo_cc, &out), "the selection names b");
    /* a reference at other arguments than the last step's */
    gen_trace *early = NULL;
    CHECK_OK(gen_generate(p.model, gen_key_new(3), &p.args[2], p.obs[0], &early, NULL));
    CHECK_ERROR(gen_csmc(early, gen_key_new(1), &p.ssm, &cc, &out), "gen_csmc: ref's argument 0 is not the last step's");
    /* a reference that does not hold the observations */
    gen_trace *sim = NULL;
    CHECK_OK(gen_simulate(p.model, gen_key_new(2), &p.args[T - 1], &sim));
    CHECK_ERROR(gen_csmc(sim, gen_key_new(1), &p.ssm, &cc, &out),
                "gen_csmc: step 0: particle 0: the reference does not hold the step's observations");
    CHECK(out == NULL);
    /* a model error at a particle names the step and the particle */
    gen_choicemap *bad_obs[T - 1];
    for (int t = 0; t < T - 1; t++) bad_obs[t] = (gen_choicemap *)p.obs[t + 1];
    gen_addr y3 = at(3, "y");
    bad_obs[2] = gen_choicemap_set(gen_choicemap_empty(), &y3, gen_full(GEN_F64, GEN_DIMS(2), 0.0));
    bad = p.ssm;
    bad.step_obs = (const gen_choicemap *const *)bad_obs;
    CHECK_ERROR(gen_csmc(ref, gen_key_new(1), &bad, &cc, &out), "gen_csmc: step 3: particle 0");
    /* particle Gibbs */
    gen_particle_gibbs_kernel pg = {&p.ssm, {p.params, 0, false}, {0}};
    CHECK_ERROR(gen_particle_gibbs(ref, gen_key_new(1), &pg, &out, NULL),
                "gen_particle_gibbs: gen_csmc: the particle count must be >= 1");
    CHECK_ERROR(gen_kernel_apply(gen_kernel_particle_gibbs(NULL), gen_key_new(1), ref, &out, NULL),
                "the particle_gibbs kernel's payload is NULL");
    /* PMMH */
    gen_gf *rw = gen_dynamic("rw_proposal", rw_proposal);
    gen_choicemap *init = gen_choicemap_set(gen_choicemap_empty(), &p.a, gen_scalar(0.5));
    gen_pmmh_config cfg = {.params = p.params, .proposal = rw, .n_particles = 4, .draws = 5, .thin = 1};
    gen_pmmh_result res;
    gen_pmmh_config c = cfg;
    c.n_particles = 0;
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res),
                "gen_pmmh: the particle count must be >= 1, got 0");
    CHECK(res.samples == NULL && res.final == NULL);
    c = cfg, c.method = (gen_resampling)9;
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res), "gen_pmmh: unknown resampling method 9");
    c = cfg, c.ess_fraction = 2;
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res), "gen_pmmh: ess_fraction must be in [0, 1], got 2");
    c = cfg, c.thin = 0;
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res), "need burn_in >= 0, draws >= 0 and thin >= 1");
    c = cfg, c.params = NULL;
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res), "gen_pmmh: cfg->params is NULL");
    gen_addr x0 = at(0, "x");
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), gen_choicemap_set(init, &x0, gen_scalar(0)), &cfg, &res),
                "gen_pmmh: init_params gives steps/0/x, which is not a parameter");
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), gen_choicemap_empty(), &cfg, &res),
                "gen_pmmh: init_params gives 0 parameter values, the model has 1");
    c = cfg, c.record = gen_select(1, &typo);
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res), "the selection names b");
    /* an iteration's error: the draws so far come back */
    c = cfg, c.proposal = gen_dynamic("bad_proposal", bad_proposal);
    CHECK_ERROR(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res),
                "gen_pmmh: iteration 0: the proposal proposes steps/0/x, which is not a parameter");
    CHECK(res.draws_done == 0 && res.final && trace_at(res.final, &p.a) == 0.5);
    CHECK_SHAPE(res.samples, 0, 1);
    /* a cancel */
    c = cfg, c.progress = (gen_progress){cancel_at_3, NULL};
    CHECK(gen_pmmh(&p.ssm, gen_key_new(1), init, &c, &res) == GEN_CANCELLED);
    CHECK(res.draws_done == 3 && res.final);
    CHECK_SHAPE(res.samples, 3, 1);
    /* parameters the model refuses are rejected moves, not errors */
    gen_addr sa = {1, {gen_part_name("s")}}, ya = {1, {gen_part_name("y")}};
    gen_ssm scale = {gen_dynamic("scale_model", scale_model), NULL,
                     gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(0.3)), 0, NULL, NULL, NULL};
    gen_pmmh_config neg = {.params = gen_select(1, &sa), .proposal = gen_dynamic("negative", negative_proposal),
                           .n_particles = 2, .draws = 4, .thin = 1};
    CHECK_OK(gen_pmmh(&scale, gen_key_new(1), gen_choicemap_set(gen_choicemap_empty(), &sa, gen_scalar(1.2)), &neg,
                      &res));
    CHECK(res.accept_rate == 0 && res.draws_done == 4 && res.final && trace_at(res.final, &sa) == 1.2);
    CHECK(gen_error_status() == GEN_OK);
    gen_error_clear();
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_structure);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_csmc_invariant);
    RUN_ONLY(test_csmc_ancestor_invariant);
    RUN_ONLY(test_pmmh);
    RUN_ONLY(test_particle_gibbs);
    RUN_ONLY(test_particle_gibbs_ancestor);
    return check_finish();
}
