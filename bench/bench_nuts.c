/* bench_nuts.c — NUTS on the eight posteriordb posteriors (examples/posteriordb): the
 * smallest bulk ESS over the reference parameters per second of sampling and of warm-up
 * plus sampling, leapfrog steps, and gradient evaluations per second; one JSON line per
 * posterior (bench/run_nuts.sh sets them against Stan's). Also issue 6's HMC benchmark:
 * HMC on the polynomial regression, step 0.01, 20 leapfrog steps, 50 warm-up steps then
 * 100 / 500 / 1000 iterations, one chain: ms per run.
 * The optional ADAPT chooses the metric's warm-up (gen_nuts_config.adapt): stan (Stan's
 * windows, the bench's choice when none is given), grad (nutpie's diagonal) or lowrank
 * (nutpie's low-rank, the library's default); the JSON says which.
 * Environment: GENC_BENCH_SEED=K runs with key K (default 1); GENC_BENCH_PATHFINDER=1
 * starts the chains at gen_pathfinder_inits's draws with its variances as
 * gen_nuts_config.init_inv_metric (Pathfinder's time counted as warm-up);
 * GENC_BENCH_TARGET_ACCEPT=A sets gen_nuts_config.target_accept (else the library's
 * default: 0.8 with stan, 0.9 with grad and lowrank); GENC_BENCH_CHAINS=1
 * prints per chain (stderr) the divergences, leapfrogs per draw, step size and inverse
 * metric diagonal.
 *   bench_nuts pdb DIR CHAINS WARMUP DRAWS [stan|grad|lowrank] [INDEX...]
 *   bench_nuts hmc [REPS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc.h"
#include "../examples/posteriordb/posteriordb.h"

/* Gradient evaluations per second at the initial point (about one second of them). */
static double grads_per_second(const gen_trace *tr, const gen_selection *sel) {
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return 0;
    int64_t n = 0;
    double t0 = bench_now(), el = 0;
    while ((el = bench_now() - t0) < 1.0) {
        for (int i = 0; i < 50; i++) {
            gen_scope_begin();
            gen_array *g = NULL;
            double lp;
            gen_target_logpdf_grad(t, gen_target_position(t), &lp, &g);
            gen_scope_end();
        }
        n += 50;
    }
    gen_target_free(t);
    return (double)n / el;
}

/* Per chain, on stderr: divergences in warm-up (by quarter) and sampling, leapfrogs per
 * draw, the final step size, and the inverse metric's smallest and largest entries. */
static void chain_report(const gen_nuts_result *r, int64_t warmup, int64_t draws) {
    const int64_t *sh = gen_array_shape(r->stats);
    int chains = (int)sh[0];
    int64_t iters = warmup + draws, d = gen_array_shape(r->inv_metric)[1];
    bool dense = gen_array_ndim(r->inv_metric) == 3;
    const double *st = gen_array_data(r->stats), *eps = gen_array_data(r->step_size), *m = gen_array_data(r->inv_metric);
    for (int c = 0; c < chains; c++) {
        double dq[4] = {0}, ds = 0, lf = 0, mn = INFINITY, mx = 0;
        for (int64_t i = 0; i < iters; i++) {
            const double *row = st + (c * iters + i) * GEN_NUTS_NSTATS;
            if (i < warmup) dq[4 * i / warmup] += row[GEN_NUTS_DIVERGENT];
            else {
                ds += row[GEN_NUTS_DIVERGENT];
                lf += row[GEN_NUTS_N_LEAPFROG];
            }
        }
        fprintf(stderr, "chain %d: warm-up divergences by quarter %.0f %.0f %.0f %.0f, sampling %.0f, leapfrogs/draw %.1f, "
                "step %.4g, inv_metric diag", c, dq[0], dq[1], dq[2], dq[3], ds, lf / (double)draws, eps[c]);
        for (int64_t j = 0; j < d; j++) {
            double v = dense ? m[(c * d + j) * d + j] : m[c * d + j];
            fprintf(stderr, " %.3g", v);
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
        fprintf(stderr, " (range %.3g)\n", mx / mn);
    }
}

static const char *ADAPT_NAMES[4] = {"default", "stan", "grad", "lowrank"}; /* by gen_metric_adapt */

static int run_pdb(const char *dir, int chains, int64_t warmup, int64_t draws, int which, gen_metric_adapt adapt) {
    gen_scope_begin();
    pdb_posterior p;
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = pdb_load(which, dir, &p) ? pdb_trace(&p, &gf, &args) : NULL;
    if (!tr) {
        fprintf(stderr, "bench_nuts: cannot load %s: %s\n", pdb_names[which], gen_error_message());
        gen_scope_end();
        return 1;
    }
    gen_selection *sel = pdb_selection(&p);
    pdb_cols cols;
    pdb_cols_init(&cols, &p, tr, sel);
    gen_nuts_config cfg = {.warmup = warmup, .draws = draws, .metric = GEN_METRIC_DIAG, .init_radius = 2,
                           .adapt = adapt};
    const char *ta = getenv("GENC_BENCH_TARGET_ACCEPT"); /* another target acceptance than the library's */
    cfg.target_accept = ta ? atof(ta) : adapt == GEN_ADAPT_STAN ? 0.8 : 0.9; /* (its default, stated) */
    gen_trace *init[16];
    for (int c = 0; c < chains && c < 16; c++) init[c] = tr;
    double pf_s = 0; /* Pathfinder's starts and variances (GENC_BENCH_PATHFINDER): counted as warm-up */
    bool pf = getenv("GENC_BENCH_PATHFINDER") != NULL;
    if (pf) {
        double t0 = bench_now();
        gen_array *var = NULL;
        if (gen_pathfinder_inits(gen_key_new(7), tr, sel, NULL, chains < 16 ? chains : 16, init, &var) != GEN_OK) {
            fprintf(stderr, "bench_nuts: %s: pathfinder: %s\n", p.name, gen_error_message());
            gen_scope_end();
            return 1;
        }
        pf_s = bench_now() - t0;
        cfg.init_at_trace = true;
        cfg.init_inv_metric = var;
    }
    gen_nuts_result r;
    /* chains one after another on one thread, as rstan with cores = 1 */
    const char *seed = getenv("GENC_BENCH_SEED"); /* another key: the spread over seeds */
    if (gen_nuts_sample(gen_key_new(seed ? strtoull(seed, NULL, 10) : 1), chains, init, sel, &cfg, 1, &r) != GEN_OK) {
        fprintf(stderr, "bench_nuts: %s: %s\n", p.name, gen_error_message());
        gen_scope_end();
        return 1;
    }
    int64_t dims = gen_array_shape(r.draws)[2], n = chains * draws, iters = warmup + draws;
    const double *x = gen_array_data(r.draws), *st = gen_array_data(r.stats), *sec = gen_array_data(r.seconds);
    double *derived = malloc((size_t)(n * p.n_ref) * sizeof *derived), out[PDB_MAX_PARAMS];
    for (int64_t i = 0; i < n; i++) {
        pdb_draw d = {x + i * dims, pdb_cols_of, &cols};
        p.derive(&p, &d, out);
        for (int k = 0; k < p.n_ref; k++) derived[k * n + i] = out[k];
    }
    double err = 0; /* the largest |mean - reference mean| / reference sd */
    double min_ess = INFINITY, warm_s = 0, samp_s = 0, leap = 0, leap_all = 0, div = 0;
    for (int k = 0; k < p.n_ref; k++) {
        const double *ch[16];
        int64_t nd[16];
        for (int c = 0; c < chains; c++) {
            ch[c] = derived + k * n + c * draws;
            nd[c] = draws;
        }
        double e = NAN, mean = 0;
        gen_ess_bulk(ch, chains, nd, &e);
        if (e < min_ess) min_ess = e;
        for (int64_t i = 0; i < n; i++) mean += derived[k * n + i] / (double)n;
        err = fmax(err, fabs(mean - p.ref_mean[k]) / p.ref_sd[k]);
    }
    warm_s = pf_s;
    for (int c = 0; c < chains; c++) {
        warm_s += sec[2 * c];
        samp_s += sec[2 * c + 1];
        for (int64_t i = 0; i < iters; i++) {
            const double *row = st + (c * iters + i) * GEN_NUTS_NSTATS;
            leap_all += row[GEN_NUTS_N_LEAPFROG];
            if (i >= warmup) {
                leap += row[GEN_NUTS_N_LEAPFROG];
                div += row[GEN_NUTS_DIVERGENT];
            }
        }
    }
    if (getenv("GENC_BENCH_CHAINS")) chain_report(&r, warmup, draws);
    double gps = grads_per_second(tr, sel);
    printf("{\"peer\": \"genc\", \"adapt\": \"%s\", \"seed\": %s, \"target_accept\": %g, \"warmup\": %lld, "
           "\"pathfinder\": %s, "
           "\"posterior\": \"%s\", \"min_ess_bulk\": %.6g, "
           "\"warmup_s\": %.6g, \"sampling_s\": %.6g, \"leapfrog_sampling\": %.0f, \"leapfrog_total\": %.0f, "
           "\"leapfrog_per_draw\": %.4g, \"divergent\": %.0f, \"grad_per_s\": %.6g, \"max_err_sd\": %.3g}\n",
           ADAPT_NAMES[adapt], seed ? seed : "1", cfg.target_accept, (long long)warmup,
           pf ? "true" : "false", p.name, min_ess, warm_s, samp_s, leap, leap_all, leap / (double)n, div, gps, err);
    fflush(stdout);
    free(derived);
    gen_scope_end();
    return 0;
}

/* ---- issue 6's HMC benchmark ---- */

static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior), *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

static int run_hmc(int reps) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    gen_array *x = gen_linspace(0, 1, 50);
    gen_args args = {1, &x, NULL};
    double xs[50], ys[50];
    gen_array_copy_to(x, GEN_F64, xs, sizeof xs);
    for (int i = 0; i < 50; i++) ys[i] = 0.5 - 1.25 * xs[i] + 2.0 * xs[i] * xs[i] + 0.05 * sin(7.0 * i);
    gen_addr ay = {1, {gen_part_name("y")}};
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_array_from(GEN_F64, 1, (int64_t[]){50}, ys));
    gen_trace *tr = NULL;
    if (gen_generate(f, gen_key_new(1), &args, obs, &tr, NULL) != GEN_OK) {
        fprintf(stderr, "bench_nuts: %s\n", gen_error_message());
        return 1;
    }
    gen_addr ps[3] = {{1, {gen_part_name("a")}}, {1, {gen_part_name("b")}}, {1, {gen_part_name("c")}}};
    gen_selection *sel = gen_select(3, ps);
    gen_hmc_kernel k = {sel, 0.01, 20, NULL};
    int64_t ns[3] = {100, 500, 1000};
    for (int j = 0; j < 3; j++) {
        double best = INFINITY, rate = 0, times[64];
        int nr = reps < 64 ? reps : 64;
        for (int r = 0; r < nr; r++) {
            gen_chain_config cfg = {.burn_in = 50, .draws = ns[j], .thin = 1, .sel = sel};
            gen_scope_begin();
            double t0 = bench_now();
            gen_run_chain(gen_kernel_hmc(&k), gen_key_new((uint64_t)r), tr, &cfg, NULL, NULL, &rate);
            times[r] = bench_now() - t0;
            gen_scope_end();
            if (times[r] < best) best = times[r];
        }
        /* median */
        for (int a = 0; a < nr; a++)
            for (int b = a + 1; b < nr; b++)
                if (times[b] < times[a]) {
                    double t = times[a];
                    times[a] = times[b];
                    times[b] = t;
                }
        double med = times[nr / 2];
        printf("{\"peer\": \"genc\", \"bench\": \"hmc_polynomial\", \"iterations\": %lld, \"warmup\": 50, "
               "\"median_ms\": %.4g, \"min_ms\": %.4g, \"ms_per_100\": %.4g, \"accept\": %.3f}\n",
               (long long)ns[j], med * 1e3, best * 1e3, med * 1e3 * 100 / (double)(ns[j] + 50), rate);
    }
    gen_scope_end();
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "hmc")) return run_hmc(argc > 2 ? atoi(argv[2]) : 5);
    if (argc < 6 || strcmp(argv[1], "pdb")) {
        fprintf(stderr, "usage: bench_nuts pdb DIR CHAINS WARMUP DRAWS [stan|grad|lowrank] [INDEX...] | "
                "bench_nuts hmc [REPS]\n");
        return 2;
    }
    int chains = atoi(argv[3]), rc = 0, first = 6;
    if (chains < 1 || chains > 16) chains = 4;
    gen_metric_adapt adapt = GEN_ADAPT_STAN;
    for (int a = GEN_ADAPT_STAN; argc > 6 && a <= GEN_ADAPT_LOW_RANK; a++)
        if (!strcmp(argv[6], ADAPT_NAMES[a])) {
            adapt = (gen_metric_adapt)a;
            first = 7;
        }
    for (int w = 0; w < 8; w++) {
        bool want = argc == first;
        for (int i = first; i < argc; i++) want |= atoi(argv[i]) == w;
        if (want) rc |= run_pdb(argv[2], chains, atoll(argv[4]), atoll(argv[5]), w, adapt);
    }
    return rc;
}
