/* common.h — timing helpers shared by the benchmarks: a monotonic clock, medians of
 * repeated runs, and one table row + one JSON line per measurement. */
#ifndef GENC_BENCH_COMMON_H
#define GENC_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

double bench_now(void); /* seconds, monotonic */
/* The median of v[0..n) (n >= 1; sorts v in place). */
double bench_median(double *v, int n);
/* Times fn and its baseline alternately (rep by rep, so drift in machine load hits both
 * alike); writes the two medians (seconds per call / inner). */
void bench_pair(void (*fn)(void *), void (*baseline)(void *), void *arg, int reps, int64_t inner,
                double *fn_median, double *baseline_median);
/* Prints "name  value unit  (ratio x baseline_name)" and a JSON line for scripts. */
void bench_report(const char *bench, const char *name, double value, const char *unit,
                  const char *baseline, double baseline_value);

/* s as the inside of a JSON string (quotes and backslashes escaped, control characters as
 * spaces), cut to fit out[cap]. */
void bench_json_string(char *out, size_t cap, const char *s);

#endif
