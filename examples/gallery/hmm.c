/* hmm.c — a discrete hidden Markov model filtered by a particle filter, a model file for the
 * genc tool (genc run hmm) and for tests/gallery/test_hmm.c.
 *
 *   z_1 ~ Categorical(init);  z_t ~ Categorical(trans[z_t-1])     K hidden states
 *   y_t ~ Categorical(emit[z_t])                                   V symbols, t = 1..T
 *
 * Written with Unfold (step t's choices at t/z and t/y), so each filter step updates the
 * new step only. The algorithm is "smc": a bootstrap particle filter over the T steps.
 * The forward algorithm (gen_hmm_forward) gives the exact log marginal likelihood, which
 * the model declares as its reference for the tool to print beside the filter's estimate.
 *
 * Data (--data): {"K": 3, "V": 3, "T": .., "y": [...] (symbols 1..V, as in Stan),
 * "init": [K], "trans": [K, K], "emit": [K, V]} (rows of probabilities). Without --data:
 * the 40 symbols below, drawn once from the default parameters. */
#include <math.h>
#include <stdlib.h>

#include "genc.h"

static const double HMM_INIT[3] = {0.6, 0.3, 0.1};
static const double HMM_TRANS[9] = {0.8, 0.15, 0.05, 0.1, 0.8, 0.1, 0.05, 0.15, 0.8};
static const double HMM_EMIT[9] = {0.7, 0.2, 0.1, 0.15, 0.7, 0.15, 0.1, 0.2, 0.7};
static const int64_t HMM_Y[40] = {2, 2, 2, 2, 1, 2, 3, 1, 2, 1, 1, 1, 2, 2, 3, 3, 2, 2, 2, 2,
                                  2, 3, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 1};

/* Unfold kernel: args (t, z_prev, init, trans, emit); returns z_t. */
static gen_status hmm_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_status s = gen_item_i64(args->v[0], &t);
    if (s != GEN_OK) return s;
    gen_array *probs = t == 0 ? args->v[2] : gen_take(args->v[3], args->v[1], 0);
    gen_array *z = gen_choose(ctx, "z", gen_categorical(probs));
    gen_choose(ctx, "y", gen_categorical(gen_take(args->v[4], z, 0)));
    *retval = z;
    return gen_ctx_status(ctx);
}

/* What the steps need: the parameters and the observations (0-based). */
typedef struct hmm_data {
    gen_array *init, *trans, *emit, *y;
    int64_t T;
} hmm_data;

static void hmm_data_free(void *p) {
    hmm_data *d = p;
    gen_array_release(d->init);
    gen_array_release(d->trans);
    gen_array_release(d->emit);
    gen_array_release(d->y);
    free(d);
}

/* Step t observes y_t: the Unfold runs t + 1 steps, only the length changed. */
static gen_status hmm_smc_step(void *payload, int64_t t, gen_args *args, gen_diff *argdiffs, gen_choicemap **obs) {
    hmm_data *d = payload;
    gen_array **v = (gen_array **)args->v;
    v[0] = gen_scalar_i64(t + 1), v[1] = gen_scalar_i64(0), v[2] = d->init, v[3] = d->trans, v[4] = d->emit;
    args->n = 5;
    argdiffs[0] = gen_diff_int(1);
    for (int i = 1; i < 5; i++) argdiffs[i] = gen_diff_no_change();
    gen_addr a = {2, {gen_part_int(t), gen_part_name("y")}};
    *obs = gen_choicemap_set(gen_choicemap_empty(), &a, gen_at(d->y, t));
    return *obs ? GEN_OK : gen_error_status();
}

/* A [rows, cols] table of probabilities (rows < 0: a [cols] vector): rows sum to 1 within 1e-9. */
static gen_status hmm_check_probs(const char *name, gen_array *p, int64_t rows, int64_t cols) {
    int nd = rows < 0 ? 1 : 2;
    if (!p || gen_array_ndim(p) != nd || (nd == 2 && gen_array_shape(p)[0] != rows) || gen_array_shape(p)[nd - 1] != cols) {
        if (nd == 1) return gen_error_set(GEN_ERR_SHAPE, "hmm: %s must be [%lld]", name, (long long)cols);
        return gen_error_set(GEN_ERR_SHAPE, "hmm: %s must be [%lld, %lld]", name, (long long)rows, (long long)cols);
    }
    const double *x = gen_array_data(p);
    for (int64_t r = 0; r < (nd == 2 ? rows : 1); r++) {
        double sum = 0;
        for (int64_t c = 0; c < cols; c++) {
            if (!(x[r * cols + c] >= 0)) return gen_error_set(GEN_ERR_VALUE, "hmm: %s has a negative entry", name);
            sum += x[r * cols + c];
        }
        if (fabs(sum - 1) > 1e-9) return gen_error_set(GEN_ERR_VALUE, "hmm: row %lld of %s sums to %g, not 1", (long long)r + 1, name, sum);
    }
    return GEN_OK;
}

static gen_status hmm_setup(gen_model *m, const gen_data *data) {
    gen_array *init, *trans, *emit, *y;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "init", &init)) != GEN_OK || (s = gen_data_f64(data, "trans", &trans)) != GEN_OK ||
            (s = gen_data_f64(data, "emit", &emit)) != GEN_OK || (s = gen_data_array(data, "y", &y)) != GEN_OK)
            return s;
    } else {
        init = gen_array_from_f64(GEN_DIMS(3), HMM_INIT);
        trans = gen_array_from_f64(GEN_DIMS(3, 3), HMM_TRANS);
        emit = gen_array_from_f64(GEN_DIMS(3, 3), HMM_EMIT);
        y = gen_array_from(GEN_I64, GEN_DIMS(40), HMM_Y);
    }
    int64_t K = gen_array_ndim(init) == 1 ? gen_array_size(init) : 0;
    int64_t V = gen_array_ndim(emit) == 2 ? gen_array_shape(emit)[1] : 0;
    if (K < 1) return gen_error_set(GEN_ERR_SHAPE, "hmm: init must be a vector of K >= 1 probabilities");
    if (V < 1) return gen_error_set(GEN_ERR_SHAPE, "hmm: emit must be a [K, V] table");
    if ((s = hmm_check_probs("init", init, -1, K)) != GEN_OK || (s = hmm_check_probs("trans", trans, K, K)) != GEN_OK ||
        (s = hmm_check_probs("emit", emit, K, V)) != GEN_OK)
        return s;
    if (gen_array_dtype(y) != GEN_I64 || gen_array_ndim(y) != 1 || gen_array_size(y) < 1)
        return gen_error_set(GEN_ERR_VALUE, "hmm: y must be a vector of T >= 1 symbols 1..V");
    int64_t T = gen_array_size(y);
    const int64_t *yv = gen_array_data(y);
    for (int64_t t = 0; t < T; t++)
        if (yv[t] < 1 || yv[t] > V)
            return gen_error_set(GEN_ERR_VALUE, "hmm: y[%lld] is %lld, not a symbol 1..%lld", (long long)t + 1,
                                 (long long)yv[t], (long long)V);
    /* the exact log marginal likelihood: the forward algorithm */
    gen_array *ll = gen_transpose(gen_take(gen_log(emit), gen_sub(y, gen_scalar_i64(1)), 1)); /* [T, K] */
    double log_ml = NAN;
    if ((s = gen_hmm_forward(gen_log(init), gen_log(trans), ll, NULL, &log_ml)) != GEN_OK) return s;
    hmm_data *d = calloc(1, sizeof *d);
    if (!d) return gen_error_set(GEN_ERR_OOM, "hmm: out of memory");
    d->init = gen_array_retain(init), d->trans = gen_array_retain(trans), d->emit = gen_array_retain(emit);
    d->y = gen_array_retain(gen_sub(y, gen_scalar_i64(1)));
    d->T = T;
    gen_array *v[5] = {gen_scalar_i64(T), gen_scalar_i64(0), init, trans, emit};
    gen_args args = {5, v, NULL};
    gen_gf *f = gen_unfold(gen_dynamic("hmm_step", hmm_step));
    if (!f || (s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_smc(m, T, hmm_smc_step, d, hmm_data_free)) != GEN_OK) {
        hmm_data_free(d);
        return f ? s : gen_error_status();
    }
    if ((s = gen_model_set_reference(m, "log marginal likelihood (forward algorithm)", log_ml)) != GEN_OK) return s;
    return gen_model_set_algorithm(m, "smc");
}

GEN_MODEL("hmm", "Discrete hidden Markov model (particle filter; forward algorithm reference)", hmm_setup);
