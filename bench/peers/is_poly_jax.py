#!/usr/bin/env python3
"""is_poly_jax.py — hand-written JAX importance sampling on the polynomial regression, the
JAX peer of bench_is_poly (bench/run_is.sh runs both in one job).

The same work as the GenC and C-loop sides: N particles at once, each draws a, b, c from
the N(0, 1) prior, its log weight is the log likelihood of the 50 points of
`bench_is_poly data FILE` under N(a + b x + c x^2, 0.05), and the log marginal likelihood
estimate is the log-mean-exp of the weights; the function returns the draws, the weights
and the estimate. One jitted function per N; timed after a warm-up call (compilation),
with block_until_ready. f64. Run it on one core with one XLA thread:
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \\
        taskset -c 0 python3 is_poly_jax.py DATA.json N [REPS]
Prints one JSON line (as bench_is_poly does); a run that fails (out of memory) prints
its error in the line instead of the times.
"""
import json
import math
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
from jax.scipy.stats import norm  # noqa: E402


def make_is(xs, ys, sigma, prior_sd, n):
    @jax.jit
    def importance_sampling(key):
        a, b, c = prior_sd * jax.random.normal(key, (3, n))
        mu = a[:, None] + xs * (b[:, None] + c[:, None] * xs)  # [n, 50], fused by XLA
        log_w = jnp.sum(norm.logpdf(ys, mu, sigma), axis=1)
        log_ml = jax.nn.logsumexp(log_w) - math.log(n)
        return (a, b, c), log_w, log_ml

    return importance_sampling


def main():
    data = json.load(open(sys.argv[1]))
    n = int(float(sys.argv[2]))
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    row = {"peer": "jax", "bench": "is_poly", "n": n}
    try:
        run = make_is(jnp.array(data["x"]), jnp.array(data["y"]), data["sigma"], data["prior_sd"], n)
        key = jax.random.key(7)
        jax.block_until_ready(run(key))  # compile
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            out = jax.block_until_ready(run(key))
            times.append(time.perf_counter() - t0)
            del out
        out = run(key)
        row.update(median_ms=statistics.median(times) * 1e3, min_ms=min(times) * 1e3, reps=reps,
                   log_ml=round(float(out[2]), 6))
    except (MemoryError, RuntimeError) as e:  # XLA's RESOURCE_EXHAUSTED is a RuntimeError
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:240]
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
