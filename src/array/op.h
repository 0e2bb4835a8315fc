/* op.h — the op table (DESIGN decision 2). Every array operation is one row of an
 * X-macro table, split by family into ops_*.def files:
 *
 *   OP(ID, "name", arity, shape_rule, cpu_kernel, vjp_rule, jvp_rule)
 *
 * arity -1 means variadic. vjp_rule / jvp_rule are op_no_vjp / op_no_jvp for ops with
 * no gradient rule (differentiating them is GEN_ERR_NOGRAD) and op_zero_vjp /
 * op_zero_jvp for ops whose gradient is zero everywhere it exists (floor, sign,
 * comparisons). Everything goes through op_apply (dispatch.c), so one call can compute
 * eagerly, record for autodiff, or (later) be captured for compilation. */
#ifndef GENC_SRC_OP_H
#define GENC_SRC_OP_H

#include "array_int.h"

typedef enum op_id {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) OP_##ID,
#include "ops.def"
#undef OP
    OP_COUNT
} op_id;

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
} op_params;

/* One application of an op: what kernels and rules see. in are the arguments (already
 * of the dtypes the op requires: public wrappers cast before calling op_apply), out the
 * result (allocated by op_apply before the kernel runs). */
typedef struct op_call {
    op_id op;
    int n_in;
    gen_array *const *in;
    const op_params *p;
    gen_array *out;
} op_call;

/* What a shape rule computes: the result's dtype and shape. */
typedef struct op_sig {
    bool view; /* the result shares in[0]'s elements: no allocation, no kernel */
    gen_dtype dtype;
    int ndim;
    int64_t shape[GEN_MAX_DIMS];
} op_sig;

/* Shape rule: validates the arguments (recording an error that names the op and the
 * shapes) and fills the signature. out is NULL when it runs. */
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

typedef struct op_info {
    const char *name;
    int arity;
    op_shape_fn shape;
    op_kernel_fn cpu;
    op_vjp_fn vjp;
    op_jvp_fn jvp;
} op_info;

extern const op_info op_table[OP_COUNT];

/* Applies op to n_in arguments: validates, allocates, computes on the arguments'
 * backend, records for active transforms, and publishes the result. NULL on error;
 * NULL arguments propagate (see array.h). */
gen_array *op_apply(op_id op, int n_in, gen_array *const *in, const op_params *p);
/* Convenience forms. */
gen_array *op_apply1(op_id op, const gen_array *a, const op_params *p);
gen_array *op_apply2(op_id op, const gen_array *a, const gen_array *b, const op_params *p);

/* Sentinels for the rule columns. */
gen_array *op_no_vjp(const op_call *c, int i, gen_array *g);
gen_array *op_no_jvp(const op_call *c, gen_array *const *t);
gen_array *op_zero_vjp(const op_call *c, int i, gen_array *g);
gen_array *op_zero_jvp(const op_call *c, gen_array *const *t);

/* Shared shape rules. */
gen_status op_shape_same(const op_call *c, op_sig *s);       /* out = in[0] */
gen_status op_shape_same_bool(const op_call *c, op_sig *s);  /* in[0]'s shape, bool */
gen_status op_shape_broadcast(const op_call *c, op_sig *s);  /* broadcast all, dtype of in[0] */
gen_status op_shape_broadcast_bool(const op_call *c, op_sig *s);
/* where(cond, a, b): the broadcast of the three (ops_binary.c). */
gen_status shape_where(const op_call *c, op_sig *s);

#endif
