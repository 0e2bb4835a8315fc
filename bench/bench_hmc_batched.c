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
 * and the chains' values on gen_device_cuda(0). */
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

static int usage(void) {
    fprintf(stderr, "usage: bench_hmc_batched [--device cpu|cuda] [--chains N] [--base M] [--steps K] [--reps R]\n");
    return 2;
}

int main(int argc, char **argv) {
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
