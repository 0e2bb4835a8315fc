/* random_int.h — the randomness layer's private definitions: the Threefry-2x64-20 block
 * function, the counter tags that keep derivation streams apart, and the bit-to-float
 * conversions. docs/random.md states them exactly (for the CUDA backend). */
#ifndef GENC_SRC_RANDOM_INT_H
#define GENC_SRC_RANDOM_INT_H

#include <Random123/threefry.h>

#include "genc/random.h"

/* Word 1 of every counter is a tag naming its purpose (8 ASCII characters read as a
 * big-endian integer), so the streams of different purposes never share a counter. */
#define RND_TAG_SEED UINT64_C(0x47656e4353656564)  /* "GenCSeed": gen_key_new */
#define RND_TAG_SPLIT UINT64_C(0x47656e4353706c74) /* "GenCSplt": gen_key_split */
#define RND_TAG_FOLD UINT64_C(0x47656e43466f6c64)  /* "GenCFold": gen_key_fold_in */
#define RND_TAG_DRAW UINT64_C(0x47656e4344726177)  /* "GenCDraw": bits/uniform/normal */

/* Threefry-2x64 with 20 rounds of counter {c0, tag} under key. */
static inline threefry2x64_ctr_t rnd_block(gen_key key, uint64_t c0, uint64_t tag) {
    threefry2x64_ctr_t c = {{c0, tag}};
    threefry2x64_key_t k = {{key.k[0], key.k[1]}};
    return threefry2x64_R(20, c, k);
}

/* Uniform on (0, 1) from 64 bits: odd multiples of 2^-53 (the top 52 bits plus a half),
 * so the extremes are 2^-53 and 1 - 2^-53; every step is exact, never 0 or 1. */
static inline double rnd_u64_to_f64(uint64_t b) {
    return ((double)(b >> 12) + 0.5) * 0x1p-52;
}
/* The f32 analogue: odd multiples of 2^-24 from the top 23 bits, exact in binary32. */
static inline float rnd_u64_to_f32(uint64_t b) {
    return ((float)(b >> 41) + 0.5f) * 0x1p-23f;
}

/* Fills out[2j], out[2j+1] with the words of block first + j (counter {first + j, tag})
 * for j < nblocks. The hot loop of every draw: compiled for several instruction sets
 * (blocks.c), all giving the same words. */
void rnd_fill_blocks(gen_key key, uint64_t tag, uint64_t first, int64_t nblocks, uint64_t *out);

/* Elements are drawn in chunks of this many words through a stack buffer. */
#define RND_CHUNK 1024

/* The ziggurat tables (ziggurat_tables.c) and the standard normal of element index i
 * whose first word is w (ziggurat.c); rejections draw more words from the key kz. */
extern const uint64_t rnd_zig_k[256];
extern const double rnd_zig_w[256];
extern const double rnd_zig_f[256];
double rnd_normal_from_word(uint64_t w, gen_key kz, uint64_t i);
/* The key of the rejection stream: Threefry(key, {0, ZIGG}). */
gen_key rnd_ziggurat_key(gen_key key);
#define RND_TAG_ZIGG UINT64_C(0x47656e435a696767) /* "GenCZigg": ziggurat rejections */

#endif
