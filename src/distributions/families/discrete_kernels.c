/* discrete_kernels.c — the hot discrete paths as rows of the op table (ops_fused.def):
 * the categorical gather of log probabilities and sampler, and the Poisson log mass.
 * The logpdf rows give the values of the public-op formulas and are used only while no
 * autodiff transform runs (disc_plain); the sampler needs no gradient at all. */
#include "../../array/autodiff_int.h"
#include "discrete_util.h"

bool disc_plain(void) { return !ad_active(); }

gen_array *disc_gather_last(const char *name, const gen_array *x, const gen_array *table) {
    (void)name; /* the row's shape errors name the family: "categorical: shapes ..." */
    gen_array *in[2] = {(gen_array *)x, (gen_array *)table};
    return op_apply_physical(OP_CATEGORICAL_GATHER, 2, in, NULL);
}

gen_array *disc_categorical_sample(const gen_array *a, bool logits, gen_key key, int ndim,
                                   const int64_t *shape) {
    gen_array *in[2] = {(gen_array *)a, gen_random_uniform(key, GEN_F64, ndim, shape)};
    op_params p = {.k = logits};
    return op_apply_physical(OP_CATEGORICAL_SAMPLE, 2, in, &p);
}

gen_array *disc_poisson_logpmf(const gen_array *x, const gen_array *rate, gen_dtype t) {
    gen_array *in[2] = {(gen_array *)x, (gen_array *)rate};
    op_params p = {.dtype = t};
    return op_apply_physical(OP_POISSON_LOGPMF, 2, in, &p);
}
