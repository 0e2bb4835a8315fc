/* lanes.h — a graph run as many independent lanes, one GPU thread each (prefix
 * cg_lanes): the particles of a batched generate, whose graph was captured with a
 * leading particle axis of n (each value that carries it gets extent 1 there: the graph
 * of one particle), or the chains of a target, whose graph is that of one chain. Values
 * and nodes keep their numbers, so a failure found in a lane is worded from the source
 * graph (cg_lanes_source_index). The lane target (emit_lanes.c) writes the code of one
 * lane and a kernel that runs it for every lane. */
#ifndef GENC_SRC_COMPILE_LANES_H
#define GENC_SRC_COMPILE_LANES_H

#include "emit.h"

typedef struct cg_lanes {
    cg_graph *g; /* one lane's graph (owned) */
    bool *each;  /* per value of g: one per lane (a lane's elements are at lane * its size in
                  * the caller's arrays), else the same for every lane */
    bool chains; /* built by cg_lanes_chains */
    /* Inputs of g beyond the source graph's n_inputs0 are constants of the source that
     * carry the particle axis (input n_inputs0 + t is constant const_of[t]): a lane reads
     * its own elements of them. */
    int n_inputs0;
    int32_t *const_of;
} cg_lanes;

/* The lanes of g (captured with n >= 2 particles in front): input i of g is one per
 * particle when input_each[i] (its leading axis is the particle axis), else shared.
 * Every value computed from a per-particle one is per particle and must have the
 * particle axis in front; an op must not mix particles (a reduction, slice or
 * concatenation along that axis, a reshape merging it with another axis). NULL with
 * why filled ("sum along the particle axis (node 12)") when g cannot be split so, or
 * on out of memory. */
cg_lanes *cg_lanes_particles(const cg_graph *g, int64_t n, const bool *input_each, char *why, size_t why_n);
/* The lanes of g run once per chain: every input and output one per lane. NULL on out
 * of memory. */
cg_lanes *cg_lanes_chains(const cg_graph *g);
void cg_lanes_free(cg_lanes *l);
/* Element `at` of value v in lane `lane`, as an element index of the source graph's
 * value (particles: lane * its lane size + at when v is per particle; chains: at). */
int64_t cg_lanes_source_index(const cg_lanes *l, int32_t v, int64_t lane, int64_t at);

/* A lane program's source and what its runner must know of it (emit_lanes.c). The
 * kernel cg_kernel takes one parameter block of 8-byte words: K (a device table of the
 * constants' elements), W (work space, `work` bytes per thread), fail (a cg_fail
 * record), n (lanes), first (the first lane's number), report, then from word io_at
 * the inputs' and outputs' base addresses, from st_at their strides in bytes (a lane's
 * elements are at base + lane * stride), from inl_at the inline words of the inputs
 * passed by value. */
typedef struct cg_lane_code {
    cg_text src;
    int n_k, n_in, n_out;
    int *inline_at; /* per input: its first word in the inline part, or -1 (by address) */
    int io_at, st_at, inl_at, words;
    int64_t work;
    bool can_fail; /* the code has checks or kernels that fail */
} cg_lane_code;

/* The record a failed lane leaves: key is the least of (rc << 40 | lane) over failed
 * lanes for particles (the first failing node, then the first particle), of (lane <<
 * 24 | rc) for chains (the first failing chain); with report set (one lane run again)
 * rc, at and v are that lane's. The caller sets key to all ones before a launch. */
typedef struct cg_fail {
    uint64_t key;
    int64_t at;
    double v[2];
    int64_t rc;
} cg_fail;

/* Threads per block of cg_kernel, and the most kernel parameter bytes a program takes. */
#define CG_LANE_BLOCK 128
#define CG_LANE_MAX_PARAMS 4000

/* The lane program of l: CUDA C (NVRTC; also plain C: without __CUDACC_RTC__ it defines
 * instead cg_main, whose K is the parameter block, running every lane in turn on the
 * host, for checking the code without a GPU). false with why filled when a node has no
 * code (a draw of a family without a device sampler, ...). */
bool cg_emit_lanes(const cg_lanes *l, cg_lane_code *code, char *why, size_t why_n);
void cg_lane_code_free(cg_lane_code *code);

#endif
