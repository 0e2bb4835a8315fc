/* nes1996-nes.c — posteriordb's nes (party identification in the 1996 National Election
 * Study, N = 1043) ported from its Stan program:
 *
 *   transformed data: age30_44 = (age_discrete == 2), age45_64 = (== 3), age65up = (== 4)
 *   parameters: vector[9] beta; real<lower=0> sigma;   (no priors: flat, half-flat)
 *   model: partyid7 ~ normal(beta[1] + beta[2] * real_ideo + beta[3] * race_adj
 *            + beta[4] * age30_44 + beta[5] * age45_64 + beta[6] * age65up
 *            + beta[7] * educ1 + beta[8] * gender + beta[9] * income, sigma)
 *
 * The predictors (ones first) form X [N, 9]; the mean is X beta. Run:
 * genc-pdb-nes1996-nes [DATA_DIR]. */
#include "port.h"

/* Args: X [N, 9]. Observed: partyid7. */
static gen_status nes_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    gen_array *beta = gen_choose(ctx, "beta", gen_flat(1, (int64_t[]){9}));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_flat(0, NULL));
    *retval = gen_choose(ctx, "partyid7", gen_broadcasted_normal(gen_matmul(X, beta), sigma));
    return gen_ctx_status(ctx);
}

static gen_status nes_setup(const gen_data *d, port_model *m) {
    const char *names[6] = {"partyid7", "real_ideo", "race_adj", "educ1", "gender", "income"};
    gen_array *v[6], *age = NULL;
    for (int i = 0; i < 6; i++) {
        gen_status st = gen_data_f64(d, names[i], &v[i]);
        if (st != GEN_OK) return st;
    }
    gen_status st = gen_data_array(d, "age_discrete", &age);
    if (st != GEN_OK) return st;
    int64_t n = gen_array_size(v[0]);
    gen_array *cols[9] = {gen_ones(GEN_F64, 1, &n),
                          v[1],
                          v[2],
                          gen_cast(gen_eq(age, gen_scalar_i64(2)), GEN_F64),
                          gen_cast(gen_eq(age, gen_scalar_i64(3)), GEN_F64),
                          gen_cast(gen_eq(age, gen_scalar_i64(4)), GEN_F64),
                          v[3],
                          v[4],
                          v[5]};
    m->body = nes_model;
    m->args[0] = gen_stack(9, cols, 1);
    m->n_args = 1;
    m->constraints = port_set(port_set(port_set(m->constraints, "partyid7", v[0]), "beta",
                                       gen_zeros(GEN_F64, 1, (int64_t[]){9})),
                              "sigma", gen_scalar(1));
    m->params[0] = "beta", m->params[1] = "sigma";
    m->n_params = 2;
    return m->args[0] && m->constraints ? GEN_OK : gen_error_status();
}

static const port_def port_nes = {"nes1996-nes", nes_setup};

#ifndef PORT_NO_MAIN
int main(int argc, char **argv) { return port_main(&port_nes, __FILE__, argc, argv); }
#endif
