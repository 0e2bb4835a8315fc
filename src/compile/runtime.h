/* runtime.h — what generated code calls back into (prefix cg_rt): the library's own
 * special functions and matrix kernels, handed to a module as a table of function
 * pointers, so compiled code computes them with the very code of the eager path. The
 * X-macro gives both the C struct here and its declaration in the generated source. */
#ifndef GENC_SRC_COMPILE_RUNTIME_H
#define GENC_SRC_COMPILE_RUNTIME_H

#include <stdint.h>

/* X(return type, name, parameter list) */
#define CG_RT_FUNCS(X)                                                                        \
    X(double, sigmoid, (double))                                                              \
    X(double, softplus, (double))                                                             \
    X(double, log_sigmoid, (double))                                                          \
    X(double, round_even, (double))                                                           \
    X(double, erfinv, (double))                                                               \
    X(double, lgamma, (double))                                                               \
    X(double, digamma, (double))                                                              \
    X(double, trigamma, (double))                                                             \
    X(double, log_ndtr, (double))                                                             \
    /* L = chol(A) of n x n (lower; the upper triangle zero); nonzero if A is not PD */       \
    X(int, cholesky, (double * L, const double *A, int64_t n))                                \
    /* X = op(L)^-1 B, L n x n triangular (lower or upper), B n x m; transpose: L^T */         \
    X(void, trisolve, (double *X, const double *L, const double *B, int64_t n, int64_t m, int lower, int transpose)) \
    /* X = A^-1 B (LU with pivoting), A n x n, B n x m; nonzero if singular */                \
    X(int, solve, (double *X, const double *A, const double *B, int64_t n, int64_t m))       \
    /* log |det A| and its sign (LU), A n x n */                                              \
    X(double, logdet, (const double *A, int64_t n))

#define CG_RT_FIELD(ret, name, args) ret(*name) args;
typedef struct cg_rt {
    CG_RT_FUNCS(CG_RT_FIELD)
} cg_rt;
#undef CG_RT_FIELD

/* The table of this library's functions. */
const cg_rt *cg_runtime(void);

#endif
