/* ziggurat.c — standard normals by the 256-layer ziggurat (Marsaglia & Tsang 2000, the
 * variant NumPy uses). Element i starts from its own draw word w (the word
 * gen_random_bits gives at i); 99% of the time that word alone decides the value using
 * only exact arithmetic and the fixed tables, so values are the same on every platform.
 * A rejection continues with blocks Threefry(kz, {i, a}), a = 1, 2, ..., so element i
 * stays a pure function of (key, i). */
#include <math.h>

#include "random_int.h"

#define ZIG_R 3.6541528853610088
#define ZIG_INV_R (1.0 / ZIG_R)

gen_key rnd_ziggurat_key(gen_key key) {
    threefry2x64_ctr_t b = rnd_block(key, 0, RND_TAG_ZIGG);
    return (gen_key){{b.v[0], b.v[1]}};
}

double rnd_normal_from_word(uint64_t w, gen_key kz, uint64_t i) {
    for (uint64_t a = 1;; a++) {
        unsigned idx = (unsigned)(w & 0xff);
        uint64_t sign = (w >> 8) & 1, rabs = (w >> 12) & UINT64_C(0x000fffffffffffff);
        double x = (double)rabs * rnd_zig_w[idx];
        if (sign) x = -x;
        if (rabs < rnd_zig_k[idx]) return x; /* inside the layer's rectangle */
        threefry2x64_ctr_t b = rnd_block(kz, i, a);
        if (idx == 0) { /* the tail beyond r (Marsaglia 1964) */
            for (;; b = rnd_block(kz, i, ++a)) {
                double xx = -ZIG_INV_R * log(rnd_u64_to_f64(b.v[0]));
                double yy = -log(rnd_u64_to_f64(b.v[1]));
                if (yy + yy > xx * xx) return sign ? -(ZIG_R + xx) : ZIG_R + xx;
            }
        }
        /* the wedge between the rectangle and the curve */
        double f0 = rnd_zig_f[idx - 1], f1 = rnd_zig_f[idx];
        if ((f0 - f1) * rnd_u64_to_f64(b.v[1]) + f1 < exp(-0.5 * x * x)) return x;
        w = b.v[0];
    }
}
