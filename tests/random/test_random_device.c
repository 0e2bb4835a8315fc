/* test_random_device.c — where draws and samplers put their arrays, on a fake device:
 * the tests' fake device (tests/testutil/fake_device.h: a non-host backend without a
 * native queue, whose memory the host cannot touch outside its kernels and copies). Draws larger than 64 bytes land on the default
 * device; samplers run on their parameters' device, small host parameters travelling
 * there, and on the default device when every parameter is a small host array and the
 * result is not small. Without a queue the values are drawn on the host and copied, so
 * they equal the host's bit for bit; parameter errors keep the host's messages; mixed
 * devices are an error; nothing leaks. (The CUDA path: tests/cuda/test_cuda_random.c.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "genc.h"
#include "fake_device.h"

static gen_device dev;

/* d (on any device) holds the same dtype, shape and bytes as the host array h. */
static bool same_bits(const gen_array *d, const gen_array *h) {
    if (!d || !h || gen_array_dtype(d) != gen_array_dtype(h) || gen_array_ndim(d) != gen_array_ndim(h)) return false;
    if (memcmp(gen_array_shape(d), gen_array_shape(h), (size_t)gen_array_ndim(h) * sizeof(int64_t))) return false;
    gen_array *dh = gen_array_to_host(d);
    size_t n = (size_t)gen_array_size(h) * gen_dtype_size(gen_array_dtype(h));
    return dh && (n == 0 || !memcmp(gen_array_data(dh), gen_array_data(h), n));
}

typedef enum { BITS, UNIFORM, NORMAL } kind;
static gen_array *draw(kind k, gen_key key, gen_dtype t, int ndim, const int64_t *shape) {
    return k == BITS ? gen_random_bits(key, ndim, shape)
           : k == UNIFORM ? gen_random_uniform(key, t, ndim, shape)
                          : gen_random_normal(key, t, ndim, shape);
}

/* The draws without parameters go to the default device when larger than 64 bytes,
 * with the host's values. */
static void test_draws_on_the_default_device(void) {
    static const struct {
        kind k;
        gen_dtype t;
    } kinds[] = {{BITS, GEN_I64}, {UNIFORM, GEN_F64}, {UNIFORM, GEN_F32}, {NORMAL, GEN_F64}, {NORMAL, GEN_F32}};
    static const struct {
        int ndim;
        int64_t shape[3];
    } shapes[] = {{0, {0}}, {1, {0}}, {1, {8}}, {1, {9}}, {1, {16}}, {1, {17}}, {2, {3, 7}}, {3, {2, 5, 101}},
                  {1, {4097}}};
    gen_key key = gen_key_new(2024);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        for (size_t j = 0; j < sizeof shapes / sizeof *shapes; j++) {
            gen_array *h = draw(kinds[i].k, key, kinds[i].t, shapes[j].ndim, shapes[j].shape);
            gen_device old = gen_device_set_default(dev);
            gen_array *d = draw(kinds[i].k, key, kinds[i].t, shapes[j].ndim, shapes[j].shape);
            gen_device_set_default(old);
            CHECK(gen_array_device(h) == GEN_DEVICE_CPU);
            size_t bytes = (size_t)gen_array_size(h) * gen_dtype_size(kinds[i].t);
            CHECK(gen_array_device(d) == (bytes > 64 ? dev : GEN_DEVICE_CPU));
            if (!same_bits(d, h)) printf("kind %zu shape %zu differs\n", i, j);
            CHECK(same_bits(d, h));
        }
    }
    /* errors are the host's */
    gen_device old = gen_device_set_default(dev);
    CHECK(gen_random_uniform(key, GEN_I64, GEN_DIMS(100)) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_uniform: dtype must be f64 or f32, got i64 (1)");
    CHECK(gen_random_normal(key, GEN_F64, GEN_DIMS(-1)) == NULL);
    CHECK(gen_error_status() == GEN_ERR_SHAPE);
    gen_error_clear();
    gen_device_set_default(old);
}

static gen_array *f64s(int64_t n, const double *v) { return gen_array_from(GEN_F64, GEN_DIMS(n), v); }

/* Samplers on device parameters give device arrays with the host's values, for every
 * sampler, with broadcasting, other dtypes and small host parameters mixed in. */
static void test_samplers_on_device_parameters(void) {
    gen_key key = gen_key_new(99);
    double av[40], rv[40];
    for (int i = 0; i < 40; i++) {
        av[i] = i % 5 == 0 ? 0.25 : 0.5 + 0.75 * i; /* some boosted (< 1) */
        rv[i] = i % 4 == 0 ? 0.0 : i % 3 == 0 ? 50.0 + i : 0.3 * i; /* inversion and PTRS */
    }
    gen_array *alpha = f64s(40, av), *rate = f64s(40, rv);
    gen_array *g = CHECK_ARR(gen_random_gamma(key, gen_array_to_device(alpha, dev)));
    CHECK(gen_array_device(g) == dev && same_bits(g, gen_random_gamma(key, alpha)));
    gen_array *alpha32 = gen_cast(alpha, GEN_F32);
    gen_array *g32 = CHECK_ARR(gen_random_gamma(key, gen_array_to_device(alpha32, dev)));
    CHECK(gen_array_dtype(g32) == GEN_F32 && same_bits(g32, gen_random_gamma(key, alpha32)));
    gen_array *p = CHECK_ARR(gen_random_poisson(key, gen_array_to_device(rate, dev)));
    CHECK(gen_array_device(p) == dev && same_bits(p, gen_random_poisson(key, rate)));

    /* beta: a [40] on the device, b a host scalar (travels) */
    gen_array *b = gen_scalar(2.0);
    gen_array *be = CHECK_ARR(gen_random_beta(key, gen_array_to_device(alpha, dev), b));
    CHECK(gen_array_device(be) == dev && same_bits(be, gen_random_beta(key, alpha, b)));
    /* binomial: n [4, 1] i64 on the device, p [3] on the host (small), broadcast to [4, 3] */
    gen_array *n = gen_array_from(GEN_I64, GEN_DIMS(4, 1), (int64_t[]){0, 7, 300, 100000});
    gen_array *pp = f64s(3, (double[]){0.01, 0.5, 0.97});
    gen_array *bi = CHECK_ARR(gen_random_binomial(key, gen_array_to_device(n, dev), pp));
    CHECK(gen_array_device(bi) == dev && same_bits(bi, gen_random_binomial(key, n, pp)));
    CHECK_SHAPE(bi, 4, 3);
    /* n as an integral f64 array on the device */
    gen_array *nf = gen_cast(n, GEN_F64);
    gen_array *bf = CHECK_ARR(gen_random_binomial(key, gen_array_to_device(nf, dev), pp));
    CHECK(same_bits(bf, gen_random_binomial(key, n, pp)));
    /* an empty parameter */
    gen_array *e = CHECK_ARR(gen_random_gamma(key, gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(0)), dev)));
    CHECK(gen_array_device(e) == dev && gen_array_size(e) == 0);
}

/* Only small host parameters: the default device takes the draws when the result is
 * larger than 64 bytes, else they stay on the host. */
static void test_small_host_parameters_follow_the_default_device(void) {
    gen_key key = gen_key_new(5);
    double v[8] = {0.5, 1, 2, 3, 4, 5, 6, 7};
    gen_array *a = f64s(8, v), *bcol = gen_array_from(GEN_F64, GEN_DIMS(8, 1), v); /* 64 bytes each: inline */
    gen_device old = gen_device_set_default(dev);
    gen_array *d = CHECK_ARR(gen_random_beta(key, a, bcol)); /* [8, 8]: 512 bytes */
    gen_array *s = CHECK_ARR(gen_random_gamma(key, a));       /* [8]: 64 bytes */
    gen_array *n8 = gen_array_from(GEN_I64, GEN_DIMS(8), (int64_t[]){0, 1, 2, 10, 50, 100, 1000, 12345});
    gen_array *pcol = gen_array_from(GEN_F64, GEN_DIMS(8, 1), (double[]){0, 0.01, 0.1, 0.3, 0.5, 0.6, 0.99, 1});
    gen_array *n = CHECK_ARR(gen_random_binomial(key, n8, pcol));                /* [8, 8] i64 */
    gen_array *n1 = CHECK_ARR(gen_random_binomial(key, gen_scalar_i64(10), pcol)); /* [8, 1]: 64 bytes */
    gen_array *z = CHECK_ARR(gen_random_poisson(key, gen_scalar(3)));
    gen_device_set_default(old);
    CHECK(gen_array_device(d) == dev && same_bits(d, gen_random_beta(key, a, bcol)));
    CHECK(gen_array_device(s) == GEN_DEVICE_CPU && same_bits(s, gen_random_gamma(key, a)));
    CHECK(gen_array_device(n) == dev && same_bits(n, gen_random_binomial(key, n8, pcol)));
    CHECK(gen_array_device(n1) == GEN_DEVICE_CPU && same_bits(n1, gen_random_binomial(key, gen_scalar_i64(10), pcol)));
    CHECK(gen_array_device(z) == GEN_DEVICE_CPU);
    /* a larger host parameter keeps the call on the host */
    gen_array *big = gen_full(GEN_F64, GEN_DIMS(100), 2.0); /* made before the default changes: on the host */
    old = gen_device_set_default(dev);
    gen_array *h = CHECK_ARR(gen_random_gamma(key, big));
    gen_device_set_default(old);
    CHECK(gen_array_device(h) == GEN_DEVICE_CPU && same_bits(h, gen_random_gamma(key, big)));
}

/* Bad parameters on the device get the host's messages; mixed devices are an error. */
static void test_errors(void) {
    gen_key key = gen_key_new(1);
    gen_array *bad = gen_array_to_device(f64s(3, (double[]){1, 2, -1}), dev);
    CHECK(gen_random_gamma(key, bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_gamma: alpha must be > 0, got -1 at index [2]");
    CHECK(gen_random_poisson(key, gen_array_to_device(f64s(2, (double[]){1, 1e19}), dev)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_poisson: rate must be <= 9.223372006484771e18 (draws must fit in i64), "
                               "got 1e+19 at index [1]");
    gen_array *p = gen_array_to_device(f64s(2, (double[]){0.5, 1.5}), dev);
    CHECK(gen_random_binomial(key, gen_scalar_i64(3), p) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_binomial: p must be in [0, 1], got 1.5 at index [1]");
    CHECK(gen_random_binomial(key, gen_array_to_device(f64s(2, (double[]){2.5, 1}), dev), gen_scalar(0.5)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_binomial: n must be an integer >= 0, got 2.5 at index [0]");
    CHECK(gen_random_beta(key, gen_scalar(1), gen_array_to_device(f64s(2, (double[]){1, INFINITY}), dev)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_beta: b must be finite, got inf at index [1]");
    /* shapes that do not broadcast: the host's message */
    gen_array *a3 = f64s(3, (double[]){1, 2, 3}), *a4 = f64s(4, (double[]){1, 2, 3, 4});
    CHECK(gen_random_beta(key, a3, a4) == NULL);
    char want[256];
    snprintf(want, sizeof want, "%s", gen_error_message());
    gen_error_clear();
    CHECK(gen_random_beta(key, gen_array_to_device(a3, dev), gen_array_to_device(a4, dev)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, want);
    /* a device parameter with a host parameter too large to travel */
    gen_array *host_big = gen_full(GEN_F64, GEN_DIMS(10), 1.0), *dev_a = gen_array_to_device(host_big, dev);
    CHECK(gen_random_beta(key, dev_a, host_big) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_beta: parameters on different devices (a on fake, b on cpu)");
    CHECK(gen_random_binomial(key, gen_cast(host_big, GEN_I64), dev_a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_binomial: parameters on different devices (n on cpu, p on fake)");
}

int main(void) {
    dev = fake_device();
    RUN(test_draws_on_the_default_device);
    RUN(test_samplers_on_device_parameters);
    RUN(test_small_host_parameters_follow_the_default_device);
    RUN(test_errors);
    CHECK(fake_counts.live_buffers == 0); /* every device buffer freed with its arrays */
    return check_finish();
}
