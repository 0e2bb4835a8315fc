/* bench_dist.c — batched sampling and logpdf throughput of seven families at N = 1e6
 * values (issue 3), printing one JSON line per task in the format of
 * bench/peers/dist_numpy.py; bench/run_dist.sh runs both and reports the ratios. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc.h"

#define N 1000000

typedef struct task {
    const char *name;
    gen_dist *d;
    int64_t n;      /* values per draw / density evaluation */
    gen_array *x;   /* points for logpdf */
} task;

static task *current;
static uint64_t round_no;

static void run_sample(void *arg) {
    (void)arg;
    gen_scope_begin();
    gen_dist_sample(current->d, gen_key_new(round_no++), 1, &current->n);
    gen_scope_end();
}

static void run_logpdf(void *arg) {
    (void)arg;
    gen_scope_begin();
    gen_dist_logpdf(current->d, current->x);
    gen_scope_end();
}

static void noop(void *arg) { (void)arg; }

static double median_of(void (*fn)(void *), int reps) {
    double a, b;
    bench_pair(fn, noop, NULL, reps, 1, &a, &b);
    return a;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 11;
    openblas_set_num_threads(1);
    gen_scope_begin();
    double cov[9] = {2.0, 0.5, 0.1, 0.5, 1.0, 0.2, 0.1, 0.2, 1.5};
    task tasks[] = {
        {"normal", gen_normal(gen_scalar(0), gen_scalar(1)), N, NULL},
        {"gamma", gen_gamma(gen_scalar(2.5), gen_scalar(1)), N, NULL},
        {"beta", gen_beta(gen_scalar(2), gen_scalar(3)), N, NULL},
        {"poisson", gen_poisson(gen_scalar(4)), N, NULL},
        {"categorical", gen_categorical(gen_full(GEN_F64, GEN_DIMS(10), 0.1)), N, NULL},
        {"dirichlet", gen_dirichlet(gen_array_from_f64(GEN_DIMS(3), (double[]){1, 2, 3})), N / 3, NULL},
        {"mvnormal", gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_array_from_f64(GEN_DIMS(3, 3), cov)), N / 3, NULL},
    };
    for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++) {
        current = &tasks[i];
        if (!current->d) {
            fprintf(stderr, "bench_dist: %s: %s\n", current->name, gen_error_message());
            return 1;
        }
        current->x = gen_dist_sample(current->d, gen_key_new(1000 + i), 1, &current->n);
        double ts = median_of(run_sample, reps), tl = median_of(run_logpdf, reps);
        printf("{\"peer\": \"genc\", \"dist\": \"%s\", \"task\": \"sample\", \"n\": %lld, \"median_s\": %.6g}\n",
               current->name, (long long)current->n, ts);
        printf("{\"peer\": \"genc\", \"dist\": \"%s\", \"task\": \"logpdf\", \"n\": %lld, \"median_s\": %.6g}\n",
               current->name, (long long)current->n, tl);
    }
    gen_scope_end();
    return 0;
}
