/* bench_hmc_batched.c — issue 15's batched HMC benchmark: chains x transitions per
 * second of HMC on the polynomial regression (bench/poly_model.h; step 0.01, 20 leapfrog
 * steps, identity metric, as bench_hmc_poly) for
 *   batched:  CHAINS chains as the particles of one batched trace, each transition one
 *             gen_hmc on it (every chain accepting on its own; the chains evaluated
 *             together by gen_target_logpdf_grad_chains: one kernel on a GPU);
 *   scalar:   the baseline, BASE chains as scalar traces, each transition one gen_hmc
 *             per chain (fewer chains: the throughput is per chain, so it does not
 *             depend on their number).
 * Every chain starts at the exact posterior mean (a, b, c) and makes STEPS transitions
 * per timed run; the two sides alternate rep by rep (bench_pair) and the medians are
 * reported with their ratio, with each side's acceptance rate and the batched chains'
 * mean of (a, b, c) beside the exact posterior mean, as a check.
 *   bench_hmc_batched [--device cuda] [--chains N] [--base M] [--steps K] [--reps R]
 * (defaults: cpu, N = 10000, M = 100, K = 5, R = 5). --device cuda puts x, the observed y
 * and the chains' values on gen_device_cuda(0).
 *   bench_hmc_batched chees [--device cuda] [--chains N] [--warmup W] [--draws D] [--reps R]
 * (defaults: cpu, N = 1000, W = 200, D = 200, R = 3): issue 19's many-chains run, N chains
 * of gen_chees_sample (ChEES-HMC with its defaults) from the prior, W warm-up iterations
 * and D draws each; the total bulk ESS over the chains of each of a, b, c (gen_ess_bulk
 * of the [N, D] draws) per second of the whole call (warm-up included), the smallest of
 * the three reported, with the adapted step size, trajectory length, leapfrog steps per
 * draw and the chains' mean of (a, b, c) beside the exact posterior mean. The median
 * over R runs (keys 1..R). bench/peers/chees_blackjax.py runs BlackJAX's ChEES on the same
 * model and data (`bench_hmc_batched data FILE` writes them).
 *   bench_hmc_batched nuts [--device cuda] [--chains N] [--warmup W] [--draws D] [--reps R]
 *                          [--adapt stan|grad]
 * the same run and report with gen_nuts_sample_batched (NUTS over the batched trace, its
 * defaults: per-chain step sizes, reported as their median; no T; --adapt grad: the
 * pooled metric from draws and gradients, GEN_ADAPT_GRADIENT). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "poly_model.h"

#define STEP 0.01
#define N_LEAPFROG 20

typedef struct setup {
    int64_t chains, base, steps;
    gen_trace *batched;   /* CHAINS particles */
    gen_trace **scalar;   /* BASE traces */
    const gen_selection *sel;
    gen_device dev;
    double accept_batched, accept_scalar;
    double mean[3];
    int failed;
} setup;

static const gen_addr *params(void) {
    static gen_addr ps[3];
    ps[0] = (gen_addr){1, {gen_part_name("a")}};
    ps[1] = (gen_addr){1, {gen_part_name("b")}};
    ps[2] = (gen_addr){1, {gen_part_name("c")}};
    return ps;
}

static void run_batched(void *arg) {
    setup *s = arg;
    gen_scope_begin();
    gen_hmc_kernel k = {s->sel, STEP, N_LEAPFROG, NULL};
    const gen_trace *cur = s->batched;
    double accepted = 0;
    for (int64_t t = 0; t < s->steps && !s->failed; t++) {
        gen_trace *out = NULL;
        gen_array *acc = NULL;
        if (gen_kernel_apply_batched(gen_kernel_hmc(&k), gen_key_fold_in(gen_key_new(7), (uint64_t)t), cur, &out,
                                     &acc) != GEN_OK) {
            s->failed = 1;
            break;
        }
        double a = 0;
        gen_item(gen_sum(gen_cast(acc, GEN_F64), 0, NULL, false), &a);
        accepted += a;
        cur = out;
    }
    if (!s->failed && gen_device_synchronize(s->dev) != GEN_OK) s->failed = 1;
    s->accept_batched = accepted / (double)(s->chains * s->steps);
    for (int j = 0; j < 3 && !s->failed; j++)
        gen_item(gen_mean(gen_unbatched(gen_trace_value(cur, &params()[j])), 0, NULL, false), &s->mean[j]);
    gen_scope_end();
}

static void run_scalar(void *arg) {
    setup *s = arg;
    double accepted = 0;
    for (int64_t c = 0; c < s->base && !s->failed; c++) {
        gen_scope_begin();
        const gen_trace *cur = s->scalar[c];
        for (int64_t t = 0; t < s->steps; t++) {
            gen_trace *out = NULL;
            bool acc = false;
            gen_key key = gen_key_fold_in(gen_key_fold_in(gen_key_new(8), (uint64_t)c), (uint64_t)t);
            if (gen_hmc(cur, key, s->sel, STEP, N_LEAPFROG, NULL, &out, &acc) != GEN_OK) {
                s->failed = 1;
                break;
            }
            accepted += acc;
            cur = out;
        }
        gen_scope_end();
    }
    s->accept_scalar = accepted / (double)(s->base * s->steps);
}

/* The chees and nuts modes (above); nuts: gen_nuts_sample_batched. */
static int run_chees(int argc, char **argv, bool nuts) {
    int64_t chains = 1000, warmup = 200, draws = 200;
    int reps = 3;
    const char *device = "cpu";
    gen_metric_adapt adapt = GEN_ADAPT_STAN;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) return 2;
        if (!strcmp(argv[i], "--device")) device = argv[++i];
        else if (!strcmp(argv[i], "--chains")) chains = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--warmup")) warmup = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--draws")) draws = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[++i]);
        else if (nuts && !strcmp(argv[i], "--adapt")) {
            i++;
            if (!strcmp(argv[i], "grad")) adapt = GEN_ADAPT_GRADIENT;
            else if (strcmp(argv[i], "stan")) return 2;
        } else return 2;
    }
    if (chains < 2 || warmup < 0 || draws < 4 || reps < 1 || reps > 64) return 2;
    gen_device dev = GEN_DEVICE_CPU;
    if (!strcmp(device, "cuda") && (dev = gen_device_cuda(0)) == GEN_DEVICE_NONE) {
        fprintf(stderr, "bench_hmc_batched: %s\n", gen_error_message());
        return 1;
    } else if (strcmp(device, "cuda") && strcmp(device, "cpu")) {
        return 2;
    }
    gen_scope_begin();
    double xs[POLY_POINTS], ys[POLY_POINTS], exact[3], log_ml;
    poly_data(xs, ys);
    poly_posterior(xs, ys, exact, &log_ml);
    gen_device old = gen_device_set_default(dev);
    gen_array *x = gen_array_to_device(gen_linspace(0, 1, POLY_POINTS), dev);
    gen_args args = {1, &x, NULL};
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_choicemap *obs = poly_observations(ys);
    obs = gen_choicemap_set(obs, &ya, gen_array_to_device(gen_choicemap_find(obs, &ya), dev));
    gen_selection *sel = gen_select(3, params());
    gen_gf *f = gen_dynamic("polynomial", poly_model);
    { /* whether one chain's target compiles on this device (else the chains are evaluated
       * one by one through the model, which on a GPU is a few launches and reads each) */
        gen_trace *one = NULL;
        gen_target *t = gen_generate(f, gen_key_new(99), &args, obs, &one, NULL) == GEN_OK ? gen_target_new(one, sel) : NULL;
        fprintf(stderr, "bench_hmc_batched: one chain's target on %s: %s\n", device,
                t ? gen_target_compile_note(t) : gen_error_message());
        gen_target_free(t);
        gen_error_clear();
    }
    double secs[64], ess_min[64], eps = 0, T = 0, lf = 0, mean[3] = {0};
    int rc = 0;
    double *col = malloc((size_t)(chains * draws) * sizeof *col), *un = NULL;
    const double **rows = malloc((size_t)chains * sizeof *rows);
    int64_t *nd = malloc((size_t)chains * sizeof *nd);
    for (int rep = 0; rep < reps && !rc; rep++) {
        gen_scope_begin();
        gen_trace *tr = NULL;
        gen_chees_config cfg = {.warmup = warmup, .draws = draws};
        gen_chees_result r = {0};
        gen_nuts_batched_config ncfg = {.warmup = warmup, .draws = draws, .adapt = adapt};
        gen_nuts_batched_result nr = {0};
        rc = gen_generate_batched(f, gen_key_new(100 + (uint64_t)rep), chains, &args, obs, &tr, NULL) != GEN_OK;
        double t0 = bench_now();
        if (!rc && nuts) {
            rc = gen_nuts_sample_batched(tr, gen_key_new(1 + (uint64_t)rep), sel, &ncfg, &nr) != GEN_OK;
            r.draws = nr.draws, r.stats = nr.stats;
        } else if (!rc) {
            rc = gen_chees_sample(tr, gen_key_new(1 + (uint64_t)rep), sel, &cfg, &r) != GEN_OK;
        }
        if (!rc) rc = gen_device_synchronize(dev) != GEN_OK;
        secs[rep] = bench_now() - t0;
        if (!rc) {
            int64_t n = chains * draws * 3;
            un = realloc(un, (size_t)n * sizeof *un);
            rc = gen_array_copy_to(r.draws, GEN_F64, un, (size_t)n * sizeof *un) != GEN_OK;
            double *st = malloc((size_t)(chains * (warmup + draws) * GEN_NUTS_NSTATS) * sizeof *st);
            if (!rc) rc = gen_array_copy_to(r.stats, GEN_F64, st, (size_t)(chains * (warmup + draws) * GEN_NUTS_NSTATS) * sizeof *st) != GEN_OK;
            lf = 0;
            for (int64_t c = 0; !rc && c < chains; c++)
                for (int64_t j = warmup; j < warmup + draws; j++)
                    lf += st[(c * (warmup + draws) + j) * GEN_NUTS_NSTATS + GEN_NUTS_N_LEAPFROG] / (double)(chains * draws);
            free(st);
            ess_min[rep] = INFINITY;
            for (int k = 0; !rc && k < 3; k++) {
                mean[k] = 0;
                for (int64_t c = 0; c < chains; c++) {
                    for (int64_t j = 0; j < draws; j++) col[c * draws + j] = un[(c * draws + j) * 3 + k];
                    rows[c] = col + c * draws, nd[c] = draws;
                    for (int64_t j = 0; j < draws; j++) mean[k] += col[c * draws + j] / (double)(chains * draws);
                }
                double e = 0;
                rc = gen_ess_bulk(rows, chains, nd, &e) != GEN_OK;
                if (e < ess_min[rep]) ess_min[rep] = e;
            }
            eps = r.step_size, T = r.traj_length;
            if (!rc && nuts) { /* the chains' median step size */
                double *e = malloc((size_t)chains * sizeof *e);
                rc = gen_array_copy_to(nr.step_size, GEN_F64, e, (size_t)chains * sizeof *e) != GEN_OK;
                eps = rc ? 0 : bench_median(e, (int)chains), T = 0;
                free(e);
            }
        }
        gen_scope_end();
    }
    gen_device_set_default(old);
    free(col), free(un), free(rows), free(nd);
    if (rc) {
        fprintf(stderr, "bench_hmc_batched: %s\n", gen_error_message());
        gen_scope_end();
        return 1;
    }
    double rate[64];
    for (int i = 0; i < reps; i++) rate[i] = ess_min[i] / secs[i];
    double t = bench_median(secs, reps), er = bench_median(rate, reps), ess = bench_median(ess_min, reps);
    printf("%s, %lld chains (%s): warmup %lld, draws %lld: median %.4g s, min bulk ESS %.4g, "
           "%.4g ESS/s; step %.4g, T %.4g, %.2f leapfrogs/draw; mean (a, b, c) = (%.4f, %.4f, %.4f), exact (%.4f, "
           "%.4f, %.4f)\n",
           nuts ? "nuts (gen_nuts_sample_batched)" : "chees (gen_chees_sample)", (long long)chains, device, (long long)warmup, (long long)draws, t, ess, er, eps, T, lf, mean[0], mean[1],
           mean[2], exact[0], exact[1], exact[2]);
    printf("{\"bench\": \"%s\", \"impl\": \"genc\", \"device\": \"%s\", \"chains\": %lld, \"warmup\": %lld, "
           "\"draws\": %lld, \"reps\": %d, \"median_s\": %.6g, \"min_ess_bulk\": %.6g, \"ess_per_s\": %.6g, "
           "\"step_size\": %.6g, \"traj_length\": %.6g, \"leapfrogs_per_draw\": %.4f}\n",
           nuts ? "nuts_batched" : "chees", device, (long long)chains, (long long)warmup, (long long)draws, reps, t, ess, er, eps, T, lf);
    gen_scope_end();
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: bench_hmc_batched [--device cpu|cuda] [--chains N] [--base M] [--steps K] [--reps R]\n"
                    "       bench_hmc_batched chees|nuts [--device cpu|cuda] [--chains N] [--warmup W] [--draws D] [--reps R]\n"
                    "                                      (nuts: [--adapt stan|grad])\n"
                    "       bench_hmc_batched data FILE\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "data")) return poly_write_data(argv[2]) != 0;
    if (argc >= 2 && (!strcmp(argv[1], "chees") || !strcmp(argv[1], "nuts"))) {
        openblas_set_num_threads(1);
        int rc = run_chees(argc, argv, !strcmp(argv[1], "nuts"));
        return rc == 2 ? usage() : rc;
    }
    setup s = {.chains = 10000, .base = 100, .steps = 5, .dev = GEN_DEVICE_CPU};
    int reps = 5;
    const char *device = "cpu";
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) return usage();
        if (!strcmp(argv[i], "--device")) device = argv[++i];
        else if (!strcmp(argv[i], "--chains")) s.chains = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--base")) s.base = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--steps")) s.steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[++i]);
        else return usage();
    }
    if (s.chains < 1 || s.base < 1 || s.steps < 1 || reps < 1) return usage();
    openblas_set_num_threads(1);
    if (!strcmp(device, "cuda")) {
        if ((s.dev = gen_device_cuda(0)) == GEN_DEVICE_NONE) {
            fprintf(stderr, "bench_hmc_batched: %s\n", gen_error_message());
            return 1;
        }
    } else if (strcmp(device, "cpu")) {
        return usage();
    }
    gen_scope_begin();
    double xs[POLY_POINTS], ys[POLY_POINTS], exact[3], log_ml;
    poly_data(xs, ys);
    poly_posterior(xs, ys, exact, &log_ml);
    gen_gf *f = gen_dynamic("polynomial", poly_model);
    gen_array *x = gen_linspace(0, 1, POLY_POINTS);
    gen_args args = {1, &x, NULL};
    gen_selection *sel = gen_select(3, params());
    s.sel = sel;
    /* the scalar chains, on the CPU */
    s.scalar = calloc((size_t)s.base, sizeof *s.scalar);
    gen_choicemap *start = poly_observations(ys);
    for (int j = 0; j < 3; j++) start = gen_choicemap_set(start, &params()[j], gen_scalar(exact[j]));
    int rc = 0;
    for (int64_t c = 0; c < s.base && !rc; c++)
        rc = gen_generate(f, gen_key_new(1), &args, start, &s.scalar[c], NULL) != GEN_OK;
    /* the batched chains, on the device */
    gen_device old = gen_device_set_default(s.dev);
    gen_array *xd = gen_array_to_device(x, s.dev);
    gen_args dargs = {1, &xd, NULL};
    gen_choicemap *bstart = poly_observations(ys);
    bstart = gen_choicemap_set(bstart, &(gen_addr){1, {gen_part_name("y")}},
                               gen_array_to_device(gen_choicemap_find(bstart, &(gen_addr){1, {gen_part_name("y")}}), s.dev));
    for (int j = 0; j < 3; j++)
        bstart = gen_choicemap_set(bstart, &params()[j], gen_batched(gen_full(GEN_F64, 1, &s.chains, exact[j])));
    if (!rc) rc = gen_generate_batched(f, gen_key_new(1), s.chains, &dargs, bstart, &s.batched, NULL) != GEN_OK;
    if (rc) {
        fprintf(stderr, "bench_hmc_batched: %s\n", gen_error_message());
        gen_device_set_default(old);
        gen_scope_end();
        return 1;
    }
    double t_batched, t_scalar;
    bench_pair(run_batched, run_scalar, &s, reps, 1, &t_batched, &t_scalar);
    gen_device_set_default(old);
    if (s.failed) {
        fprintf(stderr, "bench_hmc_batched: %s\n", gen_error_message());
        gen_scope_end();
        return 1;
    }
    double rate_b = (double)(s.chains * s.steps) / t_batched, rate_s = (double)(s.base * s.steps) / t_scalar;
    char name[96];
    snprintf(name, sizeof name, "batched hmc, %lld chains (%s)", (long long)s.chains, device);
    printf("%-44s %12.4g chain-transitions/s  median %.4g s for %lld transitions  accept %.3f\n", name, rate_b,
           t_batched, (long long)s.steps, s.accept_batched);
    snprintf(name, sizeof name, "scalar gen_hmc, %lld chains (cpu)", (long long)s.base);
    printf("%-44s %12.4g chain-transitions/s  median %.4g s for %lld transitions  accept %.3f\n", name, rate_s,
           t_scalar, (long long)s.steps, s.accept_scalar);
    printf("ratio batched / scalar: %.3g x;  batched mean (a, b, c) = (%.4f, %.4f, %.4f), exact (%.4f, %.4f, %.4f)\n",
           rate_b / rate_s, s.mean[0], s.mean[1], s.mean[2], exact[0], exact[1], exact[2]);
    printf("{\"bench\": \"hmc_batched\", \"device\": \"%s\", \"chains\": %lld, \"base_chains\": %lld, \"steps\": %lld, "
           "\"reps\": %d, \"batched_per_s\": %.6g, \"scalar_per_s\": %.6g, \"ratio\": %.6g, \"batched_median_s\": %.6g, "
           "\"scalar_median_s\": %.6g, \"accept_batched\": %.4f, \"accept_scalar\": %.4f}\n",
           device, (long long)s.chains, (long long)s.base, (long long)s.steps, reps, rate_b, rate_s, rate_b / rate_s,
           t_batched, t_scalar, s.accept_batched, s.accept_scalar);
    free(s.scalar);
    gen_scope_end();
    return 0;
}
