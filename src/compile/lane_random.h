/* lane_random.h — the draws of docs/random.md as plain C for the lane target's generated
 * code: Threefry-2x64-20, key folding, raw bits, the f64 and f32 uniforms and the
 * ziggurat normal, step for step as src/random computes them (random_int.h, draw.c,
 * ziggurat.c), so a lane draws what the eager path draws for the same key and element.
 * Not included by the library: emit_lanes.c embeds this text in every lane program
 * (compiled by NVRTC for the GPU, and by the C compiler in the host check of
 * tests/compile/test_emit_cuda.c), after the ziggurat's tables cg_zig_k, cg_zig_w and
 * cg_zig_f, which it writes from the library's own (rnd_zig_*). */

typedef struct cg_key {
    uint64_t k0, k1;
} cg_key;

#define CG_TAG_FOLD UINT64_C(0x47656e43466f6c64) /* "GenCFold" */
#define CG_TAG_DRAW UINT64_C(0x47656e4344726177) /* "GenCDraw" */
#define CG_TAG_ZIGG UINT64_C(0x47656e435a696767) /* "GenCZigg" */

static inline cg_key cg_key_of(uint64_t k0, uint64_t k1) {
    cg_key k;
    k.k0 = k0;
    k.k1 = k1;
    return k;
}

static inline uint64_t cg_rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Threefry-2x64 with 20 rounds of counter {c0, c1} under key k (Random123's
 * threefry2x64_R(20, ...)): four rounds between key injections, rotations 16 42 12 31
 * 16 32 24 21. */
static inline cg_key cg_threefry(uint64_t c0, uint64_t c1, cg_key k) {
    const int rot[8] = {16, 42, 12, 31, 16, 32, 24, 21};
    const uint64_t ks[3] = {k.k0, k.k1, UINT64_C(0x1BD11BDAA9FC1A22) ^ k.k0 ^ k.k1};
    uint64_t x0 = c0 + ks[0], x1 = c1 + ks[1];
    for (int r = 0; r < 20; r++) {
        x0 += x1;
        x1 = cg_rotl64(x1, rot[r % 8]);
        x1 ^= x0;
        if (r % 4 == 3) {
            int i = r / 4 + 1;
            x0 += ks[i % 3];
            x1 += ks[(i + 1) % 3] + (uint64_t)i;
        }
    }
    return cg_key_of(x0, x1);
}

/* gen_key_fold_in(k, d). */
static inline cg_key cg_fold_in(cg_key k, uint64_t d) { return cg_threefry(d, CG_TAG_FOLD, k); }

/* The draw word of element i: word i % 2 of block i / 2. */
static inline uint64_t cg_bits(cg_key k, uint64_t i) {
    cg_key b = cg_threefry(i / 2, CG_TAG_DRAW, k);
    return i % 2 ? b.k1 : b.k0;
}

static inline double cg_u64_to_f64(uint64_t b) { return ((double)(b >> 12) + 0.5) * 0x1p-52; }
static inline float cg_u64_to_f32(uint64_t b) { return ((float)(b >> 41) + 0.5f) * 0x1p-23f; }

/* Element i of gen_random_uniform(k, f64 / f32, ...). */
static inline double cg_uniform_f64(cg_key k, uint64_t i) { return cg_u64_to_f64(cg_bits(k, i)); }
static inline float cg_uniform_f32(cg_key k, uint64_t i) { return cg_u64_to_f32(cg_bits(k, i)); }

#define CG_ZIG_R 3.6541528853610088
#define CG_ZIG_INV_R (1.0 / CG_ZIG_R)

/* The key of the ziggurat's rejection stream. */
static inline cg_key cg_zig_key(cg_key k) { return cg_threefry(0, CG_TAG_ZIGG, k); }

/* The standard normal of element i whose first word is w (rnd_normal_from_word). */
static inline double cg_normal_from_word(uint64_t w, cg_key kz, uint64_t i) {
    for (uint64_t a = 1;; a++) {
        unsigned idx = (unsigned)(w & 0xff);
        uint64_t sign = (w >> 8) & 1, rabs = (w >> 12) & UINT64_C(0x000fffffffffffff);
        double x = (double)rabs * cg_zig_w[idx];
        if (sign) x = -x;
        if (rabs < cg_zig_k[idx]) return x;
        cg_key b = cg_threefry(i, a, kz);
        if (idx == 0) {
            for (;; b = cg_threefry(i, ++a, kz)) {
                double xx = -CG_ZIG_INV_R * log(cg_u64_to_f64(b.k0));
                double yy = -log(cg_u64_to_f64(b.k1));
                if (yy + yy > xx * xx) return sign ? -(CG_ZIG_R + xx) : CG_ZIG_R + xx;
            }
        }
        double f0 = cg_zig_f[idx - 1], f1 = cg_zig_f[idx];
        if ((f0 - f1) * cg_u64_to_f64(b.k1) + f1 < exp(-0.5 * x * x)) return x;
        w = b.k0;
    }
}

/* Element i of gen_random_normal(k, f64, ...) (kz = cg_zig_key(k); f32: this, rounded). */
static inline double cg_normal(cg_key k, cg_key kz, uint64_t i) { return cg_normal_from_word(cg_bits(k, i), kz, i); }
