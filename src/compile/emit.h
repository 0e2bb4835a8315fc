/* emit.h — the C code generator's shared state (prefix cg_): a growing text buffer, where
 * each value of the graph lives in the generated function (a scalar local, a literal, a
 * pointer into the inputs, constants or the work block), and the per-op emitters
 * (emit_c.c: the driver and elementwise ops; emit_reduce.c, emit_shape.c,
 * emit_linalg.c, emit_fused.c: the rest; emit_loops.c: helpers they share). A code
 * generator target (C here, CUDA C later) reads the same graph. */
#ifndef GENC_SRC_COMPILE_EMIT_H
#define GENC_SRC_COMPILE_EMIT_H

#include <stdarg.h>
#include <stdio.h>

#include "graph.h"

typedef struct cg_text {
    char *s;
    size_t n, cap;
    bool oom;
} cg_text;

void cg_text_printf(cg_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_text_free(cg_text *t);

typedef enum cg_store_kind {
    CG_STORE_SCALAR,  /* a local variable v<id> */
    CG_STORE_LITERAL, /* a one-element constant written into the code */
    CG_STORE_POINTER  /* a pointer p<id> to its elements (inputs, constants, work block) */
} cg_store_kind;

typedef struct cg_store {
    cg_store_kind kind;
    int32_t root; /* the value whose storage this one shares (itself unless an alias) */
    int64_t off;  /* work block offset (node outputs held by pointer) */
    char lit[48]; /* CG_STORE_LITERAL */
    bool used;    /* the code names its pointer (a fused loop's temporaries need none) */
    int out;      /* > 0: it lives in the caller's output OUT[out - 1] (no work space, no copy) */
} cg_store;

/* A loop found again in the graph (emit_reroll.c): R blocks of P nodes; block 0's nodes
 * (body) are emitted once inside `for (r ...)`, with the body's own expressions for the
 * values they read and write (ov_val / ov_expr, installed while the body is written). */
#define CG_MAX_SEGS 64
typedef struct cg_segment {
    int32_t P, R, stride; /* stride: node ids between one block and the next */
    int32_t *body;        /* block 0's node ids */
    int64_t *off;         /* work offset of S<seg>_<q>_<j> at [q * 2 + j] */
    int32_t n_ov, cap_ov;
    int32_t *ov_val;
    char **ov_expr;
    int64_t *start_step; /* per body node: a slice's first index grows this much per block */
} cg_segment;

typedef struct cg_emit cg_emit;
/* A target's own code for some nodes (the lane target's draws, emit_lanes.c): true when
 * it wrote node nd (or called cg_unsupported); false leaves it to the C emitters. */
typedef bool (*cg_node_hook)(cg_emit *e, const cg_node *nd);

/* How a target asks for the statements (cg_emit_statements). */
typedef struct cg_emit_opts {
    cg_node_hook hook; /* NULL: the C target's code for every node */
    void *hook_payload;
    bool rows;         /* a value [1, ..., m] is a row of a loop nest (core_dims in emit_fuse.c) */
} cg_emit_opts;

struct cg_emit {
    const cg_graph *g;
    cg_node_hook hook;
    void *hook_payload;
    bool rows;
    cg_store *st;        /* per value */
    cg_text body;        /* the statements */
    int64_t work_bytes;  /* the work block's size */
    int32_t node;        /* the node being emitted */
    char why[256];       /* the first reason the graph cannot be generated */
    /* Fusion (emit_fuse.c): grp[v] is the fused loop that computes value v (-1: none);
     * while fusing, the loop cur_grp is being written, values of it are the temporaries
     * t<v> of the iteration i, and store[v] says a value is also written to memory (used
     * outside its loop). */
    int32_t *grp;
    bool *store;
    int32_t cur_grp;
    bool fusing;
    /* The open loop's shape: fuse_n elements, fuse_nd axes (leading 1s dropped); a loop
     * nest (rows of the last axis) reads its arguments at i, i0 (per row) or i1 (along
     * the row) by their broadcast (cg_fused_index). */
    int64_t fuse_n;
    int fuse_nd;
    int64_t fuse_shape[GEN_MAX_DIMS];
    /* In a nest's fast pass, a check counts its failures into cf (no branch, so the
     * row's loop vectorizes); a row with failures is run again with the branches. */
    bool fuse_count_checks;
    /* Loops (emit_reroll.c): ovr[v] an expression for value v's element $i (NULL: its own
     * storage), seg_of[k] the loop node k belongs to (-1: none), tables the per-block
     * constants' declarations. */
    char **ovr;
    const char *start_expr; /* a slice's first index in a loop's body, over blk (NULL: its own) */
    int32_t *seg_of;
    cg_segment segs[CG_MAX_SEGS];
    int n_segs;
    cg_text tables;
    char ring[16][160];  /* cg_ref's results */
    int ring_at;
    /* scratch space of the node being emitted (cg_scratch): at the work block's start,
     * [0, scratch_end) (the values' storage is laid out after it when the code is done) */
    int64_t scratch_end, scratch_at;
    int32_t scratch_node;
    bool scratch_used;
};

/* The C type of a dtype's elements. */
const char *cg_ctype(gen_dtype t);
/* An expression for element idx (a C expression; "0" for the first) of value v. Valid
 * until 16 more calls. */
const char *cg_ref(cg_emit *e, int32_t v, const char *idx);
/* Records that the node being emitted has no code (the first reason is kept). */
void cg_unsupported(cg_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value's own element count and shape. */
static inline const cg_value *cg_val(const cg_emit *e, int32_t v) { return &e->g->values[v]; }

/* expr with $k replaced by arg[k] (k < 4), into out of n bytes (truncated safely). */
void cg_substitute(const char *expr, const char *const *arg, char *out, size_t n);
/* Writes out[i] = EXPR over the broadcast of args: expr uses $0, $1, $2 for the
 * arguments' elements (after conversion to the arguments' own C types). */
void cg_emit_map(cg_emit *e, int32_t out, int n_args, const int32_t *args, const char *expr);

/* ---- loop nests over static shapes (emit_loops.c) ---- */

/* Row-major strides (in elements) of a shape. */
void cg_strides(int nd, const int64_t *shape, int64_t *str);
/* The strides of value a along the axes of (nd, shape), a aligned at the right and
 * broadcast (0 where a has no such axis or extent 1), elem elements per a's element
 * (e.g. a row length, for a batch of rows). */
void cg_bcast_strides(int a_nd, const int64_t *a_shape, int64_t elem, int nd, const int64_t *shape, int64_t *str);
/* Opens one loop per axis of extent > 1: for (int64_t <var><d> = 0; ...). */
void cg_open_loops(cg_emit *e, int nd, const int64_t *shape, const char *var);
/* The C expression sum of <var><d> * str[d] over the axes cg_open_loops opened ("0"
 * for none). */
void cg_linear(char *buf, size_t n, int nd, const int64_t *shape, const int64_t *str, const char *var);
/* The offset in the work block of bytes of scratch space for the node being emitted
 * (16-aligned; reused by later nodes). */
int64_t cg_scratch(cg_emit *e, int64_t bytes);
/* Helpers the per-family emitters' code calls (static functions of the generated
 * source, after the runtime table's type). */
extern const char cg_prelude_ops[];

/* A pointer (C type of dtype t) to all of v's elements for a runtime call: v's own
 * storage when it has dtype t and is held by pointer (false), else scratch space (true),
 * which for an argument (in) is filled with v's elements converted; a result's scratch
 * is copied out by cg_copy_out (elements converted from t by cg_convert). */
bool cg_elems_as(cg_emit *e, int32_t v, gen_dtype t, bool in, char *buf, size_t n);
const char *cg_convert(gen_dtype t, gen_dtype to);
void cg_copy_out(cg_emit *e, int32_t v, gen_dtype t, const char *buf);
/* Whether nd's output is its argument's elements unchanged (no code: shared storage). */
bool cg_is_alias(const cg_graph *g, const cg_node *nd);
/* Whether op is elementwise (one output element from the arguments' elements at the
 * same broadcast position). */
bool cg_is_elementwise(op_id op);
/* Emits node k on its own. */
void cg_emit_node(cg_emit *e, int32_t k);
void cg_emit_check(cg_emit *e, const cg_node *nd, int32_t k);
/* Emits every live node: elementwise runs of one size fused into single loops (with
 * the full reductions they feed), or into a loop nest over a broadcast shape's rows
 * (with the reductions along its last axis), independent nodes moved before them. */
void cg_emit_schedule(cg_emit *e);
/* Inside the fused loop: the index expression of value v's element at the loop's
 * position ("0": one element, "i": the loop's shape, "i0": one per row, "i1": one row). */
const char *cg_fused_index(const cg_emit *e, int32_t v);

/* Finds loops in the graph (emit_reroll.c), before anything is emitted; cg_emit_segment
 * writes loop s; cg_reroll_free releases what cg_reroll made. */
void cg_reroll(cg_emit *e);
void cg_emit_segment(cg_emit *e, int s);
void cg_reroll_declare(cg_emit *e, cg_text *t);
void cg_reroll_free(cg_emit *e);

/* Per-family emitters: true when the op was handled (or cg_unsupported called). */
bool cg_emit_elementwise(cg_emit *e, const cg_node *nd);
bool cg_emit_reduce(cg_emit *e, const cg_node *nd);
bool cg_emit_shape(cg_emit *e, const cg_node *nd);
bool cg_emit_linalg(cg_emit *e, const cg_node *nd);
bool cg_emit_fused(cg_emit *e, const cg_node *nd);

/* The error of op node k of g whose code returned 1 + k (at and v: what it left in
 * *fail and failv), worded and classed as the eager kernel's (op_failure.c). */
gen_status cg_op_failure(const cg_graph *g, int32_t k, int64_t at, const double *v);

/* What the generated C code starts with after math.h and stdint.h: the eager kernels'
 * conversions and scalar helpers (cg_f2i, cg_mod, cg_logaddexp, ...). */
extern const char cg_prelude_helpers[];

/* The statements of g's function, as cg_emit_c writes them inside cg_main (declarations,
 * body, `return 0;`), into *src (free with cg_text_free): they read K, IN, OUT, W, fail,
 * failv and call the runtime through rt->. opts (NULL: the C target's) name a hook that
 * writes the nodes a target computes its own way. false with why filled as cg_emit_c. */
bool cg_emit_statements(const cg_graph *g, const cg_emit_opts *opts, cg_text *src, int64_t *work_bytes, char *why,
                        size_t why_n);

/* The generated C source of g, into *src (free with cg_text_free): a function
 *   int cg_main(const cg_rt *rt, const void *const *K, const void *const *IN,
 *               void *const *OUT, unsigned char *W, int64_t *fail, double *failv)
 * K: the graph's constants' elements (by constant number), IN the inputs', OUT where the
 * outputs go (each in its own dtype), W a work block of *work_bytes (16-aligned). It
 * returns 0, or 1 + the node that failed (a check, or a kernel such as cholesky) with
 * *fail the element or matrix at fault and failv[0..2) the values a check saw. false
 * with why filled when an op has no code. */
bool cg_emit_c(const cg_graph *g, cg_text *src, int64_t *work_bytes, char *why, size_t why_n);

#endif
