#!/usr/bin/env python3
"""nuts_numpyro_chains.py — NumPyro's NUTS with N vectorized chains (chain_method=
"vectorized": every chain one lane of one jitted program) on the polynomial regression,
the peer of `bench_hmc_batched nuts` (same model and data: `bench_hmc_batched data FILE`
writes them). NumPyro's defaults (diagonal metric adapted in Stan's windows per chain,
target acceptance 0.8, max tree depth 10), chains from the prior, W warm-up iterations and
D draws. Timed after a first call of the same shapes (compilation), with the draws on the
host. The ESS is Stan's bulk ESS (rank-normalized split chains, Geyer's initial monotone
sequence: ess_bulk below, the estimator of gen_ess_bulk and ArviZ), summed over the chains
as one [N, D] set, the smallest of a, b, c.
    python3 nuts_numpyro_chains.py DATA.json [N] [W] [D] [REPS] [cpu|gpu]
On the CPU, one XLA thread:
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \\
        taskset -c 0 python3 nuts_numpyro_chains.py DATA.json 1000 200 200 3 cpu
Prints one JSON line.
"""
import json
import statistics
import sys
import time

import numpy as np


def _autocov(x):
    """Biased autocovariances of each row of x [m, n] (FFT)."""
    m, n = x.shape
    x = x - x.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, size, axis=1)
    return np.fft.irfft(f * np.conj(f), size, axis=1)[:, :n] / n


def _ess(x):
    """Stan's ESS of the chains x [m, n] (Geyer's initial positive monotone sequence)."""
    m, n = x.shape
    acov = _autocov(x)
    chain_mean = x.mean(axis=1)
    mean_var = np.mean(acov[:, 0]) * n / (n - 1)
    var_plus = mean_var * (n - 1) / n + (np.var(chain_mean, ddof=1) if m > 1 else 0)
    rho = np.zeros(n)
    rho[0] = 1
    even, odd = 1.0, 1 - (mean_var - np.mean(acov[:, 1])) / var_plus
    rho[1] = odd
    t = 1
    while t < n - 3 and even + odd > 0:
        even = 1 - (mean_var - np.mean(acov[:, t + 1])) / var_plus
        odd = 1 - (mean_var - np.mean(acov[:, t + 2])) / var_plus
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2
        t += 2
    tau = max(-1 + 2 * np.sum(rho[: max_t + 1]) + rho[max_t + 1], 1 / np.log10(m * n))
    return m * n / tau


def ess_bulk(x):
    """Bulk ESS of draws x [chains, draws]: split chains, rank-normalized."""
    from scipy.special import ndtri  # numpy has no inverse normal CDF (scipy comes with jax)

    m, n = x.shape
    h = n // 2
    s = np.concatenate([x[:, :h], x[:, n - h:]], axis=0)
    flat = s.reshape(-1)
    order = flat.argsort(kind="mergesort")
    ranks = np.empty(flat.size)
    ranks[order] = np.arange(1, flat.size + 1)
    # average ranks of ties
    vals, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
    if counts.max() > 1:
        sums = np.bincount(inv, weights=ranks)
        ranks = (sums / counts)[inv]
    p = (ranks - 3 / 8) / (flat.size + 1 / 4)
    return _ess(ndtri(p).reshape(s.shape))


def main():
    data = json.load(open(sys.argv[1]))
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    w = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    d = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    reps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    platform = sys.argv[6] if len(sys.argv) > 6 else "cpu"

    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", platform if platform != "gpu" else "cuda")
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    xs, ys = jnp.array(data["x"]), jnp.array(data["y"])
    sigma, prior_sd = data["sigma"], data["prior_sd"]

    def model():
        a = numpyro.sample("a", dist.Normal(0.0, prior_sd))
        b = numpyro.sample("b", dist.Normal(0.0, prior_sd))
        c = numpyro.sample("c", dist.Normal(0.0, prior_sd))
        numpyro.sample("y", dist.Normal(a + xs * (b + c * xs), sigma), obs=ys)

    mcmc = MCMC(NUTS(model), num_warmup=w, num_samples=d, num_chains=n, chain_method="vectorized",
                progress_bar=False)

    def run(key):
        k0 = jax.random.PRNGKey(1000 + key)
        init = {k: prior_sd * jax.random.normal(jax.random.fold_in(k0, i), (n,)) for i, k in enumerate("abc")}
        mcmc.run(jax.random.PRNGKey(key), init_params=init, extra_fields=("num_steps",))
        s = mcmc.get_samples(group_by_chain=True)
        return {k: np.asarray(v) for k, v in s.items()}, np.asarray(mcmc.get_extra_fields()["num_steps"])

    run(0)  # compilation
    times, out = [], None
    for r in range(reps):
        t0 = time.perf_counter()
        out = run(r + 1)
        times.append(time.perf_counter() - t0)
    draws, steps = out
    ess = min(float(ess_bulk(draws[k])) for k in "abc")
    t = statistics.median(times)
    print(json.dumps({"bench": "nuts_chains", "impl": "numpyro", "platform": platform, "chains": n, "warmup": w,
                      "draws": d, "reps": reps, "median_s": t, "min_ess_bulk": ess, "ess_per_s": ess / t,
                      "leapfrogs_per_draw": float(np.mean(steps)),
                      "mean": [float(draws[k].mean()) for k in "abc"]}))


if __name__ == "__main__":
    main()
