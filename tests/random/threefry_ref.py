#!/usr/bin/env python3
"""threefry_ref.py — an independent Python reference for GenC's randomness layer.

Implements Threefry-2x64 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3",
SC'11) from the paper's description, not from Random123's code, checks it against the
published known-answer vectors (Random123 tests/kat_vectors), and prints the golden
values pasted into test_random.c, following the definitions in docs/random.md.
Run: python3 tests/random/threefry_ref.py
"""
import math
import struct

M = (1 << 64) - 1
ROT = [16, 42, 12, 31, 16, 32, 24, 21]  # rotation constants R_64x2
PARITY = 0x1BD11BDAA9FC1A22  # Skein key-schedule parity constant


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def threefry2x64(ctr, key, rounds=20):
    ks = [key[0], key[1], PARITY ^ key[0] ^ key[1]]
    x0, x1 = (ctr[0] + ks[0]) & M, (ctr[1] + ks[1]) & M
    for r in range(rounds):
        x0 = (x0 + x1) & M
        x1 = rotl(x1, ROT[r % 8]) ^ x0
        if r % 4 == 3:  # key injection every 4 rounds
            s = r // 4 + 1
            x0 = (x0 + ks[s % 3]) & M
            x1 = (x1 + ks[(s + 1) % 3] + s) & M
    return x0, x1


def tag(s):  # 8 ASCII characters as a big-endian 64-bit word
    return int.from_bytes(s.encode("ascii"), "big")


TAG_SEED, TAG_SPLIT, TAG_FOLD, TAG_DRAW = tag("GenCSeed"), tag("GenCSplt"), tag("GenCFold"), tag("GenCDraw")


def key_new(seed):
    return threefry2x64((seed, TAG_SEED), (0, 0))


def split(key, n):
    return [threefry2x64((i, TAG_SPLIT), key) for i in range(n)]


def fold_in(key, data):
    return threefry2x64((data, TAG_FOLD), key)


def bits(key, n):
    return [threefry2x64((i >> 1, TAG_DRAW), key)[i & 1] for i in range(n)]


def u64_to_f64(b):
    return ((b >> 12) + 0.5) * 2.0 ** -52


def u64_to_f32(b):
    return ((b >> 41) + 0.5) * 2.0 ** -23  # exact in binary32


def ziggurat_tables():  # as scripts/gen_ziggurat_tables.py (Marsaglia & Tsang, 256 layers)
    r, v, m1 = 3.6541528853610088, 0.00492867323399, 2.0 ** 52
    ki, wi, fi = [0] * 256, [0.0] * 256, [0.0] * 256
    dn = tn = r
    q = v / math.exp(-0.5 * dn * dn)
    ki[0], wi[0], wi[255], fi[0], fi[255] = int((dn / q) * m1), q / m1, dn / m1, 1.0, math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = int((dn / tn) * m1)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m1
    return ki, wi, fi


TAG_ZIGG = tag("GenCZigg")
ZK, ZW, ZF = ziggurat_tables()


def normal_at(key, kz, i, w):
    a = 1
    while True:
        idx, sign, rabs = w & 0xFF, (w >> 8) & 1, (w >> 12) & 0xFFFFFFFFFFFFF
        x = rabs * ZW[idx]
        x = -x if sign else x
        if rabs < ZK[idx]:
            return x
        b = threefry2x64((i, a), kz)
        if idx == 0:
            while True:
                xx = -(1.0 / 3.6541528853610088) * math.log(u64_to_f64(b[0]))
                yy = -math.log(u64_to_f64(b[1]))
                if yy + yy > xx * xx:
                    return -(3.6541528853610088 + xx) if sign else 3.6541528853610088 + xx
                a += 1
                b = threefry2x64((i, a), kz)
        if (ZF[idx - 1] - ZF[idx]) * u64_to_f64(b[1]) + ZF[idx] < math.exp(-0.5 * x * x):
            return x
        w = b[0]
        a += 1


def normal(key, n):
    kz = threefry2x64((0, TAG_ZIGG), key)
    return [normal_at(key, kz, i, w) for i, w in enumerate(bits(key, n))]


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


KAT = [  # threefry2x64 20: ctr0 ctr1 key0 key1 -> out0 out1 (Random123 tests/kat_vectors)
    ((0, 0), (0, 0), (0xC2B6E3A8C2C69865, 0x6F81ED42F350084D)),
    ((M, M), (M, M), (0xE02CB7C4D95D277A, 0xD06633D0893B8B68)),
    ((0x243F6A8885A308D3, 0x13198A2E03707344), (0xA4093822299F31D0, 0x082EFA98EC4E6C89),
     (0x263C7D30BB0F0AF1, 0x56BE8361D3311526)),
]

if __name__ == "__main__":
    for c, k, want in KAT:
        assert threefry2x64(c, k) == want, (c, k)
    print("KAT ok")
    print("tags: seed %#018x split %#018x fold %#018x draw %#018x" % (TAG_SEED, TAG_SPLIT, TAG_FOLD, TAG_DRAW))
    k = key_new(42)
    print("key_new(42) = {%#018x, %#018x}" % k)
    print("split(key_new(42), 3):", ["{%#018x, %#018x}" % s for s in split(k, 3)])
    print("fold_in(key_new(42), 7) = {%#018x, %#018x}" % fold_in(k, 7))
    print("bits:", ", ".join("%#018x" % b for b in bits(k, 5)))
    print("uniform f64:", ", ".join(repr(u64_to_f64(b)) for b in bits(k, 5)))
    print("uniform f32:", ", ".join(repr(f32(u64_to_f32(b))) for b in bits(k, 5)))
    print("normal f64:", ", ".join(repr(z) for z in normal(k, 5)))
    print("normal f32:", ", ".join(repr(f32(z)) for z in normal(k, 5)))
    zs = normal(k, 4096)
    print("normal f64 x 4096: sum %r, sum of squares %r" % (math.fsum(zs), math.fsum(z * z for z in zs)))
