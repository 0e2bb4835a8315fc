/* random_hd.h — the per-element procedures of every draw, shared by the CPU (draw.c,
 * the samplers) and the CUDA kernels (*.cu), so both compute the same function of
 * (key, index) from one source: the Threefry-2x64-20 block, the counter tags, the
 * word-to-float conversions and the ziggurat standard normal with its rejection stream.
 * GENC_HD static inline functions on plain data (no array-layer headers: nvcc compiles
 * this as C++). docs/random.md states each step exactly. */
#ifndef GENC_SRC_RANDOM_HD_H
#define GENC_SRC_RANDOM_HD_H

#include <math.h>
#include <stdint.h>

#include "../core/core_hd.h"
#include "genc/random.h" /* gen_key */
#include "ziggurat_tables.h"

/* Random123's functions are __device__ only under nvcc by default; the procedures here
 * run on both sides. */
#if defined(__CUDACC__) && !defined(R123_CUDA_DEVICE)
#define R123_CUDA_DEVICE __host__ __device__
#endif
#include <Random123/threefry.h>

/* Word 1 of every counter is a tag naming its purpose (8 ASCII characters read as a
 * big-endian integer), so the streams of different purposes never share a counter. */
#define RND_TAG_SEED UINT64_C(0x47656e4353656564)  /* "GenCSeed": gen_key_new */
#define RND_TAG_SPLIT UINT64_C(0x47656e4353706c74) /* "GenCSplt": gen_key_split */
#define RND_TAG_FOLD UINT64_C(0x47656e43466f6c64)  /* "GenCFold": gen_key_fold_in */
#define RND_TAG_DRAW UINT64_C(0x47656e4344726177)  /* "GenCDraw": bits/uniform/normal */
#define RND_TAG_ZIGG UINT64_C(0x47656e435a696767)  /* "GenCZigg": ziggurat rejections */

/* Constant tables (the ziggurat's here, the samplers' in sample_hd.h) exist twice: the
 * host's arrays, defined in a .c file, and in CUDA code a __device__ copy per .cu file
 * (t_dev) from the same initializer. RND_TABLE(t) names the one the code being compiled
 * runs with. */
#ifdef __CUDA_ARCH__
#define RND_TABLE(t) t##_dev
#else
#define RND_TABLE(t) t
#endif
#ifdef __CUDACC__
#define RND_DEVICE_TABLE(type, name, n, init) static __device__ const type name##_dev[n] = init;
#else
#define RND_DEVICE_TABLE(type, name, n, init)
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* ziggurat_tables.c */
extern const uint64_t rnd_zig_k[256];
extern const double rnd_zig_w[256];
extern const double rnd_zig_f[256];
#ifdef __cplusplus
}
#endif
RND_DEVICE_TABLE(uint64_t, rnd_zig_k, 256, RND_ZIG_K_INIT)
RND_DEVICE_TABLE(double, rnd_zig_w, 256, RND_ZIG_W_INIT)
RND_DEVICE_TABLE(double, rnd_zig_f, 256, RND_ZIG_F_INIT)

/* Threefry-2x64 with 20 rounds of counter {c0, c1} under key. */
GENC_HD static inline threefry2x64_ctr_t rnd_block(gen_key key, uint64_t c0, uint64_t c1) {
    threefry2x64_ctr_t c = {{c0, c1}};
    threefry2x64_key_t k = {{key.k[0], key.k[1]}};
    return threefry2x64_R(20, c, k);
}
/* The key made of a block's words. */
GENC_HD static inline gen_key rnd_key_of(threefry2x64_ctr_t b) {
    gen_key k = {{b.v[0], b.v[1]}};
    return k;
}

/* Uniform on (0, 1) from 64 bits: odd multiples of 2^-53 (the top 52 bits plus a half),
 * so the extremes are 2^-53 and 1 - 2^-53; every step is exact, never 0 or 1. */
GENC_HD static inline double rnd_u64_to_f64(uint64_t b) {
    return ((double)(b >> 12) + 0.5) * 0x1p-52;
}
/* The f32 analogue: odd multiples of 2^-24 from the top 23 bits, exact in binary32. */
GENC_HD static inline float rnd_u64_to_f32(uint64_t b) {
    return ((float)(b >> 41) + 0.5f) * 0x1p-23f;
}

/* ---- the ziggurat standard normal (Marsaglia & Tsang 2000, the variant NumPy uses) ---- */

#define RND_ZIG_R 3.6541528853610088
#define RND_ZIG_INV_R (1.0 / RND_ZIG_R)

/* The key of a draw's rejection stream: Threefry(key, {0, ZIGG}). */
GENC_HD static inline gen_key rnd_ziggurat_key(gen_key key) {
    return rnd_key_of(rnd_block(key, 0, RND_TAG_ZIGG));
}

/* Whether word w lands inside its layer's rectangle (about 99% of words); *x is then
 * the normal, from exact arithmetic and the fixed tables only. */
GENC_HD static inline int rnd_normal_rect(uint64_t w, double *x) {
    unsigned idx = (unsigned)(w & 0xff);
    uint64_t rabs = (w >> 12) & UINT64_C(0x000fffffffffffff);
    double v = (double)rabs * RND_TABLE(rnd_zig_w)[idx];
    *x = (w >> 8) & 1 ? -v : v;
    return rabs < RND_TABLE(rnd_zig_k)[idx];
}

/* Procedures kept out of the C compiler's hot loops (one copy per file, called): the
 * rare paths (rejections: RND_COLD_FN) and per-parameter set-ups (RND_OUTLINE_FN); nvcc
 * decides for itself. */
#if defined(__GNUC__) && !defined(__CUDACC__)
#define RND_COLD_FN __attribute__((noinline, cold, unused)) static
#define RND_OUTLINE_FN __attribute__((noinline, unused)) static
#else
#define RND_COLD_FN static inline
#define RND_OUTLINE_FN static inline
#endif

/* The whole procedure for element i whose first word is w: rejections continue with
 * blocks Threefry(kz, {i, a}), a = 1, 2, ..., so element i stays a pure function of
 * (key, i). The tail and the wedge use exp and log (the math library's). */
GENC_HD RND_COLD_FN double rnd_normal_reject(uint64_t w, gen_key kz, uint64_t i) {
    for (uint64_t a = 1;; a++) {
        unsigned idx = (unsigned)(w & 0xff);
        uint64_t sign = (w >> 8) & 1, rabs = (w >> 12) & UINT64_C(0x000fffffffffffff);
        double x = (double)rabs * RND_TABLE(rnd_zig_w)[idx];
        if (sign) x = -x;
        if (rabs < RND_TABLE(rnd_zig_k)[idx]) return x; /* inside the layer's rectangle */
        threefry2x64_ctr_t b = rnd_block(kz, i, a);
        if (idx == 0) { /* the tail beyond r (Marsaglia 1964) */
            for (;; b = rnd_block(kz, i, ++a)) {
                double xx = -RND_ZIG_INV_R * log(rnd_u64_to_f64(b.v[0]));
                double yy = -log(rnd_u64_to_f64(b.v[1]));
                if (yy + yy > xx * xx) return sign ? -(RND_ZIG_R + xx) : RND_ZIG_R + xx;
            }
        }
        /* the wedge between the rectangle and the curve */
        double f0 = RND_TABLE(rnd_zig_f)[idx - 1], f1 = RND_TABLE(rnd_zig_f)[idx];
        if ((f0 - f1) * rnd_u64_to_f64(b.v[1]) + f1 < exp(-0.5 * x * x)) return x;
        w = b.v[0];
    }
}

/* The standard normal of element i of a draw whose rejection key is kz. */
GENC_HD static inline double rnd_normal_from_word(uint64_t w, gen_key kz, uint64_t i) {
    double x;
    return rnd_normal_rect(w, &x) ? x : rnd_normal_reject(w, kz, i);
}

/* ---- the elements of gen_random_bits / _uniform / _normal ---- */

typedef enum { RND_BITS, RND_UNIFORM, RND_NORMAL } rnd_kind;

/* Block j of a draw, T({j, DRAW}, key): the raw bits of elements 2j (word 0) and 2j + 1
 * (word 1). Uniforms are rnd_u64_to_f64/_f32 of those words, normals
 * rnd_normal_from_word(word, rnd_ziggurat_key(key), element) (f32: that rounded). */
GENC_HD static inline threefry2x64_ctr_t rnd_draw_block(gen_key key, uint64_t j) {
    return rnd_block(key, j, RND_TAG_DRAW);
}

#endif
