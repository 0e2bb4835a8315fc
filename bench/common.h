/* common.h — timing helpers shared by the benchmarks: a monotonic clock, medians of
 * repeated runs, and one table row + one JSON line per measurement. */
#ifndef GENC_BENCH_COMMON_H
#define GENC_BENCH_COMMON_H

#include <stdint.h>

double bench_now(void); /* seconds, monotonic */
/* Runs fn(arg) `reps` times (after one warm-up run) and returns the median seconds per
 * call of fn divided by `inner` (the number of operations one call performs). */
double bench_median(void (*fn)(void *), void *arg, int reps, int64_t inner);
/* Prints "name  value unit  (ratio x baseline_name)" and a JSON line for scripts. */
void bench_report(const char *bench, const char *name, double value, const char *unit,
                  const char *baseline, double baseline_value);

#endif
