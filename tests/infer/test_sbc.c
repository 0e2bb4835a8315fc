/* test_sbc.c — simulation-based calibration of MH (prior proposals, cycled over each
 * latent choice) and HMC on a small hierarchical model (NUTS has its own in
 * test_nuts.c): for data simulated from the prior, the rank of the prior's mu and tau
 * among L thinned posterior draws is uniform when the sampler is right (chi-square over
 * 5 bins). */
#include <stdio.h>

#include "../testutil/check.h"
#include "../testutil/stats.h"

enum { J = 4, R = 60, L = 49, BINS = 5 };

/* mu ~ N(0, 1), tau ~ HalfNormal(1), theta/j ~ N(mu, tau), y/j ~ N(theta_j, 1) */
static gen_status hier(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_normal(gen_scalar(1)));
    for (int j = 0; j < J; j++) {
        gen_addr a = {2, {gen_part_name("theta"), gen_part_int(j)}}, b = {2, {gen_part_name("y"), gen_part_int(j)}};
        gen_array *th = gen_choose_at(ctx, &a, gen_normal(mu, tau));
        gen_choose_at(ctx, &b, gen_normal(th, gen_scalar(1)));
    }
    *retval = mu;
    return gen_ctx_status(ctx);
}

/* Ranks of the prior's mu and tau among the chain's draws, for R simulated data sets. */
static void sbc(const char *what, gen_kernel k, int64_t burn_in, int64_t thin, uint64_t seed) {
    gen_gf *f = gen_dynamic("hier", hier);
    gen_addr params[2] = {{1, {gen_part_name("mu")}}, {1, {gen_part_name("tau")}}};
    gen_selection *rec = gen_select(2, params);
    int64_t ranks[2][R];
    for (int r = 0; r < R; r++) {
        gen_scope_begin();
        gen_trace *prior = NULL, *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_fold_in(gen_key_new(seed), (uint64_t)r), NULL, &prior));
        gen_choicemap *obs = gen_choicemap_empty();
        for (int j = 0; j < J; j++) {
            gen_addr b = {2, {gen_part_name("y"), gen_part_int(j)}};
            obs = gen_choicemap_set(obs, &b, gen_trace_value(prior, &b));
        }
        CHECK_OK(gen_generate(f, gen_key_fold_in(gen_key_new(seed + 1), (uint64_t)r), NULL, obs, &tr, NULL));
        gen_chain_config cfg = {.burn_in = burn_in, .draws = L, .thin = thin, .sel = rec};
        gen_array *s = NULL;
        CHECK_OK(gen_run_chain(k, gen_key_fold_in(gen_key_new(seed + 2), (uint64_t)r), tr, &cfg, &s, NULL, NULL));
        for (int p = 0; p < 2; p++) {
            double truth = check_item(gen_trace_value(prior, &params[p]));
            int64_t rank = 0;
            const double *x = s ? gen_array_data(s) : NULL; /* [L, 2]: mu, tau */
            for (int i = 0; x && i < L; i++) rank += x[i * 2 + p] < truth;
            ranks[p][r] = rank / ((L + 1) / BINS);
        }
        gen_scope_end();
    }
    double probs[BINS];
    for (int b = 0; b < BINS; b++) probs[b] = 1.0 / BINS;
    char name[64];
    snprintf(name, sizeof name, "%s: mu ranks", what);
    STATS_CHISQ(name, gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[0]), probs, BINS);
    snprintf(name, sizeof name, "%s: tau ranks", what);
    STATS_CHISQ(name, gen_array_from(GEN_I64, 1, (int64_t[]){R}, ranks[1]), probs, BINS);
}

static void test_mh(void) {
    /* one prior-proposal MH step per latent choice, cycled */
    static gen_mh_select_kernel ks[2 + J];
    static gen_kernel parts[2 + J];
    const char *names[2] = {"mu", "tau"};
    for (int i = 0; i < 2 + J; i++) {
        gen_addr a = i < 2 ? (gen_addr){1, {gen_part_name(names[i])}}
                           : (gen_addr){2, {gen_part_name("theta"), gen_part_int(i - 2)}};
        ks[i].sel = gen_selection_scope_return(gen_select(1, &a));
        parts[i] = gen_kernel_mh_select(&ks[i]);
    }
    gen_kernel_list cycle = {2 + J, parts, NULL};
    sbc("mh", gen_kernel_cycle(&cycle), 200, 20, 31);
}

static void test_hmc(void) {
    gen_addr lat[2 + J] = {{1, {gen_part_name("mu")}}, {1, {gen_part_name("tau")}}};
    for (int j = 0; j < J; j++) lat[2 + j] = (gen_addr){2, {gen_part_name("theta"), gen_part_int(j)}};
    gen_hmc_kernel k = {gen_select(2 + J, lat), 0.15, 12, NULL};
    sbc("hmc", gen_kernel_hmc(&k), 100, 4, 41);
}

int main(void) {
    RUN(test_mh);
    RUN(test_hmc);
    return check_finish();
}
