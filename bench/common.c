/* common.c — see common.h. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void bench_report(const char *bench, const char *name, double value, const char *unit,
                  const char *baseline, double baseline_value) {
    if (baseline) {
        printf("%-44s %12.3f %-4s  %6.2fx %s\n", name, value, unit, value / baseline_value, baseline);
        printf("{\"bench\":\"%s\",\"name\":\"%s\",\"median\":%.6g,\"unit\":\"%s\",\"baseline\":\"%s\",\"ratio\":%.4f}\n",
               bench, name, value, unit, baseline, value / baseline_value);
    } else {
        printf("%-44s %12.3f %-4s\n", name, value, unit);
        printf("{\"bench\":\"%s\",\"name\":\"%s\",\"median\":%.6g,\"unit\":\"%s\"}\n", bench, name,
               value, unit);
    }
}

void bench_pair(void (*fn)(void *), void (*baseline)(void *), void *arg, int reps, int64_t inner,
                double *fn_median, double *baseline_median) {
    double *ta = malloc((size_t)reps * sizeof *ta), *tb = malloc((size_t)reps * sizeof *tb);
    fn(arg), baseline(arg); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        fn(arg);
        double t1 = bench_now();
        baseline(arg);
        double t2 = bench_now();
        ta[r] = (t1 - t0) / (double)inner;
        tb[r] = (t2 - t1) / (double)inner;
    }
    qsort(ta, (size_t)reps, sizeof *ta, cmp_double);
    qsort(tb, (size_t)reps, sizeof *tb, cmp_double);
    *fn_median = ta[reps / 2];
    *baseline_median = tb[reps / 2];
    free(ta);
    free(tb);
}

void bench_json_string(char *out, size_t cap, const char *s) {
    size_t k = 0;
    for (; s && *s && k + 3 < cap; s++) {
        if (*s == '"' || *s == '\\') out[k++] = '\\';
        out[k++] = (unsigned char)*s < 0x20 ? ' ' : *s;
    }
    if (cap) out[k] = 0;
}
