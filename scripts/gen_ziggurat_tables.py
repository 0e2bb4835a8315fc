#!/usr/bin/env python3
# gen_ziggurat_tables.py — writes src/random/ziggurat_tables.c.
# The 256-layer ziggurat tables for the standard normal (Marsaglia & Tsang 2000,
# with 52-bit magnitudes as in NumPy), printed as exact hex floats / integers for C.
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
        out.append("    " + ", ".join(fmt(x) for x in vals[i:i+per]) + ",")
    return "\n".join(out)
print("const uint64_t rnd_zig_k[256] = {\n" + rows(ki, lambda x: "UINT64_C(%d)" % x) + "\n};")
print("const double rnd_zig_w[256] = {\n" + rows(wi, lambda x: float.hex(x)) + "\n};")
print("const double rnd_zig_f[256] = {\n" + rows(fi, lambda x: float.hex(x)) + "\n};")
