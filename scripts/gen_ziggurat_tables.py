#!/usr/bin/env python3
# gen_ziggurat_tables.py — writes src/random/ziggurat_tables.h:
#     scripts/gen_ziggurat_tables.py > src/random/ziggurat_tables.h
# The 256-layer ziggurat tables for the standard normal (Marsaglia & Tsang 2000,
# with 52-bit magnitudes as in NumPy), printed as exact hex floats / integers: the
# initializers that the host arrays (ziggurat_tables.c) and their device copies
# (random_hd.h, in CUDA code) are defined from.
import math
r = 3.6541528853610088
v = 0.00492867323399
m1 = 2.0 ** 52
ki = [0] * 256; wi = [0.0] * 256; fi = [0.0] * 256
dn = r; tn = dn
q = v / math.exp(-0.5 * dn * dn)
ki[0] = int((dn / q) * m1); ki[1] = 0
wi[0] = q / m1; wi[255] = dn / m1
fi[0] = 1.0; fi[255] = math.exp(-0.5 * dn * dn)
for i in range(254, 0, -1):
    dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
    ki[i + 1] = int((dn / tn) * m1)
    tn = dn
    fi[i] = math.exp(-0.5 * dn * dn)
    wi[i] = dn / m1
def rows(vals, fmt, per=3):
    out = []
    for i in range(0, len(vals), per):
        out.append("    " + ", ".join(fmt(x) for x in vals[i:i+per]) + ", \\")
    return "\n".join(out)
def table(name, vals, fmt):
    return "#define %s { \\\n%s\n}" % (name, rows(vals, fmt))
print("""/* ziggurat_tables.h — the 256-layer ziggurat for the standard normal (Marsaglia & Tsang
 * 2000; 52-bit magnitudes as in NumPy): r = 3.6541528853610088, area 0.00492867323399.
 * Written by scripts/gen_ziggurat_tables.py as exact constants, so every platform uses
 * the same tables: initializers of the host arrays (ziggurat_tables.c) and of their
 * device copies (random_hd.h). */
#ifndef GENC_SRC_ZIGGURAT_TABLES_H
#define GENC_SRC_ZIGGURAT_TABLES_H
""")
print("/* K[i]: a 52-bit magnitude m < K[i] lies inside layer i's rectangle. */")
print(table("RND_ZIG_K_INIT", ki, lambda x: "UINT64_C(%d)" % x))
print("/* W[i]: the value x = m W[i] of magnitude m in layer i. */")
print(table("RND_ZIG_W_INIT", wi, lambda x: float.hex(x)))
print("/* F[i]: exp(-x^2/2) at the edge of layer i. */")
print(table("RND_ZIG_F_INIT", fi, lambda x: float.hex(x)))
print("\n#endif")
