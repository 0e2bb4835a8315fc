/* fake_device.h — a device backend for tests on machines without a GPU ("fake"): its
 * memory is host memory that the library must treat as device memory (host = false),
 * its kernels are the CPU backend's (it defers elementwise ops as the CUDA backend does,
 * and computes them op by op when read: lazy.c's path), and it has no native queue (queue = NULL), like a
 * device whose random draws the library makes on the host and copies there. Like the CUDA
 * backend, its binary ops, where, clip and broadcast_to take one-element host arguments
 * by value (backend.scalar_args).
 *
 * Its memory is mapped without access rights except while one of its kernels or copies
 * runs, so code that reads or writes a device array's elements on the host (a->data,
 * gen_array_data's pointer) crashes the test at the culprit instead of passing
 * silently. Copies, kernels and buffers are counted: a test measures the host round
 * trips of a workload (to_host copies are what synchronizes on a real GPU).
 *
 * The ops the CUDA backend will never have (they run C callbacks on scalars: the scalar
 * family density, the scalar bijection, the compiled draw) are unsupported here too, so
 * paths that would reach them with device arrays fail the test. Single-threaded use. */
#ifndef GENC_TEST_FAKE_DEVICE_H
#define GENC_TEST_FAKE_DEVICE_H

#include "genc.h"

typedef struct fake_device_counts {
    long to_host, to_host_bytes; /* device -> host copies (each a sync on a GPU) */
    long from_host;              /* host -> device copies */
    long kernels;                /* kernel launches */
    long fills, syncs;
    long fuse_calls;             /* pending expressions computed (then op by op) */
    long live_buffers;           /* buffers allocated and not yet freed */
} fake_device_counts;

extern fake_device_counts fake_counts;

/* The fake device, registered on first use (the same device after). */
gen_device fake_device(void);
/* The copy of a (any device) on the fake device; NULL with the error recorded. */
gen_array *fake_put(const gen_array *a);

#endif
