/* polynomial.c — Bayesian polynomial regression with GenC's dynamic DSL: a model in a
 * dozen lines, synthetic data, and importance sampling with the prior as proposal.
 *
 *   a, b, c ~ N(0, 1);   y_i ~ N(a + b x_i + c x_i^2, 0.05),   x: 50 points on [0, 1] */
#include <math.h>
#include <stdio.h>

#include "genc.h"

#define N_POINTS 50
#define N_PARTICLES 1000

/* The model: args->v[0] holds the x values; all 50 y's are one array-valued choice. */
static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior);
    gen_array *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x)))); /* a + b x + c x^2 */
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

/* A choice map holding value at the single-part address name. */
static gen_choicemap *at(const gen_choicemap *m, const char *name, gen_array *value) {
    gen_addr addr = {1, {gen_part_name(name)}};
    return gen_choicemap_set(m, &addr, value);
}

static double value_of(const gen_trace *tr, const char *name) {
    gen_addr addr = {1, {gen_part_name(name)}};
    double v = NAN;
    gen_item(gen_trace_value(tr, &addr), &v);
    return v;
}

int main(void) {
    gen_scope_begin(); /* everything below is freed by the matching gen_scope_end */
    gen_gf *model = gen_dynamic("polynomial", polynomial);
    gen_array *x = gen_linspace(0, 1, N_POINTS);
    gen_args args = {1, &x, NULL};

    /* Synthetic data: run the model with the true coefficients fixed. */
    gen_choicemap *truth = at(at(at(gen_choicemap_empty(), "a", gen_scalar(0.5)), "b",
                                 gen_scalar(-1.25)), "c", gen_scalar(2.0));
    gen_trace *sim = NULL;
    if (gen_generate(model, gen_key_new(42), &args, truth, &sim, NULL) != GEN_OK) goto fail;
    gen_choicemap *data = at(gen_choicemap_empty(), "y", (gen_array *)gen_trace_retval(sim));

    /* Importance sampling: each particle samples a, b, c from the prior and is weighted
     * by the likelihood of the data (generate's weight). */
    static double logw[N_PARTICLES], coef[N_PARTICLES][3];
    gen_key key = gen_key_new(7);
    for (int i = 0; i < N_PARTICLES; i++) {
        gen_scope_begin(); /* one particle's temporaries */
        gen_trace *tr = NULL;
        gen_array *w = NULL;
        gen_status s = gen_generate(model, gen_key_fold_in(key, (uint64_t)i), &args, data, &tr, &w);
        if (s == GEN_OK) {
            gen_item(w, &logw[i]);
            coef[i][0] = value_of(tr, "a");
            coef[i][1] = value_of(tr, "b");
            coef[i][2] = value_of(tr, "c");
        }
        gen_scope_end();
        if (s != GEN_OK) goto fail;
    }

    /* Normalize the weights in log space and average. */
    double max = -INFINITY, total = 0, total2 = 0, mean[3] = {0, 0, 0};
    for (int i = 0; i < N_PARTICLES; i++) max = fmax(max, logw[i]);
    for (int i = 0; i < N_PARTICLES; i++) total += exp(logw[i] - max);
    for (int i = 0; i < N_PARTICLES; i++) total2 += pow(exp(logw[i] - max) / total, 2);
    for (int i = 0; i < N_PARTICLES; i++)
        for (int k = 0; k < 3; k++) mean[k] += exp(logw[i] - max) / total * coef[i][k];
    printf("posterior mean (true values): a = %.3f (0.5), b = %.3f (-1.25), c = %.3f (2.0)\n",
           mean[0], mean[1], mean[2]);
    /* The prior is a poor proposal for 50 precise points: few particles carry weight. */
    printf("effective sample size: %.1f of %d particles\n", 1 / total2, N_PARTICLES);
    printf("log marginal likelihood estimate: %.3f\n", max + log(total / N_PARTICLES));
    gen_scope_end();
    return 0;
fail:
    fprintf(stderr, "polynomial: %s\n", gen_error_message());
    gen_scope_end();
    return 1;
}
