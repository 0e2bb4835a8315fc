/* kidiq_with_mom_work-kidscore_interaction_c.c — posteriordb's kidscore_interaction_c
 * (children's test scores against their mothers' schooling and IQ, N = 434, Gelman and
 * Hill) ported from its Stan program:
 *
 *   transformed data: c_mom_hs = mom_hs - mean(mom_hs); c_mom_iq = mom_iq - mean(mom_iq);
 *     inter = c_mom_hs .* c_mom_iq          (centered predictors and their interaction)
 *   parameters: vector[4] beta; real<lower=0> sigma;   (no priors: flat, half-flat)
 *   model: kid_score ~ normal(beta[1] + beta[2] * c_mom_hs + beta[3] * c_mom_iq
 *            + beta[4] * inter, sigma)
 *
 * Written as Stan writes it, one beta[i] per term. Run:
 * genc-pdb-kidiq_with_mom_work-kidscore_interaction_c [DATA_DIR]. */
#include "port.h"

/* Args: c_mom_hs, c_mom_iq, inter. Observed: kid_score. */
static gen_status kidiq_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *hs = args->v[0], *iq = args->v[1], *inter = args->v[2];
    gen_array *beta = gen_choose(ctx, "beta", gen_flat(1, (int64_t[]){4}));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_flat(0, NULL));
    /* mu = beta[1] + beta[2] * c_mom_hs + beta[3] * c_mom_iq + beta[4] * inter (gen_at is 0-based) */
    gen_array *mu = gen_add(gen_add(gen_at(beta, 0), gen_mul(gen_at(beta, 1), hs)),
                            gen_add(gen_mul(gen_at(beta, 2), iq), gen_mul(gen_at(beta, 3), inter)));
    *retval = gen_choose(ctx, "kid_score", gen_broadcasted_normal(mu, sigma));
    return gen_ctx_status(ctx);
}

static gen_status kidiq_setup(const gen_data *d, port_model *m) {
    gen_array *score = NULL, *hs = NULL, *iq = NULL;
    gen_status st = gen_data_f64(d, "kid_score", &score);
    if (st == GEN_OK) st = gen_data_f64(d, "mom_hs", &hs);
    if (st == GEN_OK) st = gen_data_f64(d, "mom_iq", &iq);
    if (st != GEN_OK) return st;
    gen_array *c_hs = gen_sub(hs, gen_mean(hs, 0, NULL, false)), *c_iq = gen_sub(iq, gen_mean(iq, 0, NULL, false));
    m->body = kidiq_model;
    m->args[0] = c_hs, m->args[1] = c_iq, m->args[2] = gen_mul(c_hs, c_iq);
    m->n_args = 3;
    m->constraints = port_set(port_set(port_set(m->constraints, "kid_score", score), "beta",
                                       gen_zeros(GEN_F64, 1, (int64_t[]){4})),
                              "sigma", gen_scalar(1));
    m->params[0] = "beta", m->params[1] = "sigma";
    m->n_params = 2;
    return m->args[2] && m->constraints ? GEN_OK : gen_error_status();
}

static const port_def port_kidiq = {"kidiq_with_mom_work-kidscore_interaction_c", kidiq_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_kidiq, __FILE__, argc, argv); }
#endif
