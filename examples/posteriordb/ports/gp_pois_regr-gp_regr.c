/* gp_pois_regr-gp_regr.c — posteriordb's gp_regr (a Gaussian process regression of
 * N = 11 points) ported from its Stan program:
 *
 *   parameters: real<lower=0> rho; real<lower=0> alpha; real<lower=0> sigma;
 *   model: cov = gp_exp_quad_cov(x, alpha, rho) + diag_matrix(rep_vector(sigma, N));
 *     L_cov = cholesky_decompose(cov);
 *     rho ~ gamma(25, 4); alpha ~ normal(0, 2); sigma ~ normal(0, 1);
 *     y ~ multi_normal_cholesky(rep_vector(0, N), L_cov);
 *
 * gp_exp_quad_cov(x, alpha, rho)[i, j] = alpha^2 exp(-(x_i - x_j)^2 / (2 rho^2)); note
 * that the program adds sigma (not sigma^2) to the diagonal. Stan's gamma(25, 4) is
 * shape 25, rate 4 (GenC's gamma takes the scale, 1/4); normal(0, s) on a positive
 * parameter is a half-normal. Run: genc-pdb-gp_pois_regr-gp_regr [DATA_DIR]. */
#include "port.h"

/* Args: the squared distances d2 [N, N]. Observed: y. */
static gen_status gp_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *d2 = args->v[0];
    int64_t N = gen_array_shape(d2)[0];
    gen_array *rho = gen_choose(ctx, "rho", gen_gamma(gen_scalar(25), gen_scalar(0.25)));
    gen_array *alpha = gen_choose(ctx, "alpha", gen_half_normal(gen_scalar(2)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_normal(gen_scalar(1)));
    gen_array *cov = gen_mul(gen_square(alpha), gen_exp(gen_div(gen_neg(d2), gen_mul(gen_scalar(2), gen_square(rho)))));
    cov = gen_add(cov, gen_mul(sigma, gen_eye(N, GEN_F64)));
    gen_array *L = gen_cholesky(cov);
    *retval = gen_choose(ctx, "y", gen_mvnormal_chol(gen_zeros(GEN_F64, 1, &N), L));
    return gen_ctx_status(ctx);
}

static gen_status gp_setup(const gen_data *d, port_model *m) {
    gen_array *x = NULL, *y = NULL;
    gen_status st = gen_data_f64(d, "x", &x);
    if (st == GEN_OK) st = gen_data_f64(d, "y", &y);
    if (st != GEN_OK) return st;
    /* (x_i - x_j)^2 through broadcasting [N, 1] against [N] */
    m->body = gp_model;
    m->args[0] = gen_square(gen_sub(gen_expand_dims(x, 1), x));
    m->n_args = 1;
    m->constraints = port_set(m->constraints, "y", y);
    m->params[0] = "rho", m->params[1] = "alpha", m->params[2] = "sigma";
    m->n_params = 3;
    return m->args[0] && m->constraints ? GEN_OK : gen_error_status();
}

static const port_def port_gp = {"gp_pois_regr-gp_regr", gp_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_gp, __FILE__, argc, argv); }
#endif
