#!/usr/bin/env python3
"""is_poly_jax_gpu.py — hand-written JAX importance sampling on the polynomial regression
on the GPU, the JAX peer of bench_is_gpu (bench/run_is_gpu.sh runs them in one job).

The work of every side: N particles at once draw a, b, c from the N(0, prior_sd) prior,
each particle's log weight is the log likelihood of the 50 points under
N(a + b x + c x^2, sigma), and the log marginal likelihood estimate is
logsumexp(weights) - log N. The whole of it is one jax.jit (XLA fuses the [N, 50]
likelihood into the sum: nothing of that size is stored); the function returns the draws,
the weights and the estimate. f32 or f64 (--dtype), one process per dtype:
    python3 is_poly_jax_gpu.py DATA.json --dtype f32 [--sizes 1e3,...] [--reps 21] [--platform gpu]
Timing, output and failures: is_gpu_common.py.
"""
import math
import sys

from is_gpu_common import run_peer


def make_run(jax, jnp, data, n):
    from jax.scipy.stats import norm
    xs, ys, sigma, prior_sd = data
    dtype = xs.dtype

    @jax.jit
    def importance_sampling(key):
        a, b, c = prior_sd * jax.random.normal(key, (3, n), dtype)
        mu = a[:, None] + xs * (b[:, None] + c[:, None] * xs)  # [n, 50], fused by XLA
        log_w = jnp.sum(norm.logpdf(ys, mu, sigma), axis=1)
        log_ml = jax.nn.logsumexp(log_w) - math.log(n)
        return (a, b, c), log_w, log_ml

    return importance_sampling


if __name__ == "__main__":
    sys.exit(run_peer("jax", make_run))
