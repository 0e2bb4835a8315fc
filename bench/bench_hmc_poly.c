/* bench_hmc_poly.c — HMC on the polynomial regression (bench/poly_model.h), issue 13's
 * HMC benchmark: step 0.01, 20 leapfrog steps, identity metric, one chain from
 * a = b = c = 0, 100 / 500 / 1000 iterations (no warm-up), every state recorded.
 * GenC runs it through the public API only (gen_run_chain with gen_kernel_hmc), so a
 * build whose inference library compiles the model shows the compiled time here with no
 * change. Baseline in the same process: a hand-written C HMC loop for the same model
 * (analytic gradient, the gradient of the last accepted point reused), the ideal a
 * compiler could reach. Runs alternate GenC / C rep by rep; one JSON line per side and
 * length with the median time, ms per 100 iterations, the acceptance rate and the mean of
 * the second half of the draws (the exact posterior mean is printed beside, as a check that
 * both sides sample the same posterior). bench/run_hmc.sh adds the JAX and GenJAX peers.
 *   bench_hmc_poly [REPS]        (default 7)
 *   bench_hmc_poly data FILE     (the data as JSON, for the peers) */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "poly_model.h"

#define STEP 0.01
#define N_LEAPFROG 20
#define MAX_ITERS 1000

static double xs[POLY_POINTS], ys[POLY_POINTS];

/* ---- the hand-written HMC ---- */

/* Log posterior (up to a constant) and its gradient at q = (a, b, c). */
static double logp_grad(const double q[3], double g[3]) {
    double s0 = 0, s1 = 0, s2 = 0, ss = 0;
    for (int j = 0; j < POLY_POINTS; j++) {
        double x = xs[j], r = ys[j] - (q[0] + x * (q[1] + q[2] * x));
        ss += r * r;
        s0 += r;
        s1 += r * x;
        s2 += r * x * x;
    }
    const double prec = 1 / (POLY_SIGMA * POLY_SIGMA);
    g[0] = prec * s0 - q[0];
    g[1] = prec * s1 - q[1];
    g[2] = prec * s2 - q[2];
    return -0.5 * prec * ss - 0.5 * (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
}

/* splitmix64: uniforms on (0, 1) and Box–Muller normals for momenta and acceptance. */
static double uniform01(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static double normal01(uint64_t *s) {
    return sqrt(-2 * log(uniform01(s))) * cos(6.283185307179586 * uniform01(s));
}

typedef struct chain_run {
    int64_t n;                  /* iterations */
    uint64_t seed;              /* C side */
    gen_kernel kernel;          /* GenC side */
    const gen_trace *init;      /* GenC side */
    const gen_selection *sel;   /* GenC side */
    double draws[MAX_ITERS][3]; /* the recorded states */
    double accept;
    int failed;
} chain_run;

static void run_c(void *arg) {
    chain_run *r = arg;
    uint64_t s = r->seed;
    double q[3] = {0, 0, 0}, g[3], lp = logp_grad(q, g);
    int64_t accepted = 0;
    for (int64_t it = 0; it < r->n; it++) {
        double p[3], q1[3] = {q[0], q[1], q[2]}, g1[3] = {g[0], g[1], g[2]}, lp1 = lp;
        for (int k = 0; k < 3; k++) p[k] = normal01(&s);
        double h0 = -lp + 0.5 * (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        for (int l = 0; l < N_LEAPFROG; l++) {
            for (int k = 0; k < 3; k++) p[k] += 0.5 * STEP * g1[k];
            for (int k = 0; k < 3; k++) q1[k] += STEP * p[k];
            lp1 = logp_grad(q1, g1);
            for (int k = 0; k < 3; k++) p[k] += 0.5 * STEP * g1[k];
        }
        double h1 = -lp1 + 0.5 * (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        if (log(uniform01(&s)) < h0 - h1) {
            memcpy(q, q1, sizeof q);
            memcpy(g, g1, sizeof g);
            lp = lp1;
            accepted++;
        }
        memcpy(r->draws[it], q, sizeof q);
    }
    r->accept = (double)accepted / (double)r->n;
}

/* ---- GenC ---- */

static void run_genc(void *arg) {
    chain_run *r = arg;
    gen_scope_begin();
    gen_chain_config cfg = {.burn_in = 0, .draws = r->n, .thin = 1, .sel = r->sel};
    gen_array *samples = NULL;
    if (gen_run_chain(r->kernel, gen_key_new(r->seed), r->init, &cfg, &samples, NULL, &r->accept) != GEN_OK)
        r->failed = 1;
    else
        gen_array_copy_to(samples, GEN_F64, r->draws, (size_t)r->n * sizeof r->draws[0]);
    gen_scope_end();
}

static void second_half_mean(const chain_run *r, double m[3]) {
    int64_t from = r->n / 2;
    for (int k = 0; k < 3; k++) {
        double s = 0;
        for (int64_t i = from; i < r->n; i++) s += r->draws[i][k];
        m[k] = s / (double)(r->n - from);
    }
}

/* path: for GenC, how its target evaluates the model (gen_target_compile_note). */
static void report(const char *peer, const chain_run *r, double seconds, const double exact[3], const char *path) {
    double m[3];
    second_half_mean(r, m);
    char note[512];
    bench_json_string(note, sizeof note, path);
    printf("{\"peer\": \"%s\", \"bench\": \"hmc_poly\", \"iterations\": %lld, \"median_ms\": %.6g, "
           "\"ms_per_100\": %.6g, \"accept\": %.3f, \"mean\": [%.5f, %.5f, %.5f], \"exact_mean\": [%.5f, %.5f, %.5f]%s%s%s}\n",
           peer, (long long)r->n, seconds * 1e3, seconds * 1e3 * 100 / (double)r->n, r->accept, m[0], m[1], m[2],
           exact[0], exact[1], exact[2], path ? ", \"path\": \"" : "", note, path ? "\"" : "");
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "data")) return poly_write_data(argv[2]);
    int reps = argc > 1 ? atoi(argv[1]) : 7;
    if (argc > 2 || reps < 1) {
        fprintf(stderr, "usage: bench_hmc_poly [REPS] | bench_hmc_poly data FILE\n");
        return 2;
    }
    openblas_set_num_threads(1);
    gen_scope_begin();
    poly_data(xs, ys);
    gen_gf *f = gen_dynamic("polynomial", poly_model);
    gen_array *x = gen_linspace(0, 1, POLY_POINTS);
    gen_args args = {1, &x, NULL};
    gen_addr ps[3] = {{1, {gen_part_name("a")}}, {1, {gen_part_name("b")}}, {1, {gen_part_name("c")}}};
    gen_choicemap *start = poly_observations(ys);
    for (int k = 0; k < 3; k++) start = gen_choicemap_set(start, &ps[k], gen_scalar(0));
    gen_trace *init = NULL;
    if (gen_generate(f, gen_key_new(1), &args, start, &init, NULL) != GEN_OK) {
        fprintf(stderr, "bench_hmc_poly: %s\n", gen_error_message());
        gen_scope_end();
        return 1;
    }
    gen_selection *sel = gen_select(3, ps);
    gen_hmc_kernel k = {sel, STEP, N_LEAPFROG, NULL};
    gen_target *target = gen_target_new(init, sel); /* only to say how GenC runs the model */
    char path[400];
    snprintf(path, sizeof path, "%s", target ? gen_target_compile_note(target) : gen_error_message());
    gen_target_free(target);
    /* "genc", or "genc_eager" when compilation is off (GENC_COMPILE=0) */
    const char *genc = gen_compile_enabled() ? "genc" : "genc_eager";
    double exact[3], log_ml;
    poly_posterior(xs, ys, exact, &log_ml);
    static chain_run r;
    r.kernel = gen_kernel_hmc(&k);
    r.init = init;
    r.sel = sel;
    r.seed = 3;
    int64_t ns[3] = {100, 500, 1000};
    for (int j = 0; j < 3; j++) {
        r.n = ns[j];
        double t_genc, t_c;
        bench_pair(run_genc, run_c, &r, reps, 1, &t_genc, &t_c);
        if (r.failed) {
            fprintf(stderr, "bench_hmc_poly: GenC HMC failed: %s\n", gen_error_message());
            gen_scope_end();
            return 1;
        }
        run_genc(&r); /* the reported acceptance and mean: each side's own last run */
        report(genc, &r, t_genc, exact, path);
        run_c(&r);
        report("c_loop", &r, t_c, exact, NULL);
        fflush(stdout);
    }
    gen_scope_end();
    return 0;
}
