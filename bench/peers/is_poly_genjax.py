#!/usr/bin/env python3
"""is_poly_genjax.py — GenJAX importance sampling on the polynomial regression on the GPU,
the GenJAX peer of bench_is_gpu (bench/run_is_gpu.sh runs them in one job).

Needs GenJAX 1.0 (python >= 3.12; on the GPU machine from the wheels in .whl). The model
as a @gen function (a, b, c ~ normal(0, prior_sd), y ~ normal(a + b x + c x^2, sigma)
over the 50 points, as in hmc_poly_genjax.py); importance sampling with the prior as
proposal in GenJAX's own form: genjax.inference.init, which is a modular_vmap over N of
the model's generate with the constraint {"y": ys} (its log weights are the
likelihoods), and ParticleCollection.log_marginal_likelihood (logsumexp - log N). As in
GenJAX's own benchmarks: jax.jit(seed(run)). The function returns the draws of a, b, c,
the weights and the estimate. f32 or f64 (--dtype), one process per dtype:
    python3 is_poly_genjax.py DATA.json --dtype f32 [--sizes 1e3,...] [--reps 21] [--platform gpu]
Timing, output and failures: is_gpu_common.py. Exits with status 3 and a message when
genjax cannot be imported.
"""
import importlib.metadata
import sys

from is_gpu_common import run_peer

try:
    from genjax import const, gen, normal, seed
    from genjax.inference import init
except ImportError as e:  # GenJAX 1.0 needs python >= 3.12
    print(f"is_poly_genjax: skipped, genjax is not importable here ({e})", file=sys.stderr)
    sys.exit(3)


def make_run(jax, jnp, data, n):
    xs, ys, sigma, prior_sd = data

    @gen
    def polynomial(xs):
        a = normal(0.0, prior_sd) @ "a"
        b = normal(0.0, prior_sd) @ "b"
        c = normal(0.0, prior_sd) @ "c"
        mu = a + xs * (b + c * xs)
        return normal.vmap(in_axes=(0, None))(mu, sigma) @ "y"

    def run():
        particles = init(polynomial, (xs,), const(n), {"y": ys})
        choices = particles.traces.get_choices()
        return ((choices["a"], choices["b"], choices["c"]), particles.log_weights,
                particles.log_marginal_likelihood())

    return jax.jit(seed(run))


if __name__ == "__main__":
    sys.exit(run_peer("genjax", make_run, {"genjax_version": importlib.metadata.version("genjax")}))
