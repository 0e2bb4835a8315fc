/* test_optim.c — the optimizers of genc/learn.h: one step from known gradients gives the
 * parameters computed by hand (SGD fixed and decaying, momentum, Adam, Stan's adaptive
 * sequence, clipping by value and by norm), state kept per name, dtypes and shapes kept,
 * and every error. */
#include <math.h>

#include "../testutil/check.h"

/* A caller-owned array (made outside any scope, as gen_optimizer_step wants). */
static gen_array *owned(int ndim, const int64_t *shape, const double *v) {
    gen_array *a = gen_array_retain(gen_array_from_f64(ndim, shape, v));
    return a;
}
static gen_array *owned_scalar(double v) { return gen_array_retain(gen_scalar(v)); }

static gen_optimizer *opt(gen_opt_config c) {
    gen_optimizer *o = gen_optimizer_new(&c);
    if (!o) check_fail(__FILE__, __LINE__, "gen_optimizer_new: %s", gen_error_message());
    return o;
}

/* One parameter "x" = value, stepped with gradient g: its new value. */
static double step1(gen_optimizer *o, const char *name, gen_array **x, double g) {
    const char *names[1] = {name};
    const gen_array *grads[1] = {gen_scalar(g)};
    CHECK_OK(gen_optimizer_step(o, 1, names, x, grads));
    return check_item(*x);
}

static void test_sgd_fixed(void) {
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.001});
    gen_array *x = owned_scalar(0);
    CHECK_CLOSE(step1(o, "x", &x, 1), 0.001, 1e-15);
    CHECK_CLOSE(step1(o, "x", &x, -3), 0.001 - 0.003, 1e-12);
    gen_array_release(x);
    gen_optimizer_free(o);
}

/* Gen.jl's DecayStepGradientDescent: a_t = step (decay + 1) / (decay + t). */
static void test_sgd_decay(void) {
    double step = 0.5, beta = 3;
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = step, .decay = beta});
    gen_array *x = owned_scalar(0);
    double want = 0;
    for (int t = 1; t <= 5; t++) {
        want += step * (beta + 1) / (beta + t) * 2.0;
        CHECK_CLOSE(step1(o, "x", &x, 2.0), want, 1e-14);
    }
    /* the values by hand: 0.5 * 4/4 * 2 = 1, then + 0.5 * 4/5 * 2 = 0.8, + 4/6, + 4/7, + 4/8 */
    CHECK_CLOSE(want, 1 + 0.8 + 4.0 / 6 + 4.0 / 7 + 0.5, 1e-14);
    gen_array_release(x);
    gen_optimizer_free(o);
}

/* v = mu v + a g; theta += v: with mu 0.9, step 0.1, gradients 1 then 2 from 0:
 * v1 = 0.1, theta = 0.1; v2 = 0.09 + 0.2 = 0.29, theta = 0.39. The default mu is 0.9. */
static void test_momentum(void) {
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_MOMENTUM, .step = 0.1});
    CHECK_CLOSE(gen_optimizer_config(o).momentum, 0.9, 0);
    gen_array *x = owned_scalar(0);
    CHECK_CLOSE(step1(o, "x", &x, 1), 0.1, 1e-15);
    CHECK_CLOSE(step1(o, "x", &x, 2), 0.39, 1e-14);
    gen_array_release(x);
    gen_optimizer_free(o);
    /* with decay: a_1 = 0.1, a_2 = 0.1 * 2 / 3: v2 = 0.5 * 0.1 + 0.2/3 * 2 */
    o = opt((gen_opt_config){.kind = GEN_OPT_MOMENTUM, .step = 0.1, .momentum = 0.5, .decay = 1});
    x = owned_scalar(0);
    CHECK_CLOSE(step1(o, "x", &x, 1), 0.1, 1e-15);
    CHECK_CLOSE(step1(o, "x", &x, 2), 0.1 + 0.05 + 0.4 / 3, 1e-14);
    gen_array_release(x);
    gen_optimizer_free(o);
}

/* Adam: step 1 moves by step g / (|g| + eps) = step sign(g) up to eps; step 2 by hand:
 * m = 0.9 m1 + 0.1 g2, s = 0.999 s1 + 0.001 g2^2, m^ = m / (1 - 0.81), s^ = s / (1 - 0.999^2). */
static void test_adam(void) {
    double lr = 0.01, eps = 1e-8;
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_ADAM, .step = lr});
    gen_opt_config c = gen_optimizer_config(o);
    CHECK(c.beta1 == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8);
    gen_array *x = owned_scalar(0);
    double x1 = step1(o, "x", &x, -4);
    CHECK_CLOSE(x1, -lr * 4 / (4 + eps), 1e-14);
    CHECK_CLOSE(x1, -lr, 1e-8);
    double m1 = 0.1 * -4, s1 = 0.001 * 16;
    double m2 = 0.9 * m1 + 0.1 * 1, s2 = 0.999 * s1 + 0.001 * 1;
    double want = x1 + lr * (m2 / (1 - 0.81)) / (sqrt(s2 / (1 - 0.999 * 0.999)) + eps);
    CHECK_CLOSE(step1(o, "x", &x, 1), want, 1e-13);
    gen_array_release(x);
    gen_optimizer_free(o);
}

/* Stan's sequence: s = g^2 at t = 1, then 0.9 s + 0.1 g^2; theta += eta t^-1/2 g / (1 + sqrt s). */
static void test_adaptive(void) {
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_ADAPTIVE, .step = 0.5});
    gen_array *x = owned_scalar(1);
    double want = 1 + 0.5 * 3 / (1 + 3);
    CHECK_CLOSE(step1(o, "x", &x, 3), want, 1e-14);
    double s = 0.9 * 9 + 0.1 * 1;
    want += 0.5 / sqrt(2.0) * -1 / (1 + sqrt(s));
    CHECK_CLOSE(step1(o, "x", &x, -1), want, 1e-14);
    gen_array_release(x);
    gen_optimizer_free(o);
}

/* Clipping: by value, each component clamped; by norm, the joint norm of every gradient
 * of the step scaled to clip_norm; both: value first. */
static void test_clipping(void) {
    const char *names[2] = {"a", "b"};
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .clip_value = 0.5});
    gen_array *v[2] = {owned(1, (int64_t[]){3}, (double[]){0, 0, 0}), owned_scalar(0)};
    const gen_array *g[2] = {gen_array_from_f64(1, (int64_t[]){3}, (double[]){2, -0.25, -7}), gen_scalar(0.1)};
    CHECK_OK(gen_optimizer_step(o, 2, names, v, g));
    CHECK_ARRAY(v[0], ((double[]){0.5, -0.25, -0.5}), 3, 0, 1e-15);
    CHECK_CLOSE(check_item(v[1]), 0.1, 1e-15);
    gen_optimizer_free(o);
    /* by norm: gradients (3, 0, 0) and 4 have norm 5, scaled to 1 */
    o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .clip_norm = 1});
    const gen_array *g2[2] = {gen_array_from_f64(1, (int64_t[]){3}, (double[]){3, 0, 0}), gen_scalar(4)};
    CHECK_OK(gen_optimizer_step(o, 2, names, v, g2));
    CHECK_ARRAY(v[0], ((double[]){0.5 + 0.6, -0.25, -0.5}), 3, 0, 1e-15);
    CHECK_CLOSE(check_item(v[1]), 0.1 + 0.8, 1e-14);
    /* a norm under the bound is left alone */
    const gen_array *g3[2] = {gen_array_from_f64(1, (int64_t[]){3}, (double[]){0.3, 0, 0}), gen_scalar(0.4)};
    CHECK_OK(gen_optimizer_step(o, 2, names, v, g3));
    CHECK_CLOSE(check_item(v[1]), 0.9 + 0.4, 1e-14);
    gen_optimizer_free(o);
    /* both: (2, -7) clamped to (1, -1), norm sqrt 2 scaled to 0.5 */
    o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .clip_value = 1, .clip_norm = 0.5});
    gen_array *w = owned(1, (int64_t[]){2}, (double[]){0, 0});
    const char *nw[1] = {"w"};
    const gen_array *gw[1] = {gen_array_from_f64(1, (int64_t[]){2}, (double[]){2, -7})};
    CHECK_OK(gen_optimizer_step(o, 1, nw, &w, gw));
    CHECK_ARRAY(w, ((double[]){0.5 / sqrt(2.0), -0.5 / sqrt(2.0)}), 2, 1e-14, 0);
    gen_optimizer_free(o);
    gen_array_release(w);
    gen_array_release(v[0]);
    gen_array_release(v[1]);
}

/* Each name has its own state and step count; shapes, f32 and reset. */
static void test_state_per_name(void) {
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.1});
    gen_array *a = owned_scalar(0), *b = owned_scalar(0);
    step1(o, "a", &a, 1);
    step1(o, "a", &a, 1);
    /* b's first step is a first step whatever a did: 0.1 * sign */
    CHECK_CLOSE(step1(o, "b", &b, -2), -0.1 * 2 / (2 + 1e-8), 1e-14);
    /* many names: the table grows and keeps every state */
    char buf[40][16];
    gen_array *many[40];
    const gen_array *gm[40];
    const char *nm[40];
    for (int i = 0; i < 40; i++) {
        snprintf(buf[i], sizeof buf[i], "p%d", i);
        nm[i] = buf[i];
        many[i] = owned_scalar(i);
        gm[i] = gen_scalar(1);
    }
    CHECK_OK(gen_optimizer_step(o, 40, nm, many, gm));
    CHECK_OK(gen_optimizer_step(o, 40, nm, many, gm));
    for (int i = 0; i < 40; i++) { /* two steps of a constant gradient: 2 * 0.1 (up to eps) */
        CHECK_CLOSE(check_item(many[i]), i + 0.2, 1e-7);
        gen_array_release(many[i]);
    }
    gen_optimizer_reset(o);
    double a0 = check_item(a); /* after a reset, a first step again: 0.1 sign(g) */
    CHECK_CLOSE(step1(o, "a", &a, 5) - a0, 0.1 * 5 / (5 + 1e-8), 1e-12);
    gen_array_release(a);
    gen_array_release(b);
    gen_optimizer_free(o);
    /* f32 values keep their dtype and shape */
    o = opt((gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.5});
    gen_array *f = gen_array_retain(gen_cast(gen_array_from_f64(2, (int64_t[]){1, 2}, (double[]){1, 2}), GEN_F32));
    const char *nf[1] = {"f"};
    const gen_array *gf[1] = {gen_array_from_f64(2, (int64_t[]){1, 2}, (double[]){2, 4})};
    CHECK_OK(gen_optimizer_step(o, 1, nf, &f, gf));
    CHECK(gen_array_dtype(f) == GEN_F32);
    CHECK_SHAPE(f, 1, 2);
    CHECK_ARRAY(f, ((double[]){2, 4}), 2, 0, 0);
    gen_array_release(f);
    gen_optimizer_free(o);
}

static void bad_config(gen_opt_config c, const char *msg) {
    CHECK(gen_optimizer_new(&c) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, msg);
}

static void test_config_errors(void) {
    bad_config((gen_opt_config){.kind = 7, .step = 1}, "unknown kind 7");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD}, "step must be finite and > 0, got 0");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = NAN}, "step must be");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = INFINITY}, "step must be");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .decay = -1}, "decay must be");
    bad_config((gen_opt_config){.kind = GEN_OPT_ADAM, .step = 1, .decay = 1}, "decay is for GEN_OPT_SGD and GEN_OPT_MOMENTUM, not GEN_OPT_ADAM");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .momentum = 0.5}, "momentum is for GEN_OPT_MOMENTUM");
    bad_config((gen_opt_config){.kind = GEN_OPT_MOMENTUM, .step = 1, .momentum = 1}, "momentum must be in [0, 1)");
    bad_config((gen_opt_config){.kind = GEN_OPT_MOMENTUM, .step = 1, .beta1 = 0.5}, "beta1 is for GEN_OPT_ADAM");
    bad_config((gen_opt_config){.kind = GEN_OPT_ADAM, .step = 1, .beta1 = 1}, "beta1 must be in [0, 1)");
    bad_config((gen_opt_config){.kind = GEN_OPT_ADAM, .step = 1, .beta2 = -0.1}, "beta2 must be in [0, 1)");
    bad_config((gen_opt_config){.kind = GEN_OPT_ADAM, .step = 1, .eps = -1}, "eps must be");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .clip_norm = -1}, "clip_norm must be >= 0");
    bad_config((gen_opt_config){.kind = GEN_OPT_SGD, .step = 1, .clip_value = NAN}, "clip_value must be >= 0");
    CHECK(gen_optimizer_new(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_optimizer_new: the config is NULL");
}

/* A failed step changes nothing: neither the values nor the state. */
static void test_step_errors(void) {
    gen_optimizer *o = opt((gen_opt_config){.kind = GEN_OPT_MOMENTUM, .step = 1});
    gen_array *v[2] = {owned(1, (int64_t[]){2}, (double[]){0, 0}), owned_scalar(0)};
    gen_array *v0 = v[0], *v1 = v[1];
    const char *names[2] = {"w", "b"};
    const gen_array *g[2] = {gen_array_from_f64(1, (int64_t[]){2}, (double[]){1, NAN}), gen_scalar(1)};
    CHECK(gen_optimizer_step(o, 2, names, v, g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_optimizer_step: w: the gradient is not finite (nan at element 1)");
    CHECK(v[0] == v0 && v[1] == v1);
    g[0] = gen_array_from_f64(1, (int64_t[]){2}, (double[]){1, -INFINITY});
    CHECK_ERROR(gen_optimizer_step(o, 2, names, v, g), "w: the gradient is not finite (-inf at element 1)");
    g[0] = gen_array_from_f64(2, (int64_t[]){1, 2}, (double[]){1, 1});
    CHECK_ERROR(gen_optimizer_step(o, 2, names, v, g), "gen_optimizer_step: w: the gradient is f64[1,2], the value f64[2]");
    g[0] = gen_scalar_i64(1);
    CHECK_ERROR(gen_optimizer_step(o, 2, names, v, g), "w: the gradient is i64, not f64 or f32");
    g[0] = gen_tuple(0, NULL);
    CHECK_ERROR(gen_optimizer_step(o, 2, names, v, g), "w: the gradient is a tuple");
    g[0] = gen_array_from_f64(1, (int64_t[]){2}, (double[]){1, 1});
    const char *dup[2] = {"w", "w"};
    CHECK_ERROR(gen_optimizer_step(o, 2, dup, v, g), "the parameter w is given twice (0 and 1)");
    CHECK_ERROR(gen_optimizer_step(o, -1, names, v, g), "n must be >= 0");
    const char *nul[2] = {"w", NULL};
    CHECK_ERROR(gen_optimizer_step(o, 2, nul, v, g), "names[1] is NULL");
    CHECK(v[0] == v0 && v[1] == v1);
    /* nothing stepped so far: the first good step is a first step (v = a g) */
    CHECK_OK(gen_optimizer_step(o, 2, names, v, g));
    CHECK_ARRAY(v[0], ((double[]){1, 1}), 2, 0, 0);
    /* a parameter whose size changed */
    gen_array *w3 = owned(1, (int64_t[]){3}, (double[]){0, 0, 0});
    const gen_array *g3[1] = {gen_array_from_f64(1, (int64_t[]){3}, (double[]){1, 1, 1})};
    CHECK_ERROR(gen_optimizer_step(o, 1, names, &w3, g3), "gen_optimizer_step: w has 3 elements, 2 at its earlier steps");
    CHECK_OK(gen_optimizer_step(o, 0, NULL, NULL, NULL)); /* nothing to do */
    gen_array_release(w3);
    gen_array_release(v[0]);
    gen_array_release(v[1]);
    gen_optimizer_free(o);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_sgd_fixed);
    RUN_ONLY(test_sgd_decay);
    RUN_ONLY(test_momentum);
    RUN_ONLY(test_adam);
    RUN_ONLY(test_adaptive);
    RUN_ONLY(test_clipping);
    RUN_ONLY(test_state_per_name);
    RUN_ONLY(test_config_errors);
    RUN_ONLY(test_step_errors);
    return check_finish();
}
