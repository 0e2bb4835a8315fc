/* bench_is_poly.c — batched importance sampling on the polynomial regression
 * (bench/poly_model.h), issue 13's IS benchmark at one particle count N: all N particles
 * in one run, the prior as proposal, on one core.
 *   GenC: gen_importance_sampling_batched through the public API (the batched trace of
 *     a, b, c [N], the log weights [N] and the log marginal likelihood estimate), so a
 *     build whose inference library compiles the model shows the compiled time here with
 *     no change.
 *   C loop: the same work by hand, fused: the prior draws a, b, c [N] (gen_random_normal:
 *     GenC's own Threefry + ziggurat normals, so both sides pay the same random numbers),
 *     then one pass that computes each particle's log likelihood over the 50 points (its
 *     log weight) without temporaries, and the log-mean-exp of the weights.
 * The two alternate rep by rep; one JSON line per side with the median time and the log
 * marginal likelihood estimate beside the exact one (the model is linear Gaussian): both
 * sides approach it as N grows (the prior is a poor proposal for 50 precise points, so
 * the estimate is heavy-tailed and low at small N), a check that they compute the same. A side that fails (e.g. GEN_ERR_OOM at N = 1e7 under a memory
 * limit) prints a line with its error instead and the other side still runs.
 * bench/run_is.sh runs it for N = 1e3 ... 1e7 with the JAX peer.
 *   bench_is_poly N [REPS]        (default 5)
 *   bench_is_poly data FILE       (the data as JSON, for the peers) */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "poly_model.h"

static double xs[POLY_POINTS], ys[POLY_POINTS], exact_log_ml;

typedef struct is_run {
    int64_t n;
    gen_gf *model;
    gen_args args;
    const gen_choicemap *obs;
    double log_ml;
    char error[256]; /* empty: the run succeeded */
} is_run;

static void run_genc(is_run *r) {
    gen_scope_begin();
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    if (gen_importance_sampling_batched(r->model, gen_key_new(7), &r->args, r->obs, NULL, NULL, r->n, &tr, &lw,
                                        &r->log_ml) != GEN_OK)
        snprintf(r->error, sizeof r->error, "%s", gen_error_message());
    gen_scope_end();
}

static void run_c(is_run *r) {
    gen_scope_begin();
    /* draws[k * n + i]: coefficient k of particle i */
    gen_array *draws = gen_random_normal(gen_key_new(7), GEN_F64, GEN_DIMS(3, r->n));
    double *lw = malloc((size_t)r->n * sizeof *lw);
    if (!draws || !lw) {
        snprintf(r->error, sizeof r->error, "out of memory: %s", draws ? "log weights" : gen_error_message());
        free(lw);
        gen_scope_end();
        return;
    }
    const double *a = gen_array_data(draws), *b = a + r->n, *c = b + r->n;
    const double inv_sd = 1 / POLY_SIGMA, norm = -POLY_POINTS * (log(POLY_SIGMA) + 0.91893853320467274);
    double max = -INFINITY;
    for (int64_t i = 0; i < r->n; i++) {
        double ss = 0;
        for (int j = 0; j < POLY_POINTS; j++) {
            double z = (ys[j] - (a[i] + xs[j] * (b[i] + c[i] * xs[j]))) * inv_sd;
            ss += z * z;
        }
        lw[i] = norm - 0.5 * ss;
        if (lw[i] > max) max = lw[i];
    }
    double total = 0;
    for (int64_t i = 0; i < r->n; i++) total += exp(lw[i] - max);
    r->log_ml = max + log(total / (double)r->n);
    free(lw);
    gen_scope_end();
}

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* GenC's row is "genc", or "genc_eager" when compilation is off (GENC_COMPILE=0). */
static void report(const char *peer, const is_run *r, double *times, int reps) {
    if (r->error[0]) {
        char msg[512];
        bench_json_string(msg, sizeof msg, r->error);
        printf("{\"peer\": \"%s\", \"bench\": \"is_poly\", \"n\": %lld, \"error\": \"%s\"}\n", peer, (long long)r->n,
               msg);
        return;
    }
    qsort(times, (size_t)reps, sizeof *times, cmp_double);
    printf("{\"peer\": \"%s\", \"bench\": \"is_poly\", \"n\": %lld, \"median_ms\": %.6g, \"min_ms\": %.6g, "
           "\"reps\": %d, \"log_ml\": %.6f, \"exact_log_ml\": %.6f}\n",
           peer, (long long)r->n, times[reps / 2] * 1e3, times[0] * 1e3, reps, r->log_ml, exact_log_ml);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "data")) return poly_write_data(argv[2]);
    char *end = NULL;
    double nd = argc > 1 ? strtod(argv[1], &end) : 0; /* 1e7 or 10000000 */
    long long n = nd >= 1 && nd <= 1e12 && end && !*end && nd == floor(nd) ? (long long)nd : 0;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (argc < 2 || argc > 3 || n < 1 || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: bench_is_poly N [REPS] | bench_is_poly data FILE\n");
        return 2;
    }
    openblas_set_num_threads(1);
    gen_scope_begin();
    poly_data(xs, ys);
    double mean[3];
    poly_posterior(xs, ys, mean, &exact_log_ml);
    gen_array *x = gen_linspace(0, 1, POLY_POINTS);
    is_run g = {.n = n, .model = gen_dynamic("polynomial", poly_model), .args = {1, &x, NULL},
                .obs = poly_observations(ys)};
    is_run c = g;
    double *tg = malloc((size_t)reps * sizeof *tg), *tc = malloc((size_t)reps * sizeof *tc);
    /* warm-up, as the JAX peer's (its compilation): GenC captures and compiles the model
     * on a first call of this size, and both sides' allocators meet their block sizes */
    run_genc(&g);
    run_c(&c);
    for (int r = 0; r < reps; r++) { /* alternate, so drift in machine load hits both; a
                                        side that has failed is not run again */
        double t0 = bench_now();
        if (!g.error[0]) run_genc(&g);
        double t1 = bench_now();
        if (!c.error[0]) run_c(&c);
        double t2 = bench_now();
        tg[r] = t1 - t0;
        tc[r] = t2 - t1;
    }
    report(gen_compile_enabled() ? "genc" : "genc_eager", &g, tg, reps);
    report("c_loop", &c, tc, reps);
    free(tg);
    free(tc);
    gen_scope_end();
    return 0;
}
