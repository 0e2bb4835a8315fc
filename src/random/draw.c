/* draw.c — arrays of random values: raw bits, uniforms, standard normals. Element i is
 * a pure function of (key, i): block j = Threefry(key, {j, DRAW}) gives elements 2j
 * and 2j+1, so a shape's draws are a prefix of any larger shape's (same key). */
#include <math.h>

#include "random_int.h"
#include "../array/array_int.h"

typedef enum { DRAW_BITS, DRAW_UNIFORM, DRAW_NORMAL } draw_kind;

/* Box–Muller on the block's two uniforms: (r cos t, r sin t). */
static inline void box_muller(threefry2x64_ctr_t b, double *z0, double *z1) {
    double r = sqrt(-2.0 * log(rnd_u64_to_f64(b.v[0])));
    double t = 6.283185307179586 * rnd_u64_to_f64(b.v[1]); /* 2*pi rounded to double */
    *z0 = r * cos(t);
    *z1 = r * sin(t);
}

/* One fill loop per (kind, dtype); n2 = n/2 full blocks, then the odd tail. */
static void fill_bits(gen_key key, int64_t n, uint64_t *d) {
    int64_t j = 0;
    for (; 2 * j + 1 < n; j++) {
        threefry2x64_ctr_t b = rnd_block(key, (uint64_t)j, RND_TAG_DRAW);
        d[2 * j] = b.v[0];
        d[2 * j + 1] = b.v[1];
    }
    if (n & 1) d[n - 1] = rnd_block(key, (uint64_t)j, RND_TAG_DRAW).v[0];
}

static void fill_uniform_f64(gen_key key, int64_t n, double *d) {
    int64_t j = 0;
    for (; 2 * j + 1 < n; j++) {
        threefry2x64_ctr_t b = rnd_block(key, (uint64_t)j, RND_TAG_DRAW);
        d[2 * j] = rnd_u64_to_f64(b.v[0]);
        d[2 * j + 1] = rnd_u64_to_f64(b.v[1]);
    }
    if (n & 1) d[n - 1] = rnd_u64_to_f64(rnd_block(key, (uint64_t)j, RND_TAG_DRAW).v[0]);
}

static void fill_uniform_f32(gen_key key, int64_t n, float *d) {
    int64_t j = 0;
    for (; 2 * j + 1 < n; j++) {
        threefry2x64_ctr_t b = rnd_block(key, (uint64_t)j, RND_TAG_DRAW);
        d[2 * j] = rnd_u64_to_f32(b.v[0]);
        d[2 * j + 1] = rnd_u64_to_f32(b.v[1]);
    }
    if (n & 1) d[n - 1] = rnd_u64_to_f32(rnd_block(key, (uint64_t)j, RND_TAG_DRAW).v[0]);
}

static void fill_normal_f64(gen_key key, int64_t n, double *d) {
    int64_t j = 0;
    for (; 2 * j + 1 < n; j++)
        box_muller(rnd_block(key, (uint64_t)j, RND_TAG_DRAW), &d[2 * j], &d[2 * j + 1]);
    if (n & 1) {
        double z1;
        box_muller(rnd_block(key, (uint64_t)j, RND_TAG_DRAW), &d[n - 1], &z1);
    }
}

/* f32 normals are the f64 normals rounded to f32 (one definition to reproduce). */
static void fill_normal_f32(gen_key key, int64_t n, float *d) {
    int64_t j = 0;
    double z0, z1;
    for (; 2 * j + 1 < n; j++) {
        box_muller(rnd_block(key, (uint64_t)j, RND_TAG_DRAW), &z0, &z1);
        d[2 * j] = (float)z0;
        d[2 * j + 1] = (float)z1;
    }
    if (n & 1) {
        box_muller(rnd_block(key, (uint64_t)j, RND_TAG_DRAW), &z0, &z1);
        d[n - 1] = (float)z0;
    }
}

static gen_array *draw(const char *fn, draw_kind kind, gen_key key, gen_dtype dtype, int ndim,
                       const int64_t *shape) {
    if (kind != DRAW_BITS && dtype != GEN_F64 && dtype != GEN_F32) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: dtype must be f64 or f32, got %s (%d)", fn,
                 gen_dtype_name(dtype), (int)dtype);
        return NULL;
    }
    if (arr_check_shape(fn, ndim, shape) != GEN_OK) return NULL;
    gen_array *a = arr_alloc(dtype, ndim, shape);
    if (!a) return NULL;
    if (kind == DRAW_BITS) fill_bits(key, a->size, a->data);
    else if (kind == DRAW_UNIFORM && dtype == GEN_F64) fill_uniform_f64(key, a->size, a->data);
    else if (kind == DRAW_UNIFORM) fill_uniform_f32(key, a->size, a->data);
    else if (dtype == GEN_F64) fill_normal_f64(key, a->size, a->data);
    else fill_normal_f32(key, a->size, a->data);
    return arr_publish(a);
}

gen_array *gen_random_bits(gen_key key, int ndim, const int64_t *shape) {
    return draw("gen_random_bits", DRAW_BITS, key, GEN_I64, ndim, shape);
}

gen_array *gen_random_uniform(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape) {
    return draw("gen_random_uniform", DRAW_UNIFORM, key, dtype, ndim, shape);
}

gen_array *gen_random_normal(gen_key key, gen_dtype dtype, int ndim, const int64_t *shape) {
    return draw("gen_random_normal", DRAW_NORMAL, key, dtype, ndim, shape);
}
