"""advi_numpyro.py — the NumPyro side of bench/run_advi.sh: SVI with an AutoNormal guide
(mean-field Gaussian in unconstrained space, as ADVI's) on eight schools (non-centered),
on the CPU, one particle per gradient (Trace_ELBO), Adam with step 0.01 (NumPyro has no
eta search). Convergence uses Stan's test, so that "time to converge" means the same
thing on every side: every 100 iterations (one jit-compiled block of 100 updates) the ELBO
is estimated with 100 particles, and the run stops when the mean or the median of the last
max(0.1 * 10000 / 100, 2) relative changes is below 0.01, or at 10000 iterations. Compile
time is excluded (a first run warms every function up). Then iterations per second:
blocks of 100 updates for 10000 iterations with the ELBO estimate every block, as Stan's
loop. Prints one JSON line of medians over REPS runs (keys 1..REPS).
    python3 bench/peers/advi_numpyro.py POSTERIORDB_DIR [REPS]"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.infer import SVI, Trace_ELBO  # noqa: E402
from numpyro.infer.autoguide import AutoNormal  # noqa: E402

jax.config.update("jax_enable_x64", True)
d = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 11
data = json.load(open(os.path.join(d, "eight_schools-eight_schools_noncentered", "data.json")))
y = jnp.array(data["y"], dtype=jnp.float64)
sigma = jnp.array(data["sigma"], dtype=jnp.float64)


def model(y, sigma):
    theta_trans = numpyro.sample("theta_trans", dist.Normal(0.0, 1.0).expand([8]).to_event(1))
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    numpyro.sample("y", dist.Normal(theta_trans * tau + mu, sigma).to_event(1), obs=y)


guide = AutoNormal(model)
svi = SVI(model, guide, numpyro.optim.Adam(0.01), Trace_ELBO())
elbo100 = Trace_ELBO(num_particles=100)


@jax.jit
def block(state):
    return jax.lax.fori_loop(0, 100, lambda i, s: svi.update(s, y, sigma)[0], state)


@jax.jit
def elbo(state, key):
    return -elbo100.loss(key, svi.get_params(state), model, guide, y, sigma)


def run(seed, max_iters=10000, tol=0.01):
    key = jax.random.PRNGKey(seed)
    state = svi.init(key, y, sigma)
    jax.block_until_ready(state)
    t0 = time.perf_counter()
    cb = max(int(0.1 * max_iters / 100), 2)
    window, prev, it, conv = [], 0.0, 0, False
    while it < max_iters:
        state = block(state)
        it += 100
        e = float(elbo(state, jax.random.fold_in(key, it)))
        window = (window + [abs((prev - e) / e)])[-cb:]
        prev = e
        if statistics.mean(window) < tol or sorted(window)[len(window) // 2] < tol:
            conv = True
            break
    t = time.perf_counter() - t0
    s = guide.sample_posterior(jax.random.fold_in(key, 1 << 30), svi.get_params(state), sample_shape=(1000,))
    return t, it, conv, float(jnp.mean(s["mu"])), float(jnp.mean(s["tau"]))


run(1000)  # compile
conv_runs = [run(i + 1) for i in range(reps)]
fixed = [run(i + 1, tol=1e-300) for i in range(reps)]
print(json.dumps({"peer": "numpyro", "converge_s": statistics.median(r[0] for r in conv_runs),
                  "iterations": statistics.median(r[1] for r in conv_runs),
                  "converged": sum(r[2] for r in conv_runs), "reps": reps,
                  "iter_per_s": statistics.median(r[1] / r[0] for r in fixed),
                  "mu": statistics.median(r[3] for r in conv_runs),
                  "tau": statistics.median(r[4] for r in conv_runs)}))
