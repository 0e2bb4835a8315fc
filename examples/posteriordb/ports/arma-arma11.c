/* arma-arma11.c — posteriordb's arma11 (an ARMA(1, 1) model of T = 200 observations)
 * ported from its Stan program:
 *
 *   parameters: real mu; real phi; real theta; real<lower=0> sigma;
 *   model: mu ~ normal(0, 10); phi ~ normal(0, 2); theta ~ normal(0, 2);
 *     sigma ~ cauchy(0, 2.5);                        (half-Cauchy: sigma > 0)
 *     nu[1] = mu + phi * mu;  err[1] = y[1] - nu[1];
 *     for t in 2:T: nu[t] = mu + phi * y[t-1] + theta * err[t-1]; err[t] = y[t] - nu[t];
 *     err ~ normal(0, sigma);
 *
 * The loop is linear in err: err[t] + theta err[t-1] = c[t] with c[1] = y[1] - mu - phi mu
 * and c[t] = y[t] - mu - phi y[t-1], i.e. (I + theta S) err = c for the shift matrix S
 * (ones below the diagonal), one lower triangular solve instead of T steps. err is not a
 * choice (it is a function of the parameters), so `err ~ normal(0, sigma)` is a
 * gen_factor of normal's log density, as Stan's statement adds it to target. Run:
 * genc-pdb-arma-arma11 [DATA_DIR]. */
#include "port.h"

/* Args: y [T], y[t-1] for t >= 2 with 0 first (ylag [T]), the shift matrix S [T, T],
 * the first unit vector e1 [T]. */
static gen_status arma_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0], *ylag = args->v[1], *S = args->v[2], *e1 = args->v[3];
    int64_t T = gen_array_size(y);
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(10)));
    gen_array *phi = gen_choose(ctx, "phi", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *theta = gen_choose(ctx, "theta", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_cauchy(gen_scalar(2.5)));
    /* c = y - mu - phi * (ylag, with mu in place of y[0]) */
    gen_array *lag = gen_add(ylag, gen_mul(e1, mu));
    gen_array *c = gen_sub(gen_sub(y, mu), gen_mul(phi, lag));
    gen_array *A = gen_add(gen_eye(T, GEN_F64), gen_mul(theta, S));
    gen_array *err = gen_triangular_solve(A, c, true, false);
    gen_factor(ctx, gen_sum(gen_dist_logpdf(gen_broadcasted_normal(gen_scalar(0), sigma), err), 0, NULL, false));
    *retval = err;
    return gen_ctx_status(ctx);
}

static gen_status arma_setup(const gen_data *d, port_model *m) {
    gen_array *y = NULL;
    gen_status st = gen_data_f64(d, "y", &y);
    if (st != GEN_OK) return st;
    int64_t T = gen_array_size(y);
    if (T < 2) return gen_error_set(GEN_ERR_VALUE, "arma11: need at least 2 observations, got %lld", (long long)T);
    gen_array *zero = gen_zeros(GEN_F64, 1, (int64_t[]){1});
    m->body = arma_model;
    m->args[0] = y;
    m->args[1] = gen_concatenate(2, (gen_array *const[]){zero, gen_slice(y, 0, 0, T - 1, 1)}, 0);
    /* S[t, t-1] = 1: the identity's rows shifted down by one */
    gen_array *eye = gen_eye(T, GEN_F64);
    m->args[2] = gen_concatenate(2, (gen_array *const[]){gen_zeros(GEN_F64, 2, (int64_t[]){1, T}),
                                                          gen_slice(eye, 0, 0, T - 1, 1)},
                                 0);
    m->args[3] = gen_concatenate(2, (gen_array *const[]){gen_ones(GEN_F64, 1, (int64_t[]){1}),
                                                          gen_zeros(GEN_F64, 1, (int64_t[]){T - 1})},
                                 0);
    m->n_args = 4;
    m->params[0] = "mu", m->params[1] = "phi", m->params[2] = "theta", m->params[3] = "sigma";
    m->n_params = 4;
    return m->args[1] && m->args[2] && m->args[3] ? GEN_OK : gen_error_status();
}

static const port_def port_arma = {"arma-arma11", arma_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_arma, __FILE__, argc, argv); }
#endif
