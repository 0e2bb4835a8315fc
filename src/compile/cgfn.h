/* cgfn.h — a compiled function (prefix cg_fn): the captured graph, its loaded code, the
 * constants' elements and a work block; what accel.c (targets) and compiled.c
 * (gen_compile) build on. */
#ifndef GENC_SRC_COMPILE_CGFN_H
#define GENC_SRC_COMPILE_CGFN_H

#include "graph.h"
#include "jit.h"

typedef struct cg_fn {
    cg_graph *g;
    cg_module *mod;
    cg_main_fn main;
    const void **K; /* the constants' elements (on the host) */
    gen_array **host_k; /* host copies of the constants that live on a device (one
                           reference each; NULL for the others) */
    int64_t work_bytes;
    unsigned char *work; /* one call's work block; a concurrent call allocates its own */
    _Atomic int busy;
} cg_fn;

/* Captures f (n_out outputs) on like[0..n_in), generates, compiles and loads its code.
 * NULL with why filled (prefixed by name) when it does not compile; no error is left
 * pending (the caller decides whether that is an error). The code runs on the host: a
 * constant on a device (data the model holds there) is read from a host copy where
 * host_copies (for callers whose inputs and outputs are host memory), else the graph does
 * not compile ("a constant is on a device"). */
cg_fn *cg_fn_new(const char *name, gen_closure f, int n_in, gen_array *const *like, int n_out,
                 cg_input_namer namer, void *namer_payload, bool host_copies, char *why, size_t why_n);
/* The compiled function of a graph already captured (taken: freed on failure too); a
 * constant on a device: it does not compile. */
cg_fn *cg_fn_from_graph(const char *name, cg_graph *g, char *why, size_t why_n);
/* Runs the code on raw element pointers (each input and output in its value's dtype
 * and shape; no output overlaps an input: the code computes into outputs as it goes). A
 * failed check or kernel records its error (as the eager op would). */
gen_status cg_fn_run(const cg_fn *fn, const void *const *in, void *const *out);
void cg_fn_free(cg_fn *fn);
/* The eager path's error for check node k of g failing at element at with values v. */
gen_status cg_check_failure(const cg_graph *g, int32_t k, int64_t at, const double *v);
/* Runs g's live nodes eagerly (op by op through the op table: no compilation) on inputs
 * (one per graph input) into outputs (new arrays in the current scope): for functions
 * used too rarely to be worth compiling. Checks fail as the compiled code's do. */
gen_status cg_interpret(const cg_graph *g, gen_array *const *inputs, gen_array **outputs);

#endif
