/* demo.c — GenC end to end: a Bayesian model written as a C function, synthetic data,
 * and three kinds of inference on it through the Generative Function Interface.
 *
 *   model   a, b, c ~ N(0, 1);  sigma ~ HalfNormal(1)
 *           y_i ~ N(a + b x_i + c x_i^2, sigma),  x: 40 points on [-1, 1]
 *   data    simulated from a = 0.5, b = -1.25, c = 2.0, sigma = 0.3
 *
 *   1. batched importance sampling: 200000 particles in one run of the same model code,
 *      the log marginal likelihood and the posterior means;
 *   2. MAP: gradient ascent in unconstrained space (sigma moves on the log scale);
 *   3. HMC: 4 chains on threads, with the convergence diagnostics Stan reports
 *      (bulk/tail ESS, rank-normalized R-hat, MCSE). */
#include <math.h>
#include <stdio.h>

#include "genc.h"

#define N_POINTS 40
static const char *const PARAMS[4] = {"a", "b", "c", "sigma"};
static const double TRUTH[4] = {0.5, -1.25, 2.0, 0.3};

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_normal(gen_scalar(1)));
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, sigma));
    return gen_ctx_status(ctx);
}

static gen_addr addr(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return a;
}

static int fail(const char *what) {
    fprintf(stderr, "demo: %s: %s\n", what, gen_error_message());
    gen_scope_end();
    return 1;
}

int main(void) {
    gen_scope_begin(); /* owns everything below */
    gen_gf *f = gen_dynamic("polynomial", model);
    gen_array *x = gen_linspace(-1, 1, N_POINTS);
    gen_args args = {1, &x, NULL};

    /* Data: run the model with the true parameters fixed; y is sampled. */
    gen_choicemap *truth = gen_choicemap_empty();
    for (int k = 0; k < 4; k++) {
        gen_addr a = addr(PARAMS[k]);
        truth = gen_choicemap_set(truth, &a, gen_scalar(TRUTH[k]));
    }
    gen_trace *sim = NULL;
    if (gen_generate(f, gen_key_new(1), &args, truth, &sim, NULL) != GEN_OK) return fail("simulating data");
    gen_addr ya = addr("y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_trace_retval(sim));
    printf("GenC demo: Bayesian polynomial regression, %d noisy points, 4 unknowns\n", N_POINTS);
    printf("  truth: a = %.2f  b = %.2f  c = %.2f  sigma = %.2f\n\n", TRUTH[0], TRUTH[1], TRUTH[2], TRUTH[3]);

    /* 1. Batched importance sampling with the prior as proposal. */
    const int64_t n = 200000;
    gen_trace *bt = NULL;
    gen_array *lw = NULL;
    double lml = 0, ess = 0;
    if (gen_importance_sampling_batched(f, gen_key_new(2), &args, obs, NULL, NULL, n, &bt, &lw, &lml) != GEN_OK ||
        gen_ess_of_log_weights(lw, &ess) != GEN_OK)
        return fail("importance sampling");
    const double *w = gen_array_data(lw);
    double max = -INFINITY, tot = 0, mean[4] = {0};
    for (int64_t i = 0; i < n; i++) max = fmax(max, w[i]);
    for (int64_t i = 0; i < n; i++) tot += exp(w[i] - max);
    for (int k = 0; k < 4; k++) {
        gen_addr a = addr(PARAMS[k]);
        const double *v = gen_array_data(gen_trace_value(bt, &a));
        for (int64_t i = 0; i < n; i++) mean[k] += exp(w[i] - max) / tot * v[i];
    }
    printf("1. importance sampling, %lld particles in one batched run\n", (long long)n);
    printf("   log marginal likelihood %.3f, effective sample size %.1f\n", lml, ess);
    printf("   posterior means: a = %.3f  b = %.3f  c = %.3f  sigma = %.3f\n\n", mean[0], mean[1], mean[2], mean[3]);

    /* 2. MAP by gradient ascent on the unconstrained log density. */
    gen_trace *init = NULL, *map = NULL;
    if (gen_generate(f, gen_key_new(3), &args, obs, &init, NULL) != GEN_OK) return fail("the initial trace");
    gen_addr latent[4] = {addr("a"), addr("b"), addr("c"), addr("sigma")};
    gen_selection *sel = gen_select(4, latent);
    double lp = 0;
    if (gen_posterior_mode(init, sel, 2000, 1e-8, &map, &lp) != GEN_OK) return fail("MAP");
    printf("2. MAP (log density %.3f in unconstrained space):\n  ", lp);
    for (int k = 0; k < 4; k++) {
        double v = 0;
        gen_item(gen_trace_value(map, &latent[k]), &v);
        printf(" %s = %.3f ", PARAMS[k], v);
    }
    printf("\n\n");

    /* 3. HMC: 4 chains from the MAP point, on up to 4 threads. */
    gen_hmc_kernel hk = {sel, 0.03, 16, NULL};
    gen_trace *starts[4] = {map, map, map, map};
    gen_chain_config cfg = {.burn_in = 300, .draws = 1000, .thin = 1, .sel = sel};
    gen_array *draws = NULL;
    double rates[4];
    if (gen_run_chains(gen_kernel_hmc(&hk), gen_key_new(4), 4, starts, &cfg, 4, &draws, rates, NULL) != GEN_OK)
        return fail("HMC");
    gen_summary s[4];
    if (gen_summarize_array(draws, NULL, 0, s, 4) != GEN_OK) return fail("diagnostics");
    printf("3. HMC, 4 chains x 1000 draws (acceptance %.2f %.2f %.2f %.2f)\n", rates[0], rates[1], rates[2], rates[3]);
    gen_summary_print(stdout, s, 4, PARAMS);
    gen_scope_end();
    return 0;
}
