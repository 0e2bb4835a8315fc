/* model.c — a model file the installed genc program runs in tests/install/run.sh: mu ~ N(0, 1), y[i] ~ N(mu, 1) */
#include "genc.h"

static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_mul(mu, gen_ones(GEN_F64, GEN_DIMS(4))), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status setup(gen_model *m, const gen_data *data) {
    static const double Y[4] = {1.0, 2.0, 0.5, 1.5};
    gen_array *y = gen_array_from_f64(GEN_DIMS(4), Y);
    gen_gf *f = gen_dynamic("nn", body);
    gen_choicemap *obs = gen_choicemap_set_path(gen_choicemap_empty(), "y", y);
    gen_status s = gen_model_set_gf(m, f, NULL);
    if (s == GEN_OK) s = gen_model_set_observations(m, obs);
    return s;
}

GEN_MODEL("normal_normal", "mu ~ N(0,1), four y ~ N(mu, 1)", setup);
