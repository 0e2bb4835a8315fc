#!/usr/bin/env python3
"""hmc_poly_genjax.py — GenJAX HMC on the polynomial regression, the GenJAX peer of
bench_hmc_poly (bench/run_hmc.sh runs it when `import genjax` works).

Needs GenJAX 1.0 (python >= 3.12), so it runs on the GPU machine's host, not
on the 3.11 development machine. The model, data and algorithm are those of
bench_hmc_poly and hmc_poly_jax.py: a, b, c ~ N(0, 1), y ~ N(a + b x + c x^2, 0.05) on
the data of `bench_hmc_poly data FILE`; GenJAX's own HMC kernel (genjax.inference.hmc,
step 0.01, 20 leapfrog steps) chained by genjax.inference.chain, one chain from
a = b = c = 0 (generate with those constrained), 100 / 500 / 1000 iterations, no burn-in.
As in GenJAX's own timing benchmark: jax.jit(seed(run)), timed after a warm-up call,
with block_until_ready. f64. Run it on one core with one XLA thread:
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        taskset -c 0 python3 hmc_poly_genjax.py DATA.json [REPS]
Prints one JSON line per chain length; exits with status 3 and a message when genjax
cannot be imported.
"""
import json
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402

try:
    import genjax
    from genjax import const, gen, normal, sel
    from genjax.inference import chain, hmc

    try:
        from genjax import seed
    except ImportError:
        from genjax.pjax import seed
except ImportError as e:  # GenJAX 1.0 needs python >= 3.12
    print(f"hmc_poly_genjax: skipped, genjax is not importable here ({e})", file=sys.stderr)
    sys.exit(3)

STEP, N_LEAPFROG = 0.01, 20


def main():
    data = json.load(open(sys.argv[1]))
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    xs, ys = jnp.array(data["x"]), jnp.array(data["y"])
    sigma, prior_sd = float(data["sigma"]), float(data["prior_sd"])  # JSON may hold 1 as an int

    @gen
    def polynomial(xs):
        a = normal(0.0, prior_sd) @ "a"
        b = normal(0.0, prior_sd) @ "b"
        c = normal(0.0, prior_sd) @ "c"
        mu = a + xs * (b + c * xs)
        return normal.vmap(in_axes=(0, None))(mu, sigma) @ "y"

    start = {"a": jnp.array(0.0), "b": jnp.array(0.0), "c": jnp.array(0.0), "y": ys}
    init_trace, _ = seed(lambda: polynomial.generate(start, xs))(jax.random.key(1))
    selection = sel("a") | sel("b") | sel("c")

    def kernel(trace):
        return hmc(trace, selection, STEP, N_LEAPFROG)

    run_chain = chain(kernel)
    for n in (100, 500, 1000):

        def run():
            result = run_chain(init_trace, n_steps=const(n), burn_in=const(0),
                               autocorrelation_resampling=const(1), n_chains=const(1))
            return result.traces.get_choices(), result.acceptance_rate

        run_jit = jax.jit(seed(run))
        key = jax.random.key(3)
        jax.block_until_ready(run_jit(key))  # compile
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            choices, rate = jax.block_until_ready(run_jit(key))
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        mean = [round(float(jnp.mean(choices[k][n // 2:])), 5) for k in ("a", "b", "c")]
        print(json.dumps({"peer": "genjax", "bench": "hmc_poly", "iterations": n, "median_ms": med * 1e3,
                          "ms_per_100": med * 1e3 * 100 / n, "accept": round(float(rate), 3), "mean": mean,
                          "genjax_version": getattr(genjax, "__version__", "?")}), flush=True)


if __name__ == "__main__":
    main()
