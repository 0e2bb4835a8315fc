/* sample_int.h — the host side of the raw samplers (sample_*.c): first attempts in
 * vectorized chunks, parameter checking, casts and broadcasting, and where a sampler
 * runs. The element procedures are in sample_hd.h (shared with the CUDA kernels);
 * docs/random.md ("Samplers") states the derivations exactly. */
#ifndef GENC_SRC_SAMPLE_INT_H
#define GENC_SRC_SAMPLE_INT_H

#include <math.h>

#include "random_int.h"
#include "sample_hd.h"
#include "../array/array_int.h"

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

/* Parameter checks. smp_check records "fn: name must be <what>, got <x> at index [i,j]"
 * for the first element of a (on the host) that breaks rule (sample_hd.h), what being
 * smp_rule_want's words for x. */
const char *smp_rule_want(smp_rule rule, double x);
gen_status smp_check_slow(const char *fn, const char *name, const gen_array *a, smp_rule rule);
/* Inline so that the rule (a constant at each call) is inlined into the f64 scan. */
static inline gen_status smp_check(const char *fn, const char *name, const gen_array *a, smp_rule rule) {
    if (CORE_UNLIKELY(a->tuple)) return arr_tuple_fail(fn, name);
    if (CORE_UNLIKELY(!arr_on_host(a))) return arr_device_fail(fn, a); /* the host loops read host arrays */
    if (a->dtype != GEN_F64) return smp_check_slow(fn, name, a, rule);
    const double *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        if (!smp_valid(rule, d[i])) return smp_check_slow(fn, name, a, rule);
    return GEN_OK;
}
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

/* Whether any element of a (f64) is below 1, i.e. boosted. */
int smp_any_boost(const gen_array *a);

/* A sampler as sample_place.c runs it: its parameters (one or two) with their names and
 * rules, and its host loop, which checks host parameters itself (b is NULL for
 * one-parameter samplers). */
typedef gen_array *(*smp_host_fn)(gen_key key, const gen_array *a, const gen_array *b);
typedef struct smp_sampler {
    const char *fn;
    rnd_sampler kind;
    int nparam;
    const char *names[2];
    smp_rule rules[2];
    smp_host_fn host;
} smp_sampler;
/* The draws of s from a (and b), of dtype out_t, made where ops would compute them: on
 * the device of a parameter array not on the host (all such on one device, else
 * GEN_ERR_MISUSE), small host parameters travelling there; on the default device when
 * every parameter is a small host array and the result is not small; else on the host.
 * On a device with a native queue the CUDA kernels draw (after checking the parameters
 * there); on one without, the host loop draws from host copies and the result is copied
 * there. Published in the open scope; NULL with the error recorded. */
gen_array *smp_sample(const smp_sampler *s, gen_key key, const gen_array *a, const gen_array *b, gen_dtype out_t);

#endif
