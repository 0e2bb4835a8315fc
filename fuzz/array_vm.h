/* array_vm.h — the little machine fuzz_array_ops runs: the fuzzer's bytes are a program
 * of array operations on a stack of arrays. Each op reads its operands (shapes, axes,
 * values) from the bytes that follow it; scopes, batched mode and autodiff transforms
 * are ops too, so a program can nest them (a transform runs a sub-program as its closure).
 *
 * After every call the machine checks GenC's contract (fuzz_common.h): a result is a
 * well-formed array whose elements can all be read, a failure records an error with a
 * message; at the end of a program every scope and batched mode it opened is closed. */
#ifndef GENC_FUZZ_ARRAY_VM_H
#define GENC_FUZZ_ARRAY_VM_H

#include "fuzz_common.h"
#include "genc/autodiff.h"

#define VM_STACK 16
#define VM_LEVELS 6    /* scopes one program may open */
#define VM_MODES 6     /* batched-mode begins and suspends one program may open */
#define VM_TDEPTH 3    /* transforms nested in transforms */

typedef struct vm_ent {
    gen_array *a;
    int level; /* the scope (of this program's) that owns a: 0 the program's caller's */
} vm_ent;

typedef struct vm {
    fz_in in;
    vm_ent st[VM_STACK];
    int sp;
    int level;
    int mode_kind[VM_MODES]; /* 0: gen_batch_begin, 1: gen_batch_suspend */
    int64_t mode_saved[VM_MODES];
    int nmodes;
    int tdepth;     /* transforms around this program */
    int *budget;    /* ops left for the whole input (shared with nested programs) */
    gen_status last_fail;
    /* an op with a known inexact VJP on the recording path ran (cumlogsumexp: its
     * composite rule loses log g next to |out| >~ 1e10; see fuzz/README.md) */
    bool inexact_vjp;
} vm;

/* The op codes (a program byte modulo OP_COUNT). */
enum {
    OP_SCALAR, OP_FROM, OP_FULL, OP_ARANGE, OP_LINSPACE, OP_EYE, OP_ONE_HOT, OP_BATCHED_FULL,
    OP_UNARY, OP_UNARY2, OP_CAST, OP_BINARY, OP_BINARY2, OP_WHERE, OP_CLIP, OP_REDUCE,
    OP_ARG, OP_ALONG, OP_RESHAPE, OP_PERMUTE, OP_SQUEEZE, OP_BROADCAST_TO, OP_JOIN, OP_SLICE,
    OP_TAKE, OP_INDEX_UPDATE, OP_TILE, OP_TRIANGULAR_SOLVE, OP_SPD, OP_TUPLE, OP_READOUT,
    OP_STACK, OP_SCOPE_BEGIN, OP_SCOPE_END, OP_MODE_BATCH, OP_MODE_SUSPEND, OP_MODE_POP,
    OP_TRANSFORM, OP_RETAIN, OP_DIST, OP_RANDOM, OP_INDICES, OP_COUNT
};

/* A machine running the bytes p[0..n) with the given budget and nesting depth. */
void vm_init(vm *m, const uint8_t *p, size_t n, int *budget, int tdepth);
/* Runs the program to its end (or the budget's), then closes what it opened; the
 * arrays left on the stack belong to the scope that was innermost when it started. */
void vm_run(vm *m);
/* Whether GENC_FUZZ_TRACE is set: then each result and error is printed. */
int vm_tracing(void);
/* Pushes a (NULL: checks the failure that produced it and pushes nothing). */
void vm_push(vm *m, const char *what, gen_array *a);
/* The k-th array from the top (0: the top), NULL if the stack is shorter. */
gen_array *vm_top(const vm *m, int k);
/* Runs one op of code op (array_vm_ops.c). */
void vm_op(vm *m, uint8_t op);
/* The ops of scopes, batched mode and transforms (array_vm.c). */
void vm_scope_begin(vm *m);
void vm_scope_end(vm *m);
void vm_mode_batch(vm *m);
void vm_mode_suspend(vm *m);
void vm_mode_pop(vm *m);
/* A transform running a sub-program as its closure: the sub-program is the next bytes
 * (their count read from the program) or, with whole_rest, the rest of the program. */
void vm_transform(vm *m, bool whole_rest);
/* A distribution made from the top arrays and used; the raw samplers (array_vm_dist.c). */
void vm_dist(vm *m);
void vm_random(vm *m);

#endif
