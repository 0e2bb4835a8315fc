/* cuda_testutil.h — what the GPU tests share: the device (or a clean skip when the
 * machine has none) and host copies of device arrays for comparisons. */
#ifndef GENC_TEST_CUDA_TESTUTIL_H
#define GENC_TEST_CUDA_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "genc.h"

/* The first GPU; exits the test with 77 (CTest: skipped) and a message when there is none. */
static inline gen_device cuda_test_device(const char *test) {
    gen_device d = gen_device_cuda(0);
    if (d == GEN_DEVICE_NONE) {
        printf("SKIP: %s: %s\n", test, gen_error_message());
        gen_error_clear();
        exit(77);
    }
    return d;
}

/* a's host copy (a itself when on the host), owned by the open scope. */
static inline gen_array *cuda_test_host(gen_array *a) { return a ? gen_array_to_host(a) : NULL; }

#endif
