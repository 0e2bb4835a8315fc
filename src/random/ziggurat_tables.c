/* ziggurat_tables.c — the host's copy of the ziggurat tables of the standard normal
 * (ziggurat_tables.h holds the exact constants; CUDA code defines its device copies
 * from the same initializers, random_hd.h). */
#include "random_hd.h"

const uint64_t rnd_zig_k[256] = RND_ZIG_K_INIT;
const double rnd_zig_w[256] = RND_ZIG_W_INIT;
const double rnd_zig_f[256] = RND_ZIG_F_INIT;
