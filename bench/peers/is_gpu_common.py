"""is_gpu_common.py — what the GPU importance-sampling peers share (is_poly_jax_gpu.py,
is_poly_numpyro.py, is_poly_genjax.py; bench/run_is_gpu.sh runs them beside bench_is_gpu):
the command line, JAX's set-up for one dtype and platform, the timing of one jitted run
per N, and the output (a table row and one JSON line per N, as bench_is_gpu prints).

Command line of every peer:
    PEER.py DATA.json [--dtype f32|f64] [--sizes 1e3,1e4,...] [--reps R] [--platform gpu|cpu]
DATA.json is `bench_is_gpu data FILE` (the 50 points of bench/poly_model.h). One process
runs one dtype (f64 turns jax_enable_x64 on; f32 leaves it off, so every constant and
draw is f32), every N in --sizes (default 1e3 ... 1e7), R timed runs each (default 21)
after one warm-up run (the compilation). A timed run is the jitted call, waiting for all
its outputs (block_until_ready) and reading the log marginal likelihood estimate to the
host: each side ends with the particles (a, b, c and the log weights) on the device and
the estimate on the host, as GenC's gen_importance_sampling_batched does. A size that
fails (out of GPU memory) prints its error in its JSON line and the next size still runs.
"""
import argparse
import json
import statistics
import sys
import time

SIZES = "1e3,1e4,1e5,1e6,1e7"


def parse_args(peer):
    p = argparse.ArgumentParser(prog=f"is_poly_{peer}", description=f"{peer}: batched importance sampling "
                                "on the polynomial regression (bench/poly_model.h)")
    p.add_argument("data", help="the data file of `bench_is_gpu data FILE`")
    p.add_argument("--dtype", choices=("f32", "f64"), default="f32")
    p.add_argument("--sizes", default=SIZES, help=f"particle counts, comma-separated (default {SIZES})")
    p.add_argument("--reps", type=int, default=21, help="timed runs per size (default 21)")
    p.add_argument("--platform", choices=("gpu", "cpu"), default="gpu")
    a = p.parse_args()
    try:
        a.sizes = [int(float(s)) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes: not a list of numbers: {a.sizes}")
    if not a.sizes or min(a.sizes) < 1 or a.reps < 1:
        p.error("--sizes must be positive and --reps at least 1")
    return a


def setup_jax(args):
    """Configures JAX for the dtype and platform (before any array is made) and returns
    (jax, the device's name, the numpy dtype). The platform is required, not preferred:
    without a GPU this raises ("Unknown backend: 'gpu' requested, but no platforms ...")
    and the peer reports it."""
    import jax
    jax.config.update("jax_enable_x64", args.dtype == "f64")
    if args.platform == "cpu":
        jax.config.update("jax_platforms", "cpu")
    dev = jax.devices(args.platform)[0]
    jax.config.update("jax_default_device", dev)
    import jax.numpy as jnp
    device = str(dev)
    return jax, device, jnp.float64 if args.dtype == "f64" else jnp.float32


def load_data(path, jnp, dtype):
    """x [50], y [50] as dtype arrays on the default device, sigma and prior_sd as floats."""
    data = json.load(open(path))
    return (jnp.asarray(data["x"], dtype), jnp.asarray(data["y"], dtype), float(data["sigma"]),
            float(data["prior_sd"]))


def time_runs(jax, run, key, reps):
    """Warm-up (compilation) and reps timed runs of run(key), whose outputs end with the
    log weights and the log marginal likelihood estimate; returns (seconds per run, the
    estimate, the effective sample size of the last run's weights)."""
    out = run(key)
    jax.block_until_ready(out)
    log_ml = float(out[-1])
    times = []
    for _ in range(reps):
        del out
        t0 = time.perf_counter()
        out = run(key)
        jax.block_until_ready(out)
        log_ml = float(out[-1])
        times.append(time.perf_counter() - t0)
    from jax.scipy.special import logsumexp
    log_w = out[-2]
    ess = float(jax.numpy.exp(2 * logsumexp(log_w) - logsumexp(2 * log_w)))  # (sum w)^2 / sum w^2
    return times, log_ml, ess


def error_text(e):
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}"[:300]


def row(peer, args, n, device, times=None, log_ml=None, ess=None, error=None, **extra):
    """Prints the table row and the JSON line of one size."""
    r = {"peer": peer, "bench": "is_poly_gpu", "n": n, "dtype": args.dtype, "device": device}
    if error is None:
        med = statistics.median(times) * 1e3
        r.update(median_ms=med, min_ms=min(times) * 1e3, reps=len(times), log_ml=round(log_ml, 6), ess=ess)
        print(f"{peer:<10} {args.dtype} N = {n:<10d} {med:12.4f} ms   log ML {log_ml:10.4f}   ESS {ess:10.1f}"
              f"   ({device})")
    else:
        r["error"] = error
        print(f"{peer:<10} {args.dtype} N = {n:<10d} failed: {error}")
    r.update(extra)
    print(json.dumps(r), flush=True)


def run_peer(peer, make_run, extra=None):
    """The whole peer: make_run(jax, jnp, data, n) returns a jitted function of a key whose
    outputs end with the log ML estimate; every size is timed and reported. Exits 1 when
    every size failed (e.g. no GPU), else 0."""
    args = parse_args(peer)
    extra = extra or {}
    try:
        jax, device, dtype = setup_jax(args)
        import jax.numpy as jnp
        data = load_data(args.data, jnp, dtype)
        key = jax.random.key(7)
    except Exception as e:  # no GPU, no such platform, a bad data file
        for n in args.sizes:
            row(peer, args, n, args.platform, error=error_text(e), **extra)
        return 1
    failed = 0
    for n in args.sizes:
        try:
            times, log_ml, ess = time_runs(jax, make_run(jax, jnp, data, n), key, args.reps)
            row(peer, args, n, device, times, log_ml, ess, **extra)
        except Exception as e:  # XLA's RESOURCE_EXHAUSTED is a RuntimeError (JaxRuntimeError)
            failed += 1
            row(peer, args, n, device, error=error_text(e), **extra)
        jax.clear_caches()  # each size's executable and buffers go before the next
    return 1 if failed == len(args.sizes) else 0


if __name__ == "__main__":
    sys.exit("is_gpu_common.py is a module of the peers, not a program")
