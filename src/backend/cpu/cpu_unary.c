/* cpu_unary.c — CPU kernels of ops_unary.def. */
#include "cpu_elementwise.h"

CPU_UNARY_NUMERIC(neg, -x)
CPU_UNARY_FLOAT(exp, exp(x))
CPU_UNARY_FLOAT(log, log(x))
CPU_UNARY_FLOAT(sqrt, sqrt(x))
CPU_UNARY_NUMERIC(square, x * x)
CPU_UNARY_FLOAT(reciprocal, 1.0 / x)
