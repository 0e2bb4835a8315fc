/* genc/random.h — explicit, splittable, counter-based randomness (DESIGN decision 5).
 *
 * A key is a small value passed by value; there is no global generator. Draws are a
 * pure function of (key, shape): the same key and shape give the same values on every
 * run and platform (Threefry-2x64-20 from Random123, which runs unchanged in CUDA).
 * Never reuse a key for two different purposes: split it or fold data into it. */
#ifndef GENC_RANDOM_H
#define GENC_RANDOM_H

#include "genc/array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_key {
    uint64_t k[2];
} gen_key;

/* A key from a seed. */
gen_key gen_key_new(uint64_t seed);
/* n independent keys derived from key, written to out[0..n-1]. */
gen_status gen_key_split(gen_key key, int64_t n, gen_key *out);
/* A key derived from key and an integer (e.g. a particle or iteration index). */
gen_key gen_key_fold_in(gen_key key, uint64_t data);

/* Raw 64-bit draws, stored as i64 (reinterpret as uint64_t). */
gen_array *gen_random_bits(gen_key key, int ndim, const int64_t *shape);
/* Uniform on the open interval (0, 1); dtype GEN_F64 or GEN_F32. */
gen_array *gen_random_uniform(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape);
/* Standard normal; dtype GEN_F64 or GEN_F32. */
gen_array *gen_random_normal(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape);

/* Raw samplers (batch-native: one draw per element of the broadcast parameters; element
 * i is a pure function of (key, i, its parameters), see docs/random.md "Samplers").
 * Invalid parameters are GEN_ERR_VALUE naming the first bad element. They run where an
 * operation on the same parameters would (gen_device): on the parameters' device (small
 * host parameters travel there; parameters on two devices are GEN_ERR_MISUSE), on the
 * default device when all parameters are small host arrays and the result is not. The
 * same key gives the same draws on every device (docs/random.md says to what precision
 * where exp and log decide). */
/* Gamma(alpha, scale 1) draws, one per element of alpha (f64 or f32; i64/bool alpha
 * are converted to f64); the result has alpha's shape and float type. alpha must be
 * > 0 and finite. */
gen_array *gen_random_gamma(gen_key key, const gen_array *alpha);
/* Poisson(rate) draws (i64), one per element of rate (rate >= 0, finite, at most
 * 9.22e18 so that draws fit in i64). */
gen_array *gen_random_poisson(gen_key key, const gen_array *rate);
/* Binomial(n, p) draws (i64); n (i64, or integral float >= 0) and p (f64 or f32, in
 * [0, 1]) broadcast together. */
gen_array *gen_random_binomial(gen_key key, const gen_array *n, const gen_array *p);
/* Beta(a, b) draws (float), a and b > 0 and finite, broadcast together; accurate for
 * tiny a, b (computed from gamma draws in log space). */
gen_array *gen_random_beta(gen_key key, const gen_array *a, const gen_array *b);

#ifdef __cplusplus
}
#endif
#endif
