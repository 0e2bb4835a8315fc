/* test_random.c — keys and draws: Threefry known answers, golden values of every
 * derivation, distribution tests (KS, moments), independence of derived streams,
 * determinism and the prefix property, empty and 0-d shapes, error paths. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../src/random/random_int.h"

#define NBIG 100000

static const uint64_t SEEDS[] = {0, 42, 20240611, UINT64_MAX};
#define NSEEDS (sizeof SEEDS / sizeof SEEDS[0])

/* (1) Threefry-2x64-20 known answers, from Random123's tests/kat_vectors:
 * "threefry2x64 20 ctr0 ctr1 key0 key1 out0 out1". */
static void test_kat(void) {
    static const uint64_t kat[3][6] = {
        {0, 0, 0, 0, 0xc2b6e3a8c2c69865, 0x6f81ed42f350084d},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0xe02cb7c4d95d277a, 0xd06633d0893b8b68},
        {0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89,
         0x263c7d30bb0f0af1, 0x56be8361d3311526},
    };
    for (int i = 0; i < 3; i++) {
        threefry2x64_ctr_t r = rnd_block((gen_key){{kat[i][2], kat[i][3]}}, kat[i][0], kat[i][1]);
        CHECK(r.v[0] == kat[i][4]);
        CHECK(r.v[1] == kat[i][5]);
    }
}

/* (2) Golden values from tests/random/threefry_ref.py (an independent Python
 * implementation of Threefry and of the definitions in docs/random.md). */
static void test_golden(void) {
    gen_key k = gen_key_new(42);
    CHECK(k.k[0] == 0x7f97624d5d144627 && k.k[1] == 0xb08c2aa9cff0a38a);
    gen_key s[3];
    CHECK_OK(gen_key_split(k, 3, s));
    CHECK(s[0].k[0] == 0x16e244a18864c6b5 && s[0].k[1] == 0x67250565e71fd412);
    CHECK(s[1].k[0] == 0x8563b993f6d7f808 && s[1].k[1] == 0x90f58a45a5f7a329);
    CHECK(s[2].k[0] == 0xf9087f8e14c13e79 && s[2].k[1] == 0x1f601f4e92eec7d2);
    gen_key f = gen_key_fold_in(k, 7);
    CHECK(f.k[0] == 0x0d5b18ef6f984743 && f.k[1] == 0x470f0eac2979d639);

    static const uint64_t bits[5] = {0x07a2da640860eee5, 0x98219d52d25bfe07, 0x8451f1cd9d064340,
                                     0x245dc30b4a1dacd7, 0x774f39f78597fa7c};
    gen_array *b = CHECK_ARR(gen_random_bits(k, GEN_DIMS(5)));
    CHECK(gen_array_dtype(b) == GEN_I64);
    CHECK_SHAPE(b, 5);
    CHECK(b && memcmp(gen_array_data(b), bits, sizeof bits) == 0);

    /* uniforms are exact (no rounding anywhere): compare with tolerance 0 */
    static const double u64w[5] = {0.02982869093137064, 0.5942629172517256, 0.5168753745065483,
                                   0.14205569291708875, 0.4660526494313614};
    static const double u32w[5] = {0.02982872724533081, 0.5942628979682922, 0.5168753266334534,
                                   0.1420556902885437, 0.4660525918006897};
    CHECK_ARRAY(gen_random_uniform(k, GEN_F64, GEN_DIMS(5)), u64w, 5, 0, 0);
    gen_array *u32 = CHECK_ARR(gen_random_uniform(k, GEN_F32, GEN_DIMS(5)));
    CHECK(gen_array_dtype(u32) == GEN_F32);
    CHECK_ARRAY(u32, u32w, 5, 0, 0);

    /* normals: the ziggurat decides most values with exact arithmetic */
    static const double n64w[5] = {0.07386031125012266, 0.27552069350805697, -0.5665505237678397,
                                   0.32276601698981805, 0.7029479550871799};
    static const double n32w[5] = {0.07386031001806259, 0.2755206823348999, -0.5665505528450012,
                                   0.3227660059928894, 0.7029479742050171};
    CHECK_ARRAY(gen_random_normal(k, GEN_F64, GEN_DIMS(5)), n64w, 5, 0, 0);
    /* 4096 normals include ~1% rejections (wedges and the tail): their sum and sum of
     * squares against threefry_ref.py; libms may differ in the last ulp of exp/log there */
    gen_array *many = gen_random_normal(k, GEN_F64, GEN_DIMS(4096));
    CHECK_CLOSE(check_item(gen_sum(many, 0, NULL, false)), -16.5667950516653, 1e-12);
    CHECK_CLOSE(check_item(gen_sum(gen_square(many), 0, NULL, false)), 4152.939836235946, 1e-13);
    gen_array *n32 = CHECK_ARR(gen_random_normal(k, GEN_F32, GEN_DIMS(5)));
    CHECK(gen_array_dtype(n32) == GEN_F32);
    CHECK_ARRAY(n32, n32w, 5, 0, 0);
}

/* n draws as doubles (malloc'd). */
static double *draws(gen_array *a) {
    int64_t n = gen_array_size(a);
    double *x = malloc((size_t)n * sizeof *x);
    CHECK_OK(gen_array_copy_to(a, GEN_F64, x, (size_t)n * sizeof *x));
    return x;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov–Smirnov statistic sqrt(n) * sup |F_n - F| of x (sorted in place). */
static double ks_stat(double *x, int64_t n, double (*cdf)(double)) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = cdf(x[i]);
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    return d * sqrt((double)n);
}

static double cdf_uniform(double x) { return x <= 0 ? 0 : x >= 1 ? 1 : x; }

/* (4) mean and variance within 5 standard errors; mu4 is the 4th central moment. */
static void check_moments(const double *x, int64_t n, double mean, double var, double mu4) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (int64_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    v /= (double)(n - 1);
    CHECK_NEAR(m, mean, 5 * sqrt(var / (double)n));
    CHECK_NEAR(v, var, 5 * sqrt((mu4 - var * var) / (double)n));
}

/* (3) KS at alpha = 0.001 (critical value 1.95) and (4) moments, at several keys. */
static void test_distributions(void) {
    for (size_t s = 0; s < NSEEDS; s++) {
        gen_key k = gen_key_new(SEEDS[s]);
        for (int t = 0; t < 2; t++) {
            gen_dtype dt = t ? GEN_F32 : GEN_F64;
            double *u = draws(gen_random_uniform(gen_key_fold_in(k, 1), dt, GEN_DIMS(NBIG)));
            double umin = u[0], umax = u[0];
            for (int i = 0; i < NBIG; i++) umin = fmin(umin, u[i]), umax = fmax(umax, u[i]);
            CHECK(umin > 0 && umax < 1);
            check_moments(u, NBIG, 0.5, 1.0 / 12, 1.0 / 80);
            CHECK(ks_stat(u, NBIG, cdf_uniform) < 1.95);
            free(u);

            double *z = draws(gen_random_normal(gen_key_fold_in(k, 2), dt, GEN_DIMS(NBIG)));
            check_moments(z, NBIG, 0, 1, 3);
            CHECK(ks_stat(z, NBIG, gsl_cdf_ugaussian_P) < 1.95);
            free(z);
        }
    }
}

/* Raw bits: every one of the 64 bit positions is set with frequency 1/2 (5 SE). */
static void test_bit_balance(void) {
    gen_array *b = CHECK_ARR(gen_random_bits(gen_key_new(7), GEN_DIMS(NBIG)));
    const uint64_t *d = gen_array_data(b);
    for (int bit = 0; bit < 64; bit++) {
        int64_t ones = 0;
        for (int i = 0; i < NBIG; i++) ones += (int64_t)((d[i] >> bit) & 1);
        CHECK_NEAR((double)ones / NBIG, 0.5, 5 * 0.5 / sqrt(NBIG));
    }
}

static double corr(const double *x, const double *y, int64_t n) {
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int64_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* (5) derived keys give uncorrelated streams; all derived keys are distinct. */
static void test_independence(void) {
    const double bound = 5 / sqrt(NBIG);
    gen_key k = gen_key_new(3), s[4];
    CHECK_OK(gen_key_split(k, 4, s));
    double *z[6];
    for (int i = 0; i < 4; i++) z[i] = draws(gen_random_normal(s[i], GEN_F64, GEN_DIMS(NBIG)));
    z[4] = draws(gen_random_normal(gen_key_fold_in(k, 0), GEN_F64, GEN_DIMS(NBIG)));
    z[5] = draws(gen_random_normal(gen_key_fold_in(k, 1), GEN_F64, GEN_DIMS(NBIG)));
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++) CHECK(fabs(corr(z[i], z[j], NBIG)) < bound);
    /* within one stream: lag-1 (the two normals of a Box–Muller pair) and lag-2 */
    CHECK(fabs(corr(z[0], z[0] + 1, NBIG - 1)) < bound);
    CHECK(fabs(corr(z[0], z[0] + 2, NBIG - 2)) < bound);
    /* |z| of a pair are dependent through r; check their squares too */
    for (int i = 0; i < NBIG; i++) z[1][i] = z[0][i] * z[0][i];
    CHECK(fabs(corr(z[1], z[1] + 1, NBIG - 1)) < bound);
    for (int i = 0; i < 6; i++) free(z[i]);
}

static int cmp_key(const void *a, const void *b) {
    const gen_key *x = a, *y = b;
    if (x->k[0] != y->k[0]) return x->k[0] < y->k[0] ? -1 : 1;
    return (x->k[1] > y->k[1]) - (x->k[1] < y->k[1]);
}

static void test_keys_distinct(void) {
    enum { NS = 2000, NF = 2000 };
    gen_key *all = malloc((NS + NF + 2) * sizeof *all);
    gen_key k = gen_key_new(11);
    CHECK_OK(gen_key_split(k, NS, all));
    for (int i = 0; i < NF; i++) all[NS + i] = gen_key_fold_in(k, (uint64_t)i);
    all[NS + NF] = k;
    all[NS + NF + 1] = gen_key_new(12);
    qsort(all, NS + NF + 2, sizeof *all, cmp_key);
    int dup = 0;
    for (int i = 1; i < NS + NF + 2; i++) dup += cmp_key(&all[i - 1], &all[i]) == 0;
    CHECK(dup == 0);
    free(all);
    /* split is a pure function: splitting 3 gives the first 3 of splitting 5 */
    gen_key a[3], b[5];
    CHECK_OK(gen_key_split(k, 3, a));
    CHECK_OK(gen_key_split(k, 5, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(cmp_key(&a[0], &(gen_key){{k.k[0], k.k[1]}}) != 0);
}

static int same(const gen_array *a, const gen_array *b, int64_t n) {
    if (!a || !b) return 0;
    size_t es = gen_dtype_size(gen_array_dtype(a));
    return gen_array_dtype(a) == gen_array_dtype(b) &&
           memcmp(gen_array_data(a), gen_array_data(b), (size_t)n * es) == 0;
}

/* (6) same key and shape give identical arrays; a shape's draws are a prefix of a
 * larger shape's (element i depends only on key and i), whatever the dims. */
static void test_determinism_prefix(void) {
    gen_key k = gen_key_new(99);
    for (int kind = 0; kind < 5; kind++) {
        gen_array *x[5];
        const int64_t shapes[5][2] = {{20, 0}, {20, 0}, {10, 0}, {4, 5}, {7, 0}};
        for (int i = 0; i < 5; i++) {
            int nd = shapes[i][1] ? 2 : 1;
            switch (kind) {
            case 0: x[i] = gen_random_bits(k, nd, shapes[i]); break;
            case 1: x[i] = gen_random_uniform(k, GEN_F64, nd, shapes[i]); break;
            case 2: x[i] = gen_random_uniform(k, GEN_F32, nd, shapes[i]); break;
            case 3: x[i] = gen_random_normal(k, GEN_F64, nd, shapes[i]); break;
            default: x[i] = gen_random_normal(k, GEN_F32, nd, shapes[i]); break;
            }
        }
        CHECK(same(x[0], x[1], 20)); /* deterministic */
        CHECK(same(x[0], x[2], 10)); /* prefix, even size */
        CHECK(same(x[0], x[3], 20)); /* layout-independent */
        CHECK(same(x[0], x[4], 7));  /* prefix, odd size */
    }
    CHECK(!same(gen_random_bits(k, GEN_DIMS(20)), gen_random_bits(gen_key_fold_in(k, 0), GEN_DIMS(20)), 20));
    /* uniforms are a documented function of the raw bits */
    gen_array *b = gen_random_bits(k, GEN_DIMS(9));
    gen_array *u = gen_random_uniform(k, GEN_F64, GEN_DIMS(9));
    gen_array *f = gen_random_uniform(k, GEN_F32, GEN_DIMS(9));
    const uint64_t *bd = gen_array_data(b);
    for (int i = 0; i < 9; i++) {
        CHECK(((const double *)gen_array_data(u))[i] == ((double)(bd[i] >> 12) + 0.5) / 0x1p52);
        CHECK(((const float *)gen_array_data(f))[i] == (float)(((double)(bd[i] >> 41) + 0.5) / 0x1p23));
    }
}

/* The conversions' extremes stay strictly inside (0, 1). */
static void test_open_interval(void) {
    CHECK(rnd_u64_to_f64(0) == 0x1p-53);
    CHECK(rnd_u64_to_f64(UINT64_MAX) == 1 - 0x1p-53);
    CHECK(rnd_u64_to_f64(UINT64_MAX) < 1.0);
    CHECK(rnd_u64_to_f32(0) == 0x1p-24f);
    CHECK(rnd_u64_to_f32(UINT64_MAX) == 1 - 0x1p-24f);
    CHECK(rnd_u64_to_f32(UINT64_MAX) < 1.0f);
    /* the largest normal Box–Muller can give is finite */
    CHECK(isfinite(sqrt(-2 * log(rnd_u64_to_f64(0)))));
}

static void test_empty_and_scalar(void) {
    gen_key k = gen_key_new(5);
    gen_array *e = CHECK_ARR(gen_random_normal(k, GEN_F64, GEN_DIMS(3, 0)));
    CHECK_SHAPE(e, 3, 0);
    CHECK(gen_array_size(e) == 0);
    CHECK(gen_array_size(CHECK_ARR(gen_random_bits(k, GEN_DIMS(0)))) == 0);
    CHECK(gen_array_size(CHECK_ARR(gen_random_uniform(k, GEN_F32, GEN_DIMS(0, 4)))) == 0);
    /* 0-d: one element, the first of any larger draw */
    gen_array *s = CHECK_ARR(gen_random_normal(k, GEN_F64, 0, NULL));
    CHECK(gen_array_ndim(s) == 0 && gen_array_size(s) == 1);
    CHECK(same(s, gen_random_normal(k, GEN_F64, GEN_DIMS(3)), 1));
    CHECK(same(CHECK_ARR(gen_random_uniform(k, GEN_F32, 0, NULL)),
               gen_random_uniform(k, GEN_F32, GEN_DIMS(2)), 1));
    CHECK(same(CHECK_ARR(gen_random_bits(k, 0, NULL)), gen_random_bits(k, GEN_DIMS(2)), 1));
    gen_key none[1] = {{{1, 2}}};
    CHECK_OK(gen_key_split(k, 0, NULL));
    CHECK_OK(gen_key_split(k, 0, none));
    CHECK(none[0].k[0] == 1 && none[0].k[1] == 2);
}

/* (7) errors: clear messages, NULL results, nothing written. */
static void test_errors(void) {
    gen_key k = gen_key_new(1);
    CHECK(!gen_random_uniform(k, GEN_I64, GEN_DIMS(3)));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_uniform: dtype must be f64 or f32, got i64");
    CHECK(!gen_random_uniform(k, GEN_BOOL, GEN_DIMS(3)));
    CHECK_ERROR(GEN_ERR_DTYPE, "got bool");
    CHECK(!gen_random_normal(k, GEN_I64, GEN_DIMS(3)));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_normal: dtype must be f64 or f32");
    CHECK(!gen_random_normal(k, (gen_dtype)17, GEN_DIMS(3)));
    CHECK_ERROR(GEN_ERR_DTYPE, "(17)");
    CHECK(!gen_random_bits(k, GEN_DIMS(2, -3)));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_bits: dimension 1 is negative (-3)");
    CHECK(!gen_random_uniform(k, GEN_F64, GEN_DIMS(-1)));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_uniform: dimension 0 is negative");
    CHECK(!gen_random_normal(k, GEN_F64, -1, NULL));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_normal: -1 dimensions");
    static const int64_t ones[GEN_MAX_DIMS + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(!gen_random_normal(k, GEN_F32, GEN_MAX_DIMS + 1, ones));
    CHECK_ERROR(GEN_ERR_SHAPE, "dimensions (at most");
    CHECK(!gen_random_bits(k, 2, NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_bits: shape is NULL");
    CHECK(!gen_random_uniform(k, GEN_F64, GEN_DIMS(INT64_MAX / 4, 8)));
    CHECK_ERROR(GEN_ERR_SHAPE, "too large");
    gen_key out[2] = {{{1, 2}}, {{3, 4}}};
    CHECK(gen_key_split(k, -2, out) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_key_split: n must be >= 0, got -2");
    CHECK(out[0].k[0] == 1 && out[1].k[1] == 4);
    CHECK(gen_key_split(k, 2, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_key_split: out is NULL");
}

/* An allocator that refuses blocks over 1 MB (else behaves like the default). */
static void *alloc_small_only(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud, (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return nsize > (1u << 20) ? NULL : realloc(ptr, nsize);
}

/* Out of memory: NULL and GEN_ERR_OOM, no crash, no leak. */
static void test_oom(void) {
    gen_set_allocator(alloc_small_only, NULL);
    CHECK(!gen_random_normal(gen_key_new(1), GEN_F64, GEN_DIMS(1 << 20)));
    CHECK(gen_error_status() == GEN_ERR_OOM);
    gen_error_clear();
    gen_set_allocator(NULL, NULL);
}

int main(void) {
    test_oom(); /* first: no GenC object may be alive while the allocator changes */
    RUN(test_kat);
    RUN(test_golden);
    RUN(test_distributions);
    RUN(test_bit_balance);
    RUN(test_independence);
    RUN(test_keys_distinct);
    RUN(test_determinism_prefix);
    RUN(test_open_interval);
    RUN(test_empty_and_scalar);
    RUN(test_errors);
    return check_finish();
}
