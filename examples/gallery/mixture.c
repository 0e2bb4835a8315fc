/* mixture.c — a Gaussian mixture with an unknown number of components, a model file for
 * the genc tool (genc run mixture) and for tests/gallery/test_mixture.c.
 *
 *   k ~ UniformDiscrete(1, k_max)                 the number of components
 *   mu/j ~ N(0, prior_sd^2)                       j = 0..k-1, the components' means
 *   z/i ~ UniformDiscrete(0, k - 1)               i = 0..N-1, each point's component
 *   y[i] ~ N(mu/z_i, sigma^2)
 *
 * The algorithm is a custom kernel (genc run's algorithm "kernel"), one cycle of:
 *   - split/merge reversible jump on k (gen_kernel_split_merge): a split of component j
 *     draws d ~ N(0, 1) and makes the means mu_j - d and mu_j + d (the second a new, last
 *     component); a merge of j with the last component makes their midpoint, giving back
 *     d = half their gap (log |det J| = log 2, computed by the library). A merge is
 *     accepted only when no point is assigned to the last component (the points keep
 *     their assignments; Gibbs then moves them);
 *   - Gibbs on the assignments z (each point's component from its exact conditional);
 *   - HMC on the means.
 * The test checks p(k | y) against exact enumeration on a small data set.
 *
 * Data (--data): {"N": .., "y": [...]} and optionally "k_max" (4), "prior_sd" (3), "sigma"
 * (1). Without --data: the 30 points below, drawn once from three components at -2.5,
 * 0.5 and 3.5 with sd 1. */
#include <stdlib.h>

#include "genc.h"

static const double MIXTURE_Y[30] = {-0.044, -2.507, 3.869, 3.278, -1.314, -2.233, -3.807, 4.068, 3.314, 3.225,
                                     1.403,  1.395,  -0.303, 1.379, -3.732, 0.070, -0.047, 4.284, 5.472, 0.652,
                                     2.430,  2.870,  0.350,  -3.671, -1.392, -3.827, -3.858, -3.218, -2.406, -1.998};

static gen_addr mixture_addr(const char *name, int64_t i) { return (gen_addr){2, {gen_part_name(name), gen_part_int(i)}}; }

/* args: n (0-d i64: the number of points), k_max (0-d i64), prior_sd, sigma (0-d) */
static gen_status mixture(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t n = 0, K = 0;
    gen_status s = gen_item_i64(args->v[0], &n);
    if (s != GEN_OK) return s;
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(1), args->v[1]));
    if (!k || (s = gen_item_i64(k, &K)) != GEN_OK) return gen_ctx_status(ctx) != GEN_OK ? gen_ctx_status(ctx) : s;
    gen_array **mu = malloc((size_t)(K + n) * sizeof *mu), **z = mu + K;
    if (!mu) return gen_error_set(GEN_ERR_OOM, "mixture: out of memory");
    gen_dist *prior = gen_normal(gen_scalar(0), args->v[2]);
    for (int64_t j = 0; j < K; j++) {
        gen_addr a = mixture_addr("mu", j);
        mu[j] = gen_choose_at(ctx, &a, prior);
    }
    gen_dist *assign = gen_uniform_discrete(gen_scalar_i64(0), gen_scalar_i64(K - 1));
    for (int64_t i = 0; i < n; i++) {
        gen_addr a = mixture_addr("z", i);
        z[i] = gen_choose_at(ctx, &a, assign);
    }
    if (gen_ctx_status(ctx) == GEN_OK) {
        /* an assignment past the last component (left by a merge) has density zero under
         * z's prior, so the move is rejected; the index is clamped only to stay in range */
        gen_array *idx = gen_minimum(gen_stack((int)n, z, 0), gen_scalar_i64(K - 1));
        gen_array *means = gen_take(gen_stack((int)K, mu, 0), idx, 0); /* [n] */
        *retval = gen_choose(ctx, "y", gen_broadcasted_normal(means, args->v[3]));
    }
    free(mu);
    return gen_ctx_status(ctx);
}

/* The split's auxiliary choice: d ~ N(0, 1) (args: j, unused). */
static gen_status mixture_aux(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose(ctx, "d", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* mu -> (mu - d, mu + d) */
static gen_status mixture_split(void *ud, const gen_args *margs, const gen_choicemap *c, const gen_choicemap *aux,
                                gen_choicemap **first, gen_choicemap **second) {
    (void)ud, (void)margs;
    gen_addr da = {1, {gen_part_name("d")}};
    const gen_array *mu = gen_choicemap_value(c), *d = gen_choicemap_find(aux, &da);
    *first = gen_choicemap_of_value(gen_sub(mu, d));
    *second = gen_choicemap_of_value(gen_add(mu, d));
    return *first && *second ? GEN_OK : gen_error_status();
}

/* (m1, m2) -> ((m1 + m2) / 2, d = (m2 - m1) / 2) */
static gen_status mixture_merge(void *ud, const gen_args *margs, const gen_choicemap *a, const gen_choicemap *b,
                                gen_choicemap **c, gen_choicemap **aux) {
    (void)ud, (void)margs;
    const gen_array *m1 = gen_choicemap_value(a), *m2 = gen_choicemap_value(b);
    gen_array *half = gen_scalar(0.5);
    gen_addr da = {1, {gen_part_name("d")}};
    *c = gen_choicemap_of_value(gen_mul(gen_add(m1, m2), half));
    *aux = gen_choicemap_set(gen_choicemap_empty(), &da, gen_mul(gen_sub(m2, m1), half));
    return *c && *aux ? GEN_OK : gen_error_status();
}

typedef struct mixture_kernel {
    gen_kernel_list cycle; /* first: the kernel's payload is this struct */
    gen_kernel parts[3];
    gen_split_merge_kernel split_merge;
    gen_gibbs_kernel gibbs;
    gen_hmc_kernel hmc;
    gen_selection *assignments, *means;
    gen_gf *aux;
} mixture_kernel;

static void mixture_kernel_free(void *payload) {
    mixture_kernel *k = payload;
    gen_selection_release(k->assignments);
    gen_selection_release(k->means);
    gen_gf_release(k->aux);
    free(k);
}

static gen_status mixture_setup(gen_model *m, const gen_data *data) {
    gen_array *y = NULL;
    double prior_sd = 3, sigma = 1;
    int64_t k_max = 4;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "y", &y)) != GEN_OK) return s;
        if (gen_data_has(data, "k_max") && (s = gen_data_int(data, "k_max", &k_max)) != GEN_OK) return s;
        if (gen_data_has(data, "prior_sd") && (s = gen_data_real(data, "prior_sd", &prior_sd)) != GEN_OK) return s;
        if (gen_data_has(data, "sigma") && (s = gen_data_real(data, "sigma", &sigma)) != GEN_OK) return s;
    } else {
        y = gen_array_from_f64(GEN_DIMS(30), MIXTURE_Y);
    }
    if (gen_array_ndim(y) != 1 || gen_array_size(y) < 1)
        return gen_error_set(GEN_ERR_SHAPE, "mixture: y must be a vector of N >= 1 numbers");
    if (k_max < 2) return gen_error_set(GEN_ERR_VALUE, "mixture: k_max must be >= 2, got %lld", (long long)k_max);
    if (!(prior_sd > 0 && sigma > 0)) return gen_error_set(GEN_ERR_VALUE, "mixture: prior_sd and sigma must be > 0");
    int64_t n = gen_array_size(y);
    gen_array *v[4] = {gen_scalar_i64(n), gen_scalar_i64(k_max), gen_scalar(prior_sd), gen_scalar(sigma)};
    gen_args args = {4, v, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("mixture", mixture);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, y);
    gen_selection *means = gen_select_paths(1, (const char *const[]){"mu"});
    gen_selection *assignments = gen_select_paths(1, (const char *const[]){"z"});
    gen_selection *latents = gen_select_paths(3, (const char *const[]){"k", "mu", "z"});
    gen_gf *aux = gen_dynamic("mixture_aux", mixture_aux);
    if (!f || !obs || !means || !assignments || !latents || !aux) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_observations(m, obs)) != GEN_OK ||
        (s = gen_model_set_latents(m, latents)) != GEN_OK)
        return s;
    mixture_kernel *k = calloc(1, sizeof *k);
    if (!k) return gen_error_set(GEN_ERR_OOM, "mixture: out of memory");
    k->assignments = gen_selection_retain(assignments);
    k->means = gen_selection_retain(means);
    k->aux = gen_gf_retain(aux);
    gen_addr count = {1, {gen_part_name("k")}}, comps = {1, {gen_part_name("mu")}};
    k->split_merge = (gen_split_merge_kernel){{count, comps, 1, k_max, k->aux, mixture_split, mixture_merge, NULL}, false};
    k->gibbs = (gen_gibbs_kernel){k->assignments, NULL}; /* candidates: 0..k-1 */
    k->hmc = (gen_hmc_kernel){k->means, 0.15, 10, NULL};
    k->parts[0] = gen_kernel_split_merge(&k->split_merge);
    k->parts[1] = gen_kernel_gibbs(&k->gibbs);
    k->parts[2] = gen_kernel_hmc(&k->hmc);
    k->cycle = (gen_kernel_list){3, k->parts, NULL};
    if ((s = gen_model_set_kernel(m, gen_kernel_cycle(&k->cycle), mixture_kernel_free)) != GEN_OK) {
        mixture_kernel_free(k);
        return s;
    }
    gen_selection *summary = gen_select_paths(2, (const char *const[]){"k", "mu"});
    if (!summary || (s = gen_model_set_summary(m, summary)) != GEN_OK) return summary ? s : gen_error_status();
    return gen_model_set_algorithm(m, "kernel");
}

GEN_MODEL("mixture", "Gaussian mixture, unknown number of components (split/merge reversible jump, Gibbs, HMC)",
          mixture_setup);
