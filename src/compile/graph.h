/* graph.h — the compile layer's static graph (prefix cg_): what a captured run computed,
 * as values (inputs, constants, node outputs) and nodes (op applications of the op
 * table, and parameter checks), in the order they ran. Captured by capture.c, turned into
 * code by a code generator (emit_c.c for C), run by a loaded module (jit.c). Shapes and
 * dtypes are static: a graph stands for runs on inputs of its input shapes only. */
#ifndef GENC_SRC_COMPILE_GRAPH_H
#define GENC_SRC_COMPILE_GRAPH_H

#include "../array/autodiff_int.h"

typedef enum cg_vkind {
    CG_INPUT, /* index: the input's number */
    CG_CONST, /* index: the constant's number (graph->consts) */
    CG_NODE   /* index: the producing node, out: which of its outputs */
} cg_vkind;

typedef struct cg_value {
    cg_vkind kind;
    gen_dtype dtype;
    int ndim;
    int32_t index, out;
    int64_t size;
    int64_t shape[GEN_MAX_DIMS];
} cg_value;

typedef enum cg_nkind { CG_OP, CG_CHECK } cg_nkind;

typedef struct cg_node {
    cg_nkind kind;
    op_id op;
    int n_in, n_out;
    int32_t *in;              /* value ids (owned) */
    int32_t out[OP_MAX_OUT];  /* value ids of the outputs */
    op_params p;              /* a copy (pointer fields as recorded) */
    ad_check check;           /* CG_CHECK */
    bool live;                /* an output or a check depends on it (cg_graph_prune) */
} cg_node;

typedef struct cg_graph {
    cg_value *values;
    int32_t n_values, cap_values;
    cg_node *nodes;
    int32_t n_nodes, cap_nodes;
    gen_array **consts; /* retained */
    int32_t n_consts, cap_consts;
    int32_t *inputs; /* value ids, one per input */
    int n_inputs;
    int32_t *outputs; /* value ids, one per output */
    int n_outputs;
} cg_graph;

void cg_graph_free(cg_graph *g);
/* A hash of everything the generated code depends on: nodes, shapes, dtypes, parameters,
 * and the values of constants small enough to be written into the code (cg_inline_const). */
uint64_t cg_graph_hash(const cg_graph *g);
/* Whether constant value v is written into the code as a literal (one element). */
bool cg_inline_const(const cg_graph *g, int32_t v);
/* A copy of g computing only the outputs outs[0..n_out) of g's (constants retained
 * again). NULL on out of memory. */
cg_graph *cg_graph_with_outputs(const cg_graph *g, int n_out, const int32_t *outs);
/* Marks live the nodes an output or a check depends on (checks always are). */
gen_status cg_graph_prune(cg_graph *g);
/* How many nodes are live. */
int32_t cg_graph_live(const cg_graph *g);

/* g for n particles, from a (captured at n0 particles) and its twin b (the same run at
 * n1): each extent that is k n0 in a and k n1 in b becomes k n (graph_rescale.c). NULL
 * with why filled when they differ otherwise (the caller captures at n). */
cg_graph *cg_graph_rescale(const cg_graph *a, const cg_graph *b, int64_t n0, int64_t n1, int64_t n, char *why,
                           size_t why_n);

/* Why a function could not be captured, for the caller to report. */
typedef struct cg_refusal {
    char msg[512];
} cg_refusal;

/* Names input i for messages (an address "tau", "beta (element 3)"). */
typedef void (*cg_input_namer)(void *payload, int i, char *buf, size_t n);

/* Runs f on fresh leaves viewing in[0..n_in) under a capture tape and returns the graph
 * of what it computed from them (outputs: f's n_out results), or NULL with why filled
 * (and no error pending: a refusal is not an error) when the run read a value that
 * depends on an input on the host, or with the error recorded when f failed. */
cg_graph *cg_capture(gen_closure f, int n_in, gen_array *const *in, int n_out, cg_input_namer namer,
                     void *namer_payload, cg_refusal *why);

#endif
