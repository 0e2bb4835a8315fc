/* mesquite-logmesquite_logvas.c — posteriordb's logmesquite_logvas on the mesquite data
 * (Gelman and Hill's mesquite bushes, N = 46) ported from its Stan program:
 *
 *   transformed data: log_weight = log(weight), log_canopy_volume = log(diam1 .* diam2 .*
 *     canopy_height), log_canopy_area = log(diam1 .* diam2), log_canopy_shape =
 *     log(diam1 ./ diam2), log_total_height = log(total_height), log_density = log(density)
 *   parameters: vector[7] beta; real<lower=0> sigma;   (no priors: flat, half-flat)
 *   model: log_weight ~ normal(beta[1] + beta[2] * log_canopy_volume + ... + beta[7] * group, sigma)
 *
 * The seven predictors (a column of ones first) form the design matrix X [N, 7], so the
 * mean is X beta. Run: genc-pdb-mesquite-logmesquite_logvas [DATA_DIR]. */
#include "port.h"

/* Args: X [N, 7]. Observed: log_weight. */
static gen_status mesquite_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    gen_array *beta = gen_choose(ctx, "beta", gen_flat(1, (int64_t[]){7}));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_flat(0, NULL));
    *retval = gen_choose(ctx, "log_weight", gen_broadcasted_normal(gen_matmul(X, beta), sigma));
    return gen_ctx_status(ctx);
}

static gen_status mesquite_setup(const gen_data *d, port_model *m) {
    const char *names[7] = {"weight", "diam1", "diam2", "canopy_height", "total_height", "density", "group"};
    gen_array *v[7];
    for (int i = 0; i < 7; i++) {
        gen_status st = gen_data_f64(d, names[i], &v[i]);
        if (st != GEN_OK) return st;
    }
    int64_t n = gen_array_size(v[0]);
    gen_array *area = gen_mul(v[1], v[2]);
    gen_array *cols[7] = {gen_ones(GEN_F64, 1, &n), gen_log(gen_mul(area, v[3])), gen_log(area), gen_log(gen_div(v[1], v[2])),
                          gen_log(v[4]), gen_log(v[5]), v[6]};
    m->body = mesquite_model;
    m->args[0] = gen_stack(7, cols, 1);
    m->n_args = 1;
    m->constraints = port_set(port_set(port_set(m->constraints, "log_weight", gen_log(v[0])), "beta",
                                       gen_zeros(GEN_F64, 1, (int64_t[]){7})),
                              "sigma", gen_scalar(1));
    m->params[0] = "beta", m->params[1] = "sigma";
    m->n_params = 2;
    return m->args[0] && m->constraints ? GEN_OK : gen_error_status();
}

static const port_def port_mesquite = {"mesquite-logmesquite_logvas", mesquite_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_mesquite, __FILE__, argc, argv); }
#endif
