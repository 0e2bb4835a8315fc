# diag_reference.py — reference values for tests/infer/test_diag.c, computed with ArviZ.
# Run: python3 diag_reference.py (in a venv with arviz 0.23.4, numpy 2.4.6, scipy 1.17.1,
# the versions used for the values pasted in test_diag.c). The chains are generated here
# exactly as in the test: a 64-bit LCG, Irwin-Hall noise (12 uniforms - 6) and AR(1)
# steps, all exact IEEE arithmetic, so C and Python see the same doubles.
import numpy as np
import arviz as az
from arviz.stats import diagnostics as d
from arviz.stats.stats_utils import quantile as az_quantile

M64 = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.s = seed & M64

    def uniform(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & M64
        return (self.s >> 11) * (1.0 / 9007199254740992.0)

    def noise(self):
        e = 0.0
        for _ in range(12):
            e += self.uniform()
        return e - 6.0


def ar1(seed, nchains, ndraws, phi, shift):
    g = Lcg(seed)
    scale = (1.0 - phi * phi) ** 0.5
    out = np.empty((nchains, ndraws))
    for c in range(nchains):
        x = g.noise()
        for i in range(ndraws):
            x = phi * x + scale * g.noise()
            out[c, i] = x + shift * c
    return out


# name, seed, chains, draws, phi, shift per chain, discretize (ties)
SETS = [
    ("A", 1, 4, 500, 0.5, 0.0, False),
    ("B", 2, 4, 301, 0.9, 0.5, False),
    ("C", 3, 1, 1000, -0.3, 0.0, False),
    ("D", 4, 2, 7, 0.0, 0.0, False),
    ("E", 5, 3, 200, 0.7, 0.0, True),
]

for name, seed, nc, nd, phi, shift, ties in SETS:
    x = ar1(seed, nc, nd, phi, shift)
    if ties:
        x = np.floor(2.0 * x)
    # az.ess/az.rhat/az.mcse on the (chain, draw) array equal the private functions.
    assert float(az.ess(x, method="bulk")) == d._ess_bulk(x)
    if nc > 1:
        assert float(az.rhat(x, method="rank")) == d._rhat_rank(x)
        rhat = d._rhat_rank(x)
    else:  # ArviZ gives NaN for one chain; the same formula on the split chains:
        s = d._split_chains(x)
        rhat = max(d._rhat(d._z_scale(s)), d._rhat(d._z_scale(abs(s - np.median(s)))))
    vals = [
        d._ess_bulk(x), d._ess_tail(x), d._ess_mean(x), d._ess_quantile(x, 0.25),
        rhat, d._rhat(d._split_chains(x)),
        d._mcse_mean(x), d._mcse_sd(x), d._mcse_quantile(x, 0.05), d._mcse_quantile(x, 0.5),
        x.mean(), x.std(ddof=1), np.median(x),
    ] + list(az_quantile(x.ravel(), [0.05, 0.5, 0.95]))
    print("/* %s */ {%s}," % (name, ", ".join("%.17g" % v for v in vals)))
