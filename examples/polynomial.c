/* polynomial.c — Bayesian polynomial regression with GenC's dynamic DSL: a model in a
 * dozen lines, synthetic data, and importance sampling with the prior as proposal: one
 * particle at a time, then the same model code batched over many particles at once.
 *
 *   a, b, c ~ N(0, 1);   y_i ~ N(a + b x_i + c x_i^2, 0.05),   x: 50 points on [0, 1] */
#include <math.h>
#include <stdio.h>

#include "genc.h"

#define N_POINTS 50
#define N_PARTICLES 1000
#define N_BATCHED 100000

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

/* Self-normalized importance sampling summary: posterior means, effective sample size
 * and the log marginal likelihood estimate, from log weights and coefficient rows. */
static void summarize(const char *how, int n, const double *logw, const double *coef, int stride) {
    double max = -INFINITY, total = 0, total2 = 0, mean[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) max = fmax(max, logw[i]);
    for (int i = 0; i < n; i++) total += exp(logw[i] - max);
    for (int i = 0; i < n; i++) {
        double w = exp(logw[i] - max) / total;
        total2 += w * w;
        for (int k = 0; k < 3; k++) mean[k] += w * coef[i * stride + k];
    }
    printf("%s, %d particles:\n", how, n);
    printf("  posterior mean (true values): a = %.3f (0.5), b = %.3f (-1.25), c = %.3f (2.0)\n",
           mean[0], mean[1], mean[2]);
    /* The prior is a poor proposal for 50 precise points: few particles carry weight. */
    printf("  effective sample size: %.1f\n", 1 / total2);
    printf("  log marginal likelihood estimate: %.3f\n", max + log(total / n));
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

    summarize("one at a time", N_PARTICLES, logw, coef[0], 3);

    /* Batched: every choice is an array over the particles, weights are [N_BATCHED]. */
    gen_trace *bt = NULL;
    gen_array *bw = NULL;
    if (gen_generate_batched(model, gen_key_new(8), N_BATCHED, &args, data, &bt, &bw) != GEN_OK)
        goto fail;
    static double blogw[N_BATCHED], bcoef[N_BATCHED][3];
    gen_array_copy_to(bw, GEN_F64, blogw, sizeof blogw);
    const char *names[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        gen_addr addr = {1, {gen_part_name(names[k])}};
        const double *v = gen_array_data(gen_trace_value(bt, &addr)); /* [N_BATCHED] */
        for (int i = 0; i < N_BATCHED; i++) bcoef[i][k] = v[i];
    }
    summarize("batched", N_BATCHED, blogw, bcoef[0], 3);
    gen_scope_end();
    return 0;
fail:
    fprintf(stderr, "polynomial: %s\n", gen_error_message());
    gen_scope_end();
    return 1;
}
