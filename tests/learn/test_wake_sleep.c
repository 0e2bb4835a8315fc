/* test_wake_sleep.c — wake-sleep (genc/train.h). The sleep phase (gen_lecture,
 * gen_lecture_batched) against gradients derived by hand on the simulated trace, and
 * trained to convergence on a normal-normal model, where the best proposal is the exact
 * posterior (known in closed form): the parameters approach it and the importance
 * sampler's ESS with the trained proposal far exceeds the initial one's. The wake phase
 * (gen_wake) against the self-normalized gradient computed from the same importance
 * samples, and trained: the model's parameter approaches its maximum-likelihood value. */
#include <math.h>

#include "../testutil/check.h"
#include "genc/train.h"

static gen_addr ZA, YA;

#define OBS_SD 0.5

/* z ~ N(0, 1), y ~ N(z, OBS_SD) */
static gen_status nn_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *z = gen_choose(ctx, "z", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(z, gen_scalar(OBS_SD)));
    return gen_ctx_status(ctx);
}

/* q(z; y) = N(a y + b, exp(c)), a, b, c parameters */
static gen_status q_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *a = gen_param(ctx, "a"), *b = gen_param(ctx, "b"), *c = gen_param(ctx, "c");
    *retval = gen_choose(ctx, "z", gen_normal(gen_add(gen_mul(a, args->v[0]), b), gen_exp(c)));
    return gen_ctx_status(ctx);
}

static gen_status q_args(void *payload, const gen_trace *tr, gen_array **args, int *n) {
    (void)payload;
    args[0] = (gen_array *)gen_trace_value(tr, &YA);
    *n = 1;
    return args[0] ? GEN_OK : gen_error_status();
}

static void init_q(gen_params *s, double a, double b, double c) {
    gen_params_init(s, "a", gen_scalar(a));
    gen_params_init(s, "b", gen_scalar(b));
    gen_params_init(s, "c", gen_scalar(c));
}

static void test_lecture_by_hand(void) {
    gen_params *s = gen_params_new();
    init_q(s, 0.3, -0.2, 0.1);
    gen_gf *model = gen_dynamic("nn", nn_model), *q = gen_dynamic_params("q", q_body, s);
    gen_selection *lat = gen_select_paths(1, (const char *[]){"z"});
    gen_lecture_spec spec = {model, NULL, q, s, lat, q_args, NULL};
    double score = 0;
    gen_key key = gen_key_new(77), k[2];
    CHECK_OK(gen_lecture(&spec, key, 0.5, &score));
    /* the simulation gen_lecture made */
    gen_key_split(key, 2, k);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(model, k[0], NULL, &tr));
    double z = check_item(gen_trace_value(tr, &ZA)), y = check_item(gen_trace_value(tr, &YA));
    double sd = exp(0.1), r = z - (0.3 * y - 0.2);
    CHECK_CLOSE(score, -0.5 * log(2 * 3.14159265358979323846) - 0.1 - 0.5 * r * r / (sd * sd), 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "a")), 0.5 * r / (sd * sd) * y, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "b")), 0.5 * r / (sd * sd), 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "c")), 0.5 * (-1 + r * r / (sd * sd)), 1e-12);
    gen_params_zero_grads(s);

    /* batched: scale / n times the sum of the particles' gradients; the mean score */
    enum { N = 16 };
    CHECK_OK(gen_lecture_batched(&spec, key, N, 2.0, &score));
    CHECK_OK(gen_simulate_batched(model, k[0], N, NULL, &tr));
    double zs[N], ys[N], ga = 0, gb = 0, gc = 0, sc = 0;
    gen_array_copy_to(gen_trace_value(tr, &ZA), GEN_F64, zs, sizeof zs);
    gen_array_copy_to(gen_trace_value(tr, &YA), GEN_F64, ys, sizeof ys);
    for (int i = 0; i < N; i++) {
        double ri = zs[i] - (0.3 * ys[i] - 0.2);
        ga += ri / (sd * sd) * ys[i];
        gb += ri / (sd * sd);
        gc += -1 + ri * ri / (sd * sd);
        sc += -0.5 * log(2 * 3.14159265358979323846) - 0.1 - 0.5 * ri * ri / (sd * sd);
    }
    CHECK_CLOSE(score, sc / N, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "a")), 2.0 * ga / N, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "b")), 2.0 * gb / N, 1e-12);
    CHECK_CLOSE(check_item(gen_params_grad(s, "c")), 2.0 * gc / N, 1e-12);
    gen_params_zero_grads(s);

    /* errors: the store's gradients unchanged */
    gen_lecture_spec no_lat = spec;
    no_lat.latents = NULL; /* q does not make y */
    CHECK(gen_lecture(&no_lat, key, 1, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_lecture");
    CHECK(check_item(gen_params_grad(s, "a")) == 0);
    CHECK(gen_lecture_batched(&spec, key, 0, 1, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_lecture_batched: n must be >= 1, got 0");
    gen_lecture_spec no_q = spec;
    no_q.proposal = NULL;
    CHECK(gen_lecture(&no_q, key, 1, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_lecture: the proposal is NULL");
    CHECK(gen_lecture(&spec, key, NAN, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "scale must be finite");
    gen_params_free(s);
}

/* ESS / n of importance sampling of the model given y = yobs with q(.; yobs) */
static double ess_frac(gen_gf *model, gen_gf *q, double yobs, int64_t n, gen_key key) {
    gen_scope_begin();
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &YA, gen_scalar(yobs));
    gen_array *y = gen_scalar(yobs), *lw = NULL;
    gen_trace *tr = NULL;
    double ess = 0;
    CHECK_OK(gen_importance_sampling_batched(model, key, NULL, obs, q, &(gen_args){1, &y, NULL}, n, &tr, &lw, NULL));
    CHECK_OK(gen_ess_of_log_weights(lw, &ess));
    gen_scope_end();
    return ess / (double)n;
}

static void test_lecture_trains(void) {
    for (int batched = 0; batched < 2; batched++) {
        gen_params *s = gen_params_new();
        init_q(s, 0, 0, 0); /* q = the prior N(0, 1) */
        gen_gf *model = gen_dynamic("nn", nn_model), *q = gen_dynamic_params("q", q_body, s);
        gen_lecture_spec spec = {model, NULL, q, s, gen_select_paths(1, (const char *[]){"z"}), q_args, NULL};
        double ess0 = ess_frac(model, q, 2.0, 2000, gen_key_new(5));
        gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_ADAM, .step = 0.02});
        for (int it = 0; it < 600; it++) {
            gen_key k = gen_key_fold_in(gen_key_new(8), (uint64_t)it);
            if (batched)
                CHECK_OK(gen_lecture_batched(&spec, k, 64, 1.0, NULL));
            else
                for (int j = 0; j < 16; j++) CHECK_OK(gen_lecture(&spec, gen_key_fold_in(k, (uint64_t)j), 1.0 / 16, NULL));
            CHECK_OK(gen_params_apply(s, o));
        }
        /* the exact posterior: z | y ~ N(y / (1 + s^2), s / sqrt(1 + s^2)), s = OBS_SD */
        double a = check_item(gen_params_value(s, "a")), b = check_item(gen_params_value(s, "b")),
               c = check_item(gen_params_value(s, "c"));
        double a_true = 1 / (1 + OBS_SD * OBS_SD), c_true = log(OBS_SD / sqrt(1 + OBS_SD * OBS_SD));
        double ess1 = ess_frac(model, q, 2.0, 2000, gen_key_new(5));
        printf("  lecture (%s): a %.3f (%.3f), b %.3f (0), c %.3f (%.3f); ESS/n %.3f -> %.3f\n",
               batched ? "batched" : "scalar", a, a_true, b, c, c_true, ess0, ess1);
        /* the stochastic fixed point wanders within a few step sizes of the optimum */
        CHECK_NEAR(a, a_true, 0.1);
        CHECK_NEAR(b, 0, 0.1);
        CHECK_NEAR(c, c_true, 0.1);
        /* ESS/n is a ratio estimate with standard error well under 0.05 at n = 2000 for
         * these weights; the gain is many times that */
        CHECK(ess1 > 0.9);
        CHECK(ess1 > ess0 + 0.3);
        gen_optimizer_free(o);
        gen_params_free(s);
    }
}

/* z ~ N(mu, 1), y ~ N(z, 1), mu a parameter: p(y; mu) = N(mu, sqrt 2) */
static gen_status mu_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *z = gen_choose(ctx, "z", gen_normal(gen_param(ctx, "mu"), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(z, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_wake_by_hand(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "mu", gen_scalar(0.4));
    gen_gf *model = gen_dynamic_params("mu_model", mu_model, s);
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &YA, gen_scalar(2.5));
    enum { N = 50 };
    double lml = 0, lml2 = 0;
    CHECK_OK(gen_wake(model, gen_key_new(9), NULL, obs, s, NULL, NULL, N, 3.0, &lml));
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    CHECK_OK(gen_importance_sampling_batched(model, gen_key_new(9), NULL, obs, NULL, NULL, N, &tr, &lw, &lml2));
    double z[N], l[N], mx = -INFINITY, tot = 0, g = 0;
    gen_array_copy_to(gen_trace_value(tr, &ZA), GEN_F64, z, sizeof z);
    gen_array_copy_to(lw, GEN_F64, l, sizeof l);
    for (int i = 0; i < N; i++) mx = fmax(mx, l[i]);
    for (int i = 0; i < N; i++) tot += exp(l[i] - mx);
    for (int i = 0; i < N; i++) g += exp(l[i] - mx) / tot * (z[i] - 0.4);
    CHECK_CLOSE(check_item(gen_params_grad(s, "mu")), 3.0 * g, 1e-10);
    CHECK(lml == lml2);
    /* with a proposal: the same formula with the proposal's samples and weights */
    gen_params_zero_grads(s);
    gen_params *qs = gen_params_new();
    init_q(qs, 0.5, 0.2, log(sqrt(0.5)));
    gen_gf *q = gen_dynamic_params("q", q_body, qs);
    gen_array *y = gen_scalar(2.5);
    CHECK_OK(gen_wake(model, gen_key_new(10), NULL, obs, s, q, &(gen_args){1, &y, NULL}, N, 1.0, NULL));
    CHECK_OK(gen_importance_sampling_batched(model, gen_key_new(10), NULL, obs, q, &(gen_args){1, &y, NULL}, N, &tr,
                                             &lw, NULL));
    gen_array_copy_to(gen_trace_value(tr, &ZA), GEN_F64, z, sizeof z);
    gen_array_copy_to(lw, GEN_F64, l, sizeof l);
    mx = -INFINITY, tot = 0, g = 0;
    for (int i = 0; i < N; i++) mx = fmax(mx, l[i]);
    for (int i = 0; i < N; i++) tot += exp(l[i] - mx);
    for (int i = 0; i < N; i++) g += exp(l[i] - mx) / tot * (z[i] - 0.4);
    CHECK_CLOSE(check_item(gen_params_grad(s, "mu")), g, 1e-10);
    CHECK(check_item(gen_params_grad(qs, "a")) == 0); /* the proposal's store is not touched */
    /* errors leave the gradients as they were */
    CHECK(gen_wake(model, gen_key_new(9), NULL, obs, s, NULL, NULL, 0, 1, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_wake: n must be >= 1, got 0");
    CHECK(gen_wake(model, gen_key_new(9), NULL, NULL, s, NULL, NULL, 5, 1, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_wake: obs is NULL");
    gen_choicemap *bad = gen_choicemap_set(gen_choicemap_empty(), &ZA, gen_scalar(NAN));
    CHECK(gen_wake(model, gen_key_new(9), NULL, gen_choicemap_merge(obs, bad), s, NULL, NULL, 5, 1, NULL) != GEN_OK);
    CHECK(strstr(gen_error_message(), "gen_wake") != NULL);
    gen_error_clear();
    CHECK_CLOSE(check_item(gen_params_grad(s, "mu")), g, 1e-10);
    gen_params_free(qs);
    gen_params_free(s);
}

static void test_wake_trains(void) {
    gen_params *s = gen_params_new();
    gen_params_init(s, "mu", gen_scalar(-1.0));
    gen_gf *model = gen_dynamic_params("mu_model", mu_model, s);
    enum { M = 20 };
    /* the data: y_j ~ N(2, sqrt 2), fixed; the maximum-likelihood mu is their mean */
    double ys[M], ml = 0;
    gen_array *yd = gen_random_normal(gen_key_new(33), GEN_F64, GEN_DIMS(M));
    gen_array_copy_to(yd, GEN_F64, ys, sizeof ys);
    for (int j = 0; j < M; j++) ml += (ys[j] = 2 + sqrt(2) * ys[j]) / M;
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.5, .decay = 20});
    for (int it = 0; it < 200; it++) {
        gen_scope_begin();
        for (int j = 0; j < M; j++) {
            gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &YA, gen_scalar(ys[j]));
            CHECK_OK(gen_wake(model, gen_key_fold_in(gen_key_new(it), (uint64_t)j), NULL, obs, s, NULL, NULL, 100,
                              1.0 / M, NULL));
        }
        CHECK_OK(gen_params_apply(s, o));
        gen_scope_end();
    }
    double mu = check_item(gen_params_value(s, "mu"));
    printf("  wake: mu %.4f, maximum likelihood %.4f (from -1)\n", mu, ml);
    /* the exact gradient is (ml - mu) / 2; the estimate's noise over the last steps, with
     * steps ~0.05 and per-step sd ~0.03, leaves mu within a few hundredths */
    CHECK_NEAR(mu, ml, 0.05);
    gen_optimizer_free(o);
    gen_params_free(s);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    gen_addr_parse(&ZA, "z");
    gen_addr_parse(&YA, "y");
    RUN_ONLY(test_lecture_by_hand);
    RUN_ONLY(test_wake_by_hand);
    RUN_ONLY(test_lecture_trains);
    RUN_ONLY(test_wake_trains);
    return check_finish();
}
