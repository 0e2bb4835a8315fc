/* demo.c — GenC's foundation end to end: draw data with explicit random keys, build a
 * log-likelihood from array ops, and fit it by gradient ascent with gen_value_and_grad.
 *
 *   data  y_i ~ Normal(mu = 2.0, sigma = 1.5), i = 1..1000
 *   model log p(y | mu, log_sigma) = sum_i log Normal(y_i; mu, exp(log_sigma))
 *
 * The maximum-likelihood estimate has a closed form (the sample mean and standard
 * deviation), so the demo prints both and their difference. */
#include <math.h>
#include <stdio.h>

#include "genc.h"


/* The log-likelihood of params = [mu, log_sigma] given data y (the payload), through the
 * modeling library: Normal(mu, exp(log_sigma)).logpdf(y), summed. */
static gen_status loglik(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    gen_array *y = payload;
    gen_array *mu = gen_take(in[0], gen_scalar_i64(0), 0);
    gen_array *sigma = gen_exp(gen_take(in[0], gen_scalar_i64(1), 0));
    out[0] = gen_sum(gen_dist_logpdf(gen_normal(mu, sigma), y), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_status sum_sin_squared(void *payload, int n_in, gen_array *const *in, int n_out,
                                  gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_square(gen_sin(in[0])), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static int fail(const char *what) {
    fprintf(stderr, "demo: %s failed: %s: %s\n", what, gen_status_name(gen_error_status()),
            gen_error_message());
    return 1;
}

int main(void) {
    gen_scope_begin();
    gen_key key = gen_key_new(20261126);
    gen_key keys[2];
    if (gen_key_split(key, 2, keys) != GEN_OK) return fail("gen_key_split");

    /* Data: 1000 draws from Normal(2, 1.5). */
    gen_array *y = gen_dist_sample(gen_normal(gen_scalar(2.0), gen_scalar(1.5)), keys[0], GEN_DIMS(1000));
    if (!y) return fail("drawing the data");
    double mean, sd;
    gen_item(gen_mean(y, 0, NULL, false), &mean);
    gen_item(gen_sqrt(gen_mean(gen_square(gen_sub(y, gen_scalar(mean))), 0, NULL, false)), &sd);
    printf("GenC demo: fit Normal(mu, sigma) to 1000 draws from Normal(2, 1.5)\n");
    printf("  closed-form MLE:   mu = %.6f  sigma = %.6f\n", mean, sd);

    /* Start from a random point and climb the log-likelihood. */
    gen_array *params = gen_random_uniform(keys[1], GEN_F64, GEN_DIMS(2));
    gen_array *lr = gen_scalar(0.5 / 1000);
    gen_closure f = {loglik, y};
    double ll = 0;
    for (int step = 0; step <= 300; step++) {
        gen_scope_begin(); /* each step's temporaries die at its end */
        gen_array *value, *grad;
        if (gen_value_and_grad(f, 1, &params, &value, &grad) != GEN_OK) return fail("gradient");
        gen_item(value, &ll);
        gen_array *next = gen_scope_return(gen_add(params, gen_mul(lr, grad)));
        gen_scope_end();
        params = next;
        if (step % 100 == 0) {
            double p[2];
            gen_array_copy_to(params, GEN_F64, p, sizeof p);
            printf("  step %3d: log-likelihood %.4f  mu = %.6f  sigma = %.6f\n", step, ll, p[0],
                   exp(p[1]));
        }
    }
    double p[2];
    gen_array_copy_to(params, GEN_F64, p, sizeof p);
    printf("  gradient ascent:   mu = %.6f  sigma = %.6f  (|difference| %.1e, %.1e)\n", p[0],
           exp(p[1]), fabs(p[0] - mean), fabs(exp(p[1]) - sd));

    /* A derivative the reader can check: d/dx sum(sin(x)^2) = sin(2x). */
    gen_array *x = gen_linspace(0, 1, 4), *g;
    if (gen_grad((gen_closure){sum_sin_squared, NULL}, 1, &x, &g) != GEN_OK) return fail("gen_grad");
    char buf[256];
    gen_array_format(g, buf, sizeof buf);
    printf("  d/dx sum(sin(x)^2) at x = 0, 1/3, 2/3, 1: %s\n", buf);
    gen_array_format(gen_sin(gen_mul(gen_scalar(2.0), x)), buf, sizeof buf);
    printf("  sin(2x)                                : %s\n", buf);
    gen_scope_end();
    return fabs(p[0] - mean) < 1e-6 && fabs(exp(p[1]) - sd) < 1e-6 ? 0 : 1;
}
