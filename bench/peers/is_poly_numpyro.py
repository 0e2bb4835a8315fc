#!/usr/bin/env python3
"""is_poly_numpyro.py — NumPyro importance sampling on the polynomial regression on the
GPU, the NumPyro peer of bench_is_gpu (bench/run_is_gpu.sh runs them in one job).

The model in NumPyro's primitives (numpyro.sample of a, b, c ~ Normal(0, prior_sd) and
the observed y ~ Normal(a + b x + c x^2, sigma)); importance sampling with the prior as
proposal in NumPyro's own tools: Predictive draws the N particles' a, b, c from the
prior (vmapped over N keys: parallel=True), numpyro.infer.util.log_likelihood gives each
particle's log likelihood of y (vmapped) — its log weight — and the estimate is
logsumexp(weights) - log N; all of it in one jax.jit, returning the draws, the weights
and the estimate. f32 or f64 (--dtype), one process per dtype:
    python3 is_poly_numpyro.py DATA.json --dtype f32 [--sizes 1e3,...] [--reps 21] [--platform gpu]
Timing, output and failures: is_gpu_common.py.
"""
import math
import sys

from is_gpu_common import run_peer


def make_run(jax, jnp, data, n):
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import Predictive
    from numpyro.infer.util import log_likelihood
    xs, ys, sigma, prior_sd = data

    def polynomial(xs, ys):
        a = numpyro.sample("a", dist.Normal(0.0, prior_sd))
        b = numpyro.sample("b", dist.Normal(0.0, prior_sd))
        c = numpyro.sample("c", dist.Normal(0.0, prior_sd))
        numpyro.sample("y", dist.Normal(a + xs * (b + c * xs), sigma), obs=ys)

    prior = Predictive(polynomial, num_samples=n, return_sites=["a", "b", "c"], parallel=True)

    @jax.jit
    def importance_sampling(key):
        draws = prior(key, xs, ys)  # {"a", "b", "c": [n]}; y is observed, not drawn
        log_w = jnp.sum(log_likelihood(polynomial, draws, xs, ys, parallel=True)["y"], axis=-1)
        log_ml = jax.nn.logsumexp(log_w) - math.log(n)
        return draws, log_w, log_ml

    return importance_sampling


def version():
    try:
        import numpyro
        return numpyro.__version__
    except ImportError:
        return "?"


if __name__ == "__main__":
    sys.exit(run_peer("numpyro", make_run, {"numpyro_version": version()}))
