/* test_cuda_device.c — the CUDA device itself: set-up, copies both ways for every dtype,
 * the default device, fills, the pool (many allocations reuse memory), small host arrays
 * travelling with ops, and synchronization. Skips where there is no GPU. */
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"

static gen_device dev;

static void test_setup(void) {
    CHECK(gen_device_cuda(0) == dev); /* the same device on every call */
    CHECK(!strcmp(gen_device_name(dev), "cuda0"));
    CHECK(gen_device_cuda(-1) == GEN_DEVICE_NONE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_device_cuda: ordinal must be >= 0");
    CHECK(gen_device_cuda(99) == GEN_DEVICE_NONE);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "gen_device_cuda: no CUDA device 99");
}

static void test_copies(void) {
    for (int t = GEN_BOOL; t <= GEN_F64; t++) {
        gen_array *h = gen_cast(gen_arange(-500, 500, 1, GEN_F64), (gen_dtype)t);
        gen_array *d = CHECK_ARR(gen_array_to_device(h, dev));
        CHECK(gen_array_device(d) == dev && gen_array_data(d) == NULL);
        gen_error_clear();
        gen_array *back = CHECK_ARR(gen_array_to_host(d));
        CHECK(!memcmp(gen_array_data(back), gen_array_data(h), 1000 * gen_dtype_size((gen_dtype)t)));
    }
}

static void test_default_device_and_fill(void) {
    gen_device old = gen_device_set_default(dev);
    CHECK(old == GEN_DEVICE_CPU);
    gen_array *z = gen_zeros(GEN_F32, GEN_DIMS(1000, 3)), *f = gen_full(GEN_I64, GEN_DIMS(77), -5);
    CHECK(gen_array_device(z) == dev && gen_array_device(f) == dev);
    int64_t v[77];
    CHECK(gen_array_copy_to(f, GEN_I64, v, sizeof v) == GEN_OK);
    bool all = true;
    for (int i = 0; i < 77; i++) all &= v[i] == -5;
    CHECK(all);
    gen_array *b = gen_broadcast_to(gen_scalar(2.5), GEN_DIMS(40)); /* small host scalar, big result */
    CHECK(gen_array_device(b) == dev);
    gen_device_set_default(old);
}

static void test_pool_reuse(void) {
    /* 2000 arrays of 8 MB one after another: the pool serves them from what was freed */
    for (int i = 0; i < 2000; i++) {
        gen_scope_begin();
        gen_array *a = gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(1)), dev);
        (void)a;
        gen_device old = gen_device_set_default(dev);
        gen_array *big = gen_zeros(GEN_F64, GEN_DIMS(1 << 20));
        gen_device_set_default(old);
        if (!big) {
            CHECK(big != NULL);
            gen_scope_end();
            break;
        }
        gen_scope_end();
    }
    CHECK(gen_device_synchronize(dev) == GEN_OK);
}

int main(void) {
    dev = cuda_test_device("test_cuda_device");
    RUN(test_setup);
    RUN(test_copies);
    RUN(test_default_device_and_fill);
    RUN(test_pool_reuse);
    return check_finish();
}
