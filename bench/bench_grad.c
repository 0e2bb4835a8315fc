/* bench_grad.c — the cost of gradient-based inference on a small model: polynomial
 * regression (a, b, c ~ N(0, 1); y ~ broadcasted_normal(a + x (b + c x), 0.05), 50 x on
 * [0, 1], y observed). Gradient evaluations of the unconstrained target
 * (gen_target_logpdf_grad) against the same log density and gradient written by hand in
 * C, and HMC chains (step 0.01, 20 leapfrog steps, 50 warm-up steps) of 100/500/1000
 * iterations, in ms per run against the hand-written HMC on the same density. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define N_X 50
#define SIGMA 0.05
#define STEP 0.01
#define N_LEAP 20
#define WARMUP 50

static double XS[N_X], YS[N_X];

static gen_status poly(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    const gen_array *x = args->v[0];
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *b = gen_choose(ctx, "b", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *c = gen_choose(ctx, "c", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(SIGMA)));
    return gen_ctx_status(ctx);
}

/* The same log density and gradient in plain C. */
static double hand_logp_grad(const double *th, double *g) {
    const double c0 = 0.91893853320467274178; /* log(2 pi) / 2 */
    double a = th[0], b = th[1], c = th[2];
    double lp = -0.5 * (a * a + b * b + c * c) - 3 * c0, ga = -a, gb = -b, gc = -c;
    double inv = 1 / SIGMA;
    for (int i = 0; i < N_X; i++) {
        double x = XS[i], r = (YS[i] - (a + x * (b + c * x))) * inv;
        lp += -0.5 * r * r;
        double d = r * inv; /* d lp / d mu */
        ga += d;
        gb += d * x;
        gc += d * x * x;
    }
    lp -= N_X * (log(SIGMA) + c0);
    g[0] = ga, g[1] = gb, g[2] = gc;
    return lp;
}

typedef struct {
    gen_trace *tr;
    gen_target *t;
    gen_array *theta;
    gen_selection *sel;
    int64_t iters;
    volatile double sink;
} bench_args;

enum { N_GRAD = 2000 };

static void run_grad(void *arg) {
    bench_args *b = arg;
    for (int i = 0; i < N_GRAD; i++) {
        gen_scope_begin();
        double lp;
        gen_array *g = NULL;
        gen_target_logpdf_grad(b->t, b->theta, &lp, &g);
        b->sink += lp;
        gen_scope_end();
    }
}

static void run_hand_grad(void *arg) {
    bench_args *b = arg;
    double th[3] = {0.1, 0.2, 0.3}, g[3];
    for (int i = 0; i < N_GRAD; i++) {
        th[0] += 1e-9;
        b->sink += hand_logp_grad(th, g) + g[0];
    }
}

static void run_hmc(void *arg) {
    bench_args *b = arg;
    gen_hmc_kernel hk = {b->sel, STEP, N_LEAP, NULL};
    gen_chain_config cfg = {.burn_in = WARMUP, .draws = b->iters, .thin = 1, .sel = b->sel};
    gen_scope_begin();
    gen_array *samples = NULL;
    double rate = 0;
    gen_status s = gen_run_chain(gen_kernel_hmc(&hk), gen_key_new(7), b->tr, &cfg, &samples, NULL, &rate);
    if (s != GEN_OK) {
        fprintf(stderr, "hmc failed: %s\n", gen_error_message());
        exit(1);
    }
    b->sink += rate;
    gen_scope_end();
}

/* The same chain written by hand: identity metric, Box-Muller momenta from rand(). */
static void run_hand_hmc(void *arg) {
    bench_args *b = arg;
    double th[3] = {0, 0, 0}, g[3], p[3], th1[3], g1[3], acc = 0;
    double lp = hand_logp_grad(th, g);
    srand(7);
    for (int64_t it = 0; it < WARMUP + b->iters; it++) {
        double k0 = 0;
        for (int i = 0; i < 3; i++) {
            double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (RAND_MAX + 1.0);
            p[i] = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            k0 += 0.5 * p[i] * p[i];
            th1[i] = th[i], g1[i] = g[i];
        }
        double lp1 = lp;
        for (int l = 0; l < N_LEAP; l++) {
            for (int i = 0; i < 3; i++) p[i] += 0.5 * STEP * g1[i], th1[i] += STEP * p[i];
            lp1 = hand_logp_grad(th1, g1);
            for (int i = 0; i < 3; i++) p[i] += 0.5 * STEP * g1[i];
        }
        double k1 = 0;
        for (int i = 0; i < 3; i++) k1 += 0.5 * p[i] * p[i];
        if (log((rand() + 1.0) / (RAND_MAX + 2.0)) < (lp1 - k1) - (lp - k0)) {
            for (int i = 0; i < 3; i++) th[i] = th1[i], g[i] = g1[i];
            lp = lp1;
            acc++;
        }
    }
    b->sink += acc + th[0];
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    for (int i = 0; i < N_X; i++) {
        XS[i] = (double)i / (N_X - 1);
        YS[i] = 0.5 - 1.2 * XS[i] + 2.0 * XS[i] * XS[i] + 0.05 * sin(17.0 * i);
    }
    gen_array *x = gen_array_from(GEN_F64, GEN_DIMS(N_X), XS);
    gen_args args = {1, &x, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from(GEN_F64, GEN_DIMS(N_X), YS));
    gen_trace *tr = NULL;
    gen_gf *model = gen_dynamic("poly", poly);
    if (gen_generate(model, gen_key_new(1), &args, obs, &tr, NULL) != GEN_OK) {
        fprintf(stderr, "generate failed: %s\n", gen_error_message());
        return 1;
    }
    gen_selection *sel = gen_select_paths(3, (const char *const[]){"a", "b", "c"});
    gen_target *t = gen_target_new(tr, sel);
    if (!t) {
        fprintf(stderr, "target failed: %s\n", gen_error_message());
        return 1;
    }
    bench_args b = {tr, t, gen_array_from(GEN_F64, GEN_DIMS(3), ((double[]){0.1, 0.2, 0.3})), sel, 0, 0};
    double lp, hg[3];
    gen_array *g = NULL;
    gen_target_logpdf_grad(t, b.theta, &lp, &g);
    double hl = hand_logp_grad((double[]){0.1, 0.2, 0.3}, hg);
    const double *gd = gen_array_data(g);
    printf("bench_grad: check logp %.10g (hand %.10g), grad %.6g %.6g %.6g (hand %.6g %.6g %.6g)\n", lp, hl,
           gd[0], gd[1], gd[2], hg[0], hg[1], hg[2]);
    double tm, tb;
    if (argc > 2) { /* "grad" or "hmc": one run of that part only (for perf stat) */
        b.iters = 100;
        if (argv[2][0] == 'g') run_grad(&b);
        else run_hmc(&b);
        gen_target_free(t);
        return 0;
    }
    bench_pair(run_grad, run_hand_grad, &b, reps, N_GRAD, &tm, &tb);
    bench_report("grad", "gen_target_logpdf_grad (us/eval)", tm * 1e6, "us", "hand-written C", tb * 1e6);
    printf("%-44s %12.0f /s\n", "gradient evaluations per second", 1 / tm);
    int64_t iters[3] = {100, 500, 1000};
    for (int k = 0; k < 3; k++) {
        b.iters = iters[k];
        char name[64];
        snprintf(name, sizeof name, "HMC %lld iterations (ms/run)", (long long)iters[k]);
        bench_pair(run_hmc, run_hand_hmc, &b, k == 0 ? reps : (reps + 1) / 2, 1, &tm, &tb);
        bench_report("grad", name, tm * 1e3, "ms", "hand-written C", tb * 1e3);
    }
    gen_target_free(t);
    return 0;
}
