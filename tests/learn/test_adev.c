/* test_adev.c — ADEV's gradient estimators (genc/adev.h): unbiasedness of every strategy
 * (the mean of many estimates against the exact gradient, within 5 Monte Carlo standard
 * errors) on reparameterizable, discrete and mixed programs; enumeration exact; the
 * ELBO, IWELBO and VIMCO objectives on a conjugate normal model (VIMCO's bound rising
 * with k below log p(y)); black-box VI with the ELBO and with VIMCO. */
#include <math.h>
#include <stdint.h>

#include "../infer/conjugate_models.h"
#include "../testutil/check.h"
#include "genc/adev.h"

#define NREP 4000
#define PI 3.14159265358979323846
#define E_ 2.71828182845904523536

/* The strategy a program's annotated choice uses comes in its payload. */
static const gen_dist *strat(gen_ctx *ctx, const gen_dist *d) {
    gen_adev_strategy s = (gen_adev_strategy)(intptr_t)gen_ctx_payload(ctx);
    return s == GEN_ADEV_DEFAULT ? d : gen_adev_with(d, s);
}

static gen_gf *prog(const char *name, gen_body body, gen_adev_strategy s) {
    return gen_dynamic_with(name, body, (void *)(intptr_t)s, NULL);
}

/* Means and standard errors of the value and of the gradient's n components over NREP
 * estimates with keys fold_in(seed, r). */
typedef struct est_stats {
    double mean[8], se[8], vmean, vse;
} est_stats;

static est_stats estimate_many(const gen_gf *p, int n, const double *theta, const gen_adev_options *o,
                               uint64_t seed, int nrep) {
    est_stats st = {0};
    double s1[8] = {0}, s2[8] = {0}, v1 = 0, v2 = 0;
    gen_key key = gen_key_new(seed);
    for (int r = 0; r < nrep; r++) {
        gen_scope_begin();
        gen_array *args[8], *g[8], *v = NULL;
        for (int i = 0; i < n; i++) args[i] = gen_scalar(theta[i]);
        gen_args a = {n, args, NULL};
        gen_status s = gen_adev_estimate(p, gen_key_fold_in(key, (uint64_t)r), &a, o, &v, g);
        if (s != GEN_OK) {
            CHECK_OK(s);
            gen_scope_end();
            return st;
        }
        double x = check_item(v);
        v1 += x;
        v2 += x * x;
        for (int i = 0; i < n; i++) {
            double gi = check_item(g[i]);
            s1[i] += gi;
            s2[i] += gi * gi;
        }
        gen_scope_end();
    }
    st.vmean = v1 / nrep;
    st.vse = sqrt(fmax(v2 / nrep - st.vmean * st.vmean, 0.0) / nrep);
    for (int i = 0; i < n; i++) {
        st.mean[i] = s1[i] / nrep;
        st.se[i] = sqrt(fmax(s2[i] / nrep - st.mean[i] * st.mean[i], 0.0) / nrep);
    }
    return st;
}

/* |mean - want| within 5 standard errors, and an estimator that varies (se > 0). */
#define CHECK_MC(mean, se, want)                                                  \
    do {                                                                          \
        CHECK((se) > 0);                                                          \
        CHECK_NEAR((mean), (want), 5 * (se));                                     \
    } while (0)

/* ---- (a) reparameterizable: x ~ N(mu, sigma), f = x^2: E = mu^2 + sigma^2 ---- */

static gen_status normal_sq(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *x = gen_choose(ctx, "x", strat(ctx, gen_normal(a->v[0], a->v[1])));
    *ret = gen_square(x);
    return gen_ctx_status(ctx);
}

static void test_normal(void) {
    double th[2] = {0.7, 1.3};
    gen_adev_strategy ss[2] = {GEN_ADEV_DEFAULT, GEN_ADEV_REINFORCE};
    for (int k = 0; k < 2; k++) {
        gen_gf *p = prog("normal_sq", normal_sq, ss[k]);
        est_stats st = estimate_many(p, 2, th, NULL, 11 + (uint64_t)k, NREP);
        CHECK_MC(st.vmean, st.vse, th[0] * th[0] + th[1] * th[1]);
        CHECK_MC(st.mean[0], st.se[0], 2 * th[0]);
        CHECK_MC(st.mean[1], st.se[1], 2 * th[1]);
    }
}

/* ---- (b) discrete: b ~ flip(p), f = b ? 2p : 5: E = 2p^2 + 5(1 - p), dE/dp = 4p - 5 ---- */

static gen_status flip_prog(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *b = gen_choose(ctx, "b", strat(ctx, gen_bernoulli(a->v[0])));
    *ret = gen_where(b, gen_mul(gen_scalar(2), a->v[0]), gen_scalar(5));
    return gen_ctx_status(ctx);
}

static void test_flip(void) {
    double p = 0.3, E = 2 * p * p + 5 * (1 - p), dE = 4 * p - 5;
    gen_adev_strategy ss[3] = {GEN_ADEV_DEFAULT /* REINFORCE: no reparam for bernoulli */, GEN_ADEV_MVD,
                               GEN_ADEV_REINFORCE};
    for (int k = 0; k < 3; k++) {
        gen_gf *g = prog("flip", flip_prog, ss[k]);
        est_stats st = estimate_many(g, 1, &p, NULL, 21 + (uint64_t)k, NREP);
        CHECK_MC(st.vmean, st.vse, E);
        CHECK_MC(st.mean[0], st.se[0], dE);
    }
    /* a baseline keeps REINFORCE unbiased and, near E, cuts its variance */
    gen_gf *g = prog("flip", flip_prog, GEN_ADEV_REINFORCE);
    gen_adev_options loo = {.samples = 4, .baseline_kind = GEN_ADEV_BASELINE_LEAVE_ONE_OUT};
    est_stats st = estimate_many(g, 1, &p, &loo, 24, NREP / 4);
    CHECK_MC(st.mean[0], st.se[0], dE);
    gen_adev_options cst = {.baseline_kind = GEN_ADEV_BASELINE_CONSTANT, .baseline = E};
    est_stats sc = estimate_many(g, 1, &p, &cst, 25, NREP);
    est_stats s0 = estimate_many(g, 1, &p, NULL, 25, NREP);
    CHECK_MC(sc.mean[0], sc.se[0], dE);
    CHECK(sc.se[0] < s0.se[0]);
}

/* enumeration only: the estimate is exact, the same for every key */
static void test_flip_enum_exact(void) {
    gen_gf *g = prog("flip", flip_prog, GEN_ADEV_ENUM);
    double p = 0.3;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        gen_array *arg = gen_scalar(p), *v = NULL, *gr = NULL;
        gen_args a = {1, &arg, NULL};
        CHECK_OK(gen_adev_estimate(g, gen_key_new(seed), &a, NULL, &v, &gr));
        CHECK_CLOSE(check_item(v), 2 * p * p + 5 * (1 - p), 1e-12);
        CHECK_CLOSE(check_item(gr), 4 * p - 5, 1e-12);
    }
}

/* nested enumeration: b1 ~ flip(p), b2 ~ flip(b1 ? q : 1 - q), f = b1 + 2 b2:
 * E = p + 2 (p q + (1 - p)(1 - q)) */
static gen_status nested_prog(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *p = a->v[0], *q = a->v[1];
    gen_array *b1 = gen_choose(ctx, "b1", gen_adev_enum(gen_bernoulli(p)));
    gen_array *b2 = gen_choose(ctx, "b2", gen_adev_enum(gen_bernoulli(gen_where(b1, q, gen_sub(gen_scalar(1), q)))));
    *ret = gen_add(gen_cast(b1, GEN_F64), gen_mul(gen_scalar(2), gen_cast(b2, GEN_F64)));
    return gen_ctx_status(ctx);
}

static void test_nested_enum_exact(void) {
    gen_gf *g = gen_dynamic("nested", nested_prog);
    double p = 0.35, q = 0.8;
    gen_array *args[2] = {gen_scalar(p), gen_scalar(q)}, *v = NULL, *gr[2];
    gen_args a = {2, args, NULL};
    CHECK_OK(gen_adev_estimate(g, gen_key_new(5), &a, NULL, &v, gr));
    CHECK_CLOSE(check_item(v), p + 2 * (p * q + (1 - p) * (1 - q)), 1e-12);
    CHECK_CLOSE(check_item(gr[0]), 1 + 2 * (2 * q - 1), 1e-12);
    CHECK_CLOSE(check_item(gr[1]), 2 * (2 * p - 1), 1e-12);
}

/* categorical enumeration with a vector argument: c ~ categorical(softmax(t)), f = c^2:
 * dE/dt_j = s_j (j^2 - E) */
static gen_status cat_prog(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *c = gen_choose(ctx, "c", gen_adev_enum(gen_categorical_logits(a->v[0])));
    *ret = gen_square(gen_cast(c, GEN_F64));
    return gen_ctx_status(ctx);
}

static void test_categorical_enum_exact(void) {
    gen_gf *g = gen_dynamic("cat", cat_prog);
    double t[3] = {0.2, -0.4, 0.9}, z = 0, sm[3], E = 0;
    for (int j = 0; j < 3; j++) z += exp(t[j]);
    for (int j = 0; j < 3; j++) E += (sm[j] = exp(t[j]) / z) * j * j;
    double want[3];
    for (int j = 0; j < 3; j++) want[j] = sm[j] * (j * j - E);
    for (uint64_t seed = 1; seed <= 8; seed++) { /* the run continues with each value in turn */
        gen_array *arg = gen_array_from_f64(1, (int64_t[]){3}, t), *v = NULL, *gr = NULL;
        gen_args a = {1, &arg, NULL};
        CHECK_OK(gen_adev_estimate(g, gen_key_new(seed), &a, NULL, &v, &gr));
        CHECK_CLOSE(check_item(v), E, 1e-12);
        CHECK_ARRAY(gr, want, 3, 1e-12, 1e-15);
    }
}

/* ---- (c) mixed programs ---- */

/* a flip deciding the mean of a normal: b ~ flip(p), x ~ N(b ? mu : -mu, 1), f = x:
 * E = (2p - 1) mu */
static gen_status flip_normal(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *p = a->v[0], *mu = a->v[1];
    gen_array *b = gen_choose(ctx, "b", strat(ctx, gen_bernoulli(p)));
    *ret = gen_choose(ctx, "x", gen_normal(gen_where(b, mu, gen_neg(mu)), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* a normal feeding a flip: z ~ N(mu, 1), b ~ flip(Phi(z)), f = b: E = Phi(mu / sqrt 2) */
static gen_status normal_flip(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_array *z = gen_choose(ctx, "z", gen_normal(a->v[0], gen_scalar(1)));
    gen_array *b = gen_choose(ctx, "b", strat(ctx, gen_bernoulli(gen_exp(gen_log_ndtr(z)))));
    *ret = gen_cast(b, GEN_F64);
    return gen_ctx_status(ctx);
}

static void test_mixed(void) {
    gen_adev_strategy ss[3] = {GEN_ADEV_REINFORCE, GEN_ADEV_ENUM, GEN_ADEV_MVD};
    double th[2] = {0.4, 1.5};
    for (int k = 0; k < 3; k++) {
        gen_gf *g = prog("flip_normal", flip_normal, ss[k]);
        est_stats st = estimate_many(g, 2, th, NULL, 31 + (uint64_t)k, NREP);
        CHECK_MC(st.vmean, st.vse, (2 * th[0] - 1) * th[1]);
        if (ss[k] == GEN_ADEV_ENUM) { /* both branches see the same noise: exact gradients */
            CHECK_CLOSE(st.mean[0], 2 * th[1], 1e-12);
            CHECK_CLOSE(st.mean[1], 2 * th[0] - 1, 1e-12);
            CHECK(st.se[0] < 1e-6 && st.se[1] < 1e-6);
            continue;
        }
        if (ss[k] == GEN_ADEV_MVD) /* so do MVD's two branches: d/dp = x(true) - x(false) = 2 mu */
            CHECK_CLOSE(st.mean[0], 2 * th[1], 1e-12);
        else
            CHECK_MC(st.mean[0], st.se[0], 2 * th[1]);
        CHECK_MC(st.mean[1], st.se[1], 2 * th[0] - 1);
    }
    double mu = 0.6, r = mu / sqrt(2.0);
    for (int k = 0; k < 3; k++) {
        gen_gf *g = prog("normal_flip", normal_flip, ss[k]);
        est_stats st = estimate_many(g, 1, &mu, NULL, 41 + (uint64_t)k, NREP);
        CHECK_MC(st.vmean, st.vse, 0.5 * erfc(-r / sqrt(2.0)));
        CHECK_MC(st.mean[0], st.se[0], exp(-r * r / 2) / sqrt(2 * PI) / sqrt(2.0));
    }
}

/* ---- objectives on the conjugate normal model (conjugate_models.h): mu ~ N(0, 1),
 * y/i ~ N(mu, 1); posterior N(5.7/6, 1/6) ---- */

/* the guide: mu ~ N(m, exp(ls)) */
static gen_status guide(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    *ret = gen_choose(ctx, "mu", strat(ctx, gen_normal(a->v[0], gen_exp(a->v[1]))));
    return gen_ctx_status(ctx);
}

static double log_ml(void) {
    double yy = 0, sy = 0;
    for (int i = 0; i < 5; i++) yy += Y[i] * Y[i], sy += Y[i];
    return -2.5 * log(2 * PI) - 0.5 * log(6.0) - 0.5 * (yy - sy * sy / 6);
}

/* the exact ELBO of the guide N(m, s^2) and its gradient in (m, ls) */
static double elbo_exact(double m, double ls, double *g) {
    double s = exp(ls), ss = 0;
    for (int i = 0; i < 5; i++) ss += (Y[i] - m) * (Y[i] - m) + s * s;
    g[0] = 5.7 - 6 * m;
    g[1] = 1 - 6 * s * s;
    return -0.5 * log(2 * PI) - (m * m + s * s) / 2 - 2.5 * log(2 * PI) - 0.5 * ss +
           0.5 * log(2 * PI * E_ * s * s);
}

static gen_gf *model_gf(void) { return gen_dynamic("normal_model", normal_model); }
static gen_choicemap *obs(void) { return observations("y", 5, Y, 'f'); }

static void test_elbo_exact_posterior(void) {
    gen_gf *q = prog("guide", guide, GEN_ADEV_DEFAULT);
    gen_gf *elbo = gen_adev_elbo(model_gf(), NULL, obs(), q);
    double th[2] = {5.7 / 6, 0.5 * log(1.0 / 6)};
    for (uint64_t seed = 1; seed <= 3; seed++) { /* every draw gives log p(y) */
        gen_array *args[2] = {gen_scalar(th[0]), gen_scalar(th[1])}, *v = NULL, *g[2];
        gen_args a = {2, args, NULL};
        CHECK_OK(gen_adev_estimate(elbo, gen_key_new(seed), &a, NULL, &v, g));
        CHECK_CLOSE(check_item(v), log_ml(), 1e-10);
    }
    /* and the gradient at the optimum is zero in expectation, for reparam and REINFORCE */
    gen_gf *qr = prog("guide", guide, GEN_ADEV_REINFORCE);
    gen_gf *elbos[2] = {elbo, gen_adev_elbo(model_gf(), NULL, obs(), qr)};
    for (int k = 0; k < 2; k++) {
        est_stats st = estimate_many(elbos[k], 2, th, NULL, 51 + (uint64_t)k, NREP / 2);
        CHECK_MC(st.mean[0], st.se[0], 0.0);
        CHECK_MC(st.mean[1], st.se[1], 0.0);
    }
}

static void test_elbo_gradient(void) {
    double th[2] = {0.2, -0.3}, g[2];
    double E = elbo_exact(th[0], th[1], g);
    gen_adev_strategy ss[2] = {GEN_ADEV_DEFAULT, GEN_ADEV_REINFORCE};
    gen_adev_options loo = {.samples = 4, .baseline_kind = GEN_ADEV_BASELINE_LEAVE_ONE_OUT};
    for (int k = 0; k < 2; k++) {
        gen_gf *elbo = gen_adev_elbo(model_gf(), NULL, obs(), prog("guide", guide, ss[k]));
        est_stats st = estimate_many(elbo, 2, th, k ? &loo : NULL, 61 + (uint64_t)k, k ? NREP / 4 : NREP);
        CHECK_MC(st.vmean, st.vse, E);
        CHECK_MC(st.mean[0], st.se[0], g[0]);
        CHECK_MC(st.mean[1], st.se[1], g[1]);
    }
}

/* IWELBO bounds increase with K and stay below log p(y); K = 1 is the ELBO */
static void test_iwelbo_bounds(void) {
    double th[2] = {0.0, 0.0}, g[2]; /* the prior as guide: a loose bound */
    double E = elbo_exact(th[0], th[1], g), L = log_ml();
    gen_gf *q = prog("guide", guide, GEN_ADEV_DEFAULT);
    int ks[3] = {1, 4, 16};
    est_stats st[3];
    for (int i = 0; i < 3; i++) {
        gen_gf *iw = gen_adev_iwelbo(model_gf(), NULL, obs(), q, ks[i]);
        st[i] = estimate_many(iw, 2, th, NULL, 71, NREP / 4);
        CHECK(st[i].vmean < L + 5 * st[i].vse); /* not above log p(y) */
    }
    CHECK_MC(st[0].vmean, st[0].vse, E);
    for (int i = 1; i < 3; i++) /* each increase is significant */
        CHECK(st[i].vmean - st[i - 1].vmean > 5 * sqrt(st[i].vse * st[i].vse + st[i - 1].vse * st[i - 1].vse));
    CHECK(st[2].vmean < L);
}

/* VIMCO: the IWELBO's value; a gradient unbiased for the IWELBO's (against the reparam
 * estimate of the same objective) with less variance than REINFORCE without baselines */
static void test_vimco(void) {
    double th[2] = {0.5, -0.5};
    int k = 4;
    gen_gf *qr = prog("guide", guide, GEN_ADEV_REINFORCE), *qp = prog("guide", guide, GEN_ADEV_DEFAULT);
    gen_gf *vimco = gen_adev_vimco(model_gf(), NULL, obs(), qr, k);
    gen_gf *iw_r = gen_adev_iwelbo(model_gf(), NULL, obs(), qr, k);
    gen_gf *iw_p = gen_adev_iwelbo(model_gf(), NULL, obs(), qp, k);
    gen_array *args[2] = {gen_scalar(th[0]), gen_scalar(th[1])}, *v1 = NULL, *v2 = NULL, *g[2];
    gen_args a = {2, args, NULL};
    CHECK_OK(gen_adev_estimate(vimco, gen_key_new(3), &a, NULL, &v1, g));
    CHECK_OK(gen_adev_estimate(iw_r, gen_key_new(3), &a, NULL, &v2, g));
    CHECK_CLOSE(check_item(v1), check_item(v2), 1e-12);
    est_stats sv = estimate_many(vimco, 2, th, NULL, 81, NREP);
    est_stats sr = estimate_many(iw_r, 2, th, NULL, 82, NREP);
    est_stats sp = estimate_many(iw_p, 2, th, NULL, 83, NREP);
    for (int i = 0; i < 2; i++) {
        CHECK(sv.se[i] > 0);
        CHECK_NEAR(sv.mean[i], sp.mean[i], 5 * sqrt(sv.se[i] * sv.se[i] + sp.se[i] * sp.se[i]));
        CHECK_NEAR(sr.mean[i], sp.mean[i], 5 * sqrt(sr.se[i] * sr.se[i] + sp.se[i] * sp.se[i]));
        CHECK(sv.se[i] < sr.se[i]);
    }
}

/* VIMCO's objective (the IWELBO's value) rises with k and stays below log p(y): with the
 * prior as guide, k = 2, 4, 16, each increase beyond 5 standard errors of the difference,
 * each estimate below log p(y) (k = 16's by some 6 standard errors); and k = 40 (below) */
static void test_vimco_bounds(void) {
    double th[2] = {0.0, 0.0}, L = log_ml();
    gen_gf *qr = prog("guide", guide, GEN_ADEV_REINFORCE);
    int ks[3] = {2, 4, 16};
    est_stats st[3];
    for (int i = 0; i < 3; i++) {
        st[i] = estimate_many(gen_adev_vimco(model_gf(), NULL, obs(), qr, ks[i]), 2, th, NULL, 85, NREP / 4);
        CHECK(st[i].vse > 0);
        CHECK(st[i].vmean < L);
    }
    for (int i = 1; i < 3; i++)
        CHECK(st[i].vmean - st[i - 1].vmean > 5 * sqrt(st[i].vse * st[i].vse + st[i - 1].vse * st[i - 1].vse));
    printf("  vimco: log p(y) %.4f; k = 2: %.4f (se %.4f), 4: %.4f (%.4f), 16: %.4f (%.4f)\n", L, st[0].vmean,
           st[0].vse, st[1].vmean, st[1].vse, st[2].vmean, st[2].vse);
    /* k = 40, past the objective's stack buffers (32 samples): the IWELBO's value at the
     * same key, and a gradient in the mean that points towards the posterior's (above the
     * guide's 0; the reparameterized IWELBO's gradient there, 0.040 +- 0.004 over 16000
     * estimates, agrees with VIMCO's 0.042 +- 0.0005 (500 estimates) but is too noisy to test against) */
    gen_gf *v40 = gen_adev_vimco(model_gf(), NULL, obs(), qr, 40);
    gen_array *args[2] = {gen_scalar(th[0]), gen_scalar(th[1])}, *v1 = NULL, *v2 = NULL;
    gen_args a = {2, args, NULL};
    CHECK_OK(gen_adev_estimate(v40, gen_key_new(4), &a, NULL, &v1, NULL));
    CHECK_OK(gen_adev_estimate(gen_adev_iwelbo(model_gf(), NULL, obs(), qr, 40), gen_key_new(4), &a, NULL, &v2, NULL));
    CHECK_CLOSE(check_item(v1), check_item(v2), 1e-12);
    est_stats sv = estimate_many(v40, 2, th, NULL, 86, NREP / 40);
    CHECK(sv.mean[0] > 5 * sv.se[0]);
}

/* ---- black-box VI with the library's optimizer ----
 * R independent fits (keys apart) of decaying-step SGD; the mean of their final
 * parameters is the optimum within 5 standard errors of that mean (the fits' spread),
 * and the objective estimates rise. */

static void test_bbvi(void) {
    enum { R = 8, ITERS = 800 };
    gen_adev_strategy ss[2] = {GEN_ADEV_DEFAULT, GEN_ADEV_REINFORCE};
    double want[2] = {5.7 / 6, 0.5 * log(1.0 / 6)};
    const char *names[2] = {"mu", "log_sd"};
    for (int k = 0; k < 2; k++) {
        gen_gf *elbo = gen_adev_elbo(model_gf(), NULL, obs(), prog("guide", guide, ss[k]));
        double sum[2] = {0, 0}, sum2[2] = {0, 0};
        for (int r = 0; r < R; r++) {
            gen_array *params[2] = {gen_array_retain(gen_scalar(0.0)), gen_array_retain(gen_scalar(0.0))};
            gen_adev_vi_config c = {.iters = ITERS, .options = {.samples = 8}};
            if (k) c.options.baseline_kind = GEN_ADEV_BASELINE_CONSTANT; /* running average */
            gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.05, .decay = 100});
            static double hist[ITERS];
            CHECK_OK(gen_adev_vi(elbo, gen_key_fold_in(gen_key_new(91 + (uint64_t)k), (uint64_t)r), 2, params, names,
                                 &c, opt, hist));
            double early = 0, late = 0;
            for (int t = 0; t < 50; t++) early += hist[t], late += hist[ITERS - 1 - t];
            CHECK(late > early);
            for (int i = 0; i < 2; i++) {
                double x = check_item(params[i]);
                sum[i] += x;
                sum2[i] += x * x;
                gen_array_release(params[i]);
            }
            gen_optimizer_free(opt);
        }
        for (int i = 0; i < 2; i++) {
            double m = sum[i] / R, sd = sqrt(fmax(sum2[i] / R - m * m, 0) * R / (R - 1));
            CHECK(sd > 0);
            CHECK_NEAR(m, want[i], 5 * sd / sqrt(R));
        }
    }
}

/* black-box VIMCO (Gen.jl's black_box_vimco!): the guide, REINFORCE with VIMCO's
 * baselines, fitted on the k = 4 objective. The exact posterior is in the guide's family
 * and makes every weight p(y): the IWELBO's maximum, log p(y). R fits as in test_bbvi:
 * the mean of the final parameters is the posterior's within 5 standard errors. */
static void test_bbvi_vimco(void) {
    enum { R = 8, ITERS = 1000 };
    double want[2] = {5.7 / 6, 0.5 * log(1.0 / 6)};
    const char *names[2] = {"mu", "log_sd"};
    gen_gf *vimco = gen_adev_vimco(model_gf(), NULL, obs(), prog("guide", guide, GEN_ADEV_REINFORCE), 4);
    double sum[2] = {0, 0}, sum2[2] = {0, 0};
    for (int r = 0; r < R; r++) {
        gen_array *params[2] = {gen_array_retain(gen_scalar(0.0)), gen_array_retain(gen_scalar(0.0))};
        gen_adev_vi_config c = {.iters = ITERS};
        gen_optimizer *opt = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.05, .decay = 100});
        static double hist[ITERS];
        CHECK_OK(gen_adev_vi(vimco, gen_key_fold_in(gen_key_new(95), (uint64_t)r), 2, params, names, &c, opt, hist));
        double early = 0, late = 0;
        for (int t = 0; t < 50; t++) early += hist[t], late += hist[ITERS - 1 - t];
        CHECK(late > early);
        for (int i = 0; i < 2; i++) {
            double x = check_item(params[i]);
            sum[i] += x;
            sum2[i] += x * x;
            gen_array_release(params[i]);
        }
        gen_optimizer_free(opt);
    }
    for (int i = 0; i < 2; i++) {
        double m = sum[i] / R, sd = sqrt(fmax(sum2[i] / R - m * m, 0) * R / (R - 1));
        printf("  bbvi vimco: %s %.4f (se %.4f), posterior %.4f\n", names[i], m, sd / sqrt(R), want[i]);
        CHECK(sd > 0);
        CHECK_NEAR(m, want[i], 5 * sd / sqrt(R));
    }
}

/* The same guide with its parameters in a store: gen_adev_vi_params takes the steps
 * gen_adev_vi takes on arguments, bit for bit (the same estimates, the same optimizer
 * state under the same names), for both estimators. */
static gen_status guide_store(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    (void)a;
    gen_array *m = gen_param(ctx, "mu"), *ls = gen_param(ctx, "log_sd");
    *ret = gen_choose(ctx, "mu", strat(ctx, gen_normal(m, gen_exp(ls))));
    return gen_ctx_status(ctx);
}

static void test_bbvi_store(void) {
    enum { ITERS = 300 };
    gen_adev_strategy ss[2] = {GEN_ADEV_DEFAULT, GEN_ADEV_REINFORCE};
    const char *names[2] = {"mu", "log_sd"};
    for (int k = 0; k < 2; k++) {
        gen_adev_vi_config c = {.iters = ITERS, .options = {.samples = 4}};
        if (k) c.options.baseline_kind = GEN_ADEV_BASELINE_CONSTANT;
        gen_opt_config oc = {.kind = GEN_OPT_ADAM, .step = 0.05};
        gen_key key = gen_key_new(300 + (uint64_t)k);
        /* on arguments */
        gen_gf *elbo = gen_adev_elbo(model_gf(), NULL, obs(), prog("guide", guide, ss[k]));
        gen_array *params[2] = {gen_array_retain(gen_scalar(0.3)), gen_array_retain(gen_scalar(-0.2))};
        gen_optimizer *o1 = gen_optimizer_new(&oc);
        static double h1[ITERS], h2[ITERS];
        CHECK_OK(gen_adev_vi(elbo, key, 2, params, names, &c, o1, h1));
        /* in a store */
        gen_params *store = gen_params_new();
        CHECK_OK(gen_params_init(store, "mu", gen_scalar(0.3)));
        CHECK_OK(gen_params_init(store, "log_sd", gen_scalar(-0.2)));
        gen_gf *q = gen_dynamic_params_with("guide", guide_store, store, (void *)(intptr_t)ss[k], NULL);
        gen_gf *elbo_s = gen_adev_elbo(model_gf(), NULL, obs(), q);
        gen_optimizer *o2 = gen_optimizer_new(&oc);
        CHECK_OK(gen_adev_vi_params(elbo_s, key, NULL, store, &c, o2, h2));
        for (int i = 0; i < 2; i++) {
            CHECK_CLOSE(check_item(gen_params_value(store, names[i])), check_item(params[i]), 1e-12);
            CHECK(check_item(gen_params_grad(store, names[i])) == 0); /* applied and zeroed */
            gen_array_release(params[i]);
        }
        int same = 1;
        for (int t = 0; t < ITERS; t++) same &= fabs(h1[t] - h2[t]) <= 1e-12 * fabs(h1[t]);
        CHECK(same);
        CHECK(fabs(check_item(gen_params_value(store, "mu")) - 5.7 / 6) < 0.2); /* it moved to the optimum */
        gen_optimizer_free(o1);
        gen_optimizer_free(o2);
        gen_params_free(store);
    }
    gen_optimizer *o = gen_optimizer_new(&(gen_opt_config){.kind = GEN_OPT_SGD, .step = 0.1});
    gen_params *store = gen_params_new();
    gen_adev_vi_config c = {.iters = 0};
    CHECK(gen_adev_vi_params(gen_adev_elbo(model_gf(), NULL, obs(), prog("guide", guide, GEN_ADEV_DEFAULT)),
                             gen_key_new(1), NULL, store, &c, o, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "iters must be >= 1");
    c.iters = 3; /* the guide reads parameters the store lacks: the first iteration says which */
    gen_gf *q = gen_dynamic_params_with("guide", guide_store, store, (void *)(intptr_t)GEN_ADEV_DEFAULT, NULL);
    gen_status st = gen_adev_vi_params(gen_adev_elbo(model_gf(), NULL, obs(), q), gen_key_new(1), NULL, store, &c, o,
                                       NULL);
    CHECK(st != GEN_OK);
    CHECK(strstr(gen_error_message(), "gen_adev_vi_params: iteration 0: ") != NULL);
    CHECK_ERROR(st, "has no parameter 'mu'");
    gen_optimizer_free(o);
    gen_params_free(store);
}

/* ---- errors ---- */

static gen_status no_return(gen_ctx *ctx, const gen_args *a, gen_array **ret) {
    gen_choose(ctx, "x", gen_normal(a->v[0], gen_scalar(1)));
    (void)ret;
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    CHECK(gen_adev_reparam(gen_bernoulli(gen_scalar(0.5))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "reparam needs a reparameterized sampler, bernoulli");
    CHECK(gen_adev_enum(gen_poisson(gen_scalar(2))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "enum needs a finite support, poisson");
    CHECK(gen_adev_mvd(gen_normal(gen_scalar(0), gen_scalar(1))) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mvd is defined for bernoulli");
    gen_dist *d = gen_adev_reinforce(gen_normal(gen_scalar(0), gen_scalar(1)));
    CHECK(gen_adev_strategy_of(d) == GEN_ADEV_REINFORCE);
    CHECK(gen_adev_strategy_of(gen_adev_enum(gen_adev_mvd(gen_bernoulli(gen_scalar(0.2))))) == GEN_ADEV_ENUM);
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_scalar(0.5))),
                check_item(gen_dist_logpdf(gen_normal(gen_scalar(0), gen_scalar(1)), gen_scalar(0.5))), 1e-15);
    gen_array *x = gen_scalar(0.1);
    gen_args a = {1, &x, NULL};
    gen_array *v = NULL, *g = NULL;
    CHECK(gen_adev_estimate(gen_dynamic("nr", no_return), gen_key_new(1), &a, NULL, &v, &g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "must return a scalar float");
    gen_adev_options bad = {.samples = 1, .baseline_kind = GEN_ADEV_BASELINE_LEAVE_ONE_OUT};
    CHECK(gen_adev_estimate(prog("flip", flip_prog, 0), gen_key_new(1), &a, &bad, &v, &g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "leave-one-out baseline needs samples >= 2");
    /* an objective run outside an estimator */
    gen_gf *elbo = gen_adev_elbo(model_gf(), NULL, obs(), prog("guide", guide, 0));
    gen_array *th[2] = {gen_scalar(0), gen_scalar(0)};
    gen_args ta = {2, th, NULL};
    gen_trace *tr = NULL;
    CHECK(gen_simulate(elbo, gen_key_new(1), &ta, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "not running under an ADEV estimator");
    CHECK(gen_adev_vimco(model_gf(), NULL, obs(), prog("guide", guide, 0), 1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "at least 2 samples");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_errors);
    RUN_ONLY(test_flip_enum_exact);
    RUN_ONLY(test_nested_enum_exact);
    RUN_ONLY(test_categorical_enum_exact);
    RUN_ONLY(test_normal);
    RUN_ONLY(test_flip);
    RUN_ONLY(test_mixed);
    RUN_ONLY(test_elbo_exact_posterior);
    RUN_ONLY(test_elbo_gradient);
    RUN_ONLY(test_iwelbo_bounds);
    RUN_ONLY(test_vimco);
    RUN_ONLY(test_vimco_bounds);
    RUN_ONLY(test_bbvi);
    RUN_ONLY(test_bbvi_vimco);
    RUN_ONLY(test_bbvi_store);
    return check_finish();
}
