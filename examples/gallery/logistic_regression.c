/* logistic_regression.c — Bayesian logistic regression, a model file for the genc tool
 * (genc run logistic_regression) and for tests/gallery/test_logistic_regression.c.
 *
 *   alpha ~ N(0, 2.5);  beta[k] ~ N(0, 2.5)                    k = 1..K
 *   y[i] ~ Bernoulli(logit^-1(alpha + x[i] . beta))            i = 1..N
 *
 * Sampled with NUTS. Data (--data): {"N": .., "x": [N] or [N, K], "y": [N] of 0/1}.
 * Without --data: the 60 points below (K = 1), drawn once with alpha = -0.5, beta = 1.5. */
#include "genc.h"

static const double LOGREG_X[60] = {
    0.05, 2.04, 1.84, -0.77, -0.45, -0.79, 0.85, -0.08, 1.12, -2.77, 2.35, -0.14, 1.02, -0.20, -0.57,
    0.69, 1.24, -0.30, -0.23, 1.03, -1.31, -2.27, 0.59, -1.01, -2.88, -1.22, -0.70, -1.79, -2.24, 0.05,
    1.35, -0.35, -1.12, 0.58, 1.08, -0.45, 0.82, 1.56, -0.31, -1.22, 0.52, 0.37, 1.65, -1.93, -0.99,
    -1.26, -2.60, 0.19, 0.79, -1.11, 2.08, 1.23, 0.94, 0.60, 1.43, -2.00, 0.92, 0.90, -2.65, 0.52};
static const int64_t LOGREG_Y[60] = {1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0,
                                     1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1};

/* args: X [N, K] */
static gen_status logistic_regression(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    gen_array *alpha = gen_choose(ctx, "alpha", gen_normal(gen_scalar(0), gen_scalar(2.5)));
    gen_array *beta = gen_choose(ctx, "beta", gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(gen_array_shape(X)[1])),
                                                                     gen_scalar(2.5)));
    *retval = gen_choose(ctx, "y", gen_bernoulli_logit(gen_add(alpha, gen_matmul(X, beta))));
    return gen_ctx_status(ctx);
}

static gen_status logreg_setup(gen_model *m, const gen_data *data) {
    gen_array *x = NULL, *y = NULL;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "x", &x)) != GEN_OK || (s = gen_data_array(data, "y", &y)) != GEN_OK) return s;
    } else {
        x = gen_array_from_f64(GEN_DIMS(60), LOGREG_X);
        y = gen_array_from(GEN_I64, GEN_DIMS(60), LOGREG_Y);
    }
    if (gen_array_ndim(x) == 1) x = gen_reshape(x, GEN_DIMS(gen_array_size(x), 1));
    if (!x || gen_array_ndim(x) != 2 || gen_array_ndim(y) != 1 || gen_array_shape(x)[0] != gen_array_size(y))
        return gen_error_set(GEN_ERR_SHAPE, "logistic_regression: x must be [N] or [N, K] and y [N]");
    if (gen_array_dtype(y) != GEN_I64 && gen_array_dtype(y) != GEN_BOOL)
        return gen_error_set(GEN_ERR_VALUE, "logistic_regression: y must hold 0 or 1 only");
    double binary = 0;
    gen_array *y64 = gen_cast(y, GEN_I64);
    gen_array *ok = gen_all(gen_logical_or(gen_eq(y64, gen_scalar_i64(0)), gen_eq(y64, gen_scalar_i64(1))), 0, NULL, false);
    if ((s = gen_item(ok, &binary)) != GEN_OK) return s;
    if (binary != 1) return gen_error_set(GEN_ERR_VALUE, "logistic_regression: y must hold 0 or 1 only");
    gen_array *yb = gen_cast(y, GEN_BOOL);
    gen_args args = {1, &x, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("logistic_regression", logistic_regression);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, yb);
    gen_selection *latents = gen_select_paths(2, (const char *const[]){"alpha", "beta"});
    if (!f || !obs || !latents) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_observations(m, obs)) != GEN_OK ||
        (s = gen_model_set_latents(m, latents)) != GEN_OK)
        return s;
    return gen_model_set_algorithm(m, "nuts");
}

GEN_MODEL("logistic_regression", "Bayesian logistic regression (NUTS)", logreg_setup);
