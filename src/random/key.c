/* key.c — keys: creation from a seed, splitting, folding in data. Each derived key is
 * one Threefry-2x64-20 block of a tagged counter under the parent key. */
#include "random_int.h"
#include "../core/core.h"

gen_key gen_key_new(uint64_t seed) {
    return rnd_key_of(rnd_block((gen_key){{0, 0}}, seed, RND_TAG_SEED));
}

gen_status gen_key_split(gen_key key, int64_t n, gen_key *out) {
    if (n < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_key_split: n must be >= 0, got %lld", (long long)n);
    if (n > 0 && !out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_key_split: out is NULL (n = %lld)", (long long)n);
    for (int64_t i = 0; i < n; i++) out[i] = rnd_key_of(rnd_block(key, (uint64_t)i, RND_TAG_SPLIT));
    return GEN_OK;
}

gen_key gen_key_fold_in(gen_key key, uint64_t data) {
    return rnd_key_of(rnd_block(key, data, RND_TAG_FOLD));
}
