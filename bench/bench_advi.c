/* bench_advi.c — ADVI (gen_advi, mean-field) on eight schools, non-centered
 * (examples/posteriordb): REPS runs with Stan's defaults (eta search, grad_samples 1,
 * elbo_samples 100, eval_elbo 100, tol_rel_obj 0.01, 1000 draws), keys 1..REPS: median
 * wall time to converge (all of gen_advi: adaptation, ascent, draws) and iterations, and
 * the fitted posterior means of mu and tau (from the draws); then REPS runs of 10000
 * iterations with no adaptation and no convergence stop: median iterations per second
 * (ELBO estimates every 100 iterations included, as in Stan's loop). One JSON line each
 * (bench/run_advi.sh sets them against rstan's vb and NumPyro's SVI).
 *   bench_advi DIR [REPS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc.h"
#include "../examples/posteriordb/posteriordb.h"


/* The mean of column col of [n, dims] draws. */
static double col_mean(const gen_array *draws, int col) {
    const double *x = gen_array_data(draws);
    int64_t n = gen_array_dim(draws, 0), dims = gen_array_dim(draws, 1);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * dims + col];
    return s / (double)n;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_advi DIR [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 11;
    if (reps < 1 || reps > 1000) reps = 11;
    gen_scope_begin();
    pdb_posterior p;
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = pdb_load(2, argv[1], &p) ? pdb_trace(&p, &gf, &args) : NULL;
    if (!tr) {
        fprintf(stderr, "bench_advi: cannot load eight schools: %s\n", gen_error_message());
        return 1;
    }
    gen_selection *sel = pdb_selection(&p);
    pdb_cols cols;
    pdb_cols_init(&cols, &p, tr, sel);
    int cmu = pdb_cols_of(&cols, "mu")[0], ctau = pdb_cols_of(&cols, "tau")[0];
    double *sec = malloc((size_t)reps * sizeof *sec), *its = malloc((size_t)reps * sizeof *its),
           *mu = malloc((size_t)reps * sizeof *mu), *tau = malloc((size_t)reps * sizeof *tau),
           *rate = malloc((size_t)reps * sizeof *rate);
    gen_advi_config dflt = {0};
    gen_advi_result r;
    gen_scope_begin(); /* a first run: the target's compilation (cached afterwards) */
    double t0 = bench_now();
    gen_status s = gen_advi(tr, gen_key_new(1000), sel, &dflt, &r);
    double first = bench_now() - t0;
    gen_scope_end();
    int converged = 0;
    for (int i = 0; s == GEN_OK && i < reps; i++) {
        gen_scope_begin();
        t0 = bench_now();
        s = gen_advi(tr, gen_key_new((uint64_t)i + 1), sel, &dflt, &r);
        sec[i] = bench_now() - t0;
        if (s == GEN_OK) {
            its[i] = (double)r.iterations;
            converged += r.converged;
            mu[i] = col_mean(r.draws, cmu);
            tau[i] = col_mean(r.draws, ctau);
        }
        gen_scope_end();
    }
    gen_advi_config fixed = {.no_adapt = true, .max_iters = 10000, .tol_rel_obj = 1e-12, .draws = 1000};
    for (int i = 0; s == GEN_OK && i < reps; i++) {
        gen_scope_begin();
        t0 = bench_now();
        s = gen_advi(tr, gen_key_new((uint64_t)i + 1), sel, &fixed, &r);
        rate[i] = (double)r.iterations / (bench_now() - t0);
        gen_scope_end();
    }
    if (s != GEN_OK) {
        fprintf(stderr, "bench_advi: %s\n", gen_error_message());
        return 1;
    }
    gen_target *t = gen_target_new(tr, sel);
    bool compiled = gen_target_compiled(t);
    gen_target_free(t);
    printf("{\"peer\": \"genc\", \"converge_s\": %.6g, \"iterations\": %.0f, \"converged\": %d, \"reps\": %d, "
           "\"iter_per_s\": %.6g, \"mu\": %.4g, \"tau\": %.4g, \"first_s\": %.6g, \"compiled\": %s}\n",
           bench_median(sec, reps), bench_median(its, reps), converged, reps, bench_median(rate, reps), bench_median(mu, reps),
           bench_median(tau, reps), first, compiled ? "true" : "false");
    free(sec);
    free(its);
    free(mu);
    free(tau);
    free(rate);
    gen_scope_end();
    return 0;
}
