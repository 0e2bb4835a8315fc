# logp_reference.py — independent values for tests/tools/test_pdb_ports.c: the log density
# that NUTS samples (the model's log joint on the constrained scale plus the log Jacobian
# of the exp transform of sigma, normalizing constants included) and its gradient by
# central differences, at one unconstrained point, for the ports whose NUTS runs are too
# slow for the test (arma11, nes). Plain Python from the Stan programs, no GenC.
#   python3 tests/data/posteriordb/logp_reference.py
import json, math, os

here = os.path.dirname(os.path.abspath(__file__))
LOG2PI = math.log(2 * math.pi)

def normal(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - math.log(s) - 0.5 * LOG2PI

def half_cauchy(x, s):
    return math.log(2 / (math.pi * s)) - math.log1p((x / s) ** 2)

def arma(u, d):
    mu, phi, theta, sigma = u[0], u[1], u[2], math.exp(u[3])
    y = d["y"]
    lp = normal(mu, 0, 10) + normal(phi, 0, 2) + normal(theta, 0, 2) + half_cauchy(sigma, 2.5)
    err = y[0] - (mu + phi * mu)
    lp += normal(err, 0, sigma)
    for t in range(1, len(y)):
        err = y[t] - (mu + phi * y[t - 1] + theta * err)
        lp += normal(err, 0, sigma)
    return lp + u[3]  # log |d sigma / d u|

def nes(u, d):
    beta, sigma = u[:9], math.exp(u[9])
    lp = 0.0
    for n in range(d["N"]):
        a = d["age_discrete"][n]
        x = [1, d["real_ideo"][n], d["race_adj"][n], a == 2, a == 3, a == 4, d["educ1"][n], d["gender"][n], d["income"][n]]
        lp += normal(d["partyid7"][n], sum(b * xi for b, xi in zip(beta, x)), sigma)
    return lp + u[9]

def report(name, f, u):
    d = json.load(open(os.path.join(here, name, "data.json")))
    g = []
    for i in range(len(u)):
        h = 1e-5 * max(1, abs(u[i]))
        up, dn = list(u), list(u)
        up[i] += h
        dn[i] -= h
        g.append((f(up, d) - f(dn, d)) / (2 * h))
    print(name, "logp %.17g" % f(u, d))
    print("  grad {" + ", ".join("%.12g" % v for v in g) + "}")

report("arma-arma11", arma, [0.01, 0.9, -0.05, math.log(0.17)])
report("nes1996-nes", nes, [0.1, 0.9, -1.2, 0.0, -0.3, -0.1, 0.25, -0.05, 0.2, math.log(1.7)])
