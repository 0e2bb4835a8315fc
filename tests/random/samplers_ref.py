#!/usr/bin/env python3
"""samplers_ref.py — an independent Python reference for GenC's raw samplers (gamma, beta,
Poisson, binomial), written from docs/random.md ("Samplers") on top of threefry_ref.py's
Threefry and ziggurat. Prints the golden values pasted into test_samplers.c
(test_golden). Run: python3 tests/random/samplers_ref.py
"""
import math

from threefry_ref import ZK, ZW, key_new, normal_at, tag, threefry2x64, u64_to_f64

TAGS = {"gamma": tag("GenCGamm"), "pois": tag("GenCPois"), "bino": tag("GenCBino"), "beta": tag("GenCBeta")}


def stream(key, t, s):  # (A, Z, V) of stream s: T({3s + r, TAG}, key)
    return tuple(threefry2x64((3 * s + r, t), key) for r in range(3))


def normal(st, i, j, w):  # the ziggurat normal of attempt j of element i
    idx, rabs = w & 0xFF, (w >> 12) & 0xFFFFFFFFFFFFF
    if rabs < ZK[idx]:
        x = rabs * ZW[idx]
        return -x if (w >> 8) & 1 else x
    return normal_at(None, threefry2x64((i, j), st[1]), 0, w)


def gamma_log(st, i, alpha):  # log of the gamma draw (log space when boosted)
    boost = alpha < 1
    d = (alpha + 1 if boost else alpha) - 1.0 / 3
    c = 1 / math.sqrt(9 * d)
    j = 0
    while True:
        w0, w1 = threefry2x64((i, j), st[0])
        z = normal(st, i, j, w0)
        v = 1 + c * z
        if v > 0:
            v = v * v * v
            u, z2 = u64_to_f64(w1), z * z
            if u < 1 - 0.0331 * z2 * z2 or math.log(u) < 0.5 * z2 + d * (1 - v + math.log(v)):
                lx = math.log(d * v)
                if boost:
                    lx += math.log(u64_to_f64(threefry2x64((i, 0), st[2])[0])) / alpha
                return lx, d * v, boost
        j += 1


def gamma(key, n, alpha):
    st = stream(key, TAGS["gamma"], 0)
    out = []
    for i in range(n):
        lx, x, boost = gamma_log(st, i, alpha)
        out.append(math.exp(lx) if boost else x)
    return out


def beta(key, n, a, b):
    sx, sy = stream(key, TAGS["beta"], 0), stream(key, TAGS["beta"], 1)
    out = []
    for i in range(n):
        lx, x, bx = gamma_log(sx, i, a)
        ly, y, by = gamma_log(sy, i, b)
        if not (bx or by):
            out.append(x / (x + y))
            continue
        dd = ly - lx
        out.append(1 / (1 + math.exp(dd)) if dd <= 0 else math.exp(-dd) / (1 + math.exp(-dd)))
    return out


def logfact(k):
    if k <= 22:
        return math.log(math.factorial(int(k)))
    x = k + 1
    r = 1 / x
    r2 = r * r
    s = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))))
    return (x - 0.5) * math.log(x) - x + 0.91893853320467274178 + s


def poisson(key, n, rate):
    A = stream(key, TAGS["pois"], 0)[0]
    out = []
    for i in range(n):
        if rate < 10:
            u = u64_to_f64(threefry2x64((i, 0), A)[0])
            p = F = math.exp(-rate)
            k = 0
            while u > F and k < 63:
                p = p * rate / (k + 1)
                if F + p == F:
                    break
                F += p
                k += 1
            out.append(k)
            continue
        slam = math.sqrt(rate)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        j = 0
        while True:
            w0, w1 = threefry2x64((i, j), A)
            j += 1
            U, V = u64_to_f64(w0) - 0.5, u64_to_f64(w1)
            us = 0.5 - abs(U)
            k = math.floor((2 * a / us + b) * U + rate + 0.43)
            if us >= 0.07 and V <= vr:
                break
            if k < 0 or k >= 2.0 ** 63 or (us < 0.013 and V > us):
                continue
            if math.log(V) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= -rate + k * math.log(rate) - logfact(k):
                break
        out.append(int(k))
    return out


def binomial_btrs(key, count, n, p):  # n q >= 10, p <= 1/2 (no flip)
    A = stream(key, TAGS["bino"], 0)[0]
    q = p
    spq = math.sqrt(n * q * (1 - q))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(q / (1 - q))
    m = math.floor((n + 1) * q)
    h = logfact(m) + logfact(n - m)
    out = []
    for i in range(count):
        j = 0
        while True:
            w0, w1 = threefry2x64((i, j), A)
            j += 1
            U, V = u64_to_f64(w0) - 0.5, u64_to_f64(w1)
            us = 0.5 - abs(U)
            k = math.floor((2 * a / us + b) * U + c)
            if k < 0 or k > n:
                continue
            if us >= 0.07 and V <= vr:
                break
            if math.log(V * alpha / (a / (us * us) + b)) <= h - logfact(k) - logfact(n - k) + (k - m) * lpq:
                break
        out.append(int(k))
    return out


if __name__ == "__main__":
    k = key_new(11)
    print("gamma(2.5):", ", ".join(repr(x) for x in gamma(k, 6, 2.5)))
    print("gamma(0.3):", ", ".join(repr(x) for x in gamma(k, 6, 0.3)))
    print("beta(2, 3):", ", ".join(repr(x) for x in beta(k, 6, 2.0, 3.0)))
    print("beta(0.5, 0.5):", ", ".join(repr(x) for x in beta(k, 6, 0.5, 0.5)))
    print("poisson(3):", ", ".join(str(x) for x in poisson(k, 8, 3.0)))
    print("poisson(50):", ", ".join(str(x) for x in poisson(k, 8, 50.0)))
    print("binomial(1000, 0.3):", ", ".join(str(x) for x in binomial_btrs(k, 8, 1000, 0.3)))
    # a longer run of gamma(2.5) exercises retries and ziggurat rejections
    g = gamma(k, 2000, 2.5)
    print("gamma(2.5) x 2000: sum %r" % math.fsum(g))
