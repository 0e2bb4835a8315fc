#!/usr/bin/env python3
"""hmc_poly_jax.py — hand-written JAX HMC on the polynomial regression, the JAX peer of
bench_hmc_poly (bench/run_hmc.sh runs both in one job).

The same target and algorithm as the C side: a, b, c ~ N(0, 1), y ~ N(a + b x + c x^2,
0.05) on the data that `bench_hmc_poly data FILE` writes; step 0.01, 20 leapfrog steps,
identity metric, one chain from (0, 0, 0), every state recorded; the log density and
gradient of the current point carried from one iteration to the next. One jitted
lax.scan per chain length; timed after a warm-up call (compilation), with
block_until_ready. f64. Run it on one core with one XLA thread:
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        taskset -c 0 python3 hmc_poly_jax.py DATA.json [REPS]
Prints one JSON line per chain length (as bench_hmc_poly does).
"""
import json
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402

STEP, N_LEAPFROG = 0.01, 20


def make_chain(xs, ys, sigma, prior_sd, n):
    def logp(q):
        mu = q[0] + xs * (q[1] + q[2] * xs)
        return -0.5 * jnp.sum(((ys - mu) / sigma) ** 2) - 0.5 * jnp.sum((q / prior_sd) ** 2)

    logp_grad = jax.value_and_grad(logp)

    def iteration(state, key):
        q, lp, g = state
        kp, ku = jax.random.split(key)
        p = jax.random.normal(kp, (3,))
        h0 = -lp + 0.5 * jnp.dot(p, p)

        def leapfrog(_, s):
            q1, p1, lp1, g1 = s
            p1 = p1 + 0.5 * STEP * g1
            q1 = q1 + STEP * p1
            lp1, g1 = logp_grad(q1)
            p1 = p1 + 0.5 * STEP * g1
            return q1, p1, lp1, g1

        q1, p1, lp1, g1 = jax.lax.fori_loop(0, N_LEAPFROG, leapfrog, (q, p, lp, g))
        h1 = -lp1 + 0.5 * jnp.dot(p1, p1)
        accept = jnp.log(jax.random.uniform(ku)) < h0 - h1
        q, lp, g = jax.lax.cond(accept, lambda: (q1, lp1, g1), lambda: (q, lp, g))
        return (q, lp, g), (q, accept)

    @jax.jit
    def chain(key):
        q0 = jnp.zeros(3)
        lp0, g0 = logp_grad(q0)
        _, (draws, accepts) = jax.lax.scan(iteration, (q0, lp0, g0), jax.random.split(key, n))
        return draws, accepts

    return chain


def main():
    data = json.load(open(sys.argv[1]))
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    xs, ys = jnp.array(data["x"]), jnp.array(data["y"])
    for n in (100, 500, 1000):
        chain = make_chain(xs, ys, data["sigma"], data["prior_sd"], n)
        key = jax.random.key(3)
        jax.block_until_ready(chain(key))  # compile
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            draws, accepts = jax.block_until_ready(chain(key))
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        mean = [float(v) for v in draws[n // 2:].mean(axis=0)]
        print(json.dumps({"peer": "jax", "bench": "hmc_poly", "iterations": n, "median_ms": med * 1e3,
                          "ms_per_100": med * 1e3 * 100 / n, "accept": round(float(accepts.mean()), 3),
                          "mean": [round(v, 5) for v in mean]}), flush=True)


if __name__ == "__main__":
    main()
