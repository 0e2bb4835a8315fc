/* op_table.c — assembles the op table from the ops_*.def rows. */
#include "op.h"

/* Every name in the table is a function with one of the op.h signatures. */
#define OP(ID, name, arity, shape, cpu, vjp, jvp)                                          \
    gen_status shape(const op_call *, op_sig *);                                           \
    gen_status cpu(const op_call *);                                                       \
    gen_array *vjp(const op_call *, int, gen_array *);                                     \
    gen_array *jvp(const op_call *, gen_array *const *);
#include "ops.def"
#undef OP

const op_info op_table[OP_COUNT] = {
#define OP(ID, nm, ar, sh, cp, vj, jv) [OP_##ID] = {.name = nm, .arity = ar, .shape = sh, .cpu = cp, .vjp = vj, .jvp = jv},
#include "ops.def"
#undef OP
};
