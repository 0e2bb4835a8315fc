/* lane_random.h — what the random layer's shared element procedures need in a lane
 * program (emit_lanes.c embeds, in order, random/ziggurat_tables.h, this text,
 * random/random_hd.h and random/sample_hd.h, without their #include lines): GenC's key
 * type and Threefry-2x64-20 under Random123's names (random_hd.h calls
 * threefry2x64_R(20, counter, key); Random123's headers are not available to NVRTC), and
 * on the host the constant tables those headers declare (the GPU gets their device
 * copies from the same initializers). So a lane draws with the very procedures of the
 * eager path (the draws, the ziggurat, the gamma, beta, Poisson and binomial samplers).
 * Not included by the library. */

typedef struct gen_key {
    uint64_t k[2];
} gen_key;

typedef struct r123array2x64 {
    uint64_t v[2];
} threefry2x64_ctr_t;
typedef threefry2x64_ctr_t threefry2x64_key_t;

static inline uint64_t cg_rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Random123's threefry2x64_R(rounds, in, k) (lane programs use 20 rounds): rotations 16
 * 42 12 31 16 32 24 21, a key injection every four rounds. */
static inline threefry2x64_ctr_t threefry2x64_R(unsigned rounds, threefry2x64_ctr_t in, threefry2x64_key_t k) {
    const int rot[8] = {16, 42, 12, 31, 16, 32, 24, 21};
    const uint64_t ks[3] = {k.v[0], k.v[1], UINT64_C(0x1BD11BDAA9FC1A22) ^ k.v[0] ^ k.v[1]};
    uint64_t x0 = in.v[0] + ks[0], x1 = in.v[1] + ks[1];
    for (unsigned r = 0; r < rounds; r++) {
        x0 += x1;
        x1 = cg_rotl64(x1, rot[r % 8]);
        x1 ^= x0;
        if (r % 4 == 3) {
            unsigned i = r / 4 + 1;
            x0 += ks[i % 3];
            x1 += ks[(i + 1) % 3] + (uint64_t)i;
        }
    }
    threefry2x64_ctr_t out;
    out.v[0] = x0;
    out.v[1] = x1;
    return out;
}

#ifndef __CUDACC_RTC__
const uint64_t rnd_zig_k[256] = RND_ZIG_K_INIT;
const double rnd_zig_w[256] = RND_ZIG_W_INIT;
const double rnd_zig_f[256] = RND_ZIG_F_INIT;
#endif
