/* lane_prog.h — a lane program ready to run on a device (prefix cg_lane_prog): the
 * code of a graph's lanes (lanes.h, emit_lanes.c) loaded for a backend, the graph's
 * constants on that device, and a run that launches one kernel over all lanes, then
 * (when the code can fail) reads the failure record and words the error as the eager
 * path does. On a CUDA device (a backend with a native queue) the kernel is NVRTC's
 * (jit_cuda.h); on a device backend named by cg_lane_prog_host_device (a test's stand-in
 * device, whose memory the host can read) the same program is built by the C compiler
 * and its host loop runs the lanes, so the whole path is checked without a GPU. */
#ifndef GENC_SRC_COMPILE_LANE_PROG_H
#define GENC_SRC_COMPILE_LANE_PROG_H

#include "jit.h"
#include "jit_cuda.h"
#include "lanes.h"

typedef struct cg_lane_prog {
    cg_lanes *lanes;
    cg_graph *src; /* the graph the lanes were made from (errors are worded from it) */
    cg_lane_code code;
    const backend *be;
    const cg_cuda_kernel *kernel; /* a CUDA device's */
    cg_module *host;              /* else: the host loop (C compiler) */
    gen_array **consts;           /* per constant of src: its elements on be (retained), or NULL */
    void *ktable;                 /* on be: the constants' addresses */
    cg_fail *fail;                /* on be: one run's failure record */
    cg_fail *fail_host;           /* the same in mapped host memory (be->mapped_alloc), or
                                   * NULL: it is copied to and from be */
    _Atomic int busy;             /* fail is in use (a concurrent run makes its own) */
} cg_lane_prog;

/* Lets lane programs run on device backend be through the C compiler and a host loop:
 * for tests, with a backend without a native queue whose memory the host reads and
 * writes directly. At most 8 such backends. */
void cg_lane_prog_host_device(const backend *be);
/* Whether lane programs run on be: a CUDA device (a native queue), or one named above. */
bool cg_lane_prog_supports(const backend *be);

/* The program of lanes l (taken) made from graph src (taken; freed on failure too) for
 * backend be (a device backend). NULL with why filled: no code for an op, NVRTC or the
 * C compiler failed, a constant could not be copied to be. No error is left pending. */
cg_lane_prog *cg_lane_prog_new(cg_lanes *l, cg_graph *src, const backend *be, char *why, size_t why_n);
void cg_lane_prog_free(cg_lane_prog *p);

/* One input or output of a run: the address of lane 0's elements, whether that is host
 * memory (an input: passed in the kernel's parameters when small, else copied to the
 * device for the run) and the bytes from one lane's elements to the next's (0: one
 * value shared by every lane; an output shared by the lanes is written once). */
typedef struct cg_lane_io {
    const void *p;
    bool host;
    int64_t stride;
} cg_lane_io;

/* The stride of input i (output: false) when every lane's elements follow each other:
 * its lane size in bytes when it is one per lane, else 0. */
int64_t cg_lane_prog_stride(const cg_lane_prog *p, bool input, int i);
/* Runs lanes 0..lanes) on the source graph's inputs in[0..n_inputs) into out (on be):
 * queued on be's stream, except that a program that can fail waits for it and reads
 * the failure record. A failed check or kernel is the eager path's error (particles:
 * the first failing node's first failing particle; chains: the first failing chain's,
 * prefixed "chain c"). */
gen_status cg_lane_prog_run(const cg_lane_prog *p, int64_t lanes, const cg_lane_io *in, const cg_lane_io *out);

#endif
