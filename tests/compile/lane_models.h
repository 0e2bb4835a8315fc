/* lane_models.h — models run through the lane target on a device (compiled batched
 * generate, importance sampling, errors, many chains of a target), each compared with
 * the eager path on the host: what test_emit_cuda.c runs on a stand-in device and
 * tests/cuda/test_cuda_compiled.c on the GPU. The including test defines lane_dev (the
 * device), lane_draw_rtol (how far a draw may be from the CPU's: 0 where the math
 * library is the host's, an ulp or so on a GPU for the families whose sampler calls exp
 * or log) and lane_math_rtol (the same for the compiled code's values against the C
 * target's), before including this. */
#ifndef GENC_TEST_LANE_MODELS_H
#define GENC_TEST_LANE_MODELS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "genc.h"

/* ---- models: batched generate ---- */

static int64_t runs; /* body runs of the models below */

#define NX 6

/* a, b ~ N(0, 1); s ~ half-normal(1); y[NX] ~ N(a + b x, 0.3 + s) observed; a factor on
 * s; returns a * b (test_generate_graph.c's line model). */
static gen_status line_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *s = gen_choose(ctx, "s", gen_half_normal(gen_scalar(1)));
    gen_array *mu = gen_add(a, gen_mul(b, args->v[0]));
    gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_add(s, gen_scalar(0.3))));
    gen_factor(ctx, gen_mul(gen_scalar(-0.5), gen_square(s)));
    *retval = gen_mul(a, b);
    return gen_ctx_status(ctx);
}

/* The benchmark's polynomial regression: c_k ~ N(0, 1), k < 4; y[50] ~ N(sum_k c_k x^k,
 * 1) observed. */
static gen_status poly_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *x = args->v[0], *mu = NULL, *xk = NULL;
    for (int k = 0; k < 4; k++) {
        char name[8];
        snprintf(name, sizeof name, "c%d", k);
        gen_array *c = gen_choose(ctx, name, prior);
        gen_array *term = k == 0 ? c : gen_mul(c, xk);
        mu = k == 0 ? term : gen_add(mu, term);
        xk = k == 0 ? x : gen_mul(xk, x);
    }
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* Draws of the other families with a sampler on the device: m ~ N(0, 2); z ~ N(m, 1)
 * (batched parameters); w ~ lognormal(0, 0.5); r ~ exponential(2); u ~ uniform(-1, 1);
 * k ~ bernoulli(0.3); o ~ N(z + u + k, w + r) observed; returns z. */
static gen_status mixed_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *z = gen_choose(ctx, "z", gen_normal(m, gen_scalar(1)));
    gen_array *w = gen_choose(ctx, "w", gen_lognormal(gen_scalar(0), gen_scalar(0.5)));
    gen_array *r = gen_choose(ctx, "r", gen_exponential(gen_scalar(2)));
    gen_array *u = gen_choose(ctx, "u", gen_uniform(gen_scalar(-1), gen_scalar(1)));
    gen_array *k = gen_cast(gen_choose(ctx, "k", gen_bernoulli(gen_scalar(0.3))), GEN_F64);
    gen_choose(ctx, "o", gen_normal(gen_add(gen_add(z, u), k), gen_add(w, r)));
    *retval = z;
    return gen_ctx_status(ctx);
}

/* The random layer's samplers: g ~ gamma(2, 0.5); c ~ chi2(3); b ~ beta(0.5, 2) (drawn
 * through logarithms); p ~ Poisson(3 + g) (inversion) and q ~ Poisson(15) (rejection);
 * n ~ binomial(20, 0.3); o ~ N(g + c + b + 0.1 p + 0.05 q + 0.01 n, 1) observed. */
static gen_status samplers_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    runs++;
    gen_array *g = gen_choose(ctx, "g", gen_gamma(gen_scalar(2), gen_scalar(0.5)));
    gen_array *c = gen_choose(ctx, "c", gen_chi2(gen_scalar(3)));
    gen_array *b = gen_choose(ctx, "b", gen_beta(gen_scalar(0.5), gen_scalar(2)));
    gen_array *p = gen_cast(gen_choose(ctx, "p", gen_poisson(gen_add(g, gen_scalar(3)))), GEN_F64);
    gen_array *q = gen_cast(gen_choose(ctx, "q", gen_poisson(gen_scalar(15))), GEN_F64);
    gen_array *n = gen_cast(gen_choose(ctx, "n", gen_binomial(gen_scalar_i64(20), gen_scalar(0.3))), GEN_F64);
    gen_array *m = gen_add(gen_add(gen_add(g, c), b), gen_mul(gen_scalar(0.1), p));
    m = gen_add(gen_add(m, gen_mul(gen_scalar(0.05), q)), gen_mul(gen_scalar(0.01), n));
    *retval = gen_choose(ctx, "o", gen_normal(m, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_addr addr1(const char *n) { return (gen_addr){1, {gen_part_name(n)}}; }

/* x equals y (either may be on the device): shape, dtype, particle-axis mark, and each
 * element to rtol (0: bit for bit). */
static void same_values(const gen_array *x, const gen_array *yd, double rtol, const char *what) {
    check_count++;
    gen_array *xh = x ? gen_array_to_host(x) : NULL, *y = yd ? gen_array_to_host(yd) : NULL;
    if (!xh || !y) {
        check_fail(__FILE__, __LINE__, "%s: missing", what);
        return;
    }
    if (gen_array_ndim(xh) != gen_array_ndim(y) || gen_array_size(xh) != gen_array_size(y) ||
        gen_array_dtype(xh) != gen_array_dtype(y) || gen_array_is_batched(xh) != gen_array_is_batched(y)) {
        check_fail(__FILE__, __LINE__, "%s: shapes, dtypes or marks differ", what);
        return;
    }
    gen_array *xf = gen_cast(xh, GEN_F64), *yf = gen_cast(y, GEN_F64);
    const double *a = gen_array_data(xf), *b = gen_array_data(yf);
    for (int64_t i = 0; i < gen_array_size(y); i++) {
        bool ok = rtol == 0 ? !memcmp(&a[i], &b[i], sizeof a[i])
                            : (a[i] == b[i] || fabs(a[i] - b[i]) <= rtol * fmax(fabs(a[i]), fabs(b[i])));
        if (!ok) {
            check_fail(__FILE__, __LINE__, "%s: element %lld: %.17g vs %.17g", what, (long long)i, a[i], b[i]);
            return;
        }
    }
}

/* Batched generate of f at n particles with the stand-in device as the default device
 * (args and obs there: compiled from the second call, the body not running from the
 * third) and on the host with compilation off (hargs, hobs: the same values on the
 * host): the same draws (bit for bit), scores, return value and weights. */
static void compare_on_device_to(gen_gf *f, const gen_args *args, const gen_choicemap *obs, const gen_args *hargs,
                                 const gen_choicemap *hobs, int64_t n, double rtol) {
    for (uint64_t seed = 1; seed <= 4; seed++) {
        gen_scope_begin();
        gen_trace *t1 = NULL, *t2 = NULL;
        gen_array *w1 = NULL, *w2 = NULL;
        gen_device_set_default(lane_dev);
        CHECK_OK(gen_batch_begin(n));
        int64_t before = runs;
        CHECK_OK(gen_generate(f, gen_key_new(seed), args, obs, &t1, &w1));
        bool body_ran = runs != before;
        gen_batch_end();
        gen_device_set_default(GEN_DEVICE_CPU);
        gen_set_compile(false);
        CHECK_OK(gen_batch_begin(n));
        CHECK_OK(gen_generate(f, gen_key_new(seed), hargs, hobs, &t2, &w2));
        gen_batch_end();
        gen_set_compile(true);
        if (seed >= 3) {
            CHECK(!body_ran); /* the lane program ran */
            CHECK(w1 && gen_array_device(w1) == lane_dev);
        }
        if (t1 && t2) {
            same_values(w1, w2, rtol, "the weight");
            same_values(gen_trace_score(t1), gen_trace_score(t2), rtol, "the score");
            if (gen_trace_retval(t2)) same_values(gen_trace_retval(t1), gen_trace_retval(t2), rtol, "the return value");
            gen_choicemap_iter it;
            gen_choicemap_iter_init(&it, gen_trace_choices(t2));
            while (gen_choicemap_iter_next(&it)) {
                char name[64];
                gen_addr_format(&it.addr, name, sizeof name);
                same_values(gen_trace_value(t1, &it.addr), it.value, lane_draw_rtol, name);
            }
        }
        gen_scope_end();
    }
}

/* The same for f64 models: scores and weights to 1e-12. */
static void compare_on_device(gen_gf *f, const gen_args *args, const gen_choicemap *obs, const gen_args *hargs,
                              const gen_choicemap *hobs, int64_t n) {
    compare_on_device_to(f, args, obs, hargs, hobs, n, 1e-12);
}

/* The polynomial model in x's dtype (f32 data: f32 priors and noise too, as the
 * benchmark's f32 runs). */
static gen_status poly_dt_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_array *x = args->v[0];
    gen_dtype dt = gen_array_dtype(x);
    gen_array *zero = gen_cast(gen_scalar(0), dt), *one = gen_cast(gen_scalar(1), dt);
    gen_dist *prior = gen_normal(zero, one);
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior), *c = gen_choose(ctx, "c", prior);
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_cast(gen_scalar(0.05), dt)));
    return gen_ctx_status(ctx);
}

static gen_choicemap *line_obs(void) {
    double y[NX] = {0.3, -0.2, 1.1, 0.8, 2.0, 1.4};
    gen_addr ya = addr1("y");
    return gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(NX), y));
}

/* obs: name = v. */
static gen_choicemap *obs1(const char *name, gen_array *v) {
    gen_addr a = addr1(name);
    return gen_choicemap_set(gen_choicemap_empty(), &a, v);
}

static void test_models(void) {
    gen_gf *line = gen_dynamic("line", line_model), *poly = gen_dynamic("poly", poly_model);
    gen_gf *mixed = gen_dynamic("mixed", mixed_model), *samplers = gen_dynamic("samplers", samplers_model);
    gen_array *x = gen_linspace(-1, 2, NX); /* small: it travels to the device with each op */
    gen_args args = {1, &x, NULL};
    compare_on_device(line, &args, line_obs(), &args, line_obs(), 37);
    compare_on_device(line, &args, gen_choicemap_empty(), &args, gen_choicemap_empty(), 5); /* simulate */
    gen_array *xs = gen_linspace(-1, 1, 50), *ys = gen_sin(gen_mul(xs, gen_scalar(2)));
    gen_array *dxs = gen_array_to_device(xs, lane_dev), *dys = gen_array_to_device(ys, lane_dev);
    gen_args pargs = {1, &dxs, NULL}, hpargs = {1, &xs, NULL};
    compare_on_device(poly, &pargs, obs1("y", dys), &hpargs, obs1("y", ys), 1000);
    compare_on_device(mixed, NULL, obs1("o", gen_scalar(0.7)), NULL, obs1("o", gen_scalar(0.7)), 64);
    compare_on_device(samplers, NULL, obs1("o", gen_scalar(4.5)), NULL, obs1("o", gen_scalar(4.5)), 200);
    /* a per-particle observation [n] */
    gen_array *ov = gen_batched(gen_linspace(-1, 1, 16));
    compare_on_device(mixed, NULL, obs1("o", gen_array_to_device(ov, lane_dev)), NULL, obs1("o", ov), 16);
    /* over 8192 particles: captured at two small counts and re-sized */
    compare_on_device(poly, &pargs, obs1("y", dys), &hpargs, obs1("y", ys), 9001);
    /* f32 throughout: the draws as the CPU's, the log densities to a few f32 ulp (the
     * transcendental functions of f32 values may be computed in either precision) */
    gen_gf *poly32 = gen_dynamic("poly32", poly_dt_model);
    gen_array *x32 = gen_cast(gen_linspace(0, 1, 50), GEN_F32), *y32 = gen_cast(gen_sin(gen_linspace(0, 3, 50)), GEN_F32);
    gen_array *dx32 = gen_array_to_device(x32, lane_dev);
    gen_args a32 = {1, &dx32, NULL}, ha32 = {1, &x32, NULL};
    compare_on_device_to(poly32, &a32, obs1("y", gen_array_to_device(y32, lane_dev)), &ha32, obs1("y", y32), 300, 2e-6);
}

/* A parameter made invalid by a draw: the dynamic path's error from the lane program
 * (the first particle whose check fails). */
static gen_status bad_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *u = gen_choose(ctx, "u", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "v", gen_normal(gen_scalar(0), u)); /* sigma < 0 for half the particles */
    return gen_ctx_status(ctx);
}

static void test_model_errors(void) {
    gen_gf *f = gen_dynamic("bad", bad_model);
    gen_addr v = addr1("v");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &v, gen_scalar(0.1));
    char msg[4][512];
    for (int i = 0; i < 4; i++) {
        gen_trace *t = NULL;
        gen_array *w = NULL;
        if (i == 3) gen_set_compile(false);
        else gen_device_set_default(lane_dev);
        CHECK_OK(gen_batch_begin(8));
        CHECK(gen_generate(f, gen_key_new(5), NULL, obs, &t, &w) == GEN_ERR_VALUE);
        gen_batch_end();
        gen_device_set_default(GEN_DEVICE_CPU);
        snprintf(msg[i], sizeof msg[i], "%s", gen_error_message());
        gen_error_clear();
    }
    gen_set_compile(true);
    CHECK(strstr(msg[3], "v: normal: sigma must be > 0") != NULL);
    for (int i = 0; i < 3; i++)
        if (strcmp(msg[i], msg[3])) check_fail(__FILE__, __LINE__, "call %d: \"%s\", eager \"%s\"", i, msg[i], msg[3]);
}

/* Batched importance sampling of the polynomial model on the stand-in device: the
 * host's log weights and estimate. */
static void test_importance(void) {
    gen_gf *f = gen_dynamic("poly", poly_model);
    gen_array *xs = gen_linspace(-1, 1, 50), *ys = gen_sin(gen_mul(xs, gen_scalar(2)));
    gen_array *dxs = gen_array_to_device(xs, lane_dev), *dys = gen_array_to_device(ys, lane_dev);
    gen_args args = {1, &xs, NULL}, dargs = {1, &dxs, NULL};
    gen_choicemap *obs = obs1("y", ys), *dobs = obs1("y", dys);
    double ml[3];
    gen_array *lw[3] = {0};
    for (int i = 0; i < 3; i++) {
        gen_trace *t = NULL;
        if (i < 2) gen_device_set_default(lane_dev);
        else gen_set_compile(false);
        CHECK_OK(gen_importance_sampling_batched(f, gen_key_new(9), i < 2 ? &dargs : &args, i < 2 ? dobs : obs, NULL,
                                                 NULL, 3000, &t, &lw[i], &ml[i]));
        gen_device_set_default(GEN_DEVICE_CPU);
    }
    gen_set_compile(true);
    CHECK_CLOSE(ml[1], ml[2], 1e-12);
    if (lw[1] && lw[2]) same_values(lw[1], lw[2], 1e-12, "log weights");
}


/* ---- many chains of a target ---- */

/* a ~ N(0, 1); s ~ half-normal(1); y[NX] ~ N(a + b x, s) observed, b ~ N(0, 2). */
static gen_status reg_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *b = gen_choose(ctx, "b", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *s = gen_choose(ctx, "s", gen_half_normal(gen_scalar(1)));
    gen_choose(ctx, "y", gen_broadcasted_normal(gen_add(a, gen_mul(b, args->v[0])), s));
    *retval = a;
    return gen_ctx_status(ctx);
}

/* u ~ N(0, 1); y ~ N(0, u) observed: chains where u < 0 fail the sigma check. */
static gen_status sigma_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *u = gen_choose(ctx, "u", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), u));
    return gen_ctx_status(ctx);
}

/* The target of f's trace (choices obs and init) over its unobserved choices. */
static gen_target *target_of(gen_gf *f, const gen_args *args, gen_choicemap *all, const char *observed) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(3), args, all, &tr, NULL));
    gen_addr o = addr1(observed);
    gen_selection *sel = gen_selection_complement(gen_select(1, &o));
    return tr ? gen_target_new(tr, sel) : NULL;
}

static void test_chains(void) {
    gen_scope_begin();
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_args args = {1, &x, NULL};
    gen_gf *reg = gen_dynamic("reg", reg_model);
    gen_addr a = addr1("a"), b = addr1("b"), sa = addr1("s"), y = addr1("y");
    gen_choicemap *all = gen_choicemap_set(gen_choicemap_set(gen_choicemap_set(line_obs(), &a, gen_scalar(0.2)), &b,
                                                             gen_scalar(0.5)),
                                           &sa, gen_scalar(1.5));
    (void)y;
    gen_target *t = target_of(reg, &args, all, "y");
    gen_set_compile(false);
    gen_target *te = target_of(reg, &args, all, "y");
    gen_set_compile(true);
    CHECK(t && te && gen_target_compiled(t) && !gen_target_compiled(te));
    const int64_t n = 9, d = 3;
    double th[27];
    for (int i = 0; i < n * d; i++) th[i] = 0.3 * sin(1.7 * i) - 0.1 * (i % 4);
    gen_array *theta = gen_array_from_f64(GEN_DIMS(9, 3), th), *dtheta = gen_array_to_device(theta, lane_dev);
    gen_array *lp = NULL, *g = NULL, *lpe = NULL, *ge = NULL, *lph = NULL, *gh = NULL;
    CHECK_OK(gen_target_logpdf_grad_chains(t, dtheta, &lp, &g));  /* one lane program */
    CHECK_OK(gen_target_logpdf_grad_chains(te, dtheta, &lpe, &ge)); /* chain by chain, eager */
    CHECK_OK(gen_target_logpdf_grad_chains(t, theta, &lph, &gh));  /* on the host: the compiled C */
    CHECK(lp && gen_array_device(lp) == lane_dev && gen_array_device(g) == lane_dev && gen_array_device(lph) == GEN_DEVICE_CPU);
    if (t && te && lp && lpe && lph) {
        for (int64_t c = 0; c < n; c++) {
            double l1 = 0;
            gen_array *g1 = NULL, *row = gen_array_from_f64(GEN_DIMS(3), th + c * d);
            CHECK_OK(gen_target_logpdf_grad(te, row, &l1, &g1));
            char what[64];
            snprintf(what, sizeof what, "chain %lld: the log density", (long long)c);
            same_values(gen_slice(gen_array_to_host(lp), 0, c, c + 1, 1), gen_reshape(gen_scalar(l1), 1, (int64_t[]){1}), 1e-12, what);
            snprintf(what, sizeof what, "chain %lld: the gradient", (long long)c);
            same_values(gen_reshape(gen_slice(gen_array_to_host(g), 0, c, c + 1, 1), 1, (int64_t[]){3}), g1, 1e-12, what);
        }
        same_values(lp, lpe, 1e-12, "log densities, compiled and eager");
        same_values(g, ge, 1e-12, "gradients, compiled and eager");
        same_values(lp, lph, lane_math_rtol, "log densities, on the device and the host");
        same_values(g, gh, lane_math_rtol, "gradients, on the device and the host");
    }
    /* a failed check: the first failing chain's error, as chain by chain */
    gen_gf *sig = gen_dynamic("sigma", sigma_model);
    gen_addr u = addr1("u");
    gen_choicemap *su = gen_choicemap_set(obs1("y", gen_scalar(0.4)), &u, gen_scalar(0.8));
    gen_target *ts = target_of(sig, NULL, su, "y");
    gen_set_compile(false);
    gen_target *tse = target_of(sig, NULL, su, "y");
    gen_set_compile(true);
    CHECK(ts && gen_target_compiled(ts));
    gen_array *bad = gen_array_to_device(gen_array_from_f64(GEN_DIMS(4, 1), (const double[]){0.5, 1, -0.3, -2}), lane_dev);
    char msg[2][512];
    gen_target *both[2] = {ts, tse};
    for (int i = 0; i < 2; i++) {
        gen_array *l = NULL, *gr = NULL;
        CHECK(gen_target_logpdf_grad_chains(both[i], bad, &l, &gr) == GEN_ERR_VALUE);
        CHECK(l == NULL && gr == NULL);
        snprintf(msg[i], sizeof msg[i], "%s", gen_error_message());
        gen_error_clear();
    }
    CHECK(strstr(msg[1], "chain 2: y: normal: sigma must be > 0") != NULL);
    if (strcmp(msg[0], msg[1])) check_fail(__FILE__, __LINE__, "compiled \"%s\", eager \"%s\"", msg[0], msg[1]);
    CHECK_ERROR(gen_target_logpdf_grad_chains(t, gen_zeros(GEN_F64, GEN_DIMS(2, 4)), &lp, &g), "theta must be [n, 3]");
    CHECK_ERROR(gen_target_logpdf_grad_chains(t, gen_zeros(GEN_F32, GEN_DIMS(2, 3)), &lp, &g), "theta must be f64");
    gen_target_free(t);
    gen_target_free(te);
    gen_target_free(ts);
    gen_target_free(tse);
    gen_scope_end();
}

/* A trace whose data live on the device (the batched samplers' "one chain's target" with
 * --device cuda): its target compiles (the device constants read through host copies;
 * the distributions' checks of captured values are nodes, not host reads) and gives the
 * host trace's target's log density and gradient. */
static void test_device_trace_target(void) {
    gen_scope_begin();
    gen_array *x = gen_linspace(-1, 2, NX);
    gen_array *dx = gen_array_to_device(x, lane_dev);
    gen_addr a = addr1("a"), b = addr1("b"), sa = addr1("s"), y = addr1("y");
    gen_choicemap *all = gen_choicemap_set(gen_choicemap_set(gen_choicemap_set(line_obs(), &a, gen_scalar(0.2)), &b,
                                                             gen_scalar(0.5)),
                                           &sa, gen_scalar(1.5));
    gen_choicemap *dall = gen_choicemap_set(all, &y, gen_array_to_device(gen_choicemap_find(all, &y), lane_dev));
    gen_gf *reg = gen_dynamic("reg", reg_model);
    gen_args args = {1, &x, NULL}, dargs = {1, &dx, NULL};
    gen_target *th = target_of(reg, &args, all, "y");
    gen_device old = gen_device_set_default(lane_dev);
    gen_target *td = target_of(reg, &dargs, dall, "y");
    gen_device_set_default(old);
    CHECK(th && gen_target_compiled(th));
    if (td && !gen_target_compiled(td))
        check_fail(__FILE__, __LINE__, "the device trace's target: %s", gen_target_compile_note(td));
    if (th && td) {
        gen_array *theta = gen_array_from_f64(GEN_DIMS(2, 3), (const double[]){0.1, -0.4, 0.7, 1.2, 0.3, 2.1});
        gen_array *lph = NULL, *gh = NULL, *lpd = NULL, *gd = NULL;
        CHECK_OK(gen_target_logpdf_grad_chains(th, theta, &lph, &gh));
        CHECK_OK(gen_target_logpdf_grad_chains(td, gen_array_to_device(theta, lane_dev), &lpd, &gd));
        if (lpd && gd) {
            same_values(lph, lpd, 1e-12, "log densities, host and device traces");
            same_values(gh, gd, 1e-12, "gradients, host and device traces");
        }
    }
    gen_target_free(th);
    gen_target_free(td);
    gen_scope_end();
}

#endif
