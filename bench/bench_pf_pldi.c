/* bench_pf_pldi.c — the bootstrap particle filter on the nonlinear state-space model of
 * Gen's PLDI 2019 paper (Kitagawa's model), 20 steps:
 *   x_1 ~ N(0, sqrt 5),  x_t ~ N(x_t-1 / 2 + 25 x_t-1 / (1 + x_t-1^2) + 8 cos(1.2 t), sqrt 10),
 *   y_t ~ N(x_t^2 / 20, 1),
 * written once with Unfold and run one particle at a time (gen_pf_init) and batched
 * (gen_pf_init_batched), resampling (systematic) when the ESS falls below n / 2. The data
 * are simulated from the model with a fixed key. Reported: the median time of a whole
 * filter run (init and 19 steps) per side and particle count, with the log marginal
 * likelihood of the last run, against Gen.jl's published 88 ms for 200 particles (a
 * published number, not measured here) and, for the batched filter, against the
 * one-at-a-time filter at the same n measured in this run.
 *   bench_pf_pldi [--device cpu|cuda] [--sizes 200,1e4,1e6] [--reps R] [--scalar-max N]
 * --device cuda runs the batched filter with the GPU as the default device (the model's
 * arrays live there); the one-at-a-time filter always runs on the CPU, up to
 * --scalar-max particles (default 1e4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc.h"

enum { T = 20, MAX_SIZES = 8 };
static const double GEN_JL_MS = 88.0; /* Gen.jl, 200 particles (PLDI 2019) */

static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_item_i64(args->v[0], &t);
    gen_array *mean, *sd;
    if (t == 0) {
        mean = gen_scalar(0);
        sd = gen_scalar(sqrt(5.0));
    } else {
        gen_array *x = args->v[1];
        mean = gen_add(gen_add(gen_mul(gen_scalar(0.5), x),
                               gen_div(gen_mul(gen_scalar(25), x), gen_add(gen_scalar(1), gen_mul(x, x)))),
                       gen_scalar(8 * cos(1.2 * (double)(t + 1))));
        sd = gen_scalar(sqrt(10.0));
    }
    gen_array *x = gen_choose(ctx, "x", gen_normal(mean, sd));
    gen_choose(ctx, "y", gen_normal(gen_div(gen_mul(x, x), gen_scalar(20)), gen_scalar(1)));
    *retval = x;
    return gen_ctx_status(ctx);
}

static gen_addr at(int64_t t, const char *name) { return (gen_addr){2, {gen_part_int(t), gen_part_name(name)}}; }

/* One filter run of n particles over ys; its log ML in *lml. */
static gen_status run_filter(const gen_gf *model, const double *ys, bool batched, int64_t n, uint64_t seed,
                             double *lml) {
    gen_scope_begin();
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0)};
    gen_args args = {2, v, NULL};
    gen_diff d[2] = {gen_diff_int(1), gen_diff_no_change()};
    gen_key key = gen_key_new(seed);
    gen_pf *pf = NULL;
    gen_addr a0 = at(0, "y");
    gen_status s = (batched ? gen_pf_init_batched : gen_pf_init)(
        model, gen_key_fold_in(key, 0), &args, gen_choicemap_set(gen_choicemap_empty(), &a0, gen_scalar(ys[0])), NULL,
        NULL, n, &pf);
    for (int t = 1; s == GEN_OK && t < T; t++) {
        gen_scope_begin();
        gen_key k[2];
        gen_key_split(gen_key_fold_in(key, (uint64_t)t), 2, k);
        gen_addr a = at(t, "y");
        v[0] = gen_scalar_i64(t + 1);
        s = gen_pf_maybe_resample(pf, k[0], GEN_RESAMPLE_SYSTEMATIC, (double)n / 2, NULL);
        if (s == GEN_OK)
            s = gen_pf_step(pf, k[1], &args, d, gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(ys[t])), NULL,
                            NULL);
        gen_scope_end();
    }
    if (s == GEN_OK) s = gen_pf_log_ml(pf, lml);
    gen_pf_free(pf);
    gen_scope_end();
    return s;
}


/* The median seconds of reps runs (after one warm-up run); -1 on error (printed). */
static double time_runs(const gen_gf *model, const double *ys, bool batched, int64_t n, int reps, gen_device dev,
                        double *lml) {
    double *dt = calloc((size_t)reps, sizeof *dt);
    if (!dt) return -1;
    double med = -1;
    gen_status s = run_filter(model, ys, batched, n, 1, lml);
    if (s == GEN_OK && dev != GEN_DEVICE_CPU) s = gen_device_synchronize(dev);
    for (int r = 0; s == GEN_OK && r < reps; r++) {
        double t0 = bench_now();
        s = run_filter(model, ys, batched, n, 2 + (uint64_t)r, lml);
        if (s == GEN_OK && dev != GEN_DEVICE_CPU) s = gen_device_synchronize(dev);
        dt[r] = bench_now() - t0;
    }
    if (s != GEN_OK) {
        fprintf(stderr, "bench_pf_pldi: %s n=%lld: %s\n", batched ? "batched" : "one at a time", (long long)n,
                gen_error_message());
        gen_error_clear();
    } else {
        med = bench_median(dt, reps);
    }
    free(dt);
    return med;
}

static int usage(void) {
    fprintf(stderr, "usage: bench_pf_pldi [--device cpu|cuda] [--sizes 200,1e4,1e6] [--reps R] [--scalar-max N]\n");
    return 2;
}

int main(int argc, char **argv) {
    int64_t sizes[MAX_SIZES] = {200, 10000, 1000000};
    int n_sizes = 3, reps = 5;
    int64_t scalar_max = 10000;
    bool cuda = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            cuda = !strcmp(argv[++i], "cuda");
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--scalar-max") && i + 1 < argc) {
            scalar_max = (int64_t)atof(argv[++i]);
        } else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            n_sizes = 0;
            for (char *p = strtok(argv[++i], ","); p && n_sizes < MAX_SIZES; p = strtok(NULL, ","))
                sizes[n_sizes++] = (int64_t)atof(p);
        } else {
            return usage();
        }
    }
    if (reps < 1 || n_sizes < 1) return usage();
    gen_scope_begin();
    gen_gf *model = gen_unfold(gen_dynamic("pldi_step", step));
    /* the data: one simulation of the model */
    gen_trace *sim = NULL;
    double ys[T];
    if (gen_simulate(model, gen_key_new(2019), &(gen_args){2, (gen_array *[]){gen_scalar_i64(T), gen_scalar(0)}, NULL},
                     &sim) != GEN_OK) {
        fprintf(stderr, "bench_pf_pldi: %s\n", gen_error_message());
        return 1;
    }
    for (int t = 0; t < T; t++) {
        gen_addr a = at(t, "y");
        gen_item(gen_trace_value(sim, &a), &ys[t]);
    }
    gen_device dev = GEN_DEVICE_CPU;
    if (cuda && (dev = gen_device_cuda(0)) == GEN_DEVICE_NONE) {
        printf("bench_pf_pldi: no GPU: %s (the batched rows run on the CPU)\n", gen_error_message());
        gen_error_clear();
        dev = GEN_DEVICE_CPU;
    }
    printf("bootstrap filter, Gen PLDI nonlinear model, %d steps, systematic resampling at ESS < n/2; median of %d "
           "runs; batched on %s\n",
           T, reps, gen_device_name(dev));
    for (int k = 0; k < n_sizes; k++) {
        int64_t n = sizes[k];
        double lml_s = NAN, lml_b = NAN, ts = -1;
        char name[96];
        if (n <= scalar_max) {
            ts = time_runs(model, ys, false, n, reps, GEN_DEVICE_CPU, &lml_s);
            snprintf(name, sizeof name, "one at a time, n=%lld (log ML %.3f)", (long long)n, lml_s);
            if (ts > 0) bench_report("pf_pldi", name, ts * 1e3, "ms/run", "Gen.jl 88 ms (published, n=200)", GEN_JL_MS);
        }
        gen_device old = gen_device_set_default(dev);
        double tb = time_runs(model, ys, true, n, reps, dev, &lml_b);
        gen_device_set_default(old);
        snprintf(name, sizeof name, "batched (%s), n=%lld (log ML %.3f)", gen_device_name(dev), (long long)n, lml_b);
        if (tb > 0 && n == 200)
            printf("  batched, 200 particles: %.0fx faster than Gen.jl's published 88 ms (goal: 100x)\n",
                   GEN_JL_MS / (tb * 1e3));
        if (tb > 0) {
            if (ts > 0)
                bench_report("pf_pldi", name, tb * 1e3, "ms/run", "one at a time", ts * 1e3);
            else
                bench_report("pf_pldi", name, tb * 1e3, "ms/run", "Gen.jl 88 ms (published, n=200)", GEN_JL_MS);
        }
    }
    gen_scope_end();
    return 0;
}
