/* blocks.c — the bulk Threefry loop behind every draw. Blocks are independent, so the
 * loop vectorizes; it is compiled at -O3 (CMakeLists.txt) and, on x86-64 with GCC,
 * cloned for AVX-512 and AVX2 and picked at load time (clang 14 mis-emits target_clones
 * across translation units, so clang builds get the portable loop). Every clone computes the
 * same integer words, so results never depend on the machine. */
#include "random_int.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define RND_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RND_CLONES
#endif

RND_CLONES
void rnd_fill_blocks(gen_key key, uint64_t tag, uint64_t first, int64_t nblocks, uint64_t *out) {
    threefry2x64_key_t k = {{key.k[0], key.k[1]}};
    for (int64_t j = 0; j < nblocks; j++) {
        threefry2x64_ctr_t c = {{first + (uint64_t)j, tag}};
        threefry2x64_ctr_t b = threefry2x64_R(20, c, k);
        out[2 * j] = b.v[0];
        out[2 * j + 1] = b.v[1];
    }
}
