/* changepoint.c — a changepoint in a rate: the British coal-mining disasters, a model file
 * for the genc tool (genc run changepoint) and for tests/gallery/test_changepoint.c.
 *
 *   early ~ Gamma(a, rate b);  late ~ Gamma(a, rate b)
 *   tau ~ UniformDiscrete(0, T)                 the first year of the late regime
 *   y[t] ~ Poisson(t < tau ? early : late)      t = 0..T-1
 *
 * The algorithm is a custom kernel (genc run's algorithm "kernel"): Gibbs on tau (every
 * year scored exactly) then HMC on the two rates (in log space). The Gamma prior is
 * conjugate to the Poisson counts, so the test has the exact posterior by summing over
 * tau.
 *
 * Data (--data): {"T": .., "y": [counts]} and optionally "a" (2), "b" (1). Without --data:
 * the yearly disasters 1851-1961 (Jarrett 1979, as in PyMC's tutorials). */
#include <stdlib.h>

#include "genc.h"

static const int64_t COAL_Y[111] = {
    4, 5, 4, 0, 1, 4, 3, 4, 0, 6, 3, 3, 4, 0, 2, 6, 3, 3, 5, 4, 5, 3, 1, 4, 4, 1, 5, 5, 3, 4, 2, 5,
    2, 2, 3, 4, 2, 1, 3, 2, 2, 1, 1, 1, 1, 3, 0, 0, 1, 0, 1, 1, 0, 0, 3, 1, 0, 3, 2, 2, 0, 1, 1, 1,
    0, 1, 0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 0, 2, 3, 3, 1, 1, 2, 1, 1, 1, 1, 2, 4, 2, 0, 0, 1, 4,
    0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1};

/* args: the years 0..T-1 (i64 [T]), a, b (0-d) */
static gen_status changepoint(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *years = args->v[0];
    gen_dist *prior = gen_gamma(args->v[1], gen_reciprocal(args->v[2]));
    gen_array *early = gen_choose(ctx, "early", prior);
    gen_array *late = gen_choose(ctx, "late", prior);
    gen_array *tau = gen_choose(ctx, "tau", gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(gen_array_size(years))));
    *retval = gen_choose(ctx, "y", gen_poisson(gen_where(gen_lt(years, tau), early, late)));
    return gen_ctx_status(ctx);
}

typedef struct changepoint_kernel {
    gen_kernel_list cycle; /* first: the kernel's payload is this struct */
    gen_kernel parts[2];
    gen_gibbs_kernel gibbs;
    gen_hmc_kernel hmc;
    gen_selection *tau, *rates;
} changepoint_kernel;

static void changepoint_kernel_free(void *payload) {
    changepoint_kernel *k = payload;
    gen_selection_release(k->tau);
    gen_selection_release(k->rates);
    free(k);
}

static gen_status changepoint_setup(gen_model *m, const gen_data *data) {
    gen_array *y = NULL;
    double a = 2, b = 1;
    gen_status s;
    if (data) {
        if ((s = gen_data_array(data, "y", &y)) != GEN_OK) return s;
        if (gen_data_has(data, "a") && (s = gen_data_real(data, "a", &a)) != GEN_OK) return s;
        if (gen_data_has(data, "b") && (s = gen_data_real(data, "b", &b)) != GEN_OK) return s;
    } else {
        y = gen_array_from(GEN_I64, GEN_DIMS(111), COAL_Y);
    }
    if (gen_array_dtype(y) != GEN_I64 || gen_array_ndim(y) != 1 || gen_array_size(y) < 1)
        return gen_error_set(GEN_ERR_VALUE, "changepoint: y must be a vector of T >= 1 counts (integers)");
    if (!(a > 0 && b > 0)) return gen_error_set(GEN_ERR_VALUE, "changepoint: a and b must be > 0");
    int64_t T = gen_array_size(y);
    gen_array *v[3] = {gen_arange(0, (double)T, 1, GEN_I64), gen_scalar(a), gen_scalar(b)};
    gen_args args = {3, v, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("changepoint", changepoint);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, y);
    gen_selection *tau = gen_select_paths(1, (const char *const[]){"tau"});
    gen_selection *rates = gen_select_paths(2, (const char *const[]){"early", "late"});
    gen_selection *latents = gen_selection_union(rates, tau);
    if (!v[0] || !f || !obs || !latents) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_observations(m, obs)) != GEN_OK ||
        (s = gen_model_set_latents(m, latents)) != GEN_OK)
        return s;
    changepoint_kernel *k = calloc(1, sizeof *k);
    if (!k) return gen_error_set(GEN_ERR_OOM, "changepoint: out of memory");
    k->tau = gen_selection_retain(tau);
    k->rates = gen_selection_retain(rates);
    k->gibbs = (gen_gibbs_kernel){k->tau, NULL}; /* candidates: the support 0..T */
    k->hmc = (gen_hmc_kernel){k->rates, 0.05, 8, NULL};
    k->parts[0] = gen_kernel_gibbs(&k->gibbs);
    k->parts[1] = gen_kernel_hmc(&k->hmc);
    k->cycle = (gen_kernel_list){2, k->parts, NULL};
    if ((s = gen_model_set_kernel(m, gen_kernel_cycle(&k->cycle), changepoint_kernel_free)) != GEN_OK) {
        changepoint_kernel_free(k);
        return s;
    }
    return gen_model_set_algorithm(m, "kernel");
}

GEN_MODEL("changepoint", "Changepoint in a Poisson rate, coal-mining disasters (Gibbs on the year, HMC on the rates)",
          changepoint_setup);
