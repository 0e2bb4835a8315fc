/* op_table.c — assembles the op table from the ops_*.def rows (the kernel column goes to
 * the backends: src/backend/cpu/cpu_backend.c), and lists its names (gen_op_name). */
#include "op.h"

/* Every name in the table is a function with one of the op.h signatures. */
#define OP(ID, name, arity, shape, cpu, vjp, jvp)                                          \
    gen_status shape(const op_call *, op_sig *);                                           \
    gen_array *vjp(const op_call *, int, gen_array *);                                     \
    gen_array *jvp(const op_call *, gen_array *const *);
#define OPX(ID, name, arity, shape, cpu, vjp_all, jvp)                                     \
    gen_status shape(const op_call *, op_sig *);                                           \
    gen_status vjp_all(const op_call *, gen_array *const *, gen_array **);                 \
    gen_array *jvp(const op_call *, gen_array *const *);
#include "ops.def"
#undef OPX
#undef OP

const op_info op_table[OP_COUNT] = {
#define OP(ID, nm, ar, sh, cp, vj, jv) [OP_##ID] = {.name = nm, .arity = ar, .shape = sh, .vjp = vj, .jvp = jv},
#define OPX(ID, nm, ar, sh, cp, va, jv)                                                    \
    [OP_##ID] = {.name = nm, .arity = ar, .shape = sh, .vjp = op_vjp_via_all, .jvp = jv, .vjp_all = va},
#include "ops.def"
#undef OPX
#undef OP
};

int gen_op_count(void) { return OP_COUNT; }

const char *gen_op_name(int i) { return i >= 0 && i < OP_COUNT ? op_table[i].name : NULL; }
