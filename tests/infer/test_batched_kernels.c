/* test_batched_kernels.c — MH (a selection, a custom proposal), HMC and MALA on batched
 * traces, each particle its own chain:
 *  - the mechanics, exactly: each particle's acceptance ratio is recomputed independently
 *    (scalar gen_assess of its old and proposed choices for MH; a hand-written leapfrog
 *    with the analytic gradient for HMC and MALA), with the kernel's own draws (the keys
 *    are split as the kernels split them: batched.c, hmc_batched.c), and its decision,
 *    new values and score checked; a rejected particle keeps its values and score bit
 *    for bit;
 *  - stationarity: particles started at exact posterior draws of conjugate models stay
 *    exact after several steps (mean, variance, KS against the exact posterior);
 *  - per-particle rejection of points the model refuses, compositions, and errors. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"
#include "conjugate_models.h"

#define POST_MEAN (5.7 / 6)
#define POST_VAR (1.0 / 6)

static gen_addr addr1(const char *name) { return (gen_addr){1, {gen_part_name(name)}}; }

/* The n values of a batched trace's 0-d choice name (host doubles). */
static void values_of(const gen_trace *tr, const char *name, int64_t n, double *out) {
    gen_addr a = addr1(name);
    CHECK_OK(gen_array_copy_to(gen_trace_value(tr, &a), GEN_F64, out, (size_t)n * sizeof *out));
}

static void scores_of(const gen_trace *tr, int64_t n, double *out) {
    CHECK_OK(gen_array_copy_to(gen_trace_score(tr), GEN_F64, out, (size_t)n * sizeof *out));
}

/* A batched trace of body (observations obs) with the latent name at the n values v. */
static gen_trace *batched_at(gen_body body, gen_choicemap *obs, const char *name, gen_array *v, int64_t n) {
    gen_addr a = addr1(name);
    gen_choicemap *c = gen_choicemap_set(obs, &a, gen_batched(v));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate_batched(gen_dynamic("model", body), gen_key_new(2), n, NULL, c, &tr, NULL));
    return tr;
}

/* normal_model with mu at n exact posterior draws N(5.7/6, 1/6). */
static gen_trace *normal_posterior(int64_t n, uint64_t seed) {
    gen_array *z = gen_random_normal(gen_key_new(seed), GEN_F64, 1, &n);
    gen_array *mu = gen_add(gen_scalar(POST_MEAN), gen_mul(gen_scalar(sqrt(POST_VAR)), z));
    return batched_at(normal_model, observations("y", 5, Y, 'f'), "mu", mu, n);
}

/* counts (gamma-Poisson) with l at n exact posterior draws Gamma(12, rate 6). */
static gen_trace *counts_posterior(int64_t n, uint64_t seed) {
    gen_array *g = gen_random_gamma(gen_key_new(seed), gen_full(GEN_F64, 1, &n, 12));
    return batched_at(counts, observations("k", 4, KS, 'i'), "l", gen_div(g, gen_scalar(6)), n);
}

/* The scalar log density of particle i of tr (gen_assess of its choices). */
static double assess_particle(const gen_trace *tr, int64_t i) {
    gen_array *w = NULL;
    CHECK_OK(gen_assess(gen_trace_gf(tr), NULL, gen_choicemap_particle(gen_trace_choices(tr), i), &w, NULL));
    return check_item(w);
}

static double log_normal(double x, double m, double s) {
    return -0.5 * (x - m) * (x - m) / (s * s) - log(s) - 0.9189385332046727;
}

/* The checks every mechanics test makes of particle i: out holds the proposal (new value
 * nv, score close to the proposal's prop_score) when the reference accepts, else the old
 * value and score bit for bit; the kernel's decision is the reference's. */
typedef struct outcome {
    const double *old_v, *old_s, *out_v, *out_s;
    const bool *acc;
} outcome;

static int check_particle(const outcome *o, int64_t i, double log_u, double alpha, double nv, double prop_score) {
    if (fabs(log_u - alpha) < 1e-9) return 0; /* too close to call */
    bool want = log_u < alpha;
    CHECK(o->acc[i] == want);
    if (want) {
        CHECK_NEAR(o->out_v[i], nv, 1e-9 * (1 + fabs(nv)));
        if (!isnan(prop_score)) CHECK_NEAR(o->out_s[i], prop_score, 1e-9 * (1 + fabs(prop_score)));
    } else {
        CHECK(memcmp(&o->out_v[i], &o->old_v[i], sizeof(double)) == 0);
        CHECK(memcmp(&o->out_s[i], &o->old_s[i], sizeof(double)) == 0);
    }
    return want ? 1 : 0;
}

/* Runs k on tr with key: out, its values of name and scores, the acceptances (host). */
typedef struct run {
    int64_t n;
    gen_trace *out;
    double *old_v, *old_s, *out_v, *out_s;
    bool *acc;
} run;

static void run_kernel(gen_kernel k, gen_key key, const gen_trace *tr, const char *name, run *r) {
    int64_t n = r->n = gen_trace_batch_size(tr);
    r->old_v = calloc((size_t)(4 * n), sizeof(double));
    r->old_s = r->old_v + n, r->out_v = r->old_v + 2 * n, r->out_s = r->old_v + 3 * n;
    r->acc = calloc((size_t)n, sizeof(bool));
    gen_array *acc = NULL;
    CHECK_OK(gen_kernel_apply_batched(k, key, tr, &r->out, &acc));
    CHECK_SHAPE(acc, n);
    CHECK_OK(gen_array_copy_to(acc, GEN_BOOL, r->acc, (size_t)n * sizeof(bool)));
    values_of(tr, name, n, r->old_v);
    scores_of(tr, n, r->old_s);
    values_of(r->out, name, n, r->out_v);
    scores_of(r->out, n, r->out_s);
    CHECK(gen_trace_batch_size(r->out) == n);
}

static void run_free(run *r) {
    free(r->old_v);
    free(r->acc);
}

static double *uniforms(gen_key key, int64_t n) {
    double *u = malloc((size_t)n * sizeof *u);
    CHECK_OK(gen_array_copy_to(gen_random_uniform(key, GEN_F64, 1, &n), GEN_F64, u, (size_t)n * sizeof *u));
    for (int64_t i = 0; i < n; i++) u[i] = log(u[i]);
    return u;
}

/* MH with the prior as proposal: acceptance ratio = regenerate's weight = the change of
 * the particle's joint log density (scalar assess) minus that of its prior term. */
static void test_mh_select_mechanics(void) {
    int64_t n = 200;
    gen_trace *tr = normal_posterior(n, 11);
    gen_addr mu = addr1("mu");
    gen_mh_select_kernel mk = {gen_select(1, &mu)};
    gen_key key = gen_key_new(21), k[2];
    run r;
    run_kernel(gen_kernel_mh_select(&mk), key, tr, "mu", &r);
    /* the kernel's proposal: regenerate with its first key */
    CHECK_OK(gen_key_split(key, 2, k));
    gen_trace *prop = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_regenerate(tr, k[0], NULL, NULL, mk.sel, &prop, &w, NULL));
    double pv[200], ps[200], wv[200], *lu = uniforms(k[1], n);
    values_of(prop, "mu", n, pv);
    scores_of(prop, n, ps);
    CHECK_OK(gen_array_copy_to(w, GEN_F64, wv, sizeof wv));
    outcome o = {r.old_v, r.old_s, r.out_v, r.out_s, r.acc};
    int accepted = 0;
    for (int64_t i = 0; i < n; i++) {
        double alpha = assess_particle(prop, i) - assess_particle(tr, i) - (log_normal(pv[i], 0, 1) - log_normal(r.old_v[i], 0, 1));
        CHECK_NEAR(wv[i], alpha, 1e-10 * (1 + fabs(alpha)));
        accepted += check_particle(&o, i, lu[i], alpha, pv[i], ps[i]);
    }
    CHECK(accepted > 20 && accepted < n - 20); /* both sides exercised */
    /* the scalar-output function: the same step, "some particle accepted" */
    gen_trace *out2 = NULL;
    bool any = false;
    CHECK_OK(gen_mh_select(tr, key, mk.sel, &out2, &any));
    CHECK(any);
    double v2[200];
    values_of(out2, "mu", n, v2);
    CHECK(memcmp(v2, r.out_v, sizeof v2) == 0);
    free(lu);
    run_free(&r);
}

/* A random walk on mu (reads the current, possibly batched, trace from args->user). */
static gen_status walk(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_addr mu = addr1("mu");
    const gen_array *cur = gen_trace_value(args->user, &mu);
    *retval = gen_choose(ctx, "mu", gen_normal(cur, gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

/* Custom-proposal MH: the walk is symmetric, so the ratio is the change of the
 * particle's joint log density (scalar assess). */
static void test_mh_proposal_mechanics(void) {
    int64_t n = 200;
    gen_trace *tr = normal_posterior(n, 12);
    gen_gf *q = gen_dynamic("walk", walk);
    gen_mh_proposal_kernel pk = {q, NULL};
    gen_key key = gen_key_new(22), k[3];
    run r;
    run_kernel(gen_kernel_mh_proposal(&pk), key, tr, "mu", &r);
    CHECK_OK(gen_key_split(key, 3, k));
    gen_choicemap *qc = NULL;
    gen_args fwd = {0, NULL, tr};
    CHECK_OK(gen_batch_begin(n));
    CHECK_OK(gen_propose(q, k[0], &fwd, &qc, NULL, NULL));
    gen_batch_end();
    gen_trace *prop = NULL;
    CHECK_OK(gen_update(tr, k[1], NULL, NULL, qc, &prop, NULL, NULL, NULL));
    double pv[200], ps[200], *lu = uniforms(k[2], n);
    values_of(prop, "mu", n, pv);
    scores_of(prop, n, ps);
    outcome o = {r.old_v, r.old_s, r.out_v, r.out_s, r.acc};
    int accepted = 0;
    for (int64_t i = 0; i < n; i++) {
        double alpha = assess_particle(prop, i) - assess_particle(tr, i) + log_normal(r.old_v[i], pv[i], 0.5) -
                       log_normal(pv[i], r.old_v[i], 0.5);
        accepted += check_particle(&o, i, lu[i], alpha, pv[i], ps[i]);
    }
    CHECK(accepted > 20 && accepted < n - 20);
    free(lu);
    run_free(&r);
}

/* normal_model's log density in mu (up to a constant) and its gradient. */
static double normal_logp(double mu, double *g) {
    double lp = -0.5 * mu * mu, s = -mu;
    for (int j = 0; j < 5; j++) lp -= 0.5 * (Y[j] - mu) * (Y[j] - mu), s += Y[j] - mu;
    *g = s;
    return lp;
}

/* HMC (identity metric): the leapfrog by hand with the kernel's momenta (normals from its
 * first key, one per particle: d = 1) and uniforms (its second key). */
static void test_hmc_mechanics(void) {
    int64_t n = 200;
    const double eps = 0.78;
    const int L = 3;
    gen_trace *tr = normal_posterior(n, 13);
    gen_addr mu = addr1("mu");
    gen_hmc_kernel hk = {gen_select(1, &mu), eps, L, NULL};
    gen_key key = gen_key_new(23), k[2];
    run r;
    run_kernel(gen_kernel_hmc(&hk), key, tr, "mu", &r);
    CHECK_OK(gen_key_split(key, 2, k));
    double z[200], *lu = uniforms(k[1], n);
    CHECK_OK(gen_array_copy_to(gen_random_normal(k[0], GEN_F64, 1, &n), GEN_F64, z, sizeof z));
    outcome o = {r.old_v, r.old_s, r.out_v, r.out_s, r.acc};
    int accepted = 0;
    for (int64_t i = 0; i < n; i++) {
        double q = r.old_v[i], p = z[i], g, lp0 = normal_logp(q, &g), lp = lp0;
        double h0 = -lp0 + 0.5 * p * p;
        for (int l = 0; l < L; l++) {
            p += 0.5 * eps * g;
            q += eps * p;
            lp = normal_logp(q, &g);
            p += 0.5 * eps * g;
        }
        double alpha = h0 - (-lp + 0.5 * p * p);
        accepted += check_particle(&o, i, lu[i], alpha, q, NAN);
        if (r.acc[i]) CHECK_NEAR(r.out_s[i], assess_particle(r.out, i), 1e-10 * (1 + fabs(r.out_s[i])));
    }
    CHECK(accepted > 20 && accepted < n - 20);
    free(lu);
    run_free(&r);
}

/* counts in unconstrained space, theta = log l: 12 theta - 6 e^theta (+ const): the
 * Gamma(3, scale 1/2) prior, the Poisson likelihood of 9 counts in 4, the log-Jacobian. */
static double counts_logp(double th, double *g) {
    *g = 12 - 6 * exp(th);
    return 12 * th - 6 * exp(th);
}

/* MALA on counts (through the exp bijection): the proposal and its correction by hand. */
static void test_mala_mechanics(void) {
    int64_t n = 200;
    const double eps = 0.6;
    gen_trace *tr = counts_posterior(n, 14);
    gen_addr l = addr1("l");
    gen_mala_kernel mk = {gen_select(1, &l), eps};
    gen_key key = gen_key_new(24), k[2];
    run r;
    run_kernel(gen_kernel_mala(&mk), key, tr, "l", &r);
    CHECK_OK(gen_key_split(key, 2, k));
    double z[200], *lu = uniforms(k[1], n);
    CHECK_OK(gen_array_copy_to(gen_random_normal(k[0], GEN_F64, 1, &n), GEN_F64, z, sizeof z));
    outcome o = {r.old_v, r.old_s, r.out_v, r.out_s, r.acc};
    int accepted = 0;
    for (int64_t i = 0; i < n; i++) {
        double th = log(r.old_v[i]), g, g2, lp = counts_logp(th, &g);
        double th2 = th + 0.5 * eps * eps * g + eps * z[i], lp2 = counts_logp(th2, &g2);
        double r1 = th - th2 - 0.5 * eps * eps * g2, r2 = th2 - th - 0.5 * eps * eps * g;
        double alpha = lp2 - lp - (r1 * r1 - r2 * r2) / (2 * eps * eps);
        accepted += check_particle(&o, i, lu[i], alpha, exp(th2), NAN);
    }
    CHECK(accepted > 20 && accepted < n - 20);
    free(lu);
    run_free(&r);
}

static double normal_cdf(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double gamma_cdf(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], p[1]); }

/* n particles at exact posterior draws, `times` steps of k (through gen_kernel_repeated):
 * still exact posterior draws (mean, variance within 5 s.e., KS). */
static void stationary(const char *what, gen_kernel k, gen_trace *tr, const char *name, int times, double mean,
                       double var, stats_cdf cdf, const double *params) {
    int64_t n = gen_trace_batch_size(tr);
    gen_kernel_repeat rep = {k, times};
    gen_trace *out = NULL;
    gen_array *acc = NULL;
    CHECK_OK(gen_kernel_apply_batched(gen_kernel_repeated(&rep), gen_key_new(31), tr, &out, &acc));
    gen_addr a = addr1(name);
    const gen_array *v = gen_unbatched(gen_trace_value(out, &a));
    STATS_MOMENTS(what, v, mean, var);
    STATS_KS(what, v, cdf, params);
    /* every particle moved at least once in some step, but not every step accepted */
    double moved = check_item(gen_sum(gen_cast(acc, GEN_F64), 0, NULL, false));
    CHECK(moved > 0.5 * (double)n);
}

static void test_stationary(void) {
    int64_t n = 2000;
    double np[2] = {POST_MEAN, sqrt(POST_VAR)}, gp[2] = {12, 1.0 / 6};
    gen_addr mu = addr1("mu"), l = addr1("l");
    gen_selection *smu = gen_select(1, &mu), *sl = gen_select(1, &l);
    gen_mh_select_kernel mk = {smu};
    stationary("mh select", gen_kernel_mh_select(&mk), normal_posterior(n, 41), "mu", 4, POST_MEAN, POST_VAR,
               normal_cdf, np);
    gen_mh_proposal_kernel pk = {gen_dynamic("walk", walk), NULL};
    stationary("mh proposal", gen_kernel_mh_proposal(&pk), normal_posterior(n, 42), "mu", 4, POST_MEAN, POST_VAR,
               normal_cdf, np);
    gen_hmc_kernel hk = {smu, 0.5, 3, NULL};
    stationary("hmc", gen_kernel_hmc(&hk), normal_posterior(n, 43), "mu", 4, POST_MEAN, POST_VAR, normal_cdf, np);
    gen_hmc_kernel hk2 = {sl, 0.6, 3, gen_array_from_f64(GEN_DIMS(1), (double[]){0.5})};
    stationary("hmc counts", gen_kernel_hmc(&hk2), counts_posterior(n, 44), "l", 4, 2.0, 1.0 / 3, gamma_cdf, gp);
    gen_mala_kernel ak = {sl, 0.6};
    stationary("mala counts", gen_kernel_mala(&ak), counts_posterior(n, 45), "l", 4, 2.0, 1.0 / 3, gamma_cdf, gp);
    /* a cycle of MH and HMC */
    gen_kernel parts[2] = {gen_kernel_mh_select(&mk), gen_kernel_hmc(&hk)};
    gen_kernel_list cyc = {2, parts, NULL};
    stationary("cycle", gen_kernel_cycle(&cyc), normal_posterior(n, 46), "mu", 2, POST_MEAN, POST_VAR, normal_cdf, np);
    /* a mixture: one part for all particles at each step */
    double probs[2] = {0.5, 0.5};
    gen_kernel_list mix = {2, parts, probs};
    stationary("mixture", gen_kernel_mixture(&mix), normal_posterior(n, 47), "mu", 4, POST_MEAN, POST_VAR, normal_cdf, np);
}

/* Simulation-based calibration, one replicate per particle: (mu_i, y_i) from the prior of
 * normal_model, the batched trace made with y_i observed per particle and mu started at
 * an independent prior draw; after burn_in steps of k, the rank of mu_i among L draws
 * (every thin-th step) is uniform on 0..L when k samples the posterior (chi-square over
 * 5 bins). */
static void sbc(const char *what, gen_kernel k, uint64_t seed) {
    enum { R = 600, L = 19, BINS = 5 };
    const int burn_in = 200, thin = 3;
    int64_t n = R;
    gen_trace *prior = NULL;
    gen_gf *f = gen_dynamic("model", normal_model);
    CHECK_OK(gen_simulate_batched(f, gen_key_new(seed), n, NULL, &prior));
    gen_addr mu = addr1("mu");
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &mu,
                                         gen_batched(gen_random_normal(gen_key_new(seed + 1), GEN_F64, 1, &n)));
    for (int j = 0; j < 5; j++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(j)}};
        c = gen_choicemap_set(c, &a, gen_trace_value(prior, &a));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(seed + 2), n, NULL, c, &tr, NULL));
    double truth[R], draw[R];
    int64_t ranks[R] = {0};
    values_of(prior, "mu", n, truth);
    for (int t = 0; t < burn_in + L * thin; t++) {
        gen_trace *out = NULL;
        CHECK_OK(gen_kernel_apply_batched(k, gen_key_fold_in(gen_key_new(seed + 3), (uint64_t)t), tr, &out, NULL));
        tr = out;
        if (t < burn_in || (t - burn_in) % thin != thin - 1) continue;
        values_of(tr, "mu", n, draw);
        for (int i = 0; i < R; i++) ranks[i] += draw[i] < truth[i];
    }
    for (int i = 0; i < R; i++) ranks[i] /= (L + 1) / BINS;
    double probs[BINS];
    for (int b = 0; b < BINS; b++) probs[b] = 1.0 / BINS;
    STATS_CHISQ(what, gen_array_from(GEN_I64, 1, &n, ranks), probs, BINS);
}

static void test_sbc(void) {
    gen_addr mu = addr1("mu");
    gen_mh_select_kernel mk = {gen_select(1, &mu)};
    sbc("sbc: mh select", gen_kernel_mh_select(&mk), 91);
    gen_mh_proposal_kernel pk = {gen_dynamic("walk", walk), NULL};
    sbc("sbc: mh proposal", gen_kernel_mh_proposal(&pk), 92);
}

/* flag ~ bernoulli(0.3); m = Mask(x ~ N(0, 1)) on flag; y ~ N(2 flag, 1), y = 1.5: an MH
 * move of flag adds or removes m/x per particle, so accepted and rejected particles differ
 * in structure (merged by gen_trace_where). */
static gen_status inner_x(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = NULL;
    return gen_ctx_status(ctx);
}

static gen_status flag_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *flag = gen_choose(ctx, "flag", gen_bernoulli(gen_scalar(0.3)));
    gen_args a = {1, &flag, NULL};
    gen_call(ctx, "m", gen_mask(gen_dynamic("inner", inner_x)), &a); /* made in the run's scope */
    *retval = gen_choose(ctx, "y", gen_normal(gen_where(flag, gen_scalar(2), gen_scalar(0)), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_structure_changing_moves(void) {
    int64_t n = 2000;
    /* the exact posterior of flag: 0.3 N(1.5; 2, 1) against 0.7 N(1.5; 0, 1) */
    double on = 0.3 * exp(-0.5 * 0.25), off = 0.7 * exp(-0.5 * 2.25), p1 = on / (on + off);
    gen_array *u = gen_random_uniform(gen_key_new(71), GEN_F64, 1, &n);
    gen_addr y = addr1("y"), flag = addr1("flag");
    gen_trace *tr = batched_at(flag_model, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(1.5)), "flag",
                               gen_lt(u, gen_scalar(p1)), n);
    gen_mh_select_kernel mk = {gen_select(1, &flag)};
    gen_kernel_repeat rep = {gen_kernel_mh_select(&mk), 3};
    gen_trace *out = NULL;
    gen_array *acc = NULL;
    CHECK_OK(gen_kernel_apply_batched(gen_kernel_repeated(&rep), gen_key_new(72), tr, &out, &acc));
    bool f[2000];
    CHECK_OK(gen_array_copy_to(gen_trace_value(out, &flag), GEN_BOOL, f, sizeof f));
    double k = 0;
    for (int64_t i = 0; i < n; i++) k += f[i];
    CHECK_NEAR(k / (double)n, p1, 5 * sqrt(p1 * (1 - p1) / (double)n));
    /* every particle's choices: m/x exactly where flag is on, and its score is its own
     * scalar assess */
    gen_addr x = {2, {gen_part_name("m"), gen_part_name("x")}};
    for (int64_t i = 0; i < n; i += 97) {
        gen_choicemap *ci = gen_choicemap_particle(gen_trace_choices(out), i);
        CHECK((gen_choicemap_find(ci, &x) != NULL) == f[i]);
        double si[1];
        CHECK_OK(gen_array_copy_to(gen_slice(gen_unbatched(gen_trace_score(out)), 0, i, i + 1, 1), GEN_F64, si, sizeof si));
        gen_array *w = NULL;
        CHECK_OK(gen_assess(gen_trace_gf(out), NULL, ci, &w, NULL));
        CHECK_NEAR(si[0], check_item(w), 1e-10);
    }
}

/* s ~ N(1, 0.3); y ~ N(0, s) with y = 0.2: a particle whose trajectory reaches s <= 0 is
 * refused by normal (a divergence), and only that particle is rejected. */
static gen_status scale_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_normal(gen_scalar(1), gen_scalar(0.3)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), s));
    return gen_ctx_status(ctx);
}

static void test_per_particle_rejection(void) {
    int64_t n = 100;
    double s0[100];
    for (int i = 0; i < n; i++) s0[i] = 0.05 + 0.02 * i; /* close to 0 for the first ones */
    gen_addr y = addr1("y"), s = addr1("s");
    gen_trace *tr = batched_at(scale_model, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.2)), "s",
                               gen_array_from_f64(GEN_DIMS(n), s0), n);
    gen_hmc_kernel hk = {gen_select(1, &s), 0.08, 4, NULL};
    run r;
    run_kernel(gen_kernel_hmc(&hk), gen_key_new(51), tr, "s", &r);
    int acc = 0, low_rejected = 0;
    for (int64_t i = 0; i < n; i++) {
        acc += r.acc[i];
        if (r.acc[i]) CHECK(r.out_v[i] > 0);
        else CHECK(memcmp(&r.out_v[i], &r.old_v[i], sizeof(double)) == 0);
        if (i < 3) low_rejected += !r.acc[i];
    }
    /* the particles near 0 are pushed below it (the gradient is large there) */
    CHECK(low_rejected >= 1);
    CHECK(acc > n / 2);
    /* each particle as the scalar kernel would judge it: rejected exactly when its own
     * trajectory reaches a refused point or loses the test (checked for those that the
     * scalar HMC refuses at every key: none of the far ones) */
    run_free(&r);
}

/* s' ~ N(s, 0.6): often below 0, where normal refuses the scale. */
static gen_status walk_s(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_addr sa = addr1("s");
    *retval = gen_choose(ctx, "s", gen_normal(gen_trace_value(args->user, &sa), gen_scalar(0.6)));
    return gen_ctx_status(ctx);
}

/* A batched update that fails as a whole (some particle's s' <= 0): each particle judged
 * on its own proposal, exactly as scalar MH would (refused: rejected; else the ratio). */
static void test_proposal_refused_per_particle(void) {
    int64_t n = 100;
    double s0[100];
    for (int i = 0; i < n; i++) s0[i] = 0.05 + 0.02 * i;
    gen_addr y = addr1("y"), sa = addr1("s");
    gen_trace *tr = batched_at(scale_model, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.2)), "s",
                               gen_array_from_f64(GEN_DIMS(n), s0), n);
    gen_gf *q = gen_dynamic("walk_s", walk_s);
    gen_mh_proposal_kernel pk = {q, NULL};
    gen_key key = gen_key_new(81), k[3];
    run r;
    run_kernel(gen_kernel_mh_proposal(&pk), key, tr, "s", &r);
    CHECK_OK(gen_key_split(key, 3, k));
    gen_choicemap *qc = NULL;
    gen_args fwd = {0, NULL, tr};
    CHECK_OK(gen_batch_begin(n));
    CHECK_OK(gen_propose(q, k[0], &fwd, &qc, NULL, NULL));
    gen_batch_end();
    double pv[100], *lu = uniforms(k[2], n);
    CHECK_OK(gen_array_copy_to(gen_choicemap_find(qc, &sa), GEN_F64, pv, sizeof pv));
    outcome o = {r.old_v, r.old_s, r.out_v, r.out_s, r.acc};
    int accepted = 0, refused = 0;
    for (int64_t i = 0; i < n; i++) {
        double alpha = -INFINITY;
        if (pv[i] > 0) {
            gen_choicemap *c = gen_choicemap_set(gen_choicemap_particle(gen_trace_choices(tr), i), &sa, gen_scalar(pv[i]));
            gen_array *w = NULL;
            CHECK_OK(gen_assess(gen_trace_gf(tr), NULL, c, &w, NULL));
            alpha = check_item(w) - assess_particle(tr, i) + log_normal(r.old_v[i], pv[i], 0.6) - log_normal(pv[i], r.old_v[i], 0.6);
        } else {
            refused++;
        }
        accepted += check_particle(&o, i, lu[i], alpha, pv[i], NAN);
    }
    CHECK(refused > 0 && accepted > 10);
    free(lu);
    run_free(&r);
}

/* s ~ N(0.5, 1); y ~ N(0, s): a prior proposal of s is often <= 0, and a batched
 * regenerate refused as a whole cannot tell which particle: every particle keeps its
 * state (infer.h). */
static gen_status wide_scale(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_normal(gen_scalar(0.5), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), s));
    return gen_ctx_status(ctx);
}

static void test_regenerate_refused_as_a_whole(void) {
    int64_t n = 64;
    gen_addr y = addr1("y"), sa = addr1("s");
    gen_trace *tr = batched_at(wide_scale, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.2)), "s",
                               gen_full(GEN_F64, 1, &n, 1.0), n);
    gen_mh_select_kernel mk = {gen_select(1, &sa)};
    gen_trace *out = NULL;
    gen_array *acc = NULL;
    CHECK_OK(gen_kernel_apply_batched(gen_kernel_mh_select(&mk), gen_key_new(5), tr, &out, &acc));
    CHECK(out == tr);
    CHECK(check_item(gen_sum(gen_cast(acc, GEN_F64), 0, NULL, false)) == 0);
    bool any = true;
    CHECK_OK(gen_mh_select(tr, gen_key_new(5), mk.sel, &out, &any));
    CHECK(!any && out == tr);
}

/* Particles started at one shared value (a constraint without the particle axis is kept
 * once in the trace): each kernel gives every particle its own value, the rejected ones
 * the shared start. */
static void test_shared_start(void) {
    int64_t n = 50;
    gen_addr mu = addr1("mu");
    gen_trace *tr = NULL;
    gen_choicemap *c = gen_choicemap_set(observations("y", 5, Y, 'f'), &mu, gen_scalar(0.9));
    CHECK_OK(gen_generate_batched(gen_dynamic("model", normal_model), gen_key_new(2), n, NULL, c, &tr, NULL));
    CHECK(!gen_array_is_batched(gen_trace_value(tr, &mu)));
    gen_selection *sel = gen_select(1, &mu);
    gen_mh_select_kernel mk = {sel};
    gen_hmc_kernel hk = {sel, 0.78, 3, NULL};
    gen_mala_kernel ak = {sel, 0.9};
    gen_kernel ks[3] = {gen_kernel_mh_select(&mk), gen_kernel_hmc(&hk), gen_kernel_mala(&ak)};
    for (int k = 0; k < 3; k++) {
        gen_trace *out = NULL;
        gen_array *acc = NULL;
        CHECK_OK(gen_kernel_apply_batched(ks[k], gen_key_new(100 + (uint64_t)k), tr, &out, &acc));
        bool a[50];
        double v[50];
        CHECK_OK(gen_array_copy_to(acc, GEN_BOOL, a, sizeof a));
        values_of(out, "mu", n, v);
        int moved = 0;
        for (int i = 0; i < n; i++) {
            if (!a[i]) CHECK(v[i] == 0.9);
            moved += a[i] && v[i] != 0.9;
        }
        CHECK(moved > 0 && moved < n);
        CHECK(gen_array_is_batched(gen_trace_value(out, &mu)));
        CHECK_SHAPE(gen_unbatched(gen_trace_value(out, &mu)), n);
    }
}

/* Errors: arguments, kernels without a batched function, particles one target cannot
 * serve. */
static gen_status kernel_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    (void)p, (void)key;
    *acc = false;
    gen_scope_begin(); /* the input retained, into the caller's scope */
    *out = gen_trace_scope_return((gen_trace *)tr);
    gen_scope_end();
    return GEN_OK;
}

static gen_status bad_batched_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    (void)p, (void)key;
    gen_scope_begin(); /* the input retained, into the caller's scope */
    *out = gen_trace_scope_return((gen_trace *)tr);
    *acc = gen_scope_return(gen_scalar_bool(true)); /* not [n] */
    gen_scope_end();
    return GEN_OK;
}

/* mu ~ N(0, 1), nu ~ N(mu, 1), y ~ N(nu, 1) */
static gen_status two_latents(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *nu = gen_choose(ctx, "nu", gen_normal(mu, gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(nu, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    int64_t n = 8;
    gen_trace *tr = normal_posterior(n, 61), *out = NULL;
    gen_array *acc = NULL;
    gen_addr mu = addr1("mu");
    gen_selection *smu = gen_select(1, &mu);
    gen_mh_select_kernel mk = {smu};
    gen_kernel k = gen_kernel_mh_select(&mk);
    CHECK_ERROR(gen_kernel_apply_batched(k, gen_key_new(1), NULL, &out, &acc), "gen_kernel_apply_batched: the trace is NULL");
    CHECK(out == NULL && acc == NULL);
    CHECK_ERROR(gen_kernel_apply_batched(k, gen_key_new(1), tr, NULL, &acc), "gen_kernel_apply_batched: out is NULL");
    CHECK_ERROR(gen_kernel_apply_batched((gen_kernel){NULL, NULL, NULL}, gen_key_new(1), tr, &out, &acc),
                "the kernel has no function");
    /* kernels made from NULL payloads, applied to a batched trace */
    gen_kernel nulls[6] = {gen_kernel_mh_select(NULL), gen_kernel_mh_proposal(NULL), gen_kernel_hmc(NULL),
                           gen_kernel_mala(NULL), gen_kernel_cycle(NULL), gen_kernel_repeated(NULL)};
    for (int i = 0; i < 6; i++) {
        CHECK_ERROR(gen_kernel_apply_batched(nulls[i], gen_key_new(1), tr, &out, &acc), "kernel's payload is NULL");
        CHECK(out == NULL && acc == NULL);
    }
    CHECK_ERROR(gen_kernel_apply_batched(gen_kernel_mixture(NULL), gen_key_new(1), tr, &out, &acc),
                "the mixture kernel's payload is NULL");
    /* a kernel that cannot tell each particle's acceptance */
    gen_status st = gen_kernel_apply_batched((gen_kernel){kernel_fn, NULL, NULL}, gen_key_new(1), tr, &out, &acc);
    CHECK(st == GEN_ERR_UNSUPPORTED);
    CHECK_ERROR(st, "no batched function");
    CHECK(out == NULL && acc == NULL);
    st = gen_kernel_apply_batched((gen_kernel){kernel_fn, NULL, bad_batched_fn}, gen_key_new(1), tr, &out, &acc);
    CHECK(st == GEN_ERR_CALLBACK);
    CHECK_ERROR(st, "gave no bool [8] acceptances");
    CHECK(out == NULL && acc == NULL);
    /* a scalar trace: a 0-d acceptance */
    gen_trace *scalar = observed(normal_model, "y", 5, Y, 'f');
    CHECK_OK(gen_kernel_apply_batched(k, gen_key_new(1), scalar, &out, &acc));
    CHECK(acc && gen_array_ndim(acc) == 0 && gen_array_dtype(acc) == GEN_BOOL);
    /* bad HMC arguments on a batched trace */
    gen_hmc_kernel bad_step = {smu, -1, 3, NULL}, bad_metric = {smu, 0.1, 3, gen_zeros(GEN_F64, GEN_DIMS(2))};
    CHECK_ERROR(gen_kernel_apply_batched(gen_kernel_hmc(&bad_step), gen_key_new(1), tr, &out, &acc),
                "gen_hmc: need step > 0");
    st = gen_kernel_apply_batched(gen_kernel_hmc(&bad_metric), gen_key_new(1), tr, &out, &acc);
    CHECK(st == GEN_ERR_SHAPE);
    CHECK_ERROR(st, "the inverse metric must be f64 [1]");
    gen_mala_kernel bad_mala = {NULL, 0.1};
    CHECK_ERROR(gen_kernel_apply_batched(gen_kernel_mala(&bad_mala), gen_key_new(1), tr, &out, &acc),
                "gen_mala: the selection is NULL");
    /* particles that differ in an unselected choice: one target cannot serve them */
    gen_addr y = addr1("y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.3));
    gen_trace *two = NULL;
    CHECK_OK(gen_generate_batched(gen_dynamic("two", two_latents), gen_key_new(3), n, NULL, obs, &two, NULL));
    gen_hmc_kernel hk = {smu, 0.1, 2, NULL};
    st = gen_hmc(two, gen_key_new(1), smu, 0.1, 2, NULL, &out, NULL);
    CHECK(st == GEN_ERR_UNSUPPORTED && out == NULL);
    CHECK_ERROR(st, "gen_hmc: nu: the particles differ in this choice, which the selection leaves out");
    st = gen_kernel_apply_batched(gen_kernel_hmc(&hk), gen_key_new(1), two, &out, &acc);
    CHECK(st == GEN_ERR_UNSUPPORTED);
    gen_error_clear();
    /* ... which MH can move: each particle on its own */
    CHECK_OK(gen_kernel_apply_batched(k, gen_key_new(1), two, &out, &acc));
    CHECK_SHAPE(acc, n);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_mh_select_mechanics);
    RUN_ONLY(test_mh_proposal_mechanics);
    RUN_ONLY(test_hmc_mechanics);
    RUN_ONLY(test_mala_mechanics);
    RUN_ONLY(test_stationary);
    RUN_ONLY(test_sbc);
    RUN_ONLY(test_structure_changing_moves);
    RUN_ONLY(test_per_particle_rejection);
    RUN_ONLY(test_proposal_refused_per_particle);
    RUN_ONLY(test_regenerate_refused_as_a_whole);
    RUN_ONLY(test_shared_start);
    RUN_ONLY(test_errors);
    return check_finish();
}
