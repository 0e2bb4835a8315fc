"""nuts_nutpie.py — the nutpie side of bench/run_nuts.sh (issue 19): the eight posteriordb
posteriors as PyMC models, each a port of bench/stan/<name>.stan (same parameterization,
priors, constraints and transforms; Stan's improper flat priors as pm.Flat / pm.HalfFlat,
its <lower=0> with a Cauchy or normal statement as a half-Cauchy / half-normal), sampled
by nutpie with its defaults (numba backend, diagonal mass matrix adapted from draws and
gradients, target accept 0.8, max depth 10, PyMC's jittered initial point), the same
chains / warm-up / draws as bench_nuts, chains one after another on one core (cores=1:
nuts-rs runs its chains on a pool of that many worker threads). Compile time is not
counted, as for Stan.

Prints one JSON line per posterior in run_stan.R's schema: the smallest bulk ESS (ArviZ)
over the parameters of reference.json (the ones bench_nuts and run_stan.R summarize),
warm-up and sampling seconds (summed over chains), leapfrog steps (nutpie's n_steps) in
sampling and in all, divergences while sampling, and gradient evaluations per second
(nutpie's compiled logp-and-gradient at the initial point in a jit-compiled loop, about a
second, as bench_nuts's loop). A mean further than 5 standard errors from reference.json's (the
error of both: sd^2/ESS + sd^2/10000) is reported on stderr as a warning.

Timing: nutpie 0.16 reports no per-phase times, so the script passes nutpie's progress
hook (ProgressType.template_callback, every 2 ms) a template that prints each chain's
finished draws, and stamps each report with the wall clock. A chain's warm-up ends when
its draw count crosses WARMUP (linear between the two reports around it); a chain ends
(and the next starts) at its last report before finishing plus its remaining draws at its
own sampling rate; the first chain starts when the sampler is created. This uses
nutpie's private _BackgroundSampler (nutpie 0.16.x); where that is missing (another
nutpie) or with --whole, the script times the whole run and splits it between warm-up and
sampling in proportion to their leapfrog steps, and says so in the "timing" key.

Dependencies (benchmark only, not scripts/install-deps.sh):
    pip install nutpie pymc        (measured with nutpie 0.16.8, pymc 5.28.5, arviz 0.23)

    python3 bench/peers/nuts_nutpie.py POSTERIORDB_DIR CHAINS WARMUP DRAWS [--whole] [NAME...]"""
import json
import os
import re
import sys
import time
import warnings

# one core, as rstan's cores = 1: OpenBLAS's threads (the Cholesky factor of gp_pois_regr)
# otherwise spin against the sampler's thread and slow the gradient by up to 100x here
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
warnings.filterwarnings("ignore")
import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

import nutpie  # noqa: E402

NAMES = [
    "arK-arK",
    "earnings-logearn_height",
    "eight_schools-eight_schools_noncentered",
    "garch-garch11",
    "gp_pois_regr-gp_pois_regr",
    "kidiq-kidscore_momiq",
    "low_dim_gauss_mix-low_dim_gauss_mix",
    "sblri-blr",
]


def ark(d):
    K, T = d["K"], d["T"]
    y = np.asarray(d["y"], dtype=float)
    # lags[t - K, k - 1] = y[t - k] for t = K+1..T (1-based), Stan's inner loop as a product
    lags = np.stack([y[K - k : T - k] for k in range(1, K + 1)], axis=1)
    with pm.Model() as m:
        alpha = pm.Normal("alpha", 0, 10)
        beta = pm.Normal("beta", 0, 10, shape=K)
        sigma = pm.HalfCauchy("sigma", 2.5)
        pm.Normal("y", alpha + pt.dot(lags, beta), sigma, observed=y[K:])
    return m


def earnings(d):
    log_earn = np.log(np.asarray(d["earn"], dtype=float))
    height = np.asarray(d["height"], dtype=float)
    with pm.Model() as m:
        beta = pm.Flat("beta", shape=2)
        sigma = pm.HalfFlat("sigma")
        pm.Normal("log_earn", beta[0] + beta[1] * height, sigma, observed=log_earn)
    return m


def eight_schools(d):
    J = d["J"]
    with pm.Model() as m:
        theta_trans = pm.Normal("theta_trans", 0, 1, shape=J)
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        theta = pm.Deterministic("theta", theta_trans * tau + mu)
        pm.Normal("y", theta, np.asarray(d["sigma"], dtype=float), observed=np.asarray(d["y"], dtype=float))
    return m


def garch(d):
    y = np.asarray(d["y"], dtype=float)
    with pm.Model() as m:
        mu = pm.Flat("mu")
        alpha0 = pm.HalfFlat("alpha0")
        alpha1 = pm.Uniform("alpha1", 0, 1)
        # Stan: real<lower=0, upper=(1 - alpha1)> beta1 with no statement is flat in beta1
        # (density 1, not 1 / (1 - alpha1)); PyMC's Uniform has the same logit transform of
        # the same interval, so adding log(1 - alpha1) gives Stan's density exactly
        beta1 = pm.Uniform("beta1", 0, 1 - alpha1)
        pm.Potential("beta1_flat", pt.log1p(-alpha1))
        e2 = pt.square(pt.as_tensor(y[:-1]) - mu)

        def step(e2_prev, s2_prev, a0, a1, b1):
            return a0 + a1 * e2_prev + b1 * s2_prev

        s2, _ = pytensor.scan(
            step,
            sequences=[e2],
            outputs_info=[pt.as_tensor(np.float64(d["sigma1"]) ** 2)],
            non_sequences=[alpha0, alpha1, beta1],
        )
        sigma = pt.concatenate([pt.as_tensor([np.float64(d["sigma1"])]), pt.sqrt(s2)])
        pm.Normal("y", mu, sigma, observed=y)
    return m


def gp_pois_regr(d):
    x = np.asarray(d["x"], dtype=float)
    N = d["N"]
    with pm.Model() as m:
        rho = pm.Gamma("rho", alpha=25, beta=4)
        alpha = pm.HalfNormal("alpha", 2)
        f_tilde = pm.Normal("f_tilde", 0, 1, shape=N)
        # cov_exp_quad(x, alpha, rho) + 1e-10 I, its Cholesky factor, f = L f_tilde
        sq = (x[:, None] - x[None, :]) ** 2
        cov = alpha**2 * pt.exp(-sq / (2 * rho**2)) + 1e-10 * np.eye(N)
        f = pm.Deterministic("f", pt.dot(pt.linalg.cholesky(cov), f_tilde))
        pm.Poisson("k", pt.exp(f), observed=np.asarray(d["k"], dtype="int64"))
    return m


def kidiq(d):
    with pm.Model() as m:
        beta = pm.Flat("beta", shape=2)
        sigma = pm.HalfCauchy("sigma", 2.5)
        mom_iq = np.asarray(d["mom_iq"], dtype=float)
        pm.Normal("kid_score", beta[0] + beta[1] * mom_iq, sigma, observed=np.asarray(d["kid_score"], dtype=float))
    return m


def low_dim_gauss_mix(d):
    y = np.asarray(d["y"], dtype=float)
    with pm.Model() as m:
        # ordered[2]: Stan's and PyMC's transform are the same (mu[2] = mu[1] + exp(u[2]))
        mu = pm.Normal("mu", 0, 2, shape=2, transform=pm.distributions.transforms.ordered, initval=np.array([-1.0, 1.0]))
        sigma = pm.HalfNormal("sigma", 2, shape=2)
        theta = pm.Beta("theta", 5, 5)
        # log_mix(theta, normal_lpdf(y | mu[1], sigma[1]), normal_lpdf(y | mu[2], sigma[2]))
        lp1 = pt.log(theta) + pm.logp(pm.Normal.dist(mu[0], sigma[0]), y)
        lp2 = pt.log1p(-theta) + pm.logp(pm.Normal.dist(mu[1], sigma[1]), y)
        pm.Potential("y", pt.sum(pt.logaddexp(lp1, lp2)))
    return m


def sblri(d):
    X = np.asarray(d["X"], dtype=float)
    with pm.Model() as m:
        beta = pm.Normal("beta", 0, 10, shape=d["D"])
        sigma = pm.HalfNormal("sigma", 10)
        pm.Normal("y", pt.dot(X, beta), sigma, observed=np.asarray(d["y"], dtype=float))
    return m


MODELS = dict(zip(NAMES, [ark, earnings, eight_schools, garch, gp_pois_regr, kidiq, low_dim_gauss_mix, sblri]))

# one line per report: "chain finished_draws;" for every chain
TEMPLATE = "{% for chain in chains %}{{ chain.chain_index }} {{ chain.finished_draws }};{% endfor %}"
RATE_MS = 2


def sample_timed(compiled, chains, warmup, draws, seed):
    """nutpie.sample with a progress hook that stamps each chain's draw count; returns the
    trace and per-chain (warm-up, sampling) seconds."""
    from nutpie import _lib
    from nutpie.sample import _BackgroundSampler

    reports = []  # (wall clock, [finished draws of chain c])

    def hook(text):
        now = time.perf_counter()
        reports.append((now, [int(p.split()[1]) for p in text.split(";") if p.strip()]))

    settings = _lib.PyNutsSettings.Diag(seed)
    settings.num_tune, settings.num_draws, settings.num_chains = warmup, draws, chains
    run = object.__new__(_BackgroundSampler)
    run._settings, run._compiled_model = settings, compiled
    run._save_warmup, run._return_raw_trace, run._html = True, False, None
    run._store = _lib.PyStorage.arrow()
    progress = _lib.ProgressType.template_callback(RATE_MS, TEMPLATE, 1, hook)
    t0 = time.perf_counter()
    run._sampler = compiled._make_sampler(settings, np.zeros(compiled.n_dim), 1, progress, run._store)
    run._sampler.wait(None)
    t_end = time.perf_counter()
    trace = run._extract(run._sampler.take_results())
    total = warmup + draws
    start, phases = t0, []
    for c in range(chains):
        ts = [t for t, fd in reports if len(fd) > c]
        fd = [f[c] for _, f in reports if len(f) > c]
        t_warm = crossing(ts, fd, warmup, start)
        # the last report before the chain finished, and the first sampling report
        j = max((i for i in range(len(fd)) if fd[i] < total), default=None)
        a = min((i for i in range(len(fd)) if fd[i] >= warmup), default=None)
        nxt = next((ts[i] for i in range(len(fd)) if fd[i] >= total), t_end)
        if j is None:
            end = nxt
        elif a is not None and a < j and fd[j] > fd[a]:
            end = min(nxt, ts[j] + (total - fd[j]) * (ts[j] - ts[a]) / (fd[j] - fd[a]))
        else:
            end = 0.5 * (ts[j] + nxt)
        if c == chains - 1:
            end = min(end, t_end)
        phases.append((t_warm - start, end - t_warm))
        start = end
    return trace, phases


def crossing(ts, fd, k, lo):
    """Wall clock at which a chain's draw count reached k: linear between the reports
    around the crossing (the chain's start lo before the first report)."""
    for i in range(len(fd)):
        if fd[i] >= k:
            t_prev, f_prev = (ts[i - 1], fd[i - 1]) if i > 0 and ts[i - 1] >= lo else (lo, 0)
            if fd[i] == f_prev:
                return ts[i]
            return max(lo, t_prev + (k - f_prev) * (ts[i] - t_prev) / (fd[i] - f_prev))
    return ts[-1] if ts else lo


def sample_whole(compiled, chains, warmup, draws, seed):
    t0 = time.perf_counter()
    trace = nutpie.sample(compiled, chains=chains, tune=warmup, draws=draws, cores=1, seed=seed, progress_bar=False)
    return trace, time.perf_counter() - t0


def grads_per_second(compiled):
    """Gradient evaluations per second at the unconstrained origin (nutpie's init_mean):
    nutpie's compiled logp-and-gradient (a numba cfunc, as nuts-rs calls it) in a
    jit-compiled loop, for about a second, as bench_nuts's loop of gen_target_logpdf_grad
    (nutpie 0.16 has no benchmark_logp for PyMC models)."""
    import numba

    f = compiled.compiled_logp_func.ctypes

    @numba.njit
    def loop(k, x, g, lp, ud):
        bad = 0
        for _ in range(k):
            bad += f(x.size, x.ctypes, g.ctypes, lp.ctypes, ud) != 0
        return bad

    x, g, lp = np.zeros(compiled.n_dim), np.zeros(compiled.n_dim), np.zeros(1)
    ud = compiled.user_data.ctypes.data
    loop(1, x, g, lp, ud)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        loop(200, x, g, lp, ud)
        n += 200
    return n / (time.perf_counter() - t0)


def flat_draws(trace):
    """{Stan name: chains x draws} for every variable of the posterior ("beta[1]" ...)."""
    out = {}
    for var, arr in trace.posterior.data_vars.items():
        v = np.asarray(arr)
        if v.ndim == 2:
            out[var] = v
        else:
            v = v.reshape(v.shape[0], v.shape[1], -1)
            for i in range(v.shape[2]):
                out[f"{var}[{i + 1}]"] = v[:, :, i]
    return out


def main():
    args = sys.argv[1:]
    whole = "--whole" in args
    args = [a for a in args if a != "--whole"]
    d, chains, warmup, draws = args[0], int(args[1]), int(args[2]), int(args[3])
    names = args[4:] or NAMES
    for name in names:
        data = json.load(open(os.path.join(d, name, "data.json")))
        ref = json.load(open(os.path.join(d, name, "reference.json")))["params"]
        compiled = nutpie.compile_pymc_model(MODELS[name](data))
        timing = "progress"
        if not whole:
            try:
                trace, phases = sample_timed(compiled, chains, warmup, draws, seed=1)
                warm_s, samp_s = sum(p[0] for p in phases), sum(p[1] for p in phases)
            except (AttributeError, ImportError, TypeError) as e:
                print(f"nuts_nutpie: no progress hook in nutpie {nutpie.__version__} ({e}); timing the whole run", file=sys.stderr)
                whole = True
        if whole:
            trace, total_s = sample_whole(compiled, chains, warmup, draws, seed=1)
            timing = "whole run split by leapfrogs"
        steps = np.asarray(trace.sample_stats["n_steps"], dtype=float)
        steps_warm = np.asarray(trace.warmup_sample_stats["n_steps"], dtype=float)
        leap, leap_all = steps.sum(), steps.sum() + steps_warm.sum()
        if whole:
            warm_s, samp_s = total_s * steps_warm.sum() / leap_all, total_s * leap / leap_all
        div = float(np.asarray(trace.sample_stats["diverging"]).sum())
        x = flat_draws(trace)
        ess = {}
        for p, r in ref.items():
            ess[p] = float(az.ess(x[p], method="bulk"))
            z = abs(x[p].mean() - r["mean"]) / np.sqrt(r["sd"] ** 2 / ess[p] + r["sd"] ** 2 / 10000)
            if z > 5:
                print(f"nuts_nutpie: warning: {name} {p}: mean {x[p].mean():.5g}, reference {r['mean']:.5g} "
                      f"({z:.1f} standard errors)", file=sys.stderr)
        gps = grads_per_second(compiled)
        print(json.dumps({"peer": "nutpie", "posterior": name, "min_ess_bulk": min(ess.values()),
                          "warmup_s": warm_s, "sampling_s": samp_s, "leapfrog_sampling": leap,
                          "leapfrog_total": leap_all, "divergent": div, "grad_per_s": gps,
                          "timing": timing}), flush=True)


if __name__ == "__main__":
    main()
