/* eight_schools.c — the eight schools of Rubin (1981), non-centered (posteriordb's
 * eight_schools_noncentered), a model file for the genc tool (genc run eight_schools) and
 * for tests/gallery/test_eight_schools.c.
 *
 *   mu ~ N(0, 5);  tau ~ half-Cauchy(0, 5);  theta_trans[j] ~ N(0, 1)
 *   y[j] ~ N(mu + tau theta_trans[j], sigma[j])          j = 1..J
 *
 * theta = mu + tau theta_trans is each school's effect. Sampled with NUTS; the test
 * compares with posteriordb's reference posterior (10 chains of Stan).
 *
 * Data (--data): posteriordb's data.json, {"J": 8, "y": [...], "sigma": [...]}. Without
 * --data: the same eight schools. */
#include "genc.h"

static const double SCHOOLS_Y[8] = {28, 8, -3, 7, -1, 1, 18, 12};
static const double SCHOOLS_SIGMA[8] = {15, 10, 16, 11, 9, 11, 10, 18};

/* args: sigma [J] */
static gen_status eight_schools(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sigma = args->v[0];
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(5)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_cauchy(gen_scalar(5)));
    gen_array *tt = gen_choose(ctx, "theta_trans",
                               gen_broadcasted_normal(gen_zeros(GEN_F64, GEN_DIMS(gen_array_size(sigma))), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_add(mu, gen_mul(tau, tt)), sigma));
    return gen_ctx_status(ctx);
}

static gen_status schools_setup(gen_model *m, const gen_data *data) {
    gen_array *y = NULL, *sigma = NULL;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "y", &y)) != GEN_OK || (s = gen_data_f64(data, "sigma", &sigma)) != GEN_OK) return s;
        if (gen_data_has(data, "J")) {
            int64_t J = 0;
            if ((s = gen_data_int(data, "J", &J)) != GEN_OK) return s;
            if (gen_array_ndim(y) != 1 || gen_array_size(y) != J)
                return gen_error_set(GEN_ERR_SHAPE, "eight_schools: y must hold J = %lld numbers", (long long)J);
        }
    } else {
        y = gen_array_from_f64(GEN_DIMS(8), SCHOOLS_Y);
        sigma = gen_array_from_f64(GEN_DIMS(8), SCHOOLS_SIGMA);
    }
    if (gen_array_ndim(y) != 1 || gen_array_ndim(sigma) != 1 || gen_array_size(y) != gen_array_size(sigma))
        return gen_error_set(GEN_ERR_SHAPE, "eight_schools: y and sigma must be vectors of one length J");
    gen_args args = {1, &sigma, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_gf *f = gen_dynamic("eight_schools", eight_schools);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, y);
    gen_selection *latents = gen_select_paths(3, (const char *const[]){"mu", "tau", "theta_trans"});
    if (!f || !obs || !latents) return gen_error_status();
    if ((s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_observations(m, obs)) != GEN_OK ||
        (s = gen_model_set_latents(m, latents)) != GEN_OK)
        return s;
    return gen_model_set_algorithm(m, "nuts");
}

GEN_MODEL("eight_schools", "Eight schools, non-centered (NUTS; posteriordb reference)", schools_setup);
