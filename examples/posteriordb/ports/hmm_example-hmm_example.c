/* hmm_example-hmm_example.c — posteriordb's hmm_example (a two-state hidden Markov model
 * with normal emissions, N = 100) ported from its Stan program:
 *
 *   parameters: simplex[K] theta1; simplex[K] theta2; positive_ordered[K] mu;   (K = 2)
 *   transformed parameters: theta[1] = theta1; theta[2] = theta2;   (transition rows)
 *   model: target += normal_lpdf(mu[1] | 3, 1) + normal_lpdf(mu[2] | 10, 1);
 *     gamma[1, k] = normal_lpdf(y[1] | mu[k], 1);
 *     gamma[t, k] = log_sum_exp_j(gamma[t-1, j] + log(theta[j, k]) + normal_lpdf(y[t] | mu[k], 1));
 *     target += log_sum_exp(gamma[N]);                          (the forward algorithm)
 *
 * A simplex with no prior is uniform on the simplex: Dirichlet(1, ..., 1) (GenC's
 * Dirichlet samples through stick-breaking, as Stan's simplex does). positive_ordered[2]
 * with no prior is gen_flat_on(GEN_SUPPORT_POSITIVE_ORDERED): flat on 0 < mu[1] < mu[2],
 * sampled through Stan's positive_ordered transform. The forward recursion runs
 * over whole rows of gamma: one log-sum-exp over j per step. Run:
 * genc-pdb-hmm_example-hmm_example [DATA_DIR]. */
#include "port.h"

/* Args: y as a column [N, 1]. */
static gen_status hmm_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0];
    int64_t N = gen_array_shape(y)[0];
    gen_array *ones = gen_ones(GEN_F64, 1, (int64_t[]){2});
    gen_array *theta1 = gen_choose(ctx, "theta1", gen_dirichlet(ones));
    gen_array *theta2 = gen_choose(ctx, "theta2", gen_dirichlet(ones));
    gen_array *mu = gen_choose(ctx, "mu", gen_flat_on(GEN_SUPPORT_POSITIVE_ORDERED, NULL, NULL, 1, (int64_t[]){2}));
    gen_array *mu1 = gen_at(mu, 0), *mu2 = gen_at(mu, 1);
    gen_factor(ctx, gen_add(gen_dist_logpdf(gen_normal(gen_scalar(3), gen_scalar(1)), mu1),
                            gen_dist_logpdf(gen_normal(gen_scalar(10), gen_scalar(1)), mu2)));
    /* log_theta[j, k] = log(theta[j, k]); ll[t, k] = normal_lpdf(y[t] | mu[k], 1) */
    gen_array *log_theta = gen_log(gen_stack(2, (gen_array *const[]){theta1, theta2}, 0));
    gen_array *ll = gen_dist_logpdf(gen_normal(gen_add(gen_mul(y, gen_scalar(0)), mu), gen_scalar(1)),
                                    gen_add(y, gen_zeros(GEN_F64, 1, (int64_t[]){2}))); /* [N, K], elementwise */
    gen_array *gamma = gen_at(ll, 0);
    for (int64_t t = 1; t < N; t++) {
        gen_array *acc = gen_add(gen_expand_dims(gamma, 1), log_theta); /* [j, k] */
        gamma = gen_add(gen_logsumexp(acc, 1, (int[]){0}, false), gen_at(ll, t));
    }
    gen_factor(ctx, gen_logsumexp(gamma, 0, NULL, false));
    *retval = mu;
    return gen_ctx_status(ctx);
}

static gen_status hmm_setup(const gen_data *d, port_model *m) {
    gen_array *y = NULL;
    int64_t K = 0;
    gen_status st = gen_data_f64(d, "y", &y);
    if (st == GEN_OK) st = gen_data_int(d, "K", &K);
    if (st != GEN_OK) return st;
    if (K != 2) return gen_error_set(GEN_ERR_VALUE, "hmm_example: the port has K = 2 states, the data has %lld", (long long)K);
    m->body = hmm_model;
    m->args[0] = gen_expand_dims(y, 1);
    m->n_args = 1;
    m->constraints = port_set(m->constraints, "mu", gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){1, 2}));
    m->params[0] = "theta1", m->params[1] = "theta2", m->params[2] = "mu";
    m->n_params = 3;
    return m->args[0] && m->constraints ? GEN_OK : gen_error_status();
}

static const port_def port_hmm = {"hmm_example-hmm_example", hmm_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_hmm, __FILE__, argc, argv); }
#endif
