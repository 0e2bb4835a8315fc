#!/usr/bin/env python3
"""chees_blackjax.py — BlackJAX's ChEES-HMC on the polynomial regression, the peer of
`bench_hmc_batched chees` (same model and data: `bench_hmc_batched data FILE` writes them).

N chains from the prior (a, b, c ~ N(0, 1)), blackjax.chees_adaptation (Halton jitter,
target acceptance 0.651, Adam lr 0.025, initial step 1, identity metric: BlackJAX's ChEES
adapts none) for W iterations, then D draws of dynamic HMC with the adapted parameters,
all chains vmapped in one jitted program. Timed after a compilation call, with
block_until_ready; the ESS is the C side's estimator's (bulk, rank-normalized split chains,
here ArviZ's if installed, else none). f64, CPU, one XLA thread:
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \\
        taskset -c 0 python3 chees_blackjax.py DATA.json [N] [W] [D] [REPS]
Prints one JSON line.
"""
import json
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import blackjax  # noqa: E402
from blackjax.mcmc import dynamic_hmc  # noqa: E402


def main():
    data = json.load(open(sys.argv[1]))
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    w = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    d = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    reps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    xs, ys = jnp.array(data["x"]), jnp.array(data["y"])
    sigma, prior_sd = data["sigma"], data["prior_sd"]

    def logp(q):
        mu = q[0] + xs * (q[1] + q[2] * xs)
        return -0.5 * jnp.sum(((ys - mu) / sigma) ** 2) - 0.5 * jnp.sum((q / prior_sd) ** 2)

    warmup = blackjax.chees_adaptation(logp, n)
    max_bits = np.ceil(np.log2(w + d))

    def steps_fn(i, n_leap):
        return jnp.asarray(jnp.ceil(dynamic_hmc.halton_sequence(i, max_bits) * n_leap), dtype=int)

    kernel = dynamic_hmc.build_kernel(next_random_arg_fn=lambda i: i + 1, integration_steps_fn=steps_fn)

    def run(key):
        k0, k1, k2 = jax.random.split(key, 3)
        q0 = prior_sd * jax.random.normal(k0, (n, 3))
        (states, params), _ = warmup.run(k1, q0, 1.0, optax.adam(0.025), w, max_sampling_steps=d)
        eps, nl = params["step_size"], params["integration_steps_params"][0]
        imm = params["inverse_mass_matrix"]

        def one(states, key):
            keys = jax.random.split(key, n)
            states, info = jax.vmap(lambda k, s: kernel(k, s, logp, eps, imm, (nl,)))(keys, states)
            return states, (states.position, info.num_integration_steps)

        _, (draws, nsteps) = jax.lax.scan(one, states, jax.random.split(k2, d))
        return draws, nsteps, eps, nl

    f = jax.jit(run)
    jax.block_until_ready(f(jax.random.PRNGKey(0)))  # compile
    times, out = [], None
    for r in range(reps):
        t0 = time.perf_counter()
        out = jax.block_until_ready(f(jax.random.PRNGKey(r + 1)))
        times.append(time.perf_counter() - t0)
    draws, nsteps, eps, nl = out
    draws = np.asarray(draws).transpose(1, 0, 2)  # [chains, draws, 3]
    ess = None
    try:
        import arviz as az
        ess = min(float(az.ess(draws[:, :, k], method="bulk")) for k in range(3))
    except ImportError:
        pass
    t = statistics.median(times)
    print(json.dumps({"bench": "chees", "impl": "blackjax", "chains": n, "warmup": w, "draws": d, "reps": reps,
                      "median_s": t, "min_ess_bulk": ess, "ess_per_s": ess / t if ess else None,
                      "step_size": float(eps), "traj_length": float(eps * nl),
                      "leapfrogs_per_draw": float(np.mean(np.asarray(nsteps))),
                      "mean": [float(v) for v in draws.reshape(-1, 3).mean(0)]}))


if __name__ == "__main__":
    main()
