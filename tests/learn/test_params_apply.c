/* test_params_apply.c — gen_params_apply: one optimizer step over a store from known
 * gradients (SGD: step 0.001 from 0 with gradient 1 gives 0.001; Adam's first step is
 * step * g / (|g| + eps)), gradients zeroed after, per-parameter state kept by name, f32
 * parameters, and all-or-nothing failures (a NaN gradient, a busy store). */
#include <math.h>

#include "../testutil/check.h"
#include "genc/train.h"

static void test_sgd(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "w", gen_zeros(GEN_F64, GEN_DIMS(2, 3)));
    gen_params_init(s, "b", gen_zeros(GEN_F64, GEN_DIMS(3)));
    gen_params_set_grad(s, "w", gen_ones(GEN_F64, GEN_DIMS(2, 3)));
    gen_params_set_grad(s, "b", gen_array_from_f64(GEN_DIMS(3), (double[]){1, -2, 0.5}));
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.001});
    CHECK_OK(gen_params_apply(s, o));
    double w1[6] = {0.001, 0.001, 0.001, 0.001, 0.001, 0.001};
    CHECK_ARRAY(gen_params_value(s, "w"), w1, 6, 1e-15, 0);
    CHECK_ARRAY(gen_params_value(s, "b"), ((double[]){0.001, -0.002, 0.0005}), 3, 1e-15, 0);
    CHECK_ARRAY(gen_params_grad(s, "w"), ((double[]){0, 0, 0, 0, 0, 0}), 6, 0, 0);
    CHECK_ARRAY(gen_params_grad(s, "b"), ((double[]){0, 0, 0}), 3, 0, 0);
    /* zero gradients: a step changes nothing */
    CHECK_OK(gen_params_apply(s, o));
    CHECK_ARRAY(gen_params_value(s, "w"), w1, 6, 1e-15, 0);
    /* an empty store is nothing to do */
    gen_params *e = gen_params_new();
    CHECK_OK(gen_params_apply(e, o));
    gen_params_free(e);
    gen_optimizer_free(o);
    gen_params_free(s);
}

static void test_adam(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "a", gen_array_from_f64(GEN_DIMS(3), (double[]){1, 2, 3}));
    gen_params_init(s, "c", gen_scalar_f32(0.5f));
    double g[3] = {0.3, -40, 1e-3};
    gen_params_set_grad(s, "a", gen_array_from_f64(GEN_DIMS(3), g));
    gen_params_set_grad(s, "c", gen_scalar_f32(-2.0f));
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.1});
    CHECK_OK(gen_params_apply(s, o));
    double want[3];
    for (int i = 0; i < 3; i++) want[i] = (i + 1) + 0.1 * g[i] / (fabs(g[i]) + 1e-8);
    CHECK_ARRAY(gen_params_value(s, "a"), want, 3, 1e-12, 0);
    CHECK(gen_array_dtype(gen_params_value(s, "c")) == GEN_F32);
    CHECK_CLOSE(check_item(gen_params_value(s, "c")), (double)(float)(0.5 - 0.1), 1e-6);
    /* second step with the same gradient: Adam's bias-corrected moments are again g and
     * g^2, so the step is the same; the state is per name */
    gen_params_set_grad(s, "a", gen_array_from_f64(GEN_DIMS(3), g));
    CHECK_OK(gen_params_apply(s, o));
    for (int i = 0; i < 3; i++) want[i] += 0.1 * g[i] / (fabs(g[i]) + 1e-8);
    CHECK_ARRAY(gen_params_value(s, "a"), want, 3, 1e-12, 0);
    gen_optimizer_free(o);
    gen_params_free(s);
}

/* a failing step changes nothing: values, gradients, optimizer state */
static void test_all_or_nothing(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "a", gen_scalar(1));
    gen_params_init(s, "b", gen_scalar(2));
    gen_params_set_grad(s, "a", gen_scalar(0.5));
    gen_params_set_grad(s, "b", gen_scalar(NAN));
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.1});
    CHECK(gen_params_apply(s, o) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "b: the gradient is not finite");
    CHECK(check_item(gen_params_value(s, "a")) == 1 && check_item(gen_params_value(s, "b")) == 2);
    CHECK(check_item(gen_params_grad(s, "a")) == 0.5 && isnan(check_item(gen_params_grad(s, "b"))));
    /* the optimizer's state did not move: the next step is a first step */
    gen_params_set_grad(s, "b", gen_scalar(-3));
    CHECK_OK(gen_params_apply(s, o));
    CHECK_CLOSE(check_item(gen_params_value(s, "a")), 1 + 0.1 * 0.5 / (0.5 + 1e-8), 1e-12);
    CHECK_CLOSE(check_item(gen_params_value(s, "b")), 2 - 0.1 * 3 / (3 + 1e-8), 1e-12);
    gen_optimizer_free(o);
    gen_params_free(s);
}

/* applying while the store is busy in gen_params_value_and_grad is refused, unchanged */
typedef struct busy {
    gen_params *s;
    gen_optimizer *o;
    gen_status got;
} busy;

static gen_status busy_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    busy *b = payload;
    b->got = gen_params_apply(b->s, b->o);
    out[0] = gen_mul(in[0], in[0]);
    return GEN_OK;
}

static void test_busy(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "a", gen_scalar(1));
    gen_params_set_grad(s, "a", gen_scalar(4));
    /* decaying steps: step_t = 0.5 * 2 / (1 + t), so a step counted by mistake shows */
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.5, .decay = 1});
    busy b = {s, o, GEN_OK};
    gen_array *x = gen_scalar(3);
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){busy_fn, &b}, 1, &x, 1, NULL, NULL));
    CHECK(b.got == GEN_ERR_MISUSE);
    CHECK(check_item(gen_params_value(s, "a")) == 1 && check_item(gen_params_grad(s, "a")) == 4);
    /* the optimizer did not count a step: this is its first (0.5 * 4), not 0.5 * 2/3 * 4 */
    CHECK_OK(gen_params_apply(s, o));
    CHECK(check_item(gen_params_value(s, "a")) == 3);
    gen_error_clear();
    CHECK(gen_params_apply(NULL, o) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_params_apply: the store is NULL");
    CHECK(gen_params_apply(s, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_params_apply: the optimizer is NULL");
    gen_optimizer_free(o);
    gen_params_free(s);
}

/* decaying SGD counts one step per apply for every parameter */
static void test_decay(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "a", gen_scalar(0));
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.1, .decay = 4});
    double want = 0;
    for (int t = 1; t <= 3; t++) {
        gen_params_set_grad(s, "a", gen_scalar(1));
        CHECK_OK(gen_params_apply(s, o));
        want += 0.1 * (4 + 1) / (4.0 + t);
    }
    CHECK_CLOSE(check_item(gen_params_value(s, "a")), want, 1e-14);
    gen_optimizer_free(o);
    gen_params_free(s);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_sgd);
    RUN_ONLY(test_adam);
    RUN_ONLY(test_all_or_nothing);
    RUN_ONLY(test_busy);
    RUN_ONLY(test_decay);
    return check_finish();
}
