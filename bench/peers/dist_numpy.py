#!/usr/bin/env python3
"""dist_numpy.py — the peer side of bench_dist: numpy's Generator and scipy.stats on the
same tasks as bench/bench_dist.c (N = 1e6 values), printing one JSON line per task with the
median seconds over repeated runs. Run by bench/run_dist.sh, which compares the two."""
import json
import sys
import time

import numpy as np
from scipy import stats

N = 1_000_000
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 11


def median_time(fn):
    fn()
    ts = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    rng = np.random.default_rng(1)
    K = 10
    probs = np.full(K, 1.0 / K)
    alpha = np.array([1.0, 2.0, 3.0])
    mean = np.zeros(3)
    cov = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 1.5]])
    x_norm = rng.normal(size=N)
    x_gamma = rng.gamma(2.5, 1.0, size=N)
    x_beta = rng.beta(2.0, 3.0, size=N)
    x_pois = rng.poisson(4.0, size=N)
    x_cat = rng.choice(K, size=N, p=probs)
    x_dir = rng.dirichlet(alpha, size=N // 3)
    x_mvn = rng.multivariate_normal(mean, cov, size=N // 3)
    tasks = {
        "normal": (lambda: rng.normal(0.0, 1.0, size=N), lambda: stats.norm.logpdf(x_norm, 0.0, 1.0), N),
        "gamma": (lambda: rng.gamma(2.5, 1.0, size=N), lambda: stats.gamma.logpdf(x_gamma, 2.5), N),
        "beta": (lambda: rng.beta(2.0, 3.0, size=N), lambda: stats.beta.logpdf(x_beta, 2.0, 3.0), N),
        "poisson": (lambda: rng.poisson(4.0, size=N), lambda: stats.poisson.logpmf(x_pois, 4.0), N),
        "categorical": (lambda: rng.choice(K, size=N, p=probs), lambda: np.log(probs)[x_cat], N),
        "dirichlet": (lambda: rng.dirichlet(alpha, size=N // 3), lambda: stats.dirichlet.logpdf(x_dir.T, alpha), N // 3),
        "mvnormal": (lambda: rng.multivariate_normal(mean, cov, size=N // 3),
                     lambda: stats.multivariate_normal.logpdf(x_mvn, mean, cov), N // 3),
    }
    for name, (sample, logpdf, n) in tasks.items():
        for kind, fn in (("sample", sample), ("logpdf", logpdf)):
            t = median_time(fn)
            print(json.dumps({"peer": "numpy/scipy", "dist": name, "task": kind, "n": n, "median_s": t}))


if __name__ == "__main__":
    main()
