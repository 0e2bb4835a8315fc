/* test_exact_posteriors.c — the conjugate posteriors and the discrete HMM by the
 * algorithms their other test files leave out, against exact answers: beta–bernoulli by
 * MH, HMC, NUTS and enumeration; gamma–poisson by MH and enumeration (log marginal
 * likelihood too); the HMM by importance sampling (log marginal likelihood against the
 * forward algorithm) and single-site MH (state marginals against forward-backward).
 * Chains within 5 MCSE (ESS-based), enumeration to its grid's accuracy. */
#include <math.h>

#include "conjugate_models.h"
#include "hmm_model.h"

static gen_selection *sel1(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_select(1, &a);
}

/* Exact log marginal likelihoods. */
static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }
static double bb_log_ml(void) { return lbeta(9, 6) - lbeta(2, 3); }
static double gp_log_ml(void) {
    double lml = 3 * log(2.0) - lgamma(3) + lgamma(12) - 12 * log(6.0);
    for (int i = 0; i < 4; i++) lml -= lgamma(KS[i] + 1);
    return lml;
}

/* ---- checks ---- */

/* Mean within 5 MCSE and sd within 5 MCSE of the sd, from nc chains of nd draws each
 * ([nc, nd] or [nd, 1] values, chain-major). */
static void check_draws(const char *what, const double *x, int64_t nc, int64_t nd, double mean, double sd) {
    const double *ch[8];
    int64_t n[8];
    for (int64_t c = 0; c < nc; c++) ch[c] = x + c * nd, n[c] = nd;
    gen_summary s;
    CHECK_OK(gen_summarize(ch, nc, n, NULL, 0, &s));
    double se = s.sd / sqrt(s.ess_bulk);
    if (!(fabs(s.mean - mean) < 5 * se))
        check_fail(__FILE__, __LINE__, "%s: mean %g, want %g (mcse %g, ess %g)", what, s.mean, mean, se, s.ess_bulk);
    if (!(fabs(s.sd - sd) < 5 * s.mcse_sd))
        check_fail(__FILE__, __LINE__, "%s: sd %g, want %g (mcse %g)", what, s.sd, sd, s.mcse_sd);
    CHECK(s.ess_bulk > 200);
}

static void run_kernel(const char *what, gen_kernel k, gen_trace *tr, const char *name, int64_t draws, double mean,
                       double sd) {
    gen_chain_config cfg = {.burn_in = 500, .draws = draws, .thin = 1, .sel = sel1(name)};
    gen_array *samples = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(k, gen_key_new(11), tr, &cfg, &samples, NULL, &rate));
    if (samples) check_draws(what, gen_array_data(samples), 1, draws, mean, sd);
    CHECK(rate > 0.2);
}

/* The posterior mean and log marginal likelihood from a grid of cells over [lo, hi]. */
static void check_grid(const char *what, gen_body body, gen_choicemap *obs, const char *name, double lo, double hi,
                       double mean, double log_ml, double tol) {
    enum { N = 8000 };
    gen_grid_axis ax = {{0}, NULL, NULL};
    gen_addr_parse(&ax.addr, name);
    double h = (hi - lo) / N;
    ax.values = gen_linspace(lo + h / 2, hi - h / 2, N);
    ax.volumes = gen_scalar(h);
    gen_array *lp = NULL;
    double lml = 0;
    CHECK_OK(gen_enumerate(gen_dynamic("model", body), NULL, obs, 1, &ax, &lp, &lml));
    if (!lp) return;
    const double *l = gen_array_data(lp), *x = gen_array_data(ax.values);
    double m = 0;
    for (int i = 0; i < N; i++) m += exp(l[i]) * x[i];
    if (fabs(m - mean) > tol || fabs(lml - log_ml) > tol)
        check_fail(__FILE__, __LINE__, "%s: mean %.10g (want %.10g), log ml %.10g (want %.10g)", what, m, mean, lml, log_ml);
}

/* ---- beta–bernoulli ---- */

static const double BB_MEAN = 0.6, BB_SD = 0.12247448713915890491; /* sqrt(54 / 3600) */

static void test_beta_bernoulli(void) {
    gen_choicemap *obs = observations("x", 10, XS, 'b');
    gen_trace *tr = observed(beta_bernoulli, "x", 10, XS, 'b');
    gen_mh_select_kernel mk = {sel1("p")};
    run_kernel("beta-bernoulli MH", gen_kernel_mh_select(&mk), tr, "p", 20000, BB_MEAN, BB_SD);
    gen_hmc_kernel hk = {sel1("p"), 0.4, 5, NULL};
    run_kernel("beta-bernoulli HMC", gen_kernel_hmc(&hk), tr, "p", 4000, BB_MEAN, BB_SD);
    gen_nuts_config cfg = {.warmup = 500, .draws = 1000};
    gen_nuts_result r;
    gen_trace *init[4] = {tr, tr, tr, tr};
    CHECK_OK(gen_nuts_sample(gen_key_new(12), 4, init, sel1("p"), &cfg, 0, &r));
    if (r.draws) check_draws("beta-bernoulli NUTS", gen_array_data(r.draws), 4, 1000, BB_MEAN, BB_SD);
    /* the density is bounded on (0, 1): the midpoint rule converges fast */
    check_grid("beta-bernoulli grid", beta_bernoulli, obs, "p", 0, 1, BB_MEAN, bb_log_ml(), 1e-6);
}

/* ---- gamma–poisson ---- */

static void test_gamma_poisson(void) {
    gen_choicemap *obs = observations("k", 4, KS, 'i');
    gen_trace *tr = observed(counts, "k", 4, KS, 'i');
    gen_mh_select_kernel mk = {sel1("l")};
    run_kernel("gamma-poisson MH", gen_kernel_mh_select(&mk), tr, "l", 20000, 2.0, sqrt(12.0) / 6);
    check_grid("gamma-poisson grid", counts, obs, "l", 0, 20, 2.0, gp_log_ml(), 1e-6);
}

/* ---- the HMM ---- */

static void test_hmm_importance(void) {
    double marg[HMM_T][HMM_S];
    double exact = hmm_forward_backward(marg);
    enum { N = 50000 };
    gen_array *lw = NULL;
    double lml = 0;
    CHECK_OK(gen_importance_sampling(gen_dynamic("hmm", hmm_body), gen_key_new(13), NULL, hmm_obs(), NULL, NULL, N, NULL,
                                     &lw, &lml));
    if (!lw) return;
    /* the relative standard error of the mean weight: sd(w) / (mean(w) sqrt(N)) */
    const double *l = gen_array_data(lw);
    double mx = -INFINITY, m = 0, v = 0;
    for (int i = 0; i < N; i++) mx = fmax(mx, l[i]);
    for (int i = 0; i < N; i++) m += exp(l[i] - mx) / N;
    for (int i = 0; i < N; i++) v += (exp(l[i] - mx) - m) * (exp(l[i] - mx) - m) / (N - 1);
    double se = sqrt(v / N) / m;
    if (fabs(lml - exact) > 5 * se || se > 0.05)
        check_fail(__FILE__, __LINE__, "HMM IS: log ml %g, exact %g (se %g)", lml, exact, se);
}

/* One MH step per state, each resimulating z/t from its prior given z/t-1. */
static void test_hmm_mh(void) {
    gen_mh_select_kernel mk[HMM_T];
    gen_kernel ks[HMM_T];
    for (int t = 0; t < HMM_T; t++) {
        gen_addr a = hmm_addr("z", t);
        mk[t] = (gen_mh_select_kernel){gen_select(1, &a)};
        ks[t] = gen_kernel_mh_select(&mk[t]);
    }
    gen_kernel_list sweep = {HMM_T, ks, NULL};
    hmm_check_chain("single-site MH", gen_kernel_cycle(&sweep), 14, 6000, 200);
}

int main(void) {
    RUN(test_beta_bernoulli);
    RUN(test_gamma_poisson);
    RUN(test_hmm_importance);
    RUN(test_hmm_mh);
    return check_finish();
}
