/* sample_int.h — private helpers of the raw samplers (sample_*.c): the stream keys and
 * attempt blocks, parameter checking and broadcasting, the gamma element procedure
 * (shared by gamma and beta) and log-factorials. docs/random.md ("Samplers") states the
 * derivations exactly. */
#ifndef GENC_SRC_SAMPLE_INT_H
#define GENC_SRC_SAMPLE_INT_H

#include <math.h>

#include "random_int.h"
#include "../array/backend_api.h"

/* Per-sampler tags of the stream keys below. */
#define RND_TAG_GAMMA UINT64_C(0x47656e4347616d6d) /* "GenCGamm" */
#define RND_TAG_POIS UINT64_C(0x47656e43506f6973)  /* "GenCPois" */
#define RND_TAG_BINO UINT64_C(0x47656e4342696e6f)  /* "GenCBino" */
#define RND_TAG_BETA UINT64_C(0x47656e4342657461)  /* "GenCBeta" */

/* The keys of stream s of a sampler, derived once per call (3 blocks, not one per
 * element): A = T({3s, TAG}, key) numbers the attempt blocks of every element,
 * Z = T({3s+1, TAG}, key) the ziggurat rejection keys, V = T({3s+2, TAG}, key) the gamma
 * boost uniforms. Everything an element reads is a block under one of these keys with
 * the element index i in counter word 0, so element i is a pure function of (key, i). */
typedef struct smp_stream {
    gen_key a, z, v;
} smp_stream;
smp_stream smp_stream_new(gen_key key, uint64_t tag, uint64_t s);

/* Attempt j of element i: T({i, j}, A). */
static inline threefry2x64_ctr_t smp_attempt(const smp_stream *st, uint64_t i, uint64_t j) {
    return rnd_block(st->a, i, j);
}

/* The attempt-0 blocks of elements first .. first + n - 1 (out[2t], out[2t + 1] for
 * element first + t) in one vectorized pass: counter {first + t, 0} under A. */
static inline void smp_first_attempts(const smp_stream *st, int64_t first, int64_t n, uint64_t *out) {
    rnd_fill_blocks(st->a, 0, (uint64_t)first, n, out);
}
/* The boost blocks T({i, 0}, V) of the same elements, likewise. */
static inline void smp_boost_words(const smp_stream *st, int64_t first, int64_t n, uint64_t *out) {
    rnd_fill_blocks(st->v, 0, (uint64_t)first, n, out);
}
/* Elements per chunk of first attempts (two words each). */
#define SMP_CHUNK (RND_CHUNK / 2)

/* The ziggurat standard normal of word w for attempt j of element i. The common case
 * (the word lands inside its layer's rectangle) is decided here, exactly as
 * rnd_normal_from_word decides it; a rejection (about 1%) continues under the attempt's
 * own rejection key T({i, j}, Z) as element 0 of rnd_normal_from_word, so no two
 * (i, j) share a rejection stream. */
static inline double smp_normal(uint64_t w, const smp_stream *st, uint64_t i, uint64_t j) {
    unsigned idx = (unsigned)(w & 0xff);
    uint64_t rabs = (w >> 12) & UINT64_C(0x000fffffffffffff);
    if (rabs < rnd_zig_k[idx]) {
        double x = (double)rabs * rnd_zig_w[idx];
        return (w >> 8) & 1 ? -x : x;
    }
    threefry2x64_ctr_t k = rnd_block(st->z, i, j);
    return rnd_normal_from_word(w, (gen_key){{k.v[0], k.v[1]}}, 0);
}

/* log(k!) for k >= 0 (k as a double holding an integer). */
double smp_log_factorial(double k);

/* Parameter helpers. bad(x) returns NULL when x is valid, else what x must be
 * (e.g. "> 0"); smp_check records "fn: name must be <that>, got <x> at index [i,j]"
 * for the first bad element of a. */
typedef const char *(*smp_bad_fn)(double x);
gen_status smp_check_slow(const char *fn, const char *name, const gen_array *a, smp_bad_fn bad);
/* Inline so that bad (a constant at each call) is inlined into the f64 scan. */
static inline gen_status smp_check(const char *fn, const char *name, const gen_array *a,
                                   smp_bad_fn bad) {
    if (CORE_UNLIKELY(a->tuple)) return arr_tuple_fail(fn, name);
    if (CORE_UNLIKELY(!arr_on_host(a))) return arr_device_fail(fn, a); /* callers route these to smp_via_host */
    if (a->dtype != GEN_F64) return smp_check_slow(fn, name, a, bad);
    const double *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        if (bad(d[i])) return smp_check_slow(fn, name, a, bad);
    return GEN_OK;
}
/* The samplers compute on the host. Given parameters on a device (a, or else b; b may be
 * NULL), sampler f runs on host copies of them and its draws are copied to that device
 * (one copy each way: a device backend's own samplers, where it has them, avoid both).
 * The draws are the host's bit for bit; parameter errors are the host's. */
typedef gen_array *(*smp_sampler_fn)(gen_key key, const gen_array *a, const gen_array *b);
gen_array *smp_via_host(const char *fn, gen_key key, const gen_array *a, const gen_array *b, smp_sampler_fn f);
/* Whether a (not NULL) is on a device: the sampler then runs through smp_via_host. */
static inline bool smp_on_device(const gen_array *a) { return CORE_UNLIKELY(!a->tuple && !arr_on_host(a)); }
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
/* The draw of element i of stream st, given the words (w0, w1) of its attempt-0 block
 * and (used when boosted) word 0 of its boost block, wb. */
double smp_gamma_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i, uint64_t w0,
                      uint64_t w1, uint64_t wb);
/* The logarithm of the same draw, computed in log space when boosted (so it is finite
 * even where the draw underflows). */
double smp_gamma_log_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i, uint64_t w0,
                          uint64_t w1, uint64_t wb);
/* Whether any element of a (f64) is below 1, i.e. boosted. */
int smp_any_boost(const gen_array *a);

#endif
