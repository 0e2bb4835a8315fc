/* ops_unary.c — elementwise ops of one argument: public functions and gradient rules
 * (rows in ops_unary.def, kernels in backend/cpu/cpu_unary.c, scalar special
 * functions in special.h). */
#include "elementwise.h"

#define UN_2_SQRTPI 1.12837916709551257390     /* 2 / sqrt(pi): erf' */
#define UN_SQRTPI_2 0.88622692545275801365     /* sqrt(pi) / 2: erfinv' */
#define UN_LOG_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)): normal log-density */

/* ---- ops that keep integer types (bool becomes i64) ---- */

gen_array *gen_neg(const gen_array *a) { return ew_unary_numeric(OP_NEG, a); }
gen_array *vjp_neg(const op_call *c, int i, gen_array *g) { (void)c, (void)i; return gen_neg(g); }
gen_array *jvp_neg(const op_call *c, gen_array *const *t) { (void)c; return gen_neg(t[0]); }

gen_array *gen_abs(const gen_array *a) { return ew_unary_numeric(OP_ABS, a); }
EW_UNARY_RULES(abs, gen_sign(x))

gen_array *gen_sign(const gen_array *a) { return ew_unary_numeric(OP_SIGN, a); }

gen_array *gen_square(const gen_array *a) { return ew_unary_numeric(OP_SQUARE, a); }
EW_UNARY_RULES(square, gen_mul(gen_scalar(2.0), x))

/* floor, ceil, round: zero gradient; the identity on integers */
gen_array *gen_floor(const gen_array *a) { return ew_unary_numeric(OP_FLOOR, a); }
gen_array *gen_ceil(const gen_array *a) { return ew_unary_numeric(OP_CEIL, a); }
gen_array *gen_round(const gen_array *a) { return ew_unary_numeric(OP_ROUND, a); }

/* ---- exponentials, logarithms, powers ---- */

gen_array *gen_exp(const gen_array *a) { return ew_unary_float(OP_EXP, a); }
EW_UNARY_RULES(exp, y)

gen_array *gen_expm1(const gen_array *a) { return ew_unary_float(OP_EXPM1, a); }
EW_UNARY_RULES(expm1, gen_exp(x))

gen_array *gen_log(const gen_array *a) { return ew_unary_float(OP_LOG, a); }
EW_UNARY_RULES(log, gen_reciprocal(x))

gen_array *gen_log1p(const gen_array *a) { return ew_unary_float(OP_LOG1P, a); }
EW_UNARY_RULES(log1p, gen_reciprocal(gen_add(gen_scalar(1.0), x)))

gen_array *gen_sqrt(const gen_array *a) { return ew_unary_float(OP_SQRT, a); }
EW_UNARY_RULES(sqrt, gen_div(gen_scalar(0.5), y))

gen_array *gen_reciprocal(const gen_array *a) { return ew_unary_float(OP_RECIPROCAL, a); }
EW_UNARY_RULES(reciprocal, gen_neg(gen_square(y)))

/* ---- trigonometric and hyperbolic ---- */

gen_array *gen_sin(const gen_array *a) { return ew_unary_float(OP_SIN, a); }
EW_UNARY_RULES(sin, gen_cos(x))

gen_array *gen_cos(const gen_array *a) { return ew_unary_float(OP_COS, a); }
EW_UNARY_RULES(cos, gen_neg(gen_sin(x)))

gen_array *gen_tan(const gen_array *a) { return ew_unary_float(OP_TAN, a); }
EW_UNARY_RULES(tan, gen_add(gen_scalar(1.0), gen_square(y)))

gen_array *gen_tanh(const gen_array *a) { return ew_unary_float(OP_TANH, a); }
EW_UNARY_RULES(tanh, gen_sub(gen_scalar(1.0), gen_square(y)))

/* ---- logistic family: derivatives written with sigmoid(-x) rather than 1 - y, which
 * would round to 0 for large x ---- */

gen_array *gen_sigmoid(const gen_array *a) { return ew_unary_float(OP_SIGMOID, a); }
EW_UNARY_RULES(sigmoid, gen_mul(y, gen_sigmoid(gen_neg(x))))

gen_array *gen_log_sigmoid(const gen_array *a) { return ew_unary_float(OP_LOG_SIGMOID, a); }
EW_UNARY_RULES(log_sigmoid, gen_sigmoid(gen_neg(x)))

gen_array *gen_softplus(const gen_array *a) { return ew_unary_float(OP_SOFTPLUS, a); }
EW_UNARY_RULES(softplus, gen_sigmoid(x))

/* ---- error function family ---- */

gen_array *gen_erf(const gen_array *a) { return ew_unary_float(OP_ERF, a); }
EW_UNARY_RULES(erf, gen_mul(gen_scalar(UN_2_SQRTPI), gen_exp(gen_neg(gen_square(x)))))

gen_array *gen_erfc(const gen_array *a) { return ew_unary_float(OP_ERFC, a); }
EW_UNARY_RULES(erfc, gen_mul(gen_scalar(-UN_2_SQRTPI), gen_exp(gen_neg(gen_square(x)))))

gen_array *gen_erfinv(const gen_array *a) { return ew_unary_float(OP_ERFINV, a); }
EW_UNARY_RULES(erfinv, gen_mul(gen_scalar(UN_SQRTPI_2), gen_exp(gen_square(y))))

/* d/dx log Phi(x) = phi(x) / Phi(x), as exp(log phi - log Phi) so that neither ratio
 * term underflows in the lower tail. */
gen_array *gen_log_ndtr(const gen_array *a) { return ew_unary_float(OP_LOG_NDTR, a); }
EW_UNARY_RULES(log_ndtr,
               gen_exp(gen_sub(gen_sub(gen_mul(gen_scalar(-0.5), gen_square(x)),
                                       gen_scalar(UN_LOG_SQRT_2PI)), y)))

/* ---- gamma family (trigamma has no gradient rule: see ops_unary.def) ---- */

gen_array *gen_lgamma(const gen_array *a) { return ew_unary_float(OP_LGAMMA, a); }
EW_UNARY_RULES(lgamma, gen_digamma(x))

gen_array *gen_digamma(const gen_array *a) { return ew_unary_float(OP_DIGAMMA, a); }
EW_UNARY_RULES(digamma, gen_trigamma(x))

gen_array *gen_trigamma(const gen_array *a) { return ew_unary_float(OP_TRIGAMMA, a); }

/* ---- predicates: any dtype in, bool out, never differentiated ---- */

gen_array *gen_logical_not(const gen_array *a) { return op_apply1(OP_LOGICAL_NOT, a, NULL); }
gen_array *gen_isfinite(const gen_array *a) { return op_apply1(OP_ISFINITE, a, NULL); }
gen_array *gen_isnan(const gen_array *a) { return op_apply1(OP_ISNAN, a, NULL); }
