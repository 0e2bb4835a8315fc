/* polynomial_regression.c — Bayesian polynomial regression, a model file for the genc tool
 * (genc run polynomial_regression) and for tests/gallery/test_polynomial_regression.c.
 *
 *   coef ~ N(0, prior_sd^2 I)          one vector choice of degree + 1 coefficients
 *   y    ~ N(X coef, sigma^2 I)        X[i, k] = x_i^k, sigma known
 *
 * The noise is known and the prior Gaussian, so the posterior is Gaussian in closed form
 * (the test's reference); the tool samples it with NUTS.
 *
 * Data (--data, posteriordb-style JSON): {"N": 30, "x": [...], "y": [...]} and optionally
 * "degree" (2), "sigma" (0.3), "prior_sd" (2). Without --data: the 30 points below, drawn
 * once from coef = (0.5, -1.2, 0.8) with sigma 0.3. */
#include <math.h>

#include "genc.h"

static const double POLY_X[30] = {
    -2.0, -1.862, -1.724, -1.586, -1.448, -1.31, -1.172, -1.034, -0.897, -0.759,
    -0.621, -0.483, -0.345, -0.207, -0.069, 0.069, 0.207, 0.345, 0.483, 0.621,
    0.759, 0.897, 1.034, 1.172, 1.31, 1.448, 1.586, 1.724, 1.862, 2.0};
static const double POLY_Y[30] = {
    6.712, 4.741, 5.072, 4.245, 3.779, 3.380, 2.399, 2.527, 1.961, 2.869,
    1.621, 1.160, 0.925, 0.582, 0.270, 0.304, 0.430, 0.110, 0.394, 0.003,
    0.057, 0.531, 0.278, 0.041, 0.246, 0.602, 1.190, 0.728, 0.966, 1.601};

/* args: X [N, degree + 1], prior_sd (0-d), sigma (0-d) */
static gen_status polynomial_regression(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0], *prior_sd = args->v[1], *sigma = args->v[2];
    int64_t p = gen_array_shape(X)[1];
    gen_array *coef = gen_choose(ctx, "coef", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(p)), prior_sd));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_matmul(X, coef), sigma));
    return gen_ctx_status(ctx);
}

/* A number from the data when it has it, else the default. */
static gen_status poly_real(const gen_data *data, const char *name, double dflt, double *out) {
    *out = dflt;
    return data && gen_data_has(data, name) ? gen_data_real(data, name, out) : GEN_OK;
}

static gen_status poly_setup(gen_model *m, const gen_data *data) {
    gen_array *x = NULL, *y = NULL;
    double degree = 2, sigma = 0.3, prior_sd = 2;
    gen_status s = GEN_OK;
    if (data) {
        if ((s = gen_data_f64(data, "x", &x)) != GEN_OK || (s = gen_data_f64(data, "y", &y)) != GEN_OK) return s;
    } else {
        x = gen_array_from_f64(GEN_DIMS(30), POLY_X);
        y = gen_array_from_f64(GEN_DIMS(30), POLY_Y);
    }
    if ((s = poly_real(data, "degree", degree, &degree)) != GEN_OK || (s = poly_real(data, "sigma", sigma, &sigma)) != GEN_OK ||
        (s = poly_real(data, "prior_sd", prior_sd, &prior_sd)) != GEN_OK)
        return s;
    if (gen_array_ndim(x) != 1 || gen_array_ndim(y) != 1 || gen_array_size(x) != gen_array_size(y))
        return gen_error_set(GEN_ERR_SHAPE, "polynomial_regression: x and y must be vectors of one length N");
    if (!(degree >= 0 && degree <= 10 && degree == floor(degree)))
        return gen_error_set(GEN_ERR_VALUE, "polynomial_regression: degree must be an integer in 0..10, got %g", degree);
    if (!(sigma > 0) || !(prior_sd > 0))
        return gen_error_set(GEN_ERR_VALUE, "polynomial_regression: sigma and prior_sd must be > 0");
    /* X[i, k] = x_i^k */
    int p = (int)degree + 1;
    gen_array *cols[11];
    for (int k = 0; k < p; k++) cols[k] = gen_pow(x, gen_scalar(k));
    gen_array *v[3] = {gen_stack(p, cols, 1), gen_scalar(prior_sd), gen_scalar(sigma)};
    if (!v[0]) return gen_error_status();
    gen_args args = {3, v, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("polynomial_regression", polynomial_regression);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, y);
    if (!f || !obs) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK) return s;
    if ((s = gen_model_set_observations(m, obs)) != GEN_OK) return s;
    if ((s = gen_model_set_latents(m, gen_select_paths(1, (const char *const[]){"coef"}))) != GEN_OK) return s;
    return gen_model_set_algorithm(m, "nuts");
}

GEN_MODEL("polynomial_regression", "Polynomial regression with a Gaussian prior and known noise (NUTS; exact posterior)",
          poly_setup);
