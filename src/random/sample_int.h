/* sample_int.h — private helpers of the raw samplers (sample_*.c): per-element keys and
 * their word streams, parameter checking and broadcasting, the gamma element procedure
 * (shared by gamma and beta) and log-factorials. docs/random.md ("Samplers") states the
 * derivations exactly. */
#ifndef GENC_SRC_SAMPLE_INT_H
#define GENC_SRC_SAMPLE_INT_H

#include <math.h>

#include "random_int.h"
#include "../array/array_int.h"

/* Per-sampler tags of the per-element key derivation k_i = T({i, TAG}, key). */
#define RND_TAG_GAMMA UINT64_C(0x47656e4347616d6d) /* "GenCGamm" */
#define RND_TAG_POIS UINT64_C(0x47656e43506f6973)  /* "GenCPois" */
#define RND_TAG_BINO UINT64_C(0x47656e4342696e6f)  /* "GenCBino" */
#define RND_TAG_BETA UINT64_C(0x47656e4342657461)  /* "GenCBeta" */

/* The key of output element i of a sampler. */
static inline gen_key smp_key(gen_key key, int64_t i, uint64_t tag) {
    threefry2x64_ctr_t r = rnd_block(key, (uint64_t)i, tag);
    return (gen_key){{r.v[0], r.v[1]}};
}

/* Block j of an element key's stream: T({j, DRAW}, k). */
static inline threefry2x64_ctr_t smp_block(gen_key k, uint64_t j) {
    return rnd_block(k, j, RND_TAG_DRAW);
}

/* The first Box–Muller normal of a block (the same formula as gen_random_normal). */
static inline double smp_normal(threefry2x64_ctr_t b) {
    double r = sqrt(-2.0 * log(rnd_u64_to_f64(b.v[0])));
    return r * cos(6.283185307179586 * rnd_u64_to_f64(b.v[1]));
}

/* log(k!) for k >= 0 (k as a double holding an integer). */
double smp_log_factorial(double k);

/* Parameter helpers. bad(x) returns NULL when x is valid, else what x must be
 * (e.g. "> 0"); smp_check records "fn: name must be <that>, got <x> at index [i,j]"
 * for the first bad element of a. */
typedef const char *(*smp_bad_fn)(double x);
gen_status smp_check(const char *fn, const char *name, const gen_array *a, smp_bad_fn bad);
/* a itself when it already has dtype t, else a cast (owned by the open scope). */
const gen_array *smp_as(const gen_array *a, gen_dtype t);
/* Two parameters broadcast together: the output shape, their element strides in it,
 * and a row-major walk (idx) with the parameters' current element offsets (off). */
typedef struct smp_bcast {
    int ndim;
    int64_t shape[GEN_MAX_DIMS];
    int64_t strides[2][GEN_MAX_DIMS];
    int64_t idx[GEN_MAX_DIMS];
    int64_t off[2];
} smp_bcast;
gen_status smp_broadcast(const char *fn, const gen_array *a, const gen_array *b, smp_bcast *out);
/* Moves the walk to the next output element. */
static inline void smp_next(smp_bcast *bc) {
    for (int d = bc->ndim - 1; d >= 0; d--) {
        bc->off[0] += bc->strides[0][d];
        bc->off[1] += bc->strides[1][d];
        if (++bc->idx[d] < bc->shape[d]) return;
        bc->off[0] -= bc->strides[0][d] * bc->shape[d];
        bc->off[1] -= bc->strides[1][d] * bc->shape[d];
        bc->idx[d] = 0;
    }
}

/* Gamma(alpha, 1) by Marsaglia–Tsang; for alpha < 1 the boost
 * Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha), applied in log space. */
typedef struct smp_gamma_prm {
    double alpha, d, c; /* d = a' - 1/3, c = 1/sqrt(9d), a' = alpha (+1 when boosted) */
    int boost;          /* alpha < 1 */
} smp_gamma_prm;
void smp_gamma_init(smp_gamma_prm *g, double alpha);
/* One draw from element key k, reading the blocks T({j, tag}, k) (tag DRAW for gamma
 * draws; beta's second gamma uses its own tag under the same key); stores its logarithm
 * in *log_x when log_x is not NULL (computed in log space when boosted, so it is finite
 * even where the draw underflows). */
double smp_gamma_draw(const smp_gamma_prm *g, gen_key k, uint64_t tag, double *log_x);

#endif
