/* test_user_gf.c — a generative function written by a user in C (genc/gf_impl.h): the
 * collapsed beta-bernoulli of bb_gf.h passes the GFI laws on its own, called from a DSL
 * body, as the kernel of Map and inside Unfold, batched; its scores are the hand-computed
 * ones (the beta-binomial marginals, against GSL); an update of one flip is O(1) in
 * array operations; MH and HMC sample its exact posterior; gen_target evaluates it (and
 * a model calling it) in unconstrained space with the hand-computed density and
 * gradient; a user kind that misbehaves gets a message naming it. */
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/fd.h"
#include "../testutil/gfi_laws.h"
#include "../testutil/stats.h"
#include "bb_gf.h"

static gen_args two(gen_array **v) { return (gen_args){2, v, NULL}; }

static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }
/* log Beta(m; 2, 2) + the collapsed flips: the score, by hand. */
static double bb_score(double c, double m, int64_t h, int64_t n) {
    return log(6 * m * (1 - m)) + lbeta(c * m + h, c * (1 - m) + n - h) - lbeta(c * m, c * (1 - m));
}

static gen_choicemap *bb_choices(double m, int64_t n, const int *x) {
    gen_choicemap *cm = gen_choicemap_empty();
    gen_addr am = bb_addr_m();
    cm = gen_choicemap_set(cm, &am, gen_scalar(m));
    for (int64_t i = 0; i < n; i++) {
        gen_addr ax = bb_addr_x(i);
        cm = gen_choicemap_set(cm, &ax, gen_scalar_i64(x[i]));
    }
    return cm;
}

static void test_laws(void) {
    gen_gf *f = bb_gf();
    gen_array *v[2] = {gen_scalar(3.0), gen_scalar_i64(6)};
    gen_args a = two(v);
    CHECK_GFI_LAWS("beta_bernoulli", f, &a, 12, 5);
    gen_array *v0[2] = {gen_scalar(0.5), gen_scalar_i64(0)}; /* no flips */
    gen_args a0 = two(v0);
    CHECK_GFI_LAWS("beta_bernoulli, n = 0", f, &a0, 3, 3);
}

/* assess is the hand formula; summing exp(flips part) over the 2^n flips of each head
 * count gives the beta-binomial pmf (GSL), and over all of them 1. */
static void test_exact(void) {
    gen_gf *f = bb_gf();
    double c = 4.0, m = 0.3;
    enum { N = 5 };
    gen_array *v[2] = {gen_scalar(c), gen_scalar_i64(N)};
    gen_args a = two(v);
    double by_h[N + 1] = {0}, total = 0;
    for (int bits = 0; bits < (1 << N); bits++) {
        int x[N], h = 0;
        for (int i = 0; i < N; i++) h += x[i] = (bits >> i) & 1;
        gen_array *w = NULL, *ret = NULL;
        CHECK_OK(gen_assess(f, &a, bb_choices(m, N, x), &w, &ret));
        CHECK_CLOSE(check_item(w), bb_score(c, m, h, N), 1e-12);
        CHECK(check_item(ret) == h);
        double p = exp(check_item(w) - log(6 * m * (1 - m)));
        by_h[h] += p;
        total += p;
    }
    CHECK_CLOSE(total, 1.0, 1e-12);
    for (int h = 0; h <= N; h++) {
        double pmf = exp(gsl_sf_lnchoose(N, h) + gsl_sf_lnbeta(c * m + h, c * (1 - m) + N - h) -
                         gsl_sf_lnbeta(c * m, c * (1 - m)));
        CHECK_CLOSE(by_h[h], pmf, 1e-11);
    }
    /* generate with only the flips given: the weight is their marginal (m sampled) */
    int x[N] = {1, 0, 1, 1, 0};
    gen_choicemap *flips = gen_choicemap_empty();
    for (int i = 0; i < N; i++) {
        gen_addr ax = bb_addr_x(i);
        flips = gen_choicemap_set(flips, &ax, gen_scalar_i64(x[i]));
    }
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(5), &a, flips, &tr, &w));
    double ms = check_item(gen_trace_value(tr, &(gen_addr){1, {bb_addr_m().parts[0]}}));
    CHECK_CLOSE(check_item(w), lbeta(c * ms + 3, c * (1 - ms) + 2) - lbeta(c * ms, c * (1 - ms)), 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), bb_score(c, ms, 3, N), 1e-12);
}

/* update of one flip: the weight is the hand-computed score difference, the discard the
 * old flip, the return value the new head count; the counts, not the flips, are read. */
static void test_update_one_flip(void) {
    gen_gf *f = bb_gf();
    enum { N = 2000 };
    double c = 2.5;
    gen_array *v[2] = {gen_scalar(c), gen_scalar_i64(N)};
    gen_args a = two(v);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(9), &a, &tr));
    const bb_data *d = gen_trace_data(tr);
    int64_t h = d->h, i = 1234;
    double m = check_item(d->m);
    int flip = d->x[i];
    gen_addr ax = bb_addr_x(i);
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    gen_diff rd;
    gen_diff same[2] = {gen_diff_no_change(), gen_diff_no_change()};
    CHECK_OK(gen_update(tr, gen_key_new(1), &a, same, gen_choicemap_set(gen_choicemap_empty(), &ax, gen_scalar_i64(1 - flip)),
                        &t2, &w, &rd, &disc));
    int64_t h2 = h + (flip ? -1 : 1);
    CHECK_CLOSE(check_item(w), bb_score(c, m, h2, N) - bb_score(c, m, h, N), 1e-10);
    CHECK(check_item(gen_trace_retval(t2)) == h2 && rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_count(disc) == 1 && check_item(gen_choicemap_find(disc, &ax)) == flip);
    CHECK(check_item(gen_trace_value(t2, &ax)) == 1 - flip);
    /* the old trace is unchanged */
    CHECK(((const bb_data *)gen_trace_data(tr))->x[i] == flip && ((const bb_data *)gen_trace_data(tr))->h == h);
}

/* c ~ Gamma(2, 2); the flips of coin ~ beta_bernoulli(c, 4). */
static gen_status outer(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *c = gen_choose(ctx, "c", gen_gamma(gen_scalar(2), gen_scalar(2)));
    gen_array *v[2] = {c, gen_scalar_i64(4)};
    *retval = gen_call(ctx, "coin", gen_ctx_payload(ctx), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static double gamma_lp(double x, double k, double theta) { return (k - 1) * log(x) - x / theta - lgamma(k) - k * log(theta); }

static void test_from_dsl(void) {
    gen_gf *coin = bb_gf();
    gen_gf *model = gen_dynamic_with("outer", outer, coin, NULL);
    CHECK_GFI_LAWS("a DSL body calling it", model, NULL, 10, 4);
    /* assess of the whole map: the hand formula */
    int x[4] = {1, 1, 0, 1};
    gen_choicemap *cm = gen_choicemap_empty();
    gen_addr ac, acm;
    gen_addr_parse(&ac, "c");
    gen_addr_parse(&acm, "coin/m");
    cm = gen_choicemap_set(cm, &ac, gen_scalar(1.7));
    cm = gen_choicemap_set(cm, &acm, gen_scalar(0.6));
    for (int i = 0; i < 4; i++) {
        gen_addr a;
        gen_addr_parse(&a, "coin/x");
        a.parts[a.len++] = gen_part_int(i);
        cm = gen_choicemap_set(cm, &a, gen_scalar_i64(x[i]));
    }
    gen_array *w = NULL, *ret = NULL;
    CHECK_OK(gen_assess(model, NULL, cm, &w, &ret));
    CHECK_CLOSE(check_item(w), gamma_lp(1.7, 2, 2) + bb_score(1.7, 0.6, 3, 4), 1e-12);
    CHECK(check_item(ret) == 3);
    /* batched: the model's batched c reaches the user function per particle */
    gen_trace *bt = NULL;
    CHECK_OK(gen_simulate_batched(model, gen_key_new(3), 6, NULL, &bt));
    CHECK(bt && gen_array_shape(gen_trace_score(bt))[0] == 6);
    gen_array *bw = NULL;
    CHECK_OK(gen_assess_batched(model, 6, NULL, gen_trace_choices(bt), &bw, NULL));
    for (int64_t i = 0; i < 6 && bw; i++)
        CHECK_CLOSE(((const double *)gen_array_data(bw))[i], ((const double *)gen_array_data(gen_trace_score(bt)))[i], 1e-12);
}

static void test_map(void) {
    gen_gf *mp = gen_map(bb_gf());
    double cs[3] = {0.5, 2.0, 7.0};
    int64_t ns[3] = {3, 0, 5}, k = 3;
    gen_array *v[2] = {gen_array_from_f64(1, &k, cs), gen_array_from(GEN_I64, 1, &k, ns)};
    gen_args a = two(v);
    CHECK_GFI_LAWS("Map(beta_bernoulli)", mp, &a, 10, 4);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(mp, gen_key_new(4), &a, &tr));
    double want = 0;
    for (int e = 0; e < 3; e++) {
        gen_addr am = {2, {gen_part_int(e), bb_addr_m().parts[0]}};
        double m = check_item(gen_trace_value(tr, &am));
        int64_t h = 0;
        for (int64_t i = 0; i < ns[e]; i++) {
            gen_addr ax = {3, {gen_part_int(e), bb_addr_x(0).parts[0], gen_part_int(i)}};
            h += (int64_t)check_item(gen_trace_value(tr, &ax));
        }
        CHECK(((const int64_t *)gen_array_data(gen_trace_retval(tr)))[e] == h);
        want += bb_score(cs[e], m, h, ns[e]);
    }
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-12);
}

/* Unfold's kernel (t, h_prev, c): a coin of 3 flips with concentration c + h_prev. */
static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *v[2] = {gen_add(args->v[2], gen_cast(args->v[1], GEN_F64)), gen_scalar_i64(3)};
    *retval = gen_call(ctx, "coin", gen_ctx_payload(ctx), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_unfold(void) {
    gen_gf *u = gen_unfold(gen_dynamic_with("step", step, bb_gf(), NULL));
    gen_array *v[3] = {gen_scalar_i64(4), gen_scalar_i64(0), gen_scalar(1.5)};
    gen_args a = {3, v, NULL};
    CHECK_GFI_LAWS("Unfold(step calling beta_bernoulli)", u, &a, 10, 3);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(u, gen_key_new(8), &a, &tr));
    double want = 0;
    int64_t prev = 0;
    for (int t = 0; t < 4; t++) {
        gen_addr am;
        gen_addr_parse(&am, "coin/m");
        gen_addr at = {3, {gen_part_int(t), am.parts[0], am.parts[1]}};
        double m = check_item(gen_trace_value(tr, &at));
        int64_t h = ((const int64_t *)gen_array_data(gen_trace_retval(tr)))[t];
        want += bb_score(1.5 + (double)prev, m, h, 3);
        prev = h;
    }
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-12);
}

/* The posterior of m given h heads of n (c fixed), by quadrature. */
static void posterior_m(double c, int64_t h, int64_t n, double *mean, double *var) {
    double z = 0, s1 = 0, s2 = 0;
    int k = 20000;
    for (int i = 1; i < k; i++) {
        double m = (double)i / k, p = exp(bb_score(c, m, h, n));
        z += p, s1 += p * m, s2 += p * m * m;
    }
    *mean = s1 / z;
    *var = s2 / z - *mean * *mean;
}

static gen_trace *observed(gen_args *a, const int *x, int64_t n) {
    gen_choicemap *flips = gen_choicemap_empty();
    for (int64_t i = 0; i < n; i++) {
        gen_addr ax = bb_addr_x(i);
        flips = gen_choicemap_set(flips, &ax, gen_scalar_i64(x[i]));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(bb_gf(), gen_key_new(11), a, flips, &tr, NULL));
    return tr;
}

/* The final m of many short independent chains: draws of the posterior. */
static void check_chains(const char *what, gen_kernel k, const gen_trace *tr, int64_t burn_in, double mean, double var) {
    enum { CHAINS = 400 };
    gen_trace *init[CHAINS];
    for (int i = 0; i < CHAINS; i++) init[i] = (gen_trace *)tr;
    gen_addr am = bb_addr_m();
    gen_selection *sel = gen_select(1, &am);
    gen_chain_config cfg = {.burn_in = burn_in, .draws = 1, .thin = 1, .sel = sel};
    gen_array *samples = NULL;
    CHECK_OK(gen_run_chains(k, gen_key_new(21), CHAINS, init, &cfg, 2, &samples, NULL, NULL));
    if (samples) STATS_MOMENTS(what, samples, mean, var);
}

static void test_mh_hmc(void) {
    double c = 3.0;
    enum { N = 12 };
    int x[N] = {1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1};
    gen_array *v[2] = {gen_scalar(c), gen_scalar_i64(N)};
    gen_args a = two(v);
    gen_trace *tr = observed(&a, x, N);
    double mean = 0, var = 0;
    posterior_m(c, 9, N, &mean, &var);
    gen_addr am = bb_addr_m();
    gen_selection *sel = gen_select(1, &am);
    gen_mh_select_kernel mk = {sel};
    check_chains("MH on m of the user function", gen_kernel_mh_select(&mk), tr, 30, mean, var);
    gen_hmc_kernel hk = {sel, 0.4, 8, NULL};
    check_chains("HMC on m of the user function", gen_kernel_hmc(&hk), tr, 25, mean, var);
}

/* gen_target over the user function's own m (a logit bijection) and over a model's c
 * (log) and coin/m: the density is the hand formula plus the log-Jacobians, the gradient
 * matches finite differences. */
static double sigmoid(double u) { return 1 / (1 + exp(-u)); }

static gen_status target_fn(void *t, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_target_logpdf(t, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_target(void) {
    double c = 3.0;
    enum { N = 6 };
    int x[N] = {1, 0, 1, 1, 0, 1};
    gen_array *v[2] = {gen_scalar(c), gen_scalar_i64(N)};
    gen_args a = two(v);
    gen_trace *tr = observed(&a, x, N);
    gen_addr am = bb_addr_m();
    gen_target *t = gen_target_new(tr, gen_select(1, &am));
    CHECK(t && gen_target_dim(t) == 1);
    if (!t) return;
    double m0 = check_item(gen_trace_value(tr, &am)), u0 = log(m0 / (1 - m0));
    CHECK_CLOSE(check_item(gen_target_position(t)), u0, 1e-12);
    double u = 0.35, mu = sigmoid(u), lp = 0;
    gen_array *g = NULL;
    CHECK_OK(gen_target_logpdf_grad(t, gen_array_from_f64(1, (int64_t[]){1}, &u), &lp, &g));
    CHECK_CLOSE(lp, bb_score(c, mu, 4, N) + log(mu * (1 - mu)), 1e-12);
    gen_array *in = gen_array_from_f64(1, (int64_t[]){1}, &u);
    FD_CHECK("d logp / du of the user function", ((gen_closure){target_fn, t}), 1, &in, 1, 1e-6, 1e-8);
    gen_trace *moved = NULL;
    CHECK_OK(gen_target_trace(t, in, &moved));
    CHECK_CLOSE(check_item(gen_trace_value(moved, &am)), mu, 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(moved)), bb_score(c, mu, 4, N), 1e-12);
    gen_target_free(t);

    /* a model calling it: c (log) and coin/m (logit) */
    gen_gf *model = gen_dynamic_with("outer", outer, bb_gf(), NULL);
    gen_choicemap *obs = gen_choicemap_empty();
    int y[4] = {0, 1, 1, 1};
    for (int i = 0; i < 4; i++) {
        gen_addr ay;
        gen_addr_parse(&ay, "coin/x");
        ay.parts[ay.len++] = gen_part_int(i);
        obs = gen_choicemap_set(obs, &ay, gen_scalar_i64(y[i]));
    }
    gen_trace *mt = NULL;
    CHECK_OK(gen_generate(model, gen_key_new(2), NULL, obs, &mt, NULL));
    gen_addr ac, acm;
    gen_addr_parse(&ac, "c");
    gen_addr_parse(&acm, "coin/m");
    gen_addr both[2] = {ac, acm};
    gen_target *t2 = gen_target_new(mt, gen_select(2, both));
    CHECK(t2 && gen_target_dim(t2) == 2);
    if (!t2) return;
    double th[2] = {0.2, -0.4}, lp2 = 0; /* deep order: c, then coin/m */
    gen_array *theta = gen_array_from_f64(1, (int64_t[]){2}, th);
    CHECK_OK(gen_target_logpdf_grad(t2, theta, &lp2, &g));
    double cc = exp(th[0]), mm = sigmoid(th[1]);
    CHECK_CLOSE(lp2, gamma_lp(cc, 2, 2) + th[0] + bb_score(cc, mm, 3, 4) + log(mm * (1 - mm)), 1e-12);
    FD_CHECK("d logp / dtheta of a model calling it", ((gen_closure){target_fn, t2}), 1, &theta, 1, 1e-6, 1e-8);
    gen_hmc_kernel hk = {gen_select(2, both), 0.3, 5, NULL};
    gen_trace *out = mt;
    double rate = 0;
    gen_chain_config cfg = {.burn_in = 0, .draws = 50, .thin = 1};
    CHECK_OK(gen_run_chain(gen_kernel_hmc(&hk), gen_key_new(4), mt, &cfg, NULL, &out, &rate));
    CHECK(rate > 0.3);
    gen_target_free(t2);
}

/* ---- a user kind that misbehaves ---- */

static gen_status silent_fail(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *c,
                              gen_trace **tr, gen_array **w) {
    (void)f, (void)key, (void)args, (void)c, (void)tr, (void)w;
    return GEN_ERR_VALUE;
}
static gen_status no_trace(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *c,
                           gen_trace **tr, gen_array **w) {
    (void)f, (void)key, (void)args, (void)c, (void)tr, (void)w;
    return GEN_OK;
}
static gen_status no_weight(const gen_gf *f, gen_eval *ev, const gen_args *args, const gen_choicemap *c,
                            gen_array **w, gen_array **r) {
    (void)f, (void)ev, (void)args, (void)c, (void)w, (void)r;
    return GEN_OK;
}
/* scores m as given, whatever the evaluation state */
static gen_status ignores_ev(const gen_gf *f, gen_eval *ev, const gen_args *args, const gen_choicemap *c,
                             gen_array **w, gen_array **r) {
    (void)ev;
    return bb_assess(f, NULL, args, c, w, r);
}
static int freed;
static void count_free(gen_gf *f) { freed += gen_gf_data(f) != NULL; }

static void test_errors(void) {
    /* the tables outlive the functions made from them (freed when main's scope ends) */
    static gen_gf_vtable bad, deaf;
    bad = bb_vtable;
    bad.kind = "bad";
    bad.generate = silent_fail;
    gen_gf *f = gen_gf_new(&bad, "flaky", NULL);
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "generate: flaky (bad) returned GEN_ERR_VALUE without a message");
    CHECK(tr == NULL);
    bad.generate = no_trace;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "generate: flaky (bad) returned GEN_OK without a trace");
    gen_choicemap *pc = NULL;
    CHECK_ERROR(gen_propose(f, gen_key_new(1), NULL, &pc, NULL, NULL), "flaky (bad) returned GEN_OK without a trace");
    bad.assess = no_weight;
    gen_array *w = NULL;
    CHECK_ERROR(gen_assess(f, NULL, gen_choicemap_empty(), &w, NULL), "assess: flaky (bad) returned GEN_OK without a weight");
    /* a failure with a message: prefixed with the function's name */
    gen_array *v[2] = {gen_scalar(-1.0), gen_scalar_i64(2)};
    gen_args a = two(v);
    CHECK_ERROR(gen_simulate(bb_gf(), gen_key_new(1), &a, &tr), "bb: c must be > 0, got -1");
    /* inside a DSL body: the address, then the name */
    gen_gf *model = gen_dynamic_with("outer", outer, bb_gf(), NULL);
    gen_addr ac;
    gen_addr_parse(&ac, "c");
    CHECK_ERROR(gen_generate(model, gen_key_new(1), NULL, gen_choicemap_set(gen_choicemap_empty(), &ac, gen_scalar(-2)), &tr, NULL),
                "coin: bb: c must be > 0, got -2");
    gen_addr bogus;
    gen_addr_parse(&bogus, "y");
    gen_array *v2[2] = {gen_scalar(1.0), gen_scalar_i64(2)};
    a = two(v2);
    CHECK_ERROR(gen_generate(bb_gf(), gen_key_new(1), &a, gen_choicemap_set(gen_choicemap_empty(), &bogus, gen_scalar(1)), &tr, NULL),
                "bb: the choices have a value at y, which is not a choice of it");
    /* gen_gf_new: missing operations, and the payload freed on failure */
    gen_gf_vtable none = {.kind = "none", .generate = bb_generate, .project = bb_project, .free_data = count_free};
    freed = 0;
    CHECK(gen_gf_new(&none, "half", &freed) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_gf_new: half: the table's assess is NULL");
    CHECK(freed == 1);
    CHECK(gen_gf_new(NULL, "x", NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_gf_new: x: the table is NULL");
    /* gen_trace_new: a score of the wrong shape */
    int64_t two_[1] = {2};
    CHECK(gen_trace_new(bb_gf(), NULL, NULL, gen_choicemap_empty(), gen_full(GEN_F64, 2, (int64_t[]){2, 2}, 0), NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "the score must be a 0-d f64 array (or [N] for a batched trace)");
    gen_trace *bt = gen_trace_new(bb_gf(), NULL, NULL, gen_choicemap_empty(), gen_full(GEN_F64, 1, two_, 0), NULL);
    CHECK(bt && gen_trace_batch_size(bt) == 2);
    /* a kind that ignores the evaluation state cannot be moved by gradient kernels */
    deaf = bb_vtable;
    deaf.assess = ignores_ev;
    int xs[3] = {1, 0, 1};
    gen_array *v3[2] = {gen_scalar(2.0), gen_scalar_i64(3)};
    a = two(v3);
    gen_trace *dt = NULL;
    CHECK_OK(gen_generate(gen_gf_new(&deaf, "deaf", NULL), gen_key_new(1), &a, bb_choices(0.4, 3, xs), &dt, NULL));
    gen_addr am = bb_addr_m();
    CHECK(gen_target_new(dt, gen_select(1, &am)) == NULL);
    CHECK_ERROR(gen_error_status(), "deaf: 0 of the 1 selected continuous choices were evaluated in unconstrained space");
    /* gen_eval_choice checks the value against the choice's shape and dtype (several
     * values would be scored as one) */
    gen_addr am2 = bb_addr_m();
    gen_array *w2 = NULL;
    gen_choicemap *wide = gen_choicemap_set(bb_choices(0.4, 3, xs), &am2, gen_full(GEN_F64, 1, (int64_t[]){2}, 0.4));
    CHECK_ERROR(gen_assess(bb_gf(), &a, wide, &w2, NULL), "m: assess: the value has shape [2], but the choice");
    gen_choicemap *ints = gen_choicemap_set(bb_choices(0.4, 3, xs), &am2, gen_scalar_i64(0));
    CHECK_ERROR(gen_assess(bb_gf(), &a, ints, &w2, NULL), "m: assess: the value is i64, but the choice");
    CHECK_OK(gen_assess(bb_gf(), &a, bb_choices(0.4, 3, xs), &w2, NULL));
}

int main(void) {
    RUN(test_laws);
    RUN(test_exact);
    RUN(test_update_one_flip);
    RUN(test_from_dsl);
    RUN(test_map);
    RUN(test_unfold);
    RUN(test_mh_hmc);
    RUN(test_target);
    RUN(test_errors);
    return check_finish();
}
