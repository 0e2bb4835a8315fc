/* test_polynomial_model.c — the model of examples/polynomial.c: generate's weight with
 * the y's constrained equals the Gaussian log likelihood computed independently. */
#include <math.h>

#include "../testutil/check.h"

#define N 50

static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior);
    gen_array *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

static double value_of(const gen_trace *tr, const char *name) {
    gen_addr addr = {1, {gen_part_name(name)}};
    return check_item(gen_trace_value(tr, &addr));
}

static void test_weight(void) {
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    double xs[N], ys[N];
    for (int i = 0; i < N; i++) {
        xs[i] = i / (double)(N - 1);
        ys[i] = 0.5 - 1.25 * xs[i] + 2.0 * xs[i] * xs[i] + 0.05 * sin(7.0 * i); /* any data */
    }
    gen_array *x = gen_array_from_f64(GEN_DIMS(N), xs);
    gen_args args = {1, &x, NULL};
    gen_addr y_addr = {1, {gen_part_name("y")}};
    gen_choicemap *data = gen_choicemap_set(gen_choicemap_empty(), &y_addr,
                                            gen_array_from_f64(GEN_DIMS(N), ys));
    for (uint64_t seed = 1; seed <= 5; seed++) {
        gen_trace *tr = NULL;
        gen_array *w = NULL;
        CHECK_OK(gen_generate(f, gen_key_new(seed), &args, data, &tr, &w));
        double a = value_of(tr, "a"), b = value_of(tr, "b"), c = value_of(tr, "c");
        double want = 0, sigma = 0.05;
        for (int i = 0; i < N; i++) {
            double z = (ys[i] - (a + b * xs[i] + c * xs[i] * xs[i])) / sigma;
            want += -0.5 * z * z - log(sigma) - 0.91893853320467274178;
        }
        CHECK_CLOSE(check_item(w), want, 1e-11);
        double prior = -0.5 * (a * a + b * b + c * c) - 3 * 0.91893853320467274178;
        CHECK_CLOSE(check_item(gen_trace_score(tr)), want + prior, 1e-11);
        CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 4);
    }
}

int main(void) {
    RUN(test_weight);
    return check_finish();
}
