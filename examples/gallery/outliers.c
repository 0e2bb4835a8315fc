/* outliers.c — curve fitting with outliers, a model file for the genc tool (genc run
 * outliers) and for tests/gallery/test_outliers.c.
 *
 *   coef ~ N(0, prior_sd^2 I)                         the curve sum_k coef[k] x^k
 *   outlier/i ~ Bernoulli(prob_outlier)               i = 0..N-1
 *   y ~ N(X coef, s^2),  s_i = sigma_outlier if outlier/i else sigma
 *
 * The algorithm is a custom kernel (genc run's algorithm "kernel"): one cycle of Gibbs on
 * the outlier indicators (each drawn from its exact conditional given the rest) then HMC
 * on the curve's coefficients, built from the library's kernels (gen_kernel_gibbs,
 * gen_kernel_hmc, gen_kernel_cycle). Given the indicators the model is linear-Gaussian,
 * so the test computes the exact posterior by enumerating all 2^N indicator vectors.
 *
 * Data (--data): {"N": .., "x": [...], "y": [...]} and optionally "degree" (2), "sigma"
 * (0.3), "sigma_outlier" (3), "prob_outlier" (0.1), "prior_sd" (2). Without --data: the
 * 16 points below, drawn once from coef = (0.7, 1.2, -0.9) with sigma 0.3, points 3 and 11
 * then moved by 3 to 4 up. */
#include <math.h>
#include <stdlib.h>

#include "genc.h"

static const double OUTLIERS_X[16] = {-1.000, -0.867, -0.733, -0.600, -0.467, -0.333, -0.200, -0.067,
                                      0.067,  0.200,  0.333,  0.467,  0.600,  0.733,  0.867,  1.000};
static const double OUTLIERS_Y[16] = {-1.400, -0.927, -0.745, 3.078, -0.193, -0.097, 0.442, 1.018,
                                      0.629,  0.718,  1.147,  4.604, 1.128,  0.817,  1.055, 1.209};

/* args: X [N, degree + 1], prior_sd, sigma, sigma_outlier, prob_outlier (0-d each) */
static gen_status outliers(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    int64_t n = gen_array_shape(X)[0], p = gen_array_shape(X)[1];
    gen_array *coef = gen_choose(ctx, "coef", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(p)), args->v[1]));
    gen_array **z = malloc((size_t)n * sizeof *z);
    if (!z) return gen_error_set(GEN_ERR_OOM, "outliers: out of memory");
    gen_dist *flip = gen_bernoulli(args->v[4]);
    for (int64_t i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_name("outlier"), gen_part_int(i)}};
        z[i] = gen_choose_at(ctx, &a, flip);
    }
    gen_array *sd = gen_ctx_status(ctx) == GEN_OK ? gen_where(gen_stack((int)n, z, 0), args->v[3], args->v[2]) : NULL;
    free(z);
    if (sd) *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_matmul(X, coef), sd));
    return gen_ctx_status(ctx);
}

/* The kernel's parts (the cycle first: the kernel's payload is this struct) and the
 * selections they hold a reference to. */
typedef struct outliers_kernel {
    gen_kernel_list cycle;
    gen_kernel parts[2];
    gen_gibbs_kernel gibbs;
    gen_hmc_kernel hmc;
    gen_selection *indicators, *curve;
} outliers_kernel;

static void outliers_kernel_free(void *payload) {
    outliers_kernel *k = payload;
    gen_selection_release(k->indicators);
    gen_selection_release(k->curve);
    free(k);
}

static gen_status outliers_real(const gen_data *data, const char *name, double *inout) {
    return data && gen_data_has(data, name) ? gen_data_real(data, name, inout) : GEN_OK;
}

static gen_status outliers_setup(gen_model *m, const gen_data *data) {
    gen_array *x = NULL, *y = NULL;
    double degree = 2, sigma = 0.3, sigma_out = 3, prob = 0.1, prior_sd = 2;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "x", &x)) != GEN_OK || (s = gen_data_f64(data, "y", &y)) != GEN_OK) return s;
    } else {
        x = gen_array_from_f64(GEN_DIMS(16), OUTLIERS_X);
        y = gen_array_from_f64(GEN_DIMS(16), OUTLIERS_Y);
    }
    if ((s = outliers_real(data, "degree", &degree)) != GEN_OK || (s = outliers_real(data, "sigma", &sigma)) != GEN_OK ||
        (s = outliers_real(data, "sigma_outlier", &sigma_out)) != GEN_OK ||
        (s = outliers_real(data, "prob_outlier", &prob)) != GEN_OK || (s = outliers_real(data, "prior_sd", &prior_sd)) != GEN_OK)
        return s;
    if (gen_array_ndim(x) != 1 || gen_array_ndim(y) != 1 || gen_array_size(x) != gen_array_size(y) || gen_array_size(x) < 1)
        return gen_error_set(GEN_ERR_SHAPE, "outliers: x and y must be vectors of one length N >= 1");
    if (!(degree >= 0 && degree <= 10 && degree == floor(degree)))
        return gen_error_set(GEN_ERR_VALUE, "outliers: degree must be an integer in 0..10, got %g", degree);
    if (!(sigma > 0 && sigma_out > 0 && prior_sd > 0) || !(prob > 0 && prob < 1))
        return gen_error_set(GEN_ERR_VALUE, "outliers: sigma, sigma_outlier and prior_sd must be > 0 and prob_outlier in (0, 1)");
    int p = (int)degree + 1;
    gen_array *cols[11];
    for (int k = 0; k < p; k++) cols[k] = gen_pow(x, gen_scalar(k));
    gen_array *v[5] = {gen_stack(p, cols, 1), gen_scalar(prior_sd), gen_scalar(sigma), gen_scalar(sigma_out),
                       gen_scalar(prob)};
    gen_args args = {5, v, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("outliers", outliers);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, y);
    gen_selection *curve = gen_select_paths(1, (const char *const[]){"coef"});
    gen_selection *indicators = gen_select_paths(1, (const char *const[]){"outlier"});
    gen_selection *latents = gen_selection_union(curve, indicators);
    if (!v[0] || !f || !obs || !latents) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_observations(m, obs)) != GEN_OK ||
        (s = gen_model_set_latents(m, latents)) != GEN_OK)
        return s;
    outliers_kernel *k = calloc(1, sizeof *k);
    if (!k) return gen_error_set(GEN_ERR_OOM, "outliers: out of memory");
    k->indicators = gen_selection_retain(indicators);
    k->curve = gen_selection_retain(curve);
    k->gibbs = (gen_gibbs_kernel){k->indicators, NULL}; /* candidates: bernoulli's support */
    /* a trajectory of about one posterior sd of the coefficients with the default data */
    k->hmc = (gen_hmc_kernel){k->curve, 0.05, 10, NULL};
    k->parts[0] = gen_kernel_gibbs(&k->gibbs);
    k->parts[1] = gen_kernel_hmc(&k->hmc);
    k->cycle = (gen_kernel_list){2, k->parts, NULL};
    if ((s = gen_model_set_kernel(m, gen_kernel_cycle(&k->cycle), outliers_kernel_free)) != GEN_OK) {
        outliers_kernel_free(k);
        return s;
    }
    return gen_model_set_algorithm(m, "kernel");
}

GEN_MODEL("outliers", "Curve fitting with outliers (Gibbs on the outlier indicators, HMC on the curve)", outliers_setup);
