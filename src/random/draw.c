/* draw.c — arrays of random values: raw bits, uniforms, standard normals. Element i is
 * a pure function of (key, i): block j = Threefry(key, {j, DRAW}) gives the words of
 * elements 2j and 2j+1, so a shape's draws are a prefix of any larger shape's (same
 * key). Uniforms are exact functions of the word; normals use the ziggurat
 * (random_hd.h). Arrays larger than ARR_INLINE_BYTES are made on the calling thread's
 * default device: by the CUDA kernels there (random_cuda.c), or on a device without a
 * native queue drawn here and copied. */
#include <math.h>

#include "random_int.h"
#include "../array/array_int.h"

/* Element i is word i % 2 of block i / 2: the draw words of the first n elements, in
 * chunks of RND_CHUNK (start is even). */
static void chunk_words(gen_key key, int64_t start, int64_t len, uint64_t *w) {
    rnd_fill_blocks(key, RND_TAG_DRAW, (uint64_t)start / 2, (len + 1) / 2, w);
}

#define FILL_LOOP(BODY)                                                                     \
    do {                                                                                    \
        uint64_t w[RND_CHUNK];                                                              \
        for (int64_t s = 0; s < n; s += RND_CHUNK) {                                        \
            int64_t len = n - s < RND_CHUNK ? n - s : RND_CHUNK;                            \
            chunk_words(key, s, len, w);                                                    \
            for (int64_t j = 0; j < len; j++) BODY;                                         \
        }                                                                                   \
    } while (0)

static void fill_bits(gen_key key, int64_t n, uint64_t *d) {
    if (n > 1) rnd_fill_blocks(key, RND_TAG_DRAW, 0, n / 2, d);
    if (n & 1) d[n - 1] = rnd_draw_block(key, (uint64_t)(n / 2)).v[0];
}

static void fill_uniform_f64(gen_key key, int64_t n, double *d) {
    FILL_LOOP(d[s + j] = rnd_u64_to_f64(w[j]));
}

static void fill_uniform_f32(gen_key key, int64_t n, float *d) {
    FILL_LOOP(d[s + j] = rnd_u64_to_f32(w[j]));
}

/* f32 normals are the f64 normals rounded to f32 (one definition to reproduce). */
static void fill_normal_f64(gen_key key, int64_t n, double *d) {
    gen_key kz = rnd_ziggurat_key(key);
    FILL_LOOP(d[s + j] = rnd_normal_from_word(w[j], kz, (uint64_t)(s + j)));
}

static void fill_normal_f32(gen_key key, int64_t n, float *d) {
    gen_key kz = rnd_ziggurat_key(key);
    FILL_LOOP(d[s + j] = (float)rnd_normal_from_word(w[j], kz, (uint64_t)(s + j)));
}

static gen_array *draw(const char *fn, rnd_kind kind, gen_key key, gen_dtype dtype, int ndim,
                       const int64_t *shape) {
    if (kind != RND_BITS && dtype != GEN_F64 && dtype != GEN_F32) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: dtype must be f64 or f32, got %s (%d)", fn,
                 gen_dtype_name(dtype), (int)dtype);
        return NULL;
    }
    if (arr_check_shape(fn, ndim, shape) != GEN_OK) return NULL;
    const backend *be = arr_creation_backend();
    if (CORE_UNLIKELY(be->queue != NULL) &&
        (size_t)arr_shape_size(ndim, shape) * gen_dtype_size(dtype) > ARR_INLINE_BYTES)
        return arr_publish(rnd_cuda_draw(fn, be, kind, key, dtype, ndim, shape));
    gen_array *a = arr_alloc(fn, dtype, ndim, shape);
    if (!a) return NULL;
    if (kind == RND_BITS) fill_bits(key, a->size, a->data);
    else if (kind == RND_UNIFORM && dtype == GEN_F64) fill_uniform_f64(key, a->size, a->data);
    else if (kind == RND_UNIFORM) fill_uniform_f32(key, a->size, a->data);
    else if (dtype == GEN_F64) fill_normal_f64(key, a->size, a->data);
    else fill_normal_f32(key, a->size, a->data);
    return arr_publish(arr_to_creation_device(fn, a)); /* a device without a queue: a copy there */
}

gen_array *gen_random_bits(gen_key key, int ndim, const int64_t *shape) {
    return draw("gen_random_bits", RND_BITS, key, GEN_I64, ndim, shape);
}

gen_array *gen_random_uniform(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape) {
    return draw("gen_random_uniform", RND_UNIFORM, key, dtype, ndim, shape);
}

gen_array *gen_random_normal(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape) {
    return draw("gen_random_normal", RND_NORMAL, key, dtype, ndim, shape);
}
