/* op.h — the op table (DESIGN decision 2). Every array operation is one row of an
 * X-macro table, split by family into ops_*.def files:
 *
 *   OP(ID, "name", arity, shape_rule, cpu_kernel, vjp_rule, jvp_rule)
 *   OPX(ID, "name", arity, shape_rule, cpu_kernel, vjp_all_rule, jvp_rule)
 *
 * arity -1 means variadic. vjp_rule / jvp_rule are op_no_vjp / op_no_jvp for ops with
 * no gradient rule (differentiating them is GEN_ERR_NOGRAD) and op_zero_vjp /
 * op_zero_jvp for ops whose gradient is zero everywhere it exists (floor, sign,
 * comparisons). OPX rows (the fused rows of ops_fused.def, multi-output ops, custom
 * VJPs) give every argument's cotangent from every output's in one call (op_vjp_all_fn)
 * instead of one argument at a time; their vjp column is op_vjp_via_all.
 *
 * Every kernel is a row, and every row is reached only through op_apply / op_apply_n
 * (dispatch.c): it validates with the shape rule, chooses the backend from the
 * arguments (all on one device; creation ops take the default device), allocates the
 * outputs on that backend, runs its kernel, and records for running autodiff
 * transforms, so one call can compute eagerly, record, or (later) be captured for
 * compilation. Nothing else calls ad_record.
 *
 * Multi-output ops: a shape rule fills s[0..k) and sets s[0].n_out = k (at most
 * OP_MAX_OUT outputs allocated by dispatch; view outputs, below, have no limit); callers
 * use op_apply_n, and the kernel fills c->outs[0..k). Tape nodes hold every output.
 *
 * Pointer parameters: fused rows take function tables or closures in op_params (the
 * family's scalar density, a custom VJP's rule and payload); they must outlive every
 * tape that records the op (static tables; a custom VJP's payload is the caller's, as
 * for gen_custom_vjp). */
#ifndef GENC_SRC_OP_H
#define GENC_SRC_OP_H

#include "array_int.h"
#include "genc/autodiff.h"

/* OPX rows read as OP rows wherever only the common columns matter. */
#define OPX_AS_OP(ID, name, arity, shape, cpu, vjp_all, jvp) OP(ID, name, arity, shape, cpu, op_vjp_via_all, jvp)

typedef enum op_id {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) OP_##ID,
#define OPX OPX_AS_OP
#include "ops.def"
#undef OPX
#undef OP
    OP_COUNT
} op_id;

/* Outputs a shape rule may allocate (multi-output ops). */
#define OP_MAX_OUT 2
/* Parameters of a scalar family's density (SCALAR_LOGPDF: 1 + this many arguments). */
#define OP_SCALAR_MAX_PARAMS 4

/* Parameters of one op application (only the fields an op uses are meaningful). */
typedef struct op_params {
    int naxes;                  /* reductions, permute, squeeze: normalized axes */
    int axes[GEN_MAX_DIMS];
    bool keepdims;
    int axis;                   /* single-axis ops (normalized) */
    int ndim;                   /* target shape: reshape, broadcast_to, tile reps */
    int64_t shape[GEN_MAX_DIMS];
    int64_t start, stop, step;  /* slice (normalized) */
    int64_t k;                  /* an integer parameter (one_hot depth, ...) */
    gen_dtype dtype;            /* cast target */
    bool lower, transpose;      /* triangular_solve */
    bool reverse;               /* reduce: cumulative ops run from the end */
    /* Pointer parameters of fused rows (see the comment at the top). */
    double (*scalar_grad)(const double *p, double x, double *g); /* SCALAR_LOGPDF */
    gen_vjp_rule rule;          /* CUSTOM_VJP: the user's rule and its payload */
    void *payload;
} op_params;

/* One application of an op: what kernels and rules see. in are the arguments (already
 * of the dtypes the op requires: public wrappers cast before calling op_apply), out the
 * result (allocated by dispatch on the arguments' backend before the kernel runs);
 * multi-output ops have n_out outputs outs[0..n_out) (out = outs[0]). */
typedef struct op_call {
    op_id op;
    int n_in;
    gen_array *const *in;
    const op_params *p;
    gen_array *out;
    int n_out;
    gen_array *const *outs;
} op_call;

/* What a shape rule computes: the result's dtype and shape. */
typedef struct op_sig {
    bool view; /* the results share elements of arguments: no allocation, no kernel;
                * output j views in[view_of + j] with that argument's shape */
    gen_dtype dtype;
    int ndim;
    int n_out;   /* s[0] only: the number of outputs (dispatch sets 1 before the rule) */
    int view_of; /* s[0] only, for views: the argument output 0 views (0 by default) */
    int64_t shape[GEN_MAX_DIMS];
} op_sig;

/* Shape rule: validates the arguments (recording an error that names the op and the
 * shapes) and fills the signature (for multi-output ops, s[0..n_out)). out is NULL
 * when it runs. */
typedef gen_status (*op_shape_fn)(const op_call *c, op_sig *s);
/* Kernel: fills c->out from c->in. May fail (e.g. a matrix is not positive definite). */
typedef gen_status (*op_kernel_fn)(const op_call *c);
/* VJP rule: the cotangent of argument i given the output cotangent g. The result may
 * have any shape that broadcasts to the argument's (the engine sums it down) and any
 * float dtype; NULL with an error recorded on failure. Built from public ops, so
 * rules are themselves differentiable. */
typedef gen_array *(*op_vjp_fn)(const op_call *c, int i, gen_array *g);
/* JVP rule: the output tangent given argument tangents t[i] (NULL means zero). May
 * return any shape that broadcasts to the output's. */
typedef gen_array *(*op_jvp_fn)(const op_call *c, gen_array *const *t);
/* VJP rule of an OPX row: the cotangents cin[i] of the arguments (leave NULL: no
 * cotangent, e.g. an argument no tape tracks) from cot[j], one for each output (zeros
 * where an output got none). Results as op_vjp_fn's. A rule may compute in plain C only
 * while no tape records (!ad_recording()): when an enclosing transform records the
 * backward pass it must use public ops (or fail with GEN_ERR_NOGRAD), so gradients of
 * gradients stay right. */
typedef gen_status (*op_vjp_all_fn)(const op_call *c, gen_array *const *cot, gen_array **cin);

typedef struct op_info {
    const char *name;
    int arity;
    op_shape_fn shape;
    op_vjp_fn vjp;
    op_jvp_fn jvp;
    op_vjp_all_fn vjp_all; /* OPX rows; NULL for OP rows */
} op_info;

extern const op_info op_table[OP_COUNT];

/* Applies op to n_in arguments: validates, chooses the arguments' backend, allocates on
 * it, computes, records for active transforms, and publishes the result. NULL on error;
 * NULL arguments propagate (see array.h). Arguments on different devices are
 * GEN_ERR_MISUSE "<op>: arguments on different devices (argument 0 on cpu, argument 1
 * on cuda0)". */
gen_array *op_apply(op_id op, int n_in, gen_array *const *in, const op_params *p);
/* The same for an op with n_out outputs (published into outs[0..n_out), all NULL on
 * error). Returns the status. */
gen_status op_apply_n(op_id op, int n_in, gen_array *const *in, const op_params *p, int n_out,
                      gen_array **outs);
/* op_apply on physical shapes: batched mode suspended for the call (callers that have
 * already placed the particle axis, as the fused rows' callers in distributions). */
static inline gen_array *op_apply_physical(op_id op, int n_in, gen_array *const *in, const op_params *p) {
    if (!arr_batch_n) return op_apply(op, n_in, in, p);
    int64_t saved = arr_batch_suspend();
    gen_array *r = op_apply(op, n_in, in, p);
    arr_batch_resume(saved);
    return r;
}
/* Convenience forms. */
gen_array *op_apply1(op_id op, const gen_array *a, const op_params *p);
gen_array *op_apply2(op_id op, const gen_array *a, const gen_array *b, const op_params *p);

/* The parameters of a call given none (p NULL): all zero. The tape keeps a node's own
 * copy only when its call had parameters. */
extern const op_params op_no_params;

/* Sentinels for the rule columns. */
gen_array *op_no_vjp(const op_call *c, int i, gen_array *g);
gen_array *op_no_jvp(const op_call *c, gen_array *const *t);
gen_array *op_zero_vjp(const op_call *c, int i, gen_array *g);
gen_array *op_zero_jvp(const op_call *c, gen_array *const *t);
/* The vjp column of OPX rows (never called: their vjp_all rule is). */
gen_array *op_vjp_via_all(const op_call *c, int i, gen_array *g);

/* The payload of a DRAW row: the distribution layer's description of a random choice
 * (distributions/draw_site.c), which begins with this header. sample returns the draw at
 * key (c->in[0], two i64 words, on any device) from the parameters c->in[1..): an array
 * of c->out's dtype and shape in the current scope, which the row's kernel copies into
 * c->out (it lies on c->out's device or on the host, where the family's sampler put it);
 * NULL with the error recorded. The sampler's arrays are made on c->out's device (the
 * creation device follows it). Sites are interned for the process's lifetime, so graphs
 * and tapes may keep pointers to them. */
typedef struct op_draw_site op_draw_site;
struct op_draw_site {
    gen_array *(*sample)(const op_draw_site *site, const op_call *c);
    /* The site for n particles, from this one at n0 and its twin b at n1 (compile/
     * graph_rescale.c); NULL when they differ otherwise than in the particle count. */
    const op_draw_site *(*rescaled)(const op_draw_site *site, const op_draw_site *b, int64_t n0, int64_t n1,
                                    int64_t n);
};

/* An extent seen as a at n0 particles and as b at n1: a itself when they agree, k n when
 * a = k n0 and b = k n1 (it follows the particle count), -1 otherwise. */
static inline int64_t op_scale_extent(int64_t a, int64_t b, int64_t n0, int64_t n1, int64_t n) {
    if (a == b) return a;
    if (n0 > 0 && n1 > 0 && a % n0 == 0 && b % n1 == 0 && a / n0 == b / n1) return a / n0 * n;
    return -1;
}

/* Shared shape rules. */
gen_status op_shape_same(const op_call *c, op_sig *s);       /* out = in[0] */
gen_status op_shape_same_bool(const op_call *c, op_sig *s);  /* in[0]'s shape, bool */
gen_status op_shape_broadcast(const op_call *c, op_sig *s);  /* broadcast all, dtype of in[0] */
gen_status op_shape_broadcast_bool(const op_call *c, op_sig *s);
/* where(cond, a, b): the broadcast of the three (ops_binary.c). */
gen_status shape_where(const op_call *c, op_sig *s);

#endif
