/* ops_unary.c — elementwise ops of one argument: public functions and gradient rules
 * (rows in ops_unary.def, kernels in backend/cpu/cpu_unary.c). */
#include "elementwise.h"

gen_array *gen_neg(const gen_array *a) { return ew_unary_numeric(OP_NEG, a); }
gen_array *vjp_neg(const op_call *c, int i, gen_array *g) { (void)c, (void)i; return gen_neg(g); }
gen_array *jvp_neg(const op_call *c, gen_array *const *t) { (void)c; return gen_neg(t[0]); }

gen_array *gen_exp(const gen_array *a) { return ew_unary_float(OP_EXP, a); }
EW_UNARY_RULES(exp, y)

gen_array *gen_log(const gen_array *a) { return ew_unary_float(OP_LOG, a); }
EW_UNARY_RULES(log, gen_reciprocal(x))

gen_array *gen_sqrt(const gen_array *a) { return ew_unary_float(OP_SQRT, a); }
EW_UNARY_RULES(sqrt, gen_div(gen_scalar(0.5), y))

gen_array *gen_square(const gen_array *a) { return ew_unary_numeric(OP_SQUARE, a); }
EW_UNARY_RULES(square, gen_mul(gen_scalar(2.0), x))

gen_array *gen_reciprocal(const gen_array *a) { return ew_unary_float(OP_RECIPROCAL, a); }
EW_UNARY_RULES(reciprocal, gen_neg(gen_square(y)))
